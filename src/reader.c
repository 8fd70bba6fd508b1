/* reader.c - streaming CSV records from survey exports: encoding, delimiter, lines and limits. */

/*
 * Design
 * ======
 * Buffering. One pipeline, one 64 KiB chunk at a time, so memory does not grow with the file:
 *
 *   source (FILE* via fread, or a borrowed memory buffer)
 *     -> raw buffer: the chunk, preceded by at most 3 bytes carried over from the previous one
 *        (an incomplete UTF-8 sequence, an odd UTF-16 byte, or a high surrogate waiting for its
 *        pair), so no chunk ends inside a character;
 *     -> text buffer, always UTF-8: for UTF-8 input the raw buffer itself (zero copy); for
 *        UTF-16 and Windows-1252 the transcoded chunk. A unit that cannot be decoded becomes
 *        the byte 0xFF, which never occurs in UTF-8, so the record holding it fails validation
 *        below: nothing is silently substituted;
 *     -> segments: the text is cut after every line terminator (LF, CRLF, lone CR) using
 *        memchr with cached positions (linear even for lone-CR files);
 *     -> csv_parse(segment) -> on_field() copies each field into the reader's arena (libcsv's
 *        pointer dies with the callback; the arena and field arrays are reused, so there is no
 *        allocation per record once they have grown) -> on_row() marks the record complete.
 *   Each segment that belongs to a record is validated as strict UTF-8 (ASCII fast path) and
 *   a failure sets the record's bad_encoding.
 *
 * Line counting. A segment lies on one physical line, and libcsv ends a record only at CR or
 * LF, so a csv_parse() call ends at most one record, at the end of its segment. `line` is the
 * line of the next segment and advances after each segment that ends in a terminator (the LF
 * of a CRLF that straddles two chunks does not advance it twice). A record starts on the line
 * of the first segment holding a byte libcsv does not skip (libcsv drops blank lines and
 * leading blanks without a callback, so such segments are not even fed) and ends on the line
 * of the segment whose terminator completes it: embedded newlines are counted.
 *
 * Limits and error recovery. Callbacks cannot stop libcsv, so they only record the record's
 * first error (field too long, too many fields) and stop storing; the record is reported as
 * QS_EDATA when libcsv ends it, and the next record is read normally. libcsv also buffers the
 * field in progress without limit, so after each segment csv_cap_entry() checks its entry
 * buffer and, once a field is known to be too long, drops the partial content while keeping
 * the parser state: memory stays within max_field plus one chunk, and quotes and embedded
 * newlines in the rest of the record are still honoured. In strict mode a stray quote makes
 * csv_parse() return short: that record is reported, the parser is re-initialised and reading
 * resumes at the start of the next physical line. An unterminated quote shows up only at the
 * end of input (csv_fini with CSV_STRICT_FINI).
 */
#include "qscore/reader.h"
#include "qscore/infile.h"

#include <csv.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if CSV_MAJOR != 3
#error "reader.c relies on the libcsv 3 parser structure (see csv_cap_entry)"
#endif

#define CHUNK              QS_READER_SNIFF_BYTES /* the first chunk is the sniff window */
#define CARRY_MAX          4
#define TEXT_CAP           (3 * (CHUNK + CARRY_MAX) + 16) /* cp1252: 1 byte -> at most 3 */
#define DEFAULT_MAX_FIELD  65536
#define DEFAULT_MAX_FIELDS 4096
#define BAD_BYTE           0xFF /* marks an undecodable unit in transcoded text; invalid in UTF-8 */
#define LOOKAHEAD          (256 * 1024) /* read size of the encoding look-ahead */

/* libcsv 3.0.3 parser state "quote seen inside a quoted field" (libcsv.c, not exported). */
#define LIBCSV_FIELD_MIGHT_HAVE_ENDED 3

enum rec_error {
    REC_OK = 0,
    REC_FIELD_TOO_LONG,
    REC_TOO_MANY_FIELDS,
    REC_STRAY_QUOTE,
    REC_QUOTE_AFTER_QUOTED,
    REC_AFTER_CLOSING_QUOTE,
    REC_UNTERMINATED,
    REC_NOMEM
};

struct qs_reader {
    /* source */
    FILE *fp;
    int own_fp;
    unsigned long long fp_left; /* a file reads at most its size at open (stdin: no limit) */
    const unsigned char *mem;
    size_t mem_len, mem_pos;
    int src_eof;
    unsigned long long nbytes;
    char name[QS_DIAG_FILE_MAX];

    qs_encoding enc;
    int tentative;       /* no BOM, no pin, only ASCII so far: UTF-8 or Windows-1252 is open */
    long long src_start; /* file offset of the source's first byte; -1: cannot be read ahead */
    char delim;
    size_t max_field, max_fields;

    /* raw bytes [raw_used, raw_len) not yet decoded (the carry); bom: bytes to skip once */
    unsigned char *raw;
    size_t raw_len, raw_used, bom;
    unsigned char *tbuf; /* transcoding output (UTF-16, cp1252 only) */

