/* test_output.c - the score files: the wide one (column names, number text, flags and validity
 * words) and the long CSV and JSON Lines (fixed text escaped once, rows across buffer flushes). */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qscore/output.h"

/* A synthetic instrument: the composite C is defined first, so the definition order (C, X, Y)
 * differs from the evaluation order (X, Y, C). Two flags, a norm for X only. */
static const char DEF[] =
    "id: w\nname: W\nversion: '1'\ncitation: synthetic\n"
    "scale: {min: 1, max: 4}\n"
    "items:\n  - {id: 1, column: Q1}\n  - {id: 2, column: Q2}\n"
    "scores:\n"
    "  - {id: C, name: C, scores: [X, Y], method: sum, higher_means: c}\n"
    "  - {id: X, name: X, items: [1], method: sum, higher_means: x}\n"
    "  - {id: Y, name: Y, items: [2], method: sum, higher_means: y}\n"
    "norms:\n  - {id: pop, name: P, source: synthetic, kind: general, n: 10,"
    " scores: {X: {mean: 2, sd: 1}}}\n"
    "flags:\n"
    "  - {id: f-one, label: F, severity: low, rule: X >= 1, because: b, cutoff: c,"
    " local_default: true}\n"
    "  - {id: f.two, label: G, severity: low, rule: Y >= 1, because: b, cutoff: c,"
    " local_default: true}\n";

static qs_instrument *load_def(const char *def)
{
    qs_instrument *inst = NULL;
    qs_diag_list e;
    qs_diag_list_init(&e);
    qs_error rc = qs_instrument_load_mem(&inst, def, strlen(def), "w.yaml", &e);
    if (rc && e.count)
        fprintf(stderr, "%s\n", e.items[0].message);
    assert_int_equal(rc, QS_OK);
    qs_diag_list_release(&e);
    return inst;
}

/* The wide text of one administration of `inst` with the given results, header included. */
static char *wide(const qs_instrument *inst, const char *norm, const qs_admin *adm,
                  const qs_result *res, unsigned long *raised)
{
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    assert_non_null(fp);
    qs_out *o;
    assert_int_equal(qs_out_new(&o, fp, QS_OUT_WIDE, inst, norm), QS_OK);
    assert_int_equal(qs_out_write(o, adm, res, "in.csv"), QS_OK);
    assert_int_equal(qs_out_finish(o), QS_OK);
    *raised = qs_out_flags_raised(o);
    qs_out_free(o);
    fclose(fp);
    return text;
}

/* The second line of `text` (the row after the header), without its newline. */
static const char *row_of(const char *text)
{
    const char *nl = strchr(text, '\n');
    assert_non_null(nl);
    return nl + 1;
}

static void test_columns_follow_the_definition_file_with_norm_columns_for_every_score(void **s)
{
    (void)s;
    qs_instrument *inst = load_def(DEF);
    assert_string_equal(inst->scores[2].id, "C"); /* evaluation order: parts first */
    qs_score_value sv[3] = {{NAN, 0, 2, NAN, NAN, NAN, QS_STATUS_INSUFFICIENT},
                            {NAN, 0, 1, NAN, NAN, NAN, QS_STATUS_INSUFFICIENT},
                            {NAN, 0, 1, NAN, NAN, NAN, QS_STATUS_INSUFFICIENT}};
    qs_tri fl[2] = {QS_TRI_UNKNOWN, QS_TRI_UNKNOWN};
    qs_result res = {sv, fl, {1, 0, NAN, -1, QS_TRI_FALSE, QS_TRI_FALSE}, NULL};
    qs_admin adm = {.response_id = "R1", .client_id = "C1"};
    unsigned long raised;
    char *t = wide(inst, NULL, &adm, &res, &raised);
    assert_string_equal(t, "response_id,client_id,instrument,administered,group,therapist,"
                           "C,C_status,X,X_status,Y,Y_status,flags,validity,missing_fraction,"
                           "longstring,irv\n"
                           "R1,C1,w,,,,,insufficient,,insufficient,,insufficient,,ok,1.0,0,\n");
    free(t);
    t = wide(inst, "pop", &adm, &res, &raised);
    static const char head[] = "response_id,client_id,instrument,administered,group,therapist,C,"
                               "C_status,C_z,C_t,C_percentile,X,X_status,X_z,X_t,X_percentile,Y,"
                               "Y_status,Y_z,Y_t,Y_percentile,flags,";
    assert_memory_equal(t, head, sizeof(head) - 1);
    free(t);
    qs_instrument_free(inst);
}

