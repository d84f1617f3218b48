/*
 * train.c — the training driver of every method (model/method.h): standardisation,
 * minibatches, the likelihood of each sample, the per-datum objective (18) with its weights
 * (17), (19)-(22) or (23), the optimiser, and the roll-back to the last finite epoch. The method
 * supplies the passes, the prior or penalty term and what a model keeps; the driver never asks
 * which method it runs.
 *
 * The trainer owns one flat vector par = [method parameters | log kappa] (n_blocks copies of the
 * model layout — theta, or mu then rho — then the log noise precision in standardised units) and
 * mirrors it for the gradient and the optimiser state. Everything the loop needs is allocated in
 * sn_trainer_new; an epoch allocates nothing.
 */
#include "model/model.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Initial noise precision in standardised units when the user gives none and it is learned:
 * a residual standard deviation of 1/sqrt(10) ≈ 0.32 of the target's. */
#define DEFAULT_KAPPA_STD 10.0

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Column means and population standard deviations (ddof = 0, MATH.md §5); a constant column
 * gets std 1 so that it standardises to exactly 0, not NaN. The sums run on x / max|x| so that
 * no magnitude a double can hold overflows or underflows them (1e300 squared would). */
static void column_stats(const double *x, size_t n, size_t d, size_t stride, double *mean,
                         double *sd)
{
    for (size_t j = 0; j < d; j++) {
        double scale = 0.0;
        bool constant = true;
        for (size_t i = 0; i < n; i++) {
            scale = fmax(scale, fabs(x[i * stride + j]));
            constant = constant && x[i * stride + j] == x[j];
        }
        if (constant || scale == 0.0) {
            mean[j] = x[j];
            sd[j] = 1.0;
            continue;
        }
        double m = 0.0;
        for (size_t i = 0; i < n; i++)
            m += x[i * stride + j] / scale;
        m /= (double)n;
        double v = 0.0;
        for (size_t i = 0; i < n; i++) {
            double e = x[i * stride + j] / scale - m;
            v += e * e;
        }
        v /= (double)n;
        mean[j] = m * scale;
        sd[j] = v > 0.0 ? sqrt(v) * scale : 1.0;
    }
}

/* Class labels must be the integers 0..K-1 (Bernoulli: 0 or 1); K is n_classes when given,
 * else the largest label plus one. */
static sn_status check_labels(const sn_data *d, const sn_train_params *p, size_t *k_out,
                              sn_error *err)
{
    const double *y = sn_data_y(d);
    size_t n = sn_data_n_rows(d);
    double top = 0.0;
    for (size_t i = 0; i < n; i++)
        top = fmax(top, y[i]);
    /* A label this large is not a class index (and would not fit the output layer). */
    if (top > 1e6)
        return sn_fail(err, SN_EDATA, "%s: label %g is not a class index 0..K-1",
                       sn_data_source(d), top);
    size_t K = p->likelihood == SN_LIK_BERNOULLI ? 2
               : p->n_classes ? p->n_classes
                              : (size_t)top + 1;
    for (size_t i = 0; i < n; i++)
        if (!(y[i] >= 0 && y[i] < (double)K && y[i] == floor(y[i])))
            return sn_fail(err, SN_EDATA,
                           "%s: row %zu: label %g is not an integer class in 0..%zu (likelihood "
                           "%s)",
                           sn_data_source(d), i + 1, y[i], K - 1, sn_likelihood_name(p->likelihood));
    if (K < 2)
        return sn_fail(err, SN_EDATA, "%s: a classifier needs at least 2 classes, found %zu",
                       sn_data_source(d), K);
    *k_out = K;
    return SN_OK;
}

void sn_trainer_free(sn_trainer *t)
{
    if (!t)
        return;
    sn_model_free(t->m);
    free(t->x);
    free(t->y);
    free(t->perm);
    free(t->ll);
    free(t->dlk);
    free(t->w);
    free(t->par);
    free(t->grad);
    free(t->good);
    free(t->good_m);
    free(t->good_v);
    if (t->ops)
        t->ops->pass_free(&t->pass);
    sn_optim_free(&t->opt);
    sn_rng_free(t->rng);
    free(t);
}

