/* test_instrument.c - loading definitions, reverse keying, answers, and the shipped keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qscore/instrument.h"

static const char DEMO[] = "id: demo\n"
                           "name: Demo\n"
                           "version: \"2\"\n"
                           "citation: Synthetic.\n"
                           "scale:\n"
                           "  min: 0\n"
                           "  max: 4\n"
                           "  labels:\n"
                           "    - {value: 0, text: [\"Not at all true of me\", \"Nada\"]}\n"
                           "    - {value: 4, text: Very true of me}\n"
                           "items:\n"
                           "  - {id: 3, reverse: true}\n"
                           "  - {id: 1, column: Q1}\n"
                           "  - {id: 2}\n"
                           "  - {id: 4, reverse: true}\n"
                           "  - {id: 5}\n"
                           "scores:\n"
                           "  - id: total\n"
                           "    name: T\n"
                           "    scores: [A, B]\n"
                           "    method: sum\n"
                           "    higher_means: More.\n"
                           "  - id: A\n"
                           "    name: A\n"
                           "    items: [1, 3, 5]\n"
                           "    method: mean\n"
                           "    missing: {min_fraction: 0.6}\n"
                           "    higher_means: More A.\n"
                           "  - id: B\n"
                           "    name: B\n"
                           "    items: [2, 4]\n"
                           "    method: sum\n"
                           "    missing: {min_answered: 1, prorate: true}\n"
                           "    higher_means: More B.\n"
                           "    reliability: {alpha: 0.8, retest: 0.7, source: synthetic}\n";

static qs_instrument *load_demo(void)
{
    qs_instrument *inst = NULL;
    qs_diag_list errors;
    qs_diag_list_init(&errors);
    qs_error rc = qs_instrument_load_mem(&inst, DEMO, strlen(DEMO), "demo.yaml", &errors);
    for (size_t i = 0; i < errors.count; i++)
        fprintf(stderr, "%lu:%lu %s: %s\n", errors.items[i].line, errors.items[i].column,
                errors.items[i].path, errors.items[i].message);
    assert_int_equal(rc, QS_OK);
    assert_int_equal(errors.count, 0);
    qs_diag_list_release(&errors);
    return inst;
}

static void test_items_are_sorted_by_published_number(void **state)
{
    (void)state;
    qs_instrument *inst = load_demo();
    assert_int_equal(inst->nitems, 5);
    for (size_t i = 0; i < inst->nitems; i++)
        assert_int_equal(inst->items[i].id, (int)i + 1);
    assert_string_equal(inst->items[0].column, "Q1");
    assert_null(inst->items[1].column);
    assert_true(inst->items[2].reverse);
    assert_false(inst->items[0].reverse);
    assert_int_equal(qs_instrument_item_index(inst, 4), 3);
    assert_int_equal(qs_instrument_item_index(inst, 6), -1);
    qs_instrument_free(inst);
}

static void test_reverse_keyed_item_is_inverted_on_the_scale(void **state)
{
    (void)state;
    qs_instrument *inst = load_demo();
    /* Scale 0..4: reversed = 0 + 4 - answer. */
    for (int v = 0; v <= 4; v++) {
        assert_int_equal(qs_instrument_keyed(inst, 2, v), 4 - v); /* item 3, reversed */
        assert_int_equal(qs_instrument_keyed(inst, 0, v), v);     /* item 1, not reversed */
    }
    qs_instrument_free(inst);
}

static void test_composites_come_after_their_parts(void **state)
{
    (void)state;
    qs_instrument *inst = load_demo();
    int a = qs_instrument_score_index(inst, "A");
    int b = qs_instrument_score_index(inst, "B");
    int t = qs_instrument_score_index(inst, "total");
    assert_true(a >= 0 && b >= 0 && t >= 0);
    assert_true(t > a && t > b);
    const qs_score_def *total = &inst->scores[t];
    assert_int_equal(total->nparts, 2);
    assert_int_equal(total->parts[0], a);
    assert_int_equal(total->parts[1], b);
    assert_int_equal(qs_instrument_score_index(inst, "nope"), -1);
    qs_instrument_free(inst);
}

