/* qscore/pipeline.h - score one input: read, score, write, with the writing on its own thread. */
#ifndef QSCORE_PIPELINE_H
#define QSCORE_PIPELINE_H

#include <stdio.h>

#include "qscore/diag.h"
#include "qscore/error.h"
#include "qscore/ingest.h"
#include "qscore/output.h"
#include "qscore/score.h"

typedef struct qs_pipeline_stats {
    unsigned long scored;
    unsigned long quarantined;
} qs_pipeline_stats;

/**
 * Score every row of `g` with `scorer`, writing scored administrations to `out` and rejected
 * rows to `quarantine`, in input order. With `threads` >= 2 the output is formatted and written
 * on a second thread while the next rows are read and scored (the bytes written are the same
 * as with 1). `stats` is incremented. Returns QS_OK at the end of the input; QS_EIO when an
 * output could not be written, or the reader's QS_EIO/QS_ENOMEM, with `diag` set.
 */
qs_error qs_pipeline_run(qs_ingest *g, qs_scorer *scorer, const qs_instrument *inst, qs_out *out,
                         FILE *quarantine, const char *source, int threads,
                         qs_pipeline_stats *stats, qs_diag *diag);

#endif
