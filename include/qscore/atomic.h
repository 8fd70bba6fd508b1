/* qscore/atomic.h - files that appear complete or not at all: write a temporary, then rename. */
#ifndef QSCORE_ATOMIC_H
#define QSCORE_ATOMIC_H

#include <stdio.h>

#include "qscore/diag.h"
#include "qscore/error.h"

/*
 * qs_atomic_open creates a temporary file beside the target (same folder, so rename is atomic),
 * readable and writable by the owner only (outputs hold health data). qs_atomic_commit flushes,
 * syncs and renames it over the target; qs_atomic_abort removes it. A killed process leaves at
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

/** Flush, sync, close and rename into place. QS_EIO on any failure (the temporary is removed). */
qs_error qs_atomic_commit(qs_atomic_file *f, qs_diag *diag);

/** Close and remove the temporary if it is still open; safe after commit or on an unused handle. */
void qs_atomic_abort(qs_atomic_file *f);

/** Create `path` and its missing parents with mode 0700 (outputs hold health data); 0 or -1. */
int qs_mkdir_p(const char *path);

#endif
