/*
 * creds.c - the credential chain, in the AWS CLI's order:
 *
 *   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
 *      (skipped when the options name a profile, as `aws --profile` does)
 *   2. the profile (AWS_PROFILE or "default") in ~/.aws/config and
 *      ~/.aws/credentials (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE):
 *        role_arn with source_profile or credential_source (assume role,
 *        external_id, role_session_name, duration_seconds);
 *        web_identity_token_file with role_arn;
 *   3. web identity from the environment: AWS_WEB_IDENTITY_TOKEN_FILE,
 *      AWS_ROLE_ARN, AWS_ROLE_SESSION_NAME (before the profile's keys, as
 *      botocore orders its providers)
 *   4. the profile's static keys in the credentials file;
 *      credential_process; static keys in the config file
 *   5. ECS container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
 *      or _FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)
 *   6. EC2 instance metadata, IMDSv2 (token first);
 *      AWS_EC2_METADATA_SERVICE_ENDPOINT overrides the address,
 *      AWS_EC2_METADATA_DISABLED=true skips it.
 *
 * Below the chain, the credentials in use: the base ones (resolved once,
 * again near expiry) and each assumed account's (hw_aws_assume, cached
 * until five minutes before expiry), with every secret registered with
 * the log redactor.  STS itself is sts.c's, called with the credentials
 * chosen here.
 *
 * Every step of the chain says what it found, as one of three kinds
 * (enum found): FOUND (out is filled), NONE (this source has nothing: the
 * chain goes on) or ERROR (e says why: the chain stops).  A source that
 * is named explicitly (a source_profile, a credential_source, AWS_PROFILE)
 * and has nothing is an error, never a fall-through to the next source.
 *
 * The shared files are parsed with inih.  Every error names the source.
 */
#include "aws/aws_int.h"

#include <cJSON.h>
#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void aws_protect(const hw_aws_creds *cr)
{
    hw_log_add_secret(cr->secret_access_key);
    hw_log_add_secret(cr->session_token);
}

/* What one step of the chain found. */
enum found { FOUND, NONE, ERROR };

/* ------------------------------------------------------------------ INI */

struct ini_query {
    const char *section, *key;
    char *value;
};

static int ini_value_cb(void *user, const char *section, const char *name, const char *value)
{
    struct ini_query *q = user;
    if (strcmp(section, q->section) == 0 && strcmp(name, q->key) == 0) {
        free(q->value);
        q->value = strdup(value);
    }
    return 1;
}

char *hw_aws_ini_get(const char *path, const char *section, const char *key)
{
    struct ini_query q = { section, key, NULL };
    if (!path || ini_parse(path, ini_value_cb, &q) < 0) {
        free(q.value);
        return NULL;
    }
    return q.value;
}

static void files(char *cfg, size_t cfgsz, char *cred, size_t credsz)
{
    const char *home = getenv("HOME");
    const char *c = getenv("AWS_CONFIG_FILE");
    const char *k = getenv("AWS_SHARED_CREDENTIALS_FILE");
    if (c && *c)
        snprintf(cfg, cfgsz, "%s", c);
    else
        snprintf(cfg, cfgsz, "%s/.aws/config", home ? home : "");
    if (k && *k)
        snprintf(cred, credsz, "%s", k);
    else
        snprintf(cred, credsz, "%s/.aws/credentials", home ? home : "");
}

static char *profile_get(const char *cfg, const char *profile, const char *key)
{
    char section[192];
    if (strcmp(profile, "default") == 0)
        snprintf(section, sizeof section, "default");
    else
        snprintf(section, sizeof section, "profile %s", profile);
    char *v = hw_aws_ini_get(cfg, section, key);
    if (!v && strcmp(profile, "default") == 0)
        v = hw_aws_ini_get(cfg, "profile default", key);
    return v;
}

static void set_keys(hw_aws_creds *out, const char *akid, const char *secret, const char *token,
                     const char *source)
{
    memset(out, 0, sizeof *out);
    snprintf(out->access_key_id, sizeof out->access_key_id, "%s", akid);
    snprintf(out->secret_access_key, sizeof out->secret_access_key, "%s", secret);
    snprintf(out->session_token, sizeof out->session_token, "%s", token ? token : "");
    snprintf(out->source, sizeof out->source, "%s", source);
    aws_protect(out);
}

/* ------------------------------------------------------------ environment */

