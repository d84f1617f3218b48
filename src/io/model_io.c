/*
 * model_io.c — model files: sn_model_save and sn_model_load.
 *
 * FORMAT (version 1; docs/FORMATS.md says the same in more words)
 *
 * A model file is ASCII text, one item per line, lines ending in "\n" (no "\r"), fields separated
 * by exactly one space. Reals are written with "%.17g" (17 significant digits), which strtod reads
 * back to the same bits; non-finite values are never written except "inf" for sigma0. Both run in
 * the C locale: neither the library nor the CLI ever calls setlocale, so a program starts in "C"
 * and the decimal point is ".". Integers are unsigned decimal, booleans "true" or "false", enums
 * the names of src/names.c. The lines, in this order:
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
 *   theta <n_params>                   then n_params lines (layout of src/internal.h)
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
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen, fsync, fchmod */
#endif

#include "io/io.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MODEL_MAGIC "shrinknet-model"
#define MODEL_FORMAT_VERSION 1
#define CHECKSUM_PREFIX "checksum fnv1a64 "
#define CHECKSUM_HEX 16

/* Key names in file order; the enum indexes the table. */
enum {
    K_VERSION, K_ARCH, K_N_HIDDEN, K_N_LAYERS, K_ACTIVATION, K_LIKELIHOOD, K_N_CLASSES, K_METHOD,
    K_NOISE, K_BLOCK_NOISE, K_PLACEMENT, K_NOISE_ON_INPUT, K_OBJECTIVE, K_N_SAMPLES, K_SIGMA0,
    K_PRIOR, K_HYPER, K_ESTIMATOR, K_VARIANT, K_PRECISION, K_LEARN_PRECISION, K_OPTIMIZER,
    K_LEARNING_RATE, K_ADAM_BETA1, K_ADAM_BETA2, K_ADAM_EPS, K_MOMENTUM, K_BATCH_SIZE,
    K_N_EPOCHS, K_SEED, K_N_IN, K_N_OUT, K_N_STEPS, K_LOG_PRECISION, K_Y_MEAN, K_Y_STD,
    K_X_MEAN, K_X_STD, K_THETA, K_RHO, K_ROW_VAR, K_LAYER_VAR, N_KEYS
};

static const char *const key_names[N_KEYS] = {
    "shrinknet_version", "arch", "n_hidden", "n_layers", "activation", "likelihood", "n_classes",
    "method", "noise", "block_noise", "placement", "noise_on_input", "objective", "n_samples",
    "sigma0", "prior", "hyper", "estimator", "variant", "precision", "learn_precision",
    "optimizer", "learning_rate", "adam_beta1", "adam_beta2", "adam_eps", "momentum",
    "batch_size", "n_epochs", "seed", "n_in", "n_out", "n_steps", "log_precision", "y_mean",
    "y_std", "x_mean", "x_std", "theta", "rho", "row_var", "layer_var",
};

static const char *bool_name(bool b) { return b ? "true" : "false"; }

/* ========================================================================================== */
/* Consistency checks shared by save and load                                                  */
/* ========================================================================================== */

/* Report the first inconsistency of params p with n_in inputs and n_out outputs: the key it is
 * about in *key and a message in msg; true when there is none. Both save (so that it never
 * writes a file load would reject) and load (before sn_model_alloc) call it. */
