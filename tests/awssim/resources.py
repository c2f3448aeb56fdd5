"""resources.py - the resource state remediations read and change: S3 and
S3 Control public access blocks, bucket tags, EC2 security groups and
their rules, EBS encryption by default, IAM users' access keys and tags,
the account password policy, bucket default encryption and policies,
CloudTrail trails, KMS keys, EBS snapshots' volume permissions,
EC2 instances' metadata options, GuardDuty detectors, RDS DB instances,
Lambda function policies, RDS snapshots' restore attribute, SSM documents'
sharing, network ACLs and WAFv2 IP sets.
Every resource lives in one account (and region where AWS keeps it per
region); callers see their own account's only, as with AWS.  The state is
State.resources (state.load_resources), dumped whole by
GET /_awssim/resources so that a test can diff before and after.
"""
import hashlib
import json
import uuid

from services import op
from state import ApiError, waf_lock_token

FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def _acct(st, account):
    a = st.resources.get(account)
    if a is None:
        a = st.resources.setdefault(account, {"s3": {"buckets": {}, "public_access_block": None},
                                              "regions": {}, "iam": {"users": {}, "password_policy": None}})
    return a


def _region(st, account, region):
    return _acct(st, account)["regions"].setdefault(
        region, {"security_groups": {}, "ebs_encryption_by_default": False, "trails": {},
                 "kms_keys": {}, "snapshots": {}, "instances": {},
                 "guardduty_detectors": {}, "db_instances": {}, "lambda_functions": {},
                 "rds_snapshots": {}, "ssm_documents": {}})


# ----------------------------------------------------------------------- S3
def _bucket(st, p, caller):
    name = p["Bucket"]
    for account, a in st.resources.items():
        b = a["s3"]["buckets"].get(name)
        if b is None:
            continue
        expected = p.get("ExpectedBucketOwner")
        if (expected and expected != account) or caller.account != account:
            raise ApiError("AccessDenied", "Access Denied", 403)
        return b
    raise ApiError("NoSuchBucket", "The specified bucket does not exist", 404)


def _pab_in(cfg):
    return {f: bool(cfg.get(f, False)) for f in FLAGS}


def _check_md5(req):
    """S3 requires Content-MD5 (or a flexible checksum) on these PUTs."""
    import base64
    md5 = req.headers.get("Content-MD5")
    if md5 is None and not any(h.lower().startswith("x-amz-checksum-") for h in req.headers.keys()):
        raise ApiError("InvalidRequest", "Missing required header for this request: Content-MD5", 400)
    if md5 is not None and base64.b64encode(hashlib.md5(req.body).digest()).decode() != md5:
        raise ApiError("BadDigest", "The Content-MD5 you specified did not match what we received.", 400)


@op("s3", "GetBucketTagging")
def get_bucket_tagging(st, p, caller, region, req):
    with st.lock:
        b = _bucket(st, p, caller)
        if not b["tags"]:
            raise ApiError("NoSuchTagSet", "The TagSet does not exist", 404)
        return {"TagSet": [{"Key": k, "Value": v} for k, v in sorted(b["tags"].items())]}


@op("s3", "GetPublicAccessBlock")
def get_bucket_pab(st, p, caller, region, req):
    with st.lock:
        b = _bucket(st, p, caller)
        if b["public_access_block"] is None:
            raise ApiError("NoSuchPublicAccessBlockConfiguration",
                           "The public access block configuration was not found", 404)
        return {"PublicAccessBlockConfiguration": dict(b["public_access_block"])}


@op("s3", "PutPublicAccessBlock")
def put_bucket_pab(st, p, caller, region, req):
    _check_md5(req)
    with st.lock:
        b = _bucket(st, p, caller)
        b["public_access_block"] = _pab_in(p["PublicAccessBlockConfiguration"])
    return {}


@op("s3", "GetBucketEncryption")
def get_bucket_encryption(st, p, caller, region, req):
    """One default encryption rule per bucket (None: no configuration)."""
    with st.lock:
        enc = _bucket(st, p, caller)["encryption"]
        if enc is None:
            raise ApiError("ServerSideEncryptionConfigurationNotFoundError",
                           "The server side encryption configuration was not found", 404)
        by_default = {"SSEAlgorithm": enc["SSEAlgorithm"]}
        if enc.get("KMSMasterKeyID"):
            by_default["KMSMasterKeyID"] = enc["KMSMasterKeyID"]
        return {"ServerSideEncryptionConfiguration": {"Rules": [
            {"ApplyServerSideEncryptionByDefault": by_default, "BucketKeyEnabled": bool(enc.get("BucketKeyEnabled"))}]}}


@op("s3", "PutBucketEncryption")
def put_bucket_encryption(st, p, caller, region, req):
    _check_md5(req)
    rules = p["ServerSideEncryptionConfiguration"].get("Rules") or []
    if len(rules) != 1 or "ApplyServerSideEncryptionByDefault" not in rules[0]:
        raise ApiError("MalformedXML", "The XML you provided was not well-formed or did not validate "
                       "against our published schema", 400)
    d = rules[0]["ApplyServerSideEncryptionByDefault"]
    if d.get("KMSMasterKeyID") and not d["SSEAlgorithm"].startswith("aws:kms"):
        raise ApiError("InvalidArgument", "a KMSMasterKeyID is not applicable if the default sse "
                       "algorithm is not aws:kms or aws:kms:dsse", 400)
    enc = {"SSEAlgorithm": d["SSEAlgorithm"], "BucketKeyEnabled": bool(rules[0].get("BucketKeyEnabled"))}
    if d.get("KMSMasterKeyID"):
        enc["KMSMasterKeyID"] = d["KMSMasterKeyID"]
    with st.lock:
        _bucket(st, p, caller)["encryption"] = enc
    return {}


@op("s3", "GetBucketPolicy")
def get_bucket_policy(st, p, caller, region, req):
    """The policy text exactly as it was put (None: no policy)."""
    with st.lock:
        pol = _bucket(st, p, caller)["policy"]
        if pol is None:
            raise ApiError("NoSuchBucketPolicy", "The bucket policy does not exist", 404)
        return {"Policy": pol}


@op("s3", "PutBucketPolicy")
def put_bucket_policy(st, p, caller, region, req):
    import json
    _check_md5(req)
    text = p.get("Policy") or ""
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or not text.lstrip().startswith("{"):
        raise ApiError("MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'", 400)
    if len(text.encode()) > 20480:
        raise ApiError("PolicyTooLarge", "Policy exceeds the maximum allowed document size.", 400)
    stmts = doc.get("Statement")
    if not isinstance(stmts, (list, dict)) or not stmts:
        raise ApiError("MalformedPolicy", "Missing required field Statement", 400)
    with st.lock:
        _bucket(st, p, caller)["policy"] = text
    return {}


