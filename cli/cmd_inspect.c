/*
 * cmd_inspect.c — `shrinknet inspect` (placeholder until its issue lands).
 */
#include "cmds.h"

int cmd_inspect(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "shrinknet inspect: not available yet\n");
    return EXIT_USAGE;
}
