/*
 * policy.c - what the remediation policy allows: the mode of a control
 * (with the rule for disruptive remediations), the scope (accounts, OUs,
 * regions), Organization membership, the circuit breaker, and the family
 * table.  Pure decisions on the configuration and the accounts known to
 * the store, so that tests drive them without AWS.
 */
#include "remedy/remedy_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const hw_remedy_family *const hw_remedy_families[] = {
    &hw_remedy_s3_bucket_pab, &hw_remedy_s3_account_pab, &hw_remedy_ec2_open_ingress,
    &hw_remedy_iam_stale_keys, &hw_remedy_ebs_default,
    &hw_remedy_iam_password_policy, &hw_remedy_s3_encryption,
    &hw_remedy_s3_deny_insecure, &hw_remedy_cloudtrail_validation,
    &hw_remedy_kms_rotation, &hw_remedy_ec2_public_snapshots,
    &hw_remedy_ec2_default_sg, &hw_remedy_ec2_imdsv2,
    &hw_remedy_guardduty_enable, &hw_remedy_rds_private,
    &hw_remedy_lambda_private, &hw_remedy_rds_snapshot_private,
    &hw_remedy_ssm_document_private, NULL,
};

static int in_list(const char *const *l, const char *s)
{
    for (size_t i = 0; l && l[i]; i++)
        if (strcmp(l[i], s) == 0)
            return 1;
    return 0;
}

const hw_remedy_family *hw_remedy_family_for(const char *control)
{
    for (size_t i = 0; hw_remedy_families[i]; i++)
        if (in_list(hw_remedy_families[i]->controls, control))
            return hw_remedy_families[i];
    const hw_remedy_playbook *pb = hw_remedy_playbook_named(control);
    return pb ? pb->family : NULL;
}

int hw_remedy_disruptive(const hw_remedy_family *f, const char *control)
{
    return f && in_list(f->disruptive, control);
}

const char *hw_remedy_verdict_name(int v)
{
    switch (v) {
    case HW_RV_FAILING:
        return "failing";
    case HW_RV_COMPLIANT:
        return "already-compliant";
    case HW_RV_GONE:
        return "gone";
    case HW_RV_EXEMPT:
        return "exempt";
    case HW_RV_REFUSED:
        return "refused";
    case HW_RV_OUT_OF_SCOPE:
        return "out-of-scope";
    }
    return "?";
}

/* ------------------------------------------------------------- accounts */

static int account_cmp(const void *a, const void *b)
{
    return strcmp(((const hw_remedy_account *)a)->id, ((const hw_remedy_account *)b)->id);
}

int hw_remedy_policy_add_account(hw_remedy_policy *p, const char *id, const char *ou_path,
                                 int in_org, hw_err *e)
{
    hw_remedy_account *n = realloc(p->accounts, (p->naccounts + 1) * sizeof *n);
    if (!n)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    p->accounts = n;
    hw_remedy_account *a = &n[p->naccounts];
    a->id = hw_strdup(id);
    a->ou_path = hw_strdup(ou_path ? ou_path : "");
    a->in_org = in_org;
    if (!a->id || !a->ou_path) {
        free(a->id);
        free(a->ou_path);
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    }
    p->naccounts++;
    qsort(p->accounts, p->naccounts, sizeof *p->accounts, account_cmp);
    return HW_OK;
}

struct load_ctx {
    hw_remedy_policy *p;
    hw_err *e;
    int rc;
};

static int load_account(void *arg, const hw_account_row *a)
{
    struct load_ctx *l = arg;
    l->rc = hw_remedy_policy_add_account(l->p, a->id, a->ou_path, a->in_org, l->e);
    return l->rc != HW_OK;
}

