/*
 * opts.c — table-driven option parsing and help (see opts.h).
 */
#include "opts.h"
#include "shrinknet.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

cli_opt *cli_find(cli_opt *opts, const char *name)
{
    for (cli_opt *o = opts; o->name; o++)
        if (strcmp(o->name, name) == 0)
            return o;
    return NULL;
}

static void default_text(const cli_opt *o, char *buf, size_t n)
{
    buf[0] = 0;
    switch (o->kind) {
    case OPT_FLAG:
        break;
    case OPT_STR:
    case OPT_TEXT: {
        const char *s = *(const char **)o->target;
        if (s)
            snprintf(buf, n, "%s", s);
        break;
    }
    case OPT_SIZE:
        snprintf(buf, n, "%zu", *(size_t *)o->target);
        break;
    case OPT_DOUBLE:
        snprintf(buf, n, "%g", *(double *)o->target);
        break;
    case OPT_U64:
        snprintf(buf, n, "%llu", (unsigned long long)*(uint64_t *)o->target);
        break;
    }
}

void cli_help(FILE *f, const char *cmd, const char *synopsis, const cli_opt *opts)
{
    fprintf(f, "usage: shrinknet %s %s\n", cmd, synopsis);
    for (const cli_opt *o = opts; o->name; o++) {
        if (o->group)
            fprintf(f, "\n%s:\n", o->group);
        char left[64], def[64];
        snprintf(left, sizeof left, "%c%c%s--%s %s", o->short_name ? '-' : ' ',
                 o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ", o->name,
                 o->meta ? o->meta : "");
        default_text(o, def, sizeof def);
        /* A help text ending in '.' says the default itself (no "(default ...)"). */
        size_t hl = strlen(o->help);
        bool says_default = hl > 0 && o->help[hl - 1] == '.';
        if (def[0] && o->kind != OPT_FLAG && !says_default)
            fprintf(f, "  %-28s %s (default %s)\n", left, o->help, def);
        else
            fprintf(f, "  %-28s %s\n", left, o->help);
    }
}

static int bad(const char *cmd, const cli_opt *o, const char *what, const char *found)
{
    if (o->kind == OPT_STR || o->kind == OPT_TEXT || o->kind == OPT_FLAG)
        fprintf(stderr, "shrinknet %s: --%s: %s%s%s%s\n", cmd, o->name, what,
                found ? ", found \"" : "", found ? found : "", found ? "\"" : "");
    else
        fprintf(stderr, "shrinknet %s: --%s: %s in [%g, %g], found \"%s\"\n", cmd, o->name, what,
                o->lo, o->hi, found ? found : "");
    fprintf(stderr, "try 'shrinknet %s --help'\n", cmd);
    return 2;
}

/* Numbers go through the library's one strict reader (sn_parse_real, sn_parse_uint): the whole
 * value, no blanks, no sign on an integer. */
static int set_value(const char *cmd, cli_opt *o, const char *v)
{
    switch (o->kind) {
    case OPT_FLAG:
        return bad(cmd, o, "takes no value", v);
    case OPT_STR:
        if (!*v)
            return bad(cmd, o, "expected a non-empty value", NULL);
        *(const char **)o->target = v;
        return 0;
    case OPT_TEXT:
        *(const char **)o->target = v;
        return 0;
    case OPT_SIZE:
    case OPT_U64: {
        uint64_t x;
        if (!sn_parse_uint(v, strlen(v), UINT64_MAX, &x) || (double)x < o->lo ||
            (double)x > o->hi)
            return bad(cmd, o, "expected an integer", v);
        if (o->kind == OPT_SIZE)
            *(size_t *)o->target = (size_t)x;
        else
            *(uint64_t *)o->target = (uint64_t)x;
        return 0;
    }
    case OPT_DOUBLE: {
        /* "inf" and overflow are read as infinities and then meet the range like any value. */
        double x;
        if (sn_parse_real(v, strlen(v), SN_NUM_INF, &x) != SN_NUM_OK || x < o->lo || x > o->hi)
            return bad(cmd, o, "expected a number", v);
        *(double *)o->target = x;
        return 0;
    }
    }
    return 2;
}

void cli_list_options(FILE *f, const cli_opt *opts)
{
    for (const cli_opt *o = opts; o->name; o++) {
        const char *meta = o->kind == OPT_FLAG ? NULL : o->meta ? o->meta : "VALUE";
        if (o->short_name)
            fprintf(f, "-%c%s%s\n", o->short_name, meta ? " " : "", meta ? meta : "");
        fprintf(f, "--%s%s%s\n", o->name, meta ? " " : "", meta ? meta : "");
    }
}

int cli_parse(const char *cmd, cli_opt *opts, int argc, char **argv, const char *synopsis)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cli_help(stdout, cmd, synopsis, opts);
            return 1;
        }
        if (strcmp(a, "--list-options") == 0) {
            cli_list_options(stdout, opts);
            return 1;
        }
        cli_opt *o = NULL;
        const char *value = NULL;
        char name[64];
        if (a[0] == '-' && a[1] == '-' && a[2]) {
            const char *eq = strchr(a + 2, '=');
            size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
            if (len >= sizeof name)
                len = sizeof name - 1;
            memcpy(name, a + 2, len);
            name[len] = 0;
            o = cli_find(opts, name);
            if (eq)
                value = eq + 1;
        } else if (a[0] == '-' && a[1] && !a[2]) {
            for (cli_opt *p = opts; p->name; p++)
                if (p->short_name == a[1])
                    o = p;
        }
        if (!o) {
            fprintf(stderr, "shrinknet %s: %s option '%s'\n", cmd,
                    a[0] == '-' ? "unknown" : "unexpected argument, not an", a);
            fprintf(stderr, "try 'shrinknet %s --help'\n", cmd);
            return 2;
        }
        if (o->kind == OPT_FLAG) {
            if (value)
                return bad(cmd, o, "takes no value", value);
            *(bool *)o->target = true;
        } else {
            if (!value) {
                if (i + 1 >= argc)
                    return bad(cmd, o, "missing value", NULL);
                value = argv[++i];
            }
            int rc = set_value(cmd, o, value);
            if (rc)
                return rc;
        }
        o->seen = true;
    }
    return 0;
}
