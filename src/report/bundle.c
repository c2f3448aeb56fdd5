/*
 * bundle.c - one signed bundle per framework, written atomically.
 *
 * Steps per framework: report.xml streamed (xml.c), checked against the
 * schema (schema.c), signed (sign.c); report.html from it (html.c);
 * findings.csv; SHA256SUMS over every file; SHA256SUMS.p7s.  All of it in
 * a temporary folder beside the bundle's final place, renamed into place
 * at the end (an existing bundle of the same run is swapped out in one
 * step and removed), so an interrupted report leaves no half bundle and
 * earlier bundles stay as they were.  With opts->jobs > 1 the bundles are
 * written by that many worker processes at once, each with its own store
 * connection (bundles share nothing but the read-only store).
 */
#include "report/report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* --------------------------------------------------------------- CSV */

void hw_csv_cell(hw_buf *out, const char *s)
{
    s = s ? s : "";
    hw_buf_putc(out, '"');
    /* a leading = + - @ (or tab/CR) makes spreadsheets evaluate the cell */
    if (*s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' || *s == '\r')
        hw_buf_putc(out, '\'');
    for (;;) { /* runs up to each '"', which is doubled */
        const char *q = strchr(s, '"');
        size_t n = q ? (size_t)(q - s) + 1 : strlen(s);
        hw_buf_append(out, s, n);
        if (!q)
            break;
        hw_buf_putc(out, '"');
        s = q + 1;
    }
    hw_buf_putc(out, '"');
}

/* --------------------------------------------------------- SHA256SUMS */

static int file_sha256(const char *path, char hex[65], hw_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return hw_err_set(e, HW_EIO, "%s: cannot open: %s", path, strerror(errno));
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    static unsigned char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        EVP_DigestUpdate(md, buf, n);
    int err = ferror(f);
    fclose(f);
    unsigned char d[32];
    unsigned dl = 0;
    EVP_DigestFinal_ex(md, d, &dl);
    EVP_MD_CTX_free(md);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    return err ? hw_err_set(e, HW_EIO, "%s: read error", path) : HW_OK;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int hw_bundle_sums(const char *dir, hw_err *e)
{
    DIR *d = opendir(dir);
    if (!d)
        return hw_err_set(e, HW_EIO, "%s: %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    int rc = HW_OK;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || hw_starts_with(de->d_name, "SHA256SUMS"))
            continue;
        char **p = realloc(names, (n + 1) * sizeof *p);
        if (!p || !(p[n] = strdup(de->d_name))) {
            names = p ? p : names;
            rc = hw_err_set(e, HW_ENOMEM, "out of memory");
            break;
        }
        names = p;
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, name_cmp);
    hw_buf out = HW_BUF_INIT(0);
    for (size_t i = 0; i < n && rc == HW_OK; i++) {
        char *path = hw_asprintf("%s/%s", dir, names[i]);
        char hex[65];
        rc = path ? file_sha256(path, hex, e) : hw_err_set(e, HW_ENOMEM, "out of memory");
        if (rc == HW_OK)
            hw_buf_printf(&out, "%s  %s\n", hex, names[i]);
        free(path);
    }
    if (rc == HW_OK) {
        char *path = hw_asprintf("%s/SHA256SUMS", dir);
        rc = path ? hw_file_write_atomic(path, out.data ? out.data : "", out.len, 0644, e)
                  : hw_err_set(e, HW_ENOMEM, "out of memory");
        free(path);
    }
    hw_buf_free(&out);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* ------------------------------------------------------------- folders */

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            char *p = hw_asprintf("%s/%s", dir, de->d_name);
            if (p)
                unlink(p);
            free(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

static int mkdirs(const char *path, hw_err *e)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return hw_err_set(e, HW_EIO, "%s: %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return hw_err_set(e, HW_EIO, "%s: %s", buf, strerror(errno));
    return HW_OK;
}

/*
 * A report killed (kill -9, a power cut) leaves its hidden temporary
 * folders in the output folder: ".FRAMEWORK.tmp-PID-XXXXXX" (a bundle)
 * and ".report-pass-PID-XXXXXX" (the pass over the findings), PID the
 * report's process.  The next report removes those whose process is gone,
 * never a live one's (two reports may share a folder: `report` is a
 * reader and takes no lock), and says so.  tmp_owner(): the PID in such
 * a folder's name, 0 for any other name.
 */
static pid_t tmp_owner(const char *name)
{
    size_t len = strlen(name);
    if (len < 10 || name[0] != '.' || name[len - 7] != '-')
        return 0;
    size_t end = len - 7, start = end;
    while (start > 0 && name[start - 1] >= '0' && name[start - 1] <= '9')
        start--;
    if (start == end || end - start > 9)
        return 0;
    static const char pass[] = ".report-pass-", tmp[] = ".tmp-";
    if (!(start == sizeof pass - 1 && strncmp(name, pass, start) == 0) &&
        !(start > sizeof tmp && strncmp(name + start - (sizeof tmp - 1), tmp, sizeof tmp - 1) == 0))
        return 0;
    long pid = strtol(name + start, NULL, 10);
    return pid > 0 ? (pid_t)pid : 0;
}

static void remove_tree(const char *dir);

/* Removes the temporary folders of dead reports in dir; their number. */
size_t hw_report_clean_dead(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        pid_t pid = tmp_owner(de->d_name);
        if (!pid || pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH)
            continue;
        char *p = hw_asprintf("%s/%s", dir, de->d_name);
        struct stat sb;
        if (p && lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            remove_tree(p);
            if (!hw_file_exists(p)) {
                n++;
                hw_info("%s: removed %s, the temporary folder of report process %ld, which is gone",
                        dir, de->d_name, (long)pid);
            } else {
                hw_warn("%s: cannot remove %s (left by report process %ld, which is gone)", dir,
                        de->d_name, (long)pid);
            }
        }
        free(p);
    }
    closedir(d);
    return n;
}

/* Moves tmp to final; an existing final is swapped out and removed. */
static int put_in_place(const char *tmp, const char *final, hw_err *e)
{
    if (rename(tmp, final) == 0)
        return HW_OK;
    if (errno != ENOTEMPTY && errno != EEXIST)
        return hw_err_set(e, HW_EIO, "%s: cannot rename into place: %s", final, strerror(errno));
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_EXCHANGE) != 0)
        return hw_err_set(e, HW_EIO, "%s: cannot replace: %s", final, strerror(errno));
    remove_tree(tmp); /* now the old bundle */
    return HW_OK;
}

static int sha256_file_into(const char *path, char out[65], hw_err *e)
{
    return file_sha256(path, out, e);
}

/* A bundle's temporary folder beside its final place (*tmp: free()). */
static int make_tmp(const hw_report_opts *o, const hw_framework *fw, char **tmp, hw_err *e)
{
    *tmp = hw_asprintf("%s/.%s.tmp-%ld-XXXXXX", o->out_dir, fw->id, (long)getpid());
    if (!*tmp)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    if (!mkdtemp(*tmp)) {
        int rc = hw_err_set(e, HW_EIO, "%s: cannot create a temporary folder: %s", o->out_dir,
                            strerror(errno));
        free(*tmp);
        *tmp = NULL;
        return rc;
    }
    chmod(*tmp, 0755);
    return HW_OK;
}

/* The rest of a bundle in tmp, where the shared pass wrote findings.csv;
 * renamed to final at the end, removed on failure. */
static int one_bundle(hw_report_ctx *c, const hw_signer *signer, const char *tmp,
                      const char *final, hw_err *e)
{
    const hw_report_opts *o = c->o;
    char *xml = hw_asprintf("%s/report.xml", tmp), *html = hw_asprintf("%s/report.html", tmp),
         *sums = hw_asprintf("%s/SHA256SUMS", tmp), *p7s = hw_asprintf("%s/SHA256SUMS.p7s", tmp);
    int rc = HW_OK;
    unsigned char digest[32];
    long body = 0;
    if (!xml || !html || !sums || !p7s)
        rc = hw_err_set(e, HW_ENOMEM, "out of memory");
    int64_t t[6];
    t[0] = hw_monotonic_ms();
    /* written and checked against the schema at once, before signing */
    if (rc == HW_OK)
        rc = hw_report_xml_checked(c, xml, o->schema_file, digest, &body, e);
    t[1] = hw_monotonic_ms();
    if (rc == HW_OK)
        rc = hw_report_xml_sign(signer, xml, body, digest, e);
    t[2] = hw_monotonic_ms();
    if (rc == HW_OK)
        rc = hw_report_html(o->template_file, xml, html, e);
    t[3] = hw_monotonic_ms();
    if (rc == HW_OK)
        rc = hw_bundle_sums(tmp, e);
    t[4] = hw_monotonic_ms();
    if (rc == HW_OK)
        rc = hw_signer_cms(signer, sums, p7s, e);
    t[5] = hw_monotonic_ms();
    hw_debug("report %s: xml and schema %lld ms, sign %lld ms, html %lld ms,"
             " sums %lld ms, cms %lld ms", c->fw->id, (long long)(t[1] - t[0]),
             (long long)(t[2] - t[1]), (long long)(t[3] - t[2]), (long long)(t[4] - t[3]),
             (long long)(t[5] - t[4]));
    if (rc == HW_OK)
        rc = put_in_place(tmp, final, e);
    if (rc != HW_OK)
        remove_tree(tmp);
    free(xml);
    free(html);
    free(sums);
    free(p7s);
    return rc;
}

struct job {
    const hw_framework *fw;
    char framework_sha256[65];
    char *tmp, *final, *csv;
    pid_t pid;
    int fd;
    int rc; /* -1: not written */
    hw_err e;
};

static int job_prepare(hw_report_ctx *c, struct job *j, const hw_framework *fw, hw_err *e)
{
    j->fw = fw;
    j->rc = -1;
    j->fd = -1;
    if (sha256_file_into(fw->file, j->framework_sha256, e) != HW_OK)
        return e->kind;
    j->final = hw_asprintf("%s/%s-%s", c->o->out_dir, fw->id, c->run->id);
    if (!j->final)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    int rc = make_tmp(c->o, fw, &j->tmp, e);
    if (rc == HW_OK && !(j->csv = hw_asprintf("%s/findings.csv", j->tmp)))
        rc = hw_err_set(e, HW_ENOMEM, "out of memory");
    return rc;
}

static void job_ctx(hw_report_ctx *c, const struct job *j)
{
    c->fw = j->fw;
    memcpy(c->framework_sha256, j->framework_sha256, sizeof c->framework_sha256);
}

/* One worker process: its own store connection (a connection never
 * crosses a fork), one bundle, the error back through fd. */
static void worker(hw_report_ctx c, const hw_signer *signer, const struct job *j, int fd)
{
    hw_err e;
    hw_err_clear(&e);
    hw_store *own = NULL;
    int rc = hw_store_open(c.o->db_path, HW_STORE_READ, 0, &own, &e);
    if (rc == HW_OK) {
        c.st = own;
        job_ctx(&c, j);
        rc = hw_store_report_snapshot(own, 1, &e);
        if (rc == HW_OK)
            rc = one_bundle(&c, signer, j->tmp, j->final, &e);
        hw_store_report_snapshot(own, 0, NULL);
        hw_store_close(own);
    }
    if (rc != HW_OK && write(fd, &e, sizeof e) != (ssize_t)sizeof e)
        rc = HW_EINTERNAL;
    _exit(rc == HW_OK ? 0 : 1);
}

static void job_reap(struct job *j, int status)
{
    ssize_t n = read(j->fd, &j->e, sizeof j->e);
    close(j->fd);
    j->fd = -1;
    j->pid = 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        j->rc = HW_OK;
        return;
    }
    if (n != (ssize_t)sizeof j->e || j->e.kind == HW_OK)
        hw_err_set(&j->e, HW_EINTERNAL, "the worker writing the bundle died (status %d)",
                   status);
    j->rc = j->e.kind;
}

