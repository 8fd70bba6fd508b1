/* workbook_groups.c - the Groups sheet: per therapy group, the monthly means of each score and
 * a baseline-versus-latest table of reliable change and flags. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"
#include "workbook_internal.h"

/*
 * Design. One section per group the workbook's forms were in, in group name order (bytewise),
 * "(no group)" last, each starting on a new printed page:
 *
 *   Group G1                                        (heading)
 *   54 usable forms, Jan 2026 to Jun 2026 ...        (what the section counts)
 *   per instrument: "<instrument name>: monthly means"
 *       Month | <score name> (over Mean, n) | ...   one row per calendar month, first to last
 *   "Baseline and latest"
 *       Instrument and score | Clients | Reliably improved | Reliably deteriorated |
 *       No reliable change | Not testable | Flagged
 *
 * What counts where (the notes on the sheet say the same in words):
 *   - A form counts in the group the client was in on the day of the form (qs_rep_point.group),
 *     so a client who moved counts in the old group for the old months.
 *   - Careless or invalid forms (usable == 0) never count; undated forms have no month.
 *   - A month's mean takes each client once: the client's latest usable form of that month in
 *     that group. n is the number of clients with a value for the score. A mean of fewer than 3
 *     is hidden ("–"): unstable, and it could single a client out; n is always shown, so the
 *     reader sees why. Means of mean scores show 2 decimals, means of sums 1, in every row.
 *   - Baseline and latest counts the clients whose latest form of the instrument is in the
 *     group (qs_rep_row.group), by the reliable change class of each score from the first usable
 *     form to the last usable one; "Not testable" is the rest (one usable form, a missing
 *     score, no reliability); Flagged counts clinical flags, not careless/invalid. Counts are not
 * hidden: the workbook goes to the therapist of these clients, and a count says nothing about a
 * client that the Summary does not.
 *
 * The sheet is written row by row (as constant_memory requires), without charts: a chart of
 * means that are partly hidden would show them anyway. Printed portrait when the widest table
 * fits, else landscape one page wide with an open height, which keeps the manual page breaks
 * (a fixed height would drop them; LibreOffice's PDF checked).
 */

#define MIN_N       3   /* a mean of fewer forms is hidden */
#define MAX_GAP     120 /* months: a longer span lists only the months with forms */
#define LABEL_MIN   12
#define LABEL_MAX   44
#define DATA_W      12.0 /* every column right of the labels */
#define NBASE_COLS  7
#define HIDDEN_MEAN "\xE2\x80\x93" /* en dash */
#define HIDDEN_NOTE                                                                                \
    "Means of fewer than 3 forms are hidden (\xE2\x80\x93) to protect privacy and because they "   \
    "are unstable; n is always shown. Each client counts once a month, with their latest usable "  \
    "form of that month in this group."

static const char *const base_head[NBASE_COLS] = {"Instrument and score",
                                                  "Clients",
                                                  "Reliably improved",
                                                  "Reliably deteriorated",
                                                  "No reliable change",
                                                  "Not testable",
                                                  "Flagged"};

/* Formats only this sheet uses. */
struct gfmt {
    lxw_format *month, *hidden, *indent, *sub, *note, *head_l;
};

/* A usable dated form of one client in one group and month. */
struct gform {
    size_t g;    /* index into groups.names */
    size_t inst; /* index into r->instruments */
    long month;  /* year * 12 + month - 1 */
    size_t row;  /* index into r->rows */
    size_t k;    /* index into the row's history */
};

/* Per group: what its heading line says. */
struct gcount {
    long usable, unusable, undated;
    long m0, m1; /* first and last month with a usable dated form; m0 > m1 when none */
};

struct groups {
    const char **names; /* sorted, NULL ("(no group)") last */
    size_t ngroups;
    struct gcount *count; /* [ngroups] */
    struct gform *forms;  /* sorted by group, instrument, month, row, then form */
    size_t nforms;        /* after keeping one form per client and month */
    size_t maxscores;     /* the widest instrument */
    double *sum;          /* [maxscores] scratch */
    long *n;              /* [maxscores] scratch */
    lxw_row_t *breaks;    /* page breaks, 0-terminated */
    size_t nbreaks;
    struct gfmt f;
};

