/*
 * sink.c - the bridge from parsed findings to the store: one row per
 * finding, a transaction per batch, the Organization's accounts for the
 * trust check, and the run summary.
 */
#include "scan/sink.h"
#include "scan/finding.h"
#include "scan/ingest.h"

#include <stdlib.h>
#include <string.h>

#include "store/store.h"

/* One stored finding's outcome into s (as the ingest counts it). */
static void count(hw_ingest_stats *s, int outcome, int trusted)
{
    s->seen++;
    if (!trusted)
        s->untrusted++;
    switch (outcome) {
    case HW_OUTCOME_NEW:
        s->added++;
        break;
    case HW_OUTCOME_CHANGED:
        s->changed++;
        break;
    case HW_OUTCOME_RESOLVED:
        s->changed++;
        s->resolved++;
        break;
    default:
        s->unchanged++;
        break;
    }
}

int hw_sink_store(void *ctx, const hw_finding *f, const char *raw, size_t rawlen, int *outcome,
                  hw_err *e)
{
    hw_store_sink *k = ctx;
    if (!k->open_tx) {
        if (hw_store_begin(k->store, e) != HW_OK)
            return e->kind;
        k->open_tx = 1;
    }
    hw_finding_row r = { 0 };
    r.id = f->id;
    r.product_arn = f->product_arn;
    r.product = f->product_name;
    r.account_id = f->account_id;
    r.region = f->region;
    r.control_id = f->control_id;
    r.severity = f->severity;
    r.compliance_status = f->compliance_status;
    r.workflow_status = f->workflow_status;
    r.record_state = f->record_state;
    r.resource_type = f->resource_type;
    r.resources = hw_buf_str(&f->resources);
    r.first_observed = f->first_epoch;
    r.last_observed = f->last_epoch;
    r.created_at = f->created_epoch;
    r.updated_at = f->updated_epoch;
    r.trusted = f->trusted;
    r.untrusted_reason = f->untrusted_reason;
    r.title = f->title;
    r.raw = raw;
    r.rawlen = rawlen;
    int res;
    if (hw_store_finding_upsert(k->store, &r, k->run_id, &res, e) != HW_OK)
        return e->kind;
    static const int map[] = { HW_OUTCOME_NEW, HW_OUTCOME_UNCHANGED, HW_OUTCOME_CHANGED,
                               HW_OUTCOME_RESOLVED };
    *outcome = map[res];
    count(&k->pending, *outcome, f->trusted);
    if (++k->in_batch >= k->batch_size)
        return hw_sink_commit(k, e);
    return HW_OK;
}

/* Adds the stored outcomes of a to s. */
static void add_stored(hw_ingest_stats *s, const hw_ingest_stats *a)
{
    s->added += a->added;
    s->changed += a->changed;
    s->resolved += a->resolved;
    s->unchanged += a->unchanged;
    s->untrusted += a->untrusted;
    s->seen += a->seen; /* here: findings stored */
}

/* The open transaction ended: its outcomes count only if it committed. */
static void settle(hw_store_sink *k, int committed)
{
    if (committed)
        add_stored(&k->committed, &k->pending);
    else
        k->committed.rolled_back += k->pending.seen;
    memset(&k->pending, 0, sizeof k->pending);
}

int hw_sink_commit(hw_store_sink *k, hw_err *e)
{
    k->in_batch = 0;
    if (!k->open_tx)
        return HW_OK;
    k->open_tx = 0;
    int rc = hw_store_commit(k->store, e);
    settle(k, rc == HW_OK);
    return rc;
}

void hw_sink_abort(hw_store_sink *k)
{
    if (k->open_tx)
        hw_store_rollback(k->store);
    settle(k, 0);
    k->open_tx = 0;
    k->in_batch = 0;
}

void hw_sink_counts(const hw_store_sink *k, hw_ingest_stats *st)
{
    st->added = k->committed.added;
    st->changed = k->committed.changed;
    st->resolved = k->committed.resolved;
    st->unchanged = k->committed.unchanged;
    st->untrusted = k->committed.untrusted;
    st->rolled_back = k->committed.rolled_back;
}

static int org_cb(void *arg, const hw_account_row *a)
{
    hw_orgset *o = arg;
    if (!a->in_org)
        return 0;
    char(*ids)[13] = realloc(o->ids, (o->n + 1) * sizeof *ids);
    if (!ids)
        return 1;
    o->ids = ids;
    snprintf(o->ids[o->n++], 13, "%s", a->id);
    return 0;
}

static int cmp_id(const void *a, const void *b)
{
    return strcmp(a, b);
}

int hw_orgset_load(hw_store *s, hw_orgset *o, hw_err *e)
{
    memset(o, 0, sizeof *o);
    if (hw_store_accounts(s, org_cb, o, e) != HW_OK)
        return e->kind;
    if (o->n) /* qsort(NULL, 0) is undefined */
        qsort(o->ids, o->n, sizeof *o->ids, cmp_id);
    o->known = o->n > 0;
    return HW_OK;
}

void hw_orgset_free(hw_orgset *o)
{
    free(o->ids);
    memset(o, 0, sizeof *o);
}

char *hw_ingest_summary_json(const hw_ingest_stats *st, const char *extra)
{
    return hw_asprintf("{\"seen\": %zu, \"new\": %zu, \"changed\": %zu, \"resolved\": %zu,"
                       " \"unchanged\": %zu, \"skipped\": %zu, \"untrusted\": %zu,"
                       " \"catalogue_disagreements\": %zu, \"rolled_back\": %zu%s%s}",
                       st->seen, st->added, st->changed, st->resolved, st->unchanged, st->skipped,
                       st->untrusted, st->disagreements, st->rolled_back,
                       extra && *extra ? ", " : "", extra ? extra : "");
}
