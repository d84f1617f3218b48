/*
 * scheduler.c — which unit runs next and what becomes of it, for every driver of a run:
 *   steps      sn_bench_take (the longest ready unit, with a test unit's grid choice made),
 *              sn_bench_give_back, and sn_bench_record (check the line is the unit's, append
 *              it, report it); sn_bench_run_job (run.c) sits between take and record.
 *   scheduler  sn_bench_sched: those steps behind one lock with the stop flag and the first
 *              fatal error, a worker loop (sn_bench_sched_work) and the calls a driver that
 *              moves jobs itself uses (take, finish): the CLI's MPI front end is such a driver.
 *   pool       sn_bench_run: a scheduler and n_jobs worker threads.
 */
#include "bench/bench.h"

#include <errno.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How long a worker waiting for grid units sleeps before it looks at the stop flag again, in
 * ms: finish wakes it at once; the timeout only bounds the wait for a stop from outside. */
#define WAIT_MS 100

/* ========================================================================================== */
/* The steps                                                                                  */
/* ========================================================================================== */

/* Whether the grid units of test unit i are all done. */
static bool grid_done(const sn_bench *b, size_t i)
{
    size_t n_grid = b->cfg[b->u[i].cfg].n_grid;
    for (size_t k = i - n_grid; k < i; k++)
        if (b->u[k].state != U_DONE)
            return false;
    return true;
}

/* The next unit to run, or SIZE_MAX; *any_left says whether units remain. Longest first (by
 * the cost estimate, ties to the lowest index): the last units to finish are then short ones
 * and the workers run out of work together. */
static size_t pick_unit(const sn_bench *b, bool *any_left)
{
    *any_left = false;
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < b->n_units; i++) {
        const bench_unit *u = &b->u[i];
        if (u->state == U_DONE)
            continue;
        *any_left = true;
        if (u->state == U_RUNNING)
            continue;
        if (u->grid < 0 && !grid_done(b, i))
            continue;
        if (best == SIZE_MAX || u->cost > b->u[best].cost)
            best = i;
    }
    return best;
}

/* The settings of unit i: a grid point's, or for a test unit the chosen one. */
static void prepare_job(const sn_bench *b, size_t i, sn_bench_job *job)
{
    const bench_unit *u = &b->u[i];
    const bench_cfg *c = &b->cfg[u->cfg];
    memset(job, 0, sizeof *job);
    job->unit = i;
    job->chosen = -1;
    job->valid_ll = NAN;
    size_t g = 0;
    if (u->grid >= 0) {
        g = (size_t)u->grid;
    } else if (c->n_grid > 0) {
        /* Gal: the best validation log-likelihood; ties go to the lowest index. */
        size_t first = i - c->n_grid;
        const char *first_err = NULL;
        double best = -INFINITY;
        int chosen = -1;
        for (size_t k = 0; k < c->n_grid; k++) {
            const bench_unit *gu = &b->u[first + k];
            if (gu->is_ok && isfinite(gu->valid_ll) && gu->valid_ll > best) {
                best = gu->valid_ll;
                chosen = (int)k;
            }
            if (!gu->is_ok && !first_err)
                first_err = gu->error;
        }
        if (chosen < 0) {
            snprintf(job->why, sizeof job->why,
                     "no grid point gave a finite validation log-likelihood%s%s",
                     first_err ? "; the first error: " : "", first_err ? first_err : "");
        } else {
            job->chosen = chosen;
            job->valid_ll = best;
            g = (size_t)chosen;
        }
    }
    job->keep = c->keeps[g / c->n_taus];
    job->tau = c->taus[g % c->n_taus];
}

/* The run's clock starts with its first unit handed out or recorded (sn_bench_run resets it). */
static void mark_started(sn_bench *b)
{
    if (!b->started) {
        b->started = true;
        b->t0 = bench_now();
    }
}

bool sn_bench_take(sn_bench *b, sn_bench_job *job, bool *any_left)
{
    bool left = false;
    size_t i = b && job ? pick_unit(b, &left) : SIZE_MAX;
    if (any_left)
        *any_left = left;
    if (i == SIZE_MAX)
        return false;
    mark_started(b);
    prepare_job(b, i, job);
    b->u[i].state = U_RUNNING;
    return true;
}

