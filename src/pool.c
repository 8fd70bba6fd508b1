/* pool.c - a chunked bump allocator; everything is freed at once with the pool. */
#include "pool.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define POOL_CHUNK (16 * 1024)

struct chunk {
    struct chunk *next;
    size_t size;
    size_t used;
    alignas(max_align_t) unsigned char data[];
};

struct qs_pool {
    struct chunk *head;
};

qs_pool *qs_pool__new(void)
{
    return calloc(1, sizeof(qs_pool));
}

void *qs_pool__alloc(qs_pool *p, size_t size)
{
    const size_t align = alignof(max_align_t);
    size_t need = (size + align - 1) & ~(align - 1);
    if (need < size)
        return NULL;
    struct chunk *c = p->head;
    if (!c || c->size - c->used < need) {
        size_t cap = need > POOL_CHUNK ? need : POOL_CHUNK;
        if (cap > SIZE_MAX - sizeof(struct chunk))
            return NULL;
        c = malloc(sizeof(struct chunk) + cap);
        if (!c)
            return NULL;
        c->size = cap;
        c->used = 0;
        c->next = p->head;
        p->head = c;
    }
    void *ptr = c->data + c->used;
    c->used += need;
    memset(ptr, 0, size);
    return ptr;
}

void *qs_pool__calloc(qs_pool *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return qs_pool__alloc(p, n * size);
}

char *qs_pool__strndup(qs_pool *p, const char *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *d = qs_pool__alloc(p, len + 1);
    if (!d)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

void qs_pool__free(qs_pool *p)
{
    if (!p)
        return;
    struct chunk *c = p->head;
    while (c) {
        struct chunk *next = c->next;
        free(c);
        c = next;
    }
    free(p);
}
