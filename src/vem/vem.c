/*
 * vem.c — light-weight variational EM for ARD, ADD and ARD-ADD priors (paper Sec. 5.3,
 * MATH.md §4): a mean-field Gaussian posterior q(W) = N(μ, σ²), σ = softplus(ρ), whose
 * expected log-likelihood is estimated by the local reparametrisation (27), plain
 * reparametrisation (26) or flipout (28), while the prior variances have closed-form optima
 * (29)-(32) and are held fixed in the gradient (stop-gradient, (33)).
 *
 * Layer assignment (MATH.md §4, as in the reference): prior "ard" puts one variance per row of
 * every weight matrix; "add" and "ard-add" put ADD (one variance per matrix) or ARD-ADD (row ×
 * matrix) on the hidden-to-hidden residual blocks only, while the first and last matrices keep
 * ARD; "none" is a fixed N(0, 1). The prior variance of weight (l, r, j) is
 * row_var[l, r] · layer_var[l], the unused factor being 1. Biases are point estimates.
 */
#include "vem/vem.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Initial posterior std: small against the Glorot scale of μ (≈ 0.2 for 50 units), so that
 * training starts near the deterministic network. */
#define SN_VEM_SIGMA_INIT 1e-2

/* ------------------------------------------------------------------------------------------ */
/* Workspace                                                                                   */
/* ------------------------------------------------------------------------------------------ */

sn_status sn_vem_ws_init(sn_vem_ws *ws, const sn_model *m, size_t cap_rows, size_t n_samples,
                         sn_error *err)
{
    memset(ws, 0, sizeof *ws);
    ws->cap_rows = cap_rows;
    ws->n_layers = m->n_layers;
    ws->n_samples = n_samples;
    size_t nl = m->n_layers, maxw = 0, maxm = 0;
    double ***arrays[] = {&ws->in, &ws->a, &ws->hsq, &ws->eps, &ws->delta, &ws->sgn,
                          &ws->wnoise, &ws->wsamp, &ws->sigma, &ws->s2};
    for (size_t k = 0; k < sizeof arrays / sizeof arrays[0]; k++)
        if (!(*arrays[k] = sn_calloc(nl, sizeof(double *))))
            goto nomem;
    for (size_t l = 0; l < nl; l++) {
        const sn_layer *L = &m->layers[l];
        size_t ni = L->n_in, no = L->n_out, nw = ni * no;
        maxw = ni > maxw ? ni : maxw;
        maxw = no > maxw ? no : maxw;
        maxm = nw > maxm ? nw : maxm;
        if (!(ws->in[l] = sn_calloc(cap_rows, ni * sizeof(double))) ||
            !(ws->a[l] = sn_calloc(cap_rows, no * sizeof(double))) ||
            !(ws->hsq[l] = sn_calloc(cap_rows, ni * sizeof(double))) ||
            !(ws->eps[l] = sn_calloc(cap_rows, no * sizeof(double))) ||
            !(ws->delta[l] = sn_calloc(cap_rows, no * sizeof(double))) ||
            !(ws->sgn[l] = sn_calloc(cap_rows, ni * sizeof(double))) ||
            !(ws->wnoise[l] = sn_calloc(n_samples, nw * sizeof(double))) ||
            !(ws->wsamp[l] = sn_calloc(n_samples, nw * sizeof(double))) ||
            !(ws->sigma[l] = sn_calloc(nw, sizeof(double))) ||
            !(ws->s2[l] = sn_calloc(nw, sizeof(double))))
            goto nomem;
    }
    if (!(ws->g = sn_calloc(cap_rows, maxw * sizeof(double))) ||
        !(ws->gt = sn_calloc(cap_rows, maxw * sizeof(double))) ||
        !(ws->dh = sn_calloc(cap_rows, maxw * sizeof(double))) ||
        !(ws->dh2 = sn_calloc(cap_rows, maxw * sizeof(double))) ||
        !(ws->gsig = sn_calloc(maxm, sizeof(double))) ||
        !(ws->gw = sn_calloc(maxm, sizeof(double))))
        goto nomem;
    return SN_OK;
nomem:
    sn_vem_ws_free(ws);
    return sn_fail(err, SN_ENOMEM, "out of memory allocating a workspace of %zu rows", cap_rows);
}

