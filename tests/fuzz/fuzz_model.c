/*
 * fuzz_model.c — libFuzzer harness for sn_model_load (src/io/model_read.c).
 *
 * Input: the bytes of a model file. Each input is loaded twice: as it is (which exercises the
 * envelope: magic word, version, checksum line) and with its checksum line recomputed (the last
 * line beginning "checksum " is replaced, or one is appended), so that mutations inside the body
 * reach the key-by-key reader instead of stopping at "checksum mismatch".
 *
 * Properties besides the sanitizers: a failed load returns SN_EFORMAT, SN_EIO or SN_ENOMEM with a
 * message that starts with the path and leaves *out NULL; a model that loads can be saved, the
 * saved file loads again, and saving that gives the same bytes (save -> load -> save is a fixed
 * point); its layers can be viewed, and one prediction (T = 2) runs without a crash and returns
 * a documented status - with finite numbers when the model is moderate (at most 5 weight
 * layers, weights, biases and rho in [-3, 3], standardisation statistics and the precision
 * within a few orders of magnitude of 1), which catches laws of noise whose parameters are out
 * of range (a loaded "noise gaussian -3 0 true" predicted NaN before model_io.c checked them).
 */
#include "fuzz_util.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>

/* 64-bit FNV-1a, as src/io computes the checksum (core/hash.c). */
static uint64_t fnv1a64(const uint8_t *s, size_t n)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

/* The whole of a file (malloc'ed, *n bytes), or NULL. */
static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    uint8_t *b = malloc(cap);
    for (;;) {
        if (len == cap) {
            cap *= 2;
            b = realloc(b, cap);
        }
        size_t got = fread(b + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    fclose(f);
    *n = len;
    return b;
}

static bool in(double v, double lo, double hi)
{
    return v >= lo && v <= hi;
}

/* See the top: a model whose predictions have no excuse not to be finite. */
static bool is_moderate(const sn_model *m)
{
    size_t n_layers = sn_model_n_layers(m), n_in = sn_model_n_inputs(m);
    if (n_layers > 5)
        return false;
    for (size_t l = 0; l < n_layers; l++) {
        sn_layer_view v;
        if (sn_model_layer(m, l, &v, NULL) != SN_OK)
            return false;
        for (size_t k = 0; k < v.n_in * v.n_out; k++)
            if (!in(v.w[k], -3, 3) || (v.rho && !in(v.rho[k], -3, 3)))
                return false;
        for (size_t k = 0; k < v.n_out; k++)
            if (!in(v.b[k], -3, 3))
                return false;
    }
    const double *x_mean, *x_std;
    double y_mean, y_std;
    sn_model_standardisation(m, &x_mean, &x_std, &y_mean, &y_std);
    for (size_t j = 0; j < n_in; j++)
        if (!in(x_mean[j], -10, 10) || !in(x_std[j], 0.1, 10))
            return false;
    return in(y_mean, -10, 10) && in(y_std, 0.1, 10) && in(sn_model_precision(m), 1e-3, 1e3);
}

static void exercise(const sn_model *m)
{
    char p1[600], p2[600];
    fuzz_path(p1, sizeof p1, "saved1.snm");
    fuzz_path(p2, sizeof p2, "saved2.snm");
    sn_error e = {0};
    sn_status st = sn_model_save(m, p1, &e);
    FUZZ_CHECK(st == SN_OK, "a loaded model cannot be saved: %s", e.msg);
    sn_model *m2 = NULL;
    st = sn_model_load(p1, &m2, &e);
    FUZZ_CHECK(st == SN_OK, "a saved model does not load: %s", e.msg);
    st = sn_model_save(m2, p2, &e);
    FUZZ_CHECK(st == SN_OK, "a reloaded model cannot be saved: %s", e.msg);
    size_t n1 = 0, n2 = 0;
    uint8_t *b1 = slurp(p1, &n1), *b2 = slurp(p2, &n2);
    FUZZ_CHECK(b1 && b2 && n1 == n2 && memcmp(b1, b2, n1) == 0,
               "save -> load -> save changed the file (%zu vs %zu bytes)", n1, n2);
    free(b1);
    free(b2);
    sn_model_free(m2);

    size_t n_in = sn_model_n_inputs(m), n_out = sn_model_n_outputs(m);
    FUZZ_CHECK(n_in >= 1 && n_out >= 1, "n_in %zu n_out %zu", n_in, n_out);
    size_t n_layers = sn_model_n_layers(m);
    for (size_t l = 0; l < n_layers; l++) {
        sn_layer_view v;
        st = sn_model_layer(m, l, &v, &e);
        FUZZ_CHECK(st == SN_OK, "layer %zu: %s", l, e.msg);
        double *mom = calloc(v.n_in * v.n_out, sizeof *mom);
        if (mom && sn_model_weight_moments(m, l, mom, &e) != SN_OK)
            FUZZ_CHECK(0, "weight moments of layer %zu: %s", l, e.msg);
        free(mom);
    }
    /* One row of zeros: in original units, so the standardised input is -x_mean / x_std. */
    double *x = calloc(n_in, sizeof *x);
    double mean, sd, lo, hi;
    if (x) {
        st = sn_predict(m, x, 1, /*n_draws=*/2, /*seed=*/1, 0.95, &mean, &sd, &lo, &hi, &e);
        FUZZ_CHECK(fuzz_is_status(st), "predict status %d", (int)st);
        FUZZ_CHECK(st == SN_OK || e.msg[0], "predict failed without a message");
        if (is_moderate(m)) {
            FUZZ_CHECK(st == SN_OK, "a moderate model does not predict: %s", e.msg);
            FUZZ_CHECK(isfinite(mean) && isfinite(sd) && isfinite(lo) && isfinite(hi),
                       "a moderate model predicts mean %g std %g interval [%g, %g]", mean, sd,
                       lo, hi);
        }
    }
    free(x);
}

static void load_one(const char *path, const uint8_t *data, size_t n)
{
    fuzz_write(path, data, n);
    sn_model *m = NULL;
    sn_error e = {0};
    sn_status st = sn_model_load(path, &m, &e);
    if (st != SN_OK) {
        FUZZ_CHECK(st == SN_EFORMAT || st == SN_EIO || st == SN_ENOMEM, "status %d: %s",
                   (int)st, e.msg);
        FUZZ_CHECK(m == NULL, "an error left *out set");
        FUZZ_CHECK(e.code == st && fuzz_names(&e, path), "message does not name %s: %s", path,
                   e.msg);
        return;
    }
    exercise(m);
    sn_model_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[600];
    fuzz_path(path, sizeof path, "in.snm");
    load_one(path, data, size);

    /* The body: everything before the last line that begins "checksum ". */
    size_t body = size;
    for (size_t i = size; i-- > 0;) {
        if ((i == 0 || data[i - 1] == '\n') && size - i >= 9 && memcmp(data + i, "checksum ", 9) == 0) {
            body = i;
            break;
        }
    }
    uint8_t *fixed = malloc(body + 64);
    if (!fixed)
        return 0;
    memcpy(fixed, data, body);
    size_t n = body;
    if (n > 0 && fixed[n - 1] != '\n')
        fixed[n++] = '\n';
    char line[64];
    int k = snprintf(line, sizeof line, "checksum fnv1a64 %016" PRIx64 "\n", fnv1a64(fixed, n));
    memcpy(fixed + n, line, (size_t)k);
    load_one(path, fixed, n + (size_t)k);
    free(fixed);
    return 0;
}
