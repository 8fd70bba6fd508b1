/* qscore/store.h - the administration history in SQLite: idempotent, versioned, transactional. */
#ifndef QSCORE_STORE_H
#define QSCORE_STORE_H

#include <stddef.h>
#include <stdio.h>

#include "qscore/diag.h"
#include "qscore/error.h"
#include "qscore/ingest.h"
#include "qscore/instrument.h"
#include "qscore/norms.h"
#include "qscore/score.h"

/*
 * The store is one SQLite file (docs/store.md has the schema). Everything that changes it
 * happens inside transactions: one per ingested source file, so a process killed at any moment
 * leaves the store as it was before that file or after it. A lock file beside the store
 * (STORE.lock, flock) lets only one `qscore run` write at a time; the workbooks, which must
 * match the store, are written under the same lock (by the run, and by `qscore report`).
 */

#define QS_STORE_SCHEMA_VERSION 5

typedef struct qs_store qs_store;

/**
 * Open (creating and migrating when writable) the store at `path`. `readonly` opens an existing
 * store without changing it. QS_ESTORE with diag on SQLite errors, QS_ENOTFOUND when a
 * read-only store does not exist, QS_EINVALID when the store's schema is newer than this qscore.
 */
qs_error qs_store_open(qs_store **out, const char *path, int readonly, qs_diag *diag);

/** Close; NULL-safe. */
void qs_store_close(qs_store *s);

/**
 * Take the writer lock for the store at `path` without waiting: QS_ELOCKED when another process
 * holds it, QS_EIO when the lock file cannot be created. *fd receives the lock to release.
 */
qs_error qs_store_lock(const char *path, int *fd, qs_diag *diag);

/**
 * As qs_store_lock, but while another process holds the lock, try again every 100 ms for up to
 * `wait_ms` milliseconds (0: once, as qs_store_lock). QS_ELOCKED when it is still held then.
 */
qs_error qs_store_lock_wait(const char *path, int *fd, unsigned long wait_ms, qs_diag *diag);

/** Release a lock taken with qs_store_lock; negative fd is a no-op. */
void qs_store_unlock(int fd);

/* ---- runs ------------------------------------------------------------------------------- */

typedef struct qs_run_counts {
    unsigned long files_seen, files_ingested, files_skipped, files_failed;
    unsigned long rows_read, admins_new, admins_changed, admins_unchanged;
    unsigned long rows_quarantined, flags_raised;
    unsigned long rows_not_administered; /* rows that answered nothing of the source's form */
    unsigned long rows_resolved;         /* earlier quarantined rows stored (or settled) */
    unsigned long rescored;              /* stored versions whose derived values were recomputed */
} qs_run_counts;

/** Record the start of a run (its own transaction); runs left "running" become "killed". */
qs_error qs_store_run_begin(qs_store *s, const char *started, long long *run_id, qs_diag *diag);

/** Record the end of a run with its counts and status ("ok", "quarantined", "failed"). */
qs_error qs_store_run_end(qs_store *s, long long run_id, const char *ended, const char *status,
                          const qs_run_counts *c, qs_diag *diag);

/* ---- ingesting one file ------------------------------------------------------------------ */

/*
 * File identity is per source: each source decides on its own whether it has processed a
 * file (one export may feed several sources, one per questionnaire it bundles). Every
 * processing of a file is a row of `files`; the latest row of a (source, path) is what that
 * source last made of that path.
 */
typedef struct qs_store_file_seen {
    int found;                 /* 0: the source never processed this path */
    long long file_id;         /* the latest processing of (source, path) */
    char sha256[65];           /* its content */
    long long size;            /* the quick check: size, nanosecond mtime and ctime, inode; */
    long long mtime_ns, inode; /*   -1 when unknown (files recorded by schema 2) */
    long long ctime_ns;
    char fingerprint[65];       /* what processed it (run.c); "" when unknown */
    long long origin;           /* its place in time: the processing whose content it repeats */
    long long open_quarantined; /* open quarantined rows of that content (any path) */
} qs_store_file_seen;

