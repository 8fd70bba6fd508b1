/* output_wide.c - write scored administrations as wide CSV, one row each (docs/score.md). */
#include "output_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qscore/format.h"
#include "qscore/output.h"
#include "text.h"

/*
 * Design. The wide file is for reading into R (read.csv), pandas (read_csv) and DuckDB
 * (read_csv) with no options, so every column keeps one type over the whole file whatever its
 * first rows hold:
 *
 * - Values the scorer computes as doubles (scores, z, T, percentiles, missing_fraction, irv)
 *   are the long format's text (qs_format_double: the shortest that reads back as the same
 *   double) with ".0" added to a whole number ("5.0", as Python's repr), empty when missing.
 *   Why: DuckDB types a column from a sample of rows (20,480); a sample of whole numbers makes
 *   it BIGINT, and DuckDB 1.5 then rounds a later "4.5" to 5 without a word. With the point,
 *   any value in the sample makes the column DOUBLE. `longstring` is a count: always a whole
 *   number, never missing.
 * - Status and validity columns are words, never empty, so every reader sees text.
 * - A field holding ',', '"', ';', CR or LF is quoted (RFC 4180): ';' too, so `flags`
 *   ("a;b") never looks like a row of a ';'-separated file to a sniffer or a spreadsheet.
 * - Text from the input gets the long format's formula guard (docs/score.md "Spreadsheet
 *   safety").
 *
 * Score columns come in the definition file's order (qs_score_def.position); the instrument's
 * arrays are in evaluation order. The writer has its own buffer (as output.c's long writer):
 * a row is a few dozen small fields, and stdio per field would dominate a large run.
 */

#define WIDE_BUF (256 * 1024)
#define NUM_MAX  48 /* room for one number: qs_format_double needs 32, plus ".0" */

struct qs_wide {
    FILE *fp;
    const qs_instrument *inst;
    int normed;
    size_t *order;    /* score indices in definition order */
    size_t *flag_len; /* strlen of each flag id */
    size_t inst_len;
    const char *status[3];
    size_t status_len[3];
    char *buf;
    size_t used;
    int failed;
    unsigned long flags_raised;
};

static void flush(qs_wide *w)
{
    if (w->used && fwrite(w->buf, 1, w->used, w->fp) != w->used)
        w->failed = 1;
    w->used = 0;
}

static void put(qs_wide *w, const char *s, size_t n)
{
    if (w->used + n > WIDE_BUF) {
        flush(w);
        if (n > WIDE_BUF) {
            if (fwrite(s, 1, n, w->fp) != n)
                w->failed = 1;
            return;
        }
    }
    memcpy(w->buf + w->used, s, n);
    w->used += n;
}

static void putc_(qs_wide *w, char c)
{
    if (w->used + 1 > WIDE_BUF)
        flush(w);
    w->buf[w->used++] = c;
}

/* A text field: quoted when it holds ',', '"', ';', CR or LF; with `guard`, a leading
 * apostrophe when a spreadsheet would run it as a formula. NULL writes nothing. */
