/* test_reader.c - unit tests for the CSV reader: lines, quoting, encodings, delimiters, errors. */
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
#define SMILE   "\xF0\x9F\x98\x80" /* U+1F600, a surrogate pair in UTF-16 */
#define E_ACUTE "\xC3\xA9"

/* ---- helpers ------------------------------------------------------------------------- */

/* A growable byte string for building inputs. */
typedef struct bytes {
    unsigned char *p;
    size_t n, cap;
} bytes;

static void b_put(bytes *b, const void *s, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n)
            cap *= 2;
        b->p = realloc(b->p, cap);
        assert_non_null(b->p);
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void b_str(bytes *b, const char *s)
{
    b_put(b, s, strlen(s));
}

static void b_rep(bytes *b, char c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b_put(b, &c, 1);
}

static void b_u16_unit(bytes *b, unsigned u, int be)
{
    unsigned char two[2];
    two[be ? 0 : 1] = (unsigned char)(u >> 8);
    two[be ? 1 : 0] = (unsigned char)(u & 0xFF);
    b_put(b, two, 2);
}

static void b_u16(bytes *b, unsigned long cp, int be)
{
    if (cp >= 0x10000) {
        b_u16_unit(b, (unsigned)(0xD800 + ((cp - 0x10000) >> 10)), be);
        b_u16_unit(b, (unsigned)(0xDC00 + ((cp - 0x10000) & 0x3FF)), be);
    } else {
        b_u16_unit(b, (unsigned)cp, be);
    }
}

/* ASCII text as UTF-16. */
static void b_u16_str(bytes *b, const char *s, int be)
{
    for (; *s; s++)
        b_u16(b, (unsigned char)*s, be);
}

static qs_reader *open_buf(const void *data, size_t len, const qs_reader_opts *opts)
{
    qs_reader *r = NULL;
    qs_diag d;
    qs_diag_clear(&d);
    qs_error rc = qs_reader_open_mem(&r, data, len, "mem.csv", opts, &d);
    if (rc != QS_OK)
        fail_msg("open failed: %s: %s", qs_error_name(rc), d.message);
    assert_non_null(r);
    return r;
}

/* For string literals, which may hold NUL bytes. */
#define OPEN_LIT(s) open_buf((s), sizeof(s) - 1, NULL)

static void next_ok(qs_reader *r, qs_record *rec)
{
    qs_diag d;
    qs_diag_clear(&d);
    qs_error rc = qs_reader_next(r, rec, &d);
    if (rc != QS_OK)
        fail_msg("expected a record, got %s: %s", qs_error_name(rc), d.message);
}

static void next_edata(qs_reader *r, qs_record *rec, qs_diag *d)
{
    qs_diag_clear(d);
    qs_error rc = qs_reader_next(r, rec, d);
    if (rc != QS_EDATA)
        fail_msg("expected QS_EDATA, got %s", qs_error_name(rc));
    assert_string_equal(d->file, "mem.csv");
}

static void assert_eof(qs_reader *r)
{
    qs_record rec;
    qs_diag d;
    assert_int_equal(qs_reader_next(r, &rec, &d), QS_EEOF);
    assert_int_equal(rec.nfields, 0);
}

/* The record has exactly these fields (and lens agree). */
static void assert_fields(const qs_record *rec, size_t n, ...)
{
    va_list ap;
    assert_int_equal(rec->nfields, n);
    va_start(ap, n);
    for (size_t i = 0; i < n; i++) {
        const char *want = va_arg(ap, const char *);
        assert_string_equal(rec->fields[i], want);
        assert_int_equal(rec->lens[i], strlen(want));
    }
    va_end(ap);
}

static void assert_lines(const qs_record *rec, unsigned long line, unsigned long end_line)
{
    assert_int_equal(rec->line, line);
    assert_int_equal(rec->end_line, end_line);
}

/* ---- line endings and lines ---------------------------------------------------------- */

static void test_lf_file_yields_records_with_fields_and_lines(void **state)
{
    (void)state;
    qs_reader *r = OPEN_LIT("a,b,c\n1,2,3\n");
    qs_record rec;
    next_ok(r, &rec);
    assert_fields(&rec, 3, "a", "b", "c");
    assert_lines(&rec, 1, 1);
    assert_int_equal(rec.bad_encoding, 0);
    next_ok(r, &rec);
    assert_fields(&rec, 3, "1", "2", "3");
    assert_lines(&rec, 2, 2);
    assert_eof(r);
    assert_int_equal(qs_reader_encoding(r), QS_ENC_UTF8);
    assert_int_equal(qs_reader_bytes(r), 12);
    qs_reader_free(r);
}

static void test_crlf_file_yields_the_same_records_as_lf(void **state)
{
    (void)state;
    qs_reader *r = OPEN_LIT("a,b\r\n1,2\r\n3,4\r\n");
    qs_record rec;
    next_ok(r, &rec);
    assert_fields(&rec, 2, "a", "b");
    assert_lines(&rec, 1, 1);
    next_ok(r, &rec);
    assert_fields(&rec, 2, "1", "2");
    assert_lines(&rec, 2, 2);
    next_ok(r, &rec);
    assert_fields(&rec, 2, "3", "4");
    assert_lines(&rec, 3, 3);
    assert_eof(r);
    qs_reader_free(r);
}

