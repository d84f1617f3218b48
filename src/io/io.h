/*
 * io/io.h — the layer that touches files (src/io): data readers, model files, and the one set of
 * file helpers every reader and writer uses; then what the text readers (csv.c, uci.c) share,
 * and what the model-file writer and reader share.
 */
#ifndef SN_IO_H
#define SN_IO_H

#include "model/model.h"

/* All of an open descriptor's remaining content, NUL-terminated (io/file.c); path names it in
 * messages. */
sn_status sn_fd_read_all(int fd, const char *path, char **out, size_t *len, sn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Text readers' helpers (io/text.c): whole files, lines, fields, messages                     */
/* ------------------------------------------------------------------------------------------ */

/* Longest piece of a field quoted in a message, in bytes; longer fields end in "...". */
#define SN_EXCERPT_MAX 40

/* A printable copy of s[0..n) for messages: at most SN_EXCERPT_MAX bytes, control bytes as '?'.
 * buf holds SN_EXCERPT_MAX + 4 bytes. */
const char *sn_quote(char *buf, const char *s, size_t n);
/* SN_EDATA with "path:line:col: " followed by the formatted rest (rules: top of text.c). */
sn_status sn_fail_at(sn_error *err, const char *path, size_t line, size_t col, const char *fmt,
                     ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

typedef struct {
    const char *path; /* as shown in messages (not owned) */
    char *buf;        /* [len + 1], NUL-terminated; NULL when an optional file is missing */
    size_t len;
} sn_text;

void sn_text_free(sn_text *t);
/* Read the whole of path into t ("-" = standard input). With is_optional, a file that does not
 * exist gives SN_OK and t->buf == NULL. */
sn_status sn_text_read(const char *path, bool is_optional, sn_text *t, sn_error *err);
/* Line and column just past the last byte, for "found end of file". */
void sn_text_eof_pos(const sn_text *t, size_t *line, size_t *col);

/* The lines of a text, after a UTF-8 byte-order mark if there is one:
 *     sn_lines_init(&r, t);
 *     while (sn_lines_next(&r, &s, &n)) ... line r.line_no is s[0..n), without its line end */
typedef struct {
    char *p, *end;
    size_t line_no; /* 1-based number of the line last returned */
} sn_line_reader;

void sn_lines_init(sn_line_reader *r, const sn_text *t);
bool sn_lines_next(sn_line_reader *r, char **s, size_t *n);

typedef struct {
    char *s;     /* first byte, inside a text buffer (not terminated) */
    size_t n;    /* length in bytes */
    size_t line; /* 1-based line */
    size_t col;  /* 1-based byte column of s in its line */
} sn_field;

typedef struct {
    sn_field *v; /* [cap] */
    size_t n, cap;
} sn_field_list;

void sn_fields_free(sn_field_list *f);
sn_status sn_fields_push(sn_field_list *f, sn_field x); /* SN_ENOMEM is the only failure */
/* Whether s[0..n) holds only blanks (spaces, tabs). */
bool sn_is_blank_line(const char *s, size_t n);
/* Split line s[0..n) (line number line_no) into f, replacing its contents. With is_comma every
 * comma ends a field and blanks around fields are dropped; otherwise runs of blanks separate
 * fields. A blank line gives no fields. SN_ENOMEM is the only failure. */
sn_status sn_split_line(char *s, size_t n, size_t line_no, bool is_comma, sn_field_list *f);
/* A field as a finite number: SN_NUM_OK, SN_NUM_BAD (not a number) or SN_NUM_RANGE. */
sn_num_status sn_field_number(const sn_field *f, double *out);
/* A non-negative integer written in decimal digits only, at most SIZE_MAX. */
bool sn_field_size(const sn_field *f, size_t *out);

/* ------------------------------------------------------------------------------------------ */
/* Texts of numbers (io/csv.c), for the CSV and UCI readers                                    */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    double *v;               /* [cap][n_fields], row-major; rows 0..n_rows-1 are filled */
    size_t n_rows, n_fields;
    size_t cap;              /* rows allocated */
} sn_table;

void sn_table_free(sn_table *tab);

/* What sn_csv_parse learnt about the layout of a file. */
typedef struct {
    sn_field_list header; /* the header's fields, pointing into the text; n = 0 without header */
    size_t first_line;    /* number of the first non-blank line */
    char *first_s;        /* that line's text, first_n bytes */
    size_t first_n;
} sn_csv_layout;

/* Parse a whole CSV text into tab (every row, every column) following the rules at the top of
 * csv.c. On error tab and lay may hold partial contents; the caller frees them (sn_table_free,
 * sn_fields_free(&lay->header)). */
sn_status sn_csv_parse(sn_text *t, sn_delim delim, sn_header header, sn_table *tab,
                       sn_csv_layout *lay, sn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Model files (io/model_format.c; written by model_write.c, read by model_read.c)             */
/* ------------------------------------------------------------------------------------------ */

#define SN_MODEL_MAGIC "shrinknet-model"
#define SN_MODEL_FORMAT_VERSION 1
#define SN_CHECKSUM_PREFIX "checksum fnv1a64 "
#define SN_CHECKSUM_HEX 16

/* Key names in file order; the enum indexes the table. */
enum {
    SN_KEY_VERSION, SN_KEY_ARCH, SN_KEY_N_HIDDEN, SN_KEY_N_LAYERS, SN_KEY_ACTIVATION,
    SN_KEY_LIKELIHOOD, SN_KEY_N_CLASSES, SN_KEY_METHOD, SN_KEY_NOISE, SN_KEY_BLOCK_NOISE,
    SN_KEY_PLACEMENT, SN_KEY_NOISE_ON_INPUT, SN_KEY_OBJECTIVE, SN_KEY_N_SAMPLES, SN_KEY_SIGMA0,
    SN_KEY_PRIOR, SN_KEY_HYPER, SN_KEY_ESTIMATOR, SN_KEY_VARIANT, SN_KEY_PRECISION,
    SN_KEY_LEARN_PRECISION, SN_KEY_OPTIMIZER, SN_KEY_LEARNING_RATE, SN_KEY_ADAM_BETA1,
    SN_KEY_ADAM_BETA2, SN_KEY_ADAM_EPS, SN_KEY_MOMENTUM, SN_KEY_BATCH_SIZE, SN_KEY_N_EPOCHS,
    SN_KEY_SEED, SN_KEY_N_IN, SN_KEY_N_OUT, SN_KEY_N_STEPS, SN_KEY_LOG_PRECISION, SN_KEY_Y_MEAN,
    SN_KEY_Y_STD, SN_KEY_X_MEAN, SN_KEY_X_STD, SN_KEY_THETA, SN_KEY_RHO, SN_KEY_ROW_VAR,
    SN_KEY_LAYER_VAR, SN_N_KEYS
};

/* The key names, indexed by the enum above. */
extern const char *const sn_model_key_names[SN_N_KEYS];

/* Report the first inconsistency of params p with n_in inputs and n_out outputs: the key it is
 * about in *key and a message in msg [size]; true when there is none. Save calls it (so that it
 * never writes a file load would reject), and load before sn_model_alloc. */
bool sn_model_check_params(const sn_train_params *p, size_t n_in, size_t n_out, int *key,
                           char *msg, size_t size);
/* Everything sn_train itself accepts (sn_train_params_check without data); on failure *key is
 * the key the message in msg [size] is about. */
bool sn_model_check_trainable(const sn_train_params *p, int *key, char *msg, size_t size);

#endif /* SN_IO_H */
