/* test_reader_encoding.c - the reader's encoding decided on evidence from the whole file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* cmocka.h needs the headers above. */
#include <cmocka.h>

#include "qscore/reader.h"

#define CHUNK   QS_READER_SNIFF_BYTES
#define E_UML   "\xC3\xAB" /* e with diaeresis in UTF-8 */
#define E_ACUTE "\xC3\xA9"

/* A growable byte string for building inputs. */
typedef struct bytes {
    char *p;
    size_t n, cap;
} bytes;

static void b_str(bytes *b, const char *s)
{
    size_t n = strlen(s);
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        b->p = realloc(b->p, cap);
        assert_non_null(b->p);
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n + 1);
    b->n += n;
}

/* ASCII rows until the text is past the first chunk (the old sniff window). */
static void b_ascii_rows_past_first_chunk(bytes *b)
{
    while (b->n < CHUNK + 1000)
        b_str(b, "1,plain text\n");
}

/* Open from memory, or (via_file) from a temporary file, so pread look-ahead is used. */
static qs_reader *open_bytes(const bytes *b, int via_file, const qs_reader_opts *o, char *path)
{
    qs_reader *r = NULL;
    qs_diag d;
    qs_diag_clear(&d);
    qs_error rc;
    if (via_file) {
        snprintf(path, 64, "%s", "/tmp/qs_test_encoding_XXXXXX");
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, b->p, b->n), (ssize_t)b->n);
        close(fd);
        rc = qs_reader_open(&r, path, "export.csv", o, &d);
    } else {
        path[0] = '\0';
        rc = qs_reader_open_mem(&r, b->p, b->n, "mem.csv", o, &d);
    }
    if (rc != QS_OK)
        fail_msg("open failed: %s", d.message);
    return r;
}

static void close_bytes(qs_reader *r, char *path)
{
    qs_reader_free(r);
    if (path[0])
        unlink(path);
}

/* The record that starts with `first` (reading on from where r is). */
static void find_record(qs_reader *r, const char *first, qs_record *rec)
{
    qs_diag d;
    for (;;) {
        qs_error rc = qs_reader_next(r, rec, &d);
        if (rc != QS_OK)
            fail_msg("no record starting '%s' (%s)", first, qs_error_name(rc));
        if (rec->nfields && strcmp(rec->fields[0], first) == 0)
            return;
    }
}

static void check_one_bad_byte_in_a_comment_keeps_the_file_utf8(int via_file)
{
    /* the red-team file: a 0x92 (Windows-1252 apostrophe) in a comment of a UTF-8 export */
    bytes b = {0};
    char path[64];
    b_str(&b, "client,comment\nbad,it\x92s fine\n");
    b_ascii_rows_past_first_chunk(&b);
    b_str(&b, "Zo" E_UML "-01,ok\n");
    qs_reader *r = open_bytes(&b, via_file, NULL, path);
    assert_int_equal(qs_reader_encoding(r), QS_ENC_UTF8);
    qs_record rec;
    find_record(r, "bad", &rec);
    assert_int_equal(rec.bad_encoding, 1);
    assert_non_null(rec.field_bad);
    assert_int_equal(rec.field_bad[0], 0);
    assert_int_equal(rec.field_bad[1], 1);
    find_record(r, "1", &rec);
    assert_int_equal(rec.bad_encoding, 0);
    assert_null(rec.field_bad);
    find_record(r, "Zo" E_UML "-01", &rec);
    assert_int_equal(rec.bad_encoding, 0);
    close_bytes(r, path);
    free(b.p);
}

static void test_one_bad_byte_before_a_utf8_name_keeps_utf8_in_memory(void **state)
{
    (void)state;
    check_one_bad_byte_in_a_comment_keeps_the_file_utf8(0);
}

static void test_one_bad_byte_before_a_utf8_name_keeps_utf8_in_a_file(void **state)
{
    (void)state;
    check_one_bad_byte_in_a_comment_keeps_the_file_utf8(1);
}

static void check_only_invalid_bytes_late_in_the_file_is_cp1252(int via_file)
{
    bytes b = {0};
    char path[64];
    b_str(&b, "client,comment\n");
    b_ascii_rows_past_first_chunk(&b);
    b_str(&b, "Jos\xE9,caf\xE9\n");
    qs_reader *r = open_bytes(&b, via_file, NULL, path);
    assert_int_equal(qs_reader_encoding(r), QS_ENC_CP1252);
    qs_record rec;
    find_record(r, "Jos" E_ACUTE, &rec);
    assert_int_equal(rec.bad_encoding, 0);
    assert_string_equal(rec.fields[1], "caf" E_ACUTE);
    close_bytes(r, path);
    free(b.p);
}

static void test_windows_1252_bytes_after_the_first_chunk_decide_windows_1252(void **state)
{
    (void)state;
    check_only_invalid_bytes_late_in_the_file_is_cp1252(0);
    check_only_invalid_bytes_late_in_the_file_is_cp1252(1);
}

static void test_a_utf8_name_after_the_first_chunk_outweighs_an_early_bad_byte(void **state)
{
    (void)state;
    for (int via_file = 0; via_file <= 1; via_file++) {
        bytes b = {0};
        char path[64];
        b_str(&b, "client,comment\nx,caf\xE9\n");
        b_ascii_rows_past_first_chunk(&b);
        b_str(&b, "Zo" E_UML "-01,ok\n");
        qs_reader *r = open_bytes(&b, via_file, NULL, path);
        assert_int_equal(qs_reader_encoding(r), QS_ENC_UTF8);
        qs_record rec;
        find_record(r, "x", &rec);
        assert_int_equal(rec.bad_encoding, 1);
        find_record(r, "Zo" E_UML "-01", &rec);
        assert_int_equal(rec.bad_encoding, 0);
        close_bytes(r, path);
        free(b.p);
    }
}

