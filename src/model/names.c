/*
 * names.c — the spelling of every enum on the command line and in model files, both ways.
 */
#include "model/model.h"

#include <string.h>

/* One table per enum, indexed by value; parse is a linear search (the tables are tiny). */
#define NAMES(type, fn_name, fn_parse, ...)                                                     \
    static const char *const type##_names[] = {__VA_ARGS__};                                    \
    const char *fn_name(type v)                                                                 \
    {                                                                                           \
        size_t n = sizeof type##_names / sizeof type##_names[0];                                \
        return (size_t)v < n ? type##_names[v] : "?";                                           \
    }                                                                                           \
    sn_status fn_parse(const char *name, type *out)                                             \
    {                                                                                           \
        size_t n = sizeof type##_names / sizeof type##_names[0];                                \
        for (size_t i = 0; name && i < n; i++)                                                  \
            if (strcmp(name, type##_names[i]) == 0) {                                           \
                *out = (type)i;                                                                 \
                return SN_OK;                                                                   \
            }                                                                                   \
        return SN_EINVAL;                                                                       \
    }

NAMES(sn_arch, sn_arch_name, sn_arch_parse, "mlp", "resnet")
NAMES(sn_activation, sn_activation_name, sn_activation_parse, "relu", "tanh")
NAMES(sn_method, sn_method_name, sn_method_parse, "mc", "vem")
NAMES(sn_placement, sn_placement_name, sn_placement_parse, "units", "weights", "blocks",
      "units+blocks")
NAMES(sn_objective, sn_objective_name, sn_objective_parse, "lb", "iw", "tail", "hier")
NAMES(sn_likelihood, sn_likelihood_name, sn_likelihood_parse, "gaussian", "bernoulli",
      "categorical")
NAMES(sn_optimizer, sn_optimizer_name, sn_optimizer_parse, "adam", "sgd")
NAMES(sn_prior_structure, sn_prior_name, sn_prior_parse, "none", "ard", "add", "ard-add")
NAMES(sn_estimator, sn_estimator_name, sn_estimator_parse, "local", "reparam", "flipout")
NAMES(sn_variant, sn_variant_name, sn_variant_parse, "exact", "authors")
NAMES(sn_noise_family, sn_noise_family_name, sn_noise_family_parse, "none", "bernoulli",
      "gaussian", "rayleigh", "invnakagami", "halfcauchy", "beta", "uniform")
NAMES(sn_hyper_family, sn_hyper_family_name, sn_hyper_family_parse, "invgamma", "halfcauchy",
      "loguniform")
