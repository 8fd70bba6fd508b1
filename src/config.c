/* config.c - load the clinic config (examples/clinic.yaml) with positioned errors. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "qscore/config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pool.h"
#include "qscore/format.h"
#include "qscore/instrument.h"
#include "qscore/store.h" /* qs_sha256_hex */
#include "yamldoc.h"

struct cloader {
    qs_ywalk w;
    qs_pool *pool;
    qs_config *c;
};

static char *pstr(struct cloader *L, const char *s)
{
    return qs_pool__strndup(L->pool, s, strlen(s));
}

int qs_path_join(char *out, size_t size, const char *dir, const char *rel)
{
    int n;
    if (rel[0] == '/' || !dir || !dir[0] || strcmp(dir, ".") == 0)
        n = snprintf(out, size, "%s", rel);
    else
        n = snprintf(out, size, "%s/%s", dir, rel);
    return n > 0 && (size_t)n < size;
}

static const char *resolve(struct cloader *L, const qs_ynode *map, const char *key, const char *rel)
{
    char buf[4096];
    if (!qs_path_join(buf, sizeof(buf), L->c->dir, rel)) {
        qs_ywalk__key_error(&L->w, map, key, "path is too long");
        return NULL;
    }
    return pstr(L, buf);
}

static int valid_source_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              (i && (ch == '-' || ch == '_' || ch == '.'))))
            return 0;
    }
    return 1;
}

static void load_source(struct cloader *L, const qs_ynode *n, qs_source *s)
{
    static const char *const keys[] = {"id",      "files", "instrument", "mapping",
                                       "profile", "site",  NULL};
    const char *str;
    if (!qs_ywalk__check_keys(&L->w, n, keys))
        return;
    if (qs_ywalk__string(&L->w, n, "id", 1, &str)) {
        if (!valid_source_id(str))
            qs_ywalk__key_error(&L->w, n, "id",
                                "source id '%s' must be lowercase letters, digits, '-', '_' or "
                                "'.', starting with a letter or digit",
                                str);
        else
            s->id = pstr(L, str);
    }
    const qs_ynode *files = qs_ynode__get(n, "files");
    if (!files) {
        qs_ywalk__error(&L->w, n, "missing required key 'files'");
    } else {
        size_t old = qs_ypath__key(&L->w.path, "files");
        size_t count = files->type == QS_Y_SEQ ? files->count : 1;
        s->files = qs_pool__calloc(L->pool, count ? count : 1, sizeof(char *));
        for (size_t i = 0; s->files && i < count; i++) {
            const qs_ynode *f = files->type == QS_Y_SEQ ? files->kids[i] : files;
            size_t oi = files->type == QS_Y_SEQ ? qs_ypath__index(&L->w.path, i) : L->w.path.len;
            char buf[4096];
            if (f->type != QS_Y_SCALAR || f->len == 0)
                qs_ywalk__error(&L->w, f, "expected a file name or glob pattern, found %s",
                                qs_ynode__kind(f));
            else if (!qs_path_join(buf, sizeof(buf), L->c->dir, f->value))
                qs_ywalk__error(&L->w, f, "path is too long");
            else
                s->files[s->nfiles++] = pstr(L, buf);
            qs_ypath__pop(&L->w.path, oi);
        }
        if (count == 0)
            qs_ywalk__error(&L->w, files, "expected at least one file pattern");
        qs_ypath__pop(&L->w.path, old);
    }
    if (qs_ywalk__string(&L->w, n, "instrument", 1, &str))
        s->instrument = strchr(str, '/') || strstr(str, ".yaml") ? resolve(L, n, "instrument", str)
                                                                 : pstr(L, str);
    if (qs_ywalk__string(&L->w, n, "mapping", 0, &str))
        s->mapping = resolve(L, n, "mapping", str);
    s->profile = QS_PROFILE_AUTO;
    if (qs_ywalk__string(&L->w, n, "profile", 0, &str) && !qs_profile_parse(str, &s->profile)) {
        char names[128];
        qs_ywalk__key_error(&L->w, n, "profile", "expected %s, found '%s'",
                            qs_profile_list(names, sizeof(names)), str);
    }
    s->site = "main";
    if (qs_ywalk__string(&L->w, n, "site", 0, &str))
        s->site = pstr(L, str);
}