@op("s3control", "GetPublicAccessBlock")
def get_account_pab(st, p, caller, region, req):
    if p["AccountId"] != caller.account:
        raise ApiError("AccessDenied", "Access Denied", 403)
    with st.lock:
        cfg = _acct(st, caller.account)["s3"]["public_access_block"]
        if cfg is None:
            raise ApiError("NoSuchPublicAccessBlockConfiguration",
                           "The public access block configuration was not found", 404)
        return {"PublicAccessBlockConfiguration": dict(cfg)}


@op("s3control", "PutPublicAccessBlock")
def put_account_pab(st, p, caller, region, req):
    if p["AccountId"] != caller.account:
        raise ApiError("AccessDenied", "Access Denied", 403)
    with st.lock:
        _acct(st, caller.account)["s3"]["public_access_block"] = _pab_in(p["PublicAccessBlockConfiguration"])
    return {}


# ---------------------------------------------------------------------- EC2
def _group(st, caller, region, gid):
    g = _region(st, caller.account, region)["security_groups"].get(gid)
    if g is None:
        raise ApiError("InvalidGroup.NotFound", "The security group '%s' does not exist" % gid, 400)
    return g


def _rule_out(gid, g, r):
    out = {"SecurityGroupRuleId": r["id"], "GroupId": gid, "GroupOwnerId": g["owner"],
           "IsEgress": r["egress"], "IpProtocol": r["protocol"], "FromPort": r["from"], "ToPort": r["to"]}
    if r.get("cidr_ipv4"):
        out["CidrIpv4"] = r["cidr_ipv4"]
    if r.get("cidr_ipv6"):
        out["CidrIpv6"] = r["cidr_ipv6"]
    if r.get("description"):
        out["Description"] = r["description"]
    return out


@op("ec2", "DescribeSecurityGroups")
def describe_security_groups(st, p, caller, region, req):
    with st.lock:
        groups = _region(st, caller.account, region)["security_groups"]
        ids = p.get("GroupIds") or sorted(groups)
        want = {}
        for f in p.get("Filters") or []:
            if f.get("Name") not in ("vpc-id", "group-name"):
                raise ApiError("InvalidParameterValue", "filter %s is not supported by the simulator"
                               % f.get("Name"), 400)
            want[f["Name"]] = set(f.get("Values") or [])
        out = []
        for gid in ids:
            g = _group(st, caller, region, gid)
            if g["vpc_id"] not in want.get("vpc-id", {g["vpc_id"]}) or \
                    g["name"] not in want.get("group-name", {g["name"]}):
                continue
            out.append({"GroupId": gid, "GroupName": g["name"], "Description": g["description"],
                        "OwnerId": g["owner"], "VpcId": g["vpc_id"],
                        "Tags": [{"Key": k, "Value": v} for k, v in sorted(g["tags"].items())]})
        return {"SecurityGroups": out}


@op("ec2", "DescribeSecurityGroupRules")
def describe_security_group_rules(st, p, caller, region, req):
    want = None
    for f in p.get("Filters") or []:
        if f.get("Name") != "group-id":
            raise ApiError("InvalidParameterValue", "filter %s is not supported by the simulator"
                           % f.get("Name"), 400)
        want = set(f.get("Values") or [])
    n = int(p.get("MaxResults", 1000))
    if not 5 <= n <= 1000:
        raise ApiError("InvalidParameterValue", "MaxResults must be between 5 and 1000", 400)
    with st.lock:
        rules = []
        for gid, g in sorted(_region(st, caller.account, region)["security_groups"].items()):
            if want is None or gid in want:
                rules += [_rule_out(gid, g, r) for r in g["rules"]]
    start = int(p.get("NextToken") or 0)
    out = {"SecurityGroupRules": rules[start:start + n]}
    if start + n < len(rules):
        out["NextToken"] = str(start + n)
    return out


@op("ec2", "RevokeSecurityGroupIngress")
def revoke_security_group_ingress(st, p, caller, region, req):
    ids = p.get("SecurityGroupRuleIds")
    if not ids or "GroupId" not in p:
        raise ApiError("InvalidParameterCombination", "the simulator revokes by GroupId and "
                       "SecurityGroupRuleIds only", 400)
    with st.lock:
        g = _group(st, caller, region, p["GroupId"])
        by_id = {r["id"]: r for r in g["rules"] if not r["egress"]}
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise ApiError("InvalidSecurityGroupRuleId.NotFound",
                           "The security group rule ID '%s' does not exist" % missing[0], 400)
        g["rules"] = [r for r in g["rules"] if r["id"] not in set(ids)]
    return {"Return": True}


@op("ec2", "RevokeSecurityGroupEgress")
def revoke_security_group_egress(st, p, caller, region, req):
    ids = p.get("SecurityGroupRuleIds")
    if not ids or "GroupId" not in p:
        raise ApiError("InvalidParameterCombination", "the simulator revokes by GroupId and "
                       "SecurityGroupRuleIds only", 400)
    with st.lock:
        g = _group(st, caller, region, p["GroupId"])
        by_id = {r["id"]: r for r in g["rules"] if r["egress"]}
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise ApiError("InvalidSecurityGroupRuleId.NotFound",
                           "The security group rule ID '%s' does not exist" % missing[0], 400)
        g["rules"] = [r for r in g["rules"] if r["id"] not in set(ids)]
    return {"Return": True}


@op("ec2", "GetEbsEncryptionByDefault")
def get_ebs_default(st, p, caller, region, req):
    with st.lock:
        return {"EbsEncryptionByDefault": _region(st, caller.account, region)["ebs_encryption_by_default"]}


@op("ec2", "EnableEbsEncryptionByDefault")
def enable_ebs_default(st, p, caller, region, req):
    with st.lock:
        _region(st, caller.account, region)["ebs_encryption_by_default"] = True
    return {"EbsEncryptionByDefault": True}


# ---------------------------------------------------------------------- IAM
def _user(st, caller, name):
    u = _acct(st, caller.account)["iam"]["users"].get(name)
    if u is None:
        raise ApiError("NoSuchEntity", "The user with name %s cannot be found." % name, 404)
    return u


@op("iam", "ListUserTags")
def list_user_tags(st, p, caller, region, req):
    with st.lock:
        u = _user(st, caller, p["UserName"])
        return {"Tags": [{"Key": k, "Value": v} for k, v in sorted(u["tags"].items())], "IsTruncated": False}


@op("iam", "ListAccessKeys")
def list_access_keys(st, p, caller, region, req):
    with st.lock:
        u = _user(st, caller, p["UserName"])
        return {"AccessKeyMetadata": [{"UserName": p["UserName"], "AccessKeyId": k["id"], "Status": k["status"],
                                       "CreateDate": k["create_date"]} for k in u["access_keys"]],
                "IsTruncated": False}


