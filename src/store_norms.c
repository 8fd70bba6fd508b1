/* store_norms.c - local norms: snapshots of this clinic's own clients, kept in the store. */
#define _XOPEN_SOURCE 700 /* strdup */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "qscore/format.h"
#include "qscore/store.h"
#include "store_internal.h"

/*
 * Design. A local norm compares a client with this clinic's own clients: per score, the mean
 * and sample SD of each client's FIRST VALID administration (current versions; not flagged
 * invalid or careless), in time order. It is a snapshot: made once, when the store first holds
 * min_n such clients, and refreshed only by `qscore norms --update`, never silently at night,
 * so a client's T score does not move because other clients came. A snapshot keeps, per score,
 * n, mean, SD, Cronbach's alpha from pairwise-complete item covariances (the reliability for
 * reliable change) with its smallest pairwise n, and the sorted sample (for mid-rank
 * percentiles). The statistics are src/norms.c's; this file reads and writes them.
 */

static qs_error sql_error(qs_store *s, qs_diag *diag, const char *what)
{
    return qs_store__error(qs_store__db(s), diag, what);
}

/* The sample of a snapshot: per sampled client, its score values and keyed item answers. */
struct sample {
    size_t n;                     /* clients */
    double *values;               /* n * nscores, NaN when the score has no value */
    double *items;                /* n * nitems, keyed, NaN when unanswered */
    size_t cap_values, cap_items; /* elements allocated */
};

static void sample_release(struct sample *sm)
{
    free(sm->values);
    free(sm->items);
    memset(sm, 0, sizeof(*sm));
}

/* Append one client's first valid administration: its scores and keyed answers. */
static qs_error sample_add(qs_store *s, const qs_instrument *inst, struct sample *sm,
                           long long admin, const char *answers, sqlite3_stmt *scores,
                           qs_diag *diag)
{
    size_t ns = inst->nscores ? inst->nscores : 1, ni = inst->nitems ? inst->nitems : 1;
    double *v =
        qs_grow__array(sm->values, &sm->cap_values, (sm->n + 1) * ns, sizeof(double), 64 * ns);
    if (v)
        sm->values = v;
    double *it =
        v ? qs_grow__array(sm->items, &sm->cap_items, (sm->n + 1) * ni, sizeof(double), 64 * ni)
          : NULL;
    if (!v || !it) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "out of memory");
        return QS_ENOMEM;
    }
    sm->items = it;
    double *row = sm->values + sm->n * ns, *irow = sm->items + sm->n * ni;
    for (size_t k = 0; k < ns; k++)
        row[k] = NAN;
    int *raw = malloc(ni * sizeof(int));
    if (!raw) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "out of memory");
        return QS_ENOMEM;
    }
    int ok = qs_store_parse_answers(answers, raw, inst->nitems);
    for (size_t k = 0; k < inst->nitems; k++) {
        int a = ok ? raw[k] : QS_MISSING;
        irow[k] = a == QS_MISSING          ? NAN
                  : inst->items[k].reverse ? (double)(inst->scale.min + inst->scale.max - a)
                                           : (double)a;
    }
    free(raw);
    sqlite3_bind_int64(scores, 1, admin);
    int r;
    while ((r = sqlite3_step(scores)) == SQLITE_ROW) {
        int si = qs_instrument_score_index(inst, (const char *)sqlite3_column_text(scores, 0));
        if (si >= 0 && sqlite3_column_type(scores, 1) != SQLITE_NULL)
            row[si] = sqlite3_column_double(scores, 1);
    }
    sqlite3_reset(scores);
    if (r != SQLITE_DONE)
        return sql_error(s, diag, "cannot read scores for a local norm");
    sm->n++;
    return QS_OK;
}

