/*
 * iam_policy.c - `hubwarden iam-policy`: the IAM policies hubwarden needs,
 * generated from controls/iam-roles.xml, remediations.xml and
 * playbooks.xml (src/catalog/iam.h), so that a user regenerates them for
 * their own configuration (role names, external ids, SNS topic) and they
 * never drift from the calls the code makes
 * (tests/integration/test_iam_policy.sh).
 *
 *   iam-policy                      the roles, one line each
 *   iam-policy --role R             R's permission policy (JSON)
 *   iam-policy --role R --trust     R's trust policy (JSON)
 *   iam-policy --role R --enabled   only what the configuration enables
 *   iam-policy --stackset           the member roles as a CloudFormation
 *                                   StackSet template (JSON)
 *   iam-policy --markdown           README.md's permission list
 *   iam-policy --calls              every call: role, service, operation, action
 */
#include <ctype.h>
#include <string.h>

#include "aws/aws.h"
#include "catalog/iam.h"
#include "cmd/cmd.h"

static const char *opt_role, *opt_audit_account, *opt_audit_role, *opt_principal,
    *opt_external_id;
static int opt_trust, opt_enabled, opt_stackset, opt_markdown, opt_calls;

static const struct hw_option options[] = {
    { "role", 0, HW_OPT_STRING, &opt_role, "ROLE",
      "scan, apply, member-audit or member-remediation" },
    { "trust", 0, HW_OPT_FLAG, &opt_trust, NULL, "the role's trust policy instead" },
    { "enabled", 0, HW_OPT_FLAG, &opt_enabled, NULL,
      "only the remediations and playbooks the configuration does not turn off" },
    { "audit-account", 0, HW_OPT_STRING, &opt_audit_account, "ID",
      "the audit account a member role trusts" },
    { "audit-role", 0, HW_OPT_STRING, &opt_audit_role, "NAME",
      "the audit account's role a member role trusts (default Hubwarden)" },
    { "principal", 0, HW_OPT_STRING, &opt_principal, "SERVICE|ARN",
      "who assumes an audit-account role (default ec2.amazonaws.com; ecs-tasks.amazonaws.com)" },
    { "external-id", 0, HW_OPT_STRING, &opt_external_id, "ID",
      "the external id a member role requires (default from the configuration)" },
    { "stackset", 0, HW_OPT_FLAG, &opt_stackset, NULL,
      "the member roles as a CloudFormation StackSet template" },
    { "markdown", 0, HW_OPT_FLAG, &opt_markdown, NULL, "the permission list of README.md" },
    { "calls", 0, HW_OPT_FLAG, &opt_calls, NULL,
      "every AWS call: role, service, operation, IAM action" },
    { 0 },
};

/* ------------------------------------------------------------ JSON text */

/* Prints j with two-space indents and arrays of strings one item a line:
 * stable text that diffs well and that a test compares byte for byte. */
static void put_json(hw_buf *b, const cJSON *j, int depth)
{
    if (cJSON_IsObject(j) || cJSON_IsArray(j)) {
        int obj = cJSON_IsObject(j);
        if (!j->child) {
            hw_buf_puts(b, obj ? "{}" : "[]");
            return;
        }
        hw_buf_putc(b, obj ? '{' : '[');
        for (const cJSON *c = j->child; c; c = c->next) {
            hw_buf_printf(b, "\n%*s", 2 * (depth + 1), "");
            if (obj) {
                cJSON *k = cJSON_CreateString(c->string);
                char *ks = cJSON_PrintUnformatted(k);
                hw_buf_printf(b, "%s: ", ks ? ks : "\"\"");
                free(ks);
                cJSON_Delete(k);
            }
            put_json(b, c, depth + 1);
            if (c->next)
                hw_buf_putc(b, ',');
        }
        hw_buf_printf(b, "\n%*s%c", 2 * depth, "", obj ? '}' : ']');
        return;
    }
    char *s = cJSON_PrintUnformatted(j);
    hw_buf_puts(b, s ? s : "null");
    free(s);
}

