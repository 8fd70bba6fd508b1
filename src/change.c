/* change.c - reliable and clinically significant change in one score across administrations. */
#include "qscore/change.h"

#include <math.h>

/*
 * Design. Jacobson, N. S., & Truax, P. (1991). Clinical significance: A statistical approach to
 * defining meaningful change in psychotherapy research. Journal of Consulting and Clinical
 * Psychology, 59(1), 12-19.
 *
 * One pass over the values finds the baseline (first value), the latest (last value) and the
 * previous (last value before the latest); NaN values (insufficient administrations) are
 * skipped, so a gap never becomes a comparison point.
 *
 * Reliable change (J&T): RCI = (x2 - x1) / S_diff, S_diff = sqrt(2 * SE^2),
 * SE = SD * sqrt(1 - r). Choices:
 *   - SD and r come from the score's norm in force (qscore/norms.h): a published population of
 *     kind general, or a local snapshot of the clinic's clients. A published clinical or
 *     functional population is refused: the RCI must not silently change meaning with a
 *     clinical sample's (usually wider) SD.
 *   - For a published norm r is the test-retest reliability when the instrument gives one (as
 *     J&T did), else alpha (what most manuals publish); for a local snapshot, alpha of the
 *     snapshot sample (norms.c). The one used is reported with its kind and source, and so is SD.
 *   - qs_change_compute (instrument + norm index) is a thin path onto qs_change_compute_nif: it
 *     builds the norm in force with qs_norm_in_force_published() and keeps its own reason texts,
 *     so the values stored before norms in force existed do not change.
 *   - |RCI| > 1.96 is reliable; exactly 1.96 is not.
 *   - Both comparisons (baseline -> latest, previous -> latest) use the same S_diff.
 *
 * Clinically significant change (J&T criterion c):
 *   c = (SD_clin * M_func + SD_func * M_clin) / (SD_clin + SD_func),
 * from the clinical and the functional population given (qs_change_compute: the first clinical
 * and the first functional norm of the instrument that give the score a mean and SD). Without a
 * functional population nothing is claimed: no functional-population norm.
 * The functional side of c is the side of the functional mean; the caller's direction must
 * agree with it (functional mean the better one), else the norms and the direction contradict
 * each other and nothing is claimed. A value exactly at c is not on the functional side (J&T
 * ask for a value closer to the functional mean than to the dysfunctional one). Recovered =
 * reliable improvement from baseline to latest AND baseline not on the functional side AND latest
 * on it.
 */

static const char R_FEWER[] = "fewer than two administrations";
static const char R_NO_SCORE[] = "no such score in the instrument";
static const char R_NO_NORM[] = "no norm population chosen";
static const char R_NOT_GENERAL[] = "the chosen norm population is not of kind general";
static const char R_NO_SD[] = "the norm gives no SD for this score";
static const char R_NO_REL[] = "no reliability (alpha or test-retest) for this score";
static const char R_PERFECT[] = "a reliability of 1 leaves no measurement error to test against";
static const char R_DIRECTION[] = "which direction is better is unknown for this score";
static const char R_NO_CLIN[] = "no clinical norm population gives this score a mean and SD";
static const char R_NO_FUNC[] = "no functional norm population gives this score a mean and SD";
static const char R_SAME_MEANS[] = "the clinical and functional means are equal";
static const char R_CONTRADICT[] =
    "the functional mean is not the better one in the given direction";
/* qs_change_compute_nif's texts (the norm in force may also be a local snapshot). */
static const char R_NIF_NO_NORM[] = "no norm in force for this score";
static const char R_NIF_NOT_GENERAL[] =
    "the norm in force is neither a general population nor a local snapshot";
static const char R_NIF_NO_CLIN[] = "no clinical-population norm";
static const char R_NIF_NO_FUNC[] = "no functional-population norm";
static const char R_NEGATIVE[] = "a negative reliability cannot give a standard error";