    /* current UTF-8 text and the segmenter over it */
    const unsigned char *text;
    size_t tpos, tlen;
    size_t next_lf, next_cr; /* cached positions of the next '\n' / '\r' (tlen: none) */
    int text_check;          /* validate segments (UTF-8 input, or markers emitted) */
    unsigned long line;      /* physical line of the next segment */
    unsigned long seg_line;  /* physical line of the segment being parsed */
    int pending_cr;          /* the text ended with '\r': a leading '\n' next is its CRLF */
    int skip_line;           /* after a parse error: drop the rest of the physical line */

    struct csv_parser csv;
    int csv_live;

    /* the record being assembled */
    int in_record, row_done, rec_bad;
    unsigned long rec_line, rec_end;
    enum rec_error err;
    unsigned long err_line, err_col;
    size_t nf; /* fields seen in this record, stored or not */
    char *arena;
    size_t used, acap;
    size_t *lens;
    unsigned char *isnull;
    unsigned char *fbad; /* per field of a record with invalid bytes: 1 where they are */
    const char **ptrs;
    size_t fcap;

    qs_error fatal; /* sticky read error */
    qs_diag fatal_diag;
    int done;
};

const char *qs_encoding_name(qs_encoding e)
{
    switch (e) {
    case QS_ENC_UTF8:
        return "utf-8";
    case QS_ENC_UTF8_BOM:
        return "utf-8-bom";
    case QS_ENC_UTF16LE:
        return "utf-16le";
    case QS_ENC_UTF16BE:
        return "utf-16be";
    case QS_ENC_CP1252:
        return "windows-1252";
    }
    return "unknown";
}

int qs_encoding_parse(const char *name, qs_encoding *out)
{
    static const qs_encoding pinnable[] = {QS_ENC_UTF8, QS_ENC_UTF16LE, QS_ENC_UTF16BE,
                                           QS_ENC_CP1252};
    for (size_t i = 0; i < sizeof(pinnable) / sizeof(pinnable[0]); i++) {
        const char *a = qs_encoding_name(pinnable[i]), *b = name;
        while (*a && (*b == *a || (*b >= 'A' && *b <= 'Z' && *b + 32 == *a))) {
            a++;
            b++;
        }
        if (!*a && !*b) {
            *out = pinnable[i];
            return 1;
        }
    }
    return 0;
}

static void set_diag(qs_diag *diag, const qs_reader *r, unsigned long line, unsigned long col,
                     const char *msg)
{
    if (diag)
        qs_diag_set(diag, r ? r->name : NULL, line, col, NULL, "%s", msg);
}

/* ---- UTF-8 ---------------------------------------------------------------------------- */

#define ONES8 UINT64_C(0x0101010101010101)
#define HIGH8 UINT64_C(0x8080808080808080)

/*
 * Whether s[0..n) is strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF). NUL is
 * rejected unless allow_nul: a NUL in a text export means the file is not what it claims (e.g.
 * UTF-16 without BOM) and would silently cut a C string short downstream.
 */
static int utf8_valid(const unsigned char *s, size_t n, int allow_nul)
{
    size_t i = 0;
    while (i < n) {
        if (n - i >= 8) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            /* high bit set, or a zero byte (classic has-zero-byte test) */
            if (!((x | ((x - ONES8) & ~x)) & HIGH8)) {
                i += 8;
                continue;
            }
        }
        unsigned c = s[i];
        if (c < 0x80) {
            if (c == 0 && !allow_nul)
                return 0;
            i++;
            continue;
        }
        size_t need;
        unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0; /* overlong */
            else if (c == 0xED)
                hi = 0x9F; /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90; /* overlong */
            else if (c == 0xF4)
                hi = 0x8F; /* above U+10FFFF */
        } else {
            return 0;
        }
        if (n - i <= need)
            return 0;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (size_t k = 2; k <= need; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
        i += need + 1;
    }
    return 1;
}

/*
 * The multi-byte sequence at s[0] (s[0] >= 0x80): its length when it is valid UTF-8 (strict, as
 * utf8_valid), 0 when it is not, SIZE_MAX when s[0..n) is a valid start that n cuts short.
 */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t need;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    for (size_t k = 1; k <= need; k++) {
        if (k >= n)
            return SIZE_MAX;
        unsigned b = s[k];
        if (k == 1 ? (b < lo || b > hi) : (b & 0xC0) != 0x80)
            return 0;
    }
    return need + 1;
}

enum { EV_MB = 1, EV_BAD = 2 }; /* evidence: a valid multi-byte sequence; an invalid byte */

/*
 * The encoding evidence in s[0..n): EV_MB as soon as a valid multi-byte UTF-8 sequence appears
 * (the scan stops there), EV_BAD for each byte >= 0x80 that starts none. NUL is no evidence
 * (neither encoding allows it). A sequence cut short by the end of s is left unexamined unless
 * `final` (then it is invalid); *used is where the scan stopped.
 */
