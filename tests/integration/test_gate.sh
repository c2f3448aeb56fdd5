#!/bin/sh
# test_gate.sh - `hubwarden gate` on a store filled by a simulator scan: a
# failing critical control exits 1 naming the control and its accounts;
# the severity threshold and the filters; suppressed failures; exceptions
# (valid, expired, revoked); remediated resources; a stale store exits 2;
# the JUnit XML validates against tests/data/junit/junit.xsd, also with
# hostile text in a resource id.
. "$(dirname "$0")/lib.sh"
use_test_creds
export COLUMNS=200
# A small Organization with known results (accounts of basic.json):
#   IAM.6    CRITICAL  FAILED in 333333333333 and 444444444444, PASSED in 222222222222
#   EC2.19   CRITICAL  one security group FAILED, one PASSED, in 333333333333
#   Lambda.1 CRITICAL  FAILED but SUPPRESSED in Security Hub, in 222222222222
#   S3.8     HIGH      two buckets FAILED in 444444444444 (one with a hostile id)
#   S3.5     MEDIUM    FAILED in 333333333333
/usr/bin/python3 - "$ROOT" "$TMP/scenario.json" <<'PY'
import json, random, sys
sys.path.insert(0, sys.argv[1] + "/tests/awssim")
import gen_findings as g
d = json.load(open(sys.argv[1] + "/tests/data/awssim/basic.json"))
del d["securityhub"]["generate"]
C = {c[0]: c for c in g.CONTROLS}
rng = random.Random(5)
out = []
def add(ctl, acct, region, status, suppressed=False, rid=None):
    f = g.control_finding(rng, acct, region, C[ctl], status)
    if suppressed:
        f["Workflow"] = {"Status": "SUPPRESSED"}
        f["Note"] = {"Text": "accepted by the platform team", "UpdatedBy": "alice",
                     "UpdatedAt": f["UpdatedAt"]}
    if rid:
        f["Resources"][0]["Id"] = rid
        f["ProductFields"]["Resources:0/Id"] = rid
    out.append(f)
add("IAM.6", "333333333333", "us-east-1", "FAILED")
add("IAM.6", "444444444444", "us-east-1", "FAILED")
add("IAM.6", "222222222222", "us-east-1", "PASSED")
add("EC2.19", "333333333333", "us-east-1", "FAILED")
add("EC2.19", "333333333333", "us-east-1", "PASSED")
add("Lambda.1", "222222222222", "eu-west-1", "FAILED", suppressed=True)
add("S3.8", "444444444444", "us-east-1", "FAILED")
add("S3.8", "444444444444", "eu-west-1", "FAILED", rid="arn:aws:s3:::bucket-<&\u0001\u009b]>\"x")
add("S3.5", "333333333333", "us-east-1", "FAILED")
d["securityhub"]["findings"] = out
json.dump(d, open(sys.argv[2], "w"))
PY
start_sim "$TMP/scenario.json" --no-rate-limit
cat > "$TMP/hw.json" <<JSON
{"db": "$TMP/hw.db", "aws": {"region": "us-east-1"}, "organization": {"mode": "aggregator"},
 "remediation": {"default": "approval", "controls": {"S3.8": "auto"}}}
JSON
HWC="$HW --config $TMP/hw.json"
q() { sqlite3 "$TMP/hw.db" "$1"; }
row() { # CONTROL ACCOUNT: the pair's line of the table
    grep "^$1 .* $2 " "$TMP/out" || true
}

# no scan yet: nothing to judge, exit 2 (also after an import: not a scan)
/usr/bin/python3 "$ROOT/tests/awssim/gen_findings.py" --count 20 --seed 3 -o "$TMP/import.jsonl"
expect_rc 0 $HWC import "$TMP/import.jsonl"
expect_rc 2 $HWC gate
contains "$TMP/err" "no successful scan"
rm -f "$TMP/hw.db" "$TMP/hw.db-wal" "$TMP/hw.db-shm"
ok "a store without a scan exits 2"

