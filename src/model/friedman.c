/*
 * friedman.c — Friedman's #1 regression data (sn_data_friedman1): a synthetic data set drawn
 * from a seeded generator (`shrinknet demo`, the tests). No I/O.
 */
#include "model/model.h"

#include <inttypes.h>
#include <math.h>

/*
 * Friedman (1991), "Multivariate adaptive regression splines", Ann. Statist. 19, test function 1:
 *     y = 10 sin(pi x1 x2) + 20 (x3 - 1/2)^2 + 10 x4 + 5 x5 + noise_sd * e,   e ~ N(0, 1),
 * with x ~ U(0,1)^n_cols; inputs 6..n_cols do not enter y. Output: X [n_rows][n_cols],
 * y [n_rows], columns named "x1".."x<n_cols>". Each row draws its n_cols uniforms, then e (also
 * when noise_sd = 0, so that X does not depend on noise_sd), from sn_rng_new(seed, 0).
 */
sn_status sn_data_friedman1(size_t n_rows, size_t n_cols, double noise_sd, uint64_t seed,
                            sn_data **out, sn_error *err)
{
    sn_rng *r = NULL;
    sn_data *d = NULL;
    if (!out)
        return sn_fail(err, SN_EINVAL, "sn_data_friedman1: out is NULL");
    *out = NULL;
    if (n_rows == 0)
        return sn_fail(err, SN_EINVAL, "sn_data_friedman1: n_rows = 0, expected at least 1");
    if (n_cols < 5)
        return sn_fail(err, SN_EINVAL, "sn_data_friedman1: n_cols = %zu, expected at least 5",
                       n_cols);
    if (!(noise_sd >= 0.0) || !isfinite(noise_sd))
        return sn_fail(err, SN_EINVAL, "sn_data_friedman1: noise_sd = %g, expected a finite "
                       "value >= 0", noise_sd);

    if (!(r = sn_rng_new(seed, 0)) || !(d = sn_data_alloc(n_rows, n_cols, true)))
        goto fail;
    for (size_t j = 0; j < n_cols; j++) {
        if (!(d->col_names[j] = sn_strdup_printf("x%zu", j + 1)))
            goto fail;
    }
    if (!(d->source = sn_strdup_printf("friedman1 (n_rows %zu, n_cols %zu, noise_sd %g, "
                                       "seed %" PRIu64 ")", n_rows, n_cols, noise_sd, seed)))
        goto fail;
    for (size_t i = 0; i < n_rows; i++) {
        double *x = d->x + i * n_cols;
        for (size_t j = 0; j < n_cols; j++)
            x[j] = sn_rng_uniform(r);
        double e = sn_rng_normal(r);
        double c = x[2] - 0.5;
        d->y[i] = 10.0 * sin(SN_PI * x[0] * x[1]) + 20.0 * c * c + 10.0 * x[3] + 5.0 * x[4] +
                  noise_sd * e;
    }
    sn_rng_free(r);
    *out = d;
    return SN_OK;

fail:
    sn_rng_free(r);
    sn_data_free(d);
    return sn_fail_nomem(err, "sn_data_friedman1");
}
