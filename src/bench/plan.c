/*
 * plan.c — the plan of a benchmark: method presets, parameters, and the units of work, one per
 * (data set, split, method, grid point), with the settings of each (data set, method) cell
 * resolved once under the protocol and fingerprinted as its config id.
 *
 * ============================================================================================
 * Protocols (MATH.md §5)
 * ============================================================================================
 *   fixed  one test unit per (data set, split, method): train on the training part with the
 *          settings given (by default the authors' code's: 4500 epochs, batch 32, S = 10,
 *          keep 0.995, no L2 term, precision learned) and score the test part.
 *   gal    Gal & Ghahramani's protocol. The grid is dropout_rates.txt (as keep = 1 - rate, for
 *          Bernoulli noise only) x tau_values.txt (fixed noise precision, original units of y);
 *          an axis fixed by the caller (keep, precision, learn_precision) has one value. With
 *          more than one grid point, grid unit k trains on the first 80% of the split's
 *          training indices (sn_valid_split) and scores the last 20%; the test unit refits on
 *          the whole training part with the grid point of the best validation log-likelihood
 *          (37) (ties: the lowest index) and scores the test part. Dropout nets train Gal's
 *          budget (n_epochs.txt x 100 epochs, batch 128, weight decay (39), sn_gal_sigma0, with
 *          l = 1e-2); the variational-EM resnets keep the authors' budget.
 */
#include "bench/bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Gal's epoch count when a data set has no n_epochs.txt: his usual multiplier file value. */
#define GAL_EPOCHS_FILE_DEFAULT 40
/* Gal's minibatch size (MATH.md §5). */
#define GAL_BATCH 128
/* Width of a hidden layer when neither the method, the caller nor n_hidden.txt gives one. */
#define DEFAULT_HIDDEN 50
/* Relative cost of one training row (forward, backward, update) against one scored row
 * (forward only), for the estimate of the time left and the longest-first order. */
#define TRAIN_ROW_COST 3.0
/* Cost of a row of a variational-EM resnet against a row of an MC dropout net, training or
 * scoring: about 30 us against 0.5 us per row and epoch on yacht (docs/performance.md). */
#define VEM_ROW_COST 60.0

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t hash_str(const char *s)
{
    return sn_hash_bytes(s, strlen(s));
}

/* ========================================================================================== */
/* Methods                                                                                    */
/* ========================================================================================== */

static const struct {
    const char *name;
    sn_method method;
    sn_objective objective;
    sn_prior_structure prior;
    sn_variant variant;
} presets[] = {
    {"lb", SN_METHOD_MC, SN_OBJ_LB, SN_PRIOR_NONE, SN_VARIANT_EXACT},
    {"iw", SN_METHOD_MC, SN_OBJ_IW, SN_PRIOR_NONE, SN_VARIANT_EXACT},
    {"tail", SN_METHOD_MC, SN_OBJ_TAIL, SN_PRIOR_NONE, SN_VARIANT_EXACT},
    {"vem-ard", SN_METHOD_VEM, SN_OBJ_LB, SN_PRIOR_ARD, SN_VARIANT_EXACT},
    {"vem-add", SN_METHOD_VEM, SN_OBJ_LB, SN_PRIOR_ADD, SN_VARIANT_EXACT},
    {"vem-ard-add", SN_METHOD_VEM, SN_OBJ_LB, SN_PRIOR_ARD_ADD, SN_VARIANT_EXACT},
    {"vem-ard-add-authors", SN_METHOD_VEM, SN_OBJ_LB, SN_PRIOR_ARD_ADD, SN_VARIANT_AUTHORS},
};
#define N_PRESETS (sizeof presets / sizeof presets[0])

static const char *const preset_names[N_PRESETS + 1] = {
    "lb", "iw", "tail", "vem-ard", "vem-add", "vem-ard-add", "vem-ard-add-authors", NULL,
};

const char *const *sn_bench_method_names(void)
{
    return preset_names;
}

/* Position of a method name in the tables: presets first, in their order. */
size_t bench_preset_index(const char *name)
{
    for (size_t i = 0; i < N_PRESETS; i++)
        if (strcmp(presets[i].name, name) == 0)
            return i;
    return N_PRESETS;
}

