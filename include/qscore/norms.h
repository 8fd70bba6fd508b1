/* qscore/norms.h - the norm a score is compared with (published or a local snapshot) and the
 * sample statistics that make a local one: mean, SD, Cronbach's alpha from pairwise-complete
 * item covariances, mid-rank percentiles. */
#ifndef QSCORE_NORMS_H
#define QSCORE_NORMS_H

#include <stddef.h>

#include "qscore/instrument.h"

/*
 * Pure functions: no I/O, no allocation, nothing kept between calls. src/norms.c has the design
 * and the sources; tests/tools/norms_reference.py computes the same quantities independently
 * (exact rational arithmetic) for tests/unit/test_norms.c.
 */

/* ---- sample statistics ------------------------------------------------------------------- */

/**
 * Mean and sample SD (denominator n - 1) of `x[0..n)`, by the corrected two-pass algorithm.
 *
 * @param mean  set to the mean; NaN when n is 0. May be NULL.
 * @param sd    set to the sample SD; NaN when n < 2. May be NULL.
 * @param x     the sample, every value finite (the caller leaves out missing values). May be
 *              NULL when n is 0.
 * @return 0, or -1 when some value is not finite (then *mean and *sd are NaN).
 */
int qs_norms_mean_sd(double *mean, double *sd, const double *x, size_t n);

/** Cronbach's alpha from pairwise-complete item covariances (psych::alpha raw_alpha). */
typedef struct qs_norms_alpha {
    double alpha;      /* k / (k - 1) * (1 - trace / total); NaN when not computable */
    double trace;      /* tr(C): the sum of the item variances; NaN when not computable */
    double total;      /* sum(C): every entry of C; NaN when not computable */
    size_t k;          /* items */
    size_t n;          /* cases (rows), whatever they answered */
    size_t n_complete; /* cases that answered every item */
    size_t min_pair_n; /* smallest number of cases that answered both items of a pair, over
                          every pair i <= j (i == j: the cases that answered item i); 0 when
                          k is 0 */
    size_t min_pair_i; /* the first pair (row-major, i <= j) with that n; i == j is one item */
    size_t min_pair_j;
    const char *reason; /* static text when alpha is NaN, else NULL */
} qs_norms_alpha;

/**
 * Cronbach's alpha of `k` items over `n` cases, from the covariance matrix C in which each entry
 * C[i][j] is the sample covariance (n - 1) of items i and j over the cases that answered both,
 * around those cases' own means of i and j: R's cov(x, use = "pairwise.complete.obs"), which is
 * what psych::alpha uses by default (use = "pairwise"). Then
 *     alpha = k / (k - 1) * (1 - tr(C) / sum(C)).
 *
 * @param out  filled completely on every call (caller-allocated; nothing to release).
 * @param x    row-major n x k: x[row * k + item]; NaN (any non-finite value) is a missing answer.
 *             May be NULL when n or k is 0.
 * @param cov  NULL, or k * k doubles that receive C (row-major; NaN for a pair with fewer than
 *             two cases in common, as R gives NA).
 *
 * Not computable (alpha NaN, `reason` says why): fewer than two items; a pair of items that
 * fewer than two cases answered together (min_pair_i/j name it: R's cov gives NA there, and
 * psych's alpha is then NA); or sum(C) <= 0 (no variance in the total; a pairwise matrix that is
 * not positive semi-definite can give a negative sum, where psych would still print a number,
 * meaningless as a reliability). alpha itself may be negative (items that do not agree); it is
 * returned as computed. O(n k^2), no allocation.
 */
void qs_norms_alpha_pairwise(qs_norms_alpha *out, const double *x, size_t n, size_t k, double *cov);

/** Sort `x[0..n)` ascending in place (finite values only). */
void qs_norms_sort(double *x, size_t n);

/**
 * The mid-rank empirical percentile of `x` in a sample sorted ascending:
 *     100 * (count(sample < x) + 0.5 * count(sample == x)) / n.
 * NaN when n is 0 or x is NaN. O(log n).
 */
