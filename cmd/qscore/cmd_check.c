/* cmd_check.c - `qscore check`: validate instrument definition files and report every problem. */
#include <stdio.h>

#include "cmd.h"

const char cmd_check_usage[] =
    "usage: qscore check FILE|ID...\n"
    "\n"
    "Validate instrument definitions. For each valid one, print a summary line on stdout:\n"
    "  ok ID VERSION: N items, N scores, N norms, N flags (FILE)\n"
    "For an invalid one, print every problem found on stderr as\n"
    "  qscore: FILE:LINE:COLUMN: KEY.PATH: what was expected and what was found\n"
    "A valid one may also get warnings on stderr, which leave the exit status at 0:\n"
    "  qscore: FILE:LINE:COLUMN: KEY.PATH: warning: ...\n"
    "(a flag whose cutoff has no source and is not marked as a local default).\n"
    "An argument that is not a file is looked up as an installed instrument id.\n"
    "\n"
    "Exit status: 0 when every definition is valid, 2 when any is invalid or missing,\n"
    "3 when a file cannot be read.\n";

static const char *plural(size_t n)
{
    return n == 1 ? "" : "s";
}

static int check_one(const char *arg)
{
    char path[4096];
    qs_diag d;
    qs_diag_list errors;
    qs_instrument *inst = NULL;
    qs_error rc;

    qs_diag_clear(&d);
    rc = qs_instrument_find(path, sizeof(path), arg, &d);
    if (rc) {
        qs_cli_diag(&d);
        return qs_exit_status_for(rc);
    }
    qs_diag_list_init(&errors);
    rc = qs_instrument_load(&inst, path, &errors);
    if (rc) {
        for (size_t i = 0; i < errors.count; i++)
            qs_cli_diag(&errors.items[i]);
        if (errors.dropped)
            qs_cli_error("%s: %zu more problems not shown", path, errors.dropped);
        qs_cli_error("%s: %zu problem%s: not a valid instrument", path, qs_diag_list_total(&errors),
                     plural(qs_diag_list_total(&errors)));
        qs_diag_list_release(&errors);
        return qs_exit_status_for(rc);
    }
    printf("ok %s %s: %zu item%s, %zu score%s, %zu norm%s, %zu flag%s (%s)\n", inst->id,
           inst->version, inst->nitems, plural(inst->nitems), inst->nscores, plural(inst->nscores),
           inst->nnorms, plural(inst->nnorms), inst->nflags, plural(inst->nflags), path);
    qs_diag_list_release(&errors);
    qs_instrument_warnings(inst, &errors);
    for (size_t i = 0; i < errors.count; i++) {
        qs_diag w = errors.items[i];
        /* The warnings' messages are short: "warning: " plus one never truncates here. */
        snprintf(w.message, sizeof(w.message), "warning: %.400s", errors.items[i].message);
        qs_cli_diag(&w);
    }
    qs_instrument_free(inst);
    qs_diag_list_release(&errors);
    return QS_EXIT_OK;
}

int cmd_check(int argc, char **argv)
{
    int status = QS_EXIT_OK;
    int first = 1;
    /* Options end at "--"; there are no options besides --help, handled by main. */
    for (; first < argc; first++) {
        if (argv[first][0] != '-' || argv[first][1] == '\0')
            break;
        if (argv[first][1] == '-' && argv[first][2] == '\0') {
            first++;
            break;
        }
        qs_cli_error("unknown option '%s' (see 'qscore help check')", argv[first]);
        return QS_EXIT_INVALID;
    }
    if (first >= argc) {
        qs_cli_error("check needs at least one instrument file or id (see 'qscore help check')");
        return QS_EXIT_INVALID;
    }
    for (int i = first; i < argc; i++) {
        int s = check_one(argv[i]);
        /* Report the most serious outcome: I/O beats invalid beats ok. */
        if (s > status)
            status = s;
    }
    return status;
}
