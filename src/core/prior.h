/*
 * core/prior.h — what the files of the implied prior share (prior.c: densities and CDFs;
 * prior_quad.c: the quadrature of (7); prior_describe.c; prior_ks.c): the prior of one noise
 * in raw parameters and effective scale, and the lower tail the CDF and the KS check are built
 * from. Included by these four files only (it brings in GSL's integration workspace).
 */
#ifndef SN_CORE_PRIOR_H
#define SN_CORE_PRIOR_H

#include "core/core.h"

#include <gsl/gsl_integration.h>

/* Subintervals of the adaptive quadrature workspace (gsl_integration_workspace_alloc). */
#define SN_PRIOR_QUAD_LIMIT 512

/* ------------------------------------------------------------------------------------------ */
/* The prior of one noise: raw parameters and effective scale                                 */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    sn_noise_family family;
    double p0, p1; /* raw noise parameters */
    double k;      /* multiplier of the raw draw: 1/E[xi] for mean-one noise, else 1 */
    double s;      /* effective scale sigma0 * k, (8) */
    double atom;   /* mass of the atom at w = 0: 1 - pi for Bernoulli, else 0 */
} sn_prior_spec;

/* Check nz and sigma0 and fill ps. SN_EINVAL for a bad noise (sn_noise_check), a noise that
 * cannot be scaled to mean one, or sigma0 not finite and > 0. */
sn_status sn_prior_setup(const sn_noise *nz, double sigma0, sn_prior_spec *ps, sn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Lower tail and CDF (prior.c)                                                               */
/* ------------------------------------------------------------------------------------------ */

/* Q(c) = P(W <= -c s) counting only the continuous part (so Q(0) = (1 - atom)/2), c >= 0; ws is
 * a workspace of SN_PRIOR_QUAD_LIMIT subintervals when sn_prior_needs_quadrature(ps->family),
 * else unused (may be NULL). */
sn_status sn_prior_lower_tail(const sn_prior_spec *ps, gsl_integration_workspace *ws, double c,
                              double *out, sn_error *err);
/* Whether the CDF needs quadrature (and tabulation in the KS test). */
bool sn_prior_needs_quadrature(sn_noise_family f);
/* F(w) (right-continuous, atom included) and its left limit F(w-) (when left is not NULL) from
 * the lower tail q of |w|/s. */
void sn_prior_cdf_from_tail(const sn_prior_spec *ps, double w, double q, double *right,
                            double *left);

/* ------------------------------------------------------------------------------------------ */
/* Quadrature of (7) (prior_quad.c)                                                           */
/* ------------------------------------------------------------------------------------------ */

typedef enum { SN_KERNEL_PDF, SN_KERNEL_TAIL } sn_prior_kernel;

typedef struct {
    const sn_prior_spec *ps;
    sn_prior_kernel kind;
    double c; /* |w| / s > 0 */
    gsl_integration_workspace *ws;
} sn_prior_quad;

/* ∫ K_c(|xi|) p(xi) dxi for the quadrature families (N(1, alpha), half-Cauchy, Beta), the kernel
 * K the density's or the lower tail's; SN_ENUMERIC if GSL's error estimate is too large. */
sn_status sn_prior_mixture_integral(sn_prior_quad *q, double *out, sn_error *err);

#endif /* SN_CORE_PRIOR_H */
