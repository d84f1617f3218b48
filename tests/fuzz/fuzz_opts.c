/*
 * fuzz_opts.c — libFuzzer harness for the command-line option parser (cli/opts.c), train's
 * options built from the library's table of training parameters and applied through
 * sn_train_params_set (cli_train_table, cli_train_params_from in cli/cmd_train.c), the reverse
 * direction sn_train_params_get, and the specification parsers of the library: sn_noise_parse,
 * sn_hyperprior_parse and the enum names.
 *
 * Input: a mode byte, then text.
 *   mode % 4 == 0   the text is an argument vector, one argument per line ('\n'); it is parsed
 *                   with train's table (data, model, noise, prior, optimisation and output
 *                   options) and, when that succeeds, translated into sn_train_params
 *   mode % 4 == 1   the same with a small table that has every kind of option and short names
 *   mode % 4 == 2   the text is a noise specification: sn_noise_parse, then format and parse
 *                   again (an exact round trip), sn_noise_check, moments and 8 draws
 *   mode % 4 == 3   the text is a hyper-prior specification (round trip as for noise) and is
 *                   tried as the name of every enum
 *
 * Properties besides the sanitizers. cli_parse returns 0, 1 (help, on stdout, beginning
 * "usage: shrinknet") or 2; with 2 it printed exactly two lines, "shrinknet CMD: ..." and
 * "try 'shrinknet CMD --help'". Every number it accepted lies in its option's range and was
 * written without leading blanks or a sign. A translation that fails returns exit code 2 after
 * "shrinknet train: ..." (a refused value: "shrinknet train: --OPTION: ..." naming an option that
 * was given, then the "try" line); one that succeeds passes sn_train_params_check, took no value
 * that starts with a blank, and is a fixed point of the table's text: the values
 * sn_train_params_get writes, applied in table order to the defaults, give parameters that pass
 * the check and whose every value reads as the same text. A parsed noise or hyper-prior formats
 * to text that parses back to the same bits, and noise draws are not NaN.
 */
#include "fuzz_util.h"

#include "cmds.h"
#include "opts.h"

#include <math.h>
#include <stdint.h>

/* cmd_train.c also holds cmd_train(), which calls these two from cli/main.c; main.c cannot be
 * linked into a fuzzer (it has main), and the harness never calls cmd_train(). */
__attribute__((weak)) void cli_set_threads(size_t n) { (void)n; }
__attribute__((weak)) char *cli_default_model_name(const char *p, size_t s, bool u)
{
    (void)p, (void)s, (void)u;
    return NULL;
}

#define MAX_ARGS 64

/* Captured stdout and stderr of one call. */
typedef struct {
    char *out, *err;
    size_t n_out, n_err;
    FILE *saved_out, *saved_err;
} capture;

static void capture_begin(capture *c)
{
    memset(c, 0, sizeof *c);
    c->saved_out = stdout;
    c->saved_err = stderr;
    stdout = open_memstream(&c->out, &c->n_out);
    stderr = open_memstream(&c->err, &c->n_err);
    if (!stdout || !stderr)
        abort();
}

static void capture_end(capture *c)
{
    fclose(stdout);
    fclose(stderr);
    stdout = c->saved_out;
    stderr = c->saved_err;
}

static void capture_free(capture *c)
{
    free(c->out);
    free(c->err);
}

static size_t count_lines(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += s[i] == '\n';
    return k;
}

/* A failure printed exactly "shrinknet CMD: ...\ntry 'shrinknet CMD --help'\n". */
static void check_usage_message(const capture *c, const char *cmd)
{
    char head[64], tail[64];
    snprintf(head, sizeof head, "shrinknet %s: ", cmd);
    snprintf(tail, sizeof tail, "\ntry 'shrinknet %s --help'\n", cmd);
    size_t nt = strlen(tail);
    FUZZ_CHECK(c->n_err > nt && strncmp(c->err, head, strlen(head)) == 0 &&
                   strcmp(c->err + c->n_err - nt, tail) == 0 && count_lines(c->err, c->n_err) == 2,
               "usage message is not two lines \"%s...\" + \"try ...\": [%s]", head, c->err);
}

