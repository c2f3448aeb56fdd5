#!/bin/sh
# test_iam_policy.sh - the IAM policies `hubwarden iam-policy` generates
# cover every AWS call the code can make and nothing more: the calls are
# read out of src/ (iam_calls.py: string literals that are operations of
# the services a function names, by the AWS API models), not from a hand
# list.  Each must be a call of some role in controls/ (iam-roles.xml,
# remediations.xml, playbooks.xml) and every call listed there must be
# one the code makes; each role's policy grants exactly its calls'
# actions (plus an implied one whose action it grants); no action has a
# wildcard.  The StackSet template in docs/deploy/ and README's list are
# the generator's output, byte for byte.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
echo "{}" > "$TMP/empty.json"
export HUBWARDEN_CONFIG="$TMP/empty.json"
MODELS="$ROOT/.build/models"
[ -d "$MODELS" ] || MODELS=/usr/lib/python3/dist-packages/botocore/data
/usr/bin/python3 tests/integration/iam_calls.py src "$MODELS" /usr/lib/python3/dist-packages/botocore/data \
    > "$TMP/code_calls" || fail "iam_calls.py"
[ "$(wc -l < "$TMP/code_calls")" -gt 40 ] || { cat "$TMP/code_calls"; fail "too few calls found in src/"; }
# the reader is not blind: calls known to be made are found
for c in "securityhub GetFindings src/scan/pull.c" "s3control PutPublicAccessBlock src/remedy/s3.c" \
         "iam UpdateAccessKey src/remedy/iam_keys.c" "sns Publish src/remedy/notify.c"; do
    contains "$TMP/code_calls" "$c"
done
# ... and S3's GetBucketTagging in s3.c is not taken for S3 Control's
not_contains "$TMP/code_calls" "s3control GetBucketTagging"

expect_rc 0 "$HW" iam-policy --calls
cp "$TMP/out" "$TMP/data_calls"
# with an SNS topic, so that sns:Publish is granted (it is left out without one)
echo '{"notifications": {"sns_topic_arn": "arn:aws:sns:us-east-1:111122223333:t"}}' > "$TMP/topic.json"
for role in scan apply member-audit member-remediation; do
    expect_rc 0 "$HW" --config "$TMP/topic.json" iam-policy --role "$role"
    cp "$TMP/out" "$TMP/policy_$role.json"
done
/usr/bin/python3 - "$TMP" <<'PY' || fail "the policies and the code disagree"
import json, os, sys
tmp = sys.argv[1]
code = {}
for line in open(os.path.join(tmp, "code_calls")):
    svc, op, f = line.split()
    code.setdefault((svc, op), []).append(f)
data = {}
for line in open(os.path.join(tmp, "data_calls")):
    role, svc, op, action = line.split()
    data.setdefault(role, {})[(svc, op)] = None if action == "-" else action
listed = {c for calls in data.values() for c in calls}
bad = []
for c in sorted(set(code) - listed):
    bad.append("%s %s (called in %s) is in no role of controls/" % (c[0], c[1], ", ".join(code[c])))
for c in sorted(listed - set(code)):
    bad.append("%s %s is listed in controls/ but the code never calls it" % c)
for role, calls in data.items():
    pol = json.load(open(os.path.join(tmp, "policy_%s.json" % role)))
    assert pol["Version"] == "2012-10-17"
    granted = set()
    for st in pol["Statement"]:
        assert st["Effect"] == "Allow", st
        acts = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        for a in acts:
            if "*" in a or "?" in a:
                bad.append("%s: wildcard action %s" % (role, a))
            granted.add(a)
        if st["Resource"] != "*":
            assert st["Resource"].startswith("arn:aws:"), st
    need = {a for a in calls.values() if a}
    missing = need - granted
    extra = granted - need
    # an implied grant (GuardDuty's service-linked role) rides on an action granted
    extra -= {"iam:CreateServiceLinkedRole"} if "guardduty:CreateDetector" in granted else set()
    bad += ["%s: %s needed by its calls but not granted" % (role, a) for a in sorted(missing)]
    bad += ["%s: %s granted but no call of the role needs it" % (role, a) for a in sorted(extra)]
    # IAM counts a managed policy's characters without white space: 6,144 at most
    size = len("".join(json.dumps(pol, separators=(",", ":")).split()))
    if size > 6144:
        bad.append("%s: %d characters, over IAM's 6,144 for a managed policy" % (role, size))
if bad:
    sys.exit("\n".join(bad))
print("%d calls in the code, %d roles" % (len(code), len(data)))
PY
ok "every call the code makes is granted, and nothing else"

