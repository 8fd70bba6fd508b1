/* test_quarantine.c - quarantine CSV lines quote what needs quoting; no text cell is a formula. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qscore/quarantine.h"
#include "text.h"

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

static void test_list_cells_that_would_run_as_formulas_get_an_apostrophe(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    qs_store_quarantined q;
    memset(&q, 0, sizeof(q));
    q.source = "site-a";
    q.file = "in.csv";
    q.line = 7;
    q.response_id = "R1";
    q.column = "Q1";
    q.value = "=HYPERLINK(\"x\")";
    q.reason = "-99";
    q.first_run = 3;
    q.first_seen = "@now";
    q.resolved = "";
    q.resolution = "+x";
    assert_int_equal(qs_quarantine_list_row(fp, &q), QS_OK);
    fclose(fp);
    assert_string_equal(text,
                        "site-a,in.csv,7,R1,Q1,\"'=HYPERLINK(\"\"x\"\")\",-99,3,'@now,,,'+x\n");
    free(text);
}

static void test_formula_like_text_is_the_owasp_rule_with_plain_numbers_kept(void **state)
{
    (void)state;
    const char *formula[] = {"=cmd|' /C calc'!A0",
                             "=HYPERLINK(\"x\")",
                             "@SUM(1)",
                             "+R4",
                             "-T",
                             "\tT",
                             "\rT",
                             "-",
                             "+",
                             "-inf",
                             "-nan",
                             "-0x10",
                             "-1+1",
                             "-1e",
                             "-.",
                             "- 1",
                             "+1,5",
                             "=1"};
    const char *plain[] = {"",    "R1",  "C 1",  "1",       "-99", "+1", "-2.5",
                           "-2.", "-.5", "+1e5", "-2.5E-3", "'=x", " =x"};
    for (size_t i = 0; i < sizeof(formula) / sizeof(formula[0]); i++)
        assert_true(qs_text__formula_like(formula[i]));
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
        assert_false(qs_text__formula_like(plain[i]));
}

static void test_quarantine_rows_neutralise_formulas_but_not_negative_numbers(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    qs_row_problems p;
    memset(&p, 0, sizeof(p));
    p.line = 4;
    snprintf(p.response_id, sizeof(p.response_id), "=HYPERLINK(\"x\",\"y\")");
    p.count = 2;
    snprintf(p.items[0].column, sizeof(p.items[0].column), "@Q1");
    snprintf(p.items[0].value, sizeof(p.items[0].value), "=cmd|' /C calc'!A0");
    snprintf(p.items[0].reason, sizeof(p.items[0].reason), "bad");
    snprintf(p.items[1].column, sizeof(p.items[1].column), "Q2");
    snprintf(p.items[1].value, sizeof(p.items[1].value), "-99");
    snprintf(p.items[1].reason, sizeof(p.items[1].reason), "outside");
    assert_int_equal(qs_quarantine_write(fp, "+in.csv", &p), QS_OK);
    fclose(fp);
    assert_string_equal(text, "'+in.csv,4,\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\",'@Q1,"
                              "'=cmd|' /C calc'!A0,bad\n"
                              "'+in.csv,4,\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\",Q2,-99,outside\n");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quarantine_rows_quote_fields_with_commas_quotes_and_newlines),
        cmocka_unit_test(test_list_cells_that_would_run_as_formulas_get_an_apostrophe),
        cmocka_unit_test(test_formula_like_text_is_the_owasp_rule_with_plain_numbers_kept),
        cmocka_unit_test(test_quarantine_rows_neutralise_formulas_but_not_negative_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
