#!/bin/sh
# test_scan_modes.sh - assume-role mode across accounts and regions,
# retries through injected faults, and hostile findings (bad fields, other
# products, accounts outside the Organization) skipped or left untrusted.
. "$(dirname "$0")/lib.sh"
use_test_creds
start_sim "$ROOT/tests/data/awssim/basic.json" --no-rate-limit
cat > "$TMP/ar.json" <<JSON
{"db": "$TMP/ar.db", "aws": {"region": "us-east-1", "max_concurrency": 3},
 "organization": {"mode": "assume-role", "role_name": "HubwardenAudit", "external_id": "hw-ext-1",
                  "regions": ["us-east-1", "eu-west-1"], "exclude_accounts": ["111111111111"]}}
JSON
expect_rc 0 "$HW" --config "$TMP/ar.json" scan
# the audit account's own us-east-1 view is the aggregator's: overlaps are unchanged
contains "$TMP/out" "250 new, 0 changed"
contains "$TMP/out" "6 of 6 sources completed"
sim_get /_awssim/state > "$TMP/state"
[ "$(json_eval "$TMP/state" "d['issued_credentials'] >= 2")" = True ] || fail "no role was assumed"
ok "assume-role mode: 3 accounts x 2 regions"

# an account whose role is missing: that source fails, the rest complete (exit 3)
cat > "$TMP/ar2.json" <<JSON
{"db": "$TMP/ar2.db", "aws": {"region": "us-east-1", "max_attempts": 2},
 "organization": {"mode": "assume-role", "role_name": "HubwardenAudit", "regions": ["us-east-1"],
                  "include_accounts": ["222222222222", "333333333333", "444444444444"]}}
JSON
expect_rc 3 "$HW" --config "$TMP/ar2.json" scan
contains "$TMP/err" "account:333333333333:us-east-1"
contains "$TMP/err" "AccessDenied"
contains "$TMP/out" "2 of 3 sources completed"
ok "partial failure exits 3"

# faults: throttling, 503s, resets and truncated bodies are retried
sim_post /_awssim/faults '{"throttle": 0.15, "http503": 0.1, "reset": 0.05, "truncate": 0.05}' >/dev/null
cat > "$TMP/f.json" <<JSON
{"db": "$TMP/f.db", "aws": {"region": "us-east-1", "max_attempts": 8}, "scan": {"page_size": 20}}
JSON
expect_rc 0 "$HW" --config "$TMP/f.json" scan
contains "$TMP/out" "250 findings seen, 250 new"
sim_get /_awssim/stats > "$TMP/stats"
[ "$(json_eval "$TMP/stats" "sum(d['faults'].values()) > 0")" = True ] || fail "no fault was injected"
ok "faults retried: $(json_eval "$TMP/stats" "d['faults']")"

# the same faults in assume-role mode: the AssumeRole calls go out on the
# scan's queue with the pages, retried the same way, one per account
sim_post /_awssim/reset-stats '{}' > /dev/null
sed -e "s|$TMP/ar.db|$TMP/arf.db|" -e 's|"max_concurrency": 3|"max_concurrency": 3, "max_attempts": 8|' "$TMP/ar.json" > "$TMP/arf.json"
expect_rc 0 "$HW" --config "$TMP/arf.json" scan
contains "$TMP/out" "6 of 6 sources completed"
[ "$(sqlite3 "$TMP/arf.db" "SELECT count(*) FROM findings")" = "$(sqlite3 "$TMP/ar.db" "SELECT count(*) FROM findings")" ] ||
    fail "assume-role mode under faults: not every finding read"
sim_get /_awssim/stats > "$TMP/stats"
[ "$(json_eval "$TMP/stats" "d['operations'].get('sts.AssumeRole', 0) >= 2 and sum(d['faults'].values()) > 0")" = True ] ||
    fail "AssumeRole under faults: $(cat "$TMP/stats")"
ok "assume-role mode through the same faults, roles assumed on the scan's queue"

