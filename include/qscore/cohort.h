/* qscore/cohort.h - cohort statistics from mergeable sufficient statistics: score distributions
 * (n, mean, SD, quartiles) and internal consistency (Cronbach's alpha, item-rest correlations). */
#ifndef QSCORE_COHORT_H
#define QSCORE_COHORT_H

#include <stddef.h>

#include "qscore/error.h"

/*
 * Everything here is computed from sufficient statistics that add up exactly, so statistics of a
 * pooled cohort equal those merged from its parts (`qscore merge`):
 *   - a score's distribution is kept as a frequency table (each distinct value and its count);
 *     n, mean, SD, min, max and quartiles are computed from the table in ascending value order,
 *     so they do not depend on the order the rows came in;
 *   - a score's items are kept as n, item sums and item cross-products over complete cases. The
 *     answers are integers, so these sums are exact in double precision (below 2^53) and merge
 *     exactly.
 */

/* ---- frequency tables -------------------------------------------------------------------- */

typedef struct qs_freq {
    size_t len, cap;
    double *value; /* ascending, distinct, finite */
    double *count; /* > 0, integral */
} qs_freq;

/** An empty table (no allocation until the first value). */
void qs_freq_init(qs_freq *f);

/** Add `count` observations of `value` (finite). QS_ENOMEM or QS_OK. */
qs_error qs_freq_add(qs_freq *f, double value, double count);

/** Add every entry of `src` to `dst`. */
qs_error qs_freq_merge(qs_freq *dst, const qs_freq *src);

/** Total count. */
double qs_freq_n(const qs_freq *f);

typedef struct qs_summary {
    double n, mean, sd, min, max, q1, median, q3; /* NaN where undefined (sd needs n >= 2) */
} qs_summary;

/**
 * Summary of the table: mean; SD with n - 1; quartiles as R's quantile() type 7 (the default of
 * R and pandas): h = (n - 1) p, x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]).
 */
void qs_freq_summary(const qs_freq *f, qs_summary *out);

void qs_freq_free(qs_freq *f);

/* ---- item statistics and internal consistency ------------------------------------------- */

typedef struct qs_itemstats {
    size_t k;      /* items */
    double n;      /* complete cases added */
    double *sum;   /* k: sum of each item */
    double *cross; /* k * k, row-major: sum of x_i * x_j */
} qs_itemstats;

/** Prepare for `k` items. QS_ENOMEM or QS_OK. */
qs_error qs_itemstats_init(qs_itemstats *s, size_t k);

/** Add one complete case (k keyed answers). */
void qs_itemstats_add(qs_itemstats *s, const double *x);

/** Add `src` into `dst`; QS_EINVALID when their item counts differ. */
qs_error qs_itemstats_merge(qs_itemstats *dst, const qs_itemstats *src);

void qs_itemstats_free(qs_itemstats *s);

typedef struct qs_alpha {
    double alpha;        /* raw alpha from the covariance matrix (psych::alpha raw_alpha) */
    double lower, upper; /* Feldt's 95% interval (psych::alpha.ci) */
    double *item_rest;   /* k: correlation of each item with the sum of the others (r.drop) */
    double *alpha_drop;  /* k: raw alpha without the item (alpha.drop raw_alpha) */
} qs_alpha;

/**
 * Cronbach's alpha and the item statistics of psych::alpha (R), from the covariance matrix
 * C = (cross - sum sum' / n) / (n - 1):
 *   alpha = k / (k - 1) * (1 - tr C / sum C);
 *   item-rest r_i = (sum_j C_ij - C_ii) / sqrt(C_ii * sum of C without row and column i);
 *   Feldt: 1 - (1 - alpha) F(0.975 | 0.025; n - 1, (n - 1)(k - 1)).
 * `out->item_rest` and `out->alpha_drop` must hold k doubles. Values that are undefined (k < 2,
 * n < 2, zero variance; alpha_drop needs k >= 3) are NaN. Returns 0 when alpha is undefined.
 */
int qs_alpha_compute(const qs_itemstats *s, qs_alpha *out);

/** The regularized incomplete beta function I_x(a, b), a, b > 0, 0 <= x <= 1. */
double qs_beta_inc(double a, double b, double x);

/** The p-quantile of the F distribution with d1, d2 degrees of freedom, as R's qf (which uses the
 * chi-square limit beyond 400,000 degrees of freedom). */
double qs_f_quantile(double p, double d1, double d2);

#endif
