/*
 * test_params.c — parameter defaults, the checks of sn_train_params_check, and the table of
 * training parameters: setting fields by key (sn_train_params_set, used by the CLI and the
 * bindings), reading them back (sn_train_params_get), every limit and its message.
 */
#include "test_util.h"

#include <stdint.h>
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

/* ------------------------------------------------------------------------------------------ */
/* The table                                                                                   */
/* ------------------------------------------------------------------------------------------ */


/* Every key, in the order the CLI applies them: arch before hidden and layers (which override
 * its WxL), both noise specs before noise-raw, noise and sigma0 before gal-lengthscale, precision
 * before learn-precision. */
static const char *const KEYS[] = {
    "arch",      "hidden",     "layers",      "activation",      "likelihood", "classes",
    "method",    "noise",      "block-noise", "noise-raw",       "placement",  "input-noise",
    "objective", "samples",    "sigma0",      "gal-lengthscale", "prior",      "hyperprior",
    "estimator", "variant",    "precision",   "learn-precision", "optimizer",  "lr",
    "momentum",  "batch",      "epochs",      "seed",
};
#define N_KEYS (sizeof KEYS / sizeof KEYS[0])

START_TEST(table_lists_every_key_once)
{
    const sn_param_info *q;
    size_t n = 0;
    for (size_t i = 0; (q = sn_train_param_info(i)) != NULL; i++, n++) {
        ck_assert_msg(i < N_KEYS && strcmp(q->name, KEYS[i]) == 0, "entry %zu is %s, expected %s",
                      i, q->name, i < N_KEYS ? KEYS[i] : "(the end)");
        ck_assert_msg(q->help && q->help[0], "%s has no help", q->name);
        /* A value placeholder or a flag's value, never both. */
        ck_assert_msg((q->meta != NULL) != (q->flag_value != NULL), "%s: meta %s, flag %s",
                      q->name, q->meta ? q->meta : "NULL", q->flag_value ? q->flag_value : "NULL");
        /* The CLI offers every key but classes, which it infers from the labels. */
        ck_assert_msg((q->option == NULL) == (strcmp(q->name, "classes") == 0), "%s: option %s",
                      q->name, q->option ? q->option : "NULL");
        if (q->option && strcmp(q->name, "input-noise") != 0)
            ck_assert_str_eq(q->option, q->name);
        for (size_t j = 0; j < i; j++) {
            const sn_param_info *r = sn_train_param_info(j);
            ck_assert_msg(!q->option || !r->option || strcmp(q->option, r->option) != 0,
                          "option --%s twice", q->option);
            ck_assert_msg(!q->short_name || q->short_name != r->short_name, "-%c twice",
                          q->short_name);
        }
        /* A flag's value is one the key accepts. */
        if (q->flag_value) {
            sn_train_params p;
            sn_train_params_default(&p);
            CHECK_OK(sn_train_params_set(&p, q->name, q->flag_value, NULL));
        }
    }
    ck_assert_uint_eq(n, N_KEYS);
    ck_assert_ptr_null(sn_train_param_info(N_KEYS));
    ck_assert_ptr_null(sn_train_param_info(SIZE_MAX));
    ck_assert_str_eq(sn_train_param_info(0)->group, "model");
    ck_assert_str_eq(sn_train_param_info(11)->option, "no-input-noise");
    ck_assert_str_eq(sn_train_param_info(11)->flag_value, "false");
}
END_TEST

