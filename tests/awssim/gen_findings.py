#!/usr/bin/python3
"""gen_findings.py - realistic AWS Security Hub findings (ASFF), deterministic.

usage: gen_findings.py --count N [--accounts A,B,...] [--regions R,...]
                       [--seed S] [--guardduty-rate 0.03] [--bad-rate 0]
                       [--format jsonl|array|response] [-o FILE[.gz]]

Control findings of many Security Hub controls (consolidated control
findings: GeneratorId security-control/<id>, Compliance.SecurityControlId,
AssociatedStandards, RelatedRequirements), about 2-3 KB each, with a few
percent GuardDuty findings.  --bad-rate mixes in hostile findings (missing
or mistyped fields, invalid UTF-8, a 1 MB field) for bad-input tests.
Fast enough for a million findings: each finding is filled into a
pre-serialised template rather than built and dumped as a dict.
"""
import argparse
import gzip
import json
import random
import sys

# id, severity, resource kind, ASFF resource type, standards, related requirements
# (standards and CIS v3.0.0 / PCI DSS v4.0.1 requirements as Security Hub relates them)
CONTROLS = [
    ('S3.1', 'MEDIUM', 'account', 'AwsAccount', ['aws-foundational-security-best-practices/v/1.0.0', 'cis-aws-foundations-benchmark/v/3.0.0', 'pci-dss/v/4.0.1'], ['CIS AWS Foundations Benchmark v3.0.0/2.1.4', 'PCI DSS v4.0.1/1.4.4']),
    ('S3.5', 'MEDIUM', 'bucket', 'AwsS3Bucket', ['aws-foundational-security-best-practices/v/1.0.0', 'cis-aws-foundations-benchmark/v/3.0.0', 'pci-dss/v/4.0.1'], ['CIS AWS Foundations Benchmark v3.0.0/2.1.1', 'PCI DSS v4.0.1/4.2.1']),
    ('S3.8', 'HIGH', 'bucket', 'AwsS3Bucket', ['aws-foundational-security-best-practices/v/1.0.0', 'cis-aws-foundations-benchmark/v/3.0.0', 'pci-dss/v/4.0.1'], ['CIS AWS Foundations Benchmark v3.0.0/2.1.4', 'PCI DSS v4.0.1/1.4.4']),
    ('S3.9', 'MEDIUM', 'bucket', 'AwsS3Bucket', ['aws-foundational-security-best-practices/v/1.0.0'], []),
    ('EC2.2', 'HIGH', 'sg', 'AwsEc2SecurityGroup', ['aws-foundational-security-best-practices/v/1.0.0', 'cis-aws-foundations-benchmark/v/3.0.0'], ['CIS AWS Foundations Benchmark v3.0.0/5.4']),
    ('EC2.6', 'MEDIUM', 'vpc', 'AwsEc2Vpc', ['aws-foundational-security-best-practices/v/1.0.0', 'cis-aws-foundations-benchmark/v/3.0.0'], ['CIS AWS Foundations Benchmark v3.0.0/3.7']),
    ('EC2.7', 'MEDIUM', 'account', 'AwsAccount', ['aws-foundational-security-best-practices/v/1.0.0', 'cis-aws-foundations-benchmark/v/3.0.0'], ['CIS AWS Foundations Benchmark v3.0.0/2.2.1']),
    ('EC2.18', 'HIGH', 'sg', 'AwsEc2SecurityGroup', ['aws-foundational-security-best-practices/v/1.0.0'], []),
    ('EC2.19', 'CRITICAL', 'sg', 'AwsEc2SecurityGroup', ['aws-foundational-security-best-practices/v/1.0.0'], []),
    ('EC2.53', 'HIGH', 'sg', 'AwsEc2SecurityGroup', ['aws-foundational-security-best-practices/v/1.0.0', 'cis-aws-foundations-benchmark/v/3.0.0', 'pci-dss/v/4.0.1'], ['CIS AWS Foundations Benchmark v3.0.0/5.2', 'PCI DSS v4.0.1/1.3.1']),
    ('IAM.3', 'MEDIUM', 'key', 'AwsIamAccessKey', ['aws-foundational-security-best-practices/v/1.0.0', 'cis-aws-foundations-benchmark/v/3.0.0', 'pci-dss/v/4.0.1'], ['CIS AWS Foundations Benchmark v3.0.0/1.14', 'PCI DSS v4.0.1/8.3.9', 'PCI DSS v4.0.1/8.6.3']),
    ('IAM.4', 'CRITICAL', 'account', 'AwsAccount', ['aws-foundational-security-best-practices/v/1.0.0', 'cis-aws-foundations-benchmark/v/3.0.0'], ['CIS AWS Foundations Benchmark v3.0.0/1.4']),
    ('IAM.6', 'CRITICAL', 'account', 'AwsAccount', ['aws-foundational-security-best-practices/v/1.0.0', 'cis-aws-foundations-benchmark/v/3.0.0', 'pci-dss/v/4.0.1'], ['CIS AWS Foundations Benchmark v3.0.0/1.6', 'PCI DSS v4.0.1/8.4.2']),
    ('IAM.9', 'MEDIUM', 'account', 'AwsAccount', ['aws-foundational-security-best-practices/v/1.0.0', 'cis-aws-foundations-benchmark/v/3.0.0', 'pci-dss/v/4.0.1'], ['CIS AWS Foundations Benchmark v3.0.0/1.5', 'PCI DSS v4.0.1/8.4.2']),
    ('IAM.22', 'MEDIUM', 'user', 'AwsIamUser', ['aws-foundational-security-best-practices/v/1.0.0', 'cis-aws-foundations-benchmark/v/3.0.0'], ['CIS AWS Foundations Benchmark v3.0.0/1.12']),
    ('CloudTrail.1', 'HIGH', 'account', 'AwsAccount', ['aws-foundational-security-best-practices/v/1.0.0', 'cis-aws-foundations-benchmark/v/3.0.0'], ['CIS AWS Foundations Benchmark v3.0.0/3.1']),
    ('CloudTrail.2', 'MEDIUM', 'trail', 'AwsCloudTrailTrail', ['aws-foundational-security-best-practices/v/1.0.0', 'cis-aws-foundations-benchmark/v/3.0.0'], ['CIS AWS Foundations Benchmark v3.0.0/3.5']),
    ('CloudTrail.4', 'LOW', 'trail', 'AwsCloudTrailTrail', ['aws-foundational-security-best-practices/v/1.0.0', 'cis-aws-foundations-benchmark/v/3.0.0'], ['CIS AWS Foundations Benchmark v3.0.0/3.2']),
    ('Config.1', 'MEDIUM', 'account', 'AwsAccount', ['aws-foundational-security-best-practices/v/1.0.0', 'cis-aws-foundations-benchmark/v/3.0.0'], ['CIS AWS Foundations Benchmark v3.0.0/3.3']),
    ('KMS.4', 'MEDIUM', 'kms', 'AwsKmsKey', ['aws-foundational-security-best-practices/v/1.0.0', 'cis-aws-foundations-benchmark/v/3.0.0'], ['CIS AWS Foundations Benchmark v3.0.0/3.6']),
    ('RDS.3', 'MEDIUM', 'rds', 'AwsRdsDbInstance', ['aws-foundational-security-best-practices/v/1.0.0', 'cis-aws-foundations-benchmark/v/3.0.0'], ['CIS AWS Foundations Benchmark v3.0.0/2.3.1']),
    ('GuardDuty.1', 'HIGH', 'account', 'AwsAccount', ['aws-foundational-security-best-practices/v/1.0.0'], []),
    ('Lambda.1', 'CRITICAL', 'lambda', 'AwsLambdaFunction', ['aws-foundational-security-best-practices/v/1.0.0'], []),
    ('EFS.1', 'MEDIUM', 'efs', 'AwsEfsFileSystem', ['aws-foundational-security-best-practices/v/1.0.0', 'cis-aws-foundations-benchmark/v/3.0.0'], ['CIS AWS Foundations Benchmark v3.0.0/2.4.1']),
    ('SSM.1', 'MEDIUM', 'instance', 'AwsEc2Instance', ['aws-foundational-security-best-practices/v/1.0.0'], []),
    ('ELB.6', 'MEDIUM', 'elb', 'AwsElbv2LoadBalancer', ['aws-foundational-security-best-practices/v/1.0.0'], []),
]

