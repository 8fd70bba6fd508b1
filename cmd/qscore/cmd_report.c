/* cmd_report.c - `qscore report`: therapist workbooks from the store alone. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "qscore/atomic.h"

const char cmd_report_usage[] =
    "usage: qscore report -c CLINIC.yaml [--therapist NAME] [--group NAME] [--since DATE]\n"
    "                     [-o DIR]\n"
    "\n"
    "Write the therapist workbooks (XLSX) from the store: one per therapist, or per group when\n"
    "the config says reports.group_by: group. Sheets: Summary (one row per client, those needing\n"
    "attention first, then the overdue), Flags (new, continuing, cleared), Trends, Groups, Items,\n"
    "About. `qscore run` writes them too, after ingesting. Settings: reports.sections,\n"
    "overdue_days, max_charts, paper (README, \"Therapist workbooks\").\n"
    "\n"
    "  -c, --config FILE     the clinic config\n"
    "      --therapist NAME  only this therapist's workbook\n"
    "      --group NAME      only this group's workbook (with group_by: group)\n"
    "      --since DATE      only administrations on or after DATE (YYYY-MM-DD)\n"
    "  -o, --output DIR      where to write (default: OUTPUT/reports)\n"
    "\n"
    "File names come from the therapist or group name, sanitised; files are written to a\n"
    "temporary name and renamed, mode 0600. Paths written are printed on stdout.\n"
    "The workbooks are written under the store's lock: while a run holds it, report waits\n"
    "(up to QSCORE_LOCK_WAIT seconds, default 60) and then exits 4; a run started while a\n"
    "report writes exits 4.\n"
    "Flags are screening aids for a clinician, never diagnoses.\n";

int cmd_report(int argc, char **argv)
{
    enum { OPT_THERAPIST = 256, OPT_GROUP, OPT_SINCE };
    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
                                             {"output", required_argument, NULL, 'o'},
                                             {"therapist", required_argument, NULL, OPT_THERAPIST},
                                             {"group", required_argument, NULL, OPT_GROUP},
                                             {"since", required_argument, NULL, OPT_SINCE},
                                             {NULL, 0, NULL, 0}};
    qs_report_opts opts;
    const char *config = NULL;
    int c;
    memset(&opts, 0, sizeof(opts));
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":c:o:", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 'o':
            opts.out_dir = optarg;
            break;
        case OPT_THERAPIST:
            opts.therapist = optarg;
            break;
        case OPT_GROUP:
            opts.group = optarg;
            break;
        case OPT_SINCE: {
            char iso[64];
            if (!qs_parse_date(optarg, NULL, iso, sizeof(iso))) {
                qs_cli_error("--since takes a date YYYY-MM-DD, not '%s'", optarg);
                return QS_EXIT_INVALID;
            }
            opts.since = optarg;
            break;
        }
        case ':':
            qs_cli_error("option '%s' needs a value (see 'qscore help report')", argv[optind - 1]);
            return QS_EXIT_INVALID;
        default:
            qs_cli_error("unknown option '%s' (see 'qscore help report')", argv[optind - 1]);
            return QS_EXIT_INVALID;
        }
    }
    if (optind < argc) {
        qs_cli_error("unexpected argument '%s' (see 'qscore help report')", argv[optind]);
        return QS_EXIT_INVALID;
    }
    if (!config) {
        qs_cli_error("report needs a clinic config: -c CLINIC.yaml");
        return QS_EXIT_INVALID;
    }
    qs_config *cfg;
    int status = qs_cli_load_config(&cfg, config);
    if (status)
        return status;
    if (opts.group && cfg->group_by != QS_GROUP_BY_GROUP)
        qs_cli_error("--group selects nothing: the config groups reports by therapist");
    if (opts.therapist && cfg->group_by != QS_GROUP_BY_THERAPIST)
        qs_cli_error("--therapist selects nothing: the config groups reports by group");
    /* Under the store's writer lock, so a report never renames an older copy over the
     * workbook of a run that finished meanwhile. Without a store there is nothing to lock
     * (and no folder for the lock file): the report says so itself. */
    int lockfd = -1;
    if (access(cfg->store, F_OK) == 0 || errno != ENOENT)
        status = qs_cli_lock_store(cfg, 1, &lockfd);
    /* A report killed while writing into -o DIR left its temporaries there (`qscore run`
     * sweeps OUTPUT/reports itself). */
    if (!status && opts.out_dir)
        qs_atomic_sweep(opts.out_dir, NULL, time(NULL));
    if (!status)
        status = qs_cli_write_reports(cfg, &opts);
    qs_store_unlock(lockfd);
    qs_config_free(cfg);
    return status;
}
