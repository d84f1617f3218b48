#!/bin/sh
# make install into a temporary DESTDIR, then use what was installed as a user would: the
# examples built with `pkg-config --cflags --libs shrinknet` (shared) and `--static`, run; the
# installed program runs; the manual page renders without a warning; the bash completion loads
# and completes; the shared library exports exactly the committed list of symbols
# (tests/abi/symbols.txt); make uninstall removes every file.
. "$(dirname "$0")/_lib.sh"
ROOT=${SN_ROOT:-$PWD}
B=$(dirname "$BIN")
D=$T/dest
PREFIX=/opt/sn
# Under make sanitize the library is instrumented: so are the examples that link it.
SAN=
[ "${SN_BUILD:-}" = build-san ] && SAN="-fsanitize=address,undefined"
make -s -C "$ROOT" B="$B" DESTDIR="$D" PREFIX="$PREFIX" install >"$T/log" 2>&1 ||
    { fail "make install"; cat "$T/log" >&2; }
for f in bin/shrinknet lib/libshrinknet.a lib/libshrinknet.so lib/pkgconfig/shrinknet.pc \
    include/shrinknet.h include/shrinknet_bench.h share/man/man1/shrinknet.1 \
    share/bash-completion/completions/shrinknet share/doc/shrinknet/MATH.md; do
    [ -e "$D$PREFIX/$f" ] || fail "not installed: $PREFIX/$f"
done
so=$(ls "$D$PREFIX"/lib/libshrinknet.so.*.*.* 2>/dev/null | head -n 1)
[ -n "$so" ] || fail "no versioned libshrinknet.so.MAJOR.MINOR.PATCH"
soname=$(readelf -d "$so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = "libshrinknet.so.0" ] || fail "SONAME is '$soname', wanted libshrinknet.so.0"
[ -L "$D$PREFIX/lib/$soname" ] || fail "no $soname link"

# Exactly the public functions are exported: a change of the ABI changes this list on purpose.
nm -D --defined-only "$so" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort >"$T/exported"
if ! cmp -s "$T/exported" "$ROOT/tests/abi/symbols.txt"; then
    fail "exported symbols differ from tests/abi/symbols.txt (- committed, + built):"
    diff "$ROOT/tests/abi/symbols.txt" "$T/exported" | sed -n 's/^[<>]/  &/p' >&2
fi

# The examples, against the installed files only (PKG_CONFIG_SYSROOT_DIR maps the .pc's
# paths into DESTDIR).
export PKG_CONFIG_PATH="$D$PREFIX/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$D"
[ "$(pkg-config --modversion shrinknet)" = "$("$BIN" --version | cut -d' ' -f2)" ] ||
    fail "pkg-config version differs from the program's"
YCSV=$T/yacht.csv
awk '{ $1 = $1; gsub(/ +/, ","); print }' "$YACHT/data.txt" >"$YCSV"
for ex in train_predict own_loop; do
    cc -std=c11 -Wall -Wextra -Werror $SAN "$ROOT/examples/$ex.c" $(pkg-config --cflags --libs shrinknet) \
        -lm -o "$T/$ex" 2>"$T/err" || { fail "$ex: does not build against the installed library"; cat "$T/err" >&2; }
    cc -std=c11 -Wall -Wextra -Werror $SAN "$ROOT/examples/$ex.c" $(pkg-config --cflags shrinknet) \
        "$D$PREFIX/lib/libshrinknet.a" $(pkg-config --static --libs-only-other --libs-only-l shrinknet | sed 's/-lshrinknet//') \
        -o "$T/${ex}_static" 2>"$T/err" || { fail "$ex: does not link statically"; cat "$T/err" >&2; }
done
LD_LIBRARY_PATH="$D$PREFIX/lib" "$T/train_predict" "$YCSV" 30 >"$T/out" 2>"$T/err" ||
    { fail "train_predict failed"; cat "$T/err" >&2; }
[ "$(wc -l <"$T/out")" -gt 30 ] || fail "train_predict wrote $(wc -l <"$T/out") lines"
grep -q 'RMSE' "$T/err" || fail "train_predict printed no RMSE"
"$T/train_predict_static" "$YCSV" 30 >"$T/out2" 2>/dev/null || fail "static train_predict failed"
cmp -s "$T/out" "$T/out2" || fail "shared and static builds predict differently"
LD_LIBRARY_PATH="$D$PREFIX/lib" "$T/own_loop" 120 >"$T/out" 2>"$T/err" ||
    { fail "own_loop failed"; cat "$T/err" >&2; }
[ "$(grep -c '^x[0-9]' "$T/out")" -eq 10 ] || fail "own_loop: expected 10 inputs' variances"
# The program found its library through the loader path, not the build tree.
LD_LIBRARY_PATH="$D$PREFIX/lib" ldd "$T/train_predict" | grep -q "$D$PREFIX/lib/libshrinknet.so.0" ||
    fail "train_predict does not load the installed libshrinknet.so.0"
"$D$PREFIX/bin/shrinknet" --version | grep -q '^shrinknet ' || fail "installed shrinknet does not run"

# The manual page renders without warnings (groff -ww), and names every command.
man_page=$D$PREFIX/share/man/man1/shrinknet.1
groff -t -man -ww -z -Tutf8 "$man_page" 2>"$T/err"
[ -s "$T/err" ] && { fail "man page warnings:"; cat "$T/err" >&2; }
for c in $("$BIN" --list-commands); do
    grep -q "^\.SS $c\$" "$man_page" || fail "man page lacks the command $c"
done
# The completion completes commands and each command's options.
comp=$D$PREFIX/share/bash-completion/completions/shrinknet
got=$(bash -c ". '$comp'; COMP_WORDS=(shrinknet tr); COMP_CWORD=1; _shrinknet; echo \${COMPREPLY[*]}")
[ "$got" = "train" ] || fail "completion of 'shrinknet tr': '$got'"
got=$(bash -c ". '$comp'; COMP_WORDS=(shrinknet train --epo); COMP_CWORD=2; _shrinknet; echo \${COMPREPLY[*]}")
[ "$got" = "--epochs" ] || fail "completion of 'shrinknet train --epo': '$got'"
got=$(bash -c ". '$comp'; COMP_WORDS=(shrinknet plot posterior --cl); COMP_CWORD=3; _shrinknet; echo \${COMPREPLY[*]}")
[ "$got" = "--clip" ] || fail "completion of 'shrinknet plot posterior --cl': '$got'"

make -s -C "$ROOT" B="$B" DESTDIR="$D" PREFIX="$PREFIX" uninstall >"$T/log" 2>&1 || fail "make uninstall"
left=$(find "$D" -type f -o -type l)
[ -z "$left" ] || fail "make uninstall left: $left"
exit "$fails"
