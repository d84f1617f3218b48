/*
 * shrinknet_bench.h — the public interface of the benchmark harness of libshrinknet (src/bench):
 * the UCI protocol of MATH.md §5 as a plan of units, the steps that run them (one process on
 * threads, or a scheduler of one's own such as the CLI's MPI front end), the resumable results
 * file (JSON lines, docs/results.md) and the tables rebuilt from it.
 *
 * The conventions of shrinknet.h hold: sn_status returns, an optional sn_error * last, opaque
 * handles freed by *_free (which accept NULL), the library never prints.
 */
#ifndef SHRINKNET_BENCH_H
#define SHRINKNET_BENCH_H

#include "shrinknet.h"

#ifdef __cplusplus
extern "C" {
#endif


/* A benchmark is a list of units of work. For each data set (a folder in the UCI layout), each
 * split and each method there is one test unit: train on the split's training part and score
 * its test part. Under Gal's protocol a method whose dropout rate or noise precision is
 * searched also has one grid unit per grid point: train on the first 80% of the training
 * indices, score the last 20%; the test unit then refits on the whole training part with the
 * grid point of the best validation log-likelihood (37). Every finished unit is one line of a
 * results file (JSON lines, docs/results.md); a rerun skips the units already there. */

typedef enum {
    SN_BENCH_FIXED = 0, /* the settings given, as the authors' code does */
    SN_BENCH_GAL        /* per split: grid search over dropout_rates.txt x tau_values.txt */
} sn_bench_protocol;

/* A method: the name recorded with every result and the parameters it trains with. The
 * harness sets n_hidden (when 0: the data set's n_hidden.txt, else 50), the keep probability
 * of Bernoulli noise, the noise precision, the seed, and whatever sn_bench_params overrides. */
typedef struct {
    char name[32]; /* letters, digits, '-', '_', '.' and '+' */
    sn_train_params params;
} sn_bench_method;

/* The named methods of the paper's tables: lb, iw, tail (MC dropout, one hidden layer, the
 * objective of that name, Bernoulli noise), vem-ard, vem-add, vem-ard-add (variational EM, a
 * resnet with 2 hidden layers, inverse-gamma(3, 3)) and vem-ard-add-authors (the same with the
 * authors' variant). Each starts from the authors' settings: 4500 epochs, batch 32, S = 10,
 * Adam 1e-3, keep 0.995, no L2 term, precision learned. SN_EINVAL for another name. */
sn_status sn_bench_method_preset(const char *name, sn_bench_method *out, sn_error *err);
/* The preset names in table order, NULL-terminated. */
const char *const *sn_bench_method_names(void);

typedef struct {
    sn_bench_protocol protocol;
    uint64_t seed;              /* each unit trains with a seed hashed from (seed, data set,
                                   split, method, grid point): results do not depend on jobs */
    size_t n_splits;            /* the first N splits of each data set; 0 = all (n_splits.txt) */
    size_t n_draws;             /* T Monte Carlo draws for every score (1000) */
    double valid_fraction;      /* Gal: share of the training indices that validate (0.2) */
    size_t epoch_multiplier;    /* Gal: dropout nets train n_epochs.txt x this epochs (100) */
    /* Overrides of the published settings; 0 (sizes) or NAN (numbers) keep the default. */
    size_t n_epochs, batch_size, n_samples, n_hidden;
    double learning_rate;
    double keep;                /* keep probability of Bernoulli noise (fixes Gal's dropout axis) */
    double precision;           /* noise precision, original units (fixes Gal's tau axis) */
    bool learn_precision;       /* learn the precision (from `precision` when set) */
    double sigma0;              /* L2 prior std, INFINITY = none; NAN: none, or Gal's weight
                                   decay (39) under SN_BENCH_GAL for dropout nets */
    double gal_lengthscale;     /* l of (39) (1e-2) */
    sn_variant mc_variant;      /* the MC dropout methods (lb, iw, tail): exact, or the authors'
                                   configuration (MATH.md §7.9; precision, L2 and sigma0 then
                                   may not be set) */
    bool retry_errors;          /* rerun units whose recorded result is an error */
    const char *tag;            /* free text recorded with every result (e.g. a commit id) */
} sn_bench_params;

void sn_bench_params_default(sn_bench_params *p);

typedef struct sn_bench sn_bench;

/* Plan a benchmark over the data sets of data_dir and the methods given (copied). datasets is
 * NULL or "all" (every subfolder holding n_splits.txt, sorted by name; data_dir itself when it
 * is one) or a comma-separated list of subfolder names. Reads and checks every split used
 * before anything runs. SN_EIO (missing folder), SN_EDATA (bad files, file:line), SN_EINVAL
 * (bad parameters or method settings, in words), SN_ENOMEM. */
sn_status sn_bench_new(const sn_bench_params *p, const char *data_dir, const char *datasets,
                       const sn_bench_method *methods, size_t n_methods, sn_bench **out,
                       sn_error *err);
void sn_bench_free(sn_bench *b);
size_t sn_bench_n_units(const sn_bench *b);
size_t sn_bench_n_done(const sn_bench *b);
size_t sn_bench_n_datasets(const sn_bench *b);
const char *sn_bench_dataset_name(const sn_bench *b, size_t i); /* NULL when out of range */

/* Attach the results file (created if absent) and mark the units it already holds as done:
 * a unit is done when its last line is a success, or an error and !retry_errors. A torn last
 * line (no newline: the run was killed while writing) is cut off; *n_torn_bytes says how many
 * bytes were removed. The file is locked against a second run until sn_bench_free. SN_EDATA
 * for a complete line that is not one unit's object ("file:line:col: what": bad JSON, a key
 * twice, bytes that are not UTF-8, a number beyond a double, a value of the wrong type, a key
 * of the unit missing), SN_EINVAL when a line holds the same unit run with other settings,
 * SN_EIO when the file cannot be opened, read, locked or repaired. Nothing is changed then. */
sn_status sn_bench_resume(sn_bench *b, const char *results_path, size_t *n_torn_bytes,
                          sn_error *err);

/* What sn_bench_run reports after each finished unit. Pointers live during the call. */
typedef struct {
    const char *dataset, *method;
    size_t split;
    int grid;              /* grid point, or -1 for the test unit */
    size_t n_grid;         /* grid points of this (data set, split, method) */
    bool is_ok;
    const char *error;     /* why the unit failed, when !is_ok */
    double rmse, ll;       /* on the validation part (grid) or the test part (test unit) */
    double seconds;        /* wall time of the unit */
    size_t n_done, n_total;/* units done, counting those found in the results file */
    double elapsed;        /* seconds since sn_bench_run started */
    double eta;            /* estimated seconds left (NAN until a unit finished) */
    const char *line;      /* the JSON line as written, without its newline */
} sn_bench_event;

/* Called with each finished unit, one call at a time; nonzero stops the run (finished units
 * are kept, running ones are dropped). */
typedef int (*sn_bench_unit_fn)(const sn_bench_event *ev, void *user);
/* Polled once per epoch by every worker; nonzero stops the run like the callback. */
typedef int (*sn_bench_cancel_fn)(void *user);

/* Run every unit not done on n_jobs threads, each a sn_bench_sched_work worker (each
 * single-threaded; the caller keeps BLAS at one thread). Each finished unit is appended to the results file with one write() on an
 * O_APPEND descriptor followed by fsync, then reported. A unit whose training or scoring fails
 * (unsupported method, divergence) is recorded as an error and the run goes on. Returns SN_OK
 * when every unit ran or the run was stopped (compare sn_bench_n_done with sn_bench_n_units),
 * SN_EIO when the results file could not be written (units finished since are dropped),
 * SN_EINVAL without sn_bench_resume. */
sn_status sn_bench_run(sn_bench *b, size_t n_jobs, sn_bench_unit_fn on_unit,
                       sn_bench_cancel_fn cancel, void *user, sn_error *err);

/* The steps of sn_bench_run, for a scheduler of one's own (the MPI front end of the CLI): one
 * process holds the plan with its results file and hands out jobs (sn_bench_take), any process
 * that planned the same benchmark runs them (sn_bench_run_job), and the holder records what
 * comes back (sn_bench_record) or takes the job back (sn_bench_give_back). A unit's result
 * depends on the plan and the job alone, never on who runs it or when. Take, give back and
 * record change the plan: one call at a time. A job is plain data (no pointers): the same
 * bytes mean the same job to every process of the same build on the same kind of machine. */
typedef struct {
    uint64_t unit;           /* index in the plan */
    int32_t chosen;          /* a test unit under Gal: the grid point chosen, else -1 */
    double keep, tau;        /* the setting it runs with (keep NAN: not Bernoulli noise) */
    double valid_ll;         /* the validation log-likelihood of the chosen point, or NAN */
    char why[SN_ERROR_MSG_LEN]; /* not empty: the unit cannot run; recorded as its error */
} sn_bench_job;

/* A fingerprint of the plan (data sets, splits, every setting, seed, tag): processes compare
 * it before sharing jobs. */
uint64_t sn_bench_plan_hash(const sn_bench *b);
/* Hand out the unit to run next, the longest (by a cost estimate) among those ready (a test
 * unit under Gal waits for its grid units), and mark it running. false when none is ready now;
 * *any_left (may be NULL) then says whether units remain (running or waiting). */
bool sn_bench_take(sn_bench *b, sn_bench_job *job, bool *any_left);
/* A job that will not be recorded (cancelled, its process lost) runs again later. */
void sn_bench_give_back(sn_bench *b, const sn_bench_job *job);
/* Train and score one job; *line receives its results line (malloc'ed, ending in '\n'), which
 * records an error of training or data as the unit's result. cancel (may be NULL) is polled
 * once per epoch: when it says stop, SN_OK with *line = NULL. Other errors: SN_EINVAL (no such
 * unit), SN_ENOMEM. Thread-safe for distinct jobs: reads the plan only. */
sn_status sn_bench_run_job(const sn_bench *b, const sn_bench_job *job, sn_bench_cancel_fn cancel,
                           void *user, char **line, sn_error *err);
/* Append the line of a job handed out by sn_bench_take to the results file (one write() and
 * fsync), mark the unit done and report it to on_unit (may be NULL), whose return value goes
 * to *stop (may be NULL). SN_EDATA when the line is not that unit's (another plan), SN_EIO when
 * it cannot be written; the unit then runs again later. */
sn_status sn_bench_record(sn_bench *b, const sn_bench_job *job, const char *line,
                          sn_bench_unit_fn on_unit, void *user, int *stop, sn_error *err);

/* The scheduler of sn_bench_run, step by step, for a driver that moves jobs itself (the MPI
 * front end of the CLI moves them between processes). It holds the plan's lock, the stop flag
 * (set by cancel, by on_unit's nonzero return, or by a fatal error) and the first fatal error.
 * sn_bench_sched_take and sn_bench_sched_finish may be called from any thread; one thread or
 * several may also run sn_bench_sched_work, a worker that takes, runs and finishes jobs on the
 * calling thread until none is left. The plan (after sn_bench_resume) must outlive the
 * scheduler and is not to be touched directly while the scheduler exists. GSL's error handler
 * is switched off from new to free (it is process-wide). */
typedef struct sn_bench_sched sn_bench_sched;

typedef enum {
    SN_BENCH_GOT = 0, /* *job is to run */
    SN_BENCH_WAIT,    /* none is ready now (test units wait for their grid units): ask again */
    SN_BENCH_END      /* nothing is left, or the run is stopping */
} sn_bench_next;

/* on_unit, cancel and user as for sn_bench_run. SN_EINVAL without sn_bench_resume, SN_ENOMEM. */
sn_status sn_bench_sched_new(sn_bench *b, sn_bench_unit_fn on_unit, sn_bench_cancel_fn cancel,
                             void *user, sn_bench_sched **out, sn_error *err);
void sn_bench_sched_free(sn_bench_sched *s);
/* The next job to run, if any, marked running. */
sn_bench_next sn_bench_sched_take(sn_bench_sched *s, sn_bench_job *job);
/* What became of a job handed out by sn_bench_sched_take: run_status and line as
 * sn_bench_run_job returned them (run_err, may be NULL, its message). A line is recorded unless
 * the run is stopping; a job without a line goes back to the queue; a status other than SN_OK
 * (the job could not run at all) or a line that cannot be recorded stops the run with that
 * error. Wakes the workers waiting in sn_bench_sched_work. */
void sn_bench_sched_finish(sn_bench_sched *s, const sn_bench_job *job, sn_status run_status,
                           const char *line, const sn_error *run_err);
/* Stop the run: running jobs end within an epoch, their results are dropped. With a status
 * other than SN_OK, that is the run's error (why: its message), unless one came first. */
void sn_bench_sched_stop(sn_bench_sched *s, sn_status st, const char *why);
/* Whether the run is to stop (polled by training: pass it with s as the cancel function of
 * sn_bench_run_job). */
int sn_bench_sched_cancel(void *s);
/* A worker on the calling thread: take, sn_bench_run_job, finish, until SN_BENCH_END. */
void sn_bench_sched_work(sn_bench_sched *s);
/* SN_OK, or the first fatal error (into *err). */
sn_status sn_bench_sched_status(sn_bench_sched *s, sn_error *err);

/* Tables from a results file: mean, standard error and standard deviation over splits of each
 * (data set, method), the average rank by test RMSE, and the paper's own figures beside ours
 * when paper_path (a CSV file, bench/paper_table2.csv) is not NULL. Reads only; a torn last
 * line is ignored. SN_EIO, SN_EDATA (file:line), SN_ENOMEM. */
typedef struct sn_bench_report sn_bench_report;

sn_status sn_bench_report_read(const char *results_path, const char *paper_path,
                               sn_bench_report **out, sn_error *err);
void sn_bench_report_free(sn_bench_report *r);
/* Lines read, torn lines ignored (0 or 1), and lines superseded by a later line of the same
 * unit (rerun errors). */
void sn_bench_report_counts(const sn_bench_report *r, size_t *n_lines, size_t *n_torn,
                            size_t *n_superseded);

typedef struct {
    double mean, se, std; /* std with n - 1; se = std / sqrt(n); NAN when undefined */
    size_t n;             /* finite values */
} sn_bench_stat;

typedef struct {
    size_t n_ok, n_failed; /* test units that succeeded, failed */
    sn_bench_stat rmse, ll, ll_gauss, mae, ref_abs_err, seconds; /* over successful splits */
    double total_seconds;  /* wall time of every unit of the cell, grid units included */
    char error[SN_ERROR_MSG_LEN]; /* the first recorded error, "" if none */
} sn_bench_summary;

/* The test-set summary of one (data set, method). SN_EINVAL when the file has no test unit of
 * that pair. */
sn_status sn_bench_report_summary(const sn_bench_report *r, const char *dataset,
                                  const char *method, sn_bench_summary *out, sn_error *err);
/* Average over data sets of the rank of method by mean test RMSE (1 = best, ties share the mean
 * rank), among the data sets where every method of the file has a result; *n_datasets says how
 * many. SN_EINVAL for a method not in the file or when no data set qualifies. */
sn_status sn_bench_report_rank(const sn_bench_report *r, const char *method, double *avg_rank,
                               size_t *n_datasets, sn_error *err);

typedef enum {
    SN_BENCH_MARKDOWN = 0, /* Table 2 (when lb, iw or tail ran) and Table 3, failures, settings */
    SN_BENCH_CSV           /* one row per (data set, method) with every aggregate */
} sn_bench_format;

/* The tables as text in *out (caller frees with free()). */
sn_status sn_bench_report_format(const sn_bench_report *r, sn_bench_format f, char **out,
                                 sn_error *err);

#ifdef __cplusplus
}
#endif
#endif /* SHRINKNET_BENCH_H */
