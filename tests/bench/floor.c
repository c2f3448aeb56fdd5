/*
 * floor.c - `make bench`: where an import's time goes, and how fast each
 * storing stage can be on this machine on its own.
 *
 *   1. the import's own pipeline (reader, parser, checks, store) over
 *      FILE, with the time spent inside the store sink taken apart from
 *      the rest: the store's rate and the reading-and-checking rate;
 *   2. zstd alone: the first findings of FILE compressed as the store
 *      compresses them (level 1, a 64 KB dictionary trained on 1,000
 *      findings, referenced in place), nothing else;
 *   3. sqlite alone: N rows of the store's own schema (a store opened by
 *      hw_store_open) inserted with the store's statement, random keys and
 *      a constant blob of the average compressed size: no parsing, hashing
 *      or compression; then N rows of only a unique random key and the
 *      blob, the least any store that finds a finding by its key can write.
 *
 * The sum of the three stages' times per finding is a floor for the
 * import as built (reading + compressing + inserting); with the least row
 * in place of the store's, a floor for any row-per-finding sqlite store.
 *
 * usage: store_floor FILE N DBPATH
 */
#define ZSTD_STATIC_LINKING_ONLY
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zdict.h>
#include <zstd.h>

#include "catalog/catalog.h"
#include "scan/finding.h"
#include "scan/reader.h"
#include "scan/ingest.h"
#include "scan/sink.h"
#include "store/store_int.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void remove_store(const char *path)
{
    char p[4096];
    const char *suffix[] = { "", "-wal", "-shm", ".lock" };
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        unlink(p);
    }
}

static void die(const char *what, const hw_err *e)
{
    fprintf(stderr, "store_floor: %s: %s\n", what, e ? e->msg : "failed");
    exit(1);
}

/* ------------------------------------------------------- 1: the pipeline */

static double sink_s;

static int timed_sink(void *ctx, const hw_finding *f, const char *raw, size_t rawlen,
                      int *outcome, hw_err *e)
{
    double t = now();
    int rc = hw_sink_store(ctx, f, raw, rawlen, outcome, e);
    sink_s += now() - t;
    return rc;
}

static double pipeline(const char *file, const char *db)
{
    hw_err e;
    hw_err_clear(&e);
    hw_catalog *cat = NULL;
    if (hw_catalog_load("controls", &cat, &e) != HW_OK)
        die("controls", &e);
    remove_store(db);
    hw_store *s = NULL;
    char run_id[64];
    hw_orgset org;
    memset(&org, 0, sizeof org);
    if (hw_store_open(db, HW_STORE_WRITE, 1000, &s, &e) != HW_OK ||
        hw_store_run_begin(s, "import", run_id, &e) != HW_OK || hw_orgset_load(s, &org, &e) != HW_OK)
        die(db, &e);
    hw_store_sink sink = { .store = s, .run_id = run_id, .batch_size = 50000 };
    hw_ingest in;
    hw_ingest_init(&in, &org, timed_sink, &sink);
    in.catalog = cat;
    in.source = file;
    double t = now();
    if (hw_reader_run(file, hw_ingest_take, hw_ingest_reader_cb, &in, &e) != HW_OK)
        die(file, &e);
    double c = now();
    if (in.failed || hw_sink_commit(&sink, &e) != HW_OK)
        die("store", in.failed ? &in.err : &e);
    sink_s += now() - c;
    double wall = now() - t;
    double n = (double)in.stats.seen;
    printf("  the import's own pipeline, %.0f findings: %.0f findings/s; inside the store "
           "%.0f%% of the time\n",
           n, n / wall, 100.0 * sink_s / wall);
    printf("    reading and checking  %6.2f us/finding = %8.0f findings/s\n",
           (wall - sink_s) / n * 1e6, n / (wall - sink_s));
    printf("    storing               %6.2f us/finding = %8.0f findings/s"
           " (key, compression, sqlite)\n",
           sink_s / n * 1e6, n / sink_s);
    hw_ingest_free(&in);
    hw_orgset_free(&org);
    hw_store_close(s);
    hw_catalog_free(cat);
    remove_store(db);
    return (wall - sink_s) / n;
}

