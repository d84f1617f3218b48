/*
 * bench.c — the UCI benchmark harness: data sets x splits x methods (x grid points) as units of
 * work, run on worker threads, each finished unit appended to a results file that a rerun
 * resumes from, and the paper's Tables 2 and 3 rebuilt from that file.
 *
 * ============================================================================================
 * Protocols (MATH.md §5)
 * ============================================================================================
 *   fixed  one test unit per (data set, split, method): train on the training part with the
 *          settings given (by default the authors' code's: 4500 epochs, batch 32, S = 10,
 *          keep 0.995, no L2 term, precision learned) and score the test part.
 *   gal    Gal & Ghahramani's protocol. The grid is dropout_rates.txt (as keep = 1 - rate, for
 *          Bernoulli noise only) x tau_values.txt (fixed noise precision, original units of y);
 *          an axis fixed by the caller (keep, precision, learn_precision) has one value. With
 *          more than one grid point, grid unit k trains on the first 80% of the split's
 *          training indices (floor, as Gal's code does) and scores the last 20%; the test unit
 *          refits on the whole training part with the grid point of the best validation
 *          log-likelihood (37) (ties: the lowest index) and scores the test part. Dropout nets
 *          train Gal's budget (n_epochs.txt x 100 epochs, batch 128, weight decay (39) with
 *          l = 1e-2); the variational-EM resnets keep the authors' budget.
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
 * ============================================================================================
 * Paper figures (bench/paper_table2.csv)
 * ============================================================================================
 *   '#' comment lines, a header, then dataset,method,rmse,rmse_err,ll,ll_err,rmse_kind,err_kind
 *   with rmse_kind "rmse" (36) or "ref_abs_err" (38) and err_kind "se" or "std": the figures
 *   are shown as written in the file.
 */
#include "bench/bench.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Version of the results line format, written as "v". */
#define LINE_VERSION 1
/* Longest key of a results line we read; longer keys are a malformed line. */
#define KEY_MAX 32
/* Gal's epoch count when a data set has no n_epochs.txt: his usual multiplier file value. */
#define GAL_EPOCHS_FILE_DEFAULT 40
/* Gal's minibatch size (MATH.md §5). */
#define GAL_BATCH 128
/* Width of a hidden layer when neither the method, the caller nor n_hidden.txt gives one. */
#define DEFAULT_HIDDEN 50
/* Relative cost of one training row (forward, backward, update) against one scored row
 * (forward only), for the estimate of the time left and the longest-first order. */
#define TRAIN_ROW_COST 3.0
/* Cost of a row of a variational-EM resnet against a row of an MC dropout net, training or
 * scoring: about 30 us against 0.5 us per row and epoch on yacht (docs/performance.md). */
#define VEM_ROW_COST 60.0

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* ========================================================================================== */
/* A growing string                                                                           */
/* ========================================================================================== */

typedef struct {
    char *s;
    size_t len, cap;
    bool oom;
} sbuf;

static void sb_reserve(sbuf *b, size_t extra)
{
    if (b->oom)
        return;
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2) {
            b->oom = true;
            return;
        }
        cap *= 2;
    }
    char *s = realloc(b->s, cap);
    if (!s) {
        b->oom = true;
        return;
    }
    b->s = s;
    b->cap = cap;
}

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = true;
        return;
    }
    sb_reserve(b, (size_t)n);
    if (b->oom)
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static void sb_puts(sbuf *b, const char *s)
{
    size_t n = strlen(s);
    sb_reserve(b, n);
    if (b->oom)
        return;
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

/* A JSON string: quotes, backslashes and control bytes escaped; other bytes as they are. */
static void sb_json_str(sbuf *b, const char *s)
{
    if (!s) {
        sb_puts(b, "null");
        return;
    }
    sb_puts(b, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            sb_printf(b, "\\%c", c);
        else if (c == '\n')
            sb_puts(b, "\\n");
        else if (c == '\t')
            sb_puts(b, "\\t");
        else if (c < 0x20 || c == 0x7f)
            sb_printf(b, "\\u%04x", c);
        else
            sb_printf(b, "%c", c);
    }
    sb_puts(b, "\"");
}

/* A number as %.17g (round-trips exactly), or null when not finite. */
static void sb_json_num(sbuf *b, double x)
{
    if (isfinite(x))
        sb_printf(b, "%.17g", x);
    else
        sb_puts(b, "null");
}

/* ========================================================================================== */
/* Reading our own JSON lines: flat objects of strings, numbers, booleans and null            */
/* ========================================================================================== */

typedef enum { JV_NULL = 0, JV_BOOL, JV_NUM, JV_STR } jv_kind;

typedef struct {
    char key[KEY_MAX];
    jv_kind kind;
    double num;
    bool b;
    char *str; /* JV_STR, unescaped */
} jfield;

typedef struct {
    jfield *f;
    size_t n, cap;
} jobj;

static void jobj_free(jobj *o)
{
    for (size_t i = 0; i < o->n; i++)
        free(o->f[i].str);
    free(o->f);
    memset(o, 0, sizeof *o);
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
        p++;
    return p;
}

/* Parse a JSON string at *pp (which points at the opening quote) into a new buffer. */
static char *parse_jstr(const char **pp, const char *end, const char **why)
{
    const char *p = *pp + 1;
    size_t cap = 16, n = 0;
    char *s = malloc(cap);
    if (!s) {
        *why = "out of memory";
        return NULL;
    }
    while (p < end && *p != '"') {
        char c = *p++;
        if ((unsigned char)c < 0x20) {
            *why = "a control byte inside a string";
            free(s);
            return NULL;
        }
        if (c == '\\') {
            if (p >= end)
                break;
            char e = *p++;
            switch (e) {
            case '"': c = '"'; break;
            case '\\': c = '\\'; break;
            case '/': c = '/'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'u': {
                unsigned v = 0;
                for (int k = 0; k < 4; k++) {
                    if (p >= end) {
                        *why = "a short \\u escape";
                        free(s);
                        return NULL;
                    }
                    char h = *p++;
                    v <<= 4;
                    if (h >= '0' && h <= '9')
                        v |= (unsigned)(h - '0');
                    else if (h >= 'a' && h <= 'f')
                        v |= (unsigned)(h - 'a' + 10);
                    else if (h >= 'A' && h <= 'F')
                        v |= (unsigned)(h - 'A' + 10);
                    else {
                        *why = "a bad \\u escape";
                        free(s);
                        return NULL;
                    }
                }
                /* We only ever write \u for control bytes; anything wider reads as '?'. */
                c = v < 0x80 ? (char)v : '?';
                break;
            }
            default:
                *why = "a bad escape in a string";
                free(s);
                return NULL;
            }
        }
        if (n + 2 > cap) {
            cap *= 2;
            char *t = realloc(s, cap);
            if (!t) {
                free(s);
                *why = "out of memory";
                return NULL;
            }
            s = t;
        }
        s[n++] = c;
    }
    if (p >= end) {
        *why = "an unterminated string";
        free(s);
        return NULL;
    }
    s[n] = 0;
    *pp = p + 1;
    return s;
}

/* Parse one line (without its newline) holding a flat JSON object. On failure returns false and
 * sets *why and *col (1-based byte column). */
static bool jobj_parse(const char *line, size_t len, jobj *o, const char **why, size_t *col)
{
    const char *p = line, *end = line + len;
    memset(o, 0, sizeof *o);
#define BAD(msg)                                                                                \
    do {                                                                                        \
        *why = (msg);                                                                           \
        *col = (size_t)(p - line) + 1;                                                          \
        goto fail;                                                                              \
    } while (0)
    p = skip_ws(p, end);
    if (p >= end || *p != '{')
        BAD("expected '{'");
    p = skip_ws(p + 1, end);
    if (p < end && *p == '}') {
        p++;
    } else {
        for (;;) {
            p = skip_ws(p, end);
            if (p >= end || *p != '"')
                BAD("expected a key in quotes");
            const char *w = NULL;
            char *key = parse_jstr(&p, end, &w);
            if (!key)
                BAD(w);
            if (strlen(key) >= KEY_MAX) {
                free(key);
                BAD("a key longer than 31 bytes");
            }
            if (o->n == o->cap) {
                size_t cap = o->cap ? 2 * o->cap : 32;
                jfield *f = realloc(o->f, cap * sizeof *f);
                if (!f) {
                    free(key);
                    BAD("out of memory");
                }
                o->f = f;
                o->cap = cap;
            }
            jfield *f = &o->f[o->n];
            memset(f, 0, sizeof *f);
            strcpy(f->key, key);
            free(key);
            p = skip_ws(p, end);
            if (p >= end || *p != ':')
                BAD("expected ':'");
            p = skip_ws(p + 1, end);
            if (p >= end)
                BAD("expected a value");
            if (*p == '"') {
                f->kind = JV_STR;
                if (!(f->str = parse_jstr(&p, end, &w)))
                    BAD(w);
            } else if ((size_t)(end - p) >= 4 && memcmp(p, "null", 4) == 0) {
                f->kind = JV_NULL;
                p += 4;
            } else if ((size_t)(end - p) >= 4 && memcmp(p, "true", 4) == 0) {
                f->kind = JV_BOOL;
                f->b = true;
                p += 4;
            } else if ((size_t)(end - p) >= 5 && memcmp(p, "false", 5) == 0) {
                f->kind = JV_BOOL;
                p += 5;
            } else if (*p == '-' || (*p >= '0' && *p <= '9')) {
                /* strtod could run past the line; copy the number's characters first. */
                char num[64];
                size_t k = 0;
                while (p + k < end && k + 1 < sizeof num &&
                       strchr("0123456789+-.eE", p[k]) != NULL)
                    k++;
                memcpy(num, p, k);
                num[k] = 0;
                char *ep;
                double x = strtod(num, &ep);
                if (ep == num || *ep || !isfinite(x))
                    BAD("expected a number");
                f->kind = JV_NUM;
                f->num = x;
                p += k;
            } else {
                BAD("expected a value");
            }
            o->n++;
            p = skip_ws(p, end);
            if (p < end && *p == ',') {
                p++;
                continue;
            }
            if (p < end && *p == '}') {
                p++;
                break;
            }
            BAD("expected ',' or '}'");
        }
    }
    p = skip_ws(p, end);
    if (p != end)
        BAD("unexpected text after the object");
#undef BAD
    return true;
fail:
    jobj_free(o);
    return false;
}

static const jfield *jget(const jobj *o, const char *key)
{
    for (size_t i = 0; i < o->n; i++)
        if (strcmp(o->f[i].key, key) == 0)
            return &o->f[i];
    return NULL;
}

static double jnum(const jobj *o, const char *key)
{
    const jfield *f = jget(o, key);
    return f && f->kind == JV_NUM ? f->num : NAN;
}

static const char *jstr(const jobj *o, const char *key)
{
    const jfield *f = jget(o, key);
    return f && f->kind == JV_STR ? f->str : NULL;
}

/* ========================================================================================== */
/* Records: one parsed results line                                                           */
/* ========================================================================================== */

typedef struct {
    size_t line;       /* 1-based line in the file */
    char *dataset, *method, *config, *protocol, *error, *arch, *kind;
    size_t split;
    int grid;
    bool is_ok, learn_precision;
    double rmse, ll, ll_gauss, mae, ref_abs_err, n;
    double keep, precision, precision_final, sigma0, valid_ll, chosen_grid;
    double epochs, batch, samples, lr, draws, n_hidden, n_layers;
    double seconds, train_seconds;
} record;

static void record_free(record *r)
{
    free(r->dataset);
    free(r->method);
    free(r->config);
    free(r->protocol);
    free(r->error);
    free(r->arch);
    free(r->kind);
    memset(r, 0, sizeof *r);
}

static char *dup_or_null(const char *s)
{
    return s ? sn_strdup(s) : NULL;
}

/* Fill r from a parsed line; false with *why when a required field is missing or wrong. */
static bool record_from(const jobj *o, size_t line, record *r, const char **why)
{
    memset(r, 0, sizeof *r);
    r->line = line;
    const char *ds = jstr(o, "dataset"), *me = jstr(o, "method"), *cf = jstr(o, "config");
    const char *st = jstr(o, "status");
    double split = jnum(o, "split"), grid = jnum(o, "grid");
    if (!ds || !*ds) {
        *why = "a line without \"dataset\"";
        return false;
    }
    if (!me || !*me) {
        *why = "a line without \"method\"";
        return false;
    }
    if (!cf) {
        *why = "a line without \"config\"";
        return false;
    }
    if (!(split >= 0 && split <= 1e6 && split == floor(split))) {
        *why = "a line without a valid \"split\"";
        return false;
    }
    if (!(grid >= -1 && grid <= 1e6 && grid == floor(grid))) {
        *why = "a line without a valid \"grid\"";
        return false;
    }
    if (!st || (strcmp(st, "ok") != 0 && strcmp(st, "error") != 0)) {
        *why = "a line without \"status\": \"ok\" or \"error\"";
        return false;
    }
    r->split = (size_t)split;
    r->grid = (int)grid;
    r->is_ok = strcmp(st, "ok") == 0;
    r->dataset = sn_strdup(ds);
    r->method = sn_strdup(me);
    r->config = sn_strdup(cf);
    r->protocol = dup_or_null(jstr(o, "protocol"));
    r->error = dup_or_null(jstr(o, "error"));
    r->arch = dup_or_null(jstr(o, "arch"));
    r->kind = dup_or_null(jstr(o, "method_kind"));
    if (!r->dataset || !r->method || !r->config ||
        (jstr(o, "protocol") && !r->protocol) || (jstr(o, "error") && !r->error) ||
        (jstr(o, "arch") && !r->arch) || (jstr(o, "method_kind") && !r->kind)) {
        record_free(r);
        *why = "out of memory";
        return false;
    }
    const jfield *lp = jget(o, "learn_precision");
    r->learn_precision = lp && lp->kind == JV_BOOL && lp->b;
    r->rmse = jnum(o, "rmse");
    r->ll = jnum(o, "ll");
    r->ll_gauss = jnum(o, "ll_gauss");
    r->mae = jnum(o, "mae");
    r->ref_abs_err = jnum(o, "ref_abs_err");
    r->n = jnum(o, "n");
    r->keep = jnum(o, "keep");
    r->precision = jnum(o, "precision");
    r->precision_final = jnum(o, "precision_final");
    r->sigma0 = jnum(o, "sigma0");
    r->valid_ll = jnum(o, "valid_ll");
    r->chosen_grid = jnum(o, "chosen_grid");
    r->epochs = jnum(o, "epochs");
    r->batch = jnum(o, "batch");
    r->samples = jnum(o, "samples");
    r->lr = jnum(o, "lr");
    r->draws = jnum(o, "draws");
    r->n_hidden = jnum(o, "n_hidden");
    r->n_layers = jnum(o, "n_layers");
    r->seconds = jnum(o, "seconds");
    r->train_seconds = jnum(o, "train_seconds");
    return true;
}

/* ========================================================================================== */
/* Reading a results file                                                                     */
/* ========================================================================================== */

typedef struct {
    record *r;
    size_t n, cap;
    size_t n_lines;       /* complete lines, blank ones included */
    size_t good_bytes;    /* length of the file up to the end of its last complete line */
    size_t torn_bytes;    /* bytes after the last newline (a torn write), 0 if none */
} record_list;

static void records_free(record_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        record_free(&l->r[i]);
    free(l->r);
    memset(l, 0, sizeof *l);
}

/* Parse text[0..len) of file path into l. */
static sn_status records_parse(const char *path, const char *text, size_t len, record_list *l,
                               sn_error *err)
{
    memset(l, 0, sizeof *l);
    size_t pos = 0, line = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        if (!nl) {
            /* The rest was written without its newline: a write cut short. */
            l->torn_bytes = len - pos;
            break;
        }
        size_t n = (size_t)(nl - (text + pos));
        line++;
        const char *s = text + pos;
        pos += n + 1;
        l->n_lines = line;
        l->good_bytes = pos;
        size_t k = 0;
        while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r'))
            k++;
        if (k == n)
            continue;
        jobj o;
        const char *why = NULL;
        size_t col = 0;
        if (!jobj_parse(s, n, &o, &why, &col)) {
            records_free(l);
            return sn_fail(err, SN_EDATA, "%s:%zu:%zu: expected a JSON object of one unit: %s",
                           path, line, col, why);
        }
        if (l->n == l->cap) {
            size_t cap = l->cap ? 2 * l->cap : 64;
            record *r = realloc(l->r, cap * sizeof *r);
            if (!r) {
                jobj_free(&o);
                records_free(l);
                return sn_fail(err, SN_ENOMEM, "out of memory reading %s", path);
            }
            l->r = r;
            l->cap = cap;
        }
        bool ok = record_from(&o, line, &l->r[l->n], &why);
        jobj_free(&o);
        if (!ok) {
            records_free(l);
            return sn_fail(err, SN_EDATA, "%s:%zu:1: %s", path, line, why);
        }
        l->n++;
    }
    return SN_OK;
}

