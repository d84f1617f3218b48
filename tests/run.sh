#!/bin/sh
# Run the whole test suite: every Check program in BUILD/tests, every shell test of the CLI in
# tests/cli, and the Python tests when python/ exists. Prints one line per program and a final
# "N passed, N failed" line; exits nonzero if anything failed.
B=${1:-build}
export SN_BIN="${SN_BIN:-$PWD/$B/shrinknet}"
export SN_SHARED="${SN_SHARED:-$(cd .. && pwd)/shared}"
export SN_ROOT="$PWD"
pass=0
fail=0
log=$(mktemp)
for t in "$B"/tests/test_*; do
    [ -x "$t" ] || continue
    "$t" >"$log" 2>&1
    rc=$?
    line=$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -n 1)
    n=$(echo "$line" | sed -n 's/.*Checks: \([0-9]*\),.*/\1/p')
    f=$(echo "$line" | sed -n 's/.*Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2/p')
    nf=$(echo "$f" | awk '{print $1 + $2}')
    [ -n "$n" ] || { n=1; nf=1; }
    [ "$rc" -ne 0 ] && [ "$nf" -eq 0 ] && nf=1
    pass=$((pass + n - nf))
    fail=$((fail + nf))
    echo "$(basename "$t"): $line"
    [ "$nf" -ne 0 ] && grep -vE '^(Running suite|[0-9]+%: Checks)' "$log" | head -n 40
done
for t in tests/cli/*.sh; do
    [ -f "$t" ] || continue
    case $(basename "$t") in _*) continue ;; esac
    if sh "$t" >"$log" 2>&1; then
        pass=$((pass + 1)); echo "$(basename "$t"): PASS"
    else
        fail=$((fail + 1)); echo "$(basename "$t"): FAIL"; tail -n 30 "$log"
    fi
done
rm -f "$log"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
