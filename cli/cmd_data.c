/*
 * cmd_data.c — `shrinknet data` (placeholder until its issue lands).
 */
#include "cmds.h"

int cmd_data(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "shrinknet data: not available yet\n");
    return EXIT_USAGE;
}
