/*
 * notify.c - notifications of a remediation run: one SNS message per run
 * and kind (actions awaiting approval, executed playbooks, failures),
 * listing the items, never one per finding, and the same as one
 * Slack-compatible JSON POST (text and blocks) to an HTTPS webhook, signed
 * with HMAC-SHA256 when a secret is given.  A notification that cannot
 * be sent is warned about and audited; it never blocks remediation.
 */
#include "remedy/remedy_int.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
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

/* The webhook's key: notifications.webhook_secret_file, else
 * $HUBWARDEN_WEBHOOK_SECRET, else none ("").  Never logged. */
static int webhook_secret(const hw_config *cfg, hw_buf *key, hw_err *e)
{
    const char *f = cfg->notifications.webhook_secret_file;
    if (f && *f) {
        if (hw_file_read(f, 4096, key, e) != HW_OK)
            return hw_err_prefix(e, "notifications.webhook_secret_file");
        while (key->len && (key->data[key->len - 1] == '\n' || key->data[key->len - 1] == '\r'))
            key->data[--key->len] = '\0';
        return HW_OK;
    }
    const char *env = getenv("HUBWARDEN_WEBHOOK_SECRET");
    if (env)
        hw_buf_puts(key, env);
    return HW_OK;
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return size * n;
}

/* POSTs body to the webhook; HW_OK on a 2xx answer. */
static int webhook_post(const hw_config *cfg, const char *body, hw_err *e)
{
    const char *url = cfg->notifications.webhook_url;
    if (!hw_starts_with(url, "https://"))
        return hw_err_set(e, HW_EINVAL, "notifications.webhook_url: only https:// is allowed");
    hw_buf key = HW_BUF_INIT(0);
    if (webhook_secret(cfg, &key, e) != HW_OK) {
        hw_buf_free(&key);
        return e->kind;
    }
    char sig[128] = "";
    if (key.len) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned mdlen = 0;
        HMAC(EVP_sha256(), key.data, (int)key.len, (const unsigned char *)body, strlen(body), md,
             &mdlen);
        int n = snprintf(sig, sizeof sig, "X-Hubwarden-Signature: sha256=");
        for (unsigned i = 0; i < mdlen && (size_t)n + 2 < sizeof sig; i++)
            n += snprintf(sig + n, sizeof sig - (size_t)n, "%02x", md[i]);
    }
    hw_buf_free(&key);
    CURL *h = curl_easy_init();
    if (!h)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    if (*sig)
        hdrs = curl_slist_append(hdrs, sig);
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    const char *ca = cfg->notifications.webhook_ca_bundle;
    if (ca && *ca)
        curl_easy_setopt(h, CURLOPT_CAINFO, ca);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 15000L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    curl_slist_free_all(hdrs);
    /* the URL may carry a token (Slack's do): name only its host */
    char host[256];
    const char *hs = url + strlen("https://");
    size_t hn = strcspn(hs, "/?#");
    snprintf(host, sizeof host, "%.*s", (int)(hn < 200 ? hn : 200), hs);
    if (cc != CURLE_OK)
        return hw_err_set(e, HW_EAWS, "webhook %s: %s", host, *errbuf ? errbuf : curl_easy_strerror(cc));
    if (status < 200 || status > 299)
        return hw_err_set(e, HW_EAWS, "webhook %s: HTTP %ld", host, status);
    return HW_OK;
}

/* The Slack-compatible body: text, then a header block and one section per
 * item (Slack takes at most 50 blocks). */
