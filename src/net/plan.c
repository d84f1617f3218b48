/*
 * plan.c — which noise acts where: the placement rules of MATH.md §1 (which layer carries unit,
 * weight or block noise) and the per-layer plan the passes follow (how the unit noise is
 * applied, and whether the ReLU/Bernoulli shortcut of the backward pass holds).
 */
#include "net/net.h"

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

sn_layer_plan sn_net_plan_of(const sn_model *m, size_t l, bool noise_on)
{
    const sn_train_params *p = &m->params;
    sn_layer_plan pl = {{false, false, false}, SN_IN_PLAIN, false, 1.0};
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
    pl.mode = is_sparse && (l == 0 || pl.is_fast) ? SN_IN_DROPS : SN_IN_DENSE;
    return pl;
}
