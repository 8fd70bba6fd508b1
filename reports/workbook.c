/* workbook.c - lay a qs_report out as the therapist workbook (XLSX, via libxlsxwriter): the file,
 * its properties and its sheets in order (each sheet's writer is in workbook_<sheet>.c). */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "civil.h"
#include "qscore/atomic.h"
#include "qscore/report.h"
#include "workbook_internal.h"

/*
 * Design. The report is already selected and ordered by the builder; these files only lay it out
 * (workbook_internal.h says how they share the work). Sheets, in this order:
 *
 *   Summary   title, "Data through · made", the disclaimer and notes, instrument names over
 *             their columns, then one row per client (qs_report.clients: attention, overdue,
 *             the rest; sections by group when asked): Client (a link to its Trends block),
 *             Group, Last assessed, Days since, "Needs attention because", then per instrument
 *             and score the latest value, [T score,] and the change with its reliable-change
 *             mark in the number format; footnotes in words.
 *   Flags     every flag of each client's latest form, high severity first, New or Continuing
 *             since; then the flags cleared since the last report.
 *   Trends    one block per client (Summary's order, within reports.max_charts): its
 *             instruments' scatter charts side by side on a date axis, page breaks between
 *             blocks (workbook_trends.c says how the page is laid out).
 *   Groups    per group: a month table per instrument (means of usable forms, n; small
 *             means hidden), and a baseline-and-latest table.
 *   Items     raw answers of the latest administration, with a legend (reverse keys, blanks).
 *   About     instruments, norms, every flag rule in words, the change marks, run, input files.
 *   TrendData (hidden) the numbers the Trends charts draw, one block per chart.
 *
 * Every text from the report goes through qs_wb__put_str() -> worksheet_write_string(), which
 * stores a literal string, never a formula; qs_wb__put_str() also repairs invalid UTF-8 (Excel
 * calls such a file corrupt) and caps the length. Chart titles and series names are NOT passed as
 * strings: the library reads a name that starts with '=' as a cell reference, so a client id such
 * as
 * "=HYPERLINK(...)" would break the chart. They point at cells holding the text instead
 * (chart_*_set_name_range), which keeps every model string a literal cell value.
 *
 * Why not constant_memory. In libxlsxwriter it is a workbook-wide switch. Every sheet here is
 * written strictly row by row, and autofilters and conditional formats are set before the rows
 * (constant_memory refuses ranges above the current row), so it can be turned on at build time
 * with -DQS_WB_CONSTANT_MEMORY=1 and the unit test passes that way too. It is off because in that
 * mode the library cannot read cells back: charts carry no cached data and their titles and
 * legend names (cell references, see above) no cached text. LibreOffice then titles every chart
 * "Chart Title", and viewers that draw from the cache (file previews, mobile viewers) show empty
 * charts. Measured for 2,000 clients x 10 administrations (2,000 trend charts): 1.0 s and 92 MB
 * peak RSS as written, against 0.65 s and 30 MB with constant_memory.
 *
 * Reproducible bytes: the document's creation time is r->created (read as UTC), zip entries are
 * dated 1980 by the library, and nothing else varies, so the same report gives the same file.
 * Numbers are written under a thread-local "C" LC_NUMERIC (the library prints them with %G).
 */

#ifndef QS_WB_CONSTANT_MEMORY
#define QS_WB_CONSTANT_MEMORY 0
#endif

#define FALLBACK_TIME 315532800 /* 1980-01-01T00:00:00Z, when r->created cannot be read */

/* ---- the workbook ------------------------------------------------------------------------- */

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

/* r->created ("YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS]...", read as UTC) as a time_t. */
static time_t created_time(const char *s)
{
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (!s || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d))
        return FALLBACK_TIME;
    if ((s[10] == 'T' || s[10] == ' ') && digits(s + 11, 2, &h) && s[13] == ':' &&
        digits(s + 14, 2, &mi)) {
        if (s[16] == ':' && !digits(s + 17, 2, &se))
            se = 0;
    } else {
        h = mi = 0;
    }
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return FALLBACK_TIME;
    time_t t = (time_t)qs_civil__days(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    return t > 0 ? t : FALLBACK_TIME;
}