/** The latest processing of `path` by `source` into *out (out->found 0 when none). */
qs_error qs_store_file_latest(qs_store *s, const char *source, const char *path,
                              qs_store_file_seen *out, qs_diag *diag);

/**
 * The latest processing by `source` of this content under another path (a copy) into *out
 * (out->found 0 when none; open_quarantined counts the content's open rows).
 */
qs_error qs_store_file_copy(qs_store *s, const char *source, const char *sha256, const char *path,
                            qs_store_file_seen *out, qs_diag *diag);

/** Begin / commit / roll back the transaction of one file. */
qs_error qs_store_begin(qs_store *s, qs_diag *diag);
qs_error qs_store_commit(qs_store *s, qs_diag *diag);
void qs_store_rollback(qs_store *s);

typedef struct qs_store_file {
    const char *sha256;
    const char *path;
    long long size, mtime; /* mtime in whole seconds, as schema 1 kept it */
    const char *source;
    const char *instrument;
    long long run_id;
    long long mtime_ns, inode, ctime_ns;
    const char *fingerprint; /* what processed it: see run.c */
    long long origin;        /* 0, or for a replay: the origin of the processing it repeats */
} qs_store_file;

/** Insert the file row (inside the file's transaction); *file_id receives its id. */
qs_error qs_store_add_file(qs_store *s, const qs_store_file *f, long long *file_id, qs_diag *diag);

/** Fill in the file's row counts at the end of its transaction. */
qs_error qs_store_file_counts(qs_store *s, long long file_id, unsigned long rows,
                              unsigned long scored, unsigned long quarantined,
                              unsigned long not_administered, qs_diag *diag);

/* Whose a quarantined row is: the source's site, and the row's client id, group and therapist
 * as the export has them; NULL (or "") for what could not be read or is not mapped. */
typedef struct qs_store_row_who {
    const char *site, *client, *group, *therapist;
} qs_store_row_who;

/**
 * Record a row that could not be scored, with every problem (inside the file's transaction), so
 * the quarantine survives a killed run: qs_store_write_quarantine writes it out. `first_run`:
 * the run that first quarantined this row (an earlier one when the row was quarantined before
 * and still is), else the current run. `row_key`: the response it belongs to, as the
 * administration's response key (NULL when it could not be read). `who`: whose row it is (NULL:
 * unknown), so a workbook can count the rows of its clients. The row stays open until a later
 * processing stores it (qs_store_resolve_row).
 */
qs_error qs_store_add_quarantine(qs_store *s, long long file_id, const qs_row_problems *p,
                                 long long first_run, const char *row_key,
                                 const qs_store_row_who *who, qs_diag *diag);

/* An open quarantined row (its problems are several quarantine lines). */
typedef struct qs_store_open_row {
    long long file;     /* the processing that quarantined it */
    unsigned long line; /* its line in that file */
    char sha256[65];    /* that file's content */
    char row_key[256];  /* its response key, "" when unread */
    long long origin;   /* that file's place in time (qs_store_file.origin) */
    long long first_run;
    int resolved; /* caller's mark */
} qs_store_open_row;

/** The open quarantined rows of `source`, ordered by file and line; free *rows. */
qs_error qs_store_open_rows(qs_store *s, const char *source, qs_store_open_row **rows, size_t *n,
                            qs_diag *diag);

/**
 * Close an open quarantined row (every line of it) in run `run_id`: `resolution` says how,
 * e.g. "scored", "quarantined again", "not administered".
 */
qs_error qs_store_resolve_row(qs_store *s, const qs_store_open_row *row, long long run_id,
                              const char *resolution, qs_diag *diag);

/** Mark whether run `run_id`'s quarantine file is still to be written (1) or written (0). */
qs_error qs_store_run_quarantine_pending(qs_store *s, long long run_id, int pending, qs_diag *diag);

