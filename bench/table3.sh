#!/bin/sh
# bench/table3.sh — the Table 3 run of docs/results.md: tail, vem-ard, vem-add, vem-ard-add and
# vem-ard-add-authors on the 7 UCI data sets x 20 splits, the authors' settings (batch 32,
# S = 10, Adam 1e-3, keep 0.995, no L2 term, precision learned) but a smaller epoch budget
# per data set, chosen so that each data set gets about the same machine time and the whole
# run about an hour on 2 cores (the published 4500 epochs would take about 25 hours there:
# a variational-EM resnet costs ~30 us per training row and epoch, docs/performance.md).
# Each data set is one resumable `shrinknet bench` run into the same results file: rerun the
# script after a kill and it goes on.
#
#   sh bench/table3.sh DATA_DIR [OUT.jsonl] [JOBS]
set -eu
data=${1:?usage: sh bench/table3.sh DATA_DIR [OUT.jsonl] [JOBS]}
out=${2:-docs/results/table3.jsonl}
jobs=${3:-2}
bin=${SN_BIN:-./build/shrinknet}
methods=tail,vem-ard,vem-add,vem-ard-add,vem-ard-add-authors
# data set:epochs (about 15 s of training per unit: epochs ~ 1/training rows)
for de in yacht:1800 bostonHousing:1100 energy:700 concrete:500 wine-quality-red:320 \
          kin8nm:55 power-plant:45; do
    d=${de%%:*}
    e=${de##*:}
    "$bin" bench --data-dir "$data" --datasets "$d" --methods "$methods" --protocol fixed \
        --epochs "$e" --jobs "$jobs" --out "$out" --csv none > /dev/null
done
"$bin" bench --report "$out"