static void test_missing_rules_and_ranges_are_derived(void **state)
{
    (void)state;
    qs_instrument *inst = load_demo();
    const qs_score_def *a = &inst->scores[qs_instrument_score_index(inst, "A")];
    const qs_score_def *b = &inst->scores[qs_instrument_score_index(inst, "B")];
    const qs_score_def *t = &inst->scores[qs_instrument_score_index(inst, "total")];
    assert_int_equal(a->min_answered, 2); /* ceil(0.6 * 3) */
    assert_false(a->prorate);
    assert_int_equal(b->min_answered, 1);
    assert_true(b->prorate);
    assert_int_equal(t->min_answered, 2); /* default: every part */
    assert_true(a->min_value == 0.0 && a->max_value == 4.0);
    assert_true(b->min_value == 0.0 && b->max_value == 8.0);
    assert_true(t->min_value == 0.0 && t->max_value == 12.0);
    assert_true(b->alpha == 0.8 && b->retest == 0.7);
    assert_true(a->alpha != a->alpha); /* NaN: not given */
    qs_instrument_free(inst);
}

static int parse(const qs_instrument *inst, const char *text, int *v)
{
    return qs_instrument_parse_answer(inst, text, strlen(text), v);
}

static void test_answers_are_numbers_or_labels_in_any_case(void **state)
{
    (void)state;
    qs_instrument *inst = load_demo();
    int v = -1;
    assert_true(parse(inst, "3", &v));
    assert_int_equal(v, 3);
    assert_true(parse(inst, " 2 ", &v));
    assert_int_equal(v, 2);
    assert_true(parse(inst, "4.0", &v));
    assert_int_equal(v, 4);
    assert_true(parse(inst, "  very   TRUE of me\t", &v));
    assert_int_equal(v, 4);
    assert_true(parse(inst, "nada", &v));
    assert_int_equal(v, 0);
    v = -1;
    assert_false(parse(inst, "2.5", &v));
    assert_false(parse(inst, "5", &v));
    assert_false(parse(inst, "-1", &v));
    assert_false(parse(inst, "sometimes", &v));
    assert_false(parse(inst, "", &v));
    assert_false(parse(inst, "3x", &v));
    assert_int_equal(v, -1);
    qs_instrument_free(inst);
}

static void test_every_problem_in_a_file_is_reported_with_its_position(void **state)
{
    (void)state;
    static const char bad[] =
        "id: x\n"
        "name: X\n"
        "version: 1\n"
        "citation: c\n"
        "scale: {min: 1, max: 5}\n"
        "items:\n"
        "  - {id: 1, reverse: yes}\n"
        "  - {id: 2, colum: Q2}\n"
        "scores:\n"
        "  - {id: S, name: S, items: [1, 3], method: mean, higher_means: m}\n";
    qs_instrument *inst = (qs_instrument *)1;
    qs_diag_list errors;
    qs_diag_list_init(&errors);
    assert_int_equal(qs_instrument_load_mem(&inst, bad, strlen(bad), "bad.yaml", &errors),
                     QS_EINVALID);
    assert_null(inst);
    assert_int_equal(errors.count, 3);
    assert_string_equal(errors.items[0].path, "items[0].reverse");
    assert_int_equal(errors.items[0].line, 7);
    assert_int_equal(errors.items[0].column, 22);
    assert_string_equal(errors.items[0].message, "expected true or false, found 'yes'");
    assert_string_equal(errors.items[1].path, "items[1].colum");
    assert_int_equal(errors.items[1].line, 8);
    assert_string_equal(errors.items[2].path, "scores[0].items[1]");
    assert_string_equal(errors.items[2].message, "item 3 is not defined (items are 1..2)");
    assert_string_equal(errors.items[2].file, "bad.yaml");
    qs_diag_list_release(&errors);
}

static qs_instrument *load_shipped(const char *id)
{
    char path[1024];
    qs_instrument *inst = NULL;
    qs_diag_list errors;
    snprintf(path, sizeof(path), "%s/instruments/%s.yaml", QS_SOURCE_DIR, id);
    qs_diag_list_init(&errors);
    assert_int_equal(qs_instrument_load(&inst, path, &errors), QS_OK);
    qs_diag_list_release(&errors);
    return inst;
}

static void expect_items(const qs_instrument *inst, const char *score, const int *ids, size_t n)
{
    int s = qs_instrument_score_index(inst, score);
    assert_true(s >= 0);
    assert_int_equal(inst->scores[s].nitems, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(inst->items[inst->scores[s].items[i]].id, ids[i]);
}

static void expect_reversed(const qs_instrument *inst, const int *reversed, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < inst->nitems; i++) {
        int want = k < n && reversed[k] == inst->items[i].id;
        assert_int_equal(inst->items[i].reverse, want);
        k += (size_t)want;
    }
    assert_int_equal(k, n);
}