/* The whole content of an open descriptor. */
static sn_status read_fd(int fd, const char *path, char **out, size_t *len, sn_error *err)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return sn_fail(err, SN_ENOMEM, "out of memory reading %s", path);
    for (;;) {
        if (n == cap) {
            if (cap > SIZE_MAX / 2) {
                free(buf);
                return sn_fail(err, SN_ENOMEM, "%s is too large", path);
            }
            char *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                return sn_fail(err, SN_ENOMEM, "out of memory reading %s", path);
            }
            buf = b;
            cap *= 2;
        }
        ssize_t k = read(fd, buf + n, cap - n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            return sn_fail(err, SN_EIO, "%s: cannot read: %s", path, strerror(e));
        }
        if (k == 0)
            break;
        n += (size_t)k;
    }
    *out = buf;
    *len = n;
    return SN_OK;
}

/* ========================================================================================== */
/* Methods                                                                                    */
/* ========================================================================================== */

static const struct {
    const char *name;
    sn_method method;
    sn_objective objective;
    sn_prior_structure prior;
    sn_variant variant;
} presets[] = {
    {"lb", SN_METHOD_MC, SN_OBJ_LB, SN_PRIOR_NONE, SN_VARIANT_EXACT},
    {"iw", SN_METHOD_MC, SN_OBJ_IW, SN_PRIOR_NONE, SN_VARIANT_EXACT},
    {"tail", SN_METHOD_MC, SN_OBJ_TAIL, SN_PRIOR_NONE, SN_VARIANT_EXACT},
    {"vem-ard", SN_METHOD_VEM, SN_OBJ_LB, SN_PRIOR_ARD, SN_VARIANT_EXACT},
    {"vem-add", SN_METHOD_VEM, SN_OBJ_LB, SN_PRIOR_ADD, SN_VARIANT_EXACT},
    {"vem-ard-add", SN_METHOD_VEM, SN_OBJ_LB, SN_PRIOR_ARD_ADD, SN_VARIANT_EXACT},
    {"vem-ard-add-authors", SN_METHOD_VEM, SN_OBJ_LB, SN_PRIOR_ARD_ADD, SN_VARIANT_AUTHORS},
};
#define N_PRESETS (sizeof presets / sizeof presets[0])

static const char *const preset_names[N_PRESETS + 1] = {
    "lb", "iw", "tail", "vem-ard", "vem-add", "vem-ard-add", "vem-ard-add-authors", NULL,
};

const char *const *sn_bench_method_names(void)
{
    return preset_names;
}

/* Position of a method name in the tables: presets first, in their order. */
static size_t preset_index(const char *name)
{
    for (size_t i = 0; i < N_PRESETS; i++)
        if (strcmp(presets[i].name, name) == 0)
            return i;
    return N_PRESETS;
}

sn_status sn_bench_method_preset(const char *name, sn_bench_method *out, sn_error *err)
{
    if (!name || !out)
        return sn_fail(err, SN_EINVAL, "sn_bench_method_preset: NULL argument");
    size_t i = preset_index(name);
    if (i == N_PRESETS)
        return sn_fail(err, SN_EINVAL,
                       "unknown method \"%s\": expected lb, iw, tail, vem-ard, vem-add, "
                       "vem-ard-add or vem-ard-add-authors", name);
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", name);
    sn_train_params *p = &out->params;
    sn_train_params_default(p);
    /* The width comes from the data set's n_hidden.txt (Table 2 used 50 everywhere). */
    p->n_hidden = 0;
    p->method = presets[i].method;
    if (p->method == SN_METHOD_MC) {
        p->arch = SN_ARCH_MLP;
        p->n_layers = 1;
        p->objective = presets[i].objective;
    } else {
        /* Table 3: resnets with two hidden layers (one skip connection), Γ⁻¹(3, 3). */
        p->arch = SN_ARCH_RESNET;
        p->n_layers = 2;
        p->prior = presets[i].prior;
        p->hyper.family = SN_HYPER_INVGAMMA;
        p->hyper.a = 3.0;
        p->hyper.b = 3.0;
        p->variant = presets[i].variant;
    }
    return SN_OK;
}

static bool valid_name(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == '+'))
            return false;
    }
    return true;
}

/* ========================================================================================== */
/* Parameters                                                                                 */
/* ========================================================================================== */

void sn_bench_params_default(sn_bench_params *p)
{
    memset(p, 0, sizeof *p);
    p->protocol = SN_BENCH_FIXED;
    p->seed = 1;
    p->n_splits = 0;
    p->n_draws = 1000;
    p->valid_fraction = 0.2;
    p->epoch_multiplier = 100;
    p->learning_rate = NAN;
    p->keep = NAN;
    p->precision = NAN;
    p->learn_precision = false;
    p->sigma0 = NAN;
    p->gal_lengthscale = 1e-2;
    p->retry_errors = false;
    p->tag = NULL;
}

static sn_status params_check(const sn_bench_params *p, sn_error *err)
{
    if (p->protocol != SN_BENCH_FIXED && p->protocol != SN_BENCH_GAL)
        return sn_fail(err, SN_EINVAL, "protocol must be fixed or gal");
    if (p->n_draws < 1 || p->n_draws > 1000000)
        return sn_fail(err, SN_EINVAL, "draws must be in [1, 1000000], got %zu", p->n_draws);
    if (!(p->valid_fraction > 0 && p->valid_fraction < 1))
        return sn_fail(err, SN_EINVAL, "validation fraction must be in (0, 1), got %g",
                       p->valid_fraction);
    if (p->epoch_multiplier < 1)
        return sn_fail(err, SN_EINVAL, "epoch multiplier must be at least 1");
    if (!isnan(p->learning_rate) && !(p->learning_rate > 0 && isfinite(p->learning_rate)))
        return sn_fail(err, SN_EINVAL, "learning rate must be positive, got %g",
                       p->learning_rate);
    if (!isnan(p->keep) && !(p->keep > 0 && p->keep <= 1))
        return sn_fail(err, SN_EINVAL, "keep probability must be in (0, 1], got %g", p->keep);
    if (!isnan(p->precision) && !(p->precision > 0 && isfinite(p->precision)))
        return sn_fail(err, SN_EINVAL, "precision must be positive and finite, got %g",
                       p->precision);
    if (!isnan(p->sigma0) && !(p->sigma0 > 0))
        return sn_fail(err, SN_EINVAL, "sigma0 must be positive (inf for none), got %g",
                       p->sigma0);
    if (!(p->gal_lengthscale > 0 && isfinite(p->gal_lengthscale)))
        return sn_fail(err, SN_EINVAL, "Gal's length scale must be positive, got %g",
                       p->gal_lengthscale);
    return SN_OK;
}

/* ========================================================================================== */
/* The plan: data sets, cells (data set x method), units                                      */
/* ========================================================================================== */

typedef struct {
    char *dir, *name;
    sn_uci_info info;
    size_t n_splits;      /* used */
    size_t *n_train;      /* [n_splits] */
    size_t *n_test;       /* [n_splits] */
} bench_ds;

/* The settings of one (data set, method): everything but the grid point and the seed. */
typedef struct {
    size_t ds, meth;
    sn_train_params base;
    bool has_keep;        /* Bernoulli MC noise: keep is recorded and may be searched */
    double keeps[16];
    size_t n_keeps;
    bool learn;           /* precision learned (taus[0] = starting value, 0 = default) */
    double taus[16];
    size_t n_taus;
    bool gal_sigma0;      /* sigma0 from (39) with the keep of each unit */
    size_t n_grid;        /* grid units per split: n_keeps x n_taus when > 1, else 0 */
    char config[17];
} bench_cfg;

enum { U_TODO = 0, U_RUNNING, U_DONE };

typedef struct {
    size_t cfg, split;
    int grid;             /* -1: the test unit */
    int state;
    double cost;          /* estimated work, for the time left */
    /* result (grid units: what the test unit's choice needs) */
    bool is_ok;
    double valid_ll, keep, precision;
    char *error;
} bench_unit;

struct sn_bench {
    sn_bench_params p;
    char *tag;
    bench_ds *ds;
    size_t n_ds;
    sn_bench_method *meth;
    size_t n_meth;
    bench_cfg *cfg;       /* [n_ds][n_meth] */
    bench_unit *u;
    size_t n_units;
    size_t n_done;
    /* results file */
    char *path;
    int fd;
    /* the run: its start, and the estimated work of the units finished since */
    bool started;
    double t0, done_cost;
};

static void ds_free(bench_ds *d)
{
    free(d->dir);
    free(d->name);
    free(d->n_train);
    free(d->n_test);
}

void sn_bench_free(sn_bench *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n_ds; i++)
        ds_free(&b->ds[i]);
    free(b->ds);
    free(b->meth);
    free(b->cfg);
    for (size_t i = 0; i < b->n_units; i++)
        free(b->u[i].error);
    free(b->u);
    free(b->tag);
    free(b->path);
    if (b->fd >= 0)
        close(b->fd); /* releases the lock */
    free(b);
}

size_t sn_bench_n_units(const sn_bench *b)
{
    return b ? b->n_units : 0;
}

size_t sn_bench_n_done(const sn_bench *b)
{
    return b ? b->n_done : 0;
}

size_t sn_bench_n_datasets(const sn_bench *b)
{
    return b ? b->n_ds : 0;
}

const char *sn_bench_dataset_name(const sn_bench *b, size_t i)
{
    return b && i < b->n_ds ? b->ds[i].name : NULL;
}

