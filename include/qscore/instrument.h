/* qscore/instrument.h - instrument definitions loaded from YAML: items, scale, scores, norms,
 * flags. */
#ifndef QSCORE_INSTRUMENT_H
#define QSCORE_INSTRUMENT_H

#include <stddef.h>

#include "qscore/diag.h"
#include "qscore/error.h"
#include "qscore/expr.h"

/*
 * An instrument is read-only after qs_instrument_load(). Every pointer in it lives as long as
 * the instrument and is freed by qs_instrument_free(). Numbers that an instrument file may leave
 * out are NaN (doubles) or 0 (counts) here; the format is documented in instruments/README.md.
 */

/** One answer spelling. `folded` is the text trimmed, white space folded, ASCII lowercased. */
typedef struct qs_label {
    const char *text;
    const char *folded;
    int value;
} qs_label;

typedef struct qs_scale {
    int min;
    int max;
    size_t nlabels;
    qs_label *labels;
} qs_scale;

typedef struct qs_item {
    int id;             /* as numbered in the published instrument, 1..N */
    const char *column; /* default export column, or NULL */
    int reverse;        /* 1: scored as min + max - answer */
    const char *text;   /* optional short text (never the copyrighted wording), or NULL */
} qs_item;

typedef enum qs_method { QS_METHOD_SUM = 0, QS_METHOD_MEAN = 1 } qs_method;

/** Which way is better on a score (for classifying reliable change); the `better:` key. */
typedef enum qs_direction {
    QS_BETTER_UNKNOWN = 0, /* not given: changes are only "increase" or "decrease" */
    QS_BETTER_HIGHER,
    QS_BETTER_LOWER
} qs_direction;

/** "unknown", "higher", "lower". */
const char *qs_direction_name(qs_direction d);

typedef struct qs_score_def {
    const char *id; /* [A-Za-z_][A-Za-z0-9_]*: usable in flag rules */
    const char *name;
    const char *higher_means; /* plain sentence on direction */
    qs_direction better;      /* which way is improvement, when the instrument says */
    qs_method method;
    size_t nitems;
    int *items; /* indices into qs_instrument.items (item scores) */
    size_t nparts;
    int *parts; /* indices into qs_instrument.scores (composite scores); 0 if nitems > 0 */
    /* Missing data: the score is computed when at least min_answered of its items (or parts) are
     * present; a sum with missing items is prorated (sum * n / answered) only when `prorate`. */
    size_t min_answered;
    int prorate;
    double min_value, max_value; /* possible range, derived from the scale */
    double alpha;                /* internal consistency, NaN if unknown */
    double retest;               /* test-retest reliability, NaN if unknown */
    const char *reliability_source;
    size_t position; /* index in the definition file's `scores` list (this array is in
                        evaluation order: parts before the composites using them) */
} qs_score_def;

typedef enum qs_norm_kind {
    QS_NORM_GENERAL = 0, /* a reference population */
    QS_NORM_CLINICAL,    /* dysfunctional population (for clinically significant change) */
    QS_NORM_FUNCTIONAL   /* functional population (for clinically significant change) */
} qs_norm_kind;

/** "general", "clinical", "functional". */
const char *qs_norm_kind_name(qs_norm_kind k);

typedef struct qs_norm {
    const char *id;
    const char *name;
    const char *source; /* citation with page/table */
    qs_norm_kind kind;
    long n;       /* sample size, 0 if not given */
    double *mean; /* per score (indexed like qs_instrument.scores), NaN if not normed */
    double *sd;
} qs_norm;

typedef enum qs_severity { QS_SEV_LOW = 0, QS_SEV_MEDIUM, QS_SEV_HIGH } qs_severity;

/** "low", "medium", "high". */
const char *qs_severity_name(qs_severity s);

/**
 * A named cutoff (`cutoffs:` in the YAML): a number that flag rules use by name, so a clinic
 * config can override it. `value`/`value_text` are the values in force (the definition's, or a
 * clinic setting after qs_instrument_apply_overrides); `default_*` are the definition's.
 */