static int utf8_evidence(const unsigned char *s, size_t n, int final, size_t *used)
{
    int ev = 0;
    size_t i = 0;
    while (i < n) {
        if (n - i >= 8) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            if (!(x & HIGH8)) {
                i += 8;
                continue;
            }
        }
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_seq(s + i, n - i);
        if (k == SIZE_MAX) {
            if (final) {
                ev |= EV_BAD;
                i = n;
            }
            break;
        }
        if (k) {
            *used = i + k;
            return ev | EV_MB;
        }
        ev |= EV_BAD;
        i++;
    }
    *used = i;
    return ev;
}

/* Bytes at the end of s[0..n) that start a UTF-8 sequence the buffer does not finish. */
static size_t utf8_incomplete_tail(const unsigned char *s, size_t n)
{
    for (size_t k = 1; k <= 3 && k <= n; k++) {
        unsigned c = s[n - k];
        if ((c & 0xC0) == 0x80)
            continue; /* continuation: look further back */
        size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        return (c >= 0xC0 && c <= 0xF7 && len > k) ? k : 0;
    }
    return 0;
}

static size_t put_utf8(unsigned char *o, unsigned long cp)
{
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---- transcoders: in[0..n) -> out; return bytes of `in` consumed; *bad if a marker was
 * written. Unless `final`, an incomplete unit or a high surrogate at the end is left over. */

static size_t decode_utf16(const unsigned char *in, size_t n, int be, int final, unsigned char *out,
                           size_t *outlen, int *bad)
{
    size_t i = 0, o = 0;
    const int hi = be ? 0 : 1, lo = be ? 1 : 0;
    while (n - i >= 2) {
        unsigned long u = ((unsigned long)in[i + hi] << 8) | in[i + lo];
        if (u - 1 < 0x7F) { /* ASCII except NUL */
            out[o++] = (unsigned char)u;
            i += 2;
            continue;
        }
        if (u >= 0xD800 && u <= 0xDBFF) {
            if (n - i < 4) {
                if (!final)
                    break; /* wait for the low surrogate in the next chunk */
                out[o++] = BAD_BYTE;
                *bad = 1;
                i += 2;
                continue;
            }
            unsigned long u2 = ((unsigned long)in[i + 2 + hi] << 8) | in[i + 2 + lo];
            if (u2 >= 0xDC00 && u2 <= 0xDFFF) {
                o += put_utf8(out + o, 0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00));
                i += 4;
            } else {
                out[o++] = BAD_BYTE; /* unpaired high surrogate; u2 is decoded next */
                *bad = 1;
                i += 2;
            }
            continue;
        }
        if (u == 0 || (u >= 0xDC00 && u <= 0xDFFF)) {
            out[o++] = BAD_BYTE; /* NUL or unpaired low surrogate */
            *bad = 1;
        } else {
            o += put_utf8(out + o, u);
        }
        i += 2;
    }
    if (final && i < n) { /* odd trailing byte */
        out[o++] = BAD_BYTE;
        *bad = 1;
        i = n;
    }
    *outlen = o;
    return i;
}

/* Windows-1252 0x80..0x9F; 0 marks the five undefined bytes. */
static const unsigned short cp1252_c1[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

static size_t decode_cp1252(const unsigned char *in, size_t n, unsigned char *out, size_t *outlen,
                            int *bad)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = in[i];
        if (c - 1 < 0x7F) {
            out[o++] = (unsigned char)c;
        } else if (c >= 0xA0) {
            o += put_utf8(out + o, c);
        } else if (c >= 0x80 && cp1252_c1[c - 0x80]) {
            o += put_utf8(out + o, cp1252_c1[c - 0x80]);
        } else {
            out[o++] = BAD_BYTE; /* NUL or undefined */
            *bad = 1;
        }
    }
    *outlen = o;
    return n;
}

/* ---- source and chunks ---------------------------------------------------------------- */

static qs_error read_source(qs_reader *r, unsigned char *dst, size_t want, size_t *got)
{
    size_t n;
    if (r->fp) {
        if (r->own_fp && want > r->fp_left)
            want = (size_t)r->fp_left;
        n = want ? fread(dst, 1, want, r->fp) : 0;
        r->fp_left -= r->own_fp ? n : 0;
        if (n < want || (r->own_fp && !r->fp_left)) {
            if (ferror(r->fp)) {
                int e = errno;
                qs_diag_set(&r->fatal_diag, NULL, 0, 0, NULL, "cannot read '%s': %s", r->name,
                            e ? strerror(e) : "read error");
                r->fatal = QS_EIO;
                return QS_EIO;
            }
            r->src_eof = 1;
        }
    } else {
        n = r->mem_len - r->mem_pos;
        if (n > want)
            n = want;
        if (n)
            memcpy(dst, r->mem + r->mem_pos, n);
        r->mem_pos += n;
        if (r->mem_pos == r->mem_len)
            r->src_eof = 1;
    }
    r->nbytes += n;
    *got = n;
    return QS_OK;
}

