/*
 * file.c — the one set of file helpers of the library and the CLI: read a whole file, and
 * write one atomically (a temporary file in the same folder, then rename).
 *
 * Permissions: a finished output gets mode 0666 less the process's umask, the mode every
 * ordinary tool gives a new file, whether or not the target existed before (docs/FORMATS.md).
 * The temporary file is created with open(O_CREAT | O_EXCL, 0666), so the kernel applies the
 * umask; nothing here reads or changes the umask, which is process-wide state and would race
 * between the benchmark's worker threads.
 *
 * Devices and FIFOs (/dev/null, /dev/stdout, a named pipe) are written in place: renaming a
 * temporary file over one would replace the device with a regular file. A folder is refused.
 */
#include "io/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The first buffer of a whole-file read; doubled as needed. */
#define READ_CHUNK 65536
/* Attempts at a fresh temporary name before giving up (another process holding every one of
 * them is not a case to wait for). */
#define TMP_ATTEMPTS 100

sn_status sn_fd_read_all(int fd, const char *path, char **out, size_t *len, sn_error *err)
{
    *out = NULL;
    *len = 0;
    size_t cap = READ_CHUNK, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return sn_fail(err, SN_ENOMEM, "%s: out of memory reading it", path);
    for (;;) {
        /* Keep one byte free for the terminating NUL. */
        if (cap - n < 2) {
            char *b = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
            if (!b) {
                free(buf);
                return sn_fail(err, SN_ENOMEM, "%s: out of memory reading it", path);
            }
            buf = b;
            cap *= 2;
        }
        ssize_t k = read(fd, buf + n, cap - n - 1);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            return sn_fail(err, SN_EIO, "%s: cannot read: %s", path, strerror(e));
        }
        if (k == 0)
            break;
        n += (size_t)k;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return SN_OK;
}

sn_status sn_file_read(const char *path, char **out, size_t *len, sn_error *err)
{
    *out = NULL;
    *len = 0;
    if (strcmp(path, "-") == 0)
        return sn_fd_read_all(STDIN_FILENO, "standard input", out, len, err);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sn_fail(err, SN_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        close(fd);
        return sn_fail(err, SN_EIO, "%s: is a folder, not a file", path);
    }
    sn_status st = sn_fd_read_all(fd, path, out, len, err);
    close(fd);
    return st;
}

/* ========================================================================================== */
/* Atomic output                                                                               */
/* ========================================================================================== */

/* Distinguishes the temporary files of one process's threads. */
static atomic_uint tmp_counter;

static void out_reset(sn_file_out *o)
{
    memset(o, 0, sizeof *o);
}

sn_status sn_file_out_open(sn_file_out *o, const char *path, sn_error *err)
{
    out_reset(o);
    if (strcmp(path, "-") == 0) {
        o->f = stdout;
        o->is_stdout = true;
        return SN_OK;
    }
    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        if (S_ISDIR(sb.st_mode))
            return sn_fail(err, SN_EIO, "%s: is a folder, not a file", path);
        o->f = fopen(path, "w");
        if (!o->f)
            return sn_fail(err, SN_EIO, "%s: %s", path, strerror(errno));
        return SN_OK;
    }
    size_t n = strlen(path), cap = n + 48;
    o->path = malloc(n + 1);
    o->tmp = malloc(cap);
    if (!o->path || !o->tmp) {
        sn_file_out_abort(o);
        return sn_fail(err, SN_ENOMEM, "%s: out of memory", path);
    }
    memcpy(o->path, path, n + 1);
    int fd = -1, e = 0;
    for (int k = 0; k < TMP_ATTEMPTS && fd < 0; k++) {
        snprintf(o->tmp, cap, "%s.tmp%ld.%u", path, (long)getpid(),
                 atomic_fetch_add(&tmp_counter, 1u));
        fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        e = errno;
        if (fd < 0 && e != EEXIST)
            break;
    }
    if (fd < 0) {
        free(o->tmp);
        o->tmp = NULL;
        sn_file_out_abort(o);
        return sn_fail(err, SN_EIO, "%s: cannot create a file there: %s", path, strerror(e));
    }
    o->f = fdopen(fd, "wb");
    if (!o->f) {
        e = errno;
        close(fd);
        sn_file_out_abort(o);
        return sn_fail(err, SN_EIO, "%s: %s", path, strerror(e));
    }
    return SN_OK;
}

sn_status sn_file_out_commit(sn_file_out *o, sn_error *err)
{
    if (o->is_stdout) {
        bool bad = ferror(stdout) || fflush(stdout) != 0;
        out_reset(o);
        return bad ? sn_fail(err, SN_EIO, "standard output: %s", strerror(errno ? errno : EIO))
                   : SN_OK;
    }
    if (!o->tmp) {
        /* Written in place (a device or FIFO): just close it. */
        bool bad = o->f && (ferror(o->f) || fclose(o->f) != 0);
        out_reset(o);
        return bad ? sn_fail(err, SN_EIO, "writing failed: %s", strerror(errno ? errno : EIO))
                   : SN_OK;
    }
    int e = 0;
    bool bad = false;
    if (o->f) {
        bad = ferror(o->f) || fflush(o->f) != 0 || fsync(fileno(o->f)) != 0;
        e = errno;
        if (fclose(o->f) != 0 && !bad) {
            bad = true;
            e = errno;
        }
        o->f = NULL;
    }
    if (!bad && rename(o->tmp, o->path) != 0) {
        bad = true;
        e = errno;
    }
    if (bad) {
        sn_status st = sn_fail(err, SN_EIO, "%s: writing failed: %s", o->path,
                               strerror(e ? e : EIO));
        sn_file_out_abort(o);
        return st;
    }
    free(o->tmp);
    free(o->path);
    out_reset(o);
    return SN_OK;
}

void sn_file_out_abort(sn_file_out *o)
{
    if (o->f && !o->is_stdout)
        fclose(o->f);
    if (o->tmp)
        unlink(o->tmp);
    free(o->tmp);
    free(o->path);
    out_reset(o);
}

sn_status sn_file_replace(const char *path, const char *data, size_t len, sn_error *err)
{
    sn_file_out o;
    sn_status st = sn_file_out_open(&o, path, err);
    if (st != SN_OK)
        return st;
    if (fwrite(data, 1, len, o.f) != len) {
        int e = errno;
        sn_file_out_abort(&o);
        return sn_fail(err, SN_EIO, "%s: writing failed: %s", path, strerror(e ? e : EIO));
    }
    return sn_file_out_commit(&o, err);
}