static void text(qs_wide *w, const char *s, int guard)
{
    if (!s)
        return;
    size_t n = strlen(s);
    int quote = strcspn(s, ",\";\r\n") != n;
    if (quote)
        putc_(w, '"');
    if (guard && qs_text__formula_like(s))
        putc_(w, '\'');
    if (!quote) {
        put(w, s, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            putc_(w, '"');
        putc_(w, s[i]);
    }
    putc_(w, '"');
}

/* A double: qs_format_double's text, ".0" added to a whole number; nothing for NaN. */
static void num(qs_wide *w, double v)
{
    if (isnan(v))
        return;
    if (w->used + NUM_MAX > WIDE_BUF)
        flush(w);
    char *p = w->buf + w->used;
    size_t n = qs_format_double(p, NUM_MAX, v);
    size_t k = 0;
    while (k < n && ((p[k] >= '0' && p[k] <= '9') || p[k] == '-'))
        k++;
    if (n && k == n) { /* only digits and a sign: "5", "-12" (not "1e+16", "2.5", "inf") */
        p[n++] = '.';
        p[n++] = '0';
    }
    w->used += n;
}

static void count(qs_wide *w, unsigned long v)
{
    char b[24];
    int n = 24;
    do {
        b[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(w, b + n, (size_t)(24 - n));
}

/* The column names, in order: the fixed ones around the score columns. */
static const char *const head_cols[] = {"response_id",  "client_id", "instrument",
                                        "administered", "group",     "therapist"};
static const char *const tail_cols[] = {"flags", "validity", "missing_fraction", "longstring",
                                        "irv"};
/* Per score: the suffix of its columns and what each holds (for messages). */
static const char *const score_suffix[] = {"", "_status", "_z", "_t", "_percentile"};
static const char *const score_what[] = {"score", "the status of score", "the z of score",
                                         "the T score of score", "the percentile of score"};
#define NHEAD  (sizeof(head_cols) / sizeof(head_cols[0]))
#define NTAIL  (sizeof(tail_cols) / sizeof(tail_cols[0]))
#define NPLAIN 2 /* <score>, <score>_status */
#define NNORM  5 /* ... and _z, _t, _percentile */

/* The score indices of `inst` in definition order (malloc'd), or NULL when out of memory. */
static size_t *definition_order(const qs_instrument *inst)
{
    size_t *order = malloc((inst->nscores ? inst->nscores : 1) * sizeof(*order));
    if (!order)
        return NULL;
    /* Insertion sort by position, ties (instruments built without a file) in evaluation order:
     * a few dozen scores at most, once per run. */
    for (size_t i = 0; i < inst->nscores; i++) {
        size_t j = i;
        while (j > 0 && inst->scores[order[j - 1]].position > inst->scores[i].position) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    return order;
}

struct colname {
    char name[96];
    const char *what; /* "score", "the status of score", ..., or NULL: a fixed column */
    const qs_score_def *score;
};

static int same_ignoring_case(const char *a, const char *b)
{
    for (;; a++, b++) {
        char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a - 'A' + 'a') : *a;
        char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b - 'A' + 'a') : *b;
        if (x != y)
            return 0;
        if (!x)
            return 1;
    }
}

static void describe(char *buf, size_t size, const struct colname *c)
{
    if (c->what)
        snprintf(buf, size, "%s '%s'", c->what, c->score->id);
    else
        snprintf(buf, size, "the column '%s'", c->name);
}

qs_error qs_out_wide_check(const qs_instrument *inst, int normed, qs_diag *diag)
{
    size_t per = normed ? NNORM : NPLAIN;
    size_t n = NHEAD + NTAIL + inst->nscores * per, k = 0;
    size_t *order = definition_order(inst);
    struct colname *cols = calloc(n, sizeof(*cols));
    qs_error rc = QS_OK;
    if (!order || !cols) {
        rc = QS_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < NHEAD; i++)
        snprintf(cols[k++].name, sizeof(cols[0].name), "%s", head_cols[i]);
    for (size_t i = 0; i < inst->nscores; i++) {
        const qs_score_def *s = &inst->scores[order[i]];
        for (size_t c = 0; c < per; c++, k++) {
            snprintf(cols[k].name, sizeof(cols[k].name), "%s%s", s->id, score_suffix[c]);
            cols[k].what = score_what[c];
            cols[k].score = s;
        }
    }
    for (size_t i = 0; i < NTAIL; i++)
        snprintf(cols[k++].name, sizeof(cols[0].name), "%s", tail_cols[i]);
    for (size_t j = 1; j < n && !rc; j++) {
        for (size_t i = 0; i < j && !rc; i++) {
            if (!same_ignoring_case(cols[i].name, cols[j].name))
                continue;
            /* Point at the score whose id is to change: the later one in the file. */
            const qs_score_def *s = cols[j].score;
            if (!s || (cols[i].score && cols[i].score->position > s->position))
                s = cols[i].score;
            char a[128], b[128], path[32];
            describe(a, sizeof(a), &cols[i]);
            describe(b, sizeof(b), &cols[j]);
            snprintf(path, sizeof(path), "scores[%zu].id", s->position);
            if (diag)
                qs_diag_set(diag, inst->path, 0, 0, path,
                            "the wide format cannot write '%s': %s and %s would both be column "
                            "'%s' (column names must differ, also ignoring case)",
                            inst->id, a, b, cols[j].name);
            rc = QS_EINVALID;
        }
    }
done:
    free(order);
    free(cols);
    return rc;
}

static void header(qs_wide *w)
{
    const qs_instrument *inst = w->inst;
    size_t per = w->normed ? NNORM : NPLAIN;
    for (size_t i = 0; i < NHEAD; i++) {
        if (i)
            putc_(w, ',');
        put(w, head_cols[i], strlen(head_cols[i]));
    }
    for (size_t i = 0; i < inst->nscores; i++) {
        const char *id = inst->scores[w->order[i]].id;
        for (size_t c = 0; c < per; c++) {
            putc_(w, ',');
            put(w, id, strlen(id));
            put(w, score_suffix[c], strlen(score_suffix[c]));
        }
    }
    for (size_t i = 0; i < NTAIL; i++) {
        putc_(w, ',');
        put(w, tail_cols[i], strlen(tail_cols[i]));
    }
    putc_(w, '\n');
}

qs_error qs_wide__new(qs_wide **out, FILE *fp, const qs_instrument *inst, const char *norm_id)
{
    *out = NULL;
    qs_error rc = qs_out_wide_check(inst, norm_id != NULL, NULL);
    if (rc)
        return rc;
    qs_wide *w = calloc(1, sizeof(*w));
    if (!w)
        return QS_ENOMEM;
    w->fp = fp;
    w->inst = inst;
    w->normed = norm_id != NULL;
    w->order = definition_order(inst);
    w->flag_len = calloc(inst->nflags ? inst->nflags : 1, sizeof(*w->flag_len));
    w->buf = malloc(WIDE_BUF);
    if (!w->order || !w->flag_len || !w->buf) {
        qs_wide__free(w);
        return QS_ENOMEM;
    }
    for (size_t f = 0; f < inst->nflags; f++)
        w->flag_len[f] = strlen(inst->flags[f].id);
    w->inst_len = strlen(inst->id);
    for (int s = 0; s < 3; s++) {
        w->status[s] = qs_status_name((qs_status)s);
        w->status_len[s] = strlen(w->status[s]);
    }
    header(w);
    *out = w;
    return QS_OK;
}

/* `flags`: the ids of the instrument's raised flags in file order, ';'-separated (quoted when
 * there are two or more); nothing when none is raised. */
static void flags(qs_wide *w, const qs_result *res)
{
    const qs_instrument *inst = w->inst;
    size_t raised = 0;
    for (size_t f = 0; f < inst->nflags; f++)
        raised += res->flags[f] == QS_TRI_TRUE;
    w->flags_raised += raised;
    if (raised > 1)
        putc_(w, '"');
    for (size_t f = 0, k = 0; f < inst->nflags; f++) {
        if (res->flags[f] != QS_TRI_TRUE)
            continue;
        if (k++)
            putc_(w, ';');
        put(w, inst->flags[f].id, w->flag_len[f]);
    }
    if (raised > 1)
        putc_(w, '"');
}

/* `validity`: the raised validity flags ("careless", "invalid", "careless;invalid"); else
 * "not_evaluable" when one could not be evaluated (irv needs two answers), else "ok". */
static void validity(qs_wide *w, const qs_validity_value *v)
{
#define WORD(s)                                                                                    \
    {                                                                                              \
        s, sizeof(s) - 1                                                                           \
    }
    static const struct {
        const char *s;
        size_t n;
    } words[] = {WORD("ok"), WORD("not_evaluable"), WORD("careless"), WORD("invalid"),
                 WORD("\"careless;invalid\"")};
#undef WORD
    int careless = v->careless == QS_TRI_TRUE, invalid = v->invalid == QS_TRI_TRUE;
    int unknown = v->careless == QS_TRI_UNKNOWN || v->invalid == QS_TRI_UNKNOWN;
    w->flags_raised += (unsigned long)(careless + invalid);
    size_t k = careless && invalid ? 4 : careless ? 2 : invalid ? 3 : unknown ? 1 : 0;
    put(w, words[k].s, words[k].n);
}

qs_error qs_wide__write(qs_wide *w, const qs_admin *adm, const qs_result *res)
{
    const qs_instrument *inst = w->inst;
    const qs_validity_value *v = &res->validity;
    text(w, adm->response_id, 1);
    putc_(w, ',');
    text(w, adm->client_id, 1);
    putc_(w, ',');
    put(w, inst->id, w->inst_len); /* [a-z0-9][a-z0-9._-]*: never quoted */
    putc_(w, ',');
    text(w, adm->administered, 0); /* ISO 8601, written by qscore */
    putc_(w, ',');
    text(w, adm->group, 1);
    putc_(w, ',');
    text(w, adm->therapist, 1);
    for (size_t i = 0; i < inst->nscores; i++) {
        const qs_score_value *sv = &res->scores[w->order[i]];
        putc_(w, ',');
        num(w, sv->value);
        putc_(w, ',');
        put(w, w->status[sv->status], w->status_len[sv->status]);
        if (w->normed) {
            putc_(w, ',');
            num(w, sv->z);
            putc_(w, ',');
            num(w, sv->t);
            putc_(w, ',');
            num(w, sv->percentile);
        }
    }
    putc_(w, ',');
    flags(w, res);
    putc_(w, ',');
    validity(w, v);
    putc_(w, ',');
    num(w, v->missing_fraction);
    putc_(w, ',');
    count(w, (unsigned long)v->longstring);
    putc_(w, ',');
    num(w, v->irv);
    putc_(w, '\n');
    return w->failed ? QS_EIO : QS_OK;
}

unsigned long qs_wide__flags_raised(const qs_wide *w)
{
    return w->flags_raised;
}

qs_error qs_wide__finish(qs_wide *w)
{
    flush(w);
    if (fflush(w->fp) != 0 || ferror(w->fp))
        w->failed = 1;
    return w->failed ? QS_EIO : QS_OK;
}

void qs_wide__free(qs_wide *w)
{
    if (!w)
        return;
    free(w->order);
    free(w->flag_len);
    free(w->buf);
    free(w);
}
