/* score.c - the scoring engine: missing-data rules, reverse keys, composites, norms, flags. */
#include "qscore/score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * Design. An instrument's scores arrive in evaluation order (instrument.c puts parts before the
 * composites that use them), so one forward pass computes everything:
 *   - item scores: keyed answers (min + max - x for reverse-keyed items) are summed over the
 *     answered items; `min_answered` decides whether a value exists at all; a mean divides by
 *     the answered count (status "prorated" when some are missing); a sum is exact when complete
 *     and, only when `prorate` is set, scaled by n / answered.
 *   - composites repeat the same rule over their parts' values.
 *   - norms turn values into z, T and percentiles, one norm in force per score (qscore/norms.h):
 *     built from the population index given to qs_scorer_new, or given whole by
 *     qs_scorer_use_norms (local snapshots); flags see a flat array of (score, field)
 *     values in which NaN means missing, so a rule over a missing score is not evaluable
 *     (expr.h), never silently false.
 * Validity indices use raw answers in published item order and never remove a score.
 */

struct qs_scorer {
    const qs_instrument *inst;
    int norm;
    qs_norm_in_force *nifs; /* nscores: the norm in force per score */
    qs_result result;
    qs_score_value *scores;
    qs_tri *flags;
    double *values;
};

const char *qs_status_name(qs_status s)
{
    switch (s) {
    case QS_STATUS_OK:
        return "ok";
    case QS_STATUS_PRORATED:
        return "prorated";
    case QS_STATUS_INSUFFICIENT:
        return "insufficient";
    }
    return "unknown";
}

double qs_normal_cdf(double z)
{
    return 0.5 * erfc(-z / sqrt(2.0));
}

void qs_score_standardize(const qs_norm_in_force *nif, double value, double *z, double *t,
                          double *percentile)
{
    double zz = NAN, tt = NAN, pp = NAN;
    if (nif && nif->kind != QS_NIF_NONE && !isnan(value) && isfinite(nif->mean) &&
        isfinite(nif->sd) && nif->sd > 0) {
        zz = (value - nif->mean) / nif->sd;
        tt = 50.0 + 10.0 * zz;
        if (nif->kind == QS_NIF_LOCAL)
            pp = nif->sample ? qs_norms_percentile_midrank(nif->sample, nif->nsample, value) : NAN;
        else
            pp = 100.0 * qs_normal_cdf(zz);
    }
    if (z)
        *z = zz;
    if (t)
        *t = tt;
    if (percentile)
        *percentile = pp;
}

/* Norms in force from the population index given to qs_scorer_new. */
static void published_norms(qs_scorer *s)
{
    for (size_t si = 0; si < s->inst->nscores; si++)
        qs_norm_in_force_published(&s->nifs[si], s->inst, si, s->norm);
}

qs_error qs_scorer_use_norms(qs_scorer *s, const qs_norm_in_force *norms)
{
    if (!norms) {
        published_norms(s);
        return QS_OK;
    }
    for (size_t si = 0; si < s->inst->nscores; si++)
        s->nifs[si] = norms[si];
    return QS_OK;
}

qs_error qs_scorer_new(qs_scorer **out, const qs_instrument *inst, int norm)
{
    *out = NULL;
    if (norm >= (int)inst->nnorms || norm < -1)
        return QS_EUSAGE;
    qs_scorer *s = calloc(1, sizeof(*s));
    if (!s)
        return QS_ENOMEM;
    s->inst = inst;
    s->norm = norm;
    s->scores = calloc(inst->nscores ? inst->nscores : 1, sizeof(*s->scores));
    s->flags = calloc(inst->nflags ? inst->nflags : 1, sizeof(*s->flags));
    s->values = calloc((inst->nscores ? inst->nscores : 1) * QS_FIELD_COUNT, sizeof(double));
    s->nifs = calloc(inst->nscores ? inst->nscores : 1, sizeof(*s->nifs));
    if (!s->scores || !s->flags || !s->values || !s->nifs) {
        qs_scorer_free(s);
        return QS_ENOMEM;
    }
    published_norms(s);
    s->result.scores = s->scores;
    s->result.flags = s->flags;
    s->result.values = s->values;
    *out = s;
    return QS_OK;
}

void qs_scorer_free(qs_scorer *s)
{
    if (!s)
        return;
    free(s->scores);
    free(s->flags);
    free(s->values);
    free(s->nifs);
    free(s);
}

/* Apply a score's missing-data rule to `k` of `n` present parts whose total is `sum`. */
static void finish(const qs_score_def *def, qs_score_value *out, double sum, size_t k, size_t n,
                   int part_prorated)
{
    out->value = NAN;
    out->status = QS_STATUS_INSUFFICIENT;
    if (k == 0 || k < def->min_answered)
        return;
    if (def->method == QS_METHOD_MEAN) {
        out->value = sum / (double)k;
    } else if (k == n) {
        out->value = sum;
    } else if (def->prorate) {
        out->value = sum * (double)n / (double)k;
    } else {
        return; /* a sum that may not be prorated needs every part */
    }
    out->status = (k < n || part_prorated) ? QS_STATUS_PRORATED : QS_STATUS_OK;
}

