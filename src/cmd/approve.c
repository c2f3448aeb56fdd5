/*
 * approve.c - `hubwarden approve`: approve (or with --reject, reject)
 * pending remediation actions.  An approved action runs on the next
 * `remediate --apply`; every decision goes into the audit log with who
 * decided and why.
 */
#include <string.h>

#include "cmd/cmd.h"
#include "store/store.h"

static int opt_reject, opt_list;
static const char *opt_by, *opt_reason;

static const struct hw_option options[] = {
    { "by", 0, HW_OPT_STRING, &opt_by, "NAME", "who decides (required; recorded)" },
    { "reason", 0, HW_OPT_STRING, &opt_reason, "TEXT", "why (required; recorded)" },
    { "reject", 0, HW_OPT_FLAG, &opt_reject, NULL, "reject instead of approve" },
    { "list", 0, HW_OPT_FLAG, &opt_list, NULL,
      "list the pending actions: age, finding, the exact calls" },
    { 0 },
};

static int decide(hw_store *st, const char *id, hw_err *e)
{
    const char *decision = opt_reject ? "reject" : "approve";
    if (hw_store_begin(st, e) != HW_OK)
        return e->kind;
    int rc = hw_store_action_decide(st, id, decision, opt_by, opt_reason, e);
    if (rc == HW_OK) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "action", id);
        cJSON_AddStringToObject(d, "decision", decision);
        cJSON_AddStringToObject(d, "by", opt_by);
        cJSON_AddStringToObject(d, "reason", opt_reason);
        char *detail = cJSON_PrintUnformatted(d);
        cJSON_Delete(d);
        rc = detail ? hw_store_audit_append(st, NULL, opt_by,
                                            opt_reject ? "remediation.reject"
                                                       : "remediation.approve",
                                            detail, e)
                    : hw_err_set(e, HW_ENOMEM, "out of memory");
        free(detail);
    }
    if (rc == HW_OK)
        return hw_store_commit(st, e);
    hw_store_rollback(st);
    return rc;
}

/* "3d 4h", "2h 5m", "40m" from seconds. */
static void age_text(int64_t s, char out[32])
{
    if (s < 0)
        s = 0;
    if (s >= 86400)
        snprintf(out, 32, "%lldd %lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
    else if (s >= 3600)
        snprintf(out, 32, "%lldh %lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
    else
        snprintf(out, 32, "%lldm", (long long)(s / 60));
}

static int list_one(void *arg, const hw_action_row *a)
{
    size_t *n = arg;
    int64_t at = 0;
    char age[32] = "?";
    if (a->planned_at && hw_time_parse(a->planned_at, &at) == 0 && at > 0)
        age_text(hw_now() - at, age);
    printf("%s  pending %s  %s %s %s %s\n", a->id, age, a->account, a->region, a->control,
           a->resource);
    printf("      finding: %s\n", a->finding_id);
    if (a->reason && *a->reason)
        printf("      why: %s\n", a->reason);
    cJSON *calls = cJSON_Parse(a->calls ? a->calls : "[]");
    const cJSON *c;
    cJSON_ArrayForEach(c, calls)
        if (cJSON_IsString(c))
            printf("      call: %s\n", c->valuestring);
    cJSON_Delete(calls);
    (*n)++;
    return 0;
}

static int list_pending(hw_ctx *ctx)
{
    hw_err e;
    hw_err_clear(&e);
    hw_store *st = NULL;
    if (hw_store_open(ctx->db_path, HW_STORE_READ, ctx->config->lock_timeout_s * 1000, &st, &e) !=
        HW_OK)
        return hw_cmd_fail(&e);
    hw_action_query q = { 0 };
    q.state = "pending";
    size_t n = 0;
    int rc = hw_store_actions(st, &q, list_one, &n, &e);
    hw_store_close(st);
    if (rc != HW_OK)
        return hw_cmd_fail(&e);
    printf("%zu pending action(s); an approval is applied within remediation.approval_hours (%d)\n",
           n, ctx->config->remediation.approval_hours);
    return HW_EXIT_OK;
}

static int run(hw_ctx *ctx, int argc, char **argv)
{
    char **args = NULL;
    int nargs = 0;
    opt_reject = opt_list = 0;
    opt_by = opt_reason = NULL;
    int r = hw_parse_options(&hw_cmd_approve, argc, argv, &args, &nargs);
    if (r) {
        free(args);
        return r == 1 ? HW_EXIT_OK : HW_EXIT_USAGE;
    }
    if (opt_list) {
        free(args);
        if (nargs || opt_reject || opt_by || opt_reason)
            return hw_usage_error(&hw_cmd_approve, "--list takes no ACTION-ID and no other option");
        return list_pending(ctx);
    }
    int rc = HW_EXIT_OK;
    if (!nargs)
        rc = hw_usage_error(&hw_cmd_approve, "name at least one ACTION-ID");
    else if (!opt_by || !*opt_by)
        rc = hw_usage_error(&hw_cmd_approve, "--by NAME is required");
    else if (!opt_reason || !*opt_reason)
        rc = hw_usage_error(&hw_cmd_approve, "--reason TEXT is required");
    if (rc != HW_EXIT_OK) {
        free(args);
        return rc;
    }
    hw_err e;
    hw_err_clear(&e);
    hw_store *st = NULL;
    if (hw_store_open(ctx->db_path, HW_STORE_WRITE, ctx->config->lock_timeout_s * 1000, &st, &e) !=
        HW_OK) {
        free(args);
        return hw_cmd_fail(&e);
    }
    for (int i = 0; i < nargs; i++) {
        if (decide(st, args[i], &e) != HW_OK) {
            int code = hw_cmd_fail(&e);
            if (code > rc)
                rc = code;
            continue;
        }
        printf("%s %s by %s\n", args[i], opt_reject ? "rejected" : "approved", opt_by);
    }
    hw_store_close(st);
    free(args);
    return rc;
}

const struct hw_command hw_cmd_approve = {
    .name = "approve",
    .summary = "Approve or reject pending remediation actions.",
    .synopsis = "ACTION-ID... | --list",
    .description = "Moves each pending action to approved (or rejected with --reject) and records\n"
                   "who decided and why in the store and the audit log.  Approved actions run on\n"
                   "the next `remediate --apply`, unless their finding was resolved or changed\n"
                   "meanwhile (then they are dropped) or the approval is older than\n"
                   "remediation.approval_hours (then it expires).  An unknown or not pending\n"
                   "ACTION-ID is an error; the others are still decided.  --list shows the pending\n"
                   "actions with their age, finding and the exact calls they will make.",
    .options = options,
    .run = run,
    .needs_config = 1,
};
