/*
 * remediate.c - `hubwarden remediate`: plan (the default) or apply the
 * fixes the remediation policy approves.  The decisions are src/remedy/'s;
 * this file parses options, opens the store and the AWS client, and
 * prints the plan and the results.
 */
#include <string.h>

#include "aws/aws.h"
#include "cmd/cmd.h"
#include "remedy/remedy.h"
#include "store/store.h"

static int opt_plan, opt_apply, opt_json;
static const char *opt_plan_id, *opt_control, *opt_account, *opt_undo;

static const struct hw_option options[] = {
    { "plan", 0, HW_OPT_FLAG, &opt_plan, NULL, "build, store and print a plan (the default)" },
    { "apply", 0, HW_OPT_FLAG, &opt_apply, NULL,
      "build a plan and run its auto actions and every approved action" },
    { "plan-id", 0, HW_OPT_STRING, &opt_plan_id, "ID",
      "with --apply: run this stored plan unchanged; alone: print it" },
    { "control", 0, HW_OPT_STRING, &opt_control, "ID", "only findings of this control" },
    { "account", 0, HW_OPT_STRING, &opt_account, "ID", "only findings of this account" },
    { "undo", 0, HW_OPT_STRING, &opt_undo, "ACTION-ID",
      "put back the original security groups of a done ec2-compromise action, or remove "
      "what a done malicious-ip action added" },
    { "json", 0, HW_OPT_FLAG, &opt_json, NULL, "print JSON" },
    { 0 },
};

/* ------------------------------------------------------------ printing */

struct pr {
    cJSON *arr;
    size_t n;
    hw_buf failures; /* one line per failed action (apply) */
    cJSON *all;      /* every result (apply), for the notifications */
};

static int print_action(void *arg, const hw_action_row *a)
{
    struct pr *p = arg;
    p->n++;
    if (p->arr) {
        cJSON_AddItemToArray(p->arr, hw_cmd_action_json(a));
        return 0;
    }
    printf("  %s  %-8s %s %s %s %s\n", a->id, a->mode, a->account, a->region, a->control,
           a->resource);
    if (a->reason && *a->reason)
        printf("      why: %s\n", a->reason);
    cJSON *calls = cJSON_Parse(a->calls ? a->calls : "[]");
    const cJSON *c;
    cJSON_ArrayForEach(c, calls)
        if (cJSON_IsString(c))
            printf("      call: %s\n", c->valuestring);
    cJSON_Delete(calls);
    return 0;
}

static int print_skip(void *arg, const hw_plan_skip_row *k)
{
    struct pr *p = arg;
    p->n++;
    if (p->arr) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "finding", k->finding_id);
        cJSON_AddStringToObject(o, "product", k->product_arn);
        cJSON_AddStringToObject(o, "account", k->account);
        cJSON_AddStringToObject(o, "region", k->region);
        cJSON_AddStringToObject(o, "control", k->control);
        cJSON_AddStringToObject(o, "resource", k->resource);
        cJSON_AddStringToObject(o, "reason", k->reason);
        cJSON_AddItemToArray(p->arr, o);
        return 0;
    }
    printf("  skip %s %s %s %s: %s\n", k->control, k->account, k->region,
           *k->resource ? k->resource : k->finding_id, k->reason);
    return 0;
}

static void result_text(void *arg, const hw_action_row *a)
{
    struct pr *p = arg;
    p->n++;
    if (p->all)
        cJSON_AddItemToArray(p->all, hw_cmd_action_json(a));
    if (strcmp(a->state, "failed") == 0)
        hw_buf_printf(&p->failures, "hubwarden remediate: action %s failed (%s %s %s %s): %s\n",
                      a->id, a->account, a->region, a->control, a->resource, a->reason);
    if (p->arr) {
        cJSON_AddItemToArray(p->arr, hw_cmd_action_json(a));
        return;
    }
    printf("  %s  %-17s %s %s %s: %s\n", a->id, a->state, a->account, a->control, a->resource,
           a->reason);
}

