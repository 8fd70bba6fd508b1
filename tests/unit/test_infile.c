/* test_infile.c - only regular files are read, and nothing blocks on the open. */
#include <errno.h>
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

#include "qscore/infile.h"

static void scratch(char *dir, size_t size)
{
    const char *base = getenv("TMPDIR");
    snprintf(dir, size, "%s/qs-infile-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(dir));
}

/* Open `path` and expect it refused with "not a regular file", at once. */
static void expect_refused(const char *path)
{
    FILE *fp = NULL;
    unsigned long long size = 1;
    qs_diag d;
    qs_diag_clear(&d);
    time_t t0 = time(NULL);
    assert_int_equal(qs_infile_open(&fp, &size, path, "shown", &d), QS_EIO);
    assert_true(time(NULL) - t0 <= 1);
    assert_null(fp);
    assert_int_equal(size, 0);
    assert_string_equal(d.message, "cannot open 'shown': not a regular file");
}

static void test_a_regular_file_opens_with_its_size(void **state)
{
    (void)state;
    char dir[256], path[300];
    scratch(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/a.csv", dir);
    FILE *w = fopen(path, "wb");
    assert_non_null(w);
    fputs("a,b\n1,2\n", w);
    fclose(w);
    FILE *fp = NULL;
    unsigned long long size = 0;
    qs_diag d;
    qs_diag_clear(&d);
    assert_int_equal(qs_infile_open(&fp, &size, path, NULL, &d), QS_OK);
    assert_int_equal(size, 8);
    char buf[16];
    assert_int_equal(fread(buf, 1, sizeof(buf), fp), 8); /* blocking reads again: all of it */
    fclose(fp);
    unlink(path);
    rmdir(dir);
}

static void test_a_fifo_with_no_writer_is_refused_at_once(void **state)
{
    (void)state;
    char dir[256], path[300];
    scratch(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/fifo.csv", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    expect_refused(path);
    unlink(path);
    rmdir(dir);
}

static void test_devices_folders_and_kernel_files_are_refused(void **state)
{
    (void)state;
    expect_refused("/dev/zero");
    expect_refused("/dev/null");
    expect_refused("/tmp");
    if (access("/proc/self/pagemap", R_OK) == 0)
        expect_refused("/proc/self/pagemap"); /* "regular" to stat, endless to read */
    if (access("/proc/self/status", R_OK) == 0)
        expect_refused("/proc/self/status");
}

static void test_a_symlink_to_a_kernel_file_is_refused(void **state)
{
    (void)state;
    char dir[256], path[300];
    scratch(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/export.csv", dir);
    assert_int_equal(symlink("/proc/self/pagemap", path), 0);
    if (access(path, R_OK) == 0)
        expect_refused(path);
    unlink(path);
    rmdir(dir);
}

static void test_a_missing_file_keeps_its_errno(void **state)
{
    (void)state;
    FILE *fp = NULL;
    unsigned long long size = 0;
    qs_diag d;
    qs_diag_clear(&d);
    assert_int_equal(qs_infile_open(&fp, &size, "/nonexistent-qscore/x.csv", NULL, &d), QS_EIO);
    assert_int_equal(errno, ENOENT);
    assert_string_equal(d.message,
                        "cannot open '/nonexistent-qscore/x.csv': No such file or directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_regular_file_opens_with_its_size),
        cmocka_unit_test(test_a_fifo_with_no_writer_is_refused_at_once),
        cmocka_unit_test(test_devices_folders_and_kernel_files_are_refused),
        cmocka_unit_test(test_a_symlink_to_a_kernel_file_is_refused),
        cmocka_unit_test(test_a_missing_file_keeps_its_errno),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
