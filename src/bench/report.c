/*
 * report.c — the report of a results file: every line read (results.c), the last line of each
 * unit kept, the test units gathered per (data set, method) into means, standard errors and
 * standard deviations over splits, ranks by mean test RMSE, the paper's figures (paper.c) beside
 * them, and the queries of include/shrinknet_bench.h. tables.c turns a report into text.
 */
#include "bench/bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void sn_bench_report_free(sn_bench_report *r)
{
    if (!r)
        return;
    free(r->path);
    records_free(&r->l);
    free(r->live);
    for (size_t i = 0; i < r->n_ds; i++)
        free(r->ds[i]);
    free(r->ds);
    for (size_t i = 0; i < r->n_meth; i++)
        free(r->meth[i]);
    free(r->meth);
    free(r->cell);
    free(r->avg_rank);
    paper_free(r->paper, r->n_paper);
    free(r->paper_path);
    free(r);
}

void sn_bench_report_counts(const sn_bench_report *r, size_t *n_lines, size_t *n_torn,
                            size_t *n_superseded)
{
    if (n_lines)
        *n_lines = r ? r->l.n_lines : 0;
    if (n_torn)
        *n_torn = r && r->l.torn_bytes > 0 ? 1 : 0;
    if (n_superseded)
        *n_superseded = r ? r->n_superseded : 0;
}

/* Sort order of records: unit key, then line. */
static int cmp_rec_key(const record *a, const record *b)
{
    int c = strcmp(a->dataset, b->dataset);
    if (c)
        return c;
    if ((c = strcmp(a->method, b->method)) != 0)
        return c;
    if (a->split != b->split)
        return a->split < b->split ? -1 : 1;
    if (a->grid != b->grid)
        return a->grid < b->grid ? -1 : 1;
    return 0;
}

/* Records by pointer into one array: by unit key, then in file order (the address). */
static int cmp_rec_ptr(const void *x, const void *y)
{
    const record *a = *(const record *const *)x, *b = *(const record *const *)y;
    int c = cmp_rec_key(a, b);
    if (c)
        return c;
    return a < b ? -1 : (a > b ? 1 : 0);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_method(const void *x, const void *y)
{
    const char *a = *(char *const *)x, *b = *(char *const *)y;
    size_t i = bench_preset_index(a), j = bench_preset_index(b);
    if (i != j)
        return i < j ? -1 : 1;
    return strcmp(a, b);
}

static void stat_of(const double *v, size_t n, sn_bench_stat *s)
{
    size_t k = 0;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            sum += v[i];
            k++;
        }
    s->n = k;
    s->mean = k ? sum / (double)k : NAN;
    s->std = s->se = NAN;
    if (k >= 2) {
        double ss = 0.0;
        for (size_t i = 0; i < n; i++)
            if (isfinite(v[i]))
                ss += (v[i] - s->mean) * (v[i] - s->mean);
        s->std = sqrt(ss / (double)(k - 1));
        s->se = s->std / sqrt((double)k);
    }
}

static sn_status add_name(char ***v, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i], s) == 0)
            return SN_OK;
    char **w = realloc(*v, (*n + 1) * sizeof *w);
    if (!w)
        return SN_ENOMEM;
    *v = w;
    if (!(w[*n] = sn_strdup(s)))
        return SN_ENOMEM;
    (*n)++;
    return SN_OK;
}

size_t report_name_index(char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return i;
    return SIZE_MAX;
}

