/*
 * metrics.c — regression metrics of Monte Carlo predictions (MATH.md §5).
 *
 * Pure computation on arrays: no files, no printing.
 */
#include "core/core.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

/*
 * Metrics of T predictive draws yhat [T][n] (row t = draw t, original units of y) against the
 * targets y [n], with likelihood precision kappa > 0 (original units), MATH.md §5:
 *
 *   m_n     = (1/T) sum_t yhat_{t,n}                                                    (35)
 *   Var_n   = (1/T) sum_t yhat_{t,n}^2 - m_n^2 + 1/kappa                                 (35)
 *   rmse    = sqrt( (1/n) sum_n (y_n - m_n)^2 )                                          (36)
 *   ll      = (1/n) sum_n [ LSE_t(-kappa/2 (y_n - yhat_{t,n})^2) - log T ]
 *             + 1/2 log kappa - 1/2 log 2 pi                                              (37)
 *   ll_gauss = (1/n) sum_n log N(y_n; m_n, Var_n)        (moment-matched Gaussian, PBP's code)
 *   mae     = (1/n) sum_n |y_n - m_n|
 *   ref_abs_err = (1/(n T)) sum_n sum_t |y_n - yhat_{t,n}|   (the authors' "RMSE")         (38)
 *
 * accuracy, brier and ece are NAN (classification only). SN_EINVAL for T = 0, n = 0, a kappa
 * that is not finite and positive, or NULL arrays; SN_EDATA for a non-finite target;
 * SN_ENUMERIC for a non-finite draw; SN_ENOMEM if the T-length work buffer cannot be allocated.
 * *out is written only on success.
 */
sn_status sn_metrics_regression(const double *yhat, const double *y, size_t n_draws, size_t n,
                                double kappa, sn_metrics *out, sn_error *err)
{
    const size_t T = n_draws;
    size_t total;
    if (!yhat || !y || !out)
        return sn_fail(err, SN_EINVAL, "sn_metrics_regression: NULL argument");
    if (T == 0 || n == 0)
        return sn_fail(err, SN_EINVAL, "metrics need at least one draw and one point "
                                       "(got %zu draws, %zu points)", T, n);
    if (!(isfinite(kappa) && kappa > 0))
        return sn_fail(err, SN_EINVAL, "the noise precision kappa must be finite and > 0, "
                                       "got %g", kappa);
    if (!sn_mul_size(T, n, &total))
        return sn_fail(err, SN_EINVAL, "%zu draws x %zu points overflow", T, n);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(y[i]))
            return sn_fail(err, SN_EDATA, "target %zu is not finite (%g)", i, y[i]);
    for (size_t t = 0; t < T; t++)
        for (size_t i = 0; i < n; i++)
            if (!isfinite(yhat[t * n + i]))
                return sn_fail(err, SN_ENUMERIC, "prediction draw %zu of point %zu is not "
                                                 "finite (%g)", t, i, yhat[t * n + i]);

    /* One buffer for the T log-densities of a point, reused for every point. */
    double *lp = sn_calloc(T, sizeof *lp); /* [T] */
    if (!lp)
        return sn_fail(err, SN_ENOMEM, "out of memory for %zu prediction draws", T);

    const double log_T = log((double)T);
    double sum_sq = 0.0, sum_abs = 0.0, sum_ll = 0.0, sum_llg = 0.0, sum_ref = 0.0;
    for (size_t i = 0; i < n; i++) {
        /* Two passes over the draws: the mean, then the variance as the mean squared deviation
         * with the rounding error of the mean subtracted (the corrected two-pass algorithm of
         * Chan, Golub and LeVeque). The one-pass form E[yhat^2] - m^2 of (35) loses every digit
         * when the spread is small against the mean. */
        double s = 0.0;
        for (size_t t = 0; t < T; t++)
            s += yhat[t * n + i];
        const double m = s / (double)T;
        double dev = 0.0, dev_sq = 0.0, abs_err = 0.0;
        for (size_t t = 0; t < T; t++) {
            const double d = yhat[t * n + i] - m;
            const double r = y[i] - yhat[t * n + i];
            dev += d;
            dev_sq += d * d;
            abs_err += fabs(r);
            lp[t] = -0.5 * kappa * r * r;
        }
        double var = (dev_sq - dev * dev / (double)T) / (double)T;
        if (var < 0) /* rounding only: the sum of squares of real numbers is not negative */
            var = 0;
        const double pred_var = var + 1.0 / kappa;
        const double r_mean = y[i] - m;

        sum_sq += r_mean * r_mean;
        sum_abs += fabs(r_mean);
        sum_ref += abs_err / (double)T;
        /* (37): the log-mean-exp over draws, stable when every exp(lp[t]) underflows. */
        sum_ll += sn_logsumexp(lp, T) - log_T;
        sum_llg += -0.5 * (SN_LOG_2PI + log(pred_var)) - 0.5 * r_mean * r_mean / pred_var;
    }
    free(lp);

    const double dn = (double)n;
    sn_metrics res;
    res.n = n;
    res.rmse = sqrt(sum_sq / dn);
    res.mae = sum_abs / dn;
    res.ref_abs_err = sum_ref / dn;
    res.ll = sum_ll / dn + 0.5 * (log(kappa) - SN_LOG_2PI);
    res.ll_gauss = sum_llg / dn;
    res.accuracy = NAN;
    res.brier = NAN;
    res.ece = NAN;
    *out = res;
    return SN_OK;
}

