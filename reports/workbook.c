/* workbook.c - lay a qs_report out as the therapist workbook (XLSX, via libxlsxwriter). */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "qscore/atomic.h"
#include "qscore/report.h"
#include "qscore/score.h"
#include "text.h"

/*
 * Design. The report is already selected and ordered by the builder; this file only lays it out.
 * Sheets, in this order:
 *
 *   Summary   title, disclaimer and a note, then one row per report row (flagged first, as
 *             given): Client, Group, Instrument, Date, Flags, Severity, Validity, then per
 *             instrument and score "<inst> <score>", [T,] change and RCI class. Header row and
 *             Client column frozen, autofilter, severity and reliable-change colours as
 *             conditional formats (so they follow the cells when a therapist sorts or filters).
 *   Flags     one row per flag of every row (raised or not evaluable), in report order.
 *   Trends    one line chart per client x instrument with 2+ administrations, two per grid
 *             row; the cell above each chart holds its title (the chart points at it, and
 *             Ctrl+F on a client id lands there). Cutoffs and norm means are constant series.
 *   Groups    per group x instrument x score x wave: n, mean, SD, min, max, flagged; right of
 *             the table, one chart of the means per group x instrument, captioned the same way.
 *   Items     raw answers of the latest administration, with a legend (reverse keys, blanks).
 *   About     instruments, norms, every flag rule in words, RCI classes, run, input files.
 *   TrendData (hidden) the numbers the Trends charts draw, one block per chart.
 *
 * Every text from the report goes through put_str() -> worksheet_write_string(), which stores a
 * literal string, never a formula; put_str() also repairs invalid UTF-8 (Excel calls such a file
 * corrupt) and caps the length. Chart titles and series names are NOT passed as strings: the
 * library reads a name that starts with '=' as a cell reference, so a client id such as
 * "=HYPERLINK(...)" would break the chart. They point at cells holding the text instead
 * (chart_*_set_name_range), which keeps every model string a literal cell value.
 *
 * Why not constant_memory. In libxlsxwriter it is a workbook-wide switch. Every sheet here is
 * written strictly row by row, and autofilters and conditional formats are set before the rows
 * (constant_memory refuses ranges above the current row), so it can be turned on at build time
 * with -DQS_WB_CONSTANT_MEMORY=1 and the unit test passes that way too. It is off because in that
 * mode the library cannot read cells back: charts carry no cached data and their titles and
 * legend names (cell references, see above) no cached text. LibreOffice then titles every chart
 * "Chart Title", and viewers that draw from the cache (file previews, mobile viewers) show empty
 * charts. Measured for 2,000 clients x 10 administrations (2,000 trend charts): 1.0 s and 92 MB
 * peak RSS as written, against 0.65 s and 30 MB with constant_memory.
 *
 * Reproducible bytes: the document's creation time is r->created (read as UTC), zip entries are
 * dated 1980 by the library, and nothing else varies, so the same report gives the same file.
 * Numbers are written under a thread-local "C" LC_NUMERIC (the library prints them with %G).
 */

#ifndef QS_WB_CONSTANT_MEMORY
#define QS_WB_CONSTANT_MEMORY 0
#endif

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
#define FALLBACK_TIME  315532800 /* 1980-01-01T00:00:00Z, when r->created cannot be read */

struct formats {
    lxw_format *title, *note, *bold_note, *head, *head_c, *wrap, *label;
    lxw_format *text, *num2, *num1, *chg, *int0, *pct, *rev, *miss, *rci, *caption;
    /* conditional formats (differential: fill and font only) */
    lxw_format *c_high, *c_med, *c_low, *c_det, *c_imp, *c_noteval, *c_valid, *c_new;
};

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
    char *join; /* joined flag labels, titles */
    size_t join_len, join_cap;
};

/* ---- small helpers ------------------------------------------------------------------------ */

static void ck(struct wb *W, lxw_error e)
{
    if (e != LXW_NO_ERROR && W->lerr == LXW_NO_ERROR) {
        W->lerr = e;
        W->err_where = W->where;
    }
}

static int failed(const struct wb *W)
{
    return W->lerr != LXW_NO_ERROR || W->rc != QS_OK;
}

static int grow(struct wb *W, char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 1;
    size_t n = *cap ? *cap : 256;
    while (n < need)
        n *= 2;
    char *p = realloc(*buf, n);
    if (!p) {
        W->rc = QS_ENOMEM;
        return 0;
    }
    *buf = p;
    *cap = n;
    return 1;
}

/*
 * `s` as a cell may hold it: invalid UTF-8 bytes (and U+FFFE/U+FFFF, which XML forbids) become
 * U+FFFD, and the text is cut (on a character boundary) at CELL_MAX_BYTES. Valid text is
 * returned as is, without a copy. NULL on allocation failure.
 */
