/*
 * approve.c - `hubwarden approve`: approve (or with --reject, reject)
 * pending remediation actions.  An approved action runs on the next
 * `remediate --apply`; every decision goes into the audit log with who
 * decided (--by and the caller's AWS identity from STS GetCallerIdentity)
 * and why.
 *
 * A decision whose AWS identity cannot be had is refused: --by is only a
 * name anybody can type, and the ARN is what ties the approval to a
 * person an auditor can check against CloudTrail and IAM.  --offline
 * records the decision without it, marked "unverified" wherever it is
 * shown, for the approver who has no AWS credentials at hand.
 */
#include <string.h>

#include "aws/aws.h"
#include "cmd/cmd.h"
#include "store/store.h"

static int opt_reject, opt_list, opt_offline;
static const char *opt_by, *opt_reason;

static const struct hw_option options[] = {
    { "by", 0, HW_OPT_STRING, &opt_by, "NAME", "who decides (required; recorded)" },
    { "reason", 0, HW_OPT_STRING, &opt_reason, "TEXT", "why (required; recorded)" },
    { "reject", 0, HW_OPT_FLAG, &opt_reject, NULL, "reject instead of approve" },
    { "list", 0, HW_OPT_FLAG, &opt_list, NULL,
      "list the pending actions (age, finding, the exact calls) and the approved ones" },
    { "offline", 0, HW_OPT_FLAG, &opt_offline, NULL,
      "record the decision without the caller's AWS identity (marked unverified)" },
    { 0 },
};

/* caller_arn: the approver's AWS identity, NULL when not verified. */
static int decide(hw_store *st, const char *id, const char *caller_arn, hw_err *e)
{
    const char *decision = opt_reject ? "reject" : "approve";
    if (hw_store_begin(st, e) != HW_OK)
        return e->kind;
    int rc = hw_store_action_decide(st, id, decision, opt_by, caller_arn, opt_reason, e);
    if (rc == HW_OK) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "action", id);
        cJSON_AddStringToObject(d, "decision", decision);
        cJSON_AddStringToObject(d, "by", opt_by);
        if (caller_arn)
            cJSON_AddStringToObject(d, "caller_arn", caller_arn);
        else
            cJSON_AddNullToObject(d, "caller_arn");
        cJSON_AddBoolToObject(d, "identity_verified", caller_arn != NULL);
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

static int list_approved(void *arg, const hw_decision_row *d)
{
    size_t *n = arg;
    printf("%s  approved at %s by %s (%s)\n", d->action_id, d->decided_at, d->approver,
           d->caller_arn ? d->caller_arn : "unverified: approved with --offline");
    printf("      why: %s\n", d->comment);
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
    size_t na = 0;
    if (rc == HW_OK)
        printf("%zu pending action(s); an approval is applied within remediation.approval_hours "
               "(%d)\n",
               n, ctx->config->remediation.approval_hours);
    if (rc == HW_OK && (rc = hw_store_decisions(st, "approved", list_approved, &na, &e)) == HW_OK)
        printf("%zu approved action(s) awaiting `remediate --apply`\n", na);
    hw_store_close(st);
    return rc == HW_OK ? HW_EXIT_OK : hw_cmd_fail(&e);
}

/* The approver's AWS identity, with the credentials hubwarden finds for
 * the caller (never an assumed role). */
static int caller_identity(hw_ctx *ctx, hw_aws_identity *id, hw_err *e)
{
    hw_aws_options ao;
    hw_aws_endpoint_override ov[32];
    hw_cmd_aws_options(ctx, &ao, ov, HW_ARRAY_LEN(ov), "hubwarden-approve");
    hw_aws_client *cl = NULL;
    int rc = hw_aws_client_new(&ao, &cl, e);
    if (rc == HW_OK)
        rc = hw_aws_get_caller_identity(cl, NULL, id, e);
    if (rc == HW_OK && !hw_starts_with(id->arn, "arn:"))
        rc = hw_err_set(e, HW_EAWS, "sts GetCallerIdentity: no Arn in the response");
    hw_aws_client_free(cl);
    if (rc != HW_OK)
        return hw_err_prefix(e, "cannot verify the approver's AWS identity (nothing decided; "
                                "--offline records the decision as unverified)");
    return HW_OK;
}

static int run(hw_ctx *ctx, int argc, char **argv)
{
    char **args = NULL;
    int nargs = 0;
    opt_reject = opt_list = opt_offline = 0;
    opt_by = opt_reason = NULL;
    int r = hw_parse_options(&hw_cmd_approve, argc, argv, &args, &nargs);
    if (r) {
        free(args);
        return r == 1 ? HW_EXIT_OK : HW_EXIT_USAGE;
    }
    if (opt_list) {
        free(args);
        if (nargs || opt_reject || opt_by || opt_reason || opt_offline)
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
    hw_aws_identity id = { 0 };
    if (!opt_offline && caller_identity(ctx, &id, &e) != HW_OK) {
        free(args);
        return hw_cmd_fail(&e);
    }
    const char *arn = opt_offline ? NULL : id.arn;
    hw_store *st = NULL;
    if (hw_store_open(ctx->db_path, HW_STORE_WRITE, ctx->config->lock_timeout_s * 1000, &st, &e) !=
        HW_OK) {
        free(args);
        return hw_cmd_fail(&e);
    }
    for (int i = 0; i < nargs; i++) {
        if (decide(st, args[i], arn, &e) != HW_OK) {
            int code = hw_cmd_fail(&e);
            if (code > rc)
                rc = code;
            continue;
        }
        printf("%s %s by %s (%s)\n", args[i], opt_reject ? "rejected" : "approved", opt_by,
               arn ? arn : "unverified: --offline");
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
                   "who decided (--by and the caller's AWS identity from STS GetCallerIdentity)\n"
                   "and why in the store and the audit log.  Without that identity nothing is\n"
                   "decided, unless --offline records the decision as unverified.  Approved actions run on\n"
                   "the next `remediate --apply`, unless their finding was resolved or changed\n"
                   "meanwhile (then they are dropped) or the approval is older than\n"
                   "remediation.approval_hours (then it expires).  An unknown or not pending\n"
                   "ACTION-ID is an error; the others are still decided.  --list shows the pending\n"
                   "actions with their age, finding and the exact calls they will make, then the\n"
                   "approved ones awaiting apply with who approved them.",
    .options = options,
    .run = run,
    .needs_config = 1,
};
