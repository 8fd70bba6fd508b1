/* workbook_trends.c - the Trends sheet (one block per client: its instruments' charts side by
 * side on a date axis) and the hidden TrendData sheet its charts draw from. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "qscore/expr.h"
#include "report_internal.h"
#include "workbook_internal.h"

/*
 * Layout. Rows 0-2: the title and a note on how to read the charts (both repeated on every
 * printed page), and the chart-limit line (empty when every client has its charts). Then one block
 * per client, in Summary order (r->clients): a heading row (client id; group and last assessed
 * date), then its instruments' charts, TR_PER_LINE side by side in instrument order, each line
 * of charts TR_CHART_ROWS rows tall. An instrument gets a chart when it has a dated form with a
 * value; a client gets a block when one of its instruments does.
 *
 * Paper. The sheet prints landscape at 100% (no fit-to-page: a scale would change the height of
 * the rows on paper and make the page breaks below meaningless), with qs_wb__page_setup's
 * margins (top and bottom 0.75 in; the header and footer sit inside them), rows 0-1 (the title,
 * 20 pt, and the note saying what the markers mean) repeated on every page. Block rows keep the
 * default 15 pt (20 px); columns 0-13 are set to Excel's default 64 px (LibreOffice sizes a
 * chart by the cells it is anchored to, and its own default column is wider). A chart is
 * 436 x 256 px (327 x 192 pt), inside its 13 rows (195 pt); two side by side end inside column
 * 13, at 892 px = 669 pt, within the printable width of letter (11 - 0.8 in = 734 pt) and A4
 * (11.69 - 0.8 in = 784 pt), with room for LibreOffice's columns, about 5% wider than Excel's
 * with Carlito (without a Calibri-compatible font they are wider still, and the right-hand
 * charts print on pages of their own).
 * The printable height is 8.5 - 1.5 = 7 in = 504 pt on letter and 8.27 - 1.5 = 6.77 in = 487 pt
 * on A4; a page holds the repeated rows (35 pt), and, keeping TR_SAFETY_PT spare for rounding in
 * spreadsheet programs, two blocks of one chart line (2 x 14 rows = 420 pt); the first page holds
 * the sheet's head (50 pt) and two blocks too. Blocks are laid out greedily: a manual page break
 * goes before the heading (with the first chart line) or the further chart line that would not
 * fit on the page, so no chart crosses a page. Excel allows 1,023 manual breaks: clients beyond
 * them get no chart.
 *
 * Chart limit (qs_wb__plan_charts). Clients needing attention get their charts first, then the
 * overdue, then the rest, each in Summary order, while the total stays within r->max_charts (a
 * block has all its client's charts or none); from the first client that does not fit on, no
 * client has a chart, and the line in row 2 says how many. Blocks stand in Summary order (with
 * sections by group, a section's charted clients together).
 *
 * The layout is a function of the report alone (layout_next): qs_wb__plan_charts lays it out
 * once before any sheet, for the Summary's links (qs_wb__trend_row), and this sheet again with
 * its page breaks.
 *
 * Charts: scatter charts with straight lines, x = Excel date serials, so uneven spacing shows;
 * one x range for all of a client's charts (mid-month ticks labelled "mmm yyyy"). Per score: its
 * usable forms joined by a line in the score's colour (an unusable form or a missing value is a
 * blank cell, which the line passes over); unusable forms as rings ("<score>: form not usable");
 * the scores a raised flag used as red dots ("<score>: flagged"; not "raised", the status word
 * no therapist should read); and, when a one-score flag rule uses the score, its cutoff as a
 * dashed line in the score's colour across the chart ("<score> cutoff 2.50"). The legend shows
 * the lines and cutoffs; the note says what the markers mean (trend_chart). Chart and series
 * names are cells on TrendData (never strings: see workbook.c), which holds the numbers of
 * charted clients only.
 */