/* ------------------------------------------------------- 2: zstd alone */

static double zstd_alone(const char *file, size_t want, size_t *avg_out)
{
    FILE *f = fopen(file, "rb");
    if (!f)
        die(file, NULL);
    size_t cap = 1 << 20, len = 0, n = 0;
    char *data = malloc(cap);
    size_t *sizes = malloc(want * sizeof *sizes);
    char *line = NULL;
    size_t lcap = 0;
    ssize_t got;
    while (n < want && (got = getline(&line, &lcap, f)) > 1) {
        size_t l = (size_t)got - 1;
        while (len + l > cap)
            data = realloc(data, cap *= 2);
        memcpy(data + len, line, l);
        len += l;
        sizes[n++] = l;
    }
    free(line);
    fclose(f);
    if (n < 1000)
        die("zstd: fewer than 1,000 findings", NULL);
    size_t dcap = 64 * 1024;
    void *dict = malloc(dcap);
    size_t dlen = ZDICT_trainFromBuffer(dict, dcap, data, sizes, 1000);
    if (ZDICT_isError(dlen))
        die("zstd: no dictionary", NULL);
    ZSTD_CDict *cd = ZSTD_createCDict(dict, dlen, 1);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_CCtx_refCDict(cc, cd);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_forceAttachDict, ZSTD_dictForceAttach);
    size_t obound = ZSTD_compressBound(512 * 1024);
    char *out = malloc(obound);
    size_t total = 0, off = 0;
    double t = now();
    for (size_t i = 0; i < n; i++) {
        size_t z = ZSTD_compress2(cc, out, obound, data + off, sizes[i]);
        if (ZSTD_isError(z))
            die("zstd", NULL);
        total += z;
        off += sizes[i];
    }
    double dt = now() - t;
    *avg_out = total / n;
    printf("  zstd alone, %zu findings of %zu bytes on average: %6.2f us/finding = %8.0f "
           "findings/s (%zu bytes each compressed)\n",
           n, len / n, dt / (double)n * 1e6, (double)n / dt, total / n);
    ZSTD_freeCCtx(cc);
    ZSTD_freeCDict(cd);
    free(out);
    free(dict);
    free(sizes);
    free(data);
    return dt / (double)n;
}

/* ------------------------------------------------------ 3: sqlite alone */

/* The store's statement, and the least row any store that finds a
 * finding by its key must write: a unique random key and the blob. */
static const char *const insert_sql[2] = {
    "INSERT INTO findings(key, id, product_id, account_id, region, control_id,"
    " severity, compliance_status, workflow_status, record_state,"
    " resource_type, resources, first_observed, last_observed, created_at,"
    " updated_at, trusted, untrusted_reason, first_run, last_run, zdict,"
    " rawlen, raw) VALUES (?1, ?14, 1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
    " ?12, ?12, ?12, ?12, 0, ?13, 'floor', 'floor', 0, 2400, ?2)"
    " ON CONFLICT (key) DO NOTHING",
    "INSERT INTO floor_least(key, raw) VALUES (?1, ?2)",
};

/* n rows into a fresh store (hw_store_open: the store's schema and
 * pragmas), random keys, a blob of blob_len; least: the key-and-blob
 * table instead of the store's findings. */
