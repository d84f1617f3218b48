/*
 * net.c — MLP and residual MLP under multiplicative noise: forward and exact backward passes.
 *
 * Rows are (data point, noise sample) pairs: the S noise samples of a minibatch of B points go
 * through every layer as one matrix product of S·B rows (MATH.md §0, "noise is local"). Layer l
 * computes, for input H [rows][n_in], unit noise Ξ, block noise τ and W [n_in][n_out]:
 *
 *     A = diag(τ) ((H ⊙ Ξ) W) + 1 bᵀ                                     MATH.md (1), (4)
 *     H_l = f(A)            (plain layer)      H_l = f(A) + H   (residual block)
 *
 * and for DropConnect a_n = h_n (Ξ_n ⊙ W) + bᵀ per row (3). The backward pass implements (2),
 * (3) and (5).
 *
 * How it is made fast (docs/performance.md has the measurements). The layers of these networks
 * are narrow (50 units, 4–13 inputs) and the batches short (S·B = 320 rows), so a BLAS call
 * spends more time on its set-up, packing and on zeroing its output than on arithmetic, and the
 * element-wise work around the products (noise, mask, bias, activation) costs as much as the
 * products. So:
 *   - Products of small layers are done here, one row at a time, by register-blocked kernels
 *     (GCC vector extensions, compiled twice: for x86-64-v3 (AVX2, FMA) and for the baseline,
 *     chosen once at load time), with the bias, block scale, activation and the noise of the
 *     *next* layer applied to each row while it is in cache ("epilogues"). Large layers
 *     (n_in·n_out > LARGE_LAYER) still go through CBLAS, with the same epilogues.
 *   - Rows whose input is bitwise equal to the previous row's give the same product: the S
 *     copies of a data point are consecutive rows, and with a small drop rate most of them are
 *     not dropped anywhere in a layer's input (0.995⁴ = 98% of the rows of a 4-input layer). The
 *     forward pass reuses the previous row's product; the weight gradient Uᵀ G sums the rows of
 *     G within each run of equal rows of U first. Both are exact rearrangements.
 *   - Bernoulli unit noise with a small drop rate is applied as U = c·H with the dropped
 *     positions, drawn as geometric gaps (rng.c), set to zero: no mask array, one random number
 *     per dropped unit. With ReLU, Ξ ⊙ f'(A) of a plain layer feeding a plain layer is then
 *     c·1[U > 0], so the backward pass needs neither the mask nor A.
 *   - Nets with one hidden layer and Bernoulli noise (MC dropout as in the paper's Table 2) go
 *     further: rows are grouped into "sources" that share their hidden layer, and each dropped
 *     hidden unit is a correction (section "One hidden layer with Bernoulli noise" below).
 * Everything stays in double precision; summation orders differ from a plain row-by-row GEMM
 * (FMA, the grouping of equal rows, corrections), never the quantities computed.
 *
 * Workspace use (sn_net_ws, internal.h). Forward: in[0] is the caller's input, a[L] the output;
 * u[l] = H ⊙ Ξ is written for every layer with unit noise; xi[l] is written only when the noise
 * is not applied through dropped positions (non-Bernoulli noise, large drop rates, or where the
 * backward pass needs it); a[l] is written for residual blocks; in[l+1] (= H_l) is written
 * unless the layer above only needs u[l+1] (the ReLU/Bernoulli case above). The sources path
 * keeps its own state in a[0], in[1] and xi[1] (see there). mask holds, after the DropConnect
 * mask of one row, a transposed W and three row buffers.
 */
#include "net/net.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Layers with more weights than this (128 x 128) use CBLAS for their products: the row kernels
 * below keep W in the first-level caches and do not block for larger ones. */
#define LARGE_LAYER 16384

/* Reusing the product of an equal previous row (forward) and summing G over runs of equal rows
 * of U (backward) pay when a row's product costs much more than comparing two rows: when the
 * layer has at least this many outputs (the output layer of a regression net has one). */
#define REUSE_MIN_OUT 8

/* ------------------------------------------------------------------------------------------ */
/* Which noise acts where                                                                      */
/* ------------------------------------------------------------------------------------------ */

const sn_noise *sn_block_noise_of(const sn_train_params *p)
{
    return p->block_noise.family == SN_NOISE_NONE ? &p->noise : &p->block_noise;
}

/* Placement rules (MATH.md §1, and §4 for the layer assignment): unit or weight noise on the
 * input of every layer (the input layer only if noise_on_input); block noise on residual blocks
 * only; with BLOCKS alone the residual blocks carry no unit noise, while the first and last
 * layers keep their unit noise (ARD), as the EM nets do. */
