/*
 * plot_scale_update.c — `shrinknet plot scale-update`: Figure 1(b), the optimal prior variance v*
 * of the EM step against M = mu^2 + sigma^2 for several hyper-priors (sn_hyper_optimal_variance,
 * MATH.md (29)-(31), §6).
 */
#include "cmds.h"
#include "plot.h"

#include <math.h>
#include <plplot.h>
#include <stdlib.h>
#include <string.h>

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

int fig_scale_update(int argc, char **argv)
{
    const char *cmd = "plot scale-update";
    const char *synopsis = "[options]";
    fig_out o = {"scale-update.png", NULL, 0, 0, false, false};
    const char *list = NULL;
    const char *default_list = "invgamma:3,3;invgamma:1,1;invgamma:0.001,0.001;halfcauchy:0.5;"
                               "halfcauchy:1;halfcauchy:2;loguniform";
    double P = 1.0, m_max = 5.0;
    size_t n_points = 201;
    cli_opt t[FIG_MAX_OPTS] = {
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
    fig_out_table(&o, t, 4);
    int rc = cli_parse(cmd, t, argc, argv, synopsis);
    if (rc)
        return rc == 1 ? EXIT_OK : rc;
    if ((rc = fig_check_out(cmd, &o)) != 0)
        return rc;
    su_fig g;
    memset(&g, 0, sizeof g);
    g.P = P;
    g.m_max = m_max;
    g.n_points = n_points;
    const char *specs[MAX_HYPER];
    char *buf = fig_split_labels(list ? list : default_list, specs, MAX_HYPER, &g.n_h);
    if (!buf)
        goto nomem;
    for (size_t k = 0; k < g.n_h; k++) {
        sn_error e = {0};
        if (sn_hyperprior_parse(specs[k], &g.h[k], &e) != SN_OK) {
            fprintf(stderr, "shrinknet %s: --hyperpriors: %s\ntry 'shrinknet %s --help'\n", cmd,
                    e.msg, cmd);
            rc = EXIT_USAGE;
            goto done;
        }
        sn_hyperprior_format(&g.h[k], g.spec[k], sizeof g.spec[k]);
        hyper_long_name(&g.h[k], g.name[k], sizeof g.name[k]);
    }
    g.M = malloc(n_points * sizeof *g.M);
    g.v = malloc(g.n_h * n_points * sizeof *g.v);
    if (!g.M || !g.v)
        goto nomem;
    for (size_t i = 0; i < n_points; i++)
        g.M[i] = m_max * (double)i / (double)(n_points - 1);
    for (size_t k = 0; k < g.n_h; k++)
        for (size_t i = 0; i < n_points; i++)
            g.v[k * n_points + i] = sn_hyper_optimal_variance(&g.h[k], g.M[i], P);
    rc = fig_emit(cmd, &o, o.width ? o.width : 800, o.height ? o.height : 600, su_draw, su_csv,
                  &g);
done:
    free(buf);
    free(g.M);
    free(g.v);
    return rc;

nomem:
    fprintf(stderr, "shrinknet %s: out of memory\n", cmd);
    rc = EXIT_INTERNAL;
    goto done;
}
