#!/bin/sh
# test_run.sh - `hubwarden run` end to end against the simulator's sample
# Organization (tests/data/awssim/run.json): a configuration error exits 2
# before anything is touched; the first run fixes the auto controls and a
# playbook (exactly those resources change), writes the bundle, records
# every step, and leaves the approval actions pending; the gate fails on
# the open critical controls; a second run changes nothing; after
# `approve`, `run --gate` fixes them and the gate passes, its JUnit file
# validates; a stale store makes the gate exit 2 until the next run; -q
# prints nothing on success; --json; a member account whose role cannot be
# assumed makes the run partial (exit 3, named) while every other step
# completes; a store that cannot be opened exits 4.
. "$(dirname "$0")/lib.sh"
use_test_creds
start_sim "$ROOT/tests/data/awssim/run.json"
"$HW" keygen --out "$TMP/keys" > /dev/null 2>&1 || fail "keygen"
P=333333333333
# 5 attempts: a scan right after another can meet the simulator's
# GetFindings bucket (3 a second) still empty; 2 may both be throttled
conf() { # $1: report.frameworks
    cat > "$TMP/hw.json" <<JSON
{"db": "$TMP/hw.db", "aws": {"region": "us-east-1", "max_attempts": 5},
 "notifications": {"sns_topic_arn": "arn:aws:sns:us-east-1:222222222222:hubwarden-alerts"},
 "remediation": {"controls": {"S3.8": "auto", "EC2.19": "auto", "EC2.1": "approval", "RDS.2": "approval"},
                 "playbooks": {"s3-exposure": "auto"}, "external_id": "hw-remedy-1"},
 "report": {"key_file": "$TMP/keys/key.pem", "cert_file": "$TMP/keys/cert.pem",
            "out_dir": "$TMP/reports", "frameworks": $1}}
JSON
}
HWC="$HW --config $TMP/hw.json"
q() { sqlite3 "$TMP/hw.db" "$1"; }
stats() { sim_get /_awssim/stats > "$TMP/stats.json"; }
# ---- configuration errors: exit 2, nothing touched (no store, no call)
sim_post /_awssim/reset-stats '{}' > /dev/null
conf '["cis-aws-3.0"]'
expect_rc 2 $HWC run
contains "$TMP/err" "report.frameworks: no framework 'cis-aws-3.0' (nearest: cis-aws-3.0.0)"
chmod 0644 "$TMP/keys/key.pem"
conf '["cis-aws-3.0.0"]'
expect_rc 2 $HWC run
contains "$TMP/err" "key.pem"
chmod 0600 "$TMP/keys/key.pem"
[ ! -e "$TMP/hw.db" ] || fail "a configuration error created the store"
stats
[ "$(json_eval "$TMP/stats.json" "sum(d['operations'].values())")" = 0 ] || fail "a configuration error called AWS"
ok "configuration errors exit 2 before anything is touched"

# ---- the first run: auto actions and the playbook run, approvals wait
snapshot s0
expect_rc 0 $HWC run
cp "$TMP/out" "$TMP/run1.txt"
contains "$TMP/run1.txt" "run "
contains "$TMP/run1.txt" ": ok (exit 0)"
contains "$TMP/run1.txt" "fixed and verified:"
grep -q "EC2.19 $P us-east-1 arn:aws:ec2:us-east-1:$P:security-group/sg-0a11" "$TMP/run1.txt" || fail "EC2.19 not fixed"
grep -q "S3.8 $P us-east-1 arn:aws:s3:::prod-public-data" "$TMP/run1.txt" || fail "S3.8 not fixed"
grep -q "s3-exposure $P us-east-1 arn:aws:s3:::media-public" "$TMP/run1.txt" || fail "the playbook did not run"
contains "$TMP/run1.txt" "awaiting approval"
for r in "EC2.1 $P us-east-1 arn:aws:ec2:us-east-1:$P:snapshot/snap-0a0000000000000a1" \
         "RDS.2 $P us-east-1 arn:aws:rds:us-east-1:$P:db:orders-db" \
         "iam-credential-exposure $P us-east-1 AWS::IAM::AccessKey:AKIADEVALICEKEY00001"; do
    grep -q "$r" "$TMP/run1.txt" || fail "not awaiting approval: $r"
done
contains "$TMP/run1.txt" "gate FAILED"
B=$(ls -d "$TMP"/reports/cis-aws-3.0.0-*)
[ -f "$B/report.xml" ] || fail "no bundle"
contains "$TMP/run1.txt" "$B"
expect_rc 0 "$HW" verify --trust "$TMP/keys/cert.pem" "$B"
snapshot s1
changes s0 s1 > "$TMP/diff1"
grep -q "^/$P/regions/us-east-1/security_groups/sg-0a11/rules/sgr-0a11000000000001" "$TMP/diff1" || fail "sg-0a11's open rule stayed"
grep -q "^/$P/s3/buckets/prod-public-data/public_access_block" "$TMP/diff1" || fail "prod-public-data not blocked"
grep -q "^/$P/s3/buckets/media-public/public_access_block" "$TMP/diff1" || fail "media-public not blocked"
if grep -v "^/$P/regions/us-east-1/security_groups/sg-0a11/\|^/$P/s3/buckets/prod-public-data/\|^/$P/s3/buckets/media-public/" "$TMP/diff1"; then
    fail "the run changed something else"