static double sqlite_alone(const char *db, size_t n, size_t blob_len, int least)
{
    hw_err e;
    hw_err_clear(&e);
    remove_store(db);
    hw_store *s = NULL;
    if (hw_store_open(db, HW_STORE_WRITE, 1000, &s, &e) != HW_OK)
        die(db, &e);
    sqlite3 *d = s->db;
    sqlite3_stmt *st = NULL;
    if (sqlite3_exec(d, least ? "CREATE TABLE floor_least (rowid INTEGER PRIMARY KEY,"
                                " key INTEGER NOT NULL UNIQUE, raw BLOB NOT NULL)"
                              : "INSERT INTO products(id, arn, name) VALUES (1,"
                                " 'arn:aws:securityhub:eu-west-1::product/aws/securityhub',"
                                " 'Security Hub');"
                                "INSERT INTO runs(id, kind, started_at)"
                                " VALUES ('floor', 'import', 'now')",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(d, insert_sql[least], -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "store_floor: %s\n", sqlite3_errmsg(d));
        exit(1);
    }
    unsigned char *blob = malloc(blob_len);
    uint64_t x = 88172645463325252ull;
    char id[160];
    double t = now();
    sqlite3_exec(d, "BEGIN", NULL, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        for (size_t b = 0; b < blob_len; b++)
            blob[b] = (unsigned char)(x >> (b % 8 * 8)) ^ (unsigned char)b;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)(x & INT64_MAX));
        sqlite3_bind_blob(st, 2, blob, (int)blob_len, SQLITE_STATIC);
        if (!least) {
            snprintf(id, sizeof id,
                     "arn:aws:securityhub:eu-west-1:222222222222:security-control/S3.8/finding/"
                     "%016llx-4b9d-aec6-59ab8c3edea2",
                     (unsigned long long)x);
            static const char *const text[] = {
                "222222222222", "eu-west-1", "S3.8", "HIGH", "FAILED", "NEW", "ACTIVE",
                "AwsS3Bucket", "[\"arn:aws:s3:::bucket-bc4d7e8870\"]",
            };
            for (int k = 0; k < 9; k++)
                sqlite3_bind_text(st, 3 + k, text[k], -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 12, 1760000000 + (sqlite3_int64)i);
            sqlite3_bind_text(st, 13, "account 222222222222 is not in the Organization", -1,
                              SQLITE_STATIC);
            sqlite3_bind_text(st, 14, id, -1, SQLITE_STATIC);
        }
        if (sqlite3_step(st) != SQLITE_DONE) {
            fprintf(stderr, "store_floor: %s\n", sqlite3_errmsg(d));
            exit(1);
        }
        sqlite3_reset(st);
        if (i % 50000 == 49999)
            sqlite3_exec(d, "COMMIT; BEGIN", NULL, NULL, NULL);
    }
    sqlite3_exec(d, "COMMIT", NULL, NULL, NULL);
    double dt = now() - t;
    printf("  sqlite alone, %zu rows of %s: %6.2f us/row = %8.0f rows/s\n", n,
           least ? "only a key and the blob" : "the store's schema", dt / (double)n * 1e6,
           (double)n / dt);
    sqlite3_finalize(st);
    free(blob);
    hw_store_close(s);
    remove_store(db);
    return dt / (double)n;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: store_floor FILE N DBPATH\n");
        return 2;
    }
    hw_log_init(HW_LOG_ERROR, 0);
    size_t n = strtoul(argv[2], NULL, 10);
    double r = pipeline(argv[1], argv[3]);
    size_t avg = 0;
    double z = zstd_alone(argv[1], n < 50000 ? n : 50000, &avg);
    double q = sqlite_alone(argv[3], n, avg, 0);
    double m = sqlite_alone(argv[3], n, avg, 1);
    printf("  floor of an import as built: reading %.2f + zstd %.2f + sqlite %.2f = %.2f "
           "us/finding = %.0f findings/s\n",
           r * 1e6, z * 1e6, q * 1e6, (r + z + q) * 1e6, 1.0 / (r + z + q));
    printf("  floor with the least row (key and blob): %.2f us/finding = %.0f findings/s\n",
           (r + z + m) * 1e6, 1.0 / (r + z + m));
    return 0;
}