#define TR_HEAD_ROWS  3    /* title, note, chart-limit line */
#define TR_CHART_ROWS 13   /* rows per line of charts */
#define TR_PER_LINE   2    /* charts side by side */
#define TR_SLOT_COLS  7    /* columns (64 px) from one chart's left edge to the next, ... */
#define TR_GAP_PX     8    /* ... plus this gap */
#define TR_CHART_W    436  /* pixels */
#define TR_CHART_H    256  /* TR_CHART_ROWS rows of 20 px, less 2 px above and below */
#define TR_ROW_PT     15.0 /* every row but the title: the default height */
#define TR_TITLE_PT   20.0 /* row 0 (qs_wb__sheet_head) */
#define TR_SAFETY_PT  12.0 /* spare on each page */
#define TR_MAX_BREAKS LXW_BREAKS_MAX
#define TR_MONTH      30.436875 /* days: the mean Gregorian month */
#define TR_RED        0xE00000
#define TR_DARK_RED   0x800000

/* ---- what gets a chart ---------------------------------------------------------------------- */

/* Whether `row` gets a chart: some dated form has a value. */
static int chartable(const qs_report *r, const qs_rep_row *row)
{
    size_t ns = r->instruments[row->instrument].inst->nscores;
    for (size_t p = 0; p < row->nhistory; p++) {
        const qs_rep_point *pt = &row->history[p];
        if (!pt->values || isnan(qs_wb__date_serial(pt->date)))
            continue;
        for (size_t s = 0; s < ns; s++)
            if (isfinite(pt->values[s]))
                return 1;
    }
    return 0;
}

static const qs_rep_row *client_row(const qs_report *r, const qs_rep_client *c, size_t i)
{
    return c->rows[i] < r->nrows ? &r->rows[c->rows[i]] : NULL;
}

/* The charts client `c` would have. */
static size_t client_charts(const qs_report *r, const qs_rep_client *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->nrows; i++) {
        const qs_rep_row *row = client_row(r, c, i);
        n += row && chartable(r, row);
    }
    return n;
}

/* ---- the layout ----------------------------------------------------------------------------- */

struct layout {
    const qs_report *r;
    const unsigned char *ok; /* per client: within the chart limit (qs_wb__plan_charts) */
    lxw_row_t next;          /* the next block's first row */
    double used, cap;        /* points used on the current printed page, and what it holds */
    double cap_next;         /* what a further page holds */
    size_t charts;           /* charts placed */
    size_t nbreaks;          /* manual page breaks placed */
    int full;                /* the chart (or page-break) limit was reached */
    int by_breaks;           /* ... and it was the page-break limit */
    size_t capped;           /* clients with charts that got none for the limit */
    size_t undrawable;       /* clients with nothing to chart */
};

static void layout_init(struct layout *L, const struct wb *W)
{
    const qs_report *r = W->r;
    memset(L, 0, sizeof(*L));
    L->r = r;
    L->ok = W->chart_ok;
    /* Landscape: the paper's short side, less the top and bottom margins (0.75 in each). */
    double height = (r->paper == QS_PAPER_A4 ? 210.0 / 25.4 : 8.5) * 72.0 - 1.5 * 72.0;
    L->next = TR_HEAD_ROWS;
    L->cap = height - TR_SAFETY_PT - TR_TITLE_PT - (TR_HEAD_ROWS - 1) * TR_ROW_PT;
    L->cap_next = height - TR_SAFETY_PT - TR_TITLE_PT - TR_ROW_PT; /* rows 0-1 repeated */
}

/* Place client k's block: its first row, or -1 without one. The page breaks it needs go to
 * breaks[] when given (room for TR_MAX_BREAKS). */
static long layout_next(struct layout *L, size_t k, lxw_row_t *breaks)
{
    const qs_report *r = L->r;
    size_t n = client_charts(r, &r->clients[k]);
    if (n == 0) {
        L->undrawable++;
        return -1;
    }
    if (L->full || !L->ok || !L->ok[k]) {
        L->capped++;
        return -1;
    }
    /* The units that must not be split: the heading with the first chart line, then each
     * further line. A dry run first: the block is placed only if its breaks are allowed. */
    size_t lines = (n + TR_PER_LINE - 1) / TR_PER_LINE;
    double used = L->used, cap = L->cap;
    size_t nb = 0;
    for (size_t u = 0; u < lines; u++) {
        double h = (u == 0 ? TR_CHART_ROWS + 1 : TR_CHART_ROWS) * TR_ROW_PT;
        if (used + h > cap && used > 0) {
            nb++;
            used = 0;
            cap = L->cap_next;
        }
        used += h;
    }
    if (L->nbreaks + nb > TR_MAX_BREAKS) {
        L->full = L->by_breaks = 1;
        L->capped++;
        return -1;
    }
    long first = (long)L->next;
    lxw_row_t y = L->next;
    for (size_t u = 0; u < lines; u++) {
        lxw_row_t rows = u == 0 ? TR_CHART_ROWS + 1 : TR_CHART_ROWS;
        double h = rows * TR_ROW_PT;
        if (L->used + h > L->cap && L->used > 0) {
            if (breaks)
                breaks[L->nbreaks] = y;
            L->nbreaks++;
            L->used = 0;
            L->cap = L->cap_next;
        }
        L->used += h;
        y += rows;
    }
    L->next = y;
    L->charts += n;
    return first;
}

