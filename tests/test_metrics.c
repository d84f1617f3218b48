/*
 * test_metrics.c — sn_metrics_regression against hand-worked examples and direct formulas
 * (MATH.md (35)-(38)).
 */
#include "test_util.h"

#include <string.h>

static const double LOG_2PI = 1.83787706640934548356065947281123527;

/* A reproducible uniform on [0, 1) (SplitMix64), independent of the library's generator. */
static double unif(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1p-53;
}

/* T = 1, n = 2, kappa = 2: yhat = [1.5, -0.5], y = [1, 0].
 *   residuals y - m = [-0.5, 0.5]: rmse = mae = ref_abs_err = 0.5.
 *   ll per point = -kappa/2 r^2 - log 1 = -0.25; ll = -0.25 + 1/2 log 2 - 1/2 log 2pi
 *                = -0.25 - 1/2 log pi = -0.8223649429247001.
 *   Var = 0 + 1/kappa = 0.5: log N = -1/2 log(2 pi 0.5) - 0.25/(2 * 0.5) = the same value. */
START_TEST(test_one_draw)
{
    const double yhat[2] = {1.5, -0.5}, y[2] = {1.0, 0.0};
    sn_metrics mt;
    CHECK_OK(sn_metrics_regression(yhat, y, 1, 2, 2.0, &mt, NULL));
    ck_assert_uint_eq(mt.n, 2);
    CHECK_NEAR(mt.rmse, 0.5, 1e-15);
    CHECK_NEAR(mt.mae, 0.5, 1e-15);
    CHECK_NEAR(mt.ref_abs_err, 0.5, 1e-15);
    CHECK_NEAR(mt.ll, -0.8223649429247001, 1e-14);
    CHECK_NEAR(mt.ll_gauss, -0.8223649429247001, 1e-14);
    ck_assert(isnan(mt.accuracy) && isnan(mt.brier) && isnan(mt.ece));
}
END_TEST

/* T = 3, n = 2, kappa = 1. Draws (rows t): [1, 2], [2, 4], [3, 0]; y = [2, 1].
 *   point 0: draws 1, 2, 3: m = 2, (1/T) sum yhat^2 - m^2 = 14/3 - 4 = 2/3, Var = 5/3, y - m = 0.
 *   point 1: draws 2, 4, 0: m = 2, 20/3 - 4 = 8/3, Var = 11/3, y - m = -1.
 *   rmse = sqrt((0 + 1)/2) = 0.70710678118654757; mae = (0 + 1)/2 = 0.5.
 *   ref_abs_err = (|2-1| + |2-2| + |2-3| + |1-2| + |1-4| + |1-0|) / 6 = 7/6.
 *   ll: point 0 residuals 1, 0, -1: LSE(-0.5, 0, -0.5) = log(1 + 2 e^-0.5) = 0.7943767694176432;
 *       point 1 residuals -1, -3, 1: LSE(-0.5, -4.5, -0.5) = log(2 e^-0.5 + e^-4.5)
 *       = 0.20226332143909517; ll = mean - log 3 + 1/2 log 1 - 1/2 log 2pi = -1.5192307764444133.
 *   ll_gauss: point 0: -1/2 log(2pi 5/3) = -1.1743513450876681; point 1: -1/2 log(2pi 11/3)
 *       - 1/2 * 1/(11/3) = -1.7049436616334397; mean -1.439647503360554. */
START_TEST(test_three_draws)
{
    const double yhat[3 * 2] = {1, 2, 2, 4, 3, 0}, y[2] = {2, 1};
    sn_metrics mt;
    CHECK_OK(sn_metrics_regression(yhat, y, 3, 2, 1.0, &mt, NULL));
    ck_assert_uint_eq(mt.n, 2);
    CHECK_NEAR(mt.rmse, 0.70710678118654757, 1e-15);
    CHECK_NEAR(mt.mae, 0.5, 1e-15);
    CHECK_NEAR(mt.ref_abs_err, 7.0 / 6.0, 1e-15);
    CHECK_NEAR(mt.ll, -1.5192307764444133, 1e-14);
    CHECK_NEAR(mt.ll_gauss, -1.439647503360554, 1e-14);
    /* The same from the closed forms. */
    double ll = 0.5 * (log(1 + 2 * exp(-0.5)) + log(2 * exp(-0.5) + exp(-4.5))) - log(3.0)
                - 0.5 * LOG_2PI;
    CHECK_NEAR(mt.ll, ll, 1e-14);
    double llg = 0.5 * (-0.5 * log(2 * 3.14159265358979323846 * 5.0 / 3.0)
                        - 0.5 * log(2 * 3.14159265358979323846 * 11.0 / 3.0) - 3.0 / 22.0);
    CHECK_NEAR(mt.ll_gauss, llg, 1e-14);
}
END_TEST

