/*
 * csv.c — CSV files (sn_data_read_csv), and the parser of whole texts of numbers that the UCI
 * reader (uci.c) uses for data.txt. Messages follow the rules at the top of text.c.
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
 *     decimal point is the locale's, "." unless the program calls setlocale) and is finite:
 *     "nan", "inf" and "1e999" (overflow) are errors, an underflow to 0 or a subnormal is
 *     accepted. There must be at least one row.
 *   - Target: the last column; or the column named by opt->target, looked up first among the
 *     header names and then read as a 0-based column index in decimal digits. With
 *     opt->no_target every column is a feature and y is zero. A file with a target needs at
 *     least two columns.
 *   - The path "-" reads standard input (shown as "<stdin>" in messages).
 */
#include "io/io.h"

#include <stdlib.h>
#include <string.h>

/* ========================================================================================== */
/* Tables of numbers                                                                          */
/* ========================================================================================== */

void sn_table_free(sn_table *tab)
{
    free(tab->v);
    tab->v = NULL;
    tab->n_rows = tab->cap = 0;
}

/* Room for one more row, doubling the allocation. */
static sn_status table_reserve_row(sn_table *tab)
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
static sn_status table_add_row(sn_table *tab, const sn_field_list *f, const char *path,
                               sn_error *err)
{
    if (table_reserve_row(tab) != SN_OK)
        return sn_fail_nomem(err, path);
    double *row = tab->v + tab->n_rows * tab->n_fields;
    for (size_t j = 0; j < f->n; j++) {
        const sn_field *x = &f->v[j];
        char q[SN_EXCERPT_MAX + 4];
        switch (sn_field_number(x, &row[j])) {
        case SN_NUM_OK:
            break;
        case SN_NUM_BAD:
            return sn_fail_at(err, path, x->line, x->col, "expected a number, found \"%s\"",
                              sn_quote(q, x->s, x->n));
        case SN_NUM_RANGE:
            return sn_fail_at(err, path, x->line, x->col, "expected a finite number, found \"%s\"",
                              sn_quote(q, x->s, x->n));
        }
    }
    tab->n_rows++;
    return SN_OK;
}

/* Parse a whole CSV text into tab (every row, every column) following the rules at the top of
 * this file. On error tab and lay may hold partial contents; the caller frees them. */
