/*
 * test_bench.c — the benchmark harness: method presets, planning (units per protocol, data set
 * choice, bad parameters), running and resuming (stop after k units, rerun: nothing lost,
 * nothing twice), results independent of the number of jobs, torn and malformed lines,
 * settings mismatches, failed units recorded and retried, Gal's grid choice, and the report's
 * statistics and ranks on a hand-made file.
 *
 * The data are tiny synthetic UCI folders made in a temporary folder, so every run takes well
 * under a second.
 */
#include "test_util.h"
#include "shrinknet_bench.h"

#include "bench/bench.h" /* the private line reader and writer, for the round trip */

#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ------------------------------------------------------------------------------------------ */
/* Fixtures                                                                                   */
/* ------------------------------------------------------------------------------------------ */

static char root[256]; /* temporary folder of the test */

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot create %s", path);
    fputs(text, f);
    fclose(f);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    ck_assert(s != NULL);
    size_t k = fread(s, 1, (size_t)n, f);
    fclose(f);
    s[k] = 0;
    if (len)
        *len = k;
    return s;
}

static size_t count_lines(const char *path)
{
    size_t len, n = 0;
    char *s = read_all(path, &len);
    for (size_t i = 0; i < len; i++)
        n += s[i] == '\n';
    free(s);
    return n;
}

/* A UCI folder root/name: rows of (x1, x2, y = 2 x1 - x2 + noise), n_splits splits of 80/20,
 * two dropout rates and two precisions (Gal's grid of 4 points), 8 hidden units. */
static void make_toy(const char *name, size_t rows, size_t n_splits)
{
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/%s", root, name);
    ck_assert(mkdir(dir, 0777) == 0);
    FILE *f;
    snprintf(path, sizeof path, "%s/data.txt", dir);
    ck_assert((f = fopen(path, "w")) != NULL);
    uint64_t s = 12345;
    for (size_t i = 0; i < rows; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        double x1 = (double)(s >> 11) / 9007199254740992.0 * 4 - 2;
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        double x2 = (double)(s >> 11) / 9007199254740992.0 * 4 - 2;
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        double e = (double)(s >> 11) / 9007199254740992.0 - 0.5;
        fprintf(f, "%.6f %.6f %.6f\n", x1, x2, 2 * x1 - x2 + 0.3 * e);
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/index_features.txt", dir);
    write_file(path, "0\n1\n");
    snprintf(path, sizeof path, "%s/index_target.txt", dir);
    write_file(path, "2\n");
    snprintf(path, sizeof path, "%s/n_splits.txt", dir);
    char num[32];
    snprintf(num, sizeof num, "%zu\n", n_splits);
    write_file(path, num);
    snprintf(path, sizeof path, "%s/n_hidden.txt", dir);
    write_file(path, "8\n");
    snprintf(path, sizeof path, "%s/n_epochs.txt", dir);
    write_file(path, "1\n");
    snprintf(path, sizeof path, "%s/dropout_rates.txt", dir);
    write_file(path, "0.01\n0.2\n");
    snprintf(path, sizeof path, "%s/tau_values.txt", dir);
    write_file(path, "1\n4\n");
    size_t n_test = rows / 5;
    for (size_t k = 0; k < n_splits; k++) {
        /* Split k tests the rows i with (i + k) % 5 == 0 (the first n_test of them). */
        FILE *tr, *te;
        snprintf(path, sizeof path, "%s/index_train_%zu.txt", dir, k);
        ck_assert((tr = fopen(path, "w")) != NULL);
        snprintf(path, sizeof path, "%s/index_test_%zu.txt", dir, k);
        ck_assert((te = fopen(path, "w")) != NULL);
        size_t t = 0;
        for (size_t i = 0; i < rows; i++) {
            if ((i + k) % 5 == 0 && t < n_test) {
                fprintf(te, "%zu\n", i);
                t++;
            } else {
                fprintf(tr, "%zu\n", i);
            }
        }
        fclose(tr);
        fclose(te);
    }
}

static void setup(void)
{
    snprintf(root, sizeof root, "/tmp/sn_test_bench_XXXXXX");
    ck_assert(mkdtemp(root) != NULL);
    make_toy("toy", 50, 3);
    make_toy("small", 40, 2);
}

static void teardown(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", root);
}

/* Methods by name, with an epoch count small enough for tests. */
static size_t methods_of(const char *list, sn_bench_method *out)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    size_t n = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        sn_error e = {0};
        ck_assert_msg(sn_bench_method_preset(tok, &out[n], &e) == SN_OK, "%s", e.msg);
        n++;
    }
    return n;
}

static void quick_params(sn_bench_params *p)
{
    sn_bench_params_default(p);
    p->n_epochs = 3;
    p->n_draws = 20;
    p->batch_size = 8;
}

/* Plan, attach a results file, run; returns the bench (caller frees). */
static sn_bench *plan(const sn_bench_params *p, const char *datasets, const char *methods,
                      const char *results)
{
    sn_bench_method m[8];
    size_t n = methods_of(methods, m);
    sn_bench *b = NULL;
    sn_error e = {0};
    ck_assert_msg(sn_bench_new(p, root, datasets, m, n, &b, &e) == SN_OK, "%s", e.msg);
    if (results) {
        size_t torn = 0;
        ck_assert_msg(sn_bench_resume(b, results, &torn, &e) == SN_OK, "%s", e.msg);
    }
    return b;
}

/* Plan, run to the end on n_jobs threads, free: the results are in the file. */
static void run_all(const sn_bench_params *p, const char *datasets, const char *methods,
                    const char *results, size_t n_jobs)
{
    sn_bench *b = plan(p, datasets, methods, results);
    CHECK_OK(sn_bench_run(b, n_jobs, NULL, NULL, NULL, NULL));
    sn_bench_free(b);
}

typedef struct {
    size_t calls, stop_after;
    size_t last_done;
    bool monotone, eta_seen;
} counter;

static int count_cb(const sn_bench_event *ev, void *user)
{
    counter *c = user;
    c->calls++;
    if (ev->n_done != c->last_done + 1 && c->last_done != 0)
        c->monotone = false;
    c->last_done = ev->n_done;
    if (isfinite(ev->eta))
        c->eta_seen = true;
    ck_assert(ev->line != NULL && ev->line[0] == '{');
    ck_assert(strchr(ev->line, '\n') == NULL);
    return c->stop_after && c->calls >= c->stop_after;
}

/* Each line of a results file, without its timing fields (they come last), sorted. */
static char *canonical(const char *path)
{
    size_t len;
    char *s = read_all(path, &len);
    char **lines = calloc(len + 1, sizeof *lines);
    size_t n = 0;
    for (char *tok = strtok(s, "\n"); tok; tok = strtok(NULL, "\n")) {
        char *t = strstr(tok, ",\"train_seconds\"");
        ck_assert_msg(t != NULL, "a line without its timing: %s", tok);
        *t = 0;
        lines[n++] = tok;
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(lines[j - 1], lines[j]) > 0; j--) {
            char *x = lines[j];
            lines[j] = lines[j - 1];
            lines[j - 1] = x;
        }
    char *out = calloc(len + 1, 1);
    for (size_t i = 0; i < n; i++) {
        strcat(out, lines[i]);
        strcat(out, "\n");
    }
    free(lines);
    free(s);
    return out;
}