static size_t find_byte(const unsigned char *t, size_t from, size_t n, int c)
{
    const unsigned char *q = memchr(t + from, c, n - from);
    return q ? (size_t)(q - t) : n;
}

/*
 * The evidence in the part of the source not read yet, preceded by its last `back` bytes read (a
 * sequence the chunk cuts short): EV_MB / EV_BAD as utf8_evidence, or -1 when the source cannot
 * be read ahead (a pipe). pread() leaves the stream's position alone; the scan stops at the
 * first valid multi-byte sequence, so only a file whose non-ASCII bytes are all invalid (or
 * that has none) is read to its end, in LOOKAHEAD pieces.
 */
static int lookahead_evidence(qs_reader *r, size_t back)
{
    size_t used;
    if (!r->fp)
        return utf8_evidence(r->mem + r->mem_pos - back, r->mem_len - r->mem_pos + back, 1, &used);
    if (r->src_start < 0)
        return -1;
    unsigned char *buf = malloc(LOOKAHEAD + CARRY_MAX);
    if (!buf)
        return -1;
    int ev = 0, fd = fileno(r->fp);
    off_t off = (off_t)(r->src_start + (long long)(r->nbytes - back));
    size_t n = 0;
    unsigned long long left = r->own_fp ? r->fp_left : ~0ULL; /* never past the size at open */
    for (;;) {
        size_t want = left < LOOKAHEAD ? (size_t)left : LOOKAHEAD;
        ssize_t got = want ? pread(fd, buf + n, want, off) : 0;
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            ev = -1; /* decided on what was read; the read error shows when reading gets there */
            break;
        }
        off += got;
        n += (size_t)got;
        left -= (unsigned long long)got;
        ev |= utf8_evidence(buf, n, got == 0, &used);
        if ((ev & EV_MB) || got == 0)
            break;
        memmove(buf, buf + used, n - used); /* at most 3 bytes: a sequence cut short */
        n -= used;
    }
    free(buf);
    return ev;
}

/*
 * Encoding on evidence, while only ASCII has been seen (the two encodings read it alike, so
 * every record returned so far reads the same either way): in[0..n) is the chunk to decode.
 * A valid multi-byte sequence anywhere in the file means UTF-8 (its invalid bytes then mark
 * their records); Windows-1252 only when the file holds invalid bytes and no such sequence.
 * For a pipe the evidence is what has been read: it stays open while that is ASCII.
 */
static void decide_encoding(qs_reader *r, const unsigned char *in, size_t n)
{
    size_t used;
    size_t m = n - (r->src_eof ? 0 : utf8_incomplete_tail(in, n));
    int ev = utf8_evidence(in, m, 1, &used);
    if (!(ev & EV_MB)) {
        int rest = lookahead_evidence(r, n - m);
        if (rest < 0 && !(ev & EV_BAD))
            return; /* a pipe, ASCII so far */
        if (rest > 0)
            ev |= rest;
    }
    r->tentative = 0;
    if (!(ev & EV_MB) && (ev & EV_BAD))
        r->enc = QS_ENC_CP1252;
}

/* Decode raw[raw_used..raw_len) into the text buffer; resets the segmenter. */
static void decode_chunk(qs_reader *r)
{
    const unsigned char *in = r->raw + r->raw_used + r->bom;
    size_t n = r->raw_len - r->raw_used - r->bom;
    size_t used = 0, outlen = 0;
    int bad = 0;
    r->raw_used += r->bom;
    r->bom = 0;
    if (r->tentative)
        decide_encoding(r, in, n);
    switch (r->enc) {
    case QS_ENC_UTF8:
    case QS_ENC_UTF8_BOM:
        used = n - (r->src_eof ? 0 : utf8_incomplete_tail(in, n));
        r->text = in;
        r->tlen = used;
        r->text_check = 1;
        break;
    case QS_ENC_UTF16LE:
    case QS_ENC_UTF16BE:
        used = decode_utf16(in, n, r->enc == QS_ENC_UTF16BE, r->src_eof, r->tbuf, &outlen, &bad);
        r->text = r->tbuf;
        r->tlen = outlen;
        r->text_check = bad;
        break;
    case QS_ENC_CP1252:
        used = decode_cp1252(in, n, r->tbuf, &outlen, &bad);
        r->text = r->tbuf;
        r->tlen = outlen;
        r->text_check = bad;
        break;
    }
    r->raw_used += used;
    r->tpos = 0;
    r->next_lf = find_byte(r->text, 0, r->tlen, '\n');
    r->next_cr = find_byte(r->text, 0, r->tlen, '\r');
}

/* Next chunk of text: QS_OK (tlen > 0), QS_EEOF, or QS_EIO. */
static qs_error refill(qs_reader *r)
{
    for (;;) {
        size_t carry = r->raw_len - r->raw_used, got = 0;
        if (carry && r->raw_used)
            memmove(r->raw, r->raw + r->raw_used, carry);
        r->raw_len = carry;
        r->raw_used = 0;
        if (!r->src_eof) {
            qs_error rc = read_source(r, r->raw + carry, CHUNK, &got);
            if (rc)
                return rc;
            r->raw_len += got;
        }
        if (r->raw_len == 0)
            return QS_EEOF;
        decode_chunk(r);
        if (r->tlen)
            return QS_OK;
        if (r->src_eof && r->raw_used == r->raw_len)
            return QS_EEOF;
    }
}

