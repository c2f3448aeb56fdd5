"""svc_config.py - AWS Config in the simulator: the Organization's
configuration aggregator and its resource counts
(GetAggregateDiscoveredResourceCounts), registered with services.op.

Scenario:
    "config": {
      "aggregators": [{"account": "222222222222", "region": "us-east-1",
                       "name": "OrgAggregator"}],
      "resources": {"333333333333": {"AWS::S3::Bucket": 3, ...}, ...}
    }
An account with no entry in "resources" records nothing: the aggregator
does not cover it, so it appears in no answer.  Resources are counted in
the aggregator's region (the Region filter matches it or nothing).
"""
import base64

from services import op
from state import ApiError

GROUP_KEYS = ("ACCOUNT_ID", "RESOURCE_TYPE", "AWS_REGION")


def _aggregator(st, caller, region, name):
    cfg = st.scen.get("config") or {}
    for a in cfg.get("aggregators", []):
        if a["name"] == name and a["account"] == caller.account and a["region"] == region:
            return a
    raise ApiError("NoSuchConfigurationAggregatorException",
                   "The configuration aggregator does not exist. Check the configuration "
                   "aggregator name and try again.", 400)


@op("config", "GetAggregateDiscoveredResourceCounts")
def get_aggregate_discovered_resource_counts(st, p, caller, region, req):
    agg = _aggregator(st, caller, region, p["ConfigurationAggregatorName"])
    resources = (st.scen.get("config") or {}).get("resources", {})
    f = p.get("Filters") or {}
    group = p.get("GroupByKey")
    if group is not None and group not in GROUP_KEYS:
        raise ApiError("ValidationException", "GroupByKey must be one of %s" % ", ".join(GROUP_KEYS), 400)
    limit = p.get("Limit") or 1000
    if limit < 0 or limit > 1000:
        raise ApiError("InvalidLimitException", "Limit must be from 0 to 1000", 400)
    if f.get("Region") and f["Region"] != agg["region"]:
        resources = {}
    rows = []  # (account, type, count)
    for acct in sorted(resources):
        if f.get("AccountId") and f["AccountId"] != acct:
            continue
        for rtype in sorted(resources[acct]):
            if f.get("ResourceType") and f["ResourceType"] != rtype:
                continue
            n = int(resources[acct][rtype])
            if n > 0:
                rows.append((acct, rtype, n))
    out = {"TotalDiscoveredResources": sum(r[2] for r in rows)}
    if group is None:
        return out
    groups = {}
    for acct, rtype, n in rows:
        k = {"ACCOUNT_ID": acct, "RESOURCE_TYPE": rtype, "AWS_REGION": agg["region"]}[group]
        groups[k] = groups.get(k, 0) + n
    items = [{"GroupName": k, "ResourceCount": groups[k]} for k in sorted(groups)]
    start = 0
    tok = p.get("NextToken")
    if tok:
        try:
            start = int(base64.b64decode(tok).decode().split(":")[1])
        except Exception:
            raise ApiError("InvalidNextTokenException", "The specified next token is invalid.", 400)
    n = limit or 1000
    out["GroupByKey"] = group
    out["GroupedResourceCounts"] = items[start:start + n]
    if start + n < len(items):
        out["NextToken"] = base64.b64encode(("counts:%d" % (start + n)).encode()).decode()
    return out
