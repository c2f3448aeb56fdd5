#!/bin/sh
# tests/bench/run.sh - `make bench`: performance figures, printed, never
# asserted.
#
#  1. import of 10k, 100k and 1M generated findings (about 2.4 KB each, 3%
#     GuardDuty): findings/s on one core (pinned to CPU 0), peak RSS, and
#     store bytes per finding; and `import --check` (the same reading and
#     checks, nothing stored), which shows how the time splits between
#     reading findings and storing them.
#  1b. `findings --all` in every format over 10k and 100k findings: peak
#     RSS, which must not grow with the number of rows (JSON is streamed);
#  2. peak memory of importing a GetFindings response (10 findings) with a
#     2 GiB NextToken after, then before, its Findings array: a .gz of a
#     few MB, generated here, streaming (tests/bench/huge_token.py | gzip);
#  3. where the time of the largest import goes: the store's share of the
#     import's own pipeline, and zstd and sqlite each alone, so that the
#     floor of an import as built (reading + compressing + inserting) is a
#     printed figure, not a guess;
#  4. evaluation at Organization scale (tests/bench/eval_bench.c): 100, 500
#     and 2,000 accounts x 400 controls against the real catalogue; the
#     first evaluation and one with nothing changed, each in its own process
#     (seconds, peak RSS), the store after the first, and what the unchanged
#     run added to it (evaluation history is kept as intervals); and the
#     floor of the first one's writes: the same rows written again into a
#     fresh copy through the store's calls, with nothing else to do;
#  4b. `hubwarden gate` over the largest import's store (its findings made
#     trusted and a scan run recorded): the default gate, with --junit, and
#     wider selections up to every control (goal: under 0.5 s at 1M);
#  5. scan through the simulator at Security Hub's real rate limit (3
#     GetFindings a second, burst 6): a full scan of 30,000 findings
#     against the rate-limit floor (pages / 3 s), then an incremental scan
#     after 2% of the findings changed, as a share of the full scan's calls;
#     then one with nothing changed, and what it added to the store.
#  5b. remediation (tests/bench/remedy.sh; BENCH_REMEDY=0 skips it): a plan
#     over 1,000,000 findings in 500 accounts, and 1,000 actions applied
#     through the simulator at AWS's documented rate limits.
#  5c. the scale-out scan (tests/bench/scaleout.sh; BENCH_SCALEOUT=0
#     skips it): 100 accounts x 2 regions x 500 findings in assume-role
#     mode, each account-region at its own 3/s, max_concurrency 16 and 64,
#     against the per-source and the aggregator-mode floors.
#  6. (last) `hubwarden report` of 1,000,000 findings across 500 accounts and
#     all seven frameworks, its floor, and `hubwarden verify` of the largest
#     bundle (tests/bench/report.sh, which runs alone too);
#     BENCH_REPORT_FINDINGS / BENCH_REPORT_ACCOUNTS change the size;
#     BENCH_REPORT=0 skips it.
#
# BENCH_SIZES="10000 100000" limits the import sizes (default: all three);
# BENCH_EVAL_ACCOUNTS="100 500" the evaluation's (default 100 500 2000);
# BENCH_REPEAT=N runs each N times (default 3: this machine's speed varies
# by a third from one minute to the next, so one run says little).
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
B="$ROOT/.build/bench"
mkdir -p "$B"
M="/usr/bin/python3 $ROOT/tests/bench/measure.py"
SIZES=${BENCH_SIZES:-"10000 100000 1000000"}
REPEAT=${BENCH_REPEAT:-3}

echo "== import (one core: taskset -c 0; each size run $REPEAT times, median and best shown)"
echo "   read+check: 'import --check', the same reading and checks with nothing stored"
printf '%10s %12s %12s %12s %11s %13s %12s\n' findings "findings/s" "(best)" "read+check/s" "peak RSS" "store bytes" bytes/finding
for n in $SIZES; do
    f="$B/findings-$n.jsonl"
    if [ ! -s "$f" ]; then
        /usr/bin/python3 tests/awssim/gen_findings.py --count "$n" --seed "$n" -o "$f.tmp"
        mv "$f.tmp" "$f"
    fi
    i=0
    while [ $i -lt "$REPEAT" ]; do
        i=$((i + 1))
        rm -f "$B/import-$n.db" "$B/import-$n.db-wal" "$B/import-$n.db-shm"
        $M --cpu 0 -- ./hubwarden -q --db "$B/import-$n.db" import "$f" > "$B/import-$n.$i.json" 2> "$B/import-$n.log"
        $M --cpu 0 -- ./hubwarden -q --db "$B/none.db" import --check "$f" > "$B/check-$n.$i.json" 2> "$B/check-$n.log"
    done
    /usr/bin/python3 - "$B" "$n" "$f" "$REPEAT" <<'PY'
