#!/bin/sh
# test_filters.sh - `hubwarden findings` filters never answer wrongly: an
# unknown value is an error naming the nearest known one (exit 2), never
# "0 findings"; control ids, severities and products match in any case;
# accounts by id or name; repeated options and comma lists combine;
# --region, --trusted/--untrusted, --sort, --limit, --group-by resource.
. "$(dirname "$0")/lib.sh"
use_test_creds
start_sim "$ROOT/tests/data/awssim/basic.json"
cat > "$TMP/hw.json" <<JSON
{"db": "$TMP/hw.db", "aws": {"region": "us-east-1", "max_attempts": 3},
 "organization": {"mode": "aggregator"}, "lock_timeout_seconds": 1}
JSON
HWC="$HW --config $TMP/hw.json"
expect_rc 0 $HWC scan
# scan --output json: one JSON document on stdout; with --log-format json
# the diagnostics are JSON lines, so a cron log is pure JSON
expect_rc 0 $HWC --log-format json scan --output json
/usr/bin/python3 - "$TMP/out" "$TMP/err" <<'PY' || fail "scan --output json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["run_id"] and d["status"] == "ok" and d["seen"] >= 0, d
fw = {f["framework"]: f for f in d["frameworks"]}
c = fw["cis-aws-3.0.0"]
assert c["counts"] == "account x requirement pairs", c
# the rate counts partial and suppressed pairs as no pass (README), and
# every status is there, adding up to the pairs
decided = c["passed"] + c["failed"] + c["partial"] + c["suppressed"]
assert c["pass_rate"] is None if not decided else abs(c["pass_rate"] - c["passed"] / decided) < 1e-9, c
assert c["pairs"] == decided + c["exception"] + c["not_applicable"] + c["no_data"] + c["manual"], c
for line in open(sys.argv[2]):
    json.loads(line)
PY
expect_rc 2 $HWC scan --output csv
count() { # ARGS...: the number of findings the query returns
    $HWC findings --output json "$@" > "$TMP/c.json" 2> "$TMP/c.err" || { cat "$TMP/c.err"; fail "findings $*"; }
    json_eval "$TMP/c.json" "len(d)"
}

# unknown values: exit 2, the value and the nearest known one named
bad() { # EXPECTED-NEAREST ARGS...
    near=$1; shift
    expect_rc 2 $HWC findings "$@"
    contains "$TMP/err" "nearest: $near"
    [ ! -s "$TMP/out" ] || fail "findings $*: printed results"
}
bad cis-aws-3.0.0 --framework cis_3.0_aws
bad IAM.3 --control iam.33
bad guardduty --product gaurdduty
bad prod-app --account prod-ap
bad 333333333333 --account 333333333334
bad CRITICAL --severity critcal
bad FAILED --status FIALED
bad eu-west-1 --region eu-west-9
bad severity --sort sevrity
contains "$TMP/err" "'sevrity'"
expect_rc 2 $HWC findings --limit 0
expect_rc 2 $HWC findings --group-by account
expect_rc 2 $HWC findings --trusted --untrusted
ok "unknown values exit 2 naming the nearest"

# any case; accounts by id or name
[ "$(count --control s3.8)" = "$(count --control S3.8)" ] || fail "--control is case-sensitive"
[ "$(count --control S3.8)" -gt 0 ] || fail "no S3.8 findings"
[ "$(count --severity critical)" = "$(count --severity CRITICAL)" ] || fail "--severity is case-sensitive"
[ "$(count --product GuardDuty)" = "$(count --product guardduty)" ] || fail "--product is case-sensitive"
[ "$(count --product GuardDuty)" -gt 0 ] || fail "no GuardDuty findings"
[ "$(count --account prod-app)" = "$(count --account 333333333333)" ] || fail "--account by name"
[ "$(count --account PROD-APP)" -gt 0 ] || fail "no findings for prod-app"
ok "case-insensitive values, accounts by name"

# lists and repeats combine
c=$(count --severity CRITICAL); h=$(count --severity HIGH)
[ "$(count --severity CRITICAL,HIGH)" = $((c + h)) ] || fail "--severity CRITICAL,HIGH"
[ "$(count --severity CRITICAL --severity HIGH)" = $((c + h)) ] || fail "--severity repeated"
[ "$(count --account prod-app,444444444444)" = $(( $(count --account prod-app) + $(count --account 444444444444) )) ] || fail "--account list"
ok "lists and repeats combine"

# --region, --sort, --limit
count --region EU-WEST-1 > /dev/null
[ "$(json_eval "$TMP/c.json" "sorted(set(f['region'] for f in d))")" = "['eu-west-1']" ] || fail "--region"
count --sort severity,-last_observed > /dev/null
json_eval "$TMP/c.json" "[f['severity'] for f in d]" > "$TMP/sev"
/usr/bin/python3 - "$TMP/c.json" <<'PY' || fail "--sort severity,-last_observed"
import json, sys
d = json.load(open(sys.argv[1]))
rank = {"CRITICAL": 0, "HIGH": 1, "MEDIUM": 2, "LOW": 3, "INFORMATIONAL": 4}
keys = [(rank[f["severity"]], f["last_observed"]) for f in d]
for a, b in zip(keys, keys[1:]):
    assert a[0] < b[0] or (a[0] == b[0] and a[1] >= b[1]), (a, b)
PY
[ "$(count --limit 7)" = 7 ] || fail "--limit 7"
[ "$(count --limit 7 --sort -updated_at --control S3.8)" -le 7 ] || fail "--limit with filters"
ok "--region, --sort, --limit"

# --trusted / --untrusted: an imported finding of an account outside the
# Organization is untrusted
/usr/bin/python3 "$ROOT/tests/awssim/gen_findings.py" --count 3 --accounts 999999999999 --seed 4 -o "$TMP/x.jsonl"
expect_rc 0 $HWC import "$TMP/x.jsonl"
all=$(count)
[ "$(count --untrusted)" = 3 ] || fail "--untrusted: $(count --untrusted)"
[ "$(count --trusted)" = $((all - 3)) ] || fail "--trusted"
[ "$(count --account 999999999999 --trusted)" = 0 ] || fail "--trusted with --account"
ok "--trusted / --untrusted"

# --group-by resource: one row per resource; Security Hub (and the
# simulator) keep one finding per control and resource
expect_rc 0 $HWC findings --group-by resource --output json
/usr/bin/python3 - "$TMP/out" <<'PY' || fail "--group-by resource"
import json, sys
d = json.load(open(sys.argv[1]))
assert d and list(d[0].keys()) == ["account", "region", "findings", "failed", "severity", "controls", "last_observed", "resource"], d[0]
for g in d:
    n = len([c for c in g["controls"].split(",") if c]) if g["controls"] else 0
    # GuardDuty findings have no control: only control findings are counted here
    if g["resource"].startswith("AWS::::Account:"):
        assert g["findings"] == n, ("several findings of one control and resource", g)
assert any(g["resource"].startswith("AWS::::Account:") for g in d)
PY
ok "--group-by resource"

# the auditors' questions, one command each, in table, JSON and CSV
for o in table json csv; do
    expect_rc 0 $HWC findings --framework pci-dss-4.0.1 --account prod-app --status FAILED --output $o
    expect_rc 0 $HWC findings --severity critical --untrusted --output $o
done
echo "filters: all checks passed"
