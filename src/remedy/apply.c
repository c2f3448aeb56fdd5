/*
 * apply.c - running actions: assume the owning account's remediation role,
 * re-read the resource, make the smallest change, re-read to verify, and
 * record before and after in the store and the audit log.  Each action is
 * its own transaction, so one that fails (or a role that cannot be
 * assumed) never stops or undoes the others.
 */
#include "remedy/remedy_int.h"

#include <cJSON.h>
#include <libxml/parser.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static char *print_state(const cJSON *j)
{
    char *s = j ? cJSON_PrintUnformatted(j) : NULL;
    return s ? s : hw_strdup("{}");
}

/* The family of a's action and its target, in the owning account's
 * remediation role: NULL with why when there is none or the role cannot
 * be assumed. */
static const hw_remedy_family *target_of(hw_aws_client *c, const hw_remedy_policy *p,
                                         const hw_action_row *a, const char *finding,
                                         hw_remedy_target *t, char why[512], hw_err *e)
{
    const hw_remedy_family *fam = hw_remedy_family_for(a->control);
    if (!fam || strcmp(fam->action, a->action) != 0) {
        snprintf(why, 512, "no remediation %s for control %s", a->action, a->control);
        return NULL;
    }
    const hw_config *cfg = p->cfg;
    if (hw_aws_assume(c, a->account, cfg->remediation.role_name, cfg->remediation.external_id,
                      e) != HW_OK) {
        snprintf(why, 512, "cannot assume %s in %s: %s", cfg->remediation.role_name, a->account,
                 e->msg);
        return NULL;
    }
    hw_remedy_target tt = { a->account, a->region, a->control, a->resource,
                            cfg->remediation.exemption_tag, finding, cfg };
    *t = tt;
    return fam;
}

/* Called with the state read just before the change, before any change
 * is made: HW_OK lets the change go ahead. */
typedef int (*before_fix_fn)(void *arg, const char *before, hw_err *e);

static int run_action(hw_aws_client *c, const hw_remedy_policy *p, const hw_action_row *a,
                      const char *finding, before_fix_fn before_fix, void *arg,
                      const char **state, char **before, char **after, char why[512], hw_err *e)
{
    *before = *after = NULL;
    why[0] = '\0';
    *state = "failed";
    hw_remedy_target t;
    const hw_remedy_family *fam = target_of(c, p, a, finding, &t, why, e);
    if (!fam)
        return HW_OK;
    cJSON *st0 = NULL;
    int verdict = HW_RV_FAILING;
    char found[256] = "";
    if (fam->read(c, &t, &st0, &verdict, found, e) != HW_OK) {
        snprintf(why, 512, "re-reading %s: %s", a->resource, e->msg);
        cJSON_Delete(st0);
        return HW_OK;
    }
    /* resource tags (remediation.include_tags / exclude_tags), read from
     * the real resource like the exemption tag, which wins over them */
    if (verdict == HW_RV_FAILING && fam->tagged &&
        !hw_remedy_tag_scope(p->cfg, st0, found, sizeof found))
        verdict = HW_RV_OUT_OF_SCOPE;
    *before = print_state(st0);
    if (verdict != HW_RV_FAILING) {
        *state = hw_remedy_verdict_name(verdict);
        snprintf(why, 512, "%s", found);
        cJSON_Delete(st0);
        return HW_OK;
    }
    if (before_fix && before_fix(arg, *before, e) != HW_OK) {
        snprintf(why, 512, "not changed: %s", e->msg);
        cJSON_Delete(st0);
        return HW_OK;
    }
    int rc = fam->fix(c, &t, st0, e);
    cJSON_Delete(st0);
    if (rc != HW_OK) {
        snprintf(why, 512, "changing %s: %s", a->resource, e->msg);
        return HW_OK;
    }
    cJSON *st1 = NULL;
    verdict = HW_RV_FAILING;
    found[0] = '\0';
    if (fam->read(c, &t, &st1, &verdict, found, e) != HW_OK) {
        snprintf(why, 512, "verifying %s: %s", a->resource, e->msg);
        cJSON_Delete(st1);
        return HW_OK;
    }
    *after = print_state(st1);
    cJSON_Delete(st1);
    if (verdict == HW_RV_COMPLIANT) {
        *state = "done";
        snprintf(why, 512, "verified: %s", found);
    } else {
        snprintf(why, 512, "verification failed: %s after the change (%s)",
                 hw_remedy_verdict_name(verdict), found);
    }
    return HW_OK;
}

int hw_remedy_run_action(hw_aws_client *c, const hw_remedy_policy *p, const hw_action_row *a,
                         const char *finding, const char **state, char **before, char **after, char why[512],
                         hw_err *e)
{
    return run_action(c, p, a, finding, NULL, NULL, state, before, after, why, e);
}

