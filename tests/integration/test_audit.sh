#!/bin/sh
# test_audit.sh - the audit trail's anchors and `hubwarden verify --audit`:
# every scan, import and remediate records the log's head in its run row
# and prints it; verify --audit walks the whole chain and every anchor and
# exits 1 naming the first bad entry: an entry edited behind the
# triggers' back, an entry deleted from the middle, the tail cut (which
# leaves a chain that is consistent on its own), and the newest entry
# rewritten with its hash recomputed.  Intact: exit 0.
. "$(dirname "$0")/lib.sh"
use_test_creds
start_sim "$ROOT/tests/data/awssim/remedy.json"
cat > "$TMP/hw.json" <<JSON
{"db": "$TMP/hw.db", "controls_dir": "$ROOT/controls", "aws": {"region": "us-east-1", "max_attempts": 2},
 "remediation": {"controls": {"EC2.19": "auto"}, "external_id": "hw-remedy-1", "max_share": 1}}
JSON
HWC="$HW --config $TMP/hw.json"
q() { sqlite3 "$1" "$2"; }

# no store yet: an error, not a verdict
expect_rc 2 $HWC verify --audit
contains "$TMP/err" "no evidence store here"

expect_rc 0 $HWC scan
head1=$(grep '^audit head: ' "$TMP/out" | cut -d' ' -f3-)
[ -n "$head1" ] || fail "scan printed no audit head"
[ "$(q "$TMP/hw.db" "SELECT audit_seq || ' ' || audit_head FROM runs WHERE kind = 'scan'")" = "$head1" ] ||
    fail "the scan's run row should hold the head it printed ($head1)"
[ "$head1" = "$(q "$TMP/hw.db" "SELECT seq || ' ' || hash FROM audit_log ORDER BY seq DESC LIMIT 1")" ] ||
    fail "the printed head is not the log's newest entry"
expect_rc 0 $HWC exempt --control S3.8 --account 888888888888 --until 2099-01-01 --by carol --reason RISK-7
expect_rc 0 $HWC remediate --account 444444444444
grep -q '^audit head: ' "$TMP/out" || fail "remediate printed no audit head"
expect_rc 0 $HWC remediate --account 444444444444 --json
json_eval "$TMP/out" "d['audit_head']" > /dev/null || fail "remediate --json has no audit_head"
expect_rc 0 $HWC import "$ROOT/tests/data/findings/control_failed.json"
grep -q '^audit head: ' "$TMP/out" || fail "import printed no audit head"
expect_rc 0 $HWC scan
n=$(q "$TMP/hw.db" "SELECT max(seq) FROM audit_log")
expect_rc 0 $HWC verify --audit
contains "$TMP/out" "intact, $n entries, 5 run anchor(s) match"
contains "$TMP/out" "audit head: $n "
ok "scan, import and remediate record and print the head; intact verifies (exit 0)"

# variant NAME SQL: a copy of the store with the triggers dropped and SQL run
variant() {
    cp "$TMP/hw.db" "$TMP/$1.db"
    q "$TMP/$1.db" "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; $2" ||
        fail "tampering ($1)"
}
verify_bad() { # DB SEQ TEXT
    expect_rc 1 "$HW" --db "$1" verify --audit
    contains "$TMP/out" "BROKEN at entry $2"
    contains "$TMP/err" "the first bad entry is $2: $3"
}

# an entry edited in place
variant edit "UPDATE audit_log SET detail = replace(detail, 'carol', 'mallory') WHERE event = 'exception.create'"
seq=$(q "$TMP/edit.db" "SELECT seq FROM audit_log WHERE event = 'exception.create'")
verify_bad "$TMP/edit.db" "$seq" "entry $seq: its hash or its link"
ok "an edited entry is found and named"

# an entry deleted from the middle
variant gap "DELETE FROM audit_log WHERE seq = 2"
verify_bad "$TMP/gap.db" 2 "entry 2:"
ok "a deleted entry is found and named"

# the tail cut: what remains is a consistent chain; the runs' anchors
# beyond it show the cut
cut=$(q "$TMP/hw.db" "SELECT audit_seq FROM runs WHERE kind = 'import'")
variant tail "DELETE FROM audit_log WHERE seq >= $cut"
expect_rc 0 "$ROOT/.build/audit_verify" "$TMP/tail.db"
contains "$TMP/out" "intact"
verify_bad "$TMP/tail.db" "$cut" "entry $cut is missing: run"
contains "$TMP/err" "the log ends at $((cut - 1)) (its tail was cut)"
ok "a cut tail is found through the anchors (the chain alone still verifies)"

# the newest entry rewritten and its hash recomputed: the chain fits, the
# last scan's anchor does not
variant rewrite ""
/usr/bin/python3 - "$TMP/rewrite.db" <<'PY' || fail "rewriting"
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
seq, at, run, actor, event, detail, prev = db.execute(
    "SELECT seq, at, run_id, actor, event, detail, prev_hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
detail = detail.replace('"new"', '"NEW"') + " "
def field(v):
    b = str(v).encode()
    return str(len(b)).encode() + b":" + b + b","
h = hashlib.sha256(b"hw-audit-2" + b"".join(field(v) for v in (prev, seq, at, run, actor, event, detail))).hexdigest()
db.execute("UPDATE audit_log SET detail = ?, hash = ? WHERE seq = ?", (detail, h, seq))
db.commit()
PY
expect_rc 0 "$ROOT/.build/audit_verify" "$TMP/rewrite.db"
contains "$TMP/out" "intact"
verify_bad "$TMP/rewrite.db" "$n" "entry $n: run"
contains "$TMP/err" "recorded the head"
ok "a rewritten newest entry with a recomputed hash is found through its anchor"

# the original still verifies; a usage error is not a verdict
expect_rc 0 $HWC verify --audit
expect_rc 2 $HWC verify --audit some-bundle
ok "the untouched store still verifies"
