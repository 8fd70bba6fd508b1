/* store.c - the SQLite administration history: schema, migrations, idempotent ingest, dump. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "qscore/store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "grow.h"
#include "qscore/atomic.h"
#include "qscore/change.h"
#include "qscore/format.h"
#include "qscore/infile.h"
#include "qscore/norms.h"
#include "qscore/quarantine.h"
#include "qscore/version.h"
#include "store_internal.h"

/*
 * Design. Identity: an administration is (site, instrument, response_key); each distinct
 * content of it is a version (1, 2, ...) and exactly one version is `current`. Content is a
 * SHA-256 over the client, group, therapist, date and raw answers, so re-reading the same
 * response (a cumulative export, a re-run) finds the same hash and stores nothing; an edited
 * response gets a new version and the old one stays. Scores and flags hang off the version
 * they were computed from. Files are remembered by path/size/mtime and by SHA-256, so a file
 * seen before is skipped with an index lookup. Every write happens inside the caller's
 * per-file transaction (WAL journal, synchronous=FULL), so a kill leaves whole files only.
 *
 * Checklist when changing the schema: add a migration to `migrations` (never edit an old
 * one), bump QS_STORE_SCHEMA_VERSION, update docs/store.md and qs_store_dump.
 */

struct qs_store {
    sqlite3 *db;
    int readonly;
    sqlite3_stmt *latest_file, *copy_file, *open_in_content, *add_file;
    sqlite3_stmt *file_counts;
    sqlite3_stmt *find_client, *add_client;
    sqlite3_stmt *find_current, *find_version, *add_admin, *retire_admin;
    sqlite3_stmt *add_score, *add_flag;
    sqlite3_stmt *history, *put_change, *add_quarantine, *open_rows, *resolve_row;
    long long quarantine_seq; /* per file */
};

static const char *const migrations[] = {
    /* 1: the first schema */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE runs(id INTEGER PRIMARY KEY, started TEXT NOT NULL, ended TEXT,"
    " status TEXT NOT NULL, tool_version TEXT NOT NULL,"
    " files_seen INTEGER NOT NULL DEFAULT 0, files_ingested INTEGER NOT NULL DEFAULT 0,"
    " files_skipped INTEGER NOT NULL DEFAULT 0, files_failed INTEGER NOT NULL DEFAULT 0,"
    " rows_read INTEGER NOT NULL DEFAULT 0, admins_new INTEGER NOT NULL DEFAULT 0,"
    " admins_changed INTEGER NOT NULL DEFAULT 0, admins_unchanged INTEGER NOT NULL DEFAULT 0,"
    " rows_quarantined INTEGER NOT NULL DEFAULT 0, flags_raised INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE files(id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE,"
    " path TEXT NOT NULL, size INTEGER NOT NULL, mtime INTEGER NOT NULL,"
    " source TEXT NOT NULL, instrument TEXT NOT NULL, run INTEGER NOT NULL REFERENCES runs(id),"
    " rows INTEGER NOT NULL DEFAULT 0, scored INTEGER NOT NULL DEFAULT 0,"
    " quarantined INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX files_by_path ON files(path, size, mtime);"
    "CREATE TABLE clients(id INTEGER PRIMARY KEY, site TEXT NOT NULL, client_key TEXT NOT NULL,"
    " UNIQUE(site, client_key));"
    "CREATE TABLE administrations(id INTEGER PRIMARY KEY,"
    " client INTEGER NOT NULL REFERENCES clients(id), site TEXT NOT NULL, source TEXT NOT NULL,"
    " instrument TEXT NOT NULL, instrument_version TEXT NOT NULL, response_key TEXT NOT NULL,"
    " response_id TEXT NOT NULL, version INTEGER NOT NULL, current INTEGER NOT NULL,"
    " content_hash TEXT NOT NULL, administered TEXT, group_name TEXT, therapist TEXT,"
    " answers TEXT NOT NULL, checks TEXT NOT NULL, norm TEXT,"
    " missing_fraction REAL, longstring INTEGER, irv REAL, attention_failed INTEGER,"
    " file INTEGER NOT NULL REFERENCES files(id), line INTEGER NOT NULL,"
    " run INTEGER NOT NULL REFERENCES runs(id),"
    " UNIQUE(site, instrument, response_key, version));"
    "CREATE INDEX administrations_by_client ON administrations(client, instrument, current);"
    "CREATE INDEX administrations_current ON administrations(site, instrument, response_key)"
    " WHERE current = 1;"
    "CREATE TABLE scores(administration INTEGER NOT NULL REFERENCES administrations(id),"
    " score TEXT NOT NULL, value REAL, n_answered INTEGER NOT NULL, n_items INTEGER NOT NULL,"
    " z REAL, t REAL, percentile REAL, status TEXT NOT NULL,"
    " PRIMARY KEY(administration, score)) WITHOUT ROWID;"
    "CREATE TABLE flags(administration INTEGER NOT NULL REFERENCES administrations(id),"
    " flag TEXT NOT NULL, status TEXT NOT NULL, severity TEXT NOT NULL, detail TEXT NOT NULL,"
    " PRIMARY KEY(administration, flag)) WITHOUT ROWID;"
    "CREATE TABLE changes(client INTEGER NOT NULL REFERENCES clients(id),"
    " instrument TEXT NOT NULL, score TEXT NOT NULL, n INTEGER NOT NULL,"
    " baseline_admin INTEGER, previous_admin INTEGER, latest_admin INTEGER,"
    " baseline REAL, previous REAL, latest REAL, change_baseline REAL, change_previous REAL,"
    " rci_baseline REAL, rci_previous REAL, class_baseline TEXT NOT NULL,"
    " class_previous TEXT NOT NULL, clinical TEXT NOT NULL, cutoff REAL, note TEXT,"
    " PRIMARY KEY(client, instrument, score)) WITHOUT ROWID;"
    "CREATE TABLE quarantine(file INTEGER NOT NULL REFERENCES files(id), seq INTEGER NOT NULL,"
    " line INTEGER NOT NULL, response_id TEXT NOT NULL, column_name TEXT NOT NULL,"
    " value TEXT NOT NULL, reason TEXT NOT NULL, PRIMARY KEY(file, seq)) WITHOUT ROWID;",
    /* 2: covariates a mapping names (age, gender, ...): "name<TAB>value" lines, or NULL */
    "ALTER TABLE administrations ADD COLUMN covariates TEXT;",
    /* 3: file identity per source (a content may be processed by several sources, and again
     * when a path's content changes back), the quick check's nanosecond times and inode, the
     * fingerprint of what processed a file, rows not administered, and the quarantine as the
     * record of rows not yet stored: first seen, resolved, and the response they belong to
     * (row_key, when it could be read). A processing that repeats earlier content takes that
     * processing's place in time (origin; NULL: itself). Files of schema 2 keep their rows;
     * their unknown fields are NULL. Runs record whether their quarantine file is still to be
     * written (a killed run of schema 2 not yet recovered still needs it). */
    "CREATE TABLE files_v3(id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL, path TEXT NOT NULL,"
    " size INTEGER NOT NULL, mtime INTEGER NOT NULL, source TEXT NOT NULL,"
    " instrument TEXT NOT NULL, run INTEGER NOT NULL REFERENCES runs(id),"
    " rows INTEGER NOT NULL DEFAULT 0, scored INTEGER NOT NULL DEFAULT 0,"
    " quarantined INTEGER NOT NULL DEFAULT 0, mtime_ns INTEGER, inode INTEGER,"
    " ctime_ns INTEGER, fingerprint TEXT, not_administered INTEGER NOT NULL DEFAULT 0,"
    " origin INTEGER);"
    "INSERT INTO files_v3(id, sha256, path, size, mtime, source, instrument, run, rows, scored,"
    " quarantined) SELECT id, sha256, path, size, mtime, source, instrument, run, rows, scored,"
    " quarantined FROM files;"
    "DROP TABLE files;"
    "ALTER TABLE files_v3 RENAME TO files;"
    "CREATE INDEX files_by_source_path ON files(source, path, id);"
    "CREATE INDEX files_by_source_sha ON files(source, sha256);"
    "ALTER TABLE quarantine ADD COLUMN first_run INTEGER REFERENCES runs(id);"
    "ALTER TABLE quarantine ADD COLUMN resolved_run INTEGER REFERENCES runs(id);"
    "ALTER TABLE quarantine ADD COLUMN resolution TEXT;"
    "ALTER TABLE quarantine ADD COLUMN row_key TEXT;"
    "UPDATE quarantine SET first_run = (SELECT run FROM files WHERE files.id = quarantine.file);"
    "CREATE INDEX quarantine_open ON quarantine(file, line) WHERE resolved_run IS NULL;"
    "ALTER TABLE runs ADD COLUMN quarantine_pending INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE runs ADD COLUMN rows_not_administered INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE runs ADD COLUMN rows_resolved INTEGER NOT NULL DEFAULT 0;"
    "UPDATE runs SET quarantine_pending = 1 WHERE status = 'killed' AND EXISTS(SELECT 1 FROM"
    " quarantine q JOIN files f ON f.id = q.file WHERE f.run = runs.id);",
    /* 4: the answers are the record, everything else is derived: each version records the
     * fingerprint of the definitions (instrument, norm, clinic overrides) that computed its
     * scores, validity and flags, so a run recomputes it when they change. NULL: made before
     * schema 4, recomputed by the next run. */
    "ALTER TABLE administrations ADD COLUMN derived_fp TEXT;"
    "CREATE INDEX administrations_derived ON administrations(instrument, derived_fp)"
    " WHERE current = 1;"
    /* Local norms (store_norms.c): snapshots of this clinic's own clients, per score. */
    /* Every RCI records its SD and r and where each came from. */
    "ALTER TABLE changes ADD COLUMN sd REAL;"
    "ALTER TABLE changes ADD COLUMN reliability REAL;"
    "ALTER TABLE changes ADD COLUMN reliability_kind TEXT;"
    "ALTER TABLE changes ADD COLUMN sd_source TEXT;"
    "ALTER TABLE changes ADD COLUMN reliability_source TEXT;"
    "ALTER TABLE changes ADD COLUMN reliability_min_pair_n INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE norm_snapshots(id INTEGER PRIMARY KEY, instrument TEXT NOT NULL,"
    " instrument_version TEXT NOT NULL, created TEXT NOT NULL, n INTEGER NOT NULL,"
    " min_n INTEGER NOT NULL, definition TEXT NOT NULL);"
    "CREATE TABLE norm_snapshot_scores(snapshot INTEGER NOT NULL REFERENCES norm_snapshots(id),"
    " score TEXT NOT NULL, n INTEGER NOT NULL, mean REAL, sd REAL, alpha REAL,"
    " alpha_min_pair_n INTEGER NOT NULL, alpha_reason TEXT, sample TEXT NOT NULL,"
    " PRIMARY KEY(snapshot, score)) WITHOUT ROWID;",
    /* 5: whose a quarantined row is, so a workbook can say how many forms of its own clients
     * wait for a fix: the source's site, and the client id, group and therapist of the row when
     * they could be read (NULL otherwise; never an answer). Rows of schema 4 keep NULL. */
    "ALTER TABLE quarantine ADD COLUMN site TEXT;"
    "ALTER TABLE quarantine ADD COLUMN client_key TEXT;"
    "ALTER TABLE quarantine ADD COLUMN group_name TEXT;"
    "ALTER TABLE quarantine ADD COLUMN therapist TEXT;",
};

#define NMIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

qs_error qs_store__error(sqlite3 *db, qs_diag *diag, const char *what)
{
    qs_diag_set(diag, NULL, 0, 0, NULL, "store: %s: %s", what,
                db ? sqlite3_errmsg(db) : "cannot open");
    return QS_ESTORE;
}

static qs_error db_error(qs_store *s, qs_diag *diag, const char *what)
{
    return qs_store__error(s ? s->db : NULL, diag, what);
}

static int exec(qs_store *s, const char *sql)
{
    return sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}

/*
 * The store's schema version into *v: 0 for an empty store (no meta table yet). Any other
 * failure is an error, never "version 0": a file that is not a database (or cannot be read)
 * must not look like an empty store.
 */
static qs_error schema_version(qs_store *s, int *v, qs_diag *diag)
{
    sqlite3_stmt *st = NULL;
    qs_error rc = QS_OK;
    char what[4200];
    *v = 0;
    snprintf(what, sizeof(what), "cannot read the schema version of '%s'",
             sqlite3_db_filename(s->db, "main"));
    /* Ask the schema whether there is a meta table first, so "no such table" is told apart
     * from every other failure without reading an error text. */
    if (sqlite3_prepare_v2(s->db,
                           "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'", -1,
                           &st, NULL) != SQLITE_OK)
        return db_error(s, diag, what);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    st = NULL;
    if (r == SQLITE_DONE)
        return QS_OK; /* no meta table: an empty store */
    if (r != SQLITE_ROW ||
        sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &st,
                           NULL) != SQLITE_OK)
        return db_error(s, diag, what);
    r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        char *end;
        long x = t ? strtol(t, &end, 10) : 0;
        if (t && *end == '\0' && x > 0 && x < 1000000) {
            *v = (int)x;
        } else {
            qs_diag_set(diag, NULL, 0, 0, NULL,
                        "store: unreadable schema_version in '%s': not a store this qscore "
                        "wrote; restore it from a backup",
                        sqlite3_db_filename(s->db, "main"));
            rc = QS_ESTORE;
        }
    } else if (r != SQLITE_DONE) {
        rc = db_error(s, diag, what);
    }
    sqlite3_finalize(st);
    return rc;
}