const char *qs_direction_name(qs_direction d)
{
    switch (d) {
    case QS_BETTER_UNKNOWN:
        return "unknown";
    case QS_BETTER_HIGHER:
        return "higher";
    case QS_BETTER_LOWER:
        return "lower";
    }
    return "unknown";
}

const char *qs_rci_class_name(qs_rci_class c)
{
    switch (c) {
    case QS_RCI_NOT_COMPUTABLE:
        return "not_computable";
    case QS_RCI_NO_CHANGE:
        return "no_reliable_change";
    case QS_RCI_IMPROVED:
        return "reliable_improvement";
    case QS_RCI_DETERIORATED:
        return "reliable_deterioration";
    case QS_RCI_INCREASED:
        return "reliable_increase";
    case QS_RCI_DECREASED:
        return "reliable_decrease";
    }
    return "unknown";
}

const char *qs_clinical_name(qs_clinical c)
{
    switch (c) {
    case QS_CLIN_NOT_COMPUTABLE:
        return "not_computable";
    case QS_CLIN_RECOVERED:
        return "recovered";
    case QS_CLIN_IMPROVED:
        return "improved";
    case QS_CLIN_UNCHANGED:
        return "unchanged";
    case QS_CLIN_DETERIORATED:
        return "deteriorated";
    }
    return "unknown";
}

static int has(double x)
{
    return isfinite(x);
}

/* The reason texts that differ between the two entry points. */
typedef struct reasons {
    const char *no_norm, *not_general, *no_clin, *no_func;
    int func_first; /* check the functional population before the direction and the clinical */
} reasons;

static const reasons COMPAT = {R_NO_NORM, R_NOT_GENERAL, R_NO_CLIN, R_NO_FUNC, 0};
static const reasons NIF = {R_NIF_NO_NORM, R_NIF_NOT_GENERAL, R_NIF_NO_CLIN, R_NIF_NO_FUNC, 1};

static void not_computable(qs_rci *c, const char *reason)
{
    c->s_diff = NAN;
    c->rci = NAN;
    c->verdict = QS_RCI_NOT_COMPUTABLE;
    c->reason = reason;
}

/*
 * Fill what `norm` says about SD and r into `out` and compute S_diff. Returns NULL on success or
 * the reason S_diff cannot be computed.
 */
static const char *s_diff_for(qs_change *out, const qs_norm_in_force *norm, const reasons *rs,
                              double *s_diff)
{
    if (!norm)
        return rs->no_norm;
    /* r is reported even when the norm cannot be used: it belongs to the score. */
    if (has(norm->r)) {
        out->reliability = norm->r;
        out->reliability_kind = norm->r_kind;
        out->reliability_source = norm->r_source;
        out->reliability_min_pair_n = norm->r_min_pair_n;
    }
    out->norm_kind = norm->kind;
    if (norm->kind == QS_NIF_NONE)
        return norm->reason ? norm->reason : rs->no_norm;
    out->norm_id = norm->id;
    out->snapshot = norm->snapshot;
    if (norm->kind != QS_NIF_PUBLISHED_GENERAL && norm->kind != QS_NIF_LOCAL)
        return rs->not_general;
    double sd = norm->sd;
    if (!has(sd) || sd <= 0)
        return R_NO_SD;
    out->sd = sd;
    out->sd_source = norm->source;

    double r = out->reliability;
    if (!has(r))
        return R_NO_REL;
    /* A published r is kept within 0..1 by the loader; a local alpha can be negative. */
    if (r < 0.0)
        return R_NEGATIVE;
    if (r >= 1.0)
        return R_PERFECT;
    /* sqrt(2) * SD * sqrt(1 - r) with one square root: one rounding fewer, and an exact S_diff
     * for r = .5. */
    *s_diff = sd * sqrt(2.0 * (1.0 - r));
    return NULL;
}