static void test_lone_cr_file_is_split_into_lines(void **state)
{
    (void)state;
    qs_reader *r = OPEN_LIT("a,b\r1,2\r\r3,4");
    qs_record rec;
    next_ok(r, &rec);
    assert_fields(&rec, 2, "a", "b");
    assert_lines(&rec, 1, 1);
    next_ok(r, &rec);
    assert_fields(&rec, 2, "1", "2");
    assert_lines(&rec, 2, 2);
    next_ok(r, &rec);
    assert_fields(&rec, 2, "3", "4");
    assert_lines(&rec, 4, 4);
    assert_eof(r);
    qs_reader_free(r);
}

static void test_crlf_split_across_chunks_counts_one_line_break(void **state)
{
    (void)state;
    /* '\r' is the last byte of the first chunk, '\n' the first of the second */
    bytes b = {0};
    b_str(&b, "1,");
    b_rep(&b, 'x', CHUNK - 3);
    b_str(&b, "\r\n2,y\r\n");
    assert_int_equal(b.p[CHUNK - 1], '\r');
    qs_reader *r = open_buf(b.p, b.n, NULL);
    qs_record rec;
    next_ok(r, &rec);
    assert_int_equal(rec.lens[1], CHUNK - 3);
    assert_lines(&rec, 1, 1);
    next_ok(r, &rec);
    assert_fields(&rec, 2, "2", "y");
    assert_lines(&rec, 2, 2);
    assert_eof(r);
    qs_reader_free(r);

    /* a lone CR at the same place is a line break of its own */
    b.p[CHUNK] = '3';
    r = open_buf(b.p, b.n, NULL);
    next_ok(r, &rec);
    assert_lines(&rec, 1, 1);
    next_ok(r, &rec);
    assert_fields(&rec, 2, "32", "y");
    assert_lines(&rec, 2, 2);
    assert_eof(r);
    qs_reader_free(r);
    free(b.p);
}

static void test_blank_lines_are_skipped_but_counted(void **state)
{
    (void)state;
    qs_reader *r = OPEN_LIT("\n\na,b\n\n   \n1,2\r\n\r\n3,4\n\n");
    qs_record rec;
    next_ok(r, &rec);
    assert_fields(&rec, 2, "a", "b");
    assert_lines(&rec, 3, 3);
    next_ok(r, &rec);
    assert_fields(&rec, 2, "1", "2");
    assert_lines(&rec, 6, 6);
    next_ok(r, &rec);
    assert_fields(&rec, 2, "3", "4");
    assert_lines(&rec, 8, 8);
    assert_eof(r);
    qs_reader_free(r);
}

static void test_last_record_without_trailing_newline_is_read(void **state)
{
    (void)state;
    qs_reader *r = OPEN_LIT("a,b\n1,\"two\"");
    qs_record rec;
    next_ok(r, &rec);
    next_ok(r, &rec);
    assert_fields(&rec, 2, "1", "two");
    assert_lines(&rec, 2, 2);
    assert_eof(r);
    assert_eof(r); /* end of input is sticky */
    qs_reader_free(r);
}

static void test_many_records_across_chunks_keep_fields_and_lines(void **state)
{
    (void)state;
    bytes b = {0};
    char line[64];
    for (int i = 1; i <= 20000; i++) {
        snprintf(line, sizeof(line), "%d,%d,\"q%d\"\n", i, i % 7, i);
        b_str(&b, line);
    }
    assert_true(b.n > 3 * CHUNK);
    qs_reader *r = open_buf(b.p, b.n, NULL);
    qs_record rec;
    for (int i = 1; i <= 20000; i++) {
        next_ok(r, &rec);
        snprintf(line, sizeof(line), "%d", i);
        assert_int_equal(rec.nfields, 3);
        assert_string_equal(rec.fields[0], line);
        assert_int_equal(rec.line, (unsigned long)i);
    }
    assert_eof(r);
    assert_int_equal(qs_reader_bytes(r), b.n);
    qs_reader_free(r);
    free(b.p);
}

/* ---- quoting ------------------------------------------------------------------------- */

static void test_quoted_field_keeps_delimiter_and_doubled_quotes(void **state)
{
    (void)state;
    qs_reader *r = OPEN_LIT("\"x,y\",\"say \"\"hi\"\"\",z\n");
    qs_record rec;
    next_ok(r, &rec);
    assert_fields(&rec, 3, "x,y", "say \"hi\"", "z");
    assert_eof(r);
    qs_reader_free(r);
}

static void test_embedded_newlines_count_toward_later_line_numbers(void **state)
{
    (void)state;
    qs_reader *r = OPEN_LIT("id,text\n1,\"line one\nline two\n\nline four\"\n2,plain\n");
    qs_record rec;
    next_ok(r, &rec);
    assert_lines(&rec, 1, 1);
    next_ok(r, &rec);
    assert_fields(&rec, 2, "1", "line one\nline two\n\nline four");
    assert_lines(&rec, 2, 5);
    next_ok(r, &rec);
    assert_fields(&rec, 2, "2", "plain");
    assert_lines(&rec, 6, 6);
    assert_eof(r);
    qs_reader_free(r);
}

static void test_embedded_crlf_and_cr_count_as_one_line_each(void **state)
{
    (void)state;
    qs_reader *r = OPEN_LIT("1,\"a\r\nb\rc\"\r\n2,x\r\n");
    qs_record rec;
    next_ok(r, &rec);
    assert_fields(&rec, 2, "1", "a\r\nb\rc");
    assert_lines(&rec, 1, 3);
    next_ok(r, &rec);
    assert_fields(&rec, 2, "2", "x");
    assert_lines(&rec, 4, 4);
    assert_eof(r);
    qs_reader_free(r);
}

