#!/bin/sh
# tests/soak/soak.sh - `make soak`: the nightly path through the simulator
# with 20% of AWS calls faulted, against the same path fault-free.
#
# One pass is: a full scan, changes to the findings in the simulator, an
# incremental scan, a remediation run (remediate --apply), a second
# remediation run (fault-free: it must change nothing) and the signed
# reports.  The fault-free pass and the faulted pass each start a fresh
# simulator from one scenario (tests/data/awssim/remedy.json with
# generated findings in two regions, read in assume-role mode) and a fresh
# store.  Faults (SOAK_FAULTS): throttling, HTTP 500 and 503, connection
# resets, truncated bodies, 2 s stalls and credentials that expire early.
#
# Checked: every run exits 0, or 3 naming what failed; every finding the
# simulator holds in the accounts and regions read is in the store exactly
# once, with the simulator's workflow and compliance statuses; no
# remediation change is made twice (the simulator's request log: a
# mutating call on one resource applied more than once, other than a
# retry after an answer that was lost, fails); the second remediation run
# makes no change; every bundle verifies and no temporary folder is left.
# Then a partial pass: a member account whose role cannot be assumed and
# a region that does not answer: the scan exits 3 naming both, the other
# sources complete.
#
# Prints: faults injected by kind, client retries (attempts beyond the
# first), wall time of each pass and their ratio (goal <= 1.5), and the
# faulted pass's floor: the fault-free time plus what the faults cost at
# least when nothing is wasted (the simulator's request log: each call's
# start and end, and the steps' times): in each step, the stalls on its
# slowest chain of dependent calls (a source's pages and its account's
# AssumeRole; the step's other calls one after another), a stalled
# GetFindings page less what its source's token bucket wins back
# afterwards (up to 5 pages saved up, at 3 a second); retries ~0 (a round
# trip, no backoff).  What the faulted pass took above the floor is
# backoff and stalls the client did not overlap.
. "$(dirname "$0")/../integration/lib.sh"
use_test_creds
SOAK_FAULTS=${SOAK_FAULTS:-'{"throttle": 0.04, "http500": 0.03, "http503": 0.03, "reset": 0.03, "truncate": 0.03, "slow": [0.02, 2], "expire": [0.02, null]}'}
SOAK_FINDINGS=${SOAK_FINDINGS:-400}
PROBLEMS=0
problem() { echo "PROBLEM: $*"; PROBLEMS=$((PROBLEMS + 1)); }

/usr/bin/python3 - "$ROOT/tests/data/awssim/remedy.json" "$TMP/scenario.json" "$SOAK_FINDINGS" <<'PY'
import json, sys
scen = json.load(open(sys.argv[1]))
scen["securityhub"]["generate"] = {"count": int(sys.argv[3]), "seed": 11, "guardduty_rate": 0.05,
                                   "accounts": ["222222222222", "333333333333", "444444444444"],
                                   "regions": ["us-east-1", "eu-west-1"]}
json.dump(scen, open(sys.argv[2], "w"))
PY
"$HW" keygen --out "$TMP/keys" > /dev/null 2>&1 || fail "keygen"

config() { # DB REGIONS-JSON INCLUDE-JSON
    cat <<JSON
{"db": "$1", "controls_dir": "$ROOT/controls",
 "aws": {"region": "us-east-1", "max_concurrency": 4, "timeout_seconds": 4, "connect_timeout_seconds": 2},
 "organization": {"mode": "assume-role", "role_name": "HubwardenAudit", "regions": $2,
                  "include_accounts": $3},
 "scan": {"page_size": 10},
 "remediation": {"controls": {"S3.8": "auto", "S3.1": "auto", "EC2.19": "auto", "EC2.7": "auto", "EC2.13": "auto"},
                 "external_id": "hw-remedy-1", "max_share": 0.5, "exclude_ous": ["ou-ab12-sand0001"]},
 "report": {"key_file": "$TMP/keys/key.pem", "cert_file": "$TMP/keys/cert.pem"}}
JSON
}
MEMBERS='["222222222222", "333333333333", "444444444444", "888888888888"]'

