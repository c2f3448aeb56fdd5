#!/bin/sh
# test_remediate.sh - `hubwarden remediate` and `approve` end to end against
# the simulator (tests/data/awssim/remedy.json): the plan changes nothing;
# --apply changes exactly the expected resources (the whole simulator state
# is diffed before and after) and refuses the rest with a reason (fixed by
# hand, exempt by tag, owned by another account, suppressed, out of scope,
# forged, outside the Organization, circuit breaker); a role that cannot be
# assumed fails its action only (exit 3 naming it); approval and rejection;
# a second run changes nothing; the audit chain verifies, and a tampered
# entry is found.
. "$(dirname "$0")/lib.sh"
use_test_creds
start_sim "$ROOT/tests/data/awssim/remedy.json"
cat > "$TMP/hw.json" <<JSON
{"db": "$TMP/hw.db", "controls_dir": "$ROOT/controls", "aws": {"region": "us-east-1", "max_attempts": 2},
 "remediation": {"controls": {"S3.8": "auto", "S3.1": "auto", "EC2.19": "auto", "EC2.7": "auto", "EC2.13": "auto",
                              "IAM.3": "auto", "IAM.8": "approval"},
                 "external_id": "hw-remedy-1", "max_share": 0.5,
                 "exclude_ous": ["ou-ab12-sand0001"]}}
JSON
HWC="$HW --config $TMP/hw.json"
P=333333333333

expect_rc 0 $HWC scan

# ---- the plan: stored and printed, nothing changed
snapshot s0
expect_rc 0 $HWC remediate
cp "$TMP/out" "$TMP/plan.txt"
contains "$TMP/plan.txt" "auto     $P us-east-1 S3.8 arn:aws:s3:::prod-public-data"
contains "$TMP/plan.txt" "call: s3:PutPublicAccessBlock Bucket=prod-public-data ExpectedBucketOwner=$P BlockPublicAcls=true IgnorePublicAcls=true BlockPublicPolicy=true RestrictPublicBuckets=true"
contains "$TMP/plan.txt" "approval $P us-east-1 IAM.3 arn:aws:iam::$P:user/ci-deploy"
contains "$TMP/plan.txt" "why: IAM.3 is disruptive: approval required unless remediation.allow_disruptive_auto is true"
contains "$TMP/plan.txt" "why: remediation policy: IAM.8 needs approval"
contains "$TMP/plan.txt" "forged-third-party-ec2-19: untrusted: product arn:aws:securityhub:us-east-1:999999999999:product/999999999999/default"
contains "$TMP/plan.txt" "forged-account-mismatch-ec2-19: untrusted: resource arn:aws:ec2:us-east-1:444444444444:security-group/sg-0b99 belongs to account 444444444444"
contains "$TMP/plan.txt" "untrusted: account 999999999999 is not in the Organization"
contains "$TMP/plan.txt" "suppressed: workflow status SUPPRESSED"
contains "$TMP/plan.txt" "sandbox-open: out of scope: account 777777777777 is under ou-ab12-sand0001 (remediation.exclude_ous)"
contains "$TMP/plan.txt" "circuit breaker: EC2.19 would change 3 of 4 resources in account 444444444444"
not_contains "$TMP/plan.txt" "auto     444444444444"
snapshot s0b
[ -z "$(changes s0 s0b)" ] || fail "planning changed the simulator's state"
expect_rc 0 $HWC remediate --json --control S3.8
[ "$(json_eval "$TMP/out" "sorted(set(a['control'] for a in d['actions']))")" = "['S3.8']" ] || fail "--control S3.8"
[ "$(json_eval "$TMP/out" "len(d['actions'])")" = 5 ] || fail "--control S3.8: 5 actions expected"
expect_rc 0 $HWC remediate --json --account 444444444444
[ "$(json_eval "$TMP/out" "len(d['actions'])")" = 0 ] || fail "--account 444444444444: the circuit breaker should leave no action"
[ "$(json_eval "$TMP/out" "all(s['reason'].startswith('circuit breaker') for s in d['skipped'])")" = True ] || fail "--account: skips"
ok "plan: actions, calls, reasons; nothing changed"