static const char *clean(struct wb *W, const char *s)
{
    size_t len = strlen(s);
    size_t bad = qs_text__utf8_invalid(s, len);
    int nonchar = strstr(s, "\xEF\xBF\xBE") || strstr(s, "\xEF\xBF\xBF");
    if (bad == len && len <= CELL_MAX_BYTES && !nonchar)
        return s;
    if (!grow(W, &W->scratch, &W->scratch_cap, 3 * len + 4))
        return NULL;
    size_t o = 0, i = 0;
    while (i < len) {
        size_t ok = qs_text__utf8_invalid(s + i, len - i);
        memcpy(W->scratch + o, s + i, ok);
        o += ok;
        i += ok;
        if (i < len) {
            memcpy(W->scratch + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    for (size_t k = 0; k + 2 < o; k++)
        if ((unsigned char)W->scratch[k] == 0xEF && (unsigned char)W->scratch[k + 1] == 0xBF &&
            ((unsigned char)W->scratch[k + 2] & 0xFE) == 0xBE)
            W->scratch[k + 2] = (char)0xBD;
    if (o > CELL_MAX_BYTES) {
        o = CELL_MAX_BYTES;
        while (o > 0 && ((unsigned char)W->scratch[o] & 0xC0) == 0x80)
            o--;
    }
    W->scratch[o] = '\0';
    return W->scratch;
}

/* A text cell. NULL or "" is an empty cell (blank with the format, when one is given). */
static void put_str(struct wb *W, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s,
                    lxw_format *f)
{
    if (!s || !*s) {
        if (f)
            ck(W, worksheet_write_blank(ws, r, c, f));
        return;
    }
    const char *t = clean(W, s);
    if (t)
        ck(W, worksheet_write_string(ws, r, c, t, f));
}

/* A number cell; NaN (no value) and infinities are an empty cell. */
static void put_num(struct wb *W, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, double v,
                    lxw_format *f)
{
    if (isfinite(v))
        ck(W, worksheet_write_number(ws, r, c, v, f));
    else if (f)
        ck(W, worksheet_write_blank(ws, r, c, f));
}

/* The join buffer: reset, append. */
static void join_reset(struct wb *W)
{
    W->join_len = 0;
    if (grow(W, &W->join, &W->join_cap, 1))
        W->join[0] = '\0';
}

static void join_add(struct wb *W, const char *s)
{
    size_t n = strlen(s);
    if (!grow(W, &W->join, &W->join_cap, W->join_len + n + 1))
        return;
    memcpy(W->join + W->join_len, s, n + 1);
    W->join_len += n;
}

/* "<a> — <b>" into the join buffer. */
static const char *dash_title(struct wb *W, const char *a, const char *b)
{
    join_reset(W);
    join_add(W, a ? a : "");
    join_add(W, " \xE2\x80\x94 ");
    join_add(W, b ? b : "");
    return W->join ? W->join : "";
}

/* Approximate display width of `n` bytes of UTF-8 text in Excel character units (wide CJK
 * counts 2). */
static double text_width_n(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    double w = 0;
    while (p < end && *p) {
        unsigned long cp;
        size_t n;
        if (*p < 0x80) {
            cp = *p;
            n = 1;
        } else if ((*p & 0xE0) == 0xC0) {
            cp = *p & 0x1F;
            n = 2;
        } else if ((*p & 0xF0) == 0xE0) {
            cp = *p & 0x0F;
            n = 3;
        } else {
            cp = *p & 0x07;
            n = 4;
        }
        for (size_t k = 1; k < n && p + k < end && p[k]; k++)
            cp = (cp << 6) | (p[k] & 0x3F);
        for (size_t k = 0; k < n && p < end && *p; k++)
            p++;
        int wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                   (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                   (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                   (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
        w += wide ? 2.0 : 1.0;
    }
    return w;
}

static double text_width(const char *s)
{
    return s ? text_width_n(s, strlen(s)) : 0;
}

/* Lines that wrapped text `s` takes in a column `width` wide (an estimate: spreadsheet
 * programs do not all size rows of wrapped text themselves, LibreOffice among them). */
static int wrap_lines(const char *s, double width)
{
    int lines = 0;
    double per = width > 2 ? (width - 1) * 1.1 : 1; /* text averages narrower than '0' */
    const char *p = s ? s : "";
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        double w = text_width_n(p, n);
        lines += w <= per ? 1 : (int)ceil(w / per);
        if (!nl || lines >= 25)
            break;
        p = nl + 1;
    }
    return lines < 25 ? lines : 25;
}

/* A row tall enough for `lines` lines of 11-point text (nothing when one line will do). */
static void row_lines(struct wb *W, lxw_worksheet *ws, lxw_row_t y, int lines)
{
    if (lines > 1)
        ck(W, worksheet_set_row(ws, y, 15.0 * lines, NULL));
}

/* Column widths that grow with the text written, within [min, max]. */
struct widths {
    double *w;
    size_t n;
};

static int widths_init(struct wb *W, struct widths *cw, size_t n, double min)
{
    cw->n = n;
    cw->w = malloc((n ? n : 1) * sizeof(double));
    if (!cw->w) {
        W->rc = QS_ENOMEM;
        cw->n = 0;
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        cw->w[i] = min;
    return 1;
}

static void widen(struct widths *cw, size_t col, const char *s, double max)
{
    if (col >= cw->n || !s)
        return;
    double w = text_width(s) + 2;
    if (w > max)
        w = max;
    if (w > cw->w[col])
        cw->w[col] = w;
}

static void widths_apply(struct wb *W, lxw_worksheet *ws, struct widths *cw)
{
    for (size_t i = 0; i < cw->n; i++)
        ck(W, worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i, cw->w[i], NULL));
    free(cw->w);
    cw->w = NULL;
    cw->n = 0;
}

static const char *severity_name(int s)
{
    return s >= QS_SEV_LOW && s <= QS_SEV_HIGH ? qs_severity_name((qs_severity)s) : NULL;
}

/* A conditional format on rows first..last of columns c1..c2: `formula` (relative to the top
 * left cell) or, when value is given, cell == value. */
static void cond(struct wb *W, lxw_worksheet *ws, lxw_row_t first, lxw_row_t last, lxw_col_t c1,
                 lxw_col_t c2, const char *formula, const char *value, lxw_format *f)
{
    if (last < first)
        return;
    lxw_conditional_format cf;
    memset(&cf, 0, sizeof(cf));
    if (value) {
        cf.type = LXW_CONDITIONAL_TYPE_CELL;
        cf.criteria = LXW_CONDITIONAL_CRITERIA_EQUAL_TO;
        cf.value_string = (char *)value;
    } else {
        cf.type = LXW_CONDITIONAL_TYPE_FORMULA;
        cf.value_string = (char *)formula;
    }
    cf.format = f;
    ck(W, worksheet_conditional_format_range(ws, first, c1, last, c2, &cf));
}

/* "$C4" style reference of the first data row, for conditional-format formulas. */
static void col_ref(char *out, size_t size, lxw_col_t col, lxw_row_t row)
{
    char name[16];
    lxw_col_to_name(name, col, LXW_FALSE);
    snprintf(out, size, "$%s%lu", name, (unsigned long)row + 1);
}

/* The severity colours for `cols` when column `sev` says high / medium / low (and, when
 * `status` is a column, only while it says "raised"). */
static void severity_colours(struct wb *W, lxw_worksheet *ws, lxw_row_t first, lxw_row_t last,
                             lxw_col_t c1, lxw_col_t c2, lxw_col_t sev, int status, lxw_col_t st)
{
    static const char *const names[3] = {"high", "medium", "low"};
    lxw_format *fmts[3] = {W->f.c_high, W->f.c_med, W->f.c_low};
    char sref[24], tref[24], formula[128];
    col_ref(sref, sizeof(sref), sev, first);
    col_ref(tref, sizeof(tref), st, first);
    for (int i = 0; i < 3; i++) {
        if (status)
            snprintf(formula, sizeof(formula), "=AND(%s=\"raised\",%s=\"%s\")", tref, sref,
                     names[i]);
        else
            snprintf(formula, sizeof(formula), "=%s=\"%s\"", sref, names[i]);
        cond(W, ws, first, last, c1, c2, formula, NULL, fmts[i]);
    }
}

/* The chart category of administration k: its date (the date part of an ISO date-time), or
 * its number when undated; " *" marks an administration that raised a flag. */
static const char *category(struct wb *W, const qs_rep_point *p, size_t k)
{
    char num[32];
    join_reset(W);
    if (p->date && *p->date) {
        const char *d = p->date;
        size_t n = strlen(d);
        if (n > 10 && d[4] == '-' && d[7] == '-' && (d[10] == 'T' || d[10] == ' ')) {
            char day[11];
            memcpy(day, d, 10);
            day[10] = '\0';
            join_add(W, day);
        } else {
            join_add(W, d);
        }
    } else {
        snprintf(num, sizeof(num), "%zu", k + 1);
        join_add(W, num);
    }
    if (p->flagged)
        join_add(W, " *");
    return W->join ? W->join : "";
}

/* ---- formats ------------------------------------------------------------------------------ */

static lxw_format *fmt(struct wb *W)
{
    lxw_format *f = workbook_add_format(W->book);
    if (!f)
        W->rc = QS_ENOMEM;
    return f;
}

static lxw_format *dxf(struct wb *W, lxw_color_t fill, lxw_color_t font, int bold)
{
    lxw_format *f = fmt(W);
    if (!f)
        return NULL;
    if (fill)
        format_set_bg_color(f, fill);
    format_set_font_color(f, font);
    if (bold)
        format_set_bold(f);
    return f;
}

static int make_formats(struct wb *W)
{
    struct formats *F = &W->f;
    F->title = fmt(W);
    F->note = fmt(W);
    F->bold_note = fmt(W);
    F->head = fmt(W);
    F->head_c = fmt(W);
    F->wrap = fmt(W);
    F->label = fmt(W);
    F->text = fmt(W);
    F->num2 = fmt(W);
    F->num1 = fmt(W);
    F->chg = fmt(W);
    F->int0 = fmt(W);
    F->pct = fmt(W);
    F->rev = fmt(W);
    F->miss = fmt(W);
    F->rci = fmt(W);
    F->caption = fmt(W);
    if (W->rc)
        return 0;
    format_set_bold(F->title);
    format_set_font_size(F->title, 14);
    format_set_italic(F->note);
    format_set_font_color(F->note, 0x595959);
    format_set_bold(F->bold_note);
    format_set_font_color(F->bold_note, 0x9C0006);
    format_set_bold(F->head);
    format_set_bg_color(F->head, 0xD9E1F2);
    format_set_bottom(F->head, LXW_BORDER_THIN);
    format_set_text_wrap(F->head);
    format_set_align(F->head, LXW_ALIGN_VERTICAL_TOP);
    format_set_bold(F->head_c);
    format_set_bg_color(F->head_c, 0xD9E1F2);
    format_set_bottom(F->head_c, LXW_BORDER_THIN);
    format_set_text_wrap(F->head_c);
    format_set_align(F->head_c, LXW_ALIGN_VERTICAL_TOP);
    format_set_align(F->head_c, LXW_ALIGN_CENTER);
    format_set_text_wrap(F->wrap);
    format_set_align(F->wrap, LXW_ALIGN_VERTICAL_TOP);
    format_set_bold(F->label);
    format_set_text_wrap(F->label);
    format_set_align(F->label, LXW_ALIGN_VERTICAL_TOP);
    /* Data cells align to the top: a row grows when its Flags or Because text wraps. */
    lxw_format *top[] = {F->text, F->num2, F->num1, F->chg, F->int0,
                         F->pct,  F->rev,  F->miss, F->rci};
    for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++)
        format_set_align(top[i], LXW_ALIGN_VERTICAL_TOP);
    format_set_num_format(F->num2, "0.00");
    format_set_num_format(F->num1, "0.0");
    format_set_num_format(F->chg, "+0.00;-0.00;0.00");
    format_set_num_format(F->int0, "0");
    format_set_num_format(F->pct, "0%");
    format_set_num_format(F->rev, "0");
    format_set_italic(F->rev);
    format_set_bg_color(F->rev, 0xDDEBF7);
    format_set_font_color(F->rev, 0x1F4E79);
    format_set_bg_color(F->miss, 0xEDEDED);
    format_set_font_color(F->miss, 0x808080);
    format_set_align(F->miss, LXW_ALIGN_CENTER);
    format_set_indent(F->rci, 1);
    format_set_bold(F->caption);
    format_set_font_color(F->caption, 0x1F3864);

    F->c_high = dxf(W, 0xFFC7CE, 0x9C0006, 1);
    F->c_med = dxf(W, 0xFCD5B4, 0x833C0B, 1);
    F->c_low = dxf(W, 0xFFF2CC, 0x7F6000, 0);
    F->c_det = dxf(W, 0xFFC7CE, 0x9C0006, 1);
    F->c_imp = dxf(W, 0xC6EFCE, 0x006100, 0);
    F->c_noteval = dxf(W, 0, 0x808080, 0);
    F->c_valid = dxf(W, 0xE4DFEC, 0x5B2C6F, 0);
    F->c_new = dxf(W, 0, 0x000000, 1);
    if (W->rc)
        return 0;
    format_set_italic(F->c_noteval);
    return 1;
}

/* The title and a note above a sheet's table. */
static void sheet_head(struct wb *W, lxw_worksheet *ws, const char *title, const char *note)
{
    ck(W, worksheet_set_row(ws, 0, 20, NULL));
    put_str(W, ws, 0, 0, title, W->f.title);
    if (note)
        put_str(W, ws, 1, 0, note, W->f.note);
}

static void print_setup(lxw_worksheet *ws, lxw_row_t header)
{
    worksheet_set_landscape(ws);
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_repeat_rows(ws, header, header);
    worksheet_set_margins(ws, 0.4, 0.4, 0.5, 0.5);
}

/* ---- Summary ------------------------------------------------------------------------------ */

static int has_t(const qs_rep_instrument *ri)
{
    return ri->norm_id != NULL;
}

static size_t score_stride(const qs_rep_instrument *ri)
{
    return has_t(ri) ? 4 : 3;
}

static void write_summary(struct wb *W, lxw_worksheet *ws)
{
    const qs_report *r = W->r;
    const lxw_row_t hdr = 3;
    enum { C_CLIENT, C_GROUP, C_INST, C_DATE, C_FLAGS, C_SEV, C_VALID, C_FIRST_SCORE };
    static const char *const fixed[] = {"Client", "Group",    "Instrument", "Date",
                                        "Flags",  "Severity", "Validity"};
    size_t *base = calloc(r->ninstruments ? r->ninstruments : 1, sizeof(size_t));
    if (!base) {
        W->rc = QS_ENOMEM;
        return;
    }
    size_t ncols = C_FIRST_SCORE;
    for (size_t i = 0; i < r->ninstruments; i++) {
        base[i] = ncols;
        ncols += r->instruments[i].inst->nscores * score_stride(&r->instruments[i]);
    }
    struct widths cw;
    if (!widths_init(W, &cw, ncols, 9)) {
        free(base);
        return;
    }
    W->where = S_SUMMARY;

    ck(W, worksheet_set_row(ws, 0, 20, NULL));
    put_str(W, ws, 0, 0, r->title, W->f.title);
    put_str(W, ws, 1, 0, QS_REPORT_DISCLAIMER, W->f.bold_note);
    char line[768], pending[256] = "";
    if (r->open_quarantined > 0) /* first, where a therapist looks: answers this lacks */
        snprintf(pending, sizeof(pending),
                 "Not in this workbook yet: %lld %s of the clinic's exports could not be scored "
                 "and %s waiting for a fix (the qscore administrator lists them with 'qscore "
                 "quarantine'). ",
                 r->open_quarantined, r->open_quarantined == 1 ? "answer row" : "answer rows",
                 r->open_quarantined == 1 ? "is" : "are");
    snprintf(line, sizeof(line),
             "%s%zu client-instrument rows, flagged first. Generated %s. Flag colours: red high, "
             "orange medium, yellow low; RCI \"reliable_deterioration\" in red. See About.",
             pending, r->nrows, r->created ? r->created : "");
    put_str(W, ws, 2, 0, line, W->f.note);

    ck(W, worksheet_set_row(ws, hdr, 30, NULL));
    for (size_t c = 0; c < C_FIRST_SCORE; c++) {
        put_str(W, ws, hdr, (lxw_col_t)c, fixed[c], W->f.head);
        widen(&cw, c, fixed[c], 40);
    }
    char name[256];
    for (size_t i = 0; i < r->ninstruments; i++) {
        const qs_instrument *I = r->instruments[i].inst;
        size_t c = base[i];
        for (size_t s = 0; s < I->nscores; s++) {
            const char *sid = I->scores[s].id;
            snprintf(name, sizeof(name), "%s %s", I->id, sid);
            put_str(W, ws, hdr, (lxw_col_t)c++, name, W->f.head_c);
            if (has_t(&r->instruments[i])) {
                snprintf(name, sizeof(name), "%s %s T", I->id, sid);
                put_str(W, ws, hdr, (lxw_col_t)c++, name, W->f.head_c);
            }
            snprintf(name, sizeof(name), "%s %s change", I->id, sid);
            put_str(W, ws, hdr, (lxw_col_t)c++, name, W->f.head_c);
            snprintf(name, sizeof(name), "%s %s RCI", I->id, sid);
            put_str(W, ws, hdr, (lxw_col_t)c++, name, W->f.head_c);
        }
    }

    /* Range features before the rows: in constant_memory mode rows already written are gone. */
    lxw_row_t first = hdr + 1, last = hdr + (lxw_row_t)r->nrows;
    ck(W, worksheet_autofilter(ws, hdr, 0, last, (lxw_col_t)(ncols - 1)));
    worksheet_freeze_panes(ws, hdr + 1, 1);
    severity_colours(W, ws, first, last, C_FLAGS, C_SEV, C_SEV, 0, 0);
    char ref[24], formula[64];
    col_ref(ref, sizeof(ref), C_VALID, first);
    snprintf(formula, sizeof(formula), "=LEN(%s)>0", ref);
    cond(W, ws, first, last, C_VALID, C_VALID, formula, NULL, W->f.c_valid);
    for (size_t i = 0; i < r->ninstruments; i++) {
        size_t stride = score_stride(&r->instruments[i]);
        for (size_t s = 0; s < r->instruments[i].inst->nscores; s++) {
            lxw_col_t rc = (lxw_col_t)(base[i] + s * stride + stride - 1);
            cond(W, ws, first, last, rc, rc, NULL, "\"reliable_deterioration\"", W->f.c_det);
            cond(W, ws, first, last, rc, rc, NULL, "\"reliable_improvement\"", W->f.c_imp);
        }
    }

    for (size_t i = 0; i < r->nrows && !failed(W); i++) {
        const qs_rep_row *row = &r->rows[i];
        const qs_rep_instrument *ri = &r->instruments[row->instrument];
        const qs_instrument *I = ri->inst;
        lxw_row_t y = hdr + 1 + (lxw_row_t)i;
        put_str(W, ws, y, C_CLIENT, row->client, W->f.text);
        widen(&cw, C_CLIENT, row->client, 40);
        const char *group = row->group && *row->group ? row->group : NO_GROUP;
        put_str(W, ws, y, C_GROUP, group, W->f.text);
        widen(&cw, C_GROUP, group, 30);
        put_str(W, ws, y, C_INST, I->id, W->f.text);
        widen(&cw, C_INST, I->id, 24);
        put_str(W, ws, y, C_DATE, row->date, W->f.text);
        widen(&cw, C_DATE, row->date, 22);
        join_reset(W);
        for (size_t f = 0; f < row->nflags; f++) {
            const qs_rep_flag *fl = &row->flags[f];
            if (!fl->status || strcmp(fl->status, "raised") != 0)
                continue;
            if (W->join_len)
                join_add(W, "; ");
            join_add(W, fl->label ? fl->label : (fl->id ? fl->id : "?"));
        }
        if (W->join && W->join_len) {
            put_str(W, ws, y, C_FLAGS, W->join, W->f.wrap);
            widen(&cw, C_FLAGS, W->join, FLAGS_WIDTH);
            row_lines(W, ws, y, wrap_lines(W->join, FLAGS_WIDTH));
        }
        put_str(W, ws, y, C_SEV, severity_name(row->max_severity), W->f.text);
        put_str(W, ws, y, C_VALID, row->validity, W->f.text);
        widen(&cw, C_VALID, row->validity, 20);
        size_t c = base[row->instrument];
        for (size_t s = 0; s < I->nscores; s++) {
            put_num(W, ws, y, (lxw_col_t)c++, row->value ? row->value[s] : NAN, W->f.num2);
            if (has_t(ri))
                put_num(W, ws, y, (lxw_col_t)c++, row->t ? row->t[s] : NAN, W->f.num1);
            put_num(W, ws, y, (lxw_col_t)c++, row->change ? row->change[s] : NAN, W->f.chg);
            const char *cls = row->rci_class ? row->rci_class[s] : NULL;
            widen(&cw, c, cls, 24);
            put_str(W, ws, y, (lxw_col_t)c++, cls, W->f.rci);
        }
    }

    print_setup(ws, hdr);
    widths_apply(W, ws, &cw);
    free(base);
}

/* ---- Flags -------------------------------------------------------------------------------- */

static void write_flags(struct wb *W, lxw_worksheet *ws)
{
    const qs_report *r = W->r;
    const lxw_row_t hdr = 2;
    static const char *const head[] = {"Client",   "Instrument",   "Flag",
                                       "Severity", "Status",       "Values",
                                       "Because",  "First raised", "New in this run"};
    enum { C_CLIENT, C_INST, C_FLAG, C_SEV, C_STATUS, C_VALUES, C_BECAUSE, C_FIRST, C_NEW, NC };
    struct widths cw;
    if (!widths_init(W, &cw, NC, 10))
        return;
    W->where = S_FLAGS;
    sheet_head(W, ws, "Flags",
               "Every flag of every client's latest administration: raised, or not evaluable "
               "(a score it needs is missing). Rules and cutoffs are listed on About.");
    for (size_t c = 0; c < NC; c++) {
        put_str(W, ws, hdr, (lxw_col_t)c, head[c], W->f.head);
        widen(&cw, c, head[c], 20);
    }
    cw.w[C_BECAUSE] = 60;
    size_t nflags = 0;
    for (size_t i = 0; i < r->nrows; i++)
        nflags += r->rows[i].nflags;
    lxw_row_t first = hdr + 1, last = hdr + (lxw_row_t)nflags;
    ck(W, worksheet_autofilter(ws, hdr, 0, last, NC - 1));
    worksheet_freeze_panes(ws, hdr + 1, 1);
    severity_colours(W, ws, first, last, C_FLAG, C_SEV, C_SEV, 1, C_STATUS);
    char ref[24], formula[64];
    col_ref(ref, sizeof(ref), C_STATUS, first);
    snprintf(formula, sizeof(formula), "=%s=\"not_evaluable\"", ref);
    cond(W, ws, first, last, 0, NC - 1, formula, NULL, W->f.c_noteval);
    cond(W, ws, first, last, C_NEW, C_NEW, NULL, "\"Yes\"", W->f.c_new);
    lxw_row_t y = hdr + 1;
    for (size_t i = 0; i < r->nrows && !failed(W); i++) {
        const qs_rep_row *row = &r->rows[i];
        const qs_instrument *I = r->instruments[row->instrument].inst;
        for (size_t f = 0; f < row->nflags; f++, y++) {
            const qs_rep_flag *fl = &row->flags[f];
            put_str(W, ws, y, C_CLIENT, row->client, W->f.text);
            widen(&cw, C_CLIENT, row->client, 40);
            put_str(W, ws, y, C_INST, I->id, W->f.text);
            widen(&cw, C_INST, I->id, 24);
            const char *label = fl->label ? fl->label : fl->id;
            put_str(W, ws, y, C_FLAG, label, W->f.text);
            widen(&cw, C_FLAG, label, 40);
            put_str(W, ws, y, C_SEV, severity_name(fl->severity), W->f.text);
            put_str(W, ws, y, C_STATUS, fl->status, W->f.text);
            widen(&cw, C_STATUS, fl->status, 16);
            put_str(W, ws, y, C_VALUES, fl->detail, W->f.text);
            widen(&cw, C_VALUES, fl->detail, 40);
            put_str(W, ws, y, C_BECAUSE, fl->because, W->f.wrap);
            put_str(W, ws, y, C_FIRST, fl->first_raised, W->f.text);
            widen(&cw, C_FIRST, fl->first_raised, 22);
            put_str(W, ws, y, C_NEW, fl->new_in_run ? "Yes" : "No", W->f.text);
            row_lines(W, ws, y, wrap_lines(fl->because, 60));
        }
    }
    print_setup(ws, hdr);
    widths_apply(W, ws, &cw);
}

/* ---- Trends (and TrendData) --------------------------------------------------------------- */

static const lxw_color_t palette[] = {0x1F77B4, 0xFF7F0E, 0x2CA02C, 0x9467BD, 0x8C564B,
                                      0xE377C2, 0x17BECF, 0xBCBD22, 0x7F7F7F, 0x393B79};
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))

/* "score (higher = better)" when every score of the instrument agrees on a direction. */
static const char *y_axis_name(const qs_instrument *I)
{
    size_t hi = 0, lo = 0;
    for (size_t s = 0; s < I->nscores; s++) {
        hi += I->scores[s].better == QS_BETTER_HIGHER;
        lo += I->scores[s].better == QS_BETTER_LOWER;
    }
    if (I->nscores && hi == I->nscores)
        return "score (higher = better)";
    if (I->nscores && lo == I->nscores)
        return "score (lower = better)";
    return "score";
}

static void style_chart(lxw_chart *ch, const qs_instrument *I)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t s = 0; s < I->nscores; s++) {
        if (isfinite(I->scores[s].min_value) && I->scores[s].min_value < lo)
            lo = I->scores[s].min_value;
        if (isfinite(I->scores[s].max_value) && I->scores[s].max_value > hi)
            hi = I->scores[s].max_value;
    }
    if (isfinite(lo) && isfinite(hi) && lo < hi) {
        /* The instrument's whole range, on round steps (1, 2, 2.5 or 5 x 10^k), at most 8. */
        double step = pow(10, floor(log10(hi - lo)));
        static const double mult[] = {0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10};
        for (size_t i = 0; i < sizeof(mult) / sizeof(mult[0]); i++) {
            if ((hi - lo) / (step * mult[i]) <= 8) {
                step *= mult[i];
                break;
            }
        }
        chart_axis_set_min(ch->y_axis, floor(lo / step) * step);
        chart_axis_set_max(ch->y_axis, ceil(hi / step) * step);
        chart_axis_set_major_unit(ch->y_axis, step);
    }
    chart_axis_set_name(ch->y_axis, y_axis_name(I));
    lxw_chart_font axis_font = {.size = 9, .bold = LXW_FALSE};
    chart_axis_set_name_font(ch->y_axis, &axis_font);
    chart_axis_set_num_font(ch->x_axis, &axis_font);
    chart_axis_set_num_font(ch->y_axis, &axis_font);
    lxw_chart_font title_font = {.size = 11, .bold = LXW_TRUE};
    chart_title_set_name_font(ch, &title_font);
    chart_legend_set_position(ch, LXW_CHART_LEGEND_BOTTOM);
    lxw_chart_font legend_font = {.size = 8};
    chart_legend_set_font(ch, &legend_font);
    chart_show_blanks_as(ch, LXW_CHART_BLANKS_AS_GAP);
}

