/*
 * store.c - opening the evidence store: the lock, pragmas, migrations,
 * transactions, runs, watermarks and accounts.  Findings are in
 * findings.c, the compression of their raw JSON in compress.c, the
 * catalogue and results in results.c, the audit log in audit.c;
 * store_int.h holds what they share.
 */
#include "store/store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <signal.h>

#include <openssl/rand.h>

/*
 * Migrations: each sets user_version to its index + 1; all those pending
 * at an open run in one transaction (migrate()).  Never edit one that has shipped; add a new one.
 */
static const char *const migrations[] = {
    /* 1: the initial schema */
    "CREATE TABLE runs ("
    "  id TEXT PRIMARY KEY,"
    "  kind TEXT NOT NULL,"
    "  started_at TEXT NOT NULL,"
    "  finished_at TEXT,"
    "  status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running','ok','partial','failed')),"
    "  summary TEXT);"
    "CREATE TABLE watermarks ("
    "  source TEXT PRIMARY KEY,"
    "  updated_at INTEGER NOT NULL,"
    "  run_id TEXT NOT NULL REFERENCES runs(id));"
    "CREATE TABLE accounts ("
    "  id TEXT PRIMARY KEY,"
    "  name TEXT, email TEXT, status TEXT,"
    "  ou_path TEXT, ou_names TEXT,"
    "  in_org INTEGER NOT NULL DEFAULT 0,"
    "  last_run TEXT REFERENCES runs(id));"
    "CREATE TABLE products ("
    "  id INTEGER PRIMARY KEY,"
    "  arn TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL);"
    "CREATE TABLE zdicts ("
    "  id INTEGER PRIMARY KEY,"
    "  created_at TEXT NOT NULL,"
    "  dict BLOB NOT NULL);"
    /* key: the first 63 bits of SHA-256(product_arn || '\n' || id) */
    /* rows are appended in rowid order (cheap), found through the small
     * UNIQUE index on the random key */
    "CREATE TABLE findings ("
    "  rowid INTEGER PRIMARY KEY,"
    "  key INTEGER NOT NULL UNIQUE,"
    "  id TEXT NOT NULL,"
    "  product_id INTEGER NOT NULL REFERENCES products(id),"
    "  account_id TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  control_id TEXT NOT NULL,"
    "  severity TEXT NOT NULL,"
    "  compliance_status TEXT NOT NULL,"
    "  workflow_status TEXT NOT NULL,"
    "  record_state TEXT NOT NULL,"
    "  resource_type TEXT NOT NULL,"
    "  resources TEXT NOT NULL,"
    "  first_observed INTEGER, last_observed INTEGER,"
    "  created_at INTEGER, updated_at INTEGER NOT NULL,"
    "  trusted INTEGER NOT NULL,"
    "  untrusted_reason TEXT,"
    "  first_run TEXT NOT NULL, last_run TEXT NOT NULL,"
    "  zdict INTEGER NOT NULL DEFAULT 0,"
    "  rawlen INTEGER NOT NULL,"
    "  raw BLOB NOT NULL);"
    /* evaluation evidence: trusted active findings by account and control
     * (partial, so that bulk imports of untrusted findings do not pay) */
    "CREATE INDEX findings_evidence ON findings(account_id, control_id)"
    "  WHERE trusted = 1 AND record_state = 'ACTIVE';"
    "CREATE TABLE finding_history ("
    "  finding_key INTEGER NOT NULL REFERENCES findings(key),"
    "  run_id TEXT NOT NULL REFERENCES runs(id),"
    "  at INTEGER NOT NULL,"
    "  old_compliance TEXT, new_compliance TEXT,"
    "  old_workflow TEXT, new_workflow TEXT,"
    "  old_record TEXT, new_record TEXT);"
    "CREATE INDEX finding_history_key ON finding_history(finding_key);"
    "CREATE TABLE controls ("
    "  id TEXT PRIMARY KEY, title TEXT NOT NULL, severity TEXT, resource_type TEXT,"
    "  remediation TEXT);"
    "CREATE TABLE requirements ("
    "  framework TEXT NOT NULL, id TEXT NOT NULL, title TEXT NOT NULL,"
    "  manual INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (framework, id));"
    "CREATE TABLE requirement_controls ("
    "  framework TEXT NOT NULL, requirement TEXT NOT NULL,"
    "  control_id TEXT NOT NULL REFERENCES controls(id),"
    "  PRIMARY KEY (framework, requirement, control_id),"
    "  FOREIGN KEY (framework, requirement) REFERENCES requirements(framework, id));"
    "CREATE INDEX requirement_controls_control ON requirement_controls(control_id);"
    "CREATE TABLE evaluations ("
    "  run_id TEXT NOT NULL REFERENCES runs(id),"
    "  framework TEXT NOT NULL, requirement TEXT NOT NULL, account_id TEXT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('PASSED','FAILED','NOT_APPLICABLE','NO_DATA','MANUAL','EXCEPTION')),"
    "  evidence TEXT NOT NULL DEFAULT '[]',"
    "  PRIMARY KEY (run_id, framework, requirement, account_id));"
    "CREATE TABLE actions ("
    "  id TEXT PRIMARY KEY,"
    "  run_id TEXT REFERENCES runs(id),"
    "  finding_key INTEGER REFERENCES findings(key),"
    "  account_id TEXT NOT NULL, region TEXT, control_id TEXT, playbook TEXT,"
    "  action TEXT NOT NULL, resource TEXT NOT NULL,"
    "  destructive INTEGER NOT NULL DEFAULT 0,"
    "  state TEXT NOT NULL DEFAULT 'planned',"
    "  planned_at TEXT NOT NULL, executed_at TEXT,"
    "  before_state TEXT, after_state TEXT, error TEXT);"
    "CREATE TABLE approvals ("
    "  action_id TEXT NOT NULL REFERENCES actions(id),"
    "  approver TEXT NOT NULL, approved_at TEXT NOT NULL, comment TEXT,"
    "  PRIMARY KEY (action_id, approver));"
    "CREATE TABLE exceptions ("
    "  id INTEGER PRIMARY KEY,"
    "  account_id TEXT NOT NULL, control_id TEXT NOT NULL,"
    "  reason TEXT NOT NULL, approver TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
    "  revoked INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE audit_log ("
    "  seq INTEGER PRIMARY KEY,"
    "  at TEXT NOT NULL, run_id TEXT, actor TEXT NOT NULL, event TEXT NOT NULL,"
    "  detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
    /* 2: which controls are switched off where (BatchGetSecurityControls):
     * the account-regions checked, and the controls disabled there */
    "CREATE TABLE control_checks ("
    "  account_id TEXT NOT NULL, region TEXT NOT NULL,"
    "  checked_at INTEGER NOT NULL, run_id TEXT NOT NULL REFERENCES runs(id),"
    "  PRIMARY KEY (account_id, region)) WITHOUT ROWID;"
    "CREATE TABLE disabled_controls ("
    "  account_id TEXT NOT NULL, region TEXT NOT NULL, control_id TEXT NOT NULL,"
    "  PRIMARY KEY (account_id, region, control_id),"
    "  FOREIGN KEY (account_id, region) REFERENCES control_checks(account_id, region))"
    "  WITHOUT ROWID;",
    /* 3: times to the millisecond, as AWS writes them.  The four times of
     * a finding, history times and watermarks were epoch seconds and are
     * epoch milliseconds from here on (other tables keep seconds).  A
     * history row can record an exact UpdatedAt tie between two versions:
     * tie = 1, old_* the version set aside, new_* the one kept. */
    "UPDATE findings SET first_observed = first_observed * 1000,"
    "  last_observed = last_observed * 1000, created_at = created_at * 1000,"
    "  updated_at = updated_at * 1000;"
    "UPDATE finding_history SET at = at * 1000;"
    "UPDATE watermarks SET updated_at = updated_at * 1000;"
    "ALTER TABLE finding_history ADD COLUMN tie INTEGER NOT NULL DEFAULT 0;",
    /* 4: a finding's Title, for the listings (NULL for findings stored
     * before: `hubwarden findings` then reads it from the raw ASFF) */
    "ALTER TABLE findings ADD COLUMN title TEXT;",
    /* 5: evaluation history as intervals of unchanged status and evidence
     * (a run that changes nothing writes nothing); the per-run rows written
     * so far stay readable, through the same view, as evaluations_legacy.
     * The resource inventory from AWS Config.  The audit log's hash moves
     * to a length-prefixed encoding (format 2); the hook re-anchors. */
    "ALTER TABLE evaluations RENAME TO evaluations_legacy;"
    "CREATE TABLE eval_runs ("
    "  seq INTEGER PRIMARY KEY,"
    "  run_id TEXT NOT NULL UNIQUE REFERENCES runs(id),"
    "  at INTEGER NOT NULL,"
    "  pruned INTEGER NOT NULL DEFAULT 0);" /* 1: its closed intervals dropped */
    "CREATE TABLE eval_intervals ("
    "  id INTEGER PRIMARY KEY,"
    "  framework TEXT NOT NULL, requirement TEXT NOT NULL, account_id TEXT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('PASSED','FAILED','NOT_APPLICABLE','NO_DATA',"
    "    'MANUAL','EXCEPTION','PARTIAL','SUPPRESSED')),"
    "  digest INTEGER NOT NULL,"
    "  evidence TEXT NOT NULL,"
    "  from_seq INTEGER NOT NULL REFERENCES eval_runs(seq),"
    "  to_seq INTEGER);" /* NULL: current */
    "CREATE UNIQUE INDEX eval_intervals_open ON eval_intervals(account_id, framework, requirement)"
    "  WHERE to_seq IS NULL;"
    /* what a run compares, read without touching the evidence */
    "CREATE INDEX eval_intervals_digest ON eval_intervals(account_id, framework, requirement,"
    "  digest) WHERE to_seq IS NULL;"
    "CREATE INDEX eval_intervals_closed ON eval_intervals(to_seq) WHERE to_seq IS NOT NULL;"
    "CREATE VIEW evaluations AS"
    "  SELECT r.run_id AS run_id, i.framework AS framework, i.requirement AS requirement,"
    "  i.account_id AS account_id, i.status AS status, i.evidence AS evidence"
    "  FROM eval_runs r JOIN eval_intervals i"
    "  ON i.from_seq <= r.seq AND (i.to_seq IS NULL OR i.to_seq > r.seq) WHERE r.pruned = 0"
    "  UNION ALL SELECT run_id, framework, requirement, account_id, status, evidence"
    "  FROM evaluations_legacy;"
    "CREATE TABLE resource_counts ("
    "  account_id TEXT NOT NULL, resource_type TEXT NOT NULL,"
    "  count INTEGER NOT NULL, run_id TEXT NOT NULL, at INTEGER NOT NULL,"
    "  PRIMARY KEY (account_id, resource_type)) WITHOUT ROWID;"
    "ALTER TABLE audit_log ADD COLUMN format INTEGER NOT NULL DEFAULT 1;"
    /* evaluation reads an account's findings from this index alone, in
     * the order it needs, never the rows with their stored ASFF; it
     * serves every query the index it replaces served */
    "DROP INDEX IF EXISTS findings_evidence;"
    "CREATE INDEX findings_evaluation ON findings(account_id, control_id, resources, region, id,"
    "  compliance_status, workflow_status, first_observed, last_observed, product_id,"
    "  trusted, record_state)" /* this sqlite covers a query only with these too */
    "  WHERE trusted = 1 AND record_state = 'ACTIVE';",
    /* 6: what a plan keeps per action (mode,
     * why, the exact API calls, the finding it answers and that finding's
     * UpdatedAt, so that a pending action whose finding changed is dropped),
     * approve/reject decisions, and the findings a plan skipped, with why */
    "ALTER TABLE actions ADD COLUMN mode TEXT NOT NULL DEFAULT 'auto';"
    "ALTER TABLE actions ADD COLUMN reason TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE actions ADD COLUMN calls TEXT NOT NULL DEFAULT '[]';"
    "ALTER TABLE actions ADD COLUMN finding_id TEXT;"
    "ALTER TABLE actions ADD COLUMN product_arn TEXT;"
    "ALTER TABLE actions ADD COLUMN finding_updated_at INTEGER;"
    /* Security Hub workflow to set for the action's finding: "want:RESOLVED"
     * until BatchUpdateFindings took it, then "RESOLVED" */
    "ALTER TABLE actions ADD COLUMN workflow TEXT NOT NULL DEFAULT '';"
    "CREATE INDEX actions_run ON actions(run_id);"
    "CREATE INDEX actions_state ON actions(state);"
    "ALTER TABLE approvals ADD COLUMN decision TEXT NOT NULL DEFAULT 'approve';"
    "CREATE TABLE plan_skips ("
    "  run_id TEXT NOT NULL REFERENCES runs(id),"
    "  finding_id TEXT NOT NULL, product_arn TEXT NOT NULL,"
    "  account_id TEXT, region TEXT, control_id TEXT, resource TEXT,"
    "  reason TEXT NOT NULL);"
    "CREATE INDEX plan_skips_run ON plan_skips(run_id);",
    /* 7: a run whose process died is marked 'aborted' by the next writer
     * (abort_dead_runs); runs record the pid that started them.  sqlite
     * cannot widen a CHECK in place: the table is rebuilt (migrate() runs
     * every migration with foreign keys off and checks them before the
     * commit, as sqlite's ALTER TABLE documentation prescribes). */
    "CREATE TABLE runs_new ("
    "  id TEXT PRIMARY KEY,"
    "  kind TEXT NOT NULL,"
    "  started_at TEXT NOT NULL,"
    "  finished_at TEXT,"
    "  status TEXT NOT NULL DEFAULT 'running'"
    "    CHECK (status IN ('running','ok','partial','failed','aborted')),"
    "  summary TEXT,"
    "  pid INTEGER);"
    "INSERT INTO runs_new(rowid, id, kind, started_at, finished_at, status, summary)"
    "  SELECT rowid, id, kind, started_at, finished_at, status, summary FROM runs;"
    "DROP TABLE runs;"
    "ALTER TABLE runs_new RENAME TO runs;",
    /* 8: exceptions scoped to one finding (its Id; account and control are
     * the finding's) or one resource (its ARN; control '*', account the
     * ARN's or '*'); control exceptions for every account have account
     * '*'.  Who revoked one and when; expired_logged: its expiry is in
     * the audit log.  Each run records the audit log's head (seq and hash)
     * when it finishes, so that a cut tail of the log is found. */
    "ALTER TABLE exceptions ADD COLUMN finding_id TEXT;"
    "ALTER TABLE exceptions ADD COLUMN resource TEXT;"
    "ALTER TABLE exceptions ADD COLUMN revoked_at INTEGER;"
    "ALTER TABLE exceptions ADD COLUMN revoked_by TEXT;"
    "ALTER TABLE exceptions ADD COLUMN expiry_logged INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX exceptions_account ON exceptions(account_id, control_id);"
    "ALTER TABLE runs ADD COLUMN audit_seq INTEGER;"
    "ALTER TABLE runs ADD COLUMN audit_head TEXT;",
    /* 9: a control's evidence is stored once per account and change
     * (eval_control_evidence), not copied into every requirement it
     * evidences.  The intervals move to eval_interval_rows, where a row
     * keeps its requirement's own evidence with the "controls" array left
     * empty and, in `controls`, the ids of the control evidence that fills
     * it, in order (NULL: the evidence is whole, as written before).
     * eval_intervals becomes a view with the same columns that puts the
     * text back together, so every reader, and the evaluations view, sees
     * the same JSON.  The status check is written as comparisons: for an
     * IN list this sqlite builds a temporary b-tree on every row written.
     * The whole evidence of the intervals written before moves to
     * eval_interval_evidence5 (their rows' evidence is ''), so that every
     * row stays small and a run reads the open intervals' digests through
     * eval_intervals_open and the rows, with no second index to keep. */
    "CREATE TABLE eval_control_evidence ("
    "  id INTEGER PRIMARY KEY,"
    "  account_id TEXT NOT NULL, control_id TEXT NOT NULL,"
    "  digest INTEGER NOT NULL,"
    "  evidence TEXT NOT NULL,"
    "  from_seq INTEGER NOT NULL REFERENCES eval_runs(seq),"
    "  to_seq INTEGER);" /* NULL: current */
    "CREATE UNIQUE INDEX eval_control_evidence_open ON eval_control_evidence(account_id,"
    "  control_id) WHERE to_seq IS NULL;"
    "DROP VIEW evaluations;"
    "CREATE TABLE eval_interval_rows ("
    "  id INTEGER PRIMARY KEY,"
    "  framework TEXT NOT NULL, requirement TEXT NOT NULL, account_id TEXT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status = 'PASSED' OR status = 'FAILED'"
    "    OR status = 'NOT_APPLICABLE' OR status = 'NO_DATA' OR status = 'MANUAL'"
    "    OR status = 'EXCEPTION' OR status = 'PARTIAL' OR status = 'SUPPRESSED'),"
    "  digest INTEGER NOT NULL,"
    "  evidence TEXT NOT NULL,"
    "  from_seq INTEGER NOT NULL REFERENCES eval_runs(seq),"
    "  to_seq INTEGER,"  /* NULL: current */
    "  controls TEXT);" /* JSON array of eval_control_evidence ids */
    "INSERT INTO eval_interval_rows(id, framework, requirement, account_id, status, digest,"
    "  evidence, from_seq, to_seq) SELECT id, framework, requirement, account_id, status, digest,"
    "  '', from_seq, to_seq FROM eval_intervals;"
    "CREATE TABLE eval_interval_evidence5 ("
    "  id INTEGER PRIMARY KEY,"
    "  evidence TEXT NOT NULL);"
    "INSERT INTO eval_interval_evidence5(id, evidence) SELECT id, evidence FROM eval_intervals;"
    "DROP TABLE eval_intervals;"
    "CREATE UNIQUE INDEX eval_intervals_open ON eval_interval_rows(account_id, framework,"
    "  requirement) WHERE to_seq IS NULL;"
    "CREATE INDEX eval_intervals_closed ON eval_interval_rows(to_seq) WHERE to_seq IS NOT NULL;"
    "CREATE VIEW eval_intervals AS"
    "  SELECT i.id AS id, i.framework AS framework, i.requirement AS requirement,"
    "  i.account_id AS account_id, i.status AS status, i.digest AS digest,"
    "  CASE WHEN i.evidence = '' THEN (SELECT v.evidence FROM eval_interval_evidence5 v"
    "    WHERE v.id = i.id)"
    "  WHEN i.controls IS NULL THEN i.evidence"
    "  ELSE substr(i.evidence, 1, instr(i.evidence, '\"controls\":[') + 11)"
    "  || coalesce((SELECT group_concat(x.evidence, ',') FROM (SELECT c.evidence AS evidence"
    "    FROM json_each(i.controls) j JOIN eval_control_evidence c ON c.id = j.value"
    "    ORDER BY j.key) x), '')"
    "  || substr(i.evidence, instr(i.evidence, '\"controls\":[') + 12) END AS evidence,"
    "  i.from_seq AS from_seq, i.to_seq AS to_seq"
    "  FROM eval_interval_rows i;"
    "CREATE VIEW evaluations AS"
    "  SELECT r.run_id AS run_id, i.framework AS framework, i.requirement AS requirement,"
    "  i.account_id AS account_id, i.status AS status, i.evidence AS evidence"
    "  FROM eval_runs r JOIN eval_intervals i"
    "  ON i.from_seq <= r.seq AND (i.to_seq IS NULL OR i.to_seq > r.seq) WHERE r.pruned = 0"
    "  UNION ALL SELECT run_id, framework, requirement, account_id, status, evidence"
    "  FROM evaluations_legacy;",
    /* 10: the malicious-ip playbook's deny list: each network ACL entry it
     * added (account, region, ACL, rule number, CIDR), the action that
     * added it, when it expires (playbooks.ip_block_days) and when a later
     * run removed it */
    "CREATE TABLE ip_blocks ("
    "  id INTEGER PRIMARY KEY,"
    "  action_id TEXT NOT NULL,"
    "  account_id TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  network_acl_id TEXT NOT NULL,"
    "  rule_number INTEGER NOT NULL,"
    "  cidr TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL,"
    "  removed_at INTEGER);"
    "CREATE INDEX ip_blocks_open ON ip_blocks(expires_at) WHERE removed_at IS NULL;",
    /* 11: `hubwarden run` records each of its steps (scan, evaluate,
     * expire, remediate, workflow, report, notify, gate) with its status,
     * counts and the run it made (the scan's, the plan's); a run records
     * its exit status and the catalogue it used (folder and SHA-256) */
    "CREATE TABLE run_steps ("
    "  run_id TEXT NOT NULL REFERENCES runs(id),"
    "  seq INTEGER NOT NULL,"
    "  step TEXT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('ok','partial','failed','skipped')),"
    "  started_at TEXT NOT NULL,"
    "  finished_at TEXT NOT NULL,"
    "  counts TEXT NOT NULL DEFAULT '{}',"
    "  detail TEXT NOT NULL DEFAULT '',"
    "  child_run TEXT REFERENCES runs(id),"
    "  PRIMARY KEY (run_id, seq)) WITHOUT ROWID;"
    "ALTER TABLE runs ADD COLUMN exit_status INTEGER;"
    "ALTER TABLE runs ADD COLUMN catalog_dir TEXT;"
    "ALTER TABLE runs ADD COLUMN catalog_sha256 TEXT;",
    /* 12: the Organization itself (DescribeOrganization), as each scan
     * that could read it saw it; reports name the newest */
    "CREATE TABLE organization ("
    "  id TEXT PRIMARY KEY,"
    "  arn TEXT NOT NULL,"
    "  management_account TEXT NOT NULL,"
    "  seen_at INTEGER NOT NULL,"
    "  run_id TEXT REFERENCES runs(id));",
    /* 13: the approver's AWS identity (the ARN STS GetCallerIdentity returned to
     * `approve`) on each decision, NULL when not verified (`approve
     * --offline`, or decided before this migration); and the WAFv2 IP set
     * of a malicious-ip block (NULL: a network ACL entry) */
    "ALTER TABLE approvals ADD COLUMN caller_arn TEXT;"
    "ALTER TABLE ip_blocks ADD COLUMN ip_set_arn TEXT;",
};