/* Direct evaluation of (35)-(38) for moderate values, where nothing under- or overflows. */
START_TEST(test_matches_naive)
{
    enum { T = 7, N = 11 };
    double yhat[T * N], y[N];
    uint64_t s = 42;
    for (size_t i = 0; i < N; i++)
        y[i] = 4.0 * unif(&s) - 2.0;
    for (size_t k = 0; k < T * N; k++)
        yhat[k] = 4.0 * unif(&s) - 2.0;
    const double kappa = 2.385;
    sn_metrics mt;
    CHECK_OK(sn_metrics_regression(yhat, y, T, N, kappa, &mt, NULL));

    double ll = 0, llg = 0, se = 0, ae = 0, ref = 0;
    for (size_t i = 0; i < N; i++) {
        double dens = 0, m = 0, m2 = 0;
        for (size_t t = 0; t < T; t++) {
            double r = y[i] - yhat[t * N + i];
            dens += sqrt(kappa / (2 * 3.14159265358979323846)) * exp(-0.5 * kappa * r * r);
            m += yhat[t * N + i] / T;
            m2 += yhat[t * N + i] * yhat[t * N + i] / T;
            ref += fabs(r) / (T * N);
        }
        ll += log(dens / T) / N;
        double v = m2 - m * m + 1 / kappa; /* (35) as written */
        llg += (-0.5 * log(2 * 3.14159265358979323846 * v) - 0.5 * (y[i] - m) * (y[i] - m) / v)
               / N;
        se += (y[i] - m) * (y[i] - m) / N;
        ae += fabs(y[i] - m) / N;
    }
    CHECK_REL(mt.ll, ll, 1e-12);
    CHECK_REL(mt.ll_gauss, llg, 1e-12);
    CHECK_REL(mt.rmse, sqrt(se), 1e-12);
    CHECK_REL(mt.mae, ae, 1e-12);
    CHECK_REL(mt.ref_abs_err, ref, 1e-12);
    ck_assert(mt.ref_abs_err >= mt.mae);
}
END_TEST

/* Residuals ~1e3 with kappa = 1e2: every exp(-kappa/2 r^2) ~ exp(-5e7) underflows to 0, so the
 * naive log-mean-exp is -inf while (37) stays finite and exact. */
START_TEST(test_ll_no_underflow)
{
    enum { T = 3, N = 2 };
    const double kappa = 1e2;
    /* Point 0: every draw has residual 1000: ll_0 = -kappa/2 1e6 exactly (LSE - log T cancels).
     * Point 1: residuals 1000 and 1001 (twice): the terms differ by kappa/2 * 2001 ~ 1e5, so
     * the LSE is the largest term: ll_1 = -kappa/2 1e6 - log 3. */
    const double y[N] = {0.0, 5.0};
    const double yhat[T * N] = {1000.0, -995.0, 1000.0, -996.0, 1000.0, -996.0};
    sn_metrics mt;
    CHECK_OK(sn_metrics_regression(yhat, y, T, N, kappa, &mt, NULL));
    double naive = 0;
    for (size_t i = 0; i < N; i++) {
        double dens = 0;
        for (size_t t = 0; t < T; t++) {
            double r = y[i] - yhat[t * N + i];
            dens += exp(-0.5 * kappa * r * r);
        }
        naive += log(dens / T);
    }
    ck_assert_msg(isinf(naive), "the naive sum was expected to underflow, got %g", naive);
    ck_assert(isfinite(mt.ll));
    double expect = 0.5 * (-0.5 * kappa * 1e6 + (-0.5 * kappa * 1e6 - log(3.0)))
                    + 0.5 * (log(kappa) - LOG_2PI);
    CHECK_REL(mt.ll, expect, 1e-15);
    ck_assert(isfinite(mt.ll_gauss));
}
END_TEST

/* ref_abs_err (38) >= mae of the predictive mean (Jensen: |y - mean| <= mean |y - yhat|). */
START_TEST(test_ref_ge_mae)
{
    enum { T = 5, N = 9 };
    uint64_t s = 7;
    for (int rep = 0; rep < 50; rep++) {
        double yhat[T * N], y[N];
        for (size_t i = 0; i < N; i++)
            y[i] = 10 * unif(&s) - 5;
        for (size_t k = 0; k < T * N; k++)
            yhat[k] = 10 * unif(&s) - 5;
        sn_metrics mt;
        CHECK_OK(sn_metrics_regression(yhat, y, T, N, 0.5 + unif(&s), &mt, NULL));
        ck_assert_msg(mt.ref_abs_err >= mt.mae, "ref_abs_err %.17g < mae %.17g",
                      mt.ref_abs_err, mt.mae);
        ck_assert(mt.rmse >= mt.mae);
    }
}
END_TEST