int qs_wb__plan_charts(struct wb *W)
{
    const qs_report *r = W->r;
    W->chart_ok = calloc(r->nclients ? r->nclients : 1, 1);
    if (!W->chart_ok)
        return 0;
    size_t budget = (size_t)(r->max_charts > 0 ? r->max_charts : 0), used = 0;
    int full = 0;
    /* Three passes: attention, overdue, the rest; from the first client whose charts do not
     * fit, no later client gets any (so the Summary's order decides, never a client's size). */
    for (int pass = 0; pass < 3 && !full; pass++) {
        for (size_t k = 0; k < r->nclients && !full; k++) {
            const qs_rep_client *c = &r->clients[k];
            int p = c->attention ? 0 : c->overdue ? 1 : 2;
            if (p != pass)
                continue;
            size_t n = client_charts(r, c);
            if (!n)
                continue;
            if (used + n > budget) {
                full = 1;
                break;
            }
            W->chart_ok[k] = 1;
            used += n;
        }
    }
    /* Where each block stands: laid out once here, read by the Summary's links. */
    W->trend_rows = malloc((r->nclients ? r->nclients : 1) * sizeof(*W->trend_rows));
    if (!W->trend_rows)
        return 0;
    struct layout L;
    layout_init(&L, W);
    for (size_t k = 0; k < r->nclients; k++)
        W->trend_rows[k] = L.full ? -1 : layout_next(&L, k, NULL);
    return 1;
}

long qs_wb__trend_row(const struct wb *W, size_t client)
{
    return W->trend_rows && client < W->r->nclients ? W->trend_rows[client] : -1;
}

/* ---- the x axis ----------------------------------------------------------------------------- */

struct xaxis {
    double lo, hi;   /* the client's first and last dates (serials) */
    double min, max; /* the axis */
    double unit;     /* between ticks */
};

static int iso_ymd(const char *iso, long *y, long *m, long *d)
{
    if (isnan(qs_wb__date_serial(iso)))
        return 0;
    *y = strtol(iso, NULL, 10);
    *m = strtol(iso + 5, NULL, 10);
    *d = strtol(iso + 8, NULL, 10);
    return 1;
}

/* The x axis of client `c`'s charts: from the 16th of a month at least 3 days before its first
 * form, on ticks a whole number of mean months apart (so each tick falls mid-month and its
 * "mmm yyyy" label names one month), at most 5 of them, past its last form by 3 days or more. */
static struct xaxis client_axis(const qs_report *r, const qs_rep_client *c)
{
    struct xaxis X = {INFINITY, -INFINITY, 0, 0, TR_MONTH};
    const char *first = NULL;
    for (size_t i = 0; i < c->nrows; i++) {
        const qs_rep_row *row = client_row(r, c, i);
        if (!row || !chartable(r, row))
            continue;
        for (size_t p = 0; p < row->nhistory; p++) {
            double x = qs_wb__date_serial(row->history[p].date);
            if (isnan(x))
                continue;
            if (x < X.lo) {
                X.lo = x;
                first = row->history[p].date;
            }
            if (x > X.hi)
                X.hi = x;
        }
    }
    long y, m, d;
    if (!first || !iso_ymd(first, &y, &m, &d)) /* not reached: a chartable row has a date */
        return X;
    if (d < 19 && --m < 1) {
        m = 12;
        y--;
    }
    X.min = (double)qs_civil__days(y, m, 16) + 25569.0;
    static const double months[] = {1, 2, 3, 6, 12, 24, 60, 120};
    double span = X.hi + 3 - X.min, ticks = 1;
    for (size_t i = 0; i < sizeof(months) / sizeof(months[0]); i++) {
        X.unit = months[i] * TR_MONTH;
        ticks = ceil(span / X.unit);
        if (ticks <= 5)
            break;
    }
    /* Half a tick more: the last label is centred on its tick, and LibreOffice lets a label at
     * the axis' end stick out of the chart (on paper, onto the next page to the right). */
    X.max = X.min + ((ticks < 1 ? 1 : ticks) + 0.5) * X.unit;
    return X;
}

