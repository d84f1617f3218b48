/*
 * optim.c — Adam and SGD (with optional momentum) on one flat parameter array.
 *
 * Both ascend: the gradient given is that of an objective being maximised.
 */
#include "core/core.h"

#include <math.h>
#include <stdlib.h>

sn_status sn_optim_init(sn_optim *o, const sn_train_params *p, size_t n, sn_error *err)
{
    o->kind = p->optimizer;
    o->n = n;
    o->lr = p->learning_rate;
    o->beta1 = p->adam_beta1;
    o->beta2 = p->adam_beta2;
    o->eps = p->adam_eps;
    o->momentum = p->momentum;
    o->t = 0;
    o->is_tf_adam = false;
    o->m = sn_calloc(n, sizeof *o->m);
    o->v = sn_calloc(n, sizeof *o->v);
    if (!o->m || !o->v) {
        sn_optim_free(o);
        return sn_fail(err, SN_ENOMEM, "out of memory allocating optimiser state");
    }
    return SN_OK;
}

void sn_optim_free(sn_optim *o)
{
    free(o->m);
    free(o->v);
    o->m = o->v = NULL;
}

/* Adam (Kingma & Ba 2015) with bias correction folded into the step size:
 *     m ← β1 m + (1-β1) g,  v ← β2 v + (1-β2) g²,
 *     x ← x + lr √(1-β2ᵗ)/(1-β1ᵗ) · m / (√v + ε √(1-β2ᵗ))
 * which equals the textbook form with m̂ = m/(1-β1ᵗ), v̂ = v/(1-β2ᵗ) and ε added to √v̂.
 * TensorFlow's form (is_tf_adam, the authors' code, MATH.md §7.9) adds ε to √v itself:
 *     x ← x + lr √(1-β2ᵗ)/(1-β1ᵗ) · m / (√v + ε).
 * SGD: velocity u ← μ u + g, x ← x + lr u. */
void sn_optim_step(sn_optim *o, double *x, const double *g)
{
    o->t++;
    if (o->kind == SN_OPT_SGD) {
        for (size_t i = 0; i < o->n; i++) {
            o->m[i] = o->momentum * o->m[i] + g[i];
            x[i] += o->lr * o->m[i];
        }
        return;
    }
    double t = (double)o->t;
    double c2 = sqrt(1.0 - pow(o->beta2, t));
    double step = o->lr * c2 / (1.0 - pow(o->beta1, t));
    double eps = o->is_tf_adam ? o->eps : o->eps * c2;
    for (size_t i = 0; i < o->n; i++) {
        o->m[i] = o->beta1 * o->m[i] + (1.0 - o->beta1) * g[i];
        o->v[i] = o->beta2 * o->v[i] + (1.0 - o->beta2) * g[i] * g[i];
        x[i] += step * o->m[i] / (sqrt(o->v[i]) + eps);
    }
}