expect_rc 0 $HWC scan
expect_rc 1 $HWC gate
row IAM.6 333333333333 | grep -q FAILED || fail "IAM.6 in 333333333333 not failing"
row IAM.6 444444444444 | grep -q FAILED || fail "IAM.6 in 444444444444 not failing"
row EC2.19 333333333333 | grep -q "FAILED .*approval: ec2-revoke-open-ingress" ||
    fail "EC2.19: not failing, or not what would fix it"
row IAM.6 333333333333 | grep -q "no remediation" || fail "IAM.6 has no remediation"
[ -z "$(row IAM.6 222222222222)" ] || fail "a passing pair is listed"
not_contains "$TMP/out" "S3.8"
not_contains "$TMP/out" "S3.5"
contains "$TMP/out" "gate FAILED"
ok "failing critical controls exit 1, named with their accounts and fixes"

# a failure suppressed in Security Hub without an exception blocks...
row Lambda.1 222222222222 | grep -q SUPPRESSED || fail "Lambda.1 should be SUPPRESSED"
expect_rc 1 $HWC gate --account audit
# ...unless --allow-suppressed
expect_rc 0 $HWC gate --account 222222222222 --allow-suppressed
row Lambda.1 222222222222 | grep -q SUPPRESSED || fail "Lambda.1 not shown when allowed"
contains "$TMP/out" "gate passed"
ok "suppressed failures block unless --allow-suppressed"

# severity: X or above
expect_rc 1 $HWC gate --severity high
row S3.8 444444444444 | grep -q "FAILED .* 2 .*auto: s3-block-public-access" ||
    fail "S3.8 with --severity HIGH"
not_contains "$TMP/out" "S3.5"
expect_rc 1 $HWC gate --severity MEDIUM --account 333333333333 --output json
[ "$(json_eval "$TMP/out" "sorted(r['control'] for r in d['results'])")" = "['EC2.19', 'IAM.6', 'S3.5']" ] ||
    fail "--severity MEDIUM in 333333333333: $(cat "$TMP/out")"
[ "$(json_eval "$TMP/out" "(d['result'], d['exit_status'], d['severity'])")" = "('failed', 1, 'MEDIUM')" ] ||
    fail "json summary"
# a named control is gated whatever its severity; with --severity it must reach it
expect_rc 1 $HWC gate --control s3.8
row S3.8 444444444444 | grep -q FAILED || fail "--control S3.8"
expect_rc 0 $HWC gate --control S3.8 --account 333333333333
expect_rc 2 $HWC gate --control S3.8 --severity CRITICAL
contains "$TMP/err" "S3.8 is HIGH, below --severity CRITICAL"
ok "severity threshold"

# framework and requirement filters; unknown values name the nearest
expect_rc 1 $HWC gate --framework pci-dss-4.0.1 --requirement 8.4.2
row IAM.6 444444444444 | grep -q FAILED || fail "pci-dss-4.0.1 8.4.2 gates IAM.6"
not_contains "$TMP/out" "EC2.19"
expect_rc 2 $HWC gate --framework cis-aws-3.0
contains "$TMP/err" "nearest: cis-aws-3.0.0"
expect_rc 2 $HWC gate --framework pci-dss-4.0.1 --requirement 8.4.22
contains "$TMP/err" "nearest: 8.4.2"
expect_rc 2 $HWC gate --requirement 8.4.2
contains "$TMP/err" "--requirement needs --framework"
expect_rc 2 $HWC gate --control IAM.66
contains "$TMP/err" "nearest: IAM.6"
expect_rc 2 $HWC gate --account prod-ap
contains "$TMP/err" "nearest: prod-app"
expect_rc 2 $HWC gate --severity HUGE
contains "$TMP/err" "--severity"
expect_rc 2 $HWC gate --max-age 0
# a selection that can never fail is an error, not a pass
expect_rc 2 $HWC gate --framework cis-aws-3.0.0 --requirement 2.1.4
contains "$TMP/err" "the gate could never fail"
expect_rc 1 $HWC gate --framework cis-aws-3.0.0 --requirement 2.1.4 --severity HIGH
row S3.8 444444444444 | grep -q FAILED || fail "cis-aws-3.0.0 2.1.4 at HIGH gates S3.8"
expect_rc 2 $HWC gate --framework cis-aws-1.4.0 --requirement 1.1
contains "$TMP/err" "is manual"
ok "filters"

