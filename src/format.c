/* format.c - shortest round-trip numbers and the text of flag details and validity rules. */
#include "qscore/format.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Shortest round-trip formatting. glibc's printf/strtod pair costs about half of a scoring run,
 * so the common case (non-integers with 1e-5 <= |v| < 1e15, the range of scores, z, T and
 * percentiles) is done exactly with 128-bit integers: v = m * 2^e is scaled by 10^q so that it
 * has 17 integer digits, the rounding interval [v - ulp/2, v + ulp/2] is scaled the same way,
 * and the shortest decimal inside it (the closest one when several have that length) is
 * chosen -- the same text as Python's repr(). Everything else takes the slow path: the first of
 * %.15g, %.16g, %.17g that reads back as v. tests/unit/test_format.c checks both agree.
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
static void validity_text(const qs_validity_cond *c, size_t n, int rule, char *buf, size_t size)
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

void qs_flag_detail(const qs_instrument *inst, size_t k, const qs_result *res, char *buf,
                    size_t size)
{
    if (k < inst->nflags) {
        rule_detail(inst, &inst->flags[k], res, buf, size);
        return;
    }
    qs_validity_cond conds[2];
    size_t nc = qs_validity_conds(conds, inst, &res->validity, k == inst->nflags);
    validity_text(conds, nc, 0, buf, size);
}