/**
 * Write the quarantine CSV (header and one line per problem, in input order) of the files a
 * run ingested; *lines receives the number of problem lines.
 */
qs_error qs_store_write_quarantine(qs_store *s, long long run_id, FILE *fp, unsigned long *lines,
                                   qs_diag *diag);

/**
 * Mark a killed run whose quarantine file has been written out (or needed none):
 * "killed" -> "killed_recovered", so later runs leave it alone.
 */
qs_error qs_store_run_recovered(qs_store *s, long long run_id, qs_diag *diag);

/**
 * Up to `max` ids of runs with `status` ("killed", ...), oldest first; "pending" lists the runs
 * whose quarantine file is still to be written.
 */
qs_error qs_store_runs_with_status(qs_store *s, const char *status, long long *ids, size_t max,
                                   size_t *n, qs_diag *diag);

typedef enum qs_admin_outcome {
    QS_ADMIN_NEW = 0,    /* first time this response is seen */
    QS_ADMIN_UNCHANGED,  /* same response, same content: nothing stored */
    QS_ADMIN_CHANGED,    /* same response id, edited content: stored as a new version */
    QS_ADMIN_SUPERSEDED, /* a replayed file's older content of a response a later file edited */
    QS_ADMIN_CONFLICT    /* the response id is another source's, for another client: nothing
                          * stored (the caller quarantines the row) */
} qs_admin_outcome;

/* One administration as the store keeps it. */
typedef struct qs_store_admin {
    const char *site;
    const char *source;
    const qs_instrument *inst;
    const char *norm;         /* norm population id used, or NULL */
    const char *response_key; /* identity: the response id, or a derived key (run.c) */
    const char *response_id;
    const char *client;
    const char *group;
    const char *therapist;
    const char *administered;
    const char *covariates; /* "name<TAB>value" lines in mapping order, or NULL */
    const int *answers;     /* inst->nitems */
    const int *checks;      /* inst->validity.nchecks */
    long long file_id;
    unsigned long line;
    long long run_id;
    /* 0, or when the file is processed again with content already processed (a replay): the
     * origin of that earlier processing (its place in time). Then a row stored before comes out
     * unchanged; a row quarantined before (replay_open) is unchanged when a version has its
     * content, and left alone when the response's current version came from a later file
     * (QS_ADMIN_SUPERSEDED): a replay never turns back an edit. */
    const char *derived_fp; /* fingerprint of the definitions that computed `res` */
    long long replay_of;
    int replay_open; /* in a replay: 1 when this row was quarantined by the repeated content */
} qs_store_admin;

/**
 * Store an administration with its results unless the same response with the same content is
 * already there. *outcome says which; *client_id receives the client's row id (for change).
 */
qs_error qs_store_put_admin(qs_store *s, const qs_store_admin *a, const qs_result *res,
                            qs_admin_outcome *outcome, long long *client_id, qs_diag *diag);

/**
 * Recompute the change rows (baseline, previous, latest, RCI and classes) of one client and
 * instrument from the current versions of its administrations.
 */
qs_error qs_store_update_changes(qs_store *s, long long client_id, const qs_instrument *inst,
                                 int norm, qs_diag *diag);

/** As qs_store_update_changes, with the norm in force per score (a local norm), when not NULL. */
qs_error qs_store_update_changes_nif(qs_store *s, long long client_id, const qs_instrument *inst,
                                     int norm, const qs_norm_in_force *nifs, qs_diag *diag);

/* ---- derived values ---------------------------------------------------------------------- */

/*
 * The stored answers are the record; scores, validity and flags are derived from them and the
 * definitions in force, and recomputed when those change. Each current version records the
 * fingerprint of the definitions that computed it (`derived_fp`, see run.c).
 */

/* A current version whose derived values were made by other definitions. Strings live for the
 * callback. */
