"""services.py - the operations the simulator implements, one function each,
registered by (service, operation).  Each receives validated parameters and
the authenticated caller and returns the output structure (or raises
ApiError with the code AWS would send).
"""
import base64
import copy
import datetime
import json
import re
import secrets
import time

from state import ApiError, iso, now_utc

OPS = {}


def op(service, name):
    def deco(fn):
        OPS[(service, name)] = fn
        return fn
    return deco


def call(state, svc, opm, params, caller, region, req):
    fn = OPS.get((svc.name, opm.name))
    if fn is None:
        raise ApiError("InvalidAction" if svc.protocol in ("query", "ec2") else "UnknownOperationException",
                       "%s is not implemented by the simulator" % opm.name, 400)
    return fn(state, params, caller, region, req)


# ---------------------------------------------------------------------- STS
@op("sts", "GetCallerIdentity")
def get_caller_identity(st, p, caller, region, req):
    return {"Account": caller.account, "Arn": caller.arn, "UserId": caller.user_id}


def _issue_for_role(st, role_arn, session, duration, ext_id, caller_account):
    m = re.fullmatch(r"arn:[\w-]+:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)", role_arn)
    if not m:
        raise ApiError("ValidationError", "%s is invalid" % role_arn, 400)
    account, name = m.group(1), m.group(2)
    role = st.role(account, name)
    if role is None or (caller_account is not None and caller_account not in role.get("trusted_accounts", [])):
        raise ApiError("AccessDenied", "User is not authorized to perform: sts:AssumeRole on resource: %s"
                       % role_arn, 403)
    if role.get("external_id") and role["external_id"] != ext_id:
        raise ApiError("AccessDenied", "User is not authorized to perform: sts:AssumeRole on resource: %s"
                       % role_arn, 403)
    limit = min(int(role.get("max_session_duration", 3600)), st.max_session)
    if duration > limit:
        raise ApiError("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration "
                       "set for this role.", 400)
    role_id = "AROA" + secrets.token_hex(8).upper()
    arn = "arn:%s:sts::%s:assumed-role/%s/%s" % (st.partition, account, name, session)
    creds = st.issue(account, arn, "%s:%s" % (role_id, session), duration)
    return {"Credentials": creds, "AssumedRoleUser": {"AssumedRoleId": "%s:%s" % (role_id, session), "Arn": arn}}


@op("sts", "AssumeRole")
def assume_role(st, p, caller, region, req):
    return _issue_for_role(st, p["RoleArn"], p["RoleSessionName"], int(p.get("DurationSeconds", 3600)),
                           p.get("ExternalId"), caller.account)


@op("sts", "AssumeRoleWithWebIdentity")
def assume_role_web_identity(st, p, caller, region, req):
    want = st.web_tokens.get(p["WebIdentityToken"])
    if want != p["RoleArn"]:
        raise ApiError("InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider", 400)
    out = _issue_for_role(st, p["RoleArn"], p["RoleSessionName"], int(p.get("DurationSeconds", 3600)),
                          None, None)
    out["SubjectFromWebIdentityToken"] = "system:serviceaccount:hubwarden"
    return out


# ------------------------------------------------------------ Organizations
def _org_access(st, caller):
    org = st.org
    if not org or caller.account not in st.accounts:
        raise ApiError("AWSOrganizationsNotInUseException",
                       "Your account is not a member of an organization.", 400)
    if caller.account != org.get("management_account") and caller.account not in org.get("delegated_admins", []):
        raise ApiError("AccessDeniedException", "You don't have permissions to access this resource.", 400)


def _page(items, p, key, size=20):
    start = 0
    tok = p.get("NextToken")
    if tok:
        try:
            start = int(base64.b64decode(tok).decode().split(":")[1])
        except Exception:
            raise ApiError("InvalidInputException", "You specified an invalid value for nextToken.", 400)
    n = min(int(p.get("MaxResults", size)), size)
    out = {key: items[start:start + n]}
    if start + n < len(items):
        out["NextToken"] = base64.b64encode(("page:%d" % (start + n)).encode()).decode()
    return out


def _account_out(st, a):
    joined = datetime.datetime(2024, 1, 15, tzinfo=datetime.timezone.utc)
    return {"Id": a["id"], "Arn": "arn:%s:organizations::%s:account/%s/%s" % (
        st.partition, st.org["management_account"], st.org["id"], a["id"]),
        "Email": a.get("email", "%s@example.com" % a["id"]), "Name": a.get("name", a["id"]),
        "Status": a.get("status", "ACTIVE"), "JoinedMethod": "CREATED", "JoinedTimestamp": joined}


