/* store_internal.h - the store's SQLite handle, for read-side modules (report building). */
#ifndef QS_STORE_INTERNAL_H
#define QS_STORE_INTERNAL_H

#include <sqlite3.h>

#include "qscore/store.h"

/** The connection behind a store; lives as long as the store. Read-only use. */
sqlite3 *qs_store__db(qs_store *s);

#endif
