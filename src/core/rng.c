/*
 * rng.c — seeded generator state and the elementary draws (uniform, normal, gamma, index), and
 * the bulk Bernoulli draws of dropout noise.
 *
 * One sn_rng holds two generators, both seeded from the same (seed, stream) pair:
 *   - GSL's MT19937, behind every variate of the public interface (uniform, Ziggurat normals,
 *     Marsaglia–Tsang gamma, indices, shuffles);
 *   - xoshiro256** (Blackman & Vigna, "Scrambled linear pseudorandom number generators",
 *     ACM TOMS 47(4), 2021; reference code at https://prng.di.unimi.it/xoshiro256starstar.c),
 *     written here from that description, behind the Bernoulli draws of dropout noise, which are
 *     the bulk of all random numbers in training (S·B·Σ n_in of them per minibatch). It costs a
 *     few cycles per 64-bit output against MT19937's tempering and GSL's call per draw, and its
 *     state is four words, so snapshots (DropConnect) are cheap.
 * A stream number lets parallel workers draw independent sequences from one user seed.
 *
 * Bernoulli(π) trials are delivered as the positions of their failures (the dropped units).
 * For small drop rates q = 1 − π the gaps between failures are drawn directly: the number of
 * successes before the next failure is Geometric, G = ⌊log u / log π⌋ with u ~ U(0,1), since
 * P(G ≥ k) = P(u ≤ π^k) = π^k. That costs one uniform and one logarithm per *dropped* unit
 * instead of one uniform per unit (about 90 instead of 17 000 per minibatch of MC dropout with
 * q = 0.005). For larger q every trial takes one uniform, 1[u < π] (MATH.md §2). The gap that
 * runs past the end of a request is kept in the generator, so that drawing n trials in two
 * requests gives the same sequence as in one; a request with another π starts a fresh gap,
 * which is exact because the geometric law is memoryless.
 */
#include "core/core.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

/* Largest drop rate q = 1 − π for which failures are found by drawing geometric gaps; above
 * it every trial draws a uniform. At q = 0.125 the two cost about the same here (one logarithm
 * and division, ~40 cycles, per failure against ~5 cycles per trial); the choice changes which
 * random numbers are used, never the law of the draws. */
#define GAP_MAX_RATE 0.125

/* A gap longer than this (in trials) counts as "no failure in any request": π^(2^62) is 0 for
 * every π < 1 - 1e-17, i.e. every keep probability below 1 that a double can hold. */
#define GAP_INFINITE ((uint64_t)1 << 62)

struct sn_rng {
    gsl_rng *g;
    uint64_t s[4];    /* xoshiro256** state, never all zero */
    double gap_pi;    /* keep probability of the pending gap; 0 when there is none */
    uint64_t gap_left; /* successes still to come before the failure that ends that gap */
};

