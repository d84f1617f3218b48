#!/bin/sh
# perf.sh — the training-throughput suite of docs/performance.md, in one command:
#
#   sh bench/perf.sh [--quick] [OUT_DIR]
#
# builds the benchmark programs (make bench), runs build/bench/perf (configurations A-D, the
# GEMM peak, linearity in N, 2 runs at once, OpenBLAS threads, the Table 2 workload estimate),
# then the PyTorch peer (bench/peers/torch_peer.py with Debian's python3-torch, 2 threads), and
# prints the joined table (bench/perf_table.py). Raw outputs stay in OUT_DIR (default: a new
# temporary folder). --quick shortens every measurement (about 1 minute instead of 5); take the
# figures for the record with the machine otherwise idle.
set -eu
cd "$(dirname "$0")/.."
QUICK=
if [ "${1:-}" = --quick ]; then
    QUICK=--quick
    shift
fi
OUT=${1:-$(mktemp -d)}
mkdir -p "$OUT"
make -s bench
{
    echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/machine.txt"
build/bench/perf $QUICK | tee "$OUT/ours.txt"
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    /usr/bin/python3 bench/peers/torch_peer.py $QUICK | tee "$OUT/peer.txt"
else
    echo "PyTorch missing (apt-get install -y python3-torch): no peer" | tee "$OUT/peer.txt"
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"
/usr/bin/python3 bench/perf_table.py "$OUT/ours.txt" "$OUT/peer.txt" | tee "$OUT/table.txt"
echo "raw outputs in $OUT"