static void test_doubles_carry_a_decimal_point_and_missing_is_empty(void **s)
{
    (void)s;
    qs_instrument *inst = load_def(DEF);
    /* evaluation order X, Y, C */
    qs_score_value sv[3] = {{5, 1, 1, -1, 40, 15.865525393145708, QS_STATUS_OK},
                            {-12, 1, 1, NAN, NAN, NAN, QS_STATUS_PRORATED},
                            {1e16, 2, 2, 0.1, 1e-7, 2.5, QS_STATUS_OK}};
    qs_tri fl[2] = {QS_TRI_FALSE, QS_TRI_FALSE};
    qs_result res = {sv, fl, {0.5, 2, 0.7071067811865476, -1, QS_TRI_FALSE, QS_TRI_FALSE}, NULL};
    qs_admin adm = {.response_id = "R1", .client_id = "C1", .administered = "2026-01-02"};
    unsigned long raised;
    char *t = wide(inst, "pop", &adm, &res, &raised);
    assert_string_equal(row_of(t), "R1,C1,w,2026-01-02,,,1e+16,ok,0.1,1e-07,2.5,"
                                   "5.0,ok,-1.0,40.0,15.865525393145708,"
                                   "-12.0,prorated,,,,,ok,0.5,2,0.7071067811865476\n");
    assert_int_equal(raised, 0);
    free(t);
    qs_instrument_free(inst);
}