/*
 * The verification of an action whose run died after it was marked
 * "applying" (the change may or may not have reached AWS): the resource
 * is read again, never changed.  Compliant: "done" (the change was made,
 * or someone else fixed it; either way it holds); gone or exempt: as
 * found; still failing: "dropped", and the finding is planned again by the
 * next plan, which reads it again before any change.  HW_OK with *state
 * NULL when the resource could not be read: it stays "applying" and is
 * verified by the next run.
 */
static void verify_interrupted(hw_aws_client *c, const hw_remedy_policy *p,
                               const hw_action_row *a, const char *finding, const char **state,
                               char **after, char why[512], hw_err *e)
{
    *after = NULL;
    *state = NULL;
    why[0] = '\0';
    const hw_remedy_family *f = hw_remedy_family_for(a->control);
    if (!f || strcmp(f->action, a->action) != 0) { /* nothing can read it: it ends here */
        snprintf(why, 512, "no remediation %s for control %s to verify it after an interrupted "
                 "run", a->action, a->control);
        *state = "failed";
        return;
    }
    hw_remedy_target t;
    const hw_remedy_family *fam = target_of(c, p, a, finding, &t, why, e);
    if (!fam) /* the role cannot be assumed now: the next run tries again */
        return;
    cJSON *st1 = NULL;
    int verdict = HW_RV_FAILING;
    char found[256] = "";
    if (fam->read(c, &t, &st1, &verdict, found, e) != HW_OK) {
        snprintf(why, 512, "verifying %s after an interrupted run: %s", a->resource, e->msg);
        cJSON_Delete(st1);
        return;
    }
    *after = print_state(st1);
    cJSON_Delete(st1);
    if (verdict == HW_RV_COMPLIANT) {
        *state = "done";
        snprintf(why, 512, "verified after an interrupted run (not changed again): %s", found);
    } else if (verdict == HW_RV_GONE || verdict == HW_RV_EXEMPT) {
        *state = hw_remedy_verdict_name(verdict);
        snprintf(why, 512, "after an interrupted run: %s", found);
    } else { /* the change did not reach AWS, or did not hold */
        snprintf(why, 512,
                 "dropped: interrupted before its change took effect; the resource still fails "
                 "(%s): not changed again, the next plan reads it again",
                 found);
        *state = "dropped";
    }
}

/* ------------------------------------------------------------- the queue */

struct item {
    char *id, *plan_id, *finding_id, *product_arn, *account, *region, *control, *action;
    char *resource, *mode, *state, *reason, *calls;
    char *before; /* the state recorded before its change ("" when none) */
    int64_t finding_updated_at;
    int disruptive;
};

struct queue {
    struct item *v;
    size_t n, cap;
    int oom;
};

static int queue_cb(void *arg, const hw_action_row *a)
{
    struct queue *q = arg;
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 32;
        struct item *nv = realloc(q->v, cap * sizeof *nv);
        if (!nv) {
            q->oom = 1;
            return 1;
        }
        q->v = nv;
        q->cap = cap;
    }
    struct item *it = &q->v[q->n++];
    it->id = hw_strdup(a->id);
    it->plan_id = hw_strdup(a->plan_id);
    it->finding_id = hw_strdup(a->finding_id);
    it->product_arn = hw_strdup(a->product_arn);
    it->account = hw_strdup(a->account);
    it->region = hw_strdup(a->region);
    it->control = hw_strdup(a->control);
    it->action = hw_strdup(a->action);
    it->resource = hw_strdup(a->resource);
    it->mode = hw_strdup(a->mode);
    it->state = hw_strdup(a->state);
    it->reason = hw_strdup(a->reason);
    it->calls = hw_strdup(a->calls);
    it->before = hw_strdup(a->before ? a->before : "");
    it->finding_updated_at = a->finding_updated_at;
    it->disruptive = a->disruptive;
    if (!it->id || !it->plan_id || !it->finding_id || !it->product_arn || !it->account ||
        !it->region || !it->control || !it->action || !it->resource || !it->mode ||
        !it->state || !it->reason || !it->calls || !it->before)
        q->oom = 1;
    return q->oom;
}

static void queue_free(struct queue *q)
{
    for (size_t i = 0; i < q->n; i++) {
        struct item *it = &q->v[i];
        char *f[] = { it->id,     it->plan_id, it->finding_id, it->product_arn, it->account,
                      it->region, it->control, it->action,     it->resource,    it->mode,
                      it->state,  it->reason,  it->calls,      it->before };
        for (size_t j = 0; j < HW_ARRAY_LEN(f); j++)
            free(f[j]);
    }
    free(q->v);
}

static void row_of(const struct item *it, hw_action_row *a)
{
    memset(a, 0, sizeof *a);
    a->id = it->id;
    a->plan_id = it->plan_id;
    a->finding_id = it->finding_id;
    a->product_arn = it->product_arn;
    a->finding_updated_at = it->finding_updated_at;
    a->account = it->account;
    a->region = it->region;
    a->control = it->control;
    a->action = it->action;
    a->resource = it->resource;
    a->disruptive = it->disruptive;
    a->mode = it->mode;
    a->state = it->state;
    a->reason = it->reason;
    a->calls = it->calls;
}