static bool check_params(const sn_train_params *p, size_t n_in, size_t n_out, int *key,
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
        FAIL(K_ARCH, "arch has no name (%d)", (int)p->arch);
    if (strcmp(sn_activation_name(p->activation), "?") == 0)
        FAIL(K_ACTIVATION, "activation has no name (%d)", (int)p->activation);
    if (strcmp(sn_likelihood_name(p->likelihood), "?") == 0)
        FAIL(K_LIKELIHOOD, "likelihood has no name (%d)", (int)p->likelihood);
    if (strcmp(sn_method_name(p->method), "?") == 0)
        FAIL(K_METHOD, "method has no name (%d)", (int)p->method);
    if (strcmp(sn_noise_family_name(p->noise.family), "?") == 0)
        FAIL(K_NOISE, "noise family has no name (%d)", (int)p->noise.family);
    if (strcmp(sn_noise_family_name(p->block_noise.family), "?") == 0)
        FAIL(K_BLOCK_NOISE, "block_noise family has no name (%d)", (int)p->block_noise.family);
    if (strcmp(sn_placement_name(p->placement), "?") == 0)
        FAIL(K_PLACEMENT, "placement has no name (%d)", (int)p->placement);
    if (strcmp(sn_objective_name(p->objective), "?") == 0)
        FAIL(K_OBJECTIVE, "objective has no name (%d)", (int)p->objective);
    if (strcmp(sn_prior_name(p->prior), "?") == 0)
        FAIL(K_PRIOR, "prior has no name (%d)", (int)p->prior);
    if (strcmp(sn_hyper_family_name(p->hyper.family), "?") == 0)
        FAIL(K_HYPER, "hyper family has no name (%d)", (int)p->hyper.family);
    if (strcmp(sn_estimator_name(p->estimator), "?") == 0)
        FAIL(K_ESTIMATOR, "estimator has no name (%d)", (int)p->estimator);
    if (strcmp(sn_variant_name(p->variant), "?") == 0)
        FAIL(K_VARIANT, "variant has no name (%d)", (int)p->variant);
    if (strcmp(sn_optimizer_name(p->optimizer), "?") == 0)
        FAIL(K_OPTIMIZER, "optimizer has no name (%d)", (int)p->optimizer);

    if (p->n_hidden == 0)
        FAIL(K_N_HIDDEN, "n_hidden must be at least 1, found 0");
    if (p->n_layers == 0)
        FAIL(K_N_LAYERS, "n_layers must be at least 1, found 0");
    if (p->arch == SN_ARCH_RESNET && p->n_layers < 2)
        FAIL(K_N_LAYERS, "a resnet needs n_layers >= 2, found %zu", p->n_layers);
    if (p->n_samples == 0)
        FAIL(K_N_SAMPLES, "n_samples must be at least 1, found 0");
    if (p->batch_size == 0)
        FAIL(K_BATCH_SIZE, "batch_size must be at least 1, found 0");

    /* Every real must be finite; sigma0 alone may be +inf ("no L2 term"). */
    const struct { int key; double v; } reals[] = {
        {K_NOISE, p->noise.p[0]}, {K_NOISE, p->noise.p[1]},
        {K_BLOCK_NOISE, p->block_noise.p[0]}, {K_BLOCK_NOISE, p->block_noise.p[1]},
        {K_HYPER, p->hyper.a}, {K_HYPER, p->hyper.b}, {K_PRECISION, p->precision},
        {K_LEARNING_RATE, p->learning_rate}, {K_ADAM_BETA1, p->adam_beta1},
        {K_ADAM_BETA2, p->adam_beta2}, {K_ADAM_EPS, p->adam_eps}, {K_MOMENTUM, p->momentum},
    };
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++)
        if (!isfinite(reals[i].v))
            FAIL(reals[i].key, "%s must be finite, found %g", key_names[reals[i].key],
                 reals[i].v);
    if (!(p->sigma0 > 0))
        FAIL(K_SIGMA0, "sigma0 must be > 0 or inf, found %g", p->sigma0);
    /* As sn_train_params_check: a learned precision may be 0 (start from the default). */
    if (p->learn_precision ? !(p->precision >= 0) : !(p->precision > 0))
        FAIL(K_PRECISION, "precision must be %s, found %g",
             p->learn_precision ? ">= 0" : "> 0 when it is not learned", p->precision);

    if (n_in == 0)
        FAIL(K_N_IN, "n_in must be at least 1, found 0");
    if (p->likelihood == SN_LIK_CATEGORICAL) {
        if (n_out < 2)
            FAIL(K_N_OUT, "a categorical model needs n_out >= 2, found %zu", n_out);
        if (p->n_classes != 0 && p->n_classes != n_out)
            FAIL(K_N_OUT, "n_out is %zu but n_classes is %zu", n_out, p->n_classes);
    } else if (n_out != 1) {
        FAIL(K_N_OUT, "a %s model has n_out 1, found %zu", sn_likelihood_name(p->likelihood),
             n_out);
    }
    return true;
#undef FAIL
}

/* Everything sn_train itself accepts (sn_train_params_check without data): parameters of the
 * noise laws in range - a file saying "noise gaussian -3 0 true" would otherwise load and
 * predict NaN -, hyper-prior ranges, combinations. A trained model passed it when it was
 * trained. On failure *key is the key the message is about and msg holds it. */
static bool check_trainable(const sn_train_params *p, int *key, char *msg, size_t size)
{
    sn_error e;
    if (sn_train_params_check(p, NULL, &e) == SN_OK)
        return true;
    *key = strncmp(e.msg, "block noise", 11) == 0 ? K_BLOCK_NOISE
           : strncmp(e.msg, "noise", 5) == 0     ? K_NOISE
           : strstr(e.msg, "hyper-prior")         ? K_HYPER
                                                  : K_METHOD;
    snprintf(msg, size, "%.*s", (int)(size - 1), e.msg);
    return false;
}

