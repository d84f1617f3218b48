/*
 * cmd_train.c — `shrinknet train`: read data, train, save a model file.
 */
#include "cmds.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *SYNOPSIS = "--data PATH [options] [-o MODEL]";

/* "mlp", "resnet", optionally ":WxL" (units per hidden layer x hidden layers). */
static int parse_arch(const char *s, sn_train_params *p)
{
    char name[16];
    const char *colon = strchr(s, ':');
    size_t n = colon ? (size_t)(colon - s) : strlen(s);
    if (n >= sizeof name)
        return -1;
    memcpy(name, s, n);
    name[n] = 0;
    if (sn_arch_parse(name, &p->arch) != SN_OK)
        return -1;
    if (p->arch == SN_ARCH_RESNET && p->n_layers < 2)
        p->n_layers = 2;
    if (!colon)
        return 0;
    char *end;
    unsigned long w = strtoul(colon + 1, &end, 10);
    if (end == colon + 1 || *end != 'x' || w < 1 || w > 100000)
        return -1;
    const char *l0 = end + 1;
    unsigned long l = strtoul(l0, &end, 10);
    if (end == l0 || *end || l < 1 || l > 1000)
        return -1;
    p->n_hidden = w;
    p->n_layers = l;
    return 0;
}

/* Options shared by train and bench live in cli_train_opts; fill p from them. Returns 0 or
 * prints one line and returns the usage exit code. */
int cli_train_params_from(const char *cmd, cli_train_opts *o, cli_opt *table, sn_train_params *p)
{
    sn_error e = {0};
#define USAGE(...)                                                                              \
    do {                                                                                        \
        fprintf(stderr, "shrinknet %s: ", cmd);                                                 \
        fprintf(stderr, __VA_ARGS__);                                                           \
        fprintf(stderr, "\ntry 'shrinknet %s --help'\n", cmd);                                  \
        return EXIT_USAGE;                                                                      \
    } while (0)
    if (parse_arch(o->arch, p) != 0)
        USAGE("--arch: expected mlp or resnet, optionally :WxL (e.g. resnet:50x2), found \"%s\"",
              o->arch);
    if (cli_find(table, "hidden")->seen)
        p->n_hidden = o->hidden;
    if (cli_find(table, "layers")->seen)
        p->n_layers = o->layers;
    if (sn_activation_parse(o->activation, &p->activation) != SN_OK)
        USAGE("--activation: expected relu or tanh, found \"%s\"", o->activation);
    if (o->likelihood && sn_likelihood_parse(o->likelihood, &p->likelihood) != SN_OK)
        USAGE("--likelihood: expected gaussian, bernoulli or categorical, found \"%s\"",
              o->likelihood);
    if (sn_method_parse(o->method, &p->method) != SN_OK)
        USAGE("--method: expected mc or vem, found \"%s\"", o->method);
    if (sn_noise_parse(o->noise, &p->noise, &e) != SN_OK)
        USAGE("--noise: %s", e.msg);
    if (o->noise_raw)
        p->noise.mean_one = false;
    if (o->block_noise && sn_noise_parse(o->block_noise, &p->block_noise, &e) != SN_OK)
        USAGE("--block-noise: %s", e.msg);
    if (o->block_noise && o->noise_raw)
        p->block_noise.mean_one = false;
    if (sn_placement_parse(o->placement, &p->placement) != SN_OK)
        USAGE("--placement: expected units, weights, blocks or units+blocks, found \"%s\"",
              o->placement);
    p->noise_on_input = !o->no_input_noise;
    if (sn_objective_parse(o->objective, &p->objective) != SN_OK)
        USAGE("--objective: expected lb, iw, tail or hier, found \"%s\"", o->objective);
    p->n_samples = o->samples;
    p->sigma0 = o->sigma0;
    if (cli_find(table, "gal-lengthscale")->seen) {
        if (cli_find(table, "sigma0")->seen)
            USAGE("--gal-lengthscale and --sigma0 both set the L2 term; give one");
        /* Gal's weight decay as a prior std (MATH.md (39)): σ0² = 2 / (l² (1 − p)), p the
         * dropout rate (1 − keep probability for Bernoulli noise, 0 otherwise). */
        double keep = p->noise.family == SN_NOISE_BERNOULLI ? p->noise.p[0] : 1.0;
        p->sigma0 = sqrt(2.0 / (o->gal_lengthscale * o->gal_lengthscale * keep));
    }
    if (sn_prior_parse(o->prior, &p->prior) != SN_OK)
        USAGE("--prior: expected none, ard, add or ard-add, found \"%s\"", o->prior);
    if (sn_hyperprior_parse(o->hyperprior, &p->hyper, &e) != SN_OK)
        USAGE("--hyperprior: %s", e.msg);
    if (sn_estimator_parse(o->estimator, &p->estimator) != SN_OK)
        USAGE("--estimator: expected local, reparam or flipout, found \"%s\"", o->estimator);
    if (sn_variant_parse(o->variant, &p->variant) != SN_OK)
        USAGE("--variant: expected exact or authors, found \"%s\"", o->variant);
    if (cli_find(table, "precision")->seen) {
        p->precision = o->precision;
        p->learn_precision = o->learn_precision;
    } else {
        p->precision = 0.0;
        p->learn_precision = true;
    }
    if (sn_optimizer_parse(o->optimizer, &p->optimizer) != SN_OK)
        USAGE("--optimizer: expected adam or sgd, found \"%s\"", o->optimizer);
    p->learning_rate = o->lr;
    p->momentum = o->momentum;
    p->batch_size = o->batch;
    p->n_epochs = o->epochs;
    p->seed = o->seed;
    if (sn_train_params_check(p, NULL, &e) != SN_OK) {
        fprintf(stderr, "shrinknet %s: %s\n", cmd, e.msg);
        return cli_exit_code(e.code);
    }
#undef USAGE
    return 0;
}