/* ---- libcsv glue ---------------------------------------------------------------------- */

static int is_space_not_tab(unsigned char c)
{
    return c == ' ';
}

/*
 * Trimming: libcsv drops blanks around unquoted fields and between a closing quote and the
 * delimiter. That is kept (answers are trimmed anyway); blanks are spaces and tabs, or only
 * spaces when TAB is the delimiter.
 */
static void parser_init(qs_reader *r)
{
    /* csv_init only fails for a NULL parser */
    csv_init(&r->csv, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL);
    csv_set_delim(&r->csv, (unsigned char)r->delim);
    if (r->delim == '\t')
        csv_set_space_func(&r->csv, is_space_not_tab);
    csv_set_blk_size(&r->csv, 4096);
    r->csv_live = 1;
}

static void parser_reset(qs_reader *r)
{
    csv_free(&r->csv);
    parser_init(r);
}

static void set_rec_error(qs_reader *r, enum rec_error e, unsigned long line, unsigned long col)
{
    if (r->err)
        return; /* the first problem of a record is the one reported */
    r->err = e;
    r->err_line = line;
    r->err_col = col;
}

static int grow_fields(qs_reader *r)
{
    size_t cap = r->fcap ? r->fcap * 2 : 64;
    if (cap > r->max_fields)
        cap = r->max_fields;
    size_t *lens = realloc(r->lens, cap * sizeof(*lens));
    if (!lens)
        return -1;
    r->lens = lens;
    unsigned char *isnull = realloc(r->isnull, cap);
    if (!isnull)
        return -1;
    r->isnull = isnull;
    const char **ptrs = realloc(r->ptrs, cap * sizeof(*ptrs));
    if (!ptrs)
        return -1;
    r->ptrs = ptrs;
    unsigned char *fbad = realloc(r->fbad, cap);
    if (!fbad)
        return -1;
    r->fbad = fbad;
    r->fcap = cap;
    return 0;
}

static int grow_arena(qs_reader *r, size_t need)
{
    size_t cap = r->acap ? r->acap * 2 : 16384;
    if (cap < r->used + need)
        cap = r->used + need;
    char *a = realloc(r->arena, cap);
    if (!a)
        return -1;
    r->arena = a;
    r->acap = cap;
    return 0;
}

/* The rare cases of on_field(): returns 1 if the field can be stored now. */
static int field_slow(qs_reader *r, size_t i, size_t len)
{
    if (r->err)
        return 0;
    if (i >= r->max_fields) {
        set_rec_error(r, REC_TOO_MANY_FIELDS, r->rec_line, (unsigned long)r->max_fields + 1);
        return 0;
    }
    if (len > r->max_field) {
        set_rec_error(r, REC_FIELD_TOO_LONG, r->rec_line, (unsigned long)i + 1);
        return 0;
    }
    if ((i >= r->fcap && grow_fields(r) != 0) ||
        (r->acap - r->used <= len && grow_arena(r, len + 1) != 0)) {
        set_rec_error(r, REC_NOMEM, r->rec_line, 0);
        return 0;
    }
    return 1;
}

/*
 * libcsv field callback: copy the field into the arena (libcsv's buffer is reused after this
 * call). Fields are stored back to back, each NUL-terminated; emit() rebuilds the pointers
 * from the lengths, as the arena may move while the record grows.
 */
static void on_field(void *s, size_t len, void *ud)
{
    qs_reader *r = ud;
    size_t i = r->nf++;
    if ((r->err | (i >= r->fcap) | (len > r->max_field) | (r->acap - r->used <= len)) &&
        !field_slow(r, i, len))
        return;
    char *d = r->arena + r->used;
    if (len <= 16) {
        /* why: most answers are a few bytes, and a memcpy call per field costs ~20% */
        const char *src = s;
        for (size_t k = 0; k < len; k++)
            d[k] = src[k];
    } else {
        memcpy(d, s, len);
    }
    d[len] = '\0';
    r->lens[i] = len;
    r->isnull[i] = (s == NULL);
    r->used += len + 1;
}

/* libcsv record callback: fires at the terminator that ends the current segment. */
static void on_row(int c, void *ud)
{
    qs_reader *r = ud;
    (void)c;
    r->row_done = 1;
    r->rec_end = r->seg_line;
}

/*
 * Why: libcsv buffers a field without limit and offers no way to stop it, so a hostile 1 GB
 * field would become a 1 GB allocation. Once the field in progress is known to exceed
 * max_field (or to hold more than max_field blanks libcsv must keep for trimming), flag the
 * record and empty libcsv's entry buffer while keeping exactly what its state machine still
 * reads: in state FIELD_MIGHT_HAVE_ENDED it later removes `spaces + 1` bytes (the closing
 * quote and blanks) and only asks whether spaces > 0. This touches the public struct fields
 * of libcsv 3.0.3 (checked at compile time above).
 */
