/*
 * error.c — status names, error messages, checked allocation and the string copies.
 */
#include "core/core.h"

#include <stdlib.h>
#include <string.h>

const char *sn_version(void)
{
    return SN_VERSION;
}

const char *sn_status_str(sn_status code)
{
    switch (code) {
    case SN_OK: return "ok";
    case SN_EINVAL: return "invalid argument";
    case SN_EDATA: return "bad data";
    case SN_EIO: return "input/output error";
    case SN_EFORMAT: return "bad model file";
    case SN_ENOMEM: return "out of memory";
    case SN_ENUMERIC: return "numerical failure";
    case SN_EUNSUPPORTED: return "unsupported combination";
    }
    return "unknown status";
}

sn_status sn_fail(sn_error *err, sn_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

sn_status sn_fail_nomem(sn_error *err, const char *what)
{
    return sn_fail(err, SN_ENOMEM, "%s: out of memory", what);
}

bool sn_mul_size(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return false;
    *out = a * b;
    return true;
}

void *sn_calloc(size_t n, size_t size)
{
    size_t total;
    if (!sn_mul_size(n, size, &total))
        return NULL;
    /* calloc(0, ...) may return NULL; ask for one byte so that NULL always means failure. */
    return calloc(total ? n : 1, total ? size : 1);
}

char *sn_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

char *sn_strndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *sn_strdup_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}
