/*
 * net/net.h — the Monte Carlo noise networks' forward and exact backward passes (src/net):
 * which noise each layer carries, the workspace sized once per trainer, and the two passes.
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

#endif /* SN_NET_H */
