/*
 * common.c — see common.h.
 */
#include "common.h"

#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int cli_exit_code(sn_status st)
{
    switch (st) {
    case SN_OK: return EXIT_OK;
    case SN_EDATA:
    case SN_EFORMAT: return EXIT_DATA;
    case SN_EINVAL:
    case SN_EUNSUPPORTED: return EXIT_USAGE;
    case SN_EIO: return EXIT_IO;
    case SN_ENUMERIC: return EXIT_NUMERIC;
    case SN_ENOMEM: return EXIT_INTERNAL;
    }
    return EXIT_INTERNAL;
}

sn_status cli_err(sn_error *err, sn_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

int cli_fail(const char *cmd, const sn_error *e)
{
    fprintf(stderr, "shrinknet %s: %s\n", cmd, e->msg[0] ? e->msg : sn_status_str(e->code));
    return cli_exit_code(e->code);
}

bool cli_is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

sn_status cli_load_data(const cli_data_opts *o, sn_data **train, sn_data **test, sn_error *err)
{
    *train = NULL;
    if (test)
        *test = NULL;
    if (!o->path)
        return cli_err(err, SN_EINVAL, "--data is required (a UCI folder or a CSV file)");
    if (cli_is_dir(o->path)) {
        sn_data *te = NULL;
        if (o->split > 100000)
            return cli_err(err, SN_EINVAL, "--split out of range");
        sn_status st = sn_data_read_uci(o->path, (int)o->split, train, &te, err);
        if (st == SN_OK && test)
            *test = te;
        else
            sn_data_free(te);
        return st;
    }
    sn_csv_options co;
    sn_csv_options_default(&co);
    co.target = o->target;
    if (o->delim && strcmp(o->delim, "comma") == 0)
        co.delim = SN_DELIM_COMMA;
    else if (o->delim && strcmp(o->delim, "whitespace") == 0)
        co.delim = SN_DELIM_WHITESPACE;
    else if (o->delim && strcmp(o->delim, "auto") != 0)
        return cli_err(err, SN_EINVAL, "--delimiter: expected auto, comma or whitespace");
    if (o->header && strcmp(o->header, "yes") == 0)
        co.header = SN_HEADER_YES;
    else if (o->header && strcmp(o->header, "no") == 0)
        co.header = SN_HEADER_NO;
    else if (o->header && strcmp(o->header, "auto") != 0)
        return cli_err(err, SN_EINVAL, "--header: expected auto, yes or no");
    return sn_data_read_csv(o->path, &co, train, err);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void cli_progress_init(cli_progress *p, bool quiet, const char *label)
{
    const char *env = getenv("SN_PROGRESS");
    p->enabled = !quiet && (isatty(STDERR_FILENO) || (env && strcmp(env, "1") == 0));
    p->last = now();
    p->label = label;
}

int cli_progress_cb(const sn_progress *info, void *user)
{
    cli_progress *p = user;
    if (!p->enabled)
        return 0;
    double t = now();
    if (t - p->last < 1.0 && info->epoch != info->n_epochs)
        return 0;
    p->last = t;
    double eta = info->seconds / (double)info->epoch * (double)(info->n_epochs - info->epoch);
    fprintf(stderr, "%s epoch %zu/%zu  objective %.5g  train rmse %.4g  %.1fs  eta %.0fs\n",
            p->label ? p->label : "", info->epoch, info->n_epochs, info->objective, info->rmse,
            info->seconds, eta);
    return 0;
}

sn_status cli_out_open(cli_out *o, const char *path, sn_error *err)
{
    memset(o, 0, sizeof *o);
    if (strcmp(path, "-") == 0) {
        o->f = stdout;
        return SN_OK;
    }
    /* A device or FIFO (/dev/null, /dev/stdout, a pipe) is written in place: renaming a
     * temporary file over it would replace the device with a regular file. */
    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        if (S_ISDIR(sb.st_mode))
            return cli_err(err, SN_EIO, "%s: is a folder, not a file", path);
        o->f = fopen(path, "w");
        if (!o->f)
            return cli_err(err, SN_EIO, "%s: %s", path, strerror(errno));
        return SN_OK;
    }
    size_t n = strlen(path);
    o->path = malloc(n + 1);
    o->tmp = malloc(n + 16);
    if (!o->path || !o->tmp) {
        cli_out_abort(o);
        return cli_err(err, SN_ENOMEM, "out of memory");
    }
    memcpy(o->path, path, n + 1);
    snprintf(o->tmp, n + 16, "%s.tmpXXXXXX", path);
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        sn_status st = cli_err(err, SN_EIO, "%s: cannot create a file there: %s", path,
                                   strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
        cli_out_abort(o);
        return st;
    }
    /* mkstemp creates the file 0600; a finished output gets the usual 0666 less the umask (the
     * CLI is single-threaded, so reading the umask by setting it back is safe here). */
    mode_t mask = umask(022);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    o->f = fdopen(fd, "w");
    if (!o->f) {
        close(fd);
        cli_out_abort(o);
        return cli_err(err, SN_EIO, "%s: %s", path, strerror(errno));
    }
    return SN_OK;
}

sn_status cli_out_commit(cli_out *o, sn_error *err)
{
    if (o->f == stdout) {
        if (fflush(stdout) != 0)
            return cli_err(err, SN_EIO, "standard output: %s", strerror(errno));
        return SN_OK;
    }
    if (!o->tmp) {
        /* Written in place (a device or FIFO): just close it. */
        int bad = ferror(o->f) || fclose(o->f) != 0;
        o->f = NULL;
        return bad ? cli_err(err, SN_EIO, "writing failed: %s", strerror(errno)) : SN_OK;
    }
    int bad_write = ferror(o->f) || fflush(o->f) != 0 || fsync(fileno(o->f)) != 0;
    int e = errno;
    if (fclose(o->f) != 0 && !bad_write) {
        bad_write = 1;
        e = errno;
    }
    o->f = NULL;
    if (bad_write || rename(o->tmp, o->path) != 0) {
        if (!bad_write)
            e = errno;
        sn_status st = cli_err(err, SN_EIO, "%s: writing failed: %s", o->path, strerror(e));
        cli_out_abort(o);
        return st;
    }
    free(o->tmp);
    free(o->path);
    o->tmp = o->path = NULL;
    return SN_OK;
}

void cli_out_abort(cli_out *o)
{
    if (o->f && o->f != stdout)
        fclose(o->f);
    if (o->tmp)
        remove(o->tmp);
    free(o->tmp);
    free(o->path);
    memset(o, 0, sizeof *o);
}
