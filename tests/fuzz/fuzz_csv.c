/*
 * fuzz_csv.c — libFuzzer harness for sn_data_read_csv (src/io/csv.c).
 *
 * Input: one option byte, then the bytes of the file.
 *   bits 0-1  delimiter: 0 auto, 1 comma, 2 whitespace, 3 auto
 *   bits 2-3  header: 0 auto, 1 yes, 2 no, 3 auto
 *   bit  4    no_target (every column a feature)
 *   bits 5-7  target spec: NULL, "", "0", "1", "y", a 30-digit index, "-1", "x1"
 * The file is read twice, by name and as standard input ("-"), and both answers must agree.
 *
 * Properties checked besides the sanitizers: the status is SN_OK, SN_EDATA, SN_EIO or SN_ENOMEM
 * (the options are valid, so never SN_EINVAL); an error message starts with the path, and an
 * SN_EDATA message with "path:line:column: expected"; on success there is at least one row and
 * one column, every value is finite, and y is zero with no_target.
 */
#include "fuzz_util.h"

#include <math.h>
#include <stdint.h>

static const char *const targets[8] = {
    NULL, "", "0", "1", "y", "123456789012345678901234567890", "-1", "x1",
};

static void check_result(sn_status st, const sn_data *d, const sn_error *e, const char *shown,
                         const sn_csv_options *opt)
{
    FUZZ_CHECK(st == SN_OK || st == SN_EDATA || st == SN_EIO || st == SN_ENOMEM,
               "status %d: %s", (int)st, e->msg);
    if (st != SN_OK) {
        FUZZ_CHECK(d == NULL, "an error left *out set");
        FUZZ_CHECK(e->code == st, "err->code %d, status %d", (int)e->code, (int)st);
        FUZZ_CHECK(fuzz_names(e, shown), "message does not name %s: %s", shown, e->msg);
        if (st == SN_EDATA) {
            size_t line = 0, col = 0;
            int used = 0;
            const char *rest = e->msg + strlen(shown);
            FUZZ_CHECK(sscanf(rest, ":%zu:%zu: %n", &line, &col, &used) == 2 && used > 0 &&
                           line >= 1 && col >= 1 && strncmp(rest + used, "expected ", 9) == 0,
                       "not path:line:col: expected ...: %s", e->msg);
        }
        return;
    }
    size_t n = sn_data_n_rows(d), p = sn_data_n_cols(d);
    FUZZ_CHECK(n >= 1 && p >= 1, "%zu rows, %zu columns", n, p);
    const double *x = sn_data_x(d), *y = sn_data_y(d);
    for (size_t i = 0; i < n * p; i++)
        FUZZ_CHECK(isfinite(x[i]), "x[%zu] = %g", i, x[i]);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(isfinite(y[i]), "y[%zu] = %g", i, y[i]);
        FUZZ_CHECK(!opt->no_target || y[i] == 0.0, "no_target but y[%zu] = %g", i, y[i]);
    }
    for (size_t j = 0; j <= p; j++)
        (void)sn_data_col_name(d, j); /* j == p: out of range, NULL */
    FUZZ_CHECK(sn_data_source(d)[0] != '\0', "no source");
}

/* Same status, same message after the file name, same numbers. */
static void check_same(sn_status st1, const sn_data *d1, const sn_error *e1, const char *name1,
                       sn_status st2, const sn_data *d2, const sn_error *e2, const char *name2)
{
    FUZZ_CHECK(st1 == st2, "by name %d (%s), from stdin %d (%s)", (int)st1, e1->msg, (int)st2,
               e2->msg);
    if (st1 != SN_OK) {
        if (st1 == SN_EDATA)
            FUZZ_CHECK(strcmp(e1->msg + strlen(name1), e2->msg + strlen(name2)) == 0,
                       "messages differ: %s | %s", e1->msg, e2->msg);
        return;
    }
    size_t n = sn_data_n_rows(d1), p = sn_data_n_cols(d1);
    FUZZ_CHECK(n == sn_data_n_rows(d2) && p == sn_data_n_cols(d2), "shapes differ");
    FUZZ_CHECK(memcmp(sn_data_x(d1), sn_data_x(d2), n * p * sizeof(double)) == 0, "x differs");
    FUZZ_CHECK(memcmp(sn_data_y(d1), sn_data_y(d2), n * sizeof(double)) == 0, "y differs");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    sn_csv_options opt;
    sn_csv_options_default(&opt);
    unsigned o = data[0];
    static const sn_delim delims[4] = {SN_DELIM_AUTO, SN_DELIM_COMMA, SN_DELIM_WHITESPACE,
                                       SN_DELIM_AUTO};
    static const sn_header headers[4] = {SN_HEADER_AUTO, SN_HEADER_YES, SN_HEADER_NO,
                                         SN_HEADER_AUTO};
    opt.delim = delims[o & 3];
    opt.header = headers[(o >> 2) & 3];
    opt.no_target = (o >> 4) & 1;
    opt.target = targets[(o >> 5) & 7];

    char path[600];
    fuzz_path(path, sizeof path, "in.csv");
    fuzz_write(path, data + 1, size - 1);

    sn_data *d1 = NULL, *d2 = NULL;
    sn_error e1 = {0}, e2 = {0};
    sn_status st1 = sn_data_read_csv(path, &opt, &d1, &e1);
    check_result(st1, d1, &e1, path, &opt);

    /* The same bytes through standard input. */
    if (!freopen(path, "rb", stdin))
        abort();
    sn_status st2 = sn_data_read_csv("-", &opt, &d2, &e2);
    check_result(st2, d2, &e2, "<stdin>", &opt);
    check_same(st1, d1, &e1, path, st2, d2, &e2, "<stdin>");

    sn_data_free(d1);
    sn_data_free(d2);
    return 0;
}
