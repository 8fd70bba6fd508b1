/* cmd.h - what the subcommands share: the command table entry and exit statuses. */
#ifndef QSCORE_CMD_H
#define QSCORE_CMD_H

#include <stdio.h>

#include "qscore.h"

/*
 * Exit statuses, few and documented (README "Exit status"). When adding one, update README and
 * qs_exit_status_for().
 */
enum {
    QS_EXIT_OK = 0,      /* everything succeeded */
    QS_EXIT_DATA = 1,    /* ran, but some input rows were quarantined */
    QS_EXIT_INVALID = 2, /* usage error, or an invalid instrument / mapping / config */
    QS_EXIT_IO = 3,      /* a file could not be read or written */
    QS_EXIT_LOCKED = 4,  /* another run holds the store */
    QS_EXIT_INTERNAL = 5 /* out of memory, database or report library failure */
};

/** The exit status that a library error maps to. */
int qs_exit_status_for(qs_error err);

typedef struct qs_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    const char *usage; /* full help text printed by `qscore help NAME` and `NAME --help` */
    /* Or, when set, prints that text itself (a text built from a table, e.g. the profiles). */
    void (*print_usage)(FILE *fp);
} qs_command;

/** Print `fmt` as "qscore: message\n" on stderr. */
void qs_cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/** Print a diagnostic on stderr as "qscore: FILE:LINE:COL: PATH: message". */
void qs_cli_diag(const qs_diag *d);

/** Print the help text of the named command on stdout (0) or complain (2). */
int qs_cli_help(const char *name);

int cmd_check(int argc, char **argv);
int cmd_instruments(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_map(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_quarantine(int argc, char **argv);
int cmd_norms(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_keygen(int argc, char **argv);

/**
 * Write every workbook of the config (paths on stdout); returns an exit status. The caller
 * holds the store's writer lock (qs_cli_lock_store), so the workbooks match the store and an
 * older report never renames over a newer run's workbook.
 */
int qs_cli_write_reports(const qs_config *cfg, const qs_report_opts *opts);

/**
 * Take the writer lock of the config's store into *fd (release with qs_store_unlock). With
 * `wait`, while a run holds it, say "waiting for the run holding the store..." once and try
 * again for up to QSCORE_LOCK_WAIT seconds (default 60). Prints the problem and returns an exit
 * status: 4 when the store is still held, 3 when the lock file cannot be made.
 */
int qs_cli_lock_store(const qs_config *cfg, int wait, int *fd);

/** Load a clinic config, printing every problem; returns an exit status (0 = loaded). */
int qs_cli_load_config(qs_config **cfg, const char *path);

/** Parse "-c FILE" (and "--dry-run" when dry_run is not NULL); NULL after complaining. */
const char *qs_cli_config_option(int argc, char **argv, const char *cmd, int *dry_run);

/* What qs_cli_config_options puts in *retry: --retry and --rescore (qscore run). */
#define QS_CLI_RETRY   1
#define QS_CLI_RESCORE 2

/**
 * As qs_cli_config_option, with "--retry" and "--rescore" (flags in *retry), "--all" and
 * "-o FILE" where their pointer is set.
 */
const char *qs_cli_config_options(int argc, char **argv, const char *cmd, int *dry_run, int *retry,
                                  int *all, const char **out);

extern const char cmd_check_usage[];
extern const char cmd_instruments_usage[];
void cmd_score_print_usage(FILE *fp);
extern const char cmd_map_usage[];
extern const char cmd_run_usage[];
extern const char cmd_status_usage[];
extern const char cmd_dump_usage[];
extern const char cmd_quarantine_usage[];
extern const char cmd_norms_usage[];
extern const char cmd_report_usage[];
extern const char cmd_export_usage[];
extern const char cmd_merge_usage[];
extern const char cmd_keygen_usage[];

#endif