typedef struct qs_store_stale {
    long long id, client;
    const char *answers, *checks; /* as stored: "4,5,,3" */
    const char *derived_fp;       /* "" when made before schema 4 */
} qs_store_stale;

typedef qs_error (*qs_store_stale_fn)(void *ctx, const qs_store_stale *row);

/**
 * Up to `max` current versions of `instrument` with an id above `after` whose derived_fp is not
 * `fp` (with `force`: every one), in id order, each handed to `fn` (a non-QS_OK return stops
 * and is returned). *n receives how many were handed. The caller re-derives each
 * (qs_store_rederive) and calls again after the last id until *n < max.
 */
qs_error qs_store_each_stale(qs_store *s, const char *instrument, const char *fp, int force,
                             long long after, size_t max, qs_store_stale_fn fn, void *ctx,
                             size_t *n, qs_diag *diag);

/** Parse stored answers ("4,5,,3") into n ints; 0 when they do not hold n answers. */
int qs_store_parse_answers(const char *text, int *out, size_t n);

/**
 * Replace the derived values of version `admin` (scores, flags, validity, norm, instrument
 * version) by `res`, computed from its stored answers with the definitions of fingerprint
 * `fp`. Never a new version: the answers did not change.
 */
qs_error qs_store_rederive(qs_store *s, long long admin, const qs_instrument *inst,
                           const qs_result *res, const char *norm, const char *fp, qs_diag *diag);

/* ---- local norms (store_norms.c) --------------------------------------------------------- */

/* The local norm of an instrument as a run uses it. */
typedef struct qs_local_norm {
    long snapshot;         /* the snapshot in force; 0: none yet */
    int made;              /* 1: this call made it (the store reached min_n clients) */
    char created[40];      /* its date */
    long n, min_n;         /* clients in it (none yet: clients so far), clients needed */
    size_t nscores;        /* inst->nscores */
    qs_norm_in_force *nif; /* per score: LOCAL, or NONE with `reason` */
    double **samples;      /* owned, borrowed by nif */
    char source[160];      /* "this clinic's clients (local norm 3 of 2026-05-01, n = 57)" */
    char reason[128];      /* none in force: "local norm needs 50 clients, has 23" */
    char definition[40];   /* the definition the latest snapshot was made with */
    long stale;            /* a snapshot made with another definition (not in force), or 0 */
} qs_local_norm;

/** The definition a snapshot describes: "i:" and 16 hex digits of the instrument file's SHA-256. */
qs_error qs_store_local_norm_definition(const char *instrument_path, char out[40], qs_diag *diag);

/**
 * The local norm in force for `inst`: the latest snapshot when it was made with `definition`
 * (qs_store_local_norm_definition; one made with another is not in force and says so); when
 * there is none at all and `may_create`
 * (a writer, inside its transaction) and the store holds at least `min_n` clients with a valid
 * administration, a first snapshot is made now. Without one every nif is NONE with the shortfall
 * as its reason. Release with qs_local_norm_release.
 */
qs_error qs_store_local_norm(qs_store *s, const qs_instrument *inst, long min_n,
                             const char *definition, const char *now, int may_create,
                             qs_local_norm *ln, qs_diag *diag);

void qs_local_norm_release(qs_local_norm *ln);

/**
 * Make a new snapshot now (`qscore norms --update`): *snapshot its id, or 0 when the store holds
 * fewer than min_n clients with a valid administration (*n says how many).
 */
qs_error qs_store_local_norm_update(qs_store *s, const qs_instrument *inst, long min_n,
                                    const char *definition, const char *now, long long *snapshot,
                                    long *n, qs_diag *diag);

/* One score of one snapshot, for `qscore norms`. Strings live for the callback. */
typedef struct qs_store_snapshot_row {
    long id;
    const char *instrument, *instrument_version, *created;
    long n, min_n;
    const char *score;
    long score_n;
    double mean, sd, alpha; /* NaN when not computable */
    long alpha_min_pair_n;
    const char *alpha_reason; /* "" when alpha is there */
} qs_store_snapshot_row;

