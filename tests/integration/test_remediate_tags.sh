#!/bin/sh
# test_remediate_tags.sh - scope by resource tags: remediation.exclude_tags
# and include_tags ("Key" or "Key=Value"), read from the real resource like
# the exemption tag (which still wins): an excluded resource, or one
# without an included tag, is recorded out-of-scope and nothing of it
# changes; account- and region-wide settings carry no tags and are not
# affected; bad entries are errors naming the key path.
. "$(dirname "$0")/lib.sh"
use_test_creds
start_sim "$ROOT/tests/data/awssim/remedy.json"
P=333333333333
D=444444444444
conf() { # FILE EXTRA-REMEDIATION-KEYS
    cat > "$1" <<JSON
{"db": "$TMP/hw.db", "controls_dir": "$ROOT/controls", "aws": {"region": "us-east-1", "max_attempts": 2},
 "remediation": {"external_id": "hw-remedy-1", "exclude_ous": ["ou-ab12-sand0001"], "max_share": 1,
                 "allow_disruptive_auto": true, $2}}
JSON
}
snapshot() { sim_get /_awssim/resources > "$TMP/$1.json"; }
changes() {
    /usr/bin/python3 - "$TMP/$1.json" "$TMP/$2.json" <<'PY'
import json, sys
def flat(d, p=""):
    out = {}
    if isinstance(d, dict):
        for k, v in d.items():
            out.update(flat(v, p + "/" + k))
    elif isinstance(d, list):
        for i, v in enumerate(d):
            out.update(flat(v, "%s/%d" % (p, i)))
    else:
        out[p] = d
    return out
a, b = (flat(json.load(open(f))) for f in sys.argv[1:3])
for k in sorted(set(a) | set(b)):
    if a.get(k, "<none>") != b.get(k, "<none>"):
        print("%s: %s -> %s" % (k, a.get(k, "<none>"), b.get(k, "<none>")))
PY
}

# bad entries name the key path
conf "$TMP/bad.json" '"include_tags": ["team", "=shop"]'
expect_rc 2 $HW --config "$TMP/bad.json" findings
contains "$TMP/err" 'remediation.include_tags[1]: "=shop" is not a tag, "Key" or "Key=Value"'
conf "$TMP/bad.json" '"exclude_tags": "team"'
expect_rc 2 $HW --config "$TMP/bad.json" findings
contains "$TMP/err" 'remediation.exclude_tags'
expect_rc 0 $HW help config
contains "$TMP/out" "remediation.include_tags"
contains "$TMP/out" "remediation.exclude_tags"
ok "bad tag entries are errors naming the key path; both keys documented"

# exclude: S3.4 leaves prod-unencrypted (team=data) alone, fixes 444's
# untagged bucket; the exemption tag still wins
conf "$TMP/ex.json" '"controls": {"S3.4": "auto"}, "exclude_tags": ["team=data", "owner"]'
expect_rc 0 $HW --config "$TMP/ex.json" scan
snapshot ex.before
expect_rc 0 $HW --config "$TMP/ex.json" remediate --apply --control S3.4
cp "$TMP/out" "$TMP/ex.out"
snapshot ex.after
contains "$TMP/ex.out" "out-of-scope      $P S3.4 arn:aws:s3:::prod-unencrypted: tag team=data is in remediation.exclude_tags"
contains "$TMP/ex.out" "done              $D S3.4 arn:aws:s3:::dev-unencrypted: verified"
contains "$TMP/ex.out" "exempt            $P S3.4 arn:aws:s3:::prod-exempt: tag hubwarden:exempt=public website, RISK-42"
contains "$TMP/ex.out" "1 out of scope by resource tags"
changes ex.before ex.after > "$TMP/ex.diff"
cat > "$TMP/ex.want" <<EOF
/$D/s3/buckets/dev-unencrypted/encryption: None -> <none>
/$D/s3/buckets/dev-unencrypted/encryption/BucketKeyEnabled: <none> -> False
/$D/s3/buckets/dev-unencrypted/encryption/SSEAlgorithm: <none> -> AES256
EOF
diff "$TMP/ex.want" "$TMP/ex.diff" || fail "exclude_tags: the state changed otherwise than expected"
[ "$(sqlite3 "$TMP/hw.db" "SELECT state FROM actions WHERE resource = 'arn:aws:s3:::prod-unencrypted'")" = out-of-scope ] ||
    fail "the excluded bucket's action should be recorded out-of-scope"
sqlite3 "$TMP/hw.db" "SELECT before_state FROM actions WHERE resource = 'arn:aws:s3:::prod-unencrypted'" > "$TMP/b"
contains "$TMP/b" '"ScopeTags":{"exclude":["team=data"]}'
ok "exclude_tags: the tagged bucket recorded out-of-scope and untouched, the untagged one fixed"

# include: only resources tagged team=shop; account-wide EC2.7 still fixed
conf "$TMP/in.json" '"controls": {"RDS.2": "auto", "EC2.19": "auto", "EC2.7": "auto", "Lambda.1": "auto"}, "include_tags": ["team=shop"]'
snapshot in.before
expect_rc 0 $HW --config "$TMP/in.json" remediate --apply
cp "$TMP/out" "$TMP/in.out"
snapshot in.after
contains "$TMP/in.out" "done              $P RDS.2 arn:aws:rds:us-east-1:$P:db:orders-db: verified"
contains "$TMP/in.out" "exempt            $P RDS.2 arn:aws:rds:us-east-1:$P:db:partner-db"
contains "$TMP/in.out" "done              $P Lambda.1 arn:aws:lambda:us-east-1:$P:function:orders-api: verified"
contains "$TMP/in.out" "out-of-scope      $D EC2.19 arn:aws:ec2:us-east-1:$D:security-group/sg-0b21: no tag of remediation.include_tags (team=shop) on the resource"
contains "$TMP/in.out" "out-of-scope      $P EC2.19 arn:aws:ec2:us-east-1:$P:security-group/sg-0a11: no tag of remediation.include_tags (team=shop)"
contains "$TMP/in.out" "done              $P EC2.7 AWS::::Account:$P: verified"
changes in.before in.after | grep -v "/lambda_functions/orders-api/" > "$TMP/in.diff"
cat > "$TMP/in.want" <<EOF
/$P/regions/us-east-1/db_instances/orders-db/publicly_accessible: True -> False
/$P/regions/us-east-1/ebs_encryption_by_default: False -> True
EOF
diff "$TMP/in.want" "$TMP/in.diff" || fail "include_tags: the state changed otherwise than expected"
ok "include_tags: only team=shop resources and account-wide settings changed; the rest recorded out-of-scope"
expect_rc 0 $HW --config "$TMP/in.json" verify --audit
