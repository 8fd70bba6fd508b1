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
    assert_int_equal(p.items[0].kind, QS_PROBLEM_CLIENT_ID);
    assert_string_equal(p.items[1].column, "Q1");
    assert_string_equal(p.items[1].value, "5");
    assert_string_equal(p.items[1].reason, "item 1: answer is outside the scale 1..4");
    assert_int_equal(p.items[1].kind, QS_PROBLEM_SCALE);
    assert_string_equal(p.items[2].value, "sometimes");
    assert_string_equal(p.items[2].reason, "item 2: not an answer on the scale 1..4, a known "
                                           "label or a listed missing spelling");
    assert_int_equal(p.items[2].kind, QS_PROBLEM_LABEL);
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_EDATA);
    assert_string_equal(p.items[0].reason, "row has 4 fields but the header has 5");
    assert_int_equal(p.items[0].kind, QS_PROBLEM_ROW);
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_EDATA);
    assert_string_equal(p.items[0].reason,
                        "duplicate response id: first seen at line 2, which was scored");
    assert_int_equal(p.items[0].kind, QS_PROBLEM_DUPLICATE);
    /* Every item blank or a missing spelling: not administered, never quarantined. */
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_ENOANSWER);
    assert_int_equal(p.line, 6);
    assert_int_equal(p.count, 0);
    assert_string_equal(p.response_id, "R5");
    assert_int_equal(a.line, 6);
    assert_string_equal(a.response_id, "R5");
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_EEOF);
    assert_int_equal(qs_ingest_scored(g), 1);
    assert_int_equal(qs_ingest_not_administered(g), 1);
    assert_int_equal(qs_ingest_rows(g), 5);
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

static void test_slash_dates_of_every_tool_are_read(void **state)
{
    (void)state;
    char out[64];
    /* Google Forms, US and elsewhere */
    assert_true(qs_parse_slash_date("5/20/2026 14:05:09", QS_DATE_MONTH_FIRST, out, sizeof(out)));
    assert_string_equal(out, "2026-05-20T14:05:09");
    assert_true(qs_parse_slash_date("20/5/2026 4:05:09", QS_DATE_DAY_FIRST, out, sizeof(out)));
    assert_string_equal(out, "2026-05-20T04:05:09");
    /* SurveyMonkey, with seconds or without */
    assert_true(
        qs_parse_slash_date("05/20/2026 02:05:09 PM", QS_DATE_MONTH_FIRST, out, sizeof(out)));
    assert_string_equal(out, "2026-05-20T14:05:09");
    assert_true(qs_parse_slash_date("5/20/2026 2:05 pm", QS_DATE_MONTH_FIRST, out, sizeof(out)));
    assert_string_equal(out, "2026-05-20T14:05:00");
    assert_true(qs_parse_slash_date("5/20/2026 2:05AM", QS_DATE_MONTH_FIRST, out, sizeof(out)));
    assert_string_equal(out, "2026-05-20T02:05:00");
    /* Excel */
    assert_true(qs_parse_slash_date(" 5/20/2026 ", QS_DATE_MONTH_FIRST, out, sizeof(out)));
    assert_string_equal(out, "2026-05-20");
    assert_true(qs_parse_slash_date("5/20/2026 14:05", QS_DATE_MONTH_FIRST, out, sizeof(out)));
    assert_string_equal(out, "2026-05-20T14:05:00");
    assert_true(qs_parse_slash_date("20/05/2026 14:05:09", QS_DATE_DAY_FIRST, out, sizeof(out)));
    assert_string_equal(out, "2026-05-20T14:05:09");
    /* the order is never guessed, not even when the value shows it */
    assert_false(qs_parse_slash_date("20/05/2026", QS_DATE_ORDER_UNKNOWN, out, sizeof(out)));
    /* other forms */
    assert_false(qs_parse_slash_date("2026/05/20", QS_DATE_MONTH_FIRST, out, sizeof(out)));
    assert_false(qs_parse_slash_date("5-20-2026", QS_DATE_MONTH_FIRST, out, sizeof(out)));
    assert_false(qs_parse_slash_date("5/20/2026 14", QS_DATE_MONTH_FIRST, out, sizeof(out)));
    assert_false(qs_parse_slash_date("5/20/2026 14:5", QS_DATE_MONTH_FIRST, out, sizeof(out)));
    assert_false(qs_parse_slash_date("5/20/2026 x", QS_DATE_MONTH_FIRST, out, sizeof(out)));
    assert_false(qs_parse_slash_date("5/20/2026 2:05 PMX", QS_DATE_MONTH_FIRST, out, sizeof(out)));
    assert_false(qs_parse_slash_date("105/20/2026", QS_DATE_MONTH_FIRST, out, sizeof(out)));
    /* ISO stays qs_parse_date's, which still refuses slash dates without a format */
    assert_false(qs_parse_date("5/20/2026", NULL, out, sizeof(out)));
}

