/* qscore/output.h - `qscore score`'s output: long or wide CSV, or JSON Lines (docs/score.md). */
#ifndef QSCORE_OUTPUT_H
#define QSCORE_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include "qscore/diag.h"
#include "qscore/error.h"
#include "qscore/format.h" /* callers print numbers and flag text the same way */
#include "qscore/ingest.h"
#include "qscore/instrument.h"
#include "qscore/score.h"

/* CSV: long, one row per administration and measure; JSON: JSON Lines, one object per
 * administration; WIDE: CSV, one row per administration (docs/score.md "Wide format"). */
typedef enum qs_out_format { QS_OUT_CSV = 0, QS_OUT_JSON, QS_OUT_WIDE } qs_out_format;

typedef struct qs_out qs_out;

/**
 * A writer of scored administrations onto `fp` (borrowed: the caller closes it after
 * qs_out_finish). `norm_id` names the norm population in use, or NULL (the wide format has z, T
 * and percentile columns only with one). Writes the CSV header. QS_EINVALID for QS_OUT_WIDE
 * when qs_out_wide_check refuses the instrument. `inst` is borrowed until qs_out_free; the long
 * formats escape its ids, labels, severities, rules and sentences here, once, so changes made to
 * them afterwards are not written.
 */
qs_error qs_out_new(qs_out **out, FILE *fp, qs_out_format format, const qs_instrument *inst,
                    const char *norm_id);

/**
 * Whether the wide format can write `inst` (with z, T and percentile columns when `normed`):
 * its column names must differ, also ignoring ASCII case (DuckDB does). A score id can take a
 * fixed column's name (`group`) or another score's column's (`x_t` beside `x` with a norm).
 * Returns QS_OK, or QS_EINVALID with `diag` (may be NULL) naming both columns' origins.
 */
qs_error qs_out_wide_check(const qs_instrument *inst, int normed, qs_diag *diag);

/** Write one administration's rows (CSV), row (wide) or object (JSON). `source` names the input
 * file (not written by the wide format). */
qs_error qs_out_write(qs_out *o, const qs_admin *adm, const qs_result *res, const char *source);

/** Flags raised so far (validity flags included). */
unsigned long qs_out_flags_raised(const qs_out *o);

/** Flush buffered output; QS_EIO when any write failed. */
qs_error qs_out_finish(qs_out *o);

/** Free; NULL-safe (does not close the stream). */
void qs_out_free(qs_out *o);

#endif
