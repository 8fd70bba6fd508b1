/* store_export.c - the store's reads for research exports (reports/export.c): typed rows, no SQL
 * outside src/. */
#include <math.h>
#include <sqlite3.h>
#include <stddef.h>

#include "qscore/store.h"
#include "store_internal.h"

/*
 * Each query keeps the text export.c ran before the read moved here, ORDER BY included (there is
 * none): the export sorts what it reads, but the notes it writes follow the order the
 * administrations arrive in, and exports must stay byte-identical.
 */
static const char admins_sql[] =
    "SELECT a.id, c.site, c.client_key, a.instrument, a.instrument_version, a.administered,"
    " a.group_name, a.answers,"
    " ROW_NUMBER() OVER (PARTITION BY a.client, a.instrument"
    "   ORDER BY a.administered IS NULL, a.administered, a.id),"
    " MIN(substr(a.administered, 1, 10)) OVER (PARTITION BY a.client), a.covariates,"
    " a.therapist, a.response_id"
    " FROM administrations a JOIN clients c ON c.id = a.client WHERE a.current = 1";

static const char scores_sql[] =
    "SELECT s.administration, s.score, s.value, s.t, s.status FROM scores s"
    " JOIN administrations a ON a.id = s.administration"
    " WHERE a.current = 1";

static const char flags_sql[] = "SELECT f.administration, f.flag, f.status, f.severity"
                                " FROM flags f JOIN administrations a ON a.id = f.administration"
                                " WHERE a.current = 1";

static qs_error read_error(sqlite3 *db, qs_diag *diag, const char *what)
{
    return qs_store__error(db, diag, what);
}

static const char *text(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

static double real_or_nan(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL ? NAN : sqlite3_column_double(st, col);
}

static void admin_row(sqlite3_stmt *st, qs_store_export_admin *a)
{
    a->id = sqlite3_column_int64(st, 0);
    a->site = text(st, 1);
    a->client = text(st, 2);
    a->instrument = text(st, 3);
    a->instrument_version = text(st, 4);
    a->administered = text(st, 5);
    a->group = text(st, 6);
    a->answers = text(st, 7);
    a->wave = sqlite3_column_int64(st, 8);
    a->client_first_date = text(st, 9);
    a->covariates = text(st, 10);
    a->therapist = text(st, 11);
    a->response_id = text(st, 12);
}

static void score_row(sqlite3_stmt *st, qs_store_export_score *sc)
{
    sc->admin = sqlite3_column_int64(st, 0);
    sc->score = text(st, 1);
    sc->value = real_or_nan(st, 2);
    sc->t = real_or_nan(st, 3);
    sc->status = text(st, 4);
}

static void flag_row(sqlite3_stmt *st, qs_store_export_flag *f)
{
    f->admin = sqlite3_column_int64(st, 0);
    f->flag = text(st, 1);
    f->status = text(st, 2);
    f->severity = text(st, 3);
}

enum which { ADMINS, SCORES, FLAGS };

/* Step one query to its end, handing each row to the reader's callback for it (none: the rows
 * are still stepped, so a damaged store fails alike). A callback's error stops and is returned. */
static qs_error each_row(sqlite3 *db, enum which w, const qs_store_export_reader *r, void *ctx,
                         qs_diag *diag)
{
    static const char *const sql[] = {admins_sql, scores_sql, flags_sql};
    static const char *const what[] = {"reading administrations", "reading scores",
                                       "reading flags"};
    sqlite3_stmt *st = NULL;
    qs_error rc = QS_OK;
    int step;
    if (sqlite3_prepare_v2(db, sql[w], -1, &st, NULL) != SQLITE_OK)
        return read_error(db, diag, what[w]);
    for (;;) {
        step = sqlite3_step(st);
        if (step != SQLITE_ROW)
            break;
        if (w == ADMINS && r->admin) {
            qs_store_export_admin a;
            admin_row(st, &a);
            rc = r->admin(ctx, &a);
        } else if (w == SCORES && r->score) {
            qs_store_export_score sc;
            score_row(st, &sc);
            rc = r->score(ctx, &sc);
        } else if (w == FLAGS && r->flag) {
            qs_store_export_flag f;
            flag_row(st, &f);
            rc = r->flag(ctx, &f);
        }
        if (rc)
            goto done;
    }
    if (step != SQLITE_DONE)
        rc = read_error(db, diag, what[w]);
done:
    sqlite3_finalize(st);
    return rc;
}

qs_error qs_store_read_export(qs_store *s, const qs_store_export_reader *r, void *ctx,
                              qs_diag *diag)
{
    sqlite3 *db = qs_store__db(s);
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return read_error(db, diag, "beginning a read");
    qs_error rc = each_row(db, ADMINS, r, ctx, diag);
    if (rc)
        goto done;
    if (r->admins_done) {
        rc = r->admins_done(ctx);
        if (rc)
            goto done;
    }
    rc = each_row(db, SCORES, r, ctx, diag);
    if (rc)
        goto done;
    rc = each_row(db, FLAGS, r, ctx, diag);
done:
    /* a read-only transaction: ending it cannot lose anything, so its result does not matter */
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    return rc;
}