sn_status sn_bench_method_preset(const char *name, sn_bench_method *out, sn_error *err)
{
    if (!name || !out)
        return sn_fail(err, SN_EINVAL, "sn_bench_method_preset: NULL argument");
    size_t i = bench_preset_index(name);
    if (i == N_PRESETS)
        return sn_fail(err, SN_EINVAL,
                       "unknown method \"%s\": expected lb, iw, tail, vem-ard, vem-add, "
                       "vem-ard-add or vem-ard-add-authors", name);
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", name);
    sn_train_params *p = &out->params;
    sn_train_params_default(p);
    /* The width comes from the data set's n_hidden.txt (Table 2 used 50 everywhere). */
    p->n_hidden = 0;
    p->method = presets[i].method;
    if (p->method == SN_METHOD_MC) {
        p->arch = SN_ARCH_MLP;
        p->n_layers = 1;
        p->objective = presets[i].objective;
    } else {
        /* Table 3: resnets with two hidden layers (one skip connection), Γ⁻¹(3, 3). */
        p->arch = SN_ARCH_RESNET;
        p->n_layers = 2;
        p->prior = presets[i].prior;
        p->hyper.family = SN_HYPER_INVGAMMA;
        p->hyper.a = 3.0;
        p->hyper.b = 3.0;
        p->variant = presets[i].variant;
    }
    return SN_OK;
}

bool bench_valid_name(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == '+'))
            return false;
    }
    return true;
}

/* ========================================================================================== */
/* Parameters                                                                                 */
/* ========================================================================================== */

void sn_bench_params_default(sn_bench_params *p)
{
    memset(p, 0, sizeof *p);
    p->protocol = SN_BENCH_FIXED;
    p->seed = 1;
    p->n_splits = 0;
    p->n_draws = 1000;
    p->valid_fraction = 0.2;
    p->epoch_multiplier = 100;
    p->learning_rate = NAN;
    p->keep = NAN;
    p->precision = NAN;
    p->learn_precision = false;
    p->sigma0 = NAN;
    p->gal_lengthscale = 1e-2;
    p->mc_variant = SN_VARIANT_EXACT;
    p->retry_errors = false;
    p->tag = NULL;
}

static sn_status params_check(const sn_bench_params *p, sn_error *err)
{
    if (p->protocol != SN_BENCH_FIXED && p->protocol != SN_BENCH_GAL)
        return sn_fail(err, SN_EINVAL, "protocol must be fixed or gal");
    if (p->n_draws < 1 || p->n_draws > 1000000)
        return sn_fail(err, SN_EINVAL, "draws must be in [1, 1000000], got %zu", p->n_draws);
    if (!(p->valid_fraction > 0 && p->valid_fraction < 1))
        return sn_fail(err, SN_EINVAL, "validation fraction must be in (0, 1), got %g",
                       p->valid_fraction);
    if (p->epoch_multiplier < 1)
        return sn_fail(err, SN_EINVAL, "epoch multiplier must be at least 1");
    if (!isnan(p->learning_rate) && !(p->learning_rate > 0 && isfinite(p->learning_rate)))
        return sn_fail(err, SN_EINVAL, "learning rate must be positive, got %g",
                       p->learning_rate);
    if (!isnan(p->keep) && !(p->keep > 0 && p->keep <= 1))
        return sn_fail(err, SN_EINVAL, "keep probability must be in (0, 1], got %g", p->keep);
    if (!isnan(p->precision) && !(p->precision > 0 && isfinite(p->precision)))
        return sn_fail(err, SN_EINVAL, "precision must be positive and finite, got %g",
                       p->precision);
    if (!isnan(p->sigma0) && !(p->sigma0 > 0))
        return sn_fail(err, SN_EINVAL, "sigma0 must be positive (inf for none), got %g",
                       p->sigma0);
    if (!(p->gal_lengthscale > 0 && isfinite(p->gal_lengthscale)))
        return sn_fail(err, SN_EINVAL, "Gal's length scale must be positive, got %g",
                       p->gal_lengthscale);
    if (p->mc_variant == SN_VARIANT_AUTHORS) {
        /* Their configuration fixes these (MATH.md §7.9): refused, not overridden. */
        if (!isnan(p->precision) || p->learn_precision)
            return sn_fail(err, SN_EINVAL, "variant authors fixes the noise precision of the "
                           "dropout nets at %g in standardised units: precision and "
                           "learn-precision do not apply", SN_AUTHORS_MC_PRECISION);
        if (!isnan(p->sigma0))
            return sn_fail(err, SN_EINVAL, "variant authors has no L2 term: sigma0 and "
                           "gal-lengthscale do not apply");
    }
    return SN_OK;
}


