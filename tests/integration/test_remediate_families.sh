#!/bin/sh
# test_remediate_families.sh - the remediations beyond test_remediate.sh's,
# end to end against the simulator (tests/data/awssim/remedy.json), one
# control at a time: --apply changes exactly the expected leaves of the
# simulator's whole resource state and nothing else; a second run changes
# nothing; a resource fixed by hand is already-compliant.
. "$(dirname "$0")/lib.sh"
use_test_creds
start_sim "$ROOT/tests/data/awssim/remedy.json"
cat > "$TMP/hw.json" <<JSON
{"db": "$TMP/hw.db", "controls_dir": "$ROOT/controls", "aws": {"region": "us-east-1", "max_attempts": 2},
 "remediation": {"controls": {"IAM.7": "auto", "IAM.11": "auto", "IAM.15": "auto", "IAM.17": "auto",
                              "S3.4": "auto", "S3.5": "auto", "CloudTrail.4": "auto",
                              "KMS.4": "auto", "EC2.1": "auto", "EC2.2": "auto",
                              "EC2.8": "auto", "GuardDuty.1": "auto",
                              "RDS.2": "auto", "Lambda.1": "auto", "IAM.10": "auto",
                              "RDS.1": "auto", "SSM.4": "auto"},
                 "max_share": 1,
                 "password_policy": {"minimum_length": 16},
                 "external_id": "hw-remedy-1", "exclude_ous": ["ou-ab12-sand0001"]}}
JSON
HWC="$HW --config $TMP/hw.json"
P=333333333333
D=444444444444

# apply_control NAME CONTROL [ARGS]: applies one control; the diff to
# $TMP/NAME.diff
apply_control() {
    name=$1 ctl=$2
    shift 2
    snapshot "$name.before"
    expect_rc 0 $HWC remediate --apply --control "$ctl" "$@"
    cp "$TMP/out" "$TMP/$name.out"
    snapshot "$name.after"
    changes "$name.before" "$name.after" > "$TMP/$name.diff"
}
# same NAME: the diff is exactly $TMP/NAME.want
same() {
    diff "$TMP/$1.want" "$TMP/$1.diff" || fail "$1: the state changed otherwise than expected (diff above: want, got)"
}
# again NAME CONTROL [ARGS]: a second run changes nothing
again() {
    name=$1
    shift
    apply_control "$name.again" "$@"
    name=${name%.again}
    [ -s "$TMP/$name.again.diff" ] && { cat "$TMP/$name.again.diff"; fail "$name: a second run changed the state"; }
    contains "$TMP/$name.again.out" "0 done"
}

expect_rc 0 $HWC scan

