#!/bin/sh
# train -> predict -> eval on yacht split 0 under valgrind (memcheck): no leak (definite or
# possible) and no invalid access, uninitialised read or bad free in any of the three steps.
# Not part of `make check` (about a minute); .ci/run runs it. Run from the repository root after
# `make`; SN_BIN and SN_SHARED override the binary and the shared folder as in tests/run.sh.
# Exit 0: clean; 1: valgrind found something or a step failed; 77: valgrind is not installed.
set -u
BIN=${SN_BIN:-$PWD/build/shrinknet}
SHARED=${SN_SHARED:-$(cd .. && pwd)/shared}
YACHT="$SHARED/uci/yacht"
if ! command -v valgrind >/dev/null 2>&1; then
    echo "SKIP: valgrind is not installed (scripts/setup.sh installs it)" >&2
    exit 77
fi
[ -x "$BIN" ] || { echo "FAIL: no binary $BIN (run make first)" >&2; exit 1; }
[ -d "$YACHT" ] || { echo "FAIL: no yacht folder at $YACHT" >&2; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0

# vg NAME command...: run under memcheck; valgrind's own exit code 99 marks its findings.
vg() {
    name=$1; shift
    valgrind -q --leak-check=full --errors-for-leak-kinds=definite,possible \
        --show-leak-kinds=definite,possible --error-exitcode=99 --log-file="$T/$name.vg" \
        "$@" >"$T/$name.out" 2>"$T/$name.err"
    rc=$?
    if [ "$rc" -eq 99 ] || [ -s "$T/$name.vg" ]; then
        echo "FAIL: $name: valgrind reports:" >&2; sed 's/^/  | /' "$T/$name.vg" >&2
        fails=$((fails + 1))
    elif [ "$rc" -ne 0 ]; then
        echo "FAIL: $name: exit $rc" >&2; sed 's/^/  | /' "$T/$name.err" >&2
        fails=$((fails + 1))
    else
        echo "ok: $name"
    fi
}

awk 'NR <= 20 { print $1 "," $2 "," $3 "," $4 "," $5 "," $6 }' "$YACHT/data.txt" > "$T/rows.csv"
vg train "$BIN" train --data "$YACHT" --split 0 --objective tail --hidden 20 --samples 4 \
    --epochs 3 --seed 1 -o "$T/m.snm" -q
vg predict "$BIN" predict -m "$T/m.snm" --input "$T/rows.csv" -o "$T/p.csv"
vg eval "$BIN" eval -m "$T/m.snm" --data "$YACHT" --split 0 --json
# The variational EM path and its model file (rho, row_var, layer_var arrays).
vg train-vem "$BIN" train --data "$YACHT" --method vem --prior ard --hidden 10 --epochs 2 \
    -o "$T/v.snm" -q
vg eval-vem "$BIN" eval -m "$T/v.snm" --data "$YACHT" --json
# Error paths free what they allocated too: a corrupted model, a ragged CSV.
head -c 500 "$T/m.snm" > "$T/bad.snm"
printf 'a,b,y\n1,2,3\n4,5\n' > "$T/ragged.csv"
for step in bad-model ragged; do
    if [ $step = bad-model ]; then
        set -- "$BIN" eval -m "$T/bad.snm" --data "$YACHT"
    else
        set -- "$BIN" train --data "$T/ragged.csv" -o "$T/r.snm"
    fi
    valgrind -q --leak-check=full --errors-for-leak-kinds=definite,possible \
        --error-exitcode=99 --log-file="$T/$step.vg" "$@" >/dev/null 2>&1
    if [ $? -eq 99 ] || [ -s "$T/$step.vg" ]; then
        echo "FAIL: $step: valgrind reports:" >&2; sed 's/^/  | /' "$T/$step.vg" >&2
        fails=$((fails + 1))
    else
        echo "ok: $step (exit 1 expected, no valgrind report)"
    fi
done
[ "$fails" -eq 0 ] && echo "valgrind round trip: clean" || echo "valgrind round trip: $fails failures"
[ "$fails" -eq 0 ]
