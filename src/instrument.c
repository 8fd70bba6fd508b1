/* instrument.c - load, validate and query instrument definitions (instruments/README.md). */
#include "qscore/instrument.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "grow.h"
#include "pool.h"
#include "qscore/version.h"
#include "text.h"
#include "yamldoc.h"

/*
 * Design. Loading is two passes over a bounded YAML tree (yamldoc.h):
 *   1. read every section into the instrument, reporting each problem with its key path and
 *      continuing, so one `qscore check` shows all mistakes in a file;
 *   2. cross-checks that need the whole file: item references, composite cycles (and the
 *      evaluation order they imply), score ranges, norms against ranges, flag rules compiled
 *      against the final score list.
 * The instrument is returned only when no problem was found: a half-valid definition never
 * scores a client. Everything lives in one pool freed by qs_instrument_free.
 */

#ifndef QS_VERSION
#define QS_VERSION "0.0.0"
#endif
#ifndef QS_INSTRUMENT_DIR
#define QS_INSTRUMENT_DIR "/usr/local/share/qscore/instruments"
#endif

#define SCALE_LIMIT 1000 /* |min|, |max| of a response scale */
#define MAX_ITEMS   1000

const char *qs_version(void)
{
    return QS_VERSION;
}

const char *qs_norm_kind_name(qs_norm_kind k)
{
    switch (k) {
    case QS_NORM_GENERAL:
        return "general";
    case QS_NORM_CLINICAL:
        return "clinical";
    case QS_NORM_FUNCTIONAL:
        return "functional";
    }
    return "unknown";
}

const char *qs_severity_name(qs_severity s)
{
    switch (s) {
    case QS_SEV_LOW:
        return "low";
    case QS_SEV_MEDIUM:
        return "medium";
    case QS_SEV_HIGH:
        return "high";
    }
    return "unknown";
}

struct loader {
    qs_ywalk w;
    qs_pool *pool;
    qs_instrument *inst;
    int scale_ok;
    size_t declared_items; /* entries under items:, valid or not */
    /* per score, while loading: the nodes naming its composite parts */
    const qs_ynode **part_nodes;
    const qs_ynode *const *score_nodes; /* the scores: list entries */
};

static char *pool_str(struct loader *L, const char *s)
{
    return s ? qs_pool__strndup(L->pool, s, strlen(s)) : NULL;
}

static int valid_id(const char *s, int score_id)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        int digit = c >= '0' && c <= '9';
        if (score_id) {
            if (!(alpha || c == '_' || (i > 0 && digit)))
                return 0;
        } else {
            if (c >= 'A' && c <= 'Z')
                return 0;
            if (!(alpha || digit || (i > 0 && (c == '-' || c == '_' || c == '.'))))
                return 0;
        }
    }
    return 1;
}

static const qs_ynode *seq_or_error(struct loader *L, const qs_ynode *map, const char *key,
                                    int required)
{
    const qs_ynode *v = qs_ynode__get(map, key);
    if (!v) {
        if (required)
            qs_ywalk__error(&L->w, map, "missing required key '%s'", key);
        return NULL;
    }
    if (v->type != QS_Y_SEQ) {
        size_t old = qs_ypath__key(&L->w.path, key);
        qs_ywalk__error(&L->w, v, "expected a list, found %s", qs_ynode__kind(v));
        qs_ypath__pop(&L->w.path, old);
        return NULL;
    }
    return v;
}

/* ---- scale ------------------------------------------------------------------------------- */

static void load_scale(struct loader *L, const qs_ynode *root)
{
    static const char *const keys[] = {"min", "max", "labels", NULL};
    static const char *const label_keys[] = {"value", "text", NULL};
    qs_instrument *inst = L->inst;
    const qs_ynode *scale = qs_ynode__get(root, "scale");
    if (!scale) {
        qs_ywalk__error(&L->w, root, "missing required key 'scale'");
        return;
    }
    size_t old = qs_ypath__key(&L->w.path, "scale");
    if (!qs_ywalk__check_keys(&L->w, scale, keys))
        goto done;
    long mn = 0, mx = 0;
    int ok = qs_ywalk__long(&L->w, scale, "min", 1, -SCALE_LIMIT, SCALE_LIMIT, &mn);
    ok &= qs_ywalk__long(&L->w, scale, "max", 1, -SCALE_LIMIT, SCALE_LIMIT, &mx);
    if (ok && mn >= mx) {
        qs_ywalk__key_error(&L->w, scale, "max", "expected max greater than min (%ld), found %ld",
                            mn, mx);
        ok = 0;
    }
    inst->scale.min = (int)mn;
    inst->scale.max = (int)mx;
    L->scale_ok = ok;

    const qs_ynode *labels = seq_or_error(L, scale, "labels", 0);
    if (!labels)
        goto done;
    size_t total = 0;
    for (size_t i = 0; i < labels->count; i++) {
        const qs_ynode *t = qs_ynode__get(labels->kids[i], "text");
        total += t && t->type == QS_Y_SEQ ? t->count : 1;
    }
    inst->scale.labels = qs_pool__calloc(L->pool, total ? total : 1, sizeof(qs_label));
    if (!inst->scale.labels)
        goto done;
    size_t old_labels = qs_ypath__key(&L->w.path, "labels");
    for (size_t i = 0; i < labels->count; i++) {
        const qs_ynode *lab = labels->kids[i];
        size_t old_i = qs_ypath__index(&L->w.path, i);
        long value;
        if (!qs_ywalk__check_keys(&L->w, lab, label_keys))
            goto next_label;
        if (!qs_ywalk__long(&L->w, lab, "value", 1, -SCALE_LIMIT, SCALE_LIMIT, &value))
            goto next_label;
        if (L->scale_ok && (value < mn || value > mx)) {
            qs_ywalk__key_error(&L->w, lab, "value",
                                "label value %ld is outside the scale %ld..%ld", value, mn, mx);
            goto next_label;
        }
        const qs_ynode *text = qs_ynode__get(lab, "text");
        if (!text) {
            qs_ywalk__error(&L->w, lab, "missing required key 'text'");
            goto next_label;
        }
        size_t o = qs_ypath__key(&L->w.path, "text");
        size_t nt = text->type == QS_Y_SEQ ? text->count : 1;
        for (size_t k = 0; k < nt; k++) {
            const qs_ynode *tn = text->type == QS_Y_SEQ ? text->kids[k] : text;
            size_t ok_k = text->type == QS_Y_SEQ ? qs_ypath__index(&L->w.path, k) : L->w.path.len;
            char folded[512];
            if (tn->type != QS_Y_SCALAR || tn->len == 0) {
                qs_ywalk__error(&L->w, tn, "expected label text, found %s", qs_ynode__kind(tn));
            } else if (qs_text__fold(tn->value, tn->len, folded, sizeof(folded)) >=
                       sizeof(folded)) {
                qs_ywalk__error(&L->w, tn, "label is longer than %zu characters",
                                sizeof(folded) - 1);
            } else {
                int dup = 0;
                for (size_t j = 0; j < inst->scale.nlabels; j++) {
                    if (strcmp(inst->scale.labels[j].folded, folded) == 0) {
                        if (inst->scale.labels[j].value != (int)value)
                            qs_ywalk__error(&L->w, tn,
                                            "label '%s' already means %d, cannot also mean %ld",
                                            tn->value, inst->scale.labels[j].value, value);
                        dup = 1;
                        break;
                    }
                }
                if (!dup) {
                    qs_label *l = &inst->scale.labels[inst->scale.nlabels++];
                    l->text = pool_str(L, tn->value);
                    l->folded = pool_str(L, folded);
                    l->value = (int)value;
                }
            }
            qs_ypath__pop(&L->w.path, ok_k);
        }
        qs_ypath__pop(&L->w.path, o);
    next_label:
        qs_ypath__pop(&L->w.path, old_i);
    }
    qs_ypath__pop(&L->w.path, old_labels);
done:
    qs_ypath__pop(&L->w.path, old);
}

/* ---- items ------------------------------------------------------------------------------- */

