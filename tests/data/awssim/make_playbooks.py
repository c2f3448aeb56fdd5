#!/usr/bin/python3
"""make_playbooks.py - writes playbooks.json, the GuardDuty playbook tests'
scenario: remedy.json's Organization and roles, IAM keys and buckets in the
prod account, and GuardDuty findings (Security Hub ASFF from
product/aws/guardduty) that the playbooks answer or must refuse (a key of
another user, a deleted key, an inactive key, a bucket of another account,
a type no playbook answers, and forged findings: a third-party product, an
account outside the Organization, a resource of another account).  Run it
after changing it:
    python3 tests/data/awssim/make_playbooks.py > tests/data/awssim/playbooks.json
"""
import copy
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
d = json.load(open(os.path.join(HERE, "remedy.json")))
out = {k: copy.deepcopy(d[k]) for k in ("accounts", "organization", "partition")}
P, D = "333333333333", "444444444444"
out["resources"] = {
    "222222222222": d["resources"]["222222222222"],
    P: {"iam": {"users": {
            "dev-alice": {"access_keys": [{"id": "AKIADEVALICEKEY00001", "create_days_ago": 30, "last_used_days_ago": 0},
                                          {"id": "AKIADEVALICEKEY00002", "create_days_ago": 5, "last_used_days_ago": 1}]},
            "ops": {"access_keys": [{"id": "AKIAOPSKEY0000000001", "create_days_ago": 60, "last_used_days_ago": 0}]},
            "quiet": {"access_keys": [{"id": "AKIAQUIETKEY00000001", "status": "Inactive", "create_days_ago": 60}]}}},
        "s3": {"buckets": {"media-public": {"public_access_block": None, "tags": {"team": "media"}},
                           "media-private": {"public_access_block": None}}, "public_access_block": None},
        "regions": {"us-east-1": {
            "security_groups": {
                "sg-0web1": {"name": "web", "vpc_id": "vpc-0a1b2c3d",
                             "rules": [{"id": "sgr-0web10000000001", "protocol": "tcp", "from": 443, "cidr_ipv4": "0.0.0.0/0"}]},
                "sg-0ssh1": {"name": "ssh-from-office", "vpc_id": "vpc-0a1b2c3d",
                             "rules": [{"id": "sgr-0ssh10000000001", "protocol": "tcp", "from": 22, "cidr_ipv4": "203.0.113.0/24"}]},
                "sg-0db01": {"name": "db", "vpc_id": "vpc-0a1b2c3d",
                             "rules": [{"id": "sgr-0db010000000001", "protocol": "tcp", "from": 5432, "cidr_ipv4": "10.0.0.0/16"}]}},
            "instances": {
                "i-0c0ffee000000001": {"vpc_id": "vpc-0a1b2c3d", "security_groups": ["sg-0web1", "sg-0ssh1"],
                                       "volumes": ["vol-0aa1000000000001", "vol-0aa1000000000002"],
                                       "tags": {"Name": "web-1"}},
                "i-0c0ffee000000002": {"vpc_id": "vpc-0a1b2c3d", "security_groups": ["sg-0db01"],
                                       "volumes": ["vol-0bb1000000000001"], "tags": {"Name": "db-1"}},
                "i-0c0ffee000000003": {"vpc_id": "vpc-0a1b2c3d", "security_groups": ["sg-0web1"],
                                       "volumes": ["vol-0cc1000000000001"],
                                       "tags": {"hubwarden:exempt": "honeypot, RISK-9"}}},
            "network_acls": {
                "acl-0a1b0000000000001": {"vpc_id": "vpc-0a1b2c3d", "subnets": ["subnet-0a1b"],
                                          "entries": [{"rule_number": 1, "action": "deny", "cidr": "203.0.113.66/32"},
                                                      {"rule_number": 100, "action": "allow", "cidr": "0.0.0.0/0"},
                                                      {"rule_number": 100, "egress": True, "action": "allow",
                                                       "cidr": "0.0.0.0/0"}]}}}}},
    D: {"s3": {"buckets": {"dev-shared": {"public_access_block": None}}, "public_access_block": None}},
}
GDP = "arn:aws:securityhub:us-east-1::product/aws/guardduty"
n = [0]


def gd(acct, gtype, res, product=GDP, title=None, network=None):
    """A GuardDuty finding as Security Hub shows it ("Namespace:Resource/Name"
    in Types as "TTPs/<tactic>/Namespace:Resource-Name")."""
    n[0] += 1
    det = "d4b040365221be2b54a6264dc9a4bc64"
    return {
        "SchemaVersion": "2018-10-08",
        "Id": "arn:aws:guardduty:us-east-1:%s:detector/%s/finding/%032x" % (acct, det, n[0]),
        "ProductArn": product, "ProductName": "GuardDuty", "CompanyName": "Amazon", "Region": "us-east-1",
        "GeneratorId": "arn:aws:guardduty:us-east-1:%s:detector/%s" % (acct, det),
        "AwsAccountId": acct, "Types": ["TTPs/Initial Access/%s" % gtype.replace("/", "-", 1)],
        "FirstObservedAt": "2026-01-10T09:15:57Z", "LastObservedAt": "2026-01-12T11:56:49Z",
        "CreatedAt": "2026-01-10T09:34:34.146Z", "UpdatedAt": "2026-01-12T12:14:00.206Z",
        "Severity": {"Label": "HIGH", "Normalized": 70, "Product": 8},
        "Title": title or ("GuardDuty: %s" % gtype), "Description": "GuardDuty observed %s." % gtype,
        "ProductFields": {"aws/guardduty/service/serviceName": "guardduty",
                          "aws/securityhub/ProductName": "GuardDuty", "aws/securityhub/CompanyName": "Amazon"},
        "Resources": res, "WorkflowState": "NEW", "Workflow": {"Status": "NEW"}, "RecordState": "ACTIVE",
        **({"Network": network} if network else {}),
    }


