/*
 * net/net.h — the Monte Carlo noise networks' forward and exact backward passes (src/net):
 * which noise each layer carries, the workspace sized once per trainer, and the two passes; then,
 * for the files of net/ only, the pieces the passes are built from (the row kernels that are
 * compiled twice have their own header, net/kernels.h).
 */
#ifndef SN_NET_H
#define SN_NET_H

#include "core/core.h"

/* ------------------------------------------------------------------------------------------ */
/* Monte Carlo noise networks: forward and backward passes (net/)                              */
/* ------------------------------------------------------------------------------------------ */

/* The noise acting on one weight layer (MATH.md §1). */
typedef struct {
    bool units;   /* xi per input unit and row: (1)-(2) */
    bool weights; /* xi per weight and row (DropConnect): (3) */
    bool block;   /* tau per row on a residual block: (4)-(5) */
} sn_layer_noise;

/* Which noise layer l of model m carries under its training parameters (and none at all when
 * the objective is the hierarchical one, which trains a noise-free network (23)). */
sn_layer_noise sn_layer_noise_of(const sn_model *m, size_t l);
/* The block-noise law in force (block_noise, or noise when block_noise is "none"). */
const sn_noise *sn_block_noise_of(const sn_train_params *p);

/* Workspace for forward and backward passes of up to cap_rows rows; sized once. */
typedef struct {
    size_t cap_rows, n_layers, max_width;
    double **in;     /* [n_layers] in[l]: input of layer l [rows][n_in_l] (layers above 0: only
                        when read back; net.c) */
    double **xi;     /* [n_layers] unit noise [rows][n_in_l], or NULL */
    double **u;      /* [n_layers] masked input in ⊙ xi [rows][n_in_l], or NULL (then = in) */
    double **tau;    /* [n_layers] block noise [rows], or NULL */
    double **a;      /* [n_layers] pre-activation [rows][n_out_l]; a[L] the output (other layers
                        only where the backward pass needs it; net.c) */
    sn_rng **wstate; /* [n_layers] RNG snapshot for DropConnect layers, or NULL */
    double *g, *gt, *dh, *dh2; /* [rows][max_width] gradient buffers */
    double *mask;    /* [max n_in * n_out] one row's DropConnect mask */
} sn_net_ws;

sn_status sn_net_ws_init(sn_net_ws *ws, const sn_model *m, size_t cap_rows, sn_error *err);
void sn_net_ws_free(sn_net_ws *ws);

/* Forward pass of n_rows rows already placed in ws->in[0], with parameters theta (model layout)
 * and noise from rng (NULL or noise_off = true: every noise variable at 1). Output in ws->a[L]. */
void sn_net_forward(const sn_model *m, const double *theta, sn_net_ws *ws, size_t n_rows,
                    sn_rng *rng, bool noise_off);
/* Backward pass: ws->g holds dObj/dOutput [n_rows][n_out]; accumulates dObj/dtheta into grad
 * (model layout; every W and b entry is overwritten, not added). Uses the state of the last
 * forward pass. */
void sn_net_backward(const sn_model *m, const double *theta, sn_net_ws *ws, size_t n_rows,
                     double *grad);

/* ------------------------------------------------------------------------------------------ */
/* Inside net/ only: the pieces the passes are built from                                      */
/* ------------------------------------------------------------------------------------------ */

/* Layers with more weights than this (128 x 128) use CBLAS for their products: the row kernels
 * (kernels.h) keep W in the first-level caches and do not block for larger ones. */
#define SN_LARGE_LAYER 16384

/* How the unit noise of a layer's input is applied. */
typedef enum {
    SN_IN_PLAIN, /* no unit noise: U = H */
    SN_IN_DROPS, /* Bernoulli: U = c·H, dropped positions (sn_drops) set to 0; xi not written */
    SN_IN_DENSE  /* any noise: xi drawn in full, U = H ⊙ xi */
} sn_input_mode;

typedef struct {
    sn_layer_noise ln;
    sn_input_mode mode;
    /* Bernoulli unit noise on this layer, a ReLU net, and neither this layer nor the one below
     * residual: the previous layer's Ξ ⊙ f'(A) is c·1[U > 0] (Ξ ∈ {0, c}, c > 0, and the
     * input H = max(A, 0) of this layer is positive exactly where f'(A) = 1). */
    bool is_fast;
    double c; /* the non-zero value of Bernoulli noise: 1/π (mean-one) or 1 */
} sn_layer_plan;

/* The plan of layer l of model m; every noise variable at 1 when noise_on is false (plan.c). */
sn_layer_plan sn_net_plan_of(const sn_model *m, size_t l, bool noise_on);

/* The i-th row buffer of ws->mask (each max_width long), after the mask / transposed W
 * (workspace.c). */
double *sn_net_row_buffer(const sn_net_ws *ws, const sn_model *m, size_t i);

/* DropConnect forward (3) of rows rows of H [rows][n_in] into A [rows][n_out] (without the
 * bias), the generator state saved into snapshot first; and backward (3): ∂W [n_in][n_out]
 * overwritten, ∂U [rows][n_in] when dU is not NULL, the masks redrawn from snapshot. mask
 * [n_in·n_out] is scratch (dropconnect.c). */
void sn_net_dropconnect_forward(const sn_layer *L, const double *W, const double *H, double *A,
                                size_t rows, const sn_noise *nz, sn_rng *rng, sn_rng *snapshot,
                                double *mask);
void sn_net_dropconnect_backward(const sn_layer *L, const double *W, const double *U,
                                 const double *G, double *dW, double *dU, size_t rows,
                                 const sn_noise *nz, sn_rng *snapshot, double *mask);

/* Whether the net and its noise plans take the sources path (sources.c). */
bool sn_net_sources_apply(const sn_model *m, const sn_layer_plan *p0, const sn_layer_plan *p1);

#endif /* SN_NET_H */
