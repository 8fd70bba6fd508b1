/* workbook_flags.c - the Flags sheet: every flag of every row, raised or not evaluable. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workbook_internal.h"

void qs_wb__write_flags(struct wb *W, lxw_worksheet *ws)
{
    const qs_report *r = W->r;
    const lxw_row_t hdr = 2;
    static const char *const head[] = {"Client",   "Instrument",   "Flag",
                                       "Severity", "Status",       "Values",
                                       "Because",  "First raised", "New in this run"};
    enum { C_CLIENT, C_INST, C_FLAG, C_SEV, C_STATUS, C_VALUES, C_BECAUSE, C_FIRST, C_NEW, NC };
    struct widths cw;
    if (!qs_wb__widths_init(W, &cw, NC, 10))
        return;
    W->where = S_FLAGS;
    qs_wb__sheet_head(
        W, ws, "Flags",
        "Every flag of every client's latest administration: raised, or not evaluable "
        "(a score it needs is missing). Rules and cutoffs are listed on About.");
    for (size_t c = 0; c < NC; c++) {
        qs_wb__put_str(W, ws, hdr, (lxw_col_t)c, head[c], W->f.head);
        qs_wb__widen(&cw, c, head[c], 20);
    }
    cw.w[C_BECAUSE] = 60;
    size_t nflags = 0;
    for (size_t i = 0; i < r->nrows; i++)
        nflags += r->rows[i].nflags;
    lxw_row_t first = hdr + 1, last = hdr + (lxw_row_t)nflags;
    qs_wb__ck(W, worksheet_autofilter(ws, hdr, 0, last, NC - 1));
    worksheet_freeze_panes(ws, hdr + 1, 1);
    qs_wb__severity_colours(W, ws, first, last, C_FLAG, C_SEV, C_SEV, 1, C_STATUS);
    char ref[24], formula[64];
    qs_wb__col_ref(ref, sizeof(ref), C_STATUS, first);
    snprintf(formula, sizeof(formula), "=%s=\"not_evaluable\"", ref);
    qs_wb__cond(W, ws, first, last, 0, NC - 1, formula, NULL, W->f.c_noteval);
    qs_wb__cond(W, ws, first, last, C_NEW, C_NEW, NULL, "\"Yes\"", W->f.c_new);
    lxw_row_t y = hdr + 1;
    for (size_t i = 0; i < r->nrows && !qs_wb__failed(W); i++) {
        const qs_rep_row *row = &r->rows[i];
        const qs_instrument *I = r->instruments[row->instrument].inst;
        for (size_t f = 0; f < row->nflags; f++, y++) {
            const qs_rep_flag *fl = &row->flags[f];
            qs_wb__put_str(W, ws, y, C_CLIENT, row->client, W->f.text);
            qs_wb__widen(&cw, C_CLIENT, row->client, 40);
            qs_wb__put_str(W, ws, y, C_INST, I->id, W->f.text);
            qs_wb__widen(&cw, C_INST, I->id, 24);
            const char *label = fl->label ? fl->label : fl->id;
            qs_wb__put_str(W, ws, y, C_FLAG, label, W->f.text);
            qs_wb__widen(&cw, C_FLAG, label, 40);
            qs_wb__put_str(W, ws, y, C_SEV, qs_wb__severity_name(fl->severity), W->f.text);
            qs_wb__put_str(W, ws, y, C_STATUS, fl->status, W->f.text);
            qs_wb__widen(&cw, C_STATUS, fl->status, 16);
            qs_wb__put_str(W, ws, y, C_VALUES, fl->detail, W->f.text);
            qs_wb__widen(&cw, C_VALUES, fl->detail, 40);
            qs_wb__put_str(W, ws, y, C_BECAUSE, fl->because, W->f.wrap);
            qs_wb__put_str(W, ws, y, C_FIRST, fl->first_raised, W->f.text);
            qs_wb__widen(&cw, C_FIRST, fl->first_raised, 22);
            qs_wb__put_str(W, ws, y, C_NEW, fl->new_in_run ? "Yes" : "No", W->f.text);
            qs_wb__row_lines(W, ws, y, qs_wb__wrap_lines(fl->because, 60));
        }
    }
    qs_wb__print_setup(W, ws, hdr);
    qs_wb__widths_apply(W, ws, &cw);
}
