/* expr.c - compiles flag rules to postfix code and evaluates it with Kleene logic. */
#include "qscore/expr.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Design
 * ------
 * qs_expr_compile() is a recursive-descent parser over a lazy tokenizer (one token of
 * lookahead, lexed only when the parser moves on, so errors come out in source order). It
 * emits postfix code:
 *
 *   CMP  push compare(a, b), or UNKNOWN when either operand is NaN
 *   AND  pop b, pop a, push a AND b (Kleene)
 *   OR   pop b, pop a, push a OR b (Kleene)
 *   NOT  replace the top with NOT top
 *
 * A CMP operand is a constant, an index into the caller's `values` array
 * (score * QS_FIELD_COUNT + field), or the address of a named constant (an instrument's cutoff,
 * which a clinic override may change after compiling), all resolved at compile time, so
 * evaluation does no lookups.
 * qs_expr_eval() is one loop over the code with a small fixed stack of truth values in its own
 * frame: no allocation, no recursion, and no short-circuit (the results are the same, and a
 * straight loop is cheap).
 *
 * Bounds. '(' and 'not' each open a level; compile refuses level QS_EXPR_MAX_DEPTH + 1 before
 * recursing, so parser recursion is bounded and 10,000 '(' fail at the 33rd. While the
 * operand after an 'or' or 'and' is being computed, each parenthesis level holds at most two
 * pending results (the left sides of its 'or' and its 'and'), so the evaluation stack never
 * exceeds EVAL_STACK_MAX; the compiler measures the real maximum and checks it anyway. The
 * tokenizer sees at most QS_EXPR_MAX_LEN characters and reports the length error when a token
 * reaches that limit, so the rule is never scanned past QS_EXPR_MAX_LEN + 1 bytes.
 *
 * Memory. A compiled expression is one allocation: the header, the code, then the distinct
 * (score, field) references in first-appearance order.
 */

#define EVAL_STACK_MAX (2 * (QS_EXPR_MAX_DEPTH + 1) + 1)

/* Marks a constant operand. */
#define NO_INDEX SIZE_MAX

enum op { OP_CMP, OP_AND, OP_OR, OP_NOT };

enum cmp { CMP_LT, CMP_LE, CMP_GT, CMP_GE, CMP_EQ, CMP_NE };

struct operand {
    double k;        /* the constant when idx == NO_INDEX and p == NULL */
    size_t idx;      /* index into values[] otherwise */
    const double *p; /* a named constant (cutoff): read at every evaluation, so a clinic
                      * override changes the rule without recompiling it */
};

struct insn {
    unsigned char op;  /* enum op */
    unsigned char cmp; /* enum cmp, for OP_CMP */
    struct operand a, b;
};

struct ref {
    int score;
    qs_field field;
};

struct qs_expr {
    size_t ncode;
    size_t nrefs;
    const struct ref *refs; /* points just after code[] */
    struct insn code[];
};

/* ---- tokenizer ---------------------------------------------------------------------------- */

enum tok_kind {
    TOK_END,
    TOK_NUM,
    TOK_REF,
    TOK_LPAREN,
    TOK_RPAREN,
    TOK_CMP,
    TOK_AND,
    TOK_OR,
    TOK_NOT
};

struct token {
    enum tok_kind kind;
    size_t pos;       /* offset of the first character */
    size_t len;       /* characters, including a ref's ".field" */
    size_t name_len;  /* TOK_REF: length of the score id */
    int has_dot;      /* TOK_REF: a '.' follows the score id */
    size_t field_pos; /* TOK_REF: offset of the field name (after the '.') */
    size_t field_len; /* TOK_REF: may be 0 ("FO.") */
    double num;       /* TOK_NUM */
    enum cmp cmp;     /* TOK_CMP */
};

struct parser {
    const char *src;
    size_t len;   /* characters the tokenizer may read: min(strlen, QS_EXPR_MAX_LEN) */
    int too_long; /* the rule goes on after len */
    size_t pos;   /* where the next token starts */
    struct token tok;
    qs_expr_resolve_fn resolve;
    qs_expr_const_fn constant;
    void *ctx;
    qs_diag *diag;
    int depth;
    struct insn *code;
    size_t ncode, cap;
    struct ref *refs;
    size_t nrefs;
    size_t sp, max_sp; /* evaluation stack depth, simulated while emitting */
};

