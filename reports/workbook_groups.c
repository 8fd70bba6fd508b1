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

enum { C_GROUP, C_INST, C_SCORE, C_WAVE, C_N, C_MEAN, C_SD, C_MIN, C_MAX, C_FLAGGED, NC };
#define HDR       3        /* the header row */
#define CHART_COL (NC + 1) /* the first chart column, right of the table */

/* The sheet's contents: the rows sorted into blocks, and one table row per block x score x
 * wave. Owns every array; groups_release() frees them. */
struct groups {
    struct gkey *keys;     /* [r->nrows] */
    struct gblock *blocks; /* [nblocks] (room for r->nrows) */
    size_t nblocks;
    struct trow {
        size_t b, s, w;
    } * trows; /* [ntrows] */
    size_t ntrows;
};

static void groups_release(struct groups *G)
{
    for (size_t bi = 0; G->blocks && bi < G->nblocks; bi++) {
        free(G->blocks[bi].st);
        free(G->blocks[bi].flagged);
    }
    free(G->trows);
    free(G->blocks);
    free(G->keys);
}

static const qs_instrument *block_inst(const qs_report *r, const struct groups *G,
                                       const struct gblock *b)
{
    return r->instruments[G->keys[b->from].inst].inst;
}

static const char *block_group(const struct groups *G, const struct gblock *b)
{
    return G->keys[b->from].group ? G->keys[b->from].group : NO_GROUP;
}

/* Sort the rows by group and instrument, compute each block's statistics (blocks without waves
 * or scores are dropped) and list the table rows. 0 on allocation failure (W->rc set). */
static int groups_collect(struct wb *W, struct groups *G)
{
    const qs_report *r = W->r;
    G->keys = calloc(r->nrows ? r->nrows : 1, sizeof(*G->keys));
    G->blocks = calloc(r->nrows ? r->nrows : 1, sizeof(*G->blocks));
    if (!G->keys || !G->blocks) {
        W->rc = QS_ENOMEM;
        return 0;
    }
    for (size_t i = 0; i < r->nrows; i++) {
        const char *g = r->rows[i].group;
        G->keys[i].group = g && *g ? g : NULL;
        G->keys[i].inst = r->rows[i].instrument;
        G->keys[i].row = i;
    }
    qsort(G->keys, r->nrows, sizeof(*G->keys), cmp_gkey);
    const struct gkey *keys = G->keys;
    for (size_t i = 0; i < r->nrows && !qs_wb__failed(W);) {
        size_t j = i + 1;
        while (j < r->nrows && cmp_gkey(&(struct gkey){keys[i].group, keys[i].inst, 0},
                                        &(struct gkey){keys[j].group, keys[j].inst, 0}) == 0)
            j++;
        struct gblock *b = &G->blocks[G->nblocks];
        b->from = i;
        b->to = j;
        size_t ns = r->instruments[keys[i].inst].inst->nscores;
        if (block_stats(W, b, keys, r) && b->waves > 0 && ns > 0) {
            b->first = HDR + 1 + (lxw_row_t)G->ntrows;
            G->ntrows += ns * b->waves;
            G->nblocks++;
        } else {
            free(b->st);
            free(b->flagged);
            b->st = NULL;
            b->flagged = NULL;
        }
        i = j;
    }
    G->trows = calloc(G->ntrows ? G->ntrows : 1, sizeof(*G->trows));
    if (!G->trows) {
        W->rc = QS_ENOMEM;
        return 0;
    }
    for (size_t b = 0, t = 0; b < G->nblocks; b++)
        for (size_t s = 0; s < block_inst(r, G, &G->blocks[b])->nscores; s++)
            for (size_t w = 0; w < G->blocks[b].waves; w++)
                G->trows[t++] = (struct trow){b, s, w};
    return 1;
}

/* Table row t at sheet row y: group, instrument, score, wave and the wave's statistics. */
static void groups_table_row(struct wb *W, lxw_worksheet *ws, struct widths *cw,
                             const struct groups *G, size_t t, lxw_row_t y)
{
    const struct trow *tr = &G->trows[t];
    const struct gblock *b = &G->blocks[tr->b];
    const qs_instrument *I = block_inst(W->r, G, b);
    const char *group = block_group(G, b);
    const struct gstat *g = &b->st[tr->s * b->waves + tr->w];
    qs_wb__put_str(W, ws, y, C_GROUP, group, NULL);
    qs_wb__widen(cw, C_GROUP, group, 30);
    qs_wb__put_str(W, ws, y, C_INST, I->id, NULL);
    qs_wb__widen(cw, C_INST, I->id, 24);
    qs_wb__put_str(W, ws, y, C_SCORE, I->scores[tr->s].id, NULL);
    qs_wb__widen(cw, C_SCORE, I->scores[tr->s].id, 20);
    qs_wb__put_num(W, ws, y, C_WAVE, (double)(tr->w + 1), W->f.int0);
    qs_wb__put_num(W, ws, y, C_N, (double)g->n, W->f.int0);
    qs_wb__put_num(W, ws, y, C_MEAN, g->n ? g->mean : NAN, W->f.num2);
    qs_wb__put_num(W, ws, y, C_SD, g->n >= 2 ? sqrt(g->m2 / (double)(g->n - 1)) : NAN, W->f.num2);
    qs_wb__put_num(W, ws, y, C_MIN, g->n ? g->min : NAN, W->f.num2);
    qs_wb__put_num(W, ws, y, C_MAX, g->n ? g->max : NAN, W->f.num2);
    qs_wb__put_num(W, ws, y, C_FLAGGED, (double)b->flagged[tr->w], W->f.int0);
}

