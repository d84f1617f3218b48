/*
 * test_vem.c — variational EM (MATH.md §4): gradients of the ELBO in μ and ρ by finite
 * differences for every layer kind × estimator × prior structure (and for the authors'
 * variant), the scale step never lowering the ELBO, and shrinkage on data: ARD prunes the
 * irrelevant inputs of Friedman #1, ADD shrinks a superfluous residual block.
 */
#include "test_util.h"

#include "fd_check.h"

#include <string.h>

typedef struct {
    sn_arch arch;
    sn_activation act;
    sn_estimator est;
    sn_prior_structure prior;
    sn_hyper_family hyper;
    sn_variant variant;
} config;

static config configs[128];
static int n_configs;

static void make_configs(void)
{
    n_configs = 0;
    for (int a = 0; a < 2; a++)
        for (int f = 0; f < 2; f++)
            for (int e = 0; e < 3; e++)
                for (int pr = 0; pr < 4; pr++) {
                    if (a == SN_ARCH_MLP && (pr == SN_PRIOR_ADD || pr == SN_PRIOR_ARD_ADD))
                        continue;
                    /* Cycle through the hyper-priors; log-uniform has no ARD-ADD maximum. */
                    int h = (a + f + e + pr) % 3;
                    if (pr == SN_PRIOR_ARD_ADD && h == SN_HYPER_LOGUNIFORM)
                        h = SN_HYPER_HALFCAUCHY;
                    configs[n_configs++] =
                        (config){(sn_arch)a, (sn_activation)f, (sn_estimator)e,
                                 (sn_prior_structure)pr, (sn_hyper_family)h, SN_VARIANT_EXACT};
                }
    /* The authors' variant: its own layer and its gradient through the scale update. */
    for (int a = 0; a < 2; a++)
        for (int pr = 1; pr < 4; pr++) {
            if (a == SN_ARCH_MLP && pr != SN_PRIOR_ARD)
                continue;
            for (int h = 0; h < 2; h++)
                configs[n_configs++] = (config){(sn_arch)a, SN_ACT_TANH, SN_EST_FLIPOUT,
                                                (sn_prior_structure)pr, (sn_hyper_family)h,
                                                SN_VARIANT_AUTHORS};
        }
}

static void fill_params(sn_train_params *p, const config *c, int i)
{
    sn_train_params_default(p);
    p->method = SN_METHOD_VEM;
    p->arch = c->arch;
    p->activation = c->act;
    p->estimator = c->est;
    p->prior = c->prior;
    p->variant = c->variant;
    p->hyper.family = c->hyper;
    p->hyper.a = c->hyper == SN_HYPER_HALFCAUCHY ? 0.7 : 3.0;
    p->hyper.b = 3.0;
    p->n_layers = c->arch == SN_ARCH_RESNET ? 3 : 2;
    p->n_hidden = 4;
    p->n_samples = 3;
    p->batch_size = 5;
    p->learn_precision = true;
    p->precision = 2.3;
    p->seed = 101u + (unsigned)i;
}

/* The ELBO (34) is J(φ, v*(φ)) with the scales re-optimised at every evaluation, so central
 * differences of the objective test the stop-gradient gradient through the envelope theorem
 * (33) as well as the estimators' backward passes (26)-(28). For the authors' variant they test
 * its gradient through its own update. |a − n| / max(1, |a|, |n|) < 1e-6 on every coordinate. */
