/*
 * gate.c - the gate's rules: resource rows gathered into (control,
 * account) pairs, each decided FAILED, SUPPRESSED, EXCEPTION, REMEDIATED
 * or PASSED, and the JUnit XML report written with libxml2's text writer
 * (see gate.h).
 */
#include "gate/gate.h"

#include <cJSON.h>
#include <libxml/xmlwriter.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const status_names[] = { "PASSED", "FAILED", "SUPPRESSED", "EXCEPTION",
                                            "REMEDIATED" };
static const char *const severities[] = { "INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL" };

const char *hw_gate_status_name(int status)
{
    return status >= 0 && status < (int)HW_ARRAY_LEN(status_names) ? status_names[status] : "?";
}

int hw_gate_severity_rank(const char *label)
{
    for (size_t i = 0; label && i < HW_ARRAY_LEN(severities); i++)
        if (strcasecmp(label, severities[i]) == 0)
            return (int)i;
    return -1;
}

const char *hw_gate_severity_label(int rank)
{
    return rank >= 0 && rank < (int)HW_ARRAY_LEN(severities) ? severities[rank] : NULL;
}

/* The resource ids of a JSON array, space-separated (malloc'd). */
static char *join_ids(const char *json)
{
    cJSON *a = cJSON_Parse(json);
    hw_buf b = HW_BUF_INIT(0);
    const cJSON *r;
    cJSON_ArrayForEach(r, a)
    {
        if (!cJSON_IsString(r))
            continue;
        if (b.len)
            hw_buf_putc(&b, ' ');
        hw_buf_puts(&b, r->valuestring);
    }
    cJSON_Delete(a);
    if (!b.len && !cJSON_IsArray(a)) /* not an array: show it as it is */
        hw_buf_puts(&b, json ? json : "");
    char *out = strdup(hw_buf_str(&b));
    hw_buf_free(&b);
    return out;
}

static int oom(hw_err *e)
{
    return hw_err_set(e, HW_ENOMEM, "out of memory");
}

int hw_gate_add(hw_gate_set *set, const hw_gate_resource *r, hw_err *e)
{
    hw_gate_pair *p = set->n ? &set->pairs[set->n - 1] : NULL;
    if (!p || strcmp(p->control, r->control) != 0 || strcmp(p->account, r->account) != 0) {
        if (set->n == set->cap) {
            size_t cap = set->cap ? set->cap * 2 : 64;
            hw_gate_pair *np = realloc(set->pairs, cap * sizeof *np);
            if (!np)
                return oom(e);
            set->pairs = np;
            set->cap = cap;
        }
        p = &set->pairs[set->n];
        memset(p, 0, sizeof *p);
        p->failing_since = -1;
        p->control = strdup(r->control);
        p->account = strdup(r->account);
        set->n++;
        if (!p->control || !p->account)
            return oom(e);
    }
    p->resources++;
    if (!r->failed && !r->suppressed) {
        p->passed += r->passed != 0;
        return HW_OK;
    }
    if (r->fixed_by)
        p->remediated++;
    else if (r->failed)
        p->failed++;
    else
        p->suppressed++;
    if (!r->fixed_by && r->failing_since >= 0 &&
        (p->failing_since < 0 || r->failing_since < p->failing_since))
        p->failing_since = r->failing_since;
    if (p->nitems == p->capitems) {
        size_t cap = p->capitems ? p->capitems * 2 : 4;
        hw_gate_item *ni = realloc(p->items, cap * sizeof *ni);
        if (!ni)
            return oom(e);
        p->items = ni;
        p->capitems = cap;
    }
    hw_gate_item *it = &p->items[p->nitems];
    memset(it, 0, sizeof *it);
    it->region = strdup(r->region);
    it->resource = join_ids(r->resources);
    it->suppressed = !r->failed;
    it->fixed_by = r->fixed_by ? strdup(r->fixed_by) : NULL;
    it->failing_since = r->failing_since;
    p->nitems++;
    if (!it->region || !it->resource || (r->fixed_by && !it->fixed_by))
        return oom(e);
    return HW_OK;
}

int hw_gate_set_exception(hw_gate_pair *p, int64_t expires_at, const char *approver,
                          const char *reason, hw_err *e)
{
    if (p->excepted)
        return HW_OK;
    p->excepted = 1;
    p->exception_expires = expires_at;
    p->exception_approver = strdup(approver ? approver : "");
    p->exception_reason = strdup(reason ? reason : "");
    if (!p->exception_approver || !p->exception_reason)
        return oom(e);
    return HW_OK;
}

