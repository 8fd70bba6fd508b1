/* cmd_norms.c - `qscore norms`: list the local norm snapshots of a store, or make new ones. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd.h"

const char cmd_norms_usage[] =
    "usage: qscore norms -c CLINIC.yaml [--update]\n"
    "\n"
    "List the local norms of the store: for an instrument the config gives `norms: {ID:\n"
    "local}`, this clinic's own clients are the reference. A snapshot is made by `qscore run`\n"
    "when the store first holds min_n clients (default 50) with a valid administration: per\n"
    "score, each client's first valid administration gives n, the mean, the SD, and Cronbach's\n"
    "alpha (pairwise-complete, for reliable change). Snapshots change only when asked:\n"
    "\n"
    "  -c, --config FILE   the clinic config\n"
    "      --update        make a new snapshot of every local norm from the clients stored now;\n"
    "                      the next `qscore run` recomputes T scores, percentiles and reliable\n"
    "                      change against it (docs/norms.md)\n"
    "\n"
    "A local norm compares a client with this clinic's clients, not with the population.\n";

static void print_row(void *ctx, const qs_store_snapshot_row *r)
{
    long *last = ctx;
    if (*last != r->id) {
        *last = r->id;
        printf("%s: local norm %ld, made %.10s (definition version %s): %ld clients (min_n %ld)\n",
               r->instrument, r->id, r->created, r->instrument_version, r->n, r->min_n);
    }
    printf("  %-10s n %-5ld", r->score, r->score_n);
    if (isnan(r->mean) || isnan(r->sd))
        printf(" mean and SD not computable");
    else
        printf(" mean %.3f  SD %.3f", r->mean, r->sd);
    if (isnan(r->alpha))
        printf("  alpha not computable (%s)\n", r->alpha_reason[0] ? r->alpha_reason : "-");
    else
        printf("  alpha %.3f (smallest pairwise n %ld)\n", r->alpha, r->alpha_min_pair_n);
}

/* Make a new snapshot of every local norm of the config's sources; an exit status. */
static int update(const qs_config *cfg, qs_store *st)
{
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
    int status = QS_EXIT_OK, any = 0;
    for (size_t i = 0; i < cfg->nsources; i++) {
        qs_instrument *inst = NULL;
        qs_diag_list errs;
        qs_diag d;
        qs_diag_list_init(&errs);
        qs_diag_clear(&d);
        qs_error rc = qs_source_instrument(&cfg->sources[i], &inst, &errs);
        for (size_t k = 0; k < errs.count; k++)
            qs_cli_diag(&errs.items[k]);
        qs_diag_list_release(&errs);
        long min_n = rc ? 0 : qs_config_local_norm(cfg, inst->id);
        int seen = 0; /* two sources of one instrument: one snapshot */
        for (size_t j = 0; !rc && j < i; j++)
            seen |= strcmp(cfg->sources[j].instrument, cfg->sources[i].instrument) == 0;
        if (!rc && min_n && !seen) {
            long long id = 0;
            long n = 0;
            any = 1;
            char ipath[4096], definition[40];
            rc = qs_instrument_find(ipath, sizeof(ipath), cfg->sources[i].instrument, &d);
            if (!rc)
                rc = qs_store_local_norm_definition(ipath, definition, &d);
            if (!rc)
                rc = qs_store_begin(st, &d);
            if (!rc)
                rc = qs_store_local_norm_update(st, inst, min_n, definition, now, &id, &n, &d);
            if (!rc)
                rc = qs_store_commit(st, &d);
            else
                qs_store_rollback(st);
            if (rc)
                qs_cli_diag(&d);
            else if (id)
                printf("%s: local norm %lld made from %ld clients; the next run recomputes "
                       "against it\n",
                       inst->id, id, n);
            else
                printf("%s: local norm needs %ld clients, has %ld: no new snapshot\n", inst->id,
                       min_n, n);
        }
        if (rc) {
            int s = qs_exit_status_for(rc);
            status = s > status ? s : status;
        }
        qs_instrument_free(inst);
    }
    if (!any)
        printf("no instrument of this config has a local norm (norms: {ID: local})\n");
    return status;
}

int cmd_norms(int argc, char **argv)
{
    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
                                             {"update", no_argument, NULL, 'u'},
                                             {NULL, 0, NULL, 0}};
    const char *config = NULL;
    int c, upd = 0;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":c:", longopts, NULL)) != -1) {
        if (c == 'c') {
            config = optarg;
        } else if (c == 'u') {
            upd = 1;
        } else {
            qs_cli_error("%s '%s' (see 'qscore help norms')",
                         c == ':' ? "option needs a value:" : "unknown option", argv[optind - 1]);
            return QS_EXIT_INVALID;
        }
    }
    if (optind < argc || !config) {
        qs_cli_error(config ? "unexpected argument '%s' (see 'qscore help norms')"
                            : "norms needs a clinic config: -c CLINIC.yaml%s",
                     config ? argv[optind] : "");
        return QS_EXIT_INVALID;
    }
    qs_config *cfg = NULL;
    int status = qs_cli_load_config(&cfg, config);
    if (status)
        return status;
    qs_store *st = NULL;
    qs_diag d;
    int lockfd = -1;
    qs_diag_clear(&d);
    qs_error rc = upd ? qs_store_lock(cfg->store, &lockfd, &d) : QS_OK;
    if (!rc)
        rc = qs_store_open(&st, cfg->store, !upd, &d);
    if (!rc && upd) {
        status = update(cfg, st);
    } else if (!rc) {
        long last = 0;
        rc = qs_store_each_snapshot(st, print_row, &last, &d);
        if (!rc && !last)
            printf("no local norm snapshot yet\n");
    }
    if (rc) {
        qs_cli_diag(&d);
        status = qs_exit_status_for(rc);
    }
    qs_store_close(st);
    qs_store_unlock(lockfd);
    qs_config_free(cfg);
    return status;
}
