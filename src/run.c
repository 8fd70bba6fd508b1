/* run.c - the nightly job: find new export files, ingest each in one transaction, log it. */
#include "qscore/run.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grow.h"
#include "qscore/atomic.h"
#include "qscore/ingest.h"
#include "qscore/score.h"
#include "qscore/version.h"

/*
 * Design. A run is: lock the store, record the run, write the quarantine files earlier runs
 * could not write, then for each source and each file its globs match (sorted, so runs are
 * deterministic) decide whether this source has processed the file:
 *  - a path the source processed before is unchanged when the quick check (size, nanosecond
 *    mtime and ctime, inode) matches its latest processing; any difference lets the SHA-256
 *    decide, and different content (even content the path held earlier: A -> B -> A) is
 *    processed again;
 *  - a path the source never processed is skipped only when the source processed the same
 *    content under another path (a copy);
 *  - an unchanged file is processed again (a replay) when rows of it are still quarantined and
 *    the source's fingerprint (qscore version, instrument and mapping bytes, profile, site)
 *    differs from the one that processed it, or with --retry.
 * Each processing is one transaction: file row, administrations (new, unchanged or a new
 * version), scores, flags, the quarantined rows, the resolution of rows an earlier processing
 * of the same path quarantined and this one stored, and the change rows of every client it
 * touched. A file where every row fails on one cause is a mapping problem: it is rolled back
 * (nothing stored, retried next run) and said once. A kill between commits loses nothing that
 * was committed; the next run skips what is in and redoes the rest. The quarantine file of a
 * run is written from the store after its files; one that could not be written is written by
 * a later run.
 */

/*
 * Crash points, for the kill tests (tests/e2e/run_kill.sh): with QSCORE_TEST_CRASH_AT=N in the
 * environment the process kills itself (SIGKILL, like the OOM killer or a power cut would stop
 * it) at the N-th crash point; QSCORE_TEST_CRASH_AT=count prints how many points a run passes.
 * Without the variable a crash point is one branch on a cached integer.
 */
static long crash_at = -2; /* -2: not read yet; -1: off; 0: count only */
static long crash_seen;

static void crash_point(void)
{
    if (crash_at == -2) {
        const char *v = getenv("QSCORE_TEST_CRASH_AT");
        char *end;
        crash_at = -1;
        if (v && strcmp(v, "count") == 0)
            crash_at = 0;
        else if (v && *v) {
            long n = strtol(v, &end, 10);
            if (*end == '\0' && n > 0)
                crash_at = n;
        }
    }
    if (crash_at < 0)
        return;
    crash_seen++;
    if (crash_at > 0 && crash_seen == crash_at)
        raise(SIGKILL);
}

