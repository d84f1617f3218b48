# Shared by the CLI tests: the binary, the shared folder, a scratch folder, and checks that
# print what went wrong. Source it; each test exits nonzero on the first failure.
set -u
BIN=${SN_BIN:-$PWD/build/shrinknet}
SHARED=${SN_SHARED:-$(cd .. && pwd)/shared}
YACHT="$SHARED/uci/yacht"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# expect CODE DESCRIPTION -- command...: run, check the exit code, keep stderr in $T/err.
expect() {
    want=$1; what=$2; shift 3
    "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        fail "$what: exit $got, wanted $want"; sed 's/^/  | /' "$T/err" >&2
    fi
}

# says PATTERN DESCRIPTION: the last command's stderr matches PATTERN (grep -E).
says() {
    grep -Eq -- "$1" "$T/err" || { fail "$2: stderr lacks /$1/"; sed 's/^/  | /' "$T/err" >&2; }
}

# outputs PATTERN DESCRIPTION: the last command's stdout matches PATTERN.
outputs() {
    grep -Eq -- "$1" "$T/out" || { fail "$2: stdout lacks /$1/"; sed 's/^/  | /' "$T/out" >&2; }
}

finish() {
    [ "$fails" -eq 0 ] && echo "ok" || echo "$fails failures"
    exit "$fails"
}
