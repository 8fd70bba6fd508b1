/* infile.c - open an input file only if it is a regular file, never blocking. */
#include "qscore/infile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/vfs.h>
#endif

/* /proc and /sys files stat as regular (size 0 or 4096) but are generated on read, some
 * without end (/proc/self/pagemap): they are not files anyone exports. */
static int kernel_fs(int fd)
{
#ifdef __linux__
    struct statfs fs;
    if (fstatfs(fd, &fs) != 0)
        return 0;
    return fs.f_type == 0x9fa0 /* PROC_SUPER_MAGIC */ || fs.f_type == 0x62656572 /* SYSFS */ ||
           fs.f_type == 0x64626720 /* DEBUGFS */ || fs.f_type == 0x74726163 /* TRACEFS */;
#else
    (void)fd;
    return 0;
#endif
}

qs_error qs_infile_open(FILE **out, unsigned long long *size, const char *path, const char *display,
                        qs_diag *diag)
{
    struct stat st;
    const char *why = NULL;
    *out = NULL;
    *size = 0;
    if (!display)
        display = path;
    /* O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot open '%s': %s", display, strerror(e));
        errno = e; /* callers tell a missing file from others */
        return QS_EIO;
    }
    if (fstat(fd, &st) != 0)
        why = strerror(errno);
    else if (!S_ISREG(st.st_mode) || kernel_fs(fd))
        why = "not a regular file";
    else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)
        why = strerror(errno);
    FILE *fp = why ? NULL : fdopen(fd, "rb");
    if (!fp) {
        if (!why)
            why = strerror(errno);
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot open '%s': %s", display, why);
        close(fd);
        errno = EINVAL;
        return QS_EIO;
    }
    *out = fp;
    *size = st.st_size > 0 ? (unsigned long long)st.st_size : 0;
    return QS_OK;
}
