#!/bin/sh
# tests/crash/crashtest.sh - `make crashtest`: kill -9 at CRASH_ROUNDS
# (default 100) random moments of `hubwarden run` against the simulator's
# sample Organization (tests/data/awssim/run.json), each round from a
# fresh store and a fresh simulator state (POST /_awssim/reload).
#
# The moments, in turn (CRASH_SEED picks the random parts):
#   ingest     a random time within the scan's GetFindings traffic;
#   apply      between an action's change and its verification: the
#              simulator applies a randomly chosen change (the k-th
#              RevokeSecurityGroupIngress or PutPublicAccessBlock) and
#              holds its answer; the run is killed while it waits;
#   workflow   during a BatchUpdateFindings (the k-th, held before or
#              after Security Hub took it);
#   report     while a bundle is written (its temporary folder exists),
#              0-40 ms after it appears;
#   random     a random time within a whole run.
# After each kill: `PRAGMA integrity_check` is ok; the audit chain
# verifies (`hubwarden verify --audit`, also when the kill came during a
# new store's schema migrations); every bundle visible in the output
# folder verifies; the next `hubwarden run` exits 0; no action is left
# `applying`, and the interrupted one is `done`; no hidden temporary
# folder of the killed report is left after the next run; the
# simulator's request log shows no resource change sent again after the
# kill, and no finding's workflow set again by a BatchUpdateFindings of
# the same plan and status (one the dead run may have sent is read back
# with GetFindings first: counted).
. "$(dirname "$0")/../integration/lib.sh"
use_test_creds
ROUNDS=${CRASH_ROUNDS:-100}
SEED=${CRASH_SEED:-$$}
PROBLEMS=0
problem() { echo "PROBLEM round $r ($mode): $*"; PROBLEMS=$((PROBLEMS + 1)); }
start_sim "$ROOT/tests/data/awssim/run.json" --no-rate-limit
"$HW" keygen --out "$TMP/keys" > /dev/null 2>&1 || fail "keygen"
cat > "$TMP/hw.json" <<JSON
{"db": "$TMP/hw.db", "aws": {"region": "us-east-1", "max_attempts": 2},
 "remediation": {"controls": {"S3.8": "auto", "EC2.19": "auto", "EC2.1": "approval", "RDS.2": "approval"},
                 "playbooks": {"s3-exposure": "auto"}, "external_id": "hw-remedy-1"},
 "report": {"key_file": "$TMP/keys/key.pem", "cert_file": "$TMP/keys/cert.pem",
            "out_dir": "$TMP/reports", "frameworks": ["cis-aws-3.0.0"]}}
JSON
HWC="$HW --config $TMP/hw.json"
rnd() { # N TAG: a number in [0, N), from the seed, the round and TAG
    /usr/bin/python3 -c "import random, sys; r = random.Random('%s/%s/%s' % tuple(sys.argv[1:4])); print(r.randrange(max(1, int(sys.argv[4]))))" \
        "$SEED" "$r" "$2" "$1"
}
stalling() { sim_get /_awssim/stalling | /usr/bin/python3 -c "import json, sys; print(json.load(sys.stdin)['stalling'])"; }
fresh() {
    sim_post /_awssim/reload '{}' > /dev/null
    rm -rf "$TMP/hw.db" "$TMP/hw.db-wal" "$TMP/hw.db-shm" "$TMP/hw.db.lock" "$TMP/reports"
}

# a clean run first: how long a run takes, and when its GetFindings
# traffic happens (milliseconds from the start)
fresh
t0=$(date +%s%3N)
"$HW" --config "$TMP/hw.json" run > "$TMP/clean.out" 2> "$TMP/clean.err" || fail "the clean run failed: $(tail -n 5 "$TMP/clean.err")"
t1=$(date +%s%3N)
RUN_MS=$((t1 - t0))
sim_get /_awssim/requests > "$TMP/clean.req.json"
eval "$(/usr/bin/python3 - "$TMP/clean.req.json" "$t0" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t0 = int(sys.argv[2])
gf = [x["t"] * 1000 - t0 for x in r if x.get("op") == "securityhub.GetFindings"]
n = lambda op: sum(1 for x in r if x.get("op") == op and x.get("applied"))
print("GF_FROM=%d GF_TO=%d" % (max(0, min(gf) - 50), max(gf) + 100))
print("N_REVOKE=%d N_PAB=%d N_BUF=%d" % (n("ec2.RevokeSecurityGroupIngress"), n("s3.PutPublicAccessBlock"),
                                          n("securityhub.BatchUpdateFindings")))
