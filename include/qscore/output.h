/* qscore/output.h - score and quarantine files: long CSV, JSON Lines (docs/score.md). */
#ifndef QSCORE_OUTPUT_H
#define QSCORE_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include "qscore/error.h"
#include "qscore/ingest.h"
#include "qscore/instrument.h"
#include "qscore/score.h"
#include "qscore/store.h"

typedef enum qs_out_format { QS_OUT_CSV = 0, QS_OUT_JSON } qs_out_format;

typedef struct qs_out qs_out;

/**
 * A writer of scored administrations onto `fp` (borrowed: the caller closes it after
 * qs_out_finish). `norm_id` names the norm population in use, or NULL. Writes the CSV header.
 */
qs_error qs_out_new(qs_out **out, FILE *fp, qs_out_format format, const qs_instrument *inst,
                    const char *norm_id);

/** Write one administration's rows (CSV) or object (JSON). `source` names the input file. */
qs_error qs_out_write(qs_out *o, const qs_admin *adm, const qs_result *res, const char *source);

/** Flags raised so far (validity flags included). */
unsigned long qs_out_flags_raised(const qs_out *o);

/** Flush buffered output; QS_EIO when any write failed. */
qs_error qs_out_finish(qs_out *o);

/** Free; NULL-safe (does not close the stream). */
void qs_out_free(qs_out *o);

/**
 * The values flag `k` saw, as written in the CSV `detail` column: "FO=2.0833333333333335;
 * ER.t=38" for an instrument flag (k < inst->nflags; "missing" for a missing value), the indices
 * for the validity flags ("longstring=36; irv=0") with k == nflags (careless) and nflags + 1
 * (invalid).
 */
void qs_flag_detail(const qs_instrument *inst, size_t k, const qs_result *res, char *buf,
                    size_t size);

/** Id, label and because sentence of a validity flag (invalid = 0: careless); any may be NULL. */
void qs_validity_flag_text(int invalid, const char **id, const char **label, const char **because);

/** Write the quarantine header: source,line,response_id,column,value,reason. */
qs_error qs_quarantine_header(FILE *fp);

/** Write one line per problem of a rejected row. */
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

/**
 * Format `v` as the shortest text that reads back as the same double (integers without a
 * decimal point); "" for NaN. Returns the length.
 */
size_t qs_format_double(char *buf, size_t size, double v);

/** The reference implementation of qs_format_double (snprintf/strtod), for tests. */
size_t qs_format_double_slow(char *buf, size_t size, double v);

#endif
