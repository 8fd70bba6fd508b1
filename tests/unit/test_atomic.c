/* test_atomic.c - files that appear complete or not at all, and the folder sync after rename. */
#include <dirent.h>
#include <errno.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_committed_file_is_in_place_alone_and_private),
        cmocka_unit_test(test_the_folder_of_any_path_form_is_synced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