START_TEST(elbo_gradient)
{
    make_configs();
    ck_assert_int_lt(_i, n_configs);
    config c = configs[_i];
    sn_train_params p;
    fill_params(&p, &c, _i);
    sn_rng *r = sn_rng_new(7, (uint64_t)_i);
    sn_data *d = fd_random_data(7, 3, r);
    ck_assert_ptr_nonnull(d);
    sn_trainer *t = NULL;
    sn_error err = {0};
    ck_assert_msg(sn_trainer_new(&p, d, &t, &err) == SN_OK, "config %d: %s", _i, err.msg);
    size_t n = t->n_par;
    double *par = malloc(n * sizeof *par), *g = malloc(n * sizeof *g);
    memcpy(par, t->par, n * sizeof *par);
    /* High-entropy parameters: μ of both signs and order one, σ spread over (0.05, 0.5). */
    for (size_t l = 0; l < t->m->n_layers; l++) {
        const sn_layer *L = &t->m->layers[l];
        for (size_t k = 0; k < L->n_in * L->n_out; k++) {
            par[L->w_off + k] = 1.6 * sn_rng_uniform(r) - 0.8;
            double s = 0.05 + 0.45 * sn_rng_uniform(r);
            par[t->n_theta + L->w_off + k] =
                c.variant == SN_VARIANT_AUTHORS ? sn_softplus_inv(s * s) : sn_softplus_inv(s);
        }
        for (size_t j = 0; j < L->n_out; j++)
            par[L->b_off + j] = 0.3 * sn_rng_uniform(r) - 0.1;
    }
    uint64_t noise_seed = 99;
    sn_trainer_objective_grad(t, par, noise_seed, g);
    size_t worst_i;
    double worst = fd_worst(t, par, noise_seed, g, &worst_i);
    double norm_mu = norm_of(g, 0, t->n_theta), norm_rho = norm_of(g, t->n_theta, 2 * t->n_theta);
    ck_assert_msg(worst < 1e-6, "config %d (%s %s %s %s %s %s): coordinate %zu of %zu rel err %.3g",
                  _i, sn_arch_name(c.arch), sn_activation_name(c.act), sn_estimator_name(c.est),
                  sn_prior_name(c.prior), sn_hyper_family_name(c.hyper),
                  sn_variant_name(c.variant), worst_i, n, worst);
    ck_assert_msg(norm_mu > 1e-3 && norm_rho > 1e-6,
                  "config %d: gradient trivially small (mu %g, rho %g)", _i, norm_mu, norm_rho);
    free(par);
    free(g);
    sn_trainer_free(t);
    sn_data_free(d);
    sn_rng_free(r);
}
END_TEST

/* The scale step maximises the ELBO over the prior variances with μ, σ held: the prior term
 * (the only part that depends on them) never decreases, from any starting variances. */
