/* test_ingest.c - profiles, header rows, column resolution, answers and problem rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "qscore/ingest.h"
#include "qscore/score.h"

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

static qs_mapping *mapping(const char *text)
{
    qs_mapping *m = NULL;
    qs_diag_list e;
    qs_diag_list_init(&e);
    if (text)
        assert_int_equal(qs_mapping_load_mem(&m, text, strlen(text), "m.yaml", &e), QS_OK);
    else
        assert_int_equal(qs_mapping_default(&m), QS_OK);
    qs_diag_list_release(&e);
    return m;
}

static void test_generic_rows_become_administrations(void **state)
{
    struct fx *f = *state;
    static const char csv[] = "client_id,Q1,Q2,Q3\nC1,1,ALWAYS , 2\nC2,,4,never\n";
    qs_mapping *m = mapping(NULL);
    qs_ingest *g;
    qs_diag_list e;
    qs_diag_list_init(&e);
    assert_int_equal(
        qs_ingest_open_mem(&g, csv, strlen(csv), "x.csv", f->inst, m, QS_PROFILE_AUTO, &e), QS_OK);
    assert_int_equal(qs_ingest_profile(g), QS_PROFILE_GENERIC);
    qs_admin a;
    qs_row_problems p;
    qs_diag d;
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_OK);
    assert_string_equal(a.client_id, "C1");
    assert_string_equal(a.response_id, "2"); /* no id column: the line number */
    assert_int_equal(a.answers[0], 1);
    assert_int_equal(a.answers[1], 4);
    assert_int_equal(a.answers[2], 2); /* raw answer: keying happens in the scorer */
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_OK);
    assert_int_equal(a.answers[0], QS_MISSING);
    assert_int_equal(a.answers[2], 1);
    assert_int_equal(a.line, 3);
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_EEOF);
    assert_int_equal(qs_ingest_rows(g), 2);
    qs_ingest_free(g);
    qs_mapping_free(m);
}

static void test_qualtrics_header_rows_never_become_data(void **state)
{
    struct fx *f = *state;
    static const char csv[] =
        "StartDate,ResponseId,RecordedDate,cid,Q1,Q2,Q3\n"
        "Start Date,Response ID,Recorded Date,\"Client\nID\",How often? - 1,How often? - 2,x\n"
        "\"{\"\"ImportId\"\":\"\"startDate\"\"}\",\"{\"\"ImportId\"\":\"\"_recordId\"\"}\","
        "\"{\"\"ImportId\"\":\"\"r\"\"}\",\"{\"\"ImportId\"\":\"\"QID1\"\"}\","
        "\"{\"\"ImportId\"\":\"\"QID2_1\"\"}\",\"{\"\"ImportId\"\":\"\"QID2_2\"\"}\","
        "\"{\"\"ImportId\"\":\"\"QID2_3\"\"}\"\n"
        "2026-03-01 09:00:00,R_a,2026-03-01 09:15:00,C1,1,2,3\n";
    qs_mapping *m = mapping("client_id: cid\n");
    qs_ingest *g;
    qs_diag_list e;
    qs_diag_list_init(&e);
    assert_int_equal(
        qs_ingest_open_mem(&g, csv, strlen(csv), "q.csv", f->inst, m, QS_PROFILE_AUTO, &e), QS_OK);
    assert_int_equal(qs_ingest_profile(g), QS_PROFILE_QUALTRICS);
    qs_admin a;
    qs_row_problems p;
    qs_diag d;
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_OK);
    assert_string_equal(a.response_id, "R_a");
    assert_string_equal(a.administered, "2026-03-01T09:15:00");
    assert_int_equal(a.line, 5); /* the question text holds a newline */
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_EEOF);
    qs_ingest_free(g);
    qs_mapping_free(m);
}

