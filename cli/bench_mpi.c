/*
 * bench_mpi.c — the benchmark harness across MPI ranks: rank 0 alone owns the plan's state and the
 * results file; every rank (rank 0 on a thread of its own) asks it for work and sends back the
 * results line of the unit it ran. Only rank 0's main thread calls MPI (MPI_THREAD_FUNNELED).
 *
 * Messages (MPI_BYTE, tags below). A request (any rank -> 0) is a request header, the job it
 * answers and, for a result, the results line (without a terminating 0). A reply (0 -> rank)
 * is a job to run or, with TAG_STOP and no data, the end. Every rank waits by polling
 * (MPI_Iprobe, then a short sleep) rather than in MPI_Recv, which busy-waits in Open MPI and
 * would take a core from a rank that computes.
 */
#include "bench_mpi.h"

#include "common.h"

#ifndef SN_MPI

void cli_mpi_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
}

void cli_mpi_finalize(void) {}

int cli_mpi_rank(void)
{
    return 0;
}

int cli_mpi_size(void)
{
    return 1;
}

bool cli_mpi_all_ok(bool ok, bool *root_ok)
{
    if (root_ok)
        *root_ok = ok;
    return ok;
}

bool cli_mpi_same_plan(const sn_bench *b)
{
    (void)b;
    return true;
}

sn_status cli_mpi_bench_run(sn_bench *b, sn_bench_unit_fn on_unit, sn_bench_cancel_fn cancel,
                            void *user, sn_error *err)
{
    return sn_bench_run(b, 1, on_unit, cancel, user, err);
}

#else

#include <mpi.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { TAG_REQUEST = 1, TAG_JOB = 2, TAG_STOP = 3 };

/* What a request says. */
enum {
    REQ_READY = 0,  /* idle: give me a job */
    REQ_RESULT = 1, /* the job ran: its line follows; give me another */
    REQ_LEAVE = 2,  /* the job was cancelled (give it back) and I stop */
    REQ_FAIL = 3    /* the job could not run (out of memory...): the message follows */
};

typedef struct {
    int32_t kind;
    int32_t reserved;
    sn_bench_job job;
} request;

static int g_rank = 0, g_size = 1;

void cli_mpi_init(int *argc, char ***argv)
{
    int provided = 0;
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
}

void cli_mpi_finalize(void)
{
    MPI_Finalize();
}

int cli_mpi_rank(void)
{
    return g_rank;
}

int cli_mpi_size(void)
{
    return g_size;
}

