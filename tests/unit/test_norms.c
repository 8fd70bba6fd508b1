/* test_norms.c - local norm statistics (mean, SD, pairwise alpha, mid-rank percentiles) and
 * reliable change against a norm in force, checked against tests/tools/norms_reference.py. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "qscore/change.h"
#include "qscore/norms.h"
#include "qscore/score.h"

/* The samples and their independently computed values (generated; see the script). */
#include "norms_reference.h"

#define assert_near(a, b, eps) assert_near_((a), (b), (eps), __FILE__, __LINE__)
static void assert_near_(double a, double b, double eps, const char *file, int line)
{
    if (!(fabs(a - b) <= eps) && !(isnan(a) && isnan(b))) {
        print_error("%.17g != %.17g (eps %g)\n", a, b, eps);
        _fail(file, line);
    }
}

#define EPS      1e-12
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- mean and SD ----------------------------------------------------------------------- */

static void test_mean_and_sd_agree_with_the_reference(void **state)
{
    (void)state;
    double m, sd;
    assert_int_equal(qs_norms_mean_sd(&m, &sd, s_plain, COUNT(s_plain)), 0);
    assert_near(m, S_PLAIN_MEAN, EPS);
    assert_near(sd, S_PLAIN_SD, EPS);
    /* An offset of 1e8: the deviations are what matter, and the corrected two-pass keeps them. */
    assert_int_equal(qs_norms_mean_sd(&m, &sd, s_offset, COUNT(s_offset)), 0);
    assert_near(m, S_OFFSET_MEAN, EPS * 1e8);
    assert_near(sd, S_OFFSET_SD, EPS);
    assert_int_equal(qs_norms_mean_sd(&m, &sd, s_decimal, COUNT(s_decimal)), 0);
    assert_near(m, S_DECIMAL_MEAN, EPS);
    assert_near(sd, S_DECIMAL_SD, EPS);
}

static void test_sd_needs_two_values_and_finite_input(void **state)
{
    (void)state;
    double m, sd;
    assert_int_equal(qs_norms_mean_sd(&m, &sd, NULL, 0), 0);
    assert_true(isnan(m) && isnan(sd));
    double one[] = {4.5};
    assert_int_equal(qs_norms_mean_sd(&m, &sd, one, 1), 0);
    assert_near(m, 4.5, 0);
    assert_true(isnan(sd));
    double same[] = {3, 3, 3};
    assert_int_equal(qs_norms_mean_sd(&m, &sd, same, 3), 0);
    assert_true(sd == 0.0);
    double bad[] = {1, NAN, 3};
    assert_int_equal(qs_norms_mean_sd(&m, &sd, bad, 3), -1);
    assert_true(isnan(m) && isnan(sd));
    assert_int_equal(qs_norms_mean_sd(NULL, NULL, s_plain, COUNT(s_plain)), 0);
}

/* ---- Cronbach's alpha ------------------------------------------------------------------ */

static void assert_cov(const double *got, const double *want, size_t k)
{
    for (size_t i = 0; i < k * k; i++)
        assert_near(got[i], want[i], EPS);
}

static void test_alpha_of_complete_data_agrees_with_psych(void **state)
{
    (void)state;
    qs_norms_alpha a;
    double cov[A_COMPLETE_K * A_COMPLETE_K];
    qs_norms_alpha_pairwise(&a, a_complete, A_COMPLETE_N, A_COMPLETE_K, cov);
    assert_null(a.reason);
    assert_near(a.alpha, A_COMPLETE_ALPHA, EPS); /* 321/334 */
    assert_near(a.trace, A_COMPLETE_TRACE, EPS);
    assert_near(a.total, A_COMPLETE_TOTAL, EPS);
    assert_cov(cov, a_complete_cov, A_COMPLETE_K);
    assert_int_equal(a.k, A_COMPLETE_K);
    assert_int_equal(a.n, A_COMPLETE_N);
    assert_int_equal(a.n_complete, A_COMPLETE_N_COMPLETE);
    assert_int_equal(a.min_pair_n, A_COMPLETE_MIN_PAIR_N);
}