sn_layer_noise sn_layer_noise_of(const sn_model *m, size_t l)
{
    const sn_train_params *p = &m->params;
    const sn_layer *L = &m->layers[l];
    sn_layer_noise ln = {false, false, false};
    if (p->method != SN_METHOD_MC || p->objective == SN_OBJ_HIER)
        return ln;
    bool input_ok = l > 0 || p->noise_on_input;
    bool has_unit = p->noise.family != SN_NOISE_NONE;
    switch (p->placement) {
    case SN_PLACE_UNITS:
        ln.units = has_unit && input_ok;
        break;
    case SN_PLACE_WEIGHTS:
        ln.weights = has_unit && input_ok;
        break;
    case SN_PLACE_BLOCKS:
        ln.block = L->is_residual && sn_block_noise_of(p)->family != SN_NOISE_NONE;
        ln.units = has_unit && input_ok && !L->is_residual;
        break;
    case SN_PLACE_UNITS_BLOCKS:
        ln.block = L->is_residual && sn_block_noise_of(p)->family != SN_NOISE_NONE;
        ln.units = has_unit && input_ok;
        break;
    }
    return ln;
}

/* How the unit noise of a layer's input is applied. */
typedef enum {
    IN_PLAIN, /* no unit noise: U = H */
    IN_DROPS, /* Bernoulli: U = c·H, dropped positions (sn_drops) set to 0; xi not written */
    IN_DENSE  /* any noise: xi drawn in full, U = H ⊙ xi */
} input_mode;

typedef struct {
    sn_layer_noise ln;
    input_mode mode;
    /* Bernoulli unit noise on this layer, a ReLU net, and neither this layer nor the one below
     * residual: the previous layer's Ξ ⊙ f'(A) is c·1[U > 0] (Ξ ∈ {0, c}, c > 0, and the
     * input H = max(A, 0) of this layer is positive exactly where f'(A) = 1). */
    bool is_fast;
    double c; /* the non-zero value of Bernoulli noise: 1/π (mean-one) or 1 */
} layer_plan;

static layer_plan plan_of(const sn_model *m, size_t l, bool noise_on)
{
    const sn_train_params *p = &m->params;
    layer_plan pl = {{false, false, false}, IN_PLAIN, false, 1.0};
    if (!noise_on)
        return pl;
    pl.ln = sn_layer_noise_of(m, l);
    if (!pl.ln.units)
        return pl;
    const sn_noise *nz = &p->noise;
    bool is_binary = nz->family == SN_NOISE_BERNOULLI;
    if (is_binary)
        pl.c = nz->mean_one ? 1.0 / nz->p[0] : 1.0;
    pl.is_fast = l > 0 && is_binary && p->activation == SN_ACT_RELU &&
                 !m->layers[l].is_residual && !m->layers[l - 1].is_residual;
    /* Dropped positions need no mask array where nothing reads the mask back: the first layer
     * (no ∂H) and the fast layers. */
    bool is_sparse = is_binary && (nz->p[0] >= 1.0 || sn_bernoulli_is_sparse(nz->p[0]));
    pl.mode = is_sparse && (l == 0 || pl.is_fast) ? IN_DROPS : IN_DENSE;
    return pl;
}

/* ------------------------------------------------------------------------------------------ */
/* Workspace                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/* Row buffers kept after the DropConnect mask / transposed W in ws->mask. */
#define N_ROW_BUFFERS 3

sn_status sn_net_ws_init(sn_net_ws *ws, const sn_model *m, size_t cap_rows, sn_error *err)
{
    memset(ws, 0, sizeof *ws);
    ws->cap_rows = cap_rows;
    ws->n_layers = m->n_layers;
    size_t maxw = 0, max_mask = 0;
    for (size_t l = 0; l < m->n_layers; l++) {
        const sn_layer *L = &m->layers[l];
        maxw = L->n_in > maxw ? L->n_in : maxw;
        maxw = L->n_out > maxw ? L->n_out : maxw;
        if (L->n_in * L->n_out > max_mask)
            max_mask = L->n_in * L->n_out;
    }
    ws->max_width = maxw;
    size_t nl = m->n_layers;
    ws->in = sn_calloc(nl, sizeof *ws->in);
    ws->xi = sn_calloc(nl, sizeof *ws->xi);
    ws->u = sn_calloc(nl, sizeof *ws->u);
    ws->tau = sn_calloc(nl, sizeof *ws->tau);
    ws->a = sn_calloc(nl, sizeof *ws->a);
    ws->wstate = sn_calloc(nl, sizeof *ws->wstate);
    if (!ws->in || !ws->xi || !ws->u || !ws->tau || !ws->a || !ws->wstate)
        goto nomem;
    for (size_t l = 0; l < nl; l++) {
        const sn_layer *L = &m->layers[l];
        sn_layer_noise ln = sn_layer_noise_of(m, l);
        ws->in[l] = sn_calloc(cap_rows, L->n_in * sizeof(double));
        ws->a[l] = sn_calloc(cap_rows, L->n_out * sizeof(double));
        if (!ws->in[l] || !ws->a[l])
            goto nomem;
        if (ln.units) {
            ws->xi[l] = sn_calloc(cap_rows, L->n_in * sizeof(double));
            ws->u[l] = sn_calloc(cap_rows, L->n_in * sizeof(double));
            if (!ws->xi[l] || !ws->u[l])
                goto nomem;
        }
        if (ln.block && !(ws->tau[l] = sn_calloc(cap_rows, sizeof(double))))
            goto nomem;
        if (ln.weights && !(ws->wstate[l] = sn_rng_new(0, 0)))
            goto nomem;
    }
    ws->g = sn_calloc(cap_rows, maxw * sizeof(double));
    ws->gt = sn_calloc(cap_rows, maxw * sizeof(double));
    ws->dh = sn_calloc(cap_rows, maxw * sizeof(double));
    ws->dh2 = sn_calloc(cap_rows, maxw * sizeof(double));
    /* The DropConnect mask of one row or a transposed W, then the row buffers. */
    if (max_mask > SIZE_MAX / sizeof(double) - N_ROW_BUFFERS * maxw)
        goto nomem;
    ws->mask = sn_calloc(max_mask + N_ROW_BUFFERS * maxw, sizeof(double));
    if (!ws->g || !ws->gt || !ws->dh || !ws->dh2 || !ws->mask)
        goto nomem;
    return SN_OK;
nomem:
    sn_net_ws_free(ws);
    return sn_fail(err, SN_ENOMEM, "out of memory allocating a workspace of %zu rows", cap_rows);
}

