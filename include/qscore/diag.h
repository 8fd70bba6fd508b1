/* qscore/diag.h - caller-owned diagnostics: where a problem is and what was expected. */
#ifndef QSCORE_DIAG_H
#define QSCORE_DIAG_H

#include <stddef.h>

#define QS_DIAG_FILE_MAX 512
#define QS_DIAG_PATH_MAX 256
#define QS_DIAG_MSG_MAX  512

/*
 * One problem. Fixed buffers, so out-of-memory can still be reported. `line` and `column` are
 * 1-based; 0 means unknown. `path` is a key path inside a YAML document ("scores[2].items[5]")
 * or empty. Messages are lowercase, problem first, subject in quotes, and never contain health
 * data (answers, names, free text): at most a response or row id.
 */
typedef struct qs_diag {
    char file[QS_DIAG_FILE_MAX];
    unsigned long line;
    unsigned long column;
    char path[QS_DIAG_PATH_MAX];
    char message[QS_DIAG_MSG_MAX];
} qs_diag;

/** Clear every field of `d`. */
void qs_diag_clear(qs_diag *d);

/** Fill `d` (any of file/path may be NULL); the message is printf-formatted and truncated. */
void qs_diag_set(qs_diag *d, const char *file, unsigned long line, unsigned long column,
                 const char *path, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/**
 * Format as "FILE:LINE:COL: PATH: message" into buf (parts that are unknown are left out).
 * Returns buf.
 */
char *qs_diag_format(const qs_diag *d, char *buf, size_t size);

/*
 * A list of problems, so one pass can report all of them. At most QS_DIAG_LIST_MAX entries are
 * kept; later ones only increase `dropped`. Allocation failure also counts as dropped.
 */
#define QS_DIAG_LIST_MAX 200

typedef struct qs_diag_list {
    qs_diag *items;
    size_t count;
    size_t cap;
    size_t dropped;
} qs_diag_list;

/** Initialise an empty list (no allocation). */
void qs_diag_list_init(qs_diag_list *l);

/** Free the entries; the list is empty and reusable afterwards. */
void qs_diag_list_release(qs_diag_list *l);

/** Append a copy of `d`. */
void qs_diag_list_push(qs_diag_list *l, const qs_diag *d);

/** Append a new entry (arguments as qs_diag_set). */
void qs_diag_list_add(qs_diag_list *l, const char *file, unsigned long line, unsigned long column,
                      const char *path, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/** Number of problems seen, including dropped ones. */
size_t qs_diag_list_total(const qs_diag_list *l);

#endif
