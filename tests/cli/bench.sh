#!/bin/sh
# shrinknet bench: the --quick smoke run of the whole pipeline (every method), tables rebuilt
# from the results file equal the printed ones, a SIGKILL mid-run and a rerun lose and repeat
# nothing, SIGINT stops cleanly, results do not depend on --jobs, Gal's protocol runs its grid,
# and bad input gives one clear line and the README's exit codes.
. tests/cli/_lib.sh
UCI="$SHARED/uci"
ROOT=${SN_ROOT:-$PWD}
export SN_ROOT="$ROOT"  # where bench finds bench/paper_table2.csv, wherever the binary is

# The unit key of every line: data set, split, method, grid point.
keys() { sed -n 's/^{"v":1,"dataset":"\([^"]*\)","split":\([0-9]*\),"method":"\([^"]*\)","grid":\(-*[0-9]*\),.*/\1 \2 \3 \4/p' "$1"; }
# Lines without their timing fields (the last ones), sorted.
canon() { sed 's/,"train_seconds":.*$//' "$1" | sort; }

# --- help and bad input ------------------------------------------------------------------
expect 0 "help" -- "$BIN" bench --help
outputs "--protocol P" "help lists --protocol"
outputs "--jobs N" "help lists --jobs"
outputs "vem-ard-add-authors" "help names the methods"
expect 2 "no data dir" -- "$BIN" bench --quick
says "--data-dir is required" "missing --data-dir"
expect 2 "unknown method" -- "$BIN" bench --data-dir "$UCI" --methods lb,dropout --out "$T/x.jsonl"
says "unknown method \"dropout\"" "unknown method named"
expect 2 "bad protocol" -- "$BIN" bench --data-dir "$UCI" --protocol bayes --out "$T/x.jsonl"
says "--protocol: expected fixed or gal" "bad protocol"
expect 2 "zero epochs" -- "$BIN" bench --data-dir "$UCI" --epochs 0 --out "$T/x.jsonl"
says "--epochs: expected an integer in \[1," "epochs range"
expect 2 "keep out of range" -- "$BIN" bench --data-dir "$UCI" --keep 1.5 --out "$T/x.jsonl"
says "--keep: expected a number in \(0, 1\]" "keep range"
expect 2 "stdout results" -- "$BIN" bench --data-dir "$UCI" --quick --out -
expect 3 "no such folder" -- "$BIN" bench --data-dir "$T/nowhere" --quick --out "$T/x.jsonl"
says "nowhere: not a folder" "missing folder named"
expect 3 "no such data set" -- "$BIN" bench --data-dir "$UCI" --datasets yacht,nosuch --quick \
    --out "$T/x.jsonl"
says "nosuch: no such data set .*available: bostonHousing" "missing data set, the others listed"
mkdir -p "$T/bad"
cp -r "$ROOT/tests/data/uci_bad_range" "$T/bad/broken"
expect 1 "bad index file" -- "$BIN" bench --data-dir "$T/bad" --datasets all --quick \
    --out "$T/x.jsonl"
says "broken/index_.*:[0-9]+:[0-9]+: " "bad index named with file and line"
[ -e "$T/x.jsonl" ] && fail "a results file was created although the input was bad"
expect 3 "report of nothing" -- "$BIN" bench --report "$T/none.jsonl"
expect 2 "report with training options" -- "$BIN" bench --report "$T/none.jsonl" --epochs 3
says "--report rebuilds tables only" "report refuses training options"

# The size of the "Gal's protocol" run of docs/results.md; a dry run creates no file.
expect 0 "dry run" -- "$BIN" bench --data-dir "$UCI" --datasets yacht,bostonHousing --methods all \
    --protocol gal --out "$T/dry.jsonl" --dry-run
outputs "^2200 units, 0 done, 2200 to run$" "2 x 20 x (3 x 13 + 4 x 4) units"
[ -e "$T/dry.jsonl" ] && fail "a dry run created the results file"

# --- the committed results files still load and give the committed tables -----------------
# docs/results/*.md and *.csv were written by `bench --report docs/results/NAME.jsonl` from the
# repository's root; the Gal-protocol file is kept gzip-compressed.
mkdir -p "$T/rep/docs/results"
for name in table2-authors table3 gal-protocol; do
    src="$ROOT/docs/results/$name.jsonl"
    if [ -f "$src.gz" ]; then
        gunzip -c "$src.gz" > "$T/rep/docs/results/$name.jsonl"
    else
        cp "$src" "$T/rep/docs/results/$name.jsonl"
    fi
    (cd "$T/rep" && "$BIN" bench --report "docs/results/$name.jsonl" --csv "$name.csv" \
        --md "$name.md" >/dev/null 2>"$name.err") || fail "--report of $name.jsonl"
    cmp -s "$T/rep/$name.md" "$ROOT/docs/results/$name.md" || fail "$name: Markdown differs from docs/results/$name.md"
    cmp -s "$T/rep/$name.csv" "$ROOT/docs/results/$name.csv" || fail "$name: CSV differs from docs/results/$name.csv"
