/*
 * test_grad.c — finite-difference checks of the exact backward pass for every layer kind
 * (MLP, residual block; ReLU, tanh) × noise placement (units, weights, blocks, units+blocks)
 * × objective (lb, iw, tail, hier), including the L2 term and the learned noise precision.
 *
 * The noise is frozen by reseeding before every evaluation, so the objective is a
 * deterministic function of the parameters. Central differences in double with
 * h = 1e-6·max(1, |θ|); every coordinate is checked with |a − n| / max(1, |a|, |n|) < 1e-6.
 * Inputs are high-entropy (uniform reals) and biases non-zero, away from ReLU kinks.
 */
#include "test_util.h"

#include "fd_check.h"

#include <string.h>

typedef struct {
    sn_arch arch;
    sn_activation act;
    sn_placement place;
    sn_objective obj;
} config;

static config configs[64];
static int n_configs;

static void make_configs(void)
{
    n_configs = 0;
    for (int a = 0; a < 2; a++)
        for (int f = 0; f < 2; f++)
            for (int pl = 0; pl < 4; pl++)
                for (int o = 0; o < 4; o++) {
                    if (a == SN_ARCH_MLP && pl >= SN_PLACE_BLOCKS)
                        continue;
                    configs[n_configs++] = (config){(sn_arch)a, (sn_activation)f,
                                                    (sn_placement)pl, (sn_objective)o};
                }
}

static const char *noise_for(int i, sn_objective o)
{
    if (o == SN_OBJ_HIER)
        return "invnakagami:3,2";
    static const char *specs[] = {"bernoulli:0.7", "gaussian:0.3", "rayleigh", "beta:2,3",
                                  "uniform:0.2,1.4", "invnakagami:1.5"};
    return specs[i % 6];
}

START_TEST(gradient_matches_differences)
{
    make_configs();
    ck_assert_int_lt(_i, n_configs);
    config c = configs[_i];
    sn_train_params p;
    sn_train_params_default(&p);
    p.arch = c.arch;
    p.activation = c.act;
    p.placement = c.place;
    p.objective = c.obj;
    p.n_layers = c.arch == SN_ARCH_RESNET ? 3 : 2;
    p.n_hidden = 4;
    p.n_samples = 3;
    p.batch_size = 5;
    p.sigma0 = 1.7;
    p.learn_precision = true;
    p.precision = 2.3;
    p.seed = 11u + (unsigned)_i;
    CHECK_OK(sn_noise_parse(noise_for(_i, c.obj), &p.noise, NULL));
    CHECK_OK(sn_noise_parse(c.obj == SN_OBJ_HIER ? "uniform:0.5,1.5" : "gaussian:0.2",
                            &p.block_noise, NULL));

    sn_rng *r = sn_rng_new(99, (uint64_t)_i);
    sn_data *d = fd_random_data(7, 3, r);
    ck_assert_ptr_nonnull(d);
    sn_trainer *t = NULL;
    sn_error err = {0};
    sn_status st = sn_trainer_new(&p, d, &t, &err);
    ck_assert_msg(st == SN_OK, "config %d: %s", _i, err.msg);

    size_t n = t->n_par;
    double *par = malloc(n * sizeof *par), *g = malloc(n * sizeof *g);
    memcpy(par, t->par, n * sizeof *par);
    /* Non-zero biases, so that no pre-activation sits on a kink by construction. */
    for (size_t l = 0; l < t->m->n_layers; l++)
        for (size_t j = 0; j < t->m->layers[l].n_out; j++)
            par[t->m->layers[l].b_off + j] = 0.1 + 0.37 * sn_rng_uniform(r) - 0.2;
    uint64_t noise_seed = 4242;
    sn_trainer_objective_grad(t, par, noise_seed, g);
    size_t worst_i;
    double worst = fd_worst(t, par, noise_seed, g, &worst_i), norm = norm_of(g, 0, n);
    ck_assert_msg(worst < 1e-6, "config %d (%s %s %s %s): coordinate %zu rel err %.3g", _i,
                  sn_arch_name(c.arch), sn_activation_name(c.act), sn_placement_name(c.place),
                  sn_objective_name(c.obj), worst_i, worst);
    ck_assert_msg(norm > 1e-3, "config %d: gradient is trivially small (%g)", _i, norm);
    free(par);
    free(g);
    sn_trainer_free(t);
    sn_data_free(d);
    sn_rng_free(r);
}
END_TEST

