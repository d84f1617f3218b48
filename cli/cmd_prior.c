/*
 * cmd_prior.c — `shrinknet prior`: the prior a multiplicative noise implies on a weight (paper
 * Table 1, MATH.md §2), verified by sampling.
 *
 *   shrinknet prior --noise SPEC [--sigma0 S] [--noise-raw] [--against SPEC] [--plot FILE]
 *   shrinknet prior --table [--plot FILE]
 *
 * For w = xi z with z ~ N(0, sigma0^2) the marginal prior is the scale mixture (7). The command
 * names the law of xi^2 and of w (sn_prior_describe), then draws n weights w = xi z and compares
 * their empirical CDF with the CDF of the claimed marginal (sn_prior_ks: Kolmogorov–Smirnov
 * distance and asymptotic p-value). --against compares the same draws with the prior of another
 * noise, which a working check must reject. --table does this for every row of the paper's
 * Table 1 and the two families it leaves out (Beta, Uniform). --plot draws the density against a
 * histogram of the very draws that were tested.
 *
 * The verdict is printed; the exit code is 0 whenever the check could be computed (a rejected
 * pairing is an answer, not an error).
 */
#include "cmds.h"
#include "plot.h"

#include <math.h>
#include <plplot.h>
#include <stdlib.h>
#include <string.h>

static const char *SYNOPSIS = "--noise SPEC [options]  |  --table [options]";

/* ------------------------------------------------------------------------------------------ */
/* The paper's Table 1, with the two families it leaves out                                    */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    const char *spec;      /* the noise checked (mean one unless the family cannot be) */
    const char *model;     /* paper's "Noise Model" */
    const char *var_prior; /* paper's "Variance Prior p(xi^2)" (or ours, marked) */
    const char *marginal;  /* paper's "Marginal Prior p(w)" (or ours, marked) */
    const char *title;     /* the figure's panel title */
} table_row;

/* Parameters: keep 0.5 and Gaussian alpha = p/(1-p) = 1 have the same variance; Rayleigh and
 * inverse-Nakagami take the mean-one scale; half-Cauchy has no mean and stays raw. */
static const table_row TABLE1[] = {
    {"bernoulli:0.5", "Bernoulli", "Bernoulli", "spike-and-slab", "Bernoulli → spike-and-slab"},
    {"gaussian:1", "Gaussian", "scaled nc chi^2 (a)", "Poisson mix of VG (a)",
     "Gaussian → Poisson mix of VG"},
    {"rayleigh", "Rayleigh", "Exponential", "Laplace", "Rayleigh → Laplace"},
    {"invnakagami:2", "inverse Nakagami", "inverse-gamma", "Student-t",
     "inverse Nakagami → Student-t"},
    {"halfcauchy:1", "half-Cauchy", "beta-prime (b)", "horseshoe", "half-Cauchy → horseshoe"},
    {"beta:2,2", "Beta (c)", "squared Beta", "quadrature of (7)", "Beta → scale mixture (7)"},
    {"uniform:0,1", "Uniform (c)", "p(v) ~ 1/sqrt(v)", "E1 difference (16)",
     "Uniform → E1 difference (16)"},
};
#define N_TABLE1 (sizeof TABLE1 / sizeof TABLE1[0])

static const char *TABLE1_NOTES =
    "(a) the paper: chi^2 and generalised hyperbolic, exact for zero-mean Gaussian noise only;\n"
    "    for the mean-one noise of Gaussian dropout xi^2 is a scaled noncentral chi^2 and p(w) a\n"
    "    Poisson mixture of variance-gamma laws (GH with lambda = k + 1/2, delta = 0),\n"
    "    MATH.md §2.\n"
    "(b) the paper: \"unnamed\"; it is eta^2 BetaPrime(1/2, 1/2).\n"
    "(c) not in the paper's table (no closed-form marginal).\n";

/* ------------------------------------------------------------------------------------------ */
/* One check                                                                                   */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    const char *label;       /* the noise as the user (or the table) spelled it */
    const char *against_label;
    char spec[128];          /* the noise as drawn, sn_noise_format */
    char against_spec[128];  /* the prior tested against */
    char var_law[256], marginal[256], against_marginal[256];
    sn_noise nz, target;
    bool has_against;
    double ks_d, ks_p;
    bool pass;
} check;

