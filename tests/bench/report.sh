#!/bin/sh
# tests/bench/report.sh - `make bench`, section 6: `hubwarden report` of
# 1,000,000 findings across 500 accounts and all seven frameworks (goal:
# 10 s, 256 MB), beside its floor, and `hubwarden verify` of the largest
# bundle.  Figures are printed, never asserted.  Runs alone too (after
# `make hubwarden .build/report_store`):
#
#   BENCH_REPORT_FINDINGS=100000 sh tests/bench/report.sh
#
# The store is built once by report_store (SQL for the findings, the
# scan's own evaluation for the evaluations) and kept in .build/bench.
# The floor is what a report cannot avoid, each part alone on one core
# (report_store floor): one pass over every row it reads in sqlite,
# writing the bundles' bytes, and SHA-256 over them as the signatures
# and SHA256SUMS need.  BENCH_REPORT_FINDINGS / BENCH_REPORT_ACCOUNTS
# change the size.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
B="$ROOT/.build/bench"
mkdir -p "$B"
M="/usr/bin/python3 $ROOT/tests/bench/measure.py"
RN=${BENCH_REPORT_FINDINGS:-1000000}
RA=${BENCH_REPORT_ACCOUNTS:-500}
RDB="$B/report-$RN-$RA.db"
echo
echo "== report: $RN findings across $RA accounts, all seven frameworks"
# a store made before a schema change is made again (the stamp: the
# migrations' source it was built with)
stamp=$(cat src/store/store.c | sha256sum | cut -c1-16)
[ "$(cat "$RDB.stamp" 2>/dev/null)" = "$stamp" ] || rm -f "$RDB" "$RDB-wal" "$RDB-shm" "$RDB.lock"
if [ ! -s "$RDB" ]; then
    rm -f "$RDB" "$RDB-wal" "$RDB-shm"
    $M -- "$ROOT/.build/report_store" "$RDB" "$RN" "$RA" > "$B/report-store.json" 2> "$B/report-store.log" ||
        { cat "$B/report-store.log"; exit 1; }
    sqlite3 "$RDB" "PRAGMA wal_checkpoint(TRUNCATE);" > /dev/null
    echo "$stamp" > "$RDB.stamp"
    /usr/bin/python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print("   store built once (SQL findings + the scan evaluation): %.1f s, kept in %s" % (m["wall_s"], sys.argv[2]))' "$B/report-store.json" "$RDB"
fi
rm -rf "$B/report-keys" "$B/report-out"
./hubwarden keygen --out "$B/report-keys" > /dev/null 2>&1
printf '{"report": {"key_file": "%s", "cert_file": "%s"}}\n' "$B/report-keys/key.pem" "$B/report-keys/cert.pem" > "$B/report.json"
$M --tree -- ./hubwarden -v -v --config "$B/report.json" --db "$RDB" report --allow-stale --out "$B/report-out" \
    > "$B/report-run.json" 2> "$B/report-run.log"
total=$(du -sb "$B/report-out" | cut -f1)
xml=$(cat "$B"/report-out/*/report.xml | wc -c)
rm -rf "$B/report-floor"
mkdir -p "$B/report-floor"
floor=$("$ROOT/.build/report_store" floor "$RDB" "$B/report-floor" "$total" "$xml")
rmdir "$B/report-floor"
/usr/bin/python3 - "$B/report-run.json" "$B/report-run.log" "$B/report-out" "$floor" "$(uptime | sed 's/.*load average: //')" <<'PY'
import json, os, re, sys
m = json.load(open(sys.argv[1]))
read, write, hashed = (float(x) for x in sys.argv[4].split())
print("   %.1f s wall, %.1f s CPU (goal 10 s); peak RSS %.1f MB summed over the processes,"
      " %.1f MB the largest one (goal 256 MB); exit %d; load average %s" % (
    m["wall_s"], m["cpu_s"], m["tree_rss_mb"], m["max_proc_mb"], m["rc"], sys.argv[5]))
print("   floor, each part alone on one core: %.1f s = read every row once %.2f s + write"
      " the bytes %.2f s + SHA-256 %.2f s (%.1f s over 2 cores)" % (
    read + write + hashed, read, write, hashed, (read + write + hashed) / 2))
steps = {}
for line in open(sys.argv[2]):
    r = re.search(r"debug: report (\S+): (.*)", line)
    if r:
        steps[r.group(1)] = r.group(2)
    r = re.search(r"debug: report: (one pass .*)", line)
    if r:
        print("   " + r.group(1))
print("   %-22s %10s %10s %10s %10s   %s" % ("bundle", "report.xml", "html", "csv", "total", "steps"))
for d in sorted(os.listdir(sys.argv[3])):
    p = os.path.join(sys.argv[3], d)
    size = lambda f: os.path.getsize(os.path.join(p, f)) / 1e6
    fw = d.rsplit("-", 2)[0]
    tot = sum(size(f) for f in os.listdir(p))
    print("   %-22s %8.1f MB %7.2f MB %7.1f MB %7.1f MB   %s" % (
        fw, size("report.xml"), size("report.html"), size("findings.csv"), tot, steps.get(fw, "")))
PY
big=$(ls -S "$B"/report-out/*/report.xml | head -n 1)
fw=$(basename "$(dirname "$big")" | sed 's/-[0-9]\{8\}T.*//')
rm -rf "$B/report-one"
$M --tree -- ./hubwarden --config "$B/report.json" --db "$RDB" report --allow-stale --framework "$fw" \
    --out "$B/report-one" > "$B/report-one.json" 2> /dev/null
/usr/bin/python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print("   the largest bundle alone (%s, one process): %.1f s, peak RSS %.1f MB" % (sys.argv[2], m["wall_s"], m["max_proc_mb"]))' "$B/report-one.json" "$fw"
$M -- ./hubwarden verify "$(dirname "$big")" > "$B/verify.json" 2> "$B/verify.log"
/usr/bin/python3 -c 'import json,os,sys; m=json.load(open(sys.argv[1])); print("   hubwarden verify of it (report.xml %.0f MB): %.1f s, peak RSS %.1f MB, exit %d" % (os.path.getsize(sys.argv[2]) / 1e6, m["wall_s"], m["peak_rss_mb"], m["rc"]))' "$B/verify.json" "$big"
if xsltproc --nonet templates/report.xsl "$big" | cmp -s - "$(dirname "$big")/report.html"; then
    echo "   xsltproc on the whole of the largest report.xml gives its report.html byte for byte"
else
    echo "   xsltproc does NOT reproduce $(dirname "$big")/report.html"
fi
