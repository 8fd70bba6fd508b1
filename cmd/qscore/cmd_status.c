/* cmd_status.c - `qscore status`, `qscore quarantine` and `qscore dump`: read the store. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"

const char cmd_status_usage[] =
    "usage: qscore status -c CLINIC.yaml\n"
    "\n"
    "Summarise the store: clients, administrations (and older versions kept), files, runs,\n"
    "the last run, flags raised on clients' latest administrations, the rows still\n"
    "quarantined (not stored) by source and reason, and the rows not administered.\n";

const char cmd_quarantine_usage[] =
    "usage: qscore quarantine -c CLINIC.yaml [--all] [-o FILE]\n"
    "\n"
    "List the quarantined rows that are still open (not stored) as CSV, one line per problem:\n"
    "source,file,line,response_id,column,value,reason,first_seen_run,first_seen,\n"
    "resolved_run,resolved,resolution. A row stays open until a later run stores it (after a\n"
    "fix to the mapping, or an edit of the export): see docs/store.md.\n"
    "\n"
    "  -c, --config FILE   the clinic config\n"
    "      --all           every row ever quarantined, resolved ones with how and when\n"
    "  -o, --output FILE   write the CSV to FILE (mode 0600, complete or not at all;\n"
    "                      a new or regular file, '-' for standard output) instead of\n"
    "                      standard output\n"
    "\n"
    "The values are answers as the export had them: the list holds health data.\n";

const char cmd_dump_usage[] =
    "usage: qscore dump -c CLINIC.yaml\n"
    "\n"
    "Print a canonical text dump of the store's content (files, clients, administrations,\n"
    "scores, flags, change) without run ids or times: two stores holding the same history\n"
    "print the same bytes. For audits and for comparing stores.\n";

/* Load the config at `path` and open its store read-only; an exit status (0 = opened). */
static int open_store_at(const char *path, qs_config **cfg, qs_store **st)
{
    qs_diag d;
    if (!path)
        return QS_EXIT_INVALID;
    int status = qs_cli_load_config(cfg, path);
    if (status)
        return status;
    qs_diag_clear(&d);
    qs_error rc = qs_store_open(st, (*cfg)->store, 1, &d);
    if (rc) {
        qs_cli_diag(&d);
        qs_config_free(*cfg);
        return qs_exit_status_for(rc);
    }
    return QS_EXIT_OK;
}

static int open_store(int argc, char **argv, const char *cmd, qs_config **cfg, qs_store **st)
{
    return open_store_at(qs_cli_config_option(argc, argv, cmd, NULL), cfg, st);
}

static void print_reason(void *ctx, const char *source, const char *reason, long long rows)
{
    (void)ctx;
    printf("  %-14s %6lld  %s\n", source, rows, reason);
}

int cmd_status(int argc, char **argv)
{
    qs_config *cfg;
    qs_store *st;
    qs_store_status s;
    qs_diag d;
    int status = open_store(argc, argv, "status", &cfg, &st);
    if (status)
        return status;
    qs_diag_clear(&d);
    qs_error rc = qs_store_get_status(st, &s, &d);
    if (rc) {
        qs_cli_diag(&d);
        status = qs_exit_status_for(rc);
    } else {
        printf("store:           %s (schema %d)\n", cfg->store, s.schema_version);
        printf("clients:         %lld\n", s.clients);
        printf("administrations: %lld (+ %lld earlier versions kept)\n", s.administrations,
               s.versions);
        printf("files ingested:  %lld\n", s.files);
        printf("runs:            %lld\n", s.runs);
        if (s.runs)
            printf("last run:        %s .. %s, %s\n", s.last_run_started,
                   s.last_run_ended[0] ? s.last_run_ended : "(unfinished)", s.last_run_status);
        printf("open flags:      %lld (raised on a client's latest administration)\n",
               s.open_flags);
        printf("quarantined:     %lld rows not stored yet%s\n", s.open_quarantined,
               s.open_quarantined ? " ('qscore quarantine' lists them)" : "");
        rc = qs_store_each_open_reason(st, print_reason, NULL, &d);
        if (rc) {
            qs_cli_diag(&d);
            status = qs_exit_status_for(rc);
        }
        printf("not administered: %lld rows answered none of their source's items (in each "
               "file's latest reading; a row in several exports counts in each)\n",
               s.not_administered);
        if (s.quarantine_files_pending)
            printf("quarantine files: %lld still to be written (the next run writes them)\n",
                   s.quarantine_files_pending);
    }
    qs_store_close(st);
    qs_config_free(cfg);
    return status;
}

int cmd_dump(int argc, char **argv)
{
    qs_config *cfg;
    qs_store *st;
    qs_diag d;
    int status = open_store(argc, argv, "dump", &cfg, &st);
    if (status)
        return status;
    qs_diag_clear(&d);
    qs_error rc = qs_store_dump(st, stdout, &d);
    if (rc) {
        qs_cli_diag(&d);
        status = qs_exit_status_for(rc);
    }
    qs_store_close(st);
    qs_config_free(cfg);
    return status;
}

static int write_row(void *ctx, const qs_store_quarantined *q)
{
    return qs_quarantine_list_row(ctx, q) != QS_OK;
}

int cmd_quarantine(int argc, char **argv)
{
    qs_config *cfg;
    qs_store *st;
    qs_diag d;
    int all = 0;
    const char *out = NULL;
    const char *path = qs_cli_config_options(argc, argv, "quarantine", NULL, NULL, &all, &out);
    int status = open_store_at(path, &cfg, &st);
    if (status)
        return status;
    qs_diag_clear(&d);
    qs_error rc = QS_OK;
    qs_atomic_file f;
    qs_atomic_init(&f);
    FILE *fp = stdout;
    struct stat at;
    if (out && strcmp(out, "-") == 0)
        out = NULL;
    if (out && lstat(out, &at) == 0 && !S_ISREG(at.st_mode)) {
        /* Renaming over a device, a folder or a link would replace it with health data. */
        qs_diag_set(&d, out, 0, 0, NULL, "not a regular file: give a new file's path for -o");
        rc = QS_EUSAGE;
    } else if (out) {
        rc = qs_atomic_open(&f, out, &d);
        fp = f.fp;
    }
    if (!rc)
        rc = qs_quarantine_list_header(fp);
    if (!rc)
        rc = qs_store_each_quarantined(st, all, write_row, fp, &d);
    if (rc == QS_EIO && !d.message[0])
        qs_diag_set(&d, out ? out : "(standard output)", 0, 0, NULL, "cannot write the list");
    if (!rc && out)
        rc = qs_atomic_commit(&f, &d);
    qs_atomic_abort(&f);
    if (rc) {
        qs_cli_diag(&d);
        status = qs_exit_status_for(rc);
    }
    qs_store_close(st);
    qs_config_free(cfg);
    return status;
}
