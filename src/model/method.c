/*
 * method.c — the one place that maps training parameters to a method (model/method.h).
 */
#include "model/model.h"

const sn_method_ops *sn_method_ops_of(const sn_train_params *p)
{
    if (p->method != SN_METHOD_VEM)
        return p->variant == SN_VARIANT_AUTHORS ? &sn_method_mc_authors : &sn_method_mc;
    return p->variant == SN_VARIANT_AUTHORS ? &sn_method_vem_authors : &sn_method_vem;
}