@op("iam", "GetAccessKeyLastUsed")
def get_access_key_last_used(st, p, caller, region, req):
    with st.lock:
        for name, u in _acct(st, caller.account)["iam"]["users"].items():
            for k in u["access_keys"]:
                if k["id"] == p["AccessKeyId"]:
                    last = {"ServiceName": "N/A", "Region": "N/A"}
                    if k.get("last_used"):
                        last = {"LastUsedDate": k["last_used"], "ServiceName": "s3", "Region": "us-east-1"}
                    return {"UserName": name, "AccessKeyLastUsed": last}
    raise ApiError("AccessDenied", "User is not authorized to perform: iam:GetAccessKeyLastUsed", 403)


@op("iam", "UpdateAccessKey")
def update_access_key(st, p, caller, region, req):
    with st.lock:
        u = _user(st, caller, p["UserName"])
        for k in u["access_keys"]:
            if k["id"] == p["AccessKeyId"]:
                k["status"] = p["Status"]
                return {}
    raise ApiError("NoSuchEntity", "The Access Key with id %s cannot be found." % p["AccessKeyId"], 404)


# ------------------------------------------------- EC2 instances (playbooks)
def _tags_in(specs, rtype):
    out = {}
    for s in specs or []:
        if s.get("ResourceType") == rtype:
            out.update({t["Key"]: t.get("Value", "") for t in s.get("Tags") or []})
    return out


def _tags_out(tags):
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def _instance(st, caller, region, iid):
    i = _region(st, caller.account, region).get("instances", {}).get(iid)
    if i is None or i["state"] == "terminated":
        raise ApiError("InvalidInstanceID.NotFound", "The instance ID '%s' does not exist" % iid, 400)
    return i


def _seq(st, prefix):
    """The next id of a kind (kept outside the dumped resource state)."""
    seq = st.__dict__.setdefault("resource_seq", {})
    seq[prefix] = seq.get(prefix, 0) + 1
    return "%s-%017x" % (prefix, 0xf000 + seq[prefix])


@op("ec2", "DescribeInstanceAttribute")
def describe_instance_attribute(st, p, caller, region, req):
    attr = p["Attribute"]
    with st.lock:
        i = _instance(st, caller, region, p["InstanceId"])
        out = {"InstanceId": p["InstanceId"]}
        if attr == "disableApiTermination":
            out["DisableApiTermination"] = {"Value": i["disable_api_termination"]}
        elif attr == "disableApiStop":
            out["DisableApiStop"] = {"Value": i["disable_api_stop"]}
        elif attr == "groupSet":
            out["Groups"] = [{"GroupId": g} for g in i["security_groups"]]
        else:
            raise ApiError("InvalidParameterValue", "the simulator reads disableApiTermination, "
                           "disableApiStop and groupSet only", 400)
        return out


@op("ec2", "ModifyInstanceAttribute")
def modify_instance_attribute(st, p, caller, region, req):
    given = [k for k in ("Groups", "DisableApiTermination", "DisableApiStop", "Attribute", "Value",
                         "SourceDestCheck", "InstanceType", "UserData", "BlockDeviceMappings") if k in p]
    if len(given) != 1:
        raise ApiError("InvalidParameterCombination", "exactly one attribute can be modified at a time", 400)
    with st.lock:
        i = _instance(st, caller, region, p["InstanceId"])
        if "Groups" in p:
            groups = _region(st, caller.account, region)["security_groups"]
            for g in p["Groups"]:
                if g not in groups:
                    raise ApiError("InvalidGroup.NotFound", "The security group '%s' does not exist" % g, 400)
                if groups[g]["vpc_id"] != i["vpc_id"]:
                    raise ApiError("InvalidGroup.NotFound", "The security group '%s' is not in VPC %s"
                                   % (g, i["vpc_id"]), 400)
            i["security_groups"] = list(p["Groups"])
        elif "DisableApiTermination" in p:
            i["disable_api_termination"] = bool(p["DisableApiTermination"].get("Value"))
        elif "DisableApiStop" in p:
            i["disable_api_stop"] = bool(p["DisableApiStop"].get("Value"))
        else:
            raise ApiError("InvalidParameterValue", "the simulator modifies Groups, DisableApiTermination "
                           "and DisableApiStop only", 400)
    return {}


@op("ec2", "CreateTags")
def create_tags(st, p, caller, region, req):
    with st.lock:
        r = _region(st, caller.account, region)
        for rid in p["Resources"]:
            target = (r.get("instances", {}).get(rid) or r.get("snapshots", {}).get(rid)
                      or r["security_groups"].get(rid))
            if target is None:
                raise ApiError("InvalidID", "The ID '%s' is not valid" % rid, 400)
            target["tags"].update({t["Key"]: t.get("Value", "") for t in p["Tags"]})
    return {}


@op("ec2", "CreateSnapshot")
def create_snapshot(st, p, caller, region, req):
    with st.lock:
        r = _region(st, caller.account, region)
        vid = p["VolumeId"]
        if not any(vid in i["volumes"] for i in r.get("instances", {}).values()):
            raise ApiError("InvalidVolume.NotFound", "The volume '%s' does not exist." % vid, 400)
        sid = _seq(st, "snap")
        snap = {"volume_id": vid, "description": p.get("Description", ""),
                "tags": _tags_in(p.get("TagSpecifications"), "snapshot")}
        r.setdefault("snapshots", {})[sid] = snap
        return {"SnapshotId": sid, "VolumeId": vid, "State": "pending", "OwnerId": caller.account,
                "Description": snap["description"], "Tags": _tags_out(snap["tags"])}


@op("iam", "GetAccountPasswordPolicy")
def get_account_password_policy(st, p, caller, region, req):
    with st.lock:
        pol = _acct(st, caller.account)["iam"]["password_policy"]
        if pol is None:
            raise ApiError("NoSuchEntity", "The Password Policy with domain name %s cannot be found."
                           % caller.account, 404)
        out = dict(pol)
    if out["MaxPasswordAge"] == 0:
        del out["MaxPasswordAge"]
    if out["PasswordReusePrevention"] == 0:
        del out["PasswordReusePrevention"]
    out["ExpirePasswords"] = "MaxPasswordAge" in out
    return {"PasswordPolicy": out}


@op("iam", "UpdateAccountPasswordPolicy")
def update_account_password_policy(st, p, caller, region, req):
    """Replaces the whole policy: a field not given goes back to IAM's
    default (as with AWS)."""
    pol = {"MinimumPasswordLength": int(p.get("MinimumPasswordLength", 6)),
           "MaxPasswordAge": int(p.get("MaxPasswordAge", 0)),
           "PasswordReusePrevention": int(p.get("PasswordReusePrevention", 0))}
    for k in ("RequireSymbols", "RequireNumbers", "RequireUppercaseCharacters", "RequireLowercaseCharacters",
              "AllowUsersToChangePassword", "HardExpiry"):
        pol[k] = bool(p.get(k, False))
    with st.lock:
        _acct(st, caller.account)["iam"]["password_policy"] = pol
    return {}


