/*
 * test_rng.c — the seeded generator (src/rng.c): ranges, moments of the elementary draws,
 * uniformity of indices, shuffles, clones and streams; the xoshiro256** stream of the noise.
 *
 * Fixed seeds, so outcomes are deterministic. Moment z-scores use the exact second and fourth
 * moments and must stay below 6 (two-sided normal tail 2.0e-9 per comparison), as do the
 * per-bit counts of ones of the 64-bit words; the index and fast-normal histograms are chi-square
 * tests rejected below an upper-tail probability of 1e-8. With about 90 comparisons a correct
 * generator fails by chance less than once in 10^6 runs.
 */
#include "test_util.h"

#include "core/core.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>
#include <string.h>

#define N_DRAWS 1000000
#define Z_MAX 6.0

/*
 * z-scores of the sample mean and variance of x[n] against a law with mean mu, variance var and
 * fourth central moment mu4: sd(xbar) = sqrt(var/n), sd(s^2) ~ sqrt((mu4 - var^2)/n).
 */
static void check_moments(const char *what, const double *x, size_t n, double mu, double var,
                          double mu4)
{
    const double dn = (double)n;
    double sum = 0.0, ss = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    const double mean = sum / dn;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    const double s2 = ss / (dn - 1.0);
    const double z_mean = (mean - mu) / sqrt(var / dn);
    const double z_var = (s2 - var) / sqrt((mu4 - var * var) / dn);
    ck_assert_msg(fabs(z_mean) < Z_MAX, "%s: mean %.8g vs %.8g, z = %.2f", what, mean, mu, z_mean);
    ck_assert_msg(fabs(z_var) < Z_MAX, "%s: variance %.8g vs %.8g, z = %.2f", what, s2, var,
                  z_var);
}

START_TEST(test_uniform)
{
    sn_rng *r = sn_rng_new(11, 0);
    double *x = malloc(N_DRAWS * sizeof *x);
    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_nonnull(x);
    /* Open at both ends: log(u), log1p(-u) and tan(pi u/2) stay finite. Failures are counted,
     * not asserted per draw: every passing ck_assert costs Check a write to its pipe. */
    size_t n_bad = 0;
    for (size_t i = 0; i < N_DRAWS; i++) {
        x[i] = sn_rng_uniform(r);
        n_bad += !(x[i] > 0.0 && x[i] < 1.0);
    }
    ck_assert_msg(n_bad == 0, "%zu uniform draws outside (0, 1)", n_bad);
    check_moments("U(0,1)", x, N_DRAWS, 0.5, 1.0 / 12.0, 1.0 / 80.0);
    free(x);
    sn_rng_free(r);
}
END_TEST

/* The xoshiro256** stream behind the Bernoulli noise: open-interval uniforms with the right
 * moments, 64-bit words whose every bit is fair (z-score of the count of ones per bit), and an
 * independent stream per stream number. */
START_TEST(test_fast_uniform)
{
    sn_rng *r = sn_rng_new(21, 0);
    double *x = malloc(N_DRAWS * sizeof *x);
    ck_assert_ptr_nonnull(x);
    size_t n_bad = 0;
    for (size_t i = 0; i < N_DRAWS; i++) {
        x[i] = sn_rng_uniform_fast(r);
        n_bad += !(x[i] > 0.0 && x[i] < 1.0);
    }
    ck_assert_msg(n_bad == 0, "%zu fast uniform draws outside (0, 1)", n_bad);
    check_moments("fast U(0,1)", x, N_DRAWS, 0.5, 1.0 / 12.0, 1.0 / 80.0);
    enum { N_WORDS = 200000 };
    size_t ones[64] = {0};
    for (size_t i = 0; i < N_WORDS; i++) {
        uint64_t w = sn_rng_bits(r);
        for (int b = 0; b < 64; b++)
            ones[b] += (w >> b) & 1u;
    }
    for (int b = 0; b < 64; b++) {
        const double z = ((double)ones[b] - N_WORDS / 2.0) / sqrt(N_WORDS / 4.0);
        ck_assert_msg(fabs(z) < Z_MAX, "bit %d: %zu ones in %d words, z = %.2f", b, ones[b],
                      N_WORDS, z);
    }
    sn_rng *s1 = sn_rng_new(21, 1), *s2 = sn_rng_new(21, 2), *t1 = sn_rng_new(21, 1);
    size_t n_same12 = 0, n_same11 = 0;
    for (int i = 0; i < 64; i++) {
        uint64_t a = sn_rng_bits(s1);
        n_same12 += a == sn_rng_bits(s2);
        n_same11 += a == sn_rng_bits(t1);
    }
    ck_assert_uint_eq(n_same12, 0);
    ck_assert_uint_eq(n_same11, 64);
    free(x);
    sn_rng_free(r);
    sn_rng_free(s1);
    sn_rng_free(s2);
    sn_rng_free(t1);
}
END_TEST

