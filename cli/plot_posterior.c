/*
 * plot_posterior.c — `shrinknet plot posterior -m MODEL...`: Figure 2, heat maps of
 * mu^2 + sigma^2 (w^2 for MC nets) of the hidden-to-hidden matrix of each model, on one shared
 * colour scale.
 */
#include "cmds.h"
#include "plot.h"

#include <math.h>
#include <plplot.h>
#include <stdlib.h>
#include <string.h>

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

int fig_posterior(int argc, char **argv)
{
    const char *cmd = "plot posterior";
    const char *synopsis = "-m MODEL [-m MODEL | MODEL]... [options]";
    fig_out o = {"posterior.png", NULL, 0, 0, false, false};
    const char *labels_s = NULL;
    size_t layer = 0, n_cols = 0;
    bool linear = false;
    double clip = 0.5;
    cli_opt t[FIG_MAX_OPTS] = {
        {"model", 'm', OPT_STR, NULL, 0, 0, "FILE",
         "a model file; repeat, or list more files after it", "figure", false},
        {"layer", 0, OPT_SIZE, &layer, 0, 100000, "L",
         "weight layer to draw (0-based; default: the first residual block, else layer 1)", NULL,
         false},
        {"labels", 0, OPT_STR, &labels_s, 0, 0, "L1;L2",
         "panel titles, one per model (default: method, prior or noise)", NULL, false},
        {"linear", 0, OPT_FLAG, &linear, 0, 0, NULL, "linear colour scale (default: log10)",
         NULL, false},
        {"columns", 0, OPT_SIZE, &n_cols, 0, FIG_MAX_FILES, "C", "panels per row (0: all in one)",
         NULL, false},
        {"clip", 0, OPT_DOUBLE, &clip, 0, 49, "PCT",
         "colour range from the PCT to the 100-PCT percentile of all panels' values (0: min to "
         "max)", NULL, false},
    };
    /* --model is collected by fig_parse_with_files; its entry here is for --help only. */
    const char *dummy = NULL;
    t[0].target = &dummy;
    fig_out_table(&o, t, 6);
    const char *files[FIG_MAX_FILES];
    size_t n_files;
    int rc = fig_parse_with_files(cmd, t + 1, t, argc, argv, synopsis, "model", 'm', files,
                                  &n_files);
    if (rc)
        return rc == 1 ? EXIT_OK : rc;
    if (n_files == 0) {
        fprintf(stderr, "shrinknet %s: no model given (-m FILE)\ntry 'shrinknet %s --help'\n",
                cmd, cmd);
        return EXIT_USAGE;
    }
    if ((rc = fig_check_out(cmd, &o)) != 0)
        return rc;
    bool layer_given = cli_find(t + 1, "layer")->seen;
    pm_fig g = {NULL, n_files, 0, linear, INFINITY, -INFINITY, false, false};
    const char *labels[FIG_MAX_FILES];
    size_t n_labels = 0;
    char *label_buf = fig_split_labels(labels_s, labels, FIG_MAX_FILES, &n_labels);
    if (labels_s && n_labels != n_files) {
        fprintf(stderr, "shrinknet %s: --labels: expected %zu labels separated by ';', found "
                        "%zu\ntry 'shrinknet %s --help'\n", cmd, n_files, n_labels, cmd);
        rc = EXIT_USAGE;
        goto done;
    }
    g.p = calloc(n_files, sizeof(pm_panel));
    g.n_cols = n_cols ? (n_cols < n_files ? n_cols : n_files) : n_files;
    sn_error e = {0};
    rc = EXIT_OK;
    if (!g.p) {
        fprintf(stderr, "shrinknet %s: out of memory\n", cmd);
        rc = EXIT_INTERNAL;
        goto done;
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
        rc = fig_emit(cmd, &o, w, h, pm_draw, pm_csv, &g);
    }
done:
    if (g.p)
        for (size_t i = 0; i < n_files; i++)
            free(g.p[i].val);
    free(g.p);
    free(label_buf);
    return rc;
}