static int print_json(cJSON *j)
{
    hw_buf b = HW_BUF_INIT(0);
    put_json(&b, j, 0);
    hw_buf_putc(&b, '\n');
    fwrite(hw_buf_str(&b), 1, b.len, stdout);
    hw_buf_free(&b);
    cJSON_Delete(j);
    return HW_EXIT_OK;
}

/* ------------------------------------------------------- configuration */

/* The value of one of the configuration keys iam-roles.xml names. */
static const char *config_value(const hw_ctx *ctx, const char *key)
{
    const hw_config *c = ctx->config;
    if (!c || !key)
        return NULL;
    const char *v = NULL;
    if (strcmp(key, "organization.role_name") == 0)
        v = c->organization.role_name;
    else if (strcmp(key, "organization.external_id") == 0)
        v = c->organization.external_id;
    else if (strcmp(key, "remediation.role_name") == 0)
        v = c->remediation.role_name;
    else if (strcmp(key, "remediation.external_id") == 0)
        v = c->remediation.external_id;
    else if (strcmp(key, "notifications.sns_topic_arn") == 0)
        v = c->notifications.sns_topic_arn;
    return v && *v ? v : NULL;
}

static const char *partition(const hw_ctx *ctx)
{
    const char *region = ctx->region ? ctx->region : ctx->config ? ctx->config->aws.region : NULL;
    return hw_aws_partition(region);
}

static const char *role_name(const hw_ctx *ctx, const hw_iam_role *r)
{
    const char *v = config_value(ctx, r->name_key);
    return v ? v : r->default_name;
}

/* "Hubwarden" + the role's name in CamelCase: a statement id. */
static void camel(char *out, size_t size, const char *prefix, const char *name)
{
    size_t n = (size_t)snprintf(out, size, "%s", prefix);
    int up = 1;
    for (const char *p = name; *p && n + 1 < size; p++) {
        if (!isalnum((unsigned char)*p)) {
            up = 1;
            continue;
        }
        out[n++] = up ? (char)toupper((unsigned char)*p) : *p;
        up = 0;
    }
    out[n] = '\0';
}

/* --------------------------------------------------------------- policies */

/* The resource of a grant in this configuration: "*", an ARN, or NULL
 * when the grant is not needed (no SNS topic configured).  (malloc'd) */
static char *resource_of(const hw_ctx *ctx, const hw_iam *iam, const hw_iam_grant *g)
{
    if (!g->resource)
        return hw_strdup("*");
    if (strncmp(g->resource, "role:", 5) == 0) {
        const hw_iam_role *t = hw_iam_role_find(iam, g->resource + 5);
        return t ? hw_asprintf("arn:%s:iam::*:role/%s", partition(ctx), role_name(ctx, t)) : NULL;
    }
    if (strcmp(g->resource, "sns-topic") == 0) {
        const char *topic = config_value(ctx, "notifications.sns_topic_arn");
        return topic ? hw_strdup(topic) : NULL;
    }
    if (strncmp(g->resource, "arn:aws:", 8) == 0)
        return hw_asprintf("arn:%s:%s", partition(ctx), g->resource + 8);
    return hw_strdup(g->resource);
}

/* A statement id for the grants on one resource. */
static void sid_of(char *out, size_t size, const hw_iam_role *r, const hw_iam_grant *g, size_t k)
{
    char base[96];
    camel(base, sizeof base, "Hubwarden", r->name);
    if (!g->resource)
        snprintf(out, size, "%s", base);
    else if (strncmp(g->resource, "role:", 5) == 0)
    {
        char assume[128];
        snprintf(assume, sizeof assume, "%sAssume", base);
        camel(out, size, assume, g->resource + 5); /* HubwardenScanAssumeMemberAudit */
    }
    else if (strcmp(g->resource, "sns-topic") == 0)
        snprintf(out, size, "%sNotify", base);
    else if (g->implied_by)
        snprintf(out, size, "%sFor%.*s", base, (int)strcspn(g->implied_by, ":"), g->implied_by);
    else
        snprintf(out, size, "%s%zu", base, k);
}

