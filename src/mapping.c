/* mapping.c - load the column mapping file of `qscore score` (docs/score.md). */
#include "qscore/mapping.h"

#include <string.h>

#include "pool.h"
#include "text.h"
#include "yamldoc.h"

struct mloader {
    qs_ywalk w;
    qs_pool *pool;
    qs_mapping *m;
};

static char *pstr(struct mloader *L, const char *s, size_t n)
{
    return qs_pool__strndup(L->pool, s, n);
}

/* A column reference: non-empty text; "#N" must have N >= 1. */
static void read_colref(struct mloader *L, const qs_ynode *n, qs_colref *out)
{
    if (n->type != QS_Y_SCALAR || n->len == 0) {
        qs_ywalk__error(&L->w, n, "expected a column header or #N, found %s", qs_ynode__kind(n));
        return;
    }
    if (n->value[0] == '#' && n->len > 1) {
        int digits = 1;
        for (size_t i = 1; i < n->len; i++)
            digits &= n->value[i] >= '0' && n->value[i] <= '9';
        if (digits && (n->len > 7 || strspn(n->value + 1, "0") == n->len - 1)) {
            qs_ywalk__error(&L->w, n, "expected a column number from #1 to #999999, found '%s'",
                            n->value);
            return;
        }
    }
    out->text = pstr(L, n->value, n->len);
    out->line = n->line;
    out->column = n->column;
}

static void read_ref_key(struct mloader *L, const qs_ynode *root, const char *key, qs_colref *out)
{
    const qs_ynode *v = qs_ynode__get(root, key);
    if (!v)
        return;
    size_t old = qs_ypath__key(&L->w.path, key);
    read_colref(L, v, out);
    qs_ypath__pop(&L->w.path, old);
}

static void read_items(struct mloader *L, const qs_ynode *items)
{
    size_t old = qs_ypath__key(&L->w.path, "items");
    if (items->type != QS_Y_MAP) {
        qs_ywalk__error(&L->w, items, "expected a mapping of item ids to columns, found %s",
                        qs_ynode__kind(items));
        goto done;
    }
    L->m->items =
        qs_pool__calloc(L->pool, items->count ? items->count : 1, sizeof(qs_mapping_item));
    if (!L->m->items)
        goto done;
    for (size_t i = 0; i < items->count; i++) {
        const qs_ynode *k = items->kids[2 * i], *v = items->kids[2 * i + 1];
        long id;
        size_t o = qs_ypath__key(&L->w.path, k->type == QS_Y_SCALAR ? k->value : "?");
        if (!qs_ynode__as_long(k, &id) || id < 1 || id > 100000) {
            qs_ywalk__error(&L->w, k, "expected an item id (a whole number from 1), found %s",
                            qs_ynode__kind(k));
        } else {
            int dup = 0;
            for (size_t j = 0; j < L->m->nitems && !dup; j++)
                dup = L->m->items[j].id == id;
            if (dup) {
                qs_ywalk__error(&L->w, k, "item %ld is mapped twice", id);
            } else {
                qs_mapping_item *it = &L->m->items[L->m->nitems];
                it->id = id;
                read_colref(L, v, &it->col);
                if (it->col.text)
                    L->m->nitems++;
            }
        }
        qs_ypath__pop(&L->w.path, o);
    }
done:
    qs_ypath__pop(&L->w.path, old);
}

static void read_checks(struct mloader *L, const qs_ynode *att)
{
    size_t old = qs_ypath__key(&L->w.path, "attention");
    if (att->type != QS_Y_MAP) {
        qs_ywalk__error(&L->w, att,
                        "expected a mapping of attention check ids to columns, found %s",
                        qs_ynode__kind(att));
        goto done;
    }
    L->m->checks = qs_pool__calloc(L->pool, att->count ? att->count : 1, sizeof(qs_mapping_check));
    for (size_t i = 0; L->m->checks && i < att->count; i++) {
        const qs_ynode *k = att->kids[2 * i], *v = att->kids[2 * i + 1];
        if (k->type != QS_Y_SCALAR)
            continue;
        size_t o = qs_ypath__key(&L->w.path, k->value);
        qs_mapping_check *c = &L->m->checks[L->m->nchecks];
        c->id = pstr(L, k->value, k->len);
        read_colref(L, v, &c->col);
        if (c->col.text)
            L->m->nchecks++;
        qs_ypath__pop(&L->w.path, o);
    }
done:
    qs_ypath__pop(&L->w.path, old);
}

