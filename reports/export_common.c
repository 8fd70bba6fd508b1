/* export_common.c - the parts of an export that merge recomputes: cells, suppression,
 * reliability, sufficient statistics, data dictionary, manifest, and the export folder. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export_internal.h"
#include "grow.h"
#include "hash.h"
#include "qscore/atomic.h"
#include "qscore/export.h"
#include "qscore/format.h"
#include "qscore/store.h"
#include "qscore/version.h"
#include "text.h"

/* ---- the cohort -------------------------------------------------------------------------- */

qs_error qs_xcohort__init(qs_xcohort *c)
{
    memset(c, 0, sizeof(*c));
    c->pool = qs_pool__new();
    return c->pool ? QS_OK : QS_ENOMEM;
}

void qs_xcohort__free(qs_xcohort *c)
{
    for (size_t i = 0; i < c->ncells; i++)
        qs_freq_free(&c->cells[i].freq);
    for (size_t i = 0; i < c->nrels; i++)
        qs_itemstats_free(&c->rels[i].st);
    free(c->cells);
    free(c->slots);
    free(c->rels);
    qs_pool__free(c->pool);
    memset(c, 0, sizeof(*c));
}

static uint64_t cell_hash(const char *site, const char *group, const char *instrument,
                          const char *version, const char *score, long wave)
{
    uint64_t h = qs_hash__str(qs_hash__str(QS_HASH_SEED, site), group);
    h = qs_hash__str(qs_hash__str(qs_hash__str(h, instrument), version), score);
    return qs_hash__final(qs_hash__update(h, &wave, sizeof(wave)));
}

static int cell_is(const qs_xcell *x, const char *site, const char *group, const char *instrument,
                   const char *version, const char *score, long wave)
{
    return x->wave == wave && strcmp(x->site, site) == 0 && strcmp(x->group, group) == 0 &&
           strcmp(x->instrument, instrument) == 0 && strcmp(x->version, version) == 0 &&
           strcmp(x->score, score) == 0;
}

static int grow_slots(qs_xcohort *c)
{
    size_t n = c->nslots ? c->nslots * 2 : 256;
    size_t *slots = calloc(n, sizeof(size_t));
    if (!slots)
        return 0;
    for (size_t i = 0; i < c->ncells; i++) {
        const qs_xcell *x = &c->cells[i];
        size_t j =
            (size_t)(cell_hash(x->site, x->group, x->instrument, x->version, x->score, x->wave) &
                     (n - 1));
        while (slots[j])
            j = (j + 1) & (n - 1);
        slots[j] = i + 1;
    }
    free(c->slots);
    c->slots = slots;
    c->nslots = n;
    return 1;
}

static const char *pstr(qs_pool *p, const char *s)
{
    return qs_pool__strndup(p, s, strlen(s));
}

qs_xcell *qs_xcohort__cell(qs_xcohort *c, const char *site, const char *group,
                           const char *instrument, const char *version, const char *score,
                           long wave)
{
    if ((c->ncells + 1) * 2 > c->nslots && !grow_slots(c))
        return NULL;
    size_t j = (size_t)(cell_hash(site, group, instrument, version, score, wave) & (c->nslots - 1));
    while (c->slots[j]) {
        qs_xcell *x = &c->cells[c->slots[j] - 1];
        if (cell_is(x, site, group, instrument, version, score, wave))
            return x;
        j = (j + 1) & (c->nslots - 1);
    }
    qs_xcell *cells = qs_grow__array(c->cells, &c->cap, c->ncells + 1, sizeof(qs_xcell), 64);
    if (!cells)
        return NULL;
    c->cells = cells;
    qs_xcell *x = &c->cells[c->ncells];
    memset(x, 0, sizeof(*x));
    x->site = pstr(c->pool, site);
    x->group = pstr(c->pool, group);
    x->instrument = pstr(c->pool, instrument);
    x->version = pstr(c->pool, version);
    x->score = pstr(c->pool, score);
    if (!x->site || !x->group || !x->instrument || !x->version || !x->score)
        return NULL;
    x->wave = wave;
    qs_freq_init(&x->freq);
    c->slots[j] = ++c->ncells;
    return x;
}

qs_xrel *qs_xcohort__rel(qs_xcohort *c, const char *instrument, const char *version,
                         const char *score, size_t k, const char *const *items)
{
    for (size_t i = 0; i < c->nrels; i++) {
        qs_xrel *r = &c->rels[i];
        if (strcmp(r->instrument, instrument) == 0 && strcmp(r->version, version) == 0 &&
            strcmp(r->score, score) == 0) {
            if (r->k != k)
                return NULL;
            for (size_t j = 0; j < k; j++)
                if (strcmp(r->items[j], items[j]) != 0)
                    return NULL;
            return r;
        }
    }
    qs_xrel *rels = qs_grow__array(c->rels, &c->relcap, c->nrels + 1, sizeof(qs_xrel), 16);
    if (!rels)
        return NULL;
    c->rels = rels;
    qs_xrel *r = &c->rels[c->nrels];
    memset(r, 0, sizeof(*r));
    r->instrument = pstr(c->pool, instrument);
    r->version = pstr(c->pool, version);
    r->score = pstr(c->pool, score);
    r->items = qs_pool__calloc(c->pool, k ? k : 1, sizeof(char *));
    if (!r->instrument || !r->version || !r->score || !r->items)
        return NULL;
    for (size_t j = 0; j < k; j++)
        if (!(r->items[j] = pstr(c->pool, items[j])))
            return NULL;
    r->k = k;
    r->pn = qs_pool__calloc(c->pool, k ? k * k : 1, sizeof(double));
    r->ps = qs_pool__calloc(c->pool, k ? k * k : 1, sizeof(double));
    r->pc = qs_pool__calloc(c->pool, k ? k * k : 1, sizeof(double));
    if (!r->pn || !r->ps || !r->pc)
        return NULL;
    if (qs_itemstats_init(&r->st, k) != QS_OK)
        return NULL;
    c->nrels++;
    return r;
}

void qs_xrel__add_pairwise(qs_xrel *r, const double *x)
{
    size_t k = r->k;
    for (size_t a = 0; a < k; a++) {
        if (isnan(x[a]))
            continue;
        for (size_t b = a; b < k; b++) {
            if (isnan(x[b]))
                continue;
            r->pn[a * k + b] += 1;
            r->ps[a * k + b] += x[a];
            if (b != a)
                r->ps[b * k + a] += x[b];
            r->pc[a * k + b] += x[a] * x[b];
        }
    }
}

/*
 * Raw alpha from the pairwise-complete covariance matrix, as psych::alpha's default:
 * C[a][b] = (pc - ps[a][b] ps[b][a] / n) / (n - 1) over the n clients who answered both, and
 * alpha = k / (k - 1) * (1 - tr C / sum C). NaN when a pair has fewer than 2 clients in common
 * (R's cov gives NA) or sum C <= 0. *nmin: the smallest pairwise n.
 */
static double alpha_pairwise(const qs_xrel *r, double *nmin)
{
    size_t k = r->k;
    double tr = 0, total = 0;
    int ok = k >= 2;
    *nmin = k ? r->pn[0] : 0;
    for (size_t a = 0; a < k; a++)
        for (size_t b = a; b < k; b++) {
            double n = r->pn[a * k + b];
            if (n < *nmin)
                *nmin = n;
            if (n < 2) {
                ok = 0;
                continue;
            }
            double sa = r->ps[a * k + b], sb = a == b ? sa : r->ps[b * k + a];
            double cab = (r->pc[a * k + b] - sa * sb / n) / (n - 1);
            if (a == b)
                tr += cab, total += cab;
            else
                total += 2 * cab;
        }
    if (!ok || !(total > 0))
        return NAN;
    return (double)k / (double)(k - 1) * (1 - tr / total);
}

