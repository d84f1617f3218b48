/*
 * cmd_predict.c — `shrinknet predict -m MODEL --input CSV -o OUT`: one CSV row per input row
 * with the predictive mean, standard deviation and central interval (MATH.md (35)).
 */
#include "cmds.h"

#include <stdlib.h>

int cmd_predict(int argc, char **argv)
{
    const char *model_path = NULL, *input = NULL, *out = "-", *target = NULL;
    const char *delim = "auto", *header = "auto";
    size_t draws = 1000;
    uint64_t seed = 1;
    double level = 0.95;
    cli_opt table[] = {
        {"model", 'm', OPT_STR, &model_path, 0, 0, "FILE", "model file from train", "input", false},
        {"input", 'i', OPT_STR, &input, 0, 0, "CSV",
         "rows of features (no target column unless --target names it)", NULL, false},
        {"target", 0, OPT_STR, &target, 0, 0, "COL", "a target column of the input to ignore",
         NULL, false},
        {"delimiter", 0, OPT_STR, &delim, 0, 0, "D", "auto, comma or whitespace", NULL, false},
        {"header", 0, OPT_STR, &header, 0, 0, "H", "auto, yes or no", NULL, false},
        {"samples", 'T', OPT_SIZE, &draws, 1, 1e7, "T", "Monte Carlo draws", "prediction", false},
        {"level", 0, OPT_DOUBLE, &level, 1e-9, 1 - 1e-9, "P", "central interval probability",
         NULL, false},
        {"seed", 0, OPT_U64, &seed, 0, 1.8e19, "N", "random seed", NULL, false},
        {"output", 'o', OPT_STR, &out, 0, 0, "FILE", "CSV mean,std,lower,upper; - is stdout",
         "output", false},
        {NULL, 0, OPT_FLAG, NULL, 0, 0, NULL, NULL, NULL, false},
    };
    int rc = cli_parse("predict", table, argc, argv, "-m MODEL --input CSV [-o OUT]");
    if (rc)
        return rc == 1 ? EXIT_OK : rc;
    if (!model_path || !input) {
        fprintf(stderr, "shrinknet predict: -m MODEL and --input CSV are required\n"
                        "try 'shrinknet predict --help'\n");
        return EXIT_USAGE;
    }
    sn_error e = {0};
    sn_model *m = NULL;
    sn_data *d = NULL;
    double *buf = NULL;
    int code = EXIT_OK;
    if (sn_model_load(model_path, &m, &e) != SN_OK)
        return cli_fail("predict", &e);
    cli_data_opts dopt = {input, 0, target, delim, header};
    sn_csv_options co;
    sn_csv_options_default(&co);
    sn_status st;
    if (cli_is_dir(input)) {
        st = sn_fail(&e, SN_EINVAL, "--input must be a CSV file, not a folder");
    } else if (target) {
        st = cli_load_data(&dopt, &d, NULL, &e);
    } else {
        /* No target: every column is a feature. */
        co.no_target = true;
        co.delim = delim[0] == 'c' ? SN_DELIM_COMMA : delim[0] == 'w' ? SN_DELIM_WHITESPACE
                                                                      : SN_DELIM_AUTO;
        co.header = header[0] == 'y' ? SN_HEADER_YES : header[0] == 'n' ? SN_HEADER_NO
                                                                        : SN_HEADER_AUTO;
        st = sn_data_read_csv(input, &co, &d, &e);
    }
    if (st == SN_OK && sn_data_n_cols(d) != sn_model_n_inputs(m))
        st = sn_fail(&e, SN_EDATA, "%s: %zu columns, but the model takes %zu inputs%s", input,
                     sn_data_n_cols(d), sn_model_n_inputs(m),
                     target ? "" : " (use --target to drop a target column)");
    size_t n = st == SN_OK ? sn_data_n_rows(d) : 0;
    size_t K = sn_model_n_classes(m), width = K ? K : 4;
    if (st == SN_OK && !(buf = calloc(width * n + 1, sizeof *buf)))
        st = sn_fail(&e, SN_ENOMEM, "out of memory");
    if (st == SN_OK && K)
        st = sn_predict_proba(m, sn_data_x(d), n, draws, seed, buf, &e);
    else if (st == SN_OK)
        st = sn_predict(m, sn_data_x(d), n, draws, seed, level, buf, buf + n, buf + 2 * n,
                        buf + 3 * n, &e);
    sn_file_out o;
    if (st == SN_OK && (st = sn_file_out_open(&o, out, &e)) == SN_OK) {
        if (K) {
            /* Classifiers: p0..p{K-1} (averaged over the draws), then the most probable class. */
            for (size_t k = 0; k < K; k++)
                fprintf(o.f, "p%zu,", k);
            fprintf(o.f, "label\n");
            for (size_t i = 0; i < n; i++) {
                size_t best = 0;
                for (size_t k = 0; k < K; k++) {
                    fprintf(o.f, "%.17g,", buf[i * K + k]);
                    if (buf[i * K + k] > buf[i * K + best])
                        best = k;
                }
                fprintf(o.f, "%zu\n", best);
            }
        } else {
            fprintf(o.f, "mean,std,lower,upper\n");
            for (size_t i = 0; i < n; i++)
                fprintf(o.f, "%.17g,%.17g,%.17g,%.17g\n", buf[i], buf[n + i], buf[2 * n + i],
                        buf[3 * n + i]);
        }
        st = sn_file_out_commit(&o, &e);
    }
    if (st != SN_OK)
        code = cli_fail("predict", &e);
    free(buf);
    sn_data_free(d);
    sn_model_free(m);
    return code;
}
