/*
 * method_vem.c — the variational EM nets as training methods (model/method.h): the exact method
 * of the paper, and the authors' variant with its departures kept in vem/vem_authors.c (MATH.md
 * §7). Parameters are the posterior means mu and the softplus-parametrised stds rho; the prior
 * variances are the model's row_var and layer_var.
 */
#include "model/model.h"

#include <stdlib.h>
#include <string.h>

static sn_objective vem_objective(const sn_train_params *p)
{
    (void)p;
    /* The samples of a point are draws of W: their mean is the expected log-likelihood of
     * (24). */
    return SN_OBJ_LB;
}

static void vem_pass_free(sn_pass *ps)
{
    if (ps->ws) {
        sn_vem_ws_free(ps->ws);
        free(ps->ws);
    }
    free(ps->scratch);
    memset(ps, 0, sizeof *ps);
}

static sn_status vem_pass_init(const sn_model *m, size_t cap_rows, size_t n_samples,
                               size_t n_data, sn_pass *ps, sn_error *err)
{
    (void)n_data;
    memset(ps, 0, sizeof *ps);
    sn_vem_ws *ws = calloc(1, sizeof *ws);
    size_t width = m->n_in > m->params.n_hidden ? m->n_in : m->params.n_hidden;
    ps->scratch = sn_calloc(width, sizeof *ps->scratch);
    if (!ws || !ps->scratch) {
        free(ws);
        vem_pass_free(ps);
        return sn_fail(err, SN_ENOMEM, "out of memory allocating the network's workspace");
    }
    ps->ws = ws;
    sn_status st = sn_vem_ws_init(ws, m, cap_rows, n_samples, err);
    if (st != SN_OK) {
        vem_pass_free(ps);
        return st;
    }
    ps->in = ws->in[0];
    ps->out = ws->a[m->n_layers - 1];
    ps->seed = ws->g;
    return SN_OK;
}

static double same_log_kappa(double log_kappa)
{
    return log_kappa;
}

/* The authors' EM trains at its own fixed precision whatever par holds (MATH.md §7). */
static double authors_log_kappa(double log_kappa)
{
    (void)log_kappa;
    return log(SN_AUTHORS_TRAIN_PRECISION);
}

static void vem_init(const sn_model *m, double *par, sn_rng *rng)
{
    sn_vem_init(m, par, par + m->n_params, rng);
}

static void authors_init(const sn_model *m, double *par, sn_rng *rng)
{
    sn_vem_authors_init(m, par, par + m->n_params, rng);
}

/* E-step of the hyper-variables: the closed-form optimum at the current q (29)-(32), then the
 * forward pass of q (26)-(28); the gradient step that follows is at fixed scales (stop-gradient,
 * (33)). */
static sn_status vem_forward(sn_model *m, const double *par, sn_pass *ps, size_t rows,
                             size_t n_samples, sn_rng *rng, sn_error *err)
{
    const double *mu = par, *rho = par + m->n_params;
    sn_status st = sn_vem_update_scales(m, mu, rho, ps->scratch, err);
    if (st != SN_OK)
        return st;
    sn_vem_forward(m, mu, rho, ps->ws, rows, n_samples, m->params.estimator, rng);
    return SN_OK;
}

/* The authors' layer (their scales are computed inside the prior term, at backward). */
static sn_status authors_forward(sn_model *m, const double *par, sn_pass *ps, size_t rows,
                                 size_t n_samples, sn_rng *rng, sn_error *err)
{
    (void)n_samples;
    (void)err;
    sn_vem_authors_forward(m, par, par + m->n_params, ps->ws, rows, rng);
    return SN_OK;
}

/* Backward through q, then the prior part of the per-datum ELBO (34). */
static double vem_backward(sn_model *m, const double *par, sn_pass *ps, size_t rows,
                           size_t n_samples, size_t n_data, double value, double *grad)
{
    const double *mu = par, *rho = par + m->n_params;
    double *g_mu = grad, *g_rho = grad + m->n_params;
    sn_vem_backward(m, mu, rho, ps->ws, rows, n_samples, m->params.estimator, g_mu, g_rho);
    return value + sn_vem_prior_term(m, mu, rho, n_data, g_mu, g_rho);
}

