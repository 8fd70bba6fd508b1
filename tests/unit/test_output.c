/* test_output.c - number formatting round-trips; CSV rows quote what needs quoting. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qscore/output.h"

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

static void test_quarantine_rows_quote_fields_with_commas_quotes_and_newlines(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    qs_row_problems p;
    memset(&p, 0, sizeof(p));
    p.line = 12;
    snprintf(p.response_id, sizeof(p.response_id), "R,1");
    p.count = 1;
    snprintf(p.items[0].column, sizeof(p.items[0].column), "Q \"5\"");
    snprintf(p.items[0].value, sizeof(p.items[0].value), "a\nb");
    snprintf(p.items[0].reason, sizeof(p.items[0].reason), "bad");
    assert_int_equal(qs_quarantine_header(fp), QS_OK);
    assert_int_equal(qs_quarantine_write(fp, "in.csv", &p), QS_OK);
    fclose(fp);
    assert_string_equal(text, "source,line,response_id,column,value,reason\n"
                              "in.csv,12,\"R,1\",\"Q \"\"5\"\"\",\"a\nb\",bad\n");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_are_the_shortest_round_trip_text),
        cmocka_unit_test(test_many_values_round_trip),
        cmocka_unit_test(test_quarantine_rows_quote_fields_with_commas_quotes_and_newlines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