void hw_gate_decide(hw_gate_pair *p, int allow_suppressed)
{
    if (p->nitems > 1) { /* unfixed failures first, each kind in the order it came */
        hw_gate_item *tmp = malloc(p->nitems * sizeof *tmp);
        if (tmp) {
            size_t k = 0;
            for (size_t i = 0; i < p->nitems; i++)
                if (!p->items[i].fixed_by)
                    tmp[k++] = p->items[i];
            for (size_t i = 0; i < p->nitems; i++)
                if (p->items[i].fixed_by)
                    tmp[k++] = p->items[i];
            memcpy(p->items, tmp, p->nitems * sizeof *tmp);
            free(tmp);
        } /* out of memory: the order they came in, which is only cosmetic */
    }
    p->blocking = 0;
    if (p->failed + p->suppressed == 0)
        p->status = p->remediated ? HW_GATE_REMEDIATED : HW_GATE_PASSED;
    else if (p->excepted)
        p->status = HW_GATE_EXCEPTION;
    else if (p->failed) {
        p->status = HW_GATE_FAILED;
        p->blocking = 1;
    } else {
        p->status = HW_GATE_SUPPRESSED;
        p->blocking = !allow_suppressed;
    }
}

void hw_gate_set_free(hw_gate_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        hw_gate_pair *p = &set->pairs[i];
        for (size_t j = 0; j < p->nitems; j++) {
            free(p->items[j].region);
            free(p->items[j].resource);
            free(p->items[j].fixed_by);
        }
        free(p->items);
        free(p->control);
        free(p->account);
        free(p->exception_approver);
        free(p->exception_reason);
    }
    free(set->pairs);
    memset(set, 0, sizeof *set);
}

void hw_gate_duration(int64_t ms, char out[32])
{
    int64_t min = ms / 60000;
    if (ms < 60000)
        snprintf(out, 32, "< 1 min");
    else if (min < 60)
        snprintf(out, 32, "%lld min", (long long)min);
    else if (min < 24 * 60)
        snprintf(out, 32, "%lld h %lld min", (long long)(min / 60), (long long)(min % 60));
    else
        snprintf(out, 32, "%lld d %lld h", (long long)(min / 1440), (long long)(min % 1440 / 60));
}

/* ------------------------------------------------------------- XML text */

/* Length of the UTF-8 sequence at p (n bytes left) and its code point, or
 * 0 when it is not valid UTF-8. */
static size_t utf8_one(const unsigned char *p, size_t n, unsigned *cp)
{
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    size_t len = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 0;
    if (!len || len > n || !hw_utf8_valid((const char *)p, len))
        return 0;
    unsigned c = p[0] & (0x7f >> len);
    for (size_t i = 1; i < len; i++)
        c = (c << 6) | (p[i] & 0x3f);
    *cp = c;
    return len;
}

char *hw_gate_xml_text(const char *s)
{
    hw_buf b = HW_BUF_INIT(0);
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t n = strlen((const char *)p);
    int bad = 0;
    while (n && !bad) {
        unsigned cp = 0;
        size_t k = utf8_one(p, n, &cp);
        /* XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF] */
        int ok = k && (cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) ||
                       (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000);
        if (ok && cp >= 0x7f && cp <= 0x9f) /* C1 controls: allowed, but never wanted */
            ok = 0;
        bad = ok ? hw_buf_append(&b, p, k) : hw_buf_puts(&b, "\xef\xbf\xbd");
        if (!k)
            k = 1;
        p += k;
        n -= k;
    }
    if (bad) {
        hw_buf_free(&b);
        return NULL;
    }
    if (!b.len) /* nothing appended: no memory behind the buffer yet */
        return strdup("");
    return hw_buf_detach(&b, NULL);
}

/* ---------------------------------------------------------------- JUnit */

struct jw {
    xmlTextWriterPtr w;
    int err;
};

static void jw_attr(struct jw *j, const char *name, const char *value)
{
    char *v = hw_gate_xml_text(value);
    if (!v || xmlTextWriterWriteAttribute(j->w, BAD_CAST name, BAD_CAST v) < 0)
        j->err = 1;
    free(v);
}

static void jw_attrf(struct jw *j, const char *name, long long v)
{
    char num[32];
    snprintf(num, sizeof num, "%lld", v);
    jw_attr(j, name, num);
}

