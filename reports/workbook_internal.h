/* workbook_internal.h - what the workbook writer's files share: the writer state, the formats,
 * and the core helpers of workbook_core.c. Private to reports/workbook*.c. */
#ifndef QS_WORKBOOK_INTERNAL_H
#define QS_WORKBOOK_INTERNAL_H

#include <stddef.h>

#include <xlsxwriter.h>

#include "qscore/error.h"
#include "qscore/instrument.h"
#include "qscore/report.h"

/*
 * How the parts fit. workbook.c opens the file, adds every sheet (their order is fixed there)
 * and calls one qs_wb__write_<sheet>() per sheet, from workbook_<sheet>.c, in sheet order; each
 * writer lays out its part of W->r with the helpers below and stops at the first error
 * (qs_wb__failed). Errors are kept in W, never returned: the first libxlsxwriter error and
 * the sheet it happened on, or QS_ENOMEM. Shared strings are numbered in the order they are
 * first written, so moving a write between sheets or helpers changes the file's bytes.
 *
 * When adding a sheet: its name below, a workbook_<sheet>.c with its writer (declared at the
 * bottom), the worksheet_add and the call in workbook.c, the sheet list on About, the source
 * file in CMakeLists.txt, and the expected parts under tests/workbook/golden/.
 */

#define S_SUMMARY   "Summary"
#define S_FLAGS     "Flags"
#define S_TRENDS    "Trends"
#define S_GROUPS    "Groups"
#define S_ITEMS     "Items"
#define S_ABOUT     "About"
#define S_TRENDDATA "TrendData"

#define FLAGS_WIDTH    40    /* Summary's Flags column wraps beyond this */
#define CELL_MAX_BYTES 32000 /* below Excel's 32,767 characters, whatever the encoding */
#define CHART_W        600   /* pixels */
#define CHART_H        340
#define GRID_ROWS      19 /* rows per chart slot (20 px rows) */
#define GRID_COLS      10 /* columns per chart slot (64 px columns) */
#define NO_GROUP       "(no group)"

struct formats {
    lxw_format *title, *note, *bold_note, *head, *head_c, *wrap, *label;
    lxw_format *text, *num2, *num1, *chg, *int0, *pct, *rev, *miss, *rci, *caption;
    lxw_format *date; /* "d mmm yyyy" date cells */
    /* conditional formats (differential: fill and font only) */
    lxw_format *c_high, *c_med, *c_low, *c_det, *c_imp, *c_noteval, *c_valid, *c_new;
};

/* The writer's state for one workbook; workbook.c owns it and frees scratch and join. */
struct wb {
    lxw_workbook *book;
    struct formats f;
    const qs_report *r;
    lxw_error lerr;        /* first libxlsxwriter error */
    const char *where;     /* the sheet being written */
    const char *err_where; /* the sheet of the first error, for the message */
    qs_error rc;           /* QS_ENOMEM from our own allocations */
    char *scratch;         /* repaired strings */
    size_t scratch_cap;
    char who[384];           /* qs_wb__who's text */
    unsigned char *chart_ok; /* per client: gets its charts (qs_wb__plan_charts) */
    long *trend_rows;        /* per client: its Trends block's first row, -1 none (idem) */
    char *join;              /* joined flag labels, titles */
    size_t join_len, join_cap;
};

/* Column widths that grow with the text written, within [min, max]. */
struct widths {
    double *w;
    size_t n;
};

/* ---- errors ---- */

/* Keep the first libxlsxwriter error `e` (and the sheet being written). */
void qs_wb__ck(struct wb *W, lxw_error e);
/* Nonzero once a library error or an allocation failure happened. */
int qs_wb__failed(const struct wb *W);

/* ---- cells ---- */

/* Text as any XML part of a workbook may hold it: invalid UTF-8 and U+FFFE/U+FFFF -> U+FFFD,
 * C0 controls but TAB and LF removed, and with `name` bidi controls removed too. out: 3*len+1
 * bytes; returns the length written. The one cleaning function: every string goes through it. */
size_t qs_wb__xml_clean(char *out, const char *s, size_t len, int name);
/* `s` as a cell may hold it (qs_wb__xml_clean, length capped): `s` itself, or W's scratch
 * buffer (valid until the next call); NULL on allocation failure. */
const char *qs_wb__clean(struct wb *W, const char *s);
/* As qs_wb__clean for names: chart captions, document properties. */
const char *qs_wb__clean_name(struct wb *W, const char *s);
/* A caption cell (a chart's title is read from it): qs_wb__put_str with qs_wb__clean_name. */
void qs_wb__put_name(struct wb *W, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s,
                     lxw_format *f);
/* A literal text cell (never a formula); NULL or "" is an empty cell (blank when `f` is given). */
void qs_wb__put_str(struct wb *W, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s,
                    lxw_format *f);
/* A number cell; NaN and infinities are an empty cell (blank when `f` is given). */
void qs_wb__put_num(struct wb *W, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, double v,
                    lxw_format *f);
/* The join buffer (W->join, W->join_len): empty it, append to it. */
void qs_wb__join_reset(struct wb *W);
void qs_wb__join_add(struct wb *W, const char *s);
/* "<a> — <b>" in the join buffer (valid until it is next reset). */
const char *qs_wb__dash_title(struct wb *W, const char *a, const char *b);
/* A client as a therapist reads it: the id, and "(site B)" when the workbook's clients come
 * from several sites. Valid until the next call. */
