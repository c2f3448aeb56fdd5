#!/usr/bin/python3
"""make_remedy.py - writes remedy.json, the remediation tests' scenario:
an Organization whose accounts hold real resources (buckets, security
groups, EBS defaults, IAM keys) matching Security Hub findings, plus the
cases remediation must refuse (fixed by hand, exempt by tag, suppressed,
owned by another account, out of scope, forged, circuit breaker, a role
that cannot be assumed).  Run it after changing it:
    python3 tests/data/awssim/make_remedy.py > tests/data/awssim/remedy.json
"""
import copy
import json
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "awssim"))
import gen_findings  # noqa: E402

REGION = "us-east-1"
rng = random.Random(12)
TYPES = {"S3.8": ("bucket", "AwsS3Bucket"), "EC2.13": ("sg", "AwsEc2SecurityGroup"), "S3.1": ("account", "AwsAccount"),
         "EC2.19": ("sg", "AwsEc2SecurityGroup"), "EC2.7": ("account", "AwsAccount"),
         "IAM.3": ("user", "AwsIamUser"), "IAM.8": ("user", "AwsIamUser")}
TYPES.update({c: ("account", "AwsAccount") for c in ("IAM.7", "IAM.11", "IAM.15", "IAM.17")})
TYPES["S3.4"] = TYPES["S3.5"] = ("bucket", "AwsS3Bucket")
TYPES["CloudTrail.4"] = ("trail", "AwsCloudTrailTrail")
TYPES["KMS.4"] = ("key", "AwsKmsKey")
TYPES["EC2.1"] = ("instance", "AwsEc2Snapshot")  # (the id is set below)
TYPES["EC2.2"] = ("sg", "AwsEc2SecurityGroup")
TYPES["EC2.8"] = ("instance", "AwsEc2Instance")
TYPES["GuardDuty.1"] = ("account", "AwsAccount")
TYPES["RDS.2"] = ("rds", "AwsRdsDbInstance")
TYPES["Lambda.1"] = ("lambda", "AwsLambdaFunction")
TYPES["IAM.10"] = ("account", "AwsAccount")
TYPES["RDS.1"] = ("rds", "AwsRdsDbSnapshot")
TYPES["SSM.4"] = ("instance", "Other")
# S3.5: existing statements, written by hand (odd spacing, an escape), that
# the merge must keep byte for byte
HAND_POLICY = ('{\n  "Version": "2012-10-17",\n  "Id": "web \\u00e9",\n  "Statement": [\n'
               '    {"Sid": "ReadOnly", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444444444444:root"},\n'
               '     "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::prod-policy/*"},\n'
               '    {"Sid":"Logs","Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},'
               '"Action":"s3:PutObject","Resource":"arn:aws:s3:::prod-policy/logs/*"}\n  ]\n}\n')
SINGLE_POLICY = '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject",' \
                '"Resource":"arn:aws:s3:::prod-single-statement/*"}}'
TLS_POLICY = ('{"Version":"2012-10-17","Statement":[{"Sid":"NoTLSNoService","Effect":"Deny","Principal":{"AWS":"*"},'
              '"Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":false}}}]}')


def finding(account, control, resource, status="FAILED", workflow=None, **over):
    kind, rtype = TYPES[control]
    f = gen_findings.control_finding(rng, account, REGION, (control, "HIGH", kind, rtype, [], []), status)
    f["Resources"][0]["Id"] = resource
    f["ProductFields"]["Resources:0/Id"] = resource
    if workflow:
        f["Workflow"]["Status"] = workflow
    f.update(over)
    return f


def role(name, ext=None):
    r = {"name": name, "trusted_accounts": ["222222222222"]}
    if ext:
        r["external_id"] = ext
    return r


def account(aid, name, parent, remediation=True):
    roles = [role("HubwardenAudit")]
    if remediation:
        roles.append(role("HubwardenRemediation", "hw-remedy-1"))
    return {"id": aid, "name": name, "email": "%s@example.com" % name, "status": "ACTIVE",
            "parent": parent, "roles": roles}


def sg(acct, gid):
    return "arn:aws:ec2:%s:%s:security-group/%s" % (REGION, acct, gid)


def user(acct, name):
    return "arn:aws:iam::%s:user/%s" % (acct, name)


