/* export.c - `qscore export`: an anonymized research cohort from the store (docs/export.md). */
#define _POSIX_C_SOURCE 200809L
#include "qscore/export.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "civil.h"
#include "export_internal.h"
#include "grow.h"
#include "qscore/instrument.h"
#include "qscore/mapping.h"
#include "qscore/pseudonym.h"
#include "qscore/store.h"

/* ---- is the config safe? ----------------------------------------------------------------- */

/*
 * Words that mark a column as an identifier, a name, contact data, a date or free text
 * (HIPAA Safe Harbor's 18 identifiers, 45 CFR 164.514(b)(2), and free text that may hold them).
 * A covariate whose name contains one is refused unless the config gives an override reason.
 */
static const char *const risky_parts[] = {
    "name",       "mail",      "phone",     "mobile",    "fax",     "address",  "street",
    "city",       "town",      "postal",    "postcode",  "birth",   "date",     "ssn",
    "social",     "medical",   "record",    "insur",     "account", "licen",    "vehicle",
    "plate",      "device",    "serial",    "url",       "web",     "photo",    "image",
    "biometr",    "finger",    "comment",   "note",      "text",    "free",     "therapist",
    "clinician",  "doctor",    "time",      "ip_",       "mrn",     "nhs",      "passport",
    "login",      "user",      "client",    "patient",   "subject", "person",   "participant",
    "respondent", "member",    "born",      "identif",   "counsel", "provider", "staff",
    "nurse",      "psycholog", "psychiatr", "physician", "worker",  "coach",    "supervis",
    "team",       "carer",     "caregiver", NULL};
/* Whole words (between non-alphanumerics or the ends) that are identifiers on their own. */
static const char *const risky_words[] = {"id",  "ip",  "dob",  "zip",   "tel", "ssn",
                                          "mrn", "uid", "guid", "email", "yob", NULL};

/* An identifier folded for comparison: ASCII letters lowercased, only letters and digits kept
 * (bytes above 127 kept as they are). Returns its length. */
static size_t fold_id(const char *s, char *out, size_t size)
{
    size_t o = 0;
    for (; *s && o + 1 < size; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 128 || isalnum(c))
            out[o++] = (char)tolower(c);
    }
    out[o] = '\0';
    return o;
}

static const char *risky(const char *name, qs_cov_kind kind)
{
    char low[80];
    size_t n = strlen(name);
    if (n >= sizeof(low))
        n = sizeof(low) - 1;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)tolower((unsigned char)name[i]);
    low[n] = '\0';
    for (size_t i = 0; risky_parts[i]; i++) {
        if (kind == QS_COV_YEAR && (strcmp(risky_parts[i], "date") == 0))
            continue;
        if (strstr(low, risky_parts[i]))
            return risky_parts[i];
    }
    /* "ClientID", "clientId", "IDnumber": an Id or ID where a word starts */
    for (size_t i = 0; name[i] && name[i + 1]; i++)
        if (name[i] == 'I' && (name[i + 1] == 'D' || name[i + 1] == 'd') &&
            (name[i + 2] == '\0' || !islower((unsigned char)name[i + 2])))
            return "id";
    for (const char *p = low; *p;) {
        size_t w = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789");
        for (size_t i = 0; risky_words[i]; i++)
            if (strlen(risky_words[i]) == w && strncmp(p, risky_words[i], w) == 0)
                return risky_words[i];
        p += w;
        while (*p && !isalnum((unsigned char)*p))
            p++;
    }
    return NULL;
}

qs_error qs_export_check(const qs_config *cfg, qs_diag_list *problems)
{
    const qs_export_config *e = &cfg->export_;
    size_t before = qs_diag_list_total(problems);
    if (e->k < 5)
        qs_diag_list_add(problems, cfg->path, e->k_line, e->k_col, "export.k",
                         "k = %ld: cells of fewer than 5 clients can identify them; use 5 or "
                         "more (11, the CMS rule, is the default)",
                         e->k);
    for (size_t i = 0; i < e->ncovariates; i++) {
        const qs_export_covariate *c = &e->covariates[i];
        const char *why = risky(c->name, c->kind);
        if (why) {
            char path[128];
            snprintf(path, sizeof(path), "export.covariates.%s", c->name);
            qs_diag_list_add(problems, cfg->path, c->line, c->column, path,
                             "covariate '%s' looks like an identifier, a name, a date or free "
                             "text (it contains '%s'): it must not leave the clinic",
                             c->name, why);
        }
    }
    /* The columns the allow-listed covariates come from, in each source's mapping. */
    for (size_t s = 0; s < cfg->nsources && e->ncovariates; s++) {
        qs_mapping *m = NULL;
        qs_diag_list errs;
        qs_diag_list_init(&errs);
        int seen = 0; /* sources often share a mapping: check each file once */
        for (size_t t = 0; t < s && cfg->sources[s].mapping; t++)
            seen |= cfg->sources[t].mapping &&
                    strcmp(cfg->sources[t].mapping, cfg->sources[s].mapping) == 0;
        if (!seen && cfg->sources[s].mapping &&
            qs_mapping_load(&m, cfg->sources[s].mapping, &errs) != QS_OK)
            qs_diag_list_add(problems, cfg->sources[s].mapping, 0, 0, NULL,
                             "cannot read this mapping to check where covariates come from "
                             "(qscore check or qscore run says why)");
        if (m) {
            for (size_t i = 0; i < m->ncovariates; i++) {
                const char *why = NULL;
                int listed = 0;
                for (size_t j = 0; j < e->ncovariates; j++)
                    if (strcmp(e->covariates[j].name, m->covariates[i].name) == 0) {
                        listed = 1;
                        why = risky(m->covariates[i].col.text, e->covariates[j].kind);
                    }
                static const char *const id_keys[] = {"client_id", "response_id", "therapist",
                                                      "group", "administered"};
                const qs_colref *ids[] = {&m->client_id, &m->response_id, &m->therapist, &m->group,
                                          &m->administered};
                if (listed && m->covariates[i].col.text[0] == '#')
                    qs_diag_list_add(problems, m->path, m->covariates[i].col.line,
                                     m->covariates[i].col.column, NULL,
                                     "covariate '%s' is read by column number (%s): qscore "
                                     "cannot check what that column is; name it by its header",
                                     m->covariates[i].name, m->covariates[i].col.text);
                for (size_t j = 0; j < 5 && listed; j++)
                    if (ids[j]->text && strcmp(ids[j]->text, m->covariates[i].col.text) == 0)
                        qs_diag_list_add(problems, m->path, m->covariates[i].col.line,
                                         m->covariates[i].col.column, NULL,
                                         "covariate '%s' is read from the mapping's %s column "
                                         "'%s': it must not leave the clinic",
                                         m->covariates[i].name, id_keys[j],
                                         m->covariates[i].col.text);
                if (why)
                    qs_diag_list_add(problems, m->path, m->covariates[i].col.line,
                                     m->covariates[i].col.column, NULL,
                                     "covariate '%s' is read from column '%s', which looks like "
                                     "an identifier, a name, a date or free text (it contains "
                                     "'%s')",
                                     m->covariates[i].name, m->covariates[i].col.text, why);
            }
        }
        qs_mapping_free(m);
        qs_diag_list_release(&errs);
    }
    if (qs_diag_list_total(problems) != before && !e->override)
        return QS_EINVALID;
    return QS_OK;
}

