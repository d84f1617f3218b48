/*
 * paired.c — paired comparisons of the methods of a report: every method sees the same splits,
 * so the difference of two methods on a data set is judged by its per-split differences,
 *     d_k = x_{A,k} − x_{B,k}  over the splits k that both have,
 *     mean d̄ = Σ d_k / n,   SE = sd(d) / √n   (sd with n − 1),
 * and counts as real where |d̄| > 2 SE (about a 5% two-sided test under normal errors; with 20
 * splits the t quantile is 2.09, so 2 is a little lenient and the tables say so). A method is
 * significantly best on a data set when every paired difference with every other method is real
 * and in its favour (lower RMSE; higher log-likelihood). Ranks per split (1 = best test RMSE,
 * ties sharing the mean rank) are averaged over all (data set, split) pairs where every method
 * has a result, with their standard error over those pairs.
 *
 * Everything here is computed from the live test records of the report and written as Markdown
 * (the section "Paired comparisons" of sn_bench_report_format).
 */
#include "bench/bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* |mean| > MARK_SE standard errors counts as a real difference. */
#define MARK_SE 2.0
/* Splits a paired comparison is made over at most (Gal's files hold 20; a few more tolerated). */
#define MAX_SPLITS 1024

typedef enum { Q_RMSE, Q_LL, N_Q } pq;

/* The test values of a report gathered once: v[((di · n_meth + mi) · n_splits + k) · N_Q + q],
 * NAN where (data set di, method mi, split k) has no successful test unit. */
typedef struct {
    const sn_bench_report *r;
    size_t n_splits;
    double *v;
} grid;

static double value_of(const grid *g, size_t di, size_t mi, size_t k, pq q)
{
    return g->v[((di * g->r->n_meth + mi) * g->n_splits + k) * N_Q + q];
}

/* One pass over the live test records. false when out of memory. */
static bool grid_build(const sn_bench_report *r, grid *g)
{
    g->r = r;
    g->n_splits = 0;
    for (size_t i = 0; i < r->l.n; i++)
        if (r->live[i] && r->l.r[i].grid < 0 && r->l.r[i].split + 1 > g->n_splits)
            g->n_splits = r->l.r[i].split + 1;
    if (g->n_splits > MAX_SPLITS)
        g->n_splits = MAX_SPLITS;
    size_t n = r->n_ds * r->n_meth * g->n_splits * N_Q;
    g->v = sn_calloc(n ? n : 1, sizeof *g->v);
    if (!g->v)
        return false;
    for (size_t k = 0; k < n; k++)
        g->v[k] = NAN;
    for (size_t i = 0; i < r->l.n; i++) {
        const record *rec = &r->l.r[i];
        if (!r->live[i] || rec->grid >= 0 || !rec->is_ok || rec->split >= g->n_splits)
            continue;
        size_t di = report_name_index(r->ds, r->n_ds, rec->dataset);
        size_t mi = report_name_index(r->meth, r->n_meth, rec->method);
        double *cell = g->v + ((di * r->n_meth + mi) * g->n_splits + rec->split) * N_Q;
        cell[Q_RMSE] = rec->rmse;
        cell[Q_LL] = rec->ll;
    }
    return true;
}

/* Mean and standard error of the paired differences A − B of quantity q on data set di. */
static void paired(const grid *g, size_t di, size_t a, size_t b, pq q, double *mean, double *se,
                   size_t *n_out)
{
    size_t n = 0;
    double sum = 0.0, sq = 0.0;
    for (size_t k = 0; k < g->n_splits; k++) {
        double x = value_of(g, di, a, k, q), y = value_of(g, di, b, k, q);
        if (!isfinite(x) || !isfinite(y))
            continue;
        double d = x - y;
        n++;
        sum += d;
        sq += d * d;
    }
    *n_out = n;
    *mean = n ? sum / (double)n : NAN;
    double var = n > 1 ? (sq - (double)n * *mean * *mean) / (double)(n - 1) : NAN;
    *se = n > 1 ? sqrt(var > 0.0 ? var : 0.0) / sqrt((double)n) : NAN;
}

/* Whether A is better than B on quantity q, by more than MARK_SE standard errors. */
static bool real_win(double mean, double se, pq q)
{
    if (!isfinite(mean) || !isfinite(se))
        return false;
    bool is_better = q == Q_RMSE ? mean < 0.0 : mean > 0.0;
    return is_better && fabs(mean) > MARK_SE * se;
}

