/*
 * cmd_bench.c — `shrinknet bench`: the UCI benchmark protocol over data sets x splits x methods,
 * resumable, in parallel, and the paper's Tables 2 and 3 from the results file (the harness
 * itself is in src/bench.c).
 */
#include "cmds.h"
#include "bench_mpi.h"
#include "shrinknet_bench.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *SYNOPSIS =
    "--data-dir DIR [--datasets all|A,B,..] [--methods all|M,N,..] [--out FILE] [options]\n"
    "       shrinknet bench --report FILE [--csv FILE] [--md FILE]\n\n"
    "Runs every (data set, split, method) of the UCI benchmark, and under --protocol gal every\n"
    "grid point, as one unit each; every finished unit is appended to --out at once, and a rerun\n"
    "of the same command skips the units already there (kill it at any time). Prints Tables 2\n"
    "and 3 (Markdown) on stdout and writes them as CSV. Progress goes to stderr.\n\n"
    "methods: lb, iw, tail (MC dropout, 1 hidden layer, Bernoulli noise, that objective);\n"
    "vem-ard, vem-add, vem-ard-add (variational EM, resnet with 2 hidden layers, invgamma:3,3);\n"
    "vem-ard-add-authors (the same, --variant authors).\n"
    "defaults: the authors' settings (4500 epochs, batch 32, S = 10, Adam 1e-3, keep 0.995, no\n"
    "L2 term, precision learned); under --protocol gal dropout nets use Gal's (n_epochs.txt x 100\n"
    "epochs, batch 128, weight decay (39)) and search dropout_rates.txt x tau_values.txt per\n"
    "split; the EM resnets search tau_values.txt. An option given fixes that setting for all.";

