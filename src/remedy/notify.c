/*
 * notify.c - notifications of a remediation run: one SNS message per run
 * and kind (actions awaiting approval, executed playbooks, failures),
 * listing the items, never one per finding.  A notification that cannot
 * be sent is warned about and audited; it never blocks remediation.
 */
#include "remedy/remedy_int.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ITEMS 100 /* per message; the rest are counted */

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static void item_line(hw_buf *b, const cJSON *it, int approval)
{
    hw_buf_printf(b, "- %s %s %s %s %s\n  finding: %s\n", jstr(it, "id"), jstr(it, "account"),
                  jstr(it, "region"), jstr(it, "control"), jstr(it, "resource"),
                  jstr(it, "finding"));
    if (approval)
        hw_buf_printf(b, "  approve: hubwarden approve %s --by NAME --reason TEXT\n",
                      jstr(it, "id"));
    else if (*jstr(it, "reason"))
        hw_buf_printf(b, "  %s: %s\n", jstr(it, "state"), jstr(it, "reason"));
}

/* Sends one message of a kind; audits it. */
static int send_kind(hw_store *st, hw_aws_client *c, const char *topic, const char *kind,
                     const char *title, const cJSON *items, const char *plan_id,
                     const char *actor, size_t *sent, size_t *failed, hw_err *e)
{
    int n = cJSON_GetArraySize(items);
    char subject[100];
    snprintf(subject, sizeof subject, "hubwarden: %d %s", n, title);
    hw_buf msg = HW_BUF_INIT(0);
    hw_buf_printf(&msg, "%s (plan %s)\n\n", subject, plan_id);
    int i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, items) {
        if (i++ == MAX_ITEMS) {
            hw_buf_printf(&msg, "... and %d more: hubwarden remediate --plan-id %s\n",
                          n - MAX_ITEMS, plan_id);
            break;
        }
        item_line(&msg, it, strcmp(kind, "approval") == 0);
    }
    /* the topic's region and account are its ARN's */
    char region[32] = "";
    const char *p = topic;
    for (int f = 0; f < 3 && p; f++)
        p = strchr(p, ':') ? strchr(p, ':') + 1 : NULL;
    if (p && strchr(p, ':') && (size_t)(strchr(p, ':') - p) < sizeof region)
        snprintf(region, sizeof region, "%.*s", (int)(strchr(p, ':') - p), p);
    hw_aws_ctx ctx = { region, NULL };
    hw_aws_param prm[] = { { "TopicArn", topic },
                           { "Subject", subject },
                           { "Message", hw_buf_str(&msg) } };
    xmlDocPtr doc = NULL;
    hw_err ae;
    hw_err_clear(&ae);
    int arc = *region ? hw_aws_query_call(c, &ctx, &hw_svc_sns, "Publish", prm, 3, &doc, &ae)
                      : hw_err_set(&ae, HW_EINVAL, "notifications.sns_topic_arn: not an SNS "
                                                   "topic ARN");
    const char *mid = arc == HW_OK ? rx_text(xmlDocGetRootElement(doc), "MessageId") : NULL;
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "kind", kind);
    cJSON_AddStringToObject(d, "topic", topic);
    cJSON_AddNumberToObject(d, "items", n);
    if (arc == HW_OK)
        cJSON_AddStringToObject(d, "message_id", mid ? mid : "");
    else
        cJSON_AddStringToObject(d, "error", ae.msg);
    xmlFreeDoc(doc);
    hw_buf_free(&msg);
    char *detail = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    if (!detail)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    int rc = hw_store_begin(st, e);
    if (rc == HW_OK) {
        rc = hw_store_audit_append(st, plan_id, actor,
                                   arc == HW_OK ? "notification.sent" : "notification.failed",
                                   detail, e);
        if (rc == HW_OK)
            rc = hw_store_commit(st, e);
        else
            hw_store_rollback(st);
    }
    free(detail);
    if (arc == HW_OK) {
        (*sent)++;
    } else {
        (*failed)++;
        hw_warn("notification (%s, %d item(s)) not sent to %s: %s", kind, n, topic, ae.msg);
    }
    return rc;
}

static int pending_cb(void *arg, const hw_action_row *a)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", a->id);
    cJSON_AddStringToObject(o, "account", a->account);
    cJSON_AddStringToObject(o, "region", a->region);
    cJSON_AddStringToObject(o, "control", a->control);
    cJSON_AddStringToObject(o, "resource", a->resource);
    cJSON_AddStringToObject(o, "finding", a->finding_id);
    cJSON_AddItemToArray(arg, o);
    return 0;
}

int hw_remedy_notify(hw_store *st, hw_aws_client *c, const hw_config *cfg, const char *plan_id,
                     const struct cJSON *results, const char *actor, size_t *sent,
                     size_t *failed, hw_err *e)
{
    *sent = *failed = 0;
    const char *topic = cfg->notifications.sns_topic_arn;
    if (!topic || !*topic)
        return HW_OK;
    cJSON *approval = cJSON_CreateArray(), *executed = cJSON_CreateArray(),
          *failures = cJSON_CreateArray();
    hw_action_query q = { 0 };
    q.plan_id = plan_id;
    q.state = "pending";
    int rc = hw_store_actions(st, &q, pending_cb, approval, e);
    const cJSON *r;
    cJSON_ArrayForEach(r, results) {
        const char *state = jstr(r, "state");
        if (strcmp(state, "failed") == 0)
            cJSON_AddItemToArray(failures, cJSON_Duplicate(r, 1));
        else if (hw_remedy_playbook_named(jstr(r, "control")) && strcmp(state, "done") == 0)
            cJSON_AddItemToArray(executed, cJSON_Duplicate(r, 1));
    }
    struct {
        const char *kind, *title;
        cJSON *items;
    } kinds[] = { { "approval", "action(s) awaiting approval", approval },
                  { "executed", "playbook action(s) executed", executed },
                  { "failed", "remediation action(s) failed", failures } };
    for (size_t i = 0; rc == HW_OK && i < HW_ARRAY_LEN(kinds); i++)
        if (cJSON_GetArraySize(kinds[i].items))
            rc = send_kind(st, c, topic, kinds[i].kind, kinds[i].title, kinds[i].items, plan_id,
                           actor, sent, failed, e);
    cJSON_Delete(approval);
    cJSON_Delete(executed);
    cJSON_Delete(failures);
    return rc;
}
