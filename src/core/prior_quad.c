/*
 * prior_quad.c — the marginal prior (7) by adaptive quadrature, for the noises whose density or
 * CDF has no closed form (N(1, alpha) and half-Cauchy CDFs, Beta throughout): each mixture
 * written over a variable in which its weight has unit width, and integrated with GSL's QAGS
 * between breakpoints at the kernel's features (MATH.md §2).
 */
#include "core/prior.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

/* Relative tolerance of every quadrature of (7); results whose GSL error estimate exceeds
 * QUAD_ACCEPT relative (GSL may stop early on round-off while still this accurate) are errors. */
#define QUAD_EPSREL 1e-11
#define QUAD_ACCEPT 1e-7
/* The N(1, alpha) quadrature runs over eps = (xi - 1)/sqrt(alpha) in [-40, 40]: phi(40) = 1e-348
 * is below the smallest double, so nothing is cut off. */
#define GAUSS_EPS_MAX 40.0

/* The kernel at |xi| = x: N(w; 0, s^2 x^2) = phi(c/x) / (s x) (pdf), or Phic(c/x) (lower tail
 * P(x z <= -|w|)). Both vanish as x -> 0 for c > 0. */
static double kernel(const sn_prior_quad *q, double x)
{
    if (!(x > 0.0))
        return 0.0;
    if (!isfinite(x))
        return q->kind == SN_KERNEL_PDF ? 0.0 : 0.5;
    if (q->kind == SN_KERNEL_PDF)
        return gsl_ran_ugaussian_pdf(q->c / x) / (q->ps->s * x);
    return gsl_cdf_ugaussian_Q(q->c / x);
}

/* N(1, alpha) noise, xi = 1 + sqrt(alpha) eps: (7) becomes
 *     ∫ K(|1 + sqrt(alpha) eps|) phi(eps) deps,
 * whose weight has unit width whatever alpha (no narrow peak for small alpha). */
static double integrand_gaussian(double eps, void *p)
{
    const sn_prior_quad *q = p;
    return kernel(q, fabs(1.0 + sqrt(q->ps->p0) * eps)) * gsl_ran_ugaussian_pdf(eps);
}

/* half-Cauchy(eta), over its quantile: xi(u) = eta tan(pi u / 2). */
static double integrand_halfcauchy(double u, void *p)
{
    const sn_prior_quad *q = p;
    return kernel(q, q->ps->p0 * tan(M_PI_2 * u));
}

/* Beta(a, b) over xi in (0, 1) with its density. */
static double integrand_beta(double x, void *p)
{
    const sn_prior_quad *q = p;
    return kernel(q, x) * gsl_ran_beta_pdf(x, q->ps->p0, q->ps->p1);
}

/* Insert x into the sorted breakpoint list pts[0..*n) if it lies strictly inside (lo, hi) and is
 * not already there. */
static void add_break(double *pts, size_t *n, double x, double lo, double hi)
{
    if (!(x > lo && x < hi))
        return;
    size_t i = 0;
    while (i < *n && pts[i] < x)
        i++;
    if (i < *n && pts[i] == x)
        return;
    memmove(pts + i + 1, pts + i, (*n - i) * sizeof *pts);
    pts[i] = x;
    (*n)++;
}

/*
 * ∫ K_c(|xi|) p(xi) dxi for the quadrature families (N(1, alpha), half-Cauchy, Beta; raw
 * parameters, effective scale s), kernel K as in kernel(). GSL's QAGS between breakpoints where the
 * kernel turns over (|xi| = c/2, c, 2c) and, for the Gaussian, where xi crosses 0, so that no
 * feature falls between the Gauss–Kronrod nodes of the first pass. SN_ENUMERIC if GSL's error
 * estimate is not within QUAD_ACCEPT.
 */
sn_status sn_prior_mixture_integral(sn_prior_quad *q, double *out, sn_error *err)
{
    const sn_prior_spec *ps = q->ps;
    double pts[16];
    size_t n = 0;
    gsl_function fn = {NULL, q};
    double lo = 0.0, hi = 1.0;
    pts[n++] = lo;
    pts[n++] = hi;
    const double mult[3] = {0.5, 1.0, 2.0};
    switch (ps->family) {
    case SN_NOISE_GAUSSIAN: {
        /* eps in [-GAUSS_EPS_MAX, GAUSS_EPS_MAX], breakpoints at the bulk (-8, 0, 8), where xi
         * crosses 0 and where |xi| = m c. */
        fn.function = integrand_gaussian;
        double sa = sqrt(ps->p0);
        lo = -GAUSS_EPS_MAX;
        hi = GAUSS_EPS_MAX;
        pts[0] = lo;
        pts[1] = hi;
        add_break(pts, &n, -8.0, lo, hi);
        add_break(pts, &n, 0.0, lo, hi);
        add_break(pts, &n, 8.0, lo, hi);
        add_break(pts, &n, -1.0 / sa, lo, hi);
        for (size_t i = 0; i < 3; i++) {
            add_break(pts, &n, (mult[i] * q->c - 1.0) / sa, lo, hi);
            add_break(pts, &n, (-mult[i] * q->c - 1.0) / sa, lo, hi);
        }
        break;
    }
    case SN_NOISE_HALFCAUCHY:
        fn.function = integrand_halfcauchy;
        for (size_t i = 0; i < 3; i++)
            add_break(pts, &n, atan(mult[i] * q->c / ps->p0) / M_PI_2, lo, hi);
        break;
    case SN_NOISE_BETA: {
        fn.function = integrand_beta;
        double a = ps->p0, b = ps->p1, mean = a / (a + b);
        double sd = sqrt(a * b / ((a + b) * (a + b) * (a + b + 1.0)));
        for (size_t i = 0; i < 3; i++)
            add_break(pts, &n, mult[i] * q->c, lo, hi);
        add_break(pts, &n, mean - 3.0 * sd, lo, hi);
        add_break(pts, &n, mean, lo, hi);
        add_break(pts, &n, mean + 3.0 * sd, lo, hi);
        break;
    }
    default:
        return sn_fail(err, SN_EINVAL, "prior: no quadrature for %s noise",
                       sn_noise_family_name(ps->family));
    }
    /* QAGS on each piece: the integrand is nonnegative, so a relative tolerance per piece is one
     * on the sum. (GSL's QAGP, which would do the same in one call, reports spurious round-off
     * failures when some pieces are negligible.) */
    double res = 0.0, abserr = 0.0;
    int rc_bad = GSL_SUCCESS;
    for (size_t i = 0; i + 1 < n; i++) {
        double r = 0.0, e = 0.0;
        int rc = gsl_integration_qags(&fn, pts[i], pts[i + 1], 0.0, QUAD_EPSREL,
                                      SN_PRIOR_QUAD_LIMIT, q->ws, &r, &e);
        if (rc != GSL_SUCCESS)
            rc_bad = rc;
        res += r;
        abserr += e;
    }
    if (!isfinite(res) || (rc_bad != GSL_SUCCESS && !(abserr <= QUAD_ACCEPT * fabs(res))))
        return sn_fail(err, SN_ENUMERIC, "prior: quadrature of (7) for %s noise failed at "
                                         "|w|/s = %g: %s (estimate %g, error %g)",
                       sn_noise_family_name(ps->family), q->c, gsl_strerror(rc_bad), res, abserr);
    *out = res;
    return SN_OK;
}