int hw_remedy_policy_init(hw_remedy_policy *p, const hw_config *cfg, hw_store *st, hw_err *e)
{
    memset(p, 0, sizeof *p);
    p->cfg = cfg;
    if (!st)
        return HW_OK;
    struct load_ctx l = { p, e, HW_OK };
    if (hw_store_accounts(st, load_account, &l, e) != HW_OK || l.rc != HW_OK) {
        hw_remedy_policy_free(p);
        return e->kind;
    }
    return HW_OK;
}

void hw_remedy_policy_free(hw_remedy_policy *p)
{
    for (size_t i = 0; i < p->naccounts; i++) {
        free(p->accounts[i].id);
        free(p->accounts[i].ou_path);
    }
    free(p->accounts);
    p->accounts = NULL;
    p->naccounts = 0;
}

static const hw_remedy_account *find_account(const hw_remedy_policy *p, const char *id)
{
    hw_remedy_account key = { (char *)id, NULL, 0 };
    return bsearch(&key, p->accounts, p->naccounts, sizeof *p->accounts, account_cmp);
}

int hw_remedy_policy_in_org(const hw_remedy_policy *p, const char *account)
{
    const hw_remedy_account *a = find_account(p, account);
    return a && a->in_org;
}

/* ---------------------------------------------------------------- policy */

int hw_remedy_policy_mode(const hw_remedy_policy *p, const char *control, int disruptive,
                          char *why, size_t whylen)
{
    int mode = hw_config_remedy_mode(p->cfg, control);
    snprintf(why, whylen, "%s", "");
    if (mode == HW_REMEDY_AUTO && disruptive && !p->cfg->remediation.allow_disruptive_auto) {
        snprintf(why, whylen,
                 "%s is disruptive: approval required unless remediation.allow_disruptive_auto "
                 "is true",
                 control);
        return HW_REMEDY_APPROVAL;
    }
    if (mode == HW_REMEDY_APPROVAL)
        snprintf(why, whylen, "remediation policy: %s needs approval", control);
    return mode;
}

static int str_in(char *const *l, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(l[i], s) == 0)
            return 1;
    return 0;
}

/* Whether an OU path "r-x/ou-a/ou-b" contains ou as one of its parts: an
 * OU covers every account below it. */
static int path_has(const char *path, const char *ou)
{
    size_t n = strlen(ou);
    for (const char *p = path; p && *p;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == n && strncmp(p, ou, n) == 0)
            return 1;
        p = slash ? slash + 1 : NULL;
    }
    return 0;
}

int hw_remedy_policy_in_scope(const hw_remedy_policy *p, const char *account, const char *region,
                              char *why, size_t whylen)
{
    const hw_config *c = p->cfg;
    const hw_remedy_account *a = find_account(p, account);
    const char *path = a ? a->ou_path : "";
    if (c->remediation.ninclude_accounts &&
        !str_in(c->remediation.include_accounts, c->remediation.ninclude_accounts, account)) {
        snprintf(why, whylen, "out of scope: account %s not in remediation.include_accounts",
                 account);
        return 0;
    }
    if (str_in(c->remediation.exclude_accounts, c->remediation.nexclude_accounts, account)) {
        snprintf(why, whylen, "out of scope: account %s in remediation.exclude_accounts", account);
        return 0;
    }
    if (c->remediation.ninclude_ous) {
        int hit = 0;
        for (size_t i = 0; i < c->remediation.ninclude_ous && !hit; i++)
            hit = path_has(path, c->remediation.include_ous[i]);
        if (!hit) {
            snprintf(why, whylen, "out of scope: account %s is under no OU of "
                     "remediation.include_ous", account);
            return 0;
        }
    }
    for (size_t i = 0; i < c->remediation.nexclude_ous; i++)
        if (path_has(path, c->remediation.exclude_ous[i])) {
            snprintf(why, whylen, "out of scope: account %s is under %s (remediation.exclude_ous)",
                     account, c->remediation.exclude_ous[i]);
            return 0;
        }
    if (c->remediation.nregions &&
        !str_in(c->remediation.regions, c->remediation.nregions, region)) {
        snprintf(why, whylen, "out of scope: region %s not in remediation.regions", region);
        return 0;
    }
    return 1;
}

