/*
 * cmd_bench.c — `shrinknet bench` (placeholder until its issue lands).
 */
#include "cmds.h"

int cmd_bench(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "shrinknet bench: not available yet\n");
    return EXIT_USAGE;
}