/* 1 when PRAGMA foreign_key_check finds no broken reference. */
static int foreign_keys_hold(qs_store *s)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK)
        return 0;
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    return r == SQLITE_DONE;
}

static qs_error migrate(qs_store *s, qs_diag *diag)
{
    int v;
    qs_error rc = schema_version(s, &v, diag);
    if (rc)
        return rc;
    if (v > QS_STORE_SCHEMA_VERSION) {
        qs_diag_set(diag, NULL, 0, 0, NULL,
                    "store: schema version %d was written by a newer qscore (this one knows %d)", v,
                    QS_STORE_SCHEMA_VERSION);
        return QS_ESTORE;
    }
    /* A migration may rebuild a table others refer to (schema 3 rebuilds `files`): foreign
     * keys are off while it runs (the pragma is a no-op inside a transaction) and checked
     * before its commit, as SQLite's documented procedure for changing a table does. */
    if (v < (int)NMIGRATIONS && exec(s, "PRAGMA foreign_keys = OFF") != SQLITE_OK)
        return db_error(s, diag, "migration failed");
    for (int next = v + 1; next <= (int)NMIGRATIONS && !rc; next++) {
        char bump[128];
        snprintf(bump, sizeof(bump),
                 "INSERT OR REPLACE INTO meta(key, value) VALUES('schema_version', '%d');", next);
        if (exec(s, "BEGIN IMMEDIATE") != SQLITE_OK || exec(s, migrations[next - 1]) != SQLITE_OK ||
            exec(s, bump) != SQLITE_OK) {
            rc = db_error(s, diag, "migration failed");
        } else if (!foreign_keys_hold(s)) {
            qs_diag_set(diag, NULL, 0, 0, NULL,
                        "store: migration to schema %d would break a reference between tables; "
                        "the store was left as it was",
                        next);
            rc = QS_ESTORE;
        } else if (exec(s, "COMMIT") != SQLITE_OK) {
            rc = db_error(s, diag, "migration failed");
        }
        if (rc)
            exec(s, "ROLLBACK");
    }
    if (exec(s, "PRAGMA foreign_keys = ON") != SQLITE_OK && !rc)
        rc = db_error(s, diag, "migration failed");
    return rc;
}

#define PREP(field, sql)                                                                           \
    do {                                                                                           \
        if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->field, NULL) !=      \
            SQLITE_OK)                                                                             \
            return db_error(s, diag, "prepare " #field);                                           \
    } while (0)

static qs_error prepare(qs_store *s, qs_diag *diag)
{
    PREP(latest_file, "SELECT id, sha256, size, coalesce(mtime_ns, -1), coalesce(inode, -1),"
                      " coalesce(ctime_ns, -1), coalesce(fingerprint, ''), coalesce(origin, id)"
                      " FROM files WHERE source = ?1 AND path = ?2 ORDER BY id DESC LIMIT 1");
    /* The latest processing of this content by the source under another path (a copy). */
    PREP(copy_file, "SELECT id, sha256, size, -1, -1, -1, coalesce(fingerprint, ''),"
                    " coalesce(origin, id) FROM files WHERE source = ?1 AND sha256 = ?2"
                    " AND path <> ?3 ORDER BY id DESC LIMIT 1");
    /* Open rows of a content (under any path): a replay of it can settle only those. The
     * partial index holds open rows only (named: without statistics the planner would scan
     * every quarantine line of the file through the primary key). */
    PREP(open_in_content, "SELECT count(*) FROM files f JOIN quarantine q"
                          " INDEXED BY quarantine_open ON q.file = f.id"
                          " WHERE f.source = ?1 AND f.sha256 = ?2 AND q.resolved_run IS NULL");
    PREP(add_file, "INSERT INTO files(sha256, path, size, mtime, source, instrument, run,"
                   " mtime_ns, inode, ctime_ns, fingerprint, origin) VALUES(?1, ?2, ?3, ?4, ?5,"
                   " ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    PREP(file_counts, "UPDATE files SET rows = ?2, scored = ?3, quarantined = ?4,"
                      " not_administered = ?5 WHERE id = ?1");
    PREP(find_client, "SELECT id FROM clients WHERE site = ?1 AND client_key = ?2");
    PREP(add_client, "INSERT INTO clients(site, client_key) VALUES(?1, ?2)");
    PREP(find_current, "SELECT a.id, a.version, a.content_hash, coalesce(f.origin, f.id),"
                       " a.source, c.client_key FROM administrations a"
                       " JOIN files f ON f.id = a.file JOIN clients c ON c.id = a.client"
                       " WHERE a.site = ?1 AND a.instrument = ?2 AND a.response_key = ?3"
                       " AND a.current = 1");
    PREP(find_version, "SELECT 1 FROM administrations WHERE site = ?1 AND instrument = ?2"
                       " AND response_key = ?3 AND content_hash = ?4 LIMIT 1");
    PREP(add_admin,
         "INSERT INTO administrations(client, site, source, instrument, instrument_version,"
         " response_key, response_id, version, current, content_hash, administered, group_name,"
         " therapist, answers, checks, norm, missing_fraction, longstring, irv, attention_failed,"
         " file, line, run, covariates, derived_fp) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9,"
         " ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)");
    PREP(retire_admin, "UPDATE administrations SET current = 0 WHERE id = ?1");
    PREP(add_score, "INSERT INTO scores(administration, score, value, n_answered, n_items, z, t,"
                    " percentile, status) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    PREP(add_flag, "INSERT INTO flags(administration, flag, status, severity, detail)"
                   " VALUES(?1, ?2, ?3, ?4, ?5)");
    /* A client's current administrations of an instrument in time order: dated ones by date,
     * then undated ones in the order they were ingested. */
    /* Administrations flagged invalid or careless are not measurements to compare: change
     * over time leaves them out (they stay stored and shown, flagged). */
    PREP(history, "SELECT a.id, s.score, s.value FROM administrations a"
                  " JOIN scores s ON s.administration = a.id"
                  " WHERE a.client = ?1 AND a.instrument = ?2 AND a.current = 1"
                  " AND NOT EXISTS(SELECT 1 FROM flags f WHERE f.administration = a.id"
                  " AND f.status = 'raised' AND f.flag IN ('invalid', 'careless'))"
                  " ORDER BY a.administered IS NULL, a.administered, a.id");
    PREP(add_quarantine, "INSERT INTO quarantine(file, seq, line, response_id, column_name,"
                         " value, reason, first_run, row_key, site, client_key, group_name,"
                         " therapist) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
                         " ?13)");
    /* One line per open quarantined row of a source (a row has a line per problem). */
    PREP(open_rows, "SELECT q.file, q.line, min(q.first_run), min(f.sha256), min(q.row_key),"
                    " min(coalesce(f.origin, f.id)) FROM files f JOIN quarantine q"
                    " INDEXED BY quarantine_open ON q.file = f.id"
                    " WHERE f.source = ?1 AND q.resolved_run IS NULL"
                    " GROUP BY q.file, q.line ORDER BY q.file, q.line");
    PREP(resolve_row, "UPDATE quarantine INDEXED BY quarantine_open"
                      " SET resolved_run = ?3, resolution = ?4"
                      " WHERE file = ?1 AND line = ?2 AND resolved_run IS NULL");
    PREP(put_change,
         "INSERT OR REPLACE INTO changes(client, instrument, score, n, baseline_admin,"
         " previous_admin, latest_admin, baseline, previous, latest, change_baseline,"
         " change_previous, rci_baseline, rci_previous, class_baseline, class_previous,"
         " clinical, cutoff, note, sd, reliability, reliability_kind, sd_source,"
         " reliability_source, reliability_min_pair_n) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
         " ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)");
    return QS_OK;
}

