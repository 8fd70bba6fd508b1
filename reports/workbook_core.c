/* workbook_core.c - the workbook writer's core: safe cells, text widths, column widths,
 * conditional formats, the formats and the chart styling every sheet shares. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "qscore/config.h"
#include "report_internal.h"
#include "text.h"
#include "workbook_internal.h"

/* ---- small helpers ------------------------------------------------------------------------ */

void qs_wb__ck(struct wb *W, lxw_error e)
{
    if (e != LXW_NO_ERROR && W->lerr == LXW_NO_ERROR) {
        W->lerr = e;
        W->err_where = W->where;
    }
}

int qs_wb__failed(const struct wb *W)
{
    return W->lerr != LXW_NO_ERROR || W->rc != QS_OK;
}

static int grow(struct wb *W, char **buf, size_t *cap, size_t need)
{
    if (need <= *cap) /* first: with need 0 and no buffer yet, NULL is not out of memory */
        return 1;
    char *p = qs_grow__array(*buf, cap, need, 1, 256);
    if (!p) {
        W->rc = QS_ENOMEM;
        return 0;
    }
    *buf = p;
    return 1;
}

/* A bidirectional-text control (U+200E/F, U+202A..U+202E, U+2066..U+2069) at s[0..3)? */
static int is_bidi(const unsigned char *s)
{
    if (s[0] != 0xE2)
        return 0;
    if (s[1] == 0x80)
        return s[2] == 0x8E || s[2] == 0x8F || (s[2] >= 0xAA && s[2] <= 0xAE);
    return s[1] == 0x81 && s[2] >= 0xA6 && s[2] <= 0xA9;
}

/*
 * The one cleaning of text bound for a workbook's XML (cells, chart caches filled from cells,
 * chart and series names, document properties, file names): out gets s[0..len) as valid XML 1.0
 * text. Invalid UTF-8 bytes and U+FFFE/U+FFFF become U+FFFD; C0 controls other than TAB and LF
 * are removed (XML 1.0 forbids them; a VT from Word or an ESC made strict readers refuse the
 * file); with `name`, bidirectional controls are removed too (U+202E would disguise a name).
 * out needs 3 * len + 1 bytes; returns the bytes written (NUL-terminated, never cut).
 */
size_t qs_wb__xml_clean(char *out, const char *s, size_t len, int name)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0, i = 0;
    while (i < len) {
        unsigned char c = u[i];
        if (c < 0x80) {
            if (c >= 0x20 || c == '\t' || c == '\n')
                out[o++] = (char)c;
            i++;
            continue;
        }
        size_t ok = qs_text__utf8_invalid(s + i, len - i);
        size_t k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (ok < k) { /* not a whole valid character here */
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
            continue;
        }
        if (k == 3 && c == 0xEF && u[i + 1] == 0xBF && (u[i + 2] & 0xFE) == 0xBE) {
            memcpy(out + o, "\xEF\xBF\xBD", 3); /* U+FFFE, U+FFFF: not XML characters */
            o += 3;
        } else if (!(name && k == 3 && is_bidi(u + i))) {
            memcpy(out + o, s + i, k);
            o += k;
        }
        i += k;
    }
    out[o] = '\0';
    return o;
}

/* Whether s[0..len) is what qs_wb__xml_clean would make of it (the common case: no copy). */
static int xml_clean_already(const char *s, size_t len, int name)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len; i++) {
        if (u[i] < 0x20 && u[i] != '\t' && u[i] != '\n')
            return 0;
        if (u[i] == 0xEF && i + 2 < len && u[i + 1] == 0xBF && (u[i + 2] & 0xFE) == 0xBE)
            return 0;
        if (name && u[i] == 0xE2 && i + 2 < len && is_bidi(u + i))
            return 0;
    }
    return qs_text__utf8_invalid(s, len) == len;
}

static const char *clean(struct wb *W, const char *s, int name)
{
    size_t len = strlen(s);
    if (len <= CELL_MAX_BYTES && xml_clean_already(s, len, name))
        return s;
    if (!grow(W, &W->scratch, &W->scratch_cap, 3 * len + 4))
        return NULL;
    size_t o = qs_wb__xml_clean(W->scratch, s, len, name);
    if (o > CELL_MAX_BYTES) { /* cut on a character boundary */
        o = CELL_MAX_BYTES;
        while (o > 0 && ((unsigned char)W->scratch[o] & 0xC0) == 0x80)
            o--;
    }
    W->scratch[o] = '\0';
    return W->scratch;
}

