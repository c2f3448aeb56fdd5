#!/bin/sh
# test_crash_recovery.sh - what a dead writer leaves behind is accepted
# or cleaned up by the next command (issue 16, crash safety):
#   - a new store whose first writer died while migrating (here: a file
#     size limit stops it part-way, as a kill or a full disk would) is
#     left without schema, not half-migrated: every reader accepts it as
#     an empty store, and the next writer creates it whole;
#   - a report removes the hidden temporary folders that reports whose
#     process is gone left in its output folder (".FRAMEWORK.tmp-PID-*",
#     ".report-pass-PID-*"), never a live one's, and logs each.
. "$(dirname "$0")/lib.sh"

# ---- a first writer stopped while migrating a new store
DB="$TMP/new.db"
# (SIGXFSZ ignored: a write past the limit fails with EFBIG, as on ENOSPC;
# 400 blocks hold some migrations' pages but not all of them)
( trap '' XFSZ; ulimit -f 400; cd "$ROOT" && exec "$HW" --db "$DB" import /dev/null ) \
    > "$TMP/out" 2> "$TMP/err"
rc=$?
[ "$rc" = 4 ] || { cat "$TMP/out" "$TMP/err"; fail "import on a full disk exited $rc, expected 4"; }
v=$(sqlite3 "$DB" "PRAGMA user_version")
[ "$v" = 0 ] || fail "a failed first migration left the store at schema $v, not 0 (all or nothing)"
expect_rc 0 "$HW" --db "$DB" verify --audit
contains "$TMP/out" "intact, 0 entries"
expect_rc 0 "$HW" --db "$DB" findings
contains "$TMP/err" "0 findings"
expect_rc 0 "$HW" --db "$DB" compliance
[ "$(sqlite3 "$DB" "PRAGMA user_version")" = 0 ] || fail "a reader wrote the store"
expect_rc 0 "$HW" --db "$DB" import /dev/null
expect_rc 0 "$HW" --db "$DB" verify --audit
contains "$TMP/out" "intact, 1 entries"
ok "a store whose first migrations failed is empty, accepted by readers, created by the next writer"

# ---- hidden temporary folders of reports whose process is gone
use_test_creds
start_sim "$ROOT/tests/data/awssim/basic.json"
"$HW" keygen --out "$TMP/keys" > /dev/null 2>&1 || fail "keygen"
cat > "$TMP/hw.json" <<JSON
{"db": "$TMP/hw.db", "aws": {"region": "us-east-1", "max_attempts": 3},
 "organization": {"mode": "aggregator"},
 "report": {"key_file": "$TMP/keys/key.pem", "cert_file": "$TMP/keys/cert.pem"}}
JSON
HWC="$HW --config $TMP/hw.json"
expect_rc 0 $HWC scan
OUT="$TMP/bundles"
mkdir -p "$OUT"
sh -c 'exit 0' & dead=$!
wait "$dead"
sleep 300 & live=$!
for d in ".cis-aws-3.0.0.tmp-$dead-aB3xYz" ".report-pass-$dead-Qw12Er" ".soc2-2017.tmp-$live-aaaaaa" \
         ".cis-aws-3.0.0.tmp-abcdef" ".report-pass-x-$dead-abcdef" "keep-$dead-abcdef"; do
    mkdir "$OUT/$d" && echo partial > "$OUT/$d/report.xml"
done
ln -s "$TMP/keys" "$OUT/.pci-dss-3.2.1.tmp-$dead-symlnk"
expect_rc 0 $HWC report --out "$OUT" --framework cis-aws-3.0.0
kill "$live"
contains "$TMP/err" "removed .cis-aws-3.0.0.tmp-$dead-aB3xYz, the temporary folder of report process $dead, which is gone"
contains "$TMP/err" "removed .report-pass-$dead-Qw12Er"
for d in ".cis-aws-3.0.0.tmp-$dead-aB3xYz" ".report-pass-$dead-Qw12Er"; do
    [ ! -e "$OUT/$d" ] || fail "$d (of a dead report) is left"
done
for d in ".soc2-2017.tmp-$live-aaaaaa" ".cis-aws-3.0.0.tmp-abcdef" ".report-pass-x-$dead-abcdef" "keep-$dead-abcdef"; do
    [ -f "$OUT/$d/report.xml" ] || fail "$d (not a dead report's) was removed"
done
[ -f "$TMP/keys/key.pem" ] || fail "a symbolic link was followed"
[ "$(find "$OUT" -mindepth 1 -maxdepth 1 -name '.*.tmp-*' | wc -l)" = 3 ] || fail "$(ls -a "$OUT")"
ok "a report removes the temporary folders of dead reports, and only those"
