/* report_build.c - read the store and build one qs_report per therapist or group. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grow.h"
#include "pool.h"
#include "qscore/atomic.h"
#include "qscore/expr.h"
#include "qscore/output.h"
#include "qscore/report.h"
#include "qscore/score.h"
#include "qscore/store.h"
#include "qscore/version.h"
#include "report_internal.h"

/*
 * Design. Everything a workbook shows is read from the store through its read API
 * (qscore/store.h, "reading for reports": current administrations, their scores and flags, the
 * change rows, the last run, the files), in one read transaction, into one pool;
 * administrations are grouped into rows (client x instrument, history oldest first, latest
 * last) and rows into workbooks by the latest administration's therapist (or group). Rows are
 * ordered flagged first, by severity, then by site, client and instrument, so the same store
 * gives the same workbook. The writer (workbook*.c) only lays the report out.
 *
 * Labels follow the values: each administration keeps the instrument version and norm it was
 * scored with, and a workbook names those (qs_rep_instrument.versions/norms, per workbook),
 * never the ones today's config would choose.
 */

struct adm {
    long long id;
    const char *client, *site, *group, *therapist, *date, *response_id;
    const char *version, *norm; /* as stored: what its values were computed with */
    int inst;                   /* index into the loaded instruments */
    long long run;
    double missing_fraction, irv;
    long longstring;
    int *answers;
    double *value, *t;  /* per score */
    qs_rep_flag *flags; /* filled in a second pass */
    size_t nflags, capflags;
    int flagged;
    int usable;             /* not careless, not invalid */
    const char *reason;     /* why not usable, in words */
    unsigned char *flag_on; /* per score: a raised flag's rule uses it */
};

struct loaded {
    qs_instrument *inst;
    int norm;
};

struct build {
    qs_pool *pool;
    const qs_config *cfg;
    qs_store *store;
    struct loaded *insts;
    size_t ninsts;
    qs_rep_instrument *rep_insts;
    struct adm *adms;
    size_t nadms, capadms;
    long long last_run;
    const char *last_run_started;
    const char *last_run_ended;
    const char *data_through; /* the latest form's date in the store */
    qs_rep_file *files;       /* malloc'ed, its strings in the pool */
    size_t nfiles, capfiles;
    long long open_quarantined;
    struct quar_who *quar; /* the open ones by whose they are: a list in the pool */
    qs_diag_list *errors;
};

static char *pdup(struct build *B, const char *s)
{
    return s ? qs_pool__strndup(B->pool, s, strlen(s)) : NULL;
}

/* A failed store read: its message joins the errors (QS_ENOMEM has none). Returns rc. */
static qs_error store_failed(struct build *B, qs_error rc, const qs_diag *d)
{
    if (rc && d->message[0])
        qs_diag_list_push(B->errors, d);
    return rc;
}

static int find_inst(const struct build *B, const char *id)
{
    for (size_t i = 0; i < B->ninsts; i++)
        if (strcmp(B->insts[i].inst->id, id) == 0)
            return (int)i;
    return -1;
}

static qs_error load_instruments(struct build *B)
{
    const qs_config *cfg = B->cfg;
    B->insts = qs_pool__calloc(B->pool, cfg->nsources ? cfg->nsources : 1, sizeof(*B->insts));
    B->rep_insts =
        qs_pool__calloc(B->pool, cfg->nsources ? cfg->nsources : 1, sizeof(*B->rep_insts));
    if (!B->insts || !B->rep_insts)
        return QS_ENOMEM;
    for (size_t i = 0; i < cfg->nsources; i++) {
        qs_instrument *inst;
        qs_error rc = qs_source_instrument(&cfg->sources[i], &inst, B->errors);
        if (rc)
            return rc;
        if (find_inst(B, inst->id) >= 0) {
            qs_instrument_free(inst);
            continue;
        }
        const char *norm_id = qs_config_norm_for(cfg, inst->id);
        struct loaded *L = &B->insts[B->ninsts];
        qs_rep_instrument *R = &B->rep_insts[B->ninsts];
        L->inst = inst;
        L->norm = norm_id ? qs_instrument_norm_index(inst, norm_id) : -1;
        B->ninsts++;
        R->inst = inst;
        R->norm_id = L->norm >= 0                          ? inst->norms[L->norm].id
                     : qs_config_local_norm(cfg, inst->id) ? "local" /* T columns shown */
                                                           : NULL;
        double *ref = qs_pool__calloc(B->pool, inst->nscores ? inst->nscores : 1, sizeof(double));
        const char **lab =
            qs_pool__calloc(B->pool, inst->nscores ? inst->nscores : 1, sizeof(char *));
        if (!ref || !lab)
            return QS_ENOMEM;
        for (size_t s = 0; s < inst->nscores; s++) {
            ref[s] = NAN;
            for (size_t f = 0; f < inst->nflags && isnan(ref[s]); f++) {
                ref[s] = qs_rep__simple_cutoff(&inst->flags[f], &inst->scores[s]);
                if (!isnan(ref[s])) {
                    char text[256];
                    snprintf(text, sizeof(text), "%s cutoff%s", inst->flags[f].label,
                             inst->flags[f].local_default ? " (local default)" : "");
                    lab[s] = qs_pool__strndup(B->pool, text, strlen(text));
                }
            }
            if (isnan(ref[s]) && L->norm >= 0 && !isnan(inst->norms[L->norm].mean[s])) {
                ref[s] = inst->norms[L->norm].mean[s];
                lab[s] = "norm mean";
            }
        }
        R->reference = ref;
        R->reference_label = lab;
    }
    return QS_OK;
}

static int parse_answers(struct build *B, struct adm *a, const char *text, size_t n)
{
    a->answers = qs_pool__calloc(B->pool, n ? n : 1, sizeof(int));
    if (!a->answers)
        return 0;
    const char *p = text ? text : "";
    for (size_t i = 0; i < n; i++) {
        char *end;
        if (*p == ',' || *p == '\0') {
            a->answers[i] = QS_MISSING;
        } else {
            long v = strtol(p, &end, 10);
            a->answers[i] = (int)v;
            p = end;
        }
        if (*p == ',')
            p++;
    }
    return 1;
}

/* The administration `r` (when its instrument is still in the config) into B->adms. */
static qs_error add_admin(struct build *B, const qs_store_admin_row *r)
{
    int inst = find_inst(B, r->instrument);
    if (inst < 0)
        return QS_OK; /* an instrument no longer in the config */
    struct adm *v = qs_grow__array(B->adms, &B->capadms, B->nadms + 1, sizeof(*v), 256);
    if (!v)
        return QS_ENOMEM;
    B->adms = v;
    struct adm *a = &B->adms[B->nadms++];
    memset(a, 0, sizeof(*a));
    const qs_instrument *I = B->insts[inst].inst;
    a->id = r->id;
    a->client = pdup(B, r->client);
    a->site = pdup(B, r->site);
    a->group = pdup(B, r->group);
    a->therapist = pdup(B, r->therapist);
    a->inst = inst;
    a->date = pdup(B, r->administered);
    a->response_id = pdup(B, r->response_id);
    a->version = pdup(B, r->instrument_version);
    a->norm = pdup(B, r->norm);
    a->run = r->run;
    a->missing_fraction = r->missing_fraction;
    a->longstring = r->longstring;
    a->irv = r->irv;
    a->value = qs_pool__calloc(B->pool, I->nscores ? I->nscores : 1, sizeof(double));
    a->t = qs_pool__calloc(B->pool, I->nscores ? I->nscores : 1, sizeof(double));
    if (!a->value || !a->t || !parse_answers(B, a, r->answers, I->nitems))
        return QS_ENOMEM;
    for (size_t s = 0; s < I->nscores; s++)
        a->value[s] = a->t[s] = NAN;
    return QS_OK;
}

