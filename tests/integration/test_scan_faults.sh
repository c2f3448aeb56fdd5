#!/bin/sh
# test_scan_faults.sh - the store failing under a scan.  A source that
# fails after delivering findings leaves them in the last batch, which is
# committed after every source ended; when that commit fails, the scan
# fails (exit 4, the store's error, run status "failed"), never exit 0 or 3
# with findings counted that were not stored.
#
# The fault: a trigger the test adds to the store turns every finding of
# account 444444444444 into a deferred foreign-key violation, which sqlite
# reports at COMMIT and nowhere earlier.
. "$(dirname "$0")/lib.sh"
use_test_creds
# two sources, one page of one finding (222222222222, completes first: at
# most one request in flight, sources in the Organization's order) and
# three pages (444444444444, fails on its second: the server repeats the
# NextToken); no generated findings
/usr/bin/python3 - "$ROOT/tests/data/awssim/basic.json" "$ROOT/tests/data/findings/control_failed.json" \
    "$TMP/scenario.json" "$TMP/add.json" <<'PY'
import json, sys
scen = json.load(open(sys.argv[1]))
scen["securityhub"]["generate"]["count"] = 0
json.dump(scen, open(sys.argv[3], "w"))
base = json.load(open(sys.argv[2]))
def f(account, n):
    d = json.loads(json.dumps(base))
    d.update(Id="fault-%s-%d" % (account, n), AwsAccountId=account, Region="eu-west-1")
    return d
add = [f("222222222222", 0)] + [f("444444444444", n) for n in range(7)] + \
      [f("333333333333", n) for n in range(12)]
json.dump({"add": add}, open(sys.argv[4], "w"))
PY
start_sim "$TMP/scenario.json" --no-rate-limit
sim_post /_awssim/findings "@$TMP/add.json" > /dev/null || fail "adding findings"
cat > "$TMP/c.json" <<JSON
{"db": "$TMP/f.db", "aws": {"region": "us-east-1", "max_concurrency": 1},
 "organization": {"mode": "assume-role", "role_name": "HubwardenAudit", "external_id": "hw-ext-1",
                  "regions": ["eu-west-1"], "include_accounts": ["222222222222", "444444444444"]},
 "scan": {"page_size": 3}}
JSON

# without the fault: one source completes, the other fails on the repeated
# token and keeps its first page (exit 3)
sim_post /_awssim/faults '{"repeat_token": 1.0}' > /dev/null
expect_rc 3 "$HW" --config "$TMP/c.json" scan
contains "$TMP/out" "1 of 2 sources completed"
contains "$TMP/err" "the same NextToken came back twice"
[ "$(sqlite3 "$TMP/f.db" "SELECT count(*) FROM findings WHERE account_id = '444444444444'")" = 3 ] ||
    fail "the failed source's first page was not kept"
ok "a source failing after its first page keeps that page"

# the same, with the last batch's commit failing
sqlite3 "$TMP/f.db" "DELETE FROM finding_history; DELETE FROM findings; DELETE FROM watermarks;
    CREATE TABLE fault_parent (id INTEGER PRIMARY KEY);
    CREATE TABLE fault_child (p INTEGER REFERENCES fault_parent(id) DEFERRABLE INITIALLY DEFERRED);
    CREATE TRIGGER fault_444 AFTER INSERT ON findings WHEN NEW.account_id = '444444444444'
    BEGIN INSERT INTO fault_child VALUES (1); END;" || fail "installing the fault"
expect_rc 4 "$HW" --config "$TMP/c.json" scan
contains "$TMP/err" "FOREIGN KEY constraint failed"
not_contains "$TMP/out" "sources completed"
[ "$(sqlite3 "$TMP/f.db" "SELECT status FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1")" = failed ] ||
    fail "the run is not recorded as failed"
[ "$(sqlite3 "$TMP/f.db" "SELECT count(*) FROM findings WHERE account_id = '444444444444'")" = 0 ] ||
    fail "findings of the failed commit are in the store"
ok "a failed last commit fails the scan (exit 4)"
# the store refusing a finding stops the scan: what is still queued or in
# flight (here, likely, 333333333333's pages) is cancelled, each request
# through its callback; exit 4
sqlite3 "$TMP/f.db" "DROP TRIGGER fault_444;
    CREATE TRIGGER fault_abort BEFORE INSERT ON findings WHEN NEW.account_id = '444444444444'
    BEGIN SELECT RAISE(ABORT, 'injected store failure'); END;" || fail "installing the fault"
sed 's/"max_concurrency": 1/"max_concurrency": 2/; s/"222222222222", "444444444444"/"333333333333", "444444444444"/' \
    "$TMP/c.json" > "$TMP/c2.json"
sim_post /_awssim/faults '{}' > /dev/null
expect_rc 4 "$HW" --config "$TMP/c2.json" scan
contains "$TMP/err" "injected store failure"
[ "$(sqlite3 "$TMP/f.db" "SELECT status FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1")" = failed ] ||
    fail "the run is not recorded as failed"
ok "a store failure stops the scan (exit 4)"
echo "scan faults: all checks passed"
