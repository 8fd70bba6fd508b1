/* qscore/ingest.h - survey exports as administrations: profiles, header rows, columns, answers. */
#ifndef QSCORE_INGEST_H
#define QSCORE_INGEST_H

#include <stddef.h>

#include "qscore/diag.h"
#include "qscore/error.h"
#include "qscore/instrument.h"
#include "qscore/mapping.h"
#include "qscore/profile.h"
#include "qscore/reader.h"

/*
 * ingest = reader (bytes -> UTF-8 records) + a profile (which header rows an export tool
 * writes, which columns it names) + the mapping (which column holds what) + the instrument
 * (what an answer may be). It turns each data record into an administration, or into a list of
 * problems for the quarantine. Nothing is dropped and nothing is guessed: a value that is not a
 * scale number, a known label or a listed missing spelling makes the whole row a problem row.
 */

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

/* What a row problem is about. */
typedef enum qs_problem_kind {
    QS_PROBLEM_ROW = 0,     /* the record itself: wrong field count, or not readable as CSV */
    QS_PROBLEM_ENCODING,    /* bytes that are not valid text in the file's encoding */
    QS_PROBLEM_RESPONSE_ID, /* blank response id */
    QS_PROBLEM_CLIENT_ID,   /* blank client id */
    QS_PROBLEM_DATE,        /* the administered date does not parse */
    QS_PROBLEM_LABEL,       /* an answer text that is no scale value, label or missing spelling */
    QS_PROBLEM_SCALE,       /* a number outside the scale (or not a whole number) */
    QS_PROBLEM_ATTENTION,   /* an attention check's answer cannot be read */
    QS_PROBLEM_DUPLICATE    /* response id (or client and date) of an earlier scored row */
} qs_problem_kind;

/** "row", "encoding", "response-id", "client-id", "date", "label", "scale", "attention",
 * "duplicate"; "unknown" out of range. */
const char *qs_problem_kind_name(qs_problem_kind kind);

/* One problem of a row. `reason` never holds the value (which has its own field): reasons can
 * be counted, grouped and logged without health data. */
