/* cmd_score.c - `qscore score`: score survey exports against an instrument (docs/score.md). */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

/* The help text, around the --profile option whose names come from the profile table. */
static const char usage_head[] =
    "usage: qscore score -i INSTRUMENT [-m MAPPING.yaml] [--profile PROFILE]\n"
    "                    [--norms POPULATION] [--format csv|wide|json] [-o OUT]\n"
    "                    [--quarantine FILE] [--threads 1|2] INPUT...\n"
    "\n"
    "Score survey exports (CSV from Qualtrics, REDCap, SurveyMonkey, Google Forms or Excel)\n"
    "against an instrument definition. One row per administration and measure (CSV), one row\n"
    "per administration (wide CSV), or one object per administration (JSON Lines). See\n"
    "docs/score.md for every column.\n"
    "\n"
    "  -i, --instrument ID|FILE  the instrument: an installed id (dsi-r) or a definition file\n"
    "  -m, --mapping FILE        which column holds what (docs/score.md); default: the\n"
    "                            instrument's columns and a 'client_id' column\n";

static const char usage_tail[] =
    "      --norms POPULATION    norm population for z, T and percentiles (an id from the\n"
    "                            instrument's norms); none by default\n"
    "      --format FORMAT       csv (default): one row per administration and measure;\n"
    "                            wide: one row per administration, columns per score (for R,\n"
    "                            pandas, DuckDB); json: JSON Lines, one object per administration\n"
    "  -o, --output OUT          output file (default: standard output); written to a temporary\n"
    "                            file and renamed when complete\n"
    "      --quarantine FILE     rows that cannot be scored, with the reason (default: OUT with\n"
    "                            .quarantine.csv, or qscore-quarantine.csv with standard output)\n"
    "      --threads 1|2         write the output on a second thread (default: 2 when the\n"
    "                            machine has two cores); the output is the same either way\n"
    "  INPUT                     export files; - reads standard input\n"
    "\n"
    "Exit status: 0 every row scored (rows not administered are counted, never a failure);\n"
    "1 some rows quarantined; 2 usage, instrument or mapping error (nothing written), or an\n"
    "input the mapping does not fit (one problem on every row, or slash dates whose day/month\n"
    "order the file does not decide); 3 a file could not be read or written.\n";

/* Write `text` after `first` (which ends at column `indent`), wrapping words to `width`
 * columns under that column. */
