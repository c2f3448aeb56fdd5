#!/bin/sh
# tests/demo.sh - `make demo`: hubwarden's nightly scan against the bundled
# local AWS simulator and a sample Organization (tests/data/awssim/demo.json):
# a management account, an audit account holding the Security Hub
# aggregator, three member accounts in two OUs plus a suspended one, two
# regions.  hubwarden is configured as a user would: a configuration file
# with the endpoint override, and a named profile in an AWS credentials file.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
D="$ROOT/.build/demo"
rm -rf "$D"
mkdir -p "$D"
SIM_PID=
cleanup() { [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

/usr/bin/python3 tests/awssim/awssim.py --scenario tests/data/awssim/demo.json \
    --port-file "$D/port" --models "$ROOT/.build/models" --quiet > "$D/awssim.log" 2>&1 &
SIM_PID=$!
i=0
while [ ! -s "$D/port" ]; do
    i=$((i + 1)); [ $i -gt 200 ] && { cat "$D/awssim.log"; echo "demo: the simulator did not start"; exit 1; }
    sleep 0.05
done
PORT=$(cat "$D/port")

cat > "$D/credentials" <<INI
[hubwarden-demo]
aws_access_key_id = AKIAHUBWARDENDEMO001
aws_secret_access_key = demosecretdemosecretdemosecretdemo00001
INI
cat > "$D/hubwarden.json" <<JSON
{
  "db": "$D/hubwarden.db",
  "aws": { "region": "us-east-1", "profile": "hubwarden-demo", "endpoint_url": "http://127.0.0.1:$PORT" },
  "organization": { "mode": "aggregator", "role_name": "HubwardenAudit",
                    "regions": ["us-east-1", "eu-west-1"] },
  "scan": { "aggregator_account": "222222222222", "aggregator_region": "us-east-1",
            "member_controls": true }
}
JSON
export AWS_SHARED_CREDENTIALS_FILE="$D/credentials" AWS_CONFIG_FILE="$D/config" AWS_EC2_METADATA_DISABLED=true
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL 2>/dev/null || true
export HUBWARDEN_CONFIG="$D/hubwarden.json"

echo "== the simulated Organization listens on 127.0.0.1:$PORT; configuration: $D/hubwarden.json"
echo
echo "== hubwarden scan   (first run: a full pull from the aggregator)"
./hubwarden scan
echo
echo "== hubwarden scan   (second run: incremental, only what changed)"
./hubwarden scan
echo
echo "== hubwarden controls coverage"
./hubwarden controls coverage
echo
echo "== hubwarden findings --severity critical,high --status FAILED --sort severity --limit 8"
./hubwarden findings --severity critical,high --status FAILED --sort severity --limit 8
echo
echo "== what fails PCI DSS 4.0.1 in one account, by resource"
./hubwarden findings --framework pci-dss-4.0.1 --account payments-prod --status FAILED --group-by resource --limit 5
echo
echo "== a filter value hubwarden does not know is an error with a suggestion (exit 2)"
./hubwarden findings --framework cis_3.0_aws || true
echo
echo "== untrusted findings are stored and reported, never acted on"
./hubwarden findings --untrusted --output jsonl | /usr/bin/python3 -c '
import json, sys
for line in sys.stdin:
    f = json.loads(line)
    print("  %s: %s" % (f["id"], f["untrusted_reason"]))'
echo
echo "demo: done (evidence store: $D/hubwarden.db)"
