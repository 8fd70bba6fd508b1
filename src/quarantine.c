/* quarantine.c - the quarantine CSV files: rejected rows, and the store's quarantine list. */
#include "qscore/quarantine.h"

#include <stdio.h>
#include <string.h>

#include "text.h"

/*
 * A text cell: quoted when it holds a comma, quote, CR or LF, and never a formula: staff open
 * these files in Excel to fix rows, so text that a spreadsheet would run (qs_text__formula_like:
 * '=', '+', '-', '@', tab or CR first, and not a plain number) gets a leading apostrophe. Every
 * quarantine file (`qscore score --quarantine`, quarantine-runN.csv, `qscore quarantine`) writes
 * its text through here: one rule for all.
 */
static int qfield(FILE *fp, const char *s)
{
    size_t n = strlen(s);
    int quote = strcspn(s, ",\"\r\n") != n;
    if (quote && fputc('"', fp) == EOF)
        return -1;
    if (qs_text__formula_like(s) && fputc('\'', fp) == EOF)
        return -1;
    if (!quote)
        return fputs(s, fp) < 0 ? -1 : 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' && fputc('"', fp) == EOF)
            return -1;
        if (fputc(s[i], fp) == EOF)
            return -1;
    }
    return fputc('"', fp) == EOF ? -1 : 0;
}

qs_error qs_quarantine_header(FILE *fp)
{
    return fputs("source,line,response_id,column,value,reason\n", fp) < 0 ? QS_EIO : QS_OK;
}

qs_error qs_quarantine_write(FILE *fp, const char *source, const qs_row_problems *p)
{
    int bad = 0;
    for (size_t i = 0; i < p->count; i++) {
        const qs_problem *q = &p->items[i];
        bad |= qfield(fp, source);
        bad |= fprintf(fp, ",%lu,", p->line) < 0;
        bad |= qfield(fp, p->response_id);
        bad |= fputc(',', fp) == EOF;
        bad |= qfield(fp, q->column);
        bad |= fputc(',', fp) == EOF;
        bad |= qfield(fp, q->value);
        bad |= fputc(',', fp) == EOF;
        bad |= qfield(fp, q->reason);
        bad |= fputc('\n', fp) == EOF;
    }
    if (p->dropped) {
        char reason[128];
        snprintf(reason, sizeof(reason), "%zu more problems in this row not listed", p->dropped);
        bad |= qfield(fp, source);
        bad |= fprintf(fp, ",%lu,", p->line) < 0;
        bad |= qfield(fp, p->response_id);
        bad |= fputs(",,,", fp) < 0;
        bad |= qfield(fp, reason);
        bad |= fputc('\n', fp) == EOF;
    }
    return bad ? QS_EIO : QS_OK;
}

qs_error qs_quarantine_list_header(FILE *fp)
{
    return fputs("source,file,line,response_id,column,value,reason,first_seen_run,first_seen,"
                 "resolved_run,resolved,resolution\n",
                 fp) < 0
               ? QS_EIO
               : QS_OK;
}

qs_error qs_quarantine_list_row(FILE *fp, const qs_store_quarantined *q)
{
    int bad = 0;
    bad |= qfield(fp, q->source);
    bad |= fputc(',', fp) == EOF;
    bad |= qfield(fp, q->file);
    bad |= fprintf(fp, ",%lu,", q->line) < 0;
    bad |= qfield(fp, q->response_id);
    bad |= fputc(',', fp) == EOF;
    bad |= qfield(fp, q->column);
    bad |= fputc(',', fp) == EOF;
    bad |= qfield(fp, q->value);
    bad |= fputc(',', fp) == EOF;
    bad |= qfield(fp, q->reason);
    bad |= fprintf(fp, ",%lld,", q->first_run) < 0;
    bad |= qfield(fp, q->first_seen);
    if (q->resolved_run)
        bad |= fprintf(fp, ",%lld,", q->resolved_run) < 0;
    else
        bad |= fputs(",,", fp) < 0;
    bad |= qfield(fp, q->resolved);
    bad |= fputc(',', fp) == EOF;
    bad |= qfield(fp, q->resolution);
    bad |= fputc('\n', fp) == EOF;
    return bad ? QS_EIO : QS_OK;
}
