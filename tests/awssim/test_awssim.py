"""test_awssim.py - the simulator checked by AWS's own client.

Drives tests/awssim/awssim.py with Debian's awscli (/usr/bin/aws, its own
botocore) through --endpoint-url, with AWS_DATA_PATH pointing at the current
models, for a few calls per service: signatures, model validation, errors,
pagination, multi-account isolation, rate limits and injected faults.

Run from the repository root:
    /usr/bin/python3 -m unittest discover -s tests/awssim -p 'test_*.py'
"""
import json
import os
import subprocess
import tempfile
import time
import unittest
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCENARIO = os.path.join(ROOT, "tests", "data", "awssim", "basic.json")
MODELS = os.environ.get("AWSSIM_MODELS") or os.path.join(ROOT, ".build", "models")
AWS = "/usr/bin/aws"
KEY, SECRET = "AKIAHUBWARDENTEST001", "testsecretkeytestsecretkey0000000000001"


class Sim:
    def __init__(self, *extra, scenario=SCENARIO):
        self.dir = tempfile.mkdtemp(prefix="awssim-test-")
        port_file = os.path.join(self.dir, "port")
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(ROOT, "tests", "awssim", "awssim.py"), "--scenario", scenario,
             "--port-file", port_file, "--models", MODELS, "--quiet"] + list(extra),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(200):
            if os.path.exists(port_file):
                break
            if self.proc.poll() is not None:
                raise RuntimeError("simulator exited: %s" % self.proc.stderr.read().decode())
            time.sleep(0.05)
        self.url = "http://127.0.0.1:%s" % open(port_file).read().strip()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(5)
        self.proc.stderr.close()

    def control(self, path, body=None):
        req = urllib.request.Request(self.url + path, data=json.dumps(body).encode() if body is not None else None,
                                     method="POST" if body is not None else "GET")
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read())


def aws(sim, *args, key=KEY, secret=SECRET, token=None, region="us-east-1"):
    env = {"PATH": "/usr/bin:/bin", "HOME": sim.dir, "AWS_ACCESS_KEY_ID": key,
           "AWS_SECRET_ACCESS_KEY": secret, "AWS_DEFAULT_REGION": region, "AWS_DATA_PATH": MODELS,
           "AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard", "AWS_PAGER": ""}
    if token:
        env["AWS_SESSION_TOKEN"] = token
    p = subprocess.run([AWS, "--endpoint-url", sim.url, "--output", "json"] + list(args),
                       env=env, capture_output=True, text=True, timeout=60)
    out = json.loads(p.stdout) if p.returncode == 0 and p.stdout.strip() else None
    return p.returncode, out, p.stderr


def raw(sim, service, path, body, headers, key=KEY, secret=SECRET):
    """Signs with botocore and sends with urllib: for requests awscli refuses."""
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    import urllib.error
    req = botocore.awsrequest.AWSRequest("POST", sim.url + path, data=body, headers=headers)
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(key, secret), service, "us-east-1").add_auth(req)
    p = req.prepare()
    data = p.body.encode() if isinstance(p.body, str) else p.body
    r = urllib.request.Request(p.url, data=data, headers=dict(p.headers), method="POST")
    try:
        with urllib.request.urlopen(r) as resp:
            return resp.status, resp.read().decode(), ""
    except urllib.error.HTTPError as e:
        return e.code, None, e.read().decode()