/* ---- the charts ----------------------------------------------------------------------------- */

/* Whether score s's reference line is the cutoff of a one-score flag rule on its value (not,
 * say, a norm mean: the builder draws those too). */
static int is_cutoff(const qs_rep_instrument *ri, size_t s)
{
    if (!ri->reference || !isfinite(ri->reference[s]))
        return 0;
    if (ri->reference_label && ri->reference_label[s] &&
        strcmp(ri->reference_label[s], "norm mean") == 0)
        return 0;
    const qs_instrument *I = ri->inst;
    for (size_t f = 0; f < I->nflags; f++) {
        int score;
        qs_field field;
        if (!I->flags[f].rule || qs_expr_ref_count(I->flags[f].rule) != 1)
            continue;
        qs_expr_ref(I->flags[f].rule, 0, &score, &field);
        if (score == (int)s && field == QS_FIELD_VALUE)
            return 1;
    }
    return 0;
}

static int flag_on(const qs_rep_point *pt, size_t s)
{
    return pt->usable && pt->flag_on && pt->flag_on[s];
}

/* Columns of a TrendData block: the date, three per score (usable values, unusable ones,
 * flagged ones), the cutoff lines' x (two rows), one per cutoff line, then every unusable
 * point of any score as x and y (the white centres of the rings). */
#define TD_VALUE(s)    (1 + 3 * (lxw_col_t)(s))
#define TD_UNUSABLE(s) (2 + 3 * (lxw_col_t)(s))
#define TD_FLAGGED(s)  (3 + 3 * (lxw_col_t)(s))
#define TD_CUT_X(ns)   (1 + 3 * (lxw_col_t)(ns))

/* The series name "<score name><suffix>" into cell (y, c) of TrendData. */
static void series_name(struct wb *W, lxw_worksheet *td, lxw_row_t y, lxw_col_t c,
                        const qs_score_def *sd, const char *suffix)
{
    qs_wb__join_reset(W);
    qs_wb__join_add(W, qs_wb__score_name(sd));
    qs_wb__join_add(W, suffix);
    qs_wb__put_name(W, td, y, c, W->join ? W->join : "", W->f.head);
}

/* A TrendData block, as its chart reads it. */
struct block {
    lxw_row_t h;             /* its title row; the names are on h + 1, the points from h + 2 */
    lxw_row_t npoints;       /* dated forms */
    size_t ns, ncut;         /* scores, cutoff lines */
    lxw_row_t nwhite;        /* unusable points of any score */
    lxw_col_t white;         /* their x column (y is the next) */
    unsigned char *unusable; /* per score: an unusable form with a value */
    unsigned char *flagged;  /* per score: a usable form whose raised flag used it */
};

/* Write row's TrendData block at row h into B (B->unusable and B->flagged allocated; NULL on
 * failure, W->rc set). Returns the rows it takes. */
