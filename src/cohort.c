/* cohort.c - score distributions and internal consistency from mergeable sufficient statistics. */
#include "qscore/cohort.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

/* ---- frequency tables -------------------------------------------------------------------- */

void qs_freq_init(qs_freq *f)
{
    memset(f, 0, sizeof(*f));
}

qs_error qs_freq_add(qs_freq *f, double value, double count)
{
    size_t lo = 0, hi = f->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->value[mid] < value)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < f->len && f->value[lo] == value) {
        f->count[lo] += count;
        return QS_OK;
    }
    /* value and count share f->cap: each grows from its own copy, f->cap moves when both did. */
    size_t vcap = f->cap, ccap = f->cap;
    double *v = qs_grow__array(f->value, &vcap, f->len + 1, sizeof(*v), 16);
    if (!v)
        return QS_ENOMEM;
    f->value = v;
    double *c = qs_grow__array(f->count, &ccap, f->len + 1, sizeof(*c), 16);
    if (!c)
        return QS_ENOMEM;
    f->count = c;
    f->cap = vcap;
    memmove(f->value + lo + 1, f->value + lo, (f->len - lo) * sizeof(double));
    memmove(f->count + lo + 1, f->count + lo, (f->len - lo) * sizeof(double));
    f->value[lo] = value;
    f->count[lo] = count;
    f->len++;
    return QS_OK;
}

qs_error qs_freq_merge(qs_freq *dst, const qs_freq *src)
{
    for (size_t i = 0; i < src->len; i++) {
        qs_error rc = qs_freq_add(dst, src->value[i], src->count[i]);
        if (rc)
            return rc;
    }
    return QS_OK;
}

double qs_freq_n(const qs_freq *f)
{
    double n = 0;
    for (size_t i = 0; i < f->len; i++)
        n += f->count[i];
    return n;
}

/* The value of the order statistic `r` (0-based) of the table. */
static double order_stat(const qs_freq *f, double r)
{
    double seen = 0;
    for (size_t i = 0; i < f->len; i++) {
        seen += f->count[i];
        if (r < seen)
            return f->value[i];
    }
    return f->value[f->len - 1];
}

static double quantile7(const qs_freq *f, double n, double p)
{
    double h = (n - 1) * p, lo = floor(h);
    double a = order_stat(f, lo);
    if (h == lo)
        return a;
    return a + (h - lo) * (order_stat(f, lo + 1) - a);
}

void qs_freq_summary(const qs_freq *f, qs_summary *out)
{
    double n = qs_freq_n(f);
    out->n = n;
    out->mean = out->sd = out->min = out->max = out->q1 = out->median = out->q3 = NAN;
    if (n <= 0)
        return;
    double sum = 0;
    for (size_t i = 0; i < f->len; i++)
        sum += f->value[i] * f->count[i];
    out->mean = sum / n;
    if (n >= 2) {
        double ss = 0;
        for (size_t i = 0; i < f->len; i++) {
            double d = f->value[i] - out->mean;
            ss += d * d * f->count[i];
        }
        out->sd = sqrt(ss / (n - 1));
    }
    out->min = f->value[0];
    out->max = f->value[f->len - 1];
    out->q1 = quantile7(f, n, 0.25);
    out->median = quantile7(f, n, 0.5);
    out->q3 = quantile7(f, n, 0.75);
}

void qs_freq_free(qs_freq *f)
{
    free(f->value);
    free(f->count);
    qs_freq_init(f);
}

/* ---- item statistics --------------------------------------------------------------------- */

qs_error qs_itemstats_init(qs_itemstats *s, size_t k)
{
    memset(s, 0, sizeof(*s));
    if (k == 0 || k > 4096)
        return QS_EINVALID;
    s->k = k;
    s->sum = calloc(k, sizeof(double));
    s->cross = calloc(k * k, sizeof(double));
    if (!s->sum || !s->cross) {
        qs_itemstats_free(s);
        return QS_ENOMEM;
    }
    return QS_OK;
}

void qs_itemstats_add(qs_itemstats *s, const double *x)
{
    s->n += 1;
    for (size_t i = 0; i < s->k; i++) {
        s->sum[i] += x[i];
        for (size_t j = 0; j < s->k; j++)
            s->cross[i * s->k + j] += x[i] * x[j];
    }
}

qs_error qs_itemstats_merge(qs_itemstats *dst, const qs_itemstats *src)
{
    if (dst->k != src->k)
        return QS_EINVALID;
    dst->n += src->n;
    for (size_t i = 0; i < dst->k; i++)
        dst->sum[i] += src->sum[i];
    for (size_t i = 0; i < dst->k * dst->k; i++)
        dst->cross[i] += src->cross[i];
    return QS_OK;
}

void qs_itemstats_free(qs_itemstats *s)
{
    free(s->sum);
    free(s->cross);
    memset(s, 0, sizeof(*s));
}

/* alpha of the covariance matrix c (k x k) without item `skip` (or none when skip >= k). */
static double alpha_of(const double *c, size_t k, size_t skip)
{
    double tr = 0, total = 0;
    size_t m = skip < k ? k - 1 : k;
    if (m < 2)
        return NAN;
    for (size_t i = 0; i < k; i++) {
        if (i == skip)
            continue;
        tr += c[i * k + i];
        for (size_t j = 0; j < k; j++)
            if (j != skip)
                total += c[i * k + j];
    }
    if (!(total > 0))
        return NAN;
    return (1.0 - tr / total) * (double)m / (double)(m - 1);
}

