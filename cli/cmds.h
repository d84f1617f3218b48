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

/* The model and optimisation options of train (and bench), before translation to params. */
typedef struct {
    const char *arch, *activation, *likelihood, *method, *noise, *block_noise, *placement;
    const char *objective, *prior, *hyperprior, *estimator, *variant, *optimizer;
    size_t hidden, layers, samples, batch, epochs;
    bool noise_raw, no_input_noise, learn_precision;
    double sigma0, gal_lengthscale, precision, lr, momentum;
    uint64_t seed;
} cli_train_opts;

void cli_train_opts_default(cli_train_opts *o);
/* Writes the option entries into t (room for 32) and returns how many. */
size_t cli_train_table(cli_train_opts *o, cli_opt *t);
/* Translate parsed options into params; 0 or an exit code (message printed). */
int cli_train_params_from(const char *cmd, cli_train_opts *o, cli_opt *table, sn_train_params *p);

/* BLAS threads (OpenBLAS); 1 by default: the matrices are small. */
void cli_set_threads(size_t n);
/* "yacht" → "yacht-split0.snm" for a UCI folder, "houses.csv" → "houses.snm". Caller frees. */
char *cli_default_model_name(const char *data_path, size_t split, bool is_uci);

#endif
