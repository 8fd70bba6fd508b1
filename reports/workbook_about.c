/* workbook_about.c - the About sheet: instruments, norms, flag rules, what reliable change means,
 * the run and its input files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"
#include "workbook_internal.h"

static const double about_widths[] = {30, 44, 70, 30, 36, 40, 50};

/* A wrapped About cell; `lines` keeps the most lines a cell of the row needs. */
static void acell(struct wb *W, lxw_worksheet *ws, lxw_row_t y, lxw_col_t c, const char *s,
                  lxw_format *f, int *lines)
{
    qs_wb__put_str(W, ws, y, c, s, f);
    if (s && c < sizeof(about_widths) / sizeof(about_widths[0])) {
        int n = qs_wb__wrap_lines(s, about_widths[c]);
        if (n > *lines)
            *lines = n;
    }
}

static void about_pair(struct wb *W, lxw_worksheet *ws, lxw_row_t *y, const char *k, const char *v)
{
    int lines = 1;
    acell(W, ws, *y, 0, k, W->f.label, &lines);
    acell(W, ws, *y, 1, v, W->f.wrap, &lines);
    qs_wb__row_lines(W, ws, *y, lines);
    (*y)++;
}

static void about_head(struct wb *W, lxw_worksheet *ws, lxw_row_t *y, const char *section,
                       const char *const *cols, size_t n)
{
    (*y)++;
    qs_wb__put_str(W, ws, (*y)++, 0, section, W->f.title);
    for (size_t c = 0; c < n; c++)
        qs_wb__put_str(W, ws, *y, (lxw_col_t)c, cols[c], W->f.head);
    (*y)++;
}

/* "Name (id, kind, n = N)": norm N as its instrument's definition describes it. */
static void norm_text(char *out, size_t size, const qs_norm *N)
{
    if (N->n > 0)
        snprintf(out, size, "%s (%s, %s, n = %ld)", N->name ? N->name : N->id, N->id,
                 qs_norm_kind_name(N->kind), N->n);
    else
        snprintf(out, size, "%s (%s, %s)", N->name ? N->name : N->id, N->id,
                 qs_norm_kind_name(N->kind));
}

/* The Version cell: the versions the values shown were computed with, and the definition's
 * when it differs from them. Returned in W's join buffer. */
static const char *version_text(struct wb *W, const qs_rep_instrument *ri)
{
    const qs_instrument *I = ri->inst;
    int other = ri->nversions == 0;
    qs_wb__join_reset(W);
    if (!ri->nversions)
        qs_wb__join_add(W, "no administration shown");
    for (size_t v = 0; v < ri->nversions; v++) {
        qs_wb__join_add(W, v ? ", " : "");
        qs_wb__join_add(W, ri->versions[v]);
        other |= !I->version || strcmp(ri->versions[v], I->version) != 0;
    }
    if (other && I->version) {
        qs_wb__join_add(W, ri->nversions ? " (the definition is now " : " (the definition is ");
        qs_wb__join_add(W, I->version);
        qs_wb__join_add(W, ")");
    }
    return W->join ? W->join : "";
}

/* The Norm population and Norm source cells at row y: the norms the T scores shown were
 * computed with, named as the instrument's definition names them; a norm id the definition no
 * longer has is said to be so, never given another norm's name. */
static void norm_cells(struct wb *W, lxw_worksheet *ws, lxw_row_t y, const qs_rep_instrument *ri,
                       int *lines)
{
    const qs_instrument *I = ri->inst;
    char line[512];
    if (!ri->nnorms) {
        acell(W, ws, y, 4, "none confirmed; flags use local defaults", W->f.wrap, lines);
        return;
    }
    qs_wb__join_reset(W);
    for (size_t k = 0; k < ri->nnorms; k++) {
        int n = qs_instrument_norm_index(I, ri->norms[k]);
        if (n >= 0)
            norm_text(line, sizeof(line), &I->norms[n]);
        else if (strncmp(ri->norms[k], "local#", 6) == 0) /* docs/norms.md */
            snprintf(line, sizeof(line),
                     "this clinic's own clients at their first valid administration (local norm "
                     "%s; `qscore norms` lists it), not the general population",
                     ri->norms[k] + 6);
        else
            snprintf(line, sizeof(line), "'%s' (no longer in the instrument's definition)",
                     ri->norms[k]);
        qs_wb__join_add(W, k ? "; " : "");
        qs_wb__join_add(W, line);
    }
    if (ri->unnormed)
        qs_wb__join_add(W, "; some administrations scored without a norm (no T score)");
    acell(W, ws, y, 4, W->join ? W->join : "", W->f.wrap, lines);
    qs_wb__join_reset(W);
    for (size_t k = 0, first = 1; k < ri->nnorms; k++) {
        int n = qs_instrument_norm_index(I, ri->norms[k]);
        if (n < 0 || !I->norms[n].source)
            continue;
        qs_wb__join_add(W, first ? "" : "; ");
        qs_wb__join_add(W, I->norms[n].source);
        first = 0;
    }
    acell(W, ws, y, 5, W->join, W->f.wrap, lines); /* blank, formatted, when none has one */
}