/* Set by SIGINT/SIGTERM: finish the units being written, drop the running ones, stop. */
static volatile sig_atomic_t interrupted = 0;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static int cancel_cb(void *user)
{
    (void)user;
    return interrupted != 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void fmt_time(char *buf, size_t n, double s)
{
    if (!isfinite(s) || s < 0)
        snprintf(buf, n, "?");
    else if (s < 60)
        snprintf(buf, n, "%.0fs", s);
    else if (s < 3600)
        snprintf(buf, n, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else
        snprintf(buf, n, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
}

typedef struct {
    bool quiet;
    size_t n_failed;
} run_ctx;

static int unit_cb(const sn_bench_event *ev, void *user)
{
    run_ctx *c = user;
    if (!ev->is_ok)
        c->n_failed++;
    if (c->quiet)
        return 0;
    char what[64], el[32], eta[32];
    if (ev->grid >= 0)
        snprintf(what, sizeof what, "grid %d/%zu", ev->grid + 1, ev->n_grid);
    else
        snprintf(what, sizeof what, "test");
    fmt_time(el, sizeof el, ev->elapsed);
    fmt_time(eta, sizeof eta, ev->eta);
    int w = snprintf(NULL, 0, "%zu", ev->n_total);
    if (ev->is_ok)
        fprintf(stderr, "bench [%*zu/%zu] %s split %zu %s %s: rmse %.4g ll %.4g (%.1fs)  "
                        "elapsed %s, eta %s\n", w, ev->n_done, ev->n_total, ev->dataset,
                ev->split, ev->method, what, ev->rmse, ev->ll, ev->seconds, el, eta);
    else
        fprintf(stderr, "bench [%*zu/%zu] %s split %zu %s %s: error: %s  elapsed %s, eta %s\n",
                w, ev->n_done, ev->n_total, ev->dataset, ev->split, ev->method, what,
                ev->error, el, eta);
    return 0;
}

/* Strict numbers for the options whose default depends on the method or protocol (kept as
 * text so that --help can say so). */
static int parse_size_opt(const char *name, const char *v, size_t lo, size_t hi, size_t *out)
{
    uint64_t x;
    if (!sn_parse_uint(v, strlen(v), UINT64_MAX, &x) || x < lo || x > hi) {
        fprintf(stderr, "shrinknet bench: --%s: expected an integer in [%zu, %zu], found \"%s\"\n"
                        "try 'shrinknet bench --help'\n", name, lo, hi, v);
        return EXIT_USAGE;
    }
    *out = (size_t)x;
    return 0;
}

static int parse_double_opt(const char *name, const char *v, double lo, double hi, bool lo_open,
                            double *out)
{
    double x;
    if (sn_parse_real(v, strlen(v), SN_NUM_INF, &x) != SN_NUM_OK || x > hi || x < lo ||
        (lo_open && x == lo)) {
        fprintf(stderr, "shrinknet bench: --%s: expected a number in %c%g, %g], found \"%s\"\n"
                        "try 'shrinknet bench --help'\n", name, lo_open ? '(' : '[', lo, hi, v);
        return EXIT_USAGE;
    }
    *out = x;
    return 0;
}

static int usage_error(const char *msg, const char *detail)
{
    fprintf(stderr, "shrinknet bench: %s%s\ntry 'shrinknet bench --help'\n", msg,
            detail ? detail : "");
    return EXIT_USAGE;
}

/* "results.jsonl" -> "results" + ext; caller frees. */
static char *sibling_name(const char *path, const char *ext)
{
    size_t n = strlen(path);
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(path, '.');
    if (dot && (!slash || dot > slash + 1))
        n = (size_t)(dot - path);
    char *s = malloc(n + strlen(ext) + 1);
    if (s) {
        memcpy(s, path, n);
        strcpy(s + n, ext);
    }
    return s;
}

static bool readable(const char *path)
{
    return access(path, R_OK) == 0;
}

/* bench/paper_table2.csv of the repository: beside the binary's folder (build/shrinknet), under
 * $SN_ROOT, or under the current folder. NULL when none is there. Caller frees. */
static char *find_paper_table(void)
{
    static const char *rel = "bench/paper_table2.csv";
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n > 0) {
        buf[n] = 0;
        char *slash = strrchr(buf, '/');
        if (slash) {
            *slash = 0;
            char cand[PATH_MAX + 64];
            snprintf(cand, sizeof cand, "%s/../%s", buf, rel);
            if (readable(cand)) {
                char *s = malloc(strlen(cand) + 1);
                if (s)
                    strcpy(s, cand);
                return s;
            }
        }
    }
    const char *root = getenv("SN_ROOT");
    if (root && *root) {
        char cand[PATH_MAX + 64];
        snprintf(cand, sizeof cand, "%s/%s", root, rel);
        if (readable(cand)) {
            char *s = malloc(strlen(cand) + 1);
            if (s)
                strcpy(s, cand);
            return s;
        }
    }
    if (readable(rel)) {
        char *s = malloc(strlen(rel) + 1);
        if (s)
            strcpy(s, rel);
        return s;
    }
    return NULL;
}

/* The tables of a results file: Markdown on stdout (and md_path), CSV to csv_path. */
static int print_report(const char *results, const char *paper, const char *csv_path,
                        const char *md_path, bool quiet)
{
    sn_error e = {0};
    sn_bench_report *r = NULL;
    if (sn_bench_report_read(results, paper, &r, &e) != SN_OK)
        return cli_fail("bench", &e);
    size_t n_lines, n_torn, n_sup;
    sn_bench_report_counts(r, &n_lines, &n_torn, &n_sup);
    if (n_torn && !quiet)
        fprintf(stderr, "shrinknet bench: %s: ignored a torn last line (an interrupted write)\n",
                results);
    char *md = NULL, *csv = NULL;
    int rc = EXIT_OK;
    if (sn_bench_report_format(r, SN_BENCH_MARKDOWN, &md, &e) != SN_OK ||
        sn_bench_report_format(r, SN_BENCH_CSV, &csv, &e) != SN_OK) {
        rc = cli_fail("bench", &e);
        goto out;
    }
    /* Files first: stdout may be a closed pipe. */
    if (csv_path && strcmp(csv_path, "none") == 0)
        csv_path = NULL;
    if (csv_path && sn_file_replace(csv_path, csv, strlen(csv), &e) != SN_OK) {
        rc = cli_fail("bench", &e);
        goto out;
    }
    if (md_path && sn_file_replace(md_path, md, strlen(md), &e) != SN_OK) {
        rc = cli_fail("bench", &e);
        goto out;
    }
    fputs(md, stdout);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "shrinknet bench: standard output: %s\n", strerror(errno));
        rc = EXIT_IO;
        goto out;
    }
    if (!quiet && csv_path)
        fprintf(stderr, "shrinknet bench: wrote %s\n", csv_path);
    if (!quiet && md_path)
        fprintf(stderr, "shrinknet bench: wrote %s\n", md_path);
out:
    free(md);
    free(csv);
    sn_bench_report_free(r);
    return rc;
}