/* Every (dataset, split, method, grid) key of a results file appears exactly once. */
static size_t check_unique_units(const char *path)
{
    size_t len;
    char *s = read_all(path, &len);
    char **keys = calloc(len + 1, sizeof *keys);
    size_t n = 0;
    for (char *tok = strtok(s, "\n"); tok; tok = strtok(NULL, "\n")) {
        char *c = strstr(tok, ",\"config\"");
        ck_assert(c != NULL);
        *c = 0;
        for (size_t i = 0; i < n; i++)
            ck_assert_msg(strcmp(keys[i], tok) != 0, "unit twice in %s: %s", path, tok);
        keys[n++] = tok;
    }
    free(keys);
    free(s);
    return n;
}

/* ------------------------------------------------------------------------------------------ */
/* Presets and planning                                                                       */
/* ------------------------------------------------------------------------------------------ */

START_TEST(presets)
{
    const char *const *names = sn_bench_method_names();
    size_t n = 0;
    while (names[n])
        n++;
    ck_assert_uint_eq(n, 7);
    sn_bench_method m;
    CHECK_OK(sn_bench_method_preset("tail", &m, NULL));
    ck_assert_str_eq(m.name, "tail");
    ck_assert(m.params.method == SN_METHOD_MC && m.params.objective == SN_OBJ_TAIL);
    ck_assert(m.params.arch == SN_ARCH_MLP && m.params.n_layers == 1);
    ck_assert(m.params.noise.family == SN_NOISE_BERNOULLI);
    CHECK_NEAR(m.params.noise.p[0], 0.995, 0);
    ck_assert_uint_eq(m.params.n_epochs, 4500);
    ck_assert_uint_eq(m.params.batch_size, 32);
    ck_assert_uint_eq(m.params.n_samples, 10);
    CHECK_OK(sn_bench_method_preset("vem-ard-add-authors", &m, NULL));
    ck_assert(m.params.method == SN_METHOD_VEM && m.params.prior == SN_PRIOR_ARD_ADD);
    ck_assert(m.params.variant == SN_VARIANT_AUTHORS && m.params.arch == SN_ARCH_RESNET);
    ck_assert(m.params.hyper.family == SN_HYPER_INVGAMMA && m.params.hyper.a == 3.0 &&
              m.params.hyper.b == 3.0);
    CHECK_OK(sn_bench_method_preset("vem-add", &m, NULL));
    ck_assert(m.params.prior == SN_PRIOR_ADD && m.params.variant == SN_VARIANT_EXACT);
    sn_error e = {0};
    ck_assert_int_eq(sn_bench_method_preset("dropout", &m, &e), SN_EINVAL);
    ck_assert_msg(strstr(e.msg, "\"dropout\"") && strstr(e.msg, "vem-ard-add-authors"), "%s",
                  e.msg);
}
END_TEST

START_TEST(plan_counts)
{
    sn_bench_params p;
    quick_params(&p);
    /* fixed: one unit per (data set, split, method): toy 3 splits + small 2 splits. */
    sn_bench *b = plan(&p, NULL, "lb,iw,vem-ard", NULL);
    ck_assert_uint_eq(sn_bench_n_datasets(b), 2);
    ck_assert_str_eq(sn_bench_dataset_name(b, 0), "small"); /* sorted by name */
    ck_assert_str_eq(sn_bench_dataset_name(b, 1), "toy");
    ck_assert(sn_bench_dataset_name(b, 2) == NULL);
    ck_assert_uint_eq(sn_bench_n_units(b), (3 + 2) * 3);
    ck_assert_uint_eq(sn_bench_n_done(b), 0);
    sn_bench_free(b);
    /* gal: dropout nets 2 rates x 2 taus = 4 grid units + 1 test unit per split; the EM resnet
     * searches the 2 taus: 2 + 1. */
    p.protocol = SN_BENCH_GAL;
    b = plan(&p, "toy", "lb,vem-ard", NULL);
    ck_assert_uint_eq(sn_bench_n_units(b), 3 * (5 + 3));
    sn_bench_free(b);
    /* A fixed keep leaves the tau axis; a fixed precision too: no grid at all. */
    p.keep = 0.9;
    b = plan(&p, "toy", "lb", NULL);
    ck_assert_uint_eq(sn_bench_n_units(b), 3 * 3);
    sn_bench_free(b);
    p.precision = 2.0;
    b = plan(&p, "toy", "lb", NULL);
    ck_assert_uint_eq(sn_bench_n_units(b), 3);
    sn_bench_free(b);
    /* The first N splits. */
    quick_params(&p);
    p.n_splits = 1;
    b = plan(&p, "toy,small", "tail", NULL);
    ck_assert_uint_eq(sn_bench_n_units(b), 2);
    sn_bench_free(b);
    /* The folder of one data set is a benchmark of that data set. */
    char dir[600];
    snprintf(dir, sizeof dir, "%s/toy", root);
    sn_bench_method m;
    CHECK_OK(sn_bench_method_preset("lb", &m, NULL));
    b = NULL;
    CHECK_OK(sn_bench_new(&p, dir, NULL, &m, 1, &b, NULL));
    ck_assert_str_eq(sn_bench_dataset_name(b, 0), "toy");
    sn_bench_free(b);
}
END_TEST