/* Open a connection (nothing is written yet). */
static qs_error connect(qs_store *s, const char *path, int flags, qs_diag *diag)
{
    /* The store holds health data: created 0600 whatever the umask. */
    mode_t old = umask(077);
    int orc = sqlite3_open_v2(path, &s->db, flags, NULL);
    umask(old);
    if (orc != SQLITE_OK)
        return db_error(s, diag, "cannot open");
    sqlite3_busy_timeout(s->db, 5000);
    sqlite3_extended_result_codes(s->db, 1);
    return QS_OK;
}

/* Set a writable connection up: WAL journal, full sync, foreign keys. Only on a qscore store:
 * switching another program's database to WAL would change its file. */
static qs_error configure(qs_store *s, qs_diag *diag)
{
    if (exec(s, "PRAGMA journal_mode = WAL") != SQLITE_OK ||
        exec(s, "PRAGMA synchronous = FULL") != SQLITE_OK ||
        exec(s, "PRAGMA foreign_keys = ON") != SQLITE_OK)
        return db_error(s, diag, "cannot configure");
    return QS_OK;
}

/*
 * Create a new store at `path`, which does not exist: built complete under a temporary name
 * beside it and linked into place, so no run ever leaves an empty or half-made file at `path`
 * (an empty file there is refused, never taken for a new store). When another process created
 * the store meanwhile, its store is kept.
 */
static qs_error create_store(const char *path, qs_diag *diag)
{
    char tmp[4200];
    qs_error rc;
    if (snprintf(tmp, sizeof(tmp), "%s.creating", path) >= (int)sizeof(tmp)) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "store: the path '%s' is too long", path);
        return QS_EIO;
    }
    unlink(tmp); /* left by a run killed while creating: never a store anyone used */
    qs_store t = {0};
    rc = connect(&t, tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, diag);
    if (!rc)
        rc = configure(&t, diag);
    if (!rc)
        rc = migrate(&t, diag);
    /* Closing the only connection checkpoints the WAL into the file and removes the WAL. */
    if (t.db && sqlite3_close(t.db) != SQLITE_OK && !rc) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "store: cannot finish creating '%s'", tmp);
        rc = QS_ESTORE;
    }
    int fd = rc ? -1 : open(tmp, O_RDONLY | O_CLOEXEC);
    if (!rc && (fd < 0 || fsync(fd) != 0)) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "store: cannot sync '%s': %s", tmp, strerror(errno));
        rc = QS_EIO;
    }
    if (fd >= 0)
        close(fd);
    if (!rc && link(tmp, path) != 0 && errno != EEXIST) {
        /* A file system without hard links: rename, unless a store appeared meanwhile (the
         * writer holds the store's lock, so only a reader could be looking). */
        int e = errno;
        if (!((e == EPERM || e == EOPNOTSUPP || e == ENOSYS) && access(path, F_OK) != 0 &&
              rename(tmp, path) == 0)) {
            qs_diag_set(diag, NULL, 0, 0, NULL, "store: cannot create '%s': %s", path, strerror(e));
            rc = QS_EIO;
        }
    }
    unlink(tmp);
    if (!rc && qs_atomic_sync_dir(path) != 0) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "store: cannot sync the folder of '%s': %s", path,
                    strerror(errno));
        rc = QS_EIO;
    }
    return rc;
}

/*
 * Only a qscore store is opened as one: the file must be a regular, non-empty SQLite database
 * with qscore's meta table. Anything else (an empty file left by a full disk or a copy that
 * failed, another program's database, a newer schema) is refused with what to do, and nothing
 * is changed: a run that took it for a new store would overwrite every workbook with a
 * fraction of the history.
 */
static qs_error check_existing(const char *path, qs_diag *diag)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "store: cannot read '%s': %s", path, strerror(errno));
        return QS_ESTORE;
    }
    if (!S_ISREG(st.st_mode)) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "store: '%s' is not a regular file", path);
        return QS_ESTORE;
    }
    if (st.st_size == 0) {
        qs_diag_set(diag, NULL, 0, 0, NULL,
                    "store: '%s' is empty (0 bytes), not a qscore store: restore it from a "
                    "backup; only if this clinic has no history yet, remove the file (qscore "
                    "creates a store only where no file exists)",
                    path);
        return QS_ESTORE;
    }
    return QS_OK;
}

/* SQLite gives the -wal and -shm files the database file's mode: a store made read-only
 * (0400) would leave them 0400 for the next writer. Keep them 0600 (health data, ours alone). */
static void keep_wal_private(const char *path)
{
    static const char *const ext[] = {"-wal", "-shm"};
    for (size_t i = 0; i < 2; i++) {
        char p[4200];
        struct stat st;
        int n = snprintf(p, sizeof(p), "%s%s", path, ext[i]);
        if (n > 0 && (size_t)n < sizeof(p) && lstat(p, &st) == 0 && S_ISREG(st.st_mode) &&
            st.st_uid == geteuid() && (st.st_mode & 0777) != 0600)
            (void)chmod(p, 0600);
    }
}

qs_error qs_store_open(qs_store **out, const char *path, int readonly, qs_diag *diag)
{
    qs_error rc;
    int v = 0;
    *out = NULL;
    if (sodium_init() < 0) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot initialise libsodium");
        return QS_ESTORE;
    }
    if (access(path, F_OK) != 0) {
        if (readonly || errno != ENOENT) {
            if (errno != ENOENT) {
                qs_diag_set(diag, NULL, 0, 0, NULL, "store: cannot read '%s': %s", path,
                            strerror(errno));
                return QS_ESTORE;
            }
            qs_diag_set(diag, NULL, 0, 0, NULL, "no store at '%s' (run 'qscore run' first)", path);
            return QS_ENOTFOUND;
        }
        rc = create_store(path, diag);
        if (rc)
            return rc;
    }
    rc = check_existing(path, diag);
    if (rc)
        return rc;
    qs_store *s = calloc(1, sizeof(*s));
    if (!s)
        return QS_ENOMEM;
    s->readonly = readonly;
    rc = connect(s, path, readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE, diag);
    if (!rc)
        rc = schema_version(s, &v, diag);
    keep_wal_private(path); /* the first read made them */
    if (!rc && v == 0) {
        qs_diag_set(diag, NULL, 0, 0, NULL,
                    "store: '%s' is an SQLite database but not a qscore store (no qscore "
                    "tables): point `store:` at the clinic's store, or remove this file if it "
                    "is not needed",
                    path);
        rc = QS_ESTORE;
    }
    if (!rc && v > QS_STORE_SCHEMA_VERSION) {
        qs_diag_set(diag, NULL, 0, 0, NULL,
                    "store: '%s' has schema version %d, written by a newer qscore (this one "
                    "knows %d): install that qscore version or newer",
                    path, v, QS_STORE_SCHEMA_VERSION);
        rc = QS_ESTORE;
    }
    if (!rc && !readonly)
        rc = configure(s, diag);
    if (!rc && !readonly)
        rc = migrate(s, diag);
    if (!rc && readonly && v != QS_STORE_SCHEMA_VERSION) {
        qs_diag_set(diag, NULL, 0, 0, NULL,
                    "store: schema version %d, this qscore reads %d (run 'qscore run' to "
                    "migrate)",
                    v, QS_STORE_SCHEMA_VERSION);
        rc = QS_EINVALID;
    }
    if (!rc)
        rc = prepare(s, diag); /* read-only too: a dry run asks which files are known */
    if (rc) {
        qs_store_close(s);
        return rc;
    }
    *out = s;
    return QS_OK;
}

void qs_store_close(qs_store *s)
{
    if (!s)
        return;
    sqlite3_stmt *all[] = {s->latest_file,  s->copy_file,      s->add_file,     s->file_counts,
                           s->find_client,  s->add_client,     s->find_current, s->add_admin,
                           s->retire_admin, s->add_score,      s->add_flag,     s->history,
                           s->put_change,   s->add_quarantine, s->open_rows,    s->resolve_row,
                           s->find_version, s->open_in_content};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        sqlite3_finalize(all[i]);
    sqlite3_close(s->db);
    free(s);
}

qs_error qs_store_lock(const char *path, int *fd, qs_diag *diag)
{
    char lock[4200], real[PATH_MAX];
    *fd = -1;
    /* Beside the real file: two configs reaching one store through a link share one lock. */
    if (realpath(path, real))
        path = real;
    snprintf(lock, sizeof(lock), "%s.lock", path);
    int f = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (f < 0 && (errno == EACCES || errno == EROFS))
        f = open(lock, O_RDONLY | O_CLOEXEC); /* flock needs no write access: a reader's lock */
    if (f < 0) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot create the lock '%s': %s", lock,
                    strerror(errno));
        return QS_EIO;
    }
    if (flock(f, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(f);
        if (e == EWOULDBLOCK) {
            qs_diag_set(diag, NULL, 0, 0, NULL,
                        "another qscore run holds the store '%s' (lock '%s'); not starting", path,
                        lock);
            return QS_ELOCKED;
        }
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot lock '%s': %s", lock, strerror(e));
        return QS_EIO;
    }
    *fd = f;
    return QS_OK;
}

qs_error qs_store_lock_wait(const char *path, int *fd, unsigned long wait_ms, qs_diag *diag)
{
    struct timespec start, now, pause = {0, 100 * 1000 * 1000};
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        qs_error rc = qs_store_lock(path, fd, diag);
        if (rc != QS_ELOCKED)
            return rc;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double waited = (double)(now.tv_sec - start.tv_sec) * 1000.0 +
                        (double)(now.tv_nsec - start.tv_nsec) / 1e6;
        if (waited >= (double)wait_ms)
            return rc;
        nanosleep(&pause, NULL);
    }
}

void qs_store_unlock(int fd)
{
    if (fd >= 0) {
        flock(fd, LOCK_UN);
        close(fd);
    }
}

/* A statement's failure: the bind's code when a bind failed (SQLite keeps no message for it
 * once a later bind succeeds), else the connection's message. */
static qs_error stmt_error(qs_store *s, int bound, qs_diag *diag, const char *what)
{
    if (bound == SQLITE_OK)
        return db_error(s, diag, what);
    qs_diag_set(diag, NULL, 0, 0, NULL, "store: %s: %s", what, sqlite3_errstr(bound));
    return QS_ESTORE;
}

/*
 * Binding. A failed bind (a string past SQLite's length limit, out of memory) leaves its
 * parameter NULL, and a step would then store NULL for a value silently. So every bind records
 * the first failure in *b, and run_stmt / step_exists fail such a statement without stepping
 * it. Strings are bound SQLITE_STATIC: every caller's strings outlive the step, and the
 * bindings are cleared right after it.
 */
static void bind_rc(int *b, int r)
{
    if (*b == SQLITE_OK)
        *b = r;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v, int *b)
{
    bind_rc(b, sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC));
}