static enum found from_env(hw_aws_creds *out)
{
    const char *a = getenv("AWS_ACCESS_KEY_ID");
    const char *s = getenv("AWS_SECRET_ACCESS_KEY");
    if (!a || !*a || !s || !*s)
        return NONE;
    set_keys(out, a, s, getenv("AWS_SESSION_TOKEN"), "environment");
    return FOUND;
}

/* --------------------------------------------------------- HTTP sources */

static int parse_json_creds(const char *body, size_t len, const char *source, hw_aws_creds *out,
                            hw_err *e)
{
    cJSON *o = cJSON_ParseWithLength(body, len);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "AccessKeyId");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, "SecretAccessKey");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "Token");
    if (!cJSON_IsString(t))
        t = cJSON_GetObjectItemCaseSensitive(o, "SessionToken");
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, "Expiration");
    if (!cJSON_IsString(a) || !cJSON_IsString(s)) {
        cJSON_Delete(o);
        return hw_err_set(e, HW_EAWS, "%s: the response has no AccessKeyId/SecretAccessKey",
                          source);
    }
    set_keys(out, a->valuestring, s->valuestring, cJSON_IsString(t) ? t->valuestring : NULL,
             source);
    if (cJSON_IsString(x))
        hw_time_parse(x->valuestring, &out->expiration);
    cJSON_Delete(o);
    return HW_OK;
}

static int plain_http(hw_aws_client *c, const char *method, const char *url,
                      struct curl_slist *hdrs, struct http_result *res, const char *source,
                      hw_err *e)
{
    struct http_request rq = { method, url, NULL, 0, hdrs, NULL, NULL, NULL, 2000, NULL };
    if (aws_http_once(c, &rq, res) != HW_OK)
        return hw_err_set(e, HW_ENET, "%s: %s", source, res->transport_msg);
    if (res->status != 200)
        return hw_err_set(e, HW_EAWS, "%s: HTTP %ld", source, res->status);
    return HW_OK;
}

static int loopback_or_ecs(const char *url)
{
    static const char *const ok[] = { "http://127.0.0.1", "http://localhost", "http://[::1]",
                                      "http://169.254.170.2", "http://169.254.170.23",
                                      "http://[fd00:ec2::23]" };
    if (hw_starts_with(url, "https://"))
        return 1;
    for (size_t i = 0; i < HW_ARRAY_LEN(ok); i++) {
        size_t n = strlen(ok[i]);
        if (strncmp(url, ok[i], n) == 0 && (url[n] == ':' || url[n] == '/' || !url[n]))
            return 1;
    }
    return 0;
}

