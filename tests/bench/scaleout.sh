#!/bin/sh
# tests/bench/scaleout.sh - `make bench` section: the scale-out scan.  In
# assume-role mode each account and region has its own Security Hub rate
# limit, so an Organization's full scan can beat the aggregator's single
# queue.  100 accounts x 2 regions x 500 findings (100,000) through the
# simulator, which limits GetFindings per account and region as AWS does (3
# a second, burst 6), with aws.max_concurrency 16 and 64: wall time
# against the per-source floor (the slowest source's pages / 3 a second,
# the first page free of the bucket's wait, plus the AssumeRole call it
# needs first, timed alone with botocore) and against the
# aggregator-mode floor for the same findings (every page through one
# account-region: pages / 3).  Each twice: with the simulator answering as
# fast as it can, and with every call answered 100 ms late (its "slow"
# fault), as over a network, where concurrency and the AssumeRole calls
# matter.  Where the time goes: the scan's phases (-v), hubwarden's CPU,
# the simulator's CPU (both on this machine's two cores), the same
# findings imported alone, GetFindings throttled.  Printed, never asserted.
#
# BENCH_SCALEOUT=0 skips it; BENCH_SCALEOUT_ACCOUNTS, _PER_SOURCE and
# _CONCURRENCY change the size (defaults 100, 500, "16 64").
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
B="$ROOT/.build/bench/scaleout"
mkdir -p "$B"
M="/usr/bin/python3 $ROOT/tests/bench/measure.py"
NACCT=${BENCH_SCALEOUT_ACCOUNTS:-100}
PER=${BENCH_SCALEOUT_PER_SOURCE:-500}
CONC=${BENCH_SCALEOUT_CONCURRENCY:-"16 64"}

echo "== scale-out scan (assume-role): $NACCT accounts x 2 regions x $PER findings, GetFindings 3/s burst 6 per account-region"
/usr/bin/python3 - "$B/scenario.json" "$NACCT" "$PER" <<'PY'
import json, sys
path, n, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
members = ["%012d" % (700000000000 + i) for i in range(n)]
role = {"name": "HubwardenAudit", "trusted_accounts": ["222222222222"]}
scen = {
    "partition": "aws",
    "organization": {"id": "o-scaleout01", "management_account": "111111111111",
                     "delegated_admins": ["222222222222"], "root": {"id": "r-scal", "name": "Root"},
                     "ous": [{"id": "ou-scal-memb0001", "name": "Members", "parent": "r-scal"}]},
    "accounts": [{"id": "111111111111", "name": "management", "status": "ACTIVE", "parent": "r-scal", "roles": [role]},
                 {"id": "222222222222", "name": "audit", "status": "ACTIVE", "parent": "r-scal",
                  "users": [{"name": "hubwarden", "access_keys": [
                      {"id": "AKIAHUBWARDENBENCH01", "secret": "benchsecretbenchsecretbenchsecret000001"}]}]}]
    + [{"id": a, "name": "member-%d" % i, "status": "ACTIVE", "parent": "ou-scal-memb0001", "roles": [role]}
       for i, a in enumerate(members)],
    "securityhub": {"generate": {"per_source": per, "accounts": members, "regions": ["us-east-1", "eu-west-1"],
                                 "seed": 100, "guardduty_rate": 0.03}},
    "rate_limits": {"securityhub.GetFindings": {"rate": 3, "burst": 6}},
}
json.dump(scen, open(path, "w"))
# the same findings as a file, for the floor of storing them (import)
sys.path.insert(0, "tests/awssim")
import gen_findings
with open(path.replace("scenario.json", "findings.jsonl"), "w") as out:
    for f in gen_findings.generate(scen["securityhub"]["generate"]):
        out.write(json.dumps(f, separators=(",", ":")) + "\n")
PY
rm -f "$B/import.db" "$B/import.db-wal" "$B/import.db-shm"
$M -- ./hubwarden -q --db "$B/import.db" import "$B/findings.jsonl" > "$B/import.json" 2> "$B/import.log"
rm -f "$B/port"
/usr/bin/python3 tests/awssim/awssim.py --scenario "$B/scenario.json" --port-file "$B/port" \
    --models "$ROOT/.build/models" --quiet > "$B/awssim.log" 2>&1 &
SIM=$!
trap 'kill $SIM 2>/dev/null || true' EXIT INT TERM
while [ ! -s "$B/port" ]; do
    kill -0 $SIM 2>/dev/null || { cat "$B/awssim.log"; exit 1; }
    sleep 0.2
