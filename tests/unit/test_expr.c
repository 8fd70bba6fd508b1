/* test_expr.c - unit tests for the flag rule language: syntax, precedence, Kleene logic, errors. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka.h needs the headers above. */
#include <cmocka.h>

#include "qscore/expr.h"

/* Scores known to the test resolver; the index is the score index. */
static const char *const score_names[] = {"FO", "ER", "anxiety", "AND", "notable"};
#define NSCORES (sizeof(score_names) / sizeof(score_names[0]))
enum { FO, ER, ANXIETY, AND_SCORE, NOTABLE };

static int resolve(void *ctx, const char *name, size_t len)
{
    const char *const *names = ctx;
    for (size_t i = 0; i < NSCORES; i++) {
        if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
            return (int)i;
    }
    return -1;
}

/* Values for every score and field; all missing until set. */
typedef struct values {
    double v[NSCORES * QS_FIELD_COUNT];
} values;

static void values_init(values *vals)
{
    for (size_t i = 0; i < NSCORES * QS_FIELD_COUNT; i++)
        vals->v[i] = NAN;
}

static void set(values *vals, int score, qs_field field, double x)
{
    vals->v[(size_t)score * QS_FIELD_COUNT + field] = x;
}

static qs_expr *compile_ok(const char *rule)
{
    qs_expr *e = NULL;
    qs_diag diag;
    qs_diag_clear(&diag);
    qs_error rc = qs_expr_compile(&e, rule, resolve, (void *)score_names, &diag);
    if (rc != QS_OK)
        print_error("rule '%s': %s at column %lu\n", rule, diag.message, diag.column);
    assert_int_equal(rc, QS_OK);
    assert_non_null(e);
    return e;
}

static qs_tri eval(const char *rule, const values *vals)
{
    qs_expr *e = compile_ok(rule);
    qs_tri t = qs_expr_eval(e, vals->v);
    qs_expr_free(e);
    return t;
}

/* With FO = fo and everything else missing. */
static qs_tri eval_fo(const char *rule, double fo)
{
    values vals;
    values_init(&vals);
    set(&vals, FO, QS_FIELD_VALUE, fo);
    return eval(rule, &vals);
}

/*
 * Compile must fail with `rc`, `column` and exactly `message`, set the output to NULL and leave
 * file, line and path as the caller set them.
 */
static void expect_error(const char *rule, qs_error rc, unsigned long column, const char *message)
{
    qs_expr *e = (qs_expr *)&e; /* not NULL, so the test sees compile reset it */
    qs_diag diag;
    qs_diag_set(&diag, "inst.yaml", 12, 0, "flags[1].rule", "before");
    qs_error got = qs_expr_compile(&e, rule, resolve, (void *)score_names, &diag);
    if (got != rc || diag.column != column || strcmp(diag.message, message) != 0)
        print_error("rule '%s': got %s '%s' at column %lu\n", rule, qs_error_name(got),
                    diag.message, diag.column);
    assert_int_equal(got, rc);
    assert_null(e);
    assert_string_equal(diag.message, message);
    assert_int_equal(diag.column, column);
    assert_string_equal(diag.file, "inst.yaml");
    assert_int_equal(diag.line, 12);
    assert_string_equal(diag.path, "flags[1].rule");
}

static void expect_parse_error(const char *rule, unsigned long column, const char *message)
{
    expect_error(rule, QS_EPARSE, column, message);
}

/* ---- fields -------------------------------------------------------------------------------- */

static void test_field_names_are_spelled_as_in_rules(void **state)
{
    (void)state;
    assert_string_equal(qs_field_name(QS_FIELD_VALUE), "value");
    assert_string_equal(qs_field_name(QS_FIELD_Z), "z");
    assert_string_equal(qs_field_name(QS_FIELD_T), "t");
    assert_string_equal(qs_field_name(QS_FIELD_PERCENTILE), "percentile");
    assert_null(qs_field_name(QS_FIELD_COUNT));
    assert_null(qs_field_name((qs_field)-1));
}

static void test_each_field_reads_its_own_value(void **state)
{
    (void)state;
    values vals;
    values_init(&vals);
    set(&vals, FO, QS_FIELD_VALUE, 1);
    set(&vals, FO, QS_FIELD_Z, 2);
    set(&vals, FO, QS_FIELD_T, 3);
    set(&vals, FO, QS_FIELD_PERCENTILE, 4);
    assert_int_equal(eval("FO == 1", &vals), QS_TRI_TRUE);
    assert_int_equal(eval("FO.value == 1", &vals), QS_TRI_TRUE);
    assert_int_equal(eval("FO.z == 2", &vals), QS_TRI_TRUE);
    assert_int_equal(eval("FO.t == 3", &vals), QS_TRI_TRUE);
    assert_int_equal(eval("FO.percentile == 4", &vals), QS_TRI_TRUE);
    assert_int_equal(eval("FO.t == FO.value", &vals), QS_TRI_FALSE);
}

