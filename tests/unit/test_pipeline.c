/* test_pipeline.c - one or two threads write the same bytes (long and wide CSV); write failures
 * are reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qscore/pipeline.h"

static const char DEF[] = "id: t\nname: T\nversion: '1'\ncitation: synthetic\n"
                          "scale: {min: 1, max: 4}\n"
                          "items:\n  - {id: 1, column: Q1}\n  - {id: 2, column: Q2}\n"
                          "  - {id: 3, column: Q3, reverse: true}\n"
                          "scores:\n  - {id: S, name: S, items: all, method: mean,"
                          " missing: {min_answered: 2}, higher_means: s}\n"
                          "flags:\n  - {id: hi, label: H, severity: low, rule: S >= 3.5,"
                          " because: b, cutoff: c, local_default: true}\n";

/* 5,000 synthetic rows (several batches), every 97th one malformed. */
static char *make_input(size_t *len)
{
    size_t cap = 64 * 5100, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    n += (size_t)snprintf(buf + n, cap - n, "id,client_id,Q1,Q2,Q3\n");
    for (int i = 1; i <= 5000; i++) {
        if (i % 97 == 0)
            n += (size_t)snprintf(buf + n, cap - n, "R%d,C%d,9,1,1\n", i, i % 50);
        else
            n += (size_t)snprintf(buf + n, cap - n, "R%d,C%d,%d,%d,%s\n", i, i % 50, 1 + i % 4,
                                  1 + (i / 3) % 4, i % 11 ? "2" : "");
    }
    *len = n;
    return buf;
}

static qs_error run(const qs_instrument *inst, const qs_mapping *map, const char *csv, size_t len,
                    qs_out_format format, FILE *out_fp, FILE *q_fp, int threads,
                    qs_pipeline_stats *st)
{
    qs_ingest *g;
    qs_scorer *scorer;
    qs_out *out;
    qs_diag_list e;
    qs_diag d;
    qs_diag_list_init(&e);
    assert_int_equal(qs_ingest_open_mem(&g, csv, len, "in.csv", inst, map, QS_PROFILE_AUTO, &e),
                     QS_OK);
    assert_int_equal(qs_scorer_new(&scorer, inst, -1), QS_OK);
    assert_int_equal(qs_out_new(&out, out_fp, format, inst, NULL), QS_OK);
    memset(st, 0, sizeof(*st));
    qs_error rc = qs_pipeline_run(g, scorer, inst, out, q_fp, "in.csv", threads, st, &d);
    if (rc == QS_OK)
        rc = qs_out_finish(out);
    qs_out_free(out);
    qs_scorer_free(scorer);
    qs_ingest_free(g);
    return rc;
}

static void test_two_threads_write_the_same_bytes_as_one(void **state)
{
    (void)state;
    qs_instrument *inst;
    qs_mapping *map;
    qs_diag_list e;
    qs_diag_list_init(&e);
    assert_int_equal(qs_instrument_load_mem(&inst, DEF, strlen(DEF), "t.yaml", &e), QS_OK);
    static const char m[] = "response_id: id\nclient_id: client_id\n";
    assert_int_equal(qs_mapping_load_mem(&map, m, strlen(m), "m.yaml", &e), QS_OK);
    size_t len;
    char *csv = make_input(&len);
    /* The long and wide CSV, with one thread and with two. */
    for (int f = 0; f < 2; f++) {
        qs_out_format format = f == 0 ? QS_OUT_CSV : QS_OUT_WIDE;
        char *out[2], *q[2];
        size_t out_len[2], q_len[2];
        qs_pipeline_stats st[2];
        for (int k = 0; k < 2; k++) {
            FILE *fo = open_memstream(&out[k], &out_len[k]);
            FILE *fq = open_memstream(&q[k], &q_len[k]);
            assert_int_equal(run(inst, map, csv, len, format, fo, fq, k + 1, &st[k]), QS_OK);
            fclose(fo);
            fclose(fq);
        }
        assert_int_equal(st[0].scored, 5000 - 51);
        assert_int_equal(st[0].quarantined, 51);
        assert_int_equal(st[1].scored, st[0].scored);
        assert_int_equal(st[1].quarantined, st[0].quarantined);
        assert_int_equal(out_len[0], out_len[1]);
        assert_memory_equal(out[0], out[1], out_len[0]);
        assert_int_equal(q_len[0], q_len[1]);
        assert_memory_equal(q[0], q[1], q_len[0]);
        /* The rows come out in input order: the last scored row is R5000. */
        assert_non_null(strstr(out[1] + out_len[1] - 100, "\nR5000,C0,t,"));
        if (format == QS_OUT_WIDE) { /* one row per administration, after the header */
            size_t lines = 0;
            for (size_t i = 0; i < out_len[1]; i++)
                lines += out[1][i] == '\n';
            assert_int_equal(lines, 1 + st[1].scored);
        }
        for (int k = 0; k < 2; k++) {
            free(out[k]);
            free(q[k]);
        }
    }
    free(csv);
    qs_mapping_free(map);
    qs_instrument_free(inst);
    qs_diag_list_release(&e);
}

static void test_a_full_disk_is_an_io_error_not_a_silent_loss(void **state)
{
    (void)state;
    FILE *full = fopen("/dev/full", "w");
    if (!full)
        skip();
    qs_instrument *inst;
    qs_diag_list e;
    qs_diag_list_init(&e);
    assert_int_equal(qs_instrument_load_mem(&inst, DEF, strlen(DEF), "t.yaml", &e), QS_OK);
    size_t len;
    char *csv = make_input(&len);
    qs_pipeline_stats st;
    for (int threads = 1; threads <= 2; threads++) {
        qs_mapping *idmap;
        static const char mm[] = "response_id: id\nclient_id: client_id\n";
        assert_int_equal(qs_mapping_load_mem(&idmap, mm, strlen(mm), "m.yaml", &e), QS_OK);
        FILE *q = fopen("/dev/null", "w");
        for (int f = 0; f < 2; f++) {
            qs_error rc =
                run(inst, idmap, csv, len, f ? QS_OUT_WIDE : QS_OUT_CSV, full, q, threads, &st);
            assert_int_equal(rc, QS_EIO);
        }
        fclose(q);
        qs_mapping_free(idmap);
    }
    fclose(full);
    free(csv);
    qs_instrument_free(inst);
    qs_diag_list_release(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_threads_write_the_same_bytes_as_one),
        cmocka_unit_test(test_a_full_disk_is_an_io_error_not_a_silent_loss),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