static int cmp_item(const void *a, const void *b)
{
    const qs_item *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static void load_items(struct loader *L, const qs_ynode *root)
{
    static const char *const keys[] = {"id", "column", "reverse", "text", NULL};
    qs_instrument *inst = L->inst;
    const qs_ynode *items = seq_or_error(L, root, "items", 1);
    if (!items)
        return;
    size_t old = qs_ypath__key(&L->w.path, "items");
    L->declared_items = items->count;
    if (items->count == 0 || items->count > MAX_ITEMS) {
        qs_ywalk__error(&L->w, items, "expected 1 to %d items, found %zu", MAX_ITEMS, items->count);
        goto done;
    }
    inst->items = qs_pool__calloc(L->pool, items->count, sizeof(qs_item));
    if (!inst->items)
        goto done;
    const qs_ynode **id_nodes = calloc(items->count + 1, sizeof(*id_nodes));
    if (!id_nodes)
        goto done;
    for (size_t i = 0; i < items->count; i++) {
        const qs_ynode *it = items->kids[i];
        size_t old_i = qs_ypath__index(&L->w.path, i);
        long id;
        const char *column = NULL, *text = NULL;
        int reverse = 0;
        if (!qs_ywalk__check_keys(&L->w, it, keys))
            goto next;
        if (!qs_ywalk__long(&L->w, it, "id", 1, 1, MAX_ITEMS, &id))
            goto next;
        qs_ywalk__string(&L->w, it, "column", 0, &column);
        qs_ywalk__string(&L->w, it, "text", 0, &text);
        qs_ywalk__bool(&L->w, it, "reverse", 0, &reverse);
        if ((size_t)id > items->count) {
            qs_ywalk__key_error(&L->w, it, "id",
                                "item id %ld is beyond the number of items (%zu): items are "
                                "numbered 1..%zu as published",
                                id, items->count, items->count);
            goto next;
        }
        if (id_nodes[id]) {
            qs_ywalk__key_error(&L->w, it, "id", "duplicate item id %ld (first at line %lu)", id,
                                id_nodes[id]->line);
            goto next;
        }
        id_nodes[id] = qs_ynode__get(it, "id");
        qs_item *dst = &inst->items[inst->nitems++];
        dst->id = (int)id;
        dst->column = pool_str(L, column);
        dst->text = pool_str(L, text);
        dst->reverse = reverse;
        if (reverse && !L->scale_ok) {
            qs_ywalk__key_error(&L->w, it, "reverse",
                                "item %ld is reverse-keyed but the instrument has no valid scale "
                                "(min and max) to reverse it on",
                                id);
        }
    next:
        qs_ypath__pop(&L->w.path, old_i);
    }
    if (inst->nitems == items->count) {
        /* Every id is in 1..count and none repeats: the ids are exactly 1..count. */
        qsort(inst->items, inst->nitems, sizeof(qs_item), cmp_item);
        for (size_t i = 0; i < inst->nitems; i++) {
            if (!inst->items[i].column)
                continue;
            for (size_t j = i + 1; j < inst->nitems; j++) {
                if (inst->items[j].column &&
                    strcmp(inst->items[i].column, inst->items[j].column) == 0)
                    qs_ywalk__error(&L->w, id_nodes[inst->items[j].id],
                                    "items %d and %d both use column '%s'", inst->items[i].id,
                                    inst->items[j].id, inst->items[j].column);
            }
        }
    }
    free(id_nodes);
done:
    qs_ypath__pop(&L->w.path, old);
}

/* ---- scores ------------------------------------------------------------------------------ */

static void load_missing_rule(struct loader *L, const qs_ynode *sc, qs_score_def *s, size_t n,
                              int *min_given)
{
    static const char *const keys[] = {"min_answered", "min_fraction", "prorate", NULL};
    const qs_ynode *m = qs_ynode__get(sc, "missing");
    *min_given = 0;
    s->min_answered = n;
    if (!m)
        return;
    size_t old = qs_ypath__key(&L->w.path, "missing");
    if (!qs_ywalk__check_keys(&L->w, m, keys))
        goto done;
    long count;
    double frac;
    int has_count = qs_ynode__get(m, "min_answered") != NULL;
    int has_frac = qs_ynode__get(m, "min_fraction") != NULL;
    if (has_count && has_frac) {
        qs_ywalk__error(&L->w, m, "give min_answered or min_fraction, not both");
    } else if (has_count) {
        if (qs_ywalk__long(&L->w, m, "min_answered", 1, 1, n ? (long)n : 1, &count)) {
            s->min_answered = (size_t)count;
            *min_given = 1;
        }
    } else if (has_frac) {
        if (qs_ywalk__double(&L->w, m, "min_fraction", 1, 0.0, 1.0, &frac)) {
            if (frac <= 0.0) {
                qs_ywalk__key_error(&L->w, m, "min_fraction",
                                    "expected a fraction above 0 and at most 1, found %g", frac);
            } else {
                /* The smallest count that reaches the fraction; 1e-9 absorbs 0.8 * 10 = 8.000…1 */
                double need = ceil(frac * (double)n - 1e-9);
                s->min_answered = need < 1 ? 1 : (size_t)need;
                *min_given = 1;
            }
        }
    }
    qs_ywalk__bool(&L->w, m, "prorate", 0, &s->prorate);
done:
    qs_ypath__pop(&L->w.path, old);
}

static void load_reliability(struct loader *L, const qs_ynode *sc, qs_score_def *s)
{
    static const char *const keys[] = {"alpha", "retest", "source", NULL};
    const qs_ynode *r = qs_ynode__get(sc, "reliability");
    if (!r)
        return;
    size_t old = qs_ypath__key(&L->w.path, "reliability");
    if (!qs_ywalk__check_keys(&L->w, r, keys))
        goto done;
    double v;
    if (qs_ywalk__double(&L->w, r, "alpha", 0, 0.0, 1.0, &v))
        s->alpha = v;
    if (qs_ywalk__double(&L->w, r, "retest", 0, 0.0, 1.0, &v))
        s->retest = v;
    if (!qs_ywalk__string(&L->w, r, "source", 1, &s->reliability_source))
        s->reliability_source = NULL;
    else
        s->reliability_source = pool_str(L, s->reliability_source);
    if (!qs_ynode__get(r, "alpha") && !qs_ynode__get(r, "retest"))
        qs_ywalk__error(&L->w, r, "reliability needs alpha and/or retest");
done:
    qs_ypath__pop(&L->w.path, old);
}

static void load_score(struct loader *L, const qs_ynode *sc, qs_score_def *s, size_t index)
{
    static const char *const keys[] = {"id",      "name",         "items",  "scores",      "method",
                                       "missing", "higher_means", "better", "reliability", NULL};
    const qs_instrument *inst = L->inst;
    const char *str;
    s->alpha = NAN;
    s->position = index;
    s->retest = NAN;
    if (!qs_ywalk__check_keys(&L->w, sc, keys))
        return;
    if (qs_ywalk__string(&L->w, sc, "id", 1, &str)) {
        if (!valid_id(str, 1)) {
            qs_ywalk__key_error(&L->w, sc, "id",
                                "score id '%s' must start with a letter or '_' and hold only "
                                "letters, digits and '_' (at most 64), so rules can name it",
                                str);
        } else if (strcmp(str, "and") == 0 || strcmp(str, "or") == 0 || strcmp(str, "not") == 0) {
            qs_ywalk__key_error(&L->w, sc, "id", "score id '%s' is a rule keyword; choose another",
                                str);
        } else {
            s->id = pool_str(L, str);
        }
    }
    if (qs_ywalk__string(&L->w, sc, "name", 1, &str))
        s->name = pool_str(L, str);
    if (qs_ywalk__string(&L->w, sc, "higher_means", 1, &str))
        s->higher_means = pool_str(L, str);
    if (qs_ywalk__string(&L->w, sc, "better", 0, &str)) {
        if (strcmp(str, "higher") == 0)
            s->better = QS_BETTER_HIGHER;
        else if (strcmp(str, "lower") == 0)
            s->better = QS_BETTER_LOWER;
        else
            qs_ywalk__key_error(&L->w, sc, "better", "expected higher or lower, found '%s'", str);
    }
    if (qs_ywalk__string(&L->w, sc, "method", 1, &str)) {
        if (strcmp(str, "sum") == 0)
            s->method = QS_METHOD_SUM;
        else if (strcmp(str, "mean") == 0)
            s->method = QS_METHOD_MEAN;
        else {
            qs_ywalk__key_error(&L->w, sc, "method", "expected method sum or mean, found '%s'",
                                str);
        }
    }

    const qs_ynode *items = qs_ynode__get(sc, "items");
    const qs_ynode *parts = qs_ynode__get(sc, "scores");
    size_t n = 0;
    if ((items != NULL) == (parts != NULL)) {
        qs_ywalk__error(&L->w, sc,
                        "a score needs either 'items' (a list of item ids, or all) or 'scores' "
                        "(other score ids), not %s",
                        items ? "both" : "neither");
    } else if (items) {
        size_t o = qs_ypath__key(&L->w.path, "items");
        if (items->type == QS_Y_SCALAR && strcmp(items->value, "all") == 0 && !items->quoted) {
            s->items = qs_pool__calloc(L->pool, inst->nitems ? inst->nitems : 1, sizeof(int));
            for (size_t i = 0; s->items && i < inst->nitems; i++)
                s->items[s->nitems++] = (int)i;
            n = s->nitems;
        } else if (items->type != QS_Y_SEQ || items->count == 0) {
            qs_ywalk__error(&L->w, items, "expected a list of item ids or all, found %s",
                            qs_ynode__kind(items));
        } else {
            s->items = qs_pool__calloc(L->pool, items->count, sizeof(int));
            for (size_t i = 0; s->items && i < items->count; i++) {
                const qs_ynode *in = items->kids[i];
                size_t oi = qs_ypath__index(&L->w.path, i);
                long id;
                int idx;
                if (!qs_ynode__as_long(in, &id)) {
                    qs_ywalk__error(&L->w, in, "expected an item id (a whole number), found %s",
                                    in->type == QS_Y_SCALAR ? "text" : qs_ynode__kind(in));
                } else if ((idx = id >= 1 && id <= MAX_ITEMS
                                      ? qs_instrument_item_index(inst, (int)id)
                                      : -1) < 0) {
                    qs_ywalk__error(&L->w, in, "item %ld is not defined (items are 1..%zu)", id,
                                    L->declared_items);
                } else {
                    int dup = 0;
                    for (size_t j = 0; j < s->nitems; j++)
                        dup |= s->items[j] == idx;
                    if (dup)
                        qs_ywalk__error(&L->w, in, "item %ld is listed twice", id);
                    else
                        s->items[s->nitems++] = idx;
                }
                qs_ypath__pop(&L->w.path, oi);
            }
            n = items->count;
        }
        qs_ypath__pop(&L->w.path, o);
    } else {
        size_t o = qs_ypath__key(&L->w.path, "scores");
        if (parts->type != QS_Y_SEQ || parts->count == 0)
            qs_ywalk__error(&L->w, parts, "expected a list of score ids, found %s",
                            qs_ynode__kind(parts));
        else {
            L->part_nodes[index] = parts; /* resolved once every score id is known */
            n = parts->count;
        }
        qs_ypath__pop(&L->w.path, o);
    }
    int min_given;
    load_missing_rule(L, sc, s, n, &min_given);
    if (s->method == QS_METHOD_MEAN && s->prorate) {
        qs_ywalk__key_error(&L->w, sc, "missing",
                            "prorate applies to sums: a mean already uses the answered items");
    }
    if (s->method == QS_METHOD_SUM && !s->prorate && min_given && s->min_answered < n) {
        qs_ywalk__key_error(&L->w, sc, "missing",
                            "a sum that is not prorated needs every item: set prorate: true, or "
                            "drop the minimum");
    }
    load_reliability(L, sc, s);
}

/* Depth-first order so that a composite comes after its parts; reports cycles. */
static int order_scores(struct loader *L, size_t i, unsigned char *state, int *order, size_t *n)
{
    qs_instrument *inst = L->inst;
    if (state[i] == 2)
        return 1;
    if (state[i] == 1)
        return 0;
    state[i] = 1;
    for (size_t k = 0; k < inst->scores[i].nparts; k++) {
        if (!order_scores(L, (size_t)inst->scores[i].parts[k], state, order, n)) {
            if (state[i] == 1 && inst->scores[i].id) {
                size_t o = qs_ypath__index(&L->w.path, i);
                qs_ywalk__key_error(&L->w, L->score_nodes[i], "scores",
                                    "score '%s' depends on itself through its scores",
                                    inst->scores[i].id);
                qs_ypath__pop(&L->w.path, o);
            }
            state[i] = 2;
            return 0;
        }
    }
    state[i] = 2;
    order[(*n)++] = (int)i;
    return 1;
}

static void resolve_composites(struct loader *L)
{
    qs_instrument *inst = L->inst;
    for (size_t i = 0; i < inst->nscores; i++) {
        const qs_ynode *parts = L->part_nodes[i];
        if (!parts)
            continue;
        qs_score_def *s = &inst->scores[i];
        s->parts = qs_pool__calloc(L->pool, parts->count, sizeof(int));
        if (!s->parts)
            return;
        size_t o = qs_ypath__index(&L->w.path, i);
        size_t o2 = qs_ypath__key(&L->w.path, "scores");
        for (size_t k = 0; k < parts->count; k++) {
            const qs_ynode *pn = parts->kids[k];
            size_t ok = qs_ypath__index(&L->w.path, k);
            int idx = pn->type == QS_Y_SCALAR ? qs_instrument_score_index(inst, pn->value) : -1;
            if (idx < 0)
                qs_ywalk__error(&L->w, pn, "unknown score '%s'",
                                pn->type == QS_Y_SCALAR ? pn->value : "(not text)");
            else if ((size_t)idx == i)
                qs_ywalk__error(&L->w, pn, "score '%s' cannot include itself", pn->value);
            else
                s->parts[s->nparts++] = idx;
            qs_ypath__pop(&L->w.path, ok);
        }
        qs_ypath__pop(&L->w.path, o2);
        qs_ypath__pop(&L->w.path, o);
    }
}

static void load_scores(struct loader *L, const qs_ynode *root)
{
    qs_instrument *inst = L->inst;
    const qs_ynode *scores = seq_or_error(L, root, "scores", 1);
    if (!scores)
        return;
    size_t old = qs_ypath__key(&L->w.path, "scores");
    if (scores->count == 0) {
        qs_ywalk__error(&L->w, scores, "expected at least one score");
        goto done;
    }
    inst->scores = qs_pool__calloc(L->pool, scores->count, sizeof(qs_score_def));
    L->part_nodes = calloc(scores->count, sizeof(*L->part_nodes));
    if (!inst->scores || !L->part_nodes)
        goto done;
    inst->nscores = scores->count;
    L->score_nodes = (const qs_ynode *const *)scores->kids;
    for (size_t i = 0; i < scores->count; i++) {
        size_t oi = qs_ypath__index(&L->w.path, i);
        load_score(L, scores->kids[i], &inst->scores[i], i);
        qs_ypath__pop(&L->w.path, oi);
    }
    for (size_t i = 0; i < scores->count; i++) {
        for (size_t j = 0; j < i && inst->scores[i].id; j++) {
            if (inst->scores[j].id && strcmp(inst->scores[i].id, inst->scores[j].id) == 0) {
                size_t oi = qs_ypath__index(&L->w.path, i);
                qs_ywalk__error(&L->w, qs_ynode__get(scores->kids[i], "id"),
                                "duplicate score id '%s' (first at line %lu)", inst->scores[i].id,
                                qs_ynode__get(scores->kids[j], "id")->line);
                qs_ypath__pop(&L->w.path, oi);
            }
        }
    }
    resolve_composites(L);
    qs_ypath__pop(&L->w.path, old);

    /* Put parts before composites; a cycle leaves the order incomplete and is reported. */
    unsigned char *state = calloc(inst->nscores, 1);
    int *order = calloc(inst->nscores, sizeof(int));
    size_t n = 0;
    int acyclic = state && order;
    old = qs_ypath__key(&L->w.path, "scores");
    for (size_t i = 0; acyclic && i < inst->nscores; i++)
        if (!order_scores(L, i, state, order, &n))
            acyclic = 0;
    qs_ypath__pop(&L->w.path, old);
    if (acyclic && n == inst->nscores) {
        /* Reorder, remapping part indices. */
        qs_score_def *sorted = qs_pool__calloc(L->pool, n, sizeof(qs_score_def));
        int *where = calloc(n, sizeof(int));
        if (sorted && where) {
            for (size_t k = 0; k < n; k++) {
                sorted[k] = inst->scores[order[k]];
                where[order[k]] = (int)k;
            }
            for (size_t k = 0; k < n; k++)
                for (size_t p = 0; p < sorted[k].nparts; p++)
                    sorted[k].parts[p] = where[sorted[k].parts[p]];
            inst->scores = sorted;
        }
        free(where);
        /* Ranges, in evaluation order. */
        for (size_t k = 0; k < n; k++) {
            qs_score_def *s = &inst->scores[k];
            double lo = 0, hi = 0;
            if (s->nitems) {
                lo = inst->scale.min;
                hi = inst->scale.max;
                if (s->method == QS_METHOD_SUM) {
                    lo *= (double)s->nitems;
                    hi *= (double)s->nitems;
                }
            } else {
                for (size_t p = 0; p < s->nparts; p++) {
                    lo += inst->scores[s->parts[p]].min_value;
                    hi += inst->scores[s->parts[p]].max_value;
                }
                if (s->method == QS_METHOD_MEAN && s->nparts) {
                    lo /= (double)s->nparts;
                    hi /= (double)s->nparts;
                }
            }
            s->min_value = lo;
            s->max_value = hi;
        }
    }
    free(state);
    free(order);
done:
    qs_ypath__pop(&L->w.path, old);
}

/* ---- norms ------------------------------------------------------------------------------- */

static void load_norm(struct loader *L, const qs_ynode *nn, qs_norm *norm)
{
    static const char *const keys[] = {"id", "name", "source", "kind", "n", "scores", NULL};
    static const char *const stat_keys[] = {"mean", "sd", NULL};
    qs_instrument *inst = L->inst;
    const char *str;
    if (!qs_ywalk__check_keys(&L->w, nn, keys))
        return;
    if (qs_ywalk__string(&L->w, nn, "id", 1, &str)) {
        if (!valid_id(str, 0))
            qs_ywalk__key_error(&L->w, nn, "id",
                                "norm id '%s' must be lowercase letters, digits, '-', '_' or '.'",
                                str);
        else
            norm->id = pool_str(L, str);
    }
    if (qs_ywalk__string(&L->w, nn, "name", 1, &str))
        norm->name = pool_str(L, str);
    if (qs_ywalk__string(&L->w, nn, "source", 1, &str))
        norm->source = pool_str(L, str);
    if (qs_ywalk__string(&L->w, nn, "kind", 0, &str)) {
        if (strcmp(str, "general") == 0)
            norm->kind = QS_NORM_GENERAL;
        else if (strcmp(str, "clinical") == 0)
            norm->kind = QS_NORM_CLINICAL;
        else if (strcmp(str, "functional") == 0)
            norm->kind = QS_NORM_FUNCTIONAL;
        else
            qs_ywalk__key_error(&L->w, nn, "kind",
                                "expected kind general, clinical or functional, found '%s'", str);
    }
    qs_ywalk__long(&L->w, nn, "n", 0, 1, 100000000L, &norm->n);
    norm->mean = qs_pool__calloc(L->pool, inst->nscores ? inst->nscores : 1, sizeof(double));
    norm->sd = qs_pool__calloc(L->pool, inst->nscores ? inst->nscores : 1, sizeof(double));
    if (!norm->mean || !norm->sd)
        return;
    for (size_t i = 0; i < inst->nscores; i++)
        norm->mean[i] = norm->sd[i] = NAN;
    const qs_ynode *scores = qs_ynode__get(nn, "scores");
    if (!scores) {
        qs_ywalk__error(&L->w, nn, "missing required key 'scores'");
        return;
    }
    size_t old = qs_ypath__key(&L->w.path, "scores");
    if (scores->type != QS_Y_MAP || scores->count == 0) {
        qs_ywalk__error(&L->w, scores, "expected a mapping of score ids to mean and sd, found %s",
                        qs_ynode__kind(scores));
        goto done;
    }
    /* Score ids are the keys here, so check duplicates the same way as for fixed keys. */
    for (size_t i = 0; i < scores->count; i++) {
        const qs_ynode *k = scores->kids[2 * i], *v = scores->kids[2 * i + 1];
        if (k->type != QS_Y_SCALAR)
            continue;
        size_t ok = qs_ypath__key(&L->w.path, k->value);
        int idx = qs_instrument_score_index(inst, k->value);
        double mean, sd;
        if (idx < 0) {
            qs_ywalk__error(&L->w, k, "unknown score '%s'", k->value);
        } else if (!isnan(norm->mean[idx])) {
            qs_ywalk__error(&L->w, k, "duplicate key '%s'", k->value);
        } else if (qs_ywalk__check_keys(&L->w, v, stat_keys)) {
            int ok1 = qs_ywalk__double(&L->w, v, "mean", 1, -1e9, 1e9, &mean);
            int ok2 = qs_ywalk__double(&L->w, v, "sd", 1, -1e9, 1e9, &sd);
            const qs_score_def *s = &inst->scores[idx];
            if (ok2 && sd <= 0) {
                qs_ywalk__key_error(&L->w, v, "sd",
                                    "expected a standard deviation above 0, found %g", sd);
                ok2 = 0;
            }
            if (ok1 && s->max_value > s->min_value &&
                (mean < s->min_value || mean > s->max_value)) {
                qs_ywalk__key_error(&L->w, v, "mean",
                                    "mean %g is outside the possible range of '%s' (%g to %g)",
                                    mean, s->id, s->min_value, s->max_value);
                ok1 = 0;
            }
            if (ok1 && ok2) {
                norm->mean[idx] = mean;
                norm->sd[idx] = sd;
            }
        }
        qs_ypath__pop(&L->w.path, ok);
    }
done:
    qs_ypath__pop(&L->w.path, old);
}

static void load_norms(struct loader *L, const qs_ynode *root)
{
    qs_instrument *inst = L->inst;
    const qs_ynode *norms = seq_or_error(L, root, "norms", 0);
    if (!norms || norms->count == 0)
        return;
    size_t old = qs_ypath__key(&L->w.path, "norms");
    inst->norms = qs_pool__calloc(L->pool, norms->count, sizeof(qs_norm));
    if (!inst->norms)
        goto done;
    inst->nnorms = norms->count;
    for (size_t i = 0; i < norms->count; i++) {
        size_t oi = qs_ypath__index(&L->w.path, i);
        load_norm(L, norms->kids[i], &inst->norms[i]);
        for (size_t j = 0; j < i && inst->norms[i].id; j++) {
            if (inst->norms[j].id && strcmp(inst->norms[i].id, inst->norms[j].id) == 0)
                qs_ywalk__error(&L->w, qs_ynode__get(norms->kids[i], "id"),
                                "duplicate norm id '%s'", inst->norms[i].id);
        }
        qs_ypath__pop(&L->w.path, oi);
    }
done:
    qs_ypath__pop(&L->w.path, old);
}

/* ---- cutoffs ----------------------------------------------------------------------------- */

/*
 * Named cutoffs. A flag's rule names them ("FO <= fo_high"); the compiled rule holds the address
 * of each cutoff's `value`, so qs_instrument_apply_overrides changes a rule by changing that
 * number. The texts people read (rule_text, because, cutoff) are rendered from what the file
 * wrote (rule_source and the templates, with {NAME} and {NAME.origin} placeholders) whenever the
 * values in force change, so no sentence ever shows a number the rule does not use.
 */

static int find_cutoff(const qs_instrument *inst, const char *name, size_t len)
{
    for (size_t i = 0; i < inst->ncutoffs; i++) {
        const char *id = inst->cutoffs[i].id;
        if (id && strlen(id) == len && memcmp(id, name, len) == 0)
            return (int)i;
    }
    return -1;
}

int qs_instrument_cutoff_index(const qs_instrument *inst, const char *id)
{
    return id ? find_cutoff(inst, id, strlen(id)) : -1;
}

/* [a-z_][a-z0-9_]*, at most 64, and not a keyword of the rule language. */
static int valid_cutoff_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || strcmp(s, "and") == 0 || strcmp(s, "or") == 0 || strcmp(s, "not") == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_' || (i && s[i] >= '0' && s[i] <= '9')))
            return 0;
    return 1;
}

