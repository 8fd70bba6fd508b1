/* cmd_map.c - `qscore map`: draft a mapping file from an export (docs/score.md). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

const char cmd_map_usage[] =
    "usage: qscore map -i INSTRUMENT [--profile PROFILE] [-o MAPPING.yaml] [--force] INPUT\n"
    "\n"
    "Read an export and write a commented draft mapping file for 'qscore score' and the\n"
    "sources of a clinic config: the item columns (the header pattern that names exactly the\n"
    "instrument's items, in order), the id, client, therapist, group and date columns, the\n"
    "date form, and every distinct answer of the item columns with its count. Numbers outside\n"
    "the scale are listed under missing:, instrument labels with their values, and any other\n"
    "answer text as \"TEXT\": \"?\" to fill in (qscore score refuses a \"?\"). See docs/score.md.\n"
    "\n"
    "  -i, --instrument ID|FILE  the instrument: an installed id (dsi-r) or a definition file\n"
    "      --profile PROFILE     the export tool (default auto: detected as by qscore score)\n"
    "  -o, --output FILE         write the draft there (default: standard output)\n"
    "      --force               write over an existing FILE\n"
    "\n"
    "What the draft could not decide is also said on stderr.\n"
    "Exit status: 0 for a complete draft, 1 when something is left to decide (a \"?\" in it),\n"
    "2 for usage, instrument or export header problems, 3 when a file cannot be read or\n"
    "written (FILE exists and --force is not given, for one).\n";

/* Write the draft to `path` (created 0644; never over an existing file without `force`), or
 * to stdout. Returns an exit status. */
static int write_draft(const char *path, int force, const qs_mapdraft *draft)
{
    if (!path) {
        fwrite(draft->text, 1, draft->len, stdout);
        return QS_EXIT_OK;
    }
    int fd = open(path, O_WRONLY | O_CREAT | (force ? O_TRUNC : O_EXCL), 0644);
    if (fd < 0) {
        if (errno == EEXIST)
            qs_cli_error("'%s' exists: give --force to write over it", path);
        else
            qs_cli_error("cannot write '%s': %s", path, strerror(errno));
        return QS_EXIT_IO;
    }
    size_t done = 0;
    while (done < draft->len) {
        ssize_t n = write(fd, draft->text + done, draft->len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            qs_cli_error("cannot write '%s': %s", path, strerror(errno));
            close(fd);
            return QS_EXIT_IO;
        }
        done += (size_t)n;
    }
    if (close(fd) != 0) {
        qs_cli_error("cannot write '%s': %s", path, strerror(errno));
        return QS_EXIT_IO;
    }
    return QS_EXIT_OK;
}

int cmd_map(int argc, char **argv)
{
    enum { OPT_PROFILE = 256, OPT_FORCE };
    static const struct option longopts[] = {{"instrument", required_argument, NULL, 'i'},
                                             {"output", required_argument, NULL, 'o'},
                                             {"profile", required_argument, NULL, OPT_PROFILE},
                                             {"force", no_argument, NULL, OPT_FORCE},
                                             {NULL, 0, NULL, 0}};
    const char *instrument = NULL, *output = NULL;
    qs_profile profile = QS_PROFILE_AUTO;
    int force = 0, c, status;
    char names[256], path[4096];
    qs_diag d;
    qs_diag_list errors;
    qs_instrument *inst = NULL;
    qs_mapdraft draft;
    qs_error rc;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":i:o:", longopts, NULL)) != -1) {
        if (c == 'i') {
            instrument = optarg;
        } else if (c == 'o') {
            output = optarg;
        } else if (c == OPT_FORCE) {
            force = 1;
        } else if (c == OPT_PROFILE) {
            if (!qs_profile_parse(optarg, &profile)) {
                qs_cli_error("unknown profile '%s' (expected %s)", optarg,
                             qs_profile_list(names, sizeof(names)));
                return QS_EXIT_INVALID;
            }
        } else if (c == ':') {
            qs_cli_error("option '%s' needs a value (see 'qscore help map')", argv[optind - 1]);
            return QS_EXIT_INVALID;
        } else {
            qs_cli_error("unknown option '%s' (see 'qscore help map')", argv[optind - 1]);
            return QS_EXIT_INVALID;
        }
    }
    if (!instrument) {
        qs_cli_error("map needs an instrument: -i ID|FILE (see 'qscore help map')");
        return QS_EXIT_INVALID;
    }
    if (optind != argc - 1) {
        qs_cli_error("map needs one export file (see 'qscore help map')");
        return QS_EXIT_INVALID;
    }
    const char *input = argv[optind];

    qs_diag_clear(&d);
    rc = qs_instrument_find(path, sizeof(path), instrument, &d);
    if (rc) {
        qs_cli_diag(&d);
        return qs_exit_status_for(rc);
    }
    qs_diag_list_init(&errors);
    rc = qs_instrument_load(&inst, path, &errors);
    for (size_t i = 0; i < errors.count; i++)
        qs_cli_diag(&errors.items[i]);
    qs_diag_list_release(&errors);
    if (rc)
        return qs_exit_status_for(rc);
    /* Refuse an existing output before reading a large export. */
    if (output && !force && access(output, F_OK) == 0) {
        qs_cli_error("'%s' exists: give --force to write over it", output);
        qs_instrument_free(inst);
        return QS_EXIT_IO;
    }

    rc = qs_mapdraft_build(&draft, input, strcmp(input, "-") == 0 ? "(stdin)" : input, inst,
                           profile, &d);
    if (rc) {
        qs_cli_diag(&d);
        qs_instrument_free(inst);
        return qs_exit_status_for(rc);
    }
    status = write_draft(output, force, &draft);
    for (size_t i = 0; i < draft.undecided.count; i++)
        qs_cli_diag(&draft.undecided.items[i]);
    if (status == QS_EXIT_OK && draft.undecided.count) {
        qs_cli_error("%s: %zu thing%s left to decide in the draft%s%s", input,
                     qs_diag_list_total(&draft.undecided),
                     qs_diag_list_total(&draft.undecided) == 1 ? "" : "s", output ? " " : "",
                     output ? output : "");
        status = QS_EXIT_DATA;
    }
    qs_mapdraft_release(&draft);
    qs_instrument_free(inst);
    return status;
}
