/*
 * paper.c — bench/paper_table2.csv, the paper's own Table 2 figures shown beside ours:
 *   '#' comment lines, a header, then dataset,method,rmse,rmse_err,ll,ll_err,rmse_kind,err_kind
 *   with rmse_kind "rmse" (36) or "ref_abs_err" (38) and err_kind "se" or "std". The figures
 *   are kept as the text written in the file (the paper's digits), after checking that each is
 *   a finite number (sn_parse_real).
 */
#include "bench/bench.h"

#include <stdlib.h>
#include <string.h>

void paper_free(paper_row *p, size_t n)
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

sn_status paper_read(const char *path, paper_row **out, size_t *n_out, sn_error *err)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    *n_out = 0;
    sn_status st = sn_file_read(path, &text, &len, err);
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
        double x;
        for (size_t j = 2; j < 6; j++)
            if (sn_parse_real(f[j], strlen(f[j]), 0, &x) != SN_NUM_OK) {
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

const paper_row *paper_find(const sn_bench_report *r, const char *ds, const char *m)
{
    for (size_t i = 0; i < r->n_paper; i++)
        if (strcmp(r->paper[i].dataset, ds) == 0 && strcmp(r->paper[i].method, m) == 0)
            return &r->paper[i];
    return NULL;
}