# ---- the account password policy (IAM.7, IAM.11-IAM.17)
expect_rc 0 $HWC remediate --control IAM.15
contains "$TMP/out" "call: iam:UpdateAccountPasswordPolicy (account $P) MinimumPasswordLength>=16; every other current value kept, none lowered"
# no policy yet: one is created with the configured length, IAM's defaults otherwise
apply_control iam15 IAM.15
contains "$TMP/iam15.out" "done              $P IAM.15 AWS::::Account:$P: verified: account $P: password policy meets IAM.15"
contains "$TMP/iam15.out" "already-compliant $D IAM.15 AWS::::Account:$D: account $D: password policy meets IAM.15"
cat > "$TMP/iam15.want" <<EOF
/$P/iam/password_policy: None -> <none>
/$P/iam/password_policy/AllowUsersToChangePassword: <none> -> False
/$P/iam/password_policy/HardExpiry: <none> -> False
/$P/iam/password_policy/MaxPasswordAge: <none> -> 0
/$P/iam/password_policy/MinimumPasswordLength: <none> -> 16
/$P/iam/password_policy/PasswordReusePrevention: <none> -> 0
/$P/iam/password_policy/RequireLowercaseCharacters: <none> -> False
/$P/iam/password_policy/RequireNumbers: <none> -> False
/$P/iam/password_policy/RequireSymbols: <none> -> False
/$P/iam/password_policy/RequireUppercaseCharacters: <none> -> False
EOF
same iam15
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT before_state FROM actions WHERE control_id = 'IAM.15' AND account_id = '$P'"
contains "$TMP/out" '"PasswordPolicy":{}'
again iam15 IAM.15
# passwords never expire: the configured age; the length set above kept
apply_control iam17 IAM.17
contains "$TMP/iam17.out" "done              $P IAM.17"
contains "$TMP/iam17.out" "already-compliant $D IAM.17 AWS::::Account:$D: account $D: password policy meets IAM.17"
echo "/$P/iam/password_policy/MaxPasswordAge: 0 -> 90" > "$TMP/iam17.want"
same iam17
again iam17 IAM.17
# 444's policy is stricter than configured in length (20) and age (30):
# IAM.11 adds upper case and keeps every other value, symbols, hard expiry
# and users changing their own password included
apply_control iam11 IAM.11
contains "$TMP/iam11.out" "done              $D IAM.11"
echo "/$D/iam/password_policy/RequireUppercaseCharacters: False -> True" > "$TMP/iam11.want"
same iam11
again iam11 IAM.11
# IAM.7: every value it checks; 16 and 90 kept
apply_control iam7 IAM.7
contains "$TMP/iam7.out" "done              $P IAM.7"
cat > "$TMP/iam7.want" <<EOF
/$P/iam/password_policy/PasswordReusePrevention: 0 -> 24
/$P/iam/password_policy/RequireLowercaseCharacters: False -> True
/$P/iam/password_policy/RequireNumbers: False -> True
/$P/iam/password_policy/RequireSymbols: False -> True
/$P/iam/password_policy/RequireUppercaseCharacters: False -> True
EOF
same iam7
again iam7 IAM.7
# IAM.10 (PCI DSS 3.2.1): upper and lower case, numbers, 4 remembered
# passwords; 444's length (20), age (30) and symbols kept
expect_rc 0 $HWC remediate --control IAM.10
contains "$TMP/out" "call: iam:UpdateAccountPasswordPolicy (account $D) RequireUppercaseCharacters=true RequireLowercaseCharacters=true RequireNumbers=true MinimumPasswordLength>=16 PasswordReusePrevention>=4 MaxPasswordAge<=90"
apply_control iam10 IAM.10
contains "$TMP/iam10.out" "done              $D IAM.10 AWS::::Account:$D: verified: account $D: password policy meets IAM.10"
cat > "$TMP/iam10.want" <<EOF
/$D/iam/password_policy/PasswordReusePrevention: 0 -> 4
/$D/iam/password_policy/RequireLowercaseCharacters: False -> True
/$D/iam/password_policy/RequireNumbers: False -> True
EOF
same iam10
again iam10 IAM.10
ok "password policy: raised to the configured values, stricter ones kept, nothing else changed"

