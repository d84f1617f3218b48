#!/bin/sh
# shrinknet plot: each figure command writes a non-empty PNG of the size asked (read from its
# IHDR chunk) and its CSV; scale-update's numbers are MATH.md §6's table; iw-weights reads what
# train --record-weights writes; posterior draws MC (w^2) and variational EM (mu^2 + sigma^2)
# models; bad input gives a clear message and the documented exit code, and no file.
. tests/cli/_lib.sh
cd "$T"

# png_size FILE: "WIDTH HEIGHT" from the PNG signature and IHDR chunk, or "not a PNG".
png_size() {
    sig=$(od -An -tu1 -N8 "$1" 2>/dev/null | tr -s ' ' | sed 's/^ //; s/ $//')
    if [ "$sig" != "137 80 78 71 13 10 26 10" ]; then echo "not a PNG"; return; fi
    od -An -tu1 -j16 -N8 "$1" | awk '{ print $1*16777216 + $2*65536 + $3*256 + $4,
                                             $5*16777216 + $6*65536 + $7*256 + $8 }'
}
# is_png FILE W H: a non-empty PNG of W x H pixels.
is_png() {
    [ -s "$1" ] || { fail "$1: missing or empty"; return; }
    got=$(png_size "$1")
    [ "$got" = "$2 $3" ] || fail "$1: size $got, wanted $2 $3"
}

expect 0 "plot --help" -- "$BIN" plot --help
for f in iw-weights scale-update posterior; do
    outputs "$f" "plot --help lists $f"
done
for f in iw-weights scale-update posterior; do
    expect 0 "plot $f --help" -- "$BIN" plot $f --help
    outputs "usage: shrinknet plot $f" "plot $f --help usage"
done
expect 2 "unknown figure" -- "$BIN" plot frobnicate
says "unknown figure 'frobnicate'" "unknown figure named"
expect 2 "no figure" -- "$BIN" plot

# --- Figure 1(b): scale-update -----------------------------------------------------------------
expect 0 "scale-update" -- "$BIN" plot scale-update -o su.png --width 640 --height 480 \
    --hyperpriors "invgamma:3,3;invgamma:0.001,0.001;halfcauchy:1;loguniform" --m-max 16 \
    --points 65
is_png su.png 640 480
[ -s "$T/out" ] && fail "scale-update printed on stdout"
says "wrote su.png and su.csv" "scale-update names its files"
[ "$(head -n 1 su.csv)" = 'M,"invgamma:3,3","invgamma:0.001,0.001",halfcauchy:1,loguniform' ] \
    || fail "scale-update CSV header: $(head -n 1 su.csv)"
# MATH.md §6, P = 1: v* at M = 0, 0.25, 1, 4, 16 (4 decimals).
awk -F, 'BEGIN {
        split("0 0.25 1 4 16", M, " ")
        split("0.6667 0.6944 0.7778 1.1111 2.4444", ig3, " ")
        split("0.0007 0.0839 0.3338 1.3331 5.3304", ig0, " ")
        split("0 0.1896 0.5774 1.7583 5.9034", hc, " ")
        split("0 0.0833 0.3333 1.3333 5.3333", lu, " ")
    }
    NR > 1 { for (k = 1; k <= 5; k++) if ($1 + 0 == M[k]) {
        found++
        if ((d = $2 - ig3[k]) > 6e-5 || d < -6e-5) { print "IG(3,3) at " $1 ": " $2; bad = 1 }
        if ((d = $3 - ig0[k]) > 6e-5 || d < -6e-5) { print "IG(.001) at " $1 ": " $3; bad = 1 }
        if ((d = $4 - hc[k]) > 6e-5 || d < -6e-5) { print "HC(1) at " $1 ": " $4; bad = 1 }
        if ((d = $5 - lu[k]) > 6e-5 || d < -6e-5) { print "LU at " $1 ": " $5; bad = 1 }
    } }
    END { exit bad || found != 5 }' su.csv >&2 || fail "scale-update values differ from MATH.md §6"
expect 0 "scale-update SVG, group of 50" -- "$BIN" plot scale-update -P 50 -o su.svg -q --no-csv
grep -q "<svg" su.svg || fail "scale-update SVG"
expect 2 "bad hyper-prior" -- "$BIN" plot scale-update --hyperpriors "invgamma:3;gamma:1" -o x.png
says "[-]-hyperpriors" "bad hyper-prior names the option"
expect 2 "bad extension" -- "$BIN" plot scale-update -o x.pdf
says "\.png or \.svg" "bad extension message"
[ -e x.png ] || [ -e x.pdf ] && fail "a failed scale-update wrote a file"

# --- Figure 1(a): iw-weights from train --record-weights -------------------------------------
for obj in lb iw tail; do
    expect 0 "train $obj --record-weights" -- "$BIN" train --data "$YACHT" --objective $obj \
        --noise bernoulli:0.9 --samples 5 --epochs 2 --record-weights w_$obj.csv -o m.snm -q
done
expect 0 "iw-weights" -- "$BIN" plot iw-weights w_lb.csv w_iw.csv w_tail.csv -o iw.png \
    --width 900 --height 300 --bins 20
