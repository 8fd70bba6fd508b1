/* cli.c - what every subcommand shares: messages, exit statuses, the config options. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"

/*
 * The cmd_<name>.c files depend on this file and the library only, never on one another, and
 * main.c depends on them through its command table: a helper two subcommands need lives here
 * (qs_cli_help stays in main.c, which owns the table it reads).
 */

int qs_exit_status_for(qs_error err)
{
    switch (err) {
    case QS_OK:
    case QS_EEOF:
    case QS_ENOANSWER: /* a questionnaire not administered on a row: never a failure */
        return QS_EXIT_OK;
    case QS_EDATA:
        return QS_EXIT_DATA;
    case QS_EPARSE:
    case QS_EINVALID:
    case QS_ELIMIT:
    case QS_EENCODING:
    case QS_ENOTFOUND:
    case QS_EUSAGE:
        return QS_EXIT_INVALID;
    case QS_EIO:
        return QS_EXIT_IO;
    case QS_ELOCKED:
        return QS_EXIT_LOCKED;
    case QS_ENOMEM:
    case QS_ESTORE:
    case QS_EREPORT:
    case QS_ERROR_COUNT:
        break;
    }
    return QS_EXIT_INTERNAL;
}

void qs_cli_error(const char *fmt, ...)
{
    char msg[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* One message, one line: names from input files (paths, ids) may hold line breaks or
     * terminal escapes. */
    for (char *p = msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    fprintf(stderr, "qscore: %s\n", msg);
}

void qs_cli_diag(const qs_diag *d)
{
    char buf[QS_DIAG_FILE_MAX + QS_DIAG_PATH_MAX + QS_DIAG_MSG_MAX + 64];
    qs_cli_error("%s", qs_diag_format(d, buf, sizeof(buf)));
}

int qs_cli_load_config(qs_config **cfg, const char *path)
{
    qs_diag_list errors;
    qs_diag_list_init(&errors);
    qs_error rc = qs_config_load(cfg, path, &errors);
    for (size_t i = 0; i < errors.count; i++)
        qs_cli_diag(&errors.items[i]);
    qs_diag_list_release(&errors);
    return rc ? qs_exit_status_for(rc) : QS_EXIT_OK;
}

const char *qs_cli_config_options(int argc, char **argv, const char *cmd, int *dry_run, int *retry,
                                  int *all, const char **out)
{
    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
                                             {"dry-run", no_argument, NULL, 'n'},
                                             {"retry", no_argument, NULL, 'r'},
                                             {"all", no_argument, NULL, 'a'},
                                             {"output", required_argument, NULL, 'o'},
                                             {"rescore", no_argument, NULL, 'R'},
                                             {NULL, 0, NULL, 0}};
    const char *config = NULL;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, out ? ":c:o:" : ":c:", longopts, NULL)) != -1) {
        if (c == 'c') {
            config = optarg;
        } else if (c == 'n' && dry_run) {
            *dry_run = 1;
        } else if (c == 'r' && retry) {
            *retry |= QS_CLI_RETRY;
        } else if (c == 'R' && retry) {
            *retry |= QS_CLI_RESCORE;
        } else if (c == 'a' && all) {
            *all = 1;
        } else if (c == 'o' && out) {
            *out = optarg;
        } else if (c == ':') {
            qs_cli_error("option '%s' needs a value (see 'qscore help %s')", argv[optind - 1], cmd);
            return NULL;
        } else {
            qs_cli_error("unknown option '%s' (see 'qscore help %s')", argv[optind - 1], cmd);
            return NULL;
        }
    }
    if (optind < argc) {
        qs_cli_error("unexpected argument '%s' (see 'qscore help %s')", argv[optind], cmd);
        return NULL;
    }
    if (!config)
        qs_cli_error("%s needs a clinic config: -c CLINIC.yaml", cmd);
    return config;
}

const char *qs_cli_config_option(int argc, char **argv, const char *cmd, int *dry_run)
{
    return qs_cli_config_options(argc, argv, cmd, dry_run, NULL, NULL, NULL);
}

static void print_path(void *ctx, const char *path)
{
    (*(size_t *)ctx)++;
    printf("%s\n", path);
}

static void print_removed(void *ctx, const char *path)
{
    (void)ctx;
    qs_cli_error("removed %s: no client's latest form names it any more", path);
}

int qs_cli_write_reports(const qs_config *cfg, const qs_report_opts *opts)
{
    qs_diag_list errors;
    qs_diag_list_init(&errors);
    size_t written = 0;
    qs_report_opts o = *opts;
    o.removed = print_removed;
    qs_error rc = qs_report_write_all(cfg, &o, print_path, &written, &errors);
    for (size_t i = 0; i < errors.count; i++)
        qs_cli_diag(&errors.items[i]);
    qs_diag_list_release(&errors);
    if (!rc && !written)
        qs_cli_error("no workbook written: the store holds no administration of the config's "
                     "instruments yet");
    return rc ? qs_exit_status_for(rc) : QS_EXIT_OK;
}

/* How long `qscore report` waits for a run holding the store: QSCORE_LOCK_WAIT seconds when set
 * (tests shorten it; 0: no wait), else 60. */
static unsigned long lock_wait_ms(void)
{
    const char *s = getenv("QSCORE_LOCK_WAIT");
    if (s && *s) {
        char *end;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (*end == '\0' && errno == 0 && v >= 0 && v <= 86400)
            return (unsigned long)v * 1000;
        qs_cli_error("QSCORE_LOCK_WAIT must be seconds (0..86400), not '%s'; waiting 60 s", s);
    }
    return 60000;
}

int qs_cli_lock_store(const qs_config *cfg, int wait, int *fd)
{
    qs_diag d;
    qs_diag_clear(&d);
    qs_error rc = qs_store_lock(cfg->store, fd, &d);
    if (rc == QS_ELOCKED && wait) {
        unsigned long ms = lock_wait_ms();
        if (ms) {
            qs_cli_error("waiting for the run holding the store '%s' (up to %lu s)...", cfg->store,
                         ms / 1000);
            rc = qs_store_lock_wait(cfg->store, fd, ms, &d);
        }
    }
    if (rc) {
        qs_cli_diag(&d);
        return qs_exit_status_for(rc);
    }
    return QS_EXIT_OK;
}
