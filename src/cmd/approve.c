/*
 * approve.c - `hubwarden approve`: approve (or with --reject, reject)
 * pending remediation actions.  An approved action runs on the next
 * `remediate --apply`; every decision goes into the audit log with who
 * decided and why.
 */
#include <string.h>

#include "cmd/cmd.h"
#include "store/store.h"

static int opt_reject;
static const char *opt_by, *opt_reason;

static const struct hw_option options[] = {
    { "by", 0, HW_OPT_STRING, &opt_by, "NAME", "who decides (required; recorded)" },
    { "reason", 0, HW_OPT_STRING, &opt_reason, "TEXT", "why (required; recorded)" },
    { "reject", 0, HW_OPT_FLAG, &opt_reject, NULL, "reject instead of approve" },
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

static int run(hw_ctx *ctx, int argc, char **argv)
{
    char **args = NULL;
    int nargs = 0;
    opt_reject = 0;
    opt_by = opt_reason = NULL;
    int r = hw_parse_options(&hw_cmd_approve, argc, argv, &args, &nargs);
    if (r) {
        free(args);
        return r == 1 ? HW_EXIT_OK : HW_EXIT_USAGE;
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
    .synopsis = "ACTION-ID...",
    .description = "Moves each pending action to approved (or rejected with --reject) and records\n"
                   "who decided and why in the store and the audit log.  Approved actions run on\n"
                   "the next `remediate --apply`, unless their finding was resolved or changed\n"
                   "meanwhile (then they are dropped).  An unknown or not pending ACTION-ID is an\n"
                   "error; the others are still decided.",
    .options = options,
    .run = run,
    .needs_config = 1,
};
