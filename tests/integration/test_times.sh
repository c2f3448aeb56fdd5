#!/bin/sh
# test_times.sh - times to the millisecond, as AWS writes them: shown by
# `findings --json`, a stale copy from the same second never overwrites a
# newer one, an exact tie keeps the version further along its workflow
# whichever file comes first and is recorded in the history, and a scan's
# watermark keeps the millisecond and still re-reads its own second.
. "$(dirname "$0")/lib.sh"
FIX="$ROOT/tests/data/findings/control_failed.json"

# version FILE UPDATED WORKFLOW COMPLIANCE [KEY=VALUE...]: the fixture with
# these times and states, one JSON line
version() {
    /usr/bin/python3 - "$FIX" "$@" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
out, f["UpdatedAt"], wf, comp = sys.argv[2:6]
f["Workflow"]["Status"] = f["WorkflowState"] = wf
f["Compliance"]["Status"] = comp
for kv in sys.argv[6:]:
    k, v = kv.split("=", 1)
    f[k] = v
f.pop("LastObservedAt")
open(out, "a").write(json.dumps(f) + "\n")
PY
}
# field DB ID KEY: one key of `findings --all --json` for the finding ID
field() {
    "$HW" --db "$1" findings --all --json > "$TMP/q.json" || fail "findings --json"
    /usr/bin/python3 -c "import json, sys; print([f[sys.argv[3]] for f in json.load(open(sys.argv[1])) if f['id'] == sys.argv[2]][0])" "$TMP/q.json" "$2" "$3"
}
ID=$(json_eval "$FIX" "d['Id']")

# the milliseconds survive the store and come back as AWS wrote them; an
# offset and finer digits are normalised to UTC milliseconds
version "$TMP/new.jsonl" 2026-11-28T08:15:42.896Z NEW FAILED \
    FirstObservedAt=2026-10-01T10:15:42.118456+02:00
expect_rc 0 "$HW" --db "$TMP/a.db" import "$TMP/new.jsonl"
[ "$(field "$TMP/a.db" "$ID" last_observed)" = 2026-11-28T08:15:42.896Z ] ||
    fail "last_observed: $(field "$TMP/a.db" "$ID" last_observed)"
[ "$(field "$TMP/a.db" "$ID" first_observed)" = 2026-10-01T08:15:42.118Z ] ||
    fail "first_observed: $(field "$TMP/a.db" "$ID" first_observed)"
expect_rc 0 "$HW" --db "$TMP/a.db" findings --since 2026-11-28T08:15:42.896Z --json
[ "$(json_eval "$TMP/out" "len(d)")" = 1 ] || fail "--since the finding's own millisecond"
expect_rc 0 "$HW" --db "$TMP/a.db" findings --since 2026-11-28T08:15:42.897Z --json
[ "$(json_eval "$TMP/out" "len(d)")" = 0 ] || fail "--since a millisecond later"
ok "milliseconds round trip"

# a stale copy from the same second, 773 ms older, resolved: not taken
version "$TMP/stale.jsonl" 2026-11-28T08:15:42.123Z RESOLVED PASSED
expect_rc 0 "$HW" --db "$TMP/a.db" import "$TMP/stale.jsonl"
contains "$TMP/out" "0 changed (0 resolved), 1 unchanged"
[ "$(field "$TMP/a.db" "$ID" workflow_status)" = NEW ] || fail "a stale copy overwrote a newer one"
[ "$(field "$TMP/a.db" "$ID" last_observed)" = 2026-11-28T08:15:42.896Z ] || fail "stale time"
ok "a stale copy from the same second"

# an exact tie: RESOLVED is kept over NEW in both orders, one history row each
version "$TMP/tie_res.jsonl" 2026-11-28T08:15:42.896Z RESOLVED PASSED
expect_rc 0 "$HW" --db "$TMP/a.db" import "$TMP/tie_res.jsonl"
contains "$TMP/out" "1 changed (1 resolved)"
expect_rc 0 "$HW" --db "$TMP/b.db" import "$TMP/tie_res.jsonl" "$TMP/new.jsonl" "$TMP/new.jsonl"
contains "$TMP/out" "0 changed (0 resolved), 2 unchanged"
for db in a b; do
    [ "$(field "$TMP/$db.db" "$ID" workflow_status)" = RESOLVED ] || fail "$db: the tie kept NEW"
    sqlite3 "$TMP/$db.db" "SELECT at, old_workflow, new_workflow, tie FROM finding_history" > "$TMP/hist.$db"
done
cmp -s "$TMP/hist.a" "$TMP/hist.b" || fail "the tie's history depends on the order: $(cat "$TMP/hist.a") vs $(cat "$TMP/hist.b")"
[ "$(cat "$TMP/hist.a")" = "1795853742896|NEW|RESOLVED|1" ] || fail "tie history: $(cat "$TMP/hist.a")"
ok "an exact tie keeps the version further along"

# a scan's watermark keeps the millisecond; the next incremental scan
# (no overlap) still asks for the watermark's own second
use_test_creds
start_sim "$ROOT/tests/data/awssim/basic.json" --no-rate-limit
cat > "$TMP/hw.json" <<JSON
{"db": "$TMP/scan.db", "aws": {"region": "us-east-1", "max_attempts": 3},
 "organization": {"mode": "aggregator"}, "scan": {"overlap_seconds": 0}}
JSON
expect_rc 0 "$HW" --config "$TMP/hw.json" scan
wm=$(sqlite3 "$TMP/scan.db" "SELECT max(updated_at) FROM watermarks")
newest=$(sqlite3 "$TMP/scan.db" "SELECT max(updated_at) FROM findings")
[ -n "$wm" ] && [ "$wm" = "$newest" ] || fail "watermark $wm, newest finding $newest"
[ $((wm % 1000)) != 0 ] || fail "watermark $wm has no milliseconds"
# a finding updated later in the watermark's own second
later=$(/usr/bin/python3 -c "
import datetime, sys
ms = int(sys.argv[1]) // 1000 * 1000 + 999
t = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
print(t.strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (ms % 1000))" "$wm")
rm -f "$TMP/add.jsonl"
version "$TMP/add.jsonl" "$later" NEW FAILED Id=same-second-finding AwsAccountId=111111111111
/usr/bin/python3 -c "
import json, sys
print(json.dumps({'add': [json.loads(open(sys.argv[1]).read())]}))" "$TMP/add.jsonl" > "$TMP/add.json"
sim_post /_awssim/findings "@$TMP/add.json" > /dev/null || fail "adding a finding to the simulator"
expect_rc 0 "$HW" --config "$TMP/hw.json" scan
contains "$TMP/out" ", 1 new,"
[ "$(sqlite3 "$TMP/scan.db" "SELECT max(updated_at) FROM watermarks")" -gt "$wm" ] || fail "watermark did not move"
ok "watermark to the millisecond ($wm)"
echo "times: all checks passed"