/* Parse spec into nz (raw: no mean-one scaling); 0 or prints and returns the usage code. */
static int parse_noise(const char *option, const char *spec, bool raw, sn_noise *nz)
{
    sn_error e = {0};
    if (sn_noise_parse(spec, nz, &e) != SN_OK) {
        fprintf(stderr, "shrinknet prior: %s: %s\ntry 'shrinknet prior --help'\n", option, e.msg);
        return EXIT_USAGE;
    }
    if (raw)
        nz->mean_one = false;
    if (nz->family == SN_NOISE_NONE) {
        fprintf(stderr, "shrinknet prior: %s: \"none\" is no noise: the prior is N(0, sigma0^2)"
                        "\ntry 'shrinknet prior --help'\n", option);
        return EXIT_USAGE;
    }
    return 0;
}

/* Describe, then run the KS test of c->nz's draws against c->target's prior. */
static sn_status run_check(check *c, double sigma0, size_t n, uint64_t seed, double level,
                           sn_error *err)
{
    sn_noise_format(&c->nz, c->spec, sizeof c->spec);
    sn_noise_format(&c->target, c->against_spec, sizeof c->against_spec);
    sn_status st = sn_prior_describe(&c->nz, sigma0, c->var_law, sizeof c->var_law, c->marginal,
                                     sizeof c->marginal, err);
    if (st == SN_OK)
        st = sn_prior_describe(&c->target, sigma0, NULL, 0, c->against_marginal,
                               sizeof c->against_marginal, err);
    if (st == SN_OK)
        st = sn_prior_ks(&c->nz, &c->target, sigma0, n, seed, &c->ks_d, &c->ks_p, err);
    c->pass = st == SN_OK && c->ks_p >= level;
    return st;
}

/* ------------------------------------------------------------------------------------------ */
/* Pictures: the density against a histogram of the draws                                     */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    const check *c;
    const char *title;
    size_t n_bins, n_curve;
    double range;               /* the histogram covers [-range, range] */
    double *edges;              /* [n_bins + 1] */
    double *draws_density;      /* [n_bins] density of the nonzero draws (count / (n width)) */
    double *prior_density;      /* [n_bins] (F(right) - F(left) - atom in bin) / width */
    double *cx, *cy, *cy_against; /* [n_curve] the density curves */
    double atom_prior, atom_draws; /* mass at w = 0 (Bernoulli); 0 otherwise */
} panel;

typedef struct {
    panel *p;
    size_t n;
} prior_fig;

static void panel_free(panel *p)
{
    free(p->edges);
    free(p->draws_density);
    free(p->prior_density);
    free(p->cx);
    free(p->cy);
    free(p->cy_against);
}

static int cmp_abs(const void *a, const void *b)
{
    double x = fabs(*(const double *)a), y = fabs(*(const double *)b);
    return (x > y) - (x < y);
}

/* The probability of the atom at 0 of the prior of nz (Bernoulli: 1 - pi). */
static double atom_of(const sn_noise *nz)
{
    return nz->family == SN_NOISE_BERNOULLI ? 1.0 - nz->p[0] : 0.0;
}

/*
 * Fill p for check c: the n draws w_i = xi_i z_i exactly as sn_prior_ks makes them (stream 0 of
 * seed: all xi first, then the z), a histogram on [-R, R] with R = range or, when 0, the 98th
 * percentile of |w| among the nonzero draws, the prior's mass per bin from its CDF, and the
 * density on a grid of n_curve points (even, so that the singular w = 0 is never evaluated).
 */
