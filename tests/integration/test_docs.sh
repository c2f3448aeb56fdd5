#!/bin/sh
# test_docs.sh - the man page cannot drift: its configuration keys are the
# loader's table (docs/man_config.py --check), it names every environment
# variable the code reads, and has FILES and EXAMPLES; an unknown
# configuration key suggests the nearest; where the catalogue comes from.
. "$(dirname "$0")/lib.sh"
MAN="$ROOT/docs/hubwarden.1"

/usr/bin/python3 "$ROOT/docs/man_config.py" --check "$HW" "$MAN" || fail "man page configuration keys drifted"
# and the check itself notices a drift
cp "$MAN" "$TMP/man.1"
sed -i 's/^\\fBdb\\fR (string/\\fBdatabase\\fR (string/' "$TMP/man.1"
/usr/bin/python3 "$ROOT/docs/man_config.py" --check "$HW" "$TMP/man.1" 2> /dev/null && fail "a drifted key went unnoticed"
ok "every configuration key in the man page, from the loader's table"

# every environment variable the code reads
vars=$(grep -rhoE 'getenv\("[A-Z_]+"\)' "$ROOT/src" | sed 's/getenv("\(.*\)")/\1/' | sort -u)
[ -n "$vars" ] || fail "no getenv found"
sed -n '/^\.SH ENVIRONMENT/,/^\.SH FILES/p' "$MAN" | sed 's/\\//g' > "$TMP/env"
for v in $vars AWS_EC2_METADATA_DISABLED AWS_EC2_METADATA_SERVICE_ENDPOINT AWS_ENDPOINT_URL_; do
    grep -q "$v" "$TMP/env" || fail "man page ENVIRONMENT lacks $v"
done
for s in FILES EXAMPLES CONFIGURATION; do
    grep -q "^\.SH $s" "$MAN" || fail "man page lacks $s"
done
# the three auditor questions, each one command
contains "$MAN" "compliance cis\\-aws\\-3.0.0 \\-\\-requirement 1.14 \\-\\-status FAILED"
contains "$MAN" "compliance pci\\-dss\\-4.0.1 \\-\\-account payments\\-prod"
contains "$MAN" "findings \\-\\-severity CRITICAL \\-\\-untrusted"
contains "$MAN" "docs/deploy/"
ok "environment, FILES, EXAMPLES"

# an unknown key suggests the nearest known one
printf '{"organisation": {"mode": "aggregator"}}' > "$TMP/c.json"
expect_rc 2 "$HW" --config "$TMP/c.json" findings
contains "$TMP/err" "organisation: unknown key (did you mean organization?)"
printf '{"aws": {"regoin": "us-east-1"}}' > "$TMP/c.json"
expect_rc 2 "$HW" --config "$TMP/c.json" findings
contains "$TMP/err" "aws.regoin: unknown key (did you mean aws.region?)"
printf '{"zzzzzzzz": 1}' > "$TMP/c.json"
expect_rc 2 "$HW" --config "$TMP/c.json" findings
not_contains "$TMP/err" "did you mean"
ok "unknown keys suggest the nearest"

# the catalogue: never the current folder; HUBWARDEN_CONTROLS; controls_dir
# first; the folder beside the binary in a build tree; version names it
mkdir -p "$TMP/cwd/controls/frameworks"
echo "not a catalogue" > "$TMP/cwd/controls/controls.xsd"
echo "<broken" > "$TMP/cwd/controls/securityhub-controls.xml"
(cd "$TMP/cwd" && unset HUBWARDEN_CONTROLS && "$HW" version > "$TMP/out" 2>&1) || fail "version in a folder with a stray controls/"
contains "$TMP/out" "catalogue $ROOT/controls (sha256 "
(cd "$TMP/cwd" && unset HUBWARDEN_CONTROLS && "$HW" controls list > "$TMP/out" 2>&1) || fail "a stray ./controls was used: $(cat "$TMP/out")"
cp -R "$ROOT/controls" "$TMP/cat"
HUBWARDEN_CONTROLS="$TMP/cat" expect_rc 0 "$HW" version --output json
[ "$(json_eval "$TMP/out" "d['catalogue']")" = "$TMP/cat" ] || fail "HUBWARDEN_CONTROLS not used"
h1=$(json_eval "$TMP/out" "d['catalogue_sha256']")
"$HW" version --output json > "$TMP/orig.json"
[ "$h1" = "$(json_eval "$TMP/orig.json" "d['catalogue_sha256']")" ] || fail "same files, different hash"
echo "<!-- changed -->" >> "$TMP/cat/frameworks/soc2-2017.xml"
HUBWARDEN_CONTROLS="$TMP/cat" expect_rc 0 "$HW" version --output json
[ "$(json_eval "$TMP/out" "d['catalogue_sha256']")" != "$h1" ] || fail "a changed framework file kept the hash"
printf '{"controls_dir": "%s"}' "$ROOT/controls" > "$TMP/c.json"
HUBWARDEN_CONTROLS="$TMP/cat" expect_rc 0 "$HW" --config "$TMP/c.json" version
contains "$TMP/out" "catalogue $ROOT/controls "
mkdir "$TMP/bin" && cp "$HW" "$TMP/bin/hubwarden"
(cd "$TMP/cwd" && unset HUBWARDEN_CONTROLS && "$TMP/bin/hubwarden" version > "$TMP/out" 2>&1)
contains "$TMP/out" "/share/hubwarden/controls"
not_contains "$TMP/out" "$TMP/cwd"
ok "catalogue lookup"
echo "docs: all checks passed"
