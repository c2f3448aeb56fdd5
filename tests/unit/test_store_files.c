/*
 * test_store_files.c - the store's files and lock as an attacker or an
 * accident meets them: a planted lock link, a second path to the same
 * store, a link owned by another user, the files' modes, and a run whose
 * process died.
 */
#include <CUnit/CUnit.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store.h"
#include "store_fixture.h"
#include "store_undo.h"

static int open_at(const char *path, int mode, int timeout_ms, hw_store **s, hw_err *e)
{
    *s = NULL;
    hw_err_clear(e);
    return hw_store_open(path, mode, timeout_ms, s, e);
}

static int file_mode(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static void sub(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

/* A planted <db>.lock link is refused; its target is left alone. */
static void test_lock_link_refused(void)
{
    fresh();
    char victim[160], lock[160];
    sub(victim, sizeof victim, "precious.txt");
    snprintf(lock, sizeof lock, "%s.lock", dbpath);
    FILE *f = fopen(victim, "w");
    fputs("precious\n", f);
    fclose(f);
    CU_ASSERT_EQUAL_FATAL(symlink(victim, lock), 0);
    hw_store *s;
    hw_err e;
    CU_ASSERT_EQUAL(open_at(dbpath, HW_STORE_WRITE, 0, &s, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "symbolic link"));
    hw_store_close(s);
    char buf[32] = "";
    f = fopen(victim, "r");
    CU_ASSERT_PTR_NOT_NULL(fgets(buf, sizeof buf, f));
    fclose(f);
    CU_ASSERT_STRING_EQUAL(buf, "precious\n");
    /* a hard link planted as the lock is refused too */
    unlink(lock);
    CU_ASSERT_EQUAL_FATAL(link(victim, lock), 0);
    CU_ASSERT_EQUAL(open_at(dbpath, HW_STORE_WRITE, 0, &s, &e), HW_EINVAL);
    hw_store_close(s);
    f = fopen(victim, "r");
    CU_ASSERT_PTR_NOT_NULL(fgets(buf, sizeof buf, f));
    fclose(f);
    CU_ASSERT_STRING_EQUAL(buf, "precious\n");
    cleanup();
}

/* Every path to the store meets the same lock: another process, and
 * another handle in this one. */
static void test_lock_other_paths(void)
{
    fresh();
    char dotted[160], link_path[160], rel[160];
    snprintf(dotted, sizeof dotted, "%s/./hw.db", dir);
    sub(link_path, sizeof link_path, "other.db");
    CU_ASSERT_EQUAL_FATAL(symlink("hw.db", link_path), 0);
    int pipefd[2], gofd[2];
    CU_ASSERT_EQUAL_FATAL(pipe(pipefd), 0);
    CU_ASSERT_EQUAL_FATAL(pipe(gofd), 0);
    pid_t pid = fork();
    if (pid == 0) {
        hw_store *c;
        hw_err e;
        if (open_at(dbpath, HW_STORE_WRITE, 1000, &c, &e) != HW_OK)
            _exit(1);
        char ch = 'L';
        if (write(pipefd[1], &ch, 1) != 1 || read(gofd[0], &ch, 1) != 1)
            _exit(1);
        hw_store_close(c);
        _exit(0);
    }
    char ch;
    CU_ASSERT_EQUAL_FATAL(read(pipefd[0], &ch, 1), 1);
    hw_store *s;
    hw_err e;
    CU_ASSERT_EQUAL(open_at(dotted, HW_STORE_WRITE, 0, &s, &e), HW_ELOCKED);
    hw_store_close(s);
    CU_ASSERT_EQUAL(open_at(link_path, HW_STORE_WRITE, 0, &s, &e), HW_ELOCKED);
    hw_store_close(s);
    /* a relative path from another working folder */
    char cwd[4096];
    CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
    CU_ASSERT_EQUAL_FATAL(chdir(dir), 0);
    snprintf(rel, sizeof rel, "hw.db");
    CU_ASSERT_EQUAL(open_at(rel, HW_STORE_WRITE, 0, &s, &e), HW_ELOCKED);
    hw_store_close(s);
    CU_ASSERT_EQUAL(chdir(cwd), 0);
    CU_ASSERT_EQUAL(write(gofd[1], "g", 1), 1);
    int status;
    waitpid(pid, &status, 0);
    CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* the same process: a second handle waits for the first */
    hw_store *a, *b;
    CU_ASSERT_EQUAL_FATAL(open_at(dbpath, HW_STORE_WRITE, 1000, &a, &e), HW_OK);
    CU_ASSERT_EQUAL(open_at(link_path, HW_STORE_WRITE, 0, &b, &e), HW_ELOCKED);
    hw_store_close(b);
    hw_store_close(a);
    CU_ASSERT_EQUAL(open_at(link_path, HW_STORE_WRITE, 0, &b, &e), HW_OK);
    hw_store_close(b);
    close(pipefd[0]);
    close(pipefd[1]);
    close(gofd[0]);
    close(gofd[1]);
    cleanup();
}

/* A hard link to the store in another folder would meet another lock and
 * get its own -wal and -shm: before the fix a writer through the link
 * opened while another held the store.  Now a store with two names is
 * refused by every path, readers too. */
static void test_hard_link_refused(void)
{
    fresh();
    hw_store *s;
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(open_at(dbpath, HW_STORE_WRITE, 0, &s, &e), HW_OK);
    hw_store_close(s);
    char other[160], hard[160];
    sub(other, sizeof other, "elsewhere");
    CU_ASSERT_EQUAL_FATAL(mkdir(other, 0700), 0);
    snprintf(hard, sizeof hard, "%s/hw.db", other);
    CU_ASSERT_EQUAL_FATAL(link(dbpath, hard), 0);
    int pipefd[2], gofd[2];
    CU_ASSERT_EQUAL_FATAL(pipe(pipefd), 0);
    CU_ASSERT_EQUAL_FATAL(pipe(gofd), 0);
    pid_t pid = fork();
    if (pid == 0) {
        /* holds the store through its first name, if it may */
        hw_store *c;
        hw_err ce;
        int orc = open_at(dbpath, HW_STORE_WRITE, 1000, &c, &ce);
        char ch = orc == HW_OK ? 'L' : 'R';
        if (write(pipefd[1], &ch, 1) != 1 || read(gofd[0], &ch, 1) != 1)
            _exit(1);
        hw_store_close(c);
        _exit(0);
    }
    char ch;
    CU_ASSERT_EQUAL_FATAL(read(pipefd[0], &ch, 1), 1);
    CU_ASSERT_EQUAL(ch, 'R'); /* the first name is refused too */
    CU_ASSERT_NOT_EQUAL(open_at(hard, HW_STORE_WRITE, 0, &s, &e), HW_OK);
    hw_store_close(s);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "hard links"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, hard));
    CU_ASSERT_EQUAL(open_at(hard, HW_STORE_READ, 0, &s, &e), HW_EINVAL);
    hw_store_close(s);
    CU_ASSERT_EQUAL(write(gofd[1], "g", 1), 1);
    int status;
    waitpid(pid, &status, 0);
    close(pipefd[0]);
    close(pipefd[1]);
    close(gofd[0]);
    close(gofd[1]);
    /* one name again: it opens */
    CU_ASSERT_EQUAL(unlink(hard), 0);
    CU_ASSERT_EQUAL(open_at(dbpath, HW_STORE_WRITE, 0, &s, &e), HW_OK);
    hw_store_close(s);
    char lockf[200];
    snprintf(lockf, sizeof lockf, "%s.lock", hard);
    unlink(lockf);
    rmdir(other);
    cleanup();
}

