/* test_profile.c - the profile table: names, detection, and the lists made from it. */
#define _POSIX_C_SOURCE 200809L /* popen */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "profile.h"

/* A record of the given cells, as the reader would deliver row 1. */
static qs_record row(const char *const *cells, size_t n, size_t *lens)
{
    qs_record r;
    memset(&r, 0, sizeof(r));
    for (size_t i = 0; i < n; i++)
        lens[i] = strlen(cells[i]);
    r.nfields = n;
    r.fields = cells;
    r.lens = lens;
    r.line = 1;
    return r;
}

static qs_profile detect(const char *const *cells, size_t n)
{
    size_t lens[8];
    qs_record r = row(cells, n, lens);
    return qs_profile__detect(&r);
}

static void test_every_profile_has_one_entry(void **state)
{
    (void)state;
    size_t n;
    const qs_profile_def *t = qs_profile__table(&n);
    assert_int_equal(n, QS_PROFILE_COUNT);
    for (int p = 0; p < QS_PROFILE_COUNT; p++) {
        int seen = 0;
        for (size_t i = 0; i < n; i++)
            seen += t[i].id == (qs_profile)p;
        assert_int_equal(seen, 1);
        assert_non_null(qs_profile__get((qs_profile)p));
        assert_int_equal(qs_profile__get((qs_profile)p)->id, p);
    }
    assert_null(qs_profile__get(QS_PROFILE_COUNT));
}

static void test_names_are_unique_and_parse_back(void **state)
{
    (void)state;
    for (int p = 0; p < QS_PROFILE_COUNT; p++) {
        const char *name = qs_profile_name((qs_profile)p);
        assert_non_null(name);
        assert_true(name[0] != '\0');
        for (int q = 0; q < p; q++)
            assert_string_not_equal(name, qs_profile_name((qs_profile)q));
        qs_profile back = QS_PROFILE_COUNT;
        assert_int_equal(qs_profile_parse(name, &back), 1);
        assert_int_equal(back, p);
    }
    qs_profile out = QS_PROFILE_GENERIC;
    assert_int_equal(qs_profile_parse("spss", &out), 0);
    assert_int_equal(qs_profile_parse("Qualtrics", &out), 0); /* exact, as written */
    assert_int_equal(out, QS_PROFILE_GENERIC);
    assert_string_equal(qs_profile_name(QS_PROFILE_COUNT), "unknown");
}

static void test_only_auto_and_generic_are_never_detected(void **state)
{
    (void)state;
    size_t n;
    const qs_profile_def *t = qs_profile__table(&n);
    for (size_t i = 0; i < n; i++) {
        int plain = t[i].id == QS_PROFILE_AUTO || t[i].id == QS_PROFILE_GENERIC;
        assert_int_equal(t[i].detect == NULL, plain);
    }
}

static void test_header_rows_are_described_whole(void **state)
{
    (void)state;
    size_t n;
    const qs_profile_def *t = qs_profile__table(&n);
    for (size_t i = 0; i < n; i++) {
        /* A second header row has its test, its name and its "expected" hint, or none. */
        assert_int_equal(t[i].row2_is == NULL, t[i].row2_what == NULL);
        assert_int_equal(t[i].row2_is == NULL, t[i].row2_expected == NULL);
        /* A third only after a second, with both of its functions. */
        assert_int_equal(t[i].row3_is == NULL, t[i].row3_may_follow == NULL);
        if (t[i].row3_is)
            assert_non_null(t[i].row2_is);
        /* Event and instance columns only join an id column. */
        if (t[i].event_columns || t[i].instance_columns)
            assert_non_null(t[i].id_columns);
    }
}

