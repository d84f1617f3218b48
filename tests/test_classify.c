/*
 * test_classify.c — classification on real data: MC dropout on iris and breast cancer (a fixed
 * 80/20 split drawn with a seed) reaches the accuracies, and its calibration is
 * compared with the same network trained without noise. Label checks and metric definitions.
 */
#include "test_util.h"

#include <string.h>

/* Rows of d shuffled with seed, first 80% for training, the rest for test. */
static void split_80_20(const sn_data *d, uint64_t seed, sn_data **train, sn_data **test)
{
    size_t n = sn_data_n_rows(d), n_train = n * 8 / 10;
    size_t *idx = malloc(n * sizeof *idx);
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    sn_rng *r = sn_rng_new(seed, 0);
    sn_rng_shuffle(r, idx, n);
    CHECK_OK(sn_data_subset(d, idx, n_train, train, NULL));
    CHECK_OK(sn_data_subset(d, idx + n_train, n - n_train, test, NULL));
    sn_rng_free(r);
    free(idx);
}

static void fit_and_score(const char *file, sn_likelihood lik, const char *noise, size_t epochs,
                          sn_metrics *out)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/classification/%s", sn_test_shared(), file);
    sn_csv_options co;
    sn_csv_options_default(&co);
    co.target = "label";
    sn_data *d = NULL, *train = NULL, *test = NULL;
    sn_error e = {0};
    ck_assert_msg(sn_data_read_csv(path, &co, &d, &e) == SN_OK, "%s", e.msg);
    split_80_20(d, 2024, &train, &test);
    sn_train_params p;
    sn_train_params_default(&p);
    p.likelihood = lik;
    p.n_epochs = epochs;
    CHECK_OK(sn_noise_parse(noise, &p.noise, NULL));
    sn_model *m = NULL;
    ck_assert_msg(sn_train(&p, train, &m, &e) == SN_OK, "%s", e.msg);
    CHECK_OK(sn_evaluate(m, test, 500, 1, out, NULL));
    fprintf(stderr, "%s, noise %s, %zu epochs: accuracy %.4f ll %.4f brier %.4f ece %.4f\n",
            file, noise, epochs, out->accuracy, out->ll, out->brier, out->ece);
    sn_model_free(m);
    sn_data_free(d);
    sn_data_free(train);
    sn_data_free(test);
}

/* The targets: accuracy >= 0.9 on iris and >= 0.95 on breast cancer with MC dropout.
 * Calibration: the ECE of MC dropout is compared with the noise-free network's and both are
 * printed; the comparison itself is reported, not asserted (the issue allows either outcome,
 * to be stated in the closing note). */
START_TEST(iris_and_breast_cancer)
{
    sn_metrics drop, plain;
    fit_and_score("iris.csv", SN_LIK_CATEGORICAL, "bernoulli:0.9", 300, &drop);
    fit_and_score("iris.csv", SN_LIK_CATEGORICAL, "none", 300, &plain);
    ck_assert_msg(drop.accuracy >= 0.9, "iris accuracy %g < 0.9", drop.accuracy);
    fprintf(stderr, "iris ECE: dropout %.4f vs no noise %.4f (%s)\n", drop.ece, plain.ece,
            drop.ece < plain.ece ? "dropout better calibrated" : "dropout NOT better calibrated");
    fit_and_score("breast_cancer.csv", SN_LIK_BERNOULLI, "bernoulli:0.9", 200, &drop);
    fit_and_score("breast_cancer.csv", SN_LIK_BERNOULLI, "none", 200, &plain);
    ck_assert_msg(drop.accuracy >= 0.95, "breast cancer accuracy %g < 0.95", drop.accuracy);
    fprintf(stderr, "breast cancer ECE: dropout %.4f vs no noise %.4f (%s)\n", drop.ece,
            plain.ece,
            drop.ece < plain.ece ? "dropout better calibrated" : "dropout NOT better calibrated");
}
END_TEST

/* Labels outside 0..K-1 are bad data naming the row. */
START_TEST(bad_labels)
{
    double x[8 * 2], y[8] = {0, 1, 2, 1, 0, 2.5, 1, 0};
    for (int i = 0; i < 16; i++)
        x[i] = 0.1 * i;
    sn_data *d = NULL;
    CHECK_OK(sn_data_new(x, y, 8, 2, &d, NULL));
    sn_train_params p;
    sn_train_params_default(&p);
    p.batch_size = 4;
    p.n_epochs = 1;
    p.likelihood = SN_LIK_CATEGORICAL;
    sn_model *m = NULL;
    sn_error e = {0};
    ck_assert_int_eq(sn_train(&p, d, &m, &e), SN_EDATA);
    ck_assert_msg(strstr(e.msg, "row 6") != NULL, "%s", e.msg);
    p.likelihood = SN_LIK_BERNOULLI;
    y[5] = 1.0; /* now 2 is the offender, at row 3 */
    sn_data_free(d);
    CHECK_OK(sn_data_new(x, y, 8, 2, &d, NULL));
    ck_assert_int_eq(sn_train(&p, d, &m, &e), SN_EDATA);
    ck_assert_msg(strstr(e.msg, "row 3") != NULL, "%s", e.msg);
    sn_data_free(d);
}
END_TEST

/* Hand-worked metrics: 3 points, 2 classes. p = (0.9, 0.1) y=0; (0.3, 0.7) y=1; (0.6, 0.4) y=1.
 * accuracy 2/3; ll = (log .9 + log .7 + log .4)/3; brier = (2·.01 + 2·.09 + 2·.36)/3;
 * confidences .9, .7, .6 fall in bins 13, 10, 9 (of 15): ECE = (|1−.9| + |1−.7| + |0−.6|)/3. */
START_TEST(metric_definitions)
{
    double proba[6] = {0.9, 0.1, 0.3, 0.7, 0.6, 0.4}, y[3] = {0, 1, 1};
    sn_metrics mt;
    CHECK_OK(sn_metrics_classification(proba, y, 3, 2, &mt, NULL));
    CHECK_NEAR(mt.accuracy, 2.0 / 3.0, 1e-15);
    CHECK_NEAR(mt.ll, (log(0.9) + log(0.7) + log(0.4)) / 3.0, 1e-15);
    CHECK_NEAR(mt.brier, (0.02 + 0.18 + 0.72) / 3.0, 1e-15);
    CHECK_NEAR(mt.ece, (0.1 + 0.3 + 0.6) / 3.0, 1e-15);
    ck_assert(isnan(mt.rmse));
}
END_TEST

static Suite *classify_suite(void)
{
    Suite *s = suite_create("classify");
    TCase *tc = tcase_create("classification");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, iris_and_breast_cancer);
    tcase_add_test(tc, bad_labels);
    tcase_add_test(tc, metric_definitions);
    suite_add_tcase(s, tc);
    return s;
}

SN_TEST_MAIN(classify_suite)
