/*
 * test_extreme.c — extreme but valid data and settings through the library: X at any scale and
 * y within 1e±90 give the unscaled fit, scaled (y beyond that: the same or a clear SN_EDATA
 * refusal naming the scale); constant columns, a constant target, one feature,
 * one row, one hidden unit, S = 1, T = 1 and batch = N train and predict finite numbers; the
 * boundary values of a double are accepted as data and non-finite ones refused by position;
 * a diverging variational EM run reports SN_ENUMERIC and hands back finite parameters; a
 * well-formed, correctly signed model file whose noise parameters are out of range is refused.
 * (The shell test tests/cli/extreme.sh covers the same through the command line.)
 */
#include "test_util.h"

#include <float.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define N_ROWS 40
#define N_COLS 3

/* X [N_ROWS][N_COLS] ~ U(0,1) * sx and y = (a + 2b - c + 0.1 e) * sy, from seed 3. */
static sn_data *make_data(double sx, double sy)
{
    double x[N_ROWS * N_COLS], y[N_ROWS];
    sn_rng *r = sn_rng_new(3, 0);
    ck_assert(r != NULL);
    for (size_t i = 0; i < N_ROWS; i++) {
        double a = sn_rng_uniform(r), b = sn_rng_uniform(r), c = sn_rng_uniform(r);
        x[i * N_COLS + 0] = a * sx;
        x[i * N_COLS + 1] = b * sx;
        x[i * N_COLS + 2] = c * sx;
        y[i] = (a + 2.0 * b - c + 0.1 * sn_rng_uniform(r)) * sy;
    }
    sn_rng_free(r);
    sn_data *d = NULL;
    sn_error e = {0};
    ck_assert_msg(sn_data_new(x, y, N_ROWS, N_COLS, &d, &e) == SN_OK, "%s", e.msg);
    return d;
}

static void small_params(sn_train_params *p)
{
    sn_train_params_default(p);
    p->n_hidden = 10;
    p->n_epochs = 30;
    p->batch_size = N_ROWS;
}

/* Whether train_and_check also requires lower <= mean <= upper. Not for targets below 1e-10:
 * the interval's bisection (mixture_quantile in src/predict.c) stops at an absolute width of
 * 1e-12, so it hardly iterates there - an open bug, docs/reliability.md. */
static bool check_interval = true;

/* Train, then check T-draw predictions of every row are finite with lower <= mean <= upper. */
static sn_model *train_and_check(const sn_train_params *p, const sn_data *d, size_t n_draws)
{
    sn_model *m = NULL;
    sn_error e = {0};
    ck_assert_msg(sn_train(p, d, &m, &e) == SN_OK, "%s", e.msg);
    size_t n = sn_data_n_rows(d);
    double *mean = calloc(4 * n, sizeof *mean), *sd = mean + n, *lo = sd + n, *hi = lo + n;
    ck_assert(mean != NULL);
    ck_assert_msg(sn_predict(m, sn_data_x(d), n, n_draws, 1, 0.95, mean, sd, lo, hi, &e) ==
                  SN_OK, "%s", e.msg);
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(isfinite(mean[i]) && isfinite(sd[i]) && isfinite(lo[i]) && isfinite(hi[i]),
                      "row %zu: mean %g std %g interval [%g, %g]", i, mean[i], sd[i], lo[i],
                      hi[i]);
        ck_assert_msg(sd[i] >= 0 && (!check_interval || (lo[i] <= mean[i] && mean[i] <= hi[i])),
                      "row %zu: mean %g std %g interval [%g, %g]", i, mean[i], sd[i], lo[i],
                      hi[i]);
    }
    free(mean);
    return m;
}

static double rmse_of(const sn_model *m, const sn_data *d, size_t n_draws)
{
    sn_metrics mt;
    sn_error e = {0};
    ck_assert_msg(sn_evaluate(m, d, n_draws, 1, &mt, &e) == SN_OK, "%s", e.msg);
    ck_assert_msg(isfinite(mt.rmse) && isfinite(mt.ll) && isfinite(mt.ll_gauss),
                  "rmse %g ll %g ll_gauss %g", mt.rmse, mt.ll, mt.ll_gauss);
    return mt.rmse;
}

