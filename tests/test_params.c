/*
 * test_params.c — parameter defaults, the checks of sn_train_params_check, and setting fields
 * by name (sn_train_params_set, used by bindings).
 */
#include "test_util.h"

#include <string.h>

START_TEST(defaults_are_the_papers)
{
    sn_train_params p;
    sn_train_params_default(&p);
    ck_assert_uint_eq(p.n_hidden, 50);
    ck_assert_uint_eq(p.n_samples, 10);
    ck_assert_uint_eq(p.batch_size, 32);
    ck_assert_uint_eq(p.n_epochs, 4500);
    CHECK_NEAR(p.learning_rate, 1e-3, 0);
    ck_assert_int_eq(p.noise.family, SN_NOISE_BERNOULLI);
    CHECK_NEAR(p.noise.p[0], 0.995, 0);
    ck_assert(isinf(p.sigma0));
    CHECK_OK(sn_train_params_check(&p, NULL, NULL));
}
END_TEST

START_TEST(set_by_name)
{
    sn_train_params *p = sn_train_params_new();
    ck_assert_ptr_nonnull(p);
    CHECK_OK(sn_train_params_set(p, "arch", "resnet:20x3", NULL));
    ck_assert_int_eq(p->arch, SN_ARCH_RESNET);
    ck_assert_uint_eq(p->n_hidden, 20);
    ck_assert_uint_eq(p->n_layers, 3);
    CHECK_OK(sn_train_params_set(p, "noise", "beta:3,2", NULL));
    ck_assert_int_eq(p->noise.family, SN_NOISE_BETA);
    CHECK_OK(sn_train_params_set(p, "objective", "tail", NULL));
    CHECK_OK(sn_train_params_set(p, "precision", "0.75", NULL));
    ck_assert(!p->learn_precision);
    CHECK_NEAR(p->precision, 0.75, 0);
    CHECK_OK(sn_train_params_set(p, "precision", "learn", NULL));
    ck_assert(p->learn_precision);
    CHECK_OK(sn_train_params_set(p, "hyperprior", "halfcauchy:0.5", NULL));
    ck_assert_int_eq(p->hyper.family, SN_HYPER_HALFCAUCHY);
    CHECK_OK(sn_train_params_set(p, "seed", "18446744073709551615", NULL));
    ck_assert(p->seed == UINT64_MAX);
    CHECK_OK(sn_train_params_set(p, "input-noise", "false", NULL));
    ck_assert(!p->noise_on_input);
    CHECK_OK(sn_train_params_set(p, "sigma0", "inf", NULL));
    ck_assert(isinf(p->sigma0));
    static const char *bad[][2] = {
        {"nope", "1"},       {"hidden", "0"},      {"hidden", "abc"},  {"hidden", "-3"},
        {"lr", "-1"},        {"lr", "nan"},        {"epochs", "1.5"},  {"arch", "resnet:50"},
        {"arch", "cnn"},     {"noise", "gauss"},   {"samples", ""},    {"input-noise", "yes"},
        {"momentum", "1"},   {"precision", "0"},   {"objective", "x"}, {"hyperprior", "ig"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sn_error e = {0};
        ck_assert_msg(sn_train_params_set(p, bad[i][0], bad[i][1], &e) == SN_EINVAL,
                      "%s=%s accepted", bad[i][0], bad[i][1]);
        ck_assert_msg(strstr(e.msg, bad[i][0]) != NULL, "message \"%s\" lacks the key %s", e.msg,
                      bad[i][0]);
    }
    sn_train_params_free(p);
}
END_TEST

START_TEST(checks_name_the_problem)
{
    sn_train_params p;
    sn_error e = {0};
    sn_train_params_default(&p);
    p.arch = SN_ARCH_RESNET;
    p.n_layers = 1;
    ck_assert_int_eq(sn_train_params_check(&p, NULL, &e), SN_EINVAL);
    ck_assert(strstr(e.msg, "resnet") != NULL);
    sn_train_params_default(&p);
    p.placement = SN_PLACE_BLOCKS;
    ck_assert_int_eq(sn_train_params_check(&p, NULL, &e), SN_EINVAL);
    sn_train_params_default(&p);
    p.method = SN_METHOD_VEM;
    p.arch = SN_ARCH_RESNET;
    p.n_layers = 2;
    p.prior = SN_PRIOR_ARD_ADD;
    p.hyper.b = 0.0;
    ck_assert_int_eq(sn_train_params_check(&p, NULL, &e), SN_EUNSUPPORTED);
    ck_assert(strstr(e.msg, "no maximum") != NULL);
    /* The authors' one half-sweep has no such problem, as in their code. */
    p.variant = SN_VARIANT_AUTHORS;
    CHECK_OK(sn_train_params_check(&p, NULL, &e));
    /* An MC objective on an EM net is refused, not ignored. */
    sn_train_params_default(&p);
    p.method = SN_METHOD_VEM;
    p.objective = SN_OBJ_TAIL;
    ck_assert_int_eq(sn_train_params_check(&p, NULL, &e), SN_EINVAL);
    /* hier with block placement: the first and last layers keep Bernoulli unit noise, whose
     * E[xi^-2] is infinite. */
    sn_train_params_default(&p);
    p.arch = SN_ARCH_RESNET;
    p.n_layers = 3;
    p.placement = SN_PLACE_BLOCKS;
    p.objective = SN_OBJ_HIER;
    p.sigma0 = 1.0;
    CHECK_OK(sn_noise_parse("invnakagami:3", &p.block_noise, NULL));
    ck_assert_int_eq(sn_train_params_check(&p, NULL, &e), SN_EUNSUPPORTED);
    ck_assert_msg(strstr(e.msg, "E[xi^-2]") != NULL, "%s", e.msg);
}
END_TEST

static Suite *params_suite(void)
{
    Suite *s = suite_create("params");
    TCase *tc = tcase_create("params");
    tcase_add_test(tc, defaults_are_the_papers);
    tcase_add_test(tc, set_by_name);
    tcase_add_test(tc, checks_name_the_problem);
    suite_add_tcase(s, tc);
    return s;
}

SN_TEST_MAIN(params_suite)