static void bind_text_n(sqlite3_stmt *st, int i, const char *v, size_t n, int *b)
{
    bind_rc(b, sqlite3_bind_text64(st, i, v, (sqlite3_uint64)n, SQLITE_STATIC, SQLITE_UTF8));
}

static void bind_int64(sqlite3_stmt *st, int i, sqlite3_int64 v, int *b)
{
    bind_rc(b, sqlite3_bind_int64(st, i, v));
}

static void bind_null(sqlite3_stmt *st, int i, int *b)
{
    bind_rc(b, sqlite3_bind_null(st, i));
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *v, int *b)
{
    if (v && *v)
        bind_text(st, i, v, b);
    else
        bind_null(st, i, b);
}

static void bind_real_or_null(sqlite3_stmt *st, int i, double v, int *b)
{
    bind_rc(b, isnan(v) ? sqlite3_bind_null(st, i) : sqlite3_bind_double(st, i, v));
}

/* ---- runs ------------------------------------------------------------------------------- */

qs_error qs_store_run_begin(qs_store *s, const char *started, long long *run_id, qs_diag *diag)
{
    sqlite3_stmt *st = NULL;
    qs_error rc = QS_OK;
    int b = SQLITE_OK;
    /* A run found "running" was killed: only one run holds the lock, and it is us. */
    if (exec(s, "BEGIN IMMEDIATE") != SQLITE_OK ||
        exec(s, "UPDATE runs SET status = 'killed' WHERE status = 'running'") != SQLITE_OK)
        goto fail;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO runs(started, status, tool_version) VALUES(?1, 'running',"
                           " ?2)",
                           -1, &st, NULL) != SQLITE_OK)
        goto fail;
    bind_text(st, 1, started, &b);
    bind_text(st, 2, qs_version(), &b);
    if (b != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE)
        goto fail;
    *run_id = sqlite3_last_insert_rowid(s->db);
    if (exec(s, "COMMIT") != SQLITE_OK)
        goto fail;
    sqlite3_finalize(st);
    return QS_OK;
fail:
    rc = stmt_error(s, b, diag, "cannot record the run");
    sqlite3_finalize(st);
    exec(s, "ROLLBACK");
    return rc;
}

qs_error qs_store_run_end(qs_store *s, long long run_id, const char *ended, const char *status,
                          const qs_run_counts *c, qs_diag *diag)
{
    sqlite3_stmt *st = NULL;
    int b = SQLITE_OK;
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE runs SET ended = ?2, status = ?3, files_seen = ?4,"
                           " files_ingested = ?5, files_skipped = ?6, files_failed = ?7,"
                           " rows_read = ?8, admins_new = ?9, admins_changed = ?10,"
                           " admins_unchanged = ?11, rows_quarantined = ?12, flags_raised = ?13,"
                           " rows_not_administered = ?14, rows_resolved = ?15 WHERE id = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return db_error(s, diag, "cannot finish the run");
    bind_int64(st, 1, run_id, &b);
    bind_text(st, 2, ended, &b);
    bind_text(st, 3, status, &b);
    unsigned long v[] = {
        c->files_seen,       c->files_ingested, c->files_skipped,         c->files_failed,
        c->rows_read,        c->admins_new,     c->admins_changed,        c->admins_unchanged,
        c->rows_quarantined, c->flags_raised,   c->rows_not_administered, c->rows_resolved};
    for (int i = 0; i < 12; i++)
        bind_int64(st, 4 + i, (sqlite3_int64)v[i], &b);
    int ok = b == SQLITE_OK && sqlite3_step(st) == SQLITE_DONE;
    qs_error rc = ok ? QS_OK : stmt_error(s, b, diag, "cannot finish the run");
    sqlite3_finalize(st);
    return rc;
}

/* ---- files and transactions -------------------------------------------------------------- */

/* 1 when the lookup finds a row, 0 when not, -1 on an error (then lookup_error reports it). */
static int step_exists(sqlite3_stmt *st, int bound)
{
    int r = bound == SQLITE_OK ? sqlite3_step(st) : bound;
    int found = r == SQLITE_ROW ? 1 : (r == SQLITE_DONE ? 0 : -1);
    if (found >= 0) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
    return found;
}

static void step_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* A failed lookup: the message first, then the statement is made ready again. */
static qs_error lookup_error(qs_store *s, sqlite3_stmt *st, int bound, qs_diag *diag,
                             const char *what)
{
    qs_error rc = stmt_error(s, bound, diag, what);
    step_done(st);
    return rc;
}

/* Fill *out from a latest_file / copy_file row; then count the open rows with `count`. */
static qs_error file_seen(qs_store *s, sqlite3_stmt *st, int b, sqlite3_stmt *count,
                          const char *source, qs_store_file_seen *out, qs_diag *diag)
{
    memset(out, 0, sizeof(*out));
    int r = b == SQLITE_OK ? sqlite3_step(st) : b;
    if (r == SQLITE_ROW) {
        out->found = 1;
        out->file_id = sqlite3_column_int64(st, 0);
        snprintf(out->sha256, sizeof(out->sha256), "%s", sqlite3_column_text(st, 1));
        out->size = sqlite3_column_int64(st, 2);
        out->mtime_ns = sqlite3_column_int64(st, 3);
        out->inode = sqlite3_column_int64(st, 4);
        out->ctime_ns = sqlite3_column_int64(st, 5);
        snprintf(out->fingerprint, sizeof(out->fingerprint), "%s", sqlite3_column_text(st, 6));
        out->origin = sqlite3_column_int64(st, 7);
    } else if (r != SQLITE_DONE) {
        return lookup_error(s, st, b, diag, "cannot look up a file");
    }
    step_done(st);
    if (!out->found)
        return QS_OK;
    b = SQLITE_OK;
    bind_text(count, 1, source, &b);
    bind_text(count, 2, out->sha256, &b);
    r = b == SQLITE_OK ? sqlite3_step(count) : b;
    if (r != SQLITE_ROW)
        return lookup_error(s, count, b, diag, "cannot count quarantined rows");
    out->open_quarantined = sqlite3_column_int64(count, 0);
    step_done(count);
    return QS_OK;
}

qs_error qs_store_file_latest(qs_store *s, const char *source, const char *path,
                              qs_store_file_seen *out, qs_diag *diag)
{
    int b = SQLITE_OK;
    bind_text(s->latest_file, 1, source, &b);
    bind_text(s->latest_file, 2, path, &b);
    return file_seen(s, s->latest_file, b, s->open_in_content, source, out, diag);
}

qs_error qs_store_file_copy(qs_store *s, const char *source, const char *sha256, const char *path,
                            qs_store_file_seen *out, qs_diag *diag)
{
    int b = SQLITE_OK;
    bind_text(s->copy_file, 1, source, &b);
    bind_text(s->copy_file, 2, sha256, &b);
    bind_text(s->copy_file, 3, path, &b);
    return file_seen(s, s->copy_file, b, s->open_in_content, source, out, diag);
}

qs_error qs_store_begin(qs_store *s, qs_diag *diag)
{
    return exec(s, "BEGIN IMMEDIATE") == SQLITE_OK ? QS_OK : db_error(s, diag, "cannot begin");
}

qs_error qs_store_commit(qs_store *s, qs_diag *diag)
{
    if (exec(s, "COMMIT") == SQLITE_OK)
        return QS_OK;
    qs_error rc = db_error(s, diag, "cannot commit");
    exec(s, "ROLLBACK");
    return rc;
}

void qs_store_rollback(qs_store *s)
{
    exec(s, "ROLLBACK");
}

/* Step a write whose binds returned `bound` (see "Binding"); the message is taken before the
 * reset. */
static qs_error run_stmt(qs_store *s, sqlite3_stmt *st, int bound, qs_diag *diag, const char *what)
{
    int r = bound == SQLITE_OK ? sqlite3_step(st) : bound;
    qs_error rc = r == SQLITE_DONE ? QS_OK : stmt_error(s, bound, diag, what);
    step_done(st);
    return rc;
}

qs_error qs_store_add_file(qs_store *s, const qs_store_file *f, long long *file_id, qs_diag *diag)
{
    sqlite3_stmt *st = s->add_file;
    int b = SQLITE_OK;
    bind_text(st, 1, f->sha256, &b);
    bind_text(st, 2, f->path, &b);
    bind_int64(st, 3, f->size, &b);
    bind_int64(st, 4, f->mtime, &b);
    bind_text(st, 5, f->source, &b);
    bind_text(st, 6, f->instrument, &b);
    bind_int64(st, 7, f->run_id, &b);
    bind_int64(st, 8, f->mtime_ns, &b);
    bind_int64(st, 9, f->inode, &b);
    bind_int64(st, 10, f->ctime_ns, &b);
    bind_text(st, 11, f->fingerprint, &b);
    if (f->origin > 0)
        bind_int64(st, 12, f->origin, &b);
    else
        bind_null(st, 12, &b);
    qs_error rc = run_stmt(s, st, b, diag, "cannot record a file");
    if (!rc)
        *file_id = sqlite3_last_insert_rowid(s->db);
    s->quarantine_seq = 0;
    return rc;
}

qs_error qs_store_file_counts(qs_store *s, long long file_id, unsigned long rows,
                              unsigned long scored, unsigned long quarantined,
                              unsigned long not_administered, qs_diag *diag)
{
    sqlite3_stmt *st = s->file_counts;
    int b = SQLITE_OK;
    bind_int64(st, 1, file_id, &b);
    bind_int64(st, 2, (sqlite3_int64)rows, &b);
    bind_int64(st, 3, (sqlite3_int64)scored, &b);
    bind_int64(st, 4, (sqlite3_int64)quarantined, &b);
    bind_int64(st, 5, (sqlite3_int64)not_administered, &b);
    return run_stmt(s, st, b, diag, "cannot record a file");
}

qs_error qs_store_add_quarantine(qs_store *s, long long file_id, const qs_row_problems *p,
                                 long long first_run, const char *row_key,
                                 const qs_store_row_who *who, qs_diag *diag)
{
    static const qs_store_row_who nobody = {NULL, NULL, NULL, NULL};
    if (!who)
        who = &nobody;
    for (size_t i = 0; i <= p->count; i++) {
        char dropped[96];
        const char *col = "", *value = "", *reason;
        if (i < p->count) {
            col = p->items[i].column;
            value = p->items[i].value;
            reason = p->items[i].reason;
        } else if (p->dropped) {
            snprintf(dropped, sizeof(dropped), "%zu more problems in this row not listed",
                     p->dropped);
            reason = dropped;
        } else {
            break;
        }
        sqlite3_stmt *st = s->add_quarantine;
        int b = SQLITE_OK;
        bind_int64(st, 1, file_id, &b);
        bind_int64(st, 2, ++s->quarantine_seq, &b);
        bind_int64(st, 3, (sqlite3_int64)p->line, &b);
        bind_text(st, 4, p->response_id, &b);
        bind_text(st, 5, col, &b);
        bind_text(st, 6, value, &b);
        bind_text(st, 7, reason, &b);
        bind_int64(st, 8, first_run, &b);
        bind_text_or_null(st, 9, row_key, &b);
        bind_text_or_null(st, 10, who->site, &b);
        bind_text_or_null(st, 11, who->client, &b);
        bind_text_or_null(st, 12, who->group, &b);
        bind_text_or_null(st, 13, who->therapist, &b);
        qs_error rc = run_stmt(s, st, b, diag, "cannot record a quarantined row");
        if (rc)
            return rc;
    }
    return QS_OK;
}

