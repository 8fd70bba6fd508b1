/* text.h - UTF-8 checks and the text normalisation used to match labels and headers. Internal. */
#ifndef QS_TEXT_H
#define QS_TEXT_H

#include <stddef.h>

/**
 * Offset of the first byte that is not part of valid UTF-8 (no overlongs, no surrogates,
 * at most U+10FFFF), or `len` when all of `s` is valid.
 */
size_t qs_text__utf8_invalid(const char *s, size_t len);

/** 1-based line and column (in code points) of byte offset `off` in `buf`. */
void qs_text__line_col(const char *buf, size_t off, unsigned long *line, unsigned long *col);

/**
 * Write `s` trimmed, with runs of white space folded to one space and ASCII letters lowercased,
 * into `out` (NUL-terminated, truncated to `size`). Returns the length it needed (like snprintf).
 * Non-ASCII letters are compared as they are: "Mí" and "mí" match, "MÍ" and "mí" do not.
 */
size_t qs_text__fold(const char *s, size_t len, char *out, size_t size);

/** As qs_text__fold, for a string that may also be trimmed only (no lowercasing): headers. */
size_t qs_text__trim(const char *s, size_t len, const char **start);

/**
 * Whether a CSV cell holding `s` (text from input: ids, names, answers, column names, file
 * names) must be written with a leading apostrophe so a spreadsheet program shows it as text
 * instead of running it as a formula: it starts with '=', '+', '-', '@', a tab or a carriage
 * return (the OWASP rule for CSV injection), and it is not a plain decimal number (an optional
 * sign, digits with at most one '.', an optional exponent: "-99", "+1", "-2.5e3"), which every
 * spreadsheet reads as that number and nothing else. docs/score.md "Spreadsheet safety" gives
 * the why; tests/tools/reference_score.py implements the same rule for the score cases.
 */
int qs_text__formula_like(const char *s);

#endif
