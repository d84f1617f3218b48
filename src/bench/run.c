/*
 * run.c — one unit of a benchmark run (sn_bench_run_job): read its split, cut Gal's validation
 * part off for a grid unit (sn_valid_split), train with the unit's settings and seed, score,
 * and write the unit's results line (results.c). An error of data or training is the unit's
 * result, recorded like a success; only a cancelled run gives no line.
 */
#include "bench/bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The caller's cancel test, polled once per epoch by the training loop. */
typedef struct {
    sn_bench_cancel_fn fn;
    void *user;
} cancel_ctx;

static int unit_progress(const sn_progress *info, void *user)
{
    (void)info;
    const cancel_ctx *c = user;
    return c->fn && c->fn(c->user) ? 1 : 0;
}

/* *dst = a copy of s (NULL stays NULL); false when out of memory. */
static bool dup_to(char **dst, const char *s)
{
    *dst = s ? sn_strdup(s) : NULL;
    return !s || *dst;
}

sn_status sn_bench_run_job(const sn_bench *b, const sn_bench_job *job, sn_bench_cancel_fn cancel,
                           void *user, char **line, sn_error *err)
{
    if (line)
        *line = NULL;
    if (!b || !job || !line)
        return sn_fail(err, SN_EINVAL, "sn_bench_run_job: NULL argument");
    if (job->unit >= b->n_units || job->chosen < -1)
        return sn_fail(err, SN_EINVAL, "sn_bench_run_job: no unit %llu in a plan of %zu",
                       (unsigned long long)job->unit, b->n_units);
    const bench_unit *u = &b->u[job->unit];
    const bench_cfg *c = &b->cfg[u->cfg];
    const bench_ds *d = &b->ds[c->ds];
    double t_start = bench_now(), train_seconds = NAN;
    sn_data *tr = NULL, *te = NULL, *fit = NULL, *eval = NULL;
    sn_model *m = NULL;
    sn_metrics mt;
    sn_error e = {0};
    sn_status st = SN_OK;
    size_t *idx = NULL;
    cancel_ctx cc = {cancel, user};
    memset(&mt, 0, sizeof mt);
    mt.rmse = mt.ll = mt.ll_gauss = mt.mae = mt.ref_abs_err = NAN;
    double precision_final = NAN;
    uint64_t seed = bench_unit_seed(b, u);

    sn_train_params p = c->base;
    double keep = job->keep, tau = job->tau;
    if (c->has_keep)
        p.noise.p[0] = keep;
    bench_apply_tau(&p, c->learn, tau);
    if (c->gal_sigma0)
        p.sigma0 = sn_gal_sigma0(b->p.gal_lengthscale, c->has_keep ? keep : 1.0);
    p.seed = seed;
    p.progress = unit_progress;
    p.progress_user = &cc;

    if (job->why[0]) {
        st = sn_fail(&e, SN_EINVAL, "%.*s", (int)sizeof job->why, job->why);
        goto done;
    }
    if ((st = sn_data_read_uci(d->dir, (int)u->split, &tr, &te, &e)) != SN_OK)
        goto done;
    if (u->grid >= 0) {
        /* Gal's cut: the first 80% of the training indices train, the last 20% validate. */
        size_t n = sn_data_n_rows(tr);
        size_t n_fit = sn_valid_split(n, b->p.valid_fraction);
        if (!(idx = sn_calloc(n, sizeof *idx))) {
            st = sn_fail(&e, SN_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < n; i++)
            idx[i] = i;
        if ((st = sn_data_subset(tr, idx, n_fit, &fit, &e)) != SN_OK ||
            (st = sn_data_subset(tr, idx + n_fit, n - n_fit, &eval, &e)) != SN_OK)
            goto done;
    } else {
        fit = tr;
        eval = te;
        tr = te = NULL;
    }
    /* A data set smaller than one minibatch trains on full batches. */
    if (p.batch_size > sn_data_n_rows(fit))
        p.batch_size = sn_data_n_rows(fit);
    double t_train = bench_now();
    st = sn_train(&p, fit, &m, &e);
    train_seconds = bench_now() - t_train;
    if (cancel && cancel(user)) {
        st = SN_OK; /* *line stays NULL: not run */
        goto out;
    }
    if (st != SN_OK)
        goto done;
    precision_final = sn_model_precision(m);
    st = sn_evaluate(m, eval, b->p.n_draws, sn_mix64(seed), &mt, &e);

done:;
    bool is_ok = st == SN_OK, mc = p.method == SN_METHOD_MC;
    char why[SN_ERROR_MSG_LEN], seed_text[24];
    snprintf(why, sizeof why, "%s", e.msg[0] ? e.msg : sn_status_str(st));
    snprintf(seed_text, sizeof seed_text, "%llu", (unsigned long long)seed);
    record r;
    record_init(&r);
    r.v = SN_BENCH_LINE_VERSION;
    r.split = u->split;
    r.grid = u->grid;
    r.is_ok = is_ok;
    r.rmse = mt.rmse;
    r.ll = mt.ll;
    r.ll_gauss = mt.ll_gauss;
    r.mae = mt.mae;
    r.ref_abs_err = mt.ref_abs_err;
    r.n = is_ok ? (double)mt.n : NAN;
    r.chosen_grid = job->chosen >= 0 ? (double)job->chosen : NAN;
    r.valid_ll = job->chosen >= 0 ? job->valid_ll : NAN;
    r.keep = c->has_keep ? keep : NAN;
    r.precision = c->learn ? NAN : tau;
    r.learn_precision = c->learn;
    r.precision_final = precision_final;
    r.sigma0 = p.sigma0;
    r.n_hidden = (double)p.n_hidden;
    r.n_layers = (double)p.n_layers;
    r.samples = (double)p.n_samples;
    r.batch = (double)p.batch_size;
    r.epochs = (double)p.n_epochs;
    r.lr = p.learning_rate;
    r.draws = (double)b->p.n_draws;
    r.n_train = fit ? (double)sn_data_n_rows(fit) : NAN;
    r.train_seconds = train_seconds;
    r.seconds = bench_now() - t_start;
    bool ok = dup_to(&r.dataset, d->name) && dup_to(&r.method, b->meth[c->meth].name) &&
              dup_to(&r.config, c->config) &&
              dup_to(&r.protocol, b->p.protocol == SN_BENCH_GAL ? "gal" : "fixed") &&
              dup_to(&r.error, is_ok ? NULL : why) &&
              dup_to(&r.part, u->grid >= 0 ? "valid" : "test") &&
              dup_to(&r.arch, sn_arch_name(p.arch)) &&
              dup_to(&r.method_kind, sn_method_name(p.method)) &&
              dup_to(&r.objective, mc ? sn_objective_name(p.objective) : NULL) &&
              dup_to(&r.prior, mc ? NULL : sn_prior_name(p.prior)) &&
              dup_to(&r.variant, mc && p.variant == SN_VARIANT_EXACT ? NULL
                                                                      : sn_variant_name(p.variant)) &&
              dup_to(&r.seed, seed_text) && dup_to(&r.version, SN_VERSION) &&
              dup_to(&r.tag, b->tag);
    st = ok ? record_write(&r, line, err) : sn_fail(err, SN_ENOMEM, "out of memory");
    record_free(&r);
out:
    free(idx);
    sn_model_free(m);
    sn_data_free(tr);
    sn_data_free(te);
    sn_data_free(fit);
    sn_data_free(eval);
    return st;
}