static void style_series(lxw_chart_series *se, size_t s, int reference)
{
    lxw_chart_line line = {.color = palette[s % NPALETTE], .width = reference ? 1.25f : 2.0f};
    if (reference) {
        line.dash_type = LXW_CHART_LINE_DASH_DASH;
        chart_series_set_marker_type(se, LXW_CHART_MARKER_NONE);
    } else {
        lxw_chart_fill fill = {.color = palette[s % NPALETTE]};
        chart_series_set_marker_type(se, LXW_CHART_MARKER_CIRCLE);
        chart_series_set_marker_size(se, 5);
        chart_series_set_marker_fill(se, &fill);
        chart_series_set_marker_line(se, &line);
    }
    chart_series_set_line(se, &line);
}

static void insert_chart(struct wb *W, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col,
                         lxw_chart *ch)
{
    lxw_chart_options opt;
    memset(&opt, 0, sizeof(opt));
    opt.x_scale = CHART_W / 480.0; /* the library's default chart is 480 x 288 px */
    opt.y_scale = CHART_H / 288.0;
    opt.y_offset = 2;
    opt.object_position = LXW_OBJECT_MOVE_DONT_SIZE;
    ck(W, worksheet_insert_chart_opt(ws, row, col, ch, &opt));
}

/* A row gets a trend chart when it has 2+ administrations (and scores to draw). */
static int has_trend(const qs_report *r, const qs_rep_row *row)
{
    return row->nhistory >= 2 && r->instruments[row->instrument].inst->nscores > 0;
}