void sn_vem_ws_free(sn_vem_ws *ws)
{
    double **arrays[] = {ws->in, ws->a, ws->hsq, ws->eps, ws->delta, ws->sgn,
                         ws->wnoise, ws->wsamp, ws->sigma, ws->s2};
    for (size_t k = 0; k < sizeof arrays / sizeof arrays[0]; k++) {
        if (!arrays[k])
            continue;
        for (size_t l = 0; l < ws->n_layers; l++)
            free(arrays[k][l]);
        free(arrays[k]);
    }
    free(ws->g);
    free(ws->gt);
    free(ws->dh);
    free(ws->dh2);
    free(ws->gsig);
    free(ws->gw);
    memset(ws, 0, sizeof *ws);
}

/* ------------------------------------------------------------------------------------------ */
/* Initialisation                                                                              */
/* ------------------------------------------------------------------------------------------ */

void sn_vem_init(const sn_model *m, double *mu, double *rho, sn_rng *rng)
{
    double rho0 = sn_softplus_inv(SN_VEM_SIGMA_INIT);
    for (size_t l = 0; l < m->n_layers; l++) {
        const sn_layer *L = &m->layers[l];
        double lim = sqrt(6.0 / (double)(L->n_in + L->n_out));
        for (size_t k = 0; k < L->n_in * L->n_out; k++) {
            mu[L->w_off + k] = lim * (2.0 * sn_rng_uniform(rng) - 1.0);
            rho[L->w_off + k] = rho0;
        }
        for (size_t j = 0; j < L->n_out; j++) {
            mu[L->b_off + j] = 0.0;
            rho[L->b_off + j] = 0.0;
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Forward and backward                                                                        */
/* ------------------------------------------------------------------------------------------ */

static double rademacher(sn_rng *rng)
{
    return sn_rng_uniform(rng) < 0.5 ? -1.0 : 1.0;
}

/* Layer l forward for one estimator: A from H = ws->in[l]. */
static void layer_forward(const sn_model *m, size_t l, const double *mu, sn_vem_ws *ws,
                          size_t rows, size_t S, sn_estimator est, sn_rng *rng)
{
    const sn_layer *L = &m->layers[l];
    size_t ni = L->n_in, no = L->n_out, nw = ni * no;
    const double *M = mu + L->w_off, *b = mu + L->b_off;
    const double *H = ws->in[l], *sig = ws->sigma[l];
    double *A = ws->a[l];
    switch (est) {
    case SN_EST_LOCAL: {
        /* (27): A = Hμ + 1bᵀ + Δ ⊙ E', Δ = √((H⊙H)(σ⊙σ)). */
        double *hsq = ws->hsq[l], *delta = ws->delta[l], *e = ws->eps[l];
        for (size_t k = 0; k < rows * ni; k++)
            hsq[k] = H[k] * H[k];
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)no, (int)ni, 1.0,
                    H, (int)ni, M, (int)no, 0.0, A, (int)no);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)no, (int)ni, 1.0,
                    hsq, (int)ni, ws->s2[l], (int)no, 0.0, delta, (int)no);
        /* E' in bulk from the generator's fast stream (Ziggurat on xoshiro256**, rng.c). */
        sn_rng_normal_fill(rng, e, rows * no);
        for (size_t k = 0; k < rows * no; k++) {
            delta[k] = sqrt(delta[k]);
            A[k] += delta[k] * e[k];
        }
        break;
    }
    case SN_EST_REPARAM: {
        /* (26): one W_s = μ + σ ⊙ E_s per sample, shared by the sample's rows (stride S). */
        for (size_t s = 0; s < S; s++) {
            double *E = ws->wnoise[l] + s * nw, *W = ws->wsamp[l] + s * nw;
            for (size_t k = 0; k < nw; k++) {
                E[k] = sn_rng_normal(rng);
                W[k] = M[k] + sig[k] * E[k];
            }
            size_t nb = rows / S;
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nb, (int)no, (int)ni,
                        1.0, H + s * ni, (int)(S * ni), W, (int)no, 0.0, A + s * no,
                        (int)(S * no));
        }
        break;
    }
    case SN_EST_FLIPOUT: {
        /* (28): A = Hμ + 1bᵀ + ((H⊙S)(σ⊙E_s)) ⊙ R, E_s per sample, ±1 signs per row. */
        double *hs = ws->hsq[l], *sg = ws->sgn[l], *r = ws->eps[l];
        for (size_t k = 0; k < rows * ni; k++) {
            sg[k] = rademacher(rng);
            hs[k] = H[k] * sg[k];
        }
        for (size_t k = 0; k < rows * no; k++)
            r[k] = rademacher(rng);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)no, (int)ni, 1.0,
                    H, (int)ni, M, (int)no, 0.0, A, (int)no);
        double *P = ws->delta[l];
        for (size_t s = 0; s < S; s++) {
            double *E = ws->wnoise[l] + s * nw, *SE = ws->wsamp[l] + s * nw;
            for (size_t k = 0; k < nw; k++) {
                E[k] = sn_rng_normal(rng);
                SE[k] = sig[k] * E[k];
            }
            size_t nb = rows / S;
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nb, (int)no, (int)ni,
                        1.0, hs + s * ni, (int)(S * ni), SE, (int)no, 0.0, P + s * no,
                        (int)(S * no));
        }
        for (size_t k = 0; k < rows * no; k++)
            A[k] += P[k] * r[k];
        break;
    }
    }
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < no; j++)
            A[i * no + j] += b[j];
}