static enum found from_container(hw_aws_client *c, hw_aws_creds *out, hw_err *e)
{
    const char *rel = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    char url[1024];
    if (rel && *rel)
        snprintf(url, sizeof url, "http://169.254.170.2%s", rel);
    else if (full && *full)
        snprintf(url, sizeof url, "%s", full);
    else
        return NONE;
    if (!(rel && *rel) && !loopback_or_ecs(url)) {
        hw_err_set(e, HW_EINVAL,
                   "AWS_CONTAINER_CREDENTIALS_FULL_URI: only https or a loopback/ECS "
                   "address is allowed");
        return ERROR;
    }
    struct curl_slist *h = NULL;
    char *tok = NULL;
    const char *tokfile = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    if (tokfile && *tokfile) {
        hw_buf b = HW_BUF_INIT(0);
        if (hw_file_read(tokfile, 16384, &b, e) != HW_OK) {
            hw_buf_free(&b);
            hw_err_prefix(e, "container credentials");
            return ERROR;
        }
        tok = hw_buf_detach(&b, NULL);
        tok[strcspn(tok, "\r\n")] = '\0';
    } else if (getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
        tok = strdup(getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN"));
    }
    if (tok) {
        hw_log_add_secret(tok);
        char *hdr = hw_asprintf("Authorization: %s", tok);
        h = curl_slist_append(h, hdr);
        free(hdr);
        free(tok);
    }
    struct http_result res;
    http_result_init(&res);
    int rc = plain_http(c, "GET", url, h, &res, "container credentials", e);
    if (rc == HW_OK)
        rc = parse_json_creds(hw_buf_str(&res.body), res.body.len, "container credentials", out, e);
    http_result_free(&res);
    curl_slist_free_all(h);
    return rc == HW_OK ? FOUND : ERROR;
}

static enum found from_imds(hw_aws_client *c, hw_aws_creds *out, hw_err *e)
{
    const char *dis = getenv("AWS_EC2_METADATA_DISABLED");
    if (dis && strcasecmp(dis, "true") == 0)
        return NONE;
    const char *ep = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    char base[512];
    snprintf(base, sizeof base, "%s", ep && *ep ? ep : "http://169.254.169.254");
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        base[--bl] = '\0';
    char url[1024];
    struct http_result res;
    http_result_init(&res);
    int rc;
    /* IMDSv2: a session token first; IMDSv1 is never used */
    snprintf(url, sizeof url, "%s/latest/api/token", base);
    struct curl_slist *h = curl_slist_append(NULL, "X-aws-ec2-metadata-token-ttl-seconds: 21600");
    rc = plain_http(c, "PUT", url, h, &res, "instance metadata", e);
    curl_slist_free_all(h);
    if (rc != HW_OK) {
        http_result_free(&res);
        if (ep && *ep)
            return ERROR; /* an endpoint named explicitly must answer */
        hw_err_clear(e);
        return NONE; /* not on EC2: the chain ends here */
    }
    char *hdr = hw_asprintf("X-aws-ec2-metadata-token: %s", hw_buf_str(&res.body));
    hw_log_add_secret(hw_buf_str(&res.body));
    h = curl_slist_append(NULL, hdr);
    free(hdr);
    snprintf(url, sizeof url, "%s/latest/meta-data/iam/security-credentials/", base);
    rc = plain_http(c, "GET", url, h, &res, "instance metadata", e);
    char role[256] = "";
    if (rc == HW_OK) {
        snprintf(role, sizeof role, "%s", hw_buf_str(&res.body));
        role[strcspn(role, "\r\n")] = '\0';
        if (!role[0] || strchr(role, '/'))
            rc = hw_err_set(e, HW_EAWS, "instance metadata: no instance profile role");
    }
    if (rc == HW_OK) {
        snprintf(url, sizeof url, "%s/latest/meta-data/iam/security-credentials/%s", base, role);
        rc = plain_http(c, "GET", url, h, &res, "instance metadata", e);
    }
    if (rc == HW_OK)
        rc = parse_json_creds(hw_buf_str(&res.body), res.body.len, "instance metadata", out, e);
    curl_slist_free_all(h);
    http_result_free(&res);
    return rc == HW_OK ? FOUND : ERROR;
}

/* --------------------------------------------------------- web identity */

static int web_identity(hw_aws_client *c, const char *token_file, const char *role_arn,
                        const char *session, hw_aws_creds *out, hw_err *e)
{
    hw_buf b = HW_BUF_INIT(0);
    if (hw_file_read(token_file, 65536, &b, e) != HW_OK) {
        hw_buf_free(&b);
        return hw_err_prefix(e, "web identity token");
    }
    char *tok = hw_buf_detach(&b, NULL);
    tok[strcspn(tok, "\r\n")] = '\0';
    hw_log_add_secret(tok);
    int rc = aws_assume_role_web_identity(c, role_arn, tok, session, out, e);
    free(tok);
    if (rc == HW_OK)
        aws_protect(out);
    return rc;
}

/* ------------------------------------------------------ credential_process */

/*
 * Splits a credential_process command into words as the AWS CLI does on
 * POSIX systems (Python's shlex.split): blanks separate words; '...'
 * keeps everything literally; "..." keeps everything but a backslash
 * before " or \; outside quotes a backslash keeps the next character.
 * No shell runs, so ; | $ ` > and the like are plain characters.
 * Returns a NULL-terminated vector in one allocation (free() it), or NULL
 * with *why set.
 */
static char **split_command(const char *cmd, const char **why)
{
    size_t len = strlen(cmd);
    /* at most len/2+1 words (each a character and a blank at least), and
     * their bytes at most len characters plus a NUL each */
    size_t nmax = len / 2 + 2;
    char **argv = malloc(nmax * sizeof *argv + 2 * len + 2);
    if (!argv) {
        *why = "out of memory";
        return NULL;
    }
    char *out = (char *)(argv + nmax);
    size_t n = 0;
    const char *p = cmd;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (!*p)
            break;
        argv[n++] = out;
        while (*p && !(*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
            if (*p == '\'') {
                const char *q = strchr(p + 1, '\'');
                if (!q) {
                    free(argv);
                    *why = "no closing quotation";
                    return NULL;
                }
                memcpy(out, p + 1, (size_t)(q - p - 1));
                out += q - p - 1;
                p = q + 1;
            } else if (*p == '"') {
                for (p++; *p && *p != '"'; p++) {
                    if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                        p++;
                    *out++ = *p;
                }
                if (*p != '"') {
                    free(argv);
                    *why = "no closing quotation";
                    return NULL;
                }
                p++;
            } else if (*p == '\\') {
                if (!p[1]) {
                    free(argv);
                    *why = "no escaped character";
                    return NULL;
                }
                *out++ = p[1];
                p += 2;
            } else {
                *out++ = *p++;
            }
        }
        *out++ = '\0';
    }
    argv[n] = NULL;
    if (n == 0) {
        free(argv);
        *why = "empty command";
        return NULL;
    }
    return argv;
}

/*
 * A helper's stderr is captured, never passed through: a helper that
 * prints a secret must not put it in hubwarden's log.  At most its first
 * line is shown (in the error when the helper fails, at debug level when
 * it succeeds), neutralised for a terminal, with anything that looks like
 * a key or a token replaced.
 */

static int token_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/' || c == '=' || c == '_' || c == '-';
}

