/* ingest.c - turn survey export records into administrations, or into quarantine problems. */
#define _XOPEN_SOURCE 700 /* strptime */
#include "qscore/ingest.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hash.h"
#include "mapdraft_internal.h"
#include "profile.h"
#include "qscore/score.h"
#include "text.h"

/*
 * Design. Opening reads the header rows the profile prescribes (Qualtrics: tags, question text
 * and an optional ImportId row; SurveyMonkey: question text and sub-labels; the others: one row)
 * and resolves every column the mapping or the instrument names to an index once. Column
 * references match row 1 first, then row 2 (question text or sub-labels), or "#N"; a text that
 * matches two columns is an error that suggests "#N". Per data record the work is then a walk
 * over fixed indices: trim, compare with the missing spellings, parse a number or look up a
 * label. A record that cannot be read completely becomes a problem list: it is never half
 * scored. Duplicate response ids are caught with a set of 64-bit hashes of the ids of scored
 * rows, within a fixed budget (see IDSET_SLOTS); for a store, an export without an id column
 * uses the same set for client and date (qs_ingest_require_unique_client_date).
 */

#define MAX_COLUMNS_SHOWN 3

struct idset {
    uint64_t *keys; /* 0 = empty slot (a hash of 0 is stored as 1) */
    uint32_t *lines;
    size_t cap, count;
};

/* A problem that every quarantined row so far shares (see track_common). */
struct candidate {
    qs_problem_kind kind;
    char column[128];
    char value[QS_PROBLEM_VALUE_MAX];
    char folded[QS_PROBLEM_VALUE_MAX];
    int alive;
    int day_first, month_first; /* dates: an order some value proves */
};

struct common {
    int started;
    size_t n;
    struct candidate c[QS_PROBLEMS_MAX];
};

struct qs_ingest {
    qs_reader *reader;
    const qs_instrument *inst;
    const qs_mapping *map;
    qs_profile profile;
    char name[QS_DIAG_FILE_MAX];

    /* header */
    size_t ncols;
    char **row1;
    char **row2; /* NULL unless the profile has a second header row */
    unsigned long header_line;
    int header_rows; /* rows read as header, not data */
    /* Row 1 is known to be a header: it carries a known export's markers, or the profile's
     * second header row was found under it. Only then may its cells appear in a message: a file
     * without a header row has client data in row 1. */
    int header_known;

    /* resolved column indices, -1 when absent */
    long col_response, col_client, col_group, col_therapist, col_admin;
    long col_event, col_instance; /* REDCap: part of the response id */
    long *item_col;
    long *check_col;
    long *cov_col;           /* per mapping covariate */
    const char **cov_values; /* per mapping covariate, this row's */

    /* one pending record read ahead while looking for header rows */
    int pending;
    qs_record rec;
    qs_diag pending_diag;

    /* per-row scratch */
    int *answers;
    int *checks;
    char *scratch;
    size_t scratch_cap, scratch_used;
    char date[64];
    char line_id[32];

    unsigned long rows;
    struct idset ids;
    unsigned long ids_unchecked;
    int unique_client_date; /* see qs_ingest_require_unique_client_date */

    /* where the bytes are, for the second pass over the date column (decide_date_order) */
    char *path;       /* a copy; NULL when reading a buffer */
    const void *data; /* the borrowed buffer */
    size_t len;
    unsigned char *col_named; /* per column: the mapping named it by its header text */
    qs_date_order date_order; /* of slash dates, once decided for the whole file */
    qs_error failed;          /* the file was refused: every later qs_ingest_next says so */
    qs_diag failed_diag;

    unsigned long scored, not_administered, quarantined;
    struct common common;
};

/* ---- accessors --------------------------------------------------------------------------- */

qs_profile qs_ingest_profile(const qs_ingest *g)
{
    return g->profile;
}

const qs_reader *qs_ingest_reader(const qs_ingest *g)
{
    return g->reader;
}

void qs_ingest_require_unique_client_date(qs_ingest *g)
{
    g->unique_client_date = 1;
}

unsigned long qs_ingest_ids_unchecked(const qs_ingest *g)
{
    return g->ids_unchecked;
}

int qs_ingest_header_rows(const qs_ingest *g)
{
    return g->header_rows;
}

unsigned long qs_ingest_rows(const qs_ingest *g)
{
    return g->rows;
}

unsigned long qs_ingest_scored(const qs_ingest *g)
{
    return g->scored;
}

unsigned long qs_ingest_not_administered(const qs_ingest *g)
{
    return g->not_administered;
}

static const char *const kind_names[] = {"row",   "encoding", "response-id", "client-id", "date",
                                         "label", "scale",    "attention",   "duplicate"};

const char *qs_problem_kind_name(qs_problem_kind kind)
{
    if ((unsigned)kind >= sizeof(kind_names) / sizeof(kind_names[0]))
        return "unknown";
    return kind_names[kind];
}

/* ---- small helpers ----------------------------------------------------------------------- */

static char *dup_trimmed(const char *s, size_t len)
{
    const char *t;
    size_t n = qs_text__trim(s, len, &t);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, t, n);
        d[n] = '\0';
    }
    return d;
}

