/*
 * cmd_eval.c — `shrinknet eval -m MODEL --data PATH [--split K] [--json]`: score a model on
 * labelled data (the test part of a UCI split, or a whole CSV file). MATH.md (35)-(38).
 */
#include "cmds.h"

#include <math.h>

static void json_number(FILE *f, const char *key, double v, bool last)
{
    if (isfinite(v))
        fprintf(f, "\"%s\": %.17g%s", key, v, last ? "" : ", ");
    else
        fprintf(f, "\"%s\": null%s", key, last ? "" : ", ");
}

int cmd_eval(int argc, char **argv)
{
    const char *model_path = NULL;
    cli_data_opts dopt = {NULL, 0, NULL, "auto", "auto"};
    size_t draws = 1000;
    uint64_t seed = 1;
    bool json = false;
    cli_opt table[] = {
        {"model", 'm', OPT_STR, &model_path, 0, 0, "FILE", "model file from train", "input", false},
        {"data", 'd', OPT_STR, &dopt.path, 0, 0, "PATH",
         "UCI folder (scores the test part of --split) or labelled CSV file", NULL, false},
        {"split", 0, OPT_SIZE, &dopt.split, 0, 100000, "K", "split of a UCI folder", NULL, false},
        {"target", 0, OPT_STR, &dopt.target, 0, 0, "COL", "CSV target column (default: last)",
         NULL, false},
        {"delimiter", 0, OPT_STR, &dopt.delim, 0, 0, "D", "auto, comma or whitespace", NULL, false},
        {"header", 0, OPT_STR, &dopt.header, 0, 0, "H", "auto, yes or no", NULL, false},
        {"samples", 'T', OPT_SIZE, &draws, 1, 1e7, "T", "Monte Carlo draws", "evaluation", false},
        {"seed", 0, OPT_U64, &seed, 0, 1.8e19, "N", "random seed", NULL, false},
        {"json", 0, OPT_FLAG, &json, 0, 0, NULL, "one JSON object on stdout", "output", false},
        {NULL, 0, OPT_FLAG, NULL, 0, 0, NULL, NULL, NULL, false},
    };
    int rc = cli_parse("eval", table, argc, argv, "-m MODEL --data PATH [--split K] [--json]");
    if (rc)
        return rc == 1 ? EXIT_OK : rc;
    if (!model_path || !dopt.path) {
        fprintf(stderr, "shrinknet eval: -m MODEL and --data PATH are required\n"
                        "try 'shrinknet eval --help'\n");
        return EXIT_USAGE;
    }
    sn_error e = {0};
    sn_model *m = NULL;
    sn_data *train = NULL, *test = NULL;
    int code = EXIT_OK;
    if (sn_model_load(model_path, &m, &e) != SN_OK ||
        cli_load_data(&dopt, &train, &test, &e) != SN_OK) {
        code = cli_fail("eval", &e);
        goto done;
    }
    const sn_data *d = test ? test : train;
    sn_metrics mt;
    sn_status st = sn_evaluate(m, d, draws, seed, &mt, &e);
    if (st != SN_OK) {
        code = cli_fail("eval", &e);
    } else if (sn_model_n_classes(m) && json) {
        printf("{");
        json_number(stdout, "accuracy", mt.accuracy, false);
        json_number(stdout, "ll", mt.ll, false);
        json_number(stdout, "brier", mt.brier, false);
        json_number(stdout, "ece", mt.ece, false);
        printf("\"classes\": %zu, \"samples\": %zu, \"n\": %zu}\n", sn_model_n_classes(m),
               draws, mt.n);
    } else if (sn_model_n_classes(m)) {
        printf("data          %s\n", sn_data_source(d));
        printf("rows          %zu\n", mt.n);
        printf("accuracy      %.6g\n", mt.accuracy);
        printf("ll            %.6g   mean log predictive probability over %zu draws\n", mt.ll,
               draws);
        printf("brier         %.6g   Brier score, summed over classes\n", mt.brier);
        printf("ece           %.6g   expected calibration error, 15 bins\n", mt.ece);
    } else if (json) {
        printf("{");
        json_number(stdout, "rmse", mt.rmse, false);
        json_number(stdout, "ll", mt.ll, false);
        json_number(stdout, "ll_gauss", mt.ll_gauss, false);
        json_number(stdout, "mae", mt.mae, false);
        json_number(stdout, "ref_abs_err", mt.ref_abs_err, false);
        json_number(stdout, "precision", sn_model_precision(m), false);
        printf("\"samples\": %zu, \"n\": %zu}\n", draws, mt.n);
    } else {
        printf("data          %s\n", sn_data_source(d));
        printf("rows          %zu\n", mt.n);
        printf("rmse          %.6g   RMSE of the predictive mean\n", mt.rmse);
        printf("ll            %.6g   log-likelihood, log-mean-exp over %zu draws (Gal)\n",
               mt.ll, draws);
        printf("ll_gauss      %.6g   log-likelihood of the moment-matched Gaussian (PBP)\n",
               mt.ll_gauss);
        printf("mae           %.6g   mean absolute error of the predictive mean\n", mt.mae);
        printf("ref_abs_err   %.6g   what the authors' code prints as \"RMSE\" (MATH.md (38))\n",
               mt.ref_abs_err);
        printf("precision     %.6g   noise precision, original units\n", sn_model_precision(m));
    }
done:
    sn_model_free(m);
    sn_data_free(train);
    sn_data_free(test);
    return code;
}
