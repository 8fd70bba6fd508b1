/* test_report_words.c - what a therapist reads in plain words (reports/report_words.c): the
 * digits a value shows, why a form is not usable, the values that fired a flag with their
 * cutoffs, and dates. */
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qscore/instrument.h"
#include "qscore/score.h"
#include "report_internal.h"

#define M QS_MISSING

/* A synthetic instrument: a mean score A with a sourced cutoff, a prorated sum S, a literal
 * cutoff, T, z and percentile rules, attention checks and every validity rule. Made up. */
static const char DEF_SYN[] =
    "id: syn-w\nname: Synthetic W\nversion: '1'\ncitation: synthetic citation\n"
    "scale: {min: 1, max: 5}\n"
    "items: [{id: 1}, {id: 2}, {id: 3}, {id: 4}, {id: 5}, {id: 6}, {id: 7}, {id: 8}, {id: 9},"
    " {id: 10}]\n"
    "scores:\n"
    "  - {id: A, name: Alpha, items: [1, 2, 3, 4, 5], method: mean, higher_means: a}\n"
    "  - {id: S, name: Sigma, items: [6, 7, 8, 9, 10], method: sum, higher_means: s,"
    " missing: {min_answered: 3, prorate: true}}\n"
    "norms:\n"
    "  - {id: pop, name: Population P, source: synthetic source p. 1, scores:"
    " {A: {mean: 3, sd: 0.5}}}\n"
    "cutoffs:\n"
    "  a_low: {value: 2, source: 'Synthetic Author 2020, p. 4'}\n"
    "validity:\n"
    "  attention_checks: [{id: AC1, expect: [5]}, {id: AC2, expect: [1]}]\n"
    "  max_failed_checks: 0\n"
    "  max_longstring: 4\n"
    "  min_irv: 0.5\n"
    "  max_missing_fraction: 0.3\n"
    "flags:\n"
    "  - {id: low, label: Low alpha, severity: high, rule: 'A <= a_low', because: b, cutoff: c}\n"
    "  - {id: lit, label: High sigma, severity: low, rule: 'S >= 12', because: b, cutoff: c}\n"
    "  - {id: tee, label: High alpha T, severity: low, rule: 'A.t >= 65', because: b, cutoff: c,"
    " local_default: true}\n"
    "  - {id: zed, label: Low alpha z, severity: low, rule: 'A.z <= -1.5', because: b, cutoff: c,"
    " local_default: true}\n"
    "  - {id: pct, label: Low alpha percentile, severity: low, rule: 'A.percentile <= 10',"
    " because: b, cutoff: c, local_default: true}\n"
    "  - {id: val, label: Alpha value, severity: low, rule: 'A.value >= 4.5', because: b,"
    " cutoff: c, local_default: true}\n";

static qs_instrument *syn, *dsir, *sfcds;

static qs_instrument *load_mem(const char *def)
{
    qs_instrument *inst = NULL;
    qs_diag_list e;
    qs_diag_list_init(&e);
    if (qs_instrument_load_mem(&inst, def, strlen(def), "syn-w.yaml", &e)) {
        for (size_t i = 0; i < e.count; i++)
            fprintf(stderr, "syn-w.yaml:%lu:%lu %s %s\n", e.items[i].line, e.items[i].column,
                    e.items[i].path, e.items[i].message);
        inst = NULL;
    }
    qs_diag_list_release(&e);
    return inst;
}

/* A shipped instrument, as installed (instruments/ID.yaml). */
static qs_instrument *load_shipped(const char *id)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/instruments/%s.yaml", QS_SOURCE_DIR, id);
    qs_instrument *inst = NULL;
    qs_diag_list e;
    qs_diag_list_init(&e);
    if (qs_instrument_load(&inst, path, &e))
        inst = NULL;
    qs_diag_list_release(&e);
    return inst;
}

static int setup(void **state)
{
    (void)state;
    syn = load_mem(DEF_SYN);
    dsir = load_shipped("dsi-r");
    sfcds = load_shipped("sfcds");
    return syn && dsir && sfcds ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    qs_instrument_free(syn);
    qs_instrument_free(dsir);
    qs_instrument_free(sfcds);
    return 0;
}

