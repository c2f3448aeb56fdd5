/*
 * gate_queries.c - what `hubwarden gate` reads from the store: the newest
 * successful scan, the failing and passing resources of the controls it
 * gates (with when each started failing and the action that fixed it
 * since), the exceptions valid now and the actions still awaiting a
 * decision or a run.
 *
 * The gate's cost follows the findings of the gated controls, not the
 * size of the store (see hw_store_gate_resources below).  Only the
 * schema's base columns of `actions` are read, so the queries hold on
 * every schema that has the table.
 */
#include "store/store_int.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

int hw_store_gate_last_scan(hw_store *s, hw_gate_scan *out, int *found, hw_err *e)
{
    memset(out, 0, sizeof *out);
    *found = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, status, unixepoch(started_at), unixepoch(finished_at)"
                           " FROM runs WHERE kind = 'scan' AND status IN ('ok','partial')"
                           " AND finished_at IS NOT NULL"
                           " ORDER BY unixepoch(started_at) DESC, rowid DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading runs");
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        snprintf(out->run_id, sizeof out->run_id, "%s", store_col(st, 0));
        snprintf(out->status, sizeof out->status, "%s", store_col(st, 1));
        out->started = sqlite3_column_int64(st, 2);
        out->finished = sqlite3_column_int64(st, 3);
        *found = 1;
    }
    sqlite3_finalize(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return store_fail(s, e, "reading runs");
    return HW_OK;
}

/* A JSON array of n strings (malloc'd), or NULL when out of memory. */
static char *json_list(const char *const *v, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++) {
        cJSON *x = cJSON_CreateString(v[i]);
        if (!x) {
            cJSON_Delete(a);
            return NULL;
        }
        cJSON_AddItemToArray(a, x);
    }
    char *out = a ? cJSON_PrintUnformatted(a) : NULL;
    cJSON_Delete(a);
    return out;
}


/*
 * The resources are read one (account, control) at a time, each an index
 * range of findings_evaluation read in its own order (resources, region),
 * so that the findings of one resource are adjacent and nothing is sorted:
 * the accounts by a loose index scan (one seek each) unless named, and per
 * account its distinct controls the same way, kept when gated.  The turns
 * to failing in the history and the actions that fixed something are read
 * once, into arrays, so that a failing finding costs a binary search and a
 * look at its pair's fixes.
 */
#define GATE_ACCOUNTS_SQL                                                                    \
    "WITH RECURSIVE a(x) AS ("                                                               \
    " SELECT (SELECT min(account_id) FROM findings INDEXED BY findings_evaluation"           \
    "  WHERE trusted = 1 AND record_state = 'ACTIVE')"                                      \
    " UNION ALL SELECT (SELECT min(account_id) FROM findings INDEXED BY findings_evaluation" \
    "  WHERE trusted = 1 AND record_state = 'ACTIVE' AND account_id > a.x)"                \
    " FROM a WHERE a.x IS NOT NULL) SELECT x FROM a WHERE x IS NOT NULL"

#define GATE_CONTROLS_SQL                                                                    \
    "WITH RECURSIVE c(x) AS ("                                                               \
    " SELECT (SELECT min(control_id) FROM findings INDEXED BY findings_evaluation"           \
    "  WHERE account_id = ?1 AND trusted = 1 AND record_state = 'ACTIVE')"                  \
    " UNION ALL SELECT (SELECT min(control_id) FROM findings INDEXED BY findings_evaluation" \
    "  WHERE account_id = ?1 AND control_id > c.x AND trusted = 1"                          \
    "  AND record_state = 'ACTIVE')"                                                        \
    " FROM c WHERE c.x IS NOT NULL) SELECT x FROM c WHERE x IS NOT NULL"