# a server handing back the NextToken it was sent: the source fails with a
# clear error instead of paging for ever, and its watermark stays put
sim_post /_awssim/faults '{"repeat_token": 1.0}' >/dev/null
cat > "$TMP/loop.json" <<JSON
{"db": "$TMP/loop.db", "aws": {"region": "us-east-1"}, "scan": {"page_size": 20}}
JSON
expect_rc 5 timeout 120 "$HW" --config "$TMP/loop.json" scan
contains "$TMP/err" "the same NextToken came back twice"
[ "$(sqlite3 "$TMP/loop.db" "SELECT count(*) FROM watermarks")" = 0 ] || fail "a looping source moved its watermark"
ok "a repeated NextToken stops the source"
sim_post /_awssim/faults '{}' >/dev/null

# hostile findings: skipped with a reason, or kept untrusted
/usr/bin/python3 - "$ROOT/tests/data/findings/control_failed.json" > "$TMP/add.json" <<'PY'
import json, sys
base = json.load(open(sys.argv[1]))
def f(**kw):
    d = json.loads(json.dumps(base)); d.update(kw); return d
third = f(Id="third-party-1", ProductArn="arn:aws:securityhub:us-east-1:999988887777:product/999988887777/default",
          AwsAccountId="333333333333")
outside = f(Id="outside-1", AwsAccountId="777777777777",
            Resources=[{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::x"}])
forged = f(Id="forged-1", Resources=[{"Type": "AwsEc2Instance", "Id": "arn:aws:ec2:us-east-1:444444444444:instance/i-1"}])
markup = f(Id="markup-1", Title="<script>alert(1)</script>\u001b[31m")
bad_type = f(Id="bad-1", AwsAccountId=333333333333)
huge = f(Id="huge-1", Description="x" * (1 << 20))
odd_map = f(Id="odd-map-1", Compliance={"Status": "FAILED", "SecurityControlId": "S3.8",
                                        "RelatedRequirements": ["CIS AWS Foundations Benchmark v3.0.0/9.9"]})
new_ctl = f(Id="new-control-1", GeneratorId="security-control/S3.999",
            Compliance={"Status": "FAILED", "SecurityControlId": "S3.999"})
print(json.dumps({"add": [third, outside, forged, markup, bad_type, huge, odd_map, new_ctl]}))
PY
sim_post /_awssim/findings "@$TMP/add.json" >/dev/null
expect_rc 3 "$HW" --config "$TMP/f.json" scan
contains "$TMP/err" "AwsAccountId: expected a string"
contains "$TMP/err" "larger than the limit"
contains "$TMP/out" "2 skipped (bad input)"
# Security Hub's own mapping is cross-checked against controls/, and a
# disagreement is logged, not resolved silently
contains "$TMP/err" "S3.8: Security Hub relates it to cis-aws-3.0.0 9.9, controls/ does not"
contains "$TMP/err" "control S3.999 is not in controls/"
contains "$TMP/out" "2 disagreements with controls/ (logged)"
expect_rc 0 "$HW" --config "$TMP/f.json" findings --json --all
json_eval "$TMP/out" "{f['id']: f.get('untrusted_reason') for f in d if not f['trusted']}" > "$TMP/untrusted"
contains "$TMP/untrusted" "'third-party-1': 'product arn:aws:securityhub:us-east-1:999988887777:product/999988887777/default is not Security Hub or GuardDuty'"
contains "$TMP/untrusted" "'outside-1': 'account 777777777777 is not in the Organization'"
contains "$TMP/untrusted" "'forged-1': \"resource arn:aws:ec2:us-east-1:444444444444:instance/i-1 belongs to account 444444444444, not the finding's\""
[ "$(json_eval "$TMP/out" "[f['trusted'] for f in d if f['id'] == 'markup-1']")" = "[True]" ] || fail "markup finding"
expect_rc 0 "$HW" --config "$TMP/f.json" findings --control S3.8
grep -q "$(printf '\033')" "$TMP/out" && fail "terminal escape reached the table"
ok "hostile findings"
echo "scan modes: all checks passed"