static void read_labels(struct mloader *L, const qs_ynode *labels)
{
    size_t old = qs_ypath__key(&L->w.path, "labels");
    if (labels->type != QS_Y_MAP) {
        qs_ywalk__error(&L->w, labels, "expected a mapping of answer texts to values, found %s",
                        qs_ynode__kind(labels));
        goto done;
    }
    L->m->labels =
        qs_pool__calloc(L->pool, labels->count ? labels->count : 1, sizeof(qs_mapping_label));
    for (size_t i = 0; L->m->labels && i < labels->count; i++) {
        const qs_ynode *k = labels->kids[2 * i], *v = labels->kids[2 * i + 1];
        if (k->type != QS_Y_SCALAR || k->len == 0)
            continue;
        size_t o = qs_ypath__key(&L->w.path, k->value);
        long value;
        char folded[512];
        if (v->type == QS_Y_SCALAR && strcmp(v->value, "?") == 0) {
            /* qscore map writes "?" for an answer text whose value it must not guess. */
            qs_ywalk__error(&L->w, v,
                            "label '%s' has no value yet (\"?\"): replace it with the answer's "
                            "value on the scale, or list the text under missing: if it means "
                            "not answered",
                            k->value);
        } else if (!qs_ynode__as_long(v, &value) || value < -1000 || value > 1000) {
            qs_ywalk__error(&L->w, v, "expected an answer value (a whole number), found %s",
                            qs_ynode__kind(v));
        } else if (qs_text__fold(k->value, k->len, folded, sizeof(folded)) >= sizeof(folded)) {
            qs_ywalk__error(&L->w, k, "label is longer than %zu characters", sizeof(folded) - 1);
        } else {
            int clash = 0;
            for (size_t j = 0; j < L->m->nlabels && !clash; j++) {
                if (strcmp(L->m->labels[j].folded, folded) == 0) {
                    clash = 1;
                    if (L->m->labels[j].value != (int)value)
                        qs_ywalk__error(&L->w, k,
                                        "label '%s' already means %d, cannot also mean %ld",
                                        k->value, L->m->labels[j].value, value);
                }
            }
            if (!clash) {
                qs_mapping_label *l = &L->m->labels[L->m->nlabels++];
                l->text = pstr(L, k->value, k->len);
                l->folded = pstr(L, folded, strlen(folded));
                l->value = (int)value;
                l->line = k->line;
                l->column = k->column;
            }
        }
        qs_ypath__pop(&L->w.path, o);
    }
done:
    qs_ypath__pop(&L->w.path, old);
}

static void read_missing(struct mloader *L, const qs_ynode *miss)
{
    size_t old = qs_ypath__key(&L->w.path, "missing");
    if (miss->type != QS_Y_SEQ) {
        qs_ywalk__error(&L->w, miss, "expected a list of spellings, found %s",
                        qs_ynode__kind(miss));
        goto done;
    }
    L->m->missing = qs_pool__calloc(L->pool, miss->count ? miss->count : 1, sizeof(char *));
    for (size_t i = 0; L->m->missing && i < miss->count; i++) {
        const qs_ynode *v = miss->kids[i];
        size_t o = qs_ypath__index(&L->w.path, i);
        char folded[512];
        if (v->type != QS_Y_SCALAR || v->len == 0)
            qs_ywalk__error(&L->w, v, "expected a spelling of a missing answer, found %s",
                            qs_ynode__kind(v));
        else if (qs_text__fold(v->value, v->len, folded, sizeof(folded)) >= sizeof(folded) ||
                 folded[0] == '\0')
            qs_ywalk__error(&L->w, v, "expected a non-blank spelling of at most %zu characters",
                            sizeof(folded) - 1);
        else
            L->m->missing[L->m->nmissing++] = pstr(L, folded, strlen(folded));
        qs_ypath__pop(&L->w.path, o);
    }
done:
    qs_ypath__pop(&L->w.path, old);
}

static int valid_covariate(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return 1;
}

static void read_covariates(struct mloader *L, const qs_ynode *cov)
{
    size_t old = qs_ypath__key(&L->w.path, "covariates");
    if (cov->type != QS_Y_MAP) {
        qs_ywalk__error(&L->w, cov, "expected a mapping of covariate names to columns, found %s",
                        qs_ynode__kind(cov));
        goto done;
    }
    L->m->covariates =
        qs_pool__calloc(L->pool, cov->count ? cov->count : 1, sizeof(qs_mapping_covariate));
    for (size_t i = 0; L->m->covariates && i < cov->count; i++) {
        const qs_ynode *k = cov->kids[2 * i], *v = cov->kids[2 * i + 1];
        size_t o = qs_ypath__key(&L->w.path, k->type == QS_Y_SCALAR ? k->value : "?");
        if (k->type != QS_Y_SCALAR || !valid_covariate(k->value)) {
            qs_ywalk__error(&L->w, k,
                            "expected a covariate name (letters, digits and '_', starting with "
                            "a letter), found %s",
                            qs_ynode__kind(k));
        } else {
            qs_mapping_covariate *c = &L->m->covariates[L->m->ncovariates];
            read_colref(L, v, &c->col);
            if (c->col.text) {
                c->name = pstr(L, k->value, k->len);
                L->m->ncovariates++;
            }
        }
        qs_ypath__pop(&L->w.path, o);
    }
done:
    qs_ypath__pop(&L->w.path, old);
}

