/*
 * net/kernels.h — the code of src/net compiled twice (x86-64-v3 and baseline, picked at load
 * time): the vector types, the clone machinery, the register-blocked row kernels and the
 * per-row epilogues, inline here so that each clone inlines its own copy; and the clone-compiled
 * functions of kernels.c and sources.c. Included by the net/ files only.
 */
#ifndef SN_NET_KERNELS_H
#define SN_NET_KERNELS_H

#include "net/net.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Four doubles (GCC and Clang vector extensions); v4du may sit at any double-aligned address
 * and alias doubles, like the compilers' own __m256d_u. Compiled for AVX these are one ymm
 * register, for the baseline two xmm registers. */
typedef double v4d __attribute__((vector_size(32)));
typedef double v4du __attribute__((vector_size(32), aligned(8), may_alias));
#define LD(p) (*(const v4du *)(const void *)(p))
#define ST(p, v) (*(v4du *)(void *)(p) = (v))
#define SPLAT(x) ((v4d){(x), (x), (x), (x)})
/* Lanes of v where the comparison mask (all ones or zeros per lane) is set, +0.0 elsewhere. */
typedef long long v4i __attribute__((vector_size(32)));
/* Two doubles, for the tails of rows whose width is not a multiple of 4 (50 = 12·4 + 2). */
typedef double v2d __attribute__((vector_size(16)));
typedef double v2du __attribute__((vector_size(16), aligned(8), may_alias));
#define LD2(p) (*(const v2du *)(const void *)(p))
#define ST2(p, v) (*(v2du *)(void *)(p) = (v))
#define SELECT(mask, v) ((v4d)((mask) & (v4i)(v)))

/* Every kernel is compiled twice, for x86-64-v3 (AVX2 + FMA) and for the baseline, and the
 * dynamic loader picks one on the running CPU (GCC's target_clones, ifunc). Inside a section
 * between KERNELS_BEGIN and KERNELS_END a·b + c may be contracted to an FMA. Results are then
 * reproducible on a given CPU (and build), as a BLAS's are. Building with -DSN_NO_CLONES keeps
 * the baseline version only (to test it on a machine that would pick the other). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(SN_NO_CLONES)
#define KERNEL __attribute__((target_clones("arch=x86-64-v3", "default")))
#define KERNELS_BEGIN                                                                              \
    _Pragma("GCC push_options") _Pragma("GCC optimize(\"O3\", \"fp-contract=fast\")")
#define KERNELS_END _Pragma("GCC pop_options")
#else
#define KERNEL
#define KERNELS_BEGIN
#define KERNELS_END
#endif
#define INLINE static inline __attribute__((always_inline))

KERNELS_BEGIN

/* ------------------------------------------------------------------------------------------ */
/* Row kernels                                                                                */
/* ------------------------------------------------------------------------------------------ */

/* out[j] = Σ_k x[k] M[k][j] for j < m, M [nk][m] row-major: one row of a product, the columns
 * in blocks of 16 held in registers while k runs. */