/* Number of entries of theta for these sizes, as sn_model_alloc lays it out (W_l and b_l per
 * weight layer); false on overflow. Load uses it only to bound the allocation by the file size
 * before calling sn_model_alloc; the arrays are then checked against the model itself. */
static bool layout_size(const sn_train_params *p, size_t n_in, size_t n_out, size_t *n_params)
{
    size_t total = 0;
    for (size_t l = 0; l <= p->n_layers; l++) {
        size_t rows = l == 0 ? n_in : p->n_hidden;
        size_t cols = l == p->n_layers ? n_out : p->n_hidden;
        size_t nw;
        if (rows == SIZE_MAX || !sn_mul_size(rows + 1, cols, &nw) || total > SIZE_MAX - nw)
            return false;
        total += nw;
    }
    *n_params = total;
    return true;
}

/* ========================================================================================== */
/* Save                                                                                        */
/* ========================================================================================== */

/* A growing text buffer; a failed allocation sets is_failed and later appends do nothing. */
typedef struct {
    char *s;
    size_t len, cap;
    bool is_failed;
} text;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void appendf(text *t, const char *fmt, ...)
{
    if (t->is_failed)
        return;
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        t->is_failed = true;
        va_end(ap2);
        return;
    }
    if (!t->s || (size_t)n >= t->cap - t->len) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap - t->len <= (size_t)n) {
            if (cap > SIZE_MAX / 2) {
                t->is_failed = true;
                va_end(ap2);
                return;
            }
            cap *= 2;
        }
        char *s = realloc(t->s, cap);
        if (!s) {
            t->is_failed = true;
            va_end(ap2);
            return;
        }
        t->s = s;
        t->cap = cap;
        vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap2);
    }
    va_end(ap2);
    t->len += (size_t)n;
}

static void append_array(text *t, const char *name, const double *a, size_t n)
{
    appendf(t, "%s %zu\n", name, n);
    for (size_t i = 0; i < n && !t->is_failed; i++)
        appendf(t, "%.17g\n", a[i]);
}

/* First non-finite (or, with is_positive, non-positive) entry of a [n], or n when there is none. */
static size_t first_bad(const double *a, size_t n, bool is_positive)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(a[i]) || (is_positive && !(a[i] > 0)))
            return i;
    return n;
}

/* The whole file, checksum line included, into t. */
static void format_model(const sn_model *m, text *t)
{
    const sn_train_params *p = &m->params;
    appendf(t, "%s %d\n", MODEL_MAGIC, MODEL_FORMAT_VERSION);
    appendf(t, "shrinknet_version %s\n", SN_VERSION);
    appendf(t, "arch %s\n", sn_arch_name(p->arch));
    appendf(t, "n_hidden %zu\n", p->n_hidden);
    appendf(t, "n_layers %zu\n", p->n_layers);
    appendf(t, "activation %s\n", sn_activation_name(p->activation));
    appendf(t, "likelihood %s\n", sn_likelihood_name(p->likelihood));
    appendf(t, "n_classes %zu\n", p->n_classes);
    appendf(t, "method %s\n", sn_method_name(p->method));
    appendf(t, "noise %s %.17g %.17g %s\n", sn_noise_family_name(p->noise.family),
            p->noise.p[0], p->noise.p[1], bool_name(p->noise.mean_one));
    appendf(t, "block_noise %s %.17g %.17g %s\n", sn_noise_family_name(p->block_noise.family),
            p->block_noise.p[0], p->block_noise.p[1], bool_name(p->block_noise.mean_one));
    appendf(t, "placement %s\n", sn_placement_name(p->placement));
    appendf(t, "noise_on_input %s\n", bool_name(p->noise_on_input));
    appendf(t, "objective %s\n", sn_objective_name(p->objective));
    appendf(t, "n_samples %zu\n", p->n_samples);
    appendf(t, "sigma0 %.17g\n", p->sigma0);
    appendf(t, "prior %s\n", sn_prior_name(p->prior));
    appendf(t, "hyper %s %.17g %.17g\n", sn_hyper_family_name(p->hyper.family), p->hyper.a,
            p->hyper.b);
    appendf(t, "estimator %s\n", sn_estimator_name(p->estimator));
    appendf(t, "variant %s\n", sn_variant_name(p->variant));
    appendf(t, "precision %.17g\n", p->precision);
    appendf(t, "learn_precision %s\n", bool_name(p->learn_precision));
    appendf(t, "optimizer %s\n", sn_optimizer_name(p->optimizer));
    appendf(t, "learning_rate %.17g\n", p->learning_rate);
    appendf(t, "adam_beta1 %.17g\n", p->adam_beta1);
    appendf(t, "adam_beta2 %.17g\n", p->adam_beta2);
    appendf(t, "adam_eps %.17g\n", p->adam_eps);
    appendf(t, "momentum %.17g\n", p->momentum);
    appendf(t, "batch_size %zu\n", p->batch_size);
    appendf(t, "n_epochs %zu\n", p->n_epochs);
    appendf(t, "seed %" PRIu64 "\n", p->seed);
    appendf(t, "n_in %zu\n", m->n_in);
    appendf(t, "n_out %zu\n", m->n_out);
    appendf(t, "n_steps %" PRIu64 "\n", m->n_steps);
    appendf(t, "log_precision %.17g\n", m->log_precision);
    appendf(t, "y_mean %.17g\n", m->y_mean);
    appendf(t, "y_std %.17g\n", m->y_std);
    append_array(t, "x_mean", m->x_mean, m->n_in);
    append_array(t, "x_std", m->x_std, m->n_in);
    append_array(t, "theta", m->theta, m->n_params);
    if (p->method == SN_METHOD_VEM) {
        append_array(t, "rho", m->rho, m->n_params);
        append_array(t, "row_var", m->row_var, m->n_rows_total);
        append_array(t, "layer_var", m->layer_var, m->n_layers);
    }
    if (!t->is_failed)
        appendf(t, "%s%016" PRIx64 "\n", CHECKSUM_PREFIX, sn_hash_bytes(t->s, t->len));
}