/* Standardisation makes the fit scale-free: the RMSE is the unscaled one, scaled. X may have
 * any scale a double holds; y any scale within 1e±90 (beyond, the noise precision in y's units
 * stops being representable, and a refusal that says so is also right). */
static const double scales[][2] = {
    {1e150, 1}, {1e-150, 1}, {1e300, 1}, {1e-170, 1}, {1, 1e90}, {1, 1e-90},
    {1, 1e150}, {1, 1e-150}, {1e150, 1e-150}, {1e-150, 1e150},
};
#define N_SCALES (sizeof scales / sizeof scales[0])

START_TEST(extreme_scales)
{
    sn_train_params p;
    small_params(&p);
    sn_data *d0 = make_data(1, 1);
    sn_model *m0 = train_and_check(&p, d0, 50);
    double r0 = rmse_of(m0, d0, 50);
    sn_model_free(m0);
    sn_data_free(d0);

    double sx = scales[_i][0], sy = scales[_i][1];
    sn_data *d = make_data(sx, sy);
    sn_model *m = NULL;
    sn_error e = {0};
    sn_status st = sn_train(&p, d, &m, &e);
    if (st != SN_OK) {
        ck_assert_msg(fabs(log10(sy)) > 100, "x scale %g, y scale %g refused: %s", sx, sy, e.msg);
        ck_assert_msg(st == SN_EDATA && m == NULL && strstr(e.msg, "scale") != NULL,
                      "x scale %g, y scale %g: %s: %s", sx, sy, sn_status_str(st), e.msg);
        sn_data_free(d);
        return;
    }
    sn_model_free(m);
    check_interval = fabs(log10(sy)) < 10;
    m = train_and_check(&p, d, 50);
    check_interval = true;
    double q = rmse_of(m, d, 50) / sy / r0;
    ck_assert_msg(q > 0.8 && q < 1.25, "x scale %g, y scale %g: rmse / scale / unscaled rmse = %g",
                  sx, sy, q);
    sn_model_free(m);
    sn_data_free(d);
}
END_TEST

/* Degenerate data and the smallest settings. */
START_TEST(degenerate_settings)
{
    sn_train_params p;
    small_params(&p);
    sn_data *d = make_data(1, 1);
    switch (_i) {
    case 0: p.n_hidden = 1; break;
    case 1: p.n_samples = 1; break;
    case 2: p.n_samples = 1; p.objective = SN_OBJ_IW; break;
    case 3: p.n_samples = 1; p.objective = SN_OBJ_TAIL; break;
    case 4: p.batch_size = 1; break;
    case 5: p.n_hidden = 1; p.n_samples = 1; p.method = SN_METHOD_VEM; break;
    case 6: p.arch = SN_ARCH_RESNET; p.n_layers = 2; p.n_hidden = 1; break;
    case 7: p.placement = SN_PLACE_WEIGHTS; p.n_hidden = 1; p.n_samples = 1; break;
    case 8: p.noise.family = SN_NOISE_NONE; p.n_samples = 1; break;
    }
    sn_model *m = train_and_check(&p, d, /*n_draws=*/1);
    (void)rmse_of(m, d, 1);
    sn_model_free(m);
    sn_data_free(d);
}
END_TEST