static char *join_path(const char *dir, const char *name)
{
    size_t a = strlen(dir), c = strlen(name);
    char *s = malloc(a + c + 2);
    if (!s)
        return NULL;
    memcpy(s, dir, a);
    size_t k = a;
    if (k > 0 && s[k - 1] != '/')
        s[k++] = '/';
    memcpy(s + k, name, c + 1);
    return s;
}

static bool is_uci_dir(const char *dir)
{
    char *f = join_path(dir, "n_splits.txt");
    struct stat sb;
    bool ok = f && stat(f, &sb) == 0 && S_ISREG(sb.st_mode);
    free(f);
    return ok;
}

/* The last component of a path, without trailing slashes. */
static char *base_name(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    size_t s = n;
    while (s > 0 && path[s - 1] != '/')
        s--;
    char *out = malloc(n - s + 1);
    if (out) {
        memcpy(out, path + s, n - s);
        out[n - s] = 0;
    }
    return out;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names of the subfolders of dir that hold n_splits.txt. */
static sn_status list_datasets(const char *dir, char ***names, size_t *n, sn_error *err)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return sn_fail(err, SN_EIO, "%s: cannot open the data folder: %s", dir, strerror(errno));
    char **v = NULL;
    size_t k = 0, cap = 0;
    struct dirent *e;
    sn_status st = SN_OK;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *sub = join_path(dir, e->d_name);
        if (!sub) {
            st = SN_ENOMEM;
            break;
        }
        bool ok = is_uci_dir(sub);
        free(sub);
        if (!ok)
            continue;
        if (k == cap) {
            cap = cap ? 2 * cap : 16;
            char **w = realloc(v, cap * sizeof *w);
            if (!w) {
                st = SN_ENOMEM;
                break;
            }
            v = w;
        }
        if (!(v[k] = sn_strdup(e->d_name))) {
            st = SN_ENOMEM;
            break;
        }
        k++;
    }
    closedir(d);
    if (st != SN_OK) {
        for (size_t i = 0; i < k; i++)
            free(v[i]);
        free(v);
        return sn_fail(err, st, "out of memory listing %s", dir);
    }
    if (k > 1)
        qsort(v, k, sizeof *v, cmp_str);
    *names = v;
    *n = k;
    return SN_OK;
}

/* Read the info and every used split of one data set. */
static sn_status ds_load(bench_ds *d, size_t n_splits_max, sn_error *err)
{
    sn_status st = sn_uci_read_info(d->dir, &d->info, err);
    if (st != SN_OK)
        return st;
    size_t n = (size_t)d->info.n_splits;
    if (n_splits_max > 0 && n_splits_max < n)
        n = n_splits_max;
    d->n_splits = n;
    d->n_train = sn_calloc(n, sizeof *d->n_train);
    d->n_test = sn_calloc(n, sizeof *d->n_test);
    if (!d->n_train || !d->n_test)
        return sn_fail(err, SN_ENOMEM, "out of memory");
    for (size_t k = 0; k < n; k++) {
        sn_data *tr = NULL, *te = NULL;
        if ((st = sn_data_read_uci(d->dir, (int)k, &tr, &te, err)) != SN_OK)
            return st;
        d->n_train[k] = sn_data_n_rows(tr);
        d->n_test[k] = sn_data_n_rows(te);
        sn_data_free(tr);
        sn_data_free(te);
    }
    return SN_OK;
}

/* A canonical text of every setting of a cell, hashed into its config id. */
static void cfg_fingerprint(const sn_bench *b, bench_cfg *c)
{
    const sn_train_params *q = &c->base;
    sbuf s = {0};
    char spec[128], hyp[128];
    sn_noise_format(&q->noise, spec, sizeof spec);
    sn_hyperprior_format(&q->hyper, hyp, sizeof hyp);
    sb_printf(&s, "v%d|%s|%s|%s|%zu|%zu|%s|%s|", LINE_VERSION,
              b->p.protocol == SN_BENCH_GAL ? "gal" : "fixed", b->meth[c->meth].name,
              sn_arch_name(q->arch), q->n_hidden, q->n_layers, sn_activation_name(q->activation),
              sn_method_name(q->method));
    if (q->method == SN_METHOD_MC) {
        char bspec[128];
        sn_noise_format(&q->block_noise, bspec, sizeof bspec);
        sb_printf(&s, "%s|%s|%s|%d|%s|", c->has_keep ? "bernoulli" : spec, bspec,
                  sn_placement_name(q->placement), (int)q->noise_on_input,
                  sn_objective_name(q->objective));
    } else {
        sb_printf(&s, "%s|%s|%s|%s|", sn_prior_name(q->prior), hyp,
                  sn_estimator_name(q->estimator), sn_variant_name(q->variant));
    }
    sb_printf(&s, "S%zu|sigma0 %.17g|gal %d %.17g|%s %.17g %.17g %.17g %.17g %.17g|B%zu|E%zu|",
              q->n_samples, q->sigma0, (int)c->gal_sigma0,
              c->gal_sigma0 ? b->p.gal_lengthscale : 0.0, sn_optimizer_name(q->optimizer),
              q->learning_rate, q->adam_beta1, q->adam_beta2, q->adam_eps, q->momentum,
              q->batch_size, q->n_epochs);
    sb_puts(&s, "keep");
    for (size_t i = 0; i < c->n_keeps; i++)
        sb_printf(&s, " %.17g", c->keeps[i]);
    sb_printf(&s, "|tau%s", c->learn ? " learned" : "");
    for (size_t i = 0; i < c->n_taus; i++)
        sb_printf(&s, " %.17g", c->taus[i]);
    sb_printf(&s, "|T%zu|vf %.17g|seed %llu", b->p.n_draws, b->p.valid_fraction,
              (unsigned long long)b->p.seed);
    uint64_t h = s.s ? fnv1a(s.s) : 0;
    free(s.s);
    snprintf(c->config, sizeof c->config, "%016llx", (unsigned long long)h);
}

/* Resolve the settings of method m on data set d under the protocol and overrides. */
static sn_status cfg_resolve(const sn_bench *b, size_t di, size_t mi, bench_cfg *c,
                             sn_error *err)
{
    const sn_bench_params *P = &b->p;
    const bench_ds *d = &b->ds[di];
    const sn_bench_method *m = &b->meth[mi];
    bool gal = P->protocol == SN_BENCH_GAL;
    memset(c, 0, sizeof *c);
    c->ds = di;
    c->meth = mi;
    c->base = m->params;
    sn_train_params *q = &c->base;
    q->progress = NULL;
    q->progress_user = NULL;
    q->record_weights = NULL;
    q->record_user = NULL;
    c->has_keep = q->method == SN_METHOD_MC && q->noise.family == SN_NOISE_BERNOULLI;

    if (P->n_hidden)
        q->n_hidden = P->n_hidden;
    else if (q->n_hidden == 0)
        q->n_hidden = d->info.n_hidden > 0 ? (size_t)d->info.n_hidden : DEFAULT_HIDDEN;

    /* Gal's budget for dropout nets (MATH.md §5); the EM resnets keep the authors'. */
    if (gal && c->has_keep) {
        size_t e = d->info.n_epochs > 0 ? (size_t)d->info.n_epochs : GAL_EPOCHS_FILE_DEFAULT;
        q->n_epochs = e * P->epoch_multiplier;
        q->batch_size = GAL_BATCH;
        c->gal_sigma0 = true;
    }
    if (P->n_epochs)
        q->n_epochs = P->n_epochs;
    if (P->batch_size)
        q->batch_size = P->batch_size;
    if (P->n_samples)
        q->n_samples = P->n_samples;
    if (!isnan(P->learning_rate))
        q->learning_rate = P->learning_rate;
    if (!isnan(P->sigma0)) {
        q->sigma0 = P->sigma0;
        c->gal_sigma0 = false;
    }

    /* The keep axis: fixed by the caller, searched under Gal, else the method's own. */
    if (c->has_keep) {
        if (!isnan(P->keep)) {
            c->keeps[0] = P->keep;
            c->n_keeps = 1;
        } else if (gal && d->info.n_dropout_rates > 0) {
            for (size_t i = 0; i < d->info.n_dropout_rates; i++)
                c->keeps[i] = 1.0 - d->info.dropout_rates[i];
            c->n_keeps = d->info.n_dropout_rates;
        } else {
            c->keeps[0] = q->noise.p[0];
            c->n_keeps = 1;
        }
    } else {
        c->keeps[0] = NAN;
        c->n_keeps = 1;
    }
    /* The tau axis: learned, fixed by the caller, searched under Gal, else learned. */
    if (P->learn_precision) {
        c->learn = true;
        c->taus[0] = isnan(P->precision) ? 0.0 : P->precision;
        c->n_taus = 1;
    } else if (!isnan(P->precision)) {
        c->taus[0] = P->precision;
        c->n_taus = 1;
    } else if (gal && d->info.n_tau_values > 0) {
        for (size_t i = 0; i < d->info.n_tau_values; i++)
            c->taus[i] = d->info.tau_values[i];
        c->n_taus = d->info.n_tau_values;
    } else {
        c->learn = q->learn_precision || !(q->precision > 0);
        c->taus[0] = q->precision;
        c->n_taus = 1;
    }
    size_t g = c->n_keeps * c->n_taus;
    c->n_grid = g > 1 ? g : 0;

    /* Check the settings once, at a representative grid point, before anything runs. */
    sn_train_params t = *q;
    if (c->has_keep)
        t.noise.p[0] = c->keeps[0];
    t.learn_precision = c->learn;
    t.precision = c->taus[0];
    if (c->gal_sigma0)
        t.sigma0 = sqrt(2.0 / (P->gal_lengthscale * P->gal_lengthscale * c->keeps[0]));
    sn_error e = {0};
    if (sn_train_params_check(&t, NULL, &e) != SN_OK)
        return sn_fail(err, e.code == SN_OK ? SN_EINVAL : e.code, "method %s on %s: %s", m->name,
                       d->name, e.msg);
    cfg_fingerprint(b, c);
    return SN_OK;
}

