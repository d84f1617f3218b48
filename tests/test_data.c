/*
 * test_data.c — CSV and UCI readers, array constructors and Friedman #1 (src/io/csv.c,
 * src/io/uci.c, src/model/data.c, src/model/friedman.c).
 *
 * Runs from the repository root: tiny good and broken inputs live in tests/data/, the real UCI
 * splits and classification sets are read from the shared folder (sn_test_shared()).
 */
#include "test_util.h"

#include <string.h>

#define DATA "tests/data/"

/* A non-NULL pointer to check that readers reset *out on error. */
static int sentinel;
#define NOT_NULL ((sn_data *)(void *)&sentinel)

static const char *const uci_sets[] = {"bostonHousing", "concrete", "energy", "kin8nm",
                                       "power-plant", "wine-quality-red", "yacht"};

static void uci_dir(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/uci/%s", sn_test_shared(), name);
}

/* The status and a message containing needle; *out must be NULL. */
static void expect_csv_error(const char *path, const sn_csv_options *opt, sn_status code,
                             const char *needle)
{
    sn_data *d = NOT_NULL;
    sn_error e = {0};
    sn_status st = sn_data_read_csv(path, opt, &d, &e);
    ck_assert_msg(st == code, "%s: status \"%s\", expected \"%s\" (message: %s)", path,
                  sn_status_str(st), sn_status_str(code), e.msg);
    ck_assert_msg(e.code == code, "%s: err.code %d", path, (int)e.code);
    ck_assert_ptr_null(d);
    ck_assert_msg(strstr(e.msg, needle) != NULL, "%s: message \"%s\" lacks \"%s\"", path, e.msg,
                  needle);
}

static void expect_uci_error(const char *dir, int split, sn_status code, const char *needle)
{
    sn_data *train = NOT_NULL, *test = NOT_NULL;
    sn_error e = {0};
    sn_status st = sn_data_read_uci(dir, split, &train, &test, &e);
    ck_assert_msg(st == code, "%s: status \"%s\", expected \"%s\" (message: %s)", dir,
                  sn_status_str(st), sn_status_str(code), e.msg);
    ck_assert_ptr_null(train);
    ck_assert_ptr_null(test);
    ck_assert_msg(strstr(e.msg, needle) != NULL, "%s: message \"%s\" lacks \"%s\"", dir, e.msg,
                  needle);
}

static void check_row(const sn_data *d, size_t i, const double *x, double y)
{
    size_t p = sn_data_n_cols(d);
    for (size_t j = 0; j < p; j++)
        ck_assert_msg(sn_data_x(d)[i * p + j] == x[j], "%s: x[%zu][%zu] = %.17g, expected %.17g",
                      sn_data_source(d), i, j, sn_data_x(d)[i * p + j], x[j]);
    ck_assert_msg(sn_data_y(d)[i] == y, "%s: y[%zu] = %.17g, expected %.17g", sn_data_source(d),
                  i, sn_data_y(d)[i], y);
}

/* ------------------------------------------------------------------------------------------ */
/* Gal's UCI splits                                                                           */
/* ------------------------------------------------------------------------------------------ */

START_TEST(test_uci_all_splits)
{
    for (size_t s = 0; s < sizeof uci_sets / sizeof uci_sets[0]; s++) {
        char dir[1024], path[1100];
        sn_uci_info info;
        sn_data *all = NULL;
        sn_csv_options opt;
        uci_dir(dir, sizeof dir, uci_sets[s]);
        CHECK_OK(sn_uci_read_info(dir, &info, NULL));
        ck_assert_int_eq(info.n_splits, 20);

        /* The whole of data.txt through the CSV reader, for the row and column counts. */
        snprintf(path, sizeof path, "%s/data.txt", dir);
        sn_csv_options_default(&opt);
        opt.delim = SN_DELIM_WHITESPACE;
        opt.header = SN_HEADER_NO;
        opt.no_target = true;
        CHECK_OK(sn_data_read_csv(path, &opt, &all, NULL));

        for (int k = 0; k < info.n_splits; k++) {
            sn_data *train = NULL, *test = NULL;
            sn_error e = {0};
            sn_status st = sn_data_read_uci(dir, k, &train, &test, &e);
            ck_assert_msg(st == SN_OK, "%s split %d: %s", uci_sets[s], k, e.msg);
            /* Every set has the target in the last column and all others as features. */
            ck_assert_uint_eq(sn_data_n_cols(train), sn_data_n_cols(all) - 1);
            ck_assert_uint_eq(sn_data_n_cols(test), sn_data_n_cols(all) - 1);
            ck_assert_uint_gt(sn_data_n_rows(test), 0);
            ck_assert_uint_eq(sn_data_n_rows(train) + sn_data_n_rows(test), sn_data_n_rows(all));
            sn_data_free(train);
            sn_data_free(test);
        }
        sn_data_free(all);
    }
}
END_TEST