# ---- S3.4: default encryption, SSE-S3; SSE-KMS when configured
expect_rc 0 $HWC remediate --control S3.4
contains "$TMP/out" "call: s3:PutBucketEncryption Bucket=prod-unencrypted ExpectedBucketOwner=$P SSEAlgorithm=AES256"
apply_control s34 S3.4 --account $P
contains "$TMP/s34.out" "done              $P S3.4 arn:aws:s3:::prod-unencrypted: verified: bucket prod-unencrypted: default encryption AES256"
contains "$TMP/s34.out" "already-compliant $P S3.4 arn:aws:s3:::prod-encrypted-by-hand: bucket prod-encrypted-by-hand: default encryption aws:kms"
contains "$TMP/s34.out" "exempt            $P S3.4 arn:aws:s3:::prod-exempt: tag hubwarden:exempt=public website, RISK-42"
contains "$TMP/s34.out" "refused           $P S3.4 arn:aws:s3:::shared-logs: bucket shared-logs is not owned by account $P"
cat > "$TMP/s34.want" <<EOF
/$P/s3/buckets/prod-unencrypted/encryption: None -> <none>
/$P/s3/buckets/prod-unencrypted/encryption/BucketKeyEnabled: <none> -> False
/$P/s3/buckets/prod-unencrypted/encryption/SSEAlgorithm: <none> -> AES256
EOF
same s34
again s34 S3.4 --account $P
sed 's|"max_share": 1,|"max_share": 1, "s3_encryption_kms_key": "alias/s3-default",|' "$TMP/hw.json" > "$TMP/kms.json"
HWC="$HW --config $TMP/kms.json"
expect_rc 0 $HWC remediate --control S3.4 --account $D
contains "$TMP/out" "call: s3:PutBucketEncryption Bucket=dev-unencrypted ExpectedBucketOwner=$D SSEAlgorithm=aws:kms KMSMasterKeyID=alias/s3-default BucketKeyEnabled=true"
apply_control s34kms S3.4 --account $D
contains "$TMP/s34kms.out" "done              $D S3.4 arn:aws:s3:::dev-unencrypted"
cat > "$TMP/s34kms.want" <<EOF
/$D/s3/buckets/dev-unencrypted/encryption: None -> <none>
/$D/s3/buckets/dev-unencrypted/encryption/BucketKeyEnabled: <none> -> True
/$D/s3/buckets/dev-unencrypted/encryption/KMSMasterKeyID: <none> -> alias/s3-default
/$D/s3/buckets/dev-unencrypted/encryption/SSEAlgorithm: <none> -> aws:kms
EOF
same s34kms
again s34kms S3.4 --account $D
HWC="$HW --config $TMP/hw.json"
ok "S3.4: default encryption SSE-S3, SSE-KMS when configured; encrypted by hand, exempt, another account's bucket untouched"

# ---- S3.5: one Deny statement merged into the policy, every existing
# statement kept byte for byte
expect_rc 0 $HWC remediate --control S3.5
contains "$TMP/out" "call: s3:PutBucketPolicy Bucket=prod-policy ExpectedBucketOwner=$P (the current policy, every statement kept byte for byte, with one statement added: "
apply_control s35 S3.5 --account $P
for b in prod-policy prod-no-policy prod-single-statement; do
    contains "$TMP/s35.out" "done              $P S3.5 arn:aws:s3:::$b: verified: bucket $b: the policy denies requests without TLS"
done
contains "$TMP/s35.out" "already-compliant $P S3.5 arn:aws:s3:::prod-tls-by-hand: bucket prod-tls-by-hand: the policy denies requests without TLS"
contains "$TMP/s35.out" "refused           $P S3.5 arn:aws:s3:::prod-bad-policy: bucket prod-bad-policy: the bucket policy is not valid JSON: "
/usr/bin/python3 - "$TMP/s35.before.json" "$TMP/s35.after.json" <<'PY' || fail "S3.5: the policies are not the old text with one statement added"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
new = ('{"Sid":"HubwardenDenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*",'
       '"Resource":["arn:aws:s3:::%s","arn:aws:s3:::%s/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}')
def pol(d, name):
    return d["333333333333"]["s3"]["buckets"][name]["policy"]
old = pol(a, "prod-policy")
i = old.rindex("]")
assert pol(b, "prod-policy") == old[:i] + "," + new % ("prod-policy", "prod-policy") + old[i:], pol(b, "prod-policy")
assert json.loads(pol(b, "prod-policy"))["Id"] == "web \u00e9"
old = pol(a, "prod-single-statement")
i = old.index('{"Effect"')
assert pol(b, "prod-single-statement") == old[:i] + "[" + old[i:-1] + "," + new % (
    "prod-single-statement", "prod-single-statement") + "]}", pol(b, "prod-single-statement")
assert pol(a, "prod-no-policy") is None
assert json.loads(pol(b, "prod-no-policy")) == {"Version": "2012-10-17", "Statement": [
    json.loads(new % ("prod-no-policy", "prod-no-policy"))]}
# and nothing else of the whole state changed
for name in ("prod-policy", "prod-single-statement", "prod-no-policy"):
    b["333333333333"]["s3"]["buckets"][name]["policy"] = pol(a, name)
assert a == b, "S3.5 changed more than three bucket policies"
PY
again s35 S3.5 --account $P
ok "S3.5: one statement merged, existing ones byte for byte; denied by hand kept; invalid JSON refused"