static void groups_release(struct groups *G)
{
    free(G->names);
    free(G->count);
    free(G->forms);
    free(G->sum);
    free(G->n);
    free(G->breaks);
}

/* A group name as the sheet keys it: NULL for none. */
static const char *gname(const char *g)
{
    return g && *g ? g : NULL;
}

static int cmp_name(const char *a, const char *b)
{
    if (!a || !b)
        return (!a) - (!b); /* NULL ("(no group)") last */
    return strcmp(a, b);
}

static int cmp_name_p(const void *x, const void *y)
{
    return cmp_name(*(const char *const *)x, *(const char *const *)y);
}

static size_t group_index(const struct groups *G, const char *g)
{
    size_t lo = 0, hi = G->ngroups;
    g = gname(g);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_name(G->names[mid], g);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0; /* not reached: every name was collected */
}

static int cmp_form(const void *x, const void *y)
{
    const struct gform *a = x, *b = y;
    if (a->g != b->g)
        return a->g < b->g ? -1 : 1;
    if (a->inst != b->inst)
        return a->inst < b->inst ? -1 : 1;
    if (a->month != b->month)
        return a->month < b->month ? -1 : 1;
    if (a->row != b->row)
        return a->row < b->row ? -1 : 1;
    return (a->k > b->k) - (a->k < b->k);
}

/* year * 12 + month - 1 of an ISO date, or -1. */
static long month_of(const char *iso)
{
    long d = qs_rep__iso_days(iso);
    if (d == LONG_MIN)
        return -1;
    long y = 0, m = 0;
    for (int i = 0; i < 4; i++)
        y = y * 10 + (iso[i] - '0');
    m = (iso[5] - '0') * 10 + (iso[6] - '0');
    return y * 12 + m - 1;
}

/* "Jun 2026" of a month key. */
static void month_words(char *buf, size_t size, long m)
{
    static const char *const names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    snprintf(buf, size, "%s %ld", names[m % 12], m / 12);
}

/* The Excel serial of the first day of month key m. */
static double month_serial(long m)
{
    char iso[48];
    snprintf(iso, sizeof(iso), "%04ld-%02ld-01", m / 12, m % 12 + 1);
    return qs_wb__date_serial(iso);
}

/* The groups (from every form and every row's latest), the usable dated forms sorted and cut to
 * one per client, group and month, and the counts. 0 on allocation failure (W->rc set). */