/* Aggregate the live test records into cells, ranks. */
static sn_status report_build(sn_bench_report *r, sn_error *err)
{
    const record_list *l = &r->l;
    const record **ord = sn_calloc(l->n ? l->n : 1, sizeof *ord);
    double *buf = NULL;
    sn_status st = SN_OK;
    r->live = sn_calloc(l->n ? l->n : 1, sizeof *r->live);
    if (!ord || !r->live)
        goto nomem;
    for (size_t i = 0; i < l->n; i++)
        ord[i] = &l->r[i];
    qsort(ord, l->n, sizeof *ord, cmp_rec_ptr);
    for (size_t k = 0; k < l->n; k++) {
        bool last = k + 1 == l->n || cmp_rec_key(ord[k], ord[k + 1]) != 0;
        r->live[ord[k] - l->r] = last;
        if (!last)
            r->n_superseded++;
    }
    for (size_t i = 0; i < l->n; i++) {
        if (!r->live[i])
            continue;
        if (add_name(&r->ds, &r->n_ds, l->r[i].dataset) != SN_OK ||
            add_name(&r->meth, &r->n_meth, l->r[i].method) != SN_OK)
            goto nomem;
    }
    if (r->n_ds > 1)
        qsort(r->ds, r->n_ds, sizeof *r->ds, cmp_str);
    if (r->n_meth > 1)
        qsort(r->meth, r->n_meth, sizeof *r->meth, cmp_method);
    size_t n_cells;
    if (!sn_mul_size(r->n_ds, r->n_meth, &n_cells) ||
        !(r->cell = sn_calloc(n_cells ? n_cells : 1, sizeof *r->cell)) ||
        !(r->avg_rank = sn_calloc(r->n_meth ? r->n_meth : 1, sizeof *r->avg_rank)))
        goto nomem;

    /* Values per cell, gathered in file order. */
    if (!(buf = sn_calloc(6 * (l->n ? l->n : 1), sizeof *buf)))
        goto nomem;
    for (size_t c = 0; c < n_cells; c++) {
        cell_summary *cs = &r->cell[c];
        size_t di = c / r->n_meth, mi = c % r->n_meth;
        size_t k = 0;
        double *v_rmse = buf, *v_ll = buf + l->n, *v_llg = buf + 2 * l->n,
               *v_mae = buf + 3 * l->n, *v_ref = buf + 4 * l->n, *v_sec = buf + 5 * l->n;
        cs->rank = NAN;
        for (size_t i = 0; i < l->n; i++) {
            const record *rec = &l->r[i];
            if (!r->live[i] || strcmp(rec->dataset, r->ds[di]) != 0 ||
                strcmp(rec->method, r->meth[mi]) != 0)
                continue;
            cs->n_units++;
            if (isfinite(rec->seconds))
                cs->total_seconds += rec->seconds;
            if (rec->grid >= 0)
                continue;
            if (!cs->first) {
                cs->first = rec;
            } else if (strcmp(cs->first->config, rec->config) != 0) {
                st = sn_fail(err, SN_EDATA,
                             "%s:%zu: %s %s was run with other settings than on line %zu "
                             "(config %s, not %s): one file, one setting per cell",
                             r->path, rec->line, rec->dataset, rec->method, cs->first->line,
                             rec->config, cs->first->config);
                goto out;
            }
            if (!rec->is_ok) {
                cs->n_failed++;
                if (!cs->first_err)
                    cs->first_err = rec;
                continue;
            }
            cs->n_ok++;
            v_rmse[k] = rec->rmse;
            v_ll[k] = rec->ll;
            v_llg[k] = rec->ll_gauss;
            v_mae[k] = rec->mae;
            v_ref[k] = rec->ref_abs_err;
            v_sec[k] = rec->seconds;
            k++;
        }
        stat_of(v_rmse, k, &cs->rmse);
        stat_of(v_ll, k, &cs->ll);
        stat_of(v_llg, k, &cs->ll_gauss);
        stat_of(v_mae, k, &cs->mae);
        stat_of(v_ref, k, &cs->ref_abs_err);
        stat_of(v_sec, k, &cs->seconds);
    }

    /* Ranks by mean test RMSE on the data sets where every method has one (ties: mean rank). */
    r->n_rank_ds = 0;
    for (size_t di = 0; di < r->n_ds; di++) {
        cell_summary *row = &r->cell[di * r->n_meth];
        bool full = r->n_meth > 0;
        for (size_t m = 0; m < r->n_meth; m++)
            full = full && row[m].rmse.n > 0 && isfinite(row[m].rmse.mean);
        if (!full)
            continue;
        r->n_rank_ds++;
        for (size_t m = 0; m < r->n_meth; m++) {
            size_t below = 0, equal = 0;
            for (size_t j = 0; j < r->n_meth; j++) {
                if (row[j].rmse.mean < row[m].rmse.mean)
                    below++;
                else if (row[j].rmse.mean == row[m].rmse.mean)
                    equal++;
            }
            row[m].rank = (double)below + ((double)equal + 1.0) / 2.0;
            r->avg_rank[m] += row[m].rank;
        }
    }
    for (size_t m = 0; m < r->n_meth; m++)
        r->avg_rank[m] = r->n_rank_ds ? r->avg_rank[m] / (double)r->n_rank_ds : NAN;
    goto out;
nomem:
    st = sn_fail(err, SN_ENOMEM, "out of memory");
out:
    free(ord);
    free(buf);
    return st;
}