static void test_twelve_hour_clock_edges(void **state)
{
    (void)state;
    char out[64];
    const qs_date_order m = QS_DATE_MONTH_FIRST;
    assert_true(qs_parse_slash_date("1/2/2026 12:00:00 AM", m, out, sizeof(out)));
    assert_string_equal(out, "2026-01-02T00:00:00");
    assert_true(qs_parse_slash_date("1/2/2026 12:59:59 AM", m, out, sizeof(out)));
    assert_string_equal(out, "2026-01-02T00:59:59");
    assert_true(qs_parse_slash_date("1/2/2026 12:00 PM", m, out, sizeof(out)));
    assert_string_equal(out, "2026-01-02T12:00:00");
    assert_true(qs_parse_slash_date("1/2/2026 1:00 AM", m, out, sizeof(out)));
    assert_string_equal(out, "2026-01-02T01:00:00");
    assert_true(qs_parse_slash_date("1/2/2026 11:59 PM", m, out, sizeof(out)));
    assert_string_equal(out, "2026-01-02T23:59:00");
    assert_false(qs_parse_slash_date("1/2/2026 0:30 AM", m, out, sizeof(out)));
    assert_false(qs_parse_slash_date("1/2/2026 13:00 PM", m, out, sizeof(out)));
    assert_false(qs_parse_slash_date("1/2/2026 12:60 PM", m, out, sizeof(out)));
    assert_true(qs_parse_slash_date("1/2/2026 0:30", m, out, sizeof(out)));
    assert_string_equal(out, "2026-01-02T00:30:00");
    assert_false(qs_parse_slash_date("1/2/2026 24:00", m, out, sizeof(out)));
}

static void test_slash_dates_must_be_real_calendar_dates(void **state)
{
    (void)state;
    char out[64];
    assert_false(qs_parse_slash_date("2/29/2026", QS_DATE_MONTH_FIRST, out, sizeof(out)));
    assert_true(qs_parse_slash_date("2/29/2024", QS_DATE_MONTH_FIRST, out, sizeof(out)));
    assert_string_equal(out, "2024-02-29");
    assert_false(qs_parse_slash_date("31/4/2026", QS_DATE_DAY_FIRST, out, sizeof(out)));
    assert_false(qs_parse_slash_date("13/1/2026", QS_DATE_MONTH_FIRST, out, sizeof(out)));
    assert_false(qs_parse_slash_date("0/1/2026", QS_DATE_MONTH_FIRST, out, sizeof(out)));
    assert_false(qs_parse_slash_date("1/0/2026", QS_DATE_MONTH_FIRST, out, sizeof(out)));
}

static void test_two_digit_years_are_never_guessed(void **state)
{
    (void)state;
    char out[64];
    assert_false(qs_parse_slash_date("5/20/26", QS_DATE_MONTH_FIRST, out, sizeof(out)));
    assert_false(qs_parse_slash_date("20/05/26 14:05", QS_DATE_DAY_FIRST, out, sizeof(out)));
    /* with a date_format that says so, they are read */
    assert_true(qs_parse_date("5/20/26", "%m/%d/%y", out, sizeof(out)));
    assert_string_equal(out, "2026-05-20");
}