const char *qs_wb__who(struct wb *W, const char *client, const char *site);
/* What a therapist reads for an instrument and a score: its name, else its id. */
const char *qs_wb__inst_name(const qs_instrument *I);
const char *qs_wb__score_name(const qs_score_def *sd);
/* "High", "Medium", "Low" (as the Flags sheet says them), or NULL for no severity. */
const char *qs_wb__severity_word(int s);
/* "high", "medium", "low", or NULL for no severity. */
const char *qs_wb__severity_name(int s);

/* ---- rows and columns ---- */

/* Lines wrapped text `s` takes in a column `width` characters wide (an estimate, at most 25). */
int qs_wb__wrap_lines(const char *s, double width);
/* Row `y` tall enough for `lines` lines (nothing for one line). */
void qs_wb__row_lines(struct wb *W, lxw_worksheet *ws, lxw_row_t y, int lines);
/* `n` columns `min` wide; 0 (and W->rc = QS_ENOMEM) on allocation failure. */
int qs_wb__widths_init(struct wb *W, struct widths *cw, size_t n, double min);
/* Widen column `col` to fit `s`, at most `max`. */
void qs_wb__widen(struct widths *cw, size_t col, const char *s, double max);
/* Set the sheet's column widths and free cw. */
void qs_wb__widths_apply(struct wb *W, lxw_worksheet *ws, struct widths *cw);

/* ---- conditional formats ---- */

/* On rows first..last of columns c1..c2: `formula` (relative to the top left cell) or, when
 * `value` is given, cell == value. Nothing when last < first. */
void qs_wb__cond(struct wb *W, lxw_worksheet *ws, lxw_row_t first, lxw_row_t last, lxw_col_t c1,
                 lxw_col_t c2, const char *formula, const char *value, lxw_format *f);
/* "$C4" style reference of column `col`, row `row` (0-based), into out. */
void qs_wb__col_ref(char *out, size_t size, lxw_col_t col, lxw_row_t row);
/* Severity colours for columns c1..c2 when column `sev` says high / medium / low (and, when
 * `status` is nonzero, only while column `st` says "raised"). */
void qs_wb__severity_colours(struct wb *W, lxw_worksheet *ws, lxw_row_t first, lxw_row_t last,
                             lxw_col_t c1, lxw_col_t c2, lxw_col_t sev, int status, lxw_col_t st);

/* ---- formats and sheet furniture ---- */

/* Add every format of W->f to the workbook (in a fixed order); 0 on allocation failure. */
int qs_wb__make_formats(struct wb *W);
/* The title (row 0) and a note (row 1, when given) above a sheet's table. */
void qs_wb__sheet_head(struct wb *W, lxw_worksheet *ws, const char *title, const char *note);
/* Landscape, one page wide, header row `header` repeated on every page; and qs_wb__page_setup. */
void qs_wb__print_setup(struct wb *W, lxw_worksheet *ws, lxw_row_t header);
/* Every sheet's paper: the config's paper size, the header (workbook title, "Confidential health
 * information") and footer ("Page X of Y", "Data through DATE"), rows first..last repeated on
 * every page (none when last < first). */
void qs_wb__page_setup(struct wb *W, lxw_worksheet *ws, lxw_row_t first, lxw_row_t last);

/* ---- dates ---- */

/* The Excel serial day (1900 date system) of an ISO date's first 10 characters, NaN if none. */
double qs_wb__date_serial(const char *iso);
/* A date cell ("d mmm yyyy") for an ISO date, or an empty cell (blank when `f` is given). */
void qs_wb__put_date(struct wb *W, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *iso,
                     lxw_format *f);

/* ---- charts ---- */

/* Axes (the instrument's whole range on round steps), fonts and legend of a line chart. */
void qs_wb__style_chart(lxw_chart *ch, const qs_instrument *I);
/* Series `s`'s colour; a reference series is dashed without markers. */
void qs_wb__style_series(lxw_chart_series *se, size_t s, int reference);
/* Insert `ch` (CHART_W x CHART_H) at row, col. */
void qs_wb__insert_chart(struct wb *W, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col,
                         lxw_chart *ch);

/* ---- the sheets, in workbook order: each writes W->r's part, errors kept in W ---- */

void qs_wb__write_summary(struct wb *W, lxw_worksheet *ws);
void qs_wb__write_flags(struct wb *W, lxw_worksheet *ws);
/* Trends and, in `td`, the hidden TrendData its charts draw from. */
void qs_wb__write_trends(struct wb *W, lxw_worksheet *ws, lxw_worksheet *td);
/* The Trends layout is fixed before any sheet is written (Summary links to it): the first row
 * of client k's block on Trends (k indexes W->r->clients), or -1 when it has no chart there. */
long qs_wb__trend_row(const struct wb *W, size_t client);
/* Which clients get charts within reports.max_charts: those needing attention first, then the
 * overdue, then the rest (whatever order the Summary's sections give). Before any sheet; 0 when
 * out of memory. */
int qs_wb__plan_charts(struct wb *W);
void qs_wb__write_groups(struct wb *W, lxw_worksheet *ws);
void qs_wb__write_items(struct wb *W, lxw_worksheet *ws);
void qs_wb__write_about(struct wb *W, lxw_worksheet *ws);

/* ---- trend charts (workbook_trends.c) ---- */

/* Series `s`'s colour (as qs_wb__style_series draws it): the hollow markers of unusable forms. */
lxw_color_t qs_wb__series_colour(size_t s);

#endif
