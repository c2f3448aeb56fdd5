/*
 * iam.c - the IAM service (Query protocol; one global endpoint per
 * partition, signed for us-east-1 in the commercial partition), for the
 * remediations of access keys.
 */
#include "aws/aws_int.h"

const hw_aws_service hw_svc_iam = {
    "iam", "iam", "iam", "IAM", HW_AWS_QUERY, NULL, NULL, "2010-05-08", 1,
};