@op("iam", "DeleteAccountPasswordPolicy")
def delete_account_password_policy(st, p, caller, region, req):
    with st.lock:
        a = _acct(st, caller.account)["iam"]
        if a["password_policy"] is None:
            raise ApiError("NoSuchEntity", "The account policy with name PasswordPolicy cannot be found.", 404)
        a["password_policy"] = None
    return {}


# --------------------------------------------------------------- CloudTrail
def _trail(st, caller, region, name):
    """A trail by name or ARN, in its home region (the caller's region):
    another region's trail is not found, as UpdateTrail outside the home
    region fails."""
    if name.startswith("arn:"):
        parts = name.split(":")
        if len(parts) != 6 or parts[2] != "cloudtrail" or not parts[5].startswith("trail/"):
            raise ApiError("CloudTrailARNInvalidException", "%s is not a valid trail ARN" % name, 400)
        if parts[4] != caller.account:
            raise ApiError("TrailNotFoundException", "Unknown trail: %s for the user: %s" % (name, caller.account), 400)
        if parts[3] != region:
            raise ApiError("InvalidHomeRegionException", "This operation must be called from the "
                           "trail's home region %s" % parts[3], 400)
        name = parts[5][6:]
    t = _region(st, caller.account, region)["trails"].get(name)
    if t is None:
        raise ApiError("TrailNotFoundException", "Unknown trail: %s for the user: %s" % (name, caller.account), 400)
    return name, t


def _trail_out(st, caller, region, name, t):
    return {"Name": name, "S3BucketName": t["s3_bucket"], "IsMultiRegionTrail": t["multi_region"],
            "HomeRegion": region, "TrailARN": "arn:%s:cloudtrail:%s:%s:trail/%s" % (
                st.partition, region, caller.account, name),
            "LogFileValidationEnabled": t["log_file_validation"], "IncludeGlobalServiceEvents": True,
            "IsOrganizationTrail": False, "HasCustomEventSelectors": False, "HasInsightSelectors": False}


@op("cloudtrail", "GetTrail")
def get_trail(st, p, caller, region, req):
    with st.lock:
        name, t = _trail(st, caller, region, p["Name"])
        return {"Trail": _trail_out(st, caller, region, name, t)}


@op("cloudtrail", "UpdateTrail")
def update_trail(st, p, caller, region, req):
    known = {"Name", "EnableLogFileValidation", "S3BucketName"}
    if set(p) - known:
        raise ApiError("InvalidParameterCombinationException", "the simulator updates only %s"
                       % ", ".join(sorted(known)), 400)
    with st.lock:
        name, t = _trail(st, caller, region, p["Name"])
        if "EnableLogFileValidation" in p:
            t["log_file_validation"] = bool(p["EnableLogFileValidation"])
        if "S3BucketName" in p:
            t["s3_bucket"] = p["S3BucketName"]
        return _trail_out(st, caller, region, name, t)


@op("cloudtrail", "ListTags")
def list_trail_tags(st, p, caller, region, req):
    out = []
    with st.lock:
        for arn in p["ResourceIdList"]:
            _, t = _trail(st, caller, region, arn)
            out.append({"ResourceId": arn, "TagsList": [{"Key": k, "Value": v} for k, v in sorted(t["tags"].items())]})
    return {"ResourceTagList": out}


# ---------------------------------------------------------------------- KMS
def _key(st, caller, region, key_id):
    kid = key_id
    if key_id.startswith("arn:"):
        parts = key_id.split(":")
        if len(parts) != 6 or parts[2] != "kms" or not parts[5].startswith("key/"):
            raise ApiError("NotFoundException", "Invalid keyId %s" % key_id, 400)
        if parts[4] != caller.account or parts[3] != region:
            raise ApiError("NotFoundException", "Key '%s' does not exist" % key_id, 400)
        kid = parts[5][4:]
    k = _region(st, caller.account, region)["kms_keys"].get(kid)
    if k is None:
        raise ApiError("NotFoundException", "Key 'arn:aws:kms:%s:%s:key/%s' does not exist"
                       % (region, caller.account, kid), 400)
    return kid, k


@op("kms", "DescribeKey")
def describe_key(st, p, caller, region, req):
    with st.lock:
        kid, k = _key(st, caller, region, p["KeyId"])
        usage = {"SYMMETRIC_DEFAULT": "ENCRYPT_DECRYPT"}.get(k["spec"], "SIGN_VERIFY")
        return {"KeyMetadata": {"KeyId": kid, "Arn": "arn:%s:kms:%s:%s:key/%s" % (st.partition, region, caller.account, kid),
                                "AWSAccountId": caller.account, "Enabled": k["state"] == "Enabled",
                                "KeyState": k["state"], "KeyManager": k["manager"], "KeySpec": k["spec"],
                                "CustomerMasterKeySpec": k["spec"], "KeyUsage": usage, "Origin": k["origin"]}}


@op("kms", "ListResourceTags")
def list_resource_tags(st, p, caller, region, req):
    with st.lock:
        _, k = _key(st, caller, region, p["KeyId"])
        return {"Tags": [{"TagKey": a, "TagValue": b} for a, b in sorted(k["tags"].items())], "Truncated": False}


@op("kms", "GetKeyRotationStatus")
def get_key_rotation_status(st, p, caller, region, req):
    with st.lock:
        _, k = _key(st, caller, region, p["KeyId"])
        return {"KeyRotationEnabled": k["rotation"]}


@op("kms", "EnableKeyRotation")
def enable_key_rotation(st, p, caller, region, req):
    with st.lock:
        kid, k = _key(st, caller, region, p["KeyId"])
        if k["state"] == "Disabled":
            raise ApiError("DisabledException", "arn:aws:kms:%s:%s:key/%s is disabled." % (region, caller.account, kid), 400)
        if k["state"] != "Enabled":
            raise ApiError("KMSInvalidStateException", "%s is pending deletion." % kid, 400)
        if k["manager"] != "CUSTOMER" or k["spec"] != "SYMMETRIC_DEFAULT" or k["origin"] != "AWS_KMS":
            raise ApiError("UnsupportedOperationException", "%s origin is %s which is not valid for this "
                           "operation." % (kid, k["origin"]), 400)
        k["rotation"] = True
    return {}


# ------------------------------------------------------------ EBS snapshots
def _snapshot(st, caller, region, sid):
    x = _region(st, caller.account, region)["snapshots"].get(sid)
    if x is None:
        raise ApiError("InvalidSnapshot.NotFound", "The snapshot '%s' does not exist." % sid, 400)
    return x


