/*
 * model_format.c — model files: the format (below; docs/FORMATS.md says the same in more words),
 * the names of its keys, and the consistency checks both directions share. The writer is
 * model_write.c (sn_model_save), the reader model_read.c (sn_model_load).
 *
 * FORMAT (version 1)
 *
 * A model file is ASCII text, one item per line, lines ending in "\n" (no "\r"), fields separated
 * by exactly one space. Reals are written with "%.17g" (17 significant digits), which strtod reads
 * back to the same bits; non-finite values are never written except "inf" for sigma0. Both run in
 * the C locale: neither the library nor the CLI ever calls setlocale, so a program starts in "C"
 * and the decimal point is ".". Integers are unsigned decimal, booleans "true" or "false", enums
 * the names of src/model/names.c. The lines, in this order:
 *
 *   shrinknet-model 1                  magic word and format version
 *   shrinknet_version 0.1.0            SN_VERSION of the writer (informational)
 *   arch mlp|resnet
 *   n_hidden <size>                    units per hidden layer (>= 1)
 *   n_layers <size>                    hidden layers (>= 1; >= 2 for a resnet)
 *   activation relu|tanh
 *   likelihood gaussian|bernoulli|categorical
 *   n_classes <size>
 *   method mc|vem
 *   noise <family> <p0> <p1> <mean_one>          e.g. "noise beta 3 2 true"
 *   block_noise <family> <p0> <p1> <mean_one>
 *   placement units|weights|blocks|units+blocks
 *   noise_on_input <bool>
 *   objective lb|iw|tail|hier
 *   n_samples <size>                   (>= 1)
 *   sigma0 <real>                      > 0, "inf" for no L2 term
 *   prior none|ard|add|ard-add
 *   hyper <family> <a> <b>             family invgamma|halfcauchy|loguniform
 *   estimator local|reparam|flipout
 *   variant exact|authors
 *   precision <real>                   >= 0 (0 = default start) if learned, else > 0
 *   learn_precision <bool>
 *   optimizer adam|sgd
 *   learning_rate <real>
 *   adam_beta1 <real>
 *   adam_beta2 <real>
 *   adam_eps <real>
 *   momentum <real>
 *   batch_size <size>                  (>= 1)
 *   n_epochs <size>
 *   seed <uint64>
 *   n_in <size>                        inputs (>= 1)
 *   n_out <size>                       outputs: 1, or K >= 2 for a categorical likelihood
 *   n_steps <uint64>                   optimiser steps taken
 *   log_precision <real>               log kappa, standardised units of y
 *   y_mean <real>
 *   y_std <real>                       > 0
 *   x_mean <n_in>                      then n_in lines of one real each
 *   x_std <n_in>                       then n_in lines of one real each, all > 0
 *   theta <n_params>                   then n_params lines (layout of src/core/core.h)
 *   rho <n_params>                     method vem only, then n_params lines
 *   row_var <n_rows_total>             method vem only, then n_rows_total lines
 *   layer_var <n_layers + 1>           method vem only, one per weight layer
 *   checksum fnv1a64 <16 hex digits>   64-bit FNV-1a of every byte before this line
 *
 * Every line up to and including the checksum line is required, in this order, and nothing may
 * follow it. Versioning: a reader accepts its own version only; any change to the keys, their
 * order or meaning increments the version. Saving is atomic: the text is written to a temporary
 * file "<path>.tmpXXXXXX" in the same directory, flushed and fsync'ed, then renamed over path.
 */
#include "io/io.h"

#include <math.h>
#include <string.h>

const char *const sn_model_key_names[SN_N_KEYS] = {
    "shrinknet_version", "arch", "n_hidden", "n_layers", "activation", "likelihood", "n_classes",
    "method", "noise", "block_noise", "placement", "noise_on_input", "objective", "n_samples",
    "sigma0", "prior", "hyper", "estimator", "variant", "precision", "learn_precision",
    "optimizer", "learning_rate", "adam_beta1", "adam_beta2", "adam_eps", "momentum",
    "batch_size", "n_epochs", "seed", "n_in", "n_out", "n_steps", "log_precision", "y_mean",
    "y_std", "x_mean", "x_std", "theta", "rho", "row_var", "layer_var",
};

/* ========================================================================================== */
/* Consistency checks shared by save and load                                                  */
/* ========================================================================================== */

/* Report the first inconsistency of params p with n_in inputs and n_out outputs: the key it is
 * about in *key and a message in msg; true when there is none. Both save (so that it never
 * writes a file load would reject) and load (before sn_model_alloc) call it. */