/* The permission policy of r: one statement per resource.  template: ARNs
 * as CloudFormation Fn::Sub with ${AWS::Partition}. */
static cJSON *permission_policy(const hw_ctx *ctx, const hw_iam *iam, const hw_iam_role *r,
                                int template)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "Version", "2012-10-17");
    cJSON *st = cJSON_AddArrayToObject(doc, "Statement");
    for (size_t i = 0, k = 0; i < r->ngrants; k++) {
        const hw_iam_grant *g = &r->grants[i];
        size_t j = i;
        while (j < r->ngrants && (g->resource ? r->grants[j].resource &&
                                                    strcmp(r->grants[j].resource, g->resource) == 0
                                              : !r->grants[j].resource))
            j++;
        char *res = resource_of(ctx, iam, g);
        if (res) {
            cJSON *s = cJSON_CreateObject();
            char sid[160];
            sid_of(sid, sizeof sid, r, g, k);
            cJSON_AddStringToObject(s, "Sid", sid);
            cJSON_AddStringToObject(s, "Effect", "Allow");
            cJSON *acts = cJSON_AddArrayToObject(s, "Action");
            for (size_t x = i; x < j; x++)
                cJSON_AddItemToArray(acts, cJSON_CreateString(r->grants[x].action));
            if (template && strncmp(res, "arn:", 4) == 0) {
                char *sub = hw_asprintf("arn:${AWS::Partition}:%s", strchr(res + 4, ':') + 1);
                cJSON *fn = cJSON_AddObjectToObject(s, "Resource");
                cJSON_AddStringToObject(fn, "Fn::Sub", sub ? sub : "");
                free(sub);
            } else {
                cJSON_AddStringToObject(s, "Resource", res);
            }
            cJSON_AddItemToArray(st, s);
        } else {
            hw_info("role %s: %s left out: notifications.sns_topic_arn is not set", r->name,
                    g->action);
        }
        free(res);
        i = j;
    }
    return doc;
}

static cJSON *trust_statement(cJSON *principal, cJSON *external_id)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "Version", "2012-10-17");
    cJSON *st = cJSON_AddArrayToObject(doc, "Statement");
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "Effect", "Allow");
    cJSON_AddItemToObject(s, "Principal", principal);
    cJSON_AddStringToObject(s, "Action", "sts:AssumeRole");
    if (external_id) {
        cJSON *cond = cJSON_AddObjectToObject(s, "Condition");
        cJSON *eq = cJSON_AddObjectToObject(cond, "StringEquals");
        cJSON_AddItemToObject(eq, "sts:ExternalId", external_id);
    }
    cJSON_AddItemToArray(st, s);
    return doc;
}