# run NAME CMD...: runs one step; exit 0 passes, 3 must name what failed
run_step() {
    name=$1; shift
    s0=$(date +%s.%N)
    "$@" > "$TMP/$PASS.$name.out" 2> "$TMP/$PASS.$name.err"
    rc=$?
    s1=$(date +%s.%N)
    STEPS="$STEPS $name $(echo "$s1 - $s0" | bc | xargs printf '%.1f') s,"
    echo "$name $s0 $s1" >> "$TMP/$PASS.steps"
    case $rc in
    0) ;;
    3) if ! grep -qE "failed|cannot|error" "$TMP/$PASS.$name.err"; then
           problem "$PASS $name: exit 3 without naming what failed"; cat "$TMP/$PASS.$name.err"; fi
       echo "  $PASS $name: exit 3:"; grep -v ': debug: ' "$TMP/$PASS.$name.err" | grep -E 'failed|cannot|error' | head -n 4 | cut -c1-240 | sed 's/^/      /' ;;
    *) problem "$PASS $name: exit $rc"; tail -n 20 "$TMP/$PASS.$name.err" ;;
    esac
}

# one pass: $1 = clean|faulted
one_pass() {
    PASS=$1
    STEPS=
    start_sim "$TMP/scenario.json" --seed 5
    if [ "$PASS" = faulted ]; then sim_post /_awssim/faults "$SOAK_FAULTS" > /dev/null; fi
    DB="$TMP/$PASS.db"
    config "$DB" '["us-east-1", "eu-west-1"]' "$MEMBERS" > "$TMP/$PASS.json"
    HWC="$HW -v --config $TMP/$PASS.json"
    t0=$(date +%s.%N)
    run_step full $HWC scan --full
    # the simulator's findings change between the scans: workflow and
    # compliance of some, 20 new ones
    /usr/bin/python3 - "$SIM_URL" <<'PY' > /dev/null || problem "changing the findings"
import datetime, json, sys, urllib.request
st = json.load(urllib.request.urlopen(sys.argv[1] + "/_awssim/state"))
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
fs = [f for f in st["findings"] if f["AwsAccountId"] in ("333333333333", "444444444444")][:30]
upd = [{"Id": f["Id"], "ProductArn": f["ProductArn"],
        "fields": {"Workflow": {"Status": "NOTIFIED"}, "UpdatedAt": now,
                   "Compliance": dict(f.get("Compliance") or {}, Status="PASSED")}}
       for f in fs[:15]]
new = []
for i, f in enumerate(fs[15:30]):
    g = json.loads(json.dumps(f))
    g["Id"] = f["Id"] + "-soak-new-%d" % i
    g["UpdatedAt"] = now
    new.append(g)
body = json.dumps({"update": upd, "add": new}).encode()
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/_awssim/findings", data=body, method="POST"))
PY
    run_step incremental $HWC scan
    # what the store must hold: the simulator's findings as the scans saw
    # them (remediation then moves workflows, which scans see later)
    sim_get /_awssim/state > "$TMP/$PASS.state.json"
    run_step remediate $HWC remediate --apply
    run_step report $HWC report --out "$TMP/$PASS.bundles"
    t1=$(date +%s.%N)
    eval "T0_$PASS=$t0; T1_$PASS=$t1"
    eval "WALL_$PASS=$(echo "$t1 - $t0" | bc)"
    echo "  $PASS steps:${STEPS%,}"
    sim_get /_awssim/stats > "$TMP/$PASS.stats.json"
    sim_get /_awssim/requests > "$TMP/$PASS.requests.json"
    # fault-free again: a second remediation run changes nothing
    sim_post /_awssim/faults '{}' > /dev/null
    sim_post /_awssim/reset-stats '{}' > /dev/null
    run_step remediate2 $HWC remediate --apply
    sim_get /_awssim/requests > "$TMP/$PASS.requests2.json"
    check_pass
    kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null; SIM_PID=
    rm -f "$TMP/port"
}

