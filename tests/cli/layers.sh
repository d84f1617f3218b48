#!/bin/sh
# The tree is the architecture (docs/ARCHITECTURE.md): each folder of src/ includes only the
# private headers of its own layer and the layers below it, the CLI only the public headers and
# its own, the numerical layers (core, net, vem, model) never touch files or print, and no
# source file passes about 600 lines. Each rule fails with the file and line that breaks it.
set -u
ROOT=${SN_ROOT:-$PWD}
cd "$ROOT" || exit 1
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# allowed LAYER: the folders whose private headers LAYER may include (itself and below).
allowed() {
    case $1 in
    core) echo "core" ;;
    net) echo "core net" ;;
    vem) echo "core vem" ;;
    model) echo "core net vem model" ;;
    io) echo "core net vem model io" ;;
    bench) echo "core net vem model io bench" ;;
    esac
}
for dir in src/*/; do
    layer=$(basename "$dir")
    ok=$(allowed "$layer")
    [ -n "$ok" ] || { fail "$dir: a folder that is not a layer (docs/ARCHITECTURE.md)"; continue; }
    grep -nE '^#include "[a-z]+/' "$dir"*.c "$dir"*.h 2>/dev/null |
        while IFS= read -r hit; do
            inc=$(echo "$hit" | sed -E 's/.*#include "([a-z]+)\/.*/\1/')
            case " $ok " in
            *" $inc "*) ;;
            *) echo "FAIL: $hit: layer $layer may not include $inc/ (allowed: $ok)" ;;
            esac
        done
done >"${TMPDIR:-/tmp}/layers.$$" 2>&1
if [ -s "${TMPDIR:-/tmp}/layers.$$" ]; then
    cat "${TMPDIR:-/tmp}/layers.$$" >&2
    fails=$((fails + $(wc -l <"${TMPDIR:-/tmp}/layers.$$")))
fi
rm -f "${TMPDIR:-/tmp}/layers.$$"

# The CLI is a thin layer over the public API: no private header of the library.
if grep -nE '^#include "(core|net|vem|model|io|bench)/' cli/*.c cli/*.h; then
    fail "cli/ includes a private header of the library (above)"
fi

# Numerics free of I/O: no file access or printing in core, net, vem, model.
if grep -nE '\b(fopen|fclose|fprintf|printf|puts|fputs|fwrite|fread|opendir|unlink|rename|mkstemp)[[:space:]]*\(' \
    src/core/*.c src/net/*.c src/vem/*.c src/model/*.c; then
    fail "a numerical layer touches files or prints (above)"
fi

# No file over about 600 lines in src/, cli/, include/ (650: "about").
for f in src/*/*.c src/*/*.h cli/*.c cli/*.h include/*.h; do
    n=$(wc -l <"$f")
    [ "$n" -le 650 ] || fail "$f: $n lines (split it by concept; about 600 at most)"
done
[ "$fails" -eq 0 ] || { echo "$fails layering problems" >&2; exit 1; }