static int all_digits(const char *s, size_t n)
{
    if (!s || strlen(s) != n)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

static int trust_policy(const hw_ctx *ctx, const hw_iam *iam, const hw_iam_role *r)
{
    cJSON *principal = cJSON_CreateObject();
    if (strcmp(r->account, "audit") == 0) {
        const char *p = opt_principal ? opt_principal : "ec2.amazonaws.com";
        if (strncmp(p, "arn:", 4) == 0)
            cJSON_AddStringToObject(principal, "AWS", p);
        else if (strlen(p) > 14 && strcmp(p + strlen(p) - 14, ".amazonaws.com") == 0 &&
                 !strchr(p, ' '))
            cJSON_AddStringToObject(principal, "Service", p);
        else {
            cJSON_Delete(principal);
            return hw_usage_error(&hw_cmd_iam_policy, "--principal: expected a service such as "
                                                      "ecs-tasks.amazonaws.com or an ARN, got '%s'",
                                  p);
        }
        return print_json(trust_statement(principal, NULL));
    }
    if (!all_digits(opt_audit_account, 12)) {
        cJSON_Delete(principal);
        return hw_usage_error(&hw_cmd_iam_policy, "--trust for role %s needs --audit-account "
                                                  "(the 12-digit audit account id)", r->name);
    }
    const hw_iam_role *audit = hw_iam_role_find(iam, "scan");
    const char *arole = opt_audit_role ? opt_audit_role : audit ? audit->default_name : "Hubwarden";
    char *arn = hw_asprintf("arn:%s:iam::%s:role/%s", partition(ctx), opt_audit_account, arole);
    cJSON_AddStringToObject(principal, "AWS", arn ? arn : "");
    free(arn);
    const char *xid = opt_external_id ? opt_external_id : config_value(ctx, r->external_id_key);
    if (!xid)
        hw_warn("role %s: no external id (--external-id or %s): the trust policy has no "
                "sts:ExternalId condition",
                r->name, r->external_id_key ? r->external_id_key : "configuration");
    return print_json(trust_statement(principal, xid ? cJSON_CreateString(xid) : NULL));
}

/* --------------------------------------------------------------- StackSet */

static cJSON *param(cJSON *params, const char *name, const char *desc, const char *def)
{
    cJSON *p = cJSON_AddObjectToObject(params, name);
    cJSON_AddStringToObject(p, "Type", "String");
    cJSON_AddStringToObject(p, "Description", desc);
    if (def)
        cJSON_AddStringToObject(p, "Default", def);
    return p;
}

static cJSON *ref(const char *name)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "Ref", name);
    return r;
}

static int stackset(const hw_ctx *ctx, const hw_iam *iam)
{
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "AWSTemplateFormatVersion", "2010-09-09");
    cJSON_AddStringToObject(t, "Description",
                            "hubwarden's member-account roles, deployed to every member account by "
                            "a service-managed StackSet. Generated by `hubwarden iam-policy "
                            "--stackset` from controls/iam-roles.xml; do not edit.");
    cJSON *params = cJSON_AddObjectToObject(t, "Parameters");
    cJSON *p = param(params, "AuditAccountId", "The audit account (Security Hub's delegated "
                                               "administrator) where hubwarden runs.", NULL);
    cJSON_AddStringToObject(p, "AllowedPattern", "^[0-9]{12}$");
    const hw_iam_role *audit = hw_iam_role_find(iam, "scan");
    param(params, "AuditRoleName", "The audit account's role hubwarden runs as.",
          audit ? audit->default_name : "Hubwarden");
    cJSON *conds = cJSON_AddObjectToObject(t, "Conditions");
    cJSON *res = cJSON_AddObjectToObject(t, "Resources");
    for (size_t i = 0; i < iam->nroles; i++) {
        const hw_iam_role *r = &iam->roles[i];
        if (strcmp(r->account, "member") != 0)
            continue;
        char base[96], pname[128], pxid[128], pon[128], cond[128], lid[128];
        camel(base, sizeof base, "", r->name); /* MemberAudit */
        snprintf(pname, sizeof pname, "%sRoleName", base);
        snprintf(pxid, sizeof pxid, "%sExternalId", base);
        snprintf(pon, sizeof pon, "%sEnabled", base);
        snprintf(cond, sizeof cond, "Create%s", base);
        snprintf(lid, sizeof lid, "%sRole", base);
        char desc[256];
        snprintf(desc, sizeof desc, "The role's name: %s in hubwarden's configuration.",
                 r->name_key ? r->name_key : "fixed");
        param(params, pname, desc, r->default_name);
        snprintf(desc, sizeof desc, "The external id the role requires: %s in hubwarden's "
                                    "configuration.", r->external_id_key ? r->external_id_key : "-");
        p = param(params, pxid, desc, NULL);
        cJSON_AddNumberToObject(p, "MinLength", 2);
        cJSON_AddBoolToObject(p, "NoEcho", 1);
        p = param(params, pon, "Create this role (false: leave it out).", "true");
        cJSON *allowed = cJSON_AddArrayToObject(p, "AllowedValues");
        cJSON_AddItemToArray(allowed, cJSON_CreateString("true"));
        cJSON_AddItemToArray(allowed, cJSON_CreateString("false"));
        cJSON *eq = cJSON_CreateArray();
        cJSON_AddItemToArray(eq, ref(pon));
        cJSON_AddItemToArray(eq, cJSON_CreateString("true"));
        cJSON *c = cJSON_AddObjectToObject(conds, cond);
        cJSON_AddItemToObject(c, "Fn::Equals", eq);

        cJSON *role = cJSON_AddObjectToObject(res, lid);
        cJSON_AddStringToObject(role, "Type", "AWS::IAM::Role");
        cJSON_AddStringToObject(role, "Condition", cond);
        cJSON *props = cJSON_AddObjectToObject(role, "Properties");
        cJSON_AddItemToObject(props, "RoleName", ref(pname));
        cJSON_AddStringToObject(props, "Description", r->summary ? r->summary : "");
        cJSON *principal = cJSON_CreateObject();
        cJSON *sub = cJSON_AddObjectToObject(principal, "AWS");
        cJSON_AddStringToObject(sub, "Fn::Sub",
                                "arn:${AWS::Partition}:iam::${AuditAccountId}:role/${AuditRoleName}");
        cJSON_AddItemToObject(props, "AssumeRolePolicyDocument",
                              trust_statement(principal, ref(pxid)));
        cJSON *pols = cJSON_AddArrayToObject(props, "Policies");
        cJSON *pol = cJSON_CreateObject();
        char polname[128];
        snprintf(polname, sizeof polname, "hubwarden-%s", r->name);
        cJSON_AddStringToObject(pol, "PolicyName", polname);
        cJSON_AddItemToObject(pol, "PolicyDocument", permission_policy(ctx, iam, r, 1));
        cJSON_AddItemToArray(pols, pol);
    }
    return print_json(t);
}