double qs_norms_percentile_midrank(const double *sorted, size_t n, double x);

/* ---- the norm in force ------------------------------------------------------------------- */

/** Where a score's norm in force comes from. */
typedef enum qs_nif_kind {
    QS_NIF_NONE = 0,             /* none: z, T, percentile and RCI are not computable (reason) */
    QS_NIF_PUBLISHED_GENERAL,    /* a published reference population (instrument `norms:`) */
    QS_NIF_PUBLISHED_CLINICAL,   /* a published dysfunctional population */
    QS_NIF_PUBLISHED_FUNCTIONAL, /* a published functional population */
    QS_NIF_LOCAL                 /* a local snapshot of this clinic's clients */
} qs_nif_kind;

/** "none", "general", "clinical", "functional", "local"; "unknown" outside the enum. */
const char *qs_nif_kind_name(qs_nif_kind k);

/**
 * The norm in force for one score: what z, T, percentiles and reliable change are computed
 * against, and where each number came from, so every derived value can say so. Filled by
 * qs_norm_in_force_published() or qs_norm_in_force_local(), or by hand (the store, from a saved
 * snapshot). Every pointer is borrowed: it must live as long as the struct is used.
 */
typedef struct qs_norm_in_force {
    qs_nif_kind kind;
    const char *id;       /* published: the norm population's id; local: NULL */
    long snapshot;        /* local: the snapshot's id in the store; 0 otherwise */
    long n;               /* sample size behind mean and SD; 0 when not given */
    double mean;          /* NaN when unknown */
    double sd;            /* sample SD; NaN when unknown */
    const char *source;   /* where mean and SD came from (citation, or the snapshot) */
    double r;             /* reliability for reliable change; NaN when unknown */
    const char *r_kind;   /* "retest", "alpha" or "alpha_pairwise" (static); NULL if none */
    const char *r_source; /* where r came from; NULL when none */
    size_t r_min_pair_n;  /* local: the smallest pairwise n behind alpha; 0 otherwise */
    const double *sample; /* local: the sample sorted ascending, for percentiles; else NULL */
    size_t nsample;       /* its length */
    const char *reason;   /* NONE: why there is no norm (e.g. "local norm needs 50 clients,
                             has 23"); NULL otherwise or when none was given */
} qs_norm_in_force;

/** An empty norm in force: kind NONE, every number NaN or 0, every pointer NULL. */
void qs_norm_in_force_init(qs_norm_in_force *nif);

/**
 * The norm in force for score `score` from published norm population `norm` (index into
 * inst->norms; out of range or -1 gives kind NONE with reason "no norm population chosen").
 * Mean and SD are the population's for the score (NaN when it gives none), source its citation;
 * r is the score's test-retest reliability when the instrument gives one, else its alpha, with
 * the score's reliability source. Pointers borrow from `inst`. `score` out of range: kind NONE.
 */
void qs_norm_in_force_published(qs_norm_in_force *nif, const qs_instrument *inst, size_t score,
                                int norm);

/**
 * A local norm in force from a snapshot sample: sorts `sample` in place (the struct then
 * borrows it for percentiles), sets n, mean and sample SD from it, and r from `alpha` (kind
 * "alpha_pairwise", with its smallest pairwise n; NaN when `alpha` is NULL or not computable).
 * `source` (borrowed) says which snapshot, e.g. "local norm, snapshot 3 of 2025-01-31, n = 152";
 * it is both the mean/SD source and the r source. Returns 0, or -1 when a value of `sample` is
 * not finite (then kind is NONE with a reason).
 */
int qs_norm_in_force_local(qs_norm_in_force *nif, long snapshot, double *sample, size_t n,
                           const qs_norms_alpha *alpha, const char *source);

/**
 * "local norm needs MIN clients, has N" into buf (truncated to size, always terminated when
 * size > 0): the reason a local norm is not yet in force. Returns buf.
 */
char *qs_norms_local_shortfall(char *buf, size_t size, size_t have, size_t min_n);

/* z, T and percentiles against a norm in force: qs_score_standardize() in qscore/score.h. */

#endif
