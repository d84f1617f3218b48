/*
 * method_mc_authors.c — the authors' configuration of their dropout networks (MATH.md §7.9),
 * contained in one file so that Table 2 can be run both as the paper states it and as their code
 * ran it: `--variant authors` for MC noise nets. The passes are the exact method's (method_mc.c);
 * the departures are:
 *   1. weights U(−0.05, 0.05) and biases 0.1, instead of Glorot-uniform and zero;
 *   2. the noise precision fixed at SN_AUTHORS_MC_PRECISION on standardised targets, never
 *      learned (and what the model file records: a fixed precision);
 *   3. tail-adaptive ranks with ties broken by sample order (MATH.md §7.5);
 *   4. TensorFlow's form of Adam (ε added to √v);
 *   5. ⌊N/B⌋ minibatches per epoch, the remainder dropped;
 *   6. no prior or L2 term (sn_train_params_check refuses a finite sigma0 with this variant).
 * The test draws (T = 500) and the published test precision belong to the benchmark's settings.
 */
#include "model/model.h"

#include <string.h>

/* Half-width of the uniform initial weights and the initial bias of the authors' code. */
#define AUTHORS_INIT_HALF_WIDTH 0.05
#define AUTHORS_INIT_BIAS 0.1

static void authors_init(const sn_model *m, double *theta, sn_rng *rng)
{
    for (size_t l = 0; l < m->n_layers; l++) {
        const sn_layer *L = &m->layers[l];
        for (size_t k = 0; k < L->n_in * L->n_out; k++)
            theta[L->w_off + k] = AUTHORS_INIT_HALF_WIDTH * (2.0 * sn_rng_uniform(rng) - 1.0);
        for (size_t j = 0; j < L->n_out; j++)
            theta[L->b_off + j] = AUTHORS_INIT_BIAS;
    }
}

static double authors_log_kappa(double log_kappa)
{
    (void)log_kappa;
    return log(SN_AUTHORS_MC_PRECISION);
}

/* The weights, and the precision the network was trained at, recorded as fixed. */
static sn_status authors_save(sn_model *m, const double *par, double log_kappa,
                              const sn_train_params *p, sn_pass *ps, double *grad_scratch,
                              sn_error *err)
{
    (void)log_kappa;
    (void)p;
    (void)ps;
    (void)grad_scratch;
    (void)err;
    memcpy(m->theta, par, m->n_params * sizeof *par);
    m->log_precision = log(SN_AUTHORS_MC_PRECISION);
    m->params.learn_precision = false;
    m->params.precision = SN_AUTHORS_MC_PRECISION / (m->y_std * m->y_std);
    return SN_OK;
}

const sn_method_ops sn_method_mc_authors = {
    .name = "mc-authors",
    .n_blocks = 1,
    .is_stochastic = false,
    .can_learn_precision = false,
    .objective = sn_mc_objective,
    .is_ties_by_order = true,
    .is_tf_adam = true,
    .is_full_batches_only = true,
    .pass_init = sn_mc_pass_init,
    .pass_free = sn_mc_pass_free,
    .init = authors_init,
    .train_log_kappa = authors_log_kappa,
    .forward = sn_mc_forward,
    .backward = sn_mc_backward,
    .save = authors_save,
    .draw = sn_mc_draw,
};
