/*
 * math.c — small numerical helpers shared by the objectives, the EM and the metrics.
 */
#include "core/core.h"

#include <math.h>

/* LSE(x) = m + log sum_i exp(x_i - m), m = max_i x_i (MATH.md §0): never forms exp of a large
 * negative log-likelihood directly. */
double sn_logsumexp(const double *x, size_t n)
{
    double m = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (x[i] > m)
            m = x[i];
    if (!isfinite(m))
        return m;
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += exp(x[i] - m);
    return m + log(s);
}

/* softplus(x) = max(x, 0) + log1p(e^{-|x|}) (MATH.md §4): exact for large |x| in both signs. */
double sn_softplus(double x)
{
    return (x > 0 ? x : 0.0) + log1p(exp(-fabs(x)));
}

/* Inverse softplus: rho = y + log(-expm1(-y)) = log(e^y - 1), for y > 0. */
double sn_softplus_inv(double y)
{
    return y + log(-expm1(-y));
}

double sn_sigmoid(double x)
{
    if (x >= 0) {
        double e = exp(-x);
        return 1.0 / (1.0 + e);
    }
    double e = exp(x);
    return e / (1.0 + e);
}

/* (x − m) / s, computed as x/s − m/s where x − m itself would overflow (|x| near DBL_MAX). */
double sn_standardise(double x, double m, double s)
{
    double z = (x - m) / s;
    return isfinite(z) ? z : x / s - m / s;
}