GD_TYPES = [
    ("UnauthorizedAccess:EC2/SSHBruteForce", "MEDIUM", "instance", "AwsEc2Instance"),
    ("CryptoCurrency:EC2/BitcoinTool.B!DNS", "HIGH", "instance", "AwsEc2Instance"),
    ("UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS", "HIGH", "key", "AwsIamAccessKey"),
    ("Recon:EC2/PortProbeUnprotectedPort", "LOW", "instance", "AwsEc2Instance"),
]

LOREM = ("This control checks the configuration of the resource against the expected secure baseline "
         "and fails when the setting is missing or weaker than required. Review the resource, apply "
         "the recommended configuration and re-evaluate. ")


# share of a control's findings that pass in one account
LEVELS = [1.0, 1.0, 1.0, 1.0, 1.0, 0.97, 0.9, 0.6, 0.0]


def hash_int(s):
    import zlib
    return zlib.crc32(s.encode())


def resource_id(kind, account, region, rng):
    h = "%016x" % rng.getrandbits(64)
    return {
        "account": "AWS::::Account:%s" % account,
        "bucket": "arn:aws:s3:::bucket-%s-%s" % (account[-4:], h[:10]),
        "sg": "arn:aws:ec2:%s:%s:security-group/sg-%s" % (region, account, h[:17]),
        "vpc": "arn:aws:ec2:%s:%s:vpc/vpc-%s" % (region, account, h[:17]),
        "key": "AWS::IAM::AccessKey:AKIA%s" % h.upper()[:16],
        "user": "arn:aws:iam::%s:user/user-%s" % (account, h[:8]),
        "trail": "arn:aws:cloudtrail:%s:%s:trail/trail-%s" % (region, account, h[:6]),
        "kms": "arn:aws:kms:%s:%s:key/%s-%s-%s-%s-%s" % (region, account, h[:8], h[8:12], h[12:16], h[:4], h[4:16]),
        "rds": "arn:aws:rds:%s:%s:db:db-%s" % (region, account, h[:10]),
        "lambda": "arn:aws:lambda:%s:%s:function:fn-%s" % (region, account, h[:10]),
        "efs": "arn:aws:elasticfilesystem:%s:%s:file-system/fs-%s" % (region, account, h[:8]),
        "instance": "arn:aws:ec2:%s:%s:instance/i-%s" % (region, account, h[:17]),
        "elb": "arn:aws:elasticloadbalancing:%s:%s:loadbalancer/app/lb-%s/%s" % (region, account, h[:6], h[6:16]),
    }[kind]


