/* test_grow.c - the grow-by-doubling helper: capacities, overflow, and the array it keeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "grow.h"

static void test_an_empty_array_starts_at_first(void **state)
{
    (void)state;
    size_t cap = 0;
    int *v = qs_grow__array(NULL, &cap, 1, sizeof(int), 16);
    assert_non_null(v);
    assert_int_equal(cap, 16);
    free(v);
    cap = 0;
    v = qs_grow__array(NULL, &cap, 1, sizeof(int), 0); /* no first: one */
    assert_non_null(v);
    assert_int_equal(cap, 1);
    free(v);
}

static void test_a_full_array_doubles_and_keeps_its_elements(void **state)
{
    (void)state;
    size_t cap = 0, n = 0;
    int *v = NULL;
    for (int i = 0; i < 100; i++) {
        int *w = qs_grow__array(v, &cap, n + 1, sizeof(*w), 8);
        assert_non_null(w);
        v = w;
        v[n++] = i;
    }
    assert_int_equal(cap, 128); /* 8, 16, 32, 64, 128 */
    for (int i = 0; i < 100; i++)
        assert_int_equal(v[i], i);
    int *same = qs_grow__array(v, &cap, 128, sizeof(int), 8); /* room enough: untouched */
    assert_ptr_equal(same, v);
    assert_int_equal(cap, 128);
    int *w = qs_grow__array(v, &cap, 1000, sizeof(int), 8); /* doubles until it holds need */
    assert_non_null(w);
    assert_int_equal(cap, 1024);
    free(w);
}

static void test_an_overflowing_size_fails_and_leaves_the_array(void **state)
{
    (void)state;
    size_t cap = 4;
    char *v = malloc(4);
    assert_non_null(v);
    assert_null(qs_grow__array(v, &cap, SIZE_MAX / 2 + 2, 1, 4)); /* the count overflows */
    assert_int_equal(cap, 4);
    assert_null(qs_grow__array(v, &cap, SIZE_MAX / 8, 16, 4)); /* the byte count overflows */
    assert_int_equal(cap, 4);
    free(v); /* still the caller's */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_an_empty_array_starts_at_first),
        cmocka_unit_test(test_a_full_array_doubles_and_keeps_its_elements),
        cmocka_unit_test(test_an_overflowing_size_fails_and_leaves_the_array),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