static int cmp_strs(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ---- CSV --------------------------------------------------------------------------------- */

void qs_x__csv_field(FILE *fp, const char *s)
{
    if (!s)
        return;
    /* Text a spreadsheet would run as a formula (a site label, or a merged export's text)
     * gets a leading apostrophe, inside the quotes, as in every CSV qscore writes
     * (docs/score.md). */
    int formula = qs_text__formula_like(s);
    size_t n = strlen(s);
    int edge = n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t');
    if (!edge && !s[strcspn(s, ",\"\r\n")]) {
        if (formula)
            fputc('\'', fp);
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    if (formula)
        fputc('\'', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

void qs_x__csv_num(FILE *fp, double v)
{
    char buf[64];
    if (isnan(v))
        return;
    qs_format_double(buf, sizeof(buf), v);
    fputs(buf, fp);
}

void qs_x__csv_real(FILE *fp, double v)
{
    char buf[64];
    if (isnan(v))
        return;
    qs_format_double(buf, sizeof(buf), v);
    fputs(buf, fp);
    /* "inf" and "1e+20" read as floating point already. */
    if (!buf[strcspn(buf, ".eEinIN")])
        fputs(".0", fp);
}

void qs_x__csv_nan(FILE *fp, double v, int real)
{
    if (isnan(v))
        fputs("NaN", fp);
    else if (real)
        qs_x__csv_real(fp, v);
    else
        qs_x__csv_num(fp, v);
}

const char *qs_x__bool(int v)
{
    return v ? "TRUE" : "FALSE";
}

/* ---- columns ----------------------------------------------------------------------------- */

#define COLS(t) (sizeof(t) / sizeof((t)[0]))

static const char *const file_names[QS_XF_COUNT] = {
    "scores.csv",     "flags.csv",       "items.csv", "scores/instrument=ID/site=SITE/part-0.csv",
    "aggregates.csv", "reliability.csv", "stats.csv", "codebook.csv"};

const char *qs_x__file_name(qs_xfile_kind kind)
{
    return file_names[kind];
}

/* The first columns of every long file; `part` marks the two a partition holds in its path. */
static const struct {
    qs_xcol c;
    int part; /* 1: left out of a partition file; 2: only with export.year */
} long_head[] = {
    {{"pid", "VARCHAR", "", "24 characters a-z 2-7",
      "the client's pseudonym (keyed HMAC-SHA-256 of site and client id)", 0},
     0},
    {{"site", "VARCHAR", "", "the sites' labels", "the clinic's site label (from its config)", 0},
     1},
    {{"group_pid", "VARCHAR", "", "24 characters a-z 2-7; empty without a group",
      "the therapy group's pseudonym", 0},
     0},
    {{"instrument", "VARCHAR", "", "instrument ids", "instrument id (e.g. dsi-r)", 0}, 1},
    {{"instrument_version", "VARCHAR", "", "version text (e.g. 1.0)",
      "version of the instrument definition it was scored with", 0},
     0},
    {{"wave", "BIGINT", "administration number", "1 or more",
      "the client's administrations of this instrument in time order", 0},
     0},
    {{"days_since_baseline", "BIGINT", "days", "0 or more; empty when undated",
      "days from the client's first dated administration (any instrument)", 0},
     0},
    {{"baseline_year", "BIGINT", "calendar year", "a year",
      "year of the client's first dated administration (export.year: true)", 0},
     2},
};

static const qs_xcol scores_tail[] = {
    {"score", "VARCHAR", "", "the instrument's score ids", "score id of the instrument", 0},
    {"value", "DOUBLE", "the score's scale (instrument definition)",
     "the score's range; empty when it could not be computed", "the score", 0},
    {"t", "DOUBLE", "T (mean 50, SD 10)",
     "NaN when there is no T score (no norm chosen, a local norm still pending, or no value)",
     "T score against the site's chosen norm (a local norm: not comparable across sites)", 1},
    {"status", "VARCHAR", "", "ok, prorated, or why there is no value",
     "how the value was computed", 0},
};

static const qs_xcol flags_tail[] = {
    {"flag", "VARCHAR", "", "the instrument's flag ids", "flag id of the instrument", 0},
    {"status", "VARCHAR", "", "raised, not_evaluable",
     "raised, or not evaluable (a score it needs is missing)", 0},
    {"severity", "VARCHAR", "", "low, medium, high", "the flag's severity", 0},
};

static const qs_xcol items_tail[] = {
    {"item", "BIGINT", "", "the instrument's item numbers", "item number as published", 0},
    {"answer", "BIGINT", "the instrument's answer scale", "the scale's values; empty: unanswered",
     "the answer", 0},
    {"keyed", "BIGINT", "the instrument's answer scale", "the scale's values; empty: unanswered",
     "the answer after reverse keying (what scores use)", 0},
};

static const qs_xcol aggregates_cols[] = {
    {"level", "VARCHAR", "", "all, site, group", "the cell's level", 0},
    {"site", "VARCHAR", "", "the sites' labels; empty at level all", "site label", 0},
    {"group_pid", "VARCHAR", "",
     "24 characters a-z 2-7; empty above level group or without a group", "the group's pseudonym",
     0},
    {"instrument", "VARCHAR", "", "instrument ids", "instrument id", 0},
    {"instrument_version", "VARCHAR", "", "version text", "instrument definition version", 0},
    {"score", "VARCHAR", "", "the instrument's score ids", "score id", 0},
    {"wave", "BIGINT", "administration number", "1 or more", "wave", 0},
    {"n", "BIGINT", "administrations", "k or more; NaN when suppressed",
     "values of the score in the cell", 1},
    {"mean", "DOUBLE", "the score's scale", "NaN when hidden", "mean of the values", 1},
    {"sd", "DOUBLE", "the score's scale", "0 or more; NaN when hidden or n = 1",
     "standard deviation (n - 1)", 1},
    {"min", "DOUBLE", "the score's scale", "NaN when hidden", "smallest value (one client's)", 1},
    {"max", "DOUBLE", "the score's scale", "NaN when hidden", "largest value (one client's)", 1},
    {"q1", "DOUBLE", "the score's scale", "NaN when hidden", "first quartile (R quantile type 7)",
     1},
    {"median", "DOUBLE", "the score's scale", "NaN when hidden", "median", 1},
    {"q3", "DOUBLE", "the score's scale", "NaN when hidden", "third quartile (R quantile type 7)",
     1},
    {"n_flagged", "BIGINT", "administrations", "0 or more; NaN when hidden",
     "administrations with at least one raised flag", 1},
    {"suppressed", "BOOLEAN", "", "TRUE, FALSE", "TRUE: the cell's statistics are hidden", 0},
    {"flagged_suppressed", "BOOLEAN", "", "TRUE, FALSE",
     "TRUE: n_flagged and the score statistics are hidden (n shown)", 0},
};

static const qs_xcol reliability_cols[] = {
    {"instrument", "VARCHAR", "", "instrument ids", "instrument id", 0},
    {"instrument_version", "VARCHAR", "", "version text", "instrument definition version", 0},
    {"score", "VARCHAR", "", "score ids with 2 or more items", "score id", 0},
    {"item", "BIGINT", "", "the score's item numbers; empty on the score's row", "item number", 0},
    {"n", "BIGINT", "clients", "k or more; NaN when suppressed",
     "complete cases: first administrations with every item of the score answered", 1},
    {"n_items", "BIGINT", "items", "2 or more", "items of the score", 0},
    {"alpha", "DOUBLE", "coefficient", "at most 1; score rows, else NaN",
     "raw alpha (psych raw_alpha)", 1},
    {"alpha_lower", "DOUBLE", "coefficient", "at most 1; score rows, else NaN",
     "Feldt 95% lower bound", 1},
    {"alpha_upper", "DOUBLE", "coefficient", "at most 1; score rows, else NaN",
     "Feldt 95% upper bound", 1},
    {"item_rest_r", "DOUBLE", "correlation", "between -1 and 1; item rows, else NaN",
     "item-rest correlation (psych r.drop)", 1},
    {"alpha_if_deleted", "DOUBLE", "coefficient",
     "at most 1; item rows of 3+ item scores, else NaN",
     "alpha without the item (psych alpha.drop)", 1},
    {"suppressed", "BOOLEAN", "", "TRUE, FALSE", "TRUE when n < k: statistics NaN", 0},
    {"alpha_pairwise", "DOUBLE", "coefficient",
     "at most 1; score rows, else NaN (also when a pair has fewer than 2 clients)",
     "raw alpha from pairwise-complete covariances (psych::alpha default raw_alpha), over every "
     "first administration whatever was left blank",
     1},
    {"n_pairwise_min", "BIGINT", "clients", "0 or more; score rows, else NaN",
     "the smallest number of clients who answered both items of a pair (an item: answered it)", 1},
};

static const qs_xcol stats_cols[] = {
    {"kind", "VARCHAR", "",
     "meta, freq, flagged, items_n, item_sum, item_cross, pair_n, pair_sum, pair_cross",
     "which sufficient statistic", 0},
    {"site", "VARCHAR", "", "the sites' labels; empty on meta and item rows", "site label", 0},
    {"group_pid", "VARCHAR", "", "24 characters a-z 2-7 or empty", "the group's pseudonym", 0},
    {"instrument", "VARCHAR", "", "instrument ids or empty", "instrument id", 0},
    {"instrument_version", "VARCHAR", "", "version text or empty", "instrument definition version",
     0},
    {"score", "VARCHAR", "", "score ids; on meta rows the setting's name", "score id or setting",
     0},
    {"wave", "BIGINT", "administration number", "1 or more; empty on meta and item rows", "wave",
     0},
    {"item", "BIGINT", "", "item numbers or empty", "item (item_sum, item_cross, pair_*)", 0},
    {"item2", "BIGINT", "", "item numbers or empty", "second item (item_cross, pair_*)", 0},
    {"value", "VARCHAR", "", "a score value (freq) or a setting's text (meta)",
     "the statistic's value", 0},
    {"count", "BIGINT", "", "whole numbers; empty on meta rows",
     "how many (freq, flagged, items_n, pair_n) or the sum (item_sum, item_cross, pair_sum, "
     "pair_cross)",
     0},
};

static const qs_xcol codebook_cols[] = {
    {"file", "VARCHAR", "", "the export's CSV files (partitions: their path pattern)",
     "the file the column is in", 0},
    {"column", "VARCHAR", "", "the file's header names", "the column's name", 0},
    {"type", "VARCHAR", "", "VARCHAR, BIGINT, DOUBLE, BOOLEAN",
     "the column's type (DuckDB names, as in schema.sql)", 0},
    {"unit", "VARCHAR", "", "text; empty when none", "unit or scale", 0},
    {"values", "VARCHAR", "", "text", "allowed values or range", 0},
    {"meaning", "VARCHAR", "", "text", "what the column holds", 0},
};

size_t qs_x__columns(qs_xfile_kind kind, int year, size_t ncov, const char *const *covs,
                     const char *const *kinds, qs_xcol *out, size_t cap)
{
    const qs_xcol *fixed = NULL, *tail = NULL;
    size_t nfixed = 0, ntail = 0, n = 0;
    switch (kind) {
    case QS_XF_AGGREGATES:
        fixed = aggregates_cols, nfixed = COLS(aggregates_cols);
        break;
    case QS_XF_RELIABILITY:
        fixed = reliability_cols, nfixed = COLS(reliability_cols);
        break;
    case QS_XF_STATS:
        fixed = stats_cols, nfixed = COLS(stats_cols);
        break;
    case QS_XF_CODEBOOK:
        fixed = codebook_cols, nfixed = COLS(codebook_cols);
        break;
    case QS_XF_FLAGS:
        tail = flags_tail, ntail = COLS(flags_tail);
        break;
    case QS_XF_ITEMS:
        tail = items_tail, ntail = COLS(items_tail);
        break;
    default:
        tail = scores_tail, ntail = COLS(scores_tail);
        break;
    }
    for (size_t i = 0; i < nfixed && n < cap; i++)
        out[n++] = fixed[i];
    if (fixed)
        return n;
    for (size_t i = 0; i < COLS(long_head) && n < cap; i++) {
        if ((long_head[i].part == 1 && kind == QS_XF_PART) || (long_head[i].part == 2 && !year))
            continue;
        out[n++] = long_head[i].c;
    }
    for (size_t i = 0; i < ntail && n < cap; i++)
        out[n++] = tail[i];
    for (size_t i = 0; i < ncov && n < cap; i++) {
        const char *k = kinds ? kinds[i] : "category";
        int age = strcmp(k, "age_band") == 0, yr = strcmp(k, "year") == 0;
        out[n++] = (qs_xcol){
            covs[i],
            "VARCHAR",
            age  ? "years"
            : yr ? "calendar year"
                 : "",
            age  ? "0-17, 18-24, 25-34, ..., 75-89, 90+; empty when not an age"
            : yr ? "a year, (rare), 90+ years before baseline; empty when not a date"
                 : "the survey's categories, (rare) when held by fewer than k clients of a site",
            age  ? "allow-listed covariate: age band"
            : yr ? "allow-listed covariate: a date's year"
                 : "allow-listed covariate: a category",
            0};
    }
    return n;
}

void qs_x__write_header(FILE *fp, qs_xfile_kind kind, int year, size_t ncov,
                        const char *const *covs)
{
    qs_xcol cols[QS_XCOLS_MAX];
    /* The covariates straight from the caller: a header is never cut to the table's room. */
    size_t n = qs_x__columns(kind, year, 0, NULL, NULL, cols, QS_XCOLS_MAX);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', fp);
        fputs(cols[i].name, fp);
    }
    for (size_t i = 0;
         kind != QS_XF_AGGREGATES && kind != QS_XF_RELIABILITY && kind != QS_XF_STATS && i < ncov;
         i++) {
        fputc(',', fp);
        fputs(covs[i], fp);
    }
}

/* A SQL string literal's body: ' doubled. */
static void sql_str(FILE *fp, const char *s)
{
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', fp);
        fputc(*s, fp);
    }
}

/* A SQL identifier's body (inside double quotes): " doubled. */
static void sql_ident(FILE *fp, const char *s)
{
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
}

/*
 * schema.sql: one DuckDB view per CSV file with every column's type given, from the same
 * column tables that write the headers, so a file that happens to hold only empty cells in a
 * column still reads as its type. A column that writes a missing number as NaN is read as
 * DOUBLE and turned into NULL (and its type) by the view, as SQL expects of a missing value.
 */
static void write_schema(const qs_xmeta *m, FILE *fp)
{
    static const struct {
        qs_xfile_kind kind;
        const char *view, *path;
    } views[] = {{QS_XF_SCORES, "scores", "scores.csv"},
                 {QS_XF_FLAGS, "flags", "flags.csv"},
                 {QS_XF_ITEMS, "items", "items.csv"},
                 {QS_XF_PART, "scores_partitioned", "scores/*/*/*.csv"},
                 {QS_XF_AGGREGATES, "aggregates", "aggregates.csv"},
                 {QS_XF_RELIABILITY, "reliability", "reliability.csv"},
                 {QS_XF_STATS, "stats", "stats.csv"}};
    qs_xcol cols[QS_XCOLS_MAX];
    fputs("-- schema.sql: DuckDB views with explicit column types over this export's CSV files.\n"
          "-- Run it in the export folder (duckdb -init schema.sql, or .read schema.sql); Spark\n"
          "-- and Trino take the same column names and types (see codebook.csv).\n",
          fp);
    for (size_t v = 0; v < sizeof(views) / sizeof(views[0]); v++) {
        if (views[v].kind == QS_XF_ITEMS && !m->items)
            continue;
        size_t n = qs_x__columns(views[v].kind, m->year, m->ncovariates, m->covariates,
                                 m->covariate_kinds, cols, QS_XCOLS_MAX);
        fprintf(fp, "CREATE OR REPLACE VIEW %s AS SELECT *", views[v].view);
        int nnan = 0;
        for (size_t i = 0; i < n; i++) {
            if (!cols[i].nan)
                continue;
            fputs(nnan++ ? ",\n    " : " REPLACE (\n    ", fp);
            fputs("CAST(CASE WHEN isnan(\"", fp);
            sql_ident(fp, cols[i].name);
            fputs("\") THEN NULL ELSE \"", fp);
            sql_ident(fp, cols[i].name);
            fprintf(fp, "\" END AS %s) AS \"", cols[i].type);
            sql_ident(fp, cols[i].name);
            fputc('"', fp);
        }
        if (nnan)
            fputc(')', fp);
        fprintf(fp,
                "\n  FROM read_csv('%s', header = true,\n"
                "    auto_detect = false, delim = ',', quote = '\"', escape = '\"',",
                views[v].path);
        if (views[v].kind == QS_XF_PART)
            fputs("\n    hive_partitioning = true, hive_types = {'instrument': 'VARCHAR', "
                  "'site': 'VARCHAR'},",
                  fp);
        fputs("\n    columns = {", fp);
        for (size_t i = 0; i < n; i++) {
            fputs(i ? ", '" : "'", fp);
            sql_str(fp, cols[i].name);
            fprintf(fp, "': '%s'", cols[i].nan ? "DOUBLE" : cols[i].type);
        }
        fputs("});\n", fp);
    }
}

/*
 * codebook.csv: one row per column of every CSV file of the export (codebook.csv's own
 * included), from the tables that write the headers and schema.sql. Returns the rows written.
 */
static unsigned long write_codebook(const qs_xmeta *m, FILE *fp)
{
    qs_xcol cols[QS_XCOLS_MAX];
    unsigned long rows = 0;
    qs_x__write_header(fp, QS_XF_CODEBOOK, 0, 0, NULL);
    fputc('\n', fp);
    for (int f = 0; f < QS_XF_COUNT; f++) {
        if (f == QS_XF_ITEMS && !m->items)
            continue;
        size_t n = qs_x__columns((qs_xfile_kind)f, m->year, m->ncovariates, m->covariates,
                                 m->covariate_kinds, cols, QS_XCOLS_MAX);
        for (size_t i = 0; i < n; i++) {
            const char *v[] = {qs_x__file_name((qs_xfile_kind)f),
                               cols[i].name,
                               cols[i].type,
                               cols[i].unit,
                               cols[i].values,
                               cols[i].meaning};
            for (size_t j = 0; j < sizeof(v) / sizeof(v[0]); j++) {
                if (j)
                    fputc(',', fp);
                qs_x__csv_field(fp, v[j]);
            }
            fputc('\n', fp);
            rows++;
        }
    }
    return rows;
}

/* ---- aggregates with suppression ---------------------------------------------------------- */

/*
 * A table is one instrument, version and wave; its cells form a hierarchy: all sites, each site,
 * each group of a site. One suppression pattern is computed per table and applied to every score
 * of it, so comparing two scores' tables gives nothing away.
 */
struct node {
    const char *site, *group; /* NULL above their level */
    int level;                /* 0 all, 1 site, 2 group */
    double *n, *f;            /* per score: values, administrations flagged */
    qs_freq *freq;            /* per score: the values (group level: copies of the cells') */
    double nmin, nmax, fmax;
    int supp, fsupp; /* 0 published, 1 primary, 2 complementary */
};

static int cmp_cells(const void *a, const void *b)
{
    const qs_xcell *x = *(const qs_xcell *const *)a, *y = *(const qs_xcell *const *)b;
    int c;
    if ((c = strcmp(x->instrument, y->instrument)) || (c = strcmp(x->version, y->version)))
        return c;
    if (x->wave != y->wave)
        return x->wave < y->wave ? -1 : 1;
    if ((c = strcmp(x->site, y->site)) || (c = strcmp(x->group, y->group)))
        return c;
    return strcmp(x->score, y->score);
}

static qs_xcell **sorted_cells(qs_xcohort *c)
{
    qs_xcell **v = malloc((c->ncells ? c->ncells : 1) * sizeof(*v));
    if (!v)
        return NULL;
    for (size_t i = 0; i < c->ncells; i++)
        v[i] = &c->cells[i];
    if (c->ncells)
        qsort(v, c->ncells, sizeof(*v), cmp_cells);
    return v;
}

/*
 * Complementary suppression between a parent and its parts (the parent is their total), for
 * counts (flags = 0: n; 1: n_flagged). Under a published parent, one suppressed part would be
 * given away by subtraction, and several suppressed parts that add up to less than k would each
 * be narrowed to a few values: more parts are suppressed, smallest first, until at least two are
 * and they hold k or more — or the parent is suppressed when no part is left. A suppressed
 * parent whose parts are all published could be rebuilt by addition: its smallest part is
 * suppressed. Returns 1 when something changed.
 */
static int protect(struct node *parent, struct node **kids, size_t m, int flags, long k)
{
    int changed = 0;
    for (;;) {
        size_t ns = 0;
        double hidden = 0;
        struct node *best = NULL;
        for (size_t i = 0; i < m; i++) {
            int s = flags ? kids[i]->fsupp : kids[i]->supp;
            double v = flags ? kids[i]->fmax : kids[i]->nmax;
            if (s) {
                ns++;
                hidden += v;
            } else if (!best || v < (flags ? best->fmax : best->nmax)) {
                best = kids[i];
            }
        }
        int psupp = flags ? parent->fsupp : parent->supp;
        int need = psupp ? ns == 0 && m > 0 : ns == 1 || (ns >= 2 && hidden < (double)k);
        if (!need)
            return changed;
        if (best) {
            *(flags ? &best->fsupp : &best->supp) = 2;
        } else {
            *(flags ? &parent->fsupp : &parent->supp) = 2;
            return 1;
        }
        changed = 1;
    }
}

/*
 * The audit: what an analyst can derive from a table's published counts. For each score, every
 * cell's n, n_flagged and n - n_flagged get an interval: the published value, or [1 (0 for a
 * cell without values of that score), unbounded] when hidden, narrowed by propagation through
 * total = sum of parts at both levels and n = flagged + not flagged in each cell, until nothing
 * changes. A hidden count that is small (below k) must keep an interval at least k - 1 wide, so
 * an analyst cannot tell it from a count of k or more.
 */
#define QS_UNBOUNDED 1e15

struct iv {
    double lo, hi;
};

static int narrow(struct iv *x, double lo, double hi)
{
    int changed = 0;
    lo = ceil(lo - 1e-9);
    hi = floor(hi + 1e-9);
    if (lo > x->lo) {
        x->lo = lo;
        changed = 1;
    }
    if (hi < x->hi) {
        x->hi = hi;
        changed = 1;
    }
    return changed;
}

/* total = sum of parts: x[p] and x[kids[0..m)]. */
static int propagate_sum(struct iv *x, size_t p, const size_t *kids, size_t m)
{
    double slo = 0, shi = 0;
    int changed = 0;
    for (size_t i = 0; i < m; i++) {
        slo += x[kids[i]].lo;
        shi += x[kids[i]].hi;
    }
    changed |= narrow(&x[p], slo, shi);
    for (size_t i = 0; i < m; i++) {
        struct iv *c = &x[kids[i]];
        changed |= narrow(c, x[p].lo - (shi - c->hi), x[p].hi - (slo - c->lo));
    }
    return changed;
}

/*
 * One table: an instrument, version and wave; nodes in the order all, then each site followed by
 * its groups; prev[i]: the same node (level, site, group) in the wave before, or SIZE_MAX.
 */
struct table {
    const qs_xcell *cell; /* names the instrument, version and wave */
    size_t nn, nsc;
    const char **scores; /* sorted */
    struct node *nodes;
    size_t *parent, *prev, *kids;
    struct node **kidp;
    double *nums;
    qs_freq *freqs;
    struct iv *ivs; /* 3 * nn: N, F, G of the score being audited */
    long score;     /* index of that score in this table, or -1 */
};

static void init_bounds(struct table *t)
{
    struct iv *N = t->ivs, *F = N + t->nn, *G = F + t->nn;
    for (size_t i = 0; i < t->nn; i++) {
        const struct node *d = &t->nodes[i];
        if (t->score < 0) {
            N[i] = F[i] = G[i] = (struct iv){0, QS_UNBOUNDED};
            continue;
        }
        double n = d->n[t->score], f = d->f[t->score];
        int fh = d->supp || d->fsupp;
        N[i] = d->supp ? (struct iv){n >= 1 ? 1 : 0, QS_UNBOUNDED} : (struct iv){n, n};
        F[i] = fh ? (struct iv){0, QS_UNBOUNDED} : (struct iv){f, f};
        G[i] = fh ? (struct iv){0, QS_UNBOUNDED} : (struct iv){n - f, n - f};
    }
}

/* One round of propagation inside a table; 1 when an interval narrowed. */
static int propagate_table(struct table *t)
{
    struct iv *N = t->ivs, *F = N + t->nn, *G = F + t->nn;
    int changed = 0;
    if (t->score < 0)
        return 0;
    for (size_t i = 0; i < t->nn; i++) {
        struct iv fg[3] = {N[i], F[i], G[i]};
        size_t two[2] = {1, 2};
        changed |= propagate_sum(fg, 0, two, 2);
        N[i] = fg[0];
        F[i] = fg[1];
        G[i] = fg[2];
    }
    /* The parts of a total are the nodes after it whose parent it is (all, then each site
     * followed by its groups). */
    for (size_t p = 0; p < t->nn; p++) {
        if (t->nodes[p].level == 2)
            continue;
        size_t m = 0;
        for (size_t i = p + 1; i < t->nn; i++)
            if (t->parent[i] == p && (p != 0 || t->nodes[i].level == 1))
                t->kids[m++] = i;
            else if (p != 0 && t->nodes[i].level != 2)
                break;
        if (!m)
            continue;
        changed |= propagate_sum(N, p, t->kids, m);
        changed |= propagate_sum(F, p, t->kids, m);
        changed |= propagate_sum(G, p, t->kids, m);
    }
    return changed;
}

/*
 * The audit of all waves of one instrument and version together: for each score, the intervals
 * of every table, narrowed inside each table and across waves — a client's wave w + 1 comes after
 * a wave w, so a cell's n in wave w + 1 is at most its n in wave w. Returns the table and cell
 * whose hidden small count is pinned too closely (*flags 0: n, 1: n_flagged), or 0 when all
 * pass.
 */
static int audit_family(struct table *tabs, size_t ntab, long k, size_t *bad_t, size_t *bad_i,
                        int *flags)
{
    double need = (double)k - 1;
    for (size_t t0 = 0; t0 < ntab; t0++)
        for (size_t s0 = 0; s0 < tabs[t0].nsc; s0++) {
            const char *score = tabs[t0].scores[s0];
            int done_before = 0; /* audited already from an earlier table holding this score */
            for (size_t t = 0; t < t0 && !done_before; t++)
                for (size_t s = 0; s < tabs[t].nsc && !done_before; s++)
                    done_before = strcmp(tabs[t].scores[s], score) == 0;
            if (done_before)
                continue;
            for (size_t t = 0; t < ntab; t++) {
                tabs[t].score = -1;
                for (size_t s = 0; s < tabs[t].nsc; s++)
                    if (strcmp(tabs[t].scores[s], score) == 0)
                        tabs[t].score = (long)s;
                init_bounds(&tabs[t]);
            }
            for (int round = 0, changed = 1; changed && round < 1000; round++) {
                changed = 0;
                for (size_t t = 0; t < ntab; t++)
                    changed |= propagate_table(&tabs[t]);
                for (size_t t = 1; t < ntab; t++) {
                    if (tabs[t].score < 0 || tabs[t - 1].score < 0)
                        continue;
                    struct iv *N = tabs[t].ivs, *P = tabs[t - 1].ivs;
                    for (size_t i = 0; i < tabs[t].nn; i++) {
                        size_t j = tabs[t].prev[i];
                        if (j == SIZE_MAX)
                            continue;
                        changed |= narrow(&N[i], 0, P[j].hi);
                        changed |= narrow(&P[j], N[i].lo, QS_UNBOUNDED);
                    }
                }
            }
            for (size_t t = 0; t < ntab; t++) {
                if (tabs[t].score < 0)
                    continue;
                const struct iv *N = tabs[t].ivs, *F = N + tabs[t].nn, *G = F + tabs[t].nn;
                for (size_t i = 0; i < tabs[t].nn; i++) {
                    const struct node *d = &tabs[t].nodes[i];
                    double n = d->n[tabs[t].score], f = d->f[tabs[t].score];
                    int nbad = d->supp && n < (double)k && N[i].hi - N[i].lo < need;
                    int fbad = (d->supp || d->fsupp) &&
                               ((f >= 1 && f < (double)k) || n - f < (double)k) &&
                               (F[i].hi - F[i].lo < need || G[i].hi - G[i].lo < need);
                    if (nbad || fbad) {
                        *bad_t = t;
                        *bad_i = i;
                        *flags = !nbad;
                        return 1;
                    }
                }
            }
        }
    return 0;
}

/* Hide one more cell to widen cell i's interval: its smallest published part, else its smallest
 * published sibling, else its total; the same one level up when those are hidden. 0 when
 * everything that could help is hidden already. */
static int widen(struct node *nodes, const size_t *parent, size_t nn, size_t i, int flags)
{
#define HIDDEN(x) (flags ? (x)->fsupp || (x)->supp : (x)->supp)
#define SIZE(x)   (flags ? (x)->fmax : (x)->nmax)
    for (size_t x = i, first = 1;; first = 0) {
        struct node *best = NULL;
        if (!first && x == 0)
            return 0; /* the grand total has no siblings and no total above it */
        for (size_t j = 1; j < nn; j++) {
            int candidate = first ? parent[j] == x : parent[j] == parent[x] && j != x;
            if (candidate && !HIDDEN(&nodes[j]) && (!best || SIZE(&nodes[j]) < SIZE(best)))
                best = &nodes[j];
        }
        if (!best && first)
            continue; /* no published part: look at the siblings */
        if (!best && x != 0 && !HIDDEN(&nodes[parent[x]]))
            best = &nodes[parent[x]];
        if (best) {
            if (flags)
                best->fsupp = 2;
            else
                best->supp = best->fsupp = 2;
            return 1;
        }
        if (x == 0)
            return 0;
        x = parent[x];
    }
#undef HIDDEN
#undef SIZE
}

static void write_row(FILE *fp, const qs_xcell *t, const char *score, const struct node *nd,
                      size_t s)
{
    static const char *const levels[] = {"all", "site", "group"};
    qs_summary sum;
    fputs(levels[nd->level], fp);
    fputc(',', fp);
    qs_x__csv_field(fp, nd->site);
    fputc(',', fp);
    qs_x__csv_field(fp, nd->group);
    fputc(',', fp);
    qs_x__csv_field(fp, t->instrument);
    fputc(',', fp);
    qs_x__csv_field(fp, t->version);
    fputc(',', fp);
    qs_x__csv_field(fp, score);
    fprintf(fp, ",%ld,", t->wave);
    /* n, mean, sd, min, max, q1, median, q3, n_flagged: NaN when hidden (docs/export.md). The
     * score statistics would bound how many passed a flag's cutoff (a max below it says all
     * did): with n_flagged hidden, only n is shown. */
    double v[9];
    for (size_t i = 0; i < 9; i++)
        v[i] = NAN;
    if (!nd->supp)
        v[0] = nd->n[s];
    if (!nd->supp && !nd->fsupp) {
        qs_freq_summary(&nd->freq[s], &sum);
        double w[] = {sum.n, sum.mean, sum.sd, sum.min, sum.max, sum.q1, sum.median, sum.q3};
        for (size_t i = 0; i < 8; i++)
            v[i] = w[i];
        v[8] = nd->f[s];
    }
    for (size_t i = 0; i < 9; i++) {
        qs_x__csv_nan(fp, v[i], i > 0 && i < 8); /* n and n_flagged are counts */
        fputc(',', fp);
    }
    fprintf(fp, "%s,%s\n", qs_x__bool(nd->supp), qs_x__bool(nd->fsupp));
}

static void table_free(struct table *t)
{
    for (size_t i = 0; t->freqs && i < t->nn * t->nsc; i++)
        qs_freq_free(&t->freqs[i]);
    free(t->freqs);
    free(t->nums);
    free(t->nodes);
    free(t->kids);
    free(t->kidp);
    free(t->parent);
    free(t->prev);
    free(t->ivs);
    free(t->scores);
    memset(t, 0, sizeof(*t));
}

/* Build the table of cells v[a..b): its nodes with their counts, and the primary suppression. */
static qs_error table_build(qs_xcell **v, size_t a, size_t b, long k, struct table *t)
{
    memset(t, 0, sizeof(*t));
    t->cell = v[a];
    t->scores = malloc((b - a) * sizeof(char *));
    if (!t->scores)
        return QS_ENOMEM;
    t->nn = 1;
    for (size_t i = a; i < b; i++) {
        int seen = 0;
        for (size_t j = 0; j < t->nsc && !seen; j++)
            seen = strcmp(t->scores[j], v[i]->score) == 0;
        if (!seen)
            t->scores[t->nsc++] = v[i]->score;
        if (i == a || strcmp(v[i]->site, v[i - 1]->site) != 0)
            t->nn++; /* a site node */
        if (i == a || strcmp(v[i]->site, v[i - 1]->site) != 0 ||
            strcmp(v[i]->group, v[i - 1]->group) != 0)
            t->nn++; /* a group node */
    }
    qsort(t->scores, t->nsc, sizeof(char *), cmp_strs);
    size_t nn = t->nn, nsc = t->nsc;
    t->nodes = calloc(nn, sizeof(*t->nodes));
    t->kids = calloc(nn, sizeof(size_t));
    t->kidp = calloc(nn, sizeof(struct node *));
    t->parent = calloc(nn, sizeof(size_t));
    t->prev = calloc(nn, sizeof(size_t));
    t->ivs = calloc(3 * nn, sizeof(struct iv));
    t->nums = calloc(nn * nsc * 2, sizeof(double));
    t->freqs = calloc(nn * nsc, sizeof(qs_freq));
    if (!t->nodes || !t->kids || !t->kidp || !t->parent || !t->prev || !t->ivs || !t->nums ||
        !t->freqs)
        return QS_ENOMEM;
    struct node *nodes = t->nodes;
    for (size_t i = 0; i < nn; i++) {
        nodes[i].n = t->nums + i * nsc * 2;
        nodes[i].f = nodes[i].n + nsc;
        nodes[i].freq = t->freqs + i * nsc;
        t->prev[i] = SIZE_MAX;
    }
    size_t p = 1, site_at = 0;
    for (size_t i = a; i < b; i++) {
        if (i == a || strcmp(v[i]->site, v[i - 1]->site) != 0) {
            nodes[p].site = v[i]->site;
            nodes[p].level = 1;
            site_at = p++;
        }
        if (i == a || strcmp(v[i]->site, v[i - 1]->site) != 0 ||
            strcmp(v[i]->group, v[i - 1]->group) != 0) {
            nodes[p].site = v[i]->site;
            nodes[p].group = v[i]->group;
            nodes[p].level = 2;
            t->parent[p] = site_at;
            p++;
        }
        struct node *g = &nodes[p - 1];
        size_t s = 0;
        while (s < nsc && strcmp(t->scores[s], v[i]->score) != 0)
            s++;
        struct node *up[] = {g, &nodes[site_at], &nodes[0]};
        for (size_t u = 0; u < 3; u++) {
            up[u]->n[s] += qs_freq_n(&v[i]->freq);
            up[u]->f[s] += v[i]->flagged;
            if (qs_freq_merge(&up[u]->freq[s], &v[i]->freq))
                return QS_ENOMEM;
        }
    }
    /* Primary: fewer than k values; for n_flagged, 1 to k - 1 flagged or fewer than k not
     * flagged (all 12 of 12 flagged says everyone in the group was). */
    for (size_t i = 0; i < nn; i++) {
        struct node *d = &nodes[i];
        d->nmin = d->n[0];
        for (size_t s = 0; s < nsc; s++) {
            d->nmin = d->n[s] < d->nmin ? d->n[s] : d->nmin;
            d->nmax = d->n[s] > d->nmax ? d->n[s] : d->nmax;
            d->fmax = d->f[s] > d->fmax ? d->f[s] : d->fmax;
        }
        d->supp = d->nmin < (double)k;
        d->fsupp = d->supp;
        for (size_t s = 0; s < nsc; s++)
            if ((d->f[s] >= 1 && d->f[s] < (double)k) || d->n[s] - d->f[s] < (double)k)
                d->fsupp = 1;
    }
    return QS_OK;
}

/* Complementary suppression in a table, until nothing changes. */
static void table_protect(struct table *t, long k)
{
    struct node *nodes = t->nodes;
    for (int pass = 0; pass < 2; pass++)
        for (int changed = 1; changed;) {
            size_t nk = 0;
            for (size_t i = 0; i < t->nn; i++) /* a hidden n hides its n_flagged */
                nodes[i].fsupp = nodes[i].fsupp ? nodes[i].fsupp : nodes[i].supp;
            for (size_t i = 1; i < t->nn; i++)
                if (nodes[i].level == 1)
                    t->kidp[nk++] = &nodes[i];
            changed = protect(&nodes[0], t->kidp, nk, pass, k);
            for (size_t i = 1; i < t->nn; i++) {
                if (nodes[i].level != 1)
                    continue;
                size_t ng = 0;
                for (size_t j = i + 1; j < t->nn && nodes[j].level == 2; j++)
                    t->kidp[ng++] = &nodes[j];
                changed |= protect(&nodes[i], t->kidp, ng, pass, k);
            }
        }
}

/* Link each node of table t to the same node of table u (the wave before). */
static void table_link(struct table *t, const struct table *u)
{
    for (size_t i = 0; i < t->nn; i++) {
        const struct node *x = &t->nodes[i];
        for (size_t j = 0; j < u->nn && t->prev[i] == SIZE_MAX; j++) {
            const struct node *y = &u->nodes[j];
            if (x->level == y->level && (!x->site || strcmp(x->site, y->site) == 0) &&
                (!x->group || strcmp(x->group, y->group) == 0))
                t->prev[i] = j;
        }
    }
}

/* All waves of one instrument and version, cells v[a..b): suppress, audit, write. */
static qs_error write_family(qs_xcell **v, size_t a, size_t b, long k, FILE *fp,
                             unsigned long *rows, unsigned long *suppressed)
{
    qs_error rc = QS_OK;
    size_t ntab = 0, cap = 0;
    struct table *tabs = NULL;
    for (size_t x = a; x < b && !rc;) {
        size_t y = x + 1;
        while (y < b && v[y]->wave == v[x]->wave)
            y++;
        struct table *nt = qs_grow__array(tabs, &cap, ntab + 1, sizeof(*nt), 8);
        if (!nt) {
            rc = QS_ENOMEM;
            break;
        }
        tabs = nt;
        rc = table_build(v, x, y, k, &tabs[ntab++]);
        if (!rc && ntab > 1 && tabs[ntab - 1].cell->wave == tabs[ntab - 2].cell->wave + 1)
            table_link(&tabs[ntab - 1], &tabs[ntab - 2]);
        x = y;
    }
    /*
     * Complementary suppression, then the audit; again until both are satisfied. Each round
     * hides at least one more cell: for a pinned n_flagged, a cell's n_flagged, else a cell's n;
     * when nothing near the cell is left to hide, the whole table. Hiding everything always
     * passes, so the loop ends with the audit satisfied.
     */
    size_t limit = 4;
    for (size_t t = 0; t < ntab; t++)
        limit += 4 * tabs[t].nn;
    int passed = 0;
    for (size_t round = 0; !rc && round < limit && !passed; round++) {
        for (size_t t = 0; t < ntab; t++)
            table_protect(&tabs[t], k);
        size_t bt, bi;
        int flags;
        if (!audit_family(tabs, ntab, k, &bt, &bi, &flags)) {
            passed = 1;
        } else if (!widen(tabs[bt].nodes, tabs[bt].parent, tabs[bt].nn, bi, flags) &&
                   !(flags && widen(tabs[bt].nodes, tabs[bt].parent, tabs[bt].nn, bi, 0))) {
            for (size_t i = 0; i < tabs[bt].nn; i++)
                tabs[bt].nodes[i].supp = tabs[bt].nodes[i].fsupp = 2;
        }
    }
    for (size_t t = 0; !rc && !passed && t < ntab; t++) /* the round limit: hide everything */
        for (size_t i = 0; i < tabs[t].nn; i++)
            tabs[t].nodes[i].supp = tabs[t].nodes[i].fsupp = 2;
    for (size_t t = 0; t < ntab && !rc; t++)
        for (size_t s = 0; s < tabs[t].nsc; s++)
            for (size_t i = 0; i < tabs[t].nn; i++) {
                write_row(fp, tabs[t].cell, tabs[t].scores[s], &tabs[t].nodes[i], s);
                (*rows)++;
                *suppressed += tabs[t].nodes[i].supp != 0;
            }
    for (size_t t = 0; t < ntab; t++)
        table_free(&tabs[t]);
    free(tabs);
    return rc;
}

qs_error qs_x__write_aggregates(qs_xcohort *c, long k, FILE *fp, unsigned long *rows,
                                unsigned long *suppressed)
{
    qs_error rc = QS_OK;
    qs_xcell **v = sorted_cells(c);
    *rows = *suppressed = 0;
    qs_x__write_header(fp, QS_XF_AGGREGATES, 0, 0, NULL);
    fputc('\n', fp);
    if (!v)
        return QS_ENOMEM;
    for (size_t a = 0; a < c->ncells && !rc;) {
        size_t b = a + 1;
        while (b < c->ncells && strcmp(v[b]->instrument, v[a]->instrument) == 0 &&
               strcmp(v[b]->version, v[a]->version) == 0)
            b++;
        rc = write_family(v, a, b, k, fp, rows, suppressed);
        a = b;
    }
    free(v);
    return rc;
}

/* ---- reliability ------------------------------------------------------------------------- */

static int cmp_rels(const void *a, const void *b)
{
    const qs_xrel *x = a, *y = b;
    int c;
    if ((c = strcmp(x->instrument, y->instrument)) || (c = strcmp(x->version, y->version)))
        return c;
    return strcmp(x->score, y->score);
}

static void rel_head(FILE *fp, const qs_xrel *r, const char *item)
{
    qs_x__csv_field(fp, r->instrument);
    fputc(',', fp);
    qs_x__csv_field(fp, r->version);
    fputc(',', fp);
    qs_x__csv_field(fp, r->score);
    fputc(',', fp);
    qs_x__csv_field(fp, item);
    fputc(',', fp);
}

/* n, n_items, alpha, alpha_lower, alpha_upper, item_rest_r, alpha_if_deleted, suppressed,
 * alpha_pairwise, n_pairwise_min: v holds the eight numbers in that order, without n_items. */
static void rel_stats(FILE *fp, size_t nitems, int supp, const double v[8])
{
    qs_x__csv_nan(fp, v[0], 0);
    fprintf(fp, ",%zu", nitems);
    for (size_t i = 1; i < 6; i++) {
        fputc(',', fp);
        qs_x__csv_nan(fp, v[i], 1);
    }
    fprintf(fp, ",%s,", qs_x__bool(supp));
    qs_x__csv_nan(fp, v[6], 1);
    fputc(',', fp);
    qs_x__csv_nan(fp, v[7], 0);
    fputc('\n', fp);
}

qs_error qs_x__write_reliability(qs_xcohort *c, long k, FILE *fp, unsigned long *rows)
{
    *rows = 0;
    qs_x__write_header(fp, QS_XF_RELIABILITY, 0, 0, NULL);
    fputc('\n', fp);
    if (c->nrels)
        qsort(c->rels, c->nrels, sizeof(qs_xrel), cmp_rels);
    for (size_t i = 0; i < c->nrels; i++) {
        qs_xrel *r = &c->rels[i];
        qs_alpha a;
        a.item_rest = calloc(r->k, sizeof(double));
        a.alpha_drop = calloc(r->k, sizeof(double));
        if (!a.item_rest || !a.alpha_drop) {
            free(a.item_rest);
            free(a.alpha_drop);
            return QS_ENOMEM;
        }
        qs_alpha_compute(&r->st, &a);
        int supp = r->st.n < (double)k;
        double nmin = NAN, ap = NAN;
        if (!supp)
            ap = alpha_pairwise(r, &nmin);
        /* The score's row, then one per item; a statistic not given (suppressed, undefined, or
         * not one of this row's) is NaN. */
        rel_head(fp, r, "");
        rel_stats(fp, r->k, supp,
                  (double[]){supp ? NAN : r->st.n, supp ? NAN : a.alpha, supp ? NAN : a.lower,
                             supp ? NAN : a.upper, NAN, NAN, ap, nmin});
        (*rows)++;
        for (size_t j = 0; j < r->k; j++) {
            rel_head(fp, r, r->items[j]);
            rel_stats(fp, r->k, supp,
                      (double[]){supp ? NAN : r->st.n, NAN, NAN, NAN, supp ? NAN : a.item_rest[j],
                                 supp ? NAN : a.alpha_drop[j], NAN, NAN});
            (*rows)++;
        }
        free(a.item_rest);
        free(a.alpha_drop);
    }
    return QS_OK;
}

/* ---- sufficient statistics --------------------------------------------------------------- */

static void stats_row(FILE *fp, const char *kind, const char *site, const char *group,
                      const char *instrument, const char *version, const char *score, long wave,
                      const char *item, const char *item2)
{
    fputs(kind, fp);
    fputc(',', fp);
    qs_x__csv_field(fp, site);
    fputc(',', fp);
    qs_x__csv_field(fp, group);
    fputc(',', fp);
    qs_x__csv_field(fp, instrument);
    fputc(',', fp);
    qs_x__csv_field(fp, version);
    fputc(',', fp);
    qs_x__csv_field(fp, score);
    fputc(',', fp);
    if (wave > 0)
        fprintf(fp, "%ld", wave);
    fputc(',', fp);
    qs_x__csv_field(fp, item);
    fputc(',', fp);
    qs_x__csv_field(fp, item2);
    fputc(',', fp);
}

static void meta_row(FILE *fp, const char *key, const char *value)
{
    stats_row(fp, "meta", "", "", "", "", key, 0, "", "");
    qs_x__csv_field(fp, value);
    fputs(",\n", fp);
}

qs_error qs_x__write_stats(qs_xcohort *c, const qs_xmeta *m, FILE *fp, unsigned long *rows)
{
    char buf[64];
    unsigned long n = 0;
    qs_x__write_header(fp, QS_XF_STATS, 0, 0, NULL);
    fputc('\n', fp);
    snprintf(buf, sizeof(buf), "%d", QS_EXPORT_FORMAT);
    meta_row(fp, "format", buf);
    meta_row(fp, "qscore_version", qs_version());
    snprintf(buf, sizeof(buf), "%ld", m->k);
    meta_row(fp, "k", buf);
    meta_row(fp, "year", m->year ? "true" : "false");
    meta_row(fp, "items", m->items ? "true" : "false");
    for (size_t i = 0; i < m->nfingerprints; i++)
        meta_row(fp, "key_fingerprint", m->fingerprints[i]);
    for (size_t i = 0; i < m->ncovariates; i++) {
        char cov[160];
        snprintf(cov, sizeof(cov), "%s=%s", m->covariates[i], m->covariate_kinds[i]);
        meta_row(fp, "covariate", cov);
    }
    n += 5 + m->nfingerprints + m->ncovariates;
    const char *filters[][2] = {{"instrument", m->instrument},
                                {"since", m->since},
                                {"until", m->until},
                                {"override", m->override}};
    for (size_t i = 0; i < 4; i++)
        if (filters[i][1]) {
            meta_row(fp, filters[i][0], filters[i][1]);
            n++;
        }
    for (size_t i = 0; i < m->nwarnings; i++) {
        meta_row(fp, "note", m->warnings[i]);
        n++;
    }
    qs_xcell **v = sorted_cells(c);
    if (!v)
        return QS_ENOMEM;
    for (size_t i = 0; i < c->ncells; i++) {
        const qs_xcell *x = v[i];
        for (size_t j = 0; j < x->freq.len; j++) {
            stats_row(fp, "freq", x->site, x->group, x->instrument, x->version, x->score, x->wave,
                      "", "");
            qs_x__csv_num(fp, x->freq.value[j]);
            fputc(',', fp);
            qs_x__csv_num(fp, x->freq.count[j]);
            fputc('\n', fp);
            n++;
        }
        stats_row(fp, "flagged", x->site, x->group, x->instrument, x->version, x->score, x->wave,
                  "", "");
        fputc(',', fp);
        qs_x__csv_num(fp, x->flagged);
        fputc('\n', fp);
        n++;
    }
    free(v);
    if (c->nrels)
        qsort(c->rels, c->nrels, sizeof(qs_xrel), cmp_rels);
    for (size_t i = 0; i < c->nrels; i++) {
        const qs_xrel *r = &c->rels[i];
        stats_row(fp, "items_n", "", "", r->instrument, r->version, r->score, 0, "", "");
        fputc(',', fp);
        qs_x__csv_num(fp, r->st.n);
        fputc('\n', fp);
        n++;
        for (size_t a = 0; a < r->k; a++) {
            stats_row(fp, "item_sum", "", "", r->instrument, r->version, r->score, 0, r->items[a],
                      "");
            fputc(',', fp);
            qs_x__csv_num(fp, r->st.sum[a]);
            fputc('\n', fp);
            n++;
        }
        for (size_t a = 0; a < r->k; a++)
            for (size_t b = a; b < r->k; b++) {
                stats_row(fp, "item_cross", "", "", r->instrument, r->version, r->score, 0,
                          r->items[a], r->items[b]);
                fputc(',', fp);
                qs_x__csv_num(fp, r->st.cross[a * r->k + b]);
                fputc('\n', fp);
                n++;
            }
        /* The pairwise sums: per pair a <= b, n, the sum of a (and of b), the cross-product. */
        for (size_t a = 0; a < r->k; a++)
            for (size_t b = a; b < r->k; b++) {
                const struct {
                    const char *kind, *i1, *i2;
                    double v;
                } row[] = {{"pair_n", r->items[a], r->items[b], r->pn[a * r->k + b]},
                           {"pair_sum", r->items[a], r->items[b], r->ps[a * r->k + b]},
                           {"pair_sum", r->items[b], r->items[a], r->ps[b * r->k + a]},
                           {"pair_cross", r->items[a], r->items[b], r->pc[a * r->k + b]}};
                for (size_t q = 0; q < 4; q++) {
                    if (q == 2 && a == b)
                        continue;
                    stats_row(fp, row[q].kind, "", "", r->instrument, r->version, r->score, 0,
                              row[q].i1, row[q].i2);
                    fputc(',', fp);
                    qs_x__csv_num(fp, row[q].v);
                    fputc('\n', fp);
                    n++;
                }
            }
    }
    *rows = n;
    return QS_OK;
}

/* ---- the export folder ------------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void rm_tree(const char *path)
{
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

qs_error qs_x__dir_begin(qs_xdir *d, const char *out_dir, qs_diag *diag)
{
    struct stat st;
    size_t len = strlen(out_dir);
    while (len > 1 && out_dir[len - 1] == '/')
        len--;
    if (len == 0 || len >= sizeof(d->out)) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "export folder name is empty or too long");
        return QS_EUSAGE;
    }
    memcpy(d->out, out_dir, len);
    d->out[len] = '\0';
    d->tmp[0] = '\0';
    if (lstat(d->out, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            qs_diag_set(diag, d->out, 0, 0, NULL, "exists and is not a folder");
            return QS_EUSAGE;
        }
        if (rmdir(d->out) != 0) { /* only an empty folder goes; it is re-made by the rename */
            qs_diag_set(diag, d->out, 0, 0, NULL,
                        "exists and is not empty: export into a new folder (an export is never "
                        "written over another)");
            return QS_EUSAGE;
        }
    }
    const char *slash = strrchr(d->out, '/');
    char parent[4096];
    const char *base = slash ? slash + 1 : d->out;
    if (slash) {
        size_t pl = (size_t)(slash - d->out);
        memcpy(parent, d->out, pl ? pl : 1);
        parent[pl ? pl : 1] = '\0';
    } else {
        snprintf(parent, sizeof(parent), ".");
    }
    if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
        qs_diag_set(diag, d->out, 0, 0, NULL, "name a new folder to export into");
        return QS_EUSAGE;
    }
    if (qs_mkdir_p(parent) != 0) {
        qs_diag_set(diag, parent, 0, 0, NULL, "cannot create the folder: %s", strerror(errno));
        return QS_EIO;
    }
    int n = snprintf(d->tmp, sizeof(d->tmp), "%s/.%s.partial", parent, base);
    if (n < 0 || (size_t)n >= sizeof(d->tmp)) {
        d->tmp[0] = '\0';
        qs_diag_set(diag, d->out, 0, 0, NULL, "export folder name is too long");
        return QS_EUSAGE;
    }
    if (lstat(d->tmp, &st) == 0) /* left by a killed export */
        rm_tree(d->tmp);
    if (mkdir(d->tmp, 0700) != 0) {
        qs_diag_set(diag, d->tmp, 0, 0, NULL, "cannot create the folder: %s", strerror(errno));
        d->tmp[0] = '\0';
        return QS_EIO;
    }
    return QS_OK;
}