done

# --- paired comparisons: hand-made results whose per-split differences are known ---------------
# lb − iw on yacht over 3 splits: RMSE 1, 2, 3 against 1.5, 2.4, 3.6 -> d = -0.5, -0.4, -0.6:
# mean -0.5, SE 0.1/sqrt(3) = 0.0577 (marked, > 2 SE); LL equal but for split 2 (+0.3): mean +0.1,
# SE 0.1 (not marked). Ranks per split: lb 1, iw 2 on each -> 1.00 ± 0.00 and 2.00 ± 0.00.
/usr/bin/python3 - "$T/rep/docs/results/table2-authors.jsonl" "$T/paired.jsonl" <<'PY'
import json, sys
src = [json.loads(l) for l in open(sys.argv[1])]
base = {m: next(r for r in src if r["dataset"] == "yacht" and r["method"] == m and r["grid"] == -1)
        for m in ("lb", "iw")}
vals = {"lb": ([1.0, 2.0, 3.0], [-1.0, -1.0, -0.7]), "iw": ([1.5, 2.4, 3.6], [-1.0, -1.0, -1.0])}
with open(sys.argv[2], "w") as f:
    for m, (rmse, ll) in vals.items():
        for k in range(3):
            r = dict(base[m], split=k, rmse=rmse[k], ll=ll[k])
            f.write(json.dumps(r, separators=(",", ":")) + "\n")
PY
expect 0 "report of hand-made pairs" -- "$BIN" bench --report "$T/paired.jsonl" --csv none
outputs '\| yacht \| lb − iw \| 3 \| \*\*-0\.5 ± 0\.058\*\* \|' "paired RMSE difference, marked"
outputs '\| yacht \| lb − iw \| 3 \| \+0\.1 ± 0\.1 \|' "paired LL difference, not marked"
outputs 'Significantly best \(test RMSE \(36\)\): lb on 1 of 1 \(yacht\); iw on 0 of 1' "significantly best, RMSE"
outputs 'Significantly best \(test log-likelihood \(37\)\): lb on 0 of 1; iw on 0 of 1' "no LL winner"
outputs '\| lb \| 1\.00 ± 0\.00 \|' "average rank of lb"
outputs '\| iw \| 2\.00 ± 0\.00 \|' "average rank of iw"

# --- hostile results lines: one line naming the file and line, exit 1 ------------------------
cd "$T"
good=$(head -n 1 "$T/rep/docs/results/table3.jsonl")
hostile() { # hostile NAME SED-EXPRESSION PATTERN
    { echo "$good"; echo "$good" | sed "$2"; } > "h_$1.jsonl"
    expect 1 "hostile line: $1" -- "$BIN" bench --report "h_$1.jsonl"
    says "h_$1.jsonl:2:[0-9:]* .*$3" "hostile line $1 refused with file:line"
}
hostile overflow 's/"rmse":[^,]*/"rmse":1e999999/' "overflow"
hostile twice 's/"method":/"split":3,"method":/' "duplicate"
hostile utf8 "s/\"dataset\":\"/\"dataset\":\"$(printf '\377')/" "decode byte 0xff"
hostile array 's/.*/[1,2]/' "found an array"
hostile type 's/"rmse":[^,]*/"rmse":"2.5"/' '"rmse": expected a finite number or null, found a string'

# --- the smoke run: every method, yacht, 2 splits -----------------------------------------
cd "$T"
expect 0 "quick run" -- "$BIN" bench --data-dir "$UCI" --quick --jobs 2 --out q.jsonl
cp "$T/out" run.md
says "all 14 units done" "progress summary"
says "bench \[ *1/14\] yacht split" "progress lines"
says "eta" "progress shows the time left"
outputs "## Table 2: Monte Carlo objectives" "Table 2 printed"
outputs "## Table 3: test RMSE per method" "Table 3 printed"
outputs "\| average rank \|" "average rank printed"
outputs "\| yacht \| 2 \|" "two splits of yacht"
outputs "0.72 ± 0.06" "the paper's figure beside ours"
[ "$(wc -l < q.jsonl)" -eq 14 ] || fail "14 units, found $(wc -l < q.jsonl) lines"
[ "$(keys q.jsonl | sort -u | wc -l)" -eq 14 ] || fail "every unit once"
grep -q '"status":"ok"' q.jsonl || fail "no unit succeeded"
for m in lb iw tail vem-ard vem-add vem-ard-add vem-ard-add-authors; do
    grep -q "\"method\":\"$m\"" q.jsonl || fail "no result of $m"
