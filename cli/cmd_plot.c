/*
 * cmd_plot.c — `shrinknet plot FIGURE`: the paper's figures from our own runs.
 *
 *   iw-weights FILE...      Figure 1(a): histograms of the normalised sample weights recorded by
 *                           `train --record-weights` (lower bound, importance weighted,
 *                           tail-adaptive), one panel per file or overlaid
 *   scale-update            Figure 1(b): the optimal prior variance v* of the EM step against
 *                           M = mu^2 + sigma^2 for several hyper-priors (sn_hyper_optimal_variance,
 *                           MATH.md (29)-(31), §6)
 *   posterior -m MODEL...   Figure 2: heat maps of mu^2 + sigma^2 (w^2 for MC nets) of the
 *                           hidden-to-hidden matrix of each model, one shared colour scale
 *
 * Each writes a PNG or SVG (by extension) and the figure's numbers as CSV next to it
 * (fig.png → fig.csv), both atomically. Nothing goes to stdout; "wrote ..." goes to stderr
 * unless -q.
 */
#include "cmds.h"
#include "plot.h"

#include <errno.h>
#include <math.h>
#include <plplot.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------ */
/* Shared: output options, file arguments, labels                                              */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    const char *output; /* figure file (.png or .svg) */
    const char *csv;    /* numbers (default: output with .csv) */
    size_t width, height;
    bool no_csv, quiet;
} fig_out;

#define MAX_FILES 64
#define MAX_OPTS 32

/* Appends the output options to t at index n; returns the new count. */
static size_t out_table(fig_out *o, cli_opt *t, size_t n)
{
    cli_opt opts[] = {
        {"output", 'o', OPT_STR, &o->output, 0, 0, "FILE", "figure: .png or .svg", "output",
         false},
        {"width", 0, OPT_SIZE, &o->width, 0, PLOT_MAX_SIZE, "PX",
         "page width in pixels (points for SVG); 0 = by the number of panels", NULL, false},
        {"height", 0, OPT_SIZE, &o->height, 0, PLOT_MAX_SIZE, "PX", "page height; 0 = automatic",
         NULL, false},
        {"csv", 0, OPT_STR, &o->csv, 0, 0, "FILE",
         "the figure's numbers (default: the figure's name with .csv)", NULL, false},
        {"no-csv", 0, OPT_FLAG, &o->no_csv, 0, 0, NULL, "do not write the CSV file", NULL, false},
        {"quiet", 'q', OPT_FLAG, &o->quiet, 0, 0, NULL, "do not name the files written", NULL,
         false},
        {NULL, 0, OPT_FLAG, NULL, 0, 0, NULL, NULL, NULL, false},
    };
    memcpy(t + n, opts, sizeof opts);
    return n + sizeof opts / sizeof opts[0] - 1;
}

/*
 * Parse argv with table, accepting file arguments: positional arguments and the values of the
 * option file_opt / -file_short (e.g. "model", 'm', repeatable: "-m a.snm -m b.snm" or
 * "-m a.snm b.snm") go to files[n_files]. Everything else goes through cli_parse, so messages are
 * the usual; --help prints help_table. Returns 0, 1 after --help, or 2.
 */
