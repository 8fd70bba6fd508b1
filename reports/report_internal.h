/* report_internal.h - plain words for what a therapist reads (report_words.c), shared by the
 * workbook builder and writer. Private to reports/. */
#ifndef QS_REPORT_INTERNAL_H
#define QS_REPORT_INTERNAL_H

#include <stddef.h>

#include "qscore/instrument.h"

/* Decimals a value of score `sd` shows: means 2, sums 0 (1 when prorated to a fraction). */
int qs_rep__digits(const qs_score_def *sd, double v);

/* Why a careless or invalid form is not usable, in words: "12 of 46 items unanswered", "same
 * answer to 46 items in a row". Returns the length written into buf[size]. */
size_t qs_rep__validity_words(char *buf, size_t size, const qs_instrument *I, const int *answers,
                              long longstring, double irv, int careless, int invalid);

/* The values that fired flag `f`, with its cutoffs: "Fusion with others 2.08 (cutoff ≤ 2.50,
 * clinic default)"; "clinic setting" when the clinic overrode a cutoff, "published" for a
 * sourced one. A comparison of a T score reads "FO T score 70 (cutoff ≥ 65)", of a z score
 * "FO z score -1.60 (...)" (from T), of a percentile "FO percentile not available (...)" (not
 * kept). `value` and `t` per score (t may be NULL). Returns the length written. */
size_t qs_rep__flag_values(char *buf, size_t size, const qs_instrument *I, const qs_flag *f,
                           const double *value, const double *t);

/* The number of a rule that is one comparison of score `s`'s value ("FO <= 2.5"), else NaN. */
double qs_rep__simple_cutoff(const qs_flag *f, const qs_score_def *s);

/* 1 for the validity flags ("careless", "invalid"): they say a form is not usable, not how the
 * client is. */
int qs_rep__validity_flag(const char *id);

/* Days since 1970-01-01 of an ISO date (its first 10 characters), LONG_MIN when not one
 * (including days a month does not have: 2026-02-29, 2026-04-31). */
long qs_rep__iso_days(const char *iso);

/* "30 Jun 2026" for an ISO date; "" when not one. Returns the length written. */
size_t qs_rep__date_words(char *buf, size_t size, const char *iso);

#endif