static const qs_flag *flag(const qs_instrument *I, const char *id)
{
    for (size_t k = 0; k < I->nflags; k++)
        if (strcmp(I->flags[k].id, id) == 0)
            return &I->flags[k];
    fail_msg("no flag '%s' in %s", id, I->id);
    return NULL;
}

static int score(const qs_instrument *I, const char *id)
{
    int s = qs_instrument_score_index(I, id);
    assert_true(s >= 0);
    return s;
}

/* ---- digits ------------------------------------------------------------------------------ */

static void test_means_show_two_decimals_and_sums_whole_unless_prorated(void **state)
{
    (void)state;
    const qs_score_def *a = &syn->scores[score(syn, "A")], *s = &syn->scores[score(syn, "S")];
    assert_int_equal(qs_rep__digits(a, 2.0833333333333335), 2);
    assert_int_equal(qs_rep__digits(a, 3.0), 2); /* a mean is a mean: 3.00 */
    assert_int_equal(qs_rep__digits(a, NAN), 2);
    assert_int_equal(qs_rep__digits(s, 12.0), 0);
    assert_int_equal(qs_rep__digits(s, 0.0), 0);
    assert_int_equal(qs_rep__digits(s, 12.5), 1); /* prorated: 10 * 5 / 4 */
    assert_int_equal(qs_rep__digits(s, -2.5), 1); /* a change from a prorated baseline */
    assert_int_equal(qs_rep__digits(s, NAN), 0);
}

/* ---- validity ---------------------------------------------------------------------------- */

static void test_an_invalid_form_says_how_many_items_are_unanswered(void **state)
{
    (void)state;
    int answers[46];
    for (size_t i = 0; i < 46; i++)
        answers[i] = i < 12 ? M : 3; /* 12 of 46 = 26% > 20% */
    char buf[256];
    size_t n = qs_rep__validity_words(buf, sizeof(buf), dsir, answers, 34, 1.0, 0, 1);
    assert_string_equal(buf, "12 of 46 items unanswered");
    assert_int_equal(n, strlen(buf));
}

static void test_a_careless_form_says_how_long_the_run_of_one_answer_is(void **state)
{
    (void)state;
    int answers[46];
    for (size_t i = 0; i < 46; i++)
        answers[i] = 4;
    char buf[256];
    qs_rep__validity_words(buf, sizeof(buf), dsir, answers, 46, 0.0, 1, 0);
    assert_string_equal(buf, "same answer to 46 items in a row");
    /* Both at once: the missing items first. */
    for (size_t i = 30; i < 46; i++)
        answers[i] = M;
    qs_rep__validity_words(buf, sizeof(buf), dsir, answers, 30, 0.0, 1, 1);
    assert_string_equal(buf, "16 of 46 items unanswered; same answer to 30 items in a row");
}

static void test_careless_by_spread_and_invalid_by_checks_are_said_in_words(void **state)
{
    (void)state;
    const int answers[10] = {3, 3, 3, 2, 3, 3, 3, 4, 3, 3};
    char buf[256];
    qs_rep__validity_words(buf, sizeof(buf), syn, answers, 3, 0.4216, 1, 0);
    assert_string_equal(buf, "answers hardly vary (spread 0.42, at least 0.50 expected of "
                             "attentive answers)");
    qs_rep__validity_words(buf, sizeof(buf), syn, answers, 5, 0.4216, 1, 0);
    assert_string_equal(buf, "same answer to 5 items in a row; answers hardly vary (spread "
                             "0.42, at least 0.50 expected of attentive answers)");
    /* Careless without a crossing it can name (stored indices from another definition). */
    qs_rep__validity_words(buf, sizeof(buf), syn, answers, 2, NAN, 1, 0);
    assert_string_equal(buf, "answers look careless");
    /* Invalid with few items missing: the attention checks failed. */
    qs_rep__validity_words(buf, sizeof(buf), syn, answers, 2, 0.6, 0, 1);
    assert_string_equal(buf, "too many attention checks failed");
    /* Neither: nothing to say. */
    assert_int_equal(qs_rep__validity_words(buf, sizeof(buf), syn, answers, 2, 0.6, 0, 0), 0);
    assert_string_equal(buf, "");
}

