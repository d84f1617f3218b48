/*
 * cmd_demo.c — `shrinknet demo`: the main job on data the program makes itself.
 *
 * Friedman's #1 benchmark (10 inputs, of which 6..10 are irrelevant) is drawn, cut into random
 * 90/10 train/test splits, and an MC-dropout network is trained and scored on each. Prints
 * RMSE and test log-likelihood per split and as mean ± standard error, and the size of the
 * first-layer weight rows per input: the irrelevant inputs' rows are shrunk.
 */
#include "cmds.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double mean_of(const double *x, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s / (double)n;
}

/* Standard error of the mean, sample standard deviation (ddof = 1) over √n. */
static double sem_of(const double *x, size_t n)
{
    if (n < 2)
        return NAN;
    double m = mean_of(x, n), v = 0.0;
    for (size_t i = 0; i < n; i++)
        v += (x[i] - m) * (x[i] - m);
    return sqrt(v / (double)(n - 1) / (double)n);
}

int cmd_demo(int argc, char **argv)
{
    size_t n_rows = 1000, n_splits = 5, epochs = 600, draws = 1000;
    uint64_t seed = 1;
    bool quiet = false;
    const char *noise = "bernoulli:0.95", *objective = "tail";
    cli_opt table[] = {
        {"rows", 0, OPT_SIZE, &n_rows, 50, 1e7, "N", "rows of Friedman #1 data", "demo", false},
        {"splits", 0, OPT_SIZE, &n_splits, 1, 1000, "K", "random 90/10 splits", NULL, false},
        {"epochs", 'e', OPT_SIZE, &epochs, 1, 1e9, "N", "epochs per split", NULL, false},
        {"noise", 0, OPT_STR, &noise, 0, 0, "SPEC", "noise (see train --help)", NULL, false},
        {"objective", 0, OPT_STR, &objective, 0, 0, "O", "lb, iw or tail", NULL, false},
        {"samples", 'T', OPT_SIZE, &draws, 1, 1e7, "T", "Monte Carlo draws at test", NULL, false},
        {"seed", 0, OPT_U64, &seed, 0, 1.8e19, "N", "random seed", NULL, false},
        {"quiet", 'q', OPT_FLAG, &quiet, 0, 0, NULL, "no progress on stderr", NULL, false},
        {NULL, 0, OPT_FLAG, NULL, 0, 0, NULL, NULL, NULL, false},
    };
    int rc = cli_parse("demo", table, argc, argv, "[options]");
    if (rc)
        return rc == 1 ? EXIT_OK : rc;

    sn_error e = {0};
    sn_train_params p;
    sn_train_params_default(&p);
    if (sn_noise_parse(noise, &p.noise, &e) != SN_OK) {
        fprintf(stderr, "shrinknet demo: --noise: %s\n", e.msg);
        return EXIT_USAGE;
    }
    if (sn_objective_parse(objective, &p.objective) != SN_OK || p.objective == SN_OBJ_HIER) {
        fprintf(stderr, "shrinknet demo: --objective: expected lb, iw or tail, found \"%s\"\n",
                objective);
        return EXIT_USAGE;
    }
    p.n_epochs = epochs;
    p.seed = seed;

    enum { D = 10 };
    sn_data *all = NULL;
    if (sn_data_friedman1(n_rows, D, /*noise_sd=*/1.0, seed, &all, &e) != SN_OK)
        return cli_fail("demo", &e);
    size_t n_test = n_rows / 10, n_train = n_rows - n_test;
    size_t *idx = malloc(n_rows * sizeof *idx);
    double *rmse = calloc(n_splits, sizeof *rmse), *ll = calloc(n_splits, sizeof *ll);
    double *rows = calloc(D, sizeof *rows);
    sn_rng *rng = sn_rng_new(seed, 0x73706c6974ULL /* "split" */);
    int code = EXIT_OK;
    if (!idx || !rmse || !ll || !rows || !rng) {
        e.code = SN_ENOMEM;
        snprintf(e.msg, sizeof e.msg, "out of memory");
        code = cli_fail("demo", &e);
        goto done;
    }
    printf("Friedman #1: %zu rows, %d inputs (x6..x10 irrelevant), noise sd 1\n", n_rows, D);
    printf("MC dropout: %s, objective %s, %zu x %zu relu, S = %zu, batch %zu, %zu epochs\n\n",
           noise, objective, p.n_hidden, p.n_layers, p.n_samples, p.batch_size, p.n_epochs);
    printf("split  rmse     test ll   seconds\n");
    for (size_t k = 0; k < n_splits; k++) {
        for (size_t i = 0; i < n_rows; i++)
            idx[i] = i;
        sn_rng_shuffle(rng, idx, n_rows);
        sn_data *train = NULL, *test = NULL;
        sn_model *m = NULL;
        sn_metrics mt;
        char label[32];
        snprintf(label, sizeof label, "split %zu", k);
        cli_progress prog;
        cli_progress_init(&prog, quiet, label);
        p.progress = cli_progress_cb;
        p.progress_user = &prog;
        p.seed = seed + k;
        sn_status st = sn_data_subset(all, idx, n_train, &train, &e);
        if (st == SN_OK)
            st = sn_data_subset(all, idx + n_train, n_test, &test, &e);
        double t0 = seconds_now();
        if (st == SN_OK)
            st = sn_train(&p, train, &m, &e);
        if (st == SN_OK)
            st = sn_evaluate(m, test, draws, seed, &mt, &e);
        if (st == SN_OK) {
            sn_layer_view v;
            sn_model_layer(m, 0, &v, NULL);
            for (size_t r = 0; r < D; r++) {
                double s = 0.0;
                for (size_t j = 0; j < v.n_out; j++)
                    s += v.w[r * v.n_out + j] * v.w[r * v.n_out + j];
                rows[r] += sqrt(s) / (double)n_splits;
            }
            rmse[k] = mt.rmse;
            ll[k] = mt.ll;
            printf("%5zu  %-7.4f  %-8.4f  %.1f\n", k, mt.rmse, mt.ll, seconds_now() - t0);
        }
        sn_model_free(m);
        sn_data_free(train);
        sn_data_free(test);
        if (st != SN_OK) {
            code = cli_fail("demo", &e);
            goto done;
        }
    }
    printf("\nmean ± standard error over %zu splits:\n", n_splits);
    printf("  test RMSE            %.4f ± %.4f\n", mean_of(rmse, n_splits), sem_of(rmse, n_splits));
    printf("  test log-likelihood  %.4f ± %.4f\n", mean_of(ll, n_splits), sem_of(ll, n_splits));
    printf("\nshrinkage: norm of each input's first-layer weight row (mean over splits)\n");
    for (size_t r = 0; r < D; r++)
        printf("  x%-2zu %s  %6.3f  %.*s\n", r + 1, r < 5 ? "relevant  " : "irrelevant", rows[r],
               (int)fmin(60.0, rows[r] * 10.0), "############################################"
                                                 "################");
done:
    sn_rng_free(rng);
    free(idx);
    free(rmse);
    free(ll);
    free(rows);
    sn_data_free(all);
    return code;
}
