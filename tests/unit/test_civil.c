/* test_civil.c - days since 1970 of civil dates, against values from GNU date(1)
 * (`date -u -d YYYY-MM-DD +%s` / 86400). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "civil.h"

static void test_the_epoch_is_day_zero(void **state)
{
    (void)state;
    assert_int_equal(qs_civil__days(1970, 1, 1), 0);
    assert_int_equal(qs_civil__days(1969, 12, 31), -1);
    assert_int_equal(qs_civil__days(1970, 3, 1), 59);
}

static void test_leap_days_are_counted(void **state)
{
    (void)state;
    assert_int_equal(qs_civil__days(2000, 2, 29), 11016);
    assert_int_equal(qs_civil__days(2000, 3, 1), 11017);
    assert_int_equal(qs_civil__days(2024, 2, 29), 19782);
    assert_int_equal(qs_civil__days(2024, 3, 1) - qs_civil__days(2023, 3, 1), 366);
    assert_int_equal(qs_civil__days(2100, 3, 1) - qs_civil__days(2100, 2, 28), 1); /* no leap */
    assert_int_equal(qs_civil__days(2025, 12, 31), 20453);
}

static void test_years_before_the_epoch_and_year_zero(void **state)
{
    (void)state;
    assert_int_equal(qs_civil__days(1900, 1, 1), -25567);
    assert_int_equal(qs_civil__days(1, 1, 1), -719162);
    assert_int_equal(qs_civil__days(0, 3, 1), -719468);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_epoch_is_day_zero),
        cmocka_unit_test(test_leap_days_are_counted),
        cmocka_unit_test(test_years_before_the_epoch_and_year_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
