/* qscore/score.h - score one administration: keyed items, scores, norms, validity and flags. */
#ifndef QSCORE_SCORE_H
#define QSCORE_SCORE_H

#include <limits.h>
#include <stddef.h>

#include "qscore/error.h"
#include "qscore/expr.h"
#include "qscore/instrument.h"
#include "qscore/norms.h"

/* An unanswered item or attention check. */
#define QS_MISSING INT_MIN

typedef enum qs_status {
    QS_STATUS_OK = 0,      /* every item (or part) present */
    QS_STATUS_PRORATED,    /* computed from fewer items, as the missing-data rule allows */
    QS_STATUS_INSUFFICIENT /* too few answered: no value */
} qs_status;

/** "ok", "prorated", "insufficient". */
const char *qs_status_name(qs_status s);

typedef struct qs_score_value {
    double value; /* NaN when insufficient */
    size_t n_answered;
    size_t n_items;
    double z, t, percentile; /* NaN without a norm for this score */
    qs_status status;
} qs_score_value;

typedef struct qs_validity_value {
    double missing_fraction; /* unanswered items / items */
    long longstring;         /* longest run of identical consecutive answers */
    double irv;              /* sample SD of the raw answers; NaN with fewer than 2 */
    long attention_failed;   /* -1 when the instrument has no attention checks */
    qs_tri careless;         /* TRUE: longstring or irv crossed its threshold */
    qs_tri invalid;          /* TRUE: missing fraction or failed checks crossed */
} qs_validity_value;

/* The results of one administration; arrays are indexed like the instrument's. */
typedef struct qs_result {
    qs_score_value *scores; /* nscores */
    qs_tri *flags;          /* nflags */
    qs_validity_value validity;
    const double *values; /* [score * QS_FIELD_COUNT + field], NaN = missing: what rules saw */
} qs_result;

typedef struct qs_scorer qs_scorer;

/**
 * A scorer for `inst` with norm population `norm` (index into inst->norms, or -1 for none).
 * The scorer borrows `inst`, which must outlive it. Returns QS_OK or QS_ENOMEM / QS_EUSAGE.
 */
qs_error qs_scorer_new(qs_scorer **out, const qs_instrument *inst, int norm);

/**
 * Score against norms in force instead of the norm population given to qs_scorer_new:
 * `norms[si]` for score si (inst->nscores of them), e.g. local snapshots. The structs are
 * copied; what they point to (sources, snapshot samples) is borrowed and must outlive the
 * scorer or the next call. NULL goes back to the population given to qs_scorer_new.
 * z, T and percentiles are then as qs_score_standardize() gives them, and so are the flag
 * rules that use them. Returns QS_OK.
 */
qs_error qs_scorer_use_norms(qs_scorer *s, const qs_norm_in_force *norms);

/**
 * Score one administration. `answers[i]` is the raw answer to item index i (min..max) or
 * QS_MISSING; `checks[k]` the answer to attention check k (may be NULL when the instrument has
 * none). The result points into the scorer and is valid until the next call or the free.
 * No allocation: safe on the hot path.
 */
const qs_result *qs_scorer_run(qs_scorer *s, const int *answers, const int *checks);

/** Free; NULL-safe. */
void qs_scorer_free(qs_scorer *s);

/** The standard normal CDF. */
double qs_normal_cdf(double z);

/**
 * z = (value - mean) / SD, T = 50 + 10 z, and the percentile of `value` against norm in force
 * `nif`: 100 * the normal CDF of z for a published norm, the mid-rank empirical percentile in
 * the snapshot sample for a local one (qs_norms_percentile_midrank; NaN without a sample).
 * All NaN when value is NaN, nif is NULL or of kind NONE, or its mean or SD is unknown (or
 * SD <= 0). Any out-pointer may be NULL.
 */
void qs_score_standardize(const qs_norm_in_force *nif, double value, double *z, double *t,
                          double *percentile);

#endif
