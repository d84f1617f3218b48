/*
 * plot_iw_weights.c — `shrinknet plot iw-weights FILE...`: Figure 1(a), histograms of the
 * normalised sample weights recorded by `train --record-weights` (lower bound, importance
 * weighted, tail-adaptive), one panel per file or overlaid.
 */
#include "cmds.h"
#include "plot.h"

#include <errno.h>
#include <math.h>
#include <plplot.h>
#include <stdlib.h>
#include <string.h>

/* The histogram of one recording. */
typedef struct {
    const char *path;
    char label[160];
    char objective[16], noise[96];
    size_t S;          /* samples per point (weights per line) */
    size_t n_weights;  /* weights counted */
    size_t n_lines;
    double *frac;      /* [n_bins] fraction of the weights in each bin */
} iw_hist;

typedef struct {
    iw_hist *h;
    size_t n, n_bins, n_cols;
    double *edges; /* [n_bins + 1]: bins of width 1/(n_bins - 1) centred on k/(n_bins - 1), so
                      that 1/S is a bin centre when n_bins - 1 is a multiple of S */
    bool overlay, log_y;
    double x_max;
} iw_fig;

static const char *objective_long(const char *name)
{
    if (strcmp(name, "lb") == 0)
        return "lower bound";
    if (strcmp(name, "iw") == 0)
        return "importance weighted";
    if (strcmp(name, "tail") == 0)
        return "tail-adaptive";
    if (strcmp(name, "hier") == 0)
        return "hierarchical";
    return name;
}

/* "importance weighted, dropout p = 0.005" from the header's objective and noise. */
static void iw_default_label(iw_hist *h)
{
    char noise[128];
    sn_noise nz;
    if (h->noise[0] && sn_noise_parse(h->noise, &nz, NULL) == SN_OK &&
        nz.family == SN_NOISE_BERNOULLI)
        snprintf(noise, sizeof noise, "dropout p = %.3g", 1.0 - nz.p[0]);
    else
        snprintf(noise, sizeof noise, "%s", h->noise[0] ? h->noise : "noise not recorded");
    snprintf(h->label, sizeof h->label, "%s, %s",
             h->objective[0] ? objective_long(h->objective) : "objective not recorded", noise);
}

/*
 * Read a --record-weights file:
 *     # shrinknet sample weights: objective OBJ, S = S, noise SPEC
 *     epoch,w_1,...,w_S          (one line per data point of every recorded minibatch)
 * and add every weight of the lines with epoch >= min_epoch to the histogram. Weights must be
 * finite and in [0, 1] (they are normalised); errors name file:line:column.
 */
