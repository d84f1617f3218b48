#!/bin/sh
# Numerical faults and extreme but valid data. A diverging run exits 4 naming the epoch and a
# likely cause, writes nothing and leaves an existing model file as it was. Extreme data -
# scales from 1e-170 to the largest double in X, 1e±150 and beyond in y, constant columns, a
# constant target, one feature, one row, one hidden unit, S = 1, T = 1, batch = N - either
# trains, with eval and predict printing finite numbers and the fit of the unscaled data,
# scaled; or is refused with exit 1 or 4, a "shrinknet train:" message and no model file. Never
# a crash, a NaN or a silently wrong fit. Known gaps print XFAIL (docs/reliability.md) without
# failing the suite, and XPASS once fixed.
. tests/cli/_lib.sh
cd "$T"

# data NAME XSCALE YSCALE [ROWS]: a,b,c -> y, a smooth function plus a little noise.
data() {
    awk -v xs="$2" -v ys="$3" -v n="${4:-40}" 'BEGIN { srand(3); print "a,b,c,y"
        for (i = 0; i < n; i++) { a = rand(); b = rand(); c = rand()
            printf "%.17g,%.17g,%.17g,%.17g\n", a * xs, b * xs, c * xs,
                   (a + 2 * b - c + 0.1 * rand()) * ys } }' > "$1.csv"
}
# finite_out WHAT: the last command's stdout holds numbers and no nan or inf.
finite_out() {
    if grep -Eiq 'nan|inf' "$T/out"; then fail "$1: output has nan or inf"; sed 's/^/  | /' "$T/out" >&2; fi
}
# finite_csv FILE WHAT: every field after the header line is a finite number.
finite_csv() {
    awk -F, 'NR > 1 { for (i = 1; i <= NF; i++)
                 if ($i !~ /^-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?$/) { bad = 1 } }
             END { exit bad }' "$1" || { fail "$2: non-finite field in $1"; head -n 3 "$1" >&2; }
}
# rmse_of: the "rmse" of the last eval --json.
rmse_of() { sed -n 's/.*"rmse": \([^,]*\),.*/\1/p' "$T/out"; }
# known WHAT CONDITION...: a check that fails today because of an open bug: XFAIL/XPASS only.
known() {
    what=$1; shift
    if "$@"; then echo "XPASS: $what (fixed? make it a hard check)"
    else echo "XFAIL: $what (open, docs/reliability.md)"; fi
}
E="--epochs 30 --hidden 10 --batch 40 --seed 1 -q"

data base 1 1

# ---- Numbers with leading blanks are not numbers (strtod and strtoull would skip them) -----
expect 2 "--lr with a leading blank" -- "$BIN" train --data base.csv --lr " 1e-3" -o x.snm
says -- "--lr: expected a number" "leading blank: message names the option"
expect 2 "--samples with a leading tab" -- "$BIN" train --data base.csv --samples "$(printf '\t5')" -o x.snm
[ -e x.snm ] && fail "a refused option wrote a model"

# ---- Divergence ---------------------------------------------------------------------------
expect 0 "base train" -- "$BIN" train --data base.csv $E -o keep.snm
cp keep.snm before.snm
expect 4 "adam lr 1e300 diverges" -- "$BIN" train --data base.csv $E --lr 1e300 -o keep.snm
says "diverged in epoch [0-9]+" "divergence names the epoch"
says "learning rate" "divergence names a likely cause"
cmp -s keep.snm before.snm || fail "a diverged run changed the existing model file"
expect 4 "diverges, no file before" -- "$BIN" train --data base.csv $E --lr 1e300 -o new.snm
[ -e new.snm ] && fail "a diverged run wrote a model file"
expect 4 "vem diverges" -- "$BIN" train --data base.csv $E --method vem --lr 1e300 -o keep.snm
says "^shrinknet train: " "vem divergence is reported"
says "epoch [0-9]+" "vem divergence names the epoch"
says "learning rate|too large" "vem divergence names a likely cause"
cmp -s keep.snm before.snm || fail "a diverged vem run changed the existing model file"
expect 4 "sgd diverges later" -- "$BIN" train --data base.csv --epochs 50 --optimizer sgd \
    --lr 1e6 -q -o keep.snm