static qs_mapping *mapping_new(qs_pool **pool)
{
    *pool = qs_pool__new();
    if (!*pool)
        return NULL;
    qs_mapping *m = qs_pool__alloc(*pool, sizeof(*m));
    if (!m) {
        qs_pool__free(*pool);
        return NULL;
    }
    m->priv = *pool;
    return m;
}

/* A qs_yaml__build_fn: `out` is the caller's qs_mapping **. */
static qs_error load_doc(void *out, const qs_ydoc *doc, const char *display, qs_diag_list *errors)
{
    static const char *const keys[] = {
        "response_id",  "client_id", "group",  "therapist", "administered", "date_format", "items",
        "item_pattern", "attention", "labels", "missing",   "covariates",   "encoding",    NULL};
    struct mloader L;
    memset(&L, 0, sizeof(L));
    size_t before = qs_diag_list_total(errors);
    L.m = mapping_new(&L.pool);
    if (!L.m)
        return QS_ENOMEM;
    L.m->path = pstr(&L, display, strlen(display));
    L.w.doc = doc;
    L.w.errors = errors;
    const qs_ynode *root = doc->root;
    if (!root) {
        qs_diag_list_add(errors, display, 0, 0, NULL, "file is empty: expected a mapping file");
        goto done;
    }
    if (!qs_ywalk__check_keys(&L.w, root, keys))
        goto done;
    read_ref_key(&L, root, "response_id", &L.m->response_id);
    read_ref_key(&L, root, "client_id", &L.m->client_id);
    read_ref_key(&L, root, "group", &L.m->group);
    read_ref_key(&L, root, "therapist", &L.m->therapist);
    read_ref_key(&L, root, "administered", &L.m->administered);
    const char *s;
    if (qs_ywalk__string(&L.w, root, "date_format", 0, &s)) {
        if (!strchr(s, '%'))
            qs_ywalk__key_error(&L.w, root, "date_format",
                                "expected a strptime format such as \"%%d/%%m/%%Y\", found '%s'",
                                s);
        L.m->date_format = pstr(&L, s, strlen(s));
        if (!L.m->administered.text)
            qs_ywalk__key_error(&L.w, root, "date_format", "date_format needs 'administered'");
    }
    if (qs_ywalk__string(&L.w, root, "encoding", 0, &s)) {
        if (qs_encoding_parse(s, &L.m->encoding))
            L.m->pin_encoding = 1;
        else
            qs_ywalk__key_error(&L.w, root, "encoding",
                                "expected utf-8, utf-16le, utf-16be or windows-1252, found '%s'",
                                s);
    }
    if (!L.m->client_id.text && !qs_ynode__get(root, "client_id"))
        qs_ywalk__error(&L.w, root, "missing required key 'client_id'");
    const qs_ynode *items = qs_ynode__get(root, "items");
    if (items)
        read_items(&L, items);
    if (qs_ywalk__string(&L.w, root, "item_pattern", 0, &s)) {
        if (!strstr(s, "{n}"))
            qs_ywalk__key_error(&L.w, root, "item_pattern",
                                "expected a pattern containing {n} (the item id), found '%s'", s);
        else if (items)
            qs_ywalk__key_error(&L.w, root, "item_pattern", "give items or item_pattern, not both");
        else
            L.m->item_pattern = pstr(&L, s, strlen(s));
    }
    const qs_ynode *att = qs_ynode__get(root, "attention");
    if (att)
        read_checks(&L, att);
    const qs_ynode *labels = qs_ynode__get(root, "labels");
    if (labels)
        read_labels(&L, labels);
    const qs_ynode *miss = qs_ynode__get(root, "missing");
    if (miss)
        read_missing(&L, miss);
    const qs_ynode *cov = qs_ynode__get(root, "covariates");
    if (cov)
        read_covariates(&L, cov);
done:
    if (qs_diag_list_total(errors) != before) {
        qs_pool__free(L.pool);
        return QS_EINVALID;
    }
    *(qs_mapping **)out = L.m;
    return QS_OK;
}

qs_error qs_mapping_load_mem(qs_mapping **out, const char *buf, size_t len, const char *display,
                             qs_diag_list *errors)
{
    *out = NULL;
    return qs_yaml__load_with(out, NULL, buf, len, display, errors, load_doc);
}

qs_error qs_mapping_load(qs_mapping **out, const char *path, qs_diag_list *errors)
{
    *out = NULL;
    return qs_yaml__load_with(out, path, NULL, 0, path, errors, load_doc);
}

qs_error qs_mapping_default(qs_mapping **out)
{
    qs_pool *pool;
    qs_mapping *m = mapping_new(&pool);
    *out = NULL;
    if (!m)
        return QS_ENOMEM;
    m->path = "(default mapping)";
    m->client_id.text = "client_id";
    *out = m;
    return QS_OK;
}

void qs_mapping_free(qs_mapping *m)
{
    if (m)
        qs_pool__free(m->priv);
}
