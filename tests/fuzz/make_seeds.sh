#!/bin/sh
# Write the seed corpora of tests/fuzz/corpus/ (run from the repository root after `make`).
# Every seed is a few lines written here or a tiny model trained by build/shrinknet on a
# six-row CSV written here: no data set is copied. Rerunning replaces the seeds it writes.
set -eu
BIN=${SN_BIN:-$PWD/build/shrinknet}
C=tests/fuzz/corpus
mkdir -p $C/csv $C/uci $C/model $C/opts $C/results

# ---- CSV: an option byte (see fuzz_csv.c), then the file ----------------------------------
csv() { name=$1; opt=$2; shift 2; { printf "\\$opt"; printf -- "$@"; } > $C/csv/$name; }
csv header_comma    000 'a,b,y\n1,2,3\n4.5,-6e2,0x1p3\n'
csv noheader_blank  000 '1 2 3\n\n  4\t5 6\n'
csv crlf_bom        000 '\357\273\277x,y\r\n1,2\r\n3,4\r\n'
csv cr_only         000 'x,y\r1,2\r3,4'
csv quoted_target   200 '"p","q","r"\n0.5,1,2\n1e-300,1e300,3\n'   # target "y": not a name
csv target_first    100 'y,a\n1,2\n3,4\n'                           # target "0"
csv no_target       020 '1,2\n3,4\n'
csv ws_forced       002 '1,2 3\n4,5 6\n'
csv comma_forced    001 '1 2,3\n4 5,6\n'
csv header_yes      004 '1,2\n3,4\n'
csv header_no       010 'a,b\n1,2\n'
csv ragged          000 'a,b,y\n1,2,3\n4,5\n'
csv nan_inf         000 'a,y\n1,nan\ninf,2\n1e999,3\n'
csv empty_field     000 'a,b,y\n1,,3\n'
csv header_only     000 'a,b,y\n'
csv one_col         000 'y\n1\n2\n'
csv subnormal       000 'a,y\n4e-320,1\n-0,2\n'
csv big_index       240 'a,b\n1,2\n'                                 # 30-digit target

# ---- UCI folders: parts separated by "##" lines (see fuzz_uci.c) ---------------------------
# data, features, target, train_0, test_0, n_splits, train_1, test_1, n_hidden, n_epochs,
# dropout_rates, tau_values
uci() { name=$1; shift; out=$C/uci/$name; : > "$out"; first=1
        for part in "$@"; do [ $first = 1 ] || printf '##\n' >> "$out"; first=0
                             printf -- "$part" >> "$out"; done; }
uci good '1 2 3\n4 5 6\n7 8 9\n10 11 12\n' '0\n1\n' '2\n' '0\n1\n' '2\n3\n' '2\n' '2\n3\n' \
    '0\n1\n' '50\n' '40\n' '0.005\n0.01\n' '0.25\n0.5\n'
uci minimal '1 2\n3 4\n' '0\n' '1\n' '0\n' '1\n' '1\n'
uci overlap '1 2\n3 4\n' '0\n' '1\n' '0\n' '0\n' '1\n'
uci dup '1 2\n3 4\n5 6\n' '0\n' '1\n' '0\n0\n' '1\n' '1\n'
uci range '1 2\n3 4\n' '0\n' '1\n' '0\n' '7\n' '1\n'
uci target_is_feature '1 2\n3 4\n' '0\n1\n' '1\n' '0\n' '1\n' '1\n'
uci missing_target '1 2\n3 4\n' '0\n' '~' '0\n' '1\n' '1\n'
uci empty_index '1 2\n3 4\n' '0\n' '1\n' '' '1\n' '1\n'
uci bad_info '1 2\n3 4\n' '0\n' '1\n' '0\n' '1\n' '1\n' '~' '~' '-5\n' '0\n' '1.5\n' '0\n'
uci crlf '1 2\r\n3 4\r\n' '0\r\n' '1\r\n' '0\r\n' '1\r\n' '1\r\n'

# ---- Model files: tiny models trained here, and broken copies ------------------------------
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
printf 'a,b,y\n0.1,0.2,1\n0.3,0.1,2\n0.5,0.9,3\n0.7,0.4,4\n0.2,0.8,5\n0.9,0.6,6\n' > "$T/d.csv"
"$BIN" train --data "$T/d.csv" --hidden 2 --samples 1 --batch 6 --epochs 1 -o $C/model/mlp.snm -q
"$BIN" train --data "$T/d.csv" --hidden 2 --arch resnet --layers 2 --noise gaussian:0.1 \
    --placement units+blocks --batch 6 --epochs 1 -o $C/model/resnet.snm -q
"$BIN" train --data "$T/d.csv" --method vem --hidden 2 --batch 6 --epochs 1 \
    -o $C/model/vem.snm -q
"$BIN" train --data "$T/d.csv" --hidden 1 --activation tanh --noise beta:3,2 --objective tail \
    --precision 2 --optimizer sgd --batch 6 --epochs 1 -o $C/model/tanh_beta.snm -q