/* ========================================================================================== */
/* The plan                                                                                   */
/* ========================================================================================== */

void sn_bench_free(sn_bench *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n_ds; i++)
        bench_ds_free(&b->ds[i]);
    free(b->ds);
    free(b->meth);
    free(b->cfg);
    for (size_t i = 0; i < b->n_units; i++)
        free(b->u[i].error);
    free(b->u);
    free(b->tag);
    free(b->path);
    if (b->fd >= 0)
        close(b->fd); /* releases the lock */
    free(b);
}

size_t sn_bench_n_units(const sn_bench *b)
{
    return b ? b->n_units : 0;
}

size_t sn_bench_n_done(const sn_bench *b)
{
    return b ? b->n_done : 0;
}

size_t sn_bench_n_datasets(const sn_bench *b)
{
    return b ? b->n_ds : 0;
}

const char *sn_bench_dataset_name(const sn_bench *b, size_t i)
{
    return b && i < b->n_ds ? b->ds[i].name : NULL;
}

/* A canonical text of every setting of a cell, hashed (FNV-1a) into its config id; false when
 * out of memory. */
static bool cfg_fingerprint(const sn_bench *b, bench_cfg *c)
{
    const sn_train_params *q = &c->base;
    sbuf s = {0};
    char spec[128], hyp[128];
    sn_noise_format(&q->noise, spec, sizeof spec);
    sn_hyperprior_format(&q->hyper, hyp, sizeof hyp);
    sb_printf(&s, "v%d|%s|%s|%s|%zu|%zu|%s|%s|", SN_BENCH_LINE_VERSION,
              b->p.protocol == SN_BENCH_GAL ? "gal" : "fixed", b->meth[c->meth].name,
              sn_arch_name(q->arch), q->n_hidden, q->n_layers, sn_activation_name(q->activation),
              sn_method_name(q->method));
    if (q->method == SN_METHOD_MC) {
        char bspec[128];
        sn_noise_format(&q->block_noise, bspec, sizeof bspec);
        sb_printf(&s, "%s|%s|%s|%d|%s|", c->has_keep ? "bernoulli" : spec, bspec,
                  sn_placement_name(q->placement), (int)q->noise_on_input,
                  sn_objective_name(q->objective));
        /* Only when set, so that the exact method's fingerprints stay those of older files. */
        if (q->variant == SN_VARIANT_AUTHORS)
            sb_puts(&s, "authors|");
    } else {
        sb_printf(&s, "%s|%s|%s|%s|", sn_prior_name(q->prior), hyp,
                  sn_estimator_name(q->estimator), sn_variant_name(q->variant));
    }
    sb_printf(&s, "S%zu|sigma0 %.17g|gal %d %.17g|%s %.17g %.17g %.17g %.17g %.17g|B%zu|E%zu|",
              q->n_samples, q->sigma0, (int)c->gal_sigma0,
              c->gal_sigma0 ? b->p.gal_lengthscale : 0.0, sn_optimizer_name(q->optimizer),
              q->learning_rate, q->adam_beta1, q->adam_beta2, q->adam_eps, q->momentum,
              q->batch_size, q->n_epochs);
    sb_puts(&s, "keep");
    for (size_t i = 0; i < c->n_keeps; i++)
        sb_printf(&s, " %.17g", c->keeps[i]);
    sb_printf(&s, "|tau%s", c->learn ? " learned" : "");
    for (size_t i = 0; i < c->n_taus; i++)
        sb_printf(&s, " %.17g", c->taus[i]);
    sb_printf(&s, "|T%zu|vf %.17g|seed %llu", b->p.n_draws, b->p.valid_fraction,
              (unsigned long long)b->p.seed);
    bool ok = s.s && !s.oom;
    uint64_t h = ok ? sn_hash_bytes(s.s, s.len) : 0;
    free(s.s);
    snprintf(c->config, sizeof c->config, "%016llx", (unsigned long long)h);
    return ok;
}