int qs_alpha_compute(const qs_itemstats *s, qs_alpha *out)
{
    size_t k = s->k;
    double n = s->n;
    out->alpha = out->lower = out->upper = NAN;
    for (size_t i = 0; i < k; i++)
        out->item_rest[i] = out->alpha_drop[i] = NAN;
    if (k < 2 || n < 2)
        return 0;
    double *c = malloc(k * k * sizeof(double));
    if (!c)
        return 0;
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++)
            c[i * k + j] = (s->cross[i * k + j] - s->sum[i] * s->sum[j] / n) / (n - 1);
    double total = 0;
    for (size_t i = 0; i < k * k; i++)
        total += c[i];
    for (size_t i = 0; i < k; i++) {
        double row = 0, rest = total;
        for (size_t j = 0; j < k; j++) {
            row += c[i * k + j];
            rest -= c[i * k + j] + c[j * k + i];
        }
        rest += c[i * k + i];
        double cov = row - c[i * k + i];
        if (c[i * k + i] > 0 && rest > 0)
            out->item_rest[i] = cov / sqrt(c[i * k + i] * rest);
        if (k >= 3)
            out->alpha_drop[i] = alpha_of(c, k, i);
    }
    out->alpha = alpha_of(c, k, k);
    free(c);
    if (isnan(out->alpha))
        return 0;
    double d1 = n - 1, d2 = (n - 1) * (double)(k - 1);
    out->lower = 1 - (1 - out->alpha) * qs_f_quantile(0.975, d1, d2);
    out->upper = 1 - (1 - out->alpha) * qs_f_quantile(0.025, d1, d2);
    return 1;
}

/* ---- the F distribution ----------------------------------------------------------------- */

/* One step of the modified Lentz method: updates c and d, returns the factor for h. */
static double lentz_step(double aa, double *c, double *d)
{
    const double tiny = 1e-300;
    *d = 1 + aa * *d;
    if (fabs(*d) < tiny)
        *d = tiny;
    *c = 1 + aa / *c;
    if (fabs(*c) < tiny)
        *c = tiny;
    *d = 1 / *d;
    return *d * *c;
}

/* Continued fraction of the incomplete beta function (modified Lentz). */
static double beta_cf(double a, double b, double x)
{
    const double tiny = 1e-300, eps = 1e-16;
    double qab = a + b, qap = a + 1, qam = a - 1;
    double c = 1, d = 1 - qab * x / qap;
    if (fabs(d) < tiny)
        d = tiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= 100000; m++) {
        double m2 = 2.0 * m;
        h *= lentz_step(m * (b - m) * x / ((qam + m2) * (a + m2)), &c, &d);
        double del = lentz_step(-(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)), &c, &d);
        h *= del;
        if (fabs(del - 1) < eps)
            break;
    }
    return h;
}

double qs_beta_inc(double a, double b, double x)
{
    if (!(a > 0) || !(b > 0) || isnan(x))
        return NAN;
    if (x <= 0)
        return 0;
    if (x >= 1)
        return 1;
    double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
    double bt = exp(lbt);
    if (x < (a + 1) / (a + b + 2))
        return bt * beta_cf(a, b, x) / a;
    return 1 - bt * beta_cf(b, a, 1 - x) / b;
}

/* The regularized lower incomplete gamma function P(a, x) (series, or continued fraction). */
static double gamma_p(double a, double x)
{
    if (x <= 0)
        return 0;
    double lpre = -x + a * log(x) - lgamma(a);
    if (x < a + 1) {
        double ap = a, sum = 1 / a, del = sum;
        for (int n = 0; n < 100000 && fabs(del) > fabs(sum) * 1e-17; n++) {
            ap += 1;
            del *= x / ap;
            sum += del;
        }
        return sum * exp(lpre);
    }
    const double tiny = 1e-300;
    double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
    for (int i = 1; i <= 100000; i++) {
        double an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (fabs(d) < tiny)
            d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-16)
            break;
    }
    return 1 - exp(lpre) * h;
}

/* The p-quantile of the chi-square distribution with df degrees of freedom (bisection). */
static double chisq_quantile(double p, double df)
{
    double lo = 0, hi = df + 10;
    while (gamma_p(df / 2, hi / 2) < p && hi < 1e300)
        hi *= 2;
    for (int i = 0; i < 2000; i++) {
        double mid = lo + (hi - lo) / 2;
        if (mid <= lo || mid >= hi)
            break;
        if (gamma_p(df / 2, mid / 2) < p)
            lo = mid;
        else
            hi = mid;
    }
    return lo + (hi - lo) / 2;
}

double qs_f_quantile(double p, double d1, double d2)
{
    if (!(p > 0 && p < 1) || !(d1 > 0) || !(d2 > 0))
        return NAN;
    /* As R's qf (nmath/qf.c), so intervals match psych::alpha: with more than 400,000
     * denominator (numerator) degrees of freedom R uses the chi-square limit. */
    if (d1 <= d2 && d2 > 4e5)
        return chisq_quantile(p, d1) / d1;
    if (d1 > 4e5)
        return d2 / chisq_quantile(1 - p, d2);
    /* P(F <= x) = I_y(d1/2, d2/2) with y = d1 x / (d1 x + d2): solve for y by bisection. */
    double lo = 0, hi = 1, a = d1 / 2, b = d2 / 2;
    for (int i = 0; i < 2000; i++) {
        double mid = lo + (hi - lo) / 2;
        if (mid <= lo || mid >= hi)
            break;
        if (qs_beta_inc(a, b, mid) < p)
            lo = mid;
        else
            hi = mid;
    }
    double y = lo + (hi - lo) / 2;
    return d2 * y / (d1 * (1 - y));
}
