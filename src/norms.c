/* norms.c - sample statistics for local norms, and the norm in force for a score. */
#include "qscore/norms.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * Design. A score is compared with one norm in force: a published population from the
 * instrument definition, or a local snapshot of this clinic's clients (the store makes and
 * keeps snapshots; this module only computes). Both fill the same struct, so scoring (score.c:
 * z, T, percentile) and change (change.c: reliable and clinically significant change) do not
 * care where the numbers came from, and every derived value can name its sources.
 *
 * Mean and SD: the corrected two-pass algorithm (Chan, Golub & LeVeque 1983, "Algorithms for
 * computing the sample variance", The American Statistician 37(3), 242-247, eq. 1.7): a first
 * pass for the mean, a second for the squared deviations, minus the squared sum of the
 * deviations / n, which removes most of the first pass's rounding error. Denominator n - 1.
 *
 * Cronbach's alpha as psych::alpha's default raw_alpha (Revelle, psych 2.2.9, alpha():
 * C <- cov(x, use = "pairwise"); raw = (1 - tr(C)/sum(C)) * (k/(k - 1))). R's pairwise cov
 * (src/library/stats/src/cov.c, COV_PAIRWISE_BODY) computes each entry over the cases where both
 * items are present, around the means of exactly those cases, with denominator n_ij - 1, and
 * gives NA when n_ij < 2; a diagonal entry is the item's variance over the cases that answered
 * it. We do the same, with each pair's means corrected as above. Why pairwise and not complete
 * cases: on a long scale with a few blanks per client, complete cases keep too few clients (18
 * of 150 on a 46-item total with 5% blank answers). The price: a pairwise C need not be positive
 * semi-definite; sum(C) <= 0 is refused rather than turned into a number above k/(k-1).
 *
 * Mid-rank percentile: 100 (below + equal / 2) / n, the percentile rank with ties split in half,
 * so a value equal to every case is at 50 and the ranks of a sample average 50.
 */

static const char R_ONE_ITEM[] = "alpha needs at least two items";
static const char R_PAIR[] = "a pair of items has fewer than two cases answering both";
static const char R_TOTAL[] = "the item covariances give the total no positive variance";
static const char R_NO_NORM[] = "no norm population chosen";
static const char R_NOT_FINITE[] = "the local norm sample holds a value that is not a number";

int qs_norms_mean_sd(double *mean, double *sd, const double *x, size_t n)
{
    double m = NAN, s = NAN;
    int rc = 0;
    if (n > 0) {
        double sum = 0.0;
        for (size_t i = 0; i < n; i++) {
            if (!isfinite(x[i])) {
                rc = -1;
                goto done;
            }
            sum += x[i];
        }
        double m0 = sum / (double)n;
        double d = 0.0, dd = 0.0;
        for (size_t i = 0; i < n; i++) {
            double e = x[i] - m0;
            d += e;
            dd += e * e;
        }
        m = m0 + d / (double)n;
        if (n > 1) {
            double var = (dd - d * d / (double)n) / (double)(n - 1);
            s = var > 0.0 ? sqrt(var) : 0.0; /* rounding cannot make a variance negative */
        }
    }
done:
    if (mean)
        *mean = m;
    if (sd)
        *sd = s;
    return rc;
}

/*
 * The pairwise covariance of items i and j (i == j: the variance of i) over the n cases of the
 * row-major n x k matrix x, with *count set to the cases that answered both. NaN when fewer than
 * two did.
 */
static double pair_cov(const double *x, size_t n, size_t k, size_t i, size_t j, size_t *count)
{
    size_t c = 0;
    double si = 0.0, sj = 0.0;
    for (size_t r = 0; r < n; r++) {
        double a = x[r * k + i], b = x[r * k + j];
        if (isfinite(a) && isfinite(b)) {
            c++;
            si += a;
            sj += b;
        }
    }
    *count = c;
    if (c < 2)
        return NAN;
    double mi = si / (double)c, mj = sj / (double)c;
    double di = 0.0, dj = 0.0, dij = 0.0;
    for (size_t r = 0; r < n; r++) {
        double a = x[r * k + i], b = x[r * k + j];
        if (isfinite(a) && isfinite(b)) {
            double ea = a - mi, eb = b - mj;
            di += ea;
            dj += eb;
            dij += ea * eb;
        }
    }
    /* Corrected two-pass: sum (a - mi')(b - mj') with the exact means mi' = mi + di / c. */
    return (dij - di * dj / (double)c) / (double)(c - 1);
}

void qs_norms_alpha_pairwise(qs_norms_alpha *out, const double *x, size_t n, size_t k, double *cov)
{
    out->alpha = out->trace = out->total = NAN;
    out->k = k;
    out->n = n;
    out->n_complete = 0;
    out->min_pair_n = 0;
    out->min_pair_i = out->min_pair_j = 0;
    out->reason = NULL;

    for (size_t r = 0; r < n && k > 0; r++) {
        size_t present = 0;
        for (size_t i = 0; i < k; i++)
            present += isfinite(x[r * k + i]) != 0;
        out->n_complete += present == k;
    }

    double trace = 0.0, total = 0.0;
    int short_pair = 0;
    for (size_t i = 0; i < k; i++) {
        for (size_t j = i; j < k; j++) {
            size_t c;
            double v = pair_cov(x, n, k, i, j, &c);
            if ((i == 0 && j == 0) || c < out->min_pair_n) {
                out->min_pair_n = c;
                out->min_pair_i = i;
                out->min_pair_j = j;
            }
            short_pair |= c < 2;
            if (cov) {
                cov[i * k + j] = v;
                cov[j * k + i] = v;
            }
            if (i == j) {
                trace += v;
                total += v;
            } else {
                total += 2.0 * v;
            }
        }
    }

    if (k < 2) {
        out->reason = R_ONE_ITEM;
        return;
    }
    if (short_pair) {
        out->reason = R_PAIR;
        return;
    }
    out->trace = trace;
    out->total = total;
    if (!(total > 0.0)) {
        out->reason = R_TOTAL;
        return;
    }
    out->alpha = (double)k / (double)(k - 1) * (1.0 - trace / total);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void qs_norms_sort(double *x, size_t n)
{
    if (n > 1)
        qsort(x, n, sizeof(*x), cmp_double);
}

double qs_norms_percentile_midrank(const double *sorted, size_t n, double x)
{
    if (n == 0 || isnan(x))
        return NAN;
    /* below = first index with sorted[i] >= x; upto = first index with sorted[i] > x. */
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t below = lo;
    hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t equal = lo - below;
    /* below + equal / 2 is a half-integer and times 100 still exact: one rounding, at the
     * division. */
    return 100.0 * ((double)below + 0.5 * (double)equal) / (double)n;
}

const char *qs_nif_kind_name(qs_nif_kind k)
{
    switch (k) {
    case QS_NIF_NONE:
        return "none";
    case QS_NIF_PUBLISHED_GENERAL:
        return "general";
    case QS_NIF_PUBLISHED_CLINICAL:
        return "clinical";
    case QS_NIF_PUBLISHED_FUNCTIONAL:
        return "functional";
    case QS_NIF_LOCAL:
        return "local";
    }
    return "unknown";
}

void qs_norm_in_force_init(qs_norm_in_force *nif)
{
    nif->kind = QS_NIF_NONE;
    nif->id = NULL;
    nif->snapshot = 0;
    nif->n = 0;
    nif->mean = nif->sd = NAN;
    nif->source = NULL;
    nif->r = NAN;
    nif->r_kind = NULL;
    nif->r_source = NULL;
    nif->r_min_pair_n = 0;
    nif->sample = NULL;
    nif->nsample = 0;
    nif->reason = NULL;
}

void qs_norm_in_force_published(qs_norm_in_force *nif, const qs_instrument *inst, size_t score,
                                int norm)
{
    qs_norm_in_force_init(nif);
    if (score >= inst->nscores)
        return;
    /* r belongs to the score, not to the population: filled even when no norm is chosen, so a
     * "no norm" result can still say which reliability it would have used. */
    const qs_score_def *s = &inst->scores[score];
    if (isfinite(s->retest)) {
        nif->r = s->retest;
        nif->r_kind = "retest";
        nif->r_source = s->reliability_source;
    } else if (isfinite(s->alpha)) {
        nif->r = s->alpha;
        nif->r_kind = "alpha";
        nif->r_source = s->reliability_source;
    }
    if (norm < 0 || (size_t)norm >= inst->nnorms) {
        nif->reason = R_NO_NORM;
        return;
    }
    const qs_norm *nm = &inst->norms[norm];
    switch (nm->kind) {
    case QS_NORM_GENERAL:
        nif->kind = QS_NIF_PUBLISHED_GENERAL;
        break;
    case QS_NORM_CLINICAL:
        nif->kind = QS_NIF_PUBLISHED_CLINICAL;
        break;
    case QS_NORM_FUNCTIONAL:
        nif->kind = QS_NIF_PUBLISHED_FUNCTIONAL;
        break;
    }
    nif->id = nm->id;
    nif->n = nm->n;
    nif->mean = nm->mean ? nm->mean[score] : NAN;
    nif->sd = nm->sd ? nm->sd[score] : NAN;
    nif->source = nm->source;
}

int qs_norm_in_force_local(qs_norm_in_force *nif, long snapshot, double *sample, size_t n,
                           const qs_norms_alpha *alpha, const char *source)
{
    qs_norm_in_force_init(nif);
    double mean, sd;
    if (qs_norms_mean_sd(&mean, &sd, sample, n)) {
        nif->reason = R_NOT_FINITE;
        return -1;
    }
    qs_norms_sort(sample, n);
    nif->kind = QS_NIF_LOCAL;
    nif->snapshot = snapshot;
    nif->n = (long)n;
    nif->mean = mean;
    nif->sd = sd;
    nif->source = source;
    nif->sample = sample;
    nif->nsample = n;
    if (alpha) {
        nif->r = alpha->alpha;
        nif->r_min_pair_n = alpha->min_pair_n;
        if (isfinite(alpha->alpha)) {
            nif->r_kind = "alpha_pairwise";
            nif->r_source = source;
        }
    }
    return 0;
}

char *qs_norms_local_shortfall(char *buf, size_t size, size_t have, size_t min_n)
{
    if (size > 0)
        snprintf(buf, size, "local norm needs %zu clients, has %zu", min_n, have);
    return buf;
}
