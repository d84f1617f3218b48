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

#endif
