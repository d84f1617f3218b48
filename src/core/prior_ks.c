/*
 * prior_ks.c — sn_prior_ks: the Kolmogorov–Smirnov distance and p-value between samples of
 * w = xi z under one noise and the CDF of the prior (7) implied by another, the CDF tabulated
 * once where it needs quadrature.
 */
#include "core/prior.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_interp.h>
#include <gsl/gsl_math.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* KS against a quadrature CDF: the lower tail Q(c) is tabulated once at c_j = KS_DELTA sinh(j h)
 * (spacing KS_DELTA h near 0, relative spacing h in the tails; KS_STEP = h) up to the largest
 * |w|/s of the sample and interpolated with GSL's monotone Steffen spline in j h. The
 * interpolation error is far below the KS resolution 1/sqrt(n) (see tests/test_prior.c, which
 * compares with the CDF evaluated at every point). */
#define KS_DELTA 1e-3
#define KS_STEP 0.02

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
static sn_status tail_table_build(const sn_prior_spec *ps, gsl_integration_workspace *ws,
                                  double c_max, tail_table *t, sn_error *err)
{
    sn_status st;
    memset(t, 0, sizeof *t);
    double y_max = fmax(asinh(c_max / KS_DELTA), 3.0 * KS_STEP);
    size_t n = (size_t)ceil(y_max / KS_STEP) + 1;
    t->n = n;
    t->y = malloc(n * sizeof *t->y);
    t->q = malloc(n * sizeof *t->q);
    t->interp = gsl_interp_alloc(gsl_interp_steffen, n);
    t->acc = gsl_interp_accel_alloc();
    if (!t->y || !t->q || !t->interp || !t->acc) {
        st = sn_fail(err, SN_ENOMEM, "out of memory for the KS table of %zu points", n);
        goto fail;
    }
    double h = y_max / (double)(n - 1);
    for (size_t j = 0; j < n; j++) {
        t->y[j] = h * (double)j;
        st = sn_prior_lower_tail(ps, ws, KS_DELTA * sinh(t->y[j]), &t->q[j], err);
        if (st != SN_OK)
            goto fail;
    }
    if (gsl_interp_init(t->interp, t->y, t->q, n) != GSL_SUCCESS) {
        st = sn_fail(err, SN_ENUMERIC, "prior KS: interpolation table could not be built");
        goto fail;
    }
    return SN_OK;

fail:
    tail_table_free(t);
    return st;
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
    sn_prior_spec ps;
    if ((st = sn_prior_setup(target_nz, sigma0, &ps, err)) != SN_OK)
        return st;

    gsl_error_handler_t *old = gsl_set_error_handler_off();
    gsl_integration_workspace *ws = NULL;
    tail_table tab = {0};
    bool use_table = sn_prior_needs_quadrature(ps.family);
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
        if (!(ws = gsl_integration_workspace_alloc(SN_PRIOR_QUAD_LIMIT))) {
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
        else if ((st = sn_prior_lower_tail(&ps, ws, c, &q, err)) != SN_OK)
            goto done;
        sn_prior_cdf_from_tail(&ps, w[i], q, &F, &F_left);
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
