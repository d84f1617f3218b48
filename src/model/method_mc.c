/*
 * method_mc.c — Monte Carlo noise networks as a training method (model/method.h): weights
 * theta, noise drawn in every pass (net/), the weight penalty of the per-datum objective (18)
 * and, for the hierarchical objective, its E[ξ⁻²] factor (23).
 */
#include "model/model.h"

#include <stdlib.h>
#include <string.h>

sn_objective sn_mc_objective(const sn_train_params *p)
{
    return p->objective;
}

/* Per-layer coefficient c_l of the weight penalty of the per-datum objective (18):
 * R(W)/N = Σ_l c_l ‖W_l‖² / 2 with c_l = 1/(σ0² N) (17), times E[ξ⁻²] (and E[τ⁻²]) for the
 * hierarchical objective (23). */
static void penalty_coefficients(const sn_model *m, size_t n, double *coef)
{
    const sn_train_params *p = &m->params;
    for (size_t l = 0; l < m->n_layers; l++) {
        if (!isfinite(p->sigma0)) {
            coef[l] = 0.0;
            continue;
        }
        double c = 1.0 / (p->sigma0 * p->sigma0 * (double)n);
        if (p->objective == SN_OBJ_HIER) {
            /* (23) with the noise the MC objective would have used on this layer. */
            const sn_layer *L = &m->layers[l];
            bool input_ok = l > 0 || p->noise_on_input;
            bool blocks = p->placement == SN_PLACE_BLOCKS || p->placement == SN_PLACE_UNITS_BLOCKS;
            bool units = input_ok && !(p->placement == SN_PLACE_BLOCKS && L->is_residual);
            if (units && p->noise.family != SN_NOISE_NONE)
                c *= sn_noise_moments_of(&p->noise).mean_inv_sq;
            if (blocks && L->is_residual)
                c *= sn_noise_moments_of(sn_block_noise_of(p)).mean_inv_sq;
        }
        coef[l] = c;
    }
}

void sn_mc_pass_free(sn_pass *ps)
{
    if (ps->ws) {
        sn_net_ws_free(ps->ws);
        free(ps->ws);
    }
    free(ps->coef);
    memset(ps, 0, sizeof *ps);
}

sn_status sn_mc_pass_init(const sn_model *m, size_t cap_rows, size_t n_samples,
                          size_t n_data, sn_pass *ps, sn_error *err)
{
    (void)n_samples;
    memset(ps, 0, sizeof *ps);
    sn_net_ws *ws = calloc(1, sizeof *ws);
    ps->coef = sn_calloc(m->n_layers, sizeof *ps->coef);
    if (!ws || !ps->coef) {
        free(ws);
        sn_mc_pass_free(ps);
        return sn_fail(err, SN_ENOMEM, "out of memory allocating the network's workspace");
    }
    ps->ws = ws;
    sn_status st = sn_net_ws_init(ws, m, cap_rows, err);
    if (st != SN_OK) {
        sn_mc_pass_free(ps);
        return st;
    }
    ps->in = ws->in[0];
    ps->out = ws->a[m->n_layers - 1];
    ps->seed = ws->g;
    if (n_data > 0)
        penalty_coefficients(m, n_data, ps->coef);
    return SN_OK;
}

/* Glorot-uniform weights (the Keras default of Gal's code), zero biases. */
static void mc_init(const sn_model *m, double *theta, sn_rng *rng)
{
    for (size_t l = 0; l < m->n_layers; l++) {
        const sn_layer *L = &m->layers[l];
        double lim = sqrt(6.0 / (double)(L->n_in + L->n_out));
        for (size_t k = 0; k < L->n_in * L->n_out; k++)
            theta[L->w_off + k] = lim * (2.0 * sn_rng_uniform(rng) - 1.0);
        memset(theta + L->b_off, 0, L->n_out * sizeof *theta);
    }
}

static double same_log_kappa(double log_kappa)
{
    return log_kappa;
}

sn_status sn_mc_forward(sn_model *m, const double *par, sn_pass *ps, size_t rows,
                        size_t n_samples, sn_rng *rng, sn_error *err)
{
    (void)n_samples;
    (void)err;
    sn_net_forward(m, par, ps->ws, rows, rng, false);
    return SN_OK;
}

/* Backward pass, then − R(W)/N with R/N = Σ_l c_l ‖W_l‖² / 2 (18), (23): gradient −c_l W. */
double sn_mc_backward(sn_model *m, const double *par, sn_pass *ps, size_t rows,
                      size_t n_samples, size_t n_data, double value, double *grad)
{
    (void)n_samples;
    (void)n_data;
    sn_net_backward(m, par, ps->ws, rows, grad);
    for (size_t l = 0; l < m->n_layers; l++) {
        const sn_layer *L = &m->layers[l];
        if (ps->coef[l] == 0.0)
            continue;
        const double *W = par + L->w_off;
        double *gW = grad + L->w_off;
        for (size_t k = 0; k < L->n_in * L->n_out; k++) {
            value -= 0.5 * ps->coef[l] * W[k] * W[k];
            gW[k] -= ps->coef[l] * W[k];
        }
    }
    return value;
}

static sn_status mc_save(sn_model *m, const double *par, double log_kappa,
                         const sn_train_params *p, sn_pass *ps, double *grad_scratch,
                         sn_error *err)
{
    (void)p;
    (void)ps;
    (void)grad_scratch;
    (void)err;
    memcpy(m->theta, par, m->n_params * sizeof *par);
    m->log_precision = log_kappa;
    return SN_OK;
}

/* Fresh noise in every draw: the predictive of the noise read as a prior (MATH.md §5). */
void sn_mc_draw(const sn_model *m, sn_pass *ps, size_t rows, sn_rng *rng)
{
    sn_net_forward(m, m->theta, ps->ws, rows, rng, false);
}

const sn_method_ops sn_method_mc = {
    .name = "mc",
    .n_blocks = 1,
    .is_stochastic = false,
    .can_learn_precision = true,
    .objective = sn_mc_objective,
    .pass_init = sn_mc_pass_init,
    .pass_free = sn_mc_pass_free,
    .init = mc_init,
    .train_log_kappa = same_log_kappa,
    .forward = sn_mc_forward,
    .backward = sn_mc_backward,
    .save = mc_save,
    .draw = sn_mc_draw,
};