static void jw_start(struct jw *j, const char *name)
{
    if (xmlTextWriterStartElement(j->w, BAD_CAST name) < 0)
        j->err = 1;
}

static void jw_end(struct jw *j)
{
    if (xmlTextWriterEndElement(j->w) < 0)
        j->err = 1;
}

static void jw_text(struct jw *j, const char *text)
{
    char *v = hw_gate_xml_text(text);
    if (!v || xmlTextWriterWriteString(j->w, BAD_CAST v) < 0)
        j->err = 1;
    free(v);
}

static void iso_s(int64_t t, char out[32])
{
    hw_time_iso(t, out);
}

static void iso_ms(int64_t ms, char out[32])
{
    if (ms >= 0)
        hw_time_iso_ms(ms, out);
    else
        snprintf(out, 32, "unknown");
}

/* The failure message: the control, the account and its first failing
 * resources. */
static void failure_message(const hw_gate_pair *p, hw_buf *b)
{
    unsigned open = p->failed + p->suppressed;
    hw_buf_printf(b, "%s %s in account %s%s%s%s: %u resource%s failing", p->control,
                  hw_gate_status_name(p->status), p->account, p->account_name ? " (" : "",
                  p->account_name ? p->account_name : "", p->account_name ? ")" : "", open,
                  open == 1 ? "" : "s");
    size_t shown = 0;
    for (size_t i = 0; i < p->nitems && shown < 10; i++) {
        if (p->items[i].fixed_by)
            continue;
        hw_buf_puts(b, shown ? ", " : ": ");
        hw_buf_puts(b, p->items[i].resource);
        shown++;
    }
    if (open > shown)
        hw_buf_printf(b, " and %u more", open - (unsigned)shown);
}

static void failure_text(const hw_gate_pair *p, int64_t now, hw_buf *b)
{
    if (p->title)
        hw_buf_printf(b, "%s (%s)\n", p->title, p->severity ? p->severity : "");
    size_t shown = p->nitems < HW_GATE_JUNIT_MAX_LISTED ? p->nitems : HW_GATE_JUNIT_MAX_LISTED;
    for (size_t i = 0; i < shown; i++) {
        const hw_gate_item *it = &p->items[i];
        char since[32], dur[32] = "";
        iso_ms(it->failing_since, since);
        if (it->failing_since >= 0)
            hw_gate_duration(now * 1000 - it->failing_since, dur);
        if (it->fixed_by)
            hw_buf_printf(b,
                          "fixed      %s %s (action %s; Security Hub has not evaluated it "
                          "again)\n",
                          it->region, it->resource, it->fixed_by);
        else
            hw_buf_printf(b, "%-10s %s %s since %s%s%s%s\n",
                          it->suppressed ? "suppressed" : "failing", it->region, it->resource,
                          since, *dur ? " (" : "", dur, *dur ? ")" : "");
    }
    if (p->nitems > shown)
        hw_buf_printf(b, "... and %zu more (hubwarden gate --output json lists them all)\n",
                      p->nitems - shown);
    if (p->status == HW_GATE_SUPPRESSED)
        hw_buf_puts(b, "Suppressed in Security Hub without a hubwarden exception "
                       "(--allow-suppressed lets it pass).\n");
    hw_buf_printf(b, "Fix: %s\n", p->fix ? p->fix : "no remediation");
}

static void testcase(struct jw *j, const hw_gate_pair *p, int64_t now)
{
    jw_start(j, "testcase");
    hw_buf name = HW_BUF_INIT(0);
    hw_buf_printf(&name, "%s in %s", p->control, p->account);
    if (p->account_name && *p->account_name)
        hw_buf_printf(&name, " (%s)", p->account_name);
    jw_attr(j, "name", hw_buf_str(&name));
    jw_attr(j, "classname", p->control);
    jw_attr(j, "time", "0");
    hw_buf_free(&name);
    hw_buf msg = HW_BUF_INIT(0), text = HW_BUF_INIT(0);
    if (p->blocking) {
        failure_message(p, &msg);
        failure_text(p, now, &text);
        jw_start(j, "failure");
        jw_attr(j, "message", hw_buf_str(&msg));
        jw_attr(j, "type", hw_gate_status_name(p->status));
        jw_text(j, hw_buf_str(&text));
        jw_end(j);
    } else if (p->status == HW_GATE_EXCEPTION) {
        char until[32];
        iso_s(p->exception_expires, until);
        hw_buf_printf(&msg, "exception until %s approved by %s: %s", until,
                      p->exception_approver, p->exception_reason);
        jw_start(j, "skipped");
        jw_attr(j, "message", hw_buf_str(&msg));
        jw_end(j);
    } else if (p->status == HW_GATE_SUPPRESSED) {
        hw_buf_puts(&msg, "suppressed in Security Hub, allowed by --allow-suppressed");
        jw_start(j, "skipped");
        jw_attr(j, "message", hw_buf_str(&msg));
        jw_end(j);
    }
    if (!p->blocking && p->nitems) { /* what was fixed, or what the skip covers */
        failure_text(p, now, &text);
        jw_start(j, "system-out");
        jw_text(j, hw_buf_str(&text));
        jw_end(j);
    }
    hw_buf_free(&msg);
    hw_buf_free(&text);
    jw_end(j);
}

