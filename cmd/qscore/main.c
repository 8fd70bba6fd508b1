/* main.c - the qscore command line: dispatch to a subcommand, check stdout, map exit status. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const char cmd_help_usage[] = "usage: qscore help [COMMAND]\n"
                                     "\n"
                                     "Show the list of commands, or the full help of one.\n";

static const char cmd_version_usage[] = "usage: qscore version\n"
                                        "\n"
                                        "Print the version of qscore (same as --version).\n";

/* The command table: `qscore help` is generated from it. Keep it in the order users meet it. */
static const qs_command commands[] = {
    {"run", cmd_run, "Run the nightly job of a clinic config", cmd_run_usage, NULL},
    {"report", cmd_report, "Write therapist workbooks from the store", cmd_report_usage, NULL},
    {"export", cmd_export, "Write an anonymized research cohort", cmd_export_usage, NULL},
    {"merge", cmd_merge, "Merge research exports of several sites", cmd_merge_usage, NULL},
    {"keygen", cmd_keygen, "Create the site key for research exports", cmd_keygen_usage, NULL},
    {"status", cmd_status, "Summarise the store of a clinic config", cmd_status_usage, NULL},
    {"quarantine", cmd_quarantine, "List the rows not yet stored, and why", cmd_quarantine_usage,
     NULL},
    {"norms", cmd_norms, "List the local norms, or make new ones", cmd_norms_usage, NULL},
    {"map", cmd_map, "Draft a mapping file from a survey export", cmd_map_usage, NULL},
    {"score", cmd_score, "Score survey exports against an instrument", NULL, cmd_score_print_usage},
    {"check", cmd_check, "Validate instrument definition files", cmd_check_usage, NULL},
    {"instruments", cmd_instruments, "List the installed instruments", cmd_instruments_usage, NULL},
    {"dump", cmd_dump, "Print a canonical dump of a store", cmd_dump_usage, NULL},
    {"help", cmd_help, "Show help for qscore or one command", cmd_help_usage, NULL},
    {"version", cmd_version, "Print the version", cmd_version_usage, NULL},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_overview(FILE *fp)
{
    fputs("usage: qscore [--version] [--help] COMMAND [ARGS]\n"
          "\n"
          "Score clinical questionnaires from survey exports against instrument definitions.\n"
          "Flags are screening aids for a clinician, never diagnoses.\n"
          "\n"
          "Commands:\n",
          fp);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(fp, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fputs("\nRun 'qscore help COMMAND' for the options of one command.\n", fp);
}

static const qs_command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int qs_cli_help(const char *name)
{
    const qs_command *c = find_command(name);
    if (!c) {
        qs_cli_error("'%s' is not a qscore command. See 'qscore help'.", name);
        return QS_EXIT_INVALID;
    }
    if (c->print_usage)
        c->print_usage(stdout);
    else
        fputs(c->usage, stdout);
    return QS_EXIT_OK;
}

static int cmd_help(int argc, char **argv)
{
    (void)argv;
    if (argc <= 1) {
        print_overview(stdout);
        return QS_EXIT_OK;
    }
    if (argc > 2) {
        qs_cli_error("help takes at most one command name");
        return QS_EXIT_INVALID;
    }
    return qs_cli_help(argv[1]);
}

static int cmd_version(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        qs_cli_error("version takes no arguments");
        return QS_EXIT_INVALID;
    }
    printf("qscore %s\n", qs_version());
    return QS_EXIT_OK;
}

/* Output that did not reach its destination is a failure, not a success (git's rule). */
static int finish_stdout(int status)
{
    if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
        qs_cli_error("cannot write standard output");
        return status == QS_EXIT_OK ? QS_EXIT_IO : status;
    }
    return status;
}

int main(int argc, char **argv)
{
    int status;
    /* Numbers are read and written with '.': never the user's decimal comma. */
    setlocale(LC_ALL, "C");
    if (argc < 2) {
        print_overview(stderr);
        return QS_EXIT_INVALID;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        print_overview(stdout);
        return finish_stdout(QS_EXIT_OK);
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0)
        return finish_stdout(cmd_version(1, argv + 1));
    const qs_command *c = find_command(name);
    if (!c) {
        qs_cli_error("'%s' is not a qscore command. See 'qscore help'.", name);
        return QS_EXIT_INVALID;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return finish_stdout(qs_cli_help(c->name));
    }
    status = c->run(argc - 1, argv + 1);
    return finish_stdout(status);
}
