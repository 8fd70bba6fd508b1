/* test_workbook.c - the therapist workbook: written atomically, byte-identical twice, and read
 * back by tests/workbook/check_workbook.py (openpyxl) for layout, values and literal strings. */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "qscore/report.h"
#include "qscore/score.h"

#define M QS_MISSING

/* Two synthetic instruments: syn-a (6 items, 1..5, items 2 and 4 reversed, a norm) and syn-b
 * (4 items, 0..3, item 3 reversed, no norm). Every name and sentence is made up. */
static const char DEF_A[] =
    "id: syn-a\nname: Synthetic A\nversion: '1'\ncitation: synthetic citation A\n"
    "scale: {min: 1, max: 5}\n"
    "items:\n"
    "  - {id: 1}\n  - {id: 2, reverse: true}\n  - {id: 3}\n  - {id: 4, reverse: true}\n"
    "  - {id: 5}\n  - {id: 6}\n"
    "scores:\n"
    "  - {id: A, name: Alpha, items: [1, 2, 3], method: mean, higher_means: a,"
    " better: higher}\n"
    "  - {id: B, name: Beta, items: [4, 5, 6], method: mean, higher_means: b, better: higher}\n"
    "norms:\n"
    "  - {id: pop, name: Population P, source: synthetic source p. 1, scores:"
    " {A: {mean: 3, sd: 0.5}}}\n"
    "flags:\n"
    "  - {id: f1, label: Low alpha, severity: high, rule: 'A <= 2', because: alpha is low,"
    " cutoff: A <= 2 on the 1-5 scale, local_default: true}\n"
    "  - {id: f2, label: Beta and alpha, severity: medium, rule: 'A <= 2 and B <= 2',"
    " because: both low, cutoff: A and B <= 2, local_default: false}\n";

static const char DEF_B[] =
    "id: syn-b\nname: Synthetic B\nversion: '2'\ncitation: synthetic citation B\n"
    "scale: {min: 0, max: 3}\n"
    "items:\n"
    "  - {id: 1}\n  - {id: 2}\n  - {id: 3, reverse: true}\n  - {id: 4}\n"
    "scores:\n"
    "  - {id: S, name: Sigma, items: [1, 2, 3, 4], method: sum, higher_means: s,"
    " better: lower}\n"
    "flags:\n"
    "  - {id: fs, label: High sigma, severity: medium, rule: 'S >= 9', because: sigma is high,"
    " cutoff: S >= 9, local_default: true}\n";

#define INJECT_CLIENT "=HYPERLINK(\"http://x\",\"y\")"
#define ACCENTED      "C004 Zo\xC3\xAB \xC3\x85ngstr\xC3\xB6m"
#define CJK_GROUP     "\xE5\xB0\x8F\xE7\xBB\x84\xE4\xB8\x80"             /* 小组一 */
#define RTL_GROUP     "\xD9\x85\xD8\xAC\xD9\x85\xD9\x88\xD8\xB9\xD8\xA9" /* مجموعة */

/* The builder's notes (report_build.c). */
#define NOTE_UNUSABLE_RUNS                                                                         \
    "The latest form is not usable, so the change runs from the first to the last usable form"
#define NOTE_UNUSABLE_NONE                                                                         \
    "The latest form is not usable and no two usable forms remain: no change shown"
#define NOTE_ONE_FORM "Only one usable form so far: no change shown"
#define NOTE_NO_RELIABILITY                                                                        \
    "No published reliability for this score: change shown without a reliable-change test"

static qs_instrument *inst_a, *inst_b;
static qs_rep_instrument rep_insts[2];
static qs_rep_row rows[7];
static qs_rep_client clients[6], sectioned[6];
static qs_report report;
static char workdir[256];

/* syn-a: reference line for A only. */
static const double ref_a[] = {2.0, NAN};
static const char *const ref_label_a[] = {"Low alpha cutoff (local default)", NULL};
static const double ref_b[] = {NAN};
/* What computed the values shown: syn-a version 1 with norm pop, syn-b version 2 without. */
static const char *const versions_a[] = {"1"}, *const norms_a[] = {"pop"};
static const char *const versions_b[] = {"2"};
static const char *const ref_label_b[] = {NULL};

/* Per score of syn-a (A, B) and syn-b (S): which scores a raised flag of the form uses. */
static const unsigned char on_a[] = {1, 0}, on_ab[] = {1, 1}, off_a[] = {0, 0};
static const unsigned char on_s[] = {1}, off_s[] = {0};

