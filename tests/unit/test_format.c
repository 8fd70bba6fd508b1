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

/*
 * The reference: how qscore wrote numbers before format.c computed digits itself, with glibc's
 * printf and strtod (the first of %.15g, %.16g and %.17g that reads back as v; whole numbers,
 * -0 included, as integers). For normal doubles that is the shortest round-trip text, so
 * qs_format_double must write exactly it: outputs and golden files stay byte-identical.
 */
static void reference_text(char *buf, size_t size, double v)
{
    if (isnan(v)) {
        buf[0] = '\0';
        return;
    }
    if (v == 0) {
        snprintf(buf, size, "0");
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

static int is_subnormal(double v)
{
    return v != 0 && fabs(v) < 2.2250738585072014e-308;
}

static uint64_t bits_of(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof(b));
    return b;
}

static double from_bits(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof(v));
    return v;
}

/*
 * The shortest decimal that reads back as v > 0, the closest of those (ties to even), as %e
 * writes it, by brute force: for 1, 2, ... 17 digits, the closest decimal of that length (printf
 * rounds correctly, ties to even) or, when that one does not read back, the decimal of that length
 * on the other side of v (the closest can fall outside v's rounding interval where the interval
 * is uneven, at powers of two). Returns the number of digits.
 */
static int shortest_e_text(char *buf, size_t size, double v)
{
    for (int prec = 0; prec <= 16; prec++) {
        snprintf(buf, size, "%.*e", prec, v);
        double a = strtod(buf, NULL);
        if (a == v)
            return prec + 1;
        /* digits and exponent of buf, then one unit in the last place towards v */
        char *e = strchr(buf, 'e');
        long long m = 0;
        for (const char *p = buf; p < e; p++)
            if (*p != '.')
                m = m * 10 + (*p - '0');
        long x = strtol(e + 1, NULL, 10) - prec; /* buf is m * 10^x */
        m += a < v ? 1 : -1;
        char other[64];
        snprintf(other, sizeof(other), "%llde%ld", m, x);
        if (m > 0 && strtod(other, NULL) == v) {
            /* back to %e form: "d.ddd" with exactly prec + 1 digits of m (m may have one more
             * or one fewer digit than before: the exponent moves) */
            char digits[32];
            int nd = snprintf(digits, sizeof(digits), "%lld", m);
            long ex = x + nd - 1;
            while (nd > 1 && digits[nd - 1] == '0')
                nd--;
            snprintf(buf, size, "%c%s%.*se%c%02ld", digits[0], nd > 1 ? "." : "", nd - 1,
                     digits + 1, ex < 0 ? '-' : '+', ex < 0 ? -ex : ex);
            return nd;
        }
    }
    return 0;
}

/* The text of the decimal `e` (as %e writes it, v > 0) laid out as printf's %.{P}g lays out a
 * value, P = max(15, its digits): the documented form of qs_format_double. */
