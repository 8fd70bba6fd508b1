/* format.c - shortest round-trip numbers and the text of flag details and validity rules. */
#include "qscore/format.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "format_pow10.h"

/*
 * Shortest round-trip formatting, for every double, without printf or strtod.
 *
 * Digits. A finite v != 0 is c * 2^q. Schubfach (R. Giulietti, "The Schubfach way to render
 * doubles", 2020) picks the decimal d * 10^e that reads back as v with the fewest digits, and
 * the closest to v when several have that length (ties to an even last digit): the same digits
 * as Python's repr(). With k = floor(log10(2^q)) (the rounding interval of v, one 2^q wide, holds
 * at least one multiple of 10^k and at most one of 10^(k+1)), it scales v and the interval ends
 * by 10^-k -- a 126-bit table (format_pow10.h) times the 55-bit 4c, rounded to odd so that the
 * comparisons with multiples of 4 below stay exact -- then takes the multiple of 10^(k+1) when
 * the interval holds one, else the closer of s and s + 1, s = floor(v / 10^k).
 *
 * Text. The layout is printf's %.{P}g with P = max(15, number of digits), which is what the
 * earlier printf/strtod implementation wrote (the first of %.15g, %.16g and %.17g that read back)
 * and what the outputs and golden files hold: whole numbers below 1e15 without a decimal point
 * ("-0" is "0"), plain notation for exponents -4 .. P - 1, otherwise "1.5e-07", "1e+20",
 * "5e-324" (at least two exponent digits); "inf" and "-inf"; "" for NaN. The digits differ from
 * that implementation's only where it was not the shortest, far from any score: subnormals
 * (5e-324, not 4.94065645841247e-324) and 46 powers of two whose closest 16-digit decimal lies
 * outside the narrower lower half of their interval (2^-24: 5.960464477539063e-08, not
 * 5.9604644775390625e-08). tests/unit/test_format.c checks the text against that implementation,
 * Python's repr() and strtod.
 */
__extension__ typedef unsigned __int128 u128;

enum { Q_MIN = -1074, C_MIN_BITS = 52 };

/* floor(log10(2^e)), floor(log10(3/4 * 2^e)) and floor(log2(10^e)) for the exponents of doubles
 * (scripts/gen_format_pow10.py checks them exactly; >> of a negative number floors with gcc and
 * clang). */
static int flog10pow2(int e)
{
    return (int)(((int64_t)e * 661971961083LL) >> 41);
}

static int flog10_three_quarters_pow2(int e)
{
    return (int)(((int64_t)e * 661971961083LL - 274743187321LL) >> 41);
}

static int flog2pow10(int e)
{
    return (int)(((int64_t)e * 913124641741LL) >> 38);
}

/*
 * cp * g / 2^127 rounded to odd (the floor, with its lowest bit set when the quotient is not
 * whole), g = g1 * 2^63 + g0, cp < 2^60, as figure 8 of the paper computes it: the bits of the
 * product below 2^64 are left out on purpose. g is one more than floor(10^-k * 2^-r), and that
 * one adds cp < 2^60 there, so a value exactly halfway between two decimals (a tie) still
 * comes out whole.
 */
static uint64_t round_odd(const uint64_t g[2], uint64_t cp)
{
    uint64_t x1 = (uint64_t)(((u128)g[1] * cp) >> 64);
    u128 y = (u128)g[0] * cp;
    uint64_t z = ((uint64_t)y >> 1) + x1;
    uint64_t vbp = (uint64_t)(y >> 64) + (z >> 63);
    return vbp | (uint64_t)((z & ((1ULL << 63) - 1)) != 0);
}

/* The shortest decimal d * 10^*e10 that reads back as c * 2^q (c > 0); d may end in zeros. */
static uint64_t schubfach(uint64_t c, int q, int *e10)
{
    uint64_t out = c & 1; /* odd c: the interval's ends round to the even neighbour, so excluded */
    uint64_t cb = c << 2, cbr = cb + 2, cbl;
    int k;
    if (c != 1ULL << C_MIN_BITS || q == Q_MIN) {
        cbl = cb - 2; /* regular spacing: the interval is [c - 1/2, c + 1/2] * 2^q */
        k = flog10pow2(q);
    } else {
        cbl = cb - 1; /* a power of two: the double below is only 2^(q-1) away */
        k = flog10_three_quarters_pow2(q);
    }
    int h = q + flog2pow10(-k) + 2;
    const uint64_t *g = qs_pow10_g[k - QS_POW10_K_MIN];
    /* 4 * v, 4 * the interval's ends, times 10^-k */
    uint64_t vb = round_odd(g, cb << h), vbl = round_odd(g, cbl << h), vbr = round_odd(g, cbr << h);
    uint64_t s = vb >> 2;
    /* u' = 10 floor(s / 10) and w' = u' + 10 (times 10^k): at most one is in the interval; if
     * one is, it is the only decimal that short. */
    uint64_t sp = s / 10 * 10, tp = sp + 10;
    int upin = vbl + out <= sp << 2, wpin = (tp << 2) + out <= vbr;
    if (upin != wpin) {
        *e10 = k;
        return upin ? sp : tp;
    }
    /* Else one of s and s + 1 (times 10^k), the one inside, or the closer, or the even one. */
    uint64_t t = s + 1;
    int uin = vbl + out <= s << 2, win = (t << 2) + out <= vbr;
    *e10 = k;
    if (uin != win)
        return uin ? s : t;
    uint64_t mid = (s + t) << 1; /* 4 * (s + 1/2) */
    return vb < mid || (vb == mid && (s & 1) == 0) ? s : t;
}