static void test_unquoted_empty_is_null_and_quoted_empty_is_not(void **state)
{
    (void)state;
    qs_reader *r = OPEN_LIT("a,,\"\",d,\n");
    qs_record rec;
    next_ok(r, &rec);
    assert_fields(&rec, 5, "a", "", "", "d", "");
    assert_int_equal(rec.is_null[0], 0);
    assert_int_equal(rec.is_null[1], 1);
    assert_int_equal(rec.is_null[2], 0);
    assert_int_equal(rec.is_null[3], 0);
    assert_int_equal(rec.is_null[4], 1);
    qs_reader_free(r);
}

static void test_blanks_around_unquoted_fields_are_trimmed_but_not_inside_quotes(void **state)
{
    (void)state;
    qs_reader *r = OPEN_LIT(" a , b ,\" c \" ,\t4\t\n");
    qs_record rec;
    next_ok(r, &rec);
    assert_fields(&rec, 4, "a", "b", " c ", "4");
    qs_reader_free(r);
}

/* ---- encodings ----------------------------------------------------------------------- */

static void test_utf8_bom_is_stripped_from_first_field(void **state)
{
    (void)state;
    qs_reader *r = OPEN_LIT("\xEF\xBB\xBFStartDate,EndDate\n1,2\n");
    qs_record rec;
    next_ok(r, &rec);
    assert_fields(&rec, 2, "StartDate", "EndDate");
    assert_int_equal(qs_reader_encoding(r), QS_ENC_UTF8_BOM);
    qs_reader_free(r);
}

static void check_utf16_with_surrogate_pair(int be)
{
    bytes b = {0};
    b_u16_unit(&b, 0xFEFF, be);
    b_u16_str(&b, "id\ttext\r\n1\t", be);
    b_u16(&b, 0xE9, be);
    b_u16(&b, 0x1F600, be);
    b_u16_str(&b, "\r\n2\tz\r\n", be);
    qs_reader *r = open_buf(b.p, b.n, NULL);
    assert_int_equal(qs_reader_encoding(r), be ? QS_ENC_UTF16BE : QS_ENC_UTF16LE);
    assert_int_equal(qs_reader_delimiter(r), '\t');
    qs_record rec;
    next_ok(r, &rec);
    assert_fields(&rec, 2, "id", "text");
    next_ok(r, &rec);
    assert_fields(&rec, 2, "1", E_ACUTE SMILE);
    assert_lines(&rec, 2, 2);
    assert_int_equal(rec.bad_encoding, 0);
    next_ok(r, &rec);
    assert_fields(&rec, 2, "2", "z");
    assert_lines(&rec, 3, 3);
    assert_eof(r);
    qs_reader_free(r);
    free(b.p);
}

static void test_utf16le_with_bom_is_transcoded_including_a_surrogate_pair(void **state)
{
    (void)state;
    check_utf16_with_surrogate_pair(0);
}

static void test_utf16be_with_bom_is_transcoded_including_a_surrogate_pair(void **state)
{
    (void)state;
    check_utf16_with_surrogate_pair(1);
}

static void check_pair_split_at_chunk(int be)
{
    /* BOM (2) + "id,text\n" (16) + "1," (4) + k x (2k) + "\n" (2) + "2," (4): the high
     * surrogate starts at byte CHUNK - 2, the low one at CHUNK. */
    size_t k = (CHUNK - 2 - 28) / 2;
    bytes b = {0};
    b_u16_unit(&b, 0xFEFF, be);
    b_u16_str(&b, "id,text\n1,", be);
    for (size_t i = 0; i < k; i++)
        b_u16(&b, 'x', be);
    b_u16_str(&b, "\n2,", be);
    assert_int_equal(b.n, CHUNK - 2);
    b_u16(&b, 0x1F600, be);
    b_u16_str(&b, "!\n3,end\n", be);
    qs_reader *r = open_buf(b.p, b.n, NULL);
    qs_record rec;
    next_ok(r, &rec);
    next_ok(r, &rec);
    assert_int_equal(rec.lens[1], k);
    next_ok(r, &rec);
    assert_fields(&rec, 2, "2", SMILE "!");
    assert_int_equal(rec.bad_encoding, 0);
    assert_lines(&rec, 3, 3);
    next_ok(r, &rec);
    assert_fields(&rec, 2, "3", "end");
    assert_lines(&rec, 4, 4);
    assert_eof(r);
    assert_int_equal(qs_reader_bytes(r), b.n);
    qs_reader_free(r);
    free(b.p);
}

static void test_utf16le_surrogate_pair_split_by_a_chunk_boundary_is_joined(void **state)
{
    (void)state;
    check_pair_split_at_chunk(0);
}

static void test_utf16be_surrogate_pair_split_by_a_chunk_boundary_is_joined(void **state)
{
    (void)state;
    check_pair_split_at_chunk(1);
}