import json, os, statistics, sys
b, n, f, rep = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
runs = [json.load(open("%s/import-%d.%d.json" % (b, n, i))) for i in range(1, rep + 1)]
checks = [json.load(open("%s/check-%d.%d.json" % (b, n, i))) for i in range(1, rep + 1)]
db = "%s/import-%d.db" % (b, n)
size = sum(os.path.getsize(db + s) for s in ("", "-wal") if os.path.exists(db + s))
rates = [n / r["wall_s"] for r in runs]
print("%10d %12.0f %12.0f %12.0f %8.1f MB %13d %12.0f   (input %.0f bytes/finding)" % (
    n, statistics.median(rates), max(rates), statistics.median(n / c["wall_s"] for c in checks),
    max(r["peak_rss_mb"] for r in runs), size, size / n, os.path.getsize(f) / n))
for r in runs + checks:
    if r["rc"] != 0:
        print("           a run exited %d: see %s/import-%d.log" % (r["rc"], b, n))
        break
PY
done

echo
echo "== findings output (--all, every format): peak RSS, flat in the number of rows"
printf '%10s %8s %10s %11s\n' findings format "wall s" "peak RSS"
for n in 10000 100000; do
    db="$B/import-$n.db"
    if [ ! -s "$db" ]; then
        f="$B/findings-$n.jsonl"
        [ -s "$f" ] || { /usr/bin/python3 tests/awssim/gen_findings.py --count "$n" --seed "$n" -o "$f.tmp"; mv "$f.tmp" "$f"; }
        ./hubwarden -q --db "$db" import "$f" > /dev/null 2>&1
    fi
    for fmt in table json jsonl csv; do
        COLUMNS=120 $M -- ./hubwarden -q --db "$db" findings --all --output "$fmt" > "$B/out-$n-$fmt.json" 2> /dev/null
        /usr/bin/python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); print("%10s %8s %10.2f %8.1f MB%s" % (sys.argv[2], sys.argv[3], m["wall_s"], m["peak_rss_mb"], "" if m["rc"] == 0 else "  (exit %d)" % m["rc"]))' \
            "$B/out-$n-$fmt.json" "$n" "$fmt"
    done
done

echo
echo "== memory: a GetFindings response with a 2 GiB NextToken (10 findings; the .gz is made here)"
head -n 10 "$B/findings-$(echo $SIZES | cut -d' ' -f1).jsonl" > "$B/token-findings.jsonl"
for where in after before; do
    gz="$B/token-$where.json.gz"
    if [ ! -s "$gz" ]; then
        /usr/bin/python3 tests/bench/huge_token.py "$B/token-findings.jsonl" 2147483648 "$where" | gzip -1 > "$gz.tmp"
        mv "$gz.tmp" "$gz"
    fi
    rm -f "$B/token.db" "$B/token.db-wal" "$B/token.db-shm"
    $M -- ./hubwarden -q --db "$B/token.db" import "$gz" > "$B/token-$where.json" 2> "$B/token-$where.log"
    /usr/bin/python3 - "$B/token-$where.json" "$B/token-$where.log" "$gz" "$where" <<'PY'
import json, os, re, sys
m = json.load(open(sys.argv[1]))
log = open(sys.argv[2]).read()
got = re.search(r"(\d+) findings read, (\d+) new", log)
print("  token %-6s the findings: %.1f MB .gz, peak RSS %.1f MB, %.1f s, %s findings stored, exit %d" % (
    sys.argv[4], os.path.getsize(sys.argv[3]) / 1e6, m["peak_rss_mb"], m["wall_s"],
    got.group(2) if got else "no", m["rc"]))
PY
done

echo
last=""
for n in $SIZES; do last=$n; done
echo "== where the time goes, $last findings (one run, taskset -c 0): the import's stages timed"
echo "   apart, then zstd and sqlite each alone at the store's settings (tests/bench/floor.c)"
taskset -c 0 .build/store_floor "$B/findings-$last.jsonl" "$last" "$B/floor.db"

