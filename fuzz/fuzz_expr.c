/* fuzz_expr.c - rule expressions (compile and evaluate) and the date parsers. */
#include <math.h>

#include "fuzz_common.h"
#include "qscore/expr.h"
#include "qscore/ingest.h"

/* Scores named S0..S7 and a few words, as an instrument's resolver would know them. */
static int resolve(void *ctx, const char *name, size_t len)
{
    (void)ctx;
    static const char *const ids[] = {"total", "FO", "sub_a", "x"};
    for (int i = 0; i < 4; i++)
        if (strlen(ids[i]) == len && memcmp(ids[i], name, len) == 0)
            return i;
    if (len == 2 && name[0] == 'S' && name[1] >= '0' && name[1] <= '7')
        return 4 + (name[1] - '0');
    return -1;
}

static void fuzz_rule(const char *src, unsigned seed)
{
    qs_expr *e = NULL;
    qs_diag d;
    qs_diag_clear(&d);
    if (qs_expr_compile(&e, src, resolve, NULL, &d) != QS_OK)
        return;
    double values[12 * QS_FIELD_COUNT];
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
        values[i] = (seed >> (i % 8)) & 1 ? NAN : (double)((int)(i * seed % 41) - 20) / 2;
    (void)qs_expr_eval(e, values);
    for (size_t i = 0; i < qs_expr_ref_count(e); i++) {
        int score;
        qs_field field;
        qs_expr_ref(e, i, &score, &field);
        (void)qs_field_name(field);
    }
    qs_expr_free(e);
}

static void fuzz_date(const char *text, unsigned mode)
{
    static const char *const formats[] = {NULL, "%Y-%m-%d", "%d.%m.%Y %H:%M", "%m/%d/%Y %I:%M %p"};
    char out[64], form[64];
    (void)qs_parse_date(text, formats[mode % 4], out, sizeof(out));
    for (int o = 0; o < 3; o++) {
        (void)qs_parse_slash_date(text, (qs_date_order)o, out, sizeof(out));
        qs_date_form(text, (qs_date_order)o, form, sizeof(form));
        qs_date_form(text, (qs_date_order)o, form, 1 + mode % 8); /* small buffers too */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned mode = fuzz_take(&data, &size);
    char *s = fuzz_strdup(data, size);
    if (mode & 1)
        fuzz_date(s, mode >> 1);
    else
        fuzz_rule(s, mode >> 1);
    free(s);
    return 0;
}
