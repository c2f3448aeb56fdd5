/*
 * organizations.c - the Organization's accounts and their OU paths:
 * ListAccounts (every account and its status) and the tree below the root
 * (ListRoots, ListOrganizationalUnitsForParent, ListAccountsForParent),
 * every listing paginated to the end; and the Organization's own id
 * (DescribeOrganization).
 */
#include "aws/aws_int.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

struct acct_list {
    hw_aws_account *v;
    size_t n;
};

static hw_aws_account *find(struct acct_list *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].id, id) == 0)
            return &l->v[i];
    return NULL;
}

static hw_aws_account *add(struct acct_list *l, const char *id)
{
    hw_aws_account *a = find(l, id);
    if (a)
        return a;
    hw_aws_account *p = realloc(l->v, (l->n + 1) * sizeof *p);
    if (!p)
        return NULL;
    l->v = p;
    a = &l->v[l->n++];
    memset(a, 0, sizeof *a);
    snprintf(a->id, sizeof a->id, "%s", id);
    return a;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

typedef int (*page_cb)(void *arg, const cJSON *item, hw_err *e);

/* Pages of one listing at most: 20 accounts a page makes 200,000 accounts,
 * far beyond any Organization; a server that pages on past it is broken. */
#define MAX_PAGES 10000

/* Calls operation page by page; cb for every element of list_key.  A
 * NextToken that comes back unchanged, or pages past MAX_PAGES, stop the
 * listing with an error instead of looping (as AWS's own SDKs do). */
static int paginate(hw_aws_client *c, const char *operation, const char *parent,
                    const char *child_type, const char *list_key, page_cb cb, void *arg, hw_err *e)
{
    char *token = NULL;
    int rc = HW_OK;
    int pages = 0;
    do {
        if (++pages > MAX_PAGES) {
            rc = hw_err_set(e, HW_EAWS, "organizations %s: more than %d pages; stopping",
                            operation, MAX_PAGES);
            break;
        }
        cJSON *req = cJSON_CreateObject();
        if (parent)
            cJSON_AddStringToObject(req, "ParentId", parent);
        if (child_type)
            cJSON_AddStringToObject(req, "ChildType", child_type);
        if (token)
            cJSON_AddStringToObject(req, "NextToken", token);
        cJSON *resp = NULL;
        rc = hw_aws_json_call(c, NULL, &hw_svc_organizations, operation, req, &resp, e);
        cJSON_Delete(req);
        if (rc != HW_OK)
            break;
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(resp, list_key);
        const cJSON *it;
        cJSON_ArrayForEach(it, items) {
            if ((rc = cb(arg, it, e)) != HW_OK)
                break;
        }
        const char *next = jstr(resp, "NextToken");
        if (rc == HW_OK && next && *next && token && strcmp(next, token) == 0)
            rc = hw_err_set(e, HW_EAWS,
                            "organizations %s: the same NextToken came back twice; stopping",
                            operation);
        free(token);
        token = next && *next ? strdup(next) : NULL;
        if (rc == HW_OK && next && *next && !token)
            rc = hw_err_set(e, HW_ENOMEM, "out of memory");
        cJSON_Delete(resp);
    } while (rc == HW_OK && token);
    free(token);
    return rc;
}

static int on_account(void *arg, const cJSON *it, hw_err *e)
{
    const char *id = jstr(it, "Id");
    if (!id || strlen(id) != 12)
        return HW_OK; /* not an account id: ignore */
    hw_aws_account *a = add(arg, id);
    if (!a)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    const char *v;
    if ((v = jstr(it, "Name")))
        snprintf(a->name, sizeof a->name, "%s", v);
    if ((v = jstr(it, "Email")))
        snprintf(a->email, sizeof a->email, "%s", v);
    if ((v = jstr(it, "Status")))
        snprintf(a->status, sizeof a->status, "%s", v);
    return HW_OK;
}

struct walk {
    hw_aws_client *c;
    struct acct_list *accts;
    const char *path;
    const char *names;
    int depth;
};

static int walk_parent(hw_aws_client *c, struct acct_list *l, const char *parent, const char *path,
                       const char *names, int depth, hw_err *e);

static int on_child_account(void *arg, const cJSON *it, hw_err *e)
{
    struct walk *w = arg;
    const char *id = jstr(it, "Id");
    if (!id || strlen(id) != 12)
        return HW_OK;
    hw_aws_account *a = add(w->accts, id);
    if (!a)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    snprintf(a->ou_path, sizeof a->ou_path, "%s", w->path);
    snprintf(a->ou_names, sizeof a->ou_names, "%s", w->names);
    return on_account(w->accts, it, e);
}

static int on_child_ou(void *arg, const cJSON *it, hw_err *e)
{
    struct walk *w = arg;
    const char *id = jstr(it, "Id");
    const char *name = jstr(it, "Name");
    if (!id)
        return HW_OK;
    char path[1024], names[1024];
    snprintf(path, sizeof path, "%s/%s", w->path, id);
    snprintf(names, sizeof names, "%s/%s", w->names, name ? name : id);
    return walk_parent(w->c, w->accts, id, path, names, w->depth + 1, e);
}

static int walk_parent(hw_aws_client *c, struct acct_list *l, const char *parent, const char *path,
                       const char *names, int depth, hw_err *e)
{
    if (depth > 5) /* AWS allows five levels of OUs below the root */
        return HW_OK;
    struct walk w = { c, l, path, names, depth };
    if (paginate(c, "ListAccountsForParent", parent, NULL, "Accounts", on_child_account, &w, e) !=
        HW_OK)
        return e->kind;
    return paginate(c, "ListOrganizationalUnitsForParent", parent, NULL, "OrganizationalUnits",
                    on_child_ou, &w, e);
}

struct roots {
    hw_aws_client *c;
    struct acct_list *accts;
};

static int on_root(void *arg, const cJSON *it, hw_err *e)
{
    struct roots *r = arg;
    const char *id = jstr(it, "Id");
    const char *name = jstr(it, "Name");
    if (!id)
        return HW_OK;
    return walk_parent(r->c, r->accts, id, id, name ? name : "Root", 0, e);
}

int hw_aws_org_accounts(hw_aws_client *c, hw_aws_account **accounts, size_t *n, hw_err *e)
{
    struct acct_list l = { NULL, 0 };
    *accounts = NULL;
    *n = 0;
    int rc = paginate(c, "ListAccounts", NULL, NULL, "Accounts", on_account, &l, e);
    if (rc == HW_OK) {
        struct roots r = { c, &l };
        rc = paginate(c, "ListRoots", NULL, NULL, "Roots", on_root, &r, e);
    }
    if (rc != HW_OK) {
        free(l.v);
        return rc;
    }
    *accounts = l.v;
    *n = l.n;
    return HW_OK;
}

/* ^o-[a-z0-9]{10,32}$, as the model's OrganizationId */
static int org_id_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 12 || n > 34 || strncmp(s, "o-", 2) != 0)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
            return 0;
    return 1;
}

