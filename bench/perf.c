/*
 * perf.c — the training-throughput suite of issue 6 (docs/performance.md). Not a test.
 *
 *   build/bench/perf [--quick] [--only A,B,C,D] [--no-workload] [--no-scaling]
 *
 * For each configuration it trains through the public API (sn_trainer_new / sn_trainer_epoch)
 * on synthetic data of the stated shape and prints the median wall seconds per epoch after a
 * warm-up, microseconds per minibatch step, the achieved GFLOP/s and that rate as a share of
 * the practical peak of this machine, measured in the same run as the rate of a 2048^3
 * single-precision GEMM of the linked BLAS (on 1 thread and on all threads).
 *
 *   A  tail-adaptive MC dropout, 1 hidden layer x 50, S = 10, batch 32, N = 277,  D = 6 (yacht)
 *   B  the same, N = 8611, D = 4 (power plant)
 *   C  the same, N = 7373, D = 8 (kin8nm)
 *   D  variational-EM ARD-ADD resnet 2 x 50 (local reparametrisation, inverse-gamma(3, 3)),
 *      S = 10, batch 32, N = 8611, D = 4 ("pending" when sn_trainer_new refuses the method)
 *
 * FLOP count: 2 flops per multiply-add of the matrix products of the dense algorithm, forward
 * (rows·n_in·n_out per layer) and backward (∂W: rows·n_in·n_out per layer; ∂H: the same for
 * every layer but the first), rows = S·(points in the minibatch); twice that for the EM net,
 * which has a mean and a variance product per layer (epoch_macs). Element-wise work (masks,
 * bias, activation, noise) is not counted. shrinknet's MC dropout path skips most of these
 * products (rows that are copies of each other are computed once, net.c), so for A-C the rate
 * is an *effective* one: the dense algorithm's flops over our time.
 *
 * Then: time per epoch against N (linearity), 2 training runs at once in two processes against
 * one (the benchmark harness's parallelism), OpenBLAS on 1 and 2 threads for B, and the estimated
 * wall time of the Table 2 workload (7 UCI data sets x 20 splits x 3 objectives x 4500 epochs).
 * Lines starting with "RESULT" are for bench/perf.sh, which joins them with the PyTorch peer.
 */
#include "shrinknet.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_TIMED 4000 /* most epochs timed for one configuration */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *x, size_t n)
{
    qsort(x, n, sizeof *x, cmp_double);
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

/* ------------------------------------------------------------------------------------------ */
/* Practical peak: a large single-precision GEMM                                              */
/* ------------------------------------------------------------------------------------------ */

/* GFLOP/s of C = A B for n x n matrices in single (or double) precision, best of `reps`. */
static double gemm_gflops(int n, int threads, bool is_double, int reps)
{
    openblas_set_num_threads(threads);
    size_t nn = (size_t)n * (size_t)n;
    size_t esz = is_double ? sizeof(double) : sizeof(float);
    void *a = malloc(nn * esz), *b = malloc(nn * esz), *c = malloc(nn * esz);
    if (!a || !b || !c) {
        free(a), free(b), free(c);
        return NAN;
    }
    for (size_t i = 0; i < nn; i++) {
        double v = (double)((i * 2654435761u) % 1000u) / 1000.0 - 0.5;
        if (is_double)
            ((double *)a)[i] = v, ((double *)b)[i] = -v, ((double *)c)[i] = 0.0;
        else
            ((float *)a)[i] = (float)v, ((float *)b)[i] = (float)-v, ((float *)c)[i] = 0.0f;
    }
    double best = INFINITY;
    for (int r = 0; r < reps + 1; r++) {
        double t0 = now();
        if (is_double)
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a, n, b, n, 0.0,
                        c, n);
        else
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n,
                        0.0f, c, n);
        double t = now() - t0;
        if (r > 0 && t < best) /* the first call pays for page faults and thread start-up */
            best = t;
    }
    free(a), free(b), free(c);
    return 2.0 * (double)n * (double)n * (double)n / best * 1e-9;
}

/* ------------------------------------------------------------------------------------------ */
/* Configurations                                                                             */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    const char *name, *what;
    size_t n, d;          /* training rows and features */
    bool is_vem;          /* configuration D */
    sn_objective obj;
} config;

/* Synthetic regression data of the given shape: x ~ N(0, 1)^d, y a smooth function of x plus
 * noise, so that training behaves as on real data (no divergence, non-trivial gradients). */