static int groups_collect(struct wb *W, struct groups *G)
{
    const qs_report *r = W->r;
    size_t npoints = 0;
    for (size_t i = 0; i < r->nrows; i++)
        npoints += r->rows[i].nhistory;
    for (size_t i = 0; i < r->ninstruments; i++)
        if (r->instruments[i].inst->nscores > G->maxscores)
            G->maxscores = r->instruments[i].inst->nscores;
    G->names = calloc(npoints + r->nrows + 1, sizeof(*G->names));
    G->forms = calloc(npoints + 1, sizeof(*G->forms));
    G->sum = calloc(G->maxscores + 1, sizeof(*G->sum));
    G->n = calloc(G->maxscores + 1, sizeof(*G->n));
    if (!G->names || !G->forms || !G->sum || !G->n) {
        W->rc = QS_ENOMEM;
        return 0;
    }
    /* Every group: the sections. */
    size_t nn = 0;
    for (size_t i = 0; i < r->nrows; i++) {
        const qs_rep_row *row = &r->rows[i];
        G->names[nn++] = gname(row->group);
        for (size_t k = 0; k < row->nhistory; k++)
            G->names[nn++] = gname(row->history[k].group);
    }
    qsort(G->names, nn, sizeof(*G->names), cmp_name_p);
    for (size_t i = 0; i < nn; i++)
        if (G->ngroups == 0 || cmp_name(G->names[G->ngroups - 1], G->names[i]) != 0)
            G->names[G->ngroups++] = G->names[i];
    G->count = calloc(G->ngroups + 1, sizeof(*G->count));
    G->breaks = calloc(G->ngroups + 1, sizeof(*G->breaks));
    if (!G->count || !G->breaks) {
        W->rc = QS_ENOMEM;
        return 0;
    }
    for (size_t g = 0; g < G->ngroups; g++) {
        G->count[g].m0 = LONG_MAX;
        G->count[g].m1 = -1;
    }
    /* The forms. */
    size_t nf = 0;
    for (size_t i = 0; i < r->nrows; i++) {
        const qs_rep_row *row = &r->rows[i];
        for (size_t k = 0; k < row->nhistory; k++) {
            const qs_rep_point *p = &row->history[k];
            size_t g = group_index(G, p->group);
            struct gcount *c = &G->count[g];
            long m = month_of(p->date);
            if (!p->usable) {
                c->unusable++;
                continue;
            }
            c->usable++;
            if (m < 0 || !p->values) {
                c->undated += m < 0;
                continue;
            }
            if (m < c->m0)
                c->m0 = m;
            if (m > c->m1)
                c->m1 = m;
            G->forms[nf++] = (struct gform){g, row->instrument, m, i, k};
        }
    }
    qsort(G->forms, nf, sizeof(*G->forms), cmp_form);
    /* One form per client (row), group and month: the latest (the history is oldest first). */
    size_t w = 0;
    for (size_t i = 0; i < nf; i++) {
        const struct gform *a = &G->forms[i], *b = i + 1 < nf ? &G->forms[i + 1] : NULL;
        if (b && a->g == b->g && a->inst == b->inst && a->month == b->month && a->row == b->row)
            continue;
        G->forms[w++] = *a;
    }
    G->nforms = w;
    return 1;
}

/* The sheet's own formats. */
static int make_formats(struct wb *W, struct gfmt *f)
{
    lxw_format **all[] = {&f->month, &f->hidden, &f->indent, &f->sub, &f->note, &f->head_l};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        *all[i] = workbook_add_format(W->book);
        if (!*all[i]) {
            W->rc = QS_ENOMEM;
            return 0;
        }
    }
    format_set_num_format(f->month, "mmm yyyy");
    format_set_align(f->month, LXW_ALIGN_LEFT);
    format_set_align(f->month, LXW_ALIGN_VERTICAL_TOP); /* as the numbers beside it */
    format_set_align(f->hidden, LXW_ALIGN_RIGHT);
    format_set_align(f->hidden, LXW_ALIGN_VERTICAL_TOP);
    format_set_font_color(f->hidden, 0x808080);
    format_set_indent(f->indent, 1);
    format_set_text_wrap(f->indent);
    format_set_align(f->indent, LXW_ALIGN_VERTICAL_TOP);
    format_set_bold(f->sub);
    format_set_font_size(f->sub, 12);
    format_set_font_color(f->sub, 0x1F3864);
    format_set_italic(f->note);
    format_set_font_color(f->note, 0x595959);
    format_set_text_wrap(f->note);
    format_set_align(f->note, LXW_ALIGN_VERTICAL_TOP);
    format_set_bold(f->head_l);
    format_set_bg_color(f->head_l, 0xD9E1F2);
    format_set_bottom(f->head_l, LXW_BORDER_THIN);
    format_set_text_wrap(f->head_l);
    format_set_align(f->head_l, LXW_ALIGN_CENTER);
    format_set_align(f->head_l, LXW_ALIGN_VERTICAL_TOP);
    return 1;
}

/* The widths: the label column fits the longest instrument and score name (wrapping beyond
 * LABEL_MAX), every other column DATA_W. Returns the label column's width. */