static void write_trends(struct wb *W, lxw_worksheet *ws, lxw_worksheet *td)
{
    const qs_report *r = W->r;
    const lxw_row_t grid0 = 4;
    size_t ncharts = 0;
    for (size_t i = 0; i < r->nrows; i++)
        ncharts += has_trend(r, &r->rows[i]);
    W->where = S_TRENDS;
    sheet_head(W, ws, "Trends",
               "One chart per client and instrument with 2 or more administrations, in the "
               "order of Summary (flagged first). Dashed lines: reference values (flag cutoffs "
               "or norm means). \"*\" after a date: that administration raised a flag.");
    char line[256];
    if (ncharts)
        snprintf(line, sizeof(line),
                 "%zu charts, two per row. Find (Ctrl+F) a client id to reach its chart; the "
                 "numbers are in the hidden sheet TrendData.",
                 ncharts);
    else
        snprintf(line, sizeof(line), "No client has two or more administrations yet.");
    put_str(W, ws, 2, 0, line, W->f.note);
    worksheet_set_landscape(ws);
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_set_margins(ws, 0.4, 0.4, 0.5, 0.5);

    /* TrendData: per chart, a header row (the names the legend shows) and a row per point. */
    worksheet_hide(td);
    ck(W, worksheet_set_column(td, 0, 0, 16, NULL));
    ck(W, worksheet_set_column(td, 1, 1, 12, NULL));
    ck(W, worksheet_set_column(td, 2, 2, 14, NULL));
    lxw_row_t ty = 0;
    put_str(W, td, ty++, 0,
            "Data of the Trends charts: one block per chart (client and instrument).", W->f.note);
    ty++;
    size_t k = 0;
    for (size_t i = 0; i < r->nrows && !failed(W); i++) {
        const qs_rep_row *row = &r->rows[i];
        if (!has_trend(r, row))
            continue;
        const qs_rep_instrument *ri = &r->instruments[row->instrument];
        const qs_instrument *I = ri->inst;
        size_t n = row->nhistory;

        /* The caption above the chart slot: the chart's title, and what Find lands on. */
        lxw_row_t anchor = grid0 + (lxw_row_t)(k / 2) * GRID_ROWS;
        lxw_col_t col = (lxw_col_t)((k % 2) * GRID_COLS);
        put_str(W, ws, anchor, col, dash_title(W, row->client, I->id), W->f.caption);

        /* The data block. */
        lxw_row_t h = ty, d0 = ty + 1, d1 = ty + (lxw_row_t)n;
        put_str(W, td, h, 0, "Client", W->f.head);
        put_str(W, td, h, 1, "Instrument", W->f.head);
        put_str(W, td, h, 2, "Date", W->f.head);
        lxw_col_t c = 3;
        for (size_t s = 0; s < I->nscores; s++)
            put_str(W, td, h, c++, I->scores[s].id, W->f.head);
        for (size_t s = 0; s < I->nscores; s++)
            if (ri->reference && isfinite(ri->reference[s]))
                put_str(W, td, h, c++,
                        ri->reference_label && ri->reference_label[s] ? ri->reference_label[s]
                                                                      : "reference",
                        W->f.head);
        for (size_t p = 0; p < n; p++) {
            const qs_rep_point *pt = &row->history[p];
            lxw_row_t y = d0 + (lxw_row_t)p;
            put_str(W, td, y, 0, row->client, NULL);
            put_str(W, td, y, 1, I->id, NULL);
            put_str(W, td, y, 2, category(W, pt, p), NULL);
            c = 3;
            for (size_t s = 0; s < I->nscores; s++)
                put_num(W, td, y, c++, pt->values ? pt->values[s] : NAN, W->f.num2);
            for (size_t s = 0; s < I->nscores; s++)
                if (ri->reference && isfinite(ri->reference[s]))
                    put_num(W, td, y, c++, ri->reference[s], W->f.num2);
        }
        ty = d1 + 2;

        /* The chart: scores first, then their reference lines (dashed, in the score's colour). */
        lxw_chart *ch = workbook_add_chart(W->book, LXW_CHART_LINE);
        if (!ch) {
            W->rc = QS_ENOMEM;
            break;
        }
        chart_title_set_name_range(ch, S_TRENDS, anchor, col);
        c = 3;
        for (int pass = 0; pass < 2 && !W->rc; pass++) {
            for (size_t s = 0; s < I->nscores; s++) {
                if (pass == 1 && !(ri->reference && isfinite(ri->reference[s])))
                    continue;
                lxw_chart_series *se = chart_add_series(ch, NULL, NULL);
                if (!se) {
                    W->rc = QS_ENOMEM;
                    break;
                }
                chart_series_set_categories(se, S_TRENDDATA, d0, 2, d1, 2);
                chart_series_set_values(se, S_TRENDDATA, d0, c, d1, c);
                chart_series_set_name_range(se, S_TRENDDATA, h, c);
                style_series(se, s, pass == 1);
                c++;
            }
        }
        style_chart(ch, I);
        insert_chart(W, ws, anchor + 1, col, ch);
        k++;
    }
}