static void test_alpha_with_missing_cells_uses_pairwise_covariances(void **state)
{
    (void)state;
    qs_norms_alpha a;
    double cov[A_MISSING_K * A_MISSING_K];
    qs_norms_alpha_pairwise(&a, a_missing, A_MISSING_N, A_MISSING_K, cov);
    assert_null(a.reason);
    /* 508/555: each entry over the cases answering both items, around their own means. */
    assert_near(a.alpha, A_MISSING_ALPHA, EPS);
    assert_near(a.trace, A_MISSING_TRACE, EPS);
    assert_near(a.total, A_MISSING_TOTAL, EPS);
    assert_cov(cov, a_missing_cov, A_MISSING_K);
    assert_int_equal(a.n, 7);
    assert_int_equal(a.n_complete, A_MISSING_N_COMPLETE); /* 3: complete cases would keep 3 */
    assert_int_equal(a.min_pair_n, A_MISSING_MIN_PAIR_N);
    assert_int_equal(a.min_pair_i, A_MISSING_MIN_PAIR_I);
    assert_int_equal(a.min_pair_j, A_MISSING_MIN_PAIR_J);
    /* Without the matrix, the same alpha. */
    qs_norms_alpha b;
    qs_norms_alpha_pairwise(&b, a_missing, A_MISSING_N, A_MISSING_K, NULL);
    assert_true(b.alpha == a.alpha);
}

static void test_a_pair_with_fewer_than_two_cases_gives_no_alpha(void **state)
{
    (void)state;
    qs_norms_alpha a;
    double cov[A_SHORT_PAIR_K * A_SHORT_PAIR_K];
    qs_norms_alpha_pairwise(&a, a_short_pair, A_SHORT_PAIR_N, A_SHORT_PAIR_K, cov);
    assert_true(isnan(a.alpha));
    assert_true(isnan(a.trace) && isnan(a.total));
    assert_string_equal(a.reason, "a pair of items has fewer than two cases answering both");
    assert_int_equal(a.min_pair_n, A_SHORT_PAIR_MIN_PAIR_N);
    assert_int_equal(a.min_pair_i, A_SHORT_PAIR_MIN_PAIR_I);
    assert_int_equal(a.min_pair_j, A_SHORT_PAIR_MIN_PAIR_J);
    assert_int_equal(a.n_complete, 0);
    /* The other entries are still there; the short pair is NaN (R: NA). */
    assert_cov(cov, a_short_pair_cov, A_SHORT_PAIR_K);
}

static void test_negative_alpha_is_returned_and_a_zero_total_is_refused(void **state)
{
    (void)state;
    qs_norms_alpha a;
    qs_norms_alpha_pairwise(&a, a_negative, A_NEGATIVE_N, A_NEGATIVE_K, NULL);
    assert_null(a.reason);
    assert_near(a.alpha, A_NEGATIVE_ALPHA, EPS); /* -56/3 */
    assert_near(a.total, A_NEGATIVE_TOTAL, EPS);

    double cov[A_ZERO_TOTAL_K * A_ZERO_TOTAL_K];
    qs_norms_alpha_pairwise(&a, a_zero_total, A_ZERO_TOTAL_N, A_ZERO_TOTAL_K, cov);
    assert_true(isnan(a.alpha));
    assert_string_equal(a.reason, "the item covariances give the total no positive variance");
    assert_near(a.trace, A_ZERO_TOTAL_TRACE, EPS);
    assert_near(a.total, A_ZERO_TOTAL_TOTAL, EPS);
    assert_cov(cov, a_zero_total_cov, A_ZERO_TOTAL_K);
}

