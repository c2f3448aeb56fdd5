/*
 * iam_password.c - the account password policy (IAM.7, IAM.10, IAM.11 to
 * IAM.17):
 * GetAccountPasswordPolicy, then UpdateAccountPasswordPolicy with every
 * current value kept and only the values the control checks raised to the
 * configured ones (remediation.password_policy.*); a value already
 * stricter is never lowered.  UpdateAccountPasswordPolicy replaces the
 * whole policy (a field left out goes back to its default), so the fix
 * sends every field the current policy sets.  NoSuchEntity: the account
 * has no policy yet.
 */
#include "remedy/remedy_int.h"

#include <string.h>

/* What each control demands (Security Hub's checks). */
enum {
    PW_UPPER = 1, PW_LOWER = 2, PW_SYMBOLS = 4, PW_NUMBERS = 8, PW_LENGTH = 16, PW_REUSE = 32,
    PW_AGE = 64, PW_ALL = 127
};

#define PW_REUSE_MAX 24 /* IAM.16 asks for 24, the most IAM allows */
#define PW_AGE_MAX 90   /* IAM.17 (and IAM.7, IAM.10): expire within 90 days */

/* IAM.10 is PCI DSS 3.2.1's policy (8.2.3-8.2.5): upper and lower case and
 * numbers (no symbols), at least 7 characters, the last 4 passwords not
 * reused, expiry within 90 days. */
static const struct {
    const char *control;
    int checks;
    int min_length; /* the control's own thresholds */
    int min_reuse;
} pw_controls[] = {
    { "IAM.7", PW_ALL, 8, PW_REUSE_MAX },
    { "IAM.10", PW_UPPER | PW_LOWER | PW_NUMBERS | PW_LENGTH | PW_REUSE | PW_AGE, 7, 4 },
    { "IAM.11", PW_UPPER, 0, 0 },
    { "IAM.12", PW_LOWER, 0, 0 },
    { "IAM.13", PW_SYMBOLS, 0, 0 },
    { "IAM.14", PW_NUMBERS, 0, 0 },
    { "IAM.15", PW_LENGTH, 14, 0 },
    { "IAM.16", PW_REUSE, 0, PW_REUSE_MAX },
    { "IAM.17", PW_AGE, 0, 0 },
};

static const char *const bools[] = { "RequireUppercaseCharacters", "RequireLowercaseCharacters",
                                     "RequireSymbols", "RequireNumbers" };
static const int bool_checks[] = { PW_UPPER, PW_LOWER, PW_SYMBOLS, PW_NUMBERS };

static int checks_of(const char *control, int *min_length, int *min_reuse)
{
    for (size_t i = 0; i < HW_ARRAY_LEN(pw_controls); i++)
        if (strcmp(pw_controls[i].control, control) == 0) {
            *min_length = pw_controls[i].min_length;
            *min_reuse = pw_controls[i].min_reuse;
            return pw_controls[i].checks;
        }
    *min_length = *min_reuse = 0;
    return 0;
}

/* The length a fix sets: the configured one, never below the control's. */
static int cfg_length(const hw_remedy_target *t, int min_length)
{
    int n = t->cfg ? t->cfg->remediation.password_min_length : 14;
    return n > min_length ? n : min_length;
}

static int cfg_age(const hw_remedy_target *t)
{
    return t->cfg ? t->cfg->remediation.password_max_age : PW_AGE_MAX;
}

static cJSON *pw_calls(const hw_remedy_target *t)
{
    int minlen = 0, minreuse = 0, checks = checks_of(t->control, &minlen, &minreuse);
    cJSON *c = cJSON_CreateArray();
    hw_buf b = HW_BUF_INIT(0);
    for (size_t i = 0; i < HW_ARRAY_LEN(bools); i++)
        if (checks & bool_checks[i])
            hw_buf_printf(&b, " %s=true", bools[i]);
    if (checks & PW_LENGTH)
        hw_buf_printf(&b, " MinimumPasswordLength>=%d", cfg_length(t, minlen));
    if (checks & PW_REUSE)
        hw_buf_printf(&b, " PasswordReusePrevention>=%d", minreuse);
    if (checks & PW_AGE)
        hw_buf_printf(&b, " MaxPasswordAge<=%d", cfg_age(t));
    rx_call(c, "iam:GetAccountPasswordPolicy (account %s)", t->account);
    rx_call(c, "iam:UpdateAccountPasswordPolicy (account %s)%s; every other current value kept, "
               "none lowered",
            t->account, hw_buf_str(&b));
    rx_call(c, "iam:GetAccountPasswordPolicy (verify)");
    hw_buf_free(&b);
    return c;
}

