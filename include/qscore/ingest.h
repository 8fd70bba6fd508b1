/* qscore/ingest.h - survey exports as administrations: profiles, header rows, columns, answers. */
#ifndef QSCORE_INGEST_H
#define QSCORE_INGEST_H

#include <stddef.h>

#include "qscore/diag.h"
#include "qscore/error.h"
#include "qscore/instrument.h"
#include "qscore/mapping.h"
#include "qscore/reader.h"

/*
 * ingest = reader (bytes -> UTF-8 records) + a profile (which header rows an export tool
 * writes, which columns it names) + the mapping (which column holds what) + the instrument
 * (what an answer may be). It turns each data record into an administration, or into a list of
 * problems for the quarantine. Nothing is dropped and nothing is guessed: a value that is not a
 * scale number, a known label or a listed missing spelling makes the whole row a problem row.
 */

typedef enum qs_profile {
    QS_PROFILE_AUTO = 0,
    QS_PROFILE_GENERIC,
    QS_PROFILE_QUALTRICS,
    QS_PROFILE_REDCAP,
    QS_PROFILE_SURVEYMONKEY,
    QS_PROFILE_GOOGLE_FORMS
} qs_profile;

/** "auto", "generic", "qualtrics", "redcap", "surveymonkey", "google-forms". */
const char *qs_profile_name(qs_profile p);

/** Parse a profile name; returns 1 and sets *out, or 0. */
int qs_profile_parse(const char *name, qs_profile *out);

/* One administration. Strings are NUL-terminated UTF-8 or NULL when the mapping has no such
 * column; all pointers are valid until the next qs_ingest_next() call. */
typedef struct qs_admin {
    const char *response_id;
    const char *client_id;
    const char *group;
    const char *therapist;
    const char *administered;      /* ISO 8601: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[zone] */
    const int *answers;            /* per item index, QS_MISSING when unanswered */
    const int *checks;             /* per attention check, QS_MISSING when unanswered */
    unsigned long line;            /* 1-based physical line where the record starts */
    int id_is_line;                /* 1: no id column; response_id is the line number */
    size_t ncovariates;            /* the mapping's covariates, in its order */
    const char *const *covariates; /* their trimmed values, NULL when blank */
} qs_admin;

#define QS_PROBLEMS_MAX      16
#define QS_PROBLEM_VALUE_MAX 256

typedef struct qs_problem {
    char column[128]; /* header of the column, or empty for the whole row */
    char value[QS_PROBLEM_VALUE_MAX];
    char reason[256];
} qs_problem;

/* Why a row was not scored: every problem found (up to QS_PROBLEMS_MAX), with the row's
 * position and response id (when one could be read). */
typedef struct qs_row_problems {
    unsigned long line;
    char response_id[128];
    size_t count;
    size_t dropped;
    qs_problem items[QS_PROBLEMS_MAX];
} qs_row_problems;

typedef struct qs_ingest qs_ingest;

/**
 * Open an export and read its header rows. `path` "-" is stdin; `display` names it in messages.
 * Problems with the header (a mapped column that does not exist, listing the nearest headers
 * that do; an ambiguous header; a mapping that names items the instrument lacks) are appended to
 * `errors` and return QS_EINVALID. QS_EIO when the file cannot be read. `inst` and `map` are
 * borrowed and must outlive the ingest.
 */
qs_error qs_ingest_open(qs_ingest **out, const char *path, const char *display,
                        const qs_instrument *inst, const qs_mapping *map, qs_profile profile,
                        qs_diag_list *errors);

/** As qs_ingest_open, over a buffer (borrowed; it must outlive the ingest). */
qs_error qs_ingest_open_mem(qs_ingest **out, const void *data, size_t len, const char *display,
                            const qs_instrument *inst, const qs_mapping *map, qs_profile profile,
                            qs_diag_list *errors);

/**
 * The next administration. QS_OK: *adm is filled. QS_EDATA: the row cannot be scored; *probs
 * says why (the caller quarantines it) and reading goes on. QS_EEOF at the end. QS_EIO or
 * QS_ENOMEM: stop; `diag` says why.
 */
qs_error qs_ingest_next(qs_ingest *g, qs_admin *adm, qs_row_problems *probs, qs_diag *diag);

/** The profile in use (after detection). */
qs_profile qs_ingest_profile(const qs_ingest *g);

/** The underlying reader (encoding, delimiter, bytes read). */
const qs_reader *qs_ingest_reader(const qs_ingest *g);

/** Header rows read (1, or 2-3 for Qualtrics and SurveyMonkey): never scored. */
int qs_ingest_header_rows(const qs_ingest *g);

/**
 * For a store, which tells rows without a response id apart by client and date: when the export
 * has no response id column, a dated row whose client and date repeat those of an earlier
 * scored row of this input becomes a problem row ("same client and date as line N"), like a
 * repeated response id. Undated rows are told apart by their line and are not checked. Call
 * before the first qs_ingest_next().
 */
void qs_ingest_require_unique_client_date(qs_ingest *g);

/**
 * Rows whose response id (or client and date) could not be checked for duplicates because the input
 * holds more ids than the fixed duplicate-check budget (about 1.78 million); 0 for normal inputs.
 */
unsigned long qs_ingest_ids_unchecked(const qs_ingest *g);

/** Data records seen so far (scored or not), excluding header rows. */
unsigned long qs_ingest_rows(const qs_ingest *g);

/** Free; NULL-safe. */
void qs_ingest_free(qs_ingest *g);

/*
 * Parse a date/time into ISO 8601 text: with `format` (strptime) the whole text must match;
 * without, ISO forms are accepted (YYYY-MM-DD, optional time HH:MM[:SS[.fff]] after 'T' or a
 * space, optional Z or +HH:MM). Writes "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS" (plus the zone as
 * given). Returns 1 on success, 0 when the text is not such a date or not a real calendar date.
 */
int qs_parse_date(const char *text, const char *format, char *out, size_t size);

#endif
