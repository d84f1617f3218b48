#!/bin/sh
# bench/gal_protocol.sh — the Gal-protocol run of docs/results.md: every method on yacht and
# bostonHousing, per split a grid search on 80/20 of the training part (dropout_rates.txt x
# tau_values.txt for the dropout nets, tau_values.txt for the EM resnets), refit, test.
# The dropout nets train Gal's budget (n_epochs.txt x 100 = 4000 epochs, batch 128, weight
# decay (39)); the EM resnets the authors' settings with a smaller epoch budget (yacht 600,
# bostonHousing 360) so that the run takes about half an hour on 2 cores. Resumable like
# bench/table3.sh.
#
#   sh bench/gal_protocol.sh DATA_DIR [OUT.jsonl] [JOBS]
set -eu
data=${1:?usage: sh bench/gal_protocol.sh DATA_DIR [OUT.jsonl] [JOBS]}
out=${2:-docs/results/gal-protocol.jsonl}
jobs=${3:-2}
bin=${SN_BIN:-./build/shrinknet}
"$bin" bench --data-dir "$data" --datasets yacht,bostonHousing --methods lb,iw,tail \
    --protocol gal --jobs "$jobs" --out "$out" --csv none > /dev/null
for de in yacht:600 bostonHousing:360; do
    d=${de%%:*}
    e=${de##*:}
    "$bin" bench --data-dir "$data" --datasets "$d" \
        --methods vem-ard,vem-add,vem-ard-add,vem-ard-add-authors --protocol gal \
        --epochs "$e" --jobs "$jobs" --out "$out" --csv none > /dev/null
done
"$bin" bench --report "$out"