static void print_wrapped(FILE *fp, const char *first, const char *text, size_t indent,
                          size_t width)
{
    size_t col = strlen(first);
    fputs(first, fp);
    for (const char *w = text; *w;) {
        size_t n = strcspn(w, " ");
        if (col > indent && col + 1 + n > width) {
            fprintf(fp, "\n%*s", (int)indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', fp);
            col++;
        }
        fwrite(w, 1, n, fp);
        col += n;
        w += n;
        w += strspn(w, " ");
    }
    fputc('\n', fp);
}

void cmd_score_print_usage(FILE *fp)
{
    char text[512];
    size_t used = 0;
    for (int p = 0; p < QS_PROFILE_COUNT; p++) {
        int n = snprintf(text + used, sizeof(text) - used, "%s%s", qs_profile_name((qs_profile)p),
                         p == QS_PROFILE_AUTO       ? " (default), "
                         : p + 1 < QS_PROFILE_COUNT ? ", "
                                                    : "");
        if (n < 0 || (size_t)n >= sizeof(text) - used)
            break;
        used += (size_t)n;
    }
    snprintf(text + used, sizeof(text) - used, ": which header rows the export has");
    fputs(usage_head, fp);
    print_wrapped(fp, "      --profile PROFILE     ", text, 28, 90);
    fputs(usage_tail, fp);
}

struct score_opts {
    const char *instrument;
    const char *mapping;
    const char *norms;
    const char *output;
    const char *quarantine;
    qs_profile profile;
    qs_out_format format;
    int threads;
};

static int parse_options(int argc, char **argv, struct score_opts *o)
{
    enum { OPT_PROFILE = 256, OPT_NORMS, OPT_FORMAT, OPT_QUARANTINE, OPT_THREADS };
    static const struct option longopts[] = {
        {"instrument", required_argument, NULL, 'i'},
        {"mapping", required_argument, NULL, 'm'},
        {"output", required_argument, NULL, 'o'},
        {"profile", required_argument, NULL, OPT_PROFILE},
        {"norms", required_argument, NULL, OPT_NORMS},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"quarantine", required_argument, NULL, OPT_QUARANTINE},
        {"threads", required_argument, NULL, OPT_THREADS},
        {NULL, 0, NULL, 0},
    };
    int c;
    memset(o, 0, sizeof(*o));
    o->profile = QS_PROFILE_AUTO;
    o->threads = sysconf(_SC_NPROCESSORS_ONLN) >= 2 ? 2 : 1;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":i:m:o:", longopts, NULL)) != -1) {
        switch (c) {
        case 'i':
            o->instrument = optarg;
            break;
        case 'm':
            o->mapping = optarg;
            break;
        case 'o':
            o->output = optarg;
            break;
        case OPT_PROFILE:
            if (!qs_profile_parse(optarg, &o->profile)) {
                char names[128];
                qs_cli_error("unknown profile '%s' (expected %s)", optarg,
                             qs_profile_list(names, sizeof(names)));
                return -1;
            }
            break;
        case OPT_NORMS:
            o->norms = optarg;
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "csv") == 0)
                o->format = QS_OUT_CSV;
            else if (strcmp(optarg, "json") == 0)
                o->format = QS_OUT_JSON;
            else if (strcmp(optarg, "wide") == 0)
                o->format = QS_OUT_WIDE;
            else {
                qs_cli_error("unknown format '%s' (expected csv, wide or json)", optarg);
                return -1;
            }
            break;
        case OPT_QUARANTINE:
            o->quarantine = optarg;
            break;
        case OPT_THREADS:
            if (strcmp(optarg, "1") == 0)
                o->threads = 1;
            else if (strcmp(optarg, "2") == 0)
                o->threads = 2;
            else {
                qs_cli_error("--threads takes 1 or 2, not '%s'", optarg);
                return -1;
            }
            break;
        case ':':
            qs_cli_error("option '%s' needs a value (see 'qscore help score')", argv[optind - 1]);
            return -1;
        default:
            qs_cli_error("unknown option '%s' (see 'qscore help score')", argv[optind - 1]);
            return -1;
        }
    }
    if (!o->instrument) {
        qs_cli_error("score needs an instrument: -i ID|FILE (see 'qscore help score')");
        return -1;
    }
    if (optind >= argc) {
        qs_cli_error("score needs at least one INPUT file, or - for standard input");
        return -1;
    }
    return optind;
}

static void print_errors(const qs_diag_list *errors)
{
    for (size_t i = 0; i < errors->count; i++)
        qs_cli_diag(&errors->items[i]);
    if (errors->dropped)
        qs_cli_error("%zu more problems not shown", errors->dropped);
}

/* The quarantine default: OUT with its extension replaced, or a file in the current folder. */
static void default_quarantine(char *buf, size_t size, const char *output)
{
    if (!output || strcmp(output, "-") == 0) {
        snprintf(buf, size, "qscore-quarantine.csv");
        return;
    }
    const char *slash = strrchr(output, '/');
    const char *dot = strrchr(output, '.');
    size_t stem = (dot && (!slash || dot > slash + 1)) ? (size_t)(dot - output) : strlen(output);
    snprintf(buf, size, "%.*s.quarantine.csv", (int)stem, output);
}

struct totals {
    unsigned long rows, scored, quarantined, files;
    int status;
};

static void worst(struct totals *t, int status)
{
    if (status > t->status)
        t->status = status;
}

/* Read all of standard input into *buf (malloc'd). Returns 0, or an errno value. */
static int read_stdin(char **buf, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    if (!b)
        return ENOMEM;
    for (;;) {
        if (n == cap) {
            char *nb = cap > SIZE_MAX / 2 ? NULL : realloc(b, cap * 2);
            if (!nb) {
                free(b);
                return ENOMEM;
            }
            b = nb;
            cap *= 2;
        }
        size_t got = fread(b + n, 1, cap - n, stdin);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(stdin)) {
        int err = errno ? errno : EIO;
        free(b);
        return err;
    }
    *buf = b;
    *len = n;
    return 0;
}