# ---- CloudTrail.4: log file validation on, in the trail's home region
expect_rc 0 $HWC remediate --control CloudTrail.4
contains "$TMP/out" "call: cloudtrail:UpdateTrail Name=arn:aws:cloudtrail:us-east-1:$P:trail/org-trail EnableLogFileValidation=true (region us-east-1)"
apply_control ct4 CloudTrail.4
contains "$TMP/ct4.out" "done              $P CloudTrail.4 arn:aws:cloudtrail:us-east-1:$P:trail/org-trail: verified: trail arn:aws:cloudtrail:us-east-1:$P:trail/org-trail: log file validation on"
contains "$TMP/ct4.out" "already-compliant $P CloudTrail.4 arn:aws:cloudtrail:us-east-1:$P:trail/audit-trail"
contains "$TMP/ct4.out" "exempt            $P CloudTrail.4 arn:aws:cloudtrail:us-east-1:$P:trail/exempt-trail: tag hubwarden:exempt=vendor-managed, RISK-77"
contains "$TMP/ct4.out" "gone              $P CloudTrail.4 arn:aws:cloudtrail:us-east-1:$P:trail/deleted-trail: trail arn:aws:cloudtrail:us-east-1:$P:trail/deleted-trail no longer exists"
echo "/$P/regions/us-east-1/trails/org-trail/log_file_validation: False -> True" > "$TMP/ct4.want"
same ct4
again ct4 CloudTrail.4
ok "CloudTrail.4: log file validation on; on by hand, exempt, deleted trail untouched"

# ---- KMS.4: automatic rotation, customer-managed symmetric keys only
K=arn:aws:kms:us-east-1:$P:key/1111aaaa-0000-0000-0000-00000000000
apply_control kms4 KMS.4
contains "$TMP/kms4.out" "done              $P KMS.4 ${K}1: verified: key ${K}1: automatic rotation on"
contains "$TMP/kms4.out" "already-compliant $P KMS.4 ${K}2: key ${K}2: automatic rotation on"
contains "$TMP/kms4.out" "refused           $P KMS.4 ${K}3: key ${K}3 is managed by AWS, not by the customer; not changed"
contains "$TMP/kms4.out" "refused           $P KMS.4 ${K}4: key ${K}4 is RSA_2048, not a symmetric encryption key; not changed"
contains "$TMP/kms4.out" "refused           $P KMS.4 ${K}5: key ${K}5 has key material from EXTERNAL, which KMS cannot rotate; not changed"
contains "$TMP/kms4.out" "exempt            $P KMS.4 ${K}6: tag hubwarden:exempt=HSM migration, RISK-9"
contains "$TMP/kms4.out" "gone              $P KMS.4 ${K}7: key ${K}7 no longer exists"
echo "/$P/regions/us-east-1/kms_keys/1111aaaa-0000-0000-0000-000000000001/rotation: False -> True" > "$TMP/kms4.want"
same kms4
again kms4 KMS.4
ok "KMS.4: rotation on for the customer-managed symmetric key only; AWS managed, asymmetric, imported refused"

# ---- EC2.1: public snapshots private; accounts shared by id keep access
S=arn:aws:ec2:us-east-1:$P:snapshot/snap-0a0000000000000a
apply_control ec21 EC2.1
contains "$TMP/ec21.out" "done              $P EC2.1 ${S}1: verified: snapshot snap-0a0000000000000a1: not public"
contains "$TMP/ec21.out" "already-compliant $P EC2.1 ${S}2: snapshot snap-0a0000000000000a2: not public"
contains "$TMP/ec21.out" "exempt            $P EC2.1 ${S}3: tag hubwarden:exempt=public AMI source, RISK-3"
contains "$TMP/ec21.out" "gone              $P EC2.1 ${S}4: snapshot snap-0a0000000000000a4 no longer exists"
# (the diff shows an emptied list as "{}")
cat > "$TMP/ec21.want" <<EOF
/$P/regions/us-east-1/snapshots/snap-0a0000000000000a1/groups: <none> -> {}
/$P/regions/us-east-1/snapshots/snap-0a0000000000000a1/groups/0: all -> <none>
EOF
same ec21
again ec21 EC2.1
ok "EC2.1: group all removed, the account shared by id kept; private, exempt, deleted untouched"