/* Whether an approved action's finding is still FAILED, ACTIVE and
 * unchanged since the plan. */
struct still {
    const struct item *it;
    int found;
};
static int still_cb(void *arg, const hw_finding_row *f)
{
    struct still *s = arg;
    if (strcmp(f->id, s->it->finding_id) == 0 && strcmp(f->product_arn, s->it->product_arn) == 0)
        s->found = f->updated_at == s->it->finding_updated_at ? 1 : 2;
    return 0;
}

static int still_failing(hw_store *st, const struct item *it, const char **why, hw_err *e)
{
    struct still s = { it, 0 };
    const char *account[] = { it->account }, *control[] = { it->control }, *failed[] = { "FAILED" };
    /* a playbook's finding (GuardDuty) has no control and no compliance */
    int playbook = hw_remedy_playbook_named(it->control) != NULL;
    if (playbook)
        control[0] = "";
    hw_finding_query q = { 0 };
    q.id = it->finding_id;
    q.accounts = account;
    q.naccounts = 1;
    q.controls = control;
    q.ncontrols = 1;
    q.statuses = failed;
    q.nstatuses = playbook ? 0 : 1;
    if (hw_store_findings(st, &q, still_cb, &s, e) != HW_OK)
        return -1;
    *why = s.found == 0 && playbook ? "dropped: the finding is no longer ACTIVE"
           : s.found == 0           ? "dropped: the finding is no longer FAILED and ACTIVE"
           : s.found == 2 ? "dropped: the finding changed since the plan"
                          : "";
    return s.found == 1;
}

static int record(hw_store *st, const hw_remedy_policy *p, const struct item *it,
                  const char *state, const char *why, const char *before, const char *after,
                  const char *actor, hw_err *e)
{
    if (hw_store_begin(st, e) != HW_OK)
        return e->kind;
    int failed = strcmp(state, "failed") == 0;
    int rc = hw_store_action_finish(st, it->id, state, why, before, after, failed ? why : NULL, e);
    if (rc == HW_OK && strcmp(state, "done") == 0)
        rc = hw_store_action_set_workflow(st, it->id, "want:RESOLVED", e);
    if (rc == HW_OK && strcmp(state, "done") == 0 && strcmp(it->control, "malicious-ip") == 0)
        rc = hw_remedy_ip_block_record(st, p, it->id, it->account, it->region, before,
                                       after, e);
    if (rc == HW_OK) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "action", it->id);
        cJSON_AddStringToObject(d, "plan", it->plan_id);
        cJSON_AddStringToObject(d, "account", it->account);
        cJSON_AddStringToObject(d, "region", it->region);
        cJSON_AddStringToObject(d, "control", it->control);
        cJSON_AddStringToObject(d, "resource", it->resource);
        cJSON_AddStringToObject(d, "state", state);
        cJSON_AddStringToObject(d, "why", why);
        cJSON *b = before ? cJSON_Parse(before) : NULL, *af = after ? cJSON_Parse(after) : NULL;
        cJSON_AddItemToObject(d, "before", b ? b : cJSON_CreateNull());
        cJSON_AddItemToObject(d, "after", af ? af : cJSON_CreateNull());
        char *detail = cJSON_PrintUnformatted(d);
        cJSON_Delete(d);
        rc = detail ? hw_store_audit_append(st, it->plan_id, actor, "remediation.action", detail, e)
                    : hw_err_set(e, HW_ENOMEM, "out of memory");
        free(detail);
    }
    if (rc == HW_OK)
        rc = hw_store_commit(st, e);
    else
        hw_store_rollback(st);
    return rc;
}

static void count(hw_apply_stats *s, const char *state)
{
    if (strcmp(state, "done") == 0)
        s->done++;
    else if (strcmp(state, "already-compliant") == 0)
        s->compliant++;
    else if (strcmp(state, "gone") == 0)
        s->gone++;
    else if (strcmp(state, "exempt") == 0)
        s->exempt++;
    else if (strcmp(state, "refused") == 0)
        s->refused++;
    else if (strcmp(state, "out-of-scope") == 0)
        s->out_of_scope++;
    else if (strcmp(state, "dropped") == 0 || strcmp(state, "expired") == 0)
        s->dropped++;
    else
        s->failed++;
}

/* The actions in state (any plan) into q: HW_OK, or the error naming what. */
static int queue_state(hw_store *st, const char *state, struct queue *q, const char *what,
                       hw_err *e)
{
    hw_action_query aq = { 0 };
    aq.state = state;
    int rc = hw_store_actions(st, &aq, queue_cb, q, e);
    if (rc == HW_OK && q->oom)
        rc = hw_err_set(e, HW_ENOMEM, "out of memory reading %s", what);
    return rc;
}

/* 1 when an approved action's approval is older than
 * remediation.approval_hours (why says so), 0 when not, -1 on error. */