# ---- apply: exactly the expected changes; the role that cannot be assumed
# fails its own action only
expect_rc 3 $HWC remediate --apply
cp "$TMP/out" "$TMP/apply1.txt"
contains "$TMP/err" "action "
contains "$TMP/err" "failed (888888888888 us-east-1 S3.8 arn:aws:s3:::legacy-open): cannot assume HubwardenRemediation in 888888888888"
[ "$(grep -c 'failed (' "$TMP/err")" = 1 ] || fail "exactly one failed action expected"
contains "$TMP/apply1.txt" "done              $P S3.8 arn:aws:s3:::prod-public-data: verified"
contains "$TMP/apply1.txt" "already-compliant $P S3.8 arn:aws:s3:::prod-fixed-by-hand"
contains "$TMP/apply1.txt" "exempt            $P S3.8 arn:aws:s3:::prod-exempt: tag hubwarden:exempt=public website, RISK-42"
contains "$TMP/apply1.txt" "refused           $P S3.8 arn:aws:s3:::shared-logs: bucket shared-logs is not owned by account $P"
contains "$TMP/apply1.txt" "5 done, 1 already compliant, 0 gone, 1 exempt, 1 refused, 0 dropped, 1 failed"
contains "$TMP/apply1.txt" "done              $P EC2.13 arn:aws:ec2:us-east-1:$P:security-group/sg-0c33: verified"
snapshot s1
changes s0 s1 > "$TMP/diff1"
cat > "$TMP/want1" <<EOF
/$P/regions/us-east-1/ebs_encryption_by_default: False -> True
/$P/regions/us-east-1/security_groups/sg-0a11/rules/sgr-0a11000000000001/cidr_ipv4: 0.0.0.0/0 -> <none>
/$P/regions/us-east-1/security_groups/sg-0a11/rules/sgr-0a11000000000001/egress: False -> <none>
/$P/regions/us-east-1/security_groups/sg-0a11/rules/sgr-0a11000000000001/from: 22 -> <none>
/$P/regions/us-east-1/security_groups/sg-0a11/rules/sgr-0a11000000000001/id: sgr-0a11000000000001 -> <none>
/$P/regions/us-east-1/security_groups/sg-0a11/rules/sgr-0a11000000000001/protocol: tcp -> <none>
/$P/regions/us-east-1/security_groups/sg-0a11/rules/sgr-0a11000000000001/to: 22 -> <none>
/$P/regions/us-east-1/security_groups/sg-0a11/rules/sgr-0a11000000000004/cidr_ipv6: ::/0 -> <none>
/$P/regions/us-east-1/security_groups/sg-0a11/rules/sgr-0a11000000000004/egress: False -> <none>
/$P/regions/us-east-1/security_groups/sg-0a11/rules/sgr-0a11000000000004/from: 3389 -> <none>
/$P/regions/us-east-1/security_groups/sg-0a11/rules/sgr-0a11000000000004/id: sgr-0a11000000000004 -> <none>
/$P/regions/us-east-1/security_groups/sg-0a11/rules/sgr-0a11000000000004/protocol: tcp -> <none>
/$P/regions/us-east-1/security_groups/sg-0a11/rules/sgr-0a11000000000004/to: 3389 -> <none>
/$P/regions/us-east-1/security_groups/sg-0c33/rules/sgr-0c331050/cidr_ipv4: 0.0.0.0/0 -> <none>
/$P/regions/us-east-1/security_groups/sg-0c33/rules/sgr-0c331050/egress: False -> <none>
/$P/regions/us-east-1/security_groups/sg-0c33/rules/sgr-0c331050/from: 22 -> <none>
/$P/regions/us-east-1/security_groups/sg-0c33/rules/sgr-0c331050/id: sgr-0c331050 -> <none>
/$P/regions/us-east-1/security_groups/sg-0c33/rules/sgr-0c331050/protocol: tcp -> <none>
/$P/regions/us-east-1/security_groups/sg-0c33/rules/sgr-0c331050/to: 22 -> <none>
/$P/s3/buckets/prod-public-data/public_access_block: None -> <none>
/$P/s3/buckets/prod-public-data/public_access_block/BlockPublicAcls: <none> -> True
/$P/s3/buckets/prod-public-data/public_access_block/BlockPublicPolicy: <none> -> True
/$P/s3/buckets/prod-public-data/public_access_block/IgnorePublicAcls: <none> -> True
/$P/s3/buckets/prod-public-data/public_access_block/RestrictPublicBuckets: <none> -> True
/$P/s3/public_access_block: None -> <none>
/$P/s3/public_access_block/BlockPublicAcls: <none> -> True
/$P/s3/public_access_block/BlockPublicPolicy: <none> -> True
/$P/s3/public_access_block/IgnorePublicAcls: <none> -> True
/$P/s3/public_access_block/RestrictPublicBuckets: <none> -> True
EOF
diff "$TMP/want1" "$TMP/diff1" || fail "apply changed something else than expected (diff above: want, got)"
# Security Hub's workflow: RESOLVED with a note naming the action after a
# verified fix, NOTIFIED while a fix awaits approval; untouched otherwise
contains "$TMP/apply1.txt" "Security Hub workflow: 8 finding(s) updated, 0 failed"
sim_get /_awssim/state > "$TMP/sh1.json"
/usr/bin/python3 - "$TMP/sh1.json" <<'PY' || fail "Security Hub workflow after apply"
import json, sys
d = json.load(open(sys.argv[1]))
by = {f["Resources"][0]["Id"]: f for f in d["findings"]}
def wf(r):
    return by[r]["Workflow"]["Status"]
