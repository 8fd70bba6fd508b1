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
 *
 * What is the same on every row is escaped once, in qs_out_new, into `consts`: each score's
 * cell ("ER,"), each flag's cells, severity and quoted `because` sentence (about 250 bytes that
 * a flag row would otherwise scan and quote character by character), the instrument and norm
 * cells, the JSON keys and a flag's fixed members. The parts of an administration shared by all
 * its CSV rows (ids, group, therapist, source, the validity indices) are serialised once per
 * administration (prepare_shared). A row is then memcpy of ready bytes plus its numbers,
 * formatted straight into the buffer.
 */

#define OUT_BUF  (256 * 1024)
#define NUM_ROOM 32 /* qs_format_double's room: the longest number is 24 bytes */

struct sbuf {
    char *data;
    size_t len, cap;
};

/* A piece of `consts`: offset and length (offsets, as consts moves while it grows). */
struct frag {
    size_t off, len;
};

/* The fixed text of one flag: the instrument's (k < nflags), then careless and invalid. */
struct flag_text {
    struct frag csv_cell;    /* "id,,,,,,," : score column, then the six empty numbers */
    struct frag csv_mid;     /* ",flag,severity," */
    struct frag csv_because; /* ",because" (quoted as needed) */
    struct frag json_head;   /* {"id":..,"label":..,"severity":..,"status": */
    struct frag json_rule;   /* ,"rule":..,"values":{ */
    struct frag json_tail;   /* },"because":..} */
    size_t key0, nkeys;      /* json_keys[key0 ..]: ("," when not first) "FO": */
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

    struct sbuf consts;
    struct frag inst_cell;  /* CSV "instrument," */
    struct frag norm_cell;  /* CSV ",norm," */
    struct frag *score_csv; /* "id," per score */
    struct frag *score_key; /* JSON (","){"id":{"value": per score */
    struct flag_text *flag; /* nflags + 2 */
    struct frag *json_keys;
    size_t nkeys, keys_cap;
    /* the source file's CSV cell, kept while the same file is written */
    struct sbuf source_cell;
    char *source;
};

static void flush(qs_out *o)
{
    if (o->used && fwrite(o->buf, 1, o->used, o->fp) != o->used)
        o->failed = 1;
    o->used = 0;
}

static void put_slow(qs_out *o, const char *s, size_t n)
{
    flush(o);
    if (n > OUT_BUF) {
        if (fwrite(s, 1, n, o->fp) != n)
            o->failed = 1;
        return;
    }
    memcpy(o->buf, s, n);
    o->used = n;
}

static inline void put(qs_out *o, const char *s, size_t n)
{
    if (n > OUT_BUF - o->used) {
        put_slow(o, s, n);
        return;
    }
    memcpy(o->buf + o->used, s, n);
    o->used += n;
}

/* A string literal, its length known at compile time. */
#define PUT_LIT(o, lit) put((o), (lit), sizeof(lit) - 1)

static inline void putc_(qs_out *o, char c)
{
    if (o->used == OUT_BUF)
        flush(o);
    o->buf[o->used++] = c;
}

static inline void put_frag(qs_out *o, struct frag f)
{
    put(o, o->consts.data + f.off, f.len);
}

/* Room for n <= OUT_BUF bytes at the end of the buffer. */
static inline char *room(qs_out *o, size_t n)
{
    if (n > OUT_BUF - o->used)
        flush(o);
    return o->buf + o->used;
}

static int needs_quotes(const char *s, size_t n)
{
    return strcspn(s, ",\"\r\n") != n;
}

/* A CSV field: quoted when it holds a comma, quote, CR or LF. */
static void csv_field_n(qs_out *o, const char *s, size_t n)
{
    if (!needs_quotes(s, n)) {
        put(o, s, n);
        return;
    }
    putc_(o, '"');
    const char *q = memchr(s, '"', n);
    while (q) { /* up to and with a quote, then the quote again */
        size_t k = (size_t)(q + 1 - s);
        put(o, s, k);
        putc_(o, '"');
        s += k;
        n -= k;
        q = memchr(s, '"', n);
    }
    put(o, s, n);
    putc_(o, '"');
}

static void num(qs_out *o, double v)
{
    char *p = room(o, NUM_ROOM); /* apart: room() may flush, which resets o->used */
    o->used += qs_format_double(p, NUM_ROOM, v);
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
    char *p = room(o, 24);
    o->used += utoa(p, v);
}

