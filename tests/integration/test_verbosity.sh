#!/bin/sh
# test_verbosity.sh - -q / default / -v / -vv, the same in every command:
# -q prints nothing when a job succeeds (cron mails only failures) and
# always prints errors; -vv adds one line per AWS request (operation,
# account, region, status, attempts, ms) and never a secret; JSON log
# lines carry run_id, account and region where known, and ms.
. "$(dirname "$0")/lib.sh"
use_test_creds
start_sim "$ROOT/tests/data/awssim/basic.json" --no-rate-limit
cat > "$TMP/ar.json" <<JSON
{"db": "$TMP/ar.db", "aws": {"region": "us-east-1", "max_concurrency": 3},
 "organization": {"mode": "assume-role", "role_name": "HubwardenAudit", "external_id": "hw-ext-1",
                  "regions": ["us-east-1", "eu-west-1"], "exclude_accounts": ["111111111111"]}}
JSON

# -q: a successful scan says nothing at all, on either stream
expect_rc 0 "$HW" -q --config "$TMP/ar.json" scan
[ ! -s "$TMP/out" ] || { cat "$TMP/out"; fail "scan -q printed a summary on success"; }
[ ! -s "$TMP/err" ] || { cat "$TMP/err"; fail "scan -q printed diagnostics on success"; }
# ... unless a summary is asked for
expect_rc 0 "$HW" -q --config "$TMP/ar.json" scan --output json
json_eval "$TMP/out" "d['status']" | grep -qx ok || fail "scan -q --output json: no summary"
[ ! -s "$TMP/err" ] || fail "scan -q --output json printed diagnostics"
ok "-q: nothing on success; --output json still printed"

# default: the run's own lines, no per-request detail
expect_rc 0 "$HW" --config "$TMP/ar.json" scan
contains "$TMP/err" "scanning as"
not_contains "$TMP/err" "trace:"
contains "$TMP/out" "findings seen"
ok "default: info and summary"

# -vv: one line per request, with account and region; no secret
expect_rc 0 "$HW" -vv --config "$TMP/ar.json" scan
contains "$TMP/err" "trace: "
contains "$TMP/err" "aws securityhub GetFindings: account 222222222222, region eu-west-1: HTTP 200, 1 attempt"
contains "$TMP/err" "aws sts AssumeRole: account self"
contains "$TMP/err" "aws organizations ListAccounts"
not_contains "$TMP/err" "testsecretkeytestsecretkey"
not_contains "$TMP/err" "Signature="
# -v: the debug lines but not the per-request ones
expect_rc 0 "$HW" -v --config "$TMP/ar.json" scan
not_contains "$TMP/err" "trace:"
ok "-vv: per-request lines with operation, account, region, status"

# JSON lines at -vv: valid, and the per-source ones carry account and region
sqlite3 "$TMP/ar.db" "SELECT id FROM runs" > "$TMP/runs_before"
expect_rc 0 "$HW" -vv --log-format json --config "$TMP/ar.json" scan
/usr/bin/python3 - "$TMP/err" "$TMP/ar.db" "$TMP/runs_before" <<'PY' || fail "JSON log lines lack their context"
import json, sqlite3, sys
lines = [json.loads(l.decode("utf-8")) for l in open(sys.argv[1], "rb")]
before = set(open(sys.argv[3]).read().split())
new = [r[0] for r in sqlite3.connect(sys.argv[2]).execute("SELECT id FROM runs WHERE kind = 'scan'")
       if r[0] not in before]
assert len(new) == 1, new
run = new[0]
assert lines, "no lines"
for l in lines:
    assert set(l) >= {"ts", "level", "ms", "msg"}, l
    assert isinstance(l["ms"], int) and l["ms"] >= 0, l
pages = [l for l in lines if "GetFindings" in l["msg"]]
assert pages, "no GetFindings lines"
for l in pages:
    assert l.get("run_id") == run, (l, run)
    assert l.get("account") in ("222222222222", "333333333333", "444444444444", "999999999999"), l
    assert l.get("region") in ("us-east-1", "eu-west-1"), l
    assert l["account"] in l["msg"] or "self" in l["msg"], l
ms = [l["ms"] for l in lines]
assert ms == sorted(ms), "ms goes backwards"
PY
ok "JSON lines: run_id, account, region, ms"

# errors are always printed, -q or not; a partial run keeps its summary
cat > "$TMP/ar2.json" <<JSON
{"db": "$TMP/ar2.db", "aws": {"region": "us-east-1", "max_attempts": 2},
 "organization": {"mode": "assume-role", "role_name": "HubwardenAudit", "regions": ["us-east-1"],
                  "include_accounts": ["222222222222", "333333333333"]}}
JSON
expect_rc 3 "$HW" -q --log-format json --config "$TMP/ar2.json" scan
contains "$TMP/err" '"level":"error"'
contains "$TMP/err" '"account":"333333333333"'
contains "$TMP/out" "sources completed"
ok "-q: errors and a partial run's summary still printed"

# import and prune: -q is silent on success too; queries still answer
expect_rc 0 "$HW" -q --db "$TMP/ar.db" import "$ROOT/tests/data/findings/control_failed.json"
[ ! -s "$TMP/out" ] && [ ! -s "$TMP/err" ] || { cat "$TMP/out" "$TMP/err"; fail "import -q not silent"; }
expect_rc 0 "$HW" -q --db "$TMP/ar.db" prune --before 2000-01-01
[ ! -s "$TMP/out" ] || fail "prune -q printed"
expect_rc 0 "$HW" -q --db "$TMP/ar.db" findings --all
[ -s "$TMP/out" ] || fail "findings -q printed no results"
expect_rc 2 "$HW" -q --db "$TMP/ar.db" findings --severity NOPE
[ -s "$TMP/err" ] || fail "a usage error under -q was silent"
ok "-q: import and prune silent, queries answer, errors printed"
