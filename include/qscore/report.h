/* qscore/report.h - therapist workbooks: the data model a workbook shows, and the writer. */
#ifndef QSCORE_REPORT_H
#define QSCORE_REPORT_H

#include <stddef.h>

#include "qscore/diag.h"
#include "qscore/error.h"
#include "qscore/instrument.h"

/*
 * A workbook is written from a qs_report: plain data, already selected and ordered by the
 * builder (report_build.c reads the store), so the writer (reports/workbook.c) only lays it out.
 * All strings are UTF-8, owned by the report's builder; NaN means "no value"; a NULL string is
 * an empty cell. Every string that came from an input file is written as text, never as a
 * formula.
 */

/* One instrument shown in the workbook. */
typedef struct qs_rep_instrument {
    const qs_instrument *inst; /* scores, items (reverse keys), flags (rules, because) */
    /* The norm population today's config chooses, or NULL: it decides whether Summary has T
     * columns, and is never a label (the T scores shown may have been computed with another:
     * see `norms`). */
    const char *norm_id;
    /* Per score (indexed like inst->scores): a reference line for trend charts, and its label,
     * e.g. 2.5 "flag cutoff (local default)" or the norm mean "norm mean"; NaN for none. */
    const double *reference;
    const char *const *reference_label;
    /* What computed the values this workbook shows of the instrument, as the store keeps it
     * (never today's definition or config): the distinct instrument versions of every
     * administration shown (latest and history), and the distinct norm ids of the latest
     * administrations (the ones whose T scores Summary shows), each sorted; `unnormed` is 1
     * when some latest administrations were scored without a norm. All 0 when the workbook
     * shows no administration of it. */
    size_t nversions;
    const char *const *versions;
    size_t nnorms;
    const char *const *norms;
    int unnormed;
} qs_rep_instrument;

/* A raised (or not evaluable) flag on a client's latest administration. */
typedef struct qs_rep_flag {
    const char *id;
    const char *label;
    int severity;             /* qs_severity: 0 low, 1 medium, 2 high */
    const char *status;       /* "raised" or "not_evaluable" */
    const char *detail;       /* the values that fired it: "FO=2.08; ER=2.2" */
    const char *because;      /* the sentence shown to the therapist */
    const char *first_raised; /* date (ISO) of the first administration that raised it */
    int new_in_run;           /* 1: raised by an administration ingested in the latest run */
    /* Status across forms: `is_new` when the client's previous form of the instrument did not
     * raise it (or there is none); else `since` is the date of the first form of the unbroken
     * run of forms raising it ("Continuing since"). For a cleared flag (qs_rep_row.cleared):
     * `since` is the date of the last form that raised it. */
    int is_new;
    const char *since;
    /* The values that fired it, in plain words: "Fusion with others 2.08 (cutoff ≤ 2.50, clinic
     * default)", or for validity "12 of 46 items unanswered". */
    const char *values;
} qs_rep_flag;

/* One administration in a client's history of an instrument (oldest first). */
typedef struct qs_rep_point {
    const char *date;               /* ISO date/time, or NULL when undated */
    const double *values;           /* per score, NaN when insufficient */
    int flagged;                    /* any flag raised on this administration */
    const char *instrument_version; /* the version its values were computed with, or NULL */
    const char *norm_id;            /* the norm it was scored with, or NULL */
    /* 0 when the form was careless or invalid: its values are shown greyed with `reason` and
     * never used for change, trend lines, group means or as a baseline. */
    int usable;
    const char *reason; /* why not usable, in words ("same answer to 46 items in a row") */
    const char *group;  /* the client's group at this form (each form counts in its own) */
    /* Per score: 1 when a flag raised on this form uses the score (drawn red on trends). */
    const unsigned char *flag_on;
} qs_rep_point;

/* One client and instrument: the latest administration, its change and its history. */
typedef struct qs_rep_row {
    const char *client;
    const char *site;
    const char *group;
    const char *therapist;
    size_t instrument;            /* index into qs_report.instruments */
    const char *date;             /* latest administration's date, or NULL */
    const char *response_id;      /* latest administration's response id */
    const double *value;          /* per score: latest value (NaN when insufficient) */
    const double *t;              /* per score: T score (NaN without a norm) */
    const double *change;         /* per score: latest - baseline (NaN with one administration) */
    const char *const *rci_class; /* per score: "reliable_deterioration", ... */
    double missing_fraction;
    long longstring;
    double irv;           /* NaN when not computable */
    const char *validity; /* "careless", "invalid", "careless, invalid" or NULL */
    int max_severity;     /* highest severity of its raised flags, -1 when none */
    size_t nflags;
    const qs_rep_flag *flags;
    size_t nhistory;
    const qs_rep_point *history;
    const int *answers; /* latest raw answers per item (QS_MISSING: unanswered), inst->nitems */
    const char *instrument_version; /* latest's values: the version they were computed with */
    const char *norm_id;            /* latest's T scores: the norm they used, or NULL */
    int latest_usable;              /* 0: the latest form is careless or invalid (see reason) */
    const char *reason;             /* why the latest form is not usable, in words, or NULL */
    /* Per score, when change is NaN or rci_class is not_computable: why, in words ("only one
     * usable form", "the latest form is not usable", "no reliability for this score"). */
    const char *const *change_note;
    int reliable_deterioration; /* some score reliably deteriorated (baseline to latest) */
    /* Flags raised by the latest form stored before the latest run and not raised now. */
    size_t ncleared;
    const qs_rep_flag *cleared;
} qs_rep_row;

