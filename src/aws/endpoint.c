/*
 * endpoint.c - where a service lives: overrides first (the SDK-standard
 * AWS_ENDPOINT_URL_<SERVICE>, then the configuration's per-service URL,
 * then AWS_ENDPOINT_URL / aws.endpoint_url), else the partition's host,
 * FIPS when asked.
 */
#include "aws/aws_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

const hw_aws_service hw_svc_sts = {
    "sts", "sts", "sts", "STS", HW_AWS_QUERY, NULL, NULL, "2011-06-15", 0,
};
const hw_aws_service hw_svc_organizations = {
    "organizations", "organizations", "organizations", "ORGANIZATIONS", HW_AWS_JSON,
    "AWSOrganizationsV20161128", "1.1", NULL, 1,
};
const hw_aws_service hw_svc_securityhub = {
    "securityhub", "securityhub", "securityhub", "SECURITYHUB", HW_AWS_REST_JSON,
    NULL, NULL, NULL, 0,
};

const hw_aws_service hw_svc_s3 = {
    "s3", "s3", "s3", "S3", HW_AWS_REST_XML, NULL, NULL, NULL, 0,
};
const hw_aws_service hw_svc_s3control = {
    "s3control", "s3", "s3-control", "S3_CONTROL", HW_AWS_REST_XML, NULL, NULL, NULL, 0,
};

const char *hw_aws_partition(const char *region)
{
    if (!region)
        return "aws";
    if (strncmp(region, "cn-", 3) == 0)
        return "aws-cn";
    if (strncmp(region, "us-gov-", 7) == 0)
        return "aws-us-gov";
    return "aws";
}

static const char *dns_suffix(const char *partition)
{
    return strcmp(partition, "aws-cn") == 0 ? "amazonaws.com.cn" : "amazonaws.com";
}

const char *aws_sign_region(const hw_aws_service *svc, const char *region)
{
    if (svc->global) { /* Organizations and IAM: one region per partition */
        const char *p = hw_aws_partition(region);
        if (strcmp(p, "aws-cn") == 0)
            return "cn-northwest-1";
        if (strcmp(p, "aws-us-gov") == 0)
            return "us-gov-west-1";
        return "us-east-1";
    }
    return region;
}

static char *strip_slash(const char *url)
{
    char *u = strdup(url);
    if (!u)
        return NULL;
    size_t n = strlen(u);
    while (n > 0 && u[n - 1] == '/')
        u[--n] = '\0';
    return u;
}

static int valid_url(const char *u)
{
    return hw_starts_with(u, "https://") || hw_starts_with(u, "http://");
}

int hw_aws_endpoint(const hw_aws_options *opt, const hw_aws_service *svc, const char *region,
                    char **url, hw_err *e)
{
    *url = NULL;
    char envname[96];
    snprintf(envname, sizeof envname, "AWS_ENDPOINT_URL_%s", svc->env_id);
    const char *o = getenv(envname);
    const char *origin = envname;
    for (size_t i = 0; (!o || !*o) && opt && i < opt->nendpoints; i++)
        if (strcasecmp(opt->endpoints[i].service, svc->name) == 0) {
            o = opt->endpoints[i].url;
            origin = "aws.endpoints";
        }
    if (!o || !*o) {
        o = getenv("AWS_ENDPOINT_URL");
        origin = "AWS_ENDPOINT_URL";
    }
    if ((!o || !*o) && opt && opt->endpoint_url) {
        o = opt->endpoint_url;
        origin = "aws.endpoint_url";
    }
    if (o && *o) {
        if (!valid_url(o))
            return hw_err_set(e, HW_EINVAL, "%s: expected an http:// or https:// URL", origin);
        *url = strip_slash(o);
        return *url ? HW_OK : hw_err_set(e, HW_ENOMEM, "out of memory");
    }
    if (!region || !*region)
        return hw_err_set(e, HW_EINVAL,
                          "no AWS region: set --region, aws.region, AWS_REGION or AWS_DEFAULT_REGION");
    for (const char *p = region; *p; p++)
        if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-')
            return hw_err_set(e, HW_EINVAL, "not an AWS region name: %s", region);
    const char *partition = hw_aws_partition(region);
    const char *suffix = dns_suffix(partition);
    int fips = opt && opt->use_fips;
    if (svc->global && strcmp(svc->name, "iam") == 0) {
        *url = hw_asprintf("https://iam%s.%s", fips ? "-fips" : "", suffix);
    } else if (svc->global && strcmp(svc->name, "organizations") == 0) {
        const char *r = aws_sign_region(svc, region);
        *url = hw_asprintf("https://organizations%s.%s.%s", fips ? "-fips" : "", r, suffix);
    } else {
        *url = hw_asprintf("https://%s%s.%s.%s", svc->endpoint_prefix, fips ? "-fips" : "", region,
                           suffix);
    }
    return *url ? HW_OK : hw_err_set(e, HW_ENOMEM, "out of memory");
}

int aws_base_url(hw_aws_client *c, const hw_aws_service *svc, const char *region, char **url,
                 hw_err *e)
{
    return hw_aws_endpoint(&c->opt, svc, region, url, e);
}

void hw_aws_uri_encode(hw_buf *out, const char *s, int encode_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~' ||
            (*p == '/' && !encode_slash)) {
            hw_buf_putc(out, (char)*p);
        } else {
            char esc[3] = { '%', hex[*p >> 4], hex[*p & 15] };
            hw_buf_append(out, esc, 3);
        }
    }
}

struct enc_param {
    char *name;
    char *value;
};

static int cmp_param(const void *a, const void *b)
{
    const struct enc_param *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

int hw_aws_canonical_query(const hw_aws_param *params, size_t n, hw_buf *out)
{
    /* SigV4 sorts by the encoded names (byte order), then values */
    struct enc_param *ps = calloc(n ? n : 1, sizeof *ps);
    if (!ps)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        hw_buf a = HW_BUF_INIT(0), b = HW_BUF_INIT(0);
        hw_aws_uri_encode(&a, params[i].name, 1);
        hw_aws_uri_encode(&b, params[i].value ? params[i].value : "", 1);
        ps[i].name = hw_buf_detach(&a, NULL);
        ps[i].value = hw_buf_detach(&b, NULL);
    }
    qsort(ps, n, sizeof *ps, cmp_param);
    for (size_t i = 0; i < n; i++) {
        if (i)
            rc |= hw_buf_putc(out, '&');
        rc |= hw_buf_puts(out, ps[i].name);
        rc |= hw_buf_putc(out, '=');
        rc |= hw_buf_puts(out, ps[i].value);
        free(ps[i].name);
        free(ps[i].value);
    }
    free(ps);
    if (n == 0)
        rc |= hw_buf_append(out, "", 0);
    return rc;
}