static void reap_one(struct job *jobs, size_t n, pid_t pid, int status, size_t *running)
{
    for (size_t i = 0; i < n; i++)
        if (pid > 0 && jobs[i].pid == pid) {
            job_reap(&jobs[i], status);
            (*running)--;
        }
}

/* The process that makes the pass over the findings while the bundles'
 * workers write what does not need it: its own store connection, the
 * error back through fd; its end closes the gate the workers wait on. */
static void pass_worker(const hw_report_opts *o, hw_report_pass *p, int fd)
{
    hw_err e;
    hw_err_clear(&e);
    hw_store *own = NULL;
    int rc = hw_store_open(o->db_path, HW_STORE_READ, 0, &own, &e);
    if (rc == HW_OK && (rc = hw_store_report_snapshot(own, 1, &e)) == HW_OK) {
        int64_t t0 = hw_monotonic_ms();
        rc = hw_report_pass_fill(p, own, &e);
        hw_debug("report: one pass over the findings for %zu bundles, %lld ms", p->nfw,
                 (long long)(hw_monotonic_ms() - t0));
        hw_store_report_snapshot(own, 0, NULL);
    }
    hw_store_close(own);
    if (rc != HW_OK && write(fd, &e, sizeof e) != (ssize_t)sizeof e)
        rc = HW_EINTERNAL;
    _exit(rc == HW_OK ? 0 : 1);
}