/* The data set folder paths chosen by `datasets`. */
static sn_status choose_datasets(const char *data_dir, const char *datasets, char ***paths,
                                 size_t *n, sn_error *err)
{
    *paths = NULL;
    *n = 0;
    bool all = !datasets || strcmp(datasets, "all") == 0;
    struct stat sb;
    if (stat(data_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return sn_fail(err, SN_EIO, "%s: not a folder (%s)", data_dir,
                       errno ? strerror(errno) : "not a directory");
    char **names = NULL;
    size_t n_names = 0;
    sn_status st;
    if (is_uci_dir(data_dir)) {
        /* The folder is itself one data set. */
        char *bn = base_name(data_dir);
        if (!bn)
            return sn_fail(err, SN_ENOMEM, "out of memory");
        if (!all && strcmp(datasets, bn) != 0) {
            st = sn_fail(err, SN_EIO, "%s is the data set %s itself, not a folder holding %s",
                         data_dir, bn, datasets);
            free(bn);
            return st;
        }
        free(bn);
        char **v = malloc(sizeof *v);
        if (!v || !(v[0] = sn_strdup(data_dir))) {
            free(v);
            return sn_fail(err, SN_ENOMEM, "out of memory");
        }
        *paths = v;
        *n = 1;
        return SN_OK;
    }
    if ((st = list_datasets(data_dir, &names, &n_names, err)) != SN_OK)
        return st;
    char **v = NULL;
    size_t k = 0;
    if (all) {
        if (n_names == 0) {
            free(names);
            return sn_fail(err, SN_EIO,
                           "%s: no data sets there (subfolders holding n_splits.txt); "
                           "'shrinknet data fetch --to %s' downloads them", data_dir, data_dir);
        }
        v = sn_calloc(n_names, sizeof *v);
        if (!v)
            goto nomem;
        for (k = 0; k < n_names; k++)
            if (!(v[k] = join_path(data_dir, names[k])))
                goto nomem;
    } else {
        size_t cap = 1;
        for (const char *s = datasets; *s; s++)
            cap += *s == ',';
        v = sn_calloc(cap, sizeof *v);
        if (!v)
            goto nomem;
        const char *s = datasets;
        for (;;) {
            const char *comma = strchr(s, ',');
            size_t len = comma ? (size_t)(comma - s) : strlen(s);
            char name[256];
            if (len == 0 || len >= sizeof name) {
                st = sn_fail(err, SN_EINVAL, "data sets: expected a comma-separated list of "
                                             "names, found \"%s\"", datasets);
                goto fail;
            }
            memcpy(name, s, len);
            name[len] = 0;
            for (size_t i = 0; i < k; i++) {
                char *bn = base_name(v[i]);
                bool same = bn && strcmp(bn, name) == 0;
                free(bn);
                if (same) {
                    st = sn_fail(err, SN_EINVAL, "data sets: \"%s\" is listed twice", name);
                    goto fail;
                }
            }
            if (!(v[k] = join_path(data_dir, name)))
                goto nomem;
            if (!is_uci_dir(v[k])) {
                sbuf avail = {0};
                for (size_t i = 0; i < n_names; i++)
                    sb_printf(&avail, "%s%s", i ? ", " : "", names[i]);
                st = sn_fail(err, SN_EIO, "%s: no such data set (no n_splits.txt); %s%s",
                             v[k], n_names ? "available: " : "the folder holds none",
                             avail.s ? avail.s : "");
                free(avail.s);
                k++;
                goto fail;
            }
            k++;
            if (!comma)
                break;
            s = comma + 1;
        }
    }
    for (size_t i = 0; i < n_names; i++)
        free(names[i]);
    free(names);
    *paths = v;
    *n = k;
    return SN_OK;
nomem:
    st = sn_fail(err, SN_ENOMEM, "out of memory");
fail:
    for (size_t i = 0; i < n_names; i++)
        free(names[i]);
    free(names);
    for (size_t i = 0; i < k; i++)
        free(v[i]);
    free(v);
    return st;
}

static uint64_t unit_seed(const sn_bench *b, const bench_unit *u)
{
    const bench_cfg *c = &b->cfg[u->cfg];
    uint64_t h = sn_mix64(b->p.seed);
    h = sn_mix64(h ^ fnv1a(b->ds[c->ds].name));
    h = sn_mix64(h ^ (uint64_t)u->split);
    h = sn_mix64(h ^ fnv1a(b->meth[c->meth].name));
    h = sn_mix64(h ^ (uint64_t)(int64_t)(u->grid + 1));
    return h;
}

sn_status sn_bench_new(const sn_bench_params *p, const char *data_dir, const char *datasets,
                       const sn_bench_method *methods, size_t n_methods, sn_bench **out,
                       sn_error *err)
{
    sn_status st;
    char **paths = NULL;
    size_t n_paths = 0;
    if (!out)
        return sn_fail(err, SN_EINVAL, "sn_bench_new: out is NULL");
    *out = NULL;
    if (!p || !data_dir || !methods)
        return sn_fail(err, SN_EINVAL, "sn_bench_new: NULL argument");
    if ((st = params_check(p, err)) != SN_OK)
        return st;
    if (n_methods == 0)
        return sn_fail(err, SN_EINVAL, "no methods to run");
    for (size_t i = 0; i < n_methods; i++) {
        if (strnlen(methods[i].name, sizeof methods[i].name) == sizeof methods[i].name ||
            !valid_name(methods[i].name))
            return sn_fail(err, SN_EINVAL,
                           "method name \"%.31s\": use letters, digits, '-', '_', '.', '+'",
                           methods[i].name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(methods[i].name, methods[j].name) == 0)
                return sn_fail(err, SN_EINVAL, "method %s is listed twice", methods[i].name);
    }
    if ((st = choose_datasets(data_dir, datasets, &paths, &n_paths, err)) != SN_OK)
        return st;

    sn_bench *b = calloc(1, sizeof *b);
    if (!b) {
        st = sn_fail(err, SN_ENOMEM, "out of memory");
        goto fail;
    }
    b->fd = -1;
    b->p = *p;
    b->tag = sn_strdup(p->tag ? p->tag : "");
    b->p.tag = NULL;
    b->ds = sn_calloc(n_paths, sizeof *b->ds);
    b->meth = sn_calloc(n_methods, sizeof *b->meth);
    if (!b->tag || !b->ds || !b->meth) {
        st = sn_fail(err, SN_ENOMEM, "out of memory");
        goto fail;
    }
    memcpy(b->meth, methods, n_methods * sizeof *methods);
    b->n_meth = n_methods;
    for (size_t i = 0; i < n_paths; i++) {
        bench_ds *d = &b->ds[i];
        d->dir = paths[i];
        paths[i] = NULL;
        b->n_ds = i + 1;
        if (!(d->name = base_name(d->dir))) {
            st = sn_fail(err, SN_ENOMEM, "out of memory");
            goto fail;
        }
        if (!valid_name(d->name)) {
            st = sn_fail(err, SN_EINVAL, "%s: a data set name needs letters, digits, '-', '_', "
                                         "'.' or '+' only", d->dir);
            goto fail;
        }
        if ((st = ds_load(d, p->n_splits, err)) != SN_OK)
            goto fail;
        for (size_t k = 0; k < d->n_splits && p->protocol == SN_BENCH_GAL; k++) {
            size_t n_fit = (size_t)floor((double)d->n_train[k] * (1.0 - p->valid_fraction));
            if (n_fit < 1 || n_fit >= d->n_train[k]) {
                st = sn_fail(err, SN_EDATA, "%s split %zu: %zu training rows are too few to "
                                            "hold out a validation part", d->name, k,
                             d->n_train[k]);
                goto fail;
            }
        }
    }

    size_t n_cfg;
    if (!sn_mul_size(b->n_ds, n_methods, &n_cfg) ||
        !(b->cfg = sn_calloc(n_cfg, sizeof *b->cfg))) {
        st = sn_fail(err, SN_ENOMEM, "out of memory");
        goto fail;
    }
    size_t n_units = 0;
    for (size_t i = 0; i < b->n_ds; i++)
        for (size_t m = 0; m < n_methods; m++) {
            bench_cfg *c = &b->cfg[i * n_methods + m];
            if ((st = cfg_resolve(b, i, m, c, err)) != SN_OK)
                goto fail;
            n_units += b->ds[i].n_splits * (c->n_grid + 1);
        }
    if (!(b->u = sn_calloc(n_units, sizeof *b->u))) {
        st = sn_fail(err, SN_ENOMEM, "out of memory");
        goto fail;
    }
    /* Order: data set, split, method, then the grid units before their test unit, so that the
     * grid units of a split spread over the workers and its test unit follows them. */
    size_t k = 0;
    for (size_t i = 0; i < b->n_ds; i++)
        for (size_t s = 0; s < b->ds[i].n_splits; s++)
            for (size_t m = 0; m < n_methods; m++) {
                size_t ci = i * n_methods + m;
                const bench_cfg *c = &b->cfg[ci];
                size_t n_tr = b->ds[i].n_train[s], n_te = b->ds[i].n_test[s];
                size_t n_fit = (size_t)floor((double)n_tr * (1.0 - p->valid_fraction));
                double per_row = TRAIN_ROW_COST * (double)c->base.n_epochs *
                                 (double)c->base.n_samples;
                double kind = c->base.method == SN_METHOD_MC ? 1.0 : VEM_ROW_COST;
                for (size_t g = 0; g <= c->n_grid; g++) {
                    bench_unit *u = &b->u[k++];
                    u->cfg = ci;
                    u->split = s;
                    u->grid = g < c->n_grid ? (int)g : -1;
                    u->valid_ll = NAN;
                    u->keep = u->precision = NAN;
                    u->cost = kind * (u->grid >= 0 ? per_row * (double)n_fit +
                                                         (double)p->n_draws * (double)(n_tr - n_fit)
                                                   : per_row * (double)n_tr +
                                                         (double)p->n_draws * (double)n_te);
                }
            }
    b->n_units = k;
    for (size_t i = 0; i < n_paths; i++)
        free(paths[i]);
    free(paths);
    *out = b;
    return SN_OK;
fail:
    for (size_t i = 0; i < n_paths; i++)
        free(paths[i]);
    free(paths);
    sn_bench_free(b);
    return st;
}

/* ========================================================================================== */
/* Resuming from a results file                                                               */
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

static void unit_take_record(bench_unit *u, const record *r)
{
    u->is_ok = r->is_ok;
    u->valid_ll = r->is_ok && r->grid >= 0 ? r->ll : NAN;
    u->keep = r->keep;
    u->precision = r->precision;
    free(u->error);
    u->error = r->error ? sn_strdup(r->error) : NULL;
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
    int fd = open(results_path, O_RDWR | O_CREAT | O_APPEND, 0644);
    if (fd < 0)
        return sn_fail(err, SN_EIO, "%s: cannot open: %s", results_path, strerror(errno));
    /* One run per file: a second one would interleave its units with ours. */
    struct flock lk;
    memset(&lk, 0, sizeof lk);
    lk.l_type = F_WRLCK;
    lk.l_whence = SEEK_SET;
    if (fcntl(fd, F_SETLK, &lk) != 0) {
        int e = errno;
        close(fd);
        if (e == EACCES || e == EAGAIN)
            return sn_fail(err, SN_EIO, "%s: another bench run is writing this file",
                           results_path);
        return sn_fail(err, SN_EIO, "%s: cannot lock: %s", results_path, strerror(e));
    }
    char *text = NULL;
    size_t len = 0;
    record_list l;
    sn_status st = read_fd(fd, results_path, &text, &len, err);
    if (st != SN_OK) {
        close(fd);
        return st;
    }
    st = records_parse(results_path, text, len, &l, err);
    free(text);
    if (st != SN_OK) {
        close(fd);
        return st;
    }
    /* Check every line against the plan before changing anything. */
    size_t *match = sn_calloc(l.n ? l.n : 1, sizeof *match);
    if (!match) {
        records_free(&l);
        close(fd);
        return sn_fail(err, SN_ENOMEM, "out of memory");
    }
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
            free(match);
            records_free(&l);
            close(fd);
            return st;
        }
        match[i] = find_unit(b, ci, r);
    }
    /* Cut a torn last line off so that the next line starts on a line of its own. */
    if (l.torn_bytes > 0) {
        if (ftruncate(fd, (off_t)l.good_bytes) != 0 || fsync(fd) != 0) {
            st = sn_fail(err, SN_EIO, "%s: cannot remove the torn last line: %s", results_path,
                         strerror(errno));
            free(match);
            records_free(&l);
            close(fd);
            return st;
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
            unit_take_record(u, r);
            u->state = U_DONE;
        } else {
            u->state = U_TODO;
        }
    }
    b->n_done = 0;
    for (size_t i = 0; i < b->n_units; i++)
        b->n_done += b->u[i].state == U_DONE;
    free(match);
    records_free(&l);
    b->fd = fd;
    if (!(b->path = sn_strdup(results_path)))
        return sn_fail(err, SN_ENOMEM, "out of memory");
    return SN_OK;
}

/* ========================================================================================== */
/* Running one unit                                                                           */
/* ========================================================================================== */

/* The caller's cancel test, polled once per epoch by the training loop. */
typedef struct {
    sn_bench_cancel_fn fn;
    void *user;
} cancel_ctx;

static int unit_progress(const sn_progress *info, void *user)
{
    (void)info;
    const cancel_ctx *c = user;
    return c->fn && c->fn(c->user) ? 1 : 0;
}

static void line_common(sbuf *s, const sn_bench *b, const bench_unit *u, const bench_cfg *c)
{
    sb_printf(s, "{\"v\":%d,\"dataset\":", LINE_VERSION);
    sb_json_str(s, b->ds[c->ds].name);
    sb_printf(s, ",\"split\":%zu,\"method\":", u->split);
    sb_json_str(s, b->meth[c->meth].name);
    sb_printf(s, ",\"grid\":%d,\"config\":\"%s\",\"protocol\":\"%s\"", u->grid, c->config,
              b->p.protocol == SN_BENCH_GAL ? "gal" : "fixed");
}

