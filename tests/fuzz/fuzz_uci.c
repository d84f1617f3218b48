/*
 * fuzz_uci.c — libFuzzer harness for sn_data_read_uci and sn_uci_read_info (src/io/uci.c).
 *
 * Input: the files of one UCI split folder, separated by the line "##" (the 3 bytes "##\n"),
 * in this order:
 *   data.txt, index_features.txt, index_target.txt, index_train_0.txt, index_test_0.txt,
 *   n_splits.txt, index_train_1.txt, index_test_1.txt, n_hidden.txt, n_epochs.txt,
 *   dropout_rates.txt, tau_values.txt
 * Files past the last part are missing; a part that is exactly "~" makes its file missing too.
 * Then: split 0 (folder given as "dir"), split 1 (given as "dir/"), and the info files.
 *
 * Properties besides the sanitizers: statuses are SN_OK, SN_EDATA, SN_EIO, SN_ENOMEM or (split
 * out of range) SN_EINVAL; every message starts with the folder's name, SN_EDATA ones with
 * "folder/file:line:column: expected"; on success both sets have at least one row and the same
 * columns, all finite, and the info values lie in their documented ranges.
 */
#include "fuzz_util.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

static const char *const names[] = {
    "data.txt",          "index_features.txt", "index_target.txt", "index_train_0.txt",
    "index_test_0.txt",  "n_splits.txt",       "index_train_1.txt", "index_test_1.txt",
    "n_hidden.txt",      "n_epochs.txt",       "dropout_rates.txt", "tau_values.txt",
};
#define N_NAMES (sizeof names / sizeof names[0])
#define SEP "##\n"
#define SEP_LEN 3

static void check_msg(sn_status st, const sn_error *e, const char *dir)
{
    FUZZ_CHECK(e->code == st, "err->code %d, status %d", (int)e->code, (int)st);
    FUZZ_CHECK(fuzz_names(e, dir), "message does not name the folder %s: %s", dir, e->msg);
    if (st == SN_EDATA) {
        /* "dir/file.txt:line:col: expected ..." */
        const char *colon = strstr(e->msg, ".txt:");
        size_t line = 0, col = 0;
        int used = 0;
        FUZZ_CHECK(colon && sscanf(colon + 4, ":%zu:%zu: %n", &line, &col, &used) == 2 &&
                       used > 0 && line >= 1 && col >= 1 &&
                       strncmp(colon + 4 + used, "expected ", 9) == 0,
                   "not folder/file:line:col: expected ...: %s", e->msg);
    }
}

static void check_split(sn_status st, const sn_data *tr, const sn_data *te, const sn_error *e,
                        const char *dir)
{
    FUZZ_CHECK(st == SN_OK || st == SN_EDATA || st == SN_EIO || st == SN_ENOMEM ||
                   st == SN_EINVAL,
               "status %d: %s", (int)st, e->msg);
    if (st != SN_OK) {
        FUZZ_CHECK(!tr && !te, "an error left an output set");
        check_msg(st, e, dir);
        return;
    }
    size_t p = sn_data_n_cols(tr);
    FUZZ_CHECK(p >= 1 && p == sn_data_n_cols(te), "columns %zu and %zu", p, sn_data_n_cols(te));
    const sn_data *sets[2] = {tr, te};
    for (int k = 0; k < 2; k++) {
        size_t n = sn_data_n_rows(sets[k]);
        FUZZ_CHECK(n >= 1, "set %d has no rows", k);
        const double *x = sn_data_x(sets[k]), *y = sn_data_y(sets[k]);
        for (size_t i = 0; i < n * p; i++)
            FUZZ_CHECK(isfinite(x[i]), "x[%zu] = %g", i, x[i]);
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK(isfinite(y[i]), "y[%zu] = %g", i, y[i]);
        FUZZ_CHECK(strstr(sn_data_source(sets[k]), "split") != NULL, "source %s",
                   sn_data_source(sets[k]));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *dir = fuzz_scratch();
    char path[700];
    size_t pos = 0;      /* start of the next part */
    bool is_more = true; /* false once a part ended without a separator */
    for (size_t k = 0; k < N_NAMES; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        if (!is_more) {
            unlink(path);
            continue;
        }
        size_t q = pos;
        while (q + SEP_LEN <= size && memcmp(data + q, SEP, SEP_LEN) != 0)
            q++;
        is_more = q + SEP_LEN <= size;
        size_t n = is_more ? q - pos : size - pos;
        if (n == 1 && data[pos] == '~')
            unlink(path);
        else
            fuzz_write(path, data + pos, n);
        pos = is_more ? q + SEP_LEN : size;
    }

    char dir_slash[600];
    snprintf(dir_slash, sizeof dir_slash, "%s/", dir);
    for (int split = 0; split < 2; split++) {
        sn_data *tr = NULL, *te = NULL;
        sn_error e = {0};
        const char *d = split ? dir_slash : dir;
        sn_status st = sn_data_read_uci(d, split, &tr, &te, &e);
        check_split(st, tr, te, &e, dir);
        sn_data_free(tr);
        sn_data_free(te);
    }

    sn_uci_info info;
    sn_error e = {0};
    sn_status st = sn_uci_read_info(dir, &info, &e);
    FUZZ_CHECK(st == SN_OK || st == SN_EDATA || st == SN_EIO || st == SN_ENOMEM, "status %d: %s",
               (int)st, e.msg);
    if (st != SN_OK) {
        check_msg(st, &e, dir);
    } else {
        FUZZ_CHECK(info.n_splits >= 1 && info.n_hidden >= 0 && info.n_epochs >= 0,
                   "n_splits %d n_hidden %d n_epochs %d", info.n_splits, info.n_hidden,
                   info.n_epochs);
        FUZZ_CHECK(info.n_dropout_rates <= 16 && info.n_tau_values <= 16, "counts %zu %zu",
                   info.n_dropout_rates, info.n_tau_values);
        for (size_t i = 0; i < info.n_dropout_rates; i++)
            FUZZ_CHECK(info.dropout_rates[i] >= 0 && info.dropout_rates[i] < 1, "rate %g",
                       info.dropout_rates[i]);
        for (size_t i = 0; i < info.n_tau_values; i++)
            FUZZ_CHECK(info.tau_values[i] > 0 && isfinite(info.tau_values[i]), "tau %g",
                       info.tau_values[i]);
    }
    return 0;
}
