/*
 * text.c — what the text readers of src/io share (csv.c, uci.c): whole files and their lines,
 * fields split by commas or blanks, fields read as numbers, and the messages that point at a
 * field. Each reader loads the whole file, checks every field, and builds its sn_data only once
 * everything has been read.
 *
 * ============================================================================================
 * Error messages
 * ============================================================================================
 *   Malformed content is SN_EDATA with a one-line message
 *       path:line:column: expected <what>, found "<text>"
 *   Lines and columns are 1-based; the column counts bytes from the start of the line, as
 *   compilers do, and points at the first character of the offending field (for a row with
 *   too few fields: one past its last character). <text> is the offending field, cut to 40
 *   bytes with control bytes shown as '?'; at the end of the file the message says
 *   "found end of file" instead. Examples:
 *       housing.csv:17:4: expected a number, found "NA"
 *       housing.csv:9:12: expected 14 fields (as on line 1), found 13
 *       yacht/index_test_3.txt:4:1: expected a row index not in index_train_3.txt, found "12"
 *   A file that cannot be opened or read is SN_EIO: "path: cannot open: <reason>". Bad
 *   arguments (a NULL pointer, a split out of range) are SN_EINVAL. Arrays given to
 *   sn_data_new are checked too: "row r, column c (0-based): expected a finite number, ...".
 */
#include "io/io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ========================================================================================== */
/* Messages                                                                                   */
/* ========================================================================================== */

/* A printable copy of s[0..n) for messages: at most SN_EXCERPT_MAX bytes, control bytes as '?'.
 * buf holds SN_EXCERPT_MAX + 4 bytes. */
const char *sn_quote(char *buf, const char *s, size_t n)
{
    size_t m = n > SN_EXCERPT_MAX ? SN_EXCERPT_MAX : n;
    for (size_t i = 0; i < m; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[i] = (c < 0x20 || c == 0x7f) ? '?' : s[i];
    }
    if (m < n)
        memcpy(buf + m, "...", 4);
    else
        buf[m] = '\0';
    return buf;
}

sn_status sn_fail_at(sn_error *err, const char *path, size_t line, size_t col, const char *fmt,
                     ...)
{
    char rest[SN_ERROR_MSG_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rest, sizeof rest, fmt, ap);
    va_end(ap);
    return sn_fail(err, SN_EDATA, "%s:%zu:%zu: %s", path, line, col, rest);
}

/* ========================================================================================== */
/* Whole files and their lines                                                                */
/* ========================================================================================== */

void sn_text_free(sn_text *t)
{
    free(t->buf);
    t->buf = NULL;
    t->len = 0;
}

/* Read the whole of path into t ("-" = standard input). With is_optional, a file that does not
 * exist gives SN_OK and t->buf == NULL. */
sn_status sn_text_read(const char *path, bool is_optional, sn_text *t, sn_error *err)
{
    bool is_stdin = strcmp(path, "-") == 0;
    t->path = is_stdin ? "<stdin>" : path;
    t->buf = NULL;
    t->len = 0;
    if (is_optional && !is_stdin && access(path, F_OK) != 0 && errno == ENOENT)
        return SN_OK;
    return sn_file_read(path, &t->buf, &t->len, err);
}

/* The first byte of the text proper: after a UTF-8 byte-order mark, if there is one. */
static char *text_start(const sn_text *t)
{
    return t->len >= 3 && memcmp(t->buf, "\xEF\xBB\xBF", 3) == 0 ? t->buf + 3 : t->buf;
}

/* Line and column just past the last byte, for "found end of file". */
void sn_text_eof_pos(const sn_text *t, size_t *line, size_t *col)
{
    const char *s = text_start(t), *end = t->buf + t->len, *line_start = s;
    size_t n_lines = 1;
    for (const char *p = s; p < end; p++) {
        /* Line ends as in sn_lines_next: LF, CRLF or a lone CR. */
        if (*p == '\n' || (*p == '\r' && (p + 1 == end || p[1] != '\n'))) {
            n_lines++;
            line_start = p + 1;
        }
    }
    *line = n_lines;
    *col = (size_t)(end - line_start) + 1;
}

