/* test_score.c - the scoring engine: missing-data rules, reverse keys, composites, norms,
 * validity and flags, each checked against values computed by hand. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "qscore/score.h"

#define M QS_MISSING

/* cmocka 1.1.5 has no assert_double_equal: compare within eps and show both values. */
#define assert_near(a, b, eps) assert_near_((a), (b), (eps), __FILE__, __LINE__)
static void assert_near_(double a, double b, double eps, const char *file, int line)
{
    if (!(fabs(a - b) <= eps)) {
        print_error("%.17g != %.17g (eps %g)\n", a, b, eps);
        _fail(file, line);
    }
}

/* Scale 1..5; items 2 and 4 reversed (6 - x). */
static const char DEF[] =
    "id: t\nname: T\nversion: '1'\ncitation: synthetic\n"
    "scale: {min: 1, max: 5}\n"
    "items:\n"
    "  - {id: 1}\n  - {id: 2, reverse: true}\n  - {id: 3}\n  - {id: 4, reverse: true}\n"
    "  - {id: 5}\n  - {id: 6}\n"
    "scores:\n"
    "  - {id: A, name: A, items: [1, 2, 3], method: mean, missing: {min_answered: 2},"
    " higher_means: a}\n"
    "  - {id: S, name: S, items: [4, 5, 6], method: sum, missing: {min_fraction: 0.6,"
    " prorate: true}, higher_means: s}\n"
    "  - {id: X, name: X, items: [1, 2], method: sum, higher_means: x}\n"
    "  - {id: C, name: C, scores: [A, S], method: sum, higher_means: c}\n"
    "  - {id: D, name: D, scores: [A, S], method: mean, missing: {min_answered: 1},"
    " higher_means: d}\n"
    "norms:\n"
    "  - {id: pop, name: P, source: synthetic, scores: {A: {mean: 3, sd: 0.5}}}\n"
    "flags:\n"
    "  - {id: f1, label: F1, severity: high, rule: 'A.t >= 70 or S > 12', because: b,"
    " cutoff: c, local_default: true}\n"
    "  - {id: f2, label: F2, severity: low, rule: 'A <= 2 and S <= 5', because: b,"
    " cutoff: c, local_default: true}\n"
    "validity:\n"
    "  attention_checks: [{id: AC, expect: [5]}]\n"
    "  max_longstring: 3\n"
    "  min_irv: 0.5\n"
    "  max_missing_fraction: 0.4\n";

struct fixture {
    qs_instrument *inst;
    qs_scorer *plain;
    qs_scorer *normed;
};

static int setup(void **state)
{
    static struct fixture f;
    qs_diag_list errors;
    qs_diag_list_init(&errors);
    if (qs_instrument_load_mem(&f.inst, DEF, strlen(DEF), "t.yaml", &errors)) {
        for (size_t i = 0; i < errors.count; i++)
            fprintf(stderr, "%lu:%lu %s %s\n", errors.items[i].line, errors.items[i].column,
                    errors.items[i].path, errors.items[i].message);
        return -1;
    }
    qs_diag_list_release(&errors);
    if (qs_scorer_new(&f.plain, f.inst, -1) || qs_scorer_new(&f.normed, f.inst, 0))
        return -1;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    qs_scorer_free(f->plain);
    qs_scorer_free(f->normed);
    qs_instrument_free(f->inst);
    return 0;
}

static const qs_score_value *score(const struct fixture *f, const qs_result *r, const char *id)
{
    return &r->scores[qs_instrument_score_index(f->inst, id)];
}

static void test_reverse_keyed_items_are_inverted_before_summing(void **state)
{
    struct fixture *f = *state;
    int a[] = {1, 1, 1, 1, 1, 1};
    int ac[] = {5};
    const qs_result *r = qs_scorer_run(f->plain, a, ac);
    /* A: 1 + (6-1) + 1 = 7, mean 7/3. S: (6-1) + 1 + 1 = 7. X: 1 + 5 = 6. */
    assert_near(score(f, r, "A")->value, 7.0 / 3.0, 0);
    assert_near(score(f, r, "S")->value, 7.0, 0);
    assert_near(score(f, r, "X")->value, 6.0, 0);
    assert_int_equal(score(f, r, "A")->status, QS_STATUS_OK);
    assert_int_equal(score(f, r, "A")->n_answered, 3);
    assert_int_equal(score(f, r, "A")->n_items, 3);
}

static void test_mean_uses_the_answered_items_and_says_prorated(void **state)
{
    struct fixture *f = *state;
    int a[] = {4, M, 2, 3, 3, 3};
    const qs_result *r = qs_scorer_run(f->plain, a, NULL);
    assert_near(score(f, r, "A")->value, 3.0, 0); /* (4 + 2) / 2 */
    assert_int_equal(score(f, r, "A")->status, QS_STATUS_PRORATED);
    assert_int_equal(score(f, r, "A")->n_answered, 2);
}

