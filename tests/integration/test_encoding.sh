#!/bin/sh
# test_encoding.sh - hostile text on its way out: --json output and JSON
# log lines are always valid UTF-8 JSON (fixed buffers never cut a
# character in two; a non-UTF-8 file name is replaced, not passed on);
# text logs and tables neutralise what steers a terminal (ESC, DEL, C1
# controls such as CSI, U+202E, U+2028).
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
DB="$TMP/enc.db"
/usr/bin/python3 tests/data/encoding/make_hostile.py tests/data/findings/control_failed.json \
    > "$TMP/hostile.jsonl" || fail "make_hostile.py"
# every line of FILE is a JSON document in strict UTF-8
json_lines_ok() {
    /usr/bin/python3 - "$1" <<'PY' || fail "$1: not valid UTF-8 JSON lines"
import json, sys
for n, line in enumerate(open(sys.argv[1], "rb"), 1):
    try:
        json.loads(line.decode("utf-8"))
    except Exception as e:
        sys.exit("line %d: %s: %r" % (n, e, line[:120]))
PY
}
# FILE holds no byte sequence that steers a terminal
terminal_safe() {
    /usr/bin/python3 - "$1" <<'PY' || fail "$1: terminal controls passed through"
import sys
b = open(sys.argv[1], "rb").read()
t = b.decode("utf-8")  # and valid UTF-8
bad = [c for c in t if c not in "\n\t" and (ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f
       or c in "\u061c\u200e\u200f\u2028\u2029" or 0x202a <= ord(c) <= 0x202e
       or 0x2066 <= ord(c) <= 0x2069)]
if bad:
    sys.exit("found %r" % bad[:5])
PY
}

expect_rc 0 "$HW" -vv --log-format json --db "$DB" import "$TMP/hostile.jsonl"
json_lines_ok "$TMP/err"
# the log context's fields (util.h hw_log_set_*) are there and well-formed
/usr/bin/python3 - "$TMP/err" <<'PY' || fail "JSON log lines lack run_id or ms"
import json, sys
for line in open(sys.argv[1], "rb"):
    d = json.loads(line.decode("utf-8"))
    assert isinstance(d.get("ms"), int) and d["ms"] >= 0, d
    if "relates it" in d["msg"]:  # logged inside the import run
        assert d.get("run_id", "").count("-") >= 1, d
PY
contains "$TMP/err" "Security Hub relates it to cis-aws-3.0.0"
expect_rc 0 "$HW" --db "$DB" findings --all --json
/usr/bin/python3 - "$TMP/out" <<'PY' || fail "findings --json is not valid UTF-8 JSON"
import json, sys
d = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))
ids = {x["id"] for x in d}
assert "enc-product" in ids and "enc-productx" in ids, ids
for x in d:
    if x["id"].startswith("enc-product"):
        assert x["product"].startswith("acme/"), x["product"]
        assert x["untrusted_reason"].startswith("product arn:aws:securityhub"), x["untrusted_reason"]
PY
# and what the store keeps was never cut inside a character
/usr/bin/python3 - "$DB" <<'PY' || fail "the store holds text cut inside a character"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.text_factory = bytes
for row in db.execute("SELECT f.untrusted_reason, p.name FROM findings f JOIN products p ON p.id = f.product_id"):
    for v in row:
        if v is not None:
            v.decode("utf-8")
PY
ok "--json output and JSON logs are valid UTF-8 JSON"

# a file name that is not UTF-8, with controls, in a damaged file's error
bad="$TMP/$(printf 'bad\377\302\233name\177\342\200\256.jsonl')"
printf '{"broken\n' > "$bad"
expect_rc 3 "$HW" --log-format json --db "$DB" import "$bad"
json_lines_ok "$TMP/err"
contains "$TMP/err" "bad"
expect_rc 3 "$HW" --db "$DB" import "$bad"
terminal_safe "$TMP/err"
contains "$TMP/err" "name?"
ok "file names: replaced in JSON logs, neutralised in text logs"

expect_rc 0 "$HW" --db "$DB" findings --all --wide
terminal_safe "$TMP/out"
contains "$TMP/out" "enc-steer?gpj.exe??31m??[2J"
ok "tables neutralise terminal controls"