/* Each client's first valid current administration of the instrument, in time order. */
static qs_error sample_read(qs_store *s, const qs_instrument *inst, struct sample *sm,
                            qs_diag *diag)
{
    sqlite3 *db = qs_store__db(s);
    sqlite3_stmt *st = NULL, *sc = NULL;
    long long last_client = 0;
    qs_error rc = QS_OK;
    memset(sm, 0, sizeof(*sm));
    if (sqlite3_prepare_v2(db,
                           "SELECT a.id, a.client, a.answers FROM administrations a"
                           " WHERE a.instrument = ?1 AND a.current = 1 AND NOT EXISTS(SELECT 1"
                           " FROM flags f WHERE f.administration = a.id AND f.status = 'raised'"
                           " AND f.flag IN ('invalid', 'careless'))"
                           " ORDER BY a.client, a.administered IS NULL, a.administered, a.id",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT score, value FROM scores WHERE administration = ?1", -1, &sc,
                           NULL) != SQLITE_OK) {
        rc = sql_error(s, diag, "cannot read a local norm's sample");
        goto done;
    }
    sqlite3_bind_text(st, 1, inst->id, -1, SQLITE_STATIC);
    int r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        long long client = sqlite3_column_int64(st, 1);
        if (sm->n && client == last_client)
            continue; /* a later administration of the same client */
        last_client = client;
        rc = sample_add(s, inst, sm, sqlite3_column_int64(st, 0),
                        (const char *)sqlite3_column_text(st, 2), sc, diag);
    }
    if (!rc && r != SQLITE_DONE)
        rc = sql_error(s, diag, "cannot read a local norm's sample");
done:
    sqlite3_finalize(st);
    sqlite3_finalize(sc);
    if (rc)
        sample_release(sm);
    return rc;
}

/* The non-missing values of score k, into out (at least sm->n long); their count. */
static size_t score_values(const struct sample *sm, size_t ns, size_t k, double *out)
{
    size_t m = 0;
    for (size_t c = 0; c < sm->n; c++)
        if (!isnan(sm->values[c * ns + k]))
            out[m++] = sm->values[c * ns + k];
    return m;
}

/* Alpha of score k from its items' keyed answers (pairwise), or not computable. */
static void score_alpha(const qs_instrument *inst, const struct sample *sm, size_t k,
                        qs_norms_alpha *a)
{
    const qs_score_def *sd = &inst->scores[k];
    size_t ni = inst->nitems ? inst->nitems : 1;
    memset(a, 0, sizeof(*a));
    a->alpha = NAN;
    if (sd->nitems < 2) {
        a->reason = sd->nitems ? "one item" : "a composite of other scores";
        return;
    }
    double *x = malloc((sm->n ? sm->n : 1) * sd->nitems * sizeof(double));
    if (!x) {
        a->reason = "out of memory";
        return;
    }
    for (size_t c = 0; c < sm->n; c++)
        for (size_t j = 0; j < sd->nitems; j++)
            x[c * sd->nitems + j] = sm->items[c * ni + (size_t)sd->items[j]];
    qs_norms_alpha_pairwise(a, x, sm->n, sd->nitems, NULL);
    free(x);
}

/* The sorted sample as "v1,v2,..." (shortest round-trip numbers); NULL when out of memory. */
static char *sample_text(const double *v, size_t n)
{
    char *t = malloc(n * 33 + 33), *o = t; /* qs_format_double needs 32 bytes of room */
    if (!t)
        return NULL;
    *o = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *o++ = ',';
        o += qs_format_double(o, 32, v[i]);
    }
    *o = '\0';
    return t;
}

