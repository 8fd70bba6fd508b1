/* workbook_summary.c - the Summary sheet: one row per client x instrument, flagged first. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workbook_internal.h"

static int has_t(const qs_rep_instrument *ri)
{
    return ri->norm_id != NULL;
}

static size_t score_stride(const qs_rep_instrument *ri)
{
    return has_t(ri) ? 4 : 3;
}

enum { C_CLIENT, C_GROUP, C_INST, C_DATE, C_FLAGS, C_SEV, C_VALID, C_FIRST_SCORE };
#define HDR 3 /* the header row */

/* The sheet's layout: the first column of each instrument's scores, and the column count. */
struct layout {
    size_t *base; /* [instrument] */
    size_t ncols;
};

/* Title, disclaimer and the note line: rows waiting for a fix first, where a therapist looks. */
static void summary_head(struct wb *W, lxw_worksheet *ws)
{
    const qs_report *r = W->r;
    qs_wb__ck(W, worksheet_set_row(ws, 0, 20, NULL));
    qs_wb__put_str(W, ws, 0, 0, r->title, W->f.title);
    qs_wb__put_str(W, ws, 1, 0, QS_REPORT_DISCLAIMER, W->f.bold_note);
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
    qs_wb__put_str(W, ws, 2, 0, line, W->f.note);
}

/* The header row: the fixed columns, then "<inst> <score>" [T,] change and RCI per score. */
static void summary_header(struct wb *W, lxw_worksheet *ws, struct widths *cw)
{
    static const char *const fixed[] = {"Client", "Group",    "Instrument", "Date",
                                        "Flags",  "Severity", "Validity"};
    const qs_report *r = W->r;
    qs_wb__ck(W, worksheet_set_row(ws, HDR, 30, NULL));
    for (size_t c = 0; c < C_FIRST_SCORE; c++) {
        qs_wb__put_str(W, ws, HDR, (lxw_col_t)c, fixed[c], W->f.head);
        qs_wb__widen(cw, c, fixed[c], 40);
    }
    char name[256];
    size_t c = C_FIRST_SCORE;
    for (size_t i = 0; i < r->ninstruments; i++) {
        const qs_instrument *I = r->instruments[i].inst;
        for (size_t s = 0; s < I->nscores; s++) {
            const char *sid = I->scores[s].id;
            snprintf(name, sizeof(name), "%s %s", I->id, sid);
            qs_wb__put_str(W, ws, HDR, (lxw_col_t)c++, name, W->f.head_c);
            if (has_t(&r->instruments[i])) {
                snprintf(name, sizeof(name), "%s %s T", I->id, sid);
                qs_wb__put_str(W, ws, HDR, (lxw_col_t)c++, name, W->f.head_c);
            }
            snprintf(name, sizeof(name), "%s %s change", I->id, sid);
            qs_wb__put_str(W, ws, HDR, (lxw_col_t)c++, name, W->f.head_c);
            snprintf(name, sizeof(name), "%s %s RCI", I->id, sid);
            qs_wb__put_str(W, ws, HDR, (lxw_col_t)c++, name, W->f.head_c);
        }
    }
}

/* Range features, before the rows (in constant_memory mode rows already written are gone):
 * autofilter, frozen panes, severity, validity and reliable-change colours. */
static void summary_ranges(struct wb *W, lxw_worksheet *ws, const struct layout *L)
{
    const qs_report *r = W->r;
    lxw_row_t first = HDR + 1, last = HDR + (lxw_row_t)r->nrows;
    qs_wb__ck(W, worksheet_autofilter(ws, HDR, 0, last, (lxw_col_t)(L->ncols - 1)));
    worksheet_freeze_panes(ws, HDR + 1, 1);
    qs_wb__severity_colours(W, ws, first, last, C_FLAGS, C_SEV, C_SEV, 0, 0);
    char ref[24], formula[64];
    qs_wb__col_ref(ref, sizeof(ref), C_VALID, first);
    snprintf(formula, sizeof(formula), "=LEN(%s)>0", ref);
    qs_wb__cond(W, ws, first, last, C_VALID, C_VALID, formula, NULL, W->f.c_valid);
    for (size_t i = 0; i < r->ninstruments; i++) {
        size_t stride = score_stride(&r->instruments[i]);
        for (size_t s = 0; s < r->instruments[i].inst->nscores; s++) {
            lxw_col_t rc = (lxw_col_t)(L->base[i] + s * stride + stride - 1);
            qs_wb__cond(W, ws, first, last, rc, rc, NULL, "\"reliable_deterioration\"", W->f.c_det);
            qs_wb__cond(W, ws, first, last, rc, rc, NULL, "\"reliable_improvement\"", W->f.c_imp);
        }
    }
}

