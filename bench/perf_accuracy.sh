#!/bin/sh
# perf_accuracy.sh — do two builds of shrinknet give the same results? (docs/performance.md)
#
#   sh bench/perf_accuracy.sh OLD_BIN NEW_BIN [OUT_DIR]
#
# Trains tail-adaptive MC dropout (1 x 50, S = 10, batch 32, keep 0.995, seed 1) with both
# binaries on UCI splits and scores each model on its test split (T = 1000 draws): yacht, splits
# 0-19, 4500 epochs (the paper's protocol); power plant, splits 0-4, 400 epochs (the old build
# needs about 25 s per split at that length). Prints one line per (data set, split, build) and
# the mean and standard error over splits of the test RMSE and log-likelihood (Gal's, (37)).
# The two builds draw different noise (another generator), so single splits differ by Monte
# Carlo noise; the means over splits are what must agree.
set -eu
OLD=$1
NEW=$2
OUT=${3:-$(mktemp -d)}
SHARED=${SN_SHARED:-$(cd "$(dirname "$0")/../.." && pwd)/shared}
mkdir -p "$OUT"
run() { # set splits epochs
    set_=$1 splits=$2 epochs=$3
    for k in $(seq 0 $((splits - 1))); do
        for b in old new; do
            bin=$OLD
            [ "$b" = new ] && bin=$NEW
            m="$OUT/$set_-$k-$b.snm"
            t0=$(date +%s.%N)
            "$bin" train --data "$SHARED/uci/$set_" --split "$k" --objective tail \
                --noise bernoulli:0.995 --samples 10 --batch 32 --hidden 50 --epochs "$epochs" \
                --seed 1 -q -o "$m"
            t1=$(date +%s.%N)
            "$bin" eval -m "$m" --data "$SHARED/uci/$set_" --split "$k" --json --seed 3 \
                > "$OUT/$set_-$k-$b.json"
            rmse=$(sed -n 's/.*"rmse": \([^,]*\),.*/\1/p' "$OUT/$set_-$k-$b.json")
            ll=$(sed -n 's/.*"ll": \([^,]*\),.*/\1/p' "$OUT/$set_-$k-$b.json")
            echo "$set_ $k $b $rmse $ll $(echo "$t1 - $t0" | bc)"
        done
    done
}
{
    run yacht 20 4500
    run power-plant 5 400
} | tee "$OUT/runs.txt"
echo
echo "data set     build  splits  RMSE mean (se)        test LL mean (se)     train s/split"
awk '{ k = $1 " " $3; n[k]++; r[k] += $4; rr[k] += $4 * $4; l[k] += $5; ll[k] += $5 * $5; t[k] += $6 }
     END { for (k in n) { split(k, a, " ")
             mr = r[k] / n[k]; ml = l[k] / n[k]
             sr = sqrt((rr[k] / n[k] - mr * mr) / (n[k] - 1 > 0 ? n[k] - 1 : 1))
             sl = sqrt((ll[k] / n[k] - ml * ml) / (n[k] - 1 > 0 ? n[k] - 1 : 1))
             printf "%-12s %-5s %6d  %8.4f (%6.4f)     %8.4f (%6.4f)     %8.2f\n", a[1], a[2], n[k],
                    mr, sr, ml, sl, t[k] / n[k] } }' "$OUT/runs.txt" | sort