static int iam_call(hw_aws_client *c, const hw_remedy_target *t, const char *op,
                    const hw_aws_param *p, size_t n, xmlDocPtr *doc, hw_err *e)
{
    /* IAM is global: signed for the partition's home region */
    const char *region = strcmp(hw_aws_partition(t->region), "aws") == 0 ? "us-east-1" : t->region;
    hw_aws_ctx ctx = { region, t->account };
    return hw_aws_query_call(c, &ctx, &hw_svc_iam, op, p, n, doc, e);
}

static int num(xmlNodePtr pol, const char *name)
{
    const char *s = rx_text(pol, name);
    long v = s ? strtol(s, NULL, 10) : 0;
    return v < 0 || v > 100000 ? 0 : (int)v;
}

/* The policy's fields as JSON (an empty object: no policy). */
static cJSON *policy_json(xmlDocPtr doc)
{
    cJSON *o = cJSON_CreateObject();
    xmlNodePtr pol = doc ? rx_find(xmlDocGetRootElement(doc), "PasswordPolicy") : NULL;
    if (!pol)
        return o;
    cJSON_AddNumberToObject(o, "MinimumPasswordLength", num(pol, "MinimumPasswordLength"));
    for (size_t i = 0; i < HW_ARRAY_LEN(bools); i++)
        cJSON_AddBoolToObject(o, bools[i], rx_bool(rx_text(pol, bools[i])));
    cJSON_AddBoolToObject(o, "AllowUsersToChangePassword",
                          rx_bool(rx_text(pol, "AllowUsersToChangePassword")));
    cJSON_AddNumberToObject(o, "MaxPasswordAge", num(pol, "MaxPasswordAge"));
    cJSON_AddNumberToObject(o, "PasswordReusePrevention", num(pol, "PasswordReusePrevention"));
    cJSON_AddBoolToObject(o, "HardExpiry", rx_bool(rx_text(pol, "HardExpiry")));
    return o;
}

static int jint(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valueint : 0;
}

static int jbool(const cJSON *o, const char *k)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* The checks of `checks` that the policy fails, as text into why. */
static int failing(const cJSON *pol, int checks, int min_length, int min_reuse, hw_buf *why)
{
    int bad = 0;
    for (size_t i = 0; i < HW_ARRAY_LEN(bools); i++)
        if ((checks & bool_checks[i]) && !jbool(pol, bools[i])) {
            bad |= bool_checks[i];
            hw_buf_printf(why, ", %s false", bools[i]);
        }
    int len = jint(pol, "MinimumPasswordLength");
    if ((checks & PW_LENGTH) && len < min_length) {
        bad |= PW_LENGTH;
        hw_buf_printf(why, ", MinimumPasswordLength %d < %d", len, min_length);
    }
    int reuse = jint(pol, "PasswordReusePrevention");
    if ((checks & PW_REUSE) && reuse < min_reuse) {
        bad |= PW_REUSE;
        hw_buf_printf(why, ", PasswordReusePrevention %d < %d", reuse, min_reuse);
    }
    int age = jint(pol, "MaxPasswordAge");
    if ((checks & PW_AGE) && (age == 0 || age > PW_AGE_MAX)) {
        bad |= PW_AGE;
        if (age == 0)
            hw_buf_puts(why, ", passwords never expire");
        else
            hw_buf_printf(why, ", MaxPasswordAge %d > %d", age, PW_AGE_MAX);
    }
    return bad;
}

