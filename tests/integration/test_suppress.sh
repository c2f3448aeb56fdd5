#!/bin/sh
# test_suppress.sh - suppression rules (remediation.suppress_*): remediate
# plans a "suppress" action for each failing finding of a listed severity
# (LOW, INFORMATIONAL by default) of a listed control or in a listed
# account; --apply sets its Workflow.Status SUPPRESSED with a note naming
# the action through BatchUpdateFindings, records it in the actions table
# and the audit log; a HIGH finding of the same control, a finding the
# plan fixes and a second run are left alone; bad keys name themselves.
. "$(dirname "$0")/lib.sh"
use_test_creds
/usr/bin/python3 - "$ROOT/tests/data/awssim/remedy.json" "$TMP/scenario.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for f in d["securityhub"]["findings"]:
    r = f["Resources"][0]["Id"]
    # EC2.13 sg-0c33 and 888's legacy-open bucket become LOW
    if r.endswith("sg-0c33") or r == "arn:aws:s3:::legacy-open":
        f["Severity"] = {"Label": "LOW", "Normalized": 1}
json.dump(d, open(sys.argv[2], "w"))
PY
start_sim "$TMP/scenario.json"
cat > "$TMP/hw.json" <<JSON
{"db": "$TMP/hw.db", "controls_dir": "$ROOT/controls", "aws": {"region": "us-east-1", "max_attempts": 2},
 "remediation": {"controls": {"S3.8": "auto"}, "external_id": "hw-remedy-1", "max_share": 1,
                 "suppress_controls": ["EC2.13", "EC2.19"], "suppress_accounts": ["888888888888"]}}
JSON
HWC="$HW --config $TMP/hw.json"
q() { sqlite3 "$TMP/hw.db" "$1"; }

# bad keys name themselves
printf '{"remediation": {"suppress_controls": ["EC2.133"]}}' > "$TMP/bad.json"
expect_rc 2 "$HW" --config "$TMP/bad.json" findings
contains "$TMP/err" 'remediation.suppress_controls: "EC2.133" is not a control of the catalogue'
printf '{"remediation": {"suppress_severities": ["low"]}}' > "$TMP/bad.json"
expect_rc 2 "$HW" --config "$TMP/bad.json" findings
contains "$TMP/err" 'remediation.suppress_severities[0]: "low" is not a severity label'
printf '{"remediation": {"suppress_accounts": ["8888"]}}' > "$TMP/bad.json"
expect_rc 2 "$HW" --config "$TMP/bad.json" findings
contains "$TMP/err" 'remediation.suppress_accounts[0]: "8888" is not an account id'
ok "bad suppression keys are errors naming the key"

expect_rc 0 $HWC scan
expect_rc 0 $HWC remediate
contains "$TMP/out" "333333333333 us-east-1 EC2.13 arn:aws:ec2:us-east-1:333333333333:security-group/sg-0c33"
contains "$TMP/out" "why: suppression rule: severity LOW (remediation.suppress_severities), control EC2.13 (remediation.suppress_controls)"
contains "$TMP/out" "call: securityhub:BatchUpdateFindings Id="
contains "$TMP/out" "Workflow.Status=SUPPRESSED"
# legacy-open (888, LOW) is fixed by the S3.8 policy: the fix wins
[ "$(q "SELECT count(*) FROM actions WHERE action = 'suppress'")" = 1 ] ||
    fail "one suppression expected (EC2.19 findings are HIGH; 888's is fixed): $(q "SELECT id, control_id, resource FROM actions WHERE action = 'suppress'")"
ok "the plan lists the suppression with its rule and call; HIGH findings and planned fixes are left alone"

# a failed update (no aggregator in that region) is recorded and exit 3;
# the next run plans it again
sed 's/"aws": {/"scan": {"aggregator_region": "eu-west-1"}, "aws": {/' "$TMP/hw.json" > "$TMP/badagg.json"
expect_rc 3 $HW --config "$TMP/badagg.json" remediate --apply --control EC2.13
contains "$TMP/out" "suppressed: 0 finding(s), 1 failed (planned again on the next run)"
contains "$TMP/err" "not suppressed"
[ "$(q "SELECT count(*) FROM actions WHERE action = 'suppress' AND state = 'failed' AND error != ''")" = 1 ] ||
    fail "the failed suppression should be recorded"
grep -q '"state":"failed"' "$(q "SELECT detail FROM audit_log WHERE event = 'remediation.suppress'" > "$TMP/f"; echo "$TMP/f")" ||
    fail "the failed suppression should be audited"
expect_rc 0 $HWC remediate --apply --control EC2.13
contains "$TMP/out" "suppressed: 1 finding(s), 0 failed"
[ "$(q "SELECT state || ' ' || workflow FROM actions WHERE action = 'suppress' AND state = 'done'")" = "done SUPPRESSED" ] ||
    fail "the suppress action should be done: $(q "SELECT id, state, workflow, error FROM actions WHERE action = 'suppress'")"