static void test_validity_words_are_cut_to_the_buffer_and_terminated(void **state)
{
    (void)state;
    int answers[46];
    for (size_t i = 0; i < 46; i++)
        answers[i] = i < 12 ? M : 3;
    char buf[8];
    memset(buf, 'x', sizeof(buf));
    size_t n = qs_rep__validity_words(buf, sizeof(buf), dsir, answers, 34, 1.0, 1, 1);
    assert_string_equal(buf, "12 of 4");
    assert_int_equal(n, 7);
    assert_int_equal(qs_rep__validity_words(buf, 0, dsir, answers, 34, 1.0, 1, 1), 0);
}

/* ---- flag values ------------------------------------------------------------------------- */

static void dsir_values(double fo, double er, double *v)
{
    for (size_t s = 0; s < dsir->nscores; s++)
        v[s] = 3.5;
    v[score(dsir, "FO")] = fo;
    v[score(dsir, "ER")] = er;
}

static void test_flag_values_name_the_score_its_value_and_a_clinic_default_cutoff(void **state)
{
    (void)state;
    double v[8];
    assert_true(dsir->nscores <= 8);
    dsir_values(2.0833333333333335, 1.6363636363636365, v);
    char buf[512];
    size_t n = qs_rep__flag_values(buf, sizeof(buf), dsir, flag(dsir, "high-fusion"), v, NULL);
    assert_string_equal(buf, "Fusion with Others 2.08 (cutoff \xE2\x89\xA4 2.50, clinic default)");
    assert_int_equal(n, strlen(buf));
    qs_rep__flag_values(buf, sizeof(buf), dsir, flag(dsir, "fusion-reactivity-profile"), v, NULL);
    assert_string_equal(buf,
                        "Fusion with Others 2.08 (cutoff \xE2\x89\xA4 2.50, clinic default); "
                        "Emotional Reactivity 1.64 (cutoff \xE2\x89\xA4 2.50, clinic default)");
    /* A value that rounds to its cutoff is shown with the digits that tell them apart. */
    dsir_values(2.4958333333333336, 1.6, v);
    qs_rep__flag_values(buf, sizeof(buf), dsir, flag(dsir, "high-fusion"), v, NULL);
    assert_string_equal(buf, "Fusion with Others 2.496 (cutoff \xE2\x89\xA4 2.50, clinic default)");
    dsir_values(2.5, 1.6, v);
    qs_rep__flag_values(buf, sizeof(buf), dsir, flag(dsir, "high-fusion"), v, NULL);
    assert_string_equal(buf, "Fusion with Others 2.50 (cutoff \xE2\x89\xA4 2.50, clinic default)");
    /* A score the store has no value for. */
    dsir_values(NAN, 1.6, v);
    qs_rep__flag_values(buf, sizeof(buf), dsir, flag(dsir, "high-fusion"), v, NULL);
    assert_string_equal(
        buf, "Fusion with Others not available (cutoff \xE2\x89\xA4 2.50, clinic default)");
}

static void test_a_cutoff_the_clinic_overrode_is_called_the_clinic_setting(void **state)
{
    (void)state;
    qs_cutoff_setting set = {"fo_high", 2.3, "2.3", 12, 5};
    qs_overrides ov;
    memset(&ov, 0, sizeof(ov));
    ov.instrument = "dsi-r";
    ov.file = "clinic.yaml";
    ov.ncutoffs = 1;
    ov.cutoffs = &set;
    qs_diag_list e;
    qs_diag_list_init(&e);
    assert_int_equal(qs_instrument_apply_overrides(dsir, &ov, &e), QS_OK);
    double v[8];
    dsir_values(2.0833333333333335, 2.4, v);
    char buf[512];
    qs_rep__flag_values(buf, sizeof(buf), dsir, flag(dsir, "high-fusion"), v, NULL);
    assert_string_equal(buf, "Fusion with Others 2.08 (cutoff \xE2\x89\xA4 2.30, clinic setting)");
    /* The profile shares the overridden cutoff: its whole text says clinic setting. */
    qs_rep__flag_values(buf, sizeof(buf), dsir, flag(dsir, "fusion-reactivity-profile"), v, NULL);
    assert_string_equal(buf,
                        "Fusion with Others 2.08 (cutoff \xE2\x89\xA4 2.30, clinic setting); "
                        "Emotional Reactivity 2.40 (cutoff \xE2\x89\xA4 2.50, clinic setting)");
    /* Back to the definition's own. */
    assert_int_equal(qs_instrument_apply_overrides(dsir, NULL, &e), QS_OK);
    qs_rep__flag_values(buf, sizeof(buf), dsir, flag(dsir, "high-fusion"), v, NULL);
    assert_string_equal(buf, "Fusion with Others 2.08 (cutoff \xE2\x89\xA4 2.50, clinic default)");
    qs_diag_list_release(&e);
}