assert wf("arn:aws:s3:::prod-public-data") == "RESOLVED", wf("arn:aws:s3:::prod-public-data")
assert "fixed and verified" in by["arn:aws:s3:::prod-public-data"]["Note"]["Text"]
assert by["arn:aws:s3:::prod-public-data"]["Note"]["UpdatedBy"] == "hubwarden"
assert wf("arn:aws:iam::333333333333:user/ci-deploy") == "NOTIFIED"
assert "awaits approval" in by["arn:aws:iam::333333333333:user/ci-deploy"]["Note"]["Text"]
for r in ("arn:aws:s3:::prod-exempt", "arn:aws:s3:::shared-logs", "arn:aws:s3:::prod-fixed-by-hand",
          "arn:aws:s3:::legacy-open", "arn:aws:s3:::sandbox-open"):
    assert wf(r) == "NEW" and "Note" not in by[r], (r, by[r].get("Workflow"))
PY
ok "apply: exactly the expected changes (same port from 10.0.0.0/8, 443 from the world, ::/0 for an IPv4-only control kept; 1,100 rules read over two pages)"

# ---- approval and rejection
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT id FROM actions WHERE state = 'pending' AND control_id = 'IAM.3' AND account_id = '$P'"
iam3=$(head -1 "$TMP/out")
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT id FROM actions WHERE state = 'pending' AND control_id = 'IAM.3' AND account_id = '222222222222'"
own=$(head -1 "$TMP/out")
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT id FROM actions WHERE state = 'pending' AND control_id = 'IAM.8'"
iam8=$(head -1 "$TMP/out")
[ -n "$iam3" ] && [ -n "$iam8" ] || fail "pending IAM.3 and IAM.8 actions expected"
expect_rc 2 $HWC approve "$iam3" --reason "rotate"
contains "$TMP/err" "--by NAME is required"
expect_rc 0 $HWC approve "$iam3" "$own" --by alice --reason "CHG-1234: key unused since spring"
contains "$TMP/out" "$iam3 approved by alice"
contains "$TMP/out" "$own approved by alice"
expect_rc 0 $HWC approve "$iam8" --reject --by bob --reason "batch still needs it"
contains "$TMP/out" "$iam8 rejected by bob"
expect_rc 2 $HWC approve "$iam3" --by alice --reason again
contains "$TMP/err" "is approved, not pending"
expect_rc 2 $HWC approve no-such-action --by alice --reason x
contains "$TMP/err" "no action no-such-action"
# (the workflow update goes to a region without the aggregator: it fails,
# is warned about, and is retried on the next run; the fix stands)
sed 's/"aws": {/"scan": {"aggregator_region": "eu-west-1"}, "aws": {/' "$TMP/hw.json" > "$TMP/badagg.json"
expect_rc 3 $HW --config "$TMP/badagg.json" remediate --apply
contains "$TMP/out" "$iam3  done              $P IAM.3 arn:aws:iam::$P:user/ci-deploy: verified"
contains "$TMP/out" "$own  refused           222222222222 IAM.3 arn:aws:iam::222222222222:user/hubwarden: user hubwarden: stale key AKIAHUBWARDENTEST001 is the one hubwarden runs with"
contains "$TMP/out" "Security Hub workflow: 0 finding(s) updated, 1 failed (retried on the next run)"
contains "$TMP/err" "action $iam3: Security Hub workflow RESOLVED not set (retried on the next run)"
snapshot s2
changes s1 s2 > "$TMP/diff2"
echo "/$P/iam/users/ci-deploy/access_keys/AKIACIDEPLOYOLD00001/status: Active -> Inactive" > "$TMP/want2"
diff "$TMP/want2" "$TMP/diff2" || fail "approved action: only the stale key deactivated (diff above)"
ok "approval runs on the next --apply (stale key off, fresh key and rejected user untouched)"

