/*
 * workflow.c - Security Hub workflow updates in batches.  BatchUpdateFindings
 * takes up to 100 findings a call and one Note for all of them; Security
 * Hub allows it 10 calls a second.  One call per finding made a run of a
 * thousand actions wait on the rate limit for minutes, so the findings of
 * one plan and status go together, and their shared note names every
 * action id of the call ("hubwarden plan P action(s) 001,002,s003: fixed
 * and verified"), within Note.Text's 512 characters: each finding's note
 * still names its action.  A finding Security Hub reports unprocessed
 * fails alone, with Security Hub's reason; a call that fails fails its
 * batch.
 */
#include "remedy/remedy_int.h"

#include <stdlib.h>
#include <string.h>

#define NOTE_MAX 512 /* Note.Text, as the API allows */

static const char *what_of(const char *status)
{
    if (strcmp(status, "RESOLVED") == 0)
        return "fixed and verified";
    if (strcmp(status, "NOTIFIED") == 0)
        return "a fix awaits approval";
    if (strcmp(status, "SUPPRESSED") == 0)
        return "suppressed by a remediation.suppress rule";
    return "workflow set";
}

/* The part of an action id after its plan's id and "-". */
static const char *suffix_of(const rx_wf_item *it)
{
    size_t n = strlen(it->plan_id);
    if (strncmp(it->action_id, it->plan_id, n) == 0 && it->action_id[n] == '-')
        return it->action_id + n + 1;
    return it->action_id;
}

static const rx_wf_item *sort_base;
static int by_plan_status(const void *a, const void *b)
{
    const rx_wf_item *x = &sort_base[*(const size_t *)a], *y = &sort_base[*(const size_t *)b];
    int c = strcmp(x->plan_id, y->plan_id);
    if (!c)
        c = strcmp(x->status, y->status);
    if (!c)
        c = strcmp(x->action_id, y->action_id);
    return c;
}

int rx_workflow_note_names(const char *text, const char *by, const rx_wf_item *it)
{
    if (strcmp(by, "hubwarden") != 0)
        return 0;
    char head[160];
    snprintf(head, sizeof head, "hubwarden plan %s action(s) ", it->plan_id);
    size_t hl = strlen(head);
    if (strncmp(text, head, hl) != 0)
        return 0;
    const char *list = text + hl, *end = strstr(list, ": ");
    if (!end || strcmp(end + 2, what_of(it->status)) != 0)
        return 0;
    const char *suffix = suffix_of(it);
    size_t sl = strlen(suffix);
    for (const char *p = list; p < end;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        if ((size_t)(stop - p) == sl && strncmp(p, suffix, sl) == 0)
            return 1;
        p = stop + 1;
    }
    return 0;
}

int rx_workflow_batches(hw_aws_client *c, const hw_aws_ctx *ctx, const rx_wf_item *items,
                        size_t n, rx_wf_intent intent, rx_wf_done done, void *arg, hw_err *e)
{
    if (!n)
        return HW_OK;
    size_t *ord = malloc(n * sizeof *ord), m0 = 0;
    hw_aws_finding_ref refs[100];
    int processed[100];
    char why[100][128];
    if (!ord)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (!items[i].skip)
            ord[m0++] = i;
    n = m0;
    sort_base = items;
    qsort(ord, n, sizeof *ord, by_plan_status);
    int rc = HW_OK;
    hw_buf note = HW_BUF_INIT(0);
    for (size_t i = 0; rc == HW_OK && i < n;) {
        const rx_wf_item *first = &items[ord[i]];
        const char *what = what_of(first->status);
        hw_buf_reset(&note);
        hw_buf_printf(&note, "hubwarden plan %s action(s) ", first->plan_id);
        size_t fixed = note.len + 2 + strlen(what), j = i, k = 0;
        /* the batch: same plan and status, at most 100, the note fits */
        while (j < n && k < 100) {
            const rx_wf_item *it = &items[ord[j]];
            if (strcmp(it->plan_id, first->plan_id) != 0 || strcmp(it->status, first->status) != 0)
                break;
            size_t add = strlen(suffix_of(it)) + (k ? 1 : 0);
            if (k && fixed + add > NOTE_MAX)
                break;
            hw_buf_printf(&note, "%s%s", k ? "," : "", suffix_of(it));
            fixed += add;
            refs[k].id = it->finding_id;
            refs[k].product_arn = it->product_arn;
            k++;
            j++;
        }
        hw_buf_printf(&note, ": %s", what);
        if (intent && (rc = intent(arg, ord + i, k, e)) != HW_OK)
            break;
        hw_err ae;
        hw_err_clear(&ae);
        int arc = hw_aws_update_workflow(c, ctx, refs, k, first->status, hw_buf_str(&note),
                                         processed, why, &ae);
        for (size_t m = 0; rc == HW_OK && m < k; m++) {
            const char *err = "";
            char buf[256];
            if (arc != HW_OK) {
                err = ae.msg;
            } else if (!processed[m]) {
                snprintf(buf, sizeof buf, "Security Hub did not process finding %.80s: %s",
                         refs[m].id, why[m]);
                err = buf;
            }
            rc = done(arg, ord[i + m], *err == '\0', hw_buf_str(&note), err, e);
        }
        i = j;
    }
    hw_buf_free(&note);
    free(ord);
    return rc;
}