bool sn_model_check_params(const sn_train_params *p, size_t n_in, size_t n_out, int *key,
                           char *msg, size_t size)
{
#define FAIL(k, ...)                                                                            \
    do {                                                                                        \
        *key = (k);                                                                             \
        snprintf(msg, size, __VA_ARGS__);                                                       \
        return false;                                                                           \
    } while (0)
    /* Out-of-range enums could only come from a caller that wrote into the struct directly;
     * their names would be "?" and the file unreadable. */
    if (strcmp(sn_arch_name(p->arch), "?") == 0)
        FAIL(SN_KEY_ARCH, "arch has no name (%d)", (int)p->arch);
    if (strcmp(sn_activation_name(p->activation), "?") == 0)
        FAIL(SN_KEY_ACTIVATION, "activation has no name (%d)", (int)p->activation);
    if (strcmp(sn_likelihood_name(p->likelihood), "?") == 0)
        FAIL(SN_KEY_LIKELIHOOD, "likelihood has no name (%d)", (int)p->likelihood);
    if (strcmp(sn_method_name(p->method), "?") == 0)
        FAIL(SN_KEY_METHOD, "method has no name (%d)", (int)p->method);
    if (strcmp(sn_noise_family_name(p->noise.family), "?") == 0)
        FAIL(SN_KEY_NOISE, "noise family has no name (%d)", (int)p->noise.family);
    if (strcmp(sn_noise_family_name(p->block_noise.family), "?") == 0)
        FAIL(SN_KEY_BLOCK_NOISE, "block_noise family has no name (%d)", (int)p->block_noise.family);
    if (strcmp(sn_placement_name(p->placement), "?") == 0)
        FAIL(SN_KEY_PLACEMENT, "placement has no name (%d)", (int)p->placement);
    if (strcmp(sn_objective_name(p->objective), "?") == 0)
        FAIL(SN_KEY_OBJECTIVE, "objective has no name (%d)", (int)p->objective);
    if (strcmp(sn_prior_name(p->prior), "?") == 0)
        FAIL(SN_KEY_PRIOR, "prior has no name (%d)", (int)p->prior);
    if (strcmp(sn_hyper_family_name(p->hyper.family), "?") == 0)
        FAIL(SN_KEY_HYPER, "hyper family has no name (%d)", (int)p->hyper.family);
    if (strcmp(sn_estimator_name(p->estimator), "?") == 0)
        FAIL(SN_KEY_ESTIMATOR, "estimator has no name (%d)", (int)p->estimator);
    if (strcmp(sn_variant_name(p->variant), "?") == 0)
        FAIL(SN_KEY_VARIANT, "variant has no name (%d)", (int)p->variant);
    if (strcmp(sn_optimizer_name(p->optimizer), "?") == 0)
        FAIL(SN_KEY_OPTIMIZER, "optimizer has no name (%d)", (int)p->optimizer);

    if (p->n_hidden == 0)
        FAIL(SN_KEY_N_HIDDEN, "n_hidden must be at least 1, found 0");
    if (p->n_layers == 0)
        FAIL(SN_KEY_N_LAYERS, "n_layers must be at least 1, found 0");
    if (p->arch == SN_ARCH_RESNET && p->n_layers < 2)
        FAIL(SN_KEY_N_LAYERS, "a resnet needs n_layers >= 2, found %zu", p->n_layers);
    if (p->n_samples == 0)
        FAIL(SN_KEY_N_SAMPLES, "n_samples must be at least 1, found 0");
    if (p->batch_size == 0)
        FAIL(SN_KEY_BATCH_SIZE, "batch_size must be at least 1, found 0");

    /* Every real must be finite; sigma0 alone may be +inf ("no L2 term"). */
    const struct { int key; double v; } reals[] = {
        {SN_KEY_NOISE, p->noise.p[0]}, {SN_KEY_NOISE, p->noise.p[1]},
        {SN_KEY_BLOCK_NOISE, p->block_noise.p[0]}, {SN_KEY_BLOCK_NOISE, p->block_noise.p[1]},
        {SN_KEY_HYPER, p->hyper.a}, {SN_KEY_HYPER, p->hyper.b},
        {SN_KEY_PRECISION, p->precision}, {SN_KEY_LEARNING_RATE, p->learning_rate},
        {SN_KEY_ADAM_BETA1, p->adam_beta1}, {SN_KEY_ADAM_BETA2, p->adam_beta2},
        {SN_KEY_ADAM_EPS, p->adam_eps}, {SN_KEY_MOMENTUM, p->momentum},
    };
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++)
        if (!isfinite(reals[i].v))
            FAIL(reals[i].key, "%s must be finite, found %g", sn_model_key_names[reals[i].key],
                 reals[i].v);
    if (!(p->sigma0 > 0))
        FAIL(SN_KEY_SIGMA0, "sigma0 must be > 0 or inf, found %g", p->sigma0);
    /* As sn_train_params_check: a learned precision may be 0 (start from the default). */
    if (p->learn_precision ? !(p->precision >= 0) : !(p->precision > 0))
        FAIL(SN_KEY_PRECISION, "precision must be %s, found %g",
             p->learn_precision ? ">= 0" : "> 0 when it is not learned", p->precision);

    if (n_in == 0)
        FAIL(SN_KEY_N_IN, "n_in must be at least 1, found 0");
    if (p->likelihood == SN_LIK_CATEGORICAL) {
        if (n_out < 2)
            FAIL(SN_KEY_N_OUT, "a categorical model needs n_out >= 2, found %zu", n_out);
        if (p->n_classes != 0 && p->n_classes != n_out)
            FAIL(SN_KEY_N_OUT, "n_out is %zu but n_classes is %zu", n_out, p->n_classes);
    } else if (n_out != 1) {
        FAIL(SN_KEY_N_OUT, "a %s model has n_out 1, found %zu", sn_likelihood_name(p->likelihood),
             n_out);
    }
    return true;
#undef FAIL
}

/* Everything sn_train itself accepts (sn_train_params_check without data): parameters of the
 * noise laws in range - a file saying "noise gaussian -3 0 true" would otherwise load and
 * predict NaN -, hyper-prior ranges, combinations. A trained model passed it when it was
 * trained. On failure *key is the key the message is about and msg holds it. */
bool sn_model_check_trainable(const sn_train_params *p, int *key, char *msg, size_t size)
{
    sn_error e;
    if (sn_train_params_check(p, NULL, &e) == SN_OK)
        return true;
    *key = strncmp(e.msg, "block noise", 11) == 0 ? SN_KEY_BLOCK_NOISE
           : strncmp(e.msg, "noise", 5) == 0     ? SN_KEY_NOISE
           : strstr(e.msg, "hyper-prior")         ? SN_KEY_HYPER
                                                  : SN_KEY_METHOD;
    snprintf(msg, size, "%.*s", (int)(size - 1), e.msg);
    return false;
}
