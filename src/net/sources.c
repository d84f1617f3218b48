/*
 * sources.c — one hidden layer with Bernoulli noise: the rows grouped into sources that share
 * their hidden layer, each dropped hidden unit a correction (the formulas below); forward and
 * backward passes, compiled twice (kernels.h), and the test of whether a net takes this path.
 */
#include "net/kernels.h"

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
 * sn_layer_plan.is_fast, and U0_i = U0_s). The cost is that of the sources and the dropped units
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

KERNELS_BEGIN

/* For every source s: the hidden layer's V_s = c1·max(U0_{rep s} W0 + b0, 0) [n_src][H] and
 * the output layer's product B_s = V_s W1 [n_src][K]. acc [H] is a row buffer. */
INLINE void hidden_of_sources(const double *U0, size_t ni, const double *rep, size_t n_src,
                              const double *W0, const double *b0, size_t H, double c1,
                              const double *W1, size_t K, double *V, double *Bs, double *acc)
{
    const sn_fwd_epilogue e = {.no = H, .b = b0, .is_relu = true, .u = V, .c = c1};
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
KERNEL void sn_net_sources_forward(const sn_model *m, const double *theta, sn_net_ws *ws,
                                   size_t rows, sn_rng *rng, const sn_layer_plan *p0,
                                   const sn_layer_plan *p1)
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
    hidden_of_sources(U0, ni, rep, n_src, theta + L0->w_off, theta + L0->b_off, H, p1->c, W1, K, V,
                      Bs, sn_net_row_buffer(ws, m, 0));

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
KERNEL void sn_net_sources_backward(const sn_model *m, const double *theta, sn_net_ws *ws,
                                    size_t rows, double *grad, const sn_layer_plan *p0,
                                    const sn_layer_plan *p1)
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
    sn_net_column_sums(g, rows, K, db1);
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
    const sn_bwd_epilogue e = {.n = H, .is_fast = true, .c = p1->c, .u = V, .g_out = Gs};
    sn_net_backward_rows(gs, n_src, K, W1T, &e, sn_net_row_buffer(ws, m, 0));
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
    sn_net_column_sums(Gs, n_src, H, db0);
}

KERNELS_END

/* Whether the net and its noise plans take the sources path. */
bool sn_net_sources_apply(const sn_model *m, const sn_layer_plan *p0, const sn_layer_plan *p1)
{
    if (m->n_layers != 2 || m->layers[0].is_residual || m->params.activation != SN_ACT_RELU)
        return false;
    const sn_layer *L0 = &m->layers[0], *L1 = &m->layers[1];
    /* a[0] must hold 2 + 2·rows numbers in rows·H. */
    if (L0->n_out < 4 || L0->n_in * L0->n_out > SN_LARGE_LAYER ||
        L1->n_in * L1->n_out > SN_LARGE_LAYER)
        return false;
    for (int k = 0; k < 2; k++) {
        const sn_layer_plan *pl = k ? p1 : p0;
        if (pl->ln.weights || pl->ln.block || pl->mode == SN_IN_DENSE)
            return false;
    }
    return true;
}