static void csv_cap_entry(qs_reader *r)
{
    struct csv_parser *p = &r->csv;
    if (p->entry_pos - p->spaces <= r->max_field + 1 && p->spaces <= r->max_field)
        return;
    set_rec_error(r, REC_FIELD_TOO_LONG, r->rec_line, (unsigned long)r->nf + 1);
    if (p->pstate == LIBCSV_FIELD_MIGHT_HAVE_ENDED) {
        size_t sp = p->spaces ? 1 : 0;
        p->entry_buf[0] = p->quote_char;
        if (sp)
            p->entry_buf[1] = ' ';
        p->spaces = sp;
        p->entry_pos = sp + 1;
    } else {
        p->spaces = 0;
        p->entry_pos = 0;
    }
}

/* ---- records -------------------------------------------------------------------------- */

static int starts_record(const qs_reader *r, const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == ' ' || c == '\r' || c == '\n' || (c == '\t' && r->delim != '\t'))
            continue;
        return 1;
    }
    return 0;
}

static void begin_record(qs_reader *r, unsigned long line)
{
    r->in_record = 1;
    r->row_done = 0;
    r->rec_bad = 0;
    r->rec_line = line;
    r->rec_end = line;
    r->err = REC_OK;
    r->nf = 0;
    r->used = 0;
}

static qs_error emit(qs_reader *r, qs_record *rec, qs_diag *diag)
{
    char msg[128];
    r->in_record = 0;
    r->row_done = 0;
    rec->line = r->rec_line;
    rec->end_line = r->rec_end;
    rec->bad_encoding = r->rec_bad;
    switch (r->err) {
    case REC_OK:
        for (size_t i = 0, at = 0; i < r->nf; i++) {
            r->ptrs[i] = r->arena + at;
            at += r->lens[i] + 1;
        }
        rec->nfields = r->nf;
        rec->fields = r->ptrs;
        rec->lens = r->lens;
        rec->is_null = r->isnull;
        if (r->rec_bad) {
            /* rare: which fields hold the bad bytes, so only those columns count */
            for (size_t i = 0; i < r->nf; i++)
                r->fbad[i] = !utf8_valid((const unsigned char *)r->ptrs[i], r->lens[i], 0);
            rec->field_bad = r->fbad;
        }
        return QS_OK;
    case REC_FIELD_TOO_LONG:
        snprintf(msg, sizeof(msg), "field %lu exceeds %zu bytes", r->err_col, r->max_field);
        break;
    case REC_TOO_MANY_FIELDS:
        snprintf(msg, sizeof(msg), "record has more than %zu fields", r->max_fields);
        break;
    case REC_STRAY_QUOTE:
        snprintf(msg, sizeof(msg), "stray quote in unquoted field");
        break;
    case REC_QUOTE_AFTER_QUOTED:
        snprintf(msg, sizeof(msg), "stray quote after closing quote");
        break;
    case REC_AFTER_CLOSING_QUOTE:
        snprintf(msg, sizeof(msg), "unexpected character after closing quote");
        break;
    case REC_UNTERMINATED:
        snprintf(msg, sizeof(msg), "unterminated quoted field");
        break;
    case REC_NOMEM:
        set_diag(diag, r, r->err_line, 0, "out of memory");
        return QS_ENOMEM;
    }
    set_diag(diag, r, r->err_line, r->err_col, msg);
    return QS_EDATA;
}

/* csv_parse stopped at seg[n]: a strict-mode error (or libcsv out of memory). */
static qs_error parse_stopped(qs_reader *r, const unsigned char *seg, size_t n, int term,
                              qs_record *rec, qs_diag *diag)
{
    if (csv_error(&r->csv) != CSV_EPARSE) {
        set_diag(&r->fatal_diag, r, r->seg_line, 0, "out of memory");
        r->fatal = QS_ENOMEM;
        if (diag)
            *diag = r->fatal_diag;
        return QS_ENOMEM;
    }
    enum rec_error e = seg[n] != '"'   ? REC_AFTER_CLOSING_QUOTE
                       : r->csv.quoted ? REC_QUOTE_AFTER_QUOTED
                                       : REC_STRAY_QUOTE;
    set_rec_error(r, e, r->seg_line, (unsigned long)r->nf + 1);
    r->rec_end = r->seg_line;
    parser_reset(r);
    if (!term)
        r->skip_line = 1; /* the rest of this line is in the next chunk */
    return emit(r, rec, diag);
}

static qs_error finish(qs_reader *r, qs_record *rec, qs_diag *diag)
{
    r->done = 1;
    if (!r->in_record)
        return QS_EEOF;
    if (csv_fini(&r->csv, on_field, on_row, r) != 0) {
        set_rec_error(r, REC_UNTERMINATED, r->rec_line, (unsigned long)r->nf + 1);
        r->rec_end = r->seg_line;
        return emit(r, rec, diag);
    }
    if (r->row_done)
        return emit(r, rec, diag);
    r->in_record = 0;
    return QS_EEOF;
}