static void table(sbuf *s, const grid *g, pq q)
{
    const sn_bench_report *r = g->r;
    const char *name = q == Q_RMSE ? "test RMSE (36)" : "test log-likelihood (37)";
    sb_printf(s, "\n### Paired differences of the %s\n\nRow minus column, mean ± standard error "
                 "of the per-split differences over the splits both have; **bold**: |mean| > "
                 "%g SE.%s\n\n| data set | pair | splits | difference |\n|---|---|---:|---:|\n",
              name, MARK_SE, q == Q_RMSE ? " Negative: the first method has the lower RMSE."
                                        : " Positive: the first method has the higher LL.");
    for (size_t di = 0; di < r->n_ds; di++)
        for (size_t a = 0; a < r->n_meth; a++)
            for (size_t b = a + 1; b < r->n_meth; b++) {
                double mean, se;
                size_t n;
                paired(g, di, a, b, q, &mean, &se, &n);
                if (n < 2)
                    continue;
                bool mark = isfinite(se) && fabs(mean) > MARK_SE * se;
                sb_printf(s, "| %s | %s − %s | %zu | %s%+.3g ± %.2g%s |\n", r->ds[di],
                          r->meth[a], r->meth[b], n, mark ? "**" : "", mean, se,
                          mark ? "**" : "");
            }
    /* Significantly best: every paired difference with every other method real and won. */
    sb_printf(s, "\nSignificantly best (%s): ", name);
    bool any = false;
    for (size_t m = 0; m < r->n_meth; m++) {
        size_t k = 0;
        char list[1024] = "";
        for (size_t di = 0; di < r->n_ds; di++) {
            bool best = r->n_meth > 1;
            for (size_t o = 0; o < r->n_meth && best; o++) {
                if (o == m)
                    continue;
                double mean, se;
                size_t n;
                paired(g, di, m, o, q, &mean, &se, &n);
                best = n >= 2 && real_win(mean, se, q);
            }
            if (best) {
                size_t len = strlen(list);
                snprintf(list + len, sizeof list - len, "%s%s", k ? ", " : "", r->ds[di]);
                k++;
            }
        }
        sb_printf(s, "%s%s on %zu of %zu%s%s%s", any ? "; " : "", r->meth[m], k, r->n_ds,
                  k ? " (" : "", list, k ? ")" : "");
        any = true;
    }
    sb_puts(s, ".\n");
}

/* Average rank by test RMSE over the (data set, split) pairs where every method has one. */
static void ranks(sbuf *s, const grid *g)
{
    const sn_bench_report *r = g->r;
    if (r->n_meth < 2)
        return;
    double *sum = sn_calloc(r->n_meth, sizeof *sum), *sq = sn_calloc(r->n_meth, sizeof *sq);
    double *v = sn_calloc(r->n_meth, sizeof *v);
    size_t n_pairs = 0;
    if (!sum || !sq || !v) {
        s->oom = true;
        goto out;
    }
    for (size_t di = 0; di < r->n_ds; di++) {
        for (size_t k = 0; k < g->n_splits; k++) {
            bool full = true;
            for (size_t m = 0; m < r->n_meth && full; m++)
                full = isfinite(v[m] = value_of(g, di, m, k, Q_RMSE));
            if (!full)
                continue;
            n_pairs++;
            for (size_t m = 0; m < r->n_meth; m++) {
                size_t below = 0, equal = 0;
                for (size_t j = 0; j < r->n_meth; j++) {
                    below += v[j] < v[m];
                    equal += v[j] == v[m];
                }
                double rank = (double)below + ((double)equal + 1.0) / 2.0;
                sum[m] += rank;
                sq[m] += rank * rank;
            }
        }
    }
    if (n_pairs < 2)
        goto out;
    sb_printf(s, "\n### Average rank by test RMSE, per split\n\nRank 1 is the lowest RMSE of a "
                 "split; mean ± standard error over the %zu (data set, split) pairs where every "
                 "method has a result.\n\n| method | average rank |\n|---|---:|\n", n_pairs);
    for (size_t m = 0; m < r->n_meth; m++) {
        double mean = sum[m] / (double)n_pairs;
        double var = (sq[m] - (double)n_pairs * mean * mean) / (double)(n_pairs - 1);
        sb_printf(s, "| %s | %.2f ± %.2f |\n", r->meth[m], mean,
                  sqrt(var > 0.0 ? var : 0.0) / sqrt((double)n_pairs));
    }
out:
    free(sum);
    free(sq);
    free(v);
}

void bench_paired_markdown(const sn_bench_report *r, sbuf *s)
{
    if (r->n_meth < 2)
        return;
    sb_puts(s, "\n## Paired comparisons\n\nEvery method sees the same splits: differences are "
               "judged split by split. With 20 splits |mean| > 2 SE is about a 5% test (the t "
               "quantile is 2.09); many pairs are compared, so a few marks are expected by "
               "chance.\n");
    grid g;
    if (!grid_build(r, &g)) {
        s->oom = true;
        return;
    }
    table(s, &g, Q_RMSE);
    table(s, &g, Q_LL);
    ranks(s, &g);
    free(g.v);
}