/* Report row i at sheet row y: who, when, the raised flags joined, then the scores. */
static void summary_row(struct wb *W, lxw_worksheet *ws, struct widths *cw, const struct layout *L,
                        size_t i)
{
    const qs_rep_row *row = &W->r->rows[i];
    const qs_rep_instrument *ri = &W->r->instruments[row->instrument];
    const qs_instrument *I = ri->inst;
    lxw_row_t y = HDR + 1 + (lxw_row_t)i;
    qs_wb__put_str(W, ws, y, C_CLIENT, row->client, W->f.text);
    qs_wb__widen(cw, C_CLIENT, row->client, 40);
    const char *group = row->group && *row->group ? row->group : NO_GROUP;
    qs_wb__put_str(W, ws, y, C_GROUP, group, W->f.text);
    qs_wb__widen(cw, C_GROUP, group, 30);
    qs_wb__put_str(W, ws, y, C_INST, I->id, W->f.text);
    qs_wb__widen(cw, C_INST, I->id, 24);
    qs_wb__put_str(W, ws, y, C_DATE, row->date, W->f.text);
    qs_wb__widen(cw, C_DATE, row->date, 22);
    qs_wb__join_reset(W);
    for (size_t f = 0; f < row->nflags; f++) {
        const qs_rep_flag *fl = &row->flags[f];
        if (!fl->status || strcmp(fl->status, "raised") != 0)
            continue;
        if (W->join_len)
            qs_wb__join_add(W, "; ");
        qs_wb__join_add(W, fl->label ? fl->label : (fl->id ? fl->id : "?"));
    }
    if (W->join && W->join_len) {
        qs_wb__put_str(W, ws, y, C_FLAGS, W->join, W->f.wrap);
        qs_wb__widen(cw, C_FLAGS, W->join, FLAGS_WIDTH);
        qs_wb__row_lines(W, ws, y, qs_wb__wrap_lines(W->join, FLAGS_WIDTH));
    }
    qs_wb__put_str(W, ws, y, C_SEV, qs_wb__severity_name(row->max_severity), W->f.text);
    qs_wb__put_str(W, ws, y, C_VALID, row->validity, W->f.text);
    qs_wb__widen(cw, C_VALID, row->validity, 20);
    size_t c = L->base[row->instrument];
    for (size_t s = 0; s < I->nscores; s++) {
        qs_wb__put_num(W, ws, y, (lxw_col_t)c++, row->value ? row->value[s] : NAN, W->f.num2);
        if (has_t(ri))
            qs_wb__put_num(W, ws, y, (lxw_col_t)c++, row->t ? row->t[s] : NAN, W->f.num1);
        qs_wb__put_num(W, ws, y, (lxw_col_t)c++, row->change ? row->change[s] : NAN, W->f.chg);
        const char *cls = row->rci_class ? row->rci_class[s] : NULL;
        qs_wb__widen(cw, c, cls, 24);
        qs_wb__put_str(W, ws, y, (lxw_col_t)c++, cls, W->f.rci);
    }
}

void qs_wb__write_summary(struct wb *W, lxw_worksheet *ws)
{
    const qs_report *r = W->r;
    struct layout L = {calloc(r->ninstruments ? r->ninstruments : 1, sizeof(size_t)),
                       C_FIRST_SCORE};
    if (!L.base) {
        W->rc = QS_ENOMEM;
        return;
    }
    for (size_t i = 0; i < r->ninstruments; i++) {
        L.base[i] = L.ncols;
        L.ncols += r->instruments[i].inst->nscores * score_stride(&r->instruments[i]);
    }
    struct widths cw;
    if (!qs_wb__widths_init(W, &cw, L.ncols, 9)) {
        free(L.base);
        return;
    }
    W->where = S_SUMMARY;
    summary_head(W, ws);
    summary_header(W, ws, &cw);
    summary_ranges(W, ws, &L);
    for (size_t i = 0; i < r->nrows && !qs_wb__failed(W); i++)
        summary_row(W, ws, &cw, &L, i);
    qs_wb__print_setup(W, ws, HDR);
    qs_wb__widths_apply(W, ws, &cw);
    free(L.base);
}