PY
)"
echo "crashtest: a clean run takes $RUN_MS ms; GetFindings from $GF_FROM to $GF_TO ms; changes: $N_REVOKE RevokeSecurityGroupIngress, $N_PAB PutPublicAccessBlock, $N_BUF BatchUpdateFindings"
echo "crashtest: $ROUNDS rounds, seed $SEED"

KILLED=0; FINISHED=0; RESENT_BUF=0; RECOVERED=0; MIGRATING=0; TMPLEFT=0; TMPKILLED=0; READBACK=0
for r in $(seq 1 "$ROUNDS"); do
    case $((r % 5)) in
    1) mode=ingest ;; 2) mode=apply ;; 3) mode=workflow ;; 4) mode=report ;; 0) mode=random ;;
    esac
    fresh
    wait_for=
    case $mode in
    apply)
        if [ "$(rnd 2 a)" = 0 ]; then op=ec2.RevokeSecurityGroupIngress; k=$(rnd "$N_REVOKE" b);
        else op=s3.PutPublicAccessBlock; k=$(rnd "$N_PAB" b); fi
        sim_post /_awssim/stall "{\"stalls\": [{\"op\": \"$op\", \"when\": \"after\", \"seconds\": 60, \"skip\": $k}]}" > /dev/null
        wait_for=stall; what="after $op #$((k + 1)) was applied" ;;
    workflow)
        k=$(rnd "$N_BUF" c); when=$([ "$(rnd 2 d)" = 0 ] && echo before || echo after)
        sim_post /_awssim/stall "{\"stalls\": [{\"op\": \"securityhub.BatchUpdateFindings\", \"when\": \"$when\", \"seconds\": 60, \"skip\": $k}]}" > /dev/null
        wait_for=stall; what="$when BatchUpdateFindings #$((k + 1))" ;;
    ingest) delay=$((GF_FROM + $(rnd $((GF_TO - GF_FROM + 1)) e))); wait_for=time; what="at $delay ms (scan window)" ;;
    random) delay=$(rnd "$RUN_MS" f); wait_for=time; what="at $delay ms" ;;
    report) delay=$(rnd 40 g); wait_for=report; what="${delay} ms into a bundle" ;;
    esac
    $HWC run > "$TMP/r.out" 2> "$TMP/r.err" &
    pid=$!
    start=$(date +%s%3N)
    killed=0
    while kill -0 "$pid" 2>/dev/null; do
        now=$(date +%s%3N)
        case $wait_for in
        stall) [ "$(stalling)" -gt 0 ] && { kill -9 "$pid"; killed=1; break; } ;;
        time) [ $((now - start)) -ge "$delay" ] && { kill -9 "$pid"; killed=1; break; } ;;
        report) if ls -d "$TMP/reports"/.*.tmp-* > /dev/null 2>&1; then
                    sleep "$(echo "scale=3; $delay / 1000" | bc)"; kill -9 "$pid" 2>/dev/null && killed=1; break; fi ;;
        esac
        [ $((now - start)) -gt 60000 ] && { kill -9 "$pid"; problem "no kill moment within 60 s"; killed=1; break; }
        sleep 0.01
    done
    wait "$pid" 2>/dev/null
    sim_post /_awssim/release '{}' > /dev/null
    if [ "$killed" = 1 ]; then KILLED=$((KILLED + 1)); else FINISHED=$((FINISHED + 1)); fi
    sim_get /_awssim/requests > "$TMP/before.json"
    # ---- after the kill
    ic=$(sqlite3 "$TMP/hw.db" "PRAGMA integrity_check" 2>&1)
    [ ! -e "$TMP/hw.db" ] || [ "$ic" = ok ] || problem "integrity_check: $ic"
    applying=$(sqlite3 "$TMP/hw.db" "SELECT count(*) FROM actions WHERE state = 'applying'" 2>/dev/null || echo 0)
    if [ -e "$TMP/hw.db" ]; then
        # killed before the new store's migrations committed: no schema
        [ "$(sqlite3 "$TMP/hw.db" "PRAGMA user_version")" = 0 ] &&
            { MIGRATING=$((MIGRATING + 1)); what="$what (store not created)"; }
        $HWC verify --audit > "$TMP/va.out" 2>&1 ||
            problem "the audit chain does not verify: $(tail -n 2 "$TMP/va.out")"
    fi
    TMPKILLED=$((TMPKILLED + $(find "$TMP/reports" -mindepth 1 -maxdepth 1 \( -name '.*.tmp-*' -o -name '.report-pass-*' \) 2>/dev/null | wc -l)))
    for b in "$TMP/reports"/*; do
        [ -d "$b" ] || continue
        $HWC verify --trust "$TMP/keys/cert.pem" "$b" > "$TMP/vb.out" 2>&1 ||
            problem "a visible bundle does not verify: ${b##*/}: $(grep -i fail "$TMP/vb.out" | head -n 1)"
    done
    # ---- the next run completes, and verifies what the dead one left
    $HWC run > "$TMP/n.out" 2> "$TMP/n.err"
    rc=$?
    [ "$rc" = 0 ] || problem "the next run exited $rc: $(grep -v ': debug: ' "$TMP/n.err" | tail -n 3)"
    $HWC verify --audit > "$TMP/va.out" 2>&1 || problem "after the next run the audit chain does not verify: $(tail -n 2 "$TMP/va.out")"
    left=$(sqlite3 "$TMP/hw.db" "SELECT count(*) FROM actions WHERE state = 'applying'")
    [ "$left" = 0 ] || problem "$left actions still applying after the next run"
    [ "$applying" -gt 0 ] && RECOVERED=$((RECOVERED + applying))
    tmpleft=$(find "$TMP/reports" -mindepth 1 -maxdepth 1 \( -name '.*.tmp-*' -o -name '.report-pass-*' \) 2>/dev/null | wc -l)
    [ "$tmpleft" = 0 ] || problem "$tmpleft hidden temporary folders left after the next run"
    TMPLEFT=$((TMPLEFT + tmpleft))
    READBACK=$((READBACK + $(grep -c "read back, not sent again" "$TMP/n.err")))
    sim_get /_awssim/requests > "$TMP/after.json"
    out=$(/usr/bin/python3 - "$TMP/before.json" "$TMP/after.json" <<'PY'
import json, sys
before = json.load(open(sys.argv[1]))
after = json.load(open(sys.argv[2]))[len(before):]
import re
def key(x):
    return (x["op"], json.dumps(x.get("params"), sort_keys=True))
def changes(rs):
    return {key(x) for x in rs if x.get("params") is not None and x.get("applied")
            and x["op"] != "securityhub.BatchUpdateFindings"}
def workflow(rs):
    # (finding, product, status, plan) set by an applied BatchUpdateFindings
    out = set()
    for x in rs:
        p = x.get("params") or {}
        if x["op"] != "securityhub.BatchUpdateFindings" or not x.get("applied"):
            continue
        m = re.match(r"hubwarden plan (\S+) ", (p.get("Note") or {}).get("Text", ""))
        for f in p.get("FindingIdentifiers") or []:
            out.add((f.get("Id"), f.get("ProductArn"), (p.get("Workflow") or {}).get("Status"),
                     m.group(1) if m else ""))
    return out
again = changes(before) & changes(after)
buf = workflow(before) & workflow(after)
print("%d %d %s" % (len(again), len(buf), "; ".join("%s %s" % k for k in sorted(again))[:300] or
                    "; ".join("%s %s" % (k[0], k[2]) for k in sorted(buf))[:300]))
PY
)
    set -- $out
    [ "$1" = 0 ] || problem "a resource change was sent again after the kill: $out"
    [ "$2" = 0 ] || problem "a finding's workflow was set again by the same plan after the kill: $out"
    RESENT_BUF=$((RESENT_BUF + $2))
    printf '  round %3d %-8s %-45s %s; %s applying -> next run exit %s\n' "$r" "$mode" "$what" \
        "$([ "$killed" = 1 ] && echo killed || echo 'ran to the end')" "$applying" "$rc"
done
echo "crashtest: $ROUNDS rounds: $KILLED killed, $FINISHED ran to the end before the moment came"
echo "crashtest: $MIGRATING kills came before a new store's migrations committed (an empty store, accepted by readers)"
echo "crashtest: $RECOVERED interrupted actions found applying, each verified by the next run without a second change"
echo "crashtest: hidden temporary report folders left by killed runs: $TMPKILLED; after the next run: $TMPLEFT"
echo "crashtest: workflow updates the dead run may have sent, read back and not sent again: $READBACK; findings whose workflow was set again: $RESENT_BUF"
if [ "$PROBLEMS" = 0 ]; then echo "crashtest: all checks passed"; exit 0; fi
echo "crashtest: $PROBLEMS problems"; exit 1
