/* export_internal.h - what export.c and merge.c share: the cohort's sufficient statistics, the
 * summary files computed from them, and the export folder. Internal. */
#ifndef QS_EXPORT_INTERNAL_H
#define QS_EXPORT_INTERNAL_H

#include <stdio.h>

#include "pool.h"
#include "qscore/cohort.h"
#include "qscore/diag.h"
#include "qscore/error.h"

/* A score cell at the finest level: site, group, instrument, version, score, wave. */
typedef struct qs_xcell {
    const char *site, *group, *instrument, *version, *score; /* pooled */
    long wave;
    qs_freq freq;   /* the score's values */
    double flagged; /* administrations with a value and at least one raised flag */
} qs_xcell;

/* Item statistics of one score (first administration per client): complete cases, and the
 * pairwise-complete sums psych::alpha's default uses. */
typedef struct qs_xrel {
    const char *instrument, *version, *score;
    size_t k;
    const char **items; /* item ids, as text */
    qs_itemstats st;
    /* Pairwise-complete sums over the same clients, whatever they left blank (k * k, row-major,
     * pooled; for a <= b): pn[a][b] clients who answered both a and b, ps[a][b] the sum of a
     * over them and ps[b][a] the sum of b, pc[a][b] the sum of a * b (a == b: n, sum and sum
     * of squares of item a). Merged by addition, so alpha_pairwise merges exactly. */
    double *pn, *ps, *pc;
} qs_xrel;

typedef struct qs_xcohort {
    qs_pool *pool;
    size_t ncells, cap, *slots, nslots; /* open addressing on the cell key */
    qs_xcell *cells;
    size_t nrels;
    qs_xrel *rels;
    size_t relcap;
} qs_xcohort;

qs_error qs_xcohort__init(qs_xcohort *c);
void qs_xcohort__free(qs_xcohort *c);

/** The cell of this key, created empty when new (strings are copied). NULL on ENOMEM. */
qs_xcell *qs_xcohort__cell(qs_xcohort *c, const char *site, const char *group,
                           const char *instrument, const char *version, const char *score,
                           long wave);

/** The item statistics of a score, created for `k` items when new. NULL on ENOMEM or when the
 * score exists with another item count. */
qs_xrel *qs_xcohort__rel(qs_xcohort *c, const char *instrument, const char *version,
                         const char *score, size_t k, const char *const *items);

/* A file of the export: name relative to the folder, rows written, for the manifest. */
typedef struct qs_xfile {
    char name[512];
    unsigned long rows;
} qs_xfile;

/* The settings and provenance that the manifest and README record. */
typedef struct qs_xmeta {
    const char *kind; /* "export" or "merge" */
    long k;
    int year, items;
    size_t ncovariates;
    const char *const *covariates;      /* names */
    const char *const *covariate_kinds; /* category, age_band, year */
    size_t nfingerprints;
    const char *const *fingerprints; /* key fingerprints (one per site key) */
    const char *since, *until, *instrument;
    const char *override; /* reason, or NULL */
    size_t nwarnings;     /* unsafe settings accepted by the override, and notes */
    const char *const *warnings;
    size_t nsources; /* merge: the input exports' manifests' SHA-256 */
    const char *const *sources;
    unsigned long clients, administrations, cells, cells_suppressed;
} qs_xmeta;

/*
 * The columns of the export's CSV files, in one place: the headers, schema.sql and codebook.csv
 * are all made from qs_x__columns, so they cannot drift apart. When adding a column to a file,
 * add it to the file's table in export_common.c and write its values in the same position.
 */
typedef enum qs_xfile_kind {
    QS_XF_SCORES,      /* scores.csv */
    QS_XF_FLAGS,       /* flags.csv */
    QS_XF_ITEMS,       /* items.csv */
    QS_XF_PART,        /* scores/instrument=ID/site=SITE/part-0.csv */
    QS_XF_AGGREGATES,  /* aggregates.csv */
    QS_XF_RELIABILITY, /* reliability.csv */
    QS_XF_STATS,       /* stats.csv */
    QS_XF_CODEBOOK,    /* codebook.csv */
    QS_XF_COUNT
} qs_xfile_kind;

typedef struct qs_xcol {
    const char *name;
    const char *type;    /* DuckDB type: VARCHAR, BIGINT, DOUBLE or BOOLEAN */
    const char *unit;    /* unit or scale; "" when none */
    const char *values;  /* allowed values or range */
    const char *meaning; /* one line */
    int nan;             /* 1: a missing number is written NaN, never empty (docs/export.md) */
} qs_xcol;

/** The file name of `kind` (for the partitions: the pattern of their paths). */
const char *qs_x__file_name(qs_xfile_kind kind);

/**
 * The columns of file `kind` under these settings (`year`: baseline_year; the covariates'
 * names and kinds, kinds may be NULL) into `out` (room for `cap`). Returns the number of
 * columns; strings are static or the caller's.
 */
