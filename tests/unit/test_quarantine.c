/* test_quarantine.c - quarantine CSV lines quote what needs quoting; list cells are never formulas.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qscore/quarantine.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quarantine_rows_quote_fields_with_commas_quotes_and_newlines),
        cmocka_unit_test(test_list_cells_that_would_run_as_formulas_get_an_apostrophe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
