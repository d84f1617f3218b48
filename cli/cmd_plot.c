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
 *
 * This file holds what the figures share (output options, file arguments, labels, writing) and
 * the dispatch; each figure is in plot_<figure>.c.
 */
#include "cmds.h"
#include "plot.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------ */
/* Shared: output options, file arguments, labels                                              */
/* ------------------------------------------------------------------------------------------ */

/* Appends the output options to t at index n; returns the new count. */
size_t fig_out_table(fig_out *o, cli_opt *t, size_t n)
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
int fig_parse_with_files(const char *cmd, cli_opt *table, const cli_opt *help_table, int argc,
                         char **argv, const char *synopsis, const char *file_opt, char file_short,
                         const char **files, size_t *n_files)
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
            if (*n_files >= FIG_MAX_FILES) {
                fprintf(stderr, "shrinknet %s: at most %d files\n", cmd, FIG_MAX_FILES);
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
                    if (*n_files >= FIG_MAX_FILES) {
                        fprintf(stderr, "shrinknet %s: at most %d files\n", cmd, FIG_MAX_FILES);
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
                if (*n_files >= FIG_MAX_FILES) {
                    fprintf(stderr, "shrinknet %s: at most %d files\n", cmd, FIG_MAX_FILES);
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
char *fig_split_labels(const char *s, const char **labels, size_t max, size_t *n)
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
int fig_emit(const char *cmd, const fig_out *o, size_t width, size_t height, void (*draw)(void *),
             void (*csv)(FILE *, void *), void *ctx)
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
int fig_check_out(const char *cmd, const fig_out *o)
{
    sn_error e = {0};
    if (plot_check_path("--output", o->output, &e) != SN_OK)
        goto usage;
    if ((o->width && o->width < PLOT_MIN_SIZE) || (o->height && o->height < PLOT_MIN_SIZE)) {
        sn_fail(&e, SN_EINVAL, "--width and --height: at least %d pixels", PLOT_MIN_SIZE);
        goto usage;
    }
    if (o->csv && o->no_csv) {
        sn_fail(&e, SN_EINVAL, "--csv and --no-csv contradict each other");
        goto usage;
    }
    return 0;
usage:
    fprintf(stderr, "shrinknet %s: %s\ntry 'shrinknet %s --help'\n", cmd, e.msg, cmd);
    return EXIT_USAGE;
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
    if (strcmp(argv[0], "--list-commands") == 0) {
        for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++)
            printf("%s\n", figures[i].name);
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++)
        if (strcmp(argv[0], figures[i].name) == 0)
            return figures[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "shrinknet plot: unknown figure '%s'\n", argv[0]);
    plot_usage(stderr);
    return EXIT_USAGE;
}