fi
ok "first run: the auto actions and the playbook ran, exactly those resources changed, bundle verified"

# ---- what the store and the audit log keep
RUN=$(q "SELECT id FROM runs WHERE kind = 'run'")
[ "$(q "SELECT status, exit_status FROM runs WHERE id = '$RUN'")" = "ok|0" ] || fail "run record"
"$HW" version > "$TMP/version.txt"
HASH=$(q "SELECT catalog_sha256 FROM runs WHERE id = '$RUN'")
[ -n "$HASH" ] && grep -q "$HASH" "$TMP/version.txt" || fail "the run's catalogue hash ($HASH) is not version's"
[ "$(q "SELECT group_concat(step || ':' || status, ' ') FROM (SELECT step, status FROM run_steps WHERE run_id = '$RUN' ORDER BY seq)")" = \
  "scan:ok expire:ok evaluate:ok remediate:ok workflow:ok report:ok notify:ok gate:ok" ] ||
    fail "steps: $(q "SELECT step, status FROM run_steps WHERE run_id = '$RUN'")"
SCAN=$(q "SELECT child_run FROM run_steps WHERE run_id = '$RUN' AND step = 'scan'")
[ "$(q "SELECT kind, status FROM runs WHERE id = '$SCAN'")" = "scan|ok" ] || fail "the scan's run"
[ "$(q "SELECT kind FROM runs r JOIN run_steps s ON s.child_run = r.id WHERE s.run_id = '$RUN' AND s.step = 'remediate'")" = plan ] ||
    fail "the plan's run"
[ "$(q "SELECT json_extract(counts, '\$.done') FROM run_steps WHERE run_id = '$RUN' AND step = 'remediate'")" = 3 ] ||
    fail "remediate counts"
[ "$(q "SELECT count(*) FROM audit_log WHERE run_id = '$RUN' AND event IN ('run.started', 'run.finished')")" = 2 ] ||
    fail "run.started / run.finished not audited"
[ "$(q "SELECT json_extract(detail, '\$.exit_status') FROM audit_log WHERE run_id = '$RUN' AND event = 'run.finished'")" = 0 ] ||
    fail "run.finished without the exit status"
expect_rc 0 "$HW" --config "$TMP/hw.json" verify --audit
sim_get /_awssim/state > "$TMP/sns.json"
[ "$(json_eval "$TMP/sns.json" "[m['Subject'] for m in d['sns_messages']]")" = \
  "['hubwarden: 3 action(s) awaiting approval', 'hubwarden: 1 playbook action(s) executed']" ] ||
    fail "notifications: $(json_eval "$TMP/sns.json" "d['sns_messages']")"
[ "$(q "SELECT json_extract(counts, '\$.sent') FROM run_steps WHERE run_id = '$RUN' AND step = 'notify'")" = 2 ] ||
    fail "notify counts"
ok "the run, its steps, the scan and the plan are recorded; notified; audit chain intact"

# ---- the gate fails on the open critical controls; a second run changes nothing
expect_rc 1 $HWC gate
grep -q "^EC2.1 .* $P .*FAILED" "$TMP/out" || fail "gate: EC2.1"
grep -q "^RDS.2 .* $P .*FAILED" "$TMP/out" || fail "gate: RDS.2"
calls_match_actions "$TMP/hw.db" > /dev/null || fail "the first run's changes differ from its actions"
expect_rc 1 $HWC run --gate
contains "$TMP/out" ": ok (exit 1)"
contains "$TMP/out" "gate FAILED"
snapshot s2
[ -z "$(changes s1 s2)" ] || fail "a second run changed: $(changes s1 s2)"
calls_match_actions "$TMP/hw.db" > /dev/null || fail "a second run called AWS to change something"
ok "the gate fails on the open critical controls (run --gate exits 1); a second run changes nothing"

# ---- approve, run again: the gate passes; JUnit validates
ids=$(q "SELECT id FROM actions WHERE state = 'pending' ORDER BY id")
[ "$(echo "$ids" | wc -l)" = 3 ] || fail "3 pending actions expected: $ids"
expect_rc 0 $HWC approve $ids --by alice --reason "CHG-7: fix the critical ones"
expect_rc 0 $HWC run --gate --junit "$TMP/junit.xml"
contains "$TMP/out" "gate passed"
contains "$TMP/out" ": ok (exit 0)"
[ "$(q "SELECT count(*) FROM actions WHERE id IN ($(echo "$ids" | sed "s/.*/'&'/" | paste -sd,)) AND state = 'done'")" = 3 ] ||
    fail "the approved actions did not all run"
