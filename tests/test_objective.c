/*
 * test_objective.c — the sample weights of the three Monte Carlo objectives (MATH.md §3)
 * against hand-worked examples.
 */
#include "test_util.h"

#include "core/core.h"

START_TEST(tail_no_ties)
{
    /* Distinct log-likelihoods: ω = (1/rank)/H_S with rank 1 for the largest (MATH.md (21)).
     * H_10 = 2.928968..., so the top weight is 1/H_10 = 0.34142... */
    double ll[10], w[10];
    for (int s = 0; s < 10; s++)
        ll[s] = -3.7 + 0.31 * s; /* increasing: sample 9 ranks first */
    sn_objective_weights(SN_OBJ_TAIL, ll, 1, 10, w);
    double h10 = 0.0;
    for (int k = 1; k <= 10; k++)
        h10 += 1.0 / k;
    CHECK_NEAR(h10, 2.928968253968254, 1e-15);
    for (int s = 0; s < 10; s++)
        CHECK_NEAR(w[s], (1.0 / (10 - s)) / h10, 1e-15);
    CHECK_NEAR(w[9], 0.3414171521474055, 1e-15);
}
END_TEST

START_TEST(tail_ties)
{
    /* ℓ = (1, 1, 0): γ = 3/2, 3/2, 3/3 → ω = 3/8, 3/8, 1/4. */
    double ll[3] = {1.0, 1.0, 0.0}, w[3];
    sn_objective_weights(SN_OBJ_TAIL, ll, 1, 3, w);
    CHECK_NEAR(w[0], 0.375, 1e-15);
    CHECK_NEAR(w[1], 0.375, 1e-15);
    CHECK_NEAR(w[2], 0.25, 1e-15);
    /* All tied: the lower bound's 1/S. */
    double lt[4] = {-2.5, -2.5, -2.5, -2.5}, wt[4];
    sn_objective_weights(SN_OBJ_TAIL, lt, 1, 4, wt);
    for (int s = 0; s < 4; s++)
        CHECK_NEAR(wt[s], 0.25, 1e-15);
    /* Ties that differ in the last bits (a BLAS rounding a row differently) are still ties. */
    double ln[3] = {-1234.5, -1234.5 * (1 + 1e-15), -2000.0}, wn[3];
    sn_objective_weights(SN_OBJ_TAIL, ln, 1, 3, wn);
    CHECK_NEAR(wn[0], wn[1], 0.0);
    /* ℓ = (0, 5, 5, 2): counts 4, 2, 2, 3 → γ = 1, 2, 2, 4/3, Σ = 19/3 → ω = 3/19, 6/19, ... */
    double lm[4] = {0.0, 5.0, 5.0, 2.0}, wm[4];
    sn_objective_weights(SN_OBJ_TAIL, lm, 1, 4, wm);
    CHECK_NEAR(wm[0], 3.0 / 19.0, 1e-15);
    CHECK_NEAR(wm[1], 6.0 / 19.0, 1e-15);
    CHECK_NEAR(wm[2], 6.0 / 19.0, 1e-15);
    CHECK_NEAR(wm[3], 4.0 / 19.0, 1e-15);
}
END_TEST

START_TEST(iw_weights_and_value)
{
    /* ℓ = log(1), log(2), log(5): ω = 1/8, 2/8, 5/8; value = log(8/3). */
    double ll[3] = {0.0, log(2.0), log(5.0)}, w[3];
    double v = sn_objective_weights(SN_OBJ_IW, ll, 1, 3, w);
    CHECK_NEAR(w[0], 0.125, 1e-15);
    CHECK_NEAR(w[1], 0.25, 1e-15);
    CHECK_NEAR(w[2], 0.625, 1e-15);
    CHECK_NEAR(v, log(8.0 / 3.0), 1e-14);
    /* Stable at ℓ ≈ −12000, where exp underflows to 0 (MATH.md §8 S9). */
    double lb[3] = {-12000.0, -12000.0 + log(2.0), -12000.0 + log(5.0)};
    v = sn_objective_weights(SN_OBJ_IW, lb, 1, 3, w);
    CHECK_NEAR(w[2], 0.625, 1e-12);
    CHECK_NEAR(v, -12000.0 + log(8.0 / 3.0), 1e-9);
}
END_TEST

