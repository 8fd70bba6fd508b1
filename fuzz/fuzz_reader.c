/* fuzz_reader.c - the CSV reader over arbitrary bytes: encodings, delimiters, quotes, caps. */
#include "fuzz_common.h"
#include "qscore/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The first byte picks the options: the delimiter (sniffed or forced) and small caps, so
     * the field and record limits are reached by small inputs too. */
    static const char delims[] = {0, ',', ';', '\t', '|', '^'};
    unsigned opt = fuzz_take(&data, &size);
    qs_reader_opts o = {delims[opt % sizeof(delims)], (opt & 0x40) ? 64 : 0, (opt & 0x80) ? 8 : 0};
    qs_reader *r = NULL;
    qs_diag d;
    qs_diag_clear(&d);
    if (qs_reader_open_mem(&r, data, size, "fuzz.csv", &o, &d) != QS_OK)
        return 0;
    (void)qs_encoding_name(qs_reader_encoding(r));
    for (int guard = 0; guard < 100000; guard++) {
        qs_record rec;
        qs_error rc = qs_reader_next(r, &rec, &d);
        if (rc == QS_OK) {
            /* Touch every field: a length past its buffer is an ASan report. */
            size_t sum = 0;
            for (size_t i = 0; i < rec.nfields; i++)
                sum += rec.lens[i] ? (unsigned char)rec.fields[i][rec.lens[i] - 1] : 0;
            (void)sum;
        } else if (rc != QS_EDATA) {
            break;
        }
    }
    (void)qs_reader_bytes(r);
    qs_reader_free(r);
    return 0;
}