def ts(rng, base=1763000000, spread=5000000):
    import datetime
    t = base + rng.randrange(spread)
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
        "%03dZ" % rng.randrange(1000)


def control_finding(rng, account, region, ctl, status=None):
    cid, sev, kind, rtype, stds, reqs = ctl
    fid = "%08x-%04x-4%03x-%04x-%012x" % (rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(12),
                                         0x8000 | rng.getrandbits(14), rng.getrandbits(48))
    if not status:
        # each account keeps most controls consistently passing and a few
        # failing, as real estates do (stable per account and control)
        level = LEVELS[hash_int("%s/%s" % (account, cid)) % len(LEVELS)]
        roll = rng.random()
        status = "PASSED" if roll < level else ("NOT_AVAILABLE" if roll > 0.995 else
                                                 "WARNING" if roll > 0.99 else "FAILED")
    created = ts(rng)
    updated = ts(rng, 1768000000, 3000000)
    rid = resource_id(kind, account, region, rng)
    label = sev if status != "PASSED" else "INFORMATIONAL"
    return {
        "SchemaVersion": "2018-10-08",
        "Id": "arn:aws:securityhub:%s:%s:security-control/%s/finding/%s" % (region, account, cid, fid),
        "ProductArn": "arn:aws:securityhub:%s::product/aws/securityhub" % region,
        "ProductName": "Security Hub", "CompanyName": "AWS", "Region": region,
        "GeneratorId": "security-control/%s" % cid, "AwsAccountId": account,
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
        "FirstObservedAt": created, "LastObservedAt": updated, "CreatedAt": created, "UpdatedAt": updated,
        "Severity": {"Label": label, "Normalized": {"INFORMATIONAL": 0, "LOW": 1, "MEDIUM": 40, "HIGH": 70, "CRITICAL": 90}[label],
                     "Original": label},
        "Title": "%s control evaluation for %s" % (cid, rtype),
        "Description": LOREM + LOREM[:rng.randrange(60, len(LOREM))],
        "Remediation": {"Recommendation": {"Text": "See the Security Hub controls reference for %s." % cid,
                                           "Url": "https://docs.aws.amazon.com/console/securityhub/%s/remediation" % cid}},
        "ProductFields": {"RelatedAWSResources:0/name": "securityhub-%s-%08x" % (cid.lower().replace(".", "-"), rng.getrandbits(32)),
                          "RelatedAWSResources:0/type": "AWS::Config::ConfigRule",
                          "aws/securityhub/ProductName": "Security Hub", "aws/securityhub/CompanyName": "AWS",
                          "Resources:0/Id": rid,
                          "aws/securityhub/FindingId": "arn:aws:securityhub:%s::product/aws/securityhub/%s" % (region, fid)},
        "Resources": [{"Type": rtype, "Id": rid, "Partition": "aws", "Region": region,
                       "Tags": {"team": rng.choice(["payments", "data", "platform", "web"]),
                                "env": rng.choice(["prod", "dev", "staging"])}}],
        "Compliance": {"Status": status, "SecurityControlId": cid,
                       "AssociatedStandards": [{"StandardsId": "standards/%s" % s} for s in stds],
                       "RelatedRequirements": reqs + ["NIST.800-53.r5 AC-3", "NIST.800-53.r5 CM-6"]},
        "WorkflowState": "NEW", "Workflow": {"Status": "RESOLVED" if status == "PASSED" else "NEW"},
        "RecordState": "ACTIVE",
        "FindingProviderFields": {"Severity": {"Label": label, "Original": label},
                                  "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"]},
        "ProcessedAt": updated,
    }


