/*
 * bench/bench.h — the benchmark harness's private declarations (src/bench), shared by its files:
 *   plan.c      parameters, method presets, the plan (data sets x methods x splits x grid)
 *   folders.c   choosing and reading the data set folders of a plan
 *   results.c   the results file: the record schema, one line read and written with jansson,
 *               whole files parsed, resume (lock, torn last line), appending
 *   run.c       running one unit (sn_bench_run_job)
 *   scheduler.c take / run_job / record / give back, the scheduler object and the thread pool
 *   report.c    statistics, ranks, the report object and its queries
 *   tables.c    Markdown and CSV tables of a report, and the one growable string
 *   paper.c     bench/paper_table2.csv
 */
#ifndef SN_BENCH_H
#define SN_BENCH_H

#include "io/io.h"
#include "shrinknet_bench.h"

#include <stdarg.h>

/* Version of the results line format, written as "v". */
#define SN_BENCH_LINE_VERSION 1

/* ========================================================================================== */
/* A growing string (tables.c): tables, the config fingerprint, results lines                 */
/* ========================================================================================== */

typedef struct {
    char *s;
    size_t len, cap;
    bool oom; /* an allocation failed: the text is incomplete */
} sbuf;

void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_puts(sbuf *b, const char *s);
void sb_putn(sbuf *b, const char *s, size_t n);
/* A number as %.17g (round-trips exactly), or null when not finite. */
void sb_num(sbuf *b, double x);

/* ========================================================================================== */
/* The plan (plan.c, folders.c)                                                               */
/* ========================================================================================== */

typedef struct {
    char *dir, *name;
    sn_uci_info info;
    size_t n_splits;      /* used */
    size_t *n_train;      /* [n_splits] */
    size_t *n_test;       /* [n_splits] */
} bench_ds;

/* The settings of one (data set, method): everything but the grid point and the seed. */
typedef struct {
    size_t ds, meth;
    sn_train_params base;
    bool has_keep;        /* Bernoulli MC noise: keep is recorded and may be searched */
    double keeps[16];
    size_t n_keeps;
    bool learn;           /* precision learned (taus[0] = starting value, 0 = default) */
    double taus[16];
    size_t n_taus;
    bool gal_sigma0;      /* sigma0 from (39) with the keep of each unit */
    size_t n_grid;        /* grid units per split: n_keeps x n_taus when > 1, else 0 */
    char config[17];
} bench_cfg;

enum { U_TODO = 0, U_RUNNING, U_DONE };

typedef struct {
    size_t cfg, split;
    int grid;             /* -1: the test unit */
    int state;
    double cost;          /* estimated work, for the time left */
    /* result (grid units: what the test unit's choice needs) */
    bool is_ok;
    double valid_ll, keep, precision;
    char *error;
} bench_unit;

struct sn_bench {
    sn_bench_params p;
    char *tag;
    bench_ds *ds;
    size_t n_ds;
    sn_bench_method *meth;
    size_t n_meth;
    bench_cfg *cfg;       /* [n_ds][n_meth] */
    bench_unit *u;
    size_t n_units;
    size_t n_done;
    /* results file */
    char *path;
    int fd;
    /* the run: its start, and the estimated work of the units finished since */
    bool started;
    double t0, done_cost;
};

double bench_now(void);
/* Position of a method name in the tables: presets first, in their order (N presets: other). */
size_t bench_preset_index(const char *name);
/* Letters, digits, '-', '_', '.', '+' only, and not empty. */
bool bench_valid_name(const char *s);
/* The seed of unit u: a hash of (seed, data set, split, method, grid point). */
uint64_t bench_unit_seed(const sn_bench *b, const bench_unit *u);

/* The data set folder paths chosen by `datasets` (folders.c). */
sn_status bench_choose_datasets(const char *data_dir, const char *datasets, char ***paths,
                                size_t *n, sn_error *err);
/* Read the info and every used split of one data set. */
sn_status bench_ds_load(bench_ds *d, size_t n_splits_max, sn_error *err);
/* The last component of a path, without trailing slashes (malloc'ed, NULL when out of memory). */
char *bench_base_name(const char *path);
void bench_ds_free(bench_ds *d);

