#!/bin/sh
# tests/demo.sh - `make demo`: hubwarden's nightly scan against the bundled
# local AWS simulator and a sample Organization (tests/data/awssim/demo.json):
# a management account, an audit account holding the Security Hub
# aggregator and the AWS Config aggregator, three member accounts in two
# OUs plus a suspended one, two regions.  hubwarden is configured as a user
# would: a configuration file with the endpoint override, and a named
# profile in an AWS credentials file.  Between the second and the third
# scan someone suppresses the sandbox account's failures in Security Hub
# (BatchUpdateFindings, with awscli), and the demo shows a PARTIAL, a
# SUPPRESSED and a NO_DATA requirement with their reasons.
# Then a development signing key, the signed evidence bundles, their
# verification, and the stock-tool commands an auditor runs; then
# remediation on a second Organization with real resources.
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
  "evaluation": { "config_aggregator": "OrgAggregator" },
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
echo "== hubwarden findings --severity critical,high --status FAILED --sort severity --limit 8"
./hubwarden findings --severity critical,high --status FAILED --sort severity --limit 8
echo
echo "== what fails PCI DSS 4.0.1 in one account, by resource"
./hubwarden findings --framework pci-dss-4.0.1 --account payments-prod --status FAILED --group-by resource --limit 5
echo
echo "== hubwarden compliance   (every framework: pass rate and account x requirement pairs)"
./hubwarden compliance
echo
echo "== hubwarden compliance pci-dss-4.0.1 --account payments-prod --status FAILED"
./hubwarden compliance pci-dss-4.0.1 --account payments-prod --status FAILED
echo
echo "== which accounts fail CIS 3.0 requirement 1.14, and since when (with the evidence)"
COLUMNS=${COLUMNS:-140} ./hubwarden compliance cis-aws-3.0.0 --requirement 1.14 --status FAILED
echo
echo "== a filter value hubwarden does not know is an error with a suggestion (exit 2)"
./hubwarden findings --framework cis_3.0_aws || true
./hubwarden compliance cis-aws-3.0.0 --requirement 1.144 || true
echo
echo "== untrusted findings are stored and reported, never acted on"
./hubwarden findings --untrusted --output jsonl | /usr/bin/python3 -c '
import json, sys
for line in sys.stdin:
    f = json.loads(line)
    print("  %s: %s" % (f["id"], f["untrusted_reason"]))'
echo
echo "== someone allowed to call BatchUpdateFindings suppresses the sandbox's failures"
./hubwarden findings --account 666666666666 --status FAILED --product securityhub --json > "$D/sandbox.json"
/usr/bin/python3 - "$D/sandbox.json" "$D" <<'PY'
import json, sys
fs = json.load(open(sys.argv[1]))
arn = "arn:aws:securityhub:us-east-1::product/aws/securityhub"
for n, i in enumerate(range(0, len(fs), 100)):
    ids = [{"Id": f["id"], "ProductArn": arn.replace("us-east-1", f["region"])} for f in fs[i:i + 100]]
    json.dump({"FindingIdentifiers": ids, "Workflow": {"Status": "SUPPRESSED"},
               "Note": {"Text": "sandbox: not our problem", "UpdatedBy": "dev-lead@example.com"}},
              open("%s/suppress-%d.json" % (sys.argv[2], n), "w"))
print("  %d FAILED findings of 666666666666 to suppress" % len(fs))
PY
for f in "$D"/suppress-*.json; do
    AWS_PAGER= AWS_DATA_PATH="$ROOT/.build/models" aws --profile hubwarden-demo --region us-east-1 \
        --endpoint-url "http://127.0.0.1:$PORT" securityhub batch-update-findings \
        --cli-input-json "file://$f" > /dev/null