/* ---- Groups ------------------------------------------------------------------------------- */

struct gkey {
    const char *group; /* NULL: no group */
    size_t inst;
    size_t row;
};

static int cmp_gkey(const void *x, const void *y)
{
    const struct gkey *a = x, *b = y;
    if (!a->group != !b->group)
        return a->group ? -1 : 1; /* "(no group)" last */
    int c = a->group ? strcmp(a->group, b->group) : 0;
    if (!c)
        c = (a->inst > b->inst) - (a->inst < b->inst);
    if (!c)
        c = (a->row > b->row) - (a->row < b->row);
    return c;
}

struct gstat {
    long n;
    double mean, m2, min, max; /* Welford */
};

/* One group x instrument: its rows in keys[from..to), its statistics, its first table row. */
struct gblock {
    size_t from, to;
    size_t waves;
    struct gstat *st; /* [score * waves + wave] */
    long *flagged;    /* [wave] */
    lxw_row_t first;  /* first table row */
};

static int block_stats(struct wb *W, struct gblock *b, const struct gkey *keys, const qs_report *r)
{
    const qs_instrument *I = r->instruments[keys[b->from].inst].inst;
    size_t ns = I->nscores, waves = 0;
    for (size_t k = b->from; k < b->to; k++)
        if (r->rows[keys[k].row].nhistory > waves)
            waves = r->rows[keys[k].row].nhistory;
    b->waves = waves;
    b->st = calloc(ns * waves > 0 ? ns * waves : 1, sizeof(*b->st));
    b->flagged = calloc(waves ? waves : 1, sizeof(long));
    if (!b->st || !b->flagged) {
        W->rc = QS_ENOMEM;
        return 0;
    }
    for (size_t k = b->from; k < b->to; k++) {
        const qs_rep_row *row = &r->rows[keys[k].row];
        for (size_t w = 0; w < row->nhistory; w++) {
            const qs_rep_point *p = &row->history[w];
            b->flagged[w] += p->flagged != 0;
            for (size_t s = 0; s < ns && p->values; s++) {
                double v = p->values[s];
                if (!isfinite(v))
                    continue;
                struct gstat *g = &b->st[s * waves + w];
                g->n++;
                double d = v - g->mean;
                g->mean += d / (double)g->n;
                g->m2 += d * (v - g->mean);
                if (g->n == 1 || v < g->min)
                    g->min = v;
                if (g->n == 1 || v > g->max)
                    g->max = v;
            }
        }
    }
    return 1;
}

