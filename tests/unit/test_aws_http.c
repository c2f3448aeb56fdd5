/*
 * test_aws_http.c - the AWS client on the wire, against a tiny HTTP/1.1
 * responder running in this process (a thread per connection on
 * 127.0.0.1, scripted by each test).  It checks what the client sends
 * (the inputs libcurl signs: method, path, sorted form bodies, headers,
 * the credential scope) and how it treats what comes back: retries with
 * backoff on throttling, 5xx, resets and truncated bodies; immediate
 * failure on signature and access errors; the body size cap; the
 * credential sources that speak HTTP (IMDSv2, ECS container credentials,
 * web identity, assumed roles and their refresh before expiry); and the
 * multi interface (bounded concurrency, retries that do not hold up the
 * other requests).
 *
 * Signatures themselves are verified by botocore in the integration test
 * against the simulator (tests/integration/test_aws_client.sh).
 *
 * White-box: includes aws/aws_int.h to replace the sleep between retries,
 * so that no blocking call waits for a real backoff.
 *
 * Two tests were first written against defects (a refreshed assumed role
 * losing its account; web identity after the profile's keys); both are
 * fixed, in sts.c and creds.c, and the tests now always run.
 */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>
#include <libxml/tree.h>

#include "aws/aws_int.h"
#include "aws_env.h"

/* ------------------------------------------------------------ responder */

enum reply_mode {
    REPLY_NORMAL = 0,
    REPLY_TRUNCATE, /* Content-Length promises twice the body, then close */
    REPLY_RESET,    /* close with RST before any response */
    REPLY_HUGE      /* a body of `huge` bytes, more than the client's cap */
};

struct reply {
    int status;
    char headers[512]; /* extra "Name: value\r\n" lines */
    char *body;        /* malloc'd or NULL */
    size_t bodylen;
    int mode;
    size_t huge;
    int delay_ms; /* wait before answering (outside the lock) */
};

struct rec {
    char method[16];
    char path[1024];
    char headers[8192];
    char *body;
    size_t bodylen;
};

typedef void (*handler_fn)(const struct rec *rq, int n, struct reply *out);

#define MAXREC 64
#define MAXCONN 64

static struct {
    int lfd;
    int port;
    pthread_t acceptor;
    pthread_mutex_t mu;
    struct rec log[MAXREC];
    int nlog;
    int fds[MAXCONN];
    pthread_t threads[MAXCONN];
    int nconn;
    int active, max_active; /* requests being answered at once */
    handler_fn handler;
} S = { .lfd = -1, .mu = PTHREAD_MUTEX_INITIALIZER };

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static const char *hdr_in(const char *headers, const char *name, char *out, size_t outsz)
{
    size_t nl = strlen(name);
    for (const char *line = headers; line && *line;) {
        const char *eol = strstr(line, "\r\n");
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        if (len > nl && strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
            const char *v = line + nl + 1;
            while (*v == ' ')
                v++;
            size_t vl = (size_t)(line + len - v);
            if (vl >= outsz)
                vl = outsz - 1;
            memcpy(out, v, vl);
            out[vl] = '\0';
            return out;
        }
        line = eol ? eol + 2 : NULL;
    }
    return NULL;
}

/* The value of request n's header (case-insensitive name) or NULL. */
static const char *hdr(int n, const char *name)
{
    static char v[4096];
    if (n < 0 || n >= S.nlog)
        return NULL;
    return hdr_in(S.log[n].headers, name, v, sizeof v);
}

static void send_reply(int fd, const struct reply *r, int *close_after)
{
    char head[1024];
    size_t clen = r->mode == REPLY_TRUNCATE ? r->bodylen * 2 + 10
                  : r->mode == REPLY_HUGE   ? r->huge
                                            : r->bodylen;
    int n = snprintf(head, sizeof head, "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n%s\r\n",
                     r->status, clen, r->headers);
    if (write_all(fd, head, (size_t)n) < 0)
        return;
    if (r->mode == REPLY_HUGE) {
        static char zeros[65536];
        for (size_t sent = 0; sent < r->huge; sent += sizeof zeros)
            if (write_all(fd, zeros, sizeof zeros) < 0)
                break;
        *close_after = 1;
        return;
    }
    if (r->bodylen)
        write_all(fd, r->body, r->bodylen);
    if (r->mode == REPLY_TRUNCATE)
        *close_after = 1;
}

static int read_more(int fd, hw_buf *in)
{
    char buf[8192];
    for (;;) {
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || hw_buf_append(in, buf, (size_t)r) < 0)
            return -1;
        return 0;
    }
}

static void *conn_main(void *arg)
{
    int fd = (int)(intptr_t)arg;
    hw_buf in = HW_BUF_INIT(1 << 20);
    for (;;) {
        char *end;
        while (!(end = in.data ? strstr(in.data, "\r\n\r\n") : NULL))
            if (read_more(fd, &in) < 0)
                goto done;
        struct rec rec;
        memset(&rec, 0, sizeof rec);
        size_t headlen = (size_t)(end - in.data) + 4;
        sscanf(in.data, "%15s %1023s", rec.method, rec.path);
        const char *h1 = strstr(in.data, "\r\n");
        size_t hl = (size_t)(end - h1) - 2 + 4;
        if (hl >= sizeof rec.headers)
            hl = sizeof rec.headers - 1;
        memcpy(rec.headers, h1 + 2, hl);
        rec.headers[hl] = '\0';
        char v[64];
        size_t clen = hdr_in(rec.headers, "Content-Length", v, sizeof v) ? strtoul(v, NULL, 10) : 0;
        if (hdr_in(rec.headers, "Expect", v, sizeof v))
            write_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
        while (in.len < headlen + clen)
            if (read_more(fd, &in) < 0)
                goto done;
        rec.body = malloc(clen + 1);
        if (!rec.body)
            goto done;
        memcpy(rec.body, in.data + headlen, clen);
        rec.body[clen] = '\0';
        rec.bodylen = clen;
        /* keep what follows (a pipelined request) */
        size_t rest = in.len - headlen - clen;
        memmove(in.data, in.data + headlen + clen, rest);
        in.len = rest;
        in.data[rest] = '\0';

        struct reply rep;
        memset(&rep, 0, sizeof rep);
        rep.status = 200;
        pthread_mutex_lock(&S.mu);
        int n = S.nlog;
        if (S.nlog < MAXREC)
            S.log[S.nlog++] = rec;
        else
            free(rec.body);
        if (S.handler)
            S.handler(&S.log[n < MAXREC ? n : MAXREC - 1], n, &rep);
        if (++S.active > S.max_active)
            S.max_active = S.active;
        pthread_mutex_unlock(&S.mu);
        if (rep.delay_ms)
            hw_sleep_ms(rep.delay_ms);
        int close_after = 0;
        if (rep.mode == REPLY_RESET) {
            struct linger l = { 1, 0 };
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
            shutdown(fd, SHUT_RDWR);
            close_after = 1;
        } else {
            send_reply(fd, &rep, &close_after);
        }
        free(rep.body);
        pthread_mutex_lock(&S.mu);
        S.active--;
        pthread_mutex_unlock(&S.mu);
        if (close_after) {
            shutdown(fd, SHUT_RDWR);
            goto done;
        }
    }
done:
    hw_buf_free(&in);
    return NULL;
}

static void *accept_main(void *arg)
{
    (void)arg;
    for (;;) {
        int fd = accept(S.lfd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            return NULL;
        }
        pthread_mutex_lock(&S.mu);
        if (S.nconn >= MAXCONN) {
            pthread_mutex_unlock(&S.mu);
            close(fd);
            continue;
        }
        S.fds[S.nconn] = fd;
        if (pthread_create(&S.threads[S.nconn], NULL, conn_main, (void *)(intptr_t)fd) == 0)
            S.nconn++;
        else
            close(fd);
        pthread_mutex_unlock(&S.mu);
    }
}