static void test_alpha_needs_two_items(void **state)
{
    (void)state;
    qs_norms_alpha a;
    double one[] = {1, 2, 3};
    qs_norms_alpha_pairwise(&a, one, 3, 1, NULL);
    assert_true(isnan(a.alpha));
    assert_string_equal(a.reason, "alpha needs at least two items");
    assert_int_equal(a.min_pair_n, 3);
    qs_norms_alpha_pairwise(&a, NULL, 0, 0, NULL);
    assert_true(isnan(a.alpha));
    assert_int_equal(a.min_pair_n, 0);
    assert_string_equal(a.reason, "alpha needs at least two items");
    /* Items but no cases: every pair is short. */
    qs_norms_alpha_pairwise(&a, NULL, 0, 3, NULL);
    assert_string_equal(a.reason, "a pair of items has fewer than two cases answering both");
    assert_int_equal(a.min_pair_n, 0);
}

/* ---- mid-rank percentiles -------------------------------------------------------------- */

static void test_midrank_percentile_splits_ties(void **state)
{
    (void)state;
    double s[COUNT(pct_sample)];
    memcpy(s, pct_sample, sizeof(s));
    qs_norms_sort(s, COUNT(s));
    for (size_t i = 1; i < COUNT(s); i++)
        assert_true(s[i - 1] <= s[i]);
    for (size_t i = 0; i < COUNT(pct_x); i++)
        assert_near(qs_norms_percentile_midrank(s, COUNT(s), pct_x[i]), pct_expected[i], EPS);
    /* 2 is tied three times: (1 below + 3 / 2) / 8 = 31.25. */
    assert_near(qs_norms_percentile_midrank(s, COUNT(s), 2), 31.25, 0);
    assert_true(isnan(qs_norms_percentile_midrank(s, 0, 2)));
    assert_true(isnan(qs_norms_percentile_midrank(s, COUNT(s), NAN)));
    double one[] = {7};
    assert_near(qs_norms_percentile_midrank(one, 1, 7), 50, 0);
}

/* ---- the norm in force ----------------------------------------------------------------- */

static const char SNAP[] = "local norm, snapshot 3 of 2025-01-31, n = 8";

/* A local norm from s_plain (sorted into `buf`) with r = alpha of a_missing. */
static qs_norm_in_force local_norm(double *buf)
{
    qs_norms_alpha a;
    qs_norms_alpha_pairwise(&a, a_missing, A_MISSING_N, A_MISSING_K, NULL);
    memcpy(buf, s_plain, sizeof(s_plain));
    /* Unsorted on purpose: the struct sorts it. */
    double t = buf[0];
    buf[0] = buf[7];
    buf[7] = t;
    qs_norm_in_force nif;
    assert_int_equal(qs_norm_in_force_local(&nif, 3, buf, COUNT(s_plain), &a, SNAP), 0);
    return nif;
}

static qs_norm_in_force functional_norm(void)
{
    qs_norm_in_force f;
    qs_norm_in_force_init(&f);
    f.kind = QS_NIF_PUBLISHED_FUNCTIONAL;
    f.id = "func";
    f.mean = FUNCTIONAL_MEAN;
    f.sd = FUNCTIONAL_SD;
    f.source = "synthetic functional sample";
    return f;
}

static void test_local_norm_in_force_comes_from_the_sample(void **state)
{
    (void)state;
    double buf[COUNT(s_plain)];
    qs_norm_in_force nif = local_norm(buf);
    assert_int_equal(nif.kind, QS_NIF_LOCAL);
    assert_string_equal(qs_nif_kind_name(nif.kind), "local");
    assert_int_equal(nif.snapshot, 3);
    assert_int_equal(nif.n, 8);
    assert_near(nif.mean, S_PLAIN_MEAN, EPS);
    assert_near(nif.sd, S_PLAIN_SD, EPS);
    assert_near(nif.r, LOCAL_R, EPS);
    assert_string_equal(nif.r_kind, "alpha_pairwise");
    assert_int_equal(nif.r_min_pair_n, A_MISSING_MIN_PAIR_N);
    assert_ptr_equal(nif.source, SNAP);
    assert_ptr_equal(nif.r_source, SNAP);
    assert_ptr_equal(nif.sample, buf);
    assert_true(buf[0] == 2 && buf[7] == 9);

    double bad[] = {1, INFINITY};
    assert_int_equal(qs_norm_in_force_local(&nif, 4, bad, 2, NULL, SNAP), -1);
    assert_int_equal(nif.kind, QS_NIF_NONE);
    assert_non_null(nif.reason);

    char why[64];
    assert_string_equal(qs_norms_local_shortfall(why, sizeof(why), 23, 50),
                        "local norm needs 50 clients, has 23");
    assert_string_equal(qs_norms_local_shortfall(why, 6, 23, 50), "local");
}