@op("ec2", "DescribeSnapshots")
def describe_snapshots(st, p, caller, region, req):
    """By id (EC2.1 reads one snapshot), or every snapshot of the caller
    filtered by volume-id and tag:KEY (the ec2-compromise playbook)."""
    if p.get("RestorableByUserIds"):
        raise ApiError("InvalidParameterCombination", "the simulator does not take RestorableByUserIds", 400)
    want = {}
    for f in p.get("Filters") or []:
        if not f.get("Name", "").startswith("tag:") and f.get("Name") != "volume-id":
            raise ApiError("InvalidParameterValue", "filter %s is not supported by the simulator"
                           % f.get("Name"), 400)
        want[f["Name"]] = set(f.get("Values") or [])
    if p.get("OwnerIds") and p["OwnerIds"] != ["self"] and p["OwnerIds"] != [caller.account]:
        return {"Snapshots": []}
    with st.lock:
        snaps = _region(st, caller.account, region).get("snapshots", {})
        ids = p.get("SnapshotIds") or sorted(snaps)
        out = []
        for sid in ids:
            x = _snapshot(st, caller, region, sid)
            ok = all((x["volume_id"] in vals) if name == "volume-id" else (x["tags"].get(name[4:]) in vals)
                     for name, vals in want.items())
            if ok:
                out.append({"SnapshotId": sid, "OwnerId": caller.account, "VolumeId": x["volume_id"],
                            "VolumeSize": x.get("size", 8), "State": "completed", "Progress": "100%",
                            "Encrypted": False, "StartTime": "2026-01-05T10:00:00.000Z",
                            "Description": x.get("description", ""), "Tags": _tags_out(x["tags"])})
        return {"Snapshots": out}

@op("ec2", "CreateSecurityGroup")
def create_security_group(st, p, caller, region, req):
    with st.lock:
        groups = _region(st, caller.account, region)["security_groups"]
        vpc = p.get("VpcId", "vpc-0a1b2c3d")
        if any(g["name"] == p["GroupName"] and g["vpc_id"] == vpc for g in groups.values()):
            raise ApiError("InvalidGroup.Duplicate", "The security group '%s' already exists for VPC '%s'"
                           % (p["GroupName"], vpc), 400)
        gid = _seq(st, "sg")
        # as AWS: a new group allows all outbound traffic
        groups[gid] = {"name": p["GroupName"], "description": p["Description"], "vpc_id": vpc,
                       "owner": caller.account, "tags": _tags_in(p.get("TagSpecifications"), "security-group"),
                       "rules": [{"id": _seq(st, "sgr"), "egress": True, "protocol": "-1", "from": -1, "to": -1,
                                  "cidr_ipv4": "0.0.0.0/0"}]}
        return {"GroupId": gid, "Tags": _tags_out(groups[gid]["tags"])}


# ------------------------------------------------------ network ACLs (playbooks)
def _acl_out(aid, a, account):
    return {"NetworkAclId": aid, "VpcId": a["vpc_id"], "OwnerId": account, "IsDefault": False,
            "Associations": [{"NetworkAclAssociationId": "aclassoc-%s" % s[7:], "NetworkAclId": aid, "SubnetId": s}
                             for s in a["subnets"]],
            "Entries": [{"RuleNumber": e["rule_number"], "Egress": e["egress"], "Protocol": e["protocol"],
                         "RuleAction": e["action"], "CidrBlock": e["cidr"]}
                        for e in sorted(a["entries"], key=lambda e: (e["egress"], e["rule_number"]))],
            "Tags": []}


def _acl(st, caller, region, aid):
    a = _region(st, caller.account, region).get("network_acls", {}).get(aid)
    if a is None:
        raise ApiError("InvalidNetworkAclID.NotFound", "The network ACL ID '%s' does not exist" % aid, 400)
    return a


@op("ec2", "DescribeNetworkAcls")
def describe_network_acls(st, p, caller, region, req):
    want = {}
    for f in p.get("Filters") or []:
        if f.get("Name") not in ("association.subnet-id", "network-acl-id"):
            raise ApiError("InvalidParameterValue", "filter %s is not supported by the simulator"
                           % f.get("Name"), 400)
        want[f["Name"]] = set(f.get("Values") or [])
    with st.lock:
        out = []
        for aid, a in sorted(_region(st, caller.account, region).get("network_acls", {}).items()):
            if p.get("NetworkAclIds") and aid not in p["NetworkAclIds"]:
                continue
            if "network-acl-id" in want and aid not in want["network-acl-id"]:
                continue
            if "association.subnet-id" in want and not want["association.subnet-id"] & set(a["subnets"]):
                continue
            out.append(_acl_out(aid, a, caller.account))
        return {"NetworkAcls": out}


@op("ec2", "CreateNetworkAclEntry")
def create_network_acl_entry(st, p, caller, region, req):
    n = int(p["RuleNumber"])
    if not 1 <= n <= 32766:
        raise ApiError("InvalidParameterValue", "rule number %d is not between 1 and 32766" % n, 400)
    if p["RuleAction"] not in ("allow", "deny"):
        raise ApiError("InvalidParameterValue", "RuleAction must be allow or deny", 400)
    if not p.get("CidrBlock"):
        raise ApiError("MissingParameter", "the simulator needs CidrBlock", 400)
    with st.lock:
        a = _acl(st, caller, region, p["NetworkAclId"])
        if any(e["rule_number"] == n and e["egress"] == bool(p["Egress"]) for e in a["entries"]):
            raise ApiError("NetworkAclEntryAlreadyExists", "The network acl entry identified by %d already exists." % n, 400)
        a["entries"].append({"rule_number": n, "egress": bool(p["Egress"]), "protocol": str(p["Protocol"]),
                             "action": p["RuleAction"], "cidr": p["CidrBlock"]})
    return {}


@op("ec2", "DeleteNetworkAclEntry")
def delete_network_acl_entry(st, p, caller, region, req):
    n = int(p["RuleNumber"])
    with st.lock:
        a = _acl(st, caller, region, p["NetworkAclId"])
        keep = [e for e in a["entries"] if not (e["rule_number"] == n and e["egress"] == bool(p["Egress"]))]
        if len(keep) == len(a["entries"]):
            raise ApiError("InvalidNetworkAclEntry.NotFound", "The network acl entry identified by %d does not exist." % n, 400)
        a["entries"] = keep
    return {}


# ------------------------------------------------------ WAFv2 IP sets (playbooks)
def _waf_set(st, p, caller, region):
    if p["Scope"] == "CLOUDFRONT" and region != "us-east-1":
        raise ApiError("WAFInvalidParameterException",
                       "Error reason: The scope is not valid., field: SCOPE_VALUE, parameter: CLOUDFRONT", 400)
    s = _region(st, caller.account, region).get("waf_ip_sets", {}).get(p["Id"])
    if s is None or s["name"] != p["Name"] or s["scope"] != p["Scope"]:
        raise ApiError("WAFNonexistentItemException",
                       "AWS WAF couldn't perform the operation because your resource doesn't exist.", 400)
    return s


def _waf_arn(st, caller, region, sid, s):
    kind = "global" if s["scope"] == "CLOUDFRONT" else "regional"
    return "arn:%s:wafv2:%s:%s:%s/ipset/%s/%s" % (st.partition, region, caller.account, kind, s["name"], sid)