static lxw_row_t trend_data(struct wb *W, lxw_worksheet *td, const qs_rep_row *row,
                            const struct xaxis *X, lxw_row_t h, struct block *B)
{
    const qs_rep_instrument *ri = &W->r->instruments[row->instrument];
    const qs_instrument *I = ri->inst;
    size_t ns = I->nscores;
    memset(B, 0, sizeof(*B));
    B->h = h;
    B->ns = ns;
    B->unusable = calloc(ns ? ns : 1, 2);
    if (!B->unusable) {
        W->rc = QS_ENOMEM;
        return 0;
    }
    B->flagged = B->unusable + ns;
    for (size_t s = 0; s < ns; s++)
        B->ncut += is_cutoff(ri, s);
    B->white = TD_CUT_X(ns) + 1 + (lxw_col_t)B->ncut;

    qs_wb__put_name(W, td, h, 0, qs_wb__inst_name(I), W->f.caption);
    qs_wb__put_str(W, td, h, 1, row->client, NULL);
    qs_wb__put_str(W, td, h + 1, 0, "Date", W->f.head);
    lxw_row_t y = h + 2;
    for (size_t p = 0; p < row->nhistory; p++) {
        const qs_rep_point *pt = &row->history[p];
        double x = qs_wb__date_serial(pt->date);
        if (isnan(x) || !pt->values)
            continue;
        qs_wb__put_num(W, td, y, 0, x, W->f.date);
        for (size_t s = 0; s < ns; s++) {
            double v = pt->values[s];
            if (!isfinite(v))
                continue;
            if (!pt->usable) {
                qs_wb__put_num(W, td, y, TD_UNUSABLE(s), v, NULL);
                qs_wb__put_num(W, td, h + 2 + B->nwhite, B->white, x, W->f.date);
                qs_wb__put_num(W, td, h + 2 + B->nwhite, B->white + 1, v, NULL);
                B->nwhite++;
                B->unusable[s] = 1;
                continue;
            }
            qs_wb__put_num(W, td, y, TD_VALUE(s), v, NULL);
            if (flag_on(pt, s)) {
                qs_wb__put_num(W, td, y, TD_FLAGGED(s), v, NULL);
                B->flagged[s] = 1;
            }
        }
        y++;
    }
    B->npoints = y - (h + 2);
    for (size_t s = 0; s < ns; s++) {
        series_name(W, td, h + 1, TD_VALUE(s), &I->scores[s], "");
        if (B->unusable[s])
            series_name(W, td, h + 1, TD_UNUSABLE(s), &I->scores[s], ": form not usable");
        if (B->flagged[s])
            series_name(W, td, h + 1, TD_FLAGGED(s), &I->scores[s], ": flagged");
    }
    /* Cutoff lines: two points, across the whole x axis. */
    if (B->ncut) {
        qs_wb__put_str(W, td, h + 1, TD_CUT_X(ns), "Cutoff lines from, to", W->f.head);
        qs_wb__put_num(W, td, h + 2, TD_CUT_X(ns), X->min, W->f.date);
        qs_wb__put_num(W, td, h + 3, TD_CUT_X(ns), X->max, W->f.date);
    }
    lxw_col_t c = TD_CUT_X(ns) + 1;
    for (size_t s = 0; s < ns; s++) {
        if (!is_cutoff(ri, s))
            continue;
        char suffix[64];
        double v = ri->reference[s];
        snprintf(suffix, sizeof(suffix), " cutoff %.*f", qs_rep__digits(&I->scores[s], v), v);
        series_name(W, td, h + 1, c, &I->scores[s], suffix);
        qs_wb__put_num(W, td, h + 2, c, v, NULL);
        qs_wb__put_num(W, td, h + 3, c, v, NULL);
        c++;
    }
    if (B->nwhite) {
        qs_wb__put_str(W, td, h + 1, B->white, "Unusable forms", W->f.head);
        qs_wb__put_str(W, td, h + 1, B->white + 1, "form not usable", W->f.head);
    }
    lxw_row_t rows = B->npoints;
    if (B->ncut && rows < 2)
        rows = 2;
    if (B->nwhite > rows)
        rows = B->nwhite;
    return rows + 2;
}

/* A series of ch: x from TrendData rows r0..r1 of column xc, y from column yc, its name from
 * cell (name_row, yc). NULL (W->rc set) when out of memory. */
static lxw_chart_series *add_series(struct wb *W, lxw_chart *ch, lxw_row_t r0, lxw_row_t r1,
                                    lxw_col_t xc, lxw_col_t yc, lxw_row_t name_row)
{
    lxw_chart_series *se = chart_add_series(ch, NULL, NULL);
    if (!se) {
        W->rc = QS_ENOMEM;
        return NULL;
    }
    chart_series_set_categories(se, S_TRENDDATA, r0, xc, r1, xc);
    chart_series_set_values(se, S_TRENDDATA, r0, yc, r1, yc);
    chart_series_set_name_range(se, S_TRENDDATA, name_row, yc);
    return se;
}

