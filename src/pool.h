/* pool.h - an arena for load-once data: many small allocations, one free. Internal. */
#ifndef QS_POOL_H
#define QS_POOL_H

#include <stddef.h>

typedef struct qs_pool qs_pool;

/** A new empty pool, or NULL when out of memory. */
qs_pool *qs_pool__new(void);

/** `size` bytes aligned for any type, zeroed, living as long as the pool; NULL on OOM. */
void *qs_pool__alloc(qs_pool *p, size_t size);

/** `n` elements of `size` bytes (overflow-checked), zeroed; NULL on OOM or overflow. */
void *qs_pool__calloc(qs_pool *p, size_t n, size_t size);

/** A NUL-terminated copy of `len` bytes of `s`; NULL on OOM. */
char *qs_pool__strndup(qs_pool *p, const char *s, size_t len);

/** Free everything the pool handed out; NULL-safe. */
void qs_pool__free(qs_pool *p);

#endif
