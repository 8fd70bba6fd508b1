/* workbook_flags.c - the Flags sheet: every flag of every client's latest form, new or
 * continuing, in words; then the flags cleared since the last report. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"
#include "workbook_internal.h"

enum { C_CLIENT, C_GROUP, C_INST, C_FLAG, C_SEV, C_STATUS, C_VALUES, C_BECAUSE, C_FORM, NC };
#define HDR 3

static int is_raised(const qs_rep_flag *f)
{
    return f->status && strcmp(f->status, "raised") == 0;
}

/* Flags cleared since the last report, over all rows. */
static size_t count_cleared(const qs_report *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nrows; i++)
        n += r->rows[i].ncleared;
    return n;
}

static void put_common(struct wb *W, lxw_worksheet *ws, struct widths *cw, lxw_row_t y,
                       const qs_rep_client *cl, const qs_instrument *I, const qs_rep_flag *fl)
{
    const char *who = qs_wb__who(W, cl->client, cl->site);
    qs_wb__put_str(W, ws, y, C_CLIENT, who, W->f.text);
    qs_wb__widen(cw, C_CLIENT, who, 30);
    const char *group = cl->group && *cl->group ? cl->group : NO_GROUP;
    qs_wb__put_str(W, ws, y, C_GROUP, group, W->f.text);
    qs_wb__widen(cw, C_GROUP, group, 20);
    qs_wb__put_str(W, ws, y, C_INST, qs_wb__inst_name(I), W->f.wrap);
    qs_wb__widen(cw, C_INST, qs_wb__inst_name(I), 30);
    const char *label = fl->label ? fl->label : fl->id;
    qs_wb__put_str(W, ws, y, C_FLAG, label, W->f.wrap);
    qs_wb__widen(cw, C_FLAG, label, 30);
}

/* The cleared section from row y: its title, header and rows. Returns the next free row. */
static lxw_row_t cleared(struct wb *W, lxw_worksheet *ws, struct widths *cw, lxw_row_t y, size_t n)
{
    const qs_report *r = W->r;
    qs_wb__put_str(W, ws, y++, 0, "Cleared since the last report", W->f.caption);
    if (!n) {
        qs_wb__put_str(W, ws, y++, 0, "No flag was cleared since the last report.", W->f.note);
        return y;
    }
    qs_wb__put_str(W, ws, y++, 0,
                   "Flags raised by a client's form before the latest run and not raised by the "
                   "form the latest run brought.",
                   W->f.note);
    static const char *const head[] = {"Client", "Group",       "Instrument",
                                       "Flag",   "Last raised", "Cleared by the form of"};
    for (size_t c = 0; c < 6; c++)
        qs_wb__put_str(W, ws, y, (lxw_col_t)c, head[c], W->f.head);
    y++;
    for (size_t k = 0; k < r->nclients && !qs_wb__failed(W); k++) {
        const qs_rep_client *cl = &r->clients[k];
        for (size_t j = 0; j < cl->nrows; j++) {
            const qs_rep_row *row = &r->rows[cl->rows[j]];
            const qs_instrument *I = r->instruments[row->instrument].inst;
            for (size_t f = 0; f < row->ncleared; f++, y++) {
                const qs_rep_flag *fl = &row->cleared[f];
                put_common(W, ws, cw, y, cl, I, fl);
                qs_wb__put_date(W, ws, y, 4, fl->since, W->f.date);
                qs_wb__put_date(W, ws, y, 5, row->date, W->f.date);
            }
        }
    }
    return y;
}

/* Filter, frozen header and the severity and New colours of rows HDR+1..last (formats that
 * follow the cells, so a sorted or filtered sheet keeps them). */
static void colours(struct wb *W, lxw_worksheet *ws, lxw_row_t last)
{
    qs_wb__ck(W, worksheet_autofilter(ws, HDR, 0, last, NC - 1));
    worksheet_freeze_panes(ws, HDR + 1, 1);
    char ref[24], formula[64];
    qs_wb__col_ref(ref, sizeof(ref), C_SEV, HDR + 1);
    static const char *const word[] = {"Low", "Medium", "High"};
    lxw_format *sev_fmt[] = {W->f.c_low, W->f.c_med, W->f.c_high};
    for (int s = 2; s >= 0; s--) {
        snprintf(formula, sizeof(formula), "=%s=\"%s\"", ref, word[s]);
        qs_wb__cond(W, ws, HDR + 1, last, C_FLAG, C_SEV, formula, NULL, sev_fmt[s]);
    }
    qs_wb__col_ref(ref, sizeof(ref), C_STATUS, HDR + 1);
    snprintf(formula, sizeof(formula), "=%s=\"New\"", ref);
    qs_wb__cond(W, ws, HDR + 1, last, C_STATUS, C_STATUS, formula, NULL, W->f.c_new);
}

