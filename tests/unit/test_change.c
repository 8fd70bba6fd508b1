/* test_change.c - reliable change index and clinically significant change (Jacobson & Truax
 * 1991), each checked against values computed by hand. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "qscore/change.h"

/* cmocka 1.1.5 has no assert_double_equal: compare within eps and show both values. */
#define assert_near(a, b, eps) assert_near_((a), (b), (eps), __FILE__, __LINE__)
static void assert_near_(double a, double b, double eps, const char *file, int line)
{
    if (!(fabs(a - b) <= eps)) {
        print_error("%.17g != %.17g (eps %g)\n", a, b, eps);
        _fail(file, line);
    }
}

#define EPS 1e-12

/*
 * Hand values used below.
 *   SD 10, r .80: SE = 10 * sqrt(.2) = 4.47213595499958, S_diff = sqrt(2) * SE = 6.324555320336759
 *     change 10: RCI 1.5811388300841898; 15: 2.3717082451262845; 5: 0.7905694150420949;
 *     -20: -3.1622776601683795; 18: 2.846049894151541
 *   SD 4, r .50: S_diff = 4 * sqrt(2 * .5) = 4 exactly; 7.84 / 4 = 1.96 exactly in binary too
 *     (scaling by a power of two commutes with rounding).
 *   SD 20, r .80: S_diff = 12.649110640673518; change 25: RCI 1.976423537605237
 *   A: clinical M 70 SD 10, functional M 50 SD 8: c = (10*50 + 8*70) / 18 = 58.888888888888886
 *   H: clinical M 30 SD 10, functional M 50 SD 8: c = (10*50 + 8*30) / 18 = 41.111111111111114
 */
static const char DEF[] =
    "id: t\nname: T\nversion: '1'\ncitation: synthetic\n"
    "scale: {min: 0, max: 100}\n"
    "items:\n"
    "  - {id: 1}\n"
    "scores:\n"
    "  - {id: A, name: A, items: [1], method: mean, higher_means: a,"
    " reliability: {alpha: 0.8, source: s}}\n"
    "  - {id: H, name: H, items: [1], method: mean, higher_means: h,"
    " reliability: {alpha: 0.8, source: s}}\n"
    "  - {id: R, name: R, items: [1], method: mean, higher_means: r,"
    " reliability: {alpha: 0.5, retest: 0.8, source: s}}\n"
    "  - {id: B, name: B, items: [1], method: mean, higher_means: b,"
    " reliability: {alpha: 0.5, source: s}}\n"
    "  - {id: Q, name: Q, items: [1], method: mean, higher_means: q,"
    " reliability: {retest: 0.8, source: s}}\n"
    "  - {id: N, name: N, items: [1], method: mean, higher_means: n}\n"
    "  - {id: U, name: U, items: [1], method: mean, higher_means: u,"
    " reliability: {alpha: 0.8, source: s}}\n"
    "  - {id: P, name: P, items: [1], method: mean, higher_means: p,"
    " reliability: {alpha: 0.8, source: s}}\n"
    "norms:\n"
    "  - {id: pop, name: Pop, source: s, kind: general, scores: {"
    "A: {mean: 50, sd: 10}, H: {mean: 50, sd: 10}, R: {mean: 50, sd: 10}, B: {mean: 10, sd: 4},"
    " Q: {mean: 50, sd: 10}, N: {mean: 50, sd: 10}, P: {mean: 50, sd: 10}}}\n"
    "  - {id: clin, name: Clin, source: s, kind: clinical, scores: {"
    "A: {mean: 70, sd: 10}, H: {mean: 30, sd: 10}, P: {mean: 70, sd: 10}}}\n"
    "  - {id: func, name: Func, source: s, kind: functional, scores: {"
    "A: {mean: 50, sd: 8}, H: {mean: 50, sd: 8}}}\n"
    "  - {id: pop2, name: Pop2, source: s, kind: general, scores: {A: {mean: 50, sd: 20}}}\n";

static qs_instrument *inst;
static int POP, CLIN, FUNC, POP2;

