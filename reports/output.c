/* output.c - write scored administrations as long CSV or JSON Lines, and the quarantine CSV. */
#include "qscore/output.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
};

/*
 * Shortest round-trip formatting. glibc's printf/strtod pair costs about half of a scoring run,
 * so the common case (non-integers with 1e-5 <= |v| < 1e15, the range of scores, z, T and
 * percentiles) is done exactly with 128-bit integers: v = m * 2^e is scaled by 10^q so that it
 * has 17 integer digits, the rounding interval [v - ulp/2, v + ulp/2] is scaled the same way,
 * and the shortest decimal inside it (the closest one when several have that length) is
 * chosen -- the same text as Python's repr(). Everything else takes the slow path: the first of
 * %.15g, %.16g, %.17g that reads back as v. tests/unit/test_output.c checks both agree.
 */
__extension__ typedef unsigned __int128 u128;

static const uint64_t pow10_u64[20] = {1ULL,
                                       10ULL,
                                       100ULL,
                                       1000ULL,
                                       10000ULL,
                                       100000ULL,
                                       1000000ULL,
                                       10000000ULL,
                                       100000000ULL,
                                       1000000000ULL,
                                       10000000000ULL,
                                       100000000000ULL,
                                       1000000000000ULL,
                                       10000000000000ULL,
                                       100000000000000ULL,
                                       1000000000000000ULL,
                                       10000000000000000ULL,
                                       100000000000000000ULL,
                                       1000000000000000000ULL,
                                       10000000000000000000ULL};

/* 10^q for 0 <= q <= 38 (the fast path uses q <= 21, beyond 64 bits from q = 20). */
static u128 pow10_u128(int q)
{
    return q <= 19 ? (u128)pow10_u64[q] : (u128)pow10_u64[19] * pow10_u64[q - 19];
}

static size_t format_slow(char *buf, size_t size, double v)
{
    for (int prec = 15; prec <= 17; prec++) {
        int n = snprintf(buf, size, "%.*g", prec, v);
        if (prec == 17 || strtod(buf, NULL) == v)
            return n > 0 ? (size_t)n : 0;
    }
    return 0;
}

/* Returns the length written, or 0 when v is outside the fast path's range. */
static size_t format_fast(char *buf, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof(bits));
    int neg = (int)(bits >> 63);
    int bexp = (int)((bits >> 52) & 0x7FF);
    uint64_t frac = bits & ((1ULL << 52) - 1);
    double a = fabs(v);
    if (bexp == 0 || bexp == 0x7FF || frac == 0 || a < 1e-5 || a >= 1e15)
        return 0; /* subnormal, inf, NaN, powers of two (uneven interval), out of range */
    uint64_t m = frac | (1ULL << 52);
    int e = bexp - 1075; /* v = m * 2^e */
    if (e >= 0)
        return 0;
    /* Decimal exponent from the binary one (log10(2) = 0.30103); off by at most one, which
     * the loop below corrects. */
    int d = (int)floor((double)(bexp - 1023) * 0.30102999566398119521);
    int q = 16 - d;
    unsigned S = (unsigned)(1 - e);
    u128 X, Lo, Hi;
    uint64_t Vi;
    for (;;) {
        if (q < 0 || q > 21)
            return 0;
        X = (u128)(2 * m) * pow10_u128(q);
        Vi = (uint64_t)(X >> S);
        if (Vi < pow10_u64[16])
            q++;
        else if (Vi >= pow10_u64[17])
            q--;
        else
            break;
    }
    Lo = (u128)(2 * m - 1) * pow10_u128(q);
    Hi = (u128)(2 * m + 1) * pow10_u128(q);
    u128 mask = ((u128)1 << S) - 1;
    u128 rem = X & mask;
    int inclusive = (m & 1) == 0; /* round-half-even: an even mantissa wins ties */
    uint64_t n_lo = (uint64_t)(Lo >> S), n_hi = (uint64_t)(Hi >> S);
    if ((Lo & mask) != 0 || !inclusive)
        n_lo++;
    if ((Hi & mask) == 0 && !inclusive)
        n_hi--;
    /* The most trailing digits that can be dropped: the level-t test is monotone (if a multiple
     * of 10^(t+1) lies in the interval, so does one of 10^t), and most values are long, so
     * climb from t = 0. Level 0 always succeeds: the interval is wider than 1 here. */
    int t = 0;
    while (t < 16) {
        uint64_t p = pow10_u64[t + 1];
        if (n_hi / p * p < n_lo) /* no multiple of 10^(t+1) in [n_lo, n_hi] */
            break;
        t++;
    }
    uint64_t k;
    if (t == 0) {
        /* Round V to the nearest integer (ties to even), then keep it inside the interval. */
        u128 half = (u128)1 << (S - 1);
        k = Vi + (uint64_t)(rem > half || (rem == half && (Vi & 1)));
        if (k < n_lo)
            k = n_lo;
        if (k > n_hi)
            k = n_hi;
    } else {
        uint64_t p = pow10_u64[t];
        uint64_t k_lo = (n_lo + p - 1) / p, k_hi = n_hi / p;
        uint64_t k0 = Vi / p, r0 = Vi - k0 * p, half = p / 2;
        k = k0 + (uint64_t)(r0 > half || (r0 == half && (rem > 0 || (k0 & 1))));
        if (k < k_lo)
            k = k_lo;
        if (k > k_hi)
            k = k_hi;
    }
    while (k % 10 == 0) {
        k /= 10;
        t++;
    }
    char digits[24];
    int nd = 0;
    for (uint64_t x = k; x; x /= 10)
        digits[nd++] = (char)('0' + x % 10);
    /* digits are reversed; the value is 0.D * 10^pos */
    int pos = nd + t - q;
    char *w = buf;
    if (neg)
        *w++ = '-';
    if (pos - 1 < -4) {
        *w++ = digits[nd - 1];
        if (nd > 1) {
            *w++ = '.';
            for (int i = nd - 2; i >= 0; i--)
                *w++ = digits[i];
        }
        int x = pos - 1;
        *w++ = 'e';
        *w++ = x < 0 ? '-' : '+';
        if (x < 0)
            x = -x;
        *w++ = (char)('0' + x / 10);
        *w++ = (char)('0' + x % 10);
    } else if (pos <= 0) {
        *w++ = '0';
        *w++ = '.';
        for (int i = 0; i < -pos; i++)
            *w++ = '0';
        for (int i = nd - 1; i >= 0; i--)
            *w++ = digits[i];
    } else {
        for (int i = nd - 1, j = 0; i >= 0; i--, j++) {
            if (j == pos)
                *w++ = '.';
            *w++ = digits[i];
        }
        for (int j = nd; j < pos; j++)
            *w++ = '0';
    }
    *w = '\0';
    return (size_t)(w - buf);
}