#define GATE_FINDINGS_SQL                                                                    \
    "SELECT f.resources, f.region, f.compliance_status, f.workflow_status, f.first_observed," \
    " f.last_observed, f.rowid FROM findings f INDEXED BY findings_evaluation"                \
    " JOIN products p ON p.id = f.product_id"                                                \
    " WHERE f.account_id = ?1 AND f.control_id = ?2 AND f.trusted = 1"                       \
    " AND f.record_state = 'ACTIVE' AND p.name = 'securityhub'"                              \
    " ORDER BY f.resources, f.region"

/* the newest turn to failing of each finding of the gated controls */
#define GATE_TURNS_SQL                                                                       \
    "SELECT k.rowid, max(h.at) FROM finding_history h"                                       \
    " CROSS JOIN findings k ON k.key = h.finding_key"                                        \
    " WHERE h.new_compliance IN ('FAILED','WARNING')"                                        \
    " AND coalesce(h.old_compliance, '') NOT IN ('FAILED','WARNING')"                        \
    " AND k.control_id IN (SELECT value FROM json_each(?1)) GROUP BY k.rowid ORDER BY 1"

/* actions that fixed a resource (the schema's base columns only) */
#define GATE_FIXES_SQL                                                                       \
    "SELECT account_id, control_id, coalesce(region, ''), resource, id,"                     \
    " coalesce(unixepoch(executed_at), 0) * 1000 FROM actions"                               \
    " WHERE state IN ('done','already-compliant','gone') AND executed_at IS NOT NULL"        \
    " AND control_id IS NOT NULL"

struct turn {
    int64_t rid, at;
};

struct fix {
    char *account, *control, *region, *resource, *id;
    int64_t at; /* epoch ms */
};

struct gate_read {
    hw_store *s;
    hw_err *e;
    struct turn *turns;
    size_t nturns;
    struct fix *fixes;
    size_t nfixes;
    const char **controls; /* a sorted copy of the query's */
    size_t ncontrols;
    sqlite3_stmt *ctl_st, *find_st;
    int (*cb)(void *arg, const hw_gate_resource *r);
    void *arg;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_turn(const void *k, const void *t)
{
    int64_t a = *(const int64_t *)k, b = ((const struct turn *)t)->rid;
    return a < b ? -1 : a > b;
}

static int read_turns(struct gate_read *g, const char *controls)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(g->s->db, GATE_TURNS_SQL, -1, &st, NULL) != SQLITE_OK)
        return store_fail(g->s, g->e, "reading finding history");
    sqlite3_bind_text(st, 1, controls, -1, SQLITE_STATIC);
    size_t cap = 0;
    int r, rc = HW_OK;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (g->nturns == cap) {
            cap = cap ? cap * 2 : 64;
            struct turn *n = realloc(g->turns, cap * sizeof *n);
            if (!n) {
                rc = hw_err_set(g->e, HW_ENOMEM, "out of memory");
                break;
            }
            g->turns = n;
        }
        g->turns[g->nturns].rid = sqlite3_column_int64(st, 0);
        g->turns[g->nturns].at = sqlite3_column_int64(st, 1);
        g->nturns++;
    }
    if (rc == HW_OK && r != SQLITE_DONE)
        rc = store_fail(g->s, g->e, "reading finding history");
    sqlite3_finalize(st);
    return rc;
}

static void fixes_free(struct gate_read *g)
{
    for (size_t i = 0; i < g->nfixes; i++) {
        free(g->fixes[i].account);
        free(g->fixes[i].control);
        free(g->fixes[i].region);
        free(g->fixes[i].resource);
        free(g->fixes[i].id);
    }
    free(g->fixes);
}

