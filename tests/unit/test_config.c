/* test_config.c - the clinic config: paths relative to the config, defaults, positioned errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "qscore/config.h"
#include "qscore/score.h"

static char dir[256];

static const char *write_config(const char *text)
{
    static char path[512];
    snprintf(dir, sizeof(dir), "/tmp/qs-config-test-%ld", (long)getpid());
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "mkdir -p %s", dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof(path), "%s/clinic.yaml", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    return path;
}

static void test_paths_are_relative_to_the_config_and_defaults_apply(void **state)
{
    (void)state;
    const char *path = write_config("sources:\n"
                                    "  - id: s1\n"
                                    "    files: exports/*.csv\n"
                                    "    instrument: dsi-r\n"
                                    "    mapping: maps/m.yaml\n"
                                    "  - id: s2\n"
                                    "    files: [a.csv, /abs/b.csv]\n"
                                    "    instrument: defs/x.yaml\n"
                                    "    site: north\n"
                                    "    profile: redcap\n"
                                    "norms: {dsi-r: pop}\n"
                                    "reports: {group_by: group}\n");
    qs_config *c;
    qs_diag_list e;
    qs_diag_list_init(&e);
    assert_int_equal(qs_config_load(&c, path, &e), QS_OK);
    char want[512];
    snprintf(want, sizeof(want), "%s/qscore.db", dir);
    assert_string_equal(c->store, want);
    snprintf(want, sizeof(want), "%s/out", dir);
    assert_string_equal(c->output, want);
    assert_int_equal(c->nsources, 2);
    snprintf(want, sizeof(want), "%s/exports/*.csv", dir);
    assert_string_equal(c->sources[0].files[0], want);
    assert_string_equal(c->sources[0].instrument, "dsi-r"); /* an id stays an id */
    snprintf(want, sizeof(want), "%s/defs/x.yaml", dir);
    assert_string_equal(c->sources[1].instrument, want); /* a path is resolved */
    assert_string_equal(c->sources[1].files[1], "/abs/b.csv");
    assert_string_equal(c->sources[0].site, "main");
    assert_string_equal(c->sources[1].site, "north");
    assert_int_equal(c->sources[1].profile, QS_PROFILE_REDCAP);
    assert_string_equal(qs_config_norm_for(c, "dsi-r"), "pop");
    assert_null(qs_config_norm_for(c, "sfcds"));
    assert_int_equal(c->group_by, QS_GROUP_BY_GROUP);
    qs_config_free(c);
    qs_diag_list_release(&e);
}

static void test_mistakes_are_reported_with_key_paths(void **state)
{
    (void)state;
    const char *path = write_config("store: x.db\n"
                                    "sources:\n"
                                    "  - id: Bad Id\n"
                                    "    files: a.csv\n"
                                    "    instrument: dsi-r\n"
                                    "    profil: auto\n"
                                    "  - id: s2\n"
                                    "    instrument: dsi-r\n"
                                    "reports: {group_by: site}\n");
    qs_config *c = (qs_config *)1;
    qs_diag_list e;
    qs_diag_list_init(&e);
    assert_int_equal(qs_config_load(&c, path, &e), QS_EINVALID);
    assert_null(c);
    assert_int_equal(e.count, 4);
    assert_string_equal(e.items[0].path, "sources[0].profil");
    assert_int_equal(e.items[0].line, 6);
    assert_string_equal(e.items[1].path, "sources[0].id");
    assert_int_equal(e.items[1].line, 3);
    assert_string_equal(e.items[2].path, "sources[1]");
    assert_string_equal(e.items[2].message, "missing required key 'files'");
    assert_string_equal(e.items[3].path, "reports.group_by");
    assert_string_equal(e.items[3].message, "expected therapist or group, found 'site'");
    qs_diag_list_release(&e);
}

