#!/bin/sh
# test_remediate_parallel.sh - `remediate --apply` works on accounts at
# once while each account's actions run one after another, in plan order.
# 8 EC2.8 actions, 4 in each of 2 accounts (tests/bench/remedy_scenario.py):
#   1. the first ModifyInstanceMetadataOptions the simulator sees is held
#      (a stall, released by this script once the other account is done,
#      or after 30 s; the client waits 10 minutes for an answer, so the
#      held call is never given up and sent again): with accounts at once
#      the other account's actions all finish meanwhile; one after another
#      nothing else could run until the held call returned.  The request
#      log shows it: the held call completed after every call of the
#      other account.
#   2. per account, the changes reached AWS in plan order, and the audit
#      log shows each action's "applying" mark and outcome before the next
#      action of that account starts; the results are printed in plan
#      order; the audit chain verifies; the simulator's whole state moved
#      by exactly the 8 changes.
#   3. remediation.max_parallel_accounts 1: one account after another (the
#      changes reach AWS in plan order across accounts).
. "$(dirname "$0")/lib.sh"
/usr/bin/python3 "$ROOT/tests/bench/remedy_scenario.py" 8 2 > "$TMP/sim.json" 2> /dev/null ||
    fail "scenario"
export AWS_ACCESS_KEY_ID=AKIAHUBWARDENBENCH01
export AWS_SECRET_ACCESS_KEY=benchsecretbenchsecretbenchsecret000001
unset AWS_SESSION_TOKEN AWS_PROFILE
export AWS_EC2_METADATA_DISABLED=true HOME="$TMP"
start_sim "$TMP/sim.json"
config() { # PARALLEL
    cat > "$TMP/hw.json" <<JSON
{"db": "$TMP/hw.db", "aws": {"region": "us-east-1", "timeout_seconds": 600},
 "scan": {"aggregator_account": "222222222222", "aggregator_region": "us-east-1"},
 "remediation": {"controls": {"EC2.8": "auto"}, "allow_disruptive_auto": true, "max_share": 1,
                 "max_parallel_accounts": $1}}
JSON
}
config 4
HWC="$HW --config $TMP/hw.json"
q() { sqlite3 "$TMP/hw.db" "$1"; }
A_PID=
cleanup_more() {
    [ -n "$A_PID" ] && kill "$A_PID" 2>/dev/null
    cleanup
}
trap cleanup_more EXIT INT TERM
MODIFY=ec2.ModifyInstanceMetadataOptions
# modified: how many ModifyInstanceMetadataOptions calls completed
modified() {
    sim_get /_awssim/requests > "$TMP/req.json"
    json_eval "$TMP/req.json" "sum(1 for r in d if r['op'] == '$MODIFY' and r['status'] == 200)"
}

expect_rc 0 $HWC scan
snapshot before
sim_post /_awssim/reset-stats '{}' > /dev/null

# ---- 1. one account's first change held: the other account goes on
sim_post /_awssim/stall "{\"stalls\": [{\"op\": \"$MODIFY\", \"when\": \"before\", \"seconds\": 120}]}" > /dev/null
$HWC remediate --apply > "$TMP/a.out" 2> "$TMP/a.err" &
A_PID=$!
i=0
while [ "$(modified)" -lt 4 ]; do
    i=$((i + 1))
    [ $i -gt 300 ] && break # 30 s: the other account did not go on
    kill -0 "$A_PID" 2>/dev/null || break
    sleep 0.1
done
sim_post /_awssim/release '{}' > /dev/null
wait "$A_PID"
rc=$?
A_PID=
[ "$rc" = 0 ] || { cat "$TMP/a.out" "$TMP/a.err"; fail "remediate --apply exited $rc"; }
contains "$TMP/a.out" "8 run: 8 done"
sim_get /_awssim/requests > "$TMP/req.json"
/usr/bin/python3 - "$TMP/req.json" <<'PY' || fail "the accounts did not overlap"
import json, sys
reqs = [r for r in json.load(open(sys.argv[1])) if r["service"] == "ec2"]
held = [r for r in reqs if r.get("stalled") == "before"]
assert len(held) == 1, "held: %r" % held
held = held[0]
sent = [r for r in reqs if r["op"] == "ec2.ModifyInstanceMetadataOptions"]
assert len(sent) == 8, "%d ModifyInstanceMetadataOptions calls, expected 8" % len(sent)
other = [r for r in reqs if r["account"] != held["account"]]
assert len(other) == 12, "the other account's EC2 calls: %d, expected 12" % len(other)
late = [r for r in other if r["seq"] > held["seq"]]
assert not late, "%d call(s) of account %s completed only after the held call of %s" % (
    len(late), other[0]["account"], held["account"])