static int parse_with_files(const char *cmd, cli_opt *table, const cli_opt *help_table, int argc,
                            char **argv, const char *synopsis, const char *file_opt,
                            char file_short, const char **files, size_t *n_files)
{
    char *opt_argv[256];
    int n_opt = 0;
    *n_files = 0;
    bool only_files = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!only_files && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            cli_help(stdout, cmd, synopsis, help_table);
            return 1;
        }
        bool is_opt = !only_files && a[0] == '-' && a[1] != 0;
        if (is_opt && strcmp(a, "--") == 0) {
            only_files = true;
            continue;
        }
        if (!is_opt) {
            if (*n_files >= MAX_FILES) {
                fprintf(stderr, "shrinknet %s: at most %d files\n", cmd, MAX_FILES);
                return EXIT_USAGE;
            }
            files[(*n_files)++] = a;
            continue;
        }
        /* Find the option to know whether it takes the next argument. */
        cli_opt *o = NULL;
        const char *eq = NULL;
        if (a[1] == '-') {
            char name[64];
            eq = strchr(a + 2, '=');
            size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
            if (len < sizeof name) {
                memcpy(name, a + 2, len);
                name[len] = 0;
                o = cli_find(table, name);
                if (!o && file_opt && strcmp(name, file_opt) == 0) {
                    /* --model FILE or --model=FILE */
                    const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
                    if (!v || !*v) {
                        fprintf(stderr, "shrinknet %s: --%s: missing value\ntry 'shrinknet %s "
                                        "--help'\n", cmd, file_opt, cmd);
                        return EXIT_USAGE;
                    }
                    if (*n_files >= MAX_FILES) {
                        fprintf(stderr, "shrinknet %s: at most %d files\n", cmd, MAX_FILES);
                        return EXIT_USAGE;
                    }
                    files[(*n_files)++] = v;
                    continue;
                }
            }
        } else if (!a[2]) {
            if (file_short && a[1] == file_short) {
                if (i + 1 >= argc) {
                    fprintf(stderr, "shrinknet %s: -%c: missing value\ntry 'shrinknet %s "
                                    "--help'\n", cmd, a[1], cmd);
                    return EXIT_USAGE;
                }
                if (*n_files >= MAX_FILES) {
                    fprintf(stderr, "shrinknet %s: at most %d files\n", cmd, MAX_FILES);
                    return EXIT_USAGE;
                }
                files[(*n_files)++] = argv[++i];
                continue;
            }
            for (cli_opt *p = table; p->name; p++)
                if (p->short_name == a[1])
                    o = p;
        }
        if (n_opt + 2 >= (int)(sizeof opt_argv / sizeof opt_argv[0])) {
            fprintf(stderr, "shrinknet %s: too many arguments\n", cmd);
            return EXIT_USAGE;
        }
        opt_argv[n_opt++] = argv[i];
        if (o && o->kind != OPT_FLAG && !eq && i + 1 < argc)
            opt_argv[n_opt++] = argv[++i];
    }
    return cli_parse(cmd, table, n_opt, opt_argv, synopsis);
}

/* Split "A;B;C" into at most max labels (pointers into a copy the caller frees). */
static char *split_labels(const char *s, const char **labels, size_t max, size_t *n)
{
    *n = 0;
    if (!s)
        return NULL;
    char *copy = malloc(strlen(s) + 1);
    if (!copy)
        return NULL;
    strcpy(copy, s);
    char *p = copy;
    while (*n < max) {
        labels[(*n)++] = p;
        char *semi = strchr(p, ';');
        if (!semi)
            break;
        *semi = 0;
        p = semi + 1;
    }
    return copy;
}

/* Write the figure and its CSV and name them on stderr; returns the exit code. */
static int emit(const char *cmd, const fig_out *o, size_t width, size_t height,
                void (*draw)(void *), void (*csv)(FILE *, void *), void *ctx)
{
    sn_error e = {0};
    char *csv_path = NULL;
    if (!o->no_csv) {
        csv_path = o->csv ? strdup(o->csv) : plot_csv_path(o->output);
        if (!csv_path) {
            fprintf(stderr, "shrinknet %s: out of memory\n", cmd);
            return EXIT_INTERNAL;
        }
    }
    sn_status st = plot_write(o->output, csv_path, width, height, draw, csv, ctx, &e);
    int rc = EXIT_OK;
    if (st != SN_OK)
        rc = cli_fail(cmd, &e);
    else if (!o->quiet)
        fprintf(stderr, "shrinknet %s: wrote %s%s%s\n", cmd, o->output, csv_path ? " and " : "",
                csv_path ? csv_path : "");
    free(csv_path);
    return rc;
}

/* Check the output options before any work; 0 or the usage exit code (message printed). */
static int check_out(const char *cmd, const fig_out *o)
{
    sn_error e = {0};
    if (plot_check_path("--output", o->output, &e) != SN_OK)
        goto usage;
    if ((o->width && o->width < PLOT_MIN_SIZE) || (o->height && o->height < PLOT_MIN_SIZE)) {
        cli_err(&e, SN_EINVAL, "--width and --height: at least %d pixels", PLOT_MIN_SIZE);
        goto usage;
    }
    if (o->csv && o->no_csv) {
        cli_err(&e, SN_EINVAL, "--csv and --no-csv contradict each other");
        goto usage;
    }
    return 0;
usage:
    fprintf(stderr, "shrinknet %s: %s\ntry 'shrinknet %s --help'\n", cmd, e.msg, cmd);
    return EXIT_USAGE;
}

