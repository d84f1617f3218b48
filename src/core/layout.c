/*
 * layout.c — the model object: its parameter layout table, allocation, copy and accessors.
 * It lives in the core because the network passes (net/, vem/) compute on it.
 *
 * Layout (STYLE.md "Memory"): all weights and biases live in one contiguous array theta, layer
 * by layer, W_l [n_in][n_out] row-major then b_l [n_out]. EM nets mirror it with rho (posterior
 * std through softplus) and keep one prior variance per row (row_var) and per layer (layer_var).
 */
#include "core/core.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

sn_status sn_model_alloc(const sn_train_params *p, size_t n_in, size_t n_out, sn_model **out,
                         sn_error *err)
{
    *out = NULL;
    if (n_in == 0 || n_out == 0 || p->n_hidden == 0 || p->n_layers == 0)
        return sn_fail(err, SN_EINVAL, "a network needs at least one input, output, hidden layer "
                                       "and hidden unit");
    if (p->arch == SN_ARCH_RESNET && p->n_layers < 2)
        return sn_fail(err, SN_EINVAL, "a residual network needs at least 2 hidden layers "
                                       "(one residual block); got %zu", p->n_layers);
    sn_model *m = calloc(1, sizeof *m);
    if (!m)
        return sn_fail(err, SN_ENOMEM, "out of memory allocating a model");
    m->params = *p;
    m->params.progress = NULL;
    m->params.progress_user = NULL;
    m->params.record_weights = NULL;
    m->params.record_user = NULL;
    m->n_in = n_in;
    m->n_out = n_out;
    m->n_layers = p->n_layers + 1;
    m->layers = sn_calloc(m->n_layers, sizeof *m->layers);
    if (!m->layers)
        goto nomem;

    size_t off = 0, rows = 0;
    for (size_t l = 0; l < m->n_layers; l++) {
        sn_layer *L = &m->layers[l];
        L->n_in = l == 0 ? n_in : p->n_hidden;
        L->n_out = l + 1 == m->n_layers ? n_out : p->n_hidden;
        L->is_output = l + 1 == m->n_layers;
        L->is_residual = p->arch == SN_ARCH_RESNET && l > 0 && !L->is_output;
        size_t nw;
        if (!sn_mul_size(L->n_in, L->n_out, &nw) || off > SIZE_MAX - nw - L->n_out)
            goto nomem;
        L->w_off = off;
        L->b_off = off + nw;
        L->row_off = rows;
        off += nw + L->n_out;
        rows += L->n_in;
    }
    m->n_params = off;
    m->n_rows_total = rows;
    m->theta = sn_calloc(m->n_params, sizeof *m->theta);
    m->x_mean = sn_calloc(n_in, sizeof *m->x_mean);
    m->x_std = sn_calloc(n_in, sizeof *m->x_std);
    if (!m->theta || !m->x_mean || !m->x_std)
        goto nomem;
    for (size_t j = 0; j < n_in; j++)
        m->x_std[j] = 1.0;
    m->y_mean = 0.0;
    m->y_std = 1.0;
    if (p->method == SN_METHOD_VEM) {
        m->rho = sn_calloc(m->n_params, sizeof *m->rho);
        m->row_var = sn_calloc(m->n_rows_total, sizeof *m->row_var);
        m->layer_var = sn_calloc(m->n_layers, sizeof *m->layer_var);
        if (!m->rho || !m->row_var || !m->layer_var)
            goto nomem;
    }
    *out = m;
    return SN_OK;
nomem:
    sn_model_free(m);
    return sn_fail(err, SN_ENOMEM, "out of memory allocating a model of %zu x %zu x %zu",
                   n_in, p->n_hidden, p->n_layers);
}

void sn_model_free(sn_model *m)
{
    if (!m)
        return;
    free(m->layers);
    free(m->theta);
    free(m->rho);
    free(m->row_var);
    free(m->layer_var);
    free(m->x_mean);
    free(m->x_std);
    free(m);
}

sn_status sn_model_copy(const sn_model *m, sn_model **out, sn_error *err)
{
    sn_status st = sn_model_alloc(&m->params, m->n_in, m->n_out, out, err);
    if (st != SN_OK)
        return st;
    sn_model *c = *out;
    memcpy(c->theta, m->theta, m->n_params * sizeof *m->theta);
    if (m->rho && c->rho) {
        memcpy(c->rho, m->rho, m->n_params * sizeof *m->rho);
        memcpy(c->row_var, m->row_var, m->n_rows_total * sizeof *m->row_var);
        memcpy(c->layer_var, m->layer_var, m->n_layers * sizeof *m->layer_var);
    }
    memcpy(c->x_mean, m->x_mean, m->n_in * sizeof *m->x_mean);
    memcpy(c->x_std, m->x_std, m->n_in * sizeof *m->x_std);
    c->y_mean = m->y_mean;
    c->y_std = m->y_std;
    c->log_precision = m->log_precision;
    c->n_steps = m->n_steps;
    return SN_OK;
}

size_t sn_model_n_inputs(const sn_model *m) { return m->n_in; }
size_t sn_model_n_outputs(const sn_model *m) { return m->n_out; }
const sn_train_params *sn_model_params(const sn_model *m) { return &m->params; }

/* kappa_orig = kappa_std / s_y^2 (MATH.md §5). */
double sn_model_precision(const sn_model *m)
{
    return exp(m->log_precision) / (m->y_std * m->y_std);
}

size_t sn_model_n_layers(const sn_model *m) { return m->n_layers; }

sn_status sn_model_layer(const sn_model *m, size_t l, sn_layer_view *out, sn_error *err)
{
    if (l >= m->n_layers)
        return sn_fail(err, SN_EINVAL, "layer %zu out of range (the model has %zu)", l,
                       m->n_layers);
    const sn_layer *L = &m->layers[l];
    out->n_in = L->n_in;
    out->n_out = L->n_out;
    out->is_residual = L->is_residual;
    out->w = m->theta + L->w_off;
    out->b = m->theta + L->b_off;
    out->rho = m->rho ? m->rho + L->w_off : NULL;
    out->row_var = m->row_var ? m->row_var + L->row_off : NULL;
    out->layer_var = m->layer_var ? m->layer_var[l] : NAN;
    return SN_OK;
}

/* μ² + σ² with σ = softplus(ρ) (MATH.md §4); w² for MC nets (the paper's Figure 2). */
sn_status sn_model_weight_moments(const sn_model *m, size_t l, double *out, sn_error *err)
{
    sn_layer_view v;
    sn_status st = sn_model_layer(m, l, &v, err);
    if (st != SN_OK)
        return st;
    for (size_t k = 0; k < v.n_in * v.n_out; k++) {
        double s = v.rho ? sn_softplus(v.rho[k]) : 0.0;
        out[k] = v.w[k] * v.w[k] + s * s;
    }
    return SN_OK;
}

void sn_model_standardisation(const sn_model *m, const double **x_mean, const double **x_std,
                              double *y_mean, double *y_std)
{
    *x_mean = m->x_mean;
    *x_std = m->x_std;
    *y_mean = m->y_mean;
    *y_std = m->y_std;
}
