/* qscore/export.h - anonymized research exports from the store, and merging exports of sites. */
#ifndef QSCORE_EXPORT_H
#define QSCORE_EXPORT_H

#include <stddef.h>

#include "qscore/config.h"
#include "qscore/diag.h"
#include "qscore/error.h"

/*
 * docs/export.md is the contract: the files, their columns, the pseudonyms, the suppression
 * rules and what merge recomputes. An export folder is built beside its target under a
 * temporary name and renamed into place when complete, so it appears whole or not at all.
 */

/*
 * The layout version of an export folder. Format 3 writes a missing T score and the statistics
 * aggregates.csv and reliability.csv do not give as NaN, and booleans as TRUE/FALSE, so every
 * file reads with no options in DuckDB, pandas and R (docs/export.md). Merge reads formats
 * QS_EXPORT_FORMAT_OLDEST to QS_EXPORT_FORMAT (format 2 wrote a missing T score as an empty
 * field; merge writes it as format 3 does) and refuses others.
 */
#define QS_EXPORT_FORMAT        3
#define QS_EXPORT_FORMAT_OLDEST 2

typedef struct qs_export_opts {
    const char *out_dir;    /* must not exist, or be an empty folder */
    const char *instrument; /* only this instrument id, or NULL for all */
    const char *since;      /* YYYY-MM-DD: administrations on or after, or NULL */
    const char *until;      /* YYYY-MM-DD: administrations on or before, or NULL */
    int items;              /* 1: also write items.csv (item-level answers) */
} qs_export_opts;

typedef struct qs_export_counts {
    unsigned long clients, administrations, score_rows, flag_rows, item_rows;
    unsigned long cells, cells_suppressed, undated_skipped;
    char fingerprint[17];
} qs_export_counts;

/**
 * Check the `export:` settings for anything that could identify a client: k below 5, a
 * covariate whose name looks like an identifier, a name or a date. Every problem is appended to
 * `problems` with the config's file, line and column. Returns QS_EINVALID when there are
 * problems and no `export.override` reason, else QS_OK (the problems are then recorded in the
 * export's manifest as accepted by the override).
 */
qs_error qs_export_check(const qs_config *cfg, qs_diag_list *problems);

/**
 * Write a research export of the config's store into opts->out_dir. Errors (with file, line,
 * column where they have one) go to `errors`: QS_EINVALID for an unsafe config or a bad key
 * file, QS_ENOTFOUND without a store or key, QS_EUSAGE for a bad option, QS_EIO, QS_ESTORE.
 */
qs_error qs_export_write(const qs_config *cfg, const qs_export_opts *opts, qs_export_counts *out,
                         qs_diag_list *errors);

typedef struct qs_merge_counts {
    unsigned long exports, score_rows, flag_rows, item_rows, cells, cells_suppressed;
} qs_merge_counts;

/**
 * Merge export folders into `out_dir`: the long files concatenated (ordered as one export
 * orders them), aggregates and reliability recomputed from the exports' sufficient statistics
 * with suppression re-applied at threshold k (0: the largest k of the inputs). Refuses exports
 * of another layout, with different versions of one instrument, different columns, or sharing
 * a site label.
 */
qs_error qs_export_merge(const char *out_dir, const char *const *dirs, size_t ndirs, long k,
                         qs_merge_counts *out, qs_diag_list *errors);

#endif
