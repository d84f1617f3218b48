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
cli_skip=0
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
        # A check the machine could not set up says "SKIP: why": counted as a skip, not a pass.
        n_skip=$(grep -c '^SKIP: ' "$log")
        pass=$((pass + 1))
        cli_skip=$((cli_skip + n_skip))
        if [ "$n_skip" -gt 0 ]; then
            echo "$(basename "$t"): PASS, $n_skip check(s) SKIPPED:"
            grep '^SKIP: ' "$log" | sed 's/^/    /'
        else
            echo "$(basename "$t"): PASS"
        fi
    else
        fail=$((fail + 1)); echo "$(basename "$t"): FAIL"; tail -n 30 "$log"
    fi
done
# Python tests (python/tests, pytest) over $B/libshrinknet.so; pytest's summary line
# ("2 failed, 37 passed, 3 skipped in 4.1s") is added to the counts. Exit code 5 means no tests.
skip=0
if [ -d python/tests ]; then
    so="$B/libshrinknet.so"
    if [ "${SN_BUILD:-}" = build-san ]; then
        # An instrumented library cannot be loaded into an uninstrumented Python; the Python
        # tests run in the plain build (make check).
        skip=1; echo "python: SKIPPED (the sanitizer build; run by make check)"
    elif [ ! -f "$so" ] || [ -n "$(find "$B/obj" -name '*.o' -newer "$so" 2>/dev/null)" ]; then
        skip=1; echo "python: SKIPPED ($so is missing or older than its objects: run make)"
    else
        SHRINKNET_LIB="$PWD/$so" /usr/bin/python3 -m pytest -v -p no:cacheprovider python/tests \
            >"$log" 2>&1
        rc=$?
        line=$(grep -E '(passed|failed|error|skipped|no tests ran).* in [0-9.]+s' "$log" | tail -n 1)
        line=$(echo "$line" | sed -e "s/^=* *//" -e "s/ *=*$//")
        count() { echo "$line" | grep -oE "[0-9]+ $1" | grep -oE '[0-9]+' || echo 0; }
        np=$(count passed); nf=$(($(count failed) + $(count error)))
        skip=$(count skipped)
        [ "$rc" -ne 0 ] && [ "$rc" -ne 5 ] && [ "$nf" -eq 0 ] && nf=1
        pass=$((pass + np))
        fail=$((fail + nf))
        echo "python: $line"
        echo "python, of which scikit-learn's checks (test_sklearn.py): $(grep -c 'test_sklearn.py::.* PASSED' "$log") passed, $(grep -c 'test_sklearn.py::.* SKIPPED' "$log") skipped"
        [ "$nf" -ne 0 ] && tail -n 40 "$log"
    fi
fi
rm -f "$log"
skip=$((skip + cli_skip))
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
