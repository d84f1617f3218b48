#!/bin/sh
# Behaviour unchanged, byte for byte: run a fixed set of commands with two builds of the CLI and
# compare every file they write and everything they print on stdout.
#   sh scripts/same_bits.sh OLD_SHRINKNET NEW_SHRINKNET [UCI_DIR]
# Each build must sit in its repository (build/shrinknet) so that it finds bench/paper_table2.csv;
# e.g. `git worktree add ../old COMMIT && make -C ../old` for the build before a change.
# Used when code is moved or restructured (the architecture change of issue #13): the same seed
# must give the same model files, predictions, evaluations, results files and tables. Timing
# fields of results lines (seconds, started/finished stamps, host, tag) are cut before comparing.
set -eu
old=$1
new=$2
uci=$(cd "${3:-${SN_SHARED:-../shared}/uci}" && pwd)
old=$(command -v "$old" || echo "$old"); case "$old" in /*) ;; *) old=$PWD/$old ;; esac
new=$(command -v "$new" || echo "$new"); case "$new" in /*) ;; *) new=$PWD/$new ;; esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0

# run NAME ARGS...: run ARGS with each build in its own folder; stdout to NAME.out.
run() {
    name=$1
    shift
    for side in old new; do
        bin=$old
        [ "$side" = new ] && bin=$new
        mkdir -p "$work/$side"
        (cd "$work/$side" && "$bin" "$@" >"$name.out" 2>"$name.err") ||
            echo "exit $?" >>"$work/$side/$name.out"
    done
}

run mc_lb train --data "$uci/yacht" --split 1 --objective lb --epochs 30 --seed 3 -q -o mc_lb.snm
run mc_iw train --data "$uci/yacht" --split 1 --objective iw --epochs 30 --seed 3 -q -o mc_iw.snm
run mc_tail train --data "$uci/bostonHousing" --objective tail --noise bernoulli:0.9 \
    --batch 128 --epochs 10 -q -o mc_tail.snm
run mc_hier train --data "$uci/yacht" --objective hier --noise rayleigh --sigma0 1 --epochs 10 -q -o mc_hier.snm
run mc_res train --data "$uci/yacht" --arch resnet:20x3 --placement units+blocks \
    --block-noise gaussian:0.3 --epochs 10 -q -o mc_res.snm
run mc_dc train --data "$uci/yacht" --placement weights --noise gaussian:0.5 --epochs 10 -q \
    -o mc_dc.snm
run mc_gal train --data "$uci/yacht" --noise bernoulli:0.9 --gal-lengthscale 0.01 --epochs 10 -q \
    -o mc_gal.snm
run vem_ard train --data "$uci/yacht" --method vem --prior ard --epochs 20 -q -o vem_ard.snm
run vem_aa train --data "$uci/yacht" --method vem --prior ard-add --arch resnet:50x2 \
    --epochs 20 -q -o vem_aa.snm
run vem_hc train --data "$uci/yacht" --method vem --prior add --arch resnet:30x3 \
    --hyperprior halfcauchy:1 --estimator flipout --epochs 20 -q -o vem_hc.snm
run vem_rep train --data "$uci/yacht" --method vem --estimator reparam --epochs 20 -q \
    -o vem_rep.snm
run vem_auth train --data "$uci/yacht" --method vem --prior ard-add --arch resnet:50x2 \
    --variant authors --epochs 20 -q -o vem_auth.snm
run iris train --data "${uci%/uci}/classification/iris.csv" --target label --noise bernoulli:0.9 \
    --epochs 30 -q -o iris.snm
for m in mc_lb mc_tail mc_res vem_aa vem_auth; do
    run "eval_$m" eval -m "$m.snm" --data "$uci/yacht" --split 1 --json
done
run eval_iris eval -m iris.snm --data "${uci%/uci}/classification/iris.csv" --target label --json
run pred_lb predict -m mc_lb.snm --input "$uci/yacht/data/data.txt" -o pred_lb.csv
run pred_vem predict -m vem_hc.snm --input "$uci/yacht/data/data.txt" -o pred_vem.csv
run bench_fixed bench --data-dir "$uci" --quick --methods all -q -o fixed.jsonl --csv fixed.csv
run bench_gal bench --data-dir "$uci" --quick --protocol gal --methods lb,vem-ard -q \
    -o gal.jsonl --csv gal.csv
run report bench --report fixed.jsonl --csv report.csv --md report.md
run demo demo
run prior prior --table --seed 2

# Timing and provenance fields differ by construction; everything else must not. JSON lines lose
# the keys (and are sorted: parallel units finish in any order), CSV files the columns, whose name ends in "seconds" or is tag/host; Markdown and
# stdout lose durations ("12.3 s", "1 h 2 min"), the demo its seconds column.
cut_times() {
    python3 - "$1" <<'PY'
import csv, io, json, re, sys
path = sys.argv[1]
text = open(path, encoding="utf-8", errors="replace").read()
timed = lambda k: k.endswith("seconds") or k in ("tag", "host", "started", "finished")
if path.endswith(".jsonl"):
    out = []
    for line in text.splitlines():
        try:
            o = json.loads(line)
        except ValueError:
            out.append(line); continue
        out.append(json.dumps({k: v for k, v in o.items() if not timed(k)}))
    print("\n".join(sorted(out)))  # parallel units finish in any order
elif path.endswith(".csv") and "seconds" in text.split("\n", 1)[0]:
    rows = list(csv.reader(io.StringIO(text)))
    keep = [i for i, k in enumerate(rows[0]) if not (timed(k) or "seconds" in k)]
    for r in rows:
        print(",".join(r[i] for i in keep if i < len(r)))
elif path.endswith("demo.out"):  # the demo's last column is seconds
    print(re.sub(r"^( +[0-9]+ +[-0-9.]+ +[-0-9.]+) +[0-9.]+$", r"\1", text, flags=re.M))
else:
    print(re.sub(r"[0-9]+(\.[0-9]+)? ?(s|min|h|ms)\b", "", text))
PY
}
for f in "$work"/old/*; do
    b=$(basename "$f")
    case "$b" in *.err) continue ;; esac
    if [ ! -e "$work/new/$b" ]; then
        echo "MISSING $b"; fails=$((fails + 1)); continue
    fi
    case "$b" in
    *.jsonl|*.out|*.md|*.csv)
        if ! cut_times "$f" >"$work/a" || ! cut_times "$work/new/$b" >"$work/b" ||
            ! cmp -s "$work/a" "$work/b"; then
            echo "DIFFER $b"; fails=$((fails + 1)); continue
        fi ;;
    *)
        if ! cmp -s "$f" "$work/new/$b"; then
            echo "DIFFER $b"; fails=$((fails + 1)); continue
        fi ;;
    esac
    echo "same   $b"
done
echo "$fails files differ"
[ "$fails" -eq 0 ]