static void test_utf16_unpaired_surrogate_marks_only_its_record(void **state)
{
    (void)state;
    bytes b = {0};
    b_u16_unit(&b, 0xFEFF, 0);
    b_u16_str(&b, "a,b\n1,", 0);
    b_u16_unit(&b, 0xD800, 0); /* high surrogate followed by 'x' */
    b_u16_str(&b, "x\n2,", 0);
    b_u16_unit(&b, 0xDC00, 0); /* lone low surrogate */
    b_u16_str(&b, "\n3,y\n4,", 0);
    b_u16_unit(&b, 0xD83D, 0); /* high surrogate cut off by the end of input */
    b_put(&b, "\n", 1);        /* half a unit */
    qs_reader *r = open_buf(b.p, b.n, NULL);
    qs_record rec;
    next_ok(r, &rec);
    assert_int_equal(rec.bad_encoding, 0);
    next_ok(r, &rec);
    assert_int_equal(rec.bad_encoding, 1);
    assert_lines(&rec, 2, 2);
    assert_int_equal(rec.nfields, 2);
    assert_string_equal(rec.fields[0], "1");
    assert_non_null(strchr(rec.fields[1], 'x')); /* the unit after the bad one is kept */
    next_ok(r, &rec);
    assert_int_equal(rec.bad_encoding, 1);
    next_ok(r, &rec);
    assert_int_equal(rec.bad_encoding, 0);
    assert_fields(&rec, 2, "3", "y");
    next_ok(r, &rec);
    assert_int_equal(rec.bad_encoding, 1);
    assert_lines(&rec, 5, 5);
    assert_int_equal(rec.nfields, 2);
    assert_eof(r);
    qs_reader_free(r);
    free(b.p);
}

static void test_cp1252_bytes_are_detected_and_transcoded(void **state)
{
    (void)state;
    qs_reader *r = OPEN_LIT("name,price\ncaf\xE9,\x80 5\n\x93q\x94,\xFF\n");
    assert_int_equal(qs_reader_encoding(r), QS_ENC_CP1252);
    qs_record rec;
    next_ok(r, &rec);
    next_ok(r, &rec);
    assert_fields(&rec, 2, "caf" E_ACUTE, "\xE2\x82\xAC 5");
    assert_int_equal(rec.bad_encoding, 0);
    next_ok(r, &rec);
    assert_fields(&rec, 2, "\xE2\x80\x9Cq\xE2\x80\x9D", "\xC3\xBF");
    assert_eof(r);
    qs_reader_free(r);
}

static void test_cp1252_undefined_byte_marks_its_record_bad(void **state)
{
    (void)state;
    qs_reader *r = OPEN_LIT("a\n\xE9\n\x81\nok\n");
    assert_int_equal(qs_reader_encoding(r), QS_ENC_CP1252);
    qs_record rec;
    next_ok(r, &rec);
    assert_int_equal(rec.bad_encoding, 0);
    next_ok(r, &rec);
    assert_int_equal(rec.bad_encoding, 0);
    next_ok(r, &rec);
    assert_int_equal(rec.bad_encoding, 1);
    assert_lines(&rec, 3, 3);
    next_ok(r, &rec);
    assert_int_equal(rec.bad_encoding, 0);
    assert_fields(&rec, 1, "ok");
    qs_reader_free(r);
}

static void test_utf8_invalid_record_after_the_sniff_window_is_marked_bad(void **state)
{
    (void)state;
    bytes b = {0};
    b_str(&b, "id,text\n");
    unsigned long lines = 1;
    while (b.n < CHUNK + 1000) {
        b_str(&b, "1,caf" E_ACUTE "\n");
        lines++;
    }
    b_str(&b, "2,caf\xE9\n"); /* a cp1252 byte in a UTF-8 file */
    b_str(&b, "3,ok\n");
    qs_reader *r = open_buf(b.p, b.n, NULL);
    assert_int_equal(qs_reader_encoding(r), QS_ENC_UTF8);
    qs_record rec;
    for (unsigned long i = 1; i <= lines; i++) {
        next_ok(r, &rec);
        assert_int_equal(rec.bad_encoding, 0);
        assert_int_equal(rec.line, i);
    }
    next_ok(r, &rec);
    assert_int_equal(rec.bad_encoding, 1);
    assert_lines(&rec, lines + 1, lines + 1);
    next_ok(r, &rec);
    assert_int_equal(rec.bad_encoding, 0);
    assert_fields(&rec, 2, "3", "ok");
    assert_eof(r);
    qs_reader_free(r);
    free(b.p);
}

/* `ch` straddles the end of the sniff window with `in_window` of its bytes inside it. */
static void check_cut_character(const char *ch, size_t in_window)
{
    bytes b = {0};
    b_str(&b, "h\n1,");
    b_rep(&b, 'x', CHUNK - 4 - in_window);
    b_str(&b, ch);
    b_str(&b, "\n2," SMILE "\n");
    qs_reader *r = open_buf(b.p, b.n, NULL);
    assert_int_equal(qs_reader_encoding(r), QS_ENC_UTF8);
    qs_record rec;
    next_ok(r, &rec);
    next_ok(r, &rec);
    assert_int_equal(rec.bad_encoding, 0);
    assert_int_equal(rec.lens[1], CHUNK - 4 - in_window + strlen(ch));
    assert_memory_equal(rec.fields[1] + CHUNK - 4 - in_window, ch, strlen(ch));
    next_ok(r, &rec);
    assert_fields(&rec, 2, "2", SMILE);
    assert_int_equal(rec.bad_encoding, 0);
    assert_eof(r);
    qs_reader_free(r);
    free(b.p);
}

static void test_utf8_character_cut_by_the_sniff_window_is_still_utf8(void **state)
{
    (void)state;
    check_cut_character(E_ACUTE, 1);
    check_cut_character(SMILE, 1);
    check_cut_character(SMILE, 2);
    check_cut_character(SMILE, 3);
    check_cut_character("\xE2\x82\xAC", 2);
}