/* Resolve the settings of method m on data set d under the protocol and overrides. */
static sn_status cfg_resolve(const sn_bench *b, size_t di, size_t mi, bench_cfg *c,
                             sn_error *err)
{
    const sn_bench_params *P = &b->p;
    const bench_ds *d = &b->ds[di];
    const sn_bench_method *m = &b->meth[mi];
    bool gal = P->protocol == SN_BENCH_GAL;
    memset(c, 0, sizeof *c);
    c->ds = di;
    c->meth = mi;
    c->base = m->params;
    sn_train_params *q = &c->base;
    q->progress = NULL;
    q->progress_user = NULL;
    q->record_weights = NULL;
    q->record_user = NULL;
    c->has_keep = q->method == SN_METHOD_MC && q->noise.family == SN_NOISE_BERNOULLI;
    /* The authors' configuration of the dropout nets (MATH.md §7.9): no L2 term, their
     * precision, so no tau axis. */
    bool mc_authors = q->method == SN_METHOD_MC && P->mc_variant == SN_VARIANT_AUTHORS;
    if (mc_authors)
        q->variant = SN_VARIANT_AUTHORS;

    if (P->n_hidden)
        q->n_hidden = P->n_hidden;
    else if (q->n_hidden == 0)
        q->n_hidden = d->info.n_hidden > 0 ? (size_t)d->info.n_hidden : DEFAULT_HIDDEN;

    /* Gal's budget for dropout nets (MATH.md §5); the EM resnets keep the authors'. */
    if (gal && c->has_keep) {
        size_t e = d->info.n_epochs > 0 ? (size_t)d->info.n_epochs : GAL_EPOCHS_FILE_DEFAULT;
        q->n_epochs = e * P->epoch_multiplier;
        q->batch_size = GAL_BATCH;
        c->gal_sigma0 = true;
        /* Gal's network draws one mask per point (S = 1); iw and tail keep S = 10, so that the
         * columns differ by their weights only (paper Sec. 6). */
        if (q->objective == SN_OBJ_LB)
            q->n_samples = 1;
    }
    if (P->n_epochs)
        q->n_epochs = P->n_epochs;
    if (P->batch_size)
        q->batch_size = P->batch_size;
    if (P->n_samples)
        q->n_samples = P->n_samples;
    if (!isnan(P->learning_rate))
        q->learning_rate = P->learning_rate;
    if (!isnan(P->sigma0)) {
        q->sigma0 = P->sigma0;
        c->gal_sigma0 = false;
    }
    if (mc_authors) {
        q->sigma0 = INFINITY;
        c->gal_sigma0 = false;
    }

    /* The keep axis: fixed by the caller, searched under Gal, else the method's own. */
    if (c->has_keep) {
        if (!isnan(P->keep)) {
            c->keeps[0] = P->keep;
            c->n_keeps = 1;
        } else if (gal && d->info.n_dropout_rates > 0) {
            for (size_t i = 0; i < d->info.n_dropout_rates; i++)
                c->keeps[i] = 1.0 - d->info.dropout_rates[i];
            c->n_keeps = d->info.n_dropout_rates;
        } else {
            c->keeps[0] = q->noise.p[0];
            c->n_keeps = 1;
        }
    } else {
        c->keeps[0] = NAN;
        c->n_keeps = 1;
    }
    /* The tau axis: learned, fixed by the caller, searched under Gal, else learned; none for
     * the authors' dropout nets, whose precision is their own (c->learn false, tau NAN: the
     * record says fixed). */
    if (mc_authors) {
        c->learn = false;
        c->taus[0] = NAN;
        c->n_taus = 1;
    } else if (P->learn_precision) {
        c->learn = true;
        c->taus[0] = isnan(P->precision) ? 0.0 : P->precision;
        c->n_taus = 1;
    } else if (!isnan(P->precision)) {
        c->taus[0] = P->precision;
        c->n_taus = 1;
    } else if (gal && d->info.n_tau_values > 0) {
        for (size_t i = 0; i < d->info.n_tau_values; i++)
            c->taus[i] = d->info.tau_values[i];
        c->n_taus = d->info.n_tau_values;
    } else {
        c->learn = q->learn_precision || !(q->precision > 0);
        c->taus[0] = q->precision;
        c->n_taus = 1;
    }
    size_t g = c->n_keeps * c->n_taus;
    c->n_grid = g > 1 ? g : 0;

    /* Check the settings once, at a representative grid point, before anything runs. */
    sn_train_params t = *q;
    if (c->has_keep)
        t.noise.p[0] = c->keeps[0];
    bench_apply_tau(&t, c->learn, c->taus[0]);
    if (c->gal_sigma0)
        t.sigma0 = sn_gal_sigma0(P->gal_lengthscale, c->keeps[0]);
    sn_error e = {0};
    if (sn_train_params_check(&t, NULL, &e) != SN_OK)
        return sn_fail(err, e.code == SN_OK ? SN_EINVAL : e.code, "method %s on %s: %s", m->name,
                       d->name, e.msg);
    if (!cfg_fingerprint(b, c))
        return sn_fail(err, SN_ENOMEM, "out of memory");
    return SN_OK;
}

