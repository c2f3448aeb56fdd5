/*
 * pb_waf.c - the malicious-ip playbook's WAFv2 IP sets: besides the
 * network ACL deny entry (pb_ec2.c), the attacker's address goes into each
 * IP set that playbooks.waf_ip_sets names for the finding's account, as a
 * CIDR (/32, /128 for IPv6), and comes out again when the block expires or
 * the action is undone.
 *
 * UpdateIPSet replaces the whole address list and takes the LockToken of
 * the GetIPSet it is based on; another writer in between makes it fail
 * with WAFOptimisticLockException, and then the set is read again and the
 * change made on what is there now, so that nobody else's address is ever
 * lost.  An address already there is not written again (no call); the
 * Description is passed back as read, since UpdateIPSet resets whatever
 * it is not given.
 */
#include "remedy/remedy_int.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

/* Attempts of one change when other writers keep moving the LockToken. */
#define LOCK_ATTEMPTS 5

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* "a.b.c.d/n" or "x::y/n" -> family, 16 address bytes, prefix; 0 when not
 * a CIDR. */
static int cidr_parse(const char *s, int *fam, unsigned char addr[16], int *len)
{
    const char *slash = strchr(s, '/');
    char host[64];
    if (!slash || (size_t)(slash - s) >= sizeof host || !slash[1] ||
        strspn(slash + 1, "0123456789") != strlen(slash + 1) || strlen(slash + 1) > 3)
        return 0;
    memcpy(host, s, (size_t)(slash - s));
    host[slash - s] = '\0';
    memset(addr, 0, 16);
    *len = atoi(slash + 1);
    *fam = strchr(host, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(*fam, host, addr) != 1)
        return 0;
    return *len <= (*fam == AF_INET ? 32 : 128);
}

/* The same network in any spelling ("2001:DB8::1/128" is "2001:db8:0::1/128"). */
static int cidr_same(const char *a, const char *b)
{
    int fa, fb, la, lb;
    unsigned char xa[16], xb[16];
    return cidr_parse(a, &fa, xa, &la) && cidr_parse(b, &fb, xb, &lb) && fa == fb && la == lb &&
           memcmp(xa, xb, 16) == 0;
}

static int has_cidr(const cJSON *addresses, const char *cidr)
{
    const cJSON *a;
    cJSON_ArrayForEach(a, addresses)
        if (cJSON_IsString(a) && cidr_same(a->valuestring, cidr))
            return 1;
    return 0;
}

/* Calls go to the IP set's own region (CloudFront sets: the ARN's, which
 * is the partition's CloudFront region) in the account assumed. */
static int waf_call(hw_aws_client *c, const char *account, const hw_wafv2_ipset *w,
                    const char *op, const cJSON *req, cJSON **resp, hw_err *e)
{
    hw_aws_ctx ctx = { w->region, account };
    return hw_aws_json_call(c, &ctx, &hw_svc_wafv2, op, req, resp, e);
}

/* GetIPSet: *resp the whole response (IPSet, LockToken), checked. */
static int get_ipset(hw_aws_client *c, const char *account, const hw_wafv2_ipset *w,
                     cJSON **resp, hw_err *e)
{
    *resp = NULL;
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "Name", w->name);
    cJSON_AddStringToObject(req, "Scope", w->scope);
    cJSON_AddStringToObject(req, "Id", w->id);
    int rc = waf_call(c, account, w, "GetIPSet", req, resp, e);
    cJSON_Delete(req);
    if (rc != HW_OK)
        return hw_err_prefix(e, "WAFv2 IP set %s (%s)", w->name, w->id);
    const cJSON *set = cJSON_GetObjectItemCaseSensitive(*resp, "IPSet");
    if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(set, "Addresses")) ||
        !*jstr(*resp, "LockToken") || !*jstr(set, "IPAddressVersion")) {
        cJSON_Delete(*resp);
        *resp = NULL;
        return hw_err_set(e, HW_EAWS, "wafv2 GetIPSet %s: no Addresses, IPAddressVersion or "
                                      "LockToken in the response", w->name);
    }
    return HW_OK;
}

