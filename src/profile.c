/* profile.c - the survey export profiles qscore knows, as one table. */
#include "profile.h"

#include <stdio.h>
#include <string.h>

#include "text.h"

/*
 * Design. Detection looks only at row 1, and only a first column that every export of the tool
 * starts with counts as evidence (REDCap, whose first column is the project's record id field,
 * is also known by its redcap_ columns): a generic file may well have a "ResponseId" column,
 * and mistaking it would skip a data row. The ingest then checks the second header row of the
 * tools that write one (row2_is) and falls back to generic when it is not there, so a wrong
 * guess never costs a client's row.
 */

/* ---- cells of row 1 ---------------------------------------------------------------------- */

static int field_is(const qs_record *r, size_t i, const char *name)
{
    if (i >= r->nfields)
        return 0;
    const char *t;
    size_t n = qs_text__trim(r->fields[i], r->lens[i], &t);
    return n == strlen(name) && memcmp(t, name, n) == 0;
}

static int header_has(const qs_record *r, const char *name)
{
    for (size_t i = 0; i < r->nfields; i++)
        if (field_is(r, i, name))
            return 1;
    return 0;
}

/* ---- Qualtrics --------------------------------------------------------------------------- */

/* Legacy exports: two header rows, V1,V2,... then question text; current ones: export tags,
 * question text and a row of {"ImportId":...} objects. */
static int qualtrics_legacy(const char *const *row1, size_t ncols)
{
    return ncols > 0 && strcmp(row1[0], "V1") == 0;
}

static int qualtrics_detect(const qs_record *r)
{
    return field_is(r, 0, "StartDate") || (field_is(r, 0, "V1") && field_is(r, 1, "V2"));
}

static int qualtrics_row2(const char *const *row1, size_t ncols, const qs_record *r)
{
    if (qualtrics_legacy(row1, ncols))
        return header_has(r, "ResponseID");
    return field_is(r, 0, "Start Date") || header_has(r, "Response ID") ||
           header_has(r, "ResponseID");
}

static int qualtrics_row3_may_follow(const char *const *row1, size_t ncols)
{
    return !qualtrics_legacy(row1, ncols);
}

static int qualtrics_row3(const qs_record *r)
{
    const char *t;
    size_t n = r->nfields ? qs_text__trim(r->fields[0], r->lens[0], &t) : 0;
    return n >= 11 && memcmp(t, "{\"ImportId\"", 11) == 0;
}

/* ---- SurveyMonkey ------------------------------------------------------------------------ */

static int surveymonkey_detect(const qs_record *r)
{
    return field_is(r, 0, "Respondent ID");
}

/* Blank under "Respondent ID", sub-labels elsewhere. */
static int surveymonkey_row2(const char *const *row1, size_t ncols, const qs_record *r)
{
    (void)row1;
    (void)ncols;
    if (r->nfields == 0 || r->lens[0] != 0)
        return 0;
    return header_has(r, "Response") || header_has(r, "Open-Ended Response");
}

/* ---- REDCap ------------------------------------------------------------------------------ */

static int redcap_detect(const qs_record *r)
{
    return header_has(r, "redcap_event_name") || header_has(r, "redcap_repeat_instrument") ||
           field_is(r, 0, "record_id") || field_is(r, 0, "Record ID");
}

/* ---- Google Forms ------------------------------------------------------------------------ */

static int google_forms_detect(const qs_record *r)
{
    /* The first column's name follows the form owner's language. */
    static const char *const timestamps[] = {
        "Timestamp",   "Marca temporal",       "Horodateur",
        "Zeitstempel", "Carimbo de data/hora", "Informazioni cronologiche",
        NULL};
    for (size_t k = 0; timestamps[k]; k++)
        if (field_is(r, 0, timestamps[k]))
            return 1;
    return 0;
}

/* ---- the table --------------------------------------------------------------------------- */