/* Bins of the expected calibration error (Guo et al. 2017; the issue asks for 15). */
#define ECE_BINS 15

/* Classification metrics from averaged class probabilities proba [n][K] and labels [n]:
 *   accuracy  = mean 1[argmax_k p_nk = y_n]
 *   ll        = mean log p_{n,y_n}   (the log of the T-averaged probability, as (37) is for
 *               regression: the log of the mean predictive density)
 *   brier     = mean Σ_k (p_nk − 1[k = y_n])²
 *   ece       = Σ_b (|B_b|/n) |acc(B_b) − conf(B_b)|, confidence = max_k p_nk in 15 equal
 *               bins of [0, 1]. */
sn_status sn_metrics_classification(const double *proba, const double *labels, size_t n,
                                    size_t K, sn_metrics *out, sn_error *err)
{
    if (n == 0 || K < 2)
        return sn_fail(err, SN_EINVAL, "classification metrics need rows and at least 2 classes");
    double acc = 0.0, ll = 0.0, brier = 0.0;
    double bin_n[ECE_BINS] = {0}, bin_acc[ECE_BINS] = {0}, bin_conf[ECE_BINS] = {0};
    for (size_t i = 0; i < n; i++) {
        double y = labels[i];
        if (!(y >= 0 && y < (double)K && y == floor(y)))
            return sn_fail(err, SN_EDATA, "row %zu: label %g is not an integer class in 0..%zu",
                           i + 1, y, K - 1);
        size_t c = (size_t)y, best = 0;
        const double *p = proba + i * K;
        for (size_t k = 0; k < K; k++) {
            if (!isfinite(p[k]))
                return sn_fail(err, SN_ENUMERIC, "row %zu: class probability %zu is %g", i + 1, k,
                               p[k]);
            if (p[k] > p[best])
                best = k;
            double e = p[k] - (k == c ? 1.0 : 0.0);
            brier += e * e;
        }
        bool hit = best == c;
        acc += hit;
        /* A probability that underflowed to 0 gives −inf; keep the log finite and honest by
         * flooring at the smallest positive double. */
        ll += log(fmax(p[c], DBL_MIN));
        size_t b = (size_t)(p[best] * ECE_BINS);
        if (b >= ECE_BINS)
            b = ECE_BINS - 1;
        bin_n[b] += 1.0;
        bin_acc[b] += hit;
        bin_conf[b] += p[best];
    }
    double ece = 0.0;
    for (size_t b = 0; b < ECE_BINS; b++)
        if (bin_n[b] > 0)
            ece += fabs(bin_acc[b] - bin_conf[b]) / (double)n;
    sn_metrics res;
    res.n = n;
    res.rmse = res.ll_gauss = res.mae = res.ref_abs_err = NAN;
    res.accuracy = acc / (double)n;
    res.ll = ll / (double)n;
    res.brier = brier / (double)n;
    res.ece = ece;
    *out = res;
    return SN_OK;
}
