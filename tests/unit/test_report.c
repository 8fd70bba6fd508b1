/* test_report.c - workbook file names from therapist and group names: safe and bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "qscore/report.h"
#include "text.h"

static void stem_is(const char *name, const char *want)
{
    char out[256];
    qs_report_file_stem(out, sizeof(out), "therapist", name);
    assert_string_equal(out, want);
}

static void test_plain_names_are_kept(void **state)
{
    (void)state;
    stem_is("T-A", "therapist-T-A");
    stem_is("Dr_Grey.2", "therapist-Dr_Grey.2");
}

static void test_path_separators_and_dot_dot_never_survive(void **state)
{
    (void)state;
    stem_is("../../etc/T-B", "therapist-etc_T-B");
    stem_is("a\\b:c*d?e\"f<g>h|i", "therapist-a_b_c_d_e_f_g_h_i");
    stem_is("..", "therapist-unnamed");
    stem_is(".hidden", "therapist-hidden");
    stem_is("x..y", "therapist-x_y");
}

static void test_control_characters_and_blanks_become_one_underscore(void **state)
{
    (void)state;
    stem_is("a\tb\nc  d", "therapist-a_b_c_d");
    stem_is("  padded  ", "therapist-padded");
    stem_is("", "therapist-unnamed");
    stem_is(NULL, "therapist-unnamed");
}

static void test_unicode_letters_are_kept_whole_and_length_is_bounded(void **state)
{
    (void)state;
    stem_is("Zoë", "therapist-Zoë");
    stem_is("治疗师", "therapist-治疗师");
    char longname[400];
    for (int i = 0; i < 100; i++)
        memcpy(longname + 3 * i, "\xe6\xb2\xbb", 3); /* 100 x a 3-byte character */
    longname[300] = '\0';
    char out[256];
    qs_report_file_stem(out, sizeof(out), "group", longname);
    size_t n = strlen(out);
    assert_true(n <= strlen("group-") + 60);
    assert_int_equal((n - strlen("group-")) % 3, 0); /* never a cut character */
    assert_int_equal(qs_text__utf8_invalid(out, n), n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_names_are_kept),
        cmocka_unit_test(test_path_separators_and_dot_dot_never_survive),
        cmocka_unit_test(test_control_characters_and_blanks_become_one_underscore),
        cmocka_unit_test(test_unicode_letters_are_kept_whole_and_length_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