print("held %s of %s; every call of the other account completed before it" % (
    held["params"]["InstanceId"], held["account"]))
PY
ok "accounts at once: the other account's actions all ran while one account's change was held"

# ---- 2. per account: one action after another, in plan order
PLAN=$(q "SELECT DISTINCT run_id FROM actions")
in_plan_order() { # the changes each account's actions made reached AWS in plan order
    sim_get /_awssim/requests > "$TMP/req.json"
    q "SELECT account_id, resource FROM actions WHERE run_id = '$1' ORDER BY rowid" > "$TMP/plan.txt"
    /usr/bin/python3 - "$TMP/req.json" "$TMP/plan.txt" "$2" <<'PY'
import json, sys
reqs = sorted((r for r in json.load(open(sys.argv[1])) if r["op"] == "ec2.ModifyInstanceMetadataOptions"),
              key=lambda r: r["seq"])
plan = [l.strip().split("|") for l in open(sys.argv[2]) if l.strip()]
sent = [(r["account"], r["params"]["InstanceId"]) for r in reqs]
want = [(a, res.rsplit("/", 1)[1]) for a, res in plan]
if sys.argv[3] == "across":  # one account after another: the plan's order overall
    assert sent == want, "sent %r, planned %r" % (sent, want)
for acct in sorted(set(a for a, _ in want)):
    s = [i for a, i in sent if a == acct]
    w = [i for a, i in want if a == acct]
    assert s == w, "account %s: changes sent %r, planned %r" % (acct, s, w)
PY
}
in_plan_order "$PLAN" per-account || fail "an account's changes left plan order"
# the audit log: per account, applying then outcome, action after action in plan order
q "SELECT json_extract(detail, '\$.account'), event, json_extract(detail, '\$.action') FROM audit_log
   WHERE event IN ('remediation.applying', 'remediation.action') ORDER BY seq" > "$TMP/audit.txt"
q "SELECT account_id, id FROM actions WHERE run_id = '$PLAN' ORDER BY rowid" > "$TMP/plan.txt"
/usr/bin/python3 - "$TMP/audit.txt" "$TMP/plan.txt" <<'PY' || fail "the audit log shows an account's actions overlapping or out of order"
import sys
audit = [l.strip().split("|") for l in open(sys.argv[1]) if l.strip()]
plan = [l.strip().split("|") for l in open(sys.argv[2]) if l.strip()]
for acct in sorted(set(a for a, _ in plan)):
    got = [(e, i) for a, e, i in audit if a == acct]
    want = []
    for a, i in plan:
        if a == acct:
            want += [("remediation.applying", i), ("remediation.action", i)]
    assert got == want, "account %s: %r, expected %r" % (acct, got, want)
PY
# results printed in plan order
sed -n '/^apply /,$p' "$TMP/a.out" | awk '$1 ~ /-[0-9][0-9][0-9]$/ {print $1}' > "$TMP/printed.txt"
q "SELECT id FROM actions WHERE run_id = '$PLAN' ORDER BY rowid" > "$TMP/want.txt"
cmp -s "$TMP/printed.txt" "$TMP/want.txt" || { cat "$TMP/a.out"; fail "results not printed in plan order"; }
expect_rc 0 $HWC verify --audit
[ "$(q "SELECT group_concat(state, ' ') FROM (SELECT DISTINCT state FROM actions)")" = done ] ||
    fail "states: $(q "SELECT state, count(*) FROM actions GROUP BY state")"
snapshot after
changes before after > "$TMP/changes.txt"
[ "$(grep -c . "$TMP/changes.txt")" = 8 ] && ! grep -v "/instances/i-[0-9a-f]*/http_tokens: optional -> required$" "$TMP/changes.txt" ||
    { cat "$TMP/changes.txt"; fail "the state moved by more (or less) than the 8 changes"; }
ok "per account one action after another, in plan order; printed in plan order; exactly the 8 changes"

# ---- 3. max_parallel_accounts 1: one account after another
sim_post /_awssim/reload '{}' > /dev/null
rm -f "$TMP"/hw.db*
config 1
expect_rc 0 $HWC scan
sim_post /_awssim/reset-stats '{}' > /dev/null
expect_rc 0 $HWC remediate --apply
contains "$TMP/out" "8 run: 8 done"
in_plan_order "$(q "SELECT DISTINCT run_id FROM actions")" across || fail "max_parallel_accounts 1: not in plan order"
ok "max_parallel_accounts 1: every change in plan order"
