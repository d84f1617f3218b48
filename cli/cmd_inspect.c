/*
 * cmd_inspect.c — `shrinknet inspect -m MODEL`: the posterior structure of a model, layer by
 * layer. For variational EM nets: the block variance t_l (ADD), the row variances a_{l,r}
 * (ARD) and the share of rows and blocks shrunk below a threshold — units and layers
 * effectively pruned. For MC nets: the norms of the weight rows. `--csv PREFIX` writes each
 * layer's μ² + σ² (w² for MC nets) as PREFIX<l>.csv, the matrices of the paper's Figure 2.
 */
#include "cmds.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Per row: the prior variance for EM nets, the row's squared norm Σ_j (μ² + σ²) for MC nets. */
static void row_scales(const sn_layer_view *v, const double *moments, bool is_vem, double *out)
{
    for (size_t r = 0; r < v->n_in; r++) {
        if (is_vem) {
            out[r] = v->row_var[r];
            continue;
        }
        double s = 0.0;
        for (size_t j = 0; j < v->n_out; j++)
            s += moments[r * v->n_out + j];
        out[r] = s;
    }
}

static sn_status write_matrix(const char *prefix, size_t l, const sn_layer_view *v,
                              const double *mom, sn_error *e)
{
    size_t n = strlen(prefix) + 32;
    char *path = malloc(n);
    if (!path)
        return sn_fail(e, SN_ENOMEM, "out of memory");
    snprintf(path, n, "%s%zu.csv", prefix, l);
    sn_file_out o;
    sn_status st = sn_file_out_open(&o, path, e);
    if (st == SN_OK) {
        for (size_t r = 0; r < v->n_in; r++)
            for (size_t j = 0; j < v->n_out; j++)
                fprintf(o.f, "%.17g%c", mom[r * v->n_out + j], j + 1 < v->n_out ? ',' : '\n');
        st = sn_file_out_commit(&o, e);
    }
    free(path);
    return st;
}