done
echo
# BatchUpdateFindings leaves UpdatedAt alone (as AWS documents), so an
# incremental scan sees a suppression when Security Hub next evaluates the
# control; --full reads every active finding now.
echo "== hubwarden scan --full   (third run: the suppressions come in; they are not passes)"
./hubwarden scan --full
echo
echo "== statuses and their reasons (newest evaluation, from the evidence store)"
sqlite3 -json "$D/hubwarden.db" "SELECT framework, requirement, account_id, status, evidence
    FROM evaluations WHERE run_id = (SELECT run_id FROM eval_runs ORDER BY seq DESC LIMIT 1)
    AND status IN ('PARTIAL', 'SUPPRESSED', 'NO_DATA') ORDER BY framework, requirement, account_id" |
/usr/bin/python3 -c '
import json, sys
rows = json.load(sys.stdin)
shown = set()
for want in ("PARTIAL", "SUPPRESSED", "NO_DATA"):
    for r in rows:
        if r["status"] != want:
            continue
        ev = json.loads(r["evidence"])
        print("  %-10s %s %s in %s" % (want, r["framework"], r["requirement"], r["account_id"]))
        for c in ev["controls"]:
            if c["class"] in ("NO_DATA", "PARTIAL"):
                regions = " (disabled in %s)" % ", ".join(c["disabled_in"]) if c.get("disabled_in") else ""
                print("             %s %s: %s%s" % (c["control"], c["class"], c.get("reason", ""), regions))
            elif c["class"] == "SUPPRESSED":
                f = next(f for f in c["findings"] if f["workflow"] == "SUPPRESSED")
                print("             %s suppressed %s by %s: \"%s\"" % (c["control"], f["suppressed_at"],
                      f["note"]["updated_by"], f["note"]["text"]))
            else:
                print("             %s %s" % (c["control"], c["class"]))
        shown.add(want)
        break
missing = {"PARTIAL", "SUPPRESSED", "NO_DATA"} - shown
if missing:
    sys.exit("demo: no %s requirement to show" % ", ".join(sorted(missing)))
'

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

echo "== hubwarden gate   (what CI runs: exit 1 while a critical control stays failed)"
gate_rc=0
./hubwarden gate --junit "$D/gate-junit.xml" || gate_rc=$?
echo "   gate exit status: $gate_rc (0 passes, 1 fails, 2 stale evidence); JUnit report: $D/gate-junit.xml"
echo

# Remediation: a second simulated Organization whose accounts hold real
# resources matching its findings (tests/data/awssim/remedy.json), and a
# policy with some controls auto and some needing approval.
kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null || true
R="$D/remedy"
mkdir -p "$R"
/usr/bin/python3 tests/awssim/awssim.py --scenario tests/data/awssim/remedy.json \
    --port-file "$R/port" --models "$ROOT/.build/models" --quiet > "$R/awssim.log" 2>&1 &
SIM_PID=$!
i=0
while [ ! -s "$R/port" ]; do
    i=$((i + 1)); [ $i -gt 200 ] && { cat "$R/awssim.log"; echo "demo: the simulator did not start"; exit 1; }
    sleep 0.05
done
cat > "$R/credentials" <<INI
[hubwarden-demo]
aws_access_key_id = AKIAHUBWARDENTEST001
aws_secret_access_key = testsecretkeytestsecretkey0000000000001
INI
cat > "$R/hubwarden.json" <<JSON
{
  "db": "$R/hubwarden.db",
  "aws": { "region": "us-east-1", "profile": "hubwarden-demo", "endpoint_url": "http://127.0.0.1:$(cat "$R/port")" },
  "remediation": {
    "controls": { "S3.8": "auto", "S3.1": "auto", "EC2.19": "auto", "EC2.7": "auto",
                  "IAM.3": "auto", "IAM.8": "approval" },
    "external_id": "hw-remedy-1", "max_share": 0.5, "exclude_ous": ["ou-ab12-sand0001"]
  }
}
JSON
export AWS_SHARED_CREDENTIALS_FILE="$R/credentials" HUBWARDEN_CONFIG="$R/hubwarden.json"
echo
echo "== remediation: a second Organization with real resources; policy: $R/hubwarden.json"
./hubwarden scan > /dev/null
echo
echo "== hubwarden remediate --apply   (auto actions run; the rest wait or are refused, with why)"
./hubwarden remediate --apply > "$R/apply.txt" 2> "$R/apply.err" || echo "(exit $?: some actions failed)"
sed -n '/^apply/,$p' "$R/apply.txt" | cut -c1-170
cut -c1-170 "$R/apply.err"
echo
echo "== awaiting approval"
./hubwarden remediate --json | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
for s in d["skipped"]:
    if s["reason"].startswith("awaiting approval"):
        print("  %s %s %s: %s" % (s["control"], s["account"], s["resource"], s["reason"]))'