static const char *const field_names[QS_FIELD_COUNT] = {"value", "z", "t", "percentile"};

const char *qs_field_name(qs_field f)
{
    if ((unsigned)f >= (unsigned)QS_FIELD_COUNT)
        return NULL;
    return field_names[f];
}

static qs_error fail(struct parser *p, qs_error rc, size_t pos, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Record the first error: column `pos` + 1 and the message; other diag fields stay as they are. */
static qs_error fail(struct parser *p, qs_error rc, size_t pos, const char *fmt, ...)
{
    if (p->diag) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->diag->message, sizeof(p->diag->message), fmt, ap);
        va_end(ap);
        p->diag->column = (unsigned long)pos + 1;
    }
    return rc;
}

/* Character classes by hand: <ctype.h> depends on the locale. */
static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_ident_start(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int is_ident_char(int c)
{
    return is_ident_start(c) || is_digit(c);
}

/* The byte at `i`, or 0 at and past the end of what the tokenizer may read. */
static int peekc(const struct parser *p, size_t i)
{
    return i < p->len ? (unsigned char)p->src[i] : 0;
}

/*
 * 1 if t[0..n) is a plain decimal: [+-] digits [. digits] [(e|E) [+-] digits], with at least one
 * mantissa digit. strtod alone would also take hex, "inf", "nan" and locale decimal points.
 */
static int is_decimal(const char *t, size_t n)
{
    size_t i = 0, digits = 0;
    if (i < n && (t[i] == '+' || t[i] == '-'))
        i++;
    while (i < n && is_digit(t[i])) {
        i++;
        digits++;
    }
    if (i < n && t[i] == '.') {
        i++;
        while (i < n && is_digit(t[i])) {
            i++;
            digits++;
        }
    }
    if (digits == 0)
        return 0;
    if (i < n && (t[i] == 'e' || t[i] == 'E')) {
        i++;
        if (i < n && (t[i] == '+' || t[i] == '-'))
            i++;
        if (i >= n || !is_digit(t[i]))
            return 0;
        while (i < n && is_digit(t[i]))
            i++;
    }
    return i == n;
}

/*
 * Lex a number starting at `i` (a digit, or a sign or '.' that leads to one). The token is taken
 * greedily over letters, digits, '.' and an exponent's sign, so "1.2.3", "0x10" and "2and" are
 * reported whole as invalid numbers rather than split into confusing pieces.
 */
static qs_error lex_number(struct parser *p, size_t i)
{
    char buf[QS_EXPR_MAX_LEN + 1];
    size_t j = i + 1;
    for (;;) {
        int c = peekc(p, j);
        int prev = p->src[j - 1];
        if (is_ident_char(c) || c == '.' ||
            ((c == '+' || c == '-') && (prev == 'e' || prev == 'E')))
            j++;
        else
            break;
    }
    size_t n = j - i;
    p->tok.kind = TOK_NUM;
    p->tok.len = n;
    if (!is_decimal(p->src + i, n))
        return fail(p, QS_EPARSE, i, "invalid number '%.*s'", (int)n, p->src + i);
    /* n <= QS_EXPR_MAX_LEN: the tokenizer never reads past p->len. */
    memcpy(buf, p->src + i, n);
    buf[n] = '\0';
    char *end = NULL;
    double v = strtod(buf, &end);
    if (end != buf + n || !isfinite(v))
        return fail(p, QS_EPARSE, i, "invalid number '%.*s'", (int)n, p->src + i);
    p->tok.num = v;
    return QS_OK;
}

static void lex_ident(struct parser *p, size_t i)
{
    size_t j = i;
    while (is_ident_char(peekc(p, j)))
        j++;
    size_t n = j - i;
    const char *s = p->src + i;
    p->tok.len = n;
    if (n == 3 && memcmp(s, "and", 3) == 0) {
        p->tok.kind = TOK_AND;
    } else if (n == 2 && memcmp(s, "or", 2) == 0) {
        p->tok.kind = TOK_OR;
    } else if (n == 3 && memcmp(s, "not", 3) == 0) {
        p->tok.kind = TOK_NOT;
    } else {
        p->tok.kind = TOK_REF;
        p->tok.name_len = n;
        if (peekc(p, j) == '.') {
            size_t k = j + 1;
            while (is_ident_char(peekc(p, k)))
                k++;
            p->tok.has_dot = 1;
            p->tok.field_pos = j + 1;
            p->tok.field_len = k - (j + 1);
            p->tok.len = k - i;
        }
    }
}

/* Lex a comparison operator at `i`; 0 if there is none. */
static int lex_cmp(struct parser *p, size_t i)
{
    int c = peekc(p, i), d = peekc(p, i + 1);
    p->tok.kind = TOK_CMP;
    p->tok.len = 2;
    if (c == '<' && d == '=') {
        p->tok.cmp = CMP_LE;
    } else if (c == '>' && d == '=') {
        p->tok.cmp = CMP_GE;
    } else if (c == '=' && d == '=') {
        p->tok.cmp = CMP_EQ;
    } else if (c == '!' && d == '=') {
        p->tok.cmp = CMP_NE;
    } else if (c == '<') {
        p->tok.cmp = CMP_LT;
        p->tok.len = 1;
    } else if (c == '>') {
        p->tok.cmp = CMP_GT;
        p->tok.len = 1;
    } else {
        return 0;
    }
    return 1;
}

static int starts_number(const struct parser *p, size_t i)
{
    int c = peekc(p, i);
    if (c == '+' || c == '-')
        c = peekc(p, ++i);
    if (c == '.')
        c = peekc(p, ++i);
    return is_digit(c);
}

/* Move to the next token (p->tok). */
static qs_error advance(struct parser *p)
{
    qs_error rc = QS_OK;
    size_t i = p->pos;
    while (peekc(p, i) == ' ' || peekc(p, i) == '\t' || peekc(p, i) == '\n' || peekc(p, i) == '\r')
        i++;
    memset(&p->tok, 0, sizeof(p->tok));
    p->tok.pos = i;
    int c = peekc(p, i);
    if (c == '\0') { /* p->len stops before the first NUL, so 0 is the end */
        p->tok.kind = TOK_END;
    } else if (is_ident_start(c)) {
        lex_ident(p, i);
    } else if (starts_number(p, i)) {
        rc = lex_number(p, i);
    } else if (c == '(' || c == ')') {
        p->tok.kind = c == '(' ? TOK_LPAREN : TOK_RPAREN;
        p->tok.len = 1;
    } else if (!lex_cmp(p, i)) {
        if (c == '=')
            return fail(p, QS_EPARSE, i, "unexpected character '=' (did you mean '==')");
        if (c >= 0x20 && c < 0x7f)
            return fail(p, QS_EPARSE, i, "unexpected character '%c'", c);
        return fail(p, QS_EPARSE, i, "unexpected character '\\x%02x'", (unsigned)c);
    }
    /* A token that touches the limit may be cut short: report the length instead. */
    if (p->too_long && i + p->tok.len >= p->len)
        return fail(p, QS_ELIMIT, QS_EXPR_MAX_LEN, "rule is longer than %d characters",
                    QS_EXPR_MAX_LEN);
    if (rc)
        return rc;
    p->pos = i + p->tok.len;
    return QS_OK;
}

/* ---- parser -------------------------------------------------------------------------------- */

static qs_error emit(struct parser *p, const struct insn *in)
{
    /* Every instruction owns at least one source character, so cap (len + 1) is enough. */
    if (p->ncode == p->cap)
        return fail(p, QS_ELIMIT, p->tok.pos, "rule is too complex");
    p->code[p->ncode++] = *in;
    if (in->op == OP_CMP) {
        if (++p->sp > p->max_sp)
            p->max_sp = p->sp;
    } else if (in->op != OP_NOT) {
        p->sp--;
    }
    return QS_OK;
}

static qs_error emit_op(struct parser *p, enum op op)
{
    struct insn in;
    memset(&in, 0, sizeof(in));
    in.op = (unsigned char)op;
    return emit(p, &in);
}

/* Open a nesting level for the '(' or 'not' at p->tok. */
static qs_error enter(struct parser *p)
{
    if (p->depth >= QS_EXPR_MAX_DEPTH)
        return fail(p, QS_ELIMIT, p->tok.pos, "rule nests deeper than %d levels",
                    QS_EXPR_MAX_DEPTH);
    p->depth++;
    return QS_OK;
}

static void add_ref(struct parser *p, int score, qs_field field)
{
    for (size_t i = 0; i < p->nrefs; i++) {
        if (p->refs[i].score == score && p->refs[i].field == field)
            return;
    }
    /* At most one ref per source character, and refs has len + 1 slots. */
    p->refs[p->nrefs].score = score;
    p->refs[p->nrefs].field = field;
    p->nrefs++;
}

static const char *const expected_field = "(expected value, z, t or percentile)";

/* primary without the parenthesised form: NUMBER | REF. */
static qs_error parse_operand(struct parser *p, struct operand *o)
{
    const struct token *t = &p->tok;
    const char *s = p->src + t->pos;
    o->p = NULL;
    if (t->kind == TOK_NUM) {
        o->k = t->num;
        o->idx = NO_INDEX;
        return advance(p);
    }
    if (t->kind == TOK_END)
        return fail(p, QS_EPARSE, t->pos, "expected a number or score at end of rule");
    if (t->kind != TOK_REF)
        return fail(p, QS_EPARSE, t->pos, "expected a number or score, found '%.*s'", (int)t->len,
                    s);

    int score = p->resolve ? p->resolve(p->ctx, s, t->name_len) : -1;
    if (score < 0 && p->constant) {
        const double *c = p->constant(p->ctx, s, t->name_len);
        if (!c)
            return fail(p, QS_EPARSE, t->pos, "unknown score or cutoff '%.*s'", (int)t->name_len,
                        s);
        if (t->has_dot)
            return fail(p, QS_EPARSE, t->pos, "cutoff '%.*s' has no fields", (int)t->name_len, s);
        o->k = 0.0;
        o->idx = NO_INDEX;
        o->p = c;
        return advance(p);
    }
    if (score < 0)
        return fail(p, QS_EPARSE, t->pos, "unknown score '%.*s'", (int)t->name_len, s);
    qs_field field = QS_FIELD_VALUE;
    if (t->has_dot) {
        const char *f = p->src + t->field_pos;
        if (t->field_len == 0)
            return fail(p, QS_EPARSE, t->field_pos, "missing field after '%.*s.' %s",
                        (int)t->name_len, s, expected_field);
        int found = 0;
        for (int i = 0; i < QS_FIELD_COUNT && !found; i++) {
            if (strlen(field_names[i]) == t->field_len &&
                memcmp(field_names[i], f, t->field_len) == 0) {
                field = (qs_field)i;
                found = 1;
            }
        }
        if (!found)
            return fail(p, QS_EPARSE, t->field_pos, "unknown field '%.*s' %s", (int)t->field_len, f,
                        expected_field);
    }
    add_ref(p, score, field);
    o->k = 0.0;
    o->idx = (size_t)score * QS_FIELD_COUNT + (size_t)field;
    return advance(p);
}

static qs_error parse_or(struct parser *p);

/* cmp := primary [ op primary ], where a parenthesised primary is a condition, never compared. */
static qs_error parse_cmp(struct parser *p)
{
    qs_error rc;
    struct insn in;

    if (p->tok.kind == TOK_LPAREN) {
        size_t open = p->tok.pos;
        rc = enter(p);
        if (rc)
            return rc;
        rc = advance(p);
        if (rc)
            return rc;
        rc = parse_or(p);
        if (rc)
            return rc;
        if (p->tok.kind == TOK_END)
            return fail(p, QS_EPARSE, p->tok.pos, "missing ')' for '(' at column %lu",
                        (unsigned long)open + 1);
        if (p->tok.kind != TOK_RPAREN)
            return fail(p, QS_EPARSE, p->tok.pos, "expected 'and', 'or' or ')' before '%.*s'",
                        (int)p->tok.len, p->src + p->tok.pos);
        p->depth--;
        rc = advance(p);
        if (rc)
            return rc;
        if (p->tok.kind == TOK_CMP)
            return fail(p, QS_EPARSE, p->tok.pos, "a condition cannot be compared with '%.*s'",
                        (int)p->tok.len, p->src + p->tok.pos);
        return QS_OK;
    }

    memset(&in, 0, sizeof(in));
    in.op = OP_CMP;
    struct token lhs = p->tok;
    rc = parse_operand(p, &in.a);
    if (rc)
        return rc;
    if (p->tok.kind != TOK_CMP) {
        if (lhs.kind == TOK_NUM)
            return fail(p, QS_EPARSE, lhs.pos,
                        "a number is not a condition: compare it with <, <=, >, >=, == or !=");
        return fail(p, QS_EPARSE, p->tok.pos, "expected a comparison operator after '%.*s'",
                    (int)lhs.len, p->src + lhs.pos);
    }
    struct token op = p->tok;
    in.cmp = (unsigned char)op.cmp;
    rc = advance(p);
    if (rc)
        return rc;
    if (p->tok.kind == TOK_LPAREN)
        return fail(p, QS_EPARSE, p->tok.pos, "a condition cannot be compared with '%.*s'",
                    (int)op.len, p->src + op.pos);
    rc = parse_operand(p, &in.b);
    if (rc)
        return rc;
    if (p->tok.kind == TOK_CMP)
        return fail(p, QS_EPARSE, p->tok.pos, "comparisons cannot be chained");
    return emit(p, &in);
}

/* not := "not" not | cmp */
static qs_error parse_not(struct parser *p)
{
    qs_error rc;
    if (p->tok.kind != TOK_NOT)
        return parse_cmp(p);
    rc = enter(p);
    if (rc)
        return rc;
    rc = advance(p);
    if (rc)
        return rc;
    rc = parse_not(p);
    if (rc)
        return rc;
    p->depth--;
    return emit_op(p, OP_NOT);
}

/* and := not ( "and" not )* */
static qs_error parse_and(struct parser *p)
{
    qs_error rc = parse_not(p);
    while (!rc && p->tok.kind == TOK_AND) {
        rc = advance(p);
        if (!rc)
            rc = parse_not(p);
        if (!rc)
            rc = emit_op(p, OP_AND);
    }
    return rc;
}

/* or := and ( "or" and )* */
static qs_error parse_or(struct parser *p)
{
    qs_error rc = parse_and(p);
    while (!rc && p->tok.kind == TOK_OR) {
        rc = advance(p);
        if (!rc)
            rc = parse_and(p);
        if (!rc)
            rc = emit_op(p, OP_OR);
    }
    return rc;
}

/* ---- public API ---------------------------------------------------------------------------- */

qs_error qs_expr_compile(qs_expr **out, const char *src, qs_expr_resolve_fn resolve, void *ctx,
                         qs_diag *diag)
{
    return qs_expr_compile_with(out, src, resolve, NULL, ctx, diag);
}

qs_error qs_expr_compile_with(qs_expr **out, const char *src, qs_expr_resolve_fn resolve,
                              qs_expr_const_fn constant, void *ctx, qs_diag *diag)
{
    qs_error rc = QS_OK;
    struct parser p;
    qs_expr *e = NULL;
    size_t n = 0;

    if (!out)
        return QS_EUSAGE;
    *out = NULL;
    memset(&p, 0, sizeof(p));
    p.src = src ? src : "";
    p.resolve = resolve;
    p.constant = constant;
    p.ctx = ctx;
    p.diag = diag;

    /* Bounded scan: a hostile megabyte-long rule costs no more than a long one. */
    while (n <= QS_EXPR_MAX_LEN && p.src[n] != '\0')
        n++;
    p.too_long = n > QS_EXPR_MAX_LEN;
    p.len = p.too_long ? QS_EXPR_MAX_LEN : n;
    p.cap = p.len + 1;
    p.code = malloc(p.cap * sizeof(*p.code));
    p.refs = malloc(p.cap * sizeof(*p.refs));
    if (!p.code || !p.refs) {
        rc = fail(&p, QS_ENOMEM, 0, "out of memory compiling rule");
        goto done;
    }

    rc = advance(&p);
    if (rc)
        goto done;
    if (p.tok.kind == TOK_END) {
        rc = fail(&p, QS_EPARSE, 0, "empty rule");
        goto done;
    }
    rc = parse_or(&p);
    if (rc)
        goto done;
    if (p.tok.kind == TOK_RPAREN) {
        rc = fail(&p, QS_EPARSE, p.tok.pos, "unbalanced ')'");
        goto done;
    }
    if (p.tok.kind != TOK_END) {
        rc = fail(&p, QS_EPARSE, p.tok.pos, "expected 'and' or 'or' before '%.*s'", (int)p.tok.len,
                  p.src + p.tok.pos);
        goto done;
    }
    /* Cannot happen (see the design comment); checked because eval trusts it. */
    if (p.max_sp > EVAL_STACK_MAX || p.sp != 1) {
        rc = fail(&p, QS_ELIMIT, 0, "rule nests deeper than %d levels", QS_EXPR_MAX_DEPTH);
        goto done;
    }

    e = malloc(offsetof(qs_expr, code) + p.ncode * sizeof(struct insn) +
               p.nrefs * sizeof(struct ref));
    if (!e) {
        rc = fail(&p, QS_ENOMEM, 0, "out of memory compiling rule");
        goto done;
    }
    e->ncode = p.ncode;
    e->nrefs = p.nrefs;
    memcpy(e->code, p.code, p.ncode * sizeof(struct insn));
    /* struct ref needs no stricter alignment than struct insn, so it can follow code[]. */
    struct ref *refs = (struct ref *)(void *)(e->code + p.ncode);
    if (p.nrefs)
        memcpy(refs, p.refs, p.nrefs * sizeof(struct ref));
    e->refs = refs;
    *out = e;

done:
    free(p.code);
    free(p.refs);
    return rc;
}

static const unsigned char and_table[3][3] = {
    /*            F  T  U */
    /* F */ {0, 0, 0},
    /* T */ {0, 1, 2},
    /* U */ {0, 2, 2},
};

static const unsigned char or_table[3][3] = {
    /*            F  T  U */
    /* F */ {0, 1, 2},
    /* T */ {1, 1, 1},
    /* U */ {2, 1, 2},
};

static const unsigned char not_table[3] = {1, 0, 2};

static double operand_value(const struct operand *o, const double *values)
{
    if (o->p)
        return *o->p;
    return o->idx == NO_INDEX ? o->k : values[o->idx];
}

static unsigned char compare(const struct insn *in, const double *values)
{
    double a = operand_value(&in->a, values);
    double b = operand_value(&in->b, values);
    int r = 0;
    if (isnan(a) || isnan(b))
        return QS_TRI_UNKNOWN;
    switch ((enum cmp)in->cmp) {
    case CMP_LT:
        r = a < b;
        break;
    case CMP_LE:
        r = a <= b;
        break;
    case CMP_GT:
        r = a > b;
        break;
    case CMP_GE:
        r = a >= b;
        break;
    case CMP_EQ:
        r = a == b;
        break;
    case CMP_NE:
        r = a != b;
        break;
    }
    return r ? QS_TRI_TRUE : QS_TRI_FALSE;
}

qs_tri qs_expr_eval(const qs_expr *e, const double *values)
{
    unsigned char stack[EVAL_STACK_MAX];
    size_t sp = 0;
    if (!e)
        return QS_TRI_UNKNOWN;
    for (size_t i = 0; i < e->ncode; i++) {
        const struct insn *in = &e->code[i];
        switch ((enum op)in->op) {
        case OP_CMP:
            stack[sp++] = compare(in, values);
            break;
        case OP_AND:
            sp--;
            stack[sp - 1] = and_table[stack[sp - 1]][stack[sp]];
            break;
        case OP_OR:
            sp--;
            stack[sp - 1] = or_table[stack[sp - 1]][stack[sp]];
            break;
        case OP_NOT:
            stack[sp - 1] = not_table[stack[sp - 1]];
            break;
        }
    }
    return (qs_tri)stack[0];
}

size_t qs_expr_ref_count(const qs_expr *e)
{
    return e ? e->nrefs : 0;
}

/* Out of range (or e == NULL) gives score -1 and QS_FIELD_VALUE. */
void qs_expr_ref(const qs_expr *e, size_t i, int *score, qs_field *field)
{
    int s = -1;
    qs_field f = QS_FIELD_VALUE;
    if (e && i < e->nrefs) {
        s = e->refs[i].score;
        f = e->refs[i].field;
    }
    if (score)
        *score = s;
    if (field)
        *field = f;
}

void qs_expr_free(qs_expr *e)
{
    free(e);
}