/* The pass over the findings in a process of its own (pass_job), and the
 * bundles in up to o->jobs processes at once, largest first, the pass
 * counting as one; the first failure is returned (workers already
 * started still finish). */
static int parallel(hw_report_ctx *c, const hw_signer *signer, struct job *jobs, size_t n,
                    hw_report_pass *pass, struct job *pass_job, hw_err *e)
{
    size_t *order = calloc(n ? n : 1, sizeof *order), next = 0, running = 0;
    if (!order)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    /* longest first: the number of requirement-control pairs stands in for
     * the size of a bundle */
    size_t *weight = calloc(n ? n : 1, sizeof *weight);
    for (size_t i = 0; i < n; i++) {
        order[i] = i;
        for (size_t k = 0; weight && k < jobs[i].fw->nrequirements; k++)
            weight[i] += jobs[i].fw->requirements[k].ncontrols;
    }
    for (size_t i = 1; weight && i < n; i++)
        for (size_t k = i; k > 0 && weight[order[k]] > weight[order[k - 1]]; k--) {
            size_t t = order[k];
            order[k] = order[k - 1];
            order[k - 1] = t;
        }
    free(weight);
    int rc = HW_OK;
    fflush(NULL);
    int gate[2], pfd[2];
    if (pipe(gate) != 0 || pipe(pfd) != 0) {
        free(order);
        return hw_err_set(e, HW_EIO, "pipe: %s", strerror(errno));
    }
    pass_job->pid = fork();
    if (pass_job->pid == 0) {
        close(gate[0]);
        close(pfd[0]);
        pass_worker(c->o, pass, pfd[1]);
    }
    close(gate[1]); /* only the pass's process holds it now */
    close(pfd[1]);
    pass_job->fd = pfd[0];
    if (pass_job->pid < 0) {
        close(gate[0]);
        close(pfd[0]);
        free(order);
        return hw_err_set(e, HW_EINTERNAL, "fork: %s", strerror(errno));
    }
    pass_job->rc = -1;
    running = 1;
    c->pass_pending = 1;
    c->pass_gate = gate[0];
    while (rc == HW_OK && (next < n || running)) {
        if (next < n && running < (size_t)c->o->jobs) {
            struct job *j = &jobs[order[next]];
            int fds[2];
            if (pipe(fds) != 0) {
                rc = hw_err_set(e, HW_EIO, "pipe: %s", strerror(errno));
                break;
            }
            j->pid = fork();
            if (j->pid == 0) {
                close(fds[0]);
                worker(*c, signer, j, fds[1]);
            }
            close(fds[1]);
            if (j->pid < 0) {
                close(fds[0]);
                j->pid = 0;
                rc = hw_err_set(e, HW_EINTERNAL, "fork: %s", strerror(errno));
                break;
            }
            j->fd = fds[0];
            next++;
            running++;
            continue;
        }
        int status = 0;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            rc = hw_err_set(e, HW_EINTERNAL, "waitpid: %s", strerror(errno));
            break;
        }
        reap_one(jobs, n, pid, status, &running);
        reap_one(pass_job, 1, pid, status, &running);
    }
    while (running) {
        int status = 0;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0 && errno != EINTR)
            break;
        reap_one(jobs, n, pid, status, &running);
        reap_one(pass_job, 1, pid, status, &running);
    }
    close(gate[0]);
    c->pass_pending = 0;
    free(order);
    return rc;
}

