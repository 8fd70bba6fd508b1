/* qscore/atomic.h - files that appear complete or not at all: write a temporary, then rename. */
#ifndef QSCORE_ATOMIC_H
#define QSCORE_ATOMIC_H

#include <stdio.h>
#include <time.h>

#include "qscore/diag.h"
#include "qscore/error.h"

/*
 * qs_atomic_open creates a temporary file beside the target (same folder, so rename is atomic),
 * readable and writable by the owner only (outputs hold health data). qs_atomic_commit flushes,
 * syncs and renames it over the target, then syncs the folder (so the rename itself survives a
 * power cut); qs_atomic_abort removes it. A killed process leaves at
 * most a stray ".NAME.tmp.XXXXXX" file, never a half-written NAME.
 */
typedef struct qs_atomic_file {
    FILE *fp;
    char tmp[4096];
    char path[4096];
} qs_atomic_file;

/** Prepare an unused handle (so qs_atomic_abort is always safe). */
void qs_atomic_init(qs_atomic_file *f);

/** Create the temporary for `path`. QS_EIO (diag says why) or QS_OK. */
qs_error qs_atomic_open(qs_atomic_file *f, const char *path, qs_diag *diag);

/**
 * Flush, sync, close, rename into place and sync the folder. QS_EIO on any failure (the
 * temporary is removed; when only the folder's sync failed, the file is in place).
 */
qs_error qs_atomic_commit(qs_atomic_file *f, qs_diag *diag);

/**
 * Sync the folder that holds `path` (after a rename into it). 0, or -1 with errno set. A file
 * system that cannot sync a folder (EINVAL) counts as success: there is nothing more to do.
 */
int qs_atomic_sync_dir(const char *path);

/** Close and remove the temporary if it is still open; safe after commit or on an unused handle. */
void qs_atomic_abort(qs_atomic_file *f);

/**
 * Remove the temporaries killed processes left: files named ".NAME.tmp.XXXXXX" in `dir` and in
 * its subfolder `sub` (NULL: none), regular (links are not followed), owned by this user and last
 * modified before `before` (so a temporary being written now is kept). The caller holds the lock
 * that keeps other writers of these folders out. Returns how many were removed; a folder that
 * cannot be read counts none.
 */
unsigned qs_atomic_sweep(const char *dir, const char *sub, time_t before);

/** Create `path` and its missing parents with mode 0700 (outputs hold health data); 0 or -1. */
int qs_mkdir_p(const char *path);

#endif
