#!/bin/sh
# test_evaluation.sh - NOT_APPLICABLE on evidence: with
# evaluation.config_aggregator the scan asks AWS Config's aggregator for
# resource counts (one call for the accounts it covers, one per resource
# type of the catalogue, grouped by account); a control without findings is
# NOT_APPLICABLE only where it is known enabled and the account has no
# resources of its type; elsewhere NO_DATA with the reason.  A refused
# inventory is a warning and leaves no inventory behind.
. "$(dirname "$0")/lib.sh"
use_test_creds
/usr/bin/python3 - "$ROOT/tests/data/awssim/basic.json" "$TMP/scenario.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["securityhub"]["disabled_controls"] = {"333333333333:eu-west-1": ["RDS.13"]}
json.dump(d, open(sys.argv[2], "w"))
PY
start_sim "$TMP/scenario.json" --no-rate-limit
cat > "$TMP/cfg.json" <<JSON
{"db": "$TMP/hw.db", "aws": {"region": "us-east-1"},
 "evaluation": {"config_aggregator": "OrgAggregator"},
 "organization": {"mode": "assume-role", "role_name": "HubwardenAudit", "external_id": "hw-ext-1",
                  "regions": ["us-east-1", "eu-west-1"], "exclude_accounts": ["111111111111"]}}
JSON
expect_rc 0 "$HW" --config "$TMP/cfg.json" scan
q() { sqlite3 "$TMP/hw.db" "$1"; }
[ "$(q "SELECT count FROM resource_counts WHERE account_id = '333333333333' AND resource_type = ''")" = 17 ] ||
    fail "covered accounts: $(q "SELECT * FROM resource_counts WHERE resource_type = ''")"
[ "$(q "SELECT count FROM resource_counts WHERE account_id = '333333333333' AND resource_type = 'AWS::S3::Bucket'")" = 3 ] ||
    fail "S3 buckets in 333333333333"
[ "$(q "SELECT count FROM resource_counts WHERE account_id = '444444444444' AND resource_type = 'AWS::RDS::DBInstance'")" = 0 ] ||
    fail "no RDS instance in 444444444444 should be recorded as 0"
types=$(q "SELECT count(DISTINCT resource_type) FROM resource_counts WHERE resource_type != ''")
sim_get /_awssim/stats > "$TMP/stats"
calls=$(json_eval "$TMP/stats" "d['operations'].get('config.GetAggregateDiscoveredResourceCounts', 0)")
[ "$calls" = $((types + 1)) ] || fail "expected one Config call per resource type ($types) + 1, got $calls"
ok "one Config call per resource type, grouped by account ($calls calls)"

# the control checks go out during the pull, on the same queue; one that is
# refused leaves that account-region to inference, with a warning, and the
# others are recorded
/usr/bin/python3 - "$TMP/scenario.json" "$TMP/denied.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["securityhub"]["control_check_denied"] = ["444444444444:us-east-1"]
json.dump(d, open(sys.argv[2], "w"))
PY
kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null; rm -f "$TMP/port"
start_sim "$TMP/denied.json" --no-rate-limit
sed "s|$TMP/hw.db|$TMP/denied.db|" "$TMP/cfg.json" > "$TMP/denied-cfg.json"
expect_rc 0 "$HW" --config "$TMP/denied-cfg.json" scan
contains "$TMP/err" "account:444444444444:us-east-1: cannot read which controls are enabled ("
contains "$TMP/err" "AccessDeniedException"
[ "$(sqlite3 "$TMP/denied.db" "SELECT count(*) FROM control_checks WHERE account_id = '444444444444' AND region = 'us-east-1'")" = 0 ] ||
    fail "a refused control check is not recorded"
[ "$(sqlite3 "$TMP/denied.db" "SELECT count(*) FROM control_checks")" -eq $(( $(q "SELECT count(*) FROM control_checks") - 1 )) ] ||
    fail "every other account-region's control check is recorded"
[ "$(sqlite3 "$TMP/denied.db" "SELECT control_id FROM disabled_controls WHERE account_id = '333333333333' AND region = 'eu-west-1'")" = RDS.13 ] ||
    fail "the disabled control is still found"
ok "a refused control check: a warning, that account-region left to inference, the rest recorded"

ev() { q "SELECT status FROM evaluations WHERE framework = 'cis-aws-3.0.0' AND requirement = '$1'
          AND account_id = '$2'
          AND run_id = (SELECT run_id FROM eval_runs ORDER BY seq DESC LIMIT 1)"; }
# RDS.13 (2.3.2): no findings; on in 444... which has no RDS instance; off
# in one region of 333...
[ "$(ev 2.3.2 444444444444)" = NOT_APPLICABLE ] || fail "2.3.2 in 444444444444: $(ev 2.3.2 444444444444)"
[ "$(ev 2.3.2 333333333333)" = NO_DATA ] || fail "2.3.2 in 333333333333: $(ev 2.3.2 333333333333)"
q "SELECT evidence FROM evaluations WHERE framework = 'cis-aws-3.0.0' AND requirement = '2.3.2'
   AND account_id = '444444444444'" > "$TMP/evidence"
contains "$TMP/evidence" '"inventory_resources":0'
contains "$TMP/evidence" 'AWS Config counts no resource'
ok "NOT_APPLICABLE where the control is on and the inventory counts nothing"

# no aggregator of that name: a warning, and no inventory at all
sed 's/OrgAggregator/NoSuchAggregator/' "$TMP/cfg.json" > "$TMP/bad.json"
expect_rc 0 "$HW" --config "$TMP/bad.json" scan
contains "$TMP/err" "NoSuchAggregator"
[ "$(q "SELECT count(*) FROM resource_counts WHERE resource_type = ''")" = 0 ] || fail "a stale inventory was kept"
[ "$(ev 2.3.2 444444444444)" = NO_DATA ] || fail "2.3.2 in 444444444444 without inventory: $(ev 2.3.2 444444444444)"
q "SELECT evidence FROM evaluations WHERE framework = 'cis-aws-3.0.0' AND requirement = '2.3.2'
   AND account_id = '444444444444'
   AND run_id = (SELECT run_id FROM eval_runs ORDER BY seq DESC LIMIT 1)" > "$TMP/evidence"
contains "$TMP/evidence" 'inventory (AWS Config) is unavailable'
ok "an unavailable inventory is a warning, and the control is NO_DATA with the reason"

# the summary prints every status and what the pass rate counts
contains "$TMP/out" "partial"
contains "$TMP/out" "suppressed"

# prune: a date is required, not in the future; it records itself
expect_rc 2 "$HW" --config "$TMP/cfg.json" prune
contains "$TMP/err" "--before"
expect_rc 2 "$HW" --config "$TMP/cfg.json" prune --before yesterday
contains "$TMP/err" "yesterday"
expect_rc 2 "$HW" --config "$TMP/cfg.json" prune --before 2999-01-01
contains "$TMP/err" "future"
expect_rc 0 "$HW" --config "$TMP/cfg.json" prune --before 2020-01-01
contains "$TMP/out" "pruned history before 2020-01-01T00:00:00"
[ "$(q "SELECT count(*) FROM audit_log WHERE event = 'store.pruned'")" = 1 ] || fail "prune not in the audit log"
[ "$(ev 2.3.2 444444444444)" = NO_DATA ] || fail "prune dropped the newest evaluation"
ok "prune checks its date and records itself"
echo "evaluation: all checks passed"
