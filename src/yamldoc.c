/* yamldoc.c - build a bounded YAML tree from libyaml events; helpers for schema walkers. */
#include "yamldoc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "grow.h"
#include "qscore/infile.h"
#include "text.h"

/* ---- building the tree ------------------------------------------------------------------- */

struct frame {
    qs_ynode *node;
    qs_ynode **kids;
    size_t n, cap;
    char *anchor;
};

struct anchor {
    char *name;
    qs_ynode *node;
};

struct builder {
    qs_ydoc *doc;
    qs_diag *diag;
    struct frame stack[QS_YAML_MAX_DEPTH + 1];
    size_t depth;
    struct anchor *anchors;
    size_t nanchors, anchors_cap;
    size_t nodes;
    size_t aliases;
    int documents;
};

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static qs_error
fail_at(struct builder *b, qs_error rc, unsigned long line, unsigned long col, const char *fmt, ...)
{
    va_list ap;
    qs_diag_set(b->diag, b->doc->file, line, col, NULL, "%s", "");
    va_start(ap, fmt);
    vsnprintf(b->diag->message, sizeof(b->diag->message), fmt, ap);
    va_end(ap);
    return rc;
}

static qs_ynode *new_node(struct builder *b, qs_ytype type, const yaml_mark_t *mark)
{
    if (++b->nodes > QS_YAML_MAX_NODES)
        return NULL;
    qs_ynode *n = qs_pool__alloc(b->doc->pool, sizeof(*n));
    if (!n)
        return NULL;
    n->type = type;
    n->line = mark->line + 1;
    n->column = mark->column + 1;
    return n;
}

static qs_error node_limit_or_oom(struct builder *b, const yaml_mark_t *mark)
{
    if (b->nodes > QS_YAML_MAX_NODES)
        return fail_at(b, QS_ELIMIT, mark->line + 1, mark->column + 1,
                       "document has more than %d nodes (aliases count as copies)",
                       QS_YAML_MAX_NODES);
    return fail_at(b, QS_ENOMEM, mark->line + 1, mark->column + 1, "%s", "out of memory");
}

static int push_kid(struct frame *f, qs_ynode *kid)
{
    qs_ynode **k = qs_grow__array(f->kids, &f->cap, f->n + 1, sizeof(*k), 8);
    if (!k)
        return 0;
    f->kids = k;
    f->kids[f->n++] = kid;
    return 1;
}

static qs_error attach(struct builder *b, qs_ynode *node, const yaml_mark_t *mark)
{
    if (b->depth == 0) {
        b->doc->root = node;
        return QS_OK;
    }
    if (!push_kid(&b->stack[b->depth - 1], node))
        return fail_at(b, QS_ENOMEM, mark->line + 1, mark->column + 1, "%s", "out of memory");
    return QS_OK;
}

static qs_error remember_anchor(struct builder *b, const char *name, qs_ynode *node,
                                const yaml_mark_t *mark)
{
    if (!name)
        return QS_OK;
    if (b->nanchors == b->anchors_cap) {
        size_t cap = b->anchors_cap ? b->anchors_cap * 2 : 8;
        if (cap > 4 * QS_YAML_MAX_ALIASES + 8)
            return fail_at(b, QS_ELIMIT, mark->line + 1, mark->column + 1,
                           "too many anchors (at most %d)", 4 * QS_YAML_MAX_ALIASES + 8);
        struct anchor *a = realloc(b->anchors, cap * sizeof(*a));
        if (!a)
            return fail_at(b, QS_ENOMEM, mark->line + 1, mark->column + 1, "%s", "out of memory");
        b->anchors = a;
        b->anchors_cap = cap;
    }
    char *copy = malloc(strlen(name) + 1);
    if (!copy)
        return fail_at(b, QS_ENOMEM, mark->line + 1, mark->column + 1, "%s", "out of memory");
    memcpy(copy, name, strlen(name) + 1);
    b->anchors[b->nanchors].name = copy;
    b->anchors[b->nanchors].node = node;
    b->nanchors++;
    return QS_OK;
}