/* set(get(default)) is the identity for every key, and get writes what the CLI shows. */
START_TEST(get_then_set_is_the_identity)
{
    sn_train_params d;
    sn_train_params_default(&d);
    /* What --help shows as defaults; "" for none. */
    static const char *const shown[N_KEYS][2] = {
        {"arch", "mlp"},           {"hidden", "50"},
        {"layers", "1"},           {"activation", "relu"},
        {"likelihood", "gaussian"}, {"classes", "0"},
        {"method", "mc"},          {"noise", "bernoulli:0.995"},
        {"block-noise", ""},       {"noise-raw", "false"},
        {"placement", "units"},    {"input-noise", "true"},
        {"objective", "lb"},       {"samples", "10"},
        {"sigma0", "inf"},         {"gal-lengthscale", ""},
        {"prior", "ard"},          {"hyperprior", "invgamma:3,3"},
        {"estimator", "local"},    {"variant", "exact"},
        {"precision", "learn"},    {"learn-precision", "true"},
        {"optimizer", "adam"},     {"lr", "0.001"},
        {"momentum", "0"},         {"batch", "32"},
        {"epochs", "4500"},        {"seed", "1"},
    };
    for (size_t i = 0; i < N_KEYS; i++) {
        char text[SN_PARAM_VALUE_LEN], back[SN_PARAM_VALUE_LEN];
        sn_error e = {0};
        ck_assert_str_eq(shown[i][0], KEYS[i]);
        CHECK_OK(sn_train_params_get(&d, KEYS[i], text, sizeof text, &e));
        ck_assert_msg(strcmp(text, shown[i][1]) == 0, "%s: get wrote \"%s\", expected \"%s\"",
                      KEYS[i], text, shown[i][1]);
        if (!text[0])
            continue; /* gal-lengthscale, and block-noise while it is the unit noise */
        sn_train_params q;
        sn_train_params_default(&q);
        ck_assert_msg(sn_train_params_set(&q, KEYS[i], text, &e) == SN_OK, "%s = \"%s\": %s",
                      KEYS[i], text, e.msg);
        check_same_params(&d, &q, KEYS[i]);
        CHECK_OK(sn_train_params_get(&q, KEYS[i], back, sizeof back, NULL));
        ck_assert_str_eq(back, text);
    }
}
END_TEST

/* Parameters set by key read back through the table: every key's text, applied in table order to
 * the defaults, gives the same parameters. */
START_TEST(values_read_back)
{
    static const char *const cases[][24] = {
        {"arch", "resnet:20x3", "placement", "units+blocks", "noise", "gaussian:0.25",
         "block-noise", "invnakagami:3,1.5", "noise-raw", "true", "objective", "iw", "samples",
         "7", "sigma0", "2.385", "input-noise", "false", "seed", "18446744073709551615", NULL},
        {"method", "vem", "prior", "ard-add", "arch", "resnet:50x2", "hyperprior",
         "halfcauchy:0.5", "estimator", "flipout", "variant", "authors", "precision", "0.75",
         "learn-precision", "true", "optimizer", "sgd", "lr", "0.1", "momentum", "0.9", NULL},
        /* halfcauchy is raw by itself: noise-raw stays false, the block noise keeps mean one. */
        {"noise", "halfcauchy:0.3", "block-noise", "bernoulli:0.9", "arch", "resnet",
         "placement", "blocks", "batch", "7", "epochs", "12", NULL},
        {"likelihood", "categorical", "classes", "5", "activation", "tanh", "noise",
         "bernoulli:0.9", "gal-lengthscale", "0.01", NULL},
        {"precision", "2.5", "noise", "none", "noise-raw", "true", "hidden", "3", "layers", "4",
         NULL},
        {"sigma0", "1e-300", "lr", "1e300", "momentum", "0.999999", "batch", "1000000000",
         "epochs", "1000000000000", "seed", "0", NULL},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        sn_train_params p, q;
        sn_error e = {0};
        char what[32];
        snprintf(what, sizeof what, "case %zu", c);
        sn_train_params_default(&p);
        for (size_t k = 0; cases[c][k]; k += 2)
            ck_assert_msg(sn_train_params_set(&p, cases[c][k], cases[c][k + 1], &e) == SN_OK,
                          "%s: %s = %s: %s", what, cases[c][k], cases[c][k + 1], e.msg);
        CHECK_OK(sn_train_params_check(&p, NULL, NULL));
        sn_train_params_default(&q);
        for (size_t i = 0; i < N_KEYS; i++) {
            char text[SN_PARAM_VALUE_LEN];
            CHECK_OK(sn_train_params_get(&p, KEYS[i], text, sizeof text, NULL));
            if (text[0])
                ck_assert_msg(sn_train_params_set(&q, KEYS[i], text, &e) == SN_OK,
                              "%s: %s read back as \"%s\": %s", what, KEYS[i], text, e.msg);
        }
        check_same_params(&p, &q, what);
    }
}
END_TEST

/* Every limit of the table: its ends are accepted, the values just beyond them refused with a
 * message naming the key, the range and the value. */