static void test_detection_reads_the_first_column(void **state)
{
    (void)state;
    const char *q[] = {"StartDate", "EndDate", "Status"};
    const char *q_legacy[] = {"V1", "V2", "V3"};
    const char *not_legacy[] = {"V1", "x"};
    const char *sm[] = {"Respondent ID", "Collector ID"};
    const char *rc[] = {"record_id", "q1"};
    const char *rc_labels[] = {"Record ID", "q1"};
    const char *rc_renamed[] = {"participant", "redcap_event_name"};
    const char *gf[] = {" Marca temporal ", "q1"};
    const char *generic[] = {"client_id", "ResponseId", "StartDate"};
    assert_int_equal(detect(q, 3), QS_PROFILE_QUALTRICS);
    assert_int_equal(detect(q_legacy, 3), QS_PROFILE_QUALTRICS);
    assert_int_equal(detect(not_legacy, 2), QS_PROFILE_GENERIC);
    assert_int_equal(detect(sm, 2), QS_PROFILE_SURVEYMONKEY);
    assert_int_equal(detect(rc, 2), QS_PROFILE_REDCAP);
    assert_int_equal(detect(rc_labels, 2), QS_PROFILE_REDCAP);
    assert_int_equal(detect(rc_renamed, 2), QS_PROFILE_REDCAP);
    assert_int_equal(detect(gf, 2), QS_PROFILE_GOOGLE_FORMS);
    assert_int_equal(detect(generic, 3), QS_PROFILE_GENERIC); /* only the first column counts */
}

static void test_detection_order_decides_a_redcap_column_elsewhere(void **state)
{
    (void)state;
    /* REDCap's columns may sit anywhere: the table's order keeps the other tools' first
     * column first, except Google Forms', which comes after REDCap. */
    const char *sm[] = {"Respondent ID", "redcap_event_name"};
    const char *q[] = {"StartDate", "redcap_repeat_instrument"};
    const char *gf[] = {"Timestamp", "redcap_event_name"};
    assert_int_equal(detect(sm, 2), QS_PROFILE_SURVEYMONKEY);
    assert_int_equal(detect(q, 2), QS_PROFILE_QUALTRICS);
    assert_int_equal(detect(gf, 2), QS_PROFILE_REDCAP);
}

static void test_the_list_names_every_profile_in_order(void **state)
{
    (void)state;
    char buf[256];
    assert_string_equal(qs_profile_list(buf, sizeof(buf)),
                        "auto, generic, qualtrics, redcap, surveymonkey or google-forms");
    const char *at = buf;
    for (int p = 0; p < QS_PROFILE_COUNT; p++) {
        const char *found = strstr(at, qs_profile_name((qs_profile)p));
        assert_non_null(found);
        at = found;
    }
    char small[12];
    qs_profile_list(small, sizeof(small)); /* cut, but a string */
    assert_true(strlen(small) < sizeof(small));
}

/* The text of a file, or of a command's standard output; the caller frees it. */
static char *slurp(FILE *fp)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    size_t got;
    while ((got = fread(buf + n, 1, cap - 1 - n, fp)) > 0) {
        n += got;
        if (n + 1 == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    buf[n] = '\0';
    return buf;
}

/* Is `name` in `text` as a whole word (not a part of "google-forms-x" or "autosave")? */
static int has_word(const char *text, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = strstr(text, name); p; p = strstr(p + 1, name)) {
        int before = p == text || strchr(" ,|[(`", p[-1]);
        int after = p[n] == '\0' || strchr(" ,|]):`\n", p[n]);
        if (before && after)
            return 1;
    }
    return 0;
}

static void test_usage_lists_every_profile(void **state)
{
    (void)state;
    FILE *fp = popen("'" QSCORE_BIN "' help score", "r");
    assert_non_null(fp);
    char *text = slurp(fp);
    assert_int_equal(pclose(fp), 0);
    const char *opt = strstr(text, "      --profile PROFILE ");
    assert_non_null(opt);
    const char *next = strstr(opt, "      --norms");
    assert_non_null(next);
    char *part = strndup(opt, (size_t)(next - opt)); /* the option's own lines */
    assert_non_null(part);
    for (int p = 0; p < QS_PROFILE_COUNT; p++)
        if (!has_word(part, qs_profile_name((qs_profile)p)))
            fail_msg("'qscore help score' does not list the profile '%s'",
                     qs_profile_name((qs_profile)p));
    free(part);
    free(text);
}