static int setup(void **state)
{
    (void)state;
    qs_diag_list errors;
    qs_diag_list_init(&errors);
    if (qs_instrument_load_mem(&inst, DEF, strlen(DEF), "t.yaml", &errors)) {
        for (size_t i = 0; i < errors.count; i++)
            fprintf(stderr, "%lu:%lu %s %s\n", errors.items[i].line, errors.items[i].column,
                    errors.items[i].path, errors.items[i].message);
        qs_diag_list_release(&errors);
        return -1;
    }
    qs_diag_list_release(&errors);
    POP = qs_instrument_norm_index(inst, "pop");
    CLIN = qs_instrument_norm_index(inst, "clin");
    FUNC = qs_instrument_norm_index(inst, "func");
    POP2 = qs_instrument_norm_index(inst, "pop2");
    return POP < 0 || CLIN < 0 || FUNC < 0 || POP2 < 0 ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    qs_instrument_free(inst);
    return 0;
}

static size_t sc(const char *id)
{
    int i = qs_instrument_score_index(inst, id);
    assert_true(i >= 0);
    return (size_t)i;
}

/* Change in score `id` from x1 to x2 with norm `norm`. */
static qs_change two(const char *id, int norm, qs_direction better, double x1, double x2)
{
    qs_change c;
    double v[] = {x1, x2};
    qs_change_compute(&c, inst, sc(id), norm, better, v, 2);
    return c;
}

static void assert_not_computable(const qs_rci *r, const char *reason)
{
    assert_int_equal(r->verdict, QS_RCI_NOT_COMPUTABLE);
    assert_true(isnan(r->rci));
    assert_non_null(r->reason);
    assert_string_equal(r->reason, reason);
}

/* ---- reliable change ------------------------------------------------------------------- */

static void test_change_below_critical_is_no_reliable_change(void **state)
{
    (void)state;
    qs_change c = two("A", POP, QS_BETTER_HIGHER, 50, 60);
    assert_int_equal(c.n, 2);
    assert_near(c.sd, 10, 0);
    assert_near(c.reliability, 0.8, 0);
    assert_string_equal(c.reliability_kind, "alpha");
    assert_near(c.from_baseline.change, 10, 0);
    assert_near(c.from_baseline.s_diff, 6.324555320336759, EPS);
    assert_near(c.from_baseline.rci, 1.5811388300841898, EPS);
    assert_int_equal(c.from_baseline.verdict, QS_RCI_NO_CHANGE);
    assert_null(c.from_baseline.reason);
    /* With two values, previous is the baseline. */
    assert_int_equal(c.previous, 0);
    assert_near(c.from_previous.rci, 1.5811388300841898, EPS);
    assert_int_equal(c.from_previous.verdict, QS_RCI_NO_CHANGE);
}

static void test_reliable_change_follows_the_direction(void **state)
{
    (void)state;
    qs_change c = two("A", POP, QS_BETTER_HIGHER, 50, 65);
    assert_near(c.from_baseline.rci, 2.3717082451262845, EPS);
    assert_int_equal(c.from_baseline.verdict, QS_RCI_IMPROVED);

    c = two("A", POP, QS_BETTER_LOWER, 50, 65);
    assert_near(c.from_baseline.rci, 2.3717082451262845, EPS);
    assert_int_equal(c.from_baseline.verdict, QS_RCI_DETERIORATED);

    c = two("A", POP, QS_BETTER_UNKNOWN, 50, 65);
    assert_int_equal(c.from_baseline.verdict, QS_RCI_INCREASED);

    c = two("A", POP, QS_BETTER_UNKNOWN, 65, 50);
    assert_near(c.from_baseline.rci, -2.3717082451262845, EPS);
    assert_int_equal(c.from_baseline.verdict, QS_RCI_DECREASED);

    c = two("A", POP, QS_BETTER_HIGHER, 65, 50);
    assert_int_equal(c.from_baseline.verdict, QS_RCI_DETERIORATED);

    c = two("A", POP, QS_BETTER_LOWER, 65, 50);
    assert_int_equal(c.from_baseline.verdict, QS_RCI_IMPROVED);
}

static void test_rci_of_exactly_1_96_is_not_reliable(void **state)
{
    (void)state;
    /* B: S_diff = 4 exactly, and 7.84 / 4 == 1.96 exactly (see the hand values). */
    qs_change c = two("B", POP, QS_BETTER_HIGHER, 0, 7.84);
    assert_true(c.from_baseline.s_diff == 4.0);
    assert_true(c.from_baseline.rci == 1.96);
    assert_int_equal(c.from_baseline.verdict, QS_RCI_NO_CHANGE);

    c = two("B", POP, QS_BETTER_HIGHER, 7.84, 0);
    assert_true(c.from_baseline.rci == -1.96);
    assert_int_equal(c.from_baseline.verdict, QS_RCI_NO_CHANGE);

    /* Just above and just below: RCI 1.9601 and 1.9599. */
    c = two("B", POP, QS_BETTER_HIGHER, 0, 7.8404);
    assert_near(c.from_baseline.rci, 1.9601, EPS);
    assert_int_equal(c.from_baseline.verdict, QS_RCI_IMPROVED);
    c = two("B", POP, QS_BETTER_HIGHER, 0, 7.8396);
    assert_int_equal(c.from_baseline.verdict, QS_RCI_NO_CHANGE);
    c = two("B", POP, QS_BETTER_HIGHER, 7.8404, 0);
    assert_int_equal(c.from_baseline.verdict, QS_RCI_DETERIORATED);
}

