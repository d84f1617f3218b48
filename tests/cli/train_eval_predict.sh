#!/bin/sh
# train / eval / predict on yacht split 0 for every objective and noise family, with the
# exact spellings scripts use; CSV training with a named target and the default output name.
. tests/cli/_lib.sh

cd "$T"
# The command lines, as written.
expect 0 "train tail" -- "$BIN" train --data "$YACHT" --split 0 --objective tail \
    --noise bernoulli:0.995 --samples 10 --epochs 400 --seed 1 -o yacht.snm -q
expect 0 "eval --json" -- "$BIN" eval -m yacht.snm --data "$YACHT" --split 0 --json
for k in rmse ll ll_gauss mae ref_abs_err n; do
    outputs "\"$k\": [0-9-]" "eval --json has key $k"
done
rmse=$(sed -n 's/.*"rmse": \([0-9.eE+-]*\).*/\1/p' "$T/out")
awk -v r="$rmse" 'BEGIN { exit !(r < 1.5) }' || fail "yacht split 0 tail: rmse $rmse >= 1.5"

# Feature rows for predict: the first 5 rows of yacht's data, its 6 feature columns.
awk 'NR <= 5 { print $1 "," $2 "," $3 "," $4 "," $5 "," $6 }' "$YACHT/data.txt" > new_rows.csv
expect 0 "predict" -- "$BIN" predict -m yacht.snm --input new_rows.csv -o predictions.csv
[ "$(head -n 1 predictions.csv)" = "mean,std,lower,upper" ] || fail "predict header"
[ "$(wc -l < predictions.csv)" -eq 6 ] || fail "predict rows: $(wc -l < predictions.csv)"
awk -F, 'NR > 1 && !($3 < $1 && $1 < $4 && $2 > 0) { bad = 1 } END { exit bad }' \
    predictions.csv || fail "predict: lower < mean < upper and std > 0"
expect 0 "predict to stdout" -- "$BIN" predict -m yacht.snm --input new_rows.csv
outputs "^mean,std,lower,upper" "predict stdout header"

for obj in lb iw tail; do
    expect 0 "train $obj" -- "$BIN" train --data "$YACHT" --objective $obj --epochs 30 \
        -o m_$obj.snm -q
    expect 0 "eval $obj" -- "$BIN" eval -m m_$obj.snm --data "$YACHT" --json
    outputs '"ll": -?[0-9]' "eval $obj finite ll"
done
expect 0 "train hier" -- "$BIN" train --data "$YACHT" --objective hier \
    --noise invnakagami:3 --sigma0 1 --epochs 30 -o m_hier.snm -q
expect 0 "eval hier" -- "$BIN" eval -m m_hier.snm --data "$YACHT" --json
expect 2 "hier with Bernoulli" -- "$BIN" train --data "$YACHT" --objective hier --sigma0 1 \
    --epochs 3 -o x.snm
says "E\[xi\^-2\]" "hier with Bernoulli names E[xi^-2]"
[ -e x.snm ] && fail "refused training wrote a file"

for nz in bernoulli:0.9 gaussian:0.1 rayleigh invnakagami:2 beta:4,1 uniform:0.5,1.5 none; do
    expect 0 "train $nz" -- "$BIN" train --data "$YACHT" --noise $nz --epochs 5 -o n.snm -q
    expect 0 "eval $nz" -- "$BIN" eval -m n.snm --data "$YACHT" --samples 50 --json
done
# Half-Cauchy has no mean: it is used raw (not scaled to mean one), as the parser documents.
expect 0 "half-Cauchy raw" -- "$BIN" train --data "$YACHT" --noise halfcauchy:0.3 \
    --epochs 2 -o n.snm -q
for pl in weights; do
    expect 0 "placement $pl" -- "$BIN" train --data "$YACHT" --placement $pl --hidden 10 \
        --epochs 2 -o n.snm -q
done
for pl in blocks units+blocks; do
    expect 0 "placement $pl" -- "$BIN" train --data "$YACHT" --arch resnet:20x3 \
        --placement $pl --epochs 2 -o n.snm -q
done
expect 2 "blocks on an MLP" -- "$BIN" train --data "$YACHT" --placement blocks --epochs 2 \
    -o n.snm
says "resnet" "blocks on an MLP names resnet"

# CSV with a header, target by name, default output name.
i=0; { echo "rooms,age,price,dist"; while [ $i -lt 200 ]; do
    echo "$((i % 6 + 1)),$((i * 7 % 50)).5,$((100 + 30 * (i % 6 + 1) - i * 7 % 50)).25,$((i % 10)).75"
    i=$((i + 1)); done; } > houses.csv
expect 0 "train CSV by name" -- "$BIN" train --data houses.csv --target price --epochs 40
[ -s houses.snm ] || fail "default output name houses.snm"
says "houses.snm" "default output name printed"
expect 0 "eval CSV by index" -- "$BIN" eval -m houses.snm --data houses.csv --target 2 --json
expect 0 "train CSV by index" -- "$BIN" train --data houses.csv --target 2 --epochs 2 \
    -o h2.snm -q
finish