/* A doc cell of a column list: "`a`, `b`" for each name. */
static void assert_row_names(const char *line, const char *const *names)
{
    for (size_t k = 0; names && names[k]; k++) {
        char want[128];
        snprintf(want, sizeof(want), "`%s`", names[k]);
        if (!strstr(line, want))
            fail_msg("docs/score.md: the row '%.40s...' does not name %s", line, want);
    }
}

static void test_the_docs_list_every_profile(void **state)
{
    (void)state;
    FILE *fp = fopen(QS_SOURCE_DIR "/docs/score.md", "r");
    assert_non_null(fp);
    char *doc = slurp(fp);
    fclose(fp);

    /* The synopsis: --profile auto|generic|... in enum order. */
    char synopsis[256];
    size_t used = (size_t)snprintf(synopsis, sizeof(synopsis), "--profile ");
    for (int p = 0; p < QS_PROFILE_COUNT && used < sizeof(synopsis); p++)
        used += (size_t)snprintf(synopsis + used, sizeof(synopsis) - used, "%s%s", p ? "|" : "",
                                 qs_profile_name((qs_profile)p));
    if (!strstr(doc, synopsis))
        fail_msg("docs/score.md lacks '%s'", synopsis);

    /* The section's table: one row per profile, naming its default columns and date forms. */
    char *section = strstr(doc, "\n## Profiles\n");
    if (!section)
        fail_msg("docs/score.md has no section '## Profiles'");
    char *end = strstr(section + 1, "\n## ");
    if (end)
        *end = '\0';
    size_t rows = 0;
    for (const char *p = strstr(section, "\n| `"); p; p = strstr(p + 1, "\n| `"))
        rows++;
    assert_int_equal(rows, QS_PROFILE_COUNT);
    for (int p = 0; p < QS_PROFILE_COUNT; p++) {
        const qs_profile_def *d = qs_profile__get((qs_profile)p);
        char head[64];
        snprintf(head, sizeof(head), "\n| `%s` |", d->name);
        const char *line = strstr(section, head);
        if (!line)
            fail_msg("docs/score.md has no row '| `%s` |' in its profile table", d->name);
        char *row = strndup(line + 1, strcspn(line + 1, "\n"));
        assert_non_null(row);
        assert_row_names(row, d->id_columns);
        assert_row_names(row, d->event_columns);
        assert_row_names(row, d->instance_columns);
        assert_row_names(row, d->date_columns);
        for (size_t k = 0; d->date_forms && d->date_forms[k]; k++) {
            /* '|' is written '\|' inside a table cell. */
            char want[160];
            size_t n = 0;
            want[n++] = '`';
            for (const char *c = d->date_forms[k]; *c && n + 3 < sizeof(want); c++) {
                if (*c == '|')
                    want[n++] = '\\';
                want[n++] = *c;
            }
            want[n++] = '`';
            want[n] = '\0';
            if (!strstr(row, want))
                fail_msg("docs/score.md: the row of '%s' does not give its dates as %s", d->name,
                         want);
        }
        free(row);
    }
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_profile_has_one_entry),
        cmocka_unit_test(test_names_are_unique_and_parse_back),
        cmocka_unit_test(test_only_auto_and_generic_are_never_detected),
        cmocka_unit_test(test_header_rows_are_described_whole),
        cmocka_unit_test(test_detection_reads_the_first_column),
        cmocka_unit_test(test_detection_order_decides_a_redcap_column_elsewhere),
        cmocka_unit_test(test_the_list_names_every_profile_in_order),
        cmocka_unit_test(test_usage_lists_every_profile),
        cmocka_unit_test(test_the_docs_list_every_profile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