static int read_fixes(struct gate_read *g)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(g->s->db, GATE_FIXES_SQL, -1, &st, NULL) != SQLITE_OK)
        return store_fail(g->s, g->e, "reading actions");
    size_t cap = 0;
    int r, rc = HW_OK;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (g->nfixes == cap) {
            cap = cap ? cap * 2 : 16;
            struct fix *n = realloc(g->fixes, cap * sizeof *n);
            if (!n) {
                rc = hw_err_set(g->e, HW_ENOMEM, "out of memory");
                break;
            }
            g->fixes = n;
        }
        struct fix *x = &g->fixes[g->nfixes++];
        x->account = strdup(store_col(st, 0));
        x->control = strdup(store_col(st, 1));
        x->region = strdup(store_col(st, 2));
        x->resource = strdup(store_col(st, 3));
        x->id = strdup(store_col(st, 4));
        x->at = sqlite3_column_int64(st, 5);
        if (!x->account || !x->control || !x->region || !x->resource || !x->id) {
            rc = hw_err_set(g->e, HW_ENOMEM, "out of memory");
            break;
        }
    }
    if (rc == HW_OK && r != SQLITE_DONE)
        rc = store_fail(g->s, g->e, "reading actions");
    sqlite3_finalize(st);
    return rc;
}

/* The newest action that fixed one of the resource ids of `resources` (a
 * JSON array) in the account, control and region, at or after `after`
 * (ms); NULL when none.  Fixes that still matter are few. */
static const char *fixed_by(const struct gate_read *g, const char *account, const char *control,
                            const char *region, const char *resources, int64_t after)
{
    const struct fix *best = NULL;
    cJSON *ids = NULL;
    int parsed = 0;
    for (size_t i = 0; i < g->nfixes; i++) {
        const struct fix *x = &g->fixes[i];
        if (x->at < after || strcmp(x->account, account) != 0 ||
            strcmp(x->control, control) != 0 || (*x->region && strcmp(x->region, region) != 0))
            continue;
        if (!parsed) {
            ids = cJSON_Parse(resources);
            parsed = 1;
        }
        const cJSON *id;
        cJSON_ArrayForEach(id, ids)
        {
            if (cJSON_IsString(id) && strcmp(id->valuestring, x->resource) == 0 &&
                (!best || x->at > best->at))
                best = x;
        }
    }
    cJSON_Delete(ids);
    return best ? best->id : NULL;
}

/* One resource, gathered from its adjacent findings. */
struct cur {
    char *resources, *region;
    hw_gate_resource r;
    int open;
    int fixed_all;   /* every failing finding has a fix after its observation */
    const char *fix; /* borrowed from g->fixes */
};

static void cur_drop(struct cur *c)
{
    free(c->resources);
    free(c->region);
    c->resources = c->region = NULL;
    c->open = 0;
}

static int flush(struct gate_read *g, struct cur *c)
{
    if (!c->open)
        return 0;
    hw_gate_resource r = c->r;
    r.resources = c->resources;
    r.region = c->region;
    if (r.failed)
        r.suppressed = 0;
    r.passed = r.passed && !r.failed && !r.suppressed;
    r.fixed_by = (r.failed || r.suppressed) && c->fixed_all ? c->fix : NULL;
    int cr = g->cb(g->arg, &r);
    cur_drop(c);
    return cr;
}

/* Adds one failing finding to c. */
static void add_failing(struct gate_read *g, struct cur *c, sqlite3_stmt *st, const char *account,
                        const char *control)
{
    if (strcmp(store_col(st, 3), "SUPPRESSED") == 0)
        c->r.suppressed = 1;
    else
        c->r.failed = 1;
    int64_t first = store_col_ms(st, 4), last = store_col_ms(st, 5), rid = sqlite3_column_int64(st, 6);
    const struct turn *t =
        g->nturns ? bsearch(&rid, g->turns, g->nturns, sizeof *g->turns, cmp_turn) : NULL;
    int64_t since = t ? t->at : first >= 0 ? first : last;
    if (since >= 0 && (c->r.failing_since < 0 || since < c->r.failing_since))
        c->r.failing_since = since;
    if (last > c->r.last_failed)
        c->r.last_failed = last;
    const char *fx = g->nfixes ? fixed_by(g, account, control, c->region, c->resources,
                                          last < 0 ? 0 : last)
                               : NULL;
    if (!fx)
        c->fixed_all = 0;
    else if (!c->fix)
        c->fix = fx;
}