/* ----------------------------------------------------------------- run */

static int undo(hw_ctx *ctx, hw_store *st, const hw_remedy_policy *pol, hw_err *e)
{
    hw_aws_options ao;
    hw_aws_endpoint_override ov[32];
    char session[80];
    snprintf(session, sizeof session, "hubwarden-undo");
    hw_cmd_aws_options(ctx, &ao, ov, HW_ARRAY_LEN(ov), session);
    hw_aws_client *cl = NULL;
    if (hw_aws_client_new(&ao, &cl, e) != HW_OK)
        return e->kind;
    char why[512];
    int rc = hw_remedy_undo(st, cl, pol, opt_undo, hw_cmd_actor(), why, e);
    hw_aws_client_free(cl);
    if (rc == HW_OK)
        printf("%s undone: %s\n", opt_undo, why);
    return rc;
}

static int run(hw_ctx *ctx, int argc, char **argv)
{
    char **args = NULL;
    int nargs = 0;
    opt_plan = opt_apply = opt_json = 0;
    opt_plan_id = opt_control = opt_account = opt_undo = NULL;
    int r = hw_parse_options(&hw_cmd_remediate, argc, argv, &args, &nargs);
    free(args);
    if (r)
        return r == 1 ? HW_EXIT_OK : HW_EXIT_USAGE;
    if (nargs)
        return hw_usage_error(&hw_cmd_remediate, "takes no arguments");
    if (opt_undo && (opt_plan || opt_apply || opt_plan_id || opt_control || opt_account))
        return hw_usage_error(&hw_cmd_remediate, "--undo takes no other option");
    if (opt_plan && opt_apply)
        return hw_usage_error(&hw_cmd_remediate, "--plan and --apply exclude each other");
    if (opt_plan_id && (opt_control || opt_account))
        return hw_usage_error(&hw_cmd_remediate, "--plan-id runs a stored plan unchanged: no "
                                                 "--control or --account");
    const hw_config *c = ctx->config;
    hw_err e;
    hw_err_clear(&e);
    hw_store *st = NULL;
    if (hw_store_open(ctx->db_path, HW_STORE_WRITE, c->lock_timeout_s * 1000, &st, &e) != HW_OK)
        return hw_cmd_fail(&e);
    hw_remedy_policy pol;
    if (hw_remedy_policy_init(&pol, c, st, &e) != HW_OK) {
        hw_store_close(st);
        return hw_cmd_fail(&e);
    }
    if (opt_undo) {
        int rc = undo(ctx, st, &pol, &e);
        hw_remedy_policy_free(&pol);
        hw_store_close(st);
        return rc == HW_OK ? HW_EXIT_OK : hw_cmd_fail(&e);
    }
    int exit_code = HW_EXIT_OK;
    char plan_id[64];
    hw_plan_stats ps = { 0 };
    cJSON *out = opt_json ? cJSON_CreateObject() : NULL;
    cJSON *results = NULL;
    hw_aws_client *cl = NULL;
    if (opt_plan_id) {
        char kind[32];
        if (hw_store_run_kind(st, opt_plan_id, kind, &e) != HW_OK)
            goto fail;
        if (strcmp(kind, "plan") != 0) {
            hw_err_set(&e, HW_EINVAL, "%s is a %s run, not a plan", opt_plan_id, kind);
            goto fail;
        }
        snprintf(plan_id, sizeof plan_id, "%s", opt_plan_id);
    } else {
        hw_remedy_filter flt = { opt_control, opt_account };
        if (hw_cmd_exceptions_expire(st, NULL, &e) != HW_OK)
            goto fail;
        size_t nsup = 0;
        if (hw_remedy_plan_build(st, &pol, &flt, hw_cmd_actor(), plan_id, &ps, &e) != HW_OK ||
            hw_remedy_suppress_plan(st, c, &flt, plan_id, hw_cmd_actor(), &nsup, &e) != HW_OK)
            goto fail;
    }
    hw_log_set_run_id(plan_id); /* JSON log lines name the plan */
    struct pr acts = { out ? cJSON_CreateArray() : NULL, 0, HW_BUF_INIT(0), NULL };
    struct pr skips = { out ? cJSON_CreateArray() : NULL, 0, HW_BUF_INIT(0), NULL };
    results = cJSON_CreateArray(); /* for the notifications */
    hw_action_query q = { 0 };
    q.plan_id = plan_id;
    if (!out)
        printf("plan %s\n", plan_id);
    if (hw_store_actions(st, &q, print_action, &acts, &e) != HW_OK ||
        hw_store_plan_skips(st, plan_id, print_skip, &skips, &e) != HW_OK)
        goto fail;
    if (out) {
        cJSON_AddStringToObject(out, "plan", plan_id);
        cJSON_AddItemToObject(out, "actions", acts.arr);
        cJSON_AddItemToObject(out, "skipped", skips.arr);
        if (!opt_plan_id)
            cJSON_AddNumberToObject(out, "off", (double)ps.off);
    } else {
        printf("%zu action(s), %zu skipped finding(s)", acts.n, skips.n);
        if (!opt_plan_id)
            printf(", %zu failed finding(s) of controls the policy leaves off", ps.off);
        printf("\n");
    }
    if (opt_apply) {
        char session[80];
        snprintf(session, sizeof session, "hubwarden-%s", plan_id);
        hw_aws_options ao;
        hw_aws_endpoint_override ov[32];
        hw_cmd_aws_options(ctx, &ao, ov, HW_ARRAY_LEN(ov), session);
        if (hw_aws_client_new(&ao, &cl, &e) != HW_OK)
            goto fail;
        struct pr res = { out ? cJSON_CreateArray() : NULL, 0, HW_BUF_INIT(0), results };
        hw_apply_stats as;
        if (!out)
            printf("apply %s\n", plan_id);
        size_t sup_done = 0, sup_failed = 0;
        hw_aws_ctx sagg = { c->scan.aggregator_region, NULL };
        if (hw_remedy_suppress_apply(st, cl, &sagg, plan_id, hw_cmd_actor(), &sup_done, &sup_failed, &e) !=
            HW_OK) {
            hw_buf_free(&res.failures);
            goto fail;
        }
        if (!out && (sup_done || sup_failed))
            printf("suppressed: %zu finding(s), %zu failed (planned again on the next run)\n",
                   sup_done, sup_failed);
        if (sup_failed)
            exit_code = HW_EXIT_PARTIAL;
        /* first the actions a dead run left between a change and its check */
        hw_apply_stats rs = { 0 };
        int rc = hw_remedy_recover(st, cl, &pol, hw_cmd_actor(), &rs, result_text, &res, &e);
        if (rc == HW_OK)
            rc = hw_remedy_apply(st, cl, &pol, plan_id, hw_cmd_actor(), &as, result_text, &res,
                                 &e);
        as.run += rs.run;
        as.done += rs.done;
        as.gone += rs.gone;
        as.exempt += rs.exempt;
        as.dropped += rs.dropped;
        as.failed += rs.failed;
        if (out)
            cJSON_AddItemToObject(out, "results", res.arr);
        if (rc != HW_OK) {
            hw_buf_free(&res.failures);
            goto fail;
        }
        if (!out)
            printf("%zu run: %zu done, %zu already compliant, %zu gone, %zu exempt, %zu refused, "
                   "%zu dropped, %zu failed\n",
                   as.run, as.done, as.compliant, as.gone, as.exempt, as.refused, as.dropped,
                   as.failed);
        if (!out && as.out_of_scope)
            printf("%zu out of scope by resource tags (remediation.include_tags, "
                   "remediation.exclude_tags)\n",
                   as.out_of_scope);
        size_t unblocked = 0, unblock_failed = 0;
        if (hw_remedy_ip_expire(st, cl, &pol, hw_cmd_actor(), &unblocked, &unblock_failed, &e) != HW_OK) {
            hw_buf_free(&res.failures);
            goto fail;
        }
        if (!out && (unblocked || unblock_failed))
            printf("expired IP blocks: %zu removed, %zu failed (retried on the next run)\n",
                   unblocked, unblock_failed);
        if (unblock_failed)
            exit_code = HW_EXIT_PARTIAL;
        size_t wf_ok = 0, wf_failed = 0;
        hw_aws_ctx agg = { c->scan.aggregator_region, NULL };
        if (hw_remedy_workflow_sync(st, cl, &agg, hw_cmd_actor(), &wf_ok, &wf_failed, &e) != HW_OK) {
            hw_buf_free(&res.failures);
            goto fail;
        }
        if (!out)
            printf("Security Hub workflow: %zu finding(s) updated, %zu failed (retried on the next "
                   "run)\n",
                   wf_ok, wf_failed);
        fputs(hw_buf_str(&res.failures), stderr);
        hw_buf_free(&res.failures);
        if (as.failed)
            exit_code = HW_EXIT_PARTIAL;
    }
    if ((c->notifications.sns_topic_arn && *c->notifications.sns_topic_arn) ||
        (c->notifications.webhook_url && *c->notifications.webhook_url)) {
        if (!cl) {
            hw_aws_options ao;
            hw_aws_endpoint_override ov[32];
            hw_cmd_aws_options(ctx, &ao, ov, HW_ARRAY_LEN(ov), "hubwarden-notify");
            if (hw_aws_client_new(&ao, &cl, &e) != HW_OK)
                goto fail;
        }
        size_t sent = 0, nfailed = 0;
        int nrc = hw_remedy_notify(st, cl, c, plan_id, results, hw_cmd_actor(), &sent, &nfailed, &e);
        if (nrc != HW_OK)
            goto fail;
        if (!out && (sent || nfailed))
            printf("notifications: %zu sent, %zu failed\n", sent, nfailed);
    }
    cJSON_Delete(results);
    results = NULL;
    char head[128];
    hw_cmd_audit_anchor(st, plan_id, head);
    if (out && *head)
        cJSON_AddStringToObject(out, "audit_head", head + strlen("audit head: "));
    else if (*head)
        printf("%s\n", head);
    if (out) {
        char *s = cJSON_Print(out);
        if (s)
            printf("%s\n", s);
        free(s);
        cJSON_Delete(out);
    }
    hw_aws_client_free(cl);
    hw_remedy_policy_free(&pol);
    hw_store_close(st);
    return exit_code;
fail:
    cJSON_Delete(out);
    cJSON_Delete(results);
    hw_aws_client_free(cl);
    hw_remedy_policy_free(&pol);
    hw_store_close(st);
    return hw_cmd_fail(&e);
}

const struct hw_command hw_cmd_remediate = {
    .name = "remediate",
    .summary = "Fix the failed controls that the remediation policy approves.",
    .synopsis = "",
    .description =
        "Builds a plan from the store's trusted FAILED findings (trust checked again),\n"
        "stores it and prints each action (id, account, region, control, resource, mode,\n"
        "the exact API calls) and each skipped finding with the reason.  --apply runs the\n"
        "plan's auto actions and every approved action: assume remediation.role_name in\n"
        "the owning account, re-read the resource, make the smallest change, re-read to\n"
        "verify, record before and after.  A failed action never stops the others; exit\n"
        "3 names each failure.  GuardDuty findings are answered by playbooks the same\n"
        "way (remediation.playbooks).  --undo ACTION-ID puts back the original security\n"
        "groups of a done ec2-compromise action, or removes the network ACL entry and\n"
        "WAFv2 IP set addresses a done malicious-ip action added.",
    .options = options,
    .run = run,
    .needs_config = 1,
};