is_png iw.png 900 300
[ -s "$T/out" ] && fail "iw-weights printed on stdout"
want='bin_left,bin_right,"lower bound, dropout p = 0.1","importance weighted, dropout p = 0.1"'
want="$want"',"tail-adaptive, dropout p = 0.1"'
[ "$(head -n 1 iw.csv)" = "$want" ] || fail "iw-weights CSV header: $(head -n 1 iw.csv)"
[ "$(wc -l < iw.csv)" -eq 22 ] || fail "iw-weights CSV: 21 bins + header"
# Every column is a distribution; the lower bound's weights are all 1/S = 0.2, the centre of the
# bin [0.175, 0.225) with 20 bins.
awk -F, 'NR > 1 { for (k = 3; k <= 5; k++) s[k] += $k; if ($1 < 0.2 && $2 > 0.2) lb = $3 }
         END { for (k = 3; k <= 5; k++) if (s[k] < 0.999999 || s[k] > 1.000001) exit 1;
               exit !(lb == 1) }' iw.csv || fail "iw-weights CSV: sums or lower-bound bin"
expect 0 "iw-weights overlay, labels" -- "$BIN" plot iw-weights w_iw.csv w_tail.csv --overlay \
    --labels "IW;tail" -o ov.png -q
is_png ov.png 900 600
head -n 1 ov.csv | grep -q '^bin_left,bin_right,IW,tail$' || fail "--labels in the CSV header"
expect 2 "iw-weights without files" -- "$BIN" plot iw-weights -o x.png
expect 2 "labels count" -- "$BIN" plot iw-weights w_iw.csv --labels "a;b" -o x.png
printf '# shrinknet sample weights: objective iw, S = 2, noise bernoulli:0.9\n' > bad.csv
printf '1,0.5,0.5\n1,0.5,x\n' >> bad.csv
expect 1 "iw-weights bad weight" -- "$BIN" plot iw-weights bad.csv -o x.png
says "bad.csv:3:7: expected a normalised weight" "bad weight: file:line:column"
printf '1,0.5,0.5\n1,0.2,0.3,0.5\n' > ragged.csv
expect 1 "iw-weights ragged" -- "$BIN" plot iw-weights ragged.csv -o x.png
says "ragged.csv:2: expected 2 weights, found 3" "ragged line named"
expect 3 "iw-weights missing file" -- "$BIN" plot iw-weights nosuch.csv -o x.png
[ -e x.png ] || [ -e x.csv ] && fail "a failed iw-weights wrote a file"

# --- Figure 2: posterior -----------------------------------------------------------------------
expect 0 "train mlp 2 layers" -- "$BIN" train --data "$YACHT" --layers 2 --hidden 8 --epochs 2 \
    -o mlp.snm -q
expect 0 "train resnet" -- "$BIN" train --data "$YACHT" --arch resnet:6x2 --epochs 2 -o res.snm -q
expect 0 "posterior, two MC models" -- "$BIN" plot posterior -m mlp.snm -m res.snm -o post.png \
    --width 700 --height 350
is_png post.png 700 350
[ "$(head -n 1 post.csv)" = "model,label,layer,row,col,mu2_plus_sigma2" ] \
    || fail "posterior CSV header"
[ "$(wc -l < post.csv)" -eq $((1 + 8 * 8 + 6 * 6)) ] || fail "posterior CSV: 8x8 + 6x6 cells"
grep -q '^mlp.snm,dropout p = 0.005 (MC),1,' post.csv || fail "posterior: MLP shows layer 1"
expect 0 "posterior, files after -m" -- "$BIN" plot posterior -m mlp.snm res.snm --layer 0 \
    --labels "a;b" --linear -o p0.svg -q
grep -q "<svg" p0.svg || fail "posterior SVG"
grep -q '^res.snm,b,0,' p0.csv || fail "posterior --layer 0 --labels"
if "$BIN" train --data "$YACHT" --arch resnet:6x2 --method vem --prior ard-add \
        --hyperprior invgamma:3,3 --epochs 2 -o vem.snm -q 2>/dev/null; then
    expect 0 "posterior with an EM model" -- "$BIN" plot posterior -m res.snm vem.snm -o pv.png -q
    is_png pv.png 940 440
    grep -q '^vem.snm,ARD-ADD (EM),1,' pv.csv || fail "EM panel label and layer"
fi
expect 2 "posterior without models" -- "$BIN" plot posterior -o x.png
says "no model given" "no model message"
expect 2 "posterior layer out of range" -- "$BIN" plot posterior -m mlp.snm --layer 9 -o x.png
says "layer 9 out of range" "layer out of range named"
head -c 300 mlp.snm > trunc.snm
expect 1 "posterior truncated model" -- "$BIN" plot posterior -m trunc.snm -o x.png
says "trunc.snm" "truncated model named"
[ -e x.png ] || [ -e x.csv ] && fail "a failed posterior wrote a file"
ls ./*.tmp* >/dev/null 2>&1 && fail "temporary files left behind"

finish