static int write_all(hw_store *st, const hw_catalog *cat, const hw_signer *signer,
                    const hw_report_opts *o, void (*done)(void *arg, const char *path),
                    void *arg, hw_err *e)
{
    hw_report_ctx c = { 0 };
    c.st = st;
    c.cat = cat;
    c.o = o;
    c.now = o->now ? o->now : hw_now();
    hw_time_iso(c.now, c.generated);
    snprintf(c.period_from, sizeof c.period_from, "%s", o->from ? o->from : "");
    snprintf(c.period_to, sizeof c.period_to, "%s", o->to ? o->to : c.generated);
    hw_report_run run;
    if (hw_store_report_run(st, o->to, &run, e) != HW_OK)
        return e->kind;
    c.run = &run;
    int64_t t = 0;
    if (hw_time_parse(run.finished_at[0] ? run.finished_at : run.started_at, &t) < 0)
        return hw_err_set(e, HW_ESTORE, "run %s: unreadable time '%s'", run.id,
                          run.finished_at);
    int64_t age = c.now - t;
    if (age > (int64_t)o->max_age_hours * 3600 && !o->allow_stale)
        return hw_err_set(e, HW_EINVAL,
                          "the newest scan (run %s, %s) is %lld hours old, older than"
                          " report.max_age_hours (%d): scan again, or pass --allow-stale",
                          run.id, run.finished_at[0] ? run.finished_at : run.started_at,
                          (long long)(age / 3600), o->max_age_hours);
    const hw_framework *only = NULL;
    if (o->framework && strcmp(o->framework, "all") != 0 &&
        !(only = hw_catalog_framework(cat, o->framework)))
        return hw_err_set(e, HW_EINVAL, "--framework: unknown framework '%s'", o->framework);
    char *catfile = hw_asprintf("%s/securityhub-controls.xml", cat->dir);
    int rc = catfile ? sha256_file_into(catfile, c.catalogue_sha256, e)
                     : hw_err_set(e, HW_ENOMEM, "out of memory");
    free(catfile);
    if (rc == HW_OK)
        rc = hw_catalog_hash(cat->dir, c.catalogue_folder_sha256, e);
    if (rc == HW_OK)
        rc = hw_store_organization_id(st, c.organization, sizeof c.organization, e);
    if (rc == HW_OK)
        rc = mkdirs(o->out_dir, e);
    if (rc == HW_OK)
        hw_report_clean_dead(o->out_dir);
    struct job *jobs = calloc(cat->nframeworks ? cat->nframeworks : 1, sizeof *jobs);
    const hw_framework **fws = calloc(cat->nframeworks ? cat->nframeworks : 1, sizeof *fws);
    const char **csvs = calloc(cat->nframeworks ? cat->nframeworks : 1, sizeof *csvs);
    size_t n = 0;
    if (rc == HW_OK && (!jobs || !fws || !csvs))
        rc = hw_err_set(e, HW_ENOMEM, "out of memory");
    for (size_t i = 0; i < cat->nframeworks && rc == HW_OK; i++) {
        const hw_framework *fw = &cat->frameworks[i];
        if (only && fw != only)
            continue;
        rc = job_prepare(&c, &jobs[n], fw, e);
        fws[n] = fw;
        csvs[n] = jobs[n].csv;
        n++;
        if (rc != HW_OK)
            hw_err_prefix(e, "%s", fw->id);
    }
    /* one pass over the findings for every bundle: findings.csv and the
     * finding lists; in a process of its own beside the bundles' workers */
    hw_report_pass *pass = NULL;
    struct job pass_job = { 0 };
    pass_job.rc = HW_OK;
    if (rc == HW_OK && o->jobs > 1 && n > 1 && o->db_path) {
        rc = hw_report_pass_prepare(o, fws, csvs, n, o->out_dir, &pass, e);
        c.pass = pass;
        if (rc == HW_OK)
            rc = parallel(&c, signer, jobs, n, pass, &pass_job, e);
        if (rc == HW_OK && pass_job.rc != HW_OK) { /* the cause of the workers' failures */
            *e = pass_job.e;
            rc = e->kind;
            hw_err_prefix(e, "the pass over the findings");
        }
    } else {
        int64_t t0 = hw_monotonic_ms();
        if (rc == HW_OK)
            rc = hw_report_pass_run(st, o, fws, csvs, n, o->out_dir, &pass, e);
        hw_debug("report: one pass over the findings for %zu bundles, %lld ms", n,
                 (long long)(hw_monotonic_ms() - t0));
        c.pass = pass;
        for (size_t i = 0; i < n && rc == HW_OK; i++) {
            job_ctx(&c, &jobs[i]);
            jobs[i].rc = one_bundle(&c, signer, jobs[i].tmp, jobs[i].final, &jobs[i].e);
            rc = jobs[i].rc == HW_OK ? HW_OK : -1;
        }
        rc = rc == -1 ? HW_OK : rc;
    }
    /* done() in framework order for the bundles written; the first failure */
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].rc == HW_OK) {
            if (done)
                done(arg, jobs[i].final);
        } else {
            if (jobs[i].rc > 0 && rc == HW_OK) {
                *e = jobs[i].e;
                rc = e->kind;
                hw_err_prefix(e, "%s", jobs[i].fw->id);
            }
            if (jobs[i].tmp)
                remove_tree(jobs[i].tmp); /* never started, or failed */
        }
        free(jobs[i].tmp);
        free(jobs[i].final);
        free(jobs[i].csv);
    }
    hw_report_pass_free(pass);
    free(jobs);
    free(fws);
    free(csvs);
    return rc;
}

int hw_report_write(hw_store *st, const hw_catalog *cat, const hw_signer *signer,
                    const hw_report_opts *o, void (*done)(void *arg, const char *path),
                    void *arg, hw_err *e)
{
    if (hw_store_report_snapshot(st, 1, e) != HW_OK)
        return e->kind;
    int rc = write_all(st, cat, signer, o, done, arg, e);
    hw_err e2;
    if (hw_store_report_snapshot(st, 0, &e2) != HW_OK && rc == HW_OK) {
        *e = e2;
        rc = e->kind;
    }
    return rc;
}
