/*
 * model_write.c — sn_model_save: the model file of a model (format: the top of model_format.c),
 * formatted whole in memory with its checksum, refused when load would reject it, and written
 * atomically through io/file.c.
 */
#include "io/io.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *bool_name(bool b) { return b ? "true" : "false"; }

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
    appendf(t, "%s %d\n", SN_MODEL_MAGIC, SN_MODEL_FORMAT_VERSION);
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
        appendf(t, "%s%016" PRIx64 "\n", SN_CHECKSUM_PREFIX, sn_hash_bytes(t->s, t->len));
}

/* Refuse a model that load would reject, so that a saved file can always be read back. */
static sn_status check_model(const sn_model *m, const char *path, sn_error *err)
{
    int key;
    char msg[256];
    if (!sn_model_check_params(&m->params, m->n_in, m->n_out, &key, msg, sizeof msg) ||
        !sn_model_check_trainable(&m->params, &key, msg, sizeof msg))
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
        st = sn_fail(err, SN_ENOMEM, "%s: out of memory formatting the model file", path);
    } else {
        /* A temporary file in the same folder renamed over path, a device or FIFO in place, a
         * folder refused (io/file.c). */
        st = sn_file_replace(path, t.s, t.len, err);
    }
    free(t.s);
    return st;
}
