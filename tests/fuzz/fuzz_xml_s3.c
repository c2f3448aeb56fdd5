/*
 * fuzz_xml_s3.c - libFuzzer target: S3's and S3 Control's REST-XML
 * responses as the remediation families read them: bucket tagging,
 * public access blocks (bucket and account), default encryption, the
 * bucket policy; and the REST-XML error parser.  Answers come from the
 * input (xml_answers.h).
 */
#include "remedy_runner.h"

static const struct fz_case cases[] = {
    { &hw_remedy_s3_bucket_pab, "S3.8", "arn:aws:s3:::fuzz-bucket" },
    { &hw_remedy_s3_account_pab, "S3.1", "AWS::::Account:333333333333" },
    { &hw_remedy_s3_encryption, "S3.4", "arn:aws:s3:::fuzz-bucket" },
    { &hw_remedy_s3_deny_insecure, "S3.5", "arn:aws:s3:::fuzz-bucket" },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_run_families(cases, sizeof cases / sizeof *cases, HW_AWS_REST_XML, data, size);
    return 0;
}
