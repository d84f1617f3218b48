/*
 * prior.c — the marginal prior on a weight implied by multiplicative noise (MATH.md §2, paper
 * Table 1): its density and CDF. Beside it: prior_quad.c (the quadrature of (7) where there is no
 * closed form), prior_describe.c (the laws in words) and prior_ks.c (a Kolmogorov–Smirnov check
 * of samples); prior.h holds what they share.
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
#include "core/prior.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_bessel.h>
#include <gsl/gsl_sf_expint.h>
#include <math.h>

/* ------------------------------------------------------------------------------------------ */
/* Tolerances                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* Poisson series (10): relative truncation error (gaussian_noise_pdf). POISSON_MAX_TERMS is a
 * guard: the series needs about 1/(2 alpha) + 10 sqrt(1/(2 alpha)) + sqrt(|w|/(s alpha)) terms,
 * so alpha down to ~1e-7 is covered (0.1 s per density at worst). */
#define POISSON_TOL 1e-17
#define POISSON_MAX_TERMS 10000000UL

/* ------------------------------------------------------------------------------------------ */
/* The prior of one noise: raw parameters and effective scale                                  */
/* ------------------------------------------------------------------------------------------ */

/* Check nz and sigma0 and fill ps. SN_EINVAL for a bad noise (sn_noise_check), a noise that cannot
 * be scaled to mean one, or sigma0 not finite and > 0. */
sn_status sn_prior_setup(const sn_noise *nz, double sigma0, sn_prior_spec *ps, sn_error *err)
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
/* Density and lower tail of the continuous part                                               */
/* ------------------------------------------------------------------------------------------ */

/* Density of the continuous part at w (not NaN): formulas in the header comment of this file. */
static sn_status pdf_impl(const sn_prior_spec *ps, gsl_integration_workspace *ws, double w,
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
            sn_prior_quad q = {ps, SN_KERNEL_PDF, fabs(w) / s, ws};
            return sn_prior_mixture_integral(&q, out, err);
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
sn_status sn_prior_lower_tail(const sn_prior_spec *ps, gsl_integration_workspace *ws, double c,
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
        sn_prior_quad q = {ps, SN_KERNEL_TAIL, c, ws};
        return sn_prior_mixture_integral(&q, out, err);
    }
    }
    return sn_fail(err, SN_EINVAL, "prior: unknown noise family %d", (int)ps->family);
}

/* Whether the CDF needs quadrature (and tabulation in the KS test). */
bool sn_prior_needs_quadrature(sn_noise_family f)
{
    return f == SN_NOISE_GAUSSIAN || f == SN_NOISE_HALFCAUCHY || f == SN_NOISE_BETA;
}

/* F(w) (right-continuous, atom included) and its left limit F(w-) from the lower tail q of
 * |w|/s. The atom at 0 (Bernoulli) is the only jump. */
void sn_prior_cdf_from_tail(const sn_prior_spec *ps, double w, double q, double *right,
                            double *left)
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
    sn_prior_spec ps;
    sn_status st = sn_prior_setup(nz, sigma0, &ps, err);
    if (st != SN_OK)
        return st;
    if (!out || isnan(w))
        return sn_fail(err, SN_EINVAL, "prior density: w is NaN or no output given");
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    gsl_integration_workspace *ws = NULL;
    if (ps.family == SN_NOISE_BETA &&
        (ws = gsl_integration_workspace_alloc(SN_PRIOR_QUAD_LIMIT)) == NULL)
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
    sn_prior_spec ps;
    sn_status st = sn_prior_setup(nz, sigma0, &ps, err);
    if (st != SN_OK)
        return st;
    if (!out || isnan(w))
        return sn_fail(err, SN_EINVAL, "prior CDF: w is NaN or no output given");
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    gsl_integration_workspace *ws = NULL;
    double q = 0.0;
    if (sn_prior_needs_quadrature(ps.family) &&
        (ws = gsl_integration_workspace_alloc(SN_PRIOR_QUAD_LIMIT)) == NULL)
        st = sn_fail(err, SN_ENOMEM, "out of memory for the quadrature workspace");
    else
        st = sn_prior_lower_tail(&ps, ws, fabs(w) / ps.s, &q, err);
    if (st == SN_OK)
        sn_prior_cdf_from_tail(&ps, w, q, out, NULL);
    gsl_integration_workspace_free(ws);
    gsl_set_error_handler(old);
    return st;
}
