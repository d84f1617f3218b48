/*
 * kernels.c — the small-matrix products of the small-layer path, compiled twice (kernels.h):
 * the bias gradient, the weight gradient over runs of equal rows, and the layer-at-a-time
 * drivers of the forward and backward row kernels with their epilogues. Layers above
 * SN_LARGE_LAYER weights use CBLAS instead (net.c); docs/performance.md has the measurements.
 */
#include "net/kernels.h"

/* Reusing the product of an equal previous row (forward) and summing G over runs of equal rows
 * of U (backward) pay when a row's product costs much more than comparing two rows: when the
 * layer has at least this many outputs (the output layer of a regression net has one). */
#define REUSE_MIN_OUT 8

KERNELS_BEGIN

KERNEL void sn_net_column_sums(const double *restrict G, size_t n, size_t m, double *restrict db)
{
    column_sums_ld(G, m, n, m, db);
}

/* ∂W = Uᵀ Gt (2), (5) for U [n][ni], Gt [n][no], and, when db is not NULL, ∂b = Gtᵀ 1 (for
 * layers without block noise, where Gt = G). A run of bitwise-equal rows of U contributes
 * U_runᵀ (Σ_run Gt): the runs are compacted into scratch (n/2 rows of [U | Σ Gt], at most
 * cap doubles) as they are found; when there are more than n/2 of them (no saving) or the
 * layer is too narrow for it to pay, the product is taken over the rows as they are. */
KERNEL void sn_net_weight_grad(const double *restrict U, const double *restrict Gt, size_t n,
                               size_t ni, size_t no, double *restrict dW, double *restrict db,
                               double *restrict scratch, size_t cap)
{
    const size_t w = ni + no, max_runs = cap / w < n / 2 ? cap / w : n / 2;
    size_t r = 0;
    if (no >= REUSE_MIN_OUT && max_runs > 0) {
        for (size_t i = 0; i < n; i++) {
            const double *restrict g = Gt + i * no;
            if (i == 0 || !rows_equal(U + i * ni, U + (i - 1) * ni, ni)) {
                if (r == max_runs) {
                    r = 0; /* too many runs: give up */
                    break;
                }
                memcpy(scratch + r * w, U + i * ni, ni * sizeof *U);
                memcpy(scratch + r * w + ni, g, no * sizeof *g);
                r++;
            } else {
                double *restrict gc = scratch + (r - 1) * w + ni;
                size_t j = 0;
                for (; j + 4 <= no; j += 4)
                    ST(gc + j, LD(gc + j) + LD(g + j));
                for (; j < no; j++)
                    gc[j] += g[j];
            }
        }
    }
    if (r > 0) {
        xt_y(scratch, w, r, ni, scratch + ni, w, no, dW);
        if (db)
            column_sums_ld(scratch + ni, w, r, no, db);
    } else {
        xt_y(U, ni, n, ni, Gt, no, no, dW);
        if (db)
            column_sums_ld(Gt, no, n, no, db);
    }
}

/* A layer of the small-layer path: per row, the product U_i W (or the previous row's, when U_i
 * equals U_{i-1} bitwise) and the epilogue. acc [no] is a row buffer. */
KERNEL void sn_net_forward_rows(const double *U, size_t rows, size_t ni, const double *W,
                                const sn_fwd_epilogue *e, double *acc)
{
    for (size_t i = 0; i < rows; i++) {
        const double *ui = U + i * ni;
        if (i == 0 || e->no < REUSE_MIN_OUT || !rows_equal(ui, ui - ni, ni))
            row_product(ui, ni, W, e->no, acc);
        forward_row(e, i, acc);
    }
}

/* The epilogue alone, for rows whose product is already in the layer's A (CBLAS, DropConnect). */
KERNEL void sn_net_forward_epilogues(const double *A, size_t rows, const sn_fwd_epilogue *e)
{
    for (size_t i = 0; i < rows; i++)
        forward_row(e, i, A + i * e->no);
}

/* ∂U_i = Gt_i Wᵀ for every row (WT = Wᵀ [no][ni]) and its epilogue. acc [ni] is a row buffer. */
KERNEL void sn_net_backward_rows(const double *Gt, size_t rows, size_t no, const double *WT,
                                 const sn_bwd_epilogue *e, double *acc)
{
    if (no == 1 && e->is_fast) {
        /* One output (regression): G_below = c·1[U > 0] ⊙ (gt_i w), without the row buffer. */
        const size_t n = e->n;
        const v4d zero = SPLAT(0.0);
        for (size_t i = 0; i < rows; i++) {
            const double s = e->c * Gt[i];
            const double *restrict u = e->u + i * n;
            double *restrict g = e->g_out + i * n;
            const v4d sv = SPLAT(s);
            size_t k = 0;
            for (; k + 4 <= n; k += 4)
                ST(g + k, SELECT(LD(u + k) > zero, sv * LD(WT + k)));
            for (; k < n; k++)
                g[k] = u[k] > 0.0 ? s * WT[k] : 0.0;
        }
        return;
    }
    for (size_t i = 0; i < rows; i++) {
        row_product(Gt + i * no, no, WT, e->n, acc);
        backward_row(e, i, acc);
    }
}

/* The epilogue alone, for ∂U already in e->g_out (CBLAS, DropConnect): each row is copied to
 * acc first, since the epilogue overwrites it. */
KERNEL void sn_net_backward_epilogues(size_t rows, const sn_bwd_epilogue *e, double *acc)
{
    for (size_t i = 0; i < rows; i++) {
        memcpy(acc, e->g_out + i * e->n, e->n * sizeof *acc);
        backward_row(e, i, acc);
    }
}

KERNELS_END
