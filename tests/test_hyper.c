/*
 * test_hyper.c — hyper-prior updates (MATH.md §4 (29)-(32), §6) against independent numerical
 * maximisation, and the "family:a,b" spelling of hyper-priors.
 */
#include "test_util.h"

#include <float.h>
#include <string.h>

/* The hyper-priors of the tests. */
static const sn_hyperprior IG33 = {SN_HYPER_INVGAMMA, 3.0, 3.0};
static const sn_hyperprior IG_SMALL = {SN_HYPER_INVGAMMA, 1e-3, 1e-3};
static const sn_hyperprior HC1 = {SN_HYPER_HALFCAUCHY, 1.0, 0.0};
static const sn_hyperprior HC01 = {SN_HYPER_HALFCAUCHY, 0.1, 0.0};
static const sn_hyperprior LU = {SN_HYPER_LOGUNIFORM, 0.0, 0.0};

/* log p_h(v), through the public objective with M = P = 0. */
static double log_ph(const sn_hyperprior *h, double v)
{
    return sn_hyper_objective(h, 0.0, 0.0, v);
}

/* Golden-section maximisation of x -> sn_hyper_objective(h, M, P, e^x) on [lo, hi]; F is concave
 * in log v for all three families, hence unimodal. Independent of the closed forms. */
static double golden_argmax_logv(const sn_hyperprior *h, double M, double P, double lo, double hi)
{
    const double g = 0.5 * (sqrt(5.0) - 1.0);
    double c = hi - g * (hi - lo), d = lo + g * (hi - lo);
    double fc = sn_hyper_objective(h, M, P, exp(c)), fd = sn_hyper_objective(h, M, P, exp(d));
    for (int it = 0; it < 400 && hi - lo > 1e-13; it++) {
        if (fc >= fd) {
            hi = d;
            d = c;
            fd = fc;
            c = hi - g * (hi - lo);
            fc = sn_hyper_objective(h, M, P, exp(c));
        } else {
            lo = c;
            c = d;
            fc = fd;
            d = lo + g * (hi - lo);
            fd = sn_hyper_objective(h, M, P, exp(d));
        }
    }
    return exp(0.5 * (lo + hi));
}

/* ------------------------------------------------------------------------------------------ */
/* One group: (29)-(31)                                                                        */
/* ------------------------------------------------------------------------------------------ */

START_TEST(test_closed_form_is_argmax)
{
    /* For each hyper-prior, 25 random (M, P), P cycling through {1, 50, 2500} and M spread over
     * many orders of magnitude around P: the closed form maximises F to 1e-6 relative. */
    const sn_hyperprior *hs[] = {&IG33, &IG_SMALL, &HC1, &HC01, &LU};
    const double Ps[] = {1.0, 50.0, 2500.0};
    sn_rng *r = sn_rng_new(/*seed=*/2019, 0);
    ck_assert_ptr_nonnull(r);
    for (size_t k = 0; k < 5; k++) {
        double worst = 0.0;
        for (int i = 0; i < 25; i++) {
            double P = Ps[i % 3];
            double M = P * exp(3.0 * sn_rng_normal(r));
            double vc = sn_hyper_optimal_variance(hs[k], M, P);
            double vn = golden_argmax_logv(hs[k], M, P, -40.0, 40.0);
            ck_assert_msg(vc > 0.0 && isfinite(vc), "v* = %g for M = %g, P = %g", vc, M, P);
            double rel = fabs(vc - vn) / vc;
            ck_assert_msg(rel < 1e-6, "family %d: M = %.17g, P = %g: closed form %.17g, "
                          "golden section %.17g, rel %.3g", (int)hs[k]->family, M, P, vc, vn, rel);
            /* The closed form is a stationary point: F(v e^{+-h}) <= F(v). */
            double f0 = sn_hyper_objective(hs[k], M, P, vc);
            ck_assert(f0 >= sn_hyper_objective(hs[k], M, P, vc * exp(1e-4)));
            ck_assert(f0 >= sn_hyper_objective(hs[k], M, P, vc * exp(-1e-4)));
            worst = fmax(worst, rel);
        }
        fprintf(stderr, "hyper family %d: max rel |v_closed - v_golden| = %.2e\n",
                (int)hs[k]->family, worst);
    }
    sn_rng_free(r);
}
END_TEST