/* Draws with a large common offset and a small spread: the variance of (35) must come out
 * right (2/3 here), which the one-pass E[yhat^2] - m^2 cannot deliver at 1e8. */
START_TEST(test_ll_gauss_stable_variance)
{
    const double off = 1e8, kappa = 4.0;
    const double yhat[3] = {off + 0.0, off + 1.0, off + 2.0}, y[1] = {off + 1.5};
    sn_metrics mt;
    CHECK_OK(sn_metrics_regression(yhat, y, 3, 1, kappa, &mt, NULL));
    double v = 2.0 / 3.0 + 1.0 / kappa, r = 0.5;
    double expect = -0.5 * (LOG_2PI + log(v)) - 0.5 * r * r / v;
    CHECK_NEAR(mt.ll_gauss, expect, 1e-12);
    CHECK_NEAR(mt.rmse, 0.5, 1e-12);
}
END_TEST

START_TEST(test_bad_arguments)
{
    const double yhat[4] = {1, 2, 3, 4}, y[2] = {0, 1};
    sn_metrics mt;
    memset(&mt, 0x5a, sizeof mt);
    sn_metrics before = mt;
    sn_error e = {0};
    ck_assert_int_eq(sn_metrics_regression(yhat, y, 0, 2, 1.0, &mt, &e), SN_EINVAL);
    ck_assert_int_eq(e.code, SN_EINVAL);
    ck_assert_int_eq(sn_metrics_regression(yhat, y, 2, 0, 1.0, &mt, &e), SN_EINVAL);
    ck_assert_int_eq(sn_metrics_regression(yhat, y, 2, 2, 0.0, &mt, &e), SN_EINVAL);
    ck_assert_int_eq(sn_metrics_regression(yhat, y, 2, 2, -1.0, &mt, &e), SN_EINVAL);
    ck_assert_int_eq(sn_metrics_regression(yhat, y, 2, 2, NAN, &mt, &e), SN_EINVAL);
    ck_assert_int_eq(sn_metrics_regression(yhat, y, 2, 2, INFINITY, &mt, &e), SN_EINVAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "kappa"));
    ck_assert_int_eq(sn_metrics_regression(NULL, y, 2, 2, 1.0, &mt, &e), SN_EINVAL);
    ck_assert_int_eq(sn_metrics_regression(yhat, NULL, 2, 2, 1.0, &mt, &e), SN_EINVAL);
    ck_assert_int_eq(sn_metrics_regression(yhat, y, 2, 2, 1.0, NULL, &e), SN_EINVAL);
    ck_assert_int_eq(sn_metrics_regression(yhat, y, 0, 2, 1.0, &mt, NULL), SN_EINVAL);

    /* A NaN in draw 1, point 0 (row-major [T][n]: index 1 * 2 + 0). */
    const double bad[4] = {1, 2, NAN, 4};
    ck_assert_int_eq(sn_metrics_regression(bad, y, 2, 2, 1.0, &mt, &e), SN_ENUMERIC);
    ck_assert_msg(strstr(e.msg, "draw 1") && strstr(e.msg, "point 0"), "message: %s", e.msg);
    const double inf[4] = {1, 2, 3, -INFINITY};
    ck_assert_int_eq(sn_metrics_regression(inf, y, 2, 2, 1.0, &mt, &e), SN_ENUMERIC);
    ck_assert_msg(strstr(e.msg, "draw 1") && strstr(e.msg, "point 1"), "message: %s", e.msg);
    /* A non-finite target is bad data. */
    const double ybad[2] = {0, NAN};
    ck_assert_int_eq(sn_metrics_regression(yhat, ybad, 2, 2, 1.0, &mt, &e), SN_EDATA);
    /* Nothing was written on failure. */
    ck_assert(memcmp(&mt, &before, sizeof mt) == 0);
}
END_TEST

static Suite *metrics_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("regression");
    tcase_add_test(tc, test_one_draw);
    tcase_add_test(tc, test_three_draws);
    tcase_add_test(tc, test_matches_naive);
    tcase_add_test(tc, test_ll_no_underflow);
    tcase_add_test(tc, test_ref_ge_mae);
    tcase_add_test(tc, test_ll_gauss_stable_variance);
    tcase_add_test(tc, test_bad_arguments);
    suite_add_tcase(s, tc);
    return s;
}

SN_TEST_MAIN(metrics_suite)