/* Instrument ri's row at y: id, name, citation, and the versions and norms that computed the
 * values the workbook shows. */
static void about_instrument(struct wb *W, lxw_worksheet *ws, lxw_row_t y,
                             const qs_rep_instrument *ri)
{
    const qs_instrument *I = ri->inst;
    int lines = 1;
    acell(W, ws, y, 0, qs_wb__inst_name(I), W->f.label, &lines);
    acell(W, ws, y, 1, I->id, W->f.wrap, &lines);
    acell(W, ws, y, 2, I->citation, W->f.wrap, &lines);
    acell(W, ws, y, 3, version_text(W, ri), W->f.wrap, &lines);
    norm_cells(W, ws, y, ri, &lines);
    qs_wb__row_lines(W, ws, y, lines);
}

/* The Severity cell of flag `fl`: the one in force, and the clinic's setting said as such. */
static const char *severity_text(char *buf, size_t size, const qs_flag *fl)
{
    if (!fl->enabled)
        snprintf(buf, size, "Off (clinic setting; instrument default %s)",
                 qs_severity_name(fl->default_severity));
    else if (fl->severity != fl->default_severity)
        snprintf(buf, size, "%s (clinic setting; instrument default %s)",
                 qs_wb__severity_word((int)fl->severity), qs_severity_name(fl->default_severity));
    else
        return qs_wb__severity_word((int)fl->severity);
    return buf;
}

/* The Cutoff basis cell: the clinic's setting when it changed a cutoff of the rule, e.g.
 * "clinic setting: FO <= 2.3 (instrument default FO <= 2.5)". Returned in W's join buffer. */
static const char *basis_text(struct wb *W, const qs_instrument *I, const qs_flag *fl)
{
    int clinic = 0;
    for (size_t k = 0; k < fl->ncutoffs; k++)
        clinic |= I->cutoffs[fl->cutoffs[k]].overridden;
    qs_wb__join_reset(W);
    if (clinic) {
        qs_wb__join_add(W, "clinic setting: ");
        qs_wb__join_add(W, fl->rule_text);
        qs_wb__join_add(W, " (instrument default ");
        qs_wb__join_add(W, fl->rule_default);
        qs_wb__join_add(W, fl->local_default ? ", a local default)" : ")");
    } else {
        qs_wb__join_add(W, fl->local_default ? "local default cutoff, not a published norm"
                                             : "published cutoff (see the instrument's citation)");
    }
    if (fl->citation) {
        qs_wb__join_add(W, "; because cites: ");
        qs_wb__join_add(W, fl->citation);
    }
    return W->join ? W->join : "";
}

/* The "Flag rules" section at *y: every flag of every instrument, in words. */
static void about_rules(struct wb *W, lxw_worksheet *ws, lxw_row_t *y)
{
    const qs_report *r = W->r;
    static const char *const rule_cols[] = {"Instrument", "Flag",   "Because",     "Rule",
                                            "Severity",   "Cutoff", "Cutoff basis"};
    about_head(W, ws, y, "Flag rules", rule_cols, 7);
    for (size_t i = 0; i < r->ninstruments && !qs_wb__failed(W); i++) {
        const qs_instrument *I = r->instruments[i].inst;
        for (size_t f = 0; f < I->nflags; f++, (*y)++) {
            const qs_flag *fl = &I->flags[f];
            char sev[128];
            int lines = 1;
            acell(W, ws, *y, 0, I->name ? I->name : I->id, W->f.label, &lines);
            acell(W, ws, *y, 1, fl->label ? fl->label : fl->id, W->f.wrap, &lines);
            acell(W, ws, *y, 2, fl->because, W->f.wrap, &lines);
            acell(W, ws, *y, 3, fl->rule_text, W->f.wrap, &lines);
            acell(W, ws, *y, 4, severity_text(sev, sizeof(sev), fl), W->f.wrap, &lines);
            acell(W, ws, *y, 5, fl->cutoff, W->f.wrap, &lines);
            acell(W, ws, *y, 6, basis_text(W, I, fl), W->f.wrap, &lines);
            qs_wb__row_lines(W, ws, *y, lines);
        }
    }
}