@op("organizations", "DescribeOrganization")
def describe_org(st, p, caller, region, req):
    _org_access(st, caller)
    o = st.org
    return {"Organization": {"Id": o["id"], "Arn": "arn:%s:organizations::%s:organization/%s" % (
        st.partition, o["management_account"], o["id"]), "FeatureSet": "ALL",
        "MasterAccountId": o["management_account"]}}


@op("organizations", "ListAccounts")
def list_accounts(st, p, caller, region, req):
    _org_access(st, caller)
    return _page([_account_out(st, a) for a in st.accounts.values()], p, "Accounts")


@op("organizations", "ListRoots")
def list_roots(st, p, caller, region, req):
    _org_access(st, caller)
    r = st.org["root"]
    return _page([{"Id": r["id"], "Name": r.get("name", "Root"),
                   "Arn": "arn:%s:organizations::%s:root/%s/%s" % (
                       st.partition, st.org["management_account"], st.org["id"], r["id"]),
                   "PolicyTypes": []}], p, "Roots")


def _parent_exists(st, pid):
    return pid == st.org["root"]["id"] or any(o["id"] == pid for o in st.org.get("ous", []))


@op("organizations", "ListOrganizationalUnitsForParent")
def list_ous(st, p, caller, region, req):
    _org_access(st, caller)
    if not _parent_exists(st, p["ParentId"]):
        raise ApiError("ParentNotFoundException", "We can't find a root or OU with the ParentId that you specified.", 400)
    ous = [{"Id": o["id"], "Name": o["name"], "Arn": "arn:%s:organizations::%s:ou/%s/%s" % (
        st.partition, st.org["management_account"], st.org["id"], o["id"])}
        for o in st.org.get("ous", []) if o["parent"] == p["ParentId"]]
    return _page(ous, p, "OrganizationalUnits")


@op("organizations", "ListAccountsForParent")
def list_accounts_for_parent(st, p, caller, region, req):
    _org_access(st, caller)
    if not _parent_exists(st, p["ParentId"]):
        raise ApiError("ParentNotFoundException", "We can't find a root or OU with the ParentId that you specified.", 400)
    accts = [_account_out(st, a) for a in st.accounts.values() if a.get("parent") == p["ParentId"]]
    return _page(accts, p, "Accounts")


# ------------------------------------------------------------- Security Hub
FIELD_PATHS = {
    "ProductArn": ["ProductArn"], "AwsAccountId": ["AwsAccountId"], "Id": ["Id"],
    "GeneratorId": ["GeneratorId"], "Region": ["Region"], "Type": ["Types", "*"],
    "FirstObservedAt": ["FirstObservedAt"], "LastObservedAt": ["LastObservedAt"],
    "CreatedAt": ["CreatedAt"], "UpdatedAt": ["UpdatedAt"], "SeverityLabel": ["Severity", "Label"],
    "Title": ["Title"], "Description": ["Description"], "ProductName": ["ProductName"],
    "CompanyName": ["CompanyName"], "ComplianceStatus": ["Compliance", "Status"],
    "ComplianceSecurityControlId": ["Compliance", "SecurityControlId"],
    "ComplianceAssociatedStandardsId": ["Compliance", "AssociatedStandards", "*", "StandardsId"],
    "WorkflowStatus": ["Workflow", "Status"], "WorkflowState": ["WorkflowState"],
    "RecordState": ["RecordState"], "ResourceType": ["Resources", "*", "Type"],
    "ResourceId": ["Resources", "*", "Id"], "ResourceRegion": ["Resources", "*", "Region"],
    "SeverityNormalized": ["Severity", "Normalized"], "ProductFields": ["ProductFields"],
}


def _values(f, path):
    vals = [f]
    for part in path:
        nxt = []
        for v in vals:
            if part == "*" and isinstance(v, list):
                nxt.extend(v)
            elif isinstance(v, dict) and part in v:
                nxt.append(v[part])
        vals = nxt
    return vals


def _parse_time(s):
    if isinstance(s, (int, float)):
        return datetime.datetime.fromtimestamp(s, datetime.timezone.utc)
    s = s.replace("Z", "+00:00")
    try:
        return datetime.datetime.fromisoformat(s)
    except ValueError:
        m = re.match(r"(.*\.\d{6})\d*(.*)", s)
        if m:
            return datetime.datetime.fromisoformat(m.group(1) + m.group(2))
        raise


def _string_match(vals, conds):
    pos = [c for c in conds if c.get("Comparison", "EQUALS") in ("EQUALS", "PREFIX", "CONTAINS")]
    neg = [c for c in conds if c not in pos]

    def one(v, c):
        cmpn, want = c.get("Comparison", "EQUALS"), c.get("Value", "")
        v = str(v)
        return {"EQUALS": v == want, "PREFIX": v.startswith(want), "CONTAINS": want in v,
                "NOT_EQUALS": v != want, "PREFIX_NOT_EQUALS": not v.startswith(want),
                "NOT_CONTAINS": want not in v}[cmpn]

    ok = True
    if pos:
        ok = any(one(v, c) for c in pos for v in vals)
    if neg:
        ok = ok and all(one(v, c) for c in neg for v in vals)
    return ok