void sn_bench_give_back(sn_bench *b, const sn_bench_job *job)
{
    if (b && job && job->unit < b->n_units && b->u[job->unit].state == U_RUNNING)
        b->u[job->unit].state = U_TODO;
}

static double remaining_cost(const sn_bench *b)
{
    double c = 0.0;
    for (size_t i = 0; i < b->n_units; i++)
        if (b->u[i].state != U_DONE)
            c += b->u[i].cost;
    return c;
}

sn_status sn_bench_record(sn_bench *b, const sn_bench_job *job, const char *line,
                          sn_bench_unit_fn on_unit, void *user, int *stop, sn_error *err)
{
    if (stop)
        *stop = 0;
    if (!b || !job || !line)
        return sn_fail(err, SN_EINVAL, "sn_bench_record: NULL argument");
    if (b->fd < 0)
        return sn_fail(err, SN_EINVAL, "sn_bench_record: no results file (sn_bench_resume first)");
    if (job->unit >= b->n_units || b->u[job->unit].state != U_RUNNING)
        return sn_fail(err, SN_EINVAL, "sn_bench_record: unit %llu was not handed out",
                       (unsigned long long)job->unit);
    bench_unit *u = &b->u[job->unit];
    const bench_cfg *c = &b->cfg[u->cfg];
    size_t len = strlen(line);
    /* The line must be this unit's, whole, and readable by the resume: a worker of another
     * plan (other data, another build) is refused here rather than written to the file. */
    char what[64];
    snprintf(what, sizeof what, "result of unit %llu", (unsigned long long)job->unit);
    record r;
    record_init(&r);
    sn_status st = SN_OK;
    if (len < 2 || line[len - 1] != '\n' || memchr(line, '\n', len - 1)) {
        st = sn_fail(err, SN_EDATA, "%s: not one line", what);
        goto out;
    }
    if ((st = record_parse(line, len - 1, what, 1, &r, err)) != SN_OK)
        goto out;
    if (strcmp(r.dataset, b->ds[c->ds].name) != 0 || strcmp(r.method, b->meth[c->meth].name) != 0 ||
        r.split != u->split || r.grid != u->grid || strcmp(r.config, c->config) != 0) {
        st = sn_fail(err, SN_EDATA,
                     "%s is for %s split %zu %s grid %d config %s, not %s split %zu %s grid %d "
                     "config %s (another plan?)", what, r.dataset, r.split, r.method, r.grid,
                     r.config, b->ds[c->ds].name, u->split, b->meth[c->meth].name, u->grid,
                     c->config);
        goto out;
    }
    if ((st = bench_append_line(b, line, len, err)) != SN_OK)
        goto out;
    bench_unit_take_record(u, &r);
    u->state = U_DONE;
    b->n_done++;
    if (r.is_ok)
        b->done_cost += u->cost;
    mark_started(b);
    double elapsed = bench_now() - b->t0, left = remaining_cost(b);
    sn_bench_event ev;
    ev.dataset = b->ds[c->ds].name;
    ev.method = b->meth[c->meth].name;
    ev.split = u->split;
    ev.grid = u->grid;
    ev.n_grid = c->n_grid;
    ev.is_ok = r.is_ok;
    ev.error = r.is_ok ? NULL : (r.error ? r.error : "error");
    ev.rmse = r.rmse;
    ev.ll = r.ll;
    ev.seconds = r.seconds;
    ev.n_done = b->n_done;
    ev.n_total = b->n_units;
    ev.elapsed = elapsed;
    ev.eta = b->done_cost > 0 ? left * elapsed / b->done_cost : (left == 0 ? 0.0 : NAN);
    /* The line without its newline (the copy the parser made is the record; this is the text). */
    char *shown = sn_strdup(line);
    if (shown)
        shown[len - 1] = 0;
    ev.line = shown ? shown : "";
    int rc = on_unit ? on_unit(&ev, user) : 0;
    if (stop)
        *stop = rc;
    free(shown);
out:
    if (st != SN_OK)
        u->state = U_TODO; /* not recorded: the unit runs again later */
    record_free(&r);
    return st;
}

/* ========================================================================================== */
/* The scheduler: the steps behind one lock                                                   */
/* ========================================================================================== */