/* The keys below are copied from shared/instruments/KEYS.md: a change to a shipped key must
 * change this test too, on purpose. */
static void test_shipped_dsi_r_matches_the_published_key(void **state)
{
    (void)state;
    qs_instrument *inst = load_shipped("dsi-r");
    static const int ER[] = {1, 6, 10, 14, 18, 21, 26, 30, 34, 38, 40};
    static const int IP[] = {4, 7, 11, 15, 19, 23, 27, 31, 35, 41, 43};
    static const int EC[] = {2, 3, 8, 12, 16, 20, 24, 28, 32, 36, 39, 42};
    static const int FO[] = {5, 9, 13, 17, 22, 25, 29, 33, 37, 44, 45, 46};
    static const int not_reversed[] = {4, 7, 11, 15, 19, 23, 27, 31, 37, 41, 43};
    assert_int_equal(inst->nitems, 46);
    assert_int_equal(inst->scale.min, 1);
    assert_int_equal(inst->scale.max, 6);
    expect_items(inst, "ER", ER, 11);
    expect_items(inst, "IP", IP, 11);
    expect_items(inst, "EC", EC, 12);
    expect_items(inst, "FO", FO, 12);
    assert_int_equal(inst->scores[qs_instrument_score_index(inst, "total")].nitems, 46);
    /* Higher means more differentiation (so high fusion is a LOW FO score). */
    assert_int_equal(inst->scores[qs_instrument_score_index(inst, "FO")].better, QS_BETTER_HIGHER);
    size_t k = 0, nrev = 0;
    for (size_t i = 0; i < inst->nitems; i++) {
        int plain = k < 11 && not_reversed[k] == inst->items[i].id;
        assert_int_equal(inst->items[i].reverse, !plain);
        k += (size_t)plain;
        nrev += (size_t)inst->items[i].reverse;
    }
    assert_int_equal(nrev, 35);
    /* Reversal on 1..6 is 7 - x. */
    assert_int_equal(qs_instrument_keyed(inst, 0, 1), 6);
    assert_int_equal(qs_instrument_keyed(inst, 3, 1), 1);
    qs_instrument_free(inst);
}

static void test_shipped_ecr_r_matches_the_published_key(void **state)
{
    (void)state;
    qs_instrument *inst = load_shipped("ecr-r");
    static const int reversed[] = {9, 11, 20, 22, 26, 27, 28, 29, 30, 31, 33, 34, 35, 36};
    int anxiety[18], avoidance[18];
    for (int i = 0; i < 18; i++) {
        anxiety[i] = i + 1;
        avoidance[i] = i + 19;
    }
    assert_int_equal(inst->nitems, 36);
    assert_int_equal(inst->scale.max, 7);
    expect_items(inst, "anxiety", anxiety, 18);
    expect_items(inst, "avoidance", avoidance, 18);
    expect_reversed(inst, reversed, 14);
    assert_int_equal(qs_instrument_keyed(inst, 8, 2), 6); /* item 9: 8 - x */
    qs_instrument_free(inst);
}

static void test_shipped_sfcds_reverses_items_5_and_7(void **state)
{
    (void)state;
    qs_instrument *inst = load_shipped("sfcds");
    static const int reversed[] = {5, 7};
    assert_int_equal(inst->nitems, 16);
    expect_reversed(inst, reversed, 2);
    /* All answers 1: 14 items give 1, the two reversed give 6: total 26 (not 24). */
    int sum = 0;
    for (size_t i = 0; i < inst->nitems; i++)
        sum += qs_instrument_keyed(inst, i, 1);
    assert_int_equal(sum, 26);
    const qs_score_def *t = &inst->scores[qs_instrument_score_index(inst, "total")];
    assert_int_equal(t->method, QS_METHOD_SUM);
    assert_true(t->min_value == 16 && t->max_value == 96);
    qs_instrument_free(inst);
}

static void test_shipped_flags_on_unnormed_scores_say_they_are_local_defaults(void **state)
{
    (void)state;
    static const char *const ids[] = {"dsi-r", "ecr-r", "sfcds", "ios"};
    for (size_t k = 0; k < 4; k++) {
        qs_instrument *inst = load_shipped(ids[k]);
        assert_non_null(inst->citation);
        for (size_t f = 0; f < inst->nflags; f++) {
            if (inst->nnorms == 0) {
                assert_true(inst->flags[f].local_default);
                assert_non_null(strstr(inst->flags[f].cutoff, "local default"));
            }
            assert_non_null(inst->flags[f].because);
        }
        qs_instrument_free(inst);
    }
}