void cli_train_opts_default(cli_train_opts *o)
{
    sn_train_params p;
    sn_train_params_default(&p);
    memset(o, 0, sizeof *o);
    o->arch = "mlp";
    o->hidden = p.n_hidden;
    o->layers = p.n_layers;
    o->activation = "relu";
    o->likelihood = NULL; /* gaussian, or inferred from a CSV's integer label column */
    o->method = "mc";
    o->noise = "bernoulli:0.995";
    o->placement = "units";
    o->objective = "lb";
    o->samples = p.n_samples;
    o->sigma0 = INFINITY;
    o->gal_lengthscale = 1e-2;
    o->prior = "ard";
    o->hyperprior = "invgamma:3,3";
    o->estimator = "local";
    o->variant = "exact";
    o->precision = 1.0;
    o->optimizer = "adam";
    o->lr = p.learning_rate;
    o->momentum = 0.0;
    o->batch = p.batch_size;
    o->epochs = p.n_epochs;
    o->seed = p.seed;
}

/* The model and optimisation options, as a table segment shared with bench. */
size_t cli_train_table(cli_train_opts *o, cli_opt *t)
{
    cli_opt opts[] = {
        {"arch", 0, OPT_STR, &o->arch, 0, 0, "A", "mlp or resnet, optionally :WxL units x layers",
         "model", false},
        {"hidden", 0, OPT_SIZE, &o->hidden, 1, 100000, "N", "units per hidden layer", NULL, false},
        {"layers", 0, OPT_SIZE, &o->layers, 1, 1000, "N",
         "hidden layers (a resnet needs 2 or more)", NULL, false},
        {"activation", 0, OPT_STR, &o->activation, 0, 0, "F", "relu or tanh", NULL, false},
        {"likelihood", 0, OPT_STR, &o->likelihood, 0, 0, "L",
         "gaussian, bernoulli or categorical (default: gaussian; categorical or bernoulli when "
         "a CSV target holds only the integers 0..K-1, K <= 20, said on stderr)", NULL, false},
        {"method", 0, OPT_STR, &o->method, 0, 0, "M",
         "mc (Monte Carlo noise) or vem (variational EM)", NULL, false},
        {"noise", 0, OPT_STR, &o->noise, 0, 0, "SPEC",
         "bernoulli:KEEP gaussian:ALPHA rayleigh invnakagami:M[,OMEGA] halfcauchy:ETA "
         "beta:A,B uniform:LO,HI none; scaled to mean one",
         "Monte Carlo noise (method mc)", false},
        {"noise-raw", 0, OPT_FLAG, &o->noise_raw, 0, 0, NULL,
         "do not scale the noise to mean one", NULL, false},
        {"block-noise", 0, OPT_STR, &o->block_noise, 0, 0, "SPEC",
         "noise per residual block (default: as --noise)", NULL, false},
        {"placement", 0, OPT_STR, &o->placement, 0, 0, "P",
         "units (dropout, ARD), weights (DropConnect), blocks (ADD: first and last layer keep "
         "unit noise), units+blocks (ARD-ADD)", NULL, false},
        {"no-input-noise", 0, OPT_FLAG, &o->no_input_noise, 0, 0, NULL,
         "no noise on the input layer", NULL, false},
        {"objective", 0, OPT_STR, &o->objective, 0, 0, "O",
         "lb (lower bound), iw (importance weighted), tail (tail-adaptive), hier (hierarchical)",
         NULL, false},
        {"samples", 'S', OPT_SIZE, &o->samples, 1, 100000, "S", "noise samples per point",
         NULL, false},
        {"sigma0", 0, OPT_DOUBLE, &o->sigma0, 1e-300, INFINITY, "S",
         "prior std of the L2 term (inf: none)", NULL, false},
        {"gal-lengthscale", 0, OPT_DOUBLE, &o->gal_lengthscale, 1e-300, 1e300, "L",
         "Gal's weight decay, sigma0^2 = 2/(L^2 keep)", NULL, false},
        {"prior", 0, OPT_STR, &o->prior, 0, 0, "P", "none (N(0,1)), ard (a variance per row of every W), add (one per residual block) or "
         "ard-add (row x block); with add and ard-add the first and last W keep ARD",
         "variational EM (method vem)", false},
        {"hyperprior", 0, OPT_STR, &o->hyperprior, 0, 0, "H",
         "invgamma:A,B, halfcauchy:ETA or loguniform", NULL, false},
        {"estimator", 0, OPT_STR, &o->estimator, 0, 0, "E", "local, reparam or flipout", NULL, false},
        {"variant", 0, OPT_STR, &o->variant, 0, 0, "V",
         "exact (the paper) or authors (their public code)", NULL, false},
        {"precision", 0, OPT_DOUBLE, &o->precision, 1e-300, 1e300, "K",
         "fix the noise precision, original units of y; without it, it is learned.", "likelihood",
         false},
        {"learn-precision", 0, OPT_FLAG, &o->learn_precision, 0, 0, NULL,
         "learn the precision, starting from --precision", NULL, false},
        {"optimizer", 0, OPT_STR, &o->optimizer, 0, 0, "O", "adam or sgd", "optimisation", false},
        {"lr", 0, OPT_DOUBLE, &o->lr, 1e-300, 1e300, "R", "learning rate", NULL, false},
        {"momentum", 0, OPT_DOUBLE, &o->momentum, 0, 0.999999, "M", "SGD momentum", NULL, false},
        {"batch", 'b', OPT_SIZE, &o->batch, 1, 1e9, "B", "minibatch size", NULL, false},
        {"epochs", 'e', OPT_SIZE, &o->epochs, 1, 1e12, "N", "passes over the data", NULL, false},
        {"seed", 0, OPT_U64, &o->seed, 0, 1.8e19, "N", "random seed", NULL, false},
    };
    size_t n = sizeof opts / sizeof opts[0];
    memcpy(t, opts, sizeof opts);
    return n;
}

