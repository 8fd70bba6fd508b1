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
 *   - SD comes from the norm population the caller chose, and only when it is of kind general:
 *     the RCI must not silently change meaning with a clinical sample's (usually wider) SD.
 *   - r is the test-retest reliability when the instrument gives one (as J&T did), else alpha
 *     (what most manuals publish). The one used is reported with its kind.
 *   - |RCI| > 1.96 is reliable; exactly 1.96 is not.
 *   - Both comparisons (baseline -> latest, previous -> latest) use the same S_diff.
 *
 * Clinically significant change (J&T criterion c):
 *   c = (SD_clin * M_func + SD_func * M_clin) / (SD_clin + SD_func),
 * from the first clinical and the first functional norm that give the score a mean and SD.
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

static void not_computable(qs_rci *c, const char *reason)
{
    c->s_diff = NAN;
    c->rci = NAN;
    c->verdict = QS_RCI_NOT_COMPUTABLE;
    c->reason = reason;
}

/*
 * Fill out->sd and out->reliability (each when known) and compute S_diff. Returns NULL on
 * success or the reason S_diff cannot be computed.
 */
static const char *s_diff_for(qs_change *out, const qs_instrument *inst, size_t score, int norm,
                              double *s_diff)
{
    const qs_score_def *s = &inst->scores[score];
    if (has(s->retest)) {
        out->reliability = s->retest;
        out->reliability_kind = "retest";
    } else if (has(s->alpha)) {
        out->reliability = s->alpha;
        out->reliability_kind = "alpha";
    }

    if (norm < 0 || (size_t)norm >= inst->nnorms)
        return R_NO_NORM;
    const qs_norm *nm = &inst->norms[norm];
    if (nm->kind != QS_NORM_GENERAL)
        return R_NOT_GENERAL;
    double sd = nm->sd ? nm->sd[score] : NAN;
    if (!has(sd) || sd <= 0)
        return R_NO_SD;
    out->sd = sd;

    double r = out->reliability;
    /* The loader keeps r within 0..1; anything else cannot be a reliability. */
    if (!has(r) || r < 0.0)
        return R_NO_REL;
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

static void clinical(qs_change *out, const qs_instrument *inst, size_t score, qs_direction better)
{
    out->clinical = QS_CLIN_NOT_COMPUTABLE;
    out->clinical_norm = find_norm(inst, QS_NORM_CLINICAL, score);
    out->functional_norm = find_norm(inst, QS_NORM_FUNCTIONAL, score);
    if (out->clinical_norm >= 0 && out->functional_norm >= 0) {
        const qs_norm *cl = &inst->norms[out->clinical_norm];
        const qs_norm *fu = &inst->norms[out->functional_norm];
        double mc = cl->mean[score], sc = cl->sd[score];
        double mf = fu->mean[score], sf = fu->sd[score];
        out->cutoff = (sc * mf + sf * mc) / (sc + sf);
    }

    if (better == QS_BETTER_UNKNOWN) {
        out->clinical_reason = R_DIRECTION;
        return;
    }
    if (out->clinical_norm < 0) {
        out->clinical_reason = R_NO_CLIN;
        return;
    }
    if (out->functional_norm < 0) {
        out->clinical_reason = R_NO_FUNC;
        return;
    }
    double mc = inst->norms[out->clinical_norm].mean[score];
    double mf = inst->norms[out->functional_norm].mean[score];
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

void qs_change_compute(qs_change *out, const qs_instrument *inst, size_t score, int norm,
                       qs_direction better, const double *values, size_t n)
{
    out->n = 0;
    out->baseline = out->previous = out->latest = QS_CHANGE_NONE;
    out->baseline_value = out->previous_value = out->latest_value = NAN;
    out->sd = NAN;
    out->reliability = NAN;
    out->reliability_kind = NULL;
    out->cutoff = NAN;
    out->clinical_norm = out->functional_norm = -1;
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

    if (score >= inst->nscores) {
        compare(&out->from_baseline, NAN, NAN, NAN, R_NO_SCORE, better);
        compare(&out->from_previous, NAN, NAN, NAN, R_NO_SCORE, better);
        return;
    }
    double s_diff = NAN;
    const char *why = s_diff_for(out, inst, score, norm, &s_diff);
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
    clinical(out, inst, score, better);
}
