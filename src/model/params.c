/*
 * params.c — training parameters: their defaults, Gal's sigma0 (39) and validation cut, and their
 * check before anything is allocated (libsvm's svm_check_parameter): the first problem is
 * reported in words. The table of their keys, limits and messages is param_table.c.
 */
#include "model/model.h"

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static sn_status check_noise(const sn_noise *nz, const char *what, sn_error *err)
{
    sn_error e = {0};
    if (sn_noise_check(nz, &e) != SN_OK)
        return sn_fail(err, SN_EINVAL, "%s: %s", what, e.msg);
    return SN_OK;
}

/* The hierarchical objective (23) needs E[ξ⁻²] < ∞ for every noise it replaces. */
static sn_status check_hier(const sn_noise *nz, const char *what, sn_error *err)
{
    sn_noise_moments mo = sn_noise_moments_of(nz);
    if (!isfinite(mo.mean_inv_sq)) {
        char spec[128];
        sn_noise_format(nz, spec, sizeof spec);
        return sn_fail(err, SN_EUNSUPPORTED,
                       "objective hier needs a finite E[xi^-2], but it is infinite for %s %s "
                       "(MATH.md (23)); use invnakagami, beta with a > 2 or uniform with lo > 0",
                       what, spec);
    }
    return SN_OK;
}

/* The authors' dropout configuration (MATH.md §7.9, model/method_mc_authors.c) has no L2 term
 * and is their Adam: parameters that would set those are refused rather than silently
 * overridden. (Its fixed precision is refused where it is set, sn_train_params_set: a trained
 * model records it.) */
static sn_status check_mc_authors(const sn_train_params *p, sn_error *err)
{
    if (isfinite(p->sigma0))
        return sn_fail(err, SN_EINVAL, "variant authors has no L2 term (MATH.md §7.9): sigma0 "
                       "and gal-lengthscale do not apply");
    if (p->optimizer != SN_OPT_ADAM)
        return sn_fail(err, SN_EINVAL, "variant authors trains with their Adam (MATH.md §7.9): "
                       "optimizer %s does not apply", sn_optimizer_name(p->optimizer));
    if (p->objective == SN_OBJ_HIER)
        return sn_fail(err, SN_EINVAL, "variant authors has the objectives lb, iw and tail: "
                       "objective hier does not apply");
    return SN_OK;
}

void sn_train_params_default(sn_train_params *p)
{
    memset(p, 0, sizeof *p);
    p->arch = SN_ARCH_MLP;
    p->n_hidden = 50;
    p->n_layers = 1;
    p->activation = SN_ACT_RELU;
    p->likelihood = SN_LIK_GAUSSIAN;
    p->n_classes = 0;
    p->method = SN_METHOD_MC;
    p->noise.family = SN_NOISE_BERNOULLI;
    p->noise.p[0] = 0.995; /* the paper's dropout rate p = 0.005 */
    p->noise.mean_one = true;
    p->block_noise.family = SN_NOISE_NONE;
    p->placement = SN_PLACE_UNITS;
    p->noise_on_input = true;
    p->objective = SN_OBJ_LB;
    p->n_samples = 10;
    p->sigma0 = INFINITY;
    p->prior = SN_PRIOR_ARD;
    p->hyper.family = SN_HYPER_INVGAMMA;
    p->hyper.a = 3.0;
    p->hyper.b = 3.0;
    p->estimator = SN_EST_LOCAL;
    p->variant = SN_VARIANT_EXACT;
    p->precision = 0.0; /* learned, from a residual std of 0.32 target std */
    p->learn_precision = true;
    p->optimizer = SN_OPT_ADAM;
    p->learning_rate = 1e-3;
    p->adam_beta1 = 0.9;
    p->adam_beta2 = 0.999;
    p->adam_eps = 1e-8;
    p->momentum = 0.0;
    p->batch_size = 32;
    p->n_epochs = 4500;
    p->seed = 1;
}

/* MATH.md (39). keep is the keep probability (Gal's 1 − p). */
double sn_gal_sigma0(double lengthscale, double keep)
{
    return sqrt(2.0 / (lengthscale * lengthscale * keep));
}

/* MATH.md §5, Gal's protocol: the first 80% of a split's training indices fit, the last 20%
 * validate. */
size_t sn_valid_split(size_t n, double fraction)
{
    return (size_t)floor((double)n * (1.0 - fraction));
}