static int ascii_ieq(const char *s, const char *word, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return 0;
    }
    return 1;
}

/* Replaces, in b, what looks like a key or a token: a run of token
 * characters of 16 or more holding a digit (an access key id, a secret
 * key), any run of 32 or more (a session token, a JWT part), and the
 * value after key, secret, token, password or credential with : or =. */
static void redact_tokens(hw_buf *b)
{
    static const char *const names[] = { "key", "secret", "token", "password", "passwd",
                                         "credential" };
    /* first the values after a name, looked for at every position */
    hw_buf out = HW_BUF_INIT(0);
    const char *s = hw_buf_str(b);
    size_t i = 0, n = b->len;
    while (i < n) {
        size_t v = 0;
        for (size_t k = 0; k < HW_ARRAY_LEN(names) && !v; k++) {
            size_t nl = strlen(names[k]);
            if (i + nl > n || !ascii_ieq(s + i, names[k], nl))
                continue;
            size_t j = i + nl;
            while (j < n && ((s[j] >= 'A' && s[j] <= 'Z') || (s[j] >= 'a' && s[j] <= 'z') ||
                             s[j] == '_'))
                j++; /* the rest of the word: SecretAccessKey, key_id */
            while (j < n && (s[j] == ' ' || s[j] == '"' || s[j] == '\''))
                j++;
            if (j >= n || (s[j] != ':' && s[j] != '='))
                continue;
            j++;
            while (j < n && (s[j] == ' ' || s[j] == '"' || s[j] == '\''))
                j++;
            if (j < n)
                v = j;
        }
        if (!v) {
            hw_buf_putc(&out, s[i++]);
            continue;
        }
        hw_buf_append(&out, s + i, v - i);
        hw_buf_puts(&out, "[REDACTED]");
        i = v;
        while (i < n && s[i] != ' ' && s[i] != '"' && s[i] != '\'' && s[i] != ',' && s[i] != ';')
            i++;
    }
    /* then long runs that look like keys and tokens */
    hw_buf fin = HW_BUF_INIT(0);
    s = hw_buf_str(&out);
    n = out.len;
    for (i = 0; i < n;) {
        if (!token_char(s[i])) {
            hw_buf_putc(&fin, s[i++]);
            continue;
        }
        size_t j = i;
        int digit = 0;
        while (j < n && token_char(s[j])) {
            if (s[j] >= '0' && s[j] <= '9')
                digit = 1;
            j++;
        }
        if ((j - i >= 16 && digit) || j - i >= 32)
            hw_buf_puts(&fin, "[REDACTED]");
        else
            hw_buf_append(&fin, s + i, j - i);
        i = j;
    }
    hw_buf_free(&out);
    hw_buf_free(b);
    *b = fin;
}

/* The first line of a helper's stderr, fit to show: "" when it said
 * nothing; else ": it said \"...\"" (with how many lines were held back). */
static void helper_said(const hw_buf *err, char *out, size_t outsz)
{
    out[0] = '\0';
    const char *s = hw_buf_str(err);
    size_t n = err->len;
    while (n && (*s == '\n' || *s == '\r' || *s == ' ')) /* leading blank lines */
        s++, n--;
    if (!n)
        return;
    size_t line = 0;
    while (line < n && s[line] != '\n' && s[line] != '\r')
        line++;
    size_t more = 0;
    for (size_t i = line; i < n; i++)
        more += s[i] == '\n' && i + 1 < n && s[i + 1] != '\n';
    hw_buf raw = HW_BUF_INIT(0), safe = HW_BUF_INIT(0);
    hw_buf_append(&raw, s, line < 200 ? line : 200);
    redact_tokens(&raw);
    hw_text_for_terminal(&safe, hw_buf_str(&raw), raw.len, '?');
    snprintf(out, outsz, ": it said \"%s%s\"%s", hw_buf_str(&safe), line > 200 ? "..." : "",
             more ? " (more lines not shown)" : "");
    hw_utf8_trim(out);
    hw_buf_free(&raw);
    hw_buf_free(&safe);
}