static qs_error check_report(const qs_report *r, qs_diag *diag)
{
    for (size_t i = 0; i < r->ninstruments; i++) {
        if (!r->instruments[i].inst) {
            qs_diag_set(diag, NULL, 0, 0, NULL, "report instrument %zu has no definition", i);
            return QS_EREPORT;
        }
    }
    for (size_t i = 0; i < r->nrows; i++) {
        const qs_rep_row *row = &r->rows[i];
        if (row->instrument >= r->ninstruments) {
            qs_diag_set(diag, NULL, 0, 0, NULL, "report row %zu names instrument %zu of %zu", i + 1,
                        row->instrument, r->ninstruments);
            return QS_EREPORT;
        }
        if ((row->nflags && !row->flags) || (row->nhistory && !row->history)) {
            qs_diag_set(diag, NULL, 0, 0, NULL, "report row %zu has counts without arrays", i + 1);
            return QS_EREPORT;
        }
    }
    if (r->nclients && !r->clients) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "report has %zu clients without an array", r->nclients);
        return QS_EREPORT;
    }
    for (size_t k = 0; k < r->nclients; k++) {
        const qs_rep_client *c = &r->clients[k];
        for (size_t j = 0; j < c->nrows; j++) {
            if (!c->rows || c->rows[j] >= r->nrows) {
                qs_diag_set(diag, NULL, 0, 0, NULL, "report client %zu names row %zu of %zu", k + 1,
                            c->rows ? c->rows[j] + 1 : 0, r->nrows);
                return QS_EREPORT;
            }
        }
    }
    return QS_OK;
}

/* Sync the finished temporary, so the rename never exposes a file whose bytes are not on disk. */
static int sync_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    int rc = fsync(fileno(fp));
    if (fclose(fp) != 0)
        rc = -1;
    return rc;
}

/* Whether the zip file at `path` ends with its end-of-central-directory record (libxlsxwriter
 * writes no comment, so it is the last 22 bytes). libxlsxwriter 1.1.4 does not notice every
 * failed write: a full disk can leave a cut file although workbook_close succeeded. */
static int zip_complete(const char *path)
{
    unsigned char tail[22];
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return 0;
    int ok = fseek(fp, -22, SEEK_END) == 0 && fread(tail, 1, sizeof(tail), fp) == sizeof(tail) &&
             memcmp(tail, "PK\005\006", 4) == 0;
    fclose(fp);
    return ok;
}

/* The temporary ".NAME.tmp.XXXXXX" beside `path` (as qs_atomic_open names them), created empty
 * with mode 0600, its name in tmp. */
static qs_error make_temp(char *tmp, size_t size, const char *path, qs_diag *diag)
{
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path + 1) : 0;
    const char *base = slash ? slash + 1 : path;
    if (!*base) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot write workbook '%s': not a file name", path);
        return QS_EIO;
    }
    int n = snprintf(tmp, size, "%.*s.%s.tmp.XXXXXX", dirlen, path, base);
    if (n < 0 || (size_t)n >= size) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot write workbook '%s': path too long", path);
        return QS_EIO;
    }
    int fd = mkstemp(tmp); /* mode 0600 */
    if (fd < 0) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot write workbook '%s': %s", path,
                    strerror(errno));
        return QS_EIO;
    }
    close(fd);
    return QS_OK;
}

/* The document properties (creation time from the data) and every sheet, into W->book. The
 * errors stay in W. *title and *comments are the property strings, kept (for the caller to free)
 * until the workbook is closed. */
static void write_book(struct wb *W, char **title, char **comments)
{
    const qs_report *r = W->r;
    const char *t = r->title ? qs_wb__clean_name(W, r->title) : NULL;
    *title = t ? strdup(t) : NULL;
    *comments = strdup(QS_REPORT_DISCLAIMER);
    lxw_doc_properties props;
    memset(&props, 0, sizeof(props));
    props.title = *title;
    props.subject = "qscore therapist workbook";
    props.author = "qscore";
    props.comments = *comments;
    props.created = created_time(r->created);
    qs_wb__ck(W, workbook_set_properties(W->book, &props));

    /* Every sheet first, so their order is fixed whatever is written when. */
    lxw_worksheet *summary = workbook_add_worksheet(W->book, S_SUMMARY);
    lxw_worksheet *flags = workbook_add_worksheet(W->book, S_FLAGS);
    lxw_worksheet *trends = workbook_add_worksheet(W->book, S_TRENDS);
    lxw_worksheet *groups = workbook_add_worksheet(W->book, S_GROUPS);
    lxw_worksheet *items = workbook_add_worksheet(W->book, S_ITEMS);
    lxw_worksheet *about = workbook_add_worksheet(W->book, S_ABOUT);
    lxw_worksheet *trenddata = workbook_add_worksheet(W->book, S_TRENDDATA);
    if (!summary || !flags || !trends || !groups || !items || !about || !trenddata)
        W->rc = QS_ENOMEM;
    if (!qs_wb__failed(W))
        qs_wb__make_formats(W);
    if (!qs_wb__failed(W))
        qs_wb__write_summary(W, summary);
    if (!qs_wb__failed(W))
        qs_wb__write_flags(W, flags);
    if (!qs_wb__failed(W))
        qs_wb__write_trends(W, trends, trenddata);
    if (!qs_wb__failed(W))
        qs_wb__write_groups(W, groups);
    if (!qs_wb__failed(W))
        qs_wb__write_items(W, items);
    if (!qs_wb__failed(W))
        qs_wb__write_about(W, about);
    if (!qs_wb__failed(W))
        worksheet_activate(summary);
}