ID=$(sqlite3 "$R/hubwarden.db" "SELECT id FROM actions WHERE state = 'pending' AND control_id = 'IAM.3' AND account_id = '333333333333' LIMIT 1")
echo
echo "== hubwarden approve $ID --by alice --reason 'CHG-1234'"
./hubwarden approve "$ID" --by alice --reason "CHG-1234: the key is unused since spring"
echo
echo "== hubwarden remediate --apply --control IAM.3   (the approved action runs)"
./hubwarden remediate --apply --control IAM.3 | sed -n '/^apply/,$p' | cut -c1-170

echo
echo "== hubwarden gate --severity HIGH   (a resource fixed since its last failing observation"
echo "   counts as REMEDIATED until Security Hub evaluates it again)"
gate_rc=0
./hubwarden gate --severity HIGH || gate_rc=$?
echo "   gate exit status: $gate_rc"

# GuardDuty playbooks: the same Organization with GuardDuty findings
# (tests/data/awssim/playbooks.json); every playbook needs approval by default.
kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null || true
G="$D/playbooks"
mkdir -p "$G"
/usr/bin/python3 tests/awssim/awssim.py --scenario tests/data/awssim/playbooks.json \
    --port-file "$G/port" --models "$ROOT/.build/models" --quiet > "$G/awssim.log" 2>&1 &
SIM_PID=$!
i=0
while [ ! -s "$G/port" ]; do
    i=$((i + 1)); [ $i -gt 200 ] && { cat "$G/awssim.log"; echo "demo: the simulator did not start"; exit 1; }
    sleep 0.05
done
cat > "$G/hubwarden.json" <<JSON
{
  "db": "$G/hubwarden.db",
  "aws": { "region": "us-east-1", "profile": "hubwarden-demo", "endpoint_url": "http://127.0.0.1:$(cat "$G/port")" },
  "remediation": { "external_id": "hw-remedy-1" }
}
JSON
export HUBWARDEN_CONFIG="$G/hubwarden.json"
echo
echo "== GuardDuty playbooks: policy $G/hubwarden.json (remediation.playbooks: all approval)"
./hubwarden scan > /dev/null
echo
echo "== hubwarden remediate --control iam-credential-exposure   (planned, pending approval)"
./hubwarden remediate --control iam-credential-exposure > "$G/plan.txt"
sed -n '1,7p' "$G/plan.txt" | cut -c1-170
GID=$(sqlite3 "$G/hubwarden.db" "SELECT id FROM actions WHERE state = 'pending' AND resource = 'AWS::IAM::AccessKey:AKIADEVALICEKEY00001' LIMIT 1")
echo
echo "== hubwarden approve $GID --by alice --reason 'IR-77'"
./hubwarden approve "$GID" --by alice --reason "IR-77: dev-alice's key used from outside AWS"
echo
echo "== hubwarden remediate --apply --control iam-credential-exposure   (the approved action runs)"
./hubwarden remediate --apply --control iam-credential-exposure | sed -n '/^apply/,$p' | cut -c1-170
echo
echo "demo: done (evidence stores: $D/hubwarden.db, $R/hubwarden.db, $G/hubwarden.db; open $B/report.html in a browser)"