qs_error qs_reader_next(qs_reader *r, qs_record *rec, qs_diag *diag)
{
    memset(rec, 0, sizeof(*rec));
    if (r->fatal) {
        if (diag)
            *diag = r->fatal_diag;
        return r->fatal;
    }
    if (r->done)
        return QS_EEOF;
    for (;;) {
        if (r->tpos == r->tlen) {
            qs_error rc = refill(r);
            if (rc == QS_EEOF)
                return finish(r, rec, diag);
            if (rc) {
                if (diag)
                    *diag = r->fatal_diag;
                return rc;
            }
            continue;
        }

        /* cut the next segment: up to and including one line terminator */
        const unsigned char *seg = r->text + r->tpos;
        size_t len;
        int term = 1;
        unsigned long seg_line = r->line;
        if (r->pending_cr && seg[0] == '\n') {
            len = 1; /* LF of a CRLF split across chunks: same line break */
            seg_line = r->line - 1;
        } else {
            if (r->next_lf < r->tpos)
                r->next_lf = find_byte(r->text, r->tpos, r->tlen, '\n');
            if (r->next_cr < r->tpos)
                r->next_cr = find_byte(r->text, r->tpos, r->tlen, '\r');
            size_t e = r->next_lf < r->next_cr ? r->next_lf : r->next_cr;
            if (e == r->tlen) {
                term = 0;
            } else {
                if (r->text[e] == '\r' && e + 1 < r->tlen && r->text[e + 1] == '\n')
                    e++;
                e++;
            }
            len = e - r->tpos;
            r->line += (unsigned long)term;
        }
        r->pending_cr = term && seg[len - 1] == '\r';
        r->tpos += len;

        if (r->skip_line) {
            r->skip_line = !term;
            continue;
        }
        if (!r->in_record) {
            if (!starts_record(r, seg, len))
                continue; /* blank: libcsv would skip it without a callback */
            begin_record(r, seg_line);
        }
        if (r->text_check && !utf8_valid(seg, len, 0))
            r->rec_bad = 1;
        r->seg_line = seg_line;
        size_t n = csv_parse(&r->csv, seg, len, on_field, on_row, r);
        if (n < len)
            return parse_stopped(r, seg, n, term, rec, diag);
        if (r->csv.entry_pos > r->max_field + 1)
            csv_cap_entry(r);
        if (r->row_done)
            return emit(r, rec, diag);
    }
}

/* ---- open / sniff / free -------------------------------------------------------------- */

/* Most frequent of ',' ';' TAB outside quotes in the first non-blank logical record. */
static char sniff_delimiter(const unsigned char *s, size_t n)
{
    size_t comma = 0, semi = 0, tab = 0;
    int inq = 0, content = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == '"') {
            inq = !inq;
            content = 1;
        } else if (inq) {
            continue;
        } else if (c == '\n' || c == '\r') {
            if (content)
                break;
        } else if (c != ' ') {
            content = 1;
            comma += c == ',';
            semi += c == ';';
            tab += c == '\t';
        }
    }
    if (comma >= semi && comma >= tab)
        return ',';
    return semi >= tab ? ';' : '\t';
}

static qs_error reader_new(qs_reader **out, const char *name, const qs_reader_opts *opts,
                           qs_diag *diag)
{
    *out = NULL;
    if (opts && opts->delimiter) {
        unsigned char d = (unsigned char)opts->delimiter;
        if (!(d == '\t' || (d > ' ' && d < 0x7F && d != '"'))) {
            if (diag)
                qs_diag_set(diag, name, 0, 0, NULL,
                            "invalid delimiter 0x%02x: use a printable ASCII character or TAB",
                            (unsigned)d);
            return QS_EUSAGE;
        }
    }
    qs_reader *r = calloc(1, sizeof(*r));
    if (!r) {
        set_diag(diag, NULL, 0, 0, "out of memory");
        return QS_ENOMEM;
    }
    size_t nl = strlen(name);
    if (nl >= sizeof(r->name))
        nl = sizeof(r->name) - 1;
    memcpy(r->name, name, nl);
    r->name[nl] = '\0';
    r->delim = opts ? opts->delimiter : 0;
    r->max_field = opts && opts->max_field ? opts->max_field : DEFAULT_MAX_FIELD;
    r->max_fields = opts && opts->max_fields ? opts->max_fields : DEFAULT_MAX_FIELDS;
    if (r->max_field > SIZE_MAX / 4)
        r->max_field = SIZE_MAX / 4;
    if (r->max_fields > SIZE_MAX / 4 / sizeof(size_t))
        r->max_fields = SIZE_MAX / 4 / sizeof(size_t);
    r->line = 1;
    r->raw = malloc(CHUNK + CARRY_MAX);
    if (!r->raw) {
        free(r);
        set_diag(diag, NULL, 0, 0, "out of memory");
        return QS_ENOMEM;
    }
    *out = r;
    return QS_OK;
}