size_t qs_format_double(char *buf, size_t size, double v)
{
    if (isnan(v) || size < 32) {
        if (size)
            buf[0] = '\0';
        return 0;
    }
    if (fabs(v) < 1e15 && v == (double)(long long)v) {
        /* Whole numbers print without a decimal point ("-0" prints as "0"). */
        long long x = (long long)v;
        char tmp[24];
        int n = 0, neg = x < 0;
        unsigned long long u = neg ? 0ULL - (unsigned long long)x : (unsigned long long)x;
        do {
            tmp[n++] = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        size_t w = 0;
        if (neg)
            buf[w++] = '-';
        while (n)
            buf[w++] = tmp[--n];
        buf[w] = '\0';
        return w;
    }
    size_t n = format_fast(buf, v);
    return n ? n : format_slow(buf, size, v);
}

/* For tests: the slow path alone. */
size_t qs_format_double_slow(char *buf, size_t size, double v)
{
    return format_slow(buf, size, v);
}

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
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p)
            return -1;
        b->data = p;
        b->cap = cap;
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
    int bad = sb_field(&o->head, adm->response_id) | sb_put(&o->head, ",", 1) |
              sb_field(&o->head, adm->client_id) | sb_put(&o->head, ",", 1) |
              sb_field(&o->head, o->inst->id) | sb_put(&o->head, ",", 1);
    bad |= sb_put(&o->tail, ",", 1) | sb_field(&o->tail, o->norm_id) | sb_put(&o->tail, ",", 1) |
           sb_field(&o->tail, adm->group) | sb_put(&o->tail, ",", 1) |
           sb_field(&o->tail, adm->therapist) | sb_put(&o->tail, ",", 1) |
           sb_field(&o->tail, adm->administered) | sb_put(&o->tail, ",", 1) |
           sb_field(&o->tail, source) | sb_put(&o->tail, line, n);
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

/* "FO=2.0833333333333335; ER.t=38": the values a rule referenced, "missing" for NaN. */
static void rule_detail(const qs_instrument *inst, const qs_flag *f, const qs_result *res,
                        char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < qs_expr_ref_count(f->rule) && used < size; i++) {
        int score;
        qs_field field;
        char v[64];
        qs_expr_ref(f->rule, i, &score, &field);
        double x = res->values[(size_t)score * QS_FIELD_COUNT + field];
        if (isnan(x))
            snprintf(v, sizeof(v), "missing");
        else
            qs_format_double(v, sizeof(v), x);
        int n = snprintf(buf + used, size - used, "%s%s%s%s=%s", i ? "; " : "",
                         inst->scores[score].id, field == QS_FIELD_VALUE ? "" : ".",
                         field == QS_FIELD_VALUE ? "" : qs_field_name(field), v);
        if (n > 0)
            used += (size_t)n;
    }
}

