#!/bin/sh
# The library's exported symbols: every function declared in the public headers (include/*.h),
# one per line, sorted. make turns the list into the linker's version script, so that the shared
# library exports these and nothing else; tests/abi/symbols.txt is the committed list that
# tests/cli/install.sh compares the built library with (an ABI change is a visible decision).
#   sh scripts/symbols.sh include/shrinknet.h include/shrinknet_bench.h
set -eu
# Declarations, not comments: drop /* ... */ blocks, then take identifiers sn_* followed by "(".
cat "$@" | sed -e 's#/\*.*\*/##g' | awk '
    /\/\*/ { inside = 1 }
    !inside { print }
    /\*\// { inside = 0 }' |
    grep -oE '\bsn_[a-z0-9_]+[[:space:]]*\(' | sed -E 's/[[:space:]]*\($//' |
    grep -vE '_fn$' | sort -u
