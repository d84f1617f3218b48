/*
 * parse.c — the one strict reader of numbers in text, used by every parser of the library and
 * the CLI (options, CSV fields, model files, noise and hyper-prior specifications, tables).
 *
 * strtod and strtoull alone are too lenient for input checking: they skip leading white space of
 * every kind, stop quietly at trailing junk, and read an empty field as 0. Here a number is the
 * whole of the field given, or it is refused; one that reads as NaN or (unless allowed) as an
 * infinity is told apart, so that readers can say "not finite" rather than "not a number".
 */
#include "core/core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest field converted; numbers are copied to a terminated buffer so that a field inside a
 * larger text (a CSV line) is never read past its end. No real number needs more. */
#define NUM_MAX_LEN 400

sn_num_status sn_parse_real(const char *s, size_t len, unsigned flags, double *out)
{
    char buf[NUM_MAX_LEN + 1];
    if (len == 0 || len > NUM_MAX_LEN || strchr(" \t\n\v\f\r", s[0]))
        return SN_NUM_BAD;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (memchr(buf, '\0', len))
        return SN_NUM_BAD;
    if (flags & SN_NUM_DECIMAL) {
        /* Only what printf's %g writes: [-]digits[.digits][e[+-]digits] (no hex, no words). */
        bool is_inf_word = (flags & SN_NUM_INF) &&
                           (strcmp(buf, "inf") == 0 || strcmp(buf, "-inf") == 0);
        for (size_t i = 0; i < len && !is_inf_word; i++)
            if (!strchr("0123456789+-.eE", buf[i]))
                return SN_NUM_BAD;
    }
    char *end = NULL;
    errno = 0;
    double x = strtod(buf, &end);
    if (end != buf + len)
        return SN_NUM_BAD;
    /* Underflow to a subnormal or zero is a valid reading of a tiny number. */
    *out = x;
    return isnan(x) || (isinf(x) && !(flags & SN_NUM_INF)) ? SN_NUM_RANGE : SN_NUM_OK;
}

bool sn_parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    if (len == 0)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* The fewest significant digits (15, 16 or 17) that read back as the same double, so that 0.995
 * is written "0.995" and every value round-trips exactly; infinities as "inf", "-inf". */
int sn_format_real(char *buf, size_t size, double x)
{
    char tmp[40];
    for (int prec = 15; prec < 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, x);
        if (strtod(tmp, NULL) == x)
            return snprintf(buf, size, "%s", tmp);
    }
    return snprintf(buf, size, "%.17g", x);
}
