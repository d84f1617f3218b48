/*
 * noise.c — the multiplicative noise families of MATH.md §2: parsing and formatting of the
 * "family:p1,p2" specification, range checks, samplers and closed-form moments.
 *
 * Every family is drawn raw (the table of MATH.md §2) and then, when nz->mean_one is set, divided
 * by its mean E[xi] (mean-one or "inverted" scaling, (8)). The scale factor is computed once per
 * call from the closed-form mean, never per draw.
 */
#include "core/core.h"

#include <ctype.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Longest part of a user's specification quoted in a message, so that the explanation after it
 * always fits in SN_ERROR_MSG_LEN (512). */
#define SHOW_MAX 160

/* ------------------------------------------------------------------------------------------ */
/* Family table                                                                                */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    size_t n_min, n_max;      /* how many parameters the specification may give */
    const char *usage;        /* the accepted form, for messages */
    const char *par_name[2];  /* what p[0] and p[1] mean, for messages */
} family_info;

/* Indexed by sn_noise_family; the order must follow the enum in shrinknet.h. */
static const family_info families[] = {
    [SN_NOISE_NONE] = {0, 0, "none", {NULL, NULL}},
    [SN_NOISE_BERNOULLI] = {1, 1, "bernoulli:pi", {"keep probability pi", NULL}},
    [SN_NOISE_GAUSSIAN] = {1, 1, "gaussian:alpha", {"variance alpha", NULL}},
    [SN_NOISE_RAYLEIGH] = {0, 1, "rayleigh[:s]", {"scale s", NULL}},
    [SN_NOISE_INVNAKAGAMI] = {1, 2, "invnakagami:m[,Omega]", {"shape m", "spread Omega"}},
    [SN_NOISE_HALFCAUCHY] = {1, 1, "halfcauchy:eta", {"scale eta", NULL}},
    [SN_NOISE_BETA] = {2, 2, "beta:a,b", {"shape a", "shape b"}},
    [SN_NOISE_UNIFORM] = {2, 2, "uniform:lo,hi", {"lower end lo", "upper end hi"}},
};
#define N_FAMILIES (sizeof families / sizeof families[0])

static bool family_is_valid(sn_noise_family f) { return (size_t)f < N_FAMILIES; }

/* Number of parameters of a family that sn_noise_format writes and sn_noise_check checks. */
static size_t n_params_of(sn_noise_family f) { return families[f].n_max; }

/* ------------------------------------------------------------------------------------------ */
/* Moments                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/*
 * Moments of the raw (unscaled) noise, MATH.md §2, first table (E[xi], E[xi^2], Var[xi]) and
 * second table (E[xi^-2]):
 *   Bernoulli(pi)           pi, pi, pi(1-pi), inf
 *   N(1, alpha)             1, 1+alpha, alpha, inf
 *   Rayleigh(s)             s sqrt(pi/2), 2 s^2, (4-pi) s^2/2, inf (log divergence)
 *   inv-Nakagami(m, Omega)  sqrt(m/Omega) Gamma(m-1/2)/Gamma(m) (m > 1/2), m/((m-1) Omega) (m > 1),
 *                           E[xi^2] - E[xi]^2, Omega
 *   half-Cauchy(eta)        all inf
 *   Beta(a, b)              a/(a+b), a(a+1)/((a+b)(a+b+1)), ab/((a+b)^2 (a+b+1)),
 *                           (a+b-1)(a+b-2)/((a-1)(a-2)) if a > 2 else inf
 *   Uniform(lo, hi)         (lo+hi)/2, (lo^2+lo hi+hi^2)/3, (hi-lo)^2/12, 1/(lo hi) if lo > 0
 *   none                    1, 1, 0, 1
 * The ratio Gamma(m-1/2)/Gamma(m) is exp(-lnpoch(m-1/2, 1/2)), which stays accurate for large m
 * where a difference of two lngamma values would cancel.
 */
