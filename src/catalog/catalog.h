/*
 * catalog.h - the control catalogue and the framework definitions in
 * controls/, loaded, checked and indexed.  This header is the module's
 * whole contract.
 *
 * controls/securityhub-controls.xml lists the Security Hub controls (a
 * *control* is a Security Hub control id such as "S3.8");
 * controls/frameworks/ID.xml holds one framework version each: its
 * *requirements* and, for each, the controls that evidence it (each link
 * naming its source) or a manual marker with the reason no control can.  Every file is parsed without
 * network access or entity expansion, validated against
 * controls/controls.xsd, then checked for what a schema cannot say
 * (duplicates, unknown control ids, unknown frameworks or requirements in
 * <related>, unknown remediation actions, undeclared link sources, an
 * <unmapped-reason> on a control a framework lists).  Every error names the file and
 * the line.  controls/README.md describes the format.
 *
 * controls/standard-control-ids.xml (optional: without it no standard is
 * known) maps the control ids of Security Hub's standards ("CIS v1.2.0
 * 1.3", "PCI.S3.1") to controls, for findings that carry no consolidated
 * control fields (src/catalog/standard_ids.c).
 *
 * Ownership: hw_catalog_load() returns a catalogue freed by
 * hw_catalog_free(); every pointer reachable from it (strings, arrays,
 * control pointers, lookup results) is borrowed from it and dies with it.
 * A loaded catalogue is never modified, so any number of threads may read
 * it at once.  Lookups never allocate.
 */
#ifndef HW_CATALOG_H
#define HW_CATALOG_H

#include <stddef.h>
#include <stdio.h>

#include "util/util.h"

/* One of Security Hub's own "related requirements" of a control. */
typedef struct hw_related {
    const char *framework;   /* "cis-aws-3.0.0", "nist-800-53-r5" */
    const char *requirement; /* "2.1.4", "AC-3" */
    int line;
} hw_related;

typedef struct hw_control {
    const char *id;            /* "S3.8" */
    const char *title;         /* our short wording */
    const char *severity;      /* CRITICAL HIGH MEDIUM LOW INFORMATIONAL UNKNOWN */
    const char *resource_type; /* "AWS::S3::Bucket"; "" when not known */
    const char *remediation;   /* hubwarden action name, or NULL: none */
    const char *source;        /* where the facts came from */
    const char *unmapped_reason; /* why no framework requirement lists it; NULL: none given */
    const hw_related *related;
    size_t nrelated;
    int line;     /* line of <control> in securityhub-controls.xml */
    size_t index; /* position in hw_catalog.controls */
} hw_control;

typedef struct hw_requirement {
    const char *id; /* "1.4", "164.312(b)", "CC6.1"; unique in its framework */
    const char *title;
    int manual;                /* 1: no control can evidence it */
    const char *manual_reason; /* set when manual */
    const hw_control *const *controls; /* in file order; none when manual */
    const char *const *sources;        /* per control: the id of its link source */
    size_t ncontrols;
    int line;
} hw_requirement;

/* Where a framework file's requirement-control links come from: each
 * <control ref=".." source="ID"/> names one of these, declared by
 * <link-source id="ID"> in the same file. */
typedef struct hw_link_source {
    const char *id;   /* "securityhub", "prowler-powerpipe" */
    const char *text; /* what the source is */
    int line;
} hw_link_source;

/* Lookup indexes of a framework; filled by the loader, read by the
 * functions below.  Not for direct use. */
typedef struct hw_framework_index {
    const hw_requirement *const *by_id; /* requirements sorted by id */
    const size_t *ctl_start;            /* ncontrols + 1 offsets into ctl_reqs */
    const hw_requirement *const *ctl_reqs;
} hw_framework_index;

typedef struct hw_framework {
    const char *id;      /* "cis-aws-3.0.0" */
    const char *name;    /* "CIS AWS Foundations Benchmark" */
    const char *version; /* "3.0.0" */
    const char *source;  /* where the requirements and mappings came from */
    const char *caveat;  /* what a result does not prove; may be NULL */
    const hw_requirement *requirements; /* in file order */
    size_t nrequirements;
    const hw_link_source *link_sources; /* in file order */
    size_t nlink_sources;
    const char *file; /* path it was loaded from */
    hw_framework_index idx;
} hw_framework;