static void load_cutoffs(struct loader *L, const qs_ynode *root)
{
    static const char *const keys[] = {"value", "source", "local_default", NULL};
    qs_instrument *inst = L->inst;
    const qs_ynode *cn = qs_ynode__get(root, "cutoffs");
    if (!cn)
        return;
    size_t old = qs_ypath__key(&L->w.path, "cutoffs");
    if (cn->type != QS_Y_MAP) {
        qs_ywalk__error(&L->w, cn, "expected a mapping of cutoff names to values, found %s",
                        qs_ynode__kind(cn));
        goto done;
    }
    inst->cutoffs = qs_pool__calloc(L->pool, cn->count ? cn->count : 1, sizeof(qs_cutoff));
    for (size_t i = 0; inst->cutoffs && i < cn->count; i++) {
        const qs_ynode *k = cn->kids[2 * i], *v = cn->kids[2 * i + 1];
        if (k->type != QS_Y_SCALAR)
            continue;
        size_t ok = qs_ypath__key(&L->w.path, k->value);
        qs_cutoff c;
        memset(&c, 0, sizeof(c));
        const qs_ynode *vn = v;
        double d = NAN;
        if (!valid_cutoff_id(k->value)) {
            qs_ywalk__error(&L->w, k,
                            "cutoff name '%s' must be lowercase letters, digits and '_', "
                            "starting with a letter or '_' (not and, or, not)",
                            k->value);
            goto next;
        }
        if (qs_instrument_score_index(inst, k->value) >= 0) {
            qs_ywalk__error(&L->w, k, "cutoff name '%s' is also a score id", k->value);
            goto next;
        }
        if (v->type == QS_Y_MAP) {
            const char *str;
            if (!qs_ywalk__check_keys(&L->w, v, keys) ||
                !qs_ywalk__double(&L->w, v, "value", 1, -1e15, 1e15, &d))
                goto next;
            vn = qs_ynode__get(v, "value");
            if (qs_ywalk__string(&L->w, v, "source", 0, &str))
                c.source = pool_str(L, str);
            qs_ywalk__bool(&L->w, v, "local_default", 0, &c.local_default);
        } else if (!qs_ynode__as_double(v, &d) || fabs(d) > 1e15) {
            qs_ywalk__error(&L->w, v, "expected a number or {value: ..., source: ...}, found %s",
                            qs_ynode__kind(v));
            goto next;
        }
        c.id = pool_str(L, k->value);
        c.value = c.default_value = d;
        c.value_text = c.default_text = pool_str(L, vn->value);
        inst->cutoffs[inst->ncutoffs++] = c;
    next:
        qs_ypath__pop(&L->w.path, ok);
    }
done:
    qs_ypath__pop(&L->w.path, old);
}