/* A link owned by another user is never followed (needs root to make). */
static void test_foreign_link_refused(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "\n  (skipped: a link owned by another user needs root to make)\n");
        return;
    }
    fresh();
    hw_store *s;
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(open_at(dbpath, HW_STORE_WRITE, 0, &s, &e), HW_OK);
    hw_store_close(s);
    char theirs[160], lock_link[160], victim[160];
    sub(theirs, sizeof theirs, "theirs.db");
    CU_ASSERT_EQUAL_FATAL(symlink(dbpath, theirs), 0);
    CU_ASSERT_EQUAL_FATAL(lchown(theirs, 65534, 65534), 0);
    CU_ASSERT_EQUAL(open_at(theirs, HW_STORE_WRITE, 0, &s, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "owned by another user"));
    hw_store_close(s);
    CU_ASSERT_EQUAL(open_at(theirs, HW_STORE_READ, 0, &s, &e), HW_EINVAL);
    hw_store_close(s);
    /* a chain: ours -> theirs -> the store */
    char ours[160];
    sub(ours, sizeof ours, "ours.db");
    CU_ASSERT_EQUAL_FATAL(symlink("theirs.db", ours), 0);
    CU_ASSERT_EQUAL(open_at(ours, HW_STORE_WRITE, 0, &s, &e), HW_EINVAL);
    hw_store_close(s);
    /* a link of theirs to a file that does not exist yet is not created */
    sub(victim, sizeof victim, "victim.db");
    sub(lock_link, sizeof lock_link, "new.db");
    CU_ASSERT_EQUAL_FATAL(symlink(victim, lock_link), 0);
    CU_ASSERT_EQUAL_FATAL(lchown(lock_link, 65534, 65534), 0);
    CU_ASSERT_EQUAL(open_at(lock_link, HW_STORE_WRITE, 0, &s, &e), HW_EINVAL);
    hw_store_close(s);
    CU_ASSERT_EQUAL(access(victim, F_OK), -1);
    cleanup();
}

