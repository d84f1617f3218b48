/*
 * plot.c — figures with PLplot (see plot.h).
 *
 * PLplot is driven through its global stream. Two of its habits matter for a command-line tool:
 *   - an unknown device or a file it cannot open makes plinit *prompt on stdout and read stdin*;
 *     so the device is looked up in plgDevs first and the file is created here (mkstemp) before
 *     PLplot opens it, which leaves it nothing to ask;
 *   - a fatal error calls exit() after the exit handler; the handler installed here removes the
 *     temporary file first, so even then no partial figure is left behind.
 * Sizes: plspage takes the page in pixels for the PNG driver and in points for SVG.
 */
#include "plot.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <plplot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
/* Under `make sanitize`: fontconfig (loaded by cairo) and libltdl (PLplot's driver loader) keep
 * caches for the life of the process and never free them; LeakSanitizer reports those at exit.
 * They are not ours, so they are suppressed by library; leaks in our code are still reported. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\nleak:libltdl.so\n";
}
#endif

/* The page being drawn, for the exit handler and for margins in pixels. */
static plot_file *current;
static double page_w = 800.0, page_h = 600.0;

/* Text scale for a panel of w x h pixels: 1 for 800 x 600, growing and shrinking more slowly
 * than the panel (square root) so that small panels keep legible labels. */
static double text_scale(double w, double h)
{
    return fmax(0.5, fmin(2.5, 0.85 * sqrt(fmin(w / 800.0, h / 600.0))));
}

/* ------------------------------------------------------------------------------------------ */
/* Files                                                                                       */
/* ------------------------------------------------------------------------------------------ */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    if (n < k)
        return false;
    for (size_t i = 0; i < k; i++)
        if (tolower((unsigned char)s[n - k + i]) != suffix[i])
            return false;
    return true;
}

sn_status plot_check_path(const char *option, const char *path, sn_error *err)
{
    if (strcmp(path, "-") == 0)
        return sn_fail(err, SN_EINVAL, "%s: figures are written to a file, not to standard output",
                       option);
    if (!ends_with(path, ".png") && !ends_with(path, ".svg"))
        return sn_fail(err, SN_EINVAL, "%s: expected a file name ending in .png or .svg, found "
                                       "\"%s\"", option, path);
    return SN_OK;
}

char *plot_csv_path(const char *figure_path)
{
    size_t n = strlen(figure_path);
    if (ends_with(figure_path, ".png") || ends_with(figure_path, ".svg"))
        n -= 4;
    char *out = malloc(n + 5);
    if (out) {
        memcpy(out, figure_path, n);
        memcpy(out + n, ".csv", 5);
    }
    return out;
}

/* Whether PLplot has the device called name. */
static bool has_device(const char *name)
{
    enum { MAX_DEVICES = 128 };
    const char *menu[MAX_DEVICES], *devs[MAX_DEVICES];
    const char **pm = menu, **pd = devs;
    int n = MAX_DEVICES;
    plgDevs(&pm, &pd, &n);
    for (int i = 0; i < n && i < MAX_DEVICES; i++)
        if (pd[i] && strcmp(pd[i], name) == 0)
            return true;
    return false;
}

/* PLplot's exit handler: its message is printed by PLplot after this returns; we remove the
 * temporary file and ask for the input/output exit code. */
static int on_plplot_exit(const char *msg)
{
    (void)msg;
    if (current && current->out.tmp)
        remove(current->out.tmp);
    return EXIT_IO;
}

/* cmap0 as in plot.h. */
static void set_palette(void)
{
    static const int rgb[][3] = {
        {255, 255, 255}, /* background */
        {0, 0, 0},       /* ink */
        {0, 114, 178},   /* blue */
        {213, 94, 0},    /* vermillion */
        {0, 158, 115},   /* bluish green */
        {204, 121, 167}, /* reddish purple */
        {230, 159, 0},   /* orange */
        {86, 180, 233},  /* sky blue */
        {110, 110, 110}, /* grey */
        {240, 228, 66},  /* yellow */
        {225, 225, 225}, /* light grey */
    };
    size_t n = sizeof rgb / sizeof rgb[0];
    plscmap0n(16);
    for (size_t i = 0; i < n; i++)
        plscol0((PLINT)i, rgb[i][0], rgb[i][1], rgb[i][2]);
}