/* Read the first chunk, choose the encoding (unless pinned) and the delimiter, start the parser. */
static qs_error reader_start(qs_reader *r, const qs_encoding *pin, qs_diag *diag)
{
    size_t n = 0;
    r->src_start = -1;
    if (r->fp) {
        /* Reading ahead for the encoding needs a regular file and where the stream starts in it
         * (stdin may be a file opened at an offset). Nothing has been read through r->fp yet. */
        struct stat st;
        int fd = fileno(r->fp);
        off_t at = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? lseek(fd, 0, SEEK_CUR)
                                                                         : (off_t)-1;
        r->src_start = (long long)at;
    }
    qs_error rc = read_source(r, r->raw, CHUNK, &n);
    if (rc) {
        if (diag)
            *diag = r->fatal_diag;
        return rc;
    }
    const unsigned char *b = r->raw;
    r->raw_len = n;
    int bom8 = n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF;
    int bom16le = n >= 2 && b[0] == 0xFF && b[1] == 0xFE;
    int bom16be = n >= 2 && b[0] == 0xFE && b[1] == 0xFF;
    if (pin) {
        /* the mapping's encoding wins; a BOM of that same encoding is still skipped */
        r->enc = *pin == QS_ENC_UTF8_BOM ? QS_ENC_UTF8 : *pin;
        if (r->enc == QS_ENC_UTF8 && bom8)
            r->enc = QS_ENC_UTF8_BOM;
        r->bom = r->enc == QS_ENC_UTF8_BOM               ? 3
                 : (r->enc == QS_ENC_UTF16LE && bom16le) ? 2
                 : (r->enc == QS_ENC_UTF16BE && bom16be) ? 2
                                                         : 0;
    } else if (bom8) {
        r->enc = QS_ENC_UTF8_BOM;
        r->bom = 3;
    } else if (bom16le) {
        r->enc = QS_ENC_UTF16LE;
        r->bom = 2;
    } else if (bom16be) {
        r->enc = QS_ENC_UTF16BE;
        r->bom = 2;
    } else {
        r->enc = QS_ENC_UTF8; /* decided on the whole file's evidence: decide_encoding() */
        r->tentative = 1;
    }
    if (r->enc != QS_ENC_UTF8_BOM && !(r->enc == QS_ENC_UTF8 && !r->tentative)) {
        r->tbuf = malloc(TEXT_CAP);
        if (!r->tbuf) {
            set_diag(diag, NULL, 0, 0, "out of memory");
            return QS_ENOMEM;
        }
    }
    decode_chunk(r);
    if (!r->delim)
        r->delim = sniff_delimiter(r->text, r->tlen);
    parser_init(r);
    return QS_OK;
}

qs_error qs_reader_open(qs_reader **out, const char *path, const char *display_name,
                        const qs_reader_opts *opts, qs_diag *diag)
{
    const char *name = display_name ? display_name : path;
    qs_reader *r = NULL;
    qs_error rc = reader_new(&r, name, opts, diag);
    if (rc)
        goto done;
    if (strcmp(path, "-") == 0) {
        r->fp = stdin;
    } else {
        qs_diag d;
        rc = qs_infile_open(&r->fp, &r->fp_left, path, name, &d);
        if (rc) {
            if (diag)
                *diag = d;
            goto done;
        }
        r->own_fp = 1;
    }
    rc = reader_start(r, opts && opts->pin_encoding ? &opts->encoding : NULL, diag);
done:
    if (rc) {
        qs_reader_free(r);
        r = NULL;
    }
    *out = r;
    return rc;
}

qs_error qs_reader_open_mem(qs_reader **out, const void *data, size_t len, const char *display_name,
                            const qs_reader_opts *opts, qs_diag *diag)
{
    qs_reader *r = NULL;
    qs_error rc = reader_new(&r, display_name ? display_name : "<memory>", opts, diag);
    if (rc)
        goto done;
    r->mem = data;
    r->mem_len = data ? len : 0;
    rc = reader_start(r, opts && opts->pin_encoding ? &opts->encoding : NULL, diag);
done:
    if (rc) {
        qs_reader_free(r);
        r = NULL;
    }
    *out = r;
    return rc;
}

qs_encoding qs_reader_encoding(const qs_reader *r)
{
    return r->enc;
}

char qs_reader_delimiter(const qs_reader *r)
{
    return r->delim;
}

unsigned long long qs_reader_bytes(const qs_reader *r)
{
    return r->nbytes;
}

void qs_reader_free(qs_reader *r)
{
    if (!r)
        return;
    if (r->csv_live)
        csv_free(&r->csv);
    if (r->own_fp)
        fclose(r->fp);
    free(r->raw);
    free(r->tbuf);
    free(r->arena);
    free(r->lens);
    free(r->isnull);
    free(r->fbad);
    free(r->ptrs);
    free(r);
}
