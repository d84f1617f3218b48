/*
 * vem_authors.c — the authors' variant of the variational EM nets, contained in one file so
 * that the benchmark can measure how much of the paper's Table 3 comes from the method and how
 * much from the departures of the public code (MATH.md §4 "Reference specifics", §7):
 *
 *   1. the "flipout-style" layer A = Hμ + b + ((H⊙S)σ) ⊙ R with signs S, R in {−1, 3} (each
 *      with probability ½) and no Gaussian base noise: biased mean μ + σ, variance 24σ² (§7.4);
 *   2. softplus(ρ) stored as the variance: σ = √softplus(ρ), initialised with ρ ~ U(−10, −6.5),
 *      μ ~ U(−0.05, 0.05), b = 0.1;
 *   3. the scale updates computed inside the objective and differentiated through, with no
 *      log p_h term (§7.2, (33));
 *   4. the ARD-ADD update with its two slips: the matrix factor divides the row moments by the
 *      row std instead of the variance, and starts from t = 1 each time (one half-sweep, §7.1);
 *   5. the KL of each weight as (μ² + σ²)/(2s²) + log(s + 1e-8) − log(σ + 1e-8) − ½, averaged
 *      over all weights instead of summed over weights and divided by N (§7.3);
 *   6. a fixed training noise precision of 20 in standardised units (§7.3).
 *
 * Nothing here is used by the exact method (vem.c).
 */
#include "vem/vem.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* The reference adds 1e-8 inside the logarithms of its KL. */
#define AUTHORS_LOG_EPS 1e-8

double sn_vem_authors_sigma(double rho)
{
    return sqrt(sn_softplus(rho));
}

void sn_vem_authors_init(const sn_model *m, double *mu, double *rho, sn_rng *rng)
{
    for (size_t l = 0; l < m->n_layers; l++) {
        const sn_layer *L = &m->layers[l];
        for (size_t k = 0; k < L->n_in * L->n_out; k++) {
            mu[L->w_off + k] = -0.05 + 0.1 * sn_rng_uniform(rng);
            rho[L->w_off + k] = -10.0 + 3.5 * sn_rng_uniform(rng);
        }
        for (size_t j = 0; j < L->n_out; j++) {
            mu[L->b_off + j] = 0.1;
            rho[L->b_off + j] = 0.0;
        }
    }
}

/* A sign of the reference: inverted dropout of ones with keep 0.5 gives {0, 2}; times 2
 * minus 1 gives {−1, 3}. */
static double authors_sign(sn_rng *rng)
{
    return sn_rng_uniform(rng) < 0.5 ? -1.0 : 3.0;
}

/* ------------------------------------------------------------------------------------------ */
/* The layer                                                                                   */
/* ------------------------------------------------------------------------------------------ */

void sn_vem_authors_forward(const sn_model *m, const double *mu, const double *rho,
                            sn_vem_ws *ws, size_t n_rows, sn_rng *rng)
{
    sn_activation f = m->params.activation;
    for (size_t l = 0; l < m->n_layers; l++) {
        const sn_layer *L = &m->layers[l];
        size_t ni = L->n_in, no = L->n_out, nw = ni * no;
        const double *M = mu + L->w_off, *b = mu + L->b_off, *H = ws->in[l];
        double *sig = ws->sigma[l], *hs = ws->hsq[l], *sg = ws->sgn[l], *r = ws->eps[l];
        double *P = ws->delta[l], *A = ws->a[l];
        for (size_t k = 0; k < nw; k++)
            sig[k] = sn_vem_authors_sigma(rho[L->w_off + k]);
        for (size_t k = 0; k < n_rows * ni; k++) {
            sg[k] = authors_sign(rng);
            hs[k] = H[k] * sg[k];
        }
        for (size_t k = 0; k < n_rows * no; k++)
            r[k] = authors_sign(rng);
        /* A = Hμ + b + ((H⊙S)σ) ⊙ R. */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n_rows, (int)no, (int)ni, 1.0,
                    H, (int)ni, M, (int)no, 0.0, A, (int)no);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n_rows, (int)no, (int)ni, 1.0,
                    hs, (int)ni, sig, (int)no, 0.0, P, (int)no);
        for (size_t i = 0; i < n_rows; i++)
            for (size_t j = 0; j < no; j++)
                A[i * no + j] += P[i * no + j] * r[i * no + j] + b[j];
        if (L->is_output)
            break;
        double *out = ws->in[l + 1];
        for (size_t k = 0; k < n_rows * no; k++) {
            out[k] = sn_act(f, A[k]) + (L->is_residual ? H[k] : 0.0);
        }
    }
}