static qs_error read_admins(struct build *B, const char *since)
{
    qs_store_iter *it = NULL;
    qs_store_admin_row row;
    qs_diag d;
    qs_diag_clear(&d);
    qs_error rc = qs_store_iter_admins(&it, B->store, since, &d);
    while (!rc) {
        rc = qs_store_next_admin(&row, it, &d);
        if (!rc)
            rc = add_admin(B, &row);
    }
    qs_store_iter_free(it);
    return rc == QS_EEOF ? QS_OK : store_failed(B, rc, &d);
}

static int cmp_adm_id(const void *key, const void *elem)
{
    long long k = *(const long long *)key;
    long long id = (*(struct adm *const *)elem)->id;
    return (k > id) - (k < id);
}

static int cmp_adm_ptr(const void *a, const void *b)
{
    long long x = (*(struct adm *const *)a)->id, y = (*(struct adm *const *)b)->id;
    return (x > y) - (x < y);
}

static size_t flag_rank(const qs_instrument *I, const char *id)
{
    for (size_t k = 0; k < I->nflags; k++)
        if (strcmp(I->flags[k].id, id) == 0)
            return k;
    return I->nflags + (strcmp(id, "invalid") == 0);
}

/* The administration of id `id` among by_id[n] (sorted by id), or NULL. */
static struct adm *adm_by_id(struct adm **by_id, size_t n, long long id)
{
    struct adm **hit = bsearch(&id, by_id, n, sizeof(*by_id), cmp_adm_id);
    return hit ? *hit : NULL;
}

static qs_error read_scores(struct build *B, struct adm **by_id)
{
    qs_store_iter *it = NULL;
    qs_store_score_row row;
    qs_diag d;
    qs_diag_clear(&d);
    qs_error rc = qs_store_iter_scores(&it, B->store, &d);
    while (!rc) {
        rc = qs_store_next_score(&row, it, &d);
        struct adm *a = rc ? NULL : adm_by_id(by_id, B->nadms, row.administration);
        if (!a)
            continue;
        int s = qs_instrument_score_index(B->insts[a->inst].inst, row.score);
        if (s < 0)
            continue;
        if (!isnan(row.value))
            a->value[s] = row.value;
        if (!isnan(row.t))
            a->t[s] = row.t;
    }
    qs_store_iter_free(it);
    return rc == QS_EEOF ? QS_OK : store_failed(B, rc, &d);
}

/* Flag `r` on its administration `a`, labelled as its instrument says. */
static qs_error add_flag(struct build *B, struct adm *a, const qs_store_flag_row *r)
{
    const qs_instrument *I = B->insts[a->inst].inst;
    if (a->nflags == a->capflags) {
        size_t cap = a->capflags ? a->capflags * 2 : 4;
        qs_rep_flag *f2 = qs_pool__calloc(B->pool, cap, sizeof(*f2));
        if (!f2)
            return QS_ENOMEM;
        if (a->nflags)
            memcpy(f2, a->flags, a->nflags * sizeof(*f2));
        a->flags = f2;
        a->capflags = cap;
    }
    qs_rep_flag *f = &a->flags[a->nflags++];
    const char *fid = r->flag;
    f->id = pdup(B, fid);
    f->status = strcmp(r->status, "raised") == 0 ? "raised" : "not_evaluable";
    f->severity = strcmp(r->severity, "high") == 0     ? QS_SEV_HIGH
                  : strcmp(r->severity, "medium") == 0 ? QS_SEV_MEDIUM
                                                       : QS_SEV_LOW;
    f->detail = pdup(B, r->detail);
    f->label = f->id;
    f->because = NULL;
    for (size_t k = 0; k < I->nflags; k++) {
        if (strcmp(I->flags[k].id, fid) == 0) {
            f->label = I->flags[k].label;
            f->because = I->flags[k].because;
        }
    }
    if (strcmp(fid, "careless") == 0 || strcmp(fid, "invalid") == 0)
        qs_validity_flag_text(strcmp(fid, "invalid") == 0, NULL, &f->label, &f->because);
    if (strcmp(r->status, "raised") == 0)
        a->flagged = 1;
    return QS_OK;
}

static qs_error read_flags(struct build *B, struct adm **by_id)
{
    qs_store_iter *it = NULL;
    qs_store_flag_row row;
    qs_diag d;
    qs_diag_clear(&d);
    qs_error rc = qs_store_iter_flags(&it, B->store, &d);
    while (!rc) {
        rc = qs_store_next_flag(&row, it, &d);
        struct adm *a = rc ? NULL : adm_by_id(by_id, B->nadms, row.administration);
        if (a)
            rc = add_flag(B, a, &row);
    }
    qs_store_iter_free(it);
    return rc == QS_EEOF ? QS_OK : store_failed(B, rc, &d);
}

static const qs_flag *find_flag(const qs_instrument *I, const char *id)
{
    for (size_t k = 0; k < I->nflags; k++)
        if (strcmp(I->flags[k].id, id) == 0)
            return &I->flags[k];
    return NULL;
}

static int raised(const qs_rep_flag *f)
{
    return f->status && strcmp(f->status, "raised") == 0;
}

/* What a form's flags mean for it: usable or why not, which scores a raised flag uses, and
 * each flag's values in words. */