# an audit role's trust names the service; a member role's the audit role and external id
expect_rc 0 "$HW" iam-policy --role member-remediation --trust --audit-account 111122223333 --external-id ext-9
json_eval "$TMP/out" "d['Statement'][0]['Principal']['AWS']" | grep -qx 'arn:aws:iam::111122223333:role/Hubwarden' || fail "member trust principal"
json_eval "$TMP/out" "d['Statement'][0]['Condition']['StringEquals']['sts:ExternalId']" | grep -qx ext-9 || fail "external id"
expect_rc 0 "$HW" iam-policy --role scan --trust --principal ecs-tasks.amazonaws.com
json_eval "$TMP/out" "d['Statement'][0]['Principal']['Service']" | grep -qx ecs-tasks.amazonaws.com || fail "audit trust"
expect_rc 2 "$HW" iam-policy --role member-audit --trust
contains "$TMP/err" "--audit-account"
expect_rc 2 "$HW" iam-policy --role nope
contains "$TMP/err" "member-remediation"
# the configuration's names, external id and topic are used
cat > "$TMP/c.json" <<JSON
{"organization": {"role_name": "OrgRead", "external_id": "org-x"},
 "remediation": {"role_name": "OrgFix"},
 "notifications": {"sns_topic_arn": "arn:aws:sns:us-east-1:111122223333:hubwarden"}}
JSON
expect_rc 0 "$HW" --config "$TMP/c.json" iam-policy --role scan
contains "$TMP/out" '"arn:aws:iam::*:role/OrgRead"'
expect_rc 0 "$HW" --config "$TMP/c.json" iam-policy --role apply
contains "$TMP/out" '"arn:aws:iam::*:role/OrgFix"'
contains "$TMP/out" '"arn:aws:sns:us-east-1:111122223333:hubwarden"'
expect_rc 0 "$HW" --config "$TMP/c.json" iam-policy --role member-audit --trust --audit-account 111122223333
contains "$TMP/out" '"sts:ExternalId": "org-x"'
ok "trust policies and the configuration's names"

# --enabled: only what the configuration's policy can run
cat > "$TMP/on.json" <<JSON
{"remediation": {"default": "off", "controls": {"S3.8": "approval", "GuardDuty.1": "auto"},
  "playbooks": {"ec2-compromise": "off", "iam-credential-exposure": "off", "s3-exposure": "off",
                "malicious-ip": "off"}}}
JSON
expect_rc 0 "$HW" --config "$TMP/on.json" iam-policy --role member-remediation --enabled
/usr/bin/python3 - "$TMP/out" <<'PY' || fail "--enabled grants more or less than S3.8 and GuardDuty.1 need"
import json, sys
d = json.load(open(sys.argv[1]))
got = {(a, st["Resource"]) for st in d["Statement"] for a in st["Action"]}
want = {(a, "*") for a in ("s3:GetBucketTagging", "s3:GetBucketPublicAccessBlock",
        "s3:PutBucketPublicAccessBlock", "guardduty:ListDetectors", "guardduty:GetDetector",
        "guardduty:CreateDetector", "guardduty:UpdateDetector")}
want.add(("iam:CreateServiceLinkedRole",
          "arn:aws:iam::*:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty"))
assert got == want, (sorted(got ^ want))
PY
contains "$TMP/err" "2 of "
# playbooks are on (approval) unless turned off: the default policy grants them
expect_rc 0 "$HW" iam-policy --role member-remediation --enabled
contains "$TMP/out" "ec2:CreateNetworkAclEntry"
not_contains "$TMP/out" "s3:PutBucketPolicy"
expect_rc 2 "$HW" iam-policy --enabled
ok "--enabled: only the enabled remediations' and playbooks' actions"

# the StackSet template and README's list are the generator's output
/usr/bin/python3 docs/iam_docs.py --check "$HW" || fail "generated IAM documentation is stale"
/usr/bin/python3 - docs/deploy/member-roles.stackset.json <<'PY' || fail "the StackSet template is not what CloudFormation reads"
import json, sys
t = json.load(open(sys.argv[1]))
assert t["AWSTemplateFormatVersion"] == "2010-09-09"
roles = {k: v for k, v in t["Resources"].items() if v["Type"] == "AWS::IAM::Role"}
assert set(roles) == {"MemberAuditRole", "MemberRemediationRole"}, roles
for name, r in roles.items():
    assert r["Condition"] in t["Conditions"]
    p = r["Properties"]
    trust = p["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Condition"]["StringEquals"]["sts:ExternalId"]["Ref"] in t["Parameters"]
    assert "${AuditAccountId}" in trust["Principal"]["AWS"]["Fn::Sub"]
    assert p["RoleName"]["Ref"] in t["Parameters"]
    for st in p["Policies"][0]["PolicyDocument"]["Statement"]:
        assert all("*" not in a for a in st["Action"]), st
PY
if command -v cfn-lint >/dev/null 2>&1; then
    cfn-lint docs/deploy/member-roles.stackset.json > "$TMP/lint" 2>&1 || { cat "$TMP/lint"; fail "cfn-lint"; }
    ok "cfn-lint accepts the StackSet template"
else
    echo "SKIP: cfn-lint not installed (the template is checked by structure only)"
fi
ok "StackSet template and README list match the generator"