# ---- EC2.2 (disruptive): every rule of a default group revoked, both ways
expect_rc 0 $HWC remediate --control EC2.2
contains "$TMP/out" "approval $P us-east-1 EC2.2 arn:aws:ec2:us-east-1:$P:security-group/sg-0d44"
contains "$TMP/out" "why: EC2.2 is disruptive: approval required unless remediation.allow_disruptive_auto is true"
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT id FROM actions WHERE state = 'pending' AND control_id = 'EC2.2' ORDER BY id"
[ "$(wc -l < "$TMP/out")" = 3 ] || fail "EC2.2: three pending actions expected"
expect_rc 0 $HWC approve $(cat "$TMP/out") --by alice --reason "CHG-2: default groups unused"
G=arn:aws:ec2:us-east-1:$P:security-group
apply_control ec22 EC2.2
contains "$TMP/ec22.out" "done              $P EC2.2 $G/sg-0d44: verified: default security group sg-0d44: 0 ingress and 0 egress rule(s)"
contains "$TMP/ec22.out" "already-compliant $P EC2.2 $G/sg-0d45: default security group sg-0d45: 0 ingress and 0 egress rule(s)"
contains "$TMP/ec22.out" "refused           $P EC2.2 $G/sg-0a11: security group sg-0a11 is web, not a VPC's default group; not changed"
/usr/bin/python3 - "$TMP/ec22.before.json" "$TMP/ec22.after.json" <<'PY' || fail "EC2.2: more or less changed than sg-0d44's rules"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
ga = a["333333333333"]["regions"]["us-east-1"]["security_groups"]["sg-0d44"]
gb = b["333333333333"]["regions"]["us-east-1"]["security_groups"]["sg-0d44"]
assert len(ga["rules"]) == 3 and gb["rules"] == [], gb
gb["rules"] = ga["rules"]
assert a == b, "EC2.2 changed more than sg-0d44's rules"
PY
again ec22 EC2.2
ok "EC2.2: approval unless allow_disruptive_auto; every rule of the default group revoked; another group refused"

# ---- EC2.8 (disruptive): HttpTokens required, nothing else
# (planned on a copy of the store: a plan's pending actions would wait)
cp "$TMP/hw.db" "$TMP/copy.db"
sed "s|$TMP/hw.db|$TMP/copy.db|" "$TMP/hw.json" > "$TMP/copy.json"
expect_rc 0 $HW --config "$TMP/copy.json" remediate --control EC2.8
contains "$TMP/out" "call: ec2:ModifyInstanceMetadataOptions InstanceId=i-0e0000000000000e1 HttpTokens=required"
contains "$TMP/out" "why: EC2.8 is disruptive: approval required unless remediation.allow_disruptive_auto is true"
sed 's|"max_share": 1,|"max_share": 1, "allow_disruptive_auto": true,|' "$TMP/hw.json" > "$TMP/disr.json"
HWC="$HW --config $TMP/disr.json"
I=arn:aws:ec2:us-east-1:$P:instance/i-0e0000000000000e
apply_control ec28 EC2.8
contains "$TMP/ec28.out" "done              $P EC2.8 ${I}1: verified: instance i-0e0000000000000e1: IMDSv2 required (HttpTokens required)"
contains "$TMP/ec28.out" "already-compliant $P EC2.8 ${I}2: instance i-0e0000000000000e2: IMDSv2 required"
contains "$TMP/ec28.out" "exempt            $P EC2.8 ${I}3: tag hubwarden:exempt=legacy agent needs IMDSv1, RISK-12"
contains "$TMP/ec28.out" "gone              $P EC2.8 ${I}4: instance i-0e0000000000000e4 is terminated"
contains "$TMP/ec28.out" "gone              $P EC2.8 ${I}5: instance i-0e0000000000000e5 no longer exists"
echo "/$P/regions/us-east-1/instances/i-0e0000000000000e1/http_tokens: optional -> required" > "$TMP/ec28.want"
same ec28
again ec28 EC2.8
# ---- RDS.2 (disruptive; still with allow_disruptive_auto): PubliclyAccessible
# false, nothing else
DB=arn:aws:rds:us-east-1:$P:db
apply_control rds2 RDS.2
contains "$TMP/rds2.out" "done              $P RDS.2 $DB:orders-db: verified: DB instance orders-db: not publicly accessible"
contains "$TMP/rds2.out" "already-compliant $P RDS.2 $DB:reports-db: DB instance reports-db: not publicly accessible"
contains "$TMP/rds2.out" "exempt            $P RDS.2 $DB:partner-db: tag hubwarden:exempt=partner VPN-less access, RISK-5"
contains "$TMP/rds2.out" "gone              $P RDS.2 $DB:old-db: DB instance old-db no longer exists"
echo "/$P/regions/us-east-1/db_instances/orders-db/publicly_accessible: True -> False" > "$TMP/rds2.want"
same rds2
again rds2 RDS.2
ok "RDS.2: the public instance made private; private, exempt, deleted untouched"