static void g_layout(char *out, size_t size, const char *e)
{
    char d[32];
    int n = 0;
    const char *p = e;
    for (; *p != 'e'; p++)
        if (*p != '.')
            d[n++] = *p;
    long x = strtol(p + 1, NULL, 10);
    while (n > 1 && d[n - 1] == '0')
        n--;
    d[n] = '\0';
    int prec = n > 15 ? n : 15;
    if (x < -4 || x >= prec)
        snprintf(out, size, "%c%s%se%c%02ld", d[0], n > 1 ? "." : "", d + 1, x < 0 ? '-' : '+',
                 x < 0 ? -x : x);
    else if (x < 0)
        snprintf(out, size, "0.%.*s%s", (int)(-x - 1), "0000", d);
    else if (n <= x + 1)
        snprintf(out, size, "%s%.*s", d, (int)(x + 1 - n), "0000000000000000");
    else
        snprintf(out, size, "%.*s.%s", (int)(x + 1), d, d + x + 1);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t next_u64(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double uniform01(void)
{
    return (double)(next_u64() >> 11) / 9007199254740992.0;
}

/* v's text reads back as exactly v (bit for bit; -0 reads back as 0, its documented text). */
static void expect_round_trip(const char *text, double v)
{
    double back = strtod(text, NULL);
    if (bits_of(back) != bits_of(v) && !(v == 0 && back == 0)) {
        print_error("%.17g (bits %016llx): '%s' reads back as %.17g\n", v,
                    (unsigned long long)bits_of(v), text, back);
        fail();
    }
}

/* Powers of two and subnormals: where the earlier text was not always the shortest. */
static int uneven_or_subnormal(double v)
{
    uint64_t b = bits_of(v);
    return (b & ((1ULL << 52) - 1)) == 0 || ((b >> 52) & 0x7FF) == 0;
}

/*
 * qs_format_double(v) reads back as v, and is the reference's text. Except for powers of two and
 * subnormals, where the reference wrote more digits than needed in a few cases (2^-24:
 * 5.9604644775390625e-08, 5e-324: 4.94065645841247e-324): there it is the brute-force shortest
 * decimal, laid out the same way.
 */
static void expect_same_as_reference(double v)
{
    char got[64], want[64];
    size_t n = qs_format_double(got, sizeof(got), v);
    assert_int_equal(n, strlen(got));
    if (v != 0 && !isinf(v) && uneven_or_subnormal(v)) {
        char e[64];
        assert_true(shortest_e_text(e, sizeof(e), fabs(v)) > 0);
        g_layout(want + (v < 0), sizeof(want) - 1, e);
        want[0] = v < 0 ? '-' : want[0];
        if (fabs(v) < 1e15 && v == floor(v)) /* whole: the reference's text is right */
            reference_text(want, sizeof(want), v);
    } else {
        reference_text(want, sizeof(want), v);
    }
    if (strcmp(got, want) != 0) {
        print_error("%.17g (bits %016llx): wrote '%s', reference '%s'\n", v,
                    (unsigned long long)bits_of(v), got, want);
        fail();
    }
    expect_round_trip(got, v);
}

static void test_numbers_are_the_shortest_round_trip_text(void **state)
{
    (void)state;
    char b[64];
    /* Expected texts: Python's repr() digits in printf's %.15g layout (%.16g/%.17g when 16 or
     * 17 digits are needed). */
    struct {
        double v;
        const char *want;
    } cases[] = {
        {3.0, "3"},
        {-2.0, "-2"},
        {0.0, "0"},
        {-0.0, "0"},
        {2.5, "2.5"},
        {0.1, "0.1"},
        {0.3, "0.3"},
        {0.1 + 0.2, "0.30000000000000004"},
        {25.0 / 12.0, "2.0833333333333335"},
        {7.0 / 3.0, "2.3333333333333335"},
        {100.0 / 3.0, "33.333333333333336"},
        {51.42857142857143, "51.42857142857143"},
        {99.99999999999999, "99.99999999999999"},
        {123456.78901234567, "123456.78901234567"},
        {0.00012345, "0.00012345"},
        {0.0001, "0.0001"},
        {1e-05, "1e-05"},
        {1e-07, "1e-07"},
        {1.5e-7, "1.5e-07"},
        {-1.5e-7, "-1.5e-07"},
        {1e20, "1e+20"},
        {1e21, "1e+21"},
        {1e22, "1e+22"},
        {1e23, "1e+23"},
        {9.999999999999997e+22, "9.999999999999997e+22"}, /* the double below 1e23 */
        {1e300, "1e+300"},
        {1e-300, "1e-300"},
        /* whole numbers from 1e15 on: exponent form unless 16 or 17 digits are needed */
        {1e15, "1e+15"},
        {-1e15, "-1e+15"},
        {1e15 - 0.5, "999999999999999.5"},
        {1e16, "1e+16"},
        {1125899906842624.5, "1125899906842624.5"},
        {1e15 + 0.25, "1000000000000000.2"}, /* halfway between .2 and .3: the even digit */
        {1e15 + 0.75, "1000000000000000.8"}, /* halfway between .7 and .8 */
        {1234567890123456.8, "1234567890123456.8"},
        {4503599627370497.5, "4503599627370498"}, /* not a double: rounds to even */
        {9007199254740992.0, "9007199254740992"}, /* 2^53 */
        {9007199254740993.0, "9007199254740992"}, /* not a double: 2^53 */
        {9007199254740994.0, "9007199254740994"}, /* 2^53 + 2 */
        {12345678901234567.0, "12345678901234568"},
        {9.223372036854776e+18, "9.223372036854776e+18"},   /* 2^63 */
        {1.8446744073709552e+19, "1.8446744073709552e+19"}, /* 2^64 */
        /* 1 and its neighbours */
        {1.0000000000000002, "1.0000000000000002"},
        {0.9999999999999999, "0.9999999999999999"},
        /* powers of two: the double below is half as far as the one above */
        {0.5, "0.5"},
        {0.0009765625, "0.0009765625"},                     /* 2^-10 */
        {9.5367431640625e-07, "9.5367431640625e-07"},       /* 2^-20 */
        {5.960464477539063e-08, "5.960464477539063e-08"},   /* 2^-24 */
        {5.684341886080802e-14, "5.684341886080802e-14"},   /* 2^-44 */
        {1.1754943508222875e-38, "1.1754943508222875e-38"}, /* 2^-126 */
        {4.450147717014403e-308, "4.450147717014403e-308"}, /* 2^-1021 */
        {8.98846567431158e+307, "8.98846567431158e+307"},   /* 2^1023 */
        /* the ends of the range */
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {-1.7976931348623157e308, "-1.7976931348623157e+308"},
        {2.2250738585072014e-308, "2.2250738585072014e-308"}, /* smallest normal, 2^-1022 */
        {2.225073858507201e-308, "2.225073858507201e-308"},   /* largest subnormal */
        /* subnormals: multiples of 2^-1074 */
        {5e-324, "5e-324"},
        {-5e-324, "-5e-324"},
        {2 * 5e-324, "1e-323"},
        {3 * 5e-324, "1.5e-323"},
        {10 * 5e-324, "5e-323"},
        {1000 * 5e-324, "4.94e-321"},
        {1048576 * 5e-324, "5.180654e-318"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = qs_format_double(b, sizeof(b), cases[i].v);
        if (strcmp(b, cases[i].want) != 0) {
            print_error("case %zu: %.17g wrote '%s', want '%s'\n", i, cases[i].v, b, cases[i].want);
            fail();
        }
        assert_int_equal(n, strlen(cases[i].want));
        expect_round_trip(b, cases[i].v);
    }
    /* Infinities as printf and strtod spell them. */
    assert_int_equal(qs_format_double(b, sizeof(b), INFINITY), 3);
    assert_string_equal(b, "inf");
    assert_int_equal(qs_format_double(b, sizeof(b), -INFINITY), 4);
    assert_string_equal(b, "-inf");
    /* Too small a buffer: nothing. */
    assert_int_equal(qs_format_double(b, 31, 0.1), 0);
    assert_string_equal(b, "");
}

static void test_nan_is_never_written(void **state)
{
    (void)state;
    char b[64];
    double nans[] = {NAN,
                     -NAN,
                     from_bits(0x7FF0000000000001ULL),
                     from_bits(0x7FF8000000000000ULL),
                     from_bits(0xFFFFFFFFFFFFFFFFULL),
                     from_bits(0x7FF4000000000000ULL)};
    for (size_t i = 0; i < sizeof(nans) / sizeof(nans[0]); i++) {
        memset(b, 'x', sizeof(b));
        assert_true(isnan(nans[i]));
        assert_int_equal(qs_format_double(b, sizeof(b), nans[i]), 0);
        assert_string_equal(b, "");
    }
}

static void test_negative_zero_is_zero(void **state)
{
    (void)state;
    char b[64];
    double nz = -0.0;
    assert_true(signbit(nz));
    assert_int_equal(qs_format_double(b, sizeof(b), nz), 1);
    assert_string_equal(b, "0");
    assert_int_equal(qs_format_double(b, sizeof(b), 0.0), 1);
    assert_string_equal(b, "0");
}

/* How many random values the round-trip test formats: 10^7 (issue 15) in the plain build, 10^6
 * under the sanitizers (the formatter runs about 10x slower there); QS_FORMAT_TEST_VALUES
 * overrides. */
static long random_value_count(void)
{
    const char *env = getenv("QS_FORMAT_TEST_VALUES");
    if (env && *env) {
        char *end;
        long n = strtol(env, &end, 10);
        if (*end == '\0' && n > 0)
            return n;
    }
#if defined(__SANITIZE_ADDRESS__)
    return 1000000;
#else
    return 10000000;
#endif
}

/* A value of the kinds scores take: a whole or few-decimal number in 0..100, a mean or prorated
 * sum, a z, a T, a percentile. */
static double score_like(uint64_t r)
{
    static const double scale[] = {1, 10, 100, 1000, 10000};
    double u = uniform01();
    switch (r % 6) {
    case 0:
        return floor(u * 100.0 * scale[(r >> 8) % 5] + 0.5) / scale[(r >> 8) % 5];
    case 1:
        return (double)((r >> 8) % 2001) / (double)((r >> 24) % 60 + 1);
    case 2:
        return u * 8.0 - 4.0;
    case 3:
        return 50.0 + 10.0 * (u * 8.0 - 4.0);
    case 4:
        return 100.0 * u;
    default:
        return pow(10.0, u * 40.0 - 20.0) * ((r >> 8) & 1 ? -1.0 : 1.0);
    }
}

/*
 * 10^7 values: half random bit patterns (every finite double equally likely by bits: all
 * exponents, subnormals included), half values of the kinds scores take. Each must read back
 * as the same double; every eighth pair is also compared with the reference's text (printf costs
 * about 2 us a value, so all 10^7 would take 20 s; QS_FORMAT_TEST_VALUES=80000000 compares 10^7).
 */
static void test_random_values_round_trip_and_match_the_reference(void **state)
{
    (void)state;
    long n = random_value_count(), subnormals = 0, compared = 0;
    char b[64];
    for (long i = 0; i < n; i++) {
        uint64_t r = next_u64();
        double v;
        if (i & 1) {
            v = score_like(r);
        } else {
            v = from_bits(r);
            if (isnan(v) || isinf(v))
                continue;
        }
        subnormals += is_subnormal(v);
        if ((i >> 1) % 8 == 0) {
            expect_same_as_reference(v);
            compared++;
        } else {
            size_t len = qs_format_double(b, sizeof(b), v);
            assert_int_equal(len, strlen(b));
            expect_round_trip(b, v);
        }
    }
    /* 2^-11 of random bit patterns have a zero exponent field. */
    assert_true(subnormals > n / 2 / 4096);
    assert_true(compared > n / 9);
}

/* Every binary exponent (each uses its own power of ten): the smallest, largest and a few random
 * significands, both signs. */
static void test_every_binary_exponent(void **state)
{
    (void)state;
    for (uint64_t bexp = 0; bexp < 0x7FF; bexp++) {
        uint64_t fracs[6] = {0,         1, (1ULL << 52) - 1, next_u64() >> 12, next_u64() >> 12,
                             1ULL << 51};
        for (int i = 0; i < 6; i++) {
            if (bexp == 0 && fracs[i] == 0)
                continue; /* zero */
            double v = from_bits(bexp << 52 | fracs[i]);
            expect_same_as_reference(v);
            expect_same_as_reference(-v);
        }
    }
}

/* The first 2^14 subnormals (where the interval holds the fewest digits) and the last ones. */
static void test_subnormals_are_shortest(void **state)
{
    (void)state;
    for (uint64_t t = 1; t <= (1ULL << 14); t++) {
        expect_same_as_reference(from_bits(t));
        expect_same_as_reference(from_bits((1ULL << 52) - t));
    }
    char b[64], e[64];
    qs_format_double(b, sizeof(b), from_bits(1));
    assert_int_equal(shortest_e_text(e, sizeof(e), from_bits(1)), 1);
    assert_string_equal(b, e);
}

/* The texts Python's repr() gives (tests/tools/make_format_cases.py): every power of two,
 * subnormals, the powers of ten, random bit patterns. */
static void test_python_repr_digits(void **state)
{
    (void)state;
    FILE *f = fopen(QS_TEST_DATA "/unit/data/format/repr.txt", "r");
    assert_non_null(f);
    char line[128], got[64];
    int n = 0;
    while (fgets(line, sizeof(line), f)) {
        char *end;
        uint64_t b = strtoull(line, &end, 16);
        assert_true(*end == ' ');
        char *want = end + 1;
        want[strcspn(want, "\n")] = '\0';
        double v = from_bits(b);
        qs_format_double(got, sizeof(got), v);
        if (strcmp(got, want) != 0) {
            print_error("bits %016llx: wrote '%s', Python '%s'\n", (unsigned long long)b, got,
                        want);
            fail();
        }
        n++;
    }
    fclose(f);
    assert_true(n > 4000);
}

/* Values next to the powers of ten and two, and the scorer's usual fractions. */
static void test_boundaries_and_score_values_match_the_reference(void **state)
{
    (void)state;
    for (int p = -323; p <= 308; p++) {
        double v = pow(10.0, p);
        if (v == 0 || isinf(v))
            continue;
        uint64_t b = bits_of(v);
        for (uint64_t d = 0; d < 5; d++) {
            expect_same_as_reference(from_bits(b + d));
            if (b > d)
                expect_same_as_reference(from_bits(b - d));
        }
    }
    for (int e = -1074; e <= 1023; e++) {
        uint64_t b = bits_of(ldexp(1.0, e));
        expect_same_as_reference(from_bits(b));
        expect_same_as_reference(from_bits(b + 1));
        expect_same_as_reference(from_bits(b - 1));
    }
    /* Means and prorated sums of small integers: the values scores take. */
    for (int n = 1; n <= 60; n++)
        for (int s = -400; s <= 400; s++) {
            expect_same_as_reference((double)s / n);
            expect_same_as_reference((double)s * 16.0 / n);
        }
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
    /* k == nflags: careless */
    assert_int_equal(qs_flag_detail(&inst, 0, &res, buf, sizeof(buf)), 26);
    assert_string_equal(buf, "longstring=36; irv=missing");
    assert_int_equal(qs_flag_detail(&inst, 0, &res, buf, 17), 16); /* truncated, terminated */
    assert_string_equal(buf, "longstring=36; i");
    assert_int_equal(qs_flag_detail(&inst, 0, &res, buf, 1), 0);
    assert_string_equal(buf, "");
    /* k == nflags + 1: invalid */
    assert_int_equal(qs_flag_detail(&inst, 1, &res, buf, sizeof(buf)), 18);
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
        cmocka_unit_test(test_nan_is_never_written),
        cmocka_unit_test(test_negative_zero_is_zero),
        cmocka_unit_test(test_random_values_round_trip_and_match_the_reference),
        cmocka_unit_test(test_every_binary_exponent),
        cmocka_unit_test(test_subnormals_are_shortest),
        cmocka_unit_test(test_python_repr_digits),
        cmocka_unit_test(test_boundaries_and_score_values_match_the_reference),
        cmocka_unit_test(test_validity_flags_say_their_rule_and_the_values_they_saw),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