size_t qs_x__columns(qs_xfile_kind kind, int year, size_t ncov, const char *const *covs,
                     const char *const *kinds, qs_xcol *out, size_t cap);

/** The most columns a file can have (its fixed columns and 64 covariates). */
#define QS_XCOLS_MAX 96

/** Write the header of file `kind`: its column names, comma-separated, without the line
 * end (the covariates' names as they are). */
void qs_x__write_header(FILE *fp, qs_xfile_kind kind, int year, size_t ncov,
                        const char *const *covs);

/** Append a file to the manifest's list. QS_ENOMEM or QS_OK. */
qs_error qs_x__add_file(qs_xfile **files, size_t *n, const char *name, unsigned long rows);

/** Write aggregates.csv (with suppression) into `fp`; counts the cells and suppressed cells. */
qs_error qs_x__write_aggregates(qs_xcohort *c, long k, FILE *fp, unsigned long *rows,
                                unsigned long *suppressed);

/** Add one client's keyed answers `x` (k values, NaN: unanswered) to r's pairwise sums. */
void qs_xrel__add_pairwise(qs_xrel *r, const double *x);

/** Write reliability.csv into `fp`. */
qs_error qs_x__write_reliability(qs_xcohort *c, long k, FILE *fp, unsigned long *rows);

/** Write stats.csv (the sufficient statistics merge reads) into `fp`. */
qs_error qs_x__write_stats(qs_xcohort *c, const qs_xmeta *m, FILE *fp, unsigned long *rows);

/** Write README.txt (the data dictionary) into `fp`. */
void qs_x__write_readme(const qs_xmeta *m, FILE *fp);

/** Write manifest.json into `dir` from the files already there (SHA-256 of each). */
qs_error qs_x__write_manifest(const char *dir, const qs_xmeta *m, const qs_xfile *files,
                              size_t nfiles, qs_diag *diag);

/** One CSV field (quoted when needed), no separator. */
void qs_x__csv_field(FILE *fp, const char *s);

/** A number as the shortest text that reads back exactly; empty for NaN. */
void qs_x__csv_num(FILE *fp, double v);

/** As qs_x__csv_num, but always with a decimal point ("44.0"): a column of such numbers reads
 * as floating point in every file (DuckDB, pandas and R sniff each part file on its own; "44"
 * in one and "4.27" in another would give them different types). */
void qs_x__csv_real(FILE *fp, double v);

/**
 * A number of a column whose missing values are written NaN (qs_xcol.nan): NaN for NaN, else
 * as qs_x__csv_real (`real`) or qs_x__csv_num. Such a column is never empty in a whole file, so
 * DuckDB, pandas and R read it as a number even when no row has one (an empty column reads as
 * text in DuckDB and as logical in R; and DuckDB loses the header of a file whose column `t`
 * is empty in every row, `t` being a boolean literal to its sniffer).
 */
void qs_x__csv_nan(FILE *fp, double v, int real);

/** A boolean as R, pandas and DuckDB all read one with no options: TRUE or FALSE (R's read.csv
 * leaves lowercase true/false as text). */
const char *qs_x__bool(int v);

/*
 * The export folder: qs_x__dir_begin checks that `out_dir` does not exist or is empty and
 * creates the temporary folder beside it (removing a stale one from a killed export);
 * qs_x__dir_commit renames it into place; qs_x__dir_abort removes it.
 */
typedef struct qs_xdir {
    char tmp[4096];
    char out[4096];
} qs_xdir;

qs_error qs_x__dir_begin(qs_xdir *d, const char *out_dir, qs_diag *diag);
qs_error qs_x__dir_commit(qs_xdir *d, qs_diag *diag);
void qs_x__dir_abort(qs_xdir *d);

/** Open `name` (may contain '/': folders are made) inside the temporary folder, mode 0600. */
FILE *qs_x__open(qs_xdir *d, const char *name, qs_diag *diag);

/** Flush, sync and close a file opened with qs_x__open. */
qs_error qs_x__close(FILE *fp, const char *name, qs_diag *diag);

/**
 * Write the summary files computed from the cohort `c` into the export folder `dir`:
 * aggregates.csv, reliability.csv, stats.csv, schema.sql, codebook.csv and README.txt, in that
 * order, each
 * appended to `files` for the manifest. Sets m->cells and m->cells_suppressed from aggregates.csv
 * first (stats.csv, README.txt and the manifest record them), also when a later file fails. Returns
 * QS_OK or the first failure, with its detail in `diag`.
 */
qs_error qs_x__write_summaries(qs_xdir *dir, qs_xcohort *c, qs_xmeta *m, qs_xfile **files,
                               size_t *nfiles, qs_diag *diag);

/** Percent-encode `s` for a Hive partition folder name (keeps A-Z a-z 0-9 - _ .); 0 when it
 * does not fit in `size` (never truncated: two long labels must not share a folder). */
int qs_x__partition_value(const char *s, char *out, size_t size);

#endif
