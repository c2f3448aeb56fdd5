"""resources.py - the resource state remediations read and change: S3 and
S3 Control public access blocks, bucket tags, EC2 security groups and
their rules, EBS encryption by default, IAM users' access keys and tags.
Every resource lives in one account (and region where AWS keeps it per
region); callers see their own account's only, as with AWS.  The state is
State.resources (state.load_resources), dumped whole by
GET /_awssim/resources so that a test can diff before and after.
"""
import hashlib

from services import op
from state import ApiError

FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def _acct(st, account):
    a = st.resources.get(account)
    if a is None:
        a = st.resources.setdefault(account, {"s3": {"buckets": {}, "public_access_block": None},
                                              "regions": {}, "iam": {"users": {}}})
    return a


def _region(st, account, region):
    return _acct(st, account)["regions"].setdefault(
        region, {"security_groups": {}, "ebs_encryption_by_default": False})


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


@op("ec2", "DescribeInstances")
def describe_instances(st, p, caller, region, req):
    if p.get("Filters"):
        raise ApiError("InvalidParameterValue", "the simulator describes instances by InstanceIds only", 400)
    with st.lock:
        insts = _region(st, caller.account, region).get("instances", {})
        ids = p.get("InstanceIds") or sorted(insts)
        out = []
        for iid in ids:
            i = _instance(st, caller, region, iid)
            groups = _region(st, caller.account, region)["security_groups"]
            out.append({
                "InstanceId": iid, "VpcId": i["vpc_id"], "SubnetId": i["subnet_id"],
                "State": {"Name": i["state"], "Code": 16},
                "SecurityGroups": [{"GroupId": g, "GroupName": groups[g]["name"] if g in groups else g}
                                   for g in i["security_groups"]],
                "BlockDeviceMappings": [{"DeviceName": "/dev/xvd%s" % chr(ord("a") + n),
                                         "Ebs": {"VolumeId": v, "Status": "attached"}}
                                        for n, v in enumerate(i["volumes"])],
                "Tags": _tags_out(i["tags"])})
        return {"Reservations": [{"ReservationId": "r-%s" % iid[2:], "OwnerId": caller.account,
                                  "Instances": out}] if out else []}


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


@op("ec2", "DescribeSnapshots")
def describe_snapshots(st, p, caller, region, req):
    want = {}
    for f in p.get("Filters") or []:
        if not f.get("Name", "").startswith("tag:") and f.get("Name") != "volume-id":
            raise ApiError("InvalidParameterValue", "filter %s is not supported by the simulator"
                           % f.get("Name"), 400)
        want[f["Name"]] = set(f.get("Values") or [])
    if p.get("OwnerIds") and p["OwnerIds"] != ["self"] and p["OwnerIds"] != [caller.account]:
        return {"Snapshots": []}
    with st.lock:
        out = []
        for sid, s in sorted(_region(st, caller.account, region).get("snapshots", {}).items()):
            ok = all((s["volume_id"] in vals) if name == "volume-id" else (s["tags"].get(name[4:]) in vals)
                     for name, vals in want.items())
            if ok:
                out.append({"SnapshotId": sid, "VolumeId": s["volume_id"], "State": "completed",
                            "OwnerId": caller.account, "Description": s["description"],
                            "Tags": _tags_out(s["tags"])})
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


@op("ec2", "RevokeSecurityGroupEgress")
def revoke_security_group_egress(st, p, caller, region, req):
    ids = p.get("SecurityGroupRuleIds")
    if not ids:
        raise ApiError("InvalidParameterCombination", "the simulator revokes by SecurityGroupRuleIds only", 400)
    with st.lock:
        g = _group(st, caller, region, p["GroupId"])
        by_id = {r["id"]: r for r in g["rules"] if r["egress"]}
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise ApiError("InvalidSecurityGroupRuleId.NotFound",
                           "The security group rule ID '%s' does not exist" % missing[0], 400)
        g["rules"] = [r for r in g["rules"] if r["id"] not in set(ids)]
    return {"Return": True}


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
