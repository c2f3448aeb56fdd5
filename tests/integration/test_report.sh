#!/bin/sh
# test_report.sh - `hubwarden keygen`, `report` and `verify` on a store
# filled by a simulator scan: bundles that the stock tools (xmlsec1,
# openssl cms, sha256sum, xmllint, xsltproc) check; tampering, removing or
# adding a file caught by each tool where it should be; hostile finding
# text escaped and, in headless Chromium, never run; the schema holding
# for an empty Organization, a framework of manual requirements only and
# the demo Organization; stale scans, readable keys and atomic bundles.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
use_test_creds

# ------------------------------------------------------------ keygen
expect_rc 0 "$HW" keygen --out "$TMP/keys"
[ "$(stat -c %a "$TMP/keys/key.pem")" = 600 ] || fail "key.pem is not mode 0600"
openssl x509 -in "$TMP/keys/cert.pem" -noout -subject > "$TMP/subj" || fail "cert.pem"
contains "$TMP/subj" "hubwarden development"
expect_rc 2 "$HW" keygen --out "$TMP/keys"
contains "$TMP/err" "not overwritten"
expect_rc 0 "$HW" keygen --ec --out "$TMP/eckeys"
openssl pkey -in "$TMP/eckeys/key.pem" -noout -text 2>/dev/null | grep -q "prime256v1\|P-256" || fail "--ec: not P-256"
ok "keygen"

# ------------------------------------------- hostile findings, then a scan
start_sim "$ROOT/tests/data/awssim/basic.json"
/usr/bin/python3 - "$TMP/hostile.json" <<'PY'
import json, sys
hostile = '<script>document.title="PWNED";console.log("PWNED")</script>"><img src=x onerror=document.title="PWNED"> ]]> </style><b>x</b> \x01\x07\x1b[31m end'
def finding(n, account, control, status, workflow, title):
    fid = "arn:aws:securityhub:us-east-1:%s:security-control/%s/finding/hostile-%d" % (account, control, n)
    return {
        "SchemaVersion": "2018-10-08", "Id": fid,
        "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub",
        "ProductName": "Security Hub", "CompanyName": "AWS", "Region": "us-east-1",
        "GeneratorId": "security-control/" + control, "AwsAccountId": account,
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
        "FirstObservedAt": "2026-10-01T08:15:42.118Z", "LastObservedAt": "2026-11-28T08:15:42.118Z",
        "CreatedAt": "2026-10-01T08:15:42.118Z", "UpdatedAt": "2026-11-28T08:15:42.118Z",
        "Severity": {"Label": "CRITICAL", "Normalized": 90, "Original": "CRITICAL"},
        "Title": title, "Description": hostile,
        "Resources": [{"Type": "AwsS3Bucket", "Id": "=HYPERLINK(\"http://x\")", "Partition": "aws", "Region": "us-east-1"},
                      {"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::" + hostile, "Partition": "aws", "Region": "us-east-1"}],
        "Compliance": {"Status": status, "SecurityControlId": control},
        "Workflow": {"Status": workflow}, "RecordState": "ACTIVE"}
# the ingest keeps titles of up to 4096 bytes (a longer one skips the finding)
fs = [finding(1, "333333333333", "S3.8", "FAILED", "NEW", hostile + "A" * 3000),
      finding(2, "333333333333", "S3.8", "FAILED", "SUPPRESSED", "suppressed " + hostile),
      finding(3, "999999999999", "S3.8", "FAILED", "NEW", "untrusted " + hostile + "A" * 3000)]
# more untrusted findings than the HTML lists (200): the cut list must
# render as xsltproc renders the whole document
fs += [finding(100 + k, "999999999999", "S3.8", "FAILED", "NEW", "untrusted %d" % k) for k in range(250)]
json.dump({"add": fs}, open(sys.argv[1], "w"))
PY
sim_post /_awssim/findings "@$TMP/hostile.json" > /dev/null || fail "adding hostile findings"
# 5 attempts: a scan right after another meets the simulator's GetFindings
# bucket (3 a second) still empty; 3 quick attempts may all be throttled
cat > "$TMP/hw.json" <<JSON
{"db": "$TMP/hw.db", "aws": {"region": "us-east-1", "max_attempts": 5},
 "organization": {"mode": "aggregator"},
 "report": {"key_file": "$TMP/keys/key.pem", "cert_file": "$TMP/keys/cert.pem"}}