/* Row r (0-based) of a whitespace-separated file, read with plain stdio. */
static size_t read_data_row(const char *path, long r, double *v, size_t max)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    size_t n = 0;
    ck_assert_msg(f != NULL, "cannot open %s", path);
    for (long i = 0; i <= r; i++)
        ck_assert_msg(fgets(line, sizeof line, f) != NULL, "%s has no row %ld", path, r);
    fclose(f);
    char *p = line, *end;
    while (n < max) {
        double x = strtod(p, &end);
        if (end == p)
            break;
        v[n++] = x;
        p = end;
    }
    return n;
}

START_TEST(test_uci_yacht_split0)
{
    char dir[1024], path[1100];
    sn_data *train = NULL, *test = NULL;
    uci_dir(dir, sizeof dir, "yacht");
    CHECK_OK(sn_data_read_uci(dir, 0, &train, &test, NULL));
    ck_assert_uint_eq(sn_data_n_rows(train), 277);
    ck_assert_uint_eq(sn_data_n_cols(train), 6);
    ck_assert_uint_eq(sn_data_n_rows(test), 31);
    ck_assert_uint_eq(sn_data_n_cols(test), 6);
    ck_assert_str_eq(sn_data_source(train), "yacht split 0 (train)");
    ck_assert_str_eq(sn_data_source(test), "yacht split 0 (test)");
    ck_assert_ptr_null(sn_data_col_name(train, 0));

    /* The first training row against data.txt read independently. */
    long r = -1;
    snprintf(path, sizeof path, "%s/index_train_0.txt", dir);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fscanf(f, "%ld", &r), 1);
    fclose(f);
    double v[16];
    snprintf(path, sizeof path, "%s/data.txt", dir);
    ck_assert_uint_eq(read_data_row(path, r, v, 16), 7);
    check_row(train, 0, v, v[6]);

    sn_data_free(train);
    sn_data_free(test);
}
END_TEST

START_TEST(test_uci_info_yacht)
{
    char dir[1024];
    sn_uci_info info;
    uci_dir(dir, sizeof dir, "yacht");
    CHECK_OK(sn_uci_read_info(dir, &info, NULL));
    ck_assert_int_eq(info.n_splits, 20);
    ck_assert_int_eq(info.n_hidden, 50);
    ck_assert_int_eq(info.n_epochs, 40);
    ck_assert_uint_eq(info.n_dropout_rates, 4);
    const double rates[] = {0.005, 0.01, 0.05, 0.1}, taus[] = {0.25, 0.5, 0.75};
    for (size_t i = 0; i < 4; i++)
        ck_assert_double_eq(info.dropout_rates[i], rates[i]);
    ck_assert_uint_eq(info.n_tau_values, 3);
    for (size_t i = 0; i < 3; i++)
        ck_assert_double_eq(info.tau_values[i], taus[i]);
}
END_TEST