def guardduty_finding(rng, account, region):
    gtype, sev, kind, rtype = rng.choice(GD_TYPES)
    did = "%032x" % rng.getrandbits(128)
    created = ts(rng)
    updated = ts(rng, 1768000000, 3000000)
    rid = resource_id(kind, account, region, rng)
    return {
        "SchemaVersion": "2018-10-08",
        "Id": "arn:aws:guardduty:%s:%s:detector/%s/finding/%032x" % (region, account, did, rng.getrandbits(128)),
        "ProductArn": "arn:aws:securityhub:%s::product/aws/guardduty" % region,
        "ProductName": "GuardDuty", "CompanyName": "Amazon", "Region": region,
        "GeneratorId": "arn:aws:guardduty:%s:%s:detector/%s" % (region, account, did),
        "AwsAccountId": account, "Types": ["TTPs/%s" % gtype.replace("/", "-")],
        "FirstObservedAt": created, "LastObservedAt": updated, "CreatedAt": created, "UpdatedAt": updated,
        "Severity": {"Label": sev, "Normalized": {"LOW": 20, "MEDIUM": 50, "HIGH": 80}[sev], "Product": 5},
        "Title": "GuardDuty: %s" % gtype, "Description": "Suspicious activity was observed. " + LOREM,
        "ProductFields": {"aws/guardduty/service/action/actionType": "NETWORK_CONNECTION",
                          "aws/guardduty/service/count": str(rng.randrange(1, 50)),
                          "aws/securityhub/ProductName": "GuardDuty", "aws/securityhub/CompanyName": "Amazon"},
        "Resources": [{"Type": rtype, "Id": rid, "Partition": "aws", "Region": region}],
        "WorkflowState": "NEW", "Workflow": {"Status": "NEW"}, "RecordState": "ACTIVE",
        "Network": {"Direction": "IN", "RemoteIpV4": "198.51.100.%d" % rng.randrange(1, 255)},
    }