/* Deep copy so that every node is visited once by walkers; copies count against the budget. */
static qs_ynode *copy_tree(struct builder *b, const qs_ynode *src, const yaml_mark_t *mark)
{
    if (++b->nodes > QS_YAML_MAX_NODES)
        return NULL;
    qs_ynode *n = qs_pool__alloc(b->doc->pool, sizeof(*n));
    if (!n)
        return NULL;
    *n = *src;
    n->line = mark->line + 1;
    n->column = mark->column + 1;
    if (src->type != QS_Y_SCALAR) {
        size_t nk = src->type == QS_Y_MAP ? src->count * 2 : src->count;
        n->kids = qs_pool__calloc(b->doc->pool, nk ? nk : 1, sizeof(*n->kids));
        if (!n->kids)
            return NULL;
        for (size_t i = 0; i < nk; i++) {
            n->kids[i] = copy_tree(b, src->kids[i], mark);
            if (!n->kids[i])
                return NULL;
        }
    }
    return n;
}

static qs_error on_event(struct builder *b, yaml_event_t *ev)
{
    const yaml_mark_t *mark = &ev->start_mark;
    qs_ynode *node;
    qs_error rc;

    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++b->documents > 1)
            return fail_at(b, QS_EPARSE, mark->line + 1, mark->column + 1,
                           "a second document starts here: expected one YAML document");
        return QS_OK;
    case YAML_ALIAS_EVENT: {
        const char *name = (const char *)ev->data.alias.anchor;
        if (++b->aliases > QS_YAML_MAX_ALIASES)
            return fail_at(b, QS_ELIMIT, mark->line + 1, mark->column + 1,
                           "too many aliases (at most %d): refusing a possible alias bomb",
                           QS_YAML_MAX_ALIASES);
        const qs_ynode *target = NULL;
        for (size_t i = b->nanchors; i-- > 0;) {
            if (strcmp(b->anchors[i].name, name) == 0) {
                target = b->anchors[i].node;
                break;
            }
        }
        if (!target)
            return fail_at(b, QS_EPARSE, mark->line + 1, mark->column + 1,
                           "alias '*%s' does not name a completed anchor", name);
        node = copy_tree(b, target, mark);
        if (!node)
            return node_limit_or_oom(b, mark);
        return attach(b, node, mark);
    }
    case YAML_SCALAR_EVENT:
        node = new_node(b, QS_Y_SCALAR, mark);
        if (!node)
            return node_limit_or_oom(b, mark);
        node->value = qs_pool__strndup(b->doc->pool, (const char *)ev->data.scalar.value,
                                       ev->data.scalar.length);
        if (!node->value)
            return node_limit_or_oom(b, mark);
        node->len = ev->data.scalar.length;
        node->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
        rc = attach(b, node, mark);
        if (rc)
            return rc;
        return remember_anchor(b, (const char *)ev->data.scalar.anchor, node, mark);
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        if (b->depth >= QS_YAML_MAX_DEPTH)
            return fail_at(b, QS_ELIMIT, mark->line + 1, mark->column + 1,
                           "nesting deeper than %d levels", QS_YAML_MAX_DEPTH);
        int is_map = ev->type == YAML_MAPPING_START_EVENT;
        node = new_node(b, is_map ? QS_Y_MAP : QS_Y_SEQ, mark);
        if (!node)
            return node_limit_or_oom(b, mark);
        const yaml_char_t *anchor =
            is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
        struct frame *f = &b->stack[b->depth++];
        memset(f, 0, sizeof(*f));
        f->node = node;
        if (anchor) {
            size_t n = strlen((const char *)anchor);
            f->anchor = malloc(n + 1);
            if (!f->anchor)
                return fail_at(b, QS_ENOMEM, mark->line + 1, mark->column + 1, "%s",
                               "out of memory");
            memcpy(f->anchor, anchor, n + 1);
        }
        return QS_OK;
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: {
        struct frame *f = &b->stack[b->depth - 1];
        node = f->node;
        node->count = node->type == QS_Y_MAP ? f->n / 2 : f->n;
        node->kids = qs_pool__calloc(b->doc->pool, f->n ? f->n : 1, sizeof(*node->kids));
        if (!node->kids)
            return fail_at(b, QS_ENOMEM, mark->line + 1, mark->column + 1, "%s", "out of memory");
        if (f->n)
            memcpy(node->kids, f->kids, f->n * sizeof(*node->kids));
        free(f->kids);
        f->kids = NULL;
        char *anchor = f->anchor;
        f->anchor = NULL;
        b->depth--;
        rc = attach(b, node, mark);
        if (!rc)
            rc = remember_anchor(b, anchor, node, mark);
        free(anchor);
        return rc;
    }
    default:
        return QS_OK;
    }
}

