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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths_are_relative_to_the_config_and_defaults_apply),
        cmocka_unit_test(test_mistakes_are_reported_with_key_paths),
        cmocka_unit_test(test_export_section),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