sn_status sn_trainer_new(const sn_train_params *p, const sn_data *d, sn_trainer **out,
                         sn_error *err)
{
    *out = NULL;
    sn_status st = sn_train_params_check(p, d, err);
    if (st != SN_OK)
        return st;
    sn_trainer *t = calloc(1, sizeof *t);
    if (!t)
        return sn_fail(err, SN_ENOMEM, "out of memory");
    t->p = *p;
    t->n = sn_data_n_rows(d);
    t->d = sn_data_n_cols(d);
    size_t n_out = 1;
    if (p->likelihood != SN_LIK_GAUSSIAN) {
        size_t k_max = 0;
        if ((st = check_labels(d, p, &k_max, err)) != SN_OK)
            goto fail;
        n_out = p->likelihood == SN_LIK_CATEGORICAL ? k_max : 1;
    }
    if ((st = sn_model_alloc(p, t->d, n_out, &t->m, err)) != SN_OK)
        goto fail;
    if (p->likelihood == SN_LIK_CATEGORICAL)
        t->m->params.n_classes = n_out;
    sn_model *m = t->m;

    t->ops = sn_method_ops_of(p);
    /* Without any noise every sample is the same network: one is enough. */
    bool any_noise = t->ops->is_stochastic;
    for (size_t l = 0; l < m->n_layers; l++) {
        sn_layer_noise ln = sn_layer_noise_of(m, l);
        any_noise = any_noise || ln.units || ln.weights || ln.block;
    }
    t->S = any_noise ? p->n_samples : 1;
    t->B = p->batch_size;
    size_t rows;
    /* CBLAS takes int dimensions: rows x the widest layer must fit. */
    size_t widest = t->d > p->n_hidden ? t->d : p->n_hidden, cells;
    if (!sn_mul_size(t->S, t->B, &rows) || !sn_mul_size(rows, widest, &cells) ||
        cells > (size_t)INT_MAX) {
        st = sn_fail(err, SN_EINVAL,
                     "samples x batch size x width (%zu x %zu x %zu) is too large for one "
                     "matrix product", t->S, t->B, widest);
        goto fail;
    }

    /* Standardise with training statistics only (MATH.md §5). */
    const double *x = sn_data_x(d), *y = sn_data_y(d);
    column_stats(x, t->n, t->d, t->d, m->x_mean, m->x_std);
    if (p->likelihood == SN_LIK_GAUSSIAN) {
        column_stats(y, t->n, 1, 1, &m->y_mean, &m->y_std);
        /* κ in original units is κ_std / s_y² (MATH.md §5): it must be a representable
         * number for the likelihood and the metrics; beyond these scales ask for a rescale. */
        if (m->y_std < 1e-100 || m->y_std > 1e100) {
            st = sn_fail(err, SN_EDATA,
                         "%s: the target's standard deviation %g is outside [1e-100, 1e100]; "
                         "rescale y (the noise precision in its units would not be "
                         "representable)", sn_data_source(d), m->y_std);
            goto fail;
        }
    }
    t->x = sn_calloc(t->n, t->d * sizeof *t->x);
    t->y = sn_calloc(t->n, sizeof *t->y);
    t->perm = sn_calloc(t->n, sizeof *t->perm);
    t->ll = sn_calloc(rows, sizeof *t->ll);
    t->dlk = sn_calloc(rows, sizeof *t->dlk);
    t->w = sn_calloc(rows, sizeof *t->w);
    t->n_theta = m->n_params;
    t->n_par = t->ops->n_blocks * m->n_params + 1;
    t->par = sn_calloc(t->n_par, sizeof *t->par);
    t->grad = sn_calloc(t->n_par, sizeof *t->grad);
    t->good = sn_calloc(t->n_par, sizeof *t->good);
    t->good_m = sn_calloc(t->n_par, sizeof *t->good_m);
    t->good_v = sn_calloc(t->n_par, sizeof *t->good_v);
    t->rng = sn_rng_new(p->seed, 0);
    if (!t->x || !t->y || !t->perm || !t->ll || !t->dlk || !t->w || !t->par || !t->grad || !t->good || !t->good_m || !t->good_v ||
        !t->rng) {
        st = sn_fail(err, SN_ENOMEM, "out of memory allocating the trainer");
        goto fail;
    }
    for (size_t i = 0; i < t->n; i++) {
        for (size_t j = 0; j < t->d; j++)
            t->x[i * t->d + j] = sn_standardise(x[i * t->d + j], m->x_mean[j], m->x_std[j]);
        t->y[i] = sn_standardise(y[i], m->y_mean, m->y_std);
        t->perm[i] = i;
    }
    if ((st = t->ops->pass_init(m, rows, t->S, t->n, &t->pass, err)) != SN_OK)
        goto fail;
    if ((st = sn_optim_init(&t->opt, p, t->n_par, err)) != SN_OK)
        goto fail;
    t->opt.is_tf_adam = t->ops->is_tf_adam;
    t->ops->init(m, t->par, t->rng);
    /* κ_std = κ_orig s_y² (MATH.md §5). */
    double kappa = p->precision > 0 ? p->precision * m->y_std * m->y_std : DEFAULT_KAPPA_STD;
    /* Record the starting precision actually used, in original units, with the model (for the
     * authors' variant: the precision used at test; training uses theirs, 20). */
    m->params.precision = kappa / (m->y_std * m->y_std);
    t->par[t->n_par - 1] = t->ops->train_log_kappa(log(kappa));
    memcpy(t->good, t->par, t->n_par * sizeof *t->par);
    t->t0 = now_seconds();
    *out = t;
    return SN_OK;
fail:
    sn_trainer_free(t);
    return st;
}