/* A growing text for rendering. */
struct sbuf {
    char *p;
    size_t n, cap;
    int oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    char *p = qs_grow__array(b->p, &b->cap, b->n + n + 1, 1, 256);
    if (!p) {
        b->oom = 1;
        return;
    }
    b->p = p;
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

/* Where cutoff `c`'s value in force comes from, for {NAME.origin}. */
static void cutoff_origin(struct sbuf *b, const qs_cutoff *c)
{
    if (c->overridden) {
        sb_str(b, "the clinic's setting; instrument default ");
        sb_str(b, c->default_text);
    } else if (c->source) {
        sb_str(b, c->source);
        if (c->local_default)
            sb_str(b, "; used as a local default");
    } else if (c->local_default) {
        sb_str(b, "a local default, not a published norm");
    } else {
        sb_str(b, "no source given");
    }
}

static int ident_start(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int ident_char(int c)
{
    return ident_start(c) || (c >= '0' && c <= '9');
}

/*
 * The rule `src` with every cutoff name written as its value in force (`def`: the definition's).
 * Numbers are copied whole (as expr.c lexes them), so "1e5" is never read as the name "e5".
 * *literal is set when the rule writes a number itself.
 */
static char *render_rule(qs_pool *pool, const qs_instrument *inst, const char *src, int def,
                         int *literal)
{
    struct sbuf b = {0};
    size_t i = 0;
    if (literal)
        *literal = 0;
    while (src[i]) {
        size_t j = i;
        if (ident_start((unsigned char)src[i])) {
            while (ident_char((unsigned char)src[j]))
                j++;
            /* A field after '.' ("FO.t") is never a cutoff. */
            int k = i > 0 && src[i - 1] == '.' ? -1 : find_cutoff(inst, src + i, j - i);
            if (k >= 0)
                sb_str(&b, def ? inst->cutoffs[k].default_text : inst->cutoffs[k].value_text);
            else
                sb_add(&b, src + i, j - i);
        } else if ((src[i] >= '0' && src[i] <= '9') ||
                   (src[i] == '.' && src[i + 1] >= '0' && src[i + 1] <= '9')) {
            while (ident_char((unsigned char)src[j]) || src[j] == '.' ||
                   ((src[j] == '+' || src[j] == '-') && (src[j - 1] == 'e' || src[j - 1] == 'E')))
                j++;
            if (literal)
                *literal = 1;
            sb_add(&b, src + i, j - i);
        } else {
            j = i + 1;
            sb_add(&b, src + i, 1);
        }
        i = j;
    }
    char *out = b.oom ? NULL : qs_pool__strndup(pool, b.p ? b.p : "", b.n);
    free(b.p);
    return out;
}

/*
 * A because/cutoff text with {NAME} (the cutoff's value in force) and {NAME.origin} (where that
 * value comes from) filled in. Returns the text, or NULL with `bad` naming the first unknown
 * placeholder (or empty on out of memory).
 */
static char *render_text(qs_pool *pool, const qs_instrument *inst, const char *src, char *bad,
                         size_t badsize)
{
    struct sbuf b = {0};
    const char *p = src;
    bad[0] = '\0';
    while (*p) {
        const char *open = strchr(p, '{');
        if (!open) {
            sb_str(&b, p);
            break;
        }
        sb_add(&b, p, (size_t)(open - p));
        const char *close = strchr(open, '}');
        size_t n = close ? (size_t)(close - open - 1) : strlen(open + 1);
        const char *name = open + 1;
        size_t nlen = n;
        int origin = 0;
        if (n > 7 && memcmp(name + n - 7, ".origin", 7) == 0) {
            nlen = n - 7;
            origin = 1;
        }
        int k = close ? find_cutoff(inst, name, nlen) : -1;
        if (k < 0) {
            snprintf(bad, badsize, "%.*s", (int)(n > 64 ? 64 : n), name);
            free(b.p);
            return NULL;
        }
        if (origin)
            cutoff_origin(&b, &inst->cutoffs[k]);
        else
            sb_str(&b, inst->cutoffs[k].value_text);
        p = close + 1;
    }
    char *out = b.oom ? NULL : qs_pool__strndup(pool, b.p ? b.p : "", b.n);
    free(b.p);
    return out;
}

/* Render flag f's texts from the values in force. QS_OK or QS_ENOMEM (the templates were
 * checked when loading, so every placeholder is known). */
static qs_error render_flag(qs_pool *pool, const qs_instrument *inst, qs_flag *f)
{
    char bad[80];
    if (f->rule_source && !(f->rule_text = render_rule(pool, inst, f->rule_source, 0, NULL)))
        return QS_ENOMEM;
    if (f->because_template &&
        !(f->because = render_text(pool, inst, f->because_template, bad, sizeof(bad))))
        return QS_ENOMEM;
    if (f->cutoff_template &&
        !(f->cutoff = render_text(pool, inst, f->cutoff_template, bad, sizeof(bad))))
        return QS_ENOMEM;
    return QS_OK;
}

/* ---- flags ------------------------------------------------------------------------------- */

/* Resolver context while compiling one flag's rule: which cutoffs it names. */
struct rule_ctx {
    qs_instrument *inst;
    int *used;
    size_t nused;
};

static int resolve_score(void *ctx, const char *name, size_t len)
{
    const qs_instrument *inst = ((struct rule_ctx *)ctx)->inst;
    for (size_t i = 0; i < inst->nscores; i++) {
        const char *id = inst->scores[i].id;
        if (id && strlen(id) == len && memcmp(id, name, len) == 0)
            return (int)i;
    }
    return -1;
}

static const double *resolve_cutoff(void *ctx, const char *name, size_t len)
{
    struct rule_ctx *R = ctx;
    int k = find_cutoff(R->inst, name, len);
    if (k < 0)
        return NULL;
    size_t i = 0;
    while (i < R->nused && R->used[i] != k)
        i++;
    if (i == R->nused && R->used)
        R->used[R->nused++] = k;
    return &R->inst->cutoffs[k].value;
}

/* Fill a because/cutoff template into *out (and keep it in *tmpl); a bad placeholder is an
 * error at `key`. */
static void load_template(struct loader *L, const qs_ynode *fn, const char *key, const char *str,
                          const char **tmpl, const char **out)
{
    char bad[80];
    *tmpl = pool_str(L, str);
    *out = render_text(L->pool, L->inst, str, bad, sizeof(bad));
    if (!*out && bad[0])
        qs_ywalk__key_error(&L->w, fn, key,
                            "unknown cutoff '%s' in a placeholder (expected {NAME} or "
                            "{NAME.origin} with NAME under cutoffs:)",
                            bad);
}

static void load_flag(struct loader *L, const qs_ynode *fn, qs_flag *flag)
{
    static const char *const keys[] = {"id",     "label",         "severity", "rule", "because",
                                       "cutoff", "local_default", "citation", NULL};
    qs_instrument *inst = L->inst;
    const char *str;
    int local_key = 0;
    flag->enabled = 1;
    flag->line = fn->line;
    flag->column = fn->column;
    if (!qs_ywalk__check_keys(&L->w, fn, keys))
        return;
    if (qs_ywalk__string(&L->w, fn, "id", 1, &str)) {
        if (!valid_id(str, 0))
            qs_ywalk__key_error(&L->w, fn, "id",
                                "flag id '%s' must be lowercase letters, digits, '-', '_' or '.'",
                                str);
        else if (strcmp(str, "careless") == 0 || strcmp(str, "invalid") == 0)
            qs_ywalk__key_error(&L->w, fn, "id", "flag id '%s' is reserved for validity checks",
                                str);
        else
            flag->id = pool_str(L, str);
    }
    if (qs_ywalk__string(&L->w, fn, "label", 1, &str))
        flag->label = pool_str(L, str);
    if (qs_ywalk__string(&L->w, fn, "because", 1, &str))
        load_template(L, fn, "because", str, &flag->because_template, &flag->because);
    if (qs_ywalk__string(&L->w, fn, "cutoff", 1, &str))
        load_template(L, fn, "cutoff", str, &flag->cutoff_template, &flag->cutoff);
    if (qs_ywalk__string(&L->w, fn, "citation", 0, &str))
        flag->citation = pool_str(L, str);
    qs_ywalk__bool(&L->w, fn, "local_default", 0, &local_key);
    flag->local_default = local_key;
    if (qs_ywalk__string(&L->w, fn, "severity", 1, &str)) {
        if (strcmp(str, "low") == 0)
            flag->severity = QS_SEV_LOW;
        else if (strcmp(str, "medium") == 0)
            flag->severity = QS_SEV_MEDIUM;
        else if (strcmp(str, "high") == 0)
            flag->severity = QS_SEV_HIGH;
        else
            qs_ywalk__key_error(&L->w, fn, "severity",
                                "expected severity low, medium or high, found '%s'", str);
    }
    flag->default_severity = flag->severity;
    if (!qs_ywalk__string(&L->w, fn, "rule", 1, &str))
        return;
    int literal = 0;
    flag->rule_source = pool_str(L, str);
    flag->rule_text = render_rule(L->pool, inst, str, 0, &literal);
    flag->rule_default = flag->rule_text;
    /* A number written in the rule has no source unless the flag marks it a local default. */
    flag->has_literal = literal && !local_key;
    const qs_ynode *rn = qs_ynode__get(fn, "rule");
    size_t o = qs_ypath__key(&L->w.path, "rule");
    qs_diag d;
    qs_diag_clear(&d);
    struct rule_ctx rctx = {inst, NULL, 0};
    if (inst->ncutoffs)
        rctx.used = qs_pool__calloc(L->pool, inst->ncutoffs, sizeof(int));
    qs_error rc = qs_expr_compile_with(&flag->rule, str, resolve_score,
                                       inst->ncutoffs ? resolve_cutoff : NULL, &rctx, &d);
    flag->rule_on = flag->rule;
    flag->cutoffs = rctx.used;
    flag->ncutoffs = rctx.nused;
    for (size_t i = 0; i < rctx.nused; i++)
        flag->local_default |= inst->cutoffs[rctx.used[i]].local_default;
    if (rc) {
        /* A plain or quoted one-line rule: the file column of the problem is exact. */
        unsigned long col = rn->column;
        int exact = !strchr(str, '\n') && rn->line == qs_ynode__get_key(fn, "rule")->line;
        if (exact)
            col += (rn->quoted ? 1 : 0) + (d.column ? d.column - 1 : 0);
        qs_diag e;
        qs_diag_clear(&e);
        qs_diag_set(&e, L->w.doc->file, rn->line, col, L->w.path.buf,
                    "invalid rule at column %lu of the rule: %s", d.column, d.message);
        qs_diag_list_push(L->w.errors, &e);
    } else {
        /* A normed field needs a general norm population that covers the score. */
        for (size_t i = 0; i < qs_expr_ref_count(flag->rule); i++) {
            int score;
            qs_field field;
            qs_expr_ref(flag->rule, i, &score, &field);
            if (field == QS_FIELD_VALUE)
                continue;
            int covered = 0;
            for (size_t k = 0; k < inst->nnorms; k++)
                covered |= inst->norms[k].kind == QS_NORM_GENERAL && inst->norms[k].mean &&
                           !isnan(inst->norms[k].mean[score]);
            if (!covered)
                qs_ywalk__error(&L->w, rn,
                                "rule uses '%s.%s' but no general norm population gives '%s' a "
                                "mean and SD",
                                inst->scores[score].id, qs_field_name(field),
                                inst->scores[score].id);
        }
    }
    qs_ypath__pop(&L->w.path, o);
}

static void load_flags(struct loader *L, const qs_ynode *root)
{
    qs_instrument *inst = L->inst;
    const qs_ynode *flags = seq_or_error(L, root, "flags", 0);
    if (!flags || flags->count == 0)
        return;
    size_t old = qs_ypath__key(&L->w.path, "flags");
    inst->flags = qs_pool__calloc(L->pool, flags->count, sizeof(qs_flag));
    if (!inst->flags)
        goto done;
    inst->nflags = flags->count;
    for (size_t i = 0; i < flags->count; i++) {
        size_t oi = qs_ypath__index(&L->w.path, i);
        load_flag(L, flags->kids[i], &inst->flags[i]);
        for (size_t j = 0; j < i && inst->flags[i].id; j++) {
            if (inst->flags[j].id && strcmp(inst->flags[i].id, inst->flags[j].id) == 0)
                qs_ywalk__error(&L->w, qs_ynode__get(flags->kids[i], "id"),
                                "duplicate flag id '%s'", inst->flags[i].id);
        }
        qs_ypath__pop(&L->w.path, oi);
    }
done:
    qs_ypath__pop(&L->w.path, old);
}

/* ---- validity ---------------------------------------------------------------------------- */

static void load_check(struct loader *L, const qs_ynode *cn, qs_attention_check *c)
{
    static const char *const keys[] = {"id", "column", "expect", NULL};
    const qs_instrument *inst = L->inst;
    const char *str;
    if (!qs_ywalk__check_keys(&L->w, cn, keys))
        return;
    if (qs_ywalk__string(&L->w, cn, "id", 1, &str))
        c->id = pool_str(L, str);
    if (qs_ywalk__string(&L->w, cn, "column", 0, &str))
        c->column = pool_str(L, str);
    const qs_ynode *ex = qs_ynode__get(cn, "expect");
    if (!ex) {
        qs_ywalk__error(&L->w, cn, "missing required key 'expect'");
        return;
    }
    size_t o = qs_ypath__key(&L->w.path, "expect");
    size_t n = ex->type == QS_Y_SEQ ? ex->count : 1;
    c->expect = qs_pool__calloc(L->pool, n ? n : 1, sizeof(int));
    for (size_t k = 0; c->expect && k < n; k++) {
        const qs_ynode *v = ex->type == QS_Y_SEQ ? ex->kids[k] : ex;
        long x;
        if (!qs_ynode__as_long(v, &x))
            qs_ywalk__error(&L->w, v, "expected an answer value (a whole number), found %s",
                            v->type == QS_Y_SCALAR ? "text" : qs_ynode__kind(v));
        else if (L->scale_ok && (x < inst->scale.min || x > inst->scale.max))
            qs_ywalk__error(&L->w, v, "expected answer %ld is outside the scale %d..%d", x,
                            inst->scale.min, inst->scale.max);
        else
            c->expect[c->nexpect++] = (int)x;
    }
    if (n == 0)
        qs_ywalk__error(&L->w, ex, "expected at least one accepted answer");
    qs_ypath__pop(&L->w.path, o);
}

static void load_validity(struct loader *L, const qs_ynode *root)
{
    static const char *const keys[] = {"attention_checks", "max_failed_checks",    "max_longstring",
                                       "min_irv",          "max_missing_fraction", NULL};
    qs_validity *v = &L->inst->validity;
    v->max_failed_checks = -1;
    v->min_irv = NAN;
    v->max_missing_fraction = NAN;
    const qs_ynode *vn = qs_ynode__get(root, "validity");
    if (!vn)
        return;
    size_t old = qs_ypath__key(&L->w.path, "validity");
    if (!qs_ywalk__check_keys(&L->w, vn, keys))
        goto done;
    long x;
    double d;
    if (qs_ywalk__long(&L->w, vn, "max_longstring", 0, 1, MAX_ITEMS, &x))
        v->max_longstring = x;
    if (qs_ywalk__double(&L->w, vn, "min_irv", 0, 0.0, 1e6, &d))
        v->min_irv = d;
    if (qs_ywalk__double(&L->w, vn, "max_missing_fraction", 0, 0.0, 1.0, &d))
        v->max_missing_fraction = d;
    const qs_ynode *checks = seq_or_error(L, vn, "attention_checks", 0);
    if (checks && checks->count) {
        size_t oc = qs_ypath__key(&L->w.path, "attention_checks");
        v->checks = qs_pool__calloc(L->pool, checks->count, sizeof(qs_attention_check));
        for (size_t i = 0; v->checks && i < checks->count; i++) {
            size_t oi = qs_ypath__index(&L->w.path, i);
            load_check(L, checks->kids[i], &v->checks[i]);
            for (size_t j = 0; j < i && v->checks[i].id; j++)
                if (v->checks[j].id && strcmp(v->checks[i].id, v->checks[j].id) == 0)
                    qs_ywalk__error(&L->w, qs_ynode__get(checks->kids[i], "id"),
                                    "duplicate attention check id '%s'", v->checks[i].id);
            qs_ypath__pop(&L->w.path, oi);
        }
        v->nchecks = v->checks ? checks->count : 0;
        qs_ypath__pop(&L->w.path, oc);
    }
    if (qs_ywalk__long(&L->w, vn, "max_failed_checks", 0, 0, MAX_ITEMS, &x)) {
        v->max_failed_checks = x;
        if (v->nchecks == 0)
            qs_ywalk__key_error(&L->w, vn, "max_failed_checks",
                                "max_failed_checks needs attention_checks");
    } else if (v->nchecks) {
        v->max_failed_checks = 0;
    }
done:
    qs_ypath__pop(&L->w.path, old);
}

/* ---- top level --------------------------------------------------------------------------- */

void qs_instrument_free(qs_instrument *inst)
{
    if (!inst)
        return;
    for (size_t i = 0; i < inst->nflags; i++) {
        qs_expr_free(inst->flags[i].rule_on);
        qs_expr_free(inst->flags[i].rule_off);
    }
    qs_pool__free(inst->priv);
}

/* A qs_yaml__build_fn: `out` is the caller's qs_instrument **. */
static qs_error load_doc(void *out, const qs_ydoc *doc, const char *path, qs_diag_list *errors)
{
    static const char *const keys[] = {"id",    "name",     "version", "citation", "license",
                                       "notes", "scale",    "items",   "scores",   "norms",
                                       "flags", "validity", "cutoffs", NULL};
    struct loader L;
    memset(&L, 0, sizeof(L));
    size_t before = qs_diag_list_total(errors);
    const qs_ynode *root = doc->root;
    const char *str;

    L.pool = qs_pool__new();
    if (!L.pool)
        return QS_ENOMEM;
    L.inst = qs_pool__alloc(L.pool, sizeof(qs_instrument));
    if (!L.inst) {
        qs_pool__free(L.pool);
        return QS_ENOMEM;
    }
    L.inst->priv = L.pool;
    L.inst->path = pool_str(&L, path);
    L.w.doc = doc;
    L.w.errors = errors;
    qs_instrument *inst = L.inst;

    if (!root) {
        qs_diag_list_add(errors, doc->file, 0, 0, NULL, "file is empty: expected an instrument");
        goto done;
    }
    if (!qs_ywalk__check_keys(&L.w, root, keys))
        goto done;
    if (qs_ywalk__string(&L.w, root, "id", 1, &str)) {
        if (!valid_id(str, 0))
            qs_ywalk__key_error(&L.w, root, "id",
                                "instrument id '%s' must be lowercase letters, digits, '-', '_' or "
                                "'.' (at most 64), starting with a letter or digit",
                                str);
        else
            inst->id = pool_str(&L, str);
    }
    if (qs_ywalk__string(&L.w, root, "name", 1, &str))
        inst->name = pool_str(&L, str);
    if (qs_ywalk__string(&L.w, root, "version", 1, &str))
        inst->version = pool_str(&L, str);
    if (qs_ywalk__string(&L.w, root, "citation", 1, &str))
        inst->citation = pool_str(&L, str);
    if (qs_ywalk__string(&L.w, root, "license", 0, &str))
        inst->license = pool_str(&L, str);
    if (qs_ywalk__string(&L.w, root, "notes", 0, &str))
        inst->notes = pool_str(&L, str);
    load_scale(&L, root);
    load_items(&L, root);
    load_scores(&L, root);
    load_norms(&L, root);
    load_cutoffs(&L, root);
    load_flags(&L, root);
    load_validity(&L, root);
done:
    free(L.part_nodes);
    if (qs_diag_list_total(errors) != before) {
        qs_instrument_free(inst);
        return QS_EINVALID;
    }
    *(qs_instrument **)out = inst;
    return QS_OK;
}

qs_error qs_instrument_load_mem(qs_instrument **out, const char *buf, size_t len,
                                const char *display, qs_diag_list *errors)
{
    *out = NULL;
    return qs_yaml__load_with(out, NULL, buf, len, display, errors, load_doc);
}

qs_error qs_instrument_load(qs_instrument **out, const char *path, qs_diag_list *errors)
{
    *out = NULL;
    return qs_yaml__load_with(out, path, NULL, 0, path, errors, load_doc);
}

/* ---- queries ----------------------------------------------------------------------------- */

int qs_instrument_score_index(const qs_instrument *inst, const char *id)
{
    struct rule_ctx R = {(qs_instrument *)(uintptr_t)inst, NULL, 0};
    return resolve_score(&R, id, strlen(id));
}

int qs_instrument_item_index(const qs_instrument *inst, int id)
{
    /* Items are sorted by id and numbered 1..n once loaded; search anyway while loading. */
    if (id >= 1 && (size_t)id <= inst->nitems && inst->items[id - 1].id == id)
        return id - 1;
    for (size_t i = 0; i < inst->nitems; i++)
        if (inst->items[i].id == id)
            return (int)i;
    return -1;
}

int qs_instrument_norm_index(const qs_instrument *inst, const char *id)
{
    for (size_t i = 0; i < inst->nnorms; i++)
        if (inst->norms[i].id && strcmp(inst->norms[i].id, id) == 0)
            return (int)i;
    return -1;
}

int qs_instrument_parse_answer(const qs_instrument *inst, const char *text, size_t len, int *value)
{
    const char *t;
    size_t n = qs_text__trim(text, len, &t);
    char buf[512];
    if (n == 0 || n >= sizeof(buf))
        return 0;
    memcpy(buf, t, n);
    buf[n] = '\0';
    /* A number: digits with an optional sign and an all-zero fraction ("4", "-1", "4.0"). */
    size_t i = (buf[0] == '-' || buf[0] == '+') ? 1 : 0;
    if (i < n && buf[i] >= '0' && buf[i] <= '9') {
        errno = 0;
        char *end;
        long v = strtol(buf, &end, 10);
        if (*end == '.') {
            end++;
            while (*end == '0')
                end++;
        }
        if (errno == 0 && *end == '\0') {
            if (v < inst->scale.min || v > inst->scale.max)
                return 0;
            *value = (int)v;
            return 1;
        }
    }
    char folded[512];
    if (qs_text__fold(buf, n, folded, sizeof(folded)) >= sizeof(folded))
        return 0;
    for (size_t k = 0; k < inst->scale.nlabels; k++) {
        if (strcmp(inst->scale.labels[k].folded, folded) == 0) {
            *value = inst->scale.labels[k].value;
            return 1;
        }
    }
    return 0;
}

int qs_instrument_keyed(const qs_instrument *inst, size_t item, int answer)
{
    if (inst->items[item].reverse)
        return inst->scale.min + inst->scale.max - answer;
    return answer;
}

/* ---- finding installed instruments ------------------------------------------------------- */

void qs_instrument_search_path(char *out, size_t size)
{
    const char *env = getenv("QSCORE_INSTRUMENTS");
    snprintf(out, size, "%s%s%s", env && *env ? env : "", env && *env ? ":" : "",
             QS_INSTRUMENT_DIR);
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

qs_error qs_instrument_find(char *out, size_t size, const char *name, qs_diag *diag)
{
    if (strchr(name, '/') || strstr(name, ".yaml") || strstr(name, ".yml")) {
        if (is_file(name)) {
            snprintf(out, size, "%s", name);
            return QS_OK;
        }
        struct stat st; /* a FIFO, device or folder is named as such, not as missing */
        int e = stat(name, &st) == 0 ? 0 : errno;
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot open '%s': %s", name,
                    e ? strerror(e) : "not a regular file");
        return QS_ENOTFOUND;
    }
    if (!valid_id(name, 0)) {
        qs_diag_set(diag, NULL, 0, 0, NULL,
                    "'%s' is neither an instrument file nor an instrument id", name);
        return QS_ENOTFOUND;
    }
    char search[4096];
    qs_instrument_search_path(search, sizeof(search));
    const char *p = search;
    while (*p) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        if (n) {
            int w = snprintf(out, size, "%.*s/%s.yaml", (int)n, p, name);
            if (w > 0 && (size_t)w < size && is_file(out))
                return QS_OK;
        }
        p += n + (colon ? 1 : 0);
    }
    qs_diag_set(diag, NULL, 0, 0, NULL, "instrument '%s' is not installed (searched %s)", name,
                search);
    return QS_ENOTFOUND;
}

struct found {
    char *id;
    char *path;
};

static int cmp_found(const void *a, const void *b)
{
    const struct found *x = a, *y = b;
    return strcmp(x->id, y->id);
}

qs_error qs_instrument_each_installed(void (*fn)(void *ctx, const char *id, const char *path),
                                      void *ctx)
{
    qs_error rc = QS_OK;
    struct found *list = NULL;
    size_t n = 0, cap = 0;
    char search[4096];
    qs_instrument_search_path(search, sizeof(search));
    const char *p = search;
    while (*p && !rc) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        char dir[4096];
        snprintf(dir, sizeof(dir), "%.*s", (int)len, p);
        p += len + (colon ? 1 : 0);
        DIR *d = len ? opendir(dir) : NULL;
        if (!d)
            continue;
        struct dirent *e;
        while (!rc && (e = readdir(d)) != NULL) {
            size_t nl = strlen(e->d_name);
            if (nl <= 5 || strcmp(e->d_name + nl - 5, ".yaml") != 0)
                continue;
            char id[256];
            snprintf(id, sizeof(id), "%.*s", (int)(nl - 5), e->d_name);
            if (!valid_id(id, 0))
                continue;
            int seen = 0;
            for (size_t i = 0; i < n && !seen; i++)
                seen = strcmp(list[i].id, id) == 0;
            if (seen)
                continue;
            char path[4096 + 256];
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            if (!is_file(path))
                continue;
            struct found *nl2 = qs_grow__array(list, &cap, n + 1, sizeof(*nl2), 16);
            if (!nl2) {
                rc = QS_ENOMEM;
                break;
            }
            list = nl2;
            list[n].id = malloc(strlen(id) + 1);
            list[n].path = malloc(strlen(path) + 1);
            if (!list[n].id || !list[n].path) {
                free(list[n].id);
                free(list[n].path);
                rc = QS_ENOMEM;
                break;
            }
            memcpy(list[n].id, id, strlen(id) + 1);
            memcpy(list[n].path, path, strlen(path) + 1);
            n++;
        }
        closedir(d);
    }
    if (!rc && n) {
        qsort(list, n, sizeof(*list), cmp_found);
        for (size_t i = 0; i < n; i++)
            fn(ctx, list[i].id, list[i].path);
    }
    for (size_t i = 0; i < n; i++) {
        free(list[i].id);
        free(list[i].path);
    }
    free(list);
    return rc;
}