unsigned hw_remedy_breaker_allow(double max_share, unsigned total)
{
    double allow = floor(max_share * (double)total + 1e-9);
    return allow < 1.0 ? 1u : (unsigned)allow;
}

/* ------------------------------------------------------------ tag scope */

int hw_remedy_tag_listed(char *const *list, size_t n, const char *key, const char *value)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i < n; i++) {
        const char *e = list[i], *eq = strchr(e, '=');
        if (!eq ? strcmp(e, key) == 0
                : (size_t)(eq - e) == kl && strncmp(e, key, kl) == 0 && strcmp(eq + 1, value) == 0)
            return 1;
    }
    return 0;
}

void rx_tag(const hw_remedy_target *t, cJSON *state, const char *key, const char *value)
{
    const hw_config *cfg = t->cfg;
    if (!cfg || !state || !key)
        return;
    value = value ? value : "";
    const char *which[2] = { "include", "exclude" };
    char *const *lists[2] = { cfg->remediation.include_tags, cfg->remediation.exclude_tags };
    size_t ns[2] = { cfg->remediation.ninclude_tags, cfg->remediation.nexclude_tags };
    for (int i = 0; i < 2; i++) {
        if (!hw_remedy_tag_listed(lists[i], ns[i], key, value))
            continue;
        cJSON *st = cJSON_GetObjectItemCaseSensitive(state, "ScopeTags");
        if (!st)
            st = cJSON_AddObjectToObject(state, "ScopeTags");
        cJSON *arr = cJSON_GetObjectItemCaseSensitive(st, which[i]);
        if (!arr)
            arr = cJSON_AddArrayToObject(st, which[i]);
        char *kv = hw_asprintf("%s=%s", key, value);
        if (kv)
            cJSON_AddItemToArray(arr, cJSON_CreateString(kv));
        free(kv);
    }
}

int rx_tag_seen(const hw_remedy_target *t, cJSON *state, const char *key, const char *value,
                int *verdict, char why[256])
{
    rx_tag(t, state, key, value);
    if (!key || !t->exemption_tag || strcmp(key, t->exemption_tag) != 0)
        return 0;
    value = value ? value : "";
    cJSON_AddStringToObject(state, "ExemptionTag", value);
    snprintf(why, 256, "tag %s=%.150s", t->exemption_tag, value);
    *verdict = HW_RV_EXEMPT;
    return 1;
}

void rx_json_tags(const hw_remedy_target *t, cJSON *state, const cJSON *tags, int *verdict,
                  char why[256])
{
    const cJSON *tag;
    cJSON_ArrayForEach(tag, tags)
    {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(tag, "Key");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(tag, "Value");
        if (cJSON_IsString(k))
            rx_tag_seen(t, state, k->valuestring, cJSON_IsString(v) ? v->valuestring : "",
                        verdict, why);
    }
}

int hw_remedy_tag_scope(const hw_config *cfg, const cJSON *state, char *why, size_t whylen)
{
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(state, "ScopeTags");
    const cJSON *ex = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(st, "exclude"), 0);
    if (cfg->remediation.nexclude_tags && cJSON_IsString(ex)) {
        snprintf(why, whylen, "tag %.200s is in remediation.exclude_tags", ex->valuestring);
        return 0;
    }
    if (cfg->remediation.ninclude_tags &&
        !cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(st, "include"))) {
        hw_buf b = HW_BUF_INIT(0);
        for (size_t i = 0; i < cfg->remediation.ninclude_tags; i++)
            hw_buf_printf(&b, "%s%s", i ? ", " : "", cfg->remediation.include_tags[i]);
        snprintf(why, whylen, "no tag of remediation.include_tags (%.200s) on the resource",
                 hw_buf_str(&b));
        hw_buf_free(&b);
        return 0;
    }
    return 1;
}