static void compare(qs_rci *c, double x1, double x2, double s_diff, const char *reason,
                    qs_direction better)
{
    c->change = x2 - x1;
    if (reason) {
        not_computable(c, reason);
        return;
    }
    c->s_diff = s_diff;
    c->rci = c->change / s_diff;
    c->reason = NULL;
    if (!(fabs(c->rci) > QS_RCI_CRITICAL))
        c->verdict = QS_RCI_NO_CHANGE;
    else if (better == QS_BETTER_HIGHER)
        c->verdict = c->rci > 0 ? QS_RCI_IMPROVED : QS_RCI_DETERIORATED;
    else if (better == QS_BETTER_LOWER)
        c->verdict = c->rci < 0 ? QS_RCI_IMPROVED : QS_RCI_DETERIORATED;
    else
        c->verdict = c->rci > 0 ? QS_RCI_INCREASED : QS_RCI_DECREASED;
}

/* A population usable for criterion c: of one of the two kinds, with a mean and an SD > 0. */
static int usable(const qs_norm_in_force *p, qs_nif_kind kind, qs_nif_kind or_kind)
{
    return p && (p->kind == kind || p->kind == or_kind) && has(p->mean) && has(p->sd) && p->sd > 0;
}

static void clinical(qs_change *out, const qs_norm_in_force *cl, const qs_norm_in_force *fu,
                     qs_direction better, const reasons *rs)
{
    out->clinical = QS_CLIN_NOT_COMPUTABLE;
    int have_cl = usable(cl, QS_NIF_PUBLISHED_CLINICAL, QS_NIF_LOCAL);
    int have_fu = usable(fu, QS_NIF_PUBLISHED_FUNCTIONAL, QS_NIF_PUBLISHED_FUNCTIONAL);
    if (have_cl)
        out->clinical_source = cl->source;
    if (have_fu)
        out->functional_source = fu->source;
    if (have_cl && have_fu)
        out->cutoff = (cl->sd * fu->mean + fu->sd * cl->mean) / (cl->sd + fu->sd);

    if (rs->func_first && !have_fu) {
        out->clinical_reason = rs->no_func;
        return;
    }
    if (better == QS_BETTER_UNKNOWN) {
        out->clinical_reason = R_DIRECTION;
        return;
    }
    if (!have_cl) {
        out->clinical_reason = rs->no_clin;
        return;
    }
    if (!have_fu) {
        out->clinical_reason = rs->no_func;
        return;
    }
    double mc = cl->mean, mf = fu->mean;
    if (mf == mc) {
        out->clinical_reason = R_SAME_MEANS;
        return;
    }
    /* +1: the functional side is above c; -1: below. */
    double side = mf > mc ? 1.0 : -1.0;
    if ((better == QS_BETTER_HIGHER) != (side > 0)) {
        out->clinical_reason = R_CONTRADICT;
        return;
    }
    const qs_rci *b = &out->from_baseline;
    switch (b->verdict) {
    case QS_RCI_IMPROVED: {
        int was_functional = side * (out->baseline_value - out->cutoff) > 0;
        int is_functional = side * (out->latest_value - out->cutoff) > 0;
        out->clinical = !was_functional && is_functional ? QS_CLIN_RECOVERED : QS_CLIN_IMPROVED;
        break;
    }
    case QS_RCI_DETERIORATED:
        out->clinical = QS_CLIN_DETERIORATED;
        break;
    case QS_RCI_NO_CHANGE:
        out->clinical = QS_CLIN_UNCHANGED;
        break;
    case QS_RCI_NOT_COMPUTABLE:
    case QS_RCI_INCREASED: /* unreachable: the direction is known here */
    case QS_RCI_DECREASED:
        out->clinical_reason = b->reason ? b->reason : R_DIRECTION;
        return;
    }
    out->clinical_reason = NULL;
}