/* Markers only, no line: `size`, filled with `fill`, edged with `edge`. */
static void markers(lxw_chart_series *se, uint8_t size, lxw_color_t fill, lxw_color_t edge)
{
    lxw_chart_line none = {.none = LXW_TRUE};
    lxw_chart_fill f = {.color = fill};
    lxw_chart_line e = {.color = edge, .width = 0.75f};
    chart_series_set_line(se, &none);
    chart_series_set_marker_type(se, LXW_CHART_MARKER_CIRCLE);
    chart_series_set_marker_size(se, size);
    chart_series_set_marker_fill(se, &f);
    chart_series_set_marker_line(se, &e);
}

/* The red dots of B's flagged scores, left out of the legend (hide[*nhide], series *index). */
static void red_dots(struct wb *W, lxw_chart *ch, const struct block *B, int16_t *hide,
                     size_t *nhide, int16_t *index)
{
    for (size_t s = 0; s < B->ns && !W->rc; s++) {
        if (!B->flagged[s])
            continue;
        lxw_chart_series *se =
            add_series(W, ch, B->h + 2, B->h + 1 + B->npoints, 0, TD_FLAGGED(s), B->h + 1);
        if (se)
            markers(se, 8, TR_RED, TR_DARK_RED);
        hide[(*nhide)++] = (*index)++;
    }
}

/* The chart of B's block (row's instrument) at (anchor, col) on Trends. The series, in drawing
 * order: the white centres of the rings (when there are unusable forms) and the red dots of
 * flagged scores, each score's line, the rings (a dot of the score's colour under the white
 * one), the cutoffs, then the red dots and the white centres again. Excel draws later series
 * over earlier ones, LibreOffice earlier over later: with the white and red dots both first and
 * last, both programs draw rings and red dots on top (a marker without fill will not do for a
 * ring: LibreOffice fills it in the series' colour and draws no marker border). Only the lines
 * and cutoffs are in the legend: the note above the charts says what the markers mean, and an
 * entry per score and marker left no room to plot. Every series costs LibreOffice about 30 ms
 * to draw (and a chart 200 ms): marker series are only made for the scores that need them. */