int plot_series_colour(size_t i)
{
    return PLOT_BLUE + (int)(i % PLOT_N_PALETTE);
}

sn_status plot_open(plot_file *pf, const char *path, size_t width, size_t height, sn_error *err)
{
    memset(pf, 0, sizeof *pf);
    sn_status st = plot_check_path("figure", path, err);
    if (st != SN_OK)
        return st;
    if (width < PLOT_MIN_SIZE || width > PLOT_MAX_SIZE || height < PLOT_MIN_SIZE ||
        height > PLOT_MAX_SIZE)
        return sn_fail(err, SN_EINVAL, "figure size %zux%zu outside [%d, %d]", width, height,
                       PLOT_MIN_SIZE, PLOT_MAX_SIZE);
    bool is_svg = ends_with(path, ".svg");
    const char *cands[2] = {is_svg ? "svgcairo" : "pngcairo", is_svg ? "svg" : "png"};
    for (size_t i = 0; i < 2 && !pf->device; i++)
        if (has_device(cands[i]))
            pf->device = cands[i];
    if (!pf->device)
        return sn_fail(err, SN_EUNSUPPORTED, "%s: PLplot has no %s driver here (install "
                       "plplot-driver-cairo)", path, is_svg ? "SVG" : "PNG");
    if ((st = sn_file_out_open(&pf->out, path, err)) != SN_OK)
        return st;
    if (!pf->out.tmp) {
        /* A device or FIFO: PLplot writes by name and cannot be given one safely. */
        sn_file_out_abort(&pf->out);
        return sn_fail(err, SN_EINVAL, "%s: a figure is written to a regular file", path);
    }
    /* PLplot opens the temporary file by its name itself. */
    fclose(pf->out.f);
    pf->out.f = NULL;

    current = pf;
    page_w = (double)width;
    page_h = (double)height;
    plsexit(on_plplot_exit);
    plsdev(pf->device);
    plsfnam(pf->out.tmp);
    plspage(0.0, 0.0, (PLINT)width, (PLINT)height, 0, 0);
    set_palette();
    plinit();
    pf->is_open = true;
    pladv(0);
    plschr(0.0, text_scale(page_w, page_h));
    plwidth(1.0);
    return SN_OK;
}

sn_status plot_commit(plot_file *pf, sn_error *err)
{
    if (pf->is_open) {
        plend();
        pf->is_open = false;
    }
    current = NULL;
    struct stat sb;
    if (stat(pf->out.tmp, &sb) != 0 || sb.st_size == 0) {
        sn_status st = sn_fail(err, SN_EIO, "%s: PLplot wrote nothing", pf->out.path);
        plot_abort(pf);
        return st;
    }
    sn_status st = sn_file_out_commit(&pf->out, err);
    memset(pf, 0, sizeof *pf);
    return st;
}

void plot_abort(plot_file *pf)
{
    if (pf->is_open)
        plend();
    if (current == pf)
        current = NULL;
    sn_file_out_abort(&pf->out);
    memset(pf, 0, sizeof *pf);
}

/* ------------------------------------------------------------------------------------------ */
/* Drawing                                                                                     */
/* ------------------------------------------------------------------------------------------ */

void plot_panel(size_t i, size_t n_cols, size_t n_rows, double right_reserve)
{
    double cw = (1.0 - right_reserve) / (double)n_cols, ch = 1.0 / (double)n_rows;
    plschr(0.0, text_scale(cw * page_w, ch * page_h));
    /* Margins in character heights: tick labels and the axis label on the left and bottom,
     * the title on top. plgchr gives the height in mm, plgspa the page in mm. */
    PLFLT def, ht, xmin, xmax, ymin, ymax;
    plgchr(&def, &ht);
    plgspa(&xmin, &xmax, &ymin, &ymax);
    double cx = ht / (xmax - xmin), cy = ht / (ymax - ymin);
    double left = 7.0 * cx, right = 3.5 * cx, bottom = 4.2 * cy, top = 3.8 * cy;
    size_t col = i % n_cols, row = i / n_cols;
    double x0 = (double)col * cw, y1 = 1.0 - (double)row * ch;
    plvpor(x0 + left, x0 + cw - right, y1 - ch + bottom, y1 - top);
}

