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
contains "$TMP/plan.txt" "skip ec2-compromise $P us-east-1 ${F}0f: untrusted: resource arn:aws:ec2:us-east-1:444444444444:instance/i-0c0ffee000000001 belongs to account 444444444444"
contains "$TMP/plan.txt" "approval $P us-east-1 ec2-compromise arn:aws:ec2:us-east-1:$P:instance/i-0c0ffee000000001"
contains "$TMP/plan.txt" "skip malicious-ip $P us-east-1 ${F}10: untrusted: the finding names no public remote IPv4 address"
contains "$TMP/plan.txt" "call: ec2:CreateNetworkAclEntry NetworkAclId=<the subnet's ACL> RuleNumber=<lowest free below the allow rules> Egress=false Protocol=-1 RuleAction=deny CidrBlock=198.51.100.7/32"
not_contains "$TMP/plan.txt" "${F}11"
contains "$TMP/plan.txt" "11 action(s), 5 skipped finding(s)"
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
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT id FROM actions WHERE state = 'pending' AND control_id NOT IN ('ec2-compromise', 'malicious-ip') ORDER BY id"
ids=$(cat "$TMP/out")
[ "$(echo "$ids" | wc -l)" = 6 ] || fail "6 pending key and bucket actions expected"
# the approver's AWS identity (STS GetCallerIdentity with her own
# credentials) is kept with the approval and in the audit log
ALICE_ARN=arn:aws:iam::222222222222:user/alice
AWS_ACCESS_KEY_ID=AKIAAPPROVERALICE001 AWS_SECRET_ACCESS_KEY=alicesecretkeyalicesecretkey00000000001 \
    expect_rc 0 $HWC approve $ids --by alice --reason "IR-77: contain"
contains "$TMP/out" "approved by alice ($ALICE_ARN)"
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT count(*) FROM approvals WHERE caller_arn = '$ALICE_ARN'"
contains "$TMP/out" "6"
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT count(*) FROM audit_log WHERE event = 'remediation.approve' AND json_extract(detail, '$.caller_arn') = '$ALICE_ARN' AND json_extract(detail, '$.identity_verified') = 1"
contains "$TMP/out" "6"
expect_rc 0 $HWC approve --list
contains "$TMP/out" "approved at "
contains "$TMP/out" " by alice ($ALICE_ARN)"
contains "$TMP/out" "6 approved action(s) awaiting \`remediate --apply\`"
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