/* --record-weights: the normalised sample weights of every minibatch, for Figure 1(a). */
typedef struct {
    sn_file_out out;
    size_t epoch, every;
    cli_progress *prog;
} recorder;

static void record_weights(const double *w, size_t n_points, size_t S, void *user)
{
    recorder *r = user;
    /* The epoch being trained is one more than the number of progress reports so far. */
    if ((r->epoch + 1) % r->every != 0)
        return;
    for (size_t n = 0; n < n_points; n++) {
        fprintf(r->out.f, "%zu", r->epoch + 1);
        for (size_t s = 0; s < S; s++)
            fprintf(r->out.f, ",%.6g", w[n * S + s]);
        fputc('\n', r->out.f);
    }
}

static int progress_and_count(const sn_progress *info, void *user)
{
    recorder *r = user;
    r->epoch = info->epoch;
    return r->prog ? cli_progress_cb(info, r->prog) : 0;
}

/* A CSV target holding only the integers 0..K-1 (every one present, 2 <= K <= 20) is a class
 * label: categorical (bernoulli for K = 2). Said on stderr, since a regression target can look
 * like this too; --likelihood gaussian overrides. */
static void infer_likelihood(const sn_data *d, sn_train_params *p, bool quiet)
{
    const double *y = sn_data_y(d);
    size_t n = sn_data_n_rows(d);
    bool seen[20] = {false};
    size_t K = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(y[i] >= 0 && y[i] < 20 && y[i] == (double)(size_t)y[i]))
            return;
        size_t c = (size_t)y[i];
        seen[c] = true;
        K = c + 1 > K ? c + 1 : K;
    }
    for (size_t k = 0; k < K; k++)
        if (!seen[k])
            return;
    if (K < 2)
        return;
    p->likelihood = K == 2 ? SN_LIK_BERNOULLI : SN_LIK_CATEGORICAL;
    p->n_classes = K == 2 ? 0 : K;
    if (!quiet)
        fprintf(stderr, "shrinknet train: the target holds only the integers 0..%zu: training a "
                        "%s classifier (--likelihood gaussian for regression)\n",
                K - 1, sn_likelihood_name(p->likelihood));
}