static void test_date_forms_show_no_digit(void **state)
{
    (void)state;
    char f[64];
    qs_date_form("5/20/2026 14:05:09", QS_DATE_MONTH_FIRST, f, sizeof(f));
    assert_string_equal(f, "M/DD/YYYY HH:MM:SS");
    qs_date_form("20/5/2026 4:05", QS_DATE_DAY_FIRST, f, sizeof(f));
    assert_string_equal(f, "DD/M/YYYY H:MM");
    qs_date_form("5/20/2026 14:05:09", QS_DATE_ORDER_UNKNOWN, f, sizeof(f));
    assert_string_equal(f, "N/NN/YYYY HH:MM:SS");
    qs_date_form("05/20/2026 02:05:09 PM", QS_DATE_MONTH_FIRST, f, sizeof(f));
    assert_string_equal(f, "MM/DD/YYYY HH:MM:SS AM|PM");
    qs_date_form("5/20/26", QS_DATE_MONTH_FIRST, f, sizeof(f));
    assert_string_equal(f, "M/DD/YY");
    qs_date_form("2026-05-20T14:05", QS_DATE_ORDER_UNKNOWN, f, sizeof(f));
    assert_string_equal(f, "YYYY-MM-DDTHH:MM");
    qs_date_form("20.05.2026", QS_DATE_DAY_FIRST, f, sizeof(f));
    assert_string_equal(f, "DD.MM.YYYY");
    qs_date_form("May 20, 2026", QS_DATE_ORDER_UNKNOWN, f, sizeof(f));
    assert_string_equal(f, "aaa NN, NNNN");
}

/* Open `csv` with `map_text`, read every row; returns the first non-OK, non-EDATA code and the
 * dates of the rows read into `dates` (joined by ' '). */
static qs_error read_dates(struct fx *f, const char *csv, const char *map_text, char *dates,
                           size_t size, qs_diag *d)
{
    qs_mapping *m = mapping(map_text);
    qs_ingest *g;
    qs_diag_list e;
    qs_diag_list_init(&e);
    assert_int_equal(
        qs_ingest_open_mem(&g, csv, strlen(csv), "x.csv", f->inst, m, QS_PROFILE_AUTO, &e), QS_OK);
    qs_admin a;
    qs_row_problems p;
    qs_error rc;
    size_t used = 0;
    dates[0] = '\0';
    qs_diag_clear(d);
    for (;;) {
        rc = qs_ingest_next(g, &a, &p, d);
        if (rc == QS_OK) {
            int w = snprintf(dates + used, size - used, "%s%s", used ? " " : "",
                             a.administered ? a.administered : "-");
            used += (size_t)w;
        } else if (rc != QS_EDATA) {
            break;
        }
    }
    if (rc != QS_EEOF) { /* a refused file stays refused */
        qs_admin a2;
        qs_diag d2;
        assert_int_equal(qs_ingest_next(g, &a2, &p, &d2), rc);
        assert_int_equal(qs_ingest_scored(g), 0);
    }
    qs_ingest_free(g);
    qs_mapping_free(m);
    qs_diag_list_release(&e);
    return rc;
}

static void test_a_day_first_file_is_decided_by_any_row(void **state)
{
    struct fx *f = *state;
    static const char csv[] = "client_id,when,Q1,Q2,Q3\n"
                              "C1,3/4/2026 10:00:00,1,2,3\n"
                              "C2,2026-04-05,1,2,3\n"
                              "C3,,1,2,3\n"
                              "C4,25/4/2026 9:15:00,1,2,3\n";
    char dates[256];
    qs_diag d;
    assert_int_equal(
        read_dates(f, csv, "client_id: client_id\nadministered: when\n", dates, sizeof(dates), &d),
        QS_EEOF);
    assert_string_equal(dates, "2026-04-03T10:00:00 2026-04-05 - 2026-04-25T09:15:00");
}

