/*
 * fuzz_xml_iam.c - libFuzzer target: IAM's XML responses (Query protocol)
 * as the remediation families read them: a user's tags, access keys and
 * their last use; the account password policy; and the Query error
 * parser.  Answers come from the input (xml_answers.h).
 */
#include "remedy_runner.h"

static const struct fz_case cases[] = {
    { &hw_remedy_iam_stale_keys, "IAM.3", "arn:aws:iam::333333333333:user/ci-deploy" },
    { &hw_remedy_iam_stale_keys, "IAM.8", "arn:aws:iam::333333333333:user/ops/alice" },
    { &hw_remedy_iam_password_policy, "IAM.7", "AWS::::Account:333333333333" },
    { &hw_remedy_iam_password_policy, "IAM.15", "AWS::::Account:333333333333" },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_run_families(cases, sizeof cases / sizeof *cases, HW_AWS_QUERY, data, size);
    return 0;
}