says "diverged in epoch [0-9]+" "sgd divergence names the epoch"
cmp -s keep.snm before.snm || fail "a diverged sgd run changed the existing model file"
ls ./*.tmp* >/dev/null 2>&1 && fail "temporary files left behind"

# ---- Extreme scales: the same fit, scaled, or a clear refusal -------------------------------
expect 0 "eval base" -- "$BIN" eval -m keep.snm --data base.csv --json
r0=$(rmse_of)
# works_or_refuses NAME YSCALE: exit 0, finite eval and predict output and the unscaled fit
# times YSCALE (standardisation makes training scale-free); or exit 1 (bad data) or 4
# (numerical failure) with a "shrinknet train:" message and no model file. Prints which.
works_or_refuses() {
    rm -f "$1.snm"
    "$BIN" train --data "$1.csv" $E -o "$1.snm" >"$T/out" 2>"$T/err"
    rc=$?
    case $rc in
    0)  expect 0 "eval $1" -- "$BIN" eval -m "$1.snm" --data "$1.csv" --json
        finite_out "eval $1"
        r=$(rmse_of)
        awk -v r="$r" -v r0="$r0" -v s="$2" 'BEGIN { q = r / s / r0; exit !(q > 0.8 && q < 1.25) }' ||
            fail "$1: rmse $r is not the unscaled rmse $r0 times $2"
        expect 0 "predict $1" -- "$BIN" predict -m "$1.snm" --input "$1.csv" --target y \
            -o "$1.pred"
        finite_csv "$1.pred" "predict $1"
        echo "ok: $1 trains" ;;
    1|4) grep -q "^shrinknet train: " "$T/err" || fail "$1: exit $rc without a message"
        [ -e "$1.snm" ] && fail "$1: refused but wrote a model file"
        echo "ok: $1 refused (exit $rc): $(head -c 160 "$T/err")" ;;
    *)  fail "$1: exit $rc"; sed 's/^/  | /' "$T/err" >&2 ;;
    esac
}
for c in "1e150 1" "1e-150 1" "1e-170 1" "1e160 1" "1e300 1" "1 1e150" "1 1e-150" \
         "1 1e-160" "1 1e-200" "1 1e160" "1 1e300" "1e150 1e150" "1e-150 1e-150" "1 1e90" \
         "1 1e-90"; do
    set -- $c
    data "s_$1_$2" "$1" "$2"
    works_or_refuses "s_$1_$2" "$2"
done
# The extremes of a double in one column: the largest and a subnormal.
awk 'BEGIN { srand(3); print "a,b,c,y"; for (i = 0; i < 40; i++) { a = rand(); b = rand()
         c = rand(); printf "%s,%.17g,%.17g,%.17g\n", i % 2 ? "1.7976931348623157e308" : "4e-320",
         b, c, a + 2 * b - c + 0.1 * rand() } }' > dblmax.csv
"$BIN" train --data dblmax.csv $E -o dblmax.snm >"$T/out" 2>"$T/err"
case $? in
0)  expect 0 "eval dblmax" -- "$BIN" eval -m dblmax.snm --data dblmax.csv --json
    finite_out "eval dblmax" ;;
1|4) says "^shrinknet train: " "dblmax refused with a message" ;;
*)  fail "dblmax: crashed or an unexpected exit code" ;;
esac
# The predictive interval scales with y too (today its bisection stops at an absolute width of
# 1e-12 - src/predict.c mixture_quantile - so below about 1e-11 it is off by a few percent).
data s_1_1e-20 1 1e-20
expect 0 "train y 1e-20" -- "$BIN" train --data s_1_1e-20.csv $E -o s_1_1e-20.snm
expect 0 "predict scale 1" -- "$BIN" predict -m keep.snm --input base.csv --target y -o p1.pred
expect 0 "predict y 1e-20" -- "$BIN" predict -m s_1_1e-20.snm --input s_1_1e-20.csv --target y \
    -o p20.pred
interval_scales() {
    paste -d, p1.pred p20.pred | awk -F, 'NR > 1 { for (k = 1; k <= 4; k++) {
        d = $(k + 4) / 1e-20 - $k; if (d < 0) d = -d; if (d > 1e-6 * ($k < 0 ? -$k : $k)) bad = 1 } }
        END { exit bad }'
}
interval_scales || fail "predict: mean, std and interval at y scale 1e-20 are those at scale 1, scaled"
# Within 1e±90 the target's scale must work, not be refused.
for n in s_1_1e90 s_1_1e-90 s_1e300_1 s_1e-170_1; do
    [ -e $n.snm ] || fail "$n was refused; it should train"
done

# ---- Degenerate but valid data and settings ------------------------------------------------
awk 'BEGIN { srand(5); print "a,k,b,y"; for (i = 0; i < 40; i++) { a = rand(); b = rand()
         printf "%.17g,7,%.17g,%.17g\n", a, b, a - b } }' > constcol.csv
awk 'BEGIN { srand(5); print "a,b,y"; for (i = 0; i < 40; i++)
         printf "%.17g,%.17g,3.5\n", rand(), rand() }' > consty.csv
awk 'BEGIN { print "a,y"; for (i = 0; i < 40; i++) print "5,6" }' > allconst.csv
awk 'BEGIN { srand(5); print "a,y"; for (i = 0; i < 40; i++) { a = rand()
         printf "%.17g,%.17g\n", a, 2 * a } }' > onefeat.csv
printf 'a,y\n1,2\n' > onerow.csv
awk 'BEGIN { srand(5); print "a,b,y"; for (i = 0; i < 40; i++) { a = rand()
         printf "%.17g,%.17g,%.17g\n", (i % 2 ? 1e150 : 1e-150) * a, rand(), a } }' > mixed.csv
for d in constcol consty allconst onefeat mixed; do
    expect 0 "train $d" -- "$BIN" train --data $d.csv $E -o $d.snm
    expect 0 "eval $d" -- "$BIN" eval -m $d.snm --data $d.csv --json
    finite_out "eval $d"
done
expect 0 "train one row" -- "$BIN" train --data onerow.csv --batch 1 --epochs 5 -q -o onerow.snm
expect 0 "eval one row" -- "$BIN" eval -m onerow.snm --data onerow.csv --json
finite_out "eval one row"
# A constant target is learnt (1500 Adam steps bring the output to it).
expect 0 "train constant target longer" -- "$BIN" train --data consty.csv --epochs 300 \
    --batch 8 --hidden 10 -q -o consty.snm
expect 0 "constant target predicts it" -- "$BIN" eval -m consty.snm --data consty.csv --json
awk -v r="$(rmse_of)" 'BEGIN { exit !(r < 0.05) }' || fail "constant target: rmse $(rmse_of)"

for opt in "--hidden 1" "--samples 1" "--batch 1" "--hidden 1 --samples 1 --objective iw" \
           "--samples 1 --objective tail" "--method vem --hidden 1 --samples 1" \
           "--arch resnet --hidden 1 --layers 2" "--placement weights --hidden 1 --samples 1" \
           "--noise none --samples 1"; do
    expect 0 "train $opt" -- "$BIN" train --data base.csv --epochs 5 --batch 40 -q $opt -o o.snm
    expect 0 "eval T=1 after $opt" -- "$BIN" eval -m o.snm --data base.csv --samples 1 --json
    finite_out "eval T=1 after $opt"
done
expect 0 "predict T=1" -- "$BIN" predict -m keep.snm --input base.csv --target y --samples 1 \
    -o t1.pred
finite_csv t1.pred "predict T=1"
expect 0 "batch = N = 40" -- "$BIN" train --data base.csv --epochs 5 --batch 40 -q -o o.snm
expect 1 "batch > N is refused" -- "$BIN" train --data base.csv --epochs 5 --batch 41 -q -o o.snm
says "minibatch|batch" "batch > N names the batch"
awk 'BEGIN { srand(5); print "a,b,y"; for (i = 0; i < 40; i++) { a = rand()
         printf "%s,%.17g,%.17g\n", i % 2 ? "4e-320" : "-0", a, a } }' > subnormal.csv
expect 0 "train subnormal column" -- "$BIN" train --data subnormal.csv $E -o sub.snm
expect 0 "eval subnormal column" -- "$BIN" eval -m sub.snm --data subnormal.csv --json
finite_out "eval subnormal column"

finish