static void test_mean_below_min_answered_is_insufficient(void **state)
{
    struct fixture *f = *state;
    int a[] = {4, M, M, 3, 3, 3};
    const qs_result *r = qs_scorer_run(f->plain, a, NULL);
    assert_true(isnan(score(f, r, "A")->value));
    assert_int_equal(score(f, r, "A")->status, QS_STATUS_INSUFFICIENT);
    assert_int_equal(score(f, r, "A")->n_answered, 1);
}

static void test_sum_with_prorate_scales_by_items_over_answered(void **state)
{
    struct fixture *f = *state;
    int a[] = {3, 3, 3, 2, M, 5};
    const qs_result *r = qs_scorer_run(f->plain, a, NULL);
    /* S items 4 (rev: 6-2 = 4), 5 missing, 6 = 5: (4 + 5) * 3 / 2 = 13.5 */
    assert_near(score(f, r, "S")->value, 13.5, 0);
    assert_int_equal(score(f, r, "S")->status, QS_STATUS_PRORATED);
}

static void test_sum_below_min_fraction_is_insufficient(void **state)
{
    struct fixture *f = *state;
    int a[] = {3, 3, 3, 2, M, M};
    const qs_result *r = qs_scorer_run(f->plain, a, NULL);
    /* min_fraction 0.6 of 3 items: 2 needed, 1 answered. */
    assert_int_equal(score(f, r, "S")->status, QS_STATUS_INSUFFICIENT);
    assert_true(isnan(score(f, r, "S")->value));
}

static void test_sum_without_prorate_needs_every_item(void **state)
{
    struct fixture *f = *state;
    int a[] = {3, M, 3, 3, 3, 3};
    const qs_result *r = qs_scorer_run(f->plain, a, NULL);
    assert_int_equal(score(f, r, "X")->status, QS_STATUS_INSUFFICIENT);
    assert_true(isnan(score(f, r, "X")->value));
    assert_int_equal(score(f, r, "X")->n_answered, 1);
}

static void test_composites_follow_their_parts(void **state)
{
    struct fixture *f = *state;
    int all[] = {5, 1, 5, 1, 5, 5}; /* A = (5+5+5)/3 = 5; S = 5+5+5 = 15 */
    const qs_result *r = qs_scorer_run(f->plain, all, NULL);
    assert_near(score(f, r, "C")->value, 20.0, 0);
    assert_near(score(f, r, "D")->value, 10.0, 0);
    assert_int_equal(score(f, r, "C")->status, QS_STATUS_OK);
    assert_int_equal(score(f, r, "C")->n_items, 6);

    int part[] = {5, M, 5, 1, 5, 5}; /* A prorated (5), S complete (15) */
    r = qs_scorer_run(f->plain, part, NULL);
    assert_near(score(f, r, "C")->value, 20.0, 0);
    assert_int_equal(score(f, r, "C")->status, QS_STATUS_PRORATED);
    assert_int_equal(score(f, r, "C")->n_answered, 5);

    int no_a[] = {5, M, M, 1, 5, 5}; /* A insufficient */
    r = qs_scorer_run(f->plain, no_a, NULL);
    assert_int_equal(score(f, r, "C")->status, QS_STATUS_INSUFFICIENT); /* needs both parts */
    assert_near(score(f, r, "D")->value, 15.0, 0); /* min_answered 1: mean of S */
    assert_int_equal(score(f, r, "D")->status, QS_STATUS_PRORATED);
}

static void test_norms_give_z_t_and_percentile(void **state)
{
    struct fixture *f = *state;
    int a[] = {4, 2, 4, 3, 3, 3}; /* A = (4 + 4 + 4) / 3 = 4; z = (4 - 3) / 0.5 = 2 */
    const qs_result *r = qs_scorer_run(f->normed, a, NULL);
    assert_near(score(f, r, "A")->z, 2.0, 1e-15);
    assert_near(score(f, r, "A")->t, 70.0, 1e-12);
    assert_near(score(f, r, "A")->percentile, 97.72498680518208, 1e-9);
    assert_true(isnan(score(f, r, "S")->z)); /* S has no norm */
    r = qs_scorer_run(f->plain, a, NULL);
    assert_true(isnan(score(f, r, "A")->t)); /* no population chosen */
}