/* The JSON text of s: runs without a quote, backslash or control character are copied whole. */
static void json_string(qs_out *o, const char *s)
{
    if (!s || !*s) { /* an empty text field is null, like an unmapped one */
        PUT_LIT(o, "null");
        return;
    }
    putc_(o, '"');
    const unsigned char *p = (const unsigned char *)s, *run = p;
    for (; *p; p++) {
        if (*p != '"' && *p != '\\' && *p >= 0x20)
            continue;
        put(o, (const char *)run, (size_t)(p - run));
        if (*p < 0x20) {
            char b[8];
            snprintf(b, sizeof(b), "\\u%04x", *p);
            put(o, b, 6);
        } else {
            putc_(o, '\\');
            putc_(o, (char)*p);
        }
        run = p + 1;
    }
    put(o, (const char *)run, (size_t)(p - run));
    putc_(o, '"');
}

static void json_num(qs_out *o, double v)
{
    if (isnan(v))
        PUT_LIT(o, "null");
    else
        num(o, v);
}

/* ---- growable strings, for the text escaped once per run or per administration ---------- */

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

static int sb_str(struct sbuf *b, const char *s)
{
    return sb_put(b, s, strlen(s));
}

/* The quoted form of s (n bytes, needing quotes): quote, s with '"' doubled, quote. */
static int sb_quoted(struct sbuf *b, const char *s, size_t n)
{
    int bad = 0;
    const char *q = memchr(s, '"', n);
    while (q) {
        size_t k = (size_t)(q + 1 - s);
        bad |= sb_put(b, s, k) | sb_put(b, "\"", 1);
        s += k;
        n -= k;
        q = memchr(s, '"', n);
    }
    return bad | sb_put(b, s, n) | sb_put(b, "\"", 1);
}

static int sb_field(struct sbuf *b, const char *s)
{
    if (!s)
        return 0;
    size_t n = strlen(s);
    if (!needs_quotes(s, n))
        return sb_put(b, s, n);
    return sb_put(b, "\"", 1) | sb_quoted(b, s, n);
}

/* Text from the input (ids, group, therapist, the file name): as sb_field, with a leading
 * apostrophe when a spreadsheet would run it as a formula (docs/score.md "Spreadsheet safety").
 * Numbers qscore computes never pass through here: they stay plain, negative ones included. */
static int sb_text(struct sbuf *b, const char *s)
{
    if (!s)
        return 0;
    size_t n = strlen(s);
    int quote = needs_quotes(s, n);
    int bad = quote ? sb_put(b, "\"", 1) : 0;
    if (qs_text__formula_like(s))
        bad |= sb_put(b, "'", 1);
    return bad | (quote ? sb_quoted(b, s, n) : sb_put(b, s, n));
}

/* JSON string of s into b, as json_string writes it. */
static int sb_json(struct sbuf *b, const char *s)
{
    if (!s || !*s)
        return sb_put(b, "null", 4);
    int bad = sb_put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            char e[2] = {'\\', (char)*p};
            bad |= sb_put(b, e, 2);
        } else if (*p < 0x20) {
            char e[8];
            snprintf(e, sizeof(e), "\\u%04x", *p);
            bad |= sb_put(b, e, 6);
        } else {
            bad |= sb_put(b, (const char *)p, 1);
        }
    }
    return bad | sb_put(b, "\"", 1);
}

/* ---- the fixed text of a run ------------------------------------------------------------- */

/* Starts a fragment of consts; end_frag closes it. */
static size_t begin_frag(const qs_out *o)
{
    return o->consts.len;
}

static struct frag end_frag(const qs_out *o, size_t start)
{
    return (struct frag){start, o->consts.len - start};
}

static int add_key(qs_out *o, size_t i, const char *key)
{
    struct frag *k = qs_grow__array(o->json_keys, &o->keys_cap, o->nkeys + 1, sizeof(*k), 8);
    if (!k)
        return -1;
    o->json_keys = k;
    size_t at = begin_frag(o);
    int bad = (i ? sb_put(&o->consts, ",", 1) : 0) | sb_json(&o->consts, key) |
              sb_put(&o->consts, ":", 1);
    o->json_keys[o->nkeys++] = end_frag(o, at);
    return bad;
}