sn_status sn_bench_run_job(const sn_bench *b, const sn_bench_job *job, sn_bench_cancel_fn cancel,
                           void *user, char **line, sn_error *err)
{
    if (line)
        *line = NULL;
    if (!b || !job || !line)
        return sn_fail(err, SN_EINVAL, "sn_bench_run_job: NULL argument");
    if (job->unit >= b->n_units || job->chosen < -1)
        return sn_fail(err, SN_EINVAL, "sn_bench_run_job: no unit %llu in a plan of %zu",
                       (unsigned long long)job->unit, b->n_units);
    const bench_unit *u = &b->u[job->unit];
    const bench_cfg *c = &b->cfg[u->cfg];
    const bench_ds *d = &b->ds[c->ds];
    double t_start = now_seconds(), train_seconds = NAN;
    sn_data *tr = NULL, *te = NULL, *fit = NULL, *eval = NULL;
    sn_model *m = NULL;
    sn_metrics mt;
    sn_error e = {0};
    sn_status st = SN_OK;
    size_t *idx = NULL;
    cancel_ctx cc = {cancel, user};
    memset(&mt, 0, sizeof mt);
    mt.rmse = mt.ll = mt.ll_gauss = mt.mae = mt.ref_abs_err = NAN;
    double precision_final = NAN;
    uint64_t seed = unit_seed(b, u);

    sn_train_params p = c->base;
    double keep = job->keep, tau = job->tau;
    if (c->has_keep)
        p.noise.p[0] = keep;
    p.learn_precision = c->learn;
    p.precision = tau;
    if (c->gal_sigma0)
        p.sigma0 = sqrt(2.0 / (b->p.gal_lengthscale * b->p.gal_lengthscale *
                               (c->has_keep ? keep : 1.0)));
    p.seed = seed;
    p.progress = unit_progress;
    p.progress_user = &cc;

    if (job->why[0]) {
        st = sn_fail(&e, SN_EINVAL, "%.*s", (int)sizeof job->why, job->why);
        goto done;
    }
    if ((st = sn_data_read_uci(d->dir, (int)u->split, &tr, &te, &e)) != SN_OK)
        goto done;
    if (u->grid >= 0) {
        /* Gal's cut: the first 80% of the training indices train, the last 20% validate. */
        size_t n = sn_data_n_rows(tr);
        size_t n_fit = (size_t)floor((double)n * (1.0 - b->p.valid_fraction));
        if (!(idx = sn_calloc(n, sizeof *idx))) {
            st = sn_fail(&e, SN_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < n; i++)
            idx[i] = i;
        if ((st = sn_data_subset(tr, idx, n_fit, &fit, &e)) != SN_OK ||
            (st = sn_data_subset(tr, idx + n_fit, n - n_fit, &eval, &e)) != SN_OK)
            goto done;
    } else {
        fit = tr;
        eval = te;
        tr = te = NULL;
    }
    /* A data set smaller than one minibatch trains on full batches. */
    if (p.batch_size > sn_data_n_rows(fit))
        p.batch_size = sn_data_n_rows(fit);
    double t_train = now_seconds();
    st = sn_train(&p, fit, &m, &e);
    train_seconds = now_seconds() - t_train;
    if (cancel && cancel(user)) {
        st = SN_OK; /* *line stays NULL: not run */
        goto out;
    }
    if (st != SN_OK)
        goto done;
    precision_final = sn_model_precision(m);
    st = sn_evaluate(m, eval, b->p.n_draws, sn_mix64(seed), &mt, &e);

done:;
    bool is_ok = st == SN_OK;
    char why[SN_ERROR_MSG_LEN];
    snprintf(why, sizeof why, "%s", e.msg[0] ? e.msg : sn_status_str(st));
    double seconds = now_seconds() - t_start;
    sbuf s = {0};
    line_common(&s, b, u, c);
    sb_puts(&s, ",\"status\":");
    sb_puts(&s, is_ok ? "\"ok\"" : "\"error\"");
    sb_puts(&s, ",\"error\":");
    sb_json_str(&s, is_ok ? NULL : why);
    sb_printf(&s, ",\"part\":\"%s\",\"rmse\":", u->grid >= 0 ? "valid" : "test");
    sb_json_num(&s, mt.rmse);
    sb_puts(&s, ",\"ll\":");
    sb_json_num(&s, mt.ll);
    sb_puts(&s, ",\"ll_gauss\":");
    sb_json_num(&s, mt.ll_gauss);
    sb_puts(&s, ",\"mae\":");
    sb_json_num(&s, mt.mae);
    sb_puts(&s, ",\"ref_abs_err\":");
    sb_json_num(&s, mt.ref_abs_err);
    sb_puts(&s, ",\"n\":");
    if (is_ok)
        sb_printf(&s, "%zu", mt.n);
    else
        sb_puts(&s, "null");
    if (job->chosen >= 0) {
        sb_printf(&s, ",\"chosen_grid\":%d,\"valid_ll\":", (int)job->chosen);
        sb_json_num(&s, job->valid_ll);
    } else {
        sb_puts(&s, ",\"chosen_grid\":null,\"valid_ll\":null");
    }
    sb_puts(&s, ",\"keep\":");
    sb_json_num(&s, c->has_keep ? keep : NAN);
    sb_puts(&s, ",\"precision\":");
    sb_json_num(&s, c->learn ? NAN : tau);
    sb_printf(&s, ",\"learn_precision\":%s,\"precision_final\":", c->learn ? "true" : "false");
    sb_json_num(&s, precision_final);
    sb_puts(&s, ",\"sigma0\":");
    sb_json_num(&s, p.sigma0);
    sb_printf(&s, ",\"arch\":\"%s\",\"n_hidden\":%zu,\"n_layers\":%zu,\"method_kind\":\"%s\"",
              sn_arch_name(p.arch), p.n_hidden, p.n_layers, sn_method_name(p.method));
    bool mc = p.method == SN_METHOD_MC;
    sb_puts(&s, ",\"objective\":");
    sb_json_str(&s, mc ? sn_objective_name(p.objective) : NULL);
    sb_puts(&s, ",\"prior\":");
    sb_json_str(&s, mc ? NULL : sn_prior_name(p.prior));
    sb_puts(&s, ",\"variant\":");
    sb_json_str(&s, mc ? NULL : sn_variant_name(p.variant));
    sb_printf(&s, ",\"samples\":%zu,\"batch\":%zu,\"epochs\":%zu,\"lr\":", p.n_samples,
              p.batch_size, p.n_epochs);
    sb_json_num(&s, p.learning_rate);
    sb_printf(&s, ",\"draws\":%zu,\"n_train\":", b->p.n_draws);
    if (fit)
        sb_printf(&s, "%zu", sn_data_n_rows(fit));
    else
        sb_puts(&s, "null");
    sb_printf(&s, ",\"seed\":\"%llu\",\"version\":\"%s\",\"tag\":", (unsigned long long)seed,
              SN_VERSION);
    sb_json_str(&s, b->tag);
    sb_puts(&s, ",\"train_seconds\":");
    sb_json_num(&s, train_seconds);
    sb_puts(&s, ",\"seconds\":");
    sb_json_num(&s, seconds);
    sb_puts(&s, "}\n");
    if (s.oom) {
        free(s.s);
        st = sn_fail(err, SN_ENOMEM, "out of memory");
    } else {
        *line = s.s;
        st = SN_OK;
    }
out:
    free(idx);
    sn_model_free(m);
    sn_data_free(tr);
    sn_data_free(te);
    sn_data_free(fit);
    sn_data_free(eval);
    return st;
}

/* ========================================================================================== */
/* Scheduling: which unit runs next, and recording what came back                             */
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
        b->t0 = now_seconds();
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

/* Append one line with a single write() and make it durable. */
static sn_status append_line(sn_bench *b, const char *line, size_t len, sn_error *err)
{
    off_t before = lseek(b->fd, 0, SEEK_END);
    ssize_t k;
    do
        k = write(b->fd, line, len);
    while (k < 0 && errno == EINTR);
    if (k < 0 || (size_t)k != len) {
        int e = k < 0 ? errno : ENOSPC;
        /* Take a partial line back so that the file stays a list of whole lines. */
        if (before >= 0 && ftruncate(b->fd, before) != 0) {
            /* The torn tail is cut on the next resume. */
        }
        return sn_fail(err, SN_EIO, "%s: cannot append a result: %s", b->path, strerror(e));
    }
    if (fsync(b->fd) != 0)
        return sn_fail(err, SN_EIO, "%s: cannot sync: %s", b->path, strerror(errno));
    return SN_OK;
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
    jobj o = {0};
    record r;
    const char *why = "not one line";
    size_t col = 0;
    bool ok = len > 1 && line[len - 1] == '\n' && !memchr(line, '\n', len - 1) &&
              jobj_parse(line, len - 1, &o, &why, &col) && record_from(&o, 0, &r, &why);
    jobj_free(&o);
    if (!ok) {
        u->state = U_TODO;
        return sn_fail(err, SN_EDATA, "result of unit %llu: %s", (unsigned long long)job->unit,
                       why);
    }
    if (strcmp(r.dataset, b->ds[c->ds].name) != 0 || strcmp(r.method, b->meth[c->meth].name) != 0 ||
        r.split != u->split || r.grid != u->grid || strcmp(r.config, c->config) != 0) {
        u->state = U_TODO;
        sn_status st = sn_fail(err, SN_EDATA,
                               "result of unit %llu is for %s split %zu %s grid %d config %s, "
                               "not %s split %zu %s grid %d config %s (another plan?)",
                               (unsigned long long)job->unit, r.dataset, r.split, r.method,
                               r.grid, r.config, b->ds[c->ds].name, u->split,
                               b->meth[c->meth].name, u->grid, c->config);
        record_free(&r);
        return st;
    }
    sn_status st = append_line(b, line, len, err);
    if (st != SN_OK) {
        u->state = U_TODO;
        record_free(&r);
        return st;
    }
    unit_take_record(u, &r);
    u->state = U_DONE;
    b->n_done++;
    if (r.is_ok)
        b->done_cost += u->cost;
    mark_started(b);
    double elapsed = now_seconds() - b->t0, left = remaining_cost(b);
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
    /* The line without its newline. */
    char *shown = sn_strdup(line);
    if (shown)
        shown[len - 1] = 0;
    ev.line = shown ? shown : "";
    int rc = on_unit ? on_unit(&ev, user) : 0;
    if (stop)
        *stop = rc;
    free(shown);
    record_free(&r);
    return SN_OK;
}

/* ========================================================================================== */
/* The worker pool: sn_bench_take, sn_bench_run_job and sn_bench_record on threads            */
/* ========================================================================================== */

typedef struct {
    sn_bench *b;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    sn_bench_unit_fn on_unit;
    sn_bench_cancel_fn cancel;
    void *user;
    atomic_bool stop;   /* read by training callbacks without the lock */
    sn_status fatal;
    sn_error fatal_err;
} pool;

/* Stop within an epoch of a SIGINT or of another unit's failure to be recorded. */
static int pool_cancel(void *user)
{
    pool *pl = user;
    if (atomic_load(&pl->stop))
        return 1;
    if (pl->cancel && pl->cancel(pl->user)) {
        atomic_store(&pl->stop, true);
        return 1;
    }
    return 0;
}

static void *worker(void *arg)
{
    pool *pl = arg;
    sn_bench *b = pl->b;
    pthread_mutex_lock(&pl->mu);
    for (;;) {
        if (pool_cancel(pl) || pl->fatal != SN_OK)
            break;
        bool any_left;
        sn_bench_job job;
        if (!sn_bench_take(b, &job, &any_left)) {
            if (!any_left)
                break;
            /* Test units wait for their grid units, which other workers are running. */
            pthread_cond_wait(&pl->cv, &pl->mu);
            continue;
        }
        pthread_mutex_unlock(&pl->mu);

        char *line = NULL;
        sn_error e = {0};
        sn_status st = sn_bench_run_job(b, &job, pool_cancel, pl, &line, &e);

        pthread_mutex_lock(&pl->mu);
        if (!line || atomic_load(&pl->stop) || pl->fatal != SN_OK) {
            /* Not recorded: the unit runs again next time. */
            sn_bench_give_back(b, &job);
            if (st != SN_OK && pl->fatal == SN_OK) {
                pl->fatal = st;
                pl->fatal_err = e;
                atomic_store(&pl->stop, true);
            }
        } else {
            int stop = 0;
            st = sn_bench_record(b, &job, line, pl->on_unit, pl->user, &stop, &pl->fatal_err);
            if (st != SN_OK) {
                pl->fatal = st;
                atomic_store(&pl->stop, true);
            } else if (stop) {
                atomic_store(&pl->stop, true);
            }
        }
        free(line);
        pthread_cond_broadcast(&pl->cv);
    }
    pthread_cond_broadcast(&pl->cv);
    pthread_mutex_unlock(&pl->mu);
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
    pool pl;
    memset(&pl, 0, sizeof pl);
    atomic_init(&pl.stop, false);
    pl.b = b;
    pl.on_unit = on_unit;
    pl.cancel = cancel;
    pl.user = user;
    b->started = true;
    b->t0 = now_seconds();
    b->done_cost = 0.0;
    if (pthread_mutex_init(&pl.mu, NULL) != 0)
        return sn_fail(err, SN_ENOMEM, "cannot create a mutex");
    if (pthread_cond_init(&pl.cv, NULL) != 0) {
        pthread_mutex_destroy(&pl.mu);
        return sn_fail(err, SN_ENOMEM, "cannot create a condition variable");
    }
    /* GSL's error handler is process-wide and some routines switch it off and back on around
     * a call; with several threads doing so, one could restore "abort" while another still
     * relies on "off". Switched off for the whole run, every save/restore pair is harmless. */
    gsl_error_handler_t *old_handler = gsl_set_error_handler_off();
    pthread_t *th = sn_calloc(n_jobs, sizeof *th);
    size_t n_started = 0;
    sn_status st = SN_OK;
    if (!th) {
        st = sn_fail(err, SN_ENOMEM, "out of memory");
    } else if (n_jobs == 1) {
        worker(&pl);
    } else {
        for (; n_started < n_jobs; n_started++)
            if (pthread_create(&th[n_started], NULL, worker, &pl) != 0)
                break;
        if (n_started == 0)
            worker(&pl); /* no thread could start: run here */
        for (size_t i = 0; i < n_started; i++)
            pthread_join(th[i], NULL);
    }
    free(th);
    gsl_set_error_handler(old_handler);
    pthread_cond_destroy(&pl.cv);
    pthread_mutex_destroy(&pl.mu);
    if (st == SN_OK && pl.fatal != SN_OK) {
        st = pl.fatal;
        if (err)
            *err = pl.fatal_err;
    }
    return st;
}

uint64_t sn_bench_plan_hash(const sn_bench *b)
{
    if (!b)
        return 0;
    uint64_t h = sn_mix64(b->p.seed ^ (uint64_t)b->n_units);
    for (size_t i = 0; i < b->n_ds; i++)
        h = sn_mix64(h ^ fnv1a(b->ds[i].name) ^ (uint64_t)b->ds[i].n_splits);
    for (size_t k = 0; k < b->n_ds * b->n_meth; k++)
        h = sn_mix64(h ^ fnv1a(b->cfg[k].config) ^ (uint64_t)b->cfg[k].n_grid);
    h = sn_mix64(h ^ fnv1a(b->tag));
    return h;
}

/* ========================================================================================== */
/* Reports                                                                                    */
/* ========================================================================================== */

typedef struct {
    char *dataset, *method, *rmse, *rmse_err, *ll, *ll_err, *rmse_kind, *err_kind;
} paper_row;

typedef struct {
    size_t n_ok, n_failed, n_units;
    sn_bench_stat rmse, ll, ll_gauss, mae, ref_abs_err, seconds;
    double total_seconds;
    const record *first;      /* the first test record (its settings) */
    const record *first_err;
    double rank;              /* by mean test RMSE on this data set, NAN if not ranked */
} cell_summary;

struct sn_bench_report {
    char *path;
    record_list l;          /* every record, in file order */
    size_t n_superseded;
    bool *live;             /* [l.n] the last line of its unit */
    char **ds;
    size_t n_ds;
    char **meth;
    size_t n_meth;
    cell_summary *cell;     /* [n_ds][n_meth] */
    double *avg_rank;       /* [n_meth] */
    size_t n_rank_ds;
    paper_row *paper;
    size_t n_paper;
    char *paper_path;
};

static void paper_free(paper_row *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(p[i].dataset);
        free(p[i].method);
        free(p[i].rmse);
        free(p[i].rmse_err);
        free(p[i].ll);
        free(p[i].ll_err);
        free(p[i].rmse_kind);
        free(p[i].err_kind);
    }
    free(p);
}

