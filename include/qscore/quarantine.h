/* qscore/quarantine.h - the quarantine CSV files: rows that could not be scored. */
#ifndef QSCORE_QUARANTINE_H
#define QSCORE_QUARANTINE_H

#include <stdio.h>

#include "qscore/error.h"
#include "qscore/ingest.h"
#include "qscore/store.h"

/*
 * Two files share the row format: `qscore score --quarantine FILE` (written as rows are read)
 * and a run's quarantine-runN.csv (written from the store by qs_store_write_quarantine). The
 * store's full list, `qscore quarantine`, adds where each row came from and how it was resolved.
 */

/** Write the quarantine header: source,line,response_id,column,value,reason. */
qs_error qs_quarantine_header(FILE *fp);

/** Write one line per problem of a rejected row; QS_EIO when a write failed. */
qs_error qs_quarantine_write(FILE *fp, const char *source, const qs_row_problems *p);

/**
 * The CSV of `qscore quarantine`: header, then one line per quarantine line of the store:
 * source,file,line,response_id,column,value,reason,first_seen_run,first_seen,resolved_run,
 * resolved,resolution. Text that a spreadsheet would run as a formula (= + - @ first, or a
 * tab or carriage return first) is written with a leading apostrophe, so staff can open the
 * list in Excel safely.
 */
qs_error qs_quarantine_list_header(FILE *fp);
qs_error qs_quarantine_list_row(FILE *fp, const qs_store_quarantined *q);

#endif
