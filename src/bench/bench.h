/*
 * bench/bench.h — the benchmark harness's private declarations (src/bench).
 */
#ifndef SN_BENCH_H
#define SN_BENCH_H

#include "io/io.h"

#endif /* SN_BENCH_H */