static void test_score_index_selects_the_score(void **state)
{
    (void)state;
    values vals;
    values_init(&vals);
    set(&vals, FO, QS_FIELD_T, 10);
    set(&vals, ER, QS_FIELD_T, 20);
    set(&vals, NOTABLE, QS_FIELD_T, 30);
    assert_int_equal(eval("ER.t == 20", &vals), QS_TRI_TRUE);
    assert_int_equal(eval("notable.t == 30", &vals), QS_TRI_TRUE);
    assert_int_equal(eval("FO.t < ER.t and ER.t < notable.t", &vals), QS_TRI_TRUE);
}

/* ---- comparisons --------------------------------------------------------------------------- */

static void test_every_comparison_operator_on_the_boundary(void **state)
{
    (void)state;
    assert_int_equal(eval_fo("FO < 35", 35), QS_TRI_FALSE);
    assert_int_equal(eval_fo("FO <= 35", 35), QS_TRI_TRUE);
    assert_int_equal(eval_fo("FO > 35", 35), QS_TRI_FALSE);
    assert_int_equal(eval_fo("FO >= 35", 35), QS_TRI_TRUE);
    assert_int_equal(eval_fo("FO == 35", 35), QS_TRI_TRUE);
    assert_int_equal(eval_fo("FO != 35", 35), QS_TRI_FALSE);
}

static void test_every_comparison_operator_off_the_boundary(void **state)
{
    (void)state;
    assert_int_equal(eval_fo("FO < 35", 34.5), QS_TRI_TRUE);
    assert_int_equal(eval_fo("FO <= 35", 35.5), QS_TRI_FALSE);
    assert_int_equal(eval_fo("FO > 35", 35.5), QS_TRI_TRUE);
    assert_int_equal(eval_fo("FO >= 35", 34.5), QS_TRI_FALSE);
    assert_int_equal(eval_fo("FO == 35", 35.5), QS_TRI_FALSE);
    assert_int_equal(eval_fo("FO != 35", 34.5), QS_TRI_TRUE);
}

static void test_number_may_stand_on_either_side(void **state)
{
    (void)state;
    assert_int_equal(eval_fo("35 >= FO", 35), QS_TRI_TRUE);
    assert_int_equal(eval_fo("35 > FO", 35), QS_TRI_FALSE);
    assert_int_equal(eval_fo("1 < 2", NAN), QS_TRI_TRUE);
    assert_int_equal(eval_fo("2 < 1", NAN), QS_TRI_FALSE);
}

static void test_numbers_take_sign_fraction_and_exponent(void **state)
{
    (void)state;
    assert_int_equal(eval_fo("FO < -1.5", -1.6), QS_TRI_TRUE);
    assert_int_equal(eval_fo("FO < -1.5", -1.5), QS_TRI_FALSE);
    assert_int_equal(eval_fo("FO == +2", 2), QS_TRI_TRUE);
    assert_int_equal(eval_fo("FO == 1e2", 100), QS_TRI_TRUE);
    assert_int_equal(eval_fo("FO == 2.5E-1", 0.25), QS_TRI_TRUE);
    assert_int_equal(eval_fo("FO == 1e+1", 10), QS_TRI_TRUE);
    assert_int_equal(eval_fo("FO == .5", 0.5), QS_TRI_TRUE);
    assert_int_equal(eval_fo("FO == -.5", -0.5), QS_TRI_TRUE);
    assert_int_equal(eval_fo("FO == 5.", 5), QS_TRI_TRUE);
    assert_int_equal(eval_fo("FO == -0", 0), QS_TRI_TRUE);
    assert_int_equal(eval_fo("FO==-3", -3), QS_TRI_TRUE);
}

static void test_whitespace_tabs_and_line_breaks_are_free(void **state)
{
    (void)state;
    values vals;
    values_init(&vals);
    set(&vals, FO, QS_FIELD_T, 30);
    set(&vals, ER, QS_FIELD_T, 40);
    assert_int_equal(eval("FO.t<=35 and ER.t<=40", &vals), QS_TRI_TRUE);
    assert_int_equal(eval("\tFO.t\t<=\t35\tand\tER.t <= 40\t", &vals), QS_TRI_TRUE);
    assert_int_equal(eval("   FO.t   <=   35   and   ER.t   <   40   ", &vals), QS_TRI_FALSE);
    assert_int_equal(eval("(FO.t<=35)and(ER.t<=40)", &vals), QS_TRI_TRUE);
    assert_int_equal(eval("not(FO.t<=35)or(ER.t<40)", &vals), QS_TRI_FALSE);
    /* YAML block scalars (| and >) keep line breaks: they are white space too. */
    assert_int_equal(eval("FO.t <= 35\nand ER.t <= 40\n", &vals), QS_TRI_TRUE);
    assert_int_equal(eval("FO.t <= 35\r\nand ER.t < 40\r\n", &vals), QS_TRI_FALSE);
}

