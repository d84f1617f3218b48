/*
 * model_read.c — sn_model_load: a model file (format: the top of model_format.c) read whole,
 * its envelope checked first (magic word, format version, checksum), then every key in order,
 * each message naming path:line; the model is built only from a file found sound.
 */
#include "io/io.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Number of entries of theta for these sizes, as sn_model_alloc lays it out (W_l and b_l per
 * weight layer); false on overflow. Load uses it only to bound the allocation by the file size
 * before calling sn_model_alloc; the arrays are then checked against the model itself. */
static bool layout_size(const sn_train_params *p, size_t n_in, size_t n_out, size_t *n_params)
{
    /* In closed form, not layer by layer: a file may claim 10^18 layers (found by fuzz_model).
     * (n_in + 1) h for the first layer, (h + 1) h for each of the L - 1 hidden-to-hidden ones,
     * (h + 1) n_out for the output layer. */
    size_t h = p->n_hidden, L = p->n_layers, first, mid, one_mid, last;
    if (L == 0 || n_in == SIZE_MAX || h == SIZE_MAX || !sn_mul_size(n_in + 1, h, &first) ||
        !sn_mul_size(h + 1, h, &one_mid) || !sn_mul_size(one_mid, L - 1, &mid) ||
        !sn_mul_size(h + 1, n_out, &last) || first > SIZE_MAX - mid ||
        first + mid > SIZE_MAX - last)
        return false;
    *n_params = first + mid + last;
    return true;
}

/* Line reader over the body of a file (everything before the checksum line). Lines are
 * NUL-terminated in place. */
typedef struct {
    const char *path;
    char *pos, *end;
    size_t line;     /* 1-based number of the line last returned */
    size_t key_line[SN_N_KEYS];
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
    for (int k = 0; k < SN_N_KEYS; k++)
        if (strcmp(name, sn_model_key_names[k]) == 0)
            return k;
    return -1;
}

/* The next line must be "<sn_model_key_names[k]> <value>"; returns the value, or NULL after
 * reporting an unknown, missing or misplaced key. */
static char *take(reader *r, int k)
{
    char *s = next_line(r);
    if (!s) {
        r->line++; /* the checksum line, where the key was due */
        bad(r, "missing key \"%s\"", sn_model_key_names[k]);
        return NULL;
    }
    char *sp = strchr(s, ' ');
    char *val = sp ? sp + 1 : s + strlen(s);
    if (sp)
        *sp = '\0';
    if (strcmp(s, sn_model_key_names[k]) != 0) {
        int j = key_index(s);
        if (j < 0)
            bad(r, "unknown key \"%.60s\" (expected \"%s\")", s, sn_model_key_names[k]);
        else if (j > k)
            bad(r, "missing key \"%s\" (found \"%s\")", sn_model_key_names[k], s);
        else
            bad(r, "duplicate or misplaced key \"%s\" (expected \"%s\")", s, sn_model_key_names[k]);
        return NULL;
    }
    if (!*val) {
        bad(r, "key \"%s\" has no value", sn_model_key_names[k]);
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
                return bad(r, "%s needs %zu fields, found %zu", sn_model_key_names[k], n, i + 1);
            *sp = '\0';
            v = sp + 1;
        } else if (sp) {
            return bad(r, "%s needs %zu fields, found more", sn_model_key_names[k], n);
        }
        if (!*fields[i])
            return bad(r, "%s: empty field %zu", sn_model_key_names[k], i + 1);
    }
    return true;
}

/* A decimal unsigned integer of at most max: digits only, no sign, no spaces. */
static bool parse_uint(reader *r, int k, const char *v, uint64_t max, uint64_t *out)
{
    size_t n = strlen(v);
    if (n == 0)
        return bad(r, "%s: expected an unsigned integer, found nothing", sn_model_key_names[k]);
    if (sn_parse_uint(v, n, max, out))
        return true;
    if (strspn(v, "0123456789") == n)
        return bad(r, "%s: %.40s is too large", sn_model_key_names[k], v);
    return bad(r, "%s: expected an unsigned integer, found \"%.40s\"", sn_model_key_names[k], v);
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
    return v && parse_real(r, sn_model_key_names[k], v, is_inf_ok, out);
}

static bool parse_bool(reader *r, int k, const char *v, bool *out)
{
    if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) {
        *out = v[0] == 't';
        return true;
    }
    return bad(r, "%s: expected true or false, found \"%.40s\"", sn_model_key_names[k], v);
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
    return bad(r, "%s: unknown name \"%.40s\"", sn_model_key_names[k], v);
}