static void test_a_month_first_file_is_decided_by_any_row(void **state)
{
    struct fx *f = *state;
    static const char csv[] = "client_id,when,Q1,Q2,Q3\n"
                              "C1,3/4/2026 10:00 AM,1,2,3\n"
                              "C2,12/31/2026 11:59 PM,1,2,3\n";
    char dates[256];
    qs_diag d;
    assert_int_equal(
        read_dates(f, csv, "client_id: client_id\nadministered: when\n", dates, sizeof(dates), &d),
        QS_EEOF);
    assert_string_equal(dates, "2026-03-04T10:00:00 2026-12-31T23:59:00");
}

static void test_a_file_mixing_day_first_and_month_first_is_refused(void **state)
{
    struct fx *f = *state;
    static const char csv[] = "client_id,when,Q1,Q2,Q3\n"
                              "C1,3/4/2026 10:00:00,1,2,3\n"
                              "C2,25/4/2026 10:00:00,1,2,3\n"
                              "C3,4/25/2026 10:00:00,1,2,3\n";
    char dates[256];
    qs_diag d;
    assert_int_equal(
        read_dates(f, csv, "client_id: client_id\nadministered: when\n", dates, sizeof(dates), &d),
        QS_EINVALID);
    assert_string_equal(dates, ""); /* no row */
    assert_string_equal(d.file, "x.csv");
    assert_non_null(strstr(d.message, "column 'when' mixes day-first and month-first"));
    assert_non_null(strstr(d.message, "line 3 has a first number over 12, line 4 a second"));
    assert_null(strstr(d.message, "2026")); /* forms and lines, never a date */
    assert_null(strstr(d.message, "25"));
}

static void test_a_file_whose_slash_dates_never_decide_the_order_is_refused(void **state)
{
    struct fx *f = *state;
    static const char csv[] = "client_id,when,Q1,Q2,Q3\n"
                              "C1,3/4/2026 10:00:00,1,2,3\n"
                              "C2,12/11/2026 9:00:00,1,2,3\n";
    char dates[256];
    qs_diag d;
    assert_int_equal(
        read_dates(f, csv, "client_id: client_id\nadministered: when\n", dates, sizeof(dates), &d),
        QS_EINVALID);
    assert_string_equal(dates, "");
    assert_string_equal(d.message,
                        "column 'when': no slash date in the file shows whether the day or the "
                        "month comes first (no first or second number is over 12): add "
                        "date_format: \"%d/%m/%Y %H:%M:%S\" to the mapping file if the day comes "
                        "first, or date_format: \"%m/%d/%Y %H:%M:%S\" if the month does");
    /* With the date_format it asks for, the file is read. */
    assert_int_equal(read_dates(f, csv,
                                "client_id: client_id\nadministered: when\n"
                                "date_format: \"%d/%m/%Y %H:%M:%S\"\n",
                                dates, sizeof(dates), &d),
                     QS_EEOF);
    assert_string_equal(dates, "2026-04-03T10:00:00 2026-11-12T09:00:00");
}

static void test_two_digit_years_are_row_problems_and_a_file_problem(void **state)
{
    struct fx *f = *state;
    static const char csv[] = "client_id,when,Q1,Q2,Q3\n"
                              "C1,3/4/26 10:00,1,2,3\n"
                              "C2,3/24/26 10:00,1,2,3\n"
                              "C3,3/25/26 10:00,1,2,3\n";
    qs_mapping *m = mapping("client_id: client_id\nadministered: when\n");
    qs_ingest *g;
    qs_diag_list e;
    qs_diag_list_init(&e);
    assert_int_equal(
        qs_ingest_open_mem(&g, csv, strlen(csv), "x.csv", f->inst, m, QS_PROFILE_AUTO, &e), QS_OK);
    qs_admin a;
    qs_row_problems p;
    qs_diag d;
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_EDATA);
    assert_int_equal(p.count, 1);
    assert_int_equal(p.items[0].kind, QS_PROBLEM_DATE);
    assert_string_equal(p.items[0].value, "3/4/26 10:00");
    assert_string_equal(p.items[0].reason,
                        "two-digit year (form N/N/YY HH:MM): the century is never guessed: set "
                        "date_format in the mapping file, e.g. date_format: \"%m/%d/%y\"");
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_EDATA);
    qs_file_problem fp;
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_EDATA);
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_EEOF);
    assert_int_equal(qs_ingest_file_problem(g, &fp), 1);
    assert_int_equal(fp.kind, QS_PROBLEM_DATE);
    assert_string_equal(fp.column, "when");
    assert_string_equal(fp.example, "M/D/YY HH:MM"); /* line 3 shows the month comes first */
    assert_int_equal(fp.rows, 3);
    assert_string_equal(fp.message,
                        "no date in column 'when' could be read (every quarantined row has one of "
                        "the form M/D/YY HH:MM): add date_format: \"%m/%d/%y %H:%M\" to the "
                        "mapping file");
    qs_ingest_free(g);
    qs_mapping_free(m);
    qs_diag_list_release(&e);
}

