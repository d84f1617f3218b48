/*
 * params.c — checking training parameters before anything is allocated (libsvm's
 * svm_check_parameter): the first problem is reported in words.
 */
#include "internal.h"

#include <math.h>

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

sn_status sn_train_params_check(const sn_train_params *p, const sn_data *d, sn_error *err)
{
    sn_status st;
    if (p->n_hidden < 1 || p->n_hidden > 100000)
        return sn_fail(err, SN_EINVAL, "hidden units must be in [1, 100000], got %zu", p->n_hidden);
    if (p->n_layers < 1 || p->n_layers > 1000)
        return sn_fail(err, SN_EINVAL, "hidden layers must be in [1, 1000], got %zu", p->n_layers);
    if (p->arch == SN_ARCH_RESNET && p->n_layers < 2)
        return sn_fail(err, SN_EINVAL,
                       "a resnet needs at least 2 hidden layers (one residual block), got %zu",
                       p->n_layers);
    if (p->likelihood == SN_LIK_CATEGORICAL && p->n_classes == 1)
        return sn_fail(err, SN_EINVAL, "a categorical likelihood needs at least 2 classes");
    if (p->n_samples < 1 || p->n_samples > 100000)
        return sn_fail(err, SN_EINVAL, "samples must be in [1, 100000], got %zu", p->n_samples);
    if (p->batch_size < 1)
        return sn_fail(err, SN_EINVAL, "batch size must be at least 1");
    if (p->n_epochs < 1)
        return sn_fail(err, SN_EINVAL, "epochs must be at least 1");
    if (!(p->learning_rate > 0) || !isfinite(p->learning_rate))
        return sn_fail(err, SN_EINVAL, "learning rate must be positive and finite, got %g",
                       p->learning_rate);
    if (!(p->adam_beta1 >= 0 && p->adam_beta1 < 1) || !(p->adam_beta2 >= 0 && p->adam_beta2 < 1))
        return sn_fail(err, SN_EINVAL, "Adam betas must be in [0, 1), got %g and %g",
                       p->adam_beta1, p->adam_beta2);
    if (!(p->adam_eps > 0) || !isfinite(p->adam_eps))
        return sn_fail(err, SN_EINVAL, "Adam epsilon must be positive, got %g", p->adam_eps);
    if (!(p->momentum >= 0 && p->momentum < 1))
        return sn_fail(err, SN_EINVAL, "momentum must be in [0, 1), got %g", p->momentum);
    if (!(p->sigma0 > 0))
        return sn_fail(err, SN_EINVAL, "sigma0 must be positive (inf for no L2 term), got %g",
                       p->sigma0);
    if (p->learn_precision ? !(p->precision >= 0 && isfinite(p->precision))
                           : !(p->precision > 0 && isfinite(p->precision)))
        return sn_fail(err, SN_EINVAL, "noise precision must be positive and finite, got %g",
                       p->precision);

    if (p->method == SN_METHOD_MC) {
        if ((st = check_noise(&p->noise, "noise", err)) != SN_OK)
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
            if (p->placement != SN_PLACE_BLOCKS && (st = check_hier(&p->noise, "noise", err)))
                return st;
            if (blocks && (st = check_hier(sn_block_noise_of(p), "block noise", err)))
                return st;
        }
    } else {
        if ((p->prior == SN_PRIOR_ADD || p->prior == SN_PRIOR_ARD_ADD) &&
            p->arch != SN_ARCH_RESNET)
            return sn_fail(err, SN_EINVAL, "prior %s needs a resnet (--arch resnet:WxL)",
                           sn_prior_name(p->prior));
        if (p->hyper.family == SN_HYPER_LOGUNIFORM && p->prior == SN_PRIOR_ARD_ADD)
            return sn_fail(err, SN_EUNSUPPORTED,
                           "a log-uniform hyper-prior on both factors of ARD-ADD has no maximum "
                           "(the ELBO grows without bound along a ridge, MATH.md §4); use "
                           "invgamma:A,B with B > 0 or halfcauchy:ETA");
        if (p->hyper.family == SN_HYPER_INVGAMMA && p->hyper.b == 0 &&
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