void sn_net_ws_free(sn_net_ws *ws)
{
    for (size_t l = 0; l < ws->n_layers; l++) {
        if (ws->in)
            free(ws->in[l]);
        if (ws->xi)
            free(ws->xi[l]);
        if (ws->u)
            free(ws->u[l]);
        if (ws->tau)
            free(ws->tau[l]);
        if (ws->a)
            free(ws->a[l]);
        if (ws->wstate)
            sn_rng_free(ws->wstate[l]);
    }
    free(ws->in);
    free(ws->xi);
    free(ws->u);
    free(ws->tau);
    free(ws->a);
    free(ws->wstate);
    free(ws->g);
    free(ws->gt);
    free(ws->dh);
    free(ws->dh2);
    free(ws->mask);
    memset(ws, 0, sizeof *ws);
}

/* The i-th row buffer of ws->mask (each max_width long), after the mask / transposed W. */
static double *row_buffer(const sn_net_ws *ws, const sn_model *m, size_t i)
{
    size_t max_mask = 0;
    for (size_t l = 0; l < m->n_layers; l++)
        if (m->layers[l].n_in * m->layers[l].n_out > max_mask)
            max_mask = m->layers[l].n_in * m->layers[l].n_out;
    return ws->mask + max_mask + i * ws->max_width;
}