/*
 * The report as the builder gives it for "made" 15 Apr 2026, overdue at 45 days. Clients in
 * Summary order: attention ("+1-2": its latest form is careless; the formula-looking client: a
 * new flag, also overdue at exactly 45 days; C001: a continuing flag and a reliable
 * deterioration), then overdue (C005: 64 days), then the rest (the accented client, undated;
 * C006: 14 days). Rows are in client order, one per client and instrument.
 */

/* Row 0: "+1-2", syn-a, 3 forms, the latest careless (not usable), B insufficient on it: A's
 * change runs between the two usable forms (4.0 to 4.5), B has one usable value (no change). */
static const double c3_v0[] = {4.0, 4.0}, c3_v1[] = {4.5, NAN}, c3_v2[] = {4.0, NAN};
static const qs_rep_point c3_hist[] = {
    {"2026-01-12", c3_v0, 0, "1", "pop", 1, NULL, RTL_GROUP, off_a},
    {"2026-02-09", c3_v1, 0, "1", "pop", 1, NULL, RTL_GROUP, off_a},
    {"2026-03-09", c3_v2, 1, "1", "pop", 0, "same answer to 6 items in a row", RTL_GROUP, off_a}};
static const double c3_t[] = {70.0, NAN}, c3_chg[] = {0.5, NAN};
static const char *const c3_rci[] = {"no_reliable_change", NULL};
static const char *const c3_note[] = {NOTE_UNUSABLE_RUNS, NOTE_UNUSABLE_NONE};
static const qs_rep_flag c3_flags[] = {{"careless", "Careless responding", 1, "raised",
                                        "longstring=6", "the answers look careless", "2026-03-09",
                                        1, 1, "2026-03-09", "same answer to 6 items in a row"}};
static const int c3_answers[] = {4, 4, 4, 4, 4, 4};

/* Row 1: the formula-looking client, syn-b, one form raising a new flag. */
static const double c2_v0[] = {10.0};
static const qs_rep_point c2_hist[] = {
    {"2026-03-01", c2_v0, 1, "2", NULL, 1, NULL, CJK_GROUP, on_s}};
static const double c2_t[] = {NAN}, c2_chg[] = {NAN};
static const char *const c2_rci[] = {NULL};
static const char *const c2_note[] = {NOTE_ONE_FORM};
static const qs_rep_flag c2_flags[] = {{"fs", "High sigma", 1, "raised", "S=10", "sigma is high",
                                        "2026-03-01", 0, 1, "2026-03-01",
                                        "Sigma 10 (cutoff \xE2\x89\xA5 9, clinic default)"}};
static const int c2_answers[] = {3, 3, 0, 1};

/* Row 2: C001, syn-a, 3 forms; f1 raised by the last two (continuing since 2 Feb), f2 not
 * evaluable; A reliably deteriorated. */
static const double c1_v0[] = {3.0, 3.5}, c1_v1[] = {2.5, NAN}, c1_v2[] = {1.67, 3.0};
static const qs_rep_point c1_hist[] = {
    {"2026-01-05", c1_v0, 0, "1", "pop", 1, NULL, "G1", off_a},
    {"2026-02-02T10:30:00", c1_v1, 1, "1", "pop", 1, NULL, "G1", on_a},
    {"2026-03-02", c1_v2, 1, "1", "pop", 1, NULL, "G1", on_a}};
static const double c1_t[] = {36.7, NAN}, c1_chg[] = {-1.33, -0.5};
static const char *const c1_rci[] = {"reliable_deterioration", "no_reliable_change"};
static const char *const c1_note[] = {NULL, NULL};
static const qs_rep_flag c1_flags[] = {
    {"f1", "Low alpha", 2, "raised", "A=1.67", "alpha is low \xff", "2026-02-02", 1, 0,
     "2026-02-02", "Alpha 1.67 (cutoff \xE2\x89\xA4 2.00, clinic default)"},
    {"f2", "Beta and alpha", 1, "not_evaluable", "A=1.67; B=missing", "both low", NULL, 0, 0, NULL,
     "Alpha 1.67 (cutoff \xE2\x89\xA4 2.00); Beta not available (cutoff \xE2\x89\xA4 2.00)"}};
static const int c1_answers[] = {2, 4, M, 3, 3, 3};

