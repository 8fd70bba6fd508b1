/* gen_export.c - deterministic synthetic DSI-R-shaped survey export for `make bench`.
 *
 *   gen_export ROWS OUT.csv
 *
 * Writes a generic CSV export: header `ResponseId,client_id,DSIR_1,...,DSIR_46`, then ROWS rows
 * `R_000001,C00042,3,4,,5,...`. Every value is synthetic. The same arguments always give a
 * byte-identical file: the only randomness is our own splitmix64 generator with a fixed seed
 * (never rand(), whose sequence differs between C libraries).
 *
 * The shape of the data (so qscore's code paths are all exercised, but no row is invalid):
 * - each respondent has a level 1..6; an answer is that level plus a small jitter, clamped to
 *   1..6, so scale means spread over the whole range and some flags are raised;
 * - about 1% of answers are blank (missing), independently;
 * - about 0.2% of rows leave roughly half of the form blank, so the 80% rule of qscore makes
 *   some scales `insufficient` and the validity `invalid` flag is raised;
 * - about 0.5% of rows give the same answer to every item (longstring, `careless`);
 * - every row answers at least one item and response ids never repeat: nothing is quarantined.
 * Clients answer several times: client ids are drawn from ROWS / 4 clients.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NITEMS    46
#define SEED      UINT64_C(0x5153434F52450001) /* "QSCORE" + 1: change it and every file changes */
#define OUT_BUFSZ (1u << 20)

static uint64_t rng_state;

/* splitmix64 (Steele, Lea & Flood 2014): tiny, fast, and fully specified. */
static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Uniform in [0, n) for small n; the modulo bias (n / 2^64) is irrelevant here. */
static unsigned rng_below(unsigned n)
{
    return (unsigned)(rng_next() % n);
}

static int parse_rows(const char *s, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v == 0 || v > UINT64_C(1) << 40)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t rows = 0;
    if (argc != 3 || parse_rows(argv[1], &rows) != 0) {
        fprintf(stderr, "usage: gen_export ROWS OUT.csv   (ROWS: a positive integer)\n");
        return 2;
    }
    FILE *out = fopen(argv[2], "wb");
    if (out == NULL) {
        fprintf(stderr, "gen_export: %s: %s\n", argv[2], strerror(errno));
        return 3;
    }
    static char outbuf[OUT_BUFSZ];
    setvbuf(out, outbuf, _IOFBF, sizeof outbuf);

    fputs("ResponseId,client_id", out);
    for (int i = 1; i <= NITEMS; i++)
        fprintf(out, ",DSIR_%d", i);
    fputc('\n', out);

    rng_state = SEED;
    uint64_t nclients = rows / 4 > 0 ? rows / 4 : 1;
    for (uint64_t r = 1; r <= rows; r++) {
        unsigned kind = rng_below(1000); /* 0..1: half-blank row, 2..6: straight-liner */
        unsigned level = 1 + rng_below(6);
        unsigned blank_per_1000 = kind < 2 ? 500 : 10;
        uint64_t client = 1 + rng_next() % nclients;
        char line[16 + 24 + 24 + NITEMS * 2];
        int n = snprintf(line, sizeof line, "R_%06" PRIu64 ",C%05" PRIu64, r, client);
        size_t len = (size_t)n;
        int answered = 0;
        for (int i = 0; i < NITEMS; i++) {
            line[len++] = ',';
            int blank = rng_below(1000) < blank_per_1000;
            /* The last item is answered when every other one was left blank. */
            if (blank && !(i == NITEMS - 1 && answered == 0))
                continue;
            int v = (int)level;
            if (kind >= 7 || kind < 2) {
                /* jitter -2..+2, mostly small: {-2,-1,-1,0,0,0,0,1,1,2} */
                static const int jitter[10] = {-2, -1, -1, 0, 0, 0, 0, 1, 1, 2};
                v += jitter[rng_below(10)];
                v = v < 1 ? 1 : v > 6 ? 6 : v;
            }
            line[len++] = (char)('0' + v);
            answered++;
        }
        line[len++] = '\n';
        if (fwrite(line, 1, len, out) != len)
            break;
    }
    if (ferror(out) || fclose(out) != 0) {
        fprintf(stderr, "gen_export: %s: write failed\n", argv[2]);
        return 3;
    }
    return 0;
}
