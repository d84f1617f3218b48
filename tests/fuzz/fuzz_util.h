/*
 * fuzz_util.h — what the libFuzzer harnesses of tests/fuzz share: a private scratch folder on a
 * memory file system, whole-file writes, and a check that aborts (libFuzzer then saves the input
 * as a crash) with a message when a property of the library's answer does not hold.
 *
 * The readers under test open files by name, so every harness writes its input to files in the
 * scratch folder: $FUZZ_TMPDIR, else /dev/shm (tmpfs on Linux), else $TMPDIR, else /tmp. The
 * folder is made once per process and removed at exit.
 */
#ifndef SN_FUZZ_UTIL_H
#define SN_FUZZ_UTIL_H

#include "shrinknet.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Abort with a message unless cond holds: a failed property is a finding, like a crash. */
#define FUZZ_CHECK(cond, ...)                                                                   \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            fprintf(stderr, "%s:%d: property failed: %s: ", __FILE__, __LINE__, #cond);        \
            fprintf(stderr, __VA_ARGS__);                                                       \
            fputc('\n', stderr);                                                                \
            abort();                                                                            \
        }                                                                                       \
    } while (0)

static char fuzz_dir[512];

/* Remove every file of the scratch folder, then the folder (it holds no subfolders). */
static void fuzz_cleanup(void)
{
    if (!fuzz_dir[0])
        return;
    DIR *d = opendir(fuzz_dir);
    if (d) {
        struct dirent *e;
        char p[1024];
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof p, "%s/%s", fuzz_dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(fuzz_dir);
    fuzz_dir[0] = '\0';
}

/* The scratch folder of this process, made on first use. */
static inline const char *fuzz_scratch(void)
{
    if (fuzz_dir[0])
        return fuzz_dir;
    const char *base = getenv("FUZZ_TMPDIR");
    struct stat sb;
    if (!base || !*base)
        base = stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) && access("/dev/shm", W_OK) == 0
                   ? "/dev/shm"
                   : NULL;
    if (!base)
        base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    snprintf(fuzz_dir, sizeof fuzz_dir, "%s/snfuzz.XXXXXX", base);
    if (!mkdtemp(fuzz_dir)) {
        perror(fuzz_dir);
        abort();
    }
    atexit(fuzz_cleanup);
    return fuzz_dir;
}

/* dir/name into buf (size bytes). */
static inline const char *fuzz_path(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", fuzz_scratch(), name);
    return buf;
}

/* Replace path with exactly data [n]; aborts if the scratch file system fails us. */
static inline void fuzz_write(const char *path, const void *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        perror(path);
        abort();
    }
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) {
            perror(path);
            abort();
        }
        p += w;
        n -= (size_t)w;
    }
    close(fd);
}

/* A status the readers may return for bad input (never SN_OK with an error, never garbage). */
static inline int fuzz_is_status(sn_status st)
{
    return st >= SN_OK && st <= SN_EUNSUPPORTED;
}

/* An error message names the file (or folder) it is about: it starts with that name. */
static inline int fuzz_names(const sn_error *e, const char *name)
{
    return strncmp(e->msg, name, strlen(name)) == 0;
}

#endif