INLINE void row_product(const double *restrict x, size_t nk, const double *restrict M, size_t m,
                        double *restrict out)
{
    if (m == 1) {
        /* A dot product: four partial sums over k for instruction-level parallelism. */
        v4d s0 = SPLAT(0.0), s1 = s0, s2 = s0, s3 = s0;
        size_t k = 0;
        for (; k + 16 <= nk; k += 16) {
            s0 += LD(x + k) * LD(M + k);
            s1 += LD(x + k + 4) * LD(M + k + 4);
            s2 += LD(x + k + 8) * LD(M + k + 8);
            s3 += LD(x + k + 12) * LD(M + k + 12);
        }
        for (; k + 4 <= nk; k += 4)
            s0 += LD(x + k) * LD(M + k);
        v4d s = (s0 + s1) + (s2 + s3);
        double t = (s[0] + s[1]) + (s[2] + s[3]);
        for (; k < nk; k++)
            t += x[k] * M[k];
        out[0] = t;
        return;
    }
    size_t j = 0;
    for (; j + 16 <= m; j += 16) {
        v4d a0 = SPLAT(0.0), a1 = a0, a2 = a0, a3 = a0;
        for (size_t k = 0; k < nk; k++) {
            const v4d xk = SPLAT(x[k]);
            const double *mk = M + k * m + j;
            a0 += xk * LD(mk);
            a1 += xk * LD(mk + 4);
            a2 += xk * LD(mk + 8);
            a3 += xk * LD(mk + 12);
        }
        ST(out + j, a0);
        ST(out + j + 4, a1);
        ST(out + j + 8, a2);
        ST(out + j + 12, a3);
    }
    for (; j + 4 <= m; j += 4) {
        v4d a0 = SPLAT(0.0);
        for (size_t k = 0; k < nk; k++)
            a0 += SPLAT(x[k]) * LD(M + k * m + j);
        ST(out + j, a0);
    }
    if (j + 2 <= m) {
        v2d a0 = {0.0, 0.0};
        for (size_t k = 0; k < nk; k++)
            a0 += (v2d){x[k], x[k]} * LD2(M + k * m + j);
        ST2(out + j, a0);
        j += 2;
    }
    if (j < m) {
        double s = 0.0;
        for (size_t k = 0; k < nk; k++)
            s += x[k] * M[k * m + j];
        out[j] = s;
    }
}

/* dW = Xᵀ Y: dW[k][j] = Σ_i X[i][k] Y[i][j], X [n][nk] with row stride ldx, Y [n][m] with row
 * stride ldy, dW [nk][m] overwritten. Tiles of 4 rows of dW by 12 columns stay in registers
 * while i runs. */
INLINE void xt_y(const double *restrict X, size_t ldx, size_t n, size_t nk,
                 const double *restrict Y, size_t ldy, size_t m, double *restrict dW)
{
    if (m == 1 && ldx == nk && ldy == 1) {
        /* dWᵀ = Yᵀ X: a row product with the roles of the factors exchanged. */
        row_product(Y, n, X, nk, dW);
        return;
    }
    size_t k = 0;
    for (; k + 4 <= nk; k += 4) {
        size_t j = 0;
        for (; j + 12 <= m; j += 12) {
            v4d c00 = SPLAT(0.0), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
            v4d c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
            for (size_t i = 0; i < n; i++) {
                const double *y = Y + i * ldy + j, *x = X + i * ldx + k;
                const v4d y0 = LD(y), y1 = LD(y + 4), y2 = LD(y + 8);
                v4d xb = SPLAT(x[0]);
                c00 += xb * y0, c01 += xb * y1, c02 += xb * y2;
                xb = SPLAT(x[1]);
                c10 += xb * y0, c11 += xb * y1, c12 += xb * y2;
                xb = SPLAT(x[2]);
                c20 += xb * y0, c21 += xb * y1, c22 += xb * y2;
                xb = SPLAT(x[3]);
                c30 += xb * y0, c31 += xb * y1, c32 += xb * y2;
            }
            double *d = dW + k * m + j;
            ST(d, c00), ST(d + 4, c01), ST(d + 8, c02);
            ST(d + m, c10), ST(d + m + 4, c11), ST(d + m + 8, c12);
            ST(d + 2 * m, c20), ST(d + 2 * m + 4, c21), ST(d + 2 * m + 8, c22);
            ST(d + 3 * m, c30), ST(d + 3 * m + 4, c31), ST(d + 3 * m + 8, c32);
        }
        for (; j < m; j++) {
            double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
            for (size_t i = 0; i < n; i++) {
                const double y = Y[i * ldy + j], *x = X + i * ldx + k;
                s0 += x[0] * y, s1 += x[1] * y, s2 += x[2] * y, s3 += x[3] * y;
            }
            dW[k * m + j] = s0, dW[(k + 1) * m + j] = s1;
            dW[(k + 2) * m + j] = s2, dW[(k + 3) * m + j] = s3;
        }
    }
    for (; k < nk; k++) {
        /* The last rows of dW, one at a time: dW[k] = Σ_i X[i][k] Y[i]. */
        size_t j = 0;
        for (; j + 16 <= m; j += 16) {
            v4d c0 = SPLAT(0.0), c1 = c0, c2 = c0, c3 = c0;
            for (size_t i = 0; i < n; i++) {
                const v4d xb = SPLAT(X[i * ldx + k]);
                const double *y = Y + i * ldy + j;
                c0 += xb * LD(y), c1 += xb * LD(y + 4), c2 += xb * LD(y + 8);
                c3 += xb * LD(y + 12);
            }
            double *d = dW + k * m + j;
            ST(d, c0), ST(d + 4, c1), ST(d + 8, c2), ST(d + 12, c3);
        }
        for (; j < m; j++) {
            double s = 0.0;
            for (size_t i = 0; i < n; i++)
                s += X[i * ldx + k] * Y[i * ldy + j];
            dW[k * m + j] = s;
        }
    }
}

