/*
 * fuzz_xml_ec2.c - libFuzzer target: EC2's XML responses (Query protocol
 * with EC2's error format) as the remediation families read them:
 * security group rules (pages), EBS encryption by default, snapshot
 * permissions, the default group, instance metadata options; and EC2's
 * error parser.  Answers come from the input (xml_answers.h).
 */
#include "remedy_runner.h"

static const struct fz_case cases[] = {
    { &hw_remedy_ec2_open_ingress, "EC2.19",
      "arn:aws:ec2:us-east-1:333333333333:security-group/sg-0a11" },
    { &hw_remedy_ec2_open_ingress, "EC2.53",
      "arn:aws:ec2:us-east-1:333333333333:security-group/sg-0a11" },
    { &hw_remedy_ebs_default, "EC2.7", "AWS::::Account:333333333333" },
    { &hw_remedy_ec2_public_snapshots, "EC2.1",
      "arn:aws:ec2:us-east-1:333333333333:snapshot/snap-0123456789abcdef0" },
    { &hw_remedy_ec2_default_sg, "EC2.2",
      "arn:aws:ec2:us-east-1:333333333333:security-group/sg-0d44" },
    { &hw_remedy_ec2_imdsv2, "EC2.8",
      "arn:aws:ec2:us-east-1:333333333333:instance/i-0123456789abcdef0" },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_run_families(cases, sizeof cases / sizeof *cases, HW_AWS_EC2, data, size);
    return 0;
}
