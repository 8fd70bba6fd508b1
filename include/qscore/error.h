/* qscore/error.h - the library's error codes, defined once. */
#ifndef QSCORE_ERROR_H
#define QSCORE_ERROR_H

/*
 * One X-macro list generates the enum, qs_strerror() and qs_error_name().
 * Checklist when adding a code:
 *   - add it at the end of the list (codes are stable numbers);
 *   - map it to an exit status in cmd/qscore/main.c (qs_exit_status_for);
 *   - update the exit-status table in README.md.
 * tests/unit/test_error.c walks every code.
 */
#define QS_ERROR_LIST(X)                                                                           \
    X(OK, "success")                                                                               \
    X(ENOMEM, "out of memory")                                                                     \
    X(EIO, "input/output error")                                                                   \
    X(EPARSE, "syntax error")                                                                      \
    X(EINVALID, "invalid definition")                                                              \
    X(ELIMIT, "input exceeds a safety limit")                                                      \
    X(EENCODING, "invalid text encoding")                                                          \
    X(ENOTFOUND, "not found")                                                                      \
    X(EUSAGE, "invalid argument")                                                                  \
    X(EDATA, "some input rows were rejected")                                                      \
    X(ELOCKED, "resource is locked by another process")                                            \
    X(ESTORE, "database error")                                                                    \
    X(EREPORT, "report writer error")                                                              \
    X(EEOF, "end of input")                                                                        \
    X(ENOANSWER, "no item of the instrument is answered")

typedef enum qs_error {
#define QS__ERROR_ENUM(name, msg) QS_##name,
    QS_ERROR_LIST(QS__ERROR_ENUM)
#undef QS__ERROR_ENUM
        QS_ERROR_COUNT
} qs_error;

/** A short lowercase description of `err`; never NULL ("unknown error" if out of range). */
const char *qs_strerror(qs_error err);

/** The code's name without prefix, e.g. "EINVALID"; never NULL ("UNKNOWN" if out of range). */
const char *qs_error_name(qs_error err);

#endif
