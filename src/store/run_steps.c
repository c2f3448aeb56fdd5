/*
 * run_steps.c - what `hubwarden run` records of itself beside the runs
 * row: one row per step (status, counts, the run it made), the exit
 * status and the catalogue used (migration 11).
 */
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"

int hw_store_run_step(hw_store *s, const char *run_id, int seq, const hw_run_step *step,
                      hw_err *e)
{
    char started[32], finished[32];
    hw_time_iso(step->started, started);
    hw_time_iso(hw_now(), finished);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO run_steps(run_id, seq, step, status, started_at,"
                           " finished_at, counts, detail, child_run)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "recording a step of a run");
    sqlite3_bind_text(st, 1, run_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, seq);
    sqlite3_bind_text(st, 3, step->step, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, step->status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, started, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, finished, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, step->counts ? step->counts : "{}", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, step->detail ? step->detail : "", -1, SQLITE_STATIC);
    if (step->child_run && *step->child_run)
        sqlite3_bind_text(st, 9, step->child_run, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 9);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    return r == SQLITE_DONE ? HW_OK : store_fail(s, e, "recording a step of a run");
}

/* UPDATE runs SET <sql> WHERE id = run_id, with text (or int when text
 * is NULL) bound first. */
static int run_update(hw_store *s, const char *sql, const char *run_id, const char *a,
                      const char *b, int n, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "updating a run");
    if (a) {
        sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_int(st, 1, n);
        sqlite3_bind_null(st, 2);
    }
    sqlite3_bind_text(st, 3, run_id, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    return r == SQLITE_DONE ? HW_OK : store_fail(s, e, "updating a run");
}

int hw_store_run_catalog(hw_store *s, const char *run_id, const char *dir, const char *sha256,
                         hw_err *e)
{
    return run_update(s, "UPDATE runs SET catalog_dir = ?1, catalog_sha256 = nullif(?2, '')"
                         " WHERE id = ?3",
                      run_id, dir ? dir : "", sha256 ? sha256 : "", 0, e);
}

int hw_store_run_exit(hw_store *s, const char *run_id, int exit_status, hw_err *e)
{
    return run_update(s, "UPDATE runs SET exit_status = ?1 WHERE id = ?3 AND exit_status IS NULL",
                      run_id, NULL, NULL, exit_status, e);
}