static sn_status panel_build(panel *p, const check *c, double sigma0, size_t n, uint64_t seed,
                             size_t n_bins, double range, sn_error *err)
{
    memset(p, 0, sizeof *p);
    p->c = c;
    p->n_bins = n_bins;
    p->n_curve = 400;
    sn_status st = SN_OK;
    double *w = malloc(n * sizeof *w);
    sn_rng *rng = sn_rng_new(seed, 0);
    p->edges = malloc((n_bins + 1) * sizeof *p->edges);
    p->draws_density = calloc(n_bins, sizeof *p->draws_density);
    p->prior_density = malloc(n_bins * sizeof *p->prior_density);
    p->cx = malloc(p->n_curve * sizeof *p->cx);
    p->cy = malloc(p->n_curve * sizeof *p->cy);
    p->cy_against = malloc(p->n_curve * sizeof *p->cy_against);
    if (!w || !rng || !p->edges || !p->draws_density || !p->prior_density || !p->cx || !p->cy ||
        !p->cy_against) {
        st = sn_fail(err, SN_ENOMEM, "out of memory for %zu draws", n);
        goto done;
    }
    sn_noise_sample(&c->nz, rng, w, n);
    for (size_t i = 0; i < n; i++)
        w[i] *= sigma0 * sn_rng_normal(rng);

    /* Exact zeros are the atom (only Bernoulli noise has one); the rest is the continuous part. */
    double atom = atom_of(&c->nz);
    size_t n_zero = 0;
    if (atom > 0.0)
        for (size_t i = 0; i < n; i++)
            n_zero += w[i] == 0.0;
    p->atom_prior = atom;
    p->atom_draws = (double)n_zero / (double)n;
    if (range > 0.0) {
        p->range = range;
    } else {
        qsort(w, n, sizeof *w, cmp_abs);
        size_t n_nz = n - n_zero;
        size_t k = n_zero + (size_t)(0.98 * (double)(n_nz ? n_nz - 1 : 0));
        p->range = fabs(w[k < n ? k : n - 1]);
        if (!(p->range > 0.0) || !isfinite(p->range))
            p->range = sigma0;
    }
    double R = p->range, width = 2.0 * R / (double)n_bins;
    for (size_t b = 0; b <= n_bins; b++)
        p->edges[b] = -R + width * (double)b;
    for (size_t i = 0; i < n; i++) {
        if (atom > 0.0 && w[i] == 0.0)
            continue;
        double x = (w[i] + R) / width;
        if (!(x >= 0.0) || x >= (double)n_bins)
            continue; /* beyond the histogram: the KS test saw it, the picture does not */
        p->draws_density[(size_t)x] += 1.0 / ((double)n * width);
    }
    /* The prior's mass per bin, without the atom, as a density. */
    double F_prev;
    if ((st = sn_prior_cdf(&c->nz, sigma0, p->edges[0], &F_prev, err)) != SN_OK)
        goto done;
    for (size_t b = 0; b < n_bins; b++) {
        double F;
        if ((st = sn_prior_cdf(&c->nz, sigma0, p->edges[b + 1], &F, err)) != SN_OK)
            goto done;
        double mass = F - F_prev;
        if (p->edges[b] < 0.0 && p->edges[b + 1] >= 0.0)
            mass -= atom;
        p->prior_density[b] = fmax(mass, 0.0) / width;
        F_prev = F;
    }
    for (size_t i = 0; i < p->n_curve; i++) {
        p->cx[i] = -R + 2.0 * R * (double)i / (double)(p->n_curve - 1);
        if ((st = sn_prior_pdf(&c->nz, sigma0, p->cx[i], &p->cy[i], err)) != SN_OK)
            goto done;
        p->cy_against[i] = NAN;
        if (c->has_against &&
            (st = sn_prior_pdf(&c->target, sigma0, p->cx[i], &p->cy_against[i], err)) != SN_OK)
            goto done;
    }
done:
    free(w);
    sn_rng_free(rng);
    if (st != SN_OK)
        panel_free(p);
    return st;
}

static void prior_csv(FILE *f, void *ctx)
{
    const prior_fig *g = ctx;
    /* kind "bin": densities over [left, right); kind "atom": probabilities of w = 0. */
    fprintf(f, "noise,kind,left,right,draws,prior\n");
    for (size_t i = 0; i < g->n; i++) {
        const panel *p = &g->p[i];
        for (size_t b = 0; b < p->n_bins; b++) {
            plot_csv_field(f, p->c->spec);
            fprintf(f, ",bin,%.17g,%.17g,%.17g,%.17g\n", p->edges[b], p->edges[b + 1],
                    p->draws_density[b], p->prior_density[b]);
        }
        if (p->atom_prior > 0.0) {
            plot_csv_field(f, p->c->spec);
            fprintf(f, ",atom,0,0,%.17g,%.17g\n", p->atom_draws, p->atom_prior);
        }
    }
}

