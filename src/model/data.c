/*
 * data.c — the sn_data object: a data set from arrays, a subset of rows, the accessors, and the
 * allocation every constructor shares (the readers of io/csv.c and io/uci.c, and friedman.c).
 * No I/O: the readers build their data sets through sn_data_alloc.
 */
#include "model/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A data set with zeroed x and y, col_names allocated (all NULL) if has_names, source NULL. */
sn_data *sn_data_alloc(size_t n_rows, size_t n_cols, bool has_names)
{
    sn_data *d = calloc(1, sizeof *d);
    size_t n_x;
    if (!d)
        return NULL;
    d->n_rows = n_rows;
    d->n_cols = n_cols;
    if (!sn_mul_size(n_rows, n_cols, &n_x))
        goto fail;
    d->x = sn_calloc(n_x, sizeof *d->x);
    d->y = sn_calloc(n_rows, sizeof *d->y);
    if (!d->x || !d->y)
        goto fail;
    if (has_names && !(d->col_names = sn_calloc(n_cols, sizeof *d->col_names)))
        goto fail;
    return d;

fail:
    sn_data_free(d);
    return NULL;
}

void sn_data_free(sn_data *d)
{
    if (!d)
        return;
    if (d->col_names) {
        for (size_t j = 0; j < d->n_cols; j++)
            free(d->col_names[j]);
        free(d->col_names);
    }
    free(d->x);
    free(d->y);
    free(d->source);
    free(d);
}

size_t sn_data_n_rows(const sn_data *d)
{
    return d ? d->n_rows : 0;
}

size_t sn_data_n_cols(const sn_data *d)
{
    return d ? d->n_cols : 0;
}

const double *sn_data_x(const sn_data *d)
{
    return d ? d->x : NULL;
}

const double *sn_data_y(const sn_data *d)
{
    return d ? d->y : NULL;
}

const char *sn_data_col_name(const sn_data *d, size_t j)
{
    return d && d->col_names && j < d->n_cols ? d->col_names[j] : NULL;
}

const char *sn_data_source(const sn_data *d)
{
    return d && d->source ? d->source : "";
}

/* y may be NULL: the targets are then zero (prediction input). */
sn_status sn_data_new(const double *x, const double *y, size_t n_rows, size_t n_cols,
                      sn_data **out, sn_error *err)
{
    size_t n_x;
    if (!out)
        return sn_fail(err, SN_EINVAL, "sn_data_new: out is NULL");
    *out = NULL;
    if (n_cols == 0)
        return sn_fail(err, SN_EINVAL, "sn_data_new: expected at least one column, found 0");
    if (!sn_mul_size(n_rows, n_cols, &n_x))
        return sn_fail(err, SN_ENOMEM, "sn_data_new: %zu x %zu values overflow size_t", n_rows,
                       n_cols);
    if (n_rows > 0 && !x)
        return sn_fail(err, SN_EINVAL, "sn_data_new: x is NULL");

    /* Check everything before allocating anything. */
    for (size_t i = 0; i < n_rows; i++) {
        for (size_t j = 0; j < n_cols; j++) {
            double v = x[i * n_cols + j];
            if (!isfinite(v))
                return sn_fail(err, SN_EDATA, "row %zu, column %zu (0-based): expected a finite "
                               "number, found %g", i, j, v);
        }
        if (y && !isfinite(y[i]))
            return sn_fail(err, SN_EDATA, "row %zu, target (0-based): expected a finite number, "
                           "found %g", i, y[i]);
    }
    sn_data *d = sn_data_alloc(n_rows, n_cols, false);
    if (!d || !(d->source = sn_strdup("arrays"))) {
        sn_data_free(d);
        return sn_fail_nomem(err, "sn_data_new");
    }
    if (n_x > 0)
        memcpy(d->x, x, n_x * sizeof *x);
    if (y && n_rows > 0)
        memcpy(d->y, y, n_rows * sizeof *y);
    *out = d;
    return SN_OK;
}

/* Indices may repeat (bootstrap samples); n = 0 gives an empty data set. */
sn_status sn_data_subset(const sn_data *d, const size_t *idx, size_t n, sn_data **out,
                         sn_error *err)
{
    if (!out)
        return sn_fail(err, SN_EINVAL, "sn_data_subset: out is NULL");
    *out = NULL;
    if (!d || (n > 0 && !idx))
        return sn_fail(err, SN_EINVAL, "sn_data_subset: %s is NULL", d ? "idx" : "d");
    for (size_t i = 0; i < n; i++) {
        if (idx[i] >= d->n_rows)
            return sn_fail(err, SN_EINVAL, "sn_data_subset: idx[%zu] = %zu, expected a row "
                           "index below %zu", i, idx[i], d->n_rows);
    }

    sn_data *s = sn_data_alloc(n, d->n_cols, d->col_names != NULL);
    if (!s)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        memcpy(s->x + i * d->n_cols, d->x + idx[i] * d->n_cols, d->n_cols * sizeof *d->x);
        s->y[i] = d->y[idx[i]];
    }
    if (d->col_names) {
        for (size_t j = 0; j < d->n_cols; j++) {
            if (d->col_names[j] && !(s->col_names[j] = sn_strdup(d->col_names[j])))
                goto fail;
        }
    }
    if (!(s->source = sn_strdup_printf("%zu rows of %s", n, sn_data_source(d))))
        goto fail;
    *out = s;
    return SN_OK;

fail:
    sn_data_free(s);
    return sn_fail_nomem(err, "sn_data_subset");
}
