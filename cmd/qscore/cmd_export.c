/* cmd_export.c - `qscore export`, `qscore merge` and `qscore keygen`: research cohorts. */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

const char cmd_export_usage[] =
    "usage: qscore export -c CLINIC.yaml -o DIR [--instrument ID] [--since DATE] [--until DATE]\n"
    "                     [--items]\n"
    "\n"
    "Write an anonymized research cohort from the store into DIR (docs/export.md): scores.csv,\n"
    "flags.csv, items.csv (with --items), a Hive-style copy scores/instrument=ID/site=SITE/,\n"
    "aggregates.csv (cells with n < k suppressed, complementary cells too), reliability.csv\n"
    "(Cronbach's alpha, Feldt 95% CI, item-rest r, alpha if deleted), stats.csv (what\n"
    "`qscore merge` pools), README.txt (data dictionary) and manifest.json (settings, key\n"
    "fingerprint, row counts, SHA-256 of every file).\n"
    "\n"
    "Clients and groups become keyed pseudonyms (HMAC-SHA-256 with the key file the config's\n"
    "export.key_file names; create it with `qscore keygen`). Dates become days since the\n"
    "client's baseline; ids, names, therapists and free text never leave. An export refuses a\n"
    "config that could identify clients (k below 5, a covariate that looks like an identifier)\n"
    "unless export.override gives the reason, which the manifest records.\n"
    "\n"
    "  -c, --config FILE     the clinic config\n"
    "  -o, --output DIR      a new (or empty) folder; an export never overwrites another\n"
    "      --instrument ID   only this instrument\n"
    "      --since DATE      only administrations on or after DATE (YYYY-MM-DD)\n"
    "      --until DATE      only administrations on or before DATE (YYYY-MM-DD)\n"
    "      --items           also write items.csv (item-level answers)\n";

const char cmd_merge_usage[] =
    "usage: qscore merge -o DIR [--k N] EXPORT_DIR...\n"
    "\n"
    "Combine exports of several sites into one cohort in DIR: the long files concatenated,\n"
    "aggregates.csv and reliability.csv recomputed from the exports' sufficient statistics\n"
    "(stats.csv), exactly as from the pooled data, with small cells suppressed again.\n"
    "Refuses exports of different instrument versions, columns or layouts, and two exports\n"
    "with the same site label.\n"
    "\n"
    "  -o, --output DIR  a new (or empty) folder\n"
    "      --k N         suppression threshold (default: the largest k of the exports)\n";

const char cmd_keygen_usage[] =
    "usage: qscore keygen -c CLINIC.yaml\n"
    "\n"
    "Create the site key that pseudonymizes research exports, at the config's export.key_file\n"
    "(default keys/export.key beside the config), mode 0600. An existing key is never\n"
    "overwritten: exports made with a new key cannot be linked to earlier ones. Keep a copy of\n"
    "the key somewhere safe and never send it with an export. Prints the key's fingerprint.\n";

static int export_args(int argc, char **argv, const char **config, qs_export_opts *o)
{
    enum { OPT_INSTRUMENT = 256, OPT_SINCE, OPT_UNTIL, OPT_ITEMS };
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"output", required_argument, NULL, 'o'},
        {"instrument", required_argument, NULL, OPT_INSTRUMENT},
        {"since", required_argument, NULL, OPT_SINCE},
        {"until", required_argument, NULL, OPT_UNTIL},
        {"items", no_argument, NULL, OPT_ITEMS},
        {NULL, 0, NULL, 0}};
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":c:o:", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            *config = optarg;
            break;
        case 'o':
            o->out_dir = optarg;
            break;
        case OPT_INSTRUMENT:
            o->instrument = optarg;
            break;
        case OPT_SINCE:
        case OPT_UNTIL: {
            char iso[64];
            if (!qs_parse_date(optarg, NULL, iso, sizeof(iso)) || strlen(optarg) != 10) {
                qs_cli_error("--%s takes a date YYYY-MM-DD, not '%s'",
                             c == OPT_SINCE ? "since" : "until", optarg);
                return QS_EXIT_INVALID;
            }
            *(c == OPT_SINCE ? &o->since : &o->until) = optarg;
            break;
        }
        case OPT_ITEMS:
            o->items = 1;
            break;
        case ':':
            qs_cli_error("option '%s' needs a value (see 'qscore help export')", argv[optind - 1]);
            return QS_EXIT_INVALID;
        default:
            qs_cli_error("unknown option '%s' (see 'qscore help export')", argv[optind - 1]);
            return QS_EXIT_INVALID;
        }
    }
    if (optind < argc) {
        qs_cli_error("unexpected argument '%s' (see 'qscore help export')", argv[optind]);
        return QS_EXIT_INVALID;
    }
    if (!*config || !o->out_dir) {
        qs_cli_error("export needs a clinic config and a folder: -c CLINIC.yaml -o DIR");
        return QS_EXIT_INVALID;
    }
    return QS_EXIT_OK;
}

