#!/bin/sh
# test_cli.sh - the command line: dispatch, usage errors and exit codes,
# help for every command, and agreement between the command table, the
# man page and README.md.
. "$(dirname "$0")/lib.sh"

expect_rc 0 "$HW" --version
contains "$TMP/out" "hubwarden "
expect_rc 0 "$HW" help
for c in scan import findings compliance controls remediate approve exempt report verify gate run keygen version help; do
    contains "$TMP/out" "  $c "
done
# unknown command / option: one line on stderr, exit 2
expect_rc 2 "$HW" frobnicate
[ "$(wc -l < "$TMP/err")" -eq 1 ] || fail "unknown command: more than one line"
contains "$TMP/err" "'frobnicate' is not a hubwarden command"
expect_rc 2 "$HW" --frobnicate
[ "$(wc -l < "$TMP/err")" -eq 1 ] || fail "unknown option: more than one line"
expect_rc 2 "$HW" version --frobnicate
contains "$TMP/err" "unknown option '--frobnicate'"
expect_rc 2 "$HW" --log-format xml version
contains "$TMP/err" "--log-format"
# no command: the overview, exit 2
expect_rc 2 "$HW"
contains "$TMP/out" "Commands:"

# every command: `help CMD` and `CMD --help` print the same usage (exit 0);
# the man page and README document it and each of its options.
"$HW" help > "$TMP/overview"
cmds=$(sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' "$TMP/overview" | sort -u)
for c in $cmds; do
    expect_rc 0 "$HW" help "$c"
    cp "$TMP/out" "$TMP/h1"
    expect_rc 0 "$HW" "$c" --help
    cmp -s "$TMP/h1" "$TMP/out" || fail "'help $c' and '$c --help' differ"
    contains "$TMP/h1" "usage: hubwarden $c"
    grep -q "^\.SS \"\\{0,1\\}$c\\b" "$ROOT/docs/hubwarden.1" || fail "docs/hubwarden.1 has no section for $c"
    grep -q "^### \`hubwarden $c" "$ROOT/README.md" || fail "README.md has no section for $c"
    for o in $(sed -n 's/^  \(-., \)\{0,1\}--\([a-z-]*\).*/\2/p' "$TMP/h1"); do
        grep -q -- "-\\\\-$o\\|--$o" "$ROOT/docs/hubwarden.1" || fail "docs/hubwarden.1 does not document $c --$o"
    done
done

# exit codes are documented in both
for code in 0 1 2 3 4 5; do
    grep -q "^\.IP $code\$\|^\.TP.*$code" "$ROOT/docs/hubwarden.1" || grep -q "^\\.IP \"\\?$code" "$ROOT/docs/hubwarden.1" || fail "man page: exit code $code"
done
contains "$ROOT/README.md" "| 3 |"

# a bad configuration names the key path and exits 2
printf '{"remediation": {"controls": {"S3.8": "yes"}}}' > "$TMP/bad.json"
expect_rc 2 "$HW" --config "$TMP/bad.json" findings
contains "$TMP/err" 'remediation.controls.S3.8: expected "auto", "approval" or "off"'
expect_rc 2 "$HW" --config "$TMP/missing.json" findings
contains "$TMP/err" "$TMP/missing.json"
HUBWARDEN_CONFIG="$TMP/bad.json" expect_rc 2 "$HW" findings
contains "$TMP/err" "remediation.controls.S3.8"

# every configuration key is documented in README.md
expect_rc 0 "$HW" help config
keys=$(cut -f1 "$TMP/out")
[ -n "$keys" ] || fail "help config printed no keys"
for k in $keys; do
    grep -q "\`$k\`" "$ROOT/README.md" || fail "README.md does not document config key $k"
done
# controls coverage: mapping completeness from the real catalogue, as text
# and as JSON (--json before or after the subcommand); controls show too
expect_rc 0 "$HW" controls coverage
contains "$TMP/out" "CRITICAL and HIGH controls: "
contains "$TMP/out" "goal at most 10%: met"
contains "$TMP/out" "  GuardDuty.5      HIGH     "
not_contains "$TMP/out" "(no reason given)"
for args in "controls coverage --json" "controls --json coverage"; do
    # shellcheck disable=SC2086
    expect_rc 0 "$HW" $args
    /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
m = d["critical_high_mapping"]
assert m["mapped"] + m["unmapped"] == m["controls"] >= 84, m
assert m["goal_met"] and all(u["reason"] for u in m["unmapped_controls"]), m
assert len(d["frameworks"]) == 7, d["frameworks"]
' "$TMP/out" || fail "$args: not the JSON expected"
done
expect_rc 0 "$HW" controls show EC2.19 --json
/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["id"] == "EC2.19" and d["severity"] == "CRITICAL", d
assert any(e["framework"] == "soc2-2017" and e["requirement"] == "CC6.6" and e["source"] for e in d["evidences"]), d
' "$TMP/out" || fail "controls show --json: not the JSON expected"
expect_rc 0 "$HW" controls show EC2.29
contains "$TMP/out" "hipaa-security-rule 164.312(e)(1): "
contains "$TMP/out" "[source: powerpipe-rule]"
echo "cli: all checks passed"