void sn_vem_forward(const sn_model *m, const double *mu, const double *rho, sn_vem_ws *ws,
                    size_t n_rows, size_t n_samples, sn_estimator est, sn_rng *rng)
{
    sn_activation f = m->params.activation;
    for (size_t l = 0; l < m->n_layers; l++) {
        const sn_layer *L = &m->layers[l];
        size_t nw = L->n_in * L->n_out;
        for (size_t k = 0; k < nw; k++) {
            ws->sigma[l][k] = sn_softplus(rho[L->w_off + k]);
            ws->s2[l][k] = ws->sigma[l][k] * ws->sigma[l][k];
        }
        layer_forward(m, l, mu, ws, n_rows, n_samples, est, rng);
        if (L->is_output)
            break;
        const double *H = ws->in[l], *A = ws->a[l];
        double *out = ws->in[l + 1];
        size_t n = n_rows * L->n_out;
        for (size_t k = 0; k < n; k++)
            out[k] = sn_act(f, A[k]) + (L->is_residual ? H[k] : 0.0);
    }
}

/* Layer l backward: G = ∂Obj/∂A in ws->g; writes ∂μ, ∂b into g_mu, ∂σ into ws->gsig, and
 * ∂Obj/∂H into dH (if not NULL). */
static void layer_backward(const sn_model *m, size_t l, const double *mu, sn_vem_ws *ws,
                           size_t rows, size_t S, sn_estimator est, const double *G,
                           double *g_mu, double *dH)
{
    const sn_layer *L = &m->layers[l];
    size_t ni = L->n_in, no = L->n_out, nw = ni * no;
    const double *M = mu + L->w_off, *H = ws->in[l], *sig = ws->sigma[l];
    double *dM = g_mu + L->w_off, *db = g_mu + L->b_off, *dS = ws->gsig;
    memset(db, 0, no * sizeof *db);
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < no; j++)
            db[j] += G[i * no + j];
    switch (est) {
    case SN_EST_LOCAL: {
        /* (27): K = G ⊙ E' ⊘ Δ (0 where Δ = 0: there the noise term is identically zero);
         * ∂μ = HᵀG, ∂σ = ((H⊙H)ᵀK) ⊙ σ, ∂H = Gμᵀ + H ⊙ (K(σ⊙σ)ᵀ). */
        double *K = ws->gt;
        const double *e = ws->eps[l], *delta = ws->delta[l];
        for (size_t k = 0; k < rows * no; k++)
            K[k] = delta[k] > 0.0 ? G[k] * e[k] / delta[k] : 0.0;
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)ni, (int)no, (int)rows, 1.0, H,
                    (int)ni, G, (int)no, 0.0, dM, (int)no);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)ni, (int)no, (int)rows, 1.0,
                    ws->hsq[l], (int)ni, K, (int)no, 0.0, dS, (int)no);
        for (size_t k = 0; k < nw; k++)
            dS[k] *= sig[k];
        if (dH) {
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)ni, (int)no, 1.0,
                        K, (int)no, ws->s2[l], (int)no, 0.0, dH, (int)ni);
            for (size_t k = 0; k < rows * ni; k++)
                dH[k] *= H[k];
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)ni, (int)no, 1.0,
                        G, (int)no, M, (int)no, 1.0, dH, (int)ni);
        }
        break;
    }
    case SN_EST_REPARAM: {
        /* (26): ∂W_s = H_sᵀ G_s; ∂μ = Σ_s ∂W_s, ∂σ = Σ_s ∂W_s ⊙ E_s; ∂H_s = G_s W_sᵀ. */
        memset(dM, 0, nw * sizeof *dM);
        memset(dS, 0, nw * sizeof *dS);
        double *dW = ws->gw;
        size_t nb = rows / S;
        for (size_t s = 0; s < S; s++) {
            const double *E = ws->wnoise[l] + s * nw, *W = ws->wsamp[l] + s * nw;
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)ni, (int)no, (int)nb, 1.0,
                        H + s * ni, (int)(S * ni), G + s * no, (int)(S * no), 0.0, dW, (int)no);
            for (size_t k = 0; k < nw; k++) {
                dM[k] += dW[k];
                dS[k] += dW[k] * E[k];
            }
            if (dH)
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb, (int)ni, (int)no,
                            1.0, G + s * no, (int)(S * no), W, (int)no, 0.0, dH + s * ni,
                            (int)(S * ni));
        }
        break;
    }
    case SN_EST_FLIPOUT: {
        /* (28): ∂μ = HᵀG; with GR = G ⊙ R, ∂σ = Σ_s ((H⊙S)_sᵀ GR_s) ⊙ E_s,
         * ∂H = Gμᵀ + (GR_s (σ⊙E_s)ᵀ) ⊙ S. */
        const double *hs = ws->hsq[l], *sg = ws->sgn[l], *r = ws->eps[l];
        double *GR = ws->gt;
        for (size_t k = 0; k < rows * no; k++)
            GR[k] = G[k] * r[k];
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)ni, (int)no, (int)rows, 1.0, H,
                    (int)ni, G, (int)no, 0.0, dM, (int)no);
        memset(dS, 0, nw * sizeof *dS);
        size_t nb = rows / S;
        for (size_t s = 0; s < S; s++) {
            const double *E = ws->wnoise[l] + s * nw, *SE = ws->wsamp[l] + s * nw;
            double *dW = ws->gw;
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)ni, (int)no, (int)nb, 1.0,
                        hs + s * ni, (int)(S * ni), GR + s * no, (int)(S * no), 0.0, dW,
                        (int)no);
            for (size_t k = 0; k < nw; k++)
                dS[k] += dW[k] * E[k];
            if (dH)
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb, (int)ni, (int)no,
                            1.0, GR + s * no, (int)(S * no), SE, (int)no, 0.0, dH + s * ni,
                            (int)(S * ni));
        }
        if (dH) {
            for (size_t k = 0; k < rows * ni; k++)
                dH[k] *= sg[k];
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)ni, (int)no, 1.0,
                        G, (int)no, M, (int)no, 1.0, dH, (int)ni);
        }
        break;
    }
    }
}