static void test_a_response_id_column_alone_does_not_make_a_qualtrics_export(void **state)
{
    struct fx *f = *state;
    static const char csv[] = "ResponseId,client_id,Q1,Q2,Q3\nR_1,C1,1,2,3\nR_2,C2,1,2,3\n";
    qs_mapping *m = mapping("response_id: ResponseId\nclient_id: client_id\n");
    qs_ingest *g;
    qs_diag_list e;
    qs_diag_list_init(&e);
    assert_int_equal(
        qs_ingest_open_mem(&g, csv, strlen(csv), "x.csv", f->inst, m, QS_PROFILE_AUTO, &e), QS_OK);
    assert_int_equal(qs_ingest_profile(g), QS_PROFILE_GENERIC);
    assert_int_equal(qs_ingest_header_rows(g), 1);
    qs_admin a;
    qs_row_problems p;
    qs_diag d;
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_OK);
    assert_string_equal(a.response_id, "R_1"); /* the first data row is data */
    qs_ingest_free(g);
    /* Saying it is Qualtrics when the second row is data is refused, not guessed. */
    static const char q[] = "StartDate,ResponseId,client_id,Q1,Q2,Q3\n2026-01-01,R_1,C1,1,2,3\n";
    assert_int_equal(
        qs_ingest_open_mem(&g, q, strlen(q), "q.csv", f->inst, m, QS_PROFILE_QUALTRICS, &e),
        QS_EINVALID);
    assert_non_null(strstr(e.items[0].message, "is not the second header row of a qualtrics"));
    qs_diag_list_release(&e);
    /* In auto mode the same file falls back to one header row, and its row 2 is scored. */
    qs_diag_list_init(&e);
    assert_int_equal(qs_ingest_open_mem(&g, q, strlen(q), "q.csv", f->inst, m, QS_PROFILE_AUTO, &e),
                     QS_OK);
    assert_int_equal(qs_ingest_profile(g), QS_PROFILE_GENERIC);
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_OK);
    assert_int_equal(a.line, 2);
    qs_ingest_free(g);
    qs_mapping_free(m);
}

static void test_a_missing_column_names_the_nearest_headers(void **state)
{
    struct fx *f = *state;
    /* A Google Forms export: row 1 is known to be its header. */
    static const char csv[] = "Timestamp,client_id,Q_1,Q2,Q3,Q10\n2026/01/05 10:00:00,C1,1,2,3,4\n";
    qs_mapping *m = mapping(NULL);
    qs_ingest *g;
    qs_diag_list e;
    qs_diag_list_init(&e);
    assert_int_equal(
        qs_ingest_open_mem(&g, csv, strlen(csv), "x.csv", f->inst, m, QS_PROFILE_AUTO, &e),
        QS_EINVALID);
    assert_int_equal(e.count, 1);
    assert_string_equal(e.items[0].message, "column 'Q1' for item 1 not found in 'x.csv'; "
                                            "nearest headers: 'Q_1', 'Q2', 'Q3'");
    assert_string_equal(e.items[0].file, "t.yaml");
    qs_diag_list_release(&e);
    qs_mapping_free(m);
}

static void test_a_missing_column_never_shows_a_row_that_may_be_data(void **state)
{
    struct fx *f = *state;
    /* No header row: row 1 is a client's response, and none of it may reach a message. */
    static const char csv[] = "C7,Q_1x,3,1,4,T-A\nC8,Q_1x,2,2,2,T-A\n";
    qs_mapping *m = mapping("client_id: '#1'\n");
    qs_ingest *g;
    qs_diag_list e;
    qs_diag_list_init(&e);
    assert_int_equal(
        qs_ingest_open_mem(&g, csv, strlen(csv), "x.csv", f->inst, m, QS_PROFILE_GENERIC, &e),
        QS_EINVALID);
    assert_int_equal(e.count, 3);
    for (size_t i = 0; i < e.count; i++) {
        assert_null(strstr(e.items[i].message, "C7"));
        assert_null(strstr(e.items[i].message, "Q_1x"));
        assert_null(strstr(e.items[i].message, "T-A"));
        assert_null(strstr(e.items[i].message, "nearest"));
    }
    assert_string_equal(e.items[0].message,
                        "column 'Q1' for item 1 not found in 'x.csv': row 1 (6 columns) is not a "
                        "known export's header, so its cells are not shown (it may be data); "
                        "check the file's header row, or name columns by number, e.g. \"#1\"");
    qs_diag_list_release(&e);
    qs_mapping_free(m);
}

