/*
 * results.c — the results file of the benchmark: the record schema, one line read and written
 * with jansson, a whole file parsed (its torn last line set aside), attaching a file to a plan
 * (sn_bench_resume: lock, check, repair, mark done) and appending a line.
 *
 * ============================================================================================
 * Results file: one JSON object per line (also in docs/results.md)
 * ============================================================================================
 *   {"v":1,"dataset":"yacht","split":0,"method":"tail","grid":-1,"config":"<16 hex>",
 *    "protocol":"fixed","status":"ok"|"error","error":null|"message",
 *    "part":"test"|"valid","rmse":..,"ll":..,"ll_gauss":..,"mae":..,"ref_abs_err":..,"n":..,
 *    "chosen_grid":k|null,"valid_ll":..|null,"keep":..|null,"precision":..|null,
 *    "learn_precision":bool,"precision_final":..|null,"sigma0":..|null,"arch":"mlp",
 *    "n_hidden":50,"n_layers":1,"method_kind":"mc"|"vem","objective":..|null,"prior":..|null,
 *    "variant":..|null,"samples":10,"batch":32,"epochs":4500,"lr":0.001,"draws":1000,
 *    "n_train":277,"seed":"<decimal>","version":"0.1.0","tag":"",
 *    "train_seconds":..,"seconds":..}
 *   grid is the grid point (0-based) or -1 for the test unit. Numbers are %.17g; null stands
 *   for "not applicable", for a non-finite value, and for sigma0 = infinity (no L2 term).
 *   config is a hash of every setting of the (data set, method) cell except the split count:
 *   a rerun with other settings into the same file is refused instead of mixing results.
 *   The timing fields come last so that a line minus its timing is reproducible.
 *   Each line is written by one write() on an O_APPEND descriptor and then fsync'ed. A line
 *   without its newline at the end of the file is a write cut short by a kill: readers ignore
 *   it, and sn_bench_resume truncates it before appending. When one unit has several lines
 *   (errors rerun with retry_errors), the last one counts.
 *
 * Reading: a line is one JSON object (jansson, duplicate keys refused, strings valid UTF-8
 * without NUL, numbers finite: an overflow such as 1e999999 is refused). dataset, split,
 * method, grid, config and status are required; every other key of the schema may be missing
 * (null), and keys outside it are ignored. A key of the schema holding another type is refused.
 * Writing: jansson builds the object, in the order above, and escapes its strings; numbers are
 * printed with %.17g as the format always had them ("1", not jansson's "1.0").
 */
#include "bench/bench.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ========================================================================================== */
/* The schema                                                                                 */
/* ========================================================================================== */

typedef enum {
    F_STR,     /* char *, NULL = null */
    F_NUM,     /* double, NAN = null */
    F_BOOL,    /* bool */
    F_STATUS,  /* bool is_ok: "ok" or "error" */
    F_SPLIT,   /* size_t in [0, 1e6] */
    F_GRID     /* int in [-1, 1e6] */
} field_kind;

typedef struct {
    const char *key;
    field_kind kind;
    size_t off;
    bool required;
} field;

#define S(k, m) {k, F_STR, offsetof(record, m), false}
#define N(k, m) {k, F_NUM, offsetof(record, m), false}

/* In the order of the line. */
static const field schema[] = {
    N("v", v),
    {"dataset", F_STR, offsetof(record, dataset), true},
    {"split", F_SPLIT, offsetof(record, split), true},
    {"method", F_STR, offsetof(record, method), true},
    {"grid", F_GRID, offsetof(record, grid), true},
    {"config", F_STR, offsetof(record, config), true},
    S("protocol", protocol),
    {"status", F_STATUS, offsetof(record, is_ok), true},
    S("error", error), S("part", part),
    N("rmse", rmse), N("ll", ll), N("ll_gauss", ll_gauss), N("mae", mae),
    N("ref_abs_err", ref_abs_err), N("n", n), N("chosen_grid", chosen_grid),
    N("valid_ll", valid_ll), N("keep", keep), N("precision", precision),
    {"learn_precision", F_BOOL, offsetof(record, learn_precision), false},
    N("precision_final", precision_final), N("sigma0", sigma0), S("arch", arch),
    N("n_hidden", n_hidden), N("n_layers", n_layers), S("method_kind", method_kind),
    S("objective", objective), S("prior", prior), S("variant", variant),
    N("samples", samples), N("batch", batch), N("epochs", epochs), N("lr", lr),
    N("draws", draws), N("n_train", n_train), S("seed", seed), S("version", version),
    S("tag", tag), N("train_seconds", train_seconds), N("seconds", seconds),
};
#define N_FIELDS (sizeof schema / sizeof schema[0])