START_TEST(test_figure_1b_table)
{
    /* MATH.md §6 table, P = 1, to the 4 decimals printed there. */
    const double Ms[5] = {0.0, 0.25, 1.0, 4.0, 16.0};
    const double tab[4][5] = {
        {0.6667, 0.6944, 0.7778, 1.1111, 2.4444}, /* IG(3, 3) */
        {0.0007, 0.0839, 0.3338, 1.3331, 5.3304}, /* IG(1e-3, 1e-3) */
        {0.0, 0.1896, 0.5774, 1.7583, 5.9034},    /* half-Cauchy(1) */
        {0.0, 0.0833, 0.3333, 1.3333, 5.3333},    /* log-uniform */
    };
    const sn_hyperprior *hs[4] = {&IG33, &IG_SMALL, &HC1, &LU};
    for (size_t k = 0; k < 4; k++)
        for (size_t i = 0; i < 5; i++)
            CHECK_NEAR(sn_hyper_optimal_variance(hs[k], Ms[i], 1.0), tab[k][i], 1e-4);
}
END_TEST

START_TEST(test_zero_moment)
{
    /* (40): exact zero at M = 0 for log-uniform and half-Cauchy, intercept 2b/(P+2a+2) for IG. */
    const double Ps[] = {0.0, 1.0, 50.0, 2500.0};
    for (size_t i = 0; i < 4; i++) {
        ck_assert(sn_hyper_optimal_variance(&LU, 0.0, Ps[i]) == 0.0);
        ck_assert(sn_hyper_optimal_variance(&HC1, 0.0, Ps[i]) == 0.0);
        ck_assert(sn_hyper_optimal_variance(&HC01, 0.0, Ps[i]) == 0.0);
        double v = sn_hyper_optimal_variance(&IG33, 0.0, Ps[i]);
        ck_assert(v > 0.0);
        CHECK_NEAR(v, 6.0 / (Ps[i] + 8.0), 1e-15);
    }
}
END_TEST

START_TEST(test_half_cauchy_no_cancellation)
{
    /* For M << P eta^2 the textbook form of (31) loses every digit; the result must still solve
     * (P+2) v^2 + (P eta^2 - M) v - M eta^2 = 0 to rounding, and have slope 1/P at 0 (40) and
     * asymptote (M + 2 eta^2)/(P + 2) at infinity (40). */
    const double eta = 1.3, P = 7.0;
    const sn_hyperprior h = {SN_HYPER_HALFCAUCHY, eta, 0.0};
    for (double M = 1e-300; M < 1e300; M *= 1e10) {
        double v = sn_hyper_optimal_variance(&h, M, P);
        ck_assert_msg(v > 0.0 && isfinite(v), "M = %g: v = %g", M, v);
        /* residual relative to the largest term of the quadratic */
        long double lv = v, lM = M, e2 = (long double)eta * eta;
        long double t1 = (P + 2) * lv * lv, t2 = (P * e2 - lM) * lv, t3 = lM * e2;
        long double scale = fmaxl(fmaxl(fabsl(t1), fabsl(t2)), fabsl(t3));
        ck_assert_msg(fabsl(t1 + t2 - t3) / scale < 1e-14, "M = %g: residual %Lg", M,
                      fabsl(t1 + t2 - t3) / scale);
    }
    CHECK_NEAR(sn_hyper_optimal_variance(&h, 1e-9, P) / 1e-9, 1.0 / P, 1e-7);
    double big = 1e8;
    CHECK_NEAR(sn_hyper_optimal_variance(&h, big, P) / ((big + 2 * eta * eta) / (P + 2)), 1.0,
               1e-12);
}
END_TEST

