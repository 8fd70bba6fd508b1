/* fuzz_common.h - helpers the libFuzzer harnesses share (init-time loading, scratch files). */
#ifndef QS_FUZZ_COMMON_H
#define QS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qscore/diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort the fuzzer (not a finding in the code under test) when its own setup fails. */
static inline void fuzz_die(const char *what)
{
    fprintf(stderr, "fuzz setup: %s\n", what);
    abort();
}

/* `data` as a NUL-terminated copy (the caller frees it). */
static inline char *fuzz_strdup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        fuzz_die("out of memory");
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Write `size` bytes to `path` (replacing it); 0 or -1. */
static inline int fuzz_write(const char *path, const void *data, size_t size)
{
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return -1;
    size_t n = size ? fwrite(data, 1, size, fp) : 0;
    return fclose(fp) == 0 && n == size ? 0 : -1;
}

/* A private scratch folder for this process, made once (under $TMPDIR or /tmp). */
static inline const char *fuzz_scratch(void)
{
    static char dir[256];
    if (!dir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(dir, sizeof(dir), "%s/qs-fuzz-XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(dir))
            fuzz_die("cannot make a scratch folder");
    }
    return dir;
}

/* Take a byte off the front of the input (0 when there is none). */
static inline unsigned fuzz_take(const uint8_t **data, size_t *size)
{
    if (!*size)
        return 0;
    unsigned b = **data;
    (*data)++;
    (*size)--;
    return b;
}

#endif