static void test_flags_are_three_valued(void **state)
{
    struct fixture *f = *state;
    int high[] = {4, 2, 4, 3, 3, 3}; /* A.t = 70: f1 raised */
    const qs_result *r = qs_scorer_run(f->normed, high, NULL);
    assert_int_equal(r->flags[0], QS_TRI_TRUE);
    /* Without norms A.t is missing and S = 3+3+3 = 9 <= 12: f1 not evaluable. */
    r = qs_scorer_run(f->plain, high, NULL);
    assert_int_equal(r->flags[0], QS_TRI_UNKNOWN);
    /* S > 12 decides f1 even when A.t is missing. */
    int s_high[] = {4, 2, 4, 1, 5, 5}; /* S = 5 + 5 + 5 = 15 */
    r = qs_scorer_run(f->plain, s_high, NULL);
    assert_int_equal(r->flags[0], QS_TRI_TRUE);
    /* f2: A <= 2 and S <= 5; A missing and S = 9: false whatever A is. */
    int a_missing[] = {M, M, M, 3, 3, 3};
    r = qs_scorer_run(f->plain, a_missing, NULL);
    assert_int_equal(r->flags[1], QS_TRI_FALSE);
    assert_true(isnan(r->values[qs_instrument_score_index(f->inst, "A") * QS_FIELD_COUNT]));
}

static void test_validity_indices_match_hand_computation(void **state)
{
    struct fixture *f = *state;
    int a[] = {2, 2, 2, M, 4, 4};
    int ok[] = {5};
    const qs_result *r = qs_scorer_run(f->plain, a, ok);
    const qs_validity_value *v = &r->validity;
    assert_near(v->missing_fraction, 1.0 / 6.0, 0);
    assert_int_equal(v->longstring, 3);
    /* answers 2,2,2,4,4: mean 2.8, squared deviations 3*0.64 + 2*1.44 = 4.8, /4 = 1.2 */
    assert_near(v->irv, sqrt(1.2), 1e-15);
    assert_int_equal(v->attention_failed, 0);
    assert_int_equal(v->careless, QS_TRI_FALSE);
    assert_int_equal(v->invalid, QS_TRI_FALSE);
}

static void test_careless_and_invalid_are_raised_by_their_thresholds(void **state)
{
    struct fixture *f = *state;
    int run[] = {3, 3, 3, 3, 1, 5}; /* longstring 4 > 3 */
    int bad[] = {4};
    const qs_result *r = qs_scorer_run(f->plain, run, bad);
    assert_int_equal(r->validity.longstring, 4);
    assert_int_equal(r->validity.careless, QS_TRI_TRUE);
    assert_int_equal(r->validity.attention_failed, 1);
    assert_int_equal(r->validity.invalid, QS_TRI_TRUE);
    int sparse[] = {M, M, M, 3, 4, 5}; /* 3 of 6 missing: 0.5 > 0.4 */
    int okc[] = {5};
    r = qs_scorer_run(f->plain, sparse, okc);
    assert_int_equal(r->validity.invalid, QS_TRI_TRUE);
    /* Scores are still there: a validity flag never removes them. */
    assert_false(isnan(score(f, r, "S")->value));
    int one[] = {M, M, M, M, M, 3}; /* irv needs 2 answers: careless is not evaluable */
    r = qs_scorer_run(f->plain, one, okc);
    assert_true(isnan(r->validity.irv));
    assert_int_equal(r->validity.careless, QS_TRI_UNKNOWN);
    int missing_check[] = {M};
    r = qs_scorer_run(f->plain, run, missing_check);
    assert_int_equal(r->validity.attention_failed, 1);
}

static void test_a_missing_answer_ends_a_run(void **state)
{
    struct fixture *f = *state;
    int a[] = {3, 3, M, 3, 3, 1};
    int okc[] = {5};
    const qs_result *r = qs_scorer_run(f->plain, a, okc);
    assert_int_equal(r->validity.longstring, 2);
}

static void test_normal_cdf_is_symmetric_and_exact_at_zero(void **state)
{
    (void)state;
    assert_near(qs_normal_cdf(0.0), 0.5, 0);
    assert_near(qs_normal_cdf(1.0) + qs_normal_cdf(-1.0), 1.0, 1e-15);
    assert_near(qs_normal_cdf(-1.959963984540054), 0.025, 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reverse_keyed_items_are_inverted_before_summing),
        cmocka_unit_test(test_mean_uses_the_answered_items_and_says_prorated),
        cmocka_unit_test(test_mean_below_min_answered_is_insufficient),
        cmocka_unit_test(test_sum_with_prorate_scales_by_items_over_answered),
        cmocka_unit_test(test_sum_below_min_fraction_is_insufficient),
        cmocka_unit_test(test_sum_without_prorate_needs_every_item),
        cmocka_unit_test(test_composites_follow_their_parts),
        cmocka_unit_test(test_norms_give_z_t_and_percentile),
        cmocka_unit_test(test_flags_are_three_valued),
        cmocka_unit_test(test_validity_indices_match_hand_computation),
        cmocka_unit_test(test_careless_and_invalid_are_raised_by_their_thresholds),
        cmocka_unit_test(test_a_missing_answer_ends_a_run),
        cmocka_unit_test(test_normal_cdf_is_symmetric_and_exact_at_zero),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