int rx_waf_read(hw_aws_client *c, const hw_remedy_target *t, const char *cidr, cJSON *state,
                int *missing, hw_err *e)
{
    *missing = 0;
    const hw_config *cfg = t->cfg;
    if (!cfg || !cfg->playbooks.nwaf_ip_sets)
        return HW_OK;
    int fam, len;
    unsigned char addr[16];
    if (!cidr_parse(cidr, &fam, addr, &len))
        return hw_err_set(e, HW_EINVAL, "%s is not a CIDR", cidr);
    cJSON *sets = cJSON_AddArrayToObject(state, "WafIpSets");
    for (size_t i = 0; i < cfg->playbooks.nwaf_ip_sets; i++) {
        const char *arn = cfg->playbooks.waf_ip_sets[i];
        hw_wafv2_ipset w;
        /* only the sets of the finding's account: the role is assumed there */
        if (!hw_wafv2_ipset_parse(arn, &w) || strcmp(w.account, t->account) != 0)
            continue;
        cJSON *resp = NULL;
        int rc = get_ipset(c, t->account, &w, &resp, e);
        if (rc != HW_OK)
            return rc;
        const cJSON *set = cJSON_GetObjectItemCaseSensitive(resp, "IPSet");
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "Arn", arn);
        const char *ver = jstr(set, "IPAddressVersion");
        if (strcmp(ver, fam == AF_INET ? "IPV4" : "IPV6") != 0) {
            cJSON_AddStringToObject(x, "Skipped", ver); /* another address family */
        } else {
            int present = has_cidr(cJSON_GetObjectItemCaseSensitive(set, "Addresses"), cidr);
            cJSON_AddBoolToObject(x, "Present", present);
            if (!present)
                (*missing)++;
        }
        cJSON_AddItemToArray(sets, x);
        cJSON_Delete(resp);
    }
    return HW_OK;
}

/* Adds (add=1) or removes every spelling of cidr in one IP set, on a fresh
 * read, again after WAFOptimisticLockException; *changed 1 when an
 * UpdateIPSet went through. */
static int change(hw_aws_client *c, const char *account, const char *arn, const char *cidr,
                  int add, int *changed, hw_err *e)
{
    *changed = 0;
    hw_wafv2_ipset w;
    if (!hw_wafv2_ipset_parse(arn, &w))
        return hw_err_set(e, HW_EINVAL, "%.200s is not a WAFv2 IP set ARN", arn);
    for (int attempt = 1;; attempt++) {
        cJSON *resp = NULL;
        int rc = get_ipset(c, account, &w, &resp, e);
        if (rc != HW_OK)
            return rc;
        const cJSON *set = cJSON_GetObjectItemCaseSensitive(resp, "IPSet");
        const cJSON *old = cJSON_GetObjectItemCaseSensitive(set, "Addresses");
        if (has_cidr(old, cidr) == add) { /* already as wanted: no call */
            cJSON_Delete(resp);
            return HW_OK;
        }
        cJSON *req = cJSON_CreateObject();
        cJSON_AddStringToObject(req, "Name", w.name);
        cJSON_AddStringToObject(req, "Scope", w.scope);
        cJSON_AddStringToObject(req, "Id", w.id);
        const cJSON *desc = cJSON_GetObjectItemCaseSensitive(set, "Description");
        if (cJSON_IsString(desc))
            cJSON_AddStringToObject(req, "Description", desc->valuestring);
        cJSON *addrs = cJSON_AddArrayToObject(req, "Addresses");
        const cJSON *a;
        cJSON_ArrayForEach(a, old)
            if (cJSON_IsString(a) && !(!add && cidr_same(a->valuestring, cidr)))
                cJSON_AddItemToArray(addrs, cJSON_CreateString(a->valuestring));
        if (add)
            cJSON_AddItemToArray(addrs, cJSON_CreateString(cidr));
        cJSON_AddStringToObject(req, "LockToken", jstr(resp, "LockToken"));
        cJSON_Delete(resp);
        cJSON *out = NULL;
        rc = waf_call(c, account, &w, "UpdateIPSet", req, &out, e);
        cJSON_Delete(req);
        cJSON_Delete(out);
        if (rc == HW_OK) {
            *changed = 1;
            return HW_OK;
        }
        if (strcmp(rx_code(c), "WAFOptimisticLockException") != 0 || attempt == LOCK_ATTEMPTS)
            return hw_err_prefix(e, "WAFv2 IP set %s (%s)", w.name, w.id);
        hw_info("WAFv2 IP set %s changed since it was read (WAFOptimisticLockException): "
                "reading it again",
                w.name);
        hw_err_clear(e);
    }
}

int rx_waf_add(hw_aws_client *c, const hw_remedy_target *t, const cJSON *state, hw_err *e)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(state, "WafIpSets")) {
        if (!cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(x, "Present")))
            continue;
        int changed;
        int rc = change(c, t->account, jstr(x, "Arn"), jstr(state, "Cidr"), 1, &changed, e);
        if (rc != HW_OK)
            return rc;
    }
    return HW_OK;
}

int rx_waf_remove(hw_aws_client *c, const char *account, const char *arn, const char *cidr,
                  int *removed, hw_err *e)
{
    return change(c, account, arn, cidr, 0, removed, e);
}

int rx_waf_added(const cJSON *before, const cJSON *after, const char *arn)
{
    const cJSON *x;
    int was = 0, is = 0;
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(before, "WafIpSets"))
        if (strcmp(jstr(x, "Arn"), arn) == 0 &&
            cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(x, "Present")))
            was = 1;
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(after, "WafIpSets"))
        if (strcmp(jstr(x, "Arn"), arn) == 0 &&
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "Present")))
            is = 1;
    return was && is;
}