void qs_wb__write_about(struct wb *W, lxw_worksheet *ws)
{
    const qs_report *r = W->r;
    char line[512];
    lxw_row_t y = 0;
    W->where = S_ABOUT;
    for (size_t c = 0; c < sizeof(about_widths) / sizeof(about_widths[0]); c++)
        qs_wb__ck(W, worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, about_widths[c], NULL));
    qs_wb__ck(W, worksheet_set_row(ws, 0, 20, NULL));
    qs_wb__put_str(W, ws, y++, 0, "About this workbook", W->f.title);
    about_pair(W, ws, &y, "Disclaimer", QS_REPORT_DISCLAIMER);
    about_pair(W, ws, &y, "Workbook", r->title);
    about_pair(W, ws, &y, "Clinic", r->clinic);
    char made[40] = "", through[40] = "";
    qs_rep__date_words(made, sizeof(made), r->made);
    qs_rep__date_words(through, sizeof(through), r->data_through);
    about_pair(W, ws, &y, "Data through", through[0] ? through : "no dated form");
    about_pair(W, ws, &y, "Made", made[0] ? made : "no run yet");
    about_pair(W, ws, &y, "qscore version", r->qscore_version);
    snprintf(line, sizeof(line), "%lld", r->run_id);
    about_pair(W, ws, &y, "Run number", line);

    static const char *const sheets[][2] = {
        {"Summary", "One row per client: who needs attention and why, when last assessed, and per "
                    "instrument the latest scores with the change since the first usable form. "
                    "Clients needing attention first, then those not assessed for a while."},
        {"Flags", "Every flag of each client's latest form: new or continuing since when, the "
                  "values that raised it, why it matters; and flags cleared since the last "
                  "report."},
        {"Trends", "Each client's scores over time, instruments side by side, with the cutoffs "
                   "the flags use."},
        {"Groups", "Per therapy group and month, the mean scores of usable forms; baseline and "
                   "latest per group."},
        {"Items", "The raw answers behind the scores (reverse-keyed items marked)."},
        {"TrendData", "Hidden sheet with the numbers the Trends charts draw (Unhide to see)."}};
    static const char *const sheet_cols[] = {"Sheet", "What it shows"};
    about_head(W, ws, &y, "Sheets", sheet_cols, 2);
    for (size_t i = 0; i < sizeof(sheets) / sizeof(sheets[0]); i++)
        about_pair(W, ws, &y, sheets[i][0], sheets[i][1]);

    static const char *const inst_cols[] = {"Instrument", "Id in config files", "Citation",
                                            "Version",    "Norm population",    "Norm source"};
    about_head(W, ws, &y, "Instruments and norms", inst_cols, 6);
    for (size_t i = 0; i < r->ninstruments && !qs_wb__failed(W); i++, y++)
        about_instrument(W, ws, y, &r->instruments[i]);

    about_rules(W, ws, &y);

    static const char *const rci[][2] = {
        {"▲", "Reliable improvement: changed for the better by more than measurement error "
              "explains (reliable change index beyond 1.96, Jacobson & Truax 1991)."},
        {"▼", "Reliable deterioration: changed for the worse by more than measurement error "
              "explains."},
        {"●", "No reliable change: the change is within measurement error."},
        {"↑ ↓", "Reliable increase or decrease where the instrument does not say which direction "
                "is better."},
        {"no mark", "No test was possible: one usable form only, a missing score, or no "
                    "reliability or spread of scores to test against (the footnote says which)."}};
    static const char *const rci_cols[] = {"Mark", "Meaning"};
    about_head(W, ws, &y, "Change since the first usable form (Summary's Change columns)", rci_cols,
               2);
    for (size_t i = 0; i < sizeof(rci) / sizeof(rci[0]); i++)
        about_pair(W, ws, &y, rci[i][0], rci[i][1]);

    static const char *const file_cols[] = {"Source", "File", "SHA-256"};
    about_head(W, ws, &y, "Input files", file_cols, 3);
    for (size_t i = 0; i < r->nfiles && !qs_wb__failed(W); i++, y++) {
        int lines = 1;
        acell(W, ws, y, 0, r->files[i].source, W->f.label, &lines);
        acell(W, ws, y, 1, r->files[i].path, W->f.wrap, &lines);
        acell(W, ws, y, 2, r->files[i].sha256, NULL, &lines);
        qs_wb__row_lines(W, ws, y, lines);
    }
    if (!r->nfiles)
        qs_wb__put_str(W, ws, y++, 0, "none recorded", W->f.note);
    worksheet_set_landscape(ws);
    worksheet_fit_to_pages(ws, 1, 0);
    qs_wb__page_setup(W, ws, 1, 0);
}
