/* qscore/pseudonym.h - keyed pseudonyms for research exports: the site key, HMAC-SHA-256. */
#ifndef QSCORE_PSEUDONYM_H
#define QSCORE_PSEUDONYM_H

#include <stddef.h>

#include "qscore/diag.h"
#include "qscore/error.h"

/*
 * A site key is 32 random bytes, stored as 64 hex digits and a newline in a file that only its
 * owner may read (mode 0600 or stricter). A pseudonym is HMAC-SHA-256(key, domain NUL site NUL
 * id), its first 15 bytes (120 bits) in lowercase RFC 4648 base32: 24 characters. The same key,
 * site and id always give the same pseudonym; without the key they cannot be linked back or
 * recomputed (ENISA 2019, keyed hashing). The fingerprint names a key without revealing it.
 */

#define QS_KEY_BYTES       32
#define QS_PSEUDONYM_LEN   24 /* characters, without the NUL */
#define QS_FINGERPRINT_LEN 16 /* hex digits, without the NUL */

/**
 * Create a new key file at `path` (mode 0600, parents 0700). Never overwrites: when the file
 * exists, *created is 0 and nothing is written. QS_EIO (diag says why) or QS_OK.
 */
qs_error qs_key_generate(const char *path, int *created, qs_diag *diag);

/**
 * Read the key at `path`. Refused (QS_EINVALID, diag says why and how to fix it) when the file is
 * not a regular file, is readable or writable by group or others, or does not hold 64 hex digits.
 * QS_ENOTFOUND when it does not exist (run `qscore keygen`), QS_EIO on read errors.
 */
qs_error qs_key_load(const char *path, unsigned char key[QS_KEY_BYTES], qs_diag *diag);

/** The pseudonym of (`domain`, `site`, `id`), e.g. domain "client" or "group". */
void qs_pseudonym(const unsigned char key[QS_KEY_BYTES], const char *domain, const char *site,
                  const char *id, char out[QS_PSEUDONYM_LEN + 1]);

/** The key's fingerprint: HMAC-SHA-256(key, "qscore key fingerprint v1"), first 8 bytes, hex. */
void qs_key_fingerprint(const unsigned char key[QS_KEY_BYTES], char out[QS_FINGERPRINT_LEN + 1]);

#endif