const char *qs_cov_kind_name(qs_cov_kind k)
{
    switch (k) {
    case QS_COV_CATEGORY:
        return "category";
    case QS_COV_AGE_BAND:
        return "age_band";
    case QS_COV_YEAR:
        return "year";
    }
    return "category";
}

static int valid_covariate_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return 1;
}

/* The `reports:` section (docs in README, "Workbooks"): every key optional. */
static void load_reports(struct cloader *L, const qs_ynode *reports)
{
    qs_config *c = L->c;
    const char *str;
    if (qs_ywalk__string(&L->w, reports, "group_by", 0, &str)) {
        if (strcmp(str, "therapist") == 0)
            c->group_by = QS_GROUP_BY_THERAPIST;
        else if (strcmp(str, "group") == 0)
            c->group_by = QS_GROUP_BY_GROUP;
        else
            qs_ywalk__key_error(&L->w, reports, "group_by",
                                "expected therapist or group, found '%s'", str);
    }
    if (qs_ywalk__string(&L->w, reports, "sections", 0, &str)) {
        if (strcmp(str, "group") == 0)
            c->reports.sections_by_group = 1;
        else if (strcmp(str, "none") == 0)
            c->reports.sections_by_group = 0;
        else
            qs_ywalk__key_error(&L->w, reports, "sections", "expected group or none, found '%s'",
                                str);
    }
    if (qs_ywalk__string(&L->w, reports, "paper", 0, &str)) {
        if (strcasecmp(str, "letter") == 0)
            c->reports.paper = QS_PAPER_LETTER;
        else if (strcasecmp(str, "a4") == 0)
            c->reports.paper = QS_PAPER_A4;
        else
            qs_ywalk__key_error(&L->w, reports, "paper", "expected letter or a4, found '%s'", str);
    }
    long v;
    if (qs_ywalk__long(&L->w, reports, "overdue_days", 0, 1, 3650, &v))
        c->reports.overdue_days = v;
    if (qs_ywalk__long(&L->w, reports, "max_charts", 0, 0, 10000, &v))
        c->reports.max_charts = v;
}

static void load_export(struct cloader *L, const qs_ynode *ex)
{
    static const char *const keys[] = {"key_file", "k", "year", "covariates", "override", NULL};
    qs_export_config *e = &L->c->export_;
    const char *str;
    long k;
    if (!qs_ywalk__check_keys(&L->w, ex, keys))
        return;
    if (qs_ywalk__string(&L->w, ex, "key_file", 0, &str))
        e->key_file = resolve(L, ex, "key_file", str);
    if (qs_ywalk__long(&L->w, ex, "k", 0, 1, 1000000, &k)) {
        const qs_ynode *kn = qs_ynode__get(ex, "k");
        e->k = k;
        e->k_line = kn ? kn->line : 0;
        e->k_col = kn ? kn->column : 0;
    }
    qs_ywalk__bool(&L->w, ex, "year", 0, &e->year);
    if (qs_ywalk__string(&L->w, ex, "override", 0, &str)) {
        if (strlen(str) < 10)
            qs_ywalk__key_error(&L->w, ex, "override",
                                "expected the reason for accepting unsafe export settings (who "
                                "approved it and why), found '%s'",
                                str);
        else
            e->override = pstr(L, str);
    }
    const qs_ynode *cov = qs_ynode__get(ex, "covariates");
    if (!cov)
        return;
    size_t old = qs_ypath__key(&L->w.path, "covariates");
    if (cov->type != QS_Y_MAP) {
        qs_ywalk__error(&L->w, cov,
                        "expected a mapping of covariate names to category, age_band or year, "
                        "found %s",
                        qs_ynode__kind(cov));
    } else {
        e->covariates =
            qs_pool__calloc(L->pool, cov->count ? cov->count : 1, sizeof(qs_export_covariate));
        for (size_t i = 0; e->covariates && i < cov->count; i++) {
            const qs_ynode *kn = cov->kids[2 * i], *v = cov->kids[2 * i + 1];
            if (kn->type != QS_Y_SCALAR)
                continue;
            size_t ok = qs_ypath__key(&L->w.path, kn->value);
            qs_export_covariate *c = &e->covariates[e->ncovariates];
            if (!valid_covariate_name(kn->value))
                qs_ywalk__error(&L->w, kn,
                                "covariate name '%s' must be letters, digits and '_', starting "
                                "with a letter",
                                kn->value);
            else if (v->type != QS_Y_SCALAR)
                qs_ywalk__error(&L->w, v, "expected category, age_band or year, found %s",
                                qs_ynode__kind(v));
            else if (strcmp(v->value, "category") && strcmp(v->value, "age_band") &&
                     strcmp(v->value, "year"))
                qs_ywalk__error(&L->w, v, "expected category, age_band or year, found '%s'",
                                v->value);
            else {
                c->name = pstr(L, kn->value);
                c->kind = strcmp(v->value, "age_band") == 0 ? QS_COV_AGE_BAND
                          : strcmp(v->value, "year") == 0   ? QS_COV_YEAR
                                                            : QS_COV_CATEGORY;
                c->line = kn->line;
                c->column = kn->column;
                e->ncovariates++;
            }
            qs_ypath__pop(&L->w.path, ok);
        }
    }
    qs_ypath__pop(&L->w.path, old);
}