/* ---- precedence ---------------------------------------------------------------------------- */

/* Truth values as rule fragments: T and F are constants; with FO missing, U is unknown. */
#define T "1 < 2"
#define F "2 < 1"
#define U "FO < 1"

static qs_tri eval_const(const char *rule)
{
    return eval_fo(rule, NAN);
}

static void test_and_binds_tighter_than_or(void **state)
{
    (void)state;
    /* (T or F) and F would be false. */
    assert_int_equal(eval_const(T " or " F " and " F), QS_TRI_TRUE);
    /* F and (F or T) would be false. */
    assert_int_equal(eval_const(F " and " F " or " T), QS_TRI_TRUE);
}

static void test_parentheses_override_precedence(void **state)
{
    (void)state;
    assert_int_equal(eval_const("(" T " or " F ") and " F), QS_TRI_FALSE);
    assert_int_equal(eval_const(F " and (" F " or " T ")"), QS_TRI_FALSE);
    assert_int_equal(eval_const("((((" T "))))"), QS_TRI_TRUE);
}

static void test_not_binds_tighter_than_and_and_or(void **state)
{
    (void)state;
    /* not (F and F) would be true. */
    assert_int_equal(eval_const("not " F " and " F), QS_TRI_FALSE);
    /* not (T or T) would be false. */
    assert_int_equal(eval_const("not " T " or " T), QS_TRI_TRUE);
    assert_int_equal(eval_const("not (" F " and " F ")"), QS_TRI_TRUE);
}

static void test_not_applies_to_the_whole_comparison(void **state)
{
    (void)state;
    assert_int_equal(eval_fo("not FO < 2", 1), QS_TRI_FALSE);
    assert_int_equal(eval_fo("not FO < 2", 3), QS_TRI_TRUE);
    assert_int_equal(eval_fo("not not FO < 2", 1), QS_TRI_TRUE);
    assert_int_equal(eval_fo("not not not FO < 2", 1), QS_TRI_FALSE);
}

static void test_and_or_chains_are_evaluated_whole(void **state)
{
    (void)state;
    assert_int_equal(eval_const(T " and " T " and " T " and " F), QS_TRI_FALSE);
    assert_int_equal(eval_const(F " or " F " or " F " or " T), QS_TRI_TRUE);
    assert_int_equal(eval_const(F " or " T " and " F " or " F " and " T), QS_TRI_FALSE);
}

/* ---- Kleene logic -------------------------------------------------------------------------- */

static const char *const truth_rules[3] = {F, T, U}; /* indexed by qs_tri */

static qs_tri combine(const char *op, int a, int b)
{
    char rule[64];
    snprintf(rule, sizeof(rule), "(%s) %s (%s)", truth_rules[a], op, truth_rules[b]);
    return eval_const(rule);
}

static void test_kleene_and_truth_table(void **state)
{
    (void)state;
    static const qs_tri expected[3][3] = {
        /*          F             T               U */
        /* F */ {QS_TRI_FALSE, QS_TRI_FALSE, QS_TRI_FALSE},
        /* T */ {QS_TRI_FALSE, QS_TRI_TRUE, QS_TRI_UNKNOWN},
        /* U */ {QS_TRI_FALSE, QS_TRI_UNKNOWN, QS_TRI_UNKNOWN},
    };
    for (int a = 0; a < 3; a++) {
        for (int b = 0; b < 3; b++)
            assert_int_equal(combine("and", a, b), expected[a][b]);
    }
}

static void test_kleene_or_truth_table(void **state)
{
    (void)state;
    static const qs_tri expected[3][3] = {
        /*          F               T            U */
        /* F */ {QS_TRI_FALSE, QS_TRI_TRUE, QS_TRI_UNKNOWN},
        /* T */ {QS_TRI_TRUE, QS_TRI_TRUE, QS_TRI_TRUE},
        /* U */ {QS_TRI_UNKNOWN, QS_TRI_TRUE, QS_TRI_UNKNOWN},
    };
    for (int a = 0; a < 3; a++) {
        for (int b = 0; b < 3; b++)
            assert_int_equal(combine("or", a, b), expected[a][b]);
    }
}

static void test_kleene_not_truth_table(void **state)
{
    (void)state;
    assert_int_equal(eval_const("not " F), QS_TRI_TRUE);
    assert_int_equal(eval_const("not " T), QS_TRI_FALSE);
    assert_int_equal(eval_const("not " U), QS_TRI_UNKNOWN);
    assert_int_equal(eval_const("not not " U), QS_TRI_UNKNOWN);
}