/* The export section: defaults, the key path resolved, and its mistakes with key paths. */
static void test_export_section(void **state)
{
    (void)state;
    const char *path = write_config("sources: [{id: s, files: a.csv, instrument: dsi-r}]\n");
    qs_config *c;
    qs_diag_list e;
    char want[512];
    qs_diag_list_init(&e);
    assert_int_equal(qs_config_load(&c, path, &e), QS_OK);
    assert_int_equal(c->export_.k, 11);
    assert_int_equal(c->export_.year, 0);
    assert_int_equal(c->export_.ncovariates, 0);
    assert_null(c->export_.override);
    snprintf(want, sizeof(want), "%s/keys/export.key", dir);
    assert_string_equal(c->export_.key_file, want);
    qs_config_free(c);

    path = write_config("sources: [{id: s, files: a.csv, instrument: dsi-r}]\n"
                        "export:\n"
                        "  key_file: /secure/site.key\n"
                        "  k: 20\n"
                        "  year: true\n"
                        "  covariates: {gender: category, age: age_band, intake: year}\n");
    assert_int_equal(qs_config_load(&c, path, &e), QS_OK);
    assert_string_equal(c->export_.key_file, "/secure/site.key");
    assert_int_equal(c->export_.k, 20);
    assert_int_equal(c->export_.k_line, 4);
    assert_int_equal(c->export_.year, 1);
    assert_int_equal(c->export_.ncovariates, 3);
    assert_string_equal(c->export_.covariates[1].name, "age");
    assert_int_equal(c->export_.covariates[1].kind, QS_COV_AGE_BAND);
    assert_int_equal(c->export_.covariates[2].kind, QS_COV_YEAR);
    assert_int_equal(c->export_.covariates[0].line, 6);
    qs_config_free(c);

    path = write_config("sources: [{id: s, files: a.csv, instrument: dsi-r}]\n"
                        "export:\n"
                        "  k: 0\n"
                        "  override: ok\n"
                        "  covariates: {gender: text, 2x: category}\n"
                        "  keyfile: x\n");
    c = (qs_config *)1;
    assert_int_equal(qs_config_load(&c, path, &e), QS_EINVALID);
    assert_null(c);
    assert_int_equal(e.count, 5);
    assert_string_equal(e.items[0].path, "export.keyfile");
    assert_int_equal(e.items[0].line, 6);
    assert_string_equal(e.items[1].path, "export.k");
    assert_string_equal(e.items[2].path, "export.override");
    assert_string_equal(e.items[3].path, "export.covariates.gender");
    assert_string_equal(e.items[3].message, "expected category, age_band or year, found 'text'");
    assert_string_equal(e.items[4].path, "export.covariates.2x");
    qs_diag_list_release(&e);
}

/* ---- overrides ---------------------------------------------------------------------------- */

static void use_shipped_instruments(void)
{
    char d[1024];
    snprintf(d, sizeof(d), "%s/instruments", QS_SOURCE_DIR);
    setenv("QSCORE_INSTRUMENTS", d, 1);
}

static qs_config *load_ok(const char *text)
{
    qs_config *c = NULL;
    qs_diag_list e;
    qs_diag_list_init(&e);
    qs_error rc = qs_config_load(&c, write_config(text), &e);
    for (size_t i = 0; i < e.count; i++)
        print_error("%s: %s\n", e.items[i].path, e.items[i].message);
    assert_int_equal(rc, QS_OK);
    qs_diag_list_release(&e);
    return c;
}

/* DSI-R answers with FO = 2.5 and ER = 2 (keyed means), every other item 3. */
static void dsir_answers(const qs_instrument *inst, int *answers)
{
    static const int fo[] = {5, 9, 13, 17, 22, 25, 29, 33, 37, 44, 45, 46};
    static const int er[] = {1, 6, 10, 14, 18, 21, 26, 30, 34, 38, 40};
    for (size_t i = 0; i < inst->nitems; i++)
        answers[i] = 3;
    for (size_t k = 0; k < 12; k++) {
        int i = qs_instrument_item_index(inst, fo[k]), keyed = k < 6 ? 2 : 3;
        answers[i] = inst->items[i].reverse ? 7 - keyed : keyed;
    }
    for (size_t k = 0; k < 11; k++) {
        int i = qs_instrument_item_index(inst, er[k]);
        answers[i] = inst->items[i].reverse ? 7 - 2 : 2;
    }
}

/* The flags raised for those answers under config `text` (source 0 names dsi-r). */
static void dsir_flags(const char *text, qs_tri out[3], qs_severity sev[3])
{
    qs_config *c = load_ok(text);
    qs_instrument *inst = NULL;
    qs_diag_list e;
    qs_diag_list_init(&e);
    assert_int_equal(qs_source_instrument(&c->sources[0], &inst, &e), QS_OK);
    int answers[46];
    dsir_answers(inst, answers);
    qs_scorer *s = NULL;
    assert_int_equal(qs_scorer_new(&s, inst, -1), QS_OK);
    const qs_result *r = qs_scorer_run(s, answers, NULL);
    assert_true(r->scores[qs_instrument_score_index(inst, "FO")].value == 2.5);
    for (size_t f = 0; f < 3; f++) {
        out[f] = r->flags[f];
        sev[f] = inst->flags[f].severity;
    }
    qs_scorer_free(s);
    qs_instrument_free(inst);
    qs_config_free(c);
    qs_diag_list_release(&e);
}