void sn_vem_authors_backward(const sn_model *m, const double *mu, const double *rho,
                             sn_vem_ws *ws, size_t n_rows, double *g_mu, double *g_rho)
{
    sn_activation f = m->params.activation;
    double *G = ws->g, *D = ws->dh, *Dprev = ws->dh2, *GR = ws->gt;
    for (size_t l = m->n_layers; l-- > 0;) {
        const sn_layer *L = &m->layers[l];
        size_t ni = L->n_in, no = L->n_out, nw = ni * no;
        const double *M = mu + L->w_off, *H = ws->in[l], *sig = ws->sigma[l];
        if (!L->is_output)
            for (size_t k = 0; k < n_rows * no; k++)
                G[k] = D[k] * sn_act_deriv(f, ws->a[l][k]);
        double *db = g_mu + L->b_off;
        memset(db, 0, no * sizeof *db);
        for (size_t k = 0; k < n_rows * no; k++) {
            db[k % no] += G[k];
            GR[k] = G[k] * ws->eps[l][k];
        }
        /* ∂μ = HᵀG, ∂σ = (H⊙S)ᵀ(G⊙R), ∂H = Gμᵀ + ((G⊙R)σᵀ) ⊙ S. */
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)ni, (int)no, (int)n_rows, 1.0,
                    H, (int)ni, G, (int)no, 0.0, g_mu + L->w_off, (int)no);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)ni, (int)no, (int)n_rows, 1.0,
                    ws->hsq[l], (int)ni, GR, (int)no, 0.0, ws->gsig, (int)no);
        /* σ = √softplus(ρ): dσ/dρ = sigmoid(ρ) / (2σ). */
        for (size_t k = 0; k < nw; k++)
            g_rho[L->w_off + k] = ws->gsig[k] * sn_sigmoid(rho[L->w_off + k]) / (2.0 * sig[k]);
        memset(g_rho + L->b_off, 0, no * sizeof *g_rho);
        if (l == 0)
            break;
        double *dH = Dprev;
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n_rows, (int)ni, (int)no, 1.0,
                    GR, (int)no, sig, (int)no, 0.0, dH, (int)ni);
        for (size_t k = 0; k < n_rows * ni; k++)
            dH[k] *= ws->sgn[l][k];
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n_rows, (int)ni, (int)no, 1.0,
                    G, (int)no, M, (int)no, 1.0, dH, (int)ni);
        if (L->is_residual)
            for (size_t k = 0; k < n_rows * ni; k++)
                dH[k] += D[k];
        double *t = D;
        D = Dprev;
        Dprev = t;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* The reference's scale updates, differentiated through                                       */
/* ------------------------------------------------------------------------------------------ */

/* The derivative dU/dM of the optimal variance U(M, P) of (29)-(31). */
static double update_deriv(const sn_hyperprior *h, double M, double P)
{
    if (h->family == SN_HYPER_HALFCAUCHY) {
        double e2 = h->a * h->a;
        double disc = M * M + (2.0 * P + 8.0) * e2 * M + P * P * e2 * e2;
        return (1.0 + (2.0 * M + (2.0 * P + 8.0) * e2) / (2.0 * sqrt(disc))) / (2.0 * (P + 2.0));
    }
    double a = h->family == SN_HYPER_INVGAMMA ? h->a : 0.0;
    return 1.0 / (P + 2.0 * a + 2.0);
}

/* Per weight: the reference's KL and its partial derivatives in μ, σ and the prior std s. */
static double kl_ref(double mu, double sig, double s, double *d_mu, double *d_sig, double *d_s)
{
    double m2 = mu * mu + sig * sig;
    *d_mu = mu / (s * s);
    *d_sig = sig / (s * s) - 1.0 / (sig + AUTHORS_LOG_EPS);
    *d_s = -m2 / (s * s * s) + 1.0 / (s + AUTHORS_LOG_EPS);
    return m2 / (2.0 * s * s) + log(s + AUTHORS_LOG_EPS) - log(sig + AUTHORS_LOG_EPS) - 0.5;
}

