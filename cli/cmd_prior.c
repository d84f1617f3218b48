/*
 * cmd_prior.c — `shrinknet prior` (placeholder until its issue lands).
 */
#include "cmds.h"

int cmd_prior(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "shrinknet prior: not available yet\n");
    return EXIT_USAGE;
}
