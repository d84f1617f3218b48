/*
 * prior.c — the marginal prior on a weight implied by multiplicative noise (MATH.md §2, paper
 * Table 1): density, CDF, a description in words, and a Kolmogorov–Smirnov check of samples.
 *
 * A weight w = xi z with z ~ N(0, sigma0^2) independent of the noise xi has the scale mixture
 *
 *     p(w) = ∫ N(w; 0, sigma0^2 xi^2) p(xi) dxi ,   F(w) = ∫ Phi(w / (sigma0 |xi|)) p(xi) dxi   (7)
 *
 * Mean-one noise xi' = xi / E[xi] gives the same family with sigma0 replaced by s = sigma0/E[xi]
 * (8), so everything below works with the raw noise parameters and the effective scale s.
 *
 * Closed forms (s the effective scale):
 *   none           N(0, s^2)
 *   Bernoulli(pi)  pi N(0, s^2) + (1 - pi) delta_0                                          (9)
 *   N(1, alpha)    sum_k Pois(k; 1/(2 alpha)) VG_{k+1/2, 2 alpha}(w)                   (10)-(11)
 *   Rayleigh(r)    Laplace(0, b = s r)                                                      (12)
 *   invNak(m, Om)  Student-t, nu = 2m, scale s/sqrt(Om)                                     (13)
 *   halfCauchy(e)  horseshoe, p(w) = e^u E1(u) / (t sqrt(2 pi^3)), t = s e, u = w^2/(2t^2)   (14)
 *   Beta(a, b)     none: (7) by quadrature                                                   (15)
 *   Uniform(l, h)  p(w) = [E1(w^2/(2 s^2 h^2)) - E1(w^2/(2 s^2 l^2))] / (2 sqrt(2 pi) s (h-l)) (16)
 * The CDF is closed for none, Bernoulli, Rayleigh, inverse-Nakagami and Uniform (derived below);
 * for N(1, alpha), half-Cauchy and Beta it is (7) by adaptive quadrature (GSL QAGS, piecewise).
 *
 * Special functions and integrals come from GSL (the integer-order Bessel functions of (10) by
 * their standard recurrence from GSL's K_0 and K_1, see gaussian_noise_pdf for why). GSL reports
 * errors through a global handler that aborts by default; the public functions here switch it
 * off on entry, restore the caller's handler on return, and turn GSL statuses into sn_status.
 */
#include "core/core.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_interp.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_bessel.h>
#include <gsl/gsl_sf_expint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------ */
/* Tolerances                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* Relative tolerance of every quadrature of (7); results whose GSL error estimate exceeds
 * QUAD_ACCEPT relative (GSL may stop early on round-off while still this accurate) are errors. */
#define QUAD_EPSREL 1e-11
#define QUAD_ACCEPT 1e-7
#define QUAD_LIMIT 512 /* subintervals of the adaptive workspace */
/* The N(1, alpha) quadrature runs over eps = (xi - 1)/sqrt(alpha) in [-40, 40]: phi(40) = 1e-348
 * is below the smallest double, so nothing is cut off. */
#define GAUSS_EPS_MAX 40.0

/* Poisson series (10): relative truncation error (gaussian_noise_pdf). POISSON_MAX_TERMS is a
 * guard: the series needs about 1/(2 alpha) + 10 sqrt(1/(2 alpha)) + sqrt(|w|/(s alpha)) terms,
 * so alpha down to ~1e-7 is covered (0.1 s per density at worst). */
#define POISSON_TOL 1e-17
#define POISSON_MAX_TERMS 10000000UL

/* KS against a quadrature CDF: the lower tail Q(c) is tabulated once at c_j = KS_DELTA sinh(j h)
 * (spacing KS_DELTA h near 0, relative spacing h in the tails; KS_STEP = h) up to the largest
 * |w|/s of the sample and interpolated with GSL's monotone Steffen spline in j h. The
 * interpolation error is far below the KS resolution 1/sqrt(n) (see tests/test_prior.c, which
 * compares with the CDF evaluated at every point). */
#define KS_DELTA 1e-3
#define KS_STEP 0.02

/* ------------------------------------------------------------------------------------------ */
/* The prior of one noise: raw parameters and effective scale                                  */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    sn_noise_family family;
    double p0, p1; /* raw noise parameters */
    double k;      /* multiplier of the raw draw: 1/E[xi] for mean-one noise, else 1 */
    double s;      /* effective scale sigma0 * k, (8) */
    double atom;   /* mass of the atom at w = 0: 1 - pi for Bernoulli, else 0 */
} prior_spec;

/* Check nz and sigma0 and fill ps. SN_EINVAL for a bad noise (sn_noise_check), a noise that cannot
 * be scaled to mean one, or sigma0 not finite and > 0. */