/*
 * The conditions behind a validity flag, for the thresholds the instrument sets: careless is
 * "longstring > N or irv < X", invalid "missing_fraction > X or attention_failed > N".
 */
struct vcond {
    const char *index;
    const char *op;
    double threshold;
    double value; /* NaN when the index cannot be computed */
};

static size_t validity_conds(const qs_instrument *inst, const qs_validity_value *v, int careless,
                             struct vcond out[2])
{
    const qs_validity *r = &inst->validity;
    size_t n = 0;
    if (careless) {
        if (r->max_longstring > 0)
            out[n++] =
                (struct vcond){"longstring", ">", (double)r->max_longstring, (double)v->longstring};
        if (!isnan(r->min_irv))
            out[n++] = (struct vcond){"irv", "<", r->min_irv, v->irv};
    } else {
        if (!isnan(r->max_missing_fraction))
            out[n++] = (struct vcond){"missing_fraction", ">", r->max_missing_fraction,
                                      v->missing_fraction};
        if (r->nchecks)
            out[n++] = (struct vcond){"attention_failed", ">", (double)r->max_failed_checks,
                                      (double)v->attention_failed};
    }
    return n;
}

/* "longstring=36; irv=1.2" (the CSV detail) or "longstring > 18 or irv < 0.5" (the rule). */
static void validity_text(const struct vcond *c, size_t n, int rule, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++) {
        char num[64];
        int w;
        if (rule) {
            qs_format_double(num, sizeof(num), c[i].threshold);
            w = snprintf(buf + used, size - used, "%s%s %s %s", i ? " or " : "", c[i].index,
                         c[i].op, num);
        } else {
            if (isnan(c[i].value))
                snprintf(num, sizeof(num), "missing");
            else
                qs_format_double(num, sizeof(num), c[i].value);
            w = snprintf(buf + used, size - used, "%s%s=%s", i ? "; " : "", c[i].index, num);
        }
        if (w > 0)
            used += (size_t)w;
    }
}

static const char *const careless_because =
    "The answers show a pattern typical of careless responding (a long run of identical answers "
    "or too little variation): interpret the scores with caution.";
static const char *const invalid_because =
    "Too many items are unanswered or attention checks failed: the scores may not be "
    "interpretable.";

void qs_validity_flag_text(int invalid, const char **id, const char **label, const char **because)
{
    if (id)
        *id = invalid ? "invalid" : "careless";
    if (label)
        *label = invalid ? "Invalid administration" : "Careless responding";
    if (because)
        *because = invalid ? invalid_because : careless_because;
}

void qs_flag_detail(const qs_instrument *inst, size_t k, const qs_result *res, char *buf,
                    size_t size)
{
    if (k < inst->nflags) {
        rule_detail(inst, &inst->flags[k], res, buf, size);
        return;
    }
    struct vcond conds[2];
    size_t nc = validity_conds(inst, &res->validity, k == inst->nflags, conds);
    validity_text(conds, nc, 0, buf, size);
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
        rule_detail(inst, fl, res, detail, sizeof(detail));
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
        struct vcond conds[2];
        size_t nc = validity_conds(inst, v, which == 0, conds);
        validity_text(conds, nc, 0, detail, sizeof(detail));
        csv_head(o, which == 0 ? "careless" : "invalid");
        puts_(o, ",,,,,,");
        puts_(o, t == QS_TRI_TRUE ? "raised" : "not_evaluable");
        csv_tail(o, "flag", "medium", detail, which == 0 ? careless_because : invalid_because);
        o->flags_raised += t == QS_TRI_TRUE;
    }
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
    puts_(o, "},\"validity\":{\"missing_fraction\":");
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
        const qs_flag *fl = &inst->flags[f];
        if (!first)
            putc_(o, ',');
        first = 0;
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
        o->flags_raised += res->flags[f] == QS_TRI_TRUE;
    }
    for (int which = 0; which < 2; which++) {
        qs_tri t = which == 0 ? v->careless : v->invalid;
        if (t == QS_TRI_FALSE)
            continue;
        char rule[512];
        struct vcond conds[2];
        size_t nc = validity_conds(inst, v, which == 0, conds);
        validity_text(conds, nc, 1, rule, sizeof(rule));
        if (!first)
            putc_(o, ',');
        first = 0;
        puts_(o, "{\"id\":");
        json_string(o, which == 0 ? "careless" : "invalid");
        puts_(o, ",\"label\":");
        const char *label;
        qs_validity_flag_text(which, NULL, &label, NULL);
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
        json_string(o, which == 0 ? careless_because : invalid_because);
        putc_(o, '}');
        o->flags_raised += t == QS_TRI_TRUE;
    }
    puts_(o, "]}\n");
}

