/*
 * predict.c — Monte Carlo prediction and evaluation (MATH.md §5).
 *
 * T draws of the network (fresh noise for MC nets) give ŷ_t in standardised units; they are
 * mapped back to the original units of y, summarised by (35) and the predictive mixture's
 * central interval, and scored by (36)-(38).
 */
#include "model/model.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Rows per forward pass when predicting: bounds the workspace (about 1 MB per layer of 50). */
#define PREDICT_CHUNK 2048

/* Receives the network outputs out [rows][n_out] (standardised units) of draw t for the input
 * rows first .. first+rows. */
typedef void (*draw_sink)(void *ctx, size_t t, size_t first, size_t rows, const double *out);

/* T Monte Carlo draws of the network on x [n][n_in] in chunks of rows, each by the method's own
 * predictive draw (model/method.h): fresh noise for MC nets, weights from q(W) for EM nets. */
static sn_status run_draws(const sn_model *m, const double *x, size_t n, size_t n_draws,
                           uint64_t seed, draw_sink sink, void *ctx, sn_error *err)
{
    if (n == 0 || n_draws == 0)
        return sn_fail(err, SN_EINVAL, "prediction needs at least one row and one draw");
    for (size_t i = 0; i < n * m->n_in; i++)
        if (!isfinite(x[i]))
            return sn_fail(err, SN_EDATA, "input row %zu, column %zu: not a finite number",
                           i / m->n_in + 1, i % m->n_in + 1);
    size_t chunk = n < PREDICT_CHUNK ? n : PREDICT_CHUNK;
    const sn_method_ops *ops = sn_method_ops_of(&m->params);
    sn_pass ps;
    sn_status st = ops->pass_init(m, chunk, /*n_samples=*/1, /*n_data=*/0, &ps, err);
    if (st != SN_OK)
        return st;
    /* A stream of its own, so that prediction never replays the training noise. */
    sn_rng *rng = sn_rng_new(seed, 0x70726564ULL /* "pred" */);
    if (!rng) {
        st = sn_fail(err, SN_ENOMEM, "out of memory");
        goto done;
    }
    size_t d = m->n_in;
    for (size_t t = 0; t < n_draws; t++) {
        for (size_t first = 0; first < n; first += chunk) {
            size_t rows = n - first < chunk ? n - first : chunk;
            for (size_t i = 0; i < rows; i++)
                for (size_t j = 0; j < d; j++)
                    ps.in[i * d + j] = sn_standardise(x[(first + i) * d + j], m->x_mean[j],
                                                      m->x_std[j]);
            ops->draw(m, &ps, rows, rng);
            sink(ctx, t, first, rows, ps.out);
        }
    }
done:
    sn_rng_free(rng);
    ops->pass_free(&ps);
    return st;
}

typedef struct {
    const sn_model *m;
    size_t n;
    double *out; /* [T][n] */
} regression_sink;

static void to_original_units(void *ctx, size_t t, size_t first, size_t rows, const double *out)
{
    regression_sink *r = ctx;
    for (size_t i = 0; i < rows; i++)
        r->out[t * r->n + first + i] = r->m->y_mean + r->m->y_std * out[i];
}

sn_status sn_predict_samples(const sn_model *m, const double *x, size_t n, size_t n_draws,
                             uint64_t seed, double *out, sn_error *err)
{
    if (m->params.likelihood != SN_LIK_GAUSSIAN)
        return sn_fail(err, SN_EINVAL, "a %s classifier predicts class probabilities "
                                       "(sn_predict_proba), not real values",
                       sn_likelihood_name(m->params.likelihood));
    regression_sink r = {m, n, out};
    return run_draws(m, x, n, n_draws, seed, to_original_units, &r, err);
}

size_t sn_model_n_classes(const sn_model *m)
{
    switch (m->params.likelihood) {
    case SN_LIK_BERNOULLI: return 2;
    case SN_LIK_CATEGORICAL: return m->n_out;
    case SN_LIK_GAUSSIAN: break;
    }
    return 0;
}

typedef struct {
    sn_likelihood lik;
    size_t K, n_draws;
    double *proba; /* [n][K] */
} proba_sink;

/* Accumulate (1/T) × class probabilities: sigmoid for Bernoulli, softmax for categorical. */
static void add_probabilities(void *ctx, size_t t, size_t first, size_t rows, const double *out)
{
    proba_sink *p = ctx;
    (void)t;
    double w = 1.0 / (double)p->n_draws;
    for (size_t i = 0; i < rows; i++) {
        double *pr = p->proba + (first + i) * p->K;
        if (p->lik == SN_LIK_BERNOULLI) {
            double q = sn_sigmoid(out[i]);
            pr[0] += w * (1.0 - q);
            pr[1] += w * q;
            continue;
        }
        const double *a = out + i * p->K;
        double lse = sn_logsumexp(a, p->K);
        for (size_t k = 0; k < p->K; k++)
            pr[k] += w * exp(a[k] - lse);
    }
}

sn_status sn_predict_proba(const sn_model *m, const double *x, size_t n, size_t n_draws,
                           uint64_t seed, double *proba, sn_error *err)
{
    size_t K = sn_model_n_classes(m);
    if (K == 0)
        return sn_fail(err, SN_EINVAL, "a regression model has no class probabilities");
    memset(proba, 0, n * K * sizeof *proba);
    proba_sink p = {m->params.likelihood, K, n_draws, proba};
    return run_draws(m, x, n, n_draws, seed, add_probabilities, &p, err);
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
    /* Relative to the values and the noise scale, so that tiny units of y are resolved too. */
    double tol = 1e-12 * fmax(sd, fabs(lo) + fabs(hi));
    for (int it = 0; it < 200 && hi - lo > tol; it++) {
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
    if (st != SN_OK)
        goto done;
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
done:
    free(yhat);
    return st;
}

sn_status sn_evaluate(const sn_model *m, const sn_data *d, size_t n_draws, uint64_t seed,
                      sn_metrics *out, sn_error *err)
{
    size_t n = sn_data_n_rows(d);
    if (sn_data_n_cols(d) != m->n_in)
        return sn_fail(err, SN_EDATA, "%s: %zu feature columns, but the model was trained on %zu",
                       sn_data_source(d), sn_data_n_cols(d), m->n_in);
    size_t K = sn_model_n_classes(m), width = K ? K : n_draws, total;
    if (n == 0 || n_draws == 0 || !sn_mul_size(n, width, &total))
        return sn_fail(err, SN_EINVAL, "evaluation needs rows and draws");
    double *buf = sn_calloc(total, sizeof *buf);
    if (!buf)
        return sn_fail(err, SN_ENOMEM, "out of memory for %zu x %zu values", n, width);
    sn_status st;
    if (K) {
        st = sn_predict_proba(m, sn_data_x(d), n, n_draws, seed, buf, err);
        if (st == SN_OK)
            st = sn_metrics_classification(buf, sn_data_y(d), n, K, out, err);
    } else {
        st = sn_predict_samples(m, sn_data_x(d), n, n_draws, seed, buf, err);
        if (st == SN_OK)
            st = sn_metrics_regression(buf, sn_data_y(d), n_draws, n, sn_model_precision(m), out,
                                       err);
    }
    free(buf);
    return st;
}
