/* test_cohort.c - frequency tables, quartiles, Cronbach's alpha and the F quantile, against
 * values computed by hand or printed by R 4.2 (qf, pbeta, quantile, psych::alpha 2.2.9). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "qscore/cohort.h"

#define assert_near(a, b, eps) assert_near_((a), (b), (eps), __FILE__, __LINE__)
static void assert_near_(double a, double b, double eps, const char *file, int line)
{
    if (!(fabs(a - b) <= eps)) {
        print_error("%.17g != %.17g (eps %g)\n", a, b, eps);
        _fail(file, line);
    }
}

/* R: x <- c(1, 2, 2, 3, 7); quantile(x) -> 1 2 2 3 7; mean 3; sd 2.345207879911715 */
static void test_freq_summary(void **state)
{
    (void)state;
    qs_freq f;
    qs_summary s;
    qs_freq_init(&f);
    const double x[] = {3, 2, 7, 1, 2};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(qs_freq_add(&f, x[i], 1), QS_OK);
    assert_int_equal(f.len, 4); /* 2 appears twice: one entry */
    qs_freq_summary(&f, &s);
    assert_near(s.n, 5, 0);
    assert_near(s.mean, 3, 1e-15);
    assert_near(s.sd, 2.345207879911715, 1e-14);
    assert_near(s.min, 1, 0);
    assert_near(s.max, 7, 0);
    assert_near(s.q1, 2, 0);
    assert_near(s.median, 2, 0);
    assert_near(s.q3, 3, 0);
    qs_freq_free(&f);
}

/* R: quantile(c(1, 2, 4, 8), type = 7) -> 1.75 3 5; interpolation between order statistics. */
static void test_quartiles_interpolate(void **state)
{
    (void)state;
    qs_freq f;
    qs_summary s;
    qs_freq_init(&f);
    qs_freq_add(&f, 8, 1);
    qs_freq_add(&f, 1, 1);
    qs_freq_add(&f, 4, 1);
    qs_freq_add(&f, 2, 1);
    qs_freq_summary(&f, &s);
    assert_near(s.q1, 1.75, 1e-15);
    assert_near(s.median, 3, 1e-15);
    assert_near(s.q3, 5, 1e-15);
    qs_freq_free(&f);
    /* one value: SD undefined, quartiles the value */
    qs_freq_init(&f);
    qs_freq_add(&f, 4.5, 1);
    qs_freq_summary(&f, &s);
    assert_true(isnan(s.sd));
    assert_near(s.median, 4.5, 0);
    qs_freq_free(&f);
}

/* Merging tables equals adding every value to one table, in any order. */
static void test_freq_merge_is_exact(void **state)
{
    (void)state;
    qs_freq a, b, all;
    qs_summary sa, sall;
    qs_freq_init(&a);
    qs_freq_init(&b);
    qs_freq_init(&all);
    for (int i = 0; i < 200; i++) {
        double v = (double)((i * 37) % 23) / 7.0;
        qs_freq_add(i % 3 ? &a : &b, v, 1);
        qs_freq_add(&all, v, 1);
    }
    assert_int_equal(qs_freq_merge(&a, &b), QS_OK);
    qs_freq_summary(&a, &sa);
    qs_freq_summary(&all, &sall);
    assert_memory_equal(&sa, &sall, sizeof(sa)); /* bit for bit */
    qs_freq_free(&a);
    qs_freq_free(&b);
    qs_freq_free(&all);
}

/* R: qf(.975, 49, 441) = 1.470583216447; qf(.025, 49, 441) = 0.633134190078;
 * qf(.975, 9999, 449955) = 1.02790842287 (R's chi-square limit beyond 4e5 df);
 * qf(.975, 1, 1) = 647.789011478; pbeta(.3, 2.5, 3.5) = 0.296752989296 */
static void test_f_quantile_matches_r(void **state)
{
    (void)state;
    assert_near(qs_f_quantile(0.975, 49, 441), 1.470583216447, 1e-11);
    assert_near(qs_f_quantile(0.025, 49, 441), 0.633134190078, 1e-11);
    assert_near(qs_f_quantile(0.975, 9999, 449955), 1.02790842287, 1e-10);
    assert_near(qs_f_quantile(0.025, 2, 500000), 0.0253178079843, 1e-11);
    assert_near(qs_f_quantile(0.975, 1, 1), 647.789011478, 1e-7);
    assert_near(qs_beta_inc(2.5, 3.5, 0.3), 0.296752989296, 1e-11);
    assert_true(isnan(qs_f_quantile(1.5, 2, 2)));
}