START_TEST(every_limit_is_refused_by_name)
{
    static const struct {
        const char *key, *lo, *hi, *below, *above, *range;
    } lim[] = {
        {"hidden", "1", "100000", "0", "100001", "an integer in [1, 100000]"},
        {"layers", "1", "1000", "0", "1001", "an integer in [1, 1000]"},
        {"classes", "0", "1000000", NULL, "1000001", "an integer in [0, 1000000]"},
        {"samples", "1", "100000", "0", "100001", "an integer in [1, 100000]"},
        {"sigma0", "1e-300", "inf", "9.9e-301", NULL, "a number in [1e-300, inf]"},
        {"gal-lengthscale", "1e-300", "1e300", "9.9e-301", "1.1e300",
         "a number in [1e-300, 1e+300]"},
        {"precision", "1e-300", "1e300", "9.9e-301", "1.1e300",
         "learn or a number in [1e-300, 1e+300]"},
        {"lr", "1e-300", "1e300", "9.9e-301", "1.1e300", "a number in [1e-300, 1e+300]"},
        {"momentum", "0", "0.999999", "-1e-300", "0.9999991", "a number in [0, 0.999999]"},
        {"batch", "1", "1000000000", "0", "1000000001", "an integer in [1, 1000000000]"},
        {"epochs", "1", "1000000000000", "0", "1000000000001",
         "an integer in [1, 1000000000000]"},
        {"seed", "0", "18446744073709551615", NULL, "18446744073709551616",
         "an integer in [0, 18446744073709551615]"},
    };
    for (size_t i = 0; i < sizeof lim / sizeof lim[0]; i++) {
        const char *bad[] = {lim[i].below, lim[i].above, "x", "", " 1", "1 ", "nan", "-inf"};
        sn_train_params p;
        sn_train_params_default(&p);
        sn_error e = {0};
        ck_assert_msg(sn_train_params_set(&p, lim[i].key, lim[i].lo, &e) == SN_OK, "%s = %s: %s",
                      lim[i].key, lim[i].lo, e.msg);
        ck_assert_msg(sn_train_params_set(&p, lim[i].key, lim[i].hi, &e) == SN_OK, "%s = %s: %s",
                      lim[i].key, lim[i].hi, e.msg);
        for (size_t j = 0; j < sizeof bad / sizeof bad[0]; j++) {
            if (!bad[j])
                continue;
            char want[256];
            snprintf(want, sizeof want, "%s: expected %s, found \"%s\"", lim[i].key,
                     lim[i].range, bad[j]);
            ck_assert_msg(sn_train_params_set(&p, lim[i].key, bad[j], &e) == SN_EINVAL,
                          "%s = \"%s\" accepted", lim[i].key, bad[j]);
            ck_assert_str_eq(e.msg, want);
        }
    }
    /* The names of every enum, from names.c. */
    static const char *const names[][2] = {
        {"activation", "relu or tanh"},
        {"likelihood", "gaussian, bernoulli or categorical"},
        {"method", "mc or vem"},
        {"placement", "units, weights, blocks or units+blocks"},
        {"objective", "lb, iw, tail or hier"},
        {"prior", "none, ard, add or ard-add"},
        {"estimator", "local, reparam or flipout"},
        {"variant", "exact or authors"},
        {"optimizer", "adam or sgd"},
        {"input-noise", "true, false, 1 or 0"},
        {"learn-precision", "true, false, 1 or 0"},
        {"noise-raw", "true, false, 1 or 0"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        sn_train_params p;
        sn_train_params_default(&p);
        sn_error e = {0};
        char want[256];
        snprintf(want, sizeof want, "%s: expected %s, found \"RELU\"", names[i][0], names[i][1]);
        ck_assert_int_eq(sn_train_params_set(&p, names[i][0], "RELU", &e), SN_EINVAL);
        ck_assert_str_eq(e.msg, want);
    }
    /* Every key refuses junk with a message that begins with the key, and leaves p as it was. */
    for (size_t i = 0; i < N_KEYS; i++) {
        sn_train_params p, d;
        sn_train_params_default(&p);
        sn_train_params_default(&d);
        sn_error e = {0};
        char head[64];
        snprintf(head, sizeof head, "%s: ", KEYS[i]);
        ck_assert_int_eq(sn_train_params_set(&p, KEYS[i], "?!", &e), SN_EINVAL);
        ck_assert_msg(strncmp(e.msg, head, strlen(head)) == 0, "\"%s\" does not begin with %s",
                      e.msg, head);
        check_same_params(&d, &p, KEYS[i]);
    }
}
END_TEST

START_TEST(arch_sets_hidden_and_layers)
{
    sn_train_params p;
    sn_error e = {0};
    sn_train_params_default(&p);
    CHECK_OK(sn_train_params_set(&p, "arch", "resnet", NULL));
    ck_assert_uint_eq(p.n_layers, 2); /* one residual block */
    CHECK_OK(sn_train_params_set(&p, "layers", "5", NULL));
    CHECK_OK(sn_train_params_set(&p, "arch", "resnet", NULL));
    ck_assert_uint_eq(p.n_layers, 5);
    CHECK_OK(sn_train_params_set(&p, "arch", "mlp:100000x1000", NULL));
    ck_assert_int_eq(p.arch, SN_ARCH_MLP);
    ck_assert_uint_eq(p.n_hidden, 100000);
    ck_assert_uint_eq(p.n_layers, 1000);
    static const char *const bad[] = {
        "resnet:0x2",  "resnet:100001x2", "resnet:20x0",  "resnet:20x1001", "resnet:+20x3",
        "resnet: 20x3", "resnet:20x",     "resnet:x3",    "resnet:20x3x",   "resnet:20",
        "resnet:",     "resnetwork:2x2",  "",             "cnn",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sn_train_params q = p;
        char want[256];
        snprintf(want, sizeof want,
                 "arch: expected mlp or resnet, optionally :WxL with W in [1, 100000] and L in "
                 "[1, 1000] (e.g. resnet:50x2), found \"%s\"",
                 bad[i]);
        ck_assert_msg(sn_train_params_set(&q, "arch", bad[i], &e) == SN_EINVAL, "%s accepted",
                      bad[i]);
        ck_assert_str_eq(e.msg, want);
        check_same_params(&p, &q, bad[i]);
    }
}
END_TEST

START_TEST(noise_raw_reaches_the_block_noise)
{
    sn_train_params p;
    char text[SN_PARAM_VALUE_LEN];
    sn_train_params_default(&p);
    CHECK_OK(sn_train_params_set(&p, "block-noise", "gaussian:0.3", NULL));
    CHECK_OK(sn_train_params_set(&p, "noise-raw", "false", NULL));
    ck_assert(p.noise.mean_one && p.block_noise.mean_one);
    CHECK_OK(sn_train_params_set(&p, "noise-raw", "true", NULL));
    ck_assert(!p.noise.mean_one && !p.block_noise.mean_one);
    CHECK_OK(sn_train_params_get(&p, "noise-raw", text, sizeof text, NULL));
    ck_assert_str_eq(text, "true");
    /* A spec parsed afterwards scales again: noise-raw comes after both in the table. */
    CHECK_OK(sn_train_params_set(&p, "block-noise", "gaussian:0.3", NULL));
    ck_assert(p.block_noise.mean_one);
    /* "false" leaves the specs alone; halfcauchy is raw by itself. */
    CHECK_OK(sn_train_params_set(&p, "noise", "halfcauchy:1", NULL));
    CHECK_OK(sn_train_params_set(&p, "noise-raw", "false", NULL));
    ck_assert(!p.noise.mean_one && p.block_noise.mean_one);
    CHECK_OK(sn_train_params_get(&p, "noise-raw", text, sizeof text, NULL));
    ck_assert_str_eq(text, "false");
}
END_TEST

START_TEST(gal_lengthscale_sets_sigma0)
{
    sn_train_params p;
    char text[SN_PARAM_VALUE_LEN];
    sn_train_params_default(&p);
    CHECK_OK(sn_train_params_set(&p, "noise", "bernoulli:0.9", NULL));
    CHECK_OK(sn_train_params_set(&p, "gal-lengthscale", "0.01", NULL));
    ck_assert(same_bits(p.sigma0, sn_gal_sigma0(0.01, 0.9)));
    CHECK_OK(sn_train_params_get(&p, "gal-lengthscale", text, sizeof text, NULL));
    ck_assert_str_eq(text, "");
    /* Noise other than Bernoulli drops nothing: keep 1. */
    CHECK_OK(sn_train_params_set(&p, "noise", "gaussian:0.5", NULL));
    CHECK_OK(sn_train_params_set(&p, "gal-lengthscale", "0.01", NULL));
    ck_assert(same_bits(p.sigma0, sn_gal_sigma0(0.01, 1.0)));
    CHECK_OK(sn_train_params_get(&p, "sigma0", text, sizeof text, NULL));
    ck_assert_str_eq(text, "141.4213562373095");
}
END_TEST

START_TEST(precision_fixed_or_learned)
{
    sn_train_params p;
    char text[SN_PARAM_VALUE_LEN];
    sn_train_params_default(&p);
    CHECK_OK(sn_train_params_set(&p, "precision", "2.5", NULL));
    ck_assert(!p.learn_precision);
    CHECK_OK(sn_train_params_set(&p, "learn-precision", "true", NULL));
    ck_assert(p.learn_precision);
    CHECK_NEAR(p.precision, 2.5, 0);
    CHECK_OK(sn_train_params_get(&p, "precision", text, sizeof text, NULL));
    ck_assert_str_eq(text, "2.5"); /* the start; learn-precision says it is learned */
    CHECK_OK(sn_train_params_set(&p, "precision", "learn", NULL));
    ck_assert(p.learn_precision && p.precision == 0.0);
    CHECK_OK(sn_train_params_get(&p, "precision", text, sizeof text, NULL));
    ck_assert_str_eq(text, "learn");
}
END_TEST

START_TEST(get_refuses_unknown_keys_and_short_buffers)
{
    sn_train_params p;
    sn_error e = {0};
    char text[SN_PARAM_VALUE_LEN];
    sn_train_params_default(&p);
    ck_assert_int_eq(sn_train_params_get(&p, "nope", text, sizeof text, &e), SN_EINVAL);
    ck_assert_str_eq(e.msg, "unknown parameter \"nope\"");
    ck_assert_int_eq(sn_train_params_get(&p, "noise", text, 15, &e), SN_EINVAL);
    ck_assert_str_eq(e.msg,
                     "noise: the value \"bernoulli:0.995\" needs 16 bytes, the buffer has 15");
    CHECK_OK(sn_train_params_get(&p, "noise", text, 16, NULL));
    ck_assert_int_eq(sn_train_params_get(&p, "hidden", text, 0, &e), SN_EINVAL);
    ck_assert_int_eq(sn_train_params_get(NULL, "hidden", text, sizeof text, &e), SN_EINVAL);
    ck_assert_int_eq(sn_train_params_set(&p, NULL, "1", &e), SN_EINVAL);
    ck_assert_int_eq(sn_train_params_set(&p, "hidden", NULL, &e), SN_EINVAL);
}
END_TEST

/* sn_train_params_check refuses p with the message want. */
static void check_refuses(const sn_train_params *p, const char *want)
{
    sn_error e = {0};
    ck_assert_int_eq(sn_train_params_check(p, NULL, &e), SN_EINVAL);
    ck_assert_str_eq(e.msg, want);
}

/* sn_train_params_check meets the table's limits, with its messages and the field in words. */
START_TEST(check_meets_the_table_limits)
{
    sn_train_params p;
    sn_train_params_default(&p);
    p.n_hidden = 100001;
    check_refuses(&p, "hidden (units per hidden layer): expected an integer in [1, 100000], "
                      "found 100001");
    sn_train_params_default(&p);
    p.batch_size = 0;
    check_refuses(&p, "batch (minibatch size): expected an integer in [1, 1000000000], found 0");
    sn_train_params_default(&p);
    p.n_epochs = 0;
    check_refuses(&p, "epochs: expected an integer in [1, 1000000000000], found 0");
    sn_train_params_default(&p);
    p.momentum = 0.9999999;
    check_refuses(&p, "momentum (SGD momentum): expected a number in [0, 0.999999], found "
                      "0.9999999");
    sn_train_params_default(&p);
    p.learning_rate = NAN;
    check_refuses(&p, "lr (learning rate): expected a number in [1e-300, 1e+300], found nan");
    sn_train_params_default(&p);
    p.sigma0 = 0.0;
    check_refuses(&p, "sigma0 (prior std of the L2 term): expected a number in [1e-300, inf], "
                      "found 0");
    /* A learned precision may start from 0 (the default start); a fixed one may not. */
    sn_train_params_default(&p);
    CHECK_OK(sn_train_params_check(&p, NULL, NULL));
    p.learn_precision = false;
    check_refuses(&p, "precision (noise precision): expected a number in [1e-300, 1e+300], "
                      "found 0");
}
END_TEST

static Suite *params_suite(void)
{
    Suite *s = suite_create("params");
    TCase *tc = tcase_create("params");
    tcase_add_test(tc, defaults_are_the_papers);
    tcase_add_test(tc, set_by_name);
    tcase_add_test(tc, checks_name_the_problem);
    tcase_add_test(tc, table_lists_every_key_once);
    tcase_add_test(tc, get_then_set_is_the_identity);
    tcase_add_test(tc, values_read_back);
    tcase_add_test(tc, every_limit_is_refused_by_name);
    tcase_add_test(tc, arch_sets_hidden_and_layers);
    tcase_add_test(tc, noise_raw_reaches_the_block_noise);
    tcase_add_test(tc, gal_lengthscale_sets_sigma0);
    tcase_add_test(tc, precision_fixed_or_learned);
    tcase_add_test(tc, get_refuses_unknown_keys_and_short_buffers);
    tcase_add_test(tc, check_meets_the_table_limits);
    suite_add_tcase(s, tc);
    return s;
}

SN_TEST_MAIN(params_suite)