JSON
HWC="$HW --config $TMP/hw.json"
expect_rc 2 $HWC report --out "$TMP/bundles"
contains "$TMP/err" "no evidence store"
expect_rc 0 $HWC scan

# ------------------------------------------------------ keys and staleness
chmod 644 "$TMP/keys/key.pem"
expect_rc 2 $HWC report --out "$TMP/bundles"
contains "$TMP/err" "readable by others"
[ ! -e "$TMP/bundles" ] || fail "a refused report wrote something"
chmod 600 "$TMP/keys/key.pem"
expect_rc 2 $HWC report --out "$TMP/bundles" --to 2026-01-01T00:00:00Z
contains "$TMP/err" "no completed scan"
cat > "$TMP/hw-stale.json" <<JSON
{"db": "$TMP/hw.db", "report": {"key_file": "$TMP/keys/key.pem", "cert_file": "$TMP/keys/cert.pem",
 "max_age_hours": 1}}
JSON
sqlite3 "$TMP/hw.db" "UPDATE runs SET finished_at = '2000-01-01T00:00:00.000Z', started_at = '2000-01-01T00:00:00.000Z'" || fail "sqlite3"
expect_rc 2 "$HW" --config "$TMP/hw-stale.json" report --out "$TMP/stale" --framework soc2-2017
contains "$TMP/err" "older than report.max_age_hours (1)"
contains "$TMP/err" "--allow-stale"
expect_rc 0 "$HW" --config "$TMP/hw-stale.json" report --out "$TMP/stale" --framework soc2-2017 --allow-stale
ok "refused: readable key, no scan in period, stale scan (unless --allow-stale)"
expect_rc 0 $HWC scan

# --------------------------------------------------------------- bundles
# 100 KB of hostile text where the store can hold it: an account's name
/usr/bin/python3 - "$TMP/hw.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
name = '<script>document.title="PWNED"</script>"><img src=x onerror=alert(1)> ]]> </style>\x02' + "A" * 102400
db.execute("UPDATE accounts SET name = ? WHERE id = '444444444444'", (name,))
db.commit()
PY
expect_rc 0 $HWC report --out "$TMP/bundles"
[ "$(wc -l < "$TMP/out")" = 7 ] || fail "expected 7 bundles, got: $(cat "$TMP/out")"
B=$(grep '/cis-aws-3.0.0-' "$TMP/out")
[ -d "$B" ] || fail "no cis-aws-3.0.0 bundle"
ls "$B" > "$TMP/files"
printf 'SHA256SUMS\nSHA256SUMS.p7s\nfindings.csv\nreport.html\nreport.xml\n' | cmp -s - "$TMP/files" || fail "bundle files: $(cat "$TMP/files")"
ls -a "$TMP/bundles" | grep -q '\.tmp-' && fail "a temporary folder was left behind"
for b in $(cat "$TMP/out"); do
    expect_rc 0 "$HW" verify --trust "$TMP/keys/cert.pem" "$b"
    xmlsec1 --verify --trusted-pem "$TMP/keys/cert.pem" "$b/report.xml" > "$TMP/xs" 2>&1 || { cat "$TMP/xs"; fail "xmlsec1 --verify $b"; }
    openssl cms -verify -binary -inform DER -in "$b/SHA256SUMS.p7s" -content "$b/SHA256SUMS" \
        -CAfile "$TMP/keys/cert.pem" -out /dev/null 2> "$TMP/cms" || { cat "$TMP/cms"; fail "openssl cms -verify $b"; }
    (cd "$b" && sha256sum -c --quiet SHA256SUMS) || fail "sha256sum -c $b"
    xmllint --noout --nonet --schema reports/report.xsd "$b/report.xml" 2> "$TMP/xl" || { cat "$TMP/xl"; fail "xmllint $b"; }
    xsltproc --nonet templates/report.xsl "$b/report.xml" | cmp -s - "$b/report.html" || fail "xsltproc does not reproduce $b/report.html"