echo
echo "== gate over the $last-finding store (its findings made trusted and a scan recorded, as a"
echo "   scan would leave them; each form run $REPEAT times, median; exit 1 = the gate failed;"
echo "   CPU time beside the wall time, which other load on the machine inflates)"
db="$B/gate.db"
rm -f "$db" "$db-wal" "$db-shm"
sqlite3 "$B/import-$last.db" "VACUUM INTO '$db'"
sqlite3 "$db" "UPDATE findings SET trusted = 1, untrusted_reason = NULL;
    INSERT INTO runs(id, kind, started_at, finished_at, status) VALUES ('bench-scan', 'scan',
    strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'ok')"
gate_bench() { # LABEL ARGS...: median wall time of `hubwarden gate ARGS`
    label=$1; shift
    i=0
    while [ $i -lt "$REPEAT" ]; do
        i=$((i + 1))
        $M -- ./hubwarden -q --db "$db" gate "$@" > "$B/gate.$i.json" 2> "$B/gate.log"
    done
    /usr/bin/python3 - "$B" "$REPEAT" "$label" <<'PY'
import json, statistics, sys
runs = [json.load(open("%s/gate.%d.json" % (sys.argv[1], i))) for i in range(1, int(sys.argv[2]) + 1)]
print("   %-46s %6.3f s (best %.3f, CPU %.3f s)  peak RSS %5.1f MB  exit %d" % (
    sys.argv[3], statistics.median(r["wall_s"] for r in runs), min(r["wall_s"] for r in runs),
    statistics.median(r["cpu_s"] for r in runs), max(r["peak_rss_mb"] for r in runs), runs[0]["rc"]))
PY
}
gate_bench "gate (CRITICAL and above)"
gate_bench "gate --junit FILE" --junit "$B/gate-junit.xml"
gate_bench "gate --severity HIGH" --severity HIGH
gate_bench "gate --severity INFORMATIONAL (every control)" --severity INFORMATIONAL
gate_bench "gate --framework cis-aws-3.0.0 --severity LOW" --framework cis-aws-3.0.0 --severity LOW

echo
echo "== evaluation, 400 controls per account, the real catalogue (tests/bench/eval_bench.c)"
echo "   writes alone: the first evaluation's rows stored again into a fresh copy (its floor)"
printf '%9s %10s %14s %16s %10s %11s %22s %14s\n' accounts "build s" "first eval s" "unchanged eval s" "peak RSS" "store MB" "unchanged run adds" "writes alone s"
for n in ${BENCH_EVAL_ACCOUNTS:-100 500 2000}; do
    db="$B/eval-$n.db"
    rm -f "$db" "$db-wal" "$db-shm" "$db.lock"
    t0=$(date +%s.%N)
    .build/eval_bench build "$db" "$n" controls
    t1=$(date +%s.%N)
    cp "$db" "$db.fresh"
    set -- $(.build/eval_bench eval "$db" controls)
    first=$1; rss1=$2; size=$(stat -c %s "$db")
    floor=$(.build/eval_bench floor "$db" "$db.fresh" | cut -d' ' -f1)
    rm -f "$db.fresh" "$db.fresh-wal" "$db.fresh-shm" "$db.fresh.lock"
    set -- $(.build/eval_bench eval "$db" controls)
    printf '%9d %10.1f %14.2f %16.2f %7.1f MB %11.1f %16d bytes %14.2f\n' "$n" "$(echo "$t1 - $t0" | bc)" \
        "$first" "$1" "$(echo "if ($rss1 > $2) $rss1 else $2" | bc)" "$(echo "$size / 1048576" | bc -l)" "$3" "$floor"
done

echo
echo "== scan at Security Hub's rate limit (3 requests/s, burst 6), 30,000 findings"
SIM_LOG="$B/awssim.log"
rm -f "$B/port" "$B/scan.db" "$B/scan.db-wal" "$B/scan.db-shm"
/usr/bin/python3 tests/awssim/awssim.py --scenario tests/data/awssim/bench.json --port-file "$B/port" \
    --models "$ROOT/.build/models" --quiet > "$SIM_LOG" 2>&1 &