START_TEST(test_objective_values)
{
    /* F(v) = -1/2 (M/v + P log v) + log p_h(v) at a hand-computed point, and NAN off-domain. */
    double M = 2.385, P = 7.0, v = 0.6183;
    double base = -0.5 * (M / v + P * log(v));
    CHECK_NEAR(sn_hyper_objective(&IG33, M, P, v), base - 4.0 * log(v) - 3.0 / v, 1e-14);
    CHECK_NEAR(sn_hyper_objective(&LU, M, P, v), base - log(v), 1e-14);
    CHECK_NEAR(sn_hyper_objective(&HC01, M, P, v), base - log1p(v / 0.01), 1e-14);
    ck_assert(isnan(sn_hyper_objective(&IG33, M, P, 0.0)));
    ck_assert(isnan(sn_hyper_objective(&IG33, M, P, -1.0)));
    ck_assert(isnan(sn_hyper_objective(&IG33, -1.0, P, v)));
    ck_assert(isnan(sn_hyper_optimal_variance(&IG33, -1.0, P)));
    ck_assert(isnan(sn_hyper_optimal_variance(&IG33, NAN, P)));
    const sn_hyperprior bad = {SN_HYPER_HALFCAUCHY, 0.0, 0.0};
    ck_assert(isnan(sn_hyper_optimal_variance(&bad, 1.0, 1.0)));
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* ARD-ADD (32)                                                                                */
/* ------------------------------------------------------------------------------------------ */

/* F(a, t) = -1/2 sum_r [M_r/(a_r t) + J log(a_r t)] + sum_r log p_h(a_r) + log p_h(t) (32). */
static double ard_add_F(const sn_hyperprior *h, const double *M, size_t R, size_t J,
                        const double *a, double t)
{
    double f = log_ph(h, t);
    for (size_t r = 0; r < R; r++)
        f += -0.5 * (M[r] / (a[r] * t) + (double)J * log(a[r] * t)) + log_ph(h, a[r]);
    return f;
}

/* d log p_h / d log v by central differences of the public objective (independent of hyper.c's
 * analytic derivative). */
static double dlog_ph(const sn_hyperprior *h, double v)
{
    double e = 1e-5;
    return (log_ph(h, v * exp(e)) - log_ph(h, v * exp(-e))) / (2 * e);
}

enum { MAX_R = 40 };

/* Random row sums M_r = sum_j (mu^2 + sigma^2) for R rows of J weights, spread over orders of
 * magnitude between rows (some rows pruned, some large). */
static void random_rows(sn_rng *r, size_t R, size_t J, double *M)
{
    double scale = exp(2.0 * sn_rng_normal(r));
    for (size_t i = 0; i < R; i++)
        M[i] = (double)J * scale * exp(2.0 * sn_rng_normal(r));
}

START_TEST(test_ard_add_optimum)
{
    const sn_hyperprior *hs[] = {&IG33, &IG_SMALL, &HC1, &HC01};
    sn_rng *r = sn_rng_new(/*seed=*/32, 0);
    ck_assert_ptr_nonnull(r);
    double worst_grad = 0.0, worst_sweep = 0.0;
    for (size_t k = 0; k < 4; k++) {
        const sn_hyperprior *h = hs[k];
        for (int trial = 0; trial < 5; trial++) {
            size_t R = 2 + sn_rng_index(r, 29), J = 2 + sn_rng_index(r, 29);
            double M[MAX_R], a[MAX_R], t;
            random_rows(r, R, J, M);
            CHECK_OK(sn_hyper_optimal_ard_add(h, M, R, J, a, &t, &check_e_));
            ck_assert(t > 0.0 && isfinite(t));
            double F0 = ard_add_F(h, M, R, J, a, t);
            ck_assert(isfinite(F0));

            /* (i) The gradient in (log a, log t) vanishes, relative to the size of its terms. */
            double gt = dlog_ph(h, t), st = fabs(gt);
            for (size_t i = 0; i < R; i++) {
                double q = M[i] / (a[i] * t);
                double ga = 0.5 * (q - (double)J) + dlog_ph(h, a[i]);
                double sa = 0.5 * (q + (double)J) + fabs(dlog_ph(h, a[i]));
                ck_assert_msg(fabs(ga) <= 1e-6 * sa, "dF/dlog a_%zu = %g (scale %g)", i, ga, sa);
                worst_grad = fmax(worst_grad, fabs(ga) / sa);
                gt += 0.5 * (q - (double)J);
                st += 0.5 * (q + (double)J);
            }
            ck_assert_msg(fabs(gt) <= 1e-6 * st, "dF/dlog t = %g (scale %g)", gt, st);
            worst_grad = fmax(worst_grad, fabs(gt) / st);

            /* (ii) No better point among 1000 random perturbations in (log a, log t), of
             * sizes from 1e-4 to 1. */
            double ap[MAX_R];
            for (int p = 0; p < 1000; p++) {
                double size = exp(log(1e-4) * sn_rng_uniform(r));
                for (size_t i = 0; i < R; i++)
                    ap[i] = a[i] * exp(size * sn_rng_normal(r));
                double tp = t * exp(size * sn_rng_normal(r));
                double Fp = ard_add_F(h, M, R, J, ap, tp);
                ck_assert_msg(Fp <= F0 + 1e-12 * fabs(F0), "perturbation %d (size %g): F = %.17g "
                              "> F* = %.17g", p, size, Fp, F0);
            }

            /* (iii) 10^4 alternating sweeps of (32) from t = 1 do not beat the exact optimum and
             * approach it. */
            double ts = 1.0, as[MAX_R];
            for (int sweep = 0; sweep < 10000; sweep++) {
                double S = 0.0;
                for (size_t i = 0; i < R; i++) {
                    as[i] = sn_hyper_optimal_variance(h, M[i] / ts, (double)J);
                    S += M[i] / as[i];
                }
                ts = sn_hyper_optimal_variance(h, S, (double)(R * J));
            }
            for (size_t i = 0; i < R; i++)
                as[i] = sn_hyper_optimal_variance(h, M[i] / ts, (double)J);
            double Fs = ard_add_F(h, M, R, J, as, ts);
            ck_assert_msg(Fs <= F0 + 1e-12 * fabs(F0), "sweeps: F = %.17g > F* = %.17g", Fs, F0);
            ck_assert_msg(F0 - Fs <= 1e-6 * fabs(F0), "sweeps: F = %.17g, F* = %.17g", Fs, F0);
            for (size_t i = 0; i < R; i++)
                worst_sweep = fmax(worst_sweep, fabs(as[i] * ts - a[i] * t) / (a[i] * t));
        }
    }
    fprintf(stderr, "ARD-ADD: max relative gradient %.2e; max rel |v_sweeps - v*| %.2e\n",
            worst_grad, worst_sweep);
    sn_rng_free(r);
}
END_TEST

START_TEST(test_ard_add_zero_rows)
{
    /* Half-Cauchy rows with M_r = 0 get a_r = 0 exactly and leave t unchanged (they drop out of
     * the profile); under IG(3, 3) they keep a_r = U(0, J) = 2b/(J + 2a + 2) > 0 whatever t. */
    double M[6] = {2.385, 0.0, 0.7, 0.0, 11.3, 0.04};
    double Mlive[4] = {2.385, 0.7, 11.3, 0.04};
    double a[6], al[4], t, tl;
    CHECK_OK(sn_hyper_optimal_ard_add(&HC1, M, 6, 9, a, &t, NULL));
    CHECK_OK(sn_hyper_optimal_ard_add(&HC1, Mlive, 4, 9, al, &tl, NULL));
    ck_assert(a[1] == 0.0 && a[3] == 0.0);
    CHECK_REL(t, tl, 1e-12);
    CHECK_REL(a[0], al[0], 1e-12);
    CHECK_REL(a[5], al[3], 1e-12);

    CHECK_OK(sn_hyper_optimal_ard_add(&IG33, M, 6, 9, a, &t, NULL));
    for (size_t i = 0; i < 6; i++)
        ck_assert(a[i] > 0.0 && isfinite(a[i]));
    CHECK_REL(a[1], 6.0 / (9.0 + 8.0), 1e-15);

    /* All rows zero under the half-Cauchy: everything collapses to 0. */
    double Z[3] = {0.0, 0.0, 0.0};
    CHECK_OK(sn_hyper_optimal_ard_add(&HC01, Z, 3, 4, a, &t, NULL));
    ck_assert(t == 0.0 && a[0] == 0.0 && a[2] == 0.0);

    /* One row is fine too (unique optimum under IG and half-Cauchy). */
    double one = 3.7;
    CHECK_OK(sn_hyper_optimal_ard_add(&HC1, &one, 1, 5, a, &t, NULL));
    ck_assert(a[0] > 0.0 && t > 0.0);
}
END_TEST

START_TEST(test_ard_add_errors)
{
    double M[3] = {1.0, 2.0, 3.0}, a[3], t = -1.0;
    sn_error e = {0};
    ck_assert_int_eq(sn_hyper_optimal_ard_add(&LU, M, 3, 4, a, &t, &e), SN_EUNSUPPORTED);
    ck_assert_int_eq(e.code, SN_EUNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(e.msg, "ridge"));
    const sn_hyperprior ig_b0 = {SN_HYPER_INVGAMMA, 2.0, 0.0};
    ck_assert_int_eq(sn_hyper_optimal_ard_add(&ig_b0, M, 3, 4, a, &t, &e), SN_EUNSUPPORTED);
    ck_assert_int_eq(sn_hyper_optimal_ard_add(&IG33, M, 0, 4, a, &t, &e), SN_EINVAL);
    ck_assert_int_eq(sn_hyper_optimal_ard_add(&IG33, M, 3, 0, a, &t, &e), SN_EINVAL);
    double Mbad[3] = {1.0, -2.0, 3.0};
    ck_assert_int_eq(sn_hyper_optimal_ard_add(&IG33, Mbad, 3, 4, a, &t, &e), SN_EINVAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "M[1]"));
    Mbad[1] = NAN;
    ck_assert_int_eq(sn_hyper_optimal_ard_add(&HC1, Mbad, 3, 4, a, &t, &e), SN_EINVAL);
    const sn_hyperprior hc0 = {SN_HYPER_HALFCAUCHY, -1.0, 0.0};
    ck_assert_int_eq(sn_hyper_optimal_ard_add(&hc0, M, 3, 4, a, &t, &e), SN_EINVAL);
    ck_assert(t == -1.0);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* Parsing and formatting                                                                      */
/* ------------------------------------------------------------------------------------------ */

START_TEST(test_parse_format)
{
    sn_hyperprior h;
    CHECK_OK(sn_hyperprior_parse("invgamma:3,3", &h, NULL));
    ck_assert(h.family == SN_HYPER_INVGAMMA && h.a == 3.0 && h.b == 3.0);
    CHECK_OK(sn_hyperprior_parse("halfcauchy:1", &h, NULL));
    ck_assert(h.family == SN_HYPER_HALFCAUCHY && h.a == 1.0);
    CHECK_OK(sn_hyperprior_parse("loguniform", &h, NULL));
    ck_assert(h.family == SN_HYPER_LOGUNIFORM);
    CHECK_OK(sn_hyperprior_parse("invgamma:0,0", &h, NULL)); /* = log-uniform, allowed */
    CHECK_OK(sn_hyperprior_parse("invgamma:1e-3,2.5E-3", &h, NULL));
    ck_assert(h.a == 1e-3 && h.b == 2.5e-3);

    /* Round trip, bit for bit. */
    const sn_hyperprior cases[] = {{SN_HYPER_INVGAMMA, 0.1, 1.0 / 3.0},
                                   {SN_HYPER_INVGAMMA, 3.0, 3.0},
                                   {SN_HYPER_HALFCAUCHY, 0.4487989505128276, 0.0},
                                   {SN_HYPER_HALFCAUCHY, 5e-300, 0.0},
                                   {SN_HYPER_LOGUNIFORM, 0.0, 0.0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[128];
        int n = sn_hyperprior_format(&cases[i], buf, sizeof buf);
        ck_assert(n > 0 && (size_t)n < sizeof buf);
        ck_assert_int_eq(n, (int)strlen(buf));
        sn_hyperprior back;
        CHECK_OK(sn_hyperprior_parse(buf, &back, NULL));
        ck_assert_int_eq(back.family, cases[i].family);
        ck_assert(memcmp(&back.a, &cases[i].a, sizeof(double)) == 0);
        if (cases[i].family == SN_HYPER_INVGAMMA)
            ck_assert(memcmp(&back.b, &cases[i].b, sizeof(double)) == 0);
    }
    char small[8];
    int n = sn_hyperprior_format(&cases[0], small, sizeof small);
    ck_assert(n >= (int)sizeof small && strlen(small) == sizeof small - 1);
}
END_TEST

START_TEST(test_parse_rejects)
{
    const char *bad[] = {"",
                         "invgamma",
                         "invgamma:",
                         "invgamma:3",
                         "invgamma:3,",
                         "invgamma:,3",
                         "invgamma:3,3,3",
                         "invgamma:-1,3",
                         "invgamma:3,-0.5",
                         "invgamma:3,x",
                         "invgamma: 3,3",
                         "invgamma:3 ,3",
                         "invgamma:3,3 ",
                         "invgamma:3,nan",
                         "invgamma:inf,1",
                         "invgamma:1e999,1",
                         "halfcauchy",
                         "halfcauchy:0",
                         "halfcauchy:-1",
                         "halfcauchy:1,2",
                         "halfcauchy:1x",
                         "loguniform:",
                         "loguniform:1",
                         "gamma:1,1",
                         ":1",
                         "InvGamma:3,3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sn_hyperprior h = {SN_HYPER_HALFCAUCHY, 42.0, 43.0};
        sn_error e = {0};
        sn_status s = sn_hyperprior_parse(bad[i], &h, &e);
        ck_assert_msg(s == SN_EINVAL, "\"%s\" accepted", bad[i]);
        ck_assert_int_eq(e.code, SN_EINVAL);
        ck_assert_msg(strstr(e.msg, bad[i]) != NULL, "message for \"%s\" does not quote it: %s",
                      bad[i], e.msg);
        ck_assert(h.family == SN_HYPER_HALFCAUCHY && h.a == 42.0 && h.b == 43.0);
    }
    sn_error e = {0};
    sn_hyperprior h;
    ck_assert_int_eq(sn_hyperprior_parse("invgamma:3,x", &h, &e), SN_EINVAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "for b"));
    ck_assert_int_eq(sn_hyperprior_parse(NULL, &h, &e), SN_EINVAL);
}
END_TEST

static Suite *hyper_suite(void)
{
    Suite *s = suite_create("hyper");
    TCase *tc = tcase_create("single group");
    tcase_add_test(tc, test_closed_form_is_argmax);
    tcase_add_test(tc, test_figure_1b_table);
    tcase_add_test(tc, test_zero_moment);
    tcase_add_test(tc, test_half_cauchy_no_cancellation);
    tcase_add_test(tc, test_objective_values);
    suite_add_tcase(s, tc);
    tc = tcase_create("ard-add");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_ard_add_optimum);
    tcase_add_test(tc, test_ard_add_zero_rows);
    tcase_add_test(tc, test_ard_add_errors);
    suite_add_tcase(s, tc);
    tc = tcase_create("parse");
    tcase_add_test(tc, test_parse_format);
    tcase_add_test(tc, test_parse_rejects);
    suite_add_tcase(s, tc);
    return s;
}

SN_TEST_MAIN(hyper_suite)