typedef struct qs_cutoff {
    const char *id;           /* [a-z_][a-z0-9_]*, not a score id */
    double value;             /* in force; rules read it at every evaluation */
    const char *value_text;   /* in force, as written ("5.0") */
    double default_value;     /* the definition's */
    const char *default_text; /* the definition's, as written */
    const char *source;       /* where the number comes from (a citation), or NULL */
    int local_default;        /* 1: documented as a local default, not a published value */
    int overridden;           /* 1: `value` is a clinic setting */
} qs_cutoff;

typedef struct qs_flag {
    const char *id;
    const char *label;
    qs_severity severity;  /* in force (a clinic setting may change it) */
    const char *rule_text; /* the rule in force with every cutoff written as its number */
    qs_expr *rule;         /* in force: rule_on, or rule_off when a clinic disabled the flag */
    qs_expr *rule_on;      /* the rule as compiled from the file */
    qs_expr *rule_off;     /* never true ("1 < 0"), made when a clinic disables the flag */
    const char *because;   /* shown to the therapist; {cutoff} placeholders filled in */
    const char *cutoff;    /* the norm or raw cutoff the rule uses, in words; filled in likewise */
    int local_default;     /* 1: cutoff is a local default, not a published norm (the flag's key,
                            * or any named cutoff of the rule marked so) */
    const char *citation;  /* source of an empirical claim in `because`, or NULL */
    int enabled;           /* 0: disabled by a clinic setting: never raised */
    qs_severity default_severity; /* the definition's */
    const char *rule_source;      /* the rule as written, cutoffs by name ("FO <= fo_high") */
    const char *rule_default;     /* rule_text with the definition's cutoffs */
    const char *because_template; /* `because` as written, with its placeholders */
    const char *cutoff_template;  /* `cutoff` as written */
    size_t ncutoffs;
    int *cutoffs;    /* indices into qs_instrument.cutoffs of the cutoffs the rule names */
    int has_literal; /* 1: the rule also compares with a number written in it */
    unsigned long line, column; /* of the flag in its file, for warnings */
} qs_flag;

typedef struct qs_attention_check {
    const char *id;
    const char *column; /* default export column, or NULL */
    size_t nexpect;
    int *expect; /* accepted answers (scale values) */
} qs_attention_check;

typedef struct qs_validity {
    size_t nchecks;
    qs_attention_check *checks;
    long max_failed_checks;      /* > this many failed checks: invalid; -1 if unset */
    long max_longstring;         /* longest run of identical answers above this: careless; 0 off */
    double min_irv;              /* intra-individual SD below this: careless; NaN off */
    double max_missing_fraction; /* more missing than this: invalid; NaN off */
} qs_validity;

typedef struct qs_instrument {
    const char *path; /* file it was loaded from */
    const char *id;   /* [a-z0-9][a-z0-9._-]* */
    const char *name;
    const char *version;
    const char *citation;
    const char *license;
    const char *notes; /* provenance notes: where sources disagree and what was chosen */
    qs_scale scale;
    size_t nitems;
    qs_item *items; /* sorted by id; ids are 1..nitems */
    size_t nscores;
    qs_score_def *scores; /* in evaluation order: parts come before the composites using them */
    size_t nnorms;
    qs_norm *norms;
    size_t nflags;
    qs_flag *flags;
    qs_validity validity;
    size_t ncutoffs;
    qs_cutoff *cutoffs;
    void *priv;
} qs_instrument;

/*
 * Clinic settings for one instrument (the clinic config's `overrides.ID`), as
 * qs_instrument_apply_overrides takes them. Positions are in `file`, for errors.
 */
typedef struct qs_cutoff_setting {
    const char *id;   /* a cutoff of the instrument */
    double value;     /* finite */
    const char *text; /* the value as written */
    unsigned long line, column;
} qs_cutoff_setting;

typedef struct qs_flag_setting {
    const char *id; /* a flag of the instrument */
    int severity;   /* a qs_severity, or -1: unchanged */
    int enabled;    /* 0 or 1, or -1: unchanged */
    unsigned long line, column;
} qs_flag_setting;

typedef struct qs_overrides {
    const char *instrument; /* instrument id */
    const char *file;       /* the config file */
    unsigned long line, column;
    size_t ncutoffs;
    qs_cutoff_setting *cutoffs;
    size_t nflags;
    qs_flag_setting *flags;
    /* SHA-256 (hex) of the settings in a canonical form (sorted by name, numbers in shortest
     * round-trip form), so equal settings give equal fingerprints however they are spelled. */
    char fingerprint[65];
} qs_overrides;

