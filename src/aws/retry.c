/*
 * retry.c - which failures are retried, how long to wait, and how each
 * protocol spells an error.
 *
 * Retries follow the SDKs' "standard" mode: throttling codes, 5xx and
 * transport failures (resets, timeouts, truncated bodies) are retried
 * with exponential backoff and full jitter, capped at 20 s; a throttled
 * call waits at least half of its ceiling (340 ms base: 340-680 ms before
 * the first retry), so that a bucket refilling at 3 calls a second has
 * a token again when it is asked; a Retry-After header raises the wait;
 * anything else (a bad signature, access denied, a validation error)
 * returns at once.
 */
#include "aws/aws_int.h"

#include <cJSON.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

static const char *const throttling_codes[] = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
};

static const char *const transient_codes[] = {
    "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure",
    "ServiceUnavailable", "ServiceUnavailableException",
};

int hw_aws_is_throttle(long http_status, const char *code)
{
    for (size_t i = 0; code && i < HW_ARRAY_LEN(throttling_codes); i++)
        if (strcmp(code, throttling_codes[i]) == 0)
            return 1;
    return http_status == 429;
}

int hw_aws_should_retry(long http_status, const char *code, int transport_error)
{
    if (transport_error)
        return 1;
    for (size_t i = 0; code && i < HW_ARRAY_LEN(throttling_codes); i++)
        if (strcmp(code, throttling_codes[i]) == 0)
            return 1;
    for (size_t i = 0; code && i < HW_ARRAY_LEN(transient_codes); i++)
        if (strcmp(code, transient_codes[i]) == 0)
            return 1;
    return http_status == 429 || http_status == 500 || http_status == 502 ||
           http_status == 503 || http_status == 504;
}

int64_t hw_aws_backoff_ms(int attempt, double rnd, long retry_after_s)
{
    return hw_aws_backoff_kind_ms(attempt, rnd, retry_after_s, 0);
}

int64_t hw_aws_backoff_kind_ms(int attempt, double rnd, long retry_after_s, int throttled)
{
    const int64_t base = throttled ? 340 : 100, cap = 20000;
    int64_t ceiling = cap;
    if (attempt < 20) {
        ceiling = base << attempt;
        if (ceiling > cap)
            ceiling = cap;
    }
    if (rnd < 0)
        rnd = 0;
    if (rnd >= 1)
        rnd = 0.999999;
    /* full jitter; a throttle: half the ceiling, plus jitter over the rest */
    int64_t wait = throttled ? ceiling / 2 + (int64_t)(rnd * (double)(ceiling - ceiling / 2))
                             : (int64_t)(rnd * (double)ceiling);
    if (retry_after_s >= 0 && retry_after_s * 1000 > wait)
        wait = retry_after_s * 1000 > cap ? cap : retry_after_s * 1000;
    return wait;
}

/* "aws.protocoltests#FooError:http://..." -> "FooError" */
static void clean_code(const char *in, char *out, size_t outsz)
{
    const char *p = strrchr(in, '#');
    p = p ? p + 1 : in;
    size_t n = strcspn(p, ":");
    if (n >= outsz)
        n = outsz - 1;
    memcpy(out, p, n);
    out[n] = '\0';
}

static void copy_text(char *out, size_t outsz, const char *s)
{
    snprintf(out, outsz, "%s", s ? s : "");
    /* one line, no control characters: the message may come from anyone */
    for (char *p = out; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
}

static void parse_json_error(const char *body, size_t len, hw_aws_error *err)
{
    cJSON *o = cJSON_ParseWithLength(body, len);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return;
    }
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "__type");
    if (!cJSON_IsString(t))
        t = cJSON_GetObjectItemCaseSensitive(o, "code");
    if (!cJSON_IsString(t))
        t = cJSON_GetObjectItemCaseSensitive(o, "Code");
    if (cJSON_IsString(t) && !err->code[0])
        clean_code(t->valuestring, err->code, sizeof err->code);
    const char *names[] = { "message", "Message", "errorMessage" };
    for (size_t i = 0; i < HW_ARRAY_LEN(names); i++) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, names[i]);
        if (cJSON_IsString(m)) {
            copy_text(err->message, sizeof err->message, m->valuestring);
            break;
        }
    }
    cJSON_Delete(o);
}

static void parse_xml_error(const char *body, size_t len, hw_aws_error *err)
{
    if (len > INT32_MAX)
        return;
    xmlDocPtr doc = xmlReadMemory(body, (int)len, "error.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        return;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    const char *code = aws_xml_text(root, "Code");
    const char *msg = aws_xml_text(root, "Message");
    const char *rid = aws_xml_text(root, "RequestId");
    if (!rid)
        rid = aws_xml_text(root, "RequestID");
    if (code)
        copy_text(err->code, sizeof err->code, code);
    if (msg)
        copy_text(err->message, sizeof err->message, msg);
    if (rid)
        copy_text(err->request_id, sizeof err->request_id, rid);
    xmlFreeDoc(doc);
}

void hw_aws_parse_error(int protocol, const char *body, size_t len, const char *type_header,
                        hw_aws_error *err)
{
    err->code[0] = err->message[0] = '\0';
    if (type_header && *type_header)
        clean_code(type_header, err->code, sizeof err->code);
    if (protocol == HW_AWS_JSON || protocol == HW_AWS_REST_JSON)
        parse_json_error(body, len, err);
    else
        parse_xml_error(body, len, err);
    if (!err->code[0]) {
        if (err->http_status == 403)
            snprintf(err->code, sizeof err->code, "AccessDenied");
        else if (err->http_status == 429)
            snprintf(err->code, sizeof err->code, "TooManyRequestsException");
        else if (err->http_status >= 500)
            snprintf(err->code, sizeof err->code, "ServiceError");
    }
}