check_pass() {
    # every finding the simulator holds in the accounts and regions read
    # (active, of the products read) is in the store exactly once, with the
    # simulator's workflow and compliance status
    sqlite3 -separator "|" "$DB" "SELECT f.id, p.arn, f.workflow_status, f.compliance_status FROM findings f JOIN products p ON p.id = f.product_id" \
        > "$TMP/$PASS.store.txt" 2> "$TMP/$PASS.sqlerr" || { problem "$PASS: reading the store: $(cat "$TMP/$PASS.sqlerr")"; return; }
    /usr/bin/python3 - "$TMP/$PASS.state.json" "$TMP/$PASS.store.txt" "$PASS" <<'PY' || PROBLEMS=$((PROBLEMS + 1))
import json, sys, collections
st = json.load(open(sys.argv[1]))
want = {}
for f in st["findings"]:
    if f["AwsAccountId"] not in ("222222222222", "333333333333", "444444444444", "888888888888"):
        continue
    if f["Region"] not in ("us-east-1", "eu-west-1") or f.get("RecordState", "ACTIVE") != "ACTIVE":
        continue
    pa = f["ProductArn"]
    if "product/aws/securityhub" not in pa and "product/aws/guardduty" not in pa:
        continue
    want[(f["Id"], pa)] = ((f.get("Workflow") or {}).get("Status"), (f.get("Compliance") or {}).get("Status"))
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[2]) if l.strip()]
count = collections.Counter((r[0], r[1]) for r in rows)
have = {(r[0], r[1]): (r[2] or None, r[3] or None) for r in rows}
twice = [k for k, n in count.items() if n > 1]
missing = [k for k in want if k not in have]
wrong = [k for k in want if k in have and want[k][0] and have[k][0] != want[k][0]]
bad = bool(twice or missing or wrong)
print("  %s store: %d findings expected, %d stored, %d missing, %d twice, %d with another workflow status"
      % (sys.argv[3], len(want), len(rows), len(missing), len(twice), len(wrong)))
for k in (missing + twice + wrong)[:5]:
    print("    e.g. %s %s" % k)
sys.exit(1 if bad else 0)
PY
    # no remediation change made twice; what the retries re-sent after a
    # lost answer is counted apart
    /usr/bin/python3 - "$TMP/$PASS.requests.json" "$TMP/$PASS.requests2.json" "$PASS" <<'PY' || PROBLEMS=$((PROBLEMS + 1))
import json, sys, collections
reqs = json.load(open(sys.argv[1]))
again = json.load(open(sys.argv[2]))
def mut(r):
    return r.get("params") is not None and r.get("applied") and r["op"] != "securityhub.BatchUpdateFindings"
seen = collections.defaultdict(list)
for r in reqs:
    if mut(r):
        seen[(r["op"], json.dumps(r["params"], sort_keys=True))].append(r)
repeats, resent = [], 0
for k, rs in seen.items():
    if len(rs) > 1:
        lost = sum(1 for r in rs[:-1] if r.get("fault") in ("truncate",) or r.get("status") in (None, 0))
        if lost >= len(rs) - 1:
            resent += len(rs) - 1
        else:
            repeats.append(k)
changes = sum(1 for k in seen)
second = [r for r in again if mut(r)]
print("  %s remediation: %d changes applied, %d re-sent after a lost answer, %d applied twice; "
      "second run: %d changes" % (sys.argv[3], changes, resent, len(repeats), len(second)))
for k in repeats[:5]:
    print("    twice: %s %s" % k)
for r in second[:5]:
    print("    second run changed: %s %s" % (r["op"], json.dumps(r["params"])[:200]))