static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

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

/* How many decimal digits d > 0 has. */
static int digit_count(uint64_t d)
{
    int t = (64 - __builtin_clzll(d)) * 1233 >> 12; /* floor or ceil of log10(d + 1) */
    return t + (d >= pow10_u64[t]);
}

/* The n digits of d < 10^9 (n <= 9), ending just before end. */
static void put_digits32(char *end, uint32_t d, int n)
{
    if (n & 1) {
        *--end = (char)('0' + d % 10);
        d /= 10;
        n--;
    }
    for (; n > 0; n -= 2) {
        uint32_t r = d % 100;
        d /= 100;
        end -= 2;
        memcpy(end, digit_pairs + 2 * r, 2);
    }
}

/* Exactly 8 digits of d < 10^8 at dst: four independent pairs, no loop. */
static void put_digits8(char *dst, uint32_t d)
{
    uint32_t hi = d / 10000, lo = d % 10000;
    memcpy(dst, digit_pairs + 2 * (hi / 100), 2);
    memcpy(dst + 2, digit_pairs + 2 * (hi % 100), 2);
    memcpy(dst + 4, digit_pairs + 2 * (lo / 100), 2);
    memcpy(dst + 6, digit_pairs + 2 * (lo % 100), 2);
}

/* The n digits of d (n = digit_count(d) <= 17; 1 for 0) at dst: the lowest 8 and the rest
 * apart, in 32-bit arithmetic. 16 and 17 digits, what most scores and means take, go through
 * put_digits8 only. */
static void put_digits(char *dst, uint64_t d, int n)
{
    if (n <= 8) {
        put_digits32(dst + n, (uint32_t)d, n);
        return;
    }
    uint64_t hi = d / 100000000;
    put_digits8(dst + n - 8, (uint32_t)(d - hi * 100000000));
    if (n == 17) {
        *dst++ = (char)('0' + hi / 100000000);
        hi %= 100000000;
        n--;
    }
    if (n == 16)
        put_digits8(dst, (uint32_t)hi);
    else
        put_digits32(dst + n - 8, (uint32_t)hi, n - 8);
}

/* d * 10^e10 (d > 0) as %.{P}g would write it, P = max(15, digits of d). */
static size_t layout(char *buf, int neg, uint64_t d, int e10)
{
    while (d % 10 == 0) { /* only the shorter candidate of schubfach() ends in zeros */
        d /= 10;
        e10++;
    }
    int n = digit_count(d);
    int x = e10 + n - 1; /* the value is d[0].d[1]d[2]... * 10^x */
    char *w = buf;
    if (neg)
        *w++ = '-';
    if (x < -4 || x >= (n > 15 ? n : 15)) {
        /* "d.ddde-XX": the digits one to the right, then the first moved before the point */
        put_digits(w + 1, d, n);
        w[0] = w[1];
        if (n > 1) {
            w[1] = '.';
            w += n + 1;
        } else {
            w += 1;
        }
        *w++ = 'e';
        *w++ = x < 0 ? '-' : '+';
        unsigned ax = (unsigned)(x < 0 ? -x : x);
        if (ax >= 100) {
            *w++ = (char)('0' + ax / 100);
            ax %= 100;
        }
        memcpy(w, digit_pairs + 2 * ax, 2);
        w += 2;
    } else if (x < 0) {
        /* "0.000ddd" */
        memcpy(w, "0.000", 5);
        w += 1 - x;
        put_digits(w, d, n);
        w += n;
    } else if (n <= x + 1) {
        /* "ddd000": whole */
        put_digits(w, d, n);
        memset(w + n, '0', (size_t)(x + 1 - n));
        w += x + 1;
    } else {
        /* "ddd.ddd": the digits one to the right, then the whole part moved before the point */
        put_digits(w + 1, d, n);
        for (int i = 0; i <= x; i++)
            w[i] = w[i + 1];
        w[x + 1] = '.';
        w += n + 1;
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
        int neg = x < 0;
        uint64_t u = neg ? 0ULL - (unsigned long long)x : (unsigned long long)x;
        int n = u ? digit_count(u) : 1;
        buf[0] = '-';
        put_digits(buf + neg, u, n);
        buf[neg + n] = '\0';
        return (size_t)(neg + n);
    }
    uint64_t bits;
    memcpy(&bits, &v, sizeof(bits));
    int neg = (int)(bits >> 63);
    int bexp = (int)((bits >> 52) & 0x7FF);
    uint64_t frac = bits & ((1ULL << C_MIN_BITS) - 1);
    if (bexp == 0x7FF) { /* infinity: NaN left above */
        size_t n = neg ? 4 : 3;
        memcpy(buf, neg ? "-inf" : "inf", n + 1);
        return n;
    }
    /* Zero is a whole number: here c > 0. */
    uint64_t c = bexp ? frac | 1ULL << C_MIN_BITS : frac;
    int q = bexp ? bexp - 1075 : Q_MIN;
    int e10;
    uint64_t d = schubfach(c, q, &e10);
    return layout(buf, neg, d, e10);
}