/* --------------------------------------------------------------- markdown */

/* Appends word to the list item being written, wrapping at 76 columns. */
static void md_word(hw_buf *line, const char *word)
{
    size_t last_nl = 0;
    for (size_t i = 0; i < line->len; i++)
        if (line->data[i] == '\n')
            last_nl = i + 1;
    if (line->len - last_nl + 1 + strlen(word) > 76)
        hw_buf_puts(line, "\n ");
    hw_buf_printf(line, " %s", word);
}

static int markdown(const hw_iam *iam)
{
    printf("<!-- generated by `hubwarden iam-policy --markdown` from controls/iam-roles.xml,\n"
           "     remediations.xml and playbooks.xml: do not edit -->\n");
    for (size_t i = 0; i < iam->nroles; i++) {
        const hw_iam_role *r = &iam->roles[i];
        hw_buf line = HW_BUF_INIT(0);
        char word[512];
        snprintf(word, sizeof word, "**`%s`** (%s account, role `%s`%s%s%s):", r->name, r->account,
                 r->default_name, r->name_key ? " or `" : "", r->name_key ? r->name_key : "",
                 r->name_key ? "`" : "");
        hw_buf_puts(&line, word);
        const char *p = r->summary ? r->summary : "";
        while (*p) {
            size_t n = strcspn(p, " ");
            if (n)
                snprintf(word, sizeof word, "%.*s", (int)n, p), md_word(&line, word);
            p += n;
            p += strspn(p, " ");
        }
        printf("\n%s\n\n", hw_buf_str(&line));
        for (size_t a = 0; a < r->ngrants;) {
            const hw_iam_grant *g = &r->grants[a];
            size_t b = a;
            while (b < r->ngrants && (g->resource ? r->grants[b].resource &&
                                                        strcmp(r->grants[b].resource, g->resource) == 0
                                                  : !r->grants[b].resource))
                b++;
            hw_buf_reset(&line);
            hw_buf_putc(&line, '-');
            for (size_t x = a; x < b; x++) {
                snprintf(word, sizeof word, "`%s`%s", r->grants[x].action, x + 1 < b ? "," : "");
                md_word(&line, word);
            }
            if (g->resource && strncmp(g->resource, "role:", 5) == 0) {
                const hw_iam_role *t = hw_iam_role_find(iam, g->resource + 5);
                md_word(&line, "on");
                snprintf(word, sizeof word, "`arn:aws:iam::*:role/<%s>`",
                         t && t->name_key ? t->name_key : t ? t->default_name : "?");
                md_word(&line, word);
                snprintf(word, sizeof word, "(%s)", g->resource + 5);
                md_word(&line, word);
            } else if (g->resource && strcmp(g->resource, "sns-topic") == 0) {
                md_word(&line, "on");
                md_word(&line, "`<notifications.sns_topic_arn>`,");
                md_word(&line, "only");
                md_word(&line, "when");
                md_word(&line, "set");
            } else if (g->resource) {
                md_word(&line, "on");
                snprintf(word, sizeof word, "`%s`", g->resource);
                md_word(&line, word);
                if (g->implied_by) {
                    snprintf(word, sizeof word, "(for `%s`)", g->implied_by);
                    md_word(&line, word);
                }
            }
            printf("%s\n", hw_buf_str(&line));
            a = b;
        }
        hw_buf_free(&line);
    }
    return HW_EXIT_OK;
}

