/*
 * ingest.c - one finding at a time from bytes to the store: parse and
 * check as hostile input (finding.c), decide trust, cross-check Security
 * Hub's mapping against controls/, hand to the sink, count.
 *
 * A bad finding never stops an ingest: it is skipped with a logged reason
 * (the first few one by one, then only counted) and the run goes on.  Only
 * a failing sink (the store) stops it, so nothing stored is ever lost to
 * one bad finding.
 */
#include "scan/ingest.h"
#include "scan/finding.h"
#include "scan/reader.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "catalog/catalog.h"

void hw_ingest_init(hw_ingest *in, const hw_orgset *org, hw_finding_sink sink, void *ctx)
{
    memset(in, 0, sizeof *in);
    in->org = org;
    in->sink = sink;
    in->sink_ctx = ctx;
    in->source = "input";
    in->max_skip_logs = 20;
    hw_buf_init(&in->warned, 1 << 20);
    hw_finding_init(&in->f);
}

void hw_ingest_free(hw_ingest *in)
{
    hw_buf_free(&in->warned);
    hw_finding_free(&in->f);
}

static void disagree(hw_ingest *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Logs a disagreement once per run: `warned` holds "\nmsg\nmsg\n...". */
static void disagree(hw_ingest *in, const char *fmt, ...)
{
    char msg[512], key[520];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hw_utf8_trim(msg); /* never half a character */
    snprintf(key, sizeof key, "\n%s\n", msg);
    if (!in->warned.len)
        hw_buf_putc(&in->warned, '\n');
    if (strstr(hw_buf_str(&in->warned), key))
        return;
    in->stats.disagreements++;
    /* when the memory is full, later ones are logged again: harmless */
    if (hw_buf_puts(&in->warned, key + 1) < 0)
        hw_debug("too many catalogue disagreements to remember");
    hw_warn("%s", msg);
}

/* "CIS AWS Foundations Benchmark v3.0.0/2.1.4" -> cis-aws-3.0.0, 2.1.4;
 * "PCI DSS v4.0.1/1.4.4" -> pci-dss-4.0.1.  0 for other families. */
static int split_related(const char *s, char *fw, size_t fwsz, const char **req)
{
    static const struct { const char *prefix, *id; } fams[] = {
        { "CIS AWS Foundations Benchmark v", "cis-aws-" },
        { "PCI DSS v", "pci-dss-" },
    };
    for (size_t i = 0; i < HW_ARRAY_LEN(fams); i++) {
        size_t n = strlen(fams[i].prefix);
        if (strncmp(s, fams[i].prefix, n) != 0)
            continue;
        const char *slash = strchr(s + n, '/');
        if (!slash || !slash[1])
            return 0;
        snprintf(fw, fwsz, "%s%.*s", fams[i].id, (int)(slash - s - n), s + n);
        *req = slash + 1;
        return 1;
    }
    return 0;
}

/* "standards/cis-aws-foundations-benchmark/v/3.0.0" -> cis-aws-3.0.0;
 * "ruleset/cis-aws-foundations-benchmark/v/1.2.0" (the CIS 1.2.0 standard's
 * own form) and every standard controls/standard-control-ids.xml names
 * through the catalogue. */
static int standard_framework(const hw_catalog *cat, const char *s, char *fw, size_t fwsz)
{
    const char *path = strncmp(s, "standards/", 10) == 0 ? s + 10
                       : strncmp(s, "ruleset/", 8) == 0  ? s + 8
                                                         : NULL;
    const hw_standard *std = path ? hw_catalog_standard(cat, path, strlen(path)) : NULL;
    if (std && std->framework) {
        snprintf(fw, fwsz, "%s", std->framework);
        return 1;
    }
    static const struct { const char *prefix, *id; } stds[] = {
        { "standards/cis-aws-foundations-benchmark/v/", "cis-aws-" },
        { "standards/pci-dss/v/", "pci-dss-" },
    };
    for (size_t i = 0; i < HW_ARRAY_LEN(stds); i++) {
        size_t n = strlen(stds[i].prefix);
        if (strncmp(s, stds[i].prefix, n) == 0 && s[n]) {
            snprintf(fw, fwsz, "%s%s", stds[i].id, s + n);
            return 1;
        }
    }
    return 0;
}

/* A quick hash of a string and its terminator, eight bytes at a time
 * (for the memo below, where a collision costs at most one log line). */
static uint64_t mix(uint64_t h, const char *s)
{
    size_t n = strlen(s) + 1;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15ull;
        h ^= h >> 29;
        s += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    h = (h ^ w ^ n) * 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 29);
}

/* Whether this control's mapping, exactly as given, was checked already
 * (then the check would log nothing new); remembers it otherwise.  An
 * Organization's findings repeat a few hundred mappings. */
static int checked_before(hw_ingest *in, const hw_finding *f)
{
    uint64_t h = mix(0xcbf29ce484222325ull, f->control_id);
    if (f->standard)
        h = mix(mix(h, f->standard->path), f->standard_control_id);
    for (size_t i = 0; i < f->nrelated; i++)
        h = mix(h, f->related[i]);
    h = mix(h, "\x01");
    for (size_t i = 0; i < f->nstandards; i++)
        h = mix(h, f->standards[i]);
    h |= 1; /* 0 marks an empty slot */
    size_t mask = HW_ARRAY_LEN(in->checked) - 1;
    for (size_t i = (size_t)h & mask, probes = 0; probes < 8; i = (i + 1) & mask, probes++) {
        if (in->checked[i] == h)
            return 1;
        if (in->checked[i] == 0) {
            in->checked[i] = h;
            return 0;
        }
    }
    return 0; /* the table is crowded: check again, harmlessly */
}