/* Copy at most size-1 bytes, cutting only at a UTF-8 character boundary. */
static void copy_value(char *dst, size_t size, const char *src, size_t len)
{
    if (len >= size) {
        len = size - 4;
        while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
            len--;
        memcpy(dst, src, len);
        memcpy(dst + len, "...", 4);
        return;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static void add_problem(qs_row_problems *p, qs_problem_kind kind, const char *column,
                        const char *value, size_t vlen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

static void add_problem(qs_row_problems *p, qs_problem_kind kind, const char *column,
                        const char *value, size_t vlen, const char *fmt, ...)
{
    if (p->count >= QS_PROBLEMS_MAX) {
        p->dropped++;
        return;
    }
    qs_problem *q = &p->items[p->count++];
    q->kind = kind;
    copy_value(q->column, sizeof(q->column), column ? column : "", column ? strlen(column) : 0);
    copy_value(q->value, sizeof(q->value), value ? value : "", value ? vlen : 0);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(q->reason, sizeof(q->reason), fmt, ap);
    va_end(ap);
}

/* Bounded edit distance, for "nearest headers" suggestions. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64)
        la = 64;
    if (lb > 64)
        lb = 64;
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof(size_t));
    }
    return prev[lb];
}

static void nearest_headers(const qs_ingest *g, const char *want, char *out, size_t size)
{
    size_t best[MAX_COLUMNS_SHOWN];
    size_t dist[MAX_COLUMNS_SHOWN];
    size_t n = 0;
    for (size_t c = 0; c < g->ncols; c++) {
        if (!g->row1[c][0])
            continue;
        size_t d = edit_distance(want, g->row1[c]);
        size_t pos = n < MAX_COLUMNS_SHOWN ? n : MAX_COLUMNS_SHOWN;
        while (pos > 0 && dist[pos - 1] > d)
            pos--;
        if (pos >= MAX_COLUMNS_SHOWN)
            continue;
        for (size_t k = (n < MAX_COLUMNS_SHOWN ? n : MAX_COLUMNS_SHOWN - 1); k > pos; k--) {
            best[k] = best[k - 1];
            dist[k] = dist[k - 1];
        }
        best[pos] = c;
        dist[pos] = d;
        if (n < MAX_COLUMNS_SHOWN)
            n++;
    }
    size_t used = 0;
    out[0] = '\0';
    for (size_t k = 0; k < n && used < size; k++) {
        int w = snprintf(out + used, size - used, "%s'%.40s'", k ? ", " : "", g->row1[best[k]]);
        if (w > 0)
            used += (size_t)w;
    }
}

/* ---- header resolution ------------------------------------------------------------------- */

/* Resolve a column reference; on failure report at `line:col` of `file` (the mapping or the
 * instrument). `what` says what the column is for. */
static long resolve(qs_ingest *g, const char *ref, const char *what, const char *file,
                    unsigned long line, unsigned long col, int required, qs_diag_list *errors)
{
    if (ref[0] == '#' && ref[1] >= '0' && ref[1] <= '9') {
        char *end;
        errno = 0;
        long n = strtol(ref + 1, &end, 10);
        if (errno == 0 && *end == '\0' && n >= 1) {
            if ((size_t)n > g->ncols) {
                qs_diag_list_add(errors, file, line, col, NULL,
                                 "column %s for %s: '%s' has only %zu columns", ref, what, g->name,
                                 g->ncols);
                return -1;
            }
            return n - 1;
        }
    }
    for (int row = 1; row <= 2; row++) {
        char **names = row == 1 ? g->row1 : g->row2;
        if (!names)
            continue;
        long found = -1;
        for (size_t c = 0; c < g->ncols; c++) {
            if (strcmp(names[c], ref) != 0)
                continue;
            if (found >= 0) {
                if (!errors)
                    return -1;
                qs_diag_list_add(errors, file, line, col, NULL,
                                 "column '%s' for %s is ambiguous in '%s' (columns #%ld and #%zu "
                                 "of header row %d): name it by number, e.g. \"#%ld\"",
                                 ref, what, g->name, found + 1, c + 1, row, found + 1);
                return -1;
            }
            found = (long)c;
        }
        if (found >= 0) {
            if (g->col_named)
                g->col_named[found] = 1;
            return found;
        }
    }
    if (required && g->header_known) {
        char near[200];
        nearest_headers(g, ref, near, sizeof(near));
        qs_diag_list_add(errors, file, line, col, NULL, "column '%s' for %s not found in '%s'%s%s",
                         ref, what, g->name, near[0] ? "; nearest headers: " : "", near);
    } else if (required) {
        /* Row 1 may be data (a file without a header row): name no cell of it. */
        qs_diag_list_add(errors, file, line, col, NULL,
                         "column '%s' for %s not found in '%s': row 1 (%zu columns) is not a "
                         "known export's header, so its cells are not shown (it may be data); "
                         "check the file's header row, or name columns by number, e.g. \"#1\"",
                         ref, what, g->name, g->ncols);
    }
    return -1;
}

static long resolve_optional(qs_ingest *g, const char *name)
{
    return resolve(g, name, "", NULL, 0, 0, 0, NULL);
}

static char **copy_row(const qs_record *r, size_t ncols)
{
    char **row = calloc(ncols ? ncols : 1, sizeof(char *));
    if (!row)
        return NULL;
    for (size_t i = 0; i < ncols; i++) {
        row[i] = i < r->nfields ? dup_trimmed(r->fields[i], r->lens[i]) : dup_trimmed("", 0);
        if (!row[i]) {
            for (size_t k = 0; k < i; k++)
                free(row[k]);
            free(row);
            return NULL;
        }
    }
    return row;
}

static void free_row(char **row, size_t n)
{
    if (!row)
        return;
    for (size_t i = 0; i < n; i++)
        free(row[i]);
    free(row);
}

/* Read one record for the header; records with problems are fatal here. */
static qs_error header_record(qs_ingest *g, qs_record *rec, const char *what, qs_diag_list *errors)
{
    qs_diag d;
    qs_diag_clear(&d);
    qs_error rc = qs_reader_next(g->reader, rec, &d);
    if (rc == QS_EEOF) {
        qs_diag_list_add(errors, g->name, 0, 0, NULL, "file ends before its %s", what);
        return QS_EINVALID;
    }
    if (rc == QS_EDATA) {
        qs_diag_list_push(errors, &d);
        return QS_EINVALID;
    }
    if (rc) {
        qs_diag_list_push(errors, &d);
        return rc;
    }
    /* Bad bytes in a header cell are that cell's problem only: a mapping cannot name it (it
     * is then "not found", as any missing column), and the other columns read as usual. A
     * header pasted from Word (Client\x92s comment) must not refuse the whole export. */
    (void)what;
    return QS_OK;
}

/* The table entry of the profile in use (a value out of the table reads as generic). */
static const qs_profile_def *profile_def(const qs_ingest *g)
{
    const qs_profile_def *def = qs_profile__get(g->profile);
    return def ? def : qs_profile__get(QS_PROFILE_GENERIC);
}

/*
 * Read the header rows of `profile` (auto: the one row 1 shows, see qs_profile__detect). A tool
 * with a second header row must show it under row 1: a forced profile is refused without it,
 * a detected one falls back to generic and keeps the record as the first data row. A record
 * read ahead for an optional third header row that is not one stays pending, as data.
 */
static qs_error read_header(qs_ingest *g, qs_profile profile, qs_diag_list *errors)
{
    qs_record rec;
    qs_error rc = header_record(g, &rec, "header row", errors);
    if (rc)
        return rc;
    g->header_line = rec.line;
    g->header_rows = 1;
    g->ncols = rec.nfields;
    g->row1 = copy_row(&rec, g->ncols);
    if (!g->row1)
        return QS_ENOMEM;
    qs_profile seen = qs_profile__detect(&rec);
    g->header_known = seen != QS_PROFILE_GENERIC;
    g->profile = profile == QS_PROFILE_AUTO ? seen : profile;
    const qs_profile_def *def = profile_def(g);
    const char *const *row1 = (const char *const *)g->row1;
    if (!def->row2_is)
        return QS_OK;

    rc = header_record(g, &rec, def->row2_what, errors);
    if (rc)
        return rc;
    if (!def->row2_is(row1, g->ncols, &rec)) {
        if (profile != QS_PROFILE_AUTO) {
            qs_diag_list_add(errors, g->name, rec.line, 0, NULL,
                             "line %lu is not the second header row of a %s export (%s): "
                             "choose another --profile",
                             rec.line, def->name, def->row2_expected);
            return QS_EINVALID;
        }
        /* Not what the first row suggested: read it as a one-header export. */
        g->profile = QS_PROFILE_GENERIC;
        g->rec = rec;
        g->pending = 1;
        g->header_rows = 1;
        return QS_OK;
    }
    g->header_rows = 2;
    g->header_known = 1;
    g->row2 = copy_row(&rec, g->ncols);
    if (!g->row2)
        return QS_ENOMEM;
    if (!def->row3_may_follow || !def->row3_may_follow(row1, g->ncols))
        return QS_OK;
    qs_diag d;
    qs_diag_clear(&d);
    rc = qs_reader_next(g->reader, &g->rec, &d);
    if (rc == QS_OK) {
        if (!def->row3_is(&g->rec))
            g->pending = 1;
        else
            g->header_rows = 3;
    } else if (rc == QS_EDATA) {
        g->pending = 2; /* a problem row: reported by the first qs_ingest_next */
        g->pending_diag = d;
    } else if (rc != QS_EEOF) {
        qs_diag_list_push(errors, &d);
        return rc;
    }
    return QS_OK;
}

/* The first of `names` (NULL-terminated; NULL for none) that row 1 or 2 has, else -1. */
static long resolve_first(qs_ingest *g, const char *const *names)
{
    long c = -1;
    for (size_t k = 0; names && names[k] && c < 0; k++)
        c = resolve_optional(g, names[k]);
    return c;
}

/* The response id, client, group, therapist, date and covariate columns: the mapping's, else
 * the profile's defaults (response id and date). */
static void resolve_identity(qs_ingest *g, qs_diag_list *errors)
{
    const qs_mapping *m = g->map;
    const char *mf = m->path;
    const qs_profile_def *def = profile_def(g);

    if (m->response_id.text) {
        g->col_response = resolve(g, m->response_id.text, "response_id", mf, m->response_id.line,
                                  m->response_id.column, 1, errors);
    } else {
        /* The profile's id column; REDCap joins the event and instance to it. */
        g->col_response = resolve_first(g, def->id_columns);
        if (g->col_response >= 0) {
            g->col_event = resolve_first(g, def->event_columns);
            g->col_instance = resolve_first(g, def->instance_columns);
        }
    }
    g->col_client = resolve(g, m->client_id.text, "client_id", mf, m->client_id.line,
                            m->client_id.column, 1, errors);
    if (m->group.text)
        g->col_group =
            resolve(g, m->group.text, "group", mf, m->group.line, m->group.column, 1, errors);
    if (m->therapist.text)
        g->col_therapist = resolve(g, m->therapist.text, "therapist", mf, m->therapist.line,
                                   m->therapist.column, 1, errors);
    if (m->administered.text)
        g->col_admin = resolve(g, m->administered.text, "administered", mf, m->administered.line,
                               m->administered.column, 1, errors);
    else
        g->col_admin = resolve_first(g, def->date_columns);
    for (size_t i = 0; i < m->ncovariates; i++)
        g->cov_col[i] = resolve(g, m->covariates[i].col.text, m->covariates[i].name, mf,
                                m->covariates[i].col.line, m->covariates[i].col.column, 1, errors);
}

/* Item `i`'s column reference: the mapping's list, else its pattern (written into `buf`), else
 * the instrument's default column; NULL when none. *file, *line, *col: where it was written. */
static const char *item_ref(const qs_ingest *g, size_t i, char *buf, size_t size, const char **file,
                            unsigned long *line, unsigned long *col)
{
    const qs_mapping *m = g->map;
    const qs_item *it = &g->inst->items[i];
    *file = m->path;
    *line = *col = 0;
    for (size_t k = 0; k < m->nitems; k++) {
        if (m->items[k].id == it->id) {
            *line = m->items[k].col.line;
            *col = m->items[k].col.column;
            return m->items[k].col.text;
        }
    }
    if (m->item_pattern) {
        const char *at = strstr(m->item_pattern, "{n}");
        snprintf(buf, size, "%.*s%d%s", (int)(at - m->item_pattern), m->item_pattern, it->id,
                 at + 3);
        return buf;
    }
    if (it->column)
        *file = g->inst->path;
    return it->column;
}

/*
 * When most item columns are missing (more than half, and at least QS_ITEMS_SUMMARY_MIN), the
 * mapping does not fit the file at all: one message instead of one per item (issue 17), with
 * the header pattern that would fit when the header is known (never from a row 1 that may be
 * data), else the advice to run `qscore map`. Returns 1 when it said so.
 */
#define QS_ITEMS_SUMMARY_MIN 5
static int items_summary(qs_ingest *g, qs_diag_list *errors)
{
    const qs_instrument *inst = g->inst;
    size_t missing = 0;
    char buf[512], first[160] = "", last[160] = "", pattern[256], hint[1024];
    const char *file = g->map->path;
    for (size_t i = 0; i < inst->nitems; i++) {
        const char *f;
        unsigned long line, col;
        const char *ref = item_ref(g, i, buf, sizeof(buf), &f, &line, &col);
        if (i == 0 && ref)
            snprintf(first, sizeof(first), "%s", ref);
        if (i + 1 == inst->nitems && ref)
            snprintf(last, sizeof(last), "%s", ref);
        if (i == 0)
            file = f;
        /* A scratch list: this only counts; the per-item messages come later, or the one. */
        qs_diag_list scratch;
        qs_diag_list_init(&scratch);
        if (!ref || resolve(g, ref, "item", f, line, col, 0, &scratch) < 0)
            missing++;
        qs_diag_list_release(&scratch);
    }
    if (missing < QS_ITEMS_SUMMARY_MIN || missing * 2 <= inst->nitems)
        return 0;
    int row = 0;
    if (g->header_known &&
        qs_mapdraft__item_pattern(g->row1, g->row2, g->ncols, inst, pattern, sizeof(pattern), &row))
        snprintf(
            hint, sizeof(hint),
            "add item_pattern: \"%.200s\" to the mapping file (it names all %zu items in header "
            "row %d), or run 'qscore map -i %.100s %.300s' to draft a mapping",
            pattern, inst->nitems, row, inst->id, g->name);
    else
        snprintf(hint, sizeof(hint), "run 'qscore map -i %.100s %.300s' to draft a mapping",
                 inst->id, g->name);
    qs_diag_list_add(errors, file, 0, 0, NULL,
                     "%zu of the %zu item columns of '%s' not found in '%s' (looked for '%s' .. "
                     "'%s'): %s",
                     missing, inst->nitems, inst->id, g->name, first, last, hint);
    return 1;
}

/* Items: the mapping's list, else its pattern, else the instrument's default columns. */
static void resolve_items(qs_ingest *g, qs_diag_list *errors)
{
    const qs_mapping *m = g->map;
    const qs_instrument *inst = g->inst;
    const char *mf = m->path;

    for (size_t i = 0; i < m->nitems; i++) {
        if (qs_instrument_item_index(inst, (int)m->items[i].id) < 0)
            qs_diag_list_add(errors, mf, m->items[i].col.line, m->items[i].col.column, NULL,
                             "item %ld is not an item of '%s' (items are 1..%zu)", m->items[i].id,
                             inst->id, inst->nitems);
    }
    if (items_summary(g, errors))
        return;
    for (size_t i = 0; i < inst->nitems; i++) {
        char what[64], pattern[512];
        unsigned long line, col;
        const char *file;
        const char *ref = item_ref(g, i, pattern, sizeof(pattern), &file, &line, &col);
        snprintf(what, sizeof(what), "item %d", inst->items[i].id);
        if (!ref) {
            qs_diag_list_add(errors, mf, 0, 0, NULL,
                             "item %d of '%s' has no column: map it under 'items' or "
                             "'item_pattern' in the mapping file",
                             inst->items[i].id, inst->id);
            continue;
        }
        g->item_col[i] = resolve(g, ref, what, file, line, col, 1, errors);
    }
}

/* Attention checks: the mapping's column, else the instrument's; a mapped id the instrument
 * does not have is an error. */
static void resolve_checks(qs_ingest *g, qs_diag_list *errors)
{
    const qs_mapping *m = g->map;
    const qs_instrument *inst = g->inst;
    const char *mf = m->path;

    for (size_t k = 0; k < inst->validity.nchecks; k++) {
        const qs_attention_check *c = &inst->validity.checks[k];
        const char *ref = c->column;
        const char *file = inst->path;
        unsigned long line = 0, col = 0;
        for (size_t j = 0; j < m->nchecks; j++) {
            if (strcmp(m->checks[j].id, c->id) == 0) {
                ref = m->checks[j].col.text;
                file = mf;
                line = m->checks[j].col.line;
                col = m->checks[j].col.column;
            }
        }
        char what[160];
        snprintf(what, sizeof(what), "attention check '%s'", c->id);
        if (!ref) {
            qs_diag_list_add(errors, mf, 0, 0, NULL,
                             "attention check '%s' of '%s' has no column: map it under "
                             "'attention' in the mapping file",
                             c->id, inst->id);
            continue;
        }
        g->check_col[k] = resolve(g, ref, what, file, line, col, 1, errors);
    }
    for (size_t j = 0; j < m->nchecks; j++) {
        int known = 0;
        for (size_t k = 0; k < inst->validity.nchecks && !known; k++)
            known = strcmp(m->checks[j].id, inst->validity.checks[k].id) == 0;
        if (!known)
            qs_diag_list_add(errors, mf, m->checks[j].col.line, m->checks[j].col.column, NULL,
                             "'%s' is not an attention check of '%s'", m->checks[j].id, inst->id);
    }
}

/* The mapping's labels must mean values on the instrument's scale. */
static void check_labels(qs_ingest *g, qs_diag_list *errors)
{
    const qs_mapping *m = g->map;
    const qs_instrument *inst = g->inst;
    const char *mf = m->path;

    for (size_t j = 0; j < m->nlabels; j++) {
        int v = m->labels[j].value;
        if (v < inst->scale.min || v > inst->scale.max)
            qs_diag_list_add(errors, mf, m->labels[j].line, m->labels[j].column, NULL,
                             "label '%s' means %d, outside the scale %d..%d of '%s'",
                             m->labels[j].text, v, inst->scale.min, inst->scale.max, inst->id);
    }
}

/* Resolve every column the mapping or the instrument names; every problem is appended. */
static qs_error resolve_columns(qs_ingest *g, qs_diag_list *errors)
{
    size_t before = qs_diag_list_total(errors);

    g->col_response = g->col_group = g->col_therapist = g->col_admin = -1;
    g->col_event = g->col_instance = -1;
    g->col_named = calloc(g->ncols ? g->ncols : 1, 1);
    if (!g->col_named)
        return QS_ENOMEM;
    resolve_identity(g, errors);
    resolve_items(g, errors);
    resolve_checks(g, errors);
    check_labels(g, errors);
    return qs_diag_list_total(errors) != before ? QS_EINVALID : QS_OK;
}

static qs_error ingest_setup(qs_ingest *g, const qs_instrument *inst, const qs_mapping *map,
                             qs_profile profile, qs_diag_list *errors)
{
    g->inst = inst;
    g->map = map;
    g->item_col = malloc((inst->nitems ? inst->nitems : 1) * sizeof(long));
    g->check_col = malloc((inst->validity.nchecks ? inst->validity.nchecks : 1) * sizeof(long));
    g->answers = malloc((inst->nitems ? inst->nitems : 1) * sizeof(int));
    g->checks = malloc((inst->validity.nchecks ? inst->validity.nchecks : 1) * sizeof(int));
    g->cov_col = malloc((map->ncovariates ? map->ncovariates : 1) * sizeof(long));
    g->cov_values = calloc(map->ncovariates ? map->ncovariates : 1, sizeof(char *));
    if (!g->item_col || !g->check_col || !g->answers || !g->checks || !g->cov_col || !g->cov_values)
        return QS_ENOMEM;
    for (size_t i = 0; i < inst->nitems; i++)
        g->item_col[i] = -1;
    for (size_t k = 0; k < inst->validity.nchecks; k++)
        g->check_col[k] = -1;
    qs_error rc = read_header(g, profile, errors);
    if (rc)
        return rc;
    return resolve_columns(g, errors);
}

static qs_ingest *ingest_alloc(const char *display)
{
    qs_ingest *g = calloc(1, sizeof(*g));
    if (g)
        snprintf(g->name, sizeof(g->name), "%s", display);
    return g;
}

/* Open from the file `path` (path != NULL) or from `data`/`len`, then read the header. */
static qs_error ingest_open(qs_ingest **out, const char *path, const void *data, size_t len,
                            const char *display, const qs_instrument *inst, const qs_mapping *map,
                            qs_profile profile, qs_diag_list *errors)
{
    qs_diag d;
    *out = NULL;
    qs_ingest *g = ingest_alloc(display);
    if (!g)
        return QS_ENOMEM;
    qs_diag_clear(&d);
    g->data = data;
    g->len = len;
    if (path) {
        size_t n = strlen(path);
        g->path = malloc(n + 1);
        if (!g->path) {
            qs_ingest_free(g);
            return QS_ENOMEM;
        }
        memcpy(g->path, path, n + 1);
    }
    qs_reader_opts ro = {0};
    ro.pin_encoding = map->pin_encoding;
    ro.encoding = map->encoding;
    qs_error rc = path ? qs_reader_open(&g->reader, path, display, &ro, &d)
                       : qs_reader_open_mem(&g->reader, data, len, display, &ro, &d);
    if (rc)
        qs_diag_list_push(errors, &d);
    else
        rc = ingest_setup(g, inst, map, profile, errors);
    if (rc) {
        qs_ingest_free(g);
        return rc;
    }
    *out = g;
    return QS_OK;
}

qs_error qs_ingest_open(qs_ingest **out, const char *path, const char *display,
                        const qs_instrument *inst, const qs_mapping *map, qs_profile profile,
                        qs_diag_list *errors)
{
    return ingest_open(out, path, NULL, 0, display ? display : path, inst, map, profile, errors);
}

qs_error qs_ingest_open_mem(qs_ingest **out, const void *data, size_t len, const char *display,
                            const qs_instrument *inst, const qs_mapping *map, qs_profile profile,
                            qs_diag_list *errors)
{
    return ingest_open(out, NULL, data, len, display, inst, map, profile, errors);
}

void qs_ingest_free(qs_ingest *g)
{
    if (!g)
        return;
    qs_reader_free(g->reader);
    free_row(g->row1, g->ncols);
    free_row(g->row2, g->ncols);
    free(g->item_col);
    free(g->check_col);
    free(g->cov_col);
    free(g->cov_values);
    free(g->answers);
    free(g->checks);
    free(g->scratch);
    free(g->ids.keys);
    free(g->ids.lines);
    free(g->path);
    free(g->col_named);
    free(g);
}

/* ---- dates ------------------------------------------------------------------------------- */

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

static int read_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9')
            return 0;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 1;
}

static int valid_ymdhms(int y, int mo, int d, int h, int mi, int s)
{
    return y >= 1900 && y <= 2200 && mo >= 1 && mo <= 12 && d >= 1 && d <= days_in_month(y, mo) &&
           h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 60;
}

static int has_time_directive(const char *fmt)
{
    for (const char *p = fmt; *p; p++) {
        if (*p == '%' && p[1]) {
            p++;
            if (strchr("HIMSTRrkl", *p))
                return 1;
        }
    }
    return 0;
}

int qs_parse_date(const char *text, const char *format, char *out, size_t size)
{
    const char *t;
    size_t n = qs_text__trim(text, strlen(text), &t);
    char buf[128];
    if (n == 0 || n >= sizeof(buf))
        return 0;
    memcpy(buf, t, n);
    buf[n] = '\0';
    int y, mo, d, h = 0, mi = 0, s = 0, timed = 0;
    char zone[32] = "";
    if (format) {
        struct tm tm;
        memset(&tm, 0, sizeof(tm));
        tm.tm_mday = 1;
        const char *end = strptime(buf, format, &tm);
        if (!end)
            return 0;
        while (*end == ' ')
            end++;
        if (*end)
            return 0;
        y = tm.tm_year + 1900;
        mo = tm.tm_mon + 1;
        d = tm.tm_mday;
        timed = has_time_directive(format);
        if (timed) {
            h = tm.tm_hour;
            mi = tm.tm_min;
            s = tm.tm_sec;
        }
    } else {
        const char *p = buf;
        if (!read_digits(&p, 4, &y) || *p++ != '-' || !read_digits(&p, 2, &mo) || *p++ != '-' ||
            !read_digits(&p, 2, &d))
            return 0;
        if (*p == 'T' || *p == ' ') {
            p++;
            timed = 1;
            if (!read_digits(&p, 2, &h) || *p++ != ':' || !read_digits(&p, 2, &mi))
                return 0;
            if (*p == ':') {
                p++;
                if (!read_digits(&p, 2, &s))
                    return 0;
                if (*p == '.' || *p == ',') {
                    p++;
                    if (*p < '0' || *p > '9')
                        return 0;
                    while (*p >= '0' && *p <= '9')
                        p++; /* fractions of a second are dropped */
                }
            }
            if (*p == 'Z') {
                snprintf(zone, sizeof(zone), "Z");
                p++;
            } else if (*p == '+' || *p == '-') {
                char sign = *p++;
                int zh, zm = 0;
                if (!read_digits(&p, 2, &zh))
                    return 0;
                if (*p == ':')
                    p++;
                if (*p && !read_digits(&p, 2, &zm))
                    return 0;
                if (zh > 23 || zm > 59)
                    return 0;
                snprintf(zone, sizeof(zone), "%c%02d:%02d", sign, zh, zm);
            }
        }
        if (*p)
            return 0;
    }
    if (!valid_ymdhms(y, mo, d, h, mi, s))
        return 0;
    if (timed)
        snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d%s", y, mo, d, h, mi, s, zone);
    else
        snprintf(out, size, "%04d-%02d-%02d", y, mo, d);
    return 1;
}

/* ---- the id set -------------------------------------------------------------------------- */

/*
 * The id set has a fixed budget (IDSET_SLOTS slots, 12 bytes each, touched only as used), so
 * memory stays bounded whatever the row count: past IDSET_MAX ids, further ids of the input are
 * counted as unchecked and the caller says so; they are never silently treated as unique.
 */
#define IDSET_SLOTS (1u << 21)
#define IDSET_MAX   (IDSET_SLOTS / 20 * 17) /* load factor 0.85 */

/* Insert a key's hash; returns 0 when new, the earlier line when already present, -1 on OOM,
 * -2 when the budget is spent (not checked). */
static long idset_add(struct idset *s, uint64_t h, unsigned long line)
{
    if (!s->keys) {
        uint64_t *keys = calloc(IDSET_SLOTS, sizeof(*keys));
        uint32_t *lines = malloc(IDSET_SLOTS * sizeof(*lines));
        if (!keys || !lines) {
            /* Both or neither: a set with keys but no lines (and no capacity) must never be
             * used by a later call. */
            free(keys);
            free(lines);
            return -1;
        }
        s->keys = keys;
        s->lines = lines;
        s->cap = IDSET_SLOTS;
    }
    size_t j = (size_t)h & (s->cap - 1);
    while (s->keys[j]) {
        if (s->keys[j] == h)
            return (long)s->lines[j];
        j = (j + 1) & (s->cap - 1);
    }
    if (s->count >= IDSET_MAX)
        return -2;
    s->keys[j] = h;
    s->lines[j] = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
    s->count++;
    return 0;
}

/* ---- rows -------------------------------------------------------------------------------- */

/* A trimmed copy of a field in the per-row scratch buffer (valid until the next row). */
static const char *scratch_copy(qs_ingest *g, const char *s, size_t n)
{
    if (g->scratch_used + n + 1 > g->scratch_cap) {
        /* Grow for the next row; this row's earlier copies must stay valid, so only grow when
         * empty (the caller sizes the buffer before the first copy of a row). */
        return NULL;
    }
    char *d = g->scratch + g->scratch_used;
    memcpy(d, s, n);
    d[n] = '\0';
    g->scratch_used += n + 1;
    return d;
}

static int reserve_scratch(qs_ingest *g, const qs_record *r)
{
    size_t need = 64;
    long cols[] = {g->col_response,  g->col_client, g->col_group,
                   g->col_therapist, g->col_event,  g->col_instance};
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
        if (cols[i] >= 0 && (size_t)cols[i] < r->nfields)
            need += r->lens[cols[i]] + 2;
    for (size_t i = 0; i < g->map->ncovariates; i++)
        if (g->cov_col[i] >= 0 && (size_t)g->cov_col[i] < r->nfields)
            need += r->lens[g->cov_col[i]] + 2;
    g->scratch_used = 0;
    if (need <= g->scratch_cap)
        return 1;
    char *s = realloc(g->scratch, need);
    if (!s)
        return 0;
    g->scratch = s;
    g->scratch_cap = need;
    return 1;
}

static const char *field_trimmed(qs_ingest *g, const qs_record *r, long col, size_t *len)
{
    const char *t;
    (void)g;
    *len = qs_text__trim(r->fields[col], r->lens[col], &t);
    return t;
}

static const char *header_of(const qs_ingest *g, long col)
{
    return col >= 0 && (size_t)col < g->ncols ? g->row1[col] : "";
}

/* Is a (trimmed, non-blank) cell one of the mapping's missing spellings? */
static int is_missing(const qs_ingest *g, const char *s, size_t n)
{
    const qs_mapping *m = g->map;
    if (m->nmissing == 0)
        return 0;
    char folded[QS_PROBLEM_VALUE_MAX];
    size_t fl = qs_text__fold(s, n, folded, sizeof(folded));
    if (fl >= sizeof(folded))
        return 0;
    for (size_t k = 0; k < m->nmissing; k++)
        if (strcmp(m->missing[k], folded) == 0)
            return 1;
    return 0;
}

/* Parse one answer cell into *value (QS_MISSING when blank or a missing spelling). On failure
 * returns 0 with *kind and `why` (which never holds the value) set. */
static int parse_cell(qs_ingest *g, const char *s, size_t n, int *value, qs_problem_kind *kind,
                      char *why, size_t wsize)
{
    const qs_instrument *inst = g->inst;
    const qs_mapping *m = g->map;
    if (n == 0) {
        *value = QS_MISSING;
        return 1;
    }
    /* The common case: one digit within the scale, not listed as missing. */
    if (n == 1 && s[0] >= '0' && s[0] <= '9' && m->nmissing == 0) {
        int v = s[0] - '0';
        if (v >= inst->scale.min && v <= inst->scale.max) {
            *value = v;
            return 1;
        }
    }
    if (is_missing(g, s, n)) {
        *value = QS_MISSING;
        return 1;
    }
    if (qs_instrument_parse_answer(inst, s, n, value))
        return 1;
    char folded[QS_PROBLEM_VALUE_MAX];
    size_t fl = qs_text__fold(s, n, folded, sizeof(folded));
    if (fl < sizeof(folded)) {
        for (size_t k = 0; k < m->nlabels; k++) {
            if (strcmp(m->labels[k].folded, folded) == 0) {
                *value = m->labels[k].value;
                return 1;
            }
        }
    }
    /* Say whether it was a number outside the scale or an unknown text. */
    char *end;
    char num[64];
    if (n < sizeof(num)) {
        memcpy(num, s, n);
        num[n] = '\0';
        errno = 0;
        double d = strtod(num, &end);
        if (end != num && *end == '\0' && errno == 0) {
            *kind = QS_PROBLEM_SCALE;
            if (d > -1e15 && d < 1e15 && d == (double)(long long)d)
                snprintf(why, wsize, "answer is outside the scale %d..%d", inst->scale.min,
                         inst->scale.max);
            else
                snprintf(why, wsize, "answer is not a whole number on the scale %d..%d",
                         inst->scale.min, inst->scale.max);
            return 0;
        }
    }
    *kind = QS_PROBLEM_LABEL;
    snprintf(why, wsize,
             "not an answer on the scale %d..%d, a known label or a listed missing spelling",
             inst->scale.min, inst->scale.max);
    return 0;
}

/*
 * The response id of a record, trimmed, into buf (its length; 0 when blank or absent). REDCap
 * appends the event and the repeat instance when those columns exist and are not blank:
 * "7/week_4_arm_1/2". Fields beyond the record's end count as blank.
 */
static size_t response_id(qs_ingest *g, const qs_record *r, char *buf, size_t size)
{
    size_t len = 0, el = 0, il = 0;
    const char *s = "", *ev = "", *in = "";
    if (g->col_response >= 0 && (size_t)g->col_response < r->nfields)
        s = field_trimmed(g, r, g->col_response, &len);
    if (len == 0)
        return 0;
    if (g->col_event >= 0 && (size_t)g->col_event < r->nfields)
        ev = field_trimmed(g, r, g->col_event, &el);
    if (g->col_instance >= 0 && (size_t)g->col_instance < r->nfields)
        in = field_trimmed(g, r, g->col_instance, &il);
    int w = snprintf(buf, size, "%.*s%s%.*s%s%.*s", (int)len, s, el ? "/" : "", (int)el, ev,
                     il ? "/" : "", (int)il, in);
    return w < 0 ? 0 : ((size_t)w < size ? (size_t)w : size - 1);
}

/*
 * Dates without date_format. A date cell is read as ISO 8601 first (qs_parse_date), then as a
 * "shape": three numbers joined by one separator ('/', '.' or '-'), an optional time H:MM[:SS]
 * and an optional AM/PM. Only slash dates with a four-digit year are read without help; every
 * other shape becomes a row problem whose reason names the form (never the digits) and, when it
 * can be derived, the date_format line that reads it.
 */
struct shape {
    int n[3], len[3];
    char sep;
    int timed, secs, ampm; /* ampm: 0 none, 1 AM, 2 PM */
    int tsep;              /* the time follows a 'T' (ISO 8601), not a space */
    int h, mi, s, hlen;
    const char *rest; /* what follows the recognised part ("" when all of it was read) */
};

static int read_number(const char **p, int maxlen, int *value, int *len)
{
    int v = 0, n = 0;
    while (**p >= '0' && **p <= '9' && n < maxlen) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    if (n == 0 || (**p >= '0' && **p <= '9'))
        return 0;
    *value = v;
    *len = n;
    return 1;
}

/* Recognise a date shape at the start of `p` (NUL-terminated, trimmed). Returns 1 when three
 * numbers and two equal separators were found; sh->rest says what was left unread. */
static int scan_shape(const char *p, struct shape *sh)
{
    memset(sh, 0, sizeof(*sh));
    for (int k = 0; k < 3; k++) {
        if (!read_number(&p, 4, &sh->n[k], &sh->len[k]))
            return 0;
        if (k < 2) {
            if (*p != '/' && *p != '.' && *p != '-')
                return 0;
            if (k == 0)
                sh->sep = *p;
            else if (*p != sh->sep)
                return 0;
            p++;
        }
    }
    sh->rest = p;
    const char *q = p;
    if (*q == 'T' && sh->len[0] == 4) {
        q++; /* ISO 8601: YYYY-MM-DDTHH:MM */
        sh->tsep = 1;
    } else {
        while (*q == ' ')
            q++;
    }
    int len;
    if (q != p && read_number(&q, 2, &sh->h, &sh->hlen) && *q == ':') {
        q++;
        if (!read_number(&q, 2, &sh->mi, &len) || len != 2) {
            sh->tsep = 0;
            return 1;
        }
        sh->timed = 1;
        if (*q == ':') {
            const char *r = q + 1;
            if (read_number(&r, 2, &sh->s, &len) && len == 2) {
                sh->secs = 1;
                q = r;
            }
        }
        sh->rest = q;
        const char *r = q;
        if (*r == ' ')
            r++;
        if ((r[0] == 'A' || r[0] == 'a' || r[0] == 'P' || r[0] == 'p') &&
            (r[1] == 'M' || r[1] == 'm') &&
            !((r[2] >= 'A' && r[2] <= 'Z') || (r[2] >= 'a' && r[2] <= 'z'))) {
            sh->ampm = (r[0] == 'A' || r[0] == 'a') ? 1 : 2;
            sh->rest = r + 2;
        }
    }
    return 1;
}

/* A slash date qscore reads without date_format: A/B/Y with A and B of 1-2 digits, the whole
 * text read. `year_digits` is 4 (readable) or 2 (a two-digit year: never guessed). */
static int is_slash_date(const struct shape *sh, int year_digits)
{
    return sh->sep == '/' && sh->len[0] <= 2 && sh->len[1] <= 2 && sh->len[2] == year_digits &&
           sh->rest[0] == '\0';
}

/* The 24-hour clock of a shape's time; 0 when it is not a valid time. */
static int shape_hour(const struct shape *sh, int *hour)
{
    int h = sh->h;
    if (sh->ampm) {
        if (h < 1 || h > 12)
            return 0;
        h = h % 12 + (sh->ampm == 2 ? 12 : 0);
    }
    *hour = h;
    return 1;
}

static int slash_to_iso(const struct shape *sh, qs_date_order order, char *out, size_t size)
{
    int h = 0;
    if (order == QS_DATE_ORDER_UNKNOWN || !is_slash_date(sh, 4))
        return 0;
    int mo = order == QS_DATE_MONTH_FIRST ? sh->n[0] : sh->n[1];
    int d = order == QS_DATE_MONTH_FIRST ? sh->n[1] : sh->n[0];
    if (sh->timed && !shape_hour(sh, &h))
        return 0;
    if (!valid_ymdhms(sh->n[2], mo, d, h, sh->mi, sh->s))
        return 0;
    if (sh->timed)
        snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d", sh->n[2], mo, d, h, sh->mi, sh->s);
    else
        snprintf(out, size, "%04d-%02d-%02d", sh->n[2], mo, d);
    return 1;
}

/* Trimmed NUL-terminated copy of a date text into buf; 0 when empty or too long. */
static int date_text(const char *text, size_t len, char *buf, size_t size)
{
    const char *t;
    size_t n = qs_text__trim(text, len, &t);
    if (n == 0 || n >= size)
        return 0;
    memcpy(buf, t, n);
    buf[n] = '\0';
    return 1;
}

int qs_parse_slash_date(const char *text, qs_date_order order, char *out, size_t size)
{
    char buf[128];
    struct shape sh;
    if (!date_text(text, strlen(text), buf, sizeof(buf)) || !scan_shape(buf, &sh))
        return 0;
    return slash_to_iso(&sh, order, out, size);
}

/* Which order a slash date proves by itself: a first number over 12 (and a second of 12 or
 * less) is a day, a second number over 12 (and a first of 12 or less) is a day. */
static qs_date_order shape_evidence(const struct shape *sh)
{
    if (sh->n[0] > 12 && sh->n[0] <= 31 && sh->n[1] >= 1 && sh->n[1] <= 12)
        return QS_DATE_DAY_FIRST;
    if (sh->n[1] > 12 && sh->n[1] <= 31 && sh->n[0] >= 1 && sh->n[0] <= 12)
        return QS_DATE_MONTH_FIRST;
    return QS_DATE_ORDER_UNKNOWN;
}

struct sbuf {
    char *p;
    size_t size, used;
};

static void sb_put(struct sbuf *b, const char *s)
{
    while (*s && b->used + 1 < b->size)
        b->p[b->used++] = *s++;
    b->p[b->used] = '\0';
}

static void sb_rep(struct sbuf *b, char c, int n)
{
    char one[2] = {c, '\0'};
    for (int i = 0; i < n; i++)
        sb_put(b, one);
}

/* Every digit as N, every letter as a (one per character), the rest as it is. */
static void sb_masked(struct sbuf *b, const char *s, size_t max)
{
    size_t shown = 0;
    for (; *s && shown < max; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c & 0xC0) == 0x80)
            continue; /* a UTF-8 continuation byte: its character was shown already */
        shown++;
        if (c >= '0' && c <= '9')
            sb_put(b, "N");
        else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c >= 0x80)
            sb_put(b, "a");
        else {
            char one[2] = {(char)c, '\0'};
            sb_put(b, one);
        }
    }
    if (*s)
        sb_put(b, "...");
}