/* Reset `out` and find the baseline, previous and latest values. */
static void scan(qs_change *out, const double *values, size_t n)
{
    out->n = 0;
    out->baseline = out->previous = out->latest = QS_CHANGE_NONE;
    out->baseline_value = out->previous_value = out->latest_value = NAN;
    out->sd = NAN;
    out->reliability = NAN;
    out->reliability_kind = NULL;
    out->norm_kind = QS_NIF_NONE;
    out->norm_id = NULL;
    out->snapshot = 0;
    out->sd_source = NULL;
    out->reliability_source = NULL;
    out->reliability_min_pair_n = 0;
    out->cutoff = NAN;
    out->clinical_norm = out->functional_norm = -1;
    out->clinical_source = out->functional_source = NULL;
    out->clinical = QS_CLIN_NOT_COMPUTABLE;
    out->clinical_reason = R_NO_SCORE;

    for (size_t i = 0; i < n; i++) {
        if (!has(values[i]))
            continue;
        if (out->n == 0) {
            out->baseline = i;
            out->baseline_value = values[i];
        }
        out->previous = out->latest;
        out->previous_value = out->latest_value;
        out->latest = i;
        out->latest_value = values[i];
        out->n++;
    }
}

static void compute(qs_change *out, const qs_norm_in_force *norm, const qs_norm_in_force *cl,
                    const qs_norm_in_force *fu, qs_direction better, const double *values, size_t n,
                    const reasons *rs)
{
    scan(out, values, n);
    double s_diff = NAN;
    const char *why = s_diff_for(out, norm, rs, &s_diff);
    const char *reason = out->n < 2 ? R_FEWER : why;
    /* With one value the baseline is the latest: that is no change, not a change of 0. */
    double x1 = out->n < 2 ? NAN : out->baseline_value;
    compare(&out->from_baseline, x1, out->latest_value, s_diff, reason, better);
    compare(&out->from_previous, out->previous_value, out->latest_value, s_diff, reason, better);
    if (!why) {
        /* S_diff belongs to the score and the norm, not to the data: report it even without
         * two administrations. */
        out->from_baseline.s_diff = out->from_previous.s_diff = s_diff;
    }
    clinical(out, cl, fu, better, rs);
}

void qs_change_compute_nif(qs_change *out, const qs_norm_in_force *norm,
                           const qs_norm_in_force *clinical_pop,
                           const qs_norm_in_force *functional_pop, qs_direction better,
                           const double *values, size_t n)
{
    compute(out, norm, clinical_pop, functional_pop, better, values, n, &NIF);
}

/* The first norm of `kind` with a mean and SD for `score`, or -1. */
static int find_norm(const qs_instrument *inst, qs_norm_kind kind, size_t score)
{
    for (size_t i = 0; i < inst->nnorms; i++) {
        const qs_norm *nm = &inst->norms[i];
        if (nm->kind == kind && nm->mean && nm->sd && has(nm->mean[score]) && has(nm->sd[score]) &&
            nm->sd[score] > 0)
            return (int)i;
    }
    return -1;
}

void qs_change_compute(qs_change *out, const qs_instrument *inst, size_t score, int norm,
                       qs_direction better, const double *values, size_t n)
{
    if (score >= inst->nscores) {
        scan(out, values, n);
        compare(&out->from_baseline, NAN, NAN, NAN, R_NO_SCORE, better);
        compare(&out->from_previous, NAN, NAN, NAN, R_NO_SCORE, better);
        return;
    }
    qs_norm_in_force rc, cl, fu;
    qs_norm_in_force_published(&rc, inst, score, norm);
    int ci = find_norm(inst, QS_NORM_CLINICAL, score);
    int fi = find_norm(inst, QS_NORM_FUNCTIONAL, score);
    qs_norm_in_force_published(&cl, inst, score, ci);
    qs_norm_in_force_published(&fu, inst, score, fi);
    compute(out, &rc, ci >= 0 ? &cl : NULL, fi >= 0 ? &fu : NULL, better, values, n, &COMPAT);
    out->clinical_norm = ci;
    out->functional_norm = fi;
}
