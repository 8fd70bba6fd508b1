/* qscore/reader.h - streaming CSV records from real survey exports, as UTF-8, with line numbers. */
#ifndef QSCORE_READER_H
#define QSCORE_READER_H

#include <stddef.h>
#include <stdio.h>

#include "qscore/diag.h"
#include "qscore/error.h"

/*
 * The reader turns an export file as Excel and survey tools write it into UTF-8 records:
 *  - encoding, decided on evidence from the whole file (or pinned by the caller): a BOM decides
 *    (a UTF-8 BOM is removed; UTF-16LE/BE are transcoded). Without one, a file holding a valid
 *    multi-byte UTF-8 sequence anywhere is UTF-8; it is Windows-1252 only when it holds bytes
 *    that are not UTF-8 (overlong forms and surrogates included) and no valid multi-byte
 *    sequence at all; ASCII is UTF-8. Memory stays bounded: reading starts with only ASCII seen,
 *    and at the first chunk holding another byte that is not part of a valid sequence, the rest
 *    of a regular file (or buffer) is scanned ahead with pread() up to the first valid sequence.
 *    A pipe cannot be read ahead: it is decided on the bytes up to its first chunk holding a
 *    non-ASCII byte (pin the encoding for such input).
 *    A record that holds bytes invalid in the chosen encoding is returned
 *    with `bad_encoding` set and `field_bad` saying which fields hold them (the caller
 *    quarantines it when those fields matter), never guessed. Its fields may then
 *    hold invalid UTF-8: for UTF-8 input the bytes as they were, for UTF-16/Windows-1252 input
 *    the byte 0xFF where a unit could not be decoded (unpaired surrogate, odd trailing byte,
 *    undefined 0x81 0x8D 0x8F 0x90 0x9D). A NUL byte (U+0000) also counts as invalid: it never
 *    belongs in a text export and would cut C strings short.
 *  - delimiter: ',', ';' or TAB, sniffed from the first record outside quotes unless given
 *    (a given delimiter may be TAB or any printable ASCII character but '"').
 *  - libcsv in strict mode does the field splitting (quotes, embedded delimiters, quotes and
 *    newlines, CRLF/LF/CR). Blank lines are skipped. Blanks around an unquoted field and between
 *    a closing quote and the delimiter are trimmed (spaces and tabs; only spaces when TAB is the
 *    delimiter); blanks inside quotes are kept.
 *  - every record carries the 1-based physical line on which it starts and ends (embedded
 *    newlines in quoted fields counted), so a quarantine names the right line.
 *  - memory is bounded: a field over `max_field` bytes or a record over `max_fields` fields is a
 *    record error, reported and skipped, not an out-of-memory. (Blanks that libcsv must buffer
 *    around a field count toward max_field: more than max_field of them is also an error.)
 *  - recovery: after a field or field-count error reading continues with the next record as
 *    the quotes define it; after a stray quote (strict mode) the parser is restarted at the
 *    start of the next physical line, so the rest of the offending line is dropped.
 */

#define QS_READER_SNIFF_BYTES (64 * 1024)

typedef enum qs_encoding {
    QS_ENC_UTF8 = 0,
    QS_ENC_UTF8_BOM,
    QS_ENC_UTF16LE,
    QS_ENC_UTF16BE,
    QS_ENC_CP1252
} qs_encoding;

typedef struct qs_reader_opts {
    char delimiter;       /* 0: sniff among ',' ';' '\t' */
    size_t max_field;     /* bytes per field after transcoding; 0: default 65536 */
    size_t max_fields;    /* fields per record; 0: default 4096 */
    int pin_encoding;     /* 1: read as `encoding`, decide nothing (a BOM of it is skipped) */
    qs_encoding encoding; /* with pin_encoding; QS_ENC_UTF8_BOM reads as QS_ENC_UTF8 */
} qs_reader_opts;

/** "utf-8", "utf-8-bom", "utf-16le", "utf-16be", "windows-1252". */
const char *qs_encoding_name(qs_encoding e);

/** The encoding a mapping may pin: "utf-8", "utf-16le", "utf-16be" or "windows-1252" (ASCII
 *  case ignored). Returns 1 and sets *out, or 0 for another name. */
int qs_encoding_parse(const char *name, qs_encoding *out);

/*
 * One record. Pointers are owned by the reader and valid until the next qs_reader_next() or
 * qs_reader_free(). fields[i] is NUL-terminated UTF-8 (after transcoding); is_null[i] is 1 for
 * an unquoted empty field, 0 otherwise ("" quoted is an empty string, not null).
 */
typedef struct qs_record {
    size_t nfields;
    const char *const *fields;
    const size_t *lens;
    const unsigned char *is_null;
    unsigned long line;             /* 1-based physical line where the record starts */
    unsigned long end_line;         /* 1-based physical line where it ends */
    int bad_encoding;               /* 1: some bytes were invalid in the file's encoding */
    const unsigned char *field_bad; /* with bad_encoding: 1 per field holding them; else NULL */
} qs_record;

typedef struct qs_reader qs_reader;

/**
 * Open `path` ("-" is stdin) for reading. `opts` may be NULL. On failure returns QS_EIO (with
 * diag naming the file and the OS reason) or QS_ENOMEM. `display_name` (may be NULL: path) is
 * what diagnostics call the file.
 */
qs_error qs_reader_open(qs_reader **out, const char *path, const char *display_name,
                        const qs_reader_opts *opts, qs_diag *diag);

/**
 * As qs_reader_open, over an in-memory buffer (copied or borrowed: borrowed, must outlive r).
 * Both return QS_EUSAGE (diag set) for a delimiter option that cannot be used.
 */
qs_error qs_reader_open_mem(qs_reader **out, const void *data, size_t len, const char *display_name,
                            const qs_reader_opts *opts, qs_diag *diag);

/**
 * Read the next record into *rec.
 * Returns QS_OK with a record; QS_EEOF at the end; QS_EDATA when this record is malformed (field
 * too long, too many fields, unterminated quote / stray quote in strict mode): diag names file,
 * line and the reason, rec->line/end_line are set, and the next call continues after it where
 * the format allows (for an unterminated quote at end of file there is nothing after it);
 * QS_EIO on a read error (diag set; stop); QS_ENOMEM if memory ran out (diag set).
 * On QS_EDATA rec->nfields is 0 (no field is returned); diag->line is the record's first line,
 * except for a stray quote, where it is the line holding the quote; diag->column is the 1-based
 * field number (max_fields + 1 for too many fields).
 */
qs_error qs_reader_next(qs_reader *r, qs_record *rec, qs_diag *diag);

/** Encoding chosen (valid after open, except for a pipe whose first chunk is ASCII: there
 *  "utf-8" until its first non-ASCII byte is read). */
qs_encoding qs_reader_encoding(const qs_reader *r);

/** Delimiter in use (valid after open: sniffing happens at open). */
char qs_reader_delimiter(const qs_reader *r);

/** Bytes consumed from the source so far (for progress): bytes read, at most one 64 KiB chunk
 *  ahead of the record last returned; the source's size at the end. */
unsigned long long qs_reader_bytes(const qs_reader *r);

/** Close and free; NULL-safe. */
void qs_reader_free(qs_reader *r);

#endif
