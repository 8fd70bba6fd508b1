/* merge.c - `qscore merge`: several sites' exports as one cohort (docs/export.md). */
#define _POSIX_C_SOURCE 200809L
#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export_internal.h"
#include "grow.h"
#include "qscore/export.h"
#include "qscore/infile.h"
#include "qscore/store.h"

/* ---- reading our own CSV files ----------------------------------------------------------- */

struct rec {
    size_t n, cap;
    char **f;
};

struct reader {
    struct rec rec;
    int (*on_record)(void *ctx, char **f, size_t n);
    void *ctx;
    int failed;    /* the handler said stop, or out of memory */
    int bad_field; /* a field with a NUL byte or over 64 KiB */
};

static void on_field(void *s, size_t len, void *data)
{
    struct reader *R = data;
    if (R->failed)
        return;
    if (len > 65536 || (len && memchr(s, '\0', len))) { /* qscore never writes these */
        R->failed = 1;
        R->bad_field = 1;
        return;
    }
    char **v = qs_grow__array(R->rec.f, &R->rec.cap, R->rec.n + 1, sizeof(char *), 32);
    if (!v) {
        R->failed = 1;
        return;
    }
    R->rec.f = v;
    char *t = malloc(len + 1);
    if (!t) {
        R->failed = 1;
        return;
    }
    if (len)
        memcpy(t, s, len);
    t[len] = '\0';
    R->rec.f[R->rec.n++] = t;
}

static void clear_rec(struct rec *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->f[i]);
    r->n = 0;
}

static void on_record(int c, void *data)
{
    struct reader *R = data;
    (void)c;
    if (!R->failed && R->on_record(R->ctx, R->rec.f, R->rec.n) != 0)
        R->failed = 1;
    clear_rec(&R->rec);
}

/* Every byte of a field counts: nothing is trimmed. */
static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

/* Read `path` record by record; 0 on success. */
static qs_error read_csv(const char *path, int (*fn)(void *, char **, size_t), void *ctx,
                         qs_diag_list *errors)
{
    struct csv_parser p;
    struct reader R;
    char buf[65536];
    memset(&R, 0, sizeof(R));
    R.on_record = fn;
    R.ctx = ctx;
    FILE *fp;
    unsigned long long left;
    qs_diag od;
    if (qs_infile_open(&fp, &left, path, NULL, &od)) {
        int e = errno;
        qs_diag_list_push(errors, &od);
        return e == ENOENT ? QS_ENOTFOUND : QS_EIO;
    }
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        fclose(fp);
        return QS_ENOMEM;
    }
    csv_set_space_func(&p, no_space); /* libcsv trims unquoted spaces by default */
    qs_error rc = QS_OK;
    size_t n;
    while (!R.failed && left &&
           (n = fread(buf, 1, left < sizeof(buf) ? (size_t)left : sizeof(buf), fp)) > 0)
        if ((left -= n, csv_parse(&p, buf, n, on_field, on_record, &R) != n)) {
            qs_diag_list_add(errors, path, 0, 0, NULL, "not a CSV file written by qscore: %s",
                             csv_strerror(csv_error(&p)));
            rc = QS_EINVALID;
            break;
        }
    if (!rc && ferror(fp)) {
        qs_diag_list_add(errors, path, 0, 0, NULL, "cannot read: %s", strerror(errno));
        rc = QS_EIO;
    }
    if (!rc && csv_fini(&p, on_field, on_record, &R) != 0) {
        qs_diag_list_add(errors, path, 0, 0, NULL, "not a CSV file written by qscore: %s",
                         csv_strerror(csv_error(&p)));
        rc = QS_EINVALID;
    }
    if (!rc && R.bad_field)
        qs_diag_list_add(errors, path, 0, 0, NULL,
                         "a field holds a NUL byte or more than 64 KiB: not written by qscore");
    if (!rc && R.failed)
        rc = QS_EINVALID; /* the handler reported it, or the line above */
    csv_free(&p);
    clear_rec(&R.rec);
    free(R.rec.f);
    fclose(fp);
    return rc;
}

/* ---- state ------------------------------------------------------------------------------- */

struct line {
    char **f;
    size_t n;
    long wave;  /* f[5], parsed once */
    size_t seq; /* input order, for a stable sort */
};

struct table {
    char **head;
    size_t nhead;
    size_t tcol; /* scores.csv: the T score's column (+1; 0: none) */
    size_t nlines, cap;
    struct line *lines;
    int missing; /* some export lacks this file */
};