done
URL="http://127.0.0.1:$(cat "$B/port")"
export AWS_ACCESS_KEY_ID=AKIAHUBWARDENBENCH01 AWS_SECRET_ACCESS_KEY=benchsecretbenchsecretbenchsecret000001
export AWS_EC2_METADATA_DISABLED=true
unset AWS_SESSION_TOKEN AWS_PROFILE
sim_cpu() { awk '{print $14 + $15}' "/proc/$SIM/stat"; }
reset() { /usr/bin/python3 -c "import sys,urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1]+'/_awssim/reset-stats', data=b'{}'))" "$URL"; }
stats() { /usr/bin/python3 -c "import sys,urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]+'/_awssim/stats').read().decode())" "$URL"; }
faults() { /usr/bin/python3 -c "import sys,urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1]+'/_awssim/faults', data=sys.argv[2].encode()))" "$URL" "$1"; }
echo "   (each figure: 'local' the simulator as it answers; '100ms' every call answered 100 ms late, as over a network)"
for LAT in local 100ms; do
if [ "$LAT" = local ]; then faults '{}'; else faults '{"slow": [1.0, 0.1]}'; fi
for c in $CONC; do
    rm -f "$B/scan-$c.db" "$B/scan-$c.db-wal" "$B/scan-$c.db-shm"
    cat > "$B/scan-$c.json" <<JSON
{"db": "$B/scan-$c.db", "aws": {"region": "us-east-1", "endpoint_url": "$URL", "max_concurrency": $c},
 "organization": {"mode": "assume-role", "regions": ["us-east-1", "eu-west-1"]}}
JSON
    # one AssumeRole round trip, alone (the floor's share for roles)
    /usr/bin/python3 - "$URL" > "$B/assume-rt.txt" <<'PY'
import statistics, sys, time, botocore.session
c = botocore.session.get_session().create_client("sts", endpoint_url=sys.argv[1], region_name="us-east-1")
ts = []
for _ in range(5):
    t = time.monotonic()
    c.assume_role(RoleArn="arn:aws:iam::700000000000:role/HubwardenAudit", RoleSessionName="bench")
    ts.append(time.monotonic() - t)
print(statistics.median(ts))
PY
    reset
    t0=$(sim_cpu)
    $M -- ./hubwarden -v --config "$B/scan-$c.json" scan --full > "$B/run-$c.json" 2> "$B/scan-$c.log"
    t1=$(sim_cpu)
    stats > "$B/stats-$c.json"
    sqlite3 "$B/scan-$c.db" "SELECT count(*) FROM findings GROUP BY account_id, region" > "$B/sources-$c.txt"
    /usr/bin/python3 - "$B/run-$c.json" "$B/stats-$c.json" "$B/sources-$c.txt" "$c" \
        "$(( t1 - t0 ))" "$(getconf CLK_TCK)" "$B/scan-$c.log" "$B/import.json" "$LAT" "$(cat "$B/assume-rt.txt")" <<'PY'
import json, math, re, sys
run, st = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
imp = json.load(open(sys.argv[8]))
counts = [int(x) for x in open(sys.argv[3]).read().split()]
c, sim_cpu = int(sys.argv[4]), int(sys.argv[5]) / float(sys.argv[6])
lat = sys.argv[9]
log = open(sys.argv[7]).read()
ops = st["operations"]
pages = [max(1, math.ceil(n / 100.0)) for n in counts]
assumes = ops.get("sts.AssumeRole", 0)
# each source's first page goes at once, the rest wait for the bucket's
# steady 3/s at best (its burst does not help pages that follow each
# other's NextToken only when they are slower than 1/3 s apart)
src_floor = (max(pages) - 1) / 3.0 if pages else 0
total = sum(pages)
agg_floor = max(0.0, (total - 6) / 3.0)  # one queue: every page at 3/s after the burst
def phase(what):
    m = re.search(r"scan: %s in (\d+) ms" % what, log)
    return int(m.group(1)) / 1000.0 if m else float("nan")
m = re.search(r"scan: pulled \d+ sources in (\d+) ms", log)
pull_s = int(m.group(1)) / 1000.0 if m else float("nan")
assume_s = float(sys.argv[10])  # one AssumeRole round trip
check_s = phase("control checks")
floor = src_floor + assume_s
print("%-5s concurrency %3d: %6.1f s wall, %d findings in %d sources, %d pages (%d GetFindings calls, %d throttled), %d AssumeRole"
      % (lat, c, run["wall_s"], sum(counts), len(counts), total, ops.get("securityhub.GetFindings", 0), st["throttled"], assumes))
print("                     per-source floor %.2f s (slowest source %d pages: %.2f s after its AssumeRole: %.3f s; %d of them one by one would be %.1f s)"
      % (floor, max(pages) if pages else 0, src_floor, assume_s, assumes, assumes * assume_s))
print("                     %.0f%% over the per-source floor (the pull alone: %.0f%%); aggregator-mode floor %.0f s (%d pages / 3): %.0fx faster"
      % (100.0 * (run["wall_s"] - floor) / floor if floor else 0,
         100.0 * (pull_s - floor) / floor if floor else 0, agg_floor, total, agg_floor / run["wall_s"]))
print("                     phases: pull %.1f s (roles and control checks on the same queue), control checks recorded after it %.1f s;"
      " the rest is the Organization's listing before and the evaluation after" % (pull_s, check_s))
print("                     CPU: hubwarden %.1f s, simulator %.1f s, on 2 shared cores: wall >= %.1f s;"
      " storing the same findings alone (import) %.1f s wall, %.1f s CPU; peak RSS %.1f MB; exit %d"
      % (run["cpu_s"], sim_cpu, (run["cpu_s"] + sim_cpu) / 2, imp["wall_s"], imp["cpu_s"],
         run["peak_rss_mb"], run["rc"]))
PY
done
done