struct sn_bench_sched {
    sn_bench *b;
    pthread_mutex_t mu;   /* guards b, fatal and fatal_err */
    pthread_cond_t cv;    /* a unit finished or the run stops */
    sn_bench_unit_fn on_unit;
    sn_bench_cancel_fn cancel;
    void *user;
    atomic_bool stop;     /* read by training callbacks without the lock */
    sn_status fatal;
    sn_error fatal_err;
    gsl_error_handler_t *old_handler;
};

sn_status sn_bench_sched_new(sn_bench *b, sn_bench_unit_fn on_unit, sn_bench_cancel_fn cancel,
                             void *user, sn_bench_sched **out, sn_error *err)
{
    if (!out)
        return sn_fail(err, SN_EINVAL, "sn_bench_sched_new: out is NULL");
    *out = NULL;
    if (!b)
        return sn_fail(err, SN_EINVAL, "sn_bench_sched_new: b is NULL");
    if (b->fd < 0)
        return sn_fail(err, SN_EINVAL, "no results file (sn_bench_resume first)");
    bool has_mutex = false;
    sn_bench_sched *s = calloc(1, sizeof *s);
    if (!s || pthread_mutex_init(&s->mu, NULL) != 0)
        goto fail;
    has_mutex = true;
    if (pthread_cond_init(&s->cv, NULL) != 0)
        goto fail;
    s->b = b;
    s->on_unit = on_unit;
    s->cancel = cancel;
    s->user = user;
    atomic_init(&s->stop, false);
    /* The run's clock starts now. */
    b->started = true;
    b->t0 = bench_now();
    b->done_cost = 0.0;
    /* GSL's error handler is process-wide and some routines switch it off and back on around
     * a call; with several threads doing so, one could restore "abort" while another still
     * relies on "off". Switched off for the whole run, every save/restore pair is harmless. */
    s->old_handler = gsl_set_error_handler_off();
    *out = s;
    return SN_OK;
fail:
    if (has_mutex)
        pthread_mutex_destroy(&s->mu);
    free(s);
    return sn_fail(err, SN_ENOMEM, "out of memory creating the scheduler");
}