done
expect_rc 0 "$HW" verify "$B"
contains "$TMP/out" "ok   xml-signature"
contains "$TMP/out" "ok   cms-signature"
contains "$TMP/out" "ok   sha256sums"
contains "$TMP/out" "ok   schema"
ok "7 bundles: hubwarden verify, xmlsec1, openssl cms, sha256sum -c, xmllint, xsltproc agree"

# the signed XML holds the run id and the audit log's head
run=$(sqlite3 "$TMP/hw.db" "SELECT id FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1")
head=$(sqlite3 "$TMP/hw.db" "SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1")
contains "$B/report.xml" "run=\"$run\""
contains "$B/report.xml" "<audit-log head=\"$head\""
contains "$B/report.xml" 'name="prod-app" ou-names="Root/Prod" ou-path="r-ab12/ou-ab12-prod0001"'
contains "$B/report.xml" '<resource>arn:aws:s3:::&lt;script&gt;document.title="PWNED";console.log("PWNED")&lt;/script&gt;"&gt;&lt;img src=x onerror=document.title="PWNED"&gt; ]]&gt; &lt;/style&gt;&lt;b&gt;x&lt;/b&gt; ���[31m end</resource>'
contains "$B/report.xml" '<untrusted-findings count="251">'
contains "$B/report.html" '51 more in report.xml.'
contains "$B/report.xml" '<open-items count="'
# open critical items first
/usr/bin/python3 - "$B/report.xml" <<'PY' || fail "open items are not most critical first"
import sys, xml.etree.ElementTree as ET
ns = {"h": "urn:hubwarden:report:1"}
items = ET.parse(sys.argv[1]).getroot().findall("h:open-items/h:item", ns)
rank = {"CRITICAL": 5, "HIGH": 4, "MEDIUM": 3, "LOW": 2, "INFORMATIONAL": 1}
r = [rank.get(i.get("severity"), 0) for i in items]
assert items and r == sorted(r, reverse=True) and r[0] == 5, r
PY
ok "run id, audit log head, accounts with OU paths, open critical items first"

