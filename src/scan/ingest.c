/*
 * ingest.c - one finding at a time from bytes to the store: parse with
 * cJSON (in the per-thread arena), check as hostile input, decide trust,
 * hand to the sink, count.
 *
 * A bad finding never stops an ingest: it is skipped with a logged reason
 * (the first few one by one, then only counted) and the run goes on.  Only
 * a failing sink (the store) stops it, so nothing stored is ever lost to
 * one bad finding.
 */
#include "scan/scan.h"

#include <cJSON.h>
#include <string.h>

void hw_ingest_init(hw_ingest *in, const hw_orgset *org, hw_finding_sink sink, void *ctx)
{
    memset(in, 0, sizeof *in);
    in->org = org;
    in->sink = sink;
    in->sink_ctx = ctx;
    in->source = "input";
    in->max_skip_logs = 20;
    hw_finding_init(&in->f);
}

void hw_ingest_free(hw_ingest *in)
{
    hw_finding_free(&in->f);
}

static void skip(hw_ingest *in, long line, const char *why)
{
    in->stats.skipped++;
    if (in->stats.skipped <= in->max_skip_logs)
        hw_warn("%s: line %ld: finding skipped: %s", in->source, line, why);
    else if (in->stats.skipped == in->max_skip_logs + 1)
        hw_warn("%s: more findings skipped; only counted from here on", in->source);
}

int hw_ingest_bytes(hw_ingest *in, const char *bytes, size_t len, long line)
{
    if (in->failed)
        return -1;
    in->stats.seen++;
    hw_json_arena_reset();
    const char *end = NULL;
    cJSON *o = cJSON_ParseWithLengthOpts(bytes, len, &end, 0);
    if (!o) {
        skip(in, line, "not valid JSON");
        return 0;
    }
    hw_err e;
    hw_err_clear(&e);
    hw_finding *f = &in->f;
    if (hw_finding_parse(o, bytes, len, in->org, f, &e) != HW_OK) {
        skip(in, line, e.msg);
        cJSON_Delete(o);
        return 0;
    }
    int outcome = HW_OUTCOME_UNCHANGED;
    if (in->sink(in->sink_ctx, f, bytes, len, &outcome, &in->err) != HW_OK) {
        in->failed = 1;
        cJSON_Delete(o);
        return -1;
    }
    if (!f->trusted)
        in->stats.untrusted++;
    if (f->updated_epoch > in->max_updated)
        in->max_updated = f->updated_epoch;
    switch (outcome) {
    case HW_OUTCOME_NEW:
        in->stats.added++;
        break;
    case HW_OUTCOME_CHANGED:
        in->stats.changed++;
        break;
    case HW_OUTCOME_RESOLVED:
        in->stats.changed++;
        in->stats.resolved++;
        break;
    default:
        in->stats.unchanged++;
        break;
    }
    cJSON_Delete(o);
    return 0;
}

void hw_ingest_reader_cb(void *arg, const char *bytes, size_t len, long line,
                         const char *skip_reason, int *stop)
{
    hw_ingest *in = arg;
    if (!bytes) {
        in->stats.seen++;
        skip(in, line, skip_reason);
        return;
    }
    if (hw_ingest_bytes(in, bytes, len, line) != 0)
        *stop = 1;
}
