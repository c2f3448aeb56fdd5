#!/bin/sh
# test_shared_store.sh - a store that cron and auditors share: two Unix
# users, the writer (hwtest-cron) and an auditor in its group
# (hwtest-audit).  In the set-group-id folder of the documented layout the
# store, its lock and its WAL files are 0640 (0600 elsewhere); the
# auditor can query from a read-only folder; in a writable folder the
# auditor's query leaves no file of its own, and the next write works.
. "$(dirname "$0")/lib.sh"
skip() { echo "SKIP: $*"; echo "shared store: skipped"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root to create two Unix users"
command -v useradd > /dev/null && command -v setpriv > /dev/null || skip "no useradd or setpriv"
id hwtest-cron > /dev/null 2>&1 || useradd -M -s /usr/sbin/nologin hwtest-cron 2> /dev/null || skip "useradd failed"
id hwtest-audit > /dev/null 2>&1 || useradd -M -s /usr/sbin/nologin -G hwtest-cron hwtest-audit 2> /dev/null || skip "useradd failed"
id -nG hwtest-audit | grep -qw hwtest-cron || usermod -aG hwtest-cron hwtest-audit || skip "usermod failed"
as() { # USER CMD...: runs CMD as USER with its groups; output in $TMP/out, $TMP/err
    u=$1; shift
    setpriv --reuid="$u" --regid="$u" --init-groups env HOME=/nonexistent \
        HUBWARDEN_CONTROLS="$ROOT/controls" "$@" > "$TMP/out" 2> "$TMP/err"
}
mode_of() { stat -c '%a' "$1"; }
chmod 0711 "$TMP"
S="$TMP/store"
mkdir "$S" && chown hwtest-cron:hwtest-cron "$S" && chmod 2750 "$S"
/usr/bin/python3 "$ROOT/tests/awssim/gen_findings.py" --count 300 --seed 9 -o "$TMP/a.jsonl"
/usr/bin/python3 "$ROOT/tests/awssim/gen_findings.py" --count 100 --seed 10 -o "$TMP/b.jsonl"
chmod 0644 "$TMP/a.jsonl" "$TMP/b.jsonl"
DB="$S/hw.db"

as hwtest-cron "$HW" --db "$DB" import "$TMP/a.jsonl" || { cat "$TMP/err"; fail "the writer's import"; }
for f in "$DB" "$DB.lock" "$DB-wal" "$DB-shm"; do
    [ -e "$f" ] || fail "$f missing after a write (the WAL files must stay for readers)"
    [ "$(mode_of "$f")" = 640 ] || fail "$f: mode $(mode_of "$f"), want 640"
done
ok "store, lock and WAL files 0640"

# the auditor, from a read-only folder
ls -l "$S" > "$TMP/before"
as hwtest-audit "$HW" --db "$DB" findings --output json || { cat "$TMP/err"; fail "the auditor cannot query a read-only folder"; }
[ "$(json_eval "$TMP/out" "len(d)")" -gt 0 ] || fail "the auditor saw no findings"
ls -l "$S" > "$TMP/after"
diff "$TMP/before" "$TMP/after" > /dev/null || fail "a read-only query changed the folder: $(diff "$TMP/before" "$TMP/after")"
ok "query from a read-only folder"

# in a writable folder: no file of the auditor's, and the writer goes on
chmod 2770 "$S"
as hwtest-audit "$HW" --db "$DB" findings --output csv || { cat "$TMP/err"; fail "the auditor's query, writable folder"; }
as hwtest-audit "$HW" --db "$DB" findings show "$(head -1 "$TMP/a.jsonl" | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["Id"])')" || { cat "$TMP/err"; fail "findings show"; }
[ -z "$(find "$S" -user hwtest-audit)" ] || fail "the auditor left files: $(find "$S" -user hwtest-audit)"
as hwtest-cron "$HW" --db "$DB" import "$TMP/b.jsonl" || { cat "$TMP/err"; fail "the next write after an auditor's query"; }
ok "writable folder: the auditor leaves nothing, the writer goes on"

# a store without its WAL files (copied, or written before they were kept)
rm -f "$DB-wal" "$DB-shm"
as hwtest-audit "$HW" --db "$DB" findings --output json || { cat "$TMP/err"; fail "query of a store without WAL files"; }
[ -z "$(find "$S" -user hwtest-audit)" ] || fail "the auditor created $(find "$S" -user hwtest-audit)"
as hwtest-cron "$HW" --db "$DB" import "$TMP/b.jsonl" || { cat "$TMP/err"; fail "write after"; }
ok "a store without WAL files"
echo "shared store: all checks passed"
