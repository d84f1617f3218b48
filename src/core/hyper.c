/*
 * hyper.c — hyper-priors on the prior variances of variational EM and their closed-form updates
 * (MATH.md §4 (29)-(32), §6), and the "family:a,b" spelling of a hyper-prior.
 *
 * A group of P weights shares one prior variance v; with M = sum over the group of (mu^2 + sigma^2)
 * the v-dependent part of the ELBO (24) is
 *
 *     F(v) = -1/2 (M/v + P log v) + log p_h(v)                                       (MATH.md §4)
 *
 * and the updates below are its exact maximisers. The hyper-prior densities (constants dropped):
 *
 *     inverse-gamma IG(a, b) on the variance:   log p_h(v) = -(a + 1) log v - b/v
 *     log-uniform (= IG(0, 0)) on the variance: log p_h(v) = -log v
 *     half-Cauchy(eta) on the std s = sqrt(v):  log p_h(v) = -log(1 + v/eta^2)
 *
 * The half-Cauchy density is maximised over the std (no Jacobian), the reference's convention.
 */
#include "core/core.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------ */
/* Checking a hyper-prior                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* SN_OK when h names a known family with parameters in range: IG a >= 0, b >= 0 (IG(0, 0) is the
 * log-uniform prior), half-Cauchy eta > 0, all finite. */
static sn_status hyper_check(const sn_hyperprior *h, sn_error *err)
{
    if (!h)
        return sn_fail(err, SN_EINVAL, "no hyper-prior given");
    switch (h->family) {
    case SN_HYPER_INVGAMMA:
        if (!(isfinite(h->a) && h->a >= 0.0 && isfinite(h->b) && h->b >= 0.0))
            return sn_fail(err, SN_EINVAL,
                           "inverse-gamma hyper-prior needs finite a >= 0 and b >= 0; got a = %g, "
                           "b = %g", h->a, h->b);
        return SN_OK;
    case SN_HYPER_HALFCAUCHY:
        if (!(isfinite(h->a) && h->a > 0.0))
            return sn_fail(err, SN_EINVAL,
                           "half-Cauchy hyper-prior needs a finite scale eta > 0; got %g", h->a);
        return SN_OK;
    case SN_HYPER_LOGUNIFORM:
        return SN_OK;
    }
    return sn_fail(err, SN_EINVAL, "unknown hyper-prior family %d", (int)h->family);
}

/* ------------------------------------------------------------------------------------------ */
/* One group: (29)-(31)                                                                        */
/* ------------------------------------------------------------------------------------------ */

/*
 * v* = argmax_v F(v) for one group of P weights with second-moment sum M >= 0:
 *
 *   (29) inverse-gamma IG(a, b):  v* = (M + 2b) / (P + 2a + 2)
 *   (30) log-uniform:             v* = M / (P + 2)
 *   (31) half-Cauchy(eta):        the positive root of (P+2) v^2 + (P eta^2 - M) v - M eta^2 = 0,
 *        v* = [d + r] / (2(P+2))   with d = M - P eta^2, r = sqrt(d^2 + 4(P+2) M eta^2)
 *
 * The discriminant of (31) is written as d^2 + 4(P+2) M eta^2 (= M^2 + (2P+8) eta^2 M + P^2 eta^4):
 * two nonnegative terms, so r has no cancellation, and hypot() avoids overflow. When d < 0 the sum
 * d + r cancels (badly so for M << P eta^2); then the same root is taken from the product of the
 * roots, v+ v- = -M eta^2/(P+2), with v- = (d - r)/(2(P+2)):
 *
 *        v* = 2 M eta^2 / (r - d)                                        (d < 0: no cancellation)
 *
 * which is also exactly 0 at M = 0. Returns NAN for an invalid h, M < 0 or P < 0 (or NaN inputs).
 */
double sn_hyper_optimal_variance(const sn_hyperprior *h, double M, double P)
{
    if (hyper_check(h, NULL) != SN_OK || !(M >= 0.0) || !(P >= 0.0))
        return NAN;
    switch (h->family) {
    case SN_HYPER_INVGAMMA:
        return (M + 2.0 * h->b) / (P + 2.0 * h->a + 2.0);
    case SN_HYPER_LOGUNIFORM:
        return M / (P + 2.0);
    case SN_HYPER_HALFCAUCHY: {
        double eta2 = h->a * h->a;
        double d = M - P * eta2;
        double r = hypot(d, 2.0 * sqrt((P + 2.0) * M) * h->a);
        if (d >= 0.0)
            return (d + r) / (2.0 * (P + 2.0));
        return 2.0 * M * eta2 / (r - d);
    }
    }
    return NAN;
}

