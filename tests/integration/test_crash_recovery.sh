#!/bin/sh
# test_crash_recovery.sh - what a dead writer leaves behind is accepted
# or cleaned up by the next command (issue 16, crash safety):
#   - a new store whose first writer died while migrating (here: a file
#     size limit stops it part-way, as a kill or a full disk would) is
#     left without schema, not half-migrated: every reader accepts it as
#     an empty store, and the next writer creates it whole;
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