/* Refuse a model that load would reject, so that a saved file can always be read back. */
static sn_status check_model(const sn_model *m, const char *path, sn_error *err)
{
    int key;
    char msg[256];
    if (!check_params(&m->params, m->n_in, m->n_out, &key, msg, sizeof msg) ||
        !check_trainable(&m->params, &key, msg, sizeof msg))
        return sn_fail(err, SN_EINVAL, "%s: cannot save the model: %s", path, msg);
    if (m->params.method == SN_METHOD_VEM && (!m->rho || !m->row_var || !m->layer_var))
        return sn_fail(err, SN_EINVAL, "%s: cannot save the model: a vem model without its "
                                       "variational arrays", path);
    const struct { const char *name; const double *a; size_t n; bool is_positive; } arrays[] = {
        {"log_precision", &m->log_precision, 1, false}, {"y_mean", &m->y_mean, 1, false},
        {"y_std", &m->y_std, 1, true}, {"x_mean", m->x_mean, m->n_in, false},
        {"x_std", m->x_std, m->n_in, true}, {"theta", m->theta, m->n_params, false},
        {"rho", m->rho, m->rho ? m->n_params : 0, false},
        {"row_var", m->row_var, m->row_var ? m->n_rows_total : 0, false},
        {"layer_var", m->layer_var, m->layer_var ? m->n_layers : 0, false},
    };
    for (size_t k = 0; k < sizeof arrays / sizeof arrays[0]; k++) {
        size_t i = first_bad(arrays[k].a, arrays[k].n, arrays[k].is_positive);
        if (i < arrays[k].n)
            return sn_fail(err, SN_ENUMERIC, "%s: cannot save the model: %s[%zu] = %g is %s",
                           path, arrays[k].name, i, arrays[k].a[i],
                           isfinite(arrays[k].a[i]) ? "not positive" : "not finite");
    }
    return SN_OK;
}

sn_status sn_model_save(const sn_model *m, const char *path, sn_error *err)
{
    if (!m || !path || !*path)
        return sn_fail(err, SN_EINVAL, "sn_model_save: no model or no path");
    sn_status st = check_model(m, path, err);
    if (st != SN_OK)
        return st;

    text t = {0};
    format_model(m, &t);
    if (t.is_failed) {
        free(t.s);
        return sn_fail(err, SN_ENOMEM, "%s: out of memory formatting the model file", path);
    }
    /* A temporary file in the same folder renamed over path, a device or FIFO in place, a
     * folder refused (io/file.c). */
    st = sn_file_replace(path, t.s, t.len, err);
    free(t.s);
    return st;
}

/* ========================================================================================== */
/* Load                                                                                        */
/* ========================================================================================== */

/* Line reader over the body of a file (everything before the checksum line). Lines are
 * NUL-terminated in place. */
typedef struct {
    const char *path;
    char *pos, *end;
    size_t line;     /* 1-based number of the line last returned */
    size_t key_line[N_KEYS];
    sn_error *err;
} reader;