/* Row 3: C001, syn-b, 2 forms: the first raised fs, the latest (prorated) cleared it; no
 * reliability for S, so the change has no mark. */
static const double c1b_v0[] = {9.0}, c1b_v1[] = {7.5};
static const qs_rep_point c1b_hist[] = {{"2026-01-20", c1b_v0, 1, "2", NULL, 1, NULL, "G1", on_s},
                                        {"2026-02-20", c1b_v1, 0, "2", NULL, 1, NULL, "G1", off_s}};
static const double c1b_t[] = {NAN}, c1b_chg[] = {-1.5};
static const char *const c1b_rci[] = {"not_computable"};
static const char *const c1b_note[] = {NOTE_NO_RELIABILITY};
static const qs_rep_flag c1b_cleared[] = {{"fs", "High sigma", 1, "raised", "S=9", "sigma is high",
                                           "2026-01-20", 0, 0, "2026-01-20",
                                           "Sigma 9 (cutoff \xE2\x89\xA5 9, clinic default)"}};
static const int c1b_answers[] = {2, M, 2, 1};

/* Row 4: C005, syn-a, 2 forms: the first raised f1 (cleared by the second); A reliably
 * improved. */
static const double c5_v0[] = {2.0, 2.0}, c5_v1[] = {3.0, 2.5};
static const qs_rep_point c5_hist[] = {{"2026-01-10", c5_v0, 1, "1", "pop", 1, NULL, "G1", on_ab},
                                       {"2026-02-10", c5_v1, 0, "1", "pop", 1, NULL, "G1", off_a}};
static const double c5_t[] = {50.0, NAN}, c5_chg[] = {1.0, 0.5};
static const char *const c5_rci[] = {"reliable_improvement", "no_reliable_change"};
static const char *const c5_note[] = {NULL, NULL};
static const qs_rep_flag c5_cleared[] = {{"f1", "Low alpha", 2, "raised", "A=2", "alpha is low",
                                          "2026-01-10", 0, 0, "2026-01-10",
                                          "Alpha 2.00 (cutoff \xE2\x89\xA4 2.00, clinic default)"}};
static const int c5_answers[] = {3, 3, 3, 3, 2, 3};

/* Row 5: the accented client, syn-b, no group, one undated form. */
static const double c4_v0[] = {3.0};
static const qs_rep_point c4_hist[] = {{NULL, c4_v0, 0, "2", NULL, 1, NULL, NULL, off_s}};
static const double c4_t[] = {NAN}, c4_chg[] = {NAN};
static const char *const c4_rci[] = {NULL};
static const char *const c4_note[] = {NOTE_ONE_FORM};
static const int c4_answers[] = {1, 1, 2, M};

/* Row 6: C006, syn-b, 2 forms, a change without a reliability test. */
static const double c6_v0[] = {4.0}, c6_v1[] = {6.0};
static const qs_rep_point c6_hist[] = {{"2026-03-16", c6_v0, 0, "2", NULL, 1, NULL, "G1", off_s},
                                       {"2026-04-01", c6_v1, 0, "2", NULL, 1, NULL, "G1", off_s}};
static const double c6_t[] = {NAN}, c6_chg[] = {2.0};
static const char *const c6_rci[] = {"not_computable"};
static const char *const c6_note[] = {NOTE_NO_RELIABILITY};
static const int c6_answers[] = {1, 2, 1, 2};

/* Clients' rows (indices into rows[]). */
static const size_t rows_c3[] = {0}, rows_c2[] = {1}, rows_c1[] = {2, 3}, rows_c5[] = {4},
                    rows_c4[] = {5}, rows_c6[] = {6};

static const qs_rep_file files[] = {
    {"exports/syn-a.csv", "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
     "src-a"},
    {"exports/syn-b.csv", "aa55aa55aa55aa55aa55aa55aa55aa55aa55aa55aa55aa55aa55aa55aa55aa55",
     "src-b"}};

static qs_instrument *load(const char *def, const char *name)
{
    qs_instrument *inst = NULL;
    qs_diag_list errors;
    qs_diag_list_init(&errors);
    if (qs_instrument_load_mem(&inst, def, strlen(def), name, &errors)) {
        for (size_t i = 0; i < errors.count; i++)
            fprintf(stderr, "%s:%lu:%lu %s %s\n", name, errors.items[i].line,
                    errors.items[i].column, errors.items[i].path, errors.items[i].message);
        inst = NULL;
    }
    qs_diag_list_release(&errors);
    return inst;
}

