/*
 * opts.h — a small table-driven parser of long options (--name value, --name=value, -x value),
 * strict about numbers and ranges, and the --help text generated from the same table.
 */
#ifndef SN_CLI_OPTS_H
#define SN_CLI_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* OPT_TEXT is any text, the empty one too, kept for a reader that checks it later (the
 * library's training parameters, through sn_train_params_set); OPT_STR is a non-empty one. */
typedef enum { OPT_FLAG, OPT_STR, OPT_SIZE, OPT_DOUBLE, OPT_U64, OPT_TEXT } opt_kind;

typedef struct {
    const char *name;  /* long name without "--"; NULL ends a table */
    char short_name;   /* 0 if none */
    opt_kind kind;
    void *target;      /* bool *, const char ** (STR, TEXT), size_t *, double *, uint64_t * */
    double lo, hi;     /* accepted range of numbers (inclusive) */
    const char *meta;  /* "N", "FILE", ... shown in --help */
    const char *help;  /* one line; ending in '.' hides the "(default ...)" suffix */
    const char *group; /* heading in --help: the first option of a group names it */
    bool seen;         /* set by the parser */
} cli_opt;

/* Parse argv[first..argc). Positional arguments are not accepted. Prints one line naming the
 * problem and "try 'shrinknet CMD --help'" on stderr and returns 2; returns 1 after printing
 * help on stdout (--help) or the option list (--list-options), 0 on success. */
int cli_parse(const char *cmd, cli_opt *opts, int argc, char **argv, const char *synopsis);
void cli_help(FILE *f, const char *cmd, const char *synopsis, const cli_opt *opts);
/* --list-options (for the shell completion and the man page, generated from the same tables as
 * --help): one line per option, "--name META" ("-x META" for a short alias; META empty for a
 * flag). cli_parse prints it and returns 1, as for --help. */
void cli_list_options(FILE *f, const cli_opt *opts);
/* The entry of opts named name (never NULL for a name in the table). */
cli_opt *cli_find(cli_opt *opts, const char *name);

#endif