static double label_width(const qs_report *r)
{
    double w = LABEL_MIN;
    struct widths cw = {&w, 1};
    for (size_t i = 0; i < r->ninstruments; i++) {
        const qs_instrument *I = r->instruments[i].inst;
        qs_wb__widen(&cw, 0, qs_wb__inst_name(I), LABEL_MAX);
        for (size_t s = 0; s < I->nscores; s++)
            qs_wb__widen(&cw, 0, I->scores[s].name ? I->scores[s].name : I->scores[s].id,
                         LABEL_MAX);
    }
    qs_wb__widen(&cw, 0, base_head[0], LABEL_MAX);
    return w;
}

/* A note merged over columns 0..last, wrapped, its row as tall as the text needs. */
static void note_row(struct wb *W, struct groups *G, lxw_worksheet *ws, lxw_row_t y, lxw_col_t last,
                     double width, const char *text)
{
    const char *t = qs_wb__clean(W, text);
    if (!t)
        return;
    if (last > 0)
        qs_wb__ck(W, worksheet_merge_range(ws, y, 0, y, last, t, G->f.note));
    else
        qs_wb__ck(W, worksheet_write_string(ws, y, 0, t, G->f.note));
    qs_wb__row_lines(W, ws, y, qs_wb__wrap_lines(t, width));
}

/* The month table of group g and instrument `inst` (its forms: G->forms[from..to)) from row *y.
 * Returns whether a mean was hidden. */
static int month_table(struct wb *W, struct groups *G, lxw_worksheet *ws, lxw_row_t *y, size_t inst,
                       size_t from, size_t to)
{
    const qs_instrument *I = W->r->instruments[inst].inst;
    size_t ns = I->nscores;
    char line[512];
    int hidden = 0;
    snprintf(line, sizeof(line), "%s: monthly means", qs_wb__inst_name(I));
    qs_wb__put_str(W, ws, (*y)++, 0, line, G->f.sub);
    /* Header: score names over their Mean and n columns, then Month, Mean, n. */
    int lines = 1;
    qs_wb__put_str(W, ws, *y, 0, "", W->f.head);
    for (size_t s = 0; s < ns; s++) {
        const char *t = qs_wb__clean(W, qs_wb__score_name(&I->scores[s]));
        lxw_col_t c = (lxw_col_t)(1 + 2 * s);
        if (t)
            qs_wb__ck(W, worksheet_merge_range(ws, *y, c, *y, c + 1, t, G->f.head_l));
        int n = t ? qs_wb__wrap_lines(t, 2 * DATA_W) : 1;
        if (n > lines)
            lines = n;
    }
    qs_wb__row_lines(W, ws, *y, lines);
    (*y)++;
    qs_wb__put_str(W, ws, *y, 0, "Month", W->f.head);
    for (size_t s = 0; s < ns; s++) {
        qs_wb__put_str(W, ws, *y, (lxw_col_t)(1 + 2 * s), "Mean", W->f.head_c);
        qs_wb__put_str(W, ws, *y, (lxw_col_t)(2 + 2 * s), "n", W->f.head_c);
    }
    (*y)++;
    long m0 = G->forms[from].month, m1 = G->forms[to - 1].month;
    int every = m1 - m0 < MAX_GAP; /* else only the months with forms */
    size_t j = from;
    for (long m = m0; m <= m1 && !qs_wb__failed(W); m++) {
        if (!every && (j >= to || G->forms[j].month != m))
            continue;
        for (size_t s = 0; s < ns; s++) {
            G->sum[s] = 0;
            G->n[s] = 0;
        }
        for (; j < to && G->forms[j].month == m; j++) {
            const qs_rep_row *row = &W->r->rows[G->forms[j].row];
            const double *v = row->history[G->forms[j].k].values;
            for (size_t s = 0; s < ns; s++) {
                if (isfinite(v[s])) {
                    G->sum[s] += v[s];
                    G->n[s]++;
                }
            }
        }
        qs_wb__put_num(W, ws, *y, 0, month_serial(m), G->f.month);
        for (size_t s = 0; s < ns; s++) {
            lxw_col_t c = (lxw_col_t)(1 + 2 * s);
            if (G->n[s] >= MIN_N) {
                double mean = G->sum[s] / (double)G->n[s];
                /* A mean of sums keeps one decimal throughout its column (a mean of means, 2). */
                int d = I->scores[s].method == QS_METHOD_MEAN ? 2 : 1;
                double p = pow(10, d);
                qs_wb__put_num(W, ws, *y, c, round(mean * p) / p,
                               d == 2   ? W->f.num2
                               : d == 1 ? W->f.num1
                                        : W->f.int0);
            } else {
                qs_wb__put_str(W, ws, *y, c, HIDDEN_MEAN, G->f.hidden);
                hidden = 1;
            }
            qs_wb__put_num(W, ws, *y, c + 1, (double)G->n[s], W->f.int0);
        }
        (*y)++;
    }
    return hidden;
}

