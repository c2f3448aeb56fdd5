"""state.py - the simulator's in-memory world: the Organization, accounts,
credentials (long-term keys and issued temporary ones), Security Hub
findings, rate limits, and SigV4 verification of every signed request.
"""
import copy
import datetime
import gzip
import hashlib
import json
import os
import secrets
import threading
import time

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


class ApiError(Exception):
    def __init__(self, code, message, status=400):
        super().__init__("%s: %s" % (code, message))
        self.code = code
        self.message = message
        self.status = status


class Caller:
    def __init__(self, account, arn, user_id, key):
        self.account = account
        self.arn = arn
        self.user_id = user_id
        self.key = key


class ScopedSigV4(SigV4Auth):
    """botocore's signer, signing exactly the headers the client listed and
    at the client's own timestamp."""

    def __init__(self, creds, service, region, signed_headers, timestamp):
        super().__init__(creds, service, region)
        self._signed = signed_headers
        self._ts = timestamp

    def headers_to_sign(self, request):
        from botocore.awsrequest import HTTPHeaders
        out = HTTPHeaders()
        for name in self._signed:
            for v in request.headers.get_all(name) or []:
                out[name] = v
        return out

    def compute(self, request):
        request.context["timestamp"] = self._ts
        cr = self.canonical_request(request)
        sts = self.string_to_sign(request, cr)
        return self.signature(sts, request)


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(t):
    return t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _ago(days):
    t = now_utc() - datetime.timedelta(days=float(days))
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _password_policy(p):
    """An account password policy with IAM's defaults for the fields not
    given (None: the account has none)."""
    if p is None:
        return None
    out = {"MinimumPasswordLength": 6, "RequireSymbols": False, "RequireNumbers": False,
           "RequireUppercaseCharacters": False, "RequireLowercaseCharacters": False,
           "AllowUsersToChangePassword": False, "MaxPasswordAge": 0, "PasswordReusePrevention": 0,
           "HardExpiry": False}
    out.update(p)
    return out


def waf_lock_token(set_id, previous):
    """The next LockToken of a WAFv2 IP set: a UUID-shaped digest of the
    previous one, so that a state dump is the same on every run."""
    h = hashlib.sha1((set_id + "/" + previous).encode()).hexdigest()
    return "%s-%s-4%s-8%s-%s" % (h[:8], h[8:12], h[13:16], h[17:20], h[20:32])