/*
 * Three items, five cases (keyed answers):
 *   (1,2,2) (2,2,3) (3,4,3) (4,4,5) (5,6,5)
 * psych::alpha (R 4.2, psych 2.2.9): raw_alpha 0.9593908629441625; r.drop 0.9938837346736188
 * 0.8919702996683989 0.8825284847693823; alpha.drop 0.8780487804878048 0.9638554216867472
 * 0.970873786407767; feldt 95%: 0.7948169657923452 .. 0.9954776130755562
 */
static void test_alpha_matches_psych(void **state)
{
    (void)state;
    const double x[5][3] = {{1, 2, 2}, {2, 2, 3}, {3, 4, 3}, {4, 4, 5}, {5, 6, 5}};
    qs_itemstats s;
    double ir[3], ad[3];
    qs_alpha a = {0, 0, 0, ir, ad};
    assert_int_equal(qs_itemstats_init(&s, 3), QS_OK);
    for (int i = 0; i < 5; i++)
        qs_itemstats_add(&s, x[i]);
    assert_int_equal(qs_alpha_compute(&s, &a), 1);
    assert_near(a.alpha, 0.9593908629441625, 1e-12);
    assert_near(ir[0], 0.9938837346736188, 1e-12);
    assert_near(ir[1], 0.8919702996683989, 1e-12);
    assert_near(ir[2], 0.8825284847693823, 1e-12);
    assert_near(ad[0], 0.8780487804878048, 1e-12);
    assert_near(ad[1], 0.9638554216867472, 1e-12);
    assert_near(ad[2], 0.970873786407767, 1e-12);
    assert_near(a.lower, 0.7948169657923452, 1e-10);
    assert_near(a.upper, 0.9954776130755562, 1e-10);
    qs_itemstats_free(&s);
}

/* Pooled sufficient statistics equal those of the parts added; an item count mismatch fails. */
static void test_itemstats_merge(void **state)
{
    (void)state;
    qs_itemstats a, b, all, other;
    qs_itemstats_init(&a, 2);
    qs_itemstats_init(&b, 2);
    qs_itemstats_init(&all, 2);
    qs_itemstats_init(&other, 3);
    for (int i = 0; i < 40; i++) {
        double x[2] = {1 + i % 5, 1 + (i * 3) % 6};
        qs_itemstats_add(i < 15 ? &a : &b, x);
        qs_itemstats_add(&all, x);
    }
    assert_int_equal(qs_itemstats_merge(&a, &b), QS_OK);
    assert_near(a.n, all.n, 0);
    assert_memory_equal(a.sum, all.sum, 2 * sizeof(double));
    assert_memory_equal(a.cross, all.cross, 4 * sizeof(double));
    assert_int_equal(qs_itemstats_merge(&a, &other), QS_EINVALID);
    /* no variance / too few cases: undefined, not a number pretending */
    double ir[2], ad[2];
    qs_alpha r = {0, 0, 0, ir, ad};
    qs_itemstats one;
    qs_itemstats_init(&one, 2);
    double x[2] = {3, 3};
    qs_itemstats_add(&one, x);
    assert_int_equal(qs_alpha_compute(&one, &r), 0);
    assert_true(isnan(r.alpha) && isnan(r.lower) && isnan(ir[0]));
    qs_itemstats_add(&one, x);
    assert_int_equal(qs_alpha_compute(&one, &r), 0); /* zero variance */
    qs_itemstats_free(&one);
    qs_itemstats_free(&a);
    qs_itemstats_free(&b);
    qs_itemstats_free(&all);
    qs_itemstats_free(&other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_freq_summary),        cmocka_unit_test(test_quartiles_interpolate),
        cmocka_unit_test(test_freq_merge_is_exact), cmocka_unit_test(test_f_quantile_matches_r),
        cmocka_unit_test(test_alpha_matches_psych), cmocka_unit_test(test_itemstats_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