static void test_missing_value_makes_every_comparison_unknown(void **state)
{
    (void)state;
    static const char *const rules[] = {"FO < 1",  "FO <= 1", "FO > 1",  "FO >= 1", "FO == 1",
                                        "FO != 1", "1 < FO",  "1 != FO", "FO == FO"};
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
        assert_int_equal(eval_fo(rules[i], NAN), QS_TRI_UNKNOWN);
}

static void test_missing_field_is_unknown_even_when_value_is_present(void **state)
{
    (void)state;
    values vals;
    values_init(&vals);
    set(&vals, FO, QS_FIELD_VALUE, 1);
    set(&vals, ER, QS_FIELD_VALUE, 1);
    assert_int_equal(eval("FO.t < 50", &vals), QS_TRI_UNKNOWN);
    assert_int_equal(eval("FO < ER.z", &vals), QS_TRI_UNKNOWN);
    assert_int_equal(eval("FO < 2 and FO.t < 50", &vals), QS_TRI_UNKNOWN);
    assert_int_equal(eval("FO > 2 and FO.t < 50", &vals), QS_TRI_FALSE);
    assert_int_equal(eval("FO < 2 or FO.t < 50", &vals), QS_TRI_TRUE);
}

static void test_infinite_values_compare_as_numbers(void **state)
{
    (void)state;
    assert_int_equal(eval_fo("FO > 1e300", INFINITY), QS_TRI_TRUE);
    assert_int_equal(eval_fo("FO < -1e300", -INFINITY), QS_TRI_TRUE);
}

/* ---- references ---------------------------------------------------------------------------- */

static void test_refs_are_distinct_and_in_first_appearance_order(void **state)
{
    (void)state;
    qs_expr *e = compile_ok("ER.t > 1 and FO < 2 or ER.t < 0 or FO.value > 3 or (ER > 1 and "
                            "3 < ER.t) or anxiety.percentile > FO");
    int score = 0;
    qs_field field = QS_FIELD_COUNT;
    assert_int_equal(qs_expr_ref_count(e), 4);
    qs_expr_ref(e, 0, &score, &field);
    assert_int_equal(score, ER);
    assert_int_equal(field, QS_FIELD_T);
    qs_expr_ref(e, 1, &score, &field);
    assert_int_equal(score, FO);
    assert_int_equal(field, QS_FIELD_VALUE);
    qs_expr_ref(e, 2, &score, &field);
    assert_int_equal(score, ER);
    assert_int_equal(field, QS_FIELD_VALUE);
    qs_expr_ref(e, 3, &score, &field);
    assert_int_equal(score, ANXIETY);
    assert_int_equal(field, QS_FIELD_PERCENTILE);
    qs_expr_ref(e, 4, &score, &field);
    assert_int_equal(score, -1);
    qs_expr_free(e);
}

static void test_rule_of_constants_has_no_refs(void **state)
{
    (void)state;
    qs_expr *e = compile_ok("1 < 2 and not 3 == 4");
    assert_int_equal(qs_expr_ref_count(e), 0);
    assert_int_equal(qs_expr_eval(e, NULL), QS_TRI_TRUE);
    qs_expr_free(e);
}

static int resolve_large(void *ctx, const char *name, size_t len)
{
    (void)ctx;
    return len == 3 && memcmp(name, "big", 3) == 0 ? 999 : -1;
}

static void test_large_score_index_reads_its_slot(void **state)
{
    (void)state;
    qs_expr *e = NULL;
    qs_diag diag;
    double *vals = malloc(1000 * QS_FIELD_COUNT * sizeof(*vals));
    assert_non_null(vals);
    for (size_t i = 0; i < 1000 * QS_FIELD_COUNT; i++)
        vals[i] = 0;
    vals[999 * QS_FIELD_COUNT + QS_FIELD_PERCENTILE] = 97;
    assert_int_equal(qs_expr_compile(&e, "big.percentile >= 97", resolve_large, NULL, &diag),
                     QS_OK);
    assert_int_equal(qs_expr_eval(e, vals), QS_TRI_TRUE);
    int score = 0;
    qs_field field = QS_FIELD_VALUE;
    qs_expr_ref(e, 0, &score, &field);
    assert_int_equal(score, 999);
    assert_int_equal(field, QS_FIELD_PERCENTILE);
    qs_expr_free(e);
    free(vals);
}

/* ---- identifiers and keywords -------------------------------------------------------------- */

