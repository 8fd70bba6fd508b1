/* workbook_items.c - the Items sheet: the raw answers of each client's latest form of each
 * instrument, in the order of Summary. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qscore/score.h"
#include "workbook_internal.h"

/* `v` rounded to `d` decimals: the value a cell holds is the one its format shows. */
static double shown(double v, int d)
{
    double p = pow(10, d);
    return isfinite(v) ? round(v * p) / p : v;
}

/* The row index of the k-th Items row: clients in Summary's order, each client's rows in
 * instrument order; a report without clients (built by hand) in its rows' order. */
static size_t items_row(const qs_report *r, size_t k)
{
    if (!r->nclients)
        return k;
    for (size_t c = 0; c < r->nclients; c++) {
        if (k < r->clients[c].nrows)
            return r->clients[c].rows[k];
        k -= r->clients[c].nrows;
    }
    return r->nrows; /* not reached: the clients' rows are the report's rows */
}

static size_t items_nrows(const qs_report *r)
{
    if (!r->nclients)
        return r->nrows;
    size_t n = 0;
    for (size_t c = 0; c < r->nclients; c++)
        n += r->clients[c].nrows;
    return n;
}

void qs_wb__write_items(struct wb *W, lxw_worksheet *ws)
{
    const qs_report *r = W->r;
    enum { C_CLIENT, C_INST, C_DATE, C_MISSING, C_LONG, C_IRV, C_ITEM1 };
    static const char *const fixed[] = {
        "Client", "Instrument", "Date", "Unanswered", "Longest same-answer run", "Answer spread"};
    size_t maxn = 0;
    for (size_t i = 0; i < r->ninstruments; i++)
        if (r->instruments[i].inst->nitems > maxn)
            maxn = r->instruments[i].inst->nitems;
    struct widths cw;
    if (!qs_wb__widths_init(W, &cw, C_ITEM1 + maxn, 4.5))
        return;
    W->where = S_ITEMS;
    qs_wb__sheet_head(
        W, ws, "Items",
        "Raw answers of each client's latest form of each instrument, as given (before reverse "
        "keying), under the item's published number.");
    lxw_row_t y = 2;
    qs_wb__put_str(W, ws, y, 0, "Legend", W->f.label);
    qs_wb__ck(W, worksheet_write_number(ws, y, 1, 4, W->f.rev));
    qs_wb__put_str(W, ws, y, 2, "reverse-keyed item: scored as (scale min + max - answer)", NULL);
    y++;
    qs_wb__put_str(W, ws, y, 1, "\xE2\x80\x94", W->f.miss);
    qs_wb__put_str(W, ws, y, 2, "no answer", NULL);
    y++;
    qs_wb__put_str(W, ws, y, 2,
                   "Unanswered: share of the items left blank. Longest same-answer run: the most "
                   "items in a row given the same answer. Answer spread: the standard deviation "
                   "of the answers (low: nearly the same answer throughout).",
                   NULL);
    y++;
    char line[512];
    for (size_t i = 0; i < r->ninstruments && !qs_wb__failed(W); i++) {
        const qs_instrument *I = r->instruments[i].inst;
        qs_wb__join_reset(W);
        snprintf(line, sizeof(line),
                 "%s: answers %d to %d; reverse-keyed items: ", qs_wb__inst_name(I), I->scale.min,
                 I->scale.max);
        qs_wb__join_add(W, line);
        int any = 0;
        for (size_t j = 0; j < I->nitems; j++) {
            if (!I->items[j].reverse)
                continue;
            snprintf(line, sizeof(line), "%s%d", any ? ", " : "", I->items[j].id);
            qs_wb__join_add(W, line);
            any = 1;
        }
        if (!any)
            qs_wb__join_add(W, "none");
        qs_wb__put_str(W, ws, y++, 2, W->join, NULL);
    }
    y++;
    const lxw_row_t hdr = y;
    qs_wb__ck(W, worksheet_set_row(ws, hdr, 30, NULL));
    for (size_t c = 0; c < C_ITEM1; c++) {
        qs_wb__put_str(W, ws, hdr, (lxw_col_t)c, fixed[c], W->f.head);
        qs_wb__widen(&cw, c, fixed[c], 14);
    }
    for (size_t j = 0; j < maxn; j++) {
        snprintf(line, sizeof(line), "%zu", j + 1);
        qs_wb__put_str(W, ws, hdr, (lxw_col_t)(C_ITEM1 + j), line, W->f.head);
    }
    size_t nrows = items_nrows(r);
    qs_wb__ck(W, worksheet_autofilter(ws, hdr, 0, hdr + (lxw_row_t)nrows,
                                      (lxw_col_t)(C_ITEM1 + maxn - 1)));
    worksheet_freeze_panes(ws, hdr + 1, 1);
    for (size_t i = 0; i < nrows && !qs_wb__failed(W); i++) {
        size_t ri = items_row(r, i);
        if (ri >= r->nrows)
            break;
        const qs_rep_row *row = &r->rows[ri];
        const qs_instrument *I = r->instruments[row->instrument].inst;
        lxw_row_t yy = hdr + 1 + (lxw_row_t)i;
        const char *who = qs_wb__who(W, row->client, row->site);
        qs_wb__put_str(W, ws, yy, C_CLIENT, who, NULL);
        qs_wb__widen(&cw, C_CLIENT, who, 40);
        qs_wb__put_str(W, ws, yy, C_INST, qs_wb__inst_name(I), NULL);
        qs_wb__widen(&cw, C_INST, qs_wb__inst_name(I), 30);
        qs_wb__put_date(W, ws, yy, C_DATE, row->date, NULL);
        qs_wb__widen(&cw, C_DATE, "30 Sep 2026", 22);
        qs_wb__put_num(W, ws, yy, C_MISSING, shown(row->missing_fraction * 100, 0) / 100, W->f.pct);
        qs_wb__put_num(W, ws, yy, C_LONG, row->longstring >= 0 ? (double)row->longstring : NAN,
                       W->f.int0);
        qs_wb__put_num(W, ws, yy, C_IRV, shown(row->irv, 2), W->f.num2);
        for (size_t j = 0; row->answers && j < I->nitems && j < maxn; j++) {
            lxw_col_t c = (lxw_col_t)(C_ITEM1 + j);
            if (row->answers[j] == QS_MISSING)
                qs_wb__put_str(W, ws, yy, c, "\xE2\x80\x94", W->f.miss);
            else
                qs_wb__ck(W, worksheet_write_number(ws, yy, c, row->answers[j],
                                                    I->items[j].reverse ? W->f.rev : W->f.int0));
        }
    }
    qs_wb__print_setup(W, ws, hdr);
    qs_wb__widths_apply(W, ws, &cw);
}
