/* mapdraft_internal.h - the item-pattern search of mapdraft.c, for the ingest's messages. */
#ifndef QS_MAPDRAFT_INTERNAL_H
#define QS_MAPDRAFT_INTERNAL_H

#include <stddef.h>

#include "qscore/instrument.h"

/*
 * The one item_pattern that names exactly the items of `inst`, in order, in header row 1 (or,
 * when row 1 has none, row 2; `row2` may be NULL), as `qscore map` would choose it. Returns 1
 * and writes it to `out` (and its row to *row), or 0 when no single pattern fits (or on out of
 * memory: a hint, never needed).
 */
int qs_mapdraft__item_pattern(char *const *row1, char *const *row2, size_t ncols,
                              const qs_instrument *inst, char *out, size_t size, int *row);

#endif