static char *next_line(reader *r)
{
    if (r->pos >= r->end)
        return NULL;
    char *s = r->pos;
    char *nl = memchr(s, '\n', (size_t)(r->end - s));
    /* The body always ends with '\n' (it is followed by the checksum line), so nl is found. */
    *nl = '\0';
    r->pos = nl + 1;
    r->line++;
    return s;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static bool bad(reader *r, const char *fmt, ...)
{
    char msg[SN_ERROR_MSG_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sn_fail(r->err, SN_EFORMAT, "%s:%zu: %s", r->path, r->line, msg);
    return false;
}

static int key_index(const char *name)
{
    for (int k = 0; k < N_KEYS; k++)
        if (strcmp(name, key_names[k]) == 0)
            return k;
    return -1;
}

/* The next line must be "<key_names[k]> <value>"; returns the value, or NULL after reporting
 * an unknown, missing or misplaced key. */
static char *take(reader *r, int k)
{
    char *s = next_line(r);
    if (!s) {
        r->line++; /* the checksum line, where the key was due */
        bad(r, "missing key \"%s\"", key_names[k]);
        return NULL;
    }
    char *sp = strchr(s, ' ');
    char *val = sp ? sp + 1 : s + strlen(s);
    if (sp)
        *sp = '\0';
    if (strcmp(s, key_names[k]) != 0) {
        int j = key_index(s);
        if (j < 0)
            bad(r, "unknown key \"%.60s\" (expected \"%s\")", s, key_names[k]);
        else if (j > k)
            bad(r, "missing key \"%s\" (found \"%s\")", key_names[k], s);
        else
            bad(r, "duplicate or misplaced key \"%s\" (expected \"%s\")", s, key_names[k]);
        return NULL;
    }
    if (!*val) {
        bad(r, "key \"%s\" has no value", key_names[k]);
        return NULL;
    }
    r->key_line[k] = r->line;
    return val;
}

/* Split v in place into exactly n fields separated by single spaces. */
static bool split(reader *r, int k, char *v, char **fields, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fields[i] = v;
        char *sp = strchr(v, ' ');
        if (i + 1 < n) {
            if (!sp)
                return bad(r, "%s needs %zu fields, found %zu", key_names[k], n, i + 1);
            *sp = '\0';
            v = sp + 1;
        } else if (sp) {
            return bad(r, "%s needs %zu fields, found more", key_names[k], n);
        }
        if (!*fields[i])
            return bad(r, "%s: empty field %zu", key_names[k], i + 1);
    }
    return true;
}

/* A decimal unsigned integer of at most max: digits only, no sign, no spaces. */
static bool parse_uint(reader *r, int k, const char *v, uint64_t max, uint64_t *out)
{
    size_t n = strlen(v);
    if (n == 0)
        return bad(r, "%s: expected an unsigned integer, found nothing", key_names[k]);
    if (sn_parse_uint(v, n, max, out))
        return true;
    if (strspn(v, "0123456789") == n)
        return bad(r, "%s: %.40s is too large", key_names[k], v);
    return bad(r, "%s: expected an unsigned integer, found \"%.40s\"", key_names[k], v);
}

static bool get_size(reader *r, int k, size_t *out)
{
    const char *v = take(r, k);
    uint64_t x;
    if (!v || !parse_uint(r, k, v, SIZE_MAX < UINT64_MAX ? SIZE_MAX : UINT64_MAX, &x))
        return false;
    *out = (size_t)x;
    return true;
}

static bool get_u64(reader *r, int k, uint64_t *out)
{
    const char *v = take(r, k);
    return v && parse_uint(r, k, v, UINT64_MAX, out);
}

/* A real as printf's %.17g writes it: [-]digits[.digits][e[+-]digits], or "inf" where is_inf_ok
 * (strtod alone would also take hex floats, "nan", leading spaces and trailing junk). */
static bool parse_real(reader *r, const char *what, const char *v, bool is_inf_ok, double *out)
{
    sn_num_status ns = sn_parse_real(v, strlen(v), SN_NUM_DECIMAL | (is_inf_ok ? SN_NUM_INF : 0u),
                                     out);
    if (ns == SN_NUM_BAD)
        return bad(r, "%s: expected a number, found \"%.40s\"", what, v);
    if (ns == SN_NUM_RANGE)
        return bad(r, "%s: %.40s is out of range", what, v);
    return true;
}

static bool get_real(reader *r, int k, bool is_inf_ok, double *out)
{
    const char *v = take(r, k);
    return v && parse_real(r, key_names[k], v, is_inf_ok, out);
}

static bool parse_bool(reader *r, int k, const char *v, bool *out)
{
    if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) {
        *out = v[0] == 't';
        return true;
    }
    return bad(r, "%s: expected true or false, found \"%.40s\"", key_names[k], v);
}

static bool get_bool(reader *r, int k, bool *out)
{
    const char *v = take(r, k);
    return v && parse_bool(r, k, v, out);
}