/* log p_h(v) of the header comment, constants dropped; v > 0. */
static double log_hyper_density(const sn_hyperprior *h, double v)
{
    switch (h->family) {
    case SN_HYPER_INVGAMMA:
        return -(h->a + 1.0) * log(v) - h->b / v;
    case SN_HYPER_LOGUNIFORM:
        return -log(v);
    case SN_HYPER_HALFCAUCHY:
        return -log1p(v / (h->a * h->a));
    }
    return NAN;
}

/* v d/dv log p_h(v) = d log p_h / d log v: -(a+1) + b/v (IG), -1 (log-uniform),
 * -v/(eta^2 + v) (half-Cauchy). */
static double dlog_hyper_density(const sn_hyperprior *h, double v)
{
    switch (h->family) {
    case SN_HYPER_INVGAMMA:
        return -(h->a + 1.0) + h->b / v;
    case SN_HYPER_LOGUNIFORM:
        return -1.0;
    case SN_HYPER_HALFCAUCHY:
        return -v / (h->a * h->a + v);
    }
    return NAN;
}

/*
 * F(v) = -1/2 (M/v + P log v) + log p_h(v)   (MATH.md §4, the v-dependent part of (24) for one
 * group). Defined for v > 0 finite; returns NAN outside (at v = 0 F is -inf for M > 0 but +inf
 * for M = 0 under log-uniform or half-Cauchy, so no single value is right), for M < 0, P < 0 or
 * an invalid h. With M = P = 0 it is log p_h(v).
 */
double sn_hyper_objective(const sn_hyperprior *h, double M, double P, double v)
{
    if (hyper_check(h, NULL) != SN_OK || !(M >= 0.0) || !(P >= 0.0) || !(v > 0.0) || !isfinite(v))
        return NAN;
    return -0.5 * (M / v + P * log(v)) + log_hyper_density(h, v);
}

/* ------------------------------------------------------------------------------------------ */
/* ARD-ADD: (32) solved exactly                                                                */
/* ------------------------------------------------------------------------------------------ */

/* Data of the profile derivative: the rows that enter it. */
typedef struct {
    const sn_hyperprior *h;
    const double *M; /* [R] row sums */
    size_t R, J;
    size_t n_live;   /* rows with a_r(t) > 0 (all rows except half-Cauchy rows with M_r = 0) */
} ard_add_profile;

/* A row is degenerate when U(M_r/t, J) = 0 for every t: half-Cauchy with M_r = 0 (under IG with
 * b > 0 the row factor stays at 2b/(J + 2a + 2) > 0). */
static bool row_is_degenerate(const sn_hyperprior *h, double M)
{
    return h->family == SN_HYPER_HALFCAUCHY && M == 0.0;
}

/*
 * g(tau) = d/dtau F(a(t), t) at t = e^tau, the derivative of the profile of
 *
 *     F(a, t) = -1/2 sum_r [M_r/(a_r t) + J log(a_r t)] + sum_r log p_h(a_r) + log p_h(t)   (32)
 *
 * with a_r(t) = U(M_r/t, J) of (29)/(31). Since each a_r(t) maximises F given t, the envelope
 * theorem gives g = dF/dlog t at fixed a:
 *
 *     g(tau) = 1/2 sum_{live r} [ (M_r/t)/a_r(t) - J ] + t d/dt log p_h(t)
 *
 * Degenerate rows (half-Cauchy, M_r = 0) are left out: as M_r -> 0, a_r(t) ~ M_r/(t J) (slope 1/J
 * of (31) at 0), so their term (M_r/t)/a_r - J tends to 0 and their contribution to F, -J/2 -
 * J/2 log(M_r/J) + o(1), no longer depends on t. F is jointly concave in (log a, log t), so the
 * profile is concave and g is nonincreasing.
 */
