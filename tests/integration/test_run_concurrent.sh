#!/bin/sh
# test_run_concurrent.sh - two `hubwarden run`s started at once.  The first
# takes the store's lock and is held in the middle of its remediation (a
# proxy in front of the simulator holds its first S3 read: hold_proxy.py);
# meanwhile a second run with lock_timeout_seconds 0 exits 4 naming the
# holder, and a third one waits.  Once the first is let go both complete;
# the store is consistent (integrity, audit chain, every run finished with
# all its steps), and the simulator's own count of the calls that change
# something is exactly what the done actions record: no action ran twice.
. "$(dirname "$0")/lib.sh"
use_test_creds
start_sim "$ROOT/tests/data/awssim/run.json"
start_hold_proxy --match publicAccessBlock --release "$TMP/release"
# S3 goes through the proxy; everything else straight to the simulator
export AWS_ENDPOINT_URL_S3="http://127.0.0.1:$(cat "$TMP/proxy.port")"
conf() { # $1: file, $2: lock_timeout_seconds
    cat > "$1" <<JSON
{"db": "$TMP/hw.db", "aws": {"region": "us-east-1"}, "lock_timeout_seconds": $2,
 "remediation": {"controls": {"S3.8": "auto", "EC2.19": "auto", "EC2.1": "auto", "RDS.2": "approval"},
                 "playbooks": {"s3-exposure": "auto", "iam-credential-exposure": "auto"},
                 "external_id": "hw-remedy-1"}}
JSON
}
conf "$TMP/wait.json" 120
conf "$TMP/nowait.json" 0
q() { sqlite3 "$TMP/hw.db" "$1"; }
cleanup_more() {
    touch "$TMP/release"
    kill "$PROXY_PID" 2>/dev/null
    [ -n "${A_PID:-}" ] && kill "$A_PID" 2>/dev/null
    [ -n "${C_PID:-}" ] && kill "$C_PID" 2>/dev/null
    cleanup
}
trap cleanup_more EXIT INT TERM

"$HW" --config "$TMP/wait.json" run > "$TMP/a.out" 2> "$TMP/a.err" &
A_PID=$!
until_held "$A_PID"
# the first run holds the lock, in the middle of remediating
expect_rc 4 "$HW" --config "$TMP/nowait.json" run
contains "$TMP/err" "is in use by another hubwarden process (pid $A_PID,"
not_contains "$TMP/out" "run "
ok "a second run exits 4 naming the holder"

"$HW" --config "$TMP/wait.json" run > "$TMP/c.out" 2> "$TMP/c.err" &
C_PID=$!
i=0
while ! grep -q "waiting up to 120.0 s" "$TMP/c.err"; do
    i=$((i + 1)); [ $i -gt 1200 ] && { cat "$TMP/c.err"; fail "the third run did not wait for the lock"; }
    sleep 0.05
done
[ -z "$(q "SELECT id FROM runs WHERE kind = 'run' AND pid = $C_PID")" ] || fail "the waiting run began a run"
touch "$TMP/release"
wait "$A_PID"; a_rc=$?
wait "$C_PID"; c_rc=$?
A_PID= C_PID=
[ "$a_rc" = 0 ] || { cat "$TMP/a.out" "$TMP/a.err"; fail "the first run exited $a_rc"; }
[ "$c_rc" = 0 ] || { cat "$TMP/c.out" "$TMP/c.err"; fail "the waiting run exited $c_rc"; }
contains "$TMP/c.out" ": ok (exit 0)"
ok "a third run waits for the lock, then completes"

# ---- the store is consistent
[ "$(q "PRAGMA integrity_check")" = ok ] || fail "integrity_check"
expect_rc 0 "$HW" --config "$TMP/wait.json" verify --audit
[ "$(q "SELECT count(*) FROM runs WHERE status NOT IN ('ok', 'partial')")" = 0 ] ||
    fail "a run left unfinished: $(q "SELECT id, kind, status FROM runs")"
[ "$(q "SELECT count(*) FROM runs WHERE kind = 'run'")" = 2 ] || fail "two runs expected"
[ "$(q "SELECT group_concat(n) FROM (SELECT count(*) AS n FROM run_steps GROUP BY run_id)")" = "8,8" ] ||
    fail "each run records its 8 steps"
[ -z "$(q "SELECT resource FROM actions WHERE state = 'done' GROUP BY resource HAVING count(*) > 1")" ] ||
    fail "a resource fixed twice"
[ "$(q "SELECT count(*) FROM actions WHERE state = 'done'")" = 5 ] ||
    fail "5 done actions expected: $(q "SELECT control_id, state, reason FROM actions")"
ok "the store is consistent after both"

# ---- the simulator changed each resource once: its count of mutating
# calls is exactly the calls the done actions record
calls_match_actions "$TMP/hw.db" || fail "a change was made twice, or not recorded"
ok "no mutating call ran twice"