static void test_keywords_are_lowercase_only(void **state)
{
    (void)state;
    values vals;
    values_init(&vals);
    set(&vals, AND_SCORE, QS_FIELD_VALUE, 1);
    assert_int_equal(eval("AND < 2", &vals), QS_TRI_TRUE);
    expect_parse_error("FO < 1 AND ER < 1", 8, "expected 'and' or 'or' before 'AND'");
    expect_parse_error("NOT FO < 1", 1, "unknown score 'NOT'");
    expect_parse_error("AND FO < 1", 5, "expected a comparison operator after 'AND'");
    expect_parse_error("Or < 1", 1, "unknown score 'Or'");
}

static void test_keyword_prefix_is_an_identifier(void **state)
{
    (void)state;
    values vals;
    values_init(&vals);
    set(&vals, NOTABLE, QS_FIELD_VALUE, 5);
    assert_int_equal(eval("notable > 4", &vals), QS_TRI_TRUE);
    assert_int_equal(eval("not notable > 4", &vals), QS_TRI_FALSE);
}

static void test_score_id_is_matched_by_its_whole_length(void **state)
{
    (void)state;
    expect_parse_error("FOO < 1", 1, "unknown score 'FOO'");
    expect_parse_error("F < 1", 1, "unknown score 'F'");
    expect_parse_error("fo < 1", 1, "unknown score 'fo'");
}

/* ---- errors -------------------------------------------------------------------------------- */

static void test_unknown_score_is_reported_at_its_column(void **state)
{
    (void)state;
    expect_parse_error("FO < 1 and FX > 2", 12, "unknown score 'FX'");
    expect_parse_error("FO < FX.t", 6, "unknown score 'FX'");
    expect_parse_error("FX.tt < 1", 1, "unknown score 'FX'");
}

static void test_unknown_field_is_reported_at_its_column(void **state)
{
    (void)state;
    expect_parse_error("FO.tt > 1", 4, "unknown field 'tt' (expected value, z, t or percentile)");
    expect_parse_error("FO < ER.T", 9, "unknown field 'T' (expected value, z, t or percentile)");
    expect_parse_error("FO. > 1", 4,
                       "missing field after 'FO.' (expected value, z, t or percentile)");
}

static void test_bare_score_is_not_a_condition(void **state)
{
    (void)state;
    expect_parse_error("FO and ER", 4, "expected a comparison operator after 'FO'");
    expect_parse_error("FO.t", 5, "expected a comparison operator after 'FO.t'");
    expect_parse_error("FO < 1 or (ER)", 14, "expected a comparison operator after 'ER'");
}

static void test_bare_number_is_not_a_condition(void **state)
{
    (void)state;
    static const char *const msg =
        "a number is not a condition: compare it with <, <=, >, >=, == or !=";
    expect_parse_error("3", 1, msg);
    expect_parse_error("FO < 1 or 2", 11, msg);
    expect_parse_error("not -1.5 and FO < 1", 5, msg);
}

static void test_missing_operand_is_reported(void **state)
{
    (void)state;
    expect_parse_error("FO <", 5, "expected a number or score at end of rule");
    expect_parse_error("FO < 1 and", 11, "expected a number or score at end of rule");
    expect_parse_error("not", 4, "expected a number or score at end of rule");
    expect_parse_error("FO < and", 6, "expected a number or score, found 'and'");
    expect_parse_error("< 3", 1, "expected a number or score, found '<'");
    expect_parse_error("()", 2, "expected a number or score, found ')'");
}

static void test_unbalanced_parentheses_are_reported(void **state)
{
    (void)state;
    expect_parse_error("FO < 1)", 7, "unbalanced ')'");
    expect_parse_error("(FO < 1))", 9, "unbalanced ')'");
    expect_parse_error("  (FO < 1", 10, "missing ')' for '(' at column 3");
    expect_parse_error("FO < 1 and ((ER > 2)", 21, "missing ')' for '(' at column 12");
    expect_parse_error("(FO < 1 ER > 2)", 9, "expected 'and', 'or' or ')' before 'ER'");
}

static void test_comparisons_cannot_be_chained(void **state)
{
    (void)state;
    expect_parse_error("FO < ER < 3", 9, "comparisons cannot be chained");
    expect_parse_error("1 < FO.t <= 3", 10, "comparisons cannot be chained");
}

static void test_condition_cannot_be_compared(void **state)
{
    (void)state;
    expect_parse_error("(FO < 1) < 3", 10, "a condition cannot be compared with '<'");
    expect_parse_error("3 == (FO < 1)", 6, "a condition cannot be compared with '=='");
}

static void test_missing_connective_is_reported(void **state)
{
    (void)state;
    expect_parse_error("FO < 1 ER > 2", 8, "expected 'and' or 'or' before 'ER'");
    expect_parse_error("FO < 1 3", 8, "expected 'and' or 'or' before '3'");
    expect_parse_error("FO < 1 not ER > 2", 8, "expected 'and' or 'or' before 'not'");
}