qs_error qs_store_open_rows(qs_store *s, const char *source, qs_store_open_row **rows, size_t *n,
                            qs_diag *diag)
{
    sqlite3_stmt *st = s->open_rows;
    qs_store_open_row *v = NULL;
    size_t count = 0, cap = 0;
    int b = SQLITE_OK, r;
    *rows = NULL;
    *n = 0;
    bind_text(st, 1, source, &b);
    r = b;
    while (b == SQLITE_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
        qs_store_open_row *w = qs_grow__array(v, &cap, count + 1, sizeof(*w), 16);
        if (!w) {
            r = SQLITE_NOMEM;
            break;
        }
        v = w;
        qs_store_open_row *o = &v[count++];
        memset(o, 0, sizeof(*o));
        o->file = sqlite3_column_int64(st, 0);
        o->line = (unsigned long)sqlite3_column_int64(st, 1);
        o->first_run = sqlite3_column_int64(st, 2);
        snprintf(o->sha256, sizeof(o->sha256), "%s", sqlite3_column_text(st, 3));
        o->origin = sqlite3_column_int64(st, 5);
        const char *k = (const char *)sqlite3_column_text(st, 4);
        /* A key too long for the buffer is no key: a cut key could match another response. */
        if (k && strlen(k) < sizeof(o->row_key))
            memcpy(o->row_key, k, strlen(k) + 1);
    }
    if (r != SQLITE_DONE) {
        free(v);
        if (r == SQLITE_NOMEM) {
            step_done(st);
            qs_diag_set(diag, NULL, 0, 0, NULL, "out of memory");
            return QS_ENOMEM;
        }
        return lookup_error(s, st, b, diag, "cannot read the open quarantine");
    }
    step_done(st);
    *rows = v;
    *n = count;
    return QS_OK;
}

qs_error qs_store_resolve_row(qs_store *s, const qs_store_open_row *row, long long run_id,
                              const char *resolution, qs_diag *diag)
{
    sqlite3_stmt *st = s->resolve_row;
    int b = SQLITE_OK;
    bind_int64(st, 1, row->file, &b);
    bind_int64(st, 2, (sqlite3_int64)row->line, &b);
    bind_int64(st, 3, run_id, &b);
    bind_text(st, 4, resolution, &b);
    return run_stmt(s, st, b, diag, "cannot resolve a quarantined row");
}

qs_error qs_store_run_quarantine_pending(qs_store *s, long long run_id, int pending, qs_diag *diag)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "UPDATE runs SET quarantine_pending = ?2 WHERE id = ?1", -1, &st,
                           NULL) != SQLITE_OK)
        return db_error(s, diag, "cannot record the quarantine file's state");
    int b = SQLITE_OK;
    bind_int64(st, 1, run_id, &b);
    bind_int64(st, 2, pending, &b);
    qs_error rc = run_stmt(s, st, b, diag, "cannot record the quarantine file's state");
    sqlite3_finalize(st);
    return rc;
}

qs_error qs_store_write_quarantine(qs_store *s, long long run_id, FILE *fp, unsigned long *lines,
                                   qs_diag *diag)
{
    sqlite3_stmt *st;
    int r = SQLITE_DONE;
    *lines = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT f.path, q.line, q.response_id, q.column_name, q.value, q.reason"
                           " FROM quarantine q JOIN files f ON f.id = q.file WHERE f.run = ?1"
                           " ORDER BY f.id, q.seq",
                           -1, &st, NULL) != SQLITE_OK)
        return db_error(s, diag, "cannot read the quarantine");
    int b = SQLITE_OK;
    bind_int64(st, 1, run_id, &b);
    if (b != SQLITE_OK) {
        qs_error brc = stmt_error(s, b, diag, "cannot read the quarantine");
        sqlite3_finalize(st);
        return brc;
    }
    qs_error rc = qs_quarantine_header(fp);
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        qs_row_problems p;
        memset(&p, 0, sizeof(p));
        p.line = (unsigned long)sqlite3_column_int64(st, 1);
        snprintf(p.response_id, sizeof(p.response_id), "%s", sqlite3_column_text(st, 2));
        p.count = 1;
        snprintf(p.items[0].column, sizeof(p.items[0].column), "%s", sqlite3_column_text(st, 3));
        snprintf(p.items[0].value, sizeof(p.items[0].value), "%s", sqlite3_column_text(st, 4));
        snprintf(p.items[0].reason, sizeof(p.items[0].reason), "%s", sqlite3_column_text(st, 5));
        rc = qs_quarantine_write(fp, (const char *)sqlite3_column_text(st, 0), &p);
        if (!rc)
            (*lines)++; /* only lines written: the caller keeps the file only when some were */
    }
    if (!rc && r != SQLITE_DONE)
        rc = db_error(s, diag, "cannot read the quarantine");
    else if (rc == QS_EIO)
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot write the quarantine file: %s",
                    strerror(errno));
    sqlite3_finalize(st);
    return rc;
}

qs_error qs_store_run_recovered(qs_store *s, long long run_id, qs_diag *diag)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE runs SET status = 'killed_recovered'"
                           " WHERE id = ?1 AND status = 'killed'",
                           -1, &st, NULL) != SQLITE_OK)
        return db_error(s, diag, "cannot mark a killed run recovered");
    int ok = sqlite3_bind_int64(st, 1, run_id) == SQLITE_OK && sqlite3_step(st) == SQLITE_DONE;
    qs_error rc = ok ? QS_OK : db_error(s, diag, "cannot mark a killed run recovered");
    sqlite3_finalize(st);
    return rc;
}

qs_error qs_store_runs_with_status(qs_store *s, const char *status, long long *ids, size_t max,
                                   size_t *n, qs_diag *diag)
{
    sqlite3_stmt *st;
    *n = 0;
    /* "pending": runs whose quarantine file is still to be written. */
    const char *sql = strcmp(status, "pending") == 0
                          ? "SELECT id FROM runs WHERE quarantine_pending = 1 AND ?1 = ?1"
                            " ORDER BY id"
                          : "SELECT id FROM runs WHERE status = ?1 ORDER BY id";
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(s, diag, "cannot read the runs");
    int b = SQLITE_OK;
    bind_text(st, 1, status, &b);
    int r = b;
    while (b == SQLITE_OK && *n < max && (r = sqlite3_step(st)) == SQLITE_ROW)
        ids[(*n)++] = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return r == SQLITE_ROW || r == SQLITE_DONE ? QS_OK : stmt_error(s, b, diag, "cannot read runs");
}

/* ---- administrations --------------------------------------------------------------------- */

/* Answers as text: "4,5,,3" (empty = unanswered), in item order. */
/*
 * In full, whatever the number of answers: a cut text would make two responses that differ
 * past the cut hash (and store) alike. Returns a string the caller frees, its length in *len;
 * NULL when out of memory.
 */
static char *answers_text(const int *a, size_t n, size_t *len)
{
    /* A comma and an int ("-2147483648": 11 bytes) per answer, and the NUL. */
    size_t size = n * 12 + 1, used = 0;
    char *buf = malloc(size);
    if (!buf)
        return NULL;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int w = a[i] == QS_MISSING ? snprintf(buf + used, size - used, "%s", i ? "," : "")
                                   : snprintf(buf + used, size - used, "%s%d", i ? "," : "", a[i]);
        if (w > 0)
            used += (size_t)w;
    }
    *len = used;
    return buf;
}

void qs_sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(hex, 65, h, sizeof(h));
}

qs_error qs_sha256_file(const char *path, char hex[65], qs_diag *diag)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    unsigned char buf[65536];
    crypto_hash_sha256_state state;
    FILE *fp;
    unsigned long long left; /* the size at open: a file still growing is hashed as it was */
    qs_error rc = qs_infile_open(&fp, &left, path, NULL, diag);
    if (rc)
        return rc;
    crypto_hash_sha256_init(&state);
    size_t n;
    while (left && (n = fread(buf, 1, left < sizeof(buf) ? (size_t)left : sizeof(buf), fp)) > 0) {
        crypto_hash_sha256_update(&state, buf, n);
        left -= n;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot read '%s'", path);
        return QS_EIO;
    }
    crypto_hash_sha256_final(&state, h);
    sodium_bin2hex(hex, 65, h, sizeof(h));
    return QS_OK;
}

static qs_error client_row(qs_store *s, const char *site, const char *client, long long *id,
                           qs_diag *diag)
{
    sqlite3_stmt *st = s->find_client;
    int b = SQLITE_OK;
    bind_text(st, 1, site, &b);
    bind_text(st, 2, client, &b);
    int r = b == SQLITE_OK ? sqlite3_step(st) : b;
    if (r == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return lookup_error(s, st, b, diag, "cannot look up a client");
    step_done(st);
    if (r == SQLITE_ROW)
        return QS_OK;
    st = s->add_client;
    b = SQLITE_OK;
    bind_text(st, 1, site, &b);
    bind_text(st, 2, client, &b);
    qs_error rc = run_stmt(s, st, b, diag, "cannot add a client");
    if (!rc)
        *id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

/* A response's content as stored: its answers and attention checks as text, and its hash. */
struct content {
    char *answers, *checks; /* freed by content_release */
    size_t na, nc;
    char hash[65];
};

static void content_release(struct content *c)
{
    free(c->answers);
    free(c->checks);
}

/*
 * The content of a response: who, where, when and what was answered, hashed streamed, so
 * fields of any length count in full (a truncated buffer could make two different responses
 * look the same). Parts are separated by the unit separator. QS_ENOMEM or QS_OK.
 */
static qs_error content_of(const qs_store_admin *a, struct content *c)
{
    const qs_instrument *inst = a->inst;
    memset(c, 0, sizeof(*c));
    c->answers = answers_text(a->answers, inst->nitems, &c->na);
    c->checks = answers_text(a->checks, inst->validity.nchecks, &c->nc);
    if (!c->answers || !c->checks)
        return QS_ENOMEM;
    const char *parts[] = {a->client,
                           a->group ? a->group : "",
                           a->therapist ? a->therapist : "",
                           a->administered ? a->administered : "",
                           c->answers,
                           c->checks};
    crypto_hash_sha256_state hs;
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&hs);
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        if (i)
            crypto_hash_sha256_update(&hs, (const unsigned char *)"\x1f", 1);
        crypto_hash_sha256_update(&hs, (const unsigned char *)parts[i],
                                  i == 4   ? c->na
                                  : i == 5 ? c->nc
                                           : strlen(parts[i]));
    }
    if (a->covariates && a->covariates[0]) { /* absent: the hash of schema 1 */
        crypto_hash_sha256_update(&hs, (const unsigned char *)"\x1f", 1);
        crypto_hash_sha256_update(&hs, (const unsigned char *)a->covariates, strlen(a->covariates));
    }
    crypto_hash_sha256_final(&hs, digest);
    sodium_bin2hex(c->hash, sizeof(c->hash), digest, sizeof(digest));
    return QS_OK;
}