/* `s` as a cell may hold it (qs_wb__xml_clean, cut at CELL_MAX_BYTES): `s` itself when it is
 * already, else W's scratch buffer. NULL on allocation failure. */
const char *qs_wb__clean(struct wb *W, const char *s)
{
    return clean(W, s, 0);
}

/* As qs_wb__clean, for a name (bidi controls removed too). */
const char *qs_wb__clean_name(struct wb *W, const char *s)
{
    return clean(W, s, 1);
}

/* A text cell. NULL or "" is an empty cell (blank with the format, when one is given). */
void qs_wb__put_str(struct wb *W, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s,
                    lxw_format *f)
{
    if (!s || !*s) {
        if (f)
            qs_wb__ck(W, worksheet_write_blank(ws, r, c, f));
        return;
    }
    const char *t = qs_wb__clean(W, s);
    if (t)
        qs_wb__ck(W, worksheet_write_string(ws, r, c, t, f));
}

/* A text cell that names something (a chart's caption cell, which is its title): as
 * qs_wb__put_str, with bidi controls removed too. */
void qs_wb__put_name(struct wb *W, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s,
                     lxw_format *f)
{
    const char *t = s && *s ? qs_wb__clean_name(W, s) : s;
    if (t || !s)
        qs_wb__put_str(W, ws, r, c, t, f);
}

/* A number cell; NaN (no value) and infinities are an empty cell. */
void qs_wb__put_num(struct wb *W, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, double v,
                    lxw_format *f)
{
    if (isfinite(v))
        qs_wb__ck(W, worksheet_write_number(ws, r, c, v, f));
    else if (f)
        qs_wb__ck(W, worksheet_write_blank(ws, r, c, f));
}

/* The join buffer: reset, append. */
void qs_wb__join_reset(struct wb *W)
{
    W->join_len = 0;
    if (grow(W, &W->join, &W->join_cap, 1))
        W->join[0] = '\0';
}

void qs_wb__join_add(struct wb *W, const char *s)
{
    size_t n = strlen(s);
    if (!grow(W, &W->join, &W->join_cap, W->join_len + n + 1))
        return;
    memcpy(W->join + W->join_len, s, n + 1);
    W->join_len += n;
}

/* "<a> — <b>" into the join buffer. */
const char *qs_wb__dash_title(struct wb *W, const char *a, const char *b)
{
    qs_wb__join_reset(W);
    qs_wb__join_add(W, a ? a : "");
    qs_wb__join_add(W, " \xE2\x80\x94 ");
    qs_wb__join_add(W, b ? b : "");
    return W->join ? W->join : "";
}

/* Approximate display width of `n` bytes of UTF-8 text in Excel character units (wide CJK
 * counts 2). */
