/*
 * test_model_io.c — model files: bit-exact save/load round trips, byte-identical re-saves, every
 * kind of damaged file rejected with SN_EFORMAT and the right message, and atomic replacement.
 */
#include "test_util.h"

#include "io/io.h"

#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ========================================================================================== */
/* Helpers                                                                                     */
/* ========================================================================================== */

/* base_dir is made once by the unchecked fixture (in the parent process, so that its teardown
 * runs even when a test fails in its child); tmp_dir is a fresh directory inside it per test. */
static char base_dir[256], tmp_dir[512];

static void setup_base(void)
{
    snprintf(base_dir, sizeof base_dir, "/tmp/sn_test_model_io.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(base_dir));
}

static void setup(void)
{
    snprintf(tmp_dir, sizeof tmp_dir, "%s/t.XXXXXX", base_dir);
    ck_assert_ptr_nonnull(mkdtemp(tmp_dir));
}

static void remove_tree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return;
    if (S_ISDIR(sb.st_mode)) {
        chmod(path, 0700);
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                    continue;
                char sub[1024];
                snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
                remove_tree(sub);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

static void teardown(void) { remove_tree(tmp_dir); }
static void teardown_base(void) { remove_tree(base_dir); }

/* tmp_dir/name in a static buffer (one of four, so that a few can be alive at once). */
static const char *in_tmp(const char *name)
{
    static char bufs[4][1024];
    static int k;
    char *b = bufs[k++ % 4];
    snprintf(b, sizeof bufs[0], "%s/%s", tmp_dir, name);
    return b;
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    b[n] = '\0';
    *len = (size_t)n;
    return b;
}

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

/* 64-bit FNV-1a as docs/FORMATS.md specifies it, written independently of src/io. */
static uint64_t fnv(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

/* Replace the checksum line of text (NUL-terminated, ending with the checksum line) by the
 * right one for the bytes before it, in place (the line keeps its length). */
static void resign(char *text)
{
    size_t len = strlen(text);
    char *last = text + len - 1;
    while (last > text && last[-1] != '\n')
        last--;
    ck_assert(strncmp(last, "checksum fnv1a64 ", 17) == 0);
    snprintf(last, 35, "checksum fnv1a64 %016llx\n", (unsigned long long)fnv(text,
                                                                            (size_t)(last - text)));
}

/* A copy of text with the first occurrence of find replaced by repl (which must occur). */
static char *edit(const char *text, const char *find, const char *repl)
{
    const char *at = strstr(text, find);
    ck_assert_msg(at != NULL, "\"%s\" not found", find);
    size_t n = strlen(text), nf = strlen(find), nr = strlen(repl);
    char *out = malloc(n - nf + nr + 1);
    ck_assert_ptr_nonnull(out);
    size_t pre = (size_t)(at - text);
    memcpy(out, text, pre);
    memcpy(out + pre, repl, nr);
    memcpy(out + pre + nr, at + nf, n - pre - nf + 1);
    return out;
}

/* SplitMix64. */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* A double with all 53 bits of mantissa random and a random binary exponent in [-40, 40]; the
 * first entries of each array are values that stress printing and parsing. */
static void fill(double *a, size_t n, uint64_t *s, bool is_positive)
{
    static const double special[] = {1e-300, -0.0, 0.1 + 0.2, 4.9406564584124654e-324,
                                     DBL_MAX, -DBL_MIN, 1.0 / 3.0, -123456789.123456789};
    for (size_t i = 0; i < n; i++) {
        double x;
        if (i < sizeof special / sizeof special[0]) {
            x = special[i];
        } else {
            double mant = (double)(next_u64(s) >> 11) * 0x1p-53 + 0x1p-54;
            int ex = (int)(next_u64(s) % 81) - 40;
            x = ldexp(mant, ex) * (next_u64(s) & 1 ? -1.0 : 1.0);
        }
        if (is_positive) {
            x = fabs(x);
            if (x == 0)
                x = 0.5;
        }
        a[i] = x;
    }
}

enum { MC_MLP, MC_RESNET, VEM_RESNET, N_KINDS };

/* A model of the given kind with non-default parameters and every array full of random bits. */
static sn_model *make_model(int kind)
{
    sn_train_params p;
    sn_train_params_default(&p);
    size_t n_in = 5, n_out = 1;
    switch (kind) {
    case MC_MLP:
        p.n_hidden = 7;
        p.activation = SN_ACT_TANH;
        p.noise.family = SN_NOISE_BETA;
        p.noise.p[0] = 3.0;
        p.noise.p[1] = 2.0;
        p.sigma0 = 1.2345;
        p.objective = SN_OBJ_IW;
        p.learning_rate = 0.1 + 0.2;
        p.n_epochs = 40;
        p.seed = UINT64_C(123456789012345);
        break;
    case MC_RESNET:
        n_in = 4;
        n_out = 3;
        p.arch = SN_ARCH_RESNET;
        p.n_layers = 3;
        p.n_hidden = 6;
        p.likelihood = SN_LIK_CATEGORICAL;
        p.n_classes = 3;
        p.sigma0 = INFINITY;
        p.placement = SN_PLACE_UNITS_BLOCKS;
        p.block_noise.family = SN_NOISE_GAUSSIAN;
        p.block_noise.p[0] = 0.25;
        p.block_noise.mean_one = true;
        p.objective = SN_OBJ_TAIL;
        p.optimizer = SN_OPT_SGD;
        p.momentum = 0.9;
        p.noise_on_input = false;
        p.learn_precision = false;
        p.precision = 0.75;
        p.n_samples = 3;
        break;
    case VEM_RESNET:
        n_in = 3;
        p.arch = SN_ARCH_RESNET;
        p.method = SN_METHOD_VEM;
        p.n_layers = 2;
        p.n_hidden = 5;
        p.noise.family = SN_NOISE_NONE;
        p.noise.p[0] = -0.0;
        p.noise.mean_one = false;
        p.prior = SN_PRIOR_ARD_ADD;
        p.hyper.family = SN_HYPER_HALFCAUCHY;
        p.hyper.a = 1.0;
        p.hyper.b = 1e-300;
        p.estimator = SN_EST_FLIPOUT;
        p.variant = SN_VARIANT_AUTHORS;
        p.seed = UINT64_MAX;
        p.batch_size = 128;
        p.adam_eps = 1e-300;
        p.adam_beta2 = 0.99990000000000001;
        break;
    }
    sn_model *m = NULL;
    sn_error e = {0};
    ck_assert_msg(sn_model_alloc(&p, n_in, n_out, &m, &e) == SN_OK, "%s", e.msg);
    uint64_t s = (uint64_t)kind * 1000 + 17;
    fill(m->theta, m->n_params, &s, false);
    fill(m->x_mean, m->n_in, &s, false);
    fill(m->x_std, m->n_in, &s, true);
    if (m->rho) {
        fill(m->rho, m->n_params, &s, false);
        fill(m->row_var, m->n_rows_total, &s, true);
        fill(m->layer_var, m->n_layers, &s, true);
    }
    m->log_precision = -0.1 - 0.2;
    m->y_mean = 22.532806324110677;
    m->y_std = 9.1880115452782025;
    m->n_steps = next_u64(&s);
    return m;
}

static void check_same_params_io(const sn_train_params *a, const sn_train_params *b)
{
    check_same_params(a, b, "model file");
    ck_assert(b->progress == NULL);
    ck_assert_ptr_null(b->progress_user);
    ck_assert(b->record_weights == NULL);
    ck_assert_ptr_null(b->record_user);
}

static void check_same_model(const sn_model *a, const sn_model *b)
{
    check_same_params_io(&a->params, &b->params);
    ck_assert_uint_eq(a->n_in, b->n_in);
    ck_assert_uint_eq(a->n_out, b->n_out);
    ck_assert_uint_eq(a->n_layers, b->n_layers);
    ck_assert_uint_eq(a->n_params, b->n_params);
    ck_assert_uint_eq(a->n_rows_total, b->n_rows_total);
    for (size_t l = 0; l < a->n_layers; l++) {
        ck_assert_uint_eq(a->layers[l].n_in, b->layers[l].n_in);
        ck_assert_uint_eq(a->layers[l].n_out, b->layers[l].n_out);
        ck_assert_uint_eq(a->layers[l].w_off, b->layers[l].w_off);
        ck_assert_uint_eq(a->layers[l].b_off, b->layers[l].b_off);
        ck_assert_uint_eq(a->layers[l].row_off, b->layers[l].row_off);
        ck_assert(a->layers[l].is_residual == b->layers[l].is_residual);
        ck_assert(a->layers[l].is_output == b->layers[l].is_output);
    }
    ck_assert(memcmp(a->theta, b->theta, a->n_params * sizeof *a->theta) == 0);
    ck_assert(memcmp(a->x_mean, b->x_mean, a->n_in * sizeof *a->x_mean) == 0);
    ck_assert(memcmp(a->x_std, b->x_std, a->n_in * sizeof *a->x_std) == 0);
    ck_assert((a->rho == NULL) == (b->rho == NULL));
    if (a->rho) {
        ck_assert(memcmp(a->rho, b->rho, a->n_params * sizeof *a->rho) == 0);
        ck_assert(memcmp(a->row_var, b->row_var, a->n_rows_total * sizeof *a->row_var) == 0);
        ck_assert(memcmp(a->layer_var, b->layer_var, a->n_layers * sizeof *a->layer_var) == 0);
    } else {
        ck_assert_ptr_null(b->row_var);
        ck_assert_ptr_null(b->layer_var);
    }
    ck_assert(same_bits(a->log_precision, b->log_precision));
    ck_assert(same_bits(a->y_mean, b->y_mean));
    ck_assert(same_bits(a->y_std, b->y_std));
    ck_assert_uint_eq(a->n_steps, b->n_steps);
}

/* Save a model of the given kind to tmp_dir/name and return the file's text. */
static char *saved_text(int kind, const char *name, size_t *len)
{
    sn_model *m = make_model(kind);
    sn_error e = {0};
    ck_assert_msg(sn_model_save(m, in_tmp(name), &e) == SN_OK, "%s", e.msg);
    sn_model_free(m);
    return read_file(in_tmp(name), len);
}

/* Loading path must fail with code, leave *out NULL, and say "<path>..." and want. */
static void expect_load_error(const char *path, sn_status code, const char *want)
{
    sn_model *m = (sn_model *)&m; /* not NULL, to see that load clears it */
    sn_error e = {0};
    sn_status st = sn_model_load(path, &m, &e);
    ck_assert_msg(st == code, "load returned %s, expected %s (%s)", sn_status_str(st),
                  sn_status_str(code), e.msg);
    ck_assert_int_eq(e.code, code);
    ck_assert_ptr_null(m);
    /* Format errors begin with "path:" (then the line); I/O errors name the path. */
    if (code == SN_EFORMAT)
        ck_assert_msg(strncmp(e.msg, path, strlen(path)) == 0 && e.msg[strlen(path)] == ':',
                      "message does not begin with \"path:\": %s", e.msg);
    else
        ck_assert_msg(strstr(e.msg, path) != NULL, "message does not name the path: %s", e.msg);
    ck_assert_msg(strstr(e.msg, want) != NULL, "message \"%s\" lacks \"%s\"", e.msg, want);
}

/* Write text to tmp_dir/bad.snm (re-signed first when is_resigned) and expect want. */
static void expect_text_error(char *text, bool is_resigned, const char *want)
{
    if (is_resigned)
        resign(text);
    write_file(in_tmp("bad.snm"), text, strlen(text));
    expect_load_error(in_tmp("bad.snm"), SN_EFORMAT, want);
}

/* ========================================================================================== */
/* Round trips                                                                                 */
/* ========================================================================================== */

START_TEST(test_roundtrip)
{
    static const char *const keys[] = {
        "shrinknet-model 1\n", "shrinknet_version " SN_VERSION "\n", "arch ", "n_hidden ",
        "n_layers ", "activation ", "likelihood ", "n_classes ", "method ", "noise ",
        "block_noise ", "placement ", "noise_on_input ", "objective ", "n_samples ", "sigma0 ",
        "prior ", "hyper ", "estimator ", "variant ", "precision ", "learn_precision ",
        "optimizer ", "learning_rate ", "adam_beta1 ", "adam_beta2 ", "adam_eps ",
        "momentum ", "batch_size ", "n_epochs ", "seed ", "n_in ", "n_out ", "n_steps ",
        "log_precision ", "y_mean ", "y_std ", "x_mean ", "x_std ", "theta ",
        "checksum fnv1a64 "};
    int kind = _i;
    sn_model *a = make_model(kind), *b = NULL;
    sn_error e = {0};
    const char *p1 = in_tmp("a.snm"), *p2 = in_tmp("b.snm");
    ck_assert_msg(sn_model_save(a, p1, &e) == SN_OK, "%s", e.msg);
    ck_assert_msg(sn_model_load(p1, &b, &e) == SN_OK, "%s", e.msg);
    check_same_model(a, b);
    ck_assert_msg(sn_model_save(b, p2, &e) == SN_OK, "%s", e.msg);
    ck_assert_uint_eq(count_entries(tmp_dir), 2); /* no temporary files left behind */

    size_t n1, n2;
    char *t1 = read_file(p1, &n1), *t2 = read_file(p2, &n2);
    ck_assert_uint_eq(n1, n2);
    ck_assert(memcmp(t1, t2, n1) == 0);
    ck_assert(strncmp(t1, "shrinknet-model 1\n", 18) == 0);
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        char pat[64];
        snprintf(pat, sizeof pat, "\n%s", keys[k]);
        ck_assert_msg(k == 0 || strstr(t1, pat), "key \"%s\" missing", keys[k]);
    }
    bool is_vem = kind == VEM_RESNET;
    ck_assert(is_vem == (strstr(t1, "\nrho ") != NULL));
    ck_assert(is_vem == (strstr(t1, "\nrow_var ") != NULL));
    ck_assert(is_vem == (strstr(t1, "\nlayer_var ") != NULL));
    if (kind == MC_MLP) {
        ck_assert_ptr_nonnull(strstr(t1, "\nnoise beta 3 2 true\n"));
        ck_assert_ptr_nonnull(strstr(t1, "\nsigma0 1.2344999999999999\n"));
        ck_assert_ptr_nonnull(strstr(t1, "\ntheta 50\n1e-300\n-0\n"
                                         "0.30000000000000004\n4.9406564584124654e-324\n"));
    }
    if (kind == MC_RESNET)
        ck_assert_ptr_nonnull(strstr(t1, "\nsigma0 inf\n"));
    if (kind == VEM_RESNET)
        ck_assert_ptr_nonnull(strstr(t1, "\nseed 18446744073709551615\n"));

    /* A copy saves to the same bytes (sn_model_copy keeps every array). */
    sn_model *c = NULL;
    CHECK_OK(sn_model_copy(a, &c, NULL));
    const char *p3 = in_tmp("c.snm");
    CHECK_OK(sn_model_save(c, p3, NULL));
    size_t n3;
    char *t3 = read_file(p3, &n3);
    ck_assert(n3 == n1 && memcmp(t1, t3, n1) == 0);
    free(t3);
    sn_model_free(c);
    free(t1);
    free(t2);
    sn_model_free(a);
    sn_model_free(b);
}
END_TEST

/* Saving over an existing model replaces it completely; new or replaced, the file gets 0666 less
 * the umask (io/file.c: one permission policy for every output). */
START_TEST(test_replace_existing)
{
    sn_model *a = make_model(MC_MLP), *b = make_model(VEM_RESNET), *c = NULL;
    const char *path = in_tmp("m.snm");
    struct stat sb;
    mode_t old_mask = umask(022);
    CHECK_OK(sn_model_save(a, path, NULL));
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_uint_eq(sb.st_mode & 0777, 0644);
    umask(027);
    CHECK_OK(sn_model_save(b, path, NULL));
    umask(old_mask);
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_uint_eq(sb.st_mode & 0777, 0640);
    ck_assert_uint_eq(count_entries(tmp_dir), 1);
    CHECK_OK(sn_model_load(path, &c, NULL));
    check_same_model(b, c);
    sn_model_free(a);
    sn_model_free(b);
    sn_model_free(c);
}
END_TEST

/* ========================================================================================== */
/* Damaged files                                                                               */
/* ========================================================================================== */

START_TEST(test_truncated)
{
    size_t len;
    char *text = saved_text(VEM_RESNET, "full.snm", &len);
    const char *path = in_tmp("cut.snm");
    for (int k = 0; k < 10; k++) {
        size_t cut = len * (size_t)k / 10;
        write_file(path, text, cut);
        expect_load_error(path, SN_EFORMAT, k == 0 ? "not a shrinknet model file"
                                                   : "truncated");
    }
    /* Without the final newline, and without the whole checksum line. */
    write_file(path, text, len - 1);
    expect_load_error(path, SN_EFORMAT, "truncated");
    const char *last = strstr(text, "\nchecksum ");
    write_file(path, text, (size_t)(last - text) + 1);
    expect_load_error(path, SN_EFORMAT, "truncated file: the checksum line is missing");
    /* Cut inside the magic word. */
    write_file(path, text, 7);
    expect_load_error(path, SN_EFORMAT, "truncated");
    free(text);
}
END_TEST

START_TEST(test_flipped_byte)
{
    size_t len;
    char *text = saved_text(MC_MLP, "m.snm", &len);
    /* A digit of a weight in the middle of theta. */
    char *at = strstr(text, "\ntheta ");
    ck_assert_ptr_nonnull(at);
    at = strstr(at + 1, "\n") + 1;
    for (int i = 0; i < 20; i++)
        at = strchr(at, '\n') + 1;
    while (*at < '1' || *at > '8')
        at++;
    (*at)++;
    expect_text_error(text, false, "checksum mismatch: the file is corrupted");
    /* A flipped byte in the checksum itself. */
    (*at)--;
    text[len - 2] = text[len - 2] == '0' ? '1' : '0';
    expect_text_error(text, false, "checksum mismatch");
    /* Not hexadecimal. */
    text[len - 2] = 'X';
    expect_text_error(text, false, "bad checksum line");
    free(text);
}
END_TEST

START_TEST(test_foreign_files)
{
    const char *path = in_tmp("x.snm");
    const char csv[] = "crim,zn,indus,medv\n0.00632,18,2.31,24\n0.02731,0,7.07,21.6\n";
    write_file(path, csv, strlen(csv));
    expect_load_error(path, SN_EFORMAT, "not a shrinknet model file");
    write_file(path, "", 0);
    expect_load_error(path, SN_EFORMAT, "empty file, not a shrinknet model file");
    const char bin[] = {'\x7f', 'E', 'L', 'F', '\0', '\1', '\2', '\n'};
    write_file(path, bin, sizeof bin);
    expect_load_error(path, SN_EFORMAT, "not a shrinknet model file");

    size_t len;
    char *text = saved_text(MC_MLP, "m.snm", &len);
    char *t = edit(text, "shrinknet-model 1\n", "shrinknet-modle 1\n");
    expect_text_error(t, true, "not a shrinknet model file");
    free(t);
    t = edit(text, "shrinknet-model 1\n", "shrinknet-model one\n");
    expect_text_error(t, true, "bad model file version");
    free(t);
    free(text);
}
END_TEST

START_TEST(test_newer_version)
{
    size_t len;
    char *text = saved_text(MC_MLP, "m.snm", &len);
    char *t = edit(text, "shrinknet-model 1\n", "shrinknet-model 2\n");
    expect_text_error(t, true, ":1: model file version 2 is newer than this program supports");
    free(t);
    /* Even with a checksum the reader does not know. */
    t = edit(text, "shrinknet-model 1\n", "shrinknet-model 12\n");
    t = realloc(t, strlen(t) + 32);
    strcpy(strstr(t, "\nchecksum ") + 1, "checksum sha256 0\n");
    expect_text_error(t, false, "model file version 12 is newer");
    free(t);
    t = edit(text, "shrinknet-model 1\n", "shrinknet-model 01\n");
    expect_text_error(t, true, "bad model file version \"01\"");
    free(t);
    t = edit(text, "shrinknet-model 1\n", "shrinknet-model 0\n");
    expect_text_error(t, true, "version 0 is not supported");
    free(t);
    free(text);
}
END_TEST

START_TEST(test_missing_and_unknown_keys)
{
    size_t len;
    char *text = saved_text(MC_MLP, "m.snm", &len);
    const char *path = in_tmp("bad.snm");
    char want[600];

    /* n_classes is line 8: after it is removed, line 8 holds "method". */
    char *t = edit(text, "\nn_classes 0\n", "\n");
    snprintf(want, sizeof want, "%s:8: missing key \"n_classes\"", path);
    expect_text_error(t, true, want);
    free(t);

    t = edit(text, "\nseed ", "\ncolour blue\nseed ");
    expect_text_error(t, true, "unknown key \"colour\"");
    free(t);

    t = edit(text, "\nactivation ", "\narch mlp\nactivation ");
    expect_text_error(t, true, "duplicate or misplaced key \"arch\"");
    free(t);

    /* A later key where theta is due. */
    t = edit(text, "\ntheta ", "\nrho 1\n0\ntheta ");
    expect_text_error(t, true, "missing key \"theta\" (found \"rho\")");
    free(t);

    /* Variational arrays in an MC model. */
    char *cs = strstr(text, "\nchecksum ");
    *cs = '\0';
    size_t n = strlen(text) + 64;
    t = malloc(n);
    snprintf(t, n, "%s\nrho 1\n0\n%s", text, "checksum fnv1a64 0000000000000000\n");
    *cs = '\n';
    expect_text_error(t, true, "unexpected line \"rho\" after the last array of a mc model");
    free(t);
    free(text);
}
END_TEST

START_TEST(test_bad_values)
{
    size_t len;
    char *text = saved_text(MC_MLP, "m.snm", &len);
    static const struct { const char *find, *repl, *want; } cases[] = {
        {"\narch mlp\n", "\narch resnot\n", "arch: unknown name \"resnot\""},
        {"\nn_hidden 7\n", "\nn_hidden 0\n", "n_hidden must be at least 1"},
        {"\nn_hidden 7\n", "\nn_hidden -7\n", "n_hidden: expected an unsigned integer"},
        {"\nn_hidden 7\n", "\nn_hidden 7 \n", "n_hidden: expected an unsigned integer"},
        {"\nn_hidden 7\n", "\nn_hidden 99999999999999999999\n", "too large"},
        {"\nn_hidden 7\n", "\nn_hidden 1000000\n", "does not fit"},
        {"\nn_hidden 7\n", "\nn_hidden\n", "key \"n_hidden\" has no value"},
        {"\nn_hidden 7\n", "\nn_hidden \n", "key \"n_hidden\" has no value"},
        {"\narch mlp\n", "\narch resnet\n", "a resnet needs n_layers >= 2"},
        {"\nn_out 1\n", "\nn_out 2\n", "a gaussian model has n_out 1, found 2"},
        {"\nn_in 5\n", "\nn_in 0\n", "n_in must be at least 1"},
        {"\nnoise beta 3 2 true\n", "\nnoise beta 3 true\n", "noise needs 4 fields"},
        {"\nnoise beta 3 2 true\n", "\nnoise beta 3 2 true 1\n", "noise needs 4 fields"},
        {"\nnoise beta 3 2 true\n", "\nnoise beta 3  2 true\n", "empty field"},
        {"\nnoise beta 3 2 true\n", "\nnoise beta 3 nan true\n", "expected a number"},
        {"\nnoise beta 3 2 true\n", "\nnoise betta 3 2 true\n", "unknown name \"betta\""},
        {"\nnoise_on_input true\n", "\nnoise_on_input yes\n", "expected true or false"},
        {"\nsigma0 1.2344999999999999\n", "\nsigma0 -1\n", "sigma0 must be > 0 or inf"},
        {"\nsigma0 1.2344999999999999\n", "\nsigma0 0x1p3\n", "sigma0: expected a number"},
        {"\nprecision 0\n", "\nprecision inf\n", "precision: expected a number"},
        {"\nprecision 0\n", "\nprecision 1e999\n", "precision: 1e999 is out of range"},
        {"\nprecision 0\n", "\nprecision -1\n", "precision must be >= 0, found -1"},
        {"\nlearn_precision true\n", "\nlearn_precision false\n",
         "precision must be > 0 when it is not learned, found 0"},
        {"\nlearning_rate ", "\nlearning_rate  ", "learning_rate: expected a number"},
        {"\ny_std ", "\ny_std -", "y_std = -"},
        {"\nseed 123456789012345\n", "\nseed 18446744073709551616\n", "seed: 1844"},
        {"\nx_mean 5\n", "\nx_mean 4\n", "x_mean has 4 values, the model needs 5"},
        {"\ntheta 50\n", "\ntheta 51\n", "theta has 51 values, the model needs 50"},
        {"\ntheta 50\n1e-300\n", "\ntheta 50\nNaN\n",
         "theta[0]: expected a number, found \"NaN\""},
        {"\ntheta 50\n1e-300\n", "\ntheta 50\n1e-300 \n",
         "theta[0]: expected a number"},
        {"\ntheta 50\n1e-300\n", "\ntheta 50\n",
         "theta ends after 49 of 50 values"},
        {"\nx_std 5\n", "\nx_std 5\n0\n", "x_std[0] = 0 must be > 0"},
        {"\nmethod mc\n", "\nmethod vem\n", "missing key \"rho\""},
        {"\nlikelihood gaussian\n", "\nlikelihood\tgaussian\n", "unknown key"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *t = edit(text, cases[k].find, cases[k].repl);
        if (strcmp(cases[k].find, "\nx_std 5\n") == 0) {
            /* The inserted 0 replaces the first value: drop the old one. */
            char *v = strstr(t, "\nx_std 5\n0\n") + strlen("\nx_std 5\n0\n");
            memmove(v, strchr(v, '\n') + 1, strlen(strchr(v, '\n') + 1) + 1);
        }
        expect_text_error(t, true, cases[k].want);
        free(t);
    }
    /* Embedded NUL bytes are refused even with a matching checksum. */
    char *t = edit(text, "\nn_hidden 7\n", "\nn_hidden 7\n");
    resign(t);
    char *nul = strstr(t, "\nn_hidden 7\n") + 10;
    *nul = '\0';
    size_t body = (size_t)(strstr(nul + 1, "\nchecksum ") - t) + 1;
    snprintf(t + body, 35, "checksum fnv1a64 %016llx\n", (unsigned long long)fnv(t, body));
    write_file(in_tmp("bad.snm"), t, strlen(t + body) + body);
    expect_load_error(in_tmp("bad.snm"), SN_EFORMAT, "NUL byte");
    free(t);
    free(text);
}
END_TEST

START_TEST(test_nonexistent)
{
    const char *path = in_tmp("no-such-model.snm");
    expect_load_error(path, SN_EIO, strerror(ENOENT));
    /* A directory is not a model file either. */
    expect_load_error(tmp_dir, SN_EIO, "is a folder, not a file");
    sn_model *m = NULL;
    ck_assert_int_eq(sn_model_load(NULL, &m, NULL), SN_EINVAL);
    ck_assert_int_eq(sn_model_load(path, NULL, NULL), SN_EINVAL);
}
END_TEST

/* ========================================================================================== */
/* Atomic writes                                                                               */
/* ========================================================================================== */

START_TEST(test_save_missing_dir)
{
    sn_model *m = make_model(MC_MLP);
    sn_error e = {0};
    const char *path = in_tmp("no-such-dir/m.snm");
    ck_assert_int_eq(sn_model_save(m, path, &e), SN_EIO);
    ck_assert_msg(strstr(e.msg, path) && strstr(e.msg, strerror(ENOENT)), "%s", e.msg);
    ck_assert_uint_eq(count_entries(tmp_dir), 0);
    sn_model_free(m);
}
END_TEST

START_TEST(test_save_readonly_dir)
{
    sn_model *a = make_model(MC_MLP), *b = make_model(MC_RESNET);
    const char *dir = in_tmp("ro"), *path = in_tmp("ro/m.snm");
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    CHECK_OK(sn_model_save(a, path, NULL));
    size_t n0, n1;
    char *before = read_file(path, &n0);
    ck_assert_int_eq(chmod(dir, 0555), 0);
    if (access(dir, W_OK) == 0) {
        /* Running as root (or with CAP_DAC_OVERRIDE): permissions do not stop writes. The
         * cleanup path is still covered by test_save_rename_fails. */
        fprintf(stderr, "test_save_readonly_dir: skipped, a read-only directory is writable "
                        "for this user (root?)\n");
    } else {
        sn_error e = {0};
        ck_assert_int_eq(sn_model_save(b, path, &e), SN_EIO);
        ck_assert_msg(strstr(e.msg, path) && strstr(e.msg, strerror(EACCES)), "%s", e.msg);
        char *after = read_file(path, &n1);
        ck_assert_uint_eq(n0, n1);
        ck_assert(memcmp(before, after, n0) == 0);
        ck_assert_uint_eq(count_entries(dir), 1);
        free(after);
    }
    chmod(dir, 0755);
    free(before);
    sn_model_free(a);
    sn_model_free(b);
}
END_TEST

/* The target is a non-empty directory: refused before anything is written (no temporary file
 * left), the target untouched. Works as root too. */
START_TEST(test_save_rename_fails)
{
    sn_model *m = make_model(MC_MLP);
    const char *target = in_tmp("target"), *inner = in_tmp("target/keep.txt");
    ck_assert_int_eq(mkdir(target, 0755), 0);
    write_file(inner, "keep\n", 5);
    sn_error e = {0};
    ck_assert_int_eq(sn_model_save(m, target, &e), SN_EIO);
    ck_assert_msg(strstr(e.msg, "is a folder") && strstr(e.msg, target), "%s", e.msg);
    ck_assert_uint_eq(count_entries(tmp_dir), 1);
    ck_assert_uint_eq(count_entries(target), 1);
    size_t n;
    char *keep = read_file(inner, &n);
    ck_assert(n == 5 && memcmp(keep, "keep\n", 5) == 0);
    free(keep);
    sn_model_free(m);
}
END_TEST

/* A model that could not be read back is not written. */
START_TEST(test_save_rejects_bad_model)
{
    sn_model *m = make_model(MC_RESNET);
    const char *path = in_tmp("m.snm");
    sn_error e = {0};
    m->theta[3] = NAN;
    ck_assert_int_eq(sn_model_save(m, path, &e), SN_ENUMERIC);
    ck_assert_msg(strstr(e.msg, "theta[3]") != NULL, "%s", e.msg);
    m->theta[3] = 1.0;
    m->y_std = 0.0;
    ck_assert_int_eq(sn_model_save(m, path, &e), SN_ENUMERIC);
    ck_assert_msg(strstr(e.msg, "y_std") != NULL, "%s", e.msg);
    m->y_std = 1.0;
    m->params.n_samples = 0;
    ck_assert_int_eq(sn_model_save(m, path, &e), SN_EINVAL);
    ck_assert_msg(strstr(e.msg, "n_samples") != NULL, "%s", e.msg);
    m->params.n_samples = 1;
    m->params.precision = INFINITY;
    ck_assert_int_eq(sn_model_save(m, path, &e), SN_EINVAL);
    ck_assert_uint_eq(count_entries(tmp_dir), 0);
    ck_assert_int_eq(sn_model_save(NULL, path, &e), SN_EINVAL);
    ck_assert_int_eq(sn_model_save(m, NULL, &e), SN_EINVAL);
    sn_model_free(m);
}
END_TEST

static Suite *model_io_suite(void)
{
    Suite *s = suite_create("model_io");
    TCase *tc = tcase_create("files");
    tcase_add_unchecked_fixture(tc, setup_base, teardown_base);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_roundtrip, 0, N_KINDS);
    tcase_add_test(tc, test_replace_existing);
    tcase_add_test(tc, test_truncated);
    tcase_add_test(tc, test_flipped_byte);
    tcase_add_test(tc, test_foreign_files);
    tcase_add_test(tc, test_newer_version);
    tcase_add_test(tc, test_missing_and_unknown_keys);
    tcase_add_test(tc, test_bad_values);
    tcase_add_test(tc, test_nonexistent);
    tcase_add_test(tc, test_save_missing_dir);
    tcase_add_test(tc, test_save_readonly_dir);
    tcase_add_test(tc, test_save_rename_fails);
    tcase_add_test(tc, test_save_rejects_bad_model);
    suite_add_tcase(s, tc);
    return s;
}

SN_TEST_MAIN(model_io_suite)