static void builder_release(struct builder *b)
{
    for (size_t i = 0; i < b->depth; i++) {
        free(b->stack[i].kids);
        free(b->stack[i].anchor);
    }
    for (size_t i = 0; i < b->nanchors; i++)
        free(b->anchors[i].name);
    free(b->anchors);
}

static qs_ydoc *doc_new(const char *display)
{
    qs_ydoc *doc = calloc(1, sizeof(*doc));
    if (!doc)
        return NULL;
    doc->pool = qs_pool__new();
    size_t n = strlen(display);
    doc->file = malloc(n + 1);
    if (!doc->pool || !doc->file) {
        qs_pool__free(doc->pool);
        free(doc->file);
        free(doc);
        return NULL;
    }
    memcpy(doc->file, display, n + 1);
    return doc;
}

void qs_yaml__free(qs_ydoc *doc)
{
    if (!doc)
        return;
    qs_pool__free(doc->pool);
    free(doc->file);
    free(doc);
}

qs_error qs_yaml__load_mem(qs_ydoc **out, const char *buf, size_t len, const char *display,
                           qs_diag *diag)
{
    qs_error rc = QS_OK;
    yaml_parser_t parser;
    int parser_ok = 0;
    struct builder b;
    memset(&b, 0, sizeof(b));
    *out = NULL;

    if (len > QS_YAML_MAX_BYTES) {
        qs_diag_set(diag, display, 0, 0, NULL, "file is larger than %d bytes", QS_YAML_MAX_BYTES);
        return QS_ELIMIT;
    }
    size_t bad = qs_text__utf8_invalid(buf, len);
    if (bad != len) {
        unsigned long line, col;
        qs_text__line_col(buf, bad, &line, &col);
        qs_diag_set(diag, display, line, col, NULL,
                    "invalid UTF-8 byte 0x%02X: expected UTF-8 text",
                    (unsigned)(unsigned char)buf[bad]);
        return QS_EENCODING;
    }
    b.doc = doc_new(display);
    if (!b.doc) {
        qs_diag_set(diag, display, 0, 0, NULL, "out of memory");
        return QS_ENOMEM;
    }
    b.diag = diag;
    if (!yaml_parser_initialize(&parser)) {
        qs_diag_set(diag, display, 0, 0, NULL, "out of memory");
        rc = QS_ENOMEM;
        goto done;
    }
    parser_ok = 1;
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            const yaml_mark_t *m = &parser.problem_mark;
            if (parser.context)
                qs_diag_set(diag, display, m->line + 1, m->column + 1, NULL, "invalid YAML: %s %s",
                            parser.problem ? parser.problem : "error", parser.context);
            else
                qs_diag_set(diag, display, m->line + 1, m->column + 1, NULL, "invalid YAML: %s",
                            parser.problem ? parser.problem : "error");
            rc = parser.error == YAML_MEMORY_ERROR ? QS_ENOMEM : QS_EPARSE;
            goto done;
        }
        int end = ev.type == YAML_STREAM_END_EVENT;
        rc = on_event(&b, &ev);
        yaml_event_delete(&ev);
        if (rc)
            goto done;
        if (end)
            break;
    }
done:
    if (parser_ok)
        yaml_parser_delete(&parser);
    builder_release(&b);
    if (rc) {
        qs_yaml__free(b.doc);
        return rc;
    }
    *out = b.doc;
    return QS_OK;
}