static sn_data *synthetic(size_t n, size_t d, uint64_t seed)
{
    sn_rng *r = sn_rng_new(seed, 0x7065726655ULL);
    double *x = malloc(n * d * sizeof *x), *y = malloc(n * sizeof *y);
    sn_data *out = NULL;
    if (r && x && y) {
        for (size_t i = 0; i < n; i++) {
            double s = 0.0;
            for (size_t j = 0; j < d; j++) {
                x[i * d + j] = sn_rng_normal(r);
                s += sin(x[i * d + j] * (double)(j + 1) * 0.7) / (double)(j + 1);
            }
            y[i] = s + 0.3 * x[i * d] * x[i * d] + 0.1 * sn_rng_normal(r);
        }
        sn_data_new(x, y, n, d, &out, NULL);
    }
    free(x);
    free(y);
    sn_rng_free(r);
    return out;
}

static void params_for(const config *c, sn_train_params *p)
{
    sn_train_params_default(p);
    p->n_hidden = 50;
    p->n_samples = 10;
    p->batch_size = 32;
    p->seed = 1;
    p->objective = c->obj;
    sn_noise_parse("bernoulli:0.995", &p->noise, NULL);
    if (c->is_vem) {
        p->method = SN_METHOD_VEM;
        p->arch = SN_ARCH_RESNET;
        p->n_layers = 2;
        p->prior = SN_PRIOR_ARD_ADD;
    } else {
        p->arch = SN_ARCH_MLP;
        p->n_layers = 1;
    }
}

/* Multiply-adds of one epoch of the dense algorithm (see the header comment). Per row and
 * layer of n_in·n_out weights: MC nets 1 (forward HW) + 1 (∂W) + 1 (∂H, not for the first
 * layer); variational EM with the local reparametrisation (27) 2 (Hμ, (H⊙H)(σ⊙σ)) + 2 (∂μ, ∂σ)
 * + 2 (∂H: Gμᵀ and K(σ⊙σ)ᵀ, not for the first layer). */
static double epoch_macs(const sn_train_params *p, size_t n, size_t d)
{
    size_t widths[64];
    size_t nl = p->n_layers + 1;
    if (nl > 63)
        return NAN;
    widths[0] = d;
    for (size_t l = 1; l < nl; l++)
        widths[l] = p->n_hidden;
    widths[nl] = 1;
    const double k = p->method == SN_METHOD_VEM ? 2.0 : 1.0;
    double per_row = 0.0;
    for (size_t l = 0; l < nl; l++) {
        double mn = (double)widths[l] * (double)widths[l + 1];
        per_row += k * mn * (l == 0 ? 2.0 : 3.0);
    }
    return per_row * (double)p->n_samples * (double)n;
}

typedef struct {
    bool ok;
    char msg[SN_ERROR_MSG_LEN];
    size_t n_timed;
    double med, min;   /* seconds per epoch */
} timing;

/* Train c (with n rows instead of c->n when n > 0) for `warm` epochs untimed, then time epochs
 * until `budget` seconds have passed (at least 5, at most MAX_TIMED). */
static timing time_config(const config *c, size_t n, size_t warm, double budget)
{
    timing tm = {0};
    n = n ? n : c->n;
    sn_data *d = synthetic(n, c->d, 7);
    sn_train_params p;
    params_for(c, &p);
    p.n_epochs = 1000000;
    sn_trainer *t = NULL;
    sn_error err = {0};
    if (!d) {
        snprintf(tm.msg, sizeof tm.msg, "out of memory");
        return tm;
    }
    if (sn_trainer_new(&p, d, &t, &err) != SN_OK) {
        snprintf(tm.msg, sizeof tm.msg, "%s", err.msg);
        sn_data_free(d);
        return tm;
    }
    static double times[MAX_TIMED];
    for (size_t e = 0; e < warm; e++)
        if (sn_trainer_epoch(t, NULL, &err) != SN_OK)
            goto fail;
    double start = now();
    size_t k = 0;
    while (k < MAX_TIMED && (k < 5 || now() - start < budget)) {
        double t0 = now();
        if (sn_trainer_epoch(t, NULL, &err) != SN_OK)
            goto fail;
        times[k++] = now() - t0;
    }
    tm.ok = true;
    tm.n_timed = k;
    tm.med = median(times, k);
    tm.min = times[0];
    sn_trainer_free(t);
    sn_data_free(d);
    return tm;
fail:
    snprintf(tm.msg, sizeof tm.msg, "%s", err.msg);
    sn_trainer_free(t);
    sn_data_free(d);
    return tm;
}