/* db[j] = Σ_i G[i][j], G [n][m] with row stride ld: columns in blocks of 16 held in registers. */
INLINE void column_sums_ld(const double *restrict G, size_t ld, size_t n, size_t m,
                           double *restrict db)
{
    if (m == 1 && ld == 1) {
        v4d s0 = SPLAT(0.0), s1 = s0;
        size_t i = 0;
        for (; i + 8 <= n; i += 8)
            s0 += LD(G + i), s1 += LD(G + i + 4);
        const v4d s = s0 + s1;
        double t = (s[0] + s[1]) + (s[2] + s[3]);
        for (; i < n; i++)
            t += G[i];
        db[0] = t;
        return;
    }
    size_t j = 0;
    for (; j + 16 <= m; j += 16) {
        v4d s0 = SPLAT(0.0), s1 = s0, s2 = s0, s3 = s0;
        for (size_t i = 0; i < n; i++) {
            const double *g = G + i * ld + j;
            s0 += LD(g), s1 += LD(g + 4), s2 += LD(g + 8), s3 += LD(g + 12);
        }
        ST(db + j, s0), ST(db + j + 4, s1), ST(db + j + 8, s2), ST(db + j + 12, s3);
    }
    for (; j + 4 <= m; j += 4) {
        v4d s0 = SPLAT(0.0);
        for (size_t i = 0; i < n; i++)
            s0 += LD(G + i * ld + j);
        ST(db + j, s0);
    }
    for (; j < m; j++) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++)
            s += G[i * ld + j];
        db[j] = s;
    }
}

/* Bitwise equality of two rows (so -0.0 and 0.0 differ, and equal rows give equal products):
 * short rows (the inputs, 4-13 wide) by OR-ing the XOR of their bits, long ones by memcmp. */
INLINE bool rows_equal(const double *a, const double *b, size_t n)
{
    if (n > 16)
        return memcmp(a, b, n * sizeof *a) == 0;
    v4i d = {0, 0, 0, 0};
    size_t k = 0;
    for (; k + 4 <= n; k += 4)
        d |= (v4i)LD(a + k) ^ (v4i)LD(b + k);
    uint64_t t = (uint64_t)(d[0] | d[1] | d[2] | d[3]);
    for (; k < n; k++) {
        uint64_t x, y;
        memcpy(&x, a + k, sizeof x);
        memcpy(&y, b + k, sizeof y);
        t |= x ^ y;
    }
    return t == 0;
}

/* ---- Forward epilogue: from the product of one row to the next layer's input ------------- */

typedef struct {
    size_t no;
    const double *b;       /* [no] */
    const double *tau;     /* [rows] block noise, or NULL */
    bool is_output, is_residual, is_relu;
    const double *h_prev;  /* [rows][no] the layer's input H (residual skip) */
    double *a;             /* [rows][no] A, or NULL when nothing reads it */
    double *h;             /* [rows][no] H_l = in[l+1], or NULL when nothing reads it */
    double *u;             /* [rows][no] u[l+1] = H_l ⊙ Ξ_{l+1}, or NULL (no unit noise above) */
    const double *xi;      /* [rows][no] Ξ_{l+1} (SN_IN_DENSE), or NULL: then u = c·H_l */
    double c;
    double *tmp_a, *tmp_h; /* [no] row buffers for the values not kept */
} sn_fwd_epilogue;