typedef void (*qs_store_snapshot_fn)(void *ctx, const qs_store_snapshot_row *row);

/** Every snapshot's scores, by instrument and snapshot. */
qs_error qs_store_each_snapshot(qs_store *s, qs_store_snapshot_fn fn, void *ctx, qs_diag *diag);

/* ---- reading ---------------------------------------------------------------------------- */

typedef struct qs_store_status {
    long long clients, administrations, versions, files, runs;
    long long open_flags;       /* raised flags on the latest administration of each client */
    long long open_quarantined; /* quarantined rows not yet stored */
    long long not_administered; /* rows that answered nothing of their source's form */
    long long quarantine_files_pending; /* runs whose quarantine file is still to be written */
    char last_run_started[40], last_run_ended[40], last_run_status[24];
    int schema_version;
} qs_store_status;

/** Summary counts for `qscore status`. */
qs_error qs_store_get_status(qs_store *s, qs_store_status *st, qs_diag *diag);

/** Called per source and reason with the number of open quarantined rows. */
typedef void (*qs_store_reason_fn)(void *ctx, const char *source, const char *reason,
                                   long long rows);

/** The open quarantined rows by source and reason (most frequent first). */
qs_error qs_store_each_open_reason(qs_store *s, qs_store_reason_fn fn, void *ctx, qs_diag *diag);

/* One quarantine line as `qscore quarantine` lists it; strings live for the call. */
typedef struct qs_store_quarantined {
    const char *source, *file;
    unsigned long line;
    const char *response_id, *column, *value, *reason;
    long long first_run;
    const char *first_seen; /* the run's start time */
    long long resolved_run; /* 0 while open */
    const char *resolved, *resolution;
} qs_store_quarantined;

/** Return non-zero to stop (then qs_store_each_quarantined returns QS_EIO). */
typedef int (*qs_store_quarantined_fn)(void *ctx, const qs_store_quarantined *q);

/**
 * Every open quarantine line (or, with `all`, every line ever quarantined, resolved ones with
 * their run and how), by source, file and position.
 */
qs_error qs_store_each_quarantined(qs_store *s, int all, qs_store_quarantined_fn fn, void *ctx,
                                   qs_diag *diag);

/**
 * Write a canonical, deterministic text dump of everything a run stores except run
 * bookkeeping (run ids and times): two stores with the same content give the same bytes.
 */
qs_error qs_store_dump(qs_store *s, FILE *fp, qs_diag *diag);

/** The SHA-256 of a file as 64 hex digits (streamed; bounded memory). */
qs_error qs_sha256_file(const char *path, char hex[65], qs_diag *diag);

/** The SHA-256 of a buffer as 64 hex digits. */
void qs_sha256_hex(const void *data, size_t len, char hex[65]);

/* ---- reading for exports ---------------------------------------------------------------- */

/*
 * What a research export reads (reports/export.c): the current version of every
 * administration, then their scores, then their flags, all in one read transaction, so a
 * `qscore run` committing meanwhile cannot make one export mix two states of the store. The
 * rows come in no particular order. Strings live for the callback; NULL where the store holds
 * none.
 */

/* A current administration. */
typedef struct qs_store_export_admin {
    long long id;              /* the version's row id, as its scores and flags name it */
    const char *site, *client; /* the client's site and client key */
    const char *instrument, *instrument_version;
    const char *administered; /* ISO 8601, or NULL when undated */
    /* the date part (first 10 characters) of the client's earliest `administered`, over every
     * instrument and every current administration; NULL when none is dated */
    const char *client_first_date;
    const char *group, *therapist, *response_id;
    const char *answers;    /* raw answers in item order, comma-separated, empty = unanswered */
    const char *covariates; /* "name<TAB>value" lines, or NULL */
    /* 1, 2, ...: its place among the client's current administrations of the instrument in
     * time order (undated last, then in the order they were stored) */
    long long wave;
} qs_store_export_admin;