enum { K_IMP, K_DET, K_NONE, K_INC, K_DEC, NK };

/* A raised flag other than careless or invalid (those say the form is not usable, not how the
 * client is), on the latest form or kept in view from the last usable one. */
static int clinical_flag(const qs_rep_row *row)
{
    for (size_t f = 0; f < row->nflags; f++) {
        const qs_rep_flag *fl = &row->flags[f];
        if (fl->status && strcmp(fl->status, "raised") == 0 && !qs_rep__validity_flag(fl->id))
            return 1;
    }
    return 0;
}

static int rci_kind(const qs_rep_row *row, size_t s)
{
    static const char *const names[NK] = {"reliable_improvement", "reliable_deterioration",
                                          "no_reliable_change", "reliable_increase",
                                          "reliable_decrease"};
    if (!row->change || !isfinite(row->change[s]) || !row->rci_class || !row->rci_class[s])
        return -1;
    for (int k = 0; k < NK; k++)
        if (strcmp(row->rci_class[s], names[k]) == 0)
            return k;
    return -1; /* not computable */
}

/* The "Baseline and latest" table of group g from row *y. */
static void base_table(struct wb *W, struct groups *G, lxw_worksheet *ws, lxw_row_t *y, size_t g,
                       double lw)
{
    const qs_report *r = W->r;
    char line[768];
    qs_wb__put_str(W, ws, (*y)++, 0, "Baseline and latest", G->f.sub);
    long *cls = calloc(G->maxscores * NK + 1, sizeof(long));
    if (!cls) {
        W->rc = QS_ENOMEM;
        return;
    }
    int any = 0, undirected = 0;
    for (size_t i = 0; i < r->ninstruments && !qs_wb__failed(W); i++) {
        const qs_instrument *I = r->instruments[i].inst;
        long clients = 0, flagged = 0;
        memset(cls, 0, (G->maxscores * NK + 1) * sizeof(long));
        for (size_t ri = 0; ri < r->nrows; ri++) {
            const qs_rep_row *row = &r->rows[ri];
            if (row->instrument != i || cmp_name(gname(row->group), G->names[g]) != 0)
                continue;
            clients++;
            flagged += clinical_flag(row);
            for (size_t s = 0; s < I->nscores; s++) {
                int k = rci_kind(row, s);
                if (k >= 0)
                    cls[s * NK + (size_t)k]++;
            }
        }
        if (!clients)
            continue;
        if (!any) {
            qs_wb__ck(W, worksheet_set_row(ws, *y, 30, NULL));
            for (size_t c = 0; c < NBASE_COLS; c++)
                qs_wb__put_str(W, ws, *y, (lxw_col_t)c, base_head[c], c ? W->f.head_c : W->f.head);
            (*y)++;
            any = 1;
        }
        const char *iname = qs_wb__inst_name(I);
        qs_wb__put_str(W, ws, *y, 0, iname, W->f.label);
        qs_wb__row_lines(W, ws, *y, qs_wb__wrap_lines(iname, lw));
        qs_wb__put_num(W, ws, *y, 1, (double)clients, W->f.int0);
        qs_wb__put_num(W, ws, *y, 6, (double)flagged, W->f.int0);
        (*y)++;
        for (size_t s = 0; s < I->nscores && !qs_wb__failed(W); s++) {
            const long *k = &cls[s * NK];
            const char *sn = qs_wb__score_name(&I->scores[s]);
            int dir = I->scores[s].better != QS_BETTER_UNKNOWN;
            qs_wb__put_str(W, ws, *y, 0, sn, G->f.indent);
            qs_wb__row_lines(W, ws, *y, qs_wb__wrap_lines(sn, lw - 1));
            if (dir) {
                qs_wb__put_num(W, ws, *y, 2, (double)k[K_IMP], W->f.int0);
                qs_wb__put_num(W, ws, *y, 3, (double)k[K_DET], W->f.int0);
            } else {
                qs_wb__put_str(W, ws, *y, 2, HIDDEN_MEAN, G->f.hidden);
                qs_wb__put_str(W, ws, *y, 3, HIDDEN_MEAN, G->f.hidden);
                undirected = 1;
            }
            qs_wb__put_num(W, ws, *y, 4, (double)k[K_NONE], W->f.int0);
            qs_wb__put_num(
                W, ws, *y, 5,
                (double)(clients - k[K_IMP] - k[K_DET] - k[K_NONE] - k[K_INC] - k[K_DEC]),
                W->f.int0);
            (*y)++;
            if (!dir && k[K_INC] + k[K_DEC] > 0) {
                snprintf(line, sizeof(line),
                         "%s: %ld reliably higher, %ld reliably lower (the instrument does not "
                         "say which way is better).",
                         sn, k[K_INC], k[K_DEC]);
                qs_wb__put_str(W, ws, (*y)++, 0, line, G->f.indent);
            }
        }
    }
    free(cls);
    if (!any) {
        note_row(W, G, ws, (*y)++, NBASE_COLS - 1, lw + DATA_W * (NBASE_COLS - 1),
                 "No client's latest form is in this group.");
        return;
    }
    snprintf(line, sizeof(line),
             "Clients: clients whose latest form of the instrument is in this group. Reliably "
             "improved or deteriorated: from their first usable form to their last usable one, the "
             "score changed by more than measurement error explains. Not testable: one usable "
             "form only, the score missing, or no published reliability or norm to test the "
             "change against.%s Flagged: clients with a flag on their latest usable form (see "
             "Flags; careless or invalid forms are not counted as flags here). Counts are shown "
             "even when small: every client counted "
             "here is on this workbook's Summary.",
             undirected ? " \xE2\x80\x93: the instrument does not say which way is better for the "
                          "score."
                        : "");
    note_row(W, G, ws, (*y)++, NBASE_COLS - 1, lw + DATA_W * (NBASE_COLS - 1), line);
}