/* sn_rng_normal_fill (polar method on the xoshiro256** stream): moments, a chi-square histogram
 * over 50 bins equiprobable under N(0, 1) (rejected below an upper-tail probability of 1e-8),
 * and the same draws in one request or in two of odd sizes (the spare of a pair is kept). */
START_TEST(test_normal_fill)
{
    enum { N_BINS = 50, N_SHORT = 1000 };
    sn_rng *r = sn_rng_new(22, 0);
    double *x = malloc(N_DRAWS * sizeof *x);
    ck_assert_ptr_nonnull(x);
    sn_rng_normal_fill(r, x, N_DRAWS);
    check_moments("fast N(0,1)", x, N_DRAWS, 0.0, 1.0, 3.0);
    size_t count[N_BINS] = {0};
    for (size_t i = 0; i < N_DRAWS; i++) {
        const double p = gsl_cdf_ugaussian_P(x[i]);
        size_t b = (size_t)(p * N_BINS);
        count[b < N_BINS ? b : N_BINS - 1]++;
    }
    const double e = (double)N_DRAWS / N_BINS;
    double chi2 = 0.0;
    for (size_t b = 0; b < N_BINS; b++)
        chi2 += ((double)count[b] - e) * ((double)count[b] - e) / e;
    const double limit = gsl_cdf_chisq_Qinv(1e-8, N_BINS - 1);
    ck_assert_msg(chi2 < limit, "fast normals: chi2 = %.2f >= %.2f on %d dof", chi2, limit,
                  N_BINS - 1);
    double a[N_SHORT], b[N_SHORT];
    sn_rng *r1 = sn_rng_new(23, 0), *r2 = sn_rng_new(23, 0);
    sn_rng_normal_fill(r1, a, N_SHORT);
    sn_rng_normal_fill(r2, b, 137);
    sn_rng_normal_fill(r2, b + 137, 1);
    sn_rng_normal_fill(r2, b + 138, N_SHORT - 138);
    ck_assert(memcmp(a, b, sizeof a) == 0);
    free(x);
    sn_rng_free(r);
    sn_rng_free(r1);
    sn_rng_free(r2);
}
END_TEST

START_TEST(test_normal)
{
    sn_rng *r = sn_rng_new(12, 0);
    double *x = malloc(N_DRAWS * sizeof *x);
    ck_assert_ptr_nonnull(x);
    for (size_t i = 0; i < N_DRAWS; i++)
        x[i] = sn_rng_normal(r);
    check_moments("N(0,1)", x, N_DRAWS, 0.0, 1.0, 3.0);
    free(x);
    sn_rng_free(r);
}
END_TEST

/* Gamma(k, 1): mean k, variance k, fourth central moment 3k^2 + 6k; both sides of k = 1. */
START_TEST(test_gamma)
{
    static const double shapes[] = {0.3, 1.0, 3.5};
    sn_rng *r = sn_rng_new(13, 0);
    double *x = malloc(N_DRAWS * sizeof *x);
    ck_assert_ptr_nonnull(x);
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const double k = shapes[s];
        char what[32];
        snprintf(what, sizeof what, "Gamma(%g)", k);
        size_t n_bad = 0;
        for (size_t i = 0; i < N_DRAWS; i++) {
            x[i] = sn_rng_gamma(r, k);
            n_bad += !(x[i] >= 0.0 && isfinite(x[i]));
        }
        ck_assert_msg(n_bad == 0, "%s: %zu draws negative or not finite", what, n_bad);
        check_moments(what, x, N_DRAWS, k, k, 3.0 * k * k + 6.0 * k);
    }
    free(x);
    sn_rng_free(r);
}
END_TEST

START_TEST(test_index)
{
    enum { N_CELLS = 7, N_INDEX = 700000 };
    size_t count[N_CELLS + 1] = {0}; /* the last cell collects out-of-range indices */
    sn_rng *r = sn_rng_new(14, 0);
    for (size_t i = 0; i < N_INDEX; i++) {
        const size_t j = sn_rng_index(r, N_CELLS);
        count[j < N_CELLS ? j : N_CELLS]++;
    }
    ck_assert_msg(count[N_CELLS] == 0, "%zu indices >= %d", count[N_CELLS], N_CELLS);
    const double e = (double)N_INDEX / N_CELLS;
    double chi2 = 0.0;
    for (size_t j = 0; j < N_CELLS; j++)
        chi2 += ((double)count[j] - e) * ((double)count[j] - e) / e;
    const double limit = gsl_cdf_chisq_Qinv(1e-8, N_CELLS - 1);
    ck_assert_msg(chi2 < limit, "index: chi2 = %.2f >= %.2f on %d dof", chi2, limit, N_CELLS - 1);
    ck_assert_uint_eq(sn_rng_index(r, 1), 0);
    sn_rng_free(r);
}
END_TEST

