/*
 * error.c — status names, error messages and checked allocation.
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