static void test_empty_rule_is_refused(void **state)
{
    (void)state;
    expect_parse_error("", 1, "empty rule");
    expect_parse_error(" \t  ", 1, "empty rule");
}

static void test_invalid_numbers_are_refused_whole(void **state)
{
    (void)state;
    expect_parse_error("FO < 1e999", 6, "invalid number '1e999'");
    expect_parse_error("FO < -1e999", 6, "invalid number '-1e999'");
    expect_parse_error("FO < 1.2.3", 6, "invalid number '1.2.3'");
    expect_parse_error("FO < 0x10", 6, "invalid number '0x10'");
    expect_parse_error("FO < 1e", 6, "invalid number '1e'");
    expect_parse_error("FO < 1e+", 6, "invalid number '1e+'");
    expect_parse_error("FO < 2and ER > 1", 6, "invalid number '2and'");
}

static void test_unexpected_characters_are_named(void **state)
{
    (void)state;
    expect_parse_error("FO < 1 && ER > 2", 8, "unexpected character '&'");
    expect_parse_error("FO < 1 || ER > 2", 8, "unexpected character '|'");
    expect_parse_error("FO < - 1", 6, "unexpected character '-'");
    expect_parse_error("FO.t.z < 1", 5, "unexpected character '.'");
    expect_parse_error("FO = 1", 4, "unexpected character '=' (did you mean '==')");
    expect_parse_error("!FO", 1, "unexpected character '!'");
}

static void test_control_and_non_ascii_bytes_are_printed_as_hex(void **state)
{
    (void)state;
    expect_parse_error("FO < 1\f", 7, "unexpected character '\\x0c'");
    expect_parse_error("FO <\x01 1", 5, "unexpected character '\\x01'");
    expect_parse_error("FO \xe2\x89\xa4 1", 4, "unexpected character '\\xe2'");
    expect_parse_error("FO < 1\x7f", 7, "unexpected character '\\x7f'");
}

/* ---- limits -------------------------------------------------------------------------------- */

static char *repeat(const char *prefix, const char *unit, size_t n, const char *suffix)
{
    size_t plen = strlen(prefix), ulen = strlen(unit), slen = strlen(suffix);
    char *s = malloc(plen + n * ulen + slen + 1);
    assert_non_null(s);
    memcpy(s, prefix, plen);
    for (size_t i = 0; i < n; i++)
        memcpy(s + plen + i * ulen, unit, ulen);
    memcpy(s + plen + n * ulen, suffix, slen + 1);
    return s;
}

static void test_deepest_allowed_nesting_compiles_and_evaluates(void **state)
{
    (void)state;
    /*
     * Each level leaves an 'or' and an 'and' pending while its parenthesis is evaluated, which is
     * the deepest evaluation stack the language allows.
     */
    char *open = repeat("", "FO > 5 or FO < 2 and (", QS_EXPR_MAX_DEPTH, "");
    char *close = repeat("", ")", QS_EXPR_MAX_DEPTH, "");
    size_t n = strlen(open) + strlen(close) + 64;
    char *rule = malloc(n);
    assert_non_null(rule);
    snprintf(rule, n, "%sFO > 5 or FO < 2 and FO == 1%s", open, close);
    assert_int_equal(eval_fo(rule, 1), QS_TRI_TRUE);
    assert_int_equal(eval_fo(rule, 3), QS_TRI_FALSE);
    assert_int_equal(eval_fo(rule, NAN), QS_TRI_UNKNOWN);
    free(rule);
    free(close);
    free(open);

    rule = repeat("", "not ", QS_EXPR_MAX_DEPTH, "FO < 2");
    assert_int_equal(eval_fo(rule, 1), QS_TRI_TRUE); /* an even number of nots */
    free(rule);
}

static void test_nesting_beyond_the_limit_is_refused(void **state)
{
    (void)state;
    char *rule = repeat("", "(", QS_EXPR_MAX_DEPTH + 1, "FO < 1");
    expect_error(rule, QS_ELIMIT, QS_EXPR_MAX_DEPTH + 1, "rule nests deeper than 32 levels");
    free(rule);

    rule = repeat("", "not ", QS_EXPR_MAX_DEPTH + 1, "FO < 1");
    expect_error(rule, QS_ELIMIT, 4 * QS_EXPR_MAX_DEPTH + 1, "rule nests deeper than 32 levels");
    free(rule);

    /* Parentheses and nots share one budget. */
    rule = repeat("", "not (", QS_EXPR_MAX_DEPTH / 2, "not FO < 1");
    expect_error(rule, QS_ELIMIT, 5 * (QS_EXPR_MAX_DEPTH / 2) + 1,
                 "rule nests deeper than 32 levels");
    free(rule);
}

