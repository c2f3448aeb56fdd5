#!/bin/sh
# test_control_checks.sh - which controls are switched off: the scan asks
# Security Hub (BatchGetSecurityControls) in every account-region it reads,
# and a requirement whose only control is disabled there is NO_DATA, not
# NOT_APPLICABLE; where the control is on and has no findings it stays
# NOT_APPLICABLE (here by evaluation.infer_not_applicable: no AWS Config
# inventory is configured).  Each scan replaces what it checked.
. "$(dirname "$0")/lib.sh"
use_test_creds
/usr/bin/python3 - "$ROOT/tests/data/awssim/basic.json" "$TMP/scenario.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["securityhub"]["disabled_controls"] = {"333333333333:eu-west-1": ["RDS.13"],
                                         "444444444444": ["EC2.8"]}
json.dump(d, open(sys.argv[2], "w"))
PY
start_sim "$TMP/scenario.json" --no-rate-limit
cat > "$TMP/ar.json" <<JSON
{"db": "$TMP/ar.db", "aws": {"region": "us-east-1"}, "evaluation": {"infer_not_applicable": true},
 "organization": {"mode": "assume-role", "role_name": "HubwardenAudit", "external_id": "hw-ext-1",
                  "regions": ["us-east-1", "eu-west-1"], "exclude_accounts": ["111111111111"]}}
JSON
expect_rc 0 "$HW" --config "$TMP/ar.json" scan
q() { sqlite3 "$TMP/ar.db" "$1"; }
[ "$(q "SELECT count(*) FROM control_checks")" = 6 ] || fail "expected 6 account-regions checked"
[ "$(q "SELECT group_concat(account_id || ':' || region || ':' || control_id, ' ') FROM
       (SELECT * FROM disabled_controls ORDER BY 1, 2, 3)")" = \
  "333333333333:eu-west-1:RDS.13 444444444444:eu-west-1:EC2.8 444444444444:us-east-1:EC2.8" ] ||
    fail "disabled controls: $(q "SELECT * FROM disabled_controls")"
ev() { q "SELECT status FROM evaluations WHERE framework = 'cis-aws-3.0.0' AND requirement = '$1'
          AND account_id = '$2'
          AND run_id = (SELECT run_id FROM eval_runs ORDER BY seq DESC LIMIT 1)"; }
# RDS.13 (2.3.2) and EC2.8 (5.6) have no findings anywhere; RDS.13 is off
# in one region of 333..., EC2.8 everywhere in 444...
[ "$(ev 2.3.2 333333333333)" = NO_DATA ] || fail "2.3.2 in 333333333333: $(ev 2.3.2 333333333333)"
[ "$(ev 2.3.2 444444444444)" = NOT_APPLICABLE ] || fail "2.3.2 in 444444444444: $(ev 2.3.2 444444444444)"
[ "$(ev 5.6 444444444444)" = NO_DATA ] || fail "5.6 in 444444444444: $(ev 5.6 444444444444)"
[ "$(ev 5.6 333333333333)" = NOT_APPLICABLE ] || fail "5.6 in 333333333333: $(ev 5.6 333333333333)"
q "SELECT evidence FROM evaluations WHERE framework = 'cis-aws-3.0.0' AND requirement = '2.3.2'
   AND account_id = '333333333333'" > "$TMP/evidence"
contains "$TMP/evidence" '"disabled_in":["eu-west-1"]'
ok "a disabled control makes NO_DATA, an enabled one without findings NOT_APPLICABLE"

# EC2.8 back on: a later scan that asks replaces the earlier answer
/usr/bin/python3 - "$TMP/scenario.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["securityhub"]["disabled_controls"] = {"333333333333:eu-west-1": ["RDS.13"]}
json.dump(d, open(sys.argv[1], "w"))
PY
kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null; rm -f "$TMP/port"
start_sim "$TMP/scenario.json" --no-rate-limit
# a nightly scan keeps a fresh answer (scan.control_check_hours) and asks nothing
expect_rc 0 "$HW" --config "$TMP/ar.json" scan
sim_get /_awssim/stats > "$TMP/stats"
[ "$(json_eval "$TMP/stats" "d['operations'].get('securityhub.BatchGetSecurityControls', 0)")" = 0 ] ||
    fail "an incremental scan asked again: $(json_eval "$TMP/stats" "d['operations']")"
[ "$(q "SELECT count(*) FROM disabled_controls")" = 3 ] || fail "a fresh answer was dropped"
ok "a fresh answer is kept without a call"
expect_rc 0 "$HW" --config "$TMP/ar.json" scan --full
[ "$(q "SELECT count(*) FROM disabled_controls")" = 1 ] || fail "stale disabled controls kept"
[ "$(ev 5.6 444444444444)" = NOT_APPLICABLE ] || fail "5.6 in 444444444444 after: $(ev 5.6 444444444444)"
ok "a scan that asks replaces the earlier answer"
# an answer older than scan.control_check_hours is asked for again
sed 's/"aws": {/"scan": {"control_check_hours": 0}, "aws": {/' "$TMP/ar.json" > "$TMP/ar0.json"
sim_post /_awssim/reset-stats '{}' > /dev/null
expect_rc 0 "$HW" --config "$TMP/ar0.json" scan
sim_get /_awssim/stats > "$TMP/stats"
[ "$(json_eval "$TMP/stats" "d['operations'].get('securityhub.BatchGetSecurityControls', 0)")" = 30 ] ||
    fail "expected 6 account-regions x 5 calls: $(json_eval "$TMP/stats" "d['operations']")"
ok "an old answer is asked for again (100 controls a call)"

# aggregator mode: only the aggregator's own account and region can be asked
cat > "$TMP/agg.json" <<JSON
{"db": "$TMP/agg.db", "aws": {"region": "us-east-1"}}
JSON
expect_rc 0 "$HW" --config "$TMP/agg.json" scan
[ "$(sqlite3 "$TMP/agg.db" "SELECT account_id || ':' || region FROM control_checks")" = "222222222222:us-east-1" ] ||
    fail "aggregator mode checked: $(sqlite3 "$TMP/agg.db" "SELECT * FROM control_checks")"
ok "aggregator mode checks the aggregator's own account-region"

# scan.member_controls: aggregator mode assumes the role into each member
# for the aggregation region and organization.regions; a member whose role
# cannot be assumed is a warning, not a failed scan
cat > "$TMP/aggm.json" <<JSON
{"db": "$TMP/aggm.db", "aws": {"region": "us-east-1"}, "scan": {"member_controls": true},
 "organization": {"role_name": "HubwardenAudit", "external_id": "hw-ext-1",
                  "regions": ["us-east-1", "eu-west-1"]}}
JSON
expect_rc 0 "$HW" --config "$TMP/aggm.json" scan
[ "$(sqlite3 "$TMP/aggm.db" "SELECT group_concat(account_id || ':' || region, ' ') FROM
       (SELECT * FROM control_checks ORDER BY 1, 2)")" = \
  "222222222222:us-east-1 333333333333:eu-west-1 333333333333:us-east-1 444444444444:eu-west-1 444444444444:us-east-1" ] ||
    fail "member checks: $(sqlite3 "$TMP/aggm.db" "SELECT * FROM control_checks")"
contains "$TMP/err" "account 111111111111"
[ "$(sqlite3 "$TMP/aggm.db" "SELECT status FROM evaluations WHERE framework = 'cis-aws-3.0.0'
      AND requirement = '2.3.2' AND account_id = '333333333333'")" = NO_DATA ] ||
    fail "member check did not reach the evaluation"
ok "aggregator mode with scan.member_controls checks every member"
echo "control checks: all checks passed"
