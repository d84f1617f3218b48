/*
 * bench_mpi.h — the benchmark harness across MPI ranks (make mpi; docs/scaling.md). Without SN_MPI
 * (the default build) there is one rank and these are trivial.
 */
#ifndef SN_CLI_BENCH_MPI_H
#define SN_CLI_BENCH_MPI_H

#include "shrinknet_bench.h"

/* Start and end MPI around the whole program (no-ops without SN_MPI). */
void cli_mpi_init(int *argc, char ***argv);
void cli_mpi_finalize(void);
/* This process's rank and the number of ranks (0 and 1 without MPI). */
int cli_mpi_rank(void);
int cli_mpi_size(void);
/* Whether every rank passed ok, and whether rank 0 did (*root_ok, may be NULL): collective. */
bool cli_mpi_all_ok(bool ok, bool *root_ok);
/* Whether every rank planned the same benchmark as rank 0 (collective). */
bool cli_mpi_same_plan(const sn_bench *b);

/* Run every unit of b not done over all ranks, collective. Rank 0 holds the results file (after
 * sn_bench_resume), hands out units longest first as ranks become free, runs units itself on a
 * second thread, and records every result; on_unit is called there only. The other ranks run
 * what they are given. Returns as sn_bench_run does on rank 0; on the other ranks SN_OK unless
 * a unit could not be run at all. */
sn_status cli_mpi_bench_run(sn_bench *b, sn_bench_unit_fn on_unit, sn_bench_cancel_fn cancel,
                            void *user, sn_error *err);

#endif
