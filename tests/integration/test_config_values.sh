#!/bin/sh
# test_config_values.sh - configuration values are refused when the file is
# loaded, naming the key path, exit 2 (before any store or AWS call); and
# results that cannot be written to stdout are an error, exit 4.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
DB="$TMP/c.db"
bad_config() { # JSON EXPECTED-MESSAGE
    printf '%s\n' "$1" > "$TMP/conf.json"
    expect_rc 2 "$HW" --config "$TMP/conf.json" --db "$DB" scan
    contains "$TMP/err" "$TMP/conf.json: $2"
    [ ! -e "$DB" ] || fail "a bad configuration created the store"
}
bad_config '{"aws": {"region": ""}}' 'aws.region: "" is not a region name'
bad_config '{"aws": {"region": "us-east-1\u0007"}}' 'aws.region: "us-east-1\x07" holds a control character'
bad_config '{"scan": {"aggregator_account": "12"}}' 'scan.aggregator_account: "12" is not an account id'
bad_config '{"aws": {"endpoint_url": "not a url"}}' 'aws.endpoint_url: "not a url" is not an http:// or https:// URL'
bad_config '{"organization": {"include_accounts": ["abc"]}}' 'organization.include_accounts[0]: "abc" is not an account id'
bad_config '{"remediation": {"controls": {"S3.8": "auto", "S3.99": "approval"}}}' 'remediation.controls.S3.99: not a control of the catalogue'
# the same check for every command that reads the configuration
expect_rc 2 "$HW" --config "$TMP/conf.json" --db "$DB" findings
contains "$TMP/err" "remediation.controls.S3.99"
printf '{"remediation": {"controls": {"S3.8": "auto"}}}\n' > "$TMP/conf.json"
expect_rc 0 "$HW" --config "$TMP/conf.json" controls show S3.8
ok "bad values refused at load, by key path"

# ---- stdout that cannot be written: exit 4 with a message
/usr/bin/python3 "$ROOT/tests/awssim/gen_findings.py" --count 20 --seed 3 -o "$TMP/f.jsonl"
for args in "import $TMP/f.jsonl" "findings" "findings --json" "controls list" "help" "version"; do
    # shellcheck disable=SC2086
    "$HW" --db "$DB" $args > /dev/full 2> "$TMP/err"
    rc=$?
    [ "$rc" = 4 ] || { cat "$TMP/err"; fail "'$args >/dev/full' exited $rc, expected 4"; }
    contains "$TMP/err" "cannot write the results to standard output"
done
# a closed stdout too
"$HW" --db "$DB" findings >&- 2> "$TMP/err"
rc=$?
[ "$rc" = 4 ] || fail "'findings >&-' exited $rc, expected 4"
ok "output errors are errors"

# the region from --region, AWS_REGION, AWS_DEFAULT_REGION or the profile is
# checked as aws.region is (exit 2, naming where it came from)
expect_rc 2 "$HW" --region 'us-east-1;x' --db "$DB" findings
contains "$TMP/err" '--region: "us-east-1;x" is not a region name'
expect_rc 2 env AWS_REGION='eu west' "$HW" --db "$DB" scan
contains "$TMP/err" 'AWS_REGION: "eu west" is not a region name'
ok "--region and AWS_REGION are checked as aws.region is"
