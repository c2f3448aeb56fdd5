#!/bin/sh
# test_deploy.sh - the deployment kit (docs/deploy/): `make install`
# installs the systemd units, not enabled, pointing at $(PREFIX)/bin; the
# units pass `systemd-analyze verify` and are hardened (`systemd-analyze
# security` exposure at most 2.0, the required options present); the
# crontab and the service run the same command, quietly, without flock;
# logrotate reads its file; the example configuration loads; and a store
# copied by hubwarden-backup while open opens, intact, with its findings.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
D=docs/deploy

# make install (the units part; B= keeps the build's stamps untouched)
make -s install-units DESTDIR="$TMP/root" PREFIX=/opt/hw B="$TMP/b" > "$TMP/make.log" 2>&1 ||
    { cat "$TMP/make.log"; fail "make install-units"; }
U="$TMP/root/opt/hw/lib/systemd/system"
for f in "$U/hubwarden.service" "$U/hubwarden.timer" "$TMP/root/opt/hw/lib/sysusers.d/hubwarden.conf" \
         "$TMP/root/opt/hw/bin/hubwarden-backup" "$TMP/root/opt/hw/share/doc/hubwarden/deploy/crontab"; do
    [ -f "$f" ] || fail "make install did not install $f"
done
contains "$U/hubwarden.service" "ExecStart=/opt/hw/bin/hubwarden -q --log-format json run"
[ -x "$TMP/root/opt/hw/bin/hubwarden-backup" ] || fail "hubwarden-backup is not executable"
[ ! -e "$U/timers.target.wants" ] || fail "make install enabled the timer"
grep -q 'install-units' GNUmakefile && grep -q '^install: hubwarden install-units' GNUmakefile ||
    fail "make install does not install the units"
ok "make install: units under PREFIX/lib/systemd/system, not enabled"

# hardening options that must be there
for o in "User=hubwarden" "ProtectSystem=strict" "StateDirectory=hubwarden" "PrivateTmp=yes" \
         "NoNewPrivileges=yes" "ProtectHome=yes" "CapabilityBoundingSet=" "SystemCallFilter=@system-service" \
         "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" "UMask=0027" "StateDirectoryMode=2750"; do
    grep -qx -- "$o" $D/hubwarden.service || fail "hubwarden.service lacks $o"
done
not_contains $D/hubwarden.service "SuccessExitStatus"
if command -v systemd-analyze >/dev/null 2>&1; then
    # verify needs the ExecStart binary to exist: point it at the build
    mkdir -p "$TMP/units"
    sed "s#/usr/local/bin/hubwarden#$HW#" $D/hubwarden.service > "$TMP/units/hubwarden.service"
    cp $D/hubwarden.timer "$TMP/units/"
    systemd-analyze verify --man=no "$TMP/units/hubwarden.service" "$TMP/units/hubwarden.timer" \
        > "$TMP/verify" 2>&1 || { cat "$TMP/verify"; fail "systemd-analyze verify"; }
    [ ! -s "$TMP/verify" ] || { cat "$TMP/verify"; fail "systemd-analyze verify warned"; }
    if systemd-analyze security --offline=true "$TMP/units/hubwarden.service" > "$TMP/sec" 2>&1; then
        level=$(sed -n 's/.*Overall exposure level for hubwarden.service: \([0-9.]*\).*/\1/p' "$TMP/sec")
        [ -n "$level" ] || { cat "$TMP/sec"; fail "no exposure level"; }
        awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }' || { cat "$TMP/sec"; fail "exposure $level > 2.0"; }
        ok "systemd-analyze verify passes; security exposure $level"
    else
        ok "systemd-analyze verify passes (no offline security check: $(head -n 1 "$TMP/sec"))"
    fi
else
    echo "SKIP: systemd-analyze not installed"
fi

# crontab: the same command as the service, -q, no flock
line=$(grep -v '^#' $D/crontab | grep -E '^[0-9*]' | head -n 1)
[ -n "$line" ] || fail "crontab: no job line"
set -f; set -- $line; set +f
[ "$6" = hubwarden ] || fail "crontab: the job runs as '$6', not hubwarden"
case "$line" in *flock*) fail "crontab uses flock";; esac
case "$line" in *"/usr/local/bin/hubwarden -q run"*) ;; *) fail "crontab: not 'hubwarden -q run': $line";; esac
grep -q '^#30 2 \* \* \* hubwarden .*hubwarden -q --log-format json run 2>&1 | tee -a /var/log/hubwarden/hubwarden.log$' $D/crontab ||
    fail "crontab: no log-file variant"
grep -q '^/var/log/hubwarden/hubwarden.log {' $D/logrotate || fail "logrotate: not the crontab's log file"
if command -v logrotate >/dev/null 2>&1; then
    sed 's/^    su hubwarden hubwarden$//; s/^    create .*$//' $D/logrotate > "$TMP/lr.conf"
    logrotate -d -s "$TMP/lr.state" "$TMP/lr.conf" > "$TMP/lr" 2>&1 || { cat "$TMP/lr"; fail "logrotate -d"; }
    not_contains "$TMP/lr" "error"
else
    echo "SKIP: logrotate not installed (its file is checked by pattern only)"
fi
ok "crontab and service run 'hubwarden -q ... run'; logrotate rotates the cron log"

# the example configuration loads (iam-policy reads it)
expect_rc 0 "$HW" --config $D/hubwarden.json iam-policy
ok "docs/deploy/hubwarden.json is a valid configuration"

# backup: a store copied while a reader holds it open restores intact
use_test_creds
DB="$TMP/store/hubwarden.db"
mkdir -p "$TMP/store" "$TMP/bak"
expect_rc 0 "$HW" --db "$DB" import tests/data/findings/control_failed.json
n=$("$HW" --db "$DB" findings --all --output csv | wc -l)
[ "$n" -gt 1 ] || fail "no finding imported"
sqlite3 "$DB" "BEGIN; SELECT count(*) FROM findings;" > /dev/null
expect_rc 0 sh $D/hubwarden-backup "$DB" "$TMP/bak"
copy=$(cat "$TMP/out")
case "$copy" in "$TMP/bak/hubwarden-"*.db.gz) ;; *) fail "hubwarden-backup printed '$copy'";; esac
[ "$(stat -c %a "$copy")" = 640 ] || fail "the copy is not 0640"
gunzip -c "$copy" > "$TMP/restored.db"
[ "$(sqlite3 "$TMP/restored.db" 'PRAGMA integrity_check')" = ok ] || fail "restored copy damaged"
m=$("$HW" --db "$TMP/restored.db" findings --all --output csv | wc -l)
[ "$m" = "$n" ] || fail "restored store has $m lines of findings, the original $n"
expect_rc 2 sh $D/hubwarden-backup "$TMP/nope.db" "$TMP/bak"
contains "$TMP/err" "no such store"
ok "hubwarden-backup: a consistent copy that opens with its findings"

# README links the kit, the kit links its parts
contains README.md "docs/deploy/README.md"
for f in aws.md ci.md hubwarden.service hubwarden.timer crontab logrotate hubwarden-backup member-roles.stackset.json; do
    contains $D/README.md "$f"
done
ok "README and docs/deploy/README.md link the kit"
