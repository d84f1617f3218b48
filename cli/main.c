/*
 * main.c — `shrinknet <command> [options]`: dispatch to the subcommands.
 */
#include "cmds.h"
#include "bench_mpi.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *what;
} commands[] = {
    {"train", cmd_train, "train a model on a UCI split or a CSV file"},
    {"predict", cmd_predict, "predictive mean, std and interval for each input row"},
    {"eval", cmd_eval, "RMSE, log-likelihood and more of a model on labelled data"},
    {"bench", cmd_bench, "the UCI benchmark protocol: tables 2 and 3 of the paper"},
    {"inspect", cmd_inspect, "the posterior of a variational EM model: scales, pruning"},
    {"prior", cmd_prior, "the prior a noise implies (Table 1), verified by sampling"},
    {"plot", cmd_plot, "the paper's figures from our own runs"},
    {"data", cmd_data, "fetch the UCI benchmark folders"},
    {"demo", cmd_demo, "MC dropout on Friedman #1 over a few splits (no files needed)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: shrinknet <command> [options]   (shrinknet <command> --help)\n\n"
               "Neural networks regularised by multiplicative noise, read as structured shrinkage\n"
               "priors (Nalisnick, Hernandez-Lobato, Smyth, ICML 2019).\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].what);
    fprintf(f, "\nexit codes: 0 success, 1 bad data or model file, 2 usage, 3 input/output,\n"
               "            4 numerical failure, 5 out of memory\n");
}

void cli_set_threads(size_t n)
{
    openblas_set_num_threads((int)n);
}

char *cli_default_model_name(const char *data_path, size_t split, bool is_uci)
{
    size_t n = strlen(data_path);
    while (n > 1 && data_path[n - 1] == '/')
        n--;
    size_t start = n;
    while (start > 0 && data_path[start - 1] != '/')
        start--;
    size_t len = n - start;
    if (!is_uci) {
        const char *dot = NULL;
        for (size_t i = start; i < n; i++)
            if (data_path[i] == '.')
                dot = data_path + i;
        if (dot && dot > data_path + start)
            len = (size_t)(dot - (data_path + start));
    }
    char *out = malloc(len + 40);
    if (!out)
        return NULL;
    if (is_uci)
        snprintf(out, len + 40, "%.*s-split%zu.snm", (int)len, data_path + start, split);
    else
        snprintf(out, len + 40, "%.*s.snm", (int)len, data_path + start);
    return out;
}

static int run(int argc, char **argv);

int main(int argc, char **argv)
{
    cli_mpi_init(&argc, &argv);
    int rc = run(argc, argv);
    cli_mpi_finalize();
    return rc;
}

static int run(int argc, char **argv)
{
    /* Small matrices: one BLAS thread unless --threads says otherwise; results then do not
     * depend on the machine's core count. */
    openblas_set_num_threads(1);
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    /* For the shell completion and the man page (scripts/completion.sh, scripts/man.sh). */
    if (strcmp(argv[1], "--list-commands") == 0) {
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
            printf("%s\n", commands[i].name);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("shrinknet %s\n", SN_VERSION);
        return EXIT_OK;
    }
    if (cli_mpi_size() > 1 && strcmp(argv[1], "bench") != 0) {
        if (cli_mpi_rank() == 0)
            fprintf(stderr, "shrinknet %s: only bench runs across MPI ranks; start it without "
                            "mpirun\n", argv[1]);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0) {
            int rc = commands[i].fn(argc - 2, argv + 2);
            /* Results go to stdout: a failed write there (a full disk, a closed pipe) is an
             * input/output error, not a success. */
            if (fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "shrinknet %s: writing standard output failed\n", argv[1]);
                return rc ? rc : EXIT_IO;
            }
            return rc;
        }
    fprintf(stderr, "shrinknet: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
