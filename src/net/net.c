/*
 * net.c — MLP and residual MLP under multiplicative noise: forward and exact backward passes.
 * This file holds the two drivers; what they are built from lives beside it: plan.c (which
 * noise acts where), workspace.c, kernels.h and kernels.c (the row kernels and epilogues),
 * sources.c (one hidden layer with Bernoulli noise) and dropconnect.c.
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
 *   - Products of small layers are done one row at a time by register-blocked kernels
 *     (kernels.h; GCC vector extensions, compiled twice: for x86-64-v3 (AVX2, FMA) and for the
 *     baseline, chosen once at load time), with the bias, block scale, activation and the noise
 *     of the *next* layer applied to each row while it is in cache ("epilogues"). Large layers
 *     (n_in·n_out > SN_LARGE_LAYER) still go through CBLAS, with the same epilogues.
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
 *     hidden unit is a correction (sources.c).
 * Everything stays in double precision; summation orders differ from a plain row-by-row GEMM
 * (FMA, the grouping of equal rows, corrections), never the quantities computed.
 *
 * Workspace use (sn_net_ws, net.h; workspace.c). Forward: in[0] is the caller's input, a[L] the
 * output; u[l] = H ⊙ Ξ is written for every layer with unit noise; xi[l] is written only when
 * the noise is not applied through dropped positions (non-Bernoulli noise, large drop rates, or
 * where the backward pass needs it); a[l] is written for residual blocks; in[l+1] (= H_l) is
 * written unless the layer above only needs u[l+1] (the ReLU/Bernoulli case above). The sources
 * path keeps its own state in a[0], in[1] and xi[1] (see sources.c). mask holds, after the
 * DropConnect mask of one row, a transposed W and three row buffers.
 */
#include "net/kernels.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    double *acc = sn_net_row_buffer(ws, m, 0);
    sn_layer_plan cur = sn_net_plan_of(m, 0, noise_on);
    if (n_rows == 0)
        return;
    if (m->n_layers == 2) {
        sn_layer_plan p1 = sn_net_plan_of(m, 1, noise_on);
        if (sn_net_sources_apply(m, &cur, &p1)) {
            sn_net_sources_forward(m, theta, ws, n_rows, rng, &cur, &p1);
            return;
        }
    }
    /* The input layer's U; the layers above get theirs from the epilogue of the one below. */
    if (cur.ln.units) {
        size_t n = n_rows * m->layers[0].n_in;
        const double *x = ws->in[0];
        double *u = ws->u[0];
        if (cur.mode == SN_IN_DROPS) {
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
        sn_layer_plan next =
            L->is_output ? sn_net_plan_of(m, l, false) : sn_net_plan_of(m, l + 1, noise_on);
        if (cur.ln.block)
            sn_noise_sample(sn_block_noise_of(p), rng, ws->tau[l], n_rows);
        if (next.mode == SN_IN_DENSE)
            sn_noise_sample(&p->noise, rng, ws->xi[l + 1], n_rows * no);

        sn_fwd_epilogue e = {
            .no = no,
            .b = b,
            .tau = cur.ln.block ? ws->tau[l] : NULL,
            .is_output = L->is_output,
            .is_residual = L->is_residual,
            .is_relu = p->activation == SN_ACT_RELU,
            .h_prev = ws->in[l],
            .c = next.c,
            .tmp_a = sn_net_row_buffer(ws, m, 1),
            .tmp_h = sn_net_row_buffer(ws, m, 2),
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
            e.xi = next.mode == SN_IN_DENSE ? ws->xi[l + 1] : NULL;
        }

        if (cur.ln.weights) {
            sn_net_dropconnect_forward(L, W, U, ws->a[l], n_rows, &p->noise, rng, ws->wstate[l],
                                       ws->mask);
            e.a = ws->a[l];
            sn_net_forward_epilogues(ws->a[l], n_rows, &e);
        } else if (ni * no > SN_LARGE_LAYER) {
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n_rows, (int)no, (int)ni,
                        1.0, U, (int)ni, W, (int)no, 0.0, ws->a[l], (int)no);
            e.a = ws->a[l];
            sn_net_forward_epilogues(ws->a[l], n_rows, &e);
        } else {
            sn_net_forward_rows(U, n_rows, ni, W, &e, acc);
        }
        if (next.mode == SN_IN_DROPS)
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
    double *acc = sn_net_row_buffer(ws, m, 0);
    if (n_rows == 0)
        return;
    if (m->n_layers == 2) {
        sn_layer_plan p0 = sn_net_plan_of(m, 0, true), p1 = sn_net_plan_of(m, 1, true);
        if (sn_net_sources_apply(m, &p0, &p1)) {
            sn_net_sources_backward(m, theta, ws, n_rows, grad, &p0, &p1);
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
        sn_layer_plan cur = sn_net_plan_of(m, l, true);
        size_t ni = L->n_in, no = L->n_out;
        const double *U = cur.ln.units ? ws->u[l] : ws->in[l];

        /* ∂b = Gᵀ 1 (2), here or with ∂W below. */
        const bool is_small = !cur.ln.weights && ni * no <= SN_LARGE_LAYER;
        if (cur.ln.block || !is_small)
            sn_net_column_sums(G, n_rows, no, db);
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
            sn_net_dropconnect_backward(L, W, U, Gt, dW, below ? g_out : NULL, n_rows, &p->noise,
                                        ws->wstate[l], ws->mask);
        } else if (ni * no > SN_LARGE_LAYER) {
            /* ∂W = Uᵀ Gt (2), (5); ∂U = Gt Wᵀ. */
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)ni, (int)no, (int)n_rows,
                        1.0, U, (int)ni, Gt, (int)no, 0.0, dW, (int)no);
            if (below)
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n_rows, (int)ni,
                            (int)no, 1.0, Gt, (int)no, W, (int)no, 0.0, g_out, (int)ni);
        } else {
            /* g_out is free until ∂U is written: scratch for the runs of equal rows. */
            sn_net_weight_grad(U, Gt, n_rows, ni, no, dW, cur.ln.block ? NULL : db, g_out,
                               ws->cap_rows * ws->max_width);
        }
        if (!below)
            break;

        sn_bwd_epilogue e = {
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
            .tmp = sn_net_row_buffer(ws, m, 1),
        };
        if (cur.ln.weights || ni * no > SN_LARGE_LAYER) {
            sn_net_backward_epilogues(n_rows, &e, acc);
        } else {
            /* ∂U = Gt Wᵀ row by row, with Wᵀ [no][ni] in the mask buffer. */
            double *WT = ws->mask;
            for (size_t r = 0; r < ni; r++)
                for (size_t j = 0; j < no; j++)
                    WT[j * ni + r] = W[r * no + j];
            sn_net_backward_rows(Gt, n_rows, no, WT, &e, acc);
        }
        G = g_out;
        D_next = d_out;
    }
}