static void test_s_diff_is_sd_times_root_two_one_minus_r(void **state)
{
    (void)state;
    double buf[COUNT(s_plain)];
    qs_norm_in_force nif = local_norm(buf);
    qs_change c;
    double v[] = {10, NAN, 11, 11.8};
    qs_change_compute_nif(&c, &nif, NULL, NULL, QS_BETTER_HIGHER, v, 4);
    /* S_diff = SD sqrt(2 (1 - r)), the same for both comparisons. */
    assert_near(c.from_baseline.s_diff, LOCAL_S_DIFF, EPS);
    assert_near(c.from_previous.s_diff, LOCAL_S_DIFF, EPS);
    assert_near(c.from_baseline.s_diff, S_PLAIN_SD * sqrt(2.0 * (1.0 - LOCAL_R)), EPS);
    /* baseline -> latest: 10 -> 11.8; previous -> latest: 11 -> 11.8. */
    assert_near(c.from_baseline.rci, rc_cases[1].rci, EPS);
    assert_int_equal(c.from_baseline.verdict, QS_RCI_IMPROVED);
    assert_near(c.from_previous.rci, (11.8 - 11.0) / LOCAL_S_DIFF, EPS);
    assert_int_equal(c.from_previous.verdict, QS_RCI_NO_CHANGE);
    /* Every RCI says what SD and r it used and where they came from. */
    assert_near(c.sd, S_PLAIN_SD, EPS);
    assert_near(c.reliability, LOCAL_R, EPS);
    assert_string_equal(c.reliability_kind, "alpha_pairwise");
    assert_ptr_equal(c.sd_source, SNAP);
    assert_ptr_equal(c.reliability_source, SNAP);
    assert_int_equal(c.reliability_min_pair_n, A_MISSING_MIN_PAIR_N);
    assert_int_equal(c.norm_kind, QS_NIF_LOCAL);
    assert_int_equal(c.snapshot, 3);
    assert_null(c.norm_id);
}

static void test_rci_classes_follow_the_direction(void **state)
{
    (void)state;
    double buf[COUNT(s_plain)];
    qs_norm_in_force nif = local_norm(buf);
    static const qs_direction dirs[] = {QS_BETTER_HIGHER, QS_BETTER_LOWER, QS_BETTER_UNKNOWN};
    for (size_t i = 0; i < COUNT(rc_cases); i++) {
        const struct rc_case *rc = &rc_cases[i];
        int want[] = {rc->higher, rc->lower, rc->unknown};
        for (size_t d = 0; d < COUNT(dirs); d++) {
            qs_change c;
            double v[] = {rc->x1, rc->x2};
            qs_change_compute_nif(&c, &nif, NULL, NULL, dirs[d], v, 2);
            assert_near(c.from_baseline.rci, rc->rci, EPS);
            assert_near(c.from_baseline.change, rc->x2 - rc->x1, 0);
            assert_int_equal(c.from_baseline.verdict, want[d]);
            assert_int_equal(c.from_previous.verdict, want[d]);
        }
    }
}

