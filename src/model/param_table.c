/*
 * param_table.c — the one table of training parameters: their keys, CLI options, limits, help and
 * messages, from which sn_train_params_set and sn_train_params_get work, the CLI builds its train
 * options and sn_train_params_check takes its limits.
 */
#include "model/model.h"

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------ */
/* The table of training parameters                                                            */
/* ------------------------------------------------------------------------------------------ */

/* How a value is read, where it goes, and how it is shown. */
typedef enum {
    K_SIZE,        /* a size_t field: an integer in [min, max] */
    K_U64,         /* a uint64_t field: an integer in [min, max] */
    K_REAL,        /* a double field: a number in [lo, hi] (hi = inf: inf is accepted) */
    K_BOOL,        /* a bool field: true, false, 1 or 0 */
    K_NAME,        /* an enum field: one of its names (names.c) */
    K_NOISE,       /* an sn_noise field: sn_noise_parse */
    K_BLOCK_NOISE, /* the same, shown as "" while its family is none (the unit noise is used) */
    K_HYPER,       /* an sn_hyperprior field: sn_hyperprior_parse */
    K_ARCH,        /* arch, and from ":WxL" hidden and layers within the limits of their rows */
    K_RAW,         /* noise-raw: "true" clears mean_one of the unit and of the block noise */
    K_PRECISION,   /* precision: "learn", or a number in [lo, hi] that fixes it */
    K_GAL          /* gal-lengthscale: a number l in [lo, hi] that sets sigma0 by (39) */
} param_kind;

/* The spelling of an enum (names.c), reached through a pointer to its field. */
typedef struct {
    bool (*parse)(const char *s, void *field); /* false, field untouched, for an unknown name */
    const char *(*name)(const void *field);
    const char *(*nth)(size_t i); /* the i-th name, "?" past the last */
} enum_names;

