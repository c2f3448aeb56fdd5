#!/bin/sh
# test_compliance.sh - `hubwarden compliance` against a store filled by two
# simulator scans: "failing since" comes from hubwarden's own history (a
# requirement that starts failing between the scans fails since the
# second; one whose evidence changes while it fails still fails since the
# first, whatever Security Hub's FirstObservedAt says); the three auditor
# questions are each one command, in table, JSON and CSV; the per-
# framework counts are account x requirement pairs and add up; a roll-up
# fails when any account fails; bad filters exit 2 naming the nearest.
. "$(dirname "$0")/lib.sh"
use_test_creds
start_sim "$ROOT/tests/data/awssim/basic.json" --no-rate-limit
cat > "$TMP/hw.json" <<JSON
{"db": "$TMP/hw.db", "aws": {"region": "us-east-1", "max_attempts": 3},
 "organization": {"mode": "aggregator"}, "lock_timeout_seconds": 1}
JSON
HWC="$HW --config $TMP/hw.json"
FW=cis-aws-3.0.0

expect_rc 0 $HWC scan --output json
run1=$(json_eval "$TMP/out" "d['run_id']")

# CIS 3.0 1.14 (IAM.3) per account after the first scan: P passes, F fails
expect_rc 0 $HWC compliance $FW --requirement 1.14 --output json
cp "$TMP/out" "$TMP/before.json"
$HWC findings --control IAM.3 --output json > "$TMP/iam3.json" || fail "findings --control IAM.3"
# the changes made between the scans: in P one passing IAM.3 finding
# fails; in F a passing one fails too (more evidence, the same status)
/usr/bin/python3 - "$TMP/before.json" "$TMP/iam3.json" "$TMP/update.json" "$TMP/pf" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
status = {r["account"]: r["status"] for r in rows}
P = sorted(a for a, s in status.items() if s == "PASSED")[0]
F = sorted(a for a, s in status.items() if s == "FAILED")[0]
fs = json.load(open(sys.argv[2]))
def passing(acct):
    return next(f for f in fs if f["account"] == acct and f["compliance_status"] == "PASSED")
arn = "arn:aws:securityhub:%s::product/aws/securityhub"
upd = [{"ProductArn": arn % f["region"], "Id": f["id"],
        "fields": {"Compliance.Status": "FAILED", "Workflow.Status": "NEW",
                   "LastObservedAt": "2099-01-01T00:00:00.000Z"}}
       for f in (passing(P), passing(F))]
json.dump({"update": upd}, open(sys.argv[3], "w"))
open(sys.argv[4], "w").write("%s %s %s\n" % (P, F, passing(P)["id"]))
PY
read -r P F PFIND < "$TMP/pf"
[ -n "$P" ] && [ -n "$F" ] || fail "no passing and failing account for 1.14"
sim_post /_awssim/findings "@$TMP/update.json" > "$TMP/mut"
[ "$(json_eval "$TMP/mut" "d['changed']")" = 2 ] || fail "simulator did not change the findings"
expect_rc 0 $HWC scan --output json
run2=$(json_eval "$TMP/out" "d['run_id']")
[ "$run1" != "$run2" ] || fail "one run id for two scans"

# failing since, from hubwarden's history
expect_rc 0 $HWC compliance $FW --account "$P,$F" --output json
/usr/bin/python3 - "$TMP/out" "$P" "$F" "$run1" "$run2" <<'PY' || fail "failing since"
import json, sys
rows, P, F, run1, run2 = json.load(open(sys.argv[1])), *sys.argv[2:]
r = {x["account"]: x for x in rows if x["requirement"] == "1.14"}
assert r[P]["status"] == "FAILED" and r[P]["failing_since_run"] == run2, r[P]
# still failing, with other evidence: the current interval is new, the
# failure is not
assert r[F]["status"] == "FAILED" and r[F]["since_run"] == run2, r[F]
assert r[F]["failing_since_run"] == run1, r[F]
assert r[F]["failing_since"] <= r[P]["failing_since"], (r[F], r[P])
assert r[P]["failing_controls"] == ["IAM.3"] and r[P]["controls"] == ["IAM.3"], r[P]
# a passing requirement has no failing since
ok = [x for x in rows if x["status"] == "PASSED"]
assert ok and all(x["failing_since"] is None and x["failing_controls"] == [] for x in ok), ok[:1]
PY
ok "failing since: the start of the current run of FAILED evaluations ($run1, $run2)"