/* A row from its latest form (the last of `hist`): the builder's fields that follow from it. */
static void set_row(qs_rep_row *row, const char *client, size_t inst, const double *t,
                    const double *chg, const char *const *rci, const char *const *note,
                    const qs_rep_flag *flags, size_t nflags, const qs_rep_point *hist, size_t nhist,
                    const int *answers, double missing)
{
    const qs_rep_point *latest = &hist[nhist - 1];
    memset(row, 0, sizeof(*row));
    row->client = client;
    row->site = "main";
    row->group = latest->group;
    row->therapist = "T-A";
    row->instrument = inst;
    row->date = latest->date;
    row->response_id = "R_1";
    row->value = latest->values;
    row->t = t;
    row->change = chg;
    row->rci_class = rci;
    row->change_note = note;
    row->missing_fraction = missing;
    row->longstring = latest->usable ? 2 : 6;
    row->irv = missing > 0.4 ? NAN : 0.75;
    row->validity = latest->usable ? NULL : "careless";
    row->latest_usable = latest->usable;
    row->reason = latest->reason;
    row->max_severity = -1;
    for (size_t f = 0; f < nflags; f++)
        if (strcmp(flags[f].status, "raised") == 0 && flags[f].severity > row->max_severity)
            row->max_severity = flags[f].severity;
    size_t nscores = inst == 0 ? 2 : 1; /* syn-a: A, B; syn-b: S */
    for (size_t s = 0; s < nscores; s++)
        if (latest->usable && rci[s] && strcmp(rci[s], "reliable_deterioration") == 0)
            row->reliable_deterioration = 1;
    row->flags = flags;
    row->nflags = nflags;
    row->history = hist;
    row->nhistory = nhist;
    row->answers = answers;
    row->instrument_version = latest->instrument_version;
    row->norm_id = latest->norm_id;
}

static qs_rep_client client_of(const char *client, const char *group, const char *last, long days,
                               int attention, const size_t *idx, size_t n)
{
    qs_rep_client c = {client, "main", group, last, days, attention, days >= 45, n, idx};
    return c;
}

static int setup(void **state)
{
    (void)state;
    inst_a = load(DEF_A, "syn-a.yaml");
    inst_b = load(DEF_B, "syn-b.yaml");
    if (!inst_a || !inst_b)
        return -1;
    rep_insts[0] =
        (qs_rep_instrument){inst_a, "pop", ref_a, ref_label_a, 1, versions_a, 1, norms_a, 0};
    rep_insts[1] = (qs_rep_instrument){inst_b, NULL, ref_b, ref_label_b, 1, versions_b, 0, NULL, 1};
    set_row(&rows[0], "+1-2", 0, c3_t, c3_chg, c3_rci, c3_note, c3_flags, 1, c3_hist, 3, c3_answers,
            0.0);
    set_row(&rows[1], INJECT_CLIENT, 1, c2_t, c2_chg, c2_rci, c2_note, c2_flags, 1, c2_hist, 1,
            c2_answers, 0.0);
    set_row(&rows[2], "C001", 0, c1_t, c1_chg, c1_rci, c1_note, c1_flags, 2, c1_hist, 3, c1_answers,
            1.0 / 6.0);
    set_row(&rows[3], "C001", 1, c1b_t, c1b_chg, c1b_rci, c1b_note, NULL, 0, c1b_hist, 2,
            c1b_answers, 0.25);
    rows[3].cleared = c1b_cleared;
    rows[3].ncleared = 1;
    set_row(&rows[4], "C005", 0, c5_t, c5_chg, c5_rci, c5_note, NULL, 0, c5_hist, 2, c5_answers,
            0.0);
    rows[4].cleared = c5_cleared;
    rows[4].ncleared = 1;
    set_row(&rows[5], ACCENTED, 1, c4_t, c4_chg, c4_rci, c4_note, NULL, 0, c4_hist, 1, c4_answers,
            0.25);
    set_row(&rows[6], "C006", 1, c6_t, c6_chg, c6_rci, c6_note, NULL, 0, c6_hist, 2, c6_answers,
            0.0);
    clients[0] = client_of("+1-2", RTL_GROUP, "2026-03-09", 37, 1, rows_c3, 1);
    clients[1] = client_of(INJECT_CLIENT, CJK_GROUP, "2026-03-01", 45, 1, rows_c2, 1);
    clients[2] = client_of("C001", "G1", "2026-03-02", 44, 1, rows_c1, 2);
    clients[3] = client_of("C005", "G1", "2026-02-10", 64, 0, rows_c5, 1);
    clients[4] = client_of(ACCENTED, NULL, NULL, -1, 0, rows_c4, 1);
    clients[5] = client_of("C006", "G1", "2026-04-01", 14, 0, rows_c6, 1);
    /* With reports.sections: group: by group (bytewise, "(no group)" last), then as above. */
    const size_t by_group[] = {2, 3, 5, 0, 1, 4};
    for (size_t k = 0; k < 6; k++)
        sectioned[k] = clients[by_group[k]];
    report = (qs_report){.title = "Therapist T-A",
                         .clinic = "Clinic K (synthetic)",
                         .created = "2026-04-15T02:00:00",
                         .qscore_version = "0.0.0-test",
                         .run_id = 7,
                         .run_started = "2026-04-15T01:58:00Z",
                         .ninstruments = 2,
                         .instruments = rep_insts,
                         .nrows = 7,
                         .rows = rows,
                         .nfiles = 2,
                         .files = files,
                         .open_quarantined = 5,
                         .nclients = 6,
                         .clients = clients,
                         .data_through = "2026-04-01",
                         .made = "2026-04-15T02:00:00Z",
                         .overdue_days = 45,
                         .max_charts = 150,
                         .sections_by_group = 0,
                         .paper = QS_PAPER_A4,
                         .open_quarantined_here = 3};
    const char *base = getenv("TMPDIR");
    snprintf(workdir, sizeof(workdir), "%s/qs-workbook-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(workdir))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    DIR *d = opendir(workdir);
    if (d) {
        struct dirent *e;
        char p[512];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof(p), "%s/%s", workdir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(workdir);
    qs_instrument_free(inst_a);
    qs_instrument_free(inst_b);
    return 0;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            unsigned char *p = realloc(buf, cap);
            if (!p) {
                free(buf);
                fclose(fp);
                return NULL;
            }
            buf = p;
        }
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0)
            break;
    }
    fclose(fp);
    *len = n;
    return buf;
}