qs_error qs_out_write(qs_out *o, const qs_admin *adm, const qs_result *res, const char *source)
{
    if (o->format == QS_OUT_CSV)
        write_csv(o, adm, res, source);
    else
        write_json(o, adm, res, source);
    return o->failed ? QS_EIO : QS_OK;
}

unsigned long qs_out_flags_raised(const qs_out *o)
{
    return o->flags_raised;
}

qs_error qs_out_finish(qs_out *o)
{
    flush(o);
    if (fflush(o->fp) != 0 || ferror(o->fp))
        o->failed = 1;
    return o->failed ? QS_EIO : QS_OK;
}

void qs_out_free(qs_out *o)
{
    if (!o)
        return;
    free(o->buf);
    free(o->head.data);
    free(o->tail.data);
    free(o);
}

/* ---- quarantine -------------------------------------------------------------------------- */

static int qfield(FILE *fp, const char *s)
{
    size_t n = strlen(s);
    if (strcspn(s, ",\"\r\n") == n)
        return fputs(s, fp) < 0 ? -1 : 0;
    if (fputc('"', fp) == EOF)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' && fputc('"', fp) == EOF)
            return -1;
        if (fputc(s[i], fp) == EOF)
            return -1;
    }
    return fputc('"', fp) == EOF ? -1 : 0;
}

qs_error qs_quarantine_header(FILE *fp)
{
    return fputs("source,line,response_id,column,value,reason\n", fp) < 0 ? QS_EIO : QS_OK;
}

qs_error qs_quarantine_write(FILE *fp, const char *source, const qs_row_problems *p)
{
    int bad = 0;
    for (size_t i = 0; i < p->count; i++) {
        const qs_problem *q = &p->items[i];
        bad |= qfield(fp, source);
        bad |= fprintf(fp, ",%lu,", p->line) < 0;
        bad |= qfield(fp, p->response_id);
        bad |= fputc(',', fp) == EOF;
        bad |= qfield(fp, q->column);
        bad |= fputc(',', fp) == EOF;
        bad |= qfield(fp, q->value);
        bad |= fputc(',', fp) == EOF;
        bad |= qfield(fp, q->reason);
        bad |= fputc('\n', fp) == EOF;
    }
    if (p->dropped) {
        char reason[128];
        snprintf(reason, sizeof(reason), "%zu more problems in this row not listed", p->dropped);
        bad |= qfield(fp, source);
        bad |= fprintf(fp, ",%lu,", p->line) < 0;
        bad |= qfield(fp, p->response_id);
        bad |= fputs(",,,", fp) < 0;
        bad |= qfield(fp, reason);
        bad |= fputc('\n', fp) == EOF;
    }
    return bad ? QS_EIO : QS_OK;
}

/* A text cell for the quarantine list: quoted when needed, and never a formula. */
static int qcell(FILE *fp, const char *s)
{
    char c = s[0];
    int num = 0;
    if (c == '-' || c == '+') { /* "-99" is a number, "-cmd" is not */
        char *end;
        (void)strtod(s, &end);
        num = end != s && *end == '\0';
    }
    if (!num && (c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r')) {
        size_t n = strlen(s);
        char *t = malloc(n + 2);
        if (!t)
            return -1;
        t[0] = '\'';
        memcpy(t + 1, s, n + 1);
        int r = qfield(fp, t);
        free(t);
        return r;
    }
    return qfield(fp, s);
}

qs_error qs_quarantine_list_header(FILE *fp)
{
    return fputs("source,file,line,response_id,column,value,reason,first_seen_run,first_seen,"
                 "resolved_run,resolved,resolution\n",
                 fp) < 0
               ? QS_EIO
               : QS_OK;
}

qs_error qs_quarantine_list_row(FILE *fp, const qs_store_quarantined *q)
{
    int bad = 0;
    bad |= qcell(fp, q->source);
    bad |= fputc(',', fp) == EOF;
    bad |= qcell(fp, q->file);
    bad |= fprintf(fp, ",%lu,", q->line) < 0;
    bad |= qcell(fp, q->response_id);
    bad |= fputc(',', fp) == EOF;
    bad |= qcell(fp, q->column);
    bad |= fputc(',', fp) == EOF;
    bad |= qcell(fp, q->value);
    bad |= fputc(',', fp) == EOF;
    bad |= qcell(fp, q->reason);
    bad |= fprintf(fp, ",%lld,", q->first_run) < 0;
    bad |= qcell(fp, q->first_seen);
    if (q->resolved_run)
        bad |= fprintf(fp, ",%lld,", q->resolved_run) < 0;
    else
        bad |= fputs(",,", fp) < 0;
    bad |= qcell(fp, q->resolved);
    bad |= fputc(',', fp) == EOF;
    bad |= qcell(fp, q->resolution);
    bad |= fputc('\n', fp) == EOF;
    return bad ? QS_EIO : QS_OK;
}