/* Write a snapshot of `sm` (within the caller's transaction); *id receives it. */
static qs_error snapshot_write(qs_store *s, const qs_instrument *inst, const struct sample *sm,
                               long min_n, const char *definition, const char *now, long long *id,
                               qs_diag *diag)
{
    sqlite3 *db = qs_store__db(s);
    sqlite3_stmt *st = NULL;
    qs_error rc = QS_OK;
    size_t ns = inst->nscores ? inst->nscores : 1;
    double *v = malloc((sm->n ? sm->n : 1) * sizeof(double));
    if (!v) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "out of memory");
        return QS_ENOMEM;
    }
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO norm_snapshots(instrument, instrument_version, created, n,"
                           " min_n, definition) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                           -1, &st, NULL) != SQLITE_OK) {
        free(v);
        return sql_error(s, diag, "cannot record a local norm");
    }
    sqlite3_bind_text(st, 1, inst->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, inst->version, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)sm->n);
    sqlite3_bind_int64(st, 5, min_n);
    sqlite3_bind_text(st, 6, definition, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = sql_error(s, diag, "cannot record a local norm");
    sqlite3_finalize(st);
    *id = sqlite3_last_insert_rowid(db);
    if (!rc && sqlite3_prepare_v2(db,
                                  "INSERT INTO norm_snapshot_scores(snapshot, score, n, mean, sd,"
                                  " alpha, alpha_min_pair_n, alpha_reason, sample)"
                                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                                  -1, &st, NULL) != SQLITE_OK)
        rc = sql_error(s, diag, "cannot record a local norm");
    for (size_t k = 0; !rc && k < inst->nscores; k++) {
        size_t m = score_values(sm, ns, k, v);
        double mean = NAN, sd = NAN;
        qs_norms_alpha a;
        qs_norms_sort(v, m);
        if (m >= 2)
            qs_norms_mean_sd(&mean, &sd, v, m);
        score_alpha(inst, sm, k, &a);
        char *text = sample_text(v, m);
        if (!text) {
            qs_diag_set(diag, NULL, 0, 0, NULL, "out of memory");
            rc = QS_ENOMEM;
            break;
        }
        sqlite3_bind_int64(st, 1, *id);
        sqlite3_bind_text(st, 2, inst->scores[k].id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)m);
        isnan(mean) ? sqlite3_bind_null(st, 4) : sqlite3_bind_double(st, 4, mean);
        isnan(sd) ? sqlite3_bind_null(st, 5) : sqlite3_bind_double(st, 5, sd);
        isnan(a.alpha) ? sqlite3_bind_null(st, 6) : sqlite3_bind_double(st, 6, a.alpha);
        sqlite3_bind_int64(st, 7, (sqlite3_int64)a.min_pair_n);
        a.reason ? sqlite3_bind_text(st, 8, a.reason, -1, SQLITE_STATIC) : sqlite3_bind_null(st, 8);
        sqlite3_bind_text(st, 9, text, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sql_error(s, diag, "cannot record a local norm");
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        free(text);
    }
    sqlite3_finalize(st);
    free(v);
    return rc;
}

void qs_local_norm_release(qs_local_norm *ln)
{
    for (size_t k = 0; ln->samples && k < ln->nscores; k++)
        free(ln->samples[k]);
    free(ln->samples);
    free(ln->nif);
    memset(ln, 0, sizeof(*ln));
}

/* Parse a stored sample ("1.5,2,3.25") into a new array; its length in *n. */
static double *parse_sample(const char *t, size_t *n)
{
    size_t cap = 1;
    for (const char *p = t; p && *p; p++)
        cap += *p == ',';
    double *v = malloc(cap * sizeof(double));
    *n = 0;
    if (!v || !t || !*t)
        return v;
    const char *p = t;
    while (*p) {
        char *end;
        v[(*n)++] = strtod(p, &end);
        if (end == p)
            break;
        p = *end == ',' ? end + 1 : end;
    }
    return v;
}