/* Flag k's fixed text: id, label, severity, rule, because, the keys of its values. */
static int prepare_flag(qs_out *o, size_t k)
{
    const qs_instrument *inst = o->inst;
    struct sbuf *c = &o->consts;
    struct flag_text *ft = &o->flag[k];
    const char *id, *label, *severity, *rule, *because;
    char rule_buf[512];
    qs_validity_cond conds[2];
    size_t nc = 0;
    const qs_flag *fl = k < inst->nflags ? &inst->flags[k] : NULL;
    if (fl) {
        id = fl->id;
        label = fl->label;
        severity = qs_severity_name(fl->severity);
        rule = fl->rule_text;
        because = fl->because;
    } else {
        int which = (int)(k - inst->nflags); /* 0 careless, 1 invalid */
        qs_validity_flag_text(which, &id, &label, &because);
        severity = "medium";
        /* The rule and the indices it tests depend on the instrument's thresholds only. */
        qs_validity_value none;
        memset(&none, 0, sizeof(none));
        nc = qs_validity_conds(conds, inst, &none, which == 0);
        qs_validity_rule_text(conds, nc, rule_buf, sizeof(rule_buf));
        rule = rule_buf;
    }
    size_t at = begin_frag(o);
    int bad = sb_field(c, id) | sb_put(c, ",,,,,,,", 7);
    ft->csv_cell = end_frag(o, at);
    at = begin_frag(o);
    bad |= sb_put(c, ",flag,", 6) | sb_field(c, severity) | sb_put(c, ",", 1);
    ft->csv_mid = end_frag(o, at);
    at = begin_frag(o);
    bad |= sb_put(c, ",", 1) | sb_field(c, because);
    ft->csv_because = end_frag(o, at);

    at = begin_frag(o);
    bad |= sb_str(c, "{\"id\":") | sb_json(c, id) | sb_str(c, ",\"label\":") | sb_json(c, label) |
           sb_str(c, ",\"severity\":") | sb_json(c, severity) | sb_str(c, ",\"status\":");
    ft->json_head = end_frag(o, at);
    at = begin_frag(o);
    bad |= sb_str(c, ",\"rule\":") | sb_json(c, rule) | sb_str(c, ",\"values\":{");
    ft->json_rule = end_frag(o, at);
    at = begin_frag(o);
    bad |= sb_str(c, "},\"because\":") | sb_json(c, because) | sb_put(c, "}", 1);
    ft->json_tail = end_frag(o, at);

    ft->key0 = o->nkeys;
    if (fl) {
        ft->nkeys = qs_expr_ref_count(fl->rule);
        for (size_t i = 0; i < ft->nkeys; i++) {
            int score;
            qs_field field;
            char key[128];
            qs_expr_ref(fl->rule, i, &score, &field);
            snprintf(key, sizeof(key), "%s%s%s", inst->scores[score].id,
                     field == QS_FIELD_VALUE ? "" : ".",
                     field == QS_FIELD_VALUE ? "" : qs_field_name(field));
            bad |= add_key(o, i, key);
        }
    } else {
        ft->nkeys = nc;
        for (size_t i = 0; i < nc; i++)
            bad |= add_key(o, i, conds[i].index);
    }
    return bad;
}

static int prepare_consts(qs_out *o)
{
    const qs_instrument *inst = o->inst;
    struct sbuf *c = &o->consts;
    size_t ns = inst->nscores ? inst->nscores : 1, nf = inst->nflags + 2;
    o->score_csv = calloc(ns, sizeof(*o->score_csv));
    o->score_key = calloc(ns, sizeof(*o->score_key));
    o->flag = calloc(nf, sizeof(*o->flag));
    if (!o->score_csv || !o->score_key || !o->flag)
        return -1;
    size_t at = begin_frag(o);
    int bad = sb_field(c, inst->id) | sb_put(c, ",", 1);
    o->inst_cell = end_frag(o, at);
    at = begin_frag(o);
    bad |= sb_put(c, ",", 1) | sb_field(c, o->norm_id) | sb_put(c, ",", 1);
    o->norm_cell = end_frag(o, at);
    for (size_t i = 0; i < inst->nscores; i++) {
        at = begin_frag(o);
        bad |= sb_field(c, inst->scores[i].id) | sb_put(c, ",", 1);
        o->score_csv[i] = end_frag(o, at);
        at = begin_frag(o);
        bad |= (i ? sb_put(c, ",", 1) : 0) | sb_json(c, inst->scores[i].id) |
               sb_str(c, ":{\"value\":");
        o->score_key[i] = end_frag(o, at);
    }
    for (size_t k = 0; k < nf; k++)
        bad |= prepare_flag(o, k);
    return bad;
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
    o->fp = fp;
    o->format = format;
    o->inst = inst;
    o->norm_id = norm_id;
    if (!o->buf || prepare_consts(o)) {
        qs_out_free(o);
        return QS_ENOMEM;
    }
    if (format == QS_OUT_CSV)
        PUT_LIT(o, "response_id,client_id,instrument,score,value,n_answered,n_items,z,t,percentile,"
                   "status,kind,severity,detail,because,norm,group,therapist,administered,source,"
                   "line,missing_fraction,longstring,irv,attention_failed\n");
    *out = o;
    return QS_OK;
}