struct mstate {
    qs_xcohort C;
    qs_diag_list *errors;
    const char *file; /* being read */
    size_t input;     /* index of the export being read */
    long k;
    int year, items;
    /* (instrument, version, export) triples seen */
    size_t ninst;
    char **inst, **inst_versions;
    size_t *inst_input;
    /* provenance: each export's override, notes and filters, for the merged manifest */
    size_t nnotes;
    char **notes;
    int override;
    size_t nsites;
    char **sites;
    size_t *site_input;
    size_t nfp;
    char **fps;
    size_t ncov;
    char **cov_names, **cov_kinds;
    /* pending item statistics */
    qs_xrel *rel;
    struct table scores, flags, itemtab;
    struct table *cur;
    int header; /* the next record of cur is its file's header */
    char **pending_items;
    double *pending_sums;
    size_t npending;
    double pending_n;
    char pend_key[3][256];
    const char *const *dirs;
    int format;      /* of the export being read, from its manifest */
    int format_seen; /* its stats.csv said the same */
    char *covsig[2]; /* covariate meta rows of the first export, and of the one being read */
    size_t nmanifests;
    char **manifests; /* the inputs' manifest.json SHA-256, in hex */
};

static char *xdup(const char *s)
{
    size_t n = strlen(s);
    char *t = malloc(n + 1);
    if (t)
        memcpy(t, s, n + 1);
    return t;
}