static void write_groups(struct wb *W, lxw_worksheet *ws)
{
    const qs_report *r = W->r;
    const lxw_row_t hdr = 3;
    static const char *const head[] = {"Group", "Instrument", "Score", "Wave", "n",
                                       "Mean",  "SD",         "Min",   "Max",  "Flagged"};
    enum { C_GROUP, C_INST, C_SCORE, C_WAVE, C_N, C_MEAN, C_SD, C_MIN, C_MAX, C_FLAGGED, NC };
    const lxw_col_t chart_col = NC + 1;
    struct gkey *keys = calloc(r->nrows ? r->nrows : 1, sizeof(*keys));
    struct gblock *blocks = calloc(r->nrows ? r->nrows : 1, sizeof(*blocks));
    struct trow {
        size_t b, s, w;
    } *trows = NULL;
    struct widths cw = {NULL, 0};
    size_t nblocks = 0, ntrows = 0;
    W->where = S_GROUPS;
    if (!keys || !blocks || !widths_init(W, &cw, NC, 8)) {
        W->rc = QS_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < r->nrows; i++) {
        const char *g = r->rows[i].group;
        keys[i].group = g && *g ? g : NULL;
        keys[i].inst = r->rows[i].instrument;
        keys[i].row = i;
    }
    qsort(keys, r->nrows, sizeof(*keys), cmp_gkey);
    for (size_t i = 0; i < r->nrows && !failed(W);) {
        size_t j = i + 1;
        while (j < r->nrows && cmp_gkey(&(struct gkey){keys[i].group, keys[i].inst, 0},
                                        &(struct gkey){keys[j].group, keys[j].inst, 0}) == 0)
            j++;
        struct gblock *b = &blocks[nblocks];
        b->from = i;
        b->to = j;
        if (block_stats(W, b, keys, r) && b->waves > 0 &&
            r->instruments[keys[i].inst].inst->nscores > 0) {
            b->first = hdr + 1 + (lxw_row_t)ntrows;
            ntrows += r->instruments[keys[i].inst].inst->nscores * b->waves;
            nblocks++;
        } else {
            free(b->st);
            free(b->flagged);
            b->st = NULL;
            b->flagged = NULL;
        }
        i = j;
    }
    trows = calloc(ntrows ? ntrows : 1, sizeof(*trows));
    if (!trows) {
        W->rc = QS_ENOMEM;
        goto done;
    }
    for (size_t b = 0, t = 0; b < nblocks; b++)
        for (size_t s = 0; s < r->instruments[keys[blocks[b].from].inst].inst->nscores; s++)
            for (size_t w = 0; w < blocks[b].waves; w++)
                trows[t++] = (struct trow){b, s, w};

    sheet_head(W, ws, "Groups",
               "Wave k = each client's k-th administration of the instrument. n counts clients "
               "with a value; SD is the sample SD (n - 1), blank when n < 2. Flagged: clients "
               "whose wave-k administration raised a flag. Charts: group means over waves.");
    ck(W, worksheet_set_row(ws, hdr, 30, NULL));
    ck(W, worksheet_autofilter(ws, hdr, 0, hdr + (lxw_row_t)ntrows, NC - 1));
    worksheet_freeze_panes(ws, hdr + 1, 1);

    /* Row by row (as constant_memory requires): the header, the table and, to its right, the
     * chart captions (the charts' titles) two per grid row, each chart just below its own. */
    lxw_row_t last_caption = nblocks ? hdr + (lxw_row_t)((nblocks - 1) / 2) * GRID_ROWS : hdr;
    lxw_row_t end = hdr + (lxw_row_t)ntrows;
    if (last_caption > end)
        end = last_caption;
    size_t next_caption = 0;
    for (lxw_row_t y = hdr; y <= end && !failed(W); y++) {
        if (y == hdr) {
            for (size_t c = 0; c < NC; c++) {
                put_str(W, ws, hdr, (lxw_col_t)c, head[c], W->f.head);
                widen(&cw, c, head[c], 12);
            }
        } else if (y - hdr - 1 < ntrows) {
            const struct trow *t = &trows[y - hdr - 1];
            const struct gblock *b = &blocks[t->b];
            const qs_instrument *I = r->instruments[keys[b->from].inst].inst;
            const char *group = keys[b->from].group ? keys[b->from].group : NO_GROUP;
            const struct gstat *g = &b->st[t->s * b->waves + t->w];
            put_str(W, ws, y, C_GROUP, group, NULL);
            widen(&cw, C_GROUP, group, 30);
            put_str(W, ws, y, C_INST, I->id, NULL);
            widen(&cw, C_INST, I->id, 24);
            put_str(W, ws, y, C_SCORE, I->scores[t->s].id, NULL);
            widen(&cw, C_SCORE, I->scores[t->s].id, 20);
            put_num(W, ws, y, C_WAVE, (double)(t->w + 1), W->f.int0);
            put_num(W, ws, y, C_N, (double)g->n, W->f.int0);
            put_num(W, ws, y, C_MEAN, g->n ? g->mean : NAN, W->f.num2);
            put_num(W, ws, y, C_SD, g->n >= 2 ? sqrt(g->m2 / (double)(g->n - 1)) : NAN, W->f.num2);
            put_num(W, ws, y, C_MIN, g->n ? g->min : NAN, W->f.num2);
            put_num(W, ws, y, C_MAX, g->n ? g->max : NAN, W->f.num2);
            put_num(W, ws, y, C_FLAGGED, (double)b->flagged[t->w], W->f.int0);
        }
        while (next_caption < nblocks && hdr + (lxw_row_t)(next_caption / 2) * GRID_ROWS == y) {
            const struct gblock *b = &blocks[next_caption];
            const char *group = keys[b->from].group ? keys[b->from].group : NO_GROUP;
            put_str(W, ws, y, (lxw_col_t)(chart_col + (next_caption % 2) * GRID_COLS),
                    dash_title(W, group, r->instruments[keys[b->from].inst].inst->id),
                    W->f.caption);
            next_caption++;
        }
    }

    /* Charts: one per block, the mean of each score over the waves. */
    for (size_t bi = 0; bi < nblocks && !failed(W); bi++) {
        const struct gblock *b = &blocks[bi];
        const qs_instrument *I = r->instruments[keys[b->from].inst].inst;
        lxw_chart *ch = workbook_add_chart(W->book, LXW_CHART_LINE);
        if (!ch) {
            W->rc = QS_ENOMEM;
            break;
        }
        lxw_row_t anchor = hdr + (lxw_row_t)(bi / 2) * GRID_ROWS;
        lxw_col_t col = (lxw_col_t)(chart_col + (bi % 2) * GRID_COLS);
        chart_title_set_name_range(ch, S_GROUPS, anchor, col);
        for (size_t s = 0; s < I->nscores; s++) {
            lxw_row_t f0 = b->first + (lxw_row_t)(s * b->waves);
            lxw_row_t f1 = f0 + (lxw_row_t)b->waves - 1;
            lxw_chart_series *se = chart_add_series(ch, NULL, NULL);
            if (!se) {
                W->rc = QS_ENOMEM;
                break;
            }
            chart_series_set_categories(se, S_GROUPS, f0, C_WAVE, f1, C_WAVE);
            chart_series_set_values(se, S_GROUPS, f0, C_MEAN, f1, C_MEAN);
            chart_series_set_name_range(se, S_GROUPS, f0, C_SCORE);
            style_series(se, s, 0);
        }
        style_chart(ch, I);
        chart_axis_set_name(ch->x_axis, "wave");
        insert_chart(W, ws, anchor + 1, col, ch);
    }

    print_setup(ws, hdr);
    widths_apply(W, ws, &cw);
done:
    for (size_t bi = 0; blocks && bi < nblocks; bi++) {
        free(blocks[bi].st);
        free(blocks[bi].flagged);
    }
    free(cw.w);
    free(trows);
    free(blocks);
    free(keys);
}

/* ---- Items -------------------------------------------------------------------------------- */

