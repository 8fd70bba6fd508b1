/* pseudonym.c - site keys and keyed pseudonyms (libsodium's HMAC-SHA-256). */
#define _XOPEN_SOURCE 700
#include "qscore/pseudonym.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qscore/atomic.h"

static int parent_dir(const char *path, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return 0;
    size_t n = (size_t)(slash - path);
    if (n >= size)
        return 0;
    memcpy(out, path, n);
    out[n] = '\0';
    return 1;
}

qs_error qs_key_generate(const char *path, int *created, qs_diag *diag)
{
    char dir[4096];
    *created = 0;
    if (sodium_init() < 0) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot initialise libsodium");
        return QS_EIO;
    }
    if (parent_dir(path, dir, sizeof(dir)) && qs_mkdir_p(dir) != 0) {
        qs_diag_set(diag, path, 0, 0, NULL, "cannot create the key's folder: %s", strerror(errno));
        return QS_EIO;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return QS_OK;
        qs_diag_set(diag, path, 0, 0, NULL, "cannot create the key file: %s", strerror(errno));
        return QS_EIO;
    }
    unsigned char key[QS_KEY_BYTES];
    char hex[2 * QS_KEY_BYTES + 2];
    randombytes_buf(key, sizeof(key));
    sodium_bin2hex(hex, sizeof(hex), key, sizeof(key));
    sodium_memzero(key, sizeof(key));
    hex[2 * QS_KEY_BYTES] = '\n';
    size_t len = 2 * QS_KEY_BYTES + 1, off = 0;
    int ok = fchmod(fd, 0600) == 0;
    while (ok && off < len) {
        ssize_t w = write(fd, hex + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        if (ok)
            off += (size_t)w;
    }
    sodium_memzero(hex, sizeof(hex));
    ok = ok && fsync(fd) == 0;
    if (close(fd) != 0)
        ok = 0;
    if (!ok) {
        int e = errno;
        unlink(path);
        qs_diag_set(diag, path, 0, 0, NULL, "cannot write the key file: %s", strerror(e));
        return QS_EIO;
    }
    *created = 1;
    return QS_OK;
}

qs_error qs_key_load(const char *path, unsigned char key[QS_KEY_BYTES], qs_diag *diag)
{
    struct stat st;
    if (sodium_init() < 0) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot initialise libsodium");
        return QS_EIO;
    }
    char dir[4096];
    if (!parent_dir(path, dir, sizeof(dir)))
        snprintf(dir, sizeof(dir), "%s", path[0] == '/' ? "/" : ".");
    if (stat(dir, &st) == 0 && (st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
        qs_diag_set(diag, path, 0, 0, NULL,
                    "the key's folder '%s' is writable by group or others (mode %04o): anyone "
                    "there could swap the key; refused ('chmod 700' it)",
                    dir, (unsigned)(st.st_mode & 07777));
        return QS_EINVALID;
    }
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        qs_diag_set(diag, path, 0, 0, NULL,
                    e == ENOENT ? "no key file: create it with 'qscore keygen -c CONFIG'"
                                : "cannot open the key file: %s",
                    strerror(e));
        return e == ENOENT ? QS_ENOTFOUND : e == ELOOP ? QS_EINVALID : QS_EIO;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        qs_diag_set(diag, path, 0, 0, NULL, "the key file is not a regular file");
        return QS_EINVALID;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        close(fd);
        qs_diag_set(diag, path, 0, 0, NULL,
                    "the key file is accessible by group or others (mode %04o): refused; "
                    "make it private with 'chmod 600' (and consider the key exposed)",
                    (unsigned)(st.st_mode & 07777));
        return QS_EINVALID;
    }
    char buf[2 * QS_KEY_BYTES + 4];
    size_t len = 0;
    for (;;) {
        ssize_t r = read(fd, buf + len, sizeof(buf) - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            qs_diag_set(diag, path, 0, 0, NULL, "cannot read the key file: %s", strerror(e));
            return QS_EIO;
        }
        if (r == 0 || len + (size_t)r == sizeof(buf)) {
            len += (size_t)r;
            break;
        }
        len += (size_t)r;
    }
    close(fd);
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        len--;
    size_t bin_len = 0;
    int ok = len == 2 * QS_KEY_BYTES &&
             sodium_hex2bin(key, QS_KEY_BYTES, buf, len, NULL, &bin_len, NULL) == 0 &&
             bin_len == QS_KEY_BYTES;
    sodium_memzero(buf, sizeof(buf));
    if (!ok) {
        sodium_memzero(key, QS_KEY_BYTES);
        qs_diag_set(diag, path, 1, 1, NULL,
                    "expected 64 hex digits (a key made by 'qscore keygen'), found something else");
        return QS_EINVALID;
    }
    return QS_OK;
}

static void base32(const unsigned char *in, size_t n, char *out)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    unsigned long acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            out[o++] = alphabet[(acc >> (bits - 5)) & 31];
            bits -= 5;
        }
        acc &= (1ul << bits) - 1;
    }
    if (bits > 0)
        out[o++] = alphabet[(acc << (5 - bits)) & 31];
    out[o] = '\0';
}

void qs_pseudonym(const unsigned char key[QS_KEY_BYTES], const char *domain, const char *site,
                  const char *id, char out[QS_PSEUDONYM_LEN + 1])
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    static const unsigned char nul = 0;
    crypto_auth_hmacsha256_init(&st, key, QS_KEY_BYTES);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)domain, strlen(domain));
    crypto_auth_hmacsha256_update(&st, &nul, 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)site, strlen(site));
    crypto_auth_hmacsha256_update(&st, &nul, 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)id, strlen(id));
    crypto_auth_hmacsha256_final(&st, mac);
    base32(mac, 15, out);
    sodium_memzero(&st, sizeof(st)); /* the state alone would compute pseudonyms */
    sodium_memzero(mac, sizeof(mac));
}

void qs_key_fingerprint(const unsigned char key[QS_KEY_BYTES], char out[QS_FINGERPRINT_LEN + 1])
{
    static const char label[] = "qscore key fingerprint v1";
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(mac, (const unsigned char *)label, sizeof(label) - 1, key);
    sodium_bin2hex(out, QS_FINGERPRINT_LEN + 1, mac, QS_FINGERPRINT_LEN / 2);
}
