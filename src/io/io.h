/*
 * io/io.h — the layer that touches files (src/io): data readers, model files, and the one set of
 * file helpers every reader and writer uses.
 */
#ifndef SN_IO_H
#define SN_IO_H

#include "model/model.h"

/* All of an open descriptor's remaining content, NUL-terminated (io/file.c); path names it in
 * messages. */
sn_status sn_fd_read_all(int fd, const char *path, char **out, size_t *len, sn_error *err);

#endif /* SN_IO_H */
