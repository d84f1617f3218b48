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

static Suite *objective_suite(void)
{
    Suite *s = suite_create("objective");
    TCase *tc = tcase_create("weights");
    tcase_add_test(tc, tail_no_ties);
    tcase_add_test(tc, tail_ties);
    tcase_add_test(tc, iw_weights_and_value);
    tcase_add_test(tc, lb_weights_and_value);
    suite_add_tcase(s, tc);
    return s;
}

SN_TEST_MAIN(objective_suite)