double sn_vem_authors_prior_term(sn_model *m, const double *mu, const double *rho, double *g_mu,
                                 double *g_rho, double *crow)
{
    const sn_hyperprior *h = &m->params.hyper;
    size_t total_w = 0;
    for (size_t l = 0; l < m->n_layers; l++)
        total_w += m->layers[l].n_in * m->layers[l].n_out;
    double inv_p = 1.0 / (double)total_w, kl_total = 0.0;

    for (size_t l = 0; l < m->n_layers; l++) {
        const sn_layer *L = &m->layers[l];
        size_t R = L->n_in, J = L->n_out;
        double *rowv = m->row_var + L->row_off;
        /* Which update: "add"/"ard-add" on hidden-to-hidden matrices, ARD elsewhere; the
         * reference's "hidden-to-hidden" is every matrix but the first and the last. */
        bool inner = l > 0 && !L->is_output;
        int kind = m->params.prior == SN_PRIOR_NONE ? 0
                   : (m->params.prior == SN_PRIOR_ADD && inner) ? 2
                   : (m->params.prior == SN_PRIOR_ARD_ADD && inner) ? 3
                                                                  : 1;
        /* Row moments M_r = Σ_j (μ² + σ²). */
        double Mall = 0.0;
        for (size_t r = 0; r < R; r++) {
            double s = 0.0;
            for (size_t j = 0; j < J; j++) {
                size_t k = L->w_off + r * J + j;
                double sg = sn_vem_authors_sigma(rho[k]);
                s += mu[k] * mu[k] + sg * sg;
            }
            rowv[r] = s; /* M_r until the last loop stores the variance used */
            Mall += s;
        }
        /* dKL/dM_r, the chain through the update, accumulated per row. */
        double tau = 1.0, dtau_dQ = 0.0, Q = 0.0, sum_c_lambda = 0.0;
        if (kind == 3) {
            /* λ_r = √U(M_r / 1, J) (t starts at 1, slip b); τ = √U(Σ_r M_r/λ_r, R·J) (slip a:
             * divides by the std λ_r, not the variance). */
            for (size_t r = 0; r < R; r++)
                Q += rowv[r] / sqrt(sn_hyper_optimal_variance(h, rowv[r], (double)J));
            double U = sn_hyper_optimal_variance(h, Q, (double)(R * J));
            tau = sqrt(U);
            dtau_dQ = update_deriv(h, Q, (double)(R * J)) / (2.0 * tau);
        }
        double s_add = kind == 2 ? sqrt(sn_hyper_optimal_variance(h, Mall, (double)(R * J))) : 0;
        double dsadd_dM = kind == 2 ? update_deriv(h, Mall, (double)(R * J)) / (2.0 * s_add) : 0;
        double c_add = 0.0; /* Σ over the matrix of ∂KL/∂s for ADD */

        /* First pass: the KL, its direct derivatives, and c_r = ∂KL/∂s_r per row. */
        for (size_t r = 0; r < R; r++) {
            double Mr = rowv[r];
            double lam = 1.0, s;
            switch (kind) {
            case 0: s = 1.0; break; /* "none": the fixed N(0, 1) prior of the reference */
            case 1: s = sqrt(sn_hyper_optimal_variance(h, Mr, (double)J)); break;
            case 2: s = s_add; break;
            default:
                lam = sqrt(sn_hyper_optimal_variance(h, Mr, (double)J));
                s = lam * tau;
                break;
            }
            double c = 0.0;
            for (size_t j = 0; j < J; j++) {
                size_t k = L->w_off + r * J + j;
                double sg = sn_vem_authors_sigma(rho[k]), dmu, dsig, ds;
                kl_total += kl_ref(mu[k], sg, s, &dmu, &dsig, &ds);
                c += ds;
                g_mu[k] -= inv_p * dmu;
                g_rho[k] -= inv_p * dsig * sn_sigmoid(rho[k]) / (2.0 * sg);
            }
            crow[r] = c;
            if (kind == 2)
                c_add += c;
            if (kind == 3)
                sum_c_lambda += c * lam;
        }
        /* Second pass: the chain rule through the update, dKL/dM_r · ∂M_r/∂(μ, σ). */
        for (size_t r = 0; r < R && kind != 0; r++) {
            double Mr = rowv[r];
            double dKL_dM;
            if (kind == 1) {
                double s = sqrt(sn_hyper_optimal_variance(h, Mr, (double)J));
                dKL_dM = crow[r] * update_deriv(h, Mr, (double)J) / (2.0 * s);
            } else if (kind == 2) {
                dKL_dM = c_add * dsadd_dM;
            } else {
                double lam = sqrt(sn_hyper_optimal_variance(h, Mr, (double)J));
                double dlam = update_deriv(h, Mr, (double)J) / (2.0 * lam);
                double dQ = 1.0 / lam - Mr * dlam / (lam * lam);
                dKL_dM = crow[r] * tau * dlam + sum_c_lambda * dtau_dQ * dQ;
            }
            for (size_t j = 0; j < J; j++) {
                size_t k = L->w_off + r * J + j;
                g_mu[k] -= inv_p * dKL_dM * 2.0 * mu[k];
                /* ∂M_r/∂ρ = 2σ dσ/dρ = sigmoid(ρ), with σ² = softplus(ρ). */
                g_rho[k] -= inv_p * dKL_dM * sn_sigmoid(rho[k]);
            }
        }
        /* Record the prior variances used (row factor · layer factor). */
        for (size_t r = 0; r < R; r++) {
            double Mr = rowv[r];
            switch (kind) {
            case 0: rowv[r] = 1.0; break;
            case 1: rowv[r] = sn_hyper_optimal_variance(h, Mr, (double)J); break;
            case 2: rowv[r] = 1.0; break;
            default: rowv[r] = sn_hyper_optimal_variance(h, Mr, (double)J); break;
            }
        }
        m->layer_var[l] = kind == 2 ? s_add * s_add : kind == 3 ? tau * tau : 1.0;
    }
    return -kl_total * inv_p;
}