/* ---- reading the store ------------------------------------------------------------------- */

struct xflag {
    long long admin;
    const char *flag, *status, *severity;
};

struct xrow {
    long long id;
    char pid[QS_PSEUDONYM_LEN + 1];
    char gpid[QS_PSEUDONYM_LEN + 1]; /* "" without a group */
    const char *site, *version, *answers;
    const char *instid;
    size_t inst;
    long wave;
    long days; /* LONG_MIN when undated */
    int year;  /* the client's baseline year; 0 when undated */
    int raised, first;
    const char **cov; /* per export.covariates, as exported, or NULL */
    double *value, *t;
    const char **status;
    size_t flag0, nflags;
};

struct xstate {
    const qs_config *cfg;
    const qs_export_opts *opts;
    qs_diag_list *errors;
    qs_pool *pool;
    unsigned char key[QS_KEY_BYTES];
    char fingerprint[QS_FINGERPRINT_LEN + 1];
    size_t ninsts;
    qs_instrument **insts;
    size_t nrows, rowcap;
    struct xrow *rows;
    size_t nflags, flagcap;
    struct xflag *flags;
    size_t *order; /* row indexes in administration id order (find_row) */
    size_t nnotes;
    const char **notes;
    unsigned long undated_skipped, cov_unreadable;
    int oom;                 /* a note could not be recorded */
    long since, until;       /* --since/--until as days since 1970, or LONG_MIN/LONG_MAX */
    unsigned long *cov_echo; /* per covariate: values equal to a client id, group, therapist */
    const char **who;        /* folded client ids, response ids, groups, therapists */
    size_t nwho, whocap;
};