# ----------------------------------------------------------- tampering
tamper() { # BUNDLE FILE: flips one byte in the middle of FILE
    /usr/bin/python3 - "$1/$2" <<'PY'
import sys
p = sys.argv[1]
d = bytearray(open(p, "rb").read())
i = d.find(b'status="', len(d) // 3) + 8 if p.endswith(".xml") else len(d) // 2
d[i] ^= 0x01
open(p, "wb").write(bytes(d))
PY
}
fresh() { rm -rf "$TMP/t"; cp -a "$B" "$TMP/t"; }
xs_ok() { xmlsec1 --verify --trusted-pem "$TMP/keys/cert.pem" "$TMP/t/report.xml" > /dev/null 2>&1; }
cms_ok() { openssl cms -verify -binary -inform DER -in "$TMP/t/SHA256SUMS.p7s" -content "$TMP/t/SHA256SUMS" -CAfile "$TMP/keys/cert.pem" -out /dev/null 2> /dev/null; }
sums_ok() { (cd "$TMP/t" && sha256sum -c --quiet SHA256SUMS > /dev/null 2>&1); }

fresh; tamper "$TMP/t" report.xml
expect_rc 1 "$HW" verify "$TMP/t"
contains "$TMP/out" "FAIL xml-signature"
contains "$TMP/err" "xml-signature"
xs_ok && fail "xmlsec1 --verify accepted a changed report.xml"
sums_ok && fail "sha256sum -c accepted a changed report.xml"
cms_ok || fail "openssl cms -verify should still accept the unchanged SHA256SUMS"
ok "one byte of report.xml: verify, xmlsec1 and sha256sum fail; cms holds"

fresh; tamper "$TMP/t" findings.csv
expect_rc 1 "$HW" verify "$TMP/t"
contains "$TMP/err" "sha256sums: findings.csv: SHA-256 differs"
sums_ok && fail "sha256sum -c accepted a changed findings.csv"
xs_ok || fail "xmlsec1 should still accept the unchanged report.xml"
ok "one byte of findings.csv: verify and sha256sum fail"

fresh; tamper "$TMP/t" SHA256SUMS
expect_rc 1 "$HW" verify "$TMP/t"
contains "$TMP/out" "FAIL cms-signature"
cms_ok && fail "openssl cms -verify accepted a changed SHA256SUMS"
ok "one byte of SHA256SUMS: verify and openssl cms fail"

fresh; tamper "$TMP/t" SHA256SUMS.p7s
expect_rc 1 "$HW" verify "$TMP/t"
contains "$TMP/out" "FAIL cms-signature"
cms_ok && fail "openssl cms -verify accepted a changed SHA256SUMS.p7s"
ok "one byte of SHA256SUMS.p7s: verify and openssl cms fail"

fresh; rm "$TMP/t/report.html"
expect_rc 1 "$HW" verify "$TMP/t"
contains "$TMP/err" "report.html: listed in SHA256SUMS but missing"
sums_ok && fail "sha256sum -c accepted a missing file"
fresh; rm "$TMP/t/SHA256SUMS.p7s"
expect_rc 1 "$HW" verify "$TMP/t"
contains "$TMP/err" "SHA256SUMS.p7s missing"
fresh; rm "$TMP/t/report.xml"
expect_rc 1 "$HW" verify "$TMP/t"
contains "$TMP/err" "xml-signature"
ok "a removed file: verify and sha256sum fail"

fresh; echo "extra" > "$TMP/t/notes.txt"
expect_rc 1 "$HW" verify "$TMP/t"
contains "$TMP/err" "notes.txt: not listed in SHA256SUMS"
# the stock-tool check of the README: every file but the two SHA256SUMS is listed
(cd "$TMP/t" && ls | grep -vx 'SHA256SUMS\(\.p7s\)\{0,1\}' | sort > "$TMP/present"; cut -c67- SHA256SUMS | sort > "$TMP/listed")
cmp -s "$TMP/present" "$TMP/listed" && fail "the README's listing check missed an added file"
ok "an added file: verify fails, and so does the README's listing check"

# a signature moved to cover nothing: a Reference to an id instead of the document
fresh
sed -i 's|<Reference URI="">|<Reference URI="#x">|' "$TMP/t/report.xml"
expect_rc 1 "$HW" verify "$TMP/t"
contains "$TMP/out" "FAIL xml-signature"
ok "a changed Reference fails"

# verify streams report.xml and parses only the Signature: a changed
# SignatureValue, or a prolog or tail that is not as written (a DOCTYPE
# could add default attributes outside the digest), each fail
fresh
/usr/bin/python3 - "$TMP/t/report.xml" <<'PY'
import sys
p = sys.argv[1]
d = bytearray(open(p, "rb").read())
i = d.find(b"<SignatureValue>") + len(b"<SignatureValue>") + 10
d[i] = ord("A") if d[i] != ord("A") else ord("B")
open(p, "wb").write(bytes(d))
PY
expect_rc 1 "$HW" verify "$TMP/t"
contains "$TMP/out" "FAIL xml-signature"
contains "$TMP/err" "the signature was changed"
xs_ok && fail "xmlsec1 --verify accepted a changed SignatureValue"
fresh
sed -i '1a <!DOCTYPE report [<!ATTLIST account extra CDATA "injected">]>' "$TMP/t/report.xml"
expect_rc 1 "$HW" verify "$TMP/t"
contains "$TMP/out" "FAIL xml-signature"
fresh
sed -i '1s|^<?xml version="1.0" encoding="UTF-8"?>|<?xml version="1.0"?>|' "$TMP/t/report.xml"
expect_rc 1 "$HW" verify "$TMP/t"
contains "$TMP/err" "does not start with the XML declaration"
fresh
printf '<!-- after -->\n' >> "$TMP/t/report.xml"
expect_rc 1 "$HW" verify "$TMP/t"
contains "$TMP/err" "no enveloped Signature just before the closing"
ok "a changed SignatureValue, a DOCTYPE before the root, text after it: verify fails"

# --trust with another certificate: the chain check fails
expect_rc 1 "$HW" verify --trust "$TMP/eckeys/cert.pem" "$B"
contains "$TMP/out" "FAIL chain"
ok "--trust: an unrelated CA fails the chain check"

# --------------------------------------------------- hostile text, escaped
grep -q '<script>' "$B/report.xml" && fail "report.xml holds a raw <script>"
grep -q '<script' "$B/report.html" && fail "report.html holds a script element"
grep -q '<img' "$B/report.html" && fail "report.html holds an img element"
grep -q '</style><b>' "$B/report.html" && fail "report.html closes its style"
contains "$B/report.html" "&lt;script&gt;document.title"
contains "$B/report.xml" "]]&gt;"
# control characters are replaced, never written
/usr/bin/python3 - "$B/report.xml" "$B/report.html" <<'PY' || fail "control characters in the output"
import sys
for p in sys.argv[1:]:
    d = open(p, "rb").read()
    bad = [c for c in d if c < 0x20 and c not in (9, 10, 13)]
    assert not bad, (p, bad[:5])
    assert "\ufffd".encode() in d or p.endswith(".html"), p
PY
html_size=$(wc -c < "$B/report.html")
/usr/bin/python3 -c 'import sys; sys.exit(0 if "A" * 102400 in open(sys.argv[1]).read() else 1)' "$B/report.xml" ||
    fail "the 100 KB account name is not complete in report.xml"
/usr/bin/python3 -c 'import sys; sys.exit(0 if "A" * 1000 in open(sys.argv[1]).read() else 1)' "$B/report.html" &&
    fail "the 100 KB account name is not cut in report.html"
# CSV: RFC 4180 quoting, formulas defused (resources one a line in their cell)
contains "$B/findings.csv" '"'"'"'=HYPERLINK(""http://x"")'
ok "hostile text escaped in XML, HTML and CSV (report.html: $html_size bytes)"

# ------------------------------------------------ headless Chromium
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
    echo "SKIP: chromium is not installed (make deps installs it): the browser check did not run"
else
    prof=$(mktemp -d /tmp/hwchrome.XXXXXX)
    shot="$ROOT/.build/report-screenshot.png"
    rm -f "$shot"
    flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync --user-data-dir=$prof"
    # shellcheck disable=SC2086
    timeout 120 "$CHROME" $flags --enable-logging=stderr --v=0 --dump-dom "file://$B/report.html" > "$TMP/dom" 2> "$TMP/chrome.err" || { tail -5 "$TMP/chrome.err"; fail "chromium --dump-dom"; }
    # shellcheck disable=SC2086
    timeout 120 "$CHROME" $flags --window-size=1240,1754 --screenshot="$shot" "file://$B/report.html" > /dev/null 2>&1 || fail "chromium --screenshot"
    rm -rf "$prof"
    contains "$TMP/dom" "<title>hubwarden evidence: CIS AWS Foundations Benchmark 3.0.0</title>"
    not_contains "$TMP/dom" "PWNED</title>"
    grep -q '<script' "$TMP/dom" && fail "the DOM holds a script element"
    grep -q '<img' "$TMP/dom" && fail "the DOM holds an img element"
    contains "$TMP/dom" "&lt;script&gt;document.title"
    grep -q 'PWNED' "$TMP/chrome.err" && grep 'PWNED' "$TMP/chrome.err" | grep -qi console && fail "an injected script wrote to the console"
    [ "$(head -c 8 "$shot" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] || fail "no PNG screenshot"
    ok "headless chromium: the title is ours, no injected element, screenshot $shot"
fi

# -------------------------------------------------- schema-valid corners
# an empty Organization: accounts, no findings
/usr/bin/python3 - "$ROOT/tests/data/awssim/basic.json" "$TMP/empty.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["securityhub"].pop("generate", None)
d["securityhub"]["findings"] = []
json.dump(d, open(sys.argv[2], "w"))
PY
kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null; rm -f "$TMP/port"
start_sim "$TMP/empty.json"
mkdir -p "$TMP/ctl"
cp -R controls "$TMP/ctl/"
cat > "$TMP/ctl/controls/frameworks/manual-only.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<framework xmlns="urn:hubwarden:controls:1" id="manual-only" name="Manual only" version="1">
  <source>A test framework: every requirement is manual.</source>
  <requirement id="M.1" title="A policy exists" manual="true">
    <manual-reason>Collect the signed policy document.</manual-reason>
  </requirement>
  <requirement id="M.2" title="Staff are trained" manual="true">
    <manual-reason>Collect the training records of every engineer.</manual-reason>
  </requirement>
</framework>
XML
cat > "$TMP/hw-empty.json" <<JSON
{"db": "$TMP/empty.db", "aws": {"region": "us-east-1", "max_attempts": 3, "endpoint_url": "$SIM_URL"},
 "controls_dir": "$TMP/ctl/controls", "organization": {"mode": "aggregator"},
 "report": {"key_file": "$TMP/eckeys/key.pem", "cert_file": "$TMP/eckeys/cert.pem"}}
JSON
expect_rc 0 "$HW" --config "$TMP/hw-empty.json" scan
expect_rc 0 "$HW" --config "$TMP/hw-empty.json" report --out "$TMP/empty-out"
cp "$TMP/out" "$TMP/empty-list"
[ "$(wc -l < "$TMP/empty-list")" = 8 ] || fail "expected 8 bundles (7 + manual-only)"
for b in $(cat "$TMP/empty-list"); do
    xmllint --noout --nonet --schema reports/report.xsd "$b/report.xml" 2> "$TMP/xl" || { cat "$TMP/xl"; fail "xmllint $b"; }
    xmlsec1 --verify --trusted-pem "$TMP/eckeys/cert.pem" "$b/report.xml" > /dev/null 2>&1 || fail "xmlsec1 (ECDSA) $b"
done
M=$(grep '/manual-only-' "$TMP/empty-list")
expect_rc 0 "$HW" verify "$M"
contains "$M/report.xml" '<manual-requirements count="2">'
contains "$M/report.xml" '<collect>Collect the training records of every engineer.</collect>'
contains "$M/report.xml" '<count n="8" status="MANUAL"></count>'
contains "$M/report.html" "Collect the signed policy document."
E=$(grep '/cis-aws-3.0.0-' "$TMP/empty-list")
contains "$E/report.xml" '<open-items count="0">'
contains "$E/report.xml" '<untrusted-findings count="0">'
ok "schema-valid: an empty Organization, a manual-only framework (ECDSA signatures)"

# the demo Organization
kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null; rm -f "$TMP/port"
start_sim "$ROOT/tests/data/awssim/demo.json"
cat > "$TMP/hw-demo.json" <<JSON
{"db": "$TMP/demo.db", "aws": {"region": "us-east-1", "max_attempts": 3, "endpoint_url": "$SIM_URL"},
 "organization": {"mode": "aggregator", "regions": ["us-east-1", "eu-west-1"]},
 "scan": {"aggregator_account": "222222222222", "aggregator_region": "us-east-1", "member_controls": true},
 "report": {"key_file": "$TMP/keys/key.pem", "cert_file": "$TMP/keys/cert.pem"}}
JSON
AWS_ACCESS_KEY_ID=AKIAHUBWARDENDEMO001 AWS_SECRET_ACCESS_KEY=demosecretdemosecretdemosecretdemo00001 \
    expect_rc 0 "$HW" --config "$TMP/hw-demo.json" scan
expect_rc 0 "$HW" --config "$TMP/hw-demo.json" report --out "$TMP/demo-out" --ou Root/Prod
cp "$TMP/out" "$TMP/demo-list"
D=$(grep '/pci-dss-4.0.1-' "$TMP/demo-list")
for b in $(cat "$TMP/demo-list"); do cat "$b/report.xml"; done | grep -q '<disabled-in>' ||
    fail "no bundle of the demo Organization names a region where a control is disabled"
xmllint --noout --nonet --schema reports/report.xsd "$D/report.xml" 2> "$TMP/xl" || { cat "$TMP/xl"; fail "xmllint demo"; }
contains "$D/report.xml" '<filter kind="ou">Root/Prod</filter>'
# the Organization's id, from DescribeOrganization, beside its root
contains "$D/report.xml" '<organization id="o-demo0example" root="r-demo"></organization>'
contains "$D/report.html" 'o-demo0example'
# the catalogue's hash is the one `hubwarden version` prints for the folder
"$HW" --config "$TMP/hw-demo.json" version > "$TMP/version" 2>&1 || fail "version"
H=$(sed -n 's/^catalogue .* (sha256 \([0-9a-f]\{64\}\))$/\1/p' "$TMP/version")
[ -n "$H" ] || fail "version printed no catalogue hash: $(cat "$TMP/version")"
contains "$D/report.xml" "folder-sha256=\"$H\""
grep -q 'id="111111111111"' "$D/report.xml" && fail "--ou Root/Prod kept the management account"
grep -q '^"111111111111"' "$D/findings.csv" && fail "--ou Root/Prod kept the management account in findings.csv"
grep -q '^"333333333333"' "$D/findings.csv" || fail "findings.csv lost the Prod accounts"
contains "$D/report.xml" 'id="333333333333"'
expect_rc 0 "$HW" verify "$D"
ok "schema-valid: the demo Organization, --ou"
# the trend counts only the selected accounts: its newest run (this scan)
# counts what the summary counts, with --ou and with --account
trend_matches() { # REPORT.XML: the newest trend run's counts = the summary's results
    /usr/bin/python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"r": "urn:hubwarden:report:1"}
root = ET.parse(sys.argv[1]).getroot()
summary = root.find("r:summary", ns)
runs = summary.findall("r:trend/r:run", ns)
last = sum(int(c.get("n")) for c in runs[-1].findall("r:count", ns)) if runs else -1
sys.exit(0 if last == int(summary.get("results")) and last > 0 else "trend %d, results %s" % (last, summary.get("results")))
PY
}
trend_matches "$D/report.xml" || fail "--ou: the trend counts accounts outside the selection"
expect_rc 0 "$HW" --config "$TMP/hw-demo.json" report --out "$TMP/acct-out" --framework pci-dss-4.0.1 --account 333333333333
A=$(cat "$TMP/out")
trend_matches "$A/report.xml" || fail "--account: the trend counts accounts outside the selection"
expect_rc 0 "$HW" --config "$TMP/hw-demo.json" report --out "$TMP/all-out" --framework pci-dss-4.0.1
trend_matches "$(cat "$TMP/out")/report.xml" || fail "the trend of every account"
ok "the trend follows --ou and --account"

# ------------------------------------------------------------ atomic
# a second report of the same run replaces the bundle in one step; another stays
before=$(ls "$TMP/demo-out")
expect_rc 0 "$HW" --config "$TMP/hw-demo.json" report --out "$TMP/demo-out" --framework pci-dss-4.0.1 --ou Root/Prod
[ "$(ls "$TMP/demo-out")" = "$before" ] || fail "a second report changed the folder list"
expect_rc 0 "$HW" verify "$D"
# a report that fails its schema writes nothing and leaves earlier bundles alone
mkdir -p "$TMP/badschema/reports" "$TMP/badschema/templates"
cp -R controls "$TMP/badschema/"
cp templates/report.xsl "$TMP/badschema/templates/"
sed 's|<xs:attribute name="framework" type="xs:string" use="required"/>|<xs:attribute name="framework" type="xs:string" use="required"/><xs:attribute name="required-by-test" type="xs:string" use="required"/>|' \
    reports/report.xsd > "$TMP/badschema/reports/report.xsd"
sed "s|\"db\"|\"controls_dir\": \"$TMP/badschema/controls\", \"db\"|" "$TMP/hw-demo.json" > "$TMP/hw-bad.json"
expect_rc 2 "$HW" --config "$TMP/hw-bad.json" report --out "$TMP/demo-out" --framework soc2-2017
contains "$TMP/err" "failed its schema; nothing written"
# the same with every framework, in parallel worker processes
expect_rc 2 "$HW" --config "$TMP/hw-bad.json" report --out "$TMP/demo-out"
contains "$TMP/err" "failed its schema; nothing written"
[ ! -s "$TMP/out" ] || fail "a failed report printed bundles: $(cat "$TMP/out")"
contains "$TMP/err" "report.xml:2:"
[ "$(ls -a "$TMP/demo-out" | grep -c .)" = 9 ] || fail "a failed report left something: $(ls -a "$TMP/demo-out")"
expect_rc 0 "$HW" verify "$D"
ok "atomic: same-run bundle replaced, failed schema leaves nothing, earlier bundle intact"
# ----------------------------------------- a CA, an intermediate, a leaf
# the chain goes into KeyInfo and the CMS; auditors trust only the root
C="$TMP/ca"
mkdir -p "$C"
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' > "$C/ca.ext"
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n' > "$C/leaf.ext"
{ openssl req -x509 -newkey rsa:2048 -nodes -keyout "$C/root.key" -out "$C/root.pem" -days 2 \
      -subj "/CN=hubwarden test root" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" &&
  openssl req -newkey rsa:2048 -nodes -keyout "$C/int.key" -out "$C/int.csr" -subj "/CN=hubwarden test intermediate" &&
  openssl x509 -req -in "$C/int.csr" -CA "$C/root.pem" -CAkey "$C/root.key" -set_serial 2 -days 2 \
      -extfile "$C/ca.ext" -out "$C/int.pem" &&
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/leaf.key" -out "$C/leaf.csr" \
      -subj "/CN=hubwarden test signer" &&
  openssl x509 -req -in "$C/leaf.csr" -CA "$C/int.pem" -CAkey "$C/int.key" -set_serial 3 -days 2 \
      -extfile "$C/leaf.ext" -out "$C/leaf.pem"; } > "$C/log" 2>&1 || { cat "$C/log"; fail "making a test CA"; }
chmod 600 "$C/leaf.key"
sed "s|\"report\": {[^}]*}|\"report\": {\"key_file\": \"$C/leaf.key\", \"cert_file\": \"$C/leaf.pem\", \"chain_file\": \"$C/int.pem\"}|" \
    "$TMP/hw-demo.json" > "$TMP/hw-chain.json"
contains "$TMP/hw-chain.json" "chain_file"
expect_rc 0 "$HW" --config "$TMP/hw-chain.json" report --out "$TMP/chain-out" --framework soc2-2017
K=$(cat "$TMP/out")
[ "$(grep -o '<X509Certificate>' "$K/report.xml" | wc -l)" = 2 ] || fail "KeyInfo does not carry the leaf and the intermediate"
expect_rc 0 "$HW" verify --trust "$C/root.pem" "$K"
contains "$TMP/out" "ok   chain"
xmlsec1 --verify --trusted-pem "$C/root.pem" "$K/report.xml" > "$TMP/xs" 2>&1 || { cat "$TMP/xs"; fail "xmlsec1 with the root only"; }
openssl cms -verify -binary -inform DER -in "$K/SHA256SUMS.p7s" -content "$K/SHA256SUMS" \
    -CAfile "$C/root.pem" -out /dev/null 2> "$TMP/cms" || { cat "$TMP/cms"; fail "openssl cms with the root only"; }
# trusting the intermediate's issuer is needed: another root fails everywhere
expect_rc 1 "$HW" verify --trust "$TMP/keys/cert.pem" "$K"
xmlsec1 --verify --trusted-pem "$TMP/keys/cert.pem" "$K/report.xml" > /dev/null 2>&1 &&
    fail "xmlsec1 accepted a chain to an untrusted root"
ok "a CA chain: leaf and intermediate in KeyInfo and CMS, checked against the root alone"
echo "report: all checks passed"