static void test_insufficient_administrations_are_skipped(void **state)
{
    (void)state;
    qs_change c;
    double v[] = {NAN, 50, NAN, 60, 65, NAN};
    qs_change_compute(&c, inst, sc("A"), POP, QS_BETTER_HIGHER, v, 6);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.baseline, 1);
    assert_near(c.baseline_value, 50, 0);
    assert_int_equal(c.previous, 3);
    assert_near(c.previous_value, 60, 0);
    assert_int_equal(c.latest, 4);
    assert_near(c.latest_value, 65, 0);
    /* 50 -> 65: 15 / 6.3246 = 2.3717; 60 -> 65: 5 / 6.3246 = 0.7906. */
    assert_near(c.from_baseline.change, 15, 0);
    assert_near(c.from_baseline.rci, 2.3717082451262845, EPS);
    assert_int_equal(c.from_baseline.verdict, QS_RCI_IMPROVED);
    assert_near(c.from_previous.change, 5, 0);
    assert_near(c.from_previous.rci, 0.7905694150420949, EPS);
    assert_int_equal(c.from_previous.verdict, QS_RCI_NO_CHANGE);
}

static void test_one_administration_is_baseline_and_latest_but_no_change(void **state)
{
    (void)state;
    qs_change c;
    double v[] = {NAN, 42, NAN};
    qs_change_compute(&c, inst, sc("A"), POP, QS_BETTER_HIGHER, v, 3);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.baseline, 1);
    assert_int_equal(c.latest, 1);
    assert_near(c.latest_value, 42, 0);
    assert_int_equal(c.previous, QS_CHANGE_NONE);
    assert_true(isnan(c.previous_value));
    assert_true(isnan(c.from_baseline.change));
    assert_not_computable(&c.from_baseline, "fewer than two administrations");
    assert_not_computable(&c.from_previous, "fewer than two administrations");
    /* S_diff belongs to the score and norm, so it is still reported. */
    assert_near(c.from_baseline.s_diff, 6.324555320336759, EPS);
    assert_int_equal(c.clinical, QS_CLIN_NOT_COMPUTABLE);
}

static void test_no_values_at_all(void **state)
{
    (void)state;
    qs_change c;
    qs_change_compute(&c, inst, sc("A"), POP, QS_BETTER_LOWER, NULL, 0);
    assert_int_equal(c.n, 0);
    assert_int_equal(c.baseline, QS_CHANGE_NONE);
    assert_int_equal(c.previous, QS_CHANGE_NONE);
    assert_int_equal(c.latest, QS_CHANGE_NONE);
    assert_true(isnan(c.baseline_value) && isnan(c.latest_value));
    assert_not_computable(&c.from_baseline, "fewer than two administrations");

    double v[] = {NAN, NAN};
    qs_change_compute(&c, inst, sc("A"), POP, QS_BETTER_LOWER, v, 2);
    assert_int_equal(c.n, 0);
    assert_int_equal(c.latest, QS_CHANGE_NONE);
    assert_not_computable(&c.from_previous, "fewer than two administrations");
    assert_int_equal(c.clinical, QS_CLIN_NOT_COMPUTABLE);
    assert_string_equal(c.clinical_reason, "fewer than two administrations");
}

static void test_no_norm_chosen_is_not_computable(void **state)
{
    (void)state;
    qs_change c = two("A", -1, QS_BETTER_HIGHER, 50, 65);
    assert_near(c.from_baseline.change, 15, 0);
    assert_not_computable(&c.from_baseline, "no norm population chosen");
    assert_not_computable(&c.from_previous, "no norm population chosen");
    assert_true(isnan(c.from_baseline.s_diff));
    assert_true(isnan(c.sd));
    /* An index past the norms counts as none chosen. */
    c = two("A", 99, QS_BETTER_HIGHER, 50, 65);
    assert_not_computable(&c.from_baseline, "no norm population chosen");
}