# exceptions: a valid one lets the pair pass; expired or revoked ones do not
now=$(date +%s)
q "INSERT INTO exceptions(account_id, control_id, reason, approver, created_at, expires_at, revoked) VALUES
   ('333333333333', 'IAM.6', 'hardware MFA on order', 'bob', $now - 60, $now + 86400, 0),
   ('444444444444', 'IAM.6', 'expired', 'bob', $now - 9000, $now - 10, 0),
   ('222222222222', 'Lambda.1', 'revoked', 'bob', $now - 60, $now + 86400, 1)"
expect_rc 1 $HWC gate
row IAM.6 333333333333 | grep -q EXCEPTION || fail "IAM.6 in 333333333333 under exception"
row IAM.6 444444444444 | grep -q FAILED || fail "an expired exception counted"
row Lambda.1 222222222222 | grep -q SUPPRESSED || fail "a revoked exception counted"
q "INSERT INTO exceptions(account_id, control_id, reason, approver, created_at, expires_at) VALUES
   ('444444444444', 'IAM.6', 'accepted', 'carol', $now - 60, $now + 3600),
   ('222222222222', 'Lambda.1', 'accepted', 'carol', $now - 60, $now + 3600),
   ('333333333333', 'EC2.19', 'accepted', 'carol', $now - 60, $now + 3600)"
expect_rc 0 $HWC gate --wide
contains "$TMP/out" "approved by carol: accepted"
ok "exceptions"
q "DELETE FROM exceptions WHERE control_id = 'EC2.19'"