/* Roles of a shape's three numbers: 'Y', 'M', 'D' or 'N' (unknown). */
static void shape_roles(const struct shape *sh, qs_date_order order, char roles[3])
{
    roles[0] = roles[1] = roles[2] = 'N';
    if (sh->len[0] == 4) {
        roles[0] = 'Y';
        roles[1] = 'M';
        roles[2] = 'D';
    } else if (sh->len[0] <= 2 && sh->len[1] <= 2 && (sh->len[2] == 4 || sh->len[2] == 2)) {
        roles[2] = 'Y';
        if (order == QS_DATE_MONTH_FIRST) {
            roles[0] = 'M';
            roles[1] = 'D';
        } else if (order == QS_DATE_DAY_FIRST) {
            roles[0] = 'D';
            roles[1] = 'M';
        }
    }
}

void qs_date_form(const char *text, qs_date_order order, char *out, size_t size)
{
    char buf[128];
    struct shape sh;
    struct sbuf b = {out, size, 0};
    if (size == 0)
        return;
    out[0] = '\0';
    size_t n = strlen(text);
    if (n >= sizeof(buf))
        n = sizeof(buf) - 1;
    memcpy(buf, text, n);
    buf[n] = '\0';
    const char *t;
    n = qs_text__trim(buf, n, &t);
    memmove(buf, t, n);
    buf[n] = '\0';
    if (!scan_shape(buf, &sh)) {
        sb_masked(&b, buf, 40);
        return;
    }
    char roles[3];
    shape_roles(&sh, order, roles);
    for (int k = 0; k < 3; k++) {
        char sep[2] = {sh.sep, '\0'};
        sb_rep(&b, roles[k], sh.len[k]);
        if (k < 2)
            sb_put(&b, sep);
    }
    if (sh.timed) {
        sb_put(&b, sh.tsep ? "T" : " ");
        sb_rep(&b, 'H', sh.hlen);
        sb_put(&b, sh.secs ? ":MM:SS" : ":MM");
        if (sh.ampm)
            sb_put(&b, " AM|PM");
    }
    sb_masked(&b, sh.rest, 20);
}