/* A framework Security Hub relates controls to that hubwarden does not
 * model as a file (declared by <external-framework> in the catalogue). */
typedef struct hw_external {
    const char *id; /* "nist-800-53-r5" */
    const char *name;
} hw_external;

/* How a standard numbers its controls (standard-control-ids.xml, ids=). */
enum hw_standard_ids {
    HW_STANDARD_IDS_REQUIREMENTS = 0, /* its framework's requirement ids ("1.3"), mapped */
    HW_STANDARD_IDS_OWN,              /* its own numbering ("PCI.S3.1"), mapped */
    HW_STANDARD_IDS_CONTROLS          /* Security Hub control ids themselves ("S3.1") */
};

/* One standard control id and a control it is; an id may have two. */
typedef struct hw_standard_map {
    const char *id; /* "1.3", "PCI.S3.1" */
    const hw_control *control;
    int line;
} hw_standard_map;

/* A Security Hub standard as findings name it. */
typedef struct hw_standard {
    const char *path;      /* "cis-aws-foundations-benchmark/v/1.2.0" */
    const char *framework; /* "cis-aws-1.2.0"; NULL when none is named */
    int ids;               /* enum hw_standard_ids */
    const hw_standard_map *maps; /* sorted by id, then control id */
    size_t nmaps;
    int line;
} hw_standard;

/*
 * The catalogue.  Iterate with plain loops:
 *   for (size_t i = 0; i < cat->ncontrols; i++) cat->controls[i] ...
 *   for (size_t i = 0; i < cat->nframeworks; i++) cat->frameworks[i] ...
 *     for (size_t j = 0; j < f->nrequirements; j++) f->requirements[j] ...
 */
typedef struct hw_catalog {
    const hw_control *controls; /* sorted by id (strcmp order) */
    size_t ncontrols;
    const hw_framework *frameworks; /* sorted by id */
    size_t nframeworks;
    const hw_external *externals; /* in file order */
    size_t nexternals;
    const hw_standard *standards; /* sorted by path */
    size_t nstandards;
    const char *dir;
    void *priv; /* the memory behind all of the above */
} hw_catalog;

typedef struct hw_coverage {
    size_t requirements; /* = automated + manual + unmapped */
    size_t automated;    /* at least one control */
    size_t manual;       /* marked manual: a person must verify */
    size_t unmapped;     /* neither; 0 in a catalogue the loader accepted */
} hw_coverage;

/* Mapping completeness: how many CRITICAL and HIGH controls evidence at
 * least one requirement of a loaded framework.  The goal is that at most
 * HW_CATALOG_UNMAPPED_GOAL_PERCENT of them evidence none, and that each of
 * those says why (<unmapped-reason>). */
#define HW_CATALOG_UNMAPPED_GOAL_PERCENT 10
typedef struct hw_mapping_coverage {
    size_t controls;    /* CRITICAL and HIGH controls in the catalogue */
    size_t mapped;      /* evidence at least one requirement */
    size_t unmapped;    /* = controls - mapped */
    size_t unexplained; /* unmapped and without an <unmapped-reason> */
} hw_mapping_coverage;

/*
 * Loads dir/securityhub-controls.xml and every dir/frameworks/ID.xml (in
 * name order), each validated against dir/controls.xsd, and builds the
 * indexes.  On success *out is the catalogue (free with hw_catalog_free());
 * on failure *out is NULL, the return is an error kind (HW_EINVAL for bad
 * data, HW_EIO for an unreadable folder, HW_ENOMEM) and e->msg reads
 * "PATH:LINE: what is wrong" for the first problem found.
 */
int hw_catalog_load(const char *dir, hw_catalog **out, hw_err *e);
void hw_catalog_free(hw_catalog *c); /* NULL is fine */

/* The default folder: $HUBWARDEN_CONTROLS, else controls/ beside the
 * running binary when that is a build tree (it holds controls.xsd), else
 * the installed one (HW_DATADIR/controls).  Never the current folder.
 * Static string or the environment's; do not free. */