/* ---- overrides ---------------------------------------------------------------------------- */

/*
 * `overrides: {ID: {cutoffs: {NAME: NUMBER}, flags: {FLAG: {severity: S, enabled: B}}}}`. Each
 * instrument named is loaded once here, so a name the instrument does not have is an error with
 * its key path when the config is loaded, not at night; the instrument itself is loaded again
 * (and the settings applied) wherever it scores or reports.
 */

static int cmp_cutoff_setting(const void *a, const void *b)
{
    return strcmp(((const qs_cutoff_setting *)a)->id, ((const qs_cutoff_setting *)b)->id);
}

static int cmp_flag_setting(const void *a, const void *b)
{
    return strcmp(((const qs_flag_setting *)a)->id, ((const qs_flag_setting *)b)->id);
}

/* The settings in canonical form, hashed: see qs_config_overrides_fingerprint. */
static void fingerprint(qs_overrides *ov)
{
    char text[8192], num[64];
    size_t used = 0;
    int n = snprintf(text, sizeof(text), "qscore-overrides\x1f%s\n", ov->instrument);
    used = n > 0 ? (size_t)n : 0;
    if (ov->ncutoffs) /* qsort's base must not be NULL, even for no elements */
        qsort(ov->cutoffs, ov->ncutoffs, sizeof(*ov->cutoffs), cmp_cutoff_setting);
    if (ov->nflags)
        qsort(ov->flags, ov->nflags, sizeof(*ov->flags), cmp_flag_setting);
    for (size_t i = 0; i < ov->ncutoffs && used < sizeof(text); i++) {
        qs_format_double(num, sizeof(num), ov->cutoffs[i].value);
        n = snprintf(text + used, sizeof(text) - used, "cutoff\x1f%s\x1f%s\n", ov->cutoffs[i].id,
                     num);
        used += n > 0 ? (size_t)n : 0;
    }
    for (size_t i = 0; i < ov->nflags && used < sizeof(text); i++) {
        const qs_flag_setting *f = &ov->flags[i];
        n = snprintf(text + used, sizeof(text) - used, "flag\x1f%s\x1f%s\x1f%d\n", f->id,
                     f->severity >= 0 ? qs_severity_name((qs_severity)f->severity) : "-",
                     f->enabled);
        used += n > 0 ? (size_t)n : 0;
    }
    /* A config too large for the buffer still hashes what fits, with its length. */
    qs_sha256_hex(text, used < sizeof(text) ? used : sizeof(text) - 1, ov->fingerprint);
}

static void load_flag_setting(struct cloader *L, const qs_ynode *k, const qs_ynode *v,
                              qs_flag_setting *f)
{
    static const char *const keys[] = {"severity", "enabled", NULL};
    const char *str;
    f->id = pstr(L, k->value);
    f->line = k->line;
    f->column = k->column;
    f->severity = -1;
    f->enabled = -1;
    if (v->type != QS_Y_MAP) {
        qs_ywalk__error(&L->w, v,
                        "expected {severity: low|medium|high, enabled: true|false}, "
                        "found %s",
                        qs_ynode__kind(v));
        return;
    }
    if (!qs_ywalk__check_keys(&L->w, v, keys))
        return;
    if (qs_ywalk__string(&L->w, v, "severity", 0, &str)) {
        if (strcmp(str, "low") == 0)
            f->severity = QS_SEV_LOW;
        else if (strcmp(str, "medium") == 0)
            f->severity = QS_SEV_MEDIUM;
        else if (strcmp(str, "high") == 0)
            f->severity = QS_SEV_HIGH;
        else
            qs_ywalk__key_error(&L->w, v, "severity",
                                "expected severity low, medium or high, found '%s'", str);
    }
    int on;
    if (qs_ywalk__bool(&L->w, v, "enabled", 0, &on))
        f->enabled = on;
}

