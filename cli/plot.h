/*
 * plot.h — the CLI's figures, drawn with PLplot's cairo drivers: one page per file, PNG or SVG
 * chosen by the file's extension, written to a temporary name in the same folder and renamed
 * over the target when complete. Each figure's numbers go to a CSV file next to it.
 *
 * One figure is open at a time (PLplot keeps its state in a global stream). The sequence is
 *     plot_check_path, (compute), plot_open, draw with the helpers or PLplot, plot_commit
 * and plot_abort on any failure after plot_open.
 */
#ifndef SN_CLI_PLOT_H
#define SN_CLI_PLOT_H

#include "common.h"

#include <stdbool.h>
#include <stddef.h>

/* Page sizes in pixels (PNG) or points (SVG): accepted range of --width and --height. */
#define PLOT_MIN_SIZE 64
#define PLOT_MAX_SIZE 10000

/* Colours of cmap0 set by plot_open: 0 background (white), 1 ink (black), then a palette for
 * lines and bars that stays distinguishable for colour-blind readers (Okabe and Ito), and a light
 * grey for grid lines. */
enum {
    PLOT_BG = 0,
    PLOT_INK = 1,
    PLOT_BLUE = 2,
    PLOT_VERMILLION = 3,
    PLOT_GREEN = 4,
    PLOT_PURPLE = 5,
    PLOT_ORANGE = 6,
    PLOT_SKY = 7,
    PLOT_GREY = 8,
    PLOT_YELLOW = 9,
    PLOT_LIGHT = 10,
    PLOT_N_PALETTE = 8 /* PLOT_BLUE .. PLOT_YELLOW, for plot_series_colour */
};

/* The i-th colour of the line/bar palette (cycles). */
int plot_series_colour(size_t i);

typedef struct {
    sn_file_out out;    /* the atomic output (io/file.c); PLplot draws into out.tmp by name */
    const char *device; /* "pngcairo" or "svgcairo" (or the plain png/svg drivers) */
    bool is_open;       /* plinit has been called */
} plot_file;

/* Whether path ends in .png or .svg (case-insensitive); SN_EINVAL naming the option otherwise. */
sn_status plot_check_path(const char *option, const char *path, sn_error *err);

/* The CSV file next to a figure: "fig.png" gives "fig.csv". Caller frees; NULL when out of
 * memory. */
char *plot_csv_path(const char *figure_path);

/* Create the temporary file, select the driver (SN_EUNSUPPORTED if PLplot has none for the
 * format), set the page size and palette and start the page. On success the page is blank with
 * a white background and the caller draws; on failure nothing is left behind. */
sn_status plot_open(plot_file *pf, const char *path, size_t width, size_t height, sn_error *err);
/* Finish the page (plend), check that the file is not empty and rename it over the target. */
sn_status plot_commit(plot_file *pf, sn_error *err);
/* Finish PLplot if started and remove the temporary file. Safe on a zeroed or closed pf. */
void plot_abort(plot_file *pf);

/* ------------------------------------------------------------------------------------------ */
/* Drawing helpers (on the open page)                                                          */
/* ------------------------------------------------------------------------------------------ */

/* Viewport of panel i (0-based, row-major) in a grid of n_cols x n_rows panels, leaving room
 * for axis labels and titles and a right margin of right_reserve (fraction of the page width)
 * for a colour bar or legend. */
void plot_panel(size_t i, size_t n_cols, size_t n_rows, double right_reserve);

/* Window, box with numeric ticks, labels and title in ink colour. log_y: y values are log10 and
 * the axis is labelled as a log axis. */
void plot_axes(double xmin, double xmax, double ymin, double ymax, bool log_y, const char *xlabel,
               const char *ylabel, const char *title);

/* Bars on edges[0..n] (n bins) with heights[n], filled with colour at opacity alpha (0..1) and
 * outlined in the same colour. Heights below base are drawn from base (log axes). */
void plot_bars(const double *edges, const double *heights, size_t n, double base, int colour,
               double alpha);

/* A polyline of n points in colour, line width in pixels, style 1 solid, 2.. dashed (pllsty).
 * Non-finite points break the line. */
void plot_line(const double *x, const double *y, size_t n, int colour, double width, int style);

/* A vertical line at x from y0 to y1. */
void plot_vline(double x, double y0, double y1, int colour, double width, int style);

/* Legend in the current viewport: n entries, each a line (is_box false: colour, style) or a
 * filled box (is_box true) with its text. position: PL_POSITION_* flags (inside the viewport). */
void plot_legend(size_t n, const char *const *text, const int *colour, const int *style,
                 const bool *is_box, int position);

/* A perceptually uniform colour map (viridis, dark blue to yellow) on cmap1. */
void plot_viridis(void);

/* A vertical colour bar for values in [zmin, zmax] at the right edge of the current viewport,
 * labelled with label; cap_low / cap_high add a triangle at that end for values clipped to it. */
void plot_colorbar(double zmin, double zmax, const char *label, bool cap_low, bool cap_high);

/* The whole sequence for one figure: write the numbers with csv(f, ctx) to csv_path (NULL: none),
 * draw with draw(ctx) on a width x height page at figure_path, then put both files in place
 * (each renamed from a temporary file only when complete; on failure neither is replaced). */
sn_status plot_write(const char *figure_path, const char *csv_path, size_t width, size_t height,
                     void (*draw)(void *ctx), void (*csv)(FILE *f, void *ctx), void *ctx,
                     sn_error *err);

/* Write s to f as one CSV field, quoted when it holds a comma, quote or newline (RFC 4180). */
void plot_csv_field(FILE *f, const char *s);

#endif