static int pw_read(hw_aws_client *c, const hw_remedy_target *t, cJSON **state, int *verdict,
                   char why[256], hw_err *e)
{
    int minlen = 0, minreuse = 0, checks = checks_of(t->control, &minlen, &minreuse);
    if (!checks) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "%.40s is not a password policy control", t->control);
        return HW_OK;
    }
    xmlDocPtr doc = NULL;
    int rc = iam_call(c, t, "GetAccountPasswordPolicy", NULL, 0, &doc, e);
    int none = rc != HW_OK && strcmp(rx_code(c), "NoSuchEntity") == 0;
    if (rc != HW_OK && !none)
        return rc;
    *state = cJSON_CreateObject();
    cJSON_AddStringToObject(*state, "AccountId", t->account);
    cJSON *pol = policy_json(none ? NULL : doc);
    xmlFreeDoc(doc);
    cJSON_AddItemToObject(*state, "PasswordPolicy", pol);
    hw_buf b = HW_BUF_INIT(0);
    int bad = failing(pol, checks, minlen, minreuse, &b);
    *verdict = bad ? HW_RV_FAILING : HW_RV_COMPLIANT;
    if (none)
        snprintf(why, 256, "account %s: no password policy", t->account);
    else if (bad)
        snprintf(why, 256, "account %s: password policy fails %s: %.180s", t->account, t->control,
                 hw_buf_str(&b) + 2);
    else
        snprintf(why, 256, "account %s: password policy meets %s", t->account, t->control);
    hw_buf_free(&b);
    return HW_OK;
}

static int pw_fix(hw_aws_client *c, const hw_remedy_target *t, const cJSON *state, hw_err *e)
{
    int minlen = 0, minreuse = 0, checks = checks_of(t->control, &minlen, &minreuse);
    const cJSON *pol = cJSON_GetObjectItemCaseSensitive(state, "PasswordPolicy");
    hw_aws_param p[10];
    char vals[10][16];
    size_t n = 0;
#define PUT(key, fmt, v)                                                                          \
    do {                                                                                           \
        snprintf(vals[n], sizeof vals[n], fmt, v);                                                 \
        p[n].name = key;                                                                           \
        p[n].value = vals[n];                                                                      \
        n++;                                                                                       \
    } while (0)
    for (size_t i = 0; i < HW_ARRAY_LEN(bools); i++)
        if (jbool(pol, bools[i]) || (checks & bool_checks[i]))
            PUT(bools[i], "%s", "true");
    int len = jint(pol, "MinimumPasswordLength");
    if ((checks & PW_LENGTH) && len < cfg_length(t, minlen))
        len = cfg_length(t, minlen);
    if (len > 0)
        PUT("MinimumPasswordLength", "%d", len);
    int reuse = jint(pol, "PasswordReusePrevention");
    if ((checks & PW_REUSE) && reuse < minreuse)
        reuse = minreuse;
    if (reuse > 0)
        PUT("PasswordReusePrevention", "%d", reuse);
    int age = jint(pol, "MaxPasswordAge");
    if ((checks & PW_AGE) && (age == 0 || age > cfg_age(t)))
        age = cfg_age(t);
    if (age > 0)
        PUT("MaxPasswordAge", "%d", age);
    if (jbool(pol, "AllowUsersToChangePassword"))
        PUT("AllowUsersToChangePassword", "%s", "true");
    if (jbool(pol, "HardExpiry"))
        PUT("HardExpiry", "%s", "true");
#undef PUT
    xmlDocPtr doc = NULL;
    int rc = iam_call(c, t, "UpdateAccountPasswordPolicy", p, n, &doc, e);
    xmlFreeDoc(doc);
    return rc;
}

static const char *const controls[] = { "IAM.7",  "IAM.10", "IAM.11", "IAM.12", "IAM.13", "IAM.14",
                                        "IAM.15", "IAM.16", "IAM.17", NULL };
static const char *const perms[] = { "iam:GetAccountPasswordPolicy",
                                     "iam:UpdateAccountPasswordPolicy", NULL };
static const char *const none[] = { NULL };

const hw_remedy_family hw_remedy_iam_password_policy = {
    "iam-password-policy", controls, none, perms, pw_calls, pw_read, pw_fix, 0,
};
