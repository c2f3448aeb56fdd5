/*
 * store_undo.h - SQL that takes a store written by this hubwarden back to
 * an older schema, newest migration first, so that the migration tests
 * can reopen it and watch the migrations run again.  Append the undo of
 * each new migration here (and use it in every downgrading test).
 */
#ifndef HW_TEST_STORE_UNDO_H
#define HW_TEST_STORE_UNDO_H

/* 13: approvals without the caller's AWS identity;
 * IP blocks in network ACLs only */
#define HW_UNDO_13                                                                   \
    "ALTER TABLE approvals DROP COLUMN caller_arn;"                                  \
    "ALTER TABLE ip_blocks DROP COLUMN ip_set_arn;"

/* 12: the Organization's id is not recorded */
#define HW_UNDO_12 "DROP TABLE organization;"

/* 11: no run steps; runs without exit status and catalogue */
#define HW_UNDO_11                                                                        \
    "DROP TABLE run_steps; ALTER TABLE runs DROP COLUMN exit_status;"                     \
    "ALTER TABLE runs DROP COLUMN catalog_dir; ALTER TABLE runs DROP COLUMN catalog_sha256;"

/* 10: no deny list of the malicious-ip playbook */
#define HW_UNDO_10 "DROP INDEX ip_blocks_open; DROP TABLE ip_blocks;"

/* 9: control evidence stored once; eval_intervals a table again, with
 * the whole evidence the view puts together */
#define HW_UNDO_9                                                                            \
    "CREATE TABLE e8 (id INTEGER PRIMARY KEY, framework TEXT NOT NULL,"                      \
    " requirement TEXT NOT NULL, account_id TEXT NOT NULL, status TEXT NOT NULL CHECK"       \
    " (status IN ('PASSED','FAILED','NOT_APPLICABLE','NO_DATA','MANUAL','EXCEPTION',"        \
    " 'PARTIAL','SUPPRESSED')), digest INTEGER NOT NULL, evidence TEXT NOT NULL,"            \
    " from_seq INTEGER NOT NULL REFERENCES eval_runs(seq), to_seq INTEGER);"                 \
    "INSERT INTO e8 SELECT id, framework, requirement, account_id, status, digest, evidence," \
    " from_seq, to_seq FROM eval_intervals;"                                                 \
    "DROP VIEW evaluations; DROP VIEW eval_intervals; DROP TABLE eval_interval_rows;"        \
    "DROP TABLE eval_interval_evidence5; DROP TABLE eval_control_evidence;"                  \
    "ALTER TABLE e8 RENAME TO eval_intervals;"                                               \
    "CREATE UNIQUE INDEX eval_intervals_open ON eval_intervals(account_id, framework,"      \
    " requirement) WHERE to_seq IS NULL;"                                                    \
    "CREATE INDEX eval_intervals_digest ON eval_intervals(account_id, framework, requirement," \
    " digest) WHERE to_seq IS NULL;"                                                         \
    "CREATE INDEX eval_intervals_closed ON eval_intervals(to_seq) WHERE to_seq IS NOT NULL;" \
    "CREATE VIEW evaluations AS SELECT r.run_id AS run_id, i.framework AS framework,"        \
    " i.requirement AS requirement, i.account_id AS account_id, i.status AS status,"         \
    " i.evidence AS evidence FROM eval_runs r JOIN eval_intervals i ON i.from_seq <= r.seq"   \
    " AND (i.to_seq IS NULL OR i.to_seq > r.seq) WHERE r.pruned = 0 UNION ALL SELECT run_id," \
    " framework, requirement, account_id, status, evidence FROM evaluations_legacy;"

/* 8: exceptions by account and control only; runs without the audit head */
#define HW_UNDO_8                                                                       \
    "DROP INDEX exceptions_account;"                                                    \
    "ALTER TABLE exceptions DROP COLUMN finding_id;"                                    \
    "ALTER TABLE exceptions DROP COLUMN resource;"                                      \
    "ALTER TABLE exceptions DROP COLUMN revoked_at;"                                    \
    "ALTER TABLE exceptions DROP COLUMN revoked_by;"                                    \
    "ALTER TABLE exceptions DROP COLUMN expiry_logged;"                                 \
    "ALTER TABLE runs DROP COLUMN audit_seq; ALTER TABLE runs DROP COLUMN audit_head;"

/* 7: runs without a pid, and without the 'aborted' status (run with
 * foreign keys off, in a transaction) */
#define HW_UNDO_7                                                                        \
    "CREATE TABLE r6 (id TEXT PRIMARY KEY, kind TEXT NOT NULL,"                          \
    " started_at TEXT NOT NULL, finished_at TEXT,"                                       \
    " status TEXT NOT NULL DEFAULT 'running' CHECK (status IN"                           \
    " ('running','ok','partial','failed')), summary TEXT);"                              \
    "INSERT INTO r6 SELECT id, kind, started_at, finished_at, status, summary FROM runs;" \
    "DROP TABLE runs; ALTER TABLE r6 RENAME TO runs;"

/* 6: remediation plans */
#define HW_UNDO_6                                                                       \
    "DROP TABLE plan_skips; DROP INDEX actions_run; DROP INDEX actions_state;"          \
    "ALTER TABLE actions DROP COLUMN mode; ALTER TABLE actions DROP COLUMN reason;"     \
    "ALTER TABLE actions DROP COLUMN calls; ALTER TABLE actions DROP COLUMN finding_id;" \
    "ALTER TABLE actions DROP COLUMN product_arn;"                                      \
    "ALTER TABLE actions DROP COLUMN finding_updated_at;"                               \
    "ALTER TABLE actions DROP COLUMN workflow; ALTER TABLE approvals DROP COLUMN decision;"

/* 5: evaluation intervals, resource counts, the audit log's format */
#define HW_UNDO_5                                                                          \
    "DROP VIEW evaluations; DROP TABLE eval_intervals; DROP TABLE eval_runs;"              \
    "DROP TABLE resource_counts; ALTER TABLE evaluations_legacy RENAME TO evaluations;"    \
    "DROP INDEX findings_evaluation; CREATE INDEX findings_evidence ON"                    \
    " findings(account_id, control_id) WHERE trusted = 1 AND record_state = 'ACTIVE';"     \
    "ALTER TABLE audit_log DROP COLUMN format;"

#endif
