#!/bin/sh
# shrinknet data fetch / verify against a local HTTP server on 127.0.0.1 that serves a copy of
# ../shared/uci in the source's layout (NAME/data/FILE); no other address is ever contacted.
# A good data set arrives identical and verified; a broken one, a missing one and a dead server
# fail with a clear message and leave nothing behind; only https (or http on 127.0.0.1) is taken.
. tests/cli/_lib.sh
PY=/usr/bin/python3
if [ ! -x "$PY" ]; then
    echo "SKIP: $PY is missing (needed for the local HTTP server)"
    exit 0
fi
SRV="$T/srv"
mkdir -p "$SRV/yacht/data" "$SRV/broken/data" "$SRV/partial/data" "$SRV/short/data"
cp "$YACHT"/* "$SRV/yacht/data/"
# broken: a test index past the end of data.txt.
cp "$YACHT"/* "$SRV/broken/data/"
printf '9999\n' > "$SRV/broken/data/index_test_3.txt"
# partial: a split file missing on the server.
cp "$YACHT"/* "$SRV/partial/data/"
rm "$SRV/partial/data/index_train_7.txt"
# short: rows lost from data.txt (and splits that no longer cover it).
cp "$YACHT"/* "$SRV/short/data/"
head -n 300 "$YACHT/data.txt" > "$SRV/short/data/data.txt"

# A free port: try a few until the server answers.
port=""
for try in 1 2 3 4 5; do
    p=$((20000 + ($$ * 7 + try * 1013) % 30000))
    "$PY" -m http.server --bind 127.0.0.1 "$p" --directory "$SRV" >"$T/srv.log" 2>&1 &
    spid=$!
    i=0
    while [ $i -lt 50 ]; do
        if "$PY" -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); \
s.connect(('127.0.0.1', $p))" 2>/dev/null; then
            port=$p
            break
        fi
        kill -0 $spid 2>/dev/null || break
        sleep 0.1
        i=$((i + 1))
    done
    [ -n "$port" ] && break
    kill $spid 2>/dev/null
    wait $spid 2>/dev/null
done
[ -n "$port" ] || { fail "could not start a local HTTP server"; finish; }
trap 'kill $spid 2>/dev/null; rm -rf "$T"' EXIT
URL="http://127.0.0.1:$port"
TO="$T/to"

no_leftovers() {
    ls -A "$TO" | grep -q '^\.' && fail "$1: a temporary folder was left in $TO: $(ls -A "$TO")"
}

expect 0 "help" -- "$BIN" data fetch --help
outputs "--base-url URL" "help lists --base-url"
expect 0 "fetch yacht" -- "$BIN" data fetch --to "$TO" --datasets yacht --base-url "$URL"
says "yacht: 48 files, 308 rows, 20 splits, verified" "fetch reports what it verified"
diff -r "$TO/yacht" "$YACHT" >/dev/null || fail "the fetched folder differs from the source"
no_leftovers "fetch yacht"
expect 0 "fetch again" -- "$BIN" data fetch --to "$TO" --datasets yacht --base-url "$URL"
says "already there \(308 rows, 20 splits, verified\)" "second fetch skips"
expect 0 "verify" -- "$BIN" data verify --data-dir "$TO"
says "yacht: 308 rows, 20 splits, ok" "verify"
# The benchmark runs on what was fetched.
expect 0 "bench on the download" -- "$BIN" bench --data-dir "$TO" --quick --methods tail \
    --splits 1 --out "$T/b.jsonl" -q
outputs "\| yacht \| 1 \|" "bench table of the download"

expect 1 "broken index" -- "$BIN" data fetch --to "$TO" --datasets broken --base-url "$URL"
says "broken: the download does not verify: .*/broken/data/index_test_3.txt:1:1: .*9999" \
    "bad index named with its URL and line"
[ -e "$TO/broken" ] && fail "a download that does not verify was kept"
no_leftovers "broken"
expect 3 "missing file" -- "$BIN" data fetch --to "$TO" --datasets partial --base-url "$URL"
says "partial/data/index_train_7.txt: not there \(HTTP 404\)" "missing file named"
[ -e "$TO/partial" ] && fail "a partial download was kept"
no_leftovers "partial"
expect 1 "short data" -- "$BIN" data fetch --to "$TO" --datasets short --base-url "$URL"
says "expected 308 rows for short|expected every one of the 300 rows|index_.*: expected" \
    "short data noticed"
[ -e "$TO/short" ] && fail "a short download was kept"
expect 3 "no such data set" -- "$BIN" data fetch --to "$TO" --datasets nosuch --base-url "$URL"
says "nosuch: no such data set at" "unknown data set"

# --force replaces a folder in place; a damaged local copy is refused without it.
printf '3\n' > "$TO/yacht/n_splits.txt"
printf '1 2 3\n' >> "$TO/yacht/data.txt"
expect 1 "damaged copy" -- "$BIN" data fetch --to "$TO" --datasets yacht --base-url "$URL"
says "does not verify \(--force replaces it\): .*yacht/" "damaged copy refused"
expect 0 "force" -- "$BIN" data fetch --to "$TO" --datasets yacht --base-url "$URL" --force
diff -r "$TO/yacht" "$YACHT" >/dev/null || fail "--force did not restore the folder"
no_leftovers "force"

# No server: fails at once, with a clear message, leaving nothing.
kill $spid 2>/dev/null
wait $spid 2>/dev/null
start=$(date +%s)
expect 3 "server down" -- "$BIN" data fetch --to "$T/to2" --datasets yacht --base-url "$URL"
says "cannot connect: no network, or the server is down" "dead server explained"
[ $(($(date +%s) - start)) -le 5 ] || fail "a dead server took more than 5 s to notice"
[ -z "$(ls -A "$T/to2")" ] || fail "a failed fetch left files: $(ls -A "$T/to2")"

# Only https, or plain http to this machine; nothing is contacted for these.
expect 2 "plain http elsewhere" -- "$BIN" data fetch --to "$T/to3" --base-url http://example.com
says "--base-url: expected an https:// URL" "http refused"
expect 2 "ftp" -- "$BIN" data fetch --to "$T/to3" --base-url ftp://127.0.0.1/x
expect 2 "bad name" -- "$BIN" data fetch --to "$T/to3" --datasets ../etc --base-url "$URL"
says "--datasets: expected all or a comma-separated list" "bad data set name"
expect 2 "no --to" -- "$BIN" data fetch --datasets yacht
expect 2 "no subcommand" -- "$BIN" data
expect 2 "bad subcommand" -- "$BIN" data pull
expect 1 "verify a broken folder" -- "$BIN" data verify --data-dir "${SN_ROOT:-$PWD}/tests/data" \
    --datasets uci_bad_range
finish