done
[ "$(wc -l < q.csv)" -eq 8 ] || fail "CSV: header and 7 rows, found $(wc -l < q.csv)"
head -n 1 q.csv | grep -q '^dataset,method,protocol,n_ok,n_failed,rmse_mean,rmse_se,rmse_std' \
    || fail "CSV header"
cp q.csv run.csv
expect 0 "report" -- "$BIN" bench --report q.jsonl --csv rep.csv
cmp -s "$T/out" run.md || fail "the tables rebuilt by --report differ from the printed ones"
cmp -s rep.csv run.csv || fail "the CSV rebuilt by --report differs"
# A rerun has nothing to do and prints the same tables.
expect 0 "rerun" -- "$BIN" bench --data-dir "$UCI" --quick --jobs 2 --out q.jsonl
says "14 already in q.jsonl" "rerun finds the units"
cmp -s "$T/out" run.md || fail "a rerun printed other tables"
[ "$(wc -l < q.jsonl)" -eq 14 ] || fail "a rerun added lines"
# Other settings into the same file are refused, and the file is untouched.
cp q.jsonl q.before
expect 2 "other settings" -- "$BIN" bench --data-dir "$UCI" --quick --epochs 21 --out q.jsonl
says "run with other settings" "settings mismatch explained"
cmp -s q.jsonl q.before || fail "a refused run changed the results file"

# --- SIGKILL mid-run, then a rerun ----------------------------------------------------------
"$BIN" bench --data-dir "$UCI" --quick --epochs 150 --splits 6 --methods lb,iw,tail \
    --jobs 2 --out k.jsonl -q >/dev/null 2>k.err &
pid=$!
# Wait for a few units to be written, then kill without warning.
i=0
while [ "$i" -lt 300 ]; do
    [ -f k.jsonl ] && [ "$(wc -l < k.jsonl)" -ge 3 ] && break
    sleep 0.05
    i=$((i + 1))
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
n1=$(wc -l < k.jsonl)
[ "$n1" -ge 3 ] && [ "$n1" -lt 18 ] || fail "the kill came at an unhelpful time ($n1 of 18 units)"
# Whatever a kill leaves, the file parses (a torn last line is ignored).
expect 0 "report after kill" -- "$BIN" bench --report k.jsonl --csv k.csv
# Simulate the worst case too: a line cut in the middle of its write.
head -c "$(wc -c < k.jsonl)" k.jsonl > k.before
printf '{"v":1,"dataset":"yacht","split":5,"meth' >> k.jsonl
expect 0 "report of a torn file" -- "$BIN" bench --report k.jsonl --csv k.csv
says "ignored a torn last line" "torn line noticed"
expect 0 "rerun after kill" -- "$BIN" bench --data-dir "$UCI" --quick --epochs 150 --splits 6 \
    --methods lb,iw,tail --jobs 2 --out k.jsonl
says "removed a torn last line" "torn line repaired"
says "$n1 already in k.jsonl" "the units written before the kill are kept"
[ "$(wc -l < k.jsonl)" -eq 18 ] || fail "18 units after the rerun, found $(wc -l < k.jsonl)"
[ "$(keys k.jsonl | sort | uniq -d | wc -l)" -eq 0 ] || fail "a unit was run twice"
[ "$(keys k.jsonl | wc -l)" -eq 18 ] || fail "a line does not parse as a unit"
head -c "$(wc -c < k.before)" k.jsonl | cmp -s - k.before || fail "the rerun changed old lines"

# --- Several kills in a row, at different moments, then a rerun to the end -------------------
# After every kill the file parses, keeps every line it had (a torn last line aside) and never
# holds a unit twice; the final rerun completes the set.
prev=0
for delay in 0.15 0.3 0.05 0.45 0.2; do
    "$BIN" bench --data-dir "$UCI" --quick --epochs 600 --splits 6 --methods lb,iw,tail \
        --jobs 2 --out m.jsonl -q >/dev/null 2>m.err &
    pid=$!
    sleep "$delay"
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    [ -f m.jsonl ] || continue
    expect 0 "report after kill ($delay s)" -- "$BIN" bench --report m.jsonl --csv m.csv
    grep '}$' m.jsonl > m.whole    # whole lines only: a torn last line is not a unit
    n=$(keys m.whole | wc -l)
    [ "$n" -ge "$prev" ] || fail "kill at $delay s: $n units, fewer than the $prev before"
    [ "$(keys m.whole | sort | uniq -d | wc -l)" -eq 0 ] || fail "kill at $delay s: a unit twice"
    prev=$n
done
expect 0 "rerun after several kills" -- "$BIN" bench --data-dir "$UCI" --quick --epochs 600 \
    --splits 6 --methods lb,iw,tail --jobs 2 --out m.jsonl -q