/* One client in a workbook: its rows (one per instrument, in instrument order). */
typedef struct qs_rep_client {
    const char *client;
    const char *site;
    const char *group;     /* at the latest form of any instrument */
    const char *last_date; /* ISO date of the latest form of any instrument, or NULL */
    long days_since;       /* whole days from last_date to the report's made date; -1 unknown */
    int attention;         /* a raised flag, or a reliable deterioration */
    int overdue;           /* days_since >= overdue_days */
    size_t nrows;
    const size_t *rows; /* indices into qs_report.rows */
} qs_rep_client;

typedef struct qs_rep_file {
    const char *path;
    const char *sha256;
    const char *source;
} qs_rep_file;

typedef struct qs_report {
    const char *title;   /* e.g. "Therapist T-A" or "Group G1" */
    const char *clinic;  /* or NULL */
    const char *created; /* ISO date-time fixed from the data: the workbook's creation time */
    const char *qscore_version;
    long long run_id;        /* latest run in the store */
    const char *run_started; /* its start time */
    size_t ninstruments;
    const qs_rep_instrument *instruments;
    size_t nrows;
    const qs_rep_row *rows; /* ordered: flagged first (severity high to low), then by client */
    size_t nfiles;
    const qs_rep_file *files;
    long long
        open_quarantined; /* rows of the clinic's exports not stored yet (waiting for a fix) */
    /* Second edition: clients (ordered attention first, then overdue, then the rest, each by
     * site and client; with sections_by_group by group first), and the settings. */
    size_t nclients;
    const qs_rep_client *clients;
    const char *data_through; /* ISO date of the latest form in the store, or NULL */
    const char *made;         /* ISO date-time the store's latest run ended, or NULL */
    long overdue_days;
    long max_charts;
    int sections_by_group;
    int paper; /* qs_paper */
    /* Open quarantined rows of this workbook: those naming its therapist (or group), those of
     * its clients, and those nobody can tell whose they are (docs/store.md, "Whose row it is"). */
    long long open_quarantined_here;
    /* The workbook's clients come from more than one site: client cells name the site too
     * ("C001 (site B)"), since a client id is only unique within its site. */
    int several_sites;
} qs_report;

/* The screening-aid disclaimer every workbook carries (About sheet and Summary header). */
#define QS_REPORT_DISCLAIMER                                                                       \
    "Flags are screening aids for a clinician, never diagnoses. They say where to look, not "      \
    "what is wrong; read them with the client's history and the instrument's limits."

/**
 * Write the workbook for `r` to `path` (written by libxlsxwriter to a temporary file beside it,
 * then renamed; mode 0600). Sheets: Summary, Flags, Trends, Groups, Items, About (see
 * README), and a hidden TrendData sheet holding the numbers the trend charts draw.
 * Byte-identical for the same report. QS_EREPORT (diag says why), QS_EIO or QS_ENOMEM.
 */
qs_error qs_report_write_xlsx(const qs_report *r, const char *path, qs_diag *diag);

/* ---- building workbooks from the store (reports/report_build.c) ----------------------- */

#include "qscore/config.h"

typedef struct qs_report_opts {
    const char *therapist; /* only this therapist's workbook, or NULL for all */
    const char *group;     /* only this group's, or NULL */
    const char *since;     /* only administrations on or after this ISO date, or NULL */
    const char *out_dir;   /* where workbooks go; NULL: OUTPUT/reports */
    /* A full report into OUTPUT/reports (no filter, no --since, no out_dir) removes the
     * workbooks there that it no longer writes ("therapist-*.xlsx", "group-*.xlsx": a therapist
     * whose clients all moved on, or the other grouping), calling this with each, or NULL. */
    void (*removed)(void *ctx, const char *path);
} qs_report_opts;

/**
 * Write one workbook per therapist (or per group, as the config says) from the store alone:
 * file names derived from the name, sanitised (ASCII letters, digits, "-", "_", "." only,
 * no "..", bidi controls removed, at most 60 bytes, collisions numbered in name order over all
 * workbooks, so a filtered report writes the same file name as a full one), written atomically with
 * mode 0600. `written` (may be NULL) is called with each path. Returns QS_OK, or the first error
 * with `errors` holding every problem.
 */
qs_error qs_report_write_all(const qs_config *cfg, const qs_report_opts *opts,
                             void (*written)(void *ctx, const char *path), void *ctx,
                             qs_diag_list *errors);

/**
 * The file name stem for a therapist or group name: "therapist-NAME" style, in ASCII letters,
 * digits, "-", "_" and "." only (any other character becomes "_", bidi controls are removed),
 * sanitised as described above, into `out`. Exposed for tests.
 */
void qs_report_file_stem(char *out, size_t size, const char *prefix, const char *name);

#endif