static double ard_add_profile_slope(double tau, void *params)
{
    const ard_add_profile *pr = params;
    double t = exp(tau), s = 0.0;
    for (size_t r = 0; r < pr->R; r++) {
        if (row_is_degenerate(pr->h, pr->M[r]))
            continue;
        double m = pr->M[r] / t;
        double ar = sn_hyper_optimal_variance(pr->h, m, (double)pr->J);
        /* m/a_r -> J as m -> 0 under the half-Cauchy (slope 1/J of (31) at 0); this limit is
         * used when m or a_r underflows. Under IG, a_r >= 2b/(J + 2a + 2) > 0 and m = 0 gives 0. */
        double ratio;
        if (m > 0.0 && ar > 0.0)
            ratio = m / ar;
        else
            ratio = pr->h->family == SN_HYPER_HALFCAUCHY ? (double)pr->J : 0.0;
        s += 0.5 * (ratio - (double)pr->J);
    }
    return s + dlog_hyper_density(pr->h, t);
}

/* The bracket of the profile search starts at [-40, 40] in log t (t in [4e-18, 2e17], MATH.md
 * §4) and widens by this much per step until g changes sign; exp() overflows beyond +-709. */
#define ARD_ADD_TAU_START 40.0
#define ARD_ADD_TAU_STEP 40.0
#define ARD_ADD_TAU_LIMIT 680.0
/* Root tolerance on tau = log t: a relative error of 1e-13 in t, far below anything the ELBO can
 * resolve, and above the rounding noise of g near its root for groups up to ~10^8 weights. */
#define ARD_ADD_TAU_TOL 1e-13
#define ARD_ADD_MAX_ITER 500

/*
 * The joint maximiser (a*, t*) of F(a, t) above for a matrix of R rows by J columns with row sums
 * M [R] (MATH.md §4 (32)). Alternating the block updates a_r | t = U(M_r/t, J),
 * t | a = U(sum_r M_r/a_r, R J) converges but can take 10^2-10^4 sweeps along the (a e^c, t e^-c)
 * ridge, so instead the 1-D concave profile tau -> F(a(e^tau), e^tau) is maximised directly: its
 * derivative g(tau) (ard_add_profile_slope) is decreasing, and its root is found by GSL's Brent
 * root finder on a sign-changing bracket. Locating the root of the exact derivative, rather than
 * the maximum of F by comparing values, gives tau to ~1e-13 instead of ~sqrt(machine epsilon),
 * so the gradient of F vanishes at the result to rounding. Then a_r = U(M_r/t*, J).
 *
 * Conventions:
 *   - half-Cauchy rows with M_r = 0 get a_r = U(0, J) = 0 exactly (F -> +inf as a_r -> 0, the
 *     point-mass MAP collapses) and are left out of the t-profile (see ard_add_profile_slope);
 *     if every row is zero, t = U(0, R J) = 0 as well.
 *   - log-uniform on both factors, and inverse-gamma with b = 0 (= log-uniform times a power),
 *     have no maximiser: along the ridge F grows like (R-1)(a+1)|c| as c -> -inf (MATH.md §4),
 *     SN_EUNSUPPORTED.
 * Outputs a [R] and *t. SN_EINVAL for bad arguments (R or J zero, M_r negative or not finite),
 * SN_ENUMERIC if no sign change of g is found within |log t| <= 680.
 */