static int srv_start(void)
{
    S.lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (S.lfd < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (bind(S.lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(S.lfd, 64) < 0 ||
        getsockname(S.lfd, (struct sockaddr *)&a, &al) < 0)
        return -1;
    S.port = ntohs(a.sin_port);
    return pthread_create(&S.acceptor, NULL, accept_main, NULL) == 0 ? 0 : -1;
}

static void srv_reset_log(void)
{
    pthread_mutex_lock(&S.mu);
    for (int i = 0; i < S.nlog; i++)
        free(S.log[i].body);
    memset(S.log, 0, sizeof S.log);
    S.nlog = 0;
    S.max_active = 0;
    pthread_mutex_unlock(&S.mu);
}

/* Closes every connection (clients are freed first) and joins threads. */
static void srv_drop_connections(void)
{
    pthread_mutex_lock(&S.mu);
    int n = S.nconn;
    S.nconn = 0;
    int fds[MAXCONN];
    pthread_t th[MAXCONN];
    memcpy(fds, S.fds, sizeof fds);
    memcpy(th, S.threads, sizeof th);
    pthread_mutex_unlock(&S.mu);
    for (int i = 0; i < n; i++)
        shutdown(fds[i], SHUT_RDWR);
    for (int i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        close(fds[i]);
    }
}

static void srv_stop(void)
{
    if (S.lfd >= 0) {
        shutdown(S.lfd, SHUT_RDWR);
        close(S.lfd);
        pthread_join(S.acceptor, NULL);
        S.lfd = -1;
    }
    srv_drop_connections();
    srv_reset_log();
}

/* ------------------------------------------------------------- helpers */

static void set_body(struct reply *r, const char *s)
{
    free(r->body);
    r->body = strdup(s);
    r->bodylen = r->body ? strlen(s) : 0;
}

static char *read_fixture(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "tests/data/aws/%s", name);
    hw_buf b = HW_BUF_INIT(0);
    hw_err e;
    if (hw_file_read(path, 0, &b, &e) != HW_OK) {
        hw_buf_free(&b);
        return NULL;
    }
    return hw_buf_detach(&b, NULL);
}

/* The AssumeRole fixture with its Expiration set to now + secs. */
static char *assume_role_body(int64_t secs)
{
    char *t = read_fixture("sts_assume_role.xml");
    if (!t)
        return NULL;
    char iso[32];
    hw_time_iso(hw_now() + secs, iso);
    char *at = strstr(t, "@EXPIRATION@");
    char *out = at ? hw_asprintf("%.*s%s%s", (int)(at - t), t, iso, at + strlen("@EXPIRATION@"))
                   : NULL;
    free(t);
    return out;
}

static char home[64];
static char saved_home[512];
static char url[64];

static void clean_env(void)
{
    hw_test_env_clear(home);
}

/* No credentials anywhere but what the test sets. */
static void bare_env(void)
{
    clean_env();
    setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
}

/* The usual world: keys in the environment, every endpoint here. */
static void std_env(void)
{
    clean_env();
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_ENDPOINT_URL", url, 1);
    setenv("AWS_ACCESS_KEY_ID", "AKIDTESTTESTTEST0001", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "testsecrettestsecrettestsecret00000001", 1);
    setenv("AWS_SESSION_TOKEN", "FwoGZXIvYXdzEtestsessiontoken0001", 1);
}

static int suite_init(void)
{
    if (hw_test_home_make(home, "/tmp/hwawshttpXXXXXX", saved_home) < 0 || srv_start() < 0)
        return -1;
    snprintf(url, sizeof url, "http://127.0.0.1:%d", S.port);
    return 0;
}

static int suite_clean(void)
{
    srv_stop();
    hw_log_clear_secrets();
    return hw_test_home_remove(home, saved_home);
}

static int64_t sleeps[16];
static int nsleeps;

static void fake_sleep(int64_t ms)
{
    if (nsleeps < 16)
        sleeps[nsleeps] = ms;
    nsleeps++;
}

/* A client with recorded, instant retries; region NULL: eu-west-1, "":
 * none given (the environment's or the profile's). */
static hw_aws_client *client(int max_attempts, const char *region)
{
    hw_aws_options o;
    memset(&o, 0, sizeof o);
    o.region = !region ? "eu-west-1" : *region ? region : NULL;
    o.max_attempts = max_attempts;
    o.session_name = "hubwarden-run1";
    o.connect_timeout_ms = 2000;
    o.timeout_ms = 10000;
    hw_aws_client *c = NULL;
    hw_err e;
    if (hw_aws_client_new(&o, &c, &e) != HW_OK)
        return NULL;
    c->sleep_ms = fake_sleep;
    nsleeps = 0;
    return c;
}

static void finish(hw_aws_client *c)
{
    hw_aws_client_free(c);
    srv_drop_connections();
    srv_reset_log();
    S.handler = NULL;
}

static int nreq(void)
{
    pthread_mutex_lock(&S.mu);
    int n = S.nlog;
    pthread_mutex_unlock(&S.mu);
    return n;
}

static void write_home(const char *name, const char *text)
{
    hw_test_home_write(home, name, text);
}

/* ------------------------------------------------------- request shapes */

static void h_roots(const struct rec *rq, int n, struct reply *r)
{
    (void)rq;
    (void)n;
    snprintf(r->headers, sizeof r->headers, "x-amzn-RequestId: rid-roots\r\n");
    set_body(r, "{\"Roots\":[{\"Id\":\"r-ab12\",\"Name\":\"Root\"}]}");
}

static int roots(hw_aws_client *c, hw_err *e)
{
    cJSON *resp = NULL;
    int rc = hw_aws_json_call(c, NULL, &hw_svc_organizations, "ListRoots", NULL, &resp, e);
    cJSON_Delete(resp);
    return rc;
}

/* DescribeOrganization: the id kept when it has the model's form, and
 * refused, naming the field, when it has not */
static const char *org_reply;

static void h_describe_org(const struct rec *rq, int n, struct reply *r)
{
    (void)rq;
    (void)n;
    set_body(r, org_reply);
}

static void test_org_describe(void)
{
    std_env();
    S.handler = h_describe_org;
    hw_aws_client *c = client(3, "us-east-1");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_aws_org o;
    hw_err e;
    org_reply = "{\"Organization\":{\"Id\":\"o-a1b2c3d4e5\",\"Arn\":\"arn:aws:organizations::"
                "111111111111:organization/o-a1b2c3d4e5\",\"MasterAccountId\":\"111111111111\"}}";
    CU_ASSERT_EQUAL_FATAL(hw_aws_org_describe(c, &o, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(o.id, "o-a1b2c3d4e5");
    CU_ASSERT_STRING_EQUAL(o.management_account, "111111111111");
    CU_ASSERT_STRING_EQUAL(hdr(0, "X-Amz-Target"), "AWSOrganizationsV20161128.DescribeOrganization");
    org_reply = "{\"Organization\":{\"Id\":\"o-<script>x\"}}";
    CU_ASSERT_EQUAL(hw_aws_org_describe(c, &o, &e), HW_EAWS);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "Organization.Id"));
    CU_ASSERT_STRING_EQUAL(o.id, "");
    org_reply = "{\"Organization\":{\"Id\":\"o-a1b2c3d4e5\",\"MasterAccountId\":\"12ab\"}}";
    CU_ASSERT_EQUAL(hw_aws_org_describe(c, &o, &e), HW_EAWS);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "MasterAccountId"));
    org_reply = "{}";
    CU_ASSERT_EQUAL(hw_aws_org_describe(c, &o, &e), HW_EAWS);
    finish(c);
}

static void test_json_request(void)
{
    std_env();
    S.handler = h_roots;
    hw_aws_client *c = client(3, "ap-south-1");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    cJSON *resp = NULL;
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(
        hw_aws_json_call(c, NULL, &hw_svc_organizations, "ListRoots", NULL, &resp, &e), HW_OK);
    const cJSON *root = cJSON_GetArrayItem(cJSON_GetObjectItem(resp, "Roots"), 0);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(root, "Id")->valuestring, "r-ab12");
    cJSON_Delete(resp);
    CU_ASSERT_EQUAL_FATAL(nreq(), 1);
    CU_ASSERT_STRING_EQUAL(S.log[0].method, "POST");
    CU_ASSERT_STRING_EQUAL(S.log[0].path, "/");
    CU_ASSERT_STRING_EQUAL(S.log[0].body, "{}");
    CU_ASSERT_STRING_EQUAL(hdr(0, "X-Amz-Target"), "AWSOrganizationsV20161128.ListRoots");
    CU_ASSERT_STRING_EQUAL(hdr(0, "Content-Type"), "application/x-amz-json-1.1");
    CU_ASSERT_STRING_EQUAL(hdr(0, "User-Agent"), "hubwarden/" HW_VERSION);
    CU_ASSERT_STRING_EQUAL(hdr(0, "X-Amz-Security-Token"), "FwoGZXIvYXdzEtestsessiontoken0001");
    CU_ASSERT_PTR_NOT_NULL(hdr(0, "X-Amz-Date"));
    /* a global service signs for us-east-1 whatever the client's region */
    const char *auth = hdr(0, "Authorization");
    CU_ASSERT_PTR_NOT_NULL_FATAL(auth);
    CU_ASSERT_TRUE(hw_starts_with(auth, "AWS4-HMAC-SHA256 Credential=AKIDTESTTESTTEST0001/"));
    CU_ASSERT_PTR_NOT_NULL(strstr(auth, "/us-east-1/organizations/aws4_request"));
    /* the token and the target are covered by the signature */
    CU_ASSERT_PTR_NOT_NULL(strstr(auth, "x-amz-security-token"));
    CU_ASSERT_PTR_NOT_NULL(strstr(auth, "x-amz-target"));
    CU_ASSERT_PTR_NOT_NULL(strstr(auth, "host"));
    /* the secret never travels */
    CU_ASSERT_PTR_NULL(strstr(S.log[0].headers, "testsecrettestsecret"));
    finish(c);
}

static void h_sts(const struct rec *rq, int n, struct reply *r)
{
    (void)n;
    snprintf(r->headers, sizeof r->headers, "Content-Type: text/xml\r\n");
    char *b = strstr(rq->body, "Action=GetCallerIdentity") ? read_fixture("sts_caller_identity.xml")
                                                            : assume_role_body(3600);
    set_body(r, b ? b : "");
    free(b);
}

static void test_query_request(void)
{
    std_env();
    S.handler = h_sts;
    hw_aws_client *c = client(3, "eu-west-1");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_aws_creds cr;
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_aws_assume_role(c, "arn:aws:iam::333333333333:role/Hubwarden Audit",
                                             "ext id/1", "hubwarden-run1", 900, &cr, &e),
                          HW_OK);
    CU_ASSERT_EQUAL_FATAL(nreq(), 1);
    /* a form body, already in canonical order and RFC 3986 encoding */
    CU_ASSERT_STRING_EQUAL(S.log[0].body,
                           "Action=AssumeRole&DurationSeconds=900&ExternalId=ext%20id%2F1"
                           "&RoleArn=arn%3Aaws%3Aiam%3A%3A333333333333%3Arole%2FHubwarden%20Audit"
                           "&RoleSessionName=hubwarden-run1&Version=2011-06-15");
    CU_ASSERT_STRING_EQUAL(S.log[0].method, "POST");
    CU_ASSERT_STRING_EQUAL(S.log[0].path, "/");
    CU_ASSERT_TRUE(hw_starts_with(hdr(0, "Content-Type"), "application/x-www-form-urlencoded"));
    CU_ASSERT_PTR_NOT_NULL(strstr(hdr(0, "Authorization"), "/eu-west-1/sts/aws4_request"));
    /* the credentials, and their secrets hidden from every log line */
    CU_ASSERT_STRING_EQUAL(cr.access_key_id, "ASIAASSUMED000000001");
    CU_ASSERT_STRING_EQUAL(cr.session_token, "IQoJassumedsessiontokenassumedsessiontoken");
    CU_ASSERT_TRUE(cr.expiration > hw_now() + 3500 && cr.expiration <= hw_now() + 3600);
    char *red = hw_redact("key assumedsecretassumedsecretassumedsecret1 and "
                          "IQoJassumedsessiontokenassumedsessiontoken and "
                          "testsecrettestsecrettestsecret00000001");
    CU_ASSERT_PTR_NULL(strstr(red, "assumedsecret"));
    CU_ASSERT_PTR_NULL(strstr(red, "IQoJ"));
    CU_ASSERT_PTR_NULL(strstr(red, "testsecret")); /* the base secret, loaded from env */
    free(red);
    finish(c);
}

static void h_findings(const struct rec *rq, int n, struct reply *r)
{
    (void)rq;
    set_body(r, n == 0 ? "{\"Findings\":[{\"Id\":\"f1\"}],\"NextToken\":\"tok/2+=\"}"
                       : "{\"Findings\":[{\"Id\":\"f2\"}]}");
}

/* BatchGetSecurityControls: an answer listing every id asked for, S3.8
 * disabled (twice), one entry with an unknown status, one malformed. */
static void h_controls(const struct rec *rq, int n, struct reply *r)
{
    (void)n;
    cJSON *in = cJSON_Parse(rq->body);
    cJSON *out = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(out, "SecurityControls");
    const cJSON *id;
    cJSON_ArrayForEach(id, cJSON_GetObjectItem(in, "SecurityControlIds")) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "SecurityControlId", id->valuestring);
        int off = strcmp(id->valuestring, "S3.8") == 0;
        cJSON_AddStringToObject(c, "SecurityControlStatus",
                                strcmp(id->valuestring, "X.3") == 0 ? "SOMETIMES"
                                : off                              ? "DISABLED"
                                                                   : "ENABLED");
        cJSON_AddItemToArray(list, c);
        if (off)
            cJSON_AddItemToArray(list, cJSON_Duplicate(c, 1));
    }
    cJSON_AddItemToArray(list, cJSON_Parse("{\"SecurityControlId\": 7}"));
    char *t = cJSON_PrintUnformatted(out);
    set_body(r, t);
    free(t);
    cJSON_Delete(out);
    cJSON_Delete(in);
}

struct seen_controls {
    int enabled, disabled;
    char last_disabled[32];
};

static int on_status(void *arg, const char *id, int enabled)
{
    struct seen_controls *x = arg;
    if (enabled) {
        x->enabled++;
    } else {
        x->disabled++;
        snprintf(x->last_disabled, sizeof x->last_disabled, "%s", id);
    }
    return 0;
}

