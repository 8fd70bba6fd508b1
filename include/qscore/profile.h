/* qscore/profile.h - the survey export profiles: which header rows and columns a tool writes. */
#ifndef QSCORE_PROFILE_H
#define QSCORE_PROFILE_H

#include <stddef.h>

/*
 * A profile says which export tool wrote a file: how to recognise its first header row, how
 * many header rows follow, and which of its columns hold the response id and the date when the
 * mapping names none. Everything about each profile is one entry of the table in
 * src/profile.c; the names below, the CLI usage, the config check and docs/score.md's list come
 * from it (tests/unit/test_profile.c keeps them in step).
 *
 * When adding a profile: a value here (before QS_PROFILE_COUNT; the order is the order users
 * read the names in), its entry and detection function in src/profile.c, its row in the
 * profile table of docs/score.md, and a case folder under tests/cases/score/.
 */
typedef enum qs_profile {
    QS_PROFILE_AUTO = 0, /* detect the tool from row 1 (generic when none matches) */
    QS_PROFILE_GENERIC,  /* one header row, nothing known about columns */
    QS_PROFILE_QUALTRICS,
    QS_PROFILE_REDCAP,
    QS_PROFILE_SURVEYMONKEY,
    QS_PROFILE_GOOGLE_FORMS,
    QS_PROFILE_COUNT
} qs_profile;

/** "auto", "generic", "qualtrics", "redcap", "surveymonkey", "google-forms"; "unknown" out of
 * range. The string is static. */
const char *qs_profile_name(qs_profile p);

/** Parse a profile name (exact, as qs_profile_name writes it); returns 1 and sets *out, or 0. */
int qs_profile_parse(const char *name, qs_profile *out);

/**
 * Every profile name for a message, in enum order: "auto, generic, qualtrics, redcap,
 * surveymonkey or google-forms". Writes at most `size` - 1 bytes and a NUL; returns `buf`.
 */
char *qs_profile_list(char *buf, size_t size);

#endif
