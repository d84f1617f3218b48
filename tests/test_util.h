/*
 * test_util.h — helpers shared by the Check test programs.
 *
 * Each tests/test_<module>.c defines a Suite *<module>_suite(void) and uses SN_TEST_MAIN to run
 * it. The runner prints Check's summary line ("100%: Checks: N, Failures: 0, Errors: 0"), which
 * tests/run.sh adds up.
 */
#ifndef SN_TEST_UTIL_H
#define SN_TEST_UTIL_H

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "shrinknet.h"

#include <string.h>

/* |a - b| <= tol, printing both values and the tolerance on failure. */
#define CHECK_NEAR(a, b, tol)                                                                   \
    do {                                                                                        \
        double check_a_ = (a), check_b_ = (b), check_t_ = (tol);                                \
        ck_assert_msg(fabs(check_a_ - check_b_) <= check_t_,                                    \
                      "%s = %.17g, %s = %.17g, |diff| = %.3g > tol %.3g", #a, check_a_, #b,     \
                      check_b_, fabs(check_a_ - check_b_), check_t_);                           \
    } while (0)

/* |a - b| / max(1, |a|, |b|) <= tol. */
#define CHECK_REL(a, b, tol)                                                                    \
    do {                                                                                        \
        double check_a_ = (a), check_b_ = (b), check_t_ = (tol);                                \
        double check_s_ = fmax(1.0, fmax(fabs(check_a_), fabs(check_b_)));                      \
        ck_assert_msg(fabs(check_a_ - check_b_) / check_s_ <= check_t_,                         \
                      "%s = %.17g, %s = %.17g, rel diff %.3g > tol %.3g", #a, check_a_, #b,     \
                      check_b_, fabs(check_a_ - check_b_) / check_s_, check_t_);                \
    } while (0)

#define CHECK_OK(call)                                                                          \
    do {                                                                                        \
        sn_error check_e_ = {0};                                                                \
        (void)check_e_;                                                                         \
        sn_status check_s_ = (call);                                                            \
        ck_assert_msg(check_s_ == SN_OK, "%s returned %s", #call, sn_status_str(check_s_));     \
    } while (0)

/* The shared folder (../shared from the repository root unless SN_SHARED says otherwise). */
static inline const char *sn_test_shared(void)
{
    const char *s = getenv("SN_SHARED");
    return s && *s ? s : "../shared";
}

#define SN_TEST_MAIN(suite_fn)                                                                  \
    int main(void)                                                                              \
    {                                                                                           \
        SRunner *sr = srunner_create(suite_fn());                                               \
        srunner_run_all(sr, CK_NORMAL);                                                         \
        int failed = srunner_ntests_failed(sr);                                                 \
        srunner_free(sr);                                                                       \
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;                                       \
    }

/* Whether a and b are the same double, bit for bit. */
static inline bool same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* Every field of a and b (bit for bit for reals); what names the case. */
static inline void check_same_params(const sn_train_params *a, const sn_train_params *b,
                                     const char *what)
{
#define SAME(f) ck_assert_msg(a->f == b->f, "%s: field " #f " differs", what)
#define SAME_BITS(f)                                                                            \
    ck_assert_msg(same_bits(a->f, b->f), "%s: field " #f ": %.17g vs %.17g", what, a->f, b->f)
    SAME(arch);
    SAME(n_hidden);
    SAME(n_layers);
    SAME(activation);
    SAME(likelihood);
    SAME(n_classes);
    SAME(method);
    SAME(noise.family);
    SAME_BITS(noise.p[0]);
    SAME_BITS(noise.p[1]);
    SAME(noise.mean_one);
    SAME(block_noise.family);
    SAME_BITS(block_noise.p[0]);
    SAME_BITS(block_noise.p[1]);
    SAME(block_noise.mean_one);
    SAME(placement);
    SAME(noise_on_input);
    SAME(objective);
    SAME(n_samples);
    SAME_BITS(sigma0);
    SAME(prior);
    SAME(hyper.family);
    SAME_BITS(hyper.a);
    SAME_BITS(hyper.b);
    SAME(estimator);
    SAME(variant);
    SAME_BITS(precision);
    SAME(learn_precision);
    SAME(optimizer);
    SAME_BITS(learning_rate);
    SAME_BITS(adam_beta1);
    SAME_BITS(adam_beta2);
    SAME_BITS(adam_eps);
    SAME_BITS(momentum);
    SAME(batch_size);
    SAME(n_epochs);
    SAME(seed);
#undef SAME
#undef SAME_BITS
}

#endif