# ---- idempotent: a second run changes nothing
expect_rc 3 $HWC remediate --apply
contains "$TMP/out" "0 done"
contains "$TMP/out" "Security Hub workflow: 1 finding(s) updated, 0 failed"
snapshot s3
[ -z "$(changes s2 s3)" ] || { changes s2 s3; fail "second run changed the state"; }
# fixed findings are not planned again until Security Hub evaluates them
expect_rc 0 $HWC remediate --control EC2.7
contains "$TMP/out" "fixed: action "
contains "$TMP/out" "found it failing and fixed it; waiting for Security Hub to evaluate again"
contains "$TMP/out" "0 action(s)"
# a stored plan applied unchanged
expect_rc 0 $HWC remediate --account 888888888888
plan=$(sed -n 's/^plan \(.*\)/\1/p' "$TMP/out")
expect_rc 3 $HWC remediate --apply --plan-id "$plan"
contains "$TMP/out" "apply $plan"
contains "$TMP/out" "$plan-001  failed            888888888888 S3.8"
expect_rc 2 $HWC remediate --apply --plan-id "$plan" --control S3.8
contains "$TMP/err" "--plan-id runs a stored plan unchanged"
expect_rc 0 $HWC remediate --plan-id "$plan" --json
[ "$(json_eval "$TMP/out" "(d['plan'], [a['state'] for a in d['actions']])")" = "('$plan', ['failed'])" ] || fail "--plan-id prints the stored plan"
expect_rc 3 $HWC remediate --apply --json --account 888888888888
[ "$(json_eval "$TMP/out" "[(r['account'], r['state']) for r in d['results']]")" = "[('888888888888', 'failed')]" ] || fail "--apply --json results"
expect_rc 2 $HWC remediate --plan-id no-such-plan
contains "$TMP/err" "no run no-such-plan"
ok "idempotent; --apply --plan-id"