static void test_overlong_and_surrogate_sequences_are_not_utf8_evidence(void **state)
{
    (void)state;
    /* C0 AF is an overlong '/', ED A0 80 a UTF-16 surrogate: neither makes the file UTF-8 */
    bytes b = {0};
    char path[64];
    b_str(&b, "a,b\n\xC0\xAF,\xED\xA0\x80\n");
    qs_reader *r = open_bytes(&b, 0, NULL, path);
    assert_int_equal(qs_reader_encoding(r), QS_ENC_CP1252);
    close_bytes(r, path);
    free(b.p);

    /* with a real UTF-8 name, the file is UTF-8 and those fields are bad */
    bytes c = {0};
    b_str(&c, "a,b\nZo" E_UML ",ok\nx,\xC0\xAF\ny,\xED\xA0\x80\n");
    r = open_bytes(&c, 0, NULL, path);
    assert_int_equal(qs_reader_encoding(r), QS_ENC_UTF8);
    qs_record rec;
    find_record(r, "x", &rec);
    assert_int_equal(rec.bad_encoding, 1);
    assert_int_equal(rec.field_bad[1], 1);
    find_record(r, "y", &rec);
    assert_int_equal(rec.bad_encoding, 1);
    assert_int_equal(rec.field_bad[0], 0);
    assert_int_equal(rec.field_bad[1], 1);
    close_bytes(r, path);
    free(c.p);
}

static void test_a_utf8_sequence_cut_by_the_first_chunk_counts_as_evidence(void **state)
{
    (void)state;
    for (int via_file = 0; via_file <= 1; via_file++) {
        bytes b = {0};
        char path[64];
        b_str(&b, "a\nx\xE9y\n"); /* an early invalid byte */
        while (b.n < CHUNK - 1)
            b_str(&b, "z");
        while (b.n > CHUNK - 1)
            b.n--;
        b.p[b.n] = '\0';
        b_str(&b, E_UML "\n"); /* its first byte ends the first chunk */
        qs_reader *r = open_bytes(&b, via_file, NULL, path);
        assert_int_equal(qs_reader_encoding(r), QS_ENC_UTF8);
        close_bytes(r, path);
        free(b.p);
    }
}

static void test_a_pinned_encoding_is_used_as_given(void **state)
{
    (void)state;
    bytes b = {0};
    char path[64];
    b_str(&b, "a\nZo" E_UML "\n");
    qs_reader_opts o = {0};
    o.pin_encoding = 1;
    o.encoding = QS_ENC_CP1252;
    qs_reader *r = open_bytes(&b, 1, &o, path);
    assert_int_equal(qs_reader_encoding(r), QS_ENC_CP1252);
    qs_record rec;
    find_record(r, "a", &rec);
    qs_diag d;
    assert_int_equal(qs_reader_next(r, &rec, &d), QS_OK);
    assert_string_equal(rec.fields[0], "Zo\xC3\x83\xC2\xAB"); /* as Windows-1252 reads it */
    close_bytes(r, path);

    /* pinned UTF-8 with a BOM: the BOM is skipped */
    bytes c = {0};
    b_str(&c, "\xEF\xBB\xBF"
              "a\n\xE9\n");
    o.encoding = QS_ENC_UTF8;
    r = open_bytes(&c, 0, &o, path);
    find_record(r, "a", &rec);
    assert_int_equal(qs_reader_next(r, &rec, &d), QS_OK);
    assert_int_equal(rec.bad_encoding, 1);
    close_bytes(r, path);
    free(b.p);
    free(c.p);
}

static void test_encoding_names_parse_for_a_mapping(void **state)
{
    (void)state;
    qs_encoding e;
    assert_true(qs_encoding_parse("utf-8", &e) && e == QS_ENC_UTF8);
    assert_true(qs_encoding_parse("UTF-16LE", &e) && e == QS_ENC_UTF16LE);
    assert_true(qs_encoding_parse("utf-16be", &e) && e == QS_ENC_UTF16BE);
    assert_true(qs_encoding_parse("Windows-1252", &e) && e == QS_ENC_CP1252);
    assert_false(qs_encoding_parse("latin1", &e));
    assert_false(qs_encoding_parse("utf-8-bom", &e));
    assert_false(qs_encoding_parse("utf-8x", &e));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_bad_byte_before_a_utf8_name_keeps_utf8_in_memory),
        cmocka_unit_test(test_one_bad_byte_before_a_utf8_name_keeps_utf8_in_a_file),
        cmocka_unit_test(test_windows_1252_bytes_after_the_first_chunk_decide_windows_1252),
        cmocka_unit_test(test_a_utf8_name_after_the_first_chunk_outweighs_an_early_bad_byte),
        cmocka_unit_test(test_overlong_and_surrogate_sequences_are_not_utf8_evidence),
        cmocka_unit_test(test_a_utf8_sequence_cut_by_the_first_chunk_counts_as_evidence),
        cmocka_unit_test(test_a_pinned_encoding_is_used_as_given),
        cmocka_unit_test(test_encoding_names_parse_for_a_mapping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