/* ------------------------------------------------------------------------------------------ */
/* Figure 1(a): importance weights                                                             */
/* ------------------------------------------------------------------------------------------ */

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
        return cli_err(err, SN_EIO, "%s: %s", h->path, strerror(errno));
    sn_status st = SN_OK;
    size_t *count = calloc(n_bins, sizeof *count);
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t len;
    if (!count) {
        st = cli_err(err, SN_ENOMEM, "out of memory");
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
        char *p = line, *end;
        errno = 0;
        unsigned long long epoch = strtoull(p, &end, 10);
        if (end == p || *end != ',' || errno) {
            st = cli_err(err, SN_EDATA, "%s:%zu:1: expected an epoch number then weights", h->path,
                         lineno);
            goto done;
        }
        size_t k = 0;
        p = end;
        while (*p == ',') {
            char *field = p + 1;
            double w = strtod(field, &end);
            if (end == field || (*end != ',' && *end != 0) || !isfinite(w) || w < 0.0 ||
                w > 1.0 + 1e-6 /* printed with %.6g: 1 may carry rounding */) {
                int n = (int)strcspn(field, ",");
                st = cli_err(err, SN_EDATA, "%s:%zu:%zu: expected a normalised weight in [0, 1], "
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
            st = cli_err(err, SN_EDATA, "%s:%zu: expected %zu weights, found %zu", h->path, lineno,
                         h->S, k);
            goto done;
        }
        h->n_lines++;
    }
    if (ferror(f)) {
        st = cli_err(err, SN_EIO, "%s: read error", h->path);
        goto done;
    }
    if (h->n_weights == 0) {
        st = cli_err(err, SN_EDATA, "%s: no weights%s", h->path,
                     min_epoch > 1 ? " at or after --min-epoch" : "");
        goto done;
    }
    h->frac = malloc(n_bins * sizeof *h->frac);
    if (!h->frac) {
        st = cli_err(err, SN_ENOMEM, "out of memory");
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
            const char *text[MAX_FILES + 1];
            int col[MAX_FILES + 1], sty[MAX_FILES + 1];
            bool box[MAX_FILES + 1];
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

static int fig_iw_weights(int argc, char **argv)
{
    const char *cmd = "plot iw-weights";
    const char *synopsis = "FILE... [options]   (FILE: from train --record-weights)";
    fig_out o = {"iw-weights.png", NULL, 0, 0, false, false};
    size_t n_bins = 50, min_epoch = 1, n_cols = 0;
    double x_max = 1.0;
    const char *labels_s = NULL;
    bool overlay = false, log_y = false;
    cli_opt t[MAX_OPTS] = {
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
        {"columns", 0, OPT_SIZE, &n_cols, 0, MAX_FILES, "C", "panels per row (0: up to 3)", NULL,
         false},
        {"log-y", 0, OPT_FLAG, &log_y, 0, 0, NULL, "logarithmic fraction axis", NULL, false},
    };
    out_table(&o, t, 7);
    const char *files[MAX_FILES];
    size_t n_files;
    int rc = parse_with_files(cmd, t, t, argc, argv, synopsis, NULL, 0, files, &n_files);
    if (rc)
        return rc == 1 ? EXIT_OK : rc;
    if (n_files == 0) {
        fprintf(stderr, "shrinknet %s: no files given (record them with train --record-weights)"
                        "\ntry 'shrinknet %s --help'\n", cmd, cmd);
        return EXIT_USAGE;
    }
    if ((rc = check_out(cmd, &o)) != 0)
        return rc;
    const char *labels[MAX_FILES];
    size_t n_labels = 0;
    char *label_buf = split_labels(labels_s, labels, MAX_FILES, &n_labels);
    if (labels_s && n_labels != n_files) {
        fprintf(stderr, "shrinknet %s: --labels: expected %zu labels separated by ';', found "
                        "%zu\ntry 'shrinknet %s --help'\n", cmd, n_files, n_labels, cmd);
        free(label_buf);
        return EXIT_USAGE;
    }

    n_bins++; /* N + 1 bins centred on 0, 1/N, ..., 1 */
    iw_fig g = {NULL, n_files, n_bins, 0, NULL, overlay, log_y, x_max};
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
    rc = emit(cmd, &o, w, h, iw_draw, iw_csv, &g);
done:
    if (g.h)
        for (size_t i = 0; i < n_files; i++)
            free(g.h[i].frac);
    free(g.h);
    free(g.edges);
    free(label_buf);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Figure 1(b): the EM scale update                                                            */
/* ------------------------------------------------------------------------------------------ */

#define MAX_HYPER 16

typedef struct {
    sn_hyperprior h[MAX_HYPER];
    char name[MAX_HYPER][64];  /* "inverse-gamma(3, 3)" */
    char spec[MAX_HYPER][64];  /* "invgamma:3,3" */
    size_t n_h, n_points;
    double P, m_max;
    double *M, *v; /* [n_points], [n_h][n_points] */
} su_fig;

static void hyper_long_name(const sn_hyperprior *h, char *buf, size_t n)
{
    switch (h->family) {
    case SN_HYPER_INVGAMMA:
        snprintf(buf, n, "inverse-gamma(%g, %g)", h->a, h->b);
        break;
    case SN_HYPER_HALFCAUCHY:
        snprintf(buf, n, "half-Cauchy(%g)", h->a);
        break;
    case SN_HYPER_LOGUNIFORM:
        snprintf(buf, n, "log-uniform");
        break;
    }
}

static void su_csv(FILE *f, void *ctx)
{
    const su_fig *g = ctx;
    fprintf(f, "M");
    for (size_t k = 0; k < g->n_h; k++) {
        fputc(',', f);
        plot_csv_field(f, g->spec[k]);
    }
    fputc('\n', f);
    for (size_t i = 0; i < g->n_points; i++) {
        fprintf(f, "%.17g", g->M[i]);
        for (size_t k = 0; k < g->n_h; k++)
            fprintf(f, ",%.17g", g->v[k * g->n_points + i]);
        fputc('\n', f);
    }
}

static void su_draw(void *ctx)
{
    su_fig *g = ctx;
    double vmax = 0.0;
    for (size_t i = 0; i < g->n_h * g->n_points; i++)
        vmax = fmax(vmax, g->v[i]);
    plot_panel(0, 1, 1, 0.0);
    char title[128], xlabel[64];
    snprintf(title, sizeof title, "EM scale update: optimal prior variance, group of P = %g "
             "weight%s", g->P, g->P == 1.0 ? "" : "s");
    snprintf(xlabel, sizeof xlabel, "M = Σ (μ² + σ²) over the group");
    plot_axes(0.0, g->m_max, 0.0, 1.05 * vmax, false, xlabel, "optimal prior variance v*", title);
    /* Colour by family, line style by setting within the family. */
    const char *text[MAX_HYPER + 1];
    int col[MAX_HYPER + 1], sty[MAX_HYPER + 1];
    size_t seen[3] = {0, 0, 0};
    for (size_t k = 0; k < g->n_h; k++) {
        int fam = (int)g->h[k].family;
        col[k] = fam == SN_HYPER_INVGAMMA ? PLOT_BLUE
                 : fam == SN_HYPER_HALFCAUCHY ? PLOT_VERMILLION : PLOT_GREEN;
        sty[k] = 1 + (int)(seen[fam]++ % 8);
        text[k] = g->name[k];
    }
    /* Last listed first, so that a dashed line lying on a later solid one (inverse-gamma with
     * b -> 0 on log-uniform) stays visible. */
    for (size_t k = g->n_h; k-- > 0;)
        plot_line(g->M, g->v + k * g->n_points, g->n_points, col[k],
                  g->h[k].family == SN_HYPER_LOGUNIFORM ? 4.5 : 2.0, sty[k]);
    /* Reference: no hyper-prior, v = M / P (the maximum of the ELBO term alone). */
    double xs[2] = {0.0, g->m_max}, ys[2] = {0.0, g->m_max / g->P};
    if (ys[1] > 1.05 * vmax) {
        ys[1] = 1.05 * vmax;
        xs[1] = ys[1] * g->P;
    }
    plot_line(xs, ys, 2, PLOT_GREY, 1.0, 3);
    text[g->n_h] = "no hyper-prior: v = M/P";
    col[g->n_h] = PLOT_GREY;
    sty[g->n_h] = 3;
    plot_legend(g->n_h + 1, text, col, sty, NULL, PL_POSITION_TOP | PL_POSITION_LEFT);
}

static int fig_scale_update(int argc, char **argv)
{
    const char *cmd = "plot scale-update";
    const char *synopsis = "[options]";
    fig_out o = {"scale-update.png", NULL, 0, 0, false, false};
    const char *list = NULL;
    const char *default_list = "invgamma:3,3;invgamma:1,1;invgamma:0.001,0.001;halfcauchy:0.5;"
                               "halfcauchy:1;halfcauchy:2;loguniform";
    double P = 1.0, m_max = 5.0;
    size_t n_points = 201;
    cli_opt t[MAX_OPTS] = {
        {"hyperpriors", 0, OPT_STR, &list, 0, 0, "H1;H2",
         "';'-separated: invgamma:A,B (on the variance), halfcauchy:ETA (on the std), "
         "loguniform (default: invgamma 3,3 1,1 0.001,0.001; halfcauchy 0.5 1 2; loguniform)",
         "figure", false},
        {"group-size", 'P', OPT_DOUBLE, &P, 1, 1e9, "P",
         "weights sharing the variance (1: one weight; 50: an ARD row of 50)", NULL, false},
        {"m-max", 0, OPT_DOUBLE, &m_max, 1e-12, 1e12, "M", "largest M on the x axis", NULL,
         false},
        {"points", 0, OPT_SIZE, &n_points, 2, 1000000, "N", "points on the x axis", NULL, false},
    };
    out_table(&o, t, 4);
    int rc = cli_parse(cmd, t, argc, argv, synopsis);
    if (rc)
        return rc == 1 ? EXIT_OK : rc;
    if ((rc = check_out(cmd, &o)) != 0)
        return rc;
    su_fig g;
    memset(&g, 0, sizeof g);
    g.P = P;
    g.m_max = m_max;
    g.n_points = n_points;
    const char *specs[MAX_HYPER];
    char *buf = split_labels(list ? list : default_list, specs, MAX_HYPER, &g.n_h);
    if (!buf) {
        fprintf(stderr, "shrinknet %s: out of memory\n", cmd);
        return EXIT_INTERNAL;
    }
    for (size_t k = 0; k < g.n_h; k++) {
        sn_error e = {0};
        if (sn_hyperprior_parse(specs[k], &g.h[k], &e) != SN_OK) {
            fprintf(stderr, "shrinknet %s: --hyperpriors: %s\ntry 'shrinknet %s --help'\n", cmd,
                    e.msg, cmd);
            free(buf);
            return EXIT_USAGE;
        }
        sn_hyperprior_format(&g.h[k], g.spec[k], sizeof g.spec[k]);
        hyper_long_name(&g.h[k], g.name[k], sizeof g.name[k]);
    }
    free(buf);
    g.M = malloc(n_points * sizeof *g.M);
    g.v = malloc(g.n_h * n_points * sizeof *g.v);
    if (!g.M || !g.v) {
        free(g.M);
        free(g.v);
        fprintf(stderr, "shrinknet %s: out of memory\n", cmd);
        return EXIT_INTERNAL;
    }
    for (size_t i = 0; i < n_points; i++)
        g.M[i] = m_max * (double)i / (double)(n_points - 1);
    for (size_t k = 0; k < g.n_h; k++)
        for (size_t i = 0; i < n_points; i++)
            g.v[k * n_points + i] = sn_hyper_optimal_variance(&g.h[k], g.M[i], P);
    rc = emit(cmd, &o, o.width ? o.width : 800, o.height ? o.height : 600, su_draw, su_csv, &g);
    free(g.M);
    free(g.v);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Figure 2: posterior heat maps                                                               */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    const char *path;
    char label[256];
    char detail[64]; /* hyper-prior of an EM net, noise of an MC net */
    size_t layer, n_in, n_out;
    double *val; /* [n_in][n_out] mu^2 + sigma^2 */
} pm_panel;

typedef struct {
    pm_panel *p;
    size_t n, n_cols;
    bool is_linear;
    double zmin, zmax;          /* colour range, in log10 units unless is_linear */
    bool is_clipped_low, is_clipped_high; /* values beyond the range (drawn at its ends) */
} pm_fig;

/* Title and detail from the model's parameters: "ARD (EM)" with "invgamma:3,3", "dropout
 * p = 0.005 (MC)" with "bernoulli:0.995". */
static void pm_default_label(const sn_model *m, pm_panel *pp)
{
    const sn_train_params *p = sn_model_params(m);
    if (p->method == SN_METHOD_VEM) {
        const char *s = p->prior == SN_PRIOR_ARD ? "ARD"
                        : p->prior == SN_PRIOR_ADD ? "ADD"
                        : p->prior == SN_PRIOR_ARD_ADD ? "ARD-ADD" : "no prior structure";
        snprintf(pp->label, sizeof pp->label, "%s (EM%s)", s,
                 p->variant == SN_VARIANT_AUTHORS ? ", authors' variant" : "");
        sn_hyperprior_format(&p->hyper, pp->detail, sizeof pp->detail);
    } else {
        sn_noise_format(&p->noise, pp->detail, sizeof pp->detail);
        if (p->noise.family == SN_NOISE_BERNOULLI)
            snprintf(pp->label, sizeof pp->label, "dropout p = %.3g (MC)", 1.0 - p->noise.p[0]);
        else
            snprintf(pp->label, sizeof pp->label, "%s noise (MC)",
                     sn_noise_family_name(p->noise.family));
    }
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* The layer Figure 2 shows: the first residual (hidden-to-hidden) block, else layer 1. */
static size_t pm_auto_layer(const sn_model *m)
{
    size_t n = sn_model_n_layers(m);
    for (size_t l = 0; l < n; l++) {
        sn_layer_view v;
        if (sn_model_layer(m, l, &v, NULL) == SN_OK && v.is_residual)
            return l;
    }
    return n > 1 ? 1 : 0;
}

static double pm_z(const pm_fig *g, double v)
{
    return g->is_linear ? v : log10(v);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/*
 * One colour range for all panels: the clip and 100 - clip percentiles of the pooled values (on
 * the log scale, of the positive values; an exact zero means a pruned weight and is drawn at the
 * low end). Values outside are drawn at the ends and the colour bar gets a cap there. clip = 0
 * gives the full range. Returns 0 or EXIT_INTERNAL.
 */
static int pm_range(pm_fig *g, double clip)
{
    size_t n = 0;
    for (size_t i = 0; i < g->n; i++)
        n += g->p[i].n_in * g->p[i].n_out;
    double *z = malloc((n ? n : 1) * sizeof *z);
    if (!z)
        return EXIT_INTERNAL;
    size_t m = 0;
    bool has_zero = false;
    for (size_t i = 0; i < g->n; i++)
        for (size_t k = 0; k < g->p[i].n_in * g->p[i].n_out; k++) {
            double v = g->p[i].val[k];
            if (g->is_linear || v > 0.0)
                z[m++] = pm_z(g, v);
            else
                has_zero = true;
        }
    if (m > 0) {
        qsort(z, m, sizeof *z, cmp_double);
        size_t lo = (size_t)floor(clip / 100.0 * (double)(m - 1));
        size_t hi = (m - 1) - lo;
        g->zmin = z[lo];
        g->zmax = z[hi];
        g->is_clipped_low = lo > 0 && z[0] < g->zmin;
        g->is_clipped_high = hi < m - 1 && z[m - 1] > g->zmax;
    }
    g->is_clipped_low = g->is_clipped_low || has_zero;
    free(z);
    return EXIT_OK;
}

static void pm_csv(FILE *f, void *ctx)
{
    const pm_fig *g = ctx;
    fprintf(f, "model,label,layer,row,col,mu2_plus_sigma2\n");
    for (size_t i = 0; i < g->n; i++) {
        const pm_panel *p = &g->p[i];
        for (size_t r = 0; r < p->n_in; r++)
            for (size_t j = 0; j < p->n_out; j++) {
                plot_csv_field(f, p->path);
                fputc(',', f);
                plot_csv_field(f, p->label);
                fprintf(f, ",%zu,%zu,%zu,%.9g\n", p->layer, r, j, p->val[r * p->n_out + j]);
            }
    }
}

static void pm_draw(void *ctx)
{
    pm_fig *g = ctx;
    plot_viridis();
    size_t n_rows = (g->n + g->n_cols - 1) / g->n_cols;
    /* The colour bar takes the right margin of the page. */
    double reserve = fmin(0.25, 120.0 / (60.0 + 380.0 * (double)g->n_cols));
    for (size_t i = 0; i < g->n; i++) {
        pm_panel *p = &g->p[i];
        plot_panel(i, g->n_cols, n_rows, reserve);
        /* plimagefr wants idata[x][y]: x = column j, y = row r; the window puts row 0 on top. */
        PLFLT **z = malloc(p->n_out * sizeof *z);
        PLFLT *cells = malloc(p->n_out * p->n_in * sizeof *cells);
        if (!z || !cells) {
            free(z);
            free(cells);
            return;
        }
        for (size_t j = 0; j < p->n_out; j++) {
            z[j] = cells + j * p->n_in;
            for (size_t r = 0; r < p->n_in; r++) {
                double v = pm_z(g, p->val[r * p->n_out + j]);
                z[j][r] = isfinite(v) ? fmin(fmax(v, g->zmin), g->zmax) : g->zmin;
            }
        }
        plwind(0.0, (double)p->n_out, (double)p->n_in, 0.0);
        plimagefr((const PLFLT *const *)z, (PLINT)p->n_out, (PLINT)p->n_in, 0.0, (double)p->n_out,
                  0.0, (double)p->n_in, g->zmin, g->zmax, g->zmin, g->zmax, NULL, NULL);
        free(z);
        free(cells);
        plcol0(PLOT_INK);
        plbox("bcnst", 0.0, 0, "bcnstv", 0.0, 0);
        pllab("output unit j", "input unit r (row)", p->label);
        char info[200];
        snprintf(info, sizeof info, "%s%s%s, weight layer %zu (%zu×%zu)", base_name(p->path),
                 p->detail[0] ? ", " : "", p->detail, p->layer, p->n_in, p->n_out);
        PLFLT def, ht;
        plgchr(&def, &ht);
        plschr(0.0, 0.75 * ht / def);
        plmtex("t", 0.9, 0.5, 0.5, info);
        plschr(0.0, ht / def);
        if (i == g->n - 1)
            plot_colorbar(g->zmin, g->zmax,
                          g->is_linear ? "μ² + σ²  (w² for MC)"
                                       : "log₁₀(μ² + σ²)  (w² for MC)",
                          g->is_clipped_low, g->is_clipped_high);
    }
}

static int fig_posterior(int argc, char **argv)
{
    const char *cmd = "plot posterior";
    const char *synopsis = "-m MODEL [-m MODEL | MODEL]... [options]";
    fig_out o = {"posterior.png", NULL, 0, 0, false, false};
    const char *labels_s = NULL;
    size_t layer = 0, n_cols = 0;
    bool linear = false;
    double clip = 0.5;
    cli_opt t[MAX_OPTS] = {
        {"model", 'm', OPT_STR, NULL, 0, 0, "FILE",
         "a model file; repeat, or list more files after it", "figure", false},
        {"layer", 0, OPT_SIZE, &layer, 0, 100000, "L",
         "weight layer to draw (0-based; default: the first residual block, else layer 1)", NULL,
         false},
        {"labels", 0, OPT_STR, &labels_s, 0, 0, "L1;L2",
         "panel titles, one per model (default: method, prior or noise)", NULL, false},
        {"linear", 0, OPT_FLAG, &linear, 0, 0, NULL, "linear colour scale (default: log10)",
         NULL, false},
        {"columns", 0, OPT_SIZE, &n_cols, 0, MAX_FILES, "C", "panels per row (0: all in one)",
         NULL, false},
        {"clip", 0, OPT_DOUBLE, &clip, 0, 49, "PCT",
         "colour range from the PCT to the 100-PCT percentile of all panels' values (0: min to "
         "max)", NULL, false},
    };
    /* --model is collected by parse_with_files; its entry here is for --help only. */
    const char *dummy = NULL;
    t[0].target = &dummy;
    out_table(&o, t, 6);
    const char *files[MAX_FILES];
    size_t n_files;
    int rc = parse_with_files(cmd, t + 1, t, argc, argv, synopsis, "model", 'm', files,
                              &n_files);
    if (rc)
        return rc == 1 ? EXIT_OK : rc;
    if (n_files == 0) {
        fprintf(stderr, "shrinknet %s: no model given (-m FILE)\ntry 'shrinknet %s --help'\n",
                cmd, cmd);
        return EXIT_USAGE;
    }
    if ((rc = check_out(cmd, &o)) != 0)
        return rc;
    bool layer_given = cli_find(t + 1, "layer")->seen;
    const char *labels[MAX_FILES];
    size_t n_labels = 0;
    char *label_buf = split_labels(labels_s, labels, MAX_FILES, &n_labels);
    if (labels_s && n_labels != n_files) {
        fprintf(stderr, "shrinknet %s: --labels: expected %zu labels separated by ';', found "
                        "%zu\ntry 'shrinknet %s --help'\n", cmd, n_files, n_labels, cmd);
        free(label_buf);
        return EXIT_USAGE;
    }
    pm_fig g = {calloc(n_files, sizeof(pm_panel)), n_files, 0, linear, INFINITY, -INFINITY,
                false, false};
    g.n_cols = n_cols ? (n_cols < n_files ? n_cols : n_files) : n_files;
    sn_error e = {0};
    rc = EXIT_OK;
    if (!g.p) {
        fprintf(stderr, "shrinknet %s: out of memory\n", cmd);
        free(label_buf);
        return EXIT_INTERNAL;
    }
    for (size_t i = 0; i < n_files && rc == EXIT_OK; i++) {
        pm_panel *p = &g.p[i];
        p->path = files[i];
        sn_model *m = NULL;
        if (sn_model_load(files[i], &m, &e) != SN_OK) {
            rc = cli_fail(cmd, &e);
            break;
        }
        p->layer = layer_given ? layer : pm_auto_layer(m);
        sn_layer_view v;
        if (sn_model_layer(m, p->layer, &v, &e) != SN_OK) {
            fprintf(stderr, "shrinknet %s: %s: %s\n", cmd, files[i], e.msg);
            rc = EXIT_USAGE;
        } else if (!(p->val = malloc(v.n_in * v.n_out * sizeof *p->val))) {
            fprintf(stderr, "shrinknet %s: out of memory\n", cmd);
            rc = EXIT_INTERNAL;
        } else if (sn_model_weight_moments(m, p->layer, p->val, &e) != SN_OK) {
            rc = cli_fail(cmd, &e);
        } else {
            p->n_in = v.n_in;
            p->n_out = v.n_out;
            pm_default_label(m, p);
            if (labels_s)
                snprintf(p->label, sizeof p->label, "%s", labels[i]);
        }
        sn_model_free(m);
    }
    if (rc == EXIT_OK && (rc = pm_range(&g, clip)) != EXIT_OK)
        fprintf(stderr, "shrinknet %s: out of memory\n", cmd);
    if (rc == EXIT_OK) {
        if (!isfinite(g.zmin)) {
            g.zmin = linear ? 0.0 : -1.0;
            g.zmax = linear ? 1.0 : 0.0;
        }
        if (g.zmax <= g.zmin)
            g.zmax = g.zmin + (linear ? fmax(1e-12, fabs(g.zmin)) : 1.0);
        size_t n_rows = (n_files + g.n_cols - 1) / g.n_cols;
        size_t w = o.width ? o.width : 60 + 380 * g.n_cols + 120;
        size_t h = o.height ? o.height : 420 * n_rows + 20;
        rc = emit(cmd, &o, w, h, pm_draw, pm_csv, &g);
    }
    for (size_t i = 0; i < n_files; i++)
        free(g.p[i].val);
    free(g.p);
    free(label_buf);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Dispatch                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *what;
} figures[] = {
    {"iw-weights", fig_iw_weights,
     "Figure 1(a): histograms of normalised sample weights (train --record-weights)"},
    {"scale-update", fig_scale_update,
     "Figure 1(b): optimal prior variance v* against M = mu^2 + sigma^2 per hyper-prior"},
    {"posterior", fig_posterior,
     "Figure 2: heat maps of mu^2 + sigma^2 (w^2) of hidden-to-hidden weights per model"},
};

static void plot_usage(FILE *f)
{
    fprintf(f, "usage: shrinknet plot FIGURE [options]   (shrinknet plot FIGURE --help)\n\n"
               "The paper's figures from our own runs, as PNG or SVG (by the file's extension)\n"
               "with the numbers in a CSV file next to it.\n\nfigures:\n");
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++)
        fprintf(f, "  %-13s %s\n", figures[i].name, figures[i].what);
}

int cmd_plot(int argc, char **argv)
{
    if (argc < 1) {
        plot_usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        plot_usage(stdout);
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++)
        if (strcmp(argv[0], figures[i].name) == 0)
            return figures[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "shrinknet plot: unknown figure '%s'\n", argv[0]);
    plot_usage(stderr);
    return EXIT_USAGE;
}