#undef S
#undef N

#define AT(r, f, type) ((type *)(void *)((char *)(r) + (f)->off))
#define AT_C(r, f, type) ((const type *)(const void *)((const char *)(r) + (f)->off))

void record_init(record *r)
{
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < N_FIELDS; i++)
        if (schema[i].kind == F_NUM)
            *AT(r, &schema[i], double) = NAN;
}

void record_free(record *r)
{
    for (size_t i = 0; i < N_FIELDS; i++)
        if (schema[i].kind == F_STR)
            free(*AT(r, &schema[i], char *));
    record_init(r);
}

bool record_equal(const record *a, const record *b)
{
    for (size_t i = 0; i < N_FIELDS; i++) {
        const field *f = &schema[i];
        switch (f->kind) {
        case F_STR: {
            const char *x = *AT_C(a, f, char *), *y = *AT_C(b, f, char *);
            if ((x == NULL) != (y == NULL) || (x && strcmp(x, y) != 0))
                return false;
            break;
        }
        case F_NUM: {
            double x = *AT_C(a, f, double), y = *AT_C(b, f, double);
            if (!(x == y || (isnan(x) && isnan(y))))
                return false;
            break;
        }
        case F_BOOL:
        case F_STATUS:
            if (*AT_C(a, f, bool) != *AT_C(b, f, bool))
                return false;
            break;
        case F_SPLIT:
        case F_GRID:
            if (a->split != b->split || a->grid != b->grid)
                return false;
            break;
        }
    }
    return true;
}

/* ========================================================================================== */
/* Reading one line                                                                           */
/* ========================================================================================== */

static const char *type_name(const json_t *v)
{
    return json_is_object(v) ? "an object" : json_is_array(v) ? "an array"
           : json_is_string(v) ? "a string" : json_is_number(v) ? "a number"
           : json_is_boolean(v) ? "a boolean" : "null";
}

/* What take_field returns when a copy could not be made. */
static const char NO_MEMORY[] = "memory";

/* The value v of field f into r; NULL, or what was expected (NO_MEMORY). */
static const char *take_field(const field *f, const json_t *v, record *r)
{
    switch (f->kind) {
    case F_STR:
        if (json_is_null(v))
            return NULL;
        if (!json_is_string(v))
            return "a string or null";
        if (!(*AT(r, f, char *) = sn_strdup(json_string_value(v))))
            return NO_MEMORY;
        return NULL;
    case F_NUM:
        if (json_is_null(v))
            return NULL;
        if (!json_is_number(v) || !isfinite(json_number_value(v)))
            return "a finite number or null";
        *AT(r, f, double) = json_number_value(v);
        return NULL;
    case F_BOOL:
        if (!json_is_boolean(v))
            return "true or false";
        *AT(r, f, bool) = json_is_true(v);
        return NULL;
    case F_STATUS: {
        const char *s = json_is_string(v) ? json_string_value(v) : NULL;
        if (!s || (strcmp(s, "ok") != 0 && strcmp(s, "error") != 0))
            return "\"ok\" or \"error\"";
        r->is_ok = strcmp(s, "ok") == 0;
        return NULL;
    }
    case F_SPLIT:
    case F_GRID: {
        double x = json_is_number(v) ? json_number_value(v) : NAN;
        double lo = f->kind == F_SPLIT ? 0 : -1;
        /* A million splits or grid points is far beyond any plan: a bound, not a limit. */
        if (!(x >= lo && x <= 1e6 && x == floor(x)))
            return f->kind == F_SPLIT ? "an integer in [0, 1000000]"
                                      : "an integer in [-1, 1000000]";
        if (f->kind == F_SPLIT)
            r->split = (size_t)x;
        else
            r->grid = (int)x;
        return NULL;
    }
    }
    return "?";
}