static bool enum_ok(reader *r, int k, const char *v, sn_status st)
{
    if (st == SN_OK)
        return true;
    return bad(r, "%s: unknown name \"%.40s\"", key_names[k], v);
}

/* "<family> <p0> <p1> <mean_one>" */
static bool get_noise(reader *r, int k, sn_noise *nz)
{
    char *v = take(r, k), *f[4];
    return v && split(r, k, v, f, 4)
           && enum_ok(r, k, f[0], sn_noise_family_parse(f[0], &nz->family))
           && parse_real(r, key_names[k], f[1], false, &nz->p[0])
           && parse_real(r, key_names[k], f[2], false, &nz->p[1])
           && parse_bool(r, k, f[3], &nz->mean_one);
}

/* "<name count>" then count lines of one real each; count must be n. */
static bool get_array(reader *r, int k, double *a, size_t n, bool is_positive)
{
    const char *v = take(r, k);
    uint64_t count;
    if (!v || !parse_uint(r, k, v, UINT64_MAX, &count))
        return false;
    if (count != n)
        return bad(r, "%s has %" PRIu64 " values, the model needs %zu", key_names[k], count, n);
    for (size_t i = 0; i < n; i++) {
        const char *s = next_line(r);
        if (!s) {
            r->line++;
            return bad(r, "%s ends after %zu of %zu values", key_names[k], i, n);
        }
        char what[48];
        snprintf(what, sizeof what, "%s[%zu]", key_names[k], i);
        if (!parse_real(r, what, s, false, &a[i]))
            return false;
        if (is_positive && !(a[i] > 0))
            return bad(r, "%s = %.17g must be > 0", what, a[i]);
    }
    return true;
}

#define ENUM_FIELD(k, parse_fn, dst)                                                            \
    do {                                                                                        \
        const char *v_ = take(r, k);                                                            \
        if (!v_ || !enum_ok(r, k, v_, parse_fn(v_, &(dst))))                                    \
            return false;                                                                       \
    } while (0)

/* Every line from shrinknet_version to y_std. */
static bool read_header(reader *r, sn_train_params *p, size_t *n_in, size_t *n_out,
                        uint64_t *n_steps, double *log_precision, double *y_mean, double *y_std)
{
    const char *v = take(r, K_VERSION);
    if (!v)
        return false;
    /* The library version is informational: the format version decides compatibility. */
    if (strchr(v, ' '))
        return bad(r, "shrinknet_version: expected one word, found \"%.40s\"", v);
    sn_train_params_default(p);
    ENUM_FIELD(K_ARCH, sn_arch_parse, p->arch);
    if (!get_size(r, K_N_HIDDEN, &p->n_hidden) || !get_size(r, K_N_LAYERS, &p->n_layers))
        return false;
    ENUM_FIELD(K_ACTIVATION, sn_activation_parse, p->activation);
    ENUM_FIELD(K_LIKELIHOOD, sn_likelihood_parse, p->likelihood);
    if (!get_size(r, K_N_CLASSES, &p->n_classes))
        return false;
    ENUM_FIELD(K_METHOD, sn_method_parse, p->method);
    if (!get_noise(r, K_NOISE, &p->noise) || !get_noise(r, K_BLOCK_NOISE, &p->block_noise))
        return false;
    ENUM_FIELD(K_PLACEMENT, sn_placement_parse, p->placement);
    if (!get_bool(r, K_NOISE_ON_INPUT, &p->noise_on_input))
        return false;
    ENUM_FIELD(K_OBJECTIVE, sn_objective_parse, p->objective);
    if (!get_size(r, K_N_SAMPLES, &p->n_samples) || !get_real(r, K_SIGMA0, true, &p->sigma0))
        return false;
    ENUM_FIELD(K_PRIOR, sn_prior_parse, p->prior);
    char *h = take(r, K_HYPER), *f[3];
    if (!h || !split(r, K_HYPER, h, f, 3)
        || !enum_ok(r, K_HYPER, f[0], sn_hyper_family_parse(f[0], &p->hyper.family))
        || !parse_real(r, "hyper", f[1], false, &p->hyper.a)
        || !parse_real(r, "hyper", f[2], false, &p->hyper.b))
        return false;
    ENUM_FIELD(K_ESTIMATOR, sn_estimator_parse, p->estimator);
    ENUM_FIELD(K_VARIANT, sn_variant_parse, p->variant);
    if (!get_real(r, K_PRECISION, false, &p->precision)
        || !get_bool(r, K_LEARN_PRECISION, &p->learn_precision))
        return false;
    ENUM_FIELD(K_OPTIMIZER, sn_optimizer_parse, p->optimizer);
    return get_real(r, K_LEARNING_RATE, false, &p->learning_rate)
           && get_real(r, K_ADAM_BETA1, false, &p->adam_beta1)
           && get_real(r, K_ADAM_BETA2, false, &p->adam_beta2)
           && get_real(r, K_ADAM_EPS, false, &p->adam_eps)
           && get_real(r, K_MOMENTUM, false, &p->momentum)
           && get_size(r, K_BATCH_SIZE, &p->batch_size)
           && get_size(r, K_N_EPOCHS, &p->n_epochs) && get_u64(r, K_SEED, &p->seed)
           && get_size(r, K_N_IN, n_in) && get_size(r, K_N_OUT, n_out)
           && get_u64(r, K_N_STEPS, n_steps)
           && get_real(r, K_LOG_PRECISION, false, log_precision)
           && get_real(r, K_Y_MEAN, false, y_mean) && get_real(r, K_Y_STD, false, y_std);
}