/*
 * The strptime format that reads a date of this shape with this order, into fmt; 0 when none can
 * be derived (an unknown order of a day and a month, or text left over that is not a date).
 */
static int shape_format(const struct shape *sh, qs_date_order order, char *fmt, size_t size)
{
    char roles[3];
    struct sbuf b = {fmt, size, 0};
    fmt[0] = '\0';
    shape_roles(sh, order, roles);
    if (sh->rest[0] != '\0')
        return 0;
    for (int k = 0; k < 3; k++) {
        char sep[2] = {sh->sep, '\0'};
        switch (roles[k]) {
        case 'Y':
            sb_put(&b, sh->len[k] == 4 ? "%Y" : "%y");
            break;
        case 'M':
            sb_put(&b, "%m");
            break;
        case 'D':
            sb_put(&b, "%d");
            break;
        default:
            return 0;
        }
        if (k < 2)
            sb_put(&b, sep);
    }
    if (sh->timed) {
        sb_put(&b, sh->tsep ? "T" : " ");
        sb_put(&b, sh->ampm ? "%I:%M" : "%H:%M");
        if (sh->secs)
            sb_put(&b, ":%S");
        if (sh->ampm)
            sb_put(&b, " %p");
    }
    return 1;
}

/*
 * The fix for dates of this form, as a sentence fragment: `date_format: "..."` (both orders when
 * the values do not tell them), or a general hint when no format can be derived.
 */
