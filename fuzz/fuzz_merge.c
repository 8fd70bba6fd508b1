/* fuzz_merge.c - merge's reading of export folders: manifest.json, stats.csv and the long files.
 *
 * The input is the files of one export, separated by lines "%%FILE%%" in the order stats.csv,
 * scores.csv, flags.csv, items.csv (absent: an export without --items), manifest.json (absent:
 * one is written whose SHA-256s match, so the CSV parsing is reached rather than stopping at the
 * checksum). The first byte says whether the folder is merged with itself (two inputs), with
 * k = 5, and which export format the written manifest claims (2, as the seeds' stats.csv says,
 * or 3: merge reads both, and format 2's missing T scores are rewritten). */
#include <dirent.h>
#include <sodium.h>
#include <sys/stat.h>

#include "fuzz_common.h"
#include "qscore/export.h"

#define SEP "\n%%FILE%%\n"

/* Remove what `dir` holds (merge's output is a tree: scores/instrument=.../site=.../). */
static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char path[1024];
        struct stat st;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            rm_tree(path);
            rmdir(path);
        } else {
            unlink(path);
        }
    }
    closedir(d);
}

static void sha_hex(const uint8_t *p, size_t n, char hex[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, p, n);
    sodium_bin2hex(hex, 65, h, sizeof(h));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"stats.csv", "scores.csv", "flags.csv", "items.csv",
                                        "manifest.json"};
    unsigned mode = fuzz_take(&data, &size);
    char in[512], out[512], path[600];
    snprintf(in, sizeof(in), "%s/in", fuzz_scratch());
    snprintf(out, sizeof(out), "%s/out", fuzz_scratch());
    mkdir(in, 0700);
    rm_tree(in);
    const uint8_t *part[5] = {0};
    size_t len[5] = {0};
    int nparts = 0;
    const uint8_t *p = data, *end = data + size;
    while (nparts < 5) {
        const uint8_t *sep = NULL;
        for (const uint8_t *q = p; q + sizeof(SEP) - 1 <= end; q++)
            if (memcmp(q, SEP, sizeof(SEP) - 1) == 0) {
                sep = q;
                break;
            }
        part[nparts] = p;
        len[nparts] = (size_t)((sep ? sep : end) - p);
        nparts++;
        if (!sep)
            break;
        p = sep + sizeof(SEP) - 1;
    }
    for (int i = 0; i < nparts && i < 4; i++) {
        snprintf(path, sizeof(path), "%s/%s", in, names[i]);
        if (fuzz_write(path, part[i], len[i]) != 0)
            fuzz_die("cannot write an input");
    }
    snprintf(path, sizeof(path), "%s/manifest.json", in);
    if (nparts == 5) {
        if (fuzz_write(path, part[4], len[4]) != 0)
            fuzz_die("cannot write the manifest");
    } else {
        char m[2048], hex[65];
        size_t o = (size_t)snprintf(m, sizeof(m), "{\n  \"format\": %d,\n  \"files\": [\n",
                                    (mode & 4) ? 3 : 2);
        for (int i = 0; i < nparts && i < 4; i++) {
            sha_hex(part[i], len[i], hex);
            o += (size_t)snprintf(m + o, sizeof(m) - o,
                                  "    {\"name\": \"%s\", \"sha256\": \"%s\"}%s\n", names[i], hex,
                                  i + 1 < nparts ? "," : "");
        }
        o += (size_t)snprintf(m + o, sizeof(m) - o, "  ]\n}\n");
        if (fuzz_write(path, m, o) != 0)
            fuzz_die("cannot write the manifest");
    }
    const char *dirs[2] = {in, in};
    qs_merge_counts counts;
    qs_diag_list errs;
    qs_diag_list_init(&errs);
    rm_tree(out);
    rmdir(out);
    (void)qs_export_merge(out, dirs, (mode & 1) ? 2 : 1, (mode & 2) ? 5 : 0, &counts, &errs);
    qs_diag_list_release(&errs);
    return 0;
}
