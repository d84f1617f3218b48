/*
 * core/core.h — the numerical core's private declarations (src/core: no I/O, no printing):
 * errors and checked allocation, the model object and its parameter layout, random streams and
 * bulk noise draws, the objectives' sample weights, optimisers and small math helpers.
 * Everything above core includes this header; core includes nothing of the layers above it.
 */
#ifndef SN_CORE_H
#define SN_CORE_H

#include "shrinknet.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

/* C11 has no M_PI. */
#define SN_PI 3.14159265358979323846264338327950288
#define SN_LOG_2PI 1.83787706640934548356065947281123527

/* ------------------------------------------------------------------------------------------ */
/* Errors (core/error.c)                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* sn_fail, which fills an sn_error, is public (shrinknet.h): the CLI reports through it too. */
/* SN_ENOMEM with "<what>: out of memory". */
sn_status sn_fail_nomem(sn_error *err, const char *what);

/* ------------------------------------------------------------------------------------------ */
/* Checked allocation (core/error.c)                                                                */
/* ------------------------------------------------------------------------------------------ */

/* calloc(n, size) with an overflow check; NULL on overflow or failure. */
void *sn_calloc(size_t n, size_t size);
/* *out = a * b, false on overflow. */
bool sn_mul_size(size_t a, size_t b, size_t *out);
/* strdup that returns NULL on failure (C11 has no strdup). */
char *sn_strdup(const char *s);
/* A NUL-terminated malloc'ed copy of s[0..n), or NULL. */
char *sn_strndup(const char *s, size_t n);
/* A malloc'ed string from a printf format, or NULL. */
char *sn_strdup_printf(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* ------------------------------------------------------------------------------------------ */
/* Random numbers (rng.c)                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* 64-bit FNV-1a of data[0..n) (core/hash.c): model-file checksums, configuration fingerprints. */
uint64_t sn_hash_bytes(const void *data, size_t n);

/* x as the shortest text (15-17 significant digits) that reads back as the same double
 * (core/parse.c); snprintf's return value. */
int sn_format_real(char *buf, size_t size, double x);

/* SplitMix64 finaliser: derives independent stream seeds. */
uint64_t sn_mix64(uint64_t x);

/* ------------------------------------------------------------------------------------------ */
/* The model object (core/layout.c)                                                               */
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
/* Monte Carlo objectives (objective.c) and optimisers (optim.c)                               */
/* ------------------------------------------------------------------------------------------ */

/* Sample weights w [n_points][S] for log-likelihoods ll [n_points][S] (point-major): 1/S (17),
 * softmax over s (20), tail-adaptive ranks (21). Returns the per-datum objective summed over
 * the points: sum_n of mean_s ll (17), LSE_s ll - log S (19), or sum_s w ll (22). */
double sn_objective_weights(sn_objective obj, const double *ll, size_t n_points, size_t S,
                            double *w);
/* The same; with is_ties_by_order the tail-adaptive ranks break ties by sample order, as the
 * authors' code does (MATH.md §7.5), instead of giving equal ℓ equal weight. */
double sn_objective_weights_ties(sn_objective obj, bool is_ties_by_order, const double *ll,
                                 size_t n_points, size_t S, double *w);

typedef struct {
    sn_optimizer kind;
    size_t n;
    double lr, beta1, beta2, eps, momentum;
    double *m, *v; /* [n] first and second moments (Adam) or velocity (SGD, in m) */
    uint64_t t;    /* steps taken */
    bool is_tf_adam; /* TensorFlow's form of Adam: ε added to √v, not to √v̂ (MATH.md §7.9) */
} sn_optim;

sn_status sn_optim_init(sn_optim *o, const sn_train_params *p, size_t n, sn_error *err);
void sn_optim_free(sn_optim *o);
/* One ascent step x += step(g) for the gradient g of an objective being maximised. */
void sn_optim_step(sn_optim *o, double *x, const double *g);

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

#endif /* SN_CORE_H */