void qs_wb__write_flags(struct wb *W, lxw_worksheet *ws)
{
    const qs_report *r = W->r;
    static const char *const head[] = {"Client", "Group",  "Instrument",     "Flag",   "Severity",
                                       "Status", "Values", "Why it matters", "Form of"};
    struct widths cw;
    if (!qs_wb__widths_init(W, &cw, NC, 10))
        return;
    W->where = S_FLAGS;
    qs_wb__sheet_head(W, ws, "Flags",
                      "Every flag of each client's latest form, high severity first. New: the "
                      "client's form before this one did not raise it. Flags are screening aids, "
                      "never diagnoses; rules and cutoffs are listed on About.");
    for (size_t c = 0; c < NC; c++)
        qs_wb__put_str(W, ws, HDR, (lxw_col_t)c, head[c], W->f.head);
    cw.w[C_SEV] = 9;
    cw.w[C_STATUS] = 24;
    cw.w[C_VALUES] = 40;
    cw.w[C_BECAUSE] = 55;
    cw.w[C_FORM] = 12;
    size_t ncleared = count_cleared(r);
    if (ncleared)
        cw.w[C_SEV] = 12; /* the cleared section's "Last raised" dates: narrower shows "####" */
    lxw_row_t y = HDR + 1;
    char status[64], since[40];
    /* High severity first, then in Summary's client order. */
    for (int sev = 2; sev >= -1 && !qs_wb__failed(W); sev--) {
        for (size_t k = 0; k < r->nclients; k++) {
            const qs_rep_client *cl = &r->clients[k];
            for (size_t j = 0; j < cl->nrows; j++) {
                const qs_rep_row *row = &r->rows[cl->rows[j]];
                const qs_instrument *I = r->instruments[row->instrument].inst;
                for (size_t f = 0; f < row->nflags; f++) {
                    const qs_rep_flag *fl = &row->flags[f];
                    int up = is_raised(fl);
                    if ((up ? fl->severity : -1) != sev)
                        continue;
                    put_common(W, ws, &cw, y, cl, I, fl);
                    qs_wb__put_str(W, ws, y, C_SEV, up ? qs_wb__severity_word(fl->severity) : NULL,
                                   W->f.text);
                    if (!up) {
                        snprintf(status, sizeof(status), "Could not be checked");
                    } else if (fl->is_new) {
                        snprintf(status, sizeof(status), "New");
                    } else {
                        qs_rep__date_words(since, sizeof(since), fl->since);
                        snprintf(status, sizeof(status), "Continuing since %s",
                                 since[0] ? since : "an undated form");
                    }
                    qs_wb__put_str(W, ws, y, C_STATUS, status, W->f.text);
                    const char *values =
                        up ? fl->values : "a score this flag needs could not be computed";
                    qs_wb__put_str(W, ws, y, C_VALUES, values, W->f.wrap);
                    qs_wb__put_str(W, ws, y, C_BECAUSE, fl->because, W->f.wrap);
                    qs_wb__put_date(W, ws, y, C_FORM, row->date, W->f.date);
                    int lines = qs_wb__wrap_lines(fl->because, 55);
                    int vl = qs_wb__wrap_lines(values, 40);
                    qs_wb__row_lines(W, ws, y, lines > vl ? lines : vl);
                    y++;
                }
            }
        }
    }
    colours(W, ws, y > HDR + 1 ? y - 1 : HDR + 1);
    if (y == HDR + 1)
        qs_wb__put_str(W, ws, y++, 0, "No flag is raised on any client's latest form.", W->f.note);
    cleared(W, ws, &cw, y + 1, ncleared);
    qs_wb__print_setup(W, ws, HDR);
    qs_wb__widths_apply(W, ws, &cw);
}