/* ---- CSV --------------------------------------------------------------------------------- */

/* The source file's cell, escaped again only when the file changes. */
static int source_cell(qs_out *o, const char *source)
{
    if (o->source && source && strcmp(o->source, source) == 0)
        return 0;
    free(o->source);
    o->source = NULL;
    o->source_cell.len = 0;
    if (!source)
        return 0;
    size_t n = strlen(source) + 1;
    o->source = malloc(n);
    if (!o->source)
        return -1;
    memcpy(o->source, source, n);
    return sb_text(&o->source_cell, source);
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
    struct sbuf *h = &o->head, *t = &o->tail;
    const char *c = o->consts.data;
    int bad = source_cell(o, source);
    bad |= sb_text(h, adm->response_id) | sb_put(h, ",", 1) | sb_text(h, adm->client_id) |
           sb_put(h, ",", 1) | sb_put(h, c + o->inst_cell.off, o->inst_cell.len);
    bad |= sb_put(t, c + o->norm_cell.off, o->norm_cell.len) | sb_text(t, adm->group) |
           sb_put(t, ",", 1) | sb_text(t, adm->therapist) | sb_put(t, ",", 1) |
           sb_field(t, adm->administered) | sb_put(t, ",", 1) |
           sb_put(t, o->source_cell.data, o->source_cell.len) | sb_put(t, line, n);
    return bad;
}

static const char *const csv_status[] = {"ok", "prorated", "insufficient"};
static const size_t csv_status_len[] = {2, 8, 12};

/* A flag row: the shared head, the flag's cells, its status, detail and because, the tail. */
static void csv_flag_row(qs_out *o, size_t k, qs_tri t, const qs_result *res)
{
    const struct flag_text *ft = &o->flag[k];
    char detail[512];
    size_t dn = qs_flag_detail(o->inst, k, res, detail, sizeof(detail));
    put(o, o->head.data, o->head.len);
    put_frag(o, ft->csv_cell);
    if (t == QS_TRI_TRUE)
        PUT_LIT(o, "raised");
    else
        PUT_LIT(o, "not_evaluable");
    put_frag(o, ft->csv_mid);
    csv_field_n(o, detail, dn);
    put_frag(o, ft->csv_because);
    put(o, o->tail.data, o->tail.len);
    o->flags_raised += t == QS_TRI_TRUE;
}

static void write_csv(qs_out *o, const qs_admin *adm, const qs_result *res, const char *source)
{
    const qs_instrument *inst = o->inst;
    if (prepare_shared(o, adm, res, source)) {
        o->failed = 1;
        return;
    }
    for (size_t i = 0; i < inst->nscores; i++) {
        const qs_score_value *sv = &res->scores[i];
        put(o, o->head.data, o->head.len);
        put_frag(o, o->score_csv[i]);
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
        if ((unsigned)sv->status < 3)
            put(o, csv_status[sv->status], csv_status_len[sv->status]);
        else
            put(o, qs_status_name(sv->status), strlen(qs_status_name(sv->status)));
        PUT_LIT(o, ",score,,,");
        put(o, o->tail.data, o->tail.len);
    }
    for (size_t f = 0; f < inst->nflags; f++)
        if (res->flags[f] != QS_TRI_FALSE)
            csv_flag_row(o, f, res->flags[f], res);
    const qs_validity_value *v = &res->validity;
    if (v->careless != QS_TRI_FALSE)
        csv_flag_row(o, inst->nflags, v->careless, res);
    if (v->invalid != QS_TRI_FALSE)
        csv_flag_row(o, inst->nflags + 1, v->invalid, res);
}

/* ---- JSON Lines -------------------------------------------------------------------------- */