/* C steps run after a migration's SQL, in its transaction (by index). */
static int (*const migration_hooks[])(hw_store *, hw_err *) = {
    NULL, NULL, NULL, NULL, store_audit_reanchor, NULL,
};

int hw_store_schema_version(void)
{
    return (int)HW_ARRAY_LEN(migrations);
}

int store_fail(hw_store *s, hw_err *e, const char *what)
{
    return hw_err_set(e, HW_ESTORE, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

int store_prepare(hw_store *s, sqlite3_stmt **st, const char *sql, hw_err *e)
{
    if (*st) {
        sqlite3_reset(*st);
        sqlite3_clear_bindings(*st);
        return HW_OK;
    }
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return store_fail(s, e, "preparing a statement");
    return HW_OK;
}

int store_exec(hw_store *s, const char *sql, hw_err *e)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        hw_err_set(e, HW_ESTORE, "%s: %s", s->path, msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return HW_ESTORE;
    }
    return HW_OK;
}

/* ------------------------------------------------------- files and lock */

/*
 * The store is the file a path names after its symbolic links: the lock
 * and the mode checks apply to that file, whatever path led to it
 * ("./x.db", "x.db", a link), and sqlite opens it by that name.  A link
 * owned by another user (other than root) is never followed: in a shared
 * or world-writable folder it would let that user point our writes at any
 * file we can write.
 */
static int link_owner_ok(uid_t uid)
{
    return uid == geteuid() || uid == 0;
}

/* *out (malloc'd): the absolute name of the file path stands for. */
static int resolve_path(const char *path, char **out, hw_err *e)
{
    *out = NULL;
    char *cur = strdup(path);
    if (!cur)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    int hops = 0;
    for (;;) {
        struct stat st;
        if (lstat(cur, &st) != 0) {
            if (errno == ENOENT)
                break;
            int rc = hw_err_set(e, HW_EIO, "%s: %s", cur, strerror(errno));
            free(cur);
            return rc;
        }
        if (!S_ISLNK(st.st_mode))
            break;
        if (!link_owner_ok(st.st_uid) || ++hops > 16) {
            int rc = hops > 16
                         ? hw_err_set(e, HW_EINVAL, "%s: too many symbolic links", path)
                         : hw_err_set(e, HW_EINVAL,
                                      "%s: a symbolic link owned by another user (uid %ld); "
                                      "refusing to follow it",
                                      cur, (long)st.st_uid);
            free(cur);
            return rc;
        }
        char target[4096];
        ssize_t n = readlink(cur, target, sizeof target - 1);
        if (n < 0) {
            int rc = hw_err_set(e, HW_EIO, "%s: %s", cur, strerror(errno));
            free(cur);
            return rc;
        }
        target[n] = '\0';
        char *next;
        const char *slash = strrchr(cur, '/');
        if (target[0] == '/' || !slash)
            next = strdup(target);
        else
            next = hw_asprintf("%.*s/%s", (int)(slash - cur), cur, target);
        free(cur);
        if (!(cur = next))
            return hw_err_set(e, HW_ENOMEM, "out of memory");
    }
    /* the folder by realpath, the last name as it is */
    const char *slash = strrchr(cur, '/');
    const char *base = slash ? slash + 1 : cur;
    char *dir = slash ? (slash == cur ? strdup("/") : strndup(cur, (size_t)(slash - cur)))
                      : strdup(".");
    if (!dir) {
        free(cur);
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    }
    int rc = HW_OK;
    char *rdir = NULL;
    if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        rc = hw_err_set(e, HW_EINVAL, "%s: not a file name", path);
    else if (!(rdir = realpath(dir, NULL)))
        rc = hw_err_set(e, HW_EIO, "%s: %s", dir, strerror(errno));
    else if (!(*out = hw_asprintf("%s%s%s", rdir, strcmp(rdir, "/") ? "/" : "", base)))
        rc = hw_err_set(e, HW_ENOMEM, "out of memory");
    free(rdir);
    free(dir);
    free(cur);
    return rc;
}

/*
 * The mode of the store's files: 0640 when its folder is set-group-id
 * (a folder shared with a group, the auditors', whose group every new file
 * takes), else 0600: the store holds the raw findings of the whole
 * Organization.  sqlite gives the -wal and -shm files the database's mode.
 */
static mode_t store_mode(const char *file)
{
    const char *slash = strrchr(file, '/');
    char *dir = slash && slash != file ? strndup(file, (size_t)(slash - file)) : strdup("/");
    struct stat st;
    int shared = dir && stat(dir, &st) == 0 && (st.st_mode & S_ISGID);
    free(dir);
    return shared ? 0640 : 0600;
}

/* Creates the database file with the store's mode before sqlite does (it
 * would use 0644 less the umask); narrows the mode of an existing store,
 * its -wal and -shm files that allow more, when they are ours. */
static int prepare_files(const char *file, mode_t mode, hw_err *e)
{
    int fd = open(file, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd >= 0) {
        close(fd);
        return HW_OK;
    }
    if (errno != EEXIST)
        return hw_err_set(e, HW_EIO, "%s: %s", file, strerror(errno));
    static const char *const ext[] = { "", "-wal", "-shm" };
    for (size_t i = 0; i < HW_ARRAY_LEN(ext); i++) {
        char *f = hw_asprintf("%s%s", file, ext[i]);
        if (!f)
            return hw_err_set(e, HW_ENOMEM, "out of memory");
        struct stat st;
        if (lstat(f, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
            (st.st_mode & 0777 & ~mode)) {
            mode_t m = st.st_mode & 0777 & mode;
            if (chmod(f, m) == 0)
                hw_info("%s: mode narrowed to %04o", f, (unsigned)m);
            else
                hw_warn("%s: cannot narrow its mode to %04o: %s", f, (unsigned)m, strerror(errno));
        }
        free(f);
    }
    return HW_OK;
}

/*
 * The writers' lock: an open-file-description lock on "<file>.lock" beside
 * the resolved database file, so every path to one store meets the same
 * lock, and a second handle in the same process too.  The lock file is
 * never followed through a link, and must be a plain file of one name.
 */
static int take_lock(hw_store *s, const char *file, mode_t mode, int timeout_ms, hw_err *e)
{
    char *lp = hw_asprintf("%s.lock", file);
    if (!lp)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    int fd = open(lp, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
        int rc = errno == ELOOP
                     ? hw_err_set(e, HW_EINVAL, "%s: the lock file is a symbolic link; "
                                                "refusing to open it (remove it)", lp)
                     : hw_err_set(e, HW_EIO, "%s: %s", lp, strerror(errno));
        free(lp);
        return rc;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
        int rc = hw_err_set(e, HW_EINVAL, "%s: the lock file is not a plain file of one name; "
                                          "refusing to use it (remove it)", lp);
        close(fd);
        free(lp);
        return rc;
    }
#ifdef F_OFD_SETLK
    const int setlk = F_OFD_SETLK;
#else
    const int setlk = F_SETLK;
#endif
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    int64_t deadline = hw_monotonic_ms() + timeout_ms;
    int waited = 0;
    while (fcntl(fd, setlk, &fl) < 0) {
        if (errno != EACCES && errno != EAGAIN) {
            int rc = hw_err_set(e, HW_EIO, "%s: %s", lp, strerror(errno));
            close(fd);
            free(lp);
            return rc;
        }
        if (!waited && timeout_ms > 0) {
            hw_info("%s is in use by another hubwarden process; waiting up to %.1f s", s->path,
                    timeout_ms / 1000.0);
            waited = 1;
        }
        if (hw_monotonic_ms() >= deadline) {
            char holder[128] = "";
            ssize_t n = pread(fd, holder, sizeof holder - 1, 0);
            holder[n > 0 ? n : 0] = '\0';
            char *nl = strchr(holder, '\n');
            if (nl)
                *nl = '\0';
            int rc = hw_err_set(e, HW_ELOCKED,
                                "%s is in use by another hubwarden process (%s); waited %.1f s",
                                s->path, holder[0] ? holder : "holder unknown", timeout_ms / 1000.0);
            close(fd);
            free(lp);
            return rc;
        }
        hw_sleep_ms(100);
    }
    char ts[32], line[96];
    hw_time_iso(hw_now(), ts);
    int n = snprintf(line, sizeof line, "pid %ld, since %s\n", (long)getpid(), ts);
    if (ftruncate(fd, 0) == 0 && pwrite(fd, line, (size_t)n, 0) < 0)
        hw_debug("%s: cannot record the lock holder", lp);
    s->lock_fd = fd;
    free(lp);
    return HW_OK;
}

/* ------------------------------------------------------------ migrations */

static int user_version(hw_store *s, int *v, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading the schema version");
    *v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return HW_OK;
}

/* *n = the rows PRAGMA foreign_key_check reports (0: none). */
static int fk_violations(hw_store *s, int *n, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "checking foreign keys");
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW)
        (*n)++;
    sqlite3_finalize(st);
    return r == SQLITE_DONE ? HW_OK : store_fail(s, e, "checking foreign keys");
}

