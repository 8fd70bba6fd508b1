/* store_read.c - the store's reads for therapist workbooks (reports/report_build.c): one read
 * transaction, typed iterators, no SQL outside src/. */
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "qscore/store.h"
#include "store_internal.h"

/*
 * Design. An iterator is one prepared statement and the row struct its rows are read into; the
 * typed next functions step it and fill their struct with pointers into the statement's current
 * row (valid until the next step, as sqlite3_column_text's are). Each query keeps the text
 * report_build.c ran before the reads moved here, ORDER BY included: the workbooks depend on the
 * order rows arrive in and must stay byte-identical. The messages keep theirs too ("store:
 * cannot read change: ..."), which tests/unit/test_report.c checks.
 */

enum iter_kind { IT_ADMINS, IT_SCORES, IT_FLAGS, IT_CHANGES, IT_RUNS, IT_FILES, IT_QUARANTINED };

struct qs_store_iter {
    qs_store *store;
    sqlite3_stmt *st;
    enum iter_kind kind;
    const char *what; /* "cannot read administrations": the message on failure */
};

static qs_error read_error(qs_store *s, qs_diag *diag, const char *what)
{
    return qs_store__error(qs_store__db(s), diag, what);
}

static const char *text(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

static double real_or_nan(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL ? NAN : sqlite3_column_double(st, col);
}

qs_error qs_store_read_begin(qs_store *s, qs_diag *diag)
{
    if (sqlite3_exec(qs_store__db(s), "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return read_error(s, diag, "cannot begin reading");
    return QS_OK;
}

qs_error qs_store_read_end(qs_store *s, qs_diag *diag)
{
    sqlite3 *db = qs_store__db(s);
    if (sqlite3_get_autocommit(db))
        return QS_OK; /* no transaction open: nothing to end */
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        qs_error rc = read_error(s, diag, "cannot end reading");
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return QS_OK;
}

void qs_store_iter_free(qs_store_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->st);
    free(it);
}

/* A new iterator of `kind` over `sql`; QS_ESTORE with "store: WHAT: ..." when it cannot be
 * prepared. */
static qs_error iter_new(qs_store_iter **out, qs_store *s, enum iter_kind kind, const char *sql,
                         const char *what, qs_diag *diag)
{
    *out = NULL;
    qs_store_iter *it = calloc(1, sizeof(*it));
    if (!it)
        return QS_ENOMEM;
    it->store = s;
    it->kind = kind;
    it->what = what;
    if (sqlite3_prepare_v2(qs_store__db(s), sql, -1, &it->st, NULL) != SQLITE_OK) {
        qs_error rc = read_error(s, diag, what);
        qs_store_iter_free(it);
        return rc;
    }
    *out = it;
    return QS_OK;
}

/* Step `it`, which must be of `kind`: QS_OK on a row, QS_EEOF after the last, QS_ESTORE. */
static qs_error iter_step(qs_store_iter *it, enum iter_kind kind, qs_diag *diag)
{
    if (!it || it->kind != kind) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "store: an iterator read as another kind");
        return QS_EUSAGE;
    }
    int r = sqlite3_step(it->st);
    if (r == SQLITE_ROW)
        return QS_OK;
    if (r == SQLITE_DONE)
        return QS_EEOF;
    return read_error(it->store, diag, it->what);
}

/* ---- administrations, scores, flags ------------------------------------------------------- */

qs_error qs_store_iter_admins(qs_store_iter **out, qs_store *s, const char *since, qs_diag *diag)
{
    static const char sql[] =
        "SELECT a.id, c.client_key, a.site, a.group_name, a.therapist, a.instrument,"
        " a.administered, a.response_id, a.run, a.missing_fraction, a.longstring, a.irv,"
        " a.answers, a.instrument_version, a.norm"
        " FROM administrations a JOIN clients c ON c.id = a.client"
        " WHERE a.current = 1 AND (?1 IS NULL OR a.administered >= ?1)"
        " ORDER BY a.site, c.client_key, a.instrument, a.administered IS NULL, a.administered,"
        " a.id";
    qs_error rc = iter_new(out, s, IT_ADMINS, sql, "cannot read administrations", diag);
    if (!rc && since && sqlite3_bind_text((*out)->st, 1, since, -1, SQLITE_TRANSIENT)) {
        rc = read_error(s, diag, "cannot read administrations");
        qs_store_iter_free(*out);
        *out = NULL;
    }
    return rc;
}

