#!/bin/sh
# test_remediate_families.sh - the remediations beyond test_remediate.sh's,
# end to end against the simulator (tests/data/awssim/remedy.json), one
# control at a time: --apply changes exactly the expected leaves of the
# simulator's whole resource state and nothing else; a second run changes
# nothing; a resource fixed by hand is already-compliant.
. "$(dirname "$0")/lib.sh"
use_test_creds
start_sim "$ROOT/tests/data/awssim/remedy.json"
cat > "$TMP/hw.json" <<JSON
{"db": "$TMP/hw.db", "controls_dir": "$ROOT/controls", "aws": {"region": "us-east-1", "max_attempts": 2},
 "remediation": {"controls": {"IAM.7": "auto", "IAM.11": "auto", "IAM.15": "auto", "IAM.17": "auto"},
                 "password_policy": {"minimum_length": 16},
                 "external_id": "hw-remedy-1", "exclude_ous": ["ou-ab12-sand0001"]}}
JSON
HWC="$HW --config $TMP/hw.json"
P=333333333333
D=444444444444

snapshot() { sim_get /_awssim/resources > "$TMP/$1.json"; }
# changes A B: every leaf of the state that differs (lists of objects with
# an "id" keyed by it)
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
# apply_control NAME CONTROL: applies one control; the diff to $TMP/NAME.diff
n=0
apply_control() {
    snapshot "$1.before"
    expect_rc 0 $HWC remediate --apply --control "$2"
    cp "$TMP/out" "$TMP/$1.out"
    snapshot "$1.after"
    changes "$1.before" "$1.after" > "$TMP/$1.diff"
}
# same NAME: the diff is exactly $TMP/NAME.want
same() {
    diff "$TMP/$1.want" "$TMP/$1.diff" || fail "$1: the state changed otherwise than expected (diff above: want, got)"
}
# again NAME CONTROL: a second run changes nothing
again() {
    apply_control "$1.again" "$2"
    [ -s "$TMP/$1.again.diff" ] && { cat "$TMP/$1.again.diff"; fail "$1: a second run changed the state"; }
    contains "$TMP/$1.again.out" "0 done"
}

expect_rc 0 $HWC scan

# ---- the account password policy (IAM.7, IAM.11-IAM.17)
expect_rc 0 $HWC remediate --control IAM.15
contains "$TMP/out" "call: iam:UpdateAccountPasswordPolicy (account $P) MinimumPasswordLength>=16; every other current value kept, none lowered"
# no policy yet: one is created with the configured length, IAM's defaults otherwise
apply_control iam15 IAM.15
contains "$TMP/iam15.out" "done              $P IAM.15 AWS::::Account:$P: verified: account $P: password policy meets IAM.15"
contains "$TMP/iam15.out" "already-compliant $D IAM.15 AWS::::Account:$D: account $D: password policy meets IAM.15"
cat > "$TMP/iam15.want" <<EOF
/$P/iam/password_policy: None -> <none>
/$P/iam/password_policy/AllowUsersToChangePassword: <none> -> False
/$P/iam/password_policy/HardExpiry: <none> -> False
/$P/iam/password_policy/MaxPasswordAge: <none> -> 0
/$P/iam/password_policy/MinimumPasswordLength: <none> -> 16
/$P/iam/password_policy/PasswordReusePrevention: <none> -> 0
/$P/iam/password_policy/RequireLowercaseCharacters: <none> -> False
/$P/iam/password_policy/RequireNumbers: <none> -> False
/$P/iam/password_policy/RequireSymbols: <none> -> False
/$P/iam/password_policy/RequireUppercaseCharacters: <none> -> False
EOF
same iam15
expect_rc 0 sqlite3 "$TMP/hw.db" "SELECT before_state FROM actions WHERE control_id = 'IAM.15' AND account_id = '$P'"
contains "$TMP/out" '"PasswordPolicy":{}'
again iam15 IAM.15
# passwords never expire: the configured age; the length set above kept
apply_control iam17 IAM.17
contains "$TMP/iam17.out" "done              $P IAM.17"
contains "$TMP/iam17.out" "already-compliant $D IAM.17 AWS::::Account:$D: account $D: password policy meets IAM.17"
echo "/$P/iam/password_policy/MaxPasswordAge: 0 -> 90" > "$TMP/iam17.want"
same iam17
again iam17 IAM.17
# 444's policy is stricter than configured in length (20) and age (30):
# IAM.11 adds upper case and keeps every other value, symbols, hard expiry
# and users changing their own password included
apply_control iam11 IAM.11
contains "$TMP/iam11.out" "done              $D IAM.11"
echo "/$D/iam/password_policy/RequireUppercaseCharacters: False -> True" > "$TMP/iam11.want"
same iam11
again iam11 IAM.11
# IAM.7: every value it checks; 16 and 90 kept
apply_control iam7 IAM.7
contains "$TMP/iam7.out" "done              $P IAM.7"
cat > "$TMP/iam7.want" <<EOF
/$P/iam/password_policy/PasswordReusePrevention: 0 -> 24
/$P/iam/password_policy/RequireLowercaseCharacters: False -> True
/$P/iam/password_policy/RequireNumbers: False -> True
/$P/iam/password_policy/RequireSymbols: False -> True
/$P/iam/password_policy/RequireUppercaseCharacters: False -> True
EOF
same iam7
again iam7 IAM.7
ok "password policy: raised to the configured values, stricter ones kept, nothing else changed"