/*
 * One `norms:` entry: a norm population id of the instrument, or `local` (this clinic's own
 * clients, docs/norms.md), or {local: {min_n: N}} to set how many clients a local norm needs.
 */
static void load_norm_choice(struct cloader *L, const qs_ynode *k, const qs_ynode *v)
{
    static const char *const local_keys[] = {"min_n", NULL};
    qs_config *c = L->c;
    qs_norm_choice *ch = &c->norms[c->nnorms];
    ch->instrument = pstr(L, k->value);
    ch->min_n = QS_LOCAL_NORM_MIN_N;
    if (v->type == QS_Y_SCALAR && v->len > 0) {
        ch->norm = pstr(L, v->value);
        ch->local = strcmp(v->value, "local") == 0;
        c->nnorms++;
        return;
    }
    const qs_ynode *lo = v->type == QS_Y_MAP && v->count == 1 ? qs_ynode__get(v, "local") : NULL;
    if (!lo || lo->type != QS_Y_MAP) {
        qs_ywalk__error(&L->w, v,
                        "expected a norm population id, local, or {local: {min_n: N}}, found %s",
                        qs_ynode__kind(v));
        return;
    }
    size_t o = qs_ypath__key(&L->w.path, "local");
    long n = QS_LOCAL_NORM_MIN_N;
    if (qs_ywalk__check_keys(&L->w, lo, local_keys)) {
        qs_ywalk__long(&L->w, lo, "min_n", 0, 2, 1000000, &n); /* an error is said; else n */
        ch->norm = "local";
        ch->local = 1;
        ch->min_n = n;
        c->nnorms++;
    }
    qs_ypath__pop(&L->w.path, o);
}

/* The definition file of the source whose instrument has id `id` (a source may name its
 * instrument by a path), into path; 1 when one does. */
static int source_instrument_path(const qs_config *c, const char *id, char *path, size_t size)
{
    for (size_t i = 0; i < c->nsources; i++) {
        char p[4096];
        qs_diag d;
        qs_diag_list errs;
        qs_instrument *inst = NULL;
        qs_diag_clear(&d);
        if (!c->sources[i].instrument ||
            qs_instrument_find(p, sizeof(p), c->sources[i].instrument, &d))
            continue;
        qs_diag_list_init(&errs);
        int same = qs_instrument_load(&inst, p, &errs) == QS_OK && strcmp(inst->id, id) == 0;
        qs_instrument_free(inst);
        qs_diag_list_release(&errs);
        if (same) {
            snprintf(path, size, "%s", p);
            return 1;
        }
    }
    return 0;
}

/* Check `ov`'s names against its instrument: a source's, else an installed one of that id. */
static void check_overrides(struct cloader *L, const qs_ynode *key, qs_overrides *ov)
{
    char path[4096];
    qs_diag d;
    qs_diag_list errs;
    qs_instrument *inst = NULL;
    qs_diag_clear(&d);
    if (!source_instrument_path(L->c, ov->instrument, path, sizeof(path)) &&
        qs_instrument_find(path, sizeof(path), ov->instrument, &d)) {
        qs_ywalk__error(&L->w, key, "unknown instrument '%s': %s", ov->instrument, d.message);
        return;
    }
    qs_diag_list_init(&errs);
    if (qs_instrument_load(&inst, path, &errs) == QS_OK) {
        if (strcmp(inst->id, ov->instrument) != 0)
            qs_ywalk__error(&L->w, key, "instrument file '%s' has id '%s', not '%s'", path,
                            inst->id, ov->instrument);
        else
            qs_instrument_apply_overrides(inst, ov, &errs);
    }
    for (size_t i = 0; i < errs.count; i++)
        qs_diag_list_push(L->w.errors, &errs.items[i]);
    qs_diag_list_release(&errs);
    qs_instrument_free(inst);
}