sn_status sn_hyper_optimal_ard_add(const sn_hyperprior *h, const double *M, size_t R, size_t J,
                                   double *a, double *t, sn_error *err)
{
    sn_status st = hyper_check(h, err);
    if (st != SN_OK)
        return st;
    if (h->family == SN_HYPER_LOGUNIFORM)
        return sn_fail(err, SN_EUNSUPPORTED,
                       "ARD-ADD with a log-uniform hyper-prior has no maximiser: F grows without "
                       "bound along the ridge a_r e^c, t e^-c as c -> -inf (MATH.md §4); use "
                       "invgamma with b > 0 or halfcauchy");
    if (h->family == SN_HYPER_INVGAMMA && h->b == 0.0)
        return sn_fail(err, SN_EUNSUPPORTED,
                       "ARD-ADD with an inverse-gamma hyper-prior with b = 0 has no maximiser: F "
                       "grows without bound along the ridge a_r e^c, t e^-c as c -> -inf "
                       "(MATH.md §4); use b > 0");
    if (!M || !a || !t)
        return sn_fail(err, SN_EINVAL, "ARD-ADD update: NULL array");
    if (R == 0 || J == 0)
        return sn_fail(err, SN_EINVAL, "ARD-ADD update needs R >= 1 rows and J >= 1 columns; "
                                       "got R = %zu, J = %zu", R, J);
    ard_add_profile pr = {h, M, R, J, 0};
    for (size_t r = 0; r < R; r++) {
        if (!(M[r] >= 0.0) || !isfinite(M[r]))
            return sn_fail(err, SN_EINVAL, "ARD-ADD update: row sum M[%zu] = %g is not a finite "
                                           "number >= 0", r, M[r]);
        if (!row_is_degenerate(h, M[r]))
            pr.n_live++;
    }

    double t_opt;
    if (pr.n_live == 0) {
        /* Only half-Cauchy reaches here: F(t) = log p_h(t) is maximal at t = U(0, R J) = 0. */
        t_opt = 0.0;
    } else {
        /* Find lo < hi with g(lo) > 0 > g(hi), widening the bracket; g is nonincreasing. */
        double lo = -ARD_ADD_TAU_START, hi = ARD_ADD_TAU_START;
        double g_lo = ard_add_profile_slope(lo, &pr), g_hi = ard_add_profile_slope(hi, &pr);
        while (g_lo > 0.0 && g_hi > 0.0 && hi < ARD_ADD_TAU_LIMIT) {
            lo = hi;
            g_lo = g_hi;
            hi += ARD_ADD_TAU_STEP;
            g_hi = ard_add_profile_slope(hi, &pr);
        }
        while (g_lo < 0.0 && g_hi < 0.0 && lo > -ARD_ADD_TAU_LIMIT) {
            hi = lo;
            g_hi = g_lo;
            lo -= ARD_ADD_TAU_STEP;
            g_lo = ard_add_profile_slope(lo, &pr);
        }
        if (isnan(g_lo) || isnan(g_hi) || (g_lo > 0.0 && g_hi > 0.0) ||
            (g_lo < 0.0 && g_hi < 0.0))
            return sn_fail(err, SN_ENUMERIC, "ARD-ADD update: the profile slope does not change "
                                             "sign for log t in [-%g, %g] (g = %g, %g)",
                           ARD_ADD_TAU_LIMIT, ARD_ADD_TAU_LIMIT, g_lo, g_hi);
        double tau;
        if (g_lo == 0.0) {
            tau = lo;
        } else if (g_hi == 0.0) {
            tau = hi;
        } else {
            /* The Illinois variant of regula falsi on the bracket: superlinear, always
             * bracketing, no allocation and no global state (GSL's solvers report errors
             * through a process-wide handler, which a library must not switch per call). */
            double a0 = lo, b0 = hi, ga = g_lo, gb = g_hi;
            int side = 0;
            tau = 0.5 * (lo + hi);
            for (int it = 0; it < ARD_ADD_MAX_ITER && b0 - a0 > ARD_ADD_TAU_TOL; it++) {
                tau = (a0 * gb - b0 * ga) / (gb - ga);
                if (!(tau > a0 && tau < b0))
                    tau = 0.5 * (a0 + b0);
                double g = ard_add_profile_slope(tau, &pr);
                if (g == 0.0 || isnan(g))
                    break;
                if ((g > 0.0) == (ga > 0.0)) {
                    a0 = tau;
                    ga = g;
                    if (side == -1)
                        gb *= 0.5;
                    side = -1;
                } else {
                    b0 = tau;
                    gb = g;
                    if (side == 1)
                        ga *= 0.5;
                    side = 1;
                }
            }
            if (!isfinite(tau))
                return sn_fail(err, SN_ENUMERIC, "ARD-ADD update: root search failed");
        }
        t_opt = exp(tau);
    }

    for (size_t r = 0; r < R; r++)
        a[r] = row_is_degenerate(h, M[r]) ? 0.0
                                          : sn_hyper_optimal_variance(h, M[r] / t_opt, (double)J);
    *t = t_opt;
    return SN_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Parsing and formatting "family[:a[,b]]"                                                     */
/* ------------------------------------------------------------------------------------------ */

/* One finite number, the whole of s[0..len) (core/parse.c). */
static bool parse_number(const char *s, size_t len, double *out)
{
    return sn_parse_real(s, len, 0, out) == SN_NUM_OK;
}

/*
 * "invgamma:a,b" (a >= 0, b >= 0; IG(0, 0) is the log-uniform prior), "halfcauchy:eta" (eta > 0)
 * or "loguniform" (no parameters). Every parameter must be given; numbers go through strtod with
 * its end pointer and must be finite. SN_EINVAL with a message naming the spec and the part that
 * is wrong; *out is written only on success.
 */
sn_status sn_hyperprior_parse(const char *spec, sn_hyperprior *out, sn_error *err)
{
    if (!spec || !out)
        return sn_fail(err, SN_EINVAL, "no hyper-prior given");
    const char *colon = strchr(spec, ':');
    size_t name_len = colon ? (size_t)(colon - spec) : strlen(spec);
    char name[32];
    if (name_len == 0 || name_len >= sizeof name)
        return sn_fail(err, SN_EINVAL, "hyper-prior \"%s\": expected invgamma:a,b, halfcauchy:eta "
                                       "or loguniform", spec);
    memcpy(name, spec, name_len);
    name[name_len] = '\0';
    sn_hyperprior h = {SN_HYPER_INVGAMMA, 0.0, 0.0};
    if (sn_hyper_family_parse(name, &h.family) != SN_OK)
        return sn_fail(err, SN_EINVAL, "hyper-prior \"%s\": unknown family \"%s\" (expected "
                                       "invgamma, halfcauchy or loguniform)", spec, name);

    /* Split the parameter list at commas: up to two fields. */
    const char *fields[3] = {NULL, NULL, NULL};
    size_t lens[3] = {0, 0, 0};
    size_t n_fields = 0;
    if (colon) {
        const char *p = colon + 1;
        for (;;) {
            const char *comma = strchr(p, ',');
            size_t len = comma ? (size_t)(comma - p) : strlen(p);
            if (n_fields == 3)
                break;
            fields[n_fields] = p;
            lens[n_fields] = len;
            n_fields++;
            if (!comma)
                break;
            p = comma + 1;
        }
    }
    static const char *const usage[] = {"invgamma:a,b", "halfcauchy:eta", "loguniform"};
    size_t want = h.family == SN_HYPER_INVGAMMA ? 2 : h.family == SN_HYPER_HALFCAUCHY ? 1 : 0;
    if (n_fields != want)
        return sn_fail(err, SN_EINVAL, "hyper-prior \"%s\": %s takes %zu parameter%s (%s), "
                                       "found %s%zu", spec, name, want, want == 1 ? "" : "s",
                       usage[h.family], n_fields > 2 ? "more than " : "",
                       n_fields > 2 ? (size_t)2 : n_fields);
    static const char *const pnames[3][2] = {{"a", "b"}, {"eta", ""}, {"", ""}};
    double vals[2] = {0.0, 0.0};
    for (size_t i = 0; i < n_fields; i++) {
        if (!parse_number(fields[i], lens[i], &vals[i]))
            return sn_fail(err, SN_EINVAL, "hyper-prior \"%s\": expected a finite number for %s, "
                                           "found \"%.*s\"", spec, pnames[h.family][i],
                           (int)lens[i], fields[i]);
    }
    h.a = vals[0];
    h.b = vals[1];
    if (h.family == SN_HYPER_INVGAMMA && !(h.a >= 0.0 && h.b >= 0.0))
        return sn_fail(err, SN_EINVAL, "hyper-prior \"%s\": inverse-gamma needs a >= 0 and "
                                       "b >= 0; got a = %g, b = %g", spec, h.a, h.b);
    if (h.family == SN_HYPER_HALFCAUCHY && !(h.a > 0.0))
        return sn_fail(err, SN_EINVAL, "hyper-prior \"%s\": half-Cauchy needs eta > 0; got %g",
                       spec, h.a);
    *out = h;
    return SN_OK;
}

/* Inverse of sn_hyperprior_parse with %.17g parameters (exact round trip). Returns what snprintf
 * returns: the length of the full text, or a negative value for an unknown family. */
int sn_hyperprior_format(const sn_hyperprior *h, char *buf, size_t size)
{
    switch (h->family) {
    case SN_HYPER_INVGAMMA:
        return snprintf(buf, size, "invgamma:%.17g,%.17g", h->a, h->b);
    case SN_HYPER_HALFCAUCHY:
        return snprintf(buf, size, "halfcauchy:%.17g", h->a);
    case SN_HYPER_LOGUNIFORM:
        return snprintf(buf, size, "loguniform");
    }
    return -1;
}
