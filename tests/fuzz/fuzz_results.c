/*
 * fuzz_results.c — libFuzzer harness for the reader of benchmark results files (src/bench/
 * results.c): the --report path (sn_bench_report_read, then both tables) and the resume path
 * (sn_bench_resume of a plan), and the line reader and writer under them.
 *
 * Input: the bytes of a results file. Before use, every "@DS@" becomes the name of the harness's
 * data set and every "@CONFIG@" the config id of its plan, so that mutated lines can match the
 * plan's units (method lb, fixed protocol, 2 splits) and reach the resume's bookkeeping. The data
 * set is a tiny UCI folder written once into the scratch folder, which is itself the data set.
 *
 * Properties besides the sanitizers:
 *   - every complete line that reads is written again as a line that reads to an equal record,
 *     and writing that record gives the same bytes (write -> read -> write is a fixed point);
 *   - every refusal (line, report, resume) is SN_EDATA, SN_EINVAL or SN_ENOMEM with a message
 *     "file:line:" naming the file given and a line in the input; the report and the resume
 *     accept a file only when every line reads, and refuse it otherwise, apart from their own
 *     checks (one cell with two settings in the report, a unit run with other settings than
 *     the plan's in the resume);
 *   - a report that reads counts every complete line and formats both tables;
 *   - a refused resume leaves the file as it was; one that succeeds leaves it equal to the input
 *     up to its last newline (a torn last line cut off), with no more units done than planned.
 */
#include "fuzz_util.h"

#include "bench/bench.h"
#include "shrinknet_bench.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

static char ds_name[256];
static char config[17];
static const char *ds_dir;

static void put(const char *name, const char *text)
{
    char p[700];
    fuzz_write(fuzz_path(p, sizeof p, name), text, strlen(text));
}

/* The scratch folder as a UCI data set of 10 rows, 2 splits of 8 + 2, and the plan's config. */
static void setup(void)
{
    if (ds_dir)
        return;
    ds_dir = fuzz_scratch();
    put("data.txt", "0 1 1\n1 0 2\n1 1 3\n2 1 4\n1 2 5\n2 2 6\n3 1 7\n1 3 8\n3 3 9\n2 3 10\n");
    put("index_features.txt", "0\n1\n");
    put("index_target.txt", "2\n");
    put("n_splits.txt", "2\n");
    put("index_train_0.txt", "0\n1\n2\n3\n4\n5\n6\n7\n");
    put("index_test_0.txt", "8\n9\n");
    put("index_train_1.txt", "2\n3\n4\n5\n6\n7\n8\n9\n");
    put("index_test_1.txt", "0\n1\n");
    const char *slash = strrchr(ds_dir, '/');
    snprintf(ds_name, sizeof ds_name, "%s", slash ? slash + 1 : ds_dir);
    sn_bench *b = NULL;
    sn_bench_params p;
    sn_bench_method m;
    sn_error e = {0};
    sn_bench_params_default(&p);
    FUZZ_CHECK(sn_bench_method_preset("lb", &m, &e) == SN_OK, "%s", e.msg);
    FUZZ_CHECK(sn_bench_new(&p, ds_dir, NULL, &m, 1, &b, &e) == SN_OK, "%s", e.msg);
    snprintf(config, sizeof config, "%s", b->cfg[0].config);
    sn_bench_free(b);
}

/* data[0..n) with the placeholders replaced (malloc'ed, NUL-terminated, *out_n bytes). */
static char *expand(const uint8_t *data, size_t n, size_t *out_n)
{
    size_t cap = n * 4 + 1, k = 0; /* "@DS@" (4 bytes) -> at most 255, but few occur */
    size_t grow = strlen(ds_name) + 16;
    char *s = malloc(cap);
    for (size_t i = 0; s && i < n;) {
        if (k + grow + 1 > cap) {
            cap = 2 * cap + grow;
            char *t = realloc(s, cap);
            if (!t) {
                free(s);
                return NULL;
            }
            s = t;
        }
        if (n - i >= 4 && memcmp(data + i, "@DS@", 4) == 0) {
            k += (size_t)sprintf(s + k, "%s", ds_name);
            i += 4;
        } else if (n - i >= 8 && memcmp(data + i, "@CONFIG@", 8) == 0) {
            k += (size_t)sprintf(s + k, "%s", config);
            i += 8;
        } else {
            s[k++] = (char)data[i++];
        }
    }
    if (s)
        s[k] = 0;
    *out_n = k;
    return s;
}

/* "path:LINE:" with 1 <= LINE <= max_line. */
static void check_refusal(sn_status st, const sn_error *e, const char *path, size_t max_line)
{
    FUZZ_CHECK(st == SN_EDATA || st == SN_EINVAL || st == SN_ENOMEM, "status %d: %s", (int)st,
               e->msg);
    FUZZ_CHECK(e->code == st, "err->code %d, status %d", (int)e->code, (int)st);
    if (st == SN_ENOMEM)
        return;
    size_t n = strlen(path);
    FUZZ_CHECK(strncmp(e->msg, path, n) == 0 && e->msg[n] == ':',
               "message does not name %s: %s", path, e->msg);
    char *end = NULL;
    unsigned long line = strtoul(e->msg + n + 1, &end, 10);
    FUZZ_CHECK(end != e->msg + n + 1 && *end == ':' && line >= 1 && line <= max_line,
               "message names no line of 1..%zu: %s", max_line, e->msg);
}