/* The current version of a response, as put_admin decides with it. */
struct current {
    long long id, version, origin; /* id 0: none */
    int same;                      /* its content is this content */
    int conflict;                  /* another source's, for another client */
};

static qs_error find_current(qs_store *s, const qs_store_admin *a, const char *hash,
                             struct current *cur, qs_diag *diag)
{
    sqlite3_stmt *st = s->find_current;
    int b = SQLITE_OK;
    memset(cur, 0, sizeof(*cur));
    bind_text(st, 1, a->site, &b);
    bind_text(st, 2, a->inst->id, &b);
    bind_text(st, 3, a->response_key, &b);
    int r = b == SQLITE_OK ? sqlite3_step(st) : b;
    if (r == SQLITE_ROW) {
        cur->id = sqlite3_column_int64(st, 0);
        cur->version = sqlite3_column_int64(st, 1);
        cur->same = strcmp((const char *)sqlite3_column_text(st, 2), hash) == 0;
        cur->origin = sqlite3_column_int64(st, 3);
        /* The same response id from another source for another client: two surveys' ids
         * that collide (REDCap record ids of two projects), not an edit. */
        cur->conflict = strcmp((const char *)sqlite3_column_text(st, 4), a->source) != 0 &&
                        strcmp((const char *)sqlite3_column_text(st, 5), a->client) != 0;
    }
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return lookup_error(s, st, b, diag, "cannot look up an administration");
    step_done(st);
    return QS_OK;
}

/*
 * What a replay (a->replay_of) makes of a row whose response has a current version: rows
 * stored then come out unchanged (whatever the mapping now reads in them); a row quarantined
 * then is unchanged when a version already has its content, and never turns back an edit that
 * a later file brought. *outcome is set, or left alone when the row is to be stored.
 */
static qs_error replay_outcome(qs_store *s, const qs_store_admin *a, const char *hash,
                               const struct current *cur, qs_admin_outcome *outcome, int *decided,
                               qs_diag *diag)
{
    int known = 0;
    *decided = 0;
    if (a->replay_open) {
        sqlite3_stmt *st = s->find_version;
        int b = SQLITE_OK;
        bind_text(st, 1, a->site, &b);
        bind_text(st, 2, a->inst->id, &b);
        bind_text(st, 3, a->response_key, &b);
        bind_text(st, 4, hash, &b);
        known = step_exists(st, b);
        if (known < 0)
            return lookup_error(s, st, b, diag, "cannot look up an administration");
    }
    if (!a->replay_open || known) {
        *outcome = QS_ADMIN_UNCHANGED;
        *decided = 1;
    } else if (cur->origin > a->replay_of) {
        *outcome = QS_ADMIN_SUPERSEDED;
        *decided = 1;
    }
    return QS_OK;
}

/* Insert the administration row of version `version`; *admin receives its id. */
static qs_error insert_admin(qs_store *s, const qs_store_admin *a, const qs_result *res,
                             const struct content *c, long long client_id, long long version,
                             long long *admin, qs_diag *diag)
{
    sqlite3_stmt *st = s->add_admin;
    const qs_validity_value *v = &res->validity;
    int b = SQLITE_OK;
    bind_int64(st, 1, client_id, &b);
    bind_text(st, 2, a->site, &b);
    bind_text(st, 3, a->source, &b);
    bind_text(st, 4, a->inst->id, &b);
    bind_text(st, 5, a->inst->version, &b);
    bind_text(st, 6, a->response_key, &b);
    bind_text(st, 7, a->response_id, &b);
    bind_int64(st, 8, version, &b);
    bind_text(st, 9, c->hash, &b);
    bind_text_or_null(st, 10, a->administered, &b);
    bind_text_or_null(st, 11, a->group, &b);
    bind_text_or_null(st, 12, a->therapist, &b);
    bind_text_n(st, 13, c->answers, c->na, &b);
    bind_text_n(st, 14, c->checks, c->nc, &b);
    bind_text_or_null(st, 15, a->norm, &b);
    bind_real_or_null(st, 16, v->missing_fraction, &b);
    bind_int64(st, 17, v->longstring, &b);
    bind_real_or_null(st, 18, v->irv, &b);
    if (v->attention_failed >= 0)
        bind_int64(st, 19, v->attention_failed, &b);
    else
        bind_null(st, 19, &b);
    bind_int64(st, 20, a->file_id, &b);
    bind_int64(st, 21, (sqlite3_int64)a->line, &b);
    bind_int64(st, 22, a->run_id, &b);
    bind_text_or_null(st, 23, a->covariates, &b);
    bind_text_or_null(st, 24, a->derived_fp, &b);
    qs_error rc = run_stmt(s, st, b, diag, "cannot add an administration");
    if (!rc)
        *admin = sqlite3_last_insert_rowid(s->db);
    return rc;
}

/* The score rows of an administration. */
static qs_error insert_scores(qs_store *s, const qs_instrument *inst, const qs_result *res,
                              long long admin, qs_diag *diag)
{
    for (size_t i = 0; i < inst->nscores; i++) {
        const qs_score_value *sv = &res->scores[i];
        sqlite3_stmt *st = s->add_score;
        int b = SQLITE_OK;
        bind_int64(st, 1, admin, &b);
        bind_text(st, 2, inst->scores[i].id, &b);
        bind_real_or_null(st, 3, sv->value, &b);
        bind_int64(st, 4, (sqlite3_int64)sv->n_answered, &b);
        bind_int64(st, 5, (sqlite3_int64)sv->n_items, &b);
        bind_real_or_null(st, 6, sv->z, &b);
        bind_real_or_null(st, 7, sv->t, &b);
        bind_real_or_null(st, 8, sv->percentile, &b);
        bind_text(st, 9, qs_status_name(sv->status), &b);
        qs_error rc = run_stmt(s, st, b, diag, "cannot add a score");
        if (rc)
            return rc;
    }
    return QS_OK;
}

/* The raised and not-evaluable flags of an administration (validity flags last). */
static qs_error insert_flags(qs_store *s, const qs_instrument *inst, const qs_result *res,
                             long long admin, qs_diag *diag)
{
    const qs_validity_value *v = &res->validity;
    for (size_t f = 0; f < inst->nflags + 2; f++) {
        qs_tri t;
        const char *id, *sev;
        if (f < inst->nflags) {
            t = res->flags[f];
            id = inst->flags[f].id;
            sev = qs_severity_name(inst->flags[f].severity);
        } else {
            t = f == inst->nflags ? v->careless : v->invalid;
            id = f == inst->nflags ? "careless" : "invalid";
            sev = "medium";
        }
        if (t == QS_TRI_FALSE)
            continue;
        char detail[512];
        qs_flag_detail(inst, f, res, detail, sizeof(detail));
        sqlite3_stmt *st = s->add_flag;
        int b = SQLITE_OK;
        bind_int64(st, 1, admin, &b);
        bind_text(st, 2, id, &b);
        bind_text(st, 3, t == QS_TRI_TRUE ? "raised" : "not_evaluable", &b);
        bind_text(st, 4, sev, &b);
        bind_text(st, 5, detail, &b);
        qs_error rc = run_stmt(s, st, b, diag, "cannot add a flag");
        if (rc)
            return rc;
    }
    return QS_OK;
}

qs_error qs_store_put_admin(qs_store *s, const qs_store_admin *a, const qs_result *res,
                            qs_admin_outcome *outcome, long long *client_id, qs_diag *diag)
{
    struct content c;
    struct current cur;
    long long admin = 0;
    int decided = 0;
    qs_error rc = content_of(a, &c);
    if (rc) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "out of memory");
        goto done;
    }
    rc = client_row(s, a->site, a->client, client_id, diag);
    if (!rc)
        rc = find_current(s, a, c.hash, &cur, diag);
    if (rc)
        goto done;
    if (cur.same || cur.conflict) {
        *outcome = cur.same ? QS_ADMIN_UNCHANGED : QS_ADMIN_CONFLICT;
        goto done;
    }
    if (cur.id && a->replay_of) {
        rc = replay_outcome(s, a, c.hash, &cur, outcome, &decided, diag);
        if (rc || decided)
            goto done;
    }
    if (cur.id) { /* an edited response: the new content becomes the current version */
        int b = SQLITE_OK;
        bind_int64(s->retire_admin, 1, cur.id, &b);
        rc = run_stmt(s, s->retire_admin, b, diag, "cannot version an administration");
        if (rc)
            goto done;
    }
    *outcome = cur.id ? QS_ADMIN_CHANGED : QS_ADMIN_NEW;
    rc = insert_admin(s, a, res, &c, *client_id, cur.version + 1, &admin, diag);
    if (!rc)
        rc = insert_scores(s, a->inst, res, admin, diag);
    if (!rc)
        rc = insert_flags(s, a->inst, res, admin, diag);
done:
    content_release(&c);
    return rc;
}

/* ---- derived values ------------------------------------------------------------------- */

/* Parse "4,5,,3" (stored answers) into n ints (QS_MISSING for empty); 0 when the text holds
 * another number of answers (the definition's items changed) or a malformed value. */
static int parse_answers(const char *text, int *out, size_t n)
{
    const char *p = text ? text : "";
    for (size_t i = 0; i < n; i++) {
        if (*p == ',' || *p == '\0') {
            out[i] = QS_MISSING;
        } else {
            char *end;
            long v = strtol(p, &end, 10);
            if (end == p || v < INT_MIN || v > INT_MAX)
                return 0;
            out[i] = (int)v;
            p = end;
        }
        if (i + 1 < n) {
            if (*p != ',')
                return 0;
            p++;
        }
    }
    return *p == '\0' || (n == 0 && *p == '\0');
}