/* --------------------------------------------------------------- enabled */

/* Whether the configuration can run part: a playbook not off, or a
 * remediation with a control not off. */
static int part_enabled(const hw_ctx *ctx, const hw_iam_part *p)
{
    if (p->playbook)
        return hw_config_playbook_mode(ctx->config, p->name) != HW_REMEDY_OFF;
    for (size_t i = 0; i < p->ncontrols; i++)
        if (hw_config_remedy_mode(ctx->config, p->controls[i]) != HW_REMEDY_OFF)
            return 1;
    return 0;
}

static int enabled_action(const hw_ctx *ctx, const hw_iam_role *r, const char *action)
{
    for (size_t i = 0; i < r->nparts; i++)
        if (part_enabled(ctx, &r->parts[i]))
            for (size_t k = 0; k < r->parts[i].nactions; k++)
                if (strcmp(r->parts[i].actions[k], action) == 0)
                    return 1;
    return 0;
}

/* r with only the grants of the parts the configuration enables (and what
 * those imply); view->grants is malloc'd, its items borrowed from r. */
static int enabled_view(const hw_ctx *ctx, const hw_iam_role *r, hw_iam_role *view)
{
    *view = *r;
    view->grants = malloc((r->ngrants ? r->ngrants : 1) * sizeof *view->grants);
    if (!view->grants)
        return -1;
    view->ngrants = 0;
    for (size_t i = 0; i < r->ngrants; i++) {
        const hw_iam_grant *g = &r->grants[i];
        int keep = g->implied_by ? enabled_action(ctx, r, g->implied_by) || !r->nparts
                   : g->included ? enabled_action(ctx, r, g->action)
                                 : 1;
        if (keep)
            view->grants[view->ngrants++] = *g;
    }
    if (r->nparts) {
        size_t on = 0;
        for (size_t i = 0; i < r->nparts; i++)
            on += (size_t)part_enabled(ctx, &r->parts[i]);
        hw_info("role %s: %zu of %zu remediations and playbooks enabled by the configuration",
                r->name, on, r->nparts);
    }
    return 0;
}

/* ------------------------------------------------------------------ run */