static void test_ten_thousand_open_parentheses_fail_on_depth(void **state)
{
    (void)state;
    char *rule = repeat("", "(", 10000, "");
    expect_error(rule, QS_ELIMIT, QS_EXPR_MAX_DEPTH + 1, "rule nests deeper than 32 levels");
    free(rule);
}

static void test_rule_of_maximum_length_compiles(void **state)
{
    (void)state;
    /* The last number ends exactly at the limit. */
    char *rule = repeat("FO < 1", " ", QS_EXPR_MAX_LEN - 22, "and ER < 1.25000");
    assert_int_equal(strlen(rule), QS_EXPR_MAX_LEN);
    qs_expr *e = compile_ok(rule);
    values vals;
    values_init(&vals);
    set(&vals, FO, QS_FIELD_VALUE, 0);
    set(&vals, ER, QS_FIELD_VALUE, 1.2);
    assert_int_equal(qs_expr_eval(e, vals.v), QS_TRI_TRUE);
    set(&vals, ER, QS_FIELD_VALUE, 1.25);
    assert_int_equal(qs_expr_eval(e, vals.v), QS_TRI_FALSE);
    qs_expr_free(e);
    free(rule);
}

static void test_rule_longer_than_the_limit_is_refused(void **state)
{
    (void)state;
    static const char *const msg = "rule is longer than 1024 characters";
    /* The limit falls inside a number: not reported as a cut-off number. */
    char *rule = repeat("FO < 1", " ", QS_EXPR_MAX_LEN - 22, "and ER < 1.250000");
    assert_int_equal(strlen(rule), QS_EXPR_MAX_LEN + 1);
    expect_error(rule, QS_ELIMIT, QS_EXPR_MAX_LEN + 1, msg);
    free(rule);

    /* ... in trailing whitespace. */
    rule = repeat("FO < 1", " ", QS_EXPR_MAX_LEN, "");
    expect_error(rule, QS_ELIMIT, QS_EXPR_MAX_LEN + 1, msg);
    free(rule);

    /* ... inside a name: not reported as unknown score 'FO'. */
    rule = repeat("FO < 1 and ", " ", QS_EXPR_MAX_LEN - 13, "FOO < 1");
    assert_int_equal(strlen(rule) - strlen("FOO < 1"), QS_EXPR_MAX_LEN - 2);
    expect_error(rule, QS_ELIMIT, QS_EXPR_MAX_LEN + 1, msg);
    free(rule);

    /* A hostile length fails the same way. */
    rule = repeat("", "FO < 1 or ", 10000, "FO < 1");
    expect_error(rule, QS_ELIMIT, QS_EXPR_MAX_LEN + 1, msg);
    free(rule);
}

/* ---- API edges ----------------------------------------------------------------------------- */

static void test_free_accepts_null(void **state)
{
    (void)state;
    qs_expr_free(NULL);
    assert_int_equal(qs_expr_ref_count(NULL), 0);
}

static void test_compiled_rule_is_reusable(void **state)
{
    (void)state;
    qs_expr *e = compile_ok("FO.t <= 35 and ER.t <= 40");
    values vals;
    values_init(&vals);
    assert_int_equal(qs_expr_eval(e, vals.v), QS_TRI_UNKNOWN);
    set(&vals, FO, QS_FIELD_T, 35);
    assert_int_equal(qs_expr_eval(e, vals.v), QS_TRI_UNKNOWN);
    set(&vals, ER, QS_FIELD_T, 41);
    assert_int_equal(qs_expr_eval(e, vals.v), QS_TRI_FALSE);
    set(&vals, ER, QS_FIELD_T, 40);
    assert_int_equal(qs_expr_eval(e, vals.v), QS_TRI_TRUE);
    qs_expr_free(e);
}

/* ---- named cutoffs ------------------------------------------------------------------------ */

static double cutoff_fo_high = 2.5;

static const double *named(void *ctx, const char *name, size_t len)
{
    (void)ctx;
    return len == 7 && memcmp(name, "fo_high", 7) == 0 ? &cutoff_fo_high : NULL;
}

static void test_named_cutoff_is_read_at_every_evaluation(void **state)
{
    (void)state;
    qs_expr *e = NULL;
    qs_diag d;
    qs_diag_clear(&d);
    assert_int_equal(
        qs_expr_compile_with(&e, "FO <= fo_high", resolve, named, (void *)score_names, &d), QS_OK);
    values vals;
    values_init(&vals);
    set(&vals, FO, QS_FIELD_VALUE, 2.4);
    cutoff_fo_high = 2.5;
    assert_int_equal(qs_expr_eval(e, vals.v), QS_TRI_TRUE);
    cutoff_fo_high = 2.3; /* a clinic override: no recompiling */
    assert_int_equal(qs_expr_eval(e, vals.v), QS_TRI_FALSE);
    set(&vals, FO, QS_FIELD_VALUE, NAN);
    assert_int_equal(qs_expr_eval(e, vals.v), QS_TRI_UNKNOWN);
    assert_int_equal(qs_expr_ref_count(e), 1); /* the cutoff is not a score reference */
    cutoff_fo_high = 2.5;
    qs_expr_free(e);
}

