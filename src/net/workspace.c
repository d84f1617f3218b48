/*
 * workspace.c — the workspace of the forward and backward passes (sn_net_ws, net/net.h): sized
 * once for up to cap_rows rows, so that the per-batch passes never allocate; and the row
 * buffers kept at the end of its mask array.
 */
#include "net/net.h"

#include <stdlib.h>
#include <string.h>

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
double *sn_net_row_buffer(const sn_net_ws *ws, const sn_model *m, size_t i)
{
    size_t max_mask = 0;
    for (size_t l = 0; l < m->n_layers; l++)
        if (m->layers[l].n_in * m->layers[l].n_out > max_mask)
            max_mask = m->layers[l].n_in * m->layers[l].n_out;
    return ws->mask + max_mask + i * ws->max_width;
}