@unittest.skipUnless(os.path.exists(AWS), "Debian's awscli (/usr/bin/aws) is not installed")
class AwsCliTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.isdir(os.path.join(MODELS, "securityhub")):
            raise unittest.SkipTest("current models not laid out in %s (run make models)" % MODELS)
        cls.sim = Sim("--no-rate-limit")

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def test_sts_identity_and_assume_role(self):
        rc, out, err = aws(self.sim, "sts", "get-caller-identity")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["Account"], "222222222222")
        rc, out, err = aws(self.sim, "sts", "assume-role", "--role-arn",
                           "arn:aws:iam::444444444444:role/HubwardenAudit", "--role-session-name", "hubwarden-test")
        self.assertEqual(rc, 0, err)
        c = out["Credentials"]
        rc, me, err = aws(self.sim, "sts", "get-caller-identity", key=c["AccessKeyId"],
                          secret=c["SecretAccessKey"], token=c["SessionToken"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(me["Account"], "444444444444")
        self.assertIn("assumed-role/HubwardenAudit/hubwarden-test", me["Arn"])
        # the member's credentials see only its own findings
        rc, out, err = aws(self.sim, "securityhub", "get-findings", "--max-items", "1000", key=c["AccessKeyId"],
                           secret=c["SecretAccessKey"], token=c["SessionToken"])
        self.assertEqual(rc, 0, err)
        self.assertTrue(out["Findings"])
        self.assertEqual({f["AwsAccountId"] for f in out["Findings"]}, {"444444444444"})
        self.assertEqual({f["Region"] for f in out["Findings"]}, {"us-east-1"})
        # without the session token the temporary key is refused
        rc, _, err = aws(self.sim, "sts", "get-caller-identity", key=c["AccessKeyId"], secret=c["SecretAccessKey"])
        self.assertNotEqual(rc, 0)
        self.assertIn("InvalidClientTokenId", err)

    def test_assume_role_refusals(self):
        rc, _, err = aws(self.sim, "sts", "assume-role", "--role-arn",
                         "arn:aws:iam::333333333333:role/HubwardenAudit", "--role-session-name", "x1")
        self.assertNotEqual(rc, 0)
        self.assertIn("AccessDenied", err)  # external id required
        rc, _, err = aws(self.sim, "sts", "assume-role", "--role-arn",
                         "arn:aws:iam::333333333333:role/HubwardenAudit", "--role-session-name", "x1",
                         "--external-id", "hw-ext-1")
        self.assertEqual(rc, 0, err)
        rc, _, err = aws(self.sim, "sts", "assume-role", "--role-arn",
                         "arn:aws:iam::444444444444:role/Nope", "--role-session-name", "x1")
        self.assertIn("AccessDenied", err)

    def test_wrong_secret(self):
        rc, _, err = aws(self.sim, "sts", "get-caller-identity", secret="wrong" + SECRET[5:])
        self.assertNotEqual(rc, 0)
        self.assertIn("SignatureDoesNotMatch", err)
        rc, _, err = aws(self.sim, "securityhub", "get-findings", secret="wrong" + SECRET[5:])
        self.assertIn("InvalidSignatureException", err)
        rc, _, err = aws(self.sim, "organizations", "list-roots", key="AKIAUNKNOWN000000000")
        self.assertIn("UnrecognizedClientException", err)

    def test_organizations(self):
        rc, out, err = aws(self.sim, "organizations", "list-accounts")
        self.assertEqual(rc, 0, err)
        by_id = {a["Id"]: a["Status"] for a in out["Accounts"]}
        self.assertEqual(by_id["555555555555"], "SUSPENDED")
        self.assertEqual(len(by_id), 5)
        rc, out, err = aws(self.sim, "organizations", "list-roots")
        root = out["Roots"][0]["Id"]
        rc, out, err = aws(self.sim, "organizations", "list-organizational-units-for-parent", "--parent-id", root)
        self.assertEqual(sorted(o["Name"] for o in out["OrganizationalUnits"]), ["Dev", "Prod"])
        rc, _, err = aws(self.sim, "organizations", "list-accounts-for-parent", "--parent-id", "ou-ab12-nope0000")
        self.assertIn("ParentNotFoundException", err)
        # a member account is not the management account or a delegated admin
        rc, out, err = aws(self.sim, "sts", "assume-role", "--role-arn",
                           "arn:aws:iam::444444444444:role/HubwardenAudit", "--role-session-name", "o1")
        c = out["Credentials"]
        rc, _, err = aws(self.sim, "organizations", "list-accounts", key=c["AccessKeyId"],
                         secret=c["SecretAccessKey"], token=c["SessionToken"])
        self.assertIn("AccessDeniedException", err)

    def test_securityhub_filters_pagination_and_updates(self):
        rc, out, err = aws(self.sim, "securityhub", "get-findings", "--filters",
                           json.dumps({"ComplianceSecurityControlId": [{"Value": "S3.8", "Comparison": "EQUALS"}],
                                       "ComplianceStatus": [{"Value": "FAILED", "Comparison": "EQUALS"}]}),
                           "--page-size", "3")
        self.assertEqual(rc, 0, err)
        fs = out["Findings"]
        self.assertTrue(fs)
        self.assertTrue(all(f["Compliance"]["SecurityControlId"] == "S3.8" and
                            f["Compliance"]["Status"] == "FAILED" for f in fs))
        rc, out, err = aws(self.sim, "securityhub", "get-findings", "--max-items", "10000")
        total = len(out["Findings"])
        self.assertEqual(total, 250)  # aggregator: every member, both regions
        ident = [{"Id": fs[0]["Id"], "ProductArn": fs[0]["ProductArn"]},
                 {"Id": "nope", "ProductArn": fs[0]["ProductArn"]}]
        rc, out, err = aws(self.sim, "securityhub", "batch-update-findings", "--finding-identifiers",
                           json.dumps(ident), "--workflow", "Status=NOTIFIED")
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(out["ProcessedFindings"]), 1)
        self.assertEqual(out["UnprocessedFindings"][0]["ErrorCode"], "FindingNotFound")
        too_many = [{"Id": "f%d" % i, "ProductArn": fs[0]["ProductArn"]} for i in range(101)]
        rc, _, err = aws(self.sim, "securityhub", "batch-update-findings", "--finding-identifiers",
                         json.dumps(too_many), "--workflow", "Status=NOTIFIED")
        self.assertNotEqual(rc, 0)

    def test_security_control_status(self):
        # awscli parses the answer with the current model: every required member is there
        rc, out, err = aws(self.sim, "securityhub", "batch-get-security-controls",
                           "--security-control-ids", "S3.8", "IAM.6", "no such control")
        self.assertEqual(rc, 0, err)
        self.assertEqual([(c["SecurityControlId"], c["SecurityControlStatus"]) for c in out["SecurityControls"]],
                         [("S3.8", "ENABLED"), ("IAM.6", "ENABLED")])
        self.assertEqual(out["UnprocessedIds"][0]["ErrorCode"], "NOT_FOUND")
        # disabled per account, or per account and region, as the scenario says
        with open(SCENARIO) as f:
            scen = json.load(f)
        scen["securityhub"]["disabled_controls"] = {"222222222222": ["IAM.6"],
                                                    "222222222222:eu-west-1": ["S3.8"]}
        path = os.path.join(self.sim.dir, "disabled.json")
        with open(path, "w") as f:
            json.dump(scen, f)
        sim = Sim("--no-rate-limit", "--scenario", path)
        try:
            for region, want in (("us-east-1", ["ENABLED", "DISABLED"]),
                                 ("eu-west-1", ["DISABLED", "DISABLED"])):
                rc, out, err = aws(sim, "securityhub", "batch-get-security-controls",
                                   "--security-control-ids", "S3.8", "IAM.6", region=region)
                self.assertEqual(rc, 0, err)
                self.assertEqual([c["SecurityControlStatus"] for c in out["SecurityControls"]], want)
        finally:
            sim.stop()

    def test_config_aggregate_resource_counts(self):
        # the Organization's aggregator in the audit account: per account,
        # per resource type, paged; awscli checks the answer against the model
        args = ("configservice", "get-aggregate-discovered-resource-counts",
                "--configuration-aggregator-name", "OrgAggregator", "--group-by-key", "ACCOUNT_ID")
        rc, out, err = aws(self.sim, *args, "--filters", "ResourceType=AWS::S3::Bucket")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["TotalDiscoveredResources"], 4)
        self.assertEqual(out["GroupedResourceCounts"],
                         [{"GroupName": "333333333333", "ResourceCount": 3},
                          {"GroupName": "444444444444", "ResourceCount": 1}])
        rc, out, err = aws(self.sim, *args, "--filters", "ResourceType=AWS::EC2::Instance")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["GroupedResourceCounts"], [{"GroupName": "333333333333", "ResourceCount": 2}])
        rc, out, err = aws(self.sim, *args, "--filters", "ResourceType=AWS::EFS::FileSystem")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["GroupedResourceCounts"], [])
        rc, out, err = aws(self.sim, *args, "--limit", "1")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["GroupedResourceCounts"], [{"GroupName": "333333333333", "ResourceCount": 17}])
        rc, out2, err = aws(self.sim, *args, "--limit", "1", "--next-token", out["NextToken"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(out2["GroupedResourceCounts"], [{"GroupName": "444444444444", "ResourceCount": 6}])
        self.assertNotIn("NextToken", out2)
        # another name, or another region: no such aggregator
        rc, out, err = aws(self.sim, "configservice", "get-aggregate-discovered-resource-counts",
                           "--configuration-aggregator-name", "Other")
        self.assertNotEqual(rc, 0)
        self.assertIn("NoSuchConfigurationAggregatorException", err)
        rc, out, err = aws(self.sim, *args, region="eu-west-1")
        self.assertIn("NoSuchConfigurationAggregatorException", err)

    def test_page_token_reusable(self):
        # a client retrying a page after a broken response asks with the same token
        rc, body, err = raw(self.sim, "securityhub", "/findings", '{"MaxResults": 5}',
                            {"Content-Type": "application/json"})
        self.assertEqual(rc, 200, err)
        tok = json.loads(body)["NextToken"]
        req = json.dumps({"MaxResults": 5, "NextToken": tok})
        first = raw(self.sim, "securityhub", "/findings", req, {"Content-Type": "application/json"})
        again = raw(self.sim, "securityhub", "/findings", req, {"Content-Type": "application/json"})
        self.assertEqual(first[0], 200)
        self.assertEqual([f["Id"] for f in json.loads(first[1])["Findings"]],
                         [f["Id"] for f in json.loads(again[1])["Findings"]])
        rc, _, err = raw(self.sim, "securityhub", "/findings", json.dumps({"NextToken": "bogus"}),
                         {"Content-Type": "application/json"})
        self.assertEqual(rc, 400)
        self.assertIn("InvalidInputException", err)

    def test_validation_errors(self):
        # a wrong enum value: the server says so, in Security Hub's format
        rc, _, err = self.raw_get_findings({"SortCriteria": [{"Field": "UpdatedAt", "SortOrder": "sideways"}]})
        self.assertEqual(rc, 400)
        self.assertIn("InvalidInputException", err)
        rc, _, err = self.raw_get_findings({"MaxResults": "ten"})
        self.assertEqual(rc, 400)
        # Query protocol: a member shorter than the model's minimum, a missing one
        form = "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A444444444444%3Arole%2FHubwardenAudit" \
               "&RoleSessionName=x&Version=2011-06-15"
        rc, _, err = raw(self.sim, "sts", "/", form, {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(rc, 400)
        self.assertIn("<Code>ValidationError</Code>", err)
        form = "Action=AssumeRole&RoleSessionName=xyz&Version=2011-06-15"
        rc, _, err = raw(self.sim, "sts", "/", form, {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertIn("Missing required parameter", err)

    def raw_get_findings(self, body):
        """A signed request that awscli itself would refuse to send."""
        return raw(self.sim, "securityhub", "/findings", json.dumps(body), {"Content-Type": "application/json"})

    def test_unknown_operation(self):
        rc, _, err = raw(self.sim, "organizations", "/", "{}",
                         {"Content-Type": "application/x-amz-json-1.1",
                          "X-Amz-Target": "AWSOrganizationsV20161128.FlyToTheMoon"})
        self.assertEqual(rc, 400)
        self.assertIn("UnknownOperationException", err)


@unittest.skipUnless(os.path.exists(AWS), "Debian's awscli (/usr/bin/aws) is not installed")
class RateLimitTests(unittest.TestCase):
    def test_get_findings_rate_limit(self):
        if not os.path.isdir(os.path.join(MODELS, "securityhub")):
            self.skipTest("current models not laid out")
        sim = Sim()
        try:
            codes = [raw(sim, "securityhub", "/findings", '{"MaxResults": 1}',
                         {"Content-Type": "application/json"})[0] for _ in range(12)]
            # burst 6, then 3 a second: twelve quick calls cannot all pass
            self.assertEqual(codes[:6], [200] * 6)
            self.assertIn(429, codes)
            self.assertGreater(sim.control("/_awssim/stats")["throttled"], 0)
            rc, _, err = aws(sim, "securityhub", "get-findings", "--max-results", "1", "--no-paginate")
        finally:
            sim.stop()


@unittest.skipUnless(os.path.exists(AWS), "Debian's awscli (/usr/bin/aws) is not installed")
class ResourceTests(unittest.TestCase):
    """The resource state remediations use (tests/data/awssim/remedy.json),
    read and changed by awscli in a member account through AssumeRole."""

    @classmethod
    def setUpClass(cls):
        if not os.path.isdir(os.path.join(MODELS, "s3control")):
            raise unittest.SkipTest("current models not laid out in %s (run make models)" % MODELS)
        cls.sim = Sim("--no-rate-limit", scenario=os.path.join(ROOT, "tests", "data", "awssim", "remedy.json"))
        rc, out, err = aws(cls.sim, "sts", "assume-role", "--role-arn",
                           "arn:aws:iam::333333333333:role/HubwardenRemediation",
                           "--role-session-name", "remedy-test", "--external-id", "hw-remedy-1")
        assert rc == 0, err
        c = out["Credentials"]
        cls.creds = {"key": c["AccessKeyId"], "secret": c["SecretAccessKey"], "token": c["SessionToken"]}

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def member(self, *args):
        return aws(self.sim, *args, **self.creds)

    def test_s3_bucket_public_access_block(self):
        rc, _, err = self.member("s3api", "get-public-access-block", "--bucket", "prod-public-data")
        self.assertNotEqual(rc, 0)
        self.assertIn("NoSuchPublicAccessBlockConfiguration", err)
        cfg = "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=false,RestrictPublicBuckets=true"
        rc, _, err = self.member("s3api", "put-public-access-block", "--bucket", "prod-public-data",
                                 "--public-access-block-configuration", cfg,
                                 "--expected-bucket-owner", "333333333333")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.member("s3api", "get-public-access-block", "--bucket", "prod-public-data")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["PublicAccessBlockConfiguration"],
                         {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
                          "RestrictPublicBuckets": True})
        state = self.sim.control("/_awssim/resources")
        self.assertFalse(state["333333333333"]["s3"]["buckets"]["prod-public-data"]["public_access_block"]
                         ["BlockPublicPolicy"])
        # tags; another account's bucket; no such bucket
        rc, out, err = self.member("s3api", "get-bucket-tagging", "--bucket", "prod-exempt")
        self.assertEqual(rc, 0, err)
        self.assertIn({"Key": "hubwarden:exempt", "Value": "public website, RISK-42"}, out["TagSet"])
        rc, _, err = self.member("s3api", "get-bucket-tagging", "--bucket", "prod-suppressed")
        self.assertIn("NoSuchTagSet", err)
        rc, _, err = self.member("s3api", "get-public-access-block", "--bucket", "shared-logs",
                                 "--expected-bucket-owner", "333333333333")
        self.assertIn("AccessDenied", err)
        rc, _, err = self.member("s3api", "get-public-access-block", "--bucket", "no-such-bucket-x")
        self.assertIn("NoSuchBucket", err)

    def s3control(self, method, account, body=None):
        """S3 Control signed by botocore's SigV4 and sent as is: awscli and
        the SDK put the account id in the host name (333...333.127.0.0.1),
        which a loopback simulator cannot serve."""
        import botocore.auth
        import botocore.awsrequest
        import botocore.credentials
        import urllib.error
        url = self.sim.url + "/v20180820/configuration/publicAccessBlock"
        headers = {"x-amz-account-id": account, "x-amz-content-sha256": __import__("hashlib").sha256(
            (body or "").encode()).hexdigest()}
        req = botocore.awsrequest.AWSRequest(method, url, data=body, headers=headers)
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(
            self.creds["key"], self.creds["secret"], self.creds["token"]), "s3", "us-east-1").add_auth(req)
        p = req.prepare()
        data = p.body.encode() if isinstance(p.body, str) else p.body
        r = urllib.request.Request(p.url, data=data, headers=dict(p.headers), method=method)
        try:
            with urllib.request.urlopen(r) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def test_s3control_account_block(self):
        status, body = self.s3control("GET", "333333333333")
        self.assertEqual(status, 404)
        self.assertIn("<Code>NoSuchPublicAccessBlockConfiguration</Code>", body)
        doc = ('<PublicAccessBlockConfiguration xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/">'
               '<BlockPublicAcls>true</BlockPublicAcls></PublicAccessBlockConfiguration>')
        status, body = self.s3control("PUT", "333333333333", doc)
        self.assertEqual(status, 200, body)
        status, body = self.s3control("GET", "333333333333")
        self.assertEqual(status, 200, body)
        self.assertIn("<BlockPublicAcls>true</BlockPublicAcls>", body)
        self.assertIn("<RestrictPublicBuckets>false</RestrictPublicBuckets>", body)
        status, body = self.s3control("GET", "444444444444")
        self.assertEqual(status, 403)
        status, body = self.s3control("PUT", "333333333333", "<Nope/>")
        self.assertEqual(status, 400)
        self.assertIn("MalformedXML", body)

    def test_ec2_security_group_rules_and_ebs(self):
        rc, out, err = self.member("ec2", "describe-security-group-rules", "--filters",
                                   "Name=group-id,Values=sg-0a11")
        self.assertEqual(rc, 0, err)
        rules = {r["SecurityGroupRuleId"]: r for r in out["SecurityGroupRules"]}
        self.assertEqual(len(rules), 6)
        self.assertEqual(rules["sgr-0a11000000000002"]["CidrIpv4"], "10.0.0.0/8")
        self.assertTrue(rules["sgr-0a11000000000006"]["IsEgress"])
        rc, out, err = self.member("ec2", "describe-security-groups", "--group-ids", "sg-0a11")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["SecurityGroups"][0]["OwnerId"], "333333333333")
        rc, _, err = self.member("ec2", "revoke-security-group-ingress", "--group-id", "sg-0a11",
                                 "--security-group-rule-ids", "sgr-0a11000000000003")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.member("ec2", "describe-security-group-rules", "--filters",
                                   "Name=group-id,Values=sg-0a11")
        self.assertNotIn("sgr-0a11000000000003", [r["SecurityGroupRuleId"] for r in out["SecurityGroupRules"]])
        self.assertEqual(len(out["SecurityGroupRules"]), 5)
        rc, _, err = self.member("ec2", "revoke-security-group-ingress", "--group-id", "sg-0a11",
                                 "--security-group-rule-ids", "sgr-0a11000000000006")  # egress
        self.assertIn("InvalidSecurityGroupRuleId.NotFound", err)
        rc, _, err = self.member("ec2", "revoke-security-group-egress", "--group-id", "sg-0a11",
                                 "--security-group-rule-ids", "sgr-0a11000000000002")  # ingress
        self.assertIn("InvalidSecurityGroupRuleId.NotFound", err)
        rc, _, err = self.member("ec2", "revoke-security-group-egress", "--group-id", "sg-0a11",
                                 "--security-group-rule-ids", "sgr-0a11000000000006")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.member("ec2", "describe-security-group-rules", "--filters",
                                   "Name=group-id,Values=sg-0a11")
        self.assertEqual(len(out["SecurityGroupRules"]), 4)
        rc, _, err = self.member("ec2", "describe-security-groups", "--group-ids", "sg-0b21")  # other account
        self.assertIn("InvalidGroup.NotFound", err)
        rc, out, err = self.member("ec2", "get-ebs-encryption-by-default")
        self.assertEqual(rc, 0, err)
        self.assertFalse(out["EbsEncryptionByDefault"])
        rc, out, err = self.member("ec2", "enable-ebs-encryption-by-default")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.member("ec2", "get-ebs-encryption-by-default")
        self.assertTrue(out["EbsEncryptionByDefault"])
        rc, out, err = self.member("ec2", "get-ebs-encryption-by-default", "--region", "eu-west-1")
        self.assertFalse(out["EbsEncryptionByDefault"])  # per region

    def test_iam_access_keys(self):
        rc, out, err = self.member("iam", "list-access-keys", "--user-name", "batch")
        self.assertEqual(rc, 0, err)
        self.assertEqual([k["Status"] for k in out["AccessKeyMetadata"]], ["Active"])
        rc, out, err = self.member("iam", "get-access-key-last-used", "--access-key-id", "AKIABATCHOLD00000001")
        self.assertEqual(rc, 0, err)
        self.assertIn("LastUsedDate", out["AccessKeyLastUsed"])
        rc, _, err = self.member("iam", "update-access-key", "--user-name", "batch", "--access-key-id",
                                 "AKIABATCHOLD00000001", "--status", "Inactive")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.member("iam", "list-access-keys", "--user-name", "batch")
        self.assertEqual([k["Status"] for k in out["AccessKeyMetadata"]], ["Inactive"])
        rc, out, err = self.member("iam", "list-user-tags", "--user-name", "batch")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["Tags"], [])
        rc, _, err = self.member("iam", "list-access-keys", "--user-name", "nobody")
        self.assertIn("NoSuchEntity", err)
        rc, _, err = self.member("iam", "update-access-key", "--user-name", "batch", "--access-key-id",
                                 "AKIABATCHOLD00000001", "--status", "Sleeping")
        self.assertNotEqual(rc, 0)  # enum checked against the model


    def test_iam_password_policy(self):
        rc, _, err = self.member("iam", "get-account-password-policy")
        self.assertIn("NoSuchEntity", err)
        rc, _, err = self.member("iam", "update-account-password-policy", "--minimum-password-length", "12",
                                 "--require-symbols", "--max-password-age", "60")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.member("iam", "get-account-password-policy")
        self.assertEqual(rc, 0, err)
        pol = out["PasswordPolicy"]
        self.assertEqual((pol["MinimumPasswordLength"], pol["RequireSymbols"], pol["MaxPasswordAge"],
                          pol["ExpirePasswords"], pol["RequireNumbers"]), (12, True, 60, True, False))
        self.assertNotIn("PasswordReusePrevention", pol)
        # an update replaces the whole policy: what is left out goes back to the default
        rc, _, err = self.member("iam", "update-account-password-policy", "--password-reuse-prevention", "24")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.member("iam", "get-account-password-policy")
        pol = out["PasswordPolicy"]
        self.assertEqual((pol["MinimumPasswordLength"], pol["RequireSymbols"], pol["PasswordReusePrevention"],
                          pol["ExpirePasswords"]), (6, False, 24, False))
        rc, _, err = self.member("iam", "update-account-password-policy", "--minimum-password-length", "200")
        self.assertNotEqual(rc, 0)  # range checked against the model
        rc, _, err = self.member("iam", "delete-account-password-policy")
        self.assertEqual(rc, 0, err)
        rc, _, err = self.member("iam", "get-account-password-policy")
        self.assertIn("NoSuchEntity", err)
        state = self.sim.control("/_awssim/resources")
        self.assertIsNone(state["333333333333"]["iam"]["password_policy"])
        self.assertTrue(state["444444444444"]["iam"]["password_policy"]["HardExpiry"])


    def test_s3_bucket_encryption(self):
        rc, _, err = self.member("s3api", "get-bucket-encryption", "--bucket", "prod-unencrypted")
        self.assertIn("ServerSideEncryptionConfigurationNotFoundError", err)
        rc, out, err = self.member("s3api", "get-bucket-encryption", "--bucket", "prod-encrypted-by-hand")
        self.assertEqual(rc, 0, err)
        rule = out["ServerSideEncryptionConfiguration"]["Rules"][0]
        self.assertEqual(rule["ApplyServerSideEncryptionByDefault"],
                         {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/by-hand"})
        self.assertTrue(rule["BucketKeyEnabled"])
        cfg = '{"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}'
        rc, _, err = self.member("s3api", "put-bucket-encryption", "--bucket", "prod-unencrypted",
                                 "--server-side-encryption-configuration", cfg,
                                 "--expected-bucket-owner", "333333333333")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.member("s3api", "get-bucket-encryption", "--bucket", "prod-unencrypted")
        self.assertEqual(out["ServerSideEncryptionConfiguration"]["Rules"][0]
                         ["ApplyServerSideEncryptionByDefault"], {"SSEAlgorithm": "AES256"})
        bad = '{"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256", "KMSMasterKeyID": "k"}}]}'
        rc, _, err = self.member("s3api", "put-bucket-encryption", "--bucket", "prod-unencrypted",
                                 "--server-side-encryption-configuration", bad)
        self.assertIn("InvalidArgument", err)
        bad = '{"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "ROT13"}}]}'
        rc, _, err = self.member("s3api", "put-bucket-encryption", "--bucket", "prod-unencrypted",
                                 "--server-side-encryption-configuration", bad)
        self.assertNotEqual(rc, 0)  # enum checked against the model
        rc, _, err = self.member("s3api", "get-bucket-encryption", "--bucket", "shared-logs",
                                 "--expected-bucket-owner", "333333333333")
        self.assertIn("AccessDenied", err)
        state = self.sim.control("/_awssim/resources")
        self.assertEqual(state["333333333333"]["s3"]["buckets"]["prod-unencrypted"]["encryption"],
                         {"SSEAlgorithm": "AES256", "BucketKeyEnabled": False})


    def test_s3_bucket_policy(self):
        rc, _, err = self.member("s3api", "get-bucket-policy", "--bucket", "prod-no-policy")
        self.assertIn("NoSuchBucketPolicy", err)
        rc, out, err = self.member("s3api", "get-bucket-policy", "--bucket", "prod-policy")
        self.assertEqual(rc, 0, err)
        state = self.sim.control("/_awssim/resources")
        self.assertEqual(out["Policy"], state["333333333333"]["s3"]["buckets"]["prod-policy"]["policy"])
        text = '{ "Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*",' \
               '"Resource":"arn:aws:s3:::prod-no-policy/*"}]}'
        rc, _, err = self.member("s3api", "put-bucket-policy", "--bucket", "prod-no-policy", "--policy", text,
                                 "--expected-bucket-owner", "333333333333")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.member("s3api", "get-bucket-policy", "--bucket", "prod-no-policy")
        self.assertEqual(out["Policy"], text)  # the text as put, byte for byte
        rc, _, err = self.member("s3api", "put-bucket-policy", "--bucket", "prod-no-policy", "--policy", "{nope")
        self.assertIn("MalformedPolicy", err)
        rc, _, err = self.member("s3api", "get-bucket-policy", "--bucket", "shared-logs",
                                 "--expected-bucket-owner", "333333333333")
        self.assertIn("AccessDenied", err)


    def test_cloudtrail_trails(self):
        arn = "arn:aws:cloudtrail:us-east-1:333333333333:trail/org-trail"
        rc, out, err = self.member("cloudtrail", "get-trail", "--name", arn)
        self.assertEqual(rc, 0, err)
        self.assertFalse(out["Trail"]["LogFileValidationEnabled"])
        self.assertEqual(out["Trail"]["TrailARN"], arn)
        rc, out, err = self.member("cloudtrail", "update-trail", "--name", "org-trail", "--enable-log-file-validation")
        self.assertEqual(rc, 0, err)
        self.assertTrue(out["LogFileValidationEnabled"])
        rc, out, err = self.member("cloudtrail", "get-trail", "--name", "org-trail")
        self.assertTrue(out["Trail"]["LogFileValidationEnabled"])
        rc, out, err = self.member("cloudtrail", "list-tags", "--resource-id-list",
                                   "arn:aws:cloudtrail:us-east-1:333333333333:trail/exempt-trail")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["ResourceTagList"][0]["TagsList"],
                         [{"Key": "hubwarden:exempt", "Value": "vendor-managed, RISK-77"}])
        rc, _, err = self.member("cloudtrail", "get-trail", "--name", "no-such-trail")
        self.assertIn("TrailNotFoundException", err)
        rc, _, err = self.member("cloudtrail", "update-trail", "--name", arn, "--enable-log-file-validation",
                                 "--region", "eu-west-1")
        self.assertIn("InvalidHomeRegionException", err)


    def test_kms_key_rotation(self):
        kid = "1111aaaa-0000-0000-0000-000000000001"
        rc, out, err = self.member("kms", "describe-key", "--key-id", kid)
        self.assertEqual(rc, 0, err)
        md = out["KeyMetadata"]
        self.assertEqual((md["KeyManager"], md["KeySpec"], md["Origin"], md["KeyState"]),
                         ("CUSTOMER", "SYMMETRIC_DEFAULT", "AWS_KMS", "Enabled"))
        rc, out, err = self.member("kms", "get-key-rotation-status", "--key-id", md["Arn"])
        self.assertEqual(rc, 0, err)
        self.assertFalse(out["KeyRotationEnabled"])
        rc, _, err = self.member("kms", "enable-key-rotation", "--key-id", kid)
        self.assertEqual(rc, 0, err)
        rc, out, err = self.member("kms", "get-key-rotation-status", "--key-id", kid)
        self.assertTrue(out["KeyRotationEnabled"])
        rc, _, err = self.member("kms", "enable-key-rotation", "--key-id", "1111aaaa-0000-0000-0000-000000000005")
        self.assertIn("UnsupportedOperationException", err)
        rc, out, err = self.member("kms", "list-resource-tags", "--key-id", "1111aaaa-0000-0000-0000-000000000006")
        self.assertEqual(out["Tags"], [{"TagKey": "hubwarden:exempt", "TagValue": "HSM migration, RISK-9"}])
        rc, _, err = self.member("kms", "describe-key", "--key-id", "1111aaaa-0000-0000-0000-000000000007")
        self.assertIn("NotFoundException", err)


    def test_ec2_snapshot_permissions(self):
        sid = "snap-0a0000000000000a1"
        rc, out, err = self.member("ec2", "describe-snapshots", "--snapshot-ids", sid)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["Snapshots"][0]["OwnerId"], "333333333333")
        rc, out, err = self.member("ec2", "describe-snapshot-attribute", "--snapshot-id", sid,
                                   "--attribute", "createVolumePermission")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["CreateVolumePermissions"], [{"Group": "all"}, {"UserId": "444444444444"}])
        rc, _, err = self.member("ec2", "modify-snapshot-attribute", "--snapshot-id", sid, "--attribute",
                                 "createVolumePermission", "--operation-type", "remove", "--group-names", "all")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.member("ec2", "describe-snapshot-attribute", "--snapshot-id", sid,
                                   "--attribute", "createVolumePermission")
        self.assertEqual(out["CreateVolumePermissions"], [{"UserId": "444444444444"}])
        rc, _, err = self.member("ec2", "describe-snapshots", "--snapshot-ids", "snap-0a0000000000000a4")
        self.assertIn("InvalidSnapshot.NotFound", err)
        rc, out, err = self.member("ec2", "describe-snapshots", "--snapshot-ids", "snap-0a0000000000000a3")
        self.assertIn({"Key": "hubwarden:exempt", "Value": "public AMI source, RISK-3"}, out["Snapshots"][0]["Tags"])


    def test_ec2_instance_metadata_options(self):
        rc, out, err = self.member("ec2", "describe-instances", "--instance-ids", "i-0e0000000000000e1")
        self.assertEqual(rc, 0, err)
        inst = out["Reservations"][0]["Instances"][0]
        self.assertEqual(out["Reservations"][0]["OwnerId"], "333333333333")
        self.assertEqual((inst["MetadataOptions"]["HttpTokens"], inst["MetadataOptions"]["HttpPutResponseHopLimit"]),
                         ("optional", 2))
        rc, out, err = self.member("ec2", "modify-instance-metadata-options", "--instance-id", "i-0e0000000000000e1",
                                   "--http-tokens", "required")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["InstanceMetadataOptions"]["HttpTokens"], "required")
        self.assertEqual(out["InstanceMetadataOptions"]["HttpPutResponseHopLimit"], 2)
        rc, _, err = self.member("ec2", "modify-instance-metadata-options", "--instance-id", "i-0e0000000000000e1",
                                 "--http-tokens", "sometimes")
        self.assertNotEqual(rc, 0)  # enum checked against the model
        rc, _, err = self.member("ec2", "describe-instances", "--instance-ids", "i-0e0000000000000e5")
        self.assertIn("InvalidInstanceID.NotFound", err)


    def test_guardduty_detectors(self):
        rc, out, err = self.member("guardduty", "list-detectors")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["DetectorIds"], [])
        rc, out, err = self.member("guardduty", "create-detector", "--enable")
        self.assertEqual(rc, 0, err)
        did = out["DetectorId"]
        rc, out, err = self.member("guardduty", "get-detector", "--detector-id", did)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["Status"], "ENABLED")
        rc, _, err = self.member("guardduty", "create-detector", "--enable")
        self.assertIn("BadRequestException", err)  # one detector per region
        rc, _, err = self.member("guardduty", "update-detector", "--detector-id", did, "--no-enable")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.member("guardduty", "get-detector", "--detector-id", did)
        self.assertEqual(out["Status"], "DISABLED")
        rc, _, err = self.member("guardduty", "get-detector", "--detector-id", "0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f")
        self.assertIn("BadRequestException", err)  # another account's


    def test_rds_db_instances(self):
        rc, out, err = self.member("rds", "describe-db-instances", "--db-instance-identifier", "orders-db")
        self.assertEqual(rc, 0, err)
        db = out["DBInstances"][0]
        self.assertTrue(db["PubliclyAccessible"])
        self.assertIn({"Key": "team", "Value": "shop"}, db["TagList"])
        rc, out, err = self.member("rds", "modify-db-instance", "--db-instance-identifier", "orders-db",
                                   "--no-publicly-accessible", "--apply-immediately")
        self.assertEqual(rc, 0, err)
        self.assertFalse(out["DBInstance"]["PubliclyAccessible"])
        rc, _, err = self.member("rds", "describe-db-instances", "--db-instance-identifier", "old-db")
        self.assertIn("DBInstanceNotFound", err)

    def test_lambda_function_policy(self):
        fn = "arn:aws:lambda:us-east-1:333333333333:function:orders-api"
        rc, out, err = self.member("lambda", "get-policy", "--function-name", "orders-api")
        self.assertEqual(rc, 0, err)
        sids = [x["Sid"] for x in json.loads(out["Policy"])["Statement"]]
        self.assertEqual(sids[:2], ["FunctionURLAllowPublicAccess", "s3-invoke-any"])
        rev = out["RevisionId"]
        # a stale revision is refused; the current one removes exactly one statement
        rc, _, err = self.member("lambda", "remove-permission", "--function-name", "orders-api",
                                 "--statement-id", "s3-invoke-any", "--revision-id", "0" + rev[1:])
        self.assertIn("PreconditionFailedException", err)
        rc, _, err = self.member("lambda", "remove-permission", "--function-name", "orders-api",
                                 "--statement-id", "s3-invoke-any", "--revision-id", rev)
        self.assertEqual(rc, 0, err)
        rc, out, err = self.member("lambda", "get-policy", "--function-name", "orders-api")
        self.assertNotIn("s3-invoke-any", out["Policy"])
        self.assertNotEqual(out["RevisionId"], rev)
        # tags: Lambda's own ListTags (the ARN in the path) and the tagging API
        rc, out, err = self.member("lambda", "list-tags", "--resource", fn)
        self.assertEqual((rc, out.get("Tags")), (0, {"team": "shop"}), err)
        rc, out, err = self.member("resourcegroupstaggingapi", "get-resources", "--resource-arn-list", fn,
                                   "arn:aws:lambda:us-east-1:333333333333:function:private-fn")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["ResourceTagMappingList"],
                         [{"ResourceARN": fn, "Tags": [{"Key": "team", "Value": "shop"}]}])
        rc, _, err = self.member("lambda", "get-policy", "--function-name", "no-policy-fn")
        self.assertIn("ResourceNotFoundException", err)
        rc, _, err = self.member("lambda", "get-policy", "--function-name", "deleted-fn")
        self.assertIn("Function not found", err)

    def test_rds_snapshot_attributes(self):
        rc, out, err = self.member("rds", "describe-db-snapshot-attributes", "--db-snapshot-identifier",
                                   "orders-snap")
        self.assertEqual(rc, 0, err)
        attrs = out["DBSnapshotAttributesResult"]["DBSnapshotAttributes"]
        self.assertEqual(attrs, [{"AttributeName": "restore", "AttributeValues": ["all", "444444444444"]}])
        rc, out, err = self.member("rds", "modify-db-snapshot-attribute", "--db-snapshot-identifier",
                                   "orders-snap", "--attribute-name", "restore", "--values-to-remove", "all")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["DBSnapshotAttributesResult"]["DBSnapshotAttributes"][0]["AttributeValues"],
                         ["444444444444"])
        rc, out, err = self.member("rds", "describe-db-cluster-snapshots", "--db-cluster-snapshot-identifier",
                                   "orders-cluster-snap")
        self.assertEqual((rc, out["DBClusterSnapshots"][0]["SnapshotType"]), (0, "manual"), err)
        rc, _, err = self.member("rds", "describe-db-snapshots", "--db-snapshot-identifier", "deleted-snap")
        self.assertIn("DBSnapshotNotFound", err)

    def test_ssm_document_sharing(self):
        rc, out, err = self.member("ssm", "describe-document-permission", "--name", "Patch-Web-Fleet",
                                   "--permission-type", "Share")
        self.assertEqual((rc, out.get("AccountIds")), (0, ["all", "444444444444"]), err)
        rc, _, err = self.member("ssm", "modify-document-permission", "--name", "Patch-Web-Fleet",
                                 "--permission-type", "Share", "--account-ids-to-remove", "All")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.member("ssm", "describe-document-permission", "--name", "Patch-Web-Fleet",
                                   "--permission-type", "Share")
        self.assertEqual(out["AccountIds"], ["444444444444"])
        rc, out, err = self.member("ssm", "list-tags-for-resource", "--resource-type", "Document",
                                   "--resource-id", "Public-Howto")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["TagList"][0]["Key"], "hubwarden:exempt")
        rc, _, err = self.member("ssm", "list-tags-for-resource", "--resource-type", "Document",
                                 "--resource-id", "Deleted-Doc")
        self.assertIn("InvalidResourceId", err)