static void test_overlong_surrogate_out_of_range_and_nul_bytes_are_bad(void **state)
{
    (void)state;
    /* the BOM makes the file UTF-8 whatever follows; each record is validated */
    qs_reader *r = OPEN_LIT("\xEF\xBB\xBF"
                            "ok," SMILE "\n"
                            "\xC0\xAF\n"
                            "\xE0\x80\xAF\n"
                            "\xF0\x80\x80\xAF\n"
                            "\xED\xA0\x80\n"
                            "\xF4\x90\x80\x80\n"
                            "a\0b\n"
                            "\xE2\x82\n"
                            "\xE2\x82\xAC\n");
    qs_record rec;
    int want[] = {0, 1, 1, 1, 1, 1, 1, 1, 0};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        next_ok(r, &rec);
        assert_int_equal(rec.line, i + 1);
        assert_int_equal(rec.bad_encoding, want[i]);
    }
    assert_eof(r);
    qs_reader_free(r);
}

/* ---- delimiters ---------------------------------------------------------------------- */

static char sniffed(const char *text)
{
    qs_reader *r = open_buf(text, strlen(text), NULL);
    char d = qs_reader_delimiter(r);
    qs_reader_free(r);
    return d;
}

static void test_delimiter_is_sniffed_from_the_first_record(void **state)
{
    (void)state;
    assert_int_equal(sniffed("a,b,c\n1,2,3\n"), ',');
    assert_int_equal(sniffed("a;b;c\n1,5;2,5;3\n"), ';');
    assert_int_equal(sniffed("a\tb\tc\n1,2\t3\t4\n"), '\t');
    assert_int_equal(sniffed("\n\n  \na;b\n"), ';');         /* blank lines first */
    assert_int_equal(sniffed("single\ncolumn;file\n"), ','); /* none in record 1 */
    assert_int_equal(sniffed("a,b;c\n"), ',');               /* tie: ',' first */
    assert_int_equal(sniffed("a;b\tc\n"), ';');              /* tie: ';' before tab */
}

static void test_semicolon_file_with_commas_in_quoted_text_is_semicolon(void **state)
{
    (void)state;
    qs_reader *r = OPEN_LIT("\"Hello, world, again\";\"a, b, c\";x\n1;\"2, 5\";3\n");
    assert_int_equal(qs_reader_delimiter(r), ';');
    qs_record rec;
    next_ok(r, &rec);
    assert_fields(&rec, 3, "Hello, world, again", "a, b, c", "x");
    next_ok(r, &rec);
    assert_fields(&rec, 3, "1", "2, 5", "3");
    qs_reader_free(r);
}

static void test_tab_delimited_file_keeps_empty_leading_and_middle_fields(void **state)
{
    (void)state;
    qs_reader *r = OPEN_LIT("a\tb\tc\n\tx\t\n1\t\t3\n x \t y\tz\n");
    assert_int_equal(qs_reader_delimiter(r), '\t');
    qs_record rec;
    next_ok(r, &rec);
    next_ok(r, &rec);
    assert_fields(&rec, 3, "", "x", "");
    assert_int_equal(rec.is_null[0], 1);
    assert_lines(&rec, 2, 2);
    next_ok(r, &rec);
    assert_fields(&rec, 3, "1", "", "3");
    assert_int_equal(rec.is_null[1], 1);
    next_ok(r, &rec);
    assert_fields(&rec, 3, "x", "y", "z");
    qs_reader_free(r);
}

static void test_given_delimiter_overrides_sniffing(void **state)
{
    (void)state;
    qs_reader_opts o = {.delimiter = '|'};
    const char *text = "a|b,c,d\n";
    qs_reader *r = open_buf(text, strlen(text), &o);
    assert_int_equal(qs_reader_delimiter(r), '|');
    qs_record rec;
    next_ok(r, &rec);
    assert_fields(&rec, 2, "a", "b,c,d");
    qs_reader_free(r);
}

static void test_invalid_delimiter_option_is_rejected(void **state)
{
    (void)state;
    qs_reader_opts o = {.delimiter = '"'};
    qs_reader *r = (qs_reader *)&o; /* must be reset to NULL */
    qs_diag d;
    assert_int_equal(qs_reader_open_mem(&r, "a\n", 2, "mem.csv", &o, &d), QS_EUSAGE);
    assert_null(r);
    assert_non_null(strstr(d.message, "invalid delimiter"));
}

/* ---- record errors ------------------------------------------------------------------- */

static void test_stray_quote_is_reported_and_following_records_are_read(void **state)
{
    (void)state;
    qs_reader *r = OPEN_LIT("a,b\n1,x\"y,\"z\n2,ok\n");
    qs_record rec;
    qs_diag d;
    next_ok(r, &rec);
    next_edata(r, &rec, &d);
    assert_int_equal(d.line, 2);
    assert_int_equal(d.column, 2);
    assert_string_equal(d.message, "stray quote in unquoted field");
    assert_lines(&rec, 2, 2);
    assert_int_equal(rec.nfields, 0);
    next_ok(r, &rec);
    assert_fields(&rec, 2, "2", "ok");
    assert_lines(&rec, 3, 3);
    assert_eof(r);
    qs_reader_free(r);
}