#define ENUM_NAMES(id, type, parse_fn, name_fn)                                                 \
    static bool id##_parse(const char *s, void *field)                                          \
    {                                                                                           \
        return parse_fn(s, (type *)field) == SN_OK;                                             \
    }                                                                                           \
    static const char *id##_name(const void *field) { return name_fn(*(const type *)field); }   \
    static const char *id##_nth(size_t i) { return name_fn((type)i); }                          \
    static const enum_names id = {id##_parse, id##_name, id##_nth};

ENUM_NAMES(arch_names, sn_arch, sn_arch_parse, sn_arch_name)
ENUM_NAMES(activation_names, sn_activation, sn_activation_parse, sn_activation_name)
ENUM_NAMES(likelihood_names, sn_likelihood, sn_likelihood_parse, sn_likelihood_name)
ENUM_NAMES(method_names, sn_method, sn_method_parse, sn_method_name)
ENUM_NAMES(placement_names, sn_placement, sn_placement_parse, sn_placement_name)
ENUM_NAMES(objective_names, sn_objective, sn_objective_parse, sn_objective_name)
ENUM_NAMES(prior_names, sn_prior_structure, sn_prior_parse, sn_prior_name)
ENUM_NAMES(estimator_names, sn_estimator, sn_estimator_parse, sn_estimator_name)
ENUM_NAMES(variant_names, sn_variant, sn_variant_parse, sn_variant_name)
ENUM_NAMES(optimizer_names, sn_optimizer, sn_optimizer_parse, sn_optimizer_name)
#undef ENUM_NAMES

typedef struct {
    sn_param_info info;      /* public: key, CLI option, help */
    param_kind kind;
    size_t at;               /* offsetof the field in sn_train_params (kinds with one field) */
    uint64_t min, max;       /* K_SIZE, K_U64: the accepted integers */
    double lo, hi;           /* K_REAL, K_PRECISION, K_GAL: the accepted numbers */
    const enum_names *names; /* K_NAME, K_ARCH */
    const char *field;       /* a number's field in words, for the check's messages, or NULL */
} param;

#define AT(field) offsetof(sn_train_params, field)

/* In the order the CLI applies its options (sn_train_param_info). The limits are the ones the
 * CLI has always had: sanity bounds, with 1e-300 and 1e300 keeping a positive real away from 0
 * and infinity. The help says no default: --help takes it from sn_train_params_get on the
 * defaults, so that the default shown is the one used. */
static const param PARAMS[] = {
    {.info = {"arch", "arch", 0, "A", NULL, "mlp or resnet, optionally :WxL units x layers",
              "model"},
     .kind = K_ARCH, .at = AT(arch), .names = &arch_names},
    {.info = {"hidden", "hidden", 0, "N", NULL, "units per hidden layer", NULL},
     .kind = K_SIZE, .at = AT(n_hidden), .min = 1, .max = 100000,
     .field = "units per hidden layer"},
    {.info = {"layers", "layers", 0, "N", NULL, "hidden layers (a resnet needs 2 or more)", NULL},
     .kind = K_SIZE, .at = AT(n_layers), .min = 1, .max = 1000,
     .field = "hidden layers"},
    {.info = {"activation", "activation", 0, "F", NULL, "relu or tanh", NULL},
     .kind = K_NAME, .at = AT(activation), .names = &activation_names},
    {.info = {"likelihood", "likelihood", 0, "L", NULL, "gaussian, bernoulli or categorical",
              NULL},
     .kind = K_NAME, .at = AT(likelihood), .names = &likelihood_names},
    /* Not a CLI option: the CLI infers it from a CSV's labels, and sn_train from the data. */
    {.info = {"classes", NULL, 0, "K", NULL,
              "classes of a categorical likelihood (0: as many as the labels show)", NULL},
     .kind = K_SIZE, .at = AT(n_classes), .min = 0, .max = 1000000},
    {.info = {"method", "method", 0, "M", NULL, "mc (Monte Carlo noise) or vem (variational EM)",
              NULL},
     .kind = K_NAME, .at = AT(method), .names = &method_names},
    {.info = {"noise", "noise", 0, "SPEC", NULL,
              "bernoulli:KEEP gaussian:ALPHA rayleigh invnakagami:M[,OMEGA] halfcauchy:ETA "
              "beta:A,B uniform:LO,HI none; scaled to mean one",
              "Monte Carlo noise (method mc)"},
     .kind = K_NOISE, .at = AT(noise)},
    {.info = {"block-noise", "block-noise", 0, "SPEC", NULL,
              "noise per residual block (default: as --noise)", NULL},
     .kind = K_BLOCK_NOISE, .at = AT(block_noise)},
    /* After both specs, since parsing a spec sets mean_one again. */
    {.info = {"noise-raw", "noise-raw", 0, NULL, "true", "do not scale the noise to mean one",
              NULL},
     .kind = K_RAW},
    {.info = {"placement", "placement", 0, "P", NULL,
              "units (dropout, ARD), weights (DropConnect), blocks (ADD: first and last layer "
              "keep unit noise), units+blocks (ARD-ADD)",
              NULL},
     .kind = K_NAME, .at = AT(placement), .names = &placement_names},
    {.info = {"input-noise", "no-input-noise", 0, NULL, "false", "no noise on the input layer",
              NULL},
     .kind = K_BOOL, .at = AT(noise_on_input)},
    {.info = {"objective", "objective", 0, "O", NULL,
              "lb (lower bound), iw (importance weighted), tail (tail-adaptive), hier "
              "(hierarchical)",
              NULL},
     .kind = K_NAME, .at = AT(objective), .names = &objective_names},
    {.info = {"samples", "samples", 'S', "S", NULL, "noise samples per point", NULL},
     .kind = K_SIZE, .at = AT(n_samples), .min = 1, .max = 100000,
     .field = "noise samples per point"},
    {.info = {"sigma0", "sigma0", 0, "S", NULL, "prior std of the L2 term (inf: none)", NULL},
     .kind = K_REAL, .at = AT(sigma0), .lo = 1e-300, .hi = INFINITY,
     .field = "prior std of the L2 term"},
    /* After noise (its keep probability) and sigma0 (which it replaces). */
    {.info = {"gal-lengthscale", "gal-lengthscale", 0, "L", NULL,
              "Gal's weight decay, sigma0^2 = 2/(L^2 keep)", NULL},
     .kind = K_GAL, .lo = 1e-300, .hi = 1e300},
    {.info = {"prior", "prior", 0, "P", NULL,
              "none (N(0,1)), ard (a variance per row of every W), add (one per residual block) "
              "or ard-add (row x block); with add and ard-add the first and last W keep ARD",
              "variational EM (method vem)"},
     .kind = K_NAME, .at = AT(prior), .names = &prior_names},
    {.info = {"hyperprior", "hyperprior", 0, "H", NULL,
              "invgamma:A,B, halfcauchy:ETA or loguniform", NULL},
     .kind = K_HYPER, .at = AT(hyper)},
    {.info = {"estimator", "estimator", 0, "E", NULL, "local, reparam or flipout", NULL},
     .kind = K_NAME, .at = AT(estimator), .names = &estimator_names},
    {.info = {"variant", "variant", 0, "V", NULL,
              "exact (the paper) or authors (their public code)", NULL},
     .kind = K_NAME, .at = AT(variant), .names = &variant_names},
    {.info = {"precision", "precision", 0, "K", NULL,
              "the noise precision, original units of y: K fixes it, learn learns it",
              "likelihood"},
     .kind = K_PRECISION, .lo = 1e-300, .hi = 1e300, .field = "noise precision"},
    /* After precision, which fixes it. */
    {.info = {"learn-precision", "learn-precision", 0, NULL, "true",
              "learn the precision, starting from --precision", NULL},
     .kind = K_BOOL, .at = AT(learn_precision)},
    {.info = {"optimizer", "optimizer", 0, "O", NULL, "adam or sgd", "optimisation"},
     .kind = K_NAME, .at = AT(optimizer), .names = &optimizer_names},
    {.info = {"lr", "lr", 0, "R", NULL, "learning rate", NULL},
     .kind = K_REAL, .at = AT(learning_rate), .lo = 1e-300, .hi = 1e300,
     .field = "learning rate"},
    {.info = {"momentum", "momentum", 0, "M", NULL, "SGD momentum", NULL},
     .kind = K_REAL, .at = AT(momentum), .lo = 0.0, .hi = 0.999999,
     .field = "SGD momentum"},
    {.info = {"batch", "batch", 'b', "B", NULL, "minibatch size", NULL},
     .kind = K_SIZE, .at = AT(batch_size), .min = 1, .max = 1000000000,
     .field = "minibatch size"},
    {.info = {"epochs", "epochs", 'e', "N", NULL, "passes over the data", NULL},
     .kind = K_SIZE, .at = AT(n_epochs), .min = 1, .max = UINT64_C(1000000000000)},
    {.info = {"seed", "seed", 0, "N", NULL, "random seed", NULL},
     .kind = K_U64, .at = AT(seed), .min = 0, .max = UINT64_MAX},
};
#define N_PARAMS (sizeof PARAMS / sizeof PARAMS[0])
#undef AT

const sn_param_info *sn_train_param_info(size_t i)
{
    return i < N_PARAMS ? &PARAMS[i].info : NULL;
}

static const param *find(const char *key)
{
    for (size_t i = 0; key && i < N_PARAMS; i++)
        if (strcmp(PARAMS[i].info.name, key) == 0)
            return &PARAMS[i];
    return NULL;
}

/* The field of row q in p. */
static void *field_of(sn_train_params *p, const param *q)
{
    return (char *)p + q->at;
}

static const void *cfield_of(const sn_train_params *p, const param *q)
{
    return (const char *)p + q->at;
}

/* ------------------------------------------------------------------------------------------ */
/* Values as text                                                                              */
/* ------------------------------------------------------------------------------------------ */

/* The longest value quoted in a message, as in the noise parser's. */
#define SHOW_MAX 160

/* What a value of row q must be, for messages: "an integer in [1, 100000]", "relu or tanh". */
static void expected_text(const param *q, char *buf, size_t n)
{
    switch (q->kind) {
    case K_SIZE:
    case K_U64:
        snprintf(buf, n, "an integer in [%" PRIu64 ", %" PRIu64 "]", q->min, q->max);
        return;
    case K_REAL:
    case K_GAL:
        snprintf(buf, n, "a number in [%g, %g]", q->lo, q->hi);
        return;
    case K_PRECISION:
        snprintf(buf, n, "learn or a number in [%g, %g]", q->lo, q->hi);
        return;
    case K_BOOL:
    case K_RAW:
        snprintf(buf, n, "true, false, 1 or 0");
        return;
    case K_NAME:
    case K_ARCH: {
        /* "a or b", "a, b or c", from names.c. */
        size_t k = 0, len = 0;
        while (strcmp(q->names->nth(k), "?") != 0)
            k++;
        buf[0] = '\0';
        for (size_t i = 0; i < k && len < n; i++)
            len += (size_t)snprintf(buf + len, n - len, "%s%s",
                                    i == 0 ? "" : i + 1 == k ? " or " : ", ", q->names->nth(i));
        if (q->kind == K_ARCH && len < n) {
            const param *w = find("hidden"), *l = find("layers");
            snprintf(buf + len, n - len,
                     ", optionally :WxL with W in [%" PRIu64 ", %" PRIu64 "] and L in [%" PRIu64
                     ", %" PRIu64 "] (e.g. resnet:50x2)",
                     w->min, w->max, l->min, l->max);
        }
        return;
    }
    case K_NOISE:
    case K_BLOCK_NOISE:
    case K_HYPER:
        /* Their parsers say what they expected. */
        snprintf(buf, n, "a specification");
        return;
    }
}

static sn_status refuse(const param *q, const char *value, sn_error *err)
{
    char what[256];
    expected_text(q, what, sizeof what);
    return sn_fail(err, SN_EINVAL, "%s: expected %s, found \"%.*s\"", q->info.name, what,
                   SHOW_MAX, value);
}

/* The integer s[0..len) of row q, in [q->min, q->max]. */
static bool read_int(const param *q, const char *s, size_t len, uint64_t *out)
{
    return sn_parse_uint(s, len, q->max, out) && *out >= q->min;
}

/* The number v of row q, in [q->lo, q->hi]; "inf" and overflow read as infinities and then meet
 * the range like any value. */
static bool read_real(const param *q, const char *v, double *out)
{
    return sn_parse_real(v, strlen(v), SN_NUM_INF, out) == SN_NUM_OK && *out >= q->lo &&
           *out <= q->hi;
}

static bool read_bool(const char *v, bool *out)
{
    if (!strcmp(v, "true") || !strcmp(v, "1")) {
        *out = true;
        return true;
    }
    if (!strcmp(v, "false") || !strcmp(v, "0")) {
        *out = false;
        return true;
    }
    return false;
}

/* Whether noise-raw was applied to nz: mean_one is off where its spec would turn it on. */
static bool is_raw(const sn_noise *nz)
{
    char spec[SN_PARAM_VALUE_LEN];
    sn_noise parsed;
    sn_noise_format(nz, spec, sizeof spec);
    return !nz->mean_one && sn_noise_parse(spec, &parsed, NULL) == SN_OK && parsed.mean_one;
}

/* ------------------------------------------------------------------------------------------ */
/* Setting and reading fields by key                                                           */
/* ------------------------------------------------------------------------------------------ */

static sn_status set_arch(sn_train_params *p, const param *q, const char *v, sn_error *err)
{
    const char *colon = strchr(v, ':');
    size_t len = colon ? (size_t)(colon - v) : strlen(v);
    char name[16]; /* longer than every architecture's name */
    sn_arch arch;
    if (len >= sizeof name)
        return refuse(q, v, err);
    memcpy(name, v, len);
    name[len] = '\0';
    if (!q->names->parse(name, &arch))
        return refuse(q, v, err);
    uint64_t w = p->n_hidden, l = p->n_layers;
    if (colon) {
        /* W and L as --hidden and --layers read them. */
        const char *x = strchr(colon + 1, 'x');
        if (!x || !read_int(find("hidden"), colon + 1, (size_t)(x - colon - 1), &w) ||
            !read_int(find("layers"), x + 1, strlen(x + 1), &l))
            return refuse(q, v, err);
    } else if (arch == SN_ARCH_RESNET && l < 2) {
        l = 2; /* the smallest resnet: one residual block */
    }
    p->arch = arch;
    p->n_hidden = (size_t)w;
    p->n_layers = (size_t)l;
    return SN_OK;
}

/* Whether q sets the precision while the authors' dropout configuration fixes it (MATH.md
 * §7.9): it may then be neither set nor shown. */
static bool is_fixed_by_variant(const sn_train_params *p, const param *q)
{
    bool is_precision = q->kind == K_PRECISION ||
                        (q->kind == K_BOOL && q->at == offsetof(sn_train_params, learn_precision));
    return is_precision && p->method == SN_METHOD_MC && p->variant == SN_VARIANT_AUTHORS;
}

static sn_status set_value(sn_train_params *p, const param *q, const char *v, sn_error *err)
{
    sn_error e = {0};
    uint64_t z;
    double x;
    bool b;
    /* The authors' dropout configuration fixes the precision (MATH.md §7.9): it is refused, not
     * overridden. variant comes before precision in the table, so this holds for the CLI and
     * for bindings alike. (A model file records the fixed precision itself.) */
    if (is_fixed_by_variant(p, q))
        return sn_fail(err, SN_EINVAL, "%s: variant authors fixes the noise precision at %g in "
                       "standardised units (MATH.md §7.9); %s does not apply", q->info.name,
                       SN_AUTHORS_MC_PRECISION, q->info.name);
    switch (q->kind) {
    case K_SIZE:
        /* The limits fit a size_t on every platform that builds the library; the round trip
         * guards the others. */
        if (!read_int(q, v, strlen(v), &z) || (uint64_t)(size_t)z != z)
            return refuse(q, v, err);
        *(size_t *)field_of(p, q) = (size_t)z;
        return SN_OK;
    case K_U64:
        if (!read_int(q, v, strlen(v), &z))
            return refuse(q, v, err);
        *(uint64_t *)field_of(p, q) = z;
        return SN_OK;
    case K_REAL:
        if (!read_real(q, v, &x))
            return refuse(q, v, err);
        *(double *)field_of(p, q) = x;
        return SN_OK;
    case K_BOOL:
        if (!read_bool(v, &b))
            return refuse(q, v, err);
        *(bool *)field_of(p, q) = b;
        return SN_OK;
    case K_NAME:
        return q->names->parse(v, field_of(p, q)) ? SN_OK : refuse(q, v, err);
    case K_NOISE:
    case K_BLOCK_NOISE:
        if (sn_noise_parse(v, (sn_noise *)field_of(p, q), &e) != SN_OK)
            return sn_fail(err, SN_EINVAL, "%s: %s", q->info.name, e.msg);
        return SN_OK;
    case K_HYPER:
        if (sn_hyperprior_parse(v, (sn_hyperprior *)field_of(p, q), &e) != SN_OK)
            return sn_fail(err, SN_EINVAL, "%s: %s", q->info.name, e.msg);
        return SN_OK;
    case K_ARCH:
        return set_arch(p, q, v, err);
    case K_RAW:
        if (!read_bool(v, &b))
            return refuse(q, v, err);
        /* "false" leaves the specs as they were parsed (halfcauchy is raw by itself). */
        if (b) {
            p->noise.mean_one = false;
            p->block_noise.mean_one = false;
        }
        return SN_OK;
    case K_PRECISION:
        if (strcmp(v, "learn") == 0) {
            p->learn_precision = true;
            p->precision = 0.0; /* the default start, kappa = 10 in standardised units */
            return SN_OK;
        }
        if (!read_real(q, v, &x))
            return refuse(q, v, err);
        p->precision = x;
        p->learn_precision = false;
        return SN_OK;
    case K_GAL: {
        if (!read_real(q, v, &x))
            return refuse(q, v, err);
        /* Gal's dropout rate is 1 - keep for Bernoulli noise, and 0 for any other. */
        double keep = p->noise.family == SN_NOISE_BERNOULLI ? p->noise.p[0] : 1.0;
        p->sigma0 = sn_gal_sigma0(x, keep);
        return SN_OK;
    }
    }
    return refuse(q, v, err);
}

sn_status sn_train_params_set(sn_train_params *p, const char *key, const char *value,
                              sn_error *err)
{
    if (!p || !key || !value)
        return sn_fail(err, SN_EINVAL, "a parameter needs params, a name and a value");
    const param *q = find(key);
    if (!q)
        return sn_fail(err, SN_EINVAL, "unknown parameter \"%.*s\"", SHOW_MAX, key);
    return set_value(p, q, value, err);
}

/* The text of row q's value in p (at most SN_PARAM_VALUE_LEN bytes with its NUL). */
static void value_text(const sn_train_params *p, const param *q, char *buf, size_t n)
{
    buf[0] = '\0';
    /* Nothing to show where nothing may be set: the authors' dropout nets fix the precision. */
    if (is_fixed_by_variant(p, q))
        return;
    switch (q->kind) {
    case K_SIZE:
        snprintf(buf, n, "%zu", *(const size_t *)cfield_of(p, q));
        return;
    case K_U64:
        snprintf(buf, n, "%" PRIu64, *(const uint64_t *)cfield_of(p, q));
        return;
    case K_REAL:
        sn_format_real(buf, n, *(const double *)cfield_of(p, q));
        return;
    case K_BOOL:
        snprintf(buf, n, "%s", *(const bool *)cfield_of(p, q) ? "true" : "false");
        return;
    case K_NAME:
        snprintf(buf, n, "%s", q->names->name(cfield_of(p, q)));
        return;
    case K_BLOCK_NOISE:
        if (p->block_noise.family == SN_NOISE_NONE)
            return;
        sn_noise_format(&p->block_noise, buf, n);
        return;
    case K_NOISE:
        sn_noise_format((const sn_noise *)cfield_of(p, q), buf, n);
        return;
    case K_HYPER:
        if (sn_hyperprior_format((const sn_hyperprior *)cfield_of(p, q), buf, n) < 0)
            buf[0] = '\0';
        return;
    case K_ARCH:
        snprintf(buf, n, "%s", q->names->name(cfield_of(p, q)));
        return;
    case K_RAW:
        snprintf(buf, n, "%s",
                 is_raw(&p->noise) ||
                         (p->block_noise.family != SN_NOISE_NONE && is_raw(&p->block_noise))
                     ? "true"
                     : "false");
        return;
    case K_PRECISION:
        if (p->learn_precision && p->precision == 0.0)
            snprintf(buf, n, "learn");
        else
            sn_format_real(buf, n, p->precision);
        return;
    case K_GAL:
        return; /* it only sets sigma0 */
    }
}

sn_status sn_train_params_get(const sn_train_params *p, const char *key, char *buf, size_t n,
                              sn_error *err)
{
    if (!p || !key || !buf)
        return sn_fail(err, SN_EINVAL, "a parameter needs params, a name and a buffer");
    const param *q = find(key);
    if (!q)
        return sn_fail(err, SN_EINVAL, "unknown parameter \"%.*s\"", SHOW_MAX, key);
    char text[SN_PARAM_VALUE_LEN];
    value_text(p, q, text, sizeof text);
    size_t len = strlen(text);
    if (len >= n)
        return sn_fail(err, SN_EINVAL, "%s: the value \"%s\" needs %zu bytes, the buffer has %zu",
                       key, text, len + 1, n);
    memcpy(buf, text, len + 1);
    return SN_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* The check                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/* The numbers of p against the limits of their rows, with the messages of sn_train_params_set
 * and the field in words: p is set by field, not by key. */
sn_status sn_train_params_check_limits(const sn_train_params *p, sn_error *err)
{
    char what[256];
    for (size_t i = 0; i < N_PARAMS; i++) {
        const param *q = &PARAMS[i];
        uint64_t z = 0;
        double x = 0.0;
        bool is_int = q->kind == K_SIZE || q->kind == K_U64;
        if (q->kind == K_SIZE)
            z = *(const size_t *)cfield_of(p, q);
        else if (q->kind == K_U64)
            z = *(const uint64_t *)cfield_of(p, q);
        else if (q->kind == K_REAL)
            x = *(const double *)cfield_of(p, q);
        else if (q->kind == K_PRECISION)
            x = p->precision;
        else
            continue;
        /* A learned precision may start from 0: the default start. */
        if (q->kind == K_PRECISION && p->learn_precision && x == 0.0)
            continue;
        if (is_int ? z >= q->min && z <= q->max : x >= q->lo && x <= q->hi)
            continue;
        if (q->kind == K_PRECISION)
            snprintf(what, sizeof what, "a number in [%g, %g]", q->lo, q->hi);
        else
            expected_text(q, what, sizeof what);
        char found[40];
        if (is_int)
            snprintf(found, sizeof found, "%" PRIu64, z);
        else
            sn_format_real(found, sizeof found, x);
        if (q->field)
            return sn_fail(err, SN_EINVAL, "%s (%s): expected %s, found %s", q->info.name,
                           q->field, what, found);
        return sn_fail(err, SN_EINVAL, "%s: expected %s, found %s", q->info.name, what, found);
    }
    return SN_OK;
}

