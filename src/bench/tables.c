/*
 * tables.c — the tables of a benchmark report as text: Markdown (Table 2 in three parts when
 * lb, iw or tail ran, Table 3 with average ranks, failures, settings, time) and CSV (one row per
 * (data set, method) with every aggregate); and the one growable string of src/bench (sbuf),
 * which these tables, the config fingerprint and the results lines are built in.
 */
#include "bench/bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ========================================================================================== */
/* A growing string                                                                           */
/* ========================================================================================== */

static void sb_reserve(sbuf *b, size_t extra)
{
    if (b->oom)
        return;
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2) {
            b->oom = true;
            return;
        }
        cap *= 2;
    }
    char *s = realloc(b->s, cap);
    if (!s) {
        b->oom = true;
        return;
    }
    b->s = s;
    b->cap = cap;
}

void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = true;
        return;
    }
    sb_reserve(b, (size_t)n);
    if (b->oom)
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sb_putn(sbuf *b, const char *s, size_t n)
{
    sb_reserve(b, n);
    if (b->oom)
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void sb_puts(sbuf *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

void sb_num(sbuf *b, double x)
{
    if (isfinite(x))
        sb_printf(b, "%.17g", x);
    else
        sb_puts(b, "null");
}

/* ========================================================================================== */
/* Formatting                                                                                 */
/* ========================================================================================== */

/* Decimals for a figure of this size: three at least, more for small magnitudes. */
static int decimals_for(double x)
{
    if (!isfinite(x) || x == 0)
        return 3;
    int d = 2 - (int)floor(log10(fabs(x)));
    return d < 3 ? 3 : (d > 6 ? 6 : d);
}

static void fmt_stat(char *buf, size_t n, const sn_bench_stat *s)
{
    if (s->n == 0 || !isfinite(s->mean)) {
        snprintf(buf, n, "—");
        return;
    }
    int d = decimals_for(s->mean);
    if (s->n == 1 || !isfinite(s->se))
        snprintf(buf, n, "%.*f", d, s->mean);
    else
        snprintf(buf, n, "%.*f ± %.*f", d, s->mean, d, s->se);
}

/* Hours past which a duration is shown as a number of hours alone: the hours must fit an int
 * (a hand-edited results file may say anything); no run lasts a million hours. */
#define DURATION_MAX_HOURS 1e6

/* A compact duration: 42s, 3m05s, 2h07m. */
static void fmt_duration(char *buf, size_t n, double s)
{
    if (!isfinite(s) || s < 0)
        snprintf(buf, n, "—");
    else if (s < 60)
        snprintf(buf, n, "%.1fs", s);
    else if (s < 3600)
        snprintf(buf, n, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else if (s / 3600 < DURATION_MAX_HOURS)
        snprintf(buf, n, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
    else
        snprintf(buf, n, "%.3gh", s / 3600);
}

typedef enum { Q_RMSE, Q_REF, Q_LL } quantity;

static const sn_bench_stat *cell_stat(const cell_summary *cs, quantity q)
{
    return q == Q_RMSE ? &cs->rmse : (q == Q_REF ? &cs->ref_abs_err : &cs->ll);
}

/* The cell text of ours: the figure, bold when best of its row, failures noted. */
static void fmt_ours(char *buf, size_t n, const cell_summary *cs, quantity q, bool best,
                     size_t row_n)
{
    char s[96];
    if (!cs || cs->n_ok + cs->n_failed == 0) {
        snprintf(buf, n, "—");
        return;
    }
    if (cs->n_ok == 0) {
        snprintf(buf, n, "failed");
        return;
    }
    fmt_stat(s, sizeof s, cell_stat(cs, q));
    char extra[48] = "";
    if (cs->n_ok != row_n || cs->n_failed > 0)
        snprintf(extra, sizeof extra, " (n=%zu%s)", cs->n_ok, cs->n_failed ? ", errors" : "");
    snprintf(buf, n, best ? "**%s**%s" : "%s%s", s, extra);
}

/* Markers of a paper figure that is not what our column shows: ‡ the authors' figure (38)
 * where we show an RMSE, § an RMSE where we show the authors' figure, † ± a standard
 * deviation (ours are standard errors). */
static void paper_mark(char *buf, size_t n, const paper_row *p, quantity q)
{
    bool is_ref = strcmp(p->rmse_kind, "ref_abs_err") == 0;
    const char *kind = "";
    if (q == Q_RMSE && is_ref)
        kind = "‡";
    else if (q == Q_REF && !is_ref)
        kind = "§";
    const char *sd = strcmp(p->err_kind, "std") == 0 ? "†" : "";
    snprintf(buf, n, "%s%s%s", *kind || *sd ? " " : "", kind, sd);
}

static void fmt_paper(char *buf, size_t n, const paper_row *p, quantity q)
{
    if (!p) {
        snprintf(buf, n, "—");
        return;
    }
    const char *v = q == Q_LL ? p->ll : p->rmse, *e = q == Q_LL ? p->ll_err : p->rmse_err;
    char mark[32];
    paper_mark(mark, sizeof mark, p, q);
    snprintf(buf, n, "%s ± %s%s", v, e, mark);
}

static const char *objective_label(const char *m)
{
    if (strcmp(m, "lb") == 0)
        return "lower bound (lb)";
    if (strcmp(m, "iw") == 0)
        return "import. weighted (iw)";
    if (strcmp(m, "tail") == 0)
        return "tail-adaptive (tail)";
    return m;
}

/* One of the three parts of Table 2. */
static void table2_part(sbuf *s, const sn_bench_report *r, const size_t *mi, size_t n_mi,
                        quantity q, const char *title)
{
    bool paper = r->n_paper > 0;
    bool higher_better = q == Q_LL;
    sb_printf(s, "\n### %s\n\n| data set | splits |", title);
    for (size_t j = 0; j < n_mi; j++) {
        sb_printf(s, " %s |", objective_label(r->meth[mi[j]]));
        if (paper)
            sb_puts(s, " paper |");
    }
    sb_puts(s, "\n|---|---:|");
    for (size_t j = 0; j < n_mi * (paper ? 2 : 1); j++)
        sb_puts(s, "---:|");
    sb_puts(s, "\n");
    size_t wins[8] = {0}, n_rows_judged = 0;
    for (size_t di = 0; di < r->n_ds; di++) {
        const cell_summary *row[8];
        size_t row_n = 0;
        bool any = false;
        for (size_t j = 0; j < n_mi; j++) {
            row[j] = &r->cell[di * r->n_meth + mi[j]];
            if (row[j]->n_ok > row_n)
                row_n = row[j]->n_ok;
            any = any || row[j]->n_ok + row[j]->n_failed > 0;
        }
        if (!any)
            continue;
        /* The best of our figures in this row (only when at least two methods have one);
         * every method that ties with it is marked and counted. */
        double best = NAN;
        size_t n_have = 0;
        for (size_t j = 0; j < n_mi; j++) {
            const sn_bench_stat *st = cell_stat(row[j], q);
            if (row[j]->n_ok == 0 || !isfinite(st->mean))
                continue;
            n_have++;
            if (isnan(best) || (higher_better ? st->mean > best : st->mean < best))
                best = st->mean;
        }
        bool is_best[8] = {false};
        for (size_t j = 0; j < n_mi && n_have >= 2; j++)
            is_best[j] = row[j]->n_ok > 0 && cell_stat(row[j], q)->mean == best;
        if (n_have == n_mi && n_have >= 2) {
            n_rows_judged++;
            for (size_t j = 0; j < n_mi; j++)
                wins[j] += is_best[j];
        }
        sb_printf(s, "| %s | %zu |", r->ds[di], row_n);
        for (size_t j = 0; j < n_mi; j++) {
            char cell[160];
            fmt_ours(cell, sizeof cell, row[j], q, is_best[j], row_n);
            sb_printf(s, " %s |", cell);
            if (paper) {
                fmt_paper(cell, sizeof cell, paper_find(r, r->ds[di], r->meth[mi[j]]), q);
                sb_printf(s, " %s |", cell);
            }
        }
        sb_puts(s, "\n");
    }
    if (n_mi > 1 && n_rows_judged > 0) {
        sb_printf(s, "\nBest (%s) of ours, counted over the %zu data set%s where each has a "
                     "result (a tie counts for each):", higher_better ? "highest" : "lowest",
                  n_rows_judged, n_rows_judged == 1 ? "" : "s");
        for (size_t j = 0; j < n_mi; j++)
            sb_printf(s, " %s %zu%s", r->meth[mi[j]], wins[j], j + 1 < n_mi ? "," : ".");
        sb_puts(s, "\n");
    }
}

static bool same_num(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

/* Whether two test records trained with the same settings, grid choices aside. */
static bool same_settings(const record *a, const record *b)
{
    return same_num(a->epochs, b->epochs) && same_num(a->batch, b->batch) &&
           same_num(a->samples, b->samples) && same_num(a->lr, b->lr) &&
           same_num(a->draws, b->draws) && same_num(a->n_hidden, b->n_hidden) &&
           same_num(a->n_layers, b->n_layers) && same_num(a->sigma0, b->sigma0) &&
           strcmp(a->protocol ? a->protocol : "", b->protocol ? b->protocol : "") == 0 &&
           strcmp(a->arch ? a->arch : "", b->arch ? b->arch : "") == 0;
}

/* Count v into the distinct values vals[0..*n) (at most cap). */
static void count_value(double v, double *vals, size_t *counts, size_t *n, size_t cap)
{
    size_t j = 0;
    while (j < *n && vals[j] != v)
        j++;
    if (j == *n) {
        if (*n == cap)
            return;
        vals[j] = v;
        counts[j] = 0;
        (*n)++;
    }
    counts[j]++;
}

#define MAX_DISTINCT 32

static void md_settings(sbuf *s, const sn_bench_report *r)
{
    sb_puts(s, "\n## Settings\n\n| method | data sets | protocol | network | epochs | batch | S | "
               "lr | sigma0 | keep | precision | T |\n"
               "|---|---|---|---|---:|---:|---:|---:|---:|---|---|---:|\n");
    bool *done = sn_calloc(r->n_ds ? r->n_ds : 1, sizeof *done);
    if (!done) {
        s->oom = true;
        return;
    }
    for (size_t m = 0; m < r->n_meth; m++) {
        memset(done, 0, (r->n_ds ? r->n_ds : 1) * sizeof *done);
        for (size_t di = 0; di < r->n_ds; di++) {
            const record *f = r->cell[di * r->n_meth + m].first;
            if (!f || done[di])
                continue;
            /* One row for the data sets whose test units share these settings. */
            sbuf names = {0}, keep = {0}, prec = {0};
            double kv[MAX_DISTINCT], pv[MAX_DISTINCT], sv[MAX_DISTINCT];
            size_t kc[MAX_DISTINCT], pc[MAX_DISTINCT], sc[MAX_DISTINCT];
            size_t nk = 0, np = 0, ns = 0, n_learn = 0, n_ds = 0;
            for (size_t dj = di; dj < r->n_ds; dj++) {
                const record *g = r->cell[dj * r->n_meth + m].first;
                if (!g || done[dj] || !same_settings(f, g))
                    continue;
                done[dj] = true;
                n_ds++;
                sb_printf(&names, "%s%s", names.len ? ", " : "", r->ds[dj]);
                for (size_t i = 0; i < r->l.n; i++) {
                    const record *x = &r->l.r[i];
                    if (!r->live[i] || x->grid >= 0 || strcmp(x->method, r->meth[m]) != 0 ||
                        strcmp(x->dataset, r->ds[dj]) != 0)
                        continue;
                    if (x->learn_precision)
                        n_learn++;
                    else if (isfinite(x->precision))
                        count_value(x->precision, pv, pc, &np, MAX_DISTINCT);
                    if (isfinite(x->keep))
                        count_value(x->keep, kv, kc, &nk, MAX_DISTINCT);
                    if (isfinite(x->sigma0))
                        count_value(x->sigma0, sv, sc, &ns, MAX_DISTINCT);
                }
            }
            if (n_ds == r->n_ds && n_ds > 1) {
                names.len = 0;
                sb_puts(&names, "all");
            }
            bool counted = nk > 1 || (f->protocol && strcmp(f->protocol, "gal") == 0);
            for (size_t j = 0; j < nk; j++) {
                if (counted)
                    sb_printf(&keep, "%s%g ×%zu", j ? ", " : "", kv[j], kc[j]);
                else
                    sb_printf(&keep, "%s%g", j ? ", " : "", kv[j]);
            }
            if (n_learn)
                sb_printf(&prec, "learned ×%zu", n_learn);
            if (np > 6)
                sb_printf(&prec, "%s%zu fixed values", prec.len ? ", " : "", np);
            else
                for (size_t j = 0; j < np; j++)
                    sb_printf(&prec, "%s%g ×%zu", prec.len ? ", " : "", pv[j], pc[j]);
            char sig[48];
            if (ns == 0)
                snprintf(sig, sizeof sig, "none");
            else if (ns == 1)
                snprintf(sig, sizeof sig, "%.4g", sv[0]);
            else
                snprintf(sig, sizeof sig, "(39), %zu values", ns);
            sb_printf(s, "| %s | %s | %s | %s %gx%g | %g | %g | %g | %g | %s | %s | %s | %g |\n",
                      r->meth[m], names.s ? names.s : "", f->protocol ? f->protocol : "?",
                      f->arch ? f->arch : "?", f->n_layers, f->n_hidden, f->epochs, f->batch,
                      f->samples, f->lr, sig, keep.s ? keep.s : "—", prec.s ? prec.s : "—",
                      f->draws);
            if (names.oom || keep.oom || prec.oom)
                s->oom = true;
            free(names.s);
            free(keep.s);
            free(prec.s);
        }
    }
    free(done);
    sb_puts(s, "\nnetwork: architecture, hidden layers x units. keep, precision and sigma0: the "
               "values the test units trained with, and how many (under Gal's protocol the grid "
               "points chosen by validation log-likelihood; sigma0 (39) is Gal's weight decay, "
               "which depends on the keep probability). T: Monte Carlo draws per score. "
               "Everything else is recorded with each unit in the results file.\n");
}

static void format_markdown(const sn_bench_report *r, sbuf *s)
{
    sb_printf(s, "# shrinknet bench: %s\n\nTest-set figures in the original units of y, mean ± "
                 "standard error over splits; bold: the best of ours in its row. RMSE is the "
                 "RMSE of the predictive mean (MATH.md (36)); LL is the test log-likelihood "
                 "(37); the authors' figure is what their code prints as \"RMSE\" (38), a "
                 "sample-averaged absolute error.\n", r->path);
    size_t n_test_lines = 0;
    for (size_t i = 0; i < r->l.n; i++)
        n_test_lines += r->live[i] && r->l.r[i].grid < 0;
    if (n_test_lines == 0) {
        sb_printf(s, "\nNo test results in %s yet (%zu unit%s, none of them a test unit).\n",
                  r->path, r->l.n - r->n_superseded, r->l.n - r->n_superseded == 1 ? "" : "s");
        return;
    }
    size_t mc[3], n_mc = 0;
    static const char *const table2[] = {"lb", "iw", "tail"};
    for (size_t j = 0; j < 3; j++) {
        size_t mi = report_name_index(r->meth, r->n_meth, table2[j]);
        if (mi != SIZE_MAX)
            mc[n_mc++] = mi;
    }
    if (n_mc > 0) {
        sb_puts(s, "\n## Table 2: Monte Carlo objectives\n");
        table2_part(s, r, mc, n_mc, Q_RMSE, "Test RMSE (36)");
        table2_part(s, r, mc, n_mc, Q_LL, "Test log-likelihood (37)");
        table2_part(s, r, mc, n_mc, Q_REF, "The authors' figure (38)");
        /* The repository's copy is named as such, wherever the binary found it. */
        const char *pp = r->paper_path ? r->paper_path : "";
        size_t lp = strlen(pp), lr = strlen("bench/paper_table2.csv");
        if (lp >= lr && strcmp(pp + lp - lr, "bench/paper_table2.csv") == 0)
            pp = "bench/paper_table2.csv";
        if (r->n_paper > 0)
            sb_printf(s, "\npaper: Table 2 of Nalisnick, Hernández-Lobato & Smyth (ICML 2019), "
                         "as quoted in %s. Its lower-bound column is Gal & Ghahramani's RMSE "
                         "± standard error; its other columns come from the authors' code. "
                         "† ± is a standard deviation over splits, not a standard error; "
                         "‡ the paper's figure here is the authors' figure (38), not an RMSE; "
                         "§ the paper's figure here is a true RMSE (36), not the authors' "
                         "figure.\n", pp);
    }
    sb_puts(s, "\n## Table 3: test RMSE per method\n\n| data set |");
    for (size_t m = 0; m < r->n_meth; m++)
        sb_printf(s, " %s |", r->meth[m]);
    sb_puts(s, "\n|---|");
    for (size_t m = 0; m < r->n_meth; m++)
        sb_puts(s, "---:|");
    sb_puts(s, "\n");
    for (size_t di = 0; di < r->n_ds; di++) {
        const cell_summary *row = &r->cell[di * r->n_meth];
        size_t row_n = 0, n_have = 0;
        double best = NAN;
        for (size_t m = 0; m < r->n_meth; m++) {
            if (row[m].n_ok > row_n)
                row_n = row[m].n_ok;
            if (row[m].n_ok > 0 && isfinite(row[m].rmse.mean)) {
                n_have++;
                if (isnan(best) || row[m].rmse.mean < best)
                    best = row[m].rmse.mean;
            }
        }
        sb_printf(s, "| %s |", r->ds[di]);
        for (size_t m = 0; m < r->n_meth; m++) {
            char cell[160];
            fmt_ours(cell, sizeof cell, &row[m], Q_RMSE,
                     n_have >= 2 && row[m].n_ok > 0 && row[m].rmse.mean == best, row_n);
            sb_printf(s, " %s |", cell);
        }
        sb_puts(s, "\n");
    }
    sb_puts(s, "| average rank |");
    for (size_t m = 0; m < r->n_meth; m++) {
        if (isfinite(r->avg_rank[m]))
            sb_printf(s, " %.2f |", r->avg_rank[m]);
        else
            sb_puts(s, " — |");
    }
    sb_printf(s, "\n\nAverage rank by mean test RMSE (1 = best; ties share the mean rank) over "
                 "the %zu data set%s where every method has a result.\n", r->n_rank_ds,
              r->n_rank_ds == 1 ? "" : "s");

    /* Failures, one line per cell. */
    bool any_fail = false;
    for (size_t c = 0; c < r->n_ds * r->n_meth; c++) {
        const cell_summary *cs = &r->cell[c];
        if (cs->n_failed == 0)
            continue;
        if (!any_fail)
            sb_puts(s, "\n## Failures\n\n");
        any_fail = true;
        sb_printf(s, "- %s on %s: %zu of %zu splits failed: %s\n", r->meth[c % r->n_meth],
                  r->ds[c / r->n_meth], cs->n_failed, cs->n_failed + cs->n_ok,
                  cs->first_err && cs->first_err->error ? cs->first_err->error : "?");
    }

    md_settings(s, r);

    sb_puts(s, "\n## Time\n\n| method | units | compute time | mean per test unit |\n"
               "|---|---:|---:|---:|\n");
    double total = 0.0;
    for (size_t m = 0; m < r->n_meth; m++) {
        size_t n_units = 0;
        double sum = 0.0, test_sum = 0.0;
        size_t n_test = 0;
        for (size_t di = 0; di < r->n_ds; di++) {
            const cell_summary *cs = &r->cell[di * r->n_meth + m];
            n_units += cs->n_units;
            sum += cs->total_seconds;
            if (cs->seconds.n) {
                test_sum += cs->seconds.mean * (double)cs->seconds.n;
                n_test += cs->seconds.n;
            }
        }
        total += sum;
        char a[32], b2[32];
        fmt_duration(a, sizeof a, sum);
        fmt_duration(b2, sizeof b2, n_test ? test_sum / (double)n_test : NAN);
        sb_printf(s, "| %s | %zu | %s | %s |\n", r->meth[m], n_units, a, b2);
    }
    char t[32];
    fmt_duration(t, sizeof t, total);
    sb_printf(s, "\nCompute time is the sum of the units' wall times (%s in all); with N jobs "
                 "the run takes about 1/N of it.\n", t);
    bench_paired_markdown(r, s);
}

static void csv_stat(sbuf *s, const sn_bench_stat *st)
{
    sb_puts(s, ",");
    sb_num(s, st->mean);
    sb_puts(s, ",");
    sb_num(s, st->se);
    sb_puts(s, ",");
    sb_num(s, st->std);
}

static void format_csv(const sn_bench_report *r, sbuf *s)
{
    sb_puts(s, "dataset,method,protocol,n_ok,n_failed,rmse_mean,rmse_se,rmse_std,ll_mean,ll_se,"
               "ll_std,ll_gauss_mean,ll_gauss_se,ll_gauss_std,mae_mean,mae_se,mae_std,"
               "ref_abs_err_mean,ref_abs_err_se,ref_abs_err_std,seconds_mean,seconds_se,"
               "seconds_std,compute_seconds,rank_rmse,avg_rank_rmse,paper_rmse,paper_rmse_err,"
               "paper_ll,paper_ll_err,paper_rmse_kind,paper_err_kind,epochs,batch,samples,lr,"
               "draws,config,first_error\n");
    for (size_t di = 0; di < r->n_ds; di++)
        for (size_t m = 0; m < r->n_meth; m++) {
            const cell_summary *cs = &r->cell[di * r->n_meth + m];
            if (cs->n_ok + cs->n_failed == 0)
                continue;
            const record *f = cs->first;
            sb_printf(s, "%s,%s,%s,%zu,%zu", r->ds[di], r->meth[m],
                      f && f->protocol ? f->protocol : "", cs->n_ok, cs->n_failed);
            csv_stat(s, &cs->rmse);
            csv_stat(s, &cs->ll);
            csv_stat(s, &cs->ll_gauss);
            csv_stat(s, &cs->mae);
            csv_stat(s, &cs->ref_abs_err);
            csv_stat(s, &cs->seconds);
            sb_puts(s, ",");
            sb_num(s, cs->total_seconds);
            sb_puts(s, ",");
            sb_num(s, cs->rank);
            sb_puts(s, ",");
            sb_num(s, r->avg_rank[m]);
            const paper_row *p = paper_find(r, r->ds[di], r->meth[m]);
            if (p)
                sb_printf(s, ",%s,%s,%s,%s,%s,%s", p->rmse, p->rmse_err, p->ll, p->ll_err,
                          p->rmse_kind, p->err_kind);
            else
                sb_puts(s, ",,,,,,");
            sb_printf(s, ",%.17g,%.17g,%.17g,%.17g,%.17g,%s,", f->epochs, f->batch, f->samples,
                      f->lr, f->draws, f->config);
            if (cs->first_err && cs->first_err->error) {
                /* RFC 4180 quoting: the message may hold commas and quotes. */
                sb_puts(s, "\"");
                for (const char *c = cs->first_err->error; *c; c++) {
                    if (*c == '"')
                        sb_puts(s, "\"\"");
                    else
                        sb_printf(s, "%c", *c);
                }
                sb_puts(s, "\"");
            }
            sb_puts(s, "\n");
        }
}

sn_status sn_bench_report_format(const sn_bench_report *r, sn_bench_format f, char **out,
                                 sn_error *err)
{
    if (!r || !out)
        return sn_fail(err, SN_EINVAL, "sn_bench_report_format: NULL argument");
    *out = NULL;
    sbuf s = {0};
    if (f == SN_BENCH_MARKDOWN)
        format_markdown(r, &s);
    else if (f == SN_BENCH_CSV)
        format_csv(r, &s);
    else
        return sn_fail(err, SN_EINVAL, "unknown report format %d", (int)f);
    if (s.oom || !s.s) {
        free(s.s);
        return sn_fail(err, SN_ENOMEM, "out of memory formatting the report");
    }
    *out = s.s;
    return SN_OK;
}