static sn_status prior_setup(const sn_noise *nz, double sigma0, prior_spec *ps, sn_error *err)
{
    if (!nz)
        return sn_fail(err, SN_EINVAL, "no noise given");
    if (!(sigma0 > 0.0) || !isfinite(sigma0))
        return sn_fail(err, SN_EINVAL, "prior: sigma0 must be finite and > 0; got %g", sigma0);
    sn_status st = sn_noise_check(nz, err);
    if (st != SN_OK)
        return st;
    double p0 = nz->p[0], p1 = nz->p[1];
    bool ok = true;
    /* Our own domain check too: GSL's densities must not see arguments outside it. */
    switch (nz->family) {
    case SN_NOISE_NONE: break;
    case SN_NOISE_BERNOULLI: ok = p0 > 0.0 && p0 <= 1.0; break;
    case SN_NOISE_GAUSSIAN:
    case SN_NOISE_RAYLEIGH:
    case SN_NOISE_HALFCAUCHY: ok = p0 > 0.0 && isfinite(p0); break;
    case SN_NOISE_INVNAKAGAMI:
    case SN_NOISE_BETA: ok = p0 > 0.0 && isfinite(p0) && p1 > 0.0 && isfinite(p1); break;
    case SN_NOISE_UNIFORM: ok = p0 >= 0.0 && p1 > p0 && isfinite(p1); break;
    default: ok = false; break;
    }
    if (!ok)
        return sn_fail(err, SN_EINVAL, "prior: %s noise parameters (%g, %g) out of range",
                       sn_noise_family_name(nz->family), p0, p1);
    ps->family = nz->family;
    ps->p0 = p0;
    ps->p1 = p1;
    ps->k = 1.0;
    if (nz->mean_one && nz->family != SN_NOISE_NONE) {
        sn_noise raw = *nz;
        raw.mean_one = false;
        double mean = sn_noise_moments_of(&raw).mean;
        if (!(mean > 0.0) || !isfinite(mean))
            return sn_fail(err, SN_EINVAL, "prior: %s noise cannot be scaled to mean one "
                                           "(E[xi] = %g)", sn_noise_family_name(nz->family), mean);
        ps->k = 1.0 / mean;
    }
    ps->s = sigma0 * ps->k;
    ps->atom = nz->family == SN_NOISE_BERNOULLI ? 1.0 - p0 : 0.0;
    return SN_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Closed-form densities                                                                       */
/* ------------------------------------------------------------------------------------------ */

/* Running log-sum-exp: sum = sum_i exp(x_i - m), m = max_i x_i. */
typedef struct {
    double m, sum;
} log_acc;

static void log_acc_add(log_acc *acc, double x)
{
    if (x > acc->m) {
        acc->sum = acc->sum * exp(acc->m - x) + 1.0;
        acc->m = x;
    } else {
        acc->sum += exp(x - acc->m);
    }
}

static double log_acc_value(const log_acc *acc)
{
    return acc->m + log(acc->sum);
}

/*
 * Mean-one Gaussian noise N(1, alpha), (10)-(11): xi^2 = alpha chi'^2_1(1/alpha) is a Poisson(c)
 * mixture, c = 1/(2 alpha), of Gamma(k + 1/2, scale theta = 2 alpha), so
 *
 *   p(w) = sum_k T_k ,  T_k = Pois(k; c) VG_{k+1/2, theta}(w)
 *   VG_{a,theta}(w) = 2 / (Gamma(a) theta^a sqrt(2 pi) s) (x theta/2)^{a-1/2} K_{a-1/2}(x),
 *                     x = sqrt(2) |w| / (s sqrt(theta)) = |w| / (s sqrt(alpha))
 *
 * (x theta/2 = |w| sqrt(theta)/(sqrt(2) s) as in (11)). The Bessel orders a - 1/2 = k are
 * integers, and successive terms differ by
 *
 *   T_{k+1} / T_k = c x R_k / (2 (k + 1) (k + 1/2)) ,   R_k = K_{k+1}(x) / K_k(x),
 *   R_0 = K_1/K_0 (GSL, scaled),  R_k = 1/R_{k-1} + 2k/x   (DLMF 10.29.1, K_{k+1} = K_{k-1} +
 *                                                           (2k/x) K_k; stable for increasing k)
 *   T_0 = e^{-c} 2 K_0(x) / (sqrt(pi theta) sqrt(2 pi) s).
 *
 * The terms are summed in log space from k = 0. GSL's lnK_nu is not used for k >= 1: once
 * K_k(x) exceeds the largest double it switches to an asymptotic expansion good to only ~1e-6
 * (measured: relative error 1.5e-6 at nu = 148, x = 1, against the recurrence and scipy), which
 * would limit (10) to ~6 digits for alpha below ~0.01 near w = 0. Truncation: stop at the first k
 * past the largest term whose term is below POISSON_TOL times the partial sum and at most half
 * the previous one; the term ratio keeps falling (like c/k), so the rest is below 2 POISSON_TOL
 * relative. Cost O(c + sqrt(c) + sqrt(x c)) cheap steps. p(0) = +inf (log singularity of K_0).
 * Input |w| > 0 finite; s, alpha > 0. NAN if the series does not settle in POISSON_MAX_TERMS.
 */
static double gaussian_noise_pdf(double alpha, double s, double w)
{
    double c = 1.0 / (2.0 * alpha), theta = 2.0 * alpha;
    double x = fabs(w) / (s * sqrt(alpha));
    if (!(x > 0.0))
        return INFINITY; /* |w| underflowed against s sqrt(alpha): the log singularity at 0 */
    /* Far tail: for large x, T_k ~ e^{-c-x} (c x / 2)^k / (k! Gamma(k + 1/2)) peaks near
     * e^{-x + sqrt(2 c x) - c} <= e^{-0.64 x} when x >= 16 c, and O(sqrt(c x)) terms matter, so
     * beyond x = 3000 the density is below the smallest double; stop here instead of summing
     * ~sqrt(c x) terms to get 0. */
    if (x >= 16.0 * c && x > 3000.0)
        return 0.0;
    gsl_sf_result k0, k1;
    if (gsl_sf_bessel_K0_scaled_e(x, &k0) != GSL_SUCCESS ||
        gsl_sf_bessel_K1_scaled_e(x, &k1) != GSL_SUCCESS)
        return NAN;
    double r = k1.val / k0.val; /* R_0; the scaling e^x cancels */
    double lt = -c + M_LN2 - 0.5 * log(M_PI * theta) - 0.5 * log(2.0 * M_PI) - log(s) +
                log(k0.val) - x;
    double log_tol = log(POISSON_TOL);
    log_acc acc = {-INFINITY, 0.0};
    log_acc_add(&acc, lt);
    double peak = lt, prev = lt;
    for (unsigned long k = 0; k < POISSON_MAX_TERMS; k++) {
        double kd = (double)k;
        lt += log(c * x * r / (2.0 * (kd + 1.0) * (kd + 0.5)));
        log_acc_add(&acc, lt);
        peak = fmax(peak, lt);
        if (lt < peak && lt < prev - M_LN2 && lt - log_acc_value(&acc) < log_tol)
            return exp(log_acc_value(&acc));
        prev = lt;
        r = 1.0 / r + 2.0 * (kd + 1.0) / x; /* R_{k+1} */
    }
    return NAN;
}

/*
 * Horseshoe density (14), half-Cauchy(eta) noise with t = s eta:
 *     p(w) = e^u E1(u) / (t sqrt(2 pi^3)),  u = w^2/(2 t^2),
 * with GSL's scaled E1 (e^u E1(u) ~ 1/u for large u, no overflow). p(0) = +inf.
 */
static double horseshoe_pdf(double t, double w)
{
    if (w == 0.0)
        return INFINITY;
    double u = (w / t) * (w / t) / 2.0;
    if (!isfinite(u))
        return 0.0;
    gsl_sf_result e1;
    if (gsl_sf_expint_E1_scaled_e(u, &e1) != GSL_SUCCESS)
        return NAN;
    return e1.val / (t * sqrt(2.0 * M_PI * M_PI * M_PI));
}

/*
 * Uniform(lo, hi) noise (16): p(w) = [E1(u_hi) - E1(u_lo)] / (2 sqrt(2 pi) s (hi - lo)),
 * u_x = w^2 / (2 s^2 x^2), E1(inf) := 0 (lo = 0). Written with scaled E1 so that neither term
 * underflows before the difference does:
 *     E1(u_hi) - E1(u_lo) = e^{-u_hi} [E1s(u_hi) - e^{-(u_lo - u_hi)} E1s(u_lo)]
 * At w = 0: ln(hi/lo) / (sqrt(2 pi) s (hi - lo)) (= E[1/xi] / (sqrt(2 pi) s)), +inf for lo = 0.
 */
static double uniform_noise_pdf(double lo, double hi, double s, double w)
{
    double norm = 2.0 * sqrt(2.0 * M_PI) * s * (hi - lo);
    if (w == 0.0)
        return lo > 0.0 ? 2.0 * log(hi / lo) / norm : INFINITY;
    double a = (w / s) * (w / s) / 2.0;
    double u_hi = a / (hi * hi);
    if (!isfinite(u_hi))
        return 0.0;
    gsl_sf_result e_hi, e_lo = {0.0, 0.0};
    if (gsl_sf_expint_E1_scaled_e(u_hi, &e_hi) != GSL_SUCCESS)
        return NAN;
    double diff = e_hi.val;
    if (lo > 0.0) {
        double gap = a * (1.0 / (lo * lo) - 1.0 / (hi * hi)); /* u_lo - u_hi >= 0 */
        if (gap < 745.0) { /* beyond, e^{-gap} underflows and the lo term vanishes */
            if (gsl_sf_expint_E1_scaled_e(u_hi + gap, &e_lo) != GSL_SUCCESS)
                return NAN;
            diff -= exp(-gap) * e_lo.val;
        }
    }
    return exp(-u_hi) * diff / norm;
}

/*
 * Lower tail of the Uniform(lo, hi) mixture in closed form. With c = |w|/s,
 *
 *   Q(c) = P(W <= -|w|) = 1/(hi - lo) ∫_lo^hi Phic(c/x) dx ,   Phic = 1 - Phi,
 *   ∫ Phic(c/x) dx = x Phic(c/x) - c/(2 sqrt(2 pi)) E1(c^2/(2 x^2))
 *
 * (differentiate: d/dx [x Phic(c/x)] = Phic(c/x) + (c/x) phi(c/x), and
 * d/dx E1(c^2/(2x^2)) = 2 e^{-c^2/(2x^2)}/x, so the second term removes (c/x) phi(c/x)). At x = 0
 * both terms vanish. The two differences (hi vs lo) are each positive; their difference cancels
 * in the far tail by a factor ~u_hi = c^2/(2 hi^2), i.e. at most ~3 digits while Q is
 * representable (u_hi < 745).
 */
static double uniform_lower_tail(double lo, double hi, double c)
{
    if (c == 0.0)
        return 0.5;
    double kk = c / (2.0 * sqrt(2.0 * M_PI));
    double t1 = hi * gsl_cdf_ugaussian_Q(c / hi), t2;
    gsl_sf_result e;
    if (gsl_sf_expint_E1_e(c * c / (2.0 * hi * hi), &e) != GSL_SUCCESS)
        e.val = 0.0; /* underflow: the whole tail is below the smallest double */
    t2 = kk * e.val;
    if (lo > 0.0) {
        t1 -= lo * gsl_cdf_ugaussian_Q(c / lo);
        if (gsl_sf_expint_E1_e(c * c / (2.0 * lo * lo), &e) != GSL_SUCCESS)
            e.val = 0.0;
        t2 -= kk * e.val;
    }
    double q = (t1 - t2) / (hi - lo);
    return q > 0.0 ? q : 0.0;
}

/* ------------------------------------------------------------------------------------------ */
/* Quadrature of (7)                                                                           */
/* ------------------------------------------------------------------------------------------ */

typedef enum { KERNEL_PDF, KERNEL_TAIL } kernel_kind;

typedef struct {
    const prior_spec *ps;
    kernel_kind kind;
    double c; /* |w| / s > 0 */
    gsl_integration_workspace *ws;
} quad_ctx;

/* The kernel at |xi| = x: N(w; 0, s^2 x^2) = phi(c/x) / (s x) (pdf), or Phic(c/x) (lower tail
 * P(x z <= -|w|)). Both vanish as x -> 0 for c > 0. */
static double kernel(const quad_ctx *q, double x)
{
    if (!(x > 0.0))
        return 0.0;
    if (!isfinite(x))
        return q->kind == KERNEL_PDF ? 0.0 : 0.5;
    if (q->kind == KERNEL_PDF)
        return gsl_ran_ugaussian_pdf(q->c / x) / (q->ps->s * x);
    return gsl_cdf_ugaussian_Q(q->c / x);
}

/* N(1, alpha) noise, xi = 1 + sqrt(alpha) eps: (7) becomes
 *     ∫ K(|1 + sqrt(alpha) eps|) phi(eps) deps,
 * whose weight has unit width whatever alpha (no narrow peak for small alpha). */
static double integrand_gaussian(double eps, void *p)
{
    const quad_ctx *q = p;
    return kernel(q, fabs(1.0 + sqrt(q->ps->p0) * eps)) * gsl_ran_ugaussian_pdf(eps);
}

/* half-Cauchy(eta), over its quantile: xi(u) = eta tan(pi u / 2). */
static double integrand_halfcauchy(double u, void *p)
{
    const quad_ctx *q = p;
    return kernel(q, q->ps->p0 * tan(M_PI_2 * u));
}

/* Beta(a, b) over xi in (0, 1) with its density. */
static double integrand_beta(double x, void *p)
{
    const quad_ctx *q = p;
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
static sn_status mixture_integral(quad_ctx *q, double *out, sn_error *err)
{
    const prior_spec *ps = q->ps;
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
        int rc = gsl_integration_qags(&fn, pts[i], pts[i + 1], 0.0, QUAD_EPSREL, QUAD_LIMIT,
                                      q->ws, &r, &e);
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

/* ------------------------------------------------------------------------------------------ */
/* Density and lower tail of the continuous part                                               */
/* ------------------------------------------------------------------------------------------ */

/* Density of the continuous part at w (not NaN): formulas in the header comment of this file. */
static sn_status pdf_impl(const prior_spec *ps, gsl_integration_workspace *ws, double w,
                          double *out, sn_error *err)
{
    double s = ps->s, p0 = ps->p0, p1 = ps->p1;
    if (isinf(w)) {
        *out = 0.0;
        return SN_OK;
    }
    switch (ps->family) {
    case SN_NOISE_NONE:
        *out = gsl_ran_gaussian_pdf(w, s);
        break;
    case SN_NOISE_BERNOULLI: /* (9), continuous part */
        *out = p0 * gsl_ran_gaussian_pdf(w, s);
        break;
    case SN_NOISE_GAUSSIAN: /* (10)-(11) */
        *out = w == 0.0 ? INFINITY : gaussian_noise_pdf(p0, s, w);
        break;
    case SN_NOISE_RAYLEIGH: /* (12) */
        *out = gsl_ran_laplace_pdf(w, s * p0);
        break;
    case SN_NOISE_INVNAKAGAMI: { /* (13) */
        double scale = s / sqrt(p1);
        *out = gsl_ran_tdist_pdf(w / scale, 2.0 * p0) / scale;
        break;
    }
    case SN_NOISE_HALFCAUCHY: /* (14) */
        *out = horseshoe_pdf(s * p0, w);
        break;
    case SN_NOISE_BETA: /* (15): quadrature; at 0, E[1/xi] / (sqrt(2 pi) s) */
        if (w == 0.0) {
            *out = p0 > 1.0 ? (p0 + p1 - 1.0) / (p0 - 1.0) / (sqrt(2.0 * M_PI) * s) : INFINITY;
        } else {
            quad_ctx q = {ps, KERNEL_PDF, fabs(w) / s, ws};
            return mixture_integral(&q, out, err);
        }
        break;
    case SN_NOISE_UNIFORM: /* (16) */
        *out = uniform_noise_pdf(p0, p1, s, w);
        break;
    }
    if (isnan(*out))
        return sn_fail(err, SN_ENUMERIC, "prior: density of %s noise at w = %g is NaN",
                       sn_noise_family_name(ps->family), w);
    return SN_OK;
}

/* Q(c) = P(W <= -c s) counting only the continuous part (so Q(0) = (1 - atom)/2), c >= 0. */
static sn_status lower_tail(const prior_spec *ps, gsl_integration_workspace *ws, double c,
                            double *out, sn_error *err)
{
    double p0 = ps->p0, p1 = ps->p1;
    if (c == 0.0) {
        *out = 0.5 * (1.0 - ps->atom);
        return SN_OK;
    }
    if (isinf(c)) {
        *out = 0.0;
        return SN_OK;
    }
    switch (ps->family) {
    case SN_NOISE_NONE:
        *out = gsl_cdf_ugaussian_Q(c);
        return SN_OK;
    case SN_NOISE_BERNOULLI:
        *out = p0 * gsl_cdf_ugaussian_Q(c);
        return SN_OK;
    case SN_NOISE_RAYLEIGH: /* Laplace(0, b = s r): lower tail (1/2) e^{-|w|/b} */
        *out = 0.5 * exp(-c / p0);
        return SN_OK;
    case SN_NOISE_INVNAKAGAMI: /* t_{2m} at -|w| sqrt(Om)/s */
        *out = gsl_cdf_tdist_P(-c * sqrt(p1), 2.0 * p0);
        return SN_OK;
    case SN_NOISE_UNIFORM:
        *out = uniform_lower_tail(p0, p1, c);
        return SN_OK;
    case SN_NOISE_GAUSSIAN:
    case SN_NOISE_HALFCAUCHY:
    case SN_NOISE_BETA: {
        quad_ctx q = {ps, KERNEL_TAIL, c, ws};
        return mixture_integral(&q, out, err);
    }
    }
    return sn_fail(err, SN_EINVAL, "prior: unknown noise family %d", (int)ps->family);
}

/* Whether the CDF needs quadrature (and tabulation in the KS test). */
static bool cdf_needs_quadrature(sn_noise_family f)
{
    return f == SN_NOISE_GAUSSIAN || f == SN_NOISE_HALFCAUCHY || f == SN_NOISE_BETA;
}

/* F(w) (right-continuous, atom included) and its left limit F(w-) from the lower tail q of
 * |w|/s. The atom at 0 (Bernoulli) is the only jump. */
static void cdf_from_tail(const prior_spec *ps, double w, double q, double *right, double *left)
{
    double F;
    if (w < 0.0)
        F = q;
    else if (w > 0.0)
        F = 1.0 - q;
    else
        F = 0.5 * (1.0 - ps->atom) + ps->atom;
    *right = F;
    if (left)
        *left = w == 0.0 ? 0.5 * (1.0 - ps->atom) : F;
}

/* ------------------------------------------------------------------------------------------ */
/* Public density and CDF                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* Density of the continuous part of the marginal prior (7) at w; +inf at w = 0 where the mixture
 * has a singularity (N(1, alpha), half-Cauchy, Uniform with lo = 0, Beta with a <= 1). */
sn_status sn_prior_pdf(const sn_noise *nz, double sigma0, double w, double *out, sn_error *err)
{
    prior_spec ps;
    sn_status st = prior_setup(nz, sigma0, &ps, err);
    if (st != SN_OK)
        return st;
    if (!out || isnan(w))
        return sn_fail(err, SN_EINVAL, "prior density: w is NaN or no output given");
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    gsl_integration_workspace *ws = NULL;
    if (ps.family == SN_NOISE_BETA && (ws = gsl_integration_workspace_alloc(QUAD_LIMIT)) == NULL)
        st = sn_fail(err, SN_ENOMEM, "out of memory for the quadrature workspace");
    else
        st = pdf_impl(&ps, ws, w, out, err);
    gsl_integration_workspace_free(ws);
    gsl_set_error_handler(old);
    return st;
}

/* F(w) = P(W <= w) of (7), the atom of Bernoulli noise included. */
sn_status sn_prior_cdf(const sn_noise *nz, double sigma0, double w, double *out, sn_error *err)
{
    prior_spec ps;
    sn_status st = prior_setup(nz, sigma0, &ps, err);
    if (st != SN_OK)
        return st;
    if (!out || isnan(w))
        return sn_fail(err, SN_EINVAL, "prior CDF: w is NaN or no output given");
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    gsl_integration_workspace *ws = NULL;
    double q = 0.0;
    if (cdf_needs_quadrature(ps.family) &&
        (ws = gsl_integration_workspace_alloc(QUAD_LIMIT)) == NULL)
        st = sn_fail(err, SN_ENOMEM, "out of memory for the quadrature workspace");
    else
        st = lower_tail(&ps, ws, fabs(w) / ps.s, &q, err);
    if (st == SN_OK)
        cdf_from_tail(&ps, w, q, out, NULL);
    gsl_integration_workspace_free(ws);
    gsl_set_error_handler(old);
    return st;
}

/* ------------------------------------------------------------------------------------------ */
/* Description (MATH.md §2, second table)                                                      */
/* ------------------------------------------------------------------------------------------ */

/*
 * Names with parameters of the law of xi^2 (the variance multiplier, as drawn: after mean-one
 * scaling) and of the marginal p(w). For a mean-one draw xi' = k xi, k = 1/E[xi]:
 *   Bernoulli      {0, k^2} w.p. {1 - pi, pi};      spike-and-slab pi N(0, (sigma0 k)^2) + ...
 *   N(1, alpha)    alpha chi'^2_1(1/alpha) = sum_k Pois(k; c) Gamma(k + 1/2, scale 2 alpha)
 *   Rayleigh(r)    Exponential(mean 2 (k r)^2);      Laplace(0, b = sigma0 k r)
 *   invNak(m, Om)  InvGamma(shape m, scale k^2 m/Om); Student-t(nu = 2m, scale sigma0 k/sqrt(Om))
 *   halfCauchy(e)  e^2 BetaPrime(1/2, 1/2);          horseshoe(global scale sigma0 e)
 *   Beta(a, b)     (k B)^2, CDF I_{sqrt(v)/k}(a, b);  N(0, (sigma0 k x)^2), x ~ Beta(a, b)
 *   Uniform(l, h)  density 1/(2 k (h - l) sqrt(v)) on [(k l)^2, (k h)^2];  (16) with s = sigma0 k
 */
sn_status sn_prior_describe(const sn_noise *nz, double sigma0, char *var_law, size_t var_size,
                            char *marginal, size_t marginal_size, sn_error *err)
{
    prior_spec ps;
    sn_status st = prior_setup(nz, sigma0, &ps, err);
    if (st != SN_OK)
        return st;
    if ((!var_law && var_size) || (!marginal && marginal_size))
        return sn_fail(err, SN_EINVAL, "prior description: NULL buffer with nonzero size");
    char vbuf[256], mbuf[256];
    double k = ps.k, s = ps.s, p0 = ps.p0, p1 = ps.p1;
    switch (ps.family) {
    case SN_NOISE_NONE:
        snprintf(vbuf, sizeof vbuf, "1 (no noise)");
        snprintf(mbuf, sizeof mbuf, "N(0, %.6g^2)", s);
        break;
    case SN_NOISE_BERNOULLI:
        if (k == 1.0)
            snprintf(vbuf, sizeof vbuf, "Bernoulli(pi = %.6g)", p0);
        else
            snprintf(vbuf, sizeof vbuf, "{0, %.6g} with probabilities {%.6g, %.6g}", k * k,
                     1.0 - p0, p0);
        snprintf(mbuf, sizeof mbuf, "spike-and-slab: %.6g N(0, %.6g^2) + %.6g delta_0", p0, s,
                 1.0 - p0);
        break;
    case SN_NOISE_GAUSSIAN: {
        double c = 1.0 / (2.0 * p0), th = 2.0 * p0 * k * k;
        snprintf(vbuf, sizeof vbuf,
                 "%.6g * noncentral chi^2(1 dof, noncentrality %.6g) = sum_k Poisson(k; %.6g) "
                 "Gamma(k + 1/2, scale %.6g)", p0 * k * k, 1.0 / p0, c, th);
        snprintf(mbuf, sizeof mbuf,
                 "sum_k Poisson(k; %.6g) VG(k + 1/2, theta = %.6g; sigma0 = %.6g): Poisson "
                 "mixture of variance-gamma laws", c, 2.0 * p0, s);
        break;
    }
    case SN_NOISE_RAYLEIGH:
        snprintf(vbuf, sizeof vbuf, "Exponential(mean %.6g)", 2.0 * (k * p0) * (k * p0));
        snprintf(mbuf, sizeof mbuf, "Laplace(0, b = %.6g)", s * p0);
        break;
    case SN_NOISE_INVNAKAGAMI:
        snprintf(vbuf, sizeof vbuf, "InvGamma(shape %.6g, scale %.6g)", p0, k * k * p0 / p1);
        snprintf(mbuf, sizeof mbuf, "Student-t(nu = %.6g, scale = %.6g)", 2.0 * p0,
                 s / sqrt(p1));
        break;
    case SN_NOISE_HALFCAUCHY:
        snprintf(vbuf, sizeof vbuf, "%.6g * BetaPrime(1/2, 1/2)", (k * p0) * (k * p0));
        snprintf(mbuf, sizeof mbuf, "horseshoe(global scale %.6g)", s * p0);
        break;
    case SN_NOISE_BETA:
        if (k == 1.0)
            snprintf(vbuf, sizeof vbuf, "Beta(%.6g, %.6g)^2, CDF I_sqrt(v)(%.6g, %.6g)", p0, p1,
                     p0, p1);
        else
            snprintf(vbuf, sizeof vbuf, "(%.6g Beta(%.6g, %.6g))^2, CDF I_{sqrt(v)/%.6g}(%.6g, "
                     "%.6g)", k, p0, p1, k, p0, p1);
        snprintf(mbuf, sizeof mbuf, "N(0, (%.6g x)^2) mixed over x ~ Beta(%.6g, %.6g) (no closed "
                 "form)", s, p0, p1);
        break;
    case SN_NOISE_UNIFORM:
        snprintf(vbuf, sizeof vbuf, "density 1/(%.6g sqrt(v)) on [%.6g, %.6g]",
                 2.0 * k * (p1 - p0), (k * p0) * (k * p0), (k * p1) * (k * p1));
        snprintf(mbuf, sizeof mbuf, "N(0, (%.6g x)^2) mixed over x ~ U(%.6g, %.6g): "
                 "exponential-integral difference (16)", sigma0, k * p0, k * p1);
        break;
    }
    if (var_size)
        snprintf(var_law, var_size, "%s", vbuf);
    if (marginal_size)
        snprintf(marginal, marginal_size, "%s", mbuf);
    return SN_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Kolmogorov–Smirnov check                                                                    */
/* ------------------------------------------------------------------------------------------ */

/*
 * Asymptotic Kolmogorov survival function Q_KS(lambda) = P(sqrt(n) D > lambda):
 *     Q_KS = 2 sum_{j>=1} (-1)^{j-1} exp(-2 j^2 lambda^2)                      (lambda >= 1.18)
 *     Q_KS = 1 - sqrt(2 pi)/lambda sum_{j>=1} exp(-(2j-1)^2 pi^2 / (8 lambda^2))  (lambda < 1.18)
 * (the two are equal by Jacobi's theta identity; each converges fast on its side). The caller
 * uses lambda = (sqrt(n) + 0.12 + 0.11/sqrt(n)) D (Stephens' small-sample correction).
 */
static double kolmogorov_q(double lambda)
{
    if (!(lambda > 0.0))
        return 1.0;
    double sum = 0.0;
    if (lambda < 1.18) {
        for (int j = 1; j < 100; j++) {
            double t = exp(-(2.0 * j - 1) * (2.0 * j - 1) * M_PI * M_PI / (8.0 * lambda * lambda));
            sum += t;
            if (t <= 1e-17 * sum)
                break;
        }
        double q = 1.0 - sqrt(2.0 * M_PI) / lambda * sum;
        return q < 0.0 ? 0.0 : q;
    }
    for (int j = 1; j < 100; j++) {
        double t = exp(-2.0 * j * j * lambda * lambda);
        sum += (j % 2 ? t : -t);
        if (t <= 1e-17 * fabs(sum))
            break;
    }
    double q = 2.0 * sum;
    return q < 0.0 ? 0.0 : q > 1.0 ? 1.0 : q;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The tabulated lower tail Q(c), c = KS_DELTA sinh(y), for c in [0, c_max]. */
typedef struct {
    double *y, *q; /* [n] */
    size_t n;
    gsl_interp *interp;
    gsl_interp_accel *acc;
} tail_table;

/* Frees a table in any state of construction and zeroes it. */
static void tail_table_free(tail_table *t)
{
    gsl_interp_free(t->interp);
    gsl_interp_accel_free(t->acc);
    free(t->y);
    free(t->q);
    memset(t, 0, sizeof *t);
}

/* Tabulate Q(c_j), c_j = KS_DELTA sinh(y_j), y_j = j h for j = 0..n-1 with h <= KS_STEP and
 * c_{n-1} >= c_max (at least 4 points, Steffen needs 3). */
static sn_status tail_table_build(const prior_spec *ps, gsl_integration_workspace *ws,
                                  double c_max, tail_table *t, sn_error *err)
{
    memset(t, 0, sizeof *t);
    double y_max = fmax(asinh(c_max / KS_DELTA), 3.0 * KS_STEP);
    size_t n = (size_t)ceil(y_max / KS_STEP) + 1;
    t->n = n;
    t->y = malloc(n * sizeof *t->y);
    t->q = malloc(n * sizeof *t->q);
    t->interp = gsl_interp_alloc(gsl_interp_steffen, n);
    t->acc = gsl_interp_accel_alloc();
    if (!t->y || !t->q || !t->interp || !t->acc) {
        tail_table_free(t);
        return sn_fail(err, SN_ENOMEM, "out of memory for the KS table of %zu points", n);
    }
    double h = y_max / (double)(n - 1);
    for (size_t j = 0; j < n; j++) {
        t->y[j] = h * (double)j;
        sn_status st = lower_tail(ps, ws, KS_DELTA * sinh(t->y[j]), &t->q[j], err);
        if (st != SN_OK) {
            tail_table_free(t);
            return st;
        }
    }
    if (gsl_interp_init(t->interp, t->y, t->q, n) != GSL_SUCCESS) {
        tail_table_free(t);
        return sn_fail(err, SN_ENUMERIC, "prior KS: interpolation table could not be built");
    }
    return SN_OK;
}

/* Q(c) by Steffen's monotone cubic in y = asinh(c / KS_DELTA); constant beyond the table. */
static double tail_table_eval(const tail_table *t, double c)
{
    double y = asinh(c / KS_DELTA);
    if (y >= t->y[t->n - 1])
        return t->q[t->n - 1];
    return gsl_interp_eval(t->interp, t->y, t->q, y, t->acc);
}

/*
 * KS distance between the empirical CDF of w_i = xi_i z_i (xi_i from sample_nz,
 * z_i ~ N(0, sigma0^2), n draws from sn_rng_new(seed, 0): all xi first, then the z) and the CDF F
 * of the prior implied by target_nz:
 *     D = max over distinct sample values x of max(|F_n(x) - F(x)|, |F_n(x-) - F(x-)|)
 * which is the supremum even when F has the Bernoulli atom at 0 and the sample has ties there
 * (between consecutive sample values F_n is constant and F monotone). p-value from
 * kolmogorov_q(lambda), lambda = (sqrt(n) + 0.12 + 0.11/sqrt(n)) D; it is exact asymptotically
 * for a continuous F and conservative when F has an atom. Where F needs quadrature it is
 * tabulated once (tail_table) instead of integrated at each of the n points.
 */
sn_status sn_prior_ks(const sn_noise *sample_nz, const sn_noise *target_nz, double sigma0,
                      size_t n, uint64_t seed, double *ks_d, double *ks_p, sn_error *err)
{
    if (!sample_nz || !ks_d || !ks_p)
        return sn_fail(err, SN_EINVAL, "prior KS: NULL argument");
    if (n == 0)
        return sn_fail(err, SN_EINVAL, "prior KS: needs n >= 1 draws");
    sn_status st = sn_noise_check(sample_nz, err);
    if (st != SN_OK)
        return st;
    prior_spec ps;
    if ((st = prior_setup(target_nz, sigma0, &ps, err)) != SN_OK)
        return st;

    gsl_error_handler_t *old = gsl_set_error_handler_off();
    gsl_integration_workspace *ws = NULL;
    tail_table tab = {0};
    bool use_table = cdf_needs_quadrature(ps.family);
    double D = 0.0, rn = sqrt((double)n);
    sn_rng *rng = sn_rng_new(seed, 0);
    double *w = sn_calloc(n, sizeof *w);
    if (!rng || !w) {
        st = sn_fail(err, SN_ENOMEM, "out of memory for %zu KS draws", n);
        goto done;
    }
    sn_noise_sample(sample_nz, rng, w, n);
    for (size_t i = 0; i < n; i++)
        w[i] *= sigma0 * sn_rng_normal(rng);
    qsort(w, n, sizeof *w, cmp_double);

    if (use_table) {
        if (!(ws = gsl_integration_workspace_alloc(QUAD_LIMIT))) {
            st = sn_fail(err, SN_ENOMEM, "out of memory for the quadrature workspace");
            goto done;
        }
        double c_max = fmax(fabs(w[0]), fabs(w[n - 1])) / ps.s;
        if (!isfinite(c_max)) {
            st = sn_fail(err, SN_ENUMERIC, "prior KS: a draw is not finite");
            goto done;
        }
        if ((st = tail_table_build(&ps, ws, c_max, &tab, err)) != SN_OK)
            goto done;
    }

    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && w[j] == w[i])
            j++;
        double c = fabs(w[i]) / ps.s, q, F, F_left;
        if (use_table)
            q = tail_table_eval(&tab, c);
        else if ((st = lower_tail(&ps, ws, c, &q, err)) != SN_OK)
            goto done;
        cdf_from_tail(&ps, w[i], q, &F, &F_left);
        D = fmax(D, fmax(fabs((double)j / (double)n - F), fabs((double)i / (double)n - F_left)));
        i = j;
    }
    *ks_d = D;
    *ks_p = kolmogorov_q((rn + 0.12 + 0.11 / rn) * D);

done:
    tail_table_free(&tab);
    gsl_integration_workspace_free(ws);
    free(w);
    sn_rng_free(rng);
    gsl_set_error_handler(old);
    return st;
}