static sn_noise_moments raw_moments(const sn_noise *nz)
{
    const double p0 = nz->p[0], p1 = nz->p[1];
    sn_noise_moments mo = {INFINITY, INFINITY, INFINITY, INFINITY};
    switch (nz->family) {
    case SN_NOISE_NONE:
        mo = (sn_noise_moments){1.0, 1.0, 0.0, 1.0};
        break;
    case SN_NOISE_BERNOULLI:
        mo.mean = p0;
        mo.mean_sq = p0;
        mo.var = p0 * (1.0 - p0);
        break;
    case SN_NOISE_GAUSSIAN:
        mo.mean = 1.0;
        mo.mean_sq = 1.0 + p0;
        mo.var = p0;
        break;
    case SN_NOISE_RAYLEIGH:
        mo.mean = p0 * sqrt(M_PI / 2.0);
        mo.mean_sq = 2.0 * p0 * p0;
        mo.var = (4.0 - M_PI) * p0 * p0 / 2.0;
        break;
    case SN_NOISE_INVNAKAGAMI:
        if (p0 > 0.5)
            mo.mean = sqrt(p0 / p1) * exp(-gsl_sf_lnpoch(p0 - 0.5, 0.5));
        if (p0 > 1.0) {
            mo.mean_sq = p0 / ((p0 - 1.0) * p1);
            mo.var = mo.mean_sq - mo.mean * mo.mean;
        }
        mo.mean_inv_sq = p1;
        break;
    case SN_NOISE_HALFCAUCHY:
        break;
    case SN_NOISE_BETA: {
        const double s = p0 + p1;
        mo.mean = p0 / s;
        mo.mean_sq = p0 * (p0 + 1.0) / (s * (s + 1.0));
        mo.var = p0 * p1 / (s * s * (s + 1.0));
        if (p0 > 2.0)
            mo.mean_inv_sq = (s - 1.0) * (s - 2.0) / ((p0 - 1.0) * (p0 - 2.0));
        break;
    }
    case SN_NOISE_UNIFORM:
        mo.mean = (p0 + p1) / 2.0;
        mo.mean_sq = (p0 * p0 + p0 * p1 + p1 * p1) / 3.0;
        mo.var = (p1 - p0) * (p1 - p0) / 12.0;
        if (p0 > 0.0)
            mo.mean_inv_sq = 1.0 / (p0 * p1);
        break;
    default:
        mo = (sn_noise_moments){NAN, NAN, NAN, NAN};
        break;
    }
    return mo;
}

/*
 * The factor c every draw is multiplied by: c = 1/E[xi] under mean-one scaling (8), else 1.
 * `none` is never scaled. A mean-one request that cannot be met (E[xi] infinite, zero, or so
 * small that 1/E[xi] overflows; sn_noise_check rejects these) gives NaN, so that draws and
 * moments of such a noise are NaN rather than silently unscaled.
 */
static double mean_one_scale(const sn_noise *nz)
{
    if (!nz->mean_one || nz->family == SN_NOISE_NONE)
        return 1.0;
    const double mean = raw_moments(nz).mean;
    const double c = 1.0 / mean;
    return (isfinite(mean) && mean > 0.0 && isfinite(c)) ? c : NAN;
}

/*
 * Moments after mean-one scaling (8): with c = 1/E[xi], E[c xi] = 1, E[(c xi)^2] = c^2 E[xi^2],
 * Var[c xi] = c^2 Var[xi], E[(c xi)^-2] = E[xi]^2 E[xi^-2] (MATH.md §2, E[xi^-2] column, and (23)).
 * Infinite moments stay infinite.
 */
sn_noise_moments sn_noise_moments_of(const sn_noise *nz)
{
    sn_noise_moments mo = raw_moments(nz);
    if (!nz->mean_one || nz->family == SN_NOISE_NONE)
        return mo;
    const double c = mean_one_scale(nz);
    if (isnan(c))
        return (sn_noise_moments){NAN, NAN, NAN, NAN};
    mo.mean_inv_sq *= mo.mean * mo.mean;
    mo.mean = 1.0;
    mo.mean_sq *= c * c;
    mo.var *= c * c;
    return mo;
}

/* ------------------------------------------------------------------------------------------ */
/* Checks                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* Check the parameters of nz and that mean-one scaling is possible. `shown` is how the noise is
 * named in messages (the user's specification, or nz formatted). */
