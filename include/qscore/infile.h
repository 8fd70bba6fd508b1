/* qscore/infile.h - open an input file only if it is a regular file, never blocking. */
#ifndef QSCORE_INFILE_H
#define QSCORE_INFILE_H

#include <stdio.h>

#include "qscore/diag.h"
#include "qscore/error.h"

/*
 * Every file qscore reads (exports, instruments, mappings, configs, merge inputs, files it
 * hashes) is opened through qs_infile_open: a FIFO with no writer, a device (/dev/zero), a
 * directory or a kernel file (/proc, /sys: "regular" to stat, yet endless or blocking) would
 * otherwise hang a run that holds the store lock. The check is made on the opened descriptor
 * (fstat), so a symlink or a rename between a check and the open cannot slip past it, and the
 * open itself never blocks (O_NONBLOCK). Readers read at most the size seen at open.
 */

/**
 * Open `path` for reading. On QS_OK, *out is the open stream (the caller fcloses it) and *size
 * the file's size at open. QS_EIO with diag "cannot open 'DISPLAY': not a regular file" (or the
 * system's reason) otherwise; `display` names the file in messages (NULL: `path`).
 */
qs_error qs_infile_open(FILE **out, unsigned long long *size, const char *path, const char *display,
                        qs_diag *diag);

#endif
