/*
 * folders.c — the data set folders of a plan: the list asked for (every subfolder of the data
 * folder that holds n_splits.txt, sorted by name, the folder itself when it is one, or a
 * comma-separated list of names, each checked), and each data set's info and splits read and
 * checked before anything runs.
 */
#include "bench/bench.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void bench_ds_free(bench_ds *d)
{
    free(d->dir);
    free(d->name);
    free(d->n_train);
    free(d->n_test);
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
char *bench_base_name(const char *path)
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
sn_status bench_ds_load(bench_ds *d, size_t n_splits_max, sn_error *err)
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


/* The folder is itself one data set (named `datasets` when that is not NULL). */
static sn_status choose_self(const char *data_dir, const char *datasets, char ***paths,
                             size_t *n, sn_error *err)
{
    char *bn = bench_base_name(data_dir);
    char **v = NULL;
    sn_status st = SN_OK;
    if (!bn)
        goto nomem;
    if (datasets && strcmp(datasets, bn) != 0) {
        st = sn_fail(err, SN_EIO, "%s is the data set %s itself, not a folder holding %s",
                     data_dir, bn, datasets);
        goto fail;
    }
    if (!(v = malloc(sizeof *v)) || !(v[0] = sn_strdup(data_dir)))
        goto nomem;
    *paths = v;
    *n = 1;
    v = NULL;
    goto fail;
nomem:
    st = sn_fail(err, SN_ENOMEM, "out of memory");
fail:
    free(v);
    free(bn);
    return st;
}

sn_status bench_choose_datasets(const char *data_dir, const char *datasets, char ***paths,
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
    if (is_uci_dir(data_dir))
        return choose_self(data_dir, all ? NULL : datasets, paths, n, err);
    if ((st = list_datasets(data_dir, &names, &n_names, err)) != SN_OK)
        return st;
    char **v = NULL;
    size_t k = 0;
    if (all) {
        if (n_names == 0) {
            st = sn_fail(err, SN_EIO,
                         "%s: no data sets there (subfolders holding n_splits.txt); "
                         "'shrinknet data fetch --to %s' downloads them", data_dir, data_dir);
            goto fail;
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
                char *bn = bench_base_name(v[i]);
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