/* Each complete line: read, write, read, write. Returns whether every line read. */
static bool lines_round_trip(const char *text, size_t len, size_t *n_lines)
{
    bool all = true;
    size_t line = 0;
    for (size_t pos = 0; pos < len;) {
        const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
        if (!nl)
            break;
        size_t n = (size_t)(nl - s);
        pos += n + 1;
        line++;
        size_t k = 0;
        while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r'))
            k++;
        if (k == n)
            continue;
        record r, r2;
        sn_error e = {0};
        sn_status st = record_parse(s, n, "in.jsonl", line, &r, &e);
        if (st != SN_OK) {
            check_refusal(st, &e, "in.jsonl", line);
            all = false;
            continue;
        }
        char *w1 = NULL, *w2 = NULL;
        FUZZ_CHECK(record_write(&r, &w1, &e) == SN_OK, "%s", e.msg);
        size_t n1 = strlen(w1);
        FUZZ_CHECK(n1 > 1 && w1[n1 - 1] == '\n' && !memchr(w1, '\n', n1 - 1),
                   "a written line is not one line: %s", w1);
        st = record_parse(w1, n1 - 1, "again", 1, &r2, &e);
        FUZZ_CHECK(st == SN_OK, "a written line does not read: %s\n%s", e.msg, w1);
        FUZZ_CHECK(record_equal(&r, &r2), "written again, line %zu reads otherwise:\n%.*s\n%s",
                   line, (int)n, s, w1);
        FUZZ_CHECK(record_write(&r2, &w2, &e) == SN_OK, "%s", e.msg);
        FUZZ_CHECK(strcmp(w1, w2) == 0, "write -> read -> write changed the line:\n%s%s", w1,
                   w2);
        free(w1);
        free(w2);
        record_free(&r);
        record_free(&r2);
    }
    *n_lines = line;
    return all;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    size_t len = 0;
    char *text = expand(data, size, &len);
    if (!text)
        return 0;
    char path[700];
    fuzz_path(path, sizeof path, "in.jsonl");
    size_t n_lines = 0, good = 0;
    bool lines_ok = lines_round_trip(text, len, &n_lines);
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n')
            good = i + 1;

    /* The --report path. */
    fuzz_write(path, text, len);
    sn_bench_report *r = NULL;
    sn_error e = {0};
    sn_status st = sn_bench_report_read(path, NULL, &r, &e);
    if (st != SN_OK) {
        check_refusal(st, &e, path, n_lines);
        FUZZ_CHECK(r == NULL, "a refused report was returned");
        FUZZ_CHECK(!lines_ok || strstr(e.msg, "other settings"),
                   "the report refused lines that read: %s", e.msg);
    } else {
        FUZZ_CHECK(lines_ok, "the report read a file with a refused line");
        size_t nl = 0, torn = 0, sup = 0;
        sn_bench_report_counts(r, &nl, &torn, &sup);
        FUZZ_CHECK(nl == n_lines && torn == (good < len), "counts %zu lines %zu torn", nl, torn);
        char *md = NULL, *csv = NULL;
        FUZZ_CHECK(sn_bench_report_format(r, SN_BENCH_MARKDOWN, &md, &e) == SN_OK, "%s", e.msg);
        FUZZ_CHECK(sn_bench_report_format(r, SN_BENCH_CSV, &csv, &e) == SN_OK, "%s", e.msg);
        free(md);
        free(csv);
        sn_bench_report_free(r);
    }
    bool report_ok = st == SN_OK;

    /* The resume path. */
    sn_bench_params p;
    sn_bench_method m;
    sn_bench *b = NULL;
    sn_bench_params_default(&p);
    p.retry_errors = size > 0 && (data[0] & 1); /* either way, by the first byte */
    FUZZ_CHECK(sn_bench_method_preset("lb", &m, NULL) == SN_OK, "preset");
    FUZZ_CHECK(sn_bench_new(&p, ds_dir, NULL, &m, 1, &b, &e) == SN_OK, "%s", e.msg);
    size_t torn = 0;
    st = sn_bench_resume(b, path, &torn, &e);
    size_t after_len = 0;
    char *after = NULL;
    sn_error fe = {0};
    FUZZ_CHECK(sn_file_read(path, &after, &after_len, &fe) == SN_OK, "%s", fe.msg);
    if (st != SN_OK) {
        check_refusal(st, &e, path, n_lines);
        FUZZ_CHECK(after_len == len && memcmp(after, text, len) == 0,
                   "a refused resume changed the file");
        FUZZ_CHECK(st == SN_EINVAL || !lines_ok, "the resume refused lines that read: %s",
                   e.msg);
        FUZZ_CHECK(!report_ok || st == SN_EINVAL,
                   "the report read what the resume refused: %s", e.msg);
    } else {
        FUZZ_CHECK(lines_ok, "the resume read a file with a refused line");
        FUZZ_CHECK(after_len == good && memcmp(after, text, good) == 0 && torn == len - good,
                   "the resume left %zu of %zu bytes (torn %zu)", after_len, len, torn);
        FUZZ_CHECK(sn_bench_n_done(b) <= sn_bench_n_units(b), "%zu of %zu done",
                   sn_bench_n_done(b), sn_bench_n_units(b));
    }
    free(after);
    sn_bench_free(b);
    free(text);
    return 0;
}
