/* test_pseudonym.c - site keys (mode checks, never overwritten) and keyed pseudonyms. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "qscore/pseudonym.h"

static char dir[] = "/tmp/qs-test-pseudonym-XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void path(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", dir, name);
}

static void test_generate_and_load(void **state)
{
    (void)state;
    char p[512];
    struct stat st;
    unsigned char k1[QS_KEY_BYTES], k2[QS_KEY_BYTES];
    qs_diag d;
    int created = 0;
    path(p, sizeof(p), "keys/a.key");
    assert_int_equal(qs_key_generate(p, &created, &d), QS_OK);
    assert_int_equal(created, 1);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 65);
    assert_int_equal(qs_key_load(p, k1, &d), QS_OK);
    /* never overwritten */
    assert_int_equal(qs_key_generate(p, &created, &d), QS_OK);
    assert_int_equal(created, 0);
    assert_int_equal(qs_key_load(p, k2, &d), QS_OK);
    assert_memory_equal(k1, k2, QS_KEY_BYTES);
}

static void test_refuses_readable_or_bad_keys(void **state)
{
    (void)state;
    char p[512];
    unsigned char k[QS_KEY_BYTES];
    qs_diag d;
    int created;
    path(p, sizeof(p), "b.key");
    assert_int_equal(qs_key_generate(p, &created, &d), QS_OK);
    assert_int_equal(chmod(p, 0640), 0);
    assert_int_equal(qs_key_load(p, k, &d), QS_EINVALID);
    assert_non_null(strstr(d.message, "accessible by group or others (mode 0640)"));
    assert_int_equal(chmod(p, 0600), 0);
    assert_int_equal(qs_key_load(p, k, &d), QS_OK);

    /* a key in a folder others can write to could be swapped */
    char sub[512], cmd[1200];
    path(sub, sizeof(sub), "open");
    snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && chmod 777 '%s'", sub, sub);
    assert_int_equal(system(cmd), 0);
    path(p, sizeof(p), "open/c.key");
    assert_int_equal(qs_key_generate(p, &created, &d), QS_OK);
    assert_int_equal(qs_key_load(p, k, &d), QS_EINVALID);
    assert_non_null(strstr(d.message, "writable by group or others (mode 0777)"));

    path(p, sizeof(p), "short.key");
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fputs("abcd\n", fp);
    fclose(fp);
    assert_int_equal(chmod(p, 0600), 0);
    assert_int_equal(qs_key_load(p, k, &d), QS_EINVALID);
    assert_non_null(strstr(d.message, "expected 64 hex digits"));

    path(p, sizeof(p), "missing.key");
    assert_int_equal(qs_key_load(p, k, &d), QS_ENOTFOUND);
    assert_non_null(strstr(d.message, "qscore keygen"));
}

/* Fixed key: pseudonyms are stable, 24 base32 characters, and depend on key, domain and site. */
static void test_pseudonyms(void **state)
{
    (void)state;
    unsigned char key[QS_KEY_BYTES], other[QS_KEY_BYTES];
    char a[QS_PSEUDONYM_LEN + 1], b[QS_PSEUDONYM_LEN + 1], fp1[17], fp2[17];
    for (int i = 0; i < QS_KEY_BYTES; i++) {
        key[i] = (unsigned char)i;
        other[i] = (unsigned char)(i + 1);
    }
    qs_pseudonym(key, "client", "main", "C1", a);
    assert_int_equal(strlen(a), 24);
    assert_int_equal(strspn(a, "abcdefghijklmnopqrstuvwxyz234567"), 24);
    qs_pseudonym(key, "client", "main", "C1", b);
    assert_string_equal(a, b);
    qs_pseudonym(other, "client", "main", "C1", b);
    assert_string_not_equal(a, b);
    qs_pseudonym(key, "client", "north", "C1", b);
    assert_string_not_equal(a, b);
    qs_pseudonym(key, "group", "main", "C1", b);
    assert_string_not_equal(a, b);
    /* the separator makes ("ma", "inC1") differ from ("main", "C1") */
    qs_pseudonym(key, "client", "ma", "inC1", b);
    assert_string_not_equal(a, b);
    qs_key_fingerprint(key, fp1);
    qs_key_fingerprint(other, fp2);
    assert_int_equal(strlen(fp1), 16);
    assert_string_not_equal(fp1, fp2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate_and_load),
        cmocka_unit_test(test_refuses_readable_or_bad_keys),
        cmocka_unit_test(test_pseudonyms),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