# ---- ec2-compromise: evidence first, then isolation in the VPC's quarantine
# group (created once, no rules, shared by both instances), tags, protection
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT id FROM actions WHERE state = 'pending' AND control_id = 'ec2-compromise' ORDER BY id"
ec2ids=$(cat "$TMP/out")
[ "$(echo "$ec2ids" | wc -l)" = 4 ] || fail "4 pending ec2-compromise actions expected"
ec2first=$(echo "$ec2ids" | head -1)
expect_rc 0 $HWC approve $ec2ids --by bob --reason "IR-78: isolate"
expect_rc 0 $HWC remediate --apply --control ec2-compromise
cp "$TMP/out" "$TMP/apply-ec2.txt"
contains "$TMP/apply-ec2.txt" "$ec2first  done              $P ec2-compromise arn:aws:ec2:us-east-1:$P:instance/i-0c0ffee000000001: verified: instance i-0c0ffee000000001: isolated in hubwarden-quarantine, every volume snapshotted, termination protection on, stop protection on"
contains "$TMP/apply-ec2.txt" "done              $P ec2-compromise arn:aws:ec2:us-east-1:$P:instance/i-0c0ffee000000002: verified"
contains "$TMP/apply-ec2.txt" "exempt            $P ec2-compromise arn:aws:ec2:us-east-1:$P:instance/i-0c0ffee000000003: tag hubwarden:exempt=honeypot, RISK-9"
contains "$TMP/apply-ec2.txt" "gone              $P ec2-compromise arn:aws:ec2:us-east-1:$P:instance/i-0dead00000000001: instance i-0dead00000000001 no longer exists"
snapshot s5
changes s4 s5 > "$TMP/diff-ec2"
F1="${F}0b"
F2="${F}0c"
cat > "$TMP/want-ec2" <<EOF2
/$P/regions/us-east-1/instances/i-0c0ffee000000001/disable_api_stop: False -> True
/$P/regions/us-east-1/instances/i-0c0ffee000000001/disable_api_termination: False -> True
/$P/regions/us-east-1/instances/i-0c0ffee000000001/security_groups/0: sg-0web1 -> sg-0000000000000f001
/$P/regions/us-east-1/instances/i-0c0ffee000000001/security_groups/1: sg-0ssh1 -> <none>
/$P/regions/us-east-1/instances/i-0c0ffee000000001/tags/hubwarden:finding: <none> -> $F1
/$P/regions/us-east-1/instances/i-0c0ffee000000001/tags/hubwarden:original-groups: <none> -> sg-0web1,sg-0ssh1
/$P/regions/us-east-1/instances/i-0c0ffee000000002/disable_api_stop: False -> True
/$P/regions/us-east-1/instances/i-0c0ffee000000002/disable_api_termination: False -> True
/$P/regions/us-east-1/instances/i-0c0ffee000000002/security_groups/0: sg-0db01 -> sg-0000000000000f001
/$P/regions/us-east-1/instances/i-0c0ffee000000002/tags/hubwarden:finding: <none> -> $F2
/$P/regions/us-east-1/instances/i-0c0ffee000000002/tags/hubwarden:original-groups: <none> -> sg-0db01
/$P/regions/us-east-1/security_groups/sg-0000000000000f001/description: <none> -> hubwarden quarantine: no inbound or outbound traffic
/$P/regions/us-east-1/security_groups/sg-0000000000000f001/name: <none> -> hubwarden-quarantine
/$P/regions/us-east-1/security_groups/sg-0000000000000f001/owner: <none> -> $P
/$P/regions/us-east-1/security_groups/sg-0000000000000f001/rules: <none> -> {}
/$P/regions/us-east-1/security_groups/sg-0000000000000f001/tags/hubwarden:quarantine: <none> -> true
/$P/regions/us-east-1/security_groups/sg-0000000000000f001/vpc_id: <none> -> vpc-0a1b2c3d
/$P/regions/us-east-1/snapshots: {} -> <none>
/$P/regions/us-east-1/snapshots/snap-0000000000000f001/description: <none> -> hubwarden evidence: vol-0aa1000000000001 of i-0c0ffee000000001
/$P/regions/us-east-1/snapshots/snap-0000000000000f001/tags/hubwarden:finding: <none> -> $F1
/$P/regions/us-east-1/snapshots/snap-0000000000000f001/tags/hubwarden:instance: <none> -> i-0c0ffee000000001
/$P/regions/us-east-1/snapshots/snap-0000000000000f001/volume_id: <none> -> vol-0aa1000000000001
/$P/regions/us-east-1/snapshots/snap-0000000000000f002/description: <none> -> hubwarden evidence: vol-0aa1000000000002 of i-0c0ffee000000001
/$P/regions/us-east-1/snapshots/snap-0000000000000f002/tags/hubwarden:finding: <none> -> $F1
/$P/regions/us-east-1/snapshots/snap-0000000000000f002/tags/hubwarden:instance: <none> -> i-0c0ffee000000001
/$P/regions/us-east-1/snapshots/snap-0000000000000f002/volume_id: <none> -> vol-0aa1000000000002
/$P/regions/us-east-1/snapshots/snap-0000000000000f003/description: <none> -> hubwarden evidence: vol-0bb1000000000001 of i-0c0ffee000000002
/$P/regions/us-east-1/snapshots/snap-0000000000000f003/tags/hubwarden:finding: <none> -> $F2
/$P/regions/us-east-1/snapshots/snap-0000000000000f003/tags/hubwarden:instance: <none> -> i-0c0ffee000000002
/$P/regions/us-east-1/snapshots/snap-0000000000000f003/volume_id: <none> -> vol-0bb1000000000001
EOF2
diff "$TMP/want-ec2" "$TMP/diff-ec2" || fail "ec2-compromise changed something else than expected (diff above: want, got)"
expect_rc 0 $HWC remediate --apply
contains "$TMP/out" "0 run:"
snapshot s6
[ -z "$(changes s5 s6)" ] || { changes s5 s6; fail "second ec2-compromise run changed the state"; }
ok "ec2-compromise: snapshots, one quarantine group without rules, tags, protection; a second run changes nothing"