void plot_axes(double xmin, double xmax, double ymin, double ymax, bool log_y, const char *xlabel,
               const char *ylabel, const char *title)
{
    plwind(xmin, xmax, ymin, ymax);
    plcol0(PLOT_INK);
    pllsty(1);
    plwidth(1.0);
    plbox("bcnst", 0.0, 0, log_y ? "bcnstlv" : "bcnstv", 0.0, 0);
    pllab(xlabel ? xlabel : "", ylabel ? ylabel : "", title ? title : "");
}

/* A translucent copy of palette colour c in cmap0 slot 15 (reserved for fills). */
static void fill_colour(int c, double alpha)
{
    PLINT r, g, b;
    PLFLT a;
    plgcol0a(c, &r, &g, &b, &a);
    plscol0a(15, r, g, b, alpha);
    plcol0(15);
}

void plot_bars(const double *edges, const double *heights, size_t n, double base, int colour,
               double alpha)
{
    for (size_t i = 0; i < n; i++) {
        double h = heights[i];
        if (!isfinite(h) || h <= base)
            continue;
        PLFLT x[4] = {edges[i], edges[i], edges[i + 1], edges[i + 1]};
        PLFLT y[4] = {base, h, h, base};
        fill_colour(colour, alpha);
        plfill(4, x, y);
    }
    /* The outline as one step line, so that adjacent bars share an edge. */
    plcol0(colour);
    pllsty(1);
    plwidth(1.0);
    for (size_t i = 0; i < n; i++) {
        double h = isfinite(heights[i]) && heights[i] > base ? heights[i] : base;
        double hp = i > 0 && isfinite(heights[i - 1]) && heights[i - 1] > base ? heights[i - 1]
                                                                                : base;
        PLFLT x[3] = {edges[i], edges[i], edges[i + 1]};
        PLFLT y[3] = {hp, h, h};
        plline(3, x, y);
        if (i == n - 1) {
            PLFLT xe[2] = {edges[n], edges[n]}, ye[2] = {h, base};
            plline(2, xe, ye);
        }
    }
}

void plot_line(const double *x, const double *y, size_t n, int colour, double width, int style)
{
    plcol0(colour);
    pllsty(style);
    plwidth(width);
    size_t i = 0;
    while (i < n) {
        while (i < n && !(isfinite(x[i]) && isfinite(y[i])))
            i++;
        size_t j = i;
        while (j < n && isfinite(x[j]) && isfinite(y[j]))
            j++;
        if (j - i >= 2)
            plline((PLINT)(j - i), x + i, y + i);
        i = j;
    }
    pllsty(1);
    plwidth(1.0);
}

void plot_vline(double x, double y0, double y1, int colour, double width, int style)
{
    PLFLT xs[2] = {x, x}, ys[2] = {y0, y1};
    plot_line(xs, ys, 2, colour, width, style);
}

void plot_legend(size_t n, const char *const *text, const int *colour, const int *style,
                 const bool *is_box, int position)
{
    enum { MAX_ENTRIES = 32 };
    if (n > MAX_ENTRIES)
        n = MAX_ENTRIES;
    PLINT opt[MAX_ENTRIES], tcol[MAX_ENTRIES], bcol[MAX_ENTRIES], bpat[MAX_ENTRIES];
    PLINT lcol[MAX_ENTRIES], lsty[MAX_ENTRIES], scol[MAX_ENTRIES], snum[MAX_ENTRIES];
    PLFLT bscale[MAX_ENTRIES], bwidth[MAX_ENTRIES], lwidth[MAX_ENTRIES], sscale[MAX_ENTRIES];
    const char *sym[MAX_ENTRIES];
    for (size_t i = 0; i < n; i++) {
        bool box = is_box && is_box[i];
        opt[i] = box ? PL_LEGEND_COLOR_BOX : PL_LEGEND_LINE;
        tcol[i] = PLOT_INK;
        bcol[i] = colour[i];
        bpat[i] = 0;
        bscale[i] = 0.8;
        bwidth[i] = 1.0;
        lcol[i] = colour[i];
        lsty[i] = style ? style[i] : 1;
        lwidth[i] = 2.0;
        scol[i] = colour[i];
        sscale[i] = 1.0;
        snum[i] = 0;
        sym[i] = "";
    }
    PLFLT w, h;
    plscol0a(15, 255, 255, 255, 0.85);
    pllegend(&w, &h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
             position | PL_POSITION_INSIDE | PL_POSITION_VIEWPORT, 0.02, 0.02, 0.1, 15, PLOT_INK,
             1, 0, 0, (PLINT)n, opt, 0.8, 0.85, 1.8, 0.0, tcol, text, bcol, bpat, bscale, bwidth,
             lcol, lsty, lwidth, scol, sscale, snum, sym);
}