qs_error qs_store_next_admin(qs_store_admin_row *row, qs_store_iter *it, qs_diag *diag)
{
    qs_error rc = iter_step(it, IT_ADMINS, diag);
    if (rc)
        return rc;
    sqlite3_stmt *st = it->st;
    row->id = sqlite3_column_int64(st, 0);
    row->client = text(st, 1);
    row->site = text(st, 2);
    row->group = text(st, 3);
    row->therapist = text(st, 4);
    row->instrument = text(st, 5);
    row->administered = text(st, 6);
    row->response_id = text(st, 7);
    row->run = sqlite3_column_int64(st, 8);
    row->missing_fraction = real_or_nan(st, 9);
    row->longstring = (long)sqlite3_column_int64(st, 10);
    row->irv = real_or_nan(st, 11);
    row->answers = text(st, 12);
    row->instrument_version = text(st, 13);
    row->norm = text(st, 14);
    return QS_OK;
}

qs_error qs_store_iter_scores(qs_store_iter **out, qs_store *s, qs_diag *diag)
{
    return iter_new(out, s, IT_SCORES,
                    "SELECT s.administration, s.score, s.value, s.t FROM scores s"
                    " JOIN administrations a ON a.id = s.administration"
                    " WHERE a.current = 1",
                    "cannot read scores", diag);
}

qs_error qs_store_next_score(qs_store_score_row *row, qs_store_iter *it, qs_diag *diag)
{
    qs_error rc = iter_step(it, IT_SCORES, diag);
    if (rc)
        return rc;
    row->administration = sqlite3_column_int64(it->st, 0);
    row->score = text(it->st, 1);
    row->value = real_or_nan(it->st, 2);
    row->t = real_or_nan(it->st, 3);
    return QS_OK;
}

qs_error qs_store_iter_flags(qs_store_iter **out, qs_store *s, qs_diag *diag)
{
    return iter_new(out, s, IT_FLAGS,
                    "SELECT g.administration, g.flag, g.status, g.severity, g.detail"
                    " FROM flags g JOIN administrations a ON a.id = g.administration"
                    " WHERE a.current = 1 ORDER BY g.administration, g.flag",
                    "cannot read flags", diag);
}

qs_error qs_store_next_flag(qs_store_flag_row *row, qs_store_iter *it, qs_diag *diag)
{
    qs_error rc = iter_step(it, IT_FLAGS, diag);
    if (rc)
        return rc;
    row->administration = sqlite3_column_int64(it->st, 0);
    row->flag = text(it->st, 1);
    row->status = text(it->st, 2);
    row->severity = text(it->st, 3);
    row->detail = text(it->st, 4);
    return QS_OK;
}

/* ---- change, runs, files, the quarantine ---------------------------------------------------- */

qs_error qs_store_iter_changes(qs_store_iter **out, qs_store *s, qs_diag *diag)
{
    return iter_new(out, s, IT_CHANGES,
                    "SELECT x.score, x.change_baseline, x.class_baseline FROM changes x"
                    " JOIN clients c ON c.id = x.client"
                    " WHERE c.site = ?1 AND c.client_key = ?2 AND x.instrument = ?3",
                    "cannot read change", diag);
}

qs_error qs_store_changes_of(qs_store_iter *it, const char *site, const char *client,
                             const char *instrument, qs_diag *diag)
{
    if (!it || it->kind != IT_CHANGES) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "store: an iterator read as another kind");
        return QS_EUSAGE;
    }
    sqlite3_reset(it->st);
    if (sqlite3_bind_text(it->st, 1, site, -1, SQLITE_TRANSIENT) ||
        sqlite3_bind_text(it->st, 2, client, -1, SQLITE_TRANSIENT) ||
        sqlite3_bind_text(it->st, 3, instrument, -1, SQLITE_TRANSIENT))
        return read_error(it->store, diag, it->what);
    return QS_OK;
}