static void test_not_administered_rows_take_precedence_over_other_problems(void **state)
{
    struct fx *f = *state;
    static const char csv[] = "id,client_id,when,Q1,Q2,Q3\n"
                              "R1,,not a date,,N/A,\n"  /* blank client, bad date: not ours */
                              "R2,C2,2026-01-01,,x,\n"  /* an attempt: quarantined */
                              "R3,C3,2026-01-01,,,\n"   /* not administered */
                              "R4,C4,2026-01-01,,\n"    /* wrong field count: EDATA */
                              ",C5,2026-01-01,1,2,3\n"; /* blank response id */
    qs_mapping *m =
        mapping("response_id: id\nclient_id: client_id\nadministered: when\nmissing: [n/a]\n");
    qs_ingest *g;
    qs_diag_list e;
    qs_diag_list_init(&e);
    assert_int_equal(
        qs_ingest_open_mem(&g, csv, strlen(csv), "x.csv", f->inst, m, QS_PROFILE_AUTO, &e), QS_OK);
    qs_admin a;
    qs_row_problems p;
    qs_diag d;
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_ENOANSWER);
    assert_int_equal(a.line, 2);
    assert_string_equal(p.response_id, "R1");
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_EDATA);
    assert_int_equal(p.count, 1);
    assert_int_equal(p.items[0].kind, QS_PROBLEM_LABEL);
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_ENOANSWER);
    assert_int_equal(p.line, 4);
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_EDATA);
    assert_int_equal(p.items[0].kind, QS_PROBLEM_ROW);
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_EDATA);
    assert_int_equal(p.items[0].kind, QS_PROBLEM_RESPONSE_ID);
    assert_string_equal(p.items[0].reason, "blank response id");
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_EEOF);
    assert_int_equal(qs_ingest_not_administered(g), 2);
    assert_int_equal(qs_ingest_scored(g), 0);
    qs_file_problem fp;
    assert_int_equal(qs_ingest_file_problem(g, &fp), 0); /* three different problems */
    qs_ingest_free(g);
    qs_mapping_free(m);
    qs_diag_list_release(&e);
}

/* Read every row of csv; return qs_ingest_file_problem's answer. */
static int file_problem_of(struct fx *f, const char *csv, const char *map_text, qs_file_problem *fp)
{
    qs_mapping *m = mapping(map_text);
    qs_ingest *g;
    qs_diag_list e;
    qs_diag_list_init(&e);
    assert_int_equal(
        qs_ingest_open_mem(&g, csv, strlen(csv), "x.csv", f->inst, m, QS_PROFILE_AUTO, &e), QS_OK);
    qs_admin a;
    qs_row_problems p;
    qs_diag d;
    qs_error rc;
    do
        rc = qs_ingest_next(g, &a, &p, &d);
    while (rc == QS_OK || rc == QS_EDATA || rc == QS_ENOANSWER);
    assert_int_equal(rc, QS_EEOF);
    int found = qs_ingest_file_problem(g, fp);
    qs_ingest_free(g);
    qs_mapping_free(m);
    qs_diag_list_release(&e);
    return found;
}