def bad_finding(rng, f):
    kind = rng.randrange(5)
    f = dict(f)
    if kind == 0:
        del f["Id"]
    elif kind == 1:
        f["AwsAccountId"] = 123456789012
    elif kind == 2:
        f["Title"] = "x" * (1 << 20)
    elif kind == 3:
        f["UpdatedAt"] = "not-a-date"
    else:
        f["Resources"] = "none"
    return f


def generate(spec):
    """Yields findings for a scenario's "generate" spec (also the CLI's)."""
    rng = random.Random(spec.get("seed", 1))
    accounts = spec.get("accounts", ["222222222222", "333333333333", "444444444444"])
    regions = spec.get("regions", ["us-east-1", "eu-west-1"])
    gd = float(spec.get("guardduty_rate", 0.03))
    bad = float(spec.get("bad_rate", 0))
    passing = set(spec.get("passing_controls", []))  # these always pass
    # Security Hub keeps one finding per control and resource: an
    # account-level control has one resource per account and region, so it
    # is drawn at most once there (another control is drawn instead)
    drawn = set()
    # "per_source": N: exactly N findings in each account and region (the
    # scale-out bench), else "count" spread at random
    per = spec.get("per_source")
    if per:
        where = ((a, r) for a in accounts for r in regions for _ in range(int(per)))
    else:  # drawn one by one, between the draws below, as always
        where = ((rng.choice(accounts), rng.choice(regions)) for _ in range(int(spec.get("count", 100))))
    for a, r in where:
        if rng.random() < gd:
            f = guardduty_finding(rng, a, r)
        else:
            ctl = rng.choice(CONTROLS)
            while ctl[2] == "account" and (a, r, ctl[0]) in drawn:
                ctl = rng.choice(CONTROLS)
            if ctl[2] == "account":
                drawn.add((a, r, ctl[0]))
            f = control_finding(rng, a, r, ctl, "PASSED" if ctl[0] in passing else None)
        if bad and rng.random() < bad:
            f = bad_finding(rng, f)
        yield f


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--accounts", default="222222222222,333333333333,444444444444")
    ap.add_argument("--regions", default="us-east-1,eu-west-1")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--guardduty-rate", type=float, default=0.03)
    ap.add_argument("--bad-rate", type=float, default=0.0)
    ap.add_argument("--format", choices=["jsonl", "array", "response"], default="jsonl")
    ap.add_argument("-o", "--output", default="-")
    a = ap.parse_args(argv)
    spec = {"count": a.count, "accounts": a.accounts.split(","), "regions": a.regions.split(","),
            "seed": a.seed, "guardduty_rate": a.guardduty_rate, "bad_rate": a.bad_rate}
    if a.output == "-":
        out = sys.stdout
    elif a.output.endswith(".gz"):
        out = gzip.open(a.output, "wt", compresslevel=1)
    else:
        out = open(a.output, "w")
    dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    if a.format == "response":
        out.write('{"Findings":[')
    elif a.format == "array":
        out.write("[")
    for i, f in enumerate(generate(spec)):
        if a.format == "jsonl":
            out.write(dumps(f))
            out.write("\n")
        else:
            if i:
                out.write(",\n")
            out.write(dumps(f))
    if a.format == "response":
        out.write('],"NextToken":null}\n')
    elif a.format == "array":
        out.write("]\n")
    if out is not sys.stdout:
        out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