qs_error qs_store_each_stale(qs_store *s, const char *instrument, const char *fp, int force,
                             long long after, size_t max, qs_store_stale_fn fn, void *ctx,
                             size_t *n, qs_diag *diag)
{
    sqlite3_stmt *st = NULL;
    *n = 0;
    /* In id order from `after` on: the caller re-derives a batch and asks for the next. */
    if (sqlite3_prepare_v2(s->db,
                           "SELECT a.id, a.client, a.answers, a.checks, coalesce(a.derived_fp, '')"
                           " FROM administrations a WHERE a.instrument = ?1 AND a.current = 1"
                           " AND a.id > ?5 AND (?3 OR a.derived_fp IS NULL OR a.derived_fp <> ?2)"
                           " ORDER BY a.id LIMIT ?4",
                           -1, &st, NULL) != SQLITE_OK)
        return db_error(s, diag, "cannot read administrations to recompute");
    int b = SQLITE_OK;
    bind_text(st, 1, instrument, &b);
    bind_text(st, 2, fp, &b);
    bind_int64(st, 3, force != 0, &b);
    bind_int64(st, 4, (sqlite3_int64)max, &b);
    bind_int64(st, 5, after, &b);
    /* The batch is read whole before `fn` runs: re-deriving writes the rows this statement
     * scans, which an active statement must not see half-done. */
    struct batch_row {
        long long id, client;
        char *answers, *checks, *fp;
    } *rows = NULL;
    size_t count = 0, cap = 0;
    int r = b;
    qs_error rc = QS_OK;
    while (b == SQLITE_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
        struct batch_row *v = qs_grow__array(rows, &cap, count + 1, sizeof(*v), 64);
        if (!v) {
            rc = QS_ENOMEM;
            break;
        }
        rows = v;
        struct batch_row *o = &rows[count++];
        o->id = sqlite3_column_int64(st, 0);
        o->client = sqlite3_column_int64(st, 1);
        o->answers = strdup((const char *)sqlite3_column_text(st, 2));
        o->checks = strdup((const char *)sqlite3_column_text(st, 3));
        o->fp = strdup((const char *)sqlite3_column_text(st, 4));
        if (!o->answers || !o->checks || !o->fp)
            rc = QS_ENOMEM;
        if (rc)
            break;
    }
    if (!rc && r != SQLITE_DONE)
        rc = stmt_error(s, b, diag, "cannot read administrations to recompute");
    else if (rc == QS_ENOMEM)
        qs_diag_set(diag, NULL, 0, 0, NULL, "out of memory");
    sqlite3_finalize(st);
    for (size_t i = 0; i < count && !rc; i++) {
        qs_store_stale row = {rows[i].id, rows[i].client, rows[i].answers, rows[i].checks,
                              rows[i].fp};
        rc = fn(ctx, &row);
        (*n)++;
    }
    for (size_t i = 0; i < count; i++) {
        free(rows[i].answers);
        free(rows[i].checks);
        free(rows[i].fp);
    }
    free(rows);
    return rc;
}

int qs_store_parse_answers(const char *text, int *out, size_t n)
{
    return parse_answers(text, out, n);
}

qs_error qs_store_rederive(qs_store *s, long long admin, const qs_instrument *inst,
                           const qs_result *res, const char *norm, const char *fp, qs_diag *diag)
{
    static const char *const sql[] = {
        "DELETE FROM scores WHERE administration = ?1",
        "DELETE FROM flags WHERE administration = ?1",
        "UPDATE administrations SET norm = ?2, missing_fraction = ?3, longstring = ?4,"
        " irv = ?5, attention_failed = ?6, derived_fp = ?7, instrument_version = ?8"
        " WHERE id = ?1",
    };
    const qs_validity_value *v = &res->validity;
    for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(s->db, sql[i], -1, &st, NULL) != SQLITE_OK)
            return db_error(s, diag, "cannot recompute an administration");
        int b = SQLITE_OK;
        bind_int64(st, 1, admin, &b);
        if (i == 2) {
            bind_text_or_null(st, 2, norm, &b);
            bind_real_or_null(st, 3, v->missing_fraction, &b);
            bind_int64(st, 4, v->longstring, &b);
            bind_real_or_null(st, 5, v->irv, &b);
            if (v->attention_failed >= 0)
                bind_int64(st, 6, v->attention_failed, &b);
            else
                bind_null(st, 6, &b);
            bind_text(st, 7, fp, &b);
            bind_text(st, 8, inst->version, &b);
        }
        int r = b == SQLITE_OK ? sqlite3_step(st) : b;
        qs_error rc = r == SQLITE_DONE ? QS_OK : stmt_error(s, b, diag, "cannot recompute");
        sqlite3_finalize(st);
        if (rc)
            return rc;
    }
    qs_error rc = insert_scores(s, inst, res, admin, diag);
    if (!rc)
        rc = insert_flags(s, inst, res, admin, diag);
    return rc;
}

/* ---- change over time ------------------------------------------------------------------ */

qs_error qs_store_update_changes(qs_store *s, long long client_id, const qs_instrument *inst,
                                 int norm, qs_diag *diag)
{
    return qs_store_update_changes_nif(s, client_id, inst, norm, NULL, diag);
}

qs_error qs_store_update_changes_nif(qs_store *s, long long client_id, const qs_instrument *inst,
                                     int norm, const qs_norm_in_force *nifs, qs_diag *diag)
{
    qs_error rc = QS_OK;
    size_t ns = inst->nscores, nadm = 0, cap = 16;
    /* values[score * cap + k]: the k-th administration's value of each score */
    long long *admins = malloc(cap * sizeof(*admins));
    double *values = malloc(cap * (ns ? ns : 1) * sizeof(*values));
    sqlite3_stmt *st = s->history;
    if (!admins || !values) {
        rc = QS_ENOMEM;
        goto done;
    }
    int b = SQLITE_OK;
    bind_int64(st, 1, client_id, &b);
    bind_text(st, 2, inst->id, &b);
    int r = b;
    while (b == SQLITE_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
        long long id = sqlite3_column_int64(st, 0);
        if (nadm == 0 || admins[nadm - 1] != id) {
            if (nadm == cap) {
                size_t ncap = cap * 2;
                long long *a2 = realloc(admins, ncap * sizeof(*a2));
                double *v2 = a2 ? malloc(ncap * (ns ? ns : 1) * sizeof(*v2)) : NULL;
                if (!a2 || !v2) {
                    if (a2)
                        admins = a2;
                    free(v2);
                    rc = QS_ENOMEM;
                    break;
                }
                for (size_t i = 0; i < ns; i++)
                    memcpy(v2 + i * ncap, values + i * cap, nadm * sizeof(*v2));
                free(values);
                admins = a2;
                values = v2;
                cap = ncap;
            }
            admins[nadm] = id;
            for (size_t i = 0; i < ns; i++)
                values[i * cap + nadm] = NAN;
            nadm++;
        }
        int si = qs_instrument_score_index(inst, (const char *)sqlite3_column_text(st, 1));
        if (si >= 0 && sqlite3_column_type(st, 2) != SQLITE_NULL)
            values[(size_t)si * cap + nadm - 1] = sqlite3_column_double(st, 2);
    }
    if (!rc && r != SQLITE_DONE)
        rc = lookup_error(s, st, b, diag, "cannot read a client's history");
    else
        step_done(st);
    if (rc)
        goto done;
    for (size_t i = 0; i < ns && !rc; i++) {
        qs_change c;
        if (nifs) { /* a local norm: its SD and alpha; criterion c with a functional norm */
            qs_norm_in_force fn;
            int f = -1;
            for (size_t k = 0; k < inst->nnorms && f < 0; k++)
                if (inst->norms[k].kind == QS_NORM_FUNCTIONAL)
                    f = (int)k;
            qs_norm_in_force_published(&fn, inst, i, f);
            qs_change_compute_nif(&c, &nifs[i], NULL, f >= 0 ? &fn : NULL, inst->scores[i].better,
                                  values + i * cap, nadm);
        } else {
            qs_change_compute(&c, inst, i, norm, inst->scores[i].better, values + i * cap, nadm);
        }
        st = s->put_change;
        b = SQLITE_OK;
        bind_int64(st, 1, client_id, &b);
        bind_text(st, 2, inst->id, &b);
        bind_text(st, 3, inst->scores[i].id, &b);
        bind_int64(st, 4, (sqlite3_int64)c.n, &b);
        size_t idx[3] = {c.baseline, c.previous, c.latest};
        for (int k = 0; k < 3; k++) {
            if (idx[k] == QS_CHANGE_NONE)
                bind_null(st, 5 + k, &b);
            else
                bind_int64(st, 5 + k, admins[idx[k]], &b);
        }
        bind_real_or_null(st, 8, c.baseline_value, &b);
        bind_real_or_null(st, 9, c.previous_value, &b);
        bind_real_or_null(st, 10, c.latest_value, &b);
        bind_real_or_null(st, 11, c.from_baseline.change, &b);
        bind_real_or_null(st, 12, c.from_previous.change, &b);
        bind_real_or_null(st, 13, c.from_baseline.rci, &b);
        bind_real_or_null(st, 14, c.from_previous.rci, &b);
        bind_text(st, 15, qs_rci_class_name(c.from_baseline.verdict), &b);
        bind_text(st, 16, qs_rci_class_name(c.from_previous.verdict), &b);
        bind_text(st, 17, qs_clinical_name(c.clinical), &b);
        bind_real_or_null(st, 18, c.cutoff, &b);
        const char *note = c.from_baseline.reason ? c.from_baseline.reason : c.clinical_reason;
        if (note)
            bind_text(st, 19, note, &b);
        else
            bind_null(st, 19, &b);
        /* What the RCI was computed with, and where each came from (schema 4). */
        bind_real_or_null(st, 20, c.sd, &b);
        bind_real_or_null(st, 21, c.reliability, &b);
        bind_text_or_null(st, 22, c.reliability_kind, &b);
        bind_text_or_null(st, 23, c.sd_source, &b);
        bind_text_or_null(st, 24, c.reliability_source, &b);
        bind_int64(st, 25, (sqlite3_int64)c.reliability_min_pair_n, &b);
        rc = run_stmt(s, st, b, diag, "cannot store change");
    }
done:
    if (rc == QS_ENOMEM)
        qs_diag_set(diag, NULL, 0, 0, NULL, "out of memory");
    free(admins);
    free(values);
    return rc;
}

/* ---- reading ---------------------------------------------------------------------------- */

static long long scalar(qs_store *s, const char *sql, int *ok)
{
    sqlite3_stmt *st;
    long long v = 0;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        *ok = 0;
        return 0;
    }
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    else if (r != SQLITE_DONE)
        *ok = 0;
    sqlite3_finalize(st);
    return v;
}