@op("wafv2", "GetIPSet")
def waf_get_ip_set(st, p, caller, region, req):
    with st.lock:
        s = _waf_set(st, p, caller, region)
        out = {"IPSet": {"Name": s["name"], "Id": p["Id"], "ARN": _waf_arn(st, caller, region, p["Id"], s),
                         "IPAddressVersion": s["version"], "Addresses": list(s["addresses"])},
               "LockToken": s["lock_token"]}
        if s["description"] is not None:
            out["IPSet"]["Description"] = s["description"]
        # a test's other writer (POST /_awssim/waf-race): it changes the
        # set just after this read, so the reader's LockToken is stale
        race = getattr(st, "waf_races", {}).get(p["Id"])
        if race and race["times"] > 0:
            race["times"] -= 1
            if race["add"] not in s["addresses"]:
                s["addresses"].append(race["add"])
            s["lock_token"] = waf_lock_token(p["Id"], s["lock_token"])
        return out


@op("wafv2", "UpdateIPSet")
def waf_update_ip_set(st, p, caller, region, req):
    import ipaddress
    with st.lock:
        s = _waf_set(st, p, caller, region)
        if p["LockToken"] != s["lock_token"]:
            raise ApiError("WAFOptimisticLockException",
                           "AWS WAF couldn't save your changes because someone changed the resource "
                           "after you started to edit it. Reapply your changes.", 400)
        want = 4 if s["version"] == "IPV4" else 6
        for a in p["Addresses"]:
            try:
                net = ipaddress.ip_network(a, strict=True)
            except ValueError:
                net = None
            if net is None or "/" not in a or net.version != want or net.prefixlen == 0:
                raise ApiError("WAFInvalidParameterException",
                               "Error reason: The parameter contains formatting that isn't valid., "
                               "field: IP_ADDRESS, parameter: %s" % a, 400)
        if len(p["Addresses"]) > 10000:
            raise ApiError("WAFLimitsExceededException", "too many addresses", 400)
        # a replace: what the call does not give is reset, as with AWS
        s["addresses"] = list(p["Addresses"])
        s["description"] = p.get("Description")
        s["lock_token"] = waf_lock_token(p["Id"], s["lock_token"])
        return {"NextLockToken": s["lock_token"]}


# ------------------------------------------------------------- SNS (notifications)
@op("sns", "Publish")
def sns_publish(st, p, caller, region, req):
    arn = p.get("TopicArn")
    if not arn:
        raise ApiError("InvalidParameter", "the simulator publishes to a TopicArn only", 400)
    parts = arn.split(":")
    if arn not in (st.scen.get("sns") or {}).get("topics", []) or len(parts) != 6 or parts[3] != region:
        raise ApiError("NotFound", "Topic does not exist", 404)
    if parts[4] != caller.account:
        raise ApiError("AuthorizationError", "User is not authorized to perform: SNS:Publish on resource: %s" % arn, 403)
    with st.lock:
        msgs = st.__dict__.setdefault("sns_messages", [])
        mid = "00000000-0000-4000-8000-%012d" % (len(msgs) + 1)
        msgs.append({"TopicArn": arn, "Subject": p.get("Subject", ""), "Message": p["Message"], "MessageId": mid})
    return {"MessageId": mid}


@op("ec2", "DescribeSnapshotAttribute")
def describe_snapshot_attribute(st, p, caller, region, req):
    if p["Attribute"] != "createVolumePermission":
        raise ApiError("InvalidParameterValue", "the simulator describes createVolumePermission only", 400)
    with st.lock:
        x = _snapshot(st, caller, region, p["SnapshotId"])
        perms = [{"Group": g} for g in x.get("groups", [])] + [{"UserId": u} for u in x.get("user_ids", [])]
        return {"SnapshotId": p["SnapshotId"], "CreateVolumePermissions": perms}


@op("ec2", "ModifySnapshotAttribute")
def modify_snapshot_attribute(st, p, caller, region, req):
    if p.get("Attribute") != "createVolumePermission" or p.get("OperationType") not in ("add", "remove") \
            or p.get("CreateVolumePermission"):
        raise ApiError("InvalidParameterCombination", "the simulator takes Attribute createVolumePermission "
                       "with OperationType and UserGroup/UserId", 400)
    groups, users = p.get("GroupNames") or [], p.get("UserIds") or []
    if not groups and not users:
        raise ApiError("MissingParameter", "No permission to add or remove", 400)
    if any(g != "all" for g in groups):
        raise ApiError("InvalidParameterValue", "Value (%s) for parameter group is invalid." % groups[0], 400)
    with st.lock:
        x = _snapshot(st, caller, region, p["SnapshotId"])
        for key, vals in (("groups", groups), ("user_ids", users)):
            if not vals:
                continue
            have = x.get(key, [])
            if p["OperationType"] == "add":
                x[key] = have + [v for v in vals if v not in have]
            else:
                x[key] = [v for v in have if v not in vals]
    return {}


# ------------------------------------------------------------ EC2 instances
def _metadata_options(x):
    return {"State": "applied", "HttpTokens": x["http_tokens"], "HttpEndpoint": x["http_endpoint"],
            "HttpPutResponseHopLimit": x["hop_limit"], "HttpProtocolIpv6": "disabled",
            "InstanceMetadataTags": "disabled"}


@op("ec2", "DescribeInstances")
def describe_instances(st, p, caller, region, req):
    """By id, or every instance of the region; a terminated one is shown as
    such (EC2.8 reads it as gone)."""
    if p.get("Filters"):
        raise ApiError("InvalidParameterCombination", "the simulator describes instances by id only", 400)
    with st.lock:
        inst = _region(st, caller.account, region).get("instances", {})
        ids = p.get("InstanceIds") or sorted(inst)
        missing = [i for i in ids if i not in inst]
        if missing:
            raise ApiError("InvalidInstanceID.NotFound", "The instance ID '%s' does not exist" % missing[0], 400)
        groups = _region(st, caller.account, region)["security_groups"]
        out = []
        for iid in ids:
            x = inst[iid]
            code = {"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64,
                    "stopped": 80}[x["state"]]
            out.append({"ReservationId": "r-%s" % iid[2:], "OwnerId": caller.account, "Instances": [{
                "InstanceId": iid, "InstanceType": "t3.micro", "ImageId": "ami-0a1b2c3d4e5f60718",
                "VpcId": x["vpc_id"], "SubnetId": x["subnet_id"],
                "State": {"Code": code, "Name": x["state"]}, "MetadataOptions": _metadata_options(x),
                "SecurityGroups": [{"GroupId": g, "GroupName": groups[g]["name"] if g in groups else g}
                                   for g in x["security_groups"]],
                "BlockDeviceMappings": [{"DeviceName": "/dev/xvd%s" % chr(ord("a") + n),
                                         "Ebs": {"VolumeId": v, "Status": "attached"}}
                                        for n, v in enumerate(x["volumes"])],
                "Tags": _tags_out(x["tags"])}]})
        return {"Reservations": out}