def _date_match(vals, conds):
    now = now_utc()
    for c in conds:
        start = _parse_time(c["Start"]) if "Start" in c else None
        end = _parse_time(c["End"]) if "End" in c else None
        if "DateRange" in c:
            start = now - datetime.timedelta(days=int(c["DateRange"]["Value"]))
            end = now
        for v in vals:
            try:
                t = _parse_time(v)
            except (ValueError, TypeError):
                continue
            if (start is None or t >= start) and (end is None or t <= end):
                return True
    return False


def _number_match(vals, conds):
    for c in conds:
        for v in vals:
            if ("Gte" in c and not v >= c["Gte"]) or ("Lte" in c and not v <= c["Lte"]) or \
               ("Eq" in c and v != c["Eq"]) or ("Gt" in c and not v > c["Gt"]) or ("Lt" in c and not v < c["Lt"]):
                continue
            return True
    return False


def _map_match(f, path, conds):
    m = _values(f, path)
    m = m[0] if m and isinstance(m[0], dict) else {}
    pos = [c for c in conds if c.get("Comparison", "EQUALS") in ("EQUALS", "CONTAINS")]
    neg = [c for c in conds if c not in pos]
    ok = not pos or any(c["Key"] in m and (m[c["Key"]] == c["Value"] if c["Comparison"] == "EQUALS"
                                           else c["Value"] in m[c["Key"]]) for c in pos)
    return ok and all(not (c["Key"] in m and (m[c["Key"]] == c["Value"] if c["Comparison"] == "NOT_EQUALS"
                                             else c["Value"] in m[c["Key"]])) for c in neg)


DATE_FIELDS = {"FirstObservedAt", "LastObservedAt", "CreatedAt", "UpdatedAt"}
NUMBER_FIELDS = {"SeverityNormalized"}
MAP_FIELDS = {"ProductFields"}


def _matches(f, filters):
    for field, conds in filters.items():
        if not conds:
            continue
        path = FIELD_PATHS.get(field)
        if path is None:
            raise ApiError("InvalidInputException", "the simulator does not support the filter %s" % field, 400)
        if field in MAP_FIELDS:
            if not _map_match(f, path, conds):
                return False
            continue
        vals = _values(f, path)
        if field in DATE_FIELDS:
            ok = _date_match(vals, conds)
        elif field in NUMBER_FIELDS:
            ok = _number_match(vals, conds)
        else:
            ok = _string_match(vals, conds) if vals else \
                all(c.get("Comparison") in ("NOT_EQUALS", "PREFIX_NOT_EQUALS", "NOT_CONTAINS") for c in conds)
        if not ok:
            return False
    return True


@op("securityhub", "GetFindings")
def get_findings(st, p, caller, region, req):
    tok = p.get("NextToken")
    size = int(p.get("MaxResults", 100))
    if tok:
        # tokens stay valid (a client may ask for the same page again after a
        # broken response), tied to the caller, and expire oldest first
        with st.lock:
            snap = st.pages.get(tok)
        if snap is None or snap[2] != (caller.account, region):
            raise ApiError("InvalidInputException", "The NextToken is invalid or expired.", 400)
        items, start, _ = snap
    else:
        filters = p.get("Filters", {})
        items = [f for f in st.visible(caller, region) if _matches(f, filters)]
        for c in reversed(p.get("SortCriteria") or [{"Field": "UpdatedAt", "SortOrder": "desc"}]):
            path = FIELD_PATHS.get(c.get("Field", "UpdatedAt"), [c.get("Field")])
            items.sort(key=lambda f: str((_values(f, path) or [""])[0]),
                       reverse=c.get("SortOrder", "asc") == "desc")
        start = 0
    page = items[start:start + size]
    # no copy: the handler serializes under the state's lock, so a finding
    # changed meanwhile is sent whole, before or after the change
    out = {"Findings": list(page)}
    if start + size < len(items):
        nt = base64.b64encode(secrets.token_bytes(24)).decode()
        with st.lock:
            st.pages[nt] = (items, start + size, (caller.account, region))
            while len(st.pages) > 10000:
                st.pages.pop(next(iter(st.pages)))
        out["NextToken"] = nt
    return out


def _visible_ids(st, caller, region):
    agg = st.aggregator or {}
    return caller.account == agg.get("account") and region == agg.get("region")


