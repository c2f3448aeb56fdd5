#!/bin/sh
# test_store_faults.sh - what a run records when the store fails under it
# or its process dies: on a full disk (a file size limit, `ulimit -f`) a
# run's counts are the committed counts, on stdout and in the run's
# summary; a run killed with SIGKILL is marked aborted by the next one,
# with an audit entry; the store's files are never world-readable.
. "$(dirname "$0")/lib.sh"
GEN="/usr/bin/python3 $ROOT/tests/awssim/gen_findings.py"
DB="$TMP/full.db"
$GEN --count 8000 --seed 5 -o "$TMP/f.jsonl"

# ---- a full disk: the second or a later batch cannot be written
# (SIGXFSZ ignored: a write past the limit fails with EFBIG, as on ENOSPC)
( trap '' XFSZ; ulimit -f 6000; cd "$ROOT" && exec "$HW" --db "$DB" import --batch 1000 "$TMP/f.jsonl" ) \
    > "$TMP/out" 2> "$TMP/err"
rc=$?
[ "$rc" = 4 ] || { cat "$TMP/out" "$TMP/err"; fail "import on a full disk exited $rc, expected 4"; }
stored=$(sqlite3 "$DB" "SELECT count(*) FROM findings")
printed=$(sed -n 's/.* findings read, \([0-9]*\) new.*/\1/p' "$TMP/out")
summary_new=$(sqlite3 "$DB" "SELECT json_extract(summary, '\$.new') FROM runs")
lost=$(sqlite3 "$DB" "SELECT json_extract(summary, '\$.rolled_back') FROM runs")
status=$(sqlite3 "$DB" "SELECT status FROM runs")
echo "stored $stored, printed $printed new, summary $summary_new new, $lost rolled back, $status"
[ "$stored" -gt 0 ] && [ "$stored" -lt 8000 ] || fail "the limit did not stop the import part-way ($stored stored)"
[ "$printed" = "$stored" ] || fail "stdout says $printed new, the store holds $stored"
[ "$summary_new" = "$stored" ] || fail "the run's summary says $summary_new new, the store holds $stored"
[ "$lost" -gt 0 ] || fail "the rolled-back findings are not counted"
[ "$status" = failed ] || fail "run status $status"
contains "$TMP/out" "not stored (their transaction was rolled back)"
ok "full disk: the run counts what was committed"

# ---- the store's files are not world-readable (umask 022)
mode=$(stat -c %a "$DB")
[ "$mode" = 600 ] || fail "store mode $mode"
ok "store created 0600"

# ---- kill -9 in the middle of an import: the next run marks it aborted
DB2="$TMP/killed.db"
mkfifo "$TMP/fifo"
( cd "$ROOT" && exec "$HW" --db "$DB2" import "$TMP/fifo" ) > "$TMP/k.out" 2> "$TMP/k.err" &
KPID=$!
exec 3> "$TMP/fifo"          # the import now waits for more input
head -n 10 "$TMP/f.jsonl" >&3
i=0
until [ "$(sqlite3 "$DB2" "SELECT count(*) FROM runs WHERE status = 'running'" 2>/dev/null)" = 1 ]; do
    i=$((i + 1)); [ $i -gt 200 ] && fail "the import never started its run"
    sleep 0.05
done
kill -9 "$KPID"
wait "$KPID" 2>/dev/null
exec 3>&-
[ "$(sqlite3 "$DB2" "SELECT status FROM runs")" = running ] || fail "the killed run is not left running"
head -n 5 "$TMP/f.jsonl" > "$TMP/five.jsonl"
( cd "$ROOT" && exec "$HW" --db "$DB2" import "$TMP/five.jsonl" ) > "$TMP/out" 2> "$TMP/err" \
    || fail "the next import failed: $(cat "$TMP/err")"
contains "$TMP/err" "did not finish: its process is gone; marked aborted"
[ "$(sqlite3 "$DB2" "SELECT count(*) FROM runs WHERE status = 'aborted' AND finished_at IS NOT NULL")" = 1 ] \
    || fail "the killed run is not marked aborted"
[ "$(sqlite3 "$DB2" "SELECT count(*) FROM audit_log a JOIN runs r ON r.id = a.run_id WHERE a.event = 'run.aborted' AND json_extract(a.detail, '\$.pid') = $KPID")" = 1 ] \
    || fail "no audit entry for the aborted run"
ok "a killed run is marked aborted by the next"
