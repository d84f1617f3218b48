/*
 * internal.h — private declarations of libshrinknet: the structs behind the opaque handles,
 * error helpers, checked allocation and the parameter layout table.
 */
#ifndef SN_INTERNAL_H
#define SN_INTERNAL_H

#include "shrinknet.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

/* C11 has no M_PI. */
#define SN_PI 3.14159265358979323846264338327950288
#define SN_LOG_2PI 1.83787706640934548356065947281123527

/* ------------------------------------------------------------------------------------------ */
/* Errors (error.c)                                                                            */
/* ------------------------------------------------------------------------------------------ */

/* Fill err (if not NULL) with code and a printf-style message; returns code, so that
 * `return sn_fail(err, SN_EDATA, "%s:%zu:%zu: expected a number, found \"%s\"", ...)` works. */
sn_status sn_fail(sn_error *err, sn_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* ------------------------------------------------------------------------------------------ */
/* Checked allocation (error.c)                                                                */
/* ------------------------------------------------------------------------------------------ */

/* calloc(n, size) with an overflow check; NULL on overflow or failure. */
void *sn_calloc(size_t n, size_t size);
/* *out = a * b, false on overflow. */
bool sn_mul_size(size_t a, size_t b, size_t *out);
/* strdup that returns NULL on failure (C11 has no strdup). */
char *sn_strdup(const char *s);

/* ------------------------------------------------------------------------------------------ */
/* Data (data.c)                                                                               */
/* ------------------------------------------------------------------------------------------ */

struct sn_data {
    size_t n_rows, n_cols;
    double *x;        /* [n_rows][n_cols], row-major */
    double *y;        /* [n_rows] */
    char **col_names; /* [n_cols] feature names, or NULL */
    char *source;     /* description for messages */
};

/* ------------------------------------------------------------------------------------------ */
/* Random numbers (rng.c)                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* SplitMix64 finaliser: derives independent stream seeds. */
uint64_t sn_mix64(uint64_t x);

/* ------------------------------------------------------------------------------------------ */
/* Models (net.c, model_io.c)                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* One weight layer l = 1..L+1: A = H W + b with W [n_in][n_out] row-major (row r = input unit r,
 * the ARD group, MATH.md §0) and b [n_out]. */
typedef struct {
    size_t n_in, n_out;
    size_t w_off;       /* offset of W in the parameter array */
    size_t b_off;       /* offset of b in the parameter array */
    size_t row_off;     /* offset of this layer's rows in the per-row scale array */
    bool is_residual;   /* hidden-to-hidden block of a resnet: H_l = f(A) + H_{l-1} */
    bool is_output;     /* last layer: identity activation */
} sn_layer;

struct sn_model {
    sn_train_params params;  /* as trained; callbacks NULL */
    size_t n_in, n_out;      /* inputs; outputs (1, or K for categorical) */
    size_t n_layers;         /* weight layers L+1 */
    sn_layer *layers;        /* [n_layers] */
    size_t n_params;         /* length of theta (all W and b) */
    size_t n_rows_total;     /* sum over layers of n_in: length of row_var */
    double *theta;           /* [n_params]: weights (MC nets) or posterior means mu (EM nets) */
    double *rho;             /* [n_params] EM nets: sigma = softplus(rho); NULL for MC nets */
    double *row_var;         /* [n_rows_total] EM nets: per-row prior variance a_{l,r}; else NULL */
    double *layer_var;       /* [n_layers] EM nets: per-layer prior variance t_l; else NULL */
    double log_precision;    /* log kappa, standardised units of y */
    double *x_mean, *x_std;  /* [n_in] training statistics (std 0 stored as 1) */
    double y_mean, y_std;    /* training statistics of y (std 0 stored as 1); 0 and 1 for labels */
    uint64_t n_steps;        /* optimiser steps taken */
};

/* Allocate a model for params p with n_in inputs and n_out outputs: builds the layer table,
 * allocates theta (and rho, row_var, layer_var for EM nets) zeroed, x_mean zeroed, x_std ones. */
sn_status sn_model_alloc(const sn_train_params *p, size_t n_in, size_t n_out, sn_model **out,
                         sn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Monte Carlo noise networks: forward and backward passes (net.c)                             */
/* ------------------------------------------------------------------------------------------ */

/* The noise acting on one weight layer (MATH.md §1). */
typedef struct {
    bool units;   /* xi per input unit and row: (1)-(2) */
    bool weights; /* xi per weight and row (DropConnect): (3) */
    bool block;   /* tau per row on a residual block: (4)-(5) */
} sn_layer_noise;

/* Which noise layer l of model m carries under its training parameters (and none at all when
 * the objective is the hierarchical one, which trains a noise-free network (23)). */
sn_layer_noise sn_layer_noise_of(const sn_model *m, size_t l);
/* The block-noise law in force (block_noise, or noise when block_noise is "none"). */
const sn_noise *sn_block_noise_of(const sn_train_params *p);

/* Workspace for forward and backward passes of up to cap_rows rows; sized once. */
typedef struct {
    size_t cap_rows, n_layers, max_width;
    double **in;     /* [n_layers] in[l]: input of layer l [rows][n_in_l] (layers above 0: only
                        when read back; net.c) */
    double **xi;     /* [n_layers] unit noise [rows][n_in_l], or NULL */
    double **u;      /* [n_layers] masked input in ⊙ xi [rows][n_in_l], or NULL (then = in) */
    double **tau;    /* [n_layers] block noise [rows], or NULL */
    double **a;      /* [n_layers] pre-activation [rows][n_out_l]; a[L] the output (other layers
                        only where the backward pass needs it; net.c) */
    sn_rng **wstate; /* [n_layers] RNG snapshot for DropConnect layers, or NULL */
    double *g, *gt, *dh, *dh2; /* [rows][max_width] gradient buffers */
    double *mask;    /* [max n_in * n_out] one row's DropConnect mask */
} sn_net_ws;

sn_status sn_net_ws_init(sn_net_ws *ws, const sn_model *m, size_t cap_rows, sn_error *err);
void sn_net_ws_free(sn_net_ws *ws);

/* Forward pass of n_rows rows already placed in ws->in[0], with parameters theta (model layout)
 * and noise from rng (NULL or noise_off = true: every noise variable at 1). Output in ws->a[L]. */
void sn_net_forward(const sn_model *m, const double *theta, sn_net_ws *ws, size_t n_rows,
                    sn_rng *rng, bool noise_off);
/* Backward pass: ws->g holds dObj/dOutput [n_rows][n_out]; accumulates dObj/dtheta into grad
 * (model layout; every W and b entry is overwritten, not added). Uses the state of the last
 * forward pass. */
void sn_net_backward(const sn_model *m, const double *theta, sn_net_ws *ws, size_t n_rows,
                     double *grad);

/* ------------------------------------------------------------------------------------------ */
/* Monte Carlo objectives (objective.c) and optimisers (optim.c)                               */
/* ------------------------------------------------------------------------------------------ */

/* Sample weights w [n_points][S] for log-likelihoods ll [n_points][S] (point-major): 1/S (17),
 * softmax over s (20), tail-adaptive ranks (21). Returns the per-datum objective summed over
 * the points: sum_n of mean_s ll (17), LSE_s ll - log S (19), or sum_s w ll (22). */
double sn_objective_weights(sn_objective obj, const double *ll, size_t n_points, size_t S,
                            double *w);

typedef struct {
    sn_optimizer kind;
    size_t n;
    double lr, beta1, beta2, eps, momentum;
    double *m, *v; /* [n] first and second moments (Adam) or velocity (SGD, in m) */
    uint64_t t;    /* steps taken */
} sn_optim;

sn_status sn_optim_init(sn_optim *o, const sn_train_params *p, size_t n, sn_error *err);
void sn_optim_free(sn_optim *o);
/* One ascent step x += step(g) for the gradient g of an objective being maximised. */
void sn_optim_step(sn_optim *o, double *x, const double *g);

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

/* ------------------------------------------------------------------------------------------ */
/* Small numerical helpers (math.c)                                                            */
/* ------------------------------------------------------------------------------------------ */

/* log(sum exp x[i]) evaluated as m + log sum exp(x[i] - m), m = max x[i]. */
double sn_logsumexp(const double *x, size_t n);
/* softplus(x) = max(x, 0) + log1p(exp(-|x|)) and its inverse for y > 0. */
double sn_softplus(double x);
double sn_softplus_inv(double y);
double sn_sigmoid(double x);
/* The hidden activation f and its derivative f'(a); ReLU: f'(0) := 0 (MATH.md §0). */
static inline double sn_act(sn_activation f, double a)
{
    return f == SN_ACT_RELU ? (a > 0.0 ? a : 0.0) : tanh(a);
}

static inline double sn_act_deriv(sn_activation f, double a)
{
    if (f == SN_ACT_RELU)
        return a > 0.0 ? 1.0 : 0.0;
    double t = tanh(a);
    return 1.0 - t * t;
}

/* (x − m) / s without overflow in x − m. */
double sn_standardise(double x, double m, double s);

/* ------------------------------------------------------------------------------------------ */
/* Bulk noise draws (rng.c): xoshiro256** and Bernoulli trials by their failures               */
/* ------------------------------------------------------------------------------------------ */

/* The next 64 bits of the generator's xoshiro256** stream (separate from the MT19937 stream of
 * sn_rng_uniform and friends), and a uniform on (0, 1), open at both ends, from its top 53 bits. */
uint64_t sn_rng_bits(sn_rng *r);
double sn_rng_uniform_fast(sn_rng *r);

/* Whether Bernoulli(pi) trials are drawn by geometric gaps between failures (small drop rate
 * 1 - pi) rather than one uniform per trial. */
bool sn_bernoulli_is_sparse(double pi);

/* n Bernoulli(pi) trials (pi in (0, 1]) delivered as the positions of their failures, in
 * increasing order, drawn from r's xoshiro256** stream:
 *     sn_drops d;
 *     for (sn_drops_begin(&d, r, pi, n); d.next < n; sn_drops_advance(&d))
 *         ... d.next is a failure (a dropped unit) ...
 *     sn_drops_end(&d);
 * The trials are the same whether n of them are drawn in one request or in several (the gap
 * that runs past the end is kept in r until the next request with the same pi). */
typedef struct {
    sn_rng *r;
    double pi, log_pi;
    size_t n;         /* trials in this request */
    size_t next;      /* position of the current failure; n when there are no more */
    uint64_t pending; /* successes of the current gap beyond position n - 1 */
    bool is_sparse;
} sn_drops;

void sn_drops_begin(sn_drops *d, sn_rng *r, double pi, size_t n);
size_t sn_drops_advance(sn_drops *d); /* moves to the next failure; returns d->next */
void sn_drops_end(sn_drops *d);

/* out[i] = value for a success, 0 for a failure of n Bernoulli(pi) trials: the same trials as
 * sn_drops over the same request. */
void sn_bernoulli_fill(sn_rng *r, double pi, double value, double *out, size_t n);

/* n standard normals from the xoshiro256** stream (Ziggurat); the same draws whether asked for
 * in one request or in several. Several times faster than n calls of sn_rng_normal. */
void sn_rng_normal_fill(sn_rng *r, double *out, size_t n);

#endif /* SN_INTERNAL_H */