/* Every numeric option the parser accepted is in range and was written as plain digits. */
static void check_values(const cli_opt *t, int argc, char **argv)
{
    for (const cli_opt *o = t; o->name; o++) {
        if (!o->seen)
            continue;
        switch (o->kind) {
        case OPT_SIZE: {
            double v = (double)*(size_t *)o->target;
            FUZZ_CHECK(v >= o->lo && v <= o->hi, "--%s = %g outside [%g, %g]", o->name, v, o->lo,
                       o->hi);
            break;
        }
        case OPT_U64: {
            double v = (double)*(uint64_t *)o->target;
            FUZZ_CHECK(v >= o->lo && v <= o->hi, "--%s = %g outside [%g, %g]", o->name, v, o->lo,
                       o->hi);
            break;
        }
        case OPT_DOUBLE: {
            double v = *(double *)o->target;
            FUZZ_CHECK(!isnan(v) && v >= o->lo && v <= o->hi, "--%s = %g outside [%g, %g]",
                       o->name, v, o->lo, o->hi);
            break;
        }
        default:
            break;
        }
    }
    /* The text of every value given to a numeric option starts with a digit, '.', or (for
     * reals) a sign: no blanks, which strtod and strtoull would silently skip. */
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        const cli_opt *o = NULL;
        if (a[0] == '-' && a[1] == '-' && a[2]) {
            const char *eq = strchr(a + 2, '=');
            for (const cli_opt *p = t; p->name && !o; p++) {
                size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
                if (strlen(p->name) == n && strncmp(p->name, a + 2, n) == 0)
                    o = p;
            }
            v = eq ? eq + 1 : NULL;
        } else if (a[0] == '-' && a[1] && !a[2]) {
            for (const cli_opt *p = t; p->name; p++)
                if (p->short_name == a[1])
                    o = p;
        }
        if (!o || o->kind == OPT_FLAG)
            continue;
        if (!v && i + 1 < argc)
            v = argv[++i];
        if (v && (o->kind == OPT_SIZE || o->kind == OPT_U64 || o->kind == OPT_DOUBLE))
            FUZZ_CHECK(*v && strchr(" \t\n\v\f\r", *v) == NULL, "--%s accepted \"%s\"", o->name,
                       v);
    }
}

/* Parse argv with table t as command cmd; returns cli_parse's result after the checks. */
static int parse_checked(const char *cmd, cli_opt *t, int argc, char **argv)
{
    capture c;
    capture_begin(&c);
    int rc = cli_parse(cmd, t, argc, argv, "[options]");
    capture_end(&c);
    FUZZ_CHECK(rc == 0 || rc == 1 || rc == 2, "cli_parse returned %d", rc);
    if (rc == 1) {
        /* --help prints the usage; --list-options one "--name [META]" line per option. */
        FUZZ_CHECK(c.n_out > 0 && (strncmp(c.out, "usage: shrinknet ", 17) == 0 ||
                                   (c.out[0] == '-' && c.out[c.n_out - 1] == '\n')),
                   "help does not start with usage, nor the option list with an option");
    } else if (rc == 2) {
        check_usage_message(&c, cmd);
    } else {
        FUZZ_CHECK(c.n_err == 0 && c.n_out == 0, "a successful parse printed [%s]", c.err);
        check_values(t, argc, argv);
    }
    capture_free(&c);
    return rc;
}

/* The parameters p read back through the table: every key's text (sn_train_params_get), applied
 * in table order to the defaults, gives parameters that pass the check and read as the same
 * text. */
static void check_round_trip(const sn_train_params *p)
{
    sn_train_params q;
    sn_error e = {0};
    char text[SN_PARAM_VALUE_LEN], back[SN_PARAM_VALUE_LEN];
    const sn_param_info *info;
    sn_train_params_default(&q);
    for (size_t i = 0; (info = sn_train_param_info(i)) != NULL; i++) {
        FUZZ_CHECK(sn_train_params_get(p, info->name, text, sizeof text, &e) == SN_OK,
                   "get %s: %s", info->name, e.msg);
        if (text[0])
            FUZZ_CHECK(sn_train_params_set(&q, info->name, text, &e) == SN_OK,
                       "get %s wrote \"%s\", which set refuses: %s", info->name, text, e.msg);
    }
    FUZZ_CHECK(sn_train_params_check(&q, NULL, &e) == SN_OK, "read back, the params fail the "
               "check: %s", e.msg);
    for (size_t i = 0; (info = sn_train_param_info(i)) != NULL; i++) {
        sn_train_params_get(p, info->name, text, sizeof text, NULL);
        sn_train_params_get(&q, info->name, back, sizeof back, NULL);
        FUZZ_CHECK(strcmp(text, back) == 0, "%s: \"%s\" read back as \"%s\"", info->name, text,
                   back);
    }
}

