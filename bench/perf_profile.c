/*
 * perf_profile.c — a fixed amount of training for profilers (docs/performance.md):
 *
 *   valgrind --tool=callgrind build/bench/perf_profile B 2
 *   perf record -g build/bench/perf_profile B 200
 *
 * trains configuration A, B or C of bench/perf.c (tail-adaptive MC dropout, 1 x 50, S = 10,
 * batch 32, Bernoulli keep 0.995, shapes yacht / power / kin8nm) for the given number of epochs
 * on the same synthetic data, and prints the final training RMSE and the wall time, so that
 * profiles of different builds can be compared instruction for instruction.
 */
#include "shrinknet.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
    if (argc != 3 || strlen(argv[1]) != 1 || !strchr("ABC", argv[1][0])) {
        fprintf(stderr, "usage: %s A|B|C EPOCHS\n", argv[0]);
        return 2;
    }
    static const size_t ns[] = {277, 8611, 7373}, ds[] = {6, 4, 8};
    int k = argv[1][0] - 'A';
    size_t n = ns[k], d = ds[k];
    size_t n_epochs = (size_t)strtoul(argv[2], NULL, 10);

    /* The data of bench/perf.c's synthetic(). */
    sn_rng *r = sn_rng_new(7, 0x7065726655ULL);
    double *x = malloc(n * d * sizeof *x), *y = malloc(n * sizeof *y);
    if (!r || !x || !y)
        return 1;
    for (size_t i = 0; i < n; i++) {
        double s = 0.0;
        for (size_t j = 0; j < d; j++) {
            x[i * d + j] = sn_rng_normal(r);
            s += sin(x[i * d + j] * (double)(j + 1) * 0.7) / (double)(j + 1);
        }
        y[i] = s + 0.3 * x[i * d] * x[i * d] + 0.1 * sn_rng_normal(r);
    }
    sn_data *data = NULL;
    sn_error err = {0};
    if (sn_data_new(x, y, n, d, &data, &err) != SN_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    sn_train_params p;
    sn_train_params_default(&p);
    p.objective = SN_OBJ_TAIL;
    p.n_hidden = 50;
    p.n_layers = 1;
    p.n_samples = 10;
    p.batch_size = 32;
    p.n_epochs = n_epochs;
    sn_noise_parse("bernoulli:0.995", &p.noise, NULL);
    sn_trainer *t = NULL;
    if (sn_trainer_new(&p, data, &t, &err) != SN_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sn_progress info = {0};
    for (size_t e = 0; e < n_epochs; e++)
        if (sn_trainer_epoch(t, &info, &err) != SN_OK) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    printf("config %c: %zu epochs, training RMSE %.6f, objective %.6f, %.3f s (%.2f us/step)\n",
           argv[1][0], n_epochs, info.rmse, info.objective, secs,
           secs / (double)n_epochs / (double)((n + 31) / 32) * 1e6);
    sn_trainer_free(t);
    sn_data_free(data);
    sn_rng_free(r);
    free(x);
    free(y);
    return 0;
}
