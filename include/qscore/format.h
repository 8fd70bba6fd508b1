/* qscore/format.h - numbers and flag text, written the same way by every output. */
#ifndef QSCORE_FORMAT_H
#define QSCORE_FORMAT_H

#include <stddef.h>

#include "qscore/instrument.h"
#include "qscore/score.h"

/*
 * The store (flag details, `qscore dump`), the score writer (CSV, JSON Lines), the workbooks
 * and the research exports all print numbers and flag reasons through this module, so the same
 * value reads the same everywhere: what a report shows is what the store holds.
 */

/**
 * Format `v` as the shortest text that reads back as the same double, the digits Python's
 * repr() picks, laid out as printf's %.15g would ("0.1", "2.0833333333333335", "1.5e-07",
 * "1e+20", "5e-324"; %.16g or %.17g when 16 or 17 digits are needed); whole numbers below 1e15
 * without a decimal point ("-0" is "0"); "inf", "-inf"; "" for NaN. `size` must be at least 32
 * (else "" is written). Returns the length. Thread-safe; no locale.
 */
size_t qs_format_double(char *buf, size_t size, double v);

/**
 * The values flag `k` saw, as written in the CSV `detail` column: "FO=2.0833333333333335;
 * ER.t=38" for an instrument flag (k < inst->nflags; "missing" for a missing value), the indices
 * for the validity flags ("longstring=36; irv=0") with k == nflags (careless) and nflags + 1
 * (invalid). Truncated to `size` (at least 1). Returns the length written.
 */
size_t qs_flag_detail(const qs_instrument *inst, size_t k, const qs_result *res, char *buf,
                      size_t size);

/**
 * Id, label and because sentence of a validity flag (invalid = 0: careless); any may be NULL.
 * The strings are static.
 */
void qs_validity_flag_text(int invalid, const char **id, const char **label, const char **because);

/** One condition behind a validity flag, e.g. "longstring > 18" and the value it saw. */
typedef struct qs_validity_cond {
    const char *index; /* "longstring", "irv", "missing_fraction", "attention_failed" */
    const char *op;    /* ">" or "<" */
    double threshold;
    double value; /* NaN when the index cannot be computed */
} qs_validity_cond;

/**
 * The conditions of the careless (careless != 0) or invalid flag for the thresholds `inst`
 * sets, with the values of `v`: careless is "longstring > N or irv < X", invalid
 * "missing_fraction > X or attention_failed > N". Fills `out` and returns how many (0..2).
 */
size_t qs_validity_conds(qs_validity_cond out[2], const qs_instrument *inst,
                         const qs_validity_value *v, int careless);

/** The rule of `n` conditions as text: "longstring > 18 or irv < 0.5". Truncated to `size`. */
void qs_validity_rule_text(const qs_validity_cond *c, size_t n, char *buf, size_t size);

#endif