/* Classification likelihoods (logistic and softmax) under each MC objective, and under the
 * variational EM: the same finite-difference check. */
START_TEST(classification_gradient)
{
    static const sn_objective objs[] = {SN_OBJ_LB, SN_OBJ_IW, SN_OBJ_TAIL};
    int lik = _i / 8, rest = _i % 8;
    sn_train_params p;
    sn_train_params_default(&p);
    p.likelihood = lik ? SN_LIK_CATEGORICAL : SN_LIK_BERNOULLI;
    p.arch = rest % 2 ? SN_ARCH_RESNET : SN_ARCH_MLP;
    p.n_layers = p.arch == SN_ARCH_RESNET ? 3 : 2;
    p.activation = SN_ACT_TANH;
    if (rest / 2 < 3) {
        p.objective = objs[rest / 2];
    } else {
        p.method = SN_METHOD_VEM;
        p.prior = SN_PRIOR_ARD;
    }
    p.n_hidden = 4;
    p.n_samples = 3;
    p.batch_size = 6;
    p.seed = 3u + (unsigned)_i;
    CHECK_OK(sn_noise_parse("gaussian:0.4", &p.noise, NULL));
    enum { N = 9, D = 3 };
    double x[N * D], y[N];
    sn_rng *r = sn_rng_new(17, (uint64_t)_i);
    for (int i = 0; i < N * D; i++)
        x[i] = 4.0 * sn_rng_uniform(r) - 2.0;
    for (int i = 0; i < N; i++)
        y[i] = (double)(i % (lik ? 3 : 2));
    sn_data *d = NULL;
    CHECK_OK(sn_data_new(x, y, N, D, &d, NULL));
    sn_trainer *t = NULL;
    sn_error err = {0};
    ck_assert_msg(sn_trainer_new(&p, d, &t, &err) == SN_OK, "%s", err.msg);
    ck_assert_uint_eq(t->m->n_out, lik ? 3u : 1u);
    size_t n = t->n_par;
    double *par = malloc(n * sizeof *par), *g = malloc(n * sizeof *g);
    memcpy(par, t->par, n * sizeof *par);
    for (size_t k = 0; k < t->m->n_params; k++)
        par[k] += 0.5 * sn_rng_uniform(r) - 0.25;
    sn_trainer_objective_grad(t, par, 77, g);
    size_t worst_i;
    double worst = fd_worst(t, par, 77, g, &worst_i), norm = norm_of(g, 0, n);
    ck_assert_msg(worst < 1e-6, "case %d (%s, %s): coordinate %zu rel err %.3g", _i,
                  sn_likelihood_name(p.likelihood), sn_method_name(p.method), worst_i, worst);
    ck_assert(norm > 1e-3);
    free(par);
    free(g);
    sn_trainer_free(t);
    sn_data_free(d);
    sn_rng_free(r);
}
END_TEST

/* The paths of src/net that the configurations above (4 hidden units, keep 0.7) do not take:
 * one hidden layer with Bernoulli noise of a small drop rate (rows grouped into sources, the
 * dropped units as geometric gaps), with and without input noise, under each MC objective, and
 * wider layers (12 units: the reuse of equal rows and the runs of equal rows in ∂W). */
