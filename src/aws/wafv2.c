/*
 * wafv2.c - the WAFv2 service (JSON 1.1 protocol, target prefix
 * AWSWAF_20190729), for the malicious-ip playbook's IP sets
 * (src/remedy/pb_waf.c): GetIPSet and UpdateIPSet through
 * hw_aws_json_call.
 */
#include "aws/aws_int.h"

const hw_aws_service hw_svc_wafv2 = {
    "wafv2", "wafv2", "wafv2", "WAFV2", HW_AWS_JSON, "AWSWAF_20190729", "1.1", NULL, 0,
};