/* Close the workbook (even after an error: that frees it) and, when every step succeeded, move
 * the finished temporary `tmp` to `path`. The first error, said once in diag. */
static qs_error finish(struct wb *W, const char *tmp, const char *path, qs_diag *diag)
{
    errno = 0;
    lxw_error cerr = workbook_close(W->book);
    int close_errno = errno; /* the file system's reason, e.g. ENOSPC, when writing failed */
    W->book = NULL;
    if (W->rc) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot write workbook '%s': %s", path,
                    qs_strerror(W->rc));
        return W->rc;
    }
    if (W->lerr) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot write workbook '%s': sheet %s: %s", path,
                    W->err_where ? W->err_where : "?", lxw_strerror(W->lerr));
        return QS_EREPORT;
    }
    if (cerr) {
        /* Creating or zipping the file failed: the disk (full, read-only, a file size limit),
         * not the report library, so exit 3 with the path and the system's reason. */
        int io = cerr == LXW_ERROR_CREATING_XLSX_FILE || cerr == LXW_ERROR_CREATING_TMPFILE ||
                 cerr == LXW_ERROR_READING_TMPFILE || cerr == LXW_ERROR_ZIP_FILE_OPERATION ||
                 cerr == LXW_ERROR_ZIP_FILE_ADD || cerr == LXW_ERROR_ZIP_CLOSE ||
                 cerr == LXW_ERROR_ZIP_BAD_ZIP_FILE || cerr == LXW_ERROR_ZIP_INTERNAL_ERROR;
        if (io && close_errno)
            qs_diag_set(diag, NULL, 0, 0, NULL, "cannot write workbook '%s': %s", path,
                        strerror(close_errno));
        else
            qs_diag_set(diag, NULL, 0, 0, NULL, "cannot write workbook '%s': %s", path,
                        lxw_strerror(cerr));
        return io ? QS_EIO : QS_EREPORT;
    }
    /* libxlsxwriter writes each part to a temporary file without checking the writes: a full
     * disk (or a file size limit) leaves its errno, and a workbook with cut parts. */
    if (close_errno == ENOSPC || close_errno == EFBIG || close_errno == EDQUOT ||
        close_errno == EIO || !zip_complete(tmp)) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot write workbook '%s': %s", path,
                    close_errno ? strerror(close_errno) : "the file was cut short (disk full?)");
        return QS_EIO;
    }
    if (chmod(tmp, 0600) != 0 || sync_file(tmp) != 0 || rename(tmp, path) != 0 ||
        qs_atomic_sync_dir(path) != 0) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot write workbook '%s': %s", path,
                    strerror(errno));
        return QS_EIO;
    }
    return QS_OK;
}

qs_error qs_report_write_xlsx(const qs_report *r, const char *path, qs_diag *diag)
{
    struct wb W;
    char tmp[4096];
    qs_error rc;
    char *title = NULL, *comments = NULL;
    locale_t c_locale = (locale_t)0, old_locale = (locale_t)0;

    memset(&W, 0, sizeof(W));
    W.r = r;
    qs_diag_clear(diag);
    rc = check_report(r, diag);
    if (rc)
        return rc;
    rc = make_temp(tmp, sizeof(tmp), path, diag);
    if (rc)
        return rc;

    /* Numbers are printed by the library with %G: a decimal-comma locale would corrupt them. */
    c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c_locale)
        old_locale = uselocale(c_locale);

    lxw_workbook_options opt = {.constant_memory = QS_WB_CONSTANT_MEMORY ? LXW_TRUE : LXW_FALSE,
                                .tmpdir = NULL,
                                .use_zip64 = LXW_FALSE};
    W.book = qs_wb__plan_charts(&W) ? workbook_new_opt(tmp, &opt) : NULL;
    if (!W.book) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot write workbook '%s': out of memory", path);
        rc = QS_ENOMEM;
    } else {
        write_book(&W, &title, &comments);
        rc = finish(&W, tmp, path, diag);
    }

    if (rc)
        unlink(tmp);
    if (c_locale) {
        uselocale(old_locale);
        freelocale(c_locale);
    }
    free(title);
    free(comments);
    free(W.scratch);
    free(W.join);
    free(W.chart_ok);
    free(W.trend_rows);
    return rc;
}