qs_error qs_x__dir_commit(qs_xdir *d, qs_diag *diag)
{
    if (rename(d->tmp, d->out) != 0) {
        qs_diag_set(diag, d->out, 0, 0, NULL, "cannot move the export into place: %s",
                    strerror(errno));
        qs_x__dir_abort(d);
        return QS_EIO;
    }
    d->tmp[0] = '\0';
    return QS_OK;
}

void qs_x__dir_abort(qs_xdir *d)
{
    if (d->tmp[0])
        rm_tree(d->tmp);
    d->tmp[0] = '\0';
}

FILE *qs_x__open(qs_xdir *d, const char *name, qs_diag *diag)
{
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/%s", d->tmp, name);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        qs_diag_set(diag, name, 0, 0, NULL, "path too long");
        return NULL;
    }
    char *slash = strrchr(path, '/');
    *slash = '\0';
    if (qs_mkdir_p(path) != 0) {
        qs_diag_set(diag, path, 0, 0, NULL, "cannot create the folder: %s", strerror(errno));
        return NULL;
    }
    *slash = '/';
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    FILE *fp = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!fp) {
        qs_diag_set(diag, path, 0, 0, NULL, "cannot create: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    return fp;
}

qs_error qs_x__close(FILE *fp, const char *name, qs_diag *diag)
{
    int ok = fflush(fp) == 0 && !ferror(fp) && fsync(fileno(fp)) == 0;
    if (fclose(fp) != 0)
        ok = 0;
    if (!ok) {
        qs_diag_set(diag, name, 0, 0, NULL, "cannot write: %s", strerror(errno));
        return QS_EIO;
    }
    return QS_OK;
}

int qs_x__partition_value(const char *s, char *out, size_t size)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    int only_dots = 1;
    for (const char *p = s; *p; p++)
        only_dots &= *p == '.';
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (o + 4 >= size)
            return 0;
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_' || (ch == '.' && !only_dots)) {
            out[o++] = (char)ch;
        } else {
            out[o++] = '%';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        }
    }
    out[o] = '\0';
    return o > 0;
}

