/* fuzz_yaml.c - the instrument, mapping and clinic-config loaders over arbitrary bytes.
 * Built three times: FUZZ_LOADER 0 instrument, 1 mapping, 2 clinic config. */
#include "fuzz_common.h"
#include "qscore/config.h"
#include "qscore/instrument.h"
#include "qscore/mapping.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    qs_diag_list errs;
    qs_diag_list_init(&errs);
#if FUZZ_LOADER == 0
    qs_instrument *inst = NULL;
    (void)qs_instrument_load_mem(&inst, (const char *)data, size, "fuzz.yaml", &errs);
    qs_instrument_free(inst);
#elif FUZZ_LOADER == 1
    qs_mapping *m = NULL;
    (void)qs_mapping_load_mem(&m, (const char *)data, size, "fuzz.yaml", &errs);
    qs_mapping_free(m);
#else
    /* The config loader reads a path (its paths are relative to the file's folder). */
    char path[512];
    snprintf(path, sizeof(path), "%s/clinic.yaml", fuzz_scratch());
    if (fuzz_write(path, data, size) != 0)
        fuzz_die("cannot write the config");
    qs_config *c = NULL;
    (void)qs_config_load(&c, path, &errs);
    qs_config_free(c);
#endif
    /* Every message must be a string: walking them finds an unterminated one. */
    for (size_t i = 0; i < errs.count; i++)
        (void)strlen(errs.items[i].message);
    qs_diag_list_release(&errs);
    return 0;
}