static void load_override(struct cloader *L, const qs_ynode *k, const qs_ynode *v, qs_overrides *ov)
{
    static const char *const keys[] = {"cutoffs", "flags", NULL};
    size_t before = qs_diag_list_total(L->w.errors);
    ov->instrument = pstr(L, k->value);
    ov->file = L->c->path;
    ov->line = k->line;
    ov->column = k->column;
    if (v->type != QS_Y_MAP) {
        qs_ywalk__error(&L->w, v, "expected {cutoffs: ..., flags: ...}, found %s",
                        qs_ynode__kind(v));
        return;
    }
    if (!qs_ywalk__check_keys(&L->w, v, keys))
        return;
    const qs_ynode *cn = qs_ynode__get(v, "cutoffs"), *fn = qs_ynode__get(v, "flags");
    if (cn) {
        size_t o = qs_ypath__key(&L->w.path, "cutoffs");
        if (cn->type != QS_Y_MAP) {
            qs_ywalk__error(&L->w, cn, "expected a mapping of cutoff names to numbers, found %s",
                            qs_ynode__kind(cn));
        } else {
            ov->cutoffs =
                qs_pool__calloc(L->pool, cn->count ? cn->count : 1, sizeof(qs_cutoff_setting));
            for (size_t i = 0; ov->cutoffs && i < cn->count; i++) {
                const qs_ynode *ck = cn->kids[2 * i], *cv = cn->kids[2 * i + 1];
                double d;
                if (ck->type != QS_Y_SCALAR)
                    continue;
                size_t ok = qs_ypath__key(&L->w.path, ck->value);
                if (!qs_ynode__as_double(cv, &d) || d < -1e15 || d > 1e15) {
                    qs_ywalk__error(&L->w, cv, "expected a number, found %s",
                                    cv->type == QS_Y_SCALAR ? "text" : qs_ynode__kind(cv));
                } else {
                    qs_cutoff_setting *c = &ov->cutoffs[ov->ncutoffs++];
                    c->id = pstr(L, ck->value);
                    c->value = d;
                    c->text = pstr(L, cv->value);
                    c->line = ck->line;
                    c->column = ck->column;
                }
                qs_ypath__pop(&L->w.path, ok);
            }
        }
        qs_ypath__pop(&L->w.path, o);
    }
    if (fn) {
        size_t o = qs_ypath__key(&L->w.path, "flags");
        if (fn->type != QS_Y_MAP) {
            qs_ywalk__error(&L->w, fn, "expected a mapping of flag ids to settings, found %s",
                            qs_ynode__kind(fn));
        } else {
            ov->flags =
                qs_pool__calloc(L->pool, fn->count ? fn->count : 1, sizeof(qs_flag_setting));
            for (size_t i = 0; ov->flags && i < fn->count; i++) {
                const qs_ynode *fk = fn->kids[2 * i];
                if (fk->type != QS_Y_SCALAR)
                    continue;
                size_t ok = qs_ypath__key(&L->w.path, fk->value);
                load_flag_setting(L, fk, fn->kids[2 * i + 1], &ov->flags[ov->nflags++]);
                qs_ypath__pop(&L->w.path, ok);
            }
        }
        qs_ypath__pop(&L->w.path, o);
    }
    if (qs_diag_list_total(L->w.errors) == before)
        check_overrides(L, k, ov);
    fingerprint(ov);
}

static void load_overrides(struct cloader *L, const qs_ynode *root)
{
    const qs_ynode *on = qs_ynode__get(root, "overrides");
    if (!on)
        return;
    size_t old = qs_ypath__key(&L->w.path, "overrides");
    if (on->type != QS_Y_MAP) {
        qs_ywalk__error(&L->w, on, "expected a mapping of instrument ids to settings, found %s",
                        qs_ynode__kind(on));
    } else {
        L->c->overrides = qs_pool__calloc(L->pool, on->count ? on->count : 1, sizeof(qs_overrides));
        for (size_t i = 0; L->c->overrides && i < on->count; i++) {
            const qs_ynode *k = on->kids[2 * i];
            if (k->type != QS_Y_SCALAR)
                continue;
            size_t ok = qs_ypath__key(&L->w.path, k->value);
            load_override(L, k, on->kids[2 * i + 1], &L->c->overrides[L->c->noverrides++]);
            qs_ypath__pop(&L->w.path, ok);
        }
    }
    qs_ypath__pop(&L->w.path, old);
}