/* Text appended to a caller's buffer of `size` >= 1 bytes, cut off at size - 1 and always
 * NUL-terminated (what snprintf at buf + used would leave), without printf: details are written
 * for every raised flag of a scoring run. */
struct text {
    char *buf;
    size_t size, used;
};

static void text_put(struct text *t, const char *s, size_t n)
{
    size_t room = t->size - 1 - t->used;
    if (n > room)
        n = room;
    memcpy(t->buf + t->used, s, n);
    t->used += n;
    t->buf[t->used] = '\0';
}

static void text_str(struct text *t, const char *s)
{
    text_put(t, s, strlen(s));
}

/* A value, "missing" for NaN. */
static void text_value(struct text *t, double x)
{
    char v[32];
    if (isnan(x))
        text_put(t, "missing", 7);
    else
        text_put(t, v, qs_format_double(v, sizeof(v), x));
}

/* "FO=2.0833333333333335; ER.t=38": the values a rule referenced, "missing" for NaN. */
static size_t rule_detail(const qs_instrument *inst, const qs_flag *f, const qs_result *res,
                          char *buf, size_t size)
{
    struct text t = {buf, size, 0};
    buf[0] = '\0';
    for (size_t i = 0; i < qs_expr_ref_count(f->rule) && t.used + 1 < size; i++) {
        int score;
        qs_field field;
        qs_expr_ref(f->rule, i, &score, &field);
        if (i)
            text_put(&t, "; ", 2);
        text_str(&t, inst->scores[score].id);
        if (field != QS_FIELD_VALUE) {
            text_put(&t, ".", 1);
            text_str(&t, qs_field_name(field));
        }
        text_put(&t, "=", 1);
        text_value(&t, res->values[(size_t)score * QS_FIELD_COUNT + field]);
    }
    return t.used;
}

size_t qs_validity_conds(qs_validity_cond out[2], const qs_instrument *inst,
                         const qs_validity_value *v, int careless)
{
    const qs_validity *r = &inst->validity;
    size_t n = 0;
    if (careless) {
        if (r->max_longstring > 0)
            out[n++] = (qs_validity_cond){"longstring", ">", (double)r->max_longstring,
                                          (double)v->longstring};
        if (!isnan(r->min_irv))
            out[n++] = (qs_validity_cond){"irv", "<", r->min_irv, v->irv};
    } else {
        if (!isnan(r->max_missing_fraction))
            out[n++] = (qs_validity_cond){"missing_fraction", ">", r->max_missing_fraction,
                                          v->missing_fraction};
        if (r->nchecks)
            out[n++] = (qs_validity_cond){"attention_failed", ">", (double)r->max_failed_checks,
                                          (double)v->attention_failed};
    }
    return n;
}

/* "longstring=36; irv=1.2" (the CSV detail) or "longstring > 18 or irv < 0.5" (the rule). */
static size_t validity_text(const qs_validity_cond *c, size_t n, int rule, char *buf, size_t size)
{
    struct text t = {buf, size, 0};
    buf[0] = '\0';
    for (size_t i = 0; i < n && t.used + 1 < size; i++) {
        if (i)
            text_str(&t, rule ? " or " : "; ");
        text_str(&t, c[i].index);
        if (rule) {
            char num[32];
            text_put(&t, " ", 1);
            text_str(&t, c[i].op);
            text_put(&t, " ", 1);
            text_put(&t, num, qs_format_double(num, sizeof(num), c[i].threshold));
        } else {
            text_put(&t, "=", 1);
            text_value(&t, c[i].value);
        }
    }
    return t.used;
}

void qs_validity_rule_text(const qs_validity_cond *c, size_t n, char *buf, size_t size)
{
    validity_text(c, n, 1, buf, size);
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

size_t qs_flag_detail(const qs_instrument *inst, size_t k, const qs_result *res, char *buf,
                      size_t size)
{
    if (k < inst->nflags)
        return rule_detail(inst, &inst->flags[k], res, buf, size);
    qs_validity_cond conds[2];
    size_t nc = qs_validity_conds(conds, inst, &res->validity, k == inst->nflags);
    return validity_text(conds, nc, 0, buf, size);
}