/* One sample's log-likelihood ℓ for target y and network output a [K], with ∂ℓ/∂a into da [K]
 * and ∂ℓ/∂log κ into *dlk (Gaussian only):
 *   Gaussian (MATH.md §0, standardised units): ℓ = ½ log(κ/2π) − ½ κ (y − a)², ∂ℓ/∂a = κ (y − a),
 *       ∂ℓ/∂log κ = ½ − ½ κ (y − a)²;
 *   Bernoulli (logistic link, paper Eq. 1): ℓ = y a − softplus(a), ∂ℓ/∂a = y − sigmoid(a);
 *   categorical (softmax): ℓ = a_y − LSE(a), ∂ℓ/∂a_k = 1[k = y] − softmax(a)_k. */
static double log_lik(sn_likelihood lik, double y, const double *a, size_t K, double log_kappa,
                      double kappa, double *da, double *dlk)
{
    *dlk = 0.0;
    switch (lik) {
    case SN_LIK_BERNOULLI:
        da[0] = y - sn_sigmoid(a[0]);
        return y * a[0] - sn_softplus(a[0]);
    case SN_LIK_CATEGORICAL: {
        double lse = sn_logsumexp(a, K);
        size_t c = (size_t)y;
        for (size_t k = 0; k < K; k++)
            da[k] = (k == c ? 1.0 : 0.0) - exp(a[k] - lse);
        return a[c] - lse;
    }
    case SN_LIK_GAUSSIAN:
    default: {
        double r = y - a[0];
        da[0] = kappa * r;
        *dlk = 0.5 - 0.5 * kappa * r * r;
        return 0.5 * (log_kappa - SN_LOG_2PI) - 0.5 * kappa * r * r;
    }
    }
}

/* The minibatch objective L̂ of (18) for the points perm[first .. first+nb) and its gradient
 * in t->grad: forward S·nb rows with noise from rng, the weights of the objective, backward,
 * penalty. Adds the squared training residuals (averaged over samples) to *sq. */