const qs_overrides *qs_config_overrides_for(const qs_config *c, const char *instrument_id)
{
    for (size_t i = 0; c && instrument_id && i < c->noverrides; i++)
        if (strcmp(c->overrides[i].instrument, instrument_id) == 0)
            return &c->overrides[i];
    return NULL;
}

qs_error qs_config_apply_overrides(const qs_config *c, qs_instrument *inst, qs_diag_list *errors)
{
    return qs_instrument_apply_overrides(inst, qs_config_overrides_for(c, inst->id), errors);
}

const char *qs_config_overrides_fingerprint(const qs_config *c, const char *instrument_id)
{
    const qs_overrides *ov = qs_config_overrides_for(c, instrument_id);
    return ov && (ov->ncutoffs || ov->nflags) ? ov->fingerprint : "none";
}

static qs_error load_doc(qs_config *c, struct cloader *L, const qs_ydoc *doc)
{
    static const char *const keys[] = {"clinic",  "store",  "output",    "sources", "norms",
                                       "reports", "export", "overrides", NULL};
    static const char *const report_keys[] = {"group_by",   "sections", "overdue_days",
                                              "max_charts", "paper",    NULL};
    const qs_ynode *root = doc->root;
    const char *str;
    if (!root) {
        qs_diag_list_add(L->w.errors, doc->file, 0, 0, NULL,
                         "file is empty: expected a clinic config");
        return QS_EINVALID;
    }
    if (!qs_ywalk__check_keys(&L->w, root, keys))
        return QS_EINVALID;
    if (qs_ywalk__string(&L->w, root, "clinic", 0, &str))
        c->clinic = pstr(L, str);
    c->store = resolve(L, root, "store", "qscore.db");
    if (qs_ywalk__string(&L->w, root, "store", 0, &str))
        c->store = resolve(L, root, "store", str);
    c->output = resolve(L, root, "output", "out");
    if (qs_ywalk__string(&L->w, root, "output", 0, &str))
        c->output = resolve(L, root, "output", str);

    const qs_ynode *sources = qs_ynode__get(root, "sources");
    if (!sources) {
        qs_ywalk__error(&L->w, root, "missing required key 'sources'");
    } else if (sources->type != QS_Y_SEQ || sources->count == 0) {
        qs_ywalk__key_error(&L->w, root, "sources", "expected a list of sources, found %s",
                            qs_ynode__kind(sources));
    } else {
        size_t old = qs_ypath__key(&L->w.path, "sources");
        c->sources = qs_pool__calloc(L->pool, sources->count, sizeof(qs_source));
        for (size_t i = 0; c->sources && i < sources->count; i++) {
            size_t oi = qs_ypath__index(&L->w.path, i);
            c->sources[i].config = c;
            load_source(L, sources->kids[i], &c->sources[i]);
            for (size_t j = 0; j < i && c->sources[i].id; j++)
                if (c->sources[j].id && strcmp(c->sources[j].id, c->sources[i].id) == 0)
                    qs_ywalk__key_error(&L->w, sources->kids[i], "id", "duplicate source id '%s'",
                                        c->sources[i].id);
            qs_ypath__pop(&L->w.path, oi);
        }
        c->nsources = c->sources ? sources->count : 0;
        qs_ypath__pop(&L->w.path, old);
    }

    const qs_ynode *norms = qs_ynode__get(root, "norms");
    if (norms) {
        size_t old = qs_ypath__key(&L->w.path, "norms");
        if (norms->type != QS_Y_MAP) {
            qs_ywalk__error(&L->w, norms,
                            "expected a mapping of instrument ids to norm ids, found %s",
                            qs_ynode__kind(norms));
        } else {
            c->norms =
                qs_pool__calloc(L->pool, norms->count ? norms->count : 1, sizeof(qs_norm_choice));
            for (size_t i = 0; c->norms && i < norms->count; i++) {
                const qs_ynode *k = norms->kids[2 * i], *v = norms->kids[2 * i + 1];
                if (k->type != QS_Y_SCALAR)
                    continue;
                size_t ok = qs_ypath__key(&L->w.path, k->value);
                load_norm_choice(L, k, v);
                qs_ypath__pop(&L->w.path, ok);
            }
        }
        qs_ypath__pop(&L->w.path, old);
    }

    c->export_.k = 11;
    c->export_.key_file = resolve(L, root, "export", "keys/export.key");
    const qs_ynode *ex = qs_ynode__get(root, "export");
    if (ex) {
        size_t old = qs_ypath__key(&L->w.path, "export");
        load_export(L, ex);
        qs_ypath__pop(&L->w.path, old);
    }

    load_overrides(L, root);

    c->reports.overdue_days = QS_REPORTS_OVERDUE_DAYS;
    c->reports.max_charts = QS_REPORTS_MAX_CHARTS;
    const qs_ynode *reports = qs_ynode__get(root, "reports");
    if (reports) {
        size_t old = qs_ypath__key(&L->w.path, "reports");
        if (qs_ywalk__check_keys(&L->w, reports, report_keys))
            load_reports(L, reports);
        qs_ypath__pop(&L->w.path, old);
    }
    return QS_OK;
}