static int push_str(char ***v, size_t *n, const char *s)
{
    char **w = realloc(*v, (*n + 1) * sizeof(char *));
    if (!w)
        return 0;
    *v = w;
    if (!(w[*n] = xdup(s)))
        return 0;
    (*n)++;
    return 1;
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static int fail(struct mstate *M, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static int fail(struct mstate *M, const char *fmt, ...)
{
    char buf[QS_DIAG_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    qs_diag_list_add(M->errors, M->file, 0, 0, NULL, "%s", buf);
    return 1;
}

/* The export records which versions of each instrument it holds; merged exports must agree. */
/* An instrument id as qscore writes them ([a-z0-9][a-z0-9._-]*): nothing else becomes a path. */
static int valid_instrument(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
        return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* Record that the export being read holds `version` of `inst` (compared at the end). */
static int note_version(struct mstate *M, const char *inst, const char *version)
{
    if (!valid_instrument(inst))
        return fail(M, "'%.40s' is not an instrument id: not an export written by qscore", inst);
    for (size_t i = 0; i < M->ninst; i++)
        if (M->inst_input[i] == M->input && strcmp(M->inst[i], inst) == 0 &&
            strcmp(M->inst_versions[i], version) == 0)
            return 0;
    size_t *ii = realloc(M->inst_input, (M->ninst + 1) * sizeof(size_t));
    if (!ii)
        return 1;
    M->inst_input = ii;
    ii[M->ninst] = M->input;
    size_t n = M->ninst, n2 = M->ninst;
    if (!push_str(&M->inst, &n, inst) || !push_str(&M->inst_versions, &n2, version))
        return 1;
    M->ninst++;
    return 0;
}

/* Does export `input` hold (inst, version)? */
static int holds(const struct mstate *M, size_t input, const char *inst, const char *version)
{
    for (size_t i = 0; i < M->ninst; i++)
        if (M->inst_input[i] == input && strcmp(M->inst[i], inst) == 0 &&
            (!version || strcmp(M->inst_versions[i], version) == 0))
            return 1;
    return 0;
}

/*
 * Every export that holds an instrument must hold the same versions of it: statistics of
 * different definitions (other items, keys or scores) do not pool.
 */
static int check_versions(struct mstate *M, const char *const *dirs, size_t ndirs)
{
    for (size_t i = 0; i < M->ninst; i++)
        for (size_t e = 0; e < ndirs; e++) {
            if (e == M->inst_input[i] || !holds(M, e, M->inst[i], NULL) ||
                holds(M, e, M->inst[i], M->inst_versions[i]))
                continue;
            qs_diag_list_add(M->errors, dirs[M->inst_input[i]], 0, 0, NULL,
                             "instrument %s: version %s here, but %s holds other versions of it: "
                             "merge only exports scored with the same instrument definitions",
                             M->inst[i], M->inst_versions[i], dirs[e]);
            return 1;
        }
    return 0;
}

static int note_site(struct mstate *M, const char *site)
{
    for (size_t i = 0; i < M->nsites; i++)
        if (strcmp(M->sites[i], site) == 0) {
            if (M->site_input[i] != M->input)
                return fail(M,
                            "site '%s' is in two exports: give each clinic its own site label "
                            "(sources' site: in its config)",
                            site);
            return 0;
        }
    size_t *si = realloc(M->site_input, (M->nsites + 1) * sizeof(size_t));
    if (!si)
        return 1;
    M->site_input = si;
    si[M->nsites] = M->input;
    size_t n = M->nsites;
    if (!push_str(&M->sites, &n, site))
        return 1;
    M->nsites++;
    return 0;
}

/* A finite number. */
static int parse_num(const char *s, double *out)
{
    char *end;
    if (!*s)
        return 0;
    errno = 0;
    *out = strtod(s, &end);
    return !*end && !errno && isfinite(*out);
}

/* A whole number within +-2^53 (sums of answers and counts are exact below it). */
static int parse_whole(const char *s, double *out)
{
    return parse_num(s, out) && fabs(*out) <= 9007199254740992.0 && floor(*out) == *out;
}

/* A count: a whole number from 0 to 10^9 (far above any clinic's). */
static int parse_count(const char *s, double *out)
{
    return parse_whole(s, out) && *out >= 0 && *out <= 1e9;
}

static int finish_pending(struct mstate *M)
{
    if (!M->npending && !M->pend_key[0][0])
        return 0;
    qs_xrel *r = qs_xcohort__rel(&M->C, M->pend_key[0], M->pend_key[1], M->pend_key[2], M->npending,
                                 (const char *const *)M->pending_items);
    if (!r)
        return fail(M, "score %s of %s: its items differ from another export's", M->pend_key[2],
                    M->pend_key[0]);
    r->st.n += M->pending_n;
    for (size_t i = 0; i < M->npending; i++)
        r->st.sum[i] += M->pending_sums[i];
    M->rel = r;
    free_strs(M->pending_items, M->npending);
    M->pending_items = NULL;
    M->npending = 0;
    M->pend_key[0][0] = '\0';
    return 0;
}

static long item_index(const qs_xrel *r, const char *id)
{
    for (size_t i = 0; i < r->k; i++)
        if (strcmp(r->items[i], id) == 0)
            return (long)i;
    return -1;
}

/* A meta row of stats.csv: the format, k, and the provenance and settings the merged manifest
 * records (f[5] names it, f[9] holds its value). */
static int stats_meta(struct mstate *M, char **f)
{
    double v;
    char fmt[16];
    snprintf(fmt, sizeof(fmt), "%d", M->format);
    if (strcmp(f[5], "format") == 0 && strcmp(f[9], fmt) != 0)
        return fail(M, "export format %.20s, but its manifest.json says format %d", f[9],
                    M->format);
    if (strcmp(f[5], "format") == 0)
        M->format_seen = 1;
    if (strcmp(f[5], "k") == 0) {
        if (!parse_count(f[9], &v) || v < 1 || v > 1000000)
            return fail(M, "stats.csv: k '%.20s' is not a whole number from 1 to 1000000", f[9]);
        if (v > (double)M->k)
            M->k = (long)v;
    }
    /* provenance, carried into the merged manifest */
    if (strcmp(f[5], "override") == 0 || strcmp(f[5], "note") == 0 || strcmp(f[5], "since") == 0 ||
        strcmp(f[5], "until") == 0 || strcmp(f[5], "instrument") == 0) {
        char buf[1200];
        snprintf(buf, sizeof(buf), "%s: %s%s %.1000s", M->dirs[M->input],
                 strcmp(f[5], "note") == 0 ? "" : f[5], strcmp(f[5], "note") == 0 ? "" : ":", f[9]);
        M->override |= strcmp(f[5], "override") == 0;
        return !push_str(&M->notes, &M->nnotes, buf);
    }
    if (strcmp(f[5], "year") == 0)
        M->year |= strcmp(f[9], "true") == 0;
    if (strcmp(f[5], "key_fingerprint") == 0) {
        for (size_t i = 0; i < M->nfp; i++)
            if (strcmp(M->fps[i], f[9]) == 0)
                return 0;
        return !push_str(&M->fps, &M->nfp, f[9]);
    }
    if (strcmp(f[5], "covariate") == 0) {
        /* the covariates and their kinds must be the same in every export */
        char buf[300];
        snprintf(buf, sizeof(buf), "%s;", f[9]);
        size_t have = M->covsig[M->input > 0] ? strlen(M->covsig[M->input > 0]) : 0;
        char *sig = realloc(M->covsig[M->input > 0], have + strlen(buf) + 1);
        if (!sig)
            return 1;
        memcpy(sig + have, buf, strlen(buf) + 1);
        M->covsig[M->input > 0] = sig;
    }
    if (strcmp(f[5], "covariate") == 0 && M->input == 0) {
        char *eq = strchr(f[9], '=');
        if (!eq)
            return 0;
        *eq = '\0';
        size_t n1 = M->ncov, n2 = M->ncov;
        if (!push_str(&M->cov_names, &n1, f[9]) || !push_str(&M->cov_kinds, &n2, eq + 1))
            return 1;
        M->ncov++;
    }
    return 0;
}

/* A freq or flagged row of stats.csv: added to its cell. */
static int stats_cell(struct mstate *M, char **f)
{
    double v, c;
    char *end;
    errno = 0;
    long wave = strtol(f[6], &end, 10);
    if (*end || errno || wave < 1 || wave > 1000000 || !f[5][0])
        return fail(M, "stats.csv: bad wave '%.20s' or score", f[6]);
    if (note_site(M, f[1]) || note_version(M, f[3], f[4]))
        return 1;
    qs_xcell *x = qs_xcohort__cell(&M->C, f[1], f[2], f[3], f[4], f[5], wave);
    if (!x)
        return 1;
    if (f[0][1] == 'r') {
        if (!parse_num(f[9], &v) || fabs(v) > 1e9 || !parse_count(f[10], &c) || c < 1 ||
            qs_freq_add(&x->freq, v, c))
            return fail(M, "stats.csv: bad frequency row");
    } else {
        if (!parse_count(f[10], &c))
            return fail(M, "stats.csv: bad flagged row");
        x->flagged += c;
    }
    return 0;
}

/* The item rows of stats.csv: items_n opens a score's item statistics, item_sum rows list its
 * items (kept pending until the score's item list is complete), item_cross rows add to them. */
static int stats_items(struct mstate *M, char **f)
{
    double v;
    if (strcmp(f[0], "items_n") == 0) {
        if (finish_pending(M) || note_version(M, f[3], f[4]))
            return 1;
        if (!parse_count(f[10], &M->pending_n))
            return fail(M, "stats.csv: bad items_n row");
        snprintf(M->pend_key[0], sizeof(M->pend_key[0]), "%s", f[3]);
        snprintf(M->pend_key[1], sizeof(M->pend_key[1]), "%s", f[4]);
        snprintf(M->pend_key[2], sizeof(M->pend_key[2]), "%s", f[5]);
        M->rel = NULL;
        return 0;
    }
    if (strcmp(f[0], "item_sum") == 0) {
        double *s = realloc(M->pending_sums, (M->npending + 1) * sizeof(double));
        if (!s)
            return 1;
        M->pending_sums = s;
        if (!parse_whole(f[10], &v))
            return fail(M, "stats.csv: bad item_sum row");
        s[M->npending] = v;
        size_t np = M->npending;
        if (!push_str(&M->pending_items, &np, f[7]))
            return 1;
        M->npending++;
        return 0;
    }
    if (strncmp(f[0], "pair_", 5) == 0) {
        /* pair_n, pair_sum, pair_cross: after the score's item_cross rows */
        if (!M->rel || !parse_whole(f[10], &v))
            return fail(M, "stats.csv: bad %s row", f[0]);
        long a = item_index(M->rel, f[7]), b = item_index(M->rel, f[8]);
        if (a < 0 || b < 0)
            return fail(M, "stats.csv: unknown item '%s' or '%s'", f[7], f[8]);
        long k = (long)M->rel->k, lo = a < b ? a : b, hi = a < b ? b : a;
        if (strcmp(f[0], "pair_n") == 0)
            M->rel->pn[lo * k + hi] += v;
        else if (strcmp(f[0], "pair_cross") == 0)
            M->rel->pc[lo * k + hi] += v;
        else
            M->rel->ps[a * k + b] += v;
        return 0;
    }
    /* item_cross */
    if (!M->rel && finish_pending(M))
        return 1;
    if (!M->rel || !parse_whole(f[10], &v))
        return fail(M, "stats.csv: item_cross row before its score's items");
    long a = item_index(M->rel, f[7]), b = item_index(M->rel, f[8]);
    if (a < 0 || b < 0)
        return fail(M, "stats.csv: unknown item '%s' or '%s'", f[7], f[8]);
    M->rel->st.cross[a * (long)M->rel->k + b] += v;
    if (a != b)
        M->rel->st.cross[b * (long)M->rel->k + a] += v;
    return 0;
}

/* kind,site,group_pid,instrument,instrument_version,score,wave,item,item2,value,count */
static int on_stats(void *ctx, char **f, size_t n)
{
    struct mstate *M = ctx;
    if (n != 11)
        return fail(M, "stats.csv: expected 11 columns");
    if (strcmp(f[0], "kind") == 0)
        return 0;
    if (strcmp(f[0], "meta") == 0)
        return stats_meta(M, f);
    if (strcmp(f[0], "freq") == 0 || strcmp(f[0], "flagged") == 0)
        return stats_cell(M, f);
    if (strcmp(f[0], "items_n") == 0 || strcmp(f[0], "item_sum") == 0 ||
        strcmp(f[0], "item_cross") == 0 || strcmp(f[0], "pair_n") == 0 ||
        strcmp(f[0], "pair_sum") == 0 || strcmp(f[0], "pair_cross") == 0)
        return stats_items(M, f);
    return fail(M, "stats.csv: unknown row kind '%s'", f[0]);
}

static int on_long(void *ctx, char **f, size_t n)
{
    struct mstate *M = ctx;
    struct table *T = M->cur;
    if (M->header) {
        M->header = 0;
        if (!T->head) {
            for (size_t i = 0; i < n; i++) {
                if (!push_str(&T->head, &T->nhead, f[i]))
                    return 1;
                if (T == &M->scores && strcmp(f[i], "t") == 0)
                    T->tcol = i + 1;
            }
            return 0;
        }
        int same = T->nhead == n;
        for (size_t i = 0; same && i < n; i++)
            same = strcmp(T->head[i], f[i]) == 0;
        if (!same)
            return fail(
                M, "its columns differ from the first export's (another baseline_year or covariate "
                   "setting): merge only exports made with the same settings");
        return 0;
    }
    if (n != T->nhead || n < 7)
        return fail(M, "a row has another number of columns than the header");
    char *end;
    errno = 0;
    long wave = strtol(f[5], &end, 10);
    if (strlen(f[0]) != 24 || strspn(f[0], "abcdefghijklmnopqrstuvwxyz234567") != 24 || *end ||
        errno || wave < 1 || wave > 1000000)
        return fail(M, "a row's pid or wave is not what qscore writes");
    if (note_site(M, f[1]) || note_version(M, f[3], f[4]))
        return 1;
    struct line *v = qs_grow__array(T->lines, &T->cap, T->nlines + 1, sizeof(*v), 1024);
    if (!v)
        return 1;
    T->lines = v;
    struct line *L = &T->lines[T->nlines];
    L->f = malloc(n * sizeof(char *));
    if (!L->f)
        return 1;
    for (size_t i = 0; i < n; i++) { /* take the fields from the reader */
        L->f[i] = f[i];
        f[i] = NULL;
    }
    /* Format 2 wrote a missing T score as an empty field; format 3 writes NaN. */
    if (M->format < 3 && T->tcol && !L->f[T->tcol - 1][0]) {
        char *nan = xdup("NaN");
        if (!nan) {
            free_strs(L->f, n);
            return 1;
        }
        free(L->f[T->tcol - 1]);
        L->f[T->tcol - 1] = nan;
    }
    L->n = n;
    L->wave = wave;
    L->seq = T->nlines++;
    return 0;
}

/* Sort key of the long files: site, pid, instrument, version, wave; stable by input order. */
static int cmp_lines(const void *a, const void *b)
{
    const struct line *x = a, *y = b;
    static const int cols[] = {1, 0, 3, 4};
    for (size_t i = 0; i < 4; i++) {
        int c = strcmp(x->f[cols[i]], y->f[cols[i]]);
        if (c)
            return c;
    }
    if (x->wave != y->wave)
        return x->wave < y->wave ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void write_fields(FILE *fp, char **f, size_t n, int partition)
{
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        if (partition && (i == 1 || i == 3))
            continue;
        if (!first)
            fputc(',', fp);
        first = 0;
        qs_x__csv_field(fp, f[i]);
    }
    fputc('\n', fp);
}

static void free_table(struct table *T)
{
    free_strs(T->head, T->nhead);
    for (size_t i = 0; i < T->nlines; i++)
        free_strs(T->lines[i].f, T->lines[i].n);
    free(T->lines);
}

static qs_error write_table(qs_xdir *dir, const char *name, struct table *T, qs_diag *d)
{
    FILE *fp = qs_x__open(dir, name, d);
    if (!fp)
        return QS_EIO;
    write_fields(fp, T->head, T->nhead, 0);
    for (size_t i = 0; i < T->nlines; i++)
        write_fields(fp, T->lines[i].f, T->lines[i].n, 0);
    return qs_x__close(fp, name, d);
}

/* The Hive-style copy of scores.csv, as export.c writes it. */
static qs_error write_partitions(qs_xdir *dir, struct table *T, qs_xfile **files, size_t *nfiles,
                                 qs_diag *d)
{
    qs_error rc = QS_OK;
    /* Partitions by (site, instrument): the lines are sorted by site; instruments interleave. */
    for (size_t a = 0; a < T->nlines && !rc;) {
        size_t b = a;
        while (b < T->nlines && strcmp(T->lines[b].f[1], T->lines[a].f[1]) == 0)
            b++;
        /* instruments of this site, in sorted order */
        char **seen = NULL;
        size_t nseen = 0;
        for (size_t i = a; i < b && !rc; i++) {
            int have = 0;
            for (size_t j = 0; j < nseen && !have; j++)
                have = strcmp(seen[j], T->lines[i].f[3]) == 0;
            if (!have && !push_str(&seen, &nseen, T->lines[i].f[3]))
                rc = QS_ENOMEM;
        }
        for (size_t j = 0; j < nseen && !rc; j++) {
            char site[400], inst[400], name[900];
            if (!qs_x__partition_value(T->lines[a].f[1], site, sizeof(site)) ||
                !qs_x__partition_value(seen[j], inst, sizeof(inst))) {
                qs_diag_set(d, NULL, 0, 0, NULL,
                            "a site label or instrument id is empty or too long for a folder");
                rc = QS_EINVALID;
                break;
            }
            snprintf(name, sizeof(name), "scores/instrument=%s/site=%s/part-0.csv", inst, site);
            FILE *fp = qs_x__open(dir, name, d);
            if (!fp) {
                rc = QS_EIO;
                break;
            }
            unsigned long rows = 0;
            write_fields(fp, T->head, T->nhead, 1);
            for (size_t i = a; i < b; i++)
                if (strcmp(T->lines[i].f[3], seen[j]) == 0) {
                    write_fields(fp, T->lines[i].f, T->lines[i].n, 1);
                    rows++;
                }
            rc = qs_x__close(fp, name, d);
            if (!rc)
                rc = qs_x__add_file(files, nfiles, name, rows);
        }
        free_strs(seen, nseen);
        a = b;
    }
    return rc;
}

/*
 * Check an export's manifest.json: a format this qscore reads (into *format), and the SHA-256 it
 * records for each file merge reads equals the file's (an export edited or damaged since it was
 * written is refused). The manifest is qscore's own fixed layout, so a plain scan suffices.
 */
static qs_error verify_manifest(const char *dir, char hex_out[65], int *format,
                                qs_diag_list *errors)
{
    char path[4096];
    qs_diag d;
    snprintf(path, sizeof(path), "%s/manifest.json", dir);
    FILE *fp;
    unsigned long long left;
    if (qs_infile_open(&fp, &left, path, NULL, &d)) {
        if (errno == ENOENT)
            qs_diag_list_add(errors, dir, 0, 0, NULL, "not a qscore export (no manifest.json)");
        else
            qs_diag_list_push(errors, &d);
        return errno == ENOENT ? QS_EINVALID : QS_EIO;
    }
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap + 1);
    qs_error rc = buf ? QS_OK : QS_ENOMEM;
    while (!rc && left) {
        size_t n = fread(buf + len, 1, cap - len < left ? cap - len : (size_t)left, fp);
        len += n;
        left -= n;
        if (n == 0)
            break;
        if (len == cap) {
            if (cap >= (size_t)64 << 20) {
                rc = QS_ELIMIT;
                break;
            }
            char *b = realloc(buf, cap * 2 + 1);
            if (!b) {
                rc = QS_ENOMEM;
                break;
            }
            buf = b;
            cap *= 2;
        }
    }
    fclose(fp);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[len] = '\0';
    qs_diag_clear(&d);
    rc = qs_sha256_file(path, hex_out, &d);
    *format = 0;
    for (int f = QS_EXPORT_FORMAT_OLDEST; f <= QS_EXPORT_FORMAT && !rc && !*format; f++) {
        char want[40];
        snprintf(want, sizeof(want), "\n  \"format\": %d,\n", f);
        if (strstr(buf, want))
            *format = f;
    }
    if (!rc && !*format) {
        qs_diag_list_add(errors, path, 0, 0, NULL,
                         "not an export of format %d to %d (the formats this qscore reads)",
                         QS_EXPORT_FORMAT_OLDEST, QS_EXPORT_FORMAT);
        rc = QS_EINVALID;
    }
    static const char *const names[] = {"stats.csv", "scores.csv", "flags.csv", "items.csv"};
    for (size_t i = 0; i < 4 && !rc; i++) {
        char fpath[4096], key[64], hex[65];
        snprintf(fpath, sizeof(fpath), "%s/%s", dir, names[i]);
        snprintf(key, sizeof(key), "{\"name\": \"%s\", ", names[i]);
        const char *at = strstr(buf, key);
        const char *h = at ? strstr(at, "\"sha256\": \"") : NULL;
        if (!at && i == 3 && access(fpath, F_OK) != 0)
            continue; /* an export without --items */
        if (!h || strlen(h) < 11 + 64 || qs_sha256_file(fpath, hex, &d) != QS_OK ||
            strncmp(h + 11, hex, 64) != 0) {
            qs_diag_list_add(errors, fpath, 0, 0, NULL,
                             "does not match the SHA-256 in manifest.json: the export was "
                             "changed or damaged after it was written");
            rc = QS_EINVALID;
        }
    }
    free(buf);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The long files of the export in `dir`, appended to the tables; items.csv may be absent (an
 * export without --items). */
static qs_error read_long_files(struct mstate *M, const char *dir)
{
    struct {
        const char *name;
        struct table *t;
    } longs[] = {{"scores.csv", &M->scores}, {"flags.csv", &M->flags}, {"items.csv", &M->itemtab}};
    qs_error rc = QS_OK;
    for (size_t j = 0; j < 3 && !rc; j++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, longs[j].name);
        M->file = path;
        M->cur = longs[j].t;
        M->header = 1;
        if (j == 2 && access(path, R_OK) != 0) {
            M->itemtab.missing = 1;
            continue;
        }
        rc = read_csv(path, on_long, M, M->errors);
    }
    M->file = NULL;
    return rc;
}

/* Read input export `i`: its manifest (checked against its files), its stats.csv into the
 * cohort, and its long files. */
static qs_error read_export(struct mstate *M, size_t i)
{
    char path[4096], hex[65];
    M->input = i;
    M->format_seen = 0;
    qs_error rc = verify_manifest(M->dirs[i], hex, &M->format, M->errors);
    if (rc)
        return rc;
    if (!push_str(&M->manifests, &M->nmanifests, hex))
        return QS_ENOMEM;
    snprintf(path, sizeof(path), "%s/stats.csv", M->dirs[i]);
    M->file = path;
    rc = read_csv(path, on_stats, M, M->errors);
    M->file = NULL;
    if (!rc && finish_pending(M))
        rc = QS_EINVALID;
    if (!rc && !M->format_seen) {
        qs_diag_list_add(M->errors, path, 0, 0, NULL, "no format row: not written by qscore");
        rc = QS_EINVALID;
    }
    if (!rc && i > 0) {
        const char *a = M->covsig[0] ? M->covsig[0] : "", *b = M->covsig[1] ? M->covsig[1] : "";
        if (strcmp(a, b) != 0) {
            qs_diag_list_add(M->errors, path, 0, 0, NULL,
                             "its covariates or their kinds differ from the first export's: "
                             "merge only exports made with the same export.covariates");
            rc = QS_EINVALID;
        }
        free(M->covsig[1]);
        M->covsig[1] = NULL;
    }
    if (!rc)
        rc = read_long_files(M, M->dirs[i]);
    return rc;
}

/*
 * What only the exports together can show: the same instrument versions everywhere, no cell
 * with more flagged administrations than administrations. Then the k of the merge: `*k`, or
 * when it is 0 the largest of the exports' (11 when none says), never below 5.
 */
static qs_error check_inputs(struct mstate *M, size_t ndirs, long *k)
{
    if (check_versions(M, M->dirs, ndirs))
        return QS_EINVALID;
    for (size_t i = 0; i < M->C.ncells; i++)
        if (M->C.cells[i].flagged > qs_freq_n(&M->C.cells[i].freq)) {
            qs_diag_list_add(M->errors, NULL, 0, 0, NULL,
                             "stats.csv: a cell has more flagged administrations than "
                             "administrations: not an export written by qscore");
            return QS_EINVALID;
        }
    if (*k <= 0)
        *k = M->k > 0 ? M->k : 11;
    if (*k < 5) {
        qs_diag_list_add(M->errors, NULL, 0, 0, NULL,
                         "k = %ld: cells of fewer than 5 clients can identify them; merge with "
                         "--k 5 or more",
                         *k);
        return QS_EINVALID;
    }
    return QS_OK;
}

/* Put what was read in its written order: the merged files do not depend on the order the
 * exports were named in (the long files' lines of one client keep their input order). */
static void sort_inputs(struct mstate *M)
{
    if (M->nmanifests)
        qsort(M->manifests, M->nmanifests, sizeof(char *), cmp_str);
    if (M->nnotes)
        qsort(M->notes, M->nnotes, sizeof(char *), cmp_str);
    if (M->scores.nlines)
        qsort(M->scores.lines, M->scores.nlines, sizeof(struct line), cmp_lines);
    if (M->flags.nlines)
        qsort(M->flags.lines, M->flags.nlines, sizeof(struct line), cmp_lines);
    if (M->itemtab.nlines)
        qsort(M->itemtab.lines, M->itemtab.nlines, sizeof(struct line), cmp_lines);
    if (M->nfp)
        qsort(M->fps, M->nfp, sizeof(char *), cmp_str);
}

/* scores.csv, flags.csv, items.csv (when every export has it) and the partitions. */
static qs_error write_long_files(struct mstate *M, qs_xdir *dir, qs_xfile **files, size_t *nfiles,
                                 qs_diag *d)
{
    qs_error rc = write_table(dir, "scores.csv", &M->scores, d);
    if (!rc)
        rc = qs_x__add_file(files, nfiles, "scores.csv", M->scores.nlines);
    if (!rc)
        rc = write_table(dir, "flags.csv", &M->flags, d);
    if (!rc)
        rc = qs_x__add_file(files, nfiles, "flags.csv", M->flags.nlines);
    if (!rc && M->items)
        rc = write_table(dir, "items.csv", &M->itemtab, d);
    if (!rc && M->items)
        rc = qs_x__add_file(files, nfiles, "items.csv", M->itemtab.nlines);
    if (!rc)
        rc = write_partitions(dir, &M->scores, files, nfiles, d);
    return rc;
}

/* The settings and provenance the manifest, README.txt and stats.csv record; counts the
 * clients and administrations of the sorted scores.csv. */
static qs_xmeta merge_meta(const struct mstate *M, long k)
{
    /* Lines are sorted by site, pid, instrument, version and wave: a client is a run of
     * (site, pid), an administration a run of all five. */
    unsigned long clients = 0, administrations = 0;
    for (size_t i = 0; i < M->scores.nlines; i++) {
        const struct line *x = &M->scores.lines[i], *p = i ? &M->scores.lines[i - 1] : NULL;
        int new_client = !p || strcmp(x->f[1], p->f[1]) != 0 || strcmp(x->f[0], p->f[0]) != 0;
        clients += new_client;
        administrations += new_client || strcmp(x->f[3], p->f[3]) != 0 ||
                           strcmp(x->f[4], p->f[4]) != 0 || x->wave != p->wave;
    }
    return (qs_xmeta){.kind = "merge",
                      .k = k,
                      .year = M->year,
                      .items = M->items,
                      .ncovariates = M->ncov,
                      .covariates = (const char *const *)M->cov_names,
                      .covariate_kinds = (const char *const *)M->cov_kinds,
                      .nfingerprints = M->nfp,
                      .fingerprints = (const char *const *)M->fps,
                      .nsources = M->nmanifests,
                      .sources = (const char *const *)M->manifests,
                      .override = M->override ? "one or more merged exports accepted unsafe "
                                                "settings by export.override: see notes"
                                              : NULL,
                      .nwarnings = M->nnotes,
                      .warnings = (const char *const *)M->notes,
                      .clients = clients,
                      .administrations = administrations};
}

/* Write the merged export into `out_dir` (through a temporary folder): long files,
 * partitions, summaries, manifest. The counts are set once the folder is begun. */
static qs_error write_merged(struct mstate *M, const char *out_dir, size_t ndirs, long k,
                             qs_merge_counts *out)
{
    qs_xdir dir;
    qs_diag d;
    qs_xfile *files = NULL;
    size_t nfiles = 0;
    dir.tmp[0] = '\0';
    qs_diag_clear(&d);
    qs_error rc = qs_x__dir_begin(&dir, out_dir, &d);
    if (rc) {
        qs_diag_list_push(M->errors, &d);
        qs_x__dir_abort(&dir);
        return rc;
    }
    rc = write_long_files(M, &dir, &files, &nfiles, &d);
    qs_xmeta m = merge_meta(M, k);
    if (!rc)
        rc = qs_x__write_summaries(&dir, &M->C, &m, &files, &nfiles, &d);
    out->cells = m.cells;
    out->cells_suppressed = m.cells_suppressed;
    if (!rc)
        rc = qs_x__write_manifest(dir.tmp, &m, files, nfiles, &d);
    if (!rc)
        rc = qs_x__dir_commit(&dir, &d);
    if (rc && d.message[0])
        qs_diag_list_push(M->errors, &d);
    out->exports = ndirs;
    out->score_rows = M->scores.nlines;
    out->flag_rows = M->flags.nlines;
    out->item_rows = M->items ? M->itemtab.nlines : 0;
    qs_x__dir_abort(&dir);
    free(files);
    return rc;
}

static void mstate_release(struct mstate *M)
{
    free_strs(M->manifests, M->nmanifests);
    free_table(&M->scores);
    free_table(&M->flags);
    free_table(&M->itemtab);
    free_strs(M->inst, M->ninst);
    free_strs(M->inst_versions, M->ninst);
    free(M->inst_input);
    free(M->covsig[0]);
    free(M->covsig[1]);
    free_strs(M->notes, M->nnotes);
    free_strs(M->sites, M->nsites);
    free(M->site_input);
    free_strs(M->fps, M->nfp);
    free_strs(M->cov_names, M->ncov);
    free_strs(M->cov_kinds, M->ncov);
    free_strs(M->pending_items, M->npending);
    free(M->pending_sums);
    qs_xcohort__free(&M->C);
}

qs_error qs_export_merge(const char *out_dir, const char *const *dirs, size_t ndirs, long k,
                         qs_merge_counts *out, qs_diag_list *errors)
{
    struct mstate M;
    qs_error rc = QS_OK;
    memset(out, 0, sizeof(*out));
    memset(&M, 0, sizeof(M));
    M.errors = errors;
    M.dirs = dirs;
    if (qs_xcohort__init(&M.C))
        return QS_ENOMEM;
    for (size_t i = 0; i < ndirs && !rc; i++)
        rc = read_export(&M, i);
    if (rc == QS_ENOTFOUND)
        rc = QS_EINVALID;
    if (!rc)
        rc = check_inputs(&M, ndirs, &k);
    if (!rc) {
        M.items = !M.itemtab.missing && M.itemtab.head;
        sort_inputs(&M);
        rc = write_merged(&M, out_dir, ndirs, k, out);
    }
    mstate_release(&M);
    return rc;
}