sn_status sn_bench_report_read(const char *results_path, const char *paper_path,
                               sn_bench_report **out, sn_error *err)
{
    if (!out)
        return sn_fail(err, SN_EINVAL, "sn_bench_report_read: out is NULL");
    *out = NULL;
    if (!results_path)
        return sn_fail(err, SN_EINVAL, "sn_bench_report_read: no results file");
    char *text = NULL;
    size_t len = 0;
    sn_status st;
    sn_bench_report *r = calloc(1, sizeof *r);
    if (!r || !(r->path = sn_strdup(results_path)) ||
        (paper_path && !(r->paper_path = sn_strdup(paper_path)))) {
        st = sn_fail(err, SN_ENOMEM, "out of memory");
        goto fail;
    }
    if ((st = sn_file_read(results_path, &text, &len, err)) != SN_OK ||
        (st = records_parse(results_path, text, len, &r->l, err)) != SN_OK ||
        (paper_path && (st = paper_read(paper_path, &r->paper, &r->n_paper, err)) != SN_OK) ||
        (st = report_build(r, err)) != SN_OK)
        goto fail;
    free(text);
    *out = r;
    return SN_OK;
fail:
    free(text);
    sn_bench_report_free(r);
    return st;
}

static const cell_summary *report_cell(const sn_bench_report *r, const char *ds, const char *m)
{
    size_t di = report_name_index(r->ds, r->n_ds, ds), mi = report_name_index(r->meth, r->n_meth, m);
    if (di == SIZE_MAX || mi == SIZE_MAX)
        return NULL;
    return &r->cell[di * r->n_meth + mi];
}

sn_status sn_bench_report_summary(const sn_bench_report *r, const char *dataset,
                                  const char *method, sn_bench_summary *out, sn_error *err)
{
    if (!r || !dataset || !method || !out)
        return sn_fail(err, SN_EINVAL, "sn_bench_report_summary: NULL argument");
    const cell_summary *cs = report_cell(r, dataset, method);
    if (!cs || cs->n_ok + cs->n_failed == 0)
        return sn_fail(err, SN_EINVAL, "%s holds no test result of %s on %s", r->path, method,
                       dataset);
    memset(out, 0, sizeof *out);
    out->n_ok = cs->n_ok;
    out->n_failed = cs->n_failed;
    out->rmse = cs->rmse;
    out->ll = cs->ll;
    out->ll_gauss = cs->ll_gauss;
    out->mae = cs->mae;
    out->ref_abs_err = cs->ref_abs_err;
    out->seconds = cs->seconds;
    out->total_seconds = cs->total_seconds;
    if (cs->first_err && cs->first_err->error)
        snprintf(out->error, sizeof out->error, "%s", cs->first_err->error);
    return SN_OK;
}

sn_status sn_bench_report_rank(const sn_bench_report *r, const char *method, double *avg_rank,
                               size_t *n_datasets, sn_error *err)
{
    if (!r || !method || !avg_rank)
        return sn_fail(err, SN_EINVAL, "sn_bench_report_rank: NULL argument");
    size_t mi = report_name_index(r->meth, r->n_meth, method);
    if (mi == SIZE_MAX)
        return sn_fail(err, SN_EINVAL, "%s holds no result of method %s", r->path, method);
    if (n_datasets)
        *n_datasets = r->n_rank_ds;
    *avg_rank = r->avg_rank[mi];
    if (r->n_rank_ds == 0)
        return sn_fail(err, SN_EINVAL,
                       "no data set of %s has a test RMSE for every method: no ranks", r->path);
    return SN_OK;
}

