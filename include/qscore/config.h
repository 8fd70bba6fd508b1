/* qscore/config.h - the clinic config: sources, store, output folder, norms, overrides, report
 * grouping. */
#ifndef QSCORE_CONFIG_H
#define QSCORE_CONFIG_H

#include <stddef.h>

#include "qscore/diag.h"
#include "qscore/error.h"
#include "qscore/ingest.h"
#include "qscore/instrument.h"

/*
 * A clinic config (examples/clinic.yaml documents every key). Every relative path in it is
 * resolved against the folder of the config file, so a cron job's working folder never
 * matters. All pointers live as long as the config.
 */

struct qs_config;

typedef struct qs_source {
    const char *id; /* names the source in logs and the store */
    size_t nfiles;  /* glob patterns, resolved against the config folder */
    const char **files;
    const char *instrument; /* an installed id, or a path (resolved) */
    const char *mapping;    /* resolved path, or NULL: the instrument's columns */
    qs_profile profile;
    const char *site;               /* default "main" */
    const struct qs_config *config; /* the config it belongs to (for its overrides) */
} qs_source;

/* How many clients a local norm needs before it is in force, unless the config says. */
#define QS_LOCAL_NORM_MIN_N 50

typedef struct qs_norm_choice {
    const char *instrument; /* instrument id */
    const char *norm;       /* norm population id, or "local" */
    int local;              /* 1: this clinic's own clients (a local norm snapshot) */
    long min_n;             /* local: clients needed (default QS_LOCAL_NORM_MIN_N) */
} qs_norm_choice;

typedef enum qs_group_by { QS_GROUP_BY_THERAPIST = 0, QS_GROUP_BY_GROUP } qs_group_by;

typedef enum qs_paper { QS_PAPER_LETTER = 0, QS_PAPER_A4 } qs_paper;

#define QS_REPORTS_OVERDUE_DAYS 45L
#define QS_REPORTS_MAX_CHARTS   150L

/* The `reports:` section's workbook settings (group_by is qs_config.group_by). */
typedef struct qs_reports_config {
    int sections_by_group; /* `sections: group`: Summary in one section per therapy group */
    long overdue_days;     /* a client not assessed for this many days is overdue */
    long max_charts;       /* trend charts per workbook at most */
    qs_paper paper;
} qs_reports_config;

/* How an allow-listed covariate leaves in a research export. */
typedef enum qs_cov_kind {
    QS_COV_CATEGORY = 0, /* the value as text (a closed set of answers: gender, diagnosis group) */
    QS_COV_AGE_BAND,     /* an age in years, as a band: "18-24", ..., "85-89", "90+" */
    QS_COV_YEAR          /* a date, as its year only */
} qs_cov_kind;

/** "category", "age_band", "year". */
const char *qs_cov_kind_name(qs_cov_kind k);

typedef struct qs_export_covariate {
    const char *name; /* as named in the sources' mappings (`covariates:`) */
    qs_cov_kind kind;
    unsigned long line, column; /* in the config, for errors */
} qs_export_covariate;

/* The `export:` section: research exports (docs/export.md). */
typedef struct qs_export_config {
    const char *key_file;        /* resolved; default keys/export.key beside the config */
    long k;                      /* small-cell threshold: cells with n < k are suppressed */
    unsigned long k_line, k_col; /* position of `k` (0 when not given) */
    int year;                    /* 1: add the administration year */
    size_t ncovariates;          /* the allow-list */
    qs_export_covariate *covariates;
    const char *override; /* reason for accepting unsafe settings, or NULL */
} qs_export_config;

typedef struct qs_config {
    const char *path;   /* the config file */
    const char *dir;    /* its folder */
    const char *clinic; /* label, or NULL */
    const char *store;  /* resolved path of the SQLite store */
    const char *output; /* resolved output folder */
    size_t nsources;
    qs_source *sources;
    size_t nnorms;
    qs_norm_choice *norms;
    qs_group_by group_by;
    qs_reports_config reports;
    qs_export_config export_;
    size_t noverrides; /* `overrides:`: clinic settings per instrument, checked against it */
    qs_overrides *overrides;
    void *priv;
} qs_config;

/**
 * Load a clinic config. Every problem goes to `errors` with file, line, column and key path;
 * returns QS_OK, QS_EINVALID, or the YAML layer's QS_EPARSE/QS_ELIMIT/QS_EENCODING/QS_EIO.
 */
qs_error qs_config_load(qs_config **out, const char *path, qs_diag_list *errors);

/**
 * Find and load the instrument a source names (an installed id or a path), with the config's
 * overrides for it applied (qs_config_apply_overrides): QS_OK and *out (free with
 * qs_instrument_free), or the error with its diagnostics appended to `errors`.
 */
qs_error qs_source_instrument(const qs_source *src, qs_instrument **out, qs_diag_list *errors);

/** The clinic settings for `instrument_id` (`overrides.ID`), or NULL; lives as long as `c`. */
const qs_overrides *qs_config_overrides_for(const qs_config *c, const char *instrument_id);

/**
 * Make `inst` the effective definition under this config: qs_instrument_apply_overrides with
 * the settings for inst->id (the definition's own values when there are none). Call it wherever
 * a config's instrument is loaded for scoring or reporting. Returns as
 * qs_instrument_apply_overrides.
 */
qs_error qs_config_apply_overrides(const qs_config *c, qs_instrument *inst, qs_diag_list *errors);

/**
 * A short fingerprint of the clinic settings for `instrument_id`: "none" when the config sets
 * none, otherwise the SHA-256 (64 hex digits) of the settings in canonical form (names sorted,
 * numbers in shortest round-trip form, so "2.30" and "2.3" agree). Record it with derived values
 * to know which definitions made them; it changes exactly when an effective cutoff, severity
 * or enabled state set by the config changes. Lives as long as `c`.
 */
const char *qs_config_overrides_fingerprint(const qs_config *c, const char *instrument_id);

/** 0 unless the config chooses a local norm for `instrument_id`; then the clients it needs. */
long qs_config_local_norm(const qs_config *c, const char *instrument_id);

/** The norm population chosen for `instrument_id` ("local" for a local norm), or NULL. */
const char *qs_config_norm_for(const qs_config *c, const char *instrument_id);

/** Free; NULL-safe. */
void qs_config_free(qs_config *c);

/**
 * Join `rel` to `dir` unless it is absolute; writes into out. Returns 0 when it does not fit.
 */
int qs_path_join(char *out, size_t size, const char *dir, const char *rel);

#endif
