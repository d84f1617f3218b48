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
        return sn_fail(err, SN_EINVAL, "--data is required (a UCI folder or a CSV file)");
    if (cli_is_dir(o->path)) {
        sn_data *te = NULL;
        if (o->split > 100000)
            return sn_fail(err, SN_EINVAL, "--split out of range");
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
        return sn_fail(err, SN_EINVAL, "--delimiter: expected auto, comma or whitespace");
    if (o->header && strcmp(o->header, "yes") == 0)
        co.header = SN_HEADER_YES;
    else if (o->header && strcmp(o->header, "no") == 0)
        co.header = SN_HEADER_NO;
    else if (o->header && strcmp(o->header, "auto") != 0)
        return sn_fail(err, SN_EINVAL, "--header: expected auto, yes or no");
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