/* A score of a current administration. */
typedef struct qs_store_export_score {
    long long admin; /* qs_store_export_admin.id */
    const char *score;
    double value, t; /* NAN when missing */
    const char *status;
} qs_store_export_score;

/* A flag (raised or not evaluable) of a current administration. */
typedef struct qs_store_export_flag {
    long long admin; /* qs_store_export_admin.id */
    const char *flag, *status, *severity;
} qs_store_export_flag;

/*
 * The callbacks of qs_store_read_export, called in this order: every administration, then
 * admins_done once, then every score, then every flag. Any may be NULL. A callback returns
 * QS_OK to go on; any other code stops the read and qs_store_read_export returns it.
 */
typedef struct qs_store_export_reader {
    qs_error (*admin)(void *ctx, const qs_store_export_admin *a);
    qs_error (*admins_done)(void *ctx);
    qs_error (*score)(void *ctx, const qs_store_export_score *sc);
    qs_error (*flag)(void *ctx, const qs_store_export_flag *f);
} qs_store_export_reader;

/**
 * Read the current administrations with their scores and flags in one read transaction,
 * handing every row to `r`'s callbacks with `ctx`. QS_ESTORE with diag on SQLite errors
 * ("store: reading scores: ..."), or the first error a callback returned (diag untouched).
 */
qs_error qs_store_read_export(qs_store *s, const qs_store_export_reader *r, void *ctx,
                              qs_diag *diag);

/* ---- reading for reports ---------------------------------------------------------------- */

/*
 * What a therapist workbook reads (reports/report_build.c), through typed iterators: the
 * current administrations, their scores and flags, the change rows, the runs, the files, and
 * the count of open quarantined rows (and whose they are). Call them between qs_store_read_begin
 * and qs_store_read_end, so that a `qscore run` committing meanwhile cannot make one set of
 * workbooks mix two states of the store (WAL: a reader sees one snapshot).
 *
 * An iterator is made by qs_store_iter_<rows>() and read by qs_store_next_<row>(), which fills
 * the caller's row struct and returns QS_OK, QS_EEOF after the last row, or QS_ESTORE with diag
 * ("store: cannot read flags: ..."). The strings of a row live until the next call on its
 * iterator (copy what you keep); NULL where the store holds none, NaN for missing numbers.
 * Free iterators with qs_store_iter_free before qs_store_read_end.
 */

typedef struct qs_store_iter qs_store_iter;

/** Begin the read transaction (QS_ESTORE with diag: "store: cannot begin reading: ..."). */
qs_error qs_store_read_begin(qs_store *s, qs_diag *diag);

/**
 * End it: after an error, too (then its own result can be ignored). QS_OK when none is open;
 * QS_ESTORE with diag when it cannot be ended (it is rolled back).
 */
qs_error qs_store_read_end(qs_store *s, qs_diag *diag);

/** Free an iterator; NULL-safe. */
void qs_store_iter_free(qs_store_iter *it);

/* The current version of an administration, as it was stored. */
typedef struct qs_store_admin_row {
    long long id; /* the version's row id, as its scores and flags name it */
    const char *client, *site, *group, *therapist;
    const char *instrument;
    const char *instrument_version; /* the definition's version its results were computed with */
    const char *norm;               /* the norm population id its T scores used, or NULL */
    const char *administered;       /* ISO 8601, or NULL when undated */
    const char *response_id;
    long long run; /* the run that stored it */
    double missing_fraction, irv;
    long longstring;
    const char *answers; /* raw answers in item order, comma-separated, empty = unanswered */
} qs_store_admin_row;

/**
 * The current administrations (only those administered on or after `since`, an ISO date, when
 * it is not NULL), by site, client key, instrument, then in time order (undated last, then in
 * the order they were stored).
 */
