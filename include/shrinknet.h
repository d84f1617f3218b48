/*
 * shrinknet.h — the public interface of libshrinknet.
 *
 * Neural networks regularised by multiplicative noise, read as structured shrinkage priors
 * (Nalisnick, Hernández-Lobato, Smyth, "Dropout as a Structured Shrinkage Prior", ICML 2019).
 * Equation numbers "(k)" refer to docs/MATH.md of the project; "paper Eq. k" to the paper.
 *
 * Conventions
 *   - Every function that can fail returns sn_status (SN_OK = 0) and passes results back through
 *     out-parameters. The optional last argument sn_error * (may be NULL) receives the status and a
 *     one-line message naming the file, line and column where they apply.
 *   - Handles (sn_rng, sn_data, sn_model, sn_trainer) are opaque; they come from *_new / *_read /
 *     *_load and go back through *_free, which accepts NULL.
 *   - The caller owns what it passes in; the library copies what it keeps.
 *   - The library never prints and never exits; progress goes to a callback set in the params.
 *   - Matrices are row-major, rows are data points. Shapes are given as [rows][cols].
 */
#ifndef SHRINKNET_H
#define SHRINKNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SN_VERSION "0.1.0"
#define SN_VERSION_MAJOR 0
#define SN_VERSION_MINOR 1
#define SN_VERSION_PATCH 0

/* ------------------------------------------------------------------------------------------ */
/* Status and errors                                                                           */
/* ------------------------------------------------------------------------------------------ */

typedef enum {
    SN_OK = 0,
    SN_EINVAL = 1,      /* an argument or parameter is out of range or inconsistent */
    SN_EDATA = 2,       /* a data file or array is malformed (ragged, non-numeric, NaN, ...) */
    SN_EIO = 3,         /* a file could not be opened, read, written or renamed */
    SN_EFORMAT = 4,     /* a model file is truncated, corrupted, foreign or of another version */
    SN_ENOMEM = 5,      /* allocation failed or a size computation overflowed */
    SN_ENUMERIC = 6,    /* NaN or Inf appeared in the objective or the parameters */
    SN_EUNSUPPORTED = 7 /* a combination of options that has no meaning (e.g. an infinite E[xi^-2]) */
} sn_status;

#define SN_ERROR_MSG_LEN 512

typedef struct {
    sn_status code;
    char msg[SN_ERROR_MSG_LEN];
} sn_error;

/* The library's version, SN_VERSION of the build (bindings check it against their own). */
const char *sn_version(void);

/* Fill err (if not NULL) with code and a printf-style message and return code, so that
 * `return sn_fail(err, SN_EDATA, "%s:%zu:%zu: expected a number, found \"%s\"", ...)` works;
 * for callers that report through sn_error themselves (the CLI). */
sn_status sn_fail(sn_error *err, sn_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Name of a status code ("ok", "invalid argument", ...). Never NULL. */
const char *sn_status_str(sn_status code);

/* ------------------------------------------------------------------------------------------ */
/* Numbers in text (core/parse.c): the one strict reader of every parser                       */
/* ------------------------------------------------------------------------------------------ */

typedef enum {
    SN_NUM_OK = 0,
    SN_NUM_BAD = 1,  /* not a number: empty, a leading blank, trailing characters */
    SN_NUM_RANGE = 2 /* reads as NaN, or as infinite or beyond double (unless SN_NUM_INF) */
} sn_num_status;

#define SN_NUM_INF 1u     /* also accept inf, -inf and overflow to them */
#define SN_NUM_DECIMAL 2u /* only [-]digits[.digits][e[+-]digits] (and inf with SN_NUM_INF):
                             no hexadecimal floats, no "infinity" */

/* The real number that is the whole of s[0..len) (strtod's grammar otherwise, which includes
 * hexadecimal floats unless SN_NUM_DECIMAL). *out receives the value read on SN_NUM_OK and on
 * SN_NUM_RANGE (NaN or an infinity), and is left alone on SN_NUM_BAD. */
sn_num_status sn_parse_real(const char *s, size_t len, unsigned flags, double *out);
/* The integer in [0, max] written as the decimal digits s[0..len) (no sign, no blanks). */
bool sn_parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out);

