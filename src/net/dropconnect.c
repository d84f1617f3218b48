/*
 * dropconnect.c — DropConnect layers (MATH.md (3)): one fresh noise mask per row and weight,
 * forward through CBLAS's vector-matrix product, backward with the masks redrawn from the
 * generator state saved by the forward pass.
 */
#include "net/net.h"

#include <cblas.h>
#include <string.h>

/* DropConnect forward (3): a_n = h_n (Ξ_n ⊙ W), one fresh mask of n_in·n_out per row (the bias
 * is added by the epilogue). The generator state is saved first so that the backward pass can
 * redraw the same masks instead of storing rows·n_in·n_out numbers. */
void sn_net_dropconnect_forward(const sn_layer *L, const double *W, const double *H, double *A,
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
void sn_net_dropconnect_backward(const sn_layer *L, const double *W, const double *U,
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