/* ------------------------------------------------------------------------------------------ */
/* Kernels                                                                                     */
/* ------------------------------------------------------------------------------------------ */

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
 * dynamic loader picks one on the running CPU (GCC's target_clones, ifunc). Inside this
 * section a·b + c may be contracted to an FMA. Results are then reproducible on a given CPU
 * (and build), as a BLAS's are. Building with -DSN_NO_CLONES keeps the baseline version only
 * (to test it on a machine that would pick the other). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(SN_NO_CLONES)
#define KERNEL __attribute__((target_clones("arch=x86-64-v3", "default")))
#pragma GCC push_options
#pragma GCC optimize("O3", "fp-contract=fast")
#else
#define KERNEL
#endif
#define INLINE static inline __attribute__((always_inline))

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

KERNEL static void column_sums(const double *restrict G, size_t n, size_t m, double *restrict db)
{
    column_sums_ld(G, m, n, m, db);
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

/* ∂W = Uᵀ Gt (2), (5) for U [n][ni], Gt [n][no], and, when db is not NULL, ∂b = Gtᵀ 1 (for
 * layers without block noise, where Gt = G). A run of bitwise-equal rows of U contributes
 * U_runᵀ (Σ_run Gt): the runs are compacted into scratch (n/2 rows of [U | Σ Gt], at most
 * cap doubles) as they are found; when there are more than n/2 of them (no saving) or the
 * layer is too narrow for it to pay, the product is taken over the rows as they are. */
KERNEL static void weight_grad(const double *restrict U, const double *restrict Gt, size_t n,
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
    const double *xi;      /* [rows][no] Ξ_{l+1} (IN_DENSE), or NULL: then u = c·H_l */
    double c;
    double *tmp_a, *tmp_h; /* [no] row buffers for the values not kept */
} fwd_epilogue;

/* Row i: A = τ_i acc + b; H = f(A) (+ H_prev); U = H ⊙ Ξ. acc may be e->a's row itself. */
INLINE void forward_row(const fwd_epilogue *e, size_t i, const double *acc)
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

/* A layer of the small-layer path: per row, the product U_i W (or the previous row's, when U_i
 * equals U_{i-1} bitwise) and the epilogue. acc [no] is a row buffer. */
KERNEL static void forward_rows(const double *U, size_t rows, size_t ni, const double *W,
                                const fwd_epilogue *e, double *acc)
{
    for (size_t i = 0; i < rows; i++) {
        const double *ui = U + i * ni;
        if (i == 0 || e->no < REUSE_MIN_OUT || !rows_equal(ui, ui - ni, ni))
            row_product(ui, ni, W, e->no, acc);
        forward_row(e, i, acc);
    }
}

/* The epilogue alone, for rows whose product is already in the layer's A (CBLAS, DropConnect). */
KERNEL static void forward_epilogues(const double *A, size_t rows, const fwd_epilogue *e)
{
    for (size_t i = 0; i < rows; i++)
        forward_row(e, i, A + i * e->no);
}

/* ---- Backward epilogue: from ∂U of one row to the gradient of the layer below ------------ */

typedef struct {
    size_t n;              /* width of the layer's input (the output width of the one below) */
    bool is_fast;          /* layer_plan.is_fast */
    double c;
    const double *u;       /* [rows][n] U (is_fast) */
    const double *xi;      /* [rows][n] Ξ, or NULL (no unit noise, or is_fast) */
    const double *d_next;  /* [rows][n] ∂H_l of the output, when the layer is residual (skip) */
    double *d_out;         /* [rows][n] ∂H of the input, when the layer below is residual */
    const double *f_src;   /* [rows][n] what f'(A_below) is read from: A_below or H = f(A_below) */
    bool f_src_is_a, is_relu;
    double *g_out;         /* [rows][n] G of the layer below */
    double *tmp;           /* [n] */
} bwd_epilogue;

/* Row i: ∂H = ∂U ⊙ Ξ (+ ∂H_l of the skip path) (2), (5), then G_below = ∂H ⊙ f'(A_below).
 * du may be e->g_out's row itself. */
INLINE void backward_row(const bwd_epilogue *e, size_t i, const double *du)
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

/* ∂U_i = Gt_i Wᵀ for every row (WT = Wᵀ [no][ni]) and its epilogue. acc [ni] is a row buffer. */
KERNEL static void backward_rows(const double *Gt, size_t rows, size_t no, const double *WT,
                                 const bwd_epilogue *e, double *acc)
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
KERNEL static void backward_epilogues(size_t rows, const bwd_epilogue *e, double *acc)
{
    for (size_t i = 0; i < rows; i++) {
        memcpy(acc, e->g_out + i * e->n, e->n * sizeof *acc);
        backward_row(e, i, acc);
    }
}

/* ---- One hidden layer with Bernoulli noise: sources and dropped positions ------------------ */

/*
 * MC dropout as in the paper's Table 2 (one hidden layer, ReLU, Bernoulli noise on the input of
 * both weight layers) spends almost all of a dense pass on rows that are copies of each other:
 * the S rows of a data point are equal until a unit is dropped, and with keep probability 0.995
 * 98% of them keep all of a 4-input layer's inputs. So the rows are grouped into *sources*: the
 * undropped rows of a run of equal input rows form one source, a row with a dropped input is a
 * source of its own. All rows of a source have the same U0 and hence the same hidden layer
 * V_s = c1·max(U0 W0 + b0, 0), computed once. A row i of source s then differs from V_s only at
 * its dropped hidden units k ∈ D1(i):
 *
 *     ŷ_i = (V_s W1 + b1) − Σ_{k∈D1(i)} V_{s,k} W1[k,:]                              (1)
 *     ∂W1 = Σ_s V_sᵀ (Σ_{i∈s} g_i) − Σ_{(i,k)∈D1} V_{s,k} e_k g_iᵀ                    (2)
 *     Σ_{i∈s} G0_i = c1·1[V_s > 0] ⊙ (W1 Σ_{i∈s} g_i) − Σ_{(i,k)∈D1, i∈s} c1 (W1 g_i)_k e_k   (2)
 *     ∂W0 = Σ_s U0_sᵀ (Σ_{i∈s} G0_i),  ∂b0 = Σ_s Σ_{i∈s} G0_i                          (2)
 *
 * (the last two use G0_i = c1·1[U1_i > 0] ⊙ (W1 g_i), the ReLU/Bernoulli identity of
 * layer_plan.is_fast, and U0_i = U0_s). The cost is that of the sources and the dropped units
 * instead of the rows: about 40 sources and 80 dropped hidden units for the 320 rows of a
 * minibatch of 32 points, S = 10, 50 hidden units and p = 0.005. The noise is the same draws as
 * in the row-by-row pass (the input layer's trials, then the hidden layer's), and rows without
 * a dropped hidden unit give the same bits; the others differ by rounding (subtraction instead
 * of multiplication by 0).
 *
 * State kept for the backward pass, in workspace arrays this net does not otherwise use, with
 * indices stored as doubles (exact below 2^53): a[0] = [n_src, n_d1, src[rows], rep[n_src]]
 * (each row's source, each source's first row), in[1] = V [n_src][H], xi[1] = the dropped
 * hidden positions i·H + k with V_{s,k} > 0 (the others change nothing), in increasing order.
 */

/* For every source s: the hidden layer's V_s = c1·max(U0_{rep s} W0 + b0, 0) [n_src][H] and
 * the output layer's product B_s = V_s W1 [n_src][K]. acc [H] is a row buffer. */
INLINE void sources_forward(const double *U0, size_t ni, const double *rep, size_t n_src,
                            const double *W0, const double *b0, size_t H, double c1,
                            const double *W1, size_t K, double *V, double *Bs, double *acc)
{
    const fwd_epilogue e = {.no = H, .b = b0, .is_relu = true, .u = V, .c = c1};
    for (size_t s = 0; s < n_src; s++) {
        row_product(U0 + (size_t)rep[s] * ni, ni, W0, H, acc);
        forward_row(&e, s, acc);
        row_product(V + s * H, H, W1, K, Bs + s * K);
    }
}

/* dW = Xᵀ Y for X [n][nk], Y [n][m] (contiguous rows). */
KERNEL static void product_xt_y(const double *restrict X, size_t n, size_t nk,
                                const double *restrict Y, size_t m, double *restrict dW)
{
    xt_y(X, nk, n, nk, Y, m, m, dW);
}

/* The forward pass of the sources path: U0 and the input layer's dropped positions, the
 * sources, V and B per source, then the hidden layer's dropped positions and the outputs (1). */
KERNEL static void sources_net_forward(const sn_model *m, const double *theta, sn_net_ws *ws,
                                       size_t rows, sn_rng *rng, const layer_plan *p0,
                                       const layer_plan *p1)
{
    const sn_layer *L0 = &m->layers[0], *L1 = &m->layers[1];
    const size_t ni = L0->n_in, H = L0->n_out, K = L1->n_out;
    const double *W1 = theta + L1->w_off, *b1 = theta + L1->b_off;
    const double pi = m->params.noise.p[0];
    const double *X = ws->in[0], *U0 = X;
    double *map = ws->a[0], *src = map + 2, *rep = src + rows;
    double *V = ws->in[1], *Bs = ws->dh;

    /* U0 = c0·X with the input layer's dropped positions; src[i] = 1 marks a row with one. */
    for (size_t i = 0; i < rows; i++)
        src[i] = 0.0;
    if (p0->ln.units) {
        double *restrict u = ws->u[0];
        const size_t n = rows * ni;
        const double c0 = p0->c;
        const v4d cv = SPLAT(c0);
        size_t k = 0;
        for (; k + 4 <= n; k += 4)
            ST(u + k, cv * LD(X + k));
        for (; k < n; k++)
            u[k] = c0 * X[k];
        sn_drops d;
        for (sn_drops_begin(&d, rng, pi, n); d.next < n; sn_drops_advance(&d)) {
            u[d.next] = 0.0;
            src[d.next / ni] = 1.0;
        }
        sn_drops_end(&d);
        U0 = u;
    }
    /* Sources: the undropped rows of each run of equal input rows, and each dropped row. */
    size_t n_src = 0, shared = SIZE_MAX;
    for (size_t i = 0; i < rows; i++) {
        if (i == 0 || !rows_equal(X + i * ni, X + (i - 1) * ni, ni))
            shared = SIZE_MAX;
        size_t s;
        if (src[i] != 0.0) {
            s = n_src++;
            rep[s] = (double)i;
        } else {
            if (shared == SIZE_MAX) {
                shared = n_src++;
                rep[shared] = (double)i;
            }
            s = shared;
        }
        src[i] = (double)s;
    }
    map[0] = (double)n_src;
    sources_forward(U0, ni, rep, n_src, theta + L0->w_off, theta + L0->b_off, H, p1->c, W1, K,
                    V, Bs, row_buffer(ws, m, 0));

    /* The outputs (1): B_s + b1 for every row, then the hidden layer's dropped positions. */
    double *yhat = ws->a[1], *dlist = ws->xi[1];
    if (K == 1) {
        const double b = b1[0];
        for (size_t i = 0; i < rows; i++)
            yhat[i] = Bs[(size_t)src[i]] + b;
    } else {
        for (size_t i = 0; i < rows; i++) {
            const double *bs = Bs + (size_t)src[i] * K;
            for (size_t j = 0; j < K; j++)
                yhat[i * K + j] = bs[j] + b1[j];
        }
    }
    size_t n_d1 = 0;
    if (p1->ln.units) {
        const size_t n = rows * H;
        sn_drops d;
        for (sn_drops_begin(&d, rng, pi, n); d.next < n; sn_drops_advance(&d)) {
            const size_t i = d.next / H, k = d.next % H;
            const double v = V[(size_t)src[i] * H + k];
            if (v == 0.0)
                continue;
            for (size_t j = 0; j < K; j++)
                yhat[i * K + j] -= v * W1[k * K + j];
            dlist[n_d1++] = (double)d.next;
        }
        sn_drops_end(&d);
    }
    map[1] = (double)n_d1;
}

/* The backward pass of the sources path, (2), from the state the forward pass left. */
KERNEL static void sources_net_backward(const sn_model *m, const double *theta, sn_net_ws *ws,
                                        size_t rows, double *grad, const layer_plan *p0,
                                        const layer_plan *p1)
{
    const sn_layer *L0 = &m->layers[0], *L1 = &m->layers[1];
    const size_t ni = L0->n_in, H = L0->n_out, K = L1->n_out;
    const double *W1 = theta + L1->w_off;
    double *dW0 = grad + L0->w_off, *db0 = grad + L0->b_off;
    double *dW1 = grad + L1->w_off, *db1 = grad + L1->b_off;
    const double *map = ws->a[0], *src = map + 2, *rep = src + rows;
    const size_t n_src = (size_t)map[0], n_d1 = (size_t)map[1];
    const double *V = ws->in[1], *dlist = ws->xi[1], *g = ws->g;
    const double *U0 = p0->ln.units ? ws->u[0] : ws->in[0];
    double *gs = ws->dh2, *Gs = ws->gt, *U0s = ws->dh;

    /* Output layer: ∂b1, and (2) with the per-source sums of the seed. */
    column_sums(g, rows, K, db1);
    memset(gs, 0, n_src * K * sizeof *gs);
    if (K == 1) {
        for (size_t i = 0; i < rows; i++)
            gs[(size_t)src[i]] += g[i];
    } else {
        for (size_t i = 0; i < rows; i++) {
            double *gsi = gs + (size_t)src[i] * K;
            for (size_t j = 0; j < K; j++)
                gsi[j] += g[i * K + j];
        }
    }
    product_xt_y(V, n_src, H, gs, K, dW1);
    for (size_t q = 0; q < n_d1; q++) {
        const size_t pos = (size_t)dlist[q], i = pos / H, k = pos % H;
        const double v = V[(size_t)src[i] * H + k];
        for (size_t j = 0; j < K; j++)
            dW1[k * K + j] -= v * g[i * K + j];
    }

    /* Hidden layer: Σ_{i∈s} G0_i per source, by the fast epilogue on the summed seeds. */
    double *W1T = ws->mask;
    for (size_t k = 0; k < H; k++)
        for (size_t j = 0; j < K; j++)
            W1T[j * H + k] = W1[k * K + j];
    const bwd_epilogue e = {.n = H, .is_fast = true, .c = p1->c, .u = V, .g_out = Gs};
    backward_rows(gs, n_src, K, W1T, &e, row_buffer(ws, m, 0));
    for (size_t q = 0; q < n_d1; q++) {
        const size_t pos = (size_t)dlist[q], i = pos / H, k = pos % H;
        double t = 0.0;
        for (size_t j = 0; j < K; j++)
            t += W1[k * K + j] * g[i * K + j];
        Gs[(size_t)src[i] * H + k] -= p1->c * t;
    }
    for (size_t s = 0; s < n_src; s++)
        memcpy(U0s + s * ni, U0 + (size_t)rep[s] * ni, ni * sizeof *U0s);
    product_xt_y(U0s, n_src, ni, Gs, H, dW0);
    column_sums(Gs, n_src, H, db0);
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(SN_NO_CLONES)
#pragma GCC pop_options
#endif

/* ------------------------------------------------------------------------------------------ */
/* DropConnect                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* DropConnect forward (3): a_n = h_n (Ξ_n ⊙ W), one fresh mask of n_in·n_out per row (the bias
 * is added by the epilogue). The generator state is saved first so that the backward pass can
 * redraw the same masks instead of storing rows·n_in·n_out numbers. */
static void forward_dropconnect(const sn_layer *L, const double *W, const double *H, double *A,
                                size_t rows, const sn_noise *nz, sn_rng *rng, sn_rng *snapshot,
                                double *mask)
{
    sn_rng_copy(snapshot, rng);
    size_t ni = L->n_in, no = L->n_out;
    for (size_t i = 0; i < rows; i++) {
        sn_noise_sample(nz, rng, mask, ni * no);
        for (size_t r = 0; r < ni * no; r++)
            mask[r] *= W[r];
        /* a_i = h_i (Ξ_i ⊙ W): a vector-matrix product with the masked weights. */
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)ni, (int)no, 1.0, mask, (int)no,
                    H + i * ni, 1, 0.0, A + i * no, 1);
    }
}

/* DropConnect backward (3): ∂W = Σ_n (h_nᵀ g_n) ⊙ Ξ_n, ∂h_n = g_n (Ξ_n ⊙ W)ᵀ, with the masks
 * redrawn from the snapshot taken in the forward pass. dU may be NULL (first layer). */
static void backward_dropconnect(const sn_layer *L, const double *W, const double *U,
                                 const double *G, double *dW, double *dU, size_t rows,
                                 const sn_noise *nz, sn_rng *snapshot, double *mask)
{
    size_t ni = L->n_in, no = L->n_out;
    memset(dW, 0, ni * no * sizeof *dW);
    for (size_t i = 0; i < rows; i++) {
        sn_noise_sample(nz, snapshot, mask, ni * no);
        const double *u = U + i * ni, *g = G + i * no;
        for (size_t r = 0; r < ni; r++) {
            const double *mr = mask + r * no;
            double *dw = dW + r * no;
            double ur = u[r];
            for (size_t j = 0; j < no; j++)
                dw[j] += ur * g[j] * mr[j];
        }
        if (dU) {
            double *du = dU + i * ni;
            for (size_t r = 0; r < ni; r++) {
                const double *mr = mask + r * no, *wr = W + r * no;
                double s = 0.0;
                for (size_t j = 0; j < no; j++)
                    s += g[j] * mr[j] * wr[j];
                du[r] = s;
            }
        }
    }
}

/* Whether the net and its noise plans take the sources path. */
static bool sources_apply(const sn_model *m, const layer_plan *p0, const layer_plan *p1)
{
    if (m->n_layers != 2 || m->layers[0].is_residual || m->params.activation != SN_ACT_RELU)
        return false;
    const sn_layer *L0 = &m->layers[0], *L1 = &m->layers[1];
    /* a[0] must hold 2 + 2·rows numbers in rows·H. */
    if (L0->n_out < 4 || L0->n_in * L0->n_out > LARGE_LAYER ||
        L1->n_in * L1->n_out > LARGE_LAYER)
        return false;
    for (int k = 0; k < 2; k++) {
        const layer_plan *pl = k ? p1 : p0;
        if (pl->ln.weights || pl->ln.block || pl->mode == IN_DENSE)
            return false;
    }
    return true;
}

/* ------------------------------------------------------------------------------------------ */
/* Forward                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* Set the dropped positions of u [n] (Bernoulli(π) trials from rng) to zero. */
static void apply_drops(const sn_noise *nz, sn_rng *rng, double *u, size_t n)
{
    sn_drops d;
    for (sn_drops_begin(&d, rng, nz->p[0], n); d.next < n; sn_drops_advance(&d))
        u[d.next] = 0.0;
    sn_drops_end(&d);
}

void sn_net_forward(const sn_model *m, const double *theta, sn_net_ws *ws, size_t n_rows,
                    sn_rng *rng, bool noise_off)
{
    const sn_train_params *p = &m->params;
    const bool noise_on = !noise_off && rng;
    double *acc = row_buffer(ws, m, 0);
    layer_plan cur = plan_of(m, 0, noise_on);
    if (n_rows == 0)
        return;
    if (m->n_layers == 2) {
        layer_plan p1 = plan_of(m, 1, noise_on);
        if (sources_apply(m, &cur, &p1)) {
            sources_net_forward(m, theta, ws, n_rows, rng, &cur, &p1);
            return;
        }
    }
    /* The input layer's U; the layers above get theirs from the epilogue of the one below. */
    if (cur.ln.units) {
        size_t n = n_rows * m->layers[0].n_in;
        const double *x = ws->in[0];
        double *u = ws->u[0];
        if (cur.mode == IN_DROPS) {
            for (size_t k = 0; k < n; k++)
                u[k] = cur.c * x[k];
            apply_drops(&p->noise, rng, u, n);
        } else {
            sn_noise_sample(&p->noise, rng, ws->xi[0], n);
            for (size_t k = 0; k < n; k++)
                u[k] = x[k] * ws->xi[0][k];
        }
    }
    for (size_t l = 0; l < m->n_layers; l++) {
        const sn_layer *L = &m->layers[l];
        const double *W = theta + L->w_off, *b = theta + L->b_off;
        size_t ni = L->n_in, no = L->n_out;
        const double *U = cur.ln.units ? ws->u[l] : ws->in[l];
        layer_plan next = L->is_output ? plan_of(m, l, false) : plan_of(m, l + 1, noise_on);
        if (cur.ln.block)
            sn_noise_sample(sn_block_noise_of(p), rng, ws->tau[l], n_rows);
        if (next.mode == IN_DENSE)
            sn_noise_sample(&p->noise, rng, ws->xi[l + 1], n_rows * no);

        fwd_epilogue e = {
            .no = no,
            .b = b,
            .tau = cur.ln.block ? ws->tau[l] : NULL,
            .is_output = L->is_output,
            .is_residual = L->is_residual,
            .is_relu = p->activation == SN_ACT_RELU,
            .h_prev = ws->in[l],
            .c = next.c,
            .tmp_a = row_buffer(ws, m, 1),
            .tmp_h = row_buffer(ws, m, 2),
        };
        if (L->is_output) {
            e.a = ws->a[l];
        } else {
            /* A is read back by the backward pass of a residual block only (f'(A); a plain
             * layer's f'(A) comes from its output H); H by the layer above unless it only needs
             * U (next.is_fast) and is not residual itself (its skip path adds H). */
            const sn_layer *up = &m->layers[l + 1];
            e.a = L->is_residual ? ws->a[l] : NULL;
            e.h = next.is_fast && !up->is_residual ? NULL : ws->in[l + 1];
            e.u = next.ln.units ? ws->u[l + 1] : NULL;
            e.xi = next.mode == IN_DENSE ? ws->xi[l + 1] : NULL;
        }

        if (cur.ln.weights) {
            forward_dropconnect(L, W, U, ws->a[l], n_rows, &p->noise, rng, ws->wstate[l],
                                ws->mask);
            e.a = ws->a[l];
            forward_epilogues(ws->a[l], n_rows, &e);
        } else if (ni * no > LARGE_LAYER) {
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n_rows, (int)no, (int)ni,
                        1.0, U, (int)ni, W, (int)no, 0.0, ws->a[l], (int)no);
            e.a = ws->a[l];
            forward_epilogues(ws->a[l], n_rows, &e);
        } else {
            forward_rows(U, n_rows, ni, W, &e, acc);
        }
        if (next.mode == IN_DROPS)
            apply_drops(&p->noise, rng, ws->u[l + 1], n_rows * no);
        if (L->is_output)
            break;
        cur = next;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Backward                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* A buffer of the four gradient buffers that is none of the busy ones (NULL entries ignored). */
static double *free_buffer(const sn_net_ws *ws, const double *busy0, const double *busy1,
                           const double *busy2)
{
    double *pool[4] = {ws->g, ws->gt, ws->dh, ws->dh2};
    for (int k = 0; k < 4; k++)
        if (pool[k] != busy0 && pool[k] != busy1 && pool[k] != busy2)
            return pool[k];
    return NULL; /* not reached: at most three are busy at once */
}

void sn_net_backward(const sn_model *m, const double *theta, sn_net_ws *ws, size_t n_rows,
                     double *grad)
{
    const sn_train_params *p = &m->params;
    double *acc = row_buffer(ws, m, 0);
    if (n_rows == 0)
        return;
    if (m->n_layers == 2) {
        layer_plan p0 = plan_of(m, 0, true), p1 = plan_of(m, 1, true);
        if (sources_apply(m, &p0, &p1)) {
            sources_net_backward(m, theta, ws, n_rows, grad, &p0, &p1);
            return;
        }
    }
    /* G holds ∂Obj/∂A of the current layer (the caller's seed in ws->g for the output layer);
     * D_next the gradient reaching the layer's output H_l, kept when the layer is residual. */
    double *G = ws->g, *D_next = NULL;
    for (size_t l = m->n_layers; l-- > 0;) {
        const sn_layer *L = &m->layers[l];
        const double *W = theta + L->w_off;
        double *dW = grad + L->w_off, *db = grad + L->b_off;
        layer_plan cur = plan_of(m, l, true);
        size_t ni = L->n_in, no = L->n_out;
        const double *U = cur.ln.units ? ws->u[l] : ws->in[l];

        /* ∂b = Gᵀ 1 (2), here or with ∂W below. */
        const bool is_small = !cur.ln.weights && ni * no <= LARGE_LAYER;
        if (cur.ln.block || !is_small)
            column_sums(G, n_rows, no, db);
        /* Gt = diag(τ) G, the signal seen by W and H through the block scale (5). */
        const double *Gt = G;
        if (cur.ln.block) {
            double *gt = free_buffer(ws, G, D_next, NULL);
            for (size_t i = 0; i < n_rows; i++)
                for (size_t j = 0; j < no; j++)
                    gt[i * no + j] = ws->tau[l][i] * G[i * no + j];
            Gt = gt;
        }
        /* The layer below gets G_below (and, when it is residual, D_out for its skip path);
         * G's own buffer is free once Gt is a copy. */
        const sn_layer *below = l > 0 ? &m->layers[l - 1] : NULL;
        double *g_out = free_buffer(ws, Gt, D_next, NULL);
        double *d_out = below && below->is_residual ? free_buffer(ws, Gt, D_next, g_out) : NULL;

        if (cur.ln.weights) {
            backward_dropconnect(L, W, U, Gt, dW, below ? g_out : NULL, n_rows, &p->noise,
                                 ws->wstate[l], ws->mask);
        } else if (ni * no > LARGE_LAYER) {
            /* ∂W = Uᵀ Gt (2), (5); ∂U = Gt Wᵀ. */
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)ni, (int)no, (int)n_rows,
                        1.0, U, (int)ni, Gt, (int)no, 0.0, dW, (int)no);
            if (below)
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n_rows, (int)ni,
                            (int)no, 1.0, Gt, (int)no, W, (int)no, 0.0, g_out, (int)ni);
        } else {
            /* g_out is free until ∂U is written: scratch for the runs of equal rows. */
            weight_grad(U, Gt, n_rows, ni, no, dW, cur.ln.block ? NULL : db, g_out,
                        ws->cap_rows * ws->max_width);
        }
        if (!below)
            break;

        bwd_epilogue e = {
            .n = ni,
            .is_fast = cur.is_fast,
            .c = cur.c,
            .u = ws->u[l],
            .xi = cur.ln.units && !cur.is_fast ? ws->xi[l] : NULL,
            .d_next = L->is_residual ? D_next : NULL,
            .d_out = d_out,
            .f_src = below->is_residual ? ws->a[l - 1] : ws->in[l],
            .f_src_is_a = below->is_residual,
            .is_relu = p->activation == SN_ACT_RELU,
            .g_out = g_out,
            .tmp = row_buffer(ws, m, 1),
        };
        if (cur.ln.weights || ni * no > LARGE_LAYER) {
            backward_epilogues(n_rows, &e, acc);
        } else {
            /* ∂U = Gt Wᵀ row by row, with Wᵀ [no][ni] in the mask buffer. */
            double *WT = ws->mask;
            for (size_t r = 0; r < ni; r++)
                for (size_t j = 0; j < no; j++)
                    WT[j * ni + r] = W[r * no + j];
            backward_rows(Gt, n_rows, no, WT, &e, acc);
        }
        G = g_out;
        D_next = d_out;
    }
}