int cmd_train(int argc, char **argv)
{
    cli_train_opts o;
    cli_train_opts_default(&o);
    cli_data_opts dopt = {NULL, 0, NULL, "auto", "auto"};
    const char *out = NULL;
    bool quiet = false;
    size_t threads = 1, record_every = 1;
    const char *record_path = NULL;
    cli_opt table[64];
    size_t n = 0;
    cli_opt data_opts[] = {
        {"data", 'd', OPT_STR, &dopt.path, 0, 0, "PATH", "UCI folder or CSV file", "data", false},
        {"split", 0, OPT_SIZE, &dopt.split, 0, 100000, "K", "split of a UCI folder", NULL, false},
        {"target", 0, OPT_STR, &dopt.target, 0, 0, "COL",
         "CSV target: column name or 0-based index (default: last)", NULL, false},
        {"delimiter", 0, OPT_STR, &dopt.delim, 0, 0, "D", "auto, comma or whitespace", NULL, false},
        {"header", 0, OPT_STR, &dopt.header, 0, 0, "H", "auto, yes or no", NULL, false},
    };
    memcpy(table, data_opts, sizeof data_opts);
    n += sizeof data_opts / sizeof data_opts[0];
    n += cli_train_table(&o, table + n);
    cli_opt out_opts[] = {
        {"output", 'o', OPT_STR, &out, 0, 0, "FILE",
         "model file (default: the data's name with .snm)", "output", false},
        {"threads", 0, OPT_SIZE, &threads, 1, 256, "N", "BLAS threads", NULL, false},
        {"record-weights", 0, OPT_STR, &record_path, 0, 0, "FILE",
         "write every minibatch's normalised sample weights (CSV: epoch,w1..wS)", NULL, false},
        {"record-every", 0, OPT_SIZE, &record_every, 1, 1e9, "K",
         "with --record-weights: only every K-th epoch", NULL, false},
        {"quiet", 'q', OPT_FLAG, &quiet, 0, 0, NULL, "no progress on stderr", NULL, false},
        {NULL, 0, OPT_FLAG, NULL, 0, 0, NULL, NULL, NULL, false},
    };
    memcpy(table + n, out_opts, sizeof out_opts);

    int rc = cli_parse("train", table, argc, argv, SYNOPSIS);
    if (rc)
        return rc == 1 ? EXIT_OK : rc;
    sn_train_params p;
    sn_train_params_default(&p);
    if ((rc = cli_train_params_from("train", &o, table, &p)) != 0)
        return rc;
    cli_set_threads(threads);

    sn_error e = {0};
    sn_data *train = NULL, *test = NULL;
    if (cli_load_data(&dopt, &train, &test, &e) != SN_OK)
        return cli_fail("train", &e);
    sn_model *m = NULL;
    int exit_code = EXIT_OK;
    if (!o.likelihood && !cli_is_dir(dopt.path))
        infer_likelihood(train, &p, quiet);
    char *default_out = NULL;
    if (!out) {
        default_out = cli_default_model_name(dopt.path, dopt.split, cli_is_dir(dopt.path));
        out = default_out;
    }
    /* Check the output location before spending the time to train. A device or FIFO is only
     * checked for write permission: opening a FIFO would hand its reader an end of file. */
    struct stat sb;
    sn_status where = SN_OK;
    if (stat(out, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        if (S_ISDIR(sb.st_mode))
            where = cli_err(&e, SN_EIO, "%s: is a folder, not a file", out);
        else if (access(out, W_OK) != 0)
            where = cli_err(&e, SN_EIO, "%s: %s", out, strerror(errno));
    } else {
        sn_file_out probe;
        where = sn_file_out_open(&probe, out, &e);
        if (where == SN_OK)
            sn_file_out_abort(&probe);
    }
    if (where != SN_OK) {
        exit_code = cli_fail("train", &e);
        goto done;
    }

    cli_progress prog;
    cli_progress_init(&prog, quiet, "train");
    recorder rec = {.every = record_every, .prog = &prog};
    p.progress = progress_and_count;
    p.progress_user = &rec;
    sn_status st = SN_OK;
    if (record_path) {
        st = sn_file_out_open(&rec.out, record_path, &e);
        if (st == SN_OK) {
            fprintf(rec.out.f, "# shrinknet sample weights: objective %s, S = %zu, noise ",
                    sn_objective_name(p.objective), p.n_samples);
            char spec[128];
            sn_noise_format(&p.noise, spec, sizeof spec);
            fprintf(rec.out.f, "%s\n", spec);
            p.record_weights = record_weights;
            p.record_user = &rec;
        }
    }
    if (st == SN_OK)
        st = sn_train(&p, train, &m, &e);
    if (record_path && rec.out.f) {
        sn_error re = {0};
        if (st == SN_OK && sn_file_out_commit(&rec.out, &re) != SN_OK) {
            st = re.code;
            e = re;
        } else if (st != SN_OK) {
            sn_file_out_abort(&rec.out);
        }
    }
    if (st != SN_OK) {
        /* A diverged run keeps whatever model file exists; nothing is written. */
        exit_code = cli_fail("train", &e);
    } else {
        sn_error se = {0};
        if (sn_model_save(m, out, &se) != SN_OK) {
            exit_code = cli_fail("train", &se);
        } else if (!quiet) {
            fprintf(stderr, "shrinknet train: wrote %s\n", out);
        }
    }
done:
    sn_model_free(m);
    sn_data_free(train);
    sn_data_free(test);
    free(default_out);
    return exit_code;
}