static int approval_expired(hw_store *st, const hw_remedy_policy *p, const struct item *it,
                            char why[512], hw_err *e)
{
    int64_t at = 0;
    if (hw_store_action_approved_at(st, it->id, &at, e) != HW_OK)
        return -1;
    int hours = p->cfg->remediation.approval_hours;
    if (hw_now() - at <= (int64_t)hours * 3600)
        return 0;
    char when[32];
    hw_time_iso(at, when);
    snprintf(why, 512, "expired: approved at %s, more than remediation.approval_hours (%d) ago",
             when, hours);
    return 1;
}

int hw_remedy_approvals_expire(hw_store *st, const hw_remedy_policy *p, const char *actor,
                               size_t *expired, hw_err *e)
{
    *expired = 0;
    struct queue q = { 0 };
    int rc = queue_state(st, "approved", &q, "approved actions", e);
    for (size_t i = 0; rc == HW_OK && i < q.n; i++) {
        char why[512];
        int ex = approval_expired(st, p, &q.v[i], why, e);
        if (ex < 0)
            rc = e->kind;
        else if (ex && (rc = record(st, p, &q.v[i], "expired", why, NULL, NULL, actor, e)) ==
                           HW_OK)
            (*expired)++;
    }
    queue_free(&q);
    return rc;
}

/* Marks an action "applying" (with the state read before the change and
 * an audit entry), committed before the change is made: a run that dies
 * before it records the outcome leaves the mark for the next run.  lock
 * (when not NULL) is the store's while lanes run at once. */
struct mark {
    hw_store *st;
    const struct item *it;
    const char *actor;
    pthread_mutex_t *lock;
};
static int mark_applying_locked(struct mark *m, const char *before, hw_err *e)
{
    if (hw_store_begin(m->st, e) != HW_OK)
        return e->kind;
    int rc = hw_store_action_finish(m->st, m->it->id, "applying", NULL, before, NULL, NULL, e);
    if (rc == HW_OK) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "action", m->it->id);
        cJSON_AddStringToObject(d, "account", m->it->account);
        cJSON_AddStringToObject(d, "region", m->it->region);
        cJSON_AddStringToObject(d, "control", m->it->control);
        cJSON_AddStringToObject(d, "resource", m->it->resource);
        cJSON *b = cJSON_Parse(before);
        cJSON_AddItemToObject(d, "before", b ? b : cJSON_CreateNull());
        char *detail = cJSON_PrintUnformatted(d);
        cJSON_Delete(d);
        rc = detail ? hw_store_audit_append(m->st, m->it->plan_id, m->actor,
                                            "remediation.applying", detail, e)
                    : hw_err_set(e, HW_ENOMEM, "out of memory");
        free(detail);
    }
    if (rc == HW_OK)
        return hw_store_commit(m->st, e);
    hw_store_rollback(m->st);
    return rc;
}
static int mark_applying(void *arg, const char *before, hw_err *e)
{
    struct mark *m = arg;
    if (m->lock)
        pthread_mutex_lock(m->lock);
    int rc = mark_applying_locked(m, before, e);
    if (m->lock)
        pthread_mutex_unlock(m->lock);
    return rc;
}

int hw_remedy_recover(hw_store *st, hw_aws_client *c, const hw_remedy_policy *p,
                      const char *actor, hw_apply_stats *stats, hw_apply_cb cb, void *arg,
                      hw_err *e)
{
    struct queue w = { 0 };
    int rc = queue_state(st, "applying", &w, "interrupted actions", e);
    hw_log_context saved;
    hw_log_context_save(&saved);
    for (size_t i = 0; rc == HW_OK && i < w.n; i++) {
        const struct item *it = &w.v[i];
        hw_log_set_account(it->account); /* as hw_remedy_apply() does */
        hw_log_set_region(it->region);
        hw_action_row a;
        row_of(it, &a);
        char *raw = NULL, *after = NULL;
        size_t rawlen = 0;
        if (hw_remedy_playbook_named(it->control) &&
            hw_store_finding_raw(st, it->product_arn, it->finding_id, &raw, &rawlen, e) != HW_OK) {
            rc = e->kind;
            break;
        }
        const char *state;
        char why[512];
        hw_err ae;
        hw_err_clear(&ae);
        verify_interrupted(c, p, &a, raw, &state, &after, why, &ae);
        free(raw);
        stats->run++;
        if (!state) { /* not readable now: verified by the next run */
            hw_warn("action %s was interrupted between its change and its verification; %s "
                    "(verified on the next run)", it->id, why);
            stats->failed++;
            free(after);
            continue;
        }
        rc = record(st, p, it, state, why, it->before, after, actor, e);
        count(stats, state);
        if (cb && rc == HW_OK) {
            a.state = state;
            a.reason = why;
            a.before = it->before;
            a.after = after ? after : "";
            a.error = strcmp(state, "failed") == 0 ? why : "";
            cb(arg, &a);
        }
        free(after);
    }
    hw_log_context_restore(&saved);
    queue_free(&w);
    return rc;
}

/* ----------------------------------------------------- running a plan */