static sn_status check_noise(const sn_noise *nz, const char *shown, sn_error *err)
{
    if (!family_is_valid(nz->family))
        return sn_fail(err, SN_EINVAL, "noise: unknown family number %d", (int)nz->family);
    const family_info *fi = &families[nz->family];
    const double p0 = nz->p[0], p1 = nz->p[1];
    char v0[40], v1[40];
    sn_format_real(v0, sizeof v0, p0);
    sn_format_real(v1, sizeof v1, p1);

    for (size_t k = 0; k < n_params_of(nz->family); k++)
        if (!isfinite(nz->p[k]))
            return sn_fail(err, SN_EINVAL, "noise \"%.*s\": %s must be a finite number, got %s",
                           SHOW_MAX, shown, fi->par_name[k], k == 0 ? v0 : v1);

    switch (nz->family) {
    case SN_NOISE_NONE:
        return SN_OK;
    case SN_NOISE_BERNOULLI:
        if (!(p0 > 0.0 && p0 <= 1.0))
            return sn_fail(err, SN_EINVAL, "noise \"%.*s\": %s must be in (0, 1], got %s",
                           SHOW_MAX, shown, fi->par_name[0], v0);
        break;
    case SN_NOISE_GAUSSIAN:
    case SN_NOISE_RAYLEIGH:
    case SN_NOISE_HALFCAUCHY:
        if (!(p0 > 0.0))
            return sn_fail(err, SN_EINVAL, "noise \"%.*s\": %s must be > 0, got %s", SHOW_MAX,
                           shown, fi->par_name[0], v0);
        break;
    case SN_NOISE_INVNAKAGAMI:
    case SN_NOISE_BETA:
        if (!(p0 > 0.0))
            return sn_fail(err, SN_EINVAL, "noise \"%.*s\": %s must be > 0, got %s", SHOW_MAX,
                           shown, fi->par_name[0], v0);
        if (!(p1 > 0.0))
            return sn_fail(err, SN_EINVAL, "noise \"%.*s\": %s must be > 0, got %s", SHOW_MAX,
                           shown, fi->par_name[1], v1);
        break;
    case SN_NOISE_UNIFORM:
        if (!(p0 >= 0.0))
            return sn_fail(err, SN_EINVAL, "noise \"%.*s\": %s must be >= 0, got %s", SHOW_MAX,
                           shown, fi->par_name[0], v0);
        if (!(p1 > p0))
            return sn_fail(err, SN_EINVAL,
                           "noise \"%.*s\": %s must be greater than lo = %s, got %s", SHOW_MAX,
                           shown, fi->par_name[1], v0, v1);
        break;
    }

    if (!nz->mean_one)
        return SN_OK;
    /* Mean-one scaling (8) divides by E[xi], which must be finite and positive (MATH.md §2). */
    if (nz->family == SN_NOISE_HALFCAUCHY)
        return sn_fail(err, SN_EINVAL,
                       "noise \"%.*s\": half-Cauchy noise cannot be scaled to mean one: its mean is "
                       "infinite (MATH.md §2); use it unscaled (mean_one = false)",
                       SHOW_MAX, shown);
    if (nz->family == SN_NOISE_INVNAKAGAMI && !(p0 > 0.5))
        return sn_fail(err, SN_EINVAL,
                       "noise \"%.*s\": inverse-Nakagami noise with shape m = %s has an infinite "
                       "mean and cannot be scaled to mean one; mean-one needs m > 1/2",
                       SHOW_MAX, shown, v0);
    if (isnan(mean_one_scale(nz))) {
        char vm[40];
        sn_format_real(vm, sizeof vm, raw_moments(nz).mean);
        return sn_fail(err, SN_EINVAL,
                       "noise \"%.*s\": cannot be scaled to mean one: E[xi] = %s is not a finite "
                       "positive number whose inverse is finite",
                       SHOW_MAX, shown, vm);
    }
    return SN_OK;
}

sn_status sn_noise_check(const sn_noise *nz, sn_error *err)
{
    if (!nz)
        return sn_fail(err, SN_EINVAL, "noise: no noise given (NULL)");
    char shown[SHOW_MAX + 1];
    sn_noise_format(nz, shown, sizeof shown);
    return check_noise(nz, shown, err);
}

/* ------------------------------------------------------------------------------------------ */
/* Specification text                                                                          */
/* ------------------------------------------------------------------------------------------ */

