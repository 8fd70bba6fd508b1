/* store_internal.h - the store's SQLite handle, for the store's own files (src/store*.c) only:
 * reports and exports read through qscore/store.h (tests/check_internal.sh enforces it). */
#ifndef QS_STORE_INTERNAL_H
#define QS_STORE_INTERNAL_H

#include <sqlite3.h>

#include "qscore/store.h"

/** The connection behind a store; lives as long as the store. */
sqlite3 *qs_store__db(qs_store *s);

/** An SQLite failure as the store says it: "store: WHAT: SQLite's message"; QS_ESTORE. */
qs_error qs_store__error(sqlite3 *db, qs_diag *diag, const char *what);

#endif