/* A qs_yaml__build_fn: `out` is the caller's qs_config **. */
static qs_error config_from_doc(void *out, const qs_ydoc *doc, const char *path,
                                qs_diag_list *errors)
{
    struct cloader L;
    memset(&L, 0, sizeof(L));
    L.pool = qs_pool__new();
    L.c = L.pool ? qs_pool__alloc(L.pool, sizeof(qs_config)) : NULL;
    if (!L.c) {
        qs_pool__free(L.pool);
        return QS_ENOMEM;
    }
    L.c->priv = L.pool;
    L.c->path = pstr(&L, path);
    const char *slash = strrchr(path, '/');
    L.c->dir =
        slash ? qs_pool__strndup(L.pool, path, (size_t)(slash - path) + (slash == path)) : ".";
    /* Paths hang off the config's real folder, so the store knows an export by one path
     * whatever folder qscore was started in and however -c was spelled (file identity is
     * per path: docs/store.md). */
    char real[PATH_MAX];
    if (L.c->dir && realpath(L.c->dir, real))
        L.c->dir = pstr(&L, real);
    L.w.doc = doc;
    L.w.errors = errors;
    size_t before = qs_diag_list_total(errors);
    qs_error rc = load_doc(L.c, &L, doc);
    if (rc || qs_diag_list_total(errors) != before) {
        qs_pool__free(L.pool);
        return QS_EINVALID;
    }
    *(qs_config **)out = L.c;
    return QS_OK;
}

qs_error qs_config_load(qs_config **out, const char *path, qs_diag_list *errors)
{
    *out = NULL;
    return qs_yaml__load_with(out, path, NULL, 0, path, errors, config_from_doc);
}

qs_error qs_source_instrument(const qs_source *src, qs_instrument **out, qs_diag_list *errors)
{
    char path[4096];
    qs_diag d;
    *out = NULL;
    qs_diag_clear(&d);
    qs_error rc = qs_instrument_find(path, sizeof(path), src->instrument, &d);
    if (rc) {
        qs_diag_list_push(errors, &d);
        return rc;
    }
    rc = qs_instrument_load(out, path, errors);
    if (!rc && src->config)
        rc = qs_config_apply_overrides(src->config, *out, errors);
    if (rc && *out) {
        qs_instrument_free(*out);
        *out = NULL;
    }
    return rc;
}

long qs_config_local_norm(const qs_config *c, const char *instrument_id)
{
    for (size_t i = 0; i < c->nnorms; i++)
        if (strcmp(c->norms[i].instrument, instrument_id) == 0)
            return c->norms[i].local ? c->norms[i].min_n : 0;
    return 0;
}

const char *qs_config_norm_for(const qs_config *c, const char *instrument_id)
{
    for (size_t i = 0; i < c->nnorms; i++)
        if (strcmp(c->norms[i].instrument, instrument_id) == 0)
            return c->norms[i].norm;
    return NULL;
}

void qs_config_free(qs_config *c)
{
    if (c)
        qs_pool__free(c->priv);
}
