/* test_store_export.c - what qs_store_read_export hands a research export, on a scratch store. */
#define _XOPEN_SOURCE 700 /* nftw, mkdtemp */
#include <ftw.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qscore/score.h"
#include "qscore/store.h"

static const char DEF[] = "id: t\nname: T\nversion: '1'\ncitation: synthetic\n"
                          "scale: {min: 1, max: 4}\n"
                          "items:\n  - {id: 1, column: Q1}\n  - {id: 2, column: Q2}\n"
                          "  - {id: 3, column: Q3}\n"
                          "scores:\n  - {id: S, name: S, items: all, method: mean,"
                          " higher_means: s}\n";

static char workdir[256];

struct fx {
    qs_store *store;
    qs_instrument *inst;
    qs_scorer *scorer;
    long long run, file;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Store one response of client `client` (answers all `answer`); NULL `date`: undated. */
static void put(struct fx *f, const char *key, const char *client, const char *date, int answer)
{
    const int answers[] = {answer, answer, answer}, checks[] = {0};
    qs_store_admin a;
    memset(&a, 0, sizeof(a));
    a.site = "main";
    a.source = "s";
    a.inst = f->inst;
    a.response_key = a.response_id = key;
    a.client = client;
    a.group = "G1";
    a.therapist = "T-A";
    a.administered = date;
    a.covariates = "age\t41\n";
    a.answers = answers;
    a.checks = checks;
    a.file_id = f->file;
    a.line = 2;
    a.run_id = f->run;
    qs_admin_outcome out;
    long long client_id;
    qs_diag d;
    qs_diag_clear(&d);
    assert_int_equal(qs_store_put_admin(f->store, &a, qs_scorer_run(f->scorer, answers, checks),
                                        &out, &client_id, &d),
                     QS_OK);
}

/*
 * A store with client C1's three administrations (dated 2026-01-05, undated, dated 2026-01-02)
 * and client C2's one response, stored twice with an edit in between.
 */
static int setup(void **state)
{
    static struct fx f;
    const char *base = getenv("TMPDIR");
    char path[512];
    qs_diag d;
    qs_diag_list e;
    snprintf(workdir, sizeof(workdir), "%s/qs-store-export-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(workdir))
        return -1;
    snprintf(path, sizeof(path), "%s/qscore.db", workdir);
    memset(&f, 0, sizeof(f));
    qs_diag_clear(&d);
    qs_diag_list_init(&e);
    if (qs_instrument_load_mem(&f.inst, DEF, strlen(DEF), "t.yaml", &e) ||
        qs_scorer_new(&f.scorer, f.inst, -1))
        return -1;
    qs_diag_list_release(&e);
    qs_store_file file;
    memset(&file, 0, sizeof(file));
    file.sha256 = "0000000000000000000000000000000000000000000000000000000000000001";
    file.path = "/synthetic/export-1.csv";
    file.size = 10;
    file.mtime = 1;
    file.source = "s";
    file.instrument = "t";
    file.mtime_ns = file.inode = file.ctime_ns = -1;
    file.fingerprint = "fingerprint";
    if (qs_store_open(&f.store, path, 0, &d) ||
        qs_store_run_begin(f.store, "2026-01-01T00:00:00Z", &f.run, &d) ||
        qs_store_begin(f.store, &d))
        return -1;
    file.run_id = f.run;
    if (qs_store_add_file(f.store, &file, &f.file, &d))
        return -1;
    put(&f, "R1", "C1", "2026-01-05T10:00:00", 1);
    put(&f, "R2", "C1", NULL, 2);
    put(&f, "R3", "C1", "2026-01-02T09:00:00", 3);
    put(&f, "R4", "C2", "2026-02-01", 1);
    put(&f, "R4", "C2", "2026-02-01", 4); /* edited: version 2 is current */
    if (qs_store_commit(f.store, &d))
        return -1;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    qs_store_close(f->store);
    qs_scorer_free(f->scorer);
    qs_instrument_free(f->inst);
    return nftw(workdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* What the callbacks saw: the order of the calls, and the rows by response id. */
struct seen {
    char calls[64];
    size_t ncalls;
    struct {
        long long id, wave;
        char response_id[8], first_date[16], administered[32], answers[16], covariates[16];
        int undated;
    } admin[8];
    size_t nadmins;
    double value[8];
    char status[8][16];
    size_t nscores;
    qs_error fail_admin; /* returned by the admin callback */
};

static void call(struct seen *s, char c)
{
    if (s->ncalls + 1 < sizeof(s->calls))
        s->calls[s->ncalls++] = c;
}

static qs_error on_admin(void *ctx, const qs_store_export_admin *a)
{
    struct seen *s = ctx;
    call(s, 'a');
    if (s->fail_admin)
        return s->fail_admin;
    assert_true(s->nadmins < 8);
    assert_string_equal(a->site, "main");
    assert_string_equal(a->instrument, "t");
    assert_string_equal(a->instrument_version, "1");
    assert_string_equal(a->group, "G1");
    assert_string_equal(a->therapist, "T-A");
    snprintf(s->admin[s->nadmins].response_id, 8, "%s", a->response_id);
    snprintf(s->admin[s->nadmins].first_date, 16, "%s",
             a->client_first_date ? a->client_first_date : "(null)");
    s->admin[s->nadmins].undated = a->administered == NULL;
    snprintf(s->admin[s->nadmins].answers, 16, "%s", a->answers);
    snprintf(s->admin[s->nadmins].covariates, 16, "%s", a->covariates ? a->covariates : "");
    s->admin[s->nadmins].id = a->id;
    s->admin[s->nadmins].wave = a->wave;
    s->nadmins++;
    return QS_OK;
}

static qs_error on_admins_done(void *ctx)
{
    call(ctx, 'd');
    return QS_OK;
}

static qs_error on_score(void *ctx, const qs_store_export_score *sc)
{
    struct seen *s = ctx;
    call(s, 's');
    assert_string_equal(sc->score, "S");
    assert_true(isnan(sc->t)); /* no norm: no T score */
    for (size_t i = 0; i < s->nadmins; i++)
        if (s->admin[i].id == sc->admin) {
            s->value[i] = sc->value;
            snprintf(s->status[i], 16, "%s", sc->status);
            s->nscores++;
        }
    return QS_OK;
}

static qs_error on_flag(void *ctx, const qs_store_export_flag *f)
{
    (void)f;
    call(ctx, 'f');
    return QS_OK;
}

static const qs_store_export_reader reader = {on_admin, on_admins_done, on_score, on_flag};

static size_t find(const struct seen *s, const char *response_id)
{
    for (size_t i = 0; i < s->nadmins; i++)
        if (strcmp(s->admin[i].response_id, response_id) == 0)
            return i;
    fail_msg("response %s not read", response_id);
    return 0;
}

static void test_current_administrations_come_with_wave_and_first_date(void **state)
{
    struct fx *f = *state;
    struct seen s;
    qs_diag d;
    memset(&s, 0, sizeof(s));
    qs_diag_clear(&d);
    assert_int_equal(qs_store_read_export(f->store, &reader, &s, &d), QS_OK);
    assert_int_equal(s.nadmins, 4); /* R4's first version is not current */
    /* C1's waves in time order, undated last; its first date over every administration */
    size_t r1 = find(&s, "R1"), r2 = find(&s, "R2"), r3 = find(&s, "R3"), r4 = find(&s, "R4");
    assert_int_equal(s.admin[r3].wave, 1);
    assert_int_equal(s.admin[r1].wave, 2);
    assert_int_equal(s.admin[r2].wave, 3);
    assert_true(s.admin[r2].undated);
    assert_string_equal(s.admin[r1].first_date, "2026-01-02");
    assert_string_equal(s.admin[r2].first_date, "2026-01-02");
    assert_int_equal(s.admin[r4].wave, 1);
    assert_string_equal(s.admin[r4].first_date, "2026-02-01");
    assert_string_equal(s.admin[r4].answers, "4,4,4"); /* the edited version */
    assert_string_equal(s.admin[r4].covariates, "age\t41\n");
    /* one score per current administration, none of the old version */
    assert_int_equal(s.nscores, 4);
    assert_true(s.value[r4] == 4.0);
    assert_true(s.value[r3] == 3.0);
    /* every administration, then the hook, then the scores; the instrument has no flags */
    assert_string_equal(s.calls, "aaaadssss");
}

static void test_a_callback_error_stops_the_read_and_ends_its_transaction(void **state)
{
    struct fx *f = *state;
    struct seen s;
    qs_diag d;
    memset(&s, 0, sizeof(s));
    s.fail_admin = QS_ENOMEM;
    qs_diag_clear(&d);
    assert_int_equal(qs_store_read_export(f->store, &reader, &s, &d), QS_ENOMEM);
    assert_string_equal(s.calls, "a");
    assert_string_equal(d.message, ""); /* the callback's error is the callback's to report */
    /* the read transaction is over: the store takes a write transaction and another read */
    assert_int_equal(qs_store_begin(f->store, &d), QS_OK);
    assert_int_equal(qs_store_commit(f->store, &d), QS_OK);
    memset(&s, 0, sizeof(s));
    assert_int_equal(qs_store_read_export(f->store, &reader, &s, &d), QS_OK);
    assert_int_equal(s.nadmins, 4);
}

static void test_callbacks_may_be_left_out(void **state)
{
    struct fx *f = *state;
    static const qs_store_export_reader none = {NULL, NULL, NULL, NULL};
    qs_diag d;
    qs_diag_clear(&d);
    assert_int_equal(qs_store_read_export(f->store, &none, NULL, &d), QS_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_current_administrations_come_with_wave_and_first_date,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_a_callback_error_stops_the_read_and_ends_its_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_callbacks_may_be_left_out, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