static void test_ambiguous_headers_suggest_a_column_number(void **state)
{
    struct fx *f = *state;
    static const char csv[] = "client_id,Q1,Q1,Q2,Q3\nC1,1,2,3,4\n";
    qs_mapping *m = mapping(NULL);
    qs_ingest *g;
    qs_diag_list e;
    qs_diag_list_init(&e);
    assert_int_equal(
        qs_ingest_open_mem(&g, csv, strlen(csv), "x.csv", f->inst, m, QS_PROFILE_GENERIC, &e),
        QS_EINVALID);
    assert_non_null(strstr(e.items[0].message, "is ambiguous"));
    assert_non_null(strstr(e.items[0].message, "\"#2\""));
    qs_diag_list_release(&e);
    qs_mapping_free(m);
    /* ...and "#3" resolves it. */
    m = mapping("client_id: client_id\nitems: {1: '#3'}\n");
    qs_diag_list_init(&e);
    assert_int_equal(
        qs_ingest_open_mem(&g, csv, strlen(csv), "x.csv", f->inst, m, QS_PROFILE_GENERIC, &e),
        QS_OK);
    qs_admin a;
    qs_row_problems p;
    qs_diag d;
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_OK);
    assert_int_equal(a.answers[0], 2);
    qs_ingest_free(g);
    qs_mapping_free(m);
}

static void test_bad_rows_list_every_problem_with_their_line(void **state)
{
    struct fx *f = *state;
    static const char csv[] = "id,client_id,Q1,Q2,Q3\n"
                              "R1,C1,1,2,3\n"
                              "R2,,5,sometimes,N/A\n"
                              "R3,C3,1,2\n"
                              "R1,C4,1,1,1\n"
                              "R5,C5,,-99,\n";
    qs_mapping *m = mapping("response_id: id\nclient_id: client_id\nmissing: [n/a, '-99']\n");
    qs_ingest *g;
    qs_diag_list e;
    qs_diag_list_init(&e);
    assert_int_equal(
        qs_ingest_open_mem(&g, csv, strlen(csv), "x.csv", f->inst, m, QS_PROFILE_AUTO, &e), QS_OK);
    qs_admin a;
    qs_row_problems p;
    qs_diag d;
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_OK);
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_EDATA);
    assert_int_equal(p.line, 3);
    assert_string_equal(p.response_id, "R2");
    assert_int_equal(p.count, 3);
    assert_string_equal(p.items[0].reason, "blank client id");
    assert_string_equal(p.items[1].column, "Q1");
    assert_string_equal(p.items[1].value, "5");
    assert_string_equal(p.items[1].reason, "item 1: answer 5 is outside the scale 1..4");
    assert_string_equal(p.items[2].value, "sometimes");
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_EDATA);
    assert_string_equal(p.items[0].reason, "row has 4 fields but the header has 5");
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_EDATA);
    assert_string_equal(p.items[0].reason,
                        "duplicate response id: first seen at line 2, which was scored");
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_EDATA);
    assert_string_equal(p.items[0].reason, "no item is answered");
    assert_int_equal(p.line, 6);
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_EEOF);
    qs_ingest_free(g);
    qs_mapping_free(m);
}

static void test_redcap_response_ids_include_event_and_instance(void **state)
{
    struct fx *f = *state;
    static const char csv[] = "record_id,redcap_event_name,redcap_repeat_instance,client_id,Q1,Q2,"
                              "Q3,form_complete\n"
                              "7,baseline_arm_1,,C7,1,2,3,2\n"
                              "7,week_4_arm_1,2,C7,1,2,3,2\n";
    qs_mapping *m = mapping(NULL);
    qs_ingest *g;
    qs_diag_list e;
    qs_diag_list_init(&e);
    assert_int_equal(
        qs_ingest_open_mem(&g, csv, strlen(csv), "r.csv", f->inst, m, QS_PROFILE_AUTO, &e), QS_OK);
    assert_int_equal(qs_ingest_profile(g), QS_PROFILE_REDCAP);
    qs_admin a;
    qs_row_problems p;
    qs_diag d;
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_OK);
    assert_string_equal(a.response_id, "7/baseline_arm_1");
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_OK);
    assert_string_equal(a.response_id, "7/week_4_arm_1/2");
    qs_ingest_free(g);
    qs_mapping_free(m);
}