#define DSIR_SOURCE "sources: [{id: s, files: a.csv, instrument: dsi-r}]\n"

static void test_overrides_change_cutoffs_severities_and_enabled_flags(void **state)
{
    (void)state;
    qs_tri t[3];
    qs_severity sev[3];
    use_shipped_instruments();
    /* flags: high-fusion (FO <= fo_high), high-reactivity, fusion-reactivity-profile */
    dsir_flags(DSIR_SOURCE, t, sev);
    assert_int_equal(t[0], QS_TRI_TRUE); /* FO 2.5 <= 2.5 */
    assert_int_equal(t[1], QS_TRI_TRUE);
    assert_int_equal(t[2], QS_TRI_TRUE);
    assert_int_equal(sev[1], QS_SEV_MEDIUM);

    dsir_flags(DSIR_SOURCE "overrides: {dsi-r: {cutoffs: {fo_high: 2.3}}}\n", t, sev);
    assert_int_equal(t[0], QS_TRI_FALSE); /* FO 2.5 > 2.3 */
    assert_int_equal(t[1], QS_TRI_TRUE);
    assert_int_equal(t[2], QS_TRI_FALSE); /* the profile shares fo_high */

    dsir_flags(DSIR_SOURCE "overrides:\n  dsi-r:\n    flags:\n"
                           "      high-reactivity: {severity: low}\n"
                           "      fusion-reactivity-profile: {enabled: false}\n",
               t, sev);
    assert_int_equal(t[0], QS_TRI_TRUE);
    assert_int_equal(t[1], QS_TRI_TRUE);
    assert_int_equal(sev[1], QS_SEV_LOW);
    assert_int_equal(t[2], QS_TRI_FALSE); /* disabled */
    unsetenv("QSCORE_INSTRUMENTS");
}

static void test_overridden_texts_say_it_is_the_clinics_setting(void **state)
{
    (void)state;
    use_shipped_instruments();
    qs_config *c = load_ok(DSIR_SOURCE "overrides: {dsi-r: {cutoffs: {fo_high: 2.3}}}\n");
    qs_instrument *inst = NULL;
    qs_diag_list e;
    qs_diag_list_init(&e);
    assert_int_equal(qs_source_instrument(&c->sources[0], &inst, &e), QS_OK);
    const qs_flag *f = &inst->flags[0];
    assert_string_equal(f->rule_text, "FO <= 2.3");
    assert_string_equal(f->rule_default, "FO <= 2.5");
    assert_non_null(strstr(f->because, "at or below 2.3 (the clinic's setting; instrument default "
                                       "2.5)"));
    assert_null(strstr(f->because, "{"));
    /* Back to the definition's own values. */
    assert_int_equal(qs_instrument_apply_overrides(inst, NULL, &e), QS_OK);
    assert_string_equal(f->rule_text, "FO <= 2.5");
    assert_non_null(strstr(f->because, "at or below 2.5 (a local default, not a published norm)"));
    qs_instrument_free(inst);
    qs_config_free(c);
    qs_diag_list_release(&e);
    unsetenv("QSCORE_INSTRUMENTS");
}

static void test_override_fingerprint_is_canonical(void **state)
{
    (void)state;
    use_shipped_instruments();
    qs_config *a = load_ok(DSIR_SOURCE "overrides: {dsi-r: {cutoffs: {fo_high: 2.30, er_high: 2},"
                                       " flags: {high-fusion: {severity: low}}}}\n");
    char fa[65];
    snprintf(fa, sizeof(fa), "%s", qs_config_overrides_fingerprint(a, "dsi-r"));
    assert_int_equal(strlen(fa), 64);
    assert_string_equal(qs_config_overrides_fingerprint(a, "ecr-r"), "none");
    qs_config_free(a);
    qs_config *b = load_ok(DSIR_SOURCE "overrides: {dsi-r: {flags: {high-fusion: {severity: low}},"
                                       " cutoffs: {er_high: 2.0, fo_high: 2.3}}}\n");
    assert_string_equal(qs_config_overrides_fingerprint(b, "dsi-r"), fa); /* same settings */
    qs_config_free(b);
    qs_config *d = load_ok(DSIR_SOURCE "overrides: {dsi-r: {cutoffs: {fo_high: 2.4, er_high: 2},"
                                       " flags: {high-fusion: {severity: low}}}}\n");
    assert_string_not_equal(qs_config_overrides_fingerprint(d, "dsi-r"), fa);
    qs_config_free(d);
    unsetenv("QSCORE_INSTRUMENTS");
}