START_TEST(test_uci_split_out_of_range)
{
    char dir[1024];
    uci_dir(dir, sizeof dir, "yacht");
    expect_uci_error(dir, 20, SN_EINVAL, "0..19");
    expect_uci_error(dir, 20, SN_EINVAL, "yacht");
    expect_uci_error(dir, -1, SN_EINVAL, "0..19");
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* Tiny UCI folders                                                                           */
/* ------------------------------------------------------------------------------------------ */

START_TEST(test_uci_good_tiny)
{
    sn_data *train = NULL, *test = NULL;
    CHECK_OK(sn_data_read_uci(DATA "uci_good/", 0, &train, &test, NULL));
    ck_assert_str_eq(sn_data_source(train), "uci_good split 0 (train)");
    ck_assert_uint_eq(sn_data_n_rows(train), 3);
    ck_assert_uint_eq(sn_data_n_cols(train), 3);
    check_row(train, 0, (const double[]){13, 14, 15}, 50);
    check_row(train, 1, (const double[]){1, 2, 3}, 10);
    check_row(train, 2, (const double[]){7, 8, 9}, 30);
    ck_assert_uint_eq(sn_data_n_rows(test), 2);
    check_row(test, 0, (const double[]){4, 5, 6}, 20);
    check_row(test, 1, (const double[]){10, 11, 12}, 40);
    sn_data_free(train);
    sn_data_free(test);

    CHECK_OK(sn_data_read_uci(DATA "uci_good", 1, &train, &test, NULL));
    ck_assert_uint_eq(sn_data_n_rows(train), 2);
    ck_assert_uint_eq(sn_data_n_rows(test), 3);
    check_row(test, 2, (const double[]){13, 14, 15}, 50);
    sn_data_free(train);
    sn_data_free(test);

    sn_uci_info info;
    CHECK_OK(sn_uci_read_info(DATA "uci_good", &info, NULL));
    ck_assert_int_eq(info.n_splits, 2);
    ck_assert_int_eq(info.n_hidden, 10);
    ck_assert_int_eq(info.n_epochs, 0);
    ck_assert_uint_eq(info.n_dropout_rates, 2);
    ck_assert_double_eq(info.dropout_rates[1], 0.2);
    ck_assert_uint_eq(info.n_tau_values, 0);
}
END_TEST

START_TEST(test_uci_minimal_info)
{
    sn_uci_info info;
    CHECK_OK(sn_uci_read_info(DATA "uci_minimal", &info, NULL));
    ck_assert_int_eq(info.n_splits, 3);
    ck_assert_int_eq(info.n_hidden, 0);
    ck_assert_int_eq(info.n_epochs, 0);
    ck_assert_uint_eq(info.n_dropout_rates, 0);
    ck_assert_uint_eq(info.n_tau_values, 0);
    /* The folder has no data.txt. */
    expect_uci_error(DATA "uci_minimal", 0, SN_EIO, DATA "uci_minimal/data.txt: cannot open");
}
END_TEST

START_TEST(test_uci_bad_folders)
{
    expect_uci_error(DATA "uci_bad_range", 0, SN_EDATA,
                     DATA "uci_bad_range/index_train_0.txt:3:1: expected an integer row index in "
                     "0..3, found \"4\"");
    expect_uci_error(DATA "uci_bad_negative", 0, SN_EDATA,
                     DATA "uci_bad_negative/index_test_0.txt:1:1: expected an integer row index "
                     "in 0..3, found \"-1\"");
    expect_uci_error(DATA "uci_bad_nonint", 0, SN_EDATA,
                     DATA "uci_bad_nonint/index_train_0.txt:2:1: expected an integer row index in "
                     "0..3, found \"1.5\"");
    expect_uci_error(DATA "uci_bad_dup", 0, SN_EDATA,
                     DATA "uci_bad_dup/index_train_0.txt:3:1: expected each row index once, found "
                     "\"0\" again (first on line 1)");
    expect_uci_error(DATA "uci_bad_overlap", 0, SN_EDATA,
                     DATA "uci_bad_overlap/index_test_0.txt:2:1: expected a row index not in "
                     "index_train_0.txt, found \"1\" (line 2 of index_train_0.txt)");
    expect_uci_error(DATA "uci_bad_empty", 0, SN_EDATA,
                     DATA "uci_bad_empty/index_train_0.txt:1:1: expected a row index, found end "
                     "of file");
    expect_uci_error(DATA "uci_bad_target", 0, SN_EDATA,
                     DATA "uci_bad_target/index_target.txt:1:1: expected a column index not in "
                     "index_features.txt");
    expect_uci_error(DATA "uci_bad_feature", 0, SN_EDATA,
                     DATA "uci_bad_feature/index_features.txt:2:1: expected an integer column "
                     "index in 0..2, found \"3\"");
    expect_uci_error(DATA "uci_bad_data", 0, SN_EDATA,
                     DATA "uci_bad_data/data.txt:2:3: expected a number, found \"NA\"");
    expect_uci_error(DATA "uci_bad_two", 0, SN_EDATA,
                     DATA "uci_bad_two/index_train_0.txt:2:3: expected one value per line, found "
                     "\"2\"");
    expect_uci_error(DATA "no_such_folder", 0, SN_EIO, DATA "no_such_folder/n_splits.txt");

    sn_uci_info info;
    sn_error e = {0};
    ck_assert_int_eq(sn_uci_read_info(DATA "uci_bad_info", &info, &e), SN_EDATA);
    ck_assert_str_eq(e.msg, DATA "uci_bad_info/tau_values.txt:2:1: expected a positive "
                     "precision, found \"-1\"");
    ck_assert_int_eq(info.n_splits, 0);
    ck_assert_int_eq(sn_uci_read_info(DATA "no_such_folder", &info, &e), SN_EIO);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* CSV files                                                                                  */
/* ------------------------------------------------------------------------------------------ */

START_TEST(test_csv_classification)
{
    static const struct {
        const char *file;
        size_t n_rows, n_cols, n_classes;
    } sets[] = {{"iris.csv", 150, 4, 3}, {"wine.csv", 178, 13, 3},
                {"breast_cancer.csv", 569, 30, 2}};
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
        char path[1024], name[32];
        sn_data *d = NULL, *by_name = NULL, *by_index = NULL;
        sn_csv_options opt;
        snprintf(path, sizeof path, "%s/classification/%s", sn_test_shared(), sets[s].file);
        CHECK_OK(sn_data_read_csv(path, NULL, &d, NULL));
        ck_assert_uint_eq(sn_data_n_rows(d), sets[s].n_rows);
        ck_assert_uint_eq(sn_data_n_cols(d), sets[s].n_cols);
        ck_assert_str_eq(sn_data_source(d), path);
        for (size_t j = 0; j < sets[s].n_cols; j++) {
            snprintf(name, sizeof name, "x%zu", j);
            ck_assert_str_eq(sn_data_col_name(d, j), name);
        }
        ck_assert_ptr_null(sn_data_col_name(d, sets[s].n_cols));
        for (size_t i = 0; i < sets[s].n_rows; i++) {
            double y = sn_data_y(d)[i];
            ck_assert_msg(y == floor(y) && y >= 0 && y < (double)sets[s].n_classes,
                          "%s: label %g", path, y);
        }

        /* The target named "label" (the last header field) and given as an index. */
        sn_csv_options_default(&opt);
        opt.target = "label";
        CHECK_OK(sn_data_read_csv(path, &opt, &by_name, NULL));
        snprintf(name, sizeof name, "%zu", sets[s].n_cols);
        opt.target = name;
        CHECK_OK(sn_data_read_csv(path, &opt, &by_index, NULL));
        size_t n = sets[s].n_rows;
        ck_assert_int_eq(memcmp(sn_data_y(d), sn_data_y(by_name), n * sizeof(double)), 0);
        ck_assert_int_eq(memcmp(sn_data_y(d), sn_data_y(by_index), n * sizeof(double)), 0);
        ck_assert_int_eq(memcmp(sn_data_x(d), sn_data_x(by_name),
                                n * sets[s].n_cols * sizeof(double)), 0);
        sn_data_free(d);
        sn_data_free(by_name);
        sn_data_free(by_index);
    }
}
END_TEST

START_TEST(test_csv_header_and_spaces)
{
    sn_data *d = NULL;
    CHECK_OK(sn_data_read_csv(DATA "good_header.csv", NULL, &d, NULL));
    ck_assert_uint_eq(sn_data_n_rows(d), 3);
    ck_assert_uint_eq(sn_data_n_cols(d), 2);
    ck_assert_str_eq(sn_data_col_name(d, 0), "a");
    ck_assert_str_eq(sn_data_col_name(d, 1), "b");
    check_row(d, 0, (const double[]){1, 2}, 3);
    check_row(d, 1, (const double[]){4, 5}, 6);
    check_row(d, 2, (const double[]){7, 8}, 9);
    ck_assert_str_eq(sn_data_source(d), DATA "good_header.csv");
    sn_data_free(d);
}
END_TEST

START_TEST(test_csv_target_choice)
{
    sn_csv_options opt;
    sn_data *d = NULL;
    sn_csv_options_default(&opt);

    opt.target = "a"; /* by name: the first column */
    CHECK_OK(sn_data_read_csv(DATA "good_header.csv", &opt, &d, NULL));
    ck_assert_str_eq(sn_data_col_name(d, 0), "b");
    ck_assert_str_eq(sn_data_col_name(d, 1), "target");
    check_row(d, 1, (const double[]){5, 6}, 4);
    sn_data_free(d);

    opt.target = "1"; /* by index: the middle column */
    CHECK_OK(sn_data_read_csv(DATA "good_header.csv", &opt, &d, NULL));
    ck_assert_str_eq(sn_data_col_name(d, 0), "a");
    ck_assert_str_eq(sn_data_col_name(d, 1), "target");
    check_row(d, 2, (const double[]){7, 9}, 8);
    sn_data_free(d);

    opt.target = "0"; /* by index without a header */
    CHECK_OK(sn_data_read_csv(DATA "good_noheader.txt", &opt, &d, NULL));
    check_row(d, 0, (const double[]){2, 3}, 1.5);
    sn_data_free(d);

    opt.target = NULL;
    opt.no_target = true;
    CHECK_OK(sn_data_read_csv(DATA "good_header.csv", &opt, &d, NULL));
    ck_assert_uint_eq(sn_data_n_cols(d), 3);
    ck_assert_str_eq(sn_data_col_name(d, 2), "target");
    check_row(d, 2, (const double[]){7, 8, 9}, 0);
    sn_data_free(d);

    /* A one-column file is fine as prediction input, not as training data. */
    CHECK_OK(sn_data_read_csv(DATA "one_col.csv", &opt, &d, NULL));
    ck_assert_uint_eq(sn_data_n_rows(d), 2);
    ck_assert_uint_eq(sn_data_n_cols(d), 1);
    sn_data_free(d);
    expect_csv_error(DATA "one_col.csv", NULL, SN_EDATA,
                     DATA "one_col.csv:1:1: expected at least 2 fields (features and a target), "
                     "found 1");
}
END_TEST

START_TEST(test_csv_whitespace_noheader)
{
    sn_data *d = NULL;
    CHECK_OK(sn_data_read_csv(DATA "good_noheader.txt", NULL, &d, NULL));
    ck_assert_uint_eq(sn_data_n_rows(d), 3);
    ck_assert_uint_eq(sn_data_n_cols(d), 2);
    ck_assert_ptr_null(sn_data_col_name(d, 0));
    check_row(d, 0, (const double[]){1.5, 2}, 3);
    check_row(d, 1, (const double[]){-0.4, 50}, 6);
    check_row(d, 2, (const double[]){7, 8}, 9);
    sn_data_free(d);

    /* Forcing a header turns the first line into names. */
    sn_csv_options opt;
    sn_csv_options_default(&opt);
    opt.header = SN_HEADER_YES;
    CHECK_OK(sn_data_read_csv(DATA "good_noheader.txt", &opt, &d, NULL));
    ck_assert_uint_eq(sn_data_n_rows(d), 2);
    ck_assert_str_eq(sn_data_col_name(d, 0), "1.5");
    sn_data_free(d);

    /* Forcing a comma makes each whitespace line one field: the header test fails on it. */
    opt.header = SN_HEADER_NO;
    opt.delim = SN_DELIM_COMMA;
    opt.no_target = true;
    expect_csv_error(DATA "good_noheader.txt", &opt, SN_EDATA,
                     DATA "good_noheader.txt:1:1: expected a number, found \"1.5 ?2   3\"");
}
END_TEST

START_TEST(test_csv_crlf_and_quotes)
{
    sn_data *d = NULL;
    CHECK_OK(sn_data_read_csv(DATA "good_crlf.csv", NULL, &d, NULL));
    ck_assert_uint_eq(sn_data_n_rows(d), 2);
    ck_assert_uint_eq(sn_data_n_cols(d), 2);
    ck_assert_str_eq(sn_data_col_name(d, 1), "y");
    check_row(d, 1, (const double[]){4, 5}, 6);
    sn_data_free(d);

    /* Classic Mac line ends (a lone CR), no final line end. */
    CHECK_OK(sn_data_read_csv(DATA "good_cr.csv", NULL, &d, NULL));
    ck_assert_uint_eq(sn_data_n_rows(d), 2);
    check_row(d, 1, (const double[]){3}, 4);
    sn_data_free(d);
    expect_csv_error(DATA "bad_cr.csv", NULL, SN_EDATA,
                     DATA "bad_cr.csv:3:3: expected a number, found \"x\"");

    sn_csv_options opt;
    sn_csv_options_default(&opt);
    opt.target = "p";
    CHECK_OK(sn_data_read_csv(DATA "good_quoted.csv", &opt, &d, NULL));
    ck_assert_str_eq(sn_data_col_name(d, 0), "q");
    check_row(d, 0, (const double[]){1}, 0.5);
    sn_data_free(d);
}
END_TEST

START_TEST(test_csv_bad_files)
{
    expect_csv_error(DATA "bad_empty.csv", NULL, SN_EDATA,
                     DATA "bad_empty.csv:1:1: expected a header or a row of numbers, found end "
                     "of file");
    expect_csv_error(DATA "bad_blank.csv", NULL, SN_EDATA,
                     DATA "bad_blank.csv:4:1: expected a header or a row of numbers");
    expect_csv_error(DATA "bad_header_only.csv", NULL, SN_EDATA,
                     DATA "bad_header_only.csv:2:1: expected a row of numbers after the header, "
                     "found end of file");
    expect_csv_error(DATA "bad_ragged.csv", NULL, SN_EDATA,
                     DATA "bad_ragged.csv:3:4: expected 3 fields (as on line 1), found 2");
    expect_csv_error(DATA "bad_ragged_long.txt", NULL, SN_EDATA,
                     DATA "bad_ragged_long.txt:2:5: expected 2 fields (as on line 1), found 3");
    expect_csv_error(DATA "bad_nonnumeric.csv", NULL, SN_EDATA,
                     DATA "bad_nonnumeric.csv:3:3: expected a number, found \"NA\"");
    expect_csv_error(DATA "bad_dots.csv", NULL, SN_EDATA,
                     DATA "bad_dots.csv:2:1: expected a number, found \"1.2.3\"");
    expect_csv_error(DATA "bad_abc.txt", NULL, SN_EDATA,
                     DATA "bad_abc.txt:2:3: expected a number, found \"abc\"");
    expect_csv_error(DATA "bad_nan.csv", NULL, SN_EDATA,
                     DATA "bad_nan.csv:2:3: expected a finite number, found \"nan\"");
    expect_csv_error(DATA "bad_inf.csv", NULL, SN_EDATA,
                     DATA "bad_inf.csv:2:1: expected a finite number, found \"-inf\"");
    expect_csv_error(DATA "bad_overflow.csv", NULL, SN_EDATA,
                     DATA "bad_overflow.csv:2:4: expected a finite number, found \"1e999\"");
    expect_csv_error(DATA "bad_empty_field.csv", NULL, SN_EDATA,
                     DATA "bad_empty_field.csv:2:3: expected a number, found \"\"");
    expect_csv_error(DATA "no_such_file.csv", NULL, SN_EIO,
                     DATA "no_such_file.csv: cannot open");

    /* The whole message, once, to pin the format. */
    sn_data *d = NULL;
    sn_error e = {0};
    ck_assert_int_eq(sn_data_read_csv(DATA "bad_nonnumeric.csv", NULL, &d, &e), SN_EDATA);
    ck_assert_str_eq(e.msg, "tests/data/bad_nonnumeric.csv:3:3: expected a number, found \"NA\"");
}
END_TEST

START_TEST(test_csv_bad_target)
{
    sn_csv_options opt;
    sn_csv_options_default(&opt);
    opt.target = "nope";
    expect_csv_error(DATA "good_header.csv", &opt, SN_EDATA,
                     DATA "good_header.csv:1:1: expected a header with a column named \"nope\", "
                     "found \" a , b ,target\"");
    opt.target = "3";
    expect_csv_error(DATA "good_header.csv", &opt, SN_EDATA,
                     DATA "good_header.csv:1:1: expected a target column index in 0..2, found "
                     "\"3\"");
    opt.target = "b";
    expect_csv_error(DATA "good_noheader.txt", &opt, SN_EDATA,
                     DATA "good_noheader.txt:1:1: expected a target column index (the file has "
                     "no header), found \"b\"");
    opt.target = "-1";
    expect_csv_error(DATA "good_noheader.txt", &opt, SN_EDATA, "found \"-1\"");
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* Arrays                                                                                     */
/* ------------------------------------------------------------------------------------------ */

START_TEST(test_data_new_copies_and_checks)
{
    double x[3][2] = {{1, 2}, {3, 4}, {5, 6}}, y[3] = {7, 8, 9};
    sn_data *d = NULL;
    sn_error e = {0};
    CHECK_OK(sn_data_new(&x[0][0], y, 3, 2, &d, NULL));
    x[1][1] = 40;
    y[2] = 90;
    check_row(d, 1, (const double[]){3, 4}, 8);
    check_row(d, 2, (const double[]){5, 6}, 9);
    ck_assert_ptr_null(sn_data_col_name(d, 0));
    ck_assert_ptr_nonnull(sn_data_source(d));
    sn_data_free(d);

    x[1][0] = NAN;
    d = NOT_NULL;
    ck_assert_int_eq(sn_data_new(&x[0][0], y, 3, 2, &d, &e), SN_EDATA);
    ck_assert_ptr_null(d);
    ck_assert_msg(strstr(e.msg, "row 1, column 0") != NULL, "message: %s", e.msg);
    x[1][0] = 3;
    y[2] = INFINITY;
    ck_assert_int_eq(sn_data_new(&x[0][0], y, 3, 2, &d, &e), SN_EDATA);
    ck_assert_msg(strstr(e.msg, "row 2, target") != NULL, "message: %s", e.msg);

    /* No y: targets are zero. */
    CHECK_OK(sn_data_new(&x[0][0], NULL, 3, 2, &d, NULL));
    ck_assert_double_eq(sn_data_y(d)[2], 0.0);
    sn_data_free(d);

    ck_assert_int_eq(sn_data_new(&x[0][0], y, 3, 0, &d, NULL), SN_EINVAL);
    ck_assert_int_eq(sn_data_new(NULL, y, 3, 2, &d, NULL), SN_EINVAL);
    sn_data_free(NULL);
    ck_assert_str_eq(sn_data_source(NULL), "");
}
END_TEST

START_TEST(test_data_subset)
{
    double x[4][2] = {{0, 1}, {10, 11}, {20, 21}, {30, 31}}, y[4] = {0.5, 1.5, 2.5, 3.5};
    sn_data *d = NULL, *s = NULL, *named = NULL;
    sn_error e = {0};
    CHECK_OK(sn_data_new(&x[0][0], y, 4, 2, &d, NULL));
    const size_t idx[] = {3, 1, 3};
    CHECK_OK(sn_data_subset(d, idx, 3, &s, NULL));
    ck_assert_uint_eq(sn_data_n_rows(s), 3);
    ck_assert_uint_eq(sn_data_n_cols(s), 2);
    check_row(s, 0, x[3], 3.5);
    check_row(s, 1, x[1], 1.5);
    check_row(s, 2, x[3], 3.5);
    sn_data_free(s);

    const size_t bad[] = {0, 4};
    s = NOT_NULL;
    ck_assert_int_eq(sn_data_subset(d, bad, 2, &s, &e), SN_EINVAL);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(e.msg, "idx[1] = 4") != NULL, "message: %s", e.msg);

    CHECK_OK(sn_data_subset(d, NULL, 0, &s, NULL));
    ck_assert_uint_eq(sn_data_n_rows(s), 0);
    sn_data_free(s);
    sn_data_free(d);

    /* Column names are copied. */
    CHECK_OK(sn_data_read_csv(DATA "good_header.csv", NULL, &named, NULL));
    const size_t last[] = {2};
    CHECK_OK(sn_data_subset(named, last, 1, &s, NULL));
    sn_data_free(named);
    ck_assert_str_eq(sn_data_col_name(s, 1), "b");
    check_row(s, 0, (const double[]){7, 8}, 9);
    sn_data_free(s);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* Friedman #1                                                                                */
/* ------------------------------------------------------------------------------------------ */

/* E[sin(pi u v)] for u, v ~ U(0,1): integrating over v gives int_0^1 (1 - cos(pi u)) / (pi u) du,
 * a smooth integrand (0 at u = 0), by composite Simpson. */
static double mean_sin_pi_uv(void)
{
    const double pi = 3.14159265358979323846;
    const int n = 2000; /* even */
    double h = 1.0 / n, sum = 0.0;
    for (int i = 0; i <= n; i++) {
        double u = i * h;
        double f = i == 0 ? 0.0 : (1.0 - cos(pi * u)) / (pi * u);
        sum += f * (i == 0 || i == n ? 1.0 : (i % 2 ? 4.0 : 2.0));
    }
    return sum * h / 3.0;
}

START_TEST(test_friedman1)
{
    const size_t n = 100000, p = 7;
    sn_data *a = NULL, *b = NULL, *c = NULL;
    sn_error e = {0};
    CHECK_OK(sn_data_friedman1(n, p, 1.0, 42, &a, NULL));
    ck_assert_uint_eq(sn_data_n_rows(a), n);
    ck_assert_uint_eq(sn_data_n_cols(a), p);
    ck_assert_str_eq(sn_data_col_name(a, 0), "x1");
    ck_assert_str_eq(sn_data_col_name(a, 6), "x7");
    for (size_t k = 0; k < n * p; k++)
        ck_assert(sn_data_x(a)[k] > 0.0 && sn_data_x(a)[k] < 1.0);

    /* Same seed, same bytes; another seed, other values. */
    CHECK_OK(sn_data_friedman1(n, p, 1.0, 42, &b, NULL));
    ck_assert_int_eq(memcmp(sn_data_x(a), sn_data_x(b), n * p * sizeof(double)), 0);
    ck_assert_int_eq(memcmp(sn_data_y(a), sn_data_y(b), n * sizeof(double)), 0);
    CHECK_OK(sn_data_friedman1(n, p, 1.0, 43, &c, NULL));
    ck_assert_int_ne(memcmp(sn_data_x(a), sn_data_x(c), n * p * sizeof(double)), 0);

    /* E[y] = 10 E[sin(pi x1 x2)] + 20 Var[x3] + 10/2 + 5/2, checked by z-score. */
    double expect = 10.0 * mean_sin_pi_uv() + 20.0 / 12.0 + 5.0 + 2.5;
    double mean = 0.0, m2 = 0.0;
    const double *y = sn_data_y(a);
    for (size_t i = 0; i < n; i++)
        mean += y[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        m2 += (y[i] - mean) * (y[i] - mean);
    double se = sqrt(m2 / (double)(n - 1) / (double)n);
    double z = (mean - expect) / se;
    ck_assert_msg(fabs(z) < 5.0, "mean y %.6f, expected %.6f, z = %.2f", mean, expect, z);

    sn_data_free(a);
    sn_data_free(b);
    sn_data_free(c);

    a = NOT_NULL;
    ck_assert_int_eq(sn_data_friedman1(10, 4, 1.0, 1, &a, &e), SN_EINVAL);
    ck_assert_ptr_null(a);
    ck_assert_msg(strstr(e.msg, "n_cols") != NULL, "message: %s", e.msg);
    ck_assert_int_eq(sn_data_friedman1(10, 5, -1.0, 1, &a, NULL), SN_EINVAL);
    ck_assert_int_eq(sn_data_friedman1(10, 5, NAN, 1, &a, NULL), SN_EINVAL);
}
END_TEST

static Suite *data_suite(void)
{
    Suite *s = suite_create("data");
    TCase *tc = tcase_create("uci");
    /* Every split of every data set: well under a second, but leave room for slow machines. */
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_uci_all_splits);
    tcase_add_test(tc, test_uci_yacht_split0);
    tcase_add_test(tc, test_uci_info_yacht);
    tcase_add_test(tc, test_uci_split_out_of_range);
    tcase_add_test(tc, test_uci_good_tiny);
    tcase_add_test(tc, test_uci_minimal_info);
    tcase_add_test(tc, test_uci_bad_folders);
    suite_add_tcase(s, tc);

    tc = tcase_create("csv");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_csv_classification);
    tcase_add_test(tc, test_csv_header_and_spaces);
    tcase_add_test(tc, test_csv_target_choice);
    tcase_add_test(tc, test_csv_whitespace_noheader);
    tcase_add_test(tc, test_csv_crlf_and_quotes);
    tcase_add_test(tc, test_csv_bad_files);
    tcase_add_test(tc, test_csv_bad_target);
    suite_add_tcase(s, tc);

    tc = tcase_create("arrays");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_data_new_copies_and_checks);
    tcase_add_test(tc, test_data_subset);
    tcase_add_test(tc, test_friedman1);
    suite_add_tcase(s, tc);
    return s;
}

SN_TEST_MAIN(data_suite)