static void test_one_unknown_label_on_every_row_is_a_file_problem(void **state)
{
    struct fx *f = *state;
    static const char csv[] = "client_id,Q1,Q2,Q3\n"
                              "C1,Never,Strongly agre,Always\n"
                              "C2,strongly  AGRE,Always,Never\n"
                              "C3,,,\n" /* not administered: does not count */
                              "C4,Never,Never,Strongly agre\n";
    qs_file_problem fp;
    assert_int_equal(file_problem_of(f, csv, NULL, &fp), 1);
    assert_int_equal(fp.kind, QS_PROBLEM_LABEL);
    assert_string_equal(fp.column, "Q2");
    assert_string_equal(fp.example, "Strongly agre");
    assert_int_equal(fp.rows, 3);
    assert_string_equal(fp.message,
                        "every quarantined row answers \"Strongly agre\" (first in column 'Q2'), "
                        "which is not an answer of 't': add it to the mapping file as labels: "
                        "{\"Strongly agre\": N} with N its value on the scale 1..4, or as "
                        "missing: [\"Strongly agre\"] if it means not answered");
    /* One row scored: the mapping fits, the rows are the problem. */
    static const char some[] = "client_id,Q1,Q2,Q3\n"
                               "C1,Never,Strongly agre,Always\n"
                               "C2,1,2,3\n";
    assert_int_equal(file_problem_of(f, some, NULL, &fp), 0);
    /* Different texts: no common problem. */
    static const char other[] = "client_id,Q1,Q2,Q3\n"
                                "C1,Never,Strongly agre,Always\n"
                                "C2,Never,Agree,Always\n";
    assert_int_equal(file_problem_of(f, other, NULL, &fp), 0);
}

static void test_a_missing_code_on_every_row_is_a_file_problem(void **state)
{
    struct fx *f = *state;
    static const char csv[] = "client_id,Q1,Q2,Q3\n"
                              "C1,1,-99,3\n"
                              "C2,-99,2,3\n"
                              "C3,1,2,-99\n";
    qs_file_problem fp;
    assert_int_equal(file_problem_of(f, csv, NULL, &fp), 1);
    assert_int_equal(fp.kind, QS_PROBLEM_SCALE);
    assert_string_equal(fp.example, "-99");
    assert_non_null(strstr(fp.message, "add missing: [\"-99\"] to the mapping file"));
    /* and with it listed, every row scores */
    assert_int_equal(file_problem_of(f, csv, "client_id: client_id\nmissing: ['-99']\n", &fp), 0);
}

static void test_a_blank_client_id_column_is_a_file_problem(void **state)
{
    struct fx *f = *state;
    static const char csv[] = "client_id,Client,Q1,Q2,Q3\n"
                              ",C1,1,2,3\n"
                              ",C2,9,2,3\n"
                              ",C3,1,2,3\n";
    qs_file_problem fp;
    assert_int_equal(file_problem_of(f, csv, NULL, &fp), 1);
    assert_int_equal(fp.kind, QS_PROBLEM_CLIENT_ID);
    assert_string_equal(fp.column, "client_id");
    assert_string_equal(fp.example, "");
    assert_string_equal(fp.message,
                        "column 'client_id' (client_id) is blank on every quarantined row: map "
                        "client_id in the mapping file to the column that holds the client id");
}

/* A stray Windows-1252 byte in a header cell no mapping names (a header pasted from Word)
 * does not refuse the file: its rows are read, Zoë stays UTF-8. */
static void test_a_bad_byte_in_an_unmapped_header_cell_is_ignored(void **state)
{
    struct fx *f = *state;
    static const char csv[] = "client_id,Q1,Q2,Q3,comm\x92"
                              "ent\n"
                              "Zo\xc3\xab-01,1,2,3,ok\n";
    qs_mapping *m = mapping("client_id: client_id\n");
    qs_ingest *g;
    qs_diag_list e;
    qs_diag_list_init(&e);
    assert_int_equal(
        qs_ingest_open_mem(&g, csv, strlen(csv), "x.csv", f->inst, m, QS_PROFILE_AUTO, &e), QS_OK);
    qs_admin a;
    qs_row_problems p;
    qs_diag d;
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_OK);
    assert_string_equal(a.client_id, "Zo\xc3\xab-01");
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_EEOF);
    qs_ingest_free(g);
    qs_mapping_free(m);
    qs_diag_list_release(&e);
}