static void expect_named_error(const char *rule, unsigned long column, const char *message)
{
    qs_expr *e = NULL;
    qs_diag d;
    qs_diag_clear(&d);
    assert_int_equal(qs_expr_compile_with(&e, rule, resolve, named, (void *)score_names, &d),
                     QS_EPARSE);
    assert_null(e);
    assert_int_equal(d.column, column);
    assert_string_equal(d.message, message);
}

static void test_unknown_name_with_cutoffs_says_score_or_cutoff(void **state)
{
    (void)state;
    expect_named_error("FO <= fo_hgh", 7, "unknown score or cutoff 'fo_hgh'");
    expect_named_error("FO <= fo_high.t", 7, "cutoff 'fo_high' has no fields");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_field_names_are_spelled_as_in_rules),
        cmocka_unit_test(test_each_field_reads_its_own_value),
        cmocka_unit_test(test_score_index_selects_the_score),
        cmocka_unit_test(test_every_comparison_operator_on_the_boundary),
        cmocka_unit_test(test_every_comparison_operator_off_the_boundary),
        cmocka_unit_test(test_number_may_stand_on_either_side),
        cmocka_unit_test(test_numbers_take_sign_fraction_and_exponent),
        cmocka_unit_test(test_whitespace_tabs_and_line_breaks_are_free),
        cmocka_unit_test(test_and_binds_tighter_than_or),
        cmocka_unit_test(test_parentheses_override_precedence),
        cmocka_unit_test(test_not_binds_tighter_than_and_and_or),
        cmocka_unit_test(test_not_applies_to_the_whole_comparison),
        cmocka_unit_test(test_and_or_chains_are_evaluated_whole),
        cmocka_unit_test(test_kleene_and_truth_table),
        cmocka_unit_test(test_kleene_or_truth_table),
        cmocka_unit_test(test_kleene_not_truth_table),
        cmocka_unit_test(test_missing_value_makes_every_comparison_unknown),
        cmocka_unit_test(test_missing_field_is_unknown_even_when_value_is_present),
        cmocka_unit_test(test_infinite_values_compare_as_numbers),
        cmocka_unit_test(test_refs_are_distinct_and_in_first_appearance_order),
        cmocka_unit_test(test_rule_of_constants_has_no_refs),
        cmocka_unit_test(test_large_score_index_reads_its_slot),
        cmocka_unit_test(test_keywords_are_lowercase_only),
        cmocka_unit_test(test_keyword_prefix_is_an_identifier),
        cmocka_unit_test(test_score_id_is_matched_by_its_whole_length),
        cmocka_unit_test(test_unknown_score_is_reported_at_its_column),
        cmocka_unit_test(test_unknown_field_is_reported_at_its_column),
        cmocka_unit_test(test_bare_score_is_not_a_condition),
        cmocka_unit_test(test_bare_number_is_not_a_condition),
        cmocka_unit_test(test_missing_operand_is_reported),
        cmocka_unit_test(test_unbalanced_parentheses_are_reported),
        cmocka_unit_test(test_comparisons_cannot_be_chained),
        cmocka_unit_test(test_condition_cannot_be_compared),
        cmocka_unit_test(test_missing_connective_is_reported),
        cmocka_unit_test(test_empty_rule_is_refused),
        cmocka_unit_test(test_invalid_numbers_are_refused_whole),
        cmocka_unit_test(test_unexpected_characters_are_named),
        cmocka_unit_test(test_control_and_non_ascii_bytes_are_printed_as_hex),
        cmocka_unit_test(test_deepest_allowed_nesting_compiles_and_evaluates),
        cmocka_unit_test(test_nesting_beyond_the_limit_is_refused),
        cmocka_unit_test(test_ten_thousand_open_parentheses_fail_on_depth),
        cmocka_unit_test(test_rule_of_maximum_length_compiles),
        cmocka_unit_test(test_rule_longer_than_the_limit_is_refused),
        cmocka_unit_test(test_free_accepts_null),
        cmocka_unit_test(test_compiled_rule_is_reusable),
        cmocka_unit_test(test_named_cutoff_is_read_at_every_evaluation),
        cmocka_unit_test(test_unknown_name_with_cutoffs_says_score_or_cutoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