void bench_apply_tau(sn_train_params *t, bool learn, double tau)
{
    /* NAN: the method's own precision (the authors' dropout nets): neither set nor learned. */
    if (isnan(tau))
        return;
    t->learn_precision = learn;
    t->precision = tau;
}

uint64_t bench_unit_seed(const sn_bench *b, const bench_unit *u)
{
    const bench_cfg *c = &b->cfg[u->cfg];
    uint64_t h = sn_mix64(b->p.seed);
    h = sn_mix64(h ^ hash_str(b->ds[c->ds].name));
    h = sn_mix64(h ^ (uint64_t)u->split);
    h = sn_mix64(h ^ hash_str(b->meth[c->meth].name));
    h = sn_mix64(h ^ (uint64_t)(int64_t)(u->grid + 1));
    return h;
}

sn_status sn_bench_new(const sn_bench_params *p, const char *data_dir, const char *datasets,
                       const sn_bench_method *methods, size_t n_methods, sn_bench **out,
                       sn_error *err)
{
    sn_status st;
    char **paths = NULL;
    size_t n_paths = 0;
    if (!out)
        return sn_fail(err, SN_EINVAL, "sn_bench_new: out is NULL");
    *out = NULL;
    if (!p || !data_dir || !methods)
        return sn_fail(err, SN_EINVAL, "sn_bench_new: NULL argument");
    if ((st = params_check(p, err)) != SN_OK)
        return st;
    if (n_methods == 0)
        return sn_fail(err, SN_EINVAL, "no methods to run");
    for (size_t i = 0; i < n_methods; i++) {
        if (strnlen(methods[i].name, sizeof methods[i].name) == sizeof methods[i].name ||
            !bench_valid_name(methods[i].name))
            return sn_fail(err, SN_EINVAL,
                           "method name \"%.31s\": use letters, digits, '-', '_', '.', '+'",
                           methods[i].name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(methods[i].name, methods[j].name) == 0)
                return sn_fail(err, SN_EINVAL, "method %s is listed twice", methods[i].name);
    }
    if ((st = bench_choose_datasets(data_dir, datasets, &paths, &n_paths, err)) != SN_OK)
        return st;

    sn_bench *b = calloc(1, sizeof *b);
    if (!b) {
        st = sn_fail(err, SN_ENOMEM, "out of memory");
        goto fail;
    }
    b->fd = -1;
    b->p = *p;
    b->tag = sn_strdup(p->tag ? p->tag : "");
    b->p.tag = NULL;
    b->ds = sn_calloc(n_paths, sizeof *b->ds);
    b->meth = sn_calloc(n_methods, sizeof *b->meth);
    if (!b->tag || !b->ds || !b->meth) {
        st = sn_fail(err, SN_ENOMEM, "out of memory");
        goto fail;
    }
    memcpy(b->meth, methods, n_methods * sizeof *methods);
    b->n_meth = n_methods;
    for (size_t i = 0; i < n_paths; i++) {
        bench_ds *d = &b->ds[i];
        d->dir = paths[i];
        paths[i] = NULL;
        b->n_ds = i + 1;
        if (!(d->name = bench_base_name(d->dir))) {
            st = sn_fail(err, SN_ENOMEM, "out of memory");
            goto fail;
        }
        if (!bench_valid_name(d->name)) {
            st = sn_fail(err, SN_EINVAL, "%s: a data set name needs letters, digits, '-', '_', "
                                         "'.' or '+' only", d->dir);
            goto fail;
        }
        if ((st = bench_ds_load(d, p->n_splits, err)) != SN_OK)
            goto fail;
        for (size_t k = 0; k < d->n_splits && p->protocol == SN_BENCH_GAL; k++) {
            size_t n_fit = sn_valid_split(d->n_train[k], p->valid_fraction);
            if (n_fit < 1 || n_fit >= d->n_train[k]) {
                st = sn_fail(err, SN_EDATA, "%s split %zu: %zu training rows are too few to "
                                            "hold out a validation part", d->name, k,
                             d->n_train[k]);
                goto fail;
            }
        }
    }

    size_t n_cfg;
    if (!sn_mul_size(b->n_ds, n_methods, &n_cfg) ||
        !(b->cfg = sn_calloc(n_cfg, sizeof *b->cfg))) {
        st = sn_fail(err, SN_ENOMEM, "out of memory");
        goto fail;
    }
    size_t n_units = 0;
    for (size_t i = 0; i < b->n_ds; i++)
        for (size_t m = 0; m < n_methods; m++) {
            bench_cfg *c = &b->cfg[i * n_methods + m];
            if ((st = cfg_resolve(b, i, m, c, err)) != SN_OK)
                goto fail;
            n_units += b->ds[i].n_splits * (c->n_grid + 1);
        }
    if (!(b->u = sn_calloc(n_units, sizeof *b->u))) {
        st = sn_fail(err, SN_ENOMEM, "out of memory");
        goto fail;
    }
    /* Order: data set, split, method, then the grid units before their test unit, so that the
     * grid units of a split spread over the workers and its test unit follows them. */
    size_t k = 0;
    for (size_t i = 0; i < b->n_ds; i++)
        for (size_t s = 0; s < b->ds[i].n_splits; s++)
            for (size_t m = 0; m < n_methods; m++) {
                size_t ci = i * n_methods + m;
                const bench_cfg *c = &b->cfg[ci];
                size_t n_tr = b->ds[i].n_train[s], n_te = b->ds[i].n_test[s];
                size_t n_fit = sn_valid_split(n_tr, p->valid_fraction);
                double per_row = TRAIN_ROW_COST * (double)c->base.n_epochs *
                                 (double)c->base.n_samples;
                double kind = c->base.method == SN_METHOD_MC ? 1.0 : VEM_ROW_COST;
                for (size_t g = 0; g <= c->n_grid; g++) {
                    bench_unit *u = &b->u[k++];
                    u->cfg = ci;
                    u->split = s;
                    u->grid = g < c->n_grid ? (int)g : -1;
                    u->valid_ll = NAN;
                    u->keep = u->precision = NAN;
                    u->cost = kind * (u->grid >= 0 ? per_row * (double)n_fit +
                                                         (double)p->n_draws * (double)(n_tr - n_fit)
                                                   : per_row * (double)n_tr +
                                                         (double)p->n_draws * (double)n_te);
                }
            }
    b->n_units = k;
    for (size_t i = 0; i < n_paths; i++)
        free(paths[i]);
    free(paths);
    *out = b;
    return SN_OK;
fail:
    for (size_t i = 0; i < n_paths; i++)
        free(paths[i]);
    free(paths);
    sn_bench_free(b);
    return st;
}

uint64_t sn_bench_plan_hash(const sn_bench *b)
{
    if (!b)
        return 0;
    uint64_t h = sn_mix64(b->p.seed ^ (uint64_t)b->n_units);
    for (size_t i = 0; i < b->n_ds; i++)
        h = sn_mix64(h ^ hash_str(b->ds[i].name) ^ (uint64_t)b->ds[i].n_splits);
    for (size_t k = 0; k < b->n_ds * b->n_meth; k++)
        h = sn_mix64(h ^ hash_str(b->cfg[k].config) ^ (uint64_t)b->cfg[k].n_grid);
    h = sn_mix64(h ^ hash_str(b->tag));
    return h;
}