static void test_a_sum_shows_whole_numbers_and_its_cutoff_as_written(void **state)
{
    (void)state;
    double v[1] = {71.0};
    char buf[256];
    qs_rep__flag_values(buf, sizeof(buf), sfcds, flag(sfcds, "high-codependency"), v, NULL);
    assert_string_equal(buf, "Codependency 71 (cutoff \xE2\x89\xA5 67.2, clinic default)");
    v[0] = 70.5; /* prorated */
    qs_rep__flag_values(buf, sizeof(buf), sfcds, flag(sfcds, "high-codependency"), v, NULL);
    assert_string_equal(buf, "Codependency 70.5 (cutoff \xE2\x89\xA5 67.2, clinic default)");
}

static void test_published_literal_t_z_and_percentile_cutoffs_read_right(void **state)
{
    (void)state;
    double v[2], t[2];
    v[score(syn, "A")] = 1.8;
    v[score(syn, "S")] = 12.5;
    t[score(syn, "A")] = 34.0; /* z = -1.6 */
    t[score(syn, "S")] = NAN;
    char buf[256];
    qs_rep__flag_values(buf, sizeof(buf), syn, flag(syn, "low"), v, t);
    assert_string_equal(buf, "Alpha 1.80 (cutoff \xE2\x89\xA4 2.00, published)");
    qs_rep__flag_values(buf, sizeof(buf), syn, flag(syn, "lit"), v, t);
    assert_string_equal(buf, "Sigma 12.5 (cutoff \xE2\x89\xA5 12)"); /* no origin to name */
    qs_rep__flag_values(buf, sizeof(buf), syn, flag(syn, "tee"), v, t);
    assert_string_equal(buf, "Alpha T score 34 (cutoff \xE2\x89\xA5 65, clinic default)");
    /* z from T (T = 50 + 10 z), never the raw value against a z cutoff. */
    qs_rep__flag_values(buf, sizeof(buf), syn, flag(syn, "zed"), v, t);
    assert_string_equal(buf, "Alpha z score -1.60 (cutoff \xE2\x89\xA4 -1.50, clinic default)");
    /* A percentile is not kept in the store: no number is made up. */
    qs_rep__flag_values(buf, sizeof(buf), syn, flag(syn, "pct"), v, t);
    assert_string_equal(buf, "Alpha percentile not available (cutoff \xE2\x89\xA4 10, clinic "
                             "default)");
    qs_rep__flag_values(buf, sizeof(buf), syn, flag(syn, "val"), v, t);
    assert_string_equal(buf, "Alpha 1.80 (cutoff \xE2\x89\xA5 4.50, clinic default)");
    /* Without T scores. */
    qs_rep__flag_values(buf, sizeof(buf), syn, flag(syn, "tee"), v, NULL);
    assert_string_equal(buf,
                        "Alpha T score not available (cutoff \xE2\x89\xA5 65, clinic default)");
    /* Cut to the buffer, terminated. */
    char small[10];
    size_t n = qs_rep__flag_values(small, sizeof(small), syn, flag(syn, "low"), v, t);
    assert_string_equal(small, "Alpha 1.8");
    assert_int_equal(n, 9);
}

/* ---- dates ------------------------------------------------------------------------------- */