/* ========================================================================================== */
/* Records: one results line, every field of the format (results.c)                           */
/* ========================================================================================== */

typedef struct {
    size_t line;          /* 1-based line in the file (0: not from a file) */
    /* Strings are malloc'ed or NULL (null); numbers are NAN for null. */
    double v;
    char *dataset;
    size_t split;
    char *method;
    int grid;
    char *config, *protocol;
    bool is_ok;           /* "status": "ok" or "error" */
    char *error, *part;
    double rmse, ll, ll_gauss, mae, ref_abs_err, n, chosen_grid, valid_ll, keep, precision;
    bool learn_precision;
    double precision_final, sigma0;
    char *arch;
    double n_hidden, n_layers;
    char *method_kind, *objective, *prior, *variant;
    double samples, batch, epochs, lr, draws, n_train;
    char *seed, *version, *tag;
    double train_seconds, seconds;
} record;

/* A record with every number NAN and every string NULL. */
void record_init(record *r);
void record_free(record *r);
/* Parse one line (s[0..n), without its newline) into r. On failure returns SN_EDATA (or
 * SN_ENOMEM) with "path:line[:col]: what" in err and r freed. */
sn_status record_parse(const char *s, size_t n, const char *path, size_t line, record *r,
                       sn_error *err);
/* The results line of r, with its newline (malloc'ed into *out). Strings that are not UTF-8
 * have their stray bytes replaced by '?'. SN_ENOMEM. */
sn_status record_write(const record *r, char **out, sn_error *err);
/* Whether two records hold the same values (NAN equals NAN; the line number aside). */
bool record_equal(const record *a, const record *b);

typedef struct {
    record *r;
    size_t n, cap;
    size_t n_lines;       /* complete lines, blank ones included */
    size_t good_bytes;    /* length of the file up to the end of its last complete line */
    size_t torn_bytes;    /* bytes after the last newline (a torn write), 0 if none */
} record_list;

void records_free(record_list *l);
/* Parse text[0..len) of file path into l: every complete line, the torn last one set aside. */
sn_status records_parse(const char *path, const char *text, size_t len, record_list *l,
                        sn_error *err);
/* Append one line to the attached results file with a single write(), then fsync. */
sn_status bench_append_line(sn_bench *b, const char *line, size_t len, sn_error *err);
/* A unit's state from its recorded result. */
void bench_unit_take_record(bench_unit *u, const record *r);

/* ========================================================================================== */
/* Reports (report.c, tables.c, paper.c)                                                      */
/* ========================================================================================== */

typedef struct {
    char *dataset, *method, *rmse, *rmse_err, *ll, *ll_err, *rmse_kind, *err_kind;
} paper_row;

typedef struct {
    size_t n_ok, n_failed, n_units;
    sn_bench_stat rmse, ll, ll_gauss, mae, ref_abs_err, seconds;
    double total_seconds;
    const record *first;      /* the first test record (its settings) */
    const record *first_err;
    double rank;              /* by mean test RMSE on this data set, NAN if not ranked */
} cell_summary;

struct sn_bench_report {
    char *path;
    record_list l;          /* every record, in file order */
    size_t n_superseded;
    bool *live;             /* [l.n] the last line of its unit */
    char **ds;
    size_t n_ds;
    char **meth;
    size_t n_meth;
    cell_summary *cell;     /* [n_ds][n_meth] */
    double *avg_rank;       /* [n_meth] */
    size_t n_rank_ds;
    paper_row *paper;
    size_t n_paper;
    char *paper_path;
};

sn_status paper_read(const char *path, paper_row **out, size_t *n_out, sn_error *err);
void paper_free(paper_row *p, size_t n);
const paper_row *paper_find(const sn_bench_report *r, const char *ds, const char *m);
size_t report_name_index(char *const *v, size_t n, const char *s);

/* The section "Paired comparisons" of the Markdown report (paired.c). */
void bench_paired_markdown(const sn_bench_report *r, sbuf *s);

/* The precision of a grid point into t: learned from tau, or fixed at tau; tau NAN leaves the
 * method's own (plan.c). */
void bench_apply_tau(sn_train_params *t, bool learn, double tau);

#endif /* SN_BENCH_H */