/* An ISO-like text qscore does not read is told apart from an ISO date that is not real. */
static void test_a_date_form_not_read_is_not_called_unreal(void **state)
{
    struct fx *f = *state;
    static const char csv[] = "client_id,when,Q1,Q2,Q3\n"
                              "C1,2026-05-20 14,1,2,3\n"
                              "C2,2026-02-30,1,2,3\n";
    qs_mapping *m = mapping("client_id: client_id\nadministered: when\n");
    qs_ingest *g;
    qs_diag_list e;
    qs_diag_list_init(&e);
    assert_int_equal(
        qs_ingest_open_mem(&g, csv, strlen(csv), "x.csv", f->inst, m, QS_PROFILE_AUTO, &e), QS_OK);
    qs_admin a;
    qs_row_problems p;
    qs_diag d;
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_EDATA);
    assert_string_equal(p.items[0].reason, "a date of the form YYYY-MM-DD NN is not read without "
                                           "date_format: set date_format in the mapping file");
    assert_int_equal(qs_ingest_next(g, &a, &p, &d), QS_EDATA);
    assert_string_equal(p.items[0].reason, "not a real calendar date or time (form YYYY-MM-DD)");
    qs_ingest_free(g);
    qs_mapping_free(m);
    qs_diag_list_release(&e);
}

/* One or two rows with one problem are the rows' own (a small daily export): no file problem. */
static void test_two_rows_with_one_problem_are_not_a_file_problem(void **state)
{
    struct fx *f = *state;
    static const char csv[] = "client_id,Client,Q1,Q2,Q3\n"
                              ",C1,1,2,3\n"
                              ",C2,9,2,3\n";
    qs_file_problem fp;
    assert_int_equal(file_problem_of(f, csv, NULL, &fp), 0);
}

static void test_problem_kinds_have_names(void **state)
{
    (void)state;
    assert_string_equal(qs_problem_kind_name(QS_PROBLEM_ROW), "row");
    assert_string_equal(qs_problem_kind_name(QS_PROBLEM_DATE), "date");
    assert_string_equal(qs_problem_kind_name(QS_PROBLEM_DUPLICATE), "duplicate");
    assert_string_equal(qs_problem_kind_name((qs_problem_kind)99), "unknown");
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
        cmocka_unit_test(test_slash_dates_of_every_tool_are_read),
        cmocka_unit_test(test_twelve_hour_clock_edges),
        cmocka_unit_test(test_slash_dates_must_be_real_calendar_dates),
        cmocka_unit_test(test_two_digit_years_are_never_guessed),
        cmocka_unit_test(test_date_forms_show_no_digit),
        cmocka_unit_test(test_a_day_first_file_is_decided_by_any_row),
        cmocka_unit_test(test_a_month_first_file_is_decided_by_any_row),
        cmocka_unit_test(test_a_file_mixing_day_first_and_month_first_is_refused),
        cmocka_unit_test(test_a_file_whose_slash_dates_never_decide_the_order_is_refused),
        cmocka_unit_test(test_two_digit_years_are_row_problems_and_a_file_problem),
        cmocka_unit_test(test_not_administered_rows_take_precedence_over_other_problems),
        cmocka_unit_test(test_one_unknown_label_on_every_row_is_a_file_problem),
        cmocka_unit_test(test_a_missing_code_on_every_row_is_a_file_problem),
        cmocka_unit_test(test_a_blank_client_id_column_is_a_file_problem),
        cmocka_unit_test(test_a_date_form_not_read_is_not_called_unreal),
        cmocka_unit_test(test_a_bad_byte_in_an_unmapped_header_cell_is_ignored),
        cmocka_unit_test(test_two_rows_with_one_problem_are_not_a_file_problem),
        cmocka_unit_test(test_problem_kinds_have_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
