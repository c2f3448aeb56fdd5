#!/bin/sh
# tests/demo.sh - `make demo`: the whole product in one command, around the
# nightly job `hubwarden run`, against the bundled local AWS simulator and a
# sample Organization (tests/data/awssim/run.json, made by make_run.py):
# six accounts in three OUs, an audit account holding the Security Hub
# aggregator, passing and failing controls of every mapped framework with
# low-severity noise, real resources behind the failing critical controls,
# and GuardDuty findings for the playbooks.  hubwarden is configured as a
# user would: a configuration file (the demo policy: some controls auto,
# some needing approval), a named profile in an AWS credentials file, and a
# freshly generated development signing key.
#
# The first run fixes what the policy allows, leaves the rest awaiting
# approval, writes the signed bundles and shows the gate failing; the
# bundles are verified with stock tools; the pending actions are approved;
# the second run fixes them and the gate passes.  The simulator is stopped
# at the end (and on any exit), and everything lives in .build/demo, made
# afresh each time, so `make demo` can run again at once.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
D="$ROOT/.build/demo"
rm -rf "$D"
mkdir -p "$D"
SIM_PID=
cleanup() { [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

/usr/bin/python3 tests/awssim/awssim.py --scenario tests/data/awssim/run.json \
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
aws_access_key_id = AKIAHUBWARDENTEST001
aws_secret_access_key = testsecretkeytestsecretkey0000000000001
INI
cat > "$D/hubwarden.json" <<JSON
{
  "db": "$D/hubwarden.db",
  "aws": { "region": "us-east-1", "profile": "hubwarden-demo", "endpoint_url": "http://127.0.0.1:$PORT" },
  "organization": { "mode": "aggregator" },
  "scan": { "aggregator_account": "222222222222", "aggregator_region": "us-east-1" },
  "notifications": { "sns_topic_arn": "arn:aws:sns:us-east-1:222222222222:hubwarden-alerts" },
  "remediation": {
    "controls": { "S3.8": "auto", "EC2.19": "auto", "EC2.1": "approval", "RDS.2": "approval" },
    "playbooks": { "s3-exposure": "auto", "iam-credential-exposure": "approval" },
    "external_id": "hw-remedy-1"
  },
  "report": { "key_file": "$D/keys/key.pem", "cert_file": "$D/keys/cert.pem",
              "out_dir": "$D/reports", "frameworks": ["cis-aws-3.0.0", "pci-dss-4.0.1"] }
}
JSON
export AWS_SHARED_CREDENTIALS_FILE="$D/credentials" AWS_CONFIG_FILE="$D/config" AWS_EC2_METADATA_DISABLED=true
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL 2>/dev/null || true
export HUBWARDEN_CONFIG="$D/hubwarden.json"
export COLUMNS=${COLUMNS:-150}

echo "== the simulated Organization listens on 127.0.0.1:$PORT"
echo "   configuration and demo policy: $D/hubwarden.json"
echo "   (S3.8 and EC2.19 auto; EC2.1 and RDS.2 need approval; playbooks: s3-exposure auto,"
echo "    iam-credential-exposure needs approval)"
echo
echo "== hubwarden keygen --out $D/keys   (a fresh development signing key)"
./hubwarden keygen --out "$D/keys" > /dev/null 2>&1
ls -l "$D/keys" | sed -n '2,$p' | sed 's/^/   /'
echo
echo "== hubwarden run   (the nightly job: scan, expire, evaluate, remediate, workflow, report, notify, gate)"
rc=0
./hubwarden run > "$D/run1.txt" || rc=$?
cat "$D/run1.txt"
echo "   exit status: $rc (the gate's verdict is shown, not enforced: add --gate for that)"
echo
R1=$(sed -n 's/^run \([^:]*\):.*/\1/p' "$D/run1.txt")
echo "== what the first run fixed, and what awaits approval (from the evidence store)"
sqlite3 -separator '  ' "$D/hubwarden.db" "SELECT '   ' || state, control_id, account_id, resource, reason
    FROM actions WHERE state IN ('done', 'pending') ORDER BY state, control_id" | cut -c1-170
echo
echo "== what the security team's SNS topic received (one message per run and kind)"
/usr/bin/python3 -c '
import json, sys, urllib.request
d = json.load(urllib.request.urlopen(sys.argv[1]))
for m in d["sns_messages"]:
    print("   %s" % m["Subject"])
    for line in [l for l in m["Message"].splitlines() if l.strip()][1:3]:
        print("     %s" % line[:150])' "http://127.0.0.1:$PORT/_awssim/state"
echo
echo "== where the bundles are"
ls -d "$D"/reports/*/ | sed 's/^/   /'
B=$(ls -d "$D"/reports/cis-aws-3.0.0-* | head -n 1)
echo
echo "== hubwarden verify --trust $D/keys/cert.pem   (every bundle)"
for b in "$D"/reports/*/; do
    ./hubwarden verify --trust "$D/keys/cert.pem" "$b" > "$D/verify.txt"
    echo "   $(basename "$b"): $(grep -c '^ok ' "$D/verify.txt") checks ok"
done
echo
echo "== an auditor checks a bundle with stock tools alone (run in $B):"
cat <<CMDS
   xmlsec1 --verify --trusted-pem $D/keys/cert.pem report.xml
   openssl cms -verify -binary -inform DER -in SHA256SUMS.p7s -content SHA256SUMS -CAfile $D/keys/cert.pem -out /dev/null
   sha256sum -c SHA256SUMS
CMDS
(cd "$B" && xmlsec1 --verify --trusted-pem "$D/keys/cert.pem" report.xml 2>&1 | head -n 1 &&
    openssl cms -verify -binary -inform DER -in SHA256SUMS.p7s -content SHA256SUMS \
        -CAfile "$D/keys/cert.pem" -out /dev/null 2>&1 &&
    sha256sum -c SHA256SUMS) | sed 's/^/   /'
echo
echo "== hubwarden gate --junit $D/gate-junit.xml   (what CI runs: exit 1 while a critical control stays failed)"
gate_rc=0
./hubwarden gate --junit "$D/gate-junit.xml" || gate_rc=$?
echo "   gate exit status: $gate_rc (0 passes, 1 fails, 2 stale evidence)"
[ "$gate_rc" = 1 ] || { echo "demo: the gate should fail before the approvals"; exit 1; }
echo
IDS=$(sqlite3 "$D/hubwarden.db" "SELECT id FROM actions WHERE state = 'pending' ORDER BY id")
echo "== hubwarden approve --list"
./hubwarden approve --list | cut -c1-170
echo
echo "== hubwarden approve $(echo $IDS) --by alice --reason 'CHG-1234'"
# shellcheck disable=SC2086
./hubwarden approve $IDS --by alice --reason "CHG-1234: close the critical findings tonight"
echo
echo "== hubwarden run --gate   (the next night: the approved actions run; exit 1 only if the gate fails)"
rc=0
./hubwarden run --gate > "$D/run2.txt" || rc=$?
cat "$D/run2.txt"
echo "   exit status: $rc"
echo
echo "== hubwarden gate   (now it passes: resources fixed since their last failing observation"
echo "   count as REMEDIATED until Security Hub evaluates them again)"
gate_rc=0
./hubwarden gate || gate_rc=$?
echo "   gate exit status: $gate_rc"
[ "$gate_rc" = 0 ] || { echo "demo: the gate should pass after the approvals"; exit 1; }
echo
echo "== what each run recorded (the store's run_steps table)"
sqlite3 -separator '  ' "$D/hubwarden.db" "SELECT '   ' || run_id, step, status, child_run FROM run_steps
    WHERE run_id = '$R1' ORDER BY seq"
echo
echo "== the auditor's questions: hubwarden compliance, one framework, one requirement"
./hubwarden compliance
echo
./hubwarden compliance cis-aws-3.0.0 --status FAILED | head -n 12
echo
./hubwarden compliance pci-dss-4.0.1 --requirement 1.4.4 --account prod-app
echo
echo "== hubwarden findings --severity critical,high --status FAILED --sort severity --limit 6"
./hubwarden findings --severity critical,high --status FAILED --sort severity --limit 6
echo
echo "== a filter value hubwarden does not know is an error with a suggestion (exit 2)"
./hubwarden findings --framework cis_3.0_aws || true
echo
echo "== hubwarden controls coverage"
./hubwarden controls coverage | head -n 8
echo
echo "== hubwarden verify --audit   (the audit log's hash chain and every run's anchor)"
./hubwarden verify --audit
kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null || true
SIM_PID=
echo
echo "demo: done; the simulator is stopped (evidence store: $D/hubwarden.db; open $B/report.html in a browser)"