/* "<family> <p0> <p1> <mean_one>" */
static bool get_noise(reader *r, int k, sn_noise *nz)
{
    char *v = take(r, k), *f[4];
    return v && split(r, k, v, f, 4)
           && enum_ok(r, k, f[0], sn_noise_family_parse(f[0], &nz->family))
           && parse_real(r, sn_model_key_names[k], f[1], false, &nz->p[0])
           && parse_real(r, sn_model_key_names[k], f[2], false, &nz->p[1])
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
        return bad(r, "%s has %" PRIu64 " values, the model needs %zu", sn_model_key_names[k],
                   count, n);
    for (size_t i = 0; i < n; i++) {
        const char *s = next_line(r);
        if (!s) {
            r->line++;
            return bad(r, "%s ends after %zu of %zu values", sn_model_key_names[k], i, n);
        }
        char what[48];
        snprintf(what, sizeof what, "%s[%zu]", sn_model_key_names[k], i);
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
    const char *v = take(r, SN_KEY_VERSION);
    if (!v)
        return false;
    /* The library version is informational: the format version decides compatibility. */
    if (strchr(v, ' '))
        return bad(r, "shrinknet_version: expected one word, found \"%.40s\"", v);
    sn_train_params_default(p);
    ENUM_FIELD(SN_KEY_ARCH, sn_arch_parse, p->arch);
    if (!get_size(r, SN_KEY_N_HIDDEN, &p->n_hidden) || !get_size(r, SN_KEY_N_LAYERS, &p->n_layers))
        return false;
    ENUM_FIELD(SN_KEY_ACTIVATION, sn_activation_parse, p->activation);
    ENUM_FIELD(SN_KEY_LIKELIHOOD, sn_likelihood_parse, p->likelihood);
    if (!get_size(r, SN_KEY_N_CLASSES, &p->n_classes))
        return false;
    ENUM_FIELD(SN_KEY_METHOD, sn_method_parse, p->method);
    if (!get_noise(r, SN_KEY_NOISE, &p->noise)
        || !get_noise(r, SN_KEY_BLOCK_NOISE, &p->block_noise))
        return false;
    ENUM_FIELD(SN_KEY_PLACEMENT, sn_placement_parse, p->placement);
    if (!get_bool(r, SN_KEY_NOISE_ON_INPUT, &p->noise_on_input))
        return false;
    ENUM_FIELD(SN_KEY_OBJECTIVE, sn_objective_parse, p->objective);
    if (!get_size(r, SN_KEY_N_SAMPLES, &p->n_samples)
        || !get_real(r, SN_KEY_SIGMA0, true, &p->sigma0))
        return false;
    ENUM_FIELD(SN_KEY_PRIOR, sn_prior_parse, p->prior);
    char *h = take(r, SN_KEY_HYPER), *f[3];
    if (!h || !split(r, SN_KEY_HYPER, h, f, 3)
        || !enum_ok(r, SN_KEY_HYPER, f[0], sn_hyper_family_parse(f[0], &p->hyper.family))
        || !parse_real(r, "hyper", f[1], false, &p->hyper.a)
        || !parse_real(r, "hyper", f[2], false, &p->hyper.b))
        return false;
    ENUM_FIELD(SN_KEY_ESTIMATOR, sn_estimator_parse, p->estimator);
    ENUM_FIELD(SN_KEY_VARIANT, sn_variant_parse, p->variant);
    if (!get_real(r, SN_KEY_PRECISION, false, &p->precision)
        || !get_bool(r, SN_KEY_LEARN_PRECISION, &p->learn_precision))
        return false;
    ENUM_FIELD(SN_KEY_OPTIMIZER, sn_optimizer_parse, p->optimizer);
    return get_real(r, SN_KEY_LEARNING_RATE, false, &p->learning_rate)
           && get_real(r, SN_KEY_ADAM_BETA1, false, &p->adam_beta1)
           && get_real(r, SN_KEY_ADAM_BETA2, false, &p->adam_beta2)
           && get_real(r, SN_KEY_ADAM_EPS, false, &p->adam_eps)
           && get_real(r, SN_KEY_MOMENTUM, false, &p->momentum)
           && get_size(r, SN_KEY_BATCH_SIZE, &p->batch_size)
           && get_size(r, SN_KEY_N_EPOCHS, &p->n_epochs) && get_u64(r, SN_KEY_SEED, &p->seed)
           && get_size(r, SN_KEY_N_IN, n_in) && get_size(r, SN_KEY_N_OUT, n_out)
           && get_u64(r, SN_KEY_N_STEPS, n_steps)
           && get_real(r, SN_KEY_LOG_PRECISION, false, log_precision)
           && get_real(r, SN_KEY_Y_MEAN, false, y_mean) && get_real(r, SN_KEY_Y_STD, false, y_std);
}

#undef ENUM_FIELD

/* Magic word, format version and checksum of buf [len]; on success *body_len is the length of
 * everything before the checksum line. */
static sn_status check_envelope(const char *path, const char *buf, size_t len, size_t *body_len,
                                sn_error *err)
{
    static const char magic[] = SN_MODEL_MAGIC " ";
    size_t n_magic = sizeof magic - 1;
    if (len == 0)
        return sn_fail(err, SN_EFORMAT, "%s: empty file, not a shrinknet model file", path);
    if (len < n_magic && memcmp(buf, magic, len) == 0)
        return sn_fail(err, SN_EFORMAT, "%s:1: truncated file: it ends inside the first line",
                       path);
    if (len < n_magic || memcmp(buf, magic, n_magic) != 0)
        return sn_fail(err, SN_EFORMAT, "%s:1: not a shrinknet model file (it does not begin "
                                        "with \"%s\")", path, SN_MODEL_MAGIC);
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
    if (n_v > 1 || v[0] > '0' + SN_MODEL_FORMAT_VERSION)
        return sn_fail(err, SN_EFORMAT, "%s:1: model file version %.*s is newer than this "
                                        "program supports (version %d); use a newer shrinknet",
                       path, n_show, v, SN_MODEL_FORMAT_VERSION);
    if (v[0] != '0' + SN_MODEL_FORMAT_VERSION)
        return sn_fail(err, SN_EFORMAT, "%s:1: model file version %.*s is not supported "
                                        "(this program reads version %d)",
                       path, n_show, v, SN_MODEL_FORMAT_VERSION);

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
    size_t n_prefix = sizeof SN_CHECKSUM_PREFIX - 1;
    if (len - start < 9 || memcmp(buf + start, "checksum ", 9) != 0)
        return sn_fail(err, SN_EFORMAT, "%s:%zu: truncated file: the checksum line is missing",
                       path, line);
    if (len - start != n_prefix + SN_CHECKSUM_HEX + 1
        || memcmp(buf + start, SN_CHECKSUM_PREFIX, n_prefix) != 0)
        return sn_fail(err, SN_EFORMAT, "%s:%zu: bad checksum line (expected \"%s\" and %d "
                                        "hexadecimal digits)", path, line, SN_CHECKSUM_PREFIX,
                       SN_CHECKSUM_HEX);
    uint64_t stored = 0;
    for (size_t i = 0; i < SN_CHECKSUM_HEX; i++) {
        char c = buf[start + n_prefix + i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else
            return sn_fail(err, SN_EFORMAT, "%s:%zu: bad checksum line (expected %d lowercase "
                                            "hexadecimal digits)", path, line, SN_CHECKSUM_HEX);
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
    sn_model *m = NULL;
    sn_status st = sn_file_read(path, &buf, &len, err);
    if (st != SN_OK)
        return st;
    st = check_envelope(path, buf, len, &body_len, err);
    if (st != SN_OK)
        goto fail;

    /* From here on every failure is SN_EFORMAT, but for running out of memory. */
    st = SN_EFORMAT;
    reader r = {.path = path, .pos = buf, .end = buf + body_len, .line = 0, .err = err};
    next_line(&r); /* the magic line, checked above */
    sn_train_params p;
    size_t n_in = 0, n_out = 0, n_params;
    uint64_t n_steps = 0;
    double log_precision = 0, y_mean = 0, y_std = 1;
    if (!read_header(&r, &p, &n_in, &n_out, &n_steps, &log_precision, &y_mean, &y_std))
        goto fail;

    int key;
    char msg[256];
    if (!sn_model_check_params(&p, n_in, n_out, &key, msg, sizeof msg)) {
        r.line = r.key_line[key];
        bad(&r, "%s", msg);
        goto fail;
    }
    if (!(y_std > 0)) {
        r.line = r.key_line[SN_KEY_Y_STD];
        bad(&r, "y_std = %.17g must be > 0", y_std);
        goto fail;
    }
    /* Every array entry takes at least two bytes ("0\n"): a model larger than the rest of the
     * file could hold is refused here rather than allocated. */
    size_t rest = (size_t)(r.end - r.pos);
    if (!layout_size(&p, n_in, n_out, &n_params) || n_params > rest / 2 || n_in > rest / 2) {
        r.line = r.key_line[SN_KEY_N_OUT];
        bad(&r, "a model of %zu inputs, %zu x %zu hidden units and %zu outputs does not fit in "
                "the rest of the file", n_in, p.n_layers, p.n_hidden, n_out);
        goto fail;
    }
    sn_error alloc_err;
    sn_status alloc_st = sn_model_alloc(&p, n_in, n_out, &m, &alloc_err);
    if (alloc_st == SN_ENOMEM) {
        st = sn_fail(err, alloc_st, "%s: %s", path, alloc_err.msg);
        goto fail;
    }
    if (alloc_st != SN_OK) {
        bad(&r, "%s", alloc_err.msg);
        goto fail;
    }
    m->n_steps = n_steps;
    m->log_precision = log_precision;
    m->y_mean = y_mean;
    m->y_std = y_std;
    if (!get_array(&r, SN_KEY_X_MEAN, m->x_mean, n_in, false)
        || !get_array(&r, SN_KEY_X_STD, m->x_std, n_in, true)
        || !get_array(&r, SN_KEY_THETA, m->theta, m->n_params, false))
        goto fail;
    if (p.method == SN_METHOD_VEM
        && (!get_array(&r, SN_KEY_RHO, m->rho, m->n_params, false)
            || !get_array(&r, SN_KEY_ROW_VAR, m->row_var, m->n_rows_total, false)
            || !get_array(&r, SN_KEY_LAYER_VAR, m->layer_var, m->n_layers, false)))
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
    if (!sn_model_check_trainable(&p, &key, msg, sizeof msg)) {
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
    return st;
}
