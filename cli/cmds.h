/*
 * cmds.h — the subcommands and what they share beyond common.h.
 */
#ifndef SN_CLI_CMDS_H
#define SN_CLI_CMDS_H

#include "common.h"

#include <stdio.h>

int cmd_train(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_prior(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_data(int argc, char **argv);

/* The model and optimisation options of train: one per entry of the library's table of
 * training parameters (sn_train_param_info) that has a CLI option, in its order, with its name,
 * short alias, help and group. Values stay text until cli_train_params_from applies the ones
 * given through sn_train_params_set, in the table's order; --help shows as default what
 * sn_train_params_get says of sn_train_params_default. */
#define CLI_TRAIN_MAX 40

typedef struct {
    size_t n;                                 /* entries */
    cli_opt *opt;                             /* [n] the entries, in the caller's table */
    const sn_param_info *info[CLI_TRAIN_MAX]; /* [n] their parameters */
    const char *text[CLI_TRAIN_MAX];          /* [n] the value given; before, the default */
    bool flag[CLI_TRAIN_MAX];                 /* [n] a flag given */
    char shown[CLI_TRAIN_MAX][SN_PARAM_VALUE_LEN]; /* [n] the defaults --help shows */
} cli_train_opts;

/* Fill o and write its entries into t (room for CLI_TRAIN_MAX), where they must stay while o is
 * used; returns how many. */
size_t cli_train_table(cli_train_opts *o, cli_opt *t);
/* Whether the option of parameter name was given. */
bool cli_train_given(const cli_train_opts *o, const char *name);
/* Apply the options given to p and check it; 0, or an exit code after one message on stderr. */
int cli_train_params_from(const char *cmd, const cli_train_opts *o, sn_train_params *p);

/* BLAS threads (OpenBLAS); 1 by default: the matrices are small. */
void cli_set_threads(size_t n);
/* "yacht" → "yacht-split0.snm" for a UCI folder, "houses.csv" → "houses.snm". Caller frees. */
char *cli_default_model_name(const char *data_path, size_t split, bool is_uci);

/* ------------------------------------------------------------------------------------------ */
/* plot: what the figures share (cmd_plot.c) and the figures (plot_<figure>.c)                */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    const char *output; /* figure file (.png or .svg) */
    const char *csv;    /* numbers (default: output with .csv) */
    size_t width, height;
    bool no_csv, quiet;
} fig_out;

#define FIG_MAX_FILES 64
#define FIG_MAX_OPTS 32

/* Appends the output options to t at index n; returns the new count. */
size_t fig_out_table(fig_out *o, cli_opt *t, size_t n);
/* Parse argv with table, accepting file arguments (positional, and the values of --file_opt /
 * -file_short) into files[n_files], at most FIG_MAX_FILES; --help prints help_table. Returns 0,
 * 1 after --help, or 2. */
int fig_parse_with_files(const char *cmd, cli_opt *table, const cli_opt *help_table, int argc,
                         char **argv, const char *synopsis, const char *file_opt,
                         char file_short, const char **files, size_t *n_files);
/* Split "A;B;C" into at most max labels (pointers into a copy the caller frees). */
char *fig_split_labels(const char *s, const char **labels, size_t max, size_t *n);
/* Check the output options before any work; 0 or the usage exit code (message printed). */
int fig_check_out(const char *cmd, const fig_out *o);
/* Write the figure and its CSV and name them on stderr; returns the exit code. */
int fig_emit(const char *cmd, const fig_out *o, size_t width, size_t height,
             void (*draw)(void *), void (*csv)(FILE *, void *), void *ctx);

/* The figures: `shrinknet plot NAME ARGS...` with argv after NAME; each returns the exit code. */
int fig_iw_weights(int argc, char **argv);   /* plot_iw_weights.c */
int fig_scale_update(int argc, char **argv); /* plot_scale_update.c */
int fig_posterior(int argc, char **argv);    /* plot_posterior.c */

/* ------------------------------------------------------------------------------------------ */
/* data: what fetch (data_fetch.c) and verify (cmd_data.c) share                              */
/* ------------------------------------------------------------------------------------------ */

/* Split "a,b,c" (or "all" / NULL: the paper's seven) into names[cap][128]; returns the count, or
 * -1 for a bad, empty, overlong or repeated name or more than cap names. */
int data_parse_sets(const char *list, char names[][128], int cap);
/* a/b, malloc'ed, or NULL. */
char *data_path_join(const char *a, const char *b);
/* The checks of a UCI folder dir holding data set name: its info files, every split's indices,
 * every row of data.txt in each split, the row count of a data set we know. */
sn_status data_verify_uci(const char *dir, const char *name, size_t *n_rows_out,
                          int *n_splits_out, sn_error *e);
/* `shrinknet data fetch` with argv after "fetch"; returns the exit code. */
int data_fetch(int argc, char **argv);

#endif
