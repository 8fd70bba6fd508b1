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

#include "qscore/atomic.h"
#include "qscore/ingest.h"
#include "qscore/output.h"
#include "qscore/score.h"

/*
 * Design. A run is: lock the store, record the run, then for each source and each file its
 * globs match (sorted, so runs are deterministic): skip it when the store knows its path, size
 * and mtime, or its SHA-256 (a renamed copy); otherwise ingest it inside one transaction --
 * file row, administrations (new, unchanged or a new version), scores, flags, and the change
 * rows of every client it touched -- and commit. A kill between commits loses nothing that was
 * committed and leaves no half file; the next run skips what is in and redoes the rest. Rows
 * that cannot be scored are stored with the file and written to this run's quarantine file at
 * the end (atomically); a killed run's quarantine is written by the next run.
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
    if (R->ntouched == R->cap_touched) {
        size_t cap = R->cap_touched ? R->cap_touched * 2 : 256;
        long long *t = realloc(R->touched, cap * sizeof(*t));
        if (!t)
            return 0;
        R->touched = t;
        R->cap_touched = cap;
    }
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
 * A killed run's quarantine file was never renamed into place: write it from the store, then
 * mark the run "killed_recovered" (also when it had no quarantined rows, or its file is there),
 * so it is done once: a file the user deletes later is not written again.
 */
