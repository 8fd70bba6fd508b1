/* cmd_instruments.c - `qscore instruments`: list the installed instrument definitions. */
#include <stdio.h>

#include "cmd.h"

const char cmd_instruments_usage[] =
    "usage: qscore instruments\n"
    "\n"
    "List the installed instruments, one per line: ID, VERSION, items, scores, flags, FILE.\n"
    "Instruments are looked up, in order, in the folders of $QSCORE_INSTRUMENTS\n"
    "(colon-separated) and in the folder installed by 'make install'.\n"
    "An installed file that is not a valid instrument is reported on stderr.\n"
    "\n"
    "Exit status: 0, or 2 when an installed file is invalid.\n";

struct listing {
    int status;
    size_t count;
};

static void show(void *ctx, const char *id, const char *path)
{
    struct listing *l = ctx;
    qs_diag_list errors;
    qs_instrument *inst = NULL;
    qs_diag_list_init(&errors);
    qs_error rc = qs_instrument_load(&inst, path, &errors);
    if (rc) {
        qs_cli_error("%s: installed as '%s' but not valid (%zu problems; run 'qscore check %s')",
                     path, id, qs_diag_list_total(&errors), path);
        l->status = QS_EXIT_INVALID;
    } else {
        printf("%-10s %-8s %3zu items %2zu scores %2zu flags  %s\n", inst->id, inst->version,
               inst->nitems, inst->nscores, inst->nflags, path);
        l->count++;
    }
    qs_instrument_free(inst);
    qs_diag_list_release(&errors);
}

int cmd_instruments(int argc, char **argv)
{
    struct listing l = {QS_EXIT_OK, 0};
    (void)argv;
    if (argc > 1) {
        qs_cli_error("instruments takes no arguments (see 'qscore help instruments')");
        return QS_EXIT_INVALID;
    }
    qs_error rc = qs_instrument_each_installed(show, &l);
    if (rc) {
        qs_cli_error("cannot list instruments: %s", qs_strerror(rc));
        return qs_exit_status_for(rc);
    }
    if (l.count == 0 && l.status == QS_EXIT_OK) {
        char search[4096];
        qs_instrument_search_path(search, sizeof(search));
        qs_cli_error("no instruments installed (searched %s)", search);
    }
    return l.status;
}
