/* mapdraft.c - draft a mapping file from an export (`qscore map`, docs/score.md). */
#include "qscore/mapdraft.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "mapdraft_internal.h"
#include "profile.h"
#include "qscore/ingest.h"
#include "qscore/reader.h"
#include "text.h"

/*
 * One pass over the export. The header rows decide the columns before the first data row is
 * read (the candidates for items are the header texts with one number replaced by {n}); the
 * data rows then only feed counters: the distinct answers of the item columns and the forms of
 * the date column. Nothing of a row is kept but an answer text (the form's wording, once per
 * distinct text) and one sample date per date form (to derive its strptime format; never
 * written out).
 */

#define MAX_ANSWERS    1000 /* distinct answer texts listed; more are counted */
#define MAX_DATE_FORMS 8
#define CELL_MAX       512

struct sb {
    char *p;
    size_t len, cap;
    int oom;
};

static void sb_add(struct sb *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void sb_add(struct sb *b, const char *fmt, ...)
{
    va_list ap;
    if (b->oom)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    char *p = qs_grow__array(b->p, &b->cap, b->len + (size_t)n + 1, 1, 1024);
    if (!p) {
        b->oom = 1;
        return;
    }
    b->p = p;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* A YAML double-quoted scalar: always quoted, so "?", "-99", "yes" or "#11" stay text. */
static void sb_quoted(struct sb *b, const char *s)
{
    sb_add(b, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            sb_add(b, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            sb_add(b, "\\x%02x", c);
        else
            sb_add(b, "%c", c);
    }
    sb_add(b, "\"");
}

/* 1032 -> "1,032": counts as people read them. */
static const char *grouped(unsigned long n, char *buf, size_t size)
{
    char raw[32];
    int len = snprintf(raw, sizeof(raw), "%lu", n);
    size_t o = 0;
    for (int i = 0; i < len && o + 2 < size; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = raw[i];
    }
    buf[o] = '\0';
    return buf;
}

struct answer {
    char *text; /* first spelling seen, trimmed */
    char *folded;
    unsigned long count;
};

struct date_form {
    char form[64];    /* qs_date_form with the order unknown */
    char sample[128]; /* one text of this form, for its strptime format only */
};

struct cand {
    int row;
    char *pattern;
    size_t total;   /* columns it names */
    size_t inorder; /* leading columns whose ids are the instrument's items, in order */
    int broken;     /* a column out of order */
};

struct draft {
    const qs_instrument *inst;
    const char *display;
    qs_profile profile;
    int detected;
    int header_rows;
    size_t ncols;
    char **row1, **row2;
    long *item_col; /* per item index; -1 none */
    const char *item_pattern;
    int item_row;
    long col_client, col_therapist, col_group, col_admin, col_response;
    const char *why_client, *why_therapist, *why_group, *why_admin, *why_response;
    int response_is_profile;
    struct cand *cands;
    size_t ncands, capcands;
    struct answer *answers;
    size_t nanswers, capanswers;
    unsigned long answers_dropped, blanks, rows;
    unsigned long date_blank, date_iso, date_slash, date_other;
    unsigned long day_line, month_line, other_line;
    char other_form[64];
    struct date_form forms[MAX_DATE_FORMS];
    size_t nforms;
    int oom;
    qs_diag_list *undecided;
};

static char **copy_row(const qs_record *r, size_t ncols)
{
    char **row = calloc(ncols ? ncols : 1, sizeof(char *));
    if (!row)
        return NULL;
    for (size_t i = 0; i < ncols; i++) {
        const char *t = "";
        size_t n = i < r->nfields ? qs_text__trim(r->fields[i], r->lens[i], &t) : 0;
        row[i] = malloc(n + 1);
        if (!row[i]) {
            for (size_t j = 0; j < i; j++)
                free(row[j]);
            free(row);
            return NULL;
        }
        memcpy(row[i], t, n);
        row[i][n] = '\0';
    }
    return row;
}

static void free_row(char **row, size_t n)
{
    for (size_t i = 0; row && i < n; i++)
        free(row[i]);
    free(row);
}

static int is_item_col(const struct draft *d, long c)
{
    for (size_t i = 0; i < d->inst->nitems; i++)
        if (d->item_col[i] == c)
            return 1;
    return 0;
}

/* ASCII case-insensitive substring. */
static int contains_word(const char *hay, const char *word)
{
    size_t n = strlen(word);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && tolower((unsigned char)hay[i]) == word[i])
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

/* A header's column as row 1 or 2 names it exactly (first row first, as the ingest resolves). */
static long find_exact(const struct draft *d, const char *name)
{
    for (int row = 1; row <= 2; row++) {
        char **names = row == 1 ? d->row1 : d->row2;
        for (size_t c = 0; names && c < d->ncols; c++)
            if (strcmp(names[c], name) == 0)
                return (long)c;
    }
    return -1;
}

/* The first column (row 1, then row 2) whose header holds one of `words`, in the words'
 * order, that is not an item and not in `taken`; *why names the word. */
static long find_by_words(const struct draft *d, const char *const *words, const long *taken,
                          size_t ntaken, const char **why)
{
    for (size_t w = 0; words[w]; w++) {
        for (int row = 1; row <= 2; row++) {
            char **names = row == 1 ? d->row1 : d->row2;
            for (size_t c = 0; names && c < d->ncols; c++) {
                int skip = is_item_col(d, (long)c) || names[c][0] == '\0';
                for (size_t t = 0; t < ntaken && !skip; t++)
                    skip = taken[t] == (long)c;
                if (!skip && contains_word(names[c], words[w])) {
                    *why = words[w];
                    return (long)c;
                }
            }
        }
    }
    return -1;
}

/* How the draft names column `c`: its header when the ingest resolves that to it (row 1 is
 * searched first, and a header twice in one row is ambiguous), else "#N". */
static void colref(const struct draft *d, long c, char *out, size_t size)
{
    int in_row1 = d->row1[c][0] != '\0';
    const char *h = in_row1 ? d->row1[c] : (d->row2 ? d->row2[c] : "");
    size_t same = 0;
    for (size_t k = 0; k < d->ncols; k++) {
        same += strcmp(d->row1[k], h) == 0;
        if (!in_row1 && d->row2)
            same += strcmp(d->row2[k], h) == 0;
    }
    if (h[0] && same == 1 && strlen(h) < size)
        snprintf(out, size, "%s", h);
    else
        snprintf(out, size, "#%ld", c + 1);
}

static struct cand *cand_get(struct draft *d, int row, const char *pattern)
{
    for (size_t i = 0; i < d->ncands; i++)
        if (d->cands[i].row == row && strcmp(d->cands[i].pattern, pattern) == 0)
            return &d->cands[i];
    struct cand *v = qs_grow__array(d->cands, &d->capcands, d->ncands + 1, sizeof(*v), 32);
    if (!v)
        return NULL;
    d->cands = v;
    struct cand *c = &d->cands[d->ncands];
    memset(c, 0, sizeof(*c));
    c->row = row;
    c->pattern = malloc(strlen(pattern) + 1);
    if (!c->pattern)
        return NULL;
    memcpy(c->pattern, pattern, strlen(pattern) + 1);
    d->ncands++;
    return c;
}

/* Every header text with one of its numbers replaced by {n} is a candidate item_pattern; it
 * matches when it names exactly the instrument's items, in order, and nothing else. */
static int find_item_candidates(struct draft *d)
{
    const qs_instrument *inst = d->inst;
    for (int row = 1; row <= 2; row++) {
        char **names = row == 1 ? d->row1 : d->row2;
        for (size_t c = 0; names && c < d->ncols; c++) {
            const char *h = names[c];
            size_t hl = strlen(h);
            if (hl > 400)
                continue;
            for (size_t i = 0; i < hl;) {
                if (!isdigit((unsigned char)h[i])) {
                    i++;
                    continue;
                }
                size_t j = i;
                while (j < hl && isdigit((unsigned char)h[j]))
                    j++;
                long id = j - i <= 6 && h[i] != '0' ? strtol(h + i, NULL, 10) : -1;
                if (id > 0) {
                    char pattern[512];
                    snprintf(pattern, sizeof(pattern), "%.*s{n}%s", (int)i, h, h + j);
                    struct cand *k = cand_get(d, row, pattern);
                    if (!k)
                        return 0;
                    if (!k->broken && k->inorder < inst->nitems && inst->items[k->inorder].id == id)
                        k->inorder++;
                    else
                        k->broken = 1;
                    k->total++;
                }
                i = j;
            }
        }
    }
    return 1;
}

static int cand_matches(const struct draft *d, const struct cand *k)
{
    return !k->broken && k->inorder == d->inst->nitems && k->total == d->inst->nitems;
}

static void decide_items(struct draft *d)
{
    const qs_instrument *inst = d->inst;
    for (int row = 1; row <= 2 && !d->item_pattern; row++) {
        const struct cand *one = NULL;
        size_t n = 0;
        for (size_t i = 0; i < d->ncands; i++) {
            if (d->cands[i].row == row && cand_matches(d, &d->cands[i])) {
                n++;
                one = &d->cands[i];
            }
        }
        if (n == 1) {
            d->item_pattern = one->pattern;
            d->item_row = row;
        } else if (n > 1) {
            qs_diag_list_add(d->undecided, d->display, 0, 0, NULL,
                             "items: %zu header patterns of row %d name the %zu items of '%s': "
                             "keep the right item_pattern in the draft",
                             n, row, inst->nitems, inst->id);
            d->item_row = -row;
            return;
        }
    }
    for (size_t i = 0; i < inst->nitems; i++) {
        char name[600];
        d->item_col[i] = -1;
        if (d->item_pattern) {
            const char *at = strstr(d->item_pattern, "{n}");
            snprintf(name, sizeof(name), "%.*s%d%s", (int)(at - d->item_pattern), d->item_pattern,
                     inst->items[i].id, at + 3);
            d->item_col[i] = find_exact(d, name);
        } else if (inst->items[i].column) {
            d->item_col[i] = find_exact(d, inst->items[i].column);
        }
    }
}

static int items_complete(const struct draft *d)
{
    for (size_t i = 0; i < d->inst->nitems; i++)
        if (d->item_col[i] < 0)
            return 0;
    return 1;
}

static void decide_identity(struct draft *d)
{
    static const char *const client_words[] = {"client",    "participant", "patient", "subject",
                                               "pseudonym", "code",        NULL};
    static const char *const therapist_words[] = {"therapist", "clinician", "counsel", "provider",
                                                  NULL};
    static const char *const group_words[] = {"group", "cohort", NULL};
    static const char *const date_words[] = {"recorded",  "end date", "submit", "timestamp",
                                             "completed", "date",     NULL};
    static const char *const id_words[] = {"response_id", "response id", "responseid", NULL};
    const qs_profile_def *def = qs_profile__get(d->profile);
    long taken[8] = {-1, -1, -1, -1, -1, -1, -1, -1};
    size_t nt = 0;

    d->col_response = -1;
    for (size_t k = 0; def->id_columns && def->id_columns[k] && d->col_response < 0; k++) {
        d->col_response = find_exact(d, def->id_columns[k]);
        d->why_response = "the profile's response id column";
        d->response_is_profile = 1;
    }
    if (d->col_response < 0) {
        d->response_is_profile = 0;
        d->col_response = find_by_words(d, id_words, taken, nt, &d->why_response);
    }
    if (d->col_response >= 0)
        taken[nt++] = d->col_response;

    d->col_client = -1;
    if (d->profile == QS_PROFILE_REDCAP) {
        /* A REDCap record is one participant, seen again at each event. */
        for (size_t k = 0; def->id_columns[k] && d->col_client < 0; k++)
            d->col_client = find_exact(d, def->id_columns[k]);
        d->why_client = "REDCap's record id (one record per participant)";
    }
    if (d->col_client < 0)
        d->col_client = find_by_words(d, client_words, taken, nt, &d->why_client);
    if (d->col_client >= 0)
        taken[nt++] = d->col_client;
    else
        qs_diag_list_add(d->undecided, d->display, 0, 0, NULL,
                         "client_id: no column's header says client, participant, patient, "
                         "subject, pseudonym or code: name the column that identifies the client");
    d->col_therapist = find_by_words(d, therapist_words, taken, nt, &d->why_therapist);
    if (d->col_therapist >= 0)
        taken[nt++] = d->col_therapist;
    d->col_group = find_by_words(d, group_words, taken, nt, &d->why_group);
    if (d->col_group >= 0)
        taken[nt++] = d->col_group;
    d->col_admin = -1;
    for (size_t k = 0; def->date_columns && def->date_columns[k] && d->col_admin < 0; k++) {
        d->col_admin = find_exact(d, def->date_columns[k]);
        d->why_admin = "the profile's date column";
    }
    if (d->col_admin < 0)
        d->col_admin = find_by_words(d, date_words, taken, nt, &d->why_admin);
}

static void count_answer(struct draft *d, const char *s, size_t len)
{
    const char *t;
    size_t n = qs_text__trim(s, len, &t);
    char folded[CELL_MAX];
    if (n == 0) {
        d->blanks++;
        return;
    }
    if (n >= CELL_MAX || qs_text__fold(t, n, folded, sizeof(folded)) >= sizeof(folded)) {
        d->answers_dropped++;
        return;
    }
    for (size_t i = 0; i < d->nanswers; i++) {
        if (strcmp(d->answers[i].folded, folded) == 0) {
            d->answers[i].count++;
            return;
        }
    }
    if (d->nanswers >= MAX_ANSWERS) {
        d->answers_dropped++;
        return;
    }
    struct answer *v = qs_grow__array(d->answers, &d->capanswers, d->nanswers + 1, sizeof(*v), 16);
    if (!v) {
        d->oom = 1;
        return;
    }
    d->answers = v;
    struct answer *a = &d->answers[d->nanswers];
    a->text = malloc(n + 1);
    a->folded = malloc(strlen(folded) + 1);
    if (!a->text || !a->folded) {
        free(a->text);
        free(a->folded);
        d->oom = 1;
        return;
    }
    memcpy(a->text, t, n);
    a->text[n] = '\0';
    memcpy(a->folded, folded, strlen(folded) + 1);
    a->count = 1;
    d->nanswers++;
}

static void count_date(struct draft *d, const char *s, size_t len, unsigned long line)
{
    char text[128], form[64];
    const char *t;
    size_t n = qs_text__trim(s, len, &t);
    qs_date_order ev;
    if (n >= sizeof(text)) {
        d->date_other++;
        return;
    }
    memcpy(text, t, n);
    text[n] = '\0';
    switch (qs_date_classify(text, &ev)) {
    case QS_DATE_BLANK:
        d->date_blank++;
        return;
    case QS_DATE_ISO:
        d->date_iso++;
        return;
    case QS_DATE_OTHER:
        if (!d->date_other++) {
            d->other_line = line;
            qs_date_form(text, QS_DATE_ORDER_UNKNOWN, d->other_form, sizeof(d->other_form));
        }
        return;
    case QS_DATE_SLASH:
        break;
    }
    d->date_slash++;
    if (ev == QS_DATE_DAY_FIRST && !d->day_line)
        d->day_line = line;
    if (ev == QS_DATE_MONTH_FIRST && !d->month_line)
        d->month_line = line;
    qs_date_form(text, QS_DATE_ORDER_UNKNOWN, form, sizeof(form));
    for (size_t i = 0; i < d->nforms; i++)
        if (strcmp(d->forms[i].form, form) == 0)
            return;
    if (d->nforms < MAX_DATE_FORMS) {
        snprintf(d->forms[d->nforms].form, sizeof(d->forms[0].form), "%s", form);
        snprintf(d->forms[d->nforms].sample, sizeof(d->forms[0].sample), "%s", text);
        d->nforms++;
    }
}

static void data_row(struct draft *d, const qs_record *r)
{
    d->rows++;
    if (r->nfields != d->ncols)
        return; /* `qscore score` quarantines it: its cells are not where the header says */
    for (size_t i = 0; i < d->inst->nitems; i++) {
        long c = d->item_col[i];
        /* Bytes that are not text in the file's encoding are never copied into the draft
         * (`score` quarantines such a cell); they are counted. */
        if (c >= 0 && r->bad_encoding && r->field_bad && r->field_bad[c])
            d->answers_dropped++;
        else if (c >= 0)
            count_answer(d, r->fields[c], r->lens[c]);
    }
    if (d->col_admin >= 0 && r->bad_encoding && r->field_bad && r->field_bad[d->col_admin]) {
        if (!d->date_other++) {
            d->other_line = r->line;
            snprintf(d->other_form, sizeof(d->other_form), "not valid text");
        }
    } else if (d->col_admin >= 0)
        count_date(d, r->fields[d->col_admin], r->lens[d->col_admin], r->line);
}

/* Whole decimal number text ("-99", "4", "4.0", "2.5"); 1 and *v when it is one. */
static int number_text(const char *s, double *v)
{
    char *end;
    if (!*s || isspace((unsigned char)*s))
        return 0;
    errno = 0;
    *v = strtod(s, &end);
    if (*end || errno)
        return 0;
    for (const char *p = s; *p; p++)
        if (!strchr("+-.0123456789", *p))
            return 0; /* no inf, nan, hex or exponents: an answer as survey tools write one */
    return 1;
}

/* `key: "column"   # why`; `by_word`: `why` is the header word that chose it. */
static void write_column(struct sb *b, const struct draft *d, const char *key, long c,
                         const char *why, int by_word)
{
    char ref[600];
    if (c < 0)
        return;
    colref(d, c, ref, sizeof(ref));
    sb_add(b, "%s: ", key);
    sb_quoted(b, ref);
    if (by_word)
        sb_add(b, "   # its header says '%s'\n", why);
    else
        sb_add(b, "   # %s\n", why);
}

static void write_dates(struct sb *b, struct draft *d)
{
    char n1[32], n2[32], fmt[64];
    if (d->col_admin < 0) {
        sb_add(b, "# administered: no date column found (the profile names none, and no header "
                  "says date or timestamp); optional\n");
        return;
    }
    if (d->date_other) {
        sb_add(b,
               "# date_format: ?   # %s dates of column 'administered' are not read without "
               "date_format (first on line %lu, of the form %s): write the strptime format\n",
               grouped(d->date_other, n1, sizeof(n1)), d->other_line, d->other_form);
        qs_diag_list_add(d->undecided, d->display, d->other_line, 0, NULL,
                         "date_format: %lu dates are of a form qscore does not read without "
                         "date_format (%s): write the strptime format that reads them",
                         d->date_other, d->other_form);
        return;
    }
    if (!d->date_slash) {
        sb_add(b, "# dates: %s ISO 8601 (%s blank): read without date_format\n",
               grouped(d->date_iso, n1, sizeof(n1)), grouped(d->date_blank, n2, sizeof(n2)));
        return;
    }
    if (d->day_line && d->month_line) {
        sb_add(b,
               "# date_format: ?   # slash dates of both orders: line %lu has a first number "
               "over 12, line %lu a second one: correct the export, or write the format\n",
               d->day_line, d->month_line);
        qs_diag_list_add(d->undecided, d->display, 0, 0, NULL,
                         "date_format: the file mixes day-first (line %lu) and month-first "
                         "(line %lu) slash dates",
                         d->day_line, d->month_line);
        return;
    }
    if (!d->day_line && !d->month_line) {
        sb_add(b, "# date_format: ?   # no slash date has a number over 12, so the file does not "
                  "say whether the day or the month comes first: write \"%%d/%%m/...\" or "
                  "\"%%m/%%d/...\"\n");
        qs_diag_list_add(d->undecided, d->display, 0, 0, NULL,
                         "date_format: no slash date of the file shows whether the day or the "
                         "month comes first (no number over 12): write the date_format");
        return;
    }
    qs_date_order order = d->day_line ? QS_DATE_DAY_FIRST : QS_DATE_MONTH_FIRST;
    unsigned long line = d->day_line ? d->day_line : d->month_line;
    char why[128];
    if (d->day_line)
        snprintf(why, sizeof(why), "day-first (line %lu has a first number over 12)", line);
    else
        snprintf(why, sizeof(why), "month-first (line %lu has a second number over 12)", line);
    /* Forms that differ only in digit counts (5/3/2026, 15/03/2026) share one format. */
    int one = !d->date_iso && d->nforms > 0 &&
              qs_date_strptime_format(d->forms[0].sample, order, fmt, sizeof(fmt));
    for (size_t k = 1; k < d->nforms && one; k++) {
        char other[64];
        one = qs_date_strptime_format(d->forms[k].sample, order, other, sizeof(other)) &&
              strcmp(other, fmt) == 0;
    }
    if (one) {
        sb_add(b, "date_format: ");
        sb_quoted(b, fmt);
        sb_add(b, "   # %s slash dates, %s\n", grouped(d->date_slash, n1, sizeof(n1)), why);
    } else {
        sb_add(b,
               "# dates: slash dates of %zu forms, %s: qscore decides the order from the file, "
               "no date_format needed\n",
               d->nforms, why);
    }
}

static int cmp_answers(const void *a, const void *b)
{
    const struct answer *x = a, *y = b;
    return strcmp(x->folded, y->folded);
}

static void write_answers(struct sb *b, struct draft *d)
{
    const qs_instrument *inst = d->inst;
    char n1[32];
    if (d->nanswers) /* qsort(NULL, 0, ...) is undefined */
        qsort(d->answers, d->nanswers, sizeof(*d->answers), cmp_answers);
    sb_add(b, "\n# Answers of the item columns: %s blank (always missing)",
           grouped(d->blanks, n1, sizeof(n1)));
    for (size_t i = 0; i < d->nanswers; i++) {
        double v;
        int value;
        const struct answer *a = &d->answers[i];
        if (number_text(a->text, &v) &&
            qs_instrument_parse_answer(inst, a->text, strlen(a->text), &value))
            sb_add(b, ", %s (%s)", a->text, grouped(a->count, n1, sizeof(n1)));
    }
    sb_add(b, ".\n# Numbers on the scale %d..%d mean themselves.\n", inst->scale.min,
           inst->scale.max);
    if (d->answers_dropped)
        qs_diag_list_add(d->undecided, d->display, 0, 0, NULL,
                         "answers: %lu answers are not listed in the draft (more than %d "
                         "distinct texts, or not valid text): check the export",
                         d->answers_dropped, MAX_ANSWERS);
    if (d->answers_dropped)
        sb_add(b, "# %lu more answers not listed (too many distinct texts, or not valid text)\n",
               d->answers_dropped);
    for (int pass = 0; pass < 2; pass++) {
        int first = 1;
        for (size_t i = 0; i < d->nanswers; i++) {
            double v;
            int value;
            const struct answer *a = &d->answers[i];
            int num = number_text(a->text, &v);
            int ok = qs_instrument_parse_answer(inst, a->text, strlen(a->text), &value);
            /* Not (long)v: a 30-digit "number" would overflow it. */
            int whole = num && fabs(v) < 1e15 && v == floor(v);
            if (pass == 0 && num && whole && !ok) {
                if (first)
                    sb_add(b, "missing:\n");
                first = 0;
                sb_add(b, "  - ");
                sb_quoted(b, a->text);
                sb_add(b, "   # %s answers, outside %d..%d: a missing-data code\n",
                       grouped(a->count, n1, sizeof(n1)), inst->scale.min, inst->scale.max);
            } else if (pass == 1 && !(num && (ok || whole))) {
                if (first)
                    sb_add(b, "labels:\n");
                first = 0;
                sb_add(b, "  ");
                sb_quoted(b, a->text);
                if (ok) {
                    sb_add(b, ": %d   # %s answers: the instrument's label\n", value,
                           grouped(a->count, n1, sizeof(n1)));
                } else {
                    sb_add(b, ": \"?\"   # %s answers: fill in the value\n",
                           grouped(a->count, n1, sizeof(n1)));
                    qs_diag_list_add(d->undecided, d->display, 0, 0, NULL,
                                     "labels: \"%s\" (%lu answers) is no answer of '%s': fill in "
                                     "its value",
                                     a->text, a->count, inst->id);
                }
            }
        }
    }
}

static void write_items(struct sb *b, struct draft *d)
{
    const qs_instrument *inst = d->inst;
    char ref[600];
    sb_add(b, "\n# Items: header patterns considered (a number of a header replaced by {n}):\n");
    size_t shown = 0;
    for (size_t i = 0; i < d->ncands; i++) {
        const struct cand *k = &d->cands[i];
        if (k->total < 2 && !cand_matches(d, k))
            continue;
        if (shown++ >= 20) {
            sb_add(b, "#   (more not shown)\n");
            break;
        }
        sb_add(b, "#   ");
        sb_quoted(b, k->pattern);
        if (cand_matches(d, k))
            sb_add(b, " (header row %d): %zu columns, items 1..%zu in order%s\n", k->row, k->total,
                   inst->nitems, k->pattern == d->item_pattern ? ": chosen" : "");
        else
            sb_add(b, " (header row %d): %zu columns: not the %zu items in order\n", k->row,
                   k->total, inst->nitems);
    }
    if (!shown)
        sb_add(b, "#   none: no two headers differ by one number\n");
    if (d->item_pattern) {
        sb_add(b, "item_pattern: ");
        sb_quoted(b, d->item_pattern);
        sb_add(b, "   # names the %zu items of %s in header row %d\n", inst->nitems, inst->id,
               d->item_row);
        return;
    }
    if (items_complete(d)) {
        sb_add(b,
               "# no item_pattern: the instrument's own columns (%s, ...) are all in the "
               "header\n",
               inst->items[0].column);
        return;
    }
    if (d->item_row == 0)
        qs_diag_list_add(d->undecided, d->display, 0, 0, NULL,
                         "items: no header pattern names exactly the %zu items of '%s' in "
                         "order: map each item's column under items:",
                         inst->nitems, inst->id);
    sb_add(b, "items:   # fill in each item's column (a header, or \"#N\" for the N-th column)\n");
    for (size_t i = 0; i < inst->nitems; i++) {
        if (d->item_col[i] >= 0) {
            colref(d, d->item_col[i], ref, sizeof(ref));
            sb_add(b, "  %d: ", inst->items[i].id);
            sb_quoted(b, ref);
            sb_add(b, "\n");
        } else {
            sb_add(b, "  # %d: ?\n", inst->items[i].id);
        }
    }
}

static void write_draft(struct sb *b, struct draft *d, qs_encoding enc, char delim)
{
    const qs_instrument *inst = d->inst;
    char n1[32];
    sb_add(b, "# Draft mapping of %s (%s) for '%s', written by qscore map.\n", inst->id,
           inst->name ? inst->name : inst->id, d->display);
    sb_add(b, "# Export: %s profile (%s), %s, '%s'-separated, %d header row%s, %s data rows.\n",
           qs_profile_name(d->profile), d->detected ? "detected" : "given", qs_encoding_name(enc),
           delim == '\t' ? "\\t" : (char[]){delim, '\0'}, d->header_rows,
           d->header_rows == 1 ? "" : "s", grouped(d->rows, n1, sizeof(n1)));
    sb_add(b, "# Check every guess; a \"?\" must be filled in before qscore score accepts the "
              "file.\n\n");
    if (d->col_response >= 0 && d->response_is_profile) {
        char ref[600];
        colref(d, d->col_response, ref, sizeof(ref));
        sb_add(b, "# response_id: %s is the %s profile's id column: used without this line\n", ref,
               qs_profile_name(d->profile));
    } else if (d->col_response >= 0) {
        write_column(b, d, "response_id", d->col_response, d->why_response, 1);
    } else {
        sb_add(b, "# response_id: no id column: rows are told apart by their line number\n");
    }
    if (d->col_client >= 0)
        write_column(b, d, "client_id", d->col_client, d->why_client,
                     !strstr(d->why_client, "REDCap"));
    else
        sb_add(b, "# client_id: ?   # no column found: name the column that identifies the "
                  "client (required)\n");
    write_column(b, d, "therapist", d->col_therapist, d->why_therapist, 1);
    write_column(b, d, "group", d->col_group, d->why_group, 1);
    if (d->col_admin >= 0)
        write_column(b, d, "administered", d->col_admin, d->why_admin,
                     strcmp(d->why_admin, "the profile's date column") != 0);
    write_dates(b, d);
    write_items(b, d);
    write_answers(b, d);
}

/* The header row: a record the reader cannot read as CSV is no header (as for score). */
static qs_error header_record(qs_reader *r, qs_record *rec, const char *display, qs_diag *diag)
{
    qs_error rc = qs_reader_next(r, rec, diag);
    if (rc == QS_EEOF) {
        qs_diag_set(diag, display, 0, 0, NULL, "file is empty: expected a header row");
        return QS_EINVALID;
    }
    return rc == QS_EDATA ? QS_EINVALID : rc;
}

qs_error qs_mapdraft_build(qs_mapdraft *out, const char *path, const char *display,
                           const qs_instrument *inst, qs_profile profile, qs_diag *diag)
{
    struct draft d;
    struct sb b = {0};
    qs_reader *r = NULL;
    qs_record rec;
    int pending = 0;
    qs_error rc;

    memset(out, 0, sizeof(*out));
    qs_diag_list_init(&out->undecided);
    memset(&d, 0, sizeof(d));
    d.inst = inst;
    d.display = display;
    d.undecided = &out->undecided;
    d.item_col = calloc(inst->nitems ? inst->nitems : 1, sizeof(long));
    if (!d.item_col)
        return QS_ENOMEM;

    rc = qs_reader_open(&r, path, display, NULL, diag);
    if (rc)
        goto done;
    rc = header_record(r, &rec, display, diag);
    if (rc)
        goto done;
    d.ncols = rec.nfields;
    d.header_rows = 1;
    d.row1 = copy_row(&rec, d.ncols);
    if (!d.row1) {
        rc = QS_ENOMEM;
        goto done;
    }
    qs_profile seen = qs_profile__detect(&rec);
    d.detected = profile == QS_PROFILE_AUTO;
    d.profile = d.detected ? seen : profile;
    const qs_profile_def *def = qs_profile__get(d.profile);
    if (def->row2_is) {
        rc = qs_reader_next(r, &rec, diag);
        if (rc == QS_OK && def->row2_is((const char *const *)d.row1, d.ncols, &rec)) {
            d.row2 = copy_row(&rec, d.ncols);
            if (!d.row2) {
                rc = QS_ENOMEM;
                goto done;
            }
            d.header_rows = 2;
            if (def->row3_may_follow &&
                def->row3_may_follow((const char *const *)d.row1, d.ncols)) {
                rc = qs_reader_next(r, &rec, diag);
                if (rc == QS_OK && def->row3_is(&rec))
                    d.header_rows = 3;
                else if (rc == QS_OK)
                    pending = 1;
            }
        } else if (rc == QS_OK && !d.detected) {
            qs_diag_set(diag, display, rec.line, 0, NULL,
                        "line %lu is not the second header row of a %s export (%s): choose "
                        "another --profile",
                        rec.line, def->name, def->row2_expected);
            rc = QS_EINVALID;
            goto done;
        } else if (rc == QS_OK) {
            d.profile = QS_PROFILE_GENERIC;
            pending = 1;
        }
        if (rc == QS_EEOF || rc == QS_EDATA)
            rc = QS_OK;
        if (rc)
            goto done;
    }
    if (!find_item_candidates(&d)) {
        rc = QS_ENOMEM;
        goto done;
    }
    decide_items(&d);
    decide_identity(&d);
    if (pending)
        data_row(&d, &rec);
    for (;;) {
        rc = qs_reader_next(r, &rec, diag);
        if (rc == QS_EEOF)
            break;
        if (rc == QS_EDATA) {
            d.rows++;
            continue;
        }
        if (rc)
            goto done;
        data_row(&d, &rec);
        if (d.oom) {
            rc = QS_ENOMEM;
            goto done;
        }
    }
    rc = QS_OK;
    write_draft(&b, &d, qs_reader_encoding(r), qs_reader_delimiter(r));
    if (b.oom || d.oom) {
        rc = QS_ENOMEM;
        goto done;
    }
    out->text = b.p;
    out->len = b.len;
    b.p = NULL;
done:
    if (rc == QS_ENOMEM)
        qs_diag_set(diag, display, 0, 0, NULL, "out of memory");
    if (rc)
        qs_diag_list_release(&out->undecided);
    free(b.p);
    qs_reader_free(r);
    free_row(d.row1, d.ncols);
    free_row(d.row2, d.ncols);
    for (size_t i = 0; i < d.ncands; i++)
        free(d.cands[i].pattern);
    free(d.cands);
    for (size_t i = 0; i < d.nanswers; i++) {
        free(d.answers[i].text);
        free(d.answers[i].folded);
    }
    free(d.answers);
    free(d.item_col);
    return rc;
}

void qs_mapdraft_release(qs_mapdraft *d)
{
    if (!d)
        return;
    free(d->text);
    d->text = NULL;
    d->len = 0;
    qs_diag_list_release(&d->undecided);
}

int qs_mapdraft__item_pattern(char *const *row1, char *const *row2, size_t ncols,
                              const qs_instrument *inst, char *out, size_t size, int *row)
{
    struct draft d;
    qs_diag_list scratch;
    int found = 0;
    memset(&d, 0, sizeof(d));
    qs_diag_list_init(&scratch);
    d.inst = inst;
    d.display = "";
    d.undecided = &scratch;
    d.ncols = ncols;
    d.row1 = (char **)row1;
    d.row2 = (char **)row2;
    d.item_col = calloc(inst->nitems ? inst->nitems : 1, sizeof(long));
    if (d.item_col && find_item_candidates(&d)) {
        decide_items(&d);
        if (d.item_pattern && strlen(d.item_pattern) < size) {
            snprintf(out, size, "%s", d.item_pattern);
            *row = d.item_row;
            found = 1;
        }
    }
    for (size_t i = 0; i < d.ncands; i++)
        free(d.cands[i].pattern);
    free(d.cands);
    free(d.item_col);
    qs_diag_list_release(&scratch);
    return found;
}