static void test_rows_without_an_id_repeating_client_and_date_are_problems_for_a_store(void **state)
{
    struct fx *f = *state;
    static const char csv[] = "client_id,date,Q1,Q2,Q3\n"
                              "C1,2026-01-05,1,2,3\n"
                              "C1,2026-01-05,4,4,4\n" /* same client and date as line 2 */
                              "C1,2026-01-06,1,1,1\n"
                              "C2,2026-01-05,2,2,2\n"
                              "C1,,3,3,3\n" /* undated: told apart by its line */
                              "C1,,3,3,3\n";
    qs_mapping *m = mapping("client_id: client_id\nadministered: date\n");
    qs_admin a;
    qs_row_problems p;
    qs_diag d;
    for (int unique = 0; unique <= 1; unique++) {
        qs_ingest *g;
        qs_diag_list e;
        qs_diag_list_init(&e);
        assert_int_equal(
            qs_ingest_open_mem(&g, csv, strlen(csv), "x.csv", f->inst, m, QS_PROFILE_AUTO, &e),
            QS_OK);
        if (unique)
            qs_ingest_require_unique_client_date(g);
        assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_OK);
        if (unique) {
            assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_EDATA);
            assert_int_equal(p.line, 3);
            assert_string_equal(p.response_id, "3");
            assert_int_equal(p.count, 1);
            assert_string_equal(p.items[0].column, "date");
            assert_string_equal(p.items[0].value, "2026-01-05");
            assert_string_equal(p.items[0].reason,
                                "same client and date as line 2, which was scored: map a "
                                "response id column to tell them apart");
        } else {
            assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_OK); /* `qscore score`: by line */
        }
        for (int k = 0; k < 4; k++)
            assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_OK);
        assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_EEOF);
        qs_ingest_free(g);
        qs_diag_list_release(&e);
    }
    qs_mapping_free(m);
}

static void test_dates_are_parsed_strictly(void **state)
{
    (void)state;
    char out[64];
    assert_true(qs_parse_date("2026-03-01", NULL, out, sizeof(out)));
    assert_string_equal(out, "2026-03-01");
    assert_true(qs_parse_date(" 2026-03-01 09:15 ", NULL, out, sizeof(out)));
    assert_string_equal(out, "2026-03-01T09:15:00");
    assert_true(qs_parse_date("2026-03-01T09:15:07.250Z", NULL, out, sizeof(out)));
    assert_string_equal(out, "2026-03-01T09:15:07Z");
    assert_true(qs_parse_date("2026-03-01T09:15:07+0130", NULL, out, sizeof(out)));
    assert_string_equal(out, "2026-03-01T09:15:07+01:30");
    assert_true(qs_parse_date("2024-02-29", NULL, out, sizeof(out)));
    assert_false(qs_parse_date("2026-02-29", NULL, out, sizeof(out)));
    assert_false(qs_parse_date("2026-13-01", NULL, out, sizeof(out)));
    assert_false(qs_parse_date("01/03/2026", NULL, out, sizeof(out)));
    assert_false(qs_parse_date("2026-03-01 25:00", NULL, out, sizeof(out)));
    assert_true(qs_parse_date("01/03/2026", "%d/%m/%Y", out, sizeof(out)));
    assert_string_equal(out, "2026-03-01");
    assert_true(qs_parse_date("3/1/2026 9:05:00 PM", "%m/%d/%Y %I:%M:%S %p", out, sizeof(out)));
    assert_string_equal(out, "2026-03-01T21:05:00");
    assert_false(qs_parse_date("01/03/2026 extra", "%d/%m/%Y", out, sizeof(out)));
    assert_false(qs_parse_date("31/02/2026", "%d/%m/%Y", out, sizeof(out)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generic_rows_become_administrations),
        cmocka_unit_test(test_qualtrics_header_rows_never_become_data),
        cmocka_unit_test(test_a_response_id_column_alone_does_not_make_a_qualtrics_export),
        cmocka_unit_test(test_a_missing_column_names_the_nearest_headers),
        cmocka_unit_test(test_a_missing_column_never_shows_a_row_that_may_be_data),
        cmocka_unit_test(test_ambiguous_headers_suggest_a_column_number),
        cmocka_unit_test(test_bad_rows_list_every_problem_with_their_line),
        cmocka_unit_test(test_redcap_response_ids_include_event_and_instance),
        cmocka_unit_test(
            test_rows_without_an_id_repeating_client_and_date_are_problems_for_a_store),
        cmocka_unit_test(test_dates_are_parsed_strictly),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