static qs_error recover_killed(struct runner *R, qs_diag *d)
{
    long long ids[64];
    size_t n;
    qs_error rc;
    do {
        rc = qs_store_runs_with_status(R->store, "killed", ids, 64, &n, d);
        for (size_t i = 0; i < n && !rc; i++) {
            char path[4096], name[64];
            snprintf(name, sizeof(name), "quarantine-run%lld.csv", ids[i]);
            if (!qs_path_join(path, sizeof(path), R->cfg->output, name) ||
                access(path, F_OK) != 0) {
                rc = write_quarantine(R, ids[i], path, sizeof(path), d);
                if (!rc && path[0])
                    event(R, "event=quarantine_recovered killed_run=%lld file=%s", ids[i], path);
            }
            if (!rc)
                rc = qs_store_run_recovered(R->store, ids[i], d);
        }
    } while (!rc && n == 64); /* the next 64: those done are no longer "killed" */
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

/* Ingest one file inside one transaction. */
static qs_error ingest_file(struct runner *R, const qs_source *src, const qs_instrument *inst,
                            const qs_mapping *map, int norm, qs_scorer *scorer, const char *path,
                            const struct stat *st, const char *sha)
{
    qs_diag d;
    qs_diag_list errs;
    qs_ingest *g = NULL;
    long long file_id = 0;
    unsigned long scored = 0, quarantined = 0, n_new = 0, n_changed = 0, n_same = 0, flags = 0;
    qs_error rc;

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
    const char *norm_id = norm >= 0 ? inst->norms[norm].id : NULL;
    if (!R->opts->dry_run) {
        crash_point();
        rc = qs_store_begin(R->store, &d);
        if (rc)
            goto done;
        qs_store_file f = {sha,     path,     (long long)st->st_size, (long long)st->st_mtime,
                           src->id, inst->id, R->opts->run_id};
        rc = qs_store_add_file(R->store, &f, &file_id, &d);
        if (rc)
            goto done;
    }
    R->ntouched = 0;
    for (;;) {
        qs_admin adm;
        qs_row_problems probs;
        rc = qs_ingest_next(g, &adm, &probs, &d);
        if (rc == QS_EEOF) {
            rc = QS_OK;
            break;
        }
        if (rc == QS_EDATA) {
            quarantined++;
            if (!R->opts->dry_run) {
                rc = qs_store_add_quarantine(R->store, file_id, &probs, &d);
                if (rc)
                    goto done;
                crash_point();
            }
            continue;
        }
        if (rc)
            goto done;
        const qs_result *res = qs_scorer_run(scorer, adm.answers, adm.checks);
        scored++;
        for (size_t k = 0; k < inst->nflags; k++)
            flags += res->flags[k] == QS_TRI_TRUE;
        flags += (res->validity.careless == QS_TRI_TRUE) + (res->validity.invalid == QS_TRI_TRUE);
        if (R->opts->dry_run)
            continue;
        const char *key = response_key(R, &adm);
        const char *cov = covariates_text(R, &adm, map);
        if (!key || (!cov && adm.ncovariates)) {
            qs_diag_set(&d, NULL, 0, 0, NULL, "out of memory");
            rc = QS_ENOMEM;
            goto done;
        }
        qs_store_admin a = {src->site,     src->id,          inst,          norm_id,
                            key,           adm.response_id,  adm.client_id, adm.group,
                            adm.therapist, adm.administered, cov,           adm.answers,
                            adm.checks,    file_id,          adm.line,      R->opts->run_id};
        qs_admin_outcome out;
        long long client;
        rc = qs_store_put_admin(R->store, &a, res, &out, &client, &d);
        if (rc)
            goto done;
        crash_point();
        n_new += out == QS_ADMIN_NEW;
        n_changed += out == QS_ADMIN_CHANGED;
        n_same += out == QS_ADMIN_UNCHANGED;
        if (out != QS_ADMIN_UNCHANGED && !touch_client(R, client)) {
            rc = QS_ENOMEM;
            goto done;
        }
    }
    if (!R->opts->dry_run) {
        if (R->ntouched)
            qsort(R->touched, R->ntouched, sizeof(long long), cmp_ll);
        for (size_t i = 0; i < R->ntouched && !rc; i++) {
            if (i && R->touched[i] == R->touched[i - 1])
                continue;
            rc = qs_store_update_changes(R->store, R->touched[i], inst, norm, &d);
        }
        if (!rc)
            rc =
                qs_store_file_counts(R->store, file_id, qs_ingest_rows(g), scored, quarantined, &d);
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
    } else {
        R->c->files_ingested++;
        R->c->rows_read += qs_ingest_rows(g);
        R->c->admins_new += n_new;
        R->c->admins_changed += n_changed;
        R->c->admins_unchanged += n_same;
        R->c->rows_quarantined += quarantined;
        R->c->flags_raised += flags;
        event(R,
              "event=%s source=%s file=%s rows=%lu scored=%lu new=%lu changed=%lu "
              "unchanged=%lu quarantined=%lu flags=%lu",
              R->opts->dry_run ? "file_would_ingest" : "file_ingested", src->id, path,
              qs_ingest_rows(g), scored, n_new, n_changed, n_same, quarantined, flags);
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
    qs_ingest_free(g);
    qs_diag_list_release(&errs);
    return rc;
}

static qs_error run_source(struct runner *R, const qs_source *src, unsigned long *done,
                           unsigned long total, char **paths, size_t npaths)
{
    qs_diag d;
    qs_diag_list errs;
    qs_instrument *inst = NULL;
    qs_mapping *map = NULL;
    qs_scorer *scorer = NULL;
    char ipath[4096];
    qs_error rc;
    int norm = -1;

    qs_diag_clear(&d);
    qs_diag_list_init(&errs);
    rc = qs_instrument_find(ipath, sizeof(ipath), src->instrument, &d);
    if (rc) {
        qs_diag_list_push(R->errors, &d);
        goto fail;
    }
    rc = qs_instrument_load(&inst, ipath, &errs);
    if (!rc)
        rc = src->mapping ? qs_mapping_load(&map, src->mapping, &errs) : qs_mapping_default(&map);
    for (size_t i = 0; i < errs.count; i++)
        qs_diag_list_push(R->errors, &errs.items[i]);
    if (rc)
        goto fail;
    const char *norm_id = qs_config_norm_for(R->cfg, inst->id);
    if (norm_id && (norm = qs_instrument_norm_index(inst, norm_id)) < 0) {
        qs_diag_list_add(R->errors, R->cfg->path, 0, 0, "norms", "'%s' has no norm population '%s'",
                         inst->id, norm_id);
        rc = QS_EINVALID;
        goto fail;
    }
    rc = qs_scorer_new(&scorer, inst, norm);
    if (rc)
        goto fail;
    for (size_t i = 0; i < npaths; i++) {
        const char *path = paths[i];
        struct stat st;
        char sha[65];
        int known = 0;
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
        if (R->store) {
            rc = qs_store_file_known(R->store, path, (long long)st.st_size, (long long)st.st_mtime,
                                     NULL, &known, &d);
            if (!rc && !known) {
                rc = qs_sha256_file(path, sha, &d);
                if (!rc)
                    rc = qs_store_file_known(R->store, NULL, 0, 0, sha, &known, &d);
            }
            if (rc) {
                qs_diag_list_push(R->errors, &d);
                R->c->files_failed++;
                if (rc == QS_ESTORE)
                    goto fail;
                continue;
            }
        } else if (qs_sha256_file(path, sha, &d)) {
            qs_diag_list_push(R->errors, &d);
            R->c->files_failed++;
            continue;
        }
        if (known) {
            R->c->files_skipped++;
            event(R, "event=file_skipped source=%s file=%s reason=already_ingested", src->id, path);
            continue;
        }
        rc = ingest_file(R, src, inst, map, norm, scorer, path, &st, sha);
        if (rc) {
            R->c->files_failed++;
            event(R, "event=file_failed source=%s file=%s error=%s", src->id, path,
                  qs_error_name(rc));
            if (rc == QS_ESTORE || rc == QS_ENOMEM)
                goto fail;
        }
    }
    rc = QS_OK;
fail:
    if (rc)
        event(R, "event=source_failed source=%s error=%s", src->id, qs_error_name(rc));
    qs_scorer_free(scorer);
    qs_mapping_free(map);
    qs_instrument_free(inst);
    qs_diag_list_release(&errs);
    return rc;
}

qs_error qs_run_execute(const qs_config *cfg, qs_run_opts *opts, qs_run_log_fn log,
                        qs_run_progress_fn progress, void *ctx, qs_run_counts *counts,
                        qs_diag_list *errors)
{
    struct runner R;
    qs_diag d;
    qs_error rc = QS_OK;
    int lockfd = -1;
    glob_t *globs = NULL;
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
    qs_diag_clear(&d);

    /* Expand every source's globs first: the progress total, and sorted, stable order. */
    globs = calloc(cfg->nsources ? cfg->nsources : 1, sizeof(glob_t));
    if (!globs)
        return QS_ENOMEM;
    for (size_t i = 0; i < cfg->nsources; i++) {
        int flags = 0;
        for (size_t k = 0; k < cfg->sources[i].nfiles; k++) {
            int g = glob(cfg->sources[i].files[k], flags, NULL, &globs[i]);
            if (g == GLOB_NOSPACE) {
                qs_diag_list_add(errors, cfg->path, 0, 0, "sources",
                                 "out of memory listing the files of '%s'",
                                 cfg->sources[i].files[k]);
                rc = QS_ENOMEM;
                goto done;
            }
            if (g != 0 && g != GLOB_NOMATCH) {
                qs_diag_list_add(errors, cfg->path, 0, 0, "sources",
                                 "cannot list the files of '%s' (source '%s'): a folder could "
                                 "not be read",
                                 cfg->sources[i].files[k], cfg->sources[i].id);
                rc = QS_EIO;
                goto done;
            }
            flags = GLOB_APPEND;
        }
        total += globs[i].gl_pathc;
    }

    if (!opts->dry_run) {
        if (qs_mkdir_p(cfg->output) != 0) {
            qs_diag_list_add(errors, cfg->path, 0, 0, "output",
                             "cannot create the output folder '%s': %s", cfg->output,
                             strerror(errno));
            rc = QS_EIO;
            goto done;
        }
        rc = qs_store_lock(cfg->store, &lockfd, &d);
        if (rc) {
            qs_diag_list_push(errors, &d);
            goto done;
        }
        rc = qs_store_open(&R.store, cfg->store, 0, &d);
        if (!rc)
            rc = qs_store_run_begin(R.store, opts->now, &opts->run_id, &d);
        if (rc) {
            qs_diag_list_push(errors, &d);
            goto done;
        }
        /* The log is secondary (stderr has every event too): a log that cannot be opened is
         * said, and the run goes on. Opened before recovery, so its events are logged. */
        char logpath[4200];
        int n = snprintf(logpath, sizeof(logpath), "%s/qscore.log", cfg->output);
        if (n > 0 && (size_t)n < sizeof(logpath))
            R.logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (R.logfd < 0)
            qs_diag_list_add(errors, cfg->path, 0, 0, "output",
                             "cannot open the log '%s': %s; events go to stderr only", logpath,
                             n > 0 && (size_t)n < sizeof(logpath) ? strerror(errno)
                                                                  : "path too long");
        /* From here on the run is recorded: every failure ends it as "failed" (finish), never
         * leaves it "running" (which the next run would take for a kill). */
        rc = recover_killed(&R, &d);
        if (rc) {
            qs_diag_list_push(errors, &d);
            goto finish;
        }
    } else if (access(cfg->store, F_OK) == 0) {
        rc = qs_store_open(&R.store, cfg->store, 1, &d);
        if (rc) {
            qs_diag_list_push(errors, &d);
            goto done;
        }
    }
    event(&R, "event=run_started dry_run=%d sources=%zu files=%lu", opts->dry_run, cfg->nsources,
          total);

    qs_error worst = QS_OK;
    for (size_t i = 0; i < cfg->nsources; i++) {
        rc = run_source(&R, &cfg->sources[i], &done, total, globs[i].gl_pathv, globs[i].gl_pathc);
        if (rc == QS_ESTORE || rc == QS_ENOMEM)
            goto finish;
        if (rc)
            worst = QS_EDATA;
    }
    rc = counts->files_failed ? QS_EDATA : worst;

finish:
    if (R.store && !opts->dry_run && counts->rows_quarantined) {
        qs_diag qd;
        qs_diag_clear(&qd);
        if (write_quarantine(&R, opts->run_id, opts->quarantine_path, sizeof(opts->quarantine_path),
                             &qd)) {
            qs_diag_list_push(errors, &qd);
            if (!rc)
                rc = QS_EIO;
        }
    }
    crash_point();
    if (R.store && !opts->dry_run) {
        const char *status = rc ? "failed" : counts->rows_quarantined ? "quarantined" : "ok";
        if (qs_store_run_end(R.store, opts->run_id, opts->now, status, counts, &d)) {
            qs_diag_list_push(errors, &d);
            if (!rc)
                rc = QS_ESTORE;
        }
    }
    event(&R,
          "event=run_finished status=%s files_seen=%lu ingested=%lu skipped=%lu failed=%lu "
          "rows=%lu new=%lu changed=%lu unchanged=%lu quarantined=%lu flags=%lu",
          rc ? qs_error_name(rc) : "ok", counts->files_seen, counts->files_ingested,
          counts->files_skipped, counts->files_failed, counts->rows_read, counts->admins_new,
          counts->admins_changed, counts->admins_unchanged, counts->rows_quarantined,
          counts->flags_raised);
done:
    opts->crash_points = crash_seen;
    if (R.logfd >= 0)
        close(R.logfd);
    qs_store_close(R.store);
    qs_store_unlock(lockfd);
    for (size_t i = 0; globs && i < cfg->nsources; i++)
        globfree(&globs[i]);
    free(globs);
    free(R.touched);
    free(R.covbuf);
    free(R.key);
    return rc;
}