START_TEST(plan_errors)
{
    sn_bench_params p;
    quick_params(&p);
    sn_bench_method m[2];
    methods_of("lb,lb", m);
    sn_bench *b = NULL;
    sn_error e = {0};
    ck_assert_int_eq(sn_bench_new(&p, root, NULL, m, 2, &b, &e), SN_EINVAL);
    ck_assert_msg(strstr(e.msg, "twice") != NULL, "%s", e.msg);
    ck_assert(b == NULL);
    ck_assert_int_eq(sn_bench_new(&p, root, NULL, m, 0, &b, &e), SN_EINVAL);
    ck_assert_int_eq(sn_bench_new(&p, root, "toy,nosuch", m, 1, &b, &e), SN_EIO);
    ck_assert_msg(strstr(e.msg, "nosuch") && strstr(e.msg, "available: small, toy"), "%s",
                  e.msg);
    ck_assert_int_eq(sn_bench_new(&p, root, "toy,toy", m, 1, &b, &e), SN_EINVAL);
    ck_assert_int_eq(sn_bench_new(&p, root, "toy,", m, 1, &b, &e), SN_EINVAL);
    ck_assert_int_eq(sn_bench_new(&p, "/nonexistent/dir", NULL, m, 1, &b, &e), SN_EIO);
    ck_assert_msg(strstr(e.msg, "/nonexistent/dir") != NULL, "%s", e.msg);
    sn_bench_params q = p;
    q.keep = 1.5;
    ck_assert_int_eq(sn_bench_new(&q, root, NULL, m, 1, &b, &e), SN_EINVAL);
    ck_assert_msg(strstr(e.msg, "keep") != NULL, "%s", e.msg);
    q = p;
    q.valid_fraction = 1.0;
    ck_assert_int_eq(sn_bench_new(&q, root, NULL, m, 1, &b, &e), SN_EINVAL);
    q = p;
    q.n_draws = 0;
    ck_assert_int_eq(sn_bench_new(&q, root, NULL, m, 1, &b, &e), SN_EINVAL);
    /* A method whose settings cannot train is refused before anything runs, by name. */
    m[0].params.learning_rate = -1;
    ck_assert_int_eq(sn_bench_new(&p, root, NULL, m, 1, &b, &e), SN_EINVAL);
    ck_assert_msg(strstr(e.msg, "method lb on") && strstr(e.msg, "learning rate"), "%s", e.msg);
    /* Bad index files are found at planning time, with file and line. */
    char path[600];
    snprintf(path, sizeof path, "%s/small/index_test_1.txt", root);
    write_file(path, "4\n999\n");
    methods_of("lb", m);
    ck_assert_int_eq(sn_bench_new(&p, root, "small", m, 1, &b, &e), SN_EDATA);
    ck_assert_msg(strstr(e.msg, "index_test_1.txt:2") != NULL, "%s", e.msg);
    ck_assert(b == NULL);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* Running, resuming                                                                          */
/* ------------------------------------------------------------------------------------------ */

START_TEST(stop_and_resume)
{
    sn_bench_params p;
    quick_params(&p);
    char res[600];
    snprintf(res, sizeof res, "%s/r.jsonl", root);
    sn_bench *b = plan(&p, NULL, "lb,tail", res);
    size_t total = sn_bench_n_units(b);
    ck_assert_uint_eq(total, 10);
    sn_error e = {0};
    /* Stop after 3 finished units, on 2 jobs: what is written stays, nothing else. */
    counter c = {0, 3, 0, true, false};
    ck_assert_msg(sn_bench_run(b, 2, count_cb, NULL, &c, &e) == SN_OK, "%s", e.msg);
    ck_assert_uint_eq(c.calls, 3);
    ck_assert_uint_eq(sn_bench_n_done(b), 3);
    sn_bench_free(b);
    ck_assert_uint_eq(count_lines(res), 3);
    /* Rerun: the 3 are skipped, the 7 others run, each unit is in the file once. */
    b = plan(&p, NULL, "lb,tail", res);
    ck_assert_uint_eq(sn_bench_n_done(b), 3);
    counter c2 = {0, 0, 0, true, false};
    ck_assert_msg(sn_bench_run(b, 2, count_cb, NULL, &c2, &e) == SN_OK, "%s", e.msg);
    ck_assert_uint_eq(c2.calls, 7);
    ck_assert(c2.monotone);
    ck_assert(c2.eta_seen);
    ck_assert_uint_eq(sn_bench_n_done(b), total);
    sn_bench_free(b);
    ck_assert_uint_eq(check_unique_units(res), total);
    /* A third run has nothing to do. */
    b = plan(&p, NULL, "lb,tail", res);
    ck_assert_uint_eq(sn_bench_n_done(b), total);
    counter c3 = {0, 0, 0, true, false};
    CHECK_OK(sn_bench_run(b, 2, count_cb, NULL, &c3, NULL));
    ck_assert_uint_eq(c3.calls, 0);
    sn_bench_free(b);
    ck_assert_uint_eq(count_lines(res), total);
    /* More splits later: the new ones run, the old ones stay. */
    sn_bench_params q = p;
    q.n_splits = 1;
    snprintf(res, sizeof res, "%s/r1.jsonl", root);
    run_all(&q, "toy", "lb", res, 1);
    b = plan(&p, "toy", "lb", res);
    ck_assert_uint_eq(sn_bench_n_done(b), 1);
    ck_assert_uint_eq(sn_bench_n_units(b), 3);
    sn_bench_free(b);
}
END_TEST

static int cancel_now(void *user)
{
    (void)user;
    return 1;
}

START_TEST(cancel_records_nothing)
{
    sn_bench_params p;
    quick_params(&p);
    char res[600];
    snprintf(res, sizeof res, "%s/c.jsonl", root);
    sn_bench *b = plan(&p, "toy", "lb", res);
    CHECK_OK(sn_bench_run(b, 2, NULL, cancel_now, NULL, NULL));
    ck_assert_uint_eq(sn_bench_n_done(b), 0);
    sn_bench_free(b);
    ck_assert_uint_eq(count_lines(res), 0);
}
END_TEST

START_TEST(jobs_do_not_change_results)
{
    sn_bench_params p;
    quick_params(&p);
    p.protocol = SN_BENCH_GAL;
    char r1[600], r3[600];
    snprintf(r1, sizeof r1, "%s/j1.jsonl", root);
    snprintf(r3, sizeof r3, "%s/j3.jsonl", root);
    run_all(&p, "toy", "lb,iw", r1, 1);
    run_all(&p, "toy", "lb,iw", r3, 3);
    char *a = canonical(r1), *c = canonical(r3);
    ck_assert_msg(strcmp(a, c) == 0, "results differ between 1 and 3 jobs:\n%s\n---\n%s", a, c);
    ck_assert(strlen(a) > 1000);
    free(a);
    free(c);
    /* Every unit has its own seed. */
    size_t len;
    char *s = read_all(r1, &len);
    size_t n_seeds = 0;
    char seeds[64][32];
    for (char *q = strstr(s, "\"seed\":\""); q; q = strstr(q + 1, "\"seed\":\"")) {
        char *endq = strchr(q + 8, '"');
        ck_assert(endq && endq - (q + 8) < 32);
        memcpy(seeds[n_seeds], q + 8, (size_t)(endq - (q + 8)));
        seeds[n_seeds][endq - (q + 8)] = 0;
        for (size_t i = 0; i < n_seeds; i++)
            ck_assert_msg(strcmp(seeds[i], seeds[n_seeds]) != 0, "seed %s used twice",
                          seeds[i]);
        n_seeds++;
        ck_assert(n_seeds < 64);
    }
    ck_assert_uint_eq(n_seeds, 3 * 2 * 5);
    free(s);
}
END_TEST

/* The steps of sn_bench_run by hand, as another scheduler (the MPI front end) uses them: jobs
 * taken several at a time and recorded in reverse order give the same file as sn_bench_run;
 * a job given back runs again; a line of another unit is refused and nothing is written. */
START_TEST(steps_by_hand_match_run)
{
    sn_bench_params p;
    quick_params(&p);
    p.protocol = SN_BENCH_GAL;
    char r1[600], r2[600];
    snprintf(r1, sizeof r1, "%s/s1.jsonl", root);
    snprintf(r2, sizeof r2, "%s/s2.jsonl", root);
    run_all(&p, "toy", "lb,vem-ard", r1, 1);

    sn_bench *b = plan(&p, "toy", "lb,vem-ard", r2);
    sn_bench *other = plan(&p, "toy", "lb,vem-ard", NULL); /* a second process's plan */
    ck_assert(sn_bench_plan_hash(b) == sn_bench_plan_hash(other));
    size_t n_units = sn_bench_n_units(b);
    sn_bench_job jobs[8];
    sn_error e = {0};
    bool any_left = true, gave_back = false, refused = false;
    while (sn_bench_n_done(b) < n_units) {
        size_t k = 0;
        while (k < 8 && sn_bench_take(b, &jobs[k], &any_left))
            k++;
        ck_assert_msg(k > 0, "nothing to take with %zu of %zu done", sn_bench_n_done(b),
                      n_units);
        ck_assert(any_left);
        for (size_t i = k; i-- > 0;) {
            char *line = NULL;
            CHECK_OK(sn_bench_run_job(other, &jobs[i], NULL, NULL, &line, NULL));
            ck_assert(line != NULL && line[strlen(line) - 1] == '\n');
            if (!gave_back) {
                /* Dropped (its process lost): it runs again later. */
                sn_bench_give_back(b, &jobs[i]);
                gave_back = true;
                free(line);
                continue;
            }
            if (!refused && k > 1 && i > 0) {
                /* Another unit's line under this job: refused, the file untouched. */
                size_t before = count_lines(r2);
                char *wrong = NULL;
                CHECK_OK(sn_bench_run_job(other, &jobs[i - 1], NULL, NULL, &wrong, NULL));
                ck_assert_int_eq(sn_bench_record(b, &jobs[i], wrong, NULL, NULL, NULL, &e),
                                 SN_EDATA);
                ck_assert_msg(strstr(e.msg, "another plan") != NULL, "%s", e.msg);
                ck_assert_uint_eq(count_lines(r2), before);
                free(wrong);
                refused = true;
                /* Refused: the unit went back to the queue. */
                free(line);
                continue;
            }
            int stop = 1;
            CHECK_OK(sn_bench_record(b, &jobs[i], line, NULL, NULL, &stop, NULL));
            ck_assert_int_eq(stop, 0);
            free(line);
        }
    }
    ck_assert(!sn_bench_take(b, &jobs[0], &any_left));
    ck_assert(!any_left);
    ck_assert(gave_back && refused);
    sn_bench_free(other);
    sn_bench_free(b);
    char *a = canonical(r1), *c = canonical(r2);
    ck_assert_msg(strcmp(a, c) == 0, "steps by hand differ from sn_bench_run:\n%s\n---\n%s", a,
                  c);
    free(a);
    free(c);
    ck_assert_uint_eq(check_unique_units(r2), n_units);
}
END_TEST

/* The scheduler step by step, as the MPI driver uses it: take, run, finish; a job finished
 * without a line goes back; a stop ends the handing out; an error stop is the run's status. */
START_TEST(scheduler_by_hand)
{
    sn_bench_params p;
    quick_params(&p);
    char r1[600], r2[600];
    snprintf(r1, sizeof r1, "%s/s1.jsonl", root);
    snprintf(r2, sizeof r2, "%s/s2.jsonl", root);
    run_all(&p, "small", "lb,tail", r1, 1);
    sn_bench *b = plan(&p, "small", "lb,tail", r2);
    sn_bench_sched *s = NULL;
    CHECK_OK(sn_bench_sched_new(b, NULL, NULL, NULL, &s, NULL));
    sn_bench_job job;
    ck_assert_int_eq(sn_bench_sched_take(s, &job), SN_BENCH_GOT);
    sn_bench_sched_finish(s, &job, SN_OK, NULL, NULL); /* cancelled: back in the queue */
    size_t n = 0;
    while (sn_bench_sched_take(s, &job) == SN_BENCH_GOT) {
        char *line = NULL;
        sn_error e = {0};
        sn_status st = sn_bench_run_job(b, &job, sn_bench_sched_cancel, s, &line, &e);
        sn_bench_sched_finish(s, &job, st, line, &e);
        free(line);
        n++;
    }
    ck_assert_uint_eq(n, 4);
    ck_assert_uint_eq(sn_bench_n_done(b), 4);
    CHECK_OK(sn_bench_sched_status(s, NULL));
    sn_bench_sched_free(s);
    sn_bench_free(b);
    char *a = canonical(r1), *c = canonical(r2);
    ck_assert_str_eq(a, c);
    free(a);
    free(c);

    /* A stop: nothing more is handed out; with an error, that error is the run's. */
    snprintf(r2, sizeof r2, "%s/s3.jsonl", root);
    b = plan(&p, "small", "lb,tail", r2);
    CHECK_OK(sn_bench_sched_new(b, NULL, NULL, NULL, &s, NULL));
    ck_assert_int_eq(sn_bench_sched_take(s, &job), SN_BENCH_GOT);
    sn_bench_sched_stop(s, SN_OK, NULL);
    ck_assert(sn_bench_sched_cancel(s));
    ck_assert_int_eq(sn_bench_sched_take(s, &job), SN_BENCH_END);
    CHECK_OK(sn_bench_sched_status(s, NULL));
    sn_bench_sched_stop(s, SN_EIO, "the network went away");
    sn_error e = {0};
    ck_assert_int_eq(sn_bench_sched_status(s, &e), SN_EIO);
    ck_assert_str_eq(e.msg, "the network went away");
    sn_bench_sched_free(s);
    ck_assert_uint_eq(sn_bench_n_done(b), 0);
    sn_bench_free(b);
    /* Without a results file there is nothing to schedule. */
    b = plan(&p, "small", "lb", NULL);
    ck_assert_int_eq(sn_bench_sched_new(b, NULL, NULL, NULL, &s, NULL), SN_EINVAL);
    ck_assert(s == NULL);
    sn_bench_free(b);
}
END_TEST

/* The longest units go first: every EM unit (about 60 times the work of a dropout unit of the
 * same size) is handed out before any dropout unit of the fixed protocol. */
START_TEST(take_longest_first)
{
    sn_bench_params p;
    quick_params(&p);
    char r[600];
    snprintf(r, sizeof r, "%s/lf.jsonl", root);
    sn_bench *b = plan(&p, "toy", "lb,vem-ard,tail", r);
    size_t n = sn_bench_n_units(b), n_em = 0;
    sn_bench_job job;
    bool seen_mc = false;
    for (size_t i = 0; i < n; i++) {
        ck_assert(sn_bench_take(b, &job, NULL));
        char *line = NULL;
        CHECK_OK(sn_bench_run_job(b, &job, NULL, NULL, &line, NULL));
        bool em = strstr(line, "\"method\":\"vem-ard\"") != NULL;
        ck_assert_msg(!(em && seen_mc), "an EM unit after a dropout unit: %.80s", line);
        seen_mc = seen_mc || !em;
        n_em += em;
        CHECK_OK(sn_bench_record(b, &job, line, NULL, NULL, NULL, NULL));
        free(line);
    }
    ck_assert_uint_eq(n_em, n / 3);
    ck_assert(!sn_bench_take(b, &job, NULL));
    sn_bench_free(b);
}
END_TEST

START_TEST(gal_chooses_best_validation)
{
    sn_bench_params p;
    quick_params(&p);
    p.protocol = SN_BENCH_GAL;
    char res[600];
    snprintf(res, sizeof res, "%s/g.jsonl", root);
    run_all(&p, "small", "tail", res, 2);
    /* For each split: the grid lines' validation ll, and the test line's choice. */
    size_t len;
    char *s = read_all(res, &len);
    for (int split = 0; split < 2; split++) {
        double ll[4] = {NAN, NAN, NAN, NAN}, keep[4], prec[4];
        int chosen = -2;
        double tkeep = NAN, tprec = NAN, tvalid = NAN;
        char *save = NULL, *copy = strdup(s);
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            int sp, g;
            char *q = strstr(line, "\"split\":");
            ck_assert(q && sscanf(q, "\"split\":%d", &sp) == 1);
            q = strstr(line, "\"grid\":");
            ck_assert(q && sscanf(q, "\"grid\":%d", &g) == 1);
            if (sp != split)
                continue;
            double kv, pv;
            q = strstr(line, "\"keep\":");
            ck_assert(q && sscanf(q, "\"keep\":%lf", &kv) == 1);
            q = strstr(line, "\"precision\":");
            ck_assert(q && sscanf(q, "\"precision\":%lf", &pv) == 1);
            if (g >= 0) {
                ck_assert(g < 4);
                q = strstr(line, "\"ll\":");
                ck_assert(q && sscanf(q, "\"ll\":%lf", &ll[g]) == 1);
                ck_assert(strstr(line, "\"part\":\"valid\"") != NULL);
                keep[g] = kv;
                prec[g] = pv;
            } else {
                q = strstr(line, "\"chosen_grid\":");
                ck_assert(q && sscanf(q, "\"chosen_grid\":%d", &chosen) == 1);
                q = strstr(line, "\"valid_ll\":");
                ck_assert(q && sscanf(q, "\"valid_ll\":%lf", &tvalid) == 1);
                tkeep = kv;
                tprec = pv;
                ck_assert(strstr(line, "\"part\":\"test\"") != NULL);
            }
        }
        free(copy);
        int best = 0;
        for (int g = 0; g < 4; g++) {
            ck_assert_msg(isfinite(ll[g]), "split %d grid %d has no validation ll", split, g);
            if (ll[g] > ll[best])
                best = g;
        }
        ck_assert_int_eq(chosen, best);
        CHECK_NEAR(tvalid, ll[best], 0);
        CHECK_NEAR(tkeep, keep[best], 0);
        CHECK_NEAR(tprec, prec[best], 0);
        /* The grid is dropout_rates.txt x tau_values.txt: keep 0.99, 0.8 x tau 1, 4. */
        CHECK_NEAR(keep[0], 0.99, 1e-12);
        CHECK_NEAR(keep[3], 0.8, 1e-12);
        CHECK_NEAR(prec[0], 1, 0);
        CHECK_NEAR(prec[1], 4, 0);
    }
    free(s);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* Results files: torn, malformed, mixed settings; failed units                              */
/* ------------------------------------------------------------------------------------------ */

START_TEST(torn_last_line)
{
    sn_bench_params p;
    quick_params(&p);
    char res[600];
    snprintf(res, sizeof res, "%s/t.jsonl", root);
    sn_bench *b = plan(&p, "small", "lb", res);
    counter c = {0, 1, 0, true, false};
    CHECK_OK(sn_bench_run(b, 1, count_cb, NULL, &c, NULL));
    sn_bench_free(b);
    size_t good_len;
    free(read_all(res, &good_len));
    /* A kill in the middle of a write leaves a line without its newline. */
    FILE *f = fopen(res, "a");
    fputs("{\"v\":1,\"dataset\":\"small\",\"split\":1,\"meth", f);
    fclose(f);
    /* The report ignores it and says so. */
    sn_bench_report *r = NULL;
    sn_error e = {0};
    ck_assert_msg(sn_bench_report_read(res, NULL, &r, &e) == SN_OK, "%s", e.msg);
    size_t n_lines, n_torn, n_sup;
    sn_bench_report_counts(r, &n_lines, &n_torn, &n_sup);
    ck_assert_uint_eq(n_lines, 1);
    ck_assert_uint_eq(n_torn, 1);
    sn_bench_report_free(r);
    /* A rerun cuts it off, then appends whole lines. */
    sn_bench_method m;
    CHECK_OK(sn_bench_method_preset("lb", &m, NULL));
    b = NULL;
    CHECK_OK(sn_bench_new(&p, root, "small", &m, 1, &b, NULL));
    size_t torn = 0;
    CHECK_OK(sn_bench_resume(b, res, &torn, NULL));
    ck_assert_uint_eq(torn, strlen("{\"v\":1,\"dataset\":\"small\",\"split\":1,\"meth"));
    size_t len;
    free(read_all(res, &len));
    ck_assert_uint_eq(len, good_len);
    CHECK_OK(sn_bench_run(b, 1, NULL, NULL, NULL, NULL));
    sn_bench_free(b);
    ck_assert_uint_eq(check_unique_units(res), 2);
    ck_assert_msg(sn_bench_report_read(res, NULL, &r, &e) == SN_OK, "%s", e.msg);
    sn_bench_report_counts(r, &n_lines, &n_torn, &n_sup);
    ck_assert_uint_eq(n_lines, 2);
    ck_assert_uint_eq(n_torn, 0);
    sn_bench_report_free(r);
}
END_TEST

START_TEST(malformed_line)
{
    sn_bench_params p;
    quick_params(&p);
    char res[600];
    snprintf(res, sizeof res, "%s/m.jsonl", root);
    run_all(&p, "small", "lb", res, 1);
    size_t len;
    char *good = read_all(res, &len);
    char *nl = strchr(good, '\n');
    *nl = 0;
    static const char *const bad[] = {
        "{\"v\":1,\"dataset\":\"small\" \"split\":0}\n",       /* missing comma */
        "not json\n",
        "{\"v\":1,\"dataset\":\"small\",\"split\":0,\"method\":\"lb\"}\n", /* no config */
        "{\"dataset\":\"a\\q\"}\n",                              /* bad escape */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[8192];
        snprintf(text, sizeof text, "%s\n%s%s\n", good, bad[i], nl + 1);
        write_file(res, text);
        sn_bench_report *r = NULL;
        sn_error e = {0};
        ck_assert_int_eq(sn_bench_report_read(res, NULL, &r, &e), SN_EDATA);
        ck_assert_msg(strstr(e.msg, "m.jsonl:2:") != NULL, "case %zu: %s", i, e.msg);
        ck_assert(r == NULL);
        sn_bench_method m;
        CHECK_OK(sn_bench_method_preset("lb", &m, NULL));
        sn_bench *b = NULL;
        CHECK_OK(sn_bench_new(&p, root, "small", &m, 1, &b, NULL));
        ck_assert_int_eq(sn_bench_resume(b, res, NULL, &e), SN_EDATA);
        sn_bench_free(b);
        /* Nothing was changed. */
        char *after = read_all(res, NULL);
        ck_assert_str_eq(after, text);
        free(after);
    }
    free(good);
}
END_TEST

/* Hostile lines are refused by the report and by the resume, named "file:line: what", and the
 * file is left as it was: an overflowing number, a key twice, bytes that are not UTF-8, a NUL,
 * a lone surrogate, a value that is not an object, and values of the wrong type. */
START_TEST(hostile_lines_refused)
{
    sn_bench_params p;
    quick_params(&p);
    char res[600];
    snprintf(res, sizeof res, "%s/x.jsonl", root);
    run_all(&p, "small", "lb", res, 1);
    char *good = read_all(res, NULL);
    char *nl = strchr(good, '\n');
    *nl = 0;
    /* Each case: text put in place of the first `from` of the good line, or a whole line. */
    static const struct {
        const char *from, *to, *says;
    } cases[] = {
        {"\"rmse\":", "\"rmse\":1e999999,\"x\":", "overflow"},
        {"\"rmse\":", "\"rmse\":-1e999999,\"x\":", "overflow"},
        {"\"method\":", "\"split\":1,\"method\":", "duplicate"},
        {"\"dataset\":\"small\"", "\"dataset\":\"sm\xff" "all\"", "unable to decode byte 0xff"},
        {"\"dataset\":\"small\"", "\"dataset\":\"sm\xc0\xaf" "all\"", "unable to decode byte 0xc0"},
        {"\"tag\":\"\"", "\"tag\":\"a\\u0000b\"", "u0000"},
        {"\"tag\":\"\"", "\"tag\":\"\\ud800\"", "nvalid"},
        {NULL, "[1,2,3]", "found an array"},
        {NULL, "\"a string\"", "expected a JSON object"},
        {NULL, "17", "expected a JSON object"},
        {"\"rmse\":", "\"rmse\":\"1.5\",\"x\":", "\"rmse\": expected a finite number or null, found a string"},
        {"\"dataset\":\"small\"", "\"dataset\":5", "\"dataset\": expected a string or null, found a number"},
        {"\"split\":0", "\"split\":0.5", "\"split\": expected an integer"},
        {"\"split\":0", "\"split\":\"0\"", "\"split\": expected an integer"},
        {"\"grid\":-1", "\"grid\":-2", "\"grid\": expected an integer"},
        {"\"status\":\"ok\"", "\"status\":true", "\"status\": expected \"ok\" or \"error\""},
        {"\"learn_precision\":true", "\"learn_precision\":1", "\"learn_precision\": expected true or false"},
        {"\"learn_precision\":false", "\"learn_precision\":1", "\"learn_precision\": expected true or false"},
        {"\"dataset\":\"small\"", "\"dataset\":null", "without \"dataset\""},
        {"\"tag\":\"\"", "\"tag\":{\"a\":1}", "\"tag\": expected a string or null, found an object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char bad[4096], text[8192];
        if (cases[i].from) {
            const char *at = strstr(good, cases[i].from);
            if (!at)
                continue; /* e.g. learn_precision true vs false: one of the two applies */
            snprintf(bad, sizeof bad, "%.*s%s%s", (int)(at - good), good, cases[i].to,
                     at + strlen(cases[i].from));
        } else {
            snprintf(bad, sizeof bad, "%s", cases[i].to);
        }
        snprintf(text, sizeof text, "%s\n%s\n%s", good, bad, nl + 1);
        write_file(res, text);
        sn_bench_report *r = NULL;
        sn_error e = {0};
        ck_assert_int_eq(sn_bench_report_read(res, NULL, &r, &e), SN_EDATA);
        ck_assert_msg(strstr(e.msg, "x.jsonl:2:") != NULL && strstr(e.msg, cases[i].says),
                      "case %zu: %s", i, e.msg);
        ck_assert(r == NULL);
        sn_bench_method m;
        CHECK_OK(sn_bench_method_preset("lb", &m, NULL));
        sn_bench *b = NULL;
        CHECK_OK(sn_bench_new(&p, root, "small", &m, 1, &b, NULL));
        ck_assert_int_eq(sn_bench_resume(b, res, NULL, &e), SN_EDATA);
        ck_assert_msg(strstr(e.msg, "x.jsonl:2:") != NULL, "case %zu: %s", i, e.msg);
        sn_bench_free(b);
        char *after = read_all(res, NULL);
        ck_assert_str_eq(after, text);
        free(after);
    }
    /* The same hostile bytes in a torn last line are a cut write: ignored, then cut off. */
    char text[8192];
    snprintf(text, sizeof text, "%s\n%s{\"rmse\":1e999999,\"dataset\":\"\xff", good, nl + 1);
    write_file(res, text);
    sn_bench_report *r = NULL;
    sn_error e = {0};
    ck_assert_msg(sn_bench_report_read(res, NULL, &r, &e) == SN_OK, "%s", e.msg);
    size_t n_lines, n_torn, n_sup;
    sn_bench_report_counts(r, &n_lines, &n_torn, &n_sup);
    ck_assert_uint_eq(n_lines, 2);
    ck_assert_uint_eq(n_torn, 1);
    sn_bench_report_free(r);
    sn_bench *b = plan(&p, "small", "lb", res);
    ck_assert_uint_eq(sn_bench_n_done(b), 2);
    sn_bench_free(b);
    ck_assert_uint_eq(count_lines(res), 2);
    free(good);
}
END_TEST

/* Every line the harness writes reads back and is written again byte for byte; numbers keep
 * the format's %.17g ("1", "1.0000000000000001e-05", never jansson's "1.0" or "1e-5"), and a
 * string that is not UTF-8 (a path in an error message) is written readable. */
START_TEST(lines_round_trip)
{
    sn_bench_params p;
    quick_params(&p);
    p.protocol = SN_BENCH_GAL;
    char res[600];
    snprintf(res, sizeof res, "%s/rt.jsonl", root);
    run_all(&p, "small", "lb,vem-ard", res, 2);
    char *text = read_all(res, NULL), *save = NULL;
    size_t n = 0;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save), n++) {
        record r, r2;
        sn_error e = {0};
        ck_assert_msg(record_parse(l, strlen(l), "rt.jsonl", n + 1, &r, &e) == SN_OK, "%s",
                      e.msg);
        char *again = NULL;
        CHECK_OK(record_write(&r, &again, NULL));
        size_t k = strlen(again);
        ck_assert(k > 0 && again[k - 1] == '\n');
        again[k - 1] = 0;
        ck_assert_str_eq(again, l);
        CHECK_OK(record_parse(again, k - 1, "again", 1, &r2, NULL));
        ck_assert(record_equal(&r, &r2));
        free(again);
        record_free(&r);
        record_free(&r2);
    }
    ck_assert_uint_eq(n, count_lines(res));
    free(text);

    record r;
    record_init(&r);
    r.dataset = strdup("d");
    r.method = strdup("m");
    r.config = strdup("c");
    r.error = strdup("cannot open /tmp/a\xff" "b\xfe" "c/data.txt\ttab \"q\" \x01");
    r.v = 1;
    r.rmse = 1e-05;
    r.ll = -2.0;
    r.mae = 1e300;
    r.grid = -1;
    char *line = NULL;
    CHECK_OK(record_write(&r, &line, NULL));
    ck_assert_msg(strstr(line, "{\"v\":1,\"dataset\":\"d\",\"split\":0,\"method\":\"m\","
                               "\"grid\":-1,\"config\":\"c\",\"protocol\":null,"
                               "\"status\":\"error\",") == line, "%s", line);
    ck_assert_msg(strstr(line, "\"rmse\":1.0000000000000001e-05,\"ll\":-2,\"ll_gauss\":null,"
                               "\"mae\":1.0000000000000001e+300,") != NULL, "%s", line);
    ck_assert_msg(strstr(line, "\"error\":\"cannot open /tmp/a?b?c/data.txt\\ttab \\\"q\\\" "
                               "\\u0001\"") != NULL, "%s", line);
    record back;
    sn_error e = {0};
    ck_assert_msg(record_parse(line, strlen(line) - 1, "w", 1, &back, &e) == SN_OK, "%s", e.msg);
    ck_assert_str_eq(back.error, "cannot open /tmp/a?b?c/data.txt\ttab \"q\" \x01");
    CHECK_NEAR(back.rmse, 1e-05, 0);
    ck_assert(isnan(back.ll_gauss));
    record_free(&back);
    record_free(&r);
    free(line);
}
END_TEST