/* train's table, as cmd_train builds it. */
static void fuzz_train(int argc, char **argv)
{
    cli_train_opts o;
    cli_data_opts dopt = {NULL, 0, NULL, "auto", "auto"};
    const char *out = NULL, *record_path = NULL;
    bool quiet = false;
    size_t threads = 1, record_every = 1;
    cli_opt table[64];
    size_t n = 0;
    cli_opt data_opts[] = {
        {"data", 'd', OPT_STR, &dopt.path, 0, 0, "PATH", "data", "data", false},
        {"split", 0, OPT_SIZE, &dopt.split, 0, 100000, "K", "split", NULL, false},
        {"target", 0, OPT_STR, &dopt.target, 0, 0, "COL", "target", NULL, false},
        {"delimiter", 0, OPT_STR, &dopt.delim, 0, 0, "D", "delimiter", NULL, false},
        {"header", 0, OPT_STR, &dopt.header, 0, 0, "H", "header", NULL, false},
    };
    memcpy(table, data_opts, sizeof data_opts);
    n += sizeof data_opts / sizeof data_opts[0];
    n += cli_train_table(&o, table + n);
    cli_opt out_opts[] = {
        {"output", 'o', OPT_STR, &out, 0, 0, "FILE", "model file", "output", false},
        {"threads", 0, OPT_SIZE, &threads, 1, 256, "N", "threads", NULL, false},
        {"record-weights", 0, OPT_STR, &record_path, 0, 0, "FILE", "weights", NULL, false},
        {"record-every", 0, OPT_SIZE, &record_every, 1, 1e9, "K", "every", NULL, false},
        {"quiet", 'q', OPT_FLAG, &quiet, 0, 0, NULL, "quiet", NULL, false},
        {NULL, 0, OPT_FLAG, NULL, 0, 0, NULL, NULL, NULL, false},
    };
    memcpy(table + n, out_opts, sizeof out_opts);

    if (parse_checked("train", table, argc, argv) != 0)
        return;
    sn_train_params p;
    sn_train_params_default(&p);
    capture c;
    capture_begin(&c);
    int rc = cli_train_params_from("train", &o, &p);
    capture_end(&c);
    if (rc != 0) {
        FUZZ_CHECK(rc == 2, "translation returned %d: [%s]", rc, c.err);
        FUZZ_CHECK(c.n_err > 17 && strncmp(c.err, "shrinknet train: ", 17) == 0,
                   "translation message [%s]", c.err);
        /* A refused value names its option, one that was given. */
        if (strncmp(c.err + 17, "--", 2) == 0) {
            bool named = false;
            for (size_t k = 0; k < o.n && !named; k++) {
                size_t len = strlen(o.opt[k].name);
                named = o.opt[k].seen && strncmp(c.err + 19, o.opt[k].name, len) == 0 &&
                        (c.err[19 + len] == ':' || c.err[19 + len] == ' ');
            }
            FUZZ_CHECK(named, "the message names no option given: [%s]", c.err);
            check_usage_message(&c, "train");
        }
    } else {
        sn_error e = {0};
        FUZZ_CHECK(c.n_err == 0, "a successful translation printed [%s]", c.err);
        FUZZ_CHECK(sn_train_params_check(&p, NULL, &e) == SN_OK, "accepted params fail the "
                   "check: %s", e.msg);
        /* No value the library accepted starts with a blank, which strtod and strtoull would
         * have skipped. */
        for (size_t k = 0; k < o.n; k++)
            if (o.opt[k].seen && o.opt[k].kind == OPT_TEXT)
                FUZZ_CHECK(strchr(" \t\n\v\f\r", o.text[k][0]) == NULL || !o.text[k][0],
                           "--%s accepted \"%s\"", o.opt[k].name, o.text[k]);
        check_round_trip(&p);
    }
    capture_free(&c);
}

/* Every kind of option, with short names, negative and infinite ranges. */
static void fuzz_table(int argc, char **argv)
{
    bool flag = false;
    const char *str = "x";
    size_t sz = 1;
    double dbl = 0.5, dneg = 0.0;
    uint64_t u = 7;
    cli_opt t[] = {
        {"flag", 'f', OPT_FLAG, &flag, 0, 0, NULL, "a flag", "group", false},
        {"str", 's', OPT_STR, &str, 0, 0, "S", "a string", NULL, false},
        {"size", 'n', OPT_SIZE, &sz, 1, 1000, "N", "a size", NULL, false},
        {"real", 'r', OPT_DOUBLE, &dbl, 0, 1, "R", "a real", "other", false},
        {"neg", 0, OPT_DOUBLE, &dneg, -INFINITY, INFINITY, "R", "any real", NULL, false},
        {"u64", 'u', OPT_U64, &u, 0, 1.8e19, "U", "a 64-bit integer", NULL, false},
        {NULL, 0, OPT_FLAG, NULL, 0, 0, NULL, NULL, NULL, false},
    };
    parse_checked("fuzz", t, argc, argv);
}

