#!/bin/sh
# test_output.sh - one output switch: --output table|json|jsonl|csv (and
# --json) on every command that prints results, the same field names in
# every format, a usage error (exit 2) for a format a command cannot
# print, tables that fit the terminal and never carry escape sequences.
. "$(dirname "$0")/lib.sh"
GEN="/usr/bin/python3 $ROOT/tests/awssim/gen_findings.py"
DB="$TMP/hw.db"
$GEN --count 200 --seed 5 --guardduty-rate 0.1 -o "$TMP/a.jsonl"
# one hostile finding: escape sequences in the title and the resource id
/usr/bin/python3 - "$TMP/a.jsonl" "$TMP/hostile.json" <<'PY'
import json, sys
f = json.loads(open(sys.argv[1]).readline())
f["Id"] = f["Id"] + "-hostile"
f["Title"] = "evil \u001b[31mred\u001b]0;owned\u0007 =cmd|' /C calc'!A0"
f["Resources"][0]["Id"] = "arn:aws:s3:::bucket-\u001b[2J-\u009b31m-end"
json.dump(f, open(sys.argv[2], "w"))
PY
expect_rc 0 "$HW" --db "$DB" import "$TMP/a.jsonl" "$TMP/hostile.json"
# import's summary as one JSON document on stdout (the warnings stay on stderr)
expect_rc 0 "$HW" --db "$DB" import --output json "$TMP/a.jsonl"
[ "$(json_eval "$TMP/out" "(d['seen'], d['unchanged'], d['status'], len(d['run_id']) > 0)")" = "(200, 200, 'ok', True)" ] || fail "import --output json: $(cat "$TMP/out")"
expect_rc 0 "$HW" --db "$DB" import --check --output jsonl "$TMP/a.jsonl"
[ "$(wc -l < "$TMP/out")" = 1 ] && [ "$(json_eval "$TMP/out" "(d['seen'], d['run_id'])")" = "(200, None)" ] || fail "import --check --output jsonl: $(cat "$TMP/out")"

# the same fields, in the same order, in CSV, JSON, JSON lines and the
# --wide table header
same_fields() { # NAME ARGS...: compares the formats of one command
    name=$1; shift
    expect_rc 0 "$@" --output csv; cp "$TMP/out" "$TMP/f.csv"
    expect_rc 0 "$@" --output json; cp "$TMP/out" "$TMP/f.json"
    expect_rc 0 "$@" --json; cmp -s "$TMP/out" "$TMP/f.json" || fail "$name: --json is not --output json"
    expect_rc 0 "$@" --output jsonl; cp "$TMP/out" "$TMP/f.jsonl"
    /usr/bin/python3 - "$TMP/f.csv" "$TMP/f.json" "$TMP/f.jsonl" "$name" <<'PY' || fail "$name: formats disagree"
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
header, body = rows[0], rows[1:]
arr = json.load(open(sys.argv[2]))
arr = [arr] if isinstance(arr, dict) else arr  # version: one document
lines = [json.loads(l) for l in open(sys.argv[3])]
assert isinstance(arr, list) and len(arr) == len(body) == len(lines) > 0, (len(arr), len(body), len(lines))
for o in arr + lines:
    assert list(o.keys()) == header, (sys.argv[4], list(o.keys()), header)
assert arr == lines
PY
}
same_fields findings "$HW" --db "$DB" findings --all
same_fields "controls list" "$HW" controls list
same_fields "controls show FRAMEWORK" "$HW" controls show cis-aws-3.0.0
same_fields "help config" "$HW" help config
same_fields version "$HW" version
ok "same field names in every format"

# the fields auditors asked for are in the CSV too, and unified
expect_rc 0 "$HW" --db "$DB" findings --output csv
for f in compliance_status workflow_status record_state first_observed last_observed updated_at title untrusted_reason type; do
    head -1 "$TMP/out" | grep -q "\"$f\"" || fail "CSV lacks $f"
done
head -1 "$TMP/out" | grep -q '"status"\|"workflow"\|"state"' && fail "CSV keeps the old names"
grep -q '"GuardDuty: ' "$TMP/out" || fail "CSV has no titles"
# an escape or formula in a CSV cell is kept as text, defused
grep -q "\"'=cmd" "$TMP/out" && fail "a formula in the middle was changed"
ok "CSV fields"

# GuardDuty findings: their type in the table's control column, not blanks
expect_rc 0 "$HW" --db "$DB" findings --product guardduty --limit 5
tail -n +2 "$TMP/out" > "$TMP/rows"
[ -s "$TMP/rows" ] || fail "no GuardDuty rows"
awk '{ if ($3 == "" || $3 ~ /^(LOW|MEDIUM|HIGH)$/) exit 1 }' "$TMP/rows" || fail "blank control cell for GuardDuty: $(cat "$TMP/rows")"
ok "GuardDuty type shown"

