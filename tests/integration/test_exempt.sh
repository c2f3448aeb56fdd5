#!/bin/sh
# test_exempt.sh - `hubwarden exempt`: risk acceptances of a control (one
# account or every account), a finding and a resource, against the
# simulator (tests/data/awssim/remedy.json).  Bad values are usage errors
# naming the nearest known one; an unexpired exception makes the control
# EXCEPTED in evaluation and keeps remediation off what it covers; revoked
# or expired it stops counting, and --list and the evidence say so; every
# exception, revocation and expiry is in the audit log.
. "$(dirname "$0")/lib.sh"
use_test_creds
start_sim "$ROOT/tests/data/awssim/remedy.json"
cat > "$TMP/hw.json" <<JSON
{"db": "$TMP/hw.db", "controls_dir": "$ROOT/controls", "aws": {"region": "us-east-1", "max_attempts": 2},
 "remediation": {"controls": {"EC2.19": "auto"}, "external_id": "hw-remedy-1", "max_share": 1}}
JSON
HWC="$HW --config $TMP/hw.json"
A=444444444444
q() { sqlite3 "$TMP/hw.db" "$1"; }
# the class of EC2.19 in account A, and the status of SOC 2 CC6.6 there,
# as the newest evaluation says
cls() {
    q "SELECT evidence FROM evaluations WHERE account_id = '$A' AND framework = 'soc2-2017'
       AND requirement = 'CC6.6' AND run_id = (SELECT run_id FROM eval_runs ORDER BY seq DESC LIMIT 1)" > "$TMP/ev.json"
    json_eval "$TMP/ev.json" "[c['class'] for c in d['controls'] if c['control'] == 'EC2.19'][0]"
}
ec219() { json_eval "$TMP/ev.json" "json.dumps([c.get('exceptions', []) for c in d['controls'] if c['control'] == 'EC2.19'][0], sort_keys=True)"; }
fid() { q "SELECT id FROM findings WHERE resources LIKE '%$1%' AND control_id = 'EC2.19' AND id LIKE 'arn:%'"; }

expect_rc 0 $HWC scan
[ "$(cls)" = FAILED ] || fail "EC2.19 in $A should fail before any exception: $(cls)"
expect_rc 0 $HWC remediate --account $A
contains "$TMP/out" "3 action(s)"

# ---- bad values: usage errors naming the field and the nearest value
expect_rc 2 $HWC exempt --control EC2.91 --until 2099-01-01 --by carol --reason RISK-1
contains "$TMP/err" "--control: no control 'EC2.91' (nearest: EC2.1)"
expect_rc 2 $HWC exempt --control EC2.19 --account 44444444444 --until 2099-01-01 --by carol --reason RISK-1
contains "$TMP/err" "--account: no account '44444444444' (nearest: $A)"
expect_rc 2 $HWC exempt --finding no-such-finding --until 2099-01-01 --by carol --reason RISK-1
contains "$TMP/err" "--finding: no finding 'no-such-finding' in the store"
expect_rc 2 $HWC exempt --resource sg-0b21 --until 2099-01-01 --by carol --reason RISK-1
contains "$TMP/err" "--resource: 'sg-0b21' is not an ARN"
expect_rc 2 $HWC exempt --control EC2.19 --until 2020-01-01 --by carol --reason RISK-1
contains "$TMP/err" "--until: 2020-01-01 is not in the future"
expect_rc 2 $HWC exempt --control EC2.19 --until tomorrow --by carol --reason RISK-1
contains "$TMP/err" "--until: 'tomorrow' is not a date"
expect_rc 2 $HWC exempt --control EC2.19 --until 2099-01-01 --reason RISK-1
contains "$TMP/err" "--by is required"
expect_rc 2 $HWC exempt --control EC2.19 --until 2099-01-01 --by carol
contains "$TMP/err" "--reason is required"
expect_rc 2 $HWC exempt --control EC2.19 --finding x --until 2099-01-01 --by carol --reason RISK-1
expect_rc 2 $HWC exempt --resource arn:aws:s3:::b --account $A --until 2099-01-01 --by carol --reason RISK-1
contains "$TMP/err" "--account goes with --control"
expect_rc 2 $HWC exempt --control EC2.19 --until 2099-01-01 --by "$(printf 'car\001ol')" --reason RISK-1
contains "$TMP/err" "--by: a control character at byte 4"
expect_rc 2 $HWC exempt --control EC2.19 --until 2099-01-01 --by carol --reason "$(printf 'RISK\377')"
contains "$TMP/err" "--reason: not valid UTF-8"
expect_rc 2 $HWC exempt --revoke 1x --by carol
[ "$(q "SELECT count(*) FROM exceptions")" = 0 ] || fail "a refused exception was recorded"
ok "bad values are usage errors naming the field and the nearest value; nothing recorded"