#undef ENUM_FIELD

/* Magic word, format version and checksum of buf [len]; on success *body_len is the length of
 * everything before the checksum line. */
static sn_status check_envelope(const char *path, const char *buf, size_t len, size_t *body_len,
                                sn_error *err)
{
    static const char magic[] = MODEL_MAGIC " ";
    size_t n_magic = sizeof magic - 1;
    if (len == 0)
        return sn_fail(err, SN_EFORMAT, "%s: empty file, not a shrinknet model file", path);
    if (len < n_magic && memcmp(buf, magic, len) == 0)
        return sn_fail(err, SN_EFORMAT, "%s:1: truncated file: it ends inside the first line",
                       path);
    if (len < n_magic || memcmp(buf, magic, n_magic) != 0)
        return sn_fail(err, SN_EFORMAT, "%s:1: not a shrinknet model file (it does not begin "
                                        "with \"%s\")", path, MODEL_MAGIC);
    const char *nl = memchr(buf, '\n', len);
    if (!nl)
        return sn_fail(err, SN_EFORMAT, "%s:1: truncated file: it ends inside the first line",
                       path);
    /* The version: decimal digits without leading zeros up to the end of the line. The format
     * version is a single digit, so any longer number is newer. */
    const char *v = buf + n_magic;
    size_t n_v = (size_t)(nl - v);
    int n_show = (int)(n_v < 40 ? n_v : 40);
    bool is_number = n_v > 0 && (v[0] != '0' || n_v == 1);
    for (size_t i = 0; i < n_v; i++)
        is_number = is_number && v[i] >= '0' && v[i] <= '9';
    if (!is_number)
        return sn_fail(err, SN_EFORMAT, "%s:1: bad model file version \"%.*s\"", path, n_show,
                       v);
    if (n_v > 1 || v[0] > '0' + MODEL_FORMAT_VERSION)
        return sn_fail(err, SN_EFORMAT, "%s:1: model file version %.*s is newer than this "
                                        "program supports (version %d); use a newer shrinknet",
                       path, n_show, v, MODEL_FORMAT_VERSION);
    if (v[0] != '0' + MODEL_FORMAT_VERSION)
        return sn_fail(err, SN_EFORMAT, "%s:1: model file version %.*s is not supported "
                                        "(this program reads version %d)",
                       path, n_show, v, MODEL_FORMAT_VERSION);

    /* The last line must be the checksum line; a file cut short anywhere loses it. */
    size_t line = 1;
    for (size_t i = 0; i < len; i++)
        line += buf[i] == '\n';
    if (buf[len - 1] != '\n')
        return sn_fail(err, SN_EFORMAT, "%s:%zu: truncated file: the last line is incomplete "
                                        "and there is no checksum line", path, line);
    size_t start = len - 1;
    while (start > 0 && buf[start - 1] != '\n')
        start--;
    line--; /* the number of the last line */
    size_t n_prefix = sizeof CHECKSUM_PREFIX - 1;
    if (len - start < 9 || memcmp(buf + start, "checksum ", 9) != 0)
        return sn_fail(err, SN_EFORMAT, "%s:%zu: truncated file: the checksum line is missing",
                       path, line);
    if (len - start != n_prefix + CHECKSUM_HEX + 1
        || memcmp(buf + start, CHECKSUM_PREFIX, n_prefix) != 0)
        return sn_fail(err, SN_EFORMAT, "%s:%zu: bad checksum line (expected \"%s\" and %d "
                                        "hexadecimal digits)", path, line, CHECKSUM_PREFIX,
                       CHECKSUM_HEX);
    uint64_t stored = 0;
    for (size_t i = 0; i < CHECKSUM_HEX; i++) {
        char c = buf[start + n_prefix + i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else
            return sn_fail(err, SN_EFORMAT, "%s:%zu: bad checksum line (expected %d lowercase "
                                            "hexadecimal digits)", path, line, CHECKSUM_HEX);
        stored = stored << 4 | d;
    }
    if (sn_hash_bytes(buf, start) != stored)
        return sn_fail(err, SN_EFORMAT, "%s:%zu: checksum mismatch: the file is corrupted",
                       path, line);
    if (memchr(buf, '\0', start))
        return sn_fail(err, SN_EFORMAT, "%s: unexpected NUL byte", path);
    *body_len = start;
    return SN_OK;
}

sn_status sn_model_load(const char *path, sn_model **out, sn_error *err)
{
    if (!out)
        return sn_fail(err, SN_EINVAL, "sn_model_load: no output pointer");
    *out = NULL;
    if (!path || !*path)
        return sn_fail(err, SN_EINVAL, "sn_model_load: no path");
    char *buf;
    size_t len = 0, body_len = 0;
    sn_status st = sn_file_read(path, &buf, &len, err);
    if (st != SN_OK)
        return st;
    st = check_envelope(path, buf, len, &body_len, err);
    if (st != SN_OK) {
        free(buf);
        return st;
    }

    reader r = {.path = path, .pos = buf, .end = buf + body_len, .line = 0, .err = err};
    next_line(&r); /* the magic line, checked above */
    sn_train_params p;
    size_t n_in = 0, n_out = 0, n_params;
    uint64_t n_steps = 0;
    double log_precision = 0, y_mean = 0, y_std = 1;
    sn_model *m = NULL;
    if (!read_header(&r, &p, &n_in, &n_out, &n_steps, &log_precision, &y_mean, &y_std))
        goto fail;

    int key;
    char msg[256];
    if (!check_params(&p, n_in, n_out, &key, msg, sizeof msg)) {
        r.line = r.key_line[key];
        bad(&r, "%s", msg);
        goto fail;
    }
    if (!(y_std > 0)) {
        r.line = r.key_line[K_Y_STD];
        bad(&r, "y_std = %.17g must be > 0", y_std);
        goto fail;
    }
    /* Every array entry takes at least two bytes ("0\n"): a model larger than the rest of the
     * file could hold is refused here rather than allocated. */
    size_t rest = (size_t)(r.end - r.pos);
    if (!layout_size(&p, n_in, n_out, &n_params) || n_params > rest / 2 || n_in > rest / 2) {
        r.line = r.key_line[K_N_OUT];
        bad(&r, "a model of %zu inputs, %zu x %zu hidden units and %zu outputs does not fit in "
                "the rest of the file", n_in, p.n_layers, p.n_hidden, n_out);
        goto fail;
    }
    sn_error alloc_err;
    st = sn_model_alloc(&p, n_in, n_out, &m, &alloc_err);
    if (st != SN_OK) {
        if (st == SN_ENOMEM)
            sn_fail(err, st, "%s: %s", path, alloc_err.msg);
        else
            bad(&r, "%s", alloc_err.msg);
        free(buf);
        return st == SN_ENOMEM ? st : SN_EFORMAT;
    }
    m->n_steps = n_steps;
    m->log_precision = log_precision;
    m->y_mean = y_mean;
    m->y_std = y_std;
    if (!get_array(&r, K_X_MEAN, m->x_mean, n_in, false)
        || !get_array(&r, K_X_STD, m->x_std, n_in, true)
        || !get_array(&r, K_THETA, m->theta, m->n_params, false))
        goto fail;
    if (p.method == SN_METHOD_VEM
        && (!get_array(&r, K_RHO, m->rho, m->n_params, false)
            || !get_array(&r, K_ROW_VAR, m->row_var, m->n_rows_total, false)
            || !get_array(&r, K_LAYER_VAR, m->layer_var, m->n_layers, false)))
        goto fail;
    const char *extra = next_line(&r);
    if (extra) {
        const char *sp = strchr(extra, ' ');
        size_t n_key = sp ? (size_t)(sp - extra) : strlen(extra);
        bad(&r, "unexpected line \"%.*s\" after the last array of a %s model",
            (int)(n_key < 40 ? n_key : 40), extra, sn_method_name(p.method));
        goto fail;
    }
    /* Last, once the file's structure is known to be sound: the values make sense together. */
    if (!check_trainable(&p, &key, msg, sizeof msg)) {
        r.line = r.key_line[key];
        bad(&r, "%s", msg);
        goto fail;
    }
    free(buf);
    *out = m;
    return SN_OK;

fail:
    sn_model_free(m);
    free(buf);
    return SN_EFORMAT;
}