static size_t entries_in(const char *dir)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void write_ok(const char *path)
{
    qs_diag diag;
    qs_error rc = qs_report_write_xlsx(&report, path, &diag);
    if (rc)
        print_error("%s: %s\n", qs_error_name(rc), diag.message);
    assert_int_equal(rc, QS_OK);
}

static void test_the_same_report_gives_byte_identical_workbooks(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof(path), "%s/same.xlsx", workdir);
    write_ok(path);
    size_t n1 = 0, n2 = 0;
    unsigned char *a = slurp(path, &n1);
    assert_non_null(a);
    write_ok(path); /* over the first: renamed into place */
    unsigned char *b = slurp(path, &n2);
    assert_non_null(b);
    assert_true(n1 > 1000);
    assert_int_equal(n1, n2);
    assert_memory_equal(a, b, n1);
    free(a);
    free(b);
    unlink(path);
}

static void test_the_workbook_is_private_and_no_temporary_is_left(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof(path), "%s/private.xlsx", workdir);
    size_t before = entries_in(workdir);
    write_ok(path);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(entries_in(workdir), before + 1);
    unlink(path);
}

/* An interpreter that can import openpyxl: $QS_PYTHON, python3, or Debian's /usr/bin/python3
 * (a pyenv python3 first in PATH often lacks the Debian module). */
static const char *python_with_openpyxl(void)
{
    static char cmd[512];
    const char *env = getenv("QS_PYTHON");
    const char *cands[] = {env && *env ? env : NULL, "python3", "/usr/bin/python3"};
    for (size_t i = 0; i < sizeof(cands) / sizeof(cands[0]); i++) {
        if (!cands[i])
            continue;
        snprintf(cmd, sizeof(cmd), "%s -c 'import openpyxl' >/dev/null 2>&1", cands[i]);
        if (system(cmd) == 0)
            return cands[i];
    }
    return NULL;
}

/* Whether QSCORE_TEST_REQUIRE (CI) names `what`: then a missing peer fails instead of skipping. */
static int required(const char *what)
{
    const char *req = getenv("QSCORE_TEST_REQUIRE");
    char list[256], want[64];
    snprintf(list, sizeof(list), ",%s,", req ? req : "");
    snprintf(want, sizeof(want), ",%s,", what);
    return strstr(list, want) != NULL;
}