qs_error qs_x__add_file(qs_xfile **files, size_t *n, const char *name, unsigned long rows)
{
    qs_xfile *v = realloc(*files, (*n + 1) * sizeof(qs_xfile));
    if (!v)
        return QS_ENOMEM;
    *files = v;
    snprintf(v[*n].name, sizeof(v[*n].name), "%s", name);
    v[*n].rows = rows;
    (*n)++;
    return QS_OK;
}

/* ---- summary files ----------------------------------------------------------------------- */

qs_error qs_x__write_summaries(qs_xdir *dir, qs_xcohort *c, qs_xmeta *m, qs_xfile **files,
                               size_t *nfiles, qs_diag *diag)
{
    static const char *const names[] = {"aggregates.csv", "reliability.csv", "stats.csv",
                                        "schema.sql",     "codebook.csv",    "README.txt"};
    qs_error rc = QS_OK;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !rc; i++) {
        unsigned long rows = 0, suppressed = 0;
        FILE *fp = qs_x__open(dir, names[i], diag);
        if (!fp)
            return QS_EIO;
        if (i == 0) {
            rc = qs_x__write_aggregates(c, m->k, fp, &rows, &suppressed);
            m->cells = rows;
            m->cells_suppressed = suppressed;
        } else if (i == 1) {
            rc = qs_x__write_reliability(c, m->k, fp, &rows);
        } else if (i == 2) {
            rc = qs_x__write_stats(c, m, fp, &rows);
        } else if (i == 3) {
            write_schema(m, fp);
        } else if (i == 4) {
            rows = write_codebook(m, fp);
        } else {
            qs_x__write_readme(m, fp);
        }
        qs_error e = qs_x__close(fp, names[i], diag);
        if (!rc)
            rc = e;
        if (!rc)
            rc = qs_x__add_file(files, nfiles, names[i], rows);
    }
    return rc;
}