static void write_items(struct wb *W, lxw_worksheet *ws)
{
    const qs_report *r = W->r;
    enum { C_CLIENT, C_INST, C_DATE, C_MISSING, C_LONG, C_IRV, C_ITEM1 };
    static const char *const fixed[] = {"Client",  "Instrument",  "Date",
                                        "Missing", "Longest run", "IRV"};
    size_t maxn = 0;
    for (size_t i = 0; i < r->ninstruments; i++)
        if (r->instruments[i].inst->nitems > maxn)
            maxn = r->instruments[i].inst->nitems;
    struct widths cw;
    if (!widths_init(W, &cw, C_ITEM1 + maxn, 4.5))
        return;
    W->where = S_ITEMS;
    sheet_head(W, ws, "Items",
               "Raw answers of each client's latest administration, as given (before reverse "
               "keying), under the item's published number.");
    lxw_row_t y = 2;
    put_str(W, ws, y, 0, "Legend", W->f.label);
    ck(W, worksheet_write_number(ws, y, 1, 4, W->f.rev));
    put_str(W, ws, y, 2, "reverse-keyed item: scored as (scale min + max - answer)", NULL);
    y++;
    put_str(W, ws, y, 1, "\xE2\x80\x94", W->f.miss);
    put_str(W, ws, y, 2, "no answer", NULL);
    y++;
    put_str(W, ws, y, 2,
            "Missing = share of items unanswered; Longest run = longest run of identical "
            "answers; IRV = SD of the answers (low: the same answer throughout).",
            NULL);
    y++;
    char line[512];
    for (size_t i = 0; i < r->ninstruments && !failed(W); i++) {
        const qs_instrument *I = r->instruments[i].inst;
        join_reset(W);
        snprintf(line, sizeof(line), "%s: scale %d-%d; reverse-keyed items: ", I->id, I->scale.min,
                 I->scale.max);
        join_add(W, line);
        int any = 0;
        for (size_t j = 0; j < I->nitems; j++) {
            if (!I->items[j].reverse)
                continue;
            snprintf(line, sizeof(line), "%s%d", any ? ", " : "", I->items[j].id);
            join_add(W, line);
            any = 1;
        }
        if (!any)
            join_add(W, "none");
        put_str(W, ws, y++, 2, W->join, NULL);
    }
    y++;
    const lxw_row_t hdr = y;
    ck(W, worksheet_set_row(ws, hdr, 30, NULL));
    for (size_t c = 0; c < C_ITEM1; c++) {
        put_str(W, ws, hdr, (lxw_col_t)c, fixed[c], W->f.head);
        widen(&cw, c, fixed[c], 14);
    }
    for (size_t j = 0; j < maxn; j++) {
        snprintf(line, sizeof(line), "%zu", j + 1);
        put_str(W, ws, hdr, (lxw_col_t)(C_ITEM1 + j), line, W->f.head);
    }
    ck(W, worksheet_autofilter(ws, hdr, 0, hdr + (lxw_row_t)r->nrows,
                               (lxw_col_t)(C_ITEM1 + maxn - 1)));
    worksheet_freeze_panes(ws, hdr + 1, 1);
    for (size_t i = 0; i < r->nrows && !failed(W); i++) {
        const qs_rep_row *row = &r->rows[i];
        const qs_instrument *I = r->instruments[row->instrument].inst;
        lxw_row_t yy = hdr + 1 + (lxw_row_t)i;
        put_str(W, ws, yy, C_CLIENT, row->client, NULL);
        widen(&cw, C_CLIENT, row->client, 40);
        put_str(W, ws, yy, C_INST, I->id, NULL);
        widen(&cw, C_INST, I->id, 24);
        put_str(W, ws, yy, C_DATE, row->date, NULL);
        widen(&cw, C_DATE, row->date, 22);
        put_num(W, ws, yy, C_MISSING, row->missing_fraction, W->f.pct);
        put_num(W, ws, yy, C_LONG, row->longstring >= 0 ? (double)row->longstring : NAN, W->f.int0);
        put_num(W, ws, yy, C_IRV, row->irv, W->f.num2);
        for (size_t j = 0; row->answers && j < I->nitems && j < maxn; j++) {
            lxw_col_t c = (lxw_col_t)(C_ITEM1 + j);
            if (row->answers[j] == QS_MISSING)
                put_str(W, ws, yy, c, "\xE2\x80\x94", W->f.miss);
            else
                ck(W, worksheet_write_number(ws, yy, c, row->answers[j],
                                             I->items[j].reverse ? W->f.rev : W->f.int0));
        }
    }
    print_setup(ws, hdr);
    widths_apply(W, ws, &cw);
}

/* ---- About -------------------------------------------------------------------------------- */

static const double about_widths[] = {30, 44, 70, 30, 36, 40, 50};

/* A wrapped About cell; `lines` keeps the most lines a cell of the row needs. */
static void acell(struct wb *W, lxw_worksheet *ws, lxw_row_t y, lxw_col_t c, const char *s,
                  lxw_format *f, int *lines)
{
    put_str(W, ws, y, c, s, f);
    if (s && c < sizeof(about_widths) / sizeof(about_widths[0])) {
        int n = wrap_lines(s, about_widths[c]);
        if (n > *lines)
            *lines = n;
    }
}

static void about_pair(struct wb *W, lxw_worksheet *ws, lxw_row_t *y, const char *k, const char *v)
{
    int lines = 1;
    acell(W, ws, *y, 0, k, W->f.label, &lines);
    acell(W, ws, *y, 1, v, W->f.wrap, &lines);
    row_lines(W, ws, *y, lines);
    (*y)++;
}

static void about_head(struct wb *W, lxw_worksheet *ws, lxw_row_t *y, const char *section,
                       const char *const *cols, size_t n)
{
    (*y)++;
    put_str(W, ws, (*y)++, 0, section, W->f.title);
    for (size_t c = 0; c < n; c++)
        put_str(W, ws, *y, (lxw_col_t)c, cols[c], W->f.head);
    (*y)++;
}

static void write_about(struct wb *W, lxw_worksheet *ws)
{
    const qs_report *r = W->r;
    char line[512];
    lxw_row_t y = 0;
    W->where = S_ABOUT;
    for (size_t c = 0; c < sizeof(about_widths) / sizeof(about_widths[0]); c++)
        ck(W, worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, about_widths[c], NULL));
    ck(W, worksheet_set_row(ws, 0, 20, NULL));
    put_str(W, ws, y++, 0, "About this workbook", W->f.title);
    about_pair(W, ws, &y, "Disclaimer", QS_REPORT_DISCLAIMER);
    about_pair(W, ws, &y, "Workbook", r->title);
    about_pair(W, ws, &y, "Clinic", r->clinic);
    about_pair(W, ws, &y, "Generated at", r->created);
    about_pair(W, ws, &y, "qscore version", r->qscore_version);
    snprintf(line, sizeof(line), "%lld", r->run_id);
    about_pair(W, ws, &y, "Run id", line);
    about_pair(W, ws, &y, "Run started", r->run_started);

    static const char *const sheets[][2] = {
        {"Summary", "One row per client and instrument: the latest scores, T scores (with a "
                    "norm), change since the first administration and its reliable change "
                    "class. Flagged clients first."},
        {"Flags", "Every flag of the latest administration, why it was raised and since when."},
        {"Trends", "Charts of each client's scores over administrations, with reference lines."},
        {"Groups", "Group means, SD and ranges per wave, with charts."},
        {"Items", "The raw answers behind the scores (reverse-keyed items marked)."},
        {"TrendData", "Hidden sheet with the numbers the Trends charts draw (Unhide to see)."}};
    static const char *const sheet_cols[] = {"Sheet", "What it shows"};
    about_head(W, ws, &y, "Sheets", sheet_cols, 2);
    for (size_t i = 0; i < sizeof(sheets) / sizeof(sheets[0]); i++)
        about_pair(W, ws, &y, sheets[i][0], sheets[i][1]);

    static const char *const inst_cols[] = {"Instrument",      "Name",       "Citation", "Version",
                                            "Norm population", "Norm source"};
    about_head(W, ws, &y, "Instruments and norms", inst_cols, 6);
    for (size_t i = 0; i < r->ninstruments && !failed(W); i++, y++) {
        const qs_rep_instrument *ri = &r->instruments[i];
        const qs_instrument *I = ri->inst;
        int lines = 1;
        acell(W, ws, y, 0, I->id, W->f.label, &lines);
        acell(W, ws, y, 1, I->name, W->f.wrap, &lines);
        acell(W, ws, y, 2, I->citation, W->f.wrap, &lines);
        acell(W, ws, y, 3, I->version, W->f.wrap, &lines);
        int k = ri->norm_id ? qs_instrument_norm_index(I, ri->norm_id) : -1;
        if (k >= 0) {
            const qs_norm *N = &I->norms[k];
            if (N->n > 0)
                snprintf(line, sizeof(line), "%s (%s, %s, n = %ld)", N->name ? N->name : N->id,
                         N->id, qs_norm_kind_name(N->kind), N->n);
            else
                snprintf(line, sizeof(line), "%s (%s, %s)", N->name ? N->name : N->id, N->id,
                         qs_norm_kind_name(N->kind));
            acell(W, ws, y, 4, line, W->f.wrap, &lines);
            acell(W, ws, y, 5, N->source, W->f.wrap, &lines);
        } else if (ri->norm_id) {
            acell(W, ws, y, 4, ri->norm_id, W->f.wrap, &lines);
        } else {
            acell(W, ws, y, 4, "none confirmed; flags use local defaults", W->f.wrap, &lines);
        }
        row_lines(W, ws, y, lines);
    }

    static const char *const rule_cols[] = {"Instrument", "Flag",   "Because",     "Rule",
                                            "Severity",   "Cutoff", "Cutoff basis"};
    about_head(W, ws, &y, "Flag rules", rule_cols, 7);
    for (size_t i = 0; i < r->ninstruments && !failed(W); i++) {
        const qs_instrument *I = r->instruments[i].inst;
        for (size_t f = 0; f < I->nflags; f++, y++) {
            const qs_flag *fl = &I->flags[f];
            int lines = 1;
            acell(W, ws, y, 0, I->id, W->f.label, &lines);
            acell(W, ws, y, 1, fl->label ? fl->label : fl->id, W->f.wrap, &lines);
            acell(W, ws, y, 2, fl->because, W->f.wrap, &lines);
            acell(W, ws, y, 3, fl->rule_text, W->f.wrap, &lines);
            acell(W, ws, y, 4, severity_name((int)fl->severity), W->f.wrap, &lines);
            acell(W, ws, y, 5, fl->cutoff, W->f.wrap, &lines);
            acell(W, ws, y, 6,
                  fl->local_default ? "local default cutoff, not a published norm"
                                    : "published cutoff (see the instrument's citation)",
                  W->f.wrap, &lines);
            row_lines(W, ws, y, lines);
        }
    }

    static const char *const rci[][2] = {
        {"reliable_deterioration", "Changed for the worse by more than measurement error "
                                   "explains (|RCI| > 1.96, Jacobson & Truax 1991)."},
        {"reliable_improvement", "Changed for the better by more than measurement error "
                                 "explains (|RCI| > 1.96)."},
        {"no_reliable_change", "The change is within measurement error."},
        {"reliable_increase, reliable_decrease",
         "Reliable change where the instrument does not say which direction is better."},
        {"not_computable", "No baseline, a missing score, or no reliability to compute it."}};
    static const char *const rci_cols[] = {"RCI class", "Meaning"};
    about_head(W, ws, &y, "Reliable change (RCI column; change = latest - first)", rci_cols, 2);
    for (size_t i = 0; i < sizeof(rci) / sizeof(rci[0]); i++)
        about_pair(W, ws, &y, rci[i][0], rci[i][1]);

    static const char *const file_cols[] = {"Source", "File", "SHA-256"};
    about_head(W, ws, &y, "Input files", file_cols, 3);
    for (size_t i = 0; i < r->nfiles && !failed(W); i++, y++) {
        int lines = 1;
        acell(W, ws, y, 0, r->files[i].source, W->f.label, &lines);
        acell(W, ws, y, 1, r->files[i].path, W->f.wrap, &lines);
        acell(W, ws, y, 2, r->files[i].sha256, NULL, &lines);
        row_lines(W, ws, y, lines);
    }
    if (!r->nfiles)
        put_str(W, ws, y++, 0, "none recorded", W->f.note);
    worksheet_set_landscape(ws);
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_set_margins(ws, 0.4, 0.4, 0.5, 0.5);
}