void sn_bench_report_free(sn_bench_report *r)
{
    if (!r)
        return;
    free(r->path);
    records_free(&r->l);
    free(r->live);
    for (size_t i = 0; i < r->n_ds; i++)
        free(r->ds[i]);
    free(r->ds);
    for (size_t i = 0; i < r->n_meth; i++)
        free(r->meth[i]);
    free(r->meth);
    free(r->cell);
    free(r->avg_rank);
    paper_free(r->paper, r->n_paper);
    free(r->paper_path);
    free(r);
}

void sn_bench_report_counts(const sn_bench_report *r, size_t *n_lines, size_t *n_torn,
                            size_t *n_superseded)
{
    if (n_lines)
        *n_lines = r ? r->l.n_lines : 0;
    if (n_torn)
        *n_torn = r && r->l.torn_bytes > 0 ? 1 : 0;
    if (n_superseded)
        *n_superseded = r ? r->n_superseded : 0;
}

static sn_status read_file(const char *path, char **text, size_t *len, sn_error *err)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return sn_fail(err, SN_EIO, "%s: cannot open: %s", path, strerror(errno));
    sn_status st = read_fd(fd, path, text, len, err);
    close(fd);
    return st;
}

/* Is s a decimal number as the paper prints it ("2.80", ".19", "-1.274")? */
static bool is_number_text(const char *s)
{
    char *end;
    double x = strtod(s, &end);
    return end != s && *end == 0 && isfinite(x);
}

static sn_status paper_read(const char *path, paper_row **out, size_t *n_out, sn_error *err)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    *n_out = 0;
    sn_status st = read_file(path, &text, &len, err);
    if (st != SN_OK)
        return st;
    paper_row *v = NULL;
    size_t n = 0, cap = 0, line = 0, pos = 0;
    bool header = false;
    static const char *const cols[] = {"dataset", "method", "rmse", "rmse_err",
                                       "ll", "ll_err", "rmse_kind", "err_kind"};
    while (pos < len) {
        const char *s = text + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t k = nl ? (size_t)(nl - s) : len - pos;
        pos += k + (nl ? 1 : 0);
        line++;
        while (k > 0 && (s[k - 1] == '\r' || s[k - 1] == ' '))
            k--;
        if (k == 0 || s[0] == '#')
            continue;
        char buf[512];
        if (k >= sizeof buf) {
            st = sn_fail(err, SN_EDATA, "%s:%zu:1: expected a line shorter than 512 bytes",
                         path, line);
            goto fail;
        }
        memcpy(buf, s, k);
        buf[k] = 0;
        char *f[8];
        size_t nf = 0;
        char *q = buf;
        for (;;) {
            char *comma = strchr(q, ',');
            if (nf == 8) {
                nf++;
                break;
            }
            f[nf++] = q;
            if (!comma)
                break;
            *comma = 0;
            q = comma + 1;
        }
        if (nf != 8) {
            st = sn_fail(err, SN_EDATA, "%s:%zu:1: expected 8 fields (%s,...), found %s", path,
                         line, cols[0], nf > 8 ? "more" : "fewer");
            goto fail;
        }
        if (!header) {
            for (size_t j = 0; j < 8; j++)
                if (strcmp(f[j], cols[j]) != 0) {
                    st = sn_fail(err, SN_EDATA, "%s:%zu: expected the header "
                                                "dataset,method,rmse,rmse_err,ll,ll_err,"
                                                "rmse_kind,err_kind", path, line);
                    goto fail;
                }
            header = true;
            continue;
        }
        for (size_t j = 2; j < 6; j++)
            if (!is_number_text(f[j])) {
                st = sn_fail(err, SN_EDATA, "%s:%zu:%zu: expected a number, found \"%s\"", path,
                             line, (size_t)(f[j] - buf) + 1, f[j]);
                goto fail;
            }
        if ((strcmp(f[6], "rmse") != 0 && strcmp(f[6], "ref_abs_err") != 0) ||
            (strcmp(f[7], "se") != 0 && strcmp(f[7], "std") != 0)) {
            st = sn_fail(err, SN_EDATA, "%s:%zu: expected rmse_kind rmse or ref_abs_err and "
                                        "err_kind se or std", path, line);
            goto fail;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 32;
            paper_row *w = realloc(v, cap * sizeof *w);
            if (!w)
                goto nomem;
            v = w;
        }
        paper_row *r = &v[n];
        memset(r, 0, sizeof *r);
        n++;
        if (!(r->dataset = sn_strdup(f[0])) || !(r->method = sn_strdup(f[1])) ||
            !(r->rmse = sn_strdup(f[2])) || !(r->rmse_err = sn_strdup(f[3])) ||
            !(r->ll = sn_strdup(f[4])) || !(r->ll_err = sn_strdup(f[5])) ||
            !(r->rmse_kind = sn_strdup(f[6])) || !(r->err_kind = sn_strdup(f[7])))
            goto nomem;
    }
    free(text);
    *out = v;
    *n_out = n;
    return SN_OK;
nomem:
    st = sn_fail(err, SN_ENOMEM, "out of memory reading %s", path);
fail:
    free(text);
    paper_free(v, n);
    return st;
}

static const paper_row *paper_find(const sn_bench_report *r, const char *ds, const char *m)
{
    for (size_t i = 0; i < r->n_paper; i++)
        if (strcmp(r->paper[i].dataset, ds) == 0 && strcmp(r->paper[i].method, m) == 0)
            return &r->paper[i];
    return NULL;
}

/* Sort order of records: unit key, then line. */
static int cmp_rec_key(const record *a, const record *b)
{
    int c = strcmp(a->dataset, b->dataset);
    if (c)
        return c;
    if ((c = strcmp(a->method, b->method)) != 0)
        return c;
    if (a->split != b->split)
        return a->split < b->split ? -1 : 1;
    if (a->grid != b->grid)
        return a->grid < b->grid ? -1 : 1;
    return 0;
}

static const record *sort_base;

static int cmp_idx(const void *x, const void *y)
{
    size_t i = *(const size_t *)x, j = *(const size_t *)y;
    int c = cmp_rec_key(&sort_base[i], &sort_base[j]);
    if (c)
        return c;
    return i < j ? -1 : (i > j ? 1 : 0);
}

static int cmp_method(const void *x, const void *y)
{
    const char *a = *(char *const *)x, *b = *(char *const *)y;
    size_t i = preset_index(a), j = preset_index(b);
    if (i != j)
        return i < j ? -1 : 1;
    return strcmp(a, b);
}

static void stat_of(const double *v, size_t n, sn_bench_stat *s)
{
    size_t k = 0;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            sum += v[i];
            k++;
        }
    s->n = k;
    s->mean = k ? sum / (double)k : NAN;
    s->std = s->se = NAN;
    if (k >= 2) {
        double ss = 0.0;
        for (size_t i = 0; i < n; i++)
            if (isfinite(v[i]))
                ss += (v[i] - s->mean) * (v[i] - s->mean);
        s->std = sqrt(ss / (double)(k - 1));
        s->se = s->std / sqrt((double)k);
    }
}

static sn_status add_name(char ***v, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i], s) == 0)
            return SN_OK;
    char **w = realloc(*v, (*n + 1) * sizeof *w);
    if (!w)
        return SN_ENOMEM;
    *v = w;
    if (!(w[*n] = sn_strdup(s)))
        return SN_ENOMEM;
    (*n)++;
    return SN_OK;
}

static size_t name_index(char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return i;
    return SIZE_MAX;
}

