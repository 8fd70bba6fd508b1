/* qscore/run.h - the nightly job: ingest what is new into the store, idempotently. */
#ifndef QSCORE_RUN_H
#define QSCORE_RUN_H

#include "qscore/config.h"
#include "qscore/diag.h"
#include "qscore/error.h"
#include "qscore/store.h"

typedef struct qs_run_opts {
    int dry_run;      /* read and score, write nothing (no store, no outputs, no log file) */
    int retry;        /* process again every file with rows still quarantined (--retry) */
    int rescore;      /* recompute every stored version's derived values (--rescore) */
    const char *now;  /* ISO 8601 time of the run (the caller's clock; tests fix it) */
    long long run_id; /* out: the run's id in the store (0 in a dry run) */
    char quarantine_path[4096]; /* out: the run's quarantine file, "" when none was written */
    long crash_points; /* out: crash points passed (tests: QSCORE_TEST_CRASH_AT, see run.c) */
    int keep_lock;     /* in: hand the store's writer lock over in lock_fd instead of releasing
                          it, so the caller writes the workbooks before another run starts */
    int lock_fd;       /* out: with keep_lock, the lock when the run took it, else -1; release
                          it with qs_store_unlock */
} qs_run_opts;

/*
 * Events: one line of key=value pairs per event ("event=file_ingested source=... rows=..."),
 * ids and counts only, never answers or names. The run writes them to OUTPUT/qscore.log (not in
 * a dry run) and hands each to `log` (may be NULL) for stderr.
 */
typedef void (*qs_run_log_fn)(void *ctx, const char *line);

/* Progress: called before each file with its 1-based position among the files to look at. */
typedef void (*qs_run_progress_fn)(void *ctx, unsigned long done, unsigned long total,
                                   const char *path);

/**
 * Run the nightly job for `cfg`. Takes the store's writer lock (QS_ELOCKED when another run
 * holds it), records the run, and ingests every source file not seen before, each file in its
 * own transaction; a file that fails is rolled back and reported, and the others go on. The
 * lock is released at the end, or handed to the caller with opts->keep_lock.
 * Returns QS_OK when all went in (`counts->rows_quarantined` may be > 0: exit status 1),
 * QS_EDATA when some file could not be ingested, QS_ELOCKED, or the first fatal error (store
 * or output folder unusable). `errors` receives every problem with its file and position.
 */
qs_error qs_run_execute(const qs_config *cfg, qs_run_opts *opts, qs_run_log_fn log,
                        qs_run_progress_fn progress, void *ctx, qs_run_counts *counts,
                        qs_diag_list *errors);

#endif
