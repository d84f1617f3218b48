#!/bin/sh
# Variational EM from the CLI: every structure x hyper-prior on yacht split 0 (ARD-ADD with a
# log-uniform hyper-prior refused, exit 2), the authors' variant, and inspect.
. tests/cli/_lib.sh
cd "$T"
for prior in ard add ard-add; do
    for hp in invgamma:3,3 halfcauchy:1 loguniform; do
        if [ "$prior/$hp" = "ard-add/loguniform" ]; then
            expect 2 "ard-add loguniform refused" -- "$BIN" train --data "$YACHT" --method vem \
                --prior ard-add --hyperprior loguniform --arch resnet:50x2 --epochs 2 -o x.snm
            says "no maximum" "ard-add loguniform gives the reason"
            [ -e x.snm ] && fail "refused training wrote a model"
            continue
        fi
        expect 0 "vem $prior $hp" -- "$BIN" train --data "$YACHT" --method vem --prior $prior \
            --hyperprior $hp --arch resnet:50x2 --epochs 5 -o m.snm -q
        expect 0 "eval vem $prior $hp" -- "$BIN" eval -m m.snm --data "$YACHT" --json \
            --samples 100
        outputs '"rmse": [0-9]' "vem $prior $hp finite rmse"
        outputs '"ll": -?[0-9]' "vem $prior $hp finite ll"
    done
done
for est in reparam flipout; do
    expect 0 "estimator $est" -- "$BIN" train --data "$YACHT" --method vem --prior ard-add \
        --arch resnet:50x2 --estimator $est --epochs 3 -o m.snm -q
done
expect 0 "authors variant" -- "$BIN" train --data "$YACHT" --method vem --prior ard-add \
    --arch resnet:50x2 --variant authors --precision 0.75 --epochs 5 -o a.snm -q
expect 0 "eval authors" -- "$BIN" eval -m a.snm --data "$YACHT" --json --samples 100
outputs '"precision": 0.7(4999|5)' "authors variant tests with the given precision"
expect 2 "add on an MLP" -- "$BIN" train --data "$YACHT" --method vem --prior add --epochs 2 \
    -o x.snm
says "resnet" "add on an MLP names resnet"

expect 0 "train for inspect" -- "$BIN" train --data "$YACHT" --method vem --prior ard-add \
    --arch resnet:20x3 --epochs 10 -o i.snm -q
expect 0 "inspect" -- "$BIN" inspect -m i.snm --csv post_
outputs "block variance t = " "inspect prints the block scale"
outputs "row variances" "inspect prints the row scales"
outputs "residual blocks pruned: [0-9]+ of 2" "inspect counts pruned blocks"
[ -s post_1.csv ] || fail "inspect --csv wrote no matrix"
[ "$(wc -l < post_1.csv)" -eq 20 ] || fail "inspect --csv: 20 rows expected"
[ "$(head -n 1 post_1.csv | tr ',' '\n' | wc -l)" -eq 20 ] || fail "inspect --csv: 20 columns"
expect 0 "inspect --json" -- "$BIN" inspect -m i.snm --json
outputs '"blocks": 2, "blocks_pruned": [0-9]+\}' "inspect --json"
expect 0 "inspect an MC model" -- "$BIN" train --data "$YACHT" --epochs 2 -o mc.snm -q
expect 0 "inspect MC" -- "$BIN" inspect -m mc.snm
outputs "squared norms" "inspect MC prints row norms"
finish