/* Row by row (as constant_memory requires): the header, the table and, to its right, the
 * chart captions (the charts' titles) two per grid row, each chart just below its own. */
static void groups_rows(struct wb *W, lxw_worksheet *ws, struct widths *cw, const struct groups *G)
{
    static const char *const head[] = {"Group", "Instrument", "Score", "Wave", "n",
                                       "Mean",  "SD",         "Min",   "Max",  "Flagged"};
    lxw_row_t last_caption = G->nblocks ? HDR + (lxw_row_t)((G->nblocks - 1) / 2) * GRID_ROWS : HDR;
    lxw_row_t end = HDR + (lxw_row_t)G->ntrows;
    if (last_caption > end)
        end = last_caption;
    size_t next_caption = 0;
    for (lxw_row_t y = HDR; y <= end && !qs_wb__failed(W); y++) {
        if (y == HDR) {
            for (size_t c = 0; c < NC; c++) {
                qs_wb__put_str(W, ws, HDR, (lxw_col_t)c, head[c], W->f.head);
                qs_wb__widen(cw, c, head[c], 12);
            }
        } else if (y - HDR - 1 < G->ntrows) {
            groups_table_row(W, ws, cw, G, y - HDR - 1, y);
        }
        while (next_caption < G->nblocks && HDR + (lxw_row_t)(next_caption / 2) * GRID_ROWS == y) {
            const struct gblock *b = &G->blocks[next_caption];
            qs_wb__put_name(W, ws, y, (lxw_col_t)(CHART_COL + (next_caption % 2) * GRID_COLS),
                            qs_wb__dash_title(W, block_group(G, b), block_inst(W->r, G, b)->id),
                            W->f.caption);
            next_caption++;
        }
    }
}

/* Charts: one per block, the mean of each score over the waves. */
static void groups_charts(struct wb *W, lxw_worksheet *ws, const struct groups *G)
{
    for (size_t bi = 0; bi < G->nblocks && !qs_wb__failed(W); bi++) {
        const struct gblock *b = &G->blocks[bi];
        const qs_instrument *I = block_inst(W->r, G, b);
        lxw_chart *ch = workbook_add_chart(W->book, LXW_CHART_LINE);
        if (!ch) {
            W->rc = QS_ENOMEM;
            break;
        }
        lxw_row_t anchor = HDR + (lxw_row_t)(bi / 2) * GRID_ROWS;
        lxw_col_t col = (lxw_col_t)(CHART_COL + (bi % 2) * GRID_COLS);
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
}

void qs_wb__write_groups(struct wb *W, lxw_worksheet *ws)
{
    struct groups G;
    struct widths cw = {NULL, 0};
    memset(&G, 0, sizeof(G));
    W->where = S_GROUPS;
    if (!groups_collect(W, &G) || !qs_wb__widths_init(W, &cw, NC, 8)) {
        W->rc = QS_ENOMEM;
        goto done;
    }
    qs_wb__sheet_head(W, ws, "Groups",
                      "Wave k = each client's k-th administration of the instrument. n counts "
                      "clients with a value; SD is the sample SD (n - 1), blank when n < 2. "
                      "Flagged: clients whose wave-k administration raised a flag. Charts: group "
                      "means over waves.");
    qs_wb__ck(W, worksheet_set_row(ws, HDR, 30, NULL));
    qs_wb__ck(W, worksheet_autofilter(ws, HDR, 0, HDR + (lxw_row_t)G.ntrows, NC - 1));
    worksheet_freeze_panes(ws, HDR + 1, 1);
    groups_rows(W, ws, &cw, &G);
    groups_charts(W, ws, &G);
    qs_wb__print_setup(W, ws, HDR);
    qs_wb__widths_apply(W, ws, &cw);
done:
    free(cw.w);
    groups_release(&G);
}