/* "scores":{...}: each score's value, counts, norm-based values and status. */
static void json_scores(qs_out *o, const qs_result *res)
{
    const qs_instrument *inst = o->inst;
    PUT_LIT(o, ",\"scores\":{");
    for (size_t i = 0; i < inst->nscores; i++) {
        const qs_score_value *sv = &res->scores[i];
        put_frag(o, o->score_key[i]);
        json_num(o, sv->value);
        PUT_LIT(o, ",\"n_answered\":");
        unum(o, sv->n_answered);
        PUT_LIT(o, ",\"n_items\":");
        unum(o, sv->n_items);
        PUT_LIT(o, ",\"z\":");
        json_num(o, sv->z);
        PUT_LIT(o, ",\"t\":");
        json_num(o, sv->t);
        PUT_LIT(o, ",\"percentile\":");
        json_num(o, sv->percentile);
        PUT_LIT(o, ",\"status\":");
        json_string(o, qs_status_name(sv->status));
        putc_(o, '}');
    }
    putc_(o, '}');
}

/* One raised or not-evaluable flag k (an instrument flag, or careless/invalid), with the
 * values its rule saw. */
static void json_flag(qs_out *o, const qs_result *res, size_t k, qs_tri t)
{
    const struct flag_text *ft = &o->flag[k];
    put_frag(o, ft->json_head);
    if (t == QS_TRI_TRUE)
        PUT_LIT(o, "\"raised\"");
    else
        PUT_LIT(o, "\"not_evaluable\"");
    put_frag(o, ft->json_rule);
    if (k < o->inst->nflags) {
        const qs_flag *fl = &o->inst->flags[k];
        for (size_t i = 0; i < ft->nkeys; i++) {
            int score;
            qs_field field;
            qs_expr_ref(fl->rule, i, &score, &field);
            put_frag(o, o->json_keys[ft->key0 + i]);
            json_num(o, res->values[(size_t)score * QS_FIELD_COUNT + field]);
        }
    } else {
        qs_validity_cond conds[2];
        size_t nc = qs_validity_conds(conds, o->inst, &res->validity, k == o->inst->nflags);
        for (size_t i = 0; i < nc && i < ft->nkeys; i++) {
            put_frag(o, o->json_keys[ft->key0 + i]);
            json_num(o, conds[i].value);
        }
    }
    put_frag(o, ft->json_tail);
    o->flags_raised += t == QS_TRI_TRUE;
}

static void write_json(qs_out *o, const qs_admin *adm, const qs_result *res, const char *source)
{
    const qs_instrument *inst = o->inst;
    const qs_validity_value *v = &res->validity;
    PUT_LIT(o, "{\"response_id\":");
    json_string(o, adm->response_id);
    PUT_LIT(o, ",\"client_id\":");
    json_string(o, adm->client_id);
    PUT_LIT(o, ",\"instrument\":");
    json_string(o, inst->id);
    PUT_LIT(o, ",\"source\":");
    json_string(o, source);
    PUT_LIT(o, ",\"line\":");
    unum(o, adm->line);
    PUT_LIT(o, ",\"group\":");
    json_string(o, adm->group);
    PUT_LIT(o, ",\"therapist\":");
    json_string(o, adm->therapist);
    PUT_LIT(o, ",\"administered\":");
    json_string(o, adm->administered);
    PUT_LIT(o, ",\"norm\":");
    json_string(o, o->norm_id);
    json_scores(o, res);
    PUT_LIT(o, ",\"validity\":{\"missing_fraction\":");
    json_num(o, v->missing_fraction);
    PUT_LIT(o, ",\"longstring\":");
    json_num(o, (double)v->longstring);
    PUT_LIT(o, ",\"irv\":");
    json_num(o, v->irv);
    PUT_LIT(o, ",\"attention_failed\":");
    json_num(o, v->attention_failed < 0 ? NAN : (double)v->attention_failed);
    PUT_LIT(o, "},\"flags\":[");
    int first = 1;
    for (size_t f = 0; f < inst->nflags + 2; f++) {
        qs_tri t = f < inst->nflags ? res->flags[f] : f == inst->nflags ? v->careless : v->invalid;
        if (t == QS_TRI_FALSE)
            continue;
        if (!first)
            putc_(o, ',');
        first = 0;
        json_flag(o, res, f, t);
    }
    PUT_LIT(o, "]}\n");
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
    free(o->consts.data);
    free(o->score_csv);
    free(o->score_key);
    free(o->flag);
    free(o->json_keys);
    free(o->source_cell.data);
    free(o->source);
    free(o);
}