uint64_t sn_mix64(uint64_t x)
{
    /* SplitMix64 (Steele, Lea, Flood 2014): a bijective finaliser with full avalanche. */
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* xoshiro256** seeded from the 64-bit seed s: four consecutive SplitMix64 outputs (the
 * seeding its authors recommend), from a sequence offset by a constant so that it is not the
 * sequence a stream hash of the same seed would give. Consecutive SplitMix64 outputs are
 * distinct (the finaliser is a bijection), so the state is never all zero. */
static void xoshiro_seed(uint64_t *st, uint64_t s)
{
    const uint64_t domain = 0x786f7368697261ULL; /* "xoshira" */
    for (int k = 0; k < 4; k++)
        st[k] = sn_mix64((s ^ domain) + (uint64_t)k * (uint64_t)0x9e3779b97f4a7c15ULL);
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
    xoshiro_seed(r->s, s);
    r->gap_pi = 0.0;
    r->gap_left = 0;
    return r;
}

sn_rng *sn_rng_clone(const sn_rng *r)
{
    sn_rng *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    *c = *r;
    c->g = gsl_rng_clone(r->g);
    if (!c->g) {
        free(c);
        return NULL;
    }
    return c;
}

sn_status sn_rng_copy(sn_rng *dst, const sn_rng *src)
{
    if (gsl_rng_memcpy(dst->g, src->g) != 0)
        return SN_EINVAL;
    for (int k = 0; k < 4; k++)
        dst->s[k] = src->s[k];
    dst->gap_pi = src->gap_pi;
    dst->gap_left = src->gap_left;
    return SN_OK;
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

/* ------------------------------------------------------------------------------------------ */
/* xoshiro256** and Bernoulli trials                                                          */
/* ------------------------------------------------------------------------------------------ */

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* One xoshiro256** output: the scrambler rotl(s1·5, 7)·9 of the linear engine's state. */
static inline uint64_t xoshiro_next(uint64_t *s)
{
    const uint64_t out = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

/* u = (k + 1/2) 2⁻⁵³ from the top 53 bits k of a 64-bit output: uniform on a grid of (0, 1),
 * open at both ends (the low bits of xoshiro256** are its weakest, the top ones are full). */
static inline double to_open_uniform(uint64_t x)
{
    return ((double)(int64_t)(x >> 11) + 0.5) * 0x1p-53; /* exact: x >> 11 < 2^53 */
}

uint64_t sn_rng_bits(sn_rng *r) { return xoshiro_next(r->s); }

double sn_rng_uniform_fast(sn_rng *r) { return to_open_uniform(xoshiro_next(r->s)); }

bool sn_bernoulli_is_sparse(double pi) { return pi < 1.0 && 1.0 - pi <= GAP_MAX_RATE; }

/* Successes before the next failure, G = ⌊log u / log π⌋ (see the top of the file); log_pi < 0. */
static uint64_t draw_gap(sn_rng *r, double log_pi)
{
    double g = floor(log(to_open_uniform(xoshiro_next(r->s))) / log_pi);
    return g < (double)GAP_INFINITE ? (uint64_t)g : GAP_INFINITE;
}

void sn_drops_begin(sn_drops *d, sn_rng *r, double pi, size_t n)
{
    d->r = r;
    d->pi = pi;
    d->n = n;
    d->is_sparse = sn_bernoulli_is_sparse(pi);
    d->log_pi = d->is_sparse ? log(pi) : 0.0;
    d->next = 0;
    if (pi >= 1.0) {
        d->next = n; /* no failures, and no random numbers used */
        return;
    }
    if (d->is_sparse) {
        uint64_t gap = r->gap_pi == pi ? r->gap_left : draw_gap(r, d->log_pi);
        r->gap_pi = 0.0;
        d->next = gap < (uint64_t)n ? (size_t)gap : n;
        d->pending = gap - (uint64_t)d->next; /* successes of this gap past the end */
        return;
    }
    /* Dense: one uniform per trial, 1[u < π]; find the first failure. */
    while (d->next < n && to_open_uniform(xoshiro_next(r->s)) < pi)
        d->next++;
}

size_t sn_drops_advance(sn_drops *d)
{
    size_t n = d->n;
    if (d->next >= n)
        return n;
    size_t pos = d->next + 1;
    if (d->is_sparse) {
        uint64_t gap = draw_gap(d->r, d->log_pi);
        uint64_t room = (uint64_t)(n - pos);
        if (gap < room) {
            d->next = pos + (size_t)gap;
        } else {
            d->next = n;
            d->pending = gap - room;
        }
        return d->next;
    }
    while (pos < n && to_open_uniform(xoshiro_next(d->r->s)) < d->pi)
        pos++;
    d->next = pos;
    return pos;
}

void sn_drops_end(sn_drops *d)
{
    /* Keep the part of the current gap that runs past the last trial for the next request. */
    if (d->is_sparse && d->next >= d->n) {
        d->r->gap_pi = d->pi;
        d->r->gap_left = d->pending;
    }
}

void sn_bernoulli_fill(sn_rng *r, double pi, double value, double *out, size_t n)
{
    if (sn_bernoulli_is_sparse(pi) || pi >= 1.0) {
        for (size_t i = 0; i < n; i++)
            out[i] = value;
        sn_drops d;
        for (sn_drops_begin(&d, r, pi, n); d.next < n; sn_drops_advance(&d))
            out[d.next] = 0.0;
        sn_drops_end(&d);
        return;
    }
    /* Dense: the same trials as sn_drops_begin's dense branch, without a branch per draw. */
    uint64_t s[4] = {r->s[0], r->s[1], r->s[2], r->s[3]};
    for (size_t i = 0; i < n; i++)
        out[i] = to_open_uniform(xoshiro_next(s)) < pi ? value : 0.0;
    for (int k = 0; k < 4; k++)
        r->s[k] = s[k];
}

/* ------------------------------------------------------------------------------------------ */
/* Normals: the Ziggurat                                                                      */
/* ------------------------------------------------------------------------------------------ */

/*
 * Standard normals by the Ziggurat method of Marsaglia & Tsang ("The Ziggurat Method for
 * Generating Random Variables", J. Stat. Software 5(8), 2000) with 256 layers, taking the layer,
 * the sign and the uniform from disjoint bits of one 64-bit output, as Doornik recommends
 * ("An Improved Ziggurat Method to Generate Normal Random Samples", 2005) to avoid the
 * correlation of the original. The density f(x) = exp(−x²/2) on x ≥ 0 is covered by 256 layers
 * of equal area V: layer i ≥ 1 is the box [0, X_i] × [f(X_i), f(X_{i+1})], layer 0 the box
 * [0, R] × [0, f(R)] plus the tail x > R, given the width X_0 = V/f(R) so that u·X_0 > R means
 * "the tail". A draw picks a layer and z = u·X_i; z < X_{i+1} lies under f for sure (about 99%
 * of draws: one output, a multiply and a compare); otherwise the wedge is tested against
 * f(z) exactly, and the tail is sampled by Marsaglia's method (x = −ln(u₁)/R accepted when
 * −2 ln(u₂) > x²). Every accepted z has exactly the half-normal law; the sign is a fair bit.
 * R and V are the published 256-layer constants; the boxes are rebuilt from them once.
 */
#define ZIG_LAYERS 256
#define ZIG_R 3.6541528853610088
#define ZIG_V 4.92867323399e-3

static double zig_x[ZIG_LAYERS + 1]; /* X_0 = V/f(R) > X_1 = R > ... > X_256 = 0 */
static double zig_f[ZIG_LAYERS + 1]; /* f(X_i) */
static pthread_once_t zig_once = PTHREAD_ONCE_INIT;

static void zig_init(void)
{
    zig_x[0] = ZIG_V / exp(-0.5 * ZIG_R * ZIG_R);
    zig_x[1] = ZIG_R;
    for (int i = 1; i < ZIG_LAYERS - 1; i++)
        zig_x[i + 1] = sqrt(-2.0 * log(ZIG_V / zig_x[i] + exp(-0.5 * zig_x[i] * zig_x[i])));
    zig_x[ZIG_LAYERS] = 0.0;
    for (int i = 0; i <= ZIG_LAYERS; i++)
        zig_f[i] = exp(-0.5 * zig_x[i] * zig_x[i]);
}

static double zig_normal(uint64_t *s)
{
    for (;;) {
        const uint64_t bits = xoshiro_next(s);
        const unsigned i = (unsigned)(bits & 0xff);
        const bool is_negative = (bits >> 8) & 1u;
        const double u = (double)(int64_t)(bits >> 12) * 0x1p-52; /* [0, 1), bits 12..63 */
        double z = u * zig_x[i];
        if (z < zig_x[i + 1])
            return is_negative ? -z : z;
        if (i == 0) {
            double x, y;
            do {
                x = -log(to_open_uniform(xoshiro_next(s))) / ZIG_R;
                y = -log(to_open_uniform(xoshiro_next(s)));
            } while (2.0 * y < x * x);
            z = ZIG_R + x;
            return is_negative ? -z : z;
        }
        const double y = zig_f[i] + to_open_uniform(xoshiro_next(s)) * (zig_f[i + 1] - zig_f[i]);
        if (y < exp(-0.5 * z * z))
            return is_negative ? -z : z;
    }
}

void sn_rng_normal_fill(sn_rng *r, double *out, size_t n)
{
    pthread_once(&zig_once, zig_init);
    uint64_t s[4] = {r->s[0], r->s[1], r->s[2], r->s[3]};
    for (size_t i = 0; i < n; i++)
        out[i] = zig_normal(s);
    for (int k = 0; k < 4; k++)
        r->s[k] = s[k];
}