static void test_clinical_significance_needs_a_functional_norm(void **state)
{
    (void)state;
    double buf[COUNT(s_plain)];
    qs_norm_in_force nif = local_norm(buf);
    qs_norm_in_force fu = functional_norm();
    qs_change c;
    double v[] = {5, 3};

    /* No functional population: nothing claimed, and that is the reason given. */
    qs_change_compute_nif(&c, &nif, &nif, NULL, QS_BETTER_LOWER, v, 2);
    assert_int_equal(c.from_baseline.verdict, QS_RCI_IMPROVED);
    assert_int_equal(c.clinical, QS_CLIN_NOT_COMPUTABLE);
    assert_string_equal(c.clinical_reason, "no functional-population norm");
    assert_true(isnan(c.cutoff));
    /* Even with the direction unknown, the missing norm is what is said. */
    qs_change_compute_nif(&c, &nif, &nif, NULL, QS_BETTER_UNKNOWN, v, 2);
    assert_string_equal(c.clinical_reason, "no functional-population norm");
    /* A general population is not a functional one. */
    qs_change_compute_nif(&c, &nif, &nif, &nif, QS_BETTER_LOWER, v, 2);
    assert_string_equal(c.clinical_reason, "no functional-population norm");
    /* A functional norm without a clinical population. */
    qs_change_compute_nif(&c, &nif, NULL, &fu, QS_BETTER_LOWER, v, 2);
    assert_string_equal(c.clinical_reason, "no clinical-population norm");

    /* The local snapshot (the clinic's intake) as the clinical population: c = 3.2369. */
    qs_change_compute_nif(&c, &nif, &nif, &fu, QS_BETTER_LOWER, v, 2);
    assert_near(c.cutoff, CUTOFF_C, EPS);
    assert_ptr_equal(c.clinical_source, SNAP);
    assert_string_equal(c.functional_source, "synthetic functional sample");
    assert_int_equal(c.clinical_norm, -1);
    /* 5 -> 3: reliable improvement across c: recovered. */
    assert_int_equal(c.clinical, QS_CLIN_RECOVERED);
    assert_null(c.clinical_reason);
    /* 6 -> 4: reliable improvement, 4 still above c: improved. */
    double v2[] = {6, 4};
    qs_change_compute_nif(&c, &nif, &nif, &fu, QS_BETTER_LOWER, v2, 2);
    assert_int_equal(c.clinical, QS_CLIN_IMPROVED);
    /* 3 -> 5: reliable deterioration. */
    double v3[] = {3, 5};
    qs_change_compute_nif(&c, &nif, &nif, &fu, QS_BETTER_LOWER, v3, 2);
    assert_int_equal(c.clinical, QS_CLIN_DETERIORATED);
    /* 10 -> 11: no reliable change: unchanged. */
    double v4[] = {10, 11};
    qs_change_compute_nif(&c, &nif, &nif, &fu, QS_BETTER_LOWER, v4, 2);
    assert_int_equal(c.clinical, QS_CLIN_UNCHANGED);
    /* Higher is better contradicts a functional mean below the clinical one. */
    qs_change_compute_nif(&c, &nif, &nif, &fu, QS_BETTER_HIGHER, v, 2);
    assert_int_equal(c.clinical, QS_CLIN_NOT_COMPUTABLE);
    assert_string_equal(c.clinical_reason,
                        "the functional mean is not the better one in the given direction");
}