static void date_format_hint(const struct shape *sh, int have_shape, qs_date_order order, char *out,
                             size_t size)
{
    char f1[64], f2[64];
    if (have_shape && shape_format(sh, order, f1, sizeof(f1))) {
        snprintf(out, size, "add date_format: \"%s\" to the mapping file", f1);
        return;
    }
    if (have_shape && order == QS_DATE_ORDER_UNKNOWN &&
        shape_format(sh, QS_DATE_DAY_FIRST, f1, sizeof(f1)) &&
        shape_format(sh, QS_DATE_MONTH_FIRST, f2, sizeof(f2))) {
        snprintf(out, size,
                 "add date_format: \"%s\" to the mapping file if the day comes first, or "
                 "date_format: \"%s\" if the month does",
                 f1, f2);
        return;
    }
    snprintf(out, size,
             "add a date_format (a strptime format, e.g. \"%%d.%%m.%%Y %%H:%%M\") "
             "that reads this form to the mapping file");
}

int qs_ingest_has_response_id(const qs_ingest *g)
{
    return g->col_response >= 0;
}

/* ---- rows -------------------------------------------------------------------------------- */

/* The name of a column for messages on stderr: its header when row 1 is known to be a header or
 * the mapping named the column by it; otherwise "#N" (row 1 may be a client's data). */