/* Constant columns, a constant target, one feature, one row. */
START_TEST(degenerate_data)
{
    double x[N_ROWS * N_COLS], y[N_ROWS];
    size_t n_rows = N_ROWS, n_cols = N_COLS;
    sn_rng *r = sn_rng_new(5, 0);
    for (size_t i = 0; i < N_ROWS; i++) {
        for (size_t j = 0; j < N_COLS; j++)
            x[i * N_COLS + j] = sn_rng_uniform(r);
        y[i] = x[i * N_COLS] - x[i * N_COLS + 2];
    }
    sn_rng_free(r);
    switch (_i) {
    case 0: /* a constant column */
        for (size_t i = 0; i < N_ROWS; i++)
            x[i * N_COLS + 1] = 7.0;
        break;
    case 1: /* a constant target */
        for (size_t i = 0; i < N_ROWS; i++)
            y[i] = 3.5;
        break;
    case 2: /* everything constant */
        for (size_t i = 0; i < N_ROWS * N_COLS; i++)
            x[i] = 5.0;
        for (size_t i = 0; i < N_ROWS; i++)
            y[i] = 6.0;
        break;
    case 3: /* one feature: x[0..N) as a column */
        n_cols = 1;
        for (size_t i = 0; i < N_ROWS; i++)
            y[i] = 2.0 * x[i];
        break;
    case 4: /* one row */
        n_rows = 1;
        break;
    }
    sn_data *d = NULL;
    CHECK_OK(sn_data_new(x, y, n_rows, n_cols, &d, NULL));
    sn_train_params p;
    small_params(&p);
    p.batch_size = n_rows;
    sn_model *m = train_and_check(&p, d, 20);
    double rmse = rmse_of(m, d, 20);
    if (_i == 2 || _i == 4) /* nothing to learn: the target's mean is predicted exactly */
        ck_assert_msg(rmse < 1e-9, "constant data: rmse %g", rmse);
    sn_model_free(m);
    sn_data_free(d);
}
END_TEST

/* The extremes of a double are data; NaN and the infinities are refused by position. */
START_TEST(double_extremes_as_data)
{
    double x[6] = {DBL_MAX, -DBL_MAX, DBL_TRUE_MIN, -0.0, DBL_MIN, 1.0}, y[3] = {1, 2, 3};
    sn_data *d = NULL;
    sn_error e = {0};
    CHECK_OK(sn_data_new(x, y, 3, 2, &d, NULL));
    ck_assert(memcmp(sn_data_x(d), x, sizeof x) == 0);
    sn_data_free(d);
    const double bad[3] = {NAN, INFINITY, -INFINITY};
    for (int k = 0; k < 3; k++) {
        x[3] = bad[k];
        ck_assert_int_eq(sn_data_new(x, y, 3, 2, &d, &e), SN_EDATA);
        ck_assert(d == NULL);
        ck_assert_msg(strstr(e.msg, "row 1, column 1") != NULL, "%s", e.msg);
        x[3] = -0.0;
        y[2] = bad[k];
        ck_assert_int_eq(sn_data_new(x, y, 3, 2, &d, &e), SN_EDATA);
        ck_assert_msg(strstr(e.msg, "row 2, target") != NULL, "%s", e.msg);
        y[2] = 3;
    }
}
END_TEST

/* A diverging EM run: SN_ENUMERIC with a message; any model handed back is finite and saves. */
START_TEST(vem_divergence)
{
    sn_train_params p;
    small_params(&p);
    p.method = SN_METHOD_VEM;
    p.learning_rate = 1e300;
    sn_data *d = make_data(1, 1);
    sn_model *m = NULL;
    sn_error e = {0};
    sn_status st = sn_train(&p, d, &m, &e);
    ck_assert_msg(st == SN_ENUMERIC, "status %s: %s", sn_status_str(st), e.msg);
    ck_assert(e.msg[0] != '\0');
    if (m) {
        for (size_t l = 0; l < sn_model_n_layers(m); l++) {
            sn_layer_view v;
            CHECK_OK(sn_model_layer(m, l, &v, NULL));
            for (size_t k = 0; k < v.n_in * v.n_out; k++)
                ck_assert_msg(isfinite(v.w[k]), "layer %zu weight %zu = %g", l, k, v.w[k]);
        }
    }
    sn_model_free(m);
    sn_data_free(d);
}
END_TEST

