/* workbook_trends.c - the Trends sheet (one chart per client x instrument) and the hidden
 * TrendData sheet its charts draw from. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workbook_internal.h"

/* The chart category of administration k: its date (the date part of an ISO date-time), or
 * its number when undated; " *" marks an administration that raised a flag. */
static const char *category(struct wb *W, const qs_rep_point *p, size_t k)
{
    char num[32];
    qs_wb__join_reset(W);
    if (p->date && *p->date) {
        const char *d = p->date;
        size_t n = strlen(d);
        if (n > 10 && d[4] == '-' && d[7] == '-' && (d[10] == 'T' || d[10] == ' ')) {
            char day[11];
            memcpy(day, d, 10);
            day[10] = '\0';
            qs_wb__join_add(W, day);
        } else {
            qs_wb__join_add(W, d);
        }
    } else {
        snprintf(num, sizeof(num), "%zu", k + 1);
        qs_wb__join_add(W, num);
    }
    if (p->flagged)
        qs_wb__join_add(W, " *");
    return W->join ? W->join : "";
}

/* A row gets a trend chart when it has 2+ administrations (and scores to draw). */
static int has_trend(const qs_report *r, const qs_rep_row *row)
{
    return row->nhistory >= 2 && r->instruments[row->instrument].inst->nscores > 0;
}

/* Trends' note lines, and TrendData's column widths and note (the sheet is hidden). */
static void trends_head(struct wb *W, lxw_worksheet *ws, lxw_worksheet *td, size_t ncharts)
{
    qs_wb__sheet_head(
        W, ws, "Trends",
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
    qs_wb__put_str(W, ws, 2, 0, line, W->f.note);
    worksheet_set_landscape(ws);
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_set_margins(ws, 0.4, 0.4, 0.5, 0.5);

    /* TrendData: per chart, a header row (the names the legend shows) and a row per point. */
    worksheet_hide(td);
    qs_wb__ck(W, worksheet_set_column(td, 0, 0, 16, NULL));
    qs_wb__ck(W, worksheet_set_column(td, 1, 1, 12, NULL));
    qs_wb__ck(W, worksheet_set_column(td, 2, 2, 14, NULL));
    qs_wb__put_str(W, td, 0, 0,
                   "Data of the Trends charts: one block per chart (client and instrument).",
                   W->f.note);
}

/* The TrendData block of `row` at TrendData row h: a header row (client, instrument, date, the
 * scores, their reference lines), then one row per administration. */
static void trend_data(struct wb *W, lxw_worksheet *td, const qs_rep_row *row, lxw_row_t h)
{
    const qs_rep_instrument *ri = &W->r->instruments[row->instrument];
    const qs_instrument *I = ri->inst;
    qs_wb__put_str(W, td, h, 0, "Client", W->f.head);
    qs_wb__put_str(W, td, h, 1, "Instrument", W->f.head);
    qs_wb__put_str(W, td, h, 2, "Date", W->f.head);
    lxw_col_t c = 3;
    for (size_t s = 0; s < I->nscores; s++)
        qs_wb__put_str(W, td, h, c++, I->scores[s].id, W->f.head);
    for (size_t s = 0; s < I->nscores; s++)
        if (ri->reference && isfinite(ri->reference[s]))
            qs_wb__put_str(W, td, h, c++,
                           ri->reference_label && ri->reference_label[s] ? ri->reference_label[s]
                                                                         : "reference",
                           W->f.head);
    for (size_t p = 0; p < row->nhistory; p++) {
        const qs_rep_point *pt = &row->history[p];
        lxw_row_t y = h + 1 + (lxw_row_t)p;
        qs_wb__put_str(W, td, y, 0, row->client, NULL);
        qs_wb__put_str(W, td, y, 1, I->id, NULL);
        qs_wb__put_str(W, td, y, 2, category(W, pt, p), NULL);
        c = 3;
        for (size_t s = 0; s < I->nscores; s++)
            qs_wb__put_num(W, td, y, c++, pt->values ? pt->values[s] : NAN, W->f.num2);
        for (size_t s = 0; s < I->nscores; s++)
            if (ri->reference && isfinite(ri->reference[s]))
                qs_wb__put_num(W, td, y, c++, ri->reference[s], W->f.num2);
    }
}

/* The chart of `row` below its caption at (anchor, col), drawing its TrendData block at row h:
 * scores first, then their reference lines (dashed, in the score's colour). */
static void trend_chart(struct wb *W, lxw_worksheet *ws, const qs_rep_row *row, lxw_row_t anchor,
                        lxw_col_t col, lxw_row_t h)
{
    const qs_rep_instrument *ri = &W->r->instruments[row->instrument];
    const qs_instrument *I = ri->inst;
    lxw_row_t d0 = h + 1, d1 = h + (lxw_row_t)row->nhistory;
    lxw_chart *ch = workbook_add_chart(W->book, LXW_CHART_LINE);
    if (!ch) {
        W->rc = QS_ENOMEM;
        return;
    }
    chart_title_set_name_range(ch, S_TRENDS, anchor, col);
    lxw_col_t c = 3;
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
            qs_wb__style_series(se, s, pass == 1);
            c++;
        }
    }
    qs_wb__style_chart(ch, I);
    qs_wb__insert_chart(W, ws, anchor + 1, col, ch);
}

void qs_wb__write_trends(struct wb *W, lxw_worksheet *ws, lxw_worksheet *td)
{
    const qs_report *r = W->r;
    const lxw_row_t grid0 = 4;
    size_t ncharts = 0;
    for (size_t i = 0; i < r->nrows; i++)
        ncharts += has_trend(r, &r->rows[i]);
    W->where = S_TRENDS;
    trends_head(W, ws, td, ncharts);
    lxw_row_t ty = 2; /* TrendData: the note, a blank row, then the blocks */
    size_t k = 0;
    for (size_t i = 0; i < r->nrows && !qs_wb__failed(W); i++) {
        const qs_rep_row *row = &r->rows[i];
        if (!has_trend(r, row))
            continue;
        /* The caption above the chart slot: the chart's title, and what Find lands on. */
        lxw_row_t anchor = grid0 + (lxw_row_t)(k / 2) * GRID_ROWS;
        lxw_col_t col = (lxw_col_t)((k % 2) * GRID_COLS);
        const char *inst = r->instruments[row->instrument].inst->id;
        qs_wb__put_name(W, ws, anchor, col, qs_wb__dash_title(W, row->client, inst), W->f.caption);
        trend_data(W, td, row, ty);
        trend_chart(W, ws, row, anchor, col, ty);
        ty += (lxw_row_t)row->nhistory + 2;
        k++;
    }
}

long qs_wb__trend_row(const struct wb *W, size_t client)
{
    (void)W;
    (void)client;
    return -1; /* the second edition's client blocks come with the Trends rewrite */
}
