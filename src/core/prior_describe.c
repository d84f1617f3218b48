/*
 * prior_describe.c — sn_prior_describe: the law of the variance multiplier xi^2 and the
 * marginal prior p(w) implied by a noise, in words with their parameters (MATH.md §2, second
 * table; paper Table 1).
 */
#include "core/prior.h"

#include <math.h>

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
    sn_prior_spec ps;
    sn_status st = sn_prior_setup(nz, sigma0, &ps, err);
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
