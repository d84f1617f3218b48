/*
 * cmd_train.c — `shrinknet train`: read data, train, save a model file.
 */
#include "cmds.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *SYNOPSIS = "--data PATH [options] [-o MODEL]";

/* The CLI's own words for --likelihood: it infers the likelihood from a CSV's labels. */
static const char *LIKELIHOOD_HELP =
    "gaussian, bernoulli or categorical (default: gaussian; categorical or bernoulli when a CSV "
    "target holds only the integers 0..K-1, K <= 20, said on stderr)";

size_t cli_train_table(cli_train_opts *o, cli_opt *t)
{
    sn_train_params def;
    sn_train_params_default(&def);
    memset(o, 0, sizeof *o);
    o->opt = t;
    const sn_param_info *q;
    for (size_t i = 0; (q = sn_train_param_info(i)) != NULL; i++) {
        if (!q->option)
            continue;
        assert(o->n < CLI_TRAIN_MAX);
        size_t k = o->n++;
        const char *help = q->help;
        o->info[k] = q;
        if (sn_train_params_get(&def, q->name, o->shown[k], sizeof o->shown[k], NULL) != SN_OK)
            o->shown[k][0] = '\0';
        if (strcmp(q->name, "likelihood") == 0) {
            help = LIKELIHOOD_HELP;
            o->shown[k][0] = '\0'; /* the words above say it */
        }
        o->text[k] = o->shown[k];
        if (q->meta)
            t[k] = (cli_opt){q->option, q->short_name, OPT_TEXT, &o->text[k], 0, 0, q->meta, help,
                             q->group, false};
        else
            t[k] = (cli_opt){q->option, q->short_name, OPT_FLAG, &o->flag[k], 0, 0, NULL, help,
                             q->group, false};
    }
    return o->n;
}

bool cli_train_given(const cli_train_opts *o, const char *name)
{
    for (size_t k = 0; k < o->n; k++)
        if (strcmp(o->info[k]->name, name) == 0)
            return o->opt[k].seen;
    return false;
}

int cli_train_params_from(const char *cmd, const cli_train_opts *o, sn_train_params *p)
{
    sn_error e = {0};
    for (size_t k = 0; k < o->n; k++) {
        const sn_param_info *q = o->info[k];
        if (!o->opt[k].seen)
            continue;
        /* Both would set the L2 term; the library would let the later one win. */
        if (strcmp(q->name, "gal-lengthscale") == 0 && cli_train_given(o, "sigma0")) {
            fprintf(stderr, "shrinknet %s: --gal-lengthscale and --sigma0 both set the L2 term; "
                            "give one\ntry 'shrinknet %s --help'\n", cmd, cmd);
            return EXIT_USAGE;
        }
        if (sn_train_params_set(p, q->name, q->meta ? o->text[k] : q->flag_value, &e) != SN_OK) {
            /* The library's message begins with the key; the CLI names its option. */
            size_t len = strlen(q->name);
            const char *rest = strncmp(e.msg, q->name, len) == 0 && e.msg[len] == ':'
                                   ? e.msg + len + 1
                                   : e.msg;
            fprintf(stderr, "shrinknet %s: --%s:%s%s\ntry 'shrinknet %s --help'\n", cmd,
                    q->option, rest[0] == ' ' ? "" : " ", rest, cmd);
            return cli_exit_code(e.code);
        }
    }
    if (sn_train_params_check(p, NULL, &e) != SN_OK) {
        fprintf(stderr, "shrinknet %s: %s\n", cmd, e.msg);
        return cli_exit_code(e.code);
    }
    return 0;
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
    if ((rc = cli_train_params_from("train", &o, &p)) != 0)
        return rc;
    cli_set_threads(threads);

    sn_error e = {0};
    sn_data *train = NULL, *test = NULL;
    if (cli_load_data(&dopt, &train, &test, &e) != SN_OK)
        return cli_fail("train", &e);
    sn_model *m = NULL;
    int exit_code = EXIT_OK;
    if (!cli_train_given(&o, "likelihood") && !cli_is_dir(dopt.path))
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
            where = sn_fail(&e, SN_EIO, "%s: is a folder, not a file", out);
        else if (access(out, W_OK) != 0)
            where = sn_fail(&e, SN_EIO, "%s: %s", out, strerror(errno));
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
