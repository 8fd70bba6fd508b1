/* atomic.c - write to a temporary file beside the target, then rename it into place. */
#include "qscore/atomic.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void qs_atomic_init(qs_atomic_file *f)
{
    memset(f, 0, sizeof(*f));
}

qs_error qs_atomic_open(qs_atomic_file *f, const char *path, qs_diag *diag)
{
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path + 1) : 0;
    const char *base = slash ? slash + 1 : path;
    qs_atomic_init(f);
    if (!*base) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot write '%s': not a file name", path);
        return QS_EIO;
    }
    int n = snprintf(f->tmp, sizeof(f->tmp), "%.*s.%s.tmp.XXXXXX", dirlen, path, base);
    if (n < 0 || (size_t)n >= sizeof(f->tmp) || strlen(path) >= sizeof(f->path)) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot write '%s': path too long", path);
        return QS_EIO;
    }
    memcpy(f->path, path, strlen(path) + 1);
    int fd = mkstemp(f->tmp); /* mode 0600 */
    if (fd < 0) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot write '%s': %s", path, strerror(errno));
        f->tmp[0] = '\0';
        return QS_EIO;
    }
    f->fp = fdopen(fd, "wb");
    if (!f->fp) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot write '%s': %s", path, strerror(errno));
        close(fd);
        unlink(f->tmp);
        f->tmp[0] = '\0';
        return QS_EIO;
    }
    return QS_OK;
}

qs_error qs_atomic_commit(qs_atomic_file *f, qs_diag *diag)
{
    int err = 0;
    if (!f->fp)
        return QS_OK;
    if (fflush(f->fp) != 0 || ferror(f->fp) || fsync(fileno(f->fp)) != 0)
        err = errno ? errno : EIO;
    if (fclose(f->fp) != 0 && !err)
        err = errno ? errno : EIO;
    f->fp = NULL;
    if (!err && rename(f->tmp, f->path) != 0)
        err = errno;
    if (err) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot write '%s': %s", f->path, strerror(err));
        unlink(f->tmp);
        f->tmp[0] = '\0';
        return QS_EIO;
    }
    f->tmp[0] = '\0';
    if (qs_atomic_sync_dir(f->path) != 0) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot sync the folder of '%s': %s", f->path,
                    strerror(errno));
        return QS_EIO;
    }
    return QS_OK;
}

int qs_atomic_sync_dir(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    if (slash && n == 0)
        n = 1; /* "/name": the root */
    if (n >= sizeof(dir)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (slash)
        memcpy(dir, path, n);
    else
        dir[n++] = '.';
    dir[n] = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd) != 0 && errno != EINVAL ? -1 : 0;
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

void qs_atomic_abort(qs_atomic_file *f)
{
    if (f->fp) {
        fclose(f->fp);
        f->fp = NULL;
    }
    if (f->tmp[0]) {
        unlink(f->tmp);
        f->tmp[0] = '\0';
    }
}

int qs_mkdir_p(const char *path)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n >= sizeof(buf))
        return -1;
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char keep = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, 0700) != 0 && errno != EEXIST)
                return -1;
            buf[i] = keep;
        }
    }
    return 0;
}

/* ".NAME.tmp.XXXXXX" as qs_atomic_open (and the workbook writer) name temporaries: mkstemp
 * fills the six X from [A-Za-z0-9]. */
static int is_our_temp(const char *name)
{
    /* Only the names of what a run writes into its own folders: workbooks (therapist-*,
     * group-*), quarantine files and the run's CSV views; never another program's ".x.tmp.y". */
    static const char *const prefixes[] = {".therapist-", ".group-", ".quarantine-", NULL};
    static const char *const exts[] = {".xlsx.tmp.", ".csv.tmp.", NULL};
    size_t n = strlen(name);
    int known = 0;
    if (n < 1 + 1 + 5 + 6 || name[0] != '.' || memcmp(name + n - 11, ".tmp.", 5) != 0)
        return 0;
    for (size_t i = 0; prefixes[i] && !known; i++)
        known = strncmp(name, prefixes[i], strlen(prefixes[i])) == 0;
    for (size_t i = 0; exts[i] && known == 1; i++)
        known += n >= strlen(exts[i]) + 6 &&
                 memcmp(name + n - 6 - strlen(exts[i]), exts[i], strlen(exts[i])) == 0;
    if (known != 2)
        return 0;
    for (size_t i = n - 6; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return 0;
    }
    return 1;
}

static unsigned sweep_dir(const char *dir, time_t before)
{
    unsigned count = 0;
    /* The folder itself is never followed through a link either (a `reports` that points
     * elsewhere is not ours to clean). */
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    int dfd = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (!is_our_temp(e->d_name))
            continue;
        /* never follow a link, only our own files, only those from before this run */
        if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
            st.st_uid != geteuid() || st.st_mtime >= before)
            continue;
        if (unlinkat(dfd, e->d_name, 0) == 0)
            count++;
    }
    closedir(d);
    return count;
}

unsigned qs_atomic_sweep(const char *dir, const char *sub, time_t before)
{
    char path[4096];
    unsigned count = sweep_dir(dir, before);
    int n = sub ? snprintf(path, sizeof(path), "%s/%s", dir, sub) : -1;
    if (n > 0 && (size_t)n < sizeof(path))
        count += sweep_dir(path, before);
    return count;
}