START_TEST(scale_step_never_lowers_elbo)
{
    static const sn_prior_structure priors[] = {SN_PRIOR_ARD, SN_PRIOR_ADD, SN_PRIOR_ARD_ADD};
    static const char *hypers[] = {"invgamma:3,3", "halfcauchy:1", "loguniform",
                                   "invgamma:0.5,0.01"};
    for (int pi = 0; pi < 3; pi++)
        for (int hi = 0; hi < 4; hi++) {
            if (priors[pi] == SN_PRIOR_ARD_ADD && hi == 2)
                continue;
            sn_train_params p;
            sn_train_params_default(&p);
            p.method = SN_METHOD_VEM;
            p.arch = SN_ARCH_RESNET;
            p.n_layers = 3;
            p.n_hidden = 6;
            p.prior = priors[pi];
            CHECK_OK(sn_hyperprior_parse(hypers[hi], &p.hyper, NULL));
            sn_model *m = NULL;
            CHECK_OK(sn_model_alloc(&p, 4, 1, &m, NULL));
            sn_rng *r = sn_rng_new(5, (uint64_t)(pi * 10 + hi));
            double *mu = malloc(m->n_params * sizeof *mu), *rho = malloc(m->n_params * sizeof *rho);
            double *gm = calloc(m->n_params, sizeof *gm), *gr = calloc(m->n_params, sizeof *gr);
            for (int trial = 0; trial < 20; trial++) {
                for (size_t k = 0; k < m->n_params; k++) {
                    mu[k] = sn_rng_normal(r) * (0.05 + trial * 0.1);
                    rho[k] = sn_softplus_inv(0.01 + 0.3 * sn_rng_uniform(r));
                }
                for (size_t k = 0; k < m->n_rows_total; k++)
                    m->row_var[k] = exp(4.0 * sn_rng_uniform(r) - 2.0);
                for (size_t l = 0; l < m->n_layers; l++)
                    m->layer_var[l] = exp(4.0 * sn_rng_uniform(r) - 2.0);
                double before = sn_vem_prior_term(m, mu, rho, 100, gm, gr);
                CHECK_OK(sn_vem_update_scales(m, mu, rho, gm, NULL));
                double after = sn_vem_prior_term(m, mu, rho, 100, gm, gr);
                ck_assert_msg(after >= before - 1e-12 * fabs(before),
                              "%s %s trial %d: ELBO prior term fell from %.17g to %.17g",
                              sn_prior_name(p.prior), hypers[hi], trial, before, after);
                /* And it is a maximum: perturbing any free variance does not raise it (the
                 * row factor of an ADD block and the layer factor of an ARD layer are fixed
                 * at 1 and not part of the prior). */
                for (size_t l = 0; l < m->n_layers; l++) {
                    const sn_layer *L = &m->layers[l];
                    bool add_block = L->is_residual && p.prior != SN_PRIOR_ARD;
                    bool rows_free = !(L->is_residual && p.prior == SN_PRIOR_ADD);
                    for (size_t q = 0; q < L->n_in && rows_free; q += 2) {
                        double *v = &m->row_var[L->row_off + q], keep = *v;
                        for (int sgn = -1; sgn <= 1; sgn += 2) {
                            *v = keep * (1.0 + 0.01 * sgn);
                            double up = sn_vem_prior_term(m, mu, rho, 100, gm, gr);
                            ck_assert_msg(up <= after + 1e-12 * fabs(after),
                                          "layer %zu row %zu: %.17g > %.17g", l, q, up, after);
                        }
                        *v = keep;
                    }
                    if (add_block) {
                        double keep = m->layer_var[l];
                        for (int sgn = -1; sgn <= 1; sgn += 2) {
                            m->layer_var[l] = keep * (1.0 + 0.01 * sgn);
                            double up = sn_vem_prior_term(m, mu, rho, 100, gm, gr);
                            ck_assert_msg(up <= after + 1e-12 * fabs(after),
                                          "layer %zu block: %.17g > %.17g", l, up, after);
                        }
                        m->layer_var[l] = keep;
                    }
                }
            }
            free(mu);
            free(rho);
            free(gm);
            free(gr);
            sn_rng_free(r);
            sn_model_free(m);
        }
}
END_TEST

/* Row-scale means over a layer's rows r0..r1. */
static double mean_rows(const sn_layer_view *v, size_t r0, size_t r1)
{
    double s = 0.0;
    for (size_t r = r0; r < r1; r++)
        s += v->row_var[r];
    return s / (double)(r1 - r0);
}

/* Friedman #1 (inputs 6..10 irrelevant): ARD drives the first-layer prior variances of the
 * irrelevant inputs well below those of the relevant ones. Fixed seed; the margin asked (a
 * factor 3 between the largest irrelevant and the smallest relevant row) is far below what a
 * working ARD gives and far above what a broken one does (all rows alike). */