/* T = 1: one draw; the metrics are finite (the log-mean-exp of one term is that term). */
START_TEST(one_draw_metrics)
{
    double yhat[2] = {1.0, 2.5}, y[2] = {1.5, 2.0};
    sn_metrics mt;
    CHECK_OK(sn_metrics_regression(yhat, y, 1, 2, 4.0, &mt, NULL));
    CHECK_NEAR(mt.rmse, 0.5, 1e-15);
    /* Gaussian log density with precision 4 at residual 0.5: 0.5 log(4 / 2 pi) - 2 * 0.25. */
    CHECK_NEAR(mt.ll, 0.5 * log(4.0 / (2.0 * 3.14159265358979323846)) - 0.5, 1e-12);
    CHECK_NEAR(mt.ll, mt.ll_gauss, 1e-12);
}
END_TEST

/* ---- Model files whose values are out of range, though well formed and signed ------------- */

/* 64-bit FNV-1a, the checksum of model files (docs/FORMATS.md). */
static uint64_t fnv1a64(const char *s, size_t n)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

/* A model file whose noise line is replaced and whose checksum is made right again is refused
 * with SN_EFORMAT naming the line of the noise key (line 10), instead of loading and predicting
 * NaN (as it did before sn_model_load checked the laws' parameters). */
START_TEST(model_file_noise_out_of_range)
{
    static const char *const lines[] = {
        "noise gaussian -3 0 true", "noise beta 0 0 true", "noise halfcauchy 1 0 true",
        "noise rayleigh 0 0 true", "noise bernoulli 1.5 0 true",
    };
    char dir[] = "/tmp/sn_test_extreme.XXXXXX", path[64];
    ck_assert(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/m.snm", dir);
    sn_train_params p;
    small_params(&p);
    p.n_hidden = 2;
    p.n_epochs = 1;
    sn_data *d = make_data(1, 1);
    sn_model *m = NULL;
    CHECK_OK(sn_train(&p, d, &m, NULL));
    CHECK_OK(sn_model_save(m, path, NULL));
    sn_model_free(m);
    sn_data_free(d);

    FILE *f = fopen(path, "rb");
    ck_assert(f != NULL);
    char text[1 << 14];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    char *noise = strstr(text, "\nnoise "), *end = noise ? strchr(noise + 1, '\n') : NULL;
    char *sum = strstr(text, "\nchecksum ");
    ck_assert(noise && end && sum);
    char out[1 << 14];
    int head = (int)(noise + 1 - text), mid = (int)(sum + 1 - end - 1);
    int k = snprintf(out, sizeof out, "%.*s%s\n%.*s", head, text, lines[_i], mid, end + 1);
    ck_assert(k > 0 && (size_t)k < sizeof out - 64);
    k += snprintf(out + k, sizeof out - (size_t)k, "checksum fnv1a64 %016llx\n",
                  (unsigned long long)fnv1a64(out, (size_t)k));
    f = fopen(path, "wb");
    ck_assert(f != NULL && fwrite(out, 1, (size_t)k, f) == (size_t)k);
    fclose(f);

    sn_error e = {0};
    m = NULL;
    ck_assert_int_eq(sn_model_load(path, &m, &e), SN_EFORMAT);
    ck_assert(m == NULL);
    ck_assert_msg(strstr(e.msg, ":10: ") && strstr(e.msg, "noise"), "%s", e.msg);
    remove(path);
    rmdir(dir);
}
END_TEST

static Suite *extreme_suite(void)
{
    Suite *s = suite_create("extreme");
    TCase *tc = tcase_create("extreme");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, extreme_scales, 0, (int)N_SCALES);
    tcase_add_loop_test(tc, degenerate_settings, 0, 9);
    tcase_add_loop_test(tc, degenerate_data, 0, 5);
    tcase_add_test(tc, double_extremes_as_data);
    tcase_add_test(tc, vem_divergence);
    tcase_add_test(tc, one_draw_metrics);
    tcase_add_loop_test(tc, model_file_noise_out_of_range, 0, 5);
    suite_add_tcase(s, tc);
    return s;
}

SN_TEST_MAIN(extreme_suite)