static double text_width_n(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    double w = 0;
    while (p < end && *p) {
        unsigned long cp;
        size_t n;
        if (*p < 0x80) {
            cp = *p;
            n = 1;
        } else if ((*p & 0xE0) == 0xC0) {
            cp = *p & 0x1F;
            n = 2;
        } else if ((*p & 0xF0) == 0xE0) {
            cp = *p & 0x0F;
            n = 3;
        } else {
            cp = *p & 0x07;
            n = 4;
        }
        for (size_t k = 1; k < n && p + k < end && p[k]; k++)
            cp = (cp << 6) | (p[k] & 0x3F);
        for (size_t k = 0; k < n && p < end && *p; k++)
            p++;
        int wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                   (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                   (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                   (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
        w += wide ? 2.0 : 1.0;
    }
    return w;
}

static double text_width(const char *s)
{
    return s ? text_width_n(s, strlen(s)) : 0;
}

/* Lines that wrapped text `s` takes in a column `width` wide (an estimate: spreadsheet
 * programs do not all size rows of wrapped text themselves, LibreOffice among them). */
int qs_wb__wrap_lines(const char *s, double width)
{
    int lines = 0;
    double per = width > 2 ? (width - 1) * 1.1 : 1; /* text averages narrower than '0' */
    const char *p = s ? s : "";
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        double w = text_width_n(p, n);
        lines += w <= per ? 1 : (int)ceil(w / per);
        if (!nl || lines >= 25)
            break;
        p = nl + 1;
    }
    return lines < 25 ? lines : 25;
}

/* A row tall enough for `lines` lines of 11-point text (nothing when one line will do). */
void qs_wb__row_lines(struct wb *W, lxw_worksheet *ws, lxw_row_t y, int lines)
{
    if (lines > 1)
        qs_wb__ck(W, worksheet_set_row(ws, y, 15.0 * lines, NULL));
}

int qs_wb__widths_init(struct wb *W, struct widths *cw, size_t n, double min)
{
    cw->n = n;
    cw->w = malloc((n ? n : 1) * sizeof(double));
    if (!cw->w) {
        W->rc = QS_ENOMEM;
        cw->n = 0;
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        cw->w[i] = min;
    return 1;
}

void qs_wb__widen(struct widths *cw, size_t col, const char *s, double max)
{
    if (col >= cw->n || !s)
        return;
    double w = text_width(s) + 2;
    if (w > max)
        w = max;
    if (w > cw->w[col])
        cw->w[col] = w;
}

void qs_wb__widths_apply(struct wb *W, lxw_worksheet *ws, struct widths *cw)
{
    for (size_t i = 0; i < cw->n; i++)
        qs_wb__ck(W, worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i, cw->w[i], NULL));
    free(cw->w);
    cw->w = NULL;
    cw->n = 0;
}

const char *qs_wb__severity_name(int s)
{
    return s >= QS_SEV_LOW && s <= QS_SEV_HIGH ? qs_severity_name((qs_severity)s) : NULL;
}

/* A conditional format on rows first..last of columns c1..c2: `formula` (relative to the top
 * left cell) or, when value is given, cell == value. */
void qs_wb__cond(struct wb *W, lxw_worksheet *ws, lxw_row_t first, lxw_row_t last, lxw_col_t c1,
                 lxw_col_t c2, const char *formula, const char *value, lxw_format *f)
{
    if (last < first)
        return;
    lxw_conditional_format cf;
    memset(&cf, 0, sizeof(cf));
    if (value) {
        cf.type = LXW_CONDITIONAL_TYPE_CELL;
        cf.criteria = LXW_CONDITIONAL_CRITERIA_EQUAL_TO;
        cf.value_string = (char *)value;
    } else {
        cf.type = LXW_CONDITIONAL_TYPE_FORMULA;
        cf.value_string = (char *)formula;
    }
    cf.format = f;
    qs_wb__ck(W, worksheet_conditional_format_range(ws, first, c1, last, c2, &cf));
}

/* "$C4" style reference of the first data row, for conditional-format formulas. The longest,
 * "$XFD1048576", fits the 24 bytes callers pass; a cut one would be empty, never wrong. */
void qs_wb__col_ref(char *out, size_t size, lxw_col_t col, lxw_row_t row)
{
    char name[16];
    lxw_col_to_name(name, col, LXW_FALSE);
    int n = snprintf(out, size, "$%s%lu", name, (unsigned long)row + 1);
    if (n < 0 || (size_t)n >= size)
        out[0] = '\0';
}

/* The severity colours for `cols` when column `sev` says high / medium / low (and, when
 * `status` is a column, only while it says "raised"). */
void qs_wb__severity_colours(struct wb *W, lxw_worksheet *ws, lxw_row_t first, lxw_row_t last,
                             lxw_col_t c1, lxw_col_t c2, lxw_col_t sev, int status, lxw_col_t st)
{
    static const char *const names[3] = {"high", "medium", "low"};
    lxw_format *fmts[3] = {W->f.c_high, W->f.c_med, W->f.c_low};
    char sref[24], tref[24], formula[128];
    qs_wb__col_ref(sref, sizeof(sref), sev, first);
    qs_wb__col_ref(tref, sizeof(tref), st, first);
    for (int i = 0; i < 3; i++) {
        if (status)
            snprintf(formula, sizeof(formula), "=AND(%s=\"raised\",%s=\"%s\")", tref, sref,
                     names[i]);
        else
            snprintf(formula, sizeof(formula), "=%s=\"%s\"", sref, names[i]);
        qs_wb__cond(W, ws, first, last, c1, c2, formula, NULL, fmts[i]);
    }
}

/* ---- formats ------------------------------------------------------------------------------ */

static lxw_format *fmt(struct wb *W)
{
    lxw_format *f = workbook_add_format(W->book);
    if (!f)
        W->rc = QS_ENOMEM;
    return f;
}

static lxw_format *dxf(struct wb *W, lxw_color_t fill, lxw_color_t font, int bold)
{
    lxw_format *f = fmt(W);
    if (!f)
        return NULL;
    if (fill)
        format_set_bg_color(f, fill);
    format_set_font_color(f, font);
    if (bold)
        format_set_bold(f);
    return f;
}

int qs_wb__make_formats(struct wb *W)
{
    struct formats *F = &W->f;
    F->title = fmt(W);
    F->note = fmt(W);
    F->bold_note = fmt(W);
    F->head = fmt(W);
    F->head_c = fmt(W);
    F->wrap = fmt(W);
    F->label = fmt(W);
    F->text = fmt(W);
    F->num2 = fmt(W);
    F->num1 = fmt(W);
    F->chg = fmt(W);
    F->int0 = fmt(W);
    F->pct = fmt(W);
    F->rev = fmt(W);
    F->miss = fmt(W);
    F->rci = fmt(W);
    F->caption = fmt(W);
    F->date = fmt(W);
    if (W->rc)
        return 0;
    format_set_bold(F->title);
    format_set_font_size(F->title, 14);
    format_set_italic(F->note);
    format_set_font_color(F->note, 0x595959);
    format_set_bold(F->bold_note);
    format_set_font_color(F->bold_note, 0x9C0006);
    format_set_bold(F->head);
    format_set_bg_color(F->head, 0xD9E1F2);
    format_set_bottom(F->head, LXW_BORDER_THIN);
    format_set_text_wrap(F->head);
    format_set_align(F->head, LXW_ALIGN_VERTICAL_TOP);
    format_set_bold(F->head_c);
    format_set_bg_color(F->head_c, 0xD9E1F2);
    format_set_bottom(F->head_c, LXW_BORDER_THIN);
    format_set_text_wrap(F->head_c);
    format_set_align(F->head_c, LXW_ALIGN_VERTICAL_TOP);
    format_set_align(F->head_c, LXW_ALIGN_CENTER);
    format_set_text_wrap(F->wrap);
    format_set_align(F->wrap, LXW_ALIGN_VERTICAL_TOP);
    format_set_bold(F->label);
    format_set_text_wrap(F->label);
    format_set_align(F->label, LXW_ALIGN_VERTICAL_TOP);
    /* Data cells align to the top: a row grows when its Flags or Because text wraps. */
    lxw_format *top[] = {F->text, F->num2, F->num1, F->chg, F->int0,
                         F->pct,  F->rev,  F->miss, F->rci};
    for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++)
        format_set_align(top[i], LXW_ALIGN_VERTICAL_TOP);
    format_set_num_format(F->num2, "0.00");
    format_set_num_format(F->num1, "0.0");
    format_set_num_format(F->chg, "+0.00;-0.00;0.00");
    format_set_num_format(F->int0, "0");
    format_set_num_format(F->pct, "0%");
    format_set_num_format(F->rev, "0");
    format_set_italic(F->rev);
    format_set_bg_color(F->rev, 0xDDEBF7);
    format_set_font_color(F->rev, 0x1F4E79);
    format_set_bg_color(F->miss, 0xEDEDED);
    format_set_font_color(F->miss, 0x808080);
    format_set_align(F->miss, LXW_ALIGN_CENTER);
    format_set_indent(F->rci, 1);
    format_set_bold(F->caption);
    format_set_font_color(F->caption, 0x1F3864);
    format_set_num_format(F->date, "d mmm yyyy");
    format_set_align(F->date, LXW_ALIGN_LEFT);
    format_set_align(F->date, LXW_ALIGN_VERTICAL_TOP);

    F->c_high = dxf(W, 0xFFC7CE, 0x9C0006, 1);
    F->c_med = dxf(W, 0xFCD5B4, 0x833C0B, 1);
    F->c_low = dxf(W, 0xFFF2CC, 0x7F6000, 0);
    F->c_det = dxf(W, 0xFFC7CE, 0x9C0006, 1);
    F->c_imp = dxf(W, 0xC6EFCE, 0x006100, 0);
    F->c_noteval = dxf(W, 0, 0x808080, 0);
    F->c_valid = dxf(W, 0xE4DFEC, 0x5B2C6F, 0);
    F->c_new = dxf(W, 0, 0x000000, 1);
    if (W->rc)
        return 0;
    format_set_italic(F->c_noteval);
    return 1;
}

/* The title and a note above a sheet's table. */
void qs_wb__sheet_head(struct wb *W, lxw_worksheet *ws, const char *title, const char *note)
{
    qs_wb__ck(W, worksheet_set_row(ws, 0, 20, NULL));
    qs_wb__put_str(W, ws, 0, 0, title, W->f.title);
    if (note)
        qs_wb__put_str(W, ws, 1, 0, note, W->f.note);
}

void qs_wb__print_setup(struct wb *W, lxw_worksheet *ws, lxw_row_t header)
{
    worksheet_set_landscape(ws);
    worksheet_fit_to_pages(ws, 1, 0);
    qs_wb__page_setup(W, ws, header, header);
}

/* `s` into out[size] with every '&' doubled (a header's codes start with '&'), cut to fit. */
static void header_escape(char *out, size_t size, const char *s)
{
    size_t w = 0;
    for (; s && *s && w + 3 < size; s++) {
        if (*s == '&')
            out[w++] = '&';
        out[w++] = *s;
    }
    out[w] = '\0';
}

void qs_wb__page_setup(struct wb *W, lxw_worksheet *ws, lxw_row_t first, lxw_row_t last)
{
    const qs_report *r = W->r;
    worksheet_set_paper(ws, r->paper == QS_PAPER_A4 ? 9 : 1);
    worksheet_set_margins(ws, 0.4, 0.4, 0.75, 0.75);
    if (last >= first)
        qs_wb__ck(W, worksheet_repeat_rows(ws, first, last));
    /* Excel refuses headers over 255 characters: the title is cut to 80 bytes of a clean name. */
    char title[96], esc[200], through[40], hf[256];
    const char *t = qs_wb__clean_name(W, r->title ? r->title : "");
    snprintf(title, sizeof(title), "%.80s", t ? t : "");
    /* Never cut inside a UTF-8 character. */
    size_t n = strlen(title);
    while (n && ((unsigned char)title[n - 1] & 0xC0) == 0x80)
        n--;
    if (n && (unsigned char)title[n - 1] >= 0xC0)
        title[n - 1] = '\0';
    header_escape(esc, sizeof(esc), title);
    snprintf(hf, sizeof(hf), "&L%s&RConfidential health information", esc);
    qs_wb__ck(W, worksheet_set_header(ws, hf));
    through[0] = '\0';
    qs_rep__date_words(through, sizeof(through), r->data_through);
    snprintf(hf, sizeof(hf), "&LPage &P of &N&RData through %s", through[0] ? through : "no date");
    qs_wb__ck(W, worksheet_set_footer(ws, hf));
}

const char *qs_wb__inst_name(const qs_instrument *I)
{
    return I->name && *I->name ? I->name : I->id;
}

const char *qs_wb__score_name(const qs_score_def *sd)
{
    return sd->name && *sd->name ? sd->name : sd->id;
}

const char *qs_wb__severity_word(int s)
{
    static const char *const words[] = {"Low", "Medium", "High"};
    return s >= QS_SEV_LOW && s <= QS_SEV_HIGH ? words[s] : NULL;
}

const char *qs_wb__who(struct wb *W, const char *client, const char *site)
{
    /* Bidi controls out (U+202E could make "C-\u202e100" read as another client's id). */
    const char *c = qs_wb__clean_name(W, client ? client : "");
    if (!c)
        return client;
    if (W->r->several_sites && site && *site)
        snprintf(W->who, sizeof(W->who), "%.200s (site %.150s)", c, site);
    else
        snprintf(W->who, sizeof(W->who), "%s", c);
    return W->who;
}

/* ---- dates -------------------------------------------------------------------------------- */

double qs_wb__date_serial(const char *iso)
{
    long d = qs_rep__iso_days(iso);
    /* 1970-01-01 is serial 25569 in Excel's 1900 date system. */
    return d == LONG_MIN ? NAN : (double)d + 25569.0;
}

void qs_wb__put_date(struct wb *W, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *iso,
                     lxw_format *f)
{
    qs_wb__put_num(W, ws, r, c, qs_wb__date_serial(iso), f ? f : W->f.date);
}

/* ---- charts ------------------------------------------------------------------------------- */

static const lxw_color_t palette[] = {0x1F77B4, 0xFF7F0E, 0x2CA02C, 0x9467BD, 0x8C564B,
                                      0xE377C2, 0x17BECF, 0xBCBD22, 0x7F7F7F, 0x393B79};
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))

