/* report_words.c - what a therapist reads, in plain words: values with the digits their score
 * shows, why a form is not usable, what fired a flag, dates. */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "qscore/expr.h"
#include "qscore/score.h"
#include "report_internal.h"

int qs_rep__digits(const qs_score_def *sd, double v)
{
    if (sd->method == QS_METHOD_MEAN)
        return 2;
    /* A sum is whole unless it was prorated (then it keeps one decimal). */
    return (isfinite(v) && v != floor(v)) ? 1 : 0;
}

/* Append to buf[size] at *len, keeping it terminated (output past the end is cut). */
static void add(char *buf, size_t size, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
    if (*len >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *len, size - *len, fmt, ap);
    va_end(ap);
    if (n > 0)
        *len = (size_t)n >= size - *len ? size - 1 : *len + (size_t)n;
}

size_t qs_rep__validity_words(char *buf, size_t size, const qs_instrument *I, const int *answers,
                              long longstring, double irv, int careless, int invalid)
{
    size_t len = 0;
    if (!size)
        return 0;
    buf[0] = '\0';
    const qs_validity *v = &I->validity;
    if (invalid) {
        size_t missing = 0;
        for (size_t i = 0; answers && i < I->nitems; i++)
            missing += answers[i] == QS_MISSING;
        if (!isnan(v->max_missing_fraction) && I->nitems &&
            (double)missing / (double)I->nitems > v->max_missing_fraction)
            add(buf, size, &len, "%zu of %zu items unanswered", missing, I->nitems);
        else
            add(buf, size, &len, "too many attention checks failed");
    }
    if (careless) {
        int said = 0;
        if (v->max_longstring > 0 && longstring > v->max_longstring) {
            add(buf, size, &len, "%ssame answer to %ld items in a row", len ? "; " : "",
                longstring);
            said = 1;
        }
        if (!isnan(v->min_irv) && !isnan(irv) && irv < v->min_irv) {
            add(buf, size, &len,
                "%sanswers hardly vary (spread %.2f, at least %.2f expected of attentive answers)",
                len ? "; " : "", irv, v->min_irv);
            said = 1;
        }
        if (!said)
            add(buf, size, &len, "%sanswers look careless", len ? "; " : "");
    }
    return len;
}

/* One comparison of a rule as written in its rule_text: "FO <= 2.5", "FO.t >= 65". */
struct cmp {
    char id[64];
    qs_field field; /* what it compares: the value, z, T or percentile */
    char op[3];
    double number;
};

/* The field named by s[0..len) ("value", "z", "t", "percentile"); the value when unknown (the
 * rule compiler refuses other names). */
static qs_field field_of(const char *s, size_t len)
{
    for (int f = 0; f < QS_FIELD_COUNT; f++) {
        const char *name = qs_field_name((qs_field)f);
        if (name && strlen(name) == len && strncmp(s, name, len) == 0)
            return (qs_field)f;
    }
    return QS_FIELD_VALUE;
}

/* The comparisons "<id>[.field] <op> <number>" of rule text `s`, at most max. */
static size_t parse_rule(const char *s, struct cmp *out, size_t max)
{
    size_t n = 0;
    const char *p = s;
    while (*p && n < max) {
        if (!(isalpha((unsigned char)*p) || *p == '_') ||
            (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '.'))) {
            p++;
            continue;
        }
        const char *id = p;
        while (isalnum((unsigned char)*p) || *p == '_')
            p++;
        size_t idlen = (size_t)(p - id);
        qs_field field = QS_FIELD_VALUE;
        if (*p == '.') {
            const char *name = ++p;
            while (isalnum((unsigned char)*p) || *p == '_')
                p++;
            field = field_of(name, (size_t)(p - name));
        }
        const char *q = p;
        while (*q == ' ')
            q++;
        size_t oplen = (q[0] == '<' || q[0] == '>') ? (q[1] == '=' ? 2 : 1)
                       : (q[0] == '=' && q[1] == '=') || (q[0] == '!' && q[1] == '=') ? 2
                                                                                      : 0;
        if (!oplen || idlen >= sizeof(out[n].id))
            continue;
        q += oplen;
        char *end;
        double num = strtod(q, &end);
        if (end == q)
            continue;
        memcpy(out[n].id, id, idlen);
        out[n].id[idlen] = '\0';
        out[n].field = field;
        memcpy(out[n].op, q - oplen, oplen);
        out[n].op[oplen] = '\0';
        out[n].number = num;
        n++;
        p = end;
    }
    return n;
}

double qs_rep__simple_cutoff(const qs_flag *f, const qs_score_def *s)
{
    struct cmp c[2];
    const char *t = f->rule_text ? f->rule_text : "";
    while (*t == ' ')
        t++;
    size_t n = strlen(t);
    while (n && (t[n - 1] == ' ' || t[n - 1] == '\n'))
        n--;
    /* The whole rule is the comparison: it starts with the score and ends with the number. */
    if (qs_expr_ref_count(f->rule) != 1 || strncmp(t, s->id, strlen(s->id)) != 0 || !n ||
        !(isdigit((unsigned char)t[n - 1]) || t[n - 1] == '.') || parse_rule(t, c, 2) != 1)
        return NAN;
    if (c[0].field != QS_FIELD_VALUE || strcmp(c[0].id, s->id) != 0 ||
        (c[0].op[0] != '<' && c[0].op[0] != '>'))
        return NAN;
    return c[0].number;
}

