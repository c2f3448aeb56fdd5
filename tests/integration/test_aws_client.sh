#!/bin/sh
# test_aws_client.sh - the AWS client (src/aws) against the simulator, call
# by call, through tests/integration/aws_client_test.c: GetCallerIdentity,
# Organizations and the OU tree, AssumeRole and isolation between member
# accounts, GetFindings pagination, BatchUpdateFindings, wrong and unknown
# keys (one attempt, a clear error), throttling, resets and truncated
# bodies (retried), a body truncated every time (a clear error), the other
# protocols' signing (IAM, EC2, KMS, GuardDuty), and the credential
# sources that speak HTTP (IMDSv2, ECS, web identity, assumed profile).
. "$(dirname "$0")/lib.sh"

# ------------------------------------------------------------ the driver
# Built by `make .build/aws_client_test` when the GNUmakefile has the rule;
# otherwise compiled here from the library objects `make` already built.
B="$ROOT/.build"
DRIVER="$B/aws_client_test"
if (cd "$ROOT" && make -n .build/aws_client_test >/dev/null 2>&1); then
    (cd "$ROOT" && make --no-print-directory -s .build/aws_client_test) || fail "building the driver"
else
    DRIVER="$TMP/aws_client_test"
    PKGS="libcurl libxml-2.0 libcjson openssl inih"
    objs=$(ls "$B"/obj/src/aws/*.o "$B"/obj/src/util/*.o 2>/dev/null)
    [ -n "$objs" ] || fail "no library objects in $B/obj: run make first"
    # shellcheck disable=SC2046,SC2086
    cc -std=c11 -D_GNU_SOURCE -I"$ROOT/src" -Wall -Wextra -Werror -DHW_VERSION='"itest"' \
        $(pkg-config --cflags $PKGS) -o "$DRIVER" "$ROOT/tests/integration/aws_client_test.c" \
        $objs $(pkg-config --libs $PKGS) -lpthread -lm || fail "compiling the driver"
fi

run() { # NAME SCENARIO [ARG]: runs the driver; its output in $TMP/out
    name=$1; shift
    "$DRIVER" "$@" > "$TMP/out" 2> "$TMP/err"
    rc=$?
    cat "$TMP/out"
    [ $rc -eq 0 ] || { cat "$TMP/err"; fail "$name"; }
    not_contains "$TMP/out" "$SECRET"
    not_contains "$TMP/err" "$SECRET"
    ok "$name"
}
faults() { sim_post /_awssim/faults "$1" > /dev/null || fail "setting faults $1"; }

SECRET=testsecretkeytestsecretkey0000000000001
use_test_creds
export AWS_REGION=us-east-1
start_sim "$ROOT/tests/data/awssim/basic.json"

run "Organizations, OU paths, suspended accounts" org
run "AssumeRole per account, isolation, refused roles" assume

run "GetFindings pagination, BatchUpdateFindings" findings
want=$(sim_get /_awssim/state > "$TMP/state.json" && json_eval "$TMP/state.json" \
    "sum(1 for f in d['findings'] if f.get('Region') in ('us-east-1', 'eu-west-1'))")
contains "$TMP/out" "findings=$want "

run "protocols: IAM, EC2, KMS, GuardDuty signed as AWS checks them" protocols

# ------------------------------------------------------------ bad keys
AWS_SECRET_ACCESS_KEY=wrongsecretwrongsecretwrongsecret00000001 run "a wrong secret key" badkey
sim_post /_awssim/reset-stats '{}' > /dev/null
AWS_ACCESS_KEY_ID=AKIANOSUCHKEY0000001 run "an unknown access key" unknownkey
sim_get /_awssim/stats > "$TMP/stats.json"
[ "$(json_eval "$TMP/stats.json" "sum(d['status'].values())")" = 1 ] || \
    fail "an unknown key was retried: $(cat "$TMP/stats.json")"

# ------------------------------------------------------------ faults
# the simulator draws one fault a request (rates add up); 8 attempts a call
# leave about 1 in 10,000 rounds to chance
faults '{"throttle": 0.25}'
run "throttling is retried until it succeeds" retry 8
faults '{"http503": 0.2, "http500": 0.1}'
run "5xx is retried until it succeeds" retry 8
faults '{"reset": 0.3}'
run "connection resets are retried" retry 8
faults '{"truncate": 0.3}'
run "truncated bodies are retried" retry 8
faults '{"truncate": 1.0}'
run "a body truncated every time is a clear error" fail-transport
faults '{}'

# ------------------------------------------------- credentials over HTTP
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT="$SIM_URL" \
    run "credentials from EC2 instance metadata (IMDSv2)" whoami \
    "arn:aws:sts::222222222222:assumed-role/HubwardenInstance/"
AWS_CONTAINER_CREDENTIALS_FULL_URI="$SIM_URL/_awssim/ecs-creds" \
    AWS_CONTAINER_AUTHORIZATION_TOKEN=ecs-auth-token-0123456789 \
    run "credentials from the ECS container endpoint" whoami \
    "arn:aws:sts::222222222222:assumed-role/HubwardenTask/ecs-task"
printf 'eyJ.test-web-identity-token.sig\n' > "$TMP/web-token"
AWS_WEB_IDENTITY_TOKEN_FILE="$TMP/web-token" \
    AWS_ROLE_ARN=arn:aws:iam::222222222222:role/HubwardenAudit AWS_ROLE_SESSION_NAME=hw-itest-web \
    run "credentials from web identity" whoami \
    "arn:aws:sts::222222222222:assumed-role/HubwardenAudit/hw-itest-web"
mkdir -p "$TMP/.aws"
cat > "$TMP/.aws/credentials" <<INI
[base]
aws_access_key_id = AKIAHUBWARDENTEST001
aws_secret_access_key = $SECRET
INI
cat > "$TMP/.aws/config" <<INI
[profile member]
role_arn = arn:aws:iam::333333333333:role/HubwardenAudit
source_profile = base
external_id = hw-ext-1
role_session_name = hw-itest-profile
INI
AWS_PROFILE=member run "credentials from a profile's role_arn and source_profile" whoami \
    "arn:aws:sts::333333333333:assumed-role/HubwardenAudit/hw-itest-profile"
exit 0
