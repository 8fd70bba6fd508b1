/* cmd_run.c - `qscore run`: the nightly job over a clinic config. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"

const char cmd_run_usage[] =
    "usage: qscore run -c CLINIC.yaml [--dry-run] [--retry] [--rescore]\n"
    "\n"
    "The nightly job: score every export file of the config's sources that the store has not\n"
    "seen, and keep the history in the store (SQLite, default qscore.db beside the config).\n"
    "Each source decides on its own whether it has processed a file: a file is skipped when\n"
    "the source processed the same content at that path last time (or at another path: a\n"
    "copy); a path whose content changed is processed again. A cumulative export adds only its\n"
    "new rows; an edited response becomes a new version, the old one is kept. Rows that cannot\n"
    "be scored stay in the store's quarantine until a fix lets them through: when a source's\n"
    "instrument, mapping, profile or qscore version changes, its files with quarantined rows\n"
    "are processed again. A file where every row fails for one reason (a date form, a column,\n"
    "a label the mapping lacks) is not ingested: one message says the fix, and the next run\n"
    "tries again. Rows that answer none of the source's items (another questionnaire of a\n"
    "bundled export) are counted as not administered. Each file is one transaction: a killed\n"
    "run can simply be run again. Only one run per store at a time.\n"
    "\n"
    "  -c, --config FILE   the clinic config (examples/clinic.yaml documents it)\n"
    "      --dry-run       show what would be ingested; write nothing\n"
    "      --retry         also process again every file with rows still quarantined\n"
    "      --rescore       recompute every stored administration's scores, flags and change\n"
    "                      from its stored answers (done anyway, for the ones concerned,\n"
    "                      when an instrument definition, the norm chosen or the clinic's\n"
    "                      overrides change)\n"
    "\n"
    "After ingesting, the therapist workbooks are written to OUTPUT/reports (as with\n"
    "'qscore report'), still under the store's lock; their paths are printed on stdout.\n"
    "\n"
    "Events go to OUTPUT/qscore.log and to stderr, one key=value line each (ids and counts\n"
    "only); rows quarantined by run N are listed in OUTPUT/quarantine-runN.csv ('qscore\n"
    "quarantine' lists every open one). A progress line is shown only when stderr is a\n"
    "terminal.\n"
    "\n"
    "Exit status: 0 all done; 1 some rows were quarantined; 2 config, instrument or mapping\n"
    "error, or a file could not be ingested; 3 I/O error; 4 another run holds the store;\n"
    "5 the store cannot be used (not a qscore store, newer schema, database error).\n";

struct cli_ctx {
    int tty;
};

static void log_line(void *ctx, const char *line)
{
    struct cli_ctx *c = ctx;
    if (c->tty)
        fputs("\r\033[K", stderr);
    fprintf(stderr, "qscore: %s\n", line);
}

static void progress(void *ctx, unsigned long done, unsigned long total, const char *path)
{
    struct cli_ctx *c = ctx;
    if (!c->tty)
        return;
    const char *base = strrchr(path, '/');
    fprintf(stderr, "\r\033[K[%lu/%lu] %.60s", done, total, base ? base + 1 : path);
    fflush(stderr);
}

/* Tests only: QSCORE_TEST_REPORTS_PAUSE=SECONDS sleeps (at most 30 s) before the workbooks are
 * written, the lock held, so tests/e2e/hostile.sh can start a second run or a report then. */
static void test_pause_before_reports(void)
{
    const char *s = getenv("QSCORE_TEST_REPORTS_PAUSE");
    if (!s || !*s)
        return;
    char *end;
    long v = strtol(s, &end, 10);
    if (*end == '\0' && v > 0 && v <= 30)
        sleep((unsigned)v);
}

int cmd_run(int argc, char **argv)
{
    int dry_run = 0, retry = 0;
    const char *path = qs_cli_config_options(argc, argv, "run", &dry_run, &retry, NULL, NULL);
    if (!path)
        return QS_EXIT_INVALID;
    qs_config *cfg = NULL;
    int status = qs_cli_load_config(&cfg, path);
    if (status)
        return status;

    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
    /* Tests only: the run's time (it becomes the workbooks' "made" date and days since), so
     * expected workbooks do not change with the day the suite runs. */
    const char *fixed = getenv("QSCORE_TEST_NOW");
    if (fixed && strlen(fixed) == 20 && fixed[4] == '-' && fixed[10] == 'T' && fixed[19] == 'Z')
        snprintf(now, sizeof(now), "%s", fixed);

    qs_run_opts opts;
    memset(&opts, 0, sizeof(opts));
    opts.dry_run = dry_run;
    opts.retry = (retry & QS_CLI_RETRY) != 0;
    opts.rescore = (retry & QS_CLI_RESCORE) != 0;
    opts.now = now;
    opts.keep_lock = 1; /* the workbooks are written under the run's lock (see below) */
    struct cli_ctx ctx = {isatty(STDERR_FILENO)};
    qs_run_counts counts;
    qs_diag_list errors;
    qs_diag_list_init(&errors);
    qs_error rc = qs_run_execute(cfg, &opts, log_line, progress, &ctx, &counts, &errors);
    if (ctx.tty)
        fputs("\r\033[K", stderr);
    for (size_t i = 0; i < errors.count; i++)
        qs_cli_diag(&errors.items[i]);
    if (errors.dropped)
        qs_cli_error("%zu more problems not shown", errors.dropped);
    qs_diag_list_release(&errors);
    const char *crash = getenv("QSCORE_TEST_CRASH_AT");
    if (crash && strcmp(crash, "count") == 0)
        qs_cli_error("crash points passed: %ld", opts.crash_points);
    if (rc == QS_OK && counts.rows_quarantined)
        status = QS_EXIT_DATA;
    else
        status = rc == QS_EDATA ? QS_EXIT_INVALID : qs_exit_status_for(rc);
    char rescored[96] = "";
    if (counts.rescored)
        snprintf(rescored, sizeof(rescored), "; %lu administrations recomputed", counts.rescored);
    if (rc != QS_ELOCKED)
        qs_cli_error("%s%lu files seen, %lu ingested, %lu skipped, %lu failed; %lu new, %lu "
                     "changed, %lu unchanged administrations; %lu rows quarantined%s%s; %lu "
                     "earlier quarantined rows resolved; %lu rows not administered%s",
                     dry_run ? "dry run: " : "", counts.files_seen, counts.files_ingested,
                     counts.files_skipped, counts.files_failed, counts.admins_new,
                     counts.admins_changed, counts.admins_unchanged, counts.rows_quarantined,
                     opts.quarantine_path[0] ? " to " : "", opts.quarantine_path,
                     counts.rows_resolved, counts.rows_not_administered, rescored);
    /* The workbooks follow the store: refresh them after a run that could open it, still
     * holding its lock, so no other run changes the store (and no `qscore report` renames an
     * older copy over ours) until they are written. A run that stopped before taking the lock
     * takes it now, without waiting. */
    int lockfd = opts.lock_fd;
    if (!dry_run && rc != QS_ELOCKED && rc != QS_ESTORE) {
        int rs = lockfd < 0 ? qs_cli_lock_store(cfg, 0, &lockfd) : QS_EXIT_OK;
        if (!rs) {
            qs_report_opts ropts;
            memset(&ropts, 0, sizeof(ropts));
            test_pause_before_reports();
            rs = qs_cli_write_reports(cfg, &ropts);
        }
        if (rs > status)
            status = rs;
    }
    qs_store_unlock(lockfd);
    qs_config_free(cfg);
    return status;
}