xmllint --noout --schema "$ROOT/tests/data/junit/junit.xsd" "$TMP/junit.xml" 2> "$TMP/xmllint.err" ||
    { cat "$TMP/xmllint.err"; fail "JUnit XML does not validate"; }
contains "$TMP/junit.xml" "EC2.1"
expect_rc 0 $HWC gate
contains "$TMP/out" "gate passed"
snapshot s3
changes s2 s3 > "$TMP/diff3"
grep -q "^/$P/regions/us-east-1/snapshots/snap-0a0000000000000a1/" "$TMP/diff3" || fail "the snapshot is still public"
grep -q "^/$P/regions/us-east-1/db_instances/orders-db/" "$TMP/diff3" || fail "orders-db is still public"
grep -q "^/$P/iam/users/dev-alice/" "$TMP/diff3" || fail "dev-alice's key is still active"
ok "after approval the run fixes the rest; the gate passes; the JUnit report validates"

# ---- a stale store: the gate exits 2 until the next run
q "UPDATE runs SET started_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-48 hours')"
expect_rc 2 $HWC gate --max-age 36
contains "$TMP/err" "stale"
expect_rc 0 $HWC run --gate
expect_rc 0 $HWC gate --max-age 36
ok "a stale store fails the gate with exit 2; the next run makes it fresh"

# ---- -q: nothing on success; --json
expect_rc 0 $HWC -q run
[ ! -s "$TMP/out" ] || fail "-q printed on success: $(cat "$TMP/out")"
[ ! -s "$TMP/err" ] || fail "-q printed diagnostics on success: $(cat "$TMP/err")"
expect_rc 0 $HWC run --json
[ "$(json_eval "$TMP/out" "(d['status'], d['exit_status'], [s['step'] for s in d['steps']], d['gate']['result'])")" = \
  "('ok', 0, ['scan', 'expire', 'evaluate', 'remediate', 'workflow', 'report', 'notify', 'gate'], 'passed')" ] ||
    fail "--json: $(head -c 600 "$TMP/out")"
json_eval "$TMP/out" "d['run_id'] and d['audit_head'] and d['bundles']" > /dev/null || fail "--json fields"
[ "$(json_eval "$TMP/out" "d['catalogue']['sha256']")" = "$HASH" ] || fail "--json: the catalogue's hash"
ok "-q prints nothing on success; --json is one document"

