#!/bin/sh
# test_run_interrupted.sh - a `hubwarden run` killed (kill -9) in the middle
# of an action, at two exact moments a proxy in front of the simulator
# holds (hold_proxy.py):
#   1. after the change (PutPublicAccessBlock) reached AWS, while its
#      verification reads: the next run reads the bucket again, records the
#      action done ("verified after an interrupted run") and never sends
#      the change a second time;
#   2. before the change reached AWS: the next run reads it again, finds it
#      still failing, drops the interrupted action and plans and makes the
#      change once.
# Each time the dead run is marked aborted, the store's integrity and the
# audit chain hold, and the simulator's count of the calls that change
# something is exactly what the done actions record.
. "$(dirname "$0")/lib.sh"
use_test_creds
start_sim "$ROOT/tests/data/awssim/run.json"
cat > "$TMP/hw.json" <<JSON
{"db": "$TMP/hw.db", "aws": {"region": "us-east-1"}, "lock_timeout_seconds": 5,
 "remediation": {"controls": {"S3.8": "auto", "EC2.19": "auto"}, "external_id": "hw-remedy-1"}}
JSON
HWC="$HW --config $TMP/hw.json"
q() { sqlite3 "$TMP/hw.db" "$1"; }
BUCKET=arn:aws:s3:::prod-public-data
PROXY_PID= A_PID=
cleanup_more() {
    [ -n "$A_PID" ] && kill -9 "$A_PID" 2>/dev/null
    [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null
    cleanup
}
trap cleanup_more EXIT INT TERM

# killed_run: a run through the proxy, killed -9 once the proxy holds
killed_run() {
    AWS_ENDPOINT_URL_S3="http://127.0.0.1:$(cat "$TMP/proxy.port")" $HWC run > "$TMP/a.out" 2> "$TMP/a.err" &
    A_PID=$!
    until_held "$A_PID"
    kill -9 "$A_PID"
    wait "$A_PID" 2>/dev/null
    DEAD=$A_PID
    A_PID=
    kill "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null; PROXY_PID=
}
puts() { # how many PutPublicAccessBlock calls the simulator served
    sim_get /_awssim/stats > "$TMP/stats.json"
    json_eval "$TMP/stats.json" "d['operations'].get('s3.PutPublicAccessBlock', 0)"
}
consistent() {
    [ "$(q "PRAGMA integrity_check")" = ok ] || fail "integrity_check"
    expect_rc 0 $HWC verify --audit
    [ "$(q "SELECT count(*) FROM runs WHERE status = 'running'")" = 0 ] || fail "a run left running"
}

# ---- 1. killed between the change and its verification
start_hold_proxy --match publicAccessBlock --method GET --after PUT
killed_run
[ "$(q "SELECT state FROM actions WHERE resource = '$BUCKET'")" = applying ] ||
    fail "the interrupted action: $(q "SELECT state, reason FROM actions WHERE resource = '$BUCKET'")"
[ "$(puts)" = 1 ] || fail "the change should have reached the simulator once"
# a next run that cannot assume the remediation role (a wrong external id)
# cannot verify it: it stays applying, named, exit 3, nothing sent
sed 's/"hw-remedy-1"/"wrong-id"/' "$TMP/hw.json" > "$TMP/wrong.json"
expect_rc 3 "$HW" --config "$TMP/wrong.json" run
contains "$TMP/err" "did not finish: its process is gone; marked aborted"
contains "$TMP/err" "was interrupted between its change and its verification; cannot assume HubwardenRemediation"
contains "$TMP/out" "1 interrupted action(s) could not be verified (next run)"
[ "$(q "SELECT state FROM actions WHERE resource = '$BUCKET'")" = applying ] || fail "no longer applying"
[ "$(puts)" = 1 ] || fail "the change was sent again"
expect_rc 0 $HWC run
[ "$(q "SELECT status FROM runs WHERE pid = $DEAD AND kind = 'run'")" = aborted ] ||
    fail "the dead run: $(q "SELECT id, kind, status FROM runs WHERE pid = $DEAD")"
[ "$(q "SELECT state FROM actions WHERE resource = '$BUCKET' ORDER BY rowid")" = done ] ||
    fail "after the next run: $(q "SELECT id, state, reason FROM actions WHERE resource = '$BUCKET'")"
q "SELECT reason FROM actions WHERE resource = '$BUCKET'" | grep -q "verified after an interrupted run (not changed again)" ||
    fail "reason: $(q "SELECT reason FROM actions WHERE resource = '$BUCKET'")"
grep -q "S3.8 333333333333 us-east-1 $BUCKET" "$TMP/out" || fail "the verified action is not listed as fixed"
[ "$(puts)" = 1 ] || fail "the change was sent again"
[ "$(q "SELECT json_extract(counts, '\$.interrupted') FROM run_steps WHERE step = 'remediate' AND run_id = (SELECT id FROM runs WHERE kind = 'run' ORDER BY rowid DESC LIMIT 1)")" = 1 ] ||
    fail "remediate counts: $(q "SELECT counts FROM run_steps WHERE step = 'remediate'")"
consistent
calls_match_actions "$TMP/hw.db" > /dev/null || fail "a change was made twice, or not recorded"
ok "killed after the change: verified by the next run, never sent again"

# ---- 2. killed before the change reached AWS (a fresh simulator and store)
kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null; SIM_PID=
rm -f "$TMP"/hw.db* "$TMP/port"
start_sim "$ROOT/tests/data/awssim/run.json"
start_hold_proxy --match publicAccessBlock --method PUT
killed_run
[ "$(q "SELECT state FROM actions WHERE resource = '$BUCKET'")" = applying ] || fail "not applying"
[ "$(puts)" = 0 ] || fail "the held change reached the simulator"
expect_rc 0 $HWC run
[ "$(q "SELECT group_concat(state, ' ') FROM (SELECT state FROM actions WHERE resource = '$BUCKET' ORDER BY rowid)")" = "dropped done" ] ||
    fail "after the next run: $(q "SELECT id, state, reason FROM actions WHERE resource = '$BUCKET'")"
q "SELECT reason FROM actions WHERE resource = '$BUCKET' AND state = 'dropped'" | grep -q "interrupted before its change took effect" ||
    fail "dropped reason"
[ "$(puts)" = 1 ] || fail "the change should have been sent once"
consistent
calls_match_actions "$TMP/hw.db" > /dev/null || fail "a change was made twice, or not recorded"
ok "killed before the change: dropped and planned again by the next run, the change made once"