static void test_text_after_closing_quote_in_multiline_record_names_its_line(void **state)
{
    (void)state;
    qs_reader *r = OPEN_LIT("h\n\"a\nb\"x,1\n3\n");
    qs_record rec;
    qs_diag d;
    next_ok(r, &rec);
    next_edata(r, &rec, &d);
    assert_string_equal(d.message, "unexpected character after closing quote");
    assert_int_equal(d.line, 3);
    assert_int_equal(d.column, 1);
    assert_lines(&rec, 2, 3);
    next_ok(r, &rec);
    assert_fields(&rec, 1, "3");
    assert_lines(&rec, 4, 4);
    qs_reader_free(r);
}

static void test_quote_after_blanks_behind_a_closing_quote_is_reported(void **state)
{
    (void)state;
    qs_reader *r = OPEN_LIT("\"a\" \"b\",c\n\"d\"  ,e\n");
    qs_record rec;
    qs_diag d;
    next_edata(r, &rec, &d);
    assert_string_equal(d.message, "stray quote after closing quote");
    assert_int_equal(d.column, 1);
    next_ok(r, &rec); /* blanks between a closing quote and the delimiter are fine */
    assert_fields(&rec, 2, "d", "e");
    assert_lines(&rec, 2, 2);
    qs_reader_free(r);
}

static void test_stray_quote_skips_the_rest_of_a_line_longer_than_a_chunk(void **state)
{
    (void)state;
    /* after the error the rest of line 1 holds a quote that would swallow line 2 */
    bytes b = {0};
    b_str(&b, "1,a\"b,");
    b_rep(&b, 'x', CHUNK + 100);
    b_str(&b, ",\"open\n2,ok\n");
    qs_reader *r = open_buf(b.p, b.n, NULL);
    qs_record rec;
    qs_diag d;
    next_edata(r, &rec, &d);
    assert_int_equal(d.line, 1);
    next_ok(r, &rec);
    assert_fields(&rec, 2, "2", "ok");
    assert_lines(&rec, 2, 2);
    assert_eof(r);
    qs_reader_free(r);
    free(b.p);
}

static void test_field_over_max_field_is_reported_and_next_records_are_fine(void **state)
{
    (void)state;
    qs_reader_opts o = {.max_field = 8};
    const char *text = "a,b,c\n1,123456789,z\n2,12345678,\"12345678\"\n";
    qs_reader *r = open_buf(text, strlen(text), &o);
    qs_record rec;
    qs_diag d;
    next_ok(r, &rec);
    next_edata(r, &rec, &d);
    assert_string_equal(d.message, "field 2 exceeds 8 bytes");
    assert_int_equal(d.line, 2);
    assert_int_equal(d.column, 2);
    assert_lines(&rec, 2, 2);
    next_ok(r, &rec); /* exactly 8 bytes, quoted or not, is allowed */
    assert_fields(&rec, 3, "2", "12345678", "12345678");
    assert_eof(r);
    qs_reader_free(r);
}

static void test_huge_quoted_field_is_rejected_and_its_record_end_is_found(void **state)
{
    (void)state;
    /* 1 MB quoted field full of doubled quotes, delimiters and newlines: the reader must keep
     * libcsv's quote state while it discards the field, so record 3 is read intact. */
    bytes b = {0};
    b_str(&b, "id,text,n\n1,\"");
    unsigned long newlines = 0;
    while (b.n < 1000000) {
        b_str(&b, "\"\"x\"\",y,");
        b_rep(&b, 'z', 90);
        b_str(&b, "\n");
        newlines++;
    }
    b_str(&b, "\",5\n2,after,6\n");
    qs_reader *r = open_buf(b.p, b.n, NULL);
    qs_record rec;
    qs_diag d;
    next_ok(r, &rec);
    next_edata(r, &rec, &d);
    assert_string_equal(d.message, "field 2 exceeds 65536 bytes");
    assert_int_equal(d.column, 2);
    assert_lines(&rec, 2, 2 + newlines);
    next_ok(r, &rec);
    assert_fields(&rec, 3, "2", "after", "6");
    assert_lines(&rec, 3 + newlines, 3 + newlines);
    assert_eof(r);
    qs_reader_free(r);
    free(b.p);
}

static void test_huge_field_of_quotes_split_by_chunks_is_rejected(void **state)
{
    (void)state;
    /* chunk boundaries fall between the two quotes of a pair (libcsv's "maybe ended" state) */
    bytes b = {0};
    b_str(&b, "1,\"ab"); /* odd length: pairs straddle the even chunk boundaries */
    for (int i = 0; i < 100000; i++)
        b_str(&b, "\"\"");
    b_str(&b, "\",end\n2,ok\n");
    qs_reader *r = open_buf(b.p, b.n, NULL);
    qs_record rec;
    qs_diag d;
    next_edata(r, &rec, &d);
    assert_string_equal(d.message, "field 2 exceeds 65536 bytes");
    next_ok(r, &rec);
    assert_fields(&rec, 2, "2", "ok");
    assert_lines(&rec, 2, 2);
    assert_eof(r);
    qs_reader_free(r);
    free(b.p);
}

static void check_closing_quote_at_chunk_end(const char *blanks)
{
    /* the closing quote (and blanks) of a too long field end the second chunk, the delimiter
     * starts the third: libcsv must still strip exactly the quote and blanks it buffered (a
     * wrong reset makes libcsv write before its buffer: valgrind sees it, ASan cannot, as
     * libcsv is not instrumented) */
    bytes b = {0};
    b_str(&b, "1,\"");
    b_rep(&b, 'x', 2 * CHUNK - 4 - strlen(blanks));
    b_str(&b, "\"");
    b_str(&b, blanks);
    assert_int_equal(b.n, 2 * CHUNK);
    b_str(&b, ",end\n2,ok\n");
    qs_reader *r = open_buf(b.p, b.n, NULL);
    qs_record rec;
    qs_diag d;
    next_edata(r, &rec, &d);
    assert_string_equal(d.message, "field 2 exceeds 65536 bytes");
    assert_lines(&rec, 1, 1);
    next_ok(r, &rec);
    assert_fields(&rec, 2, "2", "ok");
    assert_lines(&rec, 2, 2);
    assert_eof(r);
    qs_reader_free(r);
    free(b.p);
}