# ---- --undo puts the original groups back (snapshots, tags, protection stay)
expect_rc 2 $HWC remediate --undo "$(echo "$ids" | head -1)"
contains "$TMP/err" "only ec2-compromise and malicious-ip actions can be undone"
expect_rc 0 $HWC remediate --undo "$ec2first"
contains "$TMP/out" "$ec2first undone: undone: instance i-0c0ffee000000001 has its original groups sg-0web1,sg-0ssh1 again"
snapshot s7
changes s6 s7 > "$TMP/diff-undo"
cat > "$TMP/want-undo" <<EOF2
/$P/regions/us-east-1/instances/i-0c0ffee000000001/security_groups/0: sg-0000000000000f001 -> sg-0web1
/$P/regions/us-east-1/instances/i-0c0ffee000000001/security_groups/1: <none> -> sg-0ssh1
EOF2
diff "$TMP/want-undo" "$TMP/diff-undo" || fail "--undo changed something else than the groups (diff above)"
expect_rc 2 $HWC remediate --undo "$ec2first"
contains "$TMP/err" "is undone, not done"
expect_rc 0 $HWC remediate --control ec2-compromise
contains "$TMP/out" "undone as action $ec2first; planned again when the finding changes"
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT count(*) FROM audit_log WHERE event = 'remediation.undo' AND detail LIKE '%sg-0web1%'"
[ "$(cat "$TMP/out")" = 1 ] || fail "the undo is audited"
ok "--undo restores the original groups, once, audited; not planned again until the finding changes"

# ---- malicious-ip: a deny entry for the IP in the subnet's ACL, the lowest
# free number below the allow rules, no entry touched; removed once expired
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT id FROM actions WHERE state = 'pending' AND control_id = 'malicious-ip'"
ipid=$(cat "$TMP/out")
[ "$(echo "$ipid" | wc -l)" = 1 ] || fail "1 pending malicious-ip action expected"
expect_rc 0 $HWC approve "$ipid" --by bob --reason "IR-80: block the prober"
snapshot s10
expect_rc 0 $HWC remediate --apply --control malicious-ip
contains "$TMP/out" "$ipid  done              $P malicious-ip arn:aws:ec2:us-east-1:$P:instance/i-0c0ffee000000002: verified: acl-0a1b0000000000001: entry 2 denies 198.51.100.7/32"
snapshot s11
changes s10 s11 > "$TMP/diff-ip"
A=/$P/regions/us-east-1/network_acls/acl-0a1b0000000000001/entries/5
cat > "$TMP/want-ip" <<EOF2
$A/action: <none> -> deny
$A/cidr: <none> -> 198.51.100.7/32
$A/egress: <none> -> False
$A/protocol: <none> -> -1
$A/rule_number: <none> -> 2
EOF2
diff "$TMP/want-ip" "$TMP/diff-ip" || fail "malicious-ip changed something else than one deny entry (diff above)"
expect_rc 0 $HWC remediate --apply
snapshot s12
[ -z "$(changes s11 s12)" ] || { changes s11 s12; fail "second malicious-ip run changed the state"; }
not_contains "$TMP/out" "expired IP blocks"
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT network_acl_id, rule_number, cidr, expires_at - created_at FROM ip_blocks WHERE removed_at IS NULL"
[ "$(cat "$TMP/out")" = "acl-0a1b0000000000001|2|198.51.100.7/32|2592000" ] || { cat "$TMP/out"; fail "the deny list keeps the entry for playbooks.ip_block_days (30)"; }
expect_rc 0 sqlite3 "$TMP/hw.db" "UPDATE ip_blocks SET expires_at = 0"
expect_rc 0 $HWC remediate --apply
contains "$TMP/out" "expired IP blocks: 1 removed, 0 failed"
snapshot s13
changes s12 s13 > "$TMP/diff-unblock"
sed 's/<none> -> \(.*\)/\1 -> <none>/' "$TMP/want-ip" > "$TMP/want-unblock"
diff "$TMP/want-unblock" "$TMP/diff-unblock" || fail "the expired entry, and only it, is removed (diff above)"
expect_rc 0 $HWC remediate --apply
not_contains "$TMP/out" "expired IP blocks"
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT count(*) FROM audit_log WHERE event = 'remediation.ip-unblock' AND detail LIKE '%198.51.100.7/32%'"
[ "$(cat "$TMP/out")" = 1 ] || fail "the removal is audited once"
ok "malicious-ip: one deny entry below the allow rules; expired, removed by a later run, audited"