sn_status sn_train_params_check(const sn_train_params *p, const sn_data *d, sn_error *err)
{
    sn_status st;
    if ((st = sn_train_params_check_limits(p, err)) != SN_OK)
        return st;
    if (p->arch == SN_ARCH_RESNET && p->n_layers < 2)
        return sn_fail(err, SN_EINVAL,
                       "a resnet needs at least 2 hidden layers (one residual block), got %zu",
                       p->n_layers);
    if (p->likelihood == SN_LIK_CATEGORICAL && p->n_classes == 1)
        return sn_fail(err, SN_EINVAL, "a categorical likelihood needs at least 2 classes");
    if (!(p->adam_beta1 >= 0 && p->adam_beta1 < 1) || !(p->adam_beta2 >= 0 && p->adam_beta2 < 1))
        return sn_fail(err, SN_EINVAL, "Adam betas must be in [0, 1), got %g and %g",
                       p->adam_beta1, p->adam_beta2);
    if (!(p->adam_eps > 0) || !isfinite(p->adam_eps))
        return sn_fail(err, SN_EINVAL, "Adam epsilon must be positive, got %g", p->adam_eps);

    if (p->method == SN_METHOD_MC) {
        if ((st = check_noise(&p->noise, "noise", err)) != SN_OK)
            return st;
        if (p->variant == SN_VARIANT_AUTHORS && (st = check_mc_authors(p, err)) != SN_OK)
            return st;
        bool blocks = p->placement == SN_PLACE_BLOCKS || p->placement == SN_PLACE_UNITS_BLOCKS;
        if (blocks && p->arch != SN_ARCH_RESNET)
            return sn_fail(err, SN_EINVAL, "placement %s needs a resnet (--arch resnet:WxL)",
                           sn_placement_name(p->placement));
        if (blocks && (st = check_noise(sn_block_noise_of(p), "block noise", err)) != SN_OK)
            return st;
        if (p->objective == SN_OBJ_HIER) {
            if (!isfinite(p->sigma0))
                return sn_fail(err, SN_EINVAL,
                               "objective hier is a weight decay with variance sigma0^2/E[xi^-2] "
                               "(MATH.md (23)): it needs a finite sigma0");
            /* Unit noise stays on the first and last layers under every placement. */
            if (p->noise.family != SN_NOISE_NONE && (st = check_hier(&p->noise, "noise", err)))
                return st;
            if (blocks && (st = check_hier(sn_block_noise_of(p), "block noise", err)))
                return st;
        }
    } else {
        bool exact = p->variant == SN_VARIANT_EXACT;
        if (p->objective != SN_OBJ_LB)
            return sn_fail(err, SN_EINVAL,
                           "objective %s is for Monte Carlo noise nets; the variational EM "
                           "maximises the ELBO (24) (leave --objective at lb)",
                           sn_objective_name(p->objective));
        /* The authors' code applies ADD to the inner matrices of a plain network too. */
        if (exact && (p->prior == SN_PRIOR_ADD || p->prior == SN_PRIOR_ARD_ADD) &&
            p->arch != SN_ARCH_RESNET)
            return sn_fail(err, SN_EINVAL, "prior %s needs a resnet (--arch resnet:WxL)",
                           sn_prior_name(p->prior));
        /* The exact joint optimum does not exist here; the authors' one half-sweep does. */
        if (exact && p->hyper.family == SN_HYPER_LOGUNIFORM && p->prior == SN_PRIOR_ARD_ADD)
            return sn_fail(err, SN_EUNSUPPORTED,
                           "a log-uniform hyper-prior on both factors of ARD-ADD has no maximum "
                           "(the ELBO grows without bound along a ridge, MATH.md §4); use "
                           "invgamma:A,B with B > 0 or halfcauchy:ETA");
        if (exact && p->hyper.family == SN_HYPER_INVGAMMA && p->hyper.b == 0 &&
            p->prior == SN_PRIOR_ARD_ADD)
            return sn_fail(err, SN_EUNSUPPORTED,
                           "an inverse-gamma hyper-prior with b = 0 on both factors of ARD-ADD "
                           "has no maximum (the ELBO grows along the ridge a·e^c, t·e^-c, MATH.md "
                           "§4); use b > 0 or halfcauchy:ETA");
        if (p->hyper.family == SN_HYPER_INVGAMMA && !(p->hyper.a >= 0 && p->hyper.b >= 0))
            return sn_fail(err, SN_EINVAL, "inverse-gamma hyper-prior needs a, b >= 0");
        if (p->hyper.family == SN_HYPER_HALFCAUCHY && !(p->hyper.a > 0))
            return sn_fail(err, SN_EINVAL, "half-Cauchy hyper-prior needs eta > 0");
    }

    if (d) {
        size_t n = sn_data_n_rows(d);
        if (sn_data_n_cols(d) < 1)
            return sn_fail(err, SN_EDATA, "%s: no feature columns", sn_data_source(d));
        if (n < p->batch_size)
            return sn_fail(err, SN_EDATA,
                           "%s: %zu rows, fewer than one minibatch of %zu (--batch)",
                           sn_data_source(d), n, p->batch_size);
    }
    return SN_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* On the heap (bindings)                                                                      */
/* ------------------------------------------------------------------------------------------ */

sn_train_params *sn_train_params_new(void)
{
    sn_train_params *p = malloc(sizeof *p);
    if (p)
        sn_train_params_default(p);
    return p;
}

void sn_train_params_free(sn_train_params *p)
{
    free(p);
}
