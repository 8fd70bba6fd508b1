/* test_mapping.c - the column mapping file: what it accepts and how it reports mistakes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "qscore/mapping.h"

static qs_error load(const char *text, qs_mapping **m, qs_diag_list *errors)
{
    qs_diag_list_init(errors);
    return qs_mapping_load_mem(m, text, strlen(text), "map.yaml", errors);
}

static void test_a_full_mapping_is_read(void **state)
{
    (void)state;
    qs_mapping *m;
    qs_diag_list e;
    assert_int_equal(load("response_id: ResponseId\n"
                          "client_id: \"Client ID\"\n"
                          "group: Group\n"
                          "therapist: '#7'\n"
                          "administered: RecordedDate\n"
                          "date_format: \"%d/%m/%Y\"\n"
                          "items: {1: Q5_1, 2: Q5_2}\n"
                          "attention: {AC1: Q9}\n"
                          "labels: {\"Nada cierto para mí\": 1, \"  Muy CIERTO \": 6}\n"
                          "missing: [\"N/A\", \"-99\"]\n",
                          &m, &e),
                     QS_OK);
    assert_string_equal(m->client_id.text, "Client ID");
    assert_int_equal(m->client_id.line, 2);
    assert_string_equal(m->therapist.text, "#7");
    assert_string_equal(m->date_format, "%d/%m/%Y");
    assert_int_equal(m->nitems, 2);
    assert_int_equal(m->items[1].id, 2);
    assert_string_equal(m->items[1].col.text, "Q5_2");
    assert_int_equal(m->nchecks, 1);
    assert_int_equal(m->nlabels, 2);
    assert_string_equal(m->labels[1].folded, "muy cierto");
    assert_int_equal(m->labels[1].value, 6);
    assert_int_equal(m->nmissing, 2);
    assert_string_equal(m->missing[0], "n/a");
    qs_mapping_free(m);
    qs_diag_list_release(&e);
}

static void test_item_pattern_is_an_alternative_to_items(void **state)
{
    (void)state;
    qs_mapping *m;
    qs_diag_list e;
    assert_int_equal(load("client_id: c\nitem_pattern: \"Q5_{n}\"\n", &m, &e), QS_OK);
    assert_string_equal(m->item_pattern, "Q5_{n}");
    qs_mapping_free(m);
    qs_diag_list_release(&e);
    assert_int_equal(load("client_id: c\nitems: {1: a}\nitem_pattern: \"Q{n}\"\n", &m, &e),
                     QS_EINVALID);
    assert_string_equal(e.items[0].message, "give items or item_pattern, not both");
    qs_diag_list_release(&e);
}

/* Covariates: names to column references; a bad name or a bad reference is reported. */
static void test_covariates(void **state)
{
    (void)state;
    qs_mapping *m;
    qs_diag_list e;
    assert_int_equal(load("client_id: c\ncovariates: {age: Age, gender: '#7'}\n", &m, &e), QS_OK);
    assert_int_equal(m->ncovariates, 2);
    assert_string_equal(m->covariates[0].name, "age");
    assert_string_equal(m->covariates[0].col.text, "Age");
    assert_string_equal(m->covariates[1].col.text, "#7");
    assert_int_equal(m->covariates[1].col.line, 2);
    qs_mapping_free(m);
    qs_diag_list_release(&e);
    assert_int_equal(load("client_id: c\ncovariates: {2age: Age}\n", &m, &e), QS_EINVALID);
    assert_string_equal(e.items[0].path, "covariates.2age");
    qs_diag_list_release(&e);
    assert_int_equal(load("client_id: c\ncovariates: [age]\n", &m, &e), QS_EINVALID);
    assert_string_equal(e.items[0].path, "covariates");
    qs_diag_list_release(&e);
}

static void test_mistakes_are_reported_with_positions(void **state)
{
    (void)state;
    qs_mapping *m = (qs_mapping *)1;
    qs_diag_list e;
    assert_int_equal(load("clientid: c\n"
                          "items: {one: Q1, 2: '#0', 3: Q3, 3: Q4}\n"
                          "item_pattern: Q_n\n"
                          "labels: {Yes: many}\n"
                          "date_format: dd/mm\n",
                          &m, &e),
                     QS_EINVALID);
    assert_null(m);
    const char *want[] = {
        "unknown key 'clientid' (expected one of: response_id, client_id, group, therapist, "
        "administered, date_format, items, item_pattern, attention, labels, missing, covariates, "
        "encoding)",
        "expected a strptime format such as \"%d/%m/%Y\", found 'dd/mm'",
        "date_format needs 'administered'",
        "missing required key 'client_id'",
        "expected an item id (a whole number from 1), found a scalar",
        "expected a column number from #1 to #999999, found '#0'",
        "item 3 is mapped twice",
        "expected a pattern containing {n} (the item id), found 'Q_n'",
        "expected an answer value (a whole number), found a scalar",
    };
    assert_int_equal(e.count, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < e.count; i++)
        assert_string_equal(e.items[i].message, want[i]);
    assert_int_equal(e.items[0].line, 1);
    assert_string_equal(e.items[6].path, "items.3");
    assert_int_equal(e.items[6].line, 2);
    qs_diag_list_release(&e);
}

static void test_default_mapping_reads_client_id(void **state)
{
    (void)state;
    qs_mapping *m;
    assert_int_equal(qs_mapping_default(&m), QS_OK);
    assert_string_equal(m->client_id.text, "client_id");
    assert_null(m->response_id.text);
    assert_int_equal(m->nitems, 0);
    qs_mapping_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_full_mapping_is_read),
        cmocka_unit_test(test_item_pattern_is_an_alternative_to_items),
        cmocka_unit_test(test_covariates),
        cmocka_unit_test(test_mistakes_are_reported_with_positions),
        cmocka_unit_test(test_default_mapping_reads_client_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
