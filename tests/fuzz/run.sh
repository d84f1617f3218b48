#!/bin/sh
# Run the libFuzzer harnesses built by `make fuzz` for SECONDS each (default 30), one after the
# other, on a scratch copy of the seed corpus (tests/fuzz/corpus/<name>/ is read, never
# written). Prints one summary line per harness (executions, coverage "cov", features "ft")
# and, for a harness that fails (crash, leak, sanitizer report, timeout, failed property), the
# end of its log; the input that failed is kept in $FUZZ_ARTIFACTS (build-fuzz/artifacts).
# Usage: sh tests/fuzz/run.sh [SECONDS [NAME...]]   NAME: csv uci model opts results
set -u
secs=${1:-30}
[ $# -gt 0 ] && shift
names=${*:-csv uci model opts results}
B=${FUZZ_BUILD:-build-fuzz}
art=${FUZZ_ARTIFACTS:-$B/artifacts}
mkdir -p "$art"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
for n in $names; do
    bin=$B/fuzz/fuzz_$n
    if [ ! -x "$bin" ]; then
        echo "fuzz_$n: FAIL (no $bin: run make fuzz)"; fails=$((fails + 1)); continue
    fi
    mkdir -p "$work/$n"
    # A fixed seed: CI explores the same sequence of inputs every run (up to its time budget),
    # so a red CI is reproducible; longer local runs (-seed random) explore further.
    "$bin" -seed="${FUZZ_SEED:-1}" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$art/$n-" "$work/$n" "tests/fuzz/corpus/$n" >"$work/$n.log" 2>&1
    rc=$?
    last=$(grep -E '^#[0-9]+' "$work/$n.log" | tail -n 1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$n.log")
    cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
    if [ "$rc" -eq 0 ]; then
        echo "fuzz_$n: ok, ${secs}s, ${execs:-?} executions, cov ${cov:-?}, ft ${ft:-?}"
    else
        fails=$((fails + 1))
        echo "fuzz_$n: FAIL (exit $rc) after ${execs:-?} executions; input kept in $art/"
        grep -vE '^#[0-9]+ +(NEW|REDUCE|pulse)' "$work/$n.log" | tail -n 40
    fi
done
[ "$fails" -eq 0 ]