/* Aggregate the live test records into cells, ranks. */
static sn_status report_build(sn_bench_report *r, sn_error *err)
{
    const record_list *l = &r->l;
    size_t *ord = sn_calloc(l->n ? l->n : 1, sizeof *ord);
    r->live = sn_calloc(l->n ? l->n : 1, sizeof *r->live);
    if (!ord || !r->live) {
        free(ord);
        return sn_fail(err, SN_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < l->n; i++)
        ord[i] = i;
    sort_base = l->r;
    qsort(ord, l->n, sizeof *ord, cmp_idx);
    sort_base = NULL;
    for (size_t k = 0; k < l->n; k++) {
        bool last = k + 1 == l->n || cmp_rec_key(&l->r[ord[k]], &l->r[ord[k + 1]]) != 0;
        r->live[ord[k]] = last;
        if (!last)
            r->n_superseded++;
    }
    free(ord);
    for (size_t i = 0; i < l->n; i++) {
        if (!r->live[i])
            continue;
        if (add_name(&r->ds, &r->n_ds, l->r[i].dataset) != SN_OK ||
            add_name(&r->meth, &r->n_meth, l->r[i].method) != SN_OK)
            return sn_fail(err, SN_ENOMEM, "out of memory");
    }
    if (r->n_ds > 1)
        qsort(r->ds, r->n_ds, sizeof *r->ds, cmp_str);
    if (r->n_meth > 1)
        qsort(r->meth, r->n_meth, sizeof *r->meth, cmp_method);
    size_t n_cells;
    if (!sn_mul_size(r->n_ds, r->n_meth, &n_cells) ||
        !(r->cell = sn_calloc(n_cells ? n_cells : 1, sizeof *r->cell)) ||
        !(r->avg_rank = sn_calloc(r->n_meth ? r->n_meth : 1, sizeof *r->avg_rank)))
        return sn_fail(err, SN_ENOMEM, "out of memory");

    /* Values per cell, gathered in file order. */
    double *buf = sn_calloc(6 * (l->n ? l->n : 1), sizeof *buf);
    if (!buf)
        return sn_fail(err, SN_ENOMEM, "out of memory");
    for (size_t c = 0; c < n_cells; c++) {
        cell_summary *cs = &r->cell[c];
        size_t di = c / r->n_meth, mi = c % r->n_meth;
        size_t k = 0;
        double *v_rmse = buf, *v_ll = buf + l->n, *v_llg = buf + 2 * l->n,
               *v_mae = buf + 3 * l->n, *v_ref = buf + 4 * l->n, *v_sec = buf + 5 * l->n;
        cs->rank = NAN;
        for (size_t i = 0; i < l->n; i++) {
            const record *rec = &l->r[i];
            if (!r->live[i] || strcmp(rec->dataset, r->ds[di]) != 0 ||
                strcmp(rec->method, r->meth[mi]) != 0)
                continue;
            cs->n_units++;
            if (isfinite(rec->seconds))
                cs->total_seconds += rec->seconds;
            if (rec->grid >= 0)
                continue;
            if (!cs->first) {
                cs->first = rec;
            } else if (strcmp(cs->first->config, rec->config) != 0) {
                free(buf);
                return sn_fail(err, SN_EDATA,
                               "%s:%zu: %s %s was run with other settings than on line %zu "
                               "(config %s, not %s): one file, one setting per cell",
                               r->path, rec->line, rec->dataset, rec->method, cs->first->line,
                               rec->config, cs->first->config);
            }
            if (!rec->is_ok) {
                cs->n_failed++;
                if (!cs->first_err)
                    cs->first_err = rec;
                continue;
            }
            cs->n_ok++;
            v_rmse[k] = rec->rmse;
            v_ll[k] = rec->ll;
            v_llg[k] = rec->ll_gauss;
            v_mae[k] = rec->mae;
            v_ref[k] = rec->ref_abs_err;
            v_sec[k] = rec->seconds;
            k++;
        }
        stat_of(v_rmse, k, &cs->rmse);
        stat_of(v_ll, k, &cs->ll);
        stat_of(v_llg, k, &cs->ll_gauss);
        stat_of(v_mae, k, &cs->mae);
        stat_of(v_ref, k, &cs->ref_abs_err);
        stat_of(v_sec, k, &cs->seconds);
    }
    free(buf);

    /* Ranks by mean test RMSE on the data sets where every method has one (ties: mean rank). */
    r->n_rank_ds = 0;
    for (size_t di = 0; di < r->n_ds; di++) {
        cell_summary *row = &r->cell[di * r->n_meth];
        bool full = r->n_meth > 0;
        for (size_t m = 0; m < r->n_meth; m++)
            full = full && row[m].rmse.n > 0 && isfinite(row[m].rmse.mean);
        if (!full)
            continue;
        r->n_rank_ds++;
        for (size_t m = 0; m < r->n_meth; m++) {
            size_t below = 0, equal = 0;
            for (size_t j = 0; j < r->n_meth; j++) {
                if (row[j].rmse.mean < row[m].rmse.mean)
                    below++;
                else if (row[j].rmse.mean == row[m].rmse.mean)
                    equal++;
            }
            row[m].rank = (double)below + ((double)equal + 1.0) / 2.0;
            r->avg_rank[m] += row[m].rank;
        }
    }
    for (size_t m = 0; m < r->n_meth; m++)
        r->avg_rank[m] = r->n_rank_ds ? r->avg_rank[m] / (double)r->n_rank_ds : NAN;
    return SN_OK;
}

sn_status sn_bench_report_read(const char *results_path, const char *paper_path,
                               sn_bench_report **out, sn_error *err)
{
    if (!out)
        return sn_fail(err, SN_EINVAL, "sn_bench_report_read: out is NULL");
    *out = NULL;
    if (!results_path)
        return sn_fail(err, SN_EINVAL, "sn_bench_report_read: no results file");
    sn_bench_report *r = calloc(1, sizeof *r);
    if (!r || !(r->path = sn_strdup(results_path))) {
        free(r);
        return sn_fail(err, SN_ENOMEM, "out of memory");
    }
    char *text = NULL;
    size_t len = 0;
    sn_status st = read_file(results_path, &text, &len, err);
    if (st == SN_OK) {
        st = records_parse(results_path, text, len, &r->l, err);
        free(text);
    }
    if (st == SN_OK && paper_path) {
        if (!(r->paper_path = sn_strdup(paper_path)))
            st = sn_fail(err, SN_ENOMEM, "out of memory");
        else
            st = paper_read(paper_path, &r->paper, &r->n_paper, err);
    }
    if (st == SN_OK)
        st = report_build(r, err);
    if (st != SN_OK) {
        sn_bench_report_free(r);
        return st;
    }
    *out = r;
    return SN_OK;
}

static const cell_summary *report_cell(const sn_bench_report *r, const char *ds, const char *m)
{
    size_t di = name_index(r->ds, r->n_ds, ds), mi = name_index(r->meth, r->n_meth, m);
    if (di == SIZE_MAX || mi == SIZE_MAX)
        return NULL;
    return &r->cell[di * r->n_meth + mi];
}

sn_status sn_bench_report_summary(const sn_bench_report *r, const char *dataset,
                                  const char *method, sn_bench_summary *out, sn_error *err)
{
    if (!r || !dataset || !method || !out)
        return sn_fail(err, SN_EINVAL, "sn_bench_report_summary: NULL argument");
    const cell_summary *cs = report_cell(r, dataset, method);
    if (!cs || cs->n_ok + cs->n_failed == 0)
        return sn_fail(err, SN_EINVAL, "%s holds no test result of %s on %s", r->path, method,
                       dataset);
    memset(out, 0, sizeof *out);
    out->n_ok = cs->n_ok;
    out->n_failed = cs->n_failed;
    out->rmse = cs->rmse;
    out->ll = cs->ll;
    out->ll_gauss = cs->ll_gauss;
    out->mae = cs->mae;
    out->ref_abs_err = cs->ref_abs_err;
    out->seconds = cs->seconds;
    out->total_seconds = cs->total_seconds;
    if (cs->first_err && cs->first_err->error)
        snprintf(out->error, sizeof out->error, "%s", cs->first_err->error);
    return SN_OK;
}

sn_status sn_bench_report_rank(const sn_bench_report *r, const char *method, double *avg_rank,
                               size_t *n_datasets, sn_error *err)
{
    if (!r || !method || !avg_rank)
        return sn_fail(err, SN_EINVAL, "sn_bench_report_rank: NULL argument");
    size_t mi = name_index(r->meth, r->n_meth, method);
    if (mi == SIZE_MAX)
        return sn_fail(err, SN_EINVAL, "%s holds no result of method %s", r->path, method);
    if (n_datasets)
        *n_datasets = r->n_rank_ds;
    *avg_rank = r->avg_rank[mi];
    if (r->n_rank_ds == 0)
        return sn_fail(err, SN_EINVAL,
                       "no data set of %s has a test RMSE for every method: no ranks", r->path);
    return SN_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Formatting                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* Decimals for a figure of this size: three at least, more for small magnitudes. */
static int decimals_for(double x)
{
    if (!isfinite(x) || x == 0)
        return 3;
    int d = 2 - (int)floor(log10(fabs(x)));
    return d < 3 ? 3 : (d > 6 ? 6 : d);
}

static void fmt_stat(char *buf, size_t n, const sn_bench_stat *s)
{
    if (s->n == 0 || !isfinite(s->mean)) {
        snprintf(buf, n, "—");
        return;
    }
    int d = decimals_for(s->mean);
    if (s->n == 1 || !isfinite(s->se))
        snprintf(buf, n, "%.*f", d, s->mean);
    else
        snprintf(buf, n, "%.*f ± %.*f", d, s->mean, d, s->se);
}

/* A compact duration: 42s, 3m05s, 2h07m. */
static void fmt_duration(char *buf, size_t n, double s)
{
    if (!isfinite(s) || s < 0)
        snprintf(buf, n, "—");
    else if (s < 60)
        snprintf(buf, n, "%.1fs", s);
    else if (s < 3600)
        snprintf(buf, n, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else
        snprintf(buf, n, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
}

typedef enum { Q_RMSE, Q_REF, Q_LL } quantity;

static const sn_bench_stat *cell_stat(const cell_summary *cs, quantity q)
{
    return q == Q_RMSE ? &cs->rmse : (q == Q_REF ? &cs->ref_abs_err : &cs->ll);
}

/* The cell text of ours: the figure, bold when best of its row, failures noted. */
static void fmt_ours(char *buf, size_t n, const cell_summary *cs, quantity q, bool best,
                     size_t row_n)
{
    char s[96];
    if (!cs || cs->n_ok + cs->n_failed == 0) {
        snprintf(buf, n, "—");
        return;
    }
    if (cs->n_ok == 0) {
        snprintf(buf, n, "failed");
        return;
    }
    fmt_stat(s, sizeof s, cell_stat(cs, q));
    char extra[48] = "";
    if (cs->n_ok != row_n || cs->n_failed > 0)
        snprintf(extra, sizeof extra, " (n=%zu%s)", cs->n_ok, cs->n_failed ? ", errors" : "");
    snprintf(buf, n, best ? "**%s**%s" : "%s%s", s, extra);
}

/* Markers of a paper figure that is not what our column shows: ‡ the authors' figure (38)
 * where we show an RMSE, § an RMSE where we show the authors' figure, † ± a standard
 * deviation (ours are standard errors). */
static void paper_mark(char *buf, size_t n, const paper_row *p, quantity q)
{
    bool is_ref = strcmp(p->rmse_kind, "ref_abs_err") == 0;
    const char *kind = "";
    if (q == Q_RMSE && is_ref)
        kind = "‡";
    else if (q == Q_REF && !is_ref)
        kind = "§";
    const char *sd = strcmp(p->err_kind, "std") == 0 ? "†" : "";
    snprintf(buf, n, "%s%s%s", *kind || *sd ? " " : "", kind, sd);
}

static void fmt_paper(char *buf, size_t n, const paper_row *p, quantity q)
{
    if (!p) {
        snprintf(buf, n, "—");
        return;
    }
    const char *v = q == Q_LL ? p->ll : p->rmse, *e = q == Q_LL ? p->ll_err : p->rmse_err;
    char mark[32];
    paper_mark(mark, sizeof mark, p, q);
    snprintf(buf, n, "%s ± %s%s", v, e, mark);
}

static const char *objective_label(const char *m)
{
    if (strcmp(m, "lb") == 0)
        return "lower bound (lb)";
    if (strcmp(m, "iw") == 0)
        return "import. weighted (iw)";
    if (strcmp(m, "tail") == 0)
        return "tail-adaptive (tail)";
    return m;
}

/* One of the three parts of Table 2. */
static void table2_part(sbuf *s, const sn_bench_report *r, const size_t *mi, size_t n_mi,
                        quantity q, const char *title)
{
    bool paper = r->n_paper > 0;
    bool higher_better = q == Q_LL;
    sb_printf(s, "\n### %s\n\n| data set | splits |", title);
    for (size_t j = 0; j < n_mi; j++) {
        sb_printf(s, " %s |", objective_label(r->meth[mi[j]]));
        if (paper)
            sb_puts(s, " paper |");
    }
    sb_puts(s, "\n|---|---:|");
    for (size_t j = 0; j < n_mi * (paper ? 2 : 1); j++)
        sb_puts(s, "---:|");
    sb_puts(s, "\n");
    size_t wins[8] = {0}, n_rows_judged = 0;
    for (size_t di = 0; di < r->n_ds; di++) {
        const cell_summary *row[8];
        size_t row_n = 0;
        bool any = false;
        for (size_t j = 0; j < n_mi; j++) {
            row[j] = &r->cell[di * r->n_meth + mi[j]];
            if (row[j]->n_ok > row_n)
                row_n = row[j]->n_ok;
            any = any || row[j]->n_ok + row[j]->n_failed > 0;
        }
        if (!any)
            continue;
        /* The best of our figures in this row (only when at least two methods have one);
         * every method that ties with it is marked and counted. */
        double best = NAN;
        size_t n_have = 0;
        for (size_t j = 0; j < n_mi; j++) {
            const sn_bench_stat *st = cell_stat(row[j], q);
            if (row[j]->n_ok == 0 || !isfinite(st->mean))
                continue;
            n_have++;
            if (isnan(best) || (higher_better ? st->mean > best : st->mean < best))
                best = st->mean;
        }
        bool is_best[8] = {false};
        for (size_t j = 0; j < n_mi && n_have >= 2; j++)
            is_best[j] = row[j]->n_ok > 0 && cell_stat(row[j], q)->mean == best;
        if (n_have == n_mi && n_have >= 2) {
            n_rows_judged++;
            for (size_t j = 0; j < n_mi; j++)
                wins[j] += is_best[j];
        }
        sb_printf(s, "| %s | %zu |", r->ds[di], row_n);
        for (size_t j = 0; j < n_mi; j++) {
            char cell[160];
            fmt_ours(cell, sizeof cell, row[j], q, is_best[j], row_n);
            sb_printf(s, " %s |", cell);
            if (paper) {
                fmt_paper(cell, sizeof cell, paper_find(r, r->ds[di], r->meth[mi[j]]), q);
                sb_printf(s, " %s |", cell);
            }
        }
        sb_puts(s, "\n");
    }
    if (n_mi > 1 && n_rows_judged > 0) {
        sb_printf(s, "\nBest (%s) of ours, counted over the %zu data set%s where each has a "
                     "result (a tie counts for each):", higher_better ? "highest" : "lowest",
                  n_rows_judged, n_rows_judged == 1 ? "" : "s");
        for (size_t j = 0; j < n_mi; j++)
            sb_printf(s, " %s %zu%s", r->meth[mi[j]], wins[j], j + 1 < n_mi ? "," : ".");
        sb_puts(s, "\n");
    }
}

static bool same_num(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

/* Whether two test records trained with the same settings, grid choices aside. */
static bool same_settings(const record *a, const record *b)
{
    return same_num(a->epochs, b->epochs) && same_num(a->batch, b->batch) &&
           same_num(a->samples, b->samples) && same_num(a->lr, b->lr) &&
           same_num(a->draws, b->draws) && same_num(a->n_hidden, b->n_hidden) &&
           same_num(a->n_layers, b->n_layers) && same_num(a->sigma0, b->sigma0) &&
           strcmp(a->protocol ? a->protocol : "", b->protocol ? b->protocol : "") == 0 &&
           strcmp(a->arch ? a->arch : "", b->arch ? b->arch : "") == 0;
}

/* Count v into the distinct values vals[0..*n) (at most cap). */
static void count_value(double v, double *vals, size_t *counts, size_t *n, size_t cap)
{
    size_t j = 0;
    while (j < *n && vals[j] != v)
        j++;
    if (j == *n) {
        if (*n == cap)
            return;
        vals[j] = v;
        counts[j] = 0;
        (*n)++;
    }
    counts[j]++;
}

#define MAX_DISTINCT 32

static void md_settings(sbuf *s, const sn_bench_report *r)
{
    sb_puts(s, "\n## Settings\n\n| method | data sets | protocol | network | epochs | batch | S | "
               "lr | sigma0 | keep | precision | T |\n"
               "|---|---|---|---|---:|---:|---:|---:|---:|---|---|---:|\n");
    bool *done = sn_calloc(r->n_ds ? r->n_ds : 1, sizeof *done);
    if (!done) {
        s->oom = true;
        return;
    }
    for (size_t m = 0; m < r->n_meth; m++) {
        memset(done, 0, (r->n_ds ? r->n_ds : 1) * sizeof *done);
        for (size_t di = 0; di < r->n_ds; di++) {
            const record *f = r->cell[di * r->n_meth + m].first;
            if (!f || done[di])
                continue;
            /* One row for the data sets whose test units share these settings. */
            sbuf names = {0}, keep = {0}, prec = {0};
            double kv[MAX_DISTINCT], pv[MAX_DISTINCT], sv[MAX_DISTINCT];
            size_t kc[MAX_DISTINCT], pc[MAX_DISTINCT], sc[MAX_DISTINCT];
            size_t nk = 0, np = 0, ns = 0, n_learn = 0, n_ds = 0;
            for (size_t dj = di; dj < r->n_ds; dj++) {
                const record *g = r->cell[dj * r->n_meth + m].first;
                if (!g || done[dj] || !same_settings(f, g))
                    continue;
                done[dj] = true;
                n_ds++;
                sb_printf(&names, "%s%s", names.len ? ", " : "", r->ds[dj]);
                for (size_t i = 0; i < r->l.n; i++) {
                    const record *x = &r->l.r[i];
                    if (!r->live[i] || x->grid >= 0 || strcmp(x->method, r->meth[m]) != 0 ||
                        strcmp(x->dataset, r->ds[dj]) != 0)
                        continue;
                    if (x->learn_precision)
                        n_learn++;
                    else if (isfinite(x->precision))
                        count_value(x->precision, pv, pc, &np, MAX_DISTINCT);
                    if (isfinite(x->keep))
                        count_value(x->keep, kv, kc, &nk, MAX_DISTINCT);
                    if (isfinite(x->sigma0))
                        count_value(x->sigma0, sv, sc, &ns, MAX_DISTINCT);
                }
            }
            if (n_ds == r->n_ds && n_ds > 1) {
                names.len = 0;
                sb_puts(&names, "all");
            }
            bool counted = nk > 1 || (f->protocol && strcmp(f->protocol, "gal") == 0);
            for (size_t j = 0; j < nk; j++) {
                if (counted)
                    sb_printf(&keep, "%s%g ×%zu", j ? ", " : "", kv[j], kc[j]);
                else
                    sb_printf(&keep, "%s%g", j ? ", " : "", kv[j]);
            }
            if (n_learn)
                sb_printf(&prec, "learned ×%zu", n_learn);
            if (np > 6)
                sb_printf(&prec, "%s%zu fixed values", prec.len ? ", " : "", np);
            else
                for (size_t j = 0; j < np; j++)
                    sb_printf(&prec, "%s%g ×%zu", prec.len ? ", " : "", pv[j], pc[j]);
            char sig[48];
            if (ns == 0)
                snprintf(sig, sizeof sig, "none");
            else if (ns == 1)
                snprintf(sig, sizeof sig, "%.4g", sv[0]);
            else
                snprintf(sig, sizeof sig, "(39), %zu values", ns);
            sb_printf(s, "| %s | %s | %s | %s %gx%g | %g | %g | %g | %g | %s | %s | %s | %g |\n",
                      r->meth[m], names.s ? names.s : "", f->protocol ? f->protocol : "?",
                      f->arch ? f->arch : "?", f->n_layers, f->n_hidden, f->epochs, f->batch,
                      f->samples, f->lr, sig, keep.s ? keep.s : "—", prec.s ? prec.s : "—",
                      f->draws);
            if (names.oom || keep.oom || prec.oom)
                s->oom = true;
            free(names.s);
            free(keep.s);
            free(prec.s);
        }
    }
    free(done);
    sb_puts(s, "\nnetwork: architecture, hidden layers x units. keep, precision and sigma0: the "
               "values the test units trained with, and how many (under Gal's protocol the grid "
               "points chosen by validation log-likelihood; sigma0 (39) is Gal's weight decay, "
               "which depends on the keep probability). T: Monte Carlo draws per score. "
               "Everything else is recorded with each unit in the results file.\n");
}

static void format_markdown(const sn_bench_report *r, sbuf *s)
{
    sb_printf(s, "# shrinknet bench: %s\n\nTest-set figures in the original units of y, mean ± "
                 "standard error over splits; bold: the best of ours in its row. RMSE is the "
                 "RMSE of the predictive mean (MATH.md (36)); LL is the test log-likelihood "
                 "(37); the authors' figure is what their code prints as \"RMSE\" (38), a "
                 "sample-averaged absolute error.\n", r->path);
    size_t n_test_lines = 0;
    for (size_t i = 0; i < r->l.n; i++)
        n_test_lines += r->live[i] && r->l.r[i].grid < 0;
    if (n_test_lines == 0) {
        sb_printf(s, "\nNo test results in %s yet (%zu unit%s, none of them a test unit).\n",
                  r->path, r->l.n - r->n_superseded, r->l.n - r->n_superseded == 1 ? "" : "s");
        return;
    }
    size_t mc[3], n_mc = 0;
    static const char *const table2[] = {"lb", "iw", "tail"};
    for (size_t j = 0; j < 3; j++) {
        size_t mi = name_index(r->meth, r->n_meth, table2[j]);
        if (mi != SIZE_MAX)
            mc[n_mc++] = mi;
    }
    if (n_mc > 0) {
        sb_puts(s, "\n## Table 2: Monte Carlo objectives\n");
        table2_part(s, r, mc, n_mc, Q_RMSE, "Test RMSE (36)");
        table2_part(s, r, mc, n_mc, Q_LL, "Test log-likelihood (37)");
        table2_part(s, r, mc, n_mc, Q_REF, "The authors' figure (38)");
        /* The repository's copy is named as such, wherever the binary found it. */
        const char *pp = r->paper_path ? r->paper_path : "";
        size_t lp = strlen(pp), lr = strlen("bench/paper_table2.csv");
        if (lp >= lr && strcmp(pp + lp - lr, "bench/paper_table2.csv") == 0)
            pp = "bench/paper_table2.csv";
        if (r->n_paper > 0)
            sb_printf(s, "\npaper: Table 2 of Nalisnick, Hernández-Lobato & Smyth (ICML 2019), "
                         "as quoted in %s. Its lower-bound column is Gal & Ghahramani's RMSE "
                         "± standard error; its other columns come from the authors' code. "
                         "† ± is a standard deviation over splits, not a standard error; "
                         "‡ the paper's figure here is the authors' figure (38), not an RMSE; "
                         "§ the paper's figure here is a true RMSE (36), not the authors' "
                         "figure.\n", pp);
    }
    sb_puts(s, "\n## Table 3: test RMSE per method\n\n| data set |");
    for (size_t m = 0; m < r->n_meth; m++)
        sb_printf(s, " %s |", r->meth[m]);
    sb_puts(s, "\n|---|");
    for (size_t m = 0; m < r->n_meth; m++)
        sb_puts(s, "---:|");
    sb_puts(s, "\n");
    for (size_t di = 0; di < r->n_ds; di++) {
        const cell_summary *row = &r->cell[di * r->n_meth];
        size_t row_n = 0, n_have = 0;
        double best = NAN;
        for (size_t m = 0; m < r->n_meth; m++) {
            if (row[m].n_ok > row_n)
                row_n = row[m].n_ok;
            if (row[m].n_ok > 0 && isfinite(row[m].rmse.mean)) {
                n_have++;
                if (isnan(best) || row[m].rmse.mean < best)
                    best = row[m].rmse.mean;
            }
        }
        sb_printf(s, "| %s |", r->ds[di]);
        for (size_t m = 0; m < r->n_meth; m++) {
            char cell[160];
            fmt_ours(cell, sizeof cell, &row[m], Q_RMSE,
                     n_have >= 2 && row[m].n_ok > 0 && row[m].rmse.mean == best, row_n);
            sb_printf(s, " %s |", cell);
        }
        sb_puts(s, "\n");
    }
    sb_puts(s, "| average rank |");
    for (size_t m = 0; m < r->n_meth; m++) {
        if (isfinite(r->avg_rank[m]))
            sb_printf(s, " %.2f |", r->avg_rank[m]);
        else
            sb_puts(s, " — |");
    }
    sb_printf(s, "\n\nAverage rank by mean test RMSE (1 = best; ties share the mean rank) over "
                 "the %zu data set%s where every method has a result.\n", r->n_rank_ds,
              r->n_rank_ds == 1 ? "" : "s");

    /* Failures, one line per cell. */
    bool any_fail = false;
    for (size_t c = 0; c < r->n_ds * r->n_meth; c++) {
        const cell_summary *cs = &r->cell[c];
        if (cs->n_failed == 0)
            continue;
        if (!any_fail)
            sb_puts(s, "\n## Failures\n\n");
        any_fail = true;
        sb_printf(s, "- %s on %s: %zu of %zu splits failed: %s\n", r->meth[c % r->n_meth],
                  r->ds[c / r->n_meth], cs->n_failed, cs->n_failed + cs->n_ok,
                  cs->first_err && cs->first_err->error ? cs->first_err->error : "?");
    }

    md_settings(s, r);

    sb_puts(s, "\n## Time\n\n| method | units | compute time | mean per test unit |\n"
               "|---|---:|---:|---:|\n");
    double total = 0.0;
    for (size_t m = 0; m < r->n_meth; m++) {
        size_t n_units = 0;
        double sum = 0.0, test_sum = 0.0;
        size_t n_test = 0;
        for (size_t di = 0; di < r->n_ds; di++) {
            const cell_summary *cs = &r->cell[di * r->n_meth + m];
            n_units += cs->n_units;
            sum += cs->total_seconds;
            if (cs->seconds.n) {
                test_sum += cs->seconds.mean * (double)cs->seconds.n;
                n_test += cs->seconds.n;
            }
        }
        total += sum;
        char a[32], b2[32];
        fmt_duration(a, sizeof a, sum);
        fmt_duration(b2, sizeof b2, n_test ? test_sum / (double)n_test : NAN);
        sb_printf(s, "| %s | %zu | %s | %s |\n", r->meth[m], n_units, a, b2);
    }
    char t[32];
    fmt_duration(t, sizeof t, total);
    sb_printf(s, "\nCompute time is the sum of the units' wall times (%s in all); with N jobs "
                 "the run takes about 1/N of it.\n", t);
}

static void csv_stat(sbuf *s, const sn_bench_stat *st)
{
    sb_puts(s, ",");
    sb_json_num(s, st->mean);
    sb_puts(s, ",");
    sb_json_num(s, st->se);
    sb_puts(s, ",");
    sb_json_num(s, st->std);
}

static void format_csv(const sn_bench_report *r, sbuf *s)
{
    sb_puts(s, "dataset,method,protocol,n_ok,n_failed,rmse_mean,rmse_se,rmse_std,ll_mean,ll_se,"
               "ll_std,ll_gauss_mean,ll_gauss_se,ll_gauss_std,mae_mean,mae_se,mae_std,"
               "ref_abs_err_mean,ref_abs_err_se,ref_abs_err_std,seconds_mean,seconds_se,"
               "seconds_std,compute_seconds,rank_rmse,avg_rank_rmse,paper_rmse,paper_rmse_err,"
               "paper_ll,paper_ll_err,paper_rmse_kind,paper_err_kind,epochs,batch,samples,lr,"
               "draws,config,first_error\n");
    for (size_t di = 0; di < r->n_ds; di++)
        for (size_t m = 0; m < r->n_meth; m++) {
            const cell_summary *cs = &r->cell[di * r->n_meth + m];
            if (cs->n_ok + cs->n_failed == 0)
                continue;
            const record *f = cs->first;
            sb_printf(s, "%s,%s,%s,%zu,%zu", r->ds[di], r->meth[m],
                      f && f->protocol ? f->protocol : "", cs->n_ok, cs->n_failed);
            csv_stat(s, &cs->rmse);
            csv_stat(s, &cs->ll);
            csv_stat(s, &cs->ll_gauss);
            csv_stat(s, &cs->mae);
            csv_stat(s, &cs->ref_abs_err);
            csv_stat(s, &cs->seconds);
            sb_puts(s, ",");
            sb_json_num(s, cs->total_seconds);
            sb_puts(s, ",");
            sb_json_num(s, cs->rank);
            sb_puts(s, ",");
            sb_json_num(s, r->avg_rank[m]);
            const paper_row *p = paper_find(r, r->ds[di], r->meth[m]);
            if (p)
                sb_printf(s, ",%s,%s,%s,%s,%s,%s", p->rmse, p->rmse_err, p->ll, p->ll_err,
                          p->rmse_kind, p->err_kind);
            else
                sb_puts(s, ",,,,,,");
            sb_printf(s, ",%.17g,%.17g,%.17g,%.17g,%.17g,%s,", f->epochs, f->batch, f->samples,
                      f->lr, f->draws, f->config);
            if (cs->first_err && cs->first_err->error) {
                /* RFC 4180 quoting: the message may hold commas and quotes. */
                sb_puts(s, "\"");
                for (const char *c = cs->first_err->error; *c; c++) {
                    if (*c == '"')
                        sb_puts(s, "\"\"");
                    else
                        sb_printf(s, "%c", *c);
                }
                sb_puts(s, "\"");
            }
            sb_puts(s, "\n");
        }
}

sn_status sn_bench_report_format(const sn_bench_report *r, sn_bench_format f, char **out,
                                 sn_error *err)
{
    if (!r || !out)
        return sn_fail(err, SN_EINVAL, "sn_bench_report_format: NULL argument");
    *out = NULL;
    sbuf s = {0};
    if (f == SN_BENCH_MARKDOWN)
        format_markdown(r, &s);
    else if (f == SN_BENCH_CSV)
        format_csv(r, &s);
    else
        return sn_fail(err, SN_EINVAL, "unknown report format %d", (int)f);
    if (s.oom || !s.s) {
        free(s.s);
        return sn_fail(err, SN_ENOMEM, "out of memory formatting the report");
    }
    *out = s.s;
    return SN_OK;
}