static void test_rci_is_not_computable_without_a_usable_norm(void **state)
{
    (void)state;
    qs_change c;
    double v[] = {5, 3};
    /* A local norm that has not reached min_n yet: its reason is the RCI's. */
    char why[64];
    qs_norm_in_force none;
    qs_norm_in_force_init(&none);
    none.reason = qs_norms_local_shortfall(why, sizeof(why), 23, 50);
    qs_change_compute_nif(&c, &none, NULL, NULL, QS_BETTER_LOWER, v, 2);
    assert_int_equal(c.from_baseline.verdict, QS_RCI_NOT_COMPUTABLE);
    assert_string_equal(c.from_baseline.reason, "local norm needs 50 clients, has 23");
    assert_near(c.from_baseline.change, -2, 0);
    qs_change_compute_nif(&c, NULL, NULL, NULL, QS_BETTER_LOWER, v, 2);
    assert_string_equal(c.from_baseline.reason, "no norm in force for this score");

    /* A functional population cannot be the norm for reliable change. */
    qs_norm_in_force fu = functional_norm();
    qs_change_compute_nif(&c, &fu, NULL, NULL, QS_BETTER_LOWER, v, 2);
    assert_string_equal(c.from_baseline.reason,
                        "the norm in force is neither a general population nor a local snapshot");

    /* A local alpha below 0 (items that disagree) is no reliability. */
    double buf[COUNT(s_plain)];
    qs_norm_in_force nif = local_norm(buf);
    qs_norms_alpha neg;
    qs_norms_alpha_pairwise(&neg, a_negative, A_NEGATIVE_N, A_NEGATIVE_K, NULL);
    memcpy(buf, s_plain, sizeof(s_plain));
    assert_int_equal(qs_norm_in_force_local(&nif, 3, buf, COUNT(s_plain), &neg, SNAP), 0);
    qs_change_compute_nif(&c, &nif, NULL, NULL, QS_BETTER_LOWER, v, 2);
    assert_string_equal(c.from_baseline.reason,
                        "a negative reliability cannot give a standard error");
    /* Alpha not computable: no reliability. */
    qs_norms_alpha shortp;
    qs_norms_alpha_pairwise(&shortp, a_short_pair, A_SHORT_PAIR_N, A_SHORT_PAIR_K, NULL);
    assert_int_equal(qs_norm_in_force_local(&nif, 3, buf, COUNT(s_plain), &shortp, SNAP), 0);
    assert_null(nif.r_kind);
    assert_int_equal(nif.r_min_pair_n, 1);
    qs_change_compute_nif(&c, &nif, NULL, NULL, QS_BETTER_LOWER, v, 2);
    assert_string_equal(c.from_baseline.reason,
                        "no reliability (alpha or test-retest) for this score");
    assert_near(c.sd, S_PLAIN_SD, EPS);
}

/* ---- published norms: the compatibility path and scoring ------------------------------ */

static const char DEF[] =
    "id: t\nname: T\nversion: '1'\ncitation: synthetic\n"
    "scale: {min: 0, max: 10}\n"
    "items:\n"
    "  - {id: 1}\n"
    "  - {id: 2}\n"
    "scores:\n"
    "  - {id: A, name: A, items: [1, 2], method: mean, higher_means: a,"
    " reliability: {alpha: 0.8, retest: 0.7, source: rel-src}}\n"
    "norms:\n"
    "  - {id: pop, name: Pop, source: pop-src, kind: general, scores: {A: {mean: 2, sd: 1}}}\n"
    "  - {id: clin, name: Clin, source: clin-src, kind: clinical, scores: {A: {mean: 7, sd: 2}}}\n"
    "  - {id: func, name: Func, source: func-src, kind: functional,"
    " scores: {A: {mean: 2, sd: 1.5}}}\n";

static qs_instrument *load(void)
{
    qs_instrument *inst = NULL;
    qs_diag_list errors;
    qs_diag_list_init(&errors);
    qs_error rc = qs_instrument_load_mem(&inst, DEF, strlen(DEF), "t.yaml", &errors);
    for (size_t i = 0; i < errors.count; i++)
        fprintf(stderr, "%lu:%lu %s %s\n", errors.items[i].line, errors.items[i].column,
                errors.items[i].path, errors.items[i].message);
    qs_diag_list_release(&errors);
    assert_int_equal(rc, QS_OK);
    return inst;
}