# ---- one finding and two resources: every failure of EC2.19 in A covered
f21=$(fid sg-0b21)
[ -n "$f21" ] || fail "no finding for sg-0b21"
expect_rc 0 $HWC exempt --finding "$f21" --until 2099-01-01 --by carol --reason "RISK-21"
contains "$TMP/out" "exception 1: finding $f21 (EC2.19 in account $A) accepted by carol until 2099-01-02T00:00:00.000Z"
expect_rc 0 $HWC exempt --resource arn:aws:ec2:us-east-1:$A:security-group/sg-0b22 --until 2099-01-01 --by carol --reason "RISK-22"
expect_rc 0 $HWC scan
[ "$(cls)" = FAILED ] || fail "one resource left uncovered: EC2.19 should still fail, is $(cls)"
ec219 > "$TMP/x"
contains "$TMP/x" '"id": 1, "scope": "finding", "state": "active"'
contains "$TMP/x" '"id": 2, "resource": "arn:aws:ec2:us-east-1:444444444444:security-group/sg-0b22", "scope": "resource", "state": "active"'
expect_rc 0 $HWC remediate --account $A
contains "$TMP/out" "1 action(s)"
contains "$TMP/out" "excepted: risk acceptance 1 covers this finding or resource"
contains "$TMP/out" "excepted: risk acceptance 2 covers this finding or resource"
expect_rc 0 $HWC exempt --resource arn:aws:ec2:us-east-1:$A:security-group/sg-0b23 --until 2099-01-01T12:00:00Z --by carol --reason "RISK-23"
expect_rc 0 $HWC scan
[ "$(cls)" = EXCEPTION ] || fail "every failure covered: EC2.19 should be EXCEPTION, is $(cls)"
[ "$(q "SELECT status FROM evaluations WHERE account_id = '$A' AND framework = 'soc2-2017' AND requirement = 'CC6.6'
        AND run_id = (SELECT run_id FROM eval_runs ORDER BY seq DESC LIMIT 1)")" = PARTIAL ] ||
    fail "CC6.6: accepted where it fails, no data elsewhere: PARTIAL"
expect_rc 0 $HWC remediate --account $A
contains "$TMP/out" "0 action(s)"
ok "finding and resource exceptions: EXCEPTED once every failure is covered; remediation skips them"

# ---- a control in every account; the Organization's other EC2.19 failure
expect_rc 0 $HWC remediate --control EC2.19
contains "$TMP/out" "333333333333 us-east-1 EC2.19 arn:aws:ec2:us-east-1:333333333333:security-group/sg-0a11"
expect_rc 0 $HWC exempt --control ec2.19 --until 2099-01-01 --by dave --reason "RISK-ALL"
contains "$TMP/out" "control EC2.19 in every account accepted by dave"
expect_rc 0 $HWC remediate --control EC2.19
contains "$TMP/out" "excepted: an unexpired risk acceptance covers EC2.19 in account 333333333333"
contains "$TMP/out" "0 action(s)"
ok "a control exception without --account covers every account"

# ---- revoked: it stops counting, and the list says so
expect_rc 0 $HWC exempt --revoke 4 --by erin --reason "no longer accepted"
contains "$TMP/out" "exception 4 revoked by erin"
expect_rc 2 $HWC exempt --revoke 4 --by erin
contains "$TMP/err" "exception 4: already revoked by erin"
expect_rc 2 $HWC exempt --revoke 99 --by erin
contains "$TMP/err" "no exception 99"
expect_rc 0 $HWC remediate --control EC2.19
contains "$TMP/out" "1 action(s)"
ok "a revoked exception stops counting"

