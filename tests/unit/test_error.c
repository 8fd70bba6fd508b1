/* test_error.c - every error code has a distinct name and a message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "qscore/error.h"

static void test_every_code_has_a_distinct_name_and_a_message(void **state)
{
    (void)state;
    for (int i = 0; i < QS_ERROR_COUNT; i++) {
        const char *name = qs_error_name((qs_error)i);
        const char *msg = qs_strerror((qs_error)i);
        assert_non_null(name);
        assert_non_null(msg);
        assert_true(strlen(name) > 1);
        assert_true(strlen(msg) > 3);
        assert_string_not_equal(name, "UNKNOWN");
        assert_string_not_equal(msg, "unknown error");
        for (int j = 0; j < i; j++) {
            assert_string_not_equal(name, qs_error_name((qs_error)j));
            assert_string_not_equal(msg, qs_strerror((qs_error)j));
        }
    }
}

static void test_names_match_the_enum(void **state)
{
    (void)state;
    assert_string_equal(qs_error_name(QS_OK), "OK");
    assert_string_equal(qs_error_name(QS_EINVALID), "EINVALID");
    assert_string_equal(qs_error_name(QS_EEOF), "EEOF");
    assert_int_equal(QS_OK, 0);
}

static void test_out_of_range_codes_are_reported_as_unknown(void **state)
{
    (void)state;
    assert_string_equal(qs_error_name(QS_ERROR_COUNT), "UNKNOWN");
    assert_string_equal(qs_strerror((qs_error)-1), "unknown error");
    assert_string_equal(qs_strerror((qs_error)1000), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_code_has_a_distinct_name_and_a_message),
        cmocka_unit_test(test_names_match_the_enum),
        cmocka_unit_test(test_out_of_range_codes_are_reported_as_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
