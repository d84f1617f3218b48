/*
 * model/method.h — a training method as one unit behind one interface, as GSL's minimisers are
 * gsl_multimin_fdfminimizer_types: the training driver (train.c) and prediction (predict.c)
 * call these operations and never ask which method they run.
 *
 * Methods: Monte Carlo noise networks (method_mc.c) and the authors' configuration of them
 * (method_mc_authors.c), the exact variational EM and the authors' variant of it
 * (method_vem.c, with vem/vem_authors.c). sn_method_ops_of (method.c) is the one
 * place that maps the parameters to a method.
 *
 * A method's parameter vector par is laid out as n_blocks copies of the model's parameter
 * layout (MC: theta; EM: mu then rho), followed by the trainer's log kappa.
 */
#ifndef SN_METHOD_H
#define SN_METHOD_H

#include "core/core.h"

/* The noise precision of the authors' dropout code in training, standardised units of y
 * (MATH.md §7.9); their EM nets use SN_AUTHORS_TRAIN_PRECISION (vem/vem.h). */
#define SN_AUTHORS_MC_PRECISION 10.0

/* A method's workspace for passes of up to cap_rows rows (rows are (point, sample) pairs,
 * point-major: row i = n·S + s), sized once. The driver fills in, runs forward, reads out, writes
 * seed = ∂Obj/∂output, runs backward. */
typedef struct {
    void *ws;          /* the method's own workspace */
    double *in;        /* [cap_rows][n_in] input rows, standardised */
    const double *out; /* [cap_rows][n_out] output of the last forward pass */
    double *seed;      /* [cap_rows][n_out] ∂Obj/∂output before backward */
    double *coef;      /* [n_layers] weight-penalty coefficients (MC nets, (18), (23)), or NULL */
    double *scratch;   /* [max layer width] for the scale updates */
} sn_pass;

typedef struct {
    const char *name;
    size_t n_blocks; /* copies of the parameter layout in par: 1 (theta) or 2 (mu, rho) */
    /* Whether every sample differs even without noise (EM nets draw weights). */
    bool is_stochastic;
    /* Whether the precision of a Gaussian likelihood may be learned (the authors' EM fixes its
     * own, SN_AUTHORS_TRAIN_PRECISION). */
    bool can_learn_precision;
    /* The objective whose sample weights (17)-(22) combine the S samples of a point. */
    sn_objective (*objective)(const sn_train_params *p);
    /* The authors' departures of the training loop (MATH.md §7.9), false for the exact methods:
     * tail-adaptive ties broken by sample order; TensorFlow's form of Adam; only ⌊N/B⌋ full
     * minibatches per epoch (the remainder dropped). */
    bool is_ties_by_order, is_tf_adam, is_full_batches_only;

    /* init: workspace for cap_rows rows and n_samples samples per point; n_data training rows
     * (for the penalty and KL scaling). */
    sn_status (*pass_init)(const sn_model *m, size_t cap_rows, size_t n_samples, size_t n_data,
                           sn_pass *ps, sn_error *err);
    void (*pass_free)(sn_pass *ps);
    /* init: the starting parameters par [n_blocks · n_params], drawing from rng. */
    void (*init)(const sn_model *m, double *par, sn_rng *rng);
    /* The log precision training uses, given the one in par (standardised units). */
    double (*train_log_kappa)(double log_kappa);

    /* step: forward pass of rows rows in ps->in with n_samples per point and noise from rng;
     * may update the model's scales first (the EM's E-step (29)-(32)). */
    sn_status (*forward)(sn_model *m, const double *par, sn_pass *ps, size_t rows,
                         size_t n_samples, sn_rng *rng, sn_error *err);
    /* step: backward pass from ps->seed into grad [n_blocks · n_params] (overwritten), plus the
     * prior or penalty term of the per-datum objective: its gradient is added to grad, and
     * value (the data term) plus the term is returned. */
    double (*backward)(sn_model *m, const double *par, sn_pass *ps, size_t rows,
                       size_t n_samples, size_t n_data, double value, double *grad);

    /* save-state: the trained parameters par (and log kappa) into model m, with whatever the
     * method keeps beside them (the EM's scales); the user's parameters p. grad_scratch is
     * [n_blocks · n_params] of scratch. */
    sn_status (*save)(sn_model *m, const double *par, double log_kappa, const sn_train_params *p,
                      sn_pass *ps, double *grad_scratch, sn_error *err);

    /* predict-draw: one draw of the network for rows rows of ps->in, from model m's own
     * parameters; output in ps->out. */
    void (*draw)(const sn_model *m, sn_pass *ps, size_t rows, sn_rng *rng);
} sn_method_ops;

/* The MC noise network's objective and passes (method_mc.c), shared by the authors'
 * configuration of it. */
sn_objective sn_mc_objective(const sn_train_params *p);
sn_status sn_mc_pass_init(const sn_model *m, size_t cap_rows, size_t n_samples, size_t n_data,
                          sn_pass *ps, sn_error *err);
void sn_mc_pass_free(sn_pass *ps);
sn_status sn_mc_forward(sn_model *m, const double *par, sn_pass *ps, size_t rows,
                        size_t n_samples, sn_rng *rng, sn_error *err);
double sn_mc_backward(sn_model *m, const double *par, sn_pass *ps, size_t rows, size_t n_samples,
                      size_t n_data, double value, double *grad);
void sn_mc_draw(const sn_model *m, sn_pass *ps, size_t rows, sn_rng *rng);

/* The method that trains and predicts with parameters p. Never NULL. */
const sn_method_ops *sn_method_ops_of(const sn_train_params *p);

extern const sn_method_ops sn_method_mc;
extern const sn_method_ops sn_method_mc_authors;
extern const sn_method_ops sn_method_vem;
extern const sn_method_ops sn_method_vem_authors;

#endif /* SN_METHOD_H */
