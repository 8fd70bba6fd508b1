/* test_report.c - workbook file names from therapist and group names: safe and bounded; and
 * workbooks built from a real store, which must fail loudly when the store cannot be read. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "qscore/report.h"
#include "qscore/run.h"

static void stem_is(const char *name, const char *want)
{
    char out[256];
    qs_report_file_stem(out, sizeof(out), "therapist", name);
    assert_string_equal(out, want);
}

static void test_plain_names_are_kept(void **state)
{
    (void)state;
    stem_is("T-A", "therapist-T-A");
    stem_is("Dr_Grey.2", "therapist-Dr_Grey.2");
}

static void test_path_separators_and_dot_dot_never_survive(void **state)
{
    (void)state;
    stem_is("../../etc/T-B", "therapist-etc_T-B");
    stem_is("a\\b:c*d?e\"f<g>h|i", "therapist-a_b_c_d_e_f_g_h_i");
    stem_is("..", "therapist-unnamed");
    stem_is(".hidden", "therapist-hidden");
    stem_is("x..y", "therapist-x_y");
}

static void test_control_characters_and_blanks_become_one_underscore(void **state)
{
    (void)state;
    stem_is("a\tb\nc  d", "therapist-a_b_c_d");
    stem_is("  padded  ", "therapist-padded");
    stem_is("", "therapist-unnamed");
    stem_is(NULL, "therapist-unnamed");
}

static void test_names_are_ascii_bidi_controls_removed_and_length_is_bounded(void **state)
{
    (void)state;
    stem_is("Zoë Ann", "therapist-Zo_Ann");
    stem_is("治疗师", "therapist-unnamed");
    stem_is("T-\xe2\x80\xae"
            "A",
            "therapist-T-A"); /* U+202E right-to-left override */
    stem_is("T-\xe2\x81\xa6"
            "B\xe2\x81\xa9",
            "therapist-T-B"); /* U+2066 .. U+2069 isolate */
    char longname[400];
    for (int i = 0; i < 100; i++)
        memcpy(longname + 3 * i, "ab\xc3", 3);
    for (int i = 0; i < 100; i++)
        longname[3 * i + 2] = 'c';
    longname[300] = '\0';
    char out[256];
    qs_report_file_stem(out, sizeof(out), "group", longname);
    size_t n = strlen(out);
    assert_true(n <= strlen("group-") + 60);
    for (size_t i = 0; i < n; i++) {
        char c = out[i];
        assert_true((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.');
    }
}

/* ---- a store to build workbooks from ---------------------------------------------------- */

static char workdir[256];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

/* A clinic folder with one export of two therapists' clients, run once into its store. */
static int setup_store(void **state)
{
    const char *base = getenv("TMPDIR");
    char dir[300];
    qs_config *cfg = NULL;
    qs_diag_list e;
    snprintf(workdir, sizeof(workdir), "%s/qs-report-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(workdir))
        return -1;
    snprintf(dir, sizeof(dir), "%s/drop", workdir);
    if (mkdir(dir, 0700) != 0)
        return -1;
    char clinic[1024];
    snprintf(clinic, sizeof(clinic),
             "store: qscore.db\noutput: out\nsources:\n  - id: t\n    files: \"drop/*.csv\"\n"
             "    instrument: %s/e2e/run/instrument.yaml\n    mapping: mapping.yaml\n"
             "norms:\n  e2e: pop\n",
             QS_TEST_DATA);
    write_file(workdir, "clinic.yaml", clinic);
    write_file(workdir, "mapping.yaml",
               "response_id: rid\nclient_id: client\nadministered: date\ntherapist: therapist\n");
    write_file(dir, "export-1.csv",
               "rid,client,date,Q1,Q2,Q3,Q4,Q5,Q6,therapist\n"
               "R1,C1,2026-01-05,4,2,4,3,3,3,T-A\n"
               "R2,C1,2026-02-05,3,4,3,2,2,2,T-A\n"
               "R3,C2,2026-01-06,3,3,4,4,4,4,T-B\n");
    char path[512];
    snprintf(path, sizeof(path), "%s/clinic.yaml", workdir);
    qs_diag_list_init(&e);
    if (qs_config_load(&cfg, path, &e) != QS_OK)
        return -1;
    qs_run_opts opts;
    qs_run_counts counts;
    memset(&opts, 0, sizeof(opts));
    opts.now = "2026-03-01T00:00:00Z";
    qs_error rc = qs_run_execute(cfg, &opts, NULL, NULL, NULL, &counts, &e);
    qs_diag_list_release(&e);
    if (rc != QS_OK || counts.admins_new != 3) {
        qs_config_free(cfg);
        return -1;
    }
    *state = cfg;
    return 0;
}

static int teardown_store(void **state)
{
    qs_config_free(*state);
    return nftw(workdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void sql(const qs_config *cfg, const char *text)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(cfg->store, &db), SQLITE_OK);
    char *err = NULL;
    int r = sqlite3_exec(db, text, NULL, NULL, &err);
    if (r != SQLITE_OK)
        fail_msg("%s: %s", text, err);
    sqlite3_close(db);
}

static void count_written(void *ctx, const char *path)
{
    (void)path;
    (*(int *)ctx)++;
}

/* Write the workbooks into OUT (a fresh folder under the work folder); the number written. */
static qs_error write_all(const qs_config *cfg, const char *out, int *written, qs_diag_list *e)
{
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/%s", workdir, out);
    qs_report_opts opts;
    memset(&opts, 0, sizeof(opts));
    opts.out_dir = dir;
    *written = 0;
    qs_diag_list_init(e);
    return qs_report_write_all(cfg, &opts, count_written, written, e);
}

/* A table replaced by a view whose rows fail while being read (an integer overflow in step):
 * the query prepares, and fails only in sqlite3_step. */
static void test_a_store_read_error_fails_the_report_and_writes_nothing(void **state)
{
    const qs_config *cfg = *state;
#define BOOM "abs(-9223372036854775808)"
    static const struct {
        const char *table, *view, *message;
    } broken[] = {
        {"changes",
         "SELECT client, instrument, score, n, baseline_admin, previous_admin, latest_admin,"
         " baseline, previous, latest, " BOOM " AS change_baseline, change_previous,"
         " rci_baseline, rci_previous, class_baseline, class_previous, clinical, cutoff, note,"
         " sd, reliability, reliability_kind, sd_source, reliability_source,"
         " reliability_min_pair_n FROM kept",
         "store: cannot read change: integer overflow"},
        /* count(*) reads no column, so this fails in the loop over the files */
        {"files",
         "SELECT id, " BOOM " AS sha256, path, size, mtime, source, instrument, run, rows,"
         " scored, quarantined, mtime_ns, inode, ctime_ns, fingerprint, not_administered, origin"
         " FROM kept",
         "store: cannot read files: integer overflow"},
        {"runs",
         "SELECT id, " BOOM " AS started, ended, status, tool_version, files_seen,"
         " files_ingested, files_skipped, files_failed, rows_read, admins_new, admins_changed,"
         " admins_unchanged, rows_quarantined, flags_raised, quarantine_pending,"
         " rows_not_administered, rows_resolved FROM kept",
         "store: cannot read runs: integer overflow"},
    };
#undef BOOM
    int written;
    qs_diag_list e;
    assert_int_equal(write_all(cfg, "whole", &written, &e), QS_OK);
    assert_int_equal(written, 2);
    qs_diag_list_release(&e);
    for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
        char text[1024], out[32];
        /* The triggers let the store's prepared writes prepare over the view. */
        snprintf(text, sizeof(text),
                 "ALTER TABLE %s RENAME TO kept; CREATE VIEW %s AS %s;"
                 "CREATE TRIGGER ins INSTEAD OF INSERT ON %s BEGIN SELECT 1; END;"
                 "CREATE TRIGGER upd INSTEAD OF UPDATE ON %s BEGIN SELECT 1; END;",
                 broken[i].table, broken[i].table, broken[i].view, broken[i].table,
                 broken[i].table);
        sql(cfg, text);
        snprintf(out, sizeof(out), "broken-%zu", i);
        assert_int_equal(write_all(cfg, out, &written, &e), QS_ESTORE);
        assert_int_equal(written, 0);
        assert_int_equal(e.count, 1);
        assert_string_equal(e.items[0].message, broken[i].message);
        qs_diag_list_release(&e);
        snprintf(text, sizeof(text), "DROP VIEW %s; ALTER TABLE kept RENAME TO %s;",
                 broken[i].table, broken[i].table);
        sql(cfg, text);
    }
    assert_int_equal(write_all(cfg, "again", &written, &e), QS_OK);
    assert_int_equal(written, 2);
    qs_diag_list_release(&e);
}

/* The text cells of workbook OUT/NAME.xlsx, one per line (python3 unzips it), into buf;
 * 0 when python3 cannot read it. */
static int workbook_strings(const char *out, const char *name, char *buf, size_t size)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "python3 -c 'import html, re, sys, zipfile;"
             " s = zipfile.ZipFile(sys.argv[1]).read(\"xl/sharedStrings.xml\").decode();"
             " print(\"\\n\".join(html.unescape(x) for x in re.findall(\"<t[^>]*>(.*?)</t>\","
             " s, re.S)))' '%s/%s/%s.xlsx' 2>/dev/null",
             workdir, out, name);
    FILE *fp = popen(cmd, "r");
    if (!fp)
        return 0;
    size_t n = fread(buf, 1, size - 1, fp);
    buf[n] = '\0';
    return pclose(fp) == 0 && n > 0;
}

