/*
 * train_predict.c — train on a CSV file and predict with uncertainty, through the installed
 * library:
 *
 *   cc train_predict.c $(pkg-config --cflags --libs shrinknet) -o train_predict
 *   ./train_predict data.csv [epochs]
 *
 * The last column is the target. The first 80% of the rows train an MC-dropout network (the
 * library's defaults but for the epochs), the last 20% are predicted: mean, standard deviation
 * and 95% interval per row, then RMSE and test log-likelihood.
 */
#include <shrinknet.h>

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DATA.csv [EPOCHS]\n", argv[0]);
        return 2;
    }
    sn_error err = {0};
    sn_data *all = NULL, *train = NULL, *test = NULL;
    sn_model *m = NULL;
    size_t *idx = NULL;
    double *mean = NULL, *std = NULL, *lo = NULL, *hi = NULL;
    int rc = 1;

    sn_csv_options csv;
    sn_csv_options_default(&csv);
    if (sn_data_read_csv(argv[1], &csv, &all, &err) != SN_OK)
        goto fail;
    size_t n = sn_data_n_rows(all), n_train = n * 4 / 5, n_test = n - n_train;
    idx = malloc(n * sizeof *idx);
    if (!idx)
        goto fail;
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    if (sn_data_subset(all, idx, n_train, &train, &err) != SN_OK ||
        sn_data_subset(all, idx + n_train, n_test, &test, &err) != SN_OK)
        goto fail;

    sn_train_params p;
    sn_train_params_default(&p);
    p.n_epochs = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 200;
    if (sn_train(&p, train, &m, &err) != SN_OK)
        goto fail;

    size_t d = sn_data_n_cols(test);
    mean = malloc(n_test * sizeof *mean);
    std = malloc(n_test * sizeof *std);
    lo = malloc(n_test * sizeof *lo);
    hi = malloc(n_test * sizeof *hi);
    if (!mean || !std || !lo || !hi)
        goto fail;
    if (sn_predict(m, sn_data_x(test), n_test, /*n_draws=*/1000, /*seed=*/1, /*level=*/0.95,
                   mean, std, lo, hi, &err) != SN_OK)
        goto fail;
    printf("row,y,mean,std,lower95,upper95\n");
    for (size_t i = 0; i < n_test; i++)
        printf("%zu,%g,%g,%g,%g,%g\n", n_train + i, sn_data_y(test)[i], mean[i], std[i], lo[i],
               hi[i]);
    sn_metrics s;
    if (sn_evaluate(m, test, 1000, 1, &s, &err) != SN_OK)
        goto fail;
    fprintf(stderr, "%zu inputs, %zu test rows: RMSE %.4g, test log-likelihood %.4g\n", d,
            n_test, s.rmse, s.ll);
    rc = 0;
fail:
    if (rc)
        fprintf(stderr, "%s: %s\n", argv[0], err.msg[0] ? err.msg : "out of memory");
    free(idx);
    free(mean);
    free(std);
    free(lo);
    free(hi);
    sn_model_free(m);
    sn_data_free(all);
    sn_data_free(train);
    sn_data_free(test);
    return rc;
}