/* Reads the helper's stdout (out, at most its limit) and stderr (err, the
 * first 4 KiB; the rest drained) until both close. */
static void read_helper(int ofd, int efd, hw_buf *out, hw_buf *err)
{
    struct pollfd p[2] = { { ofd, POLLIN, 0 }, { efd, POLLIN, 0 } };
    int open_fds = 2, out_full = 0;
    char buf[4096];
    while (open_fds > 0) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(p[i].fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                p[i].fd = -1;
                open_fds--;
                continue;
            }
            if (i == 0 && !out_full && hw_buf_append(out, buf, (size_t)n) < 0)
                out_full = 1; /* the JSON check below refuses it */
            if (i == 1 && err->len < 4096)
                hw_buf_append(err, buf, (size_t)n);
        }
    }
}

char **hw_aws_split_command(const char *cmd, const char **why)
{
    return split_command(cmd, why);
}

static int from_process(const char *cmd, const char *profile, hw_aws_creds *out, hw_err *e)
{
    const char *why = NULL;
    char **argv = split_command(cmd, &why);
    if (!argv)
        return hw_err_set(e, HW_EINVAL, "profile %s: credential_process: %s", profile, why);
    int pfd[2], efd[2];
    if (pipe(pfd) < 0) {
        free(argv);
        return hw_err_set(e, HW_EIO, "credential_process: %s", strerror(errno));
    }
    if (pipe(efd) < 0) {
        close(pfd[0]);
        close(pfd[1]);
        free(argv);
        return hw_err_set(e, HW_EIO, "credential_process: %s", strerror(errno));
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        close(efd[0]);
        close(efd[1]);
        free(argv);
        return hw_err_set(e, HW_EIO, "credential_process: %s", strerror(errno));
    }
    if (pid == 0) {
        dup2(pfd[1], STDOUT_FILENO);
        dup2(efd[1], STDERR_FILENO);
        close(pfd[0]);
        close(pfd[1]);
        close(efd[0]);
        close(efd[1]);
        /* the command's own words, no shell: as the AWS CLI runs it */
        execvp(argv[0], argv);
        _exit(127);
    }
    free(argv);
    close(pfd[1]);
    close(efd[1]);
    hw_buf b = HW_BUF_INIT(1 << 20), errb = HW_BUF_INIT(1 << 16);
    read_helper(pfd[0], efd[0], &b, &errb);
    close(pfd[0]);
    close(efd[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    char said[320];
    helper_said(&errb, said, sizeof said);
    int rc;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && b.len == 0) {
        rc = hw_err_set(e, HW_EINVAL,
                        "profile %s: credential_process could not be run (exit status 127: "
                        "not found or not executable?)%s",
                        profile, said);
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        rc = hw_err_set(e, HW_EINVAL, "profile %s: credential_process exited with status %d%s",
                        profile, WIFEXITED(status) ? WEXITSTATUS(status) : -1, said);
    } else {
        if (said[0])
            hw_debug("profile %s: credential_process%s", profile, said);
        cJSON *o = cJSON_ParseWithLength(hw_buf_str(&b), b.len);
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "Version");
        if (!cJSON_IsNumber(v) || v->valueint != 1)
            rc = hw_err_set(e, HW_EINVAL,
                            "profile %s: credential_process output must be JSON with Version 1",
                            profile);
        else
            rc = parse_json_creds(hw_buf_str(&b), b.len, "credential_process", out, e);
        cJSON_Delete(o);
    }
    hw_buf_free(&b);
    hw_buf_free(&errb);
    return rc;
}

/* ---------------------------------------------------------------- profile */

static enum found resolve_profile(hw_aws_client *c, const char *profile, int depth,
                                  hw_aws_creds *out, hw_err *e);

/* A role profile: the source's credentials, then AssumeRole with them.
 * FOUND or ERROR: a role profile without usable source credentials is an
 * error (botocore: "The source profile ... must have credentials"). */
