/*
 * test_noise.c — noise families (src/noise.c, MATH.md §2): closed-form moments, samplers against
 * those moments and against the exact CDFs, the specification parser and formatter, checks and
 * determinism.
 *
 * Statistical thresholds. Every sampler test uses a fixed seed and N = 10^6 draws, so the
 * outcome is deterministic; the thresholds say how often a *correct* sampler would fail over
 * random seeds:
 *   - moment z-scores (E[xi], Var[xi], E[xi^-2], Bernoulli counts): |z| < 6, two-sided normal
 *     tail P(|Z| > 6) = 2.0e-9 per comparison;
 *   - goodness of fit: chi-square over 50 bins equiprobable under the exact law, rejected when
 *     the upper-tail probability is below 1e-8 (one comparison per histogram).
 *   - Bernoulli runs: chi-square of the lengths of the runs of successes against the geometric
 *     law, rejected below 1e-8 as above (4 comparisons).
 * With about 65 moment comparisons and 30 histograms the whole file fails by chance with
 * probability below 5e-7, i.e. less than once in 10^6 runs.
 */
#include "test_util.h"

#include "core/core.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_sf_gamma.h>
#include <stdint.h>
#include <string.h>

#define N_DRAWS 1000000
#define Z_MAX 6.0        /* two-sided normal tail 2.0e-9 per comparison */
#define CHI2_ALPHA 1e-8  /* false-alarm rate per goodness-of-fit test */
#define N_BINS 50        /* expected count per bin N_DRAWS / N_BINS = 20000 */
#define SEED 20190609u

/* sqrt(2/pi): the default Rayleigh scale, which makes E[xi] = 1 (MATH.md §2). */
#define RAYLEIGH_S0 0.79788456080286535588

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                     */
/* ------------------------------------------------------------------------------------------ */

static double *draw(const sn_noise *nz, uint64_t seed, size_t n)
{
    sn_rng *r = sn_rng_new(seed, 0);
    ck_assert_ptr_nonnull(r);
    double *x = malloc(n * sizeof *x);
    ck_assert_ptr_nonnull(x);
    sn_noise_sample(nz, r, x, n);
    sn_rng_free(r);
    return x;
}

static const char *label(const sn_noise *nz, char *buf, size_t size)
{
    int len = sn_noise_format(nz, buf, size);
    if (len >= 0 && (size_t)len + 12 < size)
        strcat(buf, nz->mean_one ? " (mean-one)" : " (raw)");
    return buf;
}

/* The larger of |z| and cur, NaN if either is NaN (so that a NaN statistic fails). */
static double worse(double cur, double z)
{
    return (isnan(cur) || isnan(z)) ? NAN : fmax(cur, fabs(z));
}

/* z-score of an estimate with standard error se; a zero standard error demands equality. */
static double zscore(double est, double truth, double se)
{
    if (!isfinite(truth))
        return INFINITY; /* the test asked for a moment that does not exist */
    if (se == 0.0)
        return est == truth ? 0.0 : INFINITY;
    return (est - truth) / se;
}

enum { MOM_MEAN = 1, MOM_VAR = 2, MOM_INV = 4 };

/*
 * Largest |z| of the requested comparisons of draws x[n] with the closed forms mo:
 *   mean:   z = (xbar - E[xi]) / sqrt(Var[xi] / n)                     (closed-form Var)
 *   var:    z = (s^2 - Var[xi]) / sqrt((m4 - m2^2) / n)                (sample central moments)
 *   inv:    z = (mean of xi^-2 - E[xi^-2]) / sqrt(s_y^2 / n), y = xi^-2
 * The variance comparison needs E[xi^4] < inf and the E[xi^-2] one E[xi^-4] < inf; callers ask
 * only where these (and preferably the next even moments) exist. A summary goes to msg.
 */
static double moment_z(sn_noise_moments mo, const double *x, size_t n, unsigned what, char *msg,
                       size_t size)
{
    const double dn = (double)n;
    double sum = 0.0, sum_y = 0.0;
    for (size_t i = 0; i < n; i++) {
        sum += x[i];
        sum_y += 1.0 / (x[i] * x[i]);
    }
    const double mean = sum / dn, mean_y = sum_y / dn;
    double m2 = 0.0, m4 = 0.0, m2_y = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double d = x[i] - mean, dy = 1.0 / (x[i] * x[i]) - mean_y;
        m2 += d * d;
        m4 += d * d * d * d;
        m2_y += dy * dy;
    }
    m2 /= dn;
    m4 /= dn;
    const double s2 = m2 * dn / (dn - 1.0), s2_y = m2_y / (dn - 1.0);

    double zmax = 0.0;
    size_t len = 0;
    msg[0] = '\0';
    if (what & MOM_MEAN) {
        double z = zscore(mean, mo.mean, sqrt(mo.var / dn));
        zmax = worse(zmax, z);
        len += (size_t)snprintf(msg + len, size - len, "E[xi] %.8g vs %.8g (z %.2f); ", mean,
                                mo.mean, z);
    }
    if ((what & MOM_VAR) && len < size) {
        double z = zscore(s2, mo.var, sqrt((m4 - m2 * m2) / dn));
        zmax = worse(zmax, z);
        len += (size_t)snprintf(msg + len, size - len, "Var %.8g vs %.8g (z %.2f); ", s2,
                                mo.var, z);
    }
    if ((what & MOM_INV) && len < size) {
        double z = zscore(mean_y, mo.mean_inv_sq, sqrt(s2_y / dn));
        zmax = worse(zmax, z);
        snprintf(msg + len, size - len, "E[xi^-2] %.8g vs %.8g (z %.2f)", mean_y,
                 mo.mean_inv_sq, z);
    }
    return zmax;
}

/* Exact CDF of the raw (unscaled) continuous families, MATH.md §2. */
static double raw_cdf(const sn_noise *nz, double x)
{
    const double p0 = nz->p[0], p1 = nz->p[1];
    switch (nz->family) {
    case SN_NOISE_GAUSSIAN:
        return gsl_cdf_gaussian_P(x - 1.0, sqrt(p0));
    case SN_NOISE_RAYLEIGH:
        return x <= 0.0 ? 0.0 : gsl_cdf_rayleigh_P(x, p0);
    case SN_NOISE_INVNAKAGAMI: {
        /* 1/xi^2 = Omega G(m) / m ~ Gamma(m, scale Omega/m): P(xi <= x) = P(1/xi^2 >= 1/x^2). */
        if (x <= 0.0)
            return 0.0;
        const double y = 1.0 / (x * x);
        return isfinite(y) ? gsl_cdf_gamma_Q(y, p0, p1 / p0) : 0.0;
    }
    case SN_NOISE_HALFCAUCHY:
        return x <= 0.0 ? 0.0 : 2.0 / M_PI * atan(x / p0);
    case SN_NOISE_BETA:
        return x <= 0.0 ? 0.0 : x >= 1.0 ? 1.0 : gsl_cdf_beta_P(x, p0, p1);
    case SN_NOISE_UNIFORM:
        return x <= p0 ? 0.0 : x >= p1 ? 1.0 : (x - p0) / (p1 - p0);
    default:
        ck_abort_msg("raw_cdf: family %d is not continuous", (int)nz->family);
        return NAN;
    }
}

