/*
 * bench_mpi.c — the benchmark harness across MPI ranks: rank 0 alone owns the plan's state and the
 * results file; every rank (rank 0 on a thread of its own) asks it for work and sends back the
 * results line of the unit it ran. Only rank 0's main thread calls MPI (MPI_THREAD_FUNNELED).
 *
 * Messages (MPI_BYTE, tags below). A request (any rank -> 0) is a request header, the job it
 * answers and, for a result, the results line (without a terminating 0). A reply (0 -> rank)
 * is a job to run or, with TAG_STOP and no data, the end. What to hand out and what to do with
 * what comes back is the library's scheduler (sn_bench_sched, src/bench/scheduler.c), the same
 * one sn_bench_run's threads use: this file only moves jobs and lines. Every rank waits by polling
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
            result = sn_fail(err, SN_ENOMEM, "rank %d: out of memory", g_rank);
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

/* Rank 0's own worker: the library's scheduler on a thread of its own. */
typedef struct {
    sn_bench_sched *s;
    atomic_bool done;
} local_worker_ctx;

static void *local_worker(void *arg)
{
    local_worker_ctx *w = arg;
    sn_bench_sched_work(w->s);
    atomic_store(&w->done, true);
    return NULL;
}

/* Receive one request into *buf (grown as needed, NUL-terminated) from st's source. */
static void receive_request(const MPI_Status *st, char **buf, size_t *cap, request *h,
                            const char **text)
{
    int count = 0;
    MPI_Get_count(st, MPI_BYTE, &count);
    size_t need = (size_t)count + 1;
    if (need > *cap) {
        char *nb = realloc(*buf, need);
        if (!nb) {
            /* Without room for the message we cannot go on: what is recorded stays. */
            fprintf(stderr, "shrinknet bench: rank 0: out of memory\n");
            MPI_Abort(MPI_COMM_WORLD, EXIT_INTERNAL);
        }
        *buf = nb;
        *cap = need;
    }
    MPI_Recv(*buf, count, MPI_BYTE, st->MPI_SOURCE, TAG_REQUEST, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    (*buf)[count] = 0;
    memset(h, 0, sizeof *h);
    if ((size_t)count >= sizeof *h)
        memcpy(h, *buf, sizeof *h);
    else
        h->kind = -1;
    *text = *buf + sizeof *h;
}

/* Rank 0: the transport between the other ranks and the library's scheduler (take, finish),
 * which rank 0's own worker shares. */
static sn_status leader_run(sn_bench *b, sn_bench_unit_fn on_unit, sn_bench_cancel_fn cancel,
                            void *user, sn_error *err)
{
    local_worker_ctx w;
    atomic_init(&w.done, false);
    bool *idle = NULL, threaded = false;
    char *buf = NULL;
    size_t cap = 0;
    pthread_t th;
    sn_status st = sn_bench_sched_new(b, on_unit, cancel, user, &w.s, err);
    if (st != SN_OK)
        return st;
    if (!(idle = calloc((size_t)g_size, sizeof *idle))) {
        st = sn_fail(err, SN_ENOMEM, "out of memory");
        goto out;
    }
    threaded = pthread_create(&th, NULL, local_worker, &w) == 0;
    if (!threaded)
        atomic_store(&w.done, true); /* the other ranks do the work */
    int n_active = g_size - 1;
    while (n_active > 0 || !atomic_load(&w.done)) {
        bool busy = false;
        int flag = 0;
        MPI_Status ms;
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_REQUEST, MPI_COMM_WORLD, &flag, &ms);
        if (flag) {
            busy = true;
            request h;
            const char *text;
            receive_request(&ms, &buf, &cap, &h, &text);
            sn_error e = {SN_ENOMEM, ""};
            switch (h.kind) {
            case REQ_READY:
                break;
            case REQ_RESULT:
                sn_bench_sched_finish(w.s, &h.job, SN_OK, text, NULL);
                break;
            case REQ_LEAVE:
                sn_bench_sched_finish(w.s, &h.job, SN_OK, NULL, NULL);
                break;
            case REQ_FAIL:
                snprintf(e.msg, sizeof e.msg, "%s", text);
                sn_bench_sched_finish(w.s, &h.job, SN_ENOMEM, NULL, &e);
                break;
            default:
                sn_bench_sched_stop(w.s, SN_EDATA, "a malformed request");
                break;
            }
            idle[ms.MPI_SOURCE] = true;
            if (h.kind == REQ_LEAVE || h.kind == REQ_FAIL) {
                idle[ms.MPI_SOURCE] = false;
                MPI_Send(NULL, 0, MPI_BYTE, ms.MPI_SOURCE, TAG_STOP, MPI_COMM_WORLD);
                n_active--;
            }
        }
        /* Hand out work to the idle ranks, or tell them to stop. */
        for (int r = 1; r < g_size; r++) {
            if (!idle[r])
                continue;
            sn_bench_job job;
            sn_bench_next next = sn_bench_sched_take(w.s, &job);
            if (next == SN_BENCH_GOT) {
                MPI_Send(&job, (int)sizeof job, MPI_BYTE, r, TAG_JOB, MPI_COMM_WORLD);
                idle[r] = false;
                busy = true;
            } else if (next == SN_BENCH_END) {
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
    st = sn_bench_sched_status(w.s, err);
out:
    free(buf);
    free(idle);
    sn_bench_sched_free(w.s);
    return st;
}

sn_status cli_mpi_bench_run(sn_bench *b, sn_bench_unit_fn on_unit, sn_bench_cancel_fn cancel,
                            void *user, sn_error *err)
{
    if (g_rank == 0)
        return leader_run(b, on_unit, cancel, user, err);
    return follower(b, cancel, user, err);
}

#endif