static void safe_column(const qs_ingest *g, const char *header, char *out, size_t size)
{
    for (size_t c = 0; c < g->ncols; c++) {
        if (strcmp(g->row1[c], header) != 0)
            continue;
        if (g->header_known || (g->col_named && g->col_named[c]))
            snprintf(out, size, "%s", header);
        else
            snprintf(out, size, "#%zu", c + 1);
        return;
    }
    snprintf(out, size, "%s", header);
}

/*
 * The day/month order of the file's slash dates, decided from the whole date column by a second
 * reader over the same bytes (header rows skipped as the first reader did). A first number over
 * 12 on any row means day-first, a second number over 12 month-first; both in one file, or
 * neither, refuses the file (QS_EINVALID, diag naming the file, the column and the fix).
 */
/* Whether column c of the record holds bytes invalid in the file's encoding. */
static int col_bad(const qs_record *r, long c)
{
    return c >= 0 && (size_t)c < r->nfields && r->field_bad[c];
}

/* Whether bad bytes fall in a column the mapping reads (ids, people, date, items, checks,
 * covariates); bytes in any other column (comments, names the store never reads) are ignored. */
static int mapped_bad(const qs_ingest *g, const qs_record *r)
{
    if (!r->field_bad)
        return 1;
    long cols[] = {g->col_response, g->col_client, g->col_group,   g->col_therapist,
                   g->col_admin,    g->col_event,  g->col_instance};
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
        if (col_bad(r, cols[i]))
            return 1;
    for (size_t i = 0; i < g->inst->nitems; i++)
        if (col_bad(r, g->item_col[i]))
            return 1;
    for (size_t k = 0; k < g->inst->validity.nchecks; k++)
        if (col_bad(r, g->check_col[k]))
            return 1;
    for (size_t i = 0; i < g->map->ncovariates; i++)
        if (col_bad(r, g->cov_col[i]))
            return 1;
    return 0;
}

static qs_error decide_date_order(qs_ingest *g, qs_diag *diag)
{
    char col[160], hint[400];
    safe_column(g, header_of(g, g->col_admin), col, sizeof(col));
    if (g->path && strcmp(g->path, "-") == 0) {
        qs_diag_set(diag, g->name, 0, 0, NULL,
                    "column '%s' holds slash dates, whose day/month order is decided from the "
                    "whole file, and standard input cannot be read twice: set date_format in the "
                    "mapping file (e.g. date_format: \"%%d/%%m/%%Y %%H:%%M:%%S\" or \"%%m/%%d/%%Y "
                    "%%H:%%M:%%S\"), or give the file's path",
                    col);
        return QS_EINVALID;
    }
    qs_reader *r = NULL;
    qs_diag d;
    qs_diag_clear(&d);
    qs_reader_opts ro = {0};
    ro.pin_encoding = g->map->pin_encoding;
    ro.encoding = g->map->encoding;
    qs_error rc = g->path ? qs_reader_open(&r, g->path, g->name, &ro, &d)
                          : qs_reader_open_mem(&r, g->data, g->len, g->name, &ro, &d);
    if (rc) {
        *diag = d;
        return rc;
    }
    int skip = g->header_rows;
    unsigned long day_line = 0, month_line = 0;
    struct shape first, day_shape, month_shape;
    int seen = 0;
    for (;;) {
        qs_record rec;
        rc = qs_reader_next(r, &rec, &d);
        if (rc == QS_EEOF) {
            rc = QS_OK;
            break;
        }
        if (rc == QS_EDATA)
            continue; /* header rows are never such records (header_record refuses them) */
        if (rc) {
            *diag = d;
            goto done;
        }
        if (skip > 0) {
            skip--;
            continue;
        }
        if (rec.nfields != g->ncols || (rec.bad_encoding && mapped_bad(g, &rec)))
            continue;
        char buf[128];
        struct shape sh;
        const char *f = rec.fields[g->col_admin];
        if (!date_text(f, rec.lens[g->col_admin], buf, sizeof(buf)) || !scan_shape(buf, &sh) ||
            !is_slash_date(&sh, 4))
            continue;
        if (!seen) {
            first = sh;
            first.rest = "";
            seen = 1;
        }
        qs_date_order e = shape_evidence(&sh);
        if (e == QS_DATE_DAY_FIRST && !day_line) {
            day_line = rec.line;
            day_shape = sh;
            day_shape.rest = "";
        } else if (e == QS_DATE_MONTH_FIRST && !month_line) {
            month_line = rec.line;
            month_shape = sh;
            month_shape.rest = "";
        }
        if (day_line && month_line)
            break;
    }
    if (day_line && month_line) {
        char f1[64], f2[64];
        shape_format(&day_shape, QS_DATE_DAY_FIRST, f1, sizeof(f1));
        shape_format(&month_shape, QS_DATE_MONTH_FIRST, f2, sizeof(f2));
        qs_diag_set(diag, g->name, 0, 0, NULL,
                    "column '%s' mixes day-first and month-first slash dates (line %lu has a "
                    "first number over 12, line %lu a second number over 12), so no order reads "
                    "them all: correct the export, or set date_format in the mapping file if one "
                    "of the forms is wanted (date_format: \"%s\" or \"%s\")",
                    col, day_line, month_line, f1, f2);
        rc = QS_EINVALID;
    } else if (day_line) {
        g->date_order = QS_DATE_DAY_FIRST;
    } else if (month_line) {
        g->date_order = QS_DATE_MONTH_FIRST;
    } else if (seen) {
        date_format_hint(&first, 1, QS_DATE_ORDER_UNKNOWN, hint, sizeof(hint));
        qs_diag_set(diag, g->name, 0, 0, NULL,
                    "column '%s': no slash date in the file shows whether the day or the month "
                    "comes first (no first or second number is over 12): %s",
                    col, hint);
        rc = QS_EINVALID;
    }
done:
    qs_reader_free(r);
    return rc;
}

/* Does the record answer (or attempt) any item? Blank cells and missing spellings do not. */
static int answers_something(const qs_ingest *g, const qs_record *r)
{
    for (size_t i = 0; i < g->inst->nitems; i++) {
        long c = g->item_col[i];
        const char *t;
        size_t n = qs_text__trim(r->fields[c], r->lens[c], &t);
        if (n && !is_missing(g, t, n))
            return 1;
    }
    return 0;
}

/* Digits where qs_parse_date's grammar has them: n digits at *p (advanced past them). */
static int skip_digits(const char **p, int n)
{
    for (int i = 0; i < n; i++)
        if ((*p)[i] < '0' || (*p)[i] > '9')
            return 0;
    *p += n;
    return 1;
}

/*
 * 1 when `text` has the form qs_parse_date reads without a format (YYYY-MM-DD, optional
 * [T ]HH:MM[:SS[.fff]], optional Z or +HH[:MM]), whatever its numbers: a text of that form
 * that does not parse is not a real date or time; any other is a form qscore does not read.
 */
static int iso_shaped(const char *t)
{
    const char *p = t;
    if (!skip_digits(&p, 4) || *p++ != '-' || !skip_digits(&p, 2) || *p++ != '-' ||
        !skip_digits(&p, 2))
        return 0;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (!skip_digits(&p, 2) || *p++ != ':' || !skip_digits(&p, 2))
            return 0;
        if (*p == ':') {
            p++;
            if (!skip_digits(&p, 2))
                return 0;
            if (*p == '.' || *p == ',') {
                p++;
                if (!skip_digits(&p, 1))
                    return 0;
                while (*p >= '0' && *p <= '9')
                    p++;
            }
        }
        if (*p == 'Z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            p++;
            if (!skip_digits(&p, 2))
                return 0;
            if (*p == ':')
                p++;
            if (*p && !skip_digits(&p, 2))
                return 0;
        }
    }
    return *p == '\0';
}

/* Read the administered cell (trimmed, non-blank) into g->date, or add the row's problem.
 * Returns QS_EINVALID (diag set) when the file's slash dates cannot be decided. */
static qs_error read_date(qs_ingest *g, const char *s, size_t len, qs_row_problems *probs,
                          qs_diag *diag)
{
    const char *column = header_of(g, g->col_admin);
    char text[128], form[64];
    struct shape sh;
    int ok = len < sizeof(text);
    if (ok) {
        memcpy(text, s, len);
        text[len] = '\0';
    }
    if (g->map->date_format) {
        if (!ok || !qs_parse_date(text, g->map->date_format, g->date, sizeof(g->date)))
            add_problem(probs, QS_PROBLEM_DATE, column, s, len,
                        "date does not match date_format '%s'", g->map->date_format);
        return QS_OK;
    }
    if (ok && qs_parse_date(text, NULL, g->date, sizeof(g->date)))
        return QS_OK;
    if (!ok || !scan_shape(text, &sh)) {
        add_problem(probs, QS_PROBLEM_DATE, column, s, len,
                    "not a date read without date_format (YYYY-MM-DD[ HH:MM[:SS]], or "
                    "M/D/YYYY or D/M/YYYY[ H:MM[:SS][ AM|PM]]): set date_format in the mapping "
                    "file");
        return QS_OK;
    }
    if (is_slash_date(&sh, 4)) {
        if (g->date_order == QS_DATE_ORDER_UNKNOWN) {
            qs_error rc = decide_date_order(g, diag);
            if (rc)
                return rc;
        }
        if (slash_to_iso(&sh, g->date_order, g->date, sizeof(g->date)))
            return QS_OK;
        qs_date_form(text, g->date_order, form, sizeof(form));
        add_problem(probs, QS_PROBLEM_DATE, column, s, len,
                    "not a real calendar date or time (form %s)", form);
        return QS_OK;
    }
    qs_date_form(text, g->date_order, form, sizeof(form));
    if (iso_shaped(text))
        add_problem(probs, QS_PROBLEM_DATE, column, s, len,
                    "not a real calendar date or time (form %s)", form);
    else if (is_slash_date(&sh, 2))
        add_problem(probs, QS_PROBLEM_DATE, column, s, len,
                    "two-digit year (form %s): the century is never guessed: set date_format in "
                    "the mapping file, e.g. date_format: \"%%m/%%d/%%y\"",
                    form);
    else
        add_problem(probs, QS_PROBLEM_DATE, column, s, len,
                    "a date of the form %s is not read without date_format: set date_format in "
                    "the mapping file",
                    form);
    return QS_OK;
}