/*
 * The actions of a plan run in lanes, one per account: AWS's rate limits
 * and the assumed role are the account's, so accounts can go at once,
 * while one account's actions still run one after another in plan order
 * (an account-wide setting, IAM's password policy or S3's account Block
 * Public Access, whatever region its finding names, is never changed by
 * two actions at once).  Up to remediation.max_parallel_accounts lanes run
 * at once, one worker thread each with its own AWS client
 * (hw_aws_client_clone).  The store stays one connection, used only under
 * `lock`, one short transaction at a time: the audit chain grows one entry
 * after another, and an action's "applying" mark is committed before its
 * change as before.  The calling thread hands the results to the callback
 * in plan order, each as soon as every earlier action has finished.
 */

/* One action's outcome, kept until it is handed to the callback. */
struct outcome {
    const char *state; /* NULL: not finished */
    char why[512];
    char *before, *after;
    int ran;      /* counted in stats->run */
    int recorded; /* in the store: handed to the callback */
};

struct lane {
    size_t from, to; /* order[from .. to) */
    size_t first;    /* the queue index of its first action */
};

struct runner {
    hw_store *st;
    const hw_remedy_policy *p;
    const char *actor;
    const struct queue *q;
    struct outcome *out; /* per item of q */
    size_t *order;       /* indexes into q: lane after lane, each in plan order */
    struct lane *lanes;  /* in the order of their first action */
    size_t nlanes;
    hw_apply_stats *stats; /* these three: the calling thread's only */
    hw_apply_cb cb;
    void *arg;
    int emit_inline;       /* no worker thread: the lane runner hands results over */
    pthread_mutex_t lock;  /* the store and everything below */
    pthread_cond_t progress;
    size_t next_lane, next_emit;
    size_t running; /* worker threads not yet done */
    int rc;         /* the first store error (e): no further action starts */
    hw_err e;
};

/* What is decided before an action's account is touched, in the store
 * (under the lock): an approved action whose finding moved on or whose
 * approval is too old, a risk acceptance recorded since the plan (*state
 * set, why says so); a playbook's finding (*raw). */
static int pre_checks(struct runner *r, const struct item *it, const char **state,
                      char why[512], char **raw, hw_err *e)
{
    *state = NULL;
    *raw = NULL;
    if (strcmp(it->state, "approved") == 0) {
        const char *dwhy;
        int ok = still_failing(r->st, it, &dwhy, e);
        if (ok < 0)
            return e->kind;
        if (!ok) {
            snprintf(why, 512, "%s", dwhy);
            *state = "dropped";
            return HW_OK;
        }
        int ex = approval_expired(r->st, r->p, it, why, e);
        if (ex < 0)
            return e->kind;
        if (ex) {
            *state = "expired";
            return HW_OK;
        }
    }
    int64_t xid = 0;
    if (hw_store_exception_covering(r->st, it->account, it->control, it->finding_id,
                                    it->resource, hw_now(), &xid, e) != HW_OK)
        return e->kind;
    if (xid) {
        snprintf(why, 512, "dropped: risk acceptance %lld covers it", (long long)xid);
        *state = "dropped";
        return HW_OK;
    }
    size_t rawlen = 0;
    if (hw_remedy_playbook_named(it->control) && /* it reads what the finding names */
        hw_store_finding_raw(r->st, it->product_arn, it->finding_id, raw, &rawlen, e) != HW_OK)
        return e->kind;
    return HW_OK;
}

/* Runs action i of the queue with client c and records it. */
static void apply_one(struct runner *r, hw_aws_client *c, size_t i)
{
    const struct item *it = &r->q->v[i];
    struct outcome *o = &r->out[i];
    /* every line about this action names its account and region */
    hw_log_set_account(it->account);
    hw_log_set_region(it->region);
    hw_err e;
    hw_err_clear(&e);
    const char *state = NULL;
    char *raw = NULL;
    pthread_mutex_lock(&r->lock);
    if (r->rc != HW_OK) { /* the store failed in another lane */
        pthread_mutex_unlock(&r->lock);
        return;
    }
    int rc = pre_checks(r, it, &state, o->why, &raw, &e);
    pthread_mutex_unlock(&r->lock);
    if (rc == HW_OK && !state) {
        o->ran = 1;
        hw_action_row a;
        row_of(it, &a);
        hw_err ae;
        hw_err_clear(&ae);
        struct mark m = { r->st, it, r->actor, &r->lock };
        run_action(c, r->p, &a, raw, mark_applying, &m, &state, &o->before, &o->after, o->why,
                   &ae);
    }
    free(raw);
    pthread_mutex_lock(&r->lock);
    if (rc == HW_OK) {
        /* recorded even when another lane's store call failed meanwhile:
         * the change may have been made */
        rc = record(r->st, r->p, it, state, o->why, o->before, o->after, r->actor, &e);
        o->recorded = rc == HW_OK;
        o->state = state;
    }
    if (rc != HW_OK && r->rc == HW_OK) {
        r->rc = rc;
        r->e = e;
    }
    pthread_cond_broadcast(&r->progress);
    pthread_mutex_unlock(&r->lock);
}