qs_error qs_store_get_status(qs_store *s, qs_store_status *st, qs_diag *diag)
{
    int ok = 1;
    memset(st, 0, sizeof(*st));
    qs_error rc = schema_version(s, &st->schema_version, diag);
    if (rc)
        return rc;
    st->clients = scalar(s, "SELECT count(*) FROM clients", &ok);
    st->administrations = scalar(s, "SELECT count(*) FROM administrations WHERE current = 1", &ok);
    st->versions = scalar(s, "SELECT count(*) FROM administrations WHERE current = 0", &ok);
    st->files = scalar(s, "SELECT count(DISTINCT source || ':' || path) FROM files", &ok);
    st->runs = scalar(s, "SELECT count(*) FROM runs", &ok);
    st->open_quarantined = scalar(s,
                                  "SELECT count(DISTINCT file || ':' || line) FROM quarantine"
                                  " WHERE resolved_run IS NULL",
                                  &ok);
    /* Rows of the latest processing of each source and path that answered nothing of it. */
    st->not_administered = scalar(s,
                                  "SELECT coalesce(sum(not_administered), 0) FROM files f WHERE"
                                  " f.id = (SELECT max(g.id) FROM files g WHERE"
                                  " g.source = f.source AND g.path = f.path)",
                                  &ok);
    st->quarantine_files_pending =
        scalar(s, "SELECT count(*) FROM runs WHERE quarantine_pending = 1", &ok);
    /* Flags raised on each client's latest administration of each instrument. */
    st->open_flags = scalar(s,
                            "SELECT count(*) FROM flags f JOIN changes c"
                            " ON c.latest_admin = f.administration"
                            " WHERE f.status = 'raised' AND c.score = (SELECT min(score) FROM"
                            " changes c2 WHERE c2.client = c.client AND c2.instrument ="
                            " c.instrument)",
                            &ok);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT started, coalesce(ended, ''), status FROM runs"
                           " ORDER BY id DESC LIMIT 1",
                           -1, &q, NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW) {
            snprintf(st->last_run_started, sizeof(st->last_run_started), "%s",
                     (const char *)sqlite3_column_text(q, 0));
            snprintf(st->last_run_ended, sizeof(st->last_run_ended), "%s",
                     (const char *)sqlite3_column_text(q, 1));
            snprintf(st->last_run_status, sizeof(st->last_run_status), "%s",
                     (const char *)sqlite3_column_text(q, 2));
        }
        sqlite3_finalize(q);
    } else {
        ok = 0;
    }
    return ok ? QS_OK : db_error(s, diag, "cannot read the status");
}

qs_error qs_store_each_open_reason(qs_store *s, qs_store_reason_fn fn, void *ctx, qs_diag *diag)
{
    sqlite3_stmt *st;
    /* Rows, not lines: a row with three problems counts once under each of its reasons. */
    if (sqlite3_prepare_v2(s->db,
                           "SELECT f.source, q.reason, count(DISTINCT q.file || ':' || q.line)"
                           " FROM quarantine q JOIN files f ON f.id = q.file"
                           " WHERE q.resolved_run IS NULL GROUP BY f.source, q.reason"
                           " ORDER BY f.source, 3 DESC, q.reason",
                           -1, &st, NULL) != SQLITE_OK)
        return db_error(s, diag, "cannot read the quarantine");
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW)
        fn(ctx, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
           sqlite3_column_int64(st, 2));
    sqlite3_finalize(st);
    return r == SQLITE_DONE ? QS_OK : db_error(s, diag, "cannot read the quarantine");
}

qs_error qs_store_each_quarantined(qs_store *s, int all, qs_store_quarantined_fn fn, void *ctx,
                                   qs_diag *diag)
{
    sqlite3_stmt *st;
    const char *sql =
        "SELECT f.source, f.path, q.line, q.response_id, q.column_name, q.value, q.reason,"
        " q.first_run, coalesce(r1.started, ''), q.resolved_run, coalesce(r2.started, ''),"
        " coalesce(q.resolution, '') FROM quarantine q JOIN files f ON f.id = q.file"
        " LEFT JOIN runs r1 ON r1.id = q.first_run LEFT JOIN runs r2 ON r2.id = q.resolved_run"
        " WHERE ?1 OR q.resolved_run IS NULL ORDER BY f.source, f.path, f.id, q.seq";
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(s, diag, "cannot read the quarantine");
    int b = SQLITE_OK, r = SQLITE_DONE, stop = 0;
    bind_int64(st, 1, all != 0, &b);
    while (b == SQLITE_OK && !stop && (r = sqlite3_step(st)) == SQLITE_ROW) {
        qs_store_quarantined q;
        q.source = (const char *)sqlite3_column_text(st, 0);
        q.file = (const char *)sqlite3_column_text(st, 1);
        q.line = (unsigned long)sqlite3_column_int64(st, 2);
        q.response_id = (const char *)sqlite3_column_text(st, 3);
        q.column = (const char *)sqlite3_column_text(st, 4);
        q.value = (const char *)sqlite3_column_text(st, 5);
        q.reason = (const char *)sqlite3_column_text(st, 6);
        q.first_run = sqlite3_column_int64(st, 7);
        q.first_seen = (const char *)sqlite3_column_text(st, 8);
        q.resolved_run =
            sqlite3_column_type(st, 9) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 9);
        q.resolved = (const char *)sqlite3_column_text(st, 10);
        q.resolution = (const char *)sqlite3_column_text(st, 11);
        stop = fn(ctx, &q) != 0;
    }
    qs_error rc = QS_OK;
    if (b != SQLITE_OK || (!stop && r != SQLITE_DONE))
        rc = stmt_error(s, b, diag, "cannot read the quarantine");
    else if (stop)
        rc = QS_EIO;
    sqlite3_finalize(st);
    return rc;
}

/* One query's rows as tab-separated text: NULL as "\\N", reals in shortest round-trip form. */
static int dump_query(qs_store *s, FILE *fp, const char *title, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return 0;
    fprintf(fp, "## %s\n", title);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        int n = sqlite3_column_count(st);
        for (int i = 0; i < n; i++) {
            if (i)
                fputc('\t', fp);
            switch (sqlite3_column_type(st, i)) {
            case SQLITE_NULL:
                fputs("\\N", fp);
                break;
            case SQLITE_FLOAT: {
                char num[64];
                qs_format_double(num, sizeof(num), sqlite3_column_double(st, i));
                fputs(num, fp);
                break;
            }
            default:
                fputs((const char *)sqlite3_column_text(st, i), fp);
            }
        }
        fputc('\n', fp);
    }
    sqlite3_finalize(st);
    return r == SQLITE_DONE;
}

qs_error qs_store_dump(qs_store *s, FILE *fp, qs_diag *diag)
{
    /* Natural keys only: row ids, run ids and times differ between equivalent histories. */
    static const char *const queries[][2] = {
        {"files", "SELECT sha256, path, size, source, instrument, rows, scored, quarantined"
                  " FROM files ORDER BY sha256, source, path, id"},
        {"clients", "SELECT site, client_key FROM clients ORDER BY site, client_key"},
        {"administrations",
         "SELECT a.site, a.instrument, a.response_key, a.version, a.current, c.client_key,"
         " a.source, a.instrument_version, a.response_id, a.content_hash, a.administered,"
         " a.group_name, a.therapist, a.answers, a.checks, a.norm, a.missing_fraction,"
         " a.longstring, a.irv, a.attention_failed, f.sha256, a.line, a.covariates"
         " FROM administrations a JOIN clients c ON c.id = a.client JOIN files f ON f.id = a.file"
         " ORDER BY a.site, a.instrument, a.response_key, a.version"},
        {"scores", "SELECT a.site, a.instrument, a.response_key, a.version, s.score, s.value,"
                   " s.n_answered, s.n_items, s.z, s.t, s.percentile, s.status"
                   " FROM scores s JOIN administrations a ON a.id = s.administration"
                   " ORDER BY a.site, a.instrument, a.response_key, a.version, s.score"},
        {"flags", "SELECT a.site, a.instrument, a.response_key, a.version, g.flag, g.status,"
                  " g.severity, g.detail FROM flags g JOIN administrations a"
                  " ON a.id = g.administration"
                  " ORDER BY a.site, a.instrument, a.response_key, a.version, g.flag"},
        {"changes", "SELECT c.site, c.client_key, x.instrument, x.score, x.n, b.response_key,"
                    " p.response_key, l.response_key, x.baseline, x.previous, x.latest,"
                    " x.change_baseline, x.change_previous, x.rci_baseline, x.rci_previous,"
                    " x.class_baseline, x.class_previous, x.clinical, x.cutoff, x.note"
                    " FROM changes x JOIN clients c ON c.id = x.client"
                    " LEFT JOIN administrations b ON b.id = x.baseline_admin"
                    " LEFT JOIN administrations p ON p.id = x.previous_admin"
                    " LEFT JOIN administrations l ON l.id = x.latest_admin"
                    " ORDER BY c.site, c.client_key, x.instrument, x.score"},
        {"quarantine", "SELECT f.sha256, q.seq, q.line, q.response_id, q.column_name, q.value,"
                       " q.reason FROM quarantine q JOIN files f ON f.id = q.file"
                       " ORDER BY f.sha256, f.source, f.path, f.id, q.seq"},
        /* schema 3; after the sections of schema 2, so a migrated store dumps them alike */
        {"quarantine state", "SELECT f.sha256, f.source, q.seq, coalesce(q.resolution, 'open')"
                             " FROM quarantine q JOIN files f ON f.id = q.file"
                             " ORDER BY f.sha256, f.source, f.path, f.id, q.seq"},
        {"files not administered", "SELECT sha256, source, path, not_administered FROM files"
                                   " WHERE not_administered > 0"
                                   " ORDER BY sha256, source, path, id"},
        /* schema 4 */
        {"change sources", "SELECT c.site, c.client_key, x.instrument, x.score, x.sd,"
                           " x.reliability, x.reliability_kind, x.sd_source,"
                           " x.reliability_source, x.reliability_min_pair_n FROM changes x"
                           " JOIN clients c ON c.id = x.client"
                           " ORDER BY c.site, c.client_key, x.instrument, x.score"},
        /* schema 5 */
        {"quarantine whose", "SELECT f.sha256, f.source, q.seq, q.site, q.client_key,"
                             " q.group_name, q.therapist FROM quarantine q"
                             " JOIN files f ON f.id = q.file"
                             " ORDER BY f.sha256, f.source, f.path, f.id, q.seq"},
    };
    int v;
    qs_error rc = schema_version(s, &v, diag);
    if (rc)
        return rc;
    fprintf(fp, "# qscore store dump, schema %d\n", v);
    for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++)
        if (!dump_query(s, fp, queries[i][0], queries[i][1]))
            return db_error(s, diag, "cannot dump");
    return ferror(fp) ? QS_EIO : QS_OK;
}

sqlite3 *qs_store__db(qs_store *s)
{
    return s->db;
}