# ---- malicious-ip with WAFv2 IP sets (playbooks.waf_ip_sets): the IP/32
# goes into each IP set of the finding's account on a fresh read with its
# LockToken (again after WAFOptimisticLockException, keeping the other
# writer's address); a set that has it already gets no call; a set of the
# other family is skipped; the Description is kept; expiry and --undo take
# out what was added and nothing else
W1=a1b2c3d4-0000-4000-8000-000000000001; W2=a1b2c3d4-0000-4000-8000-000000000002
W3=a1b2c3d4-0000-4000-8000-000000000003; W4=a1b2c3d4-0000-4000-8000-000000000004
WARN1=arn:aws:wafv2:us-east-1:$P:regional/ipset/hubwarden-blocklist/$W1
WARN2=arn:aws:wafv2:us-east-1:$P:global/ipset/edge-blocklist/$W2
WARN3=arn:aws:wafv2:us-east-1:$P:regional/ipset/already-blocked/$W3
WARN4=arn:aws:wafv2:us-east-1:$P:regional/ipset/v6-blocklist/$W4
WARN5=arn:aws:wafv2:us-east-1:444444444444:regional/ipset/dev-blocklist/a1b2c3d4-0000-4000-8000-000000000005
sed "s|\"remediation\": {|\"playbooks\": {\"waf_ip_sets\": [\"$WARN1\", \"$WARN2\", \"$WARN3\", \"$WARN4\", \"$WARN5\"]}, \"remediation\": {|" "$TMP/hw.json" > "$TMP/waf.json"
HWW="$HW --config $TMP/waf.json"
sed 's|"waf_ip_sets": \[|"waf_ip_sets": ["arn:aws:wafv2:us-east-1:1:regional/ipset/x/y", |' "$TMP/waf.json" > "$TMP/badwaf.json"
expect_rc 2 $HW --config "$TMP/badwaf.json" remediate
contains "$TMP/err" "playbooks.waf_ip_sets[0]: \"arn:aws:wafv2:us-east-1:1:regional/ipset/x/y\" is not a WAFv2 IP set ARN"
expect_rc 0 $HWW help config
contains "$TMP/out" "playbooks.waf_ip_sets"
FIP=${F}07
bump_ip_finding() {
    sim_post /_awssim/findings "{\"update\": [{\"Id\": \"$FIP\", \"ProductArn\": \"arn:aws:securityhub:us-east-1::product/aws/guardduty\", \"fields\": {\"Note\": {\"Text\": \"seen again $1\", \"UpdatedBy\": \"t\", \"UpdatedAt\": \"2026-01-13T00:00:00Z\"}}}]}" > /dev/null
    expect_rc 0 $HWW scan
    expect_rc 0 $HWW remediate --control malicious-ip
    cp "$TMP/out" "$TMP/plan-waf.txt"
    expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT id FROM actions WHERE state = 'pending' AND control_id = 'malicious-ip'"
    wafid=$(cat "$TMP/out")
    [ "$(echo "$wafid" | wc -l)" = 1 ] && [ -n "$wafid" ] || fail "1 pending malicious-ip action expected ($1): $(cat "$TMP/plan-waf.txt")"
    expect_rc 0 $HWW approve "$wafid" --by bob --reason "IR-82: block at the edge too ($1)"
}
bump_ip_finding 1
contains "$TMP/plan-waf.txt" "call: wafv2:GetIPSet Name=hubwarden-blocklist Scope=REGIONAL Id=$W1 (region us-east-1; its addresses and LockToken; 198.51.100.7/32 already there: no change)"
contains "$TMP/plan-waf.txt" "call: wafv2:UpdateIPSet Name=edge-blocklist Scope=CLOUDFRONT Id=$W2 Addresses=<as read> + 198.51.100.7/32 Description=<as read> LockToken=<from GetIPSet> (read again and retried on WAFOptimisticLockException)"
not_contains "$TMP/plan-waf.txt" "dev-blocklist"
# another writer changes the set after the read and after the fix's own
# GetIPSet, so that its first UpdateIPSet has a stale LockToken
sim_post /_awssim/waf-race "{\"id\": \"$W1\", \"add\": \"203.0.113.99/32\", \"times\": 2}" > /dev/null
sim_post /_awssim/reset-stats "{}" > /dev/null
snapshot w0
expect_rc 0 $HWW remediate --apply --control malicious-ip
contains "$TMP/out" "$wafid  done              $P malicious-ip arn:aws:ec2:us-east-1:$P:instance/i-0c0ffee000000002: verified: acl-0a1b0000000000001: entry 2 denies 198.51.100.7/32; in every WAFv2 IP set"
snapshot w1
changes w0 w1 | grep -v '/lock_token: ' > "$TMP/diff-waf"
WS=/$P/regions/us-east-1/waf_ip_sets
cat > "$TMP/want-waf" <<EOF2
$A/action: <none> -> deny
$A/cidr: <none> -> 198.51.100.7/32
$A/egress: <none> -> False
$A/protocol: <none> -> -1
$A/rule_number: <none> -> 2
$WS/$W1/addresses/1: <none> -> 203.0.113.99/32
$WS/$W1/addresses/2: <none> -> 198.51.100.7/32
$WS/$W2/addresses: {} -> <none>
$WS/$W2/addresses/0: <none> -> 198.51.100.7/32
EOF2
diff "$TMP/want-waf" "$TMP/diff-waf" || fail "malicious-ip with WAFv2: one deny entry and the IP in the two IP sets lacking it, the other writer's address kept (diff above)"
[ "$(changes w0 w1 | grep -c '/lock_token: ')" = 2 ] || fail "the LockToken of exactly the two changed IP sets moves"
sim_get /_awssim/stats > "$TMP/stats.json"
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); o=d["operations"]; sys.exit(0 if (o.get("wafv2.UpdateIPSet"), d["status"].get("400")) == (2, 1) else "UpdateIPSet: %s; HTTP 400: %s" % (o.get("wafv2.UpdateIPSet"), d["status"].get("400")))' "$TMP/stats.json" \
    || fail "UpdateIPSet: once for the edge set, and for the raced one a refusal (stale LockToken, the only HTTP 400) then once on a fresh read; never for the set that had it"
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT coalesce(ip_set_arn, network_acl_id), rule_number, cidr FROM ip_blocks WHERE removed_at IS NULL ORDER BY id"
cat > "$TMP/want-blocks" <<EOF2
acl-0a1b0000000000001|2|198.51.100.7/32
$WARN1|0|198.51.100.7/32
$WARN2|0|198.51.100.7/32
EOF2
diff "$TMP/want-blocks" "$TMP/out" || fail "the deny list holds what this action added, not the set that had the IP already"
expect_rc 0 $HWW remediate --apply
snapshot w2
[ -z "$(changes w1 w2)" ] || { changes w1 w2; fail "a second run changed the state"; }
expect_rc 0 sqlite3 "$TMP/hw.db" "UPDATE ip_blocks SET expires_at = 0"
expect_rc 0 $HWW remediate --apply
contains "$TMP/out" "expired IP blocks: 3 removed, 0 failed"
snapshot w3
changes w2 w3 | grep -v '/lock_token: ' > "$TMP/diff-waf-expiry"
cat > "$TMP/want-waf-expiry" <<EOF2
$A/action: deny -> <none>
$A/cidr: 198.51.100.7/32 -> <none>
$A/egress: False -> <none>
$A/protocol: -1 -> <none>
$A/rule_number: 2 -> <none>
$WS/$W1/addresses/2: 198.51.100.7/32 -> <none>
$WS/$W2/addresses: <none> -> {}
$WS/$W2/addresses/0: 198.51.100.7/32 -> <none>
EOF2
diff "$TMP/want-waf-expiry" "$TMP/diff-waf-expiry" || fail "expiry removes what the action added, and only that (diff above)"
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT count(*) FROM audit_log WHERE event = 'remediation.ip-unblock' AND json_extract(detail, '$.waf_ip_set') IN ('$WARN1', '$WARN2')"
[ "$(cat "$TMP/out")" = 2 ] || fail "each IP set removal is audited"
ok "malicious-ip with WAFv2 IP sets: LockToken, optimistic-lock retry, idempotent, expiry removes only ours"