static void trend_chart(struct wb *W, lxw_worksheet *ws, const qs_rep_row *row,
                        const struct block *B, const struct xaxis *X, lxw_row_t anchor,
                        lxw_col_t col, int x_offset)
{
    const qs_rep_instrument *ri = &W->r->instruments[row->instrument];
    const qs_instrument *I = ri->inst;
    size_t ns = B->ns;
    lxw_row_t h = B->h, d0 = h + 2, d1 = h + 1 + B->npoints;
    lxw_chart *ch = workbook_add_chart(W->book, LXW_CHART_SCATTER_STRAIGHT_WITH_MARKERS);
    int16_t *hide = calloc(4 * ns + 3, sizeof(*hide));
    if (!ch || !hide) {
        W->rc = QS_ENOMEM;
        free(hide);
        return;
    }
    chart_title_set_name_range(ch, S_TRENDDATA, h, 0);
    size_t nhide = 0;
    int16_t index = 0;
    lxw_chart_series *se;
    if (B->nwhite) {
        se = add_series(W, ch, d0, h + 1 + B->nwhite, B->white, B->white + 1, h + 1);
        if (se)
            markers(se, 5, 0xFFFFFF, 0xFFFFFF);
        hide[nhide++] = index++;
    }
    red_dots(W, ch, B, hide, &nhide, &index);
    for (size_t s = 0; s < ns && !W->rc; s++) {
        se = add_series(W, ch, d0, d1, 0, TD_VALUE(s), h + 1);
        if (se)
            qs_wb__style_series(se, s, 0);
        index++;
    }
    for (size_t s = 0; s < ns && !W->rc; s++) {
        if (!B->unusable[s])
            continue;
        se = add_series(W, ch, d0, d1, 0, TD_UNUSABLE(s), h + 1);
        if (se)
            markers(se, 9, qs_wb__series_colour(s), qs_wb__series_colour(s));
        hide[nhide++] = index++;
    }
    /* Cutoffs: dashed in the score's colour, each in its own dash pattern, so that two cutoffs
     * at one value both show. */
    static const uint8_t dashes[] = {LXW_CHART_LINE_DASH_DASH, LXW_CHART_LINE_DASH_SQUARE_DOT,
                                     LXW_CHART_LINE_DASH_LONG_DASH_DOT,
                                     LXW_CHART_LINE_DASH_LONG_DASH};
    lxw_col_t c = TD_CUT_X(ns) + 1;
    size_t k = 0;
    for (size_t s = 0; s < ns && !W->rc; s++) {
        if (!is_cutoff(ri, s))
            continue;
        se = add_series(W, ch, h + 2, h + 3, TD_CUT_X(ns), c++, h + 1);
        if (!se)
            break;
        lxw_chart_line line = {.color = qs_wb__series_colour(s),
                               .width = 1.5f,
                               .dash_type = dashes[k++ % (sizeof(dashes) / sizeof(dashes[0]))]};
        chart_series_set_line(se, &line);
        chart_series_set_marker_type(se, LXW_CHART_MARKER_NONE);
        index++;
    }
    red_dots(W, ch, B, hide, &nhide, &index);
    if (B->nwhite && !W->rc) {
        se = add_series(W, ch, d0, h + 1 + B->nwhite, B->white, B->white + 1, h + 1);
        if (se)
            markers(se, 5, 0xFFFFFF, 0xFFFFFF);
        hide[nhide++] = index++;
    }
    if (nhide && !W->rc) {
        hide[nhide] = -1;
        qs_wb__ck(W, chart_legend_delete_series(ch, hide));
    }
    free(hide);
    if (W->rc)
        return;

    qs_wb__style_chart(ch, I);
    /* A score's line runs from usable form to usable form, over the unusable ones (their cells
     * are blank) and over a form that left the score missing. */
    chart_show_blanks_as(ch, LXW_CHART_BLANKS_AS_CONNECTED);
    chart_axis_set_min(ch->x_axis, X->min);
    chart_axis_set_max(ch->x_axis, X->max);
    chart_axis_set_major_unit(ch->x_axis, X->unit);
    chart_axis_set_num_format(ch->x_axis, "mmm yyyy");
    lxw_chart_line grid = {.color = 0xD9D9D9, .width = 0.75f};
    chart_axis_major_gridlines_set_visible(ch->x_axis, LXW_TRUE);
    chart_axis_major_gridlines_set_line(ch->x_axis, &grid);

    lxw_chart_options opt;
    memset(&opt, 0, sizeof(opt));
    opt.x_scale = TR_CHART_W / 480.0; /* the library's default chart is 480 x 288 px */
    opt.y_scale = TR_CHART_H / 288.0;
    opt.x_offset = x_offset;
    opt.y_offset = 2;
    opt.object_position = LXW_OBJECT_MOVE_DONT_SIZE;
    qs_wb__ck(W, worksheet_insert_chart_opt(ws, anchor, col, ch, &opt));
}

/* ---- the sheet ------------------------------------------------------------------------------ */

/* Client `c`'s block at row y of Trends: the heading, then its charts (TrendData from row *ty). */
static void client_block(struct wb *W, lxw_worksheet *ws, lxw_worksheet *td, const qs_rep_client *c,
                         lxw_row_t y, lxw_row_t *ty)
{
    const qs_report *r = W->r;
    /* The heading: the client id (what the Summary's link and Ctrl+F land on), then the group
     * and the last assessed date, one column clear of an id up to about 7 characters a column. */
    const char *who = qs_wb__who(W, c->client, c->site);
    qs_wb__put_str(W, ws, y, 0, who, W->f.caption);
    char when[40], line[256];
    qs_rep__date_words(when, sizeof(when), c->last_date);
    snprintf(line, sizeof(line), "%s%s%s", when[0] ? " \xC2\xB7 last assessed " : "", when,
             c->overdue ? " (overdue)" : "");
    qs_wb__join_reset(W);
    if (c->group && *c->group) {
        qs_wb__join_add(W, "Group ");
        qs_wb__join_add(W, c->group);
    } else {
        qs_wb__join_add(W, "No group");
    }
    qs_wb__join_add(W, line);
    size_t idlen = who ? strlen(who) : 0;
    lxw_col_t dc = (lxw_col_t)(1 + (idlen * 8 + 8) / 64);
    qs_wb__put_str(W, ws, y, dc < 2 ? 2 : dc, W->join ? W->join : "", W->f.note);

    struct xaxis X = client_axis(r, c);
    size_t k = 0;
    for (size_t i = 0; i < c->nrows && !qs_wb__failed(W); i++) {
        const qs_rep_row *row = client_row(r, c, i);
        if (!row || !chartable(r, row))
            continue;
        size_t pos = k % TR_PER_LINE;
        lxw_row_t anchor = y + 1 + (lxw_row_t)(k / TR_PER_LINE) * TR_CHART_ROWS;
        struct block B;
        lxw_row_t used = trend_data(W, td, row, &X, *ty, &B);
        if (!B.unusable)
            break;
        trend_chart(W, ws, row, &B, &X, anchor, (lxw_col_t)(pos * TR_SLOT_COLS),
                    (int)pos * TR_GAP_PX);
        free(B.unusable);
        *ty += used + 1;
        k++;
    }
}