SIM=$!
trap 'kill $SIM 2>/dev/null || true' EXIT INT TERM
while [ ! -s "$B/port" ]; do sleep 0.1; done
URL="http://127.0.0.1:$(cat "$B/port")"
cat > "$B/scan.json" <<JSON
{"db": "$B/scan.db", "aws": {"region": "us-east-1", "endpoint_url": "$URL"},
 "scan": {"aggregator_account": "222222222222", "aggregator_region": "us-east-1"}}
JSON
export AWS_ACCESS_KEY_ID=AKIAHUBWARDENBENCH01 AWS_SECRET_ACCESS_KEY=benchsecretbenchsecretbenchsecret000001
export AWS_EC2_METADATA_DISABLED=true
stats() { /usr/bin/python3 -c "import json,sys,urllib.request; d=json.load(urllib.request.urlopen(sys.argv[1]+'/_awssim/stats')); print(d['operations'].get('securityhub.GetFindings',0), d['throttled'])" "$URL"; }
reset() { /usr/bin/python3 -c "import sys,urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1]+'/_awssim/reset-stats', data=b'{}'))" "$URL"; }
reset
$M -- ./hubwarden --config "$B/scan.json" scan > "$B/full.json" 2> "$B/full.log"
set -- $(stats)
full_calls=$1; full_throttled=$2
/usr/bin/python3 - "$B/full.json" "$B/full.log" "$full_calls" "$full_throttled" <<'PY'
import json, re, sys
m = json.load(open(sys.argv[1]))
log = open(sys.argv[2]).read()
pages = int(re.search(r"(\d+) pages", log).group(1))
seen = int(re.search(r"(\d+) findings seen", log).group(1))
floor = max(0.0, (pages - 6) / 3.0)   # the first 6 pages ride the burst
print("full scan:        %d findings, %d pages, %d GetFindings calls (%d throttled by the server)" % (
    seen, pages, int(sys.argv[3]), int(sys.argv[4])))
print("                  %.1f s; rate-limit floor (pages-6)/3 = %.1f s; %.1f%% over the floor; peak RSS %.1f MB" % (
    m["wall_s"], floor, 100.0 * (m["wall_s"] - floor) / floor if floor else 0, m["peak_rss_mb"]))
PY
/usr/bin/python3 -c "import sys,urllib.request; print('changed:', urllib.request.urlopen(urllib.request.Request(sys.argv[1]+'/_awssim/findings', data=b'{\"update_fraction\": 0.02, \"seed\": 5, \"fields\": {\"Compliance.Status\": \"PASSED\"}}')).read().decode())" "$URL"
sleep 1
reset
$M -- ./hubwarden --config "$B/scan.json" scan > "$B/incr.json" 2> "$B/incr.log"
set -- $(stats)
/usr/bin/python3 - "$B/incr.json" "$B/incr.log" "$1" "$full_calls" <<'PY'
import json, re, sys
m = json.load(open(sys.argv[1]))
log = open(sys.argv[2]).read()
seen = int(re.search(r"(\d+) findings seen", log).group(1))
calls, full = int(sys.argv[3]), int(sys.argv[4])
print("incremental scan: %d findings read, %d GetFindings calls = %.1f%% of the full scan's %d; %.1f s" % (
    seen, calls, 100.0 * calls / full if full else 0, full, m["wall_s"]))
PY
# a nightly run that changes nothing: what it adds to the store (sizes after
# folding the WAL in, so that pages sqlite reuses are not counted twice)
fold() { sqlite3 "$B/scan.db" "PRAGMA wal_checkpoint(TRUNCATE);" > /dev/null; stat -c %s "$B/scan.db"; }
sleep 1
before=$(fold)
./hubwarden --config "$B/scan.json" scan > /dev/null 2> "$B/same.log"
after=$(fold)
echo "unchanged scan:   the store grew by $((after - before)) bytes ($before -> $after; evaluation kept as intervals)"

[ "${BENCH_REMEDY:-1}" = 0 ] || { echo; sh tests/bench/remedy.sh; }
# 5c. the scale-out scan in assume-role mode (tests/bench/scaleout.sh)
[ "${BENCH_SCALEOUT:-1}" = 0 ] || { echo; sh tests/bench/scaleout.sh; }

# ------------------------------------------------------------------ report
# (tests/bench/report.sh runs it alone: BENCH_REPORT_FINDINGS=100000 sh tests/bench/report.sh)
if [ "${BENCH_REPORT:-1}" != 0 ]; then sh tests/bench/report.sh; fi