/* Group g's section from row *y: heading, counts, month tables, baseline table. */
static void group_section(struct wb *W, struct groups *G, lxw_worksheet *ws, lxw_row_t *y, size_t g,
                          size_t *next, double lw, lxw_col_t last)
{
    const struct gcount *c = &G->count[g];
    char line[768], a[32], b[32];
    const char *name = G->names[g];
    if (*y > 4 && G->nbreaks < 1023)
        G->breaks[G->nbreaks++] = *y; /* each group on a new page */
    qs_wb__join_reset(W);
    qs_wb__join_add(W, name ? "Group " : NO_GROUP);
    qs_wb__join_add(W, name ? name : "");
    qs_wb__ck(W, worksheet_set_row(ws, *y, 20, NULL));
    qs_wb__put_str(W, ws, (*y)++, 0, W->join, W->f.title);
    int n = 0;
    if (c->m0 <= c->m1) {
        month_words(a, sizeof(a), c->m0);
        month_words(b, sizeof(b), c->m1);
        n = snprintf(line, sizeof(line), "%ld usable %s, %s%s%s.", c->usable,
                     c->usable == 1 ? "form" : "forms", a, c->m0 < c->m1 ? " to " : "",
                     c->m0 < c->m1 ? b : "");
    } else {
        n = snprintf(line, sizeof(line), "%ld usable %s.", c->usable,
                     c->usable == 1 ? "form" : "forms");
    }
    if (c->unusable && n > 0 && (size_t)n < sizeof(line))
        n += snprintf(line + n, sizeof(line) - (size_t)n, " %ld careless or invalid %s left out.",
                      c->unusable, c->unusable == 1 ? "form is" : "forms are");
    if (c->undated && n > 0 && (size_t)n < sizeof(line))
        snprintf(line + n, sizeof(line) - (size_t)n, " %ld usable %s no date, so %s in no month.",
                 c->undated, c->undated == 1 ? "form has" : "forms have",
                 c->undated == 1 ? "it is" : "they are");
    qs_wb__put_str(W, ws, (*y)++, 0, line, W->f.note);
    (*y)++;
    int hidden = 0;
    while (*next < G->nforms && G->forms[*next].g == g && !qs_wb__failed(W)) {
        size_t from = *next, to = from;
        while (to < G->nforms && G->forms[to].g == g && G->forms[to].inst == G->forms[from].inst)
            to++;
        hidden |= month_table(W, G, ws, y, G->forms[from].inst, from, to);
        *next = to;
        (*y)++;
    }
    if (hidden) {
        note_row(W, G, ws, (*y)++, last, lw + DATA_W * last, HIDDEN_NOTE);
        (*y)++;
    }
    base_table(W, G, ws, y, g, lw);
    (*y)++;
}