# Q1: which accounts fail CIS 3.0 1.14, and since when -- one command,
# with the evidence behind each account
Q1="compliance $FW --requirement 1.14 --status FAILED"
expect_rc 0 $HWC $Q1 --output json
cp "$TMP/out" "$TMP/q1.json"
/usr/bin/python3 - "$TMP/q1.json" "$P" "$F" "$PFIND" <<'PY' || fail "Q1 as JSON"
import json, sys
rows, P, F, pfind = json.load(open(sys.argv[1])), *sys.argv[2:]
assert {r["account"] for r in rows} >= {P, F}, rows
assert all(r["status"] == "FAILED" and r["requirement"] == "1.14" and r["failing_since"]
           for r in rows), rows
line = next(r for r in rows if r["finding"] == pfind)
assert line["control"] == "IAM.3" and line["control_status"] == "FAILED", line
assert line["compliance_status"] == "FAILED" and line["resources"], line
# Security Hub observed it long before hubwarden saw it fail; the line
# shows the finding's current last_observed
assert line["first_observed"] < line["failing_since"], line
assert line["last_observed"] == "2099-01-01T00:00:00.000Z", line
assert line["failed_resources"] >= 1, line
PY
expect_rc 0 $HWC $Q1 --output csv
/usr/bin/python3 - "$TMP/out" "$TMP/q1.json" <<'PY' || fail "Q1 as CSV"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
js = json.load(open(sys.argv[2]))
assert len(rows) == len(js) and list(rows[0].keys()) == list(js[0].keys()), (rows[:1], js[:1])
assert [r["finding"] for r in rows] == [j["finding"] for j in js]
assert [r["failing_since"] for r in rows] == [j["failing_since"] for j in js]
PY
COLUMNS=200 expect_rc 0 $HWC $Q1
contains "$TMP/out" "failing_since"
contains "$TMP/out" "$P "
contains "$TMP/out" "$F "
since_p=$(json_eval "$TMP/q1.json" "next(r['failing_since'] for r in d if r['account'] == '$P')")
contains "$TMP/out" "$since_p"
contains "$TMP/err" "evidence line"
ok "Q1 in table, JSON and CSV"

# Q2: what fails PCI DSS 4.0.1 in account X (by name)
name=$(sqlite3 "$TMP/hw.db" "SELECT name FROM accounts WHERE id = '$P'")
[ -n "$name" ] || fail "account $P has no name"
Q2="compliance pci-dss-4.0.1 --account $name --status FAILED"
expect_rc 0 $HWC $Q2 --output json
cp "$TMP/out" "$TMP/q2.json"
/usr/bin/python3 - "$TMP/q2.json" "$P" "$TMP/hw.db" <<'PY' || fail "Q2 as JSON"
import json, sqlite3, sys
rows, P = json.load(open(sys.argv[1])), sys.argv[2]
assert rows and all(r["account"] == P and r["status"] == "FAILED" for r in rows), rows
assert all(r["failing_controls"] and set(r["failing_controls"]) <= set(r["controls"]) for r in rows)
# every FAILED requirement of the account in the newest evaluation, no other
db = sqlite3.connect(sys.argv[3])
want = {q for (q,) in db.execute(
    "SELECT requirement FROM evaluations WHERE framework = 'pci-dss-4.0.1' AND account_id = ?"
    " AND status = 'FAILED' AND run_id = (SELECT run_id FROM eval_runs ORDER BY seq DESC LIMIT 1)",
    (P,))}
assert {r["requirement"] for r in rows} == want, (rows, want)
PY
expect_rc 0 $HWC $Q2 --output csv
n=$(/usr/bin/python3 -c "import csv, sys; print(len(list(csv.DictReader(open(sys.argv[1], newline='')))))" "$TMP/out")
[ "$n" = "$(json_eval "$TMP/q2.json" "len(d)")" ] || fail "Q2: CSV and JSON disagree"
head -1 "$TMP/out" | grep -q '^"framework","requirement","account","account_name","status","failing_since"' || fail "Q2 CSV header"
expect_rc 0 $HWC $Q2
first=$(json_eval "$TMP/q2.json" "d[0]['requirement']")
contains "$TMP/out" "$first "
contains "$TMP/out" "FAILED"
ok "Q2 in table, JSON and CSV"

# Q3: the critical untrusted findings -- `findings`, checked here
/usr/bin/python3 - "$ROOT/tests/data/awssim/demo.json" "$TMP/untrusted.json" <<'PY'
import json, sys
json.dump(json.load(open(sys.argv[1]))["securityhub"]["findings"], open(sys.argv[2], "w"))
PY
expect_rc 0 $HWC import "$TMP/untrusted.json"
Q3="findings --severity CRITICAL --untrusted"
expect_rc 0 $HWC $Q3 --output json
/usr/bin/python3 - "$TMP/out" <<'PY' || fail "Q3 as JSON"
import json, sys
rows = json.load(open(sys.argv[1]))
# the vendor's CRITICAL claim; not the HIGH one from outside the Organization
assert [r["id"] for r in rows] == ["vendor-scanner/finding/0001"], rows
assert rows[0]["trusted"] is False and rows[0]["untrusted_reason"], rows
PY
expect_rc 0 $HWC $Q3 --output csv
contains "$TMP/out" '"vendor-scanner/finding/0001"'
[ "$(wc -l < "$TMP/out")" = 2 ] || fail "Q3 CSV: $(cat "$TMP/out")"
expect_rc 0 $HWC $Q3
contains "$TMP/out" "CRITICAL"
contains "$TMP/err" "1 finding"
ok "Q3 in table, JSON and CSV"

