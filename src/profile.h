/* profile.h - the table of survey export profiles, for the ingest. Internal. */
#ifndef QS_PROFILE_H
#define QS_PROFILE_H

#include <stddef.h>

#include "qscore/profile.h"
#include "qscore/reader.h"

/*
 * One export tool. Column lists are NULL-terminated alternatives, tried in order (raw headers
 * first, then the label headers of the same tool); NULL when the tool has none. Header row
 * texts (`row1`) are the trimmed cells of row 1, copied: a record's fields are gone once the
 * next one is read.
 */
typedef struct qs_profile_def {
    qs_profile id;
    const char *name;
    /* 1 when row 1 is this tool's first header row; NULL: never detected (auto, generic). */
    int (*detect)(const qs_record *row1);
    /* Second header row: what it is called in "file ends before its ..." messages, and the
     * test that the record under row 1 is one (NULL: the tool writes one header row). */
    const char *row2_what;
    const char *row2_expected; /* "expected ... in it": when a forced profile's row 2 is not */
    int (*row2_is)(const char *const *row1, size_t ncols, const qs_record *row2);
    /* An optional third header row: whether one can follow these rows, and whether a record
     * is it (NULL: never). A record that is not stays the first data row. */
    int (*row3_may_follow)(const char *const *row1, size_t ncols);
    int (*row3_is)(const qs_record *row3);
    /* Defaults when the mapping names no such column. The event and instance columns join the
     * response id (REDCap: "7/week_4_arm_1/2") and are looked for only when it is found. */
    const char *const *id_columns;
    const char *const *event_columns;
    const char *const *instance_columns;
    const char *const *date_columns; /* `administered` */
    /* The forms in which the tool writes dates (for the docs: every profile reads every form
     * docs/score.md lists, and slash dates' order is decided per file). */
    const char *const *date_forms;
} qs_profile_def;

/** The entry of `p`; NULL out of range. Lives as long as the program. */
const qs_profile_def *qs_profile__get(qs_profile p);

/** The profile whose first header row `row1` is (tried in the table's order), else generic. */
qs_profile qs_profile__detect(const qs_record *row1);

/** The table itself, in detection order, and its length (for tests). */
const qs_profile_def *qs_profile__table(size_t *count);

#endif
