/* test_mapdraft.c - the draft mapping of `qscore map`: items, labels never guessed, dates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "qscore/ingest.h"
#include "qscore/mapdraft.h"
#include "qscore/mapping.h"

static const char DEF[] = "id: t\nname: T\nversion: '1'\ncitation: synthetic\n"
                          "scale:\n  min: 1\n  max: 4\n"
                          "  labels: [{value: 1, text: Never}, {value: 4, text: Always}]\n"
                          "items:\n  - {id: 1, column: Q1}\n  - {id: 2, column: Q2}\n"
                          "  - {id: 3, column: Q3, reverse: true}\n"
                          "scores:\n  - {id: S, name: S, items: all, method: mean,"
                          " higher_means: s}\n";

struct fx {
    qs_instrument *inst;
};

static int setup(void **state)
{
    static struct fx f;
    qs_diag_list e;
    qs_diag_list_init(&e);
    if (qs_instrument_load_mem(&f.inst, DEF, strlen(DEF), "t.yaml", &e))
        return -1;
    qs_diag_list_release(&e);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    qs_instrument_free(f->inst);
    return 0;
}

/* Draft `csv` (written to a temporary file) into *d; returns the build's result. */
static qs_error draft(const struct fx *f, const char *csv, qs_mapdraft *d)
{
    char path[] = "/tmp/qscore-mapdraft-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, csv, strlen(csv)), (ssize_t)strlen(csv));
    close(fd);
    qs_diag diag;
    qs_diag_clear(&diag);
    qs_error rc = qs_mapdraft_build(d, path, "x.csv", f->inst, QS_PROFILE_AUTO, &diag);
    unlink(path);
    return rc;
}

/* 1 when the draft loads as a mapping file. */
static int loads(const qs_mapdraft *d)
{
    qs_mapping *m = NULL;
    qs_diag_list e;
    qs_diag_list_init(&e);
    qs_error rc = qs_mapping_load_mem(&m, d->text, d->len, "draft.yaml", &e);
    qs_diag_list_release(&e);
    qs_mapping_free(m);
    return rc == QS_OK;
}

static void test_the_pattern_naming_exactly_the_items_is_chosen(void **state)
{
    qs_mapdraft d;
    assert_int_equal(draft(*state, "client,X_1,X_2,X_3,Y_1,Y_2\nC1,1,2,3,1,1\n", &d), QS_OK);
    assert_non_null(strstr(d.text, "item_pattern: \"X_{n}\""));
    assert_non_null(strstr(d.text, "\"Y_{n}\" (header row 1): 2 columns: not the 3 items"));
    assert_non_null(strstr(d.text, "client_id: \"client\""));
    assert_int_equal(d.undecided.count, 0);
    assert_true(loads(&d));
    qs_mapdraft_release(&d);
}

static void test_a_pattern_with_an_extra_column_is_not_chosen(void **state)
{
    qs_mapdraft d;
    assert_int_equal(draft(*state, "client,X_1,X_2,X_3,X_4\nC1,1,2,3,4\n", &d), QS_OK);
    assert_null(strstr(d.text, "item_pattern:"));
    assert_non_null(strstr(d.text, "items:"));
    assert_int_equal(d.undecided.count, 1);
    assert_non_null(strstr(d.undecided.items[0].message, "no header pattern names exactly"));
    qs_mapdraft_release(&d);
}

static void test_a_label_value_is_never_guessed(void **state)
{
    qs_mapdraft d;
    assert_int_equal(
        draft(*state, "client,X_1,X_2,X_3\nC1,Sometimes,never,-9\nC2,Sometimes,4,\n", &d), QS_OK);
    assert_non_null(strstr(d.text, "  \"Sometimes\": \"?\"   # 2 answers: fill in the value\n"));
    assert_non_null(strstr(d.text, "  \"never\": 1   # 1 answers: the instrument's label\n"));
    assert_non_null(strstr(d.text, "  - \"-9\"   # 1 answers, outside 1..4"));
    assert_int_equal(d.undecided.count, 1);
    assert_non_null(strstr(d.undecided.items[0].message, "\"Sometimes\" (2 answers)"));
    assert_false(loads(&d)); /* the "?" is refused until filled in */
    qs_mapdraft_release(&d);
}

static void test_slash_dates_get_the_format_the_file_decides(void **state)
{
    qs_mapdraft d;
    assert_int_equal(draft(*state,
                           "client,date,X_1,X_2,X_3\nC1,5/3/2026 9:00,1,2,3\n"
                           "C2,25/12/2026 14:05,1,2,3\n",
                           &d),
                     QS_OK);
    assert_non_null(strstr(d.text, "date_format: \"%d/%m/%Y %H:%M\""));
    assert_int_equal(d.undecided.count, 0);
    assert_true(loads(&d));
    qs_mapdraft_release(&d);
}

static void test_dates_are_classified_as_the_ingest_reads_them(void **state)
{
    (void)state;
    qs_date_order ev;
    assert_int_equal(qs_date_classify("2026-05-20 14:05", &ev), QS_DATE_ISO);
    assert_int_equal(qs_date_classify("  ", &ev), QS_DATE_BLANK);
    assert_int_equal(qs_date_classify("20/5/2026", &ev), QS_DATE_SLASH);
    assert_int_equal(ev, QS_DATE_DAY_FIRST);
    assert_int_equal(qs_date_classify("5/20/2026 2:05 PM", &ev), QS_DATE_SLASH);
    assert_int_equal(ev, QS_DATE_MONTH_FIRST);
    assert_int_equal(qs_date_classify("3/4/2026", &ev), QS_DATE_SLASH);
    assert_int_equal(ev, QS_DATE_ORDER_UNKNOWN);
    assert_int_equal(qs_date_classify("5/20/26", &ev), QS_DATE_OTHER);
    char fmt[64];
    assert_int_equal(
        qs_date_strptime_format("05/20/2026 02:05:09 PM", QS_DATE_MONTH_FIRST, fmt, sizeof(fmt)),
        1);
    assert_string_equal(fmt, "%m/%d/%Y %I:%M:%S %p");
    assert_int_equal(qs_date_strptime_format("3/4/2026", QS_DATE_ORDER_UNKNOWN, fmt, sizeof(fmt)),
                     0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_pattern_naming_exactly_the_items_is_chosen),
        cmocka_unit_test(test_a_pattern_with_an_extra_column_is_not_chosen),
        cmocka_unit_test(test_a_label_value_is_never_guessed),
        cmocka_unit_test(test_slash_dates_get_the_format_the_file_decides),
        cmocka_unit_test(test_dates_are_classified_as_the_ingest_reads_them),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