# ---- a member account whose role cannot be assumed: exit 3, named; the
# other steps complete
/usr/bin/python3 - "$ROOT/tests/data/awssim/run.json" "$TMP/legacy.json" <<'PY'
import datetime, json, sys
f = json.load(open(sys.argv[1]))["extra_findings"][0]
f["UpdatedAt"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
json.dump({"add": [f]}, open(sys.argv[2], "w"))
PY
sim_post /_awssim/findings "@$TMP/legacy.json" > /dev/null
expect_rc 3 $HWC run
contains "$TMP/out" ": partial (exit 3)"
contains "$TMP/out" "888888888888 us-east-1 S3.8 arn:aws:s3:::legacy-open): cannot assume HubwardenRemediation in 888888888888"
contains "$TMP/err" "failed (888888888888 us-east-1 S3.8 arn:aws:s3:::legacy-open): cannot assume HubwardenRemediation"
RUN=$(q "SELECT id FROM runs WHERE kind = 'run' ORDER BY rowid DESC LIMIT 1")
[ "$(q "SELECT status, exit_status FROM runs WHERE id = '$RUN'")" = "partial|3" ] || fail "partial run record"
[ "$(q "SELECT group_concat(step || ':' || status, ' ') FROM (SELECT step, status FROM run_steps WHERE run_id = '$RUN' ORDER BY seq)")" = \
  "scan:ok expire:ok evaluate:ok remediate:partial workflow:ok report:ok notify:ok gate:ok" ] ||
    fail "partial steps: $(q "SELECT step, status, detail FROM run_steps WHERE run_id = '$RUN'")"
ok "a failing action makes the run partial (exit 3, named); the other steps complete"

# ---- the store cannot be had: exit 4
expect_rc 4 $HWC --db "$TMP/no/such/folder/hw.db" run
contains "$TMP/err" "$TMP/no/such/folder"
ok "a store that cannot be opened exits 4"

# ---- a member account whose audit role cannot be assumed (assume-role
# mode: the management account has none): the scan is partial and names
# it; the rest is read, evaluated and remediated; exit 3
/usr/bin/python3 - "$TMP/hw.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["organization"] = {"mode": "assume-role", "regions": ["us-east-1"]}
json.dump(c, open(sys.argv[1], "w"))
PY
expect_rc 3 $HWC run
contains "$TMP/out" "1 of 6 sources failed: account:111111111111:us-east-1: sts AssumeRole"
RUN=$(q "SELECT id FROM runs WHERE kind = 'run' ORDER BY rowid DESC LIMIT 1")
[ "$(q "SELECT status FROM run_steps WHERE run_id = '$RUN' AND step IN ('scan', 'evaluate') ORDER BY seq")" = "partial
ok" ] || fail "scan and evaluate: $(q "SELECT step, status, detail FROM run_steps WHERE run_id = '$RUN'")"
[ "$(q "SELECT status FROM run_steps WHERE run_id = '$RUN' AND step = 'remediate'")" != skipped ] ||
    fail "a partial scan must not stop remediation"
ok "an account that cannot be read makes the scan partial (exit 3, named); the rest completes"

# ---- an approval older than remediation.approval_hours expires in the
# expire step, audited, and the action never runs
/usr/bin/python3 - "$ROOT/tests/data/awssim/run.json" "$TMP/reports-db.json" <<'PY'
import datetime, json, sys
d = json.load(open(sys.argv[1]))
f = next(f for f in d["securityhub"]["findings"] if f["Resources"][0]["Id"].endswith(":db:orders-db"))
f["Id"] = f["Id"] + "-reports"
f["Resources"][0]["Id"] = f["Resources"][0]["Id"].replace("orders-db", "reports-db")
f["UpdatedAt"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
json.dump({"add": [f]}, open(sys.argv[2], "w"))
PY
sim_post /_awssim/findings "@$TMP/reports-db.json" > /dev/null
expect_rc 3 $HWC run
X=$(q "SELECT id FROM actions WHERE state = 'pending' AND resource LIKE '%:db:reports-db'")
[ -n "$X" ] || fail "no pending action for reports-db"
expect_rc 0 $HWC approve "$X" --by alice --reason "CHG-8"
q "UPDATE approvals SET approved_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-100 hours') WHERE action_id = '$X'"
sim_get /_awssim/stats > "$TMP/stats.json"
modify=$(json_eval "$TMP/stats.json" "d['operations'].get('rds.ModifyDBInstance', 0)")
expect_rc 3 $HWC run
RUN=$(q "SELECT id FROM runs WHERE kind = 'run' ORDER BY rowid DESC LIMIT 1")
[ "$(q "SELECT json_extract(counts, '\$.approvals') FROM run_steps WHERE run_id = '$RUN' AND step = 'expire'")" = 1 ] ||
    fail "expire counts: $(q "SELECT counts FROM run_steps WHERE run_id = '$RUN' AND step = 'expire'")"
[ "$(q "SELECT state FROM actions WHERE id = '$X'")" = expired ] || fail "the approval did not expire"
q "SELECT reason FROM actions WHERE id = '$X'" | grep -q "more than remediation.approval_hours (72) ago" || fail "expiry reason"
[ "$(q "SELECT count(*) FROM audit_log WHERE event = 'remediation.action' AND json_extract(detail, '\$.action') = '$X' AND json_extract(detail, '\$.state') = 'expired'")" = 1 ] ||
    fail "the expiry is not audited"
sim_get /_awssim/stats > "$TMP/stats.json"
[ "$(json_eval "$TMP/stats.json" "d['operations'].get('rds.ModifyDBInstance', 0)")" = "$modify" ] || fail "an expired approval ran"
ok "an approval older than remediation.approval_hours expires, audited, and never runs"

# ---- AWS cannot be reached at all: exit 5; nothing is remediated from the
# failed scan, but the report of what was read and the gate still come
kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null; SIM_PID=
expect_rc 5 $HWC run
contains "$TMP/out" ": failed (exit 5)"
RUN=$(q "SELECT id FROM runs WHERE kind = 'run' ORDER BY rowid DESC LIMIT 1")
[ "$(q "SELECT group_concat(step || ':' || status, ' ') FROM (SELECT step, status FROM run_steps WHERE run_id = '$RUN' ORDER BY seq)")" = \
  "scan:failed expire:ok evaluate:skipped remediate:skipped workflow:ok report:ok notify:ok gate:ok" ] ||
    fail "steps without AWS: $(q "SELECT step, status, detail FROM run_steps WHERE run_id = '$RUN'")"
q "SELECT detail FROM run_steps WHERE run_id = '$RUN' AND step = 'remediate'" | grep -q "the scan failed outright" ||
    fail "remediate should say why it was skipped"
[ "$(q "SELECT status, exit_status FROM runs WHERE id = '$RUN'")" = "failed|5" ] || fail "failed run record"
ok "without AWS: exit 5, nothing remediated, the report and the gate still come"
