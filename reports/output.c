/* output.c - write scored administrations as long CSV or JSON Lines (docs/score.md); the wide
 * CSV is output_wide.c's. */
#include "qscore/output.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "output_internal.h"
#include "text.h"

/*
 * Output is assembled in one buffer and handed to fwrite in large blocks: a score row is about
 * twenty small fields, and stdio per field would dominate a million-row run. Numbers use the
 * shortest round-trip text, so a reader gets back exactly the double we computed.
 */

#define OUT_BUF (256 * 1024)

struct sbuf {
    char *data;
    size_t len, cap;
};

struct qs_out {
    struct sbuf head, tail;
    FILE *fp;
    qs_out_format format;
    const qs_instrument *inst;
    const char *norm_id;
    char *buf;
    size_t used;
    int failed;
    unsigned long flags_raised;
    qs_wide *wide; /* QS_OUT_WIDE: every call goes to output_wide.c */
};

static void flush(qs_out *o)
{
    if (o->used && fwrite(o->buf, 1, o->used, o->fp) != o->used)
        o->failed = 1;
    o->used = 0;
}

static void put(qs_out *o, const char *s, size_t n)
{
    if (o->used + n > OUT_BUF) {
        flush(o);
        if (n > OUT_BUF) {
            if (fwrite(s, 1, n, o->fp) != n)
                o->failed = 1;
            return;
        }
    }
    memcpy(o->buf + o->used, s, n);
    o->used += n;
}