static void test_iso_days_count_from_1970_across_leap_years(void **state)
{
    (void)state;
    assert_int_equal(qs_rep__iso_days("1970-01-01"), 0);
    assert_int_equal(qs_rep__iso_days("1969-12-31"), -1);
    assert_int_equal(qs_rep__iso_days("2026-06-30T23:59:59Z"), qs_rep__iso_days("2026-06-30"));
    assert_int_equal(qs_rep__iso_days("2026-03-01") - qs_rep__iso_days("2026-02-28"), 1);
    assert_int_equal(qs_rep__iso_days("2024-03-01") - qs_rep__iso_days("2024-02-28"), 2);
    assert_int_equal(qs_rep__iso_days("2024-03-01") - qs_rep__iso_days("2024-02-29"), 1);
    assert_int_equal(qs_rep__iso_days("2000-03-01") - qs_rep__iso_days("2000-02-28"), 2);
    assert_int_equal(qs_rep__iso_days("2025-01-01") - qs_rep__iso_days("2024-01-01"), 366);
    assert_int_equal(qs_rep__iso_days("2026-01-01") - qs_rep__iso_days("2025-01-01"), 365);
    /* 2 Mar to 15 Apr 2026: 44 days (the workbook's "days since"). */
    assert_int_equal(qs_rep__iso_days("2026-04-15T02:00:00Z") - qs_rep__iso_days("2026-03-02"), 44);
}

static void test_invalid_dates_are_no_dates(void **state)
{
    (void)state;
    const char *bad[] = {NULL,         "",           "2026-06",    "2026-06-3",  "2026/06/30",
                         "2026-6-30x", "abcd-ef-gh", "2026-00-10", "2026-13-01", "2026-06-00",
                         "2026-06-31", "2026-04-31", "2026-02-29", "2025-02-29", "1900-02-29",
                         "2026-02-30", "+026-01-01", " 2026-01-01"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (qs_rep__iso_days(bad[i]) != LONG_MIN)
            fail_msg("'%s' was read as a date", bad[i] ? bad[i] : "(null)");
        char buf[32] = "x";
        assert_int_equal(qs_rep__date_words(buf, sizeof(buf), bad[i]), 0);
        assert_string_equal(buf, "");
    }
    /* Leap days that exist. */
    assert_true(qs_rep__iso_days("2024-02-29") != LONG_MIN);
    assert_true(qs_rep__iso_days("2000-02-29") != LONG_MIN);
    assert_true(qs_rep__iso_days("2026-12-31") != LONG_MIN);
}

static void test_dates_read_as_day_month_year(void **state)
{
    (void)state;
    char buf[32];
    assert_int_equal(qs_rep__date_words(buf, sizeof(buf), "2026-06-30"), 11);
    assert_string_equal(buf, "30 Jun 2026");
    qs_rep__date_words(buf, sizeof(buf), "2026-03-02T10:30:00");
    assert_string_equal(buf, "2 Mar 2026");
    qs_rep__date_words(buf, sizeof(buf), "2024-02-29");
    assert_string_equal(buf, "29 Feb 2024");
    qs_rep__date_words(buf, sizeof(buf), "2026-12-01");
    assert_string_equal(buf, "1 Dec 2026");
    qs_rep__date_words(buf, sizeof(buf), "0999-01-05");
    assert_string_equal(buf, "5 Jan 0999");
    /* Cut to the buffer: the length written, terminated. */
    char small[6];
    assert_int_equal(qs_rep__date_words(small, sizeof(small), "2026-06-30"), 5);
    assert_string_equal(small, "30 Ju");
    assert_int_equal(qs_rep__date_words(small, 0, "2026-06-30"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_means_show_two_decimals_and_sums_whole_unless_prorated),
        cmocka_unit_test(test_an_invalid_form_says_how_many_items_are_unanswered),
        cmocka_unit_test(test_a_careless_form_says_how_long_the_run_of_one_answer_is),
        cmocka_unit_test(test_careless_by_spread_and_invalid_by_checks_are_said_in_words),
        cmocka_unit_test(test_validity_words_are_cut_to_the_buffer_and_terminated),
        cmocka_unit_test(test_flag_values_name_the_score_its_value_and_a_clinic_default_cutoff),
        cmocka_unit_test(test_a_cutoff_the_clinic_overrode_is_called_the_clinic_setting),
        cmocka_unit_test(test_a_sum_shows_whole_numbers_and_its_cutoff_as_written),
        cmocka_unit_test(test_published_literal_t_z_and_percentile_cutoffs_read_right),
        cmocka_unit_test(test_iso_days_count_from_1970_across_leap_years),
        cmocka_unit_test(test_invalid_dates_are_no_dates),
        cmocka_unit_test(test_dates_read_as_day_month_year),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