/* Row 2: who has no chart and why (empty when everyone with a dated form has theirs). */
static void limit_line(struct wb *W, lxw_worksheet *ws, const struct layout *L, size_t blocks)
{
    char line[320];
    size_t n = 0;
    line[0] = '\0';
    if (L->capped) {
        int k;
        if (L->by_breaks)
            k = snprintf(line, sizeof(line),
                         "%zu %s no chart here (at most %d page breaks in a sheet).", L->capped,
                         L->capped == 1 ? "client has" : "clients have", TR_MAX_BREAKS);
        else
            k = snprintf(line, sizeof(line),
                         "%zu %s no chart here (at most %ld charts per workbook; "
                         "reports.max_charts in the clinic config).",
                         L->capped, L->capped == 1 ? "client has" : "clients have",
                         W->r->max_charts > 0 ? W->r->max_charts : 0);
        n = k > 0 ? (size_t)k : 0;
    }
    if (L->undrawable && n < sizeof(line))
        snprintf(line + n, sizeof(line) - n, "%s%zu %s no dated form to chart.", n ? " " : "",
                 L->undrawable, L->undrawable == 1 ? "client has" : "clients have");
    if (!line[0] && !blocks)
        snprintf(line, sizeof(line), "No client has a form to chart yet.");
    qs_wb__put_str(W, ws, 2, 0, line, W->f.bold_note);
}

void qs_wb__write_trends(struct wb *W, lxw_worksheet *ws, lxw_worksheet *td)
{
    const qs_report *r = W->r;
    W->where = S_TRENDS;
    qs_wb__sheet_head(W, ws, "Trends",
                      "One block per client, in the order of Summary. Lines join the usable forms "
                      "by date; hollow: a form not usable; red: flagged; dashed: a flag's cutoff.");
    worksheet_set_landscape(ws);
    qs_wb__page_setup(W, ws, 0, 1);
    /* Column widths set, not left to the program: LibreOffice sizes a chart by the cells it is
     * anchored to, and its default column is wider than Excel's 64 px. */
    qs_wb__ck(W,
              worksheet_set_column(ws, 0, TR_PER_LINE * TR_SLOT_COLS - 1, LXW_DEF_COL_WIDTH, NULL));

    worksheet_hide(td);
    qs_wb__ck(W, worksheet_set_column(td, 0, 0, 14, NULL));
    qs_wb__ck(W, worksheet_set_column(td, 1, 40, 12, NULL));
    qs_wb__put_str(W, td, 0, 0,
                   "The numbers the Trends charts draw: one block per chart (dates as Excel "
                   "serial days, values as computed).",
                   W->f.note);

    lxw_row_t *breaks = calloc(TR_MAX_BREAKS + 1, sizeof(*breaks));
    if (!breaks) {
        W->rc = QS_ENOMEM;
        return;
    }
    struct layout L;
    layout_init(&L, W);
    lxw_row_t ty = 2;
    size_t blocks = 0;
    for (size_t k = 0; k < r->nclients && !qs_wb__failed(W); k++) {
        long y = layout_next(&L, k, breaks);
        if (y < 0)
            continue;
        client_block(W, ws, td, &r->clients[k], (lxw_row_t)y, &ty);
        blocks++;
    }
    limit_line(W, ws, &L, blocks);
    if (L.nbreaks && !qs_wb__failed(W))
        qs_wb__ck(W, worksheet_set_h_pagebreaks(ws, breaks)); /* 0-terminated */
    free(breaks);
}