qs_error qs_store_iter_admins(qs_store_iter **out, qs_store *s, const char *since, qs_diag *diag);
qs_error qs_store_next_admin(qs_store_admin_row *row, qs_store_iter *it, qs_diag *diag);

/* A score of a current administration. */
typedef struct qs_store_score_row {
    long long administration; /* qs_store_admin_row.id */
    const char *score;
    double value, t;
} qs_store_score_row;

/** The scores of the current administrations, in no particular order. */
qs_error qs_store_iter_scores(qs_store_iter **out, qs_store *s, qs_diag *diag);
qs_error qs_store_next_score(qs_store_score_row *row, qs_store_iter *it, qs_diag *diag);

/* A flag (raised or not evaluable) of a current administration. */
typedef struct qs_store_flag_row {
    long long administration; /* qs_store_admin_row.id */
    const char *flag;
    const char *status;   /* "raised" or "not_evaluable" */
    const char *severity; /* "high", "medium", "low" */
    const char *detail;   /* the values the rule saw */
} qs_store_flag_row;

/** The flags of the current administrations, by administration and flag id. */
qs_error qs_store_iter_flags(qs_store_iter **out, qs_store *s, qs_diag *diag);
qs_error qs_store_next_flag(qs_store_flag_row *row, qs_store_iter *it, qs_diag *diag);

/* A change row: one score of one client and instrument, over its whole history. */
typedef struct qs_store_change_row {
    const char *score;
    double change_baseline;     /* latest - baseline, NaN when not computable */
    const char *class_baseline; /* "reliable_deterioration", ..., or NULL */
} qs_store_change_row;

/**
 * An iterator over change rows, empty until qs_store_changes_of picks a client and instrument
 * (and again after each: one iterator serves every client).
 */
qs_error qs_store_iter_changes(qs_store_iter **out, qs_store *s, qs_diag *diag);
qs_error qs_store_changes_of(qs_store_iter *it, const char *site, const char *client,
                             const char *instrument, qs_diag *diag);
qs_error qs_store_next_change(qs_store_change_row *row, qs_store_iter *it, qs_diag *diag);

/* A run. */
typedef struct qs_store_run_row {
    long long id;
    const char *started;
    const char *ended; /* NULL while it runs, or when it was killed */
} qs_store_run_row;

/** The runs, latest first. */
qs_error qs_store_iter_runs(qs_store_iter **out, qs_store *s, qs_diag *diag);
qs_error qs_store_next_run(qs_store_run_row *row, qs_store_iter *it, qs_diag *diag);

/* The latest processing of a file by a source. */
typedef struct qs_store_file_row {
    const char *path; /* as stored: the config's real folder joined with the pattern */
    const char *sha256;
    const char *source;
} qs_store_file_row;

/** The latest processing of each (source, path), in the order they happened. */
qs_error qs_store_iter_files(qs_store_iter **out, qs_store *s, qs_diag *diag);
qs_error qs_store_next_file(qs_store_file_row *row, qs_store_iter *it, qs_diag *diag);

/** The number of quarantined rows still open (a row with several problems counts once). */
qs_error qs_store_count_open_quarantined(qs_store *s, long long *rows, qs_diag *diag);

/* Open quarantined rows of one site, client, group and therapist (schema 5; NULL for what the
 * row did not give, and for rows quarantined before schema 5). */
typedef struct qs_store_quarantined_who_row {
    const char *site, *client, *group, *therapist;
    long long rows; /* a row with several problems counts once, as in the count above */
} qs_store_quarantined_who_row;

/** The open quarantined rows counted per (site, client, group, therapist), in that order. */
qs_error qs_store_iter_quarantined_who(qs_store_iter **out, qs_store *s, qs_diag *diag);
qs_error qs_store_next_quarantined_who(qs_store_quarantined_who_row *row, qs_store_iter *it,
                                       qs_diag *diag);

#endif
