/*
 * model/model.h — the model layer's private declarations (src/model): the data set behind the
 * opaque sn_data handle, and the trainer behind sn_trainer (train.c; the gradient tests reach
 * into it through sn_trainer_objective_grad).
 */
#ifndef SN_MODEL_H
#define SN_MODEL_H

#include "core/core.h"
#include "net/net.h"
#include "vem/vem.h"
#include "model/method.h"

/* ------------------------------------------------------------------------------------------ */
/* Data (data.c; friedman.c)                                                                  */
/* ------------------------------------------------------------------------------------------ */

struct sn_data {
    size_t n_rows, n_cols;
    double *x;        /* [n_rows][n_cols], row-major */
    double *y;        /* [n_rows] */
    char **col_names; /* [n_cols] feature names, or NULL */
    char *source;     /* description for messages */
};

/* A data set with zeroed x and y, col_names allocated (all NULL) if has_names, source NULL; NULL
 * when out of memory. The readers (io/csv.c, io/uci.c) and friedman.c fill it in. */
sn_data *sn_data_alloc(size_t n_rows, size_t n_cols, bool has_names);


struct sn_trainer {
    sn_train_params p;
    sn_model *m;        /* layout, standardisation; theta is taken from par on request */
    size_t n, d;        /* training rows and features */
    size_t S, B;        /* effective noise samples per point, minibatch size */
    double *x;          /* [n][d] standardised inputs */
    double *y;          /* [n] standardised targets */
    size_t *perm;       /* [n] the epoch's order */
    double *ll, *w;     /* [B][S] log-likelihoods and their weights */
    double *dlk;        /* [B][S] ∂ℓ/∂log κ of each sample (Gaussian) */
    size_t n_par;       /* length of par: theta (MC) or mu then rho (EM), then log kappa */
    double *par;        /* [n_par] */
    double *grad;       /* [n_par] */
    double *good;       /* [n_par] parameters at the end of the last finite epoch */
    double *good_m, *good_v; /* [n_par] the optimiser's moments then */
    uint64_t good_t;    /* and its step count */
    const sn_method_ops *ops; /* the method (model/method.h) */
    sn_pass pass;       /* its workspace for S·B rows */
    size_t n_theta;     /* model parameters (theta, or mu); EM nets then rho at par + n_theta */
    sn_optim opt;
    sn_rng *rng;
    size_t epoch;
    double t0;
};

/* For the gradient tests: the minibatch objective L̂ (18) at par on the first min(n, B) points
 * in the current order, with noise drawn from a generator seeded by noise_seed (so that the
 * noise is frozen across calls), and its gradient in grad [n_par]. */
double sn_trainer_objective_grad(sn_trainer *t, const double *par, uint64_t noise_seed,
                                 double *grad);

/* The numbers of p against the limits of the parameter table (param_table.c), with the
 * messages of sn_train_params_set. */
sn_status sn_train_params_check_limits(const sn_train_params *p, sn_error *err);

#endif /* SN_MODEL_H */