static qs_error derive_adm(struct build *B, struct adm *a)
{
    const qs_instrument *I = B->insts[a->inst].inst;
    int careless = 0, invalid = 0;
    char buf[1024];
    a->flag_on = qs_pool__calloc(B->pool, I->nscores ? I->nscores : 1, 1);
    if (!a->flag_on)
        return QS_ENOMEM;
    for (size_t f = 0; f < a->nflags; f++) {
        qs_rep_flag *fl = &a->flags[f];
        int is_careless = strcmp(fl->id, "careless") == 0,
            is_invalid = strcmp(fl->id, "invalid") == 0;
        if (is_careless || is_invalid) {
            qs_rep__validity_words(buf, sizeof(buf), I, a->answers, a->longstring, a->irv,
                                   is_careless, is_invalid);
            fl->values = pdup(B, buf);
            fl->because = is_invalid
                              ? "Too much of this form is missing to trust its scores: they are "
                                "shown greyed and left out of change, trends and group means."
                              : "The answers look careless, so the scores may not describe the "
                                "client: they are shown greyed and left out of change, trends "
                                "and group means. Ask the client about this form.";
            careless |= raised(fl) && is_careless;
            invalid |= raised(fl) && is_invalid;
            continue;
        }
        const qs_flag *def = find_flag(I, fl->id);
        if (!def)
            continue;
        qs_rep__flag_values(buf, sizeof(buf), I, def, a->value, a->t);
        fl->values = pdup(B, buf);
        if (!raised(fl))
            continue;
        for (size_t r = 0; r < qs_expr_ref_count(def->rule_on); r++) {
            int sc;
            qs_field fd;
            qs_expr_ref(def->rule_on, r, &sc, &fd);
            if (sc >= 0 && (size_t)sc < I->nscores)
                a->flag_on[sc] = 1;
        }
    }
    a->usable = !careless && !invalid && a->date;
    if (!a->usable) {
        qs_rep__validity_words(buf, sizeof(buf), I, a->answers, a->longstring, a->irv, careless,
                               invalid);
        /* An undated form cannot be placed in time: never the latest or the baseline. */
        if (!a->date)
            snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%sthe form has no date",
                     buf[0] ? "; " : "");
        a->reason = pdup(B, buf);
        /* Its other flags are said to rest on a form that is not usable. */
        for (size_t f = 0; f < a->nflags; f++) {
            qs_rep_flag *fl = &a->flags[f];
            if (!raised(fl) || qs_rep__validity_flag(fl->id))
                continue;
            char v[1400];
            snprintf(v, sizeof(v), "%s — on a form that is not usable (%s)",
                     fl->values ? fl->values : "", a->reason ? a->reason : "");
            fl->values = pdup(B, v);
        }
    }
    if (a->date && (!B->data_through || strncmp(a->date, B->data_through, 10) > 0))
        B->data_through = qs_pool__strndup(B->pool, a->date, 10);
    return QS_OK;
}

/* Scores and flags of the current administrations, matched by id; flags shown in the
 * instrument's order, validity flags last. */
static qs_error read_results(struct build *B)
{
    struct adm **by_id = malloc((B->nadms ? B->nadms : 1) * sizeof(*by_id));
    if (!by_id)
        return QS_ENOMEM;
    for (size_t i = 0; i < B->nadms; i++)
        by_id[i] = &B->adms[i];
    qsort(by_id, B->nadms, sizeof(*by_id), cmp_adm_ptr);
    qs_error rc = read_scores(B, by_id);
    if (!rc)
        rc = read_flags(B, by_id);
    free(by_id);
    for (size_t i = 0; !rc && i < B->nadms; i++) {
        struct adm *a = &B->adms[i];
        const qs_instrument *I = B->insts[a->inst].inst;
        for (size_t x = 1; x < a->nflags; x++) {
            qs_rep_flag f = a->flags[x];
            size_t y = x;
            while (y > 0 && flag_rank(I, a->flags[y - 1].id) > flag_rank(I, f.id)) {
                a->flags[y] = a->flags[y - 1];
                y--;
            }
            a->flags[y] = f;
        }
    }
    for (size_t i = 0; !rc && i < B->nadms; i++)
        rc = derive_adm(B, &B->adms[i]);
    return rc;
}

/* The latest run, when there is one. */
static qs_error read_last_run(struct build *B)
{
    qs_store_iter *it = NULL;
    qs_store_run_row row;
    qs_diag d;
    qs_diag_clear(&d);
    qs_error rc = qs_store_iter_runs(&it, B->store, &d);
    if (!rc)
        rc = qs_store_next_run(&row, it, &d);
    if (!rc) {
        B->last_run = row.id;
        B->last_run_started = pdup(B, row.started);
        B->last_run_ended = pdup(B, row.ended ? row.ended : row.started);
    }
    qs_store_iter_free(it);
    return rc == QS_EEOF ? QS_OK : store_failed(B, rc, &d);
}

/* The file `r` into B->files, its path shown relative to the config's folder where it lies
 * below it: shorter, and the same wherever the clinic's folder is. */
static qs_error add_file(struct build *B, const qs_store_file_row *r)
{
    qs_rep_file *v = qs_grow__array(B->files, &B->capfiles, B->nfiles + 1, sizeof(*v), 16);
    if (!v)
        return QS_ENOMEM;
    B->files = v;
    qs_rep_file *f = &B->files[B->nfiles++];
    f->path = pdup(B, r->path);
    size_t dl = strlen(B->cfg->dir);
    if (f->path && strncmp(f->path, B->cfg->dir, dl) == 0 && f->path[dl] == '/' && dl > 1)
        f->path += dl + 1;
    f->sha256 = pdup(B, r->sha256);
    f->source = pdup(B, r->source);
    return QS_OK;
}

/* Open quarantined rows of one site, client and workbook key (therapist or group, as the
 * workbooks are made), each NULL when the row did not give it. */
struct quar_who {
    const char *site, *client, *key;
    long long rows;
    int orphan; /* -1 until known; 1: no workbook has its client or its key */
    struct quar_who *next;
};

/* The open quarantined rows by whose they are, into B->quar. */
static qs_error read_quarantined_who(struct build *B)
{
    qs_store_iter *it = NULL;
    qs_store_quarantined_who_row row;
    qs_diag d;
    qs_diag_clear(&d);
    qs_error rc = qs_store_iter_quarantined_who(&it, B->store, &d);
    while (!rc && !(rc = qs_store_next_quarantined_who(&row, it, &d))) {
        struct quar_who *q = qs_pool__calloc(B->pool, 1, sizeof(*q));
        const char *key = B->cfg->group_by == QS_GROUP_BY_GROUP ? row.group : row.therapist;
        if (!q)
            rc = QS_ENOMEM;
        else {
            q->site = pdup(B, row.site);
            q->client = row.client && *row.client ? pdup(B, row.client) : NULL;
            q->key = key && *key ? pdup(B, key) : NULL;
            q->rows = row.rows;
            q->orphan = -1;
            q->next = B->quar;
            B->quar = q;
        }
    }
    qs_store_iter_free(it);
    if (rc == QS_EEOF)
        rc = QS_OK;
    return store_failed(B, rc, &d);
}

/* The last run, the files and the count of open quarantined rows. */
static qs_error read_meta(struct build *B)
{
    qs_store_iter *it = NULL;
    qs_store_file_row row;
    qs_diag d;
    qs_diag_clear(&d);
    qs_error rc = read_last_run(B);
    if (rc)
        return rc;
    rc = qs_store_iter_files(&it, B->store, &d);
    while (!rc) {
        rc = qs_store_next_file(&row, it, &d);
        if (!rc)
            rc = add_file(B, &row);
    }
    qs_store_iter_free(it);
    if (rc == QS_EEOF)
        rc = qs_store_count_open_quarantined(B->store, &B->open_quarantined, &d);
    rc = store_failed(B, rc, &d);
    return rc ? rc : read_quarantined_who(B);
}

/* ---- rows and workbooks ----------------------------------------------------------------- */

static const char *key_of(const qs_config *cfg, const struct adm *a)
{
    const char *k = cfg->group_by == QS_GROUP_BY_GROUP ? a->group : a->therapist;
    return k && *k ? k : NULL;
}

static int str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The change rows of `latest`'s client and instrument into chg and cls (per score): stored by
 * run.c for the whole history (not only since --since). */
