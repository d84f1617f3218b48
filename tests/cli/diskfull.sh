#!/bin/sh
# Disk faults: a full file system (a 64 KiB tmpfs, filled), a read-only folder (a read-only bind
# mount as root, chmod otherwise) and a full standard output (/dev/full). Each gives exit 3 and
# a message naming the file, leaves existing files byte for byte as they were and leaves no
# temporary file. What the machine cannot set up is skipped with a SKIP line saying why (mounts
# need root or CAP_SYS_ADMIN), never counted as a pass. Known gaps print XFAIL (see
# docs/reliability.md) without failing the suite.
. tests/cli/_lib.sh
cd "$T"
MOUNTS=""
cleanup() {
    for m in $MOUNTS; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
    chmod -R u+w "$T" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
skip() { echo "SKIP: $*"; }
known() {
    what=$1; shift
    if "$@"; then echo "XPASS: $what (fixed? make it a hard check)"
    else echo "XFAIL: $what (open, docs/reliability.md)"; fi
}
# no_temp DIR: no "*.tmp*" file left in DIR.
no_temp() { ls "$1"/*.tmp* >/dev/null 2>&1 && fail "temporary file left in $1: $(ls "$1"/*.tmp*)"; }

awk 'BEGIN { srand(3); print "a,b,c,y"; for (i = 0; i < 300; i++) { a = rand(); b = rand()
         c = rand(); printf "%.17g,%.17g,%.17g,%.17g\n", a, b, c, a + 2 * b - c } }' > d.csv
E="--epochs 2 --hidden 50 --batch 100 --seed 1 -q"
expect 0 "train a model" -- "$BIN" train --data d.csv $E -o m.snm
expect 0 "another model" -- "$BIN" train --data d.csv $E --seed 2 -o m2.snm
cmp -s m.snm m2.snm && fail "the two models should differ"
expect 0 "predictions" -- "$BIN" predict -m m.snm --input d.csv --target y -o p.csv
[ "$(wc -c < m.snm)" -gt 4096 ] || fail "model file too small for the partial-write case"

# ---- A full file system --------------------------------------------------------------------
mkdir full
if [ "$(id -u)" -ne 0 ]; then
    skip "full file system: mounting a tmpfs needs root"
elif ! mount -t tmpfs -o size=64k tmpfs full 2>"$T/err"; then
    skip "full file system: mount -t tmpfs failed: $(cat "$T/err")"
else
    MOUNTS="$T/full $MOUNTS"
    cp m.snm full/m.snm
    cp p.csv full/p.csv
    # Fill it completely: creating the temporary file still works (tmpfs counts pages, not
    # inodes), so the failure comes while writing, after training.
    dd if=/dev/zero of=full/filler bs=4096 2>/dev/null
    expect 3 "train -o onto a full file system" -- "$BIN" train --data d.csv $E --seed 2 \
        -o full/m.snm
    says "full/m.snm" "full: message names the file"
    says "No space left on device" "full: message says why"
    cmp -s full/m.snm m.snm || fail "full: the existing model file changed"
    expect 3 "predict -o onto a full file system" -- "$BIN" predict -m m2.snm --input d.csv \
        --target y -o full/p.csv
    says "full/p.csv" "full predict: message names the file"
    cmp -s full/p.csv p.csv || fail "full: the existing predictions file changed"
    no_temp full
    # Room for one page: the write starts, then fails part way.
    rm full/filler
    free_kib=$(df -k full | awk 'NR == 2 { print $4 }')
    dd if=/dev/zero of=full/filler bs=1024 count=$((free_kib - 4)) 2>/dev/null
    avail=$(df -k full | awk 'NR == 2 { print $4 }')
    if [ "$avail" -ge 8 ] || [ "$avail" -lt 4 ]; then
        skip "partly full: could not leave exactly one page free (${avail} KiB free)"
    else
        expect 3 "train -o, one page free" -- "$BIN" train --data d.csv $E --seed 2 -o full/m.snm
        says "No space left on device" "partly full: message says why"
        cmp -s full/m.snm m.snm || fail "partly full: the existing model file changed"
        expect 3 "predict -o, one page free" -- "$BIN" predict -m m2.snm --input d.csv \
            --target y -o full/p.csv
        cmp -s full/p.csv p.csv || fail "partly full: the existing predictions file changed"
        expect 3 "new model, one page free" -- "$BIN" train --data d.csv $E -o full/new.snm
        [ -e full/new.snm ] && fail "partly full: a partial new model file was left"
        no_temp full
    fi
    expect 0 "the old model still loads" -- "$BIN" eval -m full/m.snm --data d.csv --json
    # bench appends one line per finished unit: a full disk stops it with exit 3, the lines
    # already there stay as they were, and once there is room a rerun finishes the rest.
    rm -f full/filler full/m.snm full/p.csv
    B="--data-dir $SHARED/uci --quick --epochs 5 --methods lb -q"
    expect 0 "bench, one split" -- "$BIN" bench $B --splits 1 --out full/r.jsonl
    cp full/r.jsonl r.before
    dd if=/dev/zero of=full/filler bs=4096 2>/dev/null
    expect 3 "bench onto a full file system" -- "$BIN" bench $B --splits 2 --out full/r.jsonl
    says "full/r\.(jsonl|csv).*No space left on device" "bench: message names the file and why"
    head -c "$(wc -c < r.before)" full/r.jsonl | cmp -s - r.before ||
        fail "bench: a full disk changed the units already written"
    rm full/filler
    expect 0 "bench rerun with room" -- "$BIN" bench $B --splits 2 --out full/r.jsonl
    [ "$(wc -l < full/r.jsonl)" -eq 2 ] || fail "bench: 2 units after the rerun, found $(wc -l < full/r.jsonl)"
    no_temp full
fi

# ---- A read-only folder --------------------------------------------------------------------
mkdir ro_src ro
cp m.snm ro_src/m.snm
cp p.csv ro_src/p.csv
ro_ok=false
if [ "$(id -u)" -eq 0 ]; then
    if mount --bind ro_src ro 2>"$T/err"; then
        MOUNTS="$T/ro $MOUNTS"
        if mount -o remount,ro,bind ro 2>>"$T/err" && ! touch ro/probe 2>/dev/null; then
            ro_ok=true
        else
            skip "read-only folder: remount,ro failed: $(cat "$T/err")"
        fi
    else
        skip "read-only folder: mount --bind failed: $(cat "$T/err")"
    fi
else
    # Not root: permissions are enforced.
    rmdir ro && ln -s ro_src ro && chmod a-w ro_src && ! touch ro/probe 2>/dev/null &&
        ro_ok=true || skip "read-only folder: chmod a-w does not stop writes here"
fi
if $ro_ok; then
    expect 3 "train -o into a read-only folder" -- "$BIN" train --data d.csv $E --seed 2 \
        -o ro/m.snm
    says "ro/m.snm" "read-only: message names the file"
    says "Read-only file system|Permission denied" "read-only: message says why"
    cmp -s ro/m.snm m.snm || fail "read-only: the existing model file changed"
    expect 3 "predict -o into a read-only folder" -- "$BIN" predict -m m2.snm --input d.csv \
        --target y -o ro/p.csv
    cmp -s ro/p.csv p.csv || fail "read-only: the existing predictions file changed"
    # The default output name lands in the current folder.
    cp d.csv ro_data.csv
    (cd ro && "$BIN" train --data ../ro_data.csv $E >"$T/out" 2>"$T/err"; echo $? >"$T/rc")
    [ "$(cat "$T/rc")" -eq 3 ] || fail "default output name in a read-only folder: exit $(cat "$T/rc")"
    says "ro_data.snm" "read-only default name: message names the file"
    no_temp ro
fi

# ---- A full standard output ----------------------------------------------------------------
if [ -c /dev/full ] && ! (echo x > /dev/full) 2>/dev/null; then
    "$BIN" predict -m m.snm --input d.csv --target y >/dev/full 2>"$T/err"
    rc=$?
    [ "$rc" -eq 3 ] || fail "predict > /dev/full: exit $rc, wanted 3"
    says "standard output" "predict > /dev/full names standard output"
    "$BIN" predict -m m.snm --input d.csv --target y -o - >/dev/full 2>"$T/err"
    [ $? -eq 3 ] || fail "predict -o - > /dev/full: not exit 3"
    eval_full() { "$BIN" eval -m m.snm --data d.csv --json >/dev/full 2>"$T/err"; [ $? -eq 3 ]; }
    eval_full || fail "eval --json > /dev/full: not exit 3"
else
    skip "full standard output: /dev/full is missing or accepts writes"
fi

# ---- Outputs that are not files ------------------------------------------------------------
mkdir outdir
expect 3 "train -o a folder" -- "$BIN" train --data d.csv $E -o outdir
says "outdir" "train -o a folder names it"
[ -z "$(ls -A outdir)" ] || fail "train -o a folder left files in it: $(ls -A outdir)"
expect 3 "a model file that is a folder" -- "$BIN" predict -m outdir --input d.csv --target y
says "outdir" "model folder named"
no_temp .
finish