const char *hw_catalog_default_dir(void);
/* SHA-256 (hex) of the catalogue's files in dir: controls.xsd,
 * securityhub-controls.xml and the frameworks/ XML files in name order, each as its
 * relative path, its length and its bytes. */
int hw_catalog_hash(const char *dir, char out[65], hw_err *e);

/* The control with this id, or NULL.  O(log n), no allocation: fit for a
 * call per finding. */
const hw_control *hw_catalog_control(const hw_catalog *c, const char *id);
/* The framework with this id, or NULL. */
const hw_framework *hw_catalog_framework(const hw_catalog *c, const char *id);
/* The requirement with this id in f, or NULL.  O(log n). */
const hw_requirement *hw_framework_requirement(const hw_framework *f, const char *id);

/*
 * The requirements of f that ctl evidences: sets *out to an array of
 * pointers (borrowed, in file order) and returns its length; 0 and *out
 * NULL when none.  O(1), no allocation.  ctl must come from the catalogue
 * f belongs to.
 */
size_t hw_framework_requirements_for(const hw_framework *f, const hw_control *ctl,
                                     const hw_requirement *const **out);
/* The same by ids; 0 when the framework or the control is unknown.
 * O(log n), no allocation. */
size_t hw_catalog_requirements_for_control(const hw_catalog *c, const char *framework_id,
                                           const char *control_id,
                                           const hw_requirement *const **out);

/* The standard named path (pathlen bytes, not NUL-terminated), or NULL.
 * O(log n), no allocation. */
const hw_standard *hw_catalog_standard(const hw_catalog *c, const char *path, size_t pathlen);
/*
 * The controls that standard control id (idlen bytes) of s is: stores up to
 * max of them in out (in control id order) and returns how many there are;
 * 0 when s has no such control id.  For a standard numbered by control ids
 * the control of that id, when the catalogue has it.  O(log n), no
 * allocation: fit for a call per finding.
 */
size_t hw_standard_controls(const hw_catalog *c, const hw_standard *s, const char *id,
                            size_t idlen, const hw_control **out, size_t max);

/* Counts f's requirements by kind. */
hw_coverage hw_catalog_coverage(const hw_framework *f);

/* 1 when ctl is CRITICAL or HIGH (the controls mapping completeness counts). */
int hw_catalog_control_counted(const hw_control *ctl);
/* 1 when ctl evidences a requirement of some loaded framework. */
int hw_catalog_control_mapped(const hw_catalog *c, const hw_control *ctl);
/* Mapping completeness of the CRITICAL and HIGH controls. */
hw_mapping_coverage hw_catalog_mapping_coverage(const hw_catalog *c);
/* 1 when the share of unmapped CRITICAL and HIGH controls is within
 * HW_CATALOG_UNMAPPED_GOAL_PERCENT. */
int hw_catalog_mapping_goal_met(const hw_mapping_coverage *m);
/* The link source id of f, or NULL. */
const hw_link_source *hw_framework_link_source(const hw_framework *f, const char *id);

/* The remediation action names hubwarden knows (the vocabulary of
 * <remediation action="...">), NULL-terminated; static. */
const char *const *hw_catalog_actions(void);
int hw_catalog_action_known(const char *name);

/*
 * Formatting for `hubwarden controls` (the command's only copy).  The
 * print functions write plain text to out and return 0, or -1 when writing
 * failed; the json functions return a new cJSON object (cJSON_Delete it),
 * or NULL when out of memory, with the same content.
 *   coverage: one row per framework (id, name and version, requirements,
 *             automated, manual, unmapped, automated share), then mapping
 *             completeness: CRITICAL/HIGH controls mapped and unmapped, and
 *             each unmapped one with its reason.
 *   control:  one control, its related requirements, per framework the
 *             requirements it evidences with the source of each link, and
 *             its unmapped reason when it has one.
 */
struct cJSON;
int hw_catalog_print_coverage(FILE *out, const hw_catalog *c);
int hw_catalog_print_control(FILE *out, const hw_catalog *c, const hw_control *ctl);
struct cJSON *hw_catalog_coverage_json(const hw_catalog *c);
struct cJSON *hw_catalog_control_json(const hw_catalog *c, const hw_control *ctl);

#endif