/* The authors' backward and their KL term, averaged over all weights (MATH.md §7). */
static double authors_backward(sn_model *m, const double *par, sn_pass *ps, size_t rows,
                               size_t n_samples, size_t n_data, double value, double *grad)
{
    (void)n_samples;
    (void)n_data;
    const double *mu = par, *rho = par + m->n_params;
    double *g_mu = grad, *g_rho = grad + m->n_params;
    sn_vem_authors_backward(m, mu, rho, ps->ws, rows, g_mu, g_rho);
    return value + sn_vem_authors_prior_term(m, mu, rho, g_mu, g_rho, ps->scratch);
}

/* The posterior into the model, and its optimal scales (29)-(32). */
static sn_status vem_save(sn_model *m, const double *par, double log_kappa,
                          const sn_train_params *p, sn_pass *ps, double *grad_scratch,
                          sn_error *err)
{
    (void)p;
    (void)grad_scratch;
    memcpy(m->theta, par, m->n_params * sizeof *par);
    memcpy(m->rho, par + m->n_params, m->n_params * sizeof *par);
    m->log_precision = log_kappa;
    return sn_vem_update_scales(m, par, par + m->n_params, ps->scratch, err);
}

/* The authors' scales at the final posterior, and the test precision: the user's, else the
 * training one. */
static sn_status authors_save(sn_model *m, const double *par, double log_kappa,
                              const sn_train_params *p, sn_pass *ps, double *grad_scratch,
                              sn_error *err)
{
    (void)log_kappa;
    (void)err;
    const double *mu = par, *rho = par + m->n_params;
    memcpy(m->theta, mu, m->n_params * sizeof *par);
    memcpy(m->rho, rho, m->n_params * sizeof *par);
    sn_vem_authors_prior_term(m, mu, rho, grad_scratch, grad_scratch + m->n_params, ps->scratch);
    if (p->precision > 0)
        m->log_precision = log(p->precision * m->y_std * m->y_std);
    else
        m->log_precision = log(SN_AUTHORS_TRAIN_PRECISION);
    m->params.precision = exp(m->log_precision) / (m->y_std * m->y_std);
    /* Trained at its fixed precision: the model file must not claim a learned one. */
    m->params.learn_precision = false;
    return SN_OK;
}

/* One draw per row from q(W) by the local reparametrisation (27), which gives each row's exact
 * marginal. */
static void vem_draw(const sn_model *m, sn_pass *ps, size_t rows, sn_rng *rng)
{
    sn_vem_forward(m, m->theta, m->rho, ps->ws, rows, 1, SN_EST_LOCAL, rng);
}

static void authors_draw(const sn_model *m, sn_pass *ps, size_t rows, sn_rng *rng)
{
    sn_vem_authors_forward(m, m->theta, m->rho, ps->ws, rows, rng);
}

const sn_method_ops sn_method_vem = {
    .name = "vem",
    .n_blocks = 2,
    .is_stochastic = true,
    .can_learn_precision = true,
    .objective = vem_objective,
    .pass_init = vem_pass_init,
    .pass_free = vem_pass_free,
    .init = vem_init,
    .train_log_kappa = same_log_kappa,
    .forward = vem_forward,
    .backward = vem_backward,
    .save = vem_save,
    .draw = vem_draw,
};

const sn_method_ops sn_method_vem_authors = {
    .name = "vem-authors",
    .n_blocks = 2,
    .is_stochastic = true,
    .can_learn_precision = false,
    .objective = vem_objective,
    .pass_init = vem_pass_init,
    .pass_free = vem_pass_free,
    .init = authors_init,
    .train_log_kappa = authors_log_kappa,
    .forward = authors_forward,
    .backward = authors_backward,
    .save = authors_save,
    .draw = authors_draw,
};