head -c 300 $C/model/mlp.snm > $C/model/truncated.snm
sed 's/^shrinknet-model 1$/shrinknet-model 2/' $C/model/mlp.snm > $C/model/newer.snm
sed 's/^n_hidden 2$/n_hidden 3/' $C/model/mlp.snm > $C/model/bad_sum.snm
printf 'shrinknet-model 1\n' > $C/model/magic_only.snm
sed "s/^noise .*/noise gaussian -3 0 true/" $C/model/mlp.snm > $C/model/bad_noise.snm   # resigned by the harness
sed "s/^noise .*/noise halfcauchy 1 0 true/" $C/model/mlp.snm > $C/model/halfcauchy_mean_one.snm

# ---- Results files: lines of docs/results, lines of the harness's plan, hostile lines -------
# (see fuzz_results.c: "@DS@" and "@CONFIG@" become the harness's data set and config id)
R=$C/results
head -n 2 docs/results/table2-authors.jsonl > $R/table2_lines
head -n 3 docs/results/table3.jsonl > $R/table3_lines
gunzip -c docs/results/gal-protocol.jsonl.gz | sed -n '1p;13p;14p' > $R/gal_lines
one=$(head -n 1 docs/results/table2-authors.jsonl)
plan() { echo "$one" | sed "s/\"dataset\":\"[^\"]*\"/\"dataset\":\"@DS@\"/; s/\"method\":\"[^\"]*\"/\"method\":\"lb\"/;
                           s/\"config\":\"[^\"]*\"/\"config\":\"$1\"/; s/\"split\":[0-9]*/\"split\":$2/; $3"; }
{ plan @CONFIG@ 0 ''; plan @CONFIG@ 1 ''; } > $R/plan_done
{ plan @CONFIG@ 0 's/"status":"ok","error":null/"status":"error","error":"it broke"/'
  plan @CONFIG@ 0 ''; plan @CONFIG@ 1 '' | head -c 120; } > $R/plan_error_torn
plan 0123456789abcdef 1 '' > $R/plan_other_config
{ plan @CONFIG@ 7 ''; printf '\r\n  \n'; plan @CONFIG@ 1 's/"grid":-1/"grid":3/'; } > $R/plan_far_units
echo "$one" | sed 's/"rmse":[^,]*/"rmse":1e999999/' > $R/overflow
echo "$one" | sed 's/"method":/"split":3,"method":/' > $R/key_twice
echo "$one" | sed "s/\"tag\":\"[^\"]*\"/\"tag\":\"a$(printf '\377')b\\\\u00e9\\\\ud83d\\\\ude00\"/" > $R/not_utf8
printf '[1,2]\n' > $R/array
echo "$one" | sed 's/"rmse":[^,]*/"rmse":"2.5"/; s/"learn_precision":[a-z]*/"learn_precision":null/' > $R/wrong_type

# ---- Options: a mode byte (see fuzz_opts.c), then one argument per line --------------------
opts() { name=$1; mode=$2; shift 2; { printf "\\$mode"; printf -- "$@"; } > $C/opts/$name; }
opts train_typical 000 '--data\nyacht\n--split\n0\n--objective\ntail\n--noise\nbernoulli:0.995\n--samples\n10\n--epochs\n400\n--seed\n1\n-o\nyacht.snm\n-q'
opts train_eq       000 '--data=x.csv\n--arch=resnet:50x2\n--sigma0=inf\n--lr=1e-3\n--batch=32'
opts train_vem      000 '--data\nd\n--method\nvem\n--prior\nard-add\n--hyperprior\nhalfcauchy:1\n--estimator\nflipout\n--variant\nauthors'
opts train_gal      000 '--data\nd\n--gal-lengthscale\n0.01\n--noise\nbernoulli:0.9\n--precision\n4\n--learn-precision'
opts train_bad      000 '--data\nd\n--samples\nabc\n--epochs\n0\n--lr'
opts train_help     000 '--help'
opts table_all      001 '-f\n-s\nx\n-n\n5\n-r\n0.25\n--neg=-1e300\n-u\n18000000000000000000'
opts train_blanks   000 '--data\nd\n--lr\n 1e-3\n--samples\n\t5'   # refused: leading blanks
opts table_bad      001 '--size\n-1\n--real\nnan\n--flag=1\n--u64\n 5\nextra'
for nz in bernoulli:0.995 gaussian:0.1 rayleigh invnakagami:2,1.5 halfcauchy:0.3 beta:4,1 \
          uniform:0.5,1.5 none bernoulli:1e-300 gaussian:1e300 beta:1e-3,1e-3; do
    opts "noise_$(echo "$nz" | tr ':,' '__')" 002 "$nz"
done
for h in invgamma:3,3 invgamma:0,0 halfcauchy:1 loguniform units+blocks ard-add relu; do
    opts "hyper_$(echo "$h" | tr ':,+' '___')" 003 "$h"
done
echo "seeds: $(ls $C/csv | wc -l) csv, $(ls $C/uci | wc -l) uci, $(ls $C/model | wc -l) model, $(ls $C/opts | wc -l) opts, $(ls $C/results | wc -l) results"