sn_status sn_noise_parse(const char *spec, sn_noise *out, sn_error *err)
{
    if (!spec)
        return sn_fail(err, SN_EINVAL, "noise: no specification given (NULL)");
    if (!*spec)
        return sn_fail(err, SN_EINVAL,
                       "noise \"\": empty specification; expected family[:p1[,p2]], "
                       "e.g. \"bernoulli:0.5\"");

    /* The family name runs up to the first ':' (or the end). */
    const char *colon = strchr(spec, ':');
    const size_t name_len = colon ? (size_t)(colon - spec) : strlen(spec);
    char name[24]; /* longer than every family name */
    sn_noise nz = {SN_NOISE_NONE, {0.0, 0.0}, true};
    bool is_known = name_len < sizeof name;
    if (is_known) {
        memcpy(name, spec, name_len);
        name[name_len] = '\0';
        is_known = sn_noise_family_parse(name, &nz.family) == SN_OK;
    }
    if (!is_known)
        return sn_fail(err, SN_EINVAL,
                       "noise \"%.*s\": unknown family \"%.*s\"; expected none, bernoulli, "
                       "gaussian, rayleigh, invnakagami, halfcauchy, beta or uniform",
                       SHOW_MAX, spec, (int)(name_len < 40 ? name_len : 40), spec);
    const family_info *fi = &families[nz.family];

    /* Parameters: comma-separated fields after the colon. "family:" has one empty field. */
    size_t n_fields = 0;
    if (colon) {
        n_fields = 1;
        for (const char *s = colon + 1; *s; s++)
            n_fields += *s == ',';
    }
    if (n_fields < fi->n_min || n_fields > fi->n_max) {
        if (fi->n_max == 0)
            return sn_fail(err, SN_EINVAL, "noise \"%.*s\": %s takes no parameters", SHOW_MAX,
                           spec, name);
        return sn_fail(err, SN_EINVAL, "noise \"%.*s\": expected %s, got %zu parameter%s",
                       SHOW_MAX, spec, fi->usage, n_fields, n_fields == 1 ? "" : "s");
    }
    const char *field = colon ? colon + 1 : NULL;
    for (size_t k = 0; k < n_fields; k++) {
        const char *comma = strchr(field, ',');
        const char *field_end = comma ? comma : field + strlen(field);
        const int field_len = (int)(field_end - field);
        /* NaN and infinite parameters read as such: sn_noise_check says why they do not do. */
        double v = 0.0;
        if (sn_parse_real(field, (size_t)field_len, SN_NUM_INF, &v) == SN_NUM_BAD)
            return sn_fail(err, SN_EINVAL, "noise \"%.*s\": %s must be a number, found \"%.*s\"",
                           SHOW_MAX, spec, fi->par_name[k],
                           field_len < SHOW_MAX ? field_len : SHOW_MAX, field);
        nz.p[k] = v;
        field = field_end + 1;
    }

    /* Defaults of the optional parameters (shrinknet.h). */
    if (nz.family == SN_NOISE_RAYLEIGH && n_fields == 0)
        nz.p[0] = sqrt(2.0 / M_PI); /* the mean-one Rayleigh of MATH.md §2: E[xi] = 1 */
    if (nz.family == SN_NOISE_INVNAKAGAMI && n_fields == 1)
        nz.p[1] = 1.0;
    /* Parsing checks the family's own parameter ranges; whether mean-one scaling is possible is
     * sn_noise_check's question, asked once the caller has decided on scaling (--noise-raw). */
    nz.mean_one = false;
    sn_status st = check_noise(&nz, spec, err);
    if (st != SN_OK)
        return st;
    nz.mean_one = nz.family != SN_NOISE_HALFCAUCHY;
    *out = nz;
    return SN_OK;
}

int sn_noise_format(const sn_noise *nz, char *buf, size_t size)
{
    /* The longest text is an 11-letter name, ':', two numbers of at most 24 characters and ','. */
    char text[96];
    const char *name = sn_noise_family_name(nz->family);
    size_t len = (size_t)snprintf(text, sizeof text, "%s", name);
    const size_t n = family_is_valid(nz->family) ? n_params_of(nz->family) : 0;
    for (size_t k = 0; k < n; k++) {
        text[len++] = k == 0 ? ':' : ',';
        len += (size_t)sn_format_real(text + len, sizeof text - len, nz->p[k]);
    }
    return snprintf(buf, size, "%s", text);
}

/* ------------------------------------------------------------------------------------------ */
/* Samplers                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/*
 * log G(k) with G(k) ~ Gamma(k, 1), k > 0. For k < 1 MATH.md §2 draws G(k) = G(k+1) u^{1/k}; the
 * factor u^{1/k} underflows to 0 for small k (k = 0.01: whenever u < 1e-3), which would make a
 * Beta draw 0/0, so the two factors are combined in log space: log G(k+1) + log(u)/k.
 */
static double log_gamma_draw(sn_rng *r, double k)
{
    if (k >= 1.0)
        return log(sn_rng_gamma(r, k));
    const double g = sn_rng_gamma(r, k + 1.0);
    return log(g) + log(sn_rng_uniform(r)) / k;
}