int cmd_inspect(int argc, char **argv)
{
    const char *model_path = NULL, *csv = NULL;
    double threshold = 0.01;
    bool json = false;
    cli_opt table[] = {
        {"model", 'm', OPT_STR, &model_path, 0, 0, "FILE", "model file from train", "input",
         false},
        {"threshold", 0, OPT_DOUBLE, &threshold, 0, 1, "F",
         "a row (block) counts as pruned below this share of its layer's largest row (block) "
         "scale", "output", false},
        {"csv", 0, OPT_STR, &csv, 0, 0, "PREFIX",
         "write each layer's mu^2 + sigma^2 (w^2) as PREFIX<layer>.csv", NULL, false},
        {"json", 0, OPT_FLAG, &json, 0, 0, NULL, "one JSON object on stdout", NULL, false},
        {NULL, 0, OPT_FLAG, NULL, 0, 0, NULL, NULL, NULL, false},
    };
    int rc = cli_parse("inspect", table, argc, argv, "-m MODEL [--csv PREFIX] [--json]");
    if (rc)
        return rc == 1 ? EXIT_OK : rc;
    if (!model_path) {
        fprintf(stderr, "shrinknet inspect: -m MODEL is required\ntry 'shrinknet inspect --help'\n");
        return EXIT_USAGE;
    }
    sn_error e = {0};
    sn_model *m = NULL;
    if (sn_model_load(model_path, &m, &e) != SN_OK)
        return cli_fail("inspect", &e);
    const sn_train_params *p = sn_model_params(m);
    bool is_vem = p->method == SN_METHOD_VEM;
    size_t nl = sn_model_n_layers(m);
    double max_block = 0.0;
    for (size_t l = 0; l < nl; l++) {
        sn_layer_view v;
        sn_model_layer(m, l, &v, NULL);
        if (is_vem && v.is_residual && v.layer_var > max_block)
            max_block = v.layer_var;
    }
    size_t blocks = 0, blocks_pruned = 0;
    int code = EXIT_OK;
    char hyper[64];
    sn_hyperprior_format(&p->hyper, hyper, sizeof hyper);
    if (json)
        printf("{\"method\": \"%s\", \"prior\": \"%s\", \"hyperprior\": \"%s\", \"threshold\": %g, "
               "\"layers\": [", sn_method_name(p->method), is_vem ? sn_prior_name(p->prior) : "",
               is_vem ? hyper : "", threshold);
    else if (is_vem)
        printf("%s, variational EM, prior %s, hyper-prior %s (variant %s)\n",
               model_path, sn_prior_name(p->prior), hyper, sn_variant_name(p->variant));
    else
        printf("%s, Monte Carlo noise net: row scales are squared row norms of W\n", model_path);
    for (size_t l = 0; l < nl && code == EXIT_OK; l++) {
        sn_layer_view v;
        sn_model_layer(m, l, &v, NULL);
        double *mom = malloc(v.n_in * v.n_out * sizeof *mom);
        double *rows = malloc(v.n_in * sizeof *rows), *sorted = malloc(v.n_in * sizeof *sorted);
        if (!mom || !rows || !sorted) {
            free(mom);
            free(rows);
            free(sorted);
            e.code = SN_ENOMEM;
            snprintf(e.msg, sizeof e.msg, "out of memory");
            code = cli_fail("inspect", &e);
            break;
        }
        sn_model_weight_moments(m, l, mom, NULL);
        row_scales(&v, mom, is_vem, rows);
        memcpy(sorted, rows, v.n_in * sizeof *rows);
        qsort(sorted, v.n_in, sizeof *sorted, cmp_double);
        double top = sorted[v.n_in - 1];
        size_t pruned = 0;
        for (size_t r = 0; r < v.n_in; r++)
            pruned += rows[r] < threshold * top;
        bool block_pruned = is_vem && v.is_residual && v.layer_var < threshold * max_block;
        if (v.is_residual) {
            blocks++;
            blocks_pruned += block_pruned;
        }
        const char *kind = l == 0 ? "input" : l + 1 == nl ? "output" : v.is_residual ? "residual"
                                                                                      : "hidden";
        if (json) {
            printf("%s{\"layer\": %zu, \"kind\": \"%s\", \"n_in\": %zu, \"n_out\": %zu, ",
                   l ? ", " : "", l, kind, v.n_in, v.n_out);
            if (is_vem)
                printf("\"layer_var\": %.17g, \"block_pruned\": %s, ", v.layer_var,
                       block_pruned ? "true" : "false");
            printf("\"row_scale\": [");
            for (size_t r = 0; r < v.n_in; r++)
                printf("%s%.17g", r ? ", " : "", rows[r]);
            printf("], \"rows_pruned\": %zu, \"share_rows_pruned\": %.6g}", pruned,
                   (double)pruned / (double)v.n_in);
        } else {
            printf("\nlayer %zu (%s, %zu x %zu)\n", l, kind, v.n_in, v.n_out);
            if (is_vem && v.is_residual)
                printf("  block variance t = %.4g%s\n", v.layer_var,
                       block_pruned ? "   <- pruned (below threshold x largest block)" : "");
            printf("  row %s: min %.4g  median %.4g  max %.4g\n",
                   is_vem ? "variances" : "squared norms", sorted[0], sorted[v.n_in / 2], top);
            printf("  rows below %g x max: %zu of %zu (%.0f%%)\n", threshold, pruned, v.n_in,
                   100.0 * (double)pruned / (double)v.n_in);
            if (l == 0) {
                printf("  per input:");
                for (size_t r = 0; r < v.n_in; r++)
                    printf("%s x%zu %.3g", r % 6 ? "" : "\n   ", r + 1, rows[r]);
                printf("\n");
            }
        }
        if (csv && write_matrix(csv, l, &v, mom, &e) != SN_OK)
            code = cli_fail("inspect", &e);
        free(mom);
        free(rows);
        free(sorted);
    }
    if (json)
        printf("], \"blocks\": %zu, \"blocks_pruned\": %zu}\n", blocks, blocks_pruned);
    else if (is_vem && blocks)
        printf("\nresidual blocks pruned: %zu of %zu\n", blocks_pruned, blocks);
    sn_model_free(m);
    return code;
}