qs_error qs_yaml__load_file(qs_ydoc **out, const char *path, const char *display, qs_diag *diag)
{
    qs_error rc;
    char *buf = NULL;
    size_t len = 0;
    FILE *fp;
    *out = NULL;
    if (!display)
        display = path;
    unsigned long long size;
    rc = qs_infile_open(&fp, &size, path, display, diag);
    if (rc)
        return rc;
    /* Read at most one byte more than the limit: a 10 GB file is refused after 1 MiB. */
    buf = malloc(QS_YAML_MAX_BYTES + 1);
    if (!buf) {
        fclose(fp);
        qs_diag_set(diag, display, 0, 0, NULL, "out of memory");
        return QS_ENOMEM;
    }
    len = fread(buf, 1, size < QS_YAML_MAX_BYTES + 1 ? (size_t)size : QS_YAML_MAX_BYTES + 1, fp);
    if (ferror(fp)) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot read '%s': %s", display, strerror(errno));
        rc = QS_EIO;
    } else {
        rc = qs_yaml__load_mem(out, buf, len, display, diag);
    }
    fclose(fp);
    free(buf);
    return rc;
}

qs_error qs_yaml__load_into(qs_ydoc **out, const char *path, const char *buf, size_t len,
                            const char *display, qs_diag_list *errors)
{
    qs_diag d;
    qs_diag_clear(&d);
    qs_error rc = buf ? qs_yaml__load_mem(out, buf, len, display, &d)
                      : qs_yaml__load_file(out, path, display, &d);
    if (rc)
        qs_diag_list_push(errors, &d);
    return rc;
}

qs_error qs_yaml__load_with(void *out, const char *path, const char *buf, size_t len,
                            const char *display, qs_diag_list *errors, qs_yaml__build_fn build)
{
    qs_ydoc *doc;
    qs_error rc = qs_yaml__load_into(&doc, path, buf, len, display, errors);
    if (rc)
        return rc;
    rc = build(out, doc, display, errors);
    qs_yaml__free(doc);
    return rc;
}

/* ---- paths and walking ------------------------------------------------------------------- */

static size_t path_append(qs_ypath *p, const char *s)
{
    size_t old = p->len;
    size_t n = strlen(s);
    if (p->len + n >= sizeof(p->buf))
        n = sizeof(p->buf) - 1 - p->len;
    memcpy(p->buf + p->len, s, n);
    p->len += n;
    p->buf[p->len] = '\0';
    return old;
}

/* Whether `s` may be echoed in a message as a key name: at most 40 bytes of letters, digits,
 * '_', '-' and '.' (messages show at most that of a file that may not be YAML). */
