/* fuzz_wbtext.c - the text cleaning every workbook string goes through (qs_wb__clean): its
 * result must be valid UTF-8 without U+FFFE/U+FFFF and within a cell's size. */
#include "fuzz_common.h"
#include "text.h"
#include "workbook_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_strdup(data, size);
    struct wb W;
    memset(&W, 0, sizeof(W));
    const char *c = qs_wb__clean(&W, s);
    if (c) {
        size_t n = strlen(c);
        if (qs_text__utf8_invalid(c, n) != n)
            abort(); /* invalid UTF-8 left in a cell: a file Excel calls corrupt */
        if (strstr(c, "\xEF\xBF\xBE") || strstr(c, "\xEF\xBF\xBF"))
            abort();
        if (n > CELL_MAX_BYTES)
            abort();
    }
    free(W.scratch);
    free(s);
    return 0;
}