# ---- --undo of a malicious-ip action; a LockToken that never settles fails
# the action with the reason and changes no IP set
bump_ip_finding 2
snapshot w4
expect_rc 0 $HWW remediate --apply --control malicious-ip
contains "$TMP/out" "$wafid  done "
expect_rc 0 $HWW remediate --undo "$wafid"
contains "$TMP/out" "$wafid undone: undone: acl-0a1b0000000000001 entry 2 for 198.51.100.7/32 expired and was removed; 198.51.100.7/32 removed from WAFv2 IP set $WARN1; 198.51.100.7/32 removed from WAFv2 IP set $WARN2"
snapshot w5
[ -z "$(changes w4 w5 | grep -v '/lock_token: ')" ] || { changes w4 w5; fail "--undo of malicious-ip left something behind"; }
expect_rc 2 $HWW remediate --undo "$wafid"
contains "$TMP/err" "is undone, not done"
bump_ip_finding 3
sim_post /_awssim/waf-race "{\"id\": \"$W1\", \"add\": \"203.0.113.100/32\", \"times\": 9}" > /dev/null
snapshot w6
expect_rc 3 $HWW remediate --apply --control malicious-ip
contains "$TMP/out" "$wafid  failed"
contains "$TMP/out" "WAFv2 IP set hubwarden-blocklist ($W1): "
contains "$TMP/out" "WAFOptimisticLockException"
snapshot w7
[ "$(changes w6 w7 | grep -c "$WS/$W1/addresses/.*198.51.100.7")" = 0 ] || fail "an IP set whose LockToken never settles is not written"
ok "malicious-ip --undo removes what it added; WAFOptimisticLockException every time fails the action"