void sn_bench_sched_free(sn_bench_sched *s)
{
    if (!s)
        return;
    gsl_set_error_handler(s->old_handler);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

int sn_bench_sched_cancel(void *user)
{
    sn_bench_sched *s = user;
    if (atomic_load(&s->stop))
        return 1;
    if (s->cancel && s->cancel(s->user)) {
        atomic_store(&s->stop, true);
        return 1;
    }
    return 0;
}

/* Lock held. The first fatal error stops the run. */
static void set_fatal(sn_bench_sched *s, sn_status st, const sn_error *e)
{
    if (s->fatal == SN_OK) {
        s->fatal = st;
        s->fatal_err.code = st;
        snprintf(s->fatal_err.msg, sizeof s->fatal_err.msg, "%s",
                 e && e->msg[0] ? e->msg : sn_status_str(st));
    }
    atomic_store(&s->stop, true);
}

void sn_bench_sched_stop(sn_bench_sched *s, sn_status st, const char *why)
{
    pthread_mutex_lock(&s->mu);
    if (st != SN_OK) {
        sn_error e = {st, ""};
        snprintf(e.msg, sizeof e.msg, "%s", why ? why : "");
        set_fatal(s, st, &e);
    }
    atomic_store(&s->stop, true);
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* Lock held. */
static sn_bench_next take_locked(sn_bench_sched *s, sn_bench_job *job)
{
    if (sn_bench_sched_cancel(s) || s->fatal != SN_OK)
        return SN_BENCH_END;
    bool any_left = false;
    if (sn_bench_take(s->b, job, &any_left))
        return SN_BENCH_GOT;
    return any_left ? SN_BENCH_WAIT : SN_BENCH_END;
}

sn_bench_next sn_bench_sched_take(sn_bench_sched *s, sn_bench_job *job)
{
    pthread_mutex_lock(&s->mu);
    sn_bench_next next = take_locked(s, job);
    pthread_mutex_unlock(&s->mu);
    return next;
}

/* Lock held. */
static void finish_locked(sn_bench_sched *s, const sn_bench_job *job, sn_status run_status,
                          const char *line, const sn_error *run_err)
{
    if (run_status != SN_OK) {
        sn_bench_give_back(s->b, job);
        set_fatal(s, run_status, run_err);
    } else if (!line || atomic_load(&s->stop) || s->fatal != SN_OK) {
        /* Cancelled, or the run is stopping: not recorded, the unit runs again next time. */
        sn_bench_give_back(s->b, job);
    } else {
        int stop = 0;
        sn_error e = {0};
        sn_status st = sn_bench_record(s->b, job, line, s->on_unit, s->user, &stop, &e);
        if (st != SN_OK)
            set_fatal(s, st, &e);
        else if (stop)
            atomic_store(&s->stop, true);
    }
    pthread_cond_broadcast(&s->cv);
}

void sn_bench_sched_finish(sn_bench_sched *s, const sn_bench_job *job, sn_status run_status,
                           const char *line, const sn_error *run_err)
{
    pthread_mutex_lock(&s->mu);
    finish_locked(s, job, run_status, line, run_err);
    pthread_mutex_unlock(&s->mu);
}

void sn_bench_sched_work(sn_bench_sched *s)
{
    pthread_mutex_lock(&s->mu);
    for (;;) {
        sn_bench_job job;
        sn_bench_next next = take_locked(s, &job);
        if (next == SN_BENCH_END)
            break;
        if (next == SN_BENCH_WAIT) {
            /* Test units wait for their grid units, which other workers are running. */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += WAIT_MS * 1000000L;
            ts.tv_sec += ts.tv_nsec / 1000000000L;
            ts.tv_nsec %= 1000000000L;
            pthread_cond_timedwait(&s->cv, &s->mu, &ts);
            continue;
        }
        pthread_mutex_unlock(&s->mu);
        char *line = NULL;
        sn_error e = {0};
        sn_status st = sn_bench_run_job(s->b, &job, sn_bench_sched_cancel, s, &line, &e);
        pthread_mutex_lock(&s->mu);
        finish_locked(s, &job, st, line, &e);
        free(line);
    }
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

sn_status sn_bench_sched_status(sn_bench_sched *s, sn_error *err)
{
    pthread_mutex_lock(&s->mu);
    sn_status st = s->fatal;
    if (st != SN_OK && err)
        *err = s->fatal_err;
    pthread_mutex_unlock(&s->mu);
    return st;
}

/* ========================================================================================== */
/* The pool: n_jobs workers on threads                                                        */
/* ========================================================================================== */

static void *worker(void *arg)
{
    sn_bench_sched_work(arg);
    return NULL;
}

sn_status sn_bench_run(sn_bench *b, size_t n_jobs, sn_bench_unit_fn on_unit,
                       sn_bench_cancel_fn cancel, void *user, sn_error *err)
{
    if (!b)
        return sn_fail(err, SN_EINVAL, "sn_bench_run: b is NULL");
    if (b->fd < 0)
        return sn_fail(err, SN_EINVAL, "sn_bench_run: no results file (sn_bench_resume first)");
    if (n_jobs < 1)
        n_jobs = 1;
    if (n_jobs > 1024)
        return sn_fail(err, SN_EINVAL, "jobs must be in [1, 1024], got %zu", n_jobs);
    sn_bench_sched *s = NULL;
    pthread_t *th = NULL;
    sn_status st = sn_bench_sched_new(b, on_unit, cancel, user, &s, err);
    if (st != SN_OK)
        return st;
    if (n_jobs == 1) {
        sn_bench_sched_work(s);
    } else if (!(th = sn_calloc(n_jobs, sizeof *th))) {
        st = sn_fail(err, SN_ENOMEM, "out of memory");
        goto out;
    } else {
        size_t n_started = 0;
        for (; n_started < n_jobs; n_started++)
            if (pthread_create(&th[n_started], NULL, worker, s) != 0)
                break;
        if (n_started == 0)
            sn_bench_sched_work(s); /* no thread could start: run here */
        for (size_t i = 0; i < n_started; i++)
            pthread_join(th[i], NULL);
    }
    st = sn_bench_sched_status(s, err);
out:
    free(th);
    sn_bench_sched_free(s);
    return st;
}