static int key_like(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        unsigned char c = (unsigned char)s[n];
        if (n >= 40 || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

size_t qs_ypath__key(qs_ypath *p, const char *key)
{
    size_t old = p->len;
    if (p->len)
        path_append(p, ".");
    path_append(p, key);
    return old;
}

size_t qs_ypath__index(qs_ypath *p, size_t i)
{
    char tmp[32];
    snprintf(tmp, sizeof(tmp), "[%zu]", i);
    return path_append(p, tmp);
}

void qs_ypath__pop(qs_ypath *p, size_t len)
{
    p->len = len;
    p->buf[len] = '\0';
}

void qs_ywalk__key_error(qs_ywalk *w, const qs_ynode *map, const char *key, const char *fmt, ...)
{
    qs_diag d;
    va_list ap;
    const qs_ynode *node = qs_ynode__get(map, key);
    size_t old = qs_ypath__key(&w->path, key);
    qs_diag_clear(&d);
    qs_diag_set(&d, w->doc->file, node ? node->line : 0, node ? node->column : 0, w->path.buf, "%s",
                "");
    va_start(ap, fmt);
    vsnprintf(d.message, sizeof(d.message), fmt, ap);
    va_end(ap);
    qs_diag_list_push(w->errors, &d);
    qs_ypath__pop(&w->path, old);
}

void qs_ywalk__error(qs_ywalk *w, const qs_ynode *node, const char *fmt, ...)
{
    qs_diag d;
    va_list ap;
    qs_diag_clear(&d);
    qs_diag_set(&d, w->doc->file, node ? node->line : 0, node ? node->column : 0, w->path.buf, "%s",
                "");
    va_start(ap, fmt);
    vsnprintf(d.message, sizeof(d.message), fmt, ap);
    va_end(ap);
    qs_diag_list_push(w->errors, &d);
}

const char *qs_ynode__found(const qs_ynode *n, char *buf, size_t size)
{
    if (!n || n->type != QS_Y_SCALAR || n->len == 0)
        return qs_ynode__kind(n);
    if (n->len > 40)
        snprintf(buf, size, "'%.37s...'", n->value);
    else
        snprintf(buf, size, "'%s'", n->value);
    return buf;
}

const char *qs_ynode__kind(const qs_ynode *n)
{
    if (!n)
        return "nothing";
    switch (n->type) {
    case QS_Y_MAP:
        return "a mapping";
    case QS_Y_SEQ:
        return "a list";
    default:
        return n->len ? "a scalar" : "an empty value";
    }
}

const qs_ynode *qs_ynode__get_key(const qs_ynode *map, const char *key)
{
    if (!map || map->type != QS_Y_MAP)
        return NULL;
    for (size_t i = 0; i < map->count; i++) {
        const qs_ynode *k = map->kids[2 * i];
        if (k->type == QS_Y_SCALAR && strcmp(k->value, key) == 0)
            return k;
    }
    return NULL;
}

const qs_ynode *qs_ynode__get(const qs_ynode *map, const char *key)
{
    if (!map || map->type != QS_Y_MAP)
        return NULL;
    for (size_t i = 0; i < map->count; i++) {
        const qs_ynode *k = map->kids[2 * i];
        if (k->type == QS_Y_SCALAR && strcmp(k->value, key) == 0)
            return map->kids[2 * i + 1];
    }
    return NULL;
}

static int cmp_key_ptr(const void *a, const void *b)
{
    const qs_ynode *x = *(const qs_ynode *const *)a;
    const qs_ynode *y = *(const qs_ynode *const *)b;
    int c = strcmp(x->value, y->value);
    if (c)
        return c;
    return (x->line > y->line) - (x->line < y->line);
}

int qs_ywalk__check_keys(qs_ywalk *w, const qs_ynode *map, const char *const *allowed)
{
    if (!map || map->type != QS_Y_MAP) {
        qs_ywalk__error(w, map, "expected a mapping, found %s", qs_ynode__kind(map));
        return 0;
    }
    char expected[256];
    size_t used = 0;
    expected[0] = '\0';
    for (size_t i = 0; allowed[i] && used < sizeof(expected); i++) {
        int n =
            snprintf(expected + used, sizeof(expected) - used, "%s%s", i ? ", " : "", allowed[i]);
        if (n > 0)
            used += (size_t)n;
    }
    const qs_ynode **keys = NULL;
    size_t nkeys = 0;
    if (map->count)
        keys = malloc(map->count * sizeof(*keys));
    for (size_t i = 0; i < map->count; i++) {
        const qs_ynode *k = map->kids[2 * i];
        if (k->type != QS_Y_SCALAR) {
            qs_ywalk__error(w, k, "expected a plain key, found %s", qs_ynode__kind(k));
            continue;
        }
        int known = 0;
        for (size_t j = 0; allowed[j]; j++) {
            if (strcmp(k->value, allowed[j]) == 0) {
                known = 1;
                break;
            }
        }
        if (!known && !key_like(k->value)) {
            /* Not a key anyone wrote (a line of some other file, e.g. a mapping option pointed
             * at /etc/shadow): name its place, never its text. */
            qs_ywalk__error(w, k,
                            "unknown key (%zu bytes, not shown: not a key name; is this a "
                            "YAML file?) (expected one of: %s)",
                            strlen(k->value), expected);
        } else if (!known) {
            size_t old = qs_ypath__key(&w->path, k->value);
            qs_ywalk__error(w, k, "unknown key '%s' (expected one of: %s)", k->value, expected);
            qs_ypath__pop(&w->path, old);
        }
        if (keys)
            keys[nkeys++] = k;
    }
    if (keys) {
        qsort(keys, nkeys, sizeof(*keys), cmp_key_ptr);
        for (size_t i = 1; i < nkeys; i++) {
            if (strcmp(keys[i - 1]->value, keys[i]->value) == 0 && key_like(keys[i]->value)) {
                size_t old = qs_ypath__key(&w->path, keys[i]->value);
                qs_ywalk__error(w, keys[i], "duplicate key '%s' (first at line %lu)",
                                keys[i]->value, keys[i - 1]->line);
                qs_ypath__pop(&w->path, old);
            }
        }
        free(keys);
    }
    return 1;
}

int qs_ynode__as_long(const qs_ynode *n, long *out)
{
    if (!n || n->type != QS_Y_SCALAR || n->len == 0 || n->quoted)
        return 0;
    errno = 0;
    char *end;
    long v = strtol(n->value, &end, 10);
    if (errno || end == n->value || *end != '\0')
        return 0;
    *out = v;
    return 1;
}

int qs_ynode__as_double(const qs_ynode *n, double *out)
{
    if (!n || n->type != QS_Y_SCALAR || n->len == 0 || n->quoted)
        return 0;
    /* Digits, sign, point and exponent only: "nan", "inf" and hex floats are not numbers here. */
    for (size_t i = 0; i < n->len; i++) {
        char c = n->value[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'))
            return 0;
    }
    errno = 0;
    char *end;
    double v = strtod(n->value, &end);
    if (errno || end == n->value || *end != '\0' || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

int qs_ynode__as_bool(const qs_ynode *n, int *out)
{
    if (!n || n->type != QS_Y_SCALAR || n->quoted)
        return 0;
    if (strcmp(n->value, "true") == 0) {
        *out = 1;
        return 1;
    }
    if (strcmp(n->value, "false") == 0) {
        *out = 0;
        return 1;
    }
    return 0;
}

static const qs_ynode *walk_value(qs_ywalk *w, const qs_ynode *map, const char *key, int required,
                                  size_t *old)
{
    const qs_ynode *v = qs_ynode__get(map, key);
    if (!v) {
        if (required)
            qs_ywalk__error(w, map, "missing required key '%s'", key);
        return NULL;
    }
    *old = qs_ypath__key(&w->path, key);
    return v;
}

int qs_ywalk__string(qs_ywalk *w, const qs_ynode *map, const char *key, int required,
                     const char **out)
{
    size_t old;
    const qs_ynode *v = walk_value(w, map, key, required, &old);
    if (!v)
        return 0;
    int ok = v->type == QS_Y_SCALAR && v->len > 0;
    if (!ok)
        qs_ywalk__error(w, v, "expected text, found %s", qs_ynode__kind(v));
    else
        *out = v->value;
    qs_ypath__pop(&w->path, old);
    return ok;
}

int qs_ywalk__long(qs_ywalk *w, const qs_ynode *map, const char *key, int required, long min,
                   long max, long *out)
{
    size_t old;
    long x;
    char found[64];
    const qs_ynode *v = walk_value(w, map, key, required, &old);
    if (!v)
        return 0;
    int ok = 0;
    if (!qs_ynode__as_long(v, &x))
        qs_ywalk__error(w, v, "expected a whole number, found %s",
                        qs_ynode__found(v, found, sizeof(found)));
    else if (x < min || x > max)
        qs_ywalk__error(w, v, "expected a whole number from %ld to %ld, found %ld", min, max, x);
    else {
        *out = x;
        ok = 1;
    }
    qs_ypath__pop(&w->path, old);
    return ok;
}

int qs_ywalk__double(qs_ywalk *w, const qs_ynode *map, const char *key, int required, double min,
                     double max, double *out)
{
    size_t old;
    double x;
    char found[64];
    const qs_ynode *v = walk_value(w, map, key, required, &old);
    if (!v)
        return 0;
    int ok = 0;
    if (!qs_ynode__as_double(v, &x))
        qs_ywalk__error(w, v, "expected a number, found %s",
                        qs_ynode__found(v, found, sizeof(found)));
    else if (x < min || x > max)
        qs_ywalk__error(w, v, "expected a number from %g to %g, found %g", min, max, x);
    else {
        *out = x;
        ok = 1;
    }
    qs_ypath__pop(&w->path, old);
    return ok;
}

int qs_ywalk__bool(qs_ywalk *w, const qs_ynode *map, const char *key, int required, int *out)
{
    size_t old;
    char found[64];
    const qs_ynode *v = walk_value(w, map, key, required, &old);
    if (!v)
        return 0;
    int ok = qs_ynode__as_bool(v, out);
    if (!ok)
        qs_ywalk__error(w, v, "expected true or false, found %s",
                        qs_ynode__found(v, found, sizeof(found)));
    qs_ypath__pop(&w->path, old);
    return ok;
}