sn_status record_parse(const char *s, size_t n, const char *path, size_t line, record *r,
                       sn_error *err)
{
    record_init(r);
    r->line = line;
    sn_status st = SN_OK;
    json_error_t je;
    /* One object, no key twice; jansson also refuses invalid UTF-8, NUL in strings and numbers
     * that overflow a double. */
    json_t *o = json_loadb(s, n, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &je);
    if (!o) {
        st = sn_fail(err, SN_EDATA, "%s:%zu:%d: expected a JSON object of one unit: %s", path,
                     line, je.position > 0 ? je.position : 1, je.text);
        goto fail;
    }
    if (!json_is_object(o)) {
        st = sn_fail(err, SN_EDATA, "%s:%zu:1: expected a JSON object of one unit, found %s",
                     path, line, type_name(o));
        goto fail;
    }
    for (size_t i = 0; i < N_FIELDS; i++) {
        const field *f = &schema[i];
        const json_t *v = json_object_get(o, f->key);
        if (!v) {
            if (f->required) {
                st = sn_fail(err, SN_EDATA, "%s:%zu:1: a line without \"%s\"", path, line,
                             f->key);
                goto fail;
            }
            continue;
        }
        const char *want = take_field(f, v, r);
        if (want == NO_MEMORY) {
            st = sn_fail(err, SN_ENOMEM, "%s:%zu: out of memory", path, line);
            goto fail;
        }
        if (want) {
            st = sn_fail(err, SN_EDATA, "%s:%zu:1: \"%s\": expected %s, found %s", path, line,
                         f->key, want, type_name(v));
            goto fail;
        }
    }
    /* The unit's key: present and not null (dataset and method not empty either). */
    const char *missing = !r->dataset || !*r->dataset ? "dataset"
                          : !r->method || !*r->method ? "method"
                          : !r->config                ? "config"
                                                      : NULL;
    if (missing) {
        st = sn_fail(err, SN_EDATA, "%s:%zu:1: a line without \"%s\"", path, line, missing);
        goto fail;
    }
    json_decref(o);
    return SN_OK;
fail:
    json_decref(o);
    record_free(r);
    return st;
}

/* ========================================================================================== */
/* Writing one line                                                                           */
/* ========================================================================================== */

/* Length of the UTF-8 sequence at s (of at most n bytes), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t k = c < 0x80 ? 1 : (c >= 0xc2 && c <= 0xdf) ? 2 : (c >= 0xe0 && c <= 0xef) ? 3
                            : (c >= 0xf0 && c <= 0xf4) ? 4 : 0;
    if (k == 0 || k > n)
        return 0;
    for (size_t i = 1; i < k; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    /* Overlong forms, surrogates and code points past U+10FFFF. */
    if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
        (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
        return 0;
    return k;
}

/* A JSON string of s, its stray bytes (not UTF-8: a path in an error message) as '?'. */
static json_t *string_value(const char *s)
{
    json_t *v = json_string(s);
    if (v)
        return v;
    size_t n = strlen(s);
    char *t = malloc(n + 1);
    if (!t)
        return NULL;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_len((const unsigned char *)s + i, n - i);
        if (k == 0) {
            t[i++] = '?';
        } else {
            memcpy(t + i, s + i, k);
            i += k;
        }
    }
    t[n] = 0;
    v = json_string(t);
    free(t);
    return v;
}

static json_t *field_value(const field *f, const record *r)
{
    switch (f->kind) {
    case F_STR: {
        const char *s = *AT_C(r, f, char *);
        return s ? string_value(s) : json_null();
    }
    case F_NUM: {
        double x = *AT_C(r, f, double);
        return isfinite(x) ? json_real(x) : json_null();
    }
    case F_BOOL: return json_boolean(*AT_C(r, f, bool));
    case F_STATUS: return json_string(r->is_ok ? "ok" : "error");
    case F_SPLIT: return json_integer((json_int_t)r->split);
    case F_GRID: return json_integer(r->grid);
    }
    return NULL;
}

