#!/usr/bin/python3
"""make_seeds.py - writes the seed corpora of the XML and GetFindings page
fuzz targets (corpus/xml_*/, corpus/page/): hubwarden's own inputs, shaped
after the response members of the AWS models (botocore service-2.json:
sts, ec2, iam, s3, s3control, securityhub).  Answers are separated by a
line "@@"; "HTTP nnn" first sets the status (see xml_answers.h).

usage: tests/fuzz/make_seeds.py   (rewrites the seed files; regression
inputs found by fuzzing live beside them as crash-* and are kept)
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
EC2NS = 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"'
IAMNS = 'xmlns="https://iam.amazonaws.com/doc/2010-05-08/"'
STSNS = 'xmlns="https://sts.amazonaws.com/doc/2011-06-15/"'
S3NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'
RID = "<ResponseMetadata><RequestId>0f1e2d3c-0000-4000-8000-000000000001</RequestId></ResponseMetadata>"


def ec2(op, inner):
    return '<?xml version="1.0" encoding="UTF-8"?>\n<%sResponse %s><requestId>r-1</requestId>%s</%sResponse>' % (
        op, EC2NS, inner, op)


def ec2_err(status, code, msg):
    return "HTTP %d\n<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors>" \
           "<RequestID>r-2</RequestID></Response>" % (status, code, msg)


def query(op, ns, inner):
    return '<%sResponse %s><%sResult>%s</%sResult>%s</%sResponse>' % (op, ns, op, inner, op, RID, op)


def query_err(status, code, msg):
    return "HTTP %d\n<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message>" \
           "</Error><RequestId>r-3</RequestId></ErrorResponse>" % (status, code, msg)


def s3_err(status, code, msg):
    return "HTTP %d\n<Error><Code>%s</Code><Message>%s</Message><RequestId>R4</RequestId>" \
           "<HostId>h</HostId></Error>" % (status, code, msg)


def join(*answers):
    return "\n@@\n".join(answers)


def sg_rule(rid, egress, proto, frm, to, cidr=None, cidr6=None, ref=None):
    x = "<item><securityGroupRuleId>%s</securityGroupRuleId><groupId>sg-0a11</groupId>" \
        "<groupOwnerId>333333333333</groupOwnerId><isEgress>%s</isEgress><ipProtocol>%s</ipProtocol>" \
        "<fromPort>%d</fromPort><toPort>%d</toPort>" % (rid, "true" if egress else "false", proto, frm, to)
    if cidr:
        x += "<cidrIpv4>%s</cidrIpv4>" % cidr
    if cidr6:
        x += "<cidrIpv6>%s</cidrIpv6>" % cidr6
    if ref:
        x += "<referencedGroupInfo><groupId>%s</groupId><userId>333333333333</userId></referencedGroupInfo>" % ref
    return x + "</item>"


def sg(group="sg-0a11", name="web", tags=()):
    t = "".join("<item><key>%s</key><value>%s</value></item>" % kv for kv in tags)
    return ec2("DescribeSecurityGroups", "<securityGroupInfo><item><ownerId>333333333333</ownerId>"
               "<groupId>%s</groupId><groupName>%s</groupName><groupDescription>d</groupDescription>"
               "<vpcId>vpc-1</vpcId><tagSet>%s</tagSet></item></securityGroupInfo>" % (group, name, t))


def rules(items, token=None):
    return ec2("DescribeSecurityGroupRules", "<securityGroupRuleSet>%s</securityGroupRuleSet>%s" % (
        "".join(items), "<nextToken>%s</nextToken>" % token if token else ""))


seeds = {}
seeds["xml_ec2"] = {
    "sg_open": join(sg(), rules([sg_rule("sgr-0001", False, "tcp", 22, 22, cidr="0.0.0.0/0"),
                                 sg_rule("sgr-0002", False, "tcp", 443, 443, cidr="10.0.0.0/8"),
                                 sg_rule("sgr-0003", True, "-1", -1, -1, cidr="0.0.0.0/0"),
                                 sg_rule("sgr-0004", False, "tcp", 3389, 3389, cidr6="::/0")]),
                    ec2("RevokeSecurityGroupIngress", "<return>true</return>"),
                    rules([sg_rule("sgr-0002", False, "tcp", 443, 443, cidr="10.0.0.0/8")])),
    "sg_pages": join(sg(), rules([sg_rule("sgr-0001", False, "tcp", 0, 65535, cidr="0.0.0.0/0")], "tok-2"),
                     rules([sg_rule("sgr-0005", False, "-1", -1, -1, ref="sg-0b22")])),
    "sg_exempt": join(sg(tags=[("hubwarden:exempt", "RISK-42"), ("env", "prod")])),
    "sg_gone": ec2_err(400, "InvalidGroup.NotFound", "The security group 'sg-0a11' does not exist"),
    "ebs_off": join(ec2("GetEbsEncryptionByDefault", "<ebsEncryptionByDefault>false</ebsEncryptionByDefault>"),
                    ec2("EnableEbsEncryptionByDefault", "<ebsEncryptionByDefault>true</ebsEncryptionByDefault>"),
                    ec2("GetEbsEncryptionByDefault", "<ebsEncryptionByDefault>true</ebsEncryptionByDefault>")),
    "snapshot_public": join(
        ec2("DescribeSnapshots", "<snapshotSet><item><snapshotId>snap-0123456789abcdef0</snapshotId>"
            "<ownerId>333333333333</ownerId><state>completed</state><tagSet><item><key>k</key><value>v</value>"
            "</item></tagSet></item></snapshotSet>"),
        ec2("DescribeSnapshotAttribute", "<snapshotId>snap-0123456789abcdef0</snapshotId><createVolumePermission>"
            "<item><group>all</group></item><item><userId>444444444444</userId></item></createVolumePermission>"),
        ec2("ModifySnapshotAttribute", "<return>true</return>")),
    "default_sg": join(sg("sg-0d44", "default"),
                       rules([sg_rule("sgr-0d01", False, "-1", -1, -1, ref="sg-0d44"),
                              sg_rule("sgr-0d02", True, "-1", -1, -1, cidr="0.0.0.0/0")]),
                       ec2("RevokeSecurityGroupIngress", "<return>true</return>"),
                       ec2("RevokeSecurityGroupEgress", "<return>true</return>")),
    "imds_optional": join(
        ec2("DescribeInstances", "<reservationSet><item><reservationId>r-1</reservationId><ownerId>333333333333"
            "</ownerId><instancesSet><item><instanceId>i-0123456789abcdef0</instanceId><instanceState><code>16"
            "</code><name>running</name></instanceState><tagSet/><metadataOptions><state>applied</state>"
            "<httpTokens>optional</httpTokens><httpEndpoint>enabled</httpEndpoint></metadataOptions></item>"
            "</instancesSet></item></reservationSet>"),
        ec2("ModifyInstanceMetadataOptions", "<instanceId>i-0123456789abcdef0</instanceId>")),
    "throttled": join(ec2_err(503, "RequestLimitExceeded", "Request limit exceeded."), "RESET"),
    "truncated": ec2("DescribeSecurityGroups", "<securityGroupInfo><item><ownerId>3333")[:-20],
}


def key(kid, status, created):
    return "<member><UserName>ci-deploy</UserName><AccessKeyId>%s</AccessKeyId><Status>%s</Status>" \
           "<CreateDate>%s</CreateDate></member>" % (kid, status, created)


seeds["xml_iam"] = {
    "keys_stale": join(
        query("ListUserTags", IAMNS, "<Tags><member><Key>team</Key><Value>ci</Value></member></Tags>"
              "<IsTruncated>false</IsTruncated>"),
        query("ListAccessKeys", IAMNS, "<UserName>ci-deploy</UserName><AccessKeyMetadata>%s%s</AccessKeyMetadata>"
              "<IsTruncated>false</IsTruncated>" % (key("AKIAOLDKEY0000000001", "Active", "2020-01-02T03:04:05Z"),
                                                    key("AKIANEWKEY0000000002", "Active", "2026-11-30T00:00:00Z"))),
        query("GetAccessKeyLastUsed", IAMNS, "<UserName>ci-deploy</UserName><AccessKeyLastUsed><LastUsedDate>"
              "2021-05-06T07:08:09Z</LastUsedDate><ServiceName>s3</ServiceName><Region>us-east-1</Region>"
              "</AccessKeyLastUsed>"),
        query("GetAccessKeyLastUsed", IAMNS, "<UserName>ci-deploy</UserName><AccessKeyLastUsed><ServiceName>N/A"
              "</ServiceName><Region>N/A</Region></AccessKeyLastUsed>"),
        query("UpdateAccessKey", IAMNS, ""),
        query("ListAccessKeys", IAMNS, "<AccessKeyMetadata>%s</AccessKeyMetadata>" %
              key("AKIAOLDKEY0000000001", "Inactive", "2020-01-02T03:04:05Z"))),
    "keys_exempt": query("ListUserTags", IAMNS, "<Tags><member><Key>hubwarden:exempt</Key><Value>break-glass"
                         "</Value></member></Tags>"),
    "user_gone": query_err(404, "NoSuchEntity", "The user with name ci-deploy cannot be found."),
    "password_weak": join(
        query("GetAccountPasswordPolicy", IAMNS, "<PasswordPolicy><MinimumPasswordLength>8</MinimumPasswordLength>"
              "<RequireSymbols>false</RequireSymbols><RequireNumbers>true</RequireNumbers>"
              "<RequireUppercaseCharacters>true</RequireUppercaseCharacters><RequireLowercaseCharacters>true"
              "</RequireLowercaseCharacters><AllowUsersToChangePassword>true</AllowUsersToChangePassword>"
              "<ExpirePasswords>false</ExpirePasswords><PasswordReusePrevention>3</PasswordReusePrevention>"
              "</PasswordPolicy>"),
        query("UpdateAccountPasswordPolicy", IAMNS, "")),
    "password_none": join(query_err(404, "NoSuchEntity", "The Password Policy with domain name 333333333333 "
                                    "cannot be found."), query("UpdateAccountPasswordPolicy", IAMNS, "")),
    "throttled": join(query_err(400, "Throttling", "Rate exceeded"), "HTTP 500\n", "RESET"),
}

seeds["xml_s3"] = {
    "bucket_pab_off": join(
        '<Tagging %s><TagSet><Tag><Key>env</Key><Value>prod</Value></Tag></TagSet></Tagging>' % S3NS,
        '<PublicAccessBlockConfiguration %s><BlockPublicAcls>false</BlockPublicAcls><IgnorePublicAcls>false'
        '</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>false'
        '</RestrictPublicBuckets></PublicAccessBlockConfiguration>' % S3NS,
        "", '<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls>'
        '</PublicAccessBlockConfiguration>'),
    "bucket_exempt": '<Tagging><TagSet><Tag><Key>hubwarden:exempt</Key><Value>public website</Value></Tag>'
                     '</TagSet></Tagging>',
    "no_tags": join(s3_err(404, "NoSuchTagSet", "The TagSet does not exist"),
                    s3_err(404, "NoSuchPublicAccessBlockConfiguration", "none"), ""),
    "not_owner": s3_err(403, "AccessDenied", "Access Denied"),
    "no_bucket": s3_err(404, "NoSuchBucket", "The specified bucket does not exist"),
    "account_pab": join('<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls>'
                        '<IgnorePublicAcls>true</IgnorePublicAcls></PublicAccessBlockConfiguration>', "",
                        '<PublicAccessBlockConfiguration/>'),
    "encryption": join('<Tagging><TagSet/></Tagging>',
                       '<ServerSideEncryptionConfiguration %s><Rule><ApplyServerSideEncryptionByDefault>'
                       '<SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>arn:aws:kms:us-east-1:333333333333:'
                       'key/1234abcd-12ab-34cd-56ef-1234567890ab</KMSMasterKeyID></ApplyServerSideEncryptionByDefault>'
                       '<BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>' % S3NS),
    "no_encryption": join('<Tagging><TagSet/></Tagging>',
                          s3_err(404, "ServerSideEncryptionConfigurationNotFoundError", "none"), "",
                          '<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>'
                          '<SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule>'
                          '</ServerSideEncryptionConfiguration>'),
    "policy": join('<Tagging><TagSet/></Tagging>', json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444444444444:root"},
             "Action": "s3:GetObject", "Resource": "arn:aws:s3:::fuzz-bucket/*"}]}), ""),
    "policy_none": join('<Tagging><TagSet/></Tagging>', s3_err(404, "NoSuchBucketPolicy", "none"), ""),
    "slow_down": join(s3_err(503, "SlowDown", "Please reduce your request rate."), "RESET"),
}

seeds["xml_sts"] = {
    "identity_assume": join(
        query("GetCallerIdentity", STSNS, "<Arn>arn:aws:iam::222222222222:user/hubwarden</Arn>"
              "<UserId>AIDAEXAMPLEUSERID0001</UserId><Account>222222222222</Account>"),
        query("AssumeRole", STSNS, "<AssumedRoleUser><AssumedRoleId>AROA1:hubwarden</AssumedRoleId><Arn>"
              "arn:aws:sts::333333333333:assumed-role/HubwardenAudit/hubwarden</Arn></AssumedRoleUser>"
              "<Credentials><AccessKeyId>ASIAEXAMPLE000000001</AccessKeyId><SecretAccessKey>"
              "exampleassumedsecretkey000000000000000001</SecretAccessKey><SessionToken>FwoGZXIvYXdzEXAMPLE"
              "</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>"),
        query("AssumeRole", STSNS, "<Credentials><AccessKeyId>ASIAEXAMPLE000000002</AccessKeyId><SecretAccessKey>"
              "exampleassumedsecretkey000000000000000002</SecretAccessKey><SessionToken>tok2</SessionToken>"
              "<Expiration>2030-01-01T00:00:00.123Z</Expiration></Credentials>"),
        query("GetCallerIdentity", STSNS, "<Arn>arn:aws:sts::444444444444:assumed-role/HubwardenAudit/s</Arn>"
              "<UserId>AROA2:s</UserId><Account>444444444444</Account>")),
    "denied": join(query_err(403, "AccessDenied", "not authorized to perform sts:AssumeRole"),
                   query_err(403, "AccessDenied", "no")),
    "expired": query_err(403, "ExpiredToken", "The security token included in the request is expired"),
    "bad_expiration": join(query("GetCallerIdentity", STSNS, "<Account>12</Account>"),
                           query("AssumeRole", STSNS, "<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S"
                                 "</SecretAccessKey><SessionToken>T</SessionToken><Expiration>soon</Expiration>"
                                 "</Credentials>")),
    "entities": '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><GetCallerIdentityResponse>'
                '<GetCallerIdentityResult><Account>&e;</Account></GetCallerIdentityResult></GetCallerIdentityResponse>',
    "reset": join("RESET", "HTTP 503\n<ErrorResponse/>", "HTTP 200\n"),
}


def finding(i, acct="333333333333", **over):
    f = {"SchemaVersion": "2018-10-08", "Id": "arn:aws:securityhub:us-east-1:%s:security-control/S3.8/finding/"
         "seed-%04d" % (acct, i),
         "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub",
         "GeneratorId": "security-control/S3.8", "AwsAccountId": acct, "Region": "us-east-1",
         "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
         "CreatedAt": "2026-11-01T00:00:00.000Z", "UpdatedAt": "2026-12-01T00:00:%02d.000Z" % (i % 60),
         "Severity": {"Label": "HIGH", "Original": "HIGH"}, "Title": "S3 general purpose buckets should block "
         "public access", "Description": "seed",
         "Resources": [{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::seed-bucket-%d" % i, "Partition": "aws",
                        "Region": "us-east-1"}],
         "Compliance": {"Status": "FAILED", "SecurityControlId": "S3.8",
                        "AssociatedStandards": [{"StandardsId": "standards/aws-foundational-security-best-practices/v/1.0.0"}]},
         "Workflow": {"Status": "NEW"}, "RecordState": "ACTIVE",
         "ProductFields": {"aws/securityhub/ProductName": "Security Hub"}}
    f.update(over)
    return f


seeds["page"] = {
    "two_findings": json.dumps({"Findings": [finding(1), finding(2)], "NextToken": "tok-page-2"}),
    "last_page": json.dumps({"Findings": [finding(3)]}),
    "empty": json.dumps({"Findings": []}),
    "bad_finding": json.dumps({"Findings": [finding(4, Region="not a region"), finding(5)], "NextToken": ""}),
    "foreign_account": json.dumps({"Findings": [finding(6, acct="999999999999")], "NextToken": "x"}),
    "token_first": json.dumps({"NextToken": "t" * 200, "Findings": [finding(7)]}),
    "not_object": json.dumps([finding(8)]),
    "truncated": json.dumps({"Findings": [finding(9), finding(10)]})[:900],
    "escapes": json.dumps({"Findings": [finding(11, Title="caf\u00e9 \u202e \\u0000")], "NextToken": "\u00e9"},
                          ensure_ascii=True),
}

for target, files in seeds.items():
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for name, text in files.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
print("seeds: " + ", ".join("%s %d" % (t, len(f)) for t, f in seeds.items()))