struct runner {
    const qs_config *cfg;
    qs_run_opts *opts;
    qs_run_log_fn log;
    qs_run_progress_fn progress;
    void *ctx;
    qs_run_counts *c;
    qs_diag_list *errors;
    qs_store *store;
    int logfd;
    long long *touched; /* client ids touched by the current file */
    size_t ntouched, cap_touched;
    char *covbuf; /* one row's covariates as the store keeps them */
    size_t covcap;
    char *key; /* the current row's response key (response_key) */
    size_t cap_key;
    char *dupkey; /* a repeated response's quarantine key (quarantine_key) */
    size_t cap_dupkey;
    char fingerprint[65];   /* the current source's */
    long long replay_of;    /* the processing a replay repeats (qs_store_admin.replay_of), or 0 */
    qs_error deferred;      /* a failure that did not stop the run (an earlier quarantine file) */
    char derived_fp[160];   /* the definitions in force for the current source (see rescore) */
    char rescored[64][128]; /* instruments recomputed by this run (--rescore: once each) */
    const qs_norm_in_force *nifs; /* the current source's local norm per score, or NULL */
    char local_label[48];         /* its id as administrations record it ("local#3"), or "" */
    char local_fp[64];            /* its part of the fingerprint ("local#3", "local-pending-23") */
    struct {
        char id[128], sha[65], source[128];
    } defs[64]; /* one definition per instrument id (see one_definition) */
    size_t ndefs;
    size_t nrescored;
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
event(struct runner *R, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    int n = snprintf(line, sizeof(line), "time=%s run=%lld ", R->opts->now, R->opts->run_id);
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof(line))
        vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    /* One event, one line: a file name holding a line break or a terminal escape must not
     * forge another event or reach a terminal raw. */
    for (char *p = line; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    if (R->log)
        R->log(R->ctx, line);
    if (R->logfd >= 0) {
        size_t len = strlen(line);
        line[len] = '\n'; /* one write per line: O_APPEND keeps lines whole */
        if (write(R->logfd, line, len + 1) < 0) {
            /* The log is secondary: the store and stderr still have the events. */
        }
    }
}

static int touch_client(struct runner *R, long long id)
{
    for (size_t i = R->ntouched; i-- > 0 && i + 8 >= R->ntouched;)
        if (R->touched[i] == id)
            return 1; /* cheap check of the last few: rows of one client often come together */
    long long *t = qs_grow__array(R->touched, &R->cap_touched, R->ntouched + 1, sizeof(*t), 256);
    if (!t)
        return 0;
    R->touched = t;
    R->touched[R->ntouched++] = id;
    return 1;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/*
 * Write OUTPUT/quarantine-runN.csv from the store (the rows were stored in each file's
 * transaction, so a killed run's quarantine is not lost: the next run writes it). `path`
 * receives the file name when one was written.
 */
static qs_error write_quarantine(struct runner *R, long long run_id, char *path, size_t size,
                                 qs_diag *d)
{
    char name[64];
    unsigned long lines = 0;
    qs_atomic_file f;
    snprintf(name, sizeof(name), "quarantine-run%lld.csv", run_id);
    if (!qs_path_join(path, size, R->cfg->output, name)) {
        qs_diag_set(d, NULL, 0, 0, NULL, "the output folder's path is too long");
        return QS_EIO;
    }
    qs_error rc = qs_atomic_open(&f, path, d);
    if (!rc)
        rc = qs_store_write_quarantine(R->store, run_id, f.fp, &lines, d);
    if (!rc && lines)
        rc = qs_atomic_commit(&f, d);
    qs_atomic_abort(&f);
    if (rc || !lines)
        path[0] = '\0';
    return rc;
}

/*
 * Quarantine files that earlier runs could not write (killed before writing it, or the write
 * failed: disk full, a read-only folder) are written from the store now; one that fails again
 * stays pending for the next run. Killed runs are then marked "killed_recovered", once: a file
 * the user deletes later is not written again.
 */
static qs_error recover_pending(struct runner *R, qs_diag *d)
{
    long long killed[256], ids[256];
    size_t nk = 0, n = 0;
    qs_error rc = qs_store_runs_with_status(R->store, "killed", killed, 256, &nk, d);
    if (!rc)
        rc = qs_store_runs_with_status(R->store, "pending", ids, 256, &n, d);
    for (size_t i = 0; i < n && !rc; i++) {
        char path[4096];
        qs_diag wd;
        int was_killed = 0;
        if (ids[i] == R->opts->run_id)
            continue;
        for (size_t k = 0; k < nk; k++)
            was_killed |= killed[k] == ids[i];
        qs_diag_clear(&wd);
        if (write_quarantine(R, ids[i], path, sizeof(path), &wd)) {
            /* Still pending: the next run tries again; this run ends with the I/O status. */
            qs_diag_list_add(R->errors, wd.file[0] ? wd.file : NULL, 0, 0, NULL,
                             "run %lld's quarantine file: %s; the rows are kept in the store "
                             "and the next run tries again",
                             ids[i], wd.message);
            event(R, "event=quarantine_write_failed run_of=%lld", ids[i]);
            R->deferred = QS_EIO;
            continue;
        }
        rc = qs_store_run_quarantine_pending(R->store, ids[i], 0, d);
        if (!rc && path[0])
            event(R, "event=quarantine_recovered %s=%lld file=%s",
                  was_killed ? "killed_run" : "run", ids[i], path);
    }
    for (size_t k = 0; k < nk && !rc; k++)
        rc = qs_store_run_recovered(R->store, killed[k], d);
    return rc;
}

/*
 * A key that identifies a response across runs when the export has no id column, in full
 * (a cut key could make two clients' responses one administration); NULL when out of memory.
 * Two rows of one file with the same client and date never both get here: the ingest
 * quarantines the second (qs_ingest_require_unique_client_date).
 */
static const char *response_key(struct runner *R, const qs_admin *a)
{
    if (!a->id_is_line)
        return a->response_id;
    const char *what = a->administered ? "date" : "line";
    const char *v = a->administered ? a->administered : a->response_id;
    for (;;) {
        int n = snprintf(R->key, R->cap_key, "client:%s|%s:%s", a->client_id, what, v);
        if (n < 0)
            return NULL;
        if ((size_t)n < R->cap_key)
            return R->key;
        char *k = realloc(R->key, (size_t)n + 1);
        if (!k)
            return NULL;
        R->key = k;
        R->cap_key = (size_t)n + 1;
    }
}

/*
 * The response a row belongs to, as the store keys administrations (response_key), or NULL when
 * it could not be read or is only a line number (undated rows of exports without ids).
 */
static const char *row_key(struct runner *R, const qs_admin *adm)
{
    if (!adm->id_is_line)
        return adm->response_id && adm->response_id[0] ? adm->response_id : NULL;
    if (!adm->client_id || !adm->client_id[0] || !adm->administered)
        return NULL;
    return response_key(R, adm);
}

/*
 * The key a quarantined row is kept under: its response's, except for a repeat of a response
 * (a duplicate id, or the same client and date): "dup:" and the key, so the response's stored
 * row never settles it, and a later export's repeat continues it.
 */
static const char *quarantine_key(struct runner *R, const qs_admin *adm, const qs_row_problems *p)
{
    const char *key = row_key(R, adm);
    int dup = 0;
    for (size_t i = 0; i < p->count; i++)
        dup |= p->items[i].kind == QS_PROBLEM_DUPLICATE;
    if (!key || !dup)
        return key;
    size_t n = strlen(key) + 5;
    if (n > R->cap_dupkey) {
        char *k = realloc(R->dupkey, n);
        if (!k)
            return NULL;
        R->dupkey = k;
        R->cap_dupkey = n;
    }
    snprintf(R->dupkey, n, "dup:%s", key);
    return R->dupkey;
}

/*
 * The covariates of a row as the store keeps them: "name<TAB>value" lines in the mapping's order,
 * blank values left out, tabs and line breaks in values turned into spaces. NULL when there are
 * none (or out of memory, when adm->ncovariates > 0 and a value was given).
 */
static const char *covariates_text(struct runner *R, const qs_admin *adm, const qs_mapping *map)
{
    size_t need = 1;
    for (size_t i = 0; i < adm->ncovariates; i++)
        if (adm->covariates[i])
            need += strlen(map->covariates[i].name) + strlen(adm->covariates[i]) + 2;
    if (need == 1)
        return adm->ncovariates ? "" : NULL;
    if (need > R->covcap) {
        char *b = realloc(R->covbuf, need);
        if (!b)
            return NULL;
        R->covbuf = b;
        R->covcap = need;
    }
    char *o = R->covbuf;
    for (size_t i = 0; i < adm->ncovariates; i++) {
        if (!adm->covariates[i])
            continue;
        if (o != R->covbuf)
            *o++ = '\n';
        size_t n = strlen(map->covariates[i].name);
        memcpy(o, map->covariates[i].name, n);
        o += n;
        *o++ = '\t';
        for (const char *v = adm->covariates[i]; *v; v++)
            *o++ = (*v == '\t' || *v == '\n' || *v == '\r') ? ' ' : *v;
    }
    *o = '\0';
    return R->covbuf;
}

/*
 * The open quarantined rows of a source, and how a row of this processing continues one:
 *  - in identical content (a replay, a copy, a renamed file: the same SHA-256) the row at the
 *    same line is the same row;
 *  - in other content (a changed or a newer cumulative export, under any path of the source)
 *    the row of the same response is: the same response id, or for exports without an id
 *    column the same client and date. A row whose response cannot be read is matched in
 *    identical content only; a row no later export holds stays open.
 * Each open row is matched at most once.
 */
struct open_rows {
    qs_store_open_row *rows;
    size_t n, nkeyed;
    size_t *by_line; /* all rows, sorted by (sha256, line) */
    size_t *by_key;  /* rows with a key, sorted by key */
};

static struct open_rows *g_sort_rows; /* qsort has no context argument */

static int cmp_line(const qs_store_open_row *x, const char *sha, unsigned long line)
{
    int c = strcmp(x->sha256, sha);
    return c ? c : (x->line > line) - (x->line < line);
}

static int cmp_by_line(const void *a, const void *b)
{
    const qs_store_open_row *x = &g_sort_rows->rows[*(const size_t *)a];
    const qs_store_open_row *y = &g_sort_rows->rows[*(const size_t *)b];
    int c = cmp_line(x, y->sha256, y->line);
    return c ? c : (x->file > y->file) - (x->file < y->file);
}

static int cmp_by_key(const void *a, const void *b)
{
    const qs_store_open_row *x = &g_sort_rows->rows[*(const size_t *)a];
    const qs_store_open_row *y = &g_sort_rows->rows[*(const size_t *)b];
    int c = strcmp(x->row_key, y->row_key);
    return c ? c : (x->file > y->file) - (x->file < y->file);
}

static void open_rows_free(struct open_rows *o)
{
    free(o->rows);
    free(o->by_line);
    free(o->by_key);
    memset(o, 0, sizeof(*o));
}

static qs_error open_rows_load(struct open_rows *o, qs_store *store, const char *source, qs_diag *d)
{
    memset(o, 0, sizeof(*o));
    qs_error rc = qs_store_open_rows(store, source, &o->rows, &o->n, d);
    if (rc || o->n == 0)
        return rc;
    o->by_line = malloc(o->n * sizeof(size_t));
    o->by_key = malloc(o->n * sizeof(size_t));
    if (!o->by_line || !o->by_key) {
        open_rows_free(o);
        qs_diag_set(d, NULL, 0, 0, NULL, "out of memory");
        return QS_ENOMEM;
    }
    for (size_t i = 0; i < o->n; i++) {
        o->by_line[i] = i;
        if (o->rows[i].row_key[0])
            o->by_key[o->nkeyed++] = i;
    }
    g_sort_rows = o;
    qsort(o->by_line, o->n, sizeof(size_t), cmp_by_line);
    qsort(o->by_key, o->nkeyed, sizeof(size_t), cmp_by_key);
    g_sort_rows = NULL;
    return QS_OK;
}

/*
 * The open row this processing's row continues (see above), or NULL; *by_key says whether it
 * was found by its response in other content. `origin` is this processing's place in time: a
 * row found by its response must come from an earlier one (an older export never settles a
 * newer export's row). A replay (R->replay_of) matches in identical content only.
 */
static qs_store_open_row *open_rows_match(struct open_rows *o, const char *sha, const char *key,
                                          unsigned long line, long long origin, int replay,
                                          int *by_key)
{
    *by_key = 0;
    size_t lo = 0, hi = o->n;
    while (lo < hi) { /* lower bound of (sha, line) */
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_line(&o->rows[o->by_line[mid]], sha, line) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < o->n && cmp_line(&o->rows[o->by_line[lo]], sha, line) == 0; lo++)
        if (!o->rows[o->by_line[lo]].resolved)
            return &o->rows[o->by_line[lo]];
    if (!key || !key[0] || replay)
        return NULL;
    lo = 0;
    hi = o->nkeyed;
    while (lo < hi) { /* lower bound of key */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(o->rows[o->by_key[mid]].row_key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < o->nkeyed && strcmp(o->rows[o->by_key[lo]].row_key, key) == 0; lo++) {
        qs_store_open_row *r = &o->rows[o->by_key[lo]];
        /* In identical content only its own line is the same row (a repeated id at another
         * line is another row). */
        if (!r->resolved && strcmp(r->sha256, sha) != 0 && r->origin < origin) {
            *by_key = 1;
            return r;
        }
    }
    return NULL;
}

/* Per-file outcome counts. */
struct file_counts {
    unsigned long scored, quarantined, not_admin, n_new, n_changed, n_same, flags, resolved;
};

/* Close the open row `row` (if any) because this processing stored or skipped it. */
static qs_error resolve(struct runner *R, qs_store_open_row *row, const char *how,
                        struct file_counts *fc, qs_diag *d)
{
    if (!row || R->opts->dry_run)
        return QS_OK;
    row->resolved = 1;
    fc->resolved++;
    return qs_store_resolve_row(R->store, row, R->opts->run_id, how, d);
}

/* Store one scored administration; counts it and touches its client. */
static qs_error store_admin(struct runner *R, const qs_source *src, const qs_instrument *inst,
                            const qs_mapping *map, const char *norm_id, const qs_admin *adm,
                            const qs_result *res, long long file_id, int was_open,
                            struct file_counts *fc, qs_admin_outcome *out, qs_diag *d)
{
    const char *key = response_key(R, adm);
    const char *cov = covariates_text(R, adm, map);
    if (!key || (!cov && adm->ncovariates)) {
        qs_diag_set(d, NULL, 0, 0, NULL, "out of memory");
        return QS_ENOMEM;
    }
    qs_store_admin a = {.site = src->site,
                        .source = src->id,
                        .inst = inst,
                        .norm = norm_id,
                        .response_key = key,
                        .response_id = adm->response_id,
                        .client = adm->client_id,
                        .group = adm->group,
                        .therapist = adm->therapist,
                        .administered = adm->administered,
                        .covariates = cov,
                        .answers = adm->answers,
                        .checks = adm->checks,
                        .file_id = file_id,
                        .line = adm->line,
                        .run_id = R->opts->run_id,
                        .derived_fp = R->derived_fp,
                        .replay_of = R->replay_of,
                        .replay_open = was_open};
    long long client;
    qs_error rc = qs_store_put_admin(R->store, &a, res, out, &client, d);
    if (rc)
        return rc;
    crash_point();
    fc->n_new += *out == QS_ADMIN_NEW;
    fc->n_changed += *out == QS_ADMIN_CHANGED;
    fc->n_same += *out == QS_ADMIN_UNCHANGED || *out == QS_ADMIN_SUPERSEDED;
    if (*out == QS_ADMIN_CONFLICT)
        return QS_OK;
    if ((*out == QS_ADMIN_NEW || *out == QS_ADMIN_CHANGED) && !touch_client(R, client)) {
        qs_diag_set(d, NULL, 0, 0, NULL, "out of memory");
        return QS_ENOMEM;
    }
    return QS_OK;
}

/* Flags a scored row raised (validity flags included). */
static void count_flags(const qs_instrument *inst, const qs_result *res, struct file_counts *fc)
{
    for (size_t k = 0; k < inst->nflags; k++)
        fc->flags += res->flags[k] == QS_TRI_TRUE;
    fc->flags += (res->validity.careless == QS_TRI_TRUE) + (res->validity.invalid == QS_TRI_TRUE);
}

/* Quarantine one row of `src`, continuing the open row it matches (its first run is kept). Whose
 * row it is (client id, group, therapist: what could be read) is kept with it, never an answer. */
static qs_error quarantine_row(struct runner *R, const qs_source *src, const qs_admin *adm,
                               const qs_row_problems *probs, long long file_id, const char *sha,
                               long long origin, struct open_rows *open, struct file_counts *fc,
                               qs_diag *d)
{
    int by_key;
    const char *key = quarantine_key(R, adm, probs);
    qs_store_open_row *was =
        open_rows_match(open, sha, key, probs->line, origin, R->replay_of != 0, &by_key);
    long long first = was ? was->first_run : R->opts->run_id;
    const qs_store_row_who who = {src->site, adm->client_id, adm->group, adm->therapist};
    qs_error rc = resolve(R, was, "quarantined again", fc, d);
    if (!rc)
        rc = qs_store_add_quarantine(R->store, file_id, probs, first, key, &who, d);
    fc->resolved -= was != NULL; /* carried over, not resolved */
    if (!rc)
        crash_point();
    return rc;
}

/* A response id that another source's client already has: the row is quarantined. */
static qs_error quarantine_conflict(struct runner *R, const qs_source *src, const qs_admin *adm,
                                    long long file_id, const char *sha, long long origin,
                                    struct open_rows *open, struct file_counts *fc, qs_diag *d)
{
    qs_row_problems p;
    memset(&p, 0, sizeof(p));
    p.line = adm->line;
    snprintf(p.response_id, sizeof(p.response_id), "%s", adm->response_id);
    p.count = 1;
    p.items[0].kind = QS_PROBLEM_DUPLICATE;
    snprintf(p.items[0].value, sizeof(p.items[0].value), "%s", adm->response_id);
    snprintf(p.items[0].reason, sizeof(p.items[0].reason),
             "response id already stored for another client by another source: map a response "
             "id that is unique across the sources, or give the sources different sites");
    fc->quarantined++;
    return quarantine_row(R, src, adm, &p, file_id, sha, origin, open, fc, d);
}

/* Read every row of the file: store, quarantine or count it. */
static qs_error ingest_rows(struct runner *R, const qs_source *src, const qs_instrument *inst,
                            const qs_mapping *map, const char *norm_id, qs_scorer *scorer,
                            qs_ingest *g, long long file_id, const char *sha,
                            struct open_rows *open, struct file_counts *fc, qs_diag *d)
{
    const int replay = R->replay_of != 0;
    const long long origin = replay ? R->replay_of : file_id;
    int by_key;
    for (;;) {
        qs_admin adm;
        qs_row_problems probs;
        qs_error rc = qs_ingest_next(g, &adm, &probs, d);
        if (rc == QS_EEOF)
            return QS_OK;
        if (rc == QS_ENOANSWER) { /* that questionnaire was not given: nothing to store */
            fc->not_admin++;
            rc = resolve(
                R,
                open_rows_match(open, sha, row_key(R, &adm), probs.line, origin, replay, &by_key),
                "not administered", fc, d);
            if (rc)
                return rc;
            continue;
        }
        if (rc == QS_EDATA) {
            fc->quarantined++;
            if (R->opts->dry_run)
                continue;
            rc = quarantine_row(R, src, &adm, &probs, file_id, sha, origin, open, fc, d);
            if (rc)
                return rc;
            continue;
        }
        if (rc)
            return rc;
        const qs_result *res = qs_scorer_run(scorer, adm.answers, adm.checks);
        if (R->opts->dry_run) {
            fc->scored++;
            count_flags(inst, res, fc);
            continue;
        }
        qs_store_open_row *was =
            open_rows_match(open, sha, row_key(R, &adm), adm.line, origin, replay, &by_key);
        if (replay && !was) {
            /* A replay stores only the rows it quarantined before: the others were stored
             * then, and come out unchanged whatever the mapping now reads in them. */
            fc->scored++;
            fc->n_same++;
            continue;
        }
        qs_admin_outcome out;
        rc = store_admin(R, src, inst, map, norm_id, &adm, res, file_id, was != NULL, fc, &out, d);
        if (rc)
            return rc;
        if (out == QS_ADMIN_CONFLICT) {
            rc = quarantine_conflict(R, src, &adm, file_id, sha, origin, open, fc, d);
            if (rc)
                return rc;
            continue;
        }
        fc->scored++;
        count_flags(inst, res, fc);
        rc = resolve(R, was,
                     out == QS_ADMIN_SUPERSEDED ? "superseded by a later version"
                     : by_key                   ? "stored from a later export"
                                                : "scored",
                     fc, d);
        if (rc)
            return rc;
    }
}

/* The change rows of every client the file touched, then the file's counts. */
/* The change rows of every client touched since R->ntouched was last reset. */
static qs_error finish_touched(struct runner *R, const qs_instrument *inst, int norm, qs_diag *d)
{
    qs_error rc = QS_OK;
    if (R->ntouched)
        qsort(R->touched, R->ntouched, sizeof(long long), cmp_ll);
    for (size_t i = 0; i < R->ntouched && !rc; i++) {
        if (i && R->touched[i] == R->touched[i - 1])
            continue;
        rc = qs_store_update_changes_nif(R->store, R->touched[i], inst, norm, R->nifs, d);
    }
    return rc;
}

static qs_error finish_file(struct runner *R, const qs_instrument *inst, int norm, qs_ingest *g,
                            long long file_id, const struct file_counts *fc, qs_diag *d)
{
    qs_error rc = finish_touched(R, inst, norm, d);
    if (!rc)
        rc = qs_store_file_counts(R->store, file_id, qs_ingest_rows(g), fc->scored, fc->quarantined,
                                  fc->not_admin, d);
    if (!rc && fc->quarantined)
        rc = qs_store_run_quarantine_pending(R->store, R->opts->run_id, 1, d);
    return rc;
}

/* 1 when the file at `path` is no longer what `st` described (or is gone). */
static int changed_since(const char *path, const struct stat *st)
{
    struct stat now;
    if (stat(path, &now) != 0)
        return 1;
    return now.st_size != st->st_size || now.st_ino != st->st_ino ||
           now.st_mtim.tv_sec != st->st_mtim.tv_sec || now.st_mtim.tv_nsec != st->st_mtim.tv_nsec ||
           now.st_ctim.tv_sec != st->st_ctim.tv_sec || now.st_ctim.tv_nsec != st->st_ctim.tv_nsec;
}

/*
 * Process one file inside one transaction (see Design). `why` is "new", "changed", "replay"
 * or "retry", for the log.
 */
static qs_error ingest_file(struct runner *R, const qs_source *src, const qs_instrument *inst,
                            const qs_mapping *map, int norm, qs_scorer *scorer, const char *path,
                            const struct stat *st, const char *sha, const char *why)
{
    qs_diag d;
    qs_diag_list errs;
    qs_ingest *g = NULL;
    long long file_id = 0;
    struct file_counts fc;
    struct open_rows open;
    qs_file_problem fp;
    qs_error rc;
    int refused = 0;

    memset(&fc, 0, sizeof(fc));
    memset(&open, 0, sizeof(open));
    qs_diag_clear(&d);
    qs_diag_list_init(&errs);
    rc = qs_ingest_open(&g, path, path, inst, map, src->profile, &errs);
    if (rc) {
        for (size_t i = 0; i < errs.count; i++)
            qs_diag_list_push(R->errors, &errs.items[i]);
        qs_diag_list_release(&errs);
        return rc;
    }
    qs_ingest_require_unique_client_date(g);
    const char *norm_id = R->local_label[0] ? R->local_label
                          : norm >= 0       ? inst->norms[norm].id
                                            : NULL;
    if (!R->opts->dry_run) {
        crash_point();
        rc = qs_store_begin(R->store, &d);
        if (rc)
            goto done;
        qs_store_file f = {sha,
                           path,
                           (long long)st->st_size,
                           (long long)st->st_mtime,
                           src->id,
                           inst->id,
                           R->opts->run_id,
                           (long long)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec,
                           (long long)st->st_ino,
                           (long long)st->st_ctim.tv_sec * 1000000000LL + st->st_ctim.tv_nsec,
                           R->fingerprint,
                           R->replay_of};
        rc = qs_store_add_file(R->store, &f, &file_id, &d);
        if (!rc)
            rc = open_rows_load(&open, R->store, src->id, &d);
        if (rc)
            goto done;
    }
    R->ntouched = 0;
    rc = ingest_rows(R, src, inst, map, norm_id, scorer, g, file_id, sha, &open, &fc, &d);
    if (!rc && qs_ingest_file_problem(g, &fp)) {
        /* One cause on every row: the mapping (or the file's form), not the rows. */
        refused = 1;
        qs_diag_set(&d, path, 0, 0, fp.column[0] ? fp.column : NULL, "%s", fp.message);
        rc = QS_EINVALID;
        goto done;
    }
    if (!rc && !R->opts->dry_run && changed_since(path, st)) {
        /* Rewritten while it was read (an export tool writing in place): what was read may
         * not be the content that was hashed. Nothing of it is kept; the next run reads it. */
        rc = QS_EIO;
        qs_diag_set(&d, path, 0, 0, NULL,
                    "the file changed while it was read; nothing of it was stored, and the next "
                    "run reads it again");
        goto done;
    }
    if (!rc && !R->opts->dry_run) {
        rc = finish_file(R, inst, norm, g, file_id, &fc, &d);
        crash_point();
        if (!rc)
            rc = qs_store_commit(R->store, &d);
        crash_point();
    }
done:
    if (rc && !R->opts->dry_run)
        qs_store_rollback(R->store);
    if (rc) {
        if (!d.file[0])
            snprintf(d.file, sizeof(d.file), "%s", path);
        qs_diag_list_push(R->errors, &d);
        if (refused)
            event(R, "event=file_refused source=%s file=%s rows=%lu reason=one_cause_on_every_row",
                  src->id, path, qs_ingest_rows(g));
    } else {
        R->c->files_ingested++;
        R->c->rows_read += qs_ingest_rows(g);
        R->c->admins_new += fc.n_new;
        R->c->admins_changed += fc.n_changed;
        R->c->admins_unchanged += fc.n_same;
        R->c->rows_quarantined += fc.quarantined;
        R->c->flags_raised += fc.flags;
        R->c->rows_not_administered += fc.not_admin;
        R->c->rows_resolved += fc.resolved;
        event(R,
              "event=%s source=%s file=%s why=%s rows=%lu scored=%lu new=%lu changed=%lu "
              "unchanged=%lu quarantined=%lu not_administered=%lu resolved=%lu flags=%lu "
              "encoding=%s",
              R->opts->dry_run ? "file_would_ingest" : "file_ingested", src->id, path, why,
              qs_ingest_rows(g), fc.scored, fc.n_new, fc.n_changed, fc.n_same, fc.quarantined,
              fc.not_admin, fc.resolved, fc.flags,
              qs_encoding_name(qs_reader_encoding(qs_ingest_reader(g))));
        if (qs_ingest_ids_unchecked(g)) { /* a warning: the file is in, as documented */
            event(R, "event=warning source=%s file=%s unchecked_rows=%lu", src->id, path,
                  qs_ingest_ids_unchecked(g));
            qs_diag_list_add(R->errors, path, 0, 0, NULL,
                             "warning: %lu rows past the duplicate-check budget (about 1.78 "
                             "million ids per file) were not checked for repeated response ids "
                             "within the file; a repeat among them is stored as a new version",
                             qs_ingest_ids_unchecked(g));
        }
    }
    open_rows_free(&open);
    qs_ingest_free(g);
    qs_diag_list_release(&errs);
    return rc;
}

/*
 * What processes a source's files, as one SHA-256: the qscore version, the instrument and
 * mapping files' bytes, the profile and the site. When it changes, files with rows still
 * quarantined are processed again (a fix to the mapping, or a qscore that reads more).
 */
static qs_error source_fingerprint(const qs_source *src, const char *ih, char out[65], qs_diag *d)
{
    char mh[65] = "-", text[512];
    qs_error rc = QS_OK;
    if (src->mapping)
        rc = qs_sha256_file(src->mapping, mh, d);
    if (rc)
        return rc;
    int n = snprintf(text, sizeof(text), "qscore-source\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s",
                     qs_version(), ih, mh, qs_profile_name(src->profile), src->site);
    qs_sha256_hex(text, n > 0 && (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1, out);
    return QS_OK;
}

static long long ns_of(struct timespec t)
{
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* A processed content with open rows is processed again on --retry or a new fingerprint. */
static const char *replay_why(struct runner *R, const qs_store_file_seen *seen)
{
    if (!seen->open_quarantined)
        return NULL;
    if (R->opts->retry)
        return "retry";
    return strcmp(seen->fingerprint, R->fingerprint) != 0 ? "replay" : NULL;
}

/*
 * Has this source processed the file (see Design)? *why receives "new", "changed", "replay"
 * or "retry" when it is to be processed, NULL when it is to be skipped (*skip_why says why).
 * sha receives the content's SHA-256; R->replay_of the origin of the processing a replay
 * repeats (0 otherwise).
 */
static qs_error decide(struct runner *R, const qs_source *src, const char *path,
                       const struct stat *st, char sha[65], const char **why, const char **skip_why,
                       qs_diag *d)
{
    qs_store_file_seen seen, copy;
    qs_error rc;
    *why = "new";
    *skip_why = NULL;
    R->replay_of = 0;
    if (!R->store) /* a dry run before the first run: everything is new */
        return qs_sha256_file(path, sha, d);
    rc = qs_store_file_latest(R->store, src->id, path, &seen, d);
    if (rc)
        return rc;
    if (seen.found) {
        /* The quick check may only confirm "unchanged"; any difference lets the content
         * decide. */
        int quick = seen.size == (long long)st->st_size && seen.mtime_ns == ns_of(st->st_mtim) &&
                    seen.ctime_ns == ns_of(st->st_ctim) && seen.inode == (long long)st->st_ino;
        if (quick)
            memcpy(sha, seen.sha256, 65);
        else if ((rc = qs_sha256_file(path, sha, d)) != QS_OK)
            return rc;
        if (strcmp(sha, seen.sha256) == 0) {
            *why = replay_why(R, &seen);
            R->replay_of = *why ? seen.origin : 0;
            if (!*why)
                *skip_why = "already_ingested";
            return QS_OK;
        }
        *why = "changed"; /* even back to content it held before: A -> B -> A */
        return QS_OK;
    }
    if ((rc = qs_sha256_file(path, sha, d)) != QS_OK)
        return rc;
    /* A path new to the source: a copy of content processed under another path is not
     * processed again, unless rows of it are still open and a fix may let them in. */
    rc = qs_store_file_copy(R->store, src->id, sha, path, &copy, d);
    if (rc || !copy.found)
        return rc;
    const char *again = replay_why(R, &copy);
    if (again) {
        *why = again;
        R->replay_of = copy.origin;
    } else {
        *why = NULL;
        *skip_why = "copy_of_processed_file";
    }
    return QS_OK;
}

/*
 * The definitions in force for an instrument, as the store records them with each version's
 * derived values: "i:" the instrument file's SHA-256 (first 16 digits), " n:" the norm id
 * ("-": none), " o:" the clinic overrides' fingerprint ("-": none). Kept readable so a rescore
 * can say which part changed.
 */
static qs_error derived_fingerprint(struct runner *R, const char *ih, const char *inst_id,
                                    const char *norm_id, qs_diag *d)
{
    (void)d; /* no I/O: the instrument file's hash is the caller's */
    const char *o = qs_config_overrides_fingerprint(R->cfg, inst_id);
    snprintf(R->derived_fp, sizeof(R->derived_fp), "i:%.16s n:%s o:%.16s", ih,
             norm_id ? norm_id : "-", !o || strcmp(o, "none") == 0 ? "-" : o);
    return QS_OK;
}

/* Which part of a fingerprint changed, in words for the log. */
static const char *rescore_reason(const char *was, const char *now, int force)
{
    if (force)
        return "forced";
    if (!was[0])
        return "made_before_fingerprints";
    const char *parts[] = {"i:", " n:", " o:"};
    const char *names[] = {"instrument_changed", "norm_changed", "overrides_changed"};
    for (int k = 0; k < 3; k++) {
        const char *a = strstr(was, parts[k]), *b = strstr(now, parts[k]);
        const char *ae = k < 2 ? strstr(was, parts[k + 1]) : NULL;
        const char *be = k < 2 ? strstr(now, parts[k + 1]) : NULL;
        size_t al = a ? (ae ? (size_t)(ae - a) : strlen(a)) : 0;
        size_t bl = b ? (be ? (size_t)(be - b) : strlen(b)) : 0;
        if (!a || !b || al != bl || memcmp(a, b, al) != 0)
            return names[k];
    }
    return "definitions_changed";
}

struct rescore_ctx {
    struct runner *R;
    const qs_instrument *inst;
    qs_scorer *scorer;
    const char *norm_id;
    int *answers, *checks;
    unsigned long done, skipped;
    long long last;
    const char *reason;
    qs_diag *d;
};

static qs_error rescore_one(void *ctx, const qs_store_stale *row)
{
    struct rescore_ctx *c = ctx;
    struct runner *R = c->R;
    c->last = row->id;
    if (!c->reason)
        c->reason = rescore_reason(row->derived_fp, R->derived_fp, R->opts->rescore);
    if (!qs_store_parse_answers(row->answers, c->answers, c->inst->nitems) ||
        !qs_store_parse_answers(row->checks, c->checks, c->inst->validity.nchecks)) {
        c->skipped++; /* stored with another item count: the definition no longer fits */
        return QS_OK;
    }
    const qs_result *res = qs_scorer_run(c->scorer, c->answers, c->checks);
    qs_error rc =
        qs_store_rederive(R->store, row->id, c->inst, res, c->norm_id, R->derived_fp, c->d);
    if (!rc && !touch_client(R, row->client)) {
        qs_diag_set(c->d, NULL, 0, 0, NULL, "out of memory");
        rc = QS_ENOMEM;
    }
    c->done++;
    return rc;
}

/* 1 the first time this run sees `id` (and notes it), 0 after. */
static int first_rescore_of(struct runner *R, const char *id)
{
    for (size_t i = 0; i < R->nrescored; i++)
        if (strcmp(R->rescored[i], id) == 0)
            return 0;
    if (R->nrescored < sizeof(R->rescored) / sizeof(R->rescored[0]))
        snprintf(R->rescored[R->nrescored++], sizeof(R->rescored[0]), "%s", id);
    return 1;
}

/*
 * Recompute the derived values of every current version of the instrument that the
 * definitions in force did not make (or of all, with --rescore), from its stored answers: one
 * transaction for the instrument, then the change rows of the clients it touched. Versions are
 * never added: the answers did not change.
 */
static qs_error rescore(struct runner *R, const qs_instrument *inst, int norm, const char *norm_id,
                        qs_scorer *scorer, qs_diag *d)
{
    if (R->opts->dry_run || !R->store || (R->opts->rescore && !first_rescore_of(R, inst->id)))
        return QS_OK;
    struct rescore_ctx c = {R, inst, scorer, norm_id, NULL, NULL, 0, 0, 0, NULL, d};
    c.answers = malloc((inst->nitems ? inst->nitems : 1) * sizeof(int));
    c.checks = malloc((inst->validity.nchecks ? inst->validity.nchecks : 1) * sizeof(int));
    qs_error rc = c.answers && c.checks ? qs_store_begin(R->store, d) : QS_ENOMEM;
    R->ntouched = 0;
    size_t n = 1000;
    while (!rc && n == 1000)
        rc = qs_store_each_stale(R->store, inst->id, R->derived_fp, R->opts->rescore, c.last, 1000,
                                 rescore_one, &c, &n, d);
    if (!rc)
        rc = finish_touched(R, inst, norm, d);
    int began = c.answers && c.checks;
    if (!rc)
        rc = qs_store_commit(R->store, d);
    else if (began)
        qs_store_rollback(R->store);
    if (rc == QS_ENOMEM && !d->message[0])
        qs_diag_set(d, NULL, 0, 0, NULL, "out of memory");
    if (!rc && (c.done || c.skipped))
        event(R, "event=rescored instrument=%s rescored=%lu not_rescorable=%lu reason=%s", inst->id,
              c.done, c.skipped, c.reason ? c.reason : "definitions_changed");
    R->c->rescored += c.done;
    free(c.answers);
    free(c.checks);
    return rc;
}

/*
 * One definition per instrument id: administrations are keyed by instrument id, so two sources
 * loading different files of one id would score each other's administrations again and again.
 */
static qs_error one_definition(struct runner *R, const qs_source *src, const qs_instrument *inst,
                               const char *sha, qs_diag *d)
{
    for (size_t i = 0; i < R->ndefs; i++) {
        if (strcmp(R->defs[i].id, inst->id) != 0)
            continue;
        if (strcmp(R->defs[i].sha, sha) == 0)
            return QS_OK;
        qs_diag_set(d, R->cfg->path, 0, 0, "sources",
                    "sources '%s' and '%s' load instrument '%s' from files that differ: give "
                    "them one definition file, or give one of them another instrument id",
                    R->defs[i].source, src->id, inst->id);
        return QS_EINVALID;
    }
    if (R->ndefs < sizeof(R->defs) / sizeof(R->defs[0])) {
        snprintf(R->defs[R->ndefs].id, sizeof(R->defs[0].id), "%s", inst->id);
        snprintf(R->defs[R->ndefs].sha, sizeof(R->defs[0].sha), "%s", sha);
        snprintf(R->defs[R->ndefs].source, sizeof(R->defs[0].source), "%s", src->id);
        R->ndefs++;
    }
    return QS_OK;
}

/*
 * The local norm in force for the instrument (docs/norms.md): the latest snapshot, made now in
 * its own transaction when the store first holds min_n clients with a valid administration.
 * The scorer and the change rows then use it; until there is one, z, T, percentiles and
 * reliable change are not computable, with the shortfall as the reason.
 */
static qs_error use_local_norm(struct runner *R, const qs_instrument *inst, long min_n,
                               const char *definition, int create, qs_scorer *scorer,
                               qs_local_norm *ln, qs_diag *d)
{
    int write = create && !R->opts->dry_run && R->store;
    qs_error rc = QS_OK;
    if (!R->store) { /* a dry run before the first run: no clients yet */
        ln->min_n = min_n;
        snprintf(R->local_fp, sizeof(R->local_fp), "local-pending-0");
        return QS_OK;
    }
    if (write)
        rc = qs_store_begin(R->store, d);
    if (!rc)
        rc = qs_store_local_norm(R->store, inst, min_n, definition, R->opts->now, write, ln, d);
    if (write)
        rc = rc ? (qs_store_rollback(R->store), rc) : qs_store_commit(R->store, d);
    if (rc)
        return rc;
    if (ln->made)
        event(R, "event=local_norm_made instrument=%s snapshot=%ld clients=%ld", inst->id,
              ln->snapshot, ln->n);
    R->nifs = ln->nif;
    if (ln->snapshot) {
        snprintf(R->local_label, sizeof(R->local_label), "local#%ld", ln->snapshot);
        snprintf(R->local_fp, sizeof(R->local_fp), "local#%ld", ln->snapshot);
    } else {
        snprintf(R->local_fp, sizeof(R->local_fp), "local-pending-%ld", ln->n);
    }
    return qs_scorer_use_norms(scorer, ln->nif);
}

/* Each file the source's globs matched: skip it, or process it (see Design). QS_ESTORE or
 * QS_ENOMEM stop the source; other failures are counted and the next file goes on. */
static qs_error process_paths(struct runner *R, const qs_source *src, const qs_instrument *inst,
                              const qs_mapping *map, int norm, qs_scorer *scorer, char **paths,
                              size_t npaths, unsigned long *done, unsigned long total)
{
    qs_diag d;
    qs_diag_clear(&d);
    for (size_t i = 0; i < npaths; i++) {
        const char *path = paths[i];
        struct stat st;
        char sha[65];
        const char *why, *skip_why;
        (*done)++;
        if (R->progress)
            R->progress(R->ctx, *done, total, path);
        R->c->files_seen++;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            qs_diag_list_add(R->errors, path, 0, 0, NULL, "cannot read '%s': %s", path,
                             strerror(errno ? errno : EINVAL));
            R->c->files_failed++;
            continue;
        }
        qs_error rc = decide(R, src, path, &st, sha, &why, &skip_why, &d);
        if (rc) {
            qs_diag_list_push(R->errors, &d);
            R->c->files_failed++;
            if (rc == QS_ESTORE || rc == QS_ENOMEM)
                return rc;
            continue;
        }
        if (!why) {
            R->c->files_skipped++;
            event(R, "event=file_skipped source=%s file=%s reason=%s", src->id, path, skip_why);
            continue;
        }
        rc = ingest_file(R, src, inst, map, norm, scorer, path, &st, sha, why);
        if (rc) {
            R->c->files_failed++;
            event(R, "event=file_failed source=%s file=%s error=%s", src->id, path,
                  qs_error_name(rc));
            if (rc == QS_ESTORE || rc == QS_ENOMEM)
                return rc;
        }
    }
    return QS_OK;
}

static qs_error run_source(struct runner *R, const qs_source *src, unsigned long *done,
                           unsigned long total, char **paths, size_t npaths)
{
    qs_diag d;
    qs_diag_list errs;
    qs_instrument *inst = NULL;
    qs_mapping *map = NULL;
    qs_scorer *scorer = NULL;
    char ipath[4096], ish[65];
    qs_error rc;
    int norm = -1;
    qs_local_norm local;

    memset(&local, 0, sizeof(local));
    R->nifs = NULL;
    R->local_label[0] = R->local_fp[0] = '\0';
    qs_diag_clear(&d);
    qs_diag_list_init(&errs);
    rc = qs_instrument_find(ipath, sizeof(ipath), src->instrument, &d);
    if (!rc)
        rc = qs_sha256_file(ipath, ish, &d); /* read once: every fingerprint below uses it */
    if (!rc)
        rc = source_fingerprint(src, ish, R->fingerprint, &d);
    if (rc) {
        qs_diag_list_push(R->errors, &d);
        goto fail;
    }
    rc = qs_instrument_load(&inst, ipath, &errs);
    if (!rc) /* the clinic's settings (cutoffs, severities, flags turned off) */
        rc = qs_config_apply_overrides(R->cfg, inst, &errs);
    if (!rc)
        rc = src->mapping ? qs_mapping_load(&map, src->mapping, &errs) : qs_mapping_default(&map);
    for (size_t i = 0; i < errs.count; i++)
        qs_diag_list_push(R->errors, &errs.items[i]);
    if (rc)
        goto fail;
    const char *norm_id = qs_config_norm_for(R->cfg, inst->id);
    long local_min_n = qs_config_local_norm(R->cfg, inst->id);
    if (local_min_n) {
        norm_id = NULL; /* set below from the snapshot in force */
    } else if (norm_id && (norm = qs_instrument_norm_index(inst, norm_id)) < 0) {
        qs_diag_list_add(R->errors, R->cfg->path, 0, 0, "norms", "'%s' has no norm population '%s'",
                         inst->id, norm_id);
        rc = QS_EINVALID;
        goto fail;
    }
    rc = one_definition(R, src, inst, ish, &d);
    if (rc) {
        qs_diag_list_push(R->errors, &d);
        goto fail;
    }
    rc = qs_scorer_new(&scorer, inst, norm);
    char definition[40];
    if (!rc && local_min_n)
        snprintf(definition, sizeof(definition), "i:%.16s",
                 ish); /* as qs_store_local_norm_definition */
    /* An existing snapshot only: a first one is made after this run's files, from values
     * recomputed with the definitions in force (below). */
    if (!rc && local_min_n)
        rc = use_local_norm(R, inst, local_min_n, definition, 0, scorer, &local, &d);
    if (!rc && local_min_n)
        norm_id = R->local_fp;
    if (!rc)
        rc = derived_fingerprint(R, ish, inst->id, norm_id, &d);
    if (!rc)
        rc = rescore(R, inst, norm, R->local_label[0] ? R->local_label : norm_id, scorer, &d);
    if (rc) {
        if (d.message[0])
            qs_diag_list_push(R->errors, &d);
        goto fail;
    }
    rc = process_paths(R, src, inst, map, norm, scorer, paths, npaths, done, total);
    if (rc)
        goto fail;
    rc = QS_OK;
    if (local_min_n && !local.snapshot && !R->opts->dry_run && R->store) {
        /* This run's files may have brought the clients a first snapshot needs (or more of
         * them, which the reason in words counts). */
        char before[sizeof(R->local_fp)];
        snprintf(before, sizeof(before), "%s", R->local_fp);
        qs_local_norm_release(&local);
        rc = use_local_norm(R, inst, local_min_n, definition, 1, scorer, &local, &d);
        if (!rc && strcmp(before, R->local_fp) != 0) {
            rc = derived_fingerprint(R, ish, inst->id, R->local_fp, &d);
            int forced = R->opts->rescore; /* the stale ones now, whatever --rescore did */
            R->opts->rescore = 0;
            if (!rc)
                rc = rescore(R, inst, norm, R->local_label, scorer, &d);
            R->opts->rescore = forced;
        }
        if (rc && d.message[0])
            qs_diag_list_push(R->errors, &d);
    }
fail:
    if (rc)
        event(R, "event=source_failed source=%s error=%s", src->id, qs_error_name(rc));
    R->nifs = NULL;
    R->local_label[0] = R->local_fp[0] = '\0';
    qs_local_norm_release(&local);
    qs_scorer_free(scorer);
    qs_mapping_free(map);
    qs_instrument_free(inst);
    qs_diag_list_release(&errs);
    return rc;
}

/* Expand every source's globs first: the progress total, and a sorted, stable order. */
static qs_error expand_globs(const qs_config *cfg, glob_t *globs, unsigned long *total,
                             qs_diag_list *errors)
{
    for (size_t i = 0; i < cfg->nsources; i++) {
        int flags = 0;
        for (size_t k = 0; k < cfg->sources[i].nfiles; k++) {
            int g = glob(cfg->sources[i].files[k], flags, NULL, &globs[i]);
            if (g == GLOB_NOSPACE) {
                qs_diag_list_add(errors, cfg->path, 0, 0, "sources",
                                 "out of memory listing the files of '%s'",
                                 cfg->sources[i].files[k]);
                return QS_ENOMEM;
            }
            if (g != 0 && g != GLOB_NOMATCH) {
                qs_diag_list_add(errors, cfg->path, 0, 0, "sources",
                                 "cannot list the files of '%s' (source '%s'): a folder could "
                                 "not be read",
                                 cfg->sources[i].files[k], cfg->sources[i].id);
                return QS_EIO;
            }
            flags = GLOB_APPEND;
        }
        *total += globs[i].gl_pathc;
    }
    return QS_OK;
}

/* The log is secondary (stderr has every event too): a log that cannot be opened is said, and
 * the run goes on. */
static void open_log(struct runner *R)
{
    char logpath[4200];
    int n = snprintf(logpath, sizeof(logpath), "%s/qscore.log", R->cfg->output);
    if (n > 0 && (size_t)n < sizeof(logpath))
        R->logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (R->logfd < 0)
        qs_diag_list_add(R->errors, R->cfg->path, 0, 0, "output",
                         "cannot open the log '%s': %s; events go to stderr only", logpath,
                         n > 0 && (size_t)n < sizeof(logpath) ? strerror(errno) : "path too long");
}

/*
 * Take the lock, open the store and record the run (*recorded set: from then on every failure
 * ends the run as "failed", never leaves it "running", which the next run would take for a
 * kill), open the log, and write the quarantine files earlier runs could not. A dry run opens
 * an existing store read-only and records nothing.
 */
static qs_error start_run(struct runner *R, int *lockfd, int *recorded)
{
    const qs_config *cfg = R->cfg;
    qs_diag d;
    qs_error rc = QS_OK;
    qs_diag_clear(&d);
    *recorded = 0;
    if (R->opts->dry_run) {
        if (access(cfg->store, F_OK) == 0 && (rc = qs_store_open(&R->store, cfg->store, 1, &d)))
            qs_diag_list_push(R->errors, &d);
        return rc;
    }
    if (qs_mkdir_p(cfg->output) != 0) {
        qs_diag_list_add(R->errors, cfg->path, 0, 0, "output",
                         "cannot create the output folder '%s': %s", cfg->output, strerror(errno));
        return QS_EIO;
    }
    /* The store's folder, like the output folder, is made on the first run (0700). */
    char sdir[4096];
    const char *slash = strrchr(cfg->store, '/');
    if (slash && (size_t)(slash - cfg->store) < sizeof(sdir) && slash != cfg->store) {
        memcpy(sdir, cfg->store, (size_t)(slash - cfg->store));
        sdir[slash - cfg->store] = '\0';
        if (qs_mkdir_p(sdir) != 0) {
            qs_diag_list_add(R->errors, cfg->path, 0, 0, "store",
                             "cannot create the store's folder '%s': %s", sdir, strerror(errno));
            return QS_EIO;
        }
    }
    rc = qs_store_lock(cfg->store, lockfd, &d);
    if (!rc)
        rc = qs_store_open(&R->store, cfg->store, 0, &d);
    if (!rc)
        rc = qs_store_run_begin(R->store, R->opts->now, &R->opts->run_id, &d);
    if (rc) {
        qs_diag_list_push(R->errors, &d);
        return rc;
    }
    *recorded = 1;
    open_log(R); /* before recovery, so its events are logged */
    event(R, "event=temp_swept count=%u", qs_atomic_sweep(cfg->output, "reports", time(NULL)));
    rc = recover_pending(R, &d);
    if (rc)
        qs_diag_list_push(R->errors, &d);
    return rc;
}

/* This run's quarantine file, from the store; one that cannot be written stays pending. */
static qs_error write_own_quarantine(struct runner *R)
{
    qs_diag qd;
    qs_diag_clear(&qd);
    qs_run_opts *opts = R->opts;
    if (write_quarantine(R, opts->run_id, opts->quarantine_path, sizeof(opts->quarantine_path),
                         &qd)) {
        /* Still pending in the store: the next run writes it. */
        qs_diag_list_add(R->errors, qd.file[0] ? qd.file : NULL, 0, 0, NULL,
                         "%s; the quarantined rows are kept in the store and the next run "
                         "writes this file",
                         qd.message);
        event(R, "event=quarantine_write_failed run_of=%lld", opts->run_id);
        return QS_EIO;
    }
    if (qs_store_run_quarantine_pending(R->store, opts->run_id, 0, &qd)) {
        qs_diag_list_push(R->errors, &qd);
        return QS_ESTORE;
    }
    return QS_OK;
}

/* End a recorded run: its quarantine file, its row in the store, and one status for the store
 * and the log. Returns the run's final error. */
static qs_error finish_run(struct runner *R, qs_error rc, int recorded)
{
    qs_run_counts *c = R->c;
    qs_diag d;
    qs_diag_clear(&d);
    if (recorded && c->rows_quarantined) {
        qs_error q = write_own_quarantine(R);
        if (!rc)
            rc = q;
    }
    crash_point();
    if (!rc && R->deferred)
        rc = R->deferred;
    const char *status = rc ? "failed" : c->rows_quarantined ? "quarantined" : "ok";
    if (recorded && qs_store_run_end(R->store, R->opts->run_id, R->opts->now, status, c, &d)) {
        qs_diag_list_push(R->errors, &d);
        if (!rc)
            rc = QS_ESTORE;
        status = "failed";
    }
    event(R,
          "event=run_finished status=%s%s%s files_seen=%lu ingested=%lu skipped=%lu failed=%lu "
          "rows=%lu new=%lu changed=%lu unchanged=%lu quarantined=%lu not_administered=%lu "
          "resolved=%lu flags=%lu",
          status, rc ? " error=" : "", rc ? qs_error_name(rc) : "", c->files_seen,
          c->files_ingested, c->files_skipped, c->files_failed, c->rows_read, c->admins_new,
          c->admins_changed, c->admins_unchanged, c->rows_quarantined, c->rows_not_administered,
          c->rows_resolved, c->flags_raised);
    return rc;
}

static void runner_release(struct runner *R)
{
    if (R->logfd >= 0)
        close(R->logfd);
    qs_store_close(R->store);
    free(R->touched);
    free(R->covbuf);
    free(R->key);
    free(R->dupkey);
}

qs_error qs_run_execute(const qs_config *cfg, qs_run_opts *opts, qs_run_log_fn log,
                        qs_run_progress_fn progress, void *ctx, qs_run_counts *counts,
                        qs_diag_list *errors)
{
    struct runner R;
    int lockfd = -1, recorded = 0;
    unsigned long total = 0, done = 0;

    memset(&R, 0, sizeof(R));
    memset(counts, 0, sizeof(*counts));
    R.cfg = cfg;
    R.opts = opts;
    R.log = log;
    R.progress = progress;
    R.ctx = ctx;
    R.c = counts;
    R.errors = errors;
    R.logfd = -1;
    opts->run_id = 0;
    opts->quarantine_path[0] = '\0';
    opts->lock_fd = -1;

    glob_t *globs = calloc(cfg->nsources ? cfg->nsources : 1, sizeof(glob_t));
    if (!globs)
        return QS_ENOMEM;
    qs_error rc = expand_globs(cfg, globs, &total, errors);
    int started = 0;
    if (!rc)
        rc = start_run(&R, &lockfd, &recorded);
    if (!rc) {
        started = 1;
        event(&R, "event=run_started dry_run=%d sources=%zu files=%lu", opts->dry_run,
              cfg->nsources, total);
        qs_error worst = QS_OK;
        for (size_t i = 0; i < cfg->nsources && !rc; i++) {
            qs_error src_rc = run_source(&R, &cfg->sources[i], &done, total, globs[i].gl_pathv,
                                         globs[i].gl_pathc);
            if (src_rc == QS_ESTORE || src_rc == QS_ENOMEM)
                rc = src_rc; /* the store or memory failed: stop */
            else if (src_rc)
                worst = QS_EDATA;
        }
        if (!rc)
            rc = counts->files_failed ? QS_EDATA : worst;
    }
    if (recorded || started)
        rc = finish_run(&R, rc, recorded);
    opts->crash_points = crash_seen;
    runner_release(&R);
    if (opts->keep_lock)
        opts->lock_fd = lockfd; /* the caller writes the workbooks under it */
    else
        qs_store_unlock(lockfd);
    for (size_t i = 0; i < cfg->nsources; i++)
        globfree(&globs[i]);
    free(globs);
    return rc;
}
