/*
 * ec2.c - the EC2 service (Query protocol with EC2's error format), for
 * the remediations that read and change security groups and EBS settings.
 */
#include "aws/aws_int.h"

const hw_aws_service hw_svc_ec2 = {
    "ec2", "ec2", "ec2", "EC2", HW_AWS_EC2, NULL, NULL, "2016-11-15", 0,
};