class PlaybookResourceTests(ResourceTests):
    """EC2 instances, volumes, snapshots and quarantine groups the
    ec2-compromise playbook reads and changes
    (tests/data/awssim/playbooks.json), driven by awscli."""

    @classmethod
    def setUpClass(cls):
        if not os.path.isdir(os.path.join(MODELS, "s3control")):
            raise unittest.SkipTest("current models not laid out in %s (run make models)" % MODELS)
        cls.sim = Sim("--no-rate-limit", scenario=os.path.join(ROOT, "tests", "data", "awssim", "playbooks.json"))
        rc, out, err = aws(cls.sim, "sts", "assume-role", "--role-arn",
                           "arn:aws:iam::333333333333:role/HubwardenRemediation",
                           "--role-session-name", "playbook-test", "--external-id", "hw-remedy-1")
        assert rc == 0, err
        c = out["Credentials"]
        cls.creds = {"key": c["AccessKeyId"], "secret": c["SecretAccessKey"], "token": c["SessionToken"]}

    # the parent's tests need remedy.json's resources
    test_s3_bucket_public_access_block = test_s3control_account_block = None
    test_ec2_security_group_rules_and_ebs = test_iam_access_keys = None
    test_iam_password_policy = None
    test_s3_bucket_encryption = None
    test_s3_bucket_policy = None
    test_cloudtrail_trails = None
    test_kms_key_rotation = None
    test_ec2_snapshot_permissions = None
    test_ec2_instance_metadata_options = None
    test_guardduty_detectors = None
    test_rds_db_instances = None
    test_lambda_function_policy = test_rds_snapshot_attributes = test_ssm_document_sharing = None

    def test_instances_snapshots_quarantine(self):
        i = "i-0c0ffee000000001"
        rc, out, err = self.member("ec2", "describe-instances", "--instance-ids", i)
        self.assertEqual(rc, 0, err)
        inst = out["Reservations"][0]["Instances"][0]
        self.assertEqual([g["GroupId"] for g in inst["SecurityGroups"]], ["sg-0web1", "sg-0ssh1"])
        self.assertEqual([b["Ebs"]["VolumeId"] for b in inst["BlockDeviceMappings"]],
                         ["vol-0aa1000000000001", "vol-0aa1000000000002"])
        rc, _, err = self.member("ec2", "describe-instances", "--instance-ids", "i-0dead00000000001")
        self.assertIn("InvalidInstanceID.NotFound", err)
        # snapshots, found again by tag
        rc, out, err = self.member("ec2", "create-snapshot", "--volume-id", "vol-0aa1000000000001",
                                   "--tag-specifications", "ResourceType=snapshot,Tags=[{Key=hubwarden:finding,Value=f-1}]")
        self.assertEqual(rc, 0, err)
        snap = out["SnapshotId"]
        rc, out, err = self.member("ec2", "describe-snapshots", "--owner-ids", "self", "--filters",
                                   "Name=tag:hubwarden:finding,Values=f-1")
        self.assertEqual([s["SnapshotId"] for s in out["Snapshots"]], [snap])
        rc, out, err = self.member("ec2", "describe-snapshots", "--owner-ids", "self", "--filters",
                                   "Name=tag:hubwarden:finding,Values=f-2")
        self.assertEqual(out["Snapshots"], [])
        rc, _, err = self.member("ec2", "create-snapshot", "--volume-id", "vol-0nope")
        self.assertIn("InvalidVolume.NotFound", err)
        # a new group allows all egress, as on AWS; revoked by rule id
        rc, out, err = self.member("ec2", "create-security-group", "--group-name", "q", "--description", "q",
                                   "--vpc-id", "vpc-0a1b2c3d")
        self.assertEqual(rc, 0, err)
        q = out["GroupId"]
        rc, _, err = self.member("ec2", "create-security-group", "--group-name", "q", "--description", "q",
                                 "--vpc-id", "vpc-0a1b2c3d")
        self.assertIn("InvalidGroup.Duplicate", err)
        rc, out, err = self.member("ec2", "describe-security-groups", "--filters", "Name=vpc-id,Values=vpc-0a1b2c3d",
                                   "Name=group-name,Values=q")
        self.assertEqual([g["GroupId"] for g in out["SecurityGroups"]], [q])
        rc, out, err = self.member("ec2", "describe-security-group-rules", "--filters", "Name=group-id,Values=" + q)
        rules = out["SecurityGroupRules"]
        self.assertEqual([(r["IsEgress"], r["CidrIpv4"]) for r in rules], [(True, "0.0.0.0/0")])
        rc, _, err = self.member("ec2", "revoke-security-group-egress", "--group-id", q,
                                 "--security-group-rule-ids", rules[0]["SecurityGroupRuleId"])
        self.assertEqual(rc, 0, err)
        # groups, protection, tags: one attribute a call
        rc, _, err = self.member("ec2", "modify-instance-attribute", "--instance-id", i, "--groups", q)
        self.assertEqual(rc, 0, err)
        rc, _, err = self.member("ec2", "modify-instance-attribute", "--instance-id", i, "--disable-api-termination")
        self.assertEqual(rc, 0, err)
        rc, _, err = self.member("ec2", "modify-instance-attribute", "--instance-id", i, "--disable-api-stop")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.member("ec2", "describe-instance-attribute", "--instance-id", i,
                                   "--attribute", "disableApiTermination")
        self.assertTrue(out["DisableApiTermination"]["Value"])
        rc, out, err = self.member("ec2", "describe-instance-attribute", "--instance-id", i,
                                   "--attribute", "disableApiStop")
        self.assertTrue(out["DisableApiStop"]["Value"])
        rc, _, err = self.member("ec2", "create-tags", "--resources", i, "--tags", "Key=hubwarden:finding,Value=f-1")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.member("ec2", "describe-instances", "--instance-ids", i)
        inst = out["Reservations"][0]["Instances"][0]
        self.assertEqual([g["GroupId"] for g in inst["SecurityGroups"]], [q])
        self.assertIn({"Key": "hubwarden:finding", "Value": "f-1"}, inst["Tags"])
        rc, _, err = self.member("ec2", "modify-instance-attribute", "--instance-id", i, "--groups", "sg-0nope")
        self.assertIn("InvalidGroup.NotFound", err)


if __name__ == "__main__":
    unittest.main()