/* "score (higher = better)" when every score of the instrument agrees on a direction. */
static const char *y_axis_name(const qs_instrument *I)
{
    size_t hi = 0, lo = 0;
    for (size_t s = 0; s < I->nscores; s++) {
        hi += I->scores[s].better == QS_BETTER_HIGHER;
        lo += I->scores[s].better == QS_BETTER_LOWER;
    }
    if (I->nscores && hi == I->nscores)
        return "score (higher = better)";
    if (I->nscores && lo == I->nscores)
        return "score (lower = better)";
    return "score";
}

void qs_wb__style_chart(lxw_chart *ch, const qs_instrument *I)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t s = 0; s < I->nscores; s++) {
        if (isfinite(I->scores[s].min_value) && I->scores[s].min_value < lo)
            lo = I->scores[s].min_value;
        if (isfinite(I->scores[s].max_value) && I->scores[s].max_value > hi)
            hi = I->scores[s].max_value;
    }
    if (isfinite(lo) && isfinite(hi) && lo < hi) {
        /* The instrument's whole range, on round steps (1, 2, 2.5 or 5 x 10^k), at most 8. */
        double step = pow(10, floor(log10(hi - lo)));
        static const double mult[] = {0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10};
        for (size_t i = 0; i < sizeof(mult) / sizeof(mult[0]); i++) {
            if ((hi - lo) / (step * mult[i]) <= 8) {
                step *= mult[i];
                break;
            }
        }
        chart_axis_set_min(ch->y_axis, floor(lo / step) * step);
        chart_axis_set_max(ch->y_axis, ceil(hi / step) * step);
        chart_axis_set_major_unit(ch->y_axis, step);
    }
    chart_axis_set_name(ch->y_axis, y_axis_name(I));
    lxw_chart_font axis_font = {.size = 9, .bold = LXW_FALSE};
    chart_axis_set_name_font(ch->y_axis, &axis_font);
    chart_axis_set_num_font(ch->x_axis, &axis_font);
    chart_axis_set_num_font(ch->y_axis, &axis_font);
    lxw_chart_font title_font = {.size = 11, .bold = LXW_TRUE};
    chart_title_set_name_font(ch, &title_font);
    chart_legend_set_position(ch, LXW_CHART_LEGEND_BOTTOM);
    lxw_chart_font legend_font = {.size = 8};
    chart_legend_set_font(ch, &legend_font);
    chart_show_blanks_as(ch, LXW_CHART_BLANKS_AS_GAP);
}

