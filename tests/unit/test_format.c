/* test_format.c - numbers are the shortest text that round-trips; flag details and rules. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qscore/format.h"

static void test_numbers_are_the_shortest_round_trip_text(void **state)
{
    (void)state;
    char b[64];
    struct {
        double v;
        const char *want;
    } cases[] = {
        {3.0, "3"},
        {-2.0, "-2"},
        {0.0, "0"},
        {2.5, "2.5"},
        {0.1, "0.1"},
        {0.1 + 0.2, "0.30000000000000004"},
        {7.0 / 3.0, "2.3333333333333335"},
        {51.42857142857143, "51.42857142857143"},
        {1e-05, "1e-05"},
        {1.5e-7, "1.5e-07"},
        {1e20, "1e+20"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        qs_format_double(b, sizeof(b), cases[i].v);
        assert_string_equal(b, cases[i].want);
        assert_true(strtod(b, NULL) == cases[i].v);
    }
    assert_int_equal(qs_format_double(b, sizeof(b), NAN), 0);
    assert_string_equal(b, "");
}

static void test_many_values_round_trip(void **state)
{
    (void)state;
    char b[64];
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 100000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double v = (double)(x >> 11) / 9007199254740992.0 * 200.0 - 100.0;
        qs_format_double(b, sizeof(b), v);
        assert_true(strtod(b, NULL) == v);
    }
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t next_u64(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void expect_same_as_reference(double v)
{
    char fast[64], slow[64];
    qs_format_double(fast, sizeof(fast), v);
    qs_format_double_slow(slow, sizeof(slow), v);
    if (strcmp(fast, slow) != 0) {
        print_error("%.17g: fast '%s' != reference '%s'\n", v, fast, slow);
        fail();
    }
}

static void test_fast_formatting_agrees_with_the_reference(void **state)
{
    (void)state;
    /* Means and prorated sums of small integers: the values scores take. */
    for (int n = 1; n <= 60; n++)
        for (int s = -400; s <= 400; s++) {
            expect_same_as_reference((double)s / n);
            expect_same_as_reference((double)s * 16.0 / n);
        }
    /* z, T and percentiles of such values. */
    for (int i = 0; i < 200000; i++) {
        double u = (double)(next_u64() >> 11) / 9007199254740992.0;
        expect_same_as_reference(u * 8.0 - 4.0);
        expect_same_as_reference(50.0 + 10.0 * (u * 8.0 - 4.0));
        expect_same_as_reference(100.0 * u);
        /* log-uniform over the fast path's whole range, and a little beyond */
        expect_same_as_reference(pow(10.0, u * 22.0 - 6.0));
        expect_same_as_reference(-pow(10.0, u * 22.0 - 6.0));
    }
    /* Random bit patterns (finite): everything must still round-trip and agree. */
    for (int i = 0; i < 200000; i++) {
        uint64_t bits = next_u64();
        double v;
        memcpy(&v, &bits, sizeof(v));
        if (isnan(v) || isinf(v))
            continue;
        expect_same_as_reference(v);
    }
    /* Boundaries: ties, powers of two, the edges of the fast range. */
    double edges[] = {1e-5,
                      1.0000000000000002e-05,
                      9.999999999999999e-06,
                      1e15 - 0.5,
                      0.5,
                      0.25,
                      0.1,
                      0.2,
                      0.3,
                      2.5,
                      1.5,
                      5e-324,
                      1e300,
                      4503599627370497.5,
                      0.30000000000000004,
                      123456.78901234567,
                      9.5367431640625e-07};
    for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
        expect_same_as_reference(edges[i]);
}

static void test_validity_flags_say_their_rule_and_the_values_they_saw(void **state)
{
    (void)state;
    qs_instrument inst;
    memset(&inst, 0, sizeof(inst));
    inst.validity.max_longstring = 18;
    inst.validity.min_irv = 0.5;
    inst.validity.max_missing_fraction = NAN; /* off: only attention checks make it invalid */
    inst.validity.nchecks = 1;
    inst.validity.max_failed_checks = 0;
    qs_result res;
    memset(&res, 0, sizeof(res));
    res.validity.longstring = 36;
    res.validity.irv = NAN; /* fewer than two answers */
    res.validity.attention_failed = 1;
    char buf[128];
    qs_flag_detail(&inst, 0, &res, buf, sizeof(buf)); /* k == nflags: careless */
    assert_string_equal(buf, "longstring=36; irv=missing");
    qs_flag_detail(&inst, 1, &res, buf, sizeof(buf)); /* k == nflags + 1: invalid */
    assert_string_equal(buf, "attention_failed=1");
    qs_validity_cond c[2];
    size_t n = qs_validity_conds(c, &inst, &res.validity, 1);
    assert_int_equal(n, 2);
    qs_validity_rule_text(c, n, buf, sizeof(buf));
    assert_string_equal(buf, "longstring > 18 or irv < 0.5");
    qs_validity_rule_text(c, n, buf, 12); /* truncated, still terminated */
    assert_string_equal(buf, "longstring ");
    const char *id, *label;
    qs_validity_flag_text(1, &id, &label, NULL);
    assert_string_equal(id, "invalid");
    assert_string_equal(label, "Invalid administration");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_are_the_shortest_round_trip_text),
        cmocka_unit_test(test_many_values_round_trip),
        cmocka_unit_test(test_fast_formatting_agrees_with_the_reference),
        cmocka_unit_test(test_validity_flags_say_their_rule_and_the_values_they_saw),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