# ---- --control takes a playbook name; remediation.playbooks turns one off
expect_rc 0 sqlite3 "$TMP/hw.db" "DELETE FROM plan_skips; DELETE FROM actions"
expect_rc 0 $HWC remediate --control s3-exposure --json
[ "$(json_eval "$TMP/out" "sorted(set(a['control'] for a in d['actions']))")" = "['s3-exposure']" ] || fail "--control s3-exposure"
sed 's/"remediation": {/"remediation": {"playbooks": {"s3-exposure": "off", "iam-credential-exposure": "auto"}, /' "$TMP/hw.json" > "$TMP/off.json"
expect_rc 0 $HW --config "$TMP/off.json" remediate --json
[ "$(json_eval "$TMP/out" "sorted(set((a['control'], a['mode']) for a in d['actions']))")" = "[('ec2-compromise', 'approval'), ('iam-credential-exposure', 'auto'), ('malicious-ip', 'approval')]" ] || fail "playbooks config"
sed 's/"remediation": {/"remediation": {"playbooks": {"s3-exposed": "off"}, /' "$TMP/hw.json" > "$TMP/bad.json"
expect_rc 2 $HW --config "$TMP/bad.json" remediate
contains "$TMP/err" "remediation.playbooks.s3-exposed: not a playbook"
ok "remediation.playbooks: auto, off, unknown names refused"