/**
 * Make `inst` the effective definition under the clinic settings `ov` (NULL: the definition's
 * own): each cutoff's value, each flag's severity and enabled state, and the texts that show
 * them (rule_text, because, cutoff) are set from the definition's defaults and then from `ov`.
 * Calling it again replaces the previous settings. Call it before scoring with `inst`; it is the
 * one change an instrument allows after loading, and is not thread-safe against scoring.
 * Returns QS_OK; QS_EINVALID when `ov` names a cutoff or flag `inst` does not have (each problem
 * appended to `errors` with the config file, line, column and key path
 * "overrides.ID.cutoffs.NAME"; `inst` is then left at its defaults); QS_ENOMEM.
 */
qs_error qs_instrument_apply_overrides(qs_instrument *inst, const qs_overrides *ov,
                                       qs_diag_list *errors);

/** Index of cutoff `id` or -1. */
int qs_instrument_cutoff_index(const qs_instrument *inst, const char *id);

/**
 * Warnings that do not make a definition invalid (what `qscore check` prints after "ok"): a flag
 * with a severity whose cutoff has no source and is not documented as a local default. Each is
 * appended to `warnings` with file, line, column and key path. Returns their number.
 */
size_t qs_instrument_warnings(const qs_instrument *inst, qs_diag_list *warnings);

/**
 * Load and validate an instrument definition. On success returns QS_OK and *out (free with
 * qs_instrument_free). Otherwise *out is NULL, every problem found is appended to `errors`
 * (file, line, column, key path, what was expected and found), and the return is QS_EINVALID
 * (schema problems), QS_EPARSE / QS_ELIMIT / QS_EENCODING (the file could not be read as safe
 * YAML), QS_EIO or QS_ENOMEM.
 */
qs_error qs_instrument_load(qs_instrument **out, const char *path, qs_diag_list *errors);

/** As qs_instrument_load, from a buffer; `display` names it in diagnostics. */
qs_error qs_instrument_load_mem(qs_instrument **out, const char *buf, size_t len,
                                const char *display, qs_diag_list *errors);

/** Free; NULL-safe. */
void qs_instrument_free(qs_instrument *inst);

/** Index of score `id` or -1. */
int qs_instrument_score_index(const qs_instrument *inst, const char *id);

/** Index of item `id` (1-based published number) or -1. */
int qs_instrument_item_index(const qs_instrument *inst, int id);

/** Index of norm population `id` or -1. */
int qs_instrument_norm_index(const qs_instrument *inst, const char *id);

/**
 * The scale value for an answer text: a number within the scale ("4", " 4 ", "4.0") or a label
 * in any case and spacing. Returns 1 and sets *value, or 0 when the text is neither.
 */
int qs_instrument_parse_answer(const qs_instrument *inst, const char *text, size_t len, int *value);

/** The keyed value of an answer to item index `item`: reversed (min + max - v) when keyed so. */
int qs_instrument_keyed(const qs_instrument *inst, size_t item, int answer);

/*
 * Finding installed instruments. The search path is, in order: $QSCORE_INSTRUMENTS (a
 * colon-separated list of folders), then the folder installed by `make install`
 * (<prefix>/share/qscore/instruments), then `instruments/` beside the running binary's source
 * tree when run from a build folder.
 */

/** Resolve `name_or_path`: an existing file path, or an id looked up as ID.yaml in the search
 * path. Writes the path into `out`. Returns QS_OK or QS_ENOTFOUND (diag lists where it looked). */
qs_error qs_instrument_find(char *out, size_t size, const char *name_or_path, qs_diag *diag);

/**
 * Call `fn` for every installed instrument file (NAME.yaml in the search path), sorted by id;
 * where two folders hold the same id, the earlier folder wins, as in qs_instrument_find.
 * Returns QS_OK or QS_ENOMEM.
 */
qs_error qs_instrument_each_installed(void (*fn)(void *ctx, const char *id, const char *path),
                                      void *ctx);

/** The folders searched, joined with ':', written into `out`. */
void qs_instrument_search_path(char *out, size_t size);

#endif
