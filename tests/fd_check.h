/*
 * fd_check.h — the finite-difference gradient check shared by test_grad.c and test_vem.c.
 */
#ifndef SN_FD_CHECK_H
#define SN_FD_CHECK_H

#include "model/model.h"

#include <math.h>
#include <stdlib.h>

/* Central differences of the minibatch objective at par, the noise frozen by noise_seed, against
 * the analytic gradient g: returns the worst |a − n| / max(1, |a|, |n|) over every coordinate
 * (h = 1e-6·max(1, |θ|), STYLE.md "Tests") and its index in *worst_i. par is restored. */
static inline double fd_worst(sn_trainer *t, double *par, uint64_t noise_seed, const double *g,
                              size_t *worst_i)
{
    double *scratch = malloc(t->n_par * sizeof *scratch), worst = 0.0;
    *worst_i = 0;
    for (size_t i = 0; i < t->n_par; i++) {
        double h = 1e-6 * fmax(1.0, fabs(par[i])), keep = par[i];
        par[i] = keep + h;
        double fp = sn_trainer_objective_grad(t, par, noise_seed, scratch);
        par[i] = keep - h;
        double fm = sn_trainer_objective_grad(t, par, noise_seed, scratch);
        par[i] = keep;
        double num = (fp - fm) / (2.0 * h);
        double rel = fabs(num - g[i]) / fmax(1.0, fmax(fabs(num), fabs(g[i])));
        if (rel > worst) {
            worst = rel;
            *worst_i = i;
        }
    }
    free(scratch);
    return worst;
}

/* A small regression problem for the gradient checks: x ~ U(-2, 2)^d, y ~ U(-1, 2), drawn from r
 * (x first, then y). */
static inline sn_data *fd_random_data(size_t n, size_t d, sn_rng *r)
{
    double *x = malloc(n * d * sizeof *x), *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n * d; i++)
        x[i] = 4.0 * sn_rng_uniform(r) - 2.0;
    for (size_t i = 0; i < n; i++)
        y[i] = 3.0 * sn_rng_uniform(r) - 1.0;
    sn_data *data = NULL;
    sn_status st = sn_data_new(x, y, n, d, &data, NULL);
    free(x);
    free(y);
    return st == SN_OK ? data : NULL;
}

/* Euclidean norm of g[from .. to). */
static inline double norm_of(const double *g, size_t from, size_t to)
{
    double s = 0.0;
    for (size_t i = from; i < to; i++)
        s += g[i] * g[i];
    return sqrt(s);
}

#endif
