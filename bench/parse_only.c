/* parse_only.c - the ceiling for qscore's design: libcsv over the file and nothing else.
 *
 *   parse_only FILE.csv
 *
 * Feeds the file to libcsv in 64 KiB fread chunks with the options qscore uses
 * (CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL), counts fields, blank
 * (NULL) fields and records in the callbacks, and prints the counts. Whatever qscore does on
 * top of this (header matching, value checks, scoring, validity, output) is its own overhead.
 */
#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define CHUNK (64u * 1024u)

struct counts {
    unsigned long long fields;
    unsigned long long blanks;
    unsigned long long rows;
    unsigned long long bytes; /* field bytes, so the callback reads what it is given */
};

static void on_field(void *field, size_t len, void *data)
{
    struct counts *c = data;
    c->fields++;
    if (field == NULL)
        c->blanks++;
    c->bytes += len;
}

static void on_row(int term, void *data)
{
    (void)term;
    struct counts *c = data;
    c->rows++;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: parse_only FILE.csv\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "rb");
    if (in == NULL) {
        fprintf(stderr, "parse_only: %s: %s\n", argv[1], strerror(errno));
        return 3;
    }
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL) != 0) {
        fprintf(stderr, "parse_only: csv_init failed\n");
        fclose(in);
        return 3;
    }
    struct counts c = {0, 0, 0, 0};
    static char buf[CHUNK];
    int rc = 0;
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        if (csv_parse(&p, buf, n, on_field, on_row, &c) != n) {
            fprintf(stderr, "parse_only: %s: %s\n", argv[1], csv_strerror(csv_error(&p)));
            rc = 1;
            break;
        }
    }
    if (rc == 0 && ferror(in)) {
        fprintf(stderr, "parse_only: %s: read error\n", argv[1]);
        rc = 3;
    }
    if (rc == 0 && csv_fini(&p, on_field, on_row, &c) != 0) {
        fprintf(stderr, "parse_only: %s: %s\n", argv[1], csv_strerror(csv_error(&p)));
        rc = 1;
    }
    csv_free(&p);
    fclose(in);
    printf("rows %llu (header included) fields %llu blank %llu field_bytes %llu\n", c.rows,
           c.fields, c.blanks, c.bytes);
    return rc;
}