void qs_wb__style_series(lxw_chart_series *se, size_t s, int reference)
{
    lxw_chart_line line = {.color = palette[s % NPALETTE], .width = reference ? 1.25f : 2.0f};
    if (reference) {
        line.dash_type = LXW_CHART_LINE_DASH_DASH;
        chart_series_set_marker_type(se, LXW_CHART_MARKER_NONE);
    } else {
        lxw_chart_fill fill = {.color = palette[s % NPALETTE]};
        chart_series_set_marker_type(se, LXW_CHART_MARKER_CIRCLE);
        chart_series_set_marker_size(se, 5);
        chart_series_set_marker_fill(se, &fill);
        chart_series_set_marker_line(se, &line);
    }
    chart_series_set_line(se, &line);
}

void qs_wb__insert_chart(struct wb *W, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col,
                         lxw_chart *ch)
{
    lxw_chart_options opt;
    memset(&opt, 0, sizeof(opt));
    opt.x_scale = CHART_W / 480.0; /* the library's default chart is 480 x 288 px */
    opt.y_scale = CHART_H / 288.0;
    opt.y_offset = 2;
    opt.object_position = LXW_OBJECT_MOVE_DONT_SIZE;
    qs_wb__ck(W, worksheet_insert_chart_opt(ws, row, col, ch, &opt));
}

/* ---- trend charts (workbook_trends.c) ------------------------------------------------------ */

lxw_color_t qs_wb__series_colour(size_t s)
{
    return palette[s % NPALETTE];
}
