/* qscore/mapping.h - where things are in an export: the column mapping file (docs/score.md). */
#ifndef QSCORE_MAPPING_H
#define QSCORE_MAPPING_H

#include <stddef.h>

#include "qscore/diag.h"
#include "qscore/error.h"
#include "qscore/reader.h"

/* A column reference: a header text, or "#N" for the N-th column (1-based). */
typedef struct qs_colref {
    const char *text;   /* as written in the mapping */
    unsigned long line; /* position in the mapping file, for errors */
    unsigned long column;
} qs_colref;

typedef struct qs_mapping_item {
    long id; /* published item number */
    qs_colref col;
} qs_mapping_item;

typedef struct qs_mapping_check {
    const char *id; /* attention check id */
    qs_colref col;
} qs_mapping_check;

/* A covariate column (age, gender, ...): read into the store as text, exported only when the
 * clinic config's export.covariates allow-lists its name (docs/export.md). */
typedef struct qs_mapping_covariate {
    const char *name; /* [A-Za-z][A-Za-z0-9_]* */
    qs_colref col;
} qs_mapping_covariate;

typedef struct qs_mapping_label {
    const char *text;
    const char *folded;
    int value;
    unsigned long line, column;
} qs_mapping_label;

/*
 * A loaded mapping; read-only, every pointer lives as long as the mapping. Optional references
 * have text == NULL.
 */
typedef struct qs_mapping {
    const char *path;
    qs_colref response_id;
    qs_colref client_id; /* default "client_id" */
    qs_colref group;
    qs_colref therapist;
    qs_colref administered;
    const char *date_format; /* strptime format, or NULL: ISO 8601 forms */
    int pin_encoding;        /* 1: `encoding:` given; the file is read as `encoding` */
    qs_encoding encoding;
    size_t nitems;
    qs_mapping_item *items;
    const char *item_pattern; /* with "{n}", or NULL */
    size_t nchecks;
    qs_mapping_check *checks;
    size_t nlabels;
    qs_mapping_label *labels;
    size_t nmissing;
    const char **missing; /* folded spellings of "not answered" */
    size_t ncovariates;
    qs_mapping_covariate *covariates;
    void *priv;
} qs_mapping;

/**
 * Load a mapping file. Every problem is appended to `errors` (file, line, column, key path);
 * returns QS_OK, QS_EINVALID, QS_EPARSE, QS_ELIMIT, QS_EENCODING, QS_EIO or QS_ENOMEM.
 */
qs_error qs_mapping_load(qs_mapping **out, const char *path, qs_diag_list *errors);

/** As qs_mapping_load, from a buffer named `display`. */
qs_error qs_mapping_load_mem(qs_mapping **out, const char *buf, size_t len, const char *display,
                             qs_diag_list *errors);

/** The mapping used when no file is given: client_id = "client_id", everything else default. */
qs_error qs_mapping_default(qs_mapping **out);

/** Free; NULL-safe. */
void qs_mapping_free(qs_mapping *m);

#endif