int hw_gate_junit(const hw_gate_set *set, const hw_gate_junit_info *info, char **xml,
                  size_t *len, hw_err *e)
{
    *xml = NULL;
    *len = 0;
    size_t failures = info->stale != NULL, skipped = 0, tests = set->n + 1;
    for (size_t i = 0; i < set->n; i++) {
        failures += set->pairs[i].blocking != 0;
        skipped += !set->pairs[i].blocking && (set->pairs[i].status == HW_GATE_EXCEPTION ||
                                               set->pairs[i].status == HW_GATE_SUPPRESSED);
    }
    xmlBufferPtr buf = xmlBufferCreate();
    if (!buf)
        return oom(e);
    struct jw j = { xmlNewTextWriterMemory(buf, 0), 0 };
    if (!j.w) {
        xmlBufferFree(buf);
        return oom(e);
    }
    xmlTextWriterSetIndent(j.w, 1);
    xmlTextWriterSetIndentString(j.w, BAD_CAST "  ");
    char ts[32];
    iso_s(info->now, ts);
    ts[19] = '\0'; /* JUnit's timestamp has no zone: it is UTC */
    if (xmlTextWriterStartDocument(j.w, "1.0", "UTF-8", NULL) < 0)
        j.err = 1;
    jw_start(&j, "testsuites");
    jw_attr(&j, "name", info->suite);
    jw_attrf(&j, "tests", (long long)tests);
    jw_attrf(&j, "failures", (long long)failures);
    jw_attr(&j, "errors", "0");
    jw_attrf(&j, "skipped", (long long)skipped);
    jw_attr(&j, "time", "0");
    jw_start(&j, "testsuite");
    jw_attr(&j, "name", info->suite);
    jw_attrf(&j, "tests", (long long)tests);
    jw_attrf(&j, "failures", (long long)failures);
    jw_attr(&j, "errors", "0");
    jw_attrf(&j, "skipped", (long long)skipped);
    jw_attr(&j, "time", "0");
    jw_attr(&j, "timestamp", ts);
    jw_attr(&j, "hostname", "hubwarden");
    if (info->nprops) {
        jw_start(&j, "properties");
        for (size_t i = 0; i < info->nprops; i++) {
            jw_start(&j, "property");
            jw_attr(&j, "name", info->props[2 * i]);
            jw_attr(&j, "value", info->props[2 * i + 1]);
            jw_end(&j);
        }
        jw_end(&j);
    }
    jw_start(&j, "testcase");
    jw_attr(&j, "name", info->freshness ? info->freshness : "evidence store is fresh");
    jw_attr(&j, "classname", "hubwarden");
    jw_attr(&j, "time", "0");
    if (info->stale) {
        jw_start(&j, "failure");
        jw_attr(&j, "message", info->stale);
        jw_attr(&j, "type", "STALE");
        jw_text(&j, info->stale);
        jw_end(&j);
    }
    jw_end(&j);
    for (size_t i = 0; i < set->n && !j.err; i++)
        testcase(&j, &set->pairs[i], info->now);
    if (xmlTextWriterEndDocument(j.w) < 0)
        j.err = 1;
    xmlFreeTextWriter(j.w);
    int rc = HW_OK;
    if (j.err) {
        rc = hw_err_set(e, HW_EINTERNAL, "writing the JUnit XML failed");
    } else {
        size_t n = (size_t)xmlBufferLength(buf);
        *xml = malloc(n + 1);
        if (!*xml) {
            rc = oom(e);
        } else {
            memcpy(*xml, xmlBufferContent(buf), n);
            (*xml)[n] = '\0';
            *len = n;
        }
    }
    xmlBufferFree(buf);
    return rc;
}