/* Load snapshot `id`'s scores into ln (its header already there). */
static qs_error snapshot_load(qs_store *s, const qs_instrument *inst, qs_local_norm *ln,
                              qs_diag *diag)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(qs_store__db(s),
                           "SELECT score, alpha, alpha_min_pair_n, sample FROM"
                           " norm_snapshot_scores WHERE snapshot = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_error(s, diag, "cannot read a local norm");
    sqlite3_bind_int64(st, 1, ln->snapshot);
    snprintf(ln->source, sizeof(ln->source),
             "this clinic's clients (local norm %ld of %.10s, n = %ld)", ln->snapshot, ln->created,
             ln->n);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        int k = qs_instrument_score_index(inst, (const char *)sqlite3_column_text(st, 0));
        if (k < 0)
            continue; /* a score the definition no longer has */
        size_t m;
        double *v = parse_sample((const char *)sqlite3_column_text(st, 3), &m);
        if (!v) {
            sqlite3_finalize(st);
            qs_diag_set(diag, NULL, 0, 0, NULL, "out of memory");
            return QS_ENOMEM;
        }
        free(ln->samples[k]);
        ln->samples[k] = v;
        qs_norms_alpha a;
        memset(&a, 0, sizeof(a));
        a.alpha = sqlite3_column_type(st, 1) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 1);
        a.min_pair_n = (size_t)sqlite3_column_int64(st, 2);
        a.reason = isnan(a.alpha) ? "not computable in this sample" : NULL;
        if (m >= 2)
            qs_norm_in_force_local(&ln->nif[k], ln->snapshot, v, m, &a, ln->source);
        else
            ln->nif[k].reason = "too few values in the local norm for this score";
    }
    sqlite3_finalize(st);
    return r == SQLITE_DONE ? QS_OK : sql_error(s, diag, "cannot read a local norm");
}

/* The latest snapshot's header, or ln->snapshot 0 when there is none. */
static qs_error snapshot_latest(qs_store *s, const qs_instrument *inst, qs_local_norm *ln,
                                qs_diag *diag)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(qs_store__db(s),
                           "SELECT id, created, n, definition FROM norm_snapshots"
                           " WHERE instrument = ?1 ORDER BY id DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_error(s, diag, "cannot read local norms");
    sqlite3_bind_text(st, 1, inst->id, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        ln->snapshot = (long)sqlite3_column_int64(st, 0);
        snprintf(ln->created, sizeof(ln->created), "%s", sqlite3_column_text(st, 1));
        ln->n = (long)sqlite3_column_int64(st, 2);
        snprintf(ln->definition, sizeof(ln->definition), "%s", sqlite3_column_text(st, 3));
    }
    sqlite3_finalize(st);
    return r == SQLITE_ROW || r == SQLITE_DONE ? QS_OK
                                               : sql_error(s, diag, "cannot read local norms");
}

qs_error qs_store_local_norm_definition(const char *instrument_path, char out[40], qs_diag *diag)
{
    char sha[65];
    qs_error rc = qs_sha256_file(instrument_path, sha, diag);
    if (!rc)
        snprintf(out, 40, "i:%.16s", sha);
    return rc;
}