sn_status sn_csv_parse(sn_text *t, sn_delim delim, sn_header header, sn_table *tab,
                       sn_csv_layout *lay, sn_error *err)
{
    sn_line_reader r;
    sn_field_list row = {0};
    sn_status st = SN_OK;
    char *s = NULL;
    size_t n = 0, line, col;
    bool has_line = false;

    sn_lines_init(&r, t);
    while (sn_lines_next(&r, &s, &n)) {
        if (!sn_is_blank_line(s, n)) {
            has_line = true;
            break;
        }
    }
    if (!has_line) {
        sn_text_eof_pos(t, &line, &col);
        return sn_fail_at(err, t->path, line, col,
                          "expected a header or a row of numbers, found end of file");
    }
    lay->first_line = r.line_no;
    lay->first_s = s;
    lay->first_n = n;

    bool is_comma = delim == SN_DELIM_COMMA || (delim == SN_DELIM_AUTO && memchr(s, ',', n));
    if (sn_split_line(s, n, r.line_no, is_comma, &lay->header) != SN_OK)
        return sn_fail_nomem(err, t->path);
    size_t n_fields = lay->header.n;

    bool has_header = header == SN_HEADER_YES;
    if (header == SN_HEADER_AUTO) {
        for (size_t j = 0; j < n_fields && !has_header; j++) {
            double v;
            has_header = sn_field_number(&lay->header.v[j], &v) == SN_NUM_BAD;
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

    while (sn_lines_next(&r, &s, &n)) {
        if (sn_split_line(s, n, r.line_no, is_comma, &row) != SN_OK) {
            st = sn_fail_nomem(err, t->path);
            goto fail;
        }
        if (row.n == 0)
            continue;
        if (row.n != n_fields) {
            /* Point at the first extra field, or just past the end of a short line. */
            col = row.n > n_fields ? row.v[n_fields].col : n + 1;
            st = sn_fail_at(err, t->path, r.line_no, col, "expected %zu field%s (as on line %zu), "
                            "found %zu", n_fields, n_fields == 1 ? "" : "s", lay->first_line,
                            row.n);
            goto fail;
        }
        st = table_add_row(tab, &row, t->path, err);
        if (st != SN_OK)
            goto fail;
    }
    if (tab->n_rows == 0) {
        sn_text_eof_pos(t, &line, &col);
        st = sn_fail_at(err, t->path, line, col,
                        "expected a row of numbers after the header, found end of file");
        goto fail;
    }

fail:
    sn_fields_free(&row);
    return st;
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

/* A non-negative integer in decimal digits (sn_field_size) from a C string (option text). */
static bool parse_size_str(const char *s, size_t *out)
{
    sn_field f = {(char *)s, strlen(s), 0, 0};
    return sn_field_size(&f, out);
}

/* Drop one pair of enclosing double quotes from a header name. */
static void unquote(const char **s, size_t *n)
{
    if (*n >= 2 && (*s)[0] == '"' && (*s)[*n - 1] == '"') {
        (*s)++;
        *n -= 2;
    }
}

/* The column index of the target named by spec (NULL or "" = last column), see the top. */
static sn_status resolve_target(const sn_text *t, const sn_csv_layout *lay, size_t n_fields,
                                const char *spec, size_t *target, sn_error *err)
{
    char q[SN_EXCERPT_MAX + 4];
    size_t k;
    if (n_fields < 2)
        return sn_fail_at(err, t->path, lay->first_line, 1, "expected at least 2 fields (features "
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
            return sn_fail_at(err, t->path, lay->first_line, 1, "expected a target column index "
                              "in 0..%zu, found \"%s\"", n_fields - 1,
                              sn_quote(q, spec, strlen(spec)));
        *target = k;
        return SN_OK;
    }
    if (lay->header.n > 0) {
        char q2[SN_EXCERPT_MAX + 4];
        return sn_fail_at(err, t->path, lay->first_line, 1, "expected a header with a column named "
                          "\"%s\", found \"%s\"", sn_quote(q2, spec, strlen(spec)),
                          sn_quote(q, lay->first_s, lay->first_n));
    }
    return sn_fail_at(err, t->path, lay->first_line, 1, "expected a target column index (the file "
                      "has no header), found \"%s\"", sn_quote(q, spec, strlen(spec)));
}

sn_status sn_data_read_csv(const char *path, const sn_csv_options *opt, sn_data **out,
                           sn_error *err)
{
    sn_csv_options defaults;
    sn_text t = {0};
    sn_table tab = {0};
    sn_csv_layout lay = {0};
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

    st = sn_text_read(path, false, &t, err);
    if (st != SN_OK)
        goto fail;
    st = sn_csv_parse(&t, opt->delim, opt->header, &tab, &lay, err);
    if (st != SN_OK)
        goto fail;
    if (!opt->no_target) {
        st = resolve_target(&t, &lay, tab.n_fields, opt->target, &target, err);
        if (st != SN_OK)
            goto fail;
    }

    size_t n_cols = tab.n_fields - (opt->no_target ? 0 : 1);
    d = sn_data_alloc(tab.n_rows, n_cols, lay.header.n > 0);
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
        if (!(d->col_names[c++] = sn_strndup(name, len)))
            goto nomem;
    }
    if (!(d->source = sn_strdup(t.path)))
        goto nomem;
    *out = d;
    d = NULL;

fail: /* also the way out on success, with st == SN_OK */
    sn_data_free(d);
    sn_fields_free(&lay.header);
    sn_table_free(&tab);
    sn_text_free(&t);
    return st;

nomem:
    st = sn_fail_nomem(err, t.path);
    goto fail;
}