static void test_override_mistakes_are_reported_with_key_paths(void **state)
{
    (void)state;
    use_shipped_instruments();
    const char *path =
        write_config(DSIR_SOURCE "overrides:\n"
                                 "  dsi-r:\n"
                                 "    cutoffs: {fo_hgh: 2.3, er_high: high}\n"
                                 "    flags:\n"
                                 "      high-fusoin: {enabled: false}\n"
                                 "      high-reactivity: {severity: urgent, enabeld: true}\n"
                                 "  dsi-x: {cutoffs: {a: 1}}\n"
                                 "  ecr-r:\n"
                                 "    cutoffs: {anx_hi: 4}\n"
                                 "    flags: {nope: {enabled: false}}\n"
                                 "    extra: 1\n");
    qs_config *c = NULL;
    qs_diag_list e;
    qs_diag_list_init(&e);
    assert_int_equal(qs_config_load(&c, path, &e), QS_EINVALID);
    assert_null(c);
    static const struct {
        const char *path;
        unsigned long line, col;
        const char *msg;
    } want[] = {
        {"overrides.dsi-r.cutoffs.er_high", 4, 37, "expected a number, found text"},
        {"overrides.dsi-r.flags.high-reactivity.severity", 7, 35,
         "expected severity low, medium or high, found 'urgent'"},
        {"overrides.dsi-r.flags.high-reactivity.enabeld", 7, 43, "unknown key 'enabeld'"},
        {"overrides.dsi-x", 8, 3, "unknown instrument 'dsi-x'"},
        {"overrides.ecr-r.extra", 12, 5, "unknown key 'extra'"},
    };
    for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
        int found = 0;
        for (size_t i = 0; i < e.count && !found; i++)
            found = strcmp(e.items[i].path, want[k].path) == 0 &&
                    strstr(e.items[i].message, want[k].msg) != NULL &&
                    e.items[i].line == want[k].line && e.items[i].column == want[k].col;
        if (!found)
            print_error("missing: %s: %s\n", want[k].path, want[k].msg);
        assert_true(found);
    }
    qs_diag_list_release(&e);

    /* Names are checked once the settings themselves are well-formed. */
    path = write_config(DSIR_SOURCE "overrides:\n"
                                    "  dsi-r:\n"
                                    "    cutoffs: {fo_hgh: 2.3}\n"
                                    "    flags: {high-fusoin: {enabled: false}}\n");
    qs_diag_list_init(&e);
    assert_int_equal(qs_config_load(&c, path, &e), QS_EINVALID);
    assert_int_equal(e.count, 2);
    assert_string_equal(e.items[0].path, "overrides.dsi-r.cutoffs.fo_hgh");
    assert_int_equal(e.items[0].line, 4);
    assert_int_equal(e.items[0].column, 15);
    assert_string_equal(
        e.items[0].message,
        "instrument 'dsi-r' has no cutoff 'fo_hgh' (its cutoffs: fo_high, er_high)");
    assert_string_equal(e.items[1].path, "overrides.dsi-r.flags.high-fusoin");
    assert_non_null(strstr(e.items[1].message, "has no flag 'high-fusoin'"));
    assert_non_null(strstr(e.items[0].file, "clinic.yaml"));
    qs_diag_list_release(&e);
    unsetenv("QSCORE_INSTRUMENTS");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths_are_relative_to_the_config_and_defaults_apply),
        cmocka_unit_test(test_mistakes_are_reported_with_key_paths),
        cmocka_unit_test(test_export_section),
        cmocka_unit_test(test_overrides_change_cutoffs_severities_and_enabled_flags),
        cmocka_unit_test(test_overridden_texts_say_it_is_the_clinics_setting),
        cmocka_unit_test(test_override_fingerprint_is_canonical),
        cmocka_unit_test(test_override_mistakes_are_reported_with_key_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
