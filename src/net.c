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
 * (3) and (5). Every matrix product goes through CBLAS.
 */
#include "internal.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* ------------------------------------------------------------------------------------------ */
/* Workspace                                                                                   */
/* ------------------------------------------------------------------------------------------ */

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
    ws->mask = sn_calloc(max_mask, sizeof(double));
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

/* ------------------------------------------------------------------------------------------ */
/* Activations                                                                                 */
/* ------------------------------------------------------------------------------------------ */

static inline double act(sn_activation f, double a)
{
    return f == SN_ACT_RELU ? (a > 0.0 ? a : 0.0) : tanh(a);
}

/* f'(a); ReLU: f'(0) := 0 (MATH.md §0). */
static inline double act_deriv(sn_activation f, double a)
{
    if (f == SN_ACT_RELU)
        return a > 0.0 ? 1.0 : 0.0;
    double t = tanh(a);
    return 1.0 - t * t;
}

/* ------------------------------------------------------------------------------------------ */
/* Forward                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* DropConnect forward (3): a_n = h_n (Ξ_n ⊙ W) + bᵀ, one fresh mask of n_in·n_out per row. The
 * generator state is saved first so that the backward pass can redraw the same masks instead
 * of storing rows·n_in·n_out numbers. */
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

void sn_net_forward(const sn_model *m, const double *theta, sn_net_ws *ws, size_t n_rows,
                    sn_rng *rng, bool noise_off)
{
    const sn_train_params *p = &m->params;
    for (size_t l = 0; l < m->n_layers; l++) {
        const sn_layer *L = &m->layers[l];
        const double *W = theta + L->w_off, *b = theta + L->b_off;
        sn_layer_noise ln = noise_off || !rng ? (sn_layer_noise){false, false, false}
                                              : sn_layer_noise_of(m, l);
        size_t ni = L->n_in, no = L->n_out;
        const double *H = ws->in[l];
        double *A = ws->a[l];
        const double *U = H;
        if (ln.units) {
            /* U = H ⊙ Ξ (1); without noise (prediction with noise off) U is H itself. */
            size_t n = n_rows * ni;
            sn_noise_sample(&p->noise, rng, ws->xi[l], n);
            double *u = ws->u[l];
            for (size_t k = 0; k < n; k++)
                u[k] = H[k] * ws->xi[l][k];
            U = u;
        }
        if (ln.block)
            sn_noise_sample(sn_block_noise_of(p), rng, ws->tau[l], n_rows);
        if (ln.weights) {
            forward_dropconnect(L, W, U, A, n_rows, &p->noise, rng, ws->wstate[l], ws->mask);
        } else {
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n_rows, (int)no, (int)ni,
                        1.0, U, (int)ni, W, (int)no, 0.0, A, (int)no);
        }
        for (size_t i = 0; i < n_rows; i++) {
            double *a = A + i * no;
            double t = ln.block ? ws->tau[l][i] : 1.0;
            for (size_t j = 0; j < no; j++)
                a[j] = t * a[j] + b[j];
        }
        if (L->is_output)
            break;
        /* H_l = f(A) (+ H for a residual block), the input of the next layer. */
        double *out = ws->in[l + 1];
        size_t n = n_rows * no;
        if (L->is_residual)
            for (size_t k = 0; k < n; k++)
                out[k] = act(p->activation, A[k]) + H[k];
        else
            for (size_t k = 0; k < n; k++)
                out[k] = act(p->activation, A[k]);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Backward                                                                                    */
/* ------------------------------------------------------------------------------------------ */

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

void sn_net_backward(const sn_model *m, const double *theta, sn_net_ws *ws, size_t n_rows,
                     double *grad)
{
    const sn_train_params *p = &m->params;
    /* G holds ∂Obj/∂A of the current layer; D the gradient reaching the layer's output. */
    double *G = ws->g, *D = ws->dh, *Dprev = ws->dh2;
    for (size_t l = m->n_layers; l-- > 0;) {
        const sn_layer *L = &m->layers[l];
        const double *W = theta + L->w_off;
        double *dW = grad + L->w_off, *db = grad + L->b_off;
        sn_layer_noise ln = sn_layer_noise_of(m, l);
        size_t ni = L->n_in, no = L->n_out;
        const double *H = ws->in[l];
        const double *U = ln.units ? ws->u[l] : H;

        if (!L->is_output) {
            /* G = D ⊙ f'(A) (5). */
            const double *A = ws->a[l];
            for (size_t k = 0; k < n_rows * no; k++)
                G[k] = D[k] * act_deriv(p->activation, A[k]);
        }
        /* ∂b = Gᵀ 1 (2). */
        memset(db, 0, no * sizeof *db);
        for (size_t i = 0; i < n_rows; i++)
            for (size_t j = 0; j < no; j++)
                db[j] += G[i * no + j];
        /* Gt = diag(τ) G, the signal seen by W and H through the block scale (5). */
        const double *Gt = G;
        if (ln.block) {
            for (size_t i = 0; i < n_rows; i++)
                for (size_t j = 0; j < no; j++)
                    ws->gt[i * no + j] = ws->tau[l][i] * G[i * no + j];
            Gt = ws->gt;
        }
        double *dU = l > 0 ? Dprev : NULL;
        if (ln.weights) {
            backward_dropconnect(L, W, U, Gt, dW, dU, n_rows, &p->noise, ws->wstate[l],
                                 ws->mask);
        } else {
            /* ∂W = Uᵀ Gt (2), (5). */
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)ni, (int)no, (int)n_rows,
                        1.0, U, (int)ni, Gt, (int)no, 0.0, dW, (int)no);
            /* ∂U = Gt Wᵀ. */
            if (dU)
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n_rows, (int)ni,
                            (int)no, 1.0, Gt, (int)no, W, (int)no, 0.0, dU, (int)ni);
        }
        if (!dU)
            break;
        /* ∂H = ∂U ⊙ Ξ (2), plus the skip path of a residual block (5). */
        size_t n = n_rows * ni;
        if (ln.units)
            for (size_t k = 0; k < n; k++)
                dU[k] *= ws->xi[l][k];
        if (L->is_residual)
            for (size_t k = 0; k < n; k++)
                dU[k] += D[k];
        /* The gradient reaching layer l-1's output is now in Dprev: swap roles. */
        double *t = D;
        D = Dprev;
        Dprev = t;
    }
}