# ---- Lambda.1 (disruptive): only the public statements removed, each with
# the policy's RevisionId; the narrowed ones stay
L=arn:aws:lambda:us-east-1:$P:function
apply_control lambda1 Lambda.1
contains "$TMP/lambda1.out" "done              $P Lambda.1 $L:orders-api: verified: function orders-api: no public statement"
contains "$TMP/lambda1.out" "already-compliant $P Lambda.1 $L:private-fn: function private-fn: no public statement"
contains "$TMP/lambda1.out" "already-compliant $P Lambda.1 $L:no-policy-fn: function no-policy-fn: no resource-based policy"
contains "$TMP/lambda1.out" "exempt            $P Lambda.1 $L:exempt-fn: tag hubwarden:exempt=public webhook receiver, RISK-21"
contains "$TMP/lambda1.out" "refused           $P Lambda.1 $L:no-sid-fn: function no-sid-fn: a public statement has no usable Sid"
contains "$TMP/lambda1.out" "gone              $P Lambda.1 $L:deleted-fn: function deleted-fn no longer exists"
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT before_state FROM actions WHERE control_id = 'Lambda.1' AND resource = '$L:orders-api' AND state = 'done'"
contains "$TMP/out" '"Public":["FunctionURLAllowPublicAccess","s3-invoke-any"]'
/usr/bin/python3 - "$TMP/lambda1.before.json" "$TMP/lambda1.after.json" <<'PY' || fail "Lambda.1: more or less changed than orders-api's two public statements"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
fa = a["333333333333"]["regions"]["us-east-1"]["lambda_functions"]["orders-api"]
fb = b["333333333333"]["regions"]["us-east-1"]["lambda_functions"]["orders-api"]
assert [s["Sid"] for s in fb["statements"]] == ["s3-invoke-own", "partner-invoke", "org-invoke"], fb
assert fb["statements"] == fa["statements"][2:], "a kept statement changed"
assert fb["revision"] == fa["revision"] + 2, fb
fb["statements"], fb["revision"] = fa["statements"], fa["revision"]
assert a == b, "Lambda.1 changed something else"
PY
again lambda1 Lambda.1
ok "Lambda.1: only the public statements removed; narrowed, exempt, Sid-less and deleted untouched"

HWC="$HW --config $TMP/hw.json"
ok "EC2.8: auto only with allow_disruptive_auto; HttpTokens required, hop limit and tags kept"