static void test_installed_instruments_are_found_by_id_through_the_environment(void **state)
{
    (void)state;
    char path[1024], dir[1024];
    qs_diag d;
    snprintf(dir, sizeof(dir), "/nonexistent-qscore-dir:%s/instruments", QS_SOURCE_DIR);
    setenv("QSCORE_INSTRUMENTS", dir, 1);
    assert_int_equal(qs_instrument_find(path, sizeof(path), "ecr-r", &d), QS_OK);
    assert_non_null(strstr(path, "/instruments/ecr-r.yaml"));
    assert_int_equal(qs_instrument_find(path, sizeof(path), "no-such-thing", &d), QS_ENOTFOUND);
    assert_non_null(strstr(d.message, "is not installed"));
    assert_int_equal(qs_instrument_find(path, sizeof(path), "../etc/passwd", &d), QS_ENOTFOUND);
    assert_int_equal(qs_instrument_find(path, sizeof(path), "Bad Id", &d), QS_ENOTFOUND);
    unsetenv("QSCORE_INSTRUMENTS");
}

static void collect(void *ctx, const char *id, const char *path)
{
    char *buf = ctx;
    (void)path;
    size_t n = strlen(buf);
    snprintf(buf + n, 256 - n, "%s,", id);
}

static void test_installed_instruments_are_listed_sorted(void **state)
{
    (void)state;
    char dir[1024], buf[256] = "";
    snprintf(dir, sizeof(dir), "%s/instruments", QS_SOURCE_DIR);
    setenv("QSCORE_INSTRUMENTS", dir, 1);
    assert_int_equal(qs_instrument_each_installed(collect, buf), QS_OK);
    assert_non_null(strstr(buf, "dsi-r,ecr-r,ios,sfcds,"));
    unsetenv("QSCORE_INSTRUMENTS");
}

/* ---- named cutoffs ------------------------------------------------------------------------ */

#define CUT_HEAD                                                                                   \
    "id: cut\nname: C\nversion: \"1\"\ncitation: synthetic\nscale: {min: 1, max: 5}\n"             \
    "items: [{id: 1}, {id: 2}]\n"                                                                  \
    "scores: [{id: A, name: A, items: [1, 2], method: mean, higher_means: More A.}]\n"

static qs_error load_text(const char *text, qs_instrument **inst, qs_diag_list *errors)
{
    qs_diag_list_init(errors);
    return qs_instrument_load_mem(inst, text, strlen(text), "cut.yaml", errors);
}

static void test_named_cutoffs_fill_rules_and_texts(void **state)
{
    (void)state;
    qs_instrument *inst;
    qs_diag_list e;
    assert_int_equal(load_text(CUT_HEAD "cutoffs:\n"
                                        "  a_high: {value: 4.0, source: \"Author 2024, p. 3\"}\n"
                                        "  a_low: {value: 2, local_default: true}\n"
                                        "flags:\n"
                                        "  - {id: f, label: F, severity: low, rule: 'A >= a_high or"
                                        " A.value <= a_low', because: 'A is {a_high} or more "
                                        "({a_high.origin}), or {a_low} or less ({a_low.origin}).',"
                                        " cutoff: 'A >= {a_high}'}\n",
                               &inst, &e),
                     QS_OK);
    const qs_flag *f = &inst->flags[0];
    assert_string_equal(f->rule_source, "A >= a_high or A.value <= a_low");
    assert_string_equal(f->rule_text, "A >= 4.0 or A.value <= 2");
    assert_string_equal(f->because, "A is 4.0 or more (Author 2024, p. 3), or 2 or less (a local "
                                    "default, not a published norm).");
    assert_string_equal(f->cutoff, "A >= 4.0");
    assert_int_equal(f->ncutoffs, 2);
    assert_int_equal(f->local_default, 1); /* a_low is a local default */
    assert_int_equal(qs_instrument_cutoff_index(inst, "a_low"), 1);
    assert_int_equal(qs_instrument_warnings(inst, &e), 0);
    qs_instrument_free(inst);
    qs_diag_list_release(&e);
}

