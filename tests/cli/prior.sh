#!/bin/sh
# shrinknet prior: every row of Table 1 passes its Kolmogorov-Smirnov check at significance 0.001
# with the fixed seed 1 and n = 100000 draws (the defaults); wrong pairings are rejected; the
# density figure is a PNG of the size asked (read from its IHDR chunk) or an SVG, with its CSV;
# bad options give exit 2 and leave existing files alone.
. tests/cli/_lib.sh
cd "$T"

# png_size FILE: "WIDTH HEIGHT" from the PNG signature and IHDR chunk, or "not a PNG".
png_size() {
    sig=$(od -An -tu1 -N8 "$1" 2>/dev/null | tr -s ' ' | sed 's/^ //; s/ $//')
    if [ "$sig" != "137 80 78 71 13 10 26 10" ]; then echo "not a PNG"; return; fi
    od -An -tu1 -j16 -N8 "$1" | awk '{ print $1*16777216 + $2*65536 + $3*256 + $4,
                                             $5*16777216 + $6*65536 + $7*256 + $8 }'
}

# --- Table 1 ------------------------------------------------------------------------------
expect 0 "prior --table" -- "$BIN" prior --table
outputs "significance 0.001 per row" "--table states its significance"
outputs "n = 100000 draws" "--table states n"
outputs "seed 1" "--table states the seed"
for row in "Bernoulli +Bernoulli +spike-and-slab" "Gaussian +scaled nc chi\^2" \
           "Rayleigh +Exponential +Laplace" "inverse Nakagami +inverse-gamma +Student-t" \
           "half-Cauchy +beta-prime \(b\) +horseshoe" "Beta \(c\)" "Uniform \(c\)"; do
    grep -Eq "^$row.* pass$" "$T/out" || fail "Table 1 row /$row/ does not pass"
done
n_pass=$(grep -cE ' pass$' "$T/out")
[ "$n_pass" -eq 7 ] || fail "--table: $n_pass of 7 rows pass"
# The p-value column itself, against the stated significance.
awk '/ (pass|FAIL)$/ { if ($(NF-1) + 0 < 0.001) bad = 1 } END { exit bad }' "$T/out" \
    || fail "--table: a p-value below 0.001"
outputs "^all rows verified" "--table verdict"
grep -q "FAIL" "$T/out" && fail "--table prints FAIL"

# --- one noise, right and wrong pairings ---------------------------------------------------
expect 0 "prior --noise rayleigh" -- "$BIN" prior --noise rayleigh
outputs "prior on w +Laplace\(0, b = 0.797885\)" "Rayleigh -> Laplace with its scale"
outputs "prior on xi\^2 +Exponential" "Rayleigh -> Exponential variance"
outputs "consistent at significance 0.001" "Rayleigh passes"

expect 0 "inverse Nakagami, sigma0 0.5" -- "$BIN" prior --noise invnakagami:3 --sigma0 0.5
outputs "Student-t\(nu = 6" "inverse Nakagami -> Student-t, nu = 2m"
outputs "consistent" "inverse Nakagami passes"

expect 0 "raw Bernoulli" -- "$BIN" prior --noise bernoulli:0.9 --noise-raw --sigma0 2
outputs "0.9 N\(0, 2\^2\) \+ 0.1 delta_0" "raw dropout: slab std sigma0"
outputs "consistent" "raw Bernoulli passes"

# Wrong pairings: the draws of one noise tested against the prior of another.
for pair in "rayleigh invnakagami:2" "bernoulli:0.5 gaussian:1" "gaussian:1 rayleigh" \
            "halfcauchy:1 halfcauchy:1.2" "uniform:0,1 beta:2,2"; do
    set -- $pair
    expect 0 "$1 against $2" -- "$BIN" prior --noise "$1" --against "$2"
    outputs "rejected at significance 0.001" "$1 against $2 is rejected"
done
# ... and a right pairing spelled twice is not.
expect 0 "rayleigh against rayleigh" -- "$BIN" prior --noise rayleigh --against rayleigh
outputs "consistent" "rayleigh against itself"

# --- figures ---------------------------------------------------------------------------------
expect 0 "--plot PNG" -- "$BIN" prior --noise rayleigh --plot r.png --width 320 --height 240
[ "$(png_size r.png)" = "320 240" ] || fail "prior --plot: PNG size $(png_size r.png), not 320 240"
[ -s r.csv ] || fail "prior --plot: no CSV next to the figure"
[ "$(head -n 1 r.csv)" = "noise,kind,left,right,draws,prior" ] || fail "prior CSV header"
[ "$(grep -c ',bin,' r.csv)" -eq 80 ] || fail "prior CSV: 80 bins by default"
says "wrote r.png and r.csv" "--plot names its files on stderr"
grep -q "wrote" "$T/out" && fail "--plot: 'wrote' on stdout"
outputs "consistent" "--plot still prints the result"
ls r.png.tmp* r.csv.tmp* >/dev/null 2>&1 && fail "temporary files left behind"

expect 0 "--plot SVG" -- "$BIN" prior --noise bernoulli:0.5 --plot b.svg -q
grep -q "<svg" b.svg || fail "prior --plot b.svg is not SVG"
grep -q ',atom,0,0,' b.csv || fail "Bernoulli CSV lacks the atom row"

expect 0 "--table --plot" -- "$BIN" prior --table --plot t.png --width 1000 --height 500 -q
[ "$(png_size t.png)" = "1000 500" ] || fail "table figure size $(png_size t.png)"
[ "$(grep -c ',bin,' t.csv)" -eq 560 ] || fail "table CSV: 7 x 80 bins"

expect 0 "against --plot" -- "$BIN" prior --noise rayleigh --against invnakagami:2 \
    --plot a.png --no-csv -q
[ "$(png_size a.png)" != "not a PNG" ] || fail "against figure"
[ -e a.csv ] && fail "--no-csv wrote a CSV"

# --- bad options -----------------------------------------------------------------------------
echo keep > keep.png
expect 2 "no noise" -- "$BIN" prior
says "give --noise" "no noise: message"
expect 2 "unknown family" -- "$BIN" prior --noise frobnicate
says "[-]-noise" "unknown family names the option"
expect 2 "keep probability out of range" -- "$BIN" prior --noise bernoulli:1.5
expect 2 "--table with --noise" -- "$BIN" prior --table --noise rayleigh
expect 2 "figure extension" -- "$BIN" prior --noise rayleigh --plot keep.jpg
says "\.png or \.svg" "extension message"
expect 2 "--width without --plot" -- "$BIN" prior --noise rayleigh --width 300
expect 2 "too small" -- "$BIN" prior --noise rayleigh --plot keep.png --width 10
expect 2 "bad draws" -- "$BIN" prior --noise rayleigh -n 5
expect 2 "mean-one impossible" -- "$BIN" prior --noise invnakagami:0.4
says "cannot be scaled to mean one" "infinite mean named"
expect 2 "negative sigma0" -- "$BIN" prior --noise rayleigh --sigma0 -1
says "[-]-sigma0" "sigma0 named"
[ "$(cat keep.png)" = keep ] || fail "an existing file was touched by a failed run"
expect 3 "missing folder" -- "$BIN" prior --noise rayleigh --plot no/such/dir/x.png
says "no/such/dir/x" "missing folder named"
[ -s "$T/out" ] && fail "missing folder: results printed before the failure"
expect 0 "--help" -- "$BIN" prior --help
outputs "usage: shrinknet prior" "prior --help"
outputs "[-]-significance" "--help lists --significance"

finish