static qs_error read_change(struct build *B, qs_store_iter *change, const struct adm *latest,
                            const qs_instrument *I, double *chg, const char **cls)
{
    qs_store_change_row x;
    qs_diag d;
    qs_diag_clear(&d);
    qs_error rc = qs_store_changes_of(change, latest->site, latest->client, I->id, &d);
    while (!rc) {
        rc = qs_store_next_change(&x, change, &d);
        int s = rc ? -1 : qs_instrument_score_index(I, x.score);
        if (s < 0)
            continue;
        chg[s] = x.change_baseline;
        cls[s] = pdup(B, x.class_baseline);
    }
    return rc == QS_EEOF ? QS_OK : store_failed(B, rc, &d);
}

/* The last usable form of adms[from..k) (k excluded), or NULL. */
static const struct adm *last_usable_before(const struct build *B, size_t from, size_t k)
{
    while (k > from)
        if (B->adms[--k].usable)
            return &B->adms[k];
    return NULL;
}

static int adm_raises(const struct adm *a, const char *id)
{
    for (size_t g = 0; g < a->nflags; g++)
        if (strcmp(a->flags[g].id, id) == 0 && raised(&a->flags[g]))
            return 1;
    return 0;
}

/* Flags the latest form stored before the latest run raised that the latest form (stored by
 * the latest run) does not: cleared since the last report. A careless or invalid form clears
 * nothing: its scores are not trusted (the Summary says why it is not usable). */
static qs_error cleared_flags(struct build *B, qs_rep_row *row, size_t from, size_t to)
{
    const struct adm *latest = &B->adms[to - 1];
    if (latest->run != B->last_run || !latest->usable)
        return QS_OK;
    const struct adm *prev = NULL;
    for (size_t k = from; k < to; k++)
        if (B->adms[k].run < B->last_run)
            prev = &B->adms[k];
    if (!prev)
        return QS_OK;
    /* What the last report showed open: prev's flags, and when prev was not usable, the flags
     * of the last usable form before it (kept in view, see held_flags). */
    const struct adm *held =
        prev->usable ? NULL : last_usable_before(B, from, (size_t)(prev - B->adms));
    size_t cap = prev->nflags + (held ? held->nflags : 0);
    qs_rep_flag *out = qs_pool__calloc(B->pool, cap ? cap : 1, sizeof(*out));
    if (!out)
        return QS_ENOMEM;
    size_t n = 0;
    for (size_t g = 0; g < cap; g++) {
        const struct adm *a = g < prev->nflags ? prev : held;
        const qs_rep_flag *f = &a->flags[g < prev->nflags ? g : g - prev->nflags];
        if (!raised(f) || adm_raises(latest, f->id))
            continue;
        if (a == held && (adm_raises(prev, f->id) || qs_rep__validity_flag(f->id)))
            continue; /* said with prev's, or a validity flag of the earlier form */
        out[n] = *f;
        out[n].since = a->date; /* last raised */
        n++;
    }
    row->cleared = out;
    row->ncleared = n;
    return QS_OK;
}

/* A form that is not usable neither raises nor clears what a usable one said: the flags the
 * last usable form `held` raised that the latest does not are kept in view, continuing since
 * their run of forms began, with the values of `held` and a note. Returns how many. */
static size_t held_flags(struct build *B, const struct adm *held, const struct adm *latest,
                         size_t from, qs_rep_flag *out, qs_rep_row *row)
{
    size_t n = 0, at = (size_t)(held - B->adms);
    char when[40], buf[1200];
    qs_rep__date_words(when, sizeof(when), held->date);
    for (size_t g = 0; g < held->nflags; g++) {
        const qs_rep_flag *f = &held->flags[g];
        if (!raised(f) || adm_raises(latest, f->id) || qs_rep__validity_flag(f->id))
            continue;
        out[n] = *f;
        size_t k0 = at;
        while (k0 > from && adm_raises(&B->adms[k0 - 1], f->id))
            k0--;
        out[n].is_new = 0;
        out[n].since = B->adms[k0].date;
        out[n].first_raised = B->adms[k0].date;
        snprintf(buf, sizeof(buf), "%s — on the form of %s; the latest form is not usable",
                 f->values ? f->values : "", when[0] ? when : "an undated day");
        out[n].values = pdup(B, buf);
        if (f->severity > row->max_severity)
            row->max_severity = f->severity;
        n++;
    }
    return n;
}