int cmd_bench(int argc, char **argv)
{
    const char *data_dir = NULL, *datasets = NULL, *methods = NULL, *out = "results.jsonl";
    const char *protocol = "fixed", *variant = "exact", *report = NULL, *csv = NULL, *md = NULL, *paper = NULL;
    const char *tag = NULL, *s_epochs = NULL, *s_batch = NULL, *s_samples = NULL;
    const char *s_hidden = NULL, *s_lr = NULL, *s_keep = NULL, *s_precision = NULL;
    const char *s_sigma0 = NULL, *s_splits = NULL, *s_draws = NULL;
    bool learn_precision = false, quick = false, retry_errors = false, quiet = false;
    bool dry_run = false;
    double valid_fraction = 0.2, gal_lengthscale = 1e-2;
    size_t epoch_multiplier = 100;
    uint64_t seed = 1;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t jobs = ncpu > 0 ? (size_t)ncpu : 1;

    cli_opt table[] = {
        {"data-dir", 'd', OPT_STR, &data_dir, 0, 0, "DIR",
         "folder of data sets in the UCI layout (one subfolder each), or one such folder",
         "data and methods", false},
        {"datasets", 0, OPT_STR, &datasets, 0, 0, "LIST",
         "comma-separated subfolder names, or all (default: all; --quick: yacht)", NULL, false},
        {"methods", 'm', OPT_STR, &methods, 0, 0, "LIST",
         "comma-separated methods (above), or all (default: all)", NULL, false},
        {"splits", 0, OPT_STR, &s_splits, 0, 0, "N",
         "the first N splits of each data set (default: n_splits.txt; --quick: 2)", NULL, false},
        {"protocol", 0, OPT_STR, &protocol, 0, 0, "P",
         "fixed (the settings given) or gal (per-split grid search on 80/20 of the training "
         "part, refit, test)", "protocol", false},
        {"variant", 0, OPT_STR, &variant, 0, 0, "V",
         "exact or authors: the dropout methods (lb, iw, tail) as the paper states them, or as "
         "the authors' code runs them (MATH.md 7.9: their initialisation and Adam, precision "
         "fixed at 10 standardised, floor(N/B) minibatches, T = 500 unless --draws)", NULL, false},
        {"keep", 0, OPT_STR, &s_keep, 0, 0, "P",
         "keep probability of dropout (default: 0.995; gal: searched over dropout_rates.txt)",
         NULL, false},
        {"precision", 0, OPT_STR, &s_precision, 0, 0, "K",
         "fixed noise precision, original units of y (default: learned; gal: searched over "
         "tau_values.txt)", NULL, false},
        {"learn-precision", 0, OPT_FLAG, &learn_precision, 0, 0, NULL,
         "learn the precision (from --precision when given), also under gal", NULL, false},
        {"valid-fraction", 0, OPT_DOUBLE, &valid_fraction, 0.01, 0.99, "F",
         "gal: the last F of each split's training indices validate", NULL, false},
        {"epoch-multiplier", 0, OPT_SIZE, &epoch_multiplier, 1, 1e6, "N",
         "gal: dropout nets train n_epochs.txt x N epochs", NULL, false},
        {"epochs", 'e', OPT_STR, &s_epochs, 0, 0, "N",
         "epochs for every method (default: 4500; gal dropout: n_epochs.txt x 100; --quick: 20)",
         "optimisation (defaults: the published settings of each method)", false},
        {"batch", 'b', OPT_STR, &s_batch, 0, 0, "B",
         "minibatch size (default: 32; gal dropout: 128)", NULL, false},
        {"samples", 'S', OPT_STR, &s_samples, 0, 0, "S",
         "noise samples per point (default: 10; gal lb: 1, Gal's one mask per point)",
         NULL, false},
        {"lr", 0, OPT_STR, &s_lr, 0, 0, "R", "Adam learning rate (default: 0.001)", NULL, false},
        {"sigma0", 0, OPT_STR, &s_sigma0, 0, 0, "S",
         "prior std of an L2 term, inf for none (default: none; gal dropout: Gal's (39))", NULL,
         false},
        {"gal-lengthscale", 0, OPT_DOUBLE, &gal_lengthscale, 1e-300, 1e300, "L",
         "l of Gal's weight decay (39), sigma0^2 = 2/(l^2 keep)", NULL, false},
        {"hidden", 0, OPT_STR, &s_hidden, 0, 0, "N",
         "units per hidden layer (default: n_hidden.txt, else 50)", NULL, false},
        {"draws", 'T', OPT_STR, &s_draws, 0, 0, "T",
         "Monte Carlo draws per score (default: 1000; --quick: 100)", NULL, false},
        {"seed", 0, OPT_U64, &seed, 0, 1.8e19, "N",
         "seed; each unit's is hashed from (seed, data set, split, method, grid point)", NULL,
         false},
        {"quick", 0, OPT_FLAG, &quick, 0, 0, NULL,
         "a smoke test: 2 splits, 20 epochs, 100 draws, yacht (each can still be set)", NULL,
         false},
        {"out", 'o', OPT_STR, &out, 0, 0, "FILE",
         "results, one JSON line per unit; resumed when it exists", "run and output", false},
        {"jobs", 'j', OPT_SIZE, &jobs, 1, 1024, "N", "units in parallel (one core each)", NULL,
         false},
        {"retry-errors", 0, OPT_FLAG, &retry_errors, 0, 0, NULL,
         "rerun units whose recorded result is an error", NULL, false},
        {"tag", 0, OPT_STR, &tag, 0, 0, "TEXT",
         "recorded with every result, e.g. a commit id (default: $SN_COMMIT)", NULL, false},
        {"dry-run", 0, OPT_FLAG, &dry_run, 0, 0, NULL,
         "check the data and the results file, count the units, run nothing", NULL, false},
        {"report", 0, OPT_STR, &report, 0, 0, "FILE",
         "rebuild the tables from a results file; no training", NULL, false},
        {"csv", 0, OPT_STR, &csv, 0, 0, "FILE",
         "the tables as CSV (default: the results file with .csv; - stdout, none: not written)",
         NULL, false},
        {"md", 0, OPT_STR, &md, 0, 0, "FILE", "also write the Markdown tables to FILE", NULL,
         false},
        {"paper", 0, OPT_STR, &paper, 0, 0, "FILE",
         "the paper's Table 2 figures (default: bench/paper_table2.csv of the repository)", NULL,
         false},
        {"quiet", 'q', OPT_FLAG, &quiet, 0, 0, NULL, "no progress on stderr", NULL, false},
        {NULL, 0, OPT_FLAG, NULL, 0, 0, NULL, NULL, NULL, false},
    };
    int rc = cli_parse("bench", table, argc, argv, SYNOPSIS);
    if (rc)
        return rc == 1 ? EXIT_OK : rc;

    /* Under mpirun every rank parses the same command; rank 0 alone writes files and prints
     * tables and progress (cli/bench_mpi.c). */
    int rank = cli_mpi_rank();
    bool mpi = cli_mpi_size() > 1;
    if (mpi && (report || dry_run)) {
        if (rank != 0)
            return EXIT_OK;
        mpi = false; /* rank 0 alone, as without MPI */
    }
    if (mpi && cli_find(table, "jobs")->seen)
        return usage_error("--jobs: under MPI every rank runs one unit at a time; start more "
                           "ranks instead", NULL);
    if (rank != 0)
        quiet = true;

    /* What is allocated from here on is freed at `out`, the one way out. */
    char *paper_found = NULL, *csv_default = NULL;
    sn_bench_method *meth = NULL;
    sn_bench *b = NULL;
    if (!paper) {
        paper_found = find_paper_table();
        paper = paper_found;
    } else if (!readable(paper)) {
        fprintf(stderr, "shrinknet bench: --paper %s: cannot read: %s\n", paper,
                strerror(errno));
        return EXIT_IO;
    }
    if (!paper && !quiet)
        fprintf(stderr, "shrinknet bench: bench/paper_table2.csv not found: the tables go "
                        "without the paper's figures (--paper FILE)\n");

    if (report) {
        /* Only the tables: every training option is out of place here. */
        for (cli_opt *o = table; o->name; o++)
            if (o->seen && strcmp(o->name, "report") != 0 && strcmp(o->name, "csv") != 0 &&
                strcmp(o->name, "md") != 0 && strcmp(o->name, "paper") != 0 &&
                strcmp(o->name, "quiet") != 0) {
                rc = usage_error("--report rebuilds tables only; it takes --csv, --md, "
                                 "--paper and -q, not --", o->name);
                goto out;
            }
        if (!csv)
            csv = csv_default = sibling_name(report, ".csv");
        rc = print_report(report, paper, csv, md, quiet);
        goto out;
    }

    /* The run. */
    sn_bench_params bp;
    sn_bench_params_default(&bp);
    rc = 0;
    if (!data_dir)
        rc = usage_error("--data-dir is required (a folder of UCI data sets; "
                         "'shrinknet data fetch --to DIR' downloads them)", NULL);
    else if (strcmp(protocol, "fixed") == 0)
        bp.protocol = SN_BENCH_FIXED;
    else if (strcmp(protocol, "gal") == 0)
        bp.protocol = SN_BENCH_GAL;
    else
        rc = usage_error("--protocol: expected fixed or gal, found ", protocol);
    if (!rc && strcmp(out, "-") == 0)
        rc = usage_error("--out: the results must go to a file (it is appended to and resumed)",
                         NULL);
    if (quick) {
        bp.n_splits = 2;
        bp.n_epochs = 20;
        bp.n_draws = 100;
        if (!datasets)
            datasets = "yacht";
    }
    if (!rc && s_splits)
        rc = parse_size_opt("splits", s_splits, 1, 100000, &bp.n_splits);
    if (!rc && s_epochs)
        rc = parse_size_opt("epochs", s_epochs, 1, 1000000000, &bp.n_epochs);
    if (!rc && s_batch)
        rc = parse_size_opt("batch", s_batch, 1, 1000000000, &bp.batch_size);
    if (!rc && s_samples)
        rc = parse_size_opt("samples", s_samples, 1, 100000, &bp.n_samples);
    if (!rc && s_hidden)
        rc = parse_size_opt("hidden", s_hidden, 1, 100000, &bp.n_hidden);
    if (!rc && s_draws)
        rc = parse_size_opt("draws", s_draws, 1, 1000000, &bp.n_draws);
    if (!rc && s_lr)
        rc = parse_double_opt("lr", s_lr, 0, 1e300, true, &bp.learning_rate);
    if (!rc && s_keep)
        rc = parse_double_opt("keep", s_keep, 0, 1, true, &bp.keep);
    if (!rc && s_precision)
        rc = parse_double_opt("precision", s_precision, 0, 1e300, true, &bp.precision);
    if (!rc && s_sigma0)
        rc = parse_double_opt("sigma0", s_sigma0, 0, INFINITY, true, &bp.sigma0);
    if (!rc && s_sigma0 && cli_find(table, "gal-lengthscale")->seen)
        rc = usage_error("--sigma0 and --gal-lengthscale both set the L2 term; give one", NULL);
    if (!rc && sn_variant_parse(variant, &bp.mc_variant) != SN_OK)
        rc = usage_error("--variant: expected exact or authors, found ", variant);
    if (!rc && bp.mc_variant == SN_VARIANT_AUTHORS) {
        /* Their configuration fixes the precision and has no L2 term: refused, not overridden. */
        const char *fixed[] = {"precision", "learn-precision", "sigma0", "gal-lengthscale"};
        for (size_t i = 0; i < sizeof fixed / sizeof fixed[0] && !rc; i++)
            if (cli_find(table, fixed[i])->seen) {
                fprintf(stderr, "shrinknet bench: --variant authors fixes the precision of the "
                                "dropout nets and has no L2 term: --%s does not apply\n"
                                "try 'shrinknet bench --help'\n", fixed[i]);
                rc = EXIT_USAGE;
            }
        /* Their T = 500 test draws (MATH.md §7.9), unless given. */
        if (!s_draws && !quick)
            bp.n_draws = 500;
    }
    if (rc)
        goto out;
    bp.learn_precision = learn_precision;
    bp.valid_fraction = valid_fraction;
    bp.epoch_multiplier = epoch_multiplier;
    bp.gal_lengthscale = gal_lengthscale;
    bp.seed = seed;
    bp.retry_errors = retry_errors;
    bp.tag = tag ? tag : getenv("SN_COMMIT");

    /* Methods: presets by name. */
    const char *const *names = sn_bench_method_names();
    size_t n_presets = 0;
    while (names[n_presets])
        n_presets++;
    size_t n_meth = 0;
    sn_error e = {0};
    if (!(meth = calloc(n_presets + 64, sizeof *meth))) {
        rc = cli_fail("bench", &(sn_error){SN_ENOMEM, "out of memory"});
        goto out;
    }
    if (!methods || strcmp(methods, "all") == 0) {
        for (; n_meth < n_presets; n_meth++)
            sn_bench_method_preset(names[n_meth], &meth[n_meth], NULL);
    } else {
        const char *s = methods;
        for (;;) {
            const char *comma = strchr(s, ',');
            size_t len = comma ? (size_t)(comma - s) : strlen(s);
            char name[64];
            if (len == 0 || len >= sizeof name || n_meth == n_presets + 64) {
                rc = usage_error("--methods: expected a comma-separated list, found ", methods);
                goto out;
            }
            memcpy(name, s, len);
            name[len] = 0;
            if (sn_bench_method_preset(name, &meth[n_meth], &e) != SN_OK) {
                fprintf(stderr, "shrinknet bench: --methods: %s\ntry 'shrinknet bench --help'\n",
                        e.msg);
                rc = EXIT_USAGE;
                goto out;
            }
            n_meth++;
            if (!comma)
                break;
            s = comma + 1;
        }
    }

    sn_status st = sn_bench_new(&bp, data_dir, datasets, meth, n_meth, &b, &e);
    bool root_ok = true;
    if (mpi && !cli_mpi_all_ok(st == SN_OK, &root_ok) && st == SN_OK) {
        /* Another rank could not plan it and said why; rank 0 says so too. */
        if (rank == 0)
            fprintf(stderr, "shrinknet bench: another rank could not plan the benchmark\n");
        rc = EXIT_DATA;
        goto out;
    }
    if (st != SN_OK) {
        if (rank != 0 && root_ok)
            fprintf(stderr, "shrinknet bench: rank %d: %s\n", rank, e.msg);
        rc = rank == 0 ? cli_fail("bench", &e) : cli_exit_code(st);
        goto out;
    }
    size_t torn = 0;
    /* A dry run creates nothing: without a results file there is nothing to resume. Under MPI
     * rank 0 alone holds the file. */
    bool attach = !(dry_run && access(out, F_OK) != 0) && rank == 0;
    if (attach && (st = sn_bench_resume(b, out, &torn, &e)) != SN_OK)
        rc = cli_fail("bench", &e);
    /* Collective: every rank learns that rank 0 could not attach the file, or that the ranks
     * planned different benchmarks (other data, options or builds), and stops. */
    bool refused = mpi && (!cli_mpi_all_ok(st == SN_OK, NULL) || !cli_mpi_same_plan(b));
    if (rc || st != SN_OK || refused) {
        rc = rc ? rc : st != SN_OK ? cli_exit_code(st) : EXIT_DATA;
        goto out;
    }
    size_t n_units = sn_bench_n_units(b), n_done = sn_bench_n_done(b);
    if (!quiet) {
        if (torn)
            fprintf(stderr, "shrinknet bench: %s: removed a torn last line (%zu bytes) left by "
                            "an interrupted run\n", out, torn);
        size_t par = mpi ? (size_t)cli_mpi_size() : jobs;
        fprintf(stderr, "shrinknet bench: %zu data set%s x %zu method%s, protocol %s: %zu units, "
                        "%zu already in %s; %zu %s%s\n",
                sn_bench_n_datasets(b), sn_bench_n_datasets(b) == 1 ? "" : "s", n_meth,
                n_meth == 1 ? "" : "s", protocol, n_units, n_done, out, par,
                mpi ? "MPI rank" : "job", par == 1 ? "" : "s");
    }
    if (dry_run) {
        printf("%zu units, %zu done, %zu to run\n", n_units, n_done, n_units - n_done);
        rc = EXIT_OK;
        goto out;
    }

    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* A second Ctrl-C kills at once. */
    sa.sa_flags = (int)SA_RESETHAND;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    run_ctx ctx = {quiet, 0};
    double t0 = now();
    if (mpi)
        st = cli_mpi_bench_run(b, unit_cb, cancel_cb, &ctx, &e);
    else
        st = sn_bench_run(b, jobs, unit_cb, cancel_cb, &ctx, &e);
    double wall = now() - t0;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (rank != 0) {
        /* A rank that only ran units: rank 0 reports. */
        rc = st != SN_OK ? cli_fail("bench", &e) : interrupted ? 128 + SIGINT : EXIT_OK;
        goto out;
    }
    n_done = sn_bench_n_done(b);
    sn_bench_free(b); /* the file is complete and unlocked before the tables read it */
    b = NULL;
    char wt[32];
    fmt_time(wt, sizeof wt, wall);
    if (st != SN_OK) {
        rc = cli_fail("bench", &e);
        fprintf(stderr, "shrinknet bench: %zu of %zu units are in %s; rerun to go on\n", n_done,
                n_units, out);
        goto out;
    }
    if (n_done < n_units) {
        fprintf(stderr, "shrinknet bench: interrupted after %s: %zu of %zu units are in %s; "
                        "rerun the same command to go on\n", wt, n_done, n_units, out);
        rc = 128 + SIGINT;
        goto out;
    }
    if (!quiet) {
        fprintf(stderr, "shrinknet bench: all %zu units done, %s this run", n_units, wt);
        if (ctx.n_failed)
            fprintf(stderr, "; %zu failed (see Failures)", ctx.n_failed);
        fprintf(stderr, "\n");
    }
    if (!csv)
        csv = csv_default = sibling_name(out, ".csv");
    rc = print_report(out, paper, csv, md, quiet);
out:
    free(meth);
    sn_bench_free(b);
    free(csv_default);
    free(paper_found);
    return rc;
}
