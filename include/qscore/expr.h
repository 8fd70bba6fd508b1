/* qscore/expr.h - the flag rule language: compile once, evaluate per administration. */
#ifndef QSCORE_EXPR_H
#define QSCORE_EXPR_H

#include <stddef.h>

#include "qscore/diag.h"
#include "qscore/error.h"

/*
 * Grammar (whitespace is free; keywords are lowercase):
 *
 *   expr    := or
 *   or      := and ( "or" and )*
 *   and     := not ( "and" not )*
 *   not     := "not" not | cmp
 *   cmp     := primary [ ( "<" | "<=" | ">" | ">=" | "==" | "!=" ) primary ]
 *   primary := NUMBER | REF | "(" expr ")"
 *   REF     := SCORE_ID [ "." FIELD ] | CUTOFF_ID     FIELD := value | z | t | percentile
 *   SCORE_ID:= [A-Za-z_][A-Za-z0-9_]*  (not a keyword); "FO" means "FO.value"
 *   NUMBER  := decimal, optional sign, fraction and exponent (strtod), finite
 *
 * Precedence: not > and > or; comparison binds tighter than not ("not FO < 2" is
 * "not (FO < 2)"). A comparison's operands are numbers or refs; a bare number or ref is not a
 * truth value: "FO and ER" is a compile error, so is "FO < ER < 3" (no chaining).
 *
 * Evaluation uses Kleene three-valued logic. A comparison with a missing operand (NaN) is
 * UNKNOWN ("not evaluable"); "false and unknown" is false, "true or unknown" is true,
 * "not unknown" is unknown. A rule is never silently false because a score is missing.
 */

typedef enum qs_tri { QS_TRI_FALSE = 0, QS_TRI_TRUE = 1, QS_TRI_UNKNOWN = 2 } qs_tri;

typedef enum qs_field {
    QS_FIELD_VALUE = 0,
    QS_FIELD_Z = 1,
    QS_FIELD_T = 2,
    QS_FIELD_PERCENTILE = 3,
    QS_FIELD_COUNT = 4
} qs_field;

/** "value", "z", "t", "percentile"; NULL if out of range. */
const char *qs_field_name(qs_field f);

typedef struct qs_expr qs_expr;

/*
 * Resolve a score id (not NUL-terminated: `name`, `len`) to a non-negative index, or return -1
 * if there is no such score.
 */
typedef int (*qs_expr_resolve_fn)(void *ctx, const char *name, size_t len);

#define QS_EXPR_MAX_LEN   1024 /* characters in one rule */
#define QS_EXPR_MAX_DEPTH 32   /* nested parentheses / not */

/**
 * Compile `src`. On error returns QS_EPARSE (or QS_ELIMIT, QS_ENOMEM), sets *out = NULL and fills
 * diag->column (1-based column inside `src`) and diag->message, e.g. "unknown score 'FX'",
 * "expected a comparison operator after 'FO'", "unbalanced ')'". Other diag fields are left
 * untouched so the caller can add file/line/path. The returned expression owns its memory.
 */
qs_error qs_expr_compile(qs_expr **out, const char *src, qs_expr_resolve_fn resolve, void *ctx,
                         qs_diag *diag);

/*
 * Resolve a named constant (an instrument's cutoff, e.g. "fo_high") that is not a score to the
 * address of its value, or return NULL if there is no such name. The value is read at every
 * evaluation, so the caller may change it after compiling (a clinic override); it must outlive
 * the expression.
 */
typedef const double *(*qs_expr_const_fn)(void *ctx, const char *name, size_t len);

/**
 * As qs_expr_compile, with named constants: a name that `resolve` does not know is given to
 * `constant` (when not NULL); an unknown name is then "unknown score or cutoff 'X'", and a
 * constant with a field ("fo_high.t") is an error.
 */
qs_error qs_expr_compile_with(qs_expr **out, const char *src, qs_expr_resolve_fn resolve,
                              qs_expr_const_fn constant, void *ctx, qs_diag *diag);

/**
 * Evaluate. `values[score * QS_FIELD_COUNT + field]` holds each referenced value; NaN means
 * missing. The caller sizes `values` for every index its resolver can return.
 */
qs_tri qs_expr_eval(const qs_expr *e, const double *values);

/** Number of distinct (score, field) references, in first-appearance order. */
size_t qs_expr_ref_count(const qs_expr *e);

/** The i-th distinct reference. */
void qs_expr_ref(const qs_expr *e, size_t i, int *score, qs_field *field);

/** Free; NULL-safe. */
void qs_expr_free(qs_expr *e);

#endif
