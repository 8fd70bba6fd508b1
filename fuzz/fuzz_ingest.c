/* fuzz_ingest.c - an export read through a real instrument and mapping, per survey profile. */
#include "fuzz_common.h"
#include "qscore/ingest.h"
#include "qscore/instrument.h"
#include "qscore/mapping.h"

/* One setup per profile, from the test cases (QS_SOURCE_DIR is the source tree). */
static const struct setup {
    const char *instrument, *mapping; /* mapping NULL: the default mapping */
    qs_profile profile;
} setups[] = {
    {"instruments/dsi-r.yaml", "tests/cases/score/qualtrics-labels/mapping.yaml",
     QS_PROFILE_QUALTRICS},
    {"instruments/sfcds.yaml", "tests/cases/score/redcap-raw/mapping.yaml", QS_PROFILE_REDCAP},
    {"instruments/sfcds.yaml", "tests/cases/score/surveymonkey/mapping.yaml",
     QS_PROFILE_SURVEYMONKEY},
    {"instruments/ecr-r.yaml", "tests/cases/score/google-forms/mapping.yaml",
     QS_PROFILE_GOOGLE_FORMS},
    {"instruments/sfcds.yaml", "tests/cases/score/generic-utf8/mapping.yaml", QS_PROFILE_GENERIC},
    {"instruments/sfcds.yaml", NULL, QS_PROFILE_AUTO},
};
#define NSETUPS (sizeof(setups) / sizeof(setups[0]))

static qs_instrument *insts[NSETUPS];
static qs_mapping *maps[NSETUPS];

static void load(void)
{
    for (size_t i = 0; i < NSETUPS; i++) {
        char path[4096];
        qs_diag_list errs;
        qs_diag_list_init(&errs);
        snprintf(path, sizeof(path), "%s/%s", QS_SOURCE_DIR, setups[i].instrument);
        if (qs_instrument_load(&insts[i], path, &errs) != QS_OK)
            fuzz_die(path);
        qs_error rc;
        if (setups[i].mapping) {
            snprintf(path, sizeof(path), "%s/%s", QS_SOURCE_DIR, setups[i].mapping);
            rc = qs_mapping_load(&maps[i], path, &errs);
        } else {
            rc = qs_mapping_default(&maps[i]);
        }
        if (rc != QS_OK)
            fuzz_die(path);
        qs_diag_list_release(&errs);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!insts[0])
        load();
    size_t s = fuzz_take(&data, &size) % NSETUPS;
    qs_ingest *g = NULL;
    qs_diag_list errs;
    qs_diag_list_init(&errs);
    if (qs_ingest_open_mem(&g, data, size, "fuzz.csv", insts[s], maps[s], setups[s].profile,
                           &errs) == QS_OK) {
        for (int guard = 0; guard < 100000; guard++) {
            qs_admin adm;
            qs_row_problems probs;
            qs_diag d;
            qs_diag_clear(&d);
            qs_error rc = qs_ingest_next(g, &adm, &probs, &d);
            if (rc != QS_OK && rc != QS_EDATA && rc != QS_ENOANSWER)
                break;
        }
        qs_file_problem fp;
        (void)qs_ingest_file_problem(g, &fp);
        (void)qs_ingest_scored(g);
    }
    qs_ingest_free(g);
    qs_diag_list_release(&errs);
    return 0;
}
