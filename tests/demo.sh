#!/bin/sh
# tests/demo.sh - `make demo`: hubwarden's nightly scan against the bundled
# local AWS simulator and a sample Organization (tests/data/awssim/demo.json):
# a management account, an audit account holding the Security Hub
# aggregator, three member accounts in two OUs plus a suspended one, two
# regions.  hubwarden is configured as a user would: a configuration file
# with the endpoint override, and a named profile in an AWS credentials file.
# Then a development signing key, the signed evidence bundles, their
# verification, and the stock-tool commands an auditor runs.
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
            "member_controls": true },
  "report": { "key_file": "$D/keys/key.pem", "cert_file": "$D/keys/cert.pem" }
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
echo "== hubwarden findings --severity CRITICAL --status FAILED   (first 8)"
./hubwarden findings --severity CRITICAL --status FAILED 2>/dev/null | head -n 9 | cut -c1-150
echo
echo "== untrusted findings are stored and reported, never acted on"
./hubwarden findings --json | /usr/bin/python3 -c '
import json, sys
for f in json.load(sys.stdin):
    if not f["trusted"]:
        print("  %s: %s" % (f["id"], f["untrusted_reason"]))'
echo
echo "== hubwarden keygen --out $D/keys   (a development signing key and self-signed certificate)"
./hubwarden keygen --out "$D/keys" 2>/dev/null
echo
echo "== hubwarden report --out $D/reports   (one signed bundle per framework)"
./hubwarden report --out "$D/reports" > "$D/bundles"
cat "$D/bundles"
echo
B=$(grep '/cis-aws-3.0.0-' "$D/bundles")
echo "== hubwarden verify --trust $D/keys/cert.pem   (every bundle)"
for b in $(cat "$D/bundles"); do
    ./hubwarden verify --trust "$D/keys/cert.pem" "$b" > "$D/verify.txt"
    echo "  $(basename "$b"): $(grep -c '^ok ' "$D/verify.txt") checks ok"
done
echo
./hubwarden verify --trust "$D/keys/cert.pem" "$B"
echo
echo "== an auditor checks a bundle with stock tools alone (run in $B):"
cat <<CMDS
  xmlsec1 --verify --trusted-pem $D/keys/cert.pem report.xml
  openssl cms -verify -binary -inform DER -in SHA256SUMS.p7s -content SHA256SUMS -CAfile $D/keys/cert.pem -out /dev/null
  sha256sum -c SHA256SUMS
CMDS
echo
(cd "$B" && xmlsec1 --verify --trusted-pem "$D/keys/cert.pem" report.xml 2>&1 | head -n 1 &&
    openssl cms -verify -binary -inform DER -in SHA256SUMS.p7s -content SHA256SUMS \
        -CAfile "$D/keys/cert.pem" -out /dev/null 2>&1 &&
    sha256sum -c SHA256SUMS)
echo
echo "demo: done (evidence store: $D/hubwarden.db; open $B/report.html in a browser)"
