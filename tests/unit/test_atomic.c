/* test_atomic.c - files that appear complete or not at all, and the folder sync after rename. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "qscore/atomic.h"

static void test_a_committed_file_is_in_place_alone_and_private(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    char dir[256], path[300];
    snprintf(dir, sizeof(dir), "%s/qs-atomic-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/out.csv", dir);
    qs_atomic_file f;
    qs_diag d;
    qs_diag_clear(&d);
    assert_int_equal(qs_atomic_open(&f, path, &d), QS_OK);
    fputs("a,b\n", f.fp);
    assert_int_equal(qs_atomic_commit(&f, &d), QS_OK);
    qs_atomic_abort(&f);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 4);
    DIR *dd = opendir(dir);
    assert_non_null(dd);
    int entries = 0;
    for (struct dirent *e; (e = readdir(dd)) != NULL;)
        entries += e->d_name[0] != '.';
    closedir(dd);
    assert_int_equal(entries, 1);
    assert_int_equal(unlink(path), 0);
    /* The folder is empty now: no hidden ".out.csv.tmp.XXXXXX" was left either. */
    assert_int_equal(rmdir(dir), 0);
}

static void test_the_folder_of_any_path_form_is_synced(void **state)
{
    (void)state;
    assert_int_equal(qs_atomic_sync_dir("relative-name"), 0); /* the current folder */
    assert_int_equal(qs_atomic_sync_dir("/name-at-the-root"), 0);
    assert_int_equal(qs_atomic_sync_dir("/tmp/name"), 0);
    errno = 0;
    assert_int_equal(qs_atomic_sync_dir("/nonexistent-qscore-folder/name"), -1);
    assert_int_equal(errno, ENOENT);
}

static void touch(const char *dir, const char *name, time_t mtime)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fclose(fp);
    struct timespec ts[2] = {{mtime, 0}, {mtime, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static int exists(const char *dir, const char *name)
{
    char path[512];
    struct stat st;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return lstat(path, &st) == 0;
}

/* A `reports` that is a link to another folder is not cleaned: not ours. */
static void test_a_linked_folder_is_not_swept(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    char dir[256], other[256], link[320], path[400];
    snprintf(dir, sizeof(dir), "%s/qs-sweep-XXXXXX", base && *base ? base : "/tmp");
    snprintf(other, sizeof(other), "%s/qs-other-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(dir));
    assert_non_null(mkdtemp(other));
    snprintf(link, sizeof(link), "%s/reports", dir);
    assert_int_equal(symlink(other, link), 0);
    time_t now = time(NULL);
    touch(other, ".therapist-T-A.xlsx.tmp.zZ09aq", now - 3600);
    assert_int_equal(qs_atomic_sweep(dir, "reports", now), 0);
    assert_true(exists(other, ".therapist-T-A.xlsx.tmp.zZ09aq"));
    snprintf(path, sizeof(path), "%s/.therapist-T-A.xlsx.tmp.zZ09aq", other);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(unlink(link), 0);
    assert_int_equal(rmdir(other), 0);
    assert_int_equal(rmdir(dir), 0);
}

static void test_old_temporaries_of_our_pattern_are_swept(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    char dir[256], sub[300], path[400];
    snprintf(dir, sizeof(dir), "%s/qs-sweep-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof(sub), "%s/reports", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    time_t now = time(NULL), old = now - 3600;
    touch(dir, ".quarantine-run3.csv.tmp.Ab12Cd", old);     /* swept */
    touch(sub, ".therapist-T-A.xlsx.tmp.zZ09aq", old);      /* swept */
    touch(sub, ".therapist-T-B.xlsx.tmp.Qq11Ww", now + 60); /* being written: kept */
    touch(sub, "therapist-T-A.xlsx", old);                  /* an output: kept */
    touch(sub, ".notes.tmp.short", old);                    /* not our pattern: kept */
    touch(sub, ".x.tmp.ab-def", old);                       /* not mkstemp's alphabet: kept */
    touch(sub, ".notes.tmp.backup", old);                   /* another program's temporary: kept */
    touch(sub, ".thesis.docx.tmp.Final1", old);             /* likewise */
    snprintf(path, sizeof(path), "%s/.link.tmp.AAAAAA", sub);
    assert_int_equal(symlink(dir, path), 0); /* a link, never followed nor removed */
    assert_int_equal(qs_atomic_sweep(dir, "reports", now), 2);
    assert_false(exists(dir, ".quarantine-run3.csv.tmp.Ab12Cd"));
    assert_false(exists(sub, ".therapist-T-A.xlsx.tmp.zZ09aq"));
    assert_true(exists(sub, ".therapist-T-B.xlsx.tmp.Qq11Ww"));
    assert_true(exists(sub, "therapist-T-A.xlsx"));
    assert_true(exists(sub, ".notes.tmp.short"));
    assert_true(exists(sub, ".x.tmp.ab-def"));
    assert_true(exists(sub, ".notes.tmp.backup"));
    assert_true(exists(sub, ".thesis.docx.tmp.Final1"));
    assert_true(exists(sub, ".link.tmp.AAAAAA"));
    assert_int_equal(qs_atomic_sweep(dir, "reports", now), 0);
    assert_int_equal(qs_atomic_sweep("/nonexistent-qscore-folder", NULL, now), 0);
    const char *names[] = {".therapist-T-B.xlsx.tmp.Qq11Ww",
                           "therapist-T-A.xlsx",
                           ".notes.tmp.short",
                           ".x.tmp.ab-def",
                           ".link.tmp.AAAAAA",
                           ".notes.tmp.backup",
                           ".thesis.docx.tmp.Final1"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", sub, names[i]);
        assert_int_equal(unlink(path), 0);
    }
    assert_int_equal(rmdir(sub), 0);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_committed_file_is_in_place_alone_and_private),
        cmocka_unit_test(test_the_folder_of_any_path_form_is_synced),
        cmocka_unit_test(test_old_temporaries_of_our_pattern_are_swept),
        cmocka_unit_test(test_a_linked_folder_is_not_swept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