static double objective_grad(sn_trainer *t, size_t first, size_t nb, sn_rng *rng, double *sq,
                             sn_error *err)
{
    sn_model *m = t->m;
    const sn_train_params *p = &t->p;
    size_t S = t->S, rows = nb * S, d = t->d;
    double *in = t->pass.in;
    for (size_t n = 0; n < nb; n++) {
        const double *xr = t->x + t->perm[first + n] * d;
        for (size_t s = 0; s < S; s++)
            memcpy(in + (n * S + s) * d, xr, d * sizeof *xr);
    }
    sn_status st = t->ops->forward(m, t->par, &t->pass, rows, S, rng, err);
    if (st != SN_OK)
        return NAN;
    const double *yhat = t->pass.out;
    double *seed = t->pass.seed;

    /* The precision training uses (the authors' EM: its own, whatever par holds). */
    double log_kappa = t->ops->train_log_kappa(t->par[t->n_par - 1]);
    size_t K = m->n_out;
    /* κ once per minibatch, not once per row (an exp per row was 8% of an MC dropout step). */
    double kappa = exp(log_kappa);
    for (size_t n = 0; n < nb; n++) {
        double yn = t->y[t->perm[first + n]];
        for (size_t s = 0; s < S; s++) {
            size_t i = n * S + s;
            t->ll[i] = log_lik(p->likelihood, yn, yhat + i * K, K, log_kappa, kappa,
                               seed + i * K, &t->dlk[i]);
            if (p->likelihood == SN_LIK_GAUSSIAN)
                *sq += (yn - yhat[i]) * (yn - yhat[i]) / (double)S;
        }
    }
    double value = sn_objective_weights_ties(t->ops->objective(p), t->ops->is_ties_by_order,
                                             t->ll, nb, S, t->w) / (double)nb;
    if (p->record_weights)
        p->record_weights(t->w, nb, S, p->record_user);

    /* Backward seed ∂L̂/∂a = ω ∂ℓ/∂a / B (18)-(22); the log κ gradient Σ ω ∂ℓ/∂log κ / B. */
    double g_logk = 0.0;
    for (size_t i = 0; i < rows; i++) {
        double c = t->w[i] / (double)nb;
        for (size_t k = 0; k < K; k++)
            seed[i * K + k] *= c;
        g_logk += t->w[i] * t->dlk[i];
    }
    /* The backward pass, and the prior or penalty term: KL (34), the weight penalty (18). */
    value = t->ops->backward(m, t->par, &t->pass, rows, S, t->n, value, t->grad);
    bool learn = p->learn_precision && t->ops->can_learn_precision &&
                 p->likelihood == SN_LIK_GAUSSIAN;
    t->grad[t->n_par - 1] = learn ? g_logk / (double)nb : 0.0;
    return value;
}

double sn_trainer_objective_grad(sn_trainer *t, const double *par, uint64_t noise_seed,
                                 double *grad)
{
    memcpy(t->par, par, t->n_par * sizeof *par);
    sn_rng *rng = sn_rng_new(noise_seed, 0);
    double sq = 0.0;
    size_t nb = t->n < t->B ? t->n : t->B;
    double v = rng ? objective_grad(t, 0, nb, rng, &sq, NULL) : NAN;
    sn_rng_free(rng);
    memcpy(grad, t->grad, t->n_par * sizeof *grad);
    return v;
}

static bool all_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return false;
    return true;
}

/* Back to the state at the end of the last finite epoch: parameters and optimiser. */
static void roll_back(sn_trainer *t)
{
    memcpy(t->par, t->good, t->n_par * sizeof *t->par);
    memcpy(t->opt.m, t->good_m, t->n_par * sizeof *t->par);
    memcpy(t->opt.v, t->good_v, t->n_par * sizeof *t->par);
    t->opt.t = t->good_t;
    t->m->n_steps = t->good_t;
}

