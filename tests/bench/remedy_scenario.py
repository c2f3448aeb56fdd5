#!/usr/bin/python3
"""remedy_scenario.py - `make bench`: the simulator scenario for applying
remediation actions at AWS's documented rate limits (tests/bench/remedy.sh).

    remedy_scenario.py ACTIONS ACCOUNTS > scenario.json

ACTIONS EC2 instances without IMDSv2 (EC2.8), spread round-robin over
ACCOUNTS member accounts in us-east-1, each with its failing finding, and
the rate limits the simulator enforces per account and region:
  - EC2 (Amazon EC2 API reference, "Request throttling"): non-mutating
    actions a bucket of 100, refilled 20 a second; mutating actions 200,
    refilled 5 a second;
  - Security Hub (its service quotas): BatchUpdateFindings 10 a second,
    burst 30; GetFindings 3 a second, burst 6.
Printed on stderr: the limits as JSON, for the floor computation.
"""
import json
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "awssim"))
import gen_findings  # noqa: E402

REGION = "us-east-1"
LIMITS = {
    "ec2.non-mutating": {"rate": 20, "burst": 100, "operations": ["ec2.DescribeInstances"],
                         "error": ["RequestLimitExceeded", 503]},
    "ec2.mutating": {"rate": 5, "burst": 200, "operations": ["ec2.ModifyInstanceMetadataOptions"],
                     "error": ["RequestLimitExceeded", 503]},
    "securityhub.BatchUpdateFindings": {"rate": 10, "burst": 30},
    "securityhub.GetFindings": {"rate": 3, "burst": 6},
}


def main(argv):
    n, na = int(argv[1]), int(argv[2])
    rng = random.Random(5)
    accounts = ["%012d" % (555500000000 + i) for i in range(na)]
    roles = lambda: [{"name": "HubwardenAudit", "trusted_accounts": ["222222222222"]},
                     {"name": "HubwardenRemediation", "trusted_accounts": ["222222222222"]}]
    scen = {
        "partition": "aws",
        "organization": {"id": "o-benchremedy", "management_account": "111111111111",
                         "delegated_admins": ["222222222222"], "root": {"id": "r-ab12", "name": "Root"},
                         "ous": []},
        "accounts": [{"id": "111111111111", "name": "management", "status": "ACTIVE", "parent": "r-ab12"},
                     {"id": "222222222222", "name": "audit", "status": "ACTIVE", "parent": "r-ab12",
                      "roles": roles(), "users": [{"name": "hubwarden", "access_keys": [
                          {"id": "AKIAHUBWARDENBENCH01", "secret": "benchsecretbenchsecretbenchsecret000001"}]}]}] +
                    [{"id": a, "name": "member-%d" % i, "email": "m%d@example.com" % i, "status": "ACTIVE",
                      "parent": "r-ab12", "roles": roles()} for i, a in enumerate(accounts)],
        "resources": {a: {"regions": {REGION: {"instances": {}}}} for a in accounts},
        "securityhub": {"aggregator": {"account": "222222222222", "region": REGION, "linked_regions": []},
                        "findings": []},
        "rate_limits": LIMITS,
    }
    ctl = next(c for c in gen_findings.CONTROLS if c[0] == "SSM.1")  # an instance control's shape
    for i in range(n):
        a = accounts[i % na]
        iid = "i-%017x" % (0xbe0000000 + i)
        scen["resources"][a]["regions"][REGION]["instances"][iid] = {}
        f = gen_findings.control_finding(rng, a, REGION, ("EC2.8", "HIGH") + ctl[2:], "FAILED")
        rid = "arn:aws:ec2:%s:%s:instance/%s" % (REGION, a, iid)
        f["Resources"][0]["Id"] = rid
        f["ProductFields"]["Resources:0/Id"] = rid
        scen["securityhub"]["findings"].append(f)
    json.dump(scen, sys.stdout)
    json.dump(LIMITS, sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
