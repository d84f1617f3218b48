#!/bin/sh
# bench/scaling.sh — the measurements of docs/scaling.md: the same benchmark run by the
# single-process harness (--jobs 1, 2) and by the MPI build (mpirun -n 1, 2), wall time and
# units per second each, and a check that the four results files hold the same bits (timing
# fields and line order aside). Then the harness's own overhead per unit: units that train
# one epoch, so that what is left is reading the data, scheduling, writing and fsync.
# Run on an otherwise idle machine.
#
#   sh bench/scaling.sh DATA_DIR [MPI_BINARY] [BINARY]
set -eu
data=${1:?usage: sh bench/scaling.sh DATA_DIR [MPI_BINARY] [BINARY]}
mpibin=$(realpath "${2:-build-mpi/shrinknet}")
bin=$(realpath "${3:-build/shrinknet}")
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
canon() { sed 's/,"train_seconds".*$//' "$1" | sort; }
now() { date +%s.%N; }
# run NAME UNITS COMMAND...: run, print the wall time and units per second
run() {
    name=$1; shift
    t0=$(now)
    "$@" > /dev/null 2>&1
    t1=$(now)
    n=$(wc -l < "$out")
    awk -v n="$name" -v a="$t0" -v b="$t1" -v u="$n" \
        'BEGIN { printf "%-34s %4d units  %7.2f s  %7.3f units/s\n", n, u, b - a, u / (b - a) }'
}
for w in "work: 60 units of 4500 epochs|--datasets yacht,bostonHousing --methods lb,iw,tail --splits 10 --epochs 4500" \
         "overhead: 140 units of 1 epoch|--datasets yacht --methods all --splits 20 --epochs 1 --draws 10"; do
    title=${w%%|*}
    opts=${w#*|}
    echo "== $title"
    out=$t/j1.jsonl; run "bench --jobs 1" "$bin" bench --data-dir "$data" $opts --jobs 1 --out "$out" -q
    out=$t/j2.jsonl; run "bench --jobs 2" "$bin" bench --data-dir "$data" $opts --jobs 2 --out "$out" -q
    out=$t/m1.jsonl; run "mpirun -n 1 --jobs 1 (MPI build)" mpirun -n 1 "$mpibin" bench --data-dir "$data" $opts --jobs 1 --out "$out" -q
    out=$t/m2.jsonl; run "mpirun -n 2 (MPI build)" mpirun -n 2 "$mpibin" bench --data-dir "$data" $opts --out "$out" -q
    canon "$t/j1.jsonl" > "$t/c1"
    for f in j2 m1 m2; do
        canon "$t/$f.jsonl" | cmp -s - "$t/c1" && echo "$f: same results as --jobs 1" ||
            echo "$f: RESULTS DIFFER from --jobs 1"
    done
    rm -f "$t"/*.jsonl "$t"/*.csv
done
