/*
 * store_undo.h - SQL that takes a store written by this hubwarden back to
 * an older schema, newest migration first, so that the migration tests
 * can reopen it and watch the migrations run again.  Append the undo of
 * each new migration here (and use it in every downgrading test).
 */
#ifndef HW_TEST_STORE_UNDO_H
#define HW_TEST_STORE_UNDO_H

/* 8: no deny list of the malicious-ip playbook */
#define HW_UNDO_8 "DROP INDEX ip_blocks_open; DROP TABLE ip_blocks;"

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