/* 1 when the store has no schema object at all: a new file, or one whose
 * first writer died before its migrations committed. */
static int schema_empty(hw_store *s)
{
    sqlite3_stmt *st = NULL;
    int empty = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        empty = sqlite3_column_int(st, 0) == 0;
    sqlite3_finalize(st);
    return empty;
}

/*
 * Every pending migration of one open runs in one transaction, so that a
 * writer killed while migrating (kill -9, a power cut, a full disk) leaves
 * the store at the schema it had: a new store stays empty, an old one
 * stays old.  A reader given an empty store of schema 0 (a first run that
 * died before its migrations committed) reads an empty store of the
 * current schema, in memory: every command accepts it, as it would the
 * store that run would have written had it been killed a moment later.
 */
static int migrate(hw_store *s, hw_err *e)
{
    int v = 0;
    if (user_version(s, &v, e) != HW_OK)
        return e->kind;
    int latest = hw_store_schema_version();
    if (v > latest)
        return hw_err_set(e, HW_EINVAL,
                          "%s: written by a newer hubwarden (schema %d; this one knows up to %d)",
                          s->path, v, latest);
    if (v == 0 && s->mode != HW_STORE_WRITE && schema_empty(s)) {
        hw_debug("%s: no schema yet (its first writer did not finish creating it): read as empty",
                 s->path);
        sqlite3_close_v2(s->db);
        s->db = NULL;
        if (sqlite3_open_v2(":memory:", &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK)
            return hw_err_set(e, HW_ESTORE, "%s: cannot open an empty store in memory", s->path);
        int mode = s->mode;
        s->mode = HW_STORE_WRITE; /* the copy in memory, never the file */
        int rc = store_exec(s, "PRAGMA foreign_keys=ON", e);
        if (rc == HW_OK)
            rc = migrate(s, e);
        s->mode = mode;
        return rc;
    }
    if (v < latest && s->mode != HW_STORE_WRITE)
        return hw_err_set(e, HW_EINVAL, "%s: schema %d is older than %d; run a scan or import first",
                          s->path, v, latest);
    if (v == latest)
        return HW_OK;
    /* foreign keys off (only possible outside a transaction) so that a
     * migration may rebuild a parent table; checked before the commit */
    if (store_exec(s, "PRAGMA foreign_keys=OFF", e) != HW_OK)
        return e->kind;
    int rc = store_exec(s, "BEGIN IMMEDIATE", e);
    int from = v;
    for (; rc == HW_OK && v < latest; v++) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d;", v + 1);
        int fk = 0;
        if (store_exec(s, migrations[v], e) != HW_OK ||
            ((size_t)v < HW_ARRAY_LEN(migration_hooks) && migration_hooks[v] &&
             migration_hooks[v](s, e) != HW_OK) ||
            fk_violations(s, &fk, e) != HW_OK ||
            (fk && hw_err_set(e, HW_ESTORE, "%s: %d foreign key violations", s->path, fk)) ||
            store_exec(s, pragma, e) != HW_OK) {
            store_exec(s, "ROLLBACK", NULL);
            rc = hw_err_prefix(e, "migration %d", v + 1);
            break;
        }
    }
    if (rc == HW_OK && (rc = store_exec(s, "COMMIT", e)) != HW_OK)
        store_exec(s, "ROLLBACK", NULL);
    if (rc == HW_OK)
        hw_debug("%s: migrated from schema %d to %d", s->path, from, latest);
    if (store_exec(s, "PRAGMA foreign_keys=ON", rc == HW_OK ? e : NULL) != HW_OK && rc == HW_OK)
        rc = HW_ESTORE;
    return rc;
}

