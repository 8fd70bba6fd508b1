/* hash.h - one 64-bit hash for in-memory hash tables. Internal. */
#ifndef QS_HASH_H
#define QS_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * For tables that live as long as one run (the ingest's duplicate set, the export's cells):
 * never for anything stored, compared across runs or keyed against an attacker (pseudonyms
 * are keyed HMACs, content hashes SHA-256). A multiply-xorshift pass over the bytes, then the
 * splitmix64 finaliser, so nearby keys ("R_1", "R_2") spread over every bit.
 *
 *     uint64_t h = qs_hash__bytes(id, strlen(id));                  one text
 *     uint64_t h = qs_hash__final(qs_hash__str(qs_hash__str(QS_HASH_SEED, a), b));   a key of
 *                                                                    several texts
 */

#define QS_HASH_SEED 0x9E3779B97F4A7C15ULL

/** Mix `n` bytes at `p` into `h`. */
static inline uint64_t qs_hash__update(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001B3ULL;
        h ^= h >> 29;
    }
    return h;
}

/** The finished hash; never 0, so a table may keep 0 for an empty slot. */
static inline uint64_t qs_hash__final(uint64_t h)
{
    /* splitmix64 finaliser */
    h ^= h >> 30;
    h *= 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 27;
    h *= 0x94D049BB133111EBULL;
    h ^= h >> 31;
    return h ? h : 1;
}

/** The hash of `n` bytes (their count included). */
static inline uint64_t qs_hash__bytes(const void *p, size_t n)
{
    return qs_hash__final(qs_hash__update(QS_HASH_SEED ^ (uint64_t)n, p, n));
}

/**
 * Mix one text of a key made of several: its length first, so no byte inside a text can make
 * two different tuples one key (("ab", "c") and ("a", "bc") differ). Finish with
 * qs_hash__final.
 */
static inline uint64_t qs_hash__str(uint64_t h, const char *s)
{
    size_t n = strlen(s);
    h ^= (uint64_t)n * QS_HASH_SEED;
    return qs_hash__update(h, s, n);
}

#endif