/* Writes one run so that sqlite makes its -wal and -shm files. */
static void touch_store(const char *path)
{
    hw_store *s;
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(open_at(path, HW_STORE_WRITE, 0, &s, &e), HW_OK);
    char run[64];
    CU_ASSERT_EQUAL(hw_store_run_begin(s, "import", run, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_run_finish(s, run, "ok", "{}", &e), HW_OK);
    /* while the handle is open, the WAL files exist */
    char wal[200], shm[200], lock[200];
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(shm, sizeof shm, "%s-shm", path);
    snprintf(lock, sizeof lock, "%s.lock", path);
    struct stat st;
    CU_ASSERT_EQUAL(stat(wal, &st), 0);
    CU_ASSERT_EQUAL(stat(shm, &st), 0);
    CU_ASSERT_EQUAL(file_mode(wal), file_mode(path));
    CU_ASSERT_EQUAL(file_mode(shm), file_mode(path));
    CU_ASSERT_EQUAL(file_mode(lock), file_mode(path));
    hw_store_close(s);
}

/* Never world-readable: 0600, or 0640 in a set-group-id (shared) folder,
 * under umask 022 and 000; an existing wider store is narrowed. */
static void test_store_modes(void)
{
    mode_t old = umask(022);
    fresh();
    touch_store(dbpath);
    CU_ASSERT_EQUAL(file_mode(dbpath), 0600);
    umask(0);
    char other[160];
    sub(other, sizeof other, "zero-umask.db");
    touch_store(other);
    CU_ASSERT_EQUAL(file_mode(other), 0600);
    umask(022);
    cleanup();

    fresh();
    CU_ASSERT_EQUAL_FATAL(chmod(dir, 02750), 0);
    touch_store(dbpath);
    CU_ASSERT_EQUAL(file_mode(dbpath), 0640);
    cleanup();

    /* a store made 0644 by an earlier hubwarden, with its WAL files */
    fresh();
    touch_store(dbpath);
    char wal[200];
    snprintf(wal, sizeof wal, "%s-wal", dbpath);
    CU_ASSERT_EQUAL(chmod(dbpath, 0644), 0);
    hw_store *s;
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(open_at(dbpath, HW_STORE_WRITE, 0, &s, &e), HW_OK);
    CU_ASSERT_EQUAL(file_mode(dbpath), 0600);
    CU_ASSERT_EQUAL(file_mode(wal), 0600);
    hw_store_close(s);
    cleanup();
    umask(old);
}

/* A run whose process was killed is marked aborted by the next writer,
 * with the time it noticed and an audit entry; finished runs stay. */
static void test_dead_run_aborted(void)
{
    fresh();
    hw_store *s;
    hw_err e;
    char done[64];
    CU_ASSERT_EQUAL_FATAL(open_at(dbpath, HW_STORE_WRITE, 0, &s, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_run_begin(s, "scan", done, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_run_finish(s, done, "ok", "{}", &e), HW_OK);
    hw_store_close(s);
    pid_t pid = fork();
    if (pid == 0) {
        hw_store *c;
        hw_err ce;
        char run[64];
        if (open_at(dbpath, HW_STORE_WRITE, 1000, &c, &ce) != HW_OK ||
            hw_store_run_begin(c, "import", run, &ce) != HW_OK)
            _exit(1);
        _exit(0); /* as kill -9: nothing closed, nothing finished */
    }
    int status;
    waitpid(pid, &status, 0);
    CU_ASSERT_TRUE_FATAL(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM runs WHERE status = 'running'"), 1);
    CU_ASSERT_EQUAL_FATAL(open_at(dbpath, HW_STORE_WRITE, 0, &s, &e), HW_OK);
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM runs WHERE status = 'running'"), 0);
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM runs WHERE status = 'aborted'"
                              " AND kind = 'import' AND finished_at IS NOT NULL"),
                    1);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM runs WHERE id = '%s' AND status = 'ok'", done);
    CU_ASSERT_EQUAL(query_int(sql), 1);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit_log a JOIN runs r ON r.id = a.run_id"
             " WHERE a.event = 'run.aborted' AND r.status = 'aborted'"
             " AND json_extract(a.detail, '$.pid') = %ld"
             " AND json_extract(a.detail, '$.noticed_at') = r.finished_at",
             (long)pid);
    CU_ASSERT_EQUAL(query_int(sql), 1);
    int64_t bad = -1;
    CU_ASSERT_EQUAL(hw_store_audit_verify(s, &bad, &e), HW_OK);
    CU_ASSERT_EQUAL(bad, 0);
    hw_store_close(s);
    /* a run of this process whose handle closed is left to finish */
    char mine[64];
    CU_ASSERT_EQUAL_FATAL(open_at(dbpath, HW_STORE_WRITE, 0, &s, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_run_begin(s, "scan", mine, &e), HW_OK);
    hw_store_close(s);
    CU_ASSERT_EQUAL_FATAL(open_at(dbpath, HW_STORE_WRITE, 0, &s, &e), HW_OK);
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM runs WHERE status = 'running'"), 1);
    CU_ASSERT_EQUAL(hw_store_run_finish(s, mine, "ok", "{}", &e), HW_OK);
    hw_store_close(s);
    /* noticed once */
    CU_ASSERT_EQUAL_FATAL(open_at(dbpath, HW_STORE_WRITE, 0, &s, &e), HW_OK);
    hw_store_close(s);
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM audit_log WHERE event = 'run.aborted'"), 1);
    cleanup();
}

/* Migration 7 rebuilds runs under tables that point at it. */
static void test_migrate_runs(void)
{
    fresh();
    hw_store *s;
    hw_err e;
    char run[64];
    CU_ASSERT_EQUAL_FATAL(open_at(dbpath, HW_STORE_WRITE, 0, &s, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_run_begin(s, "scan", run, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_watermark_set(s, "sh:1:us-east-1", 5, run, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_run_finish(s, run, "ok", "{}", &e), HW_OK);
    hw_store_close(s);
    /* back to schema 6's runs table */
    sqlite3 *db;
    sqlite3_open(dbpath, &db);
    CU_ASSERT_EQUAL(sqlite3_exec(db,
                                 "PRAGMA foreign_keys=OFF; BEGIN;" HW_UNDO_13 HW_UNDO_12 HW_UNDO_11 HW_UNDO_10 HW_UNDO_9 HW_UNDO_8 HW_UNDO_7
                                 "PRAGMA user_version = 6; COMMIT;",
                                 NULL, NULL, NULL),
                    SQLITE_OK);
    sqlite3_close(db);
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM pragma_table_info('runs') WHERE name = 'pid'"), 0);
    CU_ASSERT_EQUAL_FATAL(open_at(dbpath, HW_STORE_WRITE, 0, &s, &e), HW_OK);
    hw_store_close(s);
    CU_ASSERT_EQUAL(query_int("PRAGMA user_version"), hw_store_schema_version());
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM pragma_table_info('runs') WHERE name = 'pid'"), 1);
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM watermarks w JOIN runs r ON r.id = w.run_id"
                              " WHERE r.status = 'ok'"),
                    1);
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM pragma_foreign_key_check"), 0);
    cleanup();
}

int test_store_files_register(void)
{
    CU_pSuite s = CU_add_suite("store files and lock", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "a planted lock link is refused", test_lock_link_refused) ||
        !CU_add_test(s, "every path to a store meets one lock", test_lock_other_paths) ||
        !CU_add_test(s, "a link owned by another user is refused", test_foreign_link_refused) ||
        !CU_add_test(s, "a store with two names (hard link) is refused", test_hard_link_refused) ||
        !CU_add_test(s, "store files are 0600, or 0640 in a shared folder", test_store_modes) ||
        !CU_add_test(s, "a run whose process died is marked aborted", test_dead_run_aborted) ||
        !CU_add_test(s, "migration 7 rebuilds runs under its children", test_migrate_runs))
        return -1;
    return 0;
}