/* Row i: A = τ_i acc + b; H = f(A) (+ H_prev); U = H ⊙ Ξ. acc may be e->a's row itself. */
INLINE void forward_row(const sn_fwd_epilogue *e, size_t i, const double *acc)
{
    const size_t no = e->no;
    const double t = e->tau ? e->tau[i] : 1.0;
    const double *restrict b = e->b;
    if (e->u && !e->xi && !e->a && !e->h && e->is_relu && !e->is_residual) {
        /* The hot case (MC dropout, ReLU): only U = c·max(A, 0) is kept. */
        double *restrict u = e->u + i * no;
        const double c = e->c;
        const v4d tv = SPLAT(t), cv = SPLAT(c), zero = SPLAT(0.0);
        size_t j = 0;
        for (; j + 4 <= no; j += 4) {
            const v4d v = tv * LD(acc + j) + LD(b + j);
            ST(u + j, cv * SELECT(v > zero, v));
        }
        for (; j < no; j++) {
            const double v = t * acc[j] + b[j];
            u[j] = c * (v > 0.0 ? v : 0.0);
        }
        return;
    }
    double *a = e->a ? e->a + i * no : e->tmp_a;
    for (size_t j = 0; j < no; j++)
        a[j] = t * acc[j] + b[j];
    if (e->is_output)
        return;
    double *restrict h = e->h ? e->h + i * no : e->tmp_h;
    if (e->is_relu)
        for (size_t j = 0; j < no; j++)
            h[j] = a[j] > 0.0 ? a[j] : 0.0;
    else
        for (size_t j = 0; j < no; j++)
            h[j] = tanh(a[j]);
    if (e->is_residual) {
        const double *restrict hp = e->h_prev + i * no;
        for (size_t j = 0; j < no; j++)
            h[j] += hp[j];
    }
    if (!e->u)
        return;
    double *restrict u = e->u + i * no;
    if (e->xi) {
        const double *restrict xi = e->xi + i * no;
        for (size_t j = 0; j < no; j++)
            u[j] = h[j] * xi[j];
    } else {
        for (size_t j = 0; j < no; j++)
            u[j] = e->c * h[j];
    }
}

/* ---- Backward epilogue: from ∂U of one row to the gradient of the layer below ------------ */

typedef struct {
    size_t n;              /* width of the layer's input (the output width of the one below) */
    bool is_fast;          /* sn_layer_plan.is_fast */
    double c;
    const double *u;       /* [rows][n] U (is_fast) */
    const double *xi;      /* [rows][n] Ξ, or NULL (no unit noise, or is_fast) */
    const double *d_next;  /* [rows][n] ∂H_l of the output, when the layer is residual (skip) */
    double *d_out;         /* [rows][n] ∂H of the input, when the layer below is residual */
    const double *f_src;   /* [rows][n] what f'(A_below) is read from: A_below or H = f(A_below) */
    bool f_src_is_a, is_relu;
    double *g_out;         /* [rows][n] G of the layer below */
    double *tmp;           /* [n] */
} sn_bwd_epilogue;

/* Row i: ∂H = ∂U ⊙ Ξ (+ ∂H_l of the skip path) (2), (5), then G_below = ∂H ⊙ f'(A_below).
 * du may be e->g_out's row itself. */
