# tests/integration/lib.sh - helpers for the integration scripts.
# Source it; each script is one test that exits 0 (pass) or 1 (fail).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HW="$ROOT/hubwarden"
TMP=$(mktemp -d /tmp/hwtest.XXXXXX)
SIM_PID=
cleanup() {
    [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
    [ -n "${PROXY_PID:-}" ] && kill "$PROXY_PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }

# expect_rc RC CMD...: runs CMD, output in $TMP/out and $TMP/err
expect_rc() {
    want=$1; shift
    "$@" > "$TMP/out" 2> "$TMP/err"
    got=$?
    [ "$got" = "$want" ] || { echo "--- stdout"; cat "$TMP/out"; echo "--- stderr"; cat "$TMP/err"; fail "'$*' exited $got, expected $want"; }
}
contains() { # FILE TEXT
    grep -qF -- "$2" "$1" || { echo "--- $1"; cat "$1"; fail "expected '$2' in $1"; }
}
not_contains() {
    ! grep -qF -- "$2" "$1" || { echo "--- $1"; cat "$1"; fail "did not expect '$2' in $1"; }
}

# start_sim SCENARIO [EXTRA ARGS]: starts the AWS simulator on a free
# loopback port and exports the endpoint for hubwarden.
start_sim() {
    scenario=$1; shift
    /usr/bin/python3 "$ROOT/tests/awssim/awssim.py" --scenario "$scenario" \
        --port-file "$TMP/port" --models "$ROOT/.build/models" --quiet "$@" \
        > "$TMP/sim.log" 2>&1 &
    SIM_PID=$!
    i=0
    while [ ! -s "$TMP/port" ]; do
        i=$((i + 1)); [ $i -gt 200 ] && { cat "$TMP/sim.log"; fail "simulator did not start"; }
        kill -0 "$SIM_PID" 2>/dev/null || { cat "$TMP/sim.log"; fail "simulator exited"; }
        sleep 0.05
    done
    SIM_PORT=$(cat "$TMP/port")
    export AWS_ENDPOINT_URL="http://127.0.0.1:$SIM_PORT"
    SIM_URL=$AWS_ENDPOINT_URL
}

# The audit account's keys from tests/data/awssim/basic.json.
use_test_creds() {
    export AWS_ACCESS_KEY_ID=AKIAHUBWARDENTEST001
    export AWS_SECRET_ACCESS_KEY=testsecretkeytestsecretkey0000000000001
    unset AWS_SESSION_TOKEN AWS_PROFILE
    export AWS_EC2_METADATA_DISABLED=true
    export HOME="$TMP"
}

# sim_post PATH JSON|@FILE: the simulator's control plane
sim_post() {
    /usr/bin/python3 - "$SIM_URL$1" "$2" <<'PY'
import sys, urllib.request
body = open(sys.argv[2][1:], "rb").read() if sys.argv[2].startswith("@") else sys.argv[2].encode()
r = urllib.request.Request(sys.argv[1], data=body, method="POST")
print(urllib.request.urlopen(r).read().decode())
PY
}
sim_get() {
    /usr/bin/python3 -c "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())" "$SIM_URL$1"
}

# jq-like: json_eval FILE EXPR (Python, the document is `d`)
json_eval() {
    /usr/bin/python3 -c "import json, sys; d = json.load(open(sys.argv[1])); print($2)" "$1"
}

# state SNAPSHOT: the simulator's whole resource state
snapshot() { sim_get /_awssim/resources > "$TMP/$1.json"; }
# changes A B: every leaf that differs, lists of objects with an "id" keyed
# by it (so removing one rule reads as one change)
changes() {
    /usr/bin/python3 - "$TMP/$1.json" "$TMP/$2.json" <<'PY'
import json, sys
def flat(d, p=""):
    out = {}
    if isinstance(d, list) and all(isinstance(x, dict) and "id" in x for x in d):
        d = {x["id"]: x for x in d}
    if isinstance(d, dict):
        for k, v in d.items():
            out.update(flat(v, p + "/" + k))
        if not d:
            out[p] = "{}"
    elif isinstance(d, list):
        for i, v in enumerate(d):
            out.update(flat(v, "%s/%d" % (p, i)))
    else:
        out[p] = d
    return out
a, b = (flat(json.load(open(f))) for f in sys.argv[1:3])
for k in sorted(set(a) | set(b)):
    if a.get(k, "<none>") != b.get(k, "<none>"):
        print("%s: %s -> %s" % (k, a.get(k, "<none>"), b.get(k, "<none>")))
PY
}

# calls_match_actions DB: the simulator's count of the calls that change
# something (Put..., Revoke..., Modify..., ...) is exactly what the done
# actions in store DB record: no change was made twice, none unrecorded
calls_match_actions() {
    sim_get /_awssim/stats > "$TMP/stats.json"
    sqlite3 "$1" "SELECT calls FROM actions WHERE state = 'done'" > "$TMP/calls.txt"
    /usr/bin/python3 - "$TMP/stats.json" "$TMP/calls.txt" <<'PY'
import collections, json, sys
MUT = ("Put", "Revoke", "Update", "Modify", "Create", "Delete", "Enable", "Disable", "Replace",
       "Tag", "Attach", "Detach", "Authorize")
ops = json.load(open(sys.argv[1]))["operations"]
sim = {k: v for k, v in ops.items() if k.split(".")[1].startswith(MUT)}
want = collections.Counter()
for line in open(sys.argv[2]):
    for call in json.loads(line):
        svc, op = call.split(" ")[0].split(":")
        if op.startswith(MUT):
            want["%s.%s" % (svc, op)] += 1
if sim != dict(want):
    sys.exit("mutating calls: simulator %s, done actions %s" % (sorted(sim.items()), sorted(want.items())))
print("mutating calls:", sorted(sim.items()))
PY
}

# start_hold_proxy ARGS...: hold_proxy.py in front of the simulator (ARGS
# choose the request it holds; it writes $TMP/held when it does); its
# port in $TMP/proxy.port, its pid in PROXY_PID
start_hold_proxy() {
    rm -f "$TMP/held" "$TMP/proxy.port"
    /usr/bin/python3 "$ROOT/tests/integration/hold_proxy.py" --target "$SIM_URL" \
        --port-file "$TMP/proxy.port" --held "$TMP/held" "$@" > "$TMP/proxy.log" 2>&1 &
    PROXY_PID=$!
    i=0
    while [ ! -s "$TMP/proxy.port" ]; do
        i=$((i + 1)); [ $i -gt 200 ] && { cat "$TMP/proxy.log"; fail "the proxy did not start"; }
        sleep 0.05
    done
}

# until_held PID: waits until the proxy holds a request ($TMP/held), failing
# (with PID's output, $TMP/a.out and $TMP/a.err) when PID ends first or
# after a minute
until_held() {
    i=0
    while [ ! -e "$TMP/held" ]; do
        i=$((i + 1)); [ $i -gt 1200 ] && { cat "$TMP/a.err"; fail "the proxy never held a request"; }
        kill -0 "$1" 2>/dev/null || { cat "$TMP/a.out" "$TMP/a.err"; fail "the run ended early"; }
        sleep 0.05
    done
}
