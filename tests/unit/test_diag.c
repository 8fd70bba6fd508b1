/* test_diag.c - diagnostics format positions and paths, and lists stay bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "qscore/diag.h"

static void test_format_names_file_line_column_and_path(void **state)
{
    (void)state;
    qs_diag d;
    char buf[1024];
    qs_diag_clear(&d);
    qs_diag_set(&d, "dsi-r.yaml", 12, 5, "scores[2].items[5]", "unknown key '%s'", "revers");
    assert_string_equal(qs_diag_format(&d, buf, sizeof(buf)),
                        "dsi-r.yaml:12:5: scores[2].items[5]: unknown key 'revers'");
}

static void test_format_leaves_out_unknown_parts(void **state)
{
    (void)state;
    qs_diag d;
    char buf[256];
    qs_diag_clear(&d);
    qs_diag_set(&d, "x.csv", 0, 0, NULL, "cannot open");
    assert_string_equal(qs_diag_format(&d, buf, sizeof(buf)), "x.csv: cannot open");
    qs_diag_set(&d, "x.csv", 7, 0, NULL, "bad row");
    assert_string_equal(qs_diag_format(&d, buf, sizeof(buf)), "x.csv:7: bad row");
    qs_diag_set(&d, NULL, 0, 0, NULL, "plain");
    assert_string_equal(qs_diag_format(&d, buf, sizeof(buf)), "plain");
}

static void test_long_text_is_truncated_not_overflowed(void **state)
{
    (void)state;
    qs_diag d;
    char big[4000];
    char small[16];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    qs_diag_set(&d, big, 1, 1, big, "%s", big);
    assert_int_equal(strlen(d.file), QS_DIAG_FILE_MAX - 1);
    assert_int_equal(strlen(d.path), QS_DIAG_PATH_MAX - 1);
    assert_int_equal(strlen(d.message), QS_DIAG_MSG_MAX - 1);
    assert_int_equal(strlen(qs_diag_format(&d, small, sizeof(small))), sizeof(small) - 1);
}

static void test_list_keeps_a_bounded_number_and_counts_the_rest(void **state)
{
    (void)state;
    qs_diag_list l;
    qs_diag_list_init(&l);
    for (int i = 0; i < QS_DIAG_LIST_MAX + 25; i++)
        qs_diag_list_add(&l, "f", (unsigned long)i + 1, 1, NULL, "problem %d", i);
    assert_int_equal(l.count, QS_DIAG_LIST_MAX);
    assert_int_equal(l.dropped, 25);
    assert_int_equal(qs_diag_list_total(&l), QS_DIAG_LIST_MAX + 25);
    assert_string_equal(l.items[3].message, "problem 3");
    assert_int_equal(l.items[3].line, 4);
    qs_diag_list_release(&l);
    assert_int_equal(qs_diag_list_total(&l), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_names_file_line_column_and_path),
        cmocka_unit_test(test_format_leaves_out_unknown_parts),
        cmocka_unit_test(test_long_text_is_truncated_not_overflowed),
        cmocka_unit_test(test_list_keeps_a_bounded_number_and_counts_the_rest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