# ---- expired: stops counting, visibly, and its expiry is logged once
now=$(date +%s)
q "UPDATE exceptions SET expires_at = $((now - 5)) WHERE id = 3" || fail "expiring"
expect_rc 0 $HWC scan
contains "$TMP/err" "1 exception(s) expired and no longer count"
[ "$(cls)" = FAILED ] || fail "an expired exception still counts: $(cls)"
ec219 > "$TMP/x"
contains "$TMP/x" '"id": 3, "resource": "arn:aws:ec2:us-east-1:444444444444:security-group/sg-0b23", "scope": "resource", "state": "expired"'
expect_rc 0 $HWC scan
not_contains "$TMP/err" "expired"
[ "$(q "SELECT count(*) FROM audit_log WHERE event = 'exception.expired' AND detail LIKE '%\"exception\":3,%'")" = 1 ] ||
    fail "the expiry should be logged exactly once"
expect_rc 0 $HWC exempt --list --output csv
contains "$TMP/out" '"id","state","scope","account","control","target","until","by","reason","created","revoked_by","revoked_at"'
contains "$TMP/out" "\"1\",\"active\",\"finding\",\"$A\",\"EC2.19\",\"$f21\",\"2099-01-02T00:00:00.000Z\",\"carol\",\"RISK-21\","
contains "$TMP/out" "\"3\",\"expired\",\"resource\",\"$A\",\"*\",\"arn:aws:ec2:us-east-1:$A:security-group/sg-0b23\","
contains "$TMP/out" '"4","revoked","control","*","EC2.19","","2099-01-02T00:00:00.000Z","dave","RISK-ALL",'
contains "$TMP/out" '"erin"'
expect_rc 0 $HWC exempt --list --json
[ "$(json_eval "$TMP/out" "[x['state'] for x in d]")" = "['active', 'active', 'expired', 'revoked']" ] ||
    fail "states in --json: $(cat "$TMP/out")"
expect_rc 0 $HWC exempt --list
contains "$TMP/out" "expired"
ok "an expired exception stops counting; --list and the evidence show it expired; logged once"

# ---- the audit log holds every exception, revocation and expiry
[ "$(q "SELECT event || ':' || actor FROM audit_log WHERE event LIKE 'exception.%' ORDER BY seq" | tr '\n' ' ')" = \
  "exception.create:carol exception.create:carol exception.create:carol exception.create:dave exception.revoke:erin exception.expired:hubwarden " ] ||
    fail "audit: $(q "SELECT event, actor FROM audit_log WHERE event LIKE 'exception.%'")"
q "SELECT detail FROM audit_log WHERE event = 'exception.revoke'" > "$TMP/x"
contains "$TMP/x" '"revoke_reason":"no longer accepted"'
expect_rc 0 $HWC verify --audit
contains "$TMP/out" "intact"
ok "every exception, revocation and expiry is in the audit log; the chain verifies"

# ---- an exception recorded after the plan: the stored plan's action is
# dropped on --apply, nothing changes
expect_rc 0 $HWC remediate --account $A
plan=$(sed -n 's/^plan //p' "$TMP/out")
contains "$TMP/out" "1 action(s)"
expect_rc 0 $HWC exempt --resource arn:aws:ec2:us-east-1:$A:security-group/sg-0b23 --until 2099-01-01 --by carol --reason "RISK-23b"
sim_get /_awssim/resources > "$TMP/s0.json"
expect_rc 0 $HWC remediate --apply --plan-id "$plan"
contains "$TMP/out" "dropped: risk acceptance 5 covers it"
contains "$TMP/out" "0 run:"
sim_get /_awssim/resources > "$TMP/s1.json"
cmp -s "$TMP/s0.json" "$TMP/s1.json" || fail "a dropped action changed the simulator's state"
ok "an exception recorded after the plan drops its action on --apply"