static void fuzz_noise(const char *s)
{
    sn_noise nz, back;
    sn_error e = {0};
    if (sn_noise_parse(s, &nz, &e) != SN_OK) {
        FUZZ_CHECK(e.code == SN_EINVAL && e.msg[0], "noise parse failed with %d [%s]",
                   (int)e.code, e.msg);
        return;
    }
    char buf[128];
    int n = sn_noise_format(&nz, buf, sizeof buf);
    FUZZ_CHECK(n > 0 && (size_t)n < sizeof buf, "format returned %d", n);
    FUZZ_CHECK(sn_noise_parse(buf, &back, &e) == SN_OK, "\"%s\" -> \"%s\" does not parse: %s", s,
               buf, e.msg);
    FUZZ_CHECK(back.family == nz.family && memcmp(back.p, nz.p, sizeof nz.p) == 0 &&
                   back.mean_one == nz.mean_one,
               "\"%s\" -> \"%s\" is not a round trip", s, buf);
    /* Parsing vouches for the parameters; mean-one scaling may still be impossible (an
     * infinite mean), which is sn_noise_check's to say: then the raw law must pass. */
    if (sn_noise_check(&nz, &e) != SN_OK) {
        FUZZ_CHECK(strstr(e.msg, "mean one") != NULL, "parsed noise fails the check: %s", e.msg);
        nz.mean_one = false;
        FUZZ_CHECK(sn_noise_check(&nz, &e) == SN_OK, "the raw law fails the check: %s", e.msg);
    }
    (void)sn_noise_moments_of(&nz);
    sn_rng *r = sn_rng_new(1, 0);
    double draws[8];
    if (r) {
        sn_noise_sample(&nz, r, draws, 8);
        for (int i = 0; i < 8; i++)
            FUZZ_CHECK(!isnan(draws[i]), "noise \"%s\": draw %d is NaN", buf, i);
    }
    sn_rng_free(r);
}

static void fuzz_hyper_and_names(const char *s)
{
    sn_hyperprior h, back;
    sn_error e = {0};
    if (sn_hyperprior_parse(s, &h, &e) == SN_OK) {
        char buf[128];
        int n = sn_hyperprior_format(&h, buf, sizeof buf);
        FUZZ_CHECK(n > 0 && (size_t)n < sizeof buf, "format returned %d", n);
        FUZZ_CHECK(sn_hyperprior_parse(buf, &back, &e) == SN_OK, "\"%s\" -> \"%s\" fails: %s", s,
                   buf, e.msg);
        FUZZ_CHECK(back.family == h.family && memcmp(&back.a, &h.a, sizeof h.a) == 0 &&
                       memcmp(&back.b, &h.b, sizeof h.b) == 0,
                   "\"%s\" -> \"%s\" is not a round trip", s, buf);
        (void)sn_hyper_optimal_variance(&h, 2.385, 3.0);
    } else {
        FUZZ_CHECK(e.code == SN_EINVAL && e.msg[0], "hyper parse failed with %d", (int)e.code);
    }
    /* Each enum parser accepts exactly its names. */
#define TRY(type, parse, name)                                                                  \
    do {                                                                                        \
        type v_;                                                                                \
        if (parse(s, &v_) == SN_OK)                                                             \
            FUZZ_CHECK(strcmp(name(v_), s) == 0, #parse " accepted \"%s\"", s);                 \
    } while (0)
    TRY(sn_arch, sn_arch_parse, sn_arch_name);
    TRY(sn_activation, sn_activation_parse, sn_activation_name);
    TRY(sn_method, sn_method_parse, sn_method_name);
    TRY(sn_placement, sn_placement_parse, sn_placement_name);
    TRY(sn_objective, sn_objective_parse, sn_objective_name);
    TRY(sn_likelihood, sn_likelihood_parse, sn_likelihood_name);
    TRY(sn_optimizer, sn_optimizer_parse, sn_optimizer_name);
    TRY(sn_prior_structure, sn_prior_parse, sn_prior_name);
    TRY(sn_estimator, sn_estimator_parse, sn_estimator_name);
    TRY(sn_variant, sn_variant_parse, sn_variant_name);
    TRY(sn_noise_family, sn_noise_family_parse, sn_noise_family_name);
    TRY(sn_hyper_family, sn_hyper_family_parse, sn_hyper_family_name);
#undef TRY
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    unsigned mode = data[0] % 4;
    /* A NUL-terminated copy of the text; NUL bytes inside it end arguments early, as they
     * would in a real argv. */
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';

    if (mode >= 2) {
        if (mode == 2)
            fuzz_noise(text);
        else
            fuzz_hyper_and_names(text);
        free(text);
        return 0;
    }
    char *argv[MAX_ARGS + 1];
    int argc = 0;
    char *s = text;
    if (size > 1) {
        while (argc < MAX_ARGS) {
            argv[argc++] = s;
            char *nl = strchr(s, '\n');
            if (!nl)
                break;
            *nl = '\0';
            s = nl + 1;
        }
    }
    argv[argc] = NULL;
    if (mode == 0)
        fuzz_train(argc, argv);
    else
        fuzz_table(argc, argv);
    free(text);
    return 0;
}