/* The q-quantile of the raw law by bisection on raw_cdf (bracket grown by doubling). */
static double raw_quantile(const sn_noise *nz, double q)
{
    double lo = -1.0, hi = 1.0;
    while (raw_cdf(nz, lo) > q && isfinite(lo))
        lo *= 2.0;
    while (raw_cdf(nz, hi) < q && isfinite(hi))
        hi *= 2.0;
    for (int it = 0; it < 2000; it++) {
        const double mid = 0.5 * (lo + hi);
        if (mid == lo || mid == hi)
            break;
        if (raw_cdf(nz, mid) < q)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

/* The factor draws of target carry: 1/E[xi] under mean-one scaling (MATH.md (8)), else 1. */
static double scale_of(const sn_noise *target)
{
    sn_noise raw = *target;
    raw.mean_one = false;
    return target->mean_one ? 1.0 / sn_noise_moments_of(&raw).mean : 1.0;
}

/*
 * Pearson chi-square statistic of draws x[n] against the exact law of target (continuous
 * families), over N_BINS bins that are equiprobable under it: raw quantile edges e_k of
 * k / N_BINS, multiplied by the mean-one factor. Expected counts are n (F(e_k) - F(e_{k-1})).
 * The worst bin goes to msg.
 */
static double gof_chi2(const sn_noise *target, const double *x, size_t n, char *msg, size_t size)
{
    sn_noise raw = *target;
    raw.mean_one = false;
    const double c = scale_of(target);
    double edge[N_BINS - 1];   /* [N_BINS-1] raw quantiles */
    double prob[N_BINS];       /* [N_BINS] bin probabilities */
    size_t count[N_BINS] = {0};
    for (size_t k = 0; k + 1 < N_BINS; k++)
        edge[k] = raw_quantile(&raw, (double)(k + 1) / N_BINS);
    for (size_t k = 0; k < N_BINS; k++) {
        const double f_hi = k + 1 < N_BINS ? raw_cdf(&raw, edge[k]) : 1.0;
        const double f_lo = k > 0 ? raw_cdf(&raw, edge[k - 1]) : 0.0;
        prob[k] = f_hi - f_lo;
    }
    for (size_t i = 0; i < n; i++) {
        /* Bin = number of scaled edges below x (binary search). */
        size_t lo = 0, hi = N_BINS - 1;
        while (lo < hi) {
            const size_t mid = (lo + hi) / 2;
            if (x[i] > c * edge[mid])
                lo = mid + 1;
            else
                hi = mid;
        }
        if (isnan(x[i]))
            return NAN;
        count[lo]++;
    }
    double chi2 = 0.0, worst = -1.0;
    size_t k_worst = 0;
    for (size_t k = 0; k < N_BINS; k++) {
        const double e = (double)n * prob[k], d = (double)count[k] - e, term = d * d / e;
        chi2 += term;
        if (term > worst) {
            worst = term;
            k_worst = k;
        }
    }
    snprintf(msg, size, "worst bin %zu of %d (xi in (%.6g, %.6g]): %zu drawn, %.1f expected",
             k_worst, N_BINS, k_worst > 0 ? c * edge[k_worst - 1] : -INFINITY,
             k_worst + 1 < N_BINS ? c * edge[k_worst] : INFINITY, count[k_worst],
             (double)n * prob[k_worst]);
    return chi2;
}

/* z-score of the number of nonzero Bernoulli draws (Binomial(n, pi)); INFINITY if a draw is
 * neither 0 nor the mean-one value c = 1/pi (1 when raw). */
static double bernoulli_count_z(const sn_noise *nz, const double *x, size_t n, char *msg,
                                size_t size)
{
    const double pi = nz->p[0], c = nz->mean_one ? 1.0 / pi : 1.0;
    size_t n_keep = 0;
    for (size_t i = 0; i < n; i++) {
        if (x[i] == c)
            n_keep++;
        else if (x[i] != 0.0) {
            snprintf(msg, size, "draw %zu is %.17g, neither 0 nor %.17g", i, x[i], c);
            return INFINITY;
        }
    }
    const double dn = (double)n;
    const double z = zscore((double)n_keep, dn * pi, sqrt(dn * pi * (1.0 - pi)));
    snprintf(msg, size, "%zu kept, %.1f expected", n_keep, dn * pi);
    return z;
}

static double chi2_max(void) { return gsl_cdf_chisq_Qinv(CHI2_ALPHA, N_BINS - 1); }

/* ------------------------------------------------------------------------------------------ */
/* Closed-form moments                                                                         */
/* ------------------------------------------------------------------------------------------ */

static sn_noise mk(sn_noise_family f, double p0, double p1, bool mean_one)
{
    sn_noise nz = {f, {p0, p1}, mean_one};
    return nz;
}

START_TEST(test_moments_closed_forms)
{
    sn_noise_moments mo;
    const double tol = 1e-14;

    mo = sn_noise_moments_of(&(sn_noise){SN_NOISE_NONE, {0, 0}, true});
    ck_assert(mo.mean == 1.0 && mo.mean_sq == 1.0 && mo.var == 0.0 && mo.mean_inv_sq == 1.0);

    /* Bernoulli: raw (pi, pi, pi(1-pi)); inverted: (1, 1/pi, p/(1-p)) with p = 1 - pi. */
    mo = sn_noise_moments_of(&(sn_noise){SN_NOISE_BERNOULLI, {0.8, 0}, false});
    CHECK_REL(mo.mean, 0.8, tol);
    CHECK_REL(mo.mean_sq, 0.8, tol);
    CHECK_REL(mo.var, 0.16, tol);
    ck_assert(isinf(mo.mean_inv_sq));
    mo = sn_noise_moments_of(&(sn_noise){SN_NOISE_BERNOULLI, {0.8, 0}, true});
    CHECK_REL(mo.mean, 1.0, tol);
    CHECK_REL(mo.mean_sq, 1.25, tol);
    CHECK_REL(mo.var, 0.2 / 0.8, tol);
    ck_assert(isinf(mo.mean_inv_sq));

    mo = sn_noise_moments_of(&(sn_noise){SN_NOISE_GAUSSIAN, {0.3, 0}, true});
    CHECK_REL(mo.mean, 1.0, tol);
    CHECK_REL(mo.mean_sq, 1.3, tol);
    CHECK_REL(mo.var, 0.3, tol);
    ck_assert(isinf(mo.mean_inv_sq));

    /* Rayleigh(sqrt(2/pi)) has mean one and variance 4/pi - 1 (MATH.md §2). */
    mo = sn_noise_moments_of(&(sn_noise){SN_NOISE_RAYLEIGH, {RAYLEIGH_S0, 0}, false});
    CHECK_REL(mo.mean, 1.0, tol);
    CHECK_REL(mo.var, 4.0 / M_PI - 1.0, tol);
    ck_assert(isinf(mo.mean_inv_sq));
    mo = sn_noise_moments_of(&(sn_noise){SN_NOISE_RAYLEIGH, {2.0, 0}, false});
    CHECK_REL(mo.mean, 2.0 * sqrt(M_PI / 2.0), tol);
    CHECK_REL(mo.mean_sq, 8.0, tol);
    CHECK_REL(mo.var, (4.0 - M_PI) * 2.0, tol);

    /* Inverse-Nakagami(3, 2): E = sqrt(3/2) Gamma(5/2)/Gamma(3), E2 = 3/(2*2), E[xi^-2] = 2. */
    mo = sn_noise_moments_of(&(sn_noise){SN_NOISE_INVNAKAGAMI, {3.0, 2.0}, false});
    CHECK_REL(mo.mean, sqrt(1.5) * gsl_sf_gamma(2.5) / gsl_sf_gamma(3.0), tol);
    CHECK_REL(mo.mean_sq, 0.75, tol);
    CHECK_REL(mo.var, 0.75 - mo.mean * mo.mean, tol);
    CHECK_REL(mo.mean_inv_sq, 2.0, tol);
    /* Omega = m Gamma(m-1/2)^2 / Gamma(m)^2 makes the raw noise mean-one (MATH.md §2). */
    const double m = 2.7, omega1 = m * gsl_pow_2(gsl_sf_gamma(m - 0.5) / gsl_sf_gamma(m));
    mo = sn_noise_moments_of(&(sn_noise){SN_NOISE_INVNAKAGAMI, {m, omega1}, false});
    CHECK_REL(mo.mean, 1.0, tol);
    /* Mean-one scaling multiplies E[xi^-2] by E[xi]^2. */
    sn_noise_moments raw = sn_noise_moments_of(&(sn_noise){SN_NOISE_INVNAKAGAMI, {m, 3.0}, 0});
    mo = sn_noise_moments_of(&(sn_noise){SN_NOISE_INVNAKAGAMI, {m, 3.0}, true});
    CHECK_REL(mo.mean_inv_sq, 3.0 * raw.mean * raw.mean, tol);
    CHECK_REL(mo.mean_sq, raw.mean_sq / (raw.mean * raw.mean), tol);
    /* m <= 1: infinite second moment; m <= 1/2: infinite mean. */
    mo = sn_noise_moments_of(&(sn_noise){SN_NOISE_INVNAKAGAMI, {1.0, 1.0}, false});
    ck_assert(isfinite(mo.mean) && isinf(mo.mean_sq) && isinf(mo.var));
    mo = sn_noise_moments_of(&(sn_noise){SN_NOISE_INVNAKAGAMI, {0.5, 1.0}, false});
    ck_assert(isinf(mo.mean) && isinf(mo.mean_sq) && mo.mean_inv_sq == 1.0);

    mo = sn_noise_moments_of(&(sn_noise){SN_NOISE_HALFCAUCHY, {1.0, 0}, false});
    ck_assert(isinf(mo.mean) && isinf(mo.mean_sq) && isinf(mo.var) && isinf(mo.mean_inv_sq));
    /* Mean-one half-Cauchy is meaningless: NaN, never a silently unscaled value. */
    mo = sn_noise_moments_of(&(sn_noise){SN_NOISE_HALFCAUCHY, {1.0, 0}, true});
    ck_assert(isnan(mo.mean) && isnan(mo.var));

    /* Beta(2,5): 2/7, 6/56, 10/392; E[xi^-2] infinite for a <= 2. */
    mo = sn_noise_moments_of(&(sn_noise){SN_NOISE_BETA, {2.0, 5.0}, false});
    CHECK_REL(mo.mean, 2.0 / 7.0, tol);
    CHECK_REL(mo.mean_sq, 6.0 / 56.0, tol);
    CHECK_REL(mo.var, 10.0 / 392.0, tol);
    ck_assert(isinf(mo.mean_inv_sq));
    /* Beta(3,1) has density 3x^2, so E[xi^-2] = int_0^1 3 dx = 3. */
    mo = sn_noise_moments_of(&(sn_noise){SN_NOISE_BETA, {3.0, 1.0}, false});
    CHECK_REL(mo.mean_inv_sq, 3.0, tol);
    mo = sn_noise_moments_of(&(sn_noise){SN_NOISE_BETA, {10.0, 3.0}, true});
    CHECK_REL(mo.mean, 1.0, tol);
    CHECK_REL(mo.mean_inv_sq, 132.0 / 72.0 * gsl_pow_2(10.0 / 13.0), tol);
    CHECK_REL(mo.var, 30.0 / (169.0 * 14.0) * gsl_pow_2(13.0 / 10.0), tol);

    /* Uniform(1/2, 3/2): 1, 13/12, 1/12, 4/3; U(0,1) mean-one is U(0,2): var 1/3. */
    mo = sn_noise_moments_of(&(sn_noise){SN_NOISE_UNIFORM, {0.5, 1.5}, false});
    CHECK_REL(mo.mean, 1.0, tol);
    CHECK_REL(mo.mean_sq, 13.0 / 12.0, tol);
    CHECK_REL(mo.var, 1.0 / 12.0, tol);
    CHECK_REL(mo.mean_inv_sq, 4.0 / 3.0, tol);
    mo = sn_noise_moments_of(&(sn_noise){SN_NOISE_UNIFORM, {0.0, 1.0}, true});
    CHECK_REL(mo.mean, 1.0, tol);
    CHECK_REL(mo.mean_sq, 4.0 / 3.0, tol);
    CHECK_REL(mo.var, 1.0 / 3.0, tol);
    ck_assert(isinf(mo.mean_inv_sq));
}
END_TEST

/* Var = E[xi^2] - E[xi]^2 wherever both are finite, raw and mean-one. */
START_TEST(test_moments_consistent)
{
    const sn_noise list[] = {
        mk(SN_NOISE_BERNOULLI, 0.3, 0, false),   mk(SN_NOISE_BERNOULLI, 0.3, 0, true),
        mk(SN_NOISE_GAUSSIAN, 2.5, 0, true),     mk(SN_NOISE_RAYLEIGH, 1.7, 0, false),
        mk(SN_NOISE_RAYLEIGH, 1.7, 0, true),     mk(SN_NOISE_INVNAKAGAMI, 4.2, 0.3, false),
        mk(SN_NOISE_INVNAKAGAMI, 4.2, 0.3, true), mk(SN_NOISE_BETA, 0.7, 2.2, false),
        mk(SN_NOISE_BETA, 0.7, 2.2, true),       mk(SN_NOISE_UNIFORM, 0.3, 2.4, true),
    };
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) {
        sn_noise_moments mo = sn_noise_moments_of(&list[i]);
        CHECK_REL(mo.var, mo.mean_sq - mo.mean * mo.mean, 1e-13);
        if (list[i].mean_one)
            ck_assert(mo.mean == 1.0);
    }
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* Samplers: moments and law                                                                   */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    sn_noise nz;
    unsigned what; /* moments compared with their closed forms (MOM_*) */
    bool has_gof;  /* histogram against the exact CDF (counts for Bernoulli) */
} setting;

/*
 * Variance comparisons only where E[xi^8] < inf (so that the standard error of s^2 is itself
 * stable) and E[xi^-2] comparisons only where E[xi^-4] < inf: for inverse-Nakagami E[xi^k] < inf
 * iff k < 2m, for Beta E[xi^-k] < inf iff k < a.
 */
static const setting settings[] = {
    {{SN_NOISE_NONE, {0, 0}, true}, MOM_MEAN | MOM_VAR | MOM_INV, false},
    {{SN_NOISE_BERNOULLI, {0.5, 0}, true}, MOM_MEAN | MOM_VAR, true},
    {{SN_NOISE_BERNOULLI, {0.995, 0}, false}, MOM_MEAN | MOM_VAR, true},
    {{SN_NOISE_BERNOULLI, {0.1, 0}, true}, MOM_MEAN | MOM_VAR, true},
    {{SN_NOISE_BERNOULLI, {1.0, 0}, true}, MOM_MEAN | MOM_VAR, true},
    /* Either side of rng.c's switch from geometric gaps (drop rate <= 0.125) to one uniform
     * per trial. */
    {{SN_NOISE_BERNOULLI, {0.9, 0}, true}, MOM_MEAN | MOM_VAR, true},
    {{SN_NOISE_BERNOULLI, {0.85, 0}, false}, MOM_MEAN | MOM_VAR, true},
    {{SN_NOISE_GAUSSIAN, {0.25, 0}, true}, MOM_MEAN | MOM_VAR, true},
    {{SN_NOISE_GAUSSIAN, {2.0, 0}, false}, MOM_MEAN | MOM_VAR, true},
    {{SN_NOISE_RAYLEIGH, {RAYLEIGH_S0, 0}, true}, MOM_MEAN | MOM_VAR, true},
    {{SN_NOISE_RAYLEIGH, {2.0, 0}, false}, MOM_MEAN | MOM_VAR, true},
    {{SN_NOISE_RAYLEIGH, {0.3, 0}, true}, MOM_MEAN | MOM_VAR, true},
    {{SN_NOISE_INVNAKAGAMI, {5.0, 1.0}, true}, MOM_MEAN | MOM_VAR | MOM_INV, true},
    {{SN_NOISE_INVNAKAGAMI, {3.0, 2.0}, false}, MOM_MEAN | MOM_INV, true},
    {{SN_NOISE_INVNAKAGAMI, {0.75, 0.5}, true}, MOM_INV, true},
    {{SN_NOISE_INVNAKAGAMI, {0.3, 2.0}, false}, MOM_INV, true},
    {{SN_NOISE_HALFCAUCHY, {1.0, 0}, false}, 0, true},
    {{SN_NOISE_HALFCAUCHY, {0.3, 0}, false}, 0, true},
    {{SN_NOISE_BETA, {0.5, 0.5}, true}, MOM_MEAN | MOM_VAR, true},
    {{SN_NOISE_BETA, {2.0, 5.0}, false}, MOM_MEAN | MOM_VAR, true},
    {{SN_NOISE_BETA, {10.0, 3.0}, true}, MOM_MEAN | MOM_VAR | MOM_INV, true},
    {{SN_NOISE_BETA, {0.2, 0.3}, false}, MOM_MEAN | MOM_VAR, true},
    /* Tiny shapes: G(a) underflows often; the log-space draw must still give values in [0,1].
     * No histogram: near 1 most of the mass lies closer to 1 than a double can resolve. */
    {{SN_NOISE_BETA, {0.005, 0.005}, false}, MOM_MEAN | MOM_VAR, false},
    {{SN_NOISE_UNIFORM, {0.0, 1.0}, true}, MOM_MEAN | MOM_VAR, true},
    {{SN_NOISE_UNIFORM, {0.5, 1.5}, false}, MOM_MEAN | MOM_VAR | MOM_INV, true},
    {{SN_NOISE_UNIFORM, {0.2, 3.0}, true}, MOM_MEAN | MOM_VAR | MOM_INV, true},
};
#define N_SETTINGS ((int)(sizeof settings / sizeof settings[0]))

START_TEST(test_sampler)
{
    const setting *st = &settings[_i];
    char name[128], msg[512];
    label(&st->nz, name, sizeof name);
    sn_error err = {0};
    ck_assert_msg(sn_noise_check(&st->nz, &err) == SN_OK, "%s: %s", name, err.msg);
    double *x = draw(&st->nz, SEED + (uint64_t)_i, N_DRAWS);

    size_t n_bad = 0;
    for (size_t i = 0; i < N_DRAWS; i++)
        n_bad += !isfinite(x[i]) || (x[i] < 0.0 && st->nz.family != SN_NOISE_GAUSSIAN);
    ck_assert_msg(n_bad == 0, "%s: %zu draws are negative or not finite", name, n_bad);

    const double z = moment_z(sn_noise_moments_of(&st->nz), x, N_DRAWS, st->what, msg,
                              sizeof msg);
    ck_assert_msg(z < Z_MAX, "%s: moments off, max |z| = %.3g >= %g: %s", name, z, Z_MAX, msg);

    if (st->has_gof && st->nz.family == SN_NOISE_BERNOULLI) {
        const double zc = bernoulli_count_z(&st->nz, x, N_DRAWS, msg, sizeof msg);
        ck_assert_msg(fabs(zc) < Z_MAX, "%s: count z = %.3g: %s", name, zc, msg);
    } else if (st->has_gof) {
        const double chi2 = gof_chi2(&st->nz, x, N_DRAWS, msg, sizeof msg);
        ck_assert_msg(chi2 < chi2_max(), "%s: chi2 = %.1f on %d dof >= %.1f (p < %g): %s", name,
                      chi2, N_BINS - 1, chi2_max(), CHI2_ALPHA, msg);
    }
    free(x);
}
END_TEST

/* The tests have power: samplers that are wrong in typical ways are caught. */
START_TEST(test_sampler_tests_have_power)
{
    char msg[512];
    const double big = chi2_max();

    /* Rayleigh draws presented as Beta(2,5) draws. */
    sn_noise ray = mk(SN_NOISE_RAYLEIGH, 2.0, 0, false), beta = mk(SN_NOISE_BETA, 2, 5, false);
    double *x = draw(&ray, SEED, N_DRAWS);
    double chi2 = gof_chi2(&beta, x, N_DRAWS, msg, sizeof msg);
    ck_assert_msg(chi2 > big, "Rayleigh draws passed as Beta(2,5): chi2 = %.1f", chi2);
    free(x);

    /* A 4% error in one Beta shape: Beta(2,5) draws against Beta(2,5.2). */
    sn_noise beta_off = mk(SN_NOISE_BETA, 2.0, 5.2, false);
    x = draw(&beta, SEED, N_DRAWS);
    chi2 = gof_chi2(&beta_off, x, N_DRAWS, msg, sizeof msg);
    ck_assert_msg(chi2 > big, "Beta(2,5) draws passed as Beta(2,5.2): chi2 = %.1f", chi2);
    free(x);

    /* Forgotten mean-one scaling: raw Bernoulli draws against the inverted-dropout moments. */
    sn_noise bern_raw = mk(SN_NOISE_BERNOULLI, 0.9, 0, false);
    sn_noise bern_one = mk(SN_NOISE_BERNOULLI, 0.9, 0, true);
    x = draw(&bern_raw, SEED, N_DRAWS);
    double z = moment_z(sn_noise_moments_of(&bern_one), x, N_DRAWS, MOM_MEAN, msg, sizeof msg);
    ck_assert_msg(z > Z_MAX, "raw Bernoulli passed as mean-one: %s", msg);
    z = bernoulli_count_z(&bern_one, x, N_DRAWS, msg, sizeof msg);
    ck_assert_msg(fabs(z) > Z_MAX, "raw Bernoulli counts passed as mean-one: %s", msg);
    free(x);

    /* Standard deviation used as variance: N(1, 0.25) draws against N(1, 0.5): the mean test
     * cannot see it, the variance test must. */
    sn_noise g_small = mk(SN_NOISE_GAUSSIAN, 0.25, 0, true);
    sn_noise g_big = mk(SN_NOISE_GAUSSIAN, 0.5, 0, true);
    x = draw(&g_small, SEED, N_DRAWS);
    z = moment_z(sn_noise_moments_of(&g_big), x, N_DRAWS, MOM_VAR, msg, sizeof msg);
    ck_assert_msg(z > Z_MAX, "N(1, 0.25) passed as N(1, 0.5): %s", msg);
    free(x);

    /* A 5% error in Omega shows in E[xi^-2]. */
    sn_noise nak = mk(SN_NOISE_INVNAKAGAMI, 3.0, 2.0, false);
    sn_noise nak_off = mk(SN_NOISE_INVNAKAGAMI, 3.0, 2.1, false);
    x = draw(&nak, SEED, N_DRAWS);
    z = moment_z(sn_noise_moments_of(&nak_off), x, N_DRAWS, MOM_INV, msg, sizeof msg);
    ck_assert_msg(z > Z_MAX, "inverse-Nakagami(3,2) passed as (3,2.1): %s", msg);
    free(x);

    /* Half-Cauchy with the wrong scale. */
    sn_noise hc = mk(SN_NOISE_HALFCAUCHY, 1.0, 0, false);
    sn_noise hc_off = mk(SN_NOISE_HALFCAUCHY, 1.03, 0, false);
    x = draw(&hc, SEED, N_DRAWS);
    chi2 = gof_chi2(&hc_off, x, N_DRAWS, msg, sizeof msg);
    ck_assert_msg(chi2 > big, "half-Cauchy(1) passed as half-Cauchy(1.03): chi2 = %.1f", chi2);
    free(x);
}
END_TEST

/* An impossible mean-one request draws NaN instead of silently unscaled values. */
START_TEST(test_sampler_invalid_is_nan)
{
    sn_noise hc = mk(SN_NOISE_HALFCAUCHY, 1.0, 0, true);
    sn_rng *r = sn_rng_new(SEED, 0);
    double x[8];
    sn_noise_sample(&hc, r, x, 8);
    for (size_t i = 0; i < 8; i++)
        ck_assert(isnan(x[i]));
    sn_rng_free(r);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* Determinism                                                                                 */
/* ------------------------------------------------------------------------------------------ */

START_TEST(test_determinism)
{
    enum { N = 1000 };
    for (int s = 0; s < N_SETTINGS; s++) {
        const sn_noise *nz = &settings[s].nz;
        double a[N], b[N], c[N];
        sn_rng *r1 = sn_rng_new(42, 0), *r2 = sn_rng_new(42, 0), *r3 = sn_rng_new(43, 0);
        sn_noise_sample(nz, r1, a, N);
        /* Drawing in two chunks continues the same stream. */
        sn_noise_sample(nz, r2, b, 137);
        sn_noise_sample(nz, r2, b + 137, N - 137);
        sn_noise_sample(nz, r3, c, N);
        ck_assert_msg(memcmp(a, b, sizeof a) == 0, "family %d: same seed, different draws",
                      (int)nz->family);
        if (nz->family != SN_NOISE_NONE && !(nz->family == SN_NOISE_BERNOULLI && nz->p[0] == 1))
            ck_assert_msg(memcmp(a, c, sizeof a) != 0, "family %d: seeds 42 and 43 agree",
                          (int)nz->family);
        sn_rng_free(r1);
        sn_rng_free(r2);
        sn_rng_free(r3);
    }
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* Bernoulli trials by their failures (rng.c)                                                  */
/* ------------------------------------------------------------------------------------------ */

/*
 * The runs of successes between failures of Bernoulli(pi) trials are i.i.d. Geometric:
 * P(run = k) = (1 - pi) pi^k. The trials are drawn with sn_noise_sample in requests of random
 * sizes (1..2000), so that gaps carried from one request to the next are tested too, and every
 * other request is followed by a request with another pi (0.7, a fresh gap each time: exact
 * because the law is memoryless). Chi-square over run lengths 0, 1, ... with the tail merged
 * where the expected count falls below 100, rejected at an upper-tail probability of 1e-8.
 */
START_TEST(test_bernoulli_runs)
{
    static const double pis[] = {0.995, 0.9, 0.85, 0.5};
    enum { MAX_BINS = 400, CHUNK_MAX = 2000 };
    const double pi = pis[_i];
    /* About 10^5 failures, so that every bin's expected count is large. */
    const size_t n_total = (size_t)(1e5 / (1.0 - pi));
    const sn_noise nz = mk(SN_NOISE_BERNOULLI, pi, 0, true), other = mk(SN_NOISE_BERNOULLI, 0.7,
                                                                         0, true);
    sn_rng *r = sn_rng_new(SEED + (uint64_t)_i, 5);
    sn_rng *sizes = sn_rng_new(SEED, 6);
    double *buf = malloc(CHUNK_MAX * sizeof *buf);
    ck_assert_ptr_nonnull(buf);
    size_t count[MAX_BINS + 1] = {0}; /* the last cell: runs of MAX_BINS and more */
    size_t n_runs = 0, run = 0, done = 0, n_bad = 0;
    bool started = false; /* the first run is counted from a failure on: skip the one before */
    for (size_t k = 0; done < n_total; k++) {
        size_t n = 1 + sn_rng_index(sizes, CHUNK_MAX);
        if (n > n_total - done)
            n = n_total - done;
        sn_noise_sample(&nz, r, buf, n);
        for (size_t i = 0; i < n; i++) {
            n_bad += !(buf[i] == 0.0 || buf[i] == 1.0 / pi);
            if (buf[i] != 0.0) {
                run++;
                continue;
            }
            if (started) {
                count[run < MAX_BINS ? run : MAX_BINS]++;
                n_runs++;
            }
            started = true;
            run = 0;
        }
        done += n;
        if (k % 2)
            sn_noise_sample(&other, r, buf, 1 + sn_rng_index(sizes, 100));
    }
    ck_assert_msg(n_bad == 0, "pi = %g: %zu draws are neither 0 nor 1/pi", pi, n_bad);
    /* Bins k = 0, 1, ... while the expected count is >= 100, then one tail bin. */
    double chi2 = 0.0, p_k = 1.0 - pi, tail_p = 1.0;
    size_t tail = n_runs, dof = 0, k = 0;
    for (; k < MAX_BINS && (double)n_runs * p_k >= 100.0; k++, p_k *= pi) {
        const double e = (double)n_runs * p_k;
        chi2 += ((double)count[k] - e) * ((double)count[k] - e) / e;
        tail -= count[k];
        tail_p -= p_k;
        dof++;
    }
    const double e_tail = (double)n_runs * tail_p;
    chi2 += ((double)tail - e_tail) * ((double)tail - e_tail) / e_tail;
    const double limit = gsl_cdf_chisq_Qinv(CHI2_ALPHA, (double)dof);
    ck_assert_msg(dof >= 5, "pi = %g: only %zu bins", pi, dof);
    ck_assert_msg(chi2 < limit, "pi = %g: runs chi2 = %.1f on %zu dof >= %.1f (%zu runs)", pi,
                  chi2, dof, limit, n_runs);
    free(buf);
    sn_rng_free(r);
    sn_rng_free(sizes);
}
END_TEST

/* sn_drops lists exactly the zeros sn_bernoulli_fill (sn_noise_sample) writes for the same
 * requests, on both sides of the switch from gaps to one uniform per trial, and keep
 * probability 1 uses no random numbers. */
START_TEST(test_drops_match_fill)
{
    static const double pis[] = {0.999, 0.95, 0.88, 0.8, 0.3};
    enum { N = 5000 };
    static double x[N];
    for (size_t p = 0; p < sizeof pis / sizeof pis[0]; p++) {
        sn_rng *a = sn_rng_new(77, p), *b = sn_rng_new(77, p);
        for (size_t req = 0; req < 20; req++) {
            const size_t n = 1 + (req * 977) % N;
            sn_bernoulli_fill(a, pis[p], 2.0, x, n);
            size_t n_zero = 0, n_listed = 0, n_wrong = 0;
            for (size_t i = 0; i < n; i++)
                n_zero += x[i] == 0.0;
            sn_drops d;
            for (sn_drops_begin(&d, b, pis[p], n); d.next < n; sn_drops_advance(&d)) {
                n_listed++;
                n_wrong += x[d.next] != 0.0;
            }
            sn_drops_end(&d);
            ck_assert_msg(n_wrong == 0 && n_listed == n_zero,
                          "pi = %g, request %zu: %zu listed, %zu zeros, %zu listed non-zero",
                          pis[p], req, n_listed, n_zero, n_wrong);
        }
        ck_assert(sn_rng_bits(a) == sn_rng_bits(b));
        sn_rng_free(a);
        sn_rng_free(b);
    }
    sn_rng *a = sn_rng_new(78, 0), *b = sn_rng_new(78, 0);
    sn_bernoulli_fill(a, 1.0, 1.0, x, N);
    for (size_t i = 0; i < N; i++)
        ck_assert(x[i] == 1.0);
    ck_assert(sn_rng_bits(a) == sn_rng_bits(b));
    sn_rng_free(a);
    sn_rng_free(b);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* Specification parser and formatter                                                          */
/* ------------------------------------------------------------------------------------------ */

static void assert_same_noise(const sn_noise *a, const sn_noise *b, const char *what)
{
    ck_assert_msg(a->family == b->family && a->mean_one == b->mean_one &&
                      memcmp(a->p, b->p, sizeof a->p) == 0,
                  "%s: (%d, %.17g, %.17g, %d) != (%d, %.17g, %.17g, %d)", what, (int)a->family,
                  a->p[0], a->p[1], (int)a->mean_one, (int)b->family, b->p[0], b->p[1],
                  (int)b->mean_one);
}

START_TEST(test_parse_good)
{
    static const struct {
        const char *spec;
        sn_noise want;
        const char *formatted;
    } cases[] = {
        {"none", {SN_NOISE_NONE, {0, 0}, true}, "none"},
        {"bernoulli:0.995", {SN_NOISE_BERNOULLI, {0.995, 0}, true}, "bernoulli:0.995"},
        {"bernoulli:1", {SN_NOISE_BERNOULLI, {1.0, 0}, true}, "bernoulli:1"},
        {"gaussian:0.25", {SN_NOISE_GAUSSIAN, {0.25, 0}, true}, "gaussian:0.25"},
        {"gaussian:1e-3", {SN_NOISE_GAUSSIAN, {1e-3, 0}, true}, "gaussian:0.001"},
        {"rayleigh:2", {SN_NOISE_RAYLEIGH, {2.0, 0}, true}, "rayleigh:2"},
        {"invnakagami:3", {SN_NOISE_INVNAKAGAMI, {3.0, 1.0}, true}, "invnakagami:3,1"},
        {"invnakagami:3,0.5", {SN_NOISE_INVNAKAGAMI, {3.0, 0.5}, true}, "invnakagami:3,0.5"},
        {"halfcauchy:0.1", {SN_NOISE_HALFCAUCHY, {0.1, 0}, false}, "halfcauchy:0.1"},
        {"beta:2,5", {SN_NOISE_BETA, {2.0, 5.0}, true}, "beta:2,5"},
        {"uniform:0,1", {SN_NOISE_UNIFORM, {0.0, 1.0}, true}, "uniform:0,1"},
        {"uniform:0.5,1.5", {SN_NOISE_UNIFORM, {0.5, 1.5}, true}, "uniform:0.5,1.5"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sn_noise nz, back;
        sn_error err = {0};
        char buf[128];
        sn_status st = sn_noise_parse(cases[i].spec, &nz, &err);
        ck_assert_msg(st == SN_OK, "\"%s\": %s", cases[i].spec, err.msg);
        assert_same_noise(&nz, &cases[i].want, cases[i].spec);
        const int len = sn_noise_format(&nz, buf, sizeof buf);
        ck_assert_str_eq(buf, cases[i].formatted);
        ck_assert_int_eq(len, (int)strlen(buf));
        CHECK_OK(sn_noise_parse(buf, &back, NULL));
        assert_same_noise(&back, &nz, buf);
        CHECK_OK(sn_noise_check(&nz, NULL));
    }

    /* Rayleigh's default scale sqrt(2/pi) gives mean-one noise whose scaling is the identity. */
    sn_noise nz;
    CHECK_OK(sn_noise_parse("rayleigh", &nz, NULL));
    ck_assert(nz.family == SN_NOISE_RAYLEIGH && nz.p[0] == sqrt(2.0 / M_PI) && nz.mean_one);
    nz.mean_one = false;
    CHECK_REL(sn_noise_moments_of(&nz).mean, 1.0, 1e-15);
}
END_TEST

/* format -> parse is bit-exact for random parameters spanning many magnitudes. */
START_TEST(test_format_roundtrip_random)
{
    sn_rng *r = sn_rng_new(7, 0);
    for (int i = 0; i < 20000; i++) {
        const double u = sn_rng_uniform(r), v = sn_rng_uniform(r);
        const double mag = exp(200.0 * (sn_rng_uniform(r) - 0.5));
        sn_noise nz;
        switch (i % 5) {
        case 0: nz = mk(SN_NOISE_BERNOULLI, u, 0, true); break;
        case 1: nz = mk(SN_NOISE_GAUSSIAN, mag * u, 0, true); break;
        case 2: nz = mk(SN_NOISE_BETA, 0.5 + 10 * u, 0.01 + 10 * v, true); break;
        case 3: nz = mk(SN_NOISE_UNIFORM, u, u + v, true); break;
        default: nz = mk(SN_NOISE_INVNAKAGAMI, 0.5 + 20 * u, mag * v, true); break;
        }
        char buf[128];
        sn_noise back;
        sn_error err = {0};
        sn_noise_format(&nz, buf, sizeof buf);
        /* Assert only on failure: every passing ck_assert costs Check a write to its pipe. */
        if (sn_noise_parse(buf, &back, &err) != SN_OK)
            ck_abort_msg("\"%s\": %s", buf, err.msg);
        if (!(back.family == nz.family && back.mean_one == nz.mean_one &&
              memcmp(back.p, nz.p, sizeof nz.p) == 0))
            assert_same_noise(&back, &nz, buf);
    }
    sn_rng_free(r);
}
END_TEST

START_TEST(test_format_truncates)
{
    sn_noise nz = mk(SN_NOISE_BETA, 2.0, 5.0, true);
    char buf[6];
    ck_assert_int_eq(sn_noise_format(&nz, buf, sizeof buf), 8); /* "beta:2,5" */
    ck_assert_str_eq(buf, "beta:");
    ck_assert_int_eq(sn_noise_format(&nz, NULL, 0), 8);
}
END_TEST

START_TEST(test_parse_bad)
{
    static const struct {
        const char *spec;
        const char *must_say; /* a fragment the message must contain */
    } cases[] = {
        {"", "empty"},
        {"foo:1", "unknown family \"foo\""},
        {"Bernoulli:0.5", "unknown family"},
        {":0.5", "unknown family"},
        {"averyveryverylongfamilyname:1", "unknown family"},
        {"bernoulli", "expected bernoulli:pi"},
        {"bernoulli:", "must be a number"},
        {"bernoulli:1.5", "keep probability pi must be in (0, 1], got 1.5"},
        {"bernoulli:0", "(0, 1]"},
        {"bernoulli:-0.5", "(0, 1]"},
        {"bernoulli:abc", "must be a number, found \"abc\""},
        {"bernoulli:0.5x", "found \"0.5x\""},
        {"bernoulli: 0.5", "must be a number"},
        {"bernoulli:0.5 ", "must be a number"},
        {"bernoulli:nan", "finite"},
        {"bernoulli:inf", "finite"},
        {"bernoulli:0.5,0.5", "expected bernoulli:pi, got 2 parameters"},
        {"gaussian:-1", "variance alpha must be > 0, got -1"},
        {"gaussian:0", "> 0"},
        {"gaussian:1e999", "finite"},
        {"rayleigh:", "must be a number"},
        {"rayleigh:0", "scale s must be > 0"},
        {"rayleigh:1,2", "expected rayleigh[:s]"},
        {"invnakagami", "expected invnakagami:m[,Omega]"},
        {"invnakagami:3,0", "spread Omega must be > 0"},
        {"halfcauchy:0", "scale eta must be > 0"},
        {"halfcauchy", "expected halfcauchy:eta"},
        {"beta:1", "expected beta:a,b, got 1 parameter"},
        {"beta:1,", "shape b must be a number, found \"\""},
        {"beta:1,2,3", "got 3 parameters"},
        {"beta:0,1", "shape a must be > 0"},
        {"beta:1,-2", "shape b must be > 0"},
        {"uniform:2,1", "upper end hi must be greater than lo = 2, got 1"},
        {"uniform:1,1", "greater than lo"},
        {"uniform:-1,1", "lower end lo must be >= 0"},
        {"none:1", "none takes no parameters"},
        {"none:", "no parameters"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const sn_noise sentinel = mk(SN_NOISE_GAUSSIAN, 123.0, 456.0, false);
        sn_noise nz = sentinel;
        sn_error err = {0};
        char quoted[128];
        snprintf(quoted, sizeof quoted, "\"%s\"", cases[i].spec);
        sn_status st = sn_noise_parse(cases[i].spec, &nz, &err);
        ck_assert_msg(st == SN_EINVAL, "\"%s\" gave %s", cases[i].spec, sn_status_str(st));
        ck_assert_int_eq(err.code, SN_EINVAL);
        ck_assert_msg(err.msg[0] != '\0', "\"%s\": empty message", cases[i].spec);
        ck_assert_msg(strchr(err.msg, '\n') == NULL, "\"%s\": message has a newline",
                      cases[i].spec);
        ck_assert_msg(strstr(err.msg, quoted) != NULL, "message for \"%s\" does not quote it: %s",
                      cases[i].spec, err.msg);
        ck_assert_msg(strstr(err.msg, cases[i].must_say) != NULL,
                      "message for \"%s\" lacks \"%s\": %s", cases[i].spec, cases[i].must_say,
                      err.msg);
        assert_same_noise(&nz, &sentinel, "a failed parse must leave *out alone");
        /* err may be NULL. */
        ck_assert_int_eq(sn_noise_parse(cases[i].spec, &nz, NULL), SN_EINVAL);
    }
    sn_noise nz;
    sn_error err = {0};
    ck_assert_int_eq(sn_noise_parse(NULL, &nz, &err), SN_EINVAL);
    ck_assert(err.msg[0] != '\0');
}
END_TEST

/* Parsing checks the parameters; mean-one feasibility is sn_noise_check's (so --noise-raw can
 * switch scaling off first): inverse-Nakagami with m <= 1/2 has an infinite mean. */
START_TEST(test_parse_then_check_mean_one)
{
    static const struct {
        const char *spec, *must_say;
    } cases[] = {{"invnakagami:0.5", "mean-one needs m > 1/2"},
                 {"invnakagami:0.4,2", "infinite mean"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sn_noise nz;
        sn_error err = {0};
        ck_assert_int_eq(sn_noise_parse(cases[i].spec, &nz, &err), SN_OK);
        ck_assert(nz.mean_one);
        ck_assert_int_eq(sn_noise_check(&nz, &err), SN_EINVAL);
        ck_assert_msg(strstr(err.msg, cases[i].must_say) != NULL, "%s: %s", cases[i].spec,
                      err.msg);
        nz.mean_one = false;
        ck_assert_int_eq(sn_noise_check(&nz, &err), SN_OK);
    }
}
END_TEST

START_TEST(test_check)
{
    sn_error err = {0};
    sn_noise hc = mk(SN_NOISE_HALFCAUCHY, 1.0, 0, true);
    ck_assert_int_eq(sn_noise_check(&hc, &err), SN_EINVAL);
    ck_assert_msg(strstr(err.msg, "half-Cauchy") && strstr(err.msg, "mean one") &&
                      strstr(err.msg, "halfcauchy:1"),
                  "message: %s", err.msg);
    hc.mean_one = false;
    CHECK_OK(sn_noise_check(&hc, NULL));

    sn_noise nak = mk(SN_NOISE_INVNAKAGAMI, 0.5, 1.0, true);
    ck_assert_int_eq(sn_noise_check(&nak, &err), SN_EINVAL);
    ck_assert_msg(strstr(err.msg, "m > 1/2"), "message: %s", err.msg);
    nak.mean_one = false;
    CHECK_OK(sn_noise_check(&nak, NULL));
    nak.p[0] = 0.5000000000000001; /* the smallest double above 1/2 has a finite mean */
    nak.mean_one = true;
    CHECK_OK(sn_noise_check(&nak, NULL));

    const sn_noise bad[] = {
        mk((sn_noise_family)99, 1.0, 1.0, false), mk(SN_NOISE_BERNOULLI, NAN, 0, true),
        mk(SN_NOISE_BERNOULLI, 1.0000000000000002, 0, true), mk(SN_NOISE_GAUSSIAN, 0, 0, true),
        mk(SN_NOISE_RAYLEIGH, INFINITY, 0, false), mk(SN_NOISE_INVNAKAGAMI, 3.0, NAN, true),
        mk(SN_NOISE_BETA, 1.0, 0.0, true),         mk(SN_NOISE_UNIFORM, 0.5, 0.5, true),
        mk(SN_NOISE_UNIFORM, -0.1, 0.5, false),
        /* Mean so small that 1/E[xi] overflows. */
        mk(SN_NOISE_BETA, 1e-310, 1.0, true),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err.msg[0] = '\0';
        ck_assert_msg(sn_noise_check(&bad[i], &err) == SN_EINVAL, "case %zu accepted", i);
        ck_assert_msg(err.msg[0] != '\0', "case %zu: empty message", i);
    }
    ck_assert_int_eq(sn_noise_check(NULL, NULL), SN_EINVAL);
    /* Unused second parameters are not checked. */
    CHECK_OK(sn_noise_check(&(sn_noise){SN_NOISE_BERNOULLI, {0.5, NAN}, true}, NULL));
}
END_TEST

/* ------------------------------------------------------------------------------------------ */

static Suite *noise_suite(void)
{
    Suite *s = suite_create("noise");
    TCase *tc = tcase_create("moments");
    tcase_add_test(tc, test_moments_closed_forms);
    tcase_add_test(tc, test_moments_consistent);
    suite_add_tcase(s, tc);

    tc = tcase_create("samplers");
    /* Each sampler case takes about 0.1 s; generous for sanitizer builds. */
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_sampler, 0, N_SETTINGS);
    tcase_add_test(tc, test_sampler_tests_have_power);
    tcase_add_test(tc, test_sampler_invalid_is_nan);
    tcase_add_test(tc, test_determinism);
    tcase_add_loop_test(tc, test_bernoulli_runs, 0, 4);
    tcase_add_test(tc, test_drops_match_fill);
    suite_add_tcase(s, tc);

    tc = tcase_create("spec");
    tcase_add_test(tc, test_parse_good);
    tcase_add_test(tc, test_format_roundtrip_random);
    tcase_add_test(tc, test_format_truncates);
    tcase_add_test(tc, test_parse_bad);
    tcase_add_test(tc, test_parse_then_check_mean_one);
    tcase_add_test(tc, test_check);
    suite_add_tcase(s, tc);
    return s;
}

SN_TEST_MAIN(noise_suite)
