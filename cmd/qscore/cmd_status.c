/* cmd_status.c - `qscore status` and `qscore dump`: read the store without changing it. */
#include <stdio.h>

#include "cmd.h"

const char cmd_status_usage[] =
    "usage: qscore status -c CLINIC.yaml\n"
    "\n"
    "Summarise the store: clients, administrations (and older versions kept), files, runs,\n"
    "the last run, and flags raised on clients' latest administrations.\n";

const char cmd_dump_usage[] =
    "usage: qscore dump -c CLINIC.yaml\n"
    "\n"
    "Print a canonical text dump of the store's content (files, clients, administrations,\n"
    "scores, flags, change) without run ids or times: two stores holding the same history\n"
    "print the same bytes. For audits and for comparing stores.\n";

static int open_store(int argc, char **argv, const char *cmd, qs_config **cfg, qs_store **st)
{
    qs_diag d;
    const char *path = qs_cli_config_option(argc, argv, cmd, NULL);
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
