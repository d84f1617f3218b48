#!/bin/sh
# Write the manual page shrinknet(1) on stdout: a written head (docs/man/shrinknet.1.head), then a
# section per command holding that command's --help, generated from the program itself so that
# the page cannot drift from the option tables. Run by make (build/share/man/man1/shrinknet.1).
#   sh scripts/man.sh BUILD/shrinknet docs/man/shrinknet.1.head
set -eu
bin=$1
head=$2
version=$("$bin" --version | cut -d' ' -f2)
# roff-safe preformatted text: backslashes escaped, a leading dot or quote made literal.
verbatim() {
    sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
}
sed "s/@VERSION@/$version/" "$head"
echo '.SH COMMANDS'
for c in $("$bin" --list-commands); do
    echo ".SS $c"
    case $c in
    plot|data)
        echo '.nf'
        "$bin" "$c" --help | verbatim
        echo '.fi'
        for s in $("$bin" "$c" --list-commands); do
            echo ".TP"
            echo ".B $c $s"
            echo '.nf'
            "$bin" "$c" "$s" --help | verbatim
            echo '.fi'
        done
        ;;
    *)
        echo '.nf'
        "$bin" "$c" --help | verbatim
        echo '.fi'
        ;;
    esac
done
cat <<'TAIL'
.SH EXIT STATUS
0 success, 1 bad data or model file, 2 usage, 3 input/output, 4 numerical failure (training
diverged), 5 out of memory; 130 when interrupted.
.SH ENVIRONMENT
.TP
.B SN_PROGRESS
1: print training progress on stderr even when it is not a terminal.
.TP
.B SN_COMMIT
recorded by
.B bench
with every result (its
.B \-\-tag
default).
.TP
.B SHRINKNET_LIB
the library the Python binding loads, before the installed one.
.SH FILES
.TP
.I *.snm
model files: versioned text with a checksum (share/doc/shrinknet/FORMATS.md).
.TP
.I share/doc/shrinknet/
the mathematics the program cites (MATH.md), the file formats, the architecture.
.SH SEE ALSO
The library's header
.IR shrinknet.h ,
.BR pkg\-config (1)
.RB ( "pkg\-config \-\-cflags \-\-libs shrinknet" ).
.PP
Nalisnick, Hern\('andez\-Lobato and Smyth, "Dropout as a Structured Shrinkage Prior", ICML 2019.
TAIL