/* Print o (flat: strings, numbers, booleans, null) in its order, reals as %.17g. */
static void dump_flat(const json_t *o, sbuf *s)
{
    const char *key;
    json_t *v;
    bool first = true;
    sb_puts(s, "{");
    json_object_foreach((json_t *)o, key, v) {
        sb_printf(s, "%s\"%s\":", first ? "" : ",", key); /* our keys need no escaping */
        first = false;
        if (json_is_real(v)) {
            sb_num(s, json_real_value(v));
        } else if (json_is_integer(v)) {
            sb_printf(s, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        } else {
            char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
            if (!t) {
                s->oom = true;
                return;
            }
            sb_puts(s, t);
            free(t);
        }
    }
    sb_puts(s, "}\n");
}

sn_status record_write(const record *r, char **out, sn_error *err)
{
    *out = NULL;
    sbuf s = {0};
    json_t *o = json_object();
    if (!o)
        goto nomem;
    for (size_t i = 0; i < N_FIELDS; i++) {
        json_t *v = field_value(&schema[i], r);
        if (!v || json_object_set_new(o, schema[i].key, v) != 0)
            goto nomem;
    }
    dump_flat(o, &s);
    if (s.oom)
        goto nomem;
    json_decref(o);
    *out = s.s;
    return SN_OK;
nomem:
    json_decref(o);
    free(s.s);
    return sn_fail(err, SN_ENOMEM, "out of memory writing a results line");
}

/* ========================================================================================== */
/* A whole file                                                                               */
/* ========================================================================================== */

void records_free(record_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        record_free(&l->r[i]);
    free(l->r);
    memset(l, 0, sizeof *l);
}

sn_status records_parse(const char *path, const char *text, size_t len, record_list *l,
                        sn_error *err)
{
    memset(l, 0, sizeof *l);
    size_t pos = 0, line = 0;
    sn_status st = SN_OK;
    while (pos < len) {
        const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
        if (!nl) {
            /* The rest was written without its newline: a write cut short. */
            l->torn_bytes = len - pos;
            break;
        }
        size_t n = (size_t)(nl - s), k = 0;
        line++;
        pos += n + 1;
        l->n_lines = line;
        l->good_bytes = pos;
        while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r'))
            k++;
        if (k == n)
            continue;
        if (l->n == l->cap) {
            size_t cap = l->cap ? 2 * l->cap : 64;
            record *r = cap <= SIZE_MAX / sizeof *r ? realloc(l->r, cap * sizeof *r) : NULL;
            if (!r) {
                st = sn_fail(err, SN_ENOMEM, "out of memory reading %s", path);
                goto fail;
            }
            l->r = r;
            l->cap = cap;
        }
        if ((st = record_parse(s, n, path, line, &l->r[l->n], err)) != SN_OK)
            goto fail;
        l->n++;
    }
    return SN_OK;
fail:
    records_free(l);
    return st;
}

/* ========================================================================================== */
/* Attaching a results file to a plan                                                         */
/* ========================================================================================== */

/* The cell (data set x method) of a record, or SIZE_MAX when the plan has none. */
static size_t find_cell(const sn_bench *b, const record *r)
{
    size_t di = SIZE_MAX, mi = SIZE_MAX;
    for (size_t i = 0; i < b->n_ds; i++)
        if (strcmp(b->ds[i].name, r->dataset) == 0)
            di = i;
    for (size_t m = 0; m < b->n_meth; m++)
        if (strcmp(b->meth[m].name, r->method) == 0)
            mi = m;
    return di == SIZE_MAX || mi == SIZE_MAX ? SIZE_MAX : di * b->n_meth + mi;
}

/* The unit of a record of cell ci, or SIZE_MAX when the plan has no such split or grid point
 * (a run with more splits than this one). */
static size_t find_unit(const sn_bench *b, size_t ci, const record *r)
{
    size_t di = ci / b->n_meth, mi = ci % b->n_meth;
    const bench_cfg *c = &b->cfg[ci];
    if (r->split >= b->ds[di].n_splits || r->grid >= (int)c->n_grid)
        return SIZE_MAX;
    /* Units are laid out data set, split, method, grid: count the units before this one. */
    size_t k = 0;
    for (size_t i = 0; i < di; i++)
        for (size_t m = 0; m < b->n_meth; m++)
            k += b->ds[i].n_splits * (b->cfg[i * b->n_meth + m].n_grid + 1);
    for (size_t s = 0; s < r->split; s++)
        for (size_t m = 0; m < b->n_meth; m++)
            k += b->cfg[di * b->n_meth + m].n_grid + 1;
    for (size_t m = 0; m < mi; m++)
        k += b->cfg[di * b->n_meth + m].n_grid + 1;
    return k + (r->grid < 0 ? c->n_grid : (size_t)r->grid);
}

void bench_unit_take_record(bench_unit *u, const record *r)
{
    u->is_ok = r->is_ok;
    u->valid_ll = r->is_ok && r->grid >= 0 ? r->ll : NAN;
    u->keep = r->keep;
    u->precision = r->precision;
    free(u->error);
    u->error = r->error ? sn_strdup(r->error) : NULL;
}

/* Open and lock path for this run: one run per file, a second would interleave its units. */
static sn_status open_locked(const char *path, int *out, sn_error *err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return sn_fail(err, SN_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct flock lk;
    memset(&lk, 0, sizeof lk);
    lk.l_type = F_WRLCK;
    lk.l_whence = SEEK_SET;
    if (fcntl(fd, F_SETLK, &lk) != 0) {
        int e = errno;
        close(fd);
        if (e == EACCES || e == EAGAIN)
            return sn_fail(err, SN_EIO, "%s: another bench run is writing this file", path);
        return sn_fail(err, SN_EIO, "%s: cannot lock: %s", path, strerror(e));
    }
    *out = fd;
    return SN_OK;
}

sn_status sn_bench_resume(sn_bench *b, const char *results_path, size_t *n_torn_bytes,
                          sn_error *err)
{
    if (n_torn_bytes)
        *n_torn_bytes = 0;
    if (!b || !results_path)
        return sn_fail(err, SN_EINVAL, "sn_bench_resume: NULL argument");
    if (b->fd >= 0)
        return sn_fail(err, SN_EINVAL, "sn_bench_resume: a results file is already attached");
    int fd = -1;
    char *text = NULL, *path = NULL;
    size_t len = 0, *match = NULL;
    record_list l = {0};
    sn_status st;
    if ((st = open_locked(results_path, &fd, err)) != SN_OK)
        return st;
    if ((st = sn_fd_read_all(fd, results_path, &text, &len, err)) != SN_OK ||
        (st = records_parse(results_path, text, len, &l, err)) != SN_OK)
        goto fail;
    if (!(match = sn_calloc(l.n ? l.n : 1, sizeof *match)) || !(path = sn_strdup(results_path))) {
        st = sn_fail(err, SN_ENOMEM, "out of memory");
        goto fail;
    }
    /* Check every line against the plan before changing anything. */
    for (size_t i = 0; i < l.n; i++) {
        const record *r = &l.r[i];
        size_t ci = find_cell(b, r);
        match[i] = SIZE_MAX;
        if (ci == SIZE_MAX)
            continue; /* another data set or method: kept, not ours */
        if (strcmp(b->cfg[ci].config, r->config) != 0) {
            st = sn_fail(err, SN_EINVAL,
                         "%s:%zu: %s on %s was run with other settings there (config %s, now "
                         "%s); write these results to another file (--out)",
                         results_path, r->line, r->method, r->dataset, r->config,
                         b->cfg[ci].config);
            goto fail;
        }
        match[i] = find_unit(b, ci, r);
    }
    /* Cut a torn last line off so that the next line starts on a line of its own. */
    if (l.torn_bytes > 0) {
        if (ftruncate(fd, (off_t)l.good_bytes) != 0 || fsync(fd) != 0) {
            st = sn_fail(err, SN_EIO, "%s: cannot remove the torn last line: %s", results_path,
                         strerror(errno));
            goto fail;
        }
        if (n_torn_bytes)
            *n_torn_bytes = l.torn_bytes;
    }
    /* The last line of a unit counts. */
    for (size_t i = 0; i < l.n; i++) {
        if (match[i] == SIZE_MAX)
            continue;
        bench_unit *u = &b->u[match[i]];
        const record *r = &l.r[i];
        if (r->is_ok || !b->p.retry_errors) {
            bench_unit_take_record(u, r);
            u->state = U_DONE;
        } else {
            u->state = U_TODO;
        }
    }
    b->n_done = 0;
    for (size_t i = 0; i < b->n_units; i++)
        b->n_done += b->u[i].state == U_DONE;
    b->fd = fd;
    b->path = path;
    fd = -1;
    path = NULL;
fail:
    free(text);
    free(match);
    free(path);
    records_free(&l);
    if (fd >= 0)
        close(fd);
    return st;
}

sn_status bench_append_line(sn_bench *b, const char *line, size_t len, sn_error *err)
{
    off_t before = lseek(b->fd, 0, SEEK_END);
    ssize_t k;
    do
        k = write(b->fd, line, len);
    while (k < 0 && errno == EINTR);
    if (k < 0 || (size_t)k != len) {
        int e = k < 0 ? errno : ENOSPC;
        /* Take a partial line back so that the file stays a list of whole lines; if that fails
         * too, the torn tail is cut on the next resume. */
        if (before >= 0 && ftruncate(b->fd, before) != 0)
            e = k < 0 ? e : ENOSPC;
        return sn_fail(err, SN_EIO, "%s: cannot append a result: %s", b->path, strerror(e));
    }
    if (fsync(b->fd) != 0)
        return sn_fail(err, SN_EIO, "%s: cannot sync: %s", b->path, strerror(errno));
    return SN_OK;
}