/* Labels follow the values: a T score computed with a norm is labelled with that norm (as the
 * instrument's definition names it), never with the one today's config chooses; a norm id the
 * definition no longer has is said to be so; the versions are the stored ones. */
static void test_about_names_the_norm_and_version_the_values_were_computed_with(void **state)
{
    const qs_config *cfg = *state;
    static char a[65536], b[65536];
    int written;
    qs_diag_list e;
    /* C1's latest administration (therapist T-A) was scored with a norm since removed, by an
     * older version of the instrument; C2's (T-B) with today's "pop". */
    sql(cfg, "UPDATE administrations SET norm = 'old-pop', instrument_version = '0.9'"
             " WHERE response_id = 'R2'");
    assert_int_equal(write_all(cfg, "labels", &written, &e), QS_OK);
    assert_int_equal(written, 2);
    qs_diag_list_release(&e);
    sql(cfg, "UPDATE administrations SET norm = 'pop', instrument_version = '1'"
             " WHERE response_id = 'R2'");
    if (!workbook_strings("labels", "therapist-T-A", a, sizeof(a)) ||
        !workbook_strings("labels", "therapist-T-B", b, sizeof(b)))
        skip(); /* python3 cannot unzip the workbooks here */
    assert_non_null(strstr(a, "\n'old-pop' (no longer in the instrument's definition)\n"));
    assert_null(strstr(a, "Synthetic population"));
    assert_non_null(strstr(a, "\n0.9, 1 (the definition is now 1)\n"));
    assert_non_null(strstr(b, "\nSynthetic population (pop, "));
    assert_null(strstr(b, "old-pop"));
    assert_non_null(strstr(b, "\n1\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_names_are_kept),
        cmocka_unit_test(test_path_separators_and_dot_dot_never_survive),
        cmocka_unit_test(test_control_characters_and_blanks_become_one_underscore),
        cmocka_unit_test(test_names_are_ascii_bidi_controls_removed_and_length_is_bounded),
    };
    const struct CMUnitTest store_tests[] = {
        cmocka_unit_test(test_a_store_read_error_fails_the_report_and_writes_nothing),
        cmocka_unit_test(test_about_names_the_norm_and_version_the_values_were_computed_with),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    return failed + cmocka_run_group_tests(store_tests, setup_store, teardown_store);
}