def key(kid, user):
    return [{"Type": "AwsIamAccessKey", "Id": "AWS::IAM::AccessKey:%s" % kid, "Partition": "aws", "Region": "us-east-1",
             "Details": {"AwsIamAccessKey": {"PrincipalName": user, "PrincipalType": "IAMUser", "Status": "Active"}}}]


def instance(iid, acct=P):
    return [{"Type": "AwsEc2Instance", "Id": "arn:aws:ec2:us-east-1:%s:instance/%s" % (acct, iid), "Partition": "aws",
             "Region": "us-east-1", "Details": {"AwsEc2Instance": {"VpcId": "vpc-0a1b2c3d"}}}]


def bucket(name, acct=""):
    arn = "arn:aws:s3:us-east-1:%s:%s" % (acct, name) if acct else "arn:aws:s3:::%s" % name
    return [{"Type": "AwsS3Bucket", "Id": arn, "Partition": "aws", "Region": "us-east-1"}]


F = [
    gd(P, "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS", key("AKIADEVALICEKEY00001", "dev-alice"),
       title="Credentials of dev-alice used from outside AWS"),
    gd(P, "CredentialAccess:IAMUser/AnomalousBehavior", key("AKIAOPSKEY0000000001", "dev-alice"),
       title="key of ops said to be dev-alice's"),
    gd(P, "Exfiltration:IAMUser/AnomalousBehavior", key("AKIAGONEKEY000000001", "dev-alice"), title="a deleted key"),
    gd(P, "UnauthorizedAccess:IAMUser/MaliciousIPCaller", key("AKIAQUIETKEY00000001", "quiet"), title="already inactive"),
    gd(P, "Policy:S3/BucketBlockPublicAccessDisabled", bucket("media-public")),
    gd(P, "Policy:S3/BucketAnonymousAccessGranted", bucket("dev-shared"), title="a bucket of another account"),
    # malicious-ip: a port probe from a public address (a deny entry in the
    # subnet's ACL), and one from a private address (refused)
    gd(P, "Recon:EC2/PortProbeUnprotectedPort", instance("i-0c0ffee000000002"),
       network={"Direction": "IN", "SourceIpV4": "198.51.100.7", "Protocol": "TCP"}),
    gd(P, "UnauthorizedAccess:IAMUser/ConsoleLogin", key("AKIADEVALICEKEY00002", "dev-alice"),
       product="arn:aws:securityhub:us-east-1:999999999999:product/999999999999/default", title="forged-third-party"),
    gd("999999999999", "Policy:S3/BucketPublicAccessGranted", bucket("media-private"), title="forged-outside-org"),
    gd(P, "Policy:S3/BucketPublicAccessGranted", bucket("media-private", D), title="forged-account-mismatch"),
    # ec2-compromise: two instances of one VPC (one quarantine group), an
    # exempt honeypot, an instance that is gone, one of another account
    gd(P, "UnauthorizedAccess:EC2/SSHBruteForce", instance("i-0c0ffee000000001")),
    gd(P, "CryptoCurrency:EC2/BitcoinTool.B!DNS", instance("i-0c0ffee000000002")),
    gd(P, "Backdoor:EC2/DenialOfService.Tcp", instance("i-0c0ffee000000003")),
    gd(P, "Trojan:EC2/DNSDataExposure", instance("i-0dead00000000001")),
    gd(P, "Impact:EC2/PortSweep", instance("i-0c0ffee000000001", D), title="forged-instance-of-another-account"),
    gd(P, "Recon:EC2/PortProbeEMRUnprotectedPort", instance("i-0c0ffee000000002"), title="a private source",
       network={"Direction": "IN", "SourceIpV4": "10.1.2.3", "Protocol": "TCP"}),
    gd(P, "Discovery:S3/AnomalousBehavior", bucket("media-public"), title="a type no playbook answers"),
]
out["securityhub"] = {"aggregator": d["securityhub"]["aggregator"], "findings": F}
out["sns"] = {"topics": ["arn:aws:sns:us-east-1:222222222222:hubwarden-alerts",
                         "arn:aws:sns:us-east-1:333333333333:someone-elses"]}
json.dump(out, sys.stdout, indent=1, sort_keys=True)
sys.stdout.write("\n")
