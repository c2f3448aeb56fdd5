#!/bin/sh
# test_exit_codes.sh - exit codes tell causes apart: AWS refused or could
# not be reached (5) is not an internal error (4) nor a usage error (2);
# no command exits 1 (the gate's code); the systemd unit does not hide a
# partial failure.
. "$(dirname "$0")/lib.sh"
use_test_creds

# connection refused: nothing listens on the port
/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' > "$TMP/closed_port"
cat > "$TMP/refused.json" <<JSON
{"db": "$TMP/hw.db", "aws": {"region": "us-east-1", "max_attempts": 1,
 "endpoint_url": "http://127.0.0.1:$(cat "$TMP/closed_port")"}}
JSON
expect_rc 5 "$HW" --config "$TMP/refused.json" scan
ok "connection refused: 5"

# AccessDenied / a wrong signature from the simulator
start_sim "$ROOT/tests/data/awssim/basic.json"
cat > "$TMP/hw.json" <<JSON
{"db": "$TMP/hw.db", "aws": {"region": "us-east-1", "max_attempts": 2},
 "organization": {"mode": "aggregator"}}
JSON
AWS_SECRET_ACCESS_KEY=wrong$AWS_SECRET_ACCESS_KEY expect_rc 5 "$HW" --config "$TMP/hw.json" scan
contains "$TMP/err" "SignatureDoesNotMatch"
AWS_ACCESS_KEY_ID=AKIANOSUCHKEY0000001 expect_rc 5 "$HW" --config "$TMP/hw.json" scan
ok "a refused signature or unknown key: 5"

# the store failing is internal (4), not AWS: a folder where the store
# should be
mkdir "$TMP/adir"
expect_rc 4 "$HW" --db "$TMP/adir" findings
# usage: 2
expect_rc 2 "$HW" findings --severity bogus
# nothing exits 1 but the gate: a scan with failed controls exits 0
expect_rc 0 "$HW" --config "$TMP/hw.json" scan
contains "$TMP/out" "failed"
ok "store 4, usage 2, findings are not an exit status"

# documented alike in the README, the man page and help
contains "$ROOT/README.md" "| 5 | AWS refused"
grep -q '^\.IP 5$' "$ROOT/docs/hubwarden.1" || fail "man page: exit 5"
expect_rc 0 "$HW" help
contains "$TMP/out" "5 AWS refused or could not be reached"
# every command is built: none is marked "(not implemented yet)" any more
not_contains "$TMP/out" "(not implemented yet)"
not_contains "$ROOT/README.md" "findings demand attention"
grep -q '^SuccessExitStatus=.*3' "$ROOT/docs/deploy/hubwarden.service" && fail "systemd unit hides exit 3"
echo "exit codes: all checks passed"