static void note(struct xstate *X, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void note(struct xstate *X, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    const char **v = qs_pool__calloc(X->pool, X->nnotes + 1, sizeof(char *));
    if (!v) {
        X->oom = 1;
        return;
    }
    if (X->nnotes)
        memcpy(v, X->notes, X->nnotes * sizeof(char *));
    v[X->nnotes] = qs_pool__strndup(X->pool, buf, strlen(buf));
    if (v[X->nnotes])
        X->notes = v, X->nnotes++;
    else
        X->oom = 1; /* a manifest without a note it must have is not written */
}

static const char *pool_str(struct xstate *X, const char *s)
{
    const char *t = s ? s : "";
    return qs_pool__strndup(X->pool, t, strlen(t));
}

static qs_error load_instruments(struct xstate *X)
{
    const qs_config *cfg = X->cfg;
    X->insts = qs_pool__calloc(X->pool, cfg->nsources ? cfg->nsources : 1, sizeof(*X->insts));
    if (!X->insts)
        return QS_ENOMEM;
    for (size_t i = 0; i < cfg->nsources; i++) {
        qs_instrument *inst;
        qs_error rc = qs_source_instrument(&cfg->sources[i], &inst, X->errors);
        if (rc)
            return rc;
        int dup = 0;
        for (size_t j = 0; j < X->ninsts; j++)
            dup |= strcmp(X->insts[j]->id, inst->id) == 0;
        if (dup)
            qs_instrument_free(inst);
        else
            X->insts[X->ninsts++] = inst;
    }
    return QS_OK;
}

static int find_inst(const struct xstate *X, const char *id)
{
    for (size_t i = 0; i < X->ninsts; i++)
        if (strcmp(X->insts[i]->id, id) == 0)
            return (int)i;
    return -1;
}

/* Parse the YYYY-MM-DD start of an ISO date; 0 when it is not one. */
static int parse_date(const char *s, long *days, int *year)
{
    if (!s || strlen(s) < 10)
        return 0;
    for (int i = 0; i < 10; i++)
        if ((i == 4 || i == 7) ? s[i] != '-' : !isdigit((unsigned char)s[i]))
            return 0;
    long y = strtol(s, NULL, 10), m = (s[5] - '0') * 10 + (s[6] - '0'),
         d = (s[8] - '0') * 10 + (s[9] - '0');
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return 0;
    *days = qs_civil__days(y, m, d);
    *year = (int)y;
    return 1;
}

/* An age in years as a band; ages over 89 are one band (HIPAA Safe Harbor). NULL if not an age. */
static const char *age_band(const char *v)
{
    static const struct {
        double below;
        const char *band;
    } bands[] = {{18, "0-17"},  {25, "18-24"}, {35, "25-34"}, {45, "35-44"}, {55, "45-54"},
                 {65, "55-64"}, {75, "65-74"}, {90, "75-89"}, {131, "90+"}};
    char *end;
    double age = strtod(v, &end);
    while (*end == ' ')
        end++;
    if (end == v || *end || !(age >= 0 && age < 131))
        return NULL;
    for (size_t i = 0; i < sizeof(bands) / sizeof(bands[0]); i++)
        if (age < bands[i].below)
            return bands[i].band;
    return NULL;
}

/* The exported value of each allow-listed covariate from the stored "name<TAB>value" lines. */
static qs_error read_covariates(struct xstate *X, struct xrow *r, const char *text)
{
    const qs_export_config *e = &X->cfg->export_;
    if (!e->ncovariates)
        return QS_OK;
    r->cov = qs_pool__calloc(X->pool, e->ncovariates, sizeof(char *));
    if (!r->cov)
        return QS_ENOMEM;
    for (const char *line = text; line && *line;) {
        const char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');
        const char *end = nl ? nl : line + strlen(line);
        if (tab && tab < end) {
            for (size_t i = 0; i < e->ncovariates; i++) {
                const qs_export_covariate *c = &e->covariates[i];
                if (strlen(c->name) != (size_t)(tab - line) ||
                    strncmp(c->name, line, (size_t)(tab - line)) != 0)
                    continue;
                char v[512];
                size_t n = (size_t)(end - tab - 1);
                if (n >= sizeof(v))
                    n = sizeof(v) - 1;
                memcpy(v, tab + 1, n);
                v[n] = '\0';
                const char *out = NULL;
                char year[16];
                long days;
                int y;
                if (c->kind == QS_COV_CATEGORY) {
                    out = v;
                } else if (c->kind == QS_COV_AGE_BAND) {
                    out = age_band(v);
                } else if (parse_date(v, &days, &y)) {
                    /* a year 90 or more before the baseline may be a birth year of someone
                     * over 89 (HIPAA Safe Harbor): one category for all of them */
                    snprintf(year, sizeof(year), "%d", y);
                    out = r->year && r->year - y >= 90 ? "90+ years before baseline" : year;
                }
                if (!out)
                    X->cov_unreadable++;
                else if (!(r->cov[i] = qs_pool__strndup(X->pool, out, strlen(out))))
                    return QS_ENOMEM;
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    return QS_OK;
}

static int cmp_strp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * A category covariate must be a small closed set: more than 20 distinct values, or values that
 * look like an e-mail address or a date, mean free text or an identifier. Problems go to
 * `problems`; returns the number found.
 */
static size_t check_categories(struct xstate *X, qs_diag_list *problems)
{
    const qs_export_config *e = &X->cfg->export_;
    size_t found = 0;
    if (X->nwho)
        qsort(X->who, X->nwho, sizeof(char *), cmp_strp);
    const char **v = malloc((X->nrows ? X->nrows : 1) * sizeof(char *));
    if (!v) {
        qs_diag_list_add(problems, X->cfg->path, 0, 0, "export.covariates",
                         "out of memory while checking the covariates");
        return 1;
    }
    for (size_t i = 0; i < e->ncovariates; i++) {
        const qs_export_covariate *c = &e->covariates[i];
        size_t n = 0, distinct = 0, emails = 0, dates = 0, formulas = 0;
        if (c->kind != QS_COV_CATEGORY)
            continue;
        for (size_t r = 0; r < X->nrows; r++)
            if (X->rows[r].cov && X->rows[r].cov[i])
                v[n++] = X->rows[r].cov[i];
        qsort(v, n, sizeof(char *), cmp_strp);
        for (size_t k = 0; k < n; k++) {
            long days;
            int y;
            if (k == 0 || strcmp(v[k], v[k - 1]) != 0) {
                distinct++;
                emails += strchr(v[k], '@') != NULL;
                dates += parse_date(v[k], &days, &y);
                /* "=...", "+...", "-...", "@..." open as formulas in a spreadsheet, unless the
                 * whole value is a number ("-1") */
                if (v[k][0] && strchr("=+-@", v[k][0])) {
                    char *end;
                    errno = 0;
                    (void)strtod(v[k], &end);
                    formulas += end == v[k] || *end != '\0';
                }
            }
        }
        for (size_t k = 0; k < n; k++) {
            char folded[256];
            if (fold_id(v[k], folded, sizeof(folded)) < 3)
                continue;
            const char *key = folded;
            if (X->nwho && bsearch(&key, X->who, X->nwho, sizeof(char *), cmp_strp))
                X->cov_echo[i]++;
        }
        char path[128];
        snprintf(path, sizeof(path), "export.covariates.%s", c->name);
        if (X->cov_echo[i]) {
            found++;
            qs_diag_list_add(problems, X->cfg->path, c->line, c->column, path,
                             "covariate '%s' holds a client id, response id, group or "
                             "therapist name (%lu values, compared without case or "
                             "punctuation): it must not leave the clinic",
                             c->name, X->cov_echo[i]);
        }
        if (distinct > 20 || emails || dates || formulas) {
            found++;
            qs_diag_list_add(problems, X->cfg->path, c->line, c->column, path,
                             "covariate '%s' has %zu distinct values%s: a category is a small "
                             "closed set; free text, dates or identifiers must not leave the "
                             "clinic",
                             c->name, distinct,
                             emails     ? ", some like e-mail addresses"
                             : dates    ? ", some like dates"
                             : formulas ? ", some like spreadsheet formulas"
                                        : "");
        }
    }
    free(v);
    return found;
}

struct covref {
    const char *value, *site, *pid;
    size_t row;
};

static int cmp_covref(const void *a, const void *b)
{
    const struct covref *x = a, *y = b;
    int c;
    if ((c = strcmp(x->site, y->site)) || (c = strcmp(x->value, y->value)))
        return c;
    return strcmp(x->pid, y->pid);
}

/*
 * A covariate value held by fewer than k clients of a site could single them out: it is written
 * as "(rare)" instead (for categories and years; age bands are wide already). Counted per site,
 * so a site's export and a pooled or merged one recode alike. Returns QS_ENOMEM or QS_OK;
 * *recoded counts the values replaced.
 */
static qs_error recode_rare(struct xstate *X, unsigned long *recoded)
{
    const qs_export_config *e = &X->cfg->export_;
    struct covref *v = malloc((X->nrows ? X->nrows : 1) * sizeof(*v));
    if (!v)
        return QS_ENOMEM;
    for (size_t i = 0; i < e->ncovariates; i++) {
        size_t n = 0;
        if (e->covariates[i].kind == QS_COV_AGE_BAND)
            continue;
        for (size_t r = 0; r < X->nrows; r++)
            if (X->rows[r].cov && X->rows[r].cov[i])
                v[n++] = (struct covref){X->rows[r].cov[i], X->rows[r].site, X->rows[r].pid, r};
        if (n)
            qsort(v, n, sizeof(*v), cmp_covref);
        for (size_t a = 0; a < n;) {
            size_t b = a, clients = 0;
            while (b < n && strcmp(v[b].site, v[a].site) == 0 &&
                   strcmp(v[b].value, v[a].value) == 0) {
                clients += b == a || strcmp(v[b].pid, v[b - 1].pid) != 0;
                b++;
            }
            if (clients < (size_t)e->k) {
                (*recoded)++;
                for (size_t j = a; j < b; j++)
                    X->rows[v[j].row].cov[i] = "(rare)";
            }
            a = b;
        }
    }
    free(v);
    return QS_OK;
}

/* Record `s`, a client id, response id, group or therapist, folded (check_categories refuses
 * a covariate that repeats one); ids shorter than 3 characters are not compared. */
static qs_error note_who(struct xstate *X, const char *s)
{
    char folded[256];
    if (!s || fold_id(s, folded, sizeof(folded)) < 3)
        return QS_OK;
    const char **v = qs_grow__array(X->who, &X->whocap, X->nwho + 1, sizeof(char *), 1024);
    if (!v)
        return QS_ENOMEM;
    X->who = v;
    if (!(X->who[X->nwho++] = qs_pool__strndup(X->pool, folded, strlen(folded))))
        return QS_ENOMEM;
    return QS_OK;
}

/* The store's callback for each current administration: a row of the export, unless its
 * instrument is not the config's (a note says so), --instrument leaves it out, or
 * --since/--until do. */
static qs_error on_admin(void *ctx, const qs_store_export_admin *a)
{
    struct xstate *X = ctx;
    const char *instrument = a->instrument ? a->instrument : "";
    int ii = find_inst(X, instrument);
    if (ii < 0) {
        int seen = 0;
        for (size_t i = 0; i < X->nnotes; i++)
            seen |= strstr(X->notes[i], instrument) != NULL;
        if (!seen)
            note(X, "instrument '%s' is in the store but not in the config: not exported",
                 instrument);
        return QS_OK;
    }
    if (X->opts->instrument && strcmp(X->opts->instrument, instrument) != 0)
        return QS_OK;
    long days = LONG_MIN, base = LONG_MIN;
    int year = 0, byear = 0;
    int dated = parse_date(a->administered, &days, &year);
    if (!dated) {
        days = LONG_MIN;
        year = 0;
    }
    if ((X->opts->since || X->opts->until) && (!dated || days < X->since || days > X->until)) {
        if (!dated)
            X->undated_skipped++;
        return QS_OK;
    }
    if (dated && !parse_date(a->client_first_date, &base, &byear)) {
        base = days;
        byear = year;
    }
    struct xrow *grown = qs_grow__array(X->rows, &X->rowcap, X->nrows + 1, sizeof(*grown), 1024);
    if (!grown)
        return QS_ENOMEM;
    X->rows = grown;
    struct xrow *r = &X->rows[X->nrows];
    memset(r, 0, sizeof(*r));
    r->id = a->id;
    r->site = pool_str(X, a->site);
    const char *client = a->client, *group = a->group;
    qs_pseudonym(X->key, "client", r->site ? r->site : "", client ? client : "", r->pid);
    if (group && group[0])
        qs_pseudonym(X->key, "group", r->site ? r->site : "", group, r->gpid);
    r->version = pool_str(X, a->instrument_version);
    r->answers = pool_str(X, a->answers);
    r->inst = (size_t)ii;
    r->instid = X->insts[ii]->id;
    r->wave = (long)a->wave;
    r->days = dated ? days - base : LONG_MIN;
    /* The baseline's year, not the administration's: with days since baseline, the year of
     * each administration would pin dates down (a visit on each side of New Year). */
    r->year = dated ? byear : 0;
    size_t ns = X->insts[ii]->nscores;
    r->value = qs_pool__calloc(X->pool, ns ? ns : 1, sizeof(double));
    r->t = qs_pool__calloc(X->pool, ns ? ns : 1, sizeof(double));
    r->status = qs_pool__calloc(X->pool, ns ? ns : 1, sizeof(char *));
    if (!r->site || !r->version || !r->answers || !r->value || !r->t || !r->status)
        return QS_ENOMEM;
    for (size_t s = 0; s < ns; s++)
        r->value[s] = r->t[s] = NAN;
    qs_error rc = read_covariates(X, r, a->covariates);
    if (rc)
        return rc;
    /* Who the clients are (ids, groups, therapists), folded: no covariate may repeat them. */
    const char *who[] = {client, group, a->therapist, a->response_id};
    for (size_t w = 0; w < 4 && X->cfg->export_.ncovariates && !rc; w++)
        rc = note_who(X, who[w]);
    if (rc)
        return rc;
    X->nrows++;
    return QS_OK;
}

static int cmp_rows(const void *a, const void *b)
{
    const struct xrow *x = a, *y = b;
    int c;
    if ((c = strcmp(x->site, y->site)) || (c = strcmp(x->pid, y->pid)))
        return c;
    if ((c = strcmp(x->instid, y->instid)) || (c = strcmp(x->version, y->version)))
        return c;
    return x->wave < y->wave ? -1 : x->wave > y->wave;
}

/* Row index of administration `id`, or -1 (ids sorted in `order`). */
static long find_row(const struct xstate *X, const size_t *order, long long id)
{
    size_t lo = 0, hi = X->nrows;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (X->rows[order[mid]].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < X->nrows && X->rows[order[lo]].id == id ? (long)order[lo] : -1;
}

static const struct xstate *sort_ctx;
static int cmp_by_id(const void *a, const void *b)
{
    long long x = sort_ctx->rows[*(const size_t *)a].id, y = sort_ctx->rows[*(const size_t *)b].id;
    return x < y ? -1 : x > y;
}

static int cmp_flags(const void *a, const void *b)
{
    const struct xflag *x = a, *y = b;
    if (x->admin != y->admin)
        return x->admin < y->admin ? -1 : 1;
    return strcmp(x->flag, y->flag);
}

/* After the administrations: the rows in id order, for find_row. */
static qs_error on_admins_done(void *ctx)
{
    struct xstate *X = ctx;
    X->order = malloc((X->nrows ? X->nrows : 1) * sizeof(size_t));
    if (!X->order)
        return QS_ENOMEM;
    for (size_t i = 0; i < X->nrows; i++)
        X->order[i] = i;
    sort_ctx = X;
    qsort(X->order, X->nrows, sizeof(size_t), cmp_by_id);
    return QS_OK;
}

/* A score of a current administration, kept when its row is exported. */
static qs_error on_score(void *ctx, const qs_store_export_score *sc)
{
    struct xstate *X = ctx;
    long r = find_row(X, X->order, sc->admin);
    if (r < 0)
        return QS_OK;
    struct xrow *row = &X->rows[r];
    int s = qs_instrument_score_index(X->insts[row->inst], sc->score);
    if (s < 0)
        return QS_OK;
    if (!isnan(sc->value))
        row->value[s] = sc->value;
    if (!isnan(sc->t))
        row->t[s] = sc->t;
    row->status[s] = pool_str(X, sc->status);
    return QS_OK;
}

/* A flag of a current administration, kept when its row is exported; a raised one marks it. */
static qs_error on_flag(void *ctx, const qs_store_export_flag *fl)
{
    struct xstate *X = ctx;
    long r = find_row(X, X->order, fl->admin);
    if (r < 0)
        return QS_OK;
    struct xflag *v = qs_grow__array(X->flags, &X->flagcap, X->nflags + 1, sizeof(*v), 256);
    if (!v)
        return QS_ENOMEM;
    X->flags = v;
    struct xflag *f = &X->flags[X->nflags++];
    f->admin = fl->admin;
    f->flag = pool_str(X, fl->flag);
    f->status = pool_str(X, fl->status);
    f->severity = pool_str(X, fl->severity);
    if (!f->flag || !f->status || !f->severity)
        return QS_ENOMEM;
    if (strcmp(f->status, "raised") == 0)
        X->rows[r].raised = 1;
    return QS_OK;
}

/* Each row's flags as a run of X->flags (sorted by administration and flag). */
static void attach_flags(struct xstate *X)
{
    if (X->nflags)
        qsort(X->flags, X->nflags, sizeof(struct xflag), cmp_flags);
    for (size_t i = 0, j = 0; i < X->nrows; i++) {
        struct xrow *row = &X->rows[X->order[i]];
        while (j < X->nflags && X->flags[j].admin < row->id)
            j++;
        row->flag0 = j;
        while (j < X->nflags && X->flags[j].admin == row->id)
            j++;
        row->nflags = j - row->flag0;
    }
}

/* ---- writing ----------------------------------------------------------------------------- */

/* The columns every long file starts with; `partition`: without instrument and site. */
static void row_head(FILE *fp, const struct xstate *X, const struct xrow *r, int partition)
{
    fputs(r->pid, fp);
    if (!partition) {
        fputc(',', fp);
        qs_x__csv_field(fp, r->site);
    }
    fputc(',', fp);
    fputs(r->gpid, fp);
    if (!partition) {
        fputc(',', fp);
        fputs(X->insts[r->inst]->id, fp);
    }
    fputc(',', fp);
    qs_x__csv_field(fp, r->version);
    fprintf(fp, ",%ld,", r->wave);
    if (r->days != LONG_MIN)
        fprintf(fp, "%ld", r->days);
    if (X->cfg->export_.year) {
        fputc(',', fp);
        if (r->year)
            fprintf(fp, "%d", r->year);
    }
    fputc(',', fp);
}

static void head_line(FILE *fp, const struct xstate *X, qs_xfile_kind kind)
{
    qs_x__write_header(fp, kind, X->cfg->export_.year, 0, NULL);
    for (size_t i = 0; i < X->cfg->export_.ncovariates; i++) {
        fputc(',', fp);
        fputs(X->cfg->export_.covariates[i].name, fp);
    }
    fputc('\n', fp);
}

/* The allow-listed covariates at the end of a line, and the line's end. */
static void row_tail(FILE *fp, const struct xstate *X, const struct xrow *r)
{
    for (size_t i = 0; i < X->cfg->export_.ncovariates; i++) {
        fputc(',', fp);
        if (r->cov)
            qs_x__csv_field(fp, r->cov[i]);
    }
    fputc('\n', fp);
}

static void score_line(FILE *fp, const struct xstate *X, const struct xrow *r, size_t s,
                       int partition)
{
    row_head(fp, X, r, partition);
    fputs(X->insts[r->inst]->scores[s].id, fp);
    fputc(',', fp);
    qs_x__csv_real(fp, r->value[s]);
    fputc(',', fp);
    qs_x__csv_nan(fp, r->t[s], 1);
    fputc(',', fp);
    qs_x__csv_field(fp, r->status[s]);
    row_tail(fp, X, r);
}

/* Parse the stored answers "4,5,,3" into ans (QS_MISSING-like: INT_MIN when empty). */
static void parse_answers(const char *s, int *ans, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ans[i] = INT_MIN;
        if (!s)
            continue;
        if (*s && *s != ',') {
            char *end;
            long v = strtol(s, &end, 10);
            ans[i] = (int)v;
            s = end;
        }
        if (*s == ',')
            s++;
        else
            s = NULL;
    }
}

/* Mark the items of score `s` (its own, or those of its parts). */
static void score_items(const qs_instrument *inst, size_t s, char *mark, int depth)
{
    const qs_score_def *d = &inst->scores[s];
    for (size_t i = 0; i < d->nitems; i++)
        mark[d->items[i]] = 1;
    for (size_t i = 0; i < d->nparts && depth < 16; i++)
        score_items(inst, (size_t)d->parts[i], mark, depth + 1);
}

/* A score's items for reliability, worked out once per instrument: their indices and ids, and
 * the item statistics they go to (created when first used). */
struct relplan {
    size_t nitems;
    size_t *item;
    const char **ids;
    size_t rel; /* index into the cohort's rels, or SIZE_MAX */
};

static struct relplan *plan_scores(qs_pool *pool, const qs_instrument *inst, char *mark)
{
    struct relplan *pl = qs_pool__calloc(pool, inst->nscores ? inst->nscores : 1, sizeof(*pl));
    for (size_t s = 0; pl && s < inst->nscores; s++) {
        memset(mark, 0, inst->nitems);
        score_items(inst, s, mark, 0);
        pl[s].rel = SIZE_MAX;
        pl[s].item = qs_pool__calloc(pool, inst->nitems ? inst->nitems : 1, sizeof(size_t));
        pl[s].ids = qs_pool__calloc(pool, inst->nitems ? inst->nitems : 1, sizeof(char *));
        if (!pl[s].item || !pl[s].ids)
            return NULL;
        for (size_t j = 0; j < inst->nitems; j++) {
            char id[16];
            if (!mark[j])
                continue;
            snprintf(id, sizeof(id), "%d", inst->items[j].id);
            pl[s].item[pl[s].nitems] = j;
            if (!(pl[s].ids[pl[s].nitems++] = qs_pool__strndup(pool, id, strlen(id))))
                return NULL;
        }
    }
    return pl;
}

struct partfile {
    FILE *fp;
    char name[600];
    unsigned long rows;
};

/*
 * What writing an export carries from file to file: the long files and the current site's
 * partition files (one per instrument), the cohort the rows add to, the reliability plans and
 * their scratch arrays, and the partition and summary files listed for the manifest.
 */
struct xwrite {
    struct xstate *X;
    qs_xdir *dir;
    qs_diag d;
    qs_xcohort C;
    qs_xfile *files;
    size_t nfiles;
    struct partfile *parts;
    FILE *sc, *fl, *it;
    unsigned long nsc, nfl, nit;
    struct relplan **plans;
    int *ans;                                  /* the answers of the row being written */
    double *keyed;                             /* a score's items, keyed */
    char *mark;                                /* scratch for plan_scores */
    const char *covs[64], *kinds[64], *fps[1]; /* for the manifest */
};

/* Allocate what the rows need, plan each instrument's reliability, open the long files and
 * write their headers. */
static qs_error write_begin(struct xwrite *W)
{
    struct xstate *X = W->X;
    size_t maxitems = 1;
    for (size_t i = 0; i < X->ninsts; i++)
        if (X->insts[i]->nitems > maxitems)
            maxitems = X->insts[i]->nitems;
    W->parts = calloc(X->ninsts ? X->ninsts : 1, sizeof(*W->parts));
    W->ans = malloc(maxitems * sizeof(int));
    W->keyed = malloc(maxitems * sizeof(double));
    W->mark = malloc(maxitems);
    W->plans = qs_pool__calloc(X->pool, X->ninsts ? X->ninsts : 1, sizeof(*W->plans));
    if (!W->parts || !W->ans || !W->keyed || !W->mark || !W->plans)
        return QS_ENOMEM;
    for (size_t i = 0; i < X->ninsts; i++)
        if (!(W->plans[i] = plan_scores(X->pool, X->insts[i], W->mark)))
            return QS_ENOMEM;
    W->sc = qs_x__open(W->dir, "scores.csv", &W->d);
    W->fl = W->sc ? qs_x__open(W->dir, "flags.csv", &W->d) : NULL;
    W->it = W->fl && X->opts->items ? qs_x__open(W->dir, "items.csv", &W->d) : NULL;
    if (!W->sc || !W->fl || (X->opts->items && !W->it))
        return QS_EIO;
    head_line(W->sc, X, QS_XF_SCORES);
    head_line(W->fl, X, QS_XF_FLAGS);
    if (W->it)
        head_line(W->it, X, QS_XF_ITEMS);
    return QS_OK;
}

/* Close the open partition files (at a new site, and at the end) and list them for the
 * manifest, in instrument order. The first failure is returned; every file is closed. */
static qs_error close_parts(struct xwrite *W)
{
    qs_error rc = QS_OK;
    for (size_t p = 0; W->parts && p < W->X->ninsts; p++)
        if (W->parts[p].fp) {
            qs_error e = qs_x__close(W->parts[p].fp, W->parts[p].name, &W->d);
            W->parts[p].fp = NULL;
            if (!rc)
                rc = e ? e
                       : qs_x__add_file(&W->files, &W->nfiles, W->parts[p].name, W->parts[p].rows);
        }
    return rc;
}

/* The partition file of row `r`'s instrument at its site, opened with its header when new. */
static qs_error open_part(struct xwrite *W, const struct xrow *r, struct partfile **out)
{
    struct partfile *pf = &W->parts[r->inst];
    *out = pf;
    if (pf->fp)
        return QS_OK;
    char site[400];
    if (!qs_x__partition_value(r->site, site, sizeof(site))) {
        qs_diag_set(&W->d, W->X->cfg->path, 0, 0, NULL,
                    "site label '%.60s...' is empty or too long for a partition folder name (at "
                    "most about 130 characters)",
                    r->site);
        return QS_EINVALID;
    }
    snprintf(pf->name, sizeof(pf->name), "scores/instrument=%s/site=%s/part-0.csv",
             W->X->insts[r->inst]->id, site);
    pf->rows = 0;
    pf->fp = qs_x__open(W->dir, pf->name, &W->d);
    if (!pf->fp)
        return QS_EIO;
    head_line(pf->fp, W->X, QS_XF_PART);
    return QS_OK;
}

/* Row `r`'s lines of scores.csv, its partition file, flags.csv and items.csv; its scores go
 * to their cells. Leaves its answers in W->ans. */
static qs_error write_row(struct xwrite *W, const struct xrow *r, struct partfile *pf)
{
    const struct xstate *X = W->X;
    const qs_instrument *inst = X->insts[r->inst];
    for (size_t s = 0; s < inst->nscores; s++) {
        if (!r->status[s])
            continue;
        score_line(W->sc, X, r, s, 0);
        score_line(pf->fp, X, r, s, 1);
        W->nsc++;
        pf->rows++;
        if (isnan(r->value[s]))
            continue;
        qs_xcell *cell = qs_xcohort__cell(&W->C, r->site, r->gpid, inst->id, r->version,
                                          inst->scores[s].id, r->wave);
        if (!cell || qs_freq_add(&cell->freq, r->value[s], 1))
            return QS_ENOMEM;
        cell->flagged += r->raised;
    }
    for (size_t f = 0; f < r->nflags; f++) {
        const struct xflag *x = &X->flags[r->flag0 + f];
        row_head(W->fl, X, r, 0);
        qs_x__csv_field(W->fl, x->flag);
        fputc(',', W->fl);
        qs_x__csv_field(W->fl, x->status);
        fputc(',', W->fl);
        qs_x__csv_field(W->fl, x->severity);
        row_tail(W->fl, X, r);
        W->nfl++;
    }
    parse_answers(r->answers, W->ans, inst->nitems);
    for (size_t k = 0; W->it && k < inst->nitems; k++) {
        row_head(W->it, X, r, 0);
        fprintf(W->it, "%d,", inst->items[k].id);
        if (W->ans[k] != INT_MIN)
            fprintf(W->it, "%d,%d", W->ans[k], qs_instrument_keyed(inst, k, W->ans[k]));
        else
            fputc(',', W->it);
        row_tail(W->it, X, r);
        W->nit++;
    }
    return QS_OK;
}

/* Reliability: each client's first exported administration under the instrument's current
 * version adds its complete scores' keyed items, and every score's answered items to the
 * pairwise sums (W->ans holds its answers). */
static qs_error add_reliability(struct xwrite *W, const struct xrow *r)
{
    const qs_instrument *inst = W->X->insts[r->inst];
    if (!r->first || strcmp(r->version, inst->version) != 0)
        return QS_OK;
    for (size_t s = 0; s < inst->nscores; s++) {
        struct relplan *pl = &W->plans[r->inst][s];
        int complete = 1;
        if (pl->nitems < 2)
            continue;
        for (size_t j = 0; j < pl->nitems; j++) {
            int a = W->ans[pl->item[j]];
            if (a == INT_MIN)
                complete = 0;
            W->keyed[j] = a == INT_MIN ? NAN : qs_instrument_keyed(inst, pl->item[j], a);
        }
        if (pl->rel == SIZE_MAX) {
            qs_xrel *rel = qs_xcohort__rel(&W->C, inst->id, inst->version, inst->scores[s].id,
                                           pl->nitems, pl->ids);
            if (!rel)
                return QS_ENOMEM;
            pl->rel = (size_t)(rel - W->C.rels);
        }
        if (complete)
            qs_itemstats_add(&W->C.rels[pl->rel].st, W->keyed);
        qs_xrel__add_pairwise(&W->C.rels[pl->rel], W->keyed);
    }
    return QS_OK;
}

/* The long files and the partitions, row by row (rows are ordered by site, pid, instrument,
 * version, wave), then closed; counts clients and marks each row's `first`. */
static qs_error write_long_files(struct xwrite *W, qs_export_counts *out)
{
    struct xstate *X = W->X;
    qs_error rc = QS_OK;
    for (size_t i = 0; i < X->nrows && !rc; i++) {
        struct xrow *r = &X->rows[i], *prev = i ? &X->rows[i - 1] : NULL;
        int new_site = !prev || strcmp(r->site, prev->site) != 0;
        int new_client = new_site || strcmp(r->pid, prev->pid) != 0;
        if (new_site) /* a new site: new partition files */
            rc = close_parts(W);
        if (rc)
            break;
        out->clients += new_client;
        /* The client's first exported administration under this version of the instrument. */
        r->first = new_client || r->inst != prev->inst || strcmp(r->version, prev->version) != 0;
        struct partfile *pf;
        rc = open_part(W, r, &pf);
        if (!rc)
            rc = write_row(W, r, pf);
        if (!rc)
            rc = add_reliability(W, r);
    }
    qs_error e = close_parts(W);
    if (!rc)
        rc = e;
    if (rc)
        return rc;
    rc = qs_x__close(W->sc, "scores.csv", &W->d);
    W->sc = NULL;
    if (!rc)
        rc = qs_x__close(W->fl, "flags.csv", &W->d);
    W->fl = NULL;
    if (!rc && W->it)
        rc = qs_x__close(W->it, "items.csv", &W->d);
    W->it = NULL;
    if (rc)
        return rc;
    out->score_rows = W->nsc;
    out->flag_rows = W->nfl;
    out->item_rows = W->nit;
    out->administrations = X->nrows;
    return QS_OK;
}

/* The settings and provenance the manifest, README.txt and stats.csv record. */
static qs_xmeta export_meta(struct xwrite *W, const qs_export_counts *out)
{
    const struct xstate *X = W->X;
    const qs_export_config *e = &X->cfg->export_;
    size_t ncov = e->ncovariates < 64 ? e->ncovariates : 64;
    for (size_t i = 0; i < ncov; i++) {
        W->covs[i] = e->covariates[i].name;
        W->kinds[i] = qs_cov_kind_name(e->covariates[i].kind);
    }
    W->fps[0] = X->fingerprint;
    return (qs_xmeta){.kind = "export",
                      .k = e->k,
                      .year = e->year,
                      .items = X->opts->items,
                      .ncovariates = ncov,
                      .covariates = W->covs,
                      .covariate_kinds = W->kinds,
                      .nfingerprints = 1,
                      .fingerprints = W->fps,
                      .since = X->opts->since,
                      .until = X->opts->until,
                      .instrument = X->opts->instrument,
                      .override = e->override,
                      .nwarnings = X->nnotes,
                      .warnings = X->notes,
                      .clients = out->clients,
                      .administrations = out->administrations};
}

/* manifest.json: the long files first, then the partitions and summaries. */
static qs_error write_manifest(struct xwrite *W, const qs_xmeta *m)
{
    qs_xfile head[3];
    size_t nh = 0;
    snprintf(head[nh].name, sizeof(head[nh].name), "scores.csv");
    head[nh++].rows = W->nsc;
    snprintf(head[nh].name, sizeof(head[nh].name), "flags.csv");
    head[nh++].rows = W->nfl;
    if (W->X->opts->items) {
        snprintf(head[nh].name, sizeof(head[nh].name), "items.csv");
        head[nh++].rows = W->nit;
    }
    qs_xfile *all = malloc((nh + W->nfiles) * sizeof(qs_xfile));
    if (!all)
        return QS_ENOMEM;
    memcpy(all, head, nh * sizeof(qs_xfile));
    if (W->nfiles)
        memcpy(all + nh, W->files, W->nfiles * sizeof(qs_xfile));
    qs_error rc = qs_x__write_manifest(W->dir->tmp, m, all, nh + W->nfiles, &W->d);
    free(all);
    return rc;
}

/* Write every file of the export into the temporary folder `dir`: long files, partitions,
 * summaries, manifest. Problems go to X->errors. */
static qs_error write_all(struct xstate *X, qs_xdir *dir, qs_export_counts *out)
{
    struct xwrite W;
    memset(&W, 0, sizeof(W));
    W.X = X;
    W.dir = dir;
    qs_diag_clear(&W.d);
    if (qs_xcohort__init(&W.C))
        return QS_ENOMEM;
    qs_error rc = write_begin(&W);
    if (!rc)
        rc = write_long_files(&W, out);
    if (!rc) {
        qs_xmeta m = export_meta(&W, out);
        rc = qs_x__write_summaries(dir, &W.C, &m, &W.files, &W.nfiles, &W.d);
        out->cells = m.cells;
        out->cells_suppressed = m.cells_suppressed;
        if (!rc)
            rc = write_manifest(&W, &m);
    }
    if (rc && W.d.message[0])
        qs_diag_list_push(X->errors, &W.d);
    for (size_t p = 0; W.parts && p < X->ninsts; p++)
        if (W.parts[p].fp)
            fclose(W.parts[p].fp);
    if (W.sc)
        fclose(W.sc);
    if (W.fl)
        fclose(W.fl);
    if (W.it)
        fclose(W.it);
    free(W.parts);
    free(W.files);
    free(W.ans);
    free(W.keyed);
    free(W.mark);
    qs_xcohort__free(&W.C);
    return rc;
}

/*
 * A covariate's name becomes a column of the long files. It must not be the name of another
 * column of them (a second `t` or `value`; DuckDB compares names without case), nor a word
 * DuckDB's sniffer reads as a boolean (t, f, true, false, yes, no, in any case): above a column
 * empty in every row of a part file (a covariate no client of a site has) DuckDB then takes the
 * header for data and a plain read_csv of the partitions fails (docs/export.md). Not something
 * export.override accepts: the files would not read. Returns the number of problems added.
 */
static size_t check_covariate_names(const qs_config *cfg, qs_diag_list *errors)
{
    static const char *const booleans[] = {"t", "f", "true", "false", "yes", "no"};
    static const qs_xfile_kind kinds[] = {QS_XF_SCORES, QS_XF_FLAGS, QS_XF_ITEMS};
    const qs_export_config *e = &cfg->export_;
    size_t n = 0;
    for (size_t i = 0; i < e->ncovariates; i++) {
        const qs_export_covariate *c = &e->covariates[i];
        const char *clash = NULL;
        qs_xcol cols[QS_XCOLS_MAX];
        for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]) && !clash; k++) {
            size_t nc = qs_x__columns(kinds[k], 1, 0, NULL, NULL, cols, QS_XCOLS_MAX);
            for (size_t j = 0; j < nc && !clash; j++)
                if (strcasecmp(cols[j].name, c->name) == 0)
                    clash = "the name of another column of the export";
        }
        for (size_t j = 0; j < i && !clash; j++)
            if (strcasecmp(e->covariates[j].name, c->name) == 0)
                clash = "another covariate's name, but for case";
        for (size_t j = 0; j < sizeof(booleans) / sizeof(booleans[0]) && !clash; j++)
            if (strcasecmp(booleans[j], c->name) == 0)
                clash = "a word DuckDB reads as a boolean (its header would be taken for data "
                        "where the column is empty)";
        if (!clash)
            continue;
        char path[128];
        snprintf(path, sizeof(path), "export.covariates.%s", c->name);
        qs_diag_list_add(errors, cfg->path, c->line, c->column, path,
                         "covariate name '%s' is %s: choose another name", c->name, clash);
        n++;
    }
    return n;
}

/* The export's settings: --since/--until, the config's checks (what export.override accepts
 * becomes a note), the site key and its fingerprint, and the config's instruments. */
static qs_error export_begin(struct xstate *X, qs_export_counts *out)
{
    const qs_config *cfg = X->cfg;
    const qs_export_opts *opts = X->opts;
    qs_diag_list *errors = X->errors;
    qs_diag d;
    int y = 0;
    X->since = LONG_MIN;
    X->until = LONG_MAX;
    if ((opts->since && !parse_date(opts->since, &X->since, &y)) ||
        (opts->until && !parse_date(opts->until, &X->until, &y))) {
        qs_diag_list_add(errors, NULL, 0, 0, NULL, "--since/--until: expected YYYY-MM-DD");
        return QS_EUSAGE;
    }
    if (check_covariate_names(cfg, errors))
        return QS_EINVALID;
    size_t accepted_from = errors->count;
    qs_error rc = qs_export_check(cfg, errors);
    if (rc)
        return rc;
    size_t accepted_to = errors->count;
    qs_diag_clear(&d);
    rc = qs_key_load(cfg->export_.key_file, X->key, &d);
    if (rc) {
        qs_diag_list_push(errors, &d);
        return rc;
    }
    qs_key_fingerprint(X->key, X->fingerprint);
    memcpy(out->fingerprint, X->fingerprint, sizeof(out->fingerprint));
    X->pool = qs_pool__new();
    if (!X->pool)
        return QS_ENOMEM;
    X->cov_echo = qs_pool__calloc(X->pool, cfg->export_.ncovariates + 1, sizeof(unsigned long));
    if (!X->cov_echo)
        return QS_ENOMEM;
    for (size_t i = accepted_from; i < accepted_to; i++)
        note(X, "accepted by export.override: %s", errors->items[i].message);
    rc = load_instruments(X);
    if (rc)
        return rc;
    if (opts->instrument && find_inst(X, opts->instrument) < 0) {
        qs_diag_list_add(errors, cfg->path, 0, 0, NULL,
                         "--instrument %s: no source of the config uses that instrument",
                         opts->instrument);
        return QS_EUSAGE;
    }
    return QS_OK;
}

/* The current administrations with their scores and flags, read in one snapshot: a concurrent
 * `qscore run` cannot change the store between the reads. `*store` is the caller's to close. */
static qs_error read_store(struct xstate *X, qs_store **store)
{
    static const qs_store_export_reader reader = {on_admin, on_admins_done, on_score, on_flag};
    qs_diag d;
    qs_diag_clear(&d);
    qs_error rc = qs_store_open(store, X->cfg->store, 1, &d);
    if (rc) {
        qs_diag_list_push(X->errors, &d);
        return rc;
    }
    rc = qs_store_read_export(*store, &reader, X, &d);
    if (rc && d.message[0])
        qs_diag_list_add(X->errors, X->cfg->store, 0, 0, NULL, "%s", d.message);
    if (!rc)
        attach_flags(X);
    return rc;
}

/* What the rows read show about the covariates: refusals (unless export.override accepts them,
 * as notes), rare values recoded, and notes on values left out or empty. */
static qs_error check_covariate_values(struct xstate *X)
{
    const qs_export_config *e = &X->cfg->export_;
    if (X->undated_skipped)
        note(X, "%lu undated administrations left out by --since/--until", X->undated_skipped);
    if (X->cov_unreadable)
        note(X, "%lu covariate values were not an age or a date as their kind needs: left empty",
             X->cov_unreadable);
    size_t accepted_from = X->errors->count;
    if (check_categories(X, X->errors)) {
        if (!e->override)
            return QS_EINVALID;
        for (size_t i = accepted_from; i < X->errors->count; i++)
            note(X, "accepted by export.override: %s", X->errors->items[i].message);
    }
    unsigned long recoded = 0;
    qs_error rc = recode_rare(X, &recoded);
    if (rc)
        return rc;
    if (recoded)
        note(X, "%lu covariate values held by fewer than k = %ld clients were written as (rare)",
             recoded, e->k);
    for (size_t i = 0; i < e->ncovariates; i++) {
        int mapped = 0;
        for (size_t r = 0; r < X->nrows && !mapped; r++)
            mapped = X->rows[r].cov && X->rows[r].cov[i];
        if (!mapped)
            note(X,
                 "covariate '%s' has no value in the exported administrations (no source's "
                 "mapping names it?)",
                 e->covariates[i].name);
    }
    return QS_OK;
}

qs_error qs_export_write(const qs_config *cfg, const qs_export_opts *opts, qs_export_counts *out,
                         qs_diag_list *errors)
{
    struct xstate X;
    qs_store *store = NULL;
    qs_xdir dir;
    qs_diag d;
    memset(out, 0, sizeof(*out));
    memset(&X, 0, sizeof(X));
    dir.tmp[0] = '\0';
    qs_diag_clear(&d);
    X.cfg = cfg;
    X.opts = opts;
    X.errors = errors;
    qs_error rc = export_begin(&X, out);
    if (!rc)
        rc = read_store(&X, &store);
    if (!rc) {
        out->undated_skipped = X.undated_skipped;
        rc = check_covariate_values(&X);
    }
    if (!rc) {
        if (X.nrows)
            qsort(X.rows, X.nrows, sizeof(struct xrow), cmp_rows);
        rc = qs_x__dir_begin(&dir, opts->out_dir, &d);
        if (rc)
            qs_diag_list_push(errors, &d);
    }
    if (!rc && X.oom)
        rc = QS_ENOMEM; /* a note could not be recorded: no manifest without it */
    if (!rc)
        rc = write_all(&X, &dir, out);
    if (!rc) {
        rc = qs_x__dir_commit(&dir, &d);
        if (rc)
            qs_diag_list_push(errors, &d);
    }
    qs_x__dir_abort(&dir);
    sodium_memzero(X.key, sizeof(X.key));
    qs_store_close(store);
    for (size_t i = 0; i < X.ninsts; i++)
        qs_instrument_free(X.insts[i]);
    free(X.rows);
    free(X.flags);
    free(X.order);
    free(X.who);
    qs_pool__free(X.pool);
    return rc;
}