void sn_vem_backward(const sn_model *m, const double *mu, const double *rho, sn_vem_ws *ws,
                     size_t n_rows, size_t n_samples, sn_estimator est, double *g_mu,
                     double *g_rho)
{
    sn_activation f = m->params.activation;
    double *G = ws->g, *D = ws->dh, *Dprev = ws->dh2;
    for (size_t l = m->n_layers; l-- > 0;) {
        const sn_layer *L = &m->layers[l];
        size_t no = L->n_out, ni = L->n_in;
        if (!L->is_output) {
            const double *A = ws->a[l];
            for (size_t k = 0; k < n_rows * no; k++)
                G[k] = D[k] * sn_act_deriv(f, A[k]);
        }
        double *dH = l > 0 ? Dprev : NULL;
        layer_backward(m, l, mu, ws, n_rows, n_samples, est, G, g_mu, dH);
        /* ∂ρ = ∂σ · sigmoid(ρ) (MATH.md §4); the biases have no ρ. */
        for (size_t k = 0; k < ni * no; k++)
            g_rho[L->w_off + k] = ws->gsig[k] * sn_sigmoid(rho[L->w_off + k]);
        memset(g_rho + L->b_off, 0, no * sizeof *g_rho);
        if (!dH)
            break;
        if (L->is_residual)
            for (size_t k = 0; k < n_rows * ni; k++)
                dH[k] += D[k];
        double *t = D;
        D = Dprev;
        Dprev = t;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Scale updates and the prior term                                                            */
/* ------------------------------------------------------------------------------------------ */

typedef enum { GROUP_FIXED, GROUP_ARD, GROUP_ADD, GROUP_ARD_ADD } group_kind;

/* The layer assignment of MATH.md §4. */
static group_kind group_of(const sn_model *m, size_t l)
{
    switch (m->params.prior) {
    case SN_PRIOR_NONE: return GROUP_FIXED;
    case SN_PRIOR_ARD: return GROUP_ARD;
    case SN_PRIOR_ADD: return m->layers[l].is_residual ? GROUP_ADD : GROUP_ARD;
    case SN_PRIOR_ARD_ADD: return m->layers[l].is_residual ? GROUP_ARD_ADD : GROUP_ARD;
    }
    return GROUP_FIXED;
}

/* Row sums M_r = Σ_j (μ² + σ²) of layer l into Mr [n_in]. */
static void row_moments(const sn_layer *L, const double *mu, const double *rho, double *Mr)
{
    for (size_t r = 0; r < L->n_in; r++) {
        double s = 0.0;
        for (size_t j = 0; j < L->n_out; j++) {
            size_t k = L->w_off + r * L->n_out + j;
            double sg = sn_softplus(rho[k]);
            s += mu[k] * mu[k] + sg * sg;
        }
        Mr[r] = s;
    }
}

sn_status sn_vem_update_scales(sn_model *m, const double *mu, const double *rho, double *Mr,
                               sn_error *err)
{
    const sn_hyperprior *h = &m->params.hyper;
    /* The prior "none" is the fixed N(0, σ0²) of (24), N(0, 1) when σ0 is infinite (the
     * reference's default). */
    double v_fixed = isfinite(m->params.sigma0) ? m->params.sigma0 * m->params.sigma0 : 1.0;
    sn_status st = SN_OK;
    for (size_t l = 0; l < m->n_layers && st == SN_OK; l++) {
        const sn_layer *L = &m->layers[l];
        double *a = m->row_var + L->row_off;
        double P = (double)L->n_out;
        row_moments(L, mu, rho, Mr);
        switch (group_of(m, l)) {
        case GROUP_FIXED:
            for (size_t r = 0; r < L->n_in; r++)
                a[r] = v_fixed;
            m->layer_var[l] = 1.0;
            break;
        case GROUP_ARD:
            /* (29)-(31) per row, P = D_l weights. */
            for (size_t r = 0; r < L->n_in; r++)
                a[r] = sn_hyper_optimal_variance(h, Mr[r], P);
            m->layer_var[l] = 1.0;
            break;
        case GROUP_ADD: {
            /* One group of D_{l-1}·D_l weights. */
            double M = 0.0;
            for (size_t r = 0; r < L->n_in; r++)
                M += Mr[r];
            for (size_t r = 0; r < L->n_in; r++)
                a[r] = 1.0;
            m->layer_var[l] = sn_hyper_optimal_variance(h, M, P * (double)L->n_in);
            break;
        }
        case GROUP_ARD_ADD:
            /* The exact joint optimum of (32). */
            st = sn_hyper_optimal_ard_add(h, Mr, L->n_in, L->n_out, a, &m->layer_var[l], err);
            break;
        }
    }
    if (st == SN_OK) {
        for (size_t i = 0; i < m->n_rows_total; i++)
            if (!(m->row_var[i] > 0) || !isfinite(m->row_var[i]))
                st = sn_fail(err, SN_ENUMERIC, "a prior variance became %g (row %zu)",
                             m->row_var[i], i);
        for (size_t l = 0; l < m->n_layers && st == SN_OK; l++)
            if (!(m->layer_var[l] > 0) || !isfinite(m->layer_var[l]))
                st = sn_fail(err, SN_ENUMERIC, "a layer's prior variance became %g (layer %zu)",
                             m->layer_var[l], l);
    }
    return st;
}

/* log p_h(v) up to its constant: F(v) of sn_hyper_objective with M = P = 0. */
static double log_hyper(const sn_hyperprior *h, double v)
{
    return sn_hyper_objective(h, 0.0, 0.0, v);
}

double sn_vem_prior_term(const sn_model *m, const double *mu, const double *rho, size_t n_data,
                         double *g_mu, double *g_rho)
{
    const sn_hyperprior *h = &m->params.hyper;
    double inv_n = 1.0 / (double)n_data, total = 0.0;
    for (size_t l = 0; l < m->n_layers; l++) {
        const sn_layer *L = &m->layers[l];
        group_kind g = group_of(m, l);
        const double *a = m->row_var + L->row_off;
        double t = m->layer_var[l];
        double kl = 0.0;
        for (size_t r = 0; r < L->n_in; r++) {
            double v = a[r] * t;
            for (size_t j = 0; j < L->n_out; j++) {
                size_t k = L->w_off + r * L->n_out + j;
                double s = sn_softplus(rho[k]);
                /* (25): KL = ½[(μ² + σ²)/v − 1 − log(σ²/v)]; ∂μ = μ/v, ∂σ = σ/v − 1/σ. */
                kl += 0.5 * ((mu[k] * mu[k] + s * s) / v - 1.0 - 2.0 * log(s) + log(v));
                g_mu[k] -= inv_n * mu[k] / v;
                g_rho[k] -= inv_n * (s / v - 1.0 / s) * sn_sigmoid(rho[k]);
            }
        }
        double logp = 0.0;
        if (g == GROUP_ARD || g == GROUP_ARD_ADD)
            for (size_t r = 0; r < L->n_in; r++)
                logp += log_hyper(h, a[r]);
        if (g == GROUP_ADD || g == GROUP_ARD_ADD)
            logp += log_hyper(h, t);
        total += -kl + logp;
    }
    return total * inv_n;
}