static void test_security_control_status(void)
{
    std_env();
    S.handler = h_controls;
    hw_aws_client *c = client(1, "eu-west-1");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    const char *ids[150];
    char names[150][16];
    for (int i = 0; i < 150; i++) {
        snprintf(names[i], sizeof names[i], "X.%d", i);
        ids[i] = names[i];
    }
    ids[149] = "S3.8";
    hw_aws_ctx ctx = { "us-east-2", NULL };
    struct seen_controls x = { 0, 0, "" };
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_aws_security_control_status(c, &ctx, ids, 150, on_status, &x, &e),
                          HW_OK);
    /* 100 ids a call; X.3's unknown status and the malformed entries make no claim */
    CU_ASSERT_EQUAL_FATAL(nreq(), 2);
    CU_ASSERT_STRING_EQUAL(S.log[0].path, "/securityControls/batchGet");
    CU_ASSERT_STRING_EQUAL(S.log[0].method, "POST");
    cJSON *sent = cJSON_Parse(S.log[1].body);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItem(sent, "SecurityControlIds")), 50);
    cJSON_Delete(sent);
    CU_ASSERT_EQUAL(x.enabled, 148);
    CU_ASSERT_EQUAL(x.disabled, 2); /* as sent: the caller keeps ids once */
    CU_ASSERT_STRING_EQUAL(x.last_disabled, "S3.8");
    CU_ASSERT_PTR_NOT_NULL(strstr(hdr(0, "Authorization"), "/us-east-2/securityhub/aws4_request"));
    finish(c);
}

static void test_rest_json_request(void)
{
    std_env();
    S.handler = h_findings;
    hw_aws_client *c = client(3, "eu-west-1");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    cJSON *req = cJSON_Parse("{\"Filters\":{\"RecordState\":[{\"Value\":\"ACTIVE\","
                             "\"Comparison\":\"EQUALS\"}]},\"MaxResults\":1}");
    hw_aws_ctx ctx = { "us-east-2", NULL };
    hw_err e;
    cJSON *resp = NULL;
    CU_ASSERT_EQUAL_FATAL(hw_aws_rest_json_call(c, &ctx, &hw_svc_securityhub, "GetFindings",
                                                "POST", "/findings", req, &resp, &e),
                          HW_OK);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(resp, "NextToken")->valuestring, "tok/2+=");
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(resp, "Findings"), 0);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(first, "Id")->valuestring, "f1");
    cJSON_Delete(resp);
    cJSON_AddStringToObject(req, "NextToken", "tok/2+=");
    resp = NULL;
    CU_ASSERT_EQUAL(hw_aws_rest_json_call(c, &ctx, &hw_svc_securityhub, "GetFindings", "POST",
                                          "/findings", req, &resp, &e),
                    HW_OK);
    CU_ASSERT_PTR_NULL(cJSON_GetObjectItem(resp, "NextToken"));
    cJSON_Delete(resp);
    CU_ASSERT_EQUAL_FATAL(nreq(), 2);
    CU_ASSERT_STRING_EQUAL(S.log[0].path, "/findings");
    CU_ASSERT_STRING_EQUAL(hdr(0, "Content-Type"), "application/json");
    CU_ASSERT_PTR_NULL(hdr(0, "X-Amz-Target"));
    /* the context's region, not the client's */
    CU_ASSERT_PTR_NOT_NULL(strstr(hdr(0, "Authorization"), "/us-east-2/securityhub/aws4_request"));
    cJSON *sent = cJSON_Parse(S.log[1].body);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(sent, "NextToken")->valuestring, "tok/2+=");
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(sent, "MaxResults")->valueint, 1);
    cJSON_Delete(sent);
    cJSON_Delete(req);
    /* BatchUpdateFindings (PATCH in the model) through the generic call */
    S.handler = h_roots;
    cJSON *upd = cJSON_Parse("{\"FindingIdentifiers\":[{\"Id\":\"f1\",\"ProductArn\":\"p\"}],"
                             "\"Workflow\":{\"Status\":\"NOTIFIED\"}}");
    resp = NULL;
    CU_ASSERT_EQUAL(hw_aws_rest_json_call(c, &ctx, &hw_svc_securityhub, "BatchUpdateFindings",
                                          "PATCH", "/findings/batchupdate", upd, &resp, &e),
                    HW_OK);
    CU_ASSERT_STRING_EQUAL(S.log[2].method, "PATCH");
    CU_ASSERT_STRING_EQUAL(S.log[2].path, "/findings/batchupdate");
    CU_ASSERT_PTR_NOT_NULL(strstr(S.log[2].body, "\"NOTIFIED\""));
    cJSON_Delete(upd);
    cJSON_Delete(resp);
    finish(c);
}

/* REST-XML: S3 Control's GetPublicAccessBlock, and S3's error format */
static void h_s3(const struct rec *rq, int n, struct reply *r)
{
    (void)rq;
    if (n == 0) {
        set_body(r, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                    "<PublicAccessBlockConfiguration xmlns=\"http://awss3control.amazonaws.com/doc/2018-08-20/\">"
                    "<BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>false</IgnorePublicAcls>"
                    "</PublicAccessBlockConfiguration>");
    } else {
        r->status = 404;
        set_body(r, "<Error><Code>NoSuchPublicAccessBlockConfiguration</Code>"
                    "<Message>The public access block configuration was not found</Message>"
                    "<RequestId>s3-req-1</RequestId></Error>");
    }
}

static void test_rest_xml_request(void)
{
    std_env();
    S.handler = h_s3;
    hw_aws_client *c = client(3, "eu-west-1");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    const char *hdrs[] = { "x-amz-account-id: 333333333333", NULL };
    xmlDocPtr doc = NULL;
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_aws_rest_xml_call(c, NULL, &hw_svc_s3control, "GetPublicAccessBlock",
                                               "GET", "/v20180820/configuration/publicAccessBlock",
                                               NULL, 0, hdrs, NULL, 0, &doc, &e),
                          HW_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_STRING_EQUAL(aws_xml_text(xmlDocGetRootElement(doc), "BlockPublicAcls"), "true");
    xmlFreeDoc(doc);
    CU_ASSERT_STRING_EQUAL(S.log[0].method, "GET");
    CU_ASSERT_STRING_EQUAL(S.log[0].path, "/v20180820/configuration/publicAccessBlock");
    CU_ASSERT_STRING_EQUAL(hdr(0, "x-amz-account-id"), "333333333333");
    /* S3 signs with service "s3" and needs the payload hash header */
    CU_ASSERT_PTR_NOT_NULL(strstr(hdr(0, "Authorization"), "/eu-west-1/s3/aws4_request"));
    CU_ASSERT_PTR_NOT_NULL(strstr(hdr(0, "Authorization"), "x-amz-content-sha256"));
    CU_ASSERT_STRING_EQUAL(hdr(0, "x-amz-content-sha256"),
                           "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    /* S3: a subresource query, sorted and encoded; S3's error format */
    hw_aws_param q[] = { { "publicAccessBlock", "" } };
    CU_ASSERT_EQUAL(hw_aws_rest_xml_call(c, NULL, &hw_svc_s3, "GetPublicAccessBlock", "GET",
                                         "/my-bucket", q, 1, NULL, NULL, 0, &doc, &e),
                    HW_EAWS);
    CU_ASSERT_PTR_NULL(doc);
    CU_ASSERT_STRING_EQUAL(S.log[1].path, "/my-bucket?publicAccessBlock=");
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "HTTP 404 NoSuchPublicAccessBlockConfiguration"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "s3-req-1"));
    CU_ASSERT_EQUAL(nreq(), 2); /* a 404 is not retried */
    finish(c);
}

/* --------------------------------------------------------------- retries */

static int script_status[8];
static const char *script_body[8];
static const char *script_headers[8];
static int script_mode[8];

static void h_script(const struct rec *rq, int n, struct reply *r)
{
    (void)rq;
    int i = n < 8 ? n : 7;
    r->status = script_status[i] ? script_status[i] : 200;
    r->mode = script_mode[i];
    snprintf(r->headers, sizeof r->headers, "%s", script_headers[i] ? script_headers[i] : "");
    set_body(r, script_body[i] ? script_body[i] : "{}");
}

static void script(int i, int status, const char *headers, const char *body, int mode)
{
    script_status[i] = status;
    script_headers[i] = headers;
    script_body[i] = body;
    script_mode[i] = mode;
}

static void script_clear(void)
{
    memset(script_status, 0, sizeof script_status);
    memset(script_body, 0, sizeof script_body);
    memset(script_headers, 0, sizeof script_headers);
    memset(script_mode, 0, sizeof script_mode);
}

static void test_retry_5xx_then_ok(void)
{
    std_env();
    script_clear();
    script(0, 503, NULL, "{\"__type\":\"ServiceUnavailableException\",\"message\":\"busy\"}", 0);
    script(1, 500, NULL, "{\"__type\":\"InternalFailure\"}", 0);
    script(2, 200, NULL, "{\"Roots\":[]}", 0);
    S.handler = h_script;
    hw_aws_client *c = client(5, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_err e;
    CU_ASSERT_EQUAL(roots(c, &e), HW_OK);
    CU_ASSERT_EQUAL(nreq(), 3);
    CU_ASSERT_EQUAL(hw_aws_last_error(c)->attempts, 3);
    /* two waits, each within the full-jitter ceiling of its attempt */
    CU_ASSERT_EQUAL(nsleeps, 2);
    CU_ASSERT_TRUE(sleeps[0] >= 0 && sleeps[0] <= 200);
    CU_ASSERT_TRUE(sleeps[1] >= 0 && sleeps[1] <= 400);
    /* every attempt is sent whole and signed again */
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_STRING_EQUAL(S.log[i].body, "{}");
        CU_ASSERT_PTR_NOT_NULL(hdr(i, "Authorization"));
    }
    finish(c);
}