# remediation: an action that fixed the resource after its newest failing
# observation makes it REMEDIATED; one from before that does not count
sg=$(q "SELECT json_extract(resources, '\$[0]') FROM findings WHERE control_id = 'EC2.19'
        AND compliance_status = 'FAILED'")
q "INSERT INTO actions(id, account_id, region, control_id, action, resource, state, planned_at, executed_at)
   VALUES ('old-fix', '333333333333', 'us-east-1', 'EC2.19', 'ec2-revoke-open-ingress', '$sg', 'done',
           '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z'),
          ('pend-1', '333333333333', 'us-east-1', 'EC2.19', 'ec2-revoke-open-ingress', '$sg', 'pending',
           '2020-01-01T00:00:00.000Z', NULL)"
expect_rc 1 $HWC gate
row EC2.19 333333333333 | grep -q "FAILED .*1 awaiting approval" ||
    { cat "$TMP/out"; fail "an old action counted, or the pending one is not shown"; }
q "INSERT INTO actions(id, account_id, region, control_id, action, resource, state, planned_at, executed_at)
   VALUES ('fix-1', '333333333333', 'us-east-1', 'EC2.19', 'ec2-revoke-open-ingress', '$sg', 'done',
           strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
expect_rc 0 $HWC gate --output json
[ "$(json_eval "$TMP/out" "[(r['status'], r['fixed'], r['blocking']) for r in d['results'] if r['control'] == 'EC2.19']")" = "[('REMEDIATED', 1, False)]" ] ||
    fail "EC2.19 after the fix: $(cat "$TMP/out")"
contains "$TMP/out" "fix-1"
ok "remediated resources pass"

# the JUnit report: one case per control and account, failures naming the
# resources, valid against the JUnit schema; hostile text stays well-formed
q "DELETE FROM exceptions"
expect_rc 1 $HWC gate --severity HIGH --junit "$TMP/junit.xml"
xmllint --noout --schema "$ROOT/tests/data/junit/junit.xsd" "$TMP/junit.xml" 2> "$TMP/xmllint" ||
    { cat "$TMP/xmllint"; fail "the JUnit XML does not validate"; }
pairs=$(q "SELECT count(*) FROM (SELECT DISTINCT account_id, control_id FROM findings WHERE trusted = 1
           AND record_state = 'ACTIVE' AND control_id IN ('IAM.6', 'EC2.19', 'Lambda.1', 'S3.8'))")
/usr/bin/python3 - "$TMP/junit.xml" "$pairs" <<'PY' || fail "JUnit content"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suite = root.find("testsuite")
cases = suite.findall("testcase")
assert len(cases) == int(sys.argv[2]) + 1, (len(cases), sys.argv[2])
assert cases[0].get("classname") == "hubwarden" and cases[0].find("failure") is None
failed = {(c.get("classname"), c.get("name").split()[2]): c.find("failure") for c in cases[1:]}
assert int(suite.get("failures")) == sum(f is not None for f in failed.values()) == 4, suite.attrib
f = failed[("IAM.6", "444444444444")]
assert "AWS::::Account:444444444444" in f.get("message"), f.get("message")
assert failed[("IAM.6", "222222222222")] is None
assert failed[("EC2.19", "333333333333")] is None  # remediated
s3 = failed[("S3.8", "444444444444")]
assert "2 resources failing" in s3.get("message") and "bucket-<&" in s3.get("message"), s3.get("message")
assert "\x01" not in s3.get("message") and "\ufffd" in s3.get("message")
assert failed[("Lambda.1", "222222222222")].get("type") == "SUPPRESSED"
print("junit ok")
PY
# a report that cannot be written is an error naming the file (exit 4)
expect_rc 4 $HWC gate --junit "$TMP/no/such/dir/junit.xml"
contains "$TMP/err" "$TMP/no/such/dir"
ok "JUnit XML validates and names the failing resources"

# failing since: the turn to FAILED in the history, not the first sighting
iam6=$(q "SELECT id FROM findings WHERE control_id = 'IAM.6' AND account_id = '222222222222'")
arn=$(q "SELECT p.arn FROM findings f JOIN products p ON p.id = f.product_id WHERE f.id = '$iam6'")
sim_post /_awssim/findings "{\"update\": [{\"ProductArn\": \"$arn\", \"Id\": \"$iam6\",
    \"fields\": {\"Compliance.Status\": \"FAILED\"}}]}" > /dev/null
expect_rc 0 $HWC scan
expect_rc 1 $HWC gate --account 222222222222 --output json
[ "$(json_eval "$TMP/out" "[r['failing_since'][:10] for r in d['results'] if r['control'] == 'IAM.6']")" = "['$(date -u +%Y-%m-%d)']" ] ||
    fail "IAM.6 in 222222222222 failing since: $(cat "$TMP/out")"
ok "failing since the finding turned FAILED"

# stale: the newest successful scan older than --max-age exits 2, whatever
# the results; the JUnit report fails its freshness case
q "UPDATE runs SET started_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-40 hours')"
expect_rc 2 $HWC gate --junit "$TMP/stale.xml"
contains "$TMP/err" "more than --max-age 36 h"
contains "$TMP/out" "gate STALE"
xmllint --noout --schema "$ROOT/tests/data/junit/junit.xsd" "$TMP/stale.xml" 2>/dev/null || fail "stale JUnit invalid"
grep -q 'type="STALE"' "$TMP/stale.xml" || fail "the JUnit report does not fail on a stale store"
expect_rc 1 $HWC gate --max-age 48
q "UPDATE runs SET status = 'failed', started_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
expect_rc 2 $HWC gate --max-age 48
contains "$TMP/err" "no successful scan"
ok "a stale store exits 2"
echo "gate: all checks passed"