/* Paper: portrait when the widest table fits it at full size, else landscape, scaled down to
 * the paper's width when needed (never "fit to page", which drops the manual page breaks). */
static void paper(struct wb *W, lxw_worksheet *ws, double lw, lxw_col_t last)
{
    double px = floor(lw * 7 + 5);
    for (lxw_col_t c = 1; c <= last; c++)
        px += floor(DATA_W * 7 + 5);
    int a4 = W->r->paper == QS_PAPER_A4;
    double portrait = ((a4 ? 8.27 : 8.5) - 0.8) * 96, landscape = ((a4 ? 11.69 : 11.0) - 0.8) * 96;
    if (px <= portrait) {
        worksheet_set_portrait(ws);
        return;
    }
    worksheet_set_landscape(ws);
    if (px > landscape)
        worksheet_fit_to_pages(ws, 1, 0);
}

void qs_wb__write_groups(struct wb *W, lxw_worksheet *ws)
{
    struct groups G;
    memset(&G, 0, sizeof(G));
    W->where = S_GROUPS;
    if (!groups_collect(W, &G) || !make_formats(W, &G.f))
        goto done;
    double lw = label_width(W->r);
    lxw_col_t last =
        (lxw_col_t)(2 * G.maxscores > NBASE_COLS - 1 ? 2 * G.maxscores : NBASE_COLS - 1);
    qs_wb__ck(W, worksheet_set_column(ws, 0, 0, lw, NULL));
    qs_wb__ck(W, worksheet_set_column(ws, 1, last, DATA_W, NULL));
    qs_wb__sheet_head(W, ws, "Groups", NULL);
    note_row(W, &G, ws, 1, last, lw + DATA_W * last,
             "Only the clients in this workbook count. Each form counts in the group the client "
             "was in on the day of the form, so a client who changed group counts in each group "
             "for its own months. Careless or invalid forms are left out. Monthly means: each "
             "client counts once a month, with their latest usable form of that month; n is the "
             "number of clients. Means of fewer than 3 forms are hidden (\xE2\x80\x93) to "
             "protect privacy and because they are unstable. Each group starts on a new page.");
    lxw_row_t y = 3;
    size_t next = 0;
    if (!G.ngroups)
        qs_wb__put_str(W, ws, y++, 0, "No forms to show.", W->f.note);
    for (size_t g = 0; g < G.ngroups && !qs_wb__failed(W); g++)
        group_section(W, &G, ws, &y, g, &next, lw, last);
    if (G.nbreaks)
        qs_wb__ck(W, worksheet_set_h_pagebreaks(ws, G.breaks));
    paper(W, ws, lw, last);
    qs_wb__page_setup(W, ws, 1, 0);
done:
    groups_release(&G);
}