/* Two runs of c at once in two processes: each child reports its median epoch time. */
static double time_two_at_once(const config *c, size_t warm, double budget, double *med2)
{
    int fds[2][2];
    pid_t pid[2];
    fflush(stdout);
    for (int k = 0; k < 2; k++) {
        if (pipe(fds[k]) != 0)
            return NAN;
        pid[k] = fork();
        if (pid[k] < 0)
            return NAN;
        if (pid[k] == 0) {
            close(fds[k][0]);
            timing tm = time_config(c, 0, warm, budget);
            double v = tm.ok ? tm.med : NAN;
            ssize_t w = write(fds[k][1], &v, sizeof v);
            _exit(w == (ssize_t)sizeof v ? 0 : 1);
        }
        close(fds[k][1]);
    }
    double v[2] = {NAN, NAN};
    for (int k = 0; k < 2; k++) {
        if (read(fds[k][0], &v[k], sizeof v[k]) != (ssize_t)sizeof v[k])
            v[k] = NAN;
        close(fds[k][0]);
        waitpid(pid[k], NULL, 0);
    }
    med2[0] = v[0];
    med2[1] = v[1];
    return 0.5 * (v[0] + v[1]);
}

/* ------------------------------------------------------------------------------------------ */
/* Main                                                                                       */
/* ------------------------------------------------------------------------------------------ */

static const config configs[] = {
    {"A", "tail MC dropout 1x50, yacht-shaped", 277, 6, false, SN_OBJ_TAIL},
    {"B", "tail MC dropout 1x50, power-shaped", 8611, 4, false, SN_OBJ_TAIL},
    {"C", "tail MC dropout 1x50, kin8nm-shaped", 7373, 8, false, SN_OBJ_TAIL},
    {"D", "VEM ARD-ADD resnet 2x50, power-shaped", 8611, 4, true, SN_OBJ_LB},
};

/* Table 2 of the paper: training-set sizes (90% of each UCI set) and features. */
static const struct {
    const char *name;
    size_t n, d;
} uci[] = {
    {"boston", 455, 13}, {"concrete", 927, 8}, {"energy", 691, 8},  {"kin8nm", 7373, 8},
    {"power", 8611, 4},  {"wine", 1439, 11},   {"yacht", 277, 6},
};

static bool wanted(const char *only, const char *name)
{
    return !only || strstr(only, name) != NULL;
}