START_TEST(test_shuffle)
{
    enum { N = 100 };
    size_t a[N], b[N], seen[N] = {0};
    for (size_t i = 0; i < N; i++)
        a[i] = b[i] = i;
    sn_rng *r1 = sn_rng_new(15, 0), *r2 = sn_rng_new(15, 0);
    sn_rng_shuffle(r1, a, N);
    sn_rng_shuffle(r2, b, N);
    ck_assert(memcmp(a, b, sizeof a) == 0);
    size_t n_fixed = 0;
    for (size_t i = 0; i < N; i++) {
        ck_assert_uint_lt(a[i], N);
        seen[a[i]]++;
        n_fixed += a[i] == i;
    }
    for (size_t i = 0; i < N; i++)
        ck_assert_uint_eq(seen[i], 1);
    /* A uniform permutation has Poisson(1) fixed points; 100 of them means nothing happened. */
    ck_assert_uint_lt(n_fixed, 20);
    sn_rng_shuffle(r1, a, 0); /* empty and single-element arrays are no-ops */
    sn_rng_shuffle(r1, a, 1);
    sn_rng_free(r1);
    sn_rng_free(r2);
}
END_TEST

START_TEST(test_clone_copy)
{
    sn_rng *r = sn_rng_new(16, 3);
    for (int i = 0; i < 10; i++)
        (void)sn_rng_normal(r);
    sn_rng *c = sn_rng_clone(r);
    sn_rng *d = sn_rng_new(999, 0);
    ck_assert_ptr_nonnull(c);
    CHECK_OK(sn_rng_copy(d, r));
    for (int i = 0; i < 100; i++) {
        const double u = sn_rng_uniform(r);
        ck_assert(u == sn_rng_uniform(c));
        ck_assert(u == sn_rng_uniform(d));
        /* Both streams are copied, and the pending Bernoulli gap with them. */
        const uint64_t w = sn_rng_bits(r);
        ck_assert(w == sn_rng_bits(c));
        ck_assert(w == sn_rng_bits(d));
    }
    double xr[300], xc[300], xd[300];
    sn_bernoulli_fill(r, 0.99, 1.0, xr, 150);
    sn_rng_copy(d, r);
    sn_rng_free(c);
    c = sn_rng_clone(r);
    ck_assert_ptr_nonnull(c);
    sn_bernoulli_fill(r, 0.99, 1.0, xr + 150, 150);
    sn_bernoulli_fill(c, 0.99, 1.0, xc + 150, 150);
    sn_bernoulli_fill(d, 0.99, 1.0, xd + 150, 150);
    ck_assert(memcmp(xr + 150, xc + 150, 150 * sizeof *xr) == 0);
    ck_assert(memcmp(xr + 150, xd + 150, 150 * sizeof *xr) == 0);
    sn_rng_free(r);
    sn_rng_free(c);
    sn_rng_free(d);
    sn_rng_free(NULL);
}
END_TEST

START_TEST(test_streams)
{
    /* Stream 0 is the plain seed: GSL's MT19937 seeded with it. */
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 1234);
    sn_rng *s0 = sn_rng_new(1234, 0), *s1 = sn_rng_new(1234, 1), *s2 = sn_rng_new(1234, 2);
    sn_rng *t1 = sn_rng_new(1234, 1);
    double a[64], b[64], c[64];
    for (int i = 0; i < 64; i++) {
        ck_assert(sn_rng_uniform(s0) == gsl_rng_uniform_pos(g));
        a[i] = sn_rng_uniform(s1);
        b[i] = sn_rng_uniform(s2);
        c[i] = sn_rng_uniform(t1);
    }
    ck_assert(memcmp(a, b, sizeof a) != 0);
    ck_assert(memcmp(a, c, sizeof a) == 0);
    gsl_rng_free(g);
    sn_rng_free(s0);
    sn_rng_free(s1);
    sn_rng_free(s2);
    sn_rng_free(t1);
}
END_TEST

static Suite *rng_suite(void)
{
    Suite *s = suite_create("rng");
    TCase *tc = tcase_create("rng");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_uniform);
    tcase_add_test(tc, test_fast_uniform);
    tcase_add_test(tc, test_normal_fill);
    tcase_add_test(tc, test_normal);
    tcase_add_test(tc, test_gamma);
    tcase_add_test(tc, test_index);
    tcase_add_test(tc, test_shuffle);
    tcase_add_test(tc, test_clone_copy);
    tcase_add_test(tc, test_streams);
    suite_add_tcase(s, tc);
    return s;
}

SN_TEST_MAIN(rng_suite)