/* Run check_workbook.py with `args` on `path`: its exit status; skipped without openpyxl
 * (failed when QSCORE_TEST_REQUIRE names it). */
static int check_workbook(const char *args, const char *path, int quiet)
{
    const char *py = python_with_openpyxl();
    if (!py && required("openpyxl"))
        fail_msg("openpyxl is required (QSCORE_TEST_REQUIRE) but python3 cannot import it");
    if (!py) {
        fprintf(stderr, "SKIP: python3 with openpyxl not found "
                        "(apt-get install python3-openpyxl): workbook contents not read back\n");
        skip();
    }
    char cmd[2048];
    snprintf(cmd, sizeof(cmd), "%s '%s/tests/workbook/check_workbook.py' %s '%s'%s", py,
             QS_SOURCE_DIR, args, path, quiet ? " >/dev/null 2>&1" : "");
    int st = system(cmd);
    if (st != 0 && !quiet)
        print_error("check_workbook.py %s failed (status %d) on %s\n", args, st, path);
    return st;
}

static void test_openpyxl_reads_back_layout_values_and_literal_strings(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof(path), "%s/readback.xlsx", workdir);
    write_ok(path);
    assert_int_equal(check_workbook("", path, 0), 0);
    unlink(path);
}

static void test_sections_by_group_give_a_heading_per_group(void **state)
{
    (void)state;
    char path[512];
    qs_report r = report;
    r.sections_by_group = 1;
    r.clients = sectioned;
    r.paper = QS_PAPER_LETTER;
    snprintf(path, sizeof(path), "%s/sections.xlsx", workdir);
    qs_diag diag;
    assert_int_equal(qs_report_write_xlsx(&r, path, &diag), QS_OK);
    assert_int_equal(check_workbook("--sections --paper=letter", path, 0), 0);
    /* The checker tells the two apart: a sectioned Summary is not the plain one. */
    assert_int_not_equal(check_workbook("", path, 1), 0);
    unlink(path);
}

static void test_an_unwritable_folder_is_an_io_error_and_leaves_nothing(void **state)
{
    (void)state;
    char path[512];
    qs_diag diag;
    snprintf(path, sizeof(path), "%s/no-such-folder/x.xlsx", workdir);
    qs_error rc = qs_report_write_xlsx(&report, path, &diag);
    assert_int_equal(rc, QS_EIO);
    assert_non_null(strstr(diag.message, "no-such-folder/x.xlsx"));
}

static void test_a_row_naming_a_missing_instrument_is_a_report_error(void **state)
{
    (void)state;
    char path[512];
    qs_diag diag;
    qs_rep_row bad = rows[0];
    bad.instrument = 9;
    qs_rep_client one = clients[0];
    const size_t first[] = {0};
    one.rows = first;
    qs_report r = report;
    r.rows = &bad;
    r.nrows = 1;
    r.clients = &one;
    r.nclients = 1;
    snprintf(path, sizeof(path), "%s/bad.xlsx", workdir);
    size_t before = entries_in(workdir);
    assert_int_equal(qs_report_write_xlsx(&r, path, &diag), QS_EREPORT);
    assert_non_null(strstr(diag.message, "instrument"));
    assert_int_equal(entries_in(workdir), before);
}

static void test_a_client_naming_a_missing_row_is_a_report_error(void **state)
{
    (void)state;
    char path[512];
    qs_diag diag;
    qs_report r = report;
    r.nrows = 3; /* C001's second row (index 3) is gone */
    snprintf(path, sizeof(path), "%s/bad-client.xlsx", workdir);
    size_t before = entries_in(workdir);
    assert_int_equal(qs_report_write_xlsx(&r, path, &diag), QS_EREPORT);
    assert_non_null(strstr(diag.message, "client 3 names row 4 of 3"));
    qs_rep_client none = clients[0];
    none.rows = NULL;
    r = report;
    r.clients = &none;
    r.nclients = 1;
    assert_int_equal(qs_report_write_xlsx(&r, path, &diag), QS_EREPORT);
    assert_int_equal(entries_in(workdir), before);
}

