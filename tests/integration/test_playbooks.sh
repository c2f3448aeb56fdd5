#!/bin/sh
# test_playbooks.sh - GuardDuty playbooks end to end against the simulator
# (tests/data/awssim/playbooks.json): planned through the same
# plan/approve/apply machinery as control remediations; with approval
# (the default) nothing changes until approved; after approval exactly the
# expected changes (the whole simulator state diffed); keys that are gone or
# not the finding's, and buckets of another account, are refused; forged
# findings change nothing and are listed with the reason; a second run
# changes nothing; remediation.playbooks turns a playbook off.
. "$(dirname "$0")/lib.sh"
use_test_creds
start_sim "$ROOT/tests/data/awssim/playbooks.json"
cat > "$TMP/hw.json" <<JSON
{"db": "$TMP/hw.db", "controls_dir": "$ROOT/controls", "aws": {"region": "us-east-1", "max_attempts": 2},
 "remediation": {"external_id": "hw-remedy-1"}}
JSON
HWC="$HW --config $TMP/hw.json"
P=333333333333
snapshot() { sim_get /_awssim/resources > "$TMP/$1.json"; }
changes() {
    /usr/bin/python3 - "$TMP/$1.json" "$TMP/$2.json" <<'PY'
import json, sys
def flat(d, p=""):
    out = {}
    if isinstance(d, list) and all(isinstance(x, dict) and "id" in x for x in d):
        d = {x["id"]: x for x in d}
    if isinstance(d, dict):
        for k, v in d.items():
            out.update(flat(v, p + "/" + k))
        if not d:
            out[p] = "{}"
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

expect_rc 0 $HWC scan
snapshot s0

# ---- the plan: every playbook action pending approval; forged findings skipped
expect_rc 0 $HWC remediate
cp "$TMP/out" "$TMP/plan.txt"
contains "$TMP/plan.txt" "approval $P us-east-1 iam-credential-exposure AWS::IAM::AccessKey:AKIADEVALICEKEY00001"
contains "$TMP/plan.txt" "why: playbook iam-credential-exposure needs approval (remediation.playbooks)"
contains "$TMP/plan.txt" "call: iam:UpdateAccessKey UserName=dev-alice AccessKeyId=AKIADEVALICEKEY00001 Status=Inactive (never deleted)"
contains "$TMP/plan.txt" "approval $P us-east-1 s3-exposure arn:aws:s3:::media-public"
contains "$TMP/plan.txt" "call: s3:PutPublicAccessBlock Bucket=media-public ExpectedBucketOwner=$P"
F=arn:aws:guardduty:us-east-1:$P:detector/d4b040365221be2b54a6264dc9a4bc64/finding/000000000000000000000000000000
contains "$TMP/plan.txt" "skip iam-credential-exposure $P us-east-1 ${F}08: untrusted: product arn:aws:securityhub:us-east-1:999999999999:product/999999999999/default is not GuardDuty's own in us-east-1"
contains "$TMP/plan.txt" "skip s3-exposure 999999999999 us-east-1 arn:aws:guardduty:us-east-1:999999999999:detector/d4b040365221be2b54a6264dc9a4bc64/finding/00000000000000000000000000000009: untrusted: account 999999999999 is not in the Organization"
contains "$TMP/plan.txt" "skip s3-exposure $P us-east-1 ${F}0a: untrusted: resource arn:aws:s3:us-east-1:444444444444:media-private belongs to account 444444444444"
not_contains "$TMP/plan.txt" "i-0abc"
contains "$TMP/plan.txt" "6 action(s), 3 skipped finding(s)"
snapshot s1
[ -z "$(changes s0 s1)" ] || { changes s0 s1; fail "planning changed the state"; }
ok "plan: GuardDuty findings planned pending approval, forged ones skipped with the reason"

# ---- apply before approval: nothing changes
expect_rc 0 $HWC remediate --apply
contains "$TMP/out" "0 run:"
snapshot s2
[ -z "$(changes s0 s2)" ] || { changes s0 s2; fail "apply before approval changed the state"; }
ok "nothing changes until approved"

# ---- approve every pending playbook action; apply: exactly the expected changes
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT id FROM actions WHERE state = 'pending' ORDER BY id"
ids=$(cat "$TMP/out")
[ "$(echo "$ids" | wc -l)" = 6 ] || fail "6 pending actions expected"
expect_rc 0 $HWC approve $ids --by alice --reason "IR-77: contain"
expect_rc 0 $HWC remediate --apply
cp "$TMP/out" "$TMP/apply.txt"
contains "$TMP/apply.txt" "done              $P iam-credential-exposure AWS::IAM::AccessKey:AKIADEVALICEKEY00001: verified: user dev-alice: key AKIADEVALICEKEY00001 is Inactive"
contains "$TMP/apply.txt" "refused           $P iam-credential-exposure AWS::IAM::AccessKey:AKIAOPSKEY0000000001: key AKIAOPSKEY0000000001 is not a key of user dev-alice"
contains "$TMP/apply.txt" "refused           $P iam-credential-exposure AWS::IAM::AccessKey:AKIAGONEKEY000000001: key AKIAGONEKEY000000001 is not a key of user dev-alice"
contains "$TMP/apply.txt" "already-compliant $P iam-credential-exposure AWS::IAM::AccessKey:AKIAQUIETKEY00000001: user quiet: key AKIAQUIETKEY00000001 is Inactive"
contains "$TMP/apply.txt" "done              $P s3-exposure arn:aws:s3:::media-public: verified"
contains "$TMP/apply.txt" "refused           $P s3-exposure arn:aws:s3:::dev-shared: bucket dev-shared is not owned by account $P"
contains "$TMP/apply.txt" "6 run: 2 done, 1 already compliant, 0 gone, 0 exempt, 3 refused, 0 dropped, 0 failed"
snapshot s3
changes s0 s3 > "$TMP/diff"
cat > "$TMP/want" <<EOF2
/$P/iam/users/dev-alice/access_keys/AKIADEVALICEKEY00001/status: Active -> Inactive
/$P/s3/buckets/media-public/public_access_block: None -> <none>
/$P/s3/buckets/media-public/public_access_block/BlockPublicAcls: <none> -> True
/$P/s3/buckets/media-public/public_access_block/BlockPublicPolicy: <none> -> True
/$P/s3/buckets/media-public/public_access_block/IgnorePublicAcls: <none> -> True
/$P/s3/buckets/media-public/public_access_block/RestrictPublicBuckets: <none> -> True
EOF2
diff "$TMP/want" "$TMP/diff" || fail "apply changed something else than expected (diff above: want, got)"
ok "after approval exactly the named key and bucket changed; the rest refused"

# ---- a second run changes nothing and plans nothing again
expect_rc 0 $HWC remediate --apply
contains "$TMP/out" "0 action(s)"
contains "$TMP/out" "fixed: action "
contains "$TMP/out" "refused as action "
snapshot s4
[ -z "$(changes s3 s4)" ] || { changes s3 s4; fail "second run changed the state"; }
ok "a second run changes nothing"

# ---- --control takes a playbook name; remediation.playbooks turns one off
expect_rc 0 sqlite3 "$TMP/hw.db" "DELETE FROM plan_skips; DELETE FROM actions"
expect_rc 0 $HWC remediate --control s3-exposure --json
[ "$(json_eval "$TMP/out" "sorted(set(a['control'] for a in d['actions']))")" = "['s3-exposure']" ] || fail "--control s3-exposure"
sed 's/"remediation": {/"remediation": {"playbooks": {"s3-exposure": "off", "iam-credential-exposure": "auto"}, /' "$TMP/hw.json" > "$TMP/off.json"
expect_rc 0 $HW --config "$TMP/off.json" remediate --json
[ "$(json_eval "$TMP/out" "sorted(set((a['control'], a['mode']) for a in d['actions']))")" = "[('iam-credential-exposure', 'auto')]" ] || fail "playbooks config"
sed 's/"remediation": {/"remediation": {"playbooks": {"s3-exposed": "off"}, /' "$TMP/hw.json" > "$TMP/bad.json"
expect_rc 2 $HW --config "$TMP/bad.json" remediate
contains "$TMP/err" "remediation.playbooks.s3-exposed: not a playbook"
ok "remediation.playbooks: auto, off, unknown names refused"

# ---- the audit trail: every action, approval, before and after
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT detail FROM audit_log WHERE event = 'remediation.action' AND detail LIKE '%AKIADEVALICEKEY00001%' AND detail LIKE '%\"state\":\"done\"%'"
contains "$TMP/out" '"before":{"UserName":"dev-alice","AccessKeyId":"AKIADEVALICEKEY00001","Status":"Active"}'
expect_rc 0 "$ROOT/.build/audit_verify" "$TMP/hw.db"
contains "$TMP/out" "intact"
ok "audit: playbook actions with before/after; chain verifies"

# ---- controls show PLAYBOOK: types, calls and permissions from controls/playbooks.xml
expect_rc 0 $HWC controls show iam-credential-exposure
contains "$TMP/out" "UnauthorizedAccess:IAMUser/*"
contains "$TMP/out" "change iam:UpdateAccessKey: Status Inactive for that one key; never deleted"
contains "$TMP/out" "mode: remediation.playbooks.iam-credential-exposure (default approval)"
expect_rc 0 $HWC controls show s3-exposure --json
[ "$(json_eval "$TMP/out" "d['permissions']")" = "['s3:GetBucketTagging', 's3:GetBucketPublicAccessBlock', 's3:PutBucketPublicAccessBlock']" ] || fail "controls show s3-exposure --json"
ok "controls show PLAYBOOK"