static void test_published_norm_in_force_gives_what_the_index_gave(void **state)
{
    (void)state;
    qs_instrument *inst = load();
    int pop = qs_instrument_norm_index(inst, "pop");
    int clin = qs_instrument_norm_index(inst, "clin");
    int func = qs_instrument_norm_index(inst, "func");
    qs_norm_in_force nif, cl, fu;
    qs_norm_in_force_published(&nif, inst, 0, pop);
    assert_int_equal(nif.kind, QS_NIF_PUBLISHED_GENERAL);
    assert_string_equal(nif.id, "pop");
    assert_near(nif.mean, 2, 0);
    assert_near(nif.sd, 1, 0);
    assert_string_equal(nif.source, "pop-src");
    assert_near(nif.r, 0.7, 0); /* test-retest before alpha */
    assert_string_equal(nif.r_kind, "retest");
    assert_string_equal(nif.r_source, "rel-src");
    qs_norm_in_force_published(&cl, inst, 0, clin);
    qs_norm_in_force_published(&fu, inst, 0, func);
    assert_int_equal(cl.kind, QS_NIF_PUBLISHED_CLINICAL);
    assert_int_equal(fu.kind, QS_NIF_PUBLISHED_FUNCTIONAL);
    qs_norm_in_force none;
    qs_norm_in_force_published(&none, inst, 0, -1);
    assert_int_equal(none.kind, QS_NIF_NONE);
    assert_string_equal(none.reason, "no norm population chosen");
    assert_near(none.r, 0.7, 0);
    qs_norm_in_force_published(&none, inst, 5, pop);
    assert_int_equal(none.kind, QS_NIF_NONE);

    /* The index path and the norm-in-force path agree number for number. */
    double series[][3] = {{7, 5, 4}, {7, 6.5, 6}, {3, NAN, 6}, {2, 2, 2}};
    qs_direction dirs[] = {QS_BETTER_LOWER, QS_BETTER_HIGHER, QS_BETTER_UNKNOWN};
    for (size_t i = 0; i < COUNT(series); i++) {
        for (size_t d = 0; d < COUNT(dirs); d++) {
            qs_change a, b;
            qs_change_compute(&a, inst, 0, pop, dirs[d], series[i], 3);
            qs_change_compute_nif(&b, &nif, &cl, &fu, dirs[d], series[i], 3);
            assert_true(a.from_baseline.rci == b.from_baseline.rci ||
                        (isnan(a.from_baseline.rci) && isnan(b.from_baseline.rci)));
            assert_true(a.from_previous.rci == b.from_previous.rci ||
                        (isnan(a.from_previous.rci) && isnan(b.from_previous.rci)));
            assert_true(a.from_baseline.s_diff == b.from_baseline.s_diff);
            assert_int_equal(a.from_baseline.verdict, b.from_baseline.verdict);
            assert_int_equal(a.from_previous.verdict, b.from_previous.verdict);
            assert_int_equal(a.clinical, b.clinical);
            assert_true(a.cutoff == b.cutoff);
            assert_string_equal(a.sd_source, "pop-src");
            assert_string_equal(a.reliability_source, "rel-src");
        }
    }
    /* S_diff = 1 * sqrt(2 * .3). */
    qs_change c;
    qs_change_compute(&c, inst, 0, pop, QS_BETTER_LOWER, series[0], 3);
    assert_near(c.from_baseline.s_diff, sqrt(0.6), EPS);
    assert_int_equal(c.clinical_norm, clin);
    assert_int_equal(c.functional_norm, func);
    qs_instrument_free(inst);
}