/* Action i to the stats and the callback; its states freed. */
static void hand_over(struct runner *r, size_t i)
{
    struct outcome *o = &r->out[i];
    r->stats->run += (size_t)o->ran;
    count(r->stats, o->state);
    if (r->cb && o->recorded) {
        hw_action_row a;
        row_of(&r->q->v[i], &a);
        a.state = o->state;
        a.reason = o->why;
        a.before = o->before ? o->before : "";
        a.after = o->after ? o->after : "";
        a.error = strcmp(o->state, "failed") == 0 ? o->why : "";
        r->cb(r->arg, &a);
    }
    free(o->before);
    free(o->after);
    o->before = o->after = NULL;
}

/* Hands over every finished action not yet handed over whose earlier
 * actions all were (calling thread). */
static void emit_ready(struct runner *r)
{
    for (;;) {
        pthread_mutex_lock(&r->lock);
        size_t i = r->next_emit;
        int ready = i < r->q->n && r->out[i].state != NULL;
        if (ready)
            r->next_emit++;
        pthread_mutex_unlock(&r->lock);
        if (!ready)
            return;
        hand_over(r, i);
    }
}

/* Takes lane after lane until none is left (or the store failed). */
static void run_lanes(struct runner *r, hw_aws_client *c)
{
    for (;;) {
        pthread_mutex_lock(&r->lock);
        size_t k = r->next_lane;
        int go = r->rc == HW_OK && k < r->nlanes;
        if (go)
            r->next_lane++;
        pthread_mutex_unlock(&r->lock);
        if (!go)
            return;
        for (size_t j = r->lanes[k].from; j < r->lanes[k].to; j++) {
            apply_one(r, c, r->order[j]);
            if (r->emit_inline)
                emit_ready(r);
        }
    }
}

struct worker {
    struct runner *r;
    hw_aws_client *c;
    pthread_t thread;
    int started;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    run_lanes(w->r, w->c);
    pthread_mutex_lock(&w->r->lock);
    w->r->running--;
    pthread_cond_broadcast(&w->r->progress);
    pthread_mutex_unlock(&w->r->lock);
    return NULL;
}

/* Lanes: the queue's items grouped by account, each group in plan order,
 * the groups in the order of their first action. */
struct by_account {
    const char *account;
    size_t i;
};
static int by_account_cmp(const void *a, const void *b)
{
    const struct by_account *x = a, *y = b;
    int c = strcmp(x->account, y->account);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}
