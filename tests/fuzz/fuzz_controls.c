/*
 * fuzz_controls.c - libFuzzer target: the controls loader
 * (hw_catalog_load) on any bytes.
 *
 * The input is split at NUL bytes into up to three files of a catalogue
 * folder: securityhub-controls.xml, frameworks/cis-aws-3.0.0.xml and
 * standard-control-ids.xml (a part left out is no file), beside the real
 * controls.xsd (from $HW_FUZZ_CONTROLS, else ./controls).  Besides no
 * crash, leak or undefined behaviour: a catalogue it accepts finds each
 * of its controls by id, and each requirement's controls are its own.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "catalog/catalog.h"

static char dir[64];

static void write_file(const char *name, const uint8_t *p, size_t n)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fwrite(p, 1, n, f);
    fclose(f);
}

static void cleanup(void)
{
    static const char *const names[] = { "securityhub-controls.xml", "frameworks/cis-aws-3.0.0.xml",
                                         "standard-control-ids.xml", "controls.xsd", "frameworks",
                                         "" };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char path[160];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (remove(path) != 0 && i >= 4)
            perror(path);
    }
}

static void setup(void)
{
    if (dir[0])
        return;
    snprintf(dir, sizeof dir, "/tmp/hwfuzzctl.XXXXXX");
    if (!mkdtemp(dir))
        abort();
    atexit(cleanup);
    char sub[96];
    snprintf(sub, sizeof sub, "%s/frameworks", dir);
    mkdir(sub, 0700);
    const char *src = getenv("HW_FUZZ_CONTROLS");
    char xsd[4096];
    snprintf(xsd, sizeof xsd, "%s/controls.xsd", src && *src ? src : "controls");
    hw_buf b = HW_BUF_INIT(0);
    hw_err e;
    if (hw_file_read(xsd, 0, &b, &e) != HW_OK) {
        fprintf(stderr, "fuzz_controls: %s (run from the source tree or set HW_FUZZ_CONTROLS)\n",
                e.msg);
        abort();
    }
    write_file("controls.xsd", (const uint8_t *)b.data, b.len);
    hw_buf_free(&b);
    hw_log_init(-1, 0);
}

static void part(const char *name, const uint8_t *p, size_t n, int present)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (present)
        write_file(name, p, n);
    else
        unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    const uint8_t *parts[3] = { data, NULL, NULL };
    size_t lens[3] = { size, 0, 0 };
    int nparts = 1;
    for (size_t i = 0; i < size && nparts < 3; i++)
        if (data[i] == 0) {
            lens[nparts - 1] = (size_t)(data + i - parts[nparts - 1]);
            parts[nparts] = data + i + 1;
            lens[nparts] = size - i - 1;
            nparts++;
        }
    part("securityhub-controls.xml", parts[0], lens[0], 1);
    part("frameworks/cis-aws-3.0.0.xml", parts[1], lens[1], nparts > 1);
    part("standard-control-ids.xml", parts[2], lens[2], nparts > 2);
    hw_catalog *c = NULL;
    hw_err e;
    hw_err_clear(&e);
    if (hw_catalog_load(dir, &c, &e) == HW_OK) {
        for (size_t i = 0; i < c->ncontrols; i++)
            if (hw_catalog_control(c, c->controls[i].id) != &c->controls[i]) {
                fprintf(stderr, "control %s is not found by its id\n", c->controls[i].id);
                abort();
            }
        for (size_t f = 0; f < c->nframeworks; f++)
            for (size_t r = 0; r < c->frameworks[f].nrequirements; r++) {
                const hw_requirement *q = &c->frameworks[f].requirements[r];
                for (size_t k = 0; k < q->ncontrols; k++)
                    if (hw_catalog_control(c, q->controls[k]->id) != q->controls[k]) {
                        fprintf(stderr, "requirement %s: a control outside the catalogue\n", q->id);
                        abort();
                    }
            }
        hw_catalog_free(c);
    } else if (!e.msg[0]) {
        fprintf(stderr, "an error without a message\n");
        abort();
    }
    return 0;
}