static enum found assume_from_profile(hw_aws_client *c, const char *cfg, const char *profile,
                               const char *role_arn, int depth, hw_aws_creds *out, hw_err *e)
{
    char *src = profile_get(cfg, profile, "source_profile");
    char *csrc = profile_get(cfg, profile, "credential_source");
    char *ext = profile_get(cfg, profile, "external_id");
    char *sess = profile_get(cfg, profile, "role_session_name");
    char *dur = profile_get(cfg, profile, "duration_seconds");
    hw_aws_creds source;
    enum found got = ERROR;
    if (src && strcmp(src, profile) == 0) {
        hw_err_set(e, HW_EINVAL, "profile %s: source_profile names itself", profile);
    } else if (src) {
        got = resolve_profile(c, src, depth + 1, &source, e);
        if (got == NONE) {
            hw_err_set(e, HW_EINVAL, "profile %s: the source profile %s must have credentials",
                       profile, src);
            got = ERROR;
        }
    } else if (csrc) {
        if (strcmp(csrc, "Environment") == 0)
            got = from_env(&source);
        else if (strcmp(csrc, "EcsContainer") == 0)
            got = from_container(c, &source, e);
        else if (strcmp(csrc, "Ec2InstanceMetadata") == 0)
            got = from_imds(c, &source, e);
        else
            hw_err_set(e, HW_EINVAL, "profile %s: credential_source %s is not one of "
                                     "Environment, Ec2InstanceMetadata, EcsContainer",
                       profile, csrc);
        if (got == NONE) {
            hw_err_set(e, HW_EINVAL, "profile %s: credential_source %s has no credentials",
                       profile, csrc);
            got = ERROR;
        }
    } else {
        hw_err_set(e, HW_EINVAL, "profile %s: role_arn needs source_profile or credential_source",
                   profile);
    }
    if (got == FOUND) {
        /* assume with the source credentials */
        int rc = aws_sts_assume_role(c, &source, role_arn, ext,
                                     sess ? sess : c->opt.session_name, dur ? atoi(dur) : 3600,
                                     out, e);
        memset(&source, 0, sizeof source);
        if (rc == HW_OK) {
            aws_protect(out);
            snprintf(out->source, sizeof out->source, "profile %s (assume role)", profile);
        } else {
            got = ERROR;
        }
    }
    free(src);
    free(csrc);
    free(ext);
    free(sess);
    free(dur);
    return got;
}

/* One profile: FOUND, NONE when it has no credentials of any form (or
 * does not exist), ERROR when a form it has fails. */
static enum found resolve_profile(hw_aws_client *c, const char *profile, int depth,
                                  hw_aws_creds *out, hw_err *e)
{
    if (depth > 8) {
        hw_err_set(e, HW_EINVAL, "profile %s: source_profile chain too long", profile);
        return ERROR;
    }
    char cfg[1024], cred[1024];
    files(cfg, sizeof cfg, cred, sizeof cred);
    char *role = profile_get(cfg, profile, "role_arn");
    enum found got = NONE;
    char *wif = NULL, *a = NULL, *s = NULL, *t = NULL, *proc = NULL;
    if (role) {
        wif = profile_get(cfg, profile, "web_identity_token_file");
        if (wif) {
            char *sess = profile_get(cfg, profile, "role_session_name");
            got = web_identity(c, wif, role, sess ? sess : c->opt.session_name, out, e) == HW_OK
                      ? FOUND
                      : ERROR;
            free(sess);
        } else {
            got = assume_from_profile(c, cfg, profile, role, depth, out, e);
        }
        goto out;
    }
    /* static keys: credentials file, then credential_process, then config */
    a = hw_aws_ini_get(cred, profile, "aws_access_key_id");
    s = hw_aws_ini_get(cred, profile, "aws_secret_access_key");
    if (a && s) {
        t = hw_aws_ini_get(cred, profile, "aws_session_token");
        char src[96];
        snprintf(src, sizeof src, "profile %s", profile);
        set_keys(out, a, s, t, src);
        got = FOUND;
        goto out;
    }
    proc = profile_get(cfg, profile, "credential_process");
    if (proc) {
        got = from_process(proc, profile, out, e) == HW_OK ? FOUND : ERROR;
        goto out;
    }
    free(a);
    free(s);
    a = profile_get(cfg, profile, "aws_access_key_id");
    s = profile_get(cfg, profile, "aws_secret_access_key");
    if (a && s) {
        t = profile_get(cfg, profile, "aws_session_token");
        char src[96];
        snprintf(src, sizeof src, "profile %s (config)", profile);
        set_keys(out, a, s, t, src);
        got = FOUND;
    }
out:
    free(role);
    free(wif);
    free(a);
    free(s);
    free(t);
    free(proc);
    return got;
}