# formats a command cannot print are usage errors, never ignored
for args in "controls coverage --output csv" "controls show S3.8 --output csv" \
            "help --output json" "findings --output xml" "findings --json --output csv" \
            "--db $DB import --output csv $TMP/a.jsonl" "findings show x --output csv"; do
    # shellcheck disable=SC2086
    expect_rc 2 "$HW" --db "$DB" $args
done
contains "$TMP/err" "cannot print"
expect_rc 0 "$HW" controls coverage --output jsonl
[ "$(wc -l < "$TMP/out")" = 1 ] || fail "coverage jsonl: not one line"
ok "unprintable formats exit 2"

# the table fits the terminal; a cut value ends with … and a space; the
# end of the resource ARN is what stays
for cols in 100 120 160; do
    COLUMNS=$cols expect_rc 0 "$HW" --db "$DB" findings --all
    /usr/bin/python3 - "$TMP/out" "$cols" <<'PY' || fail "table wider than COLUMNS=$cols"
import sys
w = int(sys.argv[2])
for l in open(sys.argv[1], encoding="utf-8"):
    assert len(l.rstrip("\n")) <= w, (len(l), l)
PY
done
# a narrow terminal drops last_observed, then region, before the control
COLUMNS=80 expect_rc 0 "$HW" --db "$DB" findings --all
head -1 "$TMP/out" | grep -q 'control .*severity' || fail "COLUMNS=80 dropped the control or severity"
head -1 "$TMP/out" | grep -q 'last_observed\|region' && fail "COLUMNS=80 kept last_observed or region"
COLUMNS=100 expect_rc 0 "$HW" --db "$DB" findings --all --product guardduty
grep -q '… ' "$TMP/out" || fail "no cut value ending with '… '"
grep -q '~' "$TMP/out" && fail "the old cut marker"
grep -q '…[^ ]*$' "$TMP/out" || fail "the resource column does not keep the end"
ok "table fits the terminal"

# no escape sequence ever reaches a terminal: not in the table, the wide
# table, nor show
esc=$(printf '\033')
c1=$(printf '\302\233')
for args in "findings --all" "findings --all --wide" "findings show $(grep -o '"Id": *"[^"]*-hostile"' "$TMP/hostile.json" | sed 's/.*"\([^"]*\)"$/\1/')"; do
    # shellcheck disable=SC2086
    TERM=xterm expect_rc 0 "$HW" --db "$DB" $args
    grep -q "$esc" "$TMP/out" && fail "$args: an escape sequence in the output"
    grep -q "$c1" "$TMP/out" && fail "$args: a C1 control in the output"
done
contains "$TMP/out" "history:"
contains "$TMP/out" '"SchemaVersion"'
ok "no escape sequences"

# findings show ID as JSON: the stored fields, the original ASFF, history
id=$(head -1 "$TMP/a.jsonl" | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["Id"])')
head -1 "$TMP/a.jsonl" | /usr/bin/python3 -c '
import json, sys
f = json.load(sys.stdin)
f["Workflow"]["Status"] = "SUPPRESSED" if f["Workflow"]["Status"] != "SUPPRESSED" else "NEW"
f["UpdatedAt"] = "2026-06-01T00:00:00.000Z"
print(json.dumps(f))' > "$TMP/changed.jsonl"
expect_rc 0 "$HW" --db "$DB" import "$TMP/changed.jsonl"
expect_rc 0 "$HW" --db "$DB" findings show "$id" --output json
[ "$(json_eval "$TMP/out" "(d['finding']['id'] == d['asff']['Id'], d['finding']['title'] == d['asff']['Title'], len(d['history']) >= 1)")" = "(True, True, True)" ] || fail "findings show --output json"
expect_rc 2 "$HW" --db "$DB" findings show no-such-id
contains "$TMP/err" "no finding with Id no-such-id"
ok "findings show"

# controls show FRAMEWORK: requirements with controls or the manual marker;
# an unknown id names the nearest control or framework
expect_rc 0 "$HW" controls show cis-aws-3.0.0
grep -q '^1\.14 .*IAM\.3' "$TMP/out" || fail "controls show cis-aws-3.0.0: 1.14 without IAM.3"
contains "$TMP/out" "(manual)"
expect_rc 0 "$HW" controls show CIS-AWS-3.0.0 --output json
[ "$(json_eval "$TMP/out" "any(r['manual'] and r['controls'] == [] for r in d) and any(r['requirement'] == '1.14' and 'IAM.3' in r['controls'] for r in d)")" = True ] || fail "controls show FRAMEWORK --output json"
expect_rc 2 "$HW" controls show cis-aws-3.0
contains "$TMP/err" "nearest: cis-aws-3.0.0"
expect_rc 0 "$HW" controls show s3.8
contains "$TMP/out" "S3.8"
ok "controls show FRAMEWORK"

# --wide: every field
expect_rc 0 "$HW" --db "$DB" findings --wide --limit 1
for f in id title untrusted_reason first_observed updated_at; do
    head -1 "$TMP/out" | grep -q "$f" || fail "--wide lacks $f"
done
ok "--wide"
echo "output: all checks passed"