def load_resources(spec):
    """The scenario's "resources" (README.md) with defaults filled in and
    relative dates ("create_days_ago") made absolute, so that a dump of the
    state before and after a run can be compared as is."""
    out = {}
    for account, a in spec.items():
        s3 = a.get("s3") or {}
        buckets = {}
        for name, b in (s3.get("buckets") or {}).items():
            buckets[name] = {"region": b.get("region", "us-east-1"),
                             "public_access_block": copy.deepcopy(b.get("public_access_block")),
                             "tags": dict(b.get("tags") or {}),
                             "encryption": copy.deepcopy(b.get("encryption")),
                             "policy": b.get("policy")}
        regions = {}
        for region, r in (a.get("regions") or {}).items():
            groups = {}
            for gid, g in (r.get("security_groups") or {}).items():
                rules = []
                for i, rule in enumerate(g.get("rules") or []):
                    x = {"id": rule.get("id") or "sgr-%s%04d" % (gid[3:], i), "egress": bool(rule.get("egress")),
                         "protocol": str(rule.get("protocol", "tcp")),
                         "from": int(rule.get("from", -1)), "to": int(rule.get("to", rule.get("from", -1)))}
                    for k in ("cidr_ipv4", "cidr_ipv6", "description"):
                        if rule.get(k):
                            x[k] = rule[k]
                    rules.append(x)
                groups[gid] = {"name": g.get("name", gid), "description": g.get("description", gid),
                               "vpc_id": g.get("vpc_id", "vpc-0a1b2c3d"), "owner": g.get("owner", account),
                               "tags": dict(g.get("tags") or {}), "rules": rules}
            regions[region] = {"security_groups": groups,
                               "ebs_encryption_by_default": bool(r.get("ebs_encryption_by_default", False)),
                               "trails": {name: {"s3_bucket": t.get("s3_bucket", "trail-logs"),
                                                 "log_file_validation": bool(t.get("log_file_validation")),
                                                 "multi_region": bool(t.get("multi_region", True)),
                                                 "tags": dict(t.get("tags") or {})}
                                          for name, t in (r.get("trails") or {}).items()},
                               "kms_keys": {kid: {"manager": k.get("manager", "CUSTOMER"),
                                                  "spec": k.get("spec", "SYMMETRIC_DEFAULT"),
                                                  "origin": k.get("origin", "AWS_KMS"),
                                                  "state": k.get("state", "Enabled"),
                                                  "rotation": bool(k.get("rotation")),
                                                  "tags": dict(k.get("tags") or {})}
                                            for kid, k in (r.get("kms_keys") or {}).items()},
                               # snapshots: EC2.1's sharing, and those the
                               # ec2-compromise playbook creates
                               "snapshots": {sid: {"volume_id": x.get("volume_id", "vol-0a1b2c3d4e5f60718"),
                                                   "size": int(x.get("size", 8)),
                                                   "description": x.get("description", ""),
                                                   "groups": list(x.get("groups") or []),
                                                   "user_ids": list(x.get("user_ids") or []),
                                                   "tags": dict(x.get("tags") or {})}
                                             for sid, x in (r.get("snapshots") or {}).items()},
                               # instances: metadata options (EC2.8), and the
                               # groups, volumes and protection the
                               # ec2-compromise playbook reads and changes
                               "instances": {iid: {"state": x.get("state", "running"),
                                                   "vpc_id": x.get("vpc_id", "vpc-0a1b2c3d"),
                                                   "subnet_id": x.get("subnet_id", "subnet-0a1b"),
                                                   "security_groups": list(x.get("security_groups") or []),
                                                   "volumes": list(x.get("volumes") or []),
                                                   "disable_api_termination": bool(x.get("disable_api_termination")),
                                                   "disable_api_stop": bool(x.get("disable_api_stop")),
                                                   "http_tokens": x.get("http_tokens", "optional"),
                                                   "http_endpoint": x.get("http_endpoint", "enabled"),
                                                   "hop_limit": int(x.get("hop_limit", 1)),
                                                   "tags": dict(x.get("tags") or {})}
                                             for iid, x in (r.get("instances") or {}).items()},
                               "guardduty_detectors": {did: {"status": d.get("status", "ENABLED"),
                                                             "finding_publishing_frequency": d.get(
                                                                 "finding_publishing_frequency", "SIX_HOURS")}
                                                       for did, d in (r.get("guardduty_detectors") or {}).items()},
                               "db_instances": {name: {"status": d.get("status", "available"),
                                                       "publicly_accessible": bool(d.get("publicly_accessible")),
                                                       "engine": d.get("engine", "postgres"),
                                                       "tags": dict(d.get("tags") or {})}
                                                for name, d in (r.get("db_instances") or {}).items()},
                               # Lambda.1: each function's policy statements
                               # (JSON objects, kept in order) and revision
                               "lambda_functions": {name: {"statements": copy.deepcopy(f.get("statements") or []),
                                                           "revision": int(f.get("revision", 1)),
                                                           "tags": dict(f.get("tags") or {})}
                                                    for name, f in (r.get("lambda_functions") or {}).items()},
                               # RDS.1: DB and DB cluster snapshots and who
                               # may restore them ("all": public)
                               "rds_snapshots": {name: {"cluster": bool(x.get("cluster")),
                                                        "type": x.get("type", "manual"),
                                                        "status": x.get("status", "available"),
                                                        "restore": list(x.get("restore") or []),
                                                        "tags": dict(x.get("tags") or {})}
                                                 for name, x in (r.get("rds_snapshots") or {}).items()},
                               # SSM.4: documents and the accounts they are
                               # shared with ("all": public)
                               "ssm_documents": {name: {"owner": x.get("owner", account),
                                                        "shared_with": list(x.get("shared_with") or []),
                                                        "tags": dict(x.get("tags") or {})}
                                                 for name, x in (r.get("ssm_documents") or {}).items()}}
            if r.get("network_acls") is not None:
                acls = {}
                for aid, acl in r["network_acls"].items():
                    entries = [{"rule_number": int(x["rule_number"]), "egress": bool(x.get("egress")),
                                "protocol": str(x.get("protocol", "-1")), "action": x.get("action", "allow"),
                                "cidr": x.get("cidr", "0.0.0.0/0")} for x in acl.get("entries") or []]
                    for eg in (False, True):  # every NACL ends with its catch-all deny
                        entries.append({"rule_number": 32767, "egress": eg, "protocol": "-1",
                                        "action": "deny", "cidr": "0.0.0.0/0"})
                    acls[aid] = {"vpc_id": acl.get("vpc_id", "vpc-0a1b2c3d"), "subnets": list(acl.get("subnets") or []),
                                 "entries": entries}
                regions[region]["network_acls"] = acls
            if r.get("waf_ip_sets") is not None:
                # WAFv2 IP sets (malicious-ip playbook), by id; CLOUDFRONT
                # ones live in us-east-1 as with AWS
                regions[region]["waf_ip_sets"] = {
                    sid: {"name": x["name"], "scope": x.get("scope", "REGIONAL"),
                          "version": x.get("version", "IPV4"), "description": x.get("description"),
                          "addresses": list(x.get("addresses") or []),
                          "lock_token": waf_lock_token(sid, "")}
                    for sid, x in r["waf_ip_sets"].items()}
        users = {}
        for name, u in ((a.get("iam") or {}).get("users") or {}).items():
            keys = []
            for k in u.get("access_keys") or []:
                key = {"id": k["id"], "status": k.get("status", "Active"),
                       "create_date": k.get("create_date") or _ago(k.get("create_days_ago", 1))}
                if k.get("last_used") or "last_used_days_ago" in k:
                    key["last_used"] = k.get("last_used") or _ago(k["last_used_days_ago"])
                keys.append(key)
            users[name] = {"tags": dict(u.get("tags") or {}), "access_keys": keys}
        out[account] = {"s3": {"buckets": buckets,
                               "public_access_block": copy.deepcopy(s3.get("public_access_block"))},
                        "regions": regions, "iam": {"users": users, "password_policy": _password_policy(
                            (a.get("iam") or {}).get("password_policy"))}}
    return out