static const char *const qualtrics_ids[] = {"ResponseId", "ResponseID", NULL};
static const char *const qualtrics_dates[] = {"RecordedDate", NULL}; /* ISO-like in every export */
static const char *const surveymonkey_ids[] = {"Respondent ID", NULL};
/* Raw headers, or the label headers of an export with "labels" chosen. */
static const char *const redcap_ids[] = {"record_id", "Record ID", NULL};
static const char *const redcap_events[] = {"redcap_event_name", "Event Name", NULL};
static const char *const redcap_instances[] = {"redcap_repeat_instance", "Repeat Instance", NULL};
static const char *const qualtrics_forms[] = {"YYYY-MM-DD HH:MM:SS", NULL};
static const char *const surveymonkey_forms[] = {"MM/DD/YYYY HH:MM:SS AM|PM", NULL};
static const char *const redcap_forms[] = {"YYYY-MM-DD HH:MM[:SS]", NULL};
/* US accounts month-first, others day-first, in the same column: decided by the data. */
static const char *const google_forms_forms[] = {"M/D/YYYY H:MM:SS", "D/M/YYYY H:MM:SS", NULL};

/*
 * In the order detection tries them: first-column evidence never matches two tools, but
 * REDCap's redcap_ columns may sit anywhere, so a row 1 that starts as Qualtrics or
 * SurveyMonkey does is theirs and one that starts as Google Forms does is REDCap's.
 */
static const qs_profile_def profiles[] = {
    {
        .id = QS_PROFILE_AUTO,
        .name = "auto",
    },
    {
        .id = QS_PROFILE_GENERIC,
        .name = "generic",
    },
    {
        .id = QS_PROFILE_QUALTRICS,
        .name = "qualtrics",
        .detect = qualtrics_detect,
        .row2_what = "second header row (question text)",
        .row2_expected = "expected 'Start Date' or 'Response ID' in it",
        .row2_is = qualtrics_row2,
        .row3_may_follow = qualtrics_row3_may_follow,
        .row3_is = qualtrics_row3,
        .id_columns = qualtrics_ids,
        .date_columns = qualtrics_dates,
        .date_forms = qualtrics_forms,
    },
    {
        .id = QS_PROFILE_SURVEYMONKEY,
        .name = "surveymonkey",
        .detect = surveymonkey_detect,
        .row2_what = "second header row (sub-labels)",
        .row2_expected = "expected 'Response' sub-labels in it",
        .row2_is = surveymonkey_row2,
        .id_columns = surveymonkey_ids,
        .date_forms = surveymonkey_forms,
    },
    {
        .id = QS_PROFILE_REDCAP,
        .name = "redcap",
        .detect = redcap_detect,
        .id_columns = redcap_ids,
        .event_columns = redcap_events,
        .instance_columns = redcap_instances,
        .date_forms = redcap_forms,
    },
    {
        .id = QS_PROFILE_GOOGLE_FORMS,
        .name = "google-forms",
        .detect = google_forms_detect,
        .date_forms = google_forms_forms,
    },
};

#define NPROFILES (sizeof(profiles) / sizeof(profiles[0]))

const qs_profile_def *qs_profile__table(size_t *count)
{
    *count = NPROFILES;
    return profiles;
}

const qs_profile_def *qs_profile__get(qs_profile p)
{
    for (size_t i = 0; i < NPROFILES; i++)
        if (profiles[i].id == p)
            return &profiles[i];
    return NULL;
}

qs_profile qs_profile__detect(const qs_record *row1)
{
    for (size_t i = 0; i < NPROFILES; i++)
        if (profiles[i].detect && profiles[i].detect(row1))
            return profiles[i].id;
    return QS_PROFILE_GENERIC;
}

const char *qs_profile_name(qs_profile p)
{
    const qs_profile_def *d = qs_profile__get(p);
    return d ? d->name : "unknown";
}

int qs_profile_parse(const char *name, qs_profile *out)
{
    for (size_t i = 0; i < NPROFILES; i++) {
        if (strcmp(name, profiles[i].name) == 0) {
            *out = profiles[i].id;
            return 1;
        }
    }
    return 0;
}

char *qs_profile_list(char *buf, size_t size)
{
    size_t used = 0;
    if (size == 0)
        return buf;
    buf[0] = '\0';
    for (int p = 0; p < QS_PROFILE_COUNT; p++) {
        const char *sep = p == 0 ? "" : p + 1 == QS_PROFILE_COUNT ? " or " : ", ";
        int n = snprintf(buf + used, size - used, "%s%s", sep, qs_profile_name((qs_profile)p));
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
    return buf;
}