# Lambda.1: a public function URL and an S3 trigger any account's bucket
# can fire are public; the same trigger narrowed to our account, a partner
# account and the whole Organization (aws:PrincipalOrgID) are not
FN_URL = {"Sid": "FunctionURLAllowPublicAccess", "Effect": "Allow", "Principal": "*",
          "Action": "lambda:InvokeFunctionUrl", "Resource": "arn:aws:lambda:us-east-1:333333333333:function:orders-api",
          "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}}
S3_ANY = {"Sid": "s3-invoke-any", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
          "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:us-east-1:333333333333:function:orders-api"}
S3_OWN = dict(S3_ANY, Sid="s3-invoke-own", Condition={"StringEquals": {"AWS:SourceAccount": "333333333333"}})
PARTNER = {"Sid": "partner-invoke", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444444444444:root"},
           "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:us-east-1:333333333333:function:orders-api"}
ORG = {"Sid": "org-invoke", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "lambda:InvokeFunction",
       "Resource": "arn:aws:lambda:us-east-1:333333333333:function:orders-api",
       "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorg1"}}}
PUBLIC = {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::444444444444:root", "*"]},
          "Action": "lambda:GetFunction", "Resource": "*"}
OPEN = [{"protocol": "tcp", "from": 22, "to": 22, "cidr_ipv4": "0.0.0.0/0"}]
audit = account("222222222222", "audit", "r-ab12")
audit["users"] = [{"name": "hubwarden", "access_keys": [
    {"id": "AKIAHUBWARDENTEST001", "secret": "testsecretkeytestsecretkey0000000000001"}]}]