INLINE void backward_row(const sn_bwd_epilogue *e, size_t i, const double *du)
{
    const size_t n = e->n;
    double *g = e->g_out + i * n;
    if (e->is_fast) {
        const double *restrict u = e->u + i * n;
        const double c = e->c;
        const v4d cv = SPLAT(c), zero = SPLAT(0.0);
        size_t k = 0;
        for (; k + 4 <= n; k += 4)
            ST(g + k, SELECT(LD(u + k) > zero, cv * LD(du + k)));
        for (; k < n; k++)
            g[k] = u[k] > 0.0 ? c * du[k] : 0.0;
        return;
    }
    double *restrict d = e->d_out ? e->d_out + i * n : e->tmp;
    if (e->xi) {
        const double *restrict xi = e->xi + i * n;
        for (size_t k = 0; k < n; k++)
            d[k] = du[k] * xi[k];
    } else {
        for (size_t k = 0; k < n; k++)
            d[k] = du[k];
    }
    if (e->d_next) {
        const double *restrict dn = e->d_next + i * n;
        for (size_t k = 0; k < n; k++)
            d[k] += dn[k];
    }
    const double *restrict f = e->f_src + i * n;
    if (e->is_relu) {
        /* f'(a) = 1[a > 0] (f'(0) := 0, MATH.md §0); H = max(A, 0) > 0 exactly where A > 0. */
        for (size_t k = 0; k < n; k++)
            g[k] = f[k] > 0.0 ? d[k] : 0.0;
    } else if (e->f_src_is_a) {
        for (size_t k = 0; k < n; k++) {
            const double t = tanh(f[k]);
            g[k] = d[k] * (1.0 - t * t);
        }
    } else {
        for (size_t k = 0; k < n; k++)
            g[k] = d[k] * (1.0 - f[k] * f[k]);
    }
}

KERNELS_END

/* ------------------------------------------------------------------------------------------ */
/* Clone-compiled functions (kernels.c, sources.c)                                            */
/* ------------------------------------------------------------------------------------------ */

/* These are defined with KERNEL and declared plain: GCC gives each clone a file-local name, so a
 * call from another file goes through the load-time choice (ifunc), which on a given CPU is the
 * version the calling clone was compiled for. */

/* db[j] = Σ_i G[i][j] for G [n][m] (contiguous rows). */
void sn_net_column_sums(const double *restrict G, size_t n, size_t m, double *restrict db);
/* ∂W = Uᵀ Gt (2), (5) for U [n][ni], Gt [n][no], and, when db is not NULL, ∂b = Gtᵀ 1 (for
 * layers without block noise, where Gt = G). A run of bitwise-equal rows of U contributes
 * U_runᵀ (Σ_run Gt): the runs are compacted into scratch (n/2 rows of [U | Σ Gt], at most
 * cap doubles) as they are found; when there are more than n/2 of them (no saving) or the
 * layer is too narrow for it to pay, the product is taken over the rows as they are. */
void sn_net_weight_grad(const double *restrict U, const double *restrict Gt, size_t n, size_t ni,
                        size_t no, double *restrict dW, double *restrict db,
                        double *restrict scratch, size_t cap);
/* A layer of the small-layer path: per row, the product U_i W (or the previous row's, when U_i
 * equals U_{i-1} bitwise) and the epilogue. acc [no] is a row buffer. */
void sn_net_forward_rows(const double *U, size_t rows, size_t ni, const double *W,
                         const sn_fwd_epilogue *e, double *acc);
/* The epilogue alone, for rows whose product is already in the layer's A (CBLAS, DropConnect). */
void sn_net_forward_epilogues(const double *A, size_t rows, const sn_fwd_epilogue *e);
/* ∂U_i = Gt_i Wᵀ for every row (WT = Wᵀ [no][ni]) and its epilogue. acc [ni] is a row buffer. */
void sn_net_backward_rows(const double *Gt, size_t rows, size_t no, const double *WT,
                          const sn_bwd_epilogue *e, double *acc);
/* The epilogue alone, for ∂U already in e->g_out (CBLAS, DropConnect): each row is copied to
 * acc first, since the epilogue overwrites it. */
void sn_net_backward_epilogues(size_t rows, const sn_bwd_epilogue *e, double *acc);

/* The sources path of one-hidden-layer nets with Bernoulli noise (sources.c; the test that a
 * net takes it is sn_net_sources_apply, net/net.h). Forward: the outputs into ws->a[1], and the
 * state the backward pass reads. Backward: (2), every W and b entry of grad overwritten. */
void sn_net_sources_forward(const sn_model *m, const double *theta, sn_net_ws *ws, size_t rows,
                            sn_rng *rng, const sn_layer_plan *p0, const sn_layer_plan *p1);
void sn_net_sources_backward(const sn_model *m, const double *theta, sn_net_ws *ws, size_t rows,
                             double *grad, const sn_layer_plan *p0, const sn_layer_plan *p1);

#endif /* SN_NET_KERNELS_H */