/* ------------------------------------------------------------------------------------------ */
/* Files (io/file.c): the one reader and the one atomic writer                                 */
/* ------------------------------------------------------------------------------------------ */

/* All of path ("-": standard input) in a NUL-terminated buffer *text of *len bytes (caller
 * frees). SN_EIO names the file; a folder is refused. */
sn_status sn_file_read(const char *path, char **text, size_t *len, sn_error *err);

/* An output written atomically: sn_file_out_open creates "<path>.tmp<pid>.<k>" in the target's
 * folder, the caller writes to f, and sn_file_out_commit flushes, fsyncs and renames it over
 * path, so that path is either untouched or complete. The finished file has mode 0666 less the
 * umask, whether or not path existed. "-" means standard output; a device or FIFO is written in
 * place; a folder is refused. A caller whose writer opens files by name (PLplot) may fclose(f),
 * set f = NULL, write tmp itself, then commit. sn_file_out_abort removes the temporary file. */
typedef struct {
    FILE *f;
    char *path;     /* the target; NULL for standard output or in place */
    char *tmp;      /* the temporary file; NULL when writing in place */
    bool is_stdout;
} sn_file_out;
sn_status sn_file_out_open(sn_file_out *o, const char *path, sn_error *err);
sn_status sn_file_out_commit(sn_file_out *o, sn_error *err);
void sn_file_out_abort(sn_file_out *o);
/* Replace path with data[0..len) atomically, as above. */
sn_status sn_file_replace(const char *path, const char *data, size_t len, sn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Random numbers                                                                              */
/* ------------------------------------------------------------------------------------------ */

/* A seeded generator (GSL's MT19937 underneath). Stream k of seed s is an independent generator
 * whose seed is a SplitMix64 hash of (s, k); stream 0 is the plain seed. */
typedef struct sn_rng sn_rng;

sn_rng *sn_rng_new(uint64_t seed, uint64_t stream); /* NULL on allocation failure */
sn_rng *sn_rng_clone(const sn_rng *r);              /* an exact copy of the state, or NULL */
sn_status sn_rng_copy(sn_rng *dst, const sn_rng *src);
void sn_rng_free(sn_rng *r);
double sn_rng_uniform(sn_rng *r);        /* U(0,1), open at both ends */
double sn_rng_normal(sn_rng *r);         /* N(0,1) */
double sn_rng_gamma(sn_rng *r, double k); /* Gamma(k, scale 1), k > 0 */
size_t sn_rng_index(sn_rng *r, size_t n); /* uniform on {0, ..., n-1}, n >= 1 */
void sn_rng_shuffle(sn_rng *r, size_t *a, size_t n); /* Fisher–Yates */

/* ------------------------------------------------------------------------------------------ */
/* Noise families (MATH.md §2)                                                                 */
/* ------------------------------------------------------------------------------------------ */

typedef enum {
    SN_NOISE_NONE = 0,    /* xi = 1: no noise (a plain network) */
    SN_NOISE_BERNOULLI,   /* p[0] = keep probability pi in (0, 1] */
    SN_NOISE_GAUSSIAN,    /* N(1, alpha): p[0] = alpha > 0 (Gaussian dropout: alpha = p/(1-p)) */
    SN_NOISE_RAYLEIGH,    /* p[0] = s > 0 */
    SN_NOISE_INVNAKAGAMI, /* p[0] = m > 0, p[1] = Omega > 0 */
    SN_NOISE_HALFCAUCHY,  /* p[0] = eta > 0; infinite mean: only raw scaling */
    SN_NOISE_BETA,        /* p[0] = a > 0, p[1] = b > 0 */
    SN_NOISE_UNIFORM      /* p[0] = lo >= 0, p[1] = hi > lo */
} sn_noise_family;

typedef struct {
    sn_noise_family family;
    double p[2];   /* parameters as listed above */
    bool mean_one; /* divide every draw by E[xi] (inverted dropout, (8)); default true */
} sn_noise;

/* Parse "family[:p1[,p2]]" with family one of none, bernoulli, gaussian, rayleigh, invnakagami,
 * halfcauchy, beta, uniform. Omitted parameters take documented defaults (rayleigh s = sqrt(2/pi),
 * invnakagami Omega = 1). mean_one is set true except for halfcauchy. SN_EINVAL with a message
 * naming the offending part otherwise. Whether mean-one scaling is possible (finite E[xi]) is
 * left to sn_noise_check, so that a caller may switch mean_one off first. */
sn_status sn_noise_parse(const char *spec, sn_noise *out, sn_error *err);
/* Inverse of sn_noise_parse: writes e.g. "bernoulli:0.995" (%.17g parameters); returns the
 * length snprintf would have written. */
int sn_noise_format(const sn_noise *nz, char *buf, size_t size);
/* Check parameter ranges and that mean_one is possible (finite E[xi] > 0). */
sn_status sn_noise_check(const sn_noise *nz, sn_error *err);
/* Fill out[0..n) with independent draws of xi (scaled to mean one if nz->mean_one). */
void sn_noise_sample(const sn_noise *nz, sn_rng *r, double *out, size_t n);

typedef struct {
    double mean;        /* E[xi]      (INFINITY where infinite) */
    double mean_sq;     /* E[xi^2]    (INFINITY where infinite) */
    double var;         /* Var[xi]    (INFINITY where infinite) */
    double mean_inv_sq; /* E[xi^-2]   (INFINITY where infinite; used by the objective (23)) */
} sn_noise_moments;

/* Moments of the noise as it is drawn (after mean-one scaling when set). */
sn_noise_moments sn_noise_moments_of(const sn_noise *nz);

/* ------------------------------------------------------------------------------------------ */
/* Data                                                                                        */
/* ------------------------------------------------------------------------------------------ */

/* A data set: X [n_rows][n_cols] and a target y [n_rows], in original units. */
typedef struct sn_data sn_data;

typedef enum { SN_DELIM_AUTO = 0, SN_DELIM_COMMA, SN_DELIM_WHITESPACE } sn_delim;
typedef enum { SN_HEADER_AUTO = 0, SN_HEADER_YES, SN_HEADER_NO } sn_header;

typedef struct {
    const char *target;  /* column name or 0-based index as text; NULL or "" = last column */
    sn_delim delim;      /* AUTO: comma if the first data line has one, else whitespace */
    sn_header header;    /* AUTO: a header if any field of the first line is not a number */
    bool no_target;      /* true: every column is a feature and y is left zero (predict input) */
} sn_csv_options;

void sn_csv_options_default(sn_csv_options *opt);

/* Read a CSV file. Every row must have the same number of fields, every field a finite number.
 * Errors (SN_EDATA, SN_EIO) name path:line:column. */
sn_status sn_data_read_csv(const char *path, const sn_csv_options *opt, sn_data **out,
                           sn_error *err);

/* Read split k of a folder in Gal & Ghahramani's UCI layout (data.txt, index_features.txt,
 * index_target.txt, index_train_k.txt, index_test_k.txt, n_splits.txt). Indices are 0-based;
 * out-of-range, duplicated or overlapping indices are SN_EDATA with file:line. */
sn_status sn_data_read_uci(const char *dir, int split, sn_data **train, sn_data **test,
                           sn_error *err);

/* The optional hyper-parameter files of a UCI folder. Missing files leave n_* = 0. */
typedef struct {
    int n_splits;
    int n_hidden;          /* n_hidden.txt, 0 if absent */
    int n_epochs;          /* n_epochs.txt (Gal's epoch multiplier), 0 if absent */
    double dropout_rates[16];
    size_t n_dropout_rates;
    double tau_values[16]; /* noise precisions in original units of y */
    size_t n_tau_values;
} sn_uci_info;

sn_status sn_uci_read_info(const char *dir, sn_uci_info *info, sn_error *err);

/* A data set from arrays (copied). Non-finite values are SN_EDATA naming the row and column. */
sn_status sn_data_new(const double *x, const double *y, size_t n_rows, size_t n_cols,
                      sn_data **out, sn_error *err);
/* Rows idx[0..n) of d, in that order (copied). */
sn_status sn_data_subset(const sn_data *d, const size_t *idx, size_t n, sn_data **out,
                         sn_error *err);
void sn_data_free(sn_data *d);
size_t sn_data_n_rows(const sn_data *d);
size_t sn_data_n_cols(const sn_data *d);
const double *sn_data_x(const sn_data *d); /* [n_rows][n_cols] */
const double *sn_data_y(const sn_data *d); /* [n_rows] */
/* Column names (from a CSV header) or NULL when the source had none. */
const char *sn_data_col_name(const sn_data *d, size_t j);
/* Where the data came from ("yacht/data.txt split 0", "houses.csv"). */
const char *sn_data_source(const sn_data *d);

/* Friedman's #1 regression data: y = 10 sin(pi x1 x2) + 20 (x3 - 1/2)^2 + 10 x4 + 5 x5 + sigma e,
 * x ~ U(0,1)^n_cols (n_cols >= 5; inputs 6.. are irrelevant), e ~ N(0,1). */
sn_status sn_data_friedman1(size_t n_rows, size_t n_cols, double noise_sd, uint64_t seed,
                            sn_data **out, sn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Training parameters                                                                         */
/* ------------------------------------------------------------------------------------------ */

typedef enum { SN_ARCH_MLP = 0, SN_ARCH_RESNET } sn_arch;
typedef enum { SN_ACT_RELU = 0, SN_ACT_TANH } sn_activation;
typedef enum { SN_METHOD_MC = 0, SN_METHOD_VEM } sn_method;

/* Where the multiplicative noise of an MC network acts (MATH.md §1). */
typedef enum {
    SN_PLACE_UNITS = 0,   /* one xi per input unit of each layer: ARD, dropout (1)-(2) */
    SN_PLACE_WEIGHTS,     /* one xi per weight: DropConnect (3) */
    SN_PLACE_BLOCKS,      /* one tau per residual block (ADD, stochastic depth) (4)-(5); the first
                             and last layers keep unit noise */
    SN_PLACE_UNITS_BLOCKS /* ARD-ADD: unit and block noise on residual blocks (4)-(5) */
} sn_placement;

typedef enum {
    SN_OBJ_LB = 0, /* Monte Carlo lower bound, (17)-(18) */
    SN_OBJ_IW,     /* importance weighted, (19)-(20) */
    SN_OBJ_TAIL,   /* tail-adaptive weights, (21)-(22) */
    SN_OBJ_HIER    /* hierarchical parametrisation, (23): needs finite E[xi^-2] */
} sn_objective;

typedef enum { SN_LIK_GAUSSIAN = 0, SN_LIK_BERNOULLI, SN_LIK_CATEGORICAL } sn_likelihood;
typedef enum { SN_OPT_ADAM = 0, SN_OPT_SGD } sn_optimizer;

/* Variational EM (MATH.md §4). */
typedef enum { SN_PRIOR_NONE = 0, SN_PRIOR_ARD, SN_PRIOR_ADD, SN_PRIOR_ARD_ADD } sn_prior_structure;
typedef enum { SN_HYPER_INVGAMMA = 0, SN_HYPER_HALFCAUCHY, SN_HYPER_LOGUNIFORM } sn_hyper_family;
typedef struct {
    sn_hyper_family family;
    double a, b; /* inverse-gamma(a, b) on the variance; half-Cauchy: a = eta (on the std) */
} sn_hyperprior;
typedef enum { SN_EST_LOCAL = 0, SN_EST_REPARAM, SN_EST_FLIPOUT } sn_estimator;
typedef enum { SN_VARIANT_EXACT = 0, SN_VARIANT_AUTHORS } sn_variant;

/* Progress report, called once per epoch; return nonzero to stop training early (the model
 * trained so far is kept and sn_train returns SN_OK). */
typedef struct {
    size_t epoch;     /* 1-based */
    size_t n_epochs;
    double objective; /* mean per-datum training objective of the epoch */
    double rmse;      /* training RMSE of the noisy predictions, original units */
    double seconds;   /* elapsed since training started */
} sn_progress;
typedef int (*sn_progress_fn)(const sn_progress *p, void *user);

typedef struct {
    /* model */
    sn_arch arch;
    size_t n_hidden;         /* units per hidden layer (50) */
    size_t n_layers;         /* hidden layers (1; a resnet needs >= 2) */
    sn_activation activation;
    sn_likelihood likelihood;
    size_t n_classes;        /* categorical likelihood: K (0 = infer from the labels) */

    /* method */
    sn_method method;

    /* MC noise networks */
    sn_noise noise;          /* unit / weight noise (bernoulli:0.995) */
    sn_noise block_noise;    /* block noise for BLOCKS placements (family NONE = same as noise) */
    sn_placement placement;
    bool noise_on_input;     /* noise on the input layer too (true, as both reference codes) */
    sn_objective objective;
    size_t n_samples;        /* S: noise samples per data point in training (10) */
    double sigma0;           /* base prior std of the L2 term (17); INFINITY = no L2 term */

    /* variational EM */
    sn_prior_structure prior;
    sn_hyperprior hyper;
    sn_estimator estimator;
    sn_variant variant;

    /* likelihood noise precision kappa, in original units of y (Gaussian only) */
    double precision;        /* used when !learn_precision; also the initial value otherwise
                                (0 = learned from kappa = 10 in standardised units) */
    bool learn_precision;    /* learn log kappa on the training objective (true) */

    /* optimisation */
    sn_optimizer optimizer;
    double learning_rate;    /* 1e-3 */
    double adam_beta1, adam_beta2, adam_eps; /* 0.9, 0.999, 1e-8 */
    double momentum;         /* SGD momentum (0) */
    size_t batch_size;       /* 32 */
    size_t n_epochs;         /* 4500 (the authors' setting) */
    uint64_t seed;           /* 1 */

    /* reporting */
    sn_progress_fn progress;
    void *progress_user;
    /* record the normalised importance weights of every minibatch (Figure 1(a)) */
    void (*record_weights)(const double *w, size_t n_points, size_t n_samples, void *user);
    void *record_user;
} sn_train_params;

/* The defaults above (the paper's settings). */
void sn_train_params_default(sn_train_params *p);
/* Set one field by its key (the name of its CLI option), the value as text, strictly parsed
 * (the table below lists the keys, their limits and help). arch is "mlp" or "resnet", optionally
 * ":WxL" (also sets hidden and layers; resnet raises layers to 2); noise-raw "true" makes the
 * unit and the block noise raw (set it after both specs); gal-lengthscale L sets sigma0 =
 * sn_gal_sigma0(L, keep) from the current noise (keep: a Bernoulli noise's keep probability,
 * else 1); precision K fixes it, "learn" learns it (from kappa = 10 in standardised units);
 * learn-precision "true" learns it from the current precision. Booleans take true/false/1/0.
 * SN_EINVAL otherwise, with a message that begins with the key, then says what was expected and
 * what was found: `hidden: expected an integer in [1, 100000], found "x"` (the CLI prints it
 * after "--"). For the CLI, bindings (Python) and configuration files. */
sn_status sn_train_params_set(sn_train_params *p, const char *key, const char *value,
                              sn_error *err);

/* One training parameter of the table: its key, and how the CLI offers it. */
typedef struct {
    const char *name;       /* key of sn_train_params_set and sn_train_params_get ("hidden") */
    const char *option;     /* the CLI's long option without "--": the name, but "no-input-noise"
                               for input-noise; NULL when the CLI has none (classes) */
    char short_name;        /* the CLI's short alias ('S' for samples), or 0 */
    const char *meta;       /* placeholder of the value in --help ("N", "SPEC"); NULL for a flag */
    const char *flag_value; /* for a flag: the value it sets ("true", "false"); else NULL */
    const char *help;       /* one line for --help, without the default */
    const char *group;      /* heading of the group of --help this entry opens, or NULL */
} sn_param_info;

/* Entry i of the table of training parameters, NULL for i past the last. The order is the one
 * in which the CLI applies what it was given: arch before hidden and layers (which override its
 * WxL), both noise specs before noise-raw, noise and sigma0 before gal-lengthscale, precision
 * before learn-precision. Static entries (never freed). */
const sn_param_info *sn_train_param_info(size_t i);

/* Room for any value sn_train_params_get writes, its terminating NUL included. */
#define SN_PARAM_VALUE_LEN 128

/* The value of key in p as text into buf [n]: the text that sn_train_params_set reads back to
 * the same setting (names, decimal integers, the shortest reals that read back exactly, "inf",
 * specs as sn_noise_format and sn_hyperprior_format write them; precision "learn" while it is
 * learned from the default start). "" when the key holds no value of its own: gal-lengthscale
 * (it only sets sigma0), block-noise while the block noise is the unit noise (family none).
 * Applying every key's text in table order to sn_train_params_default reproduces p.
 * SN_EINVAL for an unknown key or a buffer too small (SN_PARAM_VALUE_LEN always suffices). */
sn_status sn_train_params_get(const sn_train_params *p, const char *key, char *buf, size_t n,
                              sn_error *err);

/* Heap-allocated defaults (for bindings that cannot size the struct); free with free() or
 * sn_train_params_free. */
sn_train_params *sn_train_params_new(void);
void sn_train_params_free(sn_train_params *p);

/* Gal & Ghahramani's weight decay for dropout with keep probability keep and prior length-scale
 * l, as the prior std of the L2 term: sigma0 = sqrt(2 / (l^2 keep)) (MATH.md (39)). */
double sn_gal_sigma0(double lengthscale, double keep);
/* Of n training rows, how many fit when the last `fraction` of them validate (Gal's protocol,
 * MATH.md §5): floor(n (1 - fraction)). The rest, n minus that, validate. */
size_t sn_valid_split(size_t n, double fraction);

/* Report the first problem with p (for data d, which may be NULL) in words. The numbers of the
 * table meet its limits here too, with the messages of sn_train_params_set and the field in
 * words ("hidden (units per hidden layer): expected an integer in [1, 100000], found 0"). */
sn_status sn_train_params_check(const sn_train_params *p, const sn_data *d, sn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Models: training, prediction, evaluation, files                                             */
/* ------------------------------------------------------------------------------------------ */

typedef struct sn_model sn_model;
typedef struct sn_trainer sn_trainer;

/* Train a model on d (convenience loop around sn_trainer_*). On SN_ENUMERIC *out still receives
 * the last good model (parameters of the last finite epoch) and err says epoch and quantity. */
sn_status sn_train(const sn_train_params *p, const sn_data *d, sn_model **out, sn_error *err);

/* The visible loop: new, then sn_trainer_epoch until done, then take the model. */
sn_status sn_trainer_new(const sn_train_params *p, const sn_data *d, sn_trainer **out,
                         sn_error *err);
/* One pass over the data in shuffled minibatches. */
sn_status sn_trainer_epoch(sn_trainer *t, sn_progress *info, sn_error *err);
/* A copy of the current model (caller frees). */
sn_status sn_trainer_model(const sn_trainer *t, sn_model **out, sn_error *err);
void sn_trainer_free(sn_trainer *t);

void sn_model_free(sn_model *m);
sn_status sn_model_copy(const sn_model *m, sn_model **out, sn_error *err);
size_t sn_model_n_inputs(const sn_model *m);
size_t sn_model_n_outputs(const sn_model *m);
const sn_train_params *sn_model_params(const sn_model *m); /* callbacks are NULL */
/* The structure of a trained network, layer by layer (l = 0 .. n_layers-1; the last is the
 * output layer). Arrays point into the model and live as long as it. */
typedef struct {
    size_t n_in, n_out;
    bool is_residual;     /* hidden-to-hidden residual block */
    const double *w;      /* [n_in][n_out] weights (MC nets) or posterior means mu (EM nets) */
    const double *b;      /* [n_out] biases */
    const double *rho;    /* [n_in][n_out] EM nets: sigma = softplus(rho); NULL for MC nets */
    const double *row_var;/* [n_in] EM nets: prior variance of each row (ARD); NULL otherwise */
    double layer_var;     /* EM nets: prior variance factor of the layer (ADD); NAN otherwise */
} sn_layer_view;

size_t sn_model_n_layers(const sn_model *m);
sn_status sn_model_layer(const sn_model *m, size_t l, sn_layer_view *out, sn_error *err);
/* out [n_in][n_out] = mu^2 + sigma^2 of layer l (w^2 for MC nets): the paper's Figure 2. */
sn_status sn_model_weight_moments(const sn_model *m, size_t l, double *out, sn_error *err);
/* Training statistics: x_mean, x_std [n_inputs]; y_mean, y_std. */
void sn_model_standardisation(const sn_model *m, const double **x_mean, const double **x_std,
                              double *y_mean, double *y_std);

/* Noise precision kappa of the likelihood, original units of y. */
double sn_model_precision(const sn_model *m);

/* T Monte Carlo predictions for x [n][n_inputs] (original units): out [T][n], original units of y.
 * MC nets draw fresh noise, EM nets draw weights from q(W). Deterministic given seed. */
sn_status sn_predict_samples(const sn_model *m, const double *x, size_t n, size_t n_draws,
                             uint64_t seed, double *out, sn_error *err);

/* Predictive summary over T draws: mean (35), std (model plus noise, (35)) and the central
 * interval of the predictive mixture (1/T) sum_t N(yhat_t, 1/kappa) at the given level.
 * Each output array has n entries; any may be NULL. */
sn_status sn_predict(const sn_model *m, const double *x, size_t n, size_t n_draws, uint64_t seed,
                     double level, double *mean, double *std, double *lower, double *upper,
                     sn_error *err);

/* Classifiers: the number of classes K (2 for a Bernoulli likelihood); 0 for regression. */
size_t sn_model_n_classes(const sn_model *m);

/* Class probabilities averaged over T Monte Carlo draws: proba [n][K], K = sn_model_n_classes.
 * SN_EINVAL for a regression model. */
sn_status sn_predict_proba(const sn_model *m, const double *x, size_t n, size_t n_draws,
                           uint64_t seed, double *proba, sn_error *err);

typedef struct {
    size_t n;
    double rmse;        /* RMSE of the predictive mean (36) */
    double ll;          /* mean test log-likelihood, log-mean-exp over T draws (37) (Gal's) */
    double ll_gauss;    /* log-likelihood of the moment-matched Gaussian (35) (PBP's code) */
    double mae;         /* mean absolute error of the predictive mean */
    double ref_abs_err; /* what the authors' code prints as "RMSE": (38) */
    /* classification likelihoods only (NAN otherwise) */
    double accuracy, brier, ece;
} sn_metrics;

/* Score d with T draws; regression figures in the original units of y; classifiers fill
 * accuracy, ll (mean log predictive probability), brier and ece, the others NAN. */
sn_status sn_evaluate(const sn_model *m, const sn_data *d, size_t n_draws, uint64_t seed,
                      sn_metrics *out, sn_error *err);

/* Metrics from draws yhat [T][n] (original units) and targets y [n], with noise precision
 * kappa (original units): (35)-(38). Pure computation. */
sn_status sn_metrics_regression(const double *yhat, const double *y, size_t n_draws, size_t n,
                                double kappa, sn_metrics *out, sn_error *err);

/* Classification metrics from averaged probabilities proba [n][K] and labels [n] (integers
 * 0..K-1): accuracy, mean log predictive probability (ll), Brier score (mean over points of
 * Σ_k (p_k − 1[k = y])²) and expected calibration error over 15 equal-width confidence bins. */
sn_status sn_metrics_classification(const double *proba, const double *labels, size_t n,
                                    size_t K, sn_metrics *out, sn_error *err);

/* Model files (docs/FORMATS.md): written to a temporary file in the same directory, then
 * renamed, so an existing file is only ever replaced by a complete new one. */
sn_status sn_model_save(const sn_model *m, const char *path, sn_error *err);
sn_status sn_model_load(const char *path, sn_model **out, sn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Priors implied by noise (MATH.md §2) and hyper-prior updates (MATH.md §4, §6)               */
/* ------------------------------------------------------------------------------------------ */

/* Density and CDF at w of the marginal prior p(w) = ∫ N(w; 0, sigma0^2 xi^2) p(xi) dxi implied by
 * noise nz (after its mean-one scaling, (8)) on a base weight z ~ N(0, sigma0^2): closed forms
 * (9)-(16) where they exist, adaptive quadrature of (7) otherwise. Bernoulli noise has an atom of
 * mass 1 - pi at 0: pdf gives the continuous part, cdf includes the atom. */
sn_status sn_prior_pdf(const sn_noise *nz, double sigma0, double w, double *out, sn_error *err);
sn_status sn_prior_cdf(const sn_noise *nz, double sigma0, double w, double *out, sn_error *err);

/* Human-readable names with parameters of the law of xi^2 and of the marginal p(w), e.g.
 * "Exponential(mean 2)" and "Laplace(0, b = 1)". Returns SN_OK or SN_EINVAL. */
sn_status sn_prior_describe(const sn_noise *nz, double sigma0, char *var_law, size_t var_size,
                            char *marginal, size_t marginal_size, sn_error *err);

/* Draw n weights w = xi z with xi from sample_nz and z ~ N(0, sigma0^2), and compare them with the
 * marginal CDF implied by target_nz (the same noise for a check of Table 1; another to show a
 * wrong pairing is caught): Kolmogorov–Smirnov distance *ks_d and asymptotic p-value *ks_p. */
sn_status sn_prior_ks(const sn_noise *sample_nz, const sn_noise *target_nz, double sigma0,
                      size_t n, uint64_t seed, double *ks_d, double *ks_p, sn_error *err);

/* Optimal prior variance v* of one group of P weights with M = sum (mu^2 + sigma^2) under the
 * hyper-prior h: (29) inverse-gamma, (30) log-uniform, (31) half-Cauchy. */
double sn_hyper_optimal_variance(const sn_hyperprior *h, double M, double P);

/* ARD-ADD (32): the joint maximiser of F(a, t) for a matrix of R rows x J columns with row sums
 * M [R]; writes a [R] and *t. Exact (profile search over log t), not one sweep. SN_EUNSUPPORTED
 * for log-uniform, which has no maximiser (MATH.md §4). */
sn_status sn_hyper_optimal_ard_add(const sn_hyperprior *h, const double *M, size_t R, size_t J,
                                   double *a, double *t, sn_error *err);

/* The v-dependent part of the ELBO for one group, F(v) = -1/2 (M/v + P log v) + log p_h(v). */
double sn_hyper_objective(const sn_hyperprior *h, double M, double P, double v);

/* ------------------------------------------------------------------------------------------ */
/* Names of enums for the CLI and files ("relu", "tail", ...), and parsing them back.           */
/* ------------------------------------------------------------------------------------------ */

const char *sn_arch_name(sn_arch a);
const char *sn_activation_name(sn_activation a);
const char *sn_method_name(sn_method m);
const char *sn_placement_name(sn_placement p);
const char *sn_objective_name(sn_objective o);
const char *sn_likelihood_name(sn_likelihood l);
const char *sn_optimizer_name(sn_optimizer o);
const char *sn_prior_name(sn_prior_structure s);
const char *sn_estimator_name(sn_estimator e);
const char *sn_variant_name(sn_variant v);
const char *sn_noise_family_name(sn_noise_family f);
const char *sn_hyper_family_name(sn_hyper_family f);
/* Each returns SN_OK and sets *out when name is one of the names above, SN_EINVAL otherwise. */
sn_status sn_arch_parse(const char *name, sn_arch *out);
sn_status sn_activation_parse(const char *name, sn_activation *out);
sn_status sn_method_parse(const char *name, sn_method *out);
sn_status sn_placement_parse(const char *name, sn_placement *out);
sn_status sn_objective_parse(const char *name, sn_objective *out);
sn_status sn_likelihood_parse(const char *name, sn_likelihood *out);
sn_status sn_optimizer_parse(const char *name, sn_optimizer *out);
sn_status sn_prior_parse(const char *name, sn_prior_structure *out);
sn_status sn_estimator_parse(const char *name, sn_estimator *out);
sn_status sn_variant_parse(const char *name, sn_variant *out);
sn_status sn_noise_family_parse(const char *name, sn_noise_family *out);
sn_status sn_hyper_family_parse(const char *name, sn_hyper_family *out);
/* "invgamma:3,3", "halfcauchy:1", "loguniform" */
sn_status sn_hyperprior_parse(const char *spec, sn_hyperprior *out, sn_error *err);
int sn_hyperprior_format(const sn_hyperprior *h, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif /* SHRINKNET_H */