static const char *op_words(const char *op)
{
    return strcmp(op, "<=") == 0   ? "≤"
           : strcmp(op, ">=") == 0 ? "≥"
           : strcmp(op, "==") == 0 ? "="
           : strcmp(op, "!=") == 0 ? "≠"
                                   : op;
}

/* Where a flag's cutoffs come from, in words, or NULL. */
static const char *cutoff_origin(const qs_instrument *I, const qs_flag *f)
{
    int overridden = 0, local = f->local_default, sourced = 0;
    for (size_t k = 0; k < f->ncutoffs; k++) {
        const qs_cutoff *c = &I->cutoffs[f->cutoffs[k]];
        overridden |= c->overridden;
        local |= c->local_default;
        sourced |= c->source != NULL && !c->local_default;
    }
    return overridden ? "clinic setting" : local ? "clinic default" : sourced ? "published" : NULL;
}

size_t qs_rep__flag_values(char *buf, size_t size, const qs_instrument *I, const qs_flag *f,
                           const double *value, const double *t)
{
    size_t len = 0;
    if (!size)
        return 0;
    buf[0] = '\0';
    struct cmp c[8];
    size_t nc = parse_rule(f->rule_text ? f->rule_text : "", c, 8);
    const char *origin = cutoff_origin(I, f);
    for (size_t i = 0; i < nc; i++) {
        int s = qs_instrument_score_index(I, c[i].id);
        if (s < 0)
            continue;
        const qs_score_def *sd = &I->scores[s];
        /* The value the rule compared, from what the store keeps (value and T): z is (T - 50)
         * / 10 by the definition of T; a percentile is not kept, so it is not shown. */
        double tv = t ? t[s] : NAN, v;
        int digits, cdig;
        const char *what;
        switch (c[i].field) {
        case QS_FIELD_T:
            v = tv;
            digits = cdig = 0;
            what = " T score";
            break;
        case QS_FIELD_Z:
            v = (tv - 50.0) / 10.0;
            digits = cdig = 2;
            what = " z score";
            break;
        case QS_FIELD_PERCENTILE:
            v = NAN;
            digits = 0;
            cdig = c[i].number == floor(c[i].number) ? 0 : 1;
            what = " percentile";
            break;
        default:
            v = value ? value[s] : NAN;
            digits = qs_rep__digits(sd, v);
            cdig = sd->method == QS_METHOD_MEAN ? 2 : qs_rep__digits(sd, c[i].number);
            what = "";
            break;
        }
        add(buf, size, &len, "%s%s%s ", len ? "; " : "", sd->name ? sd->name : sd->id, what);
        /* A value that rounds to its cutoff but is not it gets the digits that tell them
         * apart (2.496 against < 2.50 reads 2.496, never 2.50). */
        int dv = digits > cdig ? digits : cdig;
        for (char a[64], b[64]; !isnan(v) && v != c[i].number && dv < 6; dv++) {
            snprintf(a, sizeof(a), "%.*f", dv, v);
            snprintf(b, sizeof(b), "%.*f", dv, c[i].number);
            if (strcmp(a, b) != 0)
                break;
        }
        if (dv > (digits > cdig ? digits : cdig))
            digits = dv;
        if (isnan(v))
            add(buf, size, &len, "not available");
        else
            add(buf, size, &len, "%.*f", digits, v);
        add(buf, size, &len, " (cutoff %s %.*f%s%s)", op_words(c[i].op), cdig, c[i].number,
            origin ? ", " : "", origin ? origin : "");
    }
    return len;
}

int qs_rep__validity_flag(const char *id)
{
    return id && (strcmp(id, "careless") == 0 || strcmp(id, "invalid") == 0);
}

long qs_rep__iso_days(const char *iso)
{
    if (!iso || strlen(iso) < 10 || iso[4] != '-' || iso[7] != '-')
        return LONG_MIN;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)iso[i]))
            return LONG_MIN;
    long y = strtol(iso, NULL, 10), m = strtol(iso + 5, NULL, 10), d = strtol(iso + 8, NULL, 10);
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap))
        return LONG_MIN; /* "2026-02-30" is no date (qs_civil__days would make it 2 Mar) */
    return qs_civil__days(y, m, d);
}

size_t qs_rep__date_words(char *buf, size_t size, const char *iso)
{
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (!size)
        return 0;
    buf[0] = '\0';
    if (qs_rep__iso_days(iso) == LONG_MIN)
        return 0;
    long y = strtol(iso, NULL, 10), m = strtol(iso + 5, NULL, 10), d = strtol(iso + 8, NULL, 10);
    int n = snprintf(buf, size, "%ld %s %04ld", d, mon[m - 1], y);
    return n <= 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1; /* the length written */
}