/* Build the row of one client x instrument from its administrations adms[from..to). */
static qs_error build_row(struct build *B, qs_rep_row *row, size_t from, size_t to,
                          qs_store_iter *change)
{
    const struct adm *latest = &B->adms[to - 1];
    const qs_instrument *I = B->insts[latest->inst].inst;
    size_t ns = I->nscores;
    row->client = latest->client;
    row->site = latest->site;
    row->group = latest->group;
    row->therapist = latest->therapist;
    row->instrument = (size_t)latest->inst;
    row->date = latest->date;
    row->response_id = latest->response_id;
    row->value = latest->value;
    row->t = latest->t;
    row->missing_fraction = latest->missing_fraction;
    row->longstring = latest->longstring;
    row->irv = latest->irv;
    row->answers = latest->answers;
    row->instrument_version = latest->version;
    row->norm_id = latest->norm;
    double *chg = qs_pool__calloc(B->pool, ns ? ns : 1, sizeof(double));
    const char **cls = qs_pool__calloc(B->pool, ns ? ns : 1, sizeof(char *));
    qs_rep_point *hist = qs_pool__calloc(B->pool, to - from, sizeof(*hist));
    /* The last usable form, when the latest is not: its flags stay in view (see below). */
    const struct adm *held = latest->usable ? NULL : last_usable_before(B, from, to - 1);
    size_t capflags = latest->nflags + (held ? held->nflags : 0);
    qs_rep_flag *flags = qs_pool__calloc(B->pool, capflags ? capflags : 1, sizeof(*flags));
    if (!chg || !cls || !hist || !flags)
        return QS_ENOMEM;
    for (size_t s = 0; s < ns; s++) {
        chg[s] = NAN;
        cls[s] = NULL;
    }
    qs_error rc = read_change(B, change, latest, I, chg, cls);
    if (rc)
        return rc;
    row->change = chg;
    row->rci_class = cls;
    row->latest_usable = latest->usable;
    row->reason = latest->reason;
    const char **note = qs_pool__calloc(B->pool, ns ? ns : 1, sizeof(char *));
    if (!note)
        return QS_ENOMEM;
    row->change_note = note;
    for (size_t s = 0; s < ns; s++) {
        size_t usable = 0;
        for (size_t k = from; k < to; k++)
            usable += B->adms[k].usable && !isnan(B->adms[k].value[s]);
        if (!latest->date) {
            /* The store keeps undated forms last: its change would end at this one. */
            chg[s] = NAN;
            cls[s] = NULL;
            note[s] = "The latest form has no date, so it cannot be placed in time: no change "
                      "shown";
        } else if (!latest->usable && usable >= 2 && !isnan(chg[s])) {
            /* The stored change leaves unusable forms out: it runs to the last usable form. */
            note[s] = "The latest form is not usable, so the change runs from the first to the "
                      "last usable form";
        } else if (!latest->usable) {
            chg[s] = NAN;
            cls[s] = NULL;
            note[s] = "The latest form is not usable and no two usable forms remain: no change "
                      "shown";
        } else if (isnan(latest->value[s])) {
            chg[s] = NAN;
            note[s] = "Too few items were answered for this score: no change shown";
        } else if (usable < 2) {
            chg[s] = NAN;
            note[s] = "Only one usable form so far: no change shown";
        } else if (!cls[s] || strcmp(cls[s], "not_computable") == 0) {
            note[s] = isnan(I->scores[s].alpha) && isnan(I->scores[s].retest)
                          ? "No published reliability for this score: change shown without a "
                            "reliable-change test"
                          : "No spread of scores (norm SD) to test reliable change against: "
                            "change shown without a reliable-change test";
        }
        if (cls[s] && strcmp(cls[s], "reliable_deterioration") == 0)
            row->reliable_deterioration = 1;
    }
    for (size_t k = from; k < to; k++) {
        hist[k - from].date = B->adms[k].date;
        hist[k - from].values = B->adms[k].value;
        hist[k - from].flagged = B->adms[k].flagged;
        hist[k - from].instrument_version = B->adms[k].version;
        hist[k - from].norm_id = B->adms[k].norm;
        hist[k - from].usable = B->adms[k].usable;
        hist[k - from].reason = B->adms[k].reason;
        hist[k - from].group = B->adms[k].group;
        hist[k - from].flag_on = B->adms[k].flag_on;
    }
    row->history = hist;
    row->nhistory = to - from;
    row->max_severity = -1;
    int careless = 0, invalid = 0;
    for (size_t f = 0; f < latest->nflags; f++) {
        flags[f] = latest->flags[f];
        int up = raised(&flags[f]);
        if (up && flags[f].severity > row->max_severity)
            row->max_severity = flags[f].severity;
        careless |= up && strcmp(flags[f].id, "careless") == 0;
        invalid |= up && strcmp(flags[f].id, "invalid") == 0;
        /* First raised: the earliest administration of this history that raised it (none for
         * a flag that is only not evaluable). */
        flags[f].first_raised = NULL;
        for (size_t k = from; k < to; k++) {
            int found = 0;
            for (size_t g = 0; g < B->adms[k].nflags && !found; g++)
                found = strcmp(B->adms[k].flags[g].id, flags[f].id) == 0 &&
                        strcmp(B->adms[k].flags[g].status, "raised") == 0;
            if (found) {
                flags[f].first_raised = B->adms[k].date;
                break;
            }
        }
        flags[f].new_in_run = latest->run == B->last_run;
        /* New, or continuing since the first form of the unbroken run of forms raising it. */
        size_t k0 = to - 1;
        while (raised(&flags[f]) && k0 > from && adm_raises(&B->adms[k0 - 1], flags[f].id))
            k0--;
        flags[f].is_new = raised(&flags[f]) && k0 == to - 1;
        flags[f].since = raised(&flags[f]) ? B->adms[k0].date : NULL;
    }
    row->flags = flags;
    row->nflags = latest->nflags;
    if (held)
        row->nflags += held_flags(B, held, latest, from, flags + latest->nflags, row);
    rc = cleared_flags(B, row, from, to);
    if (rc)
        return rc;
    row->validity = careless && invalid ? "careless, invalid"
                    : careless          ? "careless"
                    : invalid           ? "invalid"
                                        : NULL;
    return QS_OK;
}

/* The length of the UTF-8 character at `p` when it is one a file name must not hold although
 * it is printable to the byte test below: C1 controls, zero-width and byte-order marks, and the
 * bidi controls (U+202E shows "evil\u202Excod.exe" as "evildoc.exe"); else 0. */