static int account_id_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n != 12)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

int hw_aws_org_describe(hw_aws_client *c, hw_aws_org *out, hw_err *e)
{
    memset(out, 0, sizeof *out);
    cJSON *req = cJSON_CreateObject(), *resp = NULL;
    int rc = req ? hw_aws_json_call(c, NULL, &hw_svc_organizations, "DescribeOrganization", req,
                                    &resp, e)
                 : hw_err_set(e, HW_ENOMEM, "out of memory");
    cJSON_Delete(req);
    if (rc != HW_OK)
        return rc;
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(resp, "Organization");
    const char *id = jstr(o, "Id"), *arn = jstr(o, "Arn"), *mgmt = jstr(o, "MasterAccountId");
    if (!org_id_ok(id))
        rc = hw_err_set(e, HW_EAWS, "organizations DescribeOrganization: Organization.Id: not an"
                                    " Organization id (o- and 10 to 32 letters or digits)");
    else if (mgmt && !account_id_ok(mgmt))
        rc = hw_err_set(e, HW_EAWS, "organizations DescribeOrganization: "
                                    "Organization.MasterAccountId: not a 12-digit account id");
    else if (arn && strlen(arn) >= sizeof out->arn)
        rc = hw_err_set(e, HW_EAWS, "organizations DescribeOrganization: Organization.Arn: "
                                    "longer than %zu bytes", sizeof out->arn - 1);
    else {
        snprintf(out->id, sizeof out->id, "%s", id);
        snprintf(out->arn, sizeof out->arn, "%s", arn ? arn : "");
        snprintf(out->management_account, sizeof out->management_account, "%s",
                 mgmt ? mgmt : "");
    }
    cJSON_Delete(resp);
    return rc;
}