@op("securityhub", "BatchUpdateFindings")
def batch_update_findings(st, p, caller, region, req):
    ids = p["FindingIdentifiers"]
    if len(ids) > 100:
        raise ApiError("InvalidInputException", "FindingIdentifiers: at most 100 findings a call", 400)
    done, failed = [], []
    stamp = iso(now_utc())
    with st.lock:
        for ident in ids:
            f = st.findings.get((ident["ProductArn"], ident["Id"]))
            if f is None or (f.get("AwsAccountId") != caller.account and not _visible_ids(st, caller, region)):
                failed.append({"FindingIdentifier": ident, "ErrorCode": "FindingNotFound",
                               "ErrorMessage": "Finding Not Found"})
                continue
            if "Workflow" in p:
                f.setdefault("Workflow", {})["Status"] = p["Workflow"]["Status"]
            if "Note" in p:
                f["Note"] = {"Text": p["Note"]["Text"], "UpdatedBy": p["Note"]["UpdatedBy"], "UpdatedAt": stamp}
            if "Severity" in p:
                f.setdefault("Severity", {}).update(p["Severity"])
            if "UserDefinedFields" in p:
                f.setdefault("UserDefinedFields", {}).update(p["UserDefinedFields"])
            # as AWS documents: BatchUpdateFindings leaves UpdatedAt alone
            done.append(ident)
        st._sorted = None
    return {"ProcessedFindings": done, "UnprocessedFindings": failed}


@op("securityhub", "BatchImportFindings")
def batch_import_findings(st, p, caller, region, req):
    fs = p["Findings"]
    if len(fs) > 100:
        raise ApiError("InvalidInputException", "Findings: at most 100 findings a call", 400)
    failed = []
    with st.lock:
        for f in fs:
            if f.get("AwsAccountId") != caller.account:
                failed.append({"Id": f.get("Id"), "ErrorCode": "AccessDeniedException",
                               "ErrorMessage": "account mismatch"})
                continue
            st._add(copy.deepcopy(f))
    return {"FailedCount": len(failed), "SuccessCount": len(fs) - len(failed), "FailedFindings": failed}


CONTROL_ID = re.compile(r"^[A-Za-z][A-Za-z0-9]*\.[0-9]+$")


@op("securityhub", "BatchGetSecurityControls")
def batch_get_security_controls(st, p, caller, region, req):
    """The caller's own account and region only, as on AWS: ENABLED unless
    the scenario disables the control there; ids that name no control come
    back in UnprocessedIds (NOT_FOUND)."""
    if {caller.account, "%s:%s" % (caller.account, region)} & st.control_check_denied:
        raise ApiError("AccessDeniedException", "User is not authorized to perform: "
                       "securityhub:BatchGetSecurityControls", 403)
    ids = p["SecurityControlIds"]
    if not ids or len(ids) > 100:
        raise ApiError("InvalidInputException", "SecurityControlIds: 1 to 100 ids a call", 400)
    off = st.disabled_controls.get(caller.account, set()) | \
        st.disabled_controls.get("%s:%s" % (caller.account, region), set())
    found, missing = [], []
    for cid in ids:
        if not CONTROL_ID.match(cid):
            missing.append({"SecurityControlId": cid, "ErrorCode": "NOT_FOUND",
                            "ErrorReason": "no such security control"})
            continue
        found.append({
            "SecurityControlId": cid,
            "SecurityControlArn": "arn:%s:securityhub:%s:%s:security-control/%s" % (
                st.partition, region, caller.account, cid),
            "Title": "Security control %s" % cid,
            "Description": "Simulated security control %s." % cid,
            "RemediationUrl": "https://docs.aws.amazon.com/console/securityhub/%s/remediation" % cid,
            "SeverityRating": "MEDIUM",
            "SecurityControlStatus": "DISABLED" if cid in off else "ENABLED",
            "UpdateStatus": "READY"})
    out = {"SecurityControls": found}
    if missing:
        out["UnprocessedIds"] = missing
    return out


@op("securityhub", "DescribeHub")
def describe_hub(st, p, caller, region, req):
    return {"HubArn": "arn:%s:securityhub:%s:%s:hub/default" % (st.partition, region, caller.account),
            "SubscribedAt": "2024-01-15T00:00:00.000Z", "AutoEnableControls": True,
            "ControlFindingGenerator": "SECURITY_CONTROL"}


@op("securityhub", "ListFindingAggregators")
def list_finding_aggregators(st, p, caller, region, req):
    agg = st.aggregator
    if agg and caller.account == agg["account"]:
        return {"FindingAggregators": [{"FindingAggregatorArn": "arn:%s:securityhub:%s:%s:finding-aggregator/%s" % (
            st.partition, agg["region"], agg["account"], "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111")}]}
    return {"FindingAggregators": []}