int main(int argc, char **argv)
{
    bool quick = false, workload = true, scaling = true;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = true;
        else if (!strcmp(argv[i], "--no-workload"))
            workload = false;
        else if (!strcmp(argv[i], "--no-scaling"))
            scaling = false;
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else {
            fprintf(stderr,
                    "usage: %s [--quick] [--only A,B,C,D] [--no-workload] [--no-scaling]\n",
                    argv[0]);
            return 2;
        }
    }
    double budget = quick ? 0.5 : 2.0;

    printf("shrinknet %s, BLAS: %s (core %s)\n", SN_VERSION, openblas_get_config(),
           openblas_get_corename());
    double peak1 = gemm_gflops(2048, 1, false, quick ? 2 : 4);
    double peak2 = gemm_gflops(2048, 2, false, quick ? 2 : 4);
    double dpeak1 = gemm_gflops(2048, 1, true, quick ? 1 : 3);
    printf("practical peak: sgemm 2048^3 %.1f GFLOP/s on 1 thread, %.1f on 2; "
           "dgemm %.1f on 1\n",
           peak1, peak2, dpeak1);
    printf("RESULT peak sgemm1=%.3f sgemm2=%.3f dgemm1=%.3f\n", peak1, peak2, dpeak1);
    /* The training runs below are single-threaded: one run per core is how the benchmark
     * harness uses the machine. */
    openblas_set_num_threads(1);

    printf("\n%-2s %-40s %6s %3s %6s %11s %9s %8s %9s %9s\n", "", "configuration", "N", "D",
           "steps", "s/epoch", "us/step", "GFLOP/s", "%sgemm1", "%sgemm2");
    for (size_t k = 0; k < sizeof configs / sizeof configs[0]; k++) {
        const config *c = &configs[k];
        if (!wanted(only, c->name))
            continue;
        size_t steps = (c->n + 31) / 32;
        size_t warm = c->n < 1000 ? 20 : 2;
        timing tm = time_config(c, 0, warm, budget);
        if (!tm.ok) {
            printf("%-2s %-40s %6zu %3zu %6zu  pending: %s\n", c->name, c->what, c->n, c->d,
                   steps, tm.msg);
            printf("RESULT config=%s status=pending\n", c->name);
            continue;
        }
        sn_train_params p;
        params_for(c, &p);
        double gflops = 2.0 * epoch_macs(&p, c->n, c->d) / tm.med * 1e-9;
        printf("%-2s %-40s %6zu %3zu %6zu %11.3e %9.2f %8.2f %8.1f%% %8.1f%%\n", c->name,
               c->what, c->n, c->d, steps, tm.med, tm.med / (double)steps * 1e6, gflops,
               100.0 * gflops / peak1, 100.0 * gflops / peak2);
        printf("RESULT config=%s status=ok n=%zu d=%zu steps=%zu epochs_timed=%zu "
               "s_per_epoch=%.6e us_per_step=%.3f gflops=%.4f share1=%.4f share2=%.4f\n",
               c->name, c->n, c->d, steps, tm.n_timed, tm.med, tm.med / (double)steps * 1e6,
               gflops, gflops / peak1, gflops / peak2);
        fflush(stdout);
    }

    if (scaling && wanted(only, "B")) {
        const config *b = &configs[1];
        printf("\nlinearity in N (config B shape):\n%8s %11s %12s\n", "N", "s/epoch",
               "us/row");
        static const size_t ns[] = {1000, 2000, 4000, 8611, 17222};
        for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
            timing tm = time_config(b, ns[k], 2, budget / 2);
            if (!tm.ok)
                continue;
            printf("%8zu %11.3e %12.4f\n", ns[k], tm.med, tm.med / (double)ns[k] * 1e6);
            printf("RESULT linear n=%zu s_per_epoch=%.6e\n", ns[k], tm.med);
        }

        timing one = time_config(b, 0, 2, budget);
        double two[2] = {NAN, NAN};
        double t2 = time_two_at_once(b, 2, budget, two);
        double factor = 2.0 * one.med / t2;
        printf("\n2 runs at once (config B, 2 processes): %.3e and %.3e s/epoch vs %.3e alone: "
               "throughput x%.2f\n",
               two[0], two[1], one.med, factor);
        printf("RESULT two_at_once one=%.6e two=%.6e factor=%.4f\n", one.med, t2, factor);

        openblas_set_num_threads(2);
        timing th2 = time_config(b, 0, 2, budget);
        openblas_set_num_threads(1);
        printf("OpenBLAS 2 threads, one run (config B): %.3e s/epoch vs %.3e on 1: x%.2f\n",
               th2.med, one.med, one.med / th2.med);
        printf("RESULT blas_threads one=%.6e two=%.6e speedup=%.4f\n", one.med, th2.med,
               one.med / th2.med);
        fflush(stdout);

        if (workload) {
            printf("\nTable 2 workload (20 splits x 4500 epochs per data set and objective):\n"
                   "%-9s %6s %3s %11s %11s %11s %12s\n",
                   "data set", "N", "D", "lb s/ep", "iw s/ep", "tail s/ep", "1-core hours");
            static const sn_objective objs[] = {SN_OBJ_LB, SN_OBJ_IW, SN_OBJ_TAIL};
            double total = 0.0;
            for (size_t u = 0; u < sizeof uci / sizeof uci[0]; u++) {
                double ep[3] = {0};
                double sum = 0.0;
                for (size_t o = 0; o < 3; o++) {
                    config c = {uci[u].name, "", uci[u].n, uci[u].d, false, objs[o]};
                    timing tm = time_config(&c, 0, uci[u].n < 1000 ? 10 : 2,
                                            quick ? 0.2 : 0.6);
                    ep[o] = tm.ok ? tm.med : NAN;
                    sum += ep[o];
                }
                double secs = 20.0 * 4500.0 * sum;
                total += secs;
                printf("%-9s %6zu %3zu %11.3e %11.3e %11.3e %12.3f\n", uci[u].name, uci[u].n,
                       uci[u].d, ep[0], ep[1], ep[2], secs / 3600.0);
                printf("RESULT workload set=%s n=%zu d=%zu lb=%.6e iw=%.6e tail=%.6e\n",
                       uci[u].name, uci[u].n, uci[u].d, ep[0], ep[1], ep[2]);
            }
            printf("total: %.1f core-minutes; on 2 cores (2 runs at once, x%.2f): %.1f minutes\n",
                   total / 60.0, factor, total / 60.0 / factor);
            printf("RESULT workload_total core_seconds=%.3f factor=%.4f wall_minutes=%.3f\n",
                   total, factor, total / 60.0 / factor);
        }
    }
    return 0;
}
