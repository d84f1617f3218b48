#!/bin/sh
# The same seed gives byte-identical model files and predictions; another seed does not.
. tests/cli/_lib.sh
cd "$T"
for i in 1 2; do
    expect 0 "train $i" -- "$BIN" train --data "$YACHT" --objective tail --epochs 20 --seed 5 \
        -o a$i.snm -q
done
cmp -s a1.snm a2.snm || fail "same seed, different model files"
expect 0 "train seed 6" -- "$BIN" train --data "$YACHT" --objective tail --epochs 20 --seed 6 \
    -o b.snm -q
cmp -s a1.snm b.snm && fail "different seeds, identical model files"
awk 'NR <= 9 { print $1 "," $2 "," $3 "," $4 "," $5 "," $6 }' "$YACHT/data.txt" > x.csv
expect 0 "predict 1" -- "$BIN" predict -m a1.snm --input x.csv -o p1.csv --seed 3
expect 0 "predict 2" -- "$BIN" predict -m a2.snm --input x.csv -o p2.csv --seed 3
cmp -s p1.csv p2.csv || fail "same model and seed, different predictions"
expect 0 "eval 1" -- "$BIN" eval -m a1.snm --data "$YACHT" --json --seed 3
cp "$T/out" e1.json
expect 0 "eval 2" -- "$BIN" eval -m a2.snm --data "$YACHT" --json --seed 3
cmp -s "$T/out" e1.json || fail "same model and seed, different metrics"
finish