static void test_named_cutoff_mistakes_are_reported(void **state)
{
    (void)state;
    qs_instrument *inst;
    qs_diag_list e;
    assert_int_equal(load_text(CUT_HEAD "cutoffs: {A: 1, Bad-name: 2, ok: {value: x}}\n"
                                        "flags:\n"
                                        "  - {id: f, label: F, severity: low, rule: 'A >= a_hi', "
                                        "because: 'A is {a_hi}.', cutoff: c}\n",
                               &inst, &e),
                     QS_EINVALID);
    const char *want[][2] = {{"cutoffs.A", "cutoff name 'A' must be lowercase"},
                             {"cutoffs.Bad-name", "cutoff name 'Bad-name' must be lowercase"},
                             {"cutoffs.ok.value", "expected"},
                             {"flags[0].because", "unknown cutoff 'a_hi' in a placeholder"},
                             {"flags[0].rule", "unknown score 'a_hi'"}};
    assert_int_equal(e.count, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(e.items[i].path, want[i][0]);
        assert_non_null(strstr(e.items[i].message, want[i][1]));
    }
    qs_diag_list_release(&e);
    assert_int_equal(load_text(CUT_HEAD "cutoffs: {a: 1}\n"
                                        "flags: [{id: f, label: F, severity: low, rule: 'A >= b',"
                                        " because: b, cutoff: c}]\n",
                               &inst, &e),
                     QS_EINVALID);
    assert_non_null(strstr(e.items[0].message, "unknown score or cutoff 'b'"));
    qs_diag_list_release(&e);
}

static void test_unsourced_cutoffs_are_warned_about(void **state)
{
    (void)state;
    qs_instrument *inst;
    qs_diag_list e;
    assert_int_equal(load_text(CUT_HEAD "cutoffs: {a_high: 4}\n"
                                        "flags:\n"
                                        "  - {id: f, label: F, severity: high, rule: 'A >= a_high',"
                                        " because: b, cutoff: c}\n"
                                        "  - {id: g, label: G, severity: low, rule: 'A >= 3',"
                                        " because: b, cutoff: c}\n"
                                        "  - {id: h, label: H, severity: low, rule: 'A >= 3',"
                                        " because: b, cutoff: c, local_default: true}\n",
                               &inst, &e),
                     QS_OK);
    assert_int_equal(qs_instrument_warnings(inst, &e), 2);
    assert_string_equal(e.items[0].path, "flags[0]");
    assert_int_equal(e.items[0].line, 10);
    assert_string_equal(e.items[0].message,
                        "flag 'f' has severity high but its cutoff 'a_high' has no source: give "
                        "cutoffs.a_high a source, or local_default: true");
    assert_string_equal(e.items[1].path, "flags[1]");
    assert_non_null(strstr(e.items[1].message, "compares with a number that has no source"));
    qs_instrument_free(inst);
    qs_diag_list_release(&e);
}

static void test_shipped_instruments_have_no_warnings(void **state)
{
    (void)state;
    static const char *const ids[] = {"dsi-r", "ecr-r", "sfcds", "ios"};
    for (size_t i = 0; i < 4; i++) {
        qs_instrument *inst = load_shipped(ids[i]);
        qs_diag_list e;
        qs_diag_list_init(&e);
        assert_int_equal(qs_instrument_warnings(inst, &e), 0);
        for (size_t f = 0; f < inst->nflags; f++) {
            assert_null(strchr(inst->flags[f].because, '{'));
            assert_true(inst->flags[f].ncutoffs > 0); /* every shipped cutoff is named */
        }
        qs_instrument_free(inst);
        qs_diag_list_release(&e);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_items_are_sorted_by_published_number),
        cmocka_unit_test(test_reverse_keyed_item_is_inverted_on_the_scale),
        cmocka_unit_test(test_composites_come_after_their_parts),
        cmocka_unit_test(test_missing_rules_and_ranges_are_derived),
        cmocka_unit_test(test_answers_are_numbers_or_labels_in_any_case),
        cmocka_unit_test(test_every_problem_in_a_file_is_reported_with_its_position),
        cmocka_unit_test(test_shipped_dsi_r_matches_the_published_key),
        cmocka_unit_test(test_shipped_ecr_r_matches_the_published_key),
        cmocka_unit_test(test_shipped_sfcds_reverses_items_5_and_7),
        cmocka_unit_test(test_shipped_flags_on_unnormed_scores_say_they_are_local_defaults),
        cmocka_unit_test(test_installed_instruments_are_found_by_id_through_the_environment),
        cmocka_unit_test(test_installed_instruments_are_listed_sorted),
        cmocka_unit_test(test_named_cutoffs_fill_rules_and_texts),
        cmocka_unit_test(test_named_cutoff_mistakes_are_reported),
        cmocka_unit_test(test_unsourced_cutoffs_are_warned_about),
        cmocka_unit_test(test_shipped_instruments_have_no_warnings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
