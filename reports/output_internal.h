/* output_internal.h - the wide writer behind qs_out (output.c dispatches to it). Internal. */
#ifndef QS_OUTPUT_INTERNAL_H
#define QS_OUTPUT_INTERNAL_H

#include <stdio.h>

#include "qscore/error.h"
#include "qscore/ingest.h"
#include "qscore/instrument.h"
#include "qscore/score.h"

typedef struct qs_wide qs_wide;

/** A wide writer onto `fp` (borrowed); writes the header. QS_EINVALID: qs_out_wide_check. */
qs_error qs_wide__new(qs_wide **out, FILE *fp, const qs_instrument *inst, const char *norm_id);

/** One administration's row. QS_EIO once any write failed. */
qs_error qs_wide__write(qs_wide *w, const qs_admin *adm, const qs_result *res);

/** Flags raised so far (validity flags included). */
unsigned long qs_wide__flags_raised(const qs_wide *w);

/** Write what is buffered and flush `fp`; QS_EIO when any write failed. */
qs_error qs_wide__finish(qs_wide *w);

/** Free; NULL-safe (does not close the stream). */
void qs_wide__free(qs_wide *w);

#endif