/* Whether ctl relates to requirement req of framework fw, or to one that
 * req is part of ("2.1.5" for Security Hub's "2.1.5.1"). */
static int relates(const hw_control *ctl, const char *fw, const char *req)
{
    for (size_t i = 0; i < ctl->nrelated; i++) {
        const char *r = ctl->related[i].requirement;
        size_t n = strlen(r);
        if (strcmp(ctl->related[i].framework, fw) == 0 && strncmp(req, r, n) == 0 &&
            (req[n] == '\0' || req[n] == '.'))
            return 1;
    }
    return 0;
}

/*
 * Cross-checks Security Hub's own view of a control finding (its related
 * requirements and associated standards, and the standard control id its
 * control was found from) against controls/.  A disagreement is logged
 * once per run and counted, never resolved silently: either the
 * catalogue is out of date or the finding is odd.
 */
static void cross_check(hw_ingest *in, const hw_finding *f)
{
    if (checked_before(in, f))
        return;
    const hw_control *ctl = hw_catalog_control(in->catalog, f->control_id);
    if (!ctl) {
        disagree(in, "control %s is not in controls/ (the catalogue may be older than Security Hub)",
                 f->control_id);
        return;
    }
    /* a control found through a standard numbered by its framework's
     * requirements: controls/ should relate the two */
    const hw_standard *std = f->standard;
    if (std && std->framework && std->ids == HW_STANDARD_IDS_REQUIREMENTS &&
        !relates(ctl, std->framework, f->standard_control_id))
        disagree(in, "%s: Security Hub's table has %s control %s as %s, controls/ does not relate them",
                 ctl->id, std->framework, f->standard_control_id, ctl->id);
    for (size_t k = 0; k < f->nrelated; k++) {
        char fw[64];
        const char *req;
        if (!split_related(f->related[k], fw, sizeof fw, &req))
            continue;
        int found = 0;
        for (size_t i = 0; i < ctl->nrelated && !found; i++)
            found = strcmp(ctl->related[i].framework, fw) == 0 &&
                    strcmp(ctl->related[i].requirement, req) == 0;
        if (!found)
            disagree(in, "%s: Security Hub relates it to %s %s, controls/ does not", ctl->id, fw, req);
    }
    for (size_t k = 0; k < f->nstandards; k++) {
        char fw[64];
        if (!standard_framework(in->catalog, f->standards[k], fw, sizeof fw))
            continue;
        int found = 0;
        for (size_t i = 0; i < ctl->nrelated && !found; i++)
            found = strcmp(ctl->related[i].framework, fw) == 0;
        if (!found)
            disagree(in, "%s: Security Hub runs it in the %s standard, controls/ relates it to no %s requirement",
                     ctl->id, fw, fw);
    }
}

static void skip(hw_ingest *in, long line, const char *why)
{
    in->stats.skipped++;
    if (in->stats.skipped <= in->max_skip_logs)
        hw_warn("%s: line %ld: finding skipped: %s", in->source, line, why);
    else if (in->stats.skipped == in->max_skip_logs + 1)
        hw_warn("%s: more findings skipped; only counted from here on", in->source);
}

/* A parsed finding: cross-checked, stored, counted.  Non-zero when the
 * sink failed. */
static int accept(hw_ingest *in, const char *bytes, size_t len)
{
    hw_finding *f = &in->f;
    if (in->catalog && f->product == HW_PRODUCT_SECURITYHUB && f->control_id[0])
        cross_check(in, f);
    int outcome = HW_OUTCOME_UNCHANGED;
    if (in->sink(in->sink_ctx, f, bytes, len, &outcome, &in->err) != HW_OK) {
        in->failed = 1;
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
    return 0;
}

int hw_ingest_bytes(hw_ingest *in, const char *bytes, size_t len, long line)
{
    if (in->failed)
        return -1;
    in->stats.seen++;
    hw_err e;
    hw_err_clear(&e);
    in->f.catalog = in->catalog;
    if (hw_finding_parse(bytes, len, in->org, &in->f, &e) != HW_OK) {
        skip(in, line, e.msg);
        return 0;
    }
    return accept(in, bytes, len);
}

void hw_ingest_reader_cb(void *arg, int event, const char *bytes, size_t len, long line,
                         const char *why, int *stop)
{
    hw_ingest *in = arg;
    if (event == HW_READ_DAMAGE) {
        /* not a finding: the input is damaged here */
        in->stats.damaged++;
        if (in->stats.damaged <= in->max_skip_logs)
            hw_warn("%s: line %ld: damaged: %s", in->source, line, why);
        else if (in->stats.damaged == in->max_skip_logs + 1)
            hw_warn("%s: more damage; only counted from here on", in->source);
        return;
    }
    if (event != HW_READ_FINDING || !bytes) {
        in->stats.seen++;
        skip(in, line, why);
        return;
    }
    if (hw_ingest_bytes(in, bytes, len, line) != 0)
        *stop = 1;
}

int hw_ingest_take(void *arg, const char *bytes, size_t avail, long line, size_t *used,
                   int *stop)
{
    hw_ingest *in = arg;
    if (in->failed) {
        *stop = 1;
        return HW_TAKE_FRAME;
    }
    hw_err e;
    hw_err_clear(&e);
    in->f.catalog = in->catalog;
    int r = hw_finding_take(bytes, avail, in->org, &in->f, used, &e);
    if (r == HW_TAKE_MORE || r == HW_TAKE_FRAME)
        return r; /* nothing counted: the slow path will */
    in->stats.seen++;
    if (r == HW_TAKE_REJECTED)
        skip(in, line, e.msg);
    else if (accept(in, bytes, *used) != 0)
        *stop = 1;
    return r;
}