qs_error qs_store_next_change(qs_store_change_row *row, qs_store_iter *it, qs_diag *diag)
{
    qs_error rc = iter_step(it, IT_CHANGES, diag);
    if (rc)
        return rc;
    row->score = text(it->st, 0);
    row->change_baseline = real_or_nan(it->st, 1);
    row->class_baseline = text(it->st, 2);
    return QS_OK;
}

qs_error qs_store_iter_runs(qs_store_iter **out, qs_store *s, qs_diag *diag)
{
    return iter_new(out, s, IT_RUNS, "SELECT id, started, ended FROM runs ORDER BY id DESC",
                    "cannot read runs", diag);
}

qs_error qs_store_next_run(qs_store_run_row *row, qs_store_iter *it, qs_diag *diag)
{
    qs_error rc = iter_step(it, IT_RUNS, diag);
    if (rc)
        return rc;
    row->id = sqlite3_column_int64(it->st, 0);
    row->started = text(it->st, 1);
    row->ended = text(it->st, 2);
    return QS_OK;
}

qs_error qs_store_iter_files(qs_store_iter **out, qs_store *s, qs_diag *diag)
{
    return iter_new(out, s, IT_FILES,
                    "SELECT path, sha256, source FROM files f WHERE f.id = (SELECT max(g.id)"
                    " FROM files g WHERE g.source = f.source AND g.path = f.path)"
                    " ORDER BY id",
                    "cannot read files", diag);
}

qs_error qs_store_next_file(qs_store_file_row *row, qs_store_iter *it, qs_diag *diag)
{
    qs_error rc = iter_step(it, IT_FILES, diag);
    if (rc)
        return rc;
    row->path = text(it->st, 0);
    row->sha256 = text(it->st, 1);
    row->source = text(it->st, 2);
    return QS_OK;
}

qs_error qs_store_count_open_quarantined(qs_store *s, long long *rows, qs_diag *diag)
{
    sqlite3_stmt *st = NULL;
    qs_error rc = QS_OK;
    *rows = 0;
    if (sqlite3_prepare_v2(qs_store__db(s),
                           "SELECT count(DISTINCT file || ':' || line) FROM quarantine"
                           " WHERE resolved_run IS NULL",
                           -1, &st, NULL) != SQLITE_OK)
        return read_error(s, diag, "cannot read the quarantine");
    if (sqlite3_step(st) == SQLITE_ROW)
        *rows = sqlite3_column_int64(st, 0);
    else
        rc = read_error(s, diag, "cannot read the quarantine");
    sqlite3_finalize(st);
    return rc;
}

qs_error qs_store_iter_quarantined_who(qs_store_iter **out, qs_store *s, qs_diag *diag)
{
    /* A row's problems are several lines with the same file, line and owner: counted once. */
    return iter_new(out, s, IT_QUARANTINED,
                    "SELECT site, client_key, group_name, therapist,"
                    " count(DISTINCT file || ':' || line) FROM quarantine"
                    " WHERE resolved_run IS NULL GROUP BY site, client_key, group_name, therapist"
                    " ORDER BY site, client_key, group_name, therapist",
                    "cannot read the quarantine", diag);
}

qs_error qs_store_next_quarantined_who(qs_store_quarantined_who_row *row, qs_store_iter *it,
                                       qs_diag *diag)
{
    qs_error rc = iter_step(it, IT_QUARANTINED, diag);
    if (rc)
        return rc;
    row->site = text(it->st, 0);
    row->client = text(it->st, 1);
    row->group = text(it->st, 2);
    row->therapist = text(it->st, 3);
    row->rows = sqlite3_column_int64(it->st, 4);
    return QS_OK;
}
