/* workbook_summary.c - the Summary sheet: one row per client, who needs attention first, and
 * per instrument the latest scores with their change since baseline. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qscore/config.h"
#include "report_internal.h"
#include "workbook_internal.h"

/*
 * Layout. Rows 0-3: title, "Data through · made", the disclaimer, notes and the key to the
 * change marks; row 4: instrument names over their columns; row 5: the column headers. Then one
 * row per client (with `reports.sections: group`, a heading row before each group's clients),
 * then the footnotes. Per instrument and score: the latest value, its T score when a norm is
 * chosen, and the change since baseline: a number cell whose number format shows the reliable
 * change mark (▲ improvement, ▼ deterioration, ● neither; ↑ ↓ when the instrument does not
 * say which way is better), so the value stays a number for sorting and filtering.
 */

enum { C_CLIENT, C_GROUP, C_LAST, C_DAYS, C_WHY, C_FIRST_SCORE };
#define ROW_INST 4
#define HDR      5
#define WHY_W    32.0
#define MAXNOTES 8

enum mark { M_PLAIN, M_IMP, M_DET, M_NONE, M_UP, M_DOWN, NMARKS };

static const char *const superscript[MAXNOTES + 1] = {"", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸"};

struct sum {
    struct wb *W;
    lxw_worksheet *ws;
    struct widths cw;
    size_t *base; /* [instrument]: its first column */
    size_t ncols;
    /* formats made when first used: values [digits][grey], change [mark][digits][note] */
    lxw_format *val[3][2];
    lxw_format *chg[NMARKS][3][MAXNOTES + 1];
    lxw_format *dash[MAXNOTES + 1]; /* "–¹": no change to show, and why */
    lxw_format *section, *inst_head, *link, *days, *days_over, *note_wrap, *warn_wrap;
    const char *notes[MAXNOTES]; /* footnote texts, numbered in order of first use */
    size_t nnotes;
};

static int has_t(const qs_rep_instrument *ri)
{
    return ri->norm_id != NULL;
}

static size_t score_stride(const qs_rep_instrument *ri)
{
    return has_t(ri) ? 3 : 2;
}

static lxw_format *new_fmt(struct sum *S)
{
    lxw_format *f = workbook_add_format(S->W->book);
    if (!f)
        S->W->rc = QS_ENOMEM;
    return f;
}

static lxw_format *value_fmt(struct sum *S, int digits, int grey)
{
    lxw_format **slot = &S->val[digits][grey];
    if (!*slot && (*slot = new_fmt(S))) {
        static const char *const num[] = {"0", "0.0", "0.00"};
        format_set_num_format(*slot, num[digits]);
        format_set_align(*slot, LXW_ALIGN_VERTICAL_TOP);
        if (grey) {
            format_set_font_color(*slot, 0x9A9A9A);
            format_set_italic(*slot);
        }
    }
    return *slot;
}

/* The number of footnote `text` (1-based), adding it; 0 when there are too many. */
static size_t note_no(struct sum *S, const char *text)
{
    if (!text)
        return 0;
    for (size_t i = 0; i < S->nnotes; i++)
        if (strcmp(S->notes[i], text) == 0)
            return i + 1;
    if (S->nnotes == MAXNOTES)
        return 0;
    S->notes[S->nnotes++] = text;
    return S->nnotes;
}

static lxw_format *change_fmt(struct sum *S, enum mark m, int digits, size_t note)
{
    lxw_format **slot = &S->chg[m][digits][note];
    if (*slot || !(*slot = new_fmt(S)))
        return *slot;
    static const char *const sign[NMARKS] = {"", "▲ ", "▼ ", "● ", "↑ ", "↓ "};
    static const char *const zeros[] = {"0", "0.0", "0.00"};
    char nf[160];
    const char *z = zeros[digits], *k = sign[m], *sup = superscript[note];
    snprintf(nf, sizeof(nf), "\"%s\"+%s\"%s\";\"%s\"-%s\"%s\";\"%s\"%s\"%s\"", k, z, sup, k, z, sup,
             k, z, sup);
    format_set_num_format(*slot, nf);
    format_set_align(*slot, LXW_ALIGN_VERTICAL_TOP);
    format_set_align(*slot, LXW_ALIGN_RIGHT);
    if (m == M_IMP) {
        format_set_font_color(*slot, 0x006100);
        format_set_bg_color(*slot, 0xC6EFCE);
    } else if (m == M_DET) {
        format_set_font_color(*slot, 0x9C0006);
        format_set_bg_color(*slot, 0xFFC7CE);
        format_set_bold(*slot);
    }
    return *slot;
}

static lxw_format *dash_fmt(struct sum *S, size_t note)
{
    lxw_format **slot = &S->dash[note];
    if (!*slot && (*slot = new_fmt(S))) {
        format_set_font_color(*slot, 0x808080);
        format_set_align(*slot, LXW_ALIGN_RIGHT);
        format_set_align(*slot, LXW_ALIGN_VERTICAL_TOP);
    }
    return *slot;
}

static enum mark mark_of(const char *cls)
{
    if (!cls)
        return M_PLAIN;
    if (strcmp(cls, "reliable_improvement") == 0)
        return M_IMP;
    if (strcmp(cls, "reliable_deterioration") == 0)
        return M_DET;
    if (strcmp(cls, "no_reliable_change") == 0)
        return M_NONE;
    if (strcmp(cls, "reliable_increase") == 0)
        return M_UP;
    if (strcmp(cls, "reliable_decrease") == 0)
        return M_DOWN;
    return M_PLAIN;
}

/* A text across the fixed columns, wrapped (so it prints with them, never cut at the page). */
static void wide_text(struct sum *S, lxw_row_t y, const char *text, lxw_format *f)
{
    struct wb *W = S->W;
    const char *t = qs_wb__clean(W, text);
    if (!t)
        return;
    qs_wb__ck(W, worksheet_merge_range(S->ws, y, 0, y, C_WHY, t, f));
    /* The fixed columns are about 69 characters wide. */
    qs_wb__row_lines(W, S->ws, y, qs_wb__wrap_lines(t, 64));
}

/* Title, dates, disclaimer, notes. */
static void head(struct sum *S)
{
    struct wb *W = S->W;
    const qs_report *r = W->r;
    lxw_worksheet *ws = S->ws;
    char through[40] = "", made[40] = "", line[1024];
    qs_rep__date_words(through, sizeof(through), r->data_through);
    qs_rep__date_words(made, sizeof(made), r->made);
    qs_wb__ck(W, worksheet_set_row(ws, 0, 20, NULL));
    qs_wb__put_str(W, ws, 0, 0, r->title, W->f.title);
    snprintf(line, sizeof(line), "Data through %s · made %s", through[0] ? through : "(no dates)",
             made[0] ? made : "(no run yet)");
    qs_wb__put_str(W, ws, 1, 0, line, W->f.note);
    wide_text(S, 2, QS_REPORT_DISCLAIMER, S->warn_wrap);
    char pending[256] = "";
    long long q = r->open_quarantined_here;
    if (q > 0)
        snprintf(pending, sizeof(pending),
                 "%lld %s received could not be scored yet: ask your administrator. ", q,
                 q == 1 ? "form" : "forms");
    snprintf(line, sizeof(line),
             "%s%zu %s: needing attention first (a flag, or a reliable deterioration), then "
             "not assessed for %ld days or more, then the rest. Change since the first usable "
             "form: ▲ reliable improvement, ▼ reliable deterioration, ● no reliable change. Grey "
             "values: the form is not usable (\"Needs attention because\" says why).",
             pending, r->nclients, r->nclients == 1 ? "client" : "clients", r->overdue_days);
    wide_text(S, 3, line, q > 0 ? S->warn_wrap : S->note_wrap);
}

/* The characters of the longest word of `s` (a column this wide breaks no word). */
static size_t longest_word(const char *s)
{
    size_t best = 0, n = 0;
    for (; s && *s; s++) {
        if (*s == ' ') {
            n = 0;
            continue;
        }
        if (((unsigned char)*s & 0xC0) != 0x80 && ++n > best)
            best = n;
    }
    return best;
}

static void header(struct sum *S)
{
    struct wb *W = S->W;
    const qs_report *r = W->r;
    lxw_worksheet *ws = S->ws;
    static const char *const fixed[] = {"Client", "Group", "Last assessed", "Days since",
                                        "Needs attention because"};
    int head_lines = 2;
    /* Two lines: an instrument over few columns wraps its name. */
    qs_wb__ck(W, worksheet_set_row(ws, ROW_INST, 30, NULL));
    for (size_t c = 0; c < C_FIRST_SCORE; c++) {
        qs_wb__put_str(W, ws, HDR, (lxw_col_t)c, fixed[c], W->f.head);
        qs_wb__put_str(W, ws, ROW_INST, (lxw_col_t)c, NULL, S->inst_head);
    }
    S->cw.w[C_CLIENT] = 11;
    S->cw.w[C_GROUP] = 9;
    S->cw.w[C_LAST] = 11;
    S->cw.w[C_DAYS] = 6;
    S->cw.w[C_WHY] = WHY_W;
    for (size_t i = 0; i < r->ninstruments; i++) {
        const qs_rep_instrument *ri = &r->instruments[i];
        const qs_instrument *I = ri->inst;
        size_t c = S->base[i], stride = score_stride(ri), width = I->nscores * stride;
        if (width > 1)
            qs_wb__ck(W, worksheet_merge_range(ws, ROW_INST, (lxw_col_t)c, ROW_INST,
                                               (lxw_col_t)(c + width - 1), "", S->inst_head));
        qs_wb__put_str(W, ws, ROW_INST, (lxw_col_t)c, qs_wb__inst_name(I), S->inst_head);
        for (size_t s = 0; s < I->nscores; s++) {
            qs_wb__put_str(W, ws, HDR, (lxw_col_t)c, qs_wb__score_name(&I->scores[s]), W->f.head_c);
            double w = longest_word(qs_wb__score_name(&I->scores[s])) + 1.0;
            w = w < 9 ? 9 : w > 14 ? 14 : w;
            int lines = qs_wb__wrap_lines(qs_wb__score_name(&I->scores[s]), w);
            if (lines > head_lines)
                head_lines = lines;
            S->cw.w[c++] = w;
            if (has_t(ri)) {
                qs_wb__put_str(W, ws, HDR, (lxw_col_t)c, "T score", W->f.head_c);
                S->cw.w[c++] = 6;
            }
            qs_wb__put_str(W, ws, HDR, (lxw_col_t)c, "Change", W->f.head_c);
            S->cw.w[c++] = 9;
        }
    }
    qs_wb__ck(W, worksheet_set_row(ws, HDR, 15.0 * (head_lines > 2 ? head_lines : 2), NULL));
}

static int is_deterioration(const qs_rep_row *row, size_t s)
{
    return row->rci_class && row->rci_class[s] &&
           strcmp(row->rci_class[s], "reliable_deterioration") == 0;
}

/* The reasons a client needs attention, in words, into W's join buffer. */
static void reasons(struct sum *S, const qs_rep_client *cl)
{
    struct wb *W = S->W;
    const qs_report *r = W->r;
    qs_wb__join_reset(W);
    char buf[512];
    for (size_t k = 0; k < cl->nrows; k++) {
        const qs_rep_row *row = &r->rows[cl->rows[k]];
        const qs_instrument *I = r->instruments[row->instrument].inst;
        for (size_t f = 0; f < row->nflags; f++) {
            const qs_rep_flag *fl = &row->flags[f];
            if (!fl->status || strcmp(fl->status, "raised") != 0)
                continue;
            if (qs_rep__validity_flag(fl->id))
                continue; /* said below, with the reason */
            snprintf(buf, sizeof(buf), "%s%s (%s%s)", W->join_len ? "; " : "",
                     fl->label ? fl->label : fl->id, qs_wb__severity_name(fl->severity),
                     fl->is_new ? ", new" : "");
            qs_wb__join_add(W, buf);
        }
        if (row->reliable_deterioration) {
            /* The red cells beside say which scores: name two at most, else count them. */
            size_t n = 0, named = 0;
            for (size_t s = 0; s < I->nscores; s++)
                n += is_deterioration(row, s);
            snprintf(buf, sizeof(buf), "%sreliable deterioration on %s:", W->join_len ? "; " : "",
                     qs_wb__inst_name(I));
            qs_wb__join_add(W, buf);
            for (size_t s = 0; n <= 2 && s < I->nscores; s++) {
                if (!is_deterioration(row, s))
                    continue;
                snprintf(buf, sizeof(buf), "%s %s", named++ ? "," : "",
                         qs_wb__score_name(&I->scores[s]));
                qs_wb__join_add(W, buf);
            }
            if (n > 2) {
                snprintf(buf, sizeof(buf), " %zu scores", n);
                qs_wb__join_add(W, buf);
            }
        }
        if (!row->latest_usable) {
            snprintf(buf, sizeof(buf), "%slatest %s form not usable: %s", W->join_len ? "; " : "",
                     qs_wb__inst_name(I), row->reason ? row->reason : "");
            qs_wb__join_add(W, buf);
        }
    }
    if (cl->overdue) {
        snprintf(buf, sizeof(buf), "%snot assessed for %ld days", W->join_len ? "; " : "",
                 cl->days_since);
        qs_wb__join_add(W, buf);
    }
}

static void client_row(struct sum *S, size_t k, lxw_row_t y)
{
    struct wb *W = S->W;
    const qs_report *r = W->r;
    lxw_worksheet *ws = S->ws;
    const qs_rep_client *cl = &r->clients[k];
    long trow = qs_wb__trend_row(W, k);
    const char *who = qs_wb__who(W, cl->client, cl->site);
    const char *client = qs_wb__clean(W, who);
    if (trow >= 0 && client) {
        char url[64];
        snprintf(url, sizeof(url), "internal:Trends!A%ld", trow + 1);
        qs_wb__ck(W, worksheet_write_url_opt(ws, y, C_CLIENT, url, S->link, client,
                                             "The client's trend charts"));
    } else {
        qs_wb__put_str(W, ws, y, C_CLIENT, who, W->f.text);
    }
    qs_wb__widen(&S->cw, C_CLIENT, who, 30);
    const char *group = cl->group && *cl->group ? cl->group : NO_GROUP;
    qs_wb__put_str(W, ws, y, C_GROUP, group, W->f.text);
    qs_wb__widen(&S->cw, C_GROUP, group, 20);
    qs_wb__put_date(W, ws, y, C_LAST, cl->last_date, W->f.date);
    if (cl->days_since >= 0)
        qs_wb__put_num(W, ws, y, C_DAYS, (double)cl->days_since,
                       cl->overdue ? S->days_over : S->days);
    reasons(S, cl);
    if (W->join_len) {
        qs_wb__put_str(W, ws, y, C_WHY, W->join, W->f.wrap);
        qs_wb__row_lines(W, ws, y, qs_wb__wrap_lines(W->join, S->cw.w[C_WHY]));
    }
    for (size_t j = 0; j < cl->nrows; j++) {
        const qs_rep_row *row = &r->rows[cl->rows[j]];
        const qs_rep_instrument *ri = &r->instruments[row->instrument];
        const qs_instrument *I = ri->inst;
        size_t c = S->base[row->instrument];
        int grey = !row->latest_usable;
        for (size_t s = 0; s < I->nscores; s++) {
            const qs_score_def *sd = &I->scores[s];
            double v = row->value ? row->value[s] : NAN;
            qs_wb__put_num(W, ws, y, (lxw_col_t)c++, v, value_fmt(S, qs_rep__digits(sd, v), grey));
            if (has_t(ri))
                qs_wb__put_num(W, ws, y, (lxw_col_t)c++, row->t ? row->t[s] : NAN,
                               value_fmt(S, 0, grey));
            double ch = row->change ? row->change[s] : NAN;
            const char *note = row->change_note ? row->change_note[s] : NULL;
            if (isnan(ch)) {
                /* A footnote is numbered only when a cell shows its mark. */
                if (row->nhistory > 1 || !row->latest_usable) {
                    size_t no = note_no(S, note);
                    char dash[16];
                    snprintf(dash, sizeof(dash), "–%s", superscript[no]);
                    qs_wb__put_str(W, ws, y, (lxw_col_t)c, dash, dash_fmt(S, no));
                }
                c++;
                continue;
            }
            enum mark m = mark_of(row->rci_class ? row->rci_class[s] : NULL);
            int digits = qs_rep__digits(sd, ch);
            qs_wb__put_num(W, ws, y, (lxw_col_t)c++, ch,
                           change_fmt(S, m, digits,
                                      m == M_PLAIN || !row->latest_usable ? note_no(S, note) : 0));
        }
    }
}

static void section_row(struct sum *S, size_t k, lxw_row_t y)
{
    struct wb *W = S->W;
    const qs_report *r = W->r;
    const char *g = r->clients[k].group;
    size_t n = 0;
    for (size_t j = k; j < r->nclients; j++) {
        const char *h = r->clients[j].group;
        if (!((!g || !*g) ? (!h || !*h) : (h && strcmp(g, h) == 0)))
            break;
        n++;
    }
    char line[512];
    const char *gc = qs_wb__clean(W, g && *g ? g : NO_GROUP);
    snprintf(line, sizeof(line), "Group %.400s · %zu %s", gc ? gc : "", n,
             n == 1 ? "client" : "clients");
    qs_wb__ck(W, worksheet_set_row(S->ws, y, 18, NULL));
    for (size_t c = 0; c < S->ncols; c++)
        qs_wb__put_str(W, S->ws, y, (lxw_col_t)c, c ? NULL : line, S->section);
}

static int same_group(const qs_rep_client *a, const qs_rep_client *b)
{
    const char *x = a->group && *a->group ? a->group : "",
               *y = b->group && *b->group ? b->group : "";
    return strcmp(x, y) == 0;
}

static void footnotes(struct sum *S, lxw_row_t y)
{
    char line[600];
    for (size_t i = 0; i < S->nnotes; i++) {
        snprintf(line, sizeof(line), "%s %s.", superscript[i + 1], S->notes[i]);
        wide_text(S, y++, line, S->note_wrap);
    }
}

static int make_formats(struct sum *S)
{
    S->section = new_fmt(S);
    S->inst_head = new_fmt(S);
    S->link = new_fmt(S);
    S->days = new_fmt(S);
    S->days_over = new_fmt(S);
    S->note_wrap = new_fmt(S);
    S->warn_wrap = new_fmt(S);
    if (S->W->rc)
        return 0;
    format_set_italic(S->note_wrap);
    format_set_font_color(S->note_wrap, 0x595959);
    format_set_text_wrap(S->note_wrap);
    format_set_align(S->note_wrap, LXW_ALIGN_VERTICAL_TOP);
    format_set_bold(S->warn_wrap);
    format_set_font_color(S->warn_wrap, 0x9C0006);
    format_set_text_wrap(S->warn_wrap);
    format_set_align(S->warn_wrap, LXW_ALIGN_VERTICAL_TOP);
    format_set_bold(S->section);
    format_set_bg_color(S->section, 0xEDEDED);
    format_set_top(S->section, LXW_BORDER_THIN);
    format_set_bold(S->inst_head);
    format_set_align(S->inst_head, LXW_ALIGN_LEFT);
    format_set_align(S->inst_head, LXW_ALIGN_VERTICAL_TOP);
    format_set_text_wrap(S->inst_head);
    format_set_bg_color(S->inst_head, 0xB4C6E7);
    format_set_font_color(S->link, 0x0563C1);
    format_set_underline(S->link, LXW_UNDERLINE_SINGLE);
    format_set_align(S->link, LXW_ALIGN_VERTICAL_TOP);
    format_set_num_format(S->days_over, "0");
    format_set_bold(S->days_over);
    format_set_font_color(S->days_over, 0x833C0B);
    format_set_bg_color(S->days_over, 0xFCD5B4);
    format_set_align(S->days_over, LXW_ALIGN_VERTICAL_TOP);
    /* Centred: a right-aligned number would run into the reasons text beside it. */
    format_set_align(S->days_over, LXW_ALIGN_CENTER);
    format_set_num_format(S->days, "0");
    format_set_align(S->days, LXW_ALIGN_VERTICAL_TOP);
    format_set_align(S->days, LXW_ALIGN_CENTER);
    return 1;
}

static double col_px(const struct sum *S, size_t c)
{
    return S->cw.w[c] * 7.0 + 5.0;
}

/* Printable width in pixels of a landscape page at 96 px per inch (letter 11 in, A4 11.69 in,
 * 0.8 in margins), 12% kept to spare: column widths are estimates (7 px a character). */
static double page_px(const struct sum *S)
{
    return ((S->W->r->paper == QS_PAPER_A4) ? 11.69 - 0.8 : 11.0 - 0.8) * 96.0 * 0.88;
}

/* The first printed page holds the client's columns and the first instrument: the reasons
 * column narrows (down to 22 characters: its text wraps) when they would not fit at 75%. */
static void narrow_why(struct sum *S)
{
    const qs_report *r = S->W->r;
    if (!r->ninstruments)
        return;
    size_t end = r->ninstruments > 1 ? S->base[1] : S->ncols;
    double first = 0;
    for (size_t c = 0; c < end; c++)
        first += col_px(S, c);
    double over = (first * 0.75 - page_px(S)) / 0.75 / 7.0;
    if (over > 0) {
        double w = S->cw.w[C_WHY] - over;
        S->cw.w[C_WHY] = w < 22 ? 22 : w;
    }
}

/* Print: landscape; one page wide when that keeps text at 75% or more (no text below 8 pt: the
 * body font is 11 pt, 8.25 pt at 75%), else at 75% with the client column repeated on every page
 * and a page break before an instrument that would not fit beside the columns before it, so each
 * page holds whole instruments (the first page: the client's columns and the first instrument). */
static void print(struct sum *S)
{
    const qs_report *r = S->W->r;
    double px = 0;
    for (size_t c = 0; c < S->ncols; c++)
        px += col_px(S, c);
    double page = page_px(S);
    worksheet_set_landscape(S->ws);
    if (px * 0.75 <= page) {
        worksheet_fit_to_pages(S->ws, 1, 0);
    } else {
        worksheet_set_print_scale(S->ws, 75);
        qs_wb__ck(S->W, worksheet_repeat_columns(S->ws, C_CLIENT, C_CLIENT));
        lxw_col_t breaks[64];
        size_t nb = 0;
        double cap = page / 0.75, a = col_px(S, C_CLIENT), used = 0;
        for (size_t c = 0; c < C_FIRST_SCORE; c++)
            used += col_px(S, c);
        for (size_t i = 0; i < r->ninstruments && nb + 1 < 64; i++) {
            const qs_rep_instrument *ri = &r->instruments[i];
            size_t stride = score_stride(ri), end = S->base[i] + ri->inst->nscores * stride;
            double w = 0;
            for (size_t c = S->base[i]; c < end; c++)
                w += col_px(S, c);
            if (used + w <= cap)
                ; /* the whole instrument on this page */
            else if (i > 0 && a + w <= cap) {
                breaks[nb++] = (lxw_col_t)S->base[i]; /* ... on the next */
                used = a;
            } else {
                /* Wider than a page: break between scores, never inside a score's columns. */
                for (size_t c = S->base[i]; c < end && nb + 1 < 64; c += stride) {
                    double g = 0;
                    for (size_t k = c; k < c + stride; k++)
                        g += col_px(S, k);
                    if (used + g > cap && used > a) {
                        breaks[nb++] = (lxw_col_t)c;
                        used = a;
                    }
                    used += g;
                }
                continue;
            }
            used += w;
        }
        breaks[nb] = 0;
        if (nb)
            qs_wb__ck(S->W, worksheet_set_v_pagebreaks(S->ws, breaks));
    }
    qs_wb__page_setup(S->W, S->ws, ROW_INST, HDR);
}

void qs_wb__write_summary(struct wb *W, lxw_worksheet *ws)
{
    const qs_report *r = W->r;
    struct sum S;
    memset(&S, 0, sizeof(S));
    S.W = W;
    S.ws = ws;
    S.base = calloc(r->ninstruments ? r->ninstruments : 1, sizeof(size_t));
    if (!S.base) {
        W->rc = QS_ENOMEM;
        return;
    }
    S.ncols = C_FIRST_SCORE;
    for (size_t i = 0; i < r->ninstruments; i++) {
        S.base[i] = S.ncols;
        S.ncols += r->instruments[i].inst->nscores * score_stride(&r->instruments[i]);
    }
    if (!qs_wb__widths_init(W, &S.cw, S.ncols, 9) || !make_formats(&S)) {
        free(S.base);
        return;
    }
    W->where = S_SUMMARY;
    head(&S);
    header(&S);
    narrow_why(&S);
    lxw_row_t y = HDR + 1;
    if (!r->sections_by_group && r->nclients)
        qs_wb__ck(W, worksheet_autofilter(ws, HDR, 0, HDR + (lxw_row_t)r->nclients,
                                          (lxw_col_t)(S.ncols - 1)));
    worksheet_freeze_panes(ws, HDR + 1, 1);
    for (size_t k = 0; k < r->nclients && !qs_wb__failed(W); k++) {
        if (r->sections_by_group && (k == 0 || !same_group(&r->clients[k - 1], &r->clients[k])))
            section_row(&S, k, y++);
        client_row(&S, k, y++);
    }
    footnotes(&S, y + 1);
    print(&S);
    qs_wb__widths_apply(W, ws, &S.cw);
    free(S.base);
}