@op("ec2", "ModifyInstanceMetadataOptions")
def modify_instance_metadata_options(st, p, caller, region, req):
    with st.lock:
        x = _region(st, caller.account, region)["instances"].get(p["InstanceId"])
        if x is None or x["state"] == "terminated":
            raise ApiError("InvalidInstanceID.NotFound", "The instance ID '%s' does not exist" % p["InstanceId"], 400)
        if "HttpTokens" in p:
            x["http_tokens"] = p["HttpTokens"]
        if "HttpEndpoint" in p:
            x["http_endpoint"] = p["HttpEndpoint"]
        if "HttpPutResponseHopLimit" in p:
            x["hop_limit"] = int(p["HttpPutResponseHopLimit"])
        return {"InstanceId": p["InstanceId"], "InstanceMetadataOptions": _metadata_options(x)}


# ---------------------------------------------------------------- GuardDuty
def _detector(st, caller, region, did):
    d = _region(st, caller.account, region)["guardduty_detectors"].get(did)
    if d is None:
        raise ApiError("BadRequestException", "The request is rejected because the input detectorId "
                       "is not owned by the current account.", 400)
    return d


@op("guardduty", "ListDetectors")
def list_detectors(st, p, caller, region, req):
    with st.lock:
        return {"DetectorIds": sorted(_region(st, caller.account, region)["guardduty_detectors"])}


@op("guardduty", "GetDetector")
def get_detector(st, p, caller, region, req):
    with st.lock:
        d = _detector(st, caller, region, p["DetectorId"])
        return {"Status": d["status"], "FindingPublishingFrequency": d["finding_publishing_frequency"],
                "ServiceRole": "arn:%s:iam::%s:role/aws-service-role/guardduty.amazonaws.com/"
                               "AWSServiceRoleForAmazonGuardDuty" % (st.partition, caller.account),
                "CreatedAt": "2026-01-05T10:00:00.000Z", "UpdatedAt": "2026-01-05T10:00:00.000Z"}


@op("guardduty", "CreateDetector")
def create_detector(st, p, caller, region, req):
    with st.lock:
        dets = _region(st, caller.account, region)["guardduty_detectors"]
        if dets:
            raise ApiError("BadRequestException", "The request is rejected because a detector already "
                           "exists for the current account.", 400)
        did = hashlib.md5(("%s/%s" % (caller.account, region)).encode()).hexdigest()
        dets[did] = {"status": "ENABLED" if p["Enable"] else "DISABLED",
                     "finding_publishing_frequency": p.get("FindingPublishingFrequency", "SIX_HOURS")}
    return {"DetectorId": did}


@op("guardduty", "UpdateDetector")
def update_detector(st, p, caller, region, req):
    with st.lock:
        d = _detector(st, caller, region, p["DetectorId"])
        if "Enable" in p:
            d["status"] = "ENABLED" if p["Enable"] else "DISABLED"
        if "FindingPublishingFrequency" in p:
            d["finding_publishing_frequency"] = p["FindingPublishingFrequency"]
    return {}


# ---------------------------------------------------------------------- RDS
def _db_out(st, caller, region, name, d):
    return {"DBInstanceIdentifier": name, "DBInstanceClass": "db.t3.micro", "Engine": d["engine"],
            "DBInstanceStatus": d["status"], "PubliclyAccessible": d["publicly_accessible"],
            "DBInstanceArn": "arn:%s:rds:%s:%s:db:%s" % (st.partition, region, caller.account, name),
            "TagList": [{"Key": k, "Value": v} for k, v in sorted(d["tags"].items())]}


@op("rds", "DescribeDBInstances")
def describe_db_instances(st, p, caller, region, req):
    if not p.get("DBInstanceIdentifier") or p.get("Filters"):
        raise ApiError("InvalidParameterCombination", "the simulator describes DB instances by identifier only", 400)
    with st.lock:
        d = _region(st, caller.account, region)["db_instances"].get(p["DBInstanceIdentifier"])
        if d is None:
            raise ApiError("DBInstanceNotFound", "DBInstance %s not found." % p["DBInstanceIdentifier"], 404)
        return {"DBInstances": [_db_out(st, caller, region, p["DBInstanceIdentifier"], d)]}


@op("rds", "ModifyDBInstance")
def modify_db_instance(st, p, caller, region, req):
    known = {"DBInstanceIdentifier", "PubliclyAccessible", "ApplyImmediately"}
    if set(p) - known:
        raise ApiError("InvalidParameterCombination", "the simulator modifies only %s" % ", ".join(sorted(known)), 400)
    with st.lock:
        d = _region(st, caller.account, region)["db_instances"].get(p["DBInstanceIdentifier"])
        if d is None:
            raise ApiError("DBInstanceNotFound", "DBInstance %s not found." % p["DBInstanceIdentifier"], 404)
        if d["status"] != "available":
            raise ApiError("InvalidDBInstanceState", "Database instance is not in available state.", 400)
        if "PubliclyAccessible" in p:
            # (AWS applies it within minutes with ApplyImmediately; here at once)
            d["publicly_accessible"] = bool(p["PubliclyAccessible"])
        return {"DBInstance": _db_out(st, caller, region, p["DBInstanceIdentifier"], d)}


# ------------------------------------------------------------------- Lambda
def _function(st, caller, region, name):
    f = _region(st, caller.account, region)["lambda_functions"].get(name)
    if f is None:
        raise ApiError("ResourceNotFoundException", "Function not found: arn:%s:lambda:%s:%s:function:%s"
                       % (st.partition, region, caller.account, name), 404)
    return f


def _revision(caller, region, name, f):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "%s/%s/%s/%d" % (caller.account, region, name, f["revision"])))


@op("lambda", "ListTags")
def lambda_list_tags(st, p, caller, region, req):
    arn = p["Resource"]
    parts = arn.split(":")
    if len(parts) != 7 or parts[2] != "lambda" or parts[5] != "function":
        raise ApiError("InvalidParameterValueException", "Invalid ARN %s" % arn, 400)
    if parts[4] != caller.account or parts[3] != region:
        raise ApiError("AccessDeniedException", "not the caller's function", 403)
    with st.lock:
        return {"Tags": dict(_function(st, caller, region, parts[6])["tags"])}


@op("resourcegroupstaggingapi", "GetResources")
def tagging_get_resources(st, p, caller, region, req):
    """By ResourceARNList (Lambda functions here): as AWS, a resource that
    has never had a tag is not listed, nor one of another account or
    region."""
    if not p.get("ResourceARNList") or p.get("TagFilters") or p.get("ResourceTypeFilters"):
        raise ApiError("InvalidParameterException", "the simulator looks resources up by ResourceARNList only", 400)
    out = []
    with st.lock:
        for arn in p["ResourceARNList"]:
            parts = arn.split(":")
            if len(parts) != 7 or parts[2] != "lambda" or parts[5] != "function" \
                    or parts[3] != region or parts[4] != caller.account:
                continue
            f = _region(st, caller.account, region)["lambda_functions"].get(parts[6])
            if f and f["tags"]:
                out.append({"ResourceARN": arn, "Tags": [{"Key": k, "Value": v} for k, v in sorted(f["tags"].items())]})
    return {"ResourceTagMappingList": out, "PaginationToken": ""}


