/*
 * internal.h — private declarations of libshrinknet: the structs behind the opaque handles,
 * error helpers, checked allocation and the parameter layout table.
 */
#ifndef SN_INTERNAL_H
#define SN_INTERNAL_H

#include "shrinknet.h"

#include <stdarg.h>
#include <stdio.h>

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
/* Small numerical helpers (math.c)                                                            */
/* ------------------------------------------------------------------------------------------ */

/* log(sum exp x[i]) evaluated as m + log sum exp(x[i] - m), m = max x[i]. */
double sn_logsumexp(const double *x, size_t n);
/* softplus(x) = max(x, 0) + log1p(exp(-|x|)) and its inverse for y > 0. */
double sn_softplus(double x);
double sn_softplus_inv(double y);
double sn_sigmoid(double x);

#endif /* SN_INTERNAL_H */