typedef struct qs_problem {
    char column[128]; /* header of the column, or empty for the whole row */
    char value[QS_PROBLEM_VALUE_MAX];
    char reason[256];
    qs_problem_kind kind;
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
 * The next administration.
 *  - QS_OK: *adm is filled.
 *  - QS_ENOANSWER: the row answers no item of the instrument (every item cell is blank or a
 *    missing spelling; attention checks do not count): the instrument was not administered on
 *    it (e.g. a bundled export carrying several questionnaires). Never a failure: count it and
 *    go on. adm->line, adm->response_id, adm->id_is_line, probs->line and probs->response_id are
 *    set (probs->count is 0); nothing else is. This takes precedence over every other problem
 *    of the row except bad bytes and a wrong field count (QS_EDATA: nothing in the row can be
 *    trusted). A row with an item cell that does not parse counts as answered (QS_EDATA).
 *  - QS_EDATA: the row cannot be scored; *probs says why (the caller quarantines it) and
 *    reading goes on. adm->client_id and adm->administered are set when they could be read
 *    (else NULL; adm->response_id too for files with an id column), so a caller can tell the
 *    row's response apart from others, and adm->group and adm->therapist when mapped and the
 *    row could be read (so a caller knows whose row it is); nothing else of *adm is valid.
 *  - QS_EEOF at the end.
 *  - QS_EINVALID: the file cannot be read as the mapping says; `diag` names the file, the
 *    column and the fix, and every later call returns QS_EINVALID again. Today this is the
 *    day/month order of slash dates read without `date_format` (see qs_parse_slash_date): it
 *    is decided once for the whole file, by a second pass over the date column made at the
 *    first slash date met (for an export all of whose dates are slash dates: at the first
 *    data row, so no row is returned). A column mixing day-first and month-first dates, or
 *    whose slash dates never show the order, refuses the file. Standard input ("-") cannot be
 *    read twice: there it is refused too (buffer it and use qs_ingest_open_mem, or set
 *    date_format). Rows returned before (ISO dates ahead of the first slash date) belong to a
 *    refused file: the caller discards the file as a whole.
 *  - QS_EIO or QS_ENOMEM: stop; `diag` says why.
 */
qs_error qs_ingest_next(qs_ingest *g, qs_admin *adm, qs_row_problems *probs, qs_diag *diag);

/** Rows returned QS_OK so far. */
unsigned long qs_ingest_scored(const qs_ingest *g);

/** Rows returned QS_ENOANSWER so far (not administered). */
unsigned long qs_ingest_not_administered(const qs_ingest *g);

/* A problem common to every quarantined row of a file: the mapping (or a date form) is wrong
 * for the file, not the rows. */
/* A file problem needs at least this many quarantined rows (and no scored one). */
#define QS_FILE_PROBLEM_MIN_ROWS 3

typedef struct qs_file_problem {
    qs_problem_kind kind;
    char column[128]; /* the column's header (or "#N" when row 1 may be data) */
    /* One example: for a date its form ("D/M/YY H:MM", digits never shown: dates identify
     * people); for an answer text or number the value (seen on every row: the form's wording or
     * a code, not an answer of one client); empty for a blank id. */
    char example[QS_PROBLEM_VALUE_MAX];
    unsigned long rows; /* rows quarantined (each of them has the problem) */
    char message[768];  /* one sentence: the column, the example and the fix */
} qs_file_problem;

/**
 * After QS_EEOF: returns 1 and fills *out when no row was scored (qs_ingest_scored() == 0), at
 * least one row was quarantined, and one problem is common to every quarantined row: the same
 * kind in the same column (a date, a blank client or response id) or the same kind and value
 * (an answer text or an out-of-scale number on every row, e.g. a label missing from the mapping,
 * or a missing-data code such as -99). The caller should then refuse the file as a whole (the
 * mapping needs the fix in `message`). Returns 0 otherwise. Memory used for this is fixed (the
 * first quarantined row's problems, narrowed by each later row).
 */
int qs_ingest_file_problem(const qs_ingest *g, qs_file_problem *out);

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
 * Slash dates are not read here without a format: see qs_parse_slash_date (the ingest uses both
 * when a mapping has no date_format).
 */
int qs_parse_date(const char *text, const char *format, char *out, size_t size);

/* Which of the first two numbers of a slash date is the month. */
typedef enum qs_date_order {
    QS_DATE_ORDER_UNKNOWN = 0,
    QS_DATE_MONTH_FIRST, /* M/D/YYYY: US Google Forms, SurveyMonkey, US Excel */
    QS_DATE_DAY_FIRST    /* D/M/YYYY: Google Forms and Excel elsewhere */
} qs_date_order;

/*
 * Parse a slash date as survey tools and Excel write it: A/B/YYYY (A and B of one or two digits,
 * a four-digit year), optionally a space and a time H:MM or H:MM:SS (one or two hour digits),
 * optionally followed by AM or PM (any case, a space before it optional: a 12-hour clock, hour
 * 1..12, 12 AM = 00, 12 PM = 12). `order` says which of A and B is the month; with
 * QS_DATE_ORDER_UNKNOWN nothing is parsed (the order is never guessed from one value). Writes
 * "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS". Returns 1 on success; 0 when the text has another form
 * (a two-digit year included: the century is never guessed), is not a real calendar date or
 * time, or the order is unknown.
 */
int qs_parse_slash_date(const char *text, qs_date_order order, char *out, size_t size);

/*
 * The form of a date text, for messages that must not show the date (dates identify people):
 * "M/D/YYYY H:MM:SS", "DD/MM/YYYY", "YYYY-MM-DD HH:MM" (N for a number whose role the order
 * does not tell, "AM|PM" for either). Other dates keep their separators and show each number
 * by its role where its place tells it, one letter a digit ("YYYY-M-DD", "YYYY/MM/DD",
 * "NN.NN.YYYY"); any other text shows every digit as N and every letter as a. Never a digit of
 * the text. Writes at most `size` - 1 bytes.
 */
void qs_date_form(const char *text, qs_date_order order, char *out, size_t size);

/* How the ingest reads one date text when the mapping has no date_format. */
typedef enum qs_date_kind {
    QS_DATE_BLANK = 0, /* empty or white space */
    QS_DATE_ISO,       /* an ISO 8601 form qs_parse_date reads */
    QS_DATE_SLASH,     /* a slash date with a four-digit year: its order is decided per file */
    QS_DATE_OTHER      /* anything else: a row with it is quarantined without date_format */
} qs_date_kind;

/**
 * Classify a date text as the ingest does without date_format (for `qscore map`, which must
 * decide a file's dates as `qscore score` would). For QS_DATE_SLASH, *evidence is the order the
 * value proves by itself (a number over 12), else QS_DATE_ORDER_UNKNOWN.
 */
qs_date_kind qs_date_classify(const char *text, qs_date_order *evidence);

/**
 * The strptime format that reads `text` (a date of a form qs_date_form knows) with the month
 * where `order` puts it, e.g. "%m/%d/%Y %I:%M:%S %p". Returns 1, or 0 (fmt empty) when no
 * format can be derived or `order` is unknown.
 */
int qs_date_strptime_format(const char *text, qs_date_order order, char *fmt, size_t size);

/**
 * 1 when rows are identified by a response id column (mapped, or the profile's), 0 when by
 * their line number (qs_admin.id_is_line). Valid after open.
 */
int qs_ingest_has_response_id(const qs_ingest *g);

#endif