# ---- approve --list: age, finding, exact calls; an approval older than
# remediation.approval_hours expires and changes nothing
expect_rc 0 $HWC approve --list
cp "$TMP/out" "$TMP/list.txt"
contains "$TMP/list.txt" "pending 0m  $P us-east-1 ec2-compromise arn:aws:ec2:us-east-1:$P:instance/i-0c0ffee000000001"
contains "$TMP/list.txt" "      finding: ${F}0b"
contains "$TMP/list.txt" "      call: ec2:ModifyInstanceAttribute InstanceId=i-0c0ffee000000001 Groups=<the quarantine group>"
contains "$TMP/list.txt" "pending action(s); an approval is applied within remediation.approval_hours (72)"
expect_rc 2 $HWC approve --list x
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT id FROM actions WHERE state = 'pending' AND resource LIKE '%i-0c0ffee000000001'"
old=$(head -1 "$TMP/out")
# without the caller's AWS identity nothing is decided; --offline records
# the decision as unverified, and says so wherever it is shown
sed 's|"aws": {|"aws": {"endpoints": {"sts": "http://127.0.0.1:9"}, |' "$TMP/hw.json" > "$TMP/nosts.json"
expect_rc 5 $HW --config "$TMP/nosts.json" approve "$old" --by bob --reason "IR-79"
contains "$TMP/err" "cannot verify the approver's AWS identity (nothing decided; --offline records the decision as unverified)"
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT state FROM actions WHERE id = '$old'"
contains "$TMP/out" "pending"
expect_rc 2 $HWC approve --list --offline
expect_rc 0 $HW --config "$TMP/nosts.json" approve "$old" --by bob --reason "IR-79" --offline
contains "$TMP/out" "$old approved by bob (unverified: --offline)"
expect_rc 0 $HWC approve --list
contains "$TMP/out" " by bob (unverified: approved with --offline)"
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT caller_arn IS NULL FROM approvals WHERE action_id = '$old'; SELECT json_extract(detail, '$.identity_verified') FROM audit_log WHERE event = 'remediation.approve' AND detail LIKE '%$old%'"
[ "$(cat "$TMP/out")" = "1
0" ] || fail "--offline: no caller ARN, identity_verified false in the audit log: $(cat "$TMP/out")"
expect_rc 0 sqlite3 "$TMP/hw.db" "UPDATE approvals SET approved_at = '2020-01-01T00:00:00Z' WHERE action_id = '$old'"
snapshot s8
expect_rc 0 $HWC remediate --apply --control ec2-compromise
contains "$TMP/out" "$old  expired           $P ec2-compromise arn:aws:ec2:us-east-1:$P:instance/i-0c0ffee000000001: expired: approved at 2020-01-01T00:00:00.000Z, more than remediation.approval_hours (72) ago"
snapshot s9
[ -z "$(changes s8 s9)" ] || { changes s8 s9; fail "an expired approval changed the state"; }
expect_rc 0 $HWC remediate --control ec2-compromise
contains "$TMP/out" "approval $P us-east-1 ec2-compromise arn:aws:ec2:us-east-1:$P:instance/i-0c0ffee000000001"
ok "approve --list; an expired approval is not applied and the finding waits for a new one"

# ---- notifications: one SNS message per run and kind, listing the items;
# a notification that fails is warned about and blocks nothing
TOPIC=arn:aws:sns:us-east-1:222222222222:hubwarden-alerts
sed "s|\"remediation\": {|\"notifications\": {\"sns_topic_arn\": \"$TOPIC\"}, \"remediation\": {|" "$TMP/hw.json" > "$TMP/notify.json"
expect_rc 0 sqlite3 "$TMP/hw.db" "DELETE FROM plan_skips; DELETE FROM actions WHERE state = 'pending'"
expect_rc 0 $HW --config "$TMP/notify.json" remediate
contains "$TMP/out" "notifications: 1 sent, 0 failed"
npending=$(grep -c '  approval ' "$TMP/out")
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT id FROM actions WHERE state = 'pending' AND resource LIKE '%i-0c0ffee000000001'"
again=$(cat "$TMP/out")
expect_rc 0 $HWC approve "$again" --by bob --reason "IR-81"
expect_rc 0 $HW --config "$TMP/notify.json" remediate --apply --control ec2-compromise
contains "$TMP/out" "notifications: 1 sent, 0 failed"
sim_get /_awssim/state > "$TMP/sns.json"
/usr/bin/python3 - "$TMP/sns.json" "$npending" "$again" "$TOPIC" <<'PY' || fail "SNS messages"
import json, sys
d = json.load(open(sys.argv[1]))
msgs = d["sns_messages"]
assert len(msgs) == 2, msgs
assert all(m["TopicArn"] == sys.argv[4] for m in msgs)
assert msgs[0]["Subject"] == "hubwarden: %s action(s) awaiting approval" % sys.argv[2], msgs[0]["Subject"]
assert msgs[0]["Message"].count("  approve: hubwarden approve ") == int(sys.argv[2]), msgs[0]["Message"]
assert msgs[1]["Subject"] == "hubwarden: 1 playbook action(s) executed", msgs[1]["Subject"]
assert sys.argv[3] in msgs[1]["Message"] and "i-0c0ffee000000001" in msgs[1]["Message"], msgs[1]["Message"]
PY
sed "s|$TOPIC|arn:aws:sns:us-east-1:333333333333:someone-elses|" "$TMP/notify.json" > "$TMP/notify-bad.json"
expect_rc 0 sqlite3 "$TMP/hw.db" "DELETE FROM plan_skips; DELETE FROM actions WHERE state = 'pending'"
expect_rc 0 $HW --config "$TMP/notify-bad.json" remediate
contains "$TMP/out" "notifications: 0 sent, 1 failed"
contains "$TMP/err" "notification (approval, "
contains "$TMP/err" "AuthorizationError"
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT event, count(*) FROM audit_log WHERE event LIKE 'notification.%' GROUP BY event ORDER BY event"
contains "$TMP/out" "notification.failed|1"
contains "$TMP/out" "notification.sent|2"
ok "notifications: one SNS message per run and kind; a failure warns, is audited, blocks nothing"

# ---- the HTTPS webhook (a loopback server with its own CA): one
# Slack-compatible message per run and kind, signed with the secret from a
# file, which is never logged; plain http is refused
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=hubwarden test CA" \
    -keyout "$TMP/ca.key" -out "$TMP/ca.pem" > /dev/null 2>&1 || fail "test CA"
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$TMP/srv.key" -out "$TMP/srv.csr" > /dev/null 2>&1 || fail "server key"
printf 'subjectAltName=IP:127.0.0.1\n' > "$TMP/san.ext"
openssl x509 -req -in "$TMP/srv.csr" -CA "$TMP/ca.pem" -CAkey "$TMP/ca.key" -CAcreateserial -days 2 \
    -extfile "$TMP/san.ext" -out "$TMP/srv.pem" > /dev/null 2>&1 || fail "server certificate"
/usr/bin/python3 "$ROOT/tests/integration/webhook_server.py" "$TMP/srv.pem" "$TMP/srv.key" "$TMP/wh.port" "$TMP/wh.log" &
WH_PID=$!
trap 'kill "$WH_PID" 2>/dev/null; cleanup' EXIT INT TERM
i=0
while [ ! -s "$TMP/wh.port" ]; do i=$((i + 1)); [ $i -gt 200 ] && fail "webhook server did not start"; sleep 0.05; done
WH="https://127.0.0.1:$(cat "$TMP/wh.port")/hooks/T0001/s3cr3t-path"
printf 'whsec-test-0001\n' > "$TMP/wh.secret"
sed "s|\"remediation\": {|\"notifications\": {\"webhook_url\": \"$WH\", \"webhook_secret_file\": \"$TMP/wh.secret\", \"webhook_ca_bundle\": \"$TMP/ca.pem\"}, \"remediation\": {|" "$TMP/hw.json" > "$TMP/wh.json"
expect_rc 0 sqlite3 "$TMP/hw.db" "DELETE FROM plan_skips; DELETE FROM actions WHERE state = 'pending'"
expect_rc 0 $HW --config "$TMP/wh.json" remediate
contains "$TMP/out" "notifications: 1 sent, 0 failed"
/usr/bin/python3 - "$TMP/wh.log" <<'PY' || fail "webhook message"
import hashlib, hmac, json, sys
posts = [json.loads(l) for l in open(sys.argv[1])]
assert len(posts) == 1, posts
p = posts[0]
assert p["path"] == "/hooks/T0001/s3cr3t-path" and p["content_type"] == "application/json", p
want = "sha256=" + hmac.new(b"whsec-test-0001", p["body"].encode(), hashlib.sha256).hexdigest()
assert p["signature"] == want, (p["signature"], want)
b = json.loads(p["body"])
assert b["text"].startswith("hubwarden: ") and b["text"].endswith("action(s) awaiting approval"), b["text"]
assert b["blocks"][0]["type"] == "header"
items = b["blocks"][1:]
assert items and all("hubwarden approve " in x["text"]["text"] and "finding: " in x["text"]["text"] for x in items), items
PY
# a server refusing the message: warned (naming the host only), audited, nothing blocked
kill "$WH_PID"; wait "$WH_PID" 2>/dev/null
rm -f "$TMP/wh.port"
/usr/bin/python3 "$ROOT/tests/integration/webhook_server.py" "$TMP/srv.pem" "$TMP/srv.key" "$TMP/wh.port" "$TMP/wh2.log" 500 &
WH_PID=$!
i=0
while [ ! -s "$TMP/wh.port" ]; do i=$((i + 1)); [ $i -gt 200 ] && fail "webhook server did not start"; sleep 0.05; done
sed "s|127.0.0.1:[0-9]*/|127.0.0.1:$(cat "$TMP/wh.port")/|" "$TMP/wh.json" > "$TMP/wh2.json"
expect_rc 0 sqlite3 "$TMP/hw.db" "DELETE FROM plan_skips; DELETE FROM actions WHERE state = 'pending'"
HUBWARDEN_WEBHOOK_SECRET=ignored expect_rc 0 $HW --config "$TMP/wh2.json" remediate
contains "$TMP/out" "notifications: 0 sent, 1 failed"
contains "$TMP/err" "not sent by webhook: webhook 127.0.0.1:$(cat "$TMP/wh.port"): HTTP 500"
not_contains "$TMP/err" "s3cr3t-path"
not_contains "$TMP/err" "whsec-test-0001"
kill "$WH_PID"; wait "$WH_PID" 2>/dev/null
sed "s|https://127.0.0.1|http://127.0.0.1|" "$TMP/wh.json" > "$TMP/wh3.json"
expect_rc 0 sqlite3 "$TMP/hw.db" "DELETE FROM plan_skips; DELETE FROM actions WHERE state = 'pending'"
expect_rc 0 $HW --config "$TMP/wh3.json" remediate
contains "$TMP/err" "notifications.webhook_url: only https:// is allowed"
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT count(*) FROM audit_log WHERE detail LIKE '%whsec-test-0001%' OR detail LIKE '%s3cr3t%'"
[ "$(cat "$TMP/out")" = 0 ] || fail "the webhook secret or URL token reached the audit log"
ok "webhook: one signed Slack-compatible message per run and kind over HTTPS; failures warn and block nothing"

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
