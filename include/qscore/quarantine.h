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
 * Staff open all three in spreadsheet programs to fix rows, so in all three a text cell that a
 * spreadsheet would run as a formula ('=', '+', '-', '@', a tab or a carriage return first, and
 * not a plain number such as "-99") is written with a leading apostrophe (docs/score.md
 * "Spreadsheet safety").
 */

/** Write the quarantine header: source,line,response_id,column,value,reason. */
qs_error qs_quarantine_header(FILE *fp);

/** Write one line per problem of a rejected row; QS_EIO when a write failed. */
qs_error qs_quarantine_write(FILE *fp, const char *source, const qs_row_problems *p);

/**
 * The CSV of `qscore quarantine`: header, then one line per quarantine line of the store:
 * source,file,line,response_id,column,value,reason,first_seen_run,first_seen,resolved_run,
 * resolved,resolution; text cells neutralised as above.
 */
qs_error qs_quarantine_list_header(FILE *fp);
qs_error qs_quarantine_list_row(FILE *fp, const qs_store_quarantined *q);

#endif
