/* test_yamldoc.c - the bounded YAML tree: positions, limits against hostile files, key checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "yamldoc.h"

static qs_error load(const char *text, qs_ydoc **doc, qs_diag *d)
{
    qs_diag_clear(d);
    return qs_yaml__load_mem(doc, text, strlen(text), "t.yaml", d);
}

static void test_nodes_carry_one_based_positions(void **state)
{
    (void)state;
    qs_ydoc *doc;
    qs_diag d;
    assert_int_equal(load("a: 1\nlist:\n  - x\n  - 'y'\n", &doc, &d), QS_OK);
    const qs_ynode *list = qs_ynode__get(doc->root, "list");
    assert_non_null(list);
    assert_int_equal(list->type, QS_Y_SEQ);
    assert_int_equal(list->count, 2);
    assert_int_equal(list->kids[1]->line, 4);
    assert_int_equal(list->kids[1]->column, 5);
    assert_true(list->kids[1]->quoted);
    assert_false(list->kids[0]->quoted);
    assert_string_equal(qs_ynode__get(doc->root, "a")->value, "1");
    qs_yaml__free(doc);
}

static void test_a_few_aliases_are_expanded_as_copies(void **state)
{
    (void)state;
    qs_ydoc *doc;
    qs_diag d;
    assert_int_equal(load("base: &b [1, 2]\ncopy: *b\n", &doc, &d), QS_OK);
    const qs_ynode *copy = qs_ynode__get(doc->root, "copy");
    assert_int_equal(copy->type, QS_Y_SEQ);
    assert_int_equal(copy->count, 2);
    assert_ptr_not_equal(copy, qs_ynode__get(doc->root, "base"));
    assert_int_equal(copy->line, 2);
    qs_yaml__free(doc);
}

static void test_alias_bomb_is_refused(void **state)
{
    (void)state;
    char text[4096] = "a: &a [x,x,x,x,x,x,x,x,x]\n";
    for (int i = 1; i <= 9; i++) {
        size_t n = strlen(text);
        n += (size_t)snprintf(text + n, sizeof(text) - n, "b%d: &b%d [", i, i);
        for (int k = 0; k < 9; k++) {
            char prev[8];
            snprintf(prev, sizeof(prev), i == 1 ? "a" : "b%d", i - 1);
            n += (size_t)snprintf(text + n, sizeof(text) - n, "%s*%s", k ? "," : "", prev);
        }
        snprintf(text + n, sizeof(text) - n, "]\n");
    }
    qs_ydoc *doc = (qs_ydoc *)1;
    qs_diag d;
    assert_int_equal(load(text, &doc, &d), QS_ELIMIT);
    assert_null(doc);
    assert_non_null(strstr(d.message, "too many aliases"));
    assert_int_equal(d.line, 3);
}

static void test_self_referencing_alias_is_an_error_not_a_cycle(void **state)
{
    (void)state;
    qs_ydoc *doc;
    qs_diag d;
    assert_int_equal(load("a: &a [*a]\n", &doc, &d), QS_EPARSE);
    assert_string_equal(d.message, "alias '*a' does not name a completed anchor");
}

static void test_deep_nesting_is_refused_before_the_tree_exists(void **state)
{
    (void)state;
    size_t n = 200000;
    char *text = malloc(2 * n + 2);
    assert_non_null(text);
    memset(text, '[', n);
    memset(text + n, ']', n);
    text[2 * n] = '\n';
    text[2 * n + 1] = '\0';
    qs_ydoc *doc;
    qs_diag d;
    assert_int_equal(load(text, &doc, &d), QS_ELIMIT);
    assert_int_equal(d.column, QS_YAML_MAX_DEPTH + 1);
    free(text);
}

static void test_oversized_and_non_utf8_text_are_refused(void **state)
{
    (void)state;
    qs_ydoc *doc;
    qs_diag d;
    size_t n = QS_YAML_MAX_BYTES + 1;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, '#', n);
    assert_int_equal(qs_yaml__load_mem(&doc, big, n, "big.yaml", &d), QS_ELIMIT);
    free(big);
    assert_int_equal(load("a: b\nc: caf\xe9\n", &doc, &d), QS_EENCODING);
    assert_int_equal(d.line, 2);
    assert_int_equal(d.column, 7);
    assert_int_equal(load("a: \xc0\xaf\n", &doc, &d), QS_EENCODING); /* overlong '/' */
}

