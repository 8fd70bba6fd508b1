/* diag.c - diagnostics with fixed buffers and a bounded list of them. */
#include "qscore/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy_bounded(char *dst, size_t size, const char *src)
{
    if (!src) {
        dst[0] = '\0';
        return;
    }
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void qs_diag_clear(qs_diag *d)
{
    memset(d, 0, sizeof(*d));
}

#if defined(__GNUC__)
__attribute__((format(printf, 6, 0)))
#endif
static void
diag_vset(qs_diag *d, const char *file, unsigned long line, unsigned long column, const char *path,
          const char *fmt, va_list ap)
{
    copy_bounded(d->file, sizeof(d->file), file);
    d->line = line;
    d->column = column;
    copy_bounded(d->path, sizeof(d->path), path);
    vsnprintf(d->message, sizeof(d->message), fmt, ap);
}

void qs_diag_set(qs_diag *d, const char *file, unsigned long line, unsigned long column,
                 const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vset(d, file, line, column, path, fmt, ap);
    va_end(ap);
}

char *qs_diag_format(const qs_diag *d, char *buf, size_t size)
{
    size_t used = 0;
    int n;
    if (size == 0)
        return buf;
    buf[0] = '\0';
#define APPEND(...)                                                                                \
    do {                                                                                           \
        if (used < size) {                                                                         \
            n = snprintf(buf + used, size - used, __VA_ARGS__);                                    \
            if (n > 0)                                                                             \
                used += (size_t)n;                                                                 \
        }                                                                                          \
    } while (0)
    if (d->file[0]) {
        APPEND("%s:", d->file);
        if (d->line) {
            APPEND("%lu:", d->line);
            if (d->column)
                APPEND("%lu:", d->column);
        }
        APPEND(" ");
    }
    if (d->path[0])
        APPEND("%s: ", d->path);
    APPEND("%s", d->message);
#undef APPEND
    return buf;
}

void qs_diag_list_init(qs_diag_list *l)
{
    memset(l, 0, sizeof(*l));
}

void qs_diag_list_release(qs_diag_list *l)
{
    free(l->items);
    memset(l, 0, sizeof(*l));
}

static qs_diag *list_slot(qs_diag_list *l)
{
    if (l->count >= QS_DIAG_LIST_MAX) {
        l->dropped++;
        return NULL;
    }
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        if (cap > QS_DIAG_LIST_MAX)
            cap = QS_DIAG_LIST_MAX;
        qs_diag *items = realloc(l->items, cap * sizeof(*items));
        if (!items) {
            l->dropped++;
            return NULL;
        }
        l->items = items;
        l->cap = cap;
    }
    return &l->items[l->count++];
}

void qs_diag_list_push(qs_diag_list *l, const qs_diag *d)
{
    qs_diag *slot = list_slot(l);
    if (slot)
        *slot = *d;
}

void qs_diag_list_add(qs_diag_list *l, const char *file, unsigned long line, unsigned long column,
                      const char *path, const char *fmt, ...)
{
    qs_diag *slot = list_slot(l);
    if (!slot)
        return;
    va_list ap;
    va_start(ap, fmt);
    diag_vset(slot, file, line, column, path, fmt, ap);
    va_end(ap);
}

size_t qs_diag_list_total(const qs_diag_list *l)
{
    return l->count + l->dropped;
}