static void test_raised_flags_are_listed_and_quoted_with_validity_words(void **s)
{
    (void)s;
    qs_instrument *inst = load_def(DEF);
    qs_score_value sv[3] = {{1, 1, 1, NAN, NAN, NAN, QS_STATUS_OK},
                            {1, 1, 1, NAN, NAN, NAN, QS_STATUS_OK},
                            {2, 2, 2, NAN, NAN, NAN, QS_STATUS_OK}};
    struct {
        qs_tri f1, f2, careless, invalid;
        const char *tail; /* from `flags` to the end of the row */
        unsigned long raised;
    } cases[] = {
        {QS_TRI_TRUE, QS_TRI_TRUE, QS_TRI_FALSE, QS_TRI_FALSE, "\"f-one;f.two\",ok,", 2},
        {QS_TRI_FALSE, QS_TRI_TRUE, QS_TRI_TRUE, QS_TRI_FALSE, "f.two,careless,", 2},
        /* a flag that is not evaluable is not listed */
        {QS_TRI_UNKNOWN, QS_TRI_FALSE, QS_TRI_FALSE, QS_TRI_TRUE, ",invalid,", 1},
        {QS_TRI_FALSE, QS_TRI_FALSE, QS_TRI_TRUE, QS_TRI_TRUE, ",\"careless;invalid\",", 2},
        {QS_TRI_FALSE, QS_TRI_FALSE, QS_TRI_UNKNOWN, QS_TRI_FALSE, ",not_evaluable,", 0},
        /* a raised one wins over one that cannot be evaluated */
        {QS_TRI_FALSE, QS_TRI_FALSE, QS_TRI_UNKNOWN, QS_TRI_TRUE, ",invalid,", 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        qs_tri fl[2] = {cases[i].f1, cases[i].f2};
        qs_result res = {sv, fl, {0, 1, NAN, -1, cases[i].careless, cases[i].invalid}, NULL};
        qs_admin adm = {.response_id = "R1", .client_id = "C1"};
        unsigned long raised;
        char *t = wide(inst, NULL, &adm, &res, &raised);
        char want[128];
        snprintf(want, sizeof(want), "ok,%s0.0,1,\n", cases[i].tail);
        const char *row = row_of(t);
        size_t n = strlen(want), have = strlen(row);
        assert_true(have >= n);
        assert_string_equal(row + have - n, want);
        assert_int_equal(raised, cases[i].raised);
        free(t);
    }
    qs_instrument_free(inst);
}

static void test_text_with_a_semicolon_is_quoted_and_formulas_are_guarded(void **s)
{
    (void)s;
    qs_instrument *inst = load_def(DEF);
    qs_score_value sv[3] = {{1, 1, 1, NAN, NAN, NAN, QS_STATUS_OK},
                            {1, 1, 1, NAN, NAN, NAN, QS_STATUS_OK},
                            {2, 2, 2, NAN, NAN, NAN, QS_STATUS_OK}};
    qs_tri fl[2] = {QS_TRI_FALSE, QS_TRI_FALSE};
    qs_result res = {sv, fl, {0, 1, NAN, -1, QS_TRI_FALSE, QS_TRI_FALSE}, NULL};
    qs_admin adm = {.response_id = "R;1",
                    .client_id = "=HYPERLINK(\"x\")",
                    .group = "a, b",
                    .therapist = "-99"};
    unsigned long raised;
    char *t = wide(inst, NULL, &adm, &res, &raised);
    static const char want[] = "\"R;1\",\"'=HYPERLINK(\"\"x\"\")\",w,,\"a, b\",-99,2.0,ok,";
    assert_memory_equal(row_of(t), want, sizeof(want) - 1);
    free(t);
    qs_instrument_free(inst);
}

/* A copy of DEF with score `from` renamed `to` (in the scores list, composite and rule). */
static char *renamed(const char *from, const char *to)
{
    size_t cap = strlen(DEF) * 2 + 1, n = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    size_t fl = strlen(from), tl = strlen(to);
    for (const char *p = DEF; *p;) {
        /* whole-word match: `from` not preceded or followed by an id character */
        int before_ok = p == DEF || !(p[-1] == '_' || (p[-1] >= 'A' && p[-1] <= 'Z') ||
                                      (p[-1] >= 'a' && p[-1] <= 'z'));
        if (before_ok && strncmp(p, from, fl) == 0 &&
            !(p[fl] == '_' || (p[fl] >= 'A' && p[fl] <= 'Z') || (p[fl] >= 'a' && p[fl] <= 'z'))) {
            memcpy(out + n, to, tl);
            n += tl;
            p += fl;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    return out;
}

static void test_a_score_taking_another_columns_name_is_refused(void **s)
{
    (void)s;
    struct {
        const char *from, *to;
        int normed;
        const char *message; /* NULL: accepted */
    } cases[] = {
        {"Y", "group", 0, "the column 'group' and score 'group' would both be column 'group'"},
        {"Y", "IRV", 0, "score 'IRV' and the column 'irv' would both be column 'irv'"},
        {"Y", "x", 0, "score 'X' and score 'x' would both be column 'x'"},
        {"Y", "X_Status", 0,
         "the status of score 'X' and score 'X_Status' would both be column "
         "'X_Status'"},
        {"Y", "C_z", 1, "the z of score 'C' and score 'C_z' would both be column 'C_z'"},
        {"Y", "C_z", 0, NULL}, /* no norm: no C_z column */
        {"Y", "Y_t", 1, NULL}, /* a score's own columns: Y_t, Y_t_status, ..., no clash */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *def = renamed(cases[i].from, cases[i].to);
        qs_instrument *inst = load_def(def);
        qs_diag d;
        qs_diag_clear(&d);
        qs_error rc = qs_out_wide_check(inst, cases[i].normed, &d);
        if (!cases[i].message) {
            assert_int_equal(rc, QS_OK);
        } else {
            assert_int_equal(rc, QS_EINVALID);
            if (!strstr(d.message, cases[i].message))
                fail_msg("case %zu: %s", i, d.message);
            assert_string_equal(d.file, "w.yaml");
            assert_string_equal(d.path, "scores[2].id"); /* Y's place in the file */
            qs_out *o = NULL;
            assert_int_equal(
                qs_out_new(&o, stdout, QS_OUT_WIDE, inst, cases[i].normed ? "pop" : NULL),
                QS_EINVALID);
            assert_null(o);
        }
        qs_instrument_free(inst);
        free(def);
    }
}

static void test_every_bundled_instrument_has_distinct_wide_columns(void **s)
{
    (void)s;
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/instruments", QS_SOURCE_DIR);
    DIR *dp = opendir(dir);
    assert_non_null(dp);
    int seen = 0;
    struct dirent *de;
    while ((de = readdir(dp)) != NULL) {
        size_t n = strlen(de->d_name);
        if (n < 6 || strcmp(de->d_name + n - 5, ".yaml") != 0)
            continue;
        char path[2048];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        qs_instrument *inst;
        qs_diag_list e;
        qs_diag_list_init(&e);
        assert_int_equal(qs_instrument_load(&inst, path, &e), QS_OK);
        for (int normed = 0; normed < 2; normed++) {
            qs_diag d;
            if (qs_out_wide_check(inst, normed, &d) != QS_OK)
                fail_msg("%s: %s", de->d_name, d.message);
        }
        qs_instrument_free(inst);
        qs_diag_list_release(&e);
        seen++;
    }
    closedir(dp);
    assert_true(seen >= 4);
}

/* ---- the long CSV and JSON Lines ---------------------------------------------------------- */

/* Flag text that must be quoted (CSV) and escaped (JSON), and validity thresholds. */
static const char DEF_LONG[] =
    "id: w\nname: W\nversion: '1'\ncitation: synthetic\n"
    "scale: {min: 1, max: 4}\n"
    "items:\n  - {id: 1, column: Q1}\n  - {id: 2, column: Q2}\n"
    "scores:\n"
    "  - {id: X, name: X, items: [1], method: sum, higher_means: x}\n"
    "  - {id: Y, name: Y, items: [2], method: sum, higher_means: y}\n"
    "flags:\n"
    "  - {id: f-one, label: 'Q \"L\"', severity: high, rule: X >= 1 and Y >= 1,"
    " because: 'Say \"hi\", then go.', cutoff: c, local_default: true}\n"
    "validity:\n  max_longstring: 1\n  min_irv: 0.5\n";

/* The long text (CSV or JSON) of `n` administrations R0001.. of `inst`, all with `res`. */
static char *long_text(const qs_instrument *inst, qs_out_format format, const qs_result *res, int n,
                       const char *id0, unsigned long *raised)
{
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    assert_non_null(fp);
    qs_out *o;
    assert_int_equal(qs_out_new(&o, fp, format, inst, NULL), QS_OK);
    for (int i = 1; i <= n; i++) {
        char id[16];
        snprintf(id, sizeof(id), "R%04d", i);
        qs_admin adm = {.response_id = i == 1 && id0 ? id0 : id,
                        .client_id = "C1",
                        .line = (unsigned long)i + 1};
        assert_int_equal(qs_out_write(o, &adm, res, "in.csv"), QS_OK);
    }
    assert_int_equal(qs_out_finish(o), QS_OK);
    *raised = qs_out_flags_raised(o);
    qs_out_free(o);
    fclose(fp);
    return text;
}

/*
 * 4,000 administrations of four rows each (two scores, the instrument's flag, careless): about
 * 1.3 MB, so the writer's 256 KiB buffer fills and is flushed several times, in the middle of
 * rows. Every row must be exactly the one built here: the flag's quoted `because` and the
 * numbers written straight into the buffer survive every flush.
 */
static void test_long_csv_rows_are_exact_across_buffer_flushes(void **s)
{
    (void)s;
    qs_instrument *inst = load_def(DEF_LONG);
    qs_score_value sv[2] = {{3, 1, 1, NAN, NAN, NAN, QS_STATUS_OK},
                            {2.0833333333333335, 1, 1, NAN, NAN, NAN, QS_STATUS_PRORATED}};
    qs_tri fl[1] = {QS_TRI_TRUE};
    double values[2 * QS_FIELD_COUNT];
    for (size_t i = 0; i < 2 * QS_FIELD_COUNT; i++)
        values[i] = NAN;
    values[0 * QS_FIELD_COUNT + QS_FIELD_VALUE] = 3;
    values[1 * QS_FIELD_COUNT + QS_FIELD_VALUE] = 2.0833333333333335;
    qs_result res = {sv, fl, {0.5, 2, 0.25, -1, QS_TRI_TRUE, QS_TRI_FALSE}, values};
    unsigned long raised;
    enum { N = 4000 };
    char *t = long_text(inst, QS_OUT_CSV, &res, N, NULL, &raised);
    assert_int_equal(raised, 2 * N);
    const char *p = strchr(t, '\n');
    assert_non_null(p);
    p++;
    for (int i = 1; i <= N; i++) {
        char want[1024];
        int line = i + 1;
        snprintf(want, sizeof(want),
                 "R%04d,C1,w,X,3,1,1,,,,ok,score,,,,,,,,in.csv,%d,0.5,2,0.25,\n"
                 "R%04d,C1,w,Y,2.0833333333333335,1,1,,,,prorated,score,,,,,,,,in.csv,%d,0.5,"
                 "2,0.25,\n"
                 "R%04d,C1,w,f-one,,,,,,,raised,flag,high,X=3; Y=2.0833333333333335,"
                 "\"Say \"\"hi\"\", then go.\",,,,,in.csv,%d,0.5,2,0.25,\n"
                 "R%04d,C1,w,careless,,,,,,,raised,flag,medium,longstring=2; irv=0.25,The "
                 "answers show a pattern typical of careless responding (a long run of "
                 "identical answers or too little variation): interpret the scores with "
                 "caution.,,,,,in.csv,%d,0.5,2,0.25,\n",
                 i, line, i, line, i, line, i, line);
        size_t n = strlen(want);
        if (strncmp(p, want, n) != 0)
            fail_msg("administration %d:\n got: %.*s\nwant: %s", i, (int)n, p, want);
        p += n;
    }
    assert_string_equal(p, "");
    free(t);
    qs_instrument_free(inst);
}

static void test_long_json_escapes_text_and_lists_flags_with_their_values(void **s)
{
    (void)s;
    qs_instrument *inst = load_def(DEF_LONG);
    qs_score_value sv[2] = {{3, 1, 1, NAN, NAN, NAN, QS_STATUS_OK},
                            {NAN, 0, 1, NAN, NAN, NAN, QS_STATUS_INSUFFICIENT}};
    qs_tri fl[1] = {QS_TRI_UNKNOWN};
    double values[2 * QS_FIELD_COUNT];
    for (size_t i = 0; i < 2 * QS_FIELD_COUNT; i++)
        values[i] = NAN;
    values[0 * QS_FIELD_COUNT + QS_FIELD_VALUE] = 3;
    qs_result res = {sv, fl, {0.5, 1, NAN, -1, QS_TRI_UNKNOWN, QS_TRI_FALSE}, values};
    unsigned long raised;
    char *t = long_text(inst, QS_OUT_JSON, &res, 2, "R\x01\"1\\", &raised);
    assert_int_equal(raised, 0);
    static const char flags[] =
        "\"flags\":[{\"id\":\"f-one\",\"label\":\"Q \\\"L\\\"\",\"severity\":\"high\","
        "\"status\":\"not_evaluable\",\"rule\":\"X >= 1 and Y >= 1\",\"values\":{\"X\":3,"
        "\"Y\":null},\"because\":\"Say \\\"hi\\\", then go.\"},{\"id\":\"careless\",\"label\":"
        "\"Careless responding\",\"severity\":\"medium\",\"status\":\"not_evaluable\",\"rule\":"
        "\"longstring > 1 or irv < 0.5\",\"values\":{\"longstring\":1,\"irv\":null},"
        "\"because\":\"The answers show a pattern typical of careless responding (a long run "
        "of identical answers or too little variation): interpret the scores with "
        "caution.\"}]}\n";
    char want[2048];
    snprintf(want, sizeof(want),
             "{\"response_id\":\"R\\u0001\\\"1\\\\\",\"client_id\":\"C1\",\"instrument\":\"w\","
             "\"source\":\"in.csv\",\"line\":2,\"group\":null,\"therapist\":null,"
             "\"administered\":null,\"norm\":null,\"scores\":{\"X\":{\"value\":3,"
             "\"n_answered\":1,\"n_items\":1,\"z\":null,\"t\":null,\"percentile\":null,"
             "\"status\":\"ok\"},\"Y\":{\"value\":null,\"n_answered\":0,\"n_items\":1,\"z\":null,"
             "\"t\":null,\"percentile\":null,\"status\":\"insufficient\"}},\"validity\":{"
             "\"missing_fraction\":0.5,\"longstring\":1,\"irv\":null,\"attention_failed\":null},"
             "%s",
             flags);
    size_t n = strlen(want);
    assert_memory_equal(t, want, n);
    assert_memory_equal(t + n, "{\"response_id\":\"R0002\"", 22);
    free(t);
    qs_instrument_free(inst);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_columns_follow_the_definition_file_with_norm_columns_for_every_score),
        cmocka_unit_test(test_doubles_carry_a_decimal_point_and_missing_is_empty),
        cmocka_unit_test(test_raised_flags_are_listed_and_quoted_with_validity_words),
        cmocka_unit_test(test_text_with_a_semicolon_is_quoted_and_formulas_are_guarded),
        cmocka_unit_test(test_a_score_taking_another_columns_name_is_refused),
        cmocka_unit_test(test_every_bundled_instrument_has_distinct_wide_columns),
        cmocka_unit_test(test_long_csv_rows_are_exact_across_buffer_flushes),
        cmocka_unit_test(test_long_json_escapes_text_and_lists_flags_with_their_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