scenario = {
    "partition": "aws",
    "organization": {"id": "o-exampleorg1", "management_account": "111111111111",
                     "delegated_admins": ["222222222222"], "root": {"id": "r-ab12", "name": "Root"},
                     "ous": [{"id": "ou-ab12-prod0001", "name": "Prod", "parent": "r-ab12"},
                             {"id": "ou-ab12-dev00001", "name": "Dev", "parent": "r-ab12"},
                             {"id": "ou-ab12-sand0001", "name": "Sandbox", "parent": "ou-ab12-dev00001"}]},
    "accounts": [
        {"id": "111111111111", "name": "management", "status": "ACTIVE", "parent": "r-ab12"},
        audit,
        account("333333333333", "prod-app", "ou-ab12-prod0001"),
        account("444444444444", "dev-app", "ou-ab12-dev00001"),
        account("777777777777", "sandbox", "ou-ab12-sand0001"),
        account("888888888888", "legacy", "ou-ab12-prod0001", remediation=False),
    ],
    "resources": {
        "333333333333": {
            "s3": {"buckets": {
                "prod-public-data": {"public_access_block": None, "tags": {"team": "web"}},
                "prod-fixed-by-hand": {"public_access_block": {f: True for f in (
                    "BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")}},
                "prod-exempt": {"public_access_block": None,
                                "tags": {"hubwarden:exempt": "public website, RISK-42"}},
                "prod-suppressed": {"public_access_block": None},
                "prod-ok-1": {"public_access_block": None}, "prod-ok-2": {"public_access_block": None},
                "prod-ok-3": {"public_access_block": None}, "prod-ok-4": {"public_access_block": None},
                # S3.4: no default encryption; encrypted by hand meanwhile
                "prod-unencrypted": {"public_access_block": None, "tags": {"team": "data"}},
                "prod-encrypted-by-hand": {"public_access_block": None,
                                           "encryption": {"SSEAlgorithm": "aws:kms", "BucketKeyEnabled": True,
                                                          "KMSMasterKeyID": "alias/by-hand"}},
                "prod-policy": {"public_access_block": None, "policy": HAND_POLICY},
                "prod-no-policy": {"public_access_block": None},
                "prod-single-statement": {"public_access_block": None, "policy": SINGLE_POLICY},
                "prod-tls-by-hand": {"public_access_block": None, "policy": TLS_POLICY},
                "prod-bad-policy": {"public_access_block": None,
                                    "policy": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",}]}'}},
                "public_access_block": None},
            "regions": {REGION: {"ebs_encryption_by_default": False,
                # RDS.1: public manual snapshots (one of a cluster), one
                # shared with an account only, one exempt
                "rds_snapshots": {
                "orders-snap": {"restore": ["all", "444444444444"], "tags": {"team": "shop"}},
                "orders-cluster-snap": {"cluster": True, "restore": ["all"]},
                "reports-snap": {"restore": ["444444444444"]},
                "exempt-snap": {"restore": ["all"], "tags": {"hubwarden:exempt": "public sample data, RISK-31"}}},
                # SSM.4: a public document, one shared by id, one exempt
                "ssm_documents": {
                "Patch-Web-Fleet": {"shared_with": ["all", "444444444444"]},
                "Internal-Runbook": {"shared_with": ["444444444444"]},
                "Public-Howto": {"shared_with": ["all"], "tags": {"hubwarden:exempt": "published runbook, RISK-40"}}},
                "lambda_functions": {
                "orders-api": {"statements": [FN_URL, S3_ANY, S3_OWN, PARTNER, ORG], "revision": 7,
                               "tags": {"team": "shop"}},
                "private-fn": {"statements": [PARTNER]},
                "no-policy-fn": {},
                "exempt-fn": {"statements": [dict(FN_URL, Resource="*")],
                              "tags": {"hubwarden:exempt": "public webhook receiver, RISK-21"}},
                "no-sid-fn": {"statements": [PUBLIC]}},
                "db_instances": {
                "orders-db": {"publicly_accessible": True, "tags": {"team": "shop"}},
                "reports-db": {},
                "partner-db": {"publicly_accessible": True, "tags": {"hubwarden:exempt": "partner VPN-less access, RISK-5"}}},
                "instances": {
                "i-0e0000000000000e1": {"hop_limit": 2, "tags": {"team": "web"}},
                "i-0e0000000000000e2": {"http_tokens": "required"},
                "i-0e0000000000000e3": {"tags": {"hubwarden:exempt": "legacy agent needs IMDSv1, RISK-12"}},
                "i-0e0000000000000e4": {"state": "terminated"}},
                "snapshots": {
                "snap-0a0000000000000a1": {"groups": ["all"], "user_ids": ["444444444444"]},
                "snap-0a0000000000000a2": {"user_ids": ["444444444444"]},
                "snap-0a0000000000000a3": {"groups": ["all"], "tags": {"hubwarden:exempt": "public AMI source, RISK-3"}}},
                "kms_keys": {
                "1111aaaa-0000-0000-0000-000000000001": {},
                "1111aaaa-0000-0000-0000-000000000002": {"rotation": True},
                "1111aaaa-0000-0000-0000-000000000003": {"manager": "AWS"},
                "1111aaaa-0000-0000-0000-000000000004": {"spec": "RSA_2048"},
                "1111aaaa-0000-0000-0000-000000000005": {"origin": "EXTERNAL"},
                "1111aaaa-0000-0000-0000-000000000006": {"tags": {"hubwarden:exempt": "HSM migration, RISK-9"}}},
                "trails": {
                "org-trail": {"s3_bucket": "prod-trail-logs"},
                "audit-trail": {"s3_bucket": "prod-trail-logs", "log_file_validation": True},
                "exempt-trail": {"tags": {"hubwarden:exempt": "vendor-managed, RISK-77"}}},
                "security_groups": {
                "sg-0a11": {"name": "web", "rules": [
                    {"id": "sgr-0a11000000000001", "protocol": "tcp", "from": 22, "to": 22, "cidr_ipv4": "0.0.0.0/0"},
                    {"id": "sgr-0a11000000000002", "protocol": "tcp", "from": 22, "to": 22, "cidr_ipv4": "10.0.0.0/8"},
                    {"id": "sgr-0a11000000000003", "protocol": "tcp", "from": 443, "to": 443, "cidr_ipv4": "0.0.0.0/0"},
                    {"id": "sgr-0a11000000000004", "protocol": "tcp", "from": 3389, "to": 3389, "cidr_ipv6": "::/0"},
                    {"id": "sgr-0a11000000000005", "protocol": "tcp", "from": 443, "to": 443, "cidr_ipv6": "::/0"},
                    {"id": "sgr-0a11000000000006", "egress": True, "protocol": "-1", "cidr_ipv4": "0.0.0.0/0"}]},
                # EC2.2: default groups, one with rules both ways, one emptied by hand
                "sg-0d44": {"name": "default", "rules": [
                    {"id": "sgr-0d44000000000001", "protocol": "-1", "cidr_ipv4": "10.0.0.0/8"},
                    {"id": "sgr-0d44000000000002", "protocol": "tcp", "from": 443, "cidr_ipv6": "::/0"},
                    {"id": "sgr-0d44000000000003", "egress": True, "protocol": "-1", "cidr_ipv4": "0.0.0.0/0"}]},
                "sg-0d45": {"name": "default", "vpc_id": "vpc-0f0e0d0c"},
                # 1,100 rules: more than one DescribeSecurityGroupRules page;
                # EC2.13 counts only IPv4, so ::/0 on port 22 (rule 5) stays
                "sg-0c33": {"name": "bastions", "rules": [
                    {"protocol": "tcp", "from": 22, "to": 22,
                     "cidr_ipv4": "0.0.0.0/0" if i == 1050 else "10.%d.%d.%d/32" % (i // 65536, i // 256 % 256, i % 256)}
                    if i != 5 else {"protocol": "tcp", "from": 22, "to": 22, "cidr_ipv6": "::/0"}
                    for i in range(1100)]}}}},
            "iam": {"users": {
                "ci-deploy": {"access_keys": [
                    {"id": "AKIACIDEPLOYOLD00001", "create_days_ago": 200, "last_used_days_ago": 150},
                    {"id": "AKIACIDEPLOYNEW00001", "create_days_ago": 10, "last_used_days_ago": 1}]},
                "batch": {"access_keys": [
                    {"id": "AKIABATCHOLD00000001", "create_days_ago": 300, "last_used_days_ago": 120}]}}}},
        "444444444444": {
            "s3": {"buckets": {"shared-logs": {"public_access_block": None},
                               "dev-unencrypted": {"public_access_block": None}}},
            # GuardDuty.1: suspended in us-east-1
            "regions": {REGION: {"guardduty_detectors": {"0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f": {"status": "DISABLED"}}}},
            # stricter than asked in some values (kept), no upper case (IAM.11)
            "iam": {"password_policy": {"MinimumPasswordLength": 20, "RequireSymbols": True, "MaxPasswordAge": 30,
                                        "AllowUsersToChangePassword": True, "HardExpiry": True}},
            # GuardDuty.1: a detector, suspended
            "regions": {REGION: {"guardduty_detectors": {"0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f": {"status": "DISABLED"}},
                                 "security_groups": {
                g: {"rules": copy.deepcopy(OPEN)} for g in ("sg-0b21", "sg-0b22", "sg-0b23", "sg-0b99")}}}},
        # the audit account's own user: its key is the one hubwarden runs with
        "222222222222": {"iam": {"users": {"hubwarden": {"access_keys": [
            {"id": "AKIAHUBWARDENTEST001", "create_days_ago": 400, "last_used_days_ago": 0}]}}}},
        "777777777777": {"s3": {"buckets": {"sandbox-open": {"public_access_block": None}}}},
        "888888888888": {"s3": {"buckets": {"legacy-open": {"public_access_block": None}}}},
    },
    "securityhub": {"aggregator": {"account": "222222222222", "region": REGION, "linked_regions": []}},
}
P = "333333333333"
third_party = finding(P, "EC2.19", sg(P, "sg-0a11"))
third_party["ProductArn"] = "arn:aws:securityhub:%s:999999999999:product/999999999999/default" % REGION
third_party["Id"] = "forged-third-party-ec2-19"
mismatch = finding(P, "EC2.19", sg("444444444444", "sg-0b99"))
mismatch["Id"] = "forged-account-mismatch-ec2-19"
scenario["securityhub"]["findings"] = [
    finding(P, "S3.8", "arn:aws:s3:::prod-public-data"),
    finding(P, "S3.8", "arn:aws:s3:::prod-fixed-by-hand"),
    finding(P, "S3.8", "arn:aws:s3:::prod-exempt"),
    finding(P, "S3.8", "arn:aws:s3:::shared-logs"),        # owned by 444: refused
    finding(P, "S3.8", "arn:aws:s3:::prod-suppressed", workflow="SUPPRESSED"),
] + [finding(P, "S3.8", "arn:aws:s3:::prod-ok-%d" % i, status="PASSED") for i in range(1, 5)] + [
    finding(P, "S3.1", "AWS::::Account:%s" % P),
    finding(P, "EC2.19", sg(P, "sg-0a11")),
    finding(P, "EC2.13", sg(P, "sg-0c33")),
    finding(P, "EC2.7", "AWS::::Account:%s" % P),
    finding(P, "IAM.3", user(P, "ci-deploy")),
    finding(P, "IAM.8", user(P, "batch")),
    finding("222222222222", "IAM.3", user("222222222222", "hubwarden")),
    third_party, mismatch,
] + [finding("444444444444", "EC2.19", sg("444444444444", g)) for g in ("sg-0b21", "sg-0b22", "sg-0b23")] + [
    finding("444444444444", "EC2.19", sg("444444444444", "sg-0b30"), status="PASSED"),
    finding("777777777777", "S3.8", "arn:aws:s3:::sandbox-open"),
    finding("888888888888", "S3.8", "arn:aws:s3:::legacy-open"),
    finding("999999999999", "S3.8", "arn:aws:s3:::outsider-open"),  # not in the Organization
] + [finding(P, c, "AWS::::Account:%s" % P) for c in ("IAM.7", "IAM.15", "IAM.17")] + [
    # 444's policy: IAM.15 and IAM.17 fixed by hand meanwhile, IAM.11 failing
    finding("444444444444", c, "AWS::::Account:444444444444") for c in ("IAM.11", "IAM.15", "IAM.17")] + [
    finding(P, "S3.4", "arn:aws:s3:::" + b) for b in (
        "prod-unencrypted", "prod-encrypted-by-hand", "prod-exempt", "shared-logs")] + [
    finding("444444444444", "S3.4", "arn:aws:s3:::dev-unencrypted")] + [
    finding(P, "S3.5", "arn:aws:s3:::" + b) for b in (
        "prod-policy", "prod-no-policy", "prod-single-statement", "prod-tls-by-hand", "prod-bad-policy")] + [
    finding(P, "CloudTrail.4", "arn:aws:cloudtrail:%s:%s:trail/%s" % (REGION, P, t))
    for t in ("org-trail", "audit-trail", "exempt-trail", "deleted-trail")] + [
    finding(P, "KMS.4", "arn:aws:kms:%s:%s:key/1111aaaa-0000-0000-0000-00000000000%d" % (REGION, P, i))
    for i in range(1, 8)] + [
    finding(P, "EC2.1", "arn:aws:ec2:%s:%s:snapshot/snap-0a0000000000000a%d" % (REGION, P, i)) for i in range(1, 5)] + [
    finding(P, "EC2.2", sg(P, g)) for g in ("sg-0d44", "sg-0d45", "sg-0a11")] + [
    finding(P, "EC2.8", "arn:aws:ec2:%s:%s:instance/i-0e0000000000000e%d" % (REGION, P, i)) for i in range(1, 6)] + [
    finding(a, "GuardDuty.1", "AWS::::Account:%s" % a) for a in (P, "444444444444")] + [
    finding(P, "RDS.2", "arn:aws:rds:%s:%s:db:%s" % (REGION, P, d)) for d in ("orders-db", "reports-db", "partner-db", "old-db")] + [
    finding(P, "Lambda.1", "arn:aws:lambda:%s:%s:function:%s" % (REGION, P, f)) for f in (
        "orders-api", "private-fn", "no-policy-fn", "exempt-fn", "no-sid-fn", "deleted-fn")] + [
    finding("444444444444", "IAM.10", "AWS::::Account:444444444444")] + [
    finding(P, "RDS.1", "arn:aws:rds:%s:%s:%s" % (REGION, P, x)) for x in (
        "snapshot:orders-snap", "cluster-snapshot:orders-cluster-snap", "snapshot:reports-snap",
        "snapshot:exempt-snap", "snapshot:deleted-snap", "snapshot:rds:orders-db-2026-12-01-03-10")] + [
    finding(P, "SSM.4", "arn:aws:ssm:%s:%s:document/%s" % (REGION, P, d)) for d in (
        "Patch-Web-Fleet", "Internal-Runbook", "Public-Howto", "Deleted-Doc")]
json.dump(scenario, sys.stdout, indent=1, sort_keys=True)
sys.stdout.write("\n")