START_TEST(ard_prunes_irrelevant_inputs)
{
    sn_data *d = NULL;
    CHECK_OK(sn_data_friedman1(500, 10, 1.0, 3, &d, NULL));
    sn_train_params p;
    sn_train_params_default(&p);
    p.method = SN_METHOD_VEM;
    p.prior = SN_PRIOR_ARD;
    CHECK_OK(sn_hyperprior_parse("halfcauchy:1", &p.hyper, NULL));
    p.n_epochs = 300;
    sn_model *m = NULL;
    sn_error e = {0};
    ck_assert_msg(sn_train(&p, d, &m, &e) == SN_OK, "%s", e.msg);
    sn_layer_view v;
    CHECK_OK(sn_model_layer(m, 0, &v, NULL));
    double min_rel = INFINITY, max_irr = 0.0;
    for (size_t r = 0; r < 10; r++) {
        fprintf(stderr, "friedman ARD row %zu: prior variance %.4g\n", r + 1, v.row_var[r]);
        if (r < 5)
            min_rel = fmin(min_rel, v.row_var[r]);
        else
            max_irr = fmax(max_irr, v.row_var[r]);
    }
    ck_assert_msg(max_irr * 3.0 < min_rel,
                  "irrelevant rows not shrunk: largest irrelevant %g, smallest relevant %g",
                  max_irr, min_rel);
    fprintf(stderr, "friedman ARD: mean relevant %.4g, mean irrelevant %.4g\n",
            mean_rows(&v, 0, 5), mean_rows(&v, 5, 10));
    sn_model_free(m);
    sn_data_free(d);
}
END_TEST

/* A residual network deeper than the data needs: ADD shrinks at least one block's scale by an
 * order of magnitude relative to the largest. */
START_TEST(add_shrinks_a_block)
{
    sn_data *d = NULL;
    CHECK_OK(sn_data_friedman1(400, 5, 0.5, 4, &d, NULL));
    sn_train_params p;
    sn_train_params_default(&p);
    p.method = SN_METHOD_VEM;
    p.arch = SN_ARCH_RESNET;
    p.n_layers = 5;
    p.n_hidden = 20;
    p.prior = SN_PRIOR_ADD;
    CHECK_OK(sn_hyperprior_parse("halfcauchy:1", &p.hyper, NULL));
    p.n_epochs = 1000;
    sn_model *m = NULL;
    sn_error e = {0};
    ck_assert_msg(sn_train(&p, d, &m, &e) == SN_OK, "%s", e.msg);
    double lo = INFINITY, hi = 0.0;
    for (size_t l = 0; l < sn_model_n_layers(m); l++) {
        sn_layer_view v;
        CHECK_OK(sn_model_layer(m, l, &v, NULL));
        if (!v.is_residual)
            continue;
        fprintf(stderr, "ADD block %zu: prior variance %.4g\n", l, v.layer_var);
        lo = fmin(lo, v.layer_var);
        hi = fmax(hi, v.layer_var);
    }
    ck_assert_msg(lo * 10.0 < hi, "no block shrunk tenfold: smallest %g, largest %g", lo, hi);
    sn_model_free(m);
    sn_data_free(d);
}
END_TEST

/* Log-uniform ARD-ADD is refused (exit 2 at the CLI), with the reason (MATH.md §4). */
START_TEST(loguniform_ard_add_refused)
{
    sn_train_params p;
    sn_train_params_default(&p);
    p.method = SN_METHOD_VEM;
    p.arch = SN_ARCH_RESNET;
    p.n_layers = 2;
    p.prior = SN_PRIOR_ARD_ADD;
    CHECK_OK(sn_hyperprior_parse("loguniform", &p.hyper, NULL));
    sn_error e = {0};
    ck_assert_int_eq(sn_train_params_check(&p, NULL, &e), SN_EUNSUPPORTED);
    ck_assert_msg(strstr(e.msg, "no maximum") != NULL, "%s", e.msg);
}
END_TEST

static Suite *vem_suite(void)
{
    make_configs();
    Suite *s = suite_create("vem");
    TCase *tg = tcase_create("gradients");
    tcase_set_timeout(tg, 120);
    tcase_add_loop_test(tg, elbo_gradient, 0, n_configs);
    suite_add_tcase(s, tg);
    TCase *te = tcase_create("em");
    tcase_set_timeout(te, 300);
    tcase_add_test(te, scale_step_never_lowers_elbo);
    tcase_add_test(te, ard_prunes_irrelevant_inputs);
    tcase_add_test(te, add_shrinks_a_block);
    tcase_add_test(te, loguniform_ard_add_refused);
    suite_add_tcase(s, te);
    return s;
}

SN_TEST_MAIN(vem_suite)