static void panel_draw(const panel *p, size_t i, size_t n_cols, size_t n_rows, bool legend)
{
    const check *c = p->c;
    double ymax = 0.0;
    for (size_t b = 0; b < p->n_bins; b++)
        ymax = fmax(ymax, fmax(p->draws_density[b], p->prior_density[b]));
    ymax = ymax > 0.0 ? 1.15 * ymax : 1.0;
    plot_panel(i, n_cols, n_rows, 0.0);
    char title[300];
    snprintf(title, sizeof title, "%s", p->title ? p->title : c->marginal);
    plot_axes(-p->range, p->range, 0.0, ymax, false, "weight w", "density", title);
    plot_bars(p->edges, p->draws_density, p->n_bins, 0.0, PLOT_SKY, 0.45);
    plot_line(p->cx, p->cy, p->n_curve, PLOT_BLUE, 2.0, 1);
    if (c->has_against)
        plot_line(p->cx, p->cy_against, p->n_curve, PLOT_VERMILLION, 2.0, 2);
    PLFLT def, ht;
    plgchr(&def, &ht);
    plschr(0.0, 0.75 * ht / def);
    char info[200];
    if (c->has_against)
        snprintf(info, sizeof info, "draws with %s against the prior of %s: KS D = %.4f, "
                 "p = %.3g, %s", c->label, c->against_label, c->ks_d, c->ks_p,
                 c->pass ? "not rejected" : "rejected");
    else
        snprintf(info, sizeof info, "%s: KS D = %.4f, p = %.3g, %s", c->label, c->ks_d, c->ks_p,
                 c->pass ? "pass" : "rejected");
    plcol0(PLOT_INK);
    plmtex("t", 0.9, 0.5, 0.5, info);
    if (p->atom_prior > 0.0) {
        plot_vline(0.0, 0.0, 0.9 * ymax, PLOT_VERMILLION, 3.0, 1);
        char atom[96];
        snprintf(atom, sizeof atom, "atom at 0: %.3g (draws %.3g)", p->atom_prior,
                 p->atom_draws);
        plcol0(PLOT_VERMILLION);
        plmtex("t", -1.5, 0.03, 0.0, atom);
    }
    plschr(0.0, ht / def);
    if (legend) {
        const char *text[3] = {"draws of w = ξ z", "implied prior p(w)", NULL};
        int col[3] = {PLOT_SKY, PLOT_BLUE, PLOT_VERMILLION}, sty[3] = {1, 1, 2};
        bool box[3] = {true, false, false};
        char against[200];
        size_t n = 2;
        if (c->has_against) {
            snprintf(against, sizeof against, "prior of %s", c->against_label);
            text[2] = against;
            n = 3;
        }
        plot_legend(n, text, col, sty, box, PL_POSITION_TOP | PL_POSITION_RIGHT);
    }
}

static void prior_draw(void *ctx)
{
    prior_fig *g = ctx;
    size_t n_cols = g->n == 1 ? 1 : (g->n <= 4 ? 2 : 4);
    size_t n_rows = (g->n + n_cols - 1) / n_cols;
    for (size_t i = 0; i < g->n; i++)
        panel_draw(&g->p[i], i, n_cols, n_rows, g->n == 1 || g->p[i].c->has_against);
}

/* ------------------------------------------------------------------------------------------ */
/* The command                                                                                 */
/* ------------------------------------------------------------------------------------------ */