/* ------------------------------------------------------------ dead runs */

/*
 * Every run is begun by a writer holding the lock, and the lock is held
 * until its handle closes: whoever takes the lock knows that no other
 * handle is writing.  A run still 'running' whose process is gone (kill
 * -9, a crash, a power cut; or a run from before runs recorded a pid) is
 * marked 'aborted' at the time it was noticed, with an audit entry, so
 * that no run stays 'running' for ever.  A run of this process, or of a
 * live one that closed its handle, is left to finish.
 */
static int process_gone(sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return 1;
    sqlite3_int64 pid = sqlite3_column_int64(st, col);
    if (pid <= 0 || pid > INT32_MAX)
        return 1;
    if ((pid_t)pid == getpid())
        return 0;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static int abort_dead_runs(hw_store *s, hw_err *e)
{
    sqlite3_stmt *sel = NULL, *upd = NULL;
    char now[32];
    hw_time_iso(hw_now(), now);
    if (hw_store_begin(s, e) != HW_OK)
        return e->kind;
    int rc = HW_OK;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, kind, started_at, pid FROM runs WHERE status = 'running'"
                           " ORDER BY rowid", -1, &sel, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "UPDATE runs SET status = 'aborted', finished_at = ?, summary = ?"
                           " WHERE id = ?", -1, &upd, NULL) != SQLITE_OK) {
        rc = store_fail(s, e, "reading unfinished runs");
        goto out;
    }
    int r;
    while ((r = sqlite3_step(sel)) == SQLITE_ROW) {
        const char *id = store_col(sel, 0);
        if (!process_gone(sel, 3))
            continue;
        char *detail = hw_asprintf("{\"run_id\": \"%s\", \"kind\": \"%s\", \"started_at\": \"%s\","
                                   " \"pid\": %lld, \"noticed_at\": \"%s\", \"noticed_by_pid\": %ld}",
                                   id, store_col(sel, 1), store_col(sel, 2),
                                   (long long)sqlite3_column_int64(sel, 3), now, (long)getpid());
        if (!detail) {
            rc = hw_err_set(e, HW_ENOMEM, "out of memory");
            goto out;
        }
        sqlite3_reset(upd);
        sqlite3_bind_text(upd, 1, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(upd, 2, detail, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(upd, 3, id, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(upd) != SQLITE_DONE) {
            free(detail);
            rc = store_fail(s, e, "marking a run aborted");
            goto out;
        }
        hw_warn("%s: run %s (%s, started %s) did not finish: its process is gone; marked aborted",
                s->path, id, store_col(sel, 1), store_col(sel, 2));
        rc = hw_store_audit_append(s, id, "hubwarden", "run.aborted", detail, e);
        free(detail);
        if (rc != HW_OK)
            goto out;
    }
    if (r != SQLITE_DONE)
        rc = store_fail(s, e, "reading unfinished runs");
out:
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    if (rc == HW_OK)
        return hw_store_commit(s, e);
    hw_store_rollback(s);
    return rc;
}

/* ------------------------------------------------------------ open/close */

/* The URI a read-only open uses: mode=ro, which never writes the store;
 * and when the store has no -wal and no -shm (no writer of this version
 * has run, or a copy), immutable=1, since a read-only connection would
 * otherwise create them, owned by the reader, in a writable folder, and
 * fail in a read-only one.  malloc'd; NULL when out of memory. */
static char *read_uri(const char *path)
{
    char *wal = hw_asprintf("%s-wal", path), *shm = hw_asprintf("%s-shm", path);
    int live = wal && shm && (hw_file_exists(wal) || hw_file_exists(shm));
    free(wal);
    free(shm);
    hw_buf b = HW_BUF_INIT(0);
    hw_buf_puts(&b, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (*p == '%' || *p == '?' || *p == '#' || *p <= 0x20 || *p >= 0x7f)
            hw_buf_printf(&b, "%%%02X", *p);
        else
            hw_buf_putc(&b, (char)*p);
    }
    hw_buf_puts(&b, live ? "?mode=ro" : "?mode=ro&immutable=1");
    char *out = b.data ? strdup(hw_buf_str(&b)) : NULL;
    hw_buf_free(&b);
    return out;
}

/* Process-wide sqlite settings, before its first use: no memory-usage
 * statistics (nothing here reads them, and keeping them takes a lock and
 * bookkeeping on every allocation: a sixth of an insert's instructions),
 * and no mutexes around a connection, which is only ever used by the
 * thread that opened it.  Refused harmlessly once sqlite is initialised. */
static void sqlite_setup(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
}

int hw_store_open(const char *path, int mode, int lock_timeout_ms, hw_store **out, hw_err *e)
{
    *out = NULL;
    sqlite_setup();
    hw_store *s = calloc(1, sizeof *s);
    if (!s)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    s->lock_fd = -1;
    s->mode = mode;
    s->path = strdup(path);
    if (!s->path) {
        free(s);
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    }
    int rc;
    char *file = NULL;
    if (mode == HW_STORE_READ && !hw_file_exists(path)) {
        rc = hw_err_set(e, HW_ENOTFOUND, "%s: no evidence store here (run 'hubwarden scan' or 'import' first)",
                        path);
        goto fail;
    }
    if ((rc = resolve_path(path, &file, e)) != HW_OK)
        goto fail;
    /* A second name of the file (a hard link) in another folder would meet
     * another lock beside it, and sqlite would keep another -wal and -shm
     * beside it: two writers, and a reader blind to the other name's WAL.
     * A store has one name. */
    struct stat fst;
    if (stat(file, &fst) == 0 && S_ISREG(fst.st_mode) && fst.st_nlink > 1) {
        rc = hw_err_set(e, HW_EINVAL,
                        "%s: the store file has %lu names (hard links); refusing to open it, "
                        "since each name would get its own lock and write-ahead log "
                        "(remove the other names, or use a symbolic link)",
                        path, (unsigned long)fst.st_nlink);
        goto fail;
    }
    if (mode == HW_STORE_WRITE) {
        mode_t fmode = store_mode(file);
        if ((rc = take_lock(s, file, fmode, lock_timeout_ms, e)) != HW_OK ||
            (rc = prepare_files(file, fmode, e)) != HW_OK)
            goto fail;
    }
    int flags = mode == HW_STORE_WRITE ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                       : SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
    /* a reader never creates or takes over a file: read-only, and
     * immutable when no writer left WAL files (read_uri) */
    char *uri = NULL;
    if (mode != HW_STORE_WRITE && !(uri = read_uri(file))) {
        rc = hw_err_set(e, HW_ENOMEM, "out of memory");
        goto fail;
    }
    int orc = sqlite3_open_v2(uri ? uri : file, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
    free(uri);
    if (orc != SQLITE_OK) {
        rc = hw_err_set(e, HW_ESTORE, "%s: %s", path, s->db ? sqlite3_errmsg(s->db) : "cannot open");
        goto fail;
    }
    if (mode == HW_STORE_WRITE) {
        /* keep -wal and -shm after the last writer closes, so that a
         * reader of another Unix user finds them and never creates them */
        int persist = 1;
        sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    }
    sqlite3_busy_timeout(s->db, 10000);
    sqlite3_extended_result_codes(s->db, 1);
    /* page_size only takes effect on a new, empty file (before WAL) */
    const char *pragmas = mode == HW_STORE_WRITE
                              ? "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                                "PRAGMA foreign_keys=ON; PRAGMA cache_size=-32000;"
                                "PRAGMA temp_store=MEMORY;"
                              : "PRAGMA foreign_keys=ON; PRAGMA cache_size=-16000;";
    if ((rc = store_exec(s, pragmas, e)) != HW_OK)
        goto fail;
    /* a file that is not a sqlite database fails here, with its name */
    if ((rc = migrate(s, e)) != HW_OK)
        goto fail;
    if ((rc = store_zstd_init(s, e)) != HW_OK)
        goto fail;
    if (mode == HW_STORE_WRITE && (rc = abort_dead_runs(s, e)) != HW_OK)
        goto fail;
    free(file);
    *out = s;
    return HW_OK;
fail:
    free(file);
    hw_store_close(s);
    return rc;
}

void hw_store_close(hw_store *s)
{
    if (!s)
        return;
    if (s->in_tx)
        hw_store_rollback(s);
    for (size_t i = 0; i < HW_ARRAY_LEN(s->st); i++)
        sqlite3_finalize(s->st[i]);
    store_zstd_free(s);
    for (size_t i = 0; i < s->nproducts; i++)
        free(s->products[i].arn);
    EVP_MD_CTX_free(s->md_ctx);
    EVP_MD_free(s->sha256);
    if (s->db)
        sqlite3_close_v2(s->db);
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* releases the fcntl lock */
    free(s->path);
    free(s);
}

int hw_store_cache_size(hw_store *s, int64_t size, int64_t *prev, hw_err *e)
{
    if (prev) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(s->db, "PRAGMA cache_size", -1, &st, NULL) != SQLITE_OK ||
            sqlite3_step(st) != SQLITE_ROW) {
            sqlite3_finalize(st);
            return store_fail(s, e, "reading the cache size");
        }
        *prev = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA cache_size=%lld", (long long)size);
    return store_exec(s, sql, e);
}

int hw_store_begin(hw_store *s, hw_err *e)
{
    if (s->in_tx)
        return hw_err_set(e, HW_EINTERNAL, "store: nested transaction");
    if (store_exec(s, "BEGIN IMMEDIATE", e) != HW_OK)
        return e->kind;
    s->in_tx = 1;
    return HW_OK;
}

int hw_store_commit(hw_store *s, hw_err *e)
{
    if (!s->in_tx)
        return HW_OK;
    s->in_tx = 0;
    if (store_exec(s, "COMMIT", e) != HW_OK) {
        store_exec(s, "ROLLBACK", NULL);
        store_zstd_rollback(s);
        return e->kind;
    }
    store_zstd_commit(s);
    return HW_OK;
}

void hw_store_rollback(hw_store *s)
{
    if (!s->in_tx)
        return;
    s->in_tx = 0;
    store_exec(s, "ROLLBACK", NULL);
    store_zstd_rollback(s);
}

/* ------------------------------------------------------------------ runs */

int hw_store_run_begin(hw_store *s, const char *kind, char run_id[64], hw_err *e)
{
    unsigned char rnd[4];
    if (RAND_bytes(rnd, sizeof rnd) != 1)
        return hw_err_set(e, HW_EINTERNAL, "no random bytes for a run id");
    time_t now = (time_t)hw_now();
    struct tm tm;
    gmtime_r(&now, &tm);
    char ts[32], started[32];
    strftime(ts, sizeof ts, "%Y%m%dT%H%M%SZ", &tm);
    hw_time_iso(now, started);
    snprintf(run_id, 64, "%s-%02x%02x%02x%02x", ts, rnd[0], rnd[1], rnd[2], rnd[3]);
    sqlite3_stmt **st = &s->st[ST_RUN_BEGIN];
    if (store_prepare(s, st, "INSERT INTO runs(id, kind, started_at, pid) VALUES (?, ?, ?, ?)",
                      e) != HW_OK)
        return e->kind;
    sqlite3_bind_text(*st, 1, run_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(*st, 2, kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(*st, 3, started, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(*st, 4, (sqlite3_int64)getpid());
    if (sqlite3_step(*st) != SQLITE_DONE)
        return store_fail(s, e, "starting a run");
    return HW_OK;
}

int hw_store_run_finish(hw_store *s, const char *run_id, const char *status,
                        const char *summary, hw_err *e)
{
    char ts[32];
    hw_time_iso(hw_now(), ts);
    sqlite3_stmt **st = &s->st[ST_RUN_FINISH];
    if (store_prepare(s, st,
                      "UPDATE runs SET finished_at = ?, status = ?, summary = ?,"
                      " audit_seq = (SELECT max(seq) FROM audit_log),"
                      " audit_head = (SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1)"
                      " WHERE id = ?",
                      e) != HW_OK)
        return e->kind;
    sqlite3_bind_text(*st, 1, ts, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(*st, 2, status, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(*st, 3, summary ? summary : "{}", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(*st, 4, run_id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(*st);
    if (rc != SQLITE_DONE && sqlite3_get_autocommit(s->db)) {
        /* a full disk (or file size limit) that failed a batch may have
         * left the WAL at its largest: copy its committed frames into the
         * database, empty it, and try once more, so that the run records
         * what was committed */
        int ec = sqlite3_extended_errcode(s->db) & 0xff;
        sqlite3_reset(*st);
        if ((ec == SQLITE_FULL || ec == SQLITE_IOERR) &&
            sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) ==
                SQLITE_OK)
            rc = sqlite3_step(*st);
    }
    if (rc != SQLITE_DONE)
        return store_fail(s, e, "finishing a run");
    return HW_OK;
}

int hw_store_run_anchor(hw_store *s, const char *run_id, int64_t *seq, char hash[65], hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE runs SET audit_seq = (SELECT max(seq) FROM audit_log),"
                           " audit_head = (SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1)"
                           " WHERE id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "anchoring the audit log");
    sqlite3_bind_text(st, 1, run_id, -1, SQLITE_TRANSIENT);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    if (r != SQLITE_DONE)
        return store_fail(s, e, "anchoring the audit log");
    return hw_store_audit_head(s, seq, hash, e);
}

int hw_store_last_run(hw_store *s, const char *kind, char run_id[64], hw_err *e)
{
    sqlite3_stmt *st = NULL;
    run_id[0] = '\0';
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id FROM runs WHERE kind = ? AND status IN ('ok','partial')"
                           " ORDER BY started_at DESC, rowid DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading runs");
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(run_id, 64, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return HW_OK;
}

int hw_store_watermark_get(hw_store *s, const char *source, int64_t *t, hw_err *e)
{
    sqlite3_stmt **st = &s->st[ST_WM_GET];
    if (store_prepare(s, st, "SELECT updated_at FROM watermarks WHERE source = ?", e) != HW_OK)
        return e->kind;
    sqlite3_bind_text(*st, 1, source, -1, SQLITE_TRANSIENT);
    int r = sqlite3_step(*st);
    *t = r == SQLITE_ROW ? sqlite3_column_int64(*st, 0) : -1;
    sqlite3_reset(*st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return store_fail(s, e, "reading a watermark");
    return HW_OK;
}

int hw_store_watermark_set(hw_store *s, const char *source, int64_t t, const char *run_id,
                           hw_err *e)
{
    sqlite3_stmt **st = &s->st[ST_WM_SET];
    if (store_prepare(s, st,
                      "INSERT INTO watermarks(source, updated_at, run_id) VALUES (?, ?, ?)"
                      " ON CONFLICT(source) DO UPDATE SET updated_at = excluded.updated_at,"
                      " run_id = excluded.run_id",
                      e) != HW_OK)
        return e->kind;
    sqlite3_bind_text(*st, 1, source, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(*st, 2, t);
    sqlite3_bind_text(*st, 3, run_id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(*st) != SQLITE_DONE)
        return store_fail(s, e, "setting a watermark");
    return HW_OK;
}

/* -------------------------------------------------------------- accounts */

int hw_store_account_upsert(hw_store *s, const hw_account_row *a, const char *run_id,
                            hw_err *e)
{
    sqlite3_stmt **st = &s->st[ST_ACCOUNT_UPSERT];
    if (store_prepare(s, st,
                      "INSERT INTO accounts(id, name, email, status, ou_path, ou_names, in_org, last_run)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
                      " name = excluded.name, email = excluded.email, status = excluded.status,"
                      " ou_path = excluded.ou_path, ou_names = excluded.ou_names,"
                      " in_org = excluded.in_org, last_run = excluded.last_run",
                      e) != HW_OK)
        return e->kind;
    sqlite3_bind_text(*st, 1, a->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(*st, 2, a->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(*st, 3, a->email, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(*st, 4, a->status, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(*st, 5, a->ou_path, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(*st, 6, a->ou_names, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(*st, 7, a->in_org);
    sqlite3_bind_text(*st, 8, run_id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(*st) != SQLITE_DONE)
        return store_fail(s, e, "saving an account");
    return HW_OK;
}

int hw_store_accounts_reset_membership(hw_store *s, hw_err *e)
{
    return store_exec(s, "UPDATE accounts SET in_org = 0", e);
}

static const char *col(sqlite3_stmt *st, int i);

int hw_store_organization_set(hw_store *s, const char *id, const char *arn,
                              const char *management_account, const char *run_id, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO organization(id, arn, management_account, seen_at, run_id)"
                           " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(id) DO UPDATE SET"
                           " arn = excluded.arn, management_account = excluded.management_account,"
                           " seen_at = excluded.seen_at, run_id = excluded.run_id",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "saving the Organization");
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, arn ? arn : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, management_account ? management_account : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, hw_now());
    sqlite3_bind_text(st, 5, run_id, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    return r == SQLITE_DONE ? HW_OK : store_fail(s, e, "saving the Organization");
}

int hw_store_organization_id(hw_store *s, char *out, size_t n, hw_err *e)
{
    if (n)
        out[0] = '\0';
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id FROM organization ORDER BY seen_at DESC, rowid DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading the Organization");
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW && n)
        snprintf(out, n, "%s", col(st, 0));
    sqlite3_finalize(st);
    return r == SQLITE_ROW || r == SQLITE_DONE ? HW_OK : store_fail(s, e, "reading the Organization");
}

static const char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

int hw_store_accounts(hw_store *s, int (*cb)(void *arg, const hw_account_row *a), void *arg,
                      hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, name, email, status, ou_path, ou_names, in_org FROM accounts"
                           " ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading accounts");
    int r, cr = 0;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hw_account_row a = { col(st, 0), col(st, 1), col(st, 2), col(st, 3),
                             col(st, 4), col(st, 5), sqlite3_column_int(st, 6) };
        cr = cb(arg, &a);
        if (cr)
            break;
    }
    int rc = r == SQLITE_DONE  ? HW_OK
             : r == SQLITE_ROW ? store_cb_fail(s, e, "reading accounts", cr)
                               : store_fail(s, e, "reading accounts");
    sqlite3_finalize(st);
    return rc;
}

const char *store_col(sqlite3_stmt *st, int i)
{
    return col(st, i);
}

const char *store_col_null(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

int64_t store_col_ms(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, i);
}