static int lane_cmp(const void *a, const void *b)
{
    const struct lane *x = a, *y = b;
    return (x->first > y->first) - (x->first < y->first);
}
static int make_lanes(struct runner *r, hw_err *e)
{
    size_t n = r->q->n;
    struct by_account *v = malloc((n ? n : 1) * sizeof *v);
    r->order = malloc((n ? n : 1) * sizeof *r->order);
    r->lanes = malloc((n ? n : 1) * sizeof *r->lanes);
    if (!v || !r->order || !r->lanes) {
        free(v);
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        v[i] = (struct by_account){ r->q->v[i].account, i };
    qsort(v, n, sizeof *v, by_account_cmp);
    r->nlanes = 0;
    for (size_t j = 0; j < n; j++) {
        r->order[j] = v[j].i;
        if (j == 0 || strcmp(v[j].account, v[j - 1].account) != 0)
            r->lanes[r->nlanes++] = (struct lane){ j, j, v[j].i };
        r->lanes[r->nlanes - 1].to = j + 1;
    }
    free(v);
    qsort(r->lanes, r->nlanes, sizeof *r->lanes, lane_cmp);
    return HW_OK;
}

/* Runs r's lanes on up to `want` worker threads (the first with c, the
 * others with copies of it), handing results over meanwhile; 0 when no
 * thread could be started (nothing ran). */
static int run_threads(struct runner *r, hw_aws_client *c, size_t want)
{
    struct worker *w = calloc(want, sizeof *w);
    if (!w)
        return 0;
    size_t nw = 0;
    for (size_t k = 0; k < want; k++) {
        hw_err ce;
        hw_err_clear(&ce);
        if (k == 0)
            w[k].c = c;
        else if (hw_aws_client_clone(c, &w[k].c, &ce) != HW_OK)
            break; /* fewer workers, then */
        w[k].r = r;
        nw++;
    }
    xmlInitParser(); /* once, before threads parse */
    pthread_mutex_lock(&r->lock);
    for (size_t k = 0; k < nw; k++) {
        w[k].started = pthread_create(&w[k].thread, NULL, worker_main, &w[k]) == 0;
        r->running += (size_t)w[k].started;
    }
    size_t started = r->running;
    while (r->running > 0) {
        pthread_mutex_unlock(&r->lock);
        emit_ready(r);
        pthread_mutex_lock(&r->lock);
        if (r->running > 0 && !(r->next_emit < r->q->n && r->out[r->next_emit].state))
            pthread_cond_wait(&r->progress, &r->lock);
    }
    pthread_mutex_unlock(&r->lock);
    for (size_t k = 0; k < nw; k++) {
        if (w[k].started)
            pthread_join(w[k].thread, NULL);
        if (k > 0)
            hw_aws_client_free(w[k].c);
    }
    free(w);
    return started > 0;
}

int hw_remedy_apply(hw_store *st, hw_aws_client *c, const hw_remedy_policy *p,
                    const char *plan_id, const char *actor, hw_apply_stats *stats, hw_apply_cb cb,
                    void *arg, hw_err *e)
{
    memset(stats, 0, sizeof *stats);
    struct queue q = { 0 };
    hw_action_query aq = { 0 };
    aq.plan_id = plan_id;
    aq.state = "planned";
    int rc = hw_store_actions(st, &aq, queue_cb, &q, e);
    memset(&aq, 0, sizeof aq);
    aq.state = "approved";
    if (rc == HW_OK)
        rc = hw_store_actions(st, &aq, queue_cb, &q, e);
    if (rc == HW_OK && q.oom)
        rc = hw_err_set(e, HW_ENOMEM, "out of memory reading actions");
    struct runner r = { 0 };
    r.st = st;
    r.p = p;
    r.actor = actor;
    r.q = &q;
    r.stats = stats;
    r.cb = cb;
    r.arg = arg;
    r.out = rc == HW_OK ? calloc(q.n ? q.n : 1, sizeof *r.out) : NULL;
    if (rc == HW_OK && !r.out)
        rc = hw_err_set(e, HW_ENOMEM, "out of memory");
    if (rc == HW_OK)
        rc = make_lanes(&r, e);
    if (rc != HW_OK) {
        free(r.out);
        free(r.order);
        free(r.lanes);
        queue_free(&q);
        return rc;
    }
    pthread_mutex_init(&r.lock, NULL);
    pthread_cond_init(&r.progress, NULL);
    hw_log_context saved;
    hw_log_context_save(&saved);
    int par = p->cfg->remediation.max_parallel_accounts;
    size_t want = par > 1 ? (size_t)par : 1;
    if (want > r.nlanes)
        want = r.nlanes;
    if (want <= 1 || !run_threads(&r, c, want)) {
        r.emit_inline = 1;
        run_lanes(&r, c);
    }
    /* after a store error: the rest that finished, in order */
    for (size_t i = r.next_emit; i < q.n; i++)
        if (r.out[i].state)
            hand_over(&r, i);
    hw_log_context_restore(&saved);
    rc = r.rc;
    if (rc != HW_OK)
        *e = r.e;
    for (size_t i = 0; i < q.n; i++) {
        free(r.out[i].before);
        free(r.out[i].after);
    }
    pthread_cond_destroy(&r.progress);
    pthread_mutex_destroy(&r.lock);
    free(r.out);
    free(r.order);
    free(r.lanes);
    queue_free(&q);
    return rc;
}

/* ------------------------------------------------ Security Hub workflow */

struct wanted {
    struct queue q;
    char (*workflow)[32];
    unsigned char *sent; /* the update may have been sent by a run that died */
    size_t cap;
};
static int wanted_cb(void *arg, const hw_action_row *a)
{
    struct wanted *w = arg;
    if (queue_cb(&w->q, a))
        return 1;
    if (w->q.n > w->cap) {
        size_t cap = w->q.cap;
        void *nw = realloc(w->workflow, cap * sizeof *w->workflow);
        if (nw)
            w->workflow = nw;
        void *ns = nw ? realloc(w->sent, cap) : NULL;
        if (!ns) {
            w->q.oom = 1;
            return 1;
        }
        w->sent = ns;
        w->cap = cap;
    }
    snprintf(w->workflow[w->q.n - 1], sizeof w->workflow[0], "%s", a->workflow + 5);
    w->sent[w->q.n - 1] = strncmp(a->workflow, "sent:", 5) == 0;
    return 0;
}

struct sync {
    hw_store *st;
    const struct wanted *w;
    const char *actor;
    size_t *updated, *failed;
    int read_back; /* sync_done() of an update found already taken */
};

static int sync_done(void *arg, size_t i, int ok, const char *note, const char *error, hw_err *e)
{
    struct sync *y = arg;
    const struct item *it = &y->w->q.v[i];
    const char *status = y->w->workflow[i];
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "action", it->id);
    cJSON_AddStringToObject(d, "finding", it->finding_id);
    cJSON_AddStringToObject(d, "workflow", status);
    cJSON_AddStringToObject(d, "note", note);
    if (y->read_back)
        cJSON_AddStringToObject(d, "found", "already set by an interrupted run: read back, not sent again");
    if (!ok)
        cJSON_AddStringToObject(d, "error", error);
    char *detail = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    if (!detail)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    int rc = hw_store_begin(y->st, e);
    if (rc == HW_OK) {
        if (ok)
            rc = hw_store_action_set_workflow(y->st, it->id, status, e);
        if (rc == HW_OK)
            rc = hw_store_audit_append(y->st, it->plan_id, y->actor,
                                       ok ? "remediation.workflow" : "remediation.workflow-failed",
                                       detail, e);
        if (rc == HW_OK)
            rc = hw_store_commit(y->st, e);
        else
            hw_store_rollback(y->st);
    }
    free(detail);
    if (ok) {
        (*y->updated)++;
    } else {
        (*y->failed)++;
        hw_warn("action %s: Security Hub workflow %s not set (retried on the next run): %s",
                it->id, status, error);
    }
    return rc;
}