class State:
    def __init__(self, scen, base_dir):
        self.lock = threading.RLock()
        self.scen = scen
        self.partition = scen.get("partition", "aws")
        self.org = scen.get("organization") or {}
        self.accounts = {a["id"]: a for a in scen.get("accounts", [])}
        self.keys = {}  # access key id -> (secret, account, arn, user id, token, expires)
        for a in scen.get("accounts", []):
            for u in a.get("users", []):
                for k in u.get("access_keys", []):
                    self.keys[k["id"]] = {
                        "secret": k["secret"], "account": a["id"],
                        "arn": "arn:%s:iam::%s:user/%s" % (self.partition, a["id"], u["name"]),
                        "user_id": "AIDA" + hashlib.sha1(u["name"].encode()).hexdigest()[:17].upper(),
                        "token": None, "expires": None,
                        "active": k.get("status", "Active") == "Active"}
        self.max_session = int(scen.get("max_session_duration", 43200))
        self.web_tokens = scen.get("web_identity_tokens", {})
        self.imds = scen.get("imds")
        self.ecs = scen.get("ecs")
        self.imds_tokens = {}
        self.buckets = {}
        sh = scen.get("securityhub") or {}
        self.aggregator = sh.get("aggregator")
        # control enablement: "ACCOUNT" or "ACCOUNT:REGION" -> disabled ids
        self.disabled_controls = {k: set(v) for k, v in (sh.get("disabled_controls") or {}).items()}
        # "ACCOUNT" or "ACCOUNT:REGION" whose role may not call BatchGetSecurityControls
        self.control_check_denied = set(sh.get("control_check_denied") or [])
        self.findings = {}  # (ProductArn, Id) -> finding
        for f in sh.get("findings", []):
            self._add(f)
        for rel in sh.get("findings_files", []):
            path = rel if os.path.isabs(rel) else os.path.join(base_dir, rel)
            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rt") as fh:
                for line in fh:
                    line = line.strip()
                    if line:
                        self._add(json.loads(line))
        gen = sh.get("generate")
        if gen:
            import gen_findings
            for f in gen_findings.generate(gen):
                self._add(f)
        self._sorted = None
        self.pages = {}
        self.resources = load_resources(scen.get("resources") or {})

    @classmethod
    def load(cls, path):
        with open(path) as f:
            scen = json.load(f)
        return cls(scen, os.path.dirname(os.path.abspath(path)))

    def _add(self, f):
        self.findings[(f["ProductArn"], f["Id"])] = f
        self._sorted = None

    # --------------------------------------------------------- credentials
    def authenticate(self, svc, req, m, headers):
        cred_scope, signed, signature = m.group(1), m.group(2), m.group(3)
        akid = cred_scope.split("/")[0]
        json_style = svc.protocol in ("json", "rest-json")
        with self.lock:
            k = self.keys.get(akid)
        if not k or not k["active"]:
            raise ApiError("UnrecognizedClientException" if json_style else "InvalidClientTokenId",
                           "The security token included in the request is invalid.", 403)
        if k["expires"] and time.time() > k["expires"]:
            raise ApiError("ExpiredTokenException" if json_style else "ExpiredToken",
                           "The security token included in the request is expired", 403)
        if k["token"] and headers.get("X-Amz-Security-Token") != k["token"]:
            raise ApiError("UnrecognizedClientException" if json_style else "InvalidClientTokenId",
                           "The security token included in the request is invalid.", 403)
        amz_date = headers.get("X-Amz-Date", "")
        try:
            t = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            raise ApiError("IncompleteSignatureException", "missing or malformed X-Amz-Date", 400)
        if abs((now_utc() - t).total_seconds()) > 900:
            raise ApiError("InvalidSignatureException" if json_style else "SignatureDoesNotMatch",
                           "Signature expired: %s is now earlier than the allowed window" % amz_date, 403)
        host = headers.get("Host", "localhost")
        url = "http://%s%s" % (host, req.path)
        if req.query:
            from urllib.parse import urlencode
            url += "?" + urlencode(req.query)
        areq = AWSRequest(method=req.method, url=url, data=req.body)
        for name in signed.split(";"):
            for v in headers.get_all(name) or []:
                areq.headers[name] = v
        scope = cred_scope.split("/")
        signer = ScopedSigV4(Credentials(akid, k["secret"], k["token"]), scope[3], scope[2],
                             signed.split(";"), amz_date)
        expected = signer.compute(areq)
        if not secrets.compare_digest(expected, signature):
            raise ApiError("InvalidSignatureException" if json_style else "SignatureDoesNotMatch",
                           "The request signature we calculated does not match the signature you "
                           "provided. Check your AWS Secret Access Key and signing method.", 403)
        return Caller(k["account"], k["arn"], k["user_id"], akid)

    def issue(self, account, arn, user_id, duration):
        akid = "ASIA" + secrets.token_hex(8).upper()
        cred = {"secret": secrets.token_urlsafe(30), "account": account, "arn": arn,
                "user_id": user_id, "token": "IQoJ" + secrets.token_urlsafe(96),
                "expires": time.time() + duration, "active": True}
        with self.lock:
            self.keys[akid] = cred
        exp = datetime.datetime.fromtimestamp(cred["expires"], datetime.timezone.utc)
        return {"AccessKeyId": akid, "SecretAccessKey": cred["secret"],
                "SessionToken": cred["token"], "Expiration": exp}

    def role(self, account, name):
        a = self.accounts.get(account)
        for r in (a or {}).get("roles", []):
            if r["name"] == name:
                return r
        return None

    def json_creds(self, c):
        return {"AccessKeyId": c["AccessKeyId"], "SecretAccessKey": c["SecretAccessKey"],
                "Token": c["SessionToken"], "Expiration": iso(c["Expiration"]),
                "Code": "Success", "Type": "AWS-HMAC", "LastUpdated": iso(now_utc())}

    def imds_token(self):
        tok = secrets.token_urlsafe(32)
        self.imds_tokens[tok] = time.time() + 21600
        return tok

    def imds_token_ok(self, tok):
        return self.imds_tokens.get(tok, 0) > time.time()

    def imds_role(self):
        return (self.imds or {}).get("role")

    def imds_creds(self, role):
        if not self.imds or role != self.imds.get("role"):
            return None
        acct = self.imds["account"]
        c = self.issue(acct, "arn:%s:sts::%s:assumed-role/%s/i-0123456789abcdef0" % (self.partition, acct, role),
                       "AROAIMDS:i-0123456789abcdef0", 3600)
        return self.json_creds(c)

    def container_creds(self, token):
        if not self.ecs or token != self.ecs.get("token"):
            return None
        acct = self.ecs["account"]
        c = self.issue(acct, "arn:%s:sts::%s:assumed-role/%s/ecs-task" % (self.partition, acct, self.ecs["role"]),
                       "AROAECS:ecs-task", 3600)
        return self.json_creds(c)

    # ---------------------------------------------------------- rate limit
    def rate_limit(self, key, caller, region, limits):
        """A token bucket per limit, account and region.  A limit is named
        by its operation ("securityhub.GetFindings"), or shared by the
        operations it lists ({"operations": [...]}: EC2's categories of
        actions); "error": [code, status] is the throttling error to send
        (default TooManyRequestsException, 429)."""
        lim = limits.get(key)
        name = key
        if not lim:
            for n, l in limits.items():
                if key in (l.get("operations") or ()):
                    lim, name = l, n
                    break
        if not lim or caller is None:
            return
        bucket_key = (name, caller.account, region)
        with self.lock:
            if not hasattr(self, "buckets_"):
                self.buckets_ = {}
            tokens, last = self.buckets_.get(bucket_key, (float(lim["burst"]), time.monotonic()))
            t = time.monotonic()
            tokens = min(float(lim["burst"]), tokens + (t - last) * float(lim["rate"]))
            if tokens < 1.0:
                self.buckets_[bucket_key] = (tokens, t)
                code, status = lim.get("error") or ("TooManyRequestsException", 429)
                raise ApiError(code, "Rate exceeded", int(status))
            self.buckets_[bucket_key] = (tokens - 1.0, t)

    # ------------------------------------------------------------ findings
    def sorted_findings(self):
        with self.lock:
            if self._sorted is None:
                self._sorted = list(self.findings.values())
                # each account-region's own, in the same order: a member's
                # first page no longer walks the whole Organization's
                by = {}
                for f in self._sorted:
                    by.setdefault((f.get("AwsAccountId"), f.get("Region")), []).append(f)
                self._by_source = by
            return self._sorted

    def mutate_findings(self, spec):
        n = 0
        stamp = iso(now_utc())
        with self.lock:
            for u in spec.get("update", []):
                f = self.findings.get((u["ProductArn"], u["Id"]))
                if not f:
                    continue
                for path, val in u.get("fields", {}).items():
                    obj = f
                    parts = path.split(".")
                    for p in parts[:-1]:
                        obj = obj.setdefault(p, {})
                    obj[parts[-1]] = val
                f["UpdatedAt"] = stamp
                n += 1
            if "update_fraction" in spec:
                import random
                rng = random.Random(spec.get("seed", 1))
                fields = spec.get("fields", {"Compliance.Status": "PASSED"})
                for f in self.findings.values():
                    if rng.random() < spec["update_fraction"]:
                        for path, val in fields.items():
                            obj = f
                            parts = path.split(".")
                            for p in parts[:-1]:
                                obj = obj.setdefault(p, {})
                            obj[parts[-1]] = val
                        f["UpdatedAt"] = stamp
                        n += 1
            for f in spec.get("add", []):
                self._add(f)
                n += 1
            self._sorted = None
        return n

    def visible(self, caller, region):
        """Findings the caller sees in this region."""
        agg = self.aggregator or {}
        members = set(self.accounts)
        if agg and caller.account == agg.get("account") and region == agg.get("region"):
            regions = set([agg["region"]] + list(agg.get("linked_regions", [])))
            return [f for f in self.sorted_findings()
                    if f.get("Region") in regions and
                    (f.get("AwsAccountId") in members or f.get("AwsAccountId") == caller.account
                     or agg.get("include_outside", True))]
        with self.lock:
            self.sorted_findings()
            return list(self._by_source.get((caller.account, region), []))

    def dump(self):
        with self.lock:
            return {"accounts": list(self.accounts.values()),
                    "findings": list(self.findings.values()),
                    "issued_credentials": sum(1 for k in self.keys.values() if k["token"]),
                    "sns_messages": list(self.__dict__.get("sns_messages", [])),
                    "buckets": self.buckets}