static void test_scorer_uses_normal_cdf_for_published_and_midrank_for_local(void **state)
{
    (void)state;
    qs_instrument *inst = load();
    qs_scorer *s = NULL;
    assert_int_equal(qs_scorer_new(&s, inst, qs_instrument_norm_index(inst, "pop")), QS_OK);
    int answers[] = {3, 3};
    const qs_result *r = qs_scorer_run(s, answers, NULL);
    /* (3 - 2) / 1: z 1, T 60, 100 Phi(1) (R: 100 * pnorm(1)). */
    assert_near(r->scores[0].z, 1, 0);
    assert_near(r->scores[0].t, 60, 0);
    assert_near(r->scores[0].percentile, 84.134474606854293, EPS);

    double buf[COUNT(s_plain)];
    qs_norm_in_force nif = local_norm(buf);
    assert_int_equal(qs_scorer_use_norms(s, &nif), QS_OK);
    r = qs_scorer_run(s, answers, NULL);
    assert_near(r->scores[0].z, (3 - S_PLAIN_MEAN) / S_PLAIN_SD, EPS);
    assert_near(r->scores[0].t, 50 + 10 * (3 - S_PLAIN_MEAN) / S_PLAIN_SD, EPS);
    /* 3 in {2,4,4,4,5,5,7,9}: one below, none equal: 12.5. */
    assert_near(r->scores[0].percentile, 12.5, 0);
    int fours[] = {4, 4};
    r = qs_scorer_run(s, fours, NULL);
    assert_near(r->scores[0].percentile, 100.0 * (1 + 1.5) / 8, 0);

    assert_int_equal(qs_scorer_use_norms(s, NULL), QS_OK);
    r = qs_scorer_run(s, answers, NULL);
    assert_near(r->scores[0].percentile, 84.134474606854293, EPS);

    /* Standardizing directly; NONE and a missing value give NaN. */
    double z, t, p;
    qs_score_standardize(&nif, 9, &z, &t, &p);
    assert_near(p, 100.0 * 7.5 / 8, 0);
    qs_norm_in_force none;
    qs_norm_in_force_init(&none);
    qs_score_standardize(&none, 9, &z, &t, &p);
    assert_true(isnan(z) && isnan(t) && isnan(p));
    qs_score_standardize(&nif, NAN, &z, NULL, NULL);
    assert_true(isnan(z));
    nif.sample = NULL; /* a local norm without its sample: z and T, no percentile */
    qs_score_standardize(&nif, 9, &z, &t, &p);
    assert_false(isnan(z));
    assert_true(isnan(p));
    qs_scorer_free(s);
    qs_instrument_free(inst);
}

static void test_names_are_stable(void **state)
{
    (void)state;
    assert_string_equal(qs_nif_kind_name(QS_NIF_NONE), "none");
    assert_string_equal(qs_nif_kind_name(QS_NIF_PUBLISHED_GENERAL), "general");
    assert_string_equal(qs_nif_kind_name(QS_NIF_PUBLISHED_CLINICAL), "clinical");
    assert_string_equal(qs_nif_kind_name(QS_NIF_PUBLISHED_FUNCTIONAL), "functional");
    assert_string_equal(qs_nif_kind_name(QS_NIF_LOCAL), "local");
    assert_string_equal(qs_nif_kind_name((qs_nif_kind)99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mean_and_sd_agree_with_the_reference),
        cmocka_unit_test(test_sd_needs_two_values_and_finite_input),
        cmocka_unit_test(test_alpha_of_complete_data_agrees_with_psych),
        cmocka_unit_test(test_alpha_with_missing_cells_uses_pairwise_covariances),
        cmocka_unit_test(test_a_pair_with_fewer_than_two_cases_gives_no_alpha),
        cmocka_unit_test(test_negative_alpha_is_returned_and_a_zero_total_is_refused),
        cmocka_unit_test(test_alpha_needs_two_items),
        cmocka_unit_test(test_midrank_percentile_splits_ties),
        cmocka_unit_test(test_local_norm_in_force_comes_from_the_sample),
        cmocka_unit_test(test_s_diff_is_sd_times_root_two_one_minus_r),
        cmocka_unit_test(test_rci_classes_follow_the_direction),
        cmocka_unit_test(test_clinical_significance_needs_a_functional_norm),
        cmocka_unit_test(test_rci_is_not_computable_without_a_usable_norm),
        cmocka_unit_test(test_published_norm_in_force_gives_what_the_index_gave),
        cmocka_unit_test(test_scorer_uses_normal_cdf_for_published_and_midrank_for_local),
        cmocka_unit_test(test_names_are_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