static void run_validity(qs_scorer *s, const int *answers, const int *checks)
{
    const qs_instrument *inst = s->inst;
    const qs_validity *rules = &inst->validity;
    qs_validity_value *v = &s->result.validity;
    size_t answered = 0;
    long run = 0, longest = 0;
    int prev = QS_MISSING;
    /* Answers are small integers: exact sums give an exact variance, cheaper than Welford. */
    long long sum = 0, sumsq = 0;

    for (size_t i = 0; i < inst->nitems; i++) {
        int a = answers[i];
        if (a == QS_MISSING) {
            run = 0;
            prev = QS_MISSING;
            continue;
        }
        answered++;
        run = (a == prev) ? run + 1 : 1;
        prev = a;
        if (run > longest)
            longest = run;
        sum += a;
        sumsq += (long long)a * a;
    }
    v->missing_fraction =
        inst->nitems ? (double)(inst->nitems - answered) / (double)inst->nitems : 0.0;
    v->longstring = longest;
    if (answered >= 2) {
        long long n = (long long)answered;
        /* sample variance = (n * sumsq - sum^2) / (n (n - 1)), numerator exact */
        v->irv = sqrt((double)(n * sumsq - sum * sum) / (double)(n * (n - 1)));
    } else {
        v->irv = NAN;
    }
    v->attention_failed = -1;
    if (rules->nchecks) {
        long failed = 0;
        for (size_t k = 0; k < rules->nchecks; k++) {
            const qs_attention_check *c = &rules->checks[k];
            int a = checks ? checks[k] : QS_MISSING;
            int ok = 0;
            for (size_t e = 0; e < c->nexpect && !ok; e++)
                ok = a != QS_MISSING && a == c->expect[e];
            failed += !ok;
        }
        v->attention_failed = failed;
    }

    /* careless: either index crossing is enough; an index that cannot be computed is unknown. */
    qs_tri by_run = rules->max_longstring > 0
                        ? (longest > rules->max_longstring ? QS_TRI_TRUE : QS_TRI_FALSE)
                        : QS_TRI_FALSE;
    qs_tri by_irv = QS_TRI_FALSE;
    if (!isnan(rules->min_irv))
        by_irv =
            isnan(v->irv) ? QS_TRI_UNKNOWN : (v->irv < rules->min_irv ? QS_TRI_TRUE : QS_TRI_FALSE);
    v->careless = (by_run == QS_TRI_TRUE || by_irv == QS_TRI_TRUE) ? QS_TRI_TRUE
                  : (by_irv == QS_TRI_UNKNOWN)                     ? QS_TRI_UNKNOWN
                                                                   : QS_TRI_FALSE;
    int by_missing =
        !isnan(rules->max_missing_fraction) && v->missing_fraction > rules->max_missing_fraction;
    int by_checks = rules->nchecks && v->attention_failed > rules->max_failed_checks;
    v->invalid = (by_missing || by_checks) ? QS_TRI_TRUE : QS_TRI_FALSE;
}

const qs_result *qs_scorer_run(qs_scorer *s, const int *answers, const int *checks)
{
    const qs_instrument *inst = s->inst;
    const int lo = inst->scale.min, hi = inst->scale.max;

    for (size_t si = 0; si < inst->nscores; si++) {
        const qs_score_def *def = &inst->scores[si];
        qs_score_value *out = &s->scores[si];
        double sum = 0.0;
        size_t k = 0;
        int part_prorated = 0;
        if (def->nitems) {
            for (size_t j = 0; j < def->nitems; j++) {
                int item = def->items[j];
                int a = answers[item];
                if (a == QS_MISSING)
                    continue;
                sum += inst->items[item].reverse ? lo + hi - a : a;
                k++;
            }
            out->n_answered = k;
            out->n_items = def->nitems;
            finish(def, out, sum, k, def->nitems, 0);
        } else {
            out->n_answered = 0;
            out->n_items = 0;
            for (size_t p = 0; p < def->nparts; p++) {
                const qs_score_value *part = &s->scores[def->parts[p]];
                out->n_answered += part->n_answered;
                out->n_items += part->n_items;
                if (part->status == QS_STATUS_INSUFFICIENT)
                    continue;
                part_prorated |= part->status == QS_STATUS_PRORATED;
                sum += part->value;
                k++;
            }
            finish(def, out, sum, k, def->nparts, part_prorated);
        }
        /* A published norm gives the same z, T and normal-CDF percentile as before norms in
         * force existed: the loader requires an SD above 0 wherever it gives a mean. */
        qs_score_standardize(&s->nifs[si], out->value, &out->z, &out->t, &out->percentile);
        double *v = &s->values[si * QS_FIELD_COUNT];
        v[QS_FIELD_VALUE] = out->value;
        v[QS_FIELD_Z] = out->z;
        v[QS_FIELD_T] = out->t;
        v[QS_FIELD_PERCENTILE] = out->percentile;
    }
    for (size_t f = 0; f < inst->nflags; f++)
        s->flags[f] = qs_expr_eval(inst->flags[f].rule, s->values);
    run_validity(s, answers, checks);
    return &s->result;
}