static void test_check_keys_reports_unknown_and_duplicate_keys_with_paths(void **state)
{
    (void)state;
    qs_ydoc *doc;
    qs_diag d;
    qs_diag_list errors;
    static const char *const allowed[] = {"id", "name", NULL};
    assert_int_equal(load("id: 1\nnaem: x\nid: 2\n", &doc, &d), QS_OK);
    qs_diag_list_init(&errors);
    qs_ywalk w;
    memset(&w, 0, sizeof(w));
    w.doc = doc;
    w.errors = &errors;
    qs_ypath__key(&w.path, "scores");
    qs_ypath__index(&w.path, 2);
    assert_true(qs_ywalk__check_keys(&w, doc->root, allowed));
    assert_int_equal(errors.count, 2);
    assert_string_equal(errors.items[0].path, "scores[2].naem");
    assert_string_equal(errors.items[0].message, "unknown key 'naem' (expected one of: id, name)");
    assert_string_equal(errors.items[1].path, "scores[2].id");
    assert_string_equal(errors.items[1].message, "duplicate key 'id' (first at line 1)");
    assert_int_equal(errors.items[1].line, 3);
    assert_string_equal(w.path.buf, "scores[2]");
    qs_diag_list_release(&errors);
    qs_yaml__free(doc);
}

static void test_typed_readers_check_types_and_ranges(void **state)
{
    (void)state;
    qs_ydoc *doc;
    qs_diag d;
    qs_diag_list errors;
    assert_int_equal(load("n: 7\nq: \"7\"\nf: 0.5\nb: true\nx: nan\n", &doc, &d), QS_OK);
    qs_diag_list_init(&errors);
    qs_ywalk w;
    memset(&w, 0, sizeof(w));
    w.doc = doc;
    w.errors = &errors;
    long n = 0;
    double f = 0;
    int b = 0;
    assert_true(qs_ywalk__long(&w, doc->root, "n", 1, 1, 10, &n));
    assert_int_equal(n, 7);
    assert_false(qs_ywalk__long(&w, doc->root, "n", 1, 1, 5, &n));
    assert_false(qs_ywalk__long(&w, doc->root, "q", 1, 1, 10, &n)); /* quoted: text */
    assert_true(qs_ywalk__double(&w, doc->root, "f", 1, 0, 1, &f));
    assert_true(f == 0.5);
    assert_false(qs_ywalk__double(&w, doc->root, "x", 1, 0, 1, &f));
    assert_true(qs_ywalk__bool(&w, doc->root, "b", 1, &b));
    assert_int_equal(b, 1);
    assert_false(qs_ywalk__bool(&w, doc->root, "missing", 0, &b));
    assert_int_equal(errors.count, 3);
    assert_string_equal(errors.items[0].message, "expected a whole number from 1 to 5, found 7");
    assert_string_equal(errors.items[0].path, "n");
    assert_string_equal(errors.items[1].message, "expected a whole number, found '7'");
    assert_string_equal(errors.items[2].message, "expected a number, found 'nan'");
    assert_false(qs_ywalk__long(&w, doc->root, "absent", 1, 0, 1, &n));
    assert_string_equal(errors.items[3].message, "missing required key 'absent'");
    qs_diag_list_release(&errors);
    qs_yaml__free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nodes_carry_one_based_positions),
        cmocka_unit_test(test_a_few_aliases_are_expanded_as_copies),
        cmocka_unit_test(test_alias_bomb_is_refused),
        cmocka_unit_test(test_self_referencing_alias_is_an_error_not_a_cycle),
        cmocka_unit_test(test_deep_nesting_is_refused_before_the_tree_exists),
        cmocka_unit_test(test_oversized_and_non_utf8_text_are_refused),
        cmocka_unit_test(test_check_keys_reports_unknown_and_duplicate_keys_with_paths),
        cmocka_unit_test(test_typed_readers_check_types_and_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
