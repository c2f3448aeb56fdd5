#!/bin/sh
# test_scan.sh - `hubwarden scan` against the simulator: a first full
# scan, an incremental one, resolutions seen, the evidence store queried,
# a wrong secret key, and the store lock between two runs.
. "$(dirname "$0")/lib.sh"
use_test_creds
start_sim "$ROOT/tests/data/awssim/basic.json"
cat > "$TMP/hw.json" <<JSON
{"db": "$TMP/hw.db", "aws": {"region": "us-east-1", "max_attempts": 3},
 "organization": {"mode": "aggregator"}, "lock_timeout_seconds": 1}
JSON
HWC="$HW --config $TMP/hw.json"

expect_rc 0 $HWC scan
contains "$TMP/out" "250 findings seen, 250 new, 0 changed"
contains "$TMP/out" "4 accounts active, 1 suspended or closed skipped"
contains "$TMP/out" "cis-aws-3.0.0"
contains "$TMP/out" "pci-dss-4.0.1"
contains "$TMP/out" "hipaa-security-rule"
contains "$TMP/out" "soc2-2017"
contains "$TMP/err" "account 555555555555 (old) is SUSPENDED: skipped"
ok "full scan"

expect_rc 0 $HWC findings --json
n=$(json_eval "$TMP/out" "len(d)")
[ "$n" = 250 ] || fail "findings --json: $n findings, want 250"
[ "$(json_eval "$TMP/out" "all(f['trusted'] for f in d)")" = True ] || fail "simulator findings should be trusted"
json_eval "$TMP/out" "sorted(d[0].keys())" > "$TMP/keys"
contains "$TMP/keys" "'account', 'compliance_status', 'control', 'first_observed', 'id', 'last_observed', 'product', 'record_state', 'region', 'resource_type', 'resources', 'severity', 'title', 'trusted', 'type', 'untrusted_reason', 'updated_at', 'workflow_status'"
expect_rc 0 $HWC findings --control S3.8 --status FAILED --csv
head -1 "$TMP/out" | grep -q '"id","account","region","control"' || fail "csv header"
grep -v '"S3.8"' "$TMP/out" | grep -qv '^"id"' && fail "--control S3.8 returned other controls"
expect_rc 0 $HWC findings --framework cis-aws-3.0.0 --json
[ "$(json_eval "$TMP/out" "len(d) > 0 and all(f['control'] for f in d)")" = True ] || fail "--framework"
ok "findings queries"

# incremental: nothing changed, so little is read again
expect_rc 0 $HWC scan
contains "$TMP/out" "0 new, 0 changed, 0 resolved"
# 10% of the findings change to PASSED: seen as changes and resolutions
sim_post /_awssim/findings '{"update_fraction": 0.1, "seed": 3, "fields": {"Compliance.Status": "PASSED"}}' > "$TMP/mut"
changed=$(json_eval "$TMP/mut" "d['changed']")
expect_rc 0 $HWC scan
seen=$(sed -n 's/.*: \([0-9]*\) findings seen.*/\1/p' "$TMP/out")
[ "$seen" -ge "$changed" ] && [ "$seen" -lt 250 ] || fail "incremental scan read $seen findings for $changed changes"
grep -q " 0 resolved" "$TMP/out" && fail "resolutions not seen: $(cat "$TMP/out")"
ok "incremental scan ($changed changed, $seen read)"

# a wrong secret key: a clear error, no retry storm, the store intact
AWS_SECRET_ACCESS_KEY=wrong$AWS_SECRET_ACCESS_KEY expect_rc 5 $HWC scan
contains "$TMP/err" "SignatureDoesNotMatch"
expect_rc 0 $HWC findings --json
[ "$(json_eval "$TMP/out" "len(d)")" = 250 ] || fail "store changed after a failed run"
ok "wrong secret key"

# two overlapping runs: the second waits, then exits 2
/usr/bin/python3 - "$TMP/hw.db.lock" <<'PY' &
import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.lockf(f, fcntl.LOCK_EX)
open(sys.argv[1] + ".held", "w").close()
time.sleep(4)
PY
holder=$!
while [ ! -f "$TMP/hw.db.lock.held" ]; do sleep 0.05; done
expect_rc 2 $HWC scan
contains "$TMP/err" "in use by another hubwarden process"
wait $holder
ok "store lock"
echo "scan: all checks passed"