START_TEST(other_settings_refused)
{
    sn_bench_params p;
    quick_params(&p);
    char res[600];
    snprintf(res, sizeof res, "%s/o.jsonl", root);
    run_all(&p, "small", "lb", res, 1);
    char *before = read_all(res, NULL);
    p.n_epochs = 4;
    sn_bench_method m;
    CHECK_OK(sn_bench_method_preset("lb", &m, NULL));
    sn_bench *b = NULL;
    CHECK_OK(sn_bench_new(&p, root, "small", &m, 1, &b, NULL));
    sn_error e = {0};
    ck_assert_int_eq(sn_bench_resume(b, res, NULL, &e), SN_EINVAL);
    ck_assert_msg(strstr(e.msg, "other settings") && strstr(e.msg, "o.jsonl:1"), "%s", e.msg);
    sn_bench_free(b);
    /* Another method into the same file is fine. */
    p.n_epochs = 3;
    b = plan(&p, "small", "iw", res);
    ck_assert_uint_eq(sn_bench_n_done(b), 0);
    sn_bench_free(b);
    char *after = read_all(res, NULL);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
}
END_TEST

START_TEST(second_run_locked_out)
{
    sn_bench_params p;
    quick_params(&p);
    char res[600];
    snprintf(res, sizeof res, "%s/l.jsonl", root);
    sn_bench *b = plan(&p, "small", "lb", res);
    /* fcntl locks belong to the process: a second process must see the lock. */
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        sn_bench_method m;
        sn_bench *b2 = NULL;
        sn_error e = {0};
        sn_bench_method_preset("lb", &m, NULL);
        if (sn_bench_new(&p, root, "small", &m, 1, &b2, NULL) != SN_OK)
            _exit(3);
        sn_status st = sn_bench_resume(b2, res, NULL, &e);
        _exit(st == SN_EIO && strstr(e.msg, "another bench run") ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the second run was not refused");
    sn_bench_free(b);
}
END_TEST

START_TEST(failed_units_recorded_and_retried)
{
    sn_bench_params p;
    quick_params(&p);
    char res[600], data[600], aside[600];
    snprintf(res, sizeof res, "%s/f.jsonl", root);
    snprintf(data, sizeof data, "%s/small/data.txt", root);
    snprintf(aside, sizeof aside, "%s/data.txt.aside", root);
    sn_bench *b = plan(&p, "small", "lb,tail", res);
    /* The data vanish after planning: every unit fails, is recorded, and the run goes on. */
    ck_assert(rename(data, aside) == 0);
    CHECK_OK(sn_bench_run(b, 2, NULL, NULL, NULL, NULL));
    ck_assert_uint_eq(sn_bench_n_done(b), 4);
    sn_bench_free(b);
    ck_assert_uint_eq(count_lines(res), 4);
    sn_bench_report *r = NULL;
    sn_error e = {0};
    CHECK_OK(sn_bench_report_read(res, NULL, &r, &e));
    sn_bench_summary s;
    CHECK_OK(sn_bench_report_summary(r, "small", "tail", &s, NULL));
    ck_assert_uint_eq(s.n_ok, 0);
    ck_assert_uint_eq(s.n_failed, 2);
    ck_assert_msg(strstr(s.error, "data.txt") && strstr(s.error, "cannot open"), "%s", s.error);
    ck_assert(isnan(s.rmse.mean));
    char *md = NULL;
    CHECK_OK(sn_bench_report_format(r, SN_BENCH_MARKDOWN, &md, NULL));
    ck_assert_msg(strstr(md, "tail on small: 2 of 2 splits failed") != NULL, "%s", md);
    free(md);
    sn_bench_report_free(r);
    /* Without --retry-errors a rerun keeps them; with it, they run again and supersede. */
    ck_assert(rename(aside, data) == 0);
    b = plan(&p, "small", "lb,tail", res);
    ck_assert_uint_eq(sn_bench_n_done(b), 4);
    sn_bench_free(b);
    p.retry_errors = true;
    b = plan(&p, "small", "lb,tail", res);
    ck_assert_uint_eq(sn_bench_n_done(b), 0);
    CHECK_OK(sn_bench_run(b, 2, NULL, NULL, NULL, NULL));
    sn_bench_free(b);
    ck_assert_uint_eq(count_lines(res), 8);
    CHECK_OK(sn_bench_report_read(res, NULL, &r, &e));
    size_t n_lines, n_torn, n_sup;
    sn_bench_report_counts(r, &n_lines, &n_torn, &n_sup);
    ck_assert_uint_eq(n_sup, 4);
    CHECK_OK(sn_bench_report_summary(r, "small", "tail", &s, NULL));
    ck_assert_uint_eq(s.n_ok, 2);
    ck_assert_uint_eq(s.n_failed, 0);
    ck_assert(isfinite(s.rmse.mean) && s.rmse.mean > 0);
    sn_bench_report_free(r);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* The report on a hand-made file                                                             */
/* ------------------------------------------------------------------------------------------ */

static void line(FILE *f, const char *ds, int split, const char *m, int grid, const char *status,
                 double rmse, double ll, double ref, double seconds)
{
    fprintf(f, "{\"v\":1,\"dataset\":\"%s\",\"split\":%d,\"method\":\"%s\",\"grid\":%d,"
               "\"config\":\"c-%s\",\"protocol\":\"fixed\",\"status\":\"%s\",\"error\":%s,"
               "\"rmse\":%.17g,\"ll\":%.17g,\"ll_gauss\":%.17g,\"mae\":1,\"ref_abs_err\":%.17g,"
               "\"n\":10,\"keep\":0.995,\"precision\":null,\"learn_precision\":true,"
               "\"sigma0\":null,\"arch\":\"mlp\",\"n_hidden\":50,\"n_layers\":1,\"samples\":10,"
               "\"batch\":32,\"epochs\":4500,\"lr\":0.001,\"draws\":1000,"
               "\"train_seconds\":1,\"seconds\":%.17g}\n",
            ds, split, m, grid, m, status,
            strcmp(status, "ok") == 0 ? "null" : "\"it \\\"broke\\\", badly\"", rmse, ll, ll,
            ref, seconds);
}

START_TEST(report_statistics)
{
    char res[600], paper[600];
    snprintf(res, sizeof res, "%s/h.jsonl", root);
    snprintf(paper, sizeof paper, "%s/paper.csv", root);
    FILE *f = fopen(res, "w");
    /* A: lb 1, 2, 3 (mean 2, std 1, se 1/sqrt 3); tail 2, 2, 2; iw 5 and one failure. */
    line(f, "A", 0, "lb", -1, "ok", 1, -1, 1.5, 10);
    line(f, "A", 1, "lb", -1, "ok", 2, -2, 2.5, 20);
    line(f, "A", 2, "lb", -1, "ok", 3, -3, 3.5, 30);
    line(f, "A", 0, "tail", -1, "ok", 2, -2, 2, 1);
    line(f, "A", 1, "tail", -1, "ok", 2, -2, 2, 1);
    line(f, "A", 2, "tail", -1, "ok", 2, -2, 2, 1);
    line(f, "A", 0, "iw", -1, "ok", 5, -5, 5, 1);
    line(f, "A", 1, "iw", -1, "error", 0, 0, 0, 1);
    /* B: lb 4 (superseded by 1), tail 1 (a tie with lb), iw 3; a grid line (not a test). */
    line(f, "B", 0, "lb", -1, "ok", 4, -4, 4, 1);
    line(f, "B", 0, "tail", -1, "ok", 1, -1, 1, 1);
    line(f, "B", 0, "iw", -1, "ok", 3, -3, 3, 1);
    line(f, "B", 0, "iw", 0, "ok", 100, -100, 100, 7);
    line(f, "B", 0, "lb", -1, "ok", 1, -1, 1, 1);
    /* C: only lb, so C is not ranked. */
    line(f, "C", 0, "lb", -1, "ok", 9, -9, 9, 1);
    fclose(f);
    write_file(paper, "# test\ndataset,method,rmse,rmse_err,ll,ll_err,rmse_kind,err_kind\n"
                      "A,lb,2.80,.19,-2.39,.05,rmse,se\nA,tail,2.369,0.22,-2.346,0.01,"
                      "ref_abs_err,std\n");
    sn_bench_report *r = NULL;
    sn_error e = {0};
    ck_assert_msg(sn_bench_report_read(res, paper, &r, &e) == SN_OK, "%s", e.msg);
    size_t n_lines, n_torn, n_sup;
    sn_bench_report_counts(r, &n_lines, &n_torn, &n_sup);
    ck_assert_uint_eq(n_lines, 14);
    ck_assert_uint_eq(n_torn, 0);
    ck_assert_uint_eq(n_sup, 1);
    sn_bench_summary s;
    CHECK_OK(sn_bench_report_summary(r, "A", "lb", &s, NULL));
    ck_assert_uint_eq(s.n_ok, 3);
    ck_assert_uint_eq(s.rmse.n, 3);
    CHECK_NEAR(s.rmse.mean, 2.0, 1e-15);
    CHECK_NEAR(s.rmse.std, 1.0, 1e-15);
    CHECK_NEAR(s.rmse.se, 1.0 / sqrt(3.0), 1e-15);
    CHECK_NEAR(s.ll.mean, -2.0, 1e-15);
    CHECK_NEAR(s.ref_abs_err.mean, 2.5, 1e-15);
    CHECK_NEAR(s.seconds.mean, 20.0, 1e-12);
    CHECK_NEAR(s.total_seconds, 60.0, 1e-12);
    CHECK_OK(sn_bench_report_summary(r, "A", "iw", &s, NULL));
    ck_assert_uint_eq(s.n_ok, 1);
    ck_assert_uint_eq(s.n_failed, 1);
    ck_assert_str_eq(s.error, "it \"broke\", badly");
    CHECK_NEAR(s.rmse.mean, 5.0, 0);
    ck_assert(isnan(s.rmse.se));
    CHECK_OK(sn_bench_report_summary(r, "B", "lb", &s, NULL));
    CHECK_NEAR(s.rmse.mean, 1.0, 0); /* the later line counts */
    CHECK_OK(sn_bench_report_summary(r, "B", "iw", &s, NULL));
    CHECK_NEAR(s.rmse.mean, 3.0, 0); /* the grid line is not a test result */
    CHECK_NEAR(s.total_seconds, 8.0, 1e-12);
    ck_assert_int_eq(sn_bench_report_summary(r, "C", "iw", &s, &e), SN_EINVAL);
    /* Ranks over A and B (C lacks methods): A lb 2, tail 2 -> tie 1.5 each, iw 3;
     * B lb 1, tail 1 -> 1.5 each, iw 3. */
    double rank;
    size_t n_ds;
    CHECK_OK(sn_bench_report_rank(r, "lb", &rank, &n_ds, NULL));
    ck_assert_uint_eq(n_ds, 2);
    CHECK_NEAR(rank, 1.5, 1e-15);
    CHECK_OK(sn_bench_report_rank(r, "iw", &rank, &n_ds, NULL));
    CHECK_NEAR(rank, 3.0, 1e-15);
    CHECK_OK(sn_bench_report_rank(r, "tail", &rank, &n_ds, NULL));
    CHECK_NEAR(rank, 1.5, 1e-15);
    ck_assert_int_eq(sn_bench_report_rank(r, "vem-ard", &rank, &n_ds, &e), SN_EINVAL);

    char *md = NULL, *csv = NULL;
    CHECK_OK(sn_bench_report_format(r, SN_BENCH_MARKDOWN, &md, NULL));
    CHECK_OK(sn_bench_report_format(r, SN_BENCH_CSV, &csv, NULL));
    /* Table 2 columns in the paper's order, the paper's figures as written, their markers. */
    ck_assert_msg(strstr(md, "| data set | splits | lower bound (lb) | paper | import. weighted "
                             "(iw) | paper | tail-adaptive (tail) | paper |") != NULL, "%s", md);
    ck_assert_msg(strstr(md, "| A | 3 | **2.000 ± 0.577** | 2.80 ± .19 | 5.000 (n=1, errors) | "
                             "— | **2.000 ± 0.000** | 2.369 ± 0.22 ‡† |") != NULL, "%s", md);
    ck_assert_msg(strstr(md, "| average rank | 1.50 | 3.00 | 1.50 |") != NULL, "%s", md);
    ck_assert_msg(strstr(md, "iw on A: 1 of 2 splits failed: it \"broke\", badly") != NULL, "%s",
                  md);
    /* CSV: a header and one row per (data set, method) with results: A 3, B 3, C 1. */
    size_t rows = 0;
    for (const char *c = csv; *c; c++)
        rows += *c == '\n';
    ck_assert_uint_eq(rows, 1 + 7);
    ck_assert_msg(strstr(csv, "\nA,iw,fixed,1,1,5,null,null,") != NULL, "%s", csv);
    ck_assert_msg(strstr(csv, "\"it \"\"broke\"\", badly\"") != NULL, "%s", csv);
    free(md);
    free(csv);
    sn_bench_report_free(r);

    /* A bad paper file is named with its line. */
    write_file(paper, "dataset,method,rmse,rmse_err,ll,ll_err,rmse_kind,err_kind\nA,lb,x,1,1,1,"
                      "rmse,se\n");
    ck_assert_int_eq(sn_bench_report_read(res, paper, &r, &e), SN_EDATA);
    ck_assert_msg(strstr(e.msg, "paper.csv:2:6: expected a number, found \"x\"") != NULL, "%s",
                  e.msg);
    /* The same cell with two settings in one file is refused. */
    f = fopen(res, "a");
    fputs("{\"dataset\":\"C\",\"split\":1,\"method\":\"lb\",\"grid\":-1,\"config\":\"other\","
          "\"status\":\"ok\",\"rmse\":1,\"ll\":1}\n", f);
    fclose(f);
    ck_assert_int_eq(sn_bench_report_read(res, NULL, &r, &e), SN_EDATA);
    ck_assert_msg(strstr(e.msg, "h.jsonl:15") && strstr(e.msg, "other settings"), "%s", e.msg);
    ck_assert_int_eq(sn_bench_report_read("/nonexistent.jsonl", NULL, &r, &e), SN_EIO);
}
END_TEST

static Suite *bench_suite(void)
{
    Suite *s = suite_create("bench");
    TCase *tc = tcase_create("bench");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, presets);
    tcase_add_test(tc, plan_counts);
    tcase_add_test(tc, plan_errors);
    tcase_add_test(tc, stop_and_resume);
    tcase_add_test(tc, cancel_records_nothing);
    tcase_add_test(tc, jobs_do_not_change_results);
    tcase_add_test(tc, gal_chooses_best_validation);
    tcase_add_test(tc, steps_by_hand_match_run);
    tcase_add_test(tc, take_longest_first);
    tcase_add_test(tc, scheduler_by_hand);
    tcase_add_test(tc, torn_last_line);
    tcase_add_test(tc, malformed_line);
    tcase_add_test(tc, hostile_lines_refused);
    tcase_add_test(tc, lines_round_trip);
    tcase_add_test(tc, other_settings_refused);
    tcase_add_test(tc, second_run_locked_out);
    tcase_add_test(tc, failed_units_recorded_and_retried);
    tcase_add_test(tc, report_statistics);
    suite_add_tcase(s, tc);
    return s;
}

SN_TEST_MAIN(bench_suite)