q "SELECT detail FROM audit_log WHERE event = 'remediation.suppress'" > "$TMP/a"
contains "$TMP/a" '"workflow":"SUPPRESSED"'
contains "$TMP/a" '"state":"done"'
contains "$TMP/a" '"rule":"suppression rule: severity LOW (remediation.suppress_severities), control EC2.13 (remediation.suppress_controls)"'
contains "$TMP/a" 'action(s) s001: suppressed by a remediation.suppress rule'
sim_get /_awssim/state > "$TMP/sh.json"
/usr/bin/python3 - "$TMP/sh.json" <<'PY' || fail "Security Hub workflow after apply"
import json, sys
d = json.load(open(sys.argv[1]))
by = {f["Resources"][0]["Id"]: f for f in d["findings"] if f["Id"].startswith("arn:")}
f = by["arn:aws:ec2:us-east-1:333333333333:security-group/sg-0c33"]
assert f["Workflow"]["Status"] == "SUPPRESSED", f["Workflow"]
assert f["Note"]["Text"].startswith("hubwarden plan "), f["Note"]
assert f["Note"]["Text"].endswith(" action(s) s001: suppressed by a remediation.suppress rule"), f["Note"]
assert f["Note"]["UpdatedBy"] == "hubwarden"
for r in ("arn:aws:s3:::legacy-open", "arn:aws:ec2:us-east-1:444444444444:security-group/sg-0b21"):
    assert by[r]["Workflow"]["Status"] == "NEW", (r, by[r]["Workflow"])
PY
ok "--apply suppresses it through BatchUpdateFindings with a note; action and audit recorded"

expect_rc 0 $HWC remediate --control EC2.13
contains "$TMP/out" "0 action(s)"
ok "a suppressed finding is not suppressed again"
expect_rc 0 $HWC verify --audit

# batched: every HIGH failing finding of 444 suppressed in one
# BatchUpdateFindings call whose note names each action; a finding Security
# Hub does not know (imported, not in Security Hub) fails alone, with
# Security Hub's reason, and the others are done
cat > "$TMP/batch.json" <<JSON
{"db": "$TMP/hw.db", "controls_dir": "$ROOT/controls", "aws": {"region": "us-east-1", "max_attempts": 2},
 "remediation": {"external_id": "hw-remedy-1", "suppress_severities": ["HIGH"],
                 "suppress_accounts": ["444444444444"]}}
JSON
/usr/bin/python3 - "$TMP/scenario.json" "$TMP/extra.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
f = next(f for f in d["securityhub"]["findings"] if f["AwsAccountId"] == "444444444444"
         and f["Compliance"]["Status"] == "FAILED")
f["Id"] = "arn:aws:securityhub:us-east-1:444444444444:finding/not-in-security-hub"
json.dump(f, open(sys.argv[2], "w"))
PY
expect_rc 0 $HW --config "$TMP/batch.json" import "$TMP/extra.json"
sim_post /_awssim/reset-stats '{}' > /dev/null
expect_rc 3 $HW --config "$TMP/batch.json" remediate --apply
contains "$TMP/out" "1 failed (planned again on the next run)"
done=$(q "SELECT count(*) FROM actions WHERE action = 'suppress' AND account_id = '444444444444' AND state = 'done'")
[ "$done" -ge 5 ] || fail "several suppressions of 444 expected done, got $done"
contains "$TMP/out" "suppressed: $done finding(s), 1 failed"
[ "$(q "SELECT count(*) FROM actions WHERE action = 'suppress' AND state = 'failed' AND finding_id LIKE '%not-in-security-hub' AND error LIKE '%FindingNotFound: Finding Not Found%'")" = 1 ] ||
    fail "the unknown finding fails alone with Security Hub's reason: $(q "SELECT finding_id, state, error FROM actions WHERE action = 'suppress' AND account_id = '444444444444'")"
sim_get /_awssim/stats > "$TMP/stats.json"
[ "$(json_eval "$TMP/stats.json" "d['operations'].get('securityhub.BatchUpdateFindings', 0)")" = 1 ] ||
    fail "one BatchUpdateFindings call expected for $((done + 1)) findings: $(cat "$TMP/stats.json")"
sim_get /_awssim/state > "$TMP/sh.json"
/usr/bin/python3 - "$TMP/sh.json" "$(q "SELECT group_concat(substr(id, instr(id, '-s') + 1), ',') FROM (SELECT id FROM actions WHERE action = 'suppress' AND account_id = '444444444444' ORDER BY id)")" <<'PY' || fail "each suppressed finding's note names its action"
import json, sys
d = json.load(open(sys.argv[1]))
ids = sys.argv[2].split(",")
notes = [f["Note"]["Text"] for f in d["findings"] if f["AwsAccountId"] == "444444444444"
         and f.get("Workflow", {}).get("Status") == "SUPPRESSED"]
assert len(notes) == len(ids) - 1, (notes, ids)
for n in notes:
    assert n.endswith(" action(s) %s: suppressed by a remediation.suppress rule" % ",".join(ids)), n
PY
ok "suppressions batched: one BatchUpdateFindings call, each note naming the actions; an unprocessed finding fails alone"
expect_rc 0 $HWC verify --audit