void plot_viridis(void)
{
    /* Nine points of matplotlib's viridis, interpolated linearly in RGB. */
    static const double pos[9] = {0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1.0};
    static const double rgb[9][3] = {
        {0.267, 0.005, 0.329}, {0.278, 0.175, 0.483}, {0.230, 0.322, 0.546},
        {0.173, 0.449, 0.558}, {0.128, 0.567, 0.551}, {0.153, 0.680, 0.504},
        {0.361, 0.785, 0.388}, {0.668, 0.862, 0.196}, {0.993, 0.906, 0.144},
    };
    PLFLT r[9], g[9], b[9];
    for (size_t i = 0; i < 9; i++) {
        r[i] = rgb[i][0];
        g[i] = rgb[i][1];
        b[i] = rgb[i][2];
    }
    plscmap1n(256);
    plscmap1l(1, 9, pos, r, g, b, NULL);
}

void plot_colorbar(double zmin, double zmax, const char *label, bool cap_low, bool cap_high)
{
    enum { N_LEVELS = 128 };
    PLFLT values[N_LEVELS];
    for (size_t i = 0; i < N_LEVELS; i++)
        values[i] = zmin + (zmax - zmin) * (double)i / (double)(N_LEVELS - 1);
    const PLFLT *vals[1] = {values};
    PLINT n_values[1] = {N_LEVELS};
    PLINT label_opts[1] = {PL_COLORBAR_LABEL_RIGHT};
    const char *labels[1] = {label};
    const char *axis_opts[1] = {"bcvtm"};
    PLFLT ticks[1] = {0.0};
    PLINT sub_ticks[1] = {0};
    PLFLT w, h;
    plcol0(PLOT_INK);
    PLINT opt = PL_COLORBAR_IMAGE | PL_COLORBAR_ORIENT_TOP;
    if (cap_low)
        opt |= PL_COLORBAR_CAP_LOW;
    if (cap_high)
        opt |= PL_COLORBAR_CAP_HIGH;
    plcolorbar(&w, &h, opt,
               PL_POSITION_RIGHT | PL_POSITION_OUTSIDE | PL_POSITION_VIEWPORT, 0.03, 0.0, 0.06,
               /* caps reach beyond the bar: keep them inside the viewport's height */
               (cap_low || cap_high) ? 0.86 : 1.0, PLOT_BG, PLOT_INK, 1, 0.0, 1.0, 0, 0.0, 1,
               label_opts, labels, 1, axis_opts, ticks, sub_ticks, n_values, vals);
}

sn_status plot_write(const char *figure_path, const char *csv_path, size_t width, size_t height,
                     void (*draw)(void *ctx), void (*csv)(FILE *f, void *ctx), void *ctx,
                     sn_error *err)
{
    sn_file_out co = {0};
    sn_status st;
    if (csv_path) {
        if ((st = sn_file_out_open(&co, csv_path, err)) != SN_OK)
            return st;
        csv(co.f, ctx);
    }
    plot_file pf;
    if ((st = plot_open(&pf, figure_path, width, height, err)) != SN_OK) {
        sn_file_out_abort(&co);
        return st;
    }
    draw(ctx);
    if ((st = plot_commit(&pf, err)) != SN_OK) {
        sn_file_out_abort(&co);
        return st;
    }
    if (csv_path) {
        if ((st = sn_file_out_commit(&co, err)) != SN_OK)
            return st;
    }
    return SN_OK;
}

void plot_csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (const char *c = s; *c; c++) {
        if (*c == '"')
            fputc('"', f);
        fputc(*c, f);
    }
    fputc('"', f);
}