static size_t invisible_char(const unsigned char *p)
{
    if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
        return 2; /* U+0080..U+009F */
    if (p[0] == 0xD8 && p[1] == 0x9C)
        return 2; /* U+061C arabic letter mark */
    if (p[0] == 0xE2 && p[1] == 0x80 &&
        ((p[2] >= 0x8B && p[2] <= 0x8F) || (p[2] >= 0xAA && p[2] <= 0xAE)))
        return 3; /* U+200B..U+200F, U+202A..U+202E */
    if (p[0] == 0xE2 && p[1] == 0x81 && (p[2] == 0xA0 || (p[2] >= 0xA6 && p[2] <= 0xA9)))
        return 3; /* U+2060, U+2066..U+2069 */
    if (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        return 3; /* U+FEFF */
    return 0;
}

void qs_report_file_stem(char *out, size_t size, const char *prefix, const char *name)
{
    size_t w = 0;
    int n = snprintf(out, size, "%s-", prefix);
    w = n > 0 && (size_t)n < size ? (size_t)n : 0;
    size_t start = w, limit = w + 60 < size ? w + 60 : size - 1;
    const unsigned char *p = (const unsigned char *)(name ? name : "");
    int last_sep = 1;
    for (; *p && w < limit; p++) {
        unsigned char c = *p;
        size_t skip = c >= 0x80 ? invisible_char(p) : 0;
        if (skip) {
            p += skip - 1; /* bidi and invisible controls are removed */
            continue;
        }
        int bad = !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.');
        if (bad || (c == '.' && (last_sep || p[1] == '.'))) {
            if (!last_sep)
                out[w++] = '_';
            last_sep = 1;
            continue;
        }
        if (c >= 0x80) {
            /* ASCII only: a whole UTF-8 character becomes one '_' (names are valid UTF-8: the
             * reader saw to it), so a file name reads the same on every system and share. */
            size_t len = (c & 0xE0) == 0xC0   ? 2
                         : (c & 0xF0) == 0xE0 ? 3
                         : (c & 0xF8) == 0xF0 ? 4
                                              : 1;
            for (size_t k = 1; k < len && p[1]; k++)
                p++;
            if (!last_sep)
                out[w++] = '_';
            last_sep = 1;
            continue;
        } else {
            out[w++] = (char)c;
        }
        last_sep = 0;
    }
    while (w > start && (out[w - 1] == '_' || out[w - 1] == '.'))
        w--;
    if (w == start) {
        const char *unnamed = "unnamed";
        size_t k = strlen(unnamed);
        if (w + k < size) {
            memcpy(out + w, unnamed, k);
            w += k;
        }
    }
    out[w] = '\0';
}

/* The report rows of every client x instrument, and the name of the workbook each goes to. */
struct rowset {
    qs_rep_row *rows; /* [n]; their arrays live in the build's pool */
    const char **key; /* [n]: the row's therapist or group (NULL: none), in the pool */
    size_t n;
};

static void rowset_release(struct rowset *R)
{
    free(R->rows);
    free(R->key);
    memset(R, 0, sizeof(*R));
}

/* Rows: consecutive administrations of the same site, client and instrument. Owns the change
 * statement. */
static qs_error build_rows(struct build *B, struct rowset *R)
{
    qs_store_iter *change = NULL;
    qs_diag d;
    qs_diag_clear(&d);
    qs_error rc = qs_store_iter_changes(&change, B->store, &d);
    if (rc)
        return store_failed(B, rc, &d);
    R->rows = calloc(B->nadms ? B->nadms : 1, sizeof(*R->rows));
    R->key = calloc(B->nadms ? B->nadms : 1, sizeof(*R->key));
    if (!R->rows || !R->key) {
        rc = QS_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < B->nadms;) {
        size_t j = i + 1;
        while (j < B->nadms && str_eq(B->adms[j].site, B->adms[i].site) &&
               strcmp(B->adms[j].client, B->adms[i].client) == 0 &&
               B->adms[j].inst == B->adms[i].inst)
            j++;
        rc = build_row(B, &R->rows[R->n], i, j, change);
        if (rc)
            goto done;
        R->key[R->n] = key_of(B->cfg, &B->adms[j - 1]);
        R->n++;
        i = j;
    }
done:
    qs_store_iter_free(change);
    return rc;
}

/* Everything a workbook shows, in one read transaction: a `qscore run` committing meanwhile
 * cannot make the workbooks mix two states of the store (WAL: readers see one snapshot). The
 * snapshot ends before the (slow) writing. Owns the transaction. */
static qs_error read_store(struct build *B, const char *since, struct rowset *R)
{
    qs_diag d;
    qs_diag_clear(&d);
    qs_error rc = qs_store_read_begin(B->store, &d);
    if (rc)
        return store_failed(B, rc, &d);
    rc = read_admins(B, since);
    if (!rc)
        rc = read_results(B);
    if (!rc)
        rc = read_meta(B);
    if (!rc)
        rc = build_rows(B, R);
    qs_diag_clear(&d);
    qs_error end = qs_store_read_end(B->store, &d); /* after an error too: it ends the snapshot */
    if (!rc && end)
        rc = store_failed(B, end, &d);
    return rc;
}

/* The workbooks: one per distinct key, in name order ("" for rows without one), and the file
 * stem of each. */
struct books {
    const char **names; /* [n], pointing at the rows' keys */
    char (*stems)[176]; /* [n] */
    size_t n;
};

static void books_release(struct books *K)
{
    free(K->names);
    free(K->stems);
    memset(K, 0, sizeof(*K));
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The file names: sanitised, and numbered when two names sanitise alike. Chosen for every
 * workbook before any filter applies, so a filtered report writes each name to the file a full
 * report gives it (never to another therapist's file). */
static void choose_stems(struct books *K, const char *prefix)
{
    for (size_t w = 0; w < K->n; w++) {
        const char *name = K->names[w];
        qs_report_file_stem(K->stems[w], sizeof(K->stems[w]), prefix, *name ? name : "(none)");
        char stem[176];
        snprintf(stem, sizeof(stem), "%s", K->stems[w]);
        for (int n = 2;; n++) {
            int clash = 0;
            for (size_t j = 0; j < w && !clash; j++)
                clash = strcasecmp(K->stems[j], stem) == 0;
            if (!clash)
                break;
            snprintf(stem, sizeof(stem), "%.160s-%d", K->stems[w], n);
        }
        snprintf(K->stems[w], sizeof(K->stems[w]), "%.175s", stem);
    }
}

/* The distinct keys of R, sorted; their stems. QS_ENOMEM, or QS_OK. */
static qs_error choose_names(const struct rowset *R, const char *prefix, struct books *K)
{
    K->names = calloc(R->n ? R->n : 1, sizeof(*K->names));
    for (size_t i = 0; K->names && i < R->n; i++) {
        const char *k = R->key[i] ? R->key[i] : "";
        int seen = 0;
        for (size_t j = 0; j < K->n && !seen; j++)
            seen = strcmp(K->names[j], k) == 0;
        if (!seen)
            K->names[K->n++] = k;
    }
    K->stems = calloc(K->n ? K->n : 1, sizeof(*K->stems));
    if (!K->names || !K->stems)
        return QS_ENOMEM;
    qsort(K->names, K->n, sizeof(*K->names), cmp_names);
    choose_stems(K, prefix);
    return QS_OK;
}

/* ---- labels: what computed the values a workbook shows ---------------------------------- */

/* A set of strings (the pointers are kept, not copied), sorted by labels_of. */
struct strset {
    const char **v;
    size_t n, cap;
};

/* Add `s` unless NULL or present; QS_ENOMEM or QS_OK. */
static qs_error strset_add(struct strset *S, const char *s)
{
    if (!s)
        return QS_OK;
    for (size_t i = 0; i < S->n; i++)
        if (strcmp(S->v[i], s) == 0)
            return QS_OK;
    const char **v = qs_grow__array(S->v, &S->cap, S->n + 1, sizeof(*v), 4);
    if (!v)
        return QS_ENOMEM;
    S->v = v;
    S->v[S->n++] = s;
    return QS_OK;
}

/* Per workbook: the instruments with what computed the values of its rows. */
struct labels {
    qs_rep_instrument *insts; /* [ninsts]: B's, with versions and norms filled in */
    struct strset *sets;      /* [2 * ninsts]: versions, norms of each */
};

static void labels_release(struct labels *L, size_t ninsts)
{
    for (size_t i = 0; L->sets && i < 2 * ninsts; i++)
        free(L->sets[i].v);
    free(L->sets);
    free(L->insts);
    memset(L, 0, sizeof(*L));
}

/* The instruments as the rows sel[nsel] show them: the versions of every administration shown
 * and the norms of the latest ones (whose T scores Summary shows), as the store kept them. */
static qs_error labels_of(const struct build *B, const qs_rep_row *sel, size_t nsel,
                          struct labels *L)
{
    qs_error rc = QS_OK;
    for (size_t i = 0; i < B->ninsts && !rc; i++) {
        struct strset *V = &L->sets[2 * i], *N = &L->sets[2 * i + 1];
        qs_rep_instrument *ri = &L->insts[i];
        *ri = B->rep_insts[i];
        V->n = N->n = 0;
        for (size_t r = 0; r < nsel && !rc; r++) {
            if (sel[r].instrument != i)
                continue;
            for (size_t k = 0; k < sel[r].nhistory && !rc; k++)
                rc = strset_add(V, sel[r].history[k].instrument_version);
            if (!rc)
                rc = strset_add(V, sel[r].instrument_version);
            if (!rc)
                rc = strset_add(N, sel[r].norm_id);
            ri->unnormed |= !sel[r].norm_id;
        }
        if (V->n > 1) /* qsort's array may not be NULL, even when empty */
            qsort(V->v, V->n, sizeof(*V->v), cmp_names);
        if (N->n > 1)
            qsort(N->v, N->n, sizeof(*N->v), cmp_names);
        ri->nversions = V->n;
        ri->versions = V->v;
        ri->nnorms = N->n;
        ri->norms = N->v;
    }
    return rc;
}

/* Rows by site, client, then instrument: one client's rows side by side. */
static int cmp_client_rows(const void *x, const void *y)
{
    const qs_rep_row *a = x, *b = y;
    int c = strcmp(a->site ? a->site : "", b->site ? b->site : "");
    if (!c)
        c = strcmp(a->client, b->client);
    if (!c)
        c = (a->instrument > b->instrument) - (a->instrument < b->instrument);
    return c;
}

struct client_sort {
    qs_rep_client c;
    size_t first; /* its first row in the client-sorted selection */
    int sections;
};

static int cmp_clients(const void *x, const void *y)
{
    const struct client_sort *a = x, *b = y;
    if (a->sections) {
        /* Sections by group: "(no group)" last. */
        const char *ga = a->c.group && *a->c.group ? a->c.group : NULL;
        const char *gb = b->c.group && *b->c.group ? b->c.group : NULL;
        if (!ga != !gb)
            return ga ? -1 : 1;
        int g = ga ? strcmp(ga, gb) : 0;
        if (g)
            return g;
    }
    if (a->c.attention != b->c.attention)
        return b->c.attention - a->c.attention;
    if (a->c.overdue != b->c.overdue)
        return b->c.overdue - a->c.overdue;
    int c = strcmp(a->c.site ? a->c.site : "", b->c.site ? b->c.site : "");
    return c ? c : strcmp(a->c.client, b->c.client);
}

/* The clients of sel[n] (sorted by cmp_client_rows): who needs attention, who is overdue, in
 * Summary order, and their rows in that order into `ordered` (idx: the rows' indices).
 * Returns the number of clients, SIZE_MAX when out of memory. */
static size_t build_clients(const struct build *B, const qs_rep_row *sel, size_t n,
                            qs_rep_client *out, qs_rep_row *ordered, size_t *idx)
{
    const qs_config *cfg = B->cfg;
    long made = qs_rep__iso_days(B->last_run_ended);
    size_t nc = 0;
    struct client_sort *cs = malloc((n ? n : 1) * sizeof(*cs));
    if (!cs)
        return SIZE_MAX;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        struct client_sort *c = &cs[nc++];
        memset(c, 0, sizeof(*c));
        c->first = i;
        c->sections = cfg->reports.sections_by_group;
        c->c.client = sel[i].client;
        c->c.site = sel[i].site;
        c->c.group = sel[i].group;
        while (j < n && str_eq(sel[j].site, sel[i].site) &&
               strcmp(sel[j].client, sel[i].client) == 0) {
            const qs_rep_row *r = &sel[j];
            /* Last assessed: the latest dated form (an undated one sorts last in history). */
            const char *d = r->date;
            const char *g = r->group;
            for (size_t h = r->nhistory; !d && h > 0; h--) {
                d = r->history[h - 1].date;
                g = r->history[h - 1].group;
            }
            if (d && (!c->c.last_date || strcmp(d, c->c.last_date) > 0)) {
                c->c.last_date = d;
                c->c.group = g;
            }
            if (r->max_severity >= 0 || r->reliable_deterioration)
                c->c.attention = 1;
            j++;
        }
        c->c.nrows = j - i;
        long last = qs_rep__iso_days(c->c.last_date);
        c->c.days_since = (last == LONG_MIN || made == LONG_MIN || made < last) ? -1 : made - last;
        c->c.overdue = c->c.days_since >= cfg->reports.overdue_days;
        i = j;
    }
    qsort(cs, nc, sizeof(*cs), cmp_clients);
    size_t w = 0;
    for (size_t k = 0; k < nc; k++) {
        out[k] = cs[k].c;
        out[k].rows = idx + w;
        for (size_t r = 0; r < cs[k].c.nrows; r++) {
            ordered[w] = sel[cs[k].first + r];
            idx[w] = w;
            w++;
        }
    }
    free(cs);
    return nc;
}

static int same_client(const char *site, const char *client, const char *their_site,
                       const char *their_client)
{
    return strcmp(client, their_client ? their_client : "") == 0 &&
           (!site || strcmp(site, their_site ? their_site : "") == 0);
}

/* 1 when no workbook has q's client or q's key: nobody knows whose the row is (its client id,
 * therapist and group unread, or a client and key no workbook has yet). */
static int quar_orphan(const struct rowset *R, const struct quar_who *q)
{
    for (size_t i = 0; i < R->n; i++) {
        if (q->key && R->key[i] && strcmp(q->key, R->key[i]) == 0)
            return 0;
        if (q->client && same_client(q->site, q->client, R->rows[i].site, R->rows[i].client))
            return 0;
    }
    return 1;
}

/* Open quarantined rows of the workbook of key `name` (its `n` clients c): those whose therapist
 * (or group, as workbooks are made) is `name`, or whose client is one of c, and those nobody
 * knows whose they are (quar_orphan), which count in every workbook. */
static long long quarantined_here(const struct build *B, const struct rowset *R, const char *name,
                                  const qs_rep_client *c, size_t n)
{
    long long here = 0;
    for (struct quar_who *q = B->quar; q; q = q->next) {
        int mine = q->key && strcmp(q->key, name) == 0;
        for (size_t i = 0; !mine && q->client && i < n; i++)
            mine = same_client(q->site, q->client, c[i].site, c[i].client);
        if (!mine && q->orphan < 0)
            q->orphan = quar_orphan(R, q);
        if (mine || q->orphan == 1)
            here += q->rows;
    }
    return here;
}

/* The workbook of key `name` at `path`: its rows of R (sel has room for all), ordered flagged
 * first, dated by the latest administration shown. Errors go to `errors`. */
static qs_error write_book(const struct build *B, const struct rowset *R, qs_rep_row *sel,
                           struct labels *L, const char *name, const char *path,
                           qs_diag_list *errors)
{
    const qs_config *cfg = B->cfg;
    qs_diag d;
    size_t nsel = 0;
    for (size_t i = 0; i < R->n; i++)
        if (strcmp(R->key[i] ? R->key[i] : "", name) == 0)
            sel[nsel++] = R->rows[i];
    qsort(sel, nsel, sizeof(*sel), cmp_client_rows);
    qs_rep_row *ordered = malloc((nsel ? nsel : 1) * sizeof(*ordered));
    qs_rep_client *clients = malloc((nsel ? nsel : 1) * sizeof(*clients));
    size_t *idx = malloc((nsel ? nsel : 1) * sizeof(*idx));
    size_t nclients =
        ordered && clients && idx ? build_clients(B, sel, nsel, clients, ordered, idx) : SIZE_MAX;
    qs_error rc = nclients == SIZE_MAX ? QS_ENOMEM : labels_of(B, sel, nsel, L);
    if (rc)
        goto done;
    char title[256], created[32] = "2000-01-01T00:00:00";
    snprintf(title, sizeof(title), "%s %s",
             cfg->group_by == QS_GROUP_BY_GROUP ? "Group" : "Therapist", *name ? name : "(none)");
    /* Created: when the store's last run ended (so the file depends on the store only); with no
     * run recorded, the latest administration date shown. */
    if (B->last_run_ended) {
        snprintf(created, sizeof(created), "%.19s", B->last_run_ended);
    } else {
        for (size_t i = 0; i < nsel; i++)
            if (sel[i].date && strcmp(sel[i].date, created) > 0)
                snprintf(created, sizeof(created), "%.19s", sel[i].date);
        if (strlen(created) == 10)
            memcpy(created + 10, "T00:00:00", 10);
    }
    long long here = quarantined_here(B, R, name, clients, nclients);
    /* Data through: the latest form's date, never after the run that made the workbook (a form
     * dated in the future is shown, but does not move the date every page prints). */
    const char *through = B->data_through;
    if (through && B->last_run_ended && strncmp(through, B->last_run_ended, 10) > 0)
        through = qs_pool__strndup(B->pool, B->last_run_ended, 10);
    int several_sites = 0;
    for (size_t k = 1; k < nclients && !several_sites; k++)
        several_sites = !str_eq(clients[k].site, clients[0].site);
    qs_report r = {title,
                   cfg->clinic,
                   created,
                   qs_version(),
                   B->last_run,
                   B->last_run_started ? B->last_run_started : "",
                   B->ninsts,
                   L->insts,
                   nsel,
                   ordered,
                   B->nfiles,
                   B->files,
                   B->open_quarantined,
                   nclients,
                   clients,
                   through,
                   B->last_run_ended,
                   cfg->reports.overdue_days,
                   cfg->reports.max_charts,
                   cfg->reports.sections_by_group,
                   (int)cfg->reports.paper,
                   here,
                   several_sites};
    qs_diag_clear(&d);
    rc = qs_report_write_xlsx(&r, path, &d);
    if (rc)
        qs_diag_list_push(errors, &d);
done:
    free(ordered);
    free(clients);
    free(idx);
    return rc;
}

/* Every workbook (or the one `filter` names) into out_dir, in name order; stops at the first
 * that fails. */
static qs_error write_books(const struct build *B, const struct rowset *R, const struct books *K,
                            const char *out_dir, const char *filter,
                            void (*written)(void *ctx, const char *path), void *ctx,
                            qs_diag_list *errors)
{
    qs_error rc = QS_OK;
    struct labels L;
    size_t ni = B->ninsts ? B->ninsts : 1;
    L.insts = calloc(ni, sizeof(*L.insts));
    L.sets = calloc(2 * ni, sizeof(*L.sets));
    qs_rep_row *sel = calloc(R->n ? R->n : 1, sizeof(*sel));
    if (!sel || !L.insts || !L.sets)
        rc = QS_ENOMEM;
    for (size_t w = 0; w < K->n && !rc; w++) {
        if (filter && strcmp(filter, K->names[w]) != 0)
            continue;
        char path[4400];
        snprintf(path, sizeof(path), "%s/%s.xlsx", out_dir, K->stems[w]);
        rc = write_book(B, R, sel, &L, K->names[w], path, errors);
        if (!rc && written)
            written(ctx, path);
    }
    free(sel);
    labels_release(&L, ni);
    return rc;
}

/* The workbooks in `dir` a full report no longer writes: "therapist-*.xlsx" and "group-*.xlsx"
 * files whose stem is none of K's (health data of clients no longer this therapist's must not
 * stay readable under the therapist's name). Links and other files are left alone. */
static void remove_stale(const char *dir, const struct books *K,
                         void (*removed)(void *ctx, const char *path), void *ctx)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        size_t len = strlen(n);
        if (len < 6 || strcmp(n + len - 5, ".xlsx") != 0 ||
            (strncmp(n, "therapist-", 10) != 0 && strncmp(n, "group-", 6) != 0))
            continue;
        int current = 0;
        for (size_t w = 0; w < K->n && !current; w++)
            current = strlen(K->stems[w]) == len - 5 && strncmp(K->stems[w], n, len - 5) == 0;
        if (current)
            continue;
        char path[4400];
        struct stat st;
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, n) >= sizeof(path) ||
            lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (unlink(path) == 0 && removed)
            removed(ctx, path);
    }
    closedir(d);
}

