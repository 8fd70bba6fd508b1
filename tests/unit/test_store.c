/* test_store.c - the store's write and read paths, through its own API on a scratch store. */
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

#include "qscore/score.h"
#include "qscore/store.h"
#include "store_internal.h"

static const char DEF[] = "id: t\nname: T\nversion: '1'\ncitation: synthetic\n"
                          "scale: {min: 1, max: 4}\n"
                          "items:\n  - {id: 1, column: Q1}\n  - {id: 2, column: Q2}\n"
                          "  - {id: 3, column: Q3}\n"
                          "scores:\n  - {id: S, name: S, items: all, method: mean,"
                          " higher_means: s}\n";

static char workdir[256];

struct fx {
    qs_store *store;
    long long run, file;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* A fresh store with one run and one (empty) file row. */
static int setup(void **state)
{
    static struct fx f;
    const char *base = getenv("TMPDIR");
    char path[512];
    qs_diag d;
    snprintf(workdir, sizeof(workdir), "%s/qs-store-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(workdir))
        return -1;
    snprintf(path, sizeof(path), "%s/qscore.db", workdir);
    memset(&f, 0, sizeof(f));
    qs_diag_clear(&d);
    qs_store_file file = {"0000000000000000000000000000000000000000000000000000000000000001",
                          "/synthetic/export-1.csv",
                          10,
                          1,
                          "s",
                          "t",
                          0,
                          -1,
                          -1,
                          -1,
                          "fingerprint",
                          0};
    if (qs_store_open(&f.store, path, 0, &d) ||
        qs_store_run_begin(f.store, "2026-01-01T00:00:00Z", &f.run, &d) ||
        qs_store_begin(f.store, &d))
        return -1;
    file.run_id = f.run;
    if (qs_store_add_file(f.store, &file, &f.file, &d) || qs_store_commit(f.store, &d))
        return -1;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    qs_store_close(f->store);
    return nftw(workdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void add_problem_row(struct fx *f, unsigned long line, const char *id)
{
    qs_row_problems p;
    qs_diag d;
    memset(&p, 0, sizeof(p));
    p.line = line;
    snprintf(p.response_id, sizeof(p.response_id), "%s", id);
    p.count = 1;
    snprintf(p.items[0].column, sizeof(p.items[0].column), "Q1");
    snprintf(p.items[0].value, sizeof(p.items[0].value), "9");
    snprintf(p.items[0].reason, sizeof(p.items[0].reason), "item 1: answer 9 is outside");
    qs_diag_clear(&d);
    assert_int_equal(qs_store_begin(f->store, &d), QS_OK);
    assert_int_equal(qs_store_add_quarantine(f->store, f->file, &p, f->run, id, NULL, &d), QS_OK);
    assert_int_equal(qs_store_commit(f->store, &d), QS_OK);
}

static void test_quarantine_lines_count_only_lines_written(void **state)
{
    struct fx *f = *state;
    unsigned long lines = 99;
    qs_diag d;
    add_problem_row(f, 2, "R1");
    add_problem_row(f, 3, "R2");
    FILE *ok = tmpfile();
    assert_non_null(ok);
    qs_diag_clear(&d);
    assert_int_equal(qs_store_write_quarantine(f->store, f->run, ok, &lines, &d), QS_OK);
    assert_int_equal(lines, 2);
    fclose(ok);
    /* Room for the header and no more (unbuffered, so a write fails at once): the first line
     * fails, and no line counts as written. */
    char room[64];
    FILE *small = fmemopen(room, sizeof(room), "w");
    assert_non_null(small);
    setvbuf(small, NULL, _IONBF, 0);
    lines = 99;
    assert_int_equal(qs_store_write_quarantine(f->store, f->run, small, &lines, &d), QS_EIO);
    assert_int_equal(lines, 0);
    assert_int_equal(ftell(small) > 0, 1); /* the header went in */
    fclose(small);
}

/* A row of two problems for `who` at `line` (two quarantine lines). */
static void add_who_row(struct fx *f, unsigned long line, const qs_store_row_who *who)
{
    qs_row_problems p;
    qs_diag d;
    memset(&p, 0, sizeof(p));
    p.line = line;
    p.count = 2;
    for (size_t i = 0; i < 2; i++) {
        snprintf(p.items[i].column, sizeof(p.items[i].column), "Q%zu", i + 1);
        snprintf(p.items[i].value, sizeof(p.items[i].value), "9");
        snprintf(p.items[i].reason, sizeof(p.items[i].reason), "item: answer is outside");
    }
    qs_diag_clear(&d);
    assert_int_equal(qs_store_begin(f->store, &d), QS_OK);
    assert_int_equal(qs_store_add_quarantine(f->store, f->file, &p, f->run, NULL, who, &d), QS_OK);
    assert_int_equal(qs_store_commit(f->store, &d), QS_OK);
}

static int eq_or_null(const char *got, const char *want)
{
    return want ? got && strcmp(got, want) == 0 : got == NULL;
}

/* Open quarantined rows per whose they are: a row of several problems counts once, a resolved
 * row not at all, and what a row did not give ("" or NULL) reads back as NULL. */
static void test_open_quarantined_rows_counted_per_whose(void **state)
{
    struct fx *f = *state;
    const qs_store_row_who a = {"main", "C1", "G1", "T-A"}, blank = {"main", "", "", NULL};
    add_who_row(f, 2, &a);
    add_who_row(f, 3, &a);
    add_who_row(f, 4, &blank);
    add_who_row(f, 5, &a);
    qs_store_open_row row = {0};
    row.file = f->file;
    row.line = 5;
    qs_diag d;
    qs_diag_clear(&d);
    assert_int_equal(qs_store_begin(f->store, &d), QS_OK);
    assert_int_equal(qs_store_resolve_row(f->store, &row, f->run, "scored", &d), QS_OK);
    assert_int_equal(qs_store_commit(f->store, &d), QS_OK);
    long long total = 0;
    assert_int_equal(qs_store_count_open_quarantined(f->store, &total, &d), QS_OK);
    assert_int_equal(total, 3);
    qs_store_iter *it = NULL;
    qs_store_quarantined_who_row w;
    assert_int_equal(qs_store_read_begin(f->store, &d), QS_OK);
    assert_int_equal(qs_store_iter_quarantined_who(&it, f->store, &d), QS_OK);
    assert_int_equal(qs_store_next_quarantined_who(&w, it, &d), QS_OK); /* NULLs sort first */
    assert_true(eq_or_null(w.site, "main") && eq_or_null(w.client, NULL) &&
                eq_or_null(w.group, NULL) && eq_or_null(w.therapist, NULL));
    assert_int_equal(w.rows, 1);
    assert_int_equal(qs_store_next_quarantined_who(&w, it, &d), QS_OK);
    assert_true(eq_or_null(w.site, "main") && eq_or_null(w.client, "C1") &&
                eq_or_null(w.group, "G1") && eq_or_null(w.therapist, "T-A"));
    assert_int_equal(w.rows, 2);
    assert_int_equal(qs_store_next_quarantined_who(&w, it, &d), QS_EEOF);
    qs_store_iter_free(it);
    assert_int_equal(qs_store_read_end(f->store, &d), QS_OK);
}

/* A value SQLite refuses to bind (here: longer than the length limit, lowered for the test)
 * must fail the statement, never be stored as NULL. */
static void test_a_value_that_cannot_be_bound_fails_the_write(void **state)
{
    struct fx *f = *state;
    qs_instrument *inst;
    qs_scorer *scorer;
    qs_diag_list e;
    qs_diag d;
    qs_diag_list_init(&e);
    assert_int_equal(qs_instrument_load_mem(&inst, DEF, strlen(DEF), "t.yaml", &e), QS_OK);
    qs_diag_list_release(&e);
    assert_int_equal(qs_scorer_new(&scorer, inst, -1), QS_OK);
    static const int answers[] = {1, 2, 3}, checks[] = {0};
    const qs_result *res = qs_scorer_run(scorer, answers, checks);
    char therapist[400];
    memset(therapist, 'T', sizeof(therapist) - 1);
    therapist[sizeof(therapist) - 1] = '\0';
    qs_store_admin a = {"main", "s",    inst,         NULL, "R1",    "R1",   "C1",
                        NULL,   "T-A",  "2026-01-05", NULL, answers, checks, f->file,
                        2,      f->run, NULL,         0,    0};
    qs_admin_outcome out;
    long long client;
    sqlite3 *db = qs_store__db(f->store);
    int limit = sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 300);
    qs_diag_clear(&d);
    assert_int_equal(qs_store_begin(f->store, &d), QS_OK);
    assert_int_equal(qs_store_put_admin(f->store, &a, res, &out, &client, &d), QS_OK);
    assert_int_equal(out, QS_ADMIN_NEW);
    a.response_key = a.response_id = "R2";
    a.therapist = therapist; /* 399 bytes: past the limit */
    assert_int_equal(qs_store_put_admin(f->store, &a, res, &out, &client, &d), QS_ESTORE);
    assert_non_null(strstr(d.message, "cannot add an administration: string or blob too big"));
    qs_store_rollback(f->store);
    sqlite3_limit(db, SQLITE_LIMIT_LENGTH, limit);
    qs_scorer_free(scorer);
    qs_instrument_free(inst);
}

/* Many attention checks: their answers must count in full in the content hash and the row. */
static void test_every_attention_check_counts_in_the_content(void **state)
{
    struct fx *f = *state;
    enum { NCHECKS = 600 }; /* "4," each: 1,199 bytes, past the old 1,024-byte buffer */
    size_t size = strlen(DEF) + NCHECKS * 64 + 64, used;
    char *def = malloc(size);
    assert_non_null(def);
    used = (size_t)snprintf(def, size, "%svalidity:\n  attention_checks:\n", DEF);
    for (int k = 1; k <= NCHECKS; k++)
        used += (size_t)snprintf(def + used, size - used,
                                 "    - {id: AC%d, column: A%d, expect: [3, 4]}\n", k, k);
    assert_true(used < size);
    qs_instrument *inst;
    qs_scorer *scorer;
    qs_diag_list e;
    qs_diag d;
    qs_diag_list_init(&e);
    assert_int_equal(qs_instrument_load_mem(&inst, def, used, "t.yaml", &e), QS_OK);
    qs_diag_list_release(&e);
    free(def);
    assert_int_equal(qs_scorer_new(&scorer, inst, -1), QS_OK);
    static const int answers[] = {1, 2, 3};
    int checks[NCHECKS];
    for (int k = 0; k < NCHECKS; k++)
        checks[k] = 4;
    qs_store_admin a = {"main", "s",    inst,         NULL, "R1",    "R1",   "C1",
                        NULL,   "T-A",  "2026-01-05", NULL, answers, checks, f->file,
                        2,      f->run, NULL,         0,    0};
    qs_admin_outcome out;
    long long client;
    qs_diag_clear(&d);
    assert_int_equal(qs_store_begin(f->store, &d), QS_OK);
    assert_int_equal(
        qs_store_put_admin(f->store, &a, qs_scorer_run(scorer, answers, checks), &out, &client, &d),
        QS_OK);
    assert_int_equal(out, QS_ADMIN_NEW);
    checks[NCHECKS - 1] = 3; /* the same response, edited in its last check only */
    assert_int_equal(
        qs_store_put_admin(f->store, &a, qs_scorer_run(scorer, answers, checks), &out, &client, &d),
        QS_OK);
    assert_int_equal(out, QS_ADMIN_CHANGED);
    assert_int_equal(qs_store_commit(f->store, &d), QS_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(qs_store__db(f->store),
                                        "SELECT length(checks), substr(checks, -3) FROM"
                                        " administrations WHERE current = 1",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), NCHECKS * 2 - 1);
    assert_string_equal((const char *)sqlite3_column_text(st, 1), "4,3");
    sqlite3_finalize(st);
    qs_scorer_free(scorer);
    qs_instrument_free(inst);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_quarantine_lines_count_only_lines_written, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_open_quarantined_rows_counted_per_whose, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_value_that_cannot_be_bound_fails_the_write, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_every_attention_check_counts_in_the_content, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