static void test_an_empty_report_still_gives_every_sheet(void **state)
{
    (void)state;
    char path[512];
    qs_report r = report;
    r.nrows = 0;
    r.nclients = 0;
    r.nfiles = 0;
    r.created = "not a date";
    r.data_through = NULL;
    r.made = NULL;
    r.open_quarantined_here = 0;
    snprintf(path, sizeof(path), "%s/empty.xlsx", workdir);
    qs_diag diag;
    qs_error rc = qs_report_write_xlsx(&r, path, &diag);
    if (rc)
        print_error("%s: %s\n", qs_error_name(rc), diag.message);
    assert_int_equal(rc, QS_OK);
    assert_int_equal(check_workbook("--demo --paper=a4", path, 0), 0);
    /* One client: "1 client", its one row. */
    const size_t only[] = {0};
    qs_rep_client one = clients[5];
    one.rows = only;
    r.rows = &rows[6];
    r.nrows = 1;
    r.clients = &one;
    r.nclients = 1;
    r.data_through = report.data_through;
    r.made = report.made;
    assert_int_equal(qs_report_write_xlsx(&r, path, &diag), QS_OK);
    assert_int_equal(check_workbook("--demo --paper=a4", path, 0), 0);
    unlink(path);
}

/* Control characters (VT from Word, ESC) and U+202E in ids, names and groups: every XML part
 * of the workbook is valid XML 1.0, openpyxl loads it, and names carry no bidi controls. */
static void test_control_and_bidi_characters_give_a_workbook_strict_readers_load(void **state)
{
    (void)state;
    qs_rep_row r2[2];
    qs_rep_client c2[2];
    const size_t first[] = {0}, second[] = {1};
    r2[0] = rows[2];
    r2[1] = rows[4];
    r2[0].client = "C\x0b"
                   "01\x1b[31m";
    r2[0].group = "G\xE2\x80\xAE"
                  "1\x0b";
    r2[1].client = "C\xE2\x80\xAE"
                   "005\x01";
    c2[0] = clients[2];
    c2[0].client = r2[0].client;
    c2[0].group = r2[0].group;
    c2[0].rows = first;
    c2[0].nrows = 1;
    c2[1] = clients[3];
    c2[1].client = r2[1].client;
    c2[1].rows = second;
    qs_report r = report;
    r.rows = r2;
    r.nrows = 2;
    r.clients = c2;
    r.nclients = 2;
    r.title = "Therapist \x1bT\xE2\x80\xAE-A\x0b";
    char path[512];
    snprintf(path, sizeof(path), "%s/controls.xlsx", workdir);
    qs_diag diag;
    assert_int_equal(qs_report_write_xlsx(&r, path, &diag), QS_OK);
    const char *py = python_with_openpyxl();
    if (!py && required("openpyxl"))
        fail_msg("openpyxl is required (QSCORE_TEST_REQUIRE) but python3 cannot import it");
    if (py) {
        char cmd[2048];
        snprintf(cmd, sizeof(cmd), "%s '%s/tests/workbook/check_xml_clean.py' '%s' 'Therapist T-A'",
                 py, QS_SOURCE_DIR, path);
        int st = system(cmd);
        if (st != 0)
            print_error("openpyxl refused %s (status %d)\n", path, st);
        assert_int_equal(st, 0);
    }
    unlink(path);
}

/* ---- Trends: blocks, markers, the chart limit and page breaks ------------------------------ */

/* Nine clients with both instruments (two charts each), under a limit of 13 charts: the first six
 * get their blocks (12 charts), the other three none. Their syn-a forms: 10 Jan, 20 Feb (not
 * usable), 1 Jun 2026 (a flag raised on it uses A); syn-b: 15 Jan and 15 Mar. */
#define TR_CLIENTS 9
static const double tr_a0[] = {3.0, 3.5}, tr_a1[] = {2.5, 3.0}, tr_a2[] = {1.5, 3.25};
static const unsigned char tr_on_a[] = {1, 0}, tr_off_a[] = {0, 0};
static const qs_rep_point tr_hist_a[] = {
    {"2026-01-10", tr_a0, 0, "1", NULL, 1, NULL, "G1", tr_off_a},
    {"2026-02-20", tr_a1, 0, "1", NULL, 0, "same answer to 6 items in a row", "G1", tr_off_a},
    {"2026-06-01T09:00:00", tr_a2, 1, "1", NULL, 1, NULL, "G1", tr_on_a}};
static const double tr_b0[] = {6.0}, tr_b1[] = {9.0};
static const unsigned char tr_off_b[] = {0};
static const qs_rep_point tr_hist_b[] = {
    {"2026-01-15", tr_b0, 0, "2", NULL, 1, NULL, "G1", tr_off_b},
    {"2026-03-15", tr_b1, 0, "2", NULL, 1, NULL, "G1", tr_off_b}};