/* The findings of one (account, control), resource by resource. */
static int read_pair(struct gate_read *g, const char *account, const char *control)
{
    sqlite3_stmt *st = g->find_st;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, control, -1, SQLITE_TRANSIENT);
    struct cur c;
    memset(&c, 0, sizeof c);
    int r, cr = 0;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        const char *res = store_col(st, 0), *region = store_col(st, 1);
        if (c.open && (strcmp(c.resources, res) != 0 || strcmp(c.region, region) != 0) &&
            (cr = flush(g, &c)) != 0)
            break;
        if (!c.open) {
            memset(&c, 0, sizeof c);
            c.open = 1;
            c.fixed_all = 1;
            c.r.account = account;
            c.r.control = control;
            c.r.failing_since = c.r.last_failed = -1;
            if (!(c.resources = strdup(res)) || !(c.region = strdup(region))) {
                cur_drop(&c);
                return hw_err_set(g->e, HW_ENOMEM, "out of memory");
            }
        }
        const char *cs = store_col(st, 2);
        if (strcmp(cs, "FAILED") == 0 || strcmp(cs, "WARNING") == 0)
            add_failing(g, &c, st, account, control);
        else if (strcmp(cs, "PASSED") == 0)
            c.r.passed = 1;
    }
    if (cr) {
        cur_drop(&c);
        return store_cb_fail(g->s, g->e, "reading the gated controls", cr);
    }
    if (r != SQLITE_DONE) {
        cur_drop(&c);
        return store_fail(g->s, g->e, "reading the gated controls");
    }
    if ((cr = flush(g, &c)) != 0)
        return store_cb_fail(g->s, g->e, "reading the gated controls", cr);
    return HW_OK;
}

/* Every gated control with findings in one account, in id order. */
static int read_account(struct gate_read *g, const char *account)
{
    sqlite3_stmt *st = g->ctl_st;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
    hw_buf ids = HW_BUF_INIT(0); /* the account's gated controls, NUL-separated */
    size_t n = 0;
    int r, rc = HW_OK;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = store_col(st, 0);
        if (!bsearch(&id, g->controls, g->ncontrols, sizeof *g->controls, cmp_str))
            continue;
        if (hw_buf_append(&ids, id, strlen(id) + 1) < 0) {
            rc = hw_err_set(g->e, HW_ENOMEM, "out of memory");
            break;
        }
        n++;
    }
    if (rc == HW_OK && r != SQLITE_DONE)
        rc = store_fail(g->s, g->e, "reading the gated controls");
    const char *p = ids.data;
    for (size_t i = 0; rc == HW_OK && i < n; i++, p += strlen(p) + 1)
        rc = read_pair(g, account, p);
    hw_buf_free(&ids);
    return rc;
}