sys.exit(1 if repeats or second else 0)
PY
    # bundles: each verifies, nothing half written is visible
    n=0
    for b in "$TMP/$PASS.bundles"/*/; do
        [ -d "$b" ] || continue
        n=$((n + 1))
        "$HW" verify --trust "$TMP/keys/cert.pem" "${b%/}" > /dev/null 2>&1 || problem "$PASS: bundle $b does not verify"
    done
    left=$(find "$TMP/$PASS.bundles" -mindepth 1 -maxdepth 1 -name '.*' | wc -l)
    [ "$left" = 0 ] || problem "$PASS: $left temporary entries left beside the bundles"
    [ "$n" -gt 0 ] || problem "$PASS: no bundle written"
    echo "  $PASS reports: $n bundles, each verified; $left temporary entries"
}

echo "soak: fault-free pass"
one_pass clean
echo "soak: faulted pass ($SOAK_FAULTS)"
one_pass faulted

/usr/bin/python3 - "$TMP/faulted.stats.json" "$TMP/faulted.requests.json" "$TMP/clean.requests.json" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
reqs = json.load(open(sys.argv[2]))
clean = json.load(open(sys.argv[3]))
faults = st.get("faults", {})
total = sum(faults.values())
aws = [r for r in reqs if r.get("op")]
print("soak: %d AWS requests in the faulted pass (%d fault-free), %d faulted (%.1f%%): %s"
      % (len(aws), len([r for r in clean if r.get("op")]), total, 100.0 * total / max(1, len(aws)),
         ", ".join("%s %d" % kv for kv in sorted(faults.items()))))
print("soak: retries (requests beyond the fault-free pass's): %d" % (len(aws) - len([r for r in clean if r.get("op")])))
slow = [r for r in aws if r.get("fault") == "slow"]
print("soak: of the faults, %d were 2 s stalls (%d s of waiting; %d of them outside the GetFindings pages: %s)"
      % (len(slow), 2 * len(slow), sum(1 for r in slow if r["op"] != "securityhub.GetFindings"),
         ", ".join(sorted(set(r["op"] for r in slow)))))
PY
RATIO=$(echo "scale=2; $WALL_faulted / $WALL_clean" | bc)
printf 'soak: wall time: fault-free %.1f s, faulted %.1f s, ratio %s (goal <= 1.5)\n' "$WALL_clean" "$WALL_faulted" "$RATIO"
/usr/bin/python3 - "$TMP/clean.requests.json" "$T0_clean" "$T1_clean" "$TMP/faulted.requests.json" "$T0_faulted" "$T1_faulted" "$TMP/faulted.steps" "$TMP/clean.steps" <<'PY'
import json, sys
def window(path, t0, t1):
    t0, t1 = float(t0), float(t1)
    reqs = sorted((r for r in json.load(open(path)) if r.get("op") and "end" in r and t0 <= r["t"] <= t1),
                  key=lambda r: r["t"])
    busy, cur = 0.0, None  # the union of the calls' [start, end]
    for r in reqs:
        if cur and r["t"] <= cur[1]:
            cur[1] = max(cur[1], r["end"])
        else:
            busy += cur[1] - cur[0] if cur else 0
            cur = [r["t"], r["end"]]
    busy += cur[1] - cur[0] if cur else 0
    return t1 - t0, t1 - t0 - busy, reqs
cw, cidle, creqs = window(*sys.argv[1:4])
fw, fidle, freqs = window(*sys.argv[4:7])
steps = [l.split() for l in open(sys.argv[7])]
csteps = {l.split()[0]: l.split()[1:] for l in open(sys.argv[8])}
PER_SOURCE = ("securityhub.GetFindings", "securityhub.BatchGetSecurityControls")
def winback(r, reqs):
    # a stalled GetFindings page: its source's token bucket (3 a second)
    # saves up to 5 pages meanwhile, sent at once afterwards
    if r["op"] != "securityhub.GetFindings":
        return 0.0
    later = sorted(o["t"] for o in reqs if o["op"] == r["op"] and o.get("account") == r.get("account")
                   and o.get("region") == r.get("region") and o["t"] >= r["end"])
    n, last = 0, r["end"]
    for t in later:
        if t - last > 1.0 or n == 5:
            break
        n, last = n + 1, t
    return n / 3.0
# A step's stalls delay it at least as much as they lengthen its slowest
# chain of dependent calls: a source's pages one after another (after its
# account's AssumeRole), as long as in the fault-free pass plus its
# stalls; the step's other calls (the Organization's listing, the
# remediation's reads and changes) one after another.  A retry costs ~0
# when nothing is wasted (a round trip, no backoff).
def spans(reqs):
    out = {}
    for r in reqs:
        if r["op"] in PER_SOURCE:
            k = (r.get("account"), r.get("region"))
            a, b = out.get(k, (r["t"], r["end"]))
            out[k] = (min(a, r["t"]), max(b, r["end"]))
    return {k: b - a for k, (a, b) in out.items()}
cost, where = 0.0, []
for name, s0, s1 in steps:
    s0, s1 = float(s0), float(s1)
    reqs = [r for r in freqs if s0 <= r["t"] <= s1]
    chains, common = {}, 0.0
    regions = set(o.get("region") for o in reqs if o["op"] in PER_SOURCE)
    for r in reqs:
        if r.get("fault") != "slow":
            continue
        c = max(0.0, r["end"] - r["t"] - winback(r, reqs))
        if r["op"] in PER_SOURCE:
            k = (r.get("account"), r.get("region"))
            chains[k] = chains.get(k, 0.0) + c
        elif r["op"] == "sts.AssumeRole" and regions:
            for reg in regions:
                chains[(r.get("account"), reg)] = chains.get((r.get("account"), reg), 0.0) + c
        else:
            common += c
        where.append("%s %s %.1f s" % (name, r["op"], c))
    cs = csteps.get(name)
    base = spans([r for r in creqs if cs and float(cs[0]) <= r["t"] <= float(cs[1])])
    longest = max(list(base.values()) or [0.0])
    cost += common + max([0.0] + [base.get(k, 0.0) + c - longest for k, c in chains.items()])
floor = cw + cost
print("soak: time with no AWS call in flight: fault-free %.1f s of %.1f s, faulted %.1f s of %.1f s"
      % (cidle, cw, fidle, fw))
print("soak: floor of the faulted pass: %.1f s (%.2f x the fault-free time) = the fault-free %.1f s + %.1f s"
      " that its stalls cost at least (stalls: %s); the faulted pass took %.1f s above the floor"
      % (floor, floor / cw, cw, cost, "; ".join(where) or "none", fw - floor))
PY

# ---- partial: a member whose role cannot be assumed (the management
# account has none) and a region that never answers
echo "soak: partial pass (account 111111111111 without the role, region ap-southeast-2 not answering)"
PASS=partial
start_sim "$TMP/scenario.json" --seed 5
sim_post /_awssim/stall '{"dead_regions": {"ap-southeast-2": 60}}' > /dev/null
config "$TMP/partial.db" '["us-east-1", "ap-southeast-2"]' '["111111111111", "333333333333", "444444444444"]' \
    | sed 's/"max_concurrency": 4/"max_concurrency": 4, "max_attempts": 2/' > "$TMP/partial.json"
t0=$(date +%s)
"$HW" --config "$TMP/partial.json" scan > "$TMP/partial.out" 2> "$TMP/partial.err"
rc=$?
t1=$(date +%s)
sim_post /_awssim/release '{}' > /dev/null
[ "$rc" = 3 ] || problem "partial: scan exited $rc, expected 3"
grep -q "111111111111" "$TMP/partial.err" || problem "partial: the account without the role is not named"
grep -q "ap-southeast-2" "$TMP/partial.err" || problem "partial: the region that does not answer is not named"
done_sources=$(sqlite3 "$TMP/partial.db" "SELECT count(*) FROM watermarks" 2>/dev/null)
stored=$(sqlite3 "$TMP/partial.db" "SELECT count(*) FROM findings WHERE region = 'us-east-1' AND account_id IN ('333333333333', '444444444444')" 2>/dev/null)
[ "${done_sources:-0}" -ge 2 ] || problem "partial: $done_sources sources completed, expected 333333333333 and 444444444444 in us-east-1"
echo "  partial: exit $rc in $((t1 - t0)) s; $(grep -c '' "$TMP/partial.err") lines on stderr naming: $(grep -oE '111111111111|ap-southeast-2' "$TMP/partial.err" | sort | uniq -c | tr '\n' ' ')"
echo "  partial: $(grep -E 'sources completed' "$TMP/partial.out"); $stored findings of the sources that answered stored"
if [ -n "${SOAK_KEEP:-}" ]; then rm -rf "$SOAK_KEEP"; cp -r "$TMP" "$SOAK_KEEP"; echo "soak: files kept in $SOAK_KEEP"; fi
if [ "$PROBLEMS" = 0 ]; then echo "soak: all checks passed"; exit 0; fi
echo "soak: $PROBLEMS problems"; exit 1