START_TEST(wide_and_sparse_paths)
{
    static const char *noises[] = {"bernoulli:0.9", "bernoulli:0.97", "bernoulli:1",
                                   "bernoulli:0.6", "gaussian:0.2"};
    int nz = _i % 5, on_input = (_i / 5) % 2, o = (_i / 10) % 3, deep = _i / 30;
    sn_train_params p;
    sn_train_params_default(&p);
    p.objective = (sn_objective)o;
    p.n_layers = deep ? 2 : 1;
    p.n_hidden = 12;
    p.n_samples = 4;
    p.batch_size = 5;
    p.noise_on_input = on_input;
    p.sigma0 = 1.7;
    p.precision = 2.3;
    p.seed = 300u + (unsigned)_i;
    CHECK_OK(sn_noise_parse(noises[nz], &p.noise, NULL));
    sn_rng *r = sn_rng_new(31, (uint64_t)_i);
    sn_data *d = fd_random_data(8, 3, r);
    ck_assert_ptr_nonnull(d);
    sn_trainer *t = NULL;
    sn_error err = {0};
    ck_assert_msg(sn_trainer_new(&p, d, &t, &err) == SN_OK, "case %d: %s", _i, err.msg);
    size_t n = t->n_par;
    double *par = malloc(n * sizeof *par), *g = malloc(n * sizeof *g);
    memcpy(par, t->par, n * sizeof *par);
    for (size_t l = 0; l < t->m->n_layers; l++)
        for (size_t j = 0; j < t->m->layers[l].n_out; j++)
            par[t->m->layers[l].b_off + j] = 0.1 + 0.37 * sn_rng_uniform(r) - 0.2;
    sn_trainer_objective_grad(t, par, 4242, g);
    size_t worst_i;
    double worst = fd_worst(t, par, 4242, g, &worst_i), norm = norm_of(g, 0, n);
    ck_assert_msg(worst < 1e-6, "case %d (%s, input noise %d, %s, %zu hidden layers): "
                  "coordinate %zu rel err %.3g", _i, noises[nz], on_input,
                  sn_objective_name(p.objective), p.n_layers, worst_i, worst);
    ck_assert_msg(norm > 1e-3, "case %d: gradient is trivially small (%g)", _i, norm);
    free(par);
    free(g);
    sn_trainer_free(t);
    sn_data_free(d);
    sn_rng_free(r);
}
END_TEST

START_TEST(noise_is_frozen_by_seed)
{
    /* The same seed gives the same objective bits; another seed another value. */
    sn_train_params p;
    sn_train_params_default(&p);
    p.n_hidden = 5;
    p.batch_size = 4;
    p.noise.p[0] = 0.6;
    double x[12] = {0.3, -1.2, 2.2, 0.7, 1.1, -0.4, 0.9, 0.1, -2.0, 0.25, 1.7, -0.8};
    double y[6] = {0.5, -0.2, 1.3, 0.1, -1.1, 0.4};
    sn_data *d = NULL;
    CHECK_OK(sn_data_new(x, y, 6, 2, &d, NULL));
    sn_trainer *t = NULL;
    CHECK_OK(sn_trainer_new(&p, d, &t, NULL));
    double *par = malloc(t->n_par * sizeof *par), *g = malloc(t->n_par * sizeof *g);
    memcpy(par, t->par, t->n_par * sizeof *par);
    double a = sn_trainer_objective_grad(t, par, 5, g);
    double b = sn_trainer_objective_grad(t, par, 5, g);
    double c = sn_trainer_objective_grad(t, par, 6, g);
    ck_assert(memcmp(&a, &b, sizeof a) == 0);
    ck_assert(a != c);
    free(par);
    free(g);
    sn_trainer_free(t);
    sn_data_free(d);
}
END_TEST

static Suite *grad_suite(void)
{
    make_configs();
    Suite *s = suite_create("grad");
    TCase *tc = tcase_create("finite differences");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, gradient_matches_differences, 0, n_configs);
    tcase_add_loop_test(tc, classification_gradient, 0, 16);
    tcase_add_loop_test(tc, wide_and_sparse_paths, 0, 60);
    tcase_add_test(tc, noise_is_frozen_by_seed);
    suite_add_tcase(s, tc);
    return s;
}

SN_TEST_MAIN(grad_suite)