bool cli_mpi_all_ok(bool ok, bool *root_ok)
{
    int mine = ok ? 1 : 0, all = 0, root = mine;
    MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    MPI_Bcast(&root, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (root_ok)
        *root_ok = root != 0;
    return all != 0;
}

bool cli_mpi_same_plan(const sn_bench *b)
{
    uint64_t mine = sn_bench_plan_hash(b), root = mine;
    MPI_Bcast(&root, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    bool same = root == mine;
    if (!same)
        fprintf(stderr, "shrinknet bench: rank %d planned another benchmark than rank 0 (other "
                        "data, options or build?)\n", g_rank);
    return cli_mpi_all_ok(same, NULL);
}

static void nap(long microseconds)
{
    struct timespec ts = {microseconds / 1000000, (microseconds % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

/* Wait for a message from `source` with any tag without spinning; its status in *st. */
static void wait_message(int source, MPI_Status *st)
{
    for (;;) {
        int flag = 0;
        MPI_Iprobe(source, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, st);
        if (flag)
            return;
        nap(1000);
    }
}

static char *dup_text(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* ------------------------------------------------------------------------------------------ */
/* Ranks other than 0                                                                         */
/* ------------------------------------------------------------------------------------------ */

static sn_status send_request(int32_t kind, const sn_bench_job *job, const char *text)
{
    size_t n = text ? strlen(text) : 0;
    char *buf = malloc(sizeof(request) + n);
    if (!buf)
        return SN_ENOMEM;
    request h;
    memset(&h, 0, sizeof h);
    h.kind = kind;
    if (job)
        h.job = *job;
    memcpy(buf, &h, sizeof h);
    if (n)
        memcpy(buf + sizeof h, text, n);
    MPI_Send(buf, (int)(sizeof h + n), MPI_BYTE, 0, TAG_REQUEST, MPI_COMM_WORLD);
    free(buf);
    return SN_OK;
}

static sn_status follower(const sn_bench *b, sn_bench_cancel_fn cancel, void *user,
                          sn_error *err)
{
    sn_bench_job job;
    int32_t kind = REQ_READY;
    char *text = NULL;
    sn_status result = SN_OK;
    for (;;) {
        if (send_request(kind, &job, text) != SN_OK) {
            /* Not even the request fits: tell rank 0 in the fewest bytes and stop. */
            free(text);
            text = NULL;
            send_request(REQ_FAIL, &job, NULL);
            result = cli_err(err, SN_ENOMEM, "rank %d: out of memory", g_rank);
            kind = REQ_FAIL;
        }
        free(text);
        text = NULL;
        MPI_Status st;
        wait_message(0, &st);
        if (st.MPI_TAG == TAG_STOP) {
            MPI_Recv(NULL, 0, MPI_BYTE, 0, TAG_STOP, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            break;
        }
        MPI_Recv(&job, (int)sizeof job, MPI_BYTE, 0, TAG_JOB, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        sn_error e = {0};
        sn_status rs = sn_bench_run_job(b, &job, cancel, user, &text, &e);
        if (rs != SN_OK) {
            result = rs;
            if (err)
                *err = e;
            free(text);
            text = dup_text(e.msg);
            kind = REQ_FAIL;
        } else {
            kind = text ? REQ_RESULT : REQ_LEAVE;
        }
    }
    free(text);
    return result;
}

/* ------------------------------------------------------------------------------------------ */
/* Rank 0                                                                                     */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    sn_bench *b;
    pthread_mutex_t mu; /* guards b and the fields below */
    sn_bench_unit_fn on_unit;
    sn_bench_cancel_fn cancel;
    void *user;
    atomic_bool stop;
    atomic_bool local_done;
    sn_status fatal;
    sn_error fatal_err;
} leader;

static int leader_cancel(void *user)
{
    leader *L = user;
    if (atomic_load(&L->stop))
        return 1;
    if (L->cancel && L->cancel(L->user)) {
        atomic_store(&L->stop, true);
        return 1;
    }
    return 0;
}

/* Lock held. */
static void leader_record(leader *L, const sn_bench_job *job, const char *line)
{
    int stop = 0;
    sn_error e = {0};
    sn_status st = sn_bench_record(L->b, job, line, L->on_unit, L->user, &stop, &e);
    if (st != SN_OK && L->fatal == SN_OK) {
        L->fatal = st;
        L->fatal_err = e;
    }
    if (st != SN_OK || stop)
        atomic_store(&L->stop, true);
}

/* Lock held. */
static void leader_fail(leader *L, sn_status st, const char *msg)
{
    if (L->fatal == SN_OK) {
        L->fatal = st;
        L->fatal_err.code = st;
        snprintf(L->fatal_err.msg, sizeof L->fatal_err.msg, "%s", msg);
    }
    atomic_store(&L->stop, true);
}

/* Rank 0's own worker. */
static void *local_worker(void *arg)
{
    leader *L = arg;
    pthread_mutex_lock(&L->mu);
    for (;;) {
        if (leader_cancel(L))
            break;
        sn_bench_job job;
        bool any_left;
        if (!sn_bench_take(L->b, &job, &any_left)) {
            if (!any_left)
                break;
            /* Waiting for grid units that other ranks run. */
            pthread_mutex_unlock(&L->mu);
            nap(5000);
            pthread_mutex_lock(&L->mu);
            continue;
        }
        pthread_mutex_unlock(&L->mu);
        char *line = NULL;
        sn_error e = {0};
        sn_status st = sn_bench_run_job(L->b, &job, leader_cancel, L, &line, &e);
        pthread_mutex_lock(&L->mu);
        if (st != SN_OK) {
            sn_bench_give_back(L->b, &job);
            leader_fail(L, st, e.msg);
        } else if (!line || atomic_load(&L->stop)) {
            sn_bench_give_back(L->b, &job);
        } else {
            leader_record(L, &job, line);
        }
        free(line);
    }
    pthread_mutex_unlock(&L->mu);
    atomic_store(&L->local_done, true);
    return NULL;
}

static sn_status leader_run(sn_bench *b, sn_bench_unit_fn on_unit, sn_bench_cancel_fn cancel,
                            void *user, sn_error *err)
{
    leader L;
    memset(&L, 0, sizeof L);
    L.b = b;
    L.on_unit = on_unit;
    L.cancel = cancel;
    L.user = user;
    atomic_init(&L.stop, false);
    atomic_init(&L.local_done, false);
    if (pthread_mutex_init(&L.mu, NULL) != 0)
        return cli_err(err, SN_ENOMEM, "cannot create a mutex");
    bool *idle = calloc((size_t)g_size, sizeof *idle);
    if (!idle) {
        pthread_mutex_destroy(&L.mu);
        return cli_err(err, SN_ENOMEM, "out of memory");
    }
    pthread_t th;
    bool threaded = pthread_create(&th, NULL, local_worker, &L) == 0;
    if (!threaded)
        atomic_store(&L.local_done, true); /* the other ranks do the work */
    int n_active = g_size - 1;
    char *buf = NULL;
    size_t cap = 0;
    while (n_active > 0 || !atomic_load(&L.local_done)) {
        bool busy = false;
        int flag = 0;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_REQUEST, MPI_COMM_WORLD, &flag, &st);
        if (flag) {
            busy = true;
            int count = 0;
            MPI_Get_count(&st, MPI_BYTE, &count);
            size_t need = (size_t)count + 1;
            if (need > cap) {
                char *nb = realloc(buf, need);
                if (!nb) {
                    /* Without room for the message we cannot go on: what is recorded stays. */
                    fprintf(stderr, "shrinknet bench: rank 0: out of memory\n");
                    MPI_Abort(MPI_COMM_WORLD, EXIT_INTERNAL);
                }
                buf = nb;
                cap = need;
            }
            MPI_Recv(buf, count, MPI_BYTE, st.MPI_SOURCE, TAG_REQUEST, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
            buf[count] = 0;
            request h;
            memset(&h, 0, sizeof h);
            if ((size_t)count >= sizeof h)
                memcpy(&h, buf, sizeof h);
            else
                h.kind = -1;
            const char *text = buf + sizeof h;
            pthread_mutex_lock(&L.mu);
            switch (h.kind) {
            case REQ_READY:
                break;
            case REQ_RESULT:
                if (atomic_load(&L.stop))
                    sn_bench_give_back(b, &h.job);
                else
                    leader_record(&L, &h.job, text);
                break;
            case REQ_LEAVE:
                sn_bench_give_back(b, &h.job);
                break;
            case REQ_FAIL:
                sn_bench_give_back(b, &h.job);
                leader_fail(&L, SN_ENOMEM, text);
                break;
            default:
                leader_fail(&L, SN_EDATA, "a malformed request");
                break;
            }
            pthread_mutex_unlock(&L.mu);
            idle[st.MPI_SOURCE] = true;
            if (h.kind == REQ_LEAVE || h.kind == REQ_FAIL) {
                idle[st.MPI_SOURCE] = false;
                MPI_Send(NULL, 0, MPI_BYTE, st.MPI_SOURCE, TAG_STOP, MPI_COMM_WORLD);
                n_active--;
            }
        }
        /* Hand out work to the idle ranks, or tell them to stop. */
        for (int r = 1; r < g_size; r++) {
            if (!idle[r])
                continue;
            sn_bench_job job;
            bool any_left = false, got = false;
            pthread_mutex_lock(&L.mu);
            bool stopping = leader_cancel(&L) != 0;
            if (!stopping)
                got = sn_bench_take(b, &job, &any_left);
            pthread_mutex_unlock(&L.mu);
            if (got) {
                MPI_Send(&job, (int)sizeof job, MPI_BYTE, r, TAG_JOB, MPI_COMM_WORLD);
                idle[r] = false;
                busy = true;
            } else if (stopping || !any_left) {
                MPI_Send(NULL, 0, MPI_BYTE, r, TAG_STOP, MPI_COMM_WORLD);
                idle[r] = false;
                n_active--;
                busy = true;
            }
        }
        if (!busy)
            nap(1000);
    }
    if (threaded)
        pthread_join(th, NULL);
    free(buf);
    free(idle);
    pthread_mutex_destroy(&L.mu);
    if (L.fatal != SN_OK) {
        if (err)
            *err = L.fatal_err;
        return L.fatal;
    }
    return SN_OK;
}

sn_status cli_mpi_bench_run(sn_bench *b, sn_bench_unit_fn on_unit, sn_bench_cancel_fn cancel,
                            void *user, sn_error *err)
{
    if (g_rank == 0)
        return leader_run(b, on_unit, cancel, user, err);
    return follower(b, cancel, user, err);
}

#endif