/* ---- the workbook ------------------------------------------------------------------------- */

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

/* r->created ("YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS]...", read as UTC) as a time_t. */
static time_t created_time(const char *s)
{
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (!s || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d))
        return FALLBACK_TIME;
    if ((s[10] == 'T' || s[10] == ' ') && digits(s + 11, 2, &h) && s[13] == ':' &&
        digits(s + 14, 2, &mi)) {
        if (s[16] == ':' && !digits(s + 17, 2, &se))
            se = 0;
    } else {
        h = mi = 0;
    }
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return FALLBACK_TIME;
    /* Days since 1970-01-01 of a proleptic Gregorian date (timegm() is not POSIX). */
    long yy = mo <= 2 ? y - 1 : y;
    long era = yy / 400, yoe = yy - era * 400;
    long doy = (153L * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long days = era * 146097 + doe - 719468;
    time_t t = (time_t)days * 86400 + h * 3600 + mi * 60 + se;
    return t > 0 ? t : FALLBACK_TIME;
}

static qs_error check_report(const qs_report *r, qs_diag *diag)
{
    for (size_t i = 0; i < r->ninstruments; i++) {
        if (!r->instruments[i].inst) {
            qs_diag_set(diag, NULL, 0, 0, NULL, "report instrument %zu has no definition", i);
            return QS_EREPORT;
        }
    }
    for (size_t i = 0; i < r->nrows; i++) {
        const qs_rep_row *row = &r->rows[i];
        if (row->instrument >= r->ninstruments) {
            qs_diag_set(diag, NULL, 0, 0, NULL, "report row %zu names instrument %zu of %zu", i + 1,
                        row->instrument, r->ninstruments);
            return QS_EREPORT;
        }
        if ((row->nflags && !row->flags) || (row->nhistory && !row->history)) {
            qs_diag_set(diag, NULL, 0, 0, NULL, "report row %zu has counts without arrays", i + 1);
            return QS_EREPORT;
        }
    }
    return QS_OK;
}

/* Sync the finished temporary, so the rename never exposes a file whose bytes are not on disk. */
static int sync_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    int rc = fsync(fileno(fp));
    if (fclose(fp) != 0)
        rc = -1;
    return rc;
}

qs_error qs_report_write_xlsx(const qs_report *r, const char *path, qs_diag *diag)
{
    struct wb W;
    char tmp[4096];
    qs_error rc = QS_OK;
    int fd = -1;
    char *title = NULL, *comments = NULL;
    locale_t c_locale = (locale_t)0, old_locale = (locale_t)0;

    memset(&W, 0, sizeof(W));
    W.r = r;
    qs_diag_clear(diag);
    rc = check_report(r, diag);
    if (rc)
        return rc;

    /* The temporary: ".NAME.tmp.XXXXXX" beside the target (as qs_atomic_open names them). */
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path + 1) : 0;
    const char *base = slash ? slash + 1 : path;
    if (!*base) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot write workbook '%s': not a file name", path);
        return QS_EIO;
    }
    int n = snprintf(tmp, sizeof(tmp), "%.*s.%s.tmp.XXXXXX", dirlen, path, base);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot write workbook '%s': path too long", path);
        return QS_EIO;
    }
    fd = mkstemp(tmp); /* mode 0600 */
    if (fd < 0) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot write workbook '%s': %s", path,
                    strerror(errno));
        return QS_EIO;
    }
    close(fd);

    /* Numbers are printed by the library with %G: a decimal-comma locale would corrupt them. */
    c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c_locale)
        old_locale = uselocale(c_locale);

    lxw_workbook_options opt = {.constant_memory = QS_WB_CONSTANT_MEMORY ? LXW_TRUE : LXW_FALSE,
                                .tmpdir = NULL,
                                .use_zip64 = LXW_FALSE};
    W.book = workbook_new_opt(tmp, &opt);
    if (!W.book) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot write workbook '%s': out of memory", path);
        rc = QS_ENOMEM;
        goto done;
    }

    const char *t = r->title ? clean(&W, r->title) : NULL;
    title = t ? strdup(t) : NULL;
    comments = strdup(QS_REPORT_DISCLAIMER);
    lxw_doc_properties props;
    memset(&props, 0, sizeof(props));
    props.title = title;
    props.subject = "qscore therapist workbook";
    props.author = "qscore";
    props.comments = comments;
    props.created = created_time(r->created);
    ck(&W, workbook_set_properties(W.book, &props));

    /* Every sheet first, so their order is fixed whatever is written when. */
    lxw_worksheet *summary = workbook_add_worksheet(W.book, S_SUMMARY);
    lxw_worksheet *flags = workbook_add_worksheet(W.book, S_FLAGS);
    lxw_worksheet *trends = workbook_add_worksheet(W.book, S_TRENDS);
    lxw_worksheet *groups = workbook_add_worksheet(W.book, S_GROUPS);
    lxw_worksheet *items = workbook_add_worksheet(W.book, S_ITEMS);
    lxw_worksheet *about = workbook_add_worksheet(W.book, S_ABOUT);
    lxw_worksheet *trenddata = workbook_add_worksheet(W.book, S_TRENDDATA);
    if (!summary || !flags || !trends || !groups || !items || !about || !trenddata)
        W.rc = QS_ENOMEM;
    if (!failed(&W))
        make_formats(&W);
    if (!failed(&W))
        write_summary(&W, summary);
    if (!failed(&W))
        write_flags(&W, flags);
    if (!failed(&W))
        write_trends(&W, trends, trenddata);
    if (!failed(&W))
        write_groups(&W, groups);
    if (!failed(&W))
        write_items(&W, items);
    if (!failed(&W))
        write_about(&W, about);
    if (!failed(&W))
        worksheet_activate(summary);

    /* Close even after an error: it frees the workbook (the file is then removed). */
    lxw_error cerr = workbook_close(W.book);
    W.book = NULL;
    if (W.rc) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot write workbook '%s': %s", path,
                    qs_strerror(W.rc));
        rc = W.rc;
    } else if (W.lerr) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot write workbook '%s': sheet %s: %s", path,
                    W.err_where ? W.err_where : "?", lxw_strerror(W.lerr));
        rc = QS_EREPORT;
    } else if (cerr) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot write workbook '%s': %s", path,
                    lxw_strerror(cerr));
        rc = cerr == LXW_ERROR_CREATING_XLSX_FILE || cerr == LXW_ERROR_CREATING_TMPFILE
                 ? QS_EIO
                 : QS_EREPORT;
    } else if (chmod(tmp, 0600) != 0 || sync_file(tmp) != 0 || rename(tmp, path) != 0 ||
               qs_atomic_sync_dir(path) != 0) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot write workbook '%s': %s", path,
                    strerror(errno));
        rc = QS_EIO;
    }

done:
    if (rc)
        unlink(tmp);
    if (c_locale) {
        uselocale(old_locale);
        freelocale(c_locale);
    }
    free(title);
    free(comments);
    free(W.scratch);
    free(W.join);
    return rc;
}