static void test_too_long_field_closed_at_a_chunk_end_is_rejected_cleanly(void **state)
{
    (void)state;
    check_closing_quote_at_chunk_end("");
    check_closing_quote_at_chunk_end("  ");
}

static void test_too_many_fields_is_reported_and_next_records_are_fine(void **state)
{
    (void)state;
    qs_reader_opts o = {.max_fields = 3};
    const char *text = "a,b,c\n1,2,3,4,5\nx,y,z\n";
    qs_reader *r = open_buf(text, strlen(text), &o);
    qs_record rec;
    qs_diag d;
    next_ok(r, &rec);
    next_edata(r, &rec, &d);
    assert_string_equal(d.message, "record has more than 3 fields");
    assert_int_equal(d.line, 2);
    assert_int_equal(d.column, 4);
    next_ok(r, &rec);
    assert_fields(&rec, 3, "x", "y", "z");
    assert_lines(&rec, 3, 3);
    qs_reader_free(r);
}

static void test_unterminated_quote_at_end_of_input_is_reported(void **state)
{
    (void)state;
    qs_reader *r = OPEN_LIT("a,b\n1,\"open\nstill open\n");
    qs_record rec;
    qs_diag d;
    next_ok(r, &rec);
    next_edata(r, &rec, &d);
    assert_string_equal(d.message, "unterminated quoted field");
    assert_int_equal(d.line, 2);
    assert_int_equal(d.column, 2);
    assert_lines(&rec, 2, 3);
    assert_eof(r);
    qs_reader_free(r);
}

/* ---- files --------------------------------------------------------------------------- */

static void test_reading_a_temporary_file_gives_records_and_byte_count(void **state)
{
    (void)state;
    char path[] = "/tmp/qs_test_reader_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    assert_non_null(f);
    bytes b = {0};
    b_str(&b, "\xEF\xBB\xBFid;score\r\n");
    for (int i = 0; i < 10000; i++)
        b_str(&b, "7;\"3,5\"\r\n");
    assert_int_equal(fwrite(b.p, 1, b.n, f), b.n);
    assert_int_equal(fclose(f), 0);

    qs_reader *r = NULL;
    qs_diag d;
    assert_int_equal(qs_reader_open(&r, path, "export.csv", NULL, &d), QS_OK);
    assert_int_equal(qs_reader_encoding(r), QS_ENC_UTF8_BOM);
    assert_int_equal(qs_reader_delimiter(r), ';');
    qs_record rec;
    next_ok(r, &rec);
    assert_fields(&rec, 2, "id", "score");
    unsigned long n = 0;
    while (qs_reader_next(r, &rec, &d) == QS_OK) {
        n++;
        assert_fields(&rec, 2, "7", "3,5");
        assert_int_equal(rec.line, n + 1);
    }
    assert_int_equal(n, 10000);
    assert_int_equal(qs_reader_bytes(r), b.n);
    qs_reader_free(r);
    unlink(path);
    free(b.p);
}

static void test_missing_file_is_an_io_error_naming_the_file(void **state)
{
    (void)state;
    qs_reader *r = NULL;
    qs_diag d;
    qs_diag_clear(&d);
    qs_error rc = qs_reader_open(&r, "/nonexistent-qscore-dir/x.csv", "x.csv", NULL, &d);
    assert_int_equal(rc, QS_EIO);
    assert_null(r);
    assert_string_equal(d.file, ""); /* the message names it: no "x.csv: cannot open 'x.csv'" */
    assert_string_equal(d.message, "cannot open 'x.csv': No such file or directory");
}

static void test_unreadable_path_is_an_io_error_naming_the_file(void **state)
{
    (void)state;
    qs_reader *r = NULL;
    qs_diag d;
    qs_diag_clear(&d);
    qs_error rc = qs_reader_open(&r, "/tmp", NULL, NULL, &d); /* a directory: refused at open */
    assert_int_equal(rc, QS_EIO);
    assert_null(r);
    assert_string_equal(d.file, "");
    assert_string_equal(d.message, "cannot open '/tmp': not a regular file");
}

static void test_excel_semicolon_cp1252_fixture_is_read(void **state)
{
    (void)state;
#ifndef QS_TEST_DATA
    skip();
#else
    qs_reader *r = NULL;
    qs_diag d;
    assert_int_equal(qs_reader_open(&r, QS_TEST_DATA "/unit/data/reader/excel-semicolon-cp1252.csv",
                                    NULL, NULL, &d),
                     QS_OK);
    assert_int_equal(qs_reader_encoding(r), QS_ENC_CP1252);
    assert_int_equal(qs_reader_delimiter(r), ';');
    qs_record rec;
    next_ok(r, &rec);
    assert_fields(&rec, 3, "Nr", "Frage " E_ACUTE, "Antwort");
    next_ok(r, &rec);
    assert_fields(&rec, 3, "1", "Wert; mit Semikolon", "4");
    assert_lines(&rec, 2, 2);
    next_ok(r, &rec);
    assert_fields(&rec, 3, "2", "caf" E_ACUTE " \xE2\x82\xAC", "zwei\r\nZeilen");
    assert_lines(&rec, 4, 5);
    next_ok(r, &rec);
    assert_fields(&rec, 3, "3", "", "5");
    assert_int_equal(rec.is_null[1], 1);
    assert_lines(&rec, 6, 6);
    assert_eof(r);
    qs_reader_free(r);
#endif
}

