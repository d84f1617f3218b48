/*
 * vem/vem.h — the variational EM nets (src/vem): the exact method of the paper (vem.c) and the
 * authors' variant, contained in its own file (vem_authors.c).
 */
#ifndef SN_VEM_H
#define SN_VEM_H

#include "core/core.h"

/* ------------------------------------------------------------------------------------------ */
/* Variational EM networks (vem.c: the exact method; vem_authors.c: the authors' variant)      */
/* ------------------------------------------------------------------------------------------ */

/* Workspace for the forward and backward passes of an EM net over up to cap_rows rows
 * (rows are (point, sample) pairs, point-major: row i = n·S + s). Sized once. */
typedef struct {
    size_t cap_rows, n_layers, n_samples;
    double **in;    /* [n_layers] input of layer l [rows][n_in] */
    double **a;     /* [n_layers] pre-activation [rows][n_out] */
    double **hsq;   /* [n_layers] local: H ⊙ H; flipout: H ⊙ S (signs) [rows][n_in] */
    double **eps;   /* [n_layers] local: E' [rows][n_out]; flipout: R signs [rows][n_out] */
    double **delta; /* [n_layers] local: Δ = sqrt((H⊙H)(σ⊙σ)) [rows][n_out] */
    double **sgn;   /* [n_layers] flipout: input signs S [rows][n_in] */
    double **wnoise;/* [n_layers] reparam, flipout: E_s [S][n_in][n_out] */
    double **wsamp; /* [n_layers] reparam: W_s = μ + σ ⊙ E_s; flipout: σ ⊙ E_s [S][n_in][n_out] */
    double **sigma; /* [n_layers] σ of the layer's weights [n_in][n_out] */
    double **s2;    /* [n_layers] σ² [n_in][n_out] */
    double *g, *gt, *dh, *dh2; /* [rows][max_width] */
    double *gsig;   /* [max n_in·n_out] gradient w.r.t. σ of one layer */
    double *gw;     /* [max n_in·n_out] one sample's weight gradient */
} sn_vem_ws;

sn_status sn_vem_ws_init(sn_vem_ws *ws, const sn_model *m, size_t cap_rows, size_t n_samples,
                         sn_error *err);
void sn_vem_ws_free(sn_vem_ws *ws);

/* Initial posterior: μ Glorot-uniform, σ = SN_VEM_SIGMA_INIT, biases 0 (exact method), or the
 * reference's initialisation (authors' variant). mu, rho have the model's parameter layout. */
void sn_vem_init(const sn_model *m, double *mu, double *rho, sn_rng *rng);

/* Forward pass of n_rows rows in ws->in[0] with n_samples samples per point, drawing from q(W)
 * with the given estimator (26)-(28) (the authors' variant has its own layer). */
void sn_vem_forward(const sn_model *m, const double *mu, const double *rho, sn_vem_ws *ws,
                    size_t n_rows, size_t n_samples, sn_estimator est, sn_rng *rng);
/* Backward pass from ws->g = ∂Obj/∂output; writes ∂Obj/∂μ (weights and biases) into g_mu and
 * ∂Obj/∂ρ into g_rho (bias entries of g_rho zero). */
void sn_vem_backward(const sn_model *m, const double *mu, const double *rho, sn_vem_ws *ws,
                     size_t n_rows, size_t n_samples, sn_estimator est, double *g_mu,
                     double *g_rho);

/* The closed-form scale step (29)-(32): the prior variances of m (row_var, layer_var) set to
 * their optimum for the posterior (mu, rho), per the layer assignment of MATH.md §4. */
sn_status sn_vem_update_scales(sn_model *m, const double *mu, const double *rho,
                               double *scratch /* [max n_in] */, sn_error *err);

/* The prior part of the per-datum ELBO (34) at the model's current prior variances,
 * −(1/N)[Σ KL(q‖p) − Σ log p_h], returned; its gradient w.r.t. μ and ρ at fixed variances (the
 * stop-gradient step, (33)) is added to g_mu and g_rho. */
double sn_vem_prior_term(const sn_model *m, const double *mu, const double *rho, size_t n_data,
                         double *g_mu, double *g_rho);

/* The authors' variant (MATH.md §7), contained in vem_authors.c. */
void sn_vem_authors_init(const sn_model *m, double *mu, double *rho, sn_rng *rng);
void sn_vem_authors_forward(const sn_model *m, const double *mu, const double *rho,
                            sn_vem_ws *ws, size_t n_rows, sn_rng *rng);
void sn_vem_authors_backward(const sn_model *m, const double *mu, const double *rho,
                             sn_vem_ws *ws, size_t n_rows, double *g_mu, double *g_rho);
/* The reference's KL term: scales from its update (with its two slips) inside the gradient,
 * KL averaged over all weights; returns −mean KL and adds its gradient. Writes the scales it
 * used into m->row_var / m->layer_var (as variances) for inspection. */
double sn_vem_authors_prior_term(sn_model *m, const double *mu, const double *rho, double *g_mu,
                                 double *g_rho, double *scratch /* [max n_in] */);
/* Training noise precision of the reference's EM nets, standardised units. */
#define SN_AUTHORS_TRAIN_PRECISION 20.0
/* Its posterior std from rho: sqrt(softplus(rho)) (softplus stored as a variance). */
double sn_vem_authors_sigma(double rho);

#endif /* SN_VEM_H */