static void score_input(const char *input, const qs_instrument *inst, const qs_mapping *map,
                        const struct score_opts *o, qs_scorer *scorer, qs_out *out, FILE *qfp,
                        struct totals *t)
{
    qs_diag_list errors;
    qs_ingest *g = NULL;
    char *data = NULL;
    size_t len = 0;
    qs_error rc;
    const char *display = strcmp(input, "-") == 0 ? "(stdin)" : input;
    qs_diag_list_init(&errors);
    if (strcmp(input, "-") == 0 && !map->date_format) {
        /* Slash dates without date_format are decided from the whole file, which needs a second
         * pass: standard input is read into memory first (docs/score.md). */
        int err = read_stdin(&data, &len);
        if (err) {
            qs_cli_error("cannot read standard input: %s", strerror(err));
            worst(t, err == ENOMEM ? QS_EXIT_INTERNAL : QS_EXIT_IO);
            return;
        }
        rc = qs_ingest_open_mem(&g, data, len, display, inst, map, o->profile, &errors);
    } else {
        rc = qs_ingest_open(&g, input, display, inst, map, o->profile, &errors);
    }
    if (rc) {
        print_errors(&errors);
        qs_cli_error("%s: not scored", display);
        worst(t, qs_exit_status_for(rc));
        qs_diag_list_release(&errors);
        free(data);
        return;
    }
    t->files++;
    const qs_reader *rd = qs_ingest_reader(g);
    char delim[3] = {qs_reader_delimiter(rd), '\0', '\0'};
    if (delim[0] == '\t')
        memcpy(delim, "\\t", 3);
    qs_cli_error("%s: %s export, %s, '%s'-separated, %d header row%s", display,
                 qs_profile_name(qs_ingest_profile(g)), qs_encoding_name(qs_reader_encoding(rd)),
                 delim, qs_ingest_header_rows(g), qs_ingest_header_rows(g) == 1 ? "" : "s");
    qs_pipeline_stats st = {0, 0};
    qs_diag d;
    qs_diag_clear(&d);
    rc = qs_pipeline_run(g, scorer, inst, out, qfp, display, o->threads, &st, &d);
    t->scored += st.scored;
    t->quarantined += st.quarantined;
    if (rc) {
        qs_cli_diag(&d);
        worst(t, qs_exit_status_for(rc));
    }
    if (rc == QS_EINVALID) {
        /* Refused as a whole (slash dates whose order the file does not decide): like a file
         * whose header does not fit, it is not counted. */
        if (st.scored || st.quarantined) {
            /* Rows before its first slash date were written already (see docs/score.md): the
             * totals count them, so the summary adds up. */
            t->rows += st.scored + st.quarantined;
            qs_cli_error("%s: not scored from its first slash date on; the %lu rows before it "
                         "were written (%lu scored, %lu quarantined)",
                         display, st.scored + st.quarantined, st.scored, st.quarantined);
        } else {
            qs_cli_error("%s: not scored", display);
            t->files--;
        }
        qs_ingest_free(g);
        qs_diag_list_release(&errors);
        free(data);
        return;
    }
    t->rows += qs_ingest_rows(g);
    if (qs_ingest_not_administered(g))
        qs_cli_error("%s: %lu row%s not administered (no item of %s answered)", display,
                     qs_ingest_not_administered(g), qs_ingest_not_administered(g) == 1 ? "" : "s",
                     inst->id);
    if (qs_ingest_ids_unchecked(g))
        qs_cli_error("%s: %lu rows past the duplicate-check budget were not checked for "
                     "duplicate response ids",
                     display, qs_ingest_ids_unchecked(g));
    /* One problem on every row and nothing scored: the mapping does not fit the file. */
    qs_file_problem fp;
    if (rc == QS_OK && qs_ingest_file_problem(g, &fp)) {
        qs_cli_error("%s: %s: %s", display, fp.column, fp.message);
        worst(t, QS_EXIT_INVALID);
    }
    qs_ingest_free(g);
    qs_diag_list_release(&errors);
    free(data);
}