@op("lambda", "GetPolicy")
def lambda_get_policy(st, p, caller, region, req):
    if p.get("Qualifier"):
        raise ApiError("InvalidParameterValueException", "the simulator keeps unqualified policies only", 400)
    with st.lock:
        f = _function(st, caller, region, p["FunctionName"])
        if not f["statements"]:
            raise ApiError("ResourceNotFoundException", "The resource you requested does not exist.", 404)
        pol = {"Version": "2012-10-17", "Id": "default", "Statement": f["statements"]}
        return {"Policy": json.dumps(pol, separators=(",", ":")),
                "RevisionId": _revision(caller, region, p["FunctionName"], f)}


@op("lambda", "RemovePermission")
def lambda_remove_permission(st, p, caller, region, req):
    if p.get("Qualifier"):
        raise ApiError("InvalidParameterValueException", "the simulator keeps unqualified policies only", 400)
    with st.lock:
        f = _function(st, caller, region, p["FunctionName"])
        if p.get("RevisionId") and p["RevisionId"] != _revision(caller, region, p["FunctionName"], f):
            raise ApiError("PreconditionFailedException", "The Revision Id provided does not match the "
                           "latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id", 412)
        keep = [x for x in f["statements"] if x.get("Sid") != p["StatementId"]]
        if len(keep) == len(f["statements"]):
            raise ApiError("ResourceNotFoundException", "The resource you requested does not exist.", 404)
        f["statements"] = keep
        f["revision"] += 1
    return {}


# ------------------------------------------------------------ RDS snapshots
def _rds_snapshot(st, caller, region, name, cluster):
    x = _region(st, caller.account, region)["rds_snapshots"].get(name)
    if x is None or x["cluster"] != cluster:
        if cluster:
            raise ApiError("DBClusterSnapshotNotFoundFault", "DBClusterSnapshot %s not found." % name, 404)
        raise ApiError("DBSnapshotNotFound", "DBSnapshot %s not found." % name, 404)
    return x


def _rds_snapshot_out(st, caller, region, name, x):
    kind = "cluster-snapshot" if x["cluster"] else "snapshot"
    out = {"SnapshotType": x["type"], "Status": x["status"], "Engine": "postgres",
           "TagList": [{"Key": k, "Value": v} for k, v in sorted(x["tags"].items())]}
    arn = "arn:%s:rds:%s:%s:%s:%s" % (st.partition, region, caller.account, kind, name)
    if x["cluster"]:
        out.update({"DBClusterSnapshotIdentifier": name, "DBClusterIdentifier": "cluster-1",
                    "DBClusterSnapshotArn": arn})
    else:
        out.update({"DBSnapshotIdentifier": name, "DBInstanceIdentifier": "db-1", "DBSnapshotArn": arn})
    return out


def _rds_snapshots_op(cluster):
    ident = "DBClusterSnapshotIdentifier" if cluster else "DBSnapshotIdentifier"

    def describe(st, p, caller, region, req):
        if not p.get(ident) or p.get("Filters"):
            raise ApiError("InvalidParameterCombination", "the simulator describes snapshots by identifier only", 400)
        with st.lock:
            x = _rds_snapshot(st, caller, region, p[ident], cluster)
            key = "DBClusterSnapshots" if cluster else "DBSnapshots"
            return {key: [_rds_snapshot_out(st, caller, region, p[ident], x)]}

    def attributes(st, p, caller, region, req):
        with st.lock:
            x = _rds_snapshot(st, caller, region, p[ident], cluster)
            pre = "DBClusterSnapshot" if cluster else "DBSnapshot"
            return {pre + "AttributesResult": {ident: p[ident], pre + "Attributes": [
                {"AttributeName": "restore", "AttributeValues": list(x["restore"])}]}}

    def modify(st, p, caller, region, req):
        if p["AttributeName"] != "restore":
            raise ApiError("InvalidParameterValue", "AttributeName must be restore", 400)
        with st.lock:
            x = _rds_snapshot(st, caller, region, p[ident], cluster)
            add = p.get("ValuesToAdd") or []
            if "all" in add and x["type"] != "manual":
                raise ApiError("InvalidParameterValue", "only manual snapshots can be shared", 400)
            x["restore"] = [v for v in x["restore"] if v not in (p.get("ValuesToRemove") or [])]
            x["restore"] += [v for v in add if v not in x["restore"]]
            return attributes(st, p, caller, region, req)
    return describe, attributes, modify


for _cluster in (False, True):
    _d, _a, _m = _rds_snapshots_op(_cluster)
    _w = "DBCluster" if _cluster else "DB"
    op("rds", "Describe%sSnapshots" % _w)(_d)
    op("rds", "Describe%sSnapshotAttributes" % _w)(_a)
    op("rds", "Modify%sSnapshotAttribute" % _w)(_m)


# ---------------------------------------------------------------------- SSM
def _document(st, caller, region, name, code="InvalidDocument"):
    d = _region(st, caller.account, region)["ssm_documents"].get(name)
    if d is None:
        raise ApiError(code, "Document %s does not exist" % name if code == "InvalidDocument"
                       else "The resource ID \"%s\" is not valid. Verify the ID and try again." % name, 400)
    return d


@op("ssm", "ListTagsForResource")
def ssm_list_tags(st, p, caller, region, req):
    if p["ResourceType"] != "Document":
        raise ApiError("InvalidResourceType", "the simulator keeps tags of documents only", 400)
    with st.lock:
        d = _document(st, caller, region, p["ResourceId"], "InvalidResourceId")
        return {"TagList": [{"Key": k, "Value": v} for k, v in sorted(d["tags"].items())]}


@op("ssm", "DescribeDocumentPermission")
def ssm_describe_permission(st, p, caller, region, req):
    with st.lock:
        d = _document(st, caller, region, p["Name"])
        if d["owner"] != caller.account:
            raise ApiError("InvalidDocument", "Document %s is not owned by the caller" % p["Name"], 400)
        return {"AccountIds": list(d["shared_with"]),
                "AccountSharingInfoList": [{"AccountId": a} for a in d["shared_with"]]}


@op("ssm", "ModifyDocumentPermission")
def ssm_modify_permission(st, p, caller, region, req):
    with st.lock:
        d = _document(st, caller, region, p["Name"])
        if d["owner"] != caller.account:
            raise ApiError("InvalidDocument", "Document %s is not owned by the caller" % p["Name"], 400)
        rm = {a.lower() for a in p.get("AccountIdsToRemove") or []}
        d["shared_with"] = [a for a in d["shared_with"] if a.lower() not in rm]
        for a in p.get("AccountIdsToAdd") or []:
            a = "all" if a.lower() == "all" else a
            if a not in d["shared_with"]:
                d["shared_with"].append(a)
    return {}