static void test_retry_after(void)
{
    std_env();
    script_clear();
    script(0, 429, "Retry-After: 3\r\n", "{\"__type\":\"TooManyRequestsException\"}", 0);
    script(1, 200, NULL, "{}", 0);
    S.handler = h_script;
    hw_aws_client *c = client(5, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_err e;
    CU_ASSERT_EQUAL(roots(c, &e), HW_OK);
    CU_ASSERT_EQUAL(nsleeps, 1);
    CU_ASSERT_EQUAL(sleeps[0], 3000);
    finish(c);
}

static void test_throttle_exhausted(void)
{
    std_env();
    script_clear();
    for (int i = 0; i < 8; i++)
        script(i, 400, "x-amzn-RequestId: req-throttle-1\r\n",
               "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}", 0);
    S.handler = h_script;
    hw_aws_client *c = client(4, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_err e;
    CU_ASSERT_EQUAL(roots(c, &e), HW_EAWS);
    CU_ASSERT_EQUAL(nreq(), 4); /* max attempts, then stop */
    CU_ASSERT_EQUAL(nsleeps, 3);
    CU_ASSERT_STRING_EQUAL(e.msg, "organizations ListRoots: HTTP 400 ThrottlingException: Rate "
                                  "exceeded (request id req-throttle-1)");
    const hw_aws_error *ae = hw_aws_last_error(c);
    CU_ASSERT_STRING_EQUAL(ae->service, "organizations");
    CU_ASSERT_STRING_EQUAL(ae->operation, "ListRoots");
    CU_ASSERT_EQUAL(ae->http_status, 400);
    CU_ASSERT_STRING_EQUAL(ae->code, "ThrottlingException");
    CU_ASSERT_STRING_EQUAL(ae->request_id, "req-throttle-1");
    CU_ASSERT_EQUAL(ae->attempts, 4);
    CU_ASSERT_TRUE(ae->retryable);
    finish(c);
}

static void test_not_retried(void)
{
    struct {
        int status;
        const char *headers, *body, *code, *msg;
    } cases[] = {
        { 403, "x-amzn-RequestId: abc\r\n",
          "{\"__type\":\"InvalidSignatureException\",\"message\":\"The request signature we "
          "calculated does not match the signature you provided.\"}",
          "InvalidSignatureException",
          "organizations ListRoots: HTTP 403 InvalidSignatureException: The request signature "
          "we calculated does not match the signature you provided. (request id abc)" },
        { 400, "x-amzn-ErrorType: AccessDeniedException:http://internal/\r\n", "{}",
          "AccessDeniedException",
          "organizations ListRoots: HTTP 400 AccessDeniedException: (no message)" },
        { 400, NULL, "{\"__type\":\"ValidationException\",\"Message\":\"1 validation error\"}",
          "ValidationException",
          "organizations ListRoots: HTTP 400 ValidationException: 1 validation error" },
        { 403, NULL, "{\"__type\":\"UnrecognizedClientException\",\"message\":\"bad token\"}",
          "UnrecognizedClientException", NULL },
        { 404, NULL, "not json", "", "organizations ListRoots: HTTP 404 error: (no message)" },
    };
    for (size_t k = 0; k < HW_ARRAY_LEN(cases); k++) {
        std_env();
        script_clear();
        for (int i = 0; i < 8; i++)
            script(i, cases[k].status, cases[k].headers, cases[k].body, 0);
        S.handler = h_script;
        hw_aws_client *c = client(5, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        hw_err e;
        CU_ASSERT_EQUAL(roots(c, &e), HW_EAWS);
        CU_ASSERT_EQUAL(nreq(), 1);
        CU_ASSERT_EQUAL(nsleeps, 0);
        CU_ASSERT_STRING_EQUAL(hw_aws_last_error(c)->code, cases[k].code);
        CU_ASSERT_FALSE(hw_aws_last_error(c)->retryable);
        CU_ASSERT_EQUAL(hw_aws_last_error(c)->attempts, 1);
        if (cases[k].msg) {
            if (strcmp(e.msg, cases[k].msg) != 0)
                fprintf(stderr, "\n  got  %s\n  want %s\n", e.msg, cases[k].msg);
            CU_ASSERT_STRING_EQUAL(e.msg, cases[k].msg);
        }
        finish(c);
    }
}

static void test_query_error(void)
{
    std_env();
    script_clear();
    char *q = read_fixture("error_query.xml");
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    script(0, 403, "x-amzn-RequestId: header-id\r\n", q, 0);
    S.handler = h_script;
    hw_aws_client *c = client(5, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_aws_creds cr;
    hw_err e;
    CU_ASSERT_EQUAL(hw_aws_assume_role(c, "arn:aws:iam::333333333333:role/R", NULL, "s", 900, &cr,
                                       &e),
                    HW_EAWS);
    CU_ASSERT_EQUAL(nreq(), 1);
    CU_ASSERT_TRUE(hw_starts_with(e.msg, "sts AssumeRole: HTTP 403 SignatureDoesNotMatch: "
                                         "The request signature we calculated"));
    /* the body's request id wins over the header's */
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "(request id 4b3c1f2e-0000-4a5b-9c8d-000000000001)"));
    finish(c);
    free(q);
}

/* GetCallerIdentity: a Query call without parameters (params NULL, the
 * case that once passed NULL to memcpy in query_exchange()). */
static void test_caller_identity(void)
{
    std_env();
    S.handler = h_sts;
    hw_aws_client *c = client(3, "eu-west-1");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_aws_identity id;
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_aws_get_caller_identity(c, NULL, &id, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(S.log[0].body, "Action=GetCallerIdentity&Version=2011-06-15");
    CU_ASSERT_STRING_EQUAL(id.account, "222222222222");
    CU_ASSERT_STRING_EQUAL(id.arn, "arn:aws:iam::222222222222:user/hubwarden");
    CU_ASSERT_STRING_EQUAL(id.user_id, "AIDAHUBWARDEN0000001");
    finish(c);
}

static void test_transport_retries(void)
{
    /* a truncated body, then a reset, then success */
    std_env();
    script_clear();
    script(0, 200, NULL, "{\"Roots\":[{\"Id\":\"r-1\"}]}", REPLY_TRUNCATE);
    script(1, 200, NULL, "{}", REPLY_RESET);
    script(2, 200, NULL, "{\"Roots\":[]}", 0);
    S.handler = h_script;
    hw_aws_client *c = client(5, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_err e;
    CU_ASSERT_EQUAL(roots(c, &e), HW_OK);
    CU_ASSERT_EQUAL(nreq(), 3);
    CU_ASSERT_EQUAL(nsleeps, 2);
    finish(c);

    /* truncated every time: a clear transport error after max attempts */
    std_env();
    script_clear();
    for (int i = 0; i < 8; i++)
        script(i, 200, NULL, "{\"Roots\":[{\"Id\":\"r-1\"}]}", REPLY_TRUNCATE);
    S.handler = h_script;
    c = client(3, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(roots(c, &e), HW_ENET);
    CU_ASSERT_EQUAL(nreq(), 3);
    CU_ASSERT_TRUE(hw_starts_with(e.msg, "organizations ListRoots: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "(after 3 attempts)"));
    CU_ASSERT_EQUAL(hw_aws_last_error(c)->http_status, 0);
    finish(c);

    /* nobody listening: refused, retried, then a transport error */
    std_env();
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1", 1);
    c = client(2, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(roots(c, &e), HW_ENET);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "(after 2 attempts)"));
    finish(c);
}

/* An endless body, bigger than the cap. */
static void h_huge(const struct rec *rq, int n, struct reply *r)
{
    (void)rq;
    (void)n;
    r->mode = REPLY_HUGE;
    r->huge = (size_t)HW_AWS_MAX_BODY + (16u << 20);
}

static void test_body_cap(void)
{
    /* the safety property: a hostile endpoint cannot make the client
     * accept (or keep) more than HW_AWS_MAX_BODY, and the call fails */
    std_env();
    S.handler = h_huge;
    hw_aws_client *c = client(2, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_err e;
    CU_ASSERT_EQUAL(roots(c, &e), HW_ENET);
    CU_ASSERT_TRUE(hw_starts_with(e.msg, "organizations ListRoots: "));
    CU_ASSERT_TRUE(nreq() <= 2);
    finish(c);
}

/* A body over the cap is a clear error at once, never retried: curl
 * refuses a declared Content-Length over it (CURLOPT_MAXFILESIZE_LARGE),
 * the write callback an undeclared one. */
static void test_body_cap_not_retried(void)
{
    std_env();
    S.handler = h_huge;
    hw_aws_client *c = client(3, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_err e;
    CU_ASSERT_EQUAL(roots(c, &e), HW_ENET);
    if (!strstr(e.msg, "larger than"))
        fprintf(stderr, "\n  body cap: %s (%d requests)\n", e.msg, nreq());
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "response larger than"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "(after 1 attempt)"));
    CU_ASSERT_EQUAL(nreq(), 1);
    CU_ASSERT_FALSE(hw_aws_last_error(c)->retryable);
    finish(c);
}

static void test_ca_bundle(void)
{
    /* AWS_CA_BUNDLE names the CA file libcurl verifies against */
    std_env();
    char https[64];
    snprintf(https, sizeof https, "https://127.0.0.1:%d", S.port);
    setenv("AWS_ENDPOINT_URL", https, 1);
    setenv("AWS_CA_BUNDLE", "/nonexistent/hubwarden-ca.pem", 1);
    hw_aws_client *c = client(1, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_err e;
    CU_ASSERT_EQUAL(roots(c, &e), HW_ENET);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/nonexistent/hubwarden-ca.pem"));
    finish(c);
    unsetenv("AWS_CA_BUNDLE");
}

/* ----------------------------------------------------- credential sources */

static int64_t imds_ttl = 3600;

static void h_imds(const struct rec *rq, int n, struct reply *r)
{
    (void)n;
    char v[256];
    r->status = 404;
    if (hdr_in(rq->headers, "Authorization", v, sizeof v)) { /* a call signed with them */
        r->status = 200;
        set_body(r, "{}");
        return;
    }
    if (strcmp(rq->path, "/latest/api/token") == 0) {
        if (strcmp(rq->method, "PUT") != 0 ||
            !hdr_in(rq->headers, "X-aws-ec2-metadata-token-ttl-seconds", v, sizeof v)) {
            r->status = 400;
            return;
        }
        r->status = 200;
        set_body(r, "imds-session-token-000000001");
        return;
    }
    if (!hdr_in(rq->headers, "X-aws-ec2-metadata-token", v, sizeof v) ||
        strcmp(v, "imds-session-token-000000001") != 0) {
        r->status = 401; /* IMDSv1 refused */
        return;
    }
    if (strcmp(rq->path, "/latest/meta-data/iam/security-credentials/") == 0) {
        r->status = 200;
        set_body(r, "HubwardenInstance\n");
    } else if (strcmp(rq->path, "/latest/meta-data/iam/security-credentials/HubwardenInstance") ==
               0) {
        char iso[32], buf[512];
        hw_time_iso(hw_now() + imds_ttl, iso);
        snprintf(buf, sizeof buf,
                 "{\"Code\":\"Success\",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":"
                 "\"ASIAIMDS000000000001\",\"SecretAccessKey\":\"imdssecretimdssecretimdssecret01\","
                 "\"Token\":\"imdstokenimdstoken01\",\"Expiration\":\"%s\"}",
                 iso);
        r->status = 200;
        set_body(r, buf);
    }
}

static void test_imds(void)
{
    bare_env();
    char ep[96];
    snprintf(ep, sizeof ep, "%s/", url); /* a trailing slash is fine */
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", ep, 1);
    imds_ttl = 3600;
    S.handler = h_imds;
    hw_aws_client *c = client(1, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_aws_creds cr;
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_aws_resolve_creds(c, &cr, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(cr.access_key_id, "ASIAIMDS000000000001");
    CU_ASSERT_STRING_EQUAL(cr.session_token, "imdstokenimdstoken01");
    CU_ASSERT_STRING_EQUAL(cr.source, "instance metadata");
    CU_ASSERT_TRUE(cr.expiration > hw_now() + 3500);
    /* IMDSv2: the token first, every later request carries it */
    CU_ASSERT_EQUAL_FATAL(nreq(), 3);
    CU_ASSERT_STRING_EQUAL(S.log[0].method, "PUT");
    CU_ASSERT_STRING_EQUAL(S.log[0].path, "/latest/api/token");
    CU_ASSERT_PTR_NOT_NULL(hdr(0, "X-aws-ec2-metadata-token-ttl-seconds"));
    for (int i = 1; i < 3; i++) {
        CU_ASSERT_STRING_EQUAL(S.log[i].method, "GET");
        CU_ASSERT_STRING_EQUAL(hdr(i, "X-aws-ec2-metadata-token"), "imds-session-token-000000001");
        CU_ASSERT_PTR_NULL(hdr(i, "Authorization"));
    }
    char *red = hw_redact("imdssecretimdssecretimdssecret01 imds-session-token-000000001");
    CU_ASSERT_PTR_NULL(strstr(red, "imdssecret"));
    CU_ASSERT_PTR_NULL(strstr(red, "imds-session-token"));
    free(red);
    finish(c);

    /* disabled: never asked, and the chain ends without credentials */
    setenv("AWS_EC2_METADATA_DISABLED", "TRUE", 1);
    S.handler = h_imds;
    c = client(1, NULL);
    CU_ASSERT_EQUAL(hw_aws_resolve_creds(c, &cr, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "no AWS credentials found"));
    CU_ASSERT_EQUAL(nreq(), 0);
    finish(c);
    unsetenv("AWS_EC2_METADATA_DISABLED");

    /* an endpoint that was named but fails is an error, not "no creds" */
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1", 1);
    c = client(1, NULL);
    CU_ASSERT_EQUAL(hw_aws_resolve_creds(c, &cr, &e), HW_ENET);
    CU_ASSERT_TRUE(hw_starts_with(e.msg, "instance metadata: "));
    finish(c);
    clean_env();
}

static void test_imds_refresh(void)
{
    /* credentials that expire within five minutes are fetched again
     * before the next call; fresh ones are reused */
    bare_env();
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url, 1);
    setenv("AWS_ENDPOINT_URL", url, 1);
    S.handler = h_imds;
    imds_ttl = 120;
    hw_aws_client *c = client(1, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_err e;
    CU_ASSERT_EQUAL(roots(c, &e), HW_OK);
    CU_ASSERT_EQUAL(roots(c, &e), HW_OK);
    CU_ASSERT_EQUAL(nreq(), 8); /* (3 metadata + 1 call) twice */
    CU_ASSERT_PTR_NOT_NULL(strstr(hdr(3, "Authorization"), "Credential=ASIAIMDS000000000001/"));
    CU_ASSERT_STRING_EQUAL(hdr(3, "X-Amz-Security-Token"), "imdstokenimdstoken01");
    finish(c);
    imds_ttl = 3600;
    S.handler = h_imds;
    c = client(1, NULL);
    CU_ASSERT_EQUAL(roots(c, &e), HW_OK);
    CU_ASSERT_EQUAL(roots(c, &e), HW_OK);
    CU_ASSERT_EQUAL(nreq(), 5); /* 3 metadata + 2 calls */
    finish(c);
    clean_env();
}

static void h_ecs(const struct rec *rq, int n, struct reply *r)
{
    (void)n;
    char v[256];
    if (strcmp(rq->path, "/creds") != 0 || !hdr_in(rq->headers, "Authorization", v, sizeof v) ||
        strcmp(v, "ecs-auth-token-0123456789") != 0) {
        r->status = 401;
        set_body(r, "{\"message\":\"unauthorized\"}");
        return;
    }
    set_body(r, "{\"AccessKeyId\":\"ASIAECS0000000000001\",\"SecretAccessKey\":"
                "\"ecssecretecssecretecssecret0001\",\"Token\":\"ecstokenecstoken0001\","
                "\"Expiration\":\"2099-01-01T00:00:00Z\"}");
}

static void test_container(void)
{
    bare_env();
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    char full[128];
    snprintf(full, sizeof full, "%s/creds", url);
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", full, 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "ecs-auth-token-0123456789", 1);
    S.handler = h_ecs;
    hw_aws_client *c = client(1, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_aws_creds cr;
    hw_err e;
    CU_ASSERT_EQUAL(hw_aws_resolve_creds(c, &cr, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(cr.access_key_id, "ASIAECS0000000000001");
    CU_ASSERT_STRING_EQUAL(cr.session_token, "ecstokenecstoken0001");
    CU_ASSERT_EQUAL(cr.expiration, 4070908800);
    CU_ASSERT_STRING_EQUAL(S.log[0].method, "GET");
    finish(c);

    /* the token file wins over the token variable */
    char tf[128];
    snprintf(tf, sizeof tf, "%s/ecs-token", home);
    write_home("ecs-token", "ecs-auth-token-0123456789\n");
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", tf, 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong-token-wrong-token", 1);
    S.handler = h_ecs;
    c = client(1, NULL);
    CU_ASSERT_EQUAL(hw_aws_resolve_creds(c, &cr, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(cr.access_key_id, "ASIAECS0000000000001");
    finish(c);

    /* a refused token is an error naming the source */
    unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    S.handler = h_ecs;
    c = client(1, NULL);
    CU_ASSERT_EQUAL(hw_aws_resolve_creds(c, &cr, &e), HW_EAWS);
    CU_ASSERT_STRING_EQUAL(e.msg, "container credentials: HTTP 401");
    finish(c);

    /* FULL_URI: plain http only to loopback or the ECS/EKS addresses */
    const char *refused[] = { "http://192.0.2.10/creds", "http://127.0.0.1.attacker.example/c",
                              "http://169.254.169.254/latest", "ftp://127.0.0.1/c" };
    for (size_t i = 0; i < HW_ARRAY_LEN(refused); i++) {
        setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", refused[i], 1);
        c = client(1, NULL);
        CU_ASSERT_EQUAL(hw_aws_resolve_creds(c, &cr, &e), HW_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "AWS_CONTAINER_CREDENTIALS_FULL_URI"));
        finish(c);
    }
    CU_ASSERT_EQUAL(nreq(), 0);
    clean_env();
}

static void h_web(const struct rec *rq, int n, struct reply *r)
{
    (void)n;
    if (!strstr(rq->body, "Action=AssumeRoleWithWebIdentity")) {
        r->status = 400;
        return;
    }
    char *b = assume_role_body(3600);
    set_body(r, b ? b : "");
    free(b);
}

static void test_web_identity(void)
{
    bare_env();
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_ENDPOINT_URL_STS", url, 1);
    char tf[128];
    snprintf(tf, sizeof tf, "%s/web-token", home);
    write_home("web-token", "eyJ.test-web-identity-token.sig\n");
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tf, 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::222222222222:role/HubwardenAudit", 1);
    setenv("AWS_ROLE_SESSION_NAME", "ci-run", 1);
    S.handler = h_web;
    hw_aws_client *c = client(1, "us-west-2");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_aws_creds cr;
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_aws_resolve_creds(c, &cr, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(cr.access_key_id, "ASIAASSUMED000000001");
    CU_ASSERT_STRING_EQUAL(cr.source, "web identity");
    CU_ASSERT_EQUAL_FATAL(nreq(), 1);
    /* unsigned, the token in the sorted form body */
    CU_ASSERT_PTR_NULL(hdr(0, "Authorization"));
    CU_ASSERT_PTR_NULL(hdr(0, "X-Amz-Security-Token"));
    CU_ASSERT_STRING_EQUAL(S.log[0].body,
                           "Action=AssumeRoleWithWebIdentity"
                           "&RoleArn=arn%3Aaws%3Aiam%3A%3A222222222222%3Arole%2FHubwardenAudit"
                           "&RoleSessionName=ci-run&Version=2011-06-15"
                           "&WebIdentityToken=eyJ.test-web-identity-token.sig");
    char *red = hw_redact("eyJ.test-web-identity-token.sig");
    CU_ASSERT_STRING_EQUAL(red, "[REDACTED]");
    free(red);
    finish(c);

    /* a missing token file names itself */
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/token", 1);
    c = client(1, NULL);
    CU_ASSERT_NOT_EQUAL(hw_aws_resolve_creds(c, &cr, &e), HW_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "web identity token"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/nonexistent/token"));
    finish(c);
    clean_env();
}

/*
 * As the AWS CLI (botocore) does, web identity (AWS_WEB_IDENTITY_TOKEN_FILE
 * + AWS_ROLE_ARN, or the profile's web_identity_token_file) comes before
 * the shared credentials file, so a pod with both a service-account token
 * and a mounted ~/.aws/credentials acts as the same principal as `aws`.
 */
static void test_web_identity_before_profile_keys(void)
{
    clean_env();
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_ENDPOINT_URL_STS", url, 1);
    write_home(".aws/credentials", "[default]\naws_access_key_id = AKIASTATIC0000000001\n"
                                   "aws_secret_access_key = staticsecretstaticsecret01\n");
    write_home(".aws/config", "");
    char tf[128];
    snprintf(tf, sizeof tf, "%s/web-token", home);
    write_home("web-token", "eyJ.test-web-identity-token.sig\n");
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tf, 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::222222222222:role/HubwardenAudit", 1);
    S.handler = h_web;
    hw_aws_client *c = client(1, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_aws_creds cr;
    hw_err e;
    CU_ASSERT_EQUAL(hw_aws_resolve_creds(c, &cr, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(cr.source, "web identity");
    finish(c);
    write_home(".aws/credentials", "");
    clean_env();
}

static void test_profile_assume_role(void)
{
    clean_env();
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_ENDPOINT_URL", url, 1);
    write_home(".aws/credentials", "[base]\naws_access_key_id = AKIABASE000000000001\n"
                                   "aws_secret_access_key = basesecretbasesecretbase01\n");
    write_home(".aws/config",
               "[profile audit]\nrole_arn = arn:aws:iam::333333333333:role/HubwardenAudit\n"
               "source_profile = base\nexternal_id = hw-ext-1\n"
               "role_session_name = from-profile\nduration_seconds = 1800\nregion = eu-north-1\n"
               "[profile envsrc]\nrole_arn = arn:aws:iam::444444444444:role/HubwardenAudit\n"
               "credential_source = Environment\n"
               "[profile badsrc]\nrole_arn = arn:aws:iam::444444444444:role/X\n"
               "credential_source = Ec2MetadataService\n");
    setenv("AWS_PROFILE", "audit", 1);
    S.handler = h_sts;
    hw_aws_client *c = client(1, "");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_STRING_EQUAL(hw_aws_client_region(c), "eu-north-1"); /* the profile's region */
    hw_aws_creds cr;
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_aws_resolve_creds(c, &cr, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(cr.access_key_id, "ASIAASSUMED000000001");
    CU_ASSERT_STRING_EQUAL(cr.source, "profile audit (assume role)");
    CU_ASSERT_EQUAL_FATAL(nreq(), 1);
    /* signed with the source profile's keys, the profile's settings sent */
    CU_ASSERT_PTR_NOT_NULL(strstr(hdr(0, "Authorization"), "Credential=AKIABASE000000000001/"));
    CU_ASSERT_STRING_EQUAL(S.log[0].body,
                           "Action=AssumeRole&DurationSeconds=1800&ExternalId=hw-ext-1"
                           "&RoleArn=arn%3Aaws%3Aiam%3A%3A333333333333%3Arole%2FHubwardenAudit"
                           "&RoleSessionName=from-profile&Version=2011-06-15");
    finish(c);

    /* credential_source = Environment without keys there: named error */
    setenv("AWS_PROFILE", "envsrc", 1);
    c = client(1, NULL);
    CU_ASSERT_EQUAL(hw_aws_resolve_creds(c, &cr, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "profile envsrc: credential_source Environment"));
    finish(c);
    /* an unknown credential_source */
    setenv("AWS_PROFILE", "badsrc", 1);
    c = client(1, NULL);
    CU_ASSERT_EQUAL(hw_aws_resolve_creds(c, &cr, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "Ec2MetadataService"));
    finish(c);
    CU_ASSERT_EQUAL(nreq(), 0);
    write_home(".aws/config", "");
    write_home(".aws/credentials", "");
    clean_env();
}

static void test_credential_process_refresh(void)
{
    /* a credential_process whose credentials expire within five minutes
     * runs again before the next call */
    clean_env();
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_ENDPOINT_URL", url, 1);
    char script_text[1024];
    snprintf(script_text, sizeof script_text,
             "#!/bin/sh\necho run >> '%s/proc-runs'\n"
             "printf '{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC000000000001\", "
             "\"SecretAccessKey\": \"procsecretprocsecret01\", \"SessionToken\": \"proctoken01\", "
             "\"Expiration\": \"%%s\"}' \"$1\"\n",
             home);
    write_home("proc.sh", script_text);
    write_home(".aws/credentials", "");
    char runs[256];
    snprintf(runs, sizeof runs, "%s/proc-runs", home);
    const int64_t ttl[2] = { 120, 3600 };
    const char *want[2] = { "run\nrun\nrun\n", "run\n" };
    for (int k = 0; k < 2; k++) {
        char iso[32], cfg[512];
        hw_time_iso(hw_now() + ttl[k], iso);
        snprintf(cfg, sizeof cfg, "[default]\ncredential_process = sh %s/proc.sh %s\n", home, iso);
        write_home(".aws/config", cfg);
        unlink(runs);
        S.handler = h_roots;
        hw_aws_client *c = client(1, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        hw_err e;
        for (int i = 0; i < 3; i++)
            CU_ASSERT_EQUAL(roots(c, &e), HW_OK);
        CU_ASSERT_PTR_NOT_NULL(strstr(hdr(2, "Authorization"), "Credential=ASIAPROC000000000001/"));
        CU_ASSERT_STRING_EQUAL(hdr(2, "X-Amz-Security-Token"), "proctoken01");
        finish(c);
        hw_buf b = HW_BUF_INIT(0);
        CU_ASSERT_EQUAL(hw_file_read(runs, 0, &b, &e), HW_OK);
        CU_ASSERT_STRING_EQUAL(hw_buf_str(&b), want[k]);
        hw_buf_free(&b);
    }
    unlink(runs);
    write_home(".aws/config", "");
    clean_env();
}

/* ---------------------------------------------- assumed roles per account */

static int64_t assume_ttl = 3600;

static void h_member(const struct rec *rq, int n, struct reply *r)
{
    (void)n;
    if (strstr(rq->body, "Action=AssumeRole&")) {
        char *b = assume_role_body(assume_ttl);
        set_body(r, b ? b : "");
        free(b);
        return;
    }
    set_body(r, "{\"Roots\":[]}");
}

static int count_assume(void)
{
    int k = 0;
    for (int i = 0; i < nreq(); i++)
        if (strstr(S.log[i].body, "Action=AssumeRole&"))
            k++;
    return k;
}

static void test_assume_cache(void)
{
    std_env();
    assume_ttl = 3600;
    S.handler = h_member;
    hw_aws_client *c = client(1, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_aws_assume(c, "333333333333", "HubwardenAudit", "hw-ext-1", &e), HW_OK);
    CU_ASSERT_EQUAL(hw_aws_assume(c, "333333333333", "HubwardenAudit", "hw-ext-1", &e), HW_OK);
    CU_ASSERT_EQUAL(count_assume(), 1); /* cached */
    CU_ASSERT_PTR_NOT_NULL(strstr(S.log[0].body, "RoleSessionName=hubwarden-run1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(S.log[0].body, "ExternalId=hw-ext-1"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(S.log[0].body, "RoleArn=arn%3Aaws%3Aiam%3A%3A333333333333%3Arole%2FHubwardenAudit"));
    /* calls in the account's context use the role's credentials, calls
     * without one the base credentials */
    hw_aws_ctx member = { "eu-west-1", "333333333333" };
    cJSON *resp = NULL;
    CU_ASSERT_EQUAL(hw_aws_rest_json_call(c, &member, &hw_svc_securityhub, "GetFindings", "POST",
                                          "/findings", NULL, &resp, &e),
                    HW_OK);
    cJSON_Delete(resp);
    int last = nreq() - 1;
    CU_ASSERT_PTR_NOT_NULL(strstr(hdr(last, "Authorization"), "Credential=ASIAASSUMED000000001/"));
    CU_ASSERT_STRING_EQUAL(hdr(last, "X-Amz-Security-Token"),
                           "IQoJassumedsessiontokenassumedsessiontoken");
    CU_ASSERT_EQUAL(roots(c, &e), HW_OK);
    last = nreq() - 1;
    CU_ASSERT_PTR_NOT_NULL(strstr(hdr(last, "Authorization"), "Credential=AKIDTESTTESTTEST0001/"));
    /* an account never assumed is an error, never the base credentials */
    hw_aws_ctx other = { NULL, "444444444444" };
    resp = NULL;
    CU_ASSERT_EQUAL(hw_aws_rest_json_call(c, &other, &hw_svc_securityhub, "GetFindings", "POST",
                                          "/findings", NULL, &resp, &e),
                    HW_EINTERNAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "444444444444"));
    finish(c);

    /* near expiry: assumed again */
    std_env();
    assume_ttl = 60;
    S.handler = h_member;
    c = client(1, NULL);
    CU_ASSERT_EQUAL(hw_aws_assume(c, "333333333333", "HubwardenAudit", NULL, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_aws_assume(c, "333333333333", "HubwardenAudit", NULL, &e), HW_OK);
    CU_ASSERT_EQUAL(count_assume(), 2);
    CU_ASSERT_PTR_NULL(strstr(S.log[0].body, "ExternalId")); /* none given, none sent */
    finish(c);
    assume_ttl = 3600;
}

/*
 * An assumed role's credentials refreshed inside a call: aws_ctx_creds()
 * calls hw_aws_assume() with pointers into the cache slot that is
 * rewritten, so hw_aws_assume() copies them first; without that a scan
 * longer than the role's session lost the account ("no role assumed into
 * account ...").
 */
static void test_assume_refresh_in_context(void)
{
    std_env();
    assume_ttl = 60;
    S.handler = h_member;
    hw_aws_client *c = client(1, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_aws_assume(c, "333333333333", "HubwardenAudit", "hw-ext-1", &e), HW_OK);
    hw_aws_ctx member = { "eu-west-1", "333333333333" };
    for (int i = 0; i < 3; i++) {
        cJSON *resp = NULL;
        int rc = hw_aws_rest_json_call(c, &member, &hw_svc_securityhub, "GetFindings", "POST",
                                       "/findings", NULL, &resp, &e);
        if (rc != HW_OK)
            fprintf(stderr, "\n  call %d in the member's context: %s\n", i + 1, e.msg);
        CU_ASSERT_EQUAL(rc, HW_OK);
        cJSON_Delete(resp);
    }
    /* every refresh keeps the external id */
    for (int i = 0; i < nreq(); i++)
        if (strstr(S.log[i].body, "Action=AssumeRole&"))
            CU_ASSERT_PTR_NOT_NULL(strstr(S.log[i].body, "ExternalId=hw-ext-1"));
    finish(c);
    assume_ttl = 3600;
}

/* -------------------------------------------------------- Organizations */

static void h_org(const struct rec *rq, int n, struct reply *r)
{
    (void)n;
    char target[128];
    const char *t = hdr_in(rq->headers, "X-Amz-Target", target, sizeof target);
    const char *dot = t ? strchr(t, '.') : NULL;
    const char *op = dot ? dot + 1 : "";
    cJSON *in = cJSON_Parse(rq->body);
    const cJSON *tok = cJSON_GetObjectItem(in, "NextToken");
    const cJSON *parent = cJSON_GetObjectItem(in, "ParentId");
    const char *p = cJSON_IsString(parent) ? parent->valuestring : "";
    char *b = NULL;
    if (strcmp(op, "ListAccounts") == 0) {
        b = read_fixture(cJSON_IsString(tok) ? "org_accounts_page2.json" : "org_accounts_page1.json");
    } else if (strcmp(op, "ListRoots") == 0) {
        b = strdup("{\"Roots\":[{\"Id\":\"r-ab12\",\"Name\":\"Root\"}]}");
    } else if (strcmp(op, "ListOrganizationalUnitsForParent") == 0) {
        if (strcmp(p, "r-ab12") == 0 && !cJSON_IsString(tok))
            b = strdup("{\"OrganizationalUnits\":[{\"Id\":\"ou-ab12-prod0001\",\"Name\":\"Prod\"}],"
                       "\"NextToken\":\"ou2\"}");
        else if (strcmp(p, "r-ab12") == 0)
            b = strdup("{\"OrganizationalUnits\":[{\"Id\":\"ou-ab12-dev00001\",\"Name\":\"Dev\"}]}");
        else if (strcmp(p, "ou-ab12-dev00001") == 0)
            b = strdup("{\"OrganizationalUnits\":[{\"Id\":\"ou-ab12-sand0001\",\"Name\":\"Sandbox\"}]}");
        else
            b = strdup("{\"OrganizationalUnits\":[]}");
    } else if (strcmp(op, "ListAccountsForParent") == 0) {
        if (strcmp(p, "r-ab12") == 0)
            b = strdup("{\"Accounts\":[{\"Id\":\"111111111111\",\"Name\":\"management\","
                       "\"Status\":\"ACTIVE\"}]}");
        else if (strcmp(p, "ou-ab12-prod0001") == 0)
            b = strdup("{\"Accounts\":[{\"Id\":\"333333333333\",\"Name\":\"prod-app\","
                       "\"Status\":\"ACTIVE\"}]}");
        else if (strcmp(p, "ou-ab12-sand0001") == 0)
            b = strdup("{\"Accounts\":[{\"Id\":\"555555555555\",\"Name\":\"old\","
                       "\"Status\":\"SUSPENDED\"}]}");
        else
            b = strdup("{\"Accounts\":[]}");
    } else {
        r->status = 400;
        b = strdup("{\"__type\":\"InvalidInputException\"}");
    }
    cJSON_Delete(in);
    set_body(r, b ? b : "{}");
    free(b);
}

static const hw_aws_account *find_acct(const hw_aws_account *v, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].id, id) == 0)
            return &v[i];
    return NULL;
}

static void test_org_tree(void)
{
    std_env();
    S.handler = h_org;
    hw_aws_client *c = client(1, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_aws_account *v = NULL;
    size_t n = 0;
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_aws_org_accounts(c, &v, &n, &e), HW_OK);
    CU_ASSERT_EQUAL(n, 3);
    const hw_aws_account *a = find_acct(v, n, "333333333333");
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_STRING_EQUAL(a->ou_path, "r-ab12/ou-ab12-prod0001");
    CU_ASSERT_STRING_EQUAL(a->ou_names, "Root/Prod");
    CU_ASSERT_STRING_EQUAL(a->email, "prod@example.com");
    a = find_acct(v, n, "111111111111");
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_STRING_EQUAL(a->ou_path, "r-ab12");
    CU_ASSERT_STRING_EQUAL(a->ou_names, "Root");
    /* nested OUs (on the second page of the root's OUs), status kept */
    a = find_acct(v, n, "555555555555");
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_STRING_EQUAL(a->status, "SUSPENDED");
    CU_ASSERT_STRING_EQUAL(a->ou_path, "r-ab12/ou-ab12-dev00001/ou-ab12-sand0001");
    CU_ASSERT_STRING_EQUAL(a->ou_names, "Root/Dev/Sandbox");
    free(v);
    /* every call is signed for us-east-1 and has the JSON 1.1 target */
    for (int i = 0; i < nreq(); i++) {
        CU_ASSERT_PTR_NOT_NULL(strstr(hdr(i, "Authorization"), "/us-east-1/organizations/"));
        CU_ASSERT_TRUE(hw_starts_with(hdr(i, "X-Amz-Target"), "AWSOrganizationsV20161128."));
    }
    finish(c);
}

/* A server that hands back the NextToken it was sent: the listing stops
 * with an error naming the operation instead of looping. */
static void h_org_loop(const struct rec *rq, int n, struct reply *r)
{
    (void)rq, (void)n;
    set_body(r, "{\"Accounts\":[{\"Id\":\"111111111111\",\"Name\":\"m\"}],"
                "\"NextToken\":\"same\"}");
}

static void test_org_token_loop(void)
{
    std_env();
    S.handler = h_org_loop;
    hw_aws_client *c = client(1, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_aws_account *v = NULL;
    size_t n = 0;
    hw_err e;
    CU_ASSERT_EQUAL(hw_aws_org_accounts(c, &v, &n, &e), HW_EAWS);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "ListAccounts"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "same NextToken"));
    CU_ASSERT_PTR_NULL(v);
    CU_ASSERT_EQUAL(nreq(), 2); /* the first page, and the one that repeats */
    finish(c);
}

/* ------------------------------------------------------- multi interface */

struct done {
    char tag[16];
    int rc;
    int attempts;
    char body[256];
    char msg[256];
};

static struct done dones[16];
static int ndone;

static void on_done(void *arg, int rc, char *body, size_t len, const hw_aws_error *err,
                    const hw_err *e)
{
    if (ndone < 16) {
        struct done *d = &dones[ndone];
        snprintf(d->tag, sizeof d->tag, "%s", (const char *)arg);
        d->rc = rc;
        d->attempts = err ? err->attempts : -1;
        snprintf(d->body, sizeof d->body, "%.*s", body ? (int)len : 0, body ? body : "");
        snprintf(d->msg, sizeof d->msg, "%s", e ? e->msg : "");
    }
    ndone++;
    free(body);
}

static void multi_drain(hw_aws_multi *m, int64_t limit_ms)
{
    int64_t end = hw_monotonic_ms() + limit_ms;
    while (hw_aws_multi_pending(m) > 0 && hw_monotonic_ms() < end)
        hw_aws_multi_run(m, 200);
}

/* Answers after 150 ms, naming the request's MaxResults. */
static void h_slow(const struct rec *rq, int n, struct reply *r)
{
    (void)n;
    r->delay_ms = 150;
    cJSON *in = cJSON_Parse(rq->body);
    char b[64];
    snprintf(b, sizeof b, "{\"n\":%d}", cJSON_GetObjectItem(in, "MaxResults")
                                          ? cJSON_GetObjectItem(in, "MaxResults")->valueint
                                          : -1);
    cJSON_Delete(in);
    set_body(r, b);
}

static void test_multi_bounded(void)
{
    std_env();
    S.handler = h_slow;
    hw_aws_client *c = client(3, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_aws_multi *m = NULL;
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_aws_multi_new(c, 2, &m, &e), HW_OK);
    static const char *tags[6] = { "r0", "r1", "r2", "r3", "r4", "r5" };
    ndone = 0;
    for (int i = 0; i < 6; i++) {
        cJSON *req = cJSON_CreateObject();
        cJSON_AddNumberToObject(req, "MaxResults", i);
        hw_aws_ctx ctx = { i % 2 ? "eu-west-1" : "us-east-1", NULL };
        CU_ASSERT_EQUAL(hw_aws_multi_rest_json(m, &ctx, &hw_svc_securityhub, "GetFindings", "POST",
                                               "/findings", req, on_done, (void *)tags[i], &e),
                        HW_OK);
        cJSON_Delete(req); /* the queue keeps its own copy */
    }
    CU_ASSERT_EQUAL(hw_aws_multi_pending(m), 6);
    CU_ASSERT_EQUAL(hw_aws_multi_room(m), 0);
    int64_t t0 = hw_monotonic_ms();
    multi_drain(m, 10000);
    int64_t took = hw_monotonic_ms() - t0;
    CU_ASSERT_EQUAL(ndone, 6);
    CU_ASSERT_EQUAL(hw_aws_multi_pending(m), 0);
    CU_ASSERT_EQUAL(hw_aws_multi_room(m), 2);
    /* at most two at once, and really two at once (so 6 x 150 ms take
     * three rounds, never fewer) */
    CU_ASSERT_EQUAL(S.max_active, 2);
    CU_ASSERT_TRUE(took >= 400);
    /* each answer reaches its own callback, each request its own scope */
    for (int i = 0; i < ndone && i < 6; i++) {
        int k = dones[i].tag[1] - '0';
        char want[32];
        snprintf(want, sizeof want, "{\"n\":%d}", k);
        CU_ASSERT_EQUAL(dones[i].rc, HW_OK);
        CU_ASSERT_STRING_EQUAL(dones[i].body, want);
    }
    int east = 0, west = 0;
    for (int i = 0; i < nreq(); i++) {
        east += strstr(hdr(i, "Authorization"), "/us-east-1/securityhub/") != NULL;
        west += strstr(hdr(i, "Authorization"), "/eu-west-1/securityhub/") != NULL;
    }
    CU_ASSERT_EQUAL(east, 3);
    CU_ASSERT_EQUAL(west, 3);
    hw_aws_multi_free(m);
    finish(c);
}

/* A callback that owns its argument (a malloc'd tag), as scan's does: a
 * request that never called back leaks it (LeakSanitizer in make check). */
static void on_owned(void *arg, int rc, char *body, size_t len, const hw_aws_error *err,
                     const hw_err *e)
{
    on_done(arg, rc, body, len, err, e);
    free(arg);
}

static void queue_owned(hw_aws_multi *m, int n)
{
    hw_err e;
    for (int i = 0; i < n; i++) {
        char tag[16];
        snprintf(tag, sizeof tag, "o%d", i);
        hw_aws_ctx ctx = { "us-east-1", NULL };
        CU_ASSERT_EQUAL(hw_aws_multi_rest_json(m, &ctx, &hw_svc_securityhub, "GetFindings", "POST",
                                               "/findings", NULL, on_owned, strdup(tag), &e),
                        HW_OK);
    }
}

/* Freeing the queue with requests in flight and queued: each hears that
 * it was cancelled, so that its argument is freed. */
static void test_multi_free_cancels(void)
{
    std_env();
    S.handler = h_slow;
    hw_aws_client *c = client(3, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_aws_multi *m = NULL;
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_aws_multi_new(c, 2, &m, &e), HW_OK);
    ndone = 0;
    queue_owned(m, 3);
    hw_aws_multi_run(m, 20); /* two go out; the server takes 150 ms */
    CU_ASSERT_EQUAL(ndone, 0);
    hw_aws_multi_free(m);
    CU_ASSERT_EQUAL(ndone, 3);
    for (int i = 0; i < ndone && i < 3; i++) {
        CU_ASSERT_EQUAL(dones[i].rc, HW_EINTERNAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(dones[i].msg, "securityhub GetFindings: cancelled"));
    }
    finish(c);
}

static int refusals;
static CURLMcode refuse_add(CURLM *m, CURL *h)
{
    (void)m;
    (void)h;
    refusals++;
    return CURLM_OUT_OF_MEMORY;
}

/* libcurl refusing a handle fails that request once, through its callback,
 * instead of trying it again for ever. */
static void test_multi_add_refused(void)
{
    std_env();
    S.handler = h_slow;
    hw_aws_client *c = client(3, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_aws_multi *m = NULL;
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_aws_multi_new(c, 2, &m, &e), HW_OK);
    ndone = 0;
    refusals = 0;
    queue_owned(m, 2);
    aws_multi_add_handle = refuse_add;
    multi_drain(m, 2000);
    aws_multi_add_handle = curl_multi_add_handle;
    CU_ASSERT_EQUAL(hw_aws_multi_pending(m), 0);
    CU_ASSERT_EQUAL(refusals, 2); /* once each, not again and again */
    CU_ASSERT_EQUAL(ndone, 2);
    for (int i = 0; i < ndone && i < 2; i++) {
        CU_ASSERT_EQUAL(dones[i].rc, HW_ENOMEM);
        CU_ASSERT_PTR_NOT_NULL(strstr(dones[i].msg, "libcurl cannot start the request"));
        CU_ASSERT_EQUAL(dones[i].attempts, 1);
    }
    CU_ASSERT_EQUAL(nreq(), 0);
    hw_aws_multi_free(m);
    CU_ASSERT_EQUAL(ndone, 2); /* nothing left to cancel */
    finish(c);
}

/* The request tagged "slow" fails twice with 503; "fast" answers at once. */
static void h_mixed(const struct rec *rq, int n, struct reply *r)
{
    (void)n;
    static int slow_seen;
    if (n == 0)
        slow_seen = 0;
    if (strstr(rq->body, "\"slow\"")) {
        if (slow_seen++ < 2) {
            r->status = 503;
            set_body(r, "{\"__type\":\"ServiceUnavailableException\"}");
            return;
        }
        set_body(r, "{\"who\":\"slow\"}");
        return;
    }
    if (strstr(rq->body, "\"denied\"")) {
        r->status = 403;
        snprintf(r->headers, sizeof r->headers, "x-amzn-RequestId: rid-denied\r\n");
        set_body(r, "{\"__type\":\"AccessDeniedException\",\"message\":\"no\"}");
        return;
    }
    set_body(r, "{\"who\":\"fast\"}");
}

static void test_multi_retry_and_errors(void)
{
    std_env();
    S.handler = h_mixed;
    hw_aws_client *c = client(5, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_aws_multi *m = NULL;
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_aws_multi_new(c, 4, &m, &e), HW_OK);
    ndone = 0;
    const char *names[3] = { "slow", "fast", "denied" };
    for (int i = 0; i < 3; i++) {
        cJSON *req = cJSON_CreateObject();
        cJSON_AddStringToObject(req, "Tag", names[i]);
        CU_ASSERT_EQUAL(hw_aws_multi_rest_json(m, NULL, &hw_svc_securityhub, "GetFindings", "POST",
                                               "/findings", req, on_done, (void *)names[i], &e),
                        HW_OK);
        cJSON_Delete(req);
    }
    multi_drain(m, 10000);
    CU_ASSERT_EQUAL_FATAL(ndone, 3);
    /* the retried request finishes last: its backoff held up nobody */
    CU_ASSERT_STRING_EQUAL(dones[2].tag, "slow");
    CU_ASSERT_EQUAL(dones[2].rc, HW_OK);
    CU_ASSERT_EQUAL(dones[2].attempts, 3);
    CU_ASSERT_STRING_EQUAL(dones[2].body, "{\"who\":\"slow\"}");
    for (int i = 0; i < 2; i++) {
        if (strcmp(dones[i].tag, "fast") == 0) {
            CU_ASSERT_EQUAL(dones[i].rc, HW_OK);
            CU_ASSERT_STRING_EQUAL(dones[i].body, "{\"who\":\"fast\"}");
        } else {
            /* a failure: no body, the error line as the blocking call's */
            CU_ASSERT_STRING_EQUAL(dones[i].tag, "denied");
            CU_ASSERT_EQUAL(dones[i].rc, HW_EAWS);
            CU_ASSERT_EQUAL(dones[i].attempts, 1);
            CU_ASSERT_STRING_EQUAL(dones[i].body, "");
            CU_ASSERT_STRING_EQUAL(dones[i].msg, "securityhub GetFindings: HTTP 403 "
                                                 "AccessDeniedException: no (request id rid-denied)");
        }
    }
    CU_ASSERT_EQUAL(nreq(), 5); /* slow x3, fast, denied */
    hw_aws_multi_free(m);
    finish(c);
}

static void test_multi_accounts(void)
{
    /* requests in different accounts' contexts carry their own keys */
    std_env();
    S.handler = h_member;
    hw_aws_client *c = client(3, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_aws_assume(c, "333333333333", "HubwardenAudit", NULL, &e), HW_OK);
    hw_aws_multi *m = NULL;
    CU_ASSERT_EQUAL_FATAL(hw_aws_multi_new(c, 2, &m, &e), HW_OK);
    ndone = 0;
    hw_aws_ctx member = { "eu-west-1", "333333333333" }, base = { "eu-west-1", NULL },
               unknown = { "eu-west-1", "444444444444" };
    CU_ASSERT_EQUAL(hw_aws_multi_rest_json(m, &member, &hw_svc_securityhub, "GetFindings", "POST",
                                           "/findings", NULL, on_done, "member", &e),
                    HW_OK);
    CU_ASSERT_EQUAL(hw_aws_multi_rest_json(m, &base, &hw_svc_securityhub, "GetFindings", "POST",
                                           "/findings", NULL, on_done, "base", &e),
                    HW_OK);
    /* an account without a role is refused when queued */
    CU_ASSERT_EQUAL(hw_aws_multi_rest_json(m, &unknown, &hw_svc_securityhub, "GetFindings",
                                           "POST", "/findings", NULL, on_done, "x", &e),
                    HW_EINTERNAL);
    CU_ASSERT_EQUAL(hw_aws_multi_pending(m), 2);
    multi_drain(m, 10000);
    CU_ASSERT_EQUAL(ndone, 2);
    int assumed = 0, basekey = 0;
    for (int i = 1; i < nreq(); i++) {
        assumed += strstr(hdr(i, "Authorization"), "Credential=ASIAASSUMED000000001/") != NULL;
        basekey += strstr(hdr(i, "Authorization"), "Credential=AKIDTESTTESTTEST0001/") != NULL;
    }
    CU_ASSERT_EQUAL(assumed, 1);
    CU_ASSERT_EQUAL(basekey, 1);
    /* freeing a queue with requests still waiting cancels them, each
     * through its callback */
    CU_ASSERT_EQUAL(hw_aws_multi_rest_json(m, &base, &hw_svc_securityhub, "GetFindings", "POST",
                                           "/findings", NULL, on_done, "dropped", &e),
                    HW_OK);
    hw_aws_multi_free(m);
    CU_ASSERT_EQUAL(ndone, 3);
    CU_ASSERT_STRING_EQUAL(dones[2].tag, "dropped");
    CU_ASSERT_EQUAL(dones[2].rc, HW_EINTERNAL);
    finish(c);
}

/* ---------------------------------------------------------- registration */


/* ------------------------------------------ credentials that expire early */

/* AssumeRole answers; every other request is refused once as expired
 * (the first time it comes with a given session token), then answered. */
static int expired_sent;
static int assumed_n;

static void h_expire_once(const struct rec *rq, int n, struct reply *r)
{
    (void)n;
    if (strstr(rq->body, "Action=AssumeRole&")) {
        /* each AssumeRole gives other keys, as STS does */
        char *b = assume_role_body(3600);
        char *k = b ? strstr(b, "ASIAASSUMED000000001") : NULL;
        if (k)
            k[19] = (char)('1' + (assumed_n++ % 9));
        set_body(r, b ? b : "");
        free(b);
        return;
    }
    if (expired_sent <= 0) {
        expired_sent = expired_sent < 0 ? -100 : 1;
        r->status = 403;
        if (strstr(rq->body, "Action="))
            set_body(r, "<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code>"
                        "<Message>The security token included in the request is expired"
                        "</Message></Error><RequestId>rid-exp</RequestId></ErrorResponse>");
        else
            set_body(r, "{\"__type\":\"ExpiredTokenException\",\"message\":\"The security "
                        "token included in the request is expired\"}");
        return;
    }
    set_body(r, strstr(rq->body, "Action=") ? "<DescribeSecurityGroupsResponse/>" : "{}");
}

/* A role's credentials refused as expired before their stated time (a
 * revoked session, a clock ahead): the role is assumed again and the call
 * sent once more, in the blocking calls and in the multi interface; a
 * second refusal is the call's error.  Before the fix the first refusal
 * failed the call (and a scan's source with it). */
static void test_expired_early(void)
{
    std_env();
    S.handler = h_expire_once;
    expired_sent = 0;
    hw_aws_client *c = client(1, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_aws_assume(c, "333333333333", "HubwardenAudit", NULL, &e), HW_OK);
    hw_aws_ctx member = { "eu-west-1", "333333333333" };
    xmlDocPtr doc = NULL;
    hw_aws_param p[] = { { "GroupId.1", "sg-0a11" } };
    CU_ASSERT_EQUAL(hw_aws_query_call(c, &member, &hw_svc_ec2, "DescribeSecurityGroups", p, 1,
                                      &doc, &e),
                    HW_OK);
    xmlFreeDoc(doc);
    CU_ASSERT_EQUAL(nreq(), 4); /* AssumeRole, refused, AssumeRole, answered */
    CU_ASSERT_EQUAL(count_assume(), 2);
    finish(c);

    /* JSON (REST-JSON) the same */
    std_env();
    S.handler = h_expire_once;
    expired_sent = 0;
    c = client(1, NULL);
    CU_ASSERT_EQUAL_FATAL(hw_aws_assume(c, "333333333333", "HubwardenAudit", NULL, &e), HW_OK);
    cJSON *resp = NULL;
    CU_ASSERT_EQUAL(hw_aws_rest_json_call(c, &member, &hw_svc_securityhub, "GetFindings", "POST",
                                          "/findings", NULL, &resp, &e),
                    HW_OK);
    cJSON_Delete(resp);
    CU_ASSERT_EQUAL(count_assume(), 2);
    finish(c);

    /* the multi interface (the scan's GetFindings pages) */
    std_env();
    S.handler = h_expire_once;
    expired_sent = 0;
    c = client(1, NULL);
    CU_ASSERT_EQUAL_FATAL(hw_aws_assume(c, "333333333333", "HubwardenAudit", NULL, &e), HW_OK);
    hw_aws_multi *m = NULL;
    CU_ASSERT_EQUAL_FATAL(hw_aws_multi_new(c, 2, &m, &e), HW_OK);
    ndone = 0;
    CU_ASSERT_EQUAL(hw_aws_multi_rest_json(m, &member, &hw_svc_securityhub, "GetFindings", "POST",
                                           "/findings", NULL, on_done, (void *)"x", &e),
                    HW_OK);
    multi_drain(m, 10000);
    CU_ASSERT_EQUAL(ndone, 1);
    if (ndone == 1)
        CU_ASSERT_EQUAL(dones[0].rc, HW_OK);
    CU_ASSERT_EQUAL(count_assume(), 2);
    hw_aws_multi_free(m);
    finish(c);

    /* static keys refused as expired: the chain gives the same keys, so
     * the call is not sent again; the error names the refusal */
    std_env();
    S.handler = h_script;
    script_clear();
    for (int i = 0; i < 4; i++)
        script(i, 403, NULL, "{\"__type\":\"ExpiredTokenException\",\"message\":\"expired\"}", 0);
    c = client(1, NULL);
    CU_ASSERT_EQUAL(roots(c, &e), HW_EAWS);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "ExpiredTokenException"));
    CU_ASSERT_EQUAL(nreq(), 1);
    finish(c);

    /* a role refused again and again: renewed AWS_RENEW_MAX times, then
     * the error (bounded) */
    std_env();
    S.handler = h_expire_once;
    expired_sent = -100; /* every call refused */
    c = client(1, NULL);
    CU_ASSERT_EQUAL_FATAL(hw_aws_assume(c, "333333333333", "HubwardenAudit", NULL, &e), HW_OK);
    doc = NULL;
    CU_ASSERT_EQUAL(hw_aws_query_call(c, &member, &hw_svc_ec2, "DescribeSecurityGroups", p, 1,
                                      &doc, &e),
                    HW_EAWS);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "ExpiredToken"));
    CU_ASSERT_EQUAL(count_assume(), 1 + AWS_RENEW_MAX);
    finish(c);
}

int test_aws_http_register(void)
{
    CU_pSuite s = CU_add_suite("aws_http", suite_init, suite_clean);
    if (!s)
        return -1;
    if (!CU_add_test(s, "JSON request: target, signing scope, token, user agent", test_json_request) ||
        !CU_add_test(s, "DescribeOrganization: the id checked against the model", test_org_describe) ||
        !CU_add_test(s, "Query request: sorted form body, STS credentials", test_query_request) ||
        !CU_add_test(s, "REST-JSON: GetFindings pages, BatchUpdateFindings", test_rest_json_request) ||
        !CU_add_test(s, "5xx retried with backoff, then success", test_retry_5xx_then_ok) ||
        !CU_add_test(s, "credentials refused as expired early: fetched again, sent once more",
                     test_expired_early) ||
        !CU_add_test(s, "Retry-After honoured", test_retry_after) ||
        !CU_add_test(s, "throttling retried up to max attempts; the error line",
                     test_throttle_exhausted) ||
        !CU_add_test(s, "signature, access and validation errors not retried", test_not_retried) ||
        !CU_add_test(s, "Query error: code, message, request id", test_query_error) ||
        !CU_add_test(s, "truncated bodies, resets, refused connections", test_transport_retries) ||
        !CU_add_test(s, "response bodies are capped (the call fails, bounded)", test_body_cap) ||
        !CU_add_test(s, "AWS_CA_BUNDLE is the CA file", test_ca_bundle) ||
        !CU_add_test(s, "EC2 instance metadata (IMDSv2)", test_imds) ||
        !CU_add_test(s, "instance metadata credentials refreshed before expiry", test_imds_refresh) ||
        !CU_add_test(s, "ECS container credentials", test_container) ||
        !CU_add_test(s, "web identity (unsigned AssumeRoleWithWebIdentity)", test_web_identity) ||
        !CU_add_test(s, "profile role_arn with source_profile", test_profile_assume_role) ||
        !CU_add_test(s, "credential_process refreshed before expiry",
                     test_credential_process_refresh) ||
        !CU_add_test(s, "assumed roles cached per account", test_assume_cache) ||
        !CU_add_test(s, "Organizations accounts and OU paths", test_org_tree) ||
        !CU_add_test(s, "Organizations: a repeated NextToken stops the listing", test_org_token_loop) ||
        !CU_add_test(s, "BatchGetSecurityControls: 100 ids a call, only clear answers",
                     test_security_control_status) ||
        !CU_add_test(s, "multi: at most N in flight, each its own scope", test_multi_bounded) ||
        !CU_add_test(s, "multi: freeing the queue cancels through the callbacks",
                     test_multi_free_cancels) ||
        !CU_add_test(s, "multi: a handle libcurl refuses fails once", test_multi_add_refused) ||
        !CU_add_test(s, "multi: retries wait on a timer, errors reach the callback",
                     test_multi_retry_and_errors) ||
        !CU_add_test(s, "multi: each request with its account's credentials", test_multi_accounts))
        return -1;
    if (!CU_add_test(s, "GetCallerIdentity (Query without parameters)", test_caller_identity) ||
        !CU_add_test(s, "REST-XML: S3 Control and S3, payload hash, S3 errors", test_rest_xml_request) ||
        !CU_add_test(s, "an oversized body fails at once, not retried", test_body_cap_not_retried) ||
        !CU_add_test(s, "assumed role refreshed inside a call", test_assume_refresh_in_context) ||
        !CU_add_test(s, "web identity before the profile's keys, as the CLI",
                     test_web_identity_before_profile_keys))
        return -1;
    return 0;
}