/* The reports folder: opts->out_dir, or the config's output folder's "reports". */
static qs_error reports_dir(char *out, size_t size, const qs_config *cfg,
                            const qs_report_opts *opts, qs_diag_list *errors)
{
    int fits = opts->out_dir ? (size_t)snprintf(out, size, "%s", opts->out_dir) < size
                             : qs_path_join(out, size, cfg->output, "reports");
    if (!fits) {
        /* A cut path would write the workbooks somewhere else. */
        qs_diag_list_add(errors, NULL, 0, 0, NULL,
                         "the reports folder's path is too long (at most %zu bytes)", size - 1);
        return QS_EIO;
    }
    return QS_OK;
}

qs_error qs_report_write_all(const qs_config *cfg, const qs_report_opts *opts,
                             void (*written)(void *ctx, const char *path), void *ctx,
                             qs_diag_list *errors)
{
    struct build B;
    struct rowset R;
    struct books K;
    qs_diag d;
    qs_error rc;
    char out_dir[4096];

    memset(&B, 0, sizeof(B));
    memset(&R, 0, sizeof(R));
    memset(&K, 0, sizeof(K));
    B.cfg = cfg;
    B.errors = errors;
    B.pool = qs_pool__new();
    if (!B.pool)
        return QS_ENOMEM;
    qs_diag_clear(&d);
    rc = reports_dir(out_dir, sizeof(out_dir), cfg, opts, errors);
    if (rc)
        goto done;
    rc = qs_store_open(&B.store, cfg->store, 1, &d);
    if (rc) {
        qs_diag_list_push(errors, &d);
        goto done;
    }
    rc = load_instruments(&B);
    if (!rc)
        rc = read_store(&B, opts->since, &R);
    if (!rc)
        rc = choose_names(&R, cfg->group_by == QS_GROUP_BY_GROUP ? "group" : "therapist", &K);
    if (rc)
        goto done;
    const char *filter = cfg->group_by == QS_GROUP_BY_GROUP ? opts->group : opts->therapist;
    int found = 0;
    for (size_t w = 0; filter && w < K.n && !found; w++)
        found = strcmp(filter, K.names[w]) == 0;
    if (filter && !found) {
        qs_diag_list_add(errors, NULL, 0, 0, NULL,
                         "--%s '%s': the store holds no administration of this %s, so there is "
                         "no workbook to write (see qscore status)",
                         filter == opts->group ? "group" : "therapist", filter,
                         filter == opts->group ? "group" : "therapist");
        rc = QS_EUSAGE;
        goto done;
    }
    if (qs_mkdir_p(out_dir) != 0) {
        qs_diag_list_add(errors, NULL, 0, 0, NULL, "cannot create '%s': %s", out_dir,
                         strerror(errno));
        rc = QS_EIO;
        goto done;
    }
    rc = write_books(&B, &R, &K, out_dir,
                     cfg->group_by == QS_GROUP_BY_GROUP ? opts->group : opts->therapist, written,
                     ctx, errors);
    if (!rc && !opts->out_dir && !opts->since && !opts->therapist && !opts->group)
        remove_stale(out_dir, &K, opts->removed, ctx);
done:
    books_release(&K);
    rowset_release(&R);
    for (size_t i = 0; i < B.ninsts; i++)
        qs_instrument_free(B.insts[i].inst);
    free(B.adms);
    free(B.files);
    qs_store_close(B.store);
    qs_pool__free(B.pool);
    return rc;
}
