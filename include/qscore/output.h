/* qscore/output.h - the score file of `qscore score`: long CSV or JSON Lines (docs/score.md). */
#ifndef QSCORE_OUTPUT_H
#define QSCORE_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include "qscore/error.h"
#include "qscore/format.h" /* callers print numbers and flag text the same way */
#include "qscore/ingest.h"
#include "qscore/instrument.h"
#include "qscore/score.h"

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

#endif