/*
 * Draws xi of MATH.md §2 (first table), u ~ U(0,1) open, eps ~ N(0,1), G(k) ~ Gamma(k,1), each
 * multiplied by c = 1/E[xi] under mean-one scaling (8). Bernoulli trials come from the
 * generator's xoshiro256** stream (sn_bernoulli_fill), and so do Gaussian ones
 * (sn_rng_normal_fill); everything else from its MT19937 stream:
 *   Bernoulli     1[u < pi]                      Gaussian      1 + sqrt(alpha) eps
 *   Rayleigh      s sqrt(-2 ln(1-u))             inv-Nakagami  sqrt(m / (Omega G(m)))
 *   half-Cauchy   eta tan(pi u / 2)              Beta          G(a) / (G(a) + G(b))
 *   Uniform       lo + (hi - lo) u               none          1
 * out [n]. Inverse-Nakagami and Beta are evaluated from log G (log_gamma_draw) so that small
 * shapes neither underflow nor give 0/0: sqrt(m/(Omega G)) = exp((ln(m/Omega) - ln G)/2) and
 * G(a)/(G(a)+G(b)) = 1/(1 + exp(ln G(b) - ln G(a))).
 */
void sn_noise_sample(const sn_noise *nz, sn_rng *r, double *out, size_t n)
{
    const double c = mean_one_scale(nz);
    const double p0 = nz->p[0], p1 = nz->p[1];
    switch (nz->family) {
    case SN_NOISE_NONE:
        for (size_t i = 0; i < n; i++)
            out[i] = 1.0;
        break;
    case SN_NOISE_BERNOULLI:
        /* The hot path of dropout training: the xoshiro256** stream, by geometric gaps between
         * the zeros when they are rare (rng.c). */
        sn_bernoulli_fill(r, p0, c, out, n);
        break;
    case SN_NOISE_GAUSSIAN: {
        /* Gaussian dropout, the other hot path: normals in bulk from the xoshiro256** stream. */
        const double sd = sqrt(p0);
        sn_rng_normal_fill(r, out, n);
        for (size_t i = 0; i < n; i++)
            out[i] = c * (1.0 + sd * out[i]);
        break;
    }
    case SN_NOISE_RAYLEIGH: {
        const double cs = c * p0;
        for (size_t i = 0; i < n; i++)
            out[i] = cs * sqrt(-2.0 * log1p(-sn_rng_uniform(r)));
        break;
    }
    case SN_NOISE_INVNAKAGAMI: {
        /* c xi = exp(ln c + (ln(m/Omega) - ln G(m))/2). */
        const double half_log = log(c) + 0.5 * log(p0 / p1);
        for (size_t i = 0; i < n; i++) {
            const double lg = log_gamma_draw(r, p0);
            /* G(m) underflowing to 0 (log −∞) for a vanishing shape: ξ² = m/(Ω G) is then beyond
             * any double, whatever m/Ω is; give its limit +∞ rather than ∞ − ∞ = NaN. */
            out[i] = lg == -INFINITY ? INFINITY : exp(half_log - 0.5 * lg);
        }
        break;
    }
    case SN_NOISE_HALFCAUCHY: {
        const double ce = c * p0;
        for (size_t i = 0; i < n; i++)
            out[i] = ce * tan(M_PI_2 * sn_rng_uniform(r));
        break;
    }
    case SN_NOISE_BETA:
        for (size_t i = 0; i < n; i++) {
            const double log_ga = log_gamma_draw(r, p0);
            const double log_gb = log_gamma_draw(r, p1);
            const double d = log_gb - log_ga;
            /* Both log G at −∞ (shapes so small that log(u)/k overflows): the draw is then at 0
             * or 1, and as a, b → 0 Beta(a, b) tends to Bernoulli(a/(a+b)); draw that limit. */
            if (isnan(d))
                out[i] = sn_rng_uniform(r) < p0 / (p0 + p1) ? c : 0.0;
            else
                out[i] = c / (1.0 + exp(d));
        }
        break;
    case SN_NOISE_UNIFORM: {
        const double c_lo = c * p0, c_width = c * (p1 - p0);
        for (size_t i = 0; i < n; i++)
            out[i] = c_lo + c_width * sn_rng_uniform(r);
        break;
    }
    default:
        /* An unknown family (sn_noise_check rejects it): make the mistake visible downstream. */
        for (size_t i = 0; i < n; i++)
            out[i] = NAN;
        break;
    }
}