static void test_chosen_norm_must_be_general(void **state)
{
    (void)state;
    qs_change c = two("A", CLIN, QS_BETTER_HIGHER, 50, 65);
    assert_not_computable(&c.from_baseline, "the chosen norm population is not of kind general");
}

static void test_norm_without_the_score_is_not_computable(void **state)
{
    (void)state;
    qs_change c = two("U", POP, QS_BETTER_HIGHER, 50, 65);
    assert_not_computable(&c.from_baseline, "the norm gives no SD for this score");
    assert_true(isnan(c.sd));
    assert_near(c.reliability, 0.8, 0); /* still reported */
}

static void test_no_reliability_is_not_computable(void **state)
{
    (void)state;
    qs_change c = two("N", POP, QS_BETTER_HIGHER, 50, 65);
    assert_not_computable(&c.from_baseline, "no reliability (alpha or test-retest) for this score");
    assert_true(isnan(c.reliability));
    assert_null(c.reliability_kind);
    assert_near(c.sd, 10, 0);
}

static void test_retest_is_preferred_over_alpha(void **state)
{
    (void)state;
    /* R: alpha .5 would give S_diff 10; retest .8 gives 6.3246. */
    qs_change c = two("R", POP, QS_BETTER_HIGHER, 50, 65);
    assert_string_equal(c.reliability_kind, "retest");
    assert_near(c.reliability, 0.8, 0);
    assert_near(c.from_baseline.s_diff, 6.324555320336759, EPS);
    assert_near(c.from_baseline.rci, 2.3717082451262845, EPS);

    c = two("Q", POP, QS_BETTER_HIGHER, 50, 65);
    assert_string_equal(c.reliability_kind, "retest");
    assert_near(c.from_baseline.s_diff, 6.324555320336759, EPS);
}

static void test_alpha_is_used_when_retest_is_missing(void **state)
{
    (void)state;
    qs_change c = two("B", POP, QS_BETTER_HIGHER, 10, 12);
    assert_string_equal(c.reliability_kind, "alpha");
    assert_near(c.reliability, 0.5, 0);
    assert_near(c.from_baseline.s_diff, 4, EPS); /* 4 * sqrt(2 * .5) */
    assert_near(c.from_baseline.rci, 0.5, EPS);
}

static void test_sd_comes_from_the_chosen_norm(void **state)
{
    (void)state;
    /* pop2: SD 20: S_diff 12.6491; 50 -> 75: 25 / 12.6491 = 1.9764. */
    qs_change c = two("A", POP2, QS_BETTER_UNKNOWN, 50, 75);
    assert_near(c.sd, 20, 0);
    assert_near(c.from_baseline.s_diff, 12.649110640673518, EPS);
    assert_near(c.from_baseline.rci, 1.976423537605237, EPS);
    assert_int_equal(c.from_baseline.verdict, QS_RCI_INCREASED);
}

static void test_score_out_of_range_is_not_computable(void **state)
{
    (void)state;
    qs_change c;
    double v[] = {50, 65};
    qs_change_compute(&c, inst, inst->nscores, POP, QS_BETTER_HIGHER, v, 2);
    assert_int_equal(c.n, 2);
    assert_not_computable(&c.from_baseline, "no such score in the instrument");
    assert_int_equal(c.clinical, QS_CLIN_NOT_COMPUTABLE);
    assert_string_equal(c.clinical_reason, "no such score in the instrument");
}

/* ---- clinically significant change ----------------------------------------------------- */

static void test_clinical_cutoff_is_weighted_by_the_sds(void **state)
{
    (void)state;
    qs_change c = two("A", POP, QS_BETTER_LOWER, 75, 55);
    assert_near(c.cutoff, 58.888888888888886, EPS);
    assert_int_equal(c.clinical_norm, CLIN);
    assert_int_equal(c.functional_norm, FUNC);
    c = two("H", POP, QS_BETTER_HIGHER, 30, 45);
    assert_near(c.cutoff, 41.111111111111114, EPS);
}