static const double tr_ref_b[] = {9.0};
static const char *const tr_ref_label_b[] = {"High sigma cutoff (local default)"};
static const double tr_chg_a[] = {-1.5, -0.25}, tr_chg_b[] = {3.0};
static const char *const tr_rci_a[] = {"not_computable", "not_computable"};
static const char *const tr_rci_b[] = {"not_computable"};
static const char *const tr_note_a[] = {NOTE_NO_RELIABILITY, NOTE_NO_RELIABILITY};
static const char *const tr_note_b[] = {NOTE_NO_RELIABILITY};
static const double tr_nan2[] = {NAN, NAN}, tr_nan1[] = {NAN};

static void test_trends_blocks_markers_chart_limit_and_page_breaks(void **state)
{
    (void)state;
    static char ids[TR_CLIENTS][8];
    static qs_rep_row trows[2 * TR_CLIENTS];
    static size_t tidx[2 * TR_CLIENTS];
    static qs_rep_client tclients[TR_CLIENTS];
    qs_rep_instrument tinsts[2] = {rep_insts[0], rep_insts[1]};
    tinsts[1].reference = tr_ref_b;
    tinsts[1].reference_label = tr_ref_label_b;
    for (size_t k = 0; k < TR_CLIENTS; k++) {
        snprintf(ids[k], sizeof(ids[k]), "T%02zu", k);
        set_row(&trows[2 * k], ids[k], 0, tr_nan2, tr_chg_a, tr_rci_a, tr_note_a, c1_flags, 1,
                tr_hist_a, 3, c1_answers, 0.0);
        set_row(&trows[2 * k + 1], ids[k], 1, tr_nan1, tr_chg_b, tr_rci_b, tr_note_b, NULL, 0,
                tr_hist_b, 2, c2_answers, 0.0);
        tidx[2 * k] = 2 * k;
        tidx[2 * k + 1] = 2 * k + 1;
        tclients[k] = client_of(ids[k], "G1", "2026-06-01", 30, 1, &tidx[2 * k], 2);
    }
    qs_report r = report;
    r.instruments = tinsts;
    r.rows = trows;
    r.nrows = 2 * TR_CLIENTS;
    r.clients = tclients;
    r.nclients = TR_CLIENTS;
    r.data_through = "2026-06-01";
    r.made = "2026-07-01T02:00:00Z";
    r.max_charts = 13;
    char path[512];
    snprintf(path, sizeof(path), "%s/trends.xlsx", workdir);
    qs_diag diag;
    qs_error rc = qs_report_write_xlsx(&r, path, &diag);
    if (rc)
        print_error("%s: %s\n", qs_error_name(rc), diag.message);
    assert_int_equal(rc, QS_OK);
    const char *py = python_with_openpyxl();
    if (!py && required("openpyxl"))
        fail_msg("openpyxl is required (QSCORE_TEST_REQUIRE) but python3 cannot import it");
    if (py) {
        char cmd[2048];
        snprintf(
            cmd, sizeof(cmd),
            "%s '%s/tests/workbook/check_trends.py' --fixture --links --max-charts 13 --charts 12 "
            "--capped 3 '%s'",
            py, QS_SOURCE_DIR, path);
        int st = system(cmd);
        if (st != 0)
            print_error("check_trends.py failed (status %d) on %s\n", st, path);
        assert_int_equal(st, 0);
    }
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_same_report_gives_byte_identical_workbooks),
        cmocka_unit_test(test_the_workbook_is_private_and_no_temporary_is_left),
        cmocka_unit_test(test_openpyxl_reads_back_layout_values_and_literal_strings),
        cmocka_unit_test(test_sections_by_group_give_a_heading_per_group),
        cmocka_unit_test(test_an_unwritable_folder_is_an_io_error_and_leaves_nothing),
        cmocka_unit_test(test_a_row_naming_a_missing_instrument_is_a_report_error),
        cmocka_unit_test(test_a_client_naming_a_missing_row_is_a_report_error),
        cmocka_unit_test(test_an_empty_report_still_gives_every_sheet),
        cmocka_unit_test(test_control_and_bidi_characters_give_a_workbook_strict_readers_load),
        cmocka_unit_test(test_trends_blocks_markers_chart_limit_and_page_breaks),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
