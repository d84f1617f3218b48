/*
 * own_loop.c — a training loop of one's own around sn_trainer_epoch, with a progress callback,
 * against the installed library:
 *
 *   cc own_loop.c $(pkg-config --cflags --libs shrinknet) -o own_loop
 *   ./own_loop [epochs]
 *
 * Trains variational EM with an ARD prior on Friedman #1 (10 inputs, the last 5 irrelevant,
 * made by the library), stops early when the training objective has not improved for 50 epochs,
 * and prints each input's learned prior variance: the irrelevant ones shrink.
 */
#include <shrinknet.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Called by sn_train for every epoch; here by the loop below. Nonzero stops. */
static int report(const sn_progress *pr, void *user)
{
    (void)user;
    if (pr->epoch % 100 == 0 || pr->epoch == pr->n_epochs)
        fprintf(stderr, "epoch %zu/%zu  objective (maximised) %.4f  train rmse %.4f  %.1fs\n",
                pr->epoch, pr->n_epochs, pr->objective, pr->rmse, pr->seconds);
    return 0;
}

int main(int argc, char **argv)
{
    sn_error err = {0};
    sn_data *d = NULL;
    sn_trainer *t = NULL;
    sn_model *m = NULL;
    int rc = 1;
    size_t n_epochs = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 400;

    if (sn_data_friedman1(/*n_rows=*/500, /*n_cols=*/10, /*noise_sd=*/1.0, /*seed=*/7, &d, &err) != SN_OK)
        goto fail;
    sn_train_params p;
    sn_train_params_default(&p);
    p.method = SN_METHOD_VEM;
    p.prior = SN_PRIOR_ARD;
    p.n_epochs = n_epochs;
    if (sn_trainer_new(&p, d, &t, &err) != SN_OK)
        goto fail;
    double best = -INFINITY;
    size_t since_best = 0;
    for (size_t e = 0; e < n_epochs && since_best < 50; e++) {
        sn_progress pr;
        if (sn_trainer_epoch(t, &pr, &err) != SN_OK)
            goto fail;
        report(&pr, NULL);
        if (pr.objective > best) {
            best = pr.objective;
            since_best = 0;
        } else {
            since_best++;
        }
    }
    if (sn_trainer_model(t, &m, &err) != SN_OK)
        goto fail;
    sn_layer_view first;
    if (sn_model_layer(m, 0, &first, &err) != SN_OK)
        goto fail;
    printf("input,prior_variance\n");
    for (size_t r = 0; r < first.n_in; r++)
        printf("x%zu,%.4g\n", r, first.row_var[r]);
    rc = 0;
fail:
    if (rc)
        fprintf(stderr, "%s: %s\n", argv[0], err.msg);
    sn_model_free(m);
    sn_trainer_free(t);
    sn_data_free(d);
    return rc;
}