# the roll-up across accounts: any failing account fails the requirement
expect_rc 0 $HWC compliance $FW --output json
/usr/bin/python3 - "$TMP/out" "$TMP/q1.json" <<'PY' || fail "roll-up"
import json, sys
rows = {r["requirement"]: r for r in json.load(open(sys.argv[1]))}
q1 = json.load(open(sys.argv[2]))
r = rows["1.14"]
assert r["status"] == "FAILED" and r["failing"] == len({x["account"] for x in q1}), r
assert r["failing_since"] == min(x["failing_since"] for x in q1), r
manual = [x for x in rows.values() if x["manual"]]
assert manual and all(x["status"] == "MANUAL" and x["controls"] == [] for x in manual)
PY
expect_rc 0 $HWC compliance $FW --status FAILED --output jsonl
/usr/bin/python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert rows and all(r["status"] == "FAILED" for r in rows), rows
' "$TMP/out" || fail "roll-up --status FAILED"
expect_rc 0 $HWC compliance $FW
contains "$TMP/out" "(manual)"
contains "$TMP/out" "1.14 "
ok "roll-up"

# without a framework: one line per framework, counts of pairs that add up
expect_rc 0 $HWC compliance --output json
cp "$TMP/out" "$TMP/sum.json"
$HWC compliance $FW --per-account --output json > "$TMP/pairs.json" || fail "--per-account"
/usr/bin/python3 - "$TMP/sum.json" "$TMP/pairs.json" "$run2" <<'PY' || fail "summary"
import json, sys
sums = {s["framework"]: s for s in json.load(open(sys.argv[1]))}
pairs = json.load(open(sys.argv[2]))
s = sums["cis-aws-3.0.0"]
assert s["run_id"] == sys.argv[3] and s["evaluated_at"], s
names = ["passed", "failed", "partial", "suppressed", "exception", "not_applicable", "no_data", "manual"]
assert s["pairs"] == sum(s[k] for k in names) == len(pairs), (s, len(pairs))
for k in names:
    assert s[k] == sum(1 for p in pairs if p["status"].lower() == k), k
decided = s["passed"] + s["failed"] + s["partial"] + s["suppressed"]
assert abs(s["pass_rate"] - s["passed"] / decided) < 1e-3, s
assert s["accounts"] == len({p["account"] for p in pairs}), s
PY
expect_rc 0 $HWC compliance
contains "$TMP/out" "account x requirement pairs"
contains "$TMP/out" "pass rate = passed / (passed + failed + partial + suppressed)"
contains "$TMP/out" "cis-aws-3.0.0"
expect_rc 0 $HWC compliance --csv
head -1 "$TMP/out" | grep -q '^"framework","pass_rate","pairs","passed","failed"' || fail "summary CSV header"
ok "summary per framework"

# --ou: the accounts under an OU (by name or id)
ou_acct=$(sqlite3 "$TMP/hw.db" "SELECT id FROM accounts WHERE ou_names LIKE '%/Prod'")
expect_rc 0 $HWC compliance $FW --ou prod --per-account --output json
[ "$(json_eval "$TMP/out" "sorted({r['account'] for r in d})")" = "['$ou_acct']" ] || fail "--ou prod"

# bad filters: exit 2, the nearest known value, nothing on stdout
bad() { # EXPECTED-TEXT ARGS...
    text=$1; shift
    expect_rc 2 $HWC compliance "$@"
    contains "$TMP/err" "$text"
    [ ! -s "$TMP/out" ] || fail "compliance $*: printed results"
}
bad "nearest: cis-aws-3.0.0" cis_3.0_aws
bad "nearest: 1.14" $FW --requirement 1.144
bad "nearest: FAILED" $FW --status FAIL
bad "nearest: $name" $FW --account "${name}x"
bad "nearest: Prod" --ou Prd
bad "needs a FRAMEWORK" --requirement 1.14
bad "needs a FRAMEWORK" --status FAILED
bad "expected table, json, jsonl or csv" $FW --output xml
# case does not matter where it cannot mislead
expect_rc 0 $HWC compliance CIS-AWS-3.0.0 --status failed --requirement 1.14 --output json
[ "$(json_eval "$TMP/out" "len(d) > 0")" = True ] || fail "any case"
ok "bad filters exit 2 with a suggestion"
echo "compliance: all checks passed"