/*
 * The record as a whole: bad bytes in a mapped column or a wrong field count make it one
 * problem (QS_EDATA) and nothing else in it is trusted; the response id is still copied for a
 * wrong field count, to help find the row. QS_OK when its cells can be read one by one.
 */
static qs_error check_record(qs_ingest *g, const qs_record *r, qs_row_problems *probs)
{
    if (r->bad_encoding && mapped_bad(g, r)) {
        qs_encoding enc = qs_reader_encoding(g->reader);
        add_problem(probs, QS_PROBLEM_ENCODING, NULL, NULL, 0,
                    "bytes are not valid %s text (not copied here)",
                    enc == QS_ENC_CP1252                               ? "Windows-1252"
                    : (enc == QS_ENC_UTF16LE || enc == QS_ENC_UTF16BE) ? "UTF-16"
                                                                       : "UTF-8");
        return QS_EDATA;
    }
    if (r->nfields != g->ncols) {
        add_problem(probs, QS_PROBLEM_ROW, NULL, NULL, 0,
                    "row has %zu fields but the header has %zu", r->nfields, g->ncols);
        /* The id still helps find the row when its columns are there. */
        char id[512];
        size_t len = response_id(g, r, id, sizeof(id));
        copy_value(probs->response_id, sizeof(probs->response_id), id, len);
        return QS_EDATA;
    }
    return QS_OK;
}

/* Response id: the mapped or profile column (REDCap adds event and instance), else the line
 * number. Sets adm->response_id (NULL when blank), id_is_line and line, and the id the
 * quarantine shows; returns 1 when the id column is blank (a problem only if the row is
 * administered). */
static int read_response_id(qs_ingest *g, const qs_record *r, qs_admin *adm, qs_row_problems *probs)
{
    int blank_id = 0;
    adm->response_id = NULL;
    adm->id_is_line = g->col_response < 0;
    if (g->col_response >= 0) {
        char id[512];
        size_t len = response_id(g, r, id, sizeof(id));
        if (len == 0)
            blank_id = 1;
        else
            adm->response_id = scratch_copy(g, id, len);
    } else {
        snprintf(g->line_id, sizeof(g->line_id), "%lu", r->line);
        adm->response_id = g->line_id;
    }
    if (adm->response_id)
        copy_value(probs->response_id, sizeof(probs->response_id), adm->response_id,
                   strlen(adm->response_id));
    adm->line = r->line;
    return blank_id;
}

/* Client id (blank is a problem), group, therapist and covariates: trimmed copies. */
static void read_people(qs_ingest *g, const qs_record *r, qs_admin *adm, qs_row_problems *probs)
{
    size_t len;
    const char *s = field_trimmed(g, r, g->col_client, &len);
    adm->client_id = scratch_copy(g, s, len);
    if (len == 0)
        add_problem(probs, QS_PROBLEM_CLIENT_ID, header_of(g, g->col_client), "", 0,
                    "blank client id");
    adm->group = NULL;
    if (g->col_group >= 0) {
        s = field_trimmed(g, r, g->col_group, &len);
        adm->group = scratch_copy(g, s, len);
    }
    adm->therapist = NULL;
    if (g->col_therapist >= 0) {
        s = field_trimmed(g, r, g->col_therapist, &len);
        adm->therapist = scratch_copy(g, s, len);
    }
    for (size_t i = 0; i < g->map->ncovariates; i++) {
        g->cov_values[i] = NULL;
        if (g->cov_col[i] >= 0) {
            s = field_trimmed(g, r, g->cov_col[i], &len);
            g->cov_values[i] = len ? scratch_copy(g, s, len) : NULL;
        }
    }
    adm->ncovariates = g->map->ncovariates;
    adm->covariates = g->cov_values;
}

/* The administered date, when the column is mapped and the cell not blank: adm->administered
 * is set only when it parses (else the row has a date problem). QS_EINVALID (diag set) when
 * the file's slash dates cannot be decided (read_date). */
static qs_error read_administered(qs_ingest *g, const qs_record *r, qs_admin *adm,
                                  qs_row_problems *probs, qs_diag *diag)
{
    adm->administered = NULL;
    if (g->col_admin < 0)
        return QS_OK;
    size_t len;
    const char *s = field_trimmed(g, r, g->col_admin, &len);
    if (!len)
        return QS_OK;
    size_t before = probs->count + probs->dropped;
    qs_error rc = read_date(g, s, len, probs, diag);
    if (rc)
        return rc;
    if (probs->count + probs->dropped == before)
        adm->administered = g->date;
    return QS_OK;
}

/* Every item's answer into g->answers and every attention check's into g->checks (QS_MISSING
 * when blank, or when the cell is a problem, which is added). */
static void read_answers(qs_ingest *g, const qs_record *r, qs_row_problems *probs)
{
    const qs_instrument *inst = g->inst;
    size_t len;
    const char *s;
    char why[256];
    qs_problem_kind kind = QS_PROBLEM_LABEL;
    const int fast_digits = g->map->nmissing == 0;
    for (size_t i = 0; i < inst->nitems; i++) {
        long c = g->item_col[i];
        /* The common case first: one digit on the scale (or an empty field). */
        if (r->lens[c] <= 1 && fast_digits) {
            if (r->lens[c] == 0) {
                g->answers[i] = QS_MISSING;
                continue;
            }
            int v = r->fields[c][0] - '0';
            if (v >= 0 && v <= 9 && v >= inst->scale.min && v <= inst->scale.max) {
                g->answers[i] = v;
                continue;
            }
        }
        s = field_trimmed(g, r, c, &len);
        if (!parse_cell(g, s, len, &g->answers[i], &kind, why, sizeof(why))) {
            add_problem(probs, kind, header_of(g, c), s, len, "item %d: %s", inst->items[i].id,
                        why);
            g->answers[i] = QS_MISSING;
        }
    }
    for (size_t k = 0; k < inst->validity.nchecks; k++) {
        long c = g->check_col[k];
        s = field_trimmed(g, r, c, &len);
        if (!parse_cell(g, s, len, &g->checks[k], &kind, why, sizeof(why))) {
            add_problem(probs, QS_PROBLEM_ATTENTION, header_of(g, c), s, len,
                        "attention check '%s': %s", inst->validity.checks[k].id, why);
            g->checks[k] = QS_MISSING;
        }
    }
}

/*
 * On a row otherwise fine: its response id (or, for a store without an id column, its client
 * and date) must not be one of an earlier scored row; a repeat is the row's problem, naming the
 * first line. Ids past the set's budget are counted as unchecked. QS_ENOMEM or QS_OK.
 */
static qs_error check_duplicate(qs_ingest *g, const qs_record *r, const qs_admin *adm,
                                qs_row_problems *probs)
{
    if (probs->count)
        return QS_OK;
    if (g->col_response >= 0) {
        long first =
            idset_add(&g->ids, qs_hash__bytes(adm->response_id, strlen(adm->response_id)), r->line);
        if (first == -1)
            return QS_ENOMEM;
        if (first == -2)
            g->ids_unchecked++;
        if (first > 0)
            add_problem(probs, QS_PROBLEM_DUPLICATE, header_of(g, g->col_response),
                        adm->response_id, strlen(adm->response_id),
                        "duplicate response id: first seen at line %ld, which was scored", first);
    } else if (g->unique_client_date && adm->administered) {
        /* No id column: the store tells rows apart by client and date (the id set is free). */
        uint64_t h = qs_hash__str(qs_hash__str(QS_HASH_SEED, adm->client_id), adm->administered);
        long first = idset_add(&g->ids, qs_hash__final(h), r->line);
        if (first == -1)
            return QS_ENOMEM;
        if (first == -2)
            g->ids_unchecked++;
        if (first > 0)
            add_problem(probs, QS_PROBLEM_DUPLICATE, header_of(g, g->col_admin), adm->administered,
                        strlen(adm->administered),
                        "same client and date as line %ld, which was scored: map a response id "
                        "column to tell them apart",
                        first);
    }
    return QS_OK;
}

/*
 * One data record: an administration (QS_OK), not administered (QS_ENOANSWER) or a problem row
 * (QS_EDATA), in the order docs/score.md gives: the record as a whole, the response id, then
 * (only when some item is answered) client and the other identity fields, the date, the items
 * and attention checks, and last the duplicate check on a row with no other problem.
 */
static qs_error process(qs_ingest *g, const qs_record *r, qs_admin *adm, qs_row_problems *probs,
                        qs_diag *diag)
{
    probs->line = r->line;
    probs->response_id[0] = '\0';
    probs->count = probs->dropped = 0;
    if (!reserve_scratch(g, r))
        return QS_ENOMEM;
    qs_error rc = check_record(g, r, probs);
    if (rc)
        return rc;
    int blank_id = read_response_id(g, r, adm, probs);

    /* Not administered: nothing of this instrument on the row, so its other cells (ids, date)
     * are not this instrument's business. */
    if (!answers_something(g, r))
        return QS_ENOANSWER;

    if (blank_id)
        add_problem(probs, QS_PROBLEM_RESPONSE_ID, header_of(g, g->col_response), "", 0,
                    "blank response id");
    read_people(g, r, adm, probs);
    rc = read_administered(g, r, adm, probs, diag);
    if (rc)
        return rc;
    read_answers(g, r, probs);
    rc = check_duplicate(g, r, adm, probs);
    if (rc)
        return rc;
    if (probs->count)
        return QS_EDATA;
    adm->answers = g->answers;
    adm->checks = g->checks;
    return QS_OK;
}

/* ---- a problem common to every quarantined row ------------------------------------------- */