static int print_errors(qs_diag_list *errors)
{
    for (size_t i = 0; i < errors->count; i++)
        qs_cli_diag(&errors->items[i]);
    if (errors->dropped)
        qs_cli_error("... and %lu more problems", (unsigned long)errors->dropped);
    qs_diag_list_release(errors);
    return 0;
}

int cmd_export(int argc, char **argv)
{
    qs_export_opts o;
    const char *config = NULL;
    memset(&o, 0, sizeof(o));
    int status = export_args(argc, argv, &config, &o);
    if (status)
        return status;
    qs_config *cfg;
    status = qs_cli_load_config(&cfg, config);
    if (status)
        return status;
    qs_diag_list errors;
    qs_export_counts n;
    qs_diag_list_init(&errors);
    qs_error rc = qs_export_write(cfg, &o, &n, &errors);
    if (!rc && cfg->export_.override && errors.count)
        qs_cli_error("export.override accepted these settings (recorded in the manifest):");
    print_errors(&errors);
    if (rc)
        qs_cli_error("export failed: nothing was written");
    if (!rc)
        printf("exported %lu clients, %lu administrations to %s: %lu score rows, %lu flag rows, "
               "%lu item rows, %lu aggregate cells (%lu suppressed); key fingerprint %s\n",
               n.clients, n.administrations, o.out_dir, n.score_rows, n.flag_rows, n.item_rows,
               n.cells, n.cells_suppressed, n.fingerprint);
    qs_config_free(cfg);
    return rc ? qs_exit_status_for(rc) : QS_EXIT_OK;
}

int cmd_merge(int argc, char **argv)
{
    static const struct option longopts[] = {{"output", required_argument, NULL, 'o'},
                                             {"k", required_argument, NULL, 'k'},
                                             {NULL, 0, NULL, 0}};
    const char *out = NULL;
    long k = 0;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'k': {
            char *end;
            k = strtol(optarg, &end, 10);
            if (*end || k < 1 || k > 1000000) {
                qs_cli_error("--k takes a whole number from 1, not '%s'", optarg);
                return QS_EXIT_INVALID;
            }
            break;
        }
        case ':':
            qs_cli_error("option '%s' needs a value (see 'qscore help merge')", argv[optind - 1]);
            return QS_EXIT_INVALID;
        default:
            qs_cli_error("unknown option '%s' (see 'qscore help merge')", argv[optind - 1]);
            return QS_EXIT_INVALID;
        }
    }
    if (!out || optind >= argc) {
        qs_cli_error("merge needs a folder and exports: -o DIR EXPORT_DIR...");
        return QS_EXIT_INVALID;
    }
    qs_diag_list errors;
    qs_merge_counts n;
    qs_diag_list_init(&errors);
    qs_error rc = qs_export_merge(out, (const char *const *)argv + optind, (size_t)(argc - optind),
                                  k, &n, &errors);
    print_errors(&errors);
    if (!rc)
        printf("merged %lu exports into %s: %lu score rows, %lu flag rows, %lu item rows, %lu "
               "aggregate cells (%lu suppressed)\n",
               n.exports, out, n.score_rows, n.flag_rows, n.item_rows, n.cells, n.cells_suppressed);
    return rc ? qs_exit_status_for(rc) : QS_EXIT_OK;
}

int cmd_keygen(int argc, char **argv)
{
    const char *config = qs_cli_config_option(argc, argv, "keygen", NULL);
    if (!config)
        return QS_EXIT_INVALID;
    qs_config *cfg;
    int status = qs_cli_load_config(&cfg, config);
    if (status)
        return status;
    qs_diag d;
    int created = 0;
    unsigned char key[QS_KEY_BYTES];
    char fp[QS_FINGERPRINT_LEN + 1];
    qs_diag_clear(&d);
    qs_error rc = qs_key_generate(cfg->export_.key_file, &created, &d);
    if (!rc)
        rc = qs_key_load(cfg->export_.key_file, key, &d);
    if (rc) {
        qs_cli_diag(&d);
    } else {
        qs_key_fingerprint(key, fp);
        sodium_memzero(key, sizeof(key));
        printf(created ? "created %s (fingerprint %s)\n"
                       : "%s exists: kept, never overwritten (fingerprint %s)\n",
               cfg->export_.key_file, fp);
    }
    qs_config_free(cfg);
    return rc ? qs_exit_status_for(rc) : QS_EXIT_OK;
}