int hw_aws_resolve_creds(hw_aws_client *c, hw_aws_creds *out, hw_err *e)
{
    memset(out, 0, sizeof *out);
    /* keys in the environment, unless a profile was named in the options:
     * `aws --profile` skips them too (AWS_PROFILE alone does not) */
    if (!(c->opt.profile && *c->opt.profile) && from_env(out) == FOUND)
        return HW_OK;
    int explicit_profile = (c->opt.profile && *c->opt.profile) ||
                           (getenv("AWS_PROFILE") && *getenv("AWS_PROFILE"));
    /* web identity from the environment comes before the profile's own
     * keys, but after a role the profile names, and not at all when the
     * profile was named in the options (as `aws --profile` ignores it) */
    const char *wif = getenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    const char *role = getenv("AWS_ROLE_ARN");
    if (wif && *wif && role && *role && !(c->opt.profile && *c->opt.profile)) {
        char cfg[1024], cred[1024];
        files(cfg, sizeof cfg, cred, sizeof cred);
        char *prole = profile_get(cfg, c->profile, "role_arn");
        int profile_role = prole != NULL;
        free(prole);
        if (!profile_role) {
            const char *sess = getenv("AWS_ROLE_SESSION_NAME");
            return web_identity(c, wif, role, sess && *sess ? sess : c->opt.session_name, out, e);
        }
    }
    enum found got = resolve_profile(c, c->profile, 0, out, e);
    if (got == NONE && explicit_profile)
        return hw_err_set(e, HW_EINVAL, "profile %s: no credentials in the AWS config or "
                                        "credentials file",
                          c->profile);
    if (got == NONE)
        got = from_container(c, out, e);
    if (got == NONE)
        got = from_imds(c, out, e);
    if (got == FOUND)
        return HW_OK;
    if (got == ERROR)
        return e->kind;
    return hw_err_set(e, HW_EINVAL,
                      "no AWS credentials found (environment, profile %s, web identity, "
                      "container, instance metadata)",
                      c->profile);
}

/* ------------------------------------------------- credentials in use */

static int near_expiry(const hw_aws_creds *cr)
{
    return cr->expiration && hw_now() >= cr->expiration - 300;
}

int aws_ctx_creds(hw_aws_client *c, const hw_aws_ctx *ctx, const hw_aws_creds **out, hw_err *e)
{
    if (ctx && ctx->account) {
        for (size_t i = 0; i < c->nassumed; i++) {
            struct assumed *a = &c->assumed[i];
            if (strcmp(a->account, ctx->account) != 0)
                continue;
            if (near_expiry(&a->creds) &&
                hw_aws_assume(c, a->account, a->role_name, a->external_id, e) != HW_OK)
                return e->kind;
            *out = &c->assumed[i].creds;
            return HW_OK;
        }
        return hw_err_set(e, HW_EINTERNAL, "no role assumed into account %s", ctx->account);
    }
    if (!c->have_base || near_expiry(&c->base)) {
        /* resolve into a copy: c->base stays whole until the chain is done */
        hw_aws_creds fresh;
        if (hw_aws_resolve_creds(c, &fresh, e) != HW_OK)
            return e->kind;
        c->base = fresh;
        c->have_base = 1;
        aws_protect(&c->base);
    }
    *out = &c->base;
    return HW_OK;
}

int aws_expired_code(const char *code)
{
    return code && (strcmp(code, "ExpiredToken") == 0 || strcmp(code, "ExpiredTokenException") == 0);
}

int aws_creds_expired(hw_aws_client *c, const hw_aws_ctx *ctx, const char *access_key_id)
{
    if (ctx && ctx->account) {
        for (size_t i = 0; i < c->nassumed; i++) {
            struct assumed *a = &c->assumed[i];
            if (strcmp(a->account, ctx->account) != 0)
                continue;
            if (strcmp(a->creds.access_key_id, access_key_id) != 0)
                return 1; /* already replaced (another request saw it first) */
            a->creds.expiration = 1; /* the next use assumes the role again */
            hw_info("credentials for account %s expired early; assuming %s again", a->account,
                    a->role_name);
            return 1;
        }
        return 0;
    }
    if (!c->have_base)
        return 0;
    if (strcmp(c->base.access_key_id, access_key_id) != 0)
        return 1; /* already replaced */
    c->have_base = 0; /* the next use walks the chain again */
    hw_info("the base credentials (%s) expired early; resolving them again", c->base.source);
    return 1;
}