/* ---- manifest ---------------------------------------------------------------------------- */

static void json_str(FILE *fp, const char *s)
{
    if (!s) {
        fputs("null", fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(fp, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(fp, "\\u%04x", ch);
        else
            fputc(ch, fp);
    }
    fputc('"', fp);
}

static void json_list(FILE *fp, const char *const *v, size_t n)
{
    fputc('[', fp);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputs(", ", fp);
        json_str(fp, v[i]);
    }
    fputc(']', fp);
}

qs_error qs_x__write_manifest(const char *dir, const qs_xmeta *m, const qs_xfile *files,
                              size_t nfiles, qs_diag *diag)
{
    qs_xdir d;
    snprintf(d.tmp, sizeof(d.tmp), "%s", dir);
    FILE *fp = qs_x__open(&d, "manifest.json", diag);
    if (!fp)
        return QS_EIO;
    fprintf(fp, "{\n  \"format\": %d,\n  \"kind\": ", QS_EXPORT_FORMAT);
    json_str(fp, m->kind);
    fputs(",\n  \"qscore_version\": ", fp);
    json_str(fp, qs_version());
    fprintf(fp, ",\n  \"settings\": {\n    \"k\": %ld,\n    \"year\": %s,\n    \"items\": %s,\n",
            m->k, m->year ? "true" : "false", m->items ? "true" : "false");
    fputs("    \"instrument\": ", fp);
    json_str(fp, m->instrument);
    fputs(",\n    \"since\": ", fp);
    json_str(fp, m->since);
    fputs(",\n    \"until\": ", fp);
    json_str(fp, m->until);
    fputs(",\n    \"covariates\": [", fp);
    for (size_t i = 0; i < m->ncovariates; i++) {
        fputs(i ? ", {\"name\": " : "{\"name\": ", fp);
        json_str(fp, m->covariates[i]);
        fputs(", \"as\": ", fp);
        json_str(fp, m->covariate_kinds[i]);
        fputc('}', fp);
    }
    fputs("]\n  },\n  \"key_fingerprints\": ", fp);
    json_list(fp, m->fingerprints, m->nfingerprints);
    fputs(",\n  \"override\": ", fp);
    if (m->override) {
        fputs("{\"reason\": ", fp);
        json_str(fp, m->override);
        fputs("}", fp);
    } else {
        fputs("null", fp);
    }
    fputs(",\n  \"notes\": ", fp);
    json_list(fp, m->warnings, m->nwarnings);
    if (m->nsources) {
        fputs(",\n  \"merged_manifests_sha256\": ", fp);
        json_list(fp, m->sources, m->nsources);
    }
    fprintf(fp,
            ",\n  \"counts\": {\"clients\": %lu, \"administrations\": %lu, \"cells\": %lu, "
            "\"cells_suppressed\": %lu},\n  \"files\": [",
            m->clients, m->administrations, m->cells, m->cells_suppressed);
    for (size_t i = 0; i < nfiles; i++) {
        char path[4096], hex[65];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
        qs_error rc = qs_sha256_file(path, hex, diag);
        if (rc || stat(path, &st) != 0) {
            fclose(fp);
            return rc ? rc : QS_EIO;
        }
        fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", fp);
        json_str(fp, files[i].name);
        fprintf(fp, ", \"rows\": %lu, \"bytes\": %lld, \"sha256\": \"%s\"}", files[i].rows,
                (long long)st.st_size, hex);
    }
    fputs("\n  ]\n}\n", fp);
    return qs_x__close(fp, "manifest.json", diag);
}

/* ---- the data dictionary ----------------------------------------------------------------- */

void qs_x__write_readme(const qs_xmeta *m, FILE *fp)
{
    int title = fprintf(fp, "qscore research export (format %d, qscore %s)\n", QS_EXPORT_FORMAT,
                        qs_version());
    for (int i = 1; i < title; i++)
        fputc('=', fp);
    fprintf(fp,
            "\n\n"
            "Pseudonymized data of a clinic's questionnaire history, for research. Flags are\n"
            "screening aids for a clinician, never diagnoses.\n\n"
            "What it is and is not\n"
            "- No client id, name, e-mail, therapist, free text or exact date is in these files.\n"
            "  Clients and groups appear as keyed pseudonyms (pid, group_pid): HMAC-SHA-256 with\n"
            "  the site's secret key, which never leaves the clinic. The same client has the\n"
            "  same pid in every export made with the same key, so waves link up.\n"
            "- scores.csv, flags.csv and items.csv are row-level pseudonymized data: still\n"
            "  personal data under GDPR and protected health information for HIPAA purposes\n"
            "  unless an expert determines otherwise. Share them only under a data agreement.\n"
            "- aggregates.csv and reliability.csv are summaries with small cells suppressed\n"
            "  (n < k = %ld), including complementary suppression.\n\n",
            m->k);
    fputs("Files\n"
          "- scores.csv      one row per client, administration and score (long format)\n"
          "- flags.csv       one row per raised or not-evaluable flag of an administration\n",
          fp);
    if (m->items)
        fputs("- items.csv       one row per administration and item: the answers\n", fp);
    fputs("- scores/instrument=ID/site=SITE/part-0.csv  scores.csv split Hive-style (the\n"
          "                  instrument and site columns are in the folder names)\n"
          "- aggregates.csv  per level (all, site, group), instrument, score and wave: n, mean,\n"
          "                  SD, min, max, quartiles, number flagged; hidden statistics NaN\n"
          "- reliability.csv per instrument and score: Cronbach's alpha with Feldt's 95% CI,\n"
          "                  item-rest correlations, alpha if item deleted\n"
          "- stats.csv       the sufficient statistics `qscore merge` pools: score frequency\n"
          "                  tables per group cell and item sums and cross-products\n"
          "- schema.sql      DuckDB views over the CSV files with every column's type given\n"
          "- codebook.csv    every column of every CSV file: type, unit or scale, allowed\n"
          "                  values or range, meaning\n"
          "- manifest.json   settings, key fingerprint, row counts and SHA-256 of every file\n\n",
          fp);
    fputs("Columns of scores.csv, flags.csv and items.csv\n"
          "- pid                 the client's pseudonym (24 base32 characters)\n"
          "- site                the clinic's site label (from its config)\n"
          "- group_pid           the therapy group's pseudonym; empty without a group\n"
          "- instrument          instrument id (e.g. dsi-r)\n"
          "- instrument_version  version of the instrument definition it was scored with\n"
          "- wave                1, 2, ... : the client's administrations of this instrument in\n"
          "                      time order (numbered over the whole history, so a --since\n"
          "                      export may start at wave 3)\n"
          "- days_since_baseline days from the client's first dated administration (any\n"
          "                      instrument); empty when undated\n",
          fp);
    if (m->year)
        fputs("- baseline_year       year of the client's first dated administration (the same\n"
              "                      on all the client's rows; export.year: true)\n",
              fp);
    fputs("scores.csv:\n"
          "- score               score id of the instrument (e.g. FO, total)\n"
          "- value               the score; empty when it could not be computed\n"
          "- t                   T score against the site's chosen norm; NaN when there is\n"
          "                      none (no norm chosen, a local norm still pending, or no\n"
          "                      value). A site may choose a local norm (its own clients):\n"
          "                      such T scores are not comparable across sites; pool `value`.\n"
          "- status              ok, or why there is no value (e.g. insufficient items)\n"
          "flags.csv:\n"
          "- flag                flag id of the instrument (rules in its definition)\n"
          "- status              raised, or not_evaluable (a score it needs is missing)\n"
          "- severity            low, medium or high\n",
          fp);
    if (m->items)
        fputs("items.csv:\n"
              "- item                item number as published\n"
              "- answer              the answer on the instrument's scale; empty: unanswered\n"
              "- keyed               the answer after reverse keying (what scores use)\n",
              fp);
    if (m->ncovariates)
        fputs("covariates (last columns of every long file), allow-listed by the clinic:\n", fp);
    for (size_t i = 0; i < m->ncovariates; i++) {
        const char *k = m->covariate_kinds[i];
        fprintf(fp, "- %-19s %s\n", m->covariates[i],
                strcmp(k, "age_band") == 0
                    ? "age band in years: 0-17, 18-24, 25-34, ..., 75-89, 90+"
                : strcmp(k, "year") == 0 ? "a date's year"
                                         : "a category (text, as the survey recorded it)");
    }
    fprintf(
        fp,
        "\nColumns of aggregates.csv\n"
        "- level               all (every site), site, or group (a site's group; group_pid\n"
        "                      empty: administrations without a group)\n"
        "- n, mean, sd, min, max, q1, median, q3  of the score's values in the cell; SD with\n"
        "                      n - 1; quartiles as R quantile() type 7\n"
        "- n_flagged           administrations in the cell with at least one raised flag\n"
        "- suppressed          TRUE: fewer than k = %ld values for some score of the table,\n"
        "                      or needed to protect another cell; all statistics are NaN.\n"
        "                      One pattern per instrument, version and wave, for every score\n"
        "- flagged_suppressed  TRUE: n_flagged is NaN (1 to k - 1 flagged, fewer than k\n"
        "                      not flagged, or protecting another cell's count); the cell\n"
        "                      then shows n only, as its score statistics would bound the\n"
        "                      flagged count\n"
        "- min and max are one client's value each; review before publishing\n\n"
        "Columns of reliability.csv\n"
        "- one row per score with item empty: n (complete cases: each client's first\n"
        "  exported administration under the instrument's current version with every item\n"
        "  of the score answered), n_items, alpha\n"
        "  (raw alpha, as R psych::alpha raw_alpha), alpha_lower, alpha_upper (Feldt 95%%)\n"
        "- alpha_pairwise      on the score's row: raw alpha from pairwise-complete\n"
        "                      covariances (psych::alpha's default), the same clients with\n"
        "                      their blanks; n_pairwise_min: the fewest clients who\n"
        "                      answered both items of a pair\n"
        "- one row per item: item_rest_r (psych r.drop), alpha_if_deleted (alpha.drop)\n"
        "- a statistic a row does not give (suppressed, undefined, or one of the other kind\n"
        "  of row) is NaN\n"
        "- suppressed          TRUE when n < k: the statistics are NaN\n\n"
        "Reading the files\n"
        "Every CSV file reads with no options in R (read.csv), pandas (read_csv) and DuckDB\n"
        "(read_csv, the Hive-partitioned copy with or without hive_partitioning = true), each\n"
        "column with the type codebook.csv gives, the same in every part file:\n"
        "- value and t always carry a decimal point (44.0), so a sum scale reads as a\n"
        "  floating-point number as a mean scale does;\n"
        "- a missing number is an empty field, except in t and in the statistics of\n"
        "  aggregates.csv and reliability.csv, where it is NaN: those columns are often\n"
        "  missing in every row of a file, and an empty column reads as text (DuckDB) or as\n"
        "  logical (R). R and pandas read NaN as missing; DuckDB reads it as the number NaN,\n"
        "  not NULL: write avg(t) FILTER (WHERE NOT isnan(t)), or use the views of\n"
        "  schema.sql, which read NaN as NULL;\n"
        "- booleans are TRUE and FALSE.\n"
        "A column that is empty in every row of a file (group_pid at a site without groups)\n"
        "holds nothing to read a type from (DuckDB: VARCHAR, pandas: float64, R: logical),\n"
        "and a text column whose values all look like numbers (instrument_version 1.0, a\n"
        "year covariate) reads as numbers: schema.sql gives every column its type.\n\n"
        "Load it (run in this folder)\n"
        "  R:      s <- read.csv(\"scores.csv\"); tapply(s$value, s$instrument, mean, na.rm = "
        "TRUE)\n"
        "  pandas: s = pd.read_csv(\"scores.csv\"); s.groupby(\"instrument\")[\"value\"].mean()\n"
        "  DuckDB: SELECT instrument, avg(value) FROM read_csv('scores/*/*/*.csv') GROUP BY ALL\n",
        m->k);
}