sn_status sn_trainer_epoch(sn_trainer *t, sn_progress *info, sn_error *err)
{
    sn_rng_shuffle(t->rng, t->perm, t->n);
    double total = 0.0, sq = 0.0;
    t->epoch++;
    /* The last minibatch may be smaller; it is scaled by its own size (18). The authors' code
     * drops it (⌊N/B⌋ minibatches, MATH.md §7.9). */
    size_t n_used = t->ops->is_full_batches_only ? t->n / t->B * t->B : t->n;
    for (size_t first = 0; first < n_used; first += t->B) {
        size_t nb = n_used - first < t->B ? n_used - first : t->B;
        sn_error step = {0};
        double v = objective_grad(t, first, nb, t->rng, &sq, &step);
        if (step.code != SN_OK) {
            roll_back(t);
            return sn_fail(err, step.code, "epoch %zu: %s%s; the parameters of epoch %zu are kept",
                           t->epoch, step.msg,
                           step.code == SN_ENUMERIC ? " (training diverged: the learning rate may "
                                                      "be too large)" : "",
                           t->epoch - 1);
        }
        if (!isfinite(v) || !all_finite(t->grad, t->n_par)) {
            roll_back(t);
            return sn_fail(err, SN_ENUMERIC,
                           "training diverged in epoch %zu: the %s became %g (the learning rate "
                           "%g may be too large, or the noise precision too high); the "
                           "parameters of epoch %zu are kept",
                           t->epoch, isfinite(v) ? "gradient" : "objective", v,
                           t->p.learning_rate, t->epoch - 1);
        }
        sn_optim_step(&t->opt, t->par, t->grad);
        t->m->n_steps++;
        total += v * (double)nb;
    }
    if (!all_finite(t->par, t->n_par)) {
        roll_back(t);
        return sn_fail(err, SN_ENUMERIC,
                       "training diverged in epoch %zu: a parameter became NaN or Inf (the "
                       "learning rate %g may be too large); the parameters of epoch %zu are kept",
                       t->epoch, t->p.learning_rate, t->epoch - 1);
    }
    memcpy(t->good_m, t->opt.m, t->n_par * sizeof *t->par);
    memcpy(t->good_v, t->opt.v, t->n_par * sizeof *t->par);
    t->good_t = t->opt.t;
    memcpy(t->good, t->par, t->n_par * sizeof *t->par);
    if (info) {
        info->epoch = t->epoch;
        info->n_epochs = t->p.n_epochs;
        info->objective = total / (double)n_used;
        info->rmse = sqrt(sq / (double)n_used) * t->m->y_std;
        info->seconds = now_seconds() - t->t0;
    }
    return SN_OK;
}

sn_status sn_trainer_model(const sn_trainer *t, sn_model **out, sn_error *err)
{
    sn_status st = sn_model_copy(t->m, out, err);
    if (st != SN_OK)
        return st;
    sn_model *m = *out;
    /* The gradient buffer is scratch here. */
    st = t->ops->save(m, t->good, t->good[t->n_par - 1], &t->p, (sn_pass *)&t->pass, t->grad,
                      err);
    if (st != SN_OK) {
        sn_model_free(m);
        *out = NULL;
    }
    return st;
}

sn_status sn_train(const sn_train_params *p, const sn_data *d, sn_model **out, sn_error *err)
{
    *out = NULL;
    sn_trainer *t = NULL;
    sn_status st = sn_trainer_new(p, d, &t, err);
    if (st != SN_OK)
        return st;
    sn_status run = SN_OK;
    sn_error run_err = {0};
    for (size_t e = 0; e < p->n_epochs; e++) {
        sn_progress info;
        run = sn_trainer_epoch(t, &info, &run_err);
        if (run != SN_OK)
            break;
        if (p->progress && p->progress(&info, p->progress_user))
            break;
    }
    /* After a failed epoch the model of the last good epoch is handed back when it can be made,
     * but the failure reported is the training's. */
    st = sn_trainer_model(t, out, run == SN_OK ? err : NULL);
    sn_trainer_free(t);
    if (st != SN_OK && run == SN_OK)
        return st;
    if (run != SN_OK) {
        if (err)
            *err = run_err;
        return run;
    }
    return SN_OK;
}