void sn_lines_init(sn_line_reader *r, const sn_text *t)
{
    r->p = text_start(t);
    r->end = t->buf + t->len;
    r->line_no = 0;
}

/* The next line, without its line end (LF, CRLF or a lone CR), as s[0..n); false at the end of
 * the text. */
bool sn_lines_next(sn_line_reader *r, char **s, size_t *n)
{
    if (r->p >= r->end)
        return false;
    char *stop = r->p;
    while (stop < r->end && *stop != '\n' && *stop != '\r')
        stop++;
    *s = r->p;
    *n = (size_t)(stop - r->p);
    if (stop < r->end && *stop == '\r' && stop + 1 < r->end && stop[1] == '\n')
        stop++;
    r->p = stop < r->end ? stop + 1 : r->end;
    r->line_no++;
    return true;
}

/* ========================================================================================== */
/* Fields                                                                                     */
/* ========================================================================================== */

void sn_fields_free(sn_field_list *f)
{
    free(f->v);
    f->v = NULL;
    f->n = f->cap = 0;
}

sn_status sn_fields_push(sn_field_list *f, sn_field x)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 16, bytes;
        if (cap < f->cap || !sn_mul_size(cap, sizeof *f->v, &bytes))
            return SN_ENOMEM;
        sn_field *v = realloc(f->v, bytes);
        if (!v)
            return SN_ENOMEM;
        f->v = v;
        f->cap = cap;
    }
    f->v[f->n++] = x;
    return SN_OK;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

bool sn_is_blank_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_blank(s[i]))
            return false;
    return true;
}

/* Split line s[0..n) (line number line_no) into f, replacing its contents. With is_comma every
 * comma ends a field and blanks around fields are dropped; otherwise runs of blanks separate
 * fields. A blank line gives no fields. SN_ENOMEM is the only failure. */
sn_status sn_split_line(char *s, size_t n, size_t line_no, bool is_comma, sn_field_list *f)
{
    f->n = 0;
    if (sn_is_blank_line(s, n))
        return SN_OK;
    if (is_comma) {
        size_t start = 0;
        for (;;) {
            size_t stop = start;
            while (stop < n && s[stop] != ',')
                stop++;
            size_t a = start, b = stop;
            while (a < b && is_blank(s[a]))
                a++;
            while (b > a && is_blank(s[b - 1]))
                b--;
            if (sn_fields_push(f, (sn_field){s + a, b - a, line_no, a + 1}) != SN_OK)
                return SN_ENOMEM;
            if (stop == n)
                break;
            start = stop + 1;
        }
    } else {
        size_t i = 0;
        while (i < n) {
            while (i < n && is_blank(s[i]))
                i++;
            if (i == n)
                break;
            size_t a = i;
            while (i < n && !is_blank(s[i]))
                i++;
            if (sn_fields_push(f, (sn_field){s + a, i - a, line_no, a + 1}) != SN_OK)
                return SN_ENOMEM;
        }
    }
    return SN_OK;
}

/* A field as a number (core/parse.c, no flags: finite values only): SN_NUM_BAD unless the whole
 * field is one, SN_NUM_RANGE for NaN, an infinity or an overflow. */
sn_num_status sn_field_number(const sn_field *f, double *out)
{
    return sn_parse_real(f->s, f->n, 0, out);
}

/* A non-negative integer written in decimal digits only, at most SIZE_MAX. */
bool sn_field_size(const sn_field *f, size_t *out)
{
    uint64_t v;
    if (!sn_parse_uint(f->s, f->n, SIZE_MAX, &v))
        return false;
    *out = (size_t)v;
    return true;
}
