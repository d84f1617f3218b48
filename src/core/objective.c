/*
 * objective.c — the Monte Carlo objectives of MATH.md §3 as per-sample weights.
 *
 * All three objectives have gradients of the form Σ_n Σ_s ω_{n,s} ∇ℓ_{n,s}: the lower bound
 * with ω = 1/S (17), the importance-weighted bound with ω the softmax of ℓ over s (20), and
 * the tail-adaptive surrogate with rank-based ω (21)-(22). The weights are constants of the
 * backward pass (stop-gradient); the backward seed of ℓ_{n,s} is ω_{n,s}.
 */
#include "core/core.h"

#include <math.h>

/* Two log-likelihoods closer than this (relative) count as tied in (21). Samples with the same
 * noise draw give the same network, but a BLAS may round the same row differently by its
 * position in the product; ties must not depend on that (MATH.md §3: ties are the common case
 * with p = 0.005). */
#define TIE_RTOL 1e-12

/* Tail-adaptive weights (21) for one point:
 *     γ_s = S / #{k : ℓ_k ≥ ℓ_s},   ω_s = γ_s / Σ_k γ_k,
 * the count including k = s, equal ℓ getting equal weight. O(S²), S is small. */
static void tail_weights(const double *ll, size_t S, double *w)
{
    double total = 0.0;
    for (size_t s = 0; s < S; s++) {
        /* max(1, |ℓ_s|) without fmax, and a branch-free count: this loop is a sixth of an MC
         * dropout step. */
        double mag = fabs(ll[s]);
        double lo = ll[s] - TIE_RTOL * (mag > 1.0 ? mag : 1.0);
        size_t count = 0;
        for (size_t k = 0; k < S; k++)
            count += ll[k] >= lo;
        w[s] = (double)S / (double)count;
        total += w[s];
    }
    for (size_t s = 0; s < S; s++)
        w[s] /= total;
}

/* The authors' tail-adaptive weights (MATH.md §7.5, §7.9): the rank of (21) is the position in
 * a sort of ℓ from the largest down, ties taking consecutive positions in the order of s (a
 * stable sort), so that equal ℓ get unequal weights:
 *     γ_s = S / (1 + #{k : ℓ_k > ℓ_s} + #{k < s : ℓ_k = ℓ_s}),   ω_s = γ_s / Σ_k γ_k.
 * O(S²). */
static void tail_weights_by_order(const double *ll, size_t S, double *w)
{
    double total = 0.0;
    for (size_t s = 0; s < S; s++) {
        size_t rank = 1;
        for (size_t k = 0; k < S; k++)
            rank += ll[k] > ll[s] || (ll[k] == ll[s] && k < s);
        w[s] = (double)S / (double)rank;
        total += w[s];
    }
    for (size_t s = 0; s < S; s++)
        w[s] /= total;
}

double sn_objective_weights(sn_objective obj, const double *ll, size_t n_points, size_t S,
                            double *w)
{
    return sn_objective_weights_ties(obj, false, ll, n_points, S, w);
}

double sn_objective_weights_ties(sn_objective obj, bool is_ties_by_order, const double *ll,
                                 size_t n_points, size_t S, double *w)
{
    double value = 0.0;
    double log_s = log((double)S);
    for (size_t n = 0; n < n_points; n++) {
        const double *l = ll + n * S;
        double *wn = w + n * S;
        switch (obj) {
        case SN_OBJ_IW: {
            /* (19)-(20): ω = exp(ℓ - LSE ℓ); never exp(ℓ) itself. */
            double lse = sn_logsumexp(l, S);
            for (size_t s = 0; s < S; s++)
                wn[s] = exp(l[s] - lse);
            value += lse - log_s;
            break;
        }
        case SN_OBJ_TAIL: {
            if (is_ties_by_order)
                tail_weights_by_order(l, S, wn);
            else
                tail_weights(l, S, wn);
            for (size_t s = 0; s < S; s++)
                value += wn[s] * l[s];
            break;
        }
        case SN_OBJ_LB:
        case SN_OBJ_HIER:
        default:
            /* (17): the plain Monte Carlo average (the hierarchical objective (23) has S = 1). */
            for (size_t s = 0; s < S; s++) {
                wn[s] = 1.0 / (double)S;
                value += l[s] / (double)S;
            }
            break;
        }
    }
    return value;
}
