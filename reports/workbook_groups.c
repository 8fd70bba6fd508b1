/* workbook_groups.c - the Groups sheet: statistics per group x instrument x score x wave, with
 * a chart of the means per group x instrument. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workbook_internal.h"

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

void qs_wb__write_groups(struct wb *W, lxw_worksheet *ws)
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
    if (!keys || !blocks || !qs_wb__widths_init(W, &cw, NC, 8)) {
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
    for (size_t i = 0; i < r->nrows && !qs_wb__failed(W);) {
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

    qs_wb__sheet_head(
        W, ws, "Groups",
        "Wave k = each client's k-th administration of the instrument. n counts clients "
        "with a value; SD is the sample SD (n - 1), blank when n < 2. Flagged: clients "
        "whose wave-k administration raised a flag. Charts: group means over waves.");
    qs_wb__ck(W, worksheet_set_row(ws, hdr, 30, NULL));
    qs_wb__ck(W, worksheet_autofilter(ws, hdr, 0, hdr + (lxw_row_t)ntrows, NC - 1));
    worksheet_freeze_panes(ws, hdr + 1, 1);

    /* Row by row (as constant_memory requires): the header, the table and, to its right, the
     * chart captions (the charts' titles) two per grid row, each chart just below its own. */
    lxw_row_t last_caption = nblocks ? hdr + (lxw_row_t)((nblocks - 1) / 2) * GRID_ROWS : hdr;
    lxw_row_t end = hdr + (lxw_row_t)ntrows;
    if (last_caption > end)
        end = last_caption;
    size_t next_caption = 0;
    for (lxw_row_t y = hdr; y <= end && !qs_wb__failed(W); y++) {
        if (y == hdr) {
            for (size_t c = 0; c < NC; c++) {
                qs_wb__put_str(W, ws, hdr, (lxw_col_t)c, head[c], W->f.head);
                qs_wb__widen(&cw, c, head[c], 12);
            }
        } else if (y - hdr - 1 < ntrows) {
            const struct trow *t = &trows[y - hdr - 1];
            const struct gblock *b = &blocks[t->b];
            const qs_instrument *I = r->instruments[keys[b->from].inst].inst;
            const char *group = keys[b->from].group ? keys[b->from].group : NO_GROUP;
            const struct gstat *g = &b->st[t->s * b->waves + t->w];
            qs_wb__put_str(W, ws, y, C_GROUP, group, NULL);
            qs_wb__widen(&cw, C_GROUP, group, 30);
            qs_wb__put_str(W, ws, y, C_INST, I->id, NULL);
            qs_wb__widen(&cw, C_INST, I->id, 24);
            qs_wb__put_str(W, ws, y, C_SCORE, I->scores[t->s].id, NULL);
            qs_wb__widen(&cw, C_SCORE, I->scores[t->s].id, 20);
            qs_wb__put_num(W, ws, y, C_WAVE, (double)(t->w + 1), W->f.int0);
            qs_wb__put_num(W, ws, y, C_N, (double)g->n, W->f.int0);
            qs_wb__put_num(W, ws, y, C_MEAN, g->n ? g->mean : NAN, W->f.num2);
            qs_wb__put_num(W, ws, y, C_SD, g->n >= 2 ? sqrt(g->m2 / (double)(g->n - 1)) : NAN,
                           W->f.num2);
            qs_wb__put_num(W, ws, y, C_MIN, g->n ? g->min : NAN, W->f.num2);
            qs_wb__put_num(W, ws, y, C_MAX, g->n ? g->max : NAN, W->f.num2);
            qs_wb__put_num(W, ws, y, C_FLAGGED, (double)b->flagged[t->w], W->f.int0);
        }
        while (next_caption < nblocks && hdr + (lxw_row_t)(next_caption / 2) * GRID_ROWS == y) {
            const struct gblock *b = &blocks[next_caption];
            const char *group = keys[b->from].group ? keys[b->from].group : NO_GROUP;
            qs_wb__put_str(W, ws, y, (lxw_col_t)(chart_col + (next_caption % 2) * GRID_COLS),
                           qs_wb__dash_title(W, group, r->instruments[keys[b->from].inst].inst->id),
                           W->f.caption);
            next_caption++;
        }
    }

    /* Charts: one per block, the mean of each score over the waves. */
    for (size_t bi = 0; bi < nblocks && !qs_wb__failed(W); bi++) {
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
            qs_wb__style_series(se, s, 0);
        }
        qs_wb__style_chart(ch, I);
        chart_axis_set_name(ch->x_axis, "wave");
        qs_wb__insert_chart(W, ws, anchor + 1, col, ch);
    }

    qs_wb__print_setup(ws, hdr);
    qs_wb__widths_apply(W, ws, &cw);
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