# ---- RDS.1: "all" removed from who may restore a snapshot, nothing else
S=arn:aws:rds:us-east-1:$P
apply_control rds1 RDS.1
contains "$TMP/rds1.out" "done              $P RDS.1 $S:snapshot:orders-snap: verified: DB snapshot orders-snap: not public"
contains "$TMP/rds1.out" "done              $P RDS.1 $S:cluster-snapshot:orders-cluster-snap: verified: DB cluster snapshot orders-cluster-snap: not public"
contains "$TMP/rds1.out" "already-compliant $P RDS.1 $S:snapshot:reports-snap: DB snapshot reports-snap: not public"
contains "$TMP/rds1.out" "exempt            $P RDS.1 $S:snapshot:exempt-snap: tag hubwarden:exempt=public sample data, RISK-31"
contains "$TMP/rds1.out" "gone              $P RDS.1 $S:snapshot:deleted-snap: DB snapshot deleted-snap no longer exists"
contains "$TMP/rds1.out" "refused           $P RDS.1 $S:snapshot:rds:orders-db-2026-12-01-03-10: $S:snapshot:rds:orders-db-2026-12-01-03-10 is not the ARN of a manual RDS snapshot"
cat > "$TMP/rds1.want" <<EOF
/$P/regions/us-east-1/rds_snapshots/orders-cluster-snap/restore: <none> -> {}
/$P/regions/us-east-1/rds_snapshots/orders-cluster-snap/restore/0: all -> <none>
/$P/regions/us-east-1/rds_snapshots/orders-snap/restore/0: all -> 444444444444
/$P/regions/us-east-1/rds_snapshots/orders-snap/restore/1: 444444444444 -> <none>
EOF
same rds1
again rds1 RDS.1
ok "RDS.1: all removed from restore, the account shared by id kept; private, exempt, deleted, automated untouched"

# ---- SSM.4: the document no longer shared with All, accounts by id kept
apply_control ssm4 SSM.4
contains "$TMP/ssm4.out" "done              $P SSM.4 arn:aws:ssm:us-east-1:$P:document/Patch-Web-Fleet: verified: document Patch-Web-Fleet: not public"
contains "$TMP/ssm4.out" "already-compliant $P SSM.4 arn:aws:ssm:us-east-1:$P:document/Internal-Runbook: document Internal-Runbook: not public"
contains "$TMP/ssm4.out" "exempt            $P SSM.4 arn:aws:ssm:us-east-1:$P:document/Public-Howto: tag hubwarden:exempt=published runbook, RISK-40"
contains "$TMP/ssm4.out" "gone              $P SSM.4 arn:aws:ssm:us-east-1:$P:document/Deleted-Doc: document Deleted-Doc no longer exists"
cat > "$TMP/ssm4.want" <<EOF
/$P/regions/us-east-1/ssm_documents/Patch-Web-Fleet/shared_with/0: all -> 444444444444
/$P/regions/us-east-1/ssm_documents/Patch-Web-Fleet/shared_with/1: 444444444444 -> <none>
EOF
same ssm4
again ssm4 SSM.4
ok "SSM.4: public sharing removed, the account shared by id kept; private, exempt, deleted untouched"

# ---- GuardDuty.1: a detector created where none is; a suspended one enabled
apply_control gd1 GuardDuty.1
contains "$TMP/gd1.out" "done              $P GuardDuty.1 AWS::::Account:$P: verified: account $P: a GuardDuty detector is enabled in us-east-1"
contains "$TMP/gd1.out" "done              $D GuardDuty.1 AWS::::Account:$D: verified: account $D: a GuardDuty detector is enabled in us-east-1"
/usr/bin/python3 - "$TMP/gd1.before.json" "$TMP/gd1.after.json" <<'PY' || fail "GuardDuty.1: more or less changed than the two detectors"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
da = a["333333333333"]["regions"]["us-east-1"]["guardduty_detectors"]
db = b["333333333333"]["regions"]["us-east-1"]["guardduty_detectors"]
assert da == {} and len(db) == 1 and list(db.values())[0]["status"] == "ENABLED", db
b["333333333333"]["regions"]["us-east-1"]["guardduty_detectors"] = {}
d4 = b["444444444444"]["regions"]["us-east-1"]["guardduty_detectors"]["0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f"]
assert d4 == {"status": "ENABLED", "finding_publishing_frequency": "SIX_HOURS"}, d4
d4["status"] = "DISABLED"
assert a == b, "GuardDuty.1 changed something else"
PY
again gd1 GuardDuty.1
ok "GuardDuty.1: detector created, suspended detector enabled, nothing else"
