/* grow.h - one way to grow an array by doubling. Internal. */
#ifndef QS_GROW_H
#define QS_GROW_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/*
 * Room for `need` (at least 1) elements of `size` bytes in `p`, an array with room for *cap:
 * when *cap is smaller, the capacity doubles (from `first` when it is 0) until it holds `need`
 * and the array is reallocated, and *cap is set. Returns the array, moved or not; NULL when out
 * of memory or when the byte count would overflow, with `p` and *cap untouched (the caller still
 * owns `p`).
 *
 * It returns the array rather than taking a `void **`: writing a `struct x *` through a
 * `void **` is not portable C. The usual call:
 *
 *     struct x *v = qs_grow__array(a->items, &a->cap, a->n + 1, sizeof(*v), 64);
 *     if (!v)
 *         return QS_ENOMEM;
 *     a->items = v;
 */
static inline void *qs_grow__array(void *p, size_t *cap, size_t need, size_t size, size_t first)
{
    if (need <= *cap)
        return p;
    size_t n = *cap ? *cap : (first ? first : 1);
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return NULL;
        n *= 2;
    }
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *q = realloc(p, n * size);
    if (q)
        *cap = n;
    return q;
}

#endif
