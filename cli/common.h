/*
 * common.h — what every subcommand shares: exit codes, error printing, loading data given by
 * --data (a UCI folder or a CSV file), and progress on stderr. (Atomic output files are the
 * library's sn_file_out.)
 */
#ifndef SN_CLI_COMMON_H
#define SN_CLI_COMMON_H

#include "opts.h"
#include "shrinknet.h"

/* Exit codes (README "Exit codes"). */
enum {
    EXIT_OK = 0,
    EXIT_DATA = 1,    /* bad data or model file */
    EXIT_USAGE = 2,   /* bad option, value or combination */
    EXIT_IO = 3,      /* a file could not be read or written */
    EXIT_NUMERIC = 4, /* training diverged */
    EXIT_INTERNAL = 5 /* out of memory */
};

int cli_exit_code(sn_status st);
/* Print "shrinknet CMD: message" and return the exit code for e->code. */
int cli_fail(const char *cmd, const sn_error *e);

/* Options naming a data set, shared by train, eval, bench. */
typedef struct {
    const char *path;   /* UCI folder or CSV file */
    size_t split;       /* UCI split */
    const char *target; /* CSV target column */
    const char *delim;  /* auto|comma|whitespace */
    const char *header; /* auto|yes|no */
} cli_data_opts;

/* Load train (and, for a UCI folder, test) data. *test is NULL for a CSV. */
sn_status cli_load_data(const cli_data_opts *o, sn_data **train, sn_data **test, sn_error *err);
/* Whether path names a folder. */
bool cli_is_dir(const char *path);

/* Progress on stderr, throttled to about one line a second, only when stderr is a terminal
 * (or SN_PROGRESS=1 in the environment) and not quiet. */
typedef struct {
    bool enabled;
    double last;
    const char *label;
} cli_progress;
void cli_progress_init(cli_progress *p, bool quiet, const char *label);
int cli_progress_cb(const sn_progress *info, void *user);

#endif