static void test_encoding_names_are_stable(void **state)
{
    (void)state;
    assert_string_equal(qs_encoding_name(QS_ENC_UTF8), "utf-8");
    assert_string_equal(qs_encoding_name(QS_ENC_UTF8_BOM), "utf-8-bom");
    assert_string_equal(qs_encoding_name(QS_ENC_UTF16LE), "utf-16le");
    assert_string_equal(qs_encoding_name(QS_ENC_UTF16BE), "utf-16be");
    assert_string_equal(qs_encoding_name(QS_ENC_CP1252), "windows-1252");
}

static void test_empty_input_has_no_records_and_free_accepts_null(void **state)
{
    (void)state;
    qs_reader *r = open_buf("", 0, NULL);
    assert_int_equal(qs_reader_delimiter(r), ',');
    assert_eof(r);
    qs_reader_free(r);
    qs_reader_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lf_file_yields_records_with_fields_and_lines),
        cmocka_unit_test(test_crlf_file_yields_the_same_records_as_lf),
        cmocka_unit_test(test_lone_cr_file_is_split_into_lines),
        cmocka_unit_test(test_crlf_split_across_chunks_counts_one_line_break),
        cmocka_unit_test(test_blank_lines_are_skipped_but_counted),
        cmocka_unit_test(test_last_record_without_trailing_newline_is_read),
        cmocka_unit_test(test_many_records_across_chunks_keep_fields_and_lines),
        cmocka_unit_test(test_quoted_field_keeps_delimiter_and_doubled_quotes),
        cmocka_unit_test(test_embedded_newlines_count_toward_later_line_numbers),
        cmocka_unit_test(test_embedded_crlf_and_cr_count_as_one_line_each),
        cmocka_unit_test(test_unquoted_empty_is_null_and_quoted_empty_is_not),
        cmocka_unit_test(test_blanks_around_unquoted_fields_are_trimmed_but_not_inside_quotes),
        cmocka_unit_test(test_utf8_bom_is_stripped_from_first_field),
        cmocka_unit_test(test_utf16le_with_bom_is_transcoded_including_a_surrogate_pair),
        cmocka_unit_test(test_utf16be_with_bom_is_transcoded_including_a_surrogate_pair),
        cmocka_unit_test(test_utf16le_surrogate_pair_split_by_a_chunk_boundary_is_joined),
        cmocka_unit_test(test_utf16be_surrogate_pair_split_by_a_chunk_boundary_is_joined),
        cmocka_unit_test(test_utf16_unpaired_surrogate_marks_only_its_record),
        cmocka_unit_test(test_cp1252_bytes_are_detected_and_transcoded),
        cmocka_unit_test(test_cp1252_undefined_byte_marks_its_record_bad),
        cmocka_unit_test(test_utf8_invalid_record_after_the_sniff_window_is_marked_bad),
        cmocka_unit_test(test_utf8_character_cut_by_the_sniff_window_is_still_utf8),
        cmocka_unit_test(test_overlong_surrogate_out_of_range_and_nul_bytes_are_bad),
        cmocka_unit_test(test_delimiter_is_sniffed_from_the_first_record),
        cmocka_unit_test(test_semicolon_file_with_commas_in_quoted_text_is_semicolon),
        cmocka_unit_test(test_tab_delimited_file_keeps_empty_leading_and_middle_fields),
        cmocka_unit_test(test_given_delimiter_overrides_sniffing),
        cmocka_unit_test(test_invalid_delimiter_option_is_rejected),
        cmocka_unit_test(test_stray_quote_is_reported_and_following_records_are_read),
        cmocka_unit_test(test_text_after_closing_quote_in_multiline_record_names_its_line),
        cmocka_unit_test(test_quote_after_blanks_behind_a_closing_quote_is_reported),
        cmocka_unit_test(test_stray_quote_skips_the_rest_of_a_line_longer_than_a_chunk),
        cmocka_unit_test(test_field_over_max_field_is_reported_and_next_records_are_fine),
        cmocka_unit_test(test_huge_quoted_field_is_rejected_and_its_record_end_is_found),
        cmocka_unit_test(test_huge_field_of_quotes_split_by_chunks_is_rejected),
        cmocka_unit_test(test_too_long_field_closed_at_a_chunk_end_is_rejected_cleanly),
        cmocka_unit_test(test_too_many_fields_is_reported_and_next_records_are_fine),
        cmocka_unit_test(test_unterminated_quote_at_end_of_input_is_reported),
        cmocka_unit_test(test_reading_a_temporary_file_gives_records_and_byte_count),
        cmocka_unit_test(test_missing_file_is_an_io_error_naming_the_file),
        cmocka_unit_test(test_unreadable_path_is_an_io_error_naming_the_file),
        cmocka_unit_test(test_excel_semicolon_cp1252_fixture_is_read),
        cmocka_unit_test(test_encoding_names_are_stable),
        cmocka_unit_test(test_empty_input_has_no_records_and_free_accepts_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
