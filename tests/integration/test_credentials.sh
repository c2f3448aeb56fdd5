#!/bin/sh
# test_credentials.sh - every source of the credential chain, for real,
# against the simulator: profile with role_arn + source_profile (and
# external_id), credential_process, web identity, ECS container
# credentials, EC2 instance metadata (IMDSv2).  Each run must reach
# Security Hub as the expected principal and never print a secret.
. "$(dirname "$0")/lib.sh"
use_test_creds
start_sim "$ROOT/tests/data/awssim/basic.json" --no-rate-limit
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
SECRET=testsecretkeytestsecretkey0000000000001
cat > "$TMP/hw.json" <<JSON
{"db": "$TMP/hw.db", "aws": {"region": "us-east-1", "max_attempts": 2}}
JSON
run_scan() { # NAME EXPECTED-PRINCIPAL [env assignments...]
    name=$1; want=$2; shift 2
    env "$@" "$HW" --config "$TMP/hw.json" -v scan > "$TMP/out" 2> "$TMP/err" || {
        cat "$TMP/err"; fail "$name: scan failed"; }
    contains "$TMP/err" "scanning as $want"
    not_contains "$TMP/err" "$SECRET"
    ok "$name"
}

mkdir -p "$TMP/.aws"
cat > "$TMP/.aws/credentials" <<INI
[base]
aws_access_key_id = AKIAHUBWARDENTEST001
aws_secret_access_key = $SECRET
INI
cat > "$TMP/.aws/config" <<INI
[profile audit]
role_arn = arn:aws:iam::333333333333:role/HubwardenAudit
source_profile = base
external_id = hw-ext-1
role_session_name = hw-profile-test
[profile process]
credential_process = /bin/sh -c 'printf "{\\"Version\\": 1, \\"AccessKeyId\\": \\"AKIAHUBWARDENTEST001\\", \\"SecretAccessKey\\": \\"$SECRET\\"}"'
INI
run_scan "profile with source_profile" "arn:aws:sts::333333333333:assumed-role/HubwardenAudit/hw-profile-test" AWS_PROFILE=audit
run_scan "credential_process" "arn:aws:iam::222222222222:user/hubwarden" AWS_PROFILE=process
printf 'eyJ.test-web-identity-token.sig\n' > "$TMP/token"
run_scan "web identity" "arn:aws:sts::222222222222:assumed-role/HubwardenAudit/" \
    AWS_WEB_IDENTITY_TOKEN_FILE="$TMP/token" AWS_ROLE_ARN=arn:aws:iam::222222222222:role/HubwardenAudit
run_scan "ECS container credentials" "arn:aws:sts::222222222222:assumed-role/HubwardenTask/ecs-task" \
    AWS_CONTAINER_CREDENTIALS_FULL_URI="$SIM_URL/_awssim/ecs-creds" \
    AWS_CONTAINER_AUTHORIZATION_TOKEN=ecs-auth-token-0123456789
run_scan "EC2 instance metadata (IMDSv2)" "arn:aws:sts::222222222222:assumed-role/HubwardenInstance/" \
    AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT="$SIM_URL"

# a wrong ECS token is a clear error naming the source
env AWS_CONTAINER_CREDENTIALS_FULL_URI="$SIM_URL/_awssim/ecs-creds" AWS_CONTAINER_AUTHORIZATION_TOKEN=wrong-token \
    "$HW" --config "$TMP/hw.json" scan > "$TMP/out" 2> "$TMP/err" && fail "wrong ECS token accepted"
contains "$TMP/err" "container credentials: HTTP 401"
# a FULL_URI that is neither https nor loopback is refused
env AWS_CONTAINER_CREDENTIALS_FULL_URI="http://example.com/creds" "$HW" --config "$TMP/hw.json" scan > "$TMP/out" 2> "$TMP/err" && fail "remote http container URI accepted"
contains "$TMP/err" "only https or a loopback/ECS address"
ok "credential errors"
echo "credentials: all checks passed"
