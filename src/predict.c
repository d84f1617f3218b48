/*
 * predict.c — Monte Carlo prediction and evaluation (MATH.md §5).
 *
 * T draws of the network (fresh noise for MC nets) give ŷ_t in standardised units; they are
 * mapped back to the original units of y, summarised by (35) and the predictive mixture's
 * central interval, and scored by (36)-(38).
 */
#include "internal.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Rows per forward pass when predicting: bounds the workspace (about 1 MB per layer of 50). */
#define PREDICT_CHUNK 2048

sn_status sn_predict_samples(const sn_model *m, const double *x, size_t n, size_t n_draws,
                             uint64_t seed, double *out, sn_error *err)
{
    if (n == 0 || n_draws == 0)
        return sn_fail(err, SN_EINVAL, "prediction needs at least one row and one draw");
    for (size_t i = 0; i < n * m->n_in; i++)
        if (!isfinite(x[i]))
            return sn_fail(err, SN_EDATA, "input row %zu, column %zu: not a finite number",
                           i / m->n_in + 1, i % m->n_in + 1);
    size_t chunk = n < PREDICT_CHUNK ? n : PREDICT_CHUNK;
    bool is_vem = m->params.method == SN_METHOD_VEM;
    bool is_authors = is_vem && m->params.variant == SN_VARIANT_AUTHORS;
    sn_net_ws ws;
    sn_vem_ws vws;
    memset(&ws, 0, sizeof ws);
    memset(&vws, 0, sizeof vws);
    sn_status st = is_vem ? sn_vem_ws_init(&vws, m, chunk, 1, err)
                          : sn_net_ws_init(&ws, m, chunk, err);
    if (st != SN_OK)
        return st;
    /* A stream of its own, so that prediction never replays the training noise. */
    sn_rng *rng = sn_rng_new(seed, 0x70726564ULL /* "pred" */);
    if (!rng) {
        sn_net_ws_free(&ws);
        sn_vem_ws_free(&vws);
        return sn_fail(err, SN_ENOMEM, "out of memory");
    }
    size_t d = m->n_in;
    double *in0 = is_vem ? vws.in[0] : ws.in[0];
    const double *yhat = is_vem ? vws.a[m->n_layers - 1] : ws.a[m->n_layers - 1];
    for (size_t t = 0; t < n_draws; t++) {
        for (size_t first = 0; first < n; first += chunk) {
            size_t rows = n - first < chunk ? n - first : chunk;
            for (size_t i = 0; i < rows; i++)
                for (size_t j = 0; j < d; j++)
                    in0[i * d + j] = (x[(first + i) * d + j] - m->x_mean[j]) / m->x_std[j];
            /* MC nets: fresh noise. EM nets: a draw of the weights from q(W) for each row, by
             * the local reparametrisation (27), which gives each row's exact marginal. */
            if (is_authors)
                sn_vem_authors_forward(m, m->theta, m->rho, &vws, rows, rng);
            else if (is_vem)
                sn_vem_forward(m, m->theta, m->rho, &vws, rows, 1, SN_EST_LOCAL, rng);
            else
                sn_net_forward(m, m->theta, &ws, rows, rng, false);
            for (size_t i = 0; i < rows; i++)
                out[t * n + first + i] = m->y_mean + m->y_std * yhat[i];
        }
    }
    sn_rng_free(rng);
    sn_net_ws_free(&ws);
    sn_vem_ws_free(&vws);
    return SN_OK;
}

/* CDF of the predictive mixture (1/T) Σ_t N(ŷ_t, 1/κ) at v. */
static double mixture_cdf(const double *yhat, size_t T, size_t stride, double sd, double v)
{
    double s = 0.0;
    for (size_t t = 0; t < T; t++)
        s += gsl_cdf_ugaussian_P((v - yhat[t * stride]) / sd);
    return s / (double)T;
}

/* The q-quantile of the mixture by bisection: it lies between the smallest draw's and the
 * largest draw's Gaussian quantiles, so 100 halvings reach full double precision. */
static double mixture_quantile(const double *yhat, size_t T, size_t stride, double sd, double q)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t t = 0; t < T; t++) {
        lo = fmin(lo, yhat[t * stride]);
        hi = fmax(hi, yhat[t * stride]);
    }
    double z = gsl_cdf_ugaussian_Pinv(q);
    lo += z * sd - fabs(z) * sd;
    hi += z * sd + fabs(z) * sd;
    for (int it = 0; it < 100 && hi - lo > 1e-12 * fmax(1.0, fabs(lo) + fabs(hi)); it++) {
        double mid = 0.5 * (lo + hi);
        if (mixture_cdf(yhat, T, stride, sd, mid) < q)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

sn_status sn_predict(const sn_model *m, const double *x, size_t n, size_t n_draws, uint64_t seed,
                     double level, double *mean, double *std, double *lower, double *upper,
                     sn_error *err)
{
    if (!(level > 0 && level < 1))
        return sn_fail(err, SN_EINVAL, "interval level must be in (0, 1), got %g", level);
    size_t total;
    if (!sn_mul_size(n, n_draws, &total))
        return sn_fail(err, SN_ENOMEM, "rows x draws overflows");
    double *yhat = sn_calloc(total, sizeof *yhat);
    if (!yhat)
        return sn_fail(err, SN_ENOMEM, "out of memory for %zu x %zu draws", n_draws, n);
    sn_status st = sn_predict_samples(m, x, n, n_draws, seed, yhat, err);
    if (st != SN_OK) {
        free(yhat);
        return st;
    }
    double noise_var = 1.0 / sn_model_precision(m);
    double sd = sqrt(noise_var);
    for (size_t i = 0; i < n; i++) {
        /* (35) with a two-pass variance. */
        double mu = 0.0, v = 0.0;
        for (size_t t = 0; t < n_draws; t++)
            mu += yhat[t * n + i];
        mu /= (double)n_draws;
        for (size_t t = 0; t < n_draws; t++) {
            double e = yhat[t * n + i] - mu;
            v += e * e;
        }
        v = v / (double)n_draws + noise_var;
        if (mean)
            mean[i] = mu;
        if (std)
            std[i] = sqrt(v);
        if (lower)
            lower[i] = mixture_quantile(yhat + i, n_draws, n, sd, 0.5 * (1.0 - level));
        if (upper)
            upper[i] = mixture_quantile(yhat + i, n_draws, n, sd, 0.5 * (1.0 + level));
    }
    free(yhat);
    return SN_OK;
}

sn_status sn_evaluate(const sn_model *m, const sn_data *d, size_t n_draws, uint64_t seed,
                      sn_metrics *out, sn_error *err)
{
    size_t n = sn_data_n_rows(d);
    if (sn_data_n_cols(d) != m->n_in)
        return sn_fail(err, SN_EDATA, "%s: %zu feature columns, but the model was trained on %zu",
                       sn_data_source(d), sn_data_n_cols(d), m->n_in);
    size_t total;
    if (n == 0 || !sn_mul_size(n, n_draws, &total))
        return sn_fail(err, SN_EINVAL, "evaluation needs rows and draws");
    double *yhat = sn_calloc(total, sizeof *yhat);
    if (!yhat)
        return sn_fail(err, SN_ENOMEM, "out of memory for %zu x %zu draws", n_draws, n);
    sn_status st = sn_predict_samples(m, sn_data_x(d), n, n_draws, seed, yhat, err);
    if (st == SN_OK)
        st = sn_metrics_regression(yhat, sn_data_y(d), n_draws, n, sn_model_precision(m), out,
                                   err);
    free(yhat);
    return st;
}
