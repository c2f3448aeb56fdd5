/*
 * sns.c - the SNS service (Query protocol), for the notifications of
 * remediation runs (src/remedy/notify.c).
 */
#include "aws/aws_int.h"

const hw_aws_service hw_svc_sns = {
    "sns", "sns", "sns", "SNS", HW_AWS_QUERY, NULL, NULL, "2010-03-31", 0,
};
