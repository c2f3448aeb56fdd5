#!/bin/sh
# test_import.sh - `hubwarden import`: every input format (JSON lines, a
# JSON array, a GetFindings response, gzip, stdin), bad findings skipped
# and counted, --check writing nothing, a truncated file keeping what came before it (exit 3), and
# trust once a scan has recorded the Organization.
. "$(dirname "$0")/lib.sh"
GEN="/usr/bin/python3 $ROOT/tests/awssim/gen_findings.py"
DB="$TMP/imp.db"
$GEN --count 300 --seed 11 --format jsonl -o "$TMP/a.jsonl"
$GEN --count 200 --seed 12 --format array -o "$TMP/b.json"
$GEN --count 100 --seed 13 --format response -o "$TMP/c.json.gz"
expect_rc 0 "$HW" --db "$DB" import "$TMP/a.jsonl" "$TMP/b.json" "$TMP/c.json.gz"
contains "$TMP/out" "600 findings read, 600 new"
contains "$TMP/err" "imported findings stay untrusted until a scan records the Organization"
# the same again: nothing new, nothing changed
expect_rc 0 "$HW" --db "$DB" import "$TMP/a.jsonl"
contains "$TMP/out" "300 findings read, 0 new, 0 changed (0 resolved), 300 unchanged"
# stdin
$GEN --count 50 --seed 14 | "$HW" --db "$DB" import - > "$TMP/out" 2> "$TMP/err" || fail "import -"
contains "$TMP/out" "50 findings read, 50 new"
ok "formats"

# hostile input: skipped with file and line, counted, the rest stored
$GEN --count 200 --seed 15 --bad-rate 0.1 -o "$TMP/bad.jsonl"
printf 'not json at all\n{"Id": 3}\n' >> "$TMP/bad.jsonl"
printf '\xff\xfe{"broken utf8": "\xc3"}\n' >> "$TMP/bad.jsonl"
expect_rc 0 "$HW" --db "$DB" import "$TMP/bad.jsonl"
contains "$TMP/err" "$TMP/bad.jsonl: line 201: finding skipped"
skipped=$(sed -n 's/.* \([0-9]*\) skipped.*/\1/p' "$TMP/out")
[ "$skipped" -ge 15 ] || fail "only $skipped bad findings skipped"
ok "bad findings skipped ($skipped)"

# --check: the same verdicts, nothing written
sqlite3 "$DB" "SELECT count(*) FROM findings" > "$TMP/n_before"
expect_rc 0 "$HW" --db "$DB" import --check "$TMP/bad.jsonl"
contains "$TMP/out" "$skipped skipped"
contains "$TMP/out" "nothing stored"
contains "$TMP/err" "$TMP/bad.jsonl: line 201: finding skipped"
sqlite3 "$DB" "SELECT count(*) FROM findings" > "$TMP/n_after"
cmp -s "$TMP/n_before" "$TMP/n_after" || fail "import --check wrote to the store"
expect_rc 0 "$HW" --db "$TMP/never-created.db" import --check "$TMP/a.jsonl"
[ ! -e "$TMP/never-created.db" ] || fail "import --check created a store"
ok "--check stores nothing"

# a truncated file: complete findings before the damage are kept, exit 3
head -c 100000 "$TMP/a.jsonl" > "$TMP/trunc.jsonl"
$GEN --count 40 --seed 16 --format array -o "$TMP/arr.json"
head -c 30000 "$TMP/arr.json" > "$TMP/trunc.json"
before=$("$HW" --db "$DB" findings --json | /usr/bin/python3 -c "import json,sys; print(len(json.load(sys.stdin)))")
expect_rc 3 "$HW" --db "$DB" import "$TMP/trunc.json" "$TMP/a.jsonl"
contains "$TMP/err" "$TMP/trunc.json: line"
contains "$TMP/err" "truncated"
contains "$TMP/out" "1 file failed"
after=$("$HW" --db "$DB" findings --json | /usr/bin/python3 -c "import json,sys; print(len(json.load(sys.stdin)))")
[ "$after" -gt "$before" ] || fail "the findings before the damage were lost ($before -> $after)"
expect_rc 2 "$HW" --db "$DB" import "$TMP/missing.json"
contains "$TMP/err" "$TMP/missing.json"
ok "damaged files"
echo "import: all checks passed"
