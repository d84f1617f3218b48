/*
 * rng.c — seeded generator state and the elementary draws (uniform, normal, gamma, index).
 *
 * The generator is GSL's MT19937; variates come from GSL (Ziggurat normals, Marsaglia–Tsang
 * gamma). A stream number lets parallel workers draw independent sequences from one user seed.
 */
#include "internal.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdlib.h>

struct sn_rng {
    gsl_rng *g;
};

uint64_t sn_mix64(uint64_t x)
{
    /* SplitMix64 (Steele, Lea, Flood 2014): a bijective finaliser with full avalanche. */
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

sn_rng *sn_rng_new(uint64_t seed, uint64_t stream)
{
    sn_rng *r = malloc(sizeof *r);
    if (!r)
        return NULL;
    r->g = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r->g) {
        free(r);
        return NULL;
    }
    uint64_t s = stream ? sn_mix64(seed ^ sn_mix64(stream)) : seed;
    /* MT19937 takes a 32-bit seed; fold the high half in so that every bit of s matters. */
    gsl_rng_set(r->g, (unsigned long)((s ^ (s >> 32)) & 0xffffffffULL));
    return r;
}

sn_rng *sn_rng_clone(const sn_rng *r)
{
    sn_rng *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    c->g = gsl_rng_clone(r->g);
    if (!c->g) {
        free(c);
        return NULL;
    }
    return c;
}

sn_status sn_rng_copy(sn_rng *dst, const sn_rng *src)
{
    return gsl_rng_memcpy(dst->g, src->g) == 0 ? SN_OK : SN_EINVAL;
}

void sn_rng_free(sn_rng *r)
{
    if (!r)
        return;
    gsl_rng_free(r->g);
    free(r);
}

double sn_rng_uniform(sn_rng *r) { return gsl_rng_uniform_pos(r->g); }
double sn_rng_normal(sn_rng *r) { return gsl_ran_gaussian_ziggurat(r->g, 1.0); }
double sn_rng_gamma(sn_rng *r, double k) { return gsl_ran_gamma(r->g, k, 1.0); }

size_t sn_rng_index(sn_rng *r, size_t n)
{
    /* gsl_rng_uniform_int is exact (rejection) for n up to the generator's range (2^32). */
    return (size_t)gsl_rng_uniform_int(r->g, (unsigned long)n);
}

void sn_rng_shuffle(sn_rng *r, size_t *a, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = sn_rng_index(r, i);
        size_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}