static void test_lower_is_better_recovered_improved_unchanged_deteriorated(void **state)
{
    (void)state;
    /* 75 -> 55: RCI -3.1623, improved; 75 above c = 58.89, 55 below: recovered. */
    qs_change c = two("A", POP, QS_BETTER_LOWER, 75, 55);
    assert_near(c.from_baseline.rci, -3.1622776601683795, EPS);
    assert_int_equal(c.clinical, QS_CLIN_RECOVERED);
    assert_null(c.clinical_reason);

    /* 75 -> 60: RCI -2.3717, improved, but 60 is still above c. */
    c = two("A", POP, QS_BETTER_LOWER, 75, 60);
    assert_int_equal(c.from_baseline.verdict, QS_RCI_IMPROVED);
    assert_int_equal(c.clinical, QS_CLIN_IMPROVED);

    /* 70 -> 65: RCI -0.79: unchanged, though closer to c. */
    c = two("A", POP, QS_BETTER_LOWER, 70, 65);
    assert_int_equal(c.clinical, QS_CLIN_UNCHANGED);

    /* 55 -> 70: RCI 2.3717 the worse way: deteriorated. */
    c = two("A", POP, QS_BETTER_LOWER, 55, 70);
    assert_int_equal(c.clinical, QS_CLIN_DETERIORATED);
    assert_null(c.clinical_reason);
}

static void test_higher_is_better_recovered_improved_unchanged_deteriorated(void **state)
{
    (void)state;
    /* c = 41.11, functional side above. 30 -> 45: RCI 2.3717, crossed: recovered. */
    qs_change c = two("H", POP, QS_BETTER_HIGHER, 30, 45);
    assert_int_equal(c.clinical, QS_CLIN_RECOVERED);

    /* 20 -> 38: RCI 2.8460, still below c: improved. */
    c = two("H", POP, QS_BETTER_HIGHER, 20, 38);
    assert_near(c.from_baseline.rci, 2.846049894151541, EPS);
    assert_int_equal(c.clinical, QS_CLIN_IMPROVED);

    /* 45 -> 60: reliable improvement but already functional at baseline: improved. */
    c = two("H", POP, QS_BETTER_HIGHER, 45, 60);
    assert_int_equal(c.clinical, QS_CLIN_IMPROVED);

    /* 30 -> 40: RCI 1.5811: unchanged. */
    c = two("H", POP, QS_BETTER_HIGHER, 30, 40);
    assert_int_equal(c.clinical, QS_CLIN_UNCHANGED);

    /* 45 -> 30: RCI -2.3717: deteriorated. */
    c = two("H", POP, QS_BETTER_HIGHER, 45, 30);
    assert_int_equal(c.clinical, QS_CLIN_DETERIORATED);
}

static void test_landing_exactly_on_the_cutoff_is_not_recovery(void **state)
{
    (void)state;
    /* 20 -> c = 740 / 18: RCI 3.3380, improved, but c itself is not the functional side. */
    qs_change c = two("H", POP, QS_BETTER_HIGHER, 20, 740.0 / 18.0);
    assert_true(c.latest_value == c.cutoff);
    assert_near(c.from_baseline.rci, 3.337959752399956, EPS);
    assert_int_equal(c.clinical, QS_CLIN_IMPROVED);
}

static void test_clinical_uses_baseline_to_latest_not_previous(void **state)
{
    (void)state;
    qs_change c;
    /* 75 -> 62 -> 56: previous -> latest is only -6 (RCI -0.95), baseline -> latest -19. */
    double v[] = {75, 62, NAN, 56};
    qs_change_compute(&c, inst, sc("A"), POP, QS_BETTER_LOWER, v, 4);
    assert_int_equal(c.from_previous.verdict, QS_RCI_NO_CHANGE);
    assert_int_equal(c.from_baseline.verdict, QS_RCI_IMPROVED);
    assert_int_equal(c.clinical, QS_CLIN_RECOVERED);
}