int hw_store_gate_resources(hw_store *s, const hw_gate_query *q,
                            int (*cb)(void *arg, const hw_gate_resource *r), void *arg,
                            hw_err *e)
{
    if (!q->ncontrols)
        return HW_OK;
    struct gate_read g;
    memset(&g, 0, sizeof g);
    g.s = s;
    g.e = e;
    g.cb = cb;
    g.arg = arg;
    const char **acc = q->naccounts ? malloc(q->naccounts * sizeof *acc) : NULL;
    char *controls = json_list(q->controls, q->ncontrols);
    g.controls = malloc(q->ncontrols * sizeof *g.controls);
    sqlite3_stmt *ast = NULL;
    int rc = HW_OK;
    if (!g.controls || (q->naccounts && !acc) || !controls) {
        rc = hw_err_set(e, HW_ENOMEM, "out of memory");
        goto out;
    }
    memcpy(g.controls, q->controls, q->ncontrols * sizeof *g.controls);
    qsort(g.controls, q->ncontrols, sizeof *g.controls, cmp_str);
    g.ncontrols = q->ncontrols;
    if ((rc = read_turns(&g, controls)) != HW_OK || (rc = read_fixes(&g)) != HW_OK)
        goto out;
    if (sqlite3_prepare_v2(s->db, GATE_CONTROLS_SQL, -1, &g.ctl_st, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, GATE_FINDINGS_SQL, -1, &g.find_st, NULL) != SQLITE_OK) {
        rc = store_fail(s, e, "reading the gated controls");
        goto out;
    }
    if (q->naccounts) { /* named: in id order, as the walk would give them */
        memcpy(acc, q->accounts, q->naccounts * sizeof *acc);
        qsort(acc, q->naccounts, sizeof *acc, cmp_str);
        for (size_t i = 0; rc == HW_OK && i < q->naccounts; i++)
            if (i == 0 || strcmp(acc[i], acc[i - 1]) != 0)
                rc = read_account(&g, acc[i]);
        goto out;
    }
    if (sqlite3_prepare_v2(s->db, GATE_ACCOUNTS_SQL, -1, &ast, NULL) != SQLITE_OK) {
        rc = store_fail(s, e, "reading accounts");
        goto out;
    }
    int r;
    while ((r = sqlite3_step(ast)) == SQLITE_ROW) {
        char *a = strdup(store_col(ast, 0));
        rc = a ? read_account(&g, a) : hw_err_set(e, HW_ENOMEM, "out of memory");
        free(a);
        if (rc != HW_OK)
            break;
    }
    if (rc == HW_OK && r != SQLITE_DONE)
        rc = store_fail(s, e, "reading accounts");
out:
    sqlite3_finalize(ast);
    sqlite3_finalize(g.ctl_st);
    sqlite3_finalize(g.find_st);
    free(g.turns);
    fixes_free(&g);
    free(g.controls);
    free(acc);
    free(controls);
    return rc;
}

int hw_store_gate_exceptions(hw_store *s, int64_t now,
                             int (*cb)(void *arg, const hw_gate_exception *x), void *arg,
                             hw_err *e)
{
    sqlite3_stmt *st = NULL;
    /* the one that lasts longest first: the caller keeps the first per pair */
    if (sqlite3_prepare_v2(s->db,
                           "SELECT account_id, control_id, expires_at, approver, reason, id"
                           " FROM exceptions WHERE revoked = 0 AND created_at <= ?1"
                           " AND expires_at > ?1 ORDER BY account_id, control_id,"
                           " expires_at DESC, id",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading exceptions");
    sqlite3_bind_int64(st, 1, now);
    int r, rc = HW_OK;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hw_gate_exception x = { store_col(st, 0), store_col(st, 1), sqlite3_column_int64(st, 2),
                                store_col(st, 3), store_col(st, 4), sqlite3_column_int64(st, 5) };
        int cr = cb(arg, &x);
        if (cr) {
            rc = store_cb_fail(s, e, "reading exceptions", cr);
            break;
        }
    }
    if (rc == HW_OK && r != SQLITE_DONE)
        rc = store_fail(s, e, "reading exceptions");
    sqlite3_finalize(st);
    return rc;
}

int hw_store_gate_open_actions(hw_store *s,
                               int (*cb)(void *arg, const char *account, const char *control,
                                         const char *state, long n),
                               void *arg, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT account_id, control_id, state, count(*) FROM actions"
                           " WHERE state IN ('planned','pending','approved')"
                           " AND control_id IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading actions");
    int r, rc = HW_OK;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        int cr = cb(arg, store_col(st, 0), store_col(st, 1), store_col(st, 2),
                    (long)sqlite3_column_int64(st, 3));
        if (cr) {
            rc = store_cb_fail(s, e, "reading actions", cr);
            break;
        }
    }
    if (rc == HW_OK && r != SQLITE_DONE)
        rc = store_fail(s, e, "reading actions");
    sqlite3_finalize(st);
    return rc;
}
