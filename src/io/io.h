/*
 * io/io.h — the layer that touches files (src/io): data readers, model files, and the one set of
 * file helpers every reader and writer uses.
 */
#ifndef SN_IO_H
#define SN_IO_H

#include "model/model.h"

#endif /* SN_IO_H */