static void puts_(qs_out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void putc_(qs_out *o, char c)
{
    if (o->used + 1 > OUT_BUF)
        flush(o);
    o->buf[o->used++] = c;
}

/* A CSV field: quoted when it holds a comma, quote, CR or LF. NULL writes nothing. */
static void csv_field(qs_out *o, const char *s)
{
    if (!s)
        return;
    size_t n = strlen(s);
    if (strcspn(s, ",\"\r\n") == n) {
        put(o, s, n);
        return;
    }
    putc_(o, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            putc_(o, '"');
        putc_(o, s[i]);
    }
    putc_(o, '"');
}

static void num(qs_out *o, double v)
{
    char b[64];
    size_t n = qs_format_double(b, sizeof(b), v);
    put(o, b, n);
}

/* Decimal digits of v at dst (no NUL); returns the length. */
static size_t utoa(char *dst, unsigned long v)
{
    char b[24];
    int n = 24;
    do {
        b[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    memcpy(dst, b + n, (size_t)(24 - n));
    return (size_t)(24 - n);
}

static void unum(qs_out *o, unsigned long v)
{
    char b[24];
    put(o, b, utoa(b, v));
}

static void json_string(qs_out *o, const char *s)
{
    if (!s || !*s) { /* an empty text field is null, like an unmapped one */
        puts_(o, "null");
        return;
    }
    putc_(o, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            putc_(o, '\\');
            putc_(o, (char)*p);
        } else if (*p < 0x20) {
            char b[8];
            snprintf(b, sizeof(b), "\\u%04x", *p);
            puts_(o, b);
        } else {
            putc_(o, (char)*p);
        }
    }
    putc_(o, '"');
}

static void json_num(qs_out *o, double v)
{
    if (isnan(v))
        puts_(o, "null");
    else
        num(o, v);
}

qs_error qs_out_new(qs_out **out, FILE *fp, qs_out_format format, const qs_instrument *inst,
                    const char *norm_id)
{
    *out = NULL;
    qs_out *o = calloc(1, sizeof(*o));
    if (!o)
        return QS_ENOMEM;
    if (format == QS_OUT_WIDE) {
        o->format = format;
        qs_error rc = qs_wide__new(&o->wide, fp, inst, norm_id);
        if (rc) {
            free(o);
            return rc;
        }
        *out = o;
        return QS_OK;
    }
    o->buf = calloc(1, OUT_BUF); /* calloc: also quiets a -O3 false "maybe uninitialized" */
    if (!o->buf) {
        free(o);
        return QS_ENOMEM;
    }
    o->fp = fp;
    o->format = format;
    o->inst = inst;
    o->norm_id = norm_id;
    if (format == QS_OUT_CSV)
        puts_(o, "response_id,client_id,instrument,score,value,n_answered,n_items,z,t,percentile,"
                 "status,kind,severity,detail,because,norm,group,therapist,administered,source,"
                 "line,missing_fraction,longstring,irv,attention_failed\n");
    *out = o;
    return QS_OK;
}

/* A growable byte string for the parts of a row shared by all rows of one administration. */
static int sb_put(struct sbuf *b, const char *s, size_t n)
{
    if (b->len + n > b->cap) { /* not when n is 0: a NULL data would read as out of memory */
        char *p = qs_grow__array(b->data, &b->cap, b->len + n, 1, 256);
        if (!p)
            return -1;
        b->data = p;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    return 0;
}

static int sb_field(struct sbuf *b, const char *s)
{
    if (!s)
        return 0;
    size_t n = strlen(s);
    if (strcspn(s, ",\"\r\n") == n)
        return sb_put(b, s, n);
    int bad = sb_put(b, "\"", 1);
    for (const char *q = s; *q; q++) {
        if (*q == '"')
            bad |= sb_put(b, "\"", 1);
        bad |= sb_put(b, q, 1);
    }
    return bad | sb_put(b, "\"", 1);
}

/* Text from the input (ids, group, therapist, the file name): as sb_field, with a leading
 * apostrophe when a spreadsheet would run it as a formula (docs/score.md "Spreadsheet safety").
 * Numbers qscore computes never pass through here: they stay plain, negative ones included. */
static int sb_text(struct sbuf *b, const char *s)
{
    if (!s)
        return 0;
    int quote = strcspn(s, ",\"\r\n") != strlen(s);
    int bad = quote ? sb_put(b, "\"", 1) : 0;
    if (qs_text__formula_like(s))
        bad |= sb_put(b, "'", 1);
    if (!quote)
        return bad | sb_put(b, s, strlen(s));
    for (const char *q = s; *q; q++) {
        if (*q == '"')
            bad |= sb_put(b, "\"", 1);
        bad |= sb_put(b, q, 1);
    }
    return bad | sb_put(b, "\"", 1);
}

/* Serialise the shared parts once per administration: "response_id,client_id,instrument,"
 * and ",norm,group,therapist,administered,source,line,missing_fraction,longstring,irv,
 * attention_failed\n". */
static int prepare_shared(qs_out *o, const qs_admin *adm, const qs_result *res, const char *source)
{
    const qs_validity_value *v = &res->validity;
    char line[160];
    size_t n = 0;
    /* ",line,missing_fraction,longstring,irv,attention_failed\n" without printf: it is on the
     * per-administration path. */
    line[n++] = ',';
    n += utoa(line + n, adm->line);
    line[n++] = ',';
    n += qs_format_double(line + n, 40, v->missing_fraction);
    line[n++] = ',';
    n += utoa(line + n, (unsigned long)v->longstring);
    line[n++] = ',';
    n += qs_format_double(line + n, 40, v->irv);
    line[n++] = ',';
    if (v->attention_failed >= 0)
        n += utoa(line + n, (unsigned long)v->attention_failed);
    line[n++] = '\n';
    o->head.len = o->tail.len = 0;
    int bad = sb_text(&o->head, adm->response_id) | sb_put(&o->head, ",", 1) |
              sb_text(&o->head, adm->client_id) | sb_put(&o->head, ",", 1) |
              sb_field(&o->head, o->inst->id) | sb_put(&o->head, ",", 1);
    bad |= sb_put(&o->tail, ",", 1) | sb_field(&o->tail, o->norm_id) | sb_put(&o->tail, ",", 1) |
           sb_text(&o->tail, adm->group) | sb_put(&o->tail, ",", 1) |
           sb_text(&o->tail, adm->therapist) | sb_put(&o->tail, ",", 1) |
           sb_field(&o->tail, adm->administered) | sb_put(&o->tail, ",", 1) |
           sb_text(&o->tail, source) | sb_put(&o->tail, line, n);
    return bad;
}

/* The part of a CSV row after `status`: kind..because, then the shared tail. */
static void csv_tail(qs_out *o, const char *kind, const char *severity, const char *detail,
                     const char *because)
{
    putc_(o, ',');
    puts_(o, kind);
    putc_(o, ',');
    csv_field(o, severity);
    putc_(o, ',');
    csv_field(o, detail);
    putc_(o, ',');
    csv_field(o, because);
    put(o, o->tail.data, o->tail.len);
}

static void csv_head(qs_out *o, const char *score)
{
    put(o, o->head.data, o->head.len);
    csv_field(o, score);
    putc_(o, ',');
}

static void write_csv(qs_out *o, const qs_admin *adm, const qs_result *res, const char *source)
{
    const qs_instrument *inst = o->inst;
    char detail[512];
    if (prepare_shared(o, adm, res, source)) {
        o->failed = 1;
        return;
    }
    for (size_t i = 0; i < inst->nscores; i++) {
        const qs_score_value *sv = &res->scores[i];
        csv_head(o, inst->scores[i].id);
        num(o, sv->value);
        putc_(o, ',');
        unum(o, sv->n_answered);
        putc_(o, ',');
        unum(o, sv->n_items);
        putc_(o, ',');
        num(o, sv->z);
        putc_(o, ',');
        num(o, sv->t);
        putc_(o, ',');
        num(o, sv->percentile);
        putc_(o, ',');
        puts_(o, qs_status_name(sv->status));
        csv_tail(o, "score", NULL, NULL, NULL);
    }
    const qs_validity_value *v = &res->validity;
    for (size_t f = 0; f < inst->nflags; f++) {
        if (res->flags[f] == QS_TRI_FALSE)
            continue;
        const qs_flag *fl = &inst->flags[f];
        qs_flag_detail(inst, f, res, detail, sizeof(detail));
        csv_head(o, fl->id);
        puts_(o, ",,,,,,");
        puts_(o, res->flags[f] == QS_TRI_TRUE ? "raised" : "not_evaluable");
        csv_tail(o, "flag", qs_severity_name(fl->severity), detail, fl->because);
        o->flags_raised += res->flags[f] == QS_TRI_TRUE;
    }
    for (int which = 0; which < 2; which++) {
        qs_tri t = which == 0 ? v->careless : v->invalid;
        if (t == QS_TRI_FALSE)
            continue;
        const char *because;
        qs_validity_flag_text(which, NULL, NULL, &because);
        qs_flag_detail(inst, inst->nflags + (size_t)which, res, detail, sizeof(detail));
        csv_head(o, which == 0 ? "careless" : "invalid");
        puts_(o, ",,,,,,");
        puts_(o, t == QS_TRI_TRUE ? "raised" : "not_evaluable");
        csv_tail(o, "flag", "medium", detail, because);
        o->flags_raised += t == QS_TRI_TRUE;
    }
}

/* "scores":{...}: each score's value, counts, norm-based values and status. */
static void json_scores(qs_out *o, const qs_result *res)
{
    const qs_instrument *inst = o->inst;
    puts_(o, ",\"scores\":{");
    for (size_t i = 0; i < inst->nscores; i++) {
        const qs_score_value *sv = &res->scores[i];
        if (i)
            putc_(o, ',');
        json_string(o, inst->scores[i].id);
        puts_(o, ":{\"value\":");
        json_num(o, sv->value);
        puts_(o, ",\"n_answered\":");
        unum(o, sv->n_answered);
        puts_(o, ",\"n_items\":");
        unum(o, sv->n_items);
        puts_(o, ",\"z\":");
        json_num(o, sv->z);
        puts_(o, ",\"t\":");
        json_num(o, sv->t);
        puts_(o, ",\"percentile\":");
        json_num(o, sv->percentile);
        puts_(o, ",\"status\":");
        json_string(o, qs_status_name(sv->status));
        putc_(o, '}');
    }
    putc_(o, '}');
}

/* One raised or not-evaluable flag of the instrument, with the values its rule saw. */
static void json_flag(qs_out *o, const qs_result *res, size_t f)
{
    const qs_instrument *inst = o->inst;
    const qs_flag *fl = &inst->flags[f];
    puts_(o, "{\"id\":");
    json_string(o, fl->id);
    puts_(o, ",\"label\":");
    json_string(o, fl->label);
    puts_(o, ",\"severity\":");
    json_string(o, qs_severity_name(fl->severity));
    puts_(o, ",\"status\":");
    json_string(o, res->flags[f] == QS_TRI_TRUE ? "raised" : "not_evaluable");
    puts_(o, ",\"rule\":");
    json_string(o, fl->rule_text);
    puts_(o, ",\"values\":{");
    for (size_t i = 0; i < qs_expr_ref_count(fl->rule); i++) {
        int score;
        qs_field field;
        char key[128];
        qs_expr_ref(fl->rule, i, &score, &field);
        snprintf(key, sizeof(key), "%s%s%s", inst->scores[score].id,
                 field == QS_FIELD_VALUE ? "" : ".",
                 field == QS_FIELD_VALUE ? "" : qs_field_name(field));
        if (i)
            putc_(o, ',');
        json_string(o, key);
        putc_(o, ':');
        json_num(o, res->values[(size_t)score * QS_FIELD_COUNT + field]);
    }
    puts_(o, "},\"because\":");
    json_string(o, fl->because);
    putc_(o, '}');
}

/* The careless (which 0) or invalid (1) validity flag, in the form of the instrument's. */
static void json_validity_flag(qs_out *o, const qs_validity_value *v, int which, qs_tri t)
{
    char rule[512];
    qs_validity_cond conds[2];
    size_t nc = qs_validity_conds(conds, o->inst, v, which == 0);
    qs_validity_rule_text(conds, nc, rule, sizeof(rule));
    puts_(o, "{\"id\":");
    json_string(o, which == 0 ? "careless" : "invalid");
    puts_(o, ",\"label\":");
    const char *label, *because;
    qs_validity_flag_text(which, NULL, &label, &because);
    json_string(o, label);
    puts_(o, ",\"severity\":\"medium\",\"status\":");
    json_string(o, t == QS_TRI_TRUE ? "raised" : "not_evaluable");
    puts_(o, ",\"rule\":");
    json_string(o, rule);
    puts_(o, ",\"values\":{");
    for (size_t i = 0; i < nc; i++) {
        if (i)
            putc_(o, ',');
        json_string(o, conds[i].index);
        putc_(o, ':');
        json_num(o, conds[i].value);
    }
    puts_(o, "},\"because\":");
    json_string(o, because);
    putc_(o, '}');
}

static void write_json(qs_out *o, const qs_admin *adm, const qs_result *res, const char *source)
{
    const qs_instrument *inst = o->inst;
    const qs_validity_value *v = &res->validity;
    puts_(o, "{\"response_id\":");
    json_string(o, adm->response_id);
    puts_(o, ",\"client_id\":");
    json_string(o, adm->client_id);
    puts_(o, ",\"instrument\":");
    json_string(o, inst->id);
    puts_(o, ",\"source\":");
    json_string(o, source);
    puts_(o, ",\"line\":");
    unum(o, adm->line);
    puts_(o, ",\"group\":");
    json_string(o, adm->group);
    puts_(o, ",\"therapist\":");
    json_string(o, adm->therapist);
    puts_(o, ",\"administered\":");
    json_string(o, adm->administered);
    puts_(o, ",\"norm\":");
    json_string(o, o->norm_id);
    json_scores(o, res);
    puts_(o, ",\"validity\":{\"missing_fraction\":");
    json_num(o, v->missing_fraction);
    puts_(o, ",\"longstring\":");
    json_num(o, (double)v->longstring);
    puts_(o, ",\"irv\":");
    json_num(o, v->irv);
    puts_(o, ",\"attention_failed\":");
    json_num(o, v->attention_failed < 0 ? NAN : (double)v->attention_failed);
    puts_(o, "},\"flags\":[");
    int first = 1;
    for (size_t f = 0; f < inst->nflags; f++) {
        if (res->flags[f] == QS_TRI_FALSE)
            continue;
        if (!first)
            putc_(o, ',');
        first = 0;
        json_flag(o, res, f);
        o->flags_raised += res->flags[f] == QS_TRI_TRUE;
    }
    for (int which = 0; which < 2; which++) {
        qs_tri t = which == 0 ? v->careless : v->invalid;
        if (t == QS_TRI_FALSE)
            continue;
        if (!first)
            putc_(o, ',');
        first = 0;
        json_validity_flag(o, v, which, t);
        o->flags_raised += t == QS_TRI_TRUE;
    }
    puts_(o, "]}\n");
}

qs_error qs_out_write(qs_out *o, const qs_admin *adm, const qs_result *res, const char *source)
{
    if (o->wide)
        return qs_wide__write(o->wide, adm, res);
    if (o->format == QS_OUT_CSV)
        write_csv(o, adm, res, source);
    else
        write_json(o, adm, res, source);
    return o->failed ? QS_EIO : QS_OK;
}

unsigned long qs_out_flags_raised(const qs_out *o)
{
    return o->wide ? qs_wide__flags_raised(o->wide) : o->flags_raised;
}

qs_error qs_out_finish(qs_out *o)
{
    if (o->wide)
        return qs_wide__finish(o->wide);
    flush(o);
    if (fflush(o->fp) != 0 || ferror(o->fp))
        o->failed = 1;
    return o->failed ? QS_EIO : QS_OK;
}

void qs_out_free(qs_out *o)
{
    if (!o)
        return;
    qs_wide__free(o->wide);
    free(o->buf);
    free(o->head.data);
    free(o->tail.data);
    free(o);
}