[ "$(keys m.jsonl | wc -l)" -eq 18 ] || fail "18 units after the kills, found $(keys m.jsonl | wc -l)"
[ "$(keys m.jsonl | sort | uniq -d | wc -l)" -eq 0 ] || fail "a unit was run twice after the kills"

# --- SIGINT stops cleanly -------------------------------------------------------------------
"$BIN" bench --data-dir "$UCI" --quick --epochs 150 --splits 6 --methods lb,iw,tail --jobs 2 \
    --out i.jsonl >/dev/null 2>i.err &
pid=$!
i=0
while [ "$i" -lt 300 ]; do
    [ -f i.jsonl ] && [ "$(wc -l < i.jsonl)" -ge 2 ] && break
    sleep 0.05
    i=$((i + 1))
done
kill -INT $pid
wait $pid
rc=$?
n2=$(wc -l < i.jsonl)
if [ "$n2" -lt 18 ]; then
    [ "$rc" -eq 130 ] || fail "SIGINT: exit $rc, wanted 130"
    grep -q "interrupted after .*: $n2 of 18 units are in i.jsonl; rerun" i.err \
        || { fail "SIGINT message"; cat i.err >&2; }
fi
[ "$(tail -c 1 i.jsonl | od -An -c | tr -d ' ')" = '\n' ] || fail "SIGINT left a partial line"

# --- --jobs does not change results; Gal's protocol -----------------------------------------
expect 0 "gal, 1 job" -- "$BIN" bench --data-dir "$UCI" --quick --protocol gal \
    --methods lb,vem-ard --jobs 1 --out g1.jsonl -q
expect 0 "gal, 2 jobs" -- "$BIN" bench --data-dir "$UCI" --quick --protocol gal \
    --methods lb,vem-ard --jobs 2 --out g2.jsonl -q
# yacht: lb searches 4 dropout rates x 3 taus (12 grid units + 1 test unit per split); the
# EM resnet 3 taus (3 + 1).
[ "$(wc -l < g1.jsonl)" -eq 34 ] || fail "gal: 34 units, found $(wc -l < g1.jsonl)"
canon g1.jsonl > g1.c
canon g2.jsonl > g2.c
cmp -s g1.c g2.c || fail "results depend on --jobs"
[ "$(grep -c '"grid":-1,.*"chosen_grid":[0-9]' g1.jsonl)" -eq 4 ] \
    || fail "every gal test unit names its chosen grid point"
grep '"grid":-1' g1.jsonl | grep -q '"learn_precision":false' || fail "gal fixes the precision"
# Gal's network: one mask per point for lb (S = 1); the EM nets keep their S = 10.
[ "$(grep -c '"method":"lb".*"samples":1,' g1.jsonl)" -eq 26 ] || fail "gal lb trains with S = 1"
[ "$(grep -c '"method":"vem-ard".*"samples":10,' g1.jsonl)" -eq 8 ] || fail "gal EM nets keep S = 10"

# --- --variant authors: the dropout nets as the authors' code runs them (MATH.md §7.9) ------------
expect 0 "variant authors" -- "$BIN" bench --data-dir "$UCI" --quick --methods lb,iw,vem-ard \
    --variant authors --draws 50 --out va.jsonl -q
[ "$(grep -c '"method":"lb".*"variant":"authors"' va.jsonl)" -eq 2 ] || fail "lb records variant authors"
[ "$(grep -c '"method":"vem-ard".*"variant":"exact"' va.jsonl)" -eq 2 ] || fail "the EM nets keep theirs"
grep '"method":"iw"' va.jsonl | grep -v -q '"learn_precision":false,' && fail "authors: precision not fixed"
grep -q '"method":"lb".*"precision":null,"learn_precision":false' va.jsonl || fail "authors: fixed, not learned"
# Their configuration differs from the exact one: not the same config, not the same numbers.
expect 0 "variant exact" -- "$BIN" bench --data-dir "$UCI" --quick --methods lb --draws 50 --out ve.jsonl -q
[ "$(grep -o '"config":"[0-9a-f]*"' va.jsonl | head -n 1)" != "$(grep -o '"config":"[0-9a-f]*"' ve.jsonl | head -n 1)" ] \
    || fail "the authors' variant has its own configuration fingerprint"
for opt in "--precision 2" "--learn-precision" "--sigma0 3" "--gal-lengthscale 0.1"; do
    # shellcheck disable=SC2086
    expect 2 "authors with $opt" -- "$BIN" bench --data-dir "$UCI" --quick --methods lb \
        --variant authors $opt --out vx.jsonl
    says "variant authors .*${opt%% *} does not apply" "authors with $opt refused naming both"
done
[ ! -e vx.jsonl ] || fail "a refused run wrote a results file"
finish