static char *slack_body(const char *subject, const char *kind, const cJSON *items,
                        const char *plan_id)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "text", subject);
    cJSON *blocks = cJSON_AddArrayToObject(j, "blocks");
    cJSON *hb = cJSON_CreateObject();
    cJSON_AddStringToObject(hb, "type", "header");
    cJSON *ht = cJSON_AddObjectToObject(hb, "text");
    cJSON_AddStringToObject(ht, "type", "plain_text");
    cJSON_AddStringToObject(ht, "text", subject);
    cJSON_AddItemToArray(blocks, hb);
    int i = 0, n = cJSON_GetArraySize(items);
    const cJSON *it;
    cJSON_ArrayForEach(it, items) {
        hw_buf t = HW_BUF_INIT(0);
        if (i++ == 40) {
            hw_buf_printf(&t, "... and %d more: `hubwarden remediate --plan-id %s`", n - 40,
                          plan_id);
        } else {
            hw_buf_printf(&t, "*%s* %s\nfinding: %s\naccount: %s  region: %s\nresource: %s",
                          jstr(it, "control"), jstr(it, "id"), jstr(it, "finding"),
                          jstr(it, "account"), jstr(it, "region"), jstr(it, "resource"));
            if (strcmp(kind, "approval") == 0)
                hw_buf_printf(&t, "\n`hubwarden approve %s --by NAME --reason TEXT`",
                              jstr(it, "id"));
            else if (*jstr(it, "reason"))
                hw_buf_printf(&t, "\n%s: %s", jstr(it, "state"), jstr(it, "reason"));
        }
        cJSON *sb = cJSON_CreateObject();
        cJSON_AddStringToObject(sb, "type", "section");
        cJSON *st = cJSON_AddObjectToObject(sb, "text");
        cJSON_AddStringToObject(st, "type", "mrkdwn");
        cJSON_AddStringToObject(st, "text", hw_buf_str(&t));
        cJSON_AddItemToArray(blocks, sb);
        hw_buf_free(&t);
        if (i > 40)
            break;
    }
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return s;
}

/* Audits one delivery; warns when it failed. */
static int audit_delivery(hw_store *st, const char *plan_id, const char *actor, const char *kind,
                          const char *channel, int n, const char *message_id, const hw_err *ae,
                          int ok, size_t *sent, size_t *failed, hw_err *e)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "kind", kind);
    cJSON_AddStringToObject(d, "channel", channel);
    cJSON_AddNumberToObject(d, "items", n);
    if (ok && message_id)
        cJSON_AddStringToObject(d, "message_id", message_id);
    if (!ok)
        cJSON_AddStringToObject(d, "error", ae->msg);
    char *detail = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    if (!detail)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    int rc = hw_store_begin(st, e);
    if (rc == HW_OK) {
        rc = hw_store_audit_append(st, plan_id, actor,
                                   ok ? "notification.sent" : "notification.failed", detail, e);
        if (rc == HW_OK)
            rc = hw_store_commit(st, e);
        else
            hw_store_rollback(st);
    }
    free(detail);
    if (ok) {
        (*sent)++;
    } else {
        (*failed)++;
        hw_warn("notification (%s, %d item(s)) not sent by %s: %s", kind, n, channel, ae->msg);
    }
    return rc;
}

/* Sends one message of a kind to each channel; audits each. */
static int send_kind(hw_store *st, hw_aws_client *c, const hw_config *cfg, const char *kind,
                     const char *title, const cJSON *items, const char *plan_id,
                     const char *actor, size_t *sent, size_t *failed, hw_err *e)
{
    int n = cJSON_GetArraySize(items);
    char subject[100];
    snprintf(subject, sizeof subject, "hubwarden: %d %s", n, title);
    int rc = HW_OK;
    const char *topic = cfg->notifications.sns_topic_arn;
    if (topic && *topic) {
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
        rc = audit_delivery(st, plan_id, actor, kind, "sns", n, mid, &ae, arc == HW_OK, sent,
                            failed, e);
        xmlFreeDoc(doc);
        hw_buf_free(&msg);
    }
    const char *url = cfg->notifications.webhook_url;
    if (rc == HW_OK && url && *url) {
        char *body = slack_body(subject, kind, items, plan_id);
        hw_err ae;
        hw_err_clear(&ae);
        int arc = body ? webhook_post(cfg, body, &ae) : hw_err_set(&ae, HW_ENOMEM, "out of memory");
        free(body);
        rc = audit_delivery(st, plan_id, actor, kind, "webhook", n, NULL, &ae, arc == HW_OK, sent,
                            failed, e);
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
    const char *topic = cfg->notifications.sns_topic_arn, *url = cfg->notifications.webhook_url;
    if ((!topic || !*topic) && (!url || !*url))
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
            rc = send_kind(st, c, cfg, kinds[i].kind, kinds[i].title, kinds[i].items, plan_id,
                           actor, sent, failed, e);
    cJSON_Delete(approval);
    cJSON_Delete(executed);
    cJSON_Delete(failures);
    return rc;
}