static sn_status iw_read(iw_hist *h, size_t n_bins, size_t min_epoch, sn_error *err)
{
    FILE *f = fopen(h->path, "r");
    if (!f)
        return sn_fail(err, SN_EIO, "%s: %s", h->path, strerror(errno));
    sn_status st = SN_OK;
    size_t *count = calloc(n_bins, sizeof *count);
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t len;
    if (!count) {
        st = sn_fail(err, SN_ENOMEM, "out of memory");
        goto done;
    }
    while ((len = getline(&line, &cap, f)) > 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        if (line[0] == '#') {
            char obj[16] = "", noise[96] = "";
            size_t S = 0;
            if (sscanf(line, "# shrinknet sample weights: objective %15[^,], S = %zu, noise %95s",
                       obj, &S, noise) == 3) {
                snprintf(h->objective, sizeof h->objective, "%s", obj);
                snprintf(h->noise, sizeof h->noise, "%s", noise);
                h->S = S;
            }
            continue;
        }
        if (len == 0)
            continue;
        char *p = line;
        size_t n_digits = strcspn(line, ",");
        uint64_t epoch = 0;
        if (line[n_digits] != ',' || !sn_parse_uint(line, n_digits, UINT64_MAX, &epoch)) {
            st = sn_fail(err, SN_EDATA, "%s:%zu:1: expected an epoch number then weights", h->path,
                         lineno);
            goto done;
        }
        size_t k = 0;
        p = line + n_digits;
        while (*p == ',') {
            char *field = p + 1;
            size_t n_field = strcspn(field, ",");
            char *end = field + n_field;
            double w = 0.0;
            if (sn_parse_real(field, n_field, 0, &w) != SN_NUM_OK || w < 0.0 ||
                w > 1.0 + 1e-6 /* printed with %.6g: 1 may carry rounding */) {
                int n = (int)strcspn(field, ",");
                st = sn_fail(err, SN_EDATA, "%s:%zu:%zu: expected a normalised weight in [0, 1], "
                             "found \"%.*s\"", h->path, lineno, (size_t)(field - line) + 1,
                             n > 40 ? 40 : n, field);
                goto done;
            }
            if (epoch >= min_epoch) {
                /* Bins are centred on k / n_bins (see iw_fig), so 1/S is a bin centre. */
                size_t b = (size_t)floor(w * (double)(n_bins - 1) + 0.5);
                count[b < n_bins ? b : n_bins - 1]++;
                h->n_weights++;
            }
            k++;
            p = end;
        }
        if (h->S == 0)
            h->S = k;
        if (k != h->S || k == 0) {
            st = sn_fail(err, SN_EDATA, "%s:%zu: expected %zu weights, found %zu", h->path, lineno,
                         h->S, k);
            goto done;
        }
        h->n_lines++;
    }
    if (ferror(f)) {
        st = sn_fail(err, SN_EIO, "%s: read error", h->path);
        goto done;
    }
    if (h->n_weights == 0) {
        st = sn_fail(err, SN_EDATA, "%s: no weights%s", h->path,
                     min_epoch > 1 ? " at or after --min-epoch" : "");
        goto done;
    }
    h->frac = malloc(n_bins * sizeof *h->frac);
    if (!h->frac) {
        st = sn_fail(err, SN_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t b = 0; b < n_bins; b++)
        h->frac[b] = (double)count[b] / (double)h->n_weights;
done:
    free(line);
    free(count);
    fclose(f);
    return st;
}

static void iw_csv(FILE *f, void *ctx)
{
    const iw_fig *g = ctx;
    fprintf(f, "bin_left,bin_right");
    for (size_t i = 0; i < g->n; i++) {
        fputc(',', f);
        plot_csv_field(f, g->h[i].label);
    }
    fputc('\n', f);
    for (size_t b = 0; b < g->n_bins; b++) {
        fprintf(f, "%.17g,%.17g", g->edges[b], g->edges[b + 1]);
        for (size_t i = 0; i < g->n; i++)
            fprintf(f, ",%.17g", g->h[i].frac[b]);
        fputc('\n', f);
    }
}

/* y range of some histograms: [0, 1.08 max] or, on a log axis, whole decades. */
static void iw_yrange(const iw_fig *g, size_t first, size_t count, double *lo, double *hi)
{
    double mx = 0.0, mn = 1.0;
    for (size_t i = first; i < first + count; i++)
        for (size_t b = 0; b < g->n_bins; b++) {
            double v = g->h[i].frac[b];
            mx = fmax(mx, v);
            if (v > 0.0)
                mn = fmin(mn, v);
        }
    if (g->log_y) {
        *lo = floor(log10(mn));
        *hi = ceil(log10(mx) + 0.05);
        if (*hi <= *lo)
            *hi = *lo + 1.0;
    } else {
        *lo = 0.0;
        *hi = mx > 0.0 ? 1.08 * mx : 1.0;
    }
}

/* Colours as the paper's Figure 1(a) where it can: by objective in panels (lower bound grey,
 * importance weighted blue, tail-adaptive vermillion); in one overlaid panel by file, grey, blue,
 * vermillion (the paper's order: IW p = .005, IW p = .5, tail p = .005), then the palette. */
static int iw_colour(const iw_fig *g, size_t i)
{
    static const int first[3] = {PLOT_GREY, PLOT_BLUE, PLOT_VERMILLION};
    if (g->overlay)
        return i < 3 ? first[i] : plot_series_colour(i - 1);
    const char *o = g->h[i].objective;
    if (strcmp(o, "lb") == 0)
        return PLOT_GREY;
    if (strcmp(o, "iw") == 0)
        return PLOT_BLUE;
    if (strcmp(o, "tail") == 0)
        return PLOT_VERMILLION;
    return plot_series_colour(i + 2);
}

static void iw_draw(void *ctx)
{
    iw_fig *g = ctx;
    size_t n_panels = g->overlay ? 1 : g->n;
    size_t n_cols = g->overlay ? 1 : g->n_cols, n_rows = (n_panels + n_cols - 1) / n_cols;
    double *y = malloc(g->n_bins * sizeof *y);
    if (!y)
        return;
    for (size_t panel = 0; panel < n_panels; panel++) {
        size_t first = g->overlay ? 0 : panel, count = g->overlay ? g->n : 1;
        double lo, hi;
        iw_yrange(g, first, count, &lo, &hi);
        plot_panel(panel, n_cols, n_rows, 0.0);
        char title[200];
        if (g->overlay)
            snprintf(title, sizeof title, "normalised sample weights (%zu files)", g->n);
        else
            snprintf(title, sizeof title, "%s", g->h[panel].label);
        plot_axes(g->edges[0], g->x_max, lo, hi, g->log_y, "normalised weight ω",
                  "fraction of weights",
                  title);
        for (size_t i = first; i < first + count; i++) {
            for (size_t b = 0; b < g->n_bins; b++)
                y[b] = g->log_y ? (g->h[i].frac[b] > 0.0 ? log10(g->h[i].frac[b]) : -INFINITY)
                                : g->h[i].frac[b];
            plot_bars(g->edges, y, g->n_bins, lo, iw_colour(g, i), g->overlay ? 0.35 : 0.55);
        }
        /* The lower bound's uniform weight 1/S. */
        size_t S = g->h[first].S;
        plot_vline(1.0 / (double)S, lo, hi, PLOT_INK, 1.0, 2);
        if (g->overlay) {
            const char *text[FIG_MAX_FILES + 1];
            int col[FIG_MAX_FILES + 1], sty[FIG_MAX_FILES + 1];
            bool box[FIG_MAX_FILES + 1];
            for (size_t i = 0; i < g->n; i++) {
                text[i] = g->h[i].label;
                col[i] = iw_colour(g, i);
                sty[i] = 1;
                box[i] = true;
            }
            char ref[32];
            snprintf(ref, sizeof ref, "1/S = %.3g", 1.0 / (double)S);
            text[g->n] = ref;
            col[g->n] = PLOT_INK;
            sty[g->n] = 2;
            box[g->n] = false;
            plot_legend(g->n + 1, text, col, sty, box, PL_POSITION_TOP | PL_POSITION_RIGHT);
        } else {
            char info[96];
            snprintf(info, sizeof info, "S = %zu, %zu weights; dashed: 1/S", S,
                     g->h[panel].n_weights);
            PLFLT def, ht;
            plgchr(&def, &ht);
            plschr(0.0, 0.8 * ht / def);
            plcol0(PLOT_INK);
            plmtex("t", 0.9, 0.5, 0.5, info);
            plschr(0.0, ht / def);
        }
    }
    free(y);
}

int fig_iw_weights(int argc, char **argv)
{
    const char *cmd = "plot iw-weights";
    const char *synopsis = "FILE... [options]   (FILE: from train --record-weights)";
    fig_out o = {"iw-weights.png", NULL, 0, 0, false, false};
    size_t n_bins = 50, min_epoch = 1, n_cols = 0;
    double x_max = 1.0;
    const char *labels_s = NULL;
    bool overlay = false, log_y = false;
    cli_opt t[FIG_MAX_OPTS] = {
        {"bins", 0, OPT_SIZE, &n_bins, 2, 10000, "N",
         "bin width 1/N, bins centred on k/N (a multiple of S centres 1/S)", "figure", false},
        {"x-max", 0, OPT_DOUBLE, &x_max, 0.01, 1.0, "X", "right end of the weight axis", NULL,
         false},
        {"min-epoch", 0, OPT_SIZE, &min_epoch, 1, 1e12, "E",
         "use the weights of epochs E and later", NULL, false},
        {"labels", 0, OPT_STR, &labels_s, 0, 0, "L1;L2",
         "panel labels, one per file (default: objective and noise from the file)", NULL,
         false},
        {"overlay", 0, OPT_FLAG, &overlay, 0, 0, NULL,
         "all histograms in one panel, translucent, as the paper draws them", NULL, false},
        {"columns", 0, OPT_SIZE, &n_cols, 0, FIG_MAX_FILES, "C", "panels per row (0: up to 3)",
         NULL, false},
        {"log-y", 0, OPT_FLAG, &log_y, 0, 0, NULL, "logarithmic fraction axis", NULL, false},
    };
    fig_out_table(&o, t, 7);
    const char *files[FIG_MAX_FILES];
    size_t n_files;
    int rc = fig_parse_with_files(cmd, t, t, argc, argv, synopsis, NULL, 0, files, &n_files);
    if (rc)
        return rc == 1 ? EXIT_OK : rc;
    if (n_files == 0) {
        fprintf(stderr, "shrinknet %s: no files given (record them with train --record-weights)"
                        "\ntry 'shrinknet %s --help'\n", cmd, cmd);
        return EXIT_USAGE;
    }
    if ((rc = fig_check_out(cmd, &o)) != 0)
        return rc;
    iw_fig g = {NULL, n_files, 0, 0, NULL, overlay, log_y, x_max};
    const char *labels[FIG_MAX_FILES];
    size_t n_labels = 0;
    char *label_buf = fig_split_labels(labels_s, labels, FIG_MAX_FILES, &n_labels);
    if (labels_s && n_labels != n_files) {
        fprintf(stderr, "shrinknet %s: --labels: expected %zu labels separated by ';', found "
                        "%zu\ntry 'shrinknet %s --help'\n", cmd, n_files, n_labels, cmd);
        rc = EXIT_USAGE;
        goto done;
    }

    n_bins++; /* N + 1 bins centred on 0, 1/N, ..., 1 */
    g.n_bins = n_bins;
    g.n_cols = n_cols ? n_cols : (n_files < 3 ? n_files : 3);
    if (g.n_cols > n_files)
        g.n_cols = n_files;
    g.h = calloc(n_files, sizeof *g.h);
    g.edges = malloc((n_bins + 1) * sizeof *g.edges);
    sn_error e = {0};
    if (!g.h || !g.edges) {
        rc = EXIT_INTERNAL;
        fprintf(stderr, "shrinknet %s: out of memory\n", cmd);
        goto done;
    }
    for (size_t b = 0; b <= n_bins; b++)
        g.edges[b] = ((double)b - 0.5) / (double)(n_bins - 1);
    for (size_t i = 0; i < n_files; i++) {
        g.h[i].path = files[i];
        if (iw_read(&g.h[i], n_bins, min_epoch, &e) != SN_OK) {
            rc = cli_fail(cmd, &e);
            goto done;
        }
        if (labels_s)
            snprintf(g.h[i].label, sizeof g.h[i].label, "%s", labels[i]);
        else
            iw_default_label(&g.h[i]);
    }
    size_t n_rows = overlay ? 1 : (n_files + g.n_cols - 1) / g.n_cols;
    bool one = overlay || n_files == 1;
    size_t w = o.width ? o.width : (one ? 900 : 60 + 440 * g.n_cols);
    size_t h = o.height ? o.height : (one ? 600 : 380 * n_rows + 20);
    rc = fig_emit(cmd, &o, w, h, iw_draw, iw_csv, &g);
done:
    if (g.h)
        for (size_t i = 0; i < n_files; i++)
            free(g.h[i].frac);
    free(g.h);
    free(g.edges);
    free(label_buf);
    return rc;
}