/* Before a call: its actions' updates may be sent ("sent:STATUS"), so
 * that a run killed before it records the answer reads them back. */
static int sync_intent(void *arg, const size_t *idx, size_t k, hw_err *e)
{
    struct sync *y = arg;
    int rc = hw_store_begin(y->st, e);
    for (size_t m = 0; rc == HW_OK && m < k; m++) {
        char want[40];
        if (y->w->sent[idx[m]])
            continue;
        snprintf(want, sizeof want, "sent:%s", y->w->workflow[idx[m]]);
        rc = hw_store_action_set_workflow(y->st, y->w->q.v[idx[m]].id, want, e);
    }
    if (rc == HW_OK)
        return hw_store_commit(y->st, e);
    hw_store_rollback(y->st);
    return rc;
}

/*
 * Updates a dead run may have sent: read the findings back (GetFindings
 * on their Id, 20 a call) and record those that carry our status and a
 * note of our batch naming their action, without sending them again.
 * The rest are sent.  A read that fails leaves them to be sent.
 */
static int read_back(hw_aws_client *c, const hw_aws_ctx *ctx, rx_wf_item *items, size_t n,
                     struct sync *y, hw_err *e)
{
    size_t idx[20];
    hw_aws_finding_ref refs[20];
    char status[20][32], note[20][520], by[20][64];
    int rc = HW_OK;
    for (size_t i = 0; rc == HW_OK && i < n;) {
        size_t k = 0;
        for (; i < n && k < 20; i++) {
            if (!y->w->sent[i])
                continue;
            idx[k] = i;
            refs[k].id = items[i].finding_id;
            refs[k].product_arn = items[i].product_arn;
            k++;
        }
        if (!k)
            break;
        hw_err ae;
        hw_err_clear(&ae);
        if (hw_aws_read_workflow(c, ctx, refs, k, status, note, by, &ae) != HW_OK) {
            hw_warn("cannot read back %zu findings whose workflow update a run that died may have"
                    " sent (sent again): %s", k, ae.msg);
            continue;
        }
        y->read_back = 1;
        for (size_t m = 0; rc == HW_OK && m < k; m++) {
            rx_wf_item *it = &items[idx[m]];
            if (strcmp(status[m], it->status) != 0 || !rx_workflow_note_names(note[m], by[m], it))
                continue;
            hw_info("action %s: Security Hub workflow %s was set by a run that died; read back,"
                    " not sent again", it->action_id, it->status);
            it->skip = 1;
            rc = sync_done(y, idx[m], 1, note[m], "", e);
        }
        y->read_back = 0;
    }
    return rc;
}

int hw_remedy_workflow_sync(hw_store *st, hw_aws_client *c, const hw_aws_ctx *ctx,
                            const char *actor, size_t *updated, size_t *failed, hw_err *e)
{
    *updated = *failed = 0;
    struct wanted w = { { 0 }, NULL, NULL, 0 };
    hw_action_query q = { 0 };
    q.workflow_wanted = 1;
    int rc = hw_store_actions(st, &q, wanted_cb, &w, e);
    if (rc == HW_OK && w.q.oom)
        rc = hw_err_set(e, HW_ENOMEM, "out of memory reading workflow updates");
    /* batched: up to 100 findings of one plan and status a call, the
     * note naming each one's action (workflow.c) */
    rx_wf_item *items = w.q.n ? calloc(w.q.n, sizeof *items) : NULL;
    if (rc == HW_OK && w.q.n && !items)
        rc = hw_err_set(e, HW_ENOMEM, "out of memory");
    for (size_t i = 0; rc == HW_OK && i < w.q.n; i++) {
        items[i].action_id = w.q.v[i].id;
        items[i].plan_id = w.q.v[i].plan_id;
        items[i].finding_id = w.q.v[i].finding_id;
        items[i].product_arn = w.q.v[i].product_arn;
        items[i].status = w.workflow[i];
    }
    struct sync y = { st, &w, actor, updated, failed, 0 };
    if (rc == HW_OK)
        rc = read_back(c, ctx, items, w.q.n, &y, e);
    if (rc == HW_OK)
        rc = rx_workflow_batches(c, ctx, items, w.q.n, sync_intent, sync_done, &y, e);
    free(items);
    queue_free(&w.q);
    free(w.workflow);
    free(w.sent);
    return rc;
}