/* ---- clinic settings and warnings -------------------------------------------------------- */

/* "fo_high, er_high" (or "none"): the names a setting may use, for its error message. */
static void list_names(char *out, size_t size, const qs_instrument *inst, int flags)
{
    size_t n = flags ? inst->nflags : inst->ncutoffs, used = 0;
    out[0] = '\0';
    if (n == 0)
        snprintf(out, size, "none");
    for (size_t i = 0; i < n && used < size; i++) {
        int w = snprintf(out + used, size - used, "%s%s", i ? ", " : "",
                         flags ? inst->flags[i].id : inst->cutoffs[i].id);
        if (w > 0)
            used += (size_t)w;
    }
}

static int find_flag(const qs_instrument *inst, const char *id)
{
    for (size_t i = 0; i < inst->nflags; i++)
        if (inst->flags[i].id && strcmp(inst->flags[i].id, id) == 0)
            return (int)i;
    return -1;
}

qs_error qs_instrument_apply_overrides(qs_instrument *inst, const qs_overrides *ov,
                                       qs_diag_list *errors)
{
    qs_error rc = QS_OK;
    char names[QS_DIAG_MSG_MAX / 2], path[QS_DIAG_PATH_MAX];
    for (size_t i = 0; ov && i < ov->ncutoffs; i++) {
        if (find_cutoff(inst, ov->cutoffs[i].id, strlen(ov->cutoffs[i].id)) >= 0)
            continue;
        list_names(names, sizeof(names), inst, 0);
        snprintf(path, sizeof(path), "overrides.%s.cutoffs.%s", ov->instrument, ov->cutoffs[i].id);
        qs_diag_list_add(errors, ov->file, ov->cutoffs[i].line, ov->cutoffs[i].column, path,
                         "instrument '%s' has no cutoff '%s' (its cutoffs: %s)", inst->id,
                         ov->cutoffs[i].id, names);
        rc = QS_EINVALID;
    }
    for (size_t i = 0; ov && i < ov->nflags; i++) {
        if (find_flag(inst, ov->flags[i].id) >= 0)
            continue;
        list_names(names, sizeof(names), inst, 1);
        snprintf(path, sizeof(path), "overrides.%s.flags.%s", ov->instrument, ov->flags[i].id);
        qs_diag_list_add(errors, ov->file, ov->flags[i].line, ov->flags[i].column, path,
                         "instrument '%s' has no flag '%s' (its flags: %s)", inst->id,
                         ov->flags[i].id, names);
        rc = QS_EINVALID;
    }
    /* Back to the definition's values, then the settings (when they are all valid). */
    for (size_t i = 0; i < inst->ncutoffs; i++) {
        qs_cutoff *c = &inst->cutoffs[i];
        c->value = c->default_value;
        c->value_text = c->default_text;
        c->overridden = 0;
    }
    for (size_t i = 0; i < inst->nflags; i++) {
        inst->flags[i].severity = inst->flags[i].default_severity;
        inst->flags[i].enabled = 1;
    }
    for (size_t i = 0; !rc && ov && i < ov->ncutoffs; i++) {
        qs_cutoff *c =
            &inst->cutoffs[find_cutoff(inst, ov->cutoffs[i].id, strlen(ov->cutoffs[i].id))];
        c->value = ov->cutoffs[i].value;
        c->value_text = ov->cutoffs[i].text;
        c->overridden = 1;
    }
    for (size_t i = 0; !rc && ov && i < ov->nflags; i++) {
        qs_flag *f = &inst->flags[find_flag(inst, ov->flags[i].id)];
        if (ov->flags[i].severity >= 0)
            f->severity = (qs_severity)ov->flags[i].severity;
        if (ov->flags[i].enabled >= 0)
            f->enabled = ov->flags[i].enabled;
    }
    for (size_t i = 0; i < inst->nflags; i++) {
        qs_flag *f = &inst->flags[i];
        /* A disabled flag keeps its compiled rule (for the About sheet) and is scored with one
         * that is never true, so every scorer leaves it unraised. */
        if (!f->enabled && !f->rule_off) {
            qs_error r = qs_expr_compile(&f->rule_off, "1 < 0", NULL, NULL, NULL);
            if (r)
                return r;
        }
        f->rule = f->enabled ? f->rule_on : f->rule_off;
        qs_error r = render_flag(inst->priv, inst, f);
        if (r)
            return r;
    }
    return rc;
}

size_t qs_instrument_warnings(const qs_instrument *inst, qs_diag_list *warnings)
{
    size_t n = 0;
    char path[64];
    for (size_t i = 0; i < inst->nflags; i++) {
        const qs_flag *f = &inst->flags[i];
        snprintf(path, sizeof(path), "flags[%zu]", i);
        for (size_t k = 0; k < f->ncutoffs; k++) {
            const qs_cutoff *c = &inst->cutoffs[f->cutoffs[k]];
            if (c->source || c->local_default)
                continue;
            qs_diag_list_add(warnings, inst->path, f->line, f->column, path,
                             "flag '%s' has severity %s but its cutoff '%s' has no source: give "
                             "cutoffs.%s a source, or local_default: true",
                             f->id, qs_severity_name(f->default_severity), c->id, c->id);
            n++;
        }
        if (f->has_literal) {
            qs_diag_list_add(warnings, inst->path, f->line, f->column, path,
                             "flag '%s' has severity %s but its rule compares with a number that "
                             "has no source: name it under cutoffs: with a source, or mark the "
                             "flag local_default: true",
                             f->id, qs_severity_name(f->default_severity));
            n++;
        }
    }
    return n;
}