int cmd_prior(int argc, char **argv)
{
    const char *noise_spec = NULL, *against_spec = NULL, *plot_path = NULL, *csv_path = NULL;
    double sigma0 = 1.0, level = 1e-3, range = 0.0;
    size_t n = 100000, n_bins = 80, width = 0, height = 0;
    uint64_t seed = 1;
    bool raw = false, table = false, quiet = false, no_csv = false;
    cli_opt opts[] = {
        {"noise", 0, OPT_STR, &noise_spec, 0, 0, "SPEC",
         "bernoulli:KEEP gaussian:ALPHA rayleigh[:S] invnakagami:M[,OMEGA] halfcauchy:ETA "
         "beta:A,B uniform:LO,HI", "noise and prior", false},
        {"noise-raw", 0, OPT_FLAG, &raw, 0, 0, NULL,
         "do not scale the noise to mean one (half-Cauchy never is)", NULL, false},
        {"sigma0", 0, OPT_DOUBLE, &sigma0, 1e-300, 1e300, "S", "std of the base weight z", NULL,
         false},
        {"table", 0, OPT_FLAG, &table, 0, 0, NULL,
         "the paper's Table 1 (and Beta, Uniform), every row checked", NULL, false},
        {"against", 0, OPT_STR, &against_spec, 0, 0, "SPEC",
         "test the draws against the prior of this noise instead (a wrong pairing is rejected)",
         "check", false},
        {"draws", 'n', OPT_SIZE, &n, 100, 1e8, "N", "draws of w = xi z", NULL, false},
        {"seed", 0, OPT_U64, &seed, 0, 1.8e19, "N", "random seed", NULL, false},
        {"significance", 0, OPT_DOUBLE, &level, 1e-300, 0.5, "A",
         "reject when the KS p-value is below A (per row)", NULL, false},
        {"plot", 0, OPT_STR, &plot_path, 0, 0, "FILE",
         "draw the density against a histogram of the draws (.png or .svg; numbers in .csv)",
         "output", false},
        {"width", 0, OPT_SIZE, &width, 0, PLOT_MAX_SIZE, "PX", "figure width; 0 = automatic", NULL,
         false},
        {"height", 0, OPT_SIZE, &height, 0, PLOT_MAX_SIZE, "PX", "figure height; 0 = automatic",
         NULL, false},
        {"bins", 0, OPT_SIZE, &n_bins, 4, 100000, "N", "histogram bins", NULL, false},
        {"range", 0, OPT_DOUBLE, &range, 0, 1e300, "R",
         "histogram on [-R, R]; 0: the 98th percentile of |w|", NULL, false},
        {"csv", 0, OPT_STR, &csv_path, 0, 0, "FILE", "the figure's numbers (default: FILE.csv)",
         NULL, false},
        {"no-csv", 0, OPT_FLAG, &no_csv, 0, 0, NULL, "no CSV file next to the figure", NULL, false},
        {"quiet", 'q', OPT_FLAG, &quiet, 0, 0, NULL, "do not name the files written", NULL, false},
        {NULL, 0, OPT_FLAG, NULL, 0, 0, NULL, NULL, NULL, false},
    };
    int rc = cli_parse("prior", opts, argc, argv, SYNOPSIS);
    if (rc)
        return rc == 1 ? EXIT_OK : rc;
#define USAGE(...)                                                                              \
    do {                                                                                        \
        fprintf(stderr, "shrinknet prior: ");                                                   \
        fprintf(stderr, __VA_ARGS__);                                                           \
        fprintf(stderr, "\ntry 'shrinknet prior --help'\n");                                    \
        return EXIT_USAGE;                                                                      \
    } while (0)
    if (table && (noise_spec || against_spec))
        USAGE("--table checks its own rows; give it without --noise and --against");
    if (!table && !noise_spec)
        USAGE("give --noise SPEC (or --table)");
    if (!plot_path && (cli_find(opts, "width")->seen || cli_find(opts, "height")->seen ||
                       csv_path || no_csv || cli_find(opts, "bins")->seen ||
                       cli_find(opts, "range")->seen))
        USAGE("--width, --height, --bins, --range, --csv and --no-csv go with --plot FILE");
    if (csv_path && no_csv)
        USAGE("--csv and --no-csv contradict each other");
    if ((width && width < PLOT_MIN_SIZE) || (height && height < PLOT_MIN_SIZE))
        USAGE("--width and --height: at least %d pixels", PLOT_MIN_SIZE);
    sn_error e = {0};
    if (plot_path && plot_check_path("--plot", plot_path, &e) != SN_OK)
        USAGE("%s", e.msg);
#undef USAGE
    /* Check the figure's folder before printing anything. */
    if (plot_path) {
        sn_file_out probe;
        if (sn_file_out_open(&probe, plot_path, &e) != SN_OK)
            return cli_fail("prior", &e);
        sn_file_out_abort(&probe);
    }

    size_t n_checks = table ? N_TABLE1 : 1;
    check checks[N_TABLE1];
    memset(checks, 0, sizeof checks);
    for (size_t i = 0; i < n_checks; i++) {
        check *c = &checks[i];
        c->label = table ? TABLE1[i].spec : noise_spec;
        if (table) {
            if ((rc = parse_noise("table", TABLE1[i].spec, raw, &c->nz)) != 0)
                return rc;
            c->target = c->nz;
            continue;
        }
        if ((rc = parse_noise("--noise", noise_spec, raw, &c->nz)) != 0)
            return rc;
        c->target = c->nz;
        if (against_spec) {
            if ((rc = parse_noise("--against", against_spec, raw, &c->target)) != 0)
                return rc;
            c->has_against = true;
            c->against_label = against_spec;
        }
    }
    for (size_t i = 0; i < n_checks; i++)
        if (run_check(&checks[i], sigma0, n, seed, level, &e) != SN_OK) {
            fprintf(stderr, "shrinknet prior: %s: %s\n", table ? TABLE1[i].spec : noise_spec,
                    e.msg);
            return cli_exit_code(e.code);
        }

    /* Results. */
    if (table) {
        size_t n_pass = 0;
        printf("Table 1 of the paper (noise -> prior on the variance xi^2 -> marginal prior "
               "on w),\neach row checked: n = %zu draws of w = xi z, z ~ N(0, sigma0^2), "
               "sigma0 = %g, seed %llu,\nagainst the CDF of the marginal prior "
               "(Kolmogorov-Smirnov test, significance %g per row,\n%.2g for the whole table "
               "by Bonferroni).\n\n", n, sigma0, (unsigned long long)seed, level,
               fmin(1.0, level * (double)N_TABLE1));
        printf("%-18s %-21s %-22s %-9s %-9s %s\n", "noise model", "variance prior",
               "marginal prior", "KS D", "p-value", "check");
        printf("%-18s %-21s %-22s %-9s %-9s %s\n", "-----------", "--------------",
               "--------------", "----", "-------", "-----");
        for (size_t i = 0; i < N_TABLE1; i++) {
            const check *c = &checks[i];
            printf("%-18s %-21s %-22s %-9.5f %-9.3g %s\n", TABLE1[i].model, TABLE1[i].var_prior,
                   TABLE1[i].marginal, c->ks_d, c->ks_p, c->pass ? "pass" : "FAIL");
            n_pass += c->pass;
        }
        printf("\nwith parameters (noise as drawn, scaled to mean one except half-Cauchy):\n");
        for (size_t i = 0; i < N_TABLE1; i++) {
            const check *c = &checks[i];
            printf("  %-16s xi^2 ~ %s\n  %-16s w ~ %s\n", TABLE1[i].spec, c->var_law, "",
                   c->marginal);
        }
        printf("\n%s\n%s\n", TABLE1_NOTES, n_pass == N_TABLE1
                                               ? "all rows verified"
                                               : "SOME ROWS FAILED: the draws do not follow the "
                                                 "prior claimed for them");
        if (n_pass != N_TABLE1)
            printf("(%zu of %zu rows verified)\n", n_pass, N_TABLE1);
    } else {
        const check *c = &checks[0];
        printf("noise           %s%s\n", c->spec,
               c->nz.mean_one ? " (scaled to mean one)" : " (raw, not rescaled)");
        printf("sigma0          %g  (w = xi z, z ~ N(0, sigma0^2))\n", sigma0);
        printf("prior on xi^2   %s\n", c->var_law);
        printf("prior on w      %s\n", c->marginal);
        if (c->has_against)
            printf("tested against  %s%s: %s\n", c->against_spec,
                   c->target.mean_one ? " (scaled to mean one)" : "", c->against_marginal);
        printf("check           n = %zu draws (seed %llu), Kolmogorov-Smirnov against the CDF of "
               "%s:\n                D = %.5f, p = %.3g: %s at significance %g\n", n,
               (unsigned long long)seed, c->has_against ? "that prior" : "the prior on w",
               c->ks_d, c->ks_p, c->pass ? "consistent" : "rejected", level);
        if (c->has_against && c->pass)
            printf("                (not distinguished with %zu draws: try more)\n", n);
    }
    fflush(stdout);

    if (!plot_path)
        return EXIT_OK;
    prior_fig g = {NULL, n_checks};
    panel panels[N_TABLE1];
    size_t n_built = 0;
    g.p = panels;
    for (; n_built < n_checks; n_built++) {
        if (panel_build(&panels[n_built], &checks[n_built], sigma0, n, seed, n_bins, range, &e) !=
            SN_OK) {
            rc = cli_fail("prior", &e);
            goto done;
        }
        if (table) {
            panels[n_built].title = TABLE1[n_built].title;
        }
    }
    char *csv = NULL;
    if (!no_csv && !(csv = csv_path ? strdup(csv_path) : plot_csv_path(plot_path))) {
        fprintf(stderr, "shrinknet prior: out of memory\n");
        rc = EXIT_INTERNAL;
        goto done;
    }
    size_t n_cols = n_checks == 1 ? 1 : (n_checks <= 4 ? 2 : 4);
    size_t n_rows = (n_checks + n_cols - 1) / n_cols;
    size_t w = width ? width : (n_checks == 1 ? 800 : 480 * n_cols);
    size_t h = height ? height : (n_checks == 1 ? 600 : 400 * n_rows);
    if (plot_write(plot_path, csv, w, h, prior_draw, prior_csv, &g, &e) != SN_OK)
        rc = cli_fail("prior", &e);
    else if (!quiet)
        fprintf(stderr, "shrinknet prior: wrote %s%s%s\n", plot_path, csv ? " and " : "",
                csv ? csv : "");
    free(csv);
done:
    for (size_t i = 0; i < n_built; i++)
        panel_free(&panels[i]);
    return rc;
}