# ---- a rejection holds while its finding is unchanged; an approved action
# whose finding was resolved meanwhile is dropped, not run
SHP=arn:aws:securityhub:us-east-1::product/aws/securityhub
expect_rc 0 $HWC remediate --control IAM.8
contains "$TMP/out" "rejected as action $iam8; planned again when the finding changes"
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT finding_id FROM actions WHERE id = '$iam8'"
fid8=$(head -1 "$TMP/out")
sim_post /_awssim/findings "{\"update\": [{\"Id\": \"$fid8\", \"ProductArn\": \"$SHP\", \"fields\": {\"Workflow.Status\": \"NOTIFIED\"}}]}" > /dev/null
expect_rc 0 $HWC scan
expect_rc 0 $HWC remediate --control IAM.8
contains "$TMP/out" "approval $P us-east-1 IAM.8 arn:aws:iam::$P:user/batch"
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT id FROM actions WHERE state = 'pending' AND control_id = 'IAM.8'"
new8=$(head -1 "$TMP/out")
[ -n "$new8" ] && [ "$new8" != "$iam8" ] || fail "a changed finding is planned again"
expect_rc 0 $HWC approve "$new8" --by alice --reason "batch retired"
sim_post /_awssim/findings "{\"update\": [{\"Id\": \"$fid8\", \"ProductArn\": \"$SHP\", \"fields\": {\"Compliance.Status\": \"PASSED\"}}]}" > /dev/null
expect_rc 0 $HWC scan
expect_rc 0 $HWC remediate --apply --control IAM.8
contains "$TMP/out" "$new8  dropped"
contains "$TMP/out" "dropped: the finding is no longer FAILED and ACTIVE"
snapshot s4
[ -z "$(changes s3 s4)" ] || { changes s3 s4; fail "a dropped action changed the state"; }
ok "rejection holds until the finding changes; a resolved finding's approved action is dropped"

# ---- an unexpired exception (risk acceptance) blocks remediation; an
# expired one stops counting
now=$(date +%s)
sqlite3 "$TMP/hw.db" "INSERT INTO exceptions(account_id, control_id, reason, approver, created_at, expires_at) VALUES ('888888888888', 'S3.8', 'RISK-7', 'carol', $((now - 60)), $((now + 86400)))" || fail "exception"
expect_rc 0 $HWC remediate --account 888888888888
contains "$TMP/out" "excepted: an unexpired risk acceptance covers S3.8 in account 888888888888"
contains "$TMP/out" "0 action(s)"
sqlite3 "$TMP/hw.db" "UPDATE exceptions SET expires_at = $((now - 1))" || fail "exception"
expect_rc 0 $HWC remediate --account 888888888888
contains "$TMP/out" "1 action(s)"
ok "exceptions block remediation while unexpired"

# ---- the audit trail
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT event, count(*) FROM audit_log WHERE event LIKE 'remediation.%' GROUP BY event ORDER BY event"
contains "$TMP/out" "remediation.approve|3"
contains "$TMP/out" "remediation.reject|1"
grep -q '^remediation.action|' "$TMP/out" || fail "no remediation.action entries"
grep -q '^remediation.plan|' "$TMP/out" || fail "no remediation.plan entries"
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT detail FROM audit_log WHERE event = 'remediation.action' AND detail LIKE '%prod-public-data%' AND detail LIKE '%\"state\":\"done\"%'"
contains "$TMP/out" '"before":{"Bucket":"prod-public-data"'
contains "$TMP/out" '"RestrictPublicBuckets":true'
expect_rc 0 "$ROOT/.build/audit_verify" "$TMP/hw.db"
contains "$TMP/out" "intact"
sqlite3 "$TMP/hw.db" "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET detail = replace(detail, 'alice', 'mallory') WHERE event = 'remediation.approve'" || fail "tampering"
expect_rc 1 "$ROOT/.build/audit_verify" "$TMP/hw.db"
contains "$TMP/out" "bad "
ok "audit: plan, actions with before/after, decisions; chain verifies; tampering found"