int cmd_score(int argc, char **argv)
{
    struct score_opts o;
    struct totals t = {0, 0, 0, 0, QS_EXIT_OK};
    char path[4096], qpath[4096];
    qs_diag d;
    qs_diag_list errors;
    qs_instrument *inst = NULL;
    qs_mapping *map = NULL;
    qs_scorer *scorer = NULL;
    qs_out *out = NULL;
    qs_atomic_file ofile, qfile;
    int norm = -1;
    int status = QS_EXIT_INVALID;
    qs_error rc;

    qs_atomic_init(&ofile);
    qs_atomic_init(&qfile);
    qs_diag_list_init(&errors);
    int first = parse_options(argc, argv, &o);
    if (first < 0)
        return QS_EXIT_INVALID;

    /* Parse and validate everything before writing anything. */
    qs_diag_clear(&d);
    rc = qs_instrument_find(path, sizeof(path), o.instrument, &d);
    if (rc) {
        qs_cli_diag(&d);
        goto done;
    }
    rc = qs_instrument_load(&inst, path, &errors);
    if (rc) {
        print_errors(&errors);
        status = qs_exit_status_for(rc);
        goto done;
    }
    rc = o.mapping ? qs_mapping_load(&map, o.mapping, &errors) : qs_mapping_default(&map);
    if (rc) {
        print_errors(&errors);
        status = qs_exit_status_for(rc);
        goto done;
    }
    if (o.norms) {
        norm = qs_instrument_norm_index(inst, o.norms);
        if (norm < 0) {
            qs_cli_error("'%s' has no norm population '%s'%s", inst->id, o.norms,
                         inst->nnorms ? "" : " (it has no norms)");
            goto done;
        }
    }
    if (o.format == QS_OUT_WIDE) {
        /* Before anything is written: a score id may take another column's name. */
        rc = qs_out_wide_check(inst, norm >= 0, &d);
        if (rc) {
            qs_cli_diag(&d);
            qs_cli_error("use --format csv or json for this instrument");
            status = qs_exit_status_for(rc);
            goto done;
        }
    }
    rc = qs_scorer_new(&scorer, inst, norm);
    if (rc) {
        qs_cli_error("cannot score: %s", qs_strerror(rc));
        status = qs_exit_status_for(rc);
        goto done;
    }

    int to_stdout = !o.output || strcmp(o.output, "-") == 0;
    if (o.quarantine)
        snprintf(qpath, sizeof(qpath), "%s", o.quarantine);
    else
        default_quarantine(qpath, sizeof(qpath), o.output);
    if (!to_stdout && qs_atomic_open(&ofile, o.output, &d)) {
        qs_cli_diag(&d);
        status = QS_EXIT_IO;
        goto done;
    }
    if (qs_atomic_open(&qfile, qpath, &d)) {
        qs_cli_diag(&d);
        status = QS_EXIT_IO;
        goto done;
    }
    rc = qs_out_new(&out, to_stdout ? stdout : ofile.fp, o.format, inst,
                    norm >= 0 ? inst->norms[norm].id : NULL);
    if (!rc)
        rc = qs_quarantine_header(qfile.fp);
    if (rc) {
        qs_cli_error("cannot write: %s", qs_strerror(rc));
        status = qs_exit_status_for(rc);
        goto done;
    }

    for (int i = first; i < argc && t.status < QS_EXIT_IO; i++)
        score_input(argv[i], inst, map, &o, scorer, out, qfile.fp, &t);

    if (qs_out_finish(out)) {
        qs_cli_error("cannot write the output: %s", strerror(errno));
        worst(&t, QS_EXIT_IO);
    }
    if (!to_stdout && t.scored == 0) {
        /* Nothing to read in it: an output holding only a header would look like a result. */
        qs_atomic_abort(&ofile);
        qs_cli_error("nothing scored: '%s' not written", o.output);
    }
    if (t.status < QS_EXIT_IO) {
        if ((!to_stdout && t.scored && qs_atomic_commit(&ofile, &d)) ||
            qs_atomic_commit(&qfile, &d)) {
            qs_cli_diag(&d);
            worst(&t, QS_EXIT_IO);
        }
    }
    if (t.quarantined)
        worst(&t, QS_EXIT_DATA);
    qs_cli_error("scored %lu of %lu rows from %lu file%s (%lu quarantined%s%s, %lu flag%s raised)",
                 t.scored, t.rows, t.files, t.files == 1 ? "" : "s", t.quarantined,
                 t.quarantined ? " to " : "", t.quarantined ? qpath : "", qs_out_flags_raised(out),
                 qs_out_flags_raised(out) == 1 ? "" : "s");
    status = t.status;
done:
    qs_atomic_abort(&ofile);
    qs_atomic_abort(&qfile);
    qs_out_free(out);
    qs_scorer_free(scorer);
    qs_mapping_free(map);
    qs_instrument_free(inst);
    qs_diag_list_release(&errors);
    return status;
}