int aws_creds_renew(hw_aws_client *c, const hw_aws_ctx *ctx, const char *failed,
                    const hw_aws_creds **out)
{
    char key[sizeof c->base.access_key_id];
    snprintf(key, sizeof key, "%s", failed); /* failed may point into the cache */
    if (!aws_creds_expired(c, ctx, key))
        return 0;
    hw_err e;
    hw_err_clear(&e);
    const hw_aws_creds *cr;
    if (aws_ctx_creds(c, ctx, &cr, &e) != HW_OK) {
        hw_warn("fresh credentials after an early expiry: %s", e.msg);
        return 0;
    }
    if (strcmp(cr->access_key_id, key) == 0)
        return 0; /* the same keys again (static ones): sending again cannot help */
    if (out)
        *out = cr;
    return 1;
}

int aws_target(hw_aws_client *c, const hw_aws_ctx *ctx, const hw_aws_service *svc,
               const hw_aws_creds **cr, const char **region, char **base, hw_err *e)
{
    if (aws_ctx_creds(c, ctx, cr, e) != HW_OK)
        return e->kind;
    *region = aws_ctx_region(c, ctx);
    return aws_base_url(c, svc, *region, base, e);
}

int hw_aws_assume_role(hw_aws_client *c, const char *role_arn, const char *external_id,
                       const char *session_name, int duration_s, hw_aws_creds *out, hw_err *e)
{
    const hw_aws_creds *base;
    if (aws_ctx_creds(c, NULL, &base, e) != HW_OK)
        return e->kind;
    if (aws_sts_assume_role(c, base, role_arn, external_id, session_name, duration_s, out, e) !=
        HW_OK)
        return e->kind;
    aws_protect(out);
    return HW_OK;
}

int hw_aws_assume(hw_aws_client *c, const char *account_in, const char *role_in,
                  const char *external_in, hw_err *e)
{
    /* Copies first: a refresh (aws_ctx_creds) passes pointers into the
     * very cache slot that is rewritten below. */
    char account[sizeof c->assumed->account], role_name[sizeof c->assumed->role_name];
    char ext[sizeof c->assumed->external_id];
    snprintf(account, sizeof account, "%s", account_in);
    snprintf(role_name, sizeof role_name, "%s", role_in);
    snprintf(ext, sizeof ext, "%s", external_in ? external_in : "");
    const char *external_id = ext[0] ? ext : NULL;
    struct assumed *slot = NULL;
    for (size_t i = 0; i < c->nassumed; i++)
        if (strcmp(c->assumed[i].account, account) == 0)
            slot = &c->assumed[i];
    if (slot && strcmp(slot->role_name, role_name) == 0 && slot->creds.expiration &&
        hw_now() < slot->creds.expiration - 300)
        return HW_OK;
    char arn[256];
    snprintf(arn, sizeof arn, "arn:%s:iam::%s:role/%s", hw_aws_partition(c->region), account,
             role_name);
    hw_aws_creds cr;
    if (hw_aws_assume_role(c, arn, external_id, c->opt.session_name, 3600, &cr, e) != HW_OK)
        return e->kind;
    /* registered with the redactor by hw_aws_assume_role */
    return aws_assumed_put(c, account, role_name, ext, &cr, e);
}

int hw_aws_assumed(const hw_aws_client *c, const char *account, const char *role_name)
{
    for (size_t i = 0; i < c->nassumed; i++)
        if (strcmp(c->assumed[i].account, account) == 0)
            return strcmp(c->assumed[i].role_name, role_name) == 0 &&
                   c->assumed[i].creds.expiration && hw_now() < c->assumed[i].creds.expiration - 300;
    return 0;
}

int aws_assumed_put(hw_aws_client *c, const char *account, const char *role_name,
                    const char *external_id, const hw_aws_creds *cr, hw_err *e)
{
    struct assumed *slot = NULL;
    for (size_t i = 0; i < c->nassumed; i++)
        if (strcmp(c->assumed[i].account, account) == 0)
            slot = &c->assumed[i];
    if (!slot) {
        struct assumed *p = realloc(c->assumed, (c->nassumed + 1) * sizeof *p);
        if (!p)
            return hw_err_set(e, HW_ENOMEM, "out of memory");
        c->assumed = p;
        slot = &c->assumed[c->nassumed++];
    }
    memset(slot, 0, sizeof *slot);
    snprintf(slot->account, sizeof slot->account, "%s", account);
    snprintf(slot->role_name, sizeof slot->role_name, "%s", role_name);
    snprintf(slot->external_id, sizeof slot->external_id, "%s", external_id ? external_id : "");
    slot->creds = *cr;
    return HW_OK;
}
