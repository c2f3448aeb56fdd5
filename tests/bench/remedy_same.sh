#!/bin/sh
# tests/bench/remedy_same.sh OLD_HUBWARDEN - proves a change to the plan
# left its output alone: OLD_HUBWARDEN (a build of the commit before, kept
# in this checkout so it finds controls/) and ./hubwarden each plan five
# times over a copy of the same 50,000-finding store (20 accounts, 18 in
# the Organization; two risk acceptances; mixed auto/approval controls and
# playbooks; scope, limits and breaker in play; --control and --account
# runs; approvals and rejections between runs), and every
# `remediate --json` must be byte-identical but for plan ids and the
# audit head.  Not part of `make bench`; exit 1 names the first run that
# differs.
set -eu
cd "$(dirname "$0")/../.."
OLD=$1
B=.build/bench/same
mkdir -p "$B"
export AWS_ACCESS_KEY_ID=AKIAHUBWARDENBENCH01 AWS_SECRET_ACCESS_KEY=benchsecretbenchsecretbenchsecret000001
export AWS_EC2_METADATA_DISABLED=true
if [ ! -s "$B/mid.db" ]; then
    accts=$(/usr/bin/python3 -c "print(','.join('%012d' % (100000000000 + i) for i in range(20)))")
    /usr/bin/python3 tests/awssim/gen_findings.py --count 50000 --seed 7 --accounts "$accts" -o "$B/mid.jsonl"
    echo '[]' > "$B/empty.json"
    rm -f "$B/mid.db.tmp"*
    ./hubwarden -q --db "$B/mid.db.tmp" import "$B/empty.json" > /dev/null 2>&1
    /usr/bin/python3 - "$B/mid.db.tmp" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.executemany("INSERT OR REPLACE INTO accounts (id, name, status, ou_path, in_org) VALUES (?, ?, 'ACTIVE', 'r-ab12', 1)",
              [("%012d" % (100000000000 + i), "m-%d" % i) for i in range(18)])
c.commit()
PY
    ./hubwarden -q --db "$B/mid.db.tmp" import "$B/mid.jsonl" > /dev/null 2>&1
    mv "$B/mid.db.tmp" "$B/mid.db"
    rm -f "$B/mid.db.tmp"*
fi
ctl=$(./hubwarden controls list --output csv 2>/dev/null | /usr/bin/python3 -c "
import csv, sys
rows = [r for r in csv.DictReader(sys.stdin) if r['remediation'] not in ('', '-')]
print(','.join('\"%s\": \"%s\"' % (r['id'], 'approval' if i % 3 == 0 else 'auto') for i, r in enumerate(rows)))")

# plans BIN TAG: the five runs' normalised output in $B/TAG-N.json
plans() {
    bin=$1 tag=$2
    db="$B/$tag.db"
    cp "$B/mid.db" "$db"
    rm -f "$db-wal" "$db-shm"
    cat > "$B/$tag.json" <<JSON
{"db": "$db", "remediation": {"controls": {$ctl}, "max_share": 0.5, "max_actions_per_run": 5000,
 "max_actions_per_account": 150, "exclude_accounts": ["100000000003"], "regions": ["us-east-1", "eu-west-1"],
 "playbooks": {"ec2-compromise": "auto", "iam-credential-exposure": "approval", "s3-exposure": "off",
               "malicious-ip": "auto"}}}
JSON
    h="$bin --config $B/$tag.json"
    $h exempt --control S3.5 --account 100000000001 --until 2030-01-01 --by same --reason t > /dev/null
    r=$(sqlite3 "$db" "SELECT resources FROM findings WHERE account_id = '100000000002'
        AND control_id = 'CloudTrail.4' AND compliance_status = 'FAILED' ORDER BY key LIMIT 1" |
        /usr/bin/python3 -c "import json, sys; print(json.load(sys.stdin)[0])")
    $h exempt --resource "$r" --until 2030-01-01 --by same --reason t > /dev/null
    i=0
    for args in "" "--control EC2.8" "--account 100000000002" "--control malicious-ip" ""; do
        i=$((i + 1))
        # shellcheck disable=SC2086
        $h remediate --json $args 2> /dev/null | /usr/bin/python3 -c "
import json, re, sys
t = sys.stdin.read()
t = t.replace(json.loads(t)['plan'], 'PLAN')
t = re.sub(r'\"audit_head\":.*', '', t)
sys.stdout.write(re.sub(r'\d{8}T\d{6}Z-[0-9a-f]{8}', 'PLAN', t))" > "$B/$tag-$i.json"
        n=0
        for a in $(sqlite3 "$db" "SELECT id FROM actions WHERE state = 'pending'
                   ORDER BY finding_id, product_arn LIMIT 6"); do
            n=$((n + 1))
            if [ $((n % 2)) = 0 ]; then
                $h approve "$a" --offline --by same --reason r > /dev/null 2>&1
            else
                $h approve "$a" --offline --reject --by same --reason r > /dev/null 2>&1
            fi
        done
    done
}
plans "$OLD" old
plans ./hubwarden new
for i in 1 2 3 4 5; do
    if ! cmp -s "$B/old-$i.json" "$B/new-$i.json"; then
        echo "run $i differs:"
        diff "$B/old-$i.json" "$B/new-$i.json" | head -n 20
        exit 1
    fi
done
echo "the same plans: 5 runs, $(cat "$B"/new-*.json | wc -c) bytes of remediate --json"
