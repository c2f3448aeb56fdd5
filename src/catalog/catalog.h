/*
 * catalog.h - the control catalogue and the framework definitions in
 * controls/, loaded and checked.
 *
 * controls/securityhub-controls.xml lists the Security Hub controls;
 * controls/frameworks/NAME.xml one framework version each, its requirements
 * and the controls that evidence them (or a manual marker).  Every file is
 * validated against controls/controls.xsd, then checked for what a schema
 * cannot say (unknown control ids, duplicates); every error names the file
 * and line.
 *
 * Ownership: hw_catalog_load() returns a catalogue freed by
 * hw_catalog_free(); every pointer inside belongs to it.
 */
#ifndef HW_CATALOG_H
#define HW_CATALOG_H

#include <stddef.h>
#include <stdio.h>

#include "util/util.h"

typedef struct hw_related {
    const char *framework;   /* e.g. "cis-aws-3.0.0" */
    const char *requirement; /* e.g. "2.1.4" */
} hw_related;

typedef struct hw_control {
    const char *id;            /* "S3.8" */
    const char *title;
    const char *severity;      /* CRITICAL ... INFORMATIONAL, or UNKNOWN */
    const char *resource_type; /* "AWS::S3::Bucket", or "" */
    const char *remediation;   /* hubwarden action name, or NULL */
    const char *source;
    hw_related *related;
    size_t nrelated;
    int line;
} hw_control;

typedef struct hw_requirement {
    const char *id;
    const char *title;
    int manual;
    const char *manual_reason;
    const hw_control **controls;
    size_t ncontrols;
    int line;
} hw_requirement;

typedef struct hw_framework {
    const char *id;      /* "cis-aws-3.0.0" */
    const char *name;    /* "CIS AWS Foundations Benchmark" */
    const char *version; /* "3.0.0" */
    const char *source;
    const char *caveat;
    hw_requirement *requirements;
    size_t nrequirements;
    const char *file;
} hw_framework;

typedef struct hw_catalog {
    hw_control *controls; /* sorted by id */
    size_t ncontrols;
    hw_framework *frameworks; /* sorted by id */
    size_t nframeworks;
    void *priv;
} hw_catalog;

typedef struct hw_coverage {
    size_t requirements, automated, manual, unmapped;
} hw_coverage;

/* Loads dir/securityhub-controls.xml and every dir/frameworks/NAME.xml, each
 * validated against dir/controls.xsd. */
int hw_catalog_load(const char *dir, hw_catalog **out, hw_err *e);
void hw_catalog_free(hw_catalog *c);
/* The default folder: $HUBWARDEN_CONTROLS, ./controls when present, else
 * the installed one (HW_DATADIR/controls). */
const char *hw_catalog_default_dir(void);

const hw_control *hw_catalog_control(const hw_catalog *c, const char *id);
const hw_framework *hw_catalog_framework(const hw_catalog *c, const char *id);
hw_coverage hw_catalog_coverage(const hw_framework *f);

#endif