START_TEST(lb_weights_and_value)
{
    double ll[6] = {-1, -2, -3, -4, -5, -9}, w[6];
    double v = sn_objective_weights(SN_OBJ_LB, ll, 2, 3, w);
    for (int s = 0; s < 6; s++)
        CHECK_NEAR(w[s], 1.0 / 3.0, 1e-15);
    CHECK_NEAR(v, -2.0 + -6.0, 1e-14);
    /* Jensen: the IW value is at least the lower bound's (MATH.md §3). */
    double wi[6];
    double vi = sn_objective_weights(SN_OBJ_IW, ll, 2, 3, wi);
    ck_assert(vi >= v);
}
END_TEST

/* The authors' ranks (MATH.md §7.5): ties take consecutive ranks in sample order, so that
 * ℓ = (1, 1, 0) gives γ = 3/1, 3/2, 3/3 → ω = (6, 3, 2)/11, where (21) gives 3/8, 3/8, 1/4;
 * without ties the two agree. */
START_TEST(tail_ties_by_order)
{
    double ll[3] = {1.0, 1.0, 0.0}, w[3];
    double v = sn_objective_weights_ties(SN_OBJ_TAIL, true, ll, 1, 3, w);
    CHECK_NEAR(w[0], 6.0 / 11.0, 1e-15);
    CHECK_NEAR(w[1], 3.0 / 11.0, 1e-15);
    CHECK_NEAR(w[2], 2.0 / 11.0, 1e-15);
    CHECK_NEAR(v, 9.0 / 11.0, 1e-15);
    /* Every sample equal: weights 1/rank over H_4 in sample order. */
    double le[4] = {-2.5, -2.5, -2.5, -2.5}, we[4];
    sn_objective_weights_ties(SN_OBJ_TAIL, true, le, 1, 4, we);
    double h4 = 1.0 + 1.0 / 2 + 1.0 / 3 + 1.0 / 4;
    for (int s = 0; s < 4; s++)
        CHECK_NEAR(we[s], (1.0 / (s + 1)) / h4, 1e-15);
    double ld[10], wa[10], wb[10];
    for (int s = 0; s < 10; s++)
        ld[s] = 0.7 * sin(2.385 * s);
    sn_objective_weights_ties(SN_OBJ_TAIL, true, ld, 1, 10, wa);
    sn_objective_weights(SN_OBJ_TAIL, ld, 1, 10, wb);
    for (int s = 0; s < 10; s++)
        CHECK_NEAR(wa[s], wb[s], 1e-15);
}
END_TEST

/* Adam in the textbook form and in TensorFlow's (MATH.md §7.9), one step by hand: from m = v = 0,
 * g = 0.3 gives m = 0.03, v = 9e-5 (β = 0.9, 0.999); the textbook step is lr m̂/(√v̂ + ε) with
 * m̂ = 0.3, v̂ = 0.09, TensorFlow's lr √(1−β2)/(1−β1) m/(√v + ε). They differ through ε only. */
START_TEST(adam_forms)
{
    sn_train_params p;
    sn_train_params_default(&p);
    p.adam_eps = 1e-3; /* large enough for the two forms to differ visibly */
    sn_optim o;
    double g = 0.3;
    for (int tf = 0; tf < 2; tf++) {
        ck_assert_int_eq(sn_optim_init(&o, &p, 1, NULL), SN_OK);
        o.is_tf_adam = tf;
        double x = 0.0;
        sn_optim_step(&o, &x, &g);
        double want = tf ? 1e-3 * sqrt(1 - 0.999) / (1 - 0.9) * 0.03 / (sqrt(9e-5) + 1e-3)
                         : 1e-3 * 0.3 / (sqrt(0.09) + 1e-3);
        CHECK_NEAR(x, want, 1e-17);
        sn_optim_free(&o);
    }
    /* By hand: 1e-3 · 0.3/0.301 = 9.96678e-4 and 1e-3 · 0.316228 · 0.03/(0.0094868 + 0.001) =
     * 9.04642e-4: the forms differ by 10% at this ε. */
    CHECK_NEAR(1e-3 * 0.3 / (0.3 + 1e-3), 9.96678e-4, 1e-9);
    CHECK_NEAR(1e-3 * sqrt(1e-3) / 0.1 * 0.03 / (sqrt(9e-5) + 1e-3), 9.04642e-4, 1e-9);
}
END_TEST

static Suite *objective_suite(void)
{
    Suite *s = suite_create("objective");
    TCase *tc = tcase_create("weights");
    tcase_add_test(tc, tail_no_ties);
    tcase_add_test(tc, tail_ties);
    tcase_add_test(tc, iw_weights_and_value);
    tcase_add_test(tc, lb_weights_and_value);
    tcase_add_test(tc, tail_ties_by_order);
    tcase_add_test(tc, adam_forms);
    suite_add_tcase(s, tc);
    return s;
}

SN_TEST_MAIN(objective_suite)
