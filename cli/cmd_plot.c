/*
 * cmd_plot.c — `shrinknet plot` (placeholder until its issue lands).
 */
#include "cmds.h"

int cmd_plot(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "shrinknet plot: not available yet\n");
    return EXIT_USAGE;
}