static int run(hw_ctx *ctx, int argc, char **argv)
{
    char **args = NULL;
    int nargs = 0;
    int r = hw_parse_options(&hw_cmd_iam_policy, argc, argv, &args, &nargs);
    free(args);
    if (r)
        return r == 1 ? HW_EXIT_OK : HW_EXIT_USAGE;
    if (nargs)
        return hw_usage_error(&hw_cmd_iam_policy, "takes no arguments");
    if (opt_stackset + opt_markdown + opt_calls + (opt_role != NULL) > 1)
        return hw_usage_error(&hw_cmd_iam_policy,
                              "--role, --stackset, --markdown and --calls exclude each other");
    if ((opt_trust || opt_enabled) && !opt_role)
        return hw_usage_error(&hw_cmd_iam_policy, "--%s needs --role", opt_trust ? "trust" : "enabled");
    if (opt_trust && opt_enabled)
        return hw_usage_error(&hw_cmd_iam_policy, "--trust and --enabled exclude each other");
    hw_err e;
    hw_err_clear(&e);
    hw_iam *iam = NULL;
    if (hw_iam_load(hw_cmd_controls_dir(ctx), &iam, &e) != HW_OK)
        return hw_cmd_fail(&e);
    int rc = HW_EXIT_OK;
    if (opt_role) {
        const hw_iam_role *role = hw_iam_role_find(iam, opt_role);
        if (!role) {
            hw_buf names = HW_BUF_INIT(0);
            for (size_t i = 0; i < iam->nroles; i++)
                hw_buf_printf(&names, "%s%s", i ? ", " : "", iam->roles[i].name);
            rc = hw_usage_error(&hw_cmd_iam_policy, "--role: unknown role '%s' (one of %s)",
                                opt_role, hw_buf_str(&names));
            hw_buf_free(&names);
        } else if (opt_trust) {
            rc = trust_policy(ctx, iam, role);
        } else if (opt_enabled) {
            hw_iam_role view;
            if (enabled_view(ctx, role, &view) != 0) {
                hw_err_set(&e, HW_ENOMEM, "out of memory");
                rc = hw_cmd_fail(&e);
            } else {
                rc = print_json(permission_policy(ctx, iam, &view, 0));
                free(view.grants);
            }
        } else {
            rc = print_json(permission_policy(ctx, iam, role, 0));
        }
    } else if (opt_stackset) {
        rc = stackset(ctx, iam);
    } else if (opt_markdown) {
        rc = markdown(iam);
    } else if (opt_calls) {
        for (size_t i = 0; i < iam->nroles; i++)
            for (size_t k = 0; k < iam->roles[i].ncalls; k++) {
                const hw_iam_call *c = &iam->roles[i].calls[k];
                printf("%s %s %s %s\n", iam->roles[i].name, c->service, c->operation,
                       *c->action ? c->action : "-");
            }
    } else {
        for (size_t i = 0; i < iam->nroles; i++)
            printf("%-20s %-7s %-22s %s\n", iam->roles[i].name, iam->roles[i].account,
                   role_name(ctx, &iam->roles[i]), iam->roles[i].summary);
    }
    hw_iam_free(iam);
    return rc;
}

const struct hw_command hw_cmd_iam_policy = {
    .name = "iam-policy",
    .summary = "Print the IAM policies hubwarden needs, generated from controls/.",
    .synopsis = "",
    .description =
        "Roles: scan (audit account, read-only), apply (added to the audit account's role\n"
        "for remediate --apply and run), member-audit and member-remediation (in each member\n"
        "account).  --role R prints R's permission policy, --trust its trust policy (a\n"
        "member role trusts --audit-account's --audit-role, with the configured external\n"
        "id); --enabled grants only the remediations and playbooks the configuration\n"
        "does not turn off.  --stackset prints the member roles as a CloudFormation StackSet template,\n"
        "--markdown README's permission list, --calls every AWS call hubwarden makes.\n"
        "Role names, external ids and the SNS topic come from the configuration.",
    .options = options,
    .run = run,
    .needs_config = 1,
};