qs_error qs_store_local_norm(qs_store *s, const qs_instrument *inst, long min_n,
                             const char *definition, const char *now, int may_create,
                             qs_local_norm *ln, qs_diag *diag)
{
    struct sample sm;
    memset(ln, 0, sizeof(*ln));
    ln->min_n = min_n;
    ln->nscores = inst->nscores;
    ln->nif = calloc(inst->nscores ? inst->nscores : 1, sizeof(*ln->nif));
    ln->samples = calloc(inst->nscores ? inst->nscores : 1, sizeof(*ln->samples));
    if (!ln->nif || !ln->samples) {
        qs_local_norm_release(ln);
        qs_diag_set(diag, NULL, 0, 0, NULL, "out of memory");
        return QS_ENOMEM;
    }
    for (size_t k = 0; k < inst->nscores; k++)
        qs_norm_in_force_init(&ln->nif[k]);
    qs_error rc = snapshot_latest(s, inst, ln, diag);
    if (!rc && ln->snapshot && strcmp(ln->definition, definition) != 0) {
        /* Made with another definition (other items, keys or scales): its statistics do not
         * describe today's scores, and only `qscore norms --update` makes a new one. */
        snprintf(ln->reason, sizeof(ln->reason),
                 "%s's definition changed since local norm %ld was made: run 'qscore norms "
                 "--update'",
                 inst->id, ln->snapshot);
        ln->stale = ln->snapshot;
        ln->snapshot = 0;
        for (size_t k = 0; k < inst->nscores; k++)
            ln->nif[k].reason = ln->reason;
        return QS_OK;
    }
    if (!rc && !ln->snapshot) {
        rc = sample_read(s, inst, &sm, diag);
        if (!rc) {
            ln->n = (long)sm.n;
            if (may_create && sm.n >= (size_t)min_n) {
                long long id;
                rc = snapshot_write(s, inst, &sm, min_n, definition, now, &id, diag);
                if (!rc) {
                    ln->snapshot = (long)id;
                    snprintf(ln->created, sizeof(ln->created), "%s", now);
                    ln->made = 1;
                }
            }
            sample_release(&sm);
        }
    }
    if (!rc && ln->snapshot)
        rc = snapshot_load(s, inst, ln, diag);
    if (!rc && !ln->snapshot) {
        qs_norms_local_shortfall(ln->reason, sizeof(ln->reason), (size_t)ln->n, (size_t)min_n);
        for (size_t k = 0; k < inst->nscores; k++)
            ln->nif[k].reason = ln->reason;
    }
    if (rc)
        qs_local_norm_release(ln);
    return rc;
}

qs_error qs_store_local_norm_update(qs_store *s, const qs_instrument *inst, long min_n,
                                    const char *definition, const char *now, long long *snapshot,
                                    long *n, qs_diag *diag)
{
    struct sample sm;
    *snapshot = 0;
    qs_error rc = sample_read(s, inst, &sm, diag);
    if (rc)
        return rc;
    *n = (long)sm.n;
    if (sm.n >= (size_t)min_n)
        rc = snapshot_write(s, inst, &sm, min_n, definition, now, snapshot, diag);
    sample_release(&sm);
    return rc;
}

qs_error qs_store_each_snapshot(qs_store *s, qs_store_snapshot_fn fn, void *ctx, qs_diag *diag)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(qs_store__db(s),
                           "SELECT n.id, n.instrument, n.instrument_version, n.created, n.n,"
                           " n.min_n, c.score, c.n, c.mean, c.sd, c.alpha, c.alpha_min_pair_n,"
                           " coalesce(c.alpha_reason, '') FROM norm_snapshots n"
                           " JOIN norm_snapshot_scores c ON c.snapshot = n.id"
                           " ORDER BY n.instrument, n.id, c.score",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_error(s, diag, "cannot read local norms");
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        qs_store_snapshot_row row;
        row.id = (long)sqlite3_column_int64(st, 0);
        row.instrument = (const char *)sqlite3_column_text(st, 1);
        row.instrument_version = (const char *)sqlite3_column_text(st, 2);
        row.created = (const char *)sqlite3_column_text(st, 3);
        row.n = (long)sqlite3_column_int64(st, 4);
        row.min_n = (long)sqlite3_column_int64(st, 5);
        row.score = (const char *)sqlite3_column_text(st, 6);
        row.score_n = (long)sqlite3_column_int64(st, 7);
        row.mean = sqlite3_column_type(st, 8) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 8);
        row.sd = sqlite3_column_type(st, 9) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 9);
        row.alpha =
            sqlite3_column_type(st, 10) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 10);
        row.alpha_min_pair_n = (long)sqlite3_column_int64(st, 11);
        row.alpha_reason = (const char *)sqlite3_column_text(st, 12);
        fn(ctx, &row);
    }
    sqlite3_finalize(st);
    return r == SQLITE_DONE ? QS_OK : sql_error(s, diag, "cannot read local norms");
}