/* Kinds that can be a file's problem: keyed by column (dates, ids) or by value (answers). */
static int keyed_by_column(qs_problem_kind k)
{
    return k == QS_PROBLEM_DATE || k == QS_PROBLEM_CLIENT_ID || k == QS_PROBLEM_RESPONSE_ID;
}

static int keyed_by_value(qs_problem_kind k)
{
    return k == QS_PROBLEM_LABEL || k == QS_PROBLEM_SCALE || k == QS_PROBLEM_ATTENTION;
}

static int candidate_matches(const struct candidate *c, const qs_problem *p, const char *folded)
{
    if (c->kind != p->kind)
        return 0;
    if (keyed_by_column(c->kind))
        return strcmp(c->column, p->column) == 0;
    return strcmp(c->folded, folded) == 0;
}

static void note_date_order(struct candidate *c, const char *value)
{
    struct shape sh;
    if (!scan_shape(value, &sh) || sh.sep != '/')
        return;
    qs_date_order e = shape_evidence(&sh);
    c->day_first |= e == QS_DATE_DAY_FIRST;
    c->month_first |= e == QS_DATE_MONTH_FIRST;
}

/*
 * Narrow the candidates to the problems this quarantined row shares with every earlier one. The
 * first quarantined row gives at most QS_PROBLEMS_MAX candidates; later rows only remove some,
 * so the memory is fixed whatever the row count.
 */
static void track_common(qs_ingest *g, const qs_row_problems *probs)
{
    struct common *cm = &g->common;
    char folded[QS_PROBLEM_VALUE_MAX];
    g->quarantined++;
    if (!cm->started) {
        cm->started = 1;
        for (size_t i = 0; i < probs->count; i++) {
            const qs_problem *p = &probs->items[i];
            if (!keyed_by_column(p->kind) && !keyed_by_value(p->kind))
                continue;
            qs_text__fold(p->value, strlen(p->value), folded, sizeof(folded));
            int dup = 0;
            for (size_t k = 0; k < cm->n && !dup; k++)
                dup = candidate_matches(&cm->c[k], p, folded);
            if (dup || cm->n >= QS_PROBLEMS_MAX)
                continue;
            struct candidate *c = &cm->c[cm->n++];
            memset(c, 0, sizeof(*c));
            c->kind = p->kind;
            c->alive = 1;
            snprintf(c->column, sizeof(c->column), "%s", p->column);
            snprintf(c->value, sizeof(c->value), "%s", p->value);
            snprintf(c->folded, sizeof(c->folded), "%s", folded);
            if (c->kind == QS_PROBLEM_DATE)
                note_date_order(c, p->value);
        }
        return;
    }
    for (size_t k = 0; k < cm->n; k++) {
        struct candidate *c = &cm->c[k];
        if (!c->alive)
            continue;
        int found = 0;
        for (size_t i = 0; i < probs->count && !found; i++) {
            const qs_problem *p = &probs->items[i];
            if (p->kind != c->kind)
                continue;
            if (keyed_by_value(c->kind))
                qs_text__fold(p->value, strlen(p->value), folded, sizeof(folded));
            else
                folded[0] = '\0';
            if (candidate_matches(c, p, folded)) {
                found = 1;
                if (c->kind == QS_PROBLEM_DATE)
                    note_date_order(c, p->value);
            }
        }
        c->alive = found;
    }
}

/* `s` as the inside of a YAML double-quoted string, cut (at a character boundary) to fit. */
static void yaml_quoted(const char *s, char *out, size_t size)
{
    size_t used = 0;
    while (*s) {
        size_t n = 1;
        while (((unsigned char)s[n] & 0xC0) == 0x80)
            n++;
        size_t need = n + (*s == '"' || *s == '\\');
        if (used + need + 1 > size)
            break;
        if (*s == '"' || *s == '\\')
            out[used++] = '\\';
        memcpy(out + used, s, n);
        used += n;
        s += n;
    }
    out[used] = '\0';
}

int qs_ingest_file_problem(const qs_ingest *g, qs_file_problem *out)
{
    const struct candidate *c = NULL;
    /* One or two rows sharing a problem are as likely the rows' own (a daily export of new
     * responses, one of them mistyped) as the mapping's: they are quarantined row by row. */
    if (g->scored != 0 || g->quarantined < QS_FILE_PROBLEM_MIN_ROWS)
        return 0;
    for (size_t k = 0; k < g->common.n && !c; k++)
        if (g->common.c[k].alive)
            c = &g->common.c[k];
    if (!c)
        return 0;
    memset(out, 0, sizeof(*out));
    out->kind = c->kind;
    out->rows = g->quarantined;
    safe_column(g, c->column, out->column, sizeof(out->column));
    const char *every = g->quarantined == 1 ? "the only quarantined row" : "every quarantined row";
    char q[100], fix[400];
    const qs_scale *sc = &g->inst->scale;
    switch (c->kind) {
    case QS_PROBLEM_DATE: {
        struct shape sh;
        char text[128];
        int have =
            date_text(c->value, strlen(c->value), text, sizeof(text)) && scan_shape(text, &sh);
        qs_date_order order = c->day_first == c->month_first
                                  ? QS_DATE_ORDER_UNKNOWN
                                  : (c->day_first ? QS_DATE_DAY_FIRST : QS_DATE_MONTH_FIRST);
        qs_date_form(c->value, order, out->example, sizeof(out->example));
        if (g->map->date_format)
            snprintf(fix, sizeof(fix), "correct date_format '%s' in the mapping file",
                     g->map->date_format);
        else
            date_format_hint(&sh, have, order, fix, sizeof(fix));
        snprintf(out->message, sizeof(out->message),
                 "no date in column '%s' could be read (%s has one of the form %.64s): %s",
                 out->column, every, out->example, fix);
        break;
    }
    case QS_PROBLEM_CLIENT_ID:
    case QS_PROBLEM_RESPONSE_ID: {
        const char *key = c->kind == QS_PROBLEM_CLIENT_ID ? "client_id" : "response_id";
        snprintf(out->message, sizeof(out->message),
                 "column '%s' (%s) is blank on %s: map %s in the mapping file to the column that "
                 "holds the %s",
                 out->column, key, every, key,
                 c->kind == QS_PROBLEM_CLIENT_ID ? "client id" : "response id");
        break;
    }
    case QS_PROBLEM_SCALE:
        snprintf(out->example, sizeof(out->example), "%s", c->value);
        yaml_quoted(c->value, q, sizeof(q));
        snprintf(
            out->message, sizeof(out->message),
            "%s holds %s (first in column '%s'), outside the scale %d..%d of '%.40s': if it is "
            "a missing-data code, add missing: [\"%s\"] to the mapping file; otherwise the "
            "export codes its answers on another scale",
            every, q, out->column, sc->min, sc->max, g->inst->id, q);
        break;
    case QS_PROBLEM_LABEL:
    case QS_PROBLEM_ATTENTION:
    default:
        snprintf(out->example, sizeof(out->example), "%s", c->value);
        yaml_quoted(c->value, q, sizeof(q));
        snprintf(out->message, sizeof(out->message),
                 "%s answers \"%s\" (first in column '%s'), which is not an answer of '%.40s': add "
                 "it to the mapping file as labels: {\"%s\": N} with N its value on the scale "
                 "%d..%d, or as missing: [\"%s\"] if it means not answered",
                 every, q, out->column, g->inst->id, q, sc->min, sc->max, q);
        break;
    }
    return 1;
}

qs_error qs_ingest_next(qs_ingest *g, qs_admin *adm, qs_row_problems *probs, qs_diag *diag)
{
    qs_error rc;
    /* On QS_EDATA the caller may use what could be read (see ingest.h): nothing stale. */
    adm->response_id = adm->client_id = adm->group = adm->therapist = adm->administered = NULL;
    adm->id_is_line = g->col_response < 0;
    if (g->failed) {
        *diag = g->failed_diag;
        return g->failed;
    }
    if (g->pending == 1) {
        g->pending = 0;
        rc = QS_OK;
    } else if (g->pending == 2) {
        g->pending = 0;
        *diag = g->pending_diag;
        rc = QS_EDATA;
    } else {
        rc = qs_reader_next(g->reader, &g->rec, diag);
    }
    if (rc == QS_EDATA) {
        g->rows++;
        probs->line = diag->line;
        probs->response_id[0] = '\0';
        probs->count = probs->dropped = 0;
        add_problem(probs, QS_PROBLEM_ROW, NULL, NULL, 0, "%s", diag->message);
        track_common(g, probs);
        return QS_EDATA;
    }
    if (rc)
        return rc;
    g->rows++;
    rc = process(g, &g->rec, adm, probs, diag);
    switch (rc) {
    case QS_OK:
        g->scored++;
        break;
    case QS_ENOANSWER:
        g->not_administered++;
        break;
    case QS_EDATA:
        track_common(g, probs);
        break;
    case QS_EINVALID:
        g->failed = rc;
        g->failed_diag = *diag;
        break;
    default:
        break;
    }
    return rc;
}

qs_date_kind qs_date_classify(const char *text, qs_date_order *evidence)
{
    char buf[128], iso[64];
    struct shape sh;
    *evidence = QS_DATE_ORDER_UNKNOWN;
    if (!date_text(text, strlen(text), buf, sizeof(buf)))
        return text[strspn(text, " \t")] ? QS_DATE_OTHER : QS_DATE_BLANK;
    if (qs_parse_date(buf, NULL, iso, sizeof(iso)))
        return QS_DATE_ISO;
    if (!scan_shape(buf, &sh) || !is_slash_date(&sh, 4))
        return QS_DATE_OTHER;
    *evidence = shape_evidence(&sh);
    return QS_DATE_SLASH;
}

int qs_date_strptime_format(const char *text, qs_date_order order, char *fmt, size_t size)
{
    char buf[128];
    struct shape sh;
    fmt[0] = '\0';
    if (order == QS_DATE_ORDER_UNKNOWN || !date_text(text, strlen(text), buf, sizeof(buf)) ||
        !scan_shape(buf, &sh))
        return 0;
    return shape_format(&sh, order, fmt, size);
}