static void test_clinical_is_not_computable_without_its_inputs(void **state)
{
    (void)state;
    /* Direction unknown: the cutoff is still reported. */
    qs_change c = two("A", POP, QS_BETTER_UNKNOWN, 75, 55);
    assert_int_equal(c.clinical, QS_CLIN_NOT_COMPUTABLE);
    assert_string_equal(c.clinical_reason, "which direction is better is unknown for this score");
    assert_near(c.cutoff, 58.888888888888886, EPS);

    /* A's functional mean is lower: "higher is better" contradicts the norms. */
    c = two("A", POP, QS_BETTER_HIGHER, 55, 75);
    assert_int_equal(c.from_baseline.verdict, QS_RCI_IMPROVED);
    assert_int_equal(c.clinical, QS_CLIN_NOT_COMPUTABLE);
    assert_string_equal(c.clinical_reason,
                        "the functional mean is not the better one in the given direction");

    /* P: a clinical norm but no functional one. */
    c = two("P", POP, QS_BETTER_LOWER, 75, 55);
    assert_int_equal(c.from_baseline.verdict, QS_RCI_IMPROVED);
    assert_int_equal(c.clinical, QS_CLIN_NOT_COMPUTABLE);
    assert_string_equal(c.clinical_reason,
                        "no functional norm population gives this score a mean and SD");
    assert_true(isnan(c.cutoff));
    assert_int_equal(c.clinical_norm, CLIN);
    assert_int_equal(c.functional_norm, -1);

    /* R: neither. */
    c = two("R", POP, QS_BETTER_LOWER, 75, 55);
    assert_string_equal(c.clinical_reason,
                        "no clinical norm population gives this score a mean and SD");
    assert_int_equal(c.clinical_norm, -1);

    /* The RCI is not computable (no norm chosen): neither is the clinical status, and it says
     * why; the cutoff does not need the chosen norm. */
    c = two("A", -1, QS_BETTER_LOWER, 75, 55);
    assert_int_equal(c.clinical, QS_CLIN_NOT_COMPUTABLE);
    assert_string_equal(c.clinical_reason, "no norm population chosen");
    assert_near(c.cutoff, 58.888888888888886, EPS);
}

/* ---- names ----------------------------------------------------------------------------- */

static void test_names_are_stable(void **state)
{
    (void)state;
    assert_string_equal(qs_rci_class_name(QS_RCI_NOT_COMPUTABLE), "not_computable");
    assert_string_equal(qs_rci_class_name(QS_RCI_NO_CHANGE), "no_reliable_change");
    assert_string_equal(qs_rci_class_name(QS_RCI_IMPROVED), "reliable_improvement");
    assert_string_equal(qs_rci_class_name(QS_RCI_DETERIORATED), "reliable_deterioration");
    assert_string_equal(qs_rci_class_name(QS_RCI_INCREASED), "reliable_increase");
    assert_string_equal(qs_rci_class_name(QS_RCI_DECREASED), "reliable_decrease");
    assert_string_equal(qs_rci_class_name((qs_rci_class)99), "unknown");

    assert_string_equal(qs_clinical_name(QS_CLIN_NOT_COMPUTABLE), "not_computable");
    assert_string_equal(qs_clinical_name(QS_CLIN_RECOVERED), "recovered");
    assert_string_equal(qs_clinical_name(QS_CLIN_IMPROVED), "improved");
    assert_string_equal(qs_clinical_name(QS_CLIN_UNCHANGED), "unchanged");
    assert_string_equal(qs_clinical_name(QS_CLIN_DETERIORATED), "deteriorated");
    assert_string_equal(qs_clinical_name((qs_clinical)99), "unknown");

    assert_string_equal(qs_direction_name(QS_BETTER_UNKNOWN), "unknown");
    assert_string_equal(qs_direction_name(QS_BETTER_HIGHER), "higher");
    assert_string_equal(qs_direction_name(QS_BETTER_LOWER), "lower");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_change_below_critical_is_no_reliable_change),
        cmocka_unit_test(test_reliable_change_follows_the_direction),
        cmocka_unit_test(test_rci_of_exactly_1_96_is_not_reliable),
        cmocka_unit_test(test_insufficient_administrations_are_skipped),
        cmocka_unit_test(test_one_administration_is_baseline_and_latest_but_no_change),
        cmocka_unit_test(test_no_values_at_all),
        cmocka_unit_test(test_no_norm_chosen_is_not_computable),
        cmocka_unit_test(test_chosen_norm_must_be_general),
        cmocka_unit_test(test_norm_without_the_score_is_not_computable),
        cmocka_unit_test(test_no_reliability_is_not_computable),
        cmocka_unit_test(test_retest_is_preferred_over_alpha),
        cmocka_unit_test(test_alpha_is_used_when_retest_is_missing),
        cmocka_unit_test(test_sd_comes_from_the_chosen_norm),
        cmocka_unit_test(test_score_out_of_range_is_not_computable),
        cmocka_unit_test(test_clinical_cutoff_is_weighted_by_the_sds),
        cmocka_unit_test(test_lower_is_better_recovered_improved_unchanged_deteriorated),
        cmocka_unit_test(test_higher_is_better_recovered_improved_unchanged_deteriorated),
        cmocka_unit_test(test_landing_exactly_on_the_cutoff_is_not_recovery),
        cmocka_unit_test(test_clinical_uses_baseline_to_latest_not_previous),
        cmocka_unit_test(test_clinical_is_not_computable_without_its_inputs),
        cmocka_unit_test(test_names_are_stable),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
