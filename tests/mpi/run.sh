#!/bin/sh
# The MPI build of `shrinknet bench` (make mpi; docs/scaling.md), run by `make check-mpi`:
#   - mpirun -n 3 (oversubscribed on a 2-core machine) and -n 1 give the same results file as
#     the single-process harness, bit for bit but for the timing fields and the line order,
#     under the fixed protocol and under Gal's (grid units, then the test unit that needs them);
#   - a worker rank killed mid-run: what rank 0 recorded stays, a rerun finishes the rest, no
#     unit twice, and the final file equals the single-process one;
#   - ranks that planned different benchmarks refuse to share work; --jobs and commands other
#     than bench are refused under mpirun.
# usage: sh tests/mpi/run.sh MPI_BINARY PLAIN_BINARY
set -u
MPIBIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
BIN=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
SHARED=${SN_SHARED:-$(cd .. && pwd)/shared}
UCI="$SHARED/uci"
export SN_ROOT="$PWD"
# Open MPI refuses root without these (CI runs as root); --oversubscribe: 3 ranks on 2 cores.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPIRUN="mpirun --oversubscribe"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
pass=0
fails=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
fail() { fails=$((fails + 1)); echo "FAIL: $*"; }
# Lines without their timing fields (the last ones), sorted; and the unit keys.
canon() { sed 's/,"train_seconds":.*$//' "$1" | sort; }
keys() { sed -n 's/^{"v":1,"dataset":"\([^"]*\)","split":\([0-9]*\),"method":"\([^"]*\)","grid":\(-*[0-9]*\),.*/\1 \2 \3 \4/p' "$1"; }
same() { # same A B WHAT
    if canon "$1" > a.c && canon "$2" > b.c && [ -s a.c ] && cmp -s a.c b.c; then
        ok "$3 ($(wc -l < a.c) lines)"
    else
        fail "$3"; diff a.c b.c | head -n 6
    fi
}

# --- equality with the single-process harness -------------------------------------------
"$BIN" bench --quick --data-dir "$UCI" --out plain.jsonl -q > plain.md 2>plain.err ||
    fail "single-process --quick run: $(cat plain.err)"
$MPIRUN -n 3 "$MPIBIN" bench --quick --data-dir "$UCI" --out mpi3.jsonl > mpi3.md 2>mpi3.err ||
    { fail "mpirun -n 3 --quick"; tail -n 5 mpi3.err; }
same plain.jsonl mpi3.jsonl "mpirun -n 3 bench --quick = bench --quick"
grep -q "3 MPI ranks" mpi3.err && ok "rank 0 reports 3 ranks" || fail "no rank count on stderr"
[ "$(grep -c '^bench \[' mpi3.err)" -eq "$(wc -l < mpi3.jsonl)" ] &&
    ok "one progress line per unit, from rank 0 only" || fail "progress lines: $(grep -c '^bench \[' mpi3.err)"
# The rows of figures (mean ± error) of every table; the wall-time table differs, of course.
grep '±' plain.md > p.md; grep '±' mpi3.md > m.md
[ -s p.md ] && cmp -s p.md m.md && ok "the same tables ($(wc -l < p.md) rows)" ||
    { fail "tables differ"; diff p.md m.md | head; }
$MPIRUN -n 1 "$MPIBIN" bench --quick --data-dir "$UCI" --out mpi1.jsonl -q > /dev/null 2>&1 ||
    fail "mpirun -n 1 --quick"
same plain.jsonl mpi1.jsonl "mpirun -n 1 bench --quick = bench --quick"

# Gal's protocol: grid units, then each test unit with the grid point chosen on rank 0.
G="--quick --protocol gal --methods lb,vem-ard --epochs 10 --draws 50"
"$BIN" bench $G --data-dir "$UCI" --out gplain.jsonl -q > /dev/null 2>&1 || fail "gal, plain"
$MPIRUN -n 3 "$MPIBIN" bench $G --data-dir "$UCI" --out gmpi.jsonl -q > /dev/null 2>gmpi.err ||
    { fail "gal, mpirun -n 3"; tail -n 5 gmpi.err; }
same gplain.jsonl gmpi.jsonl "Gal's protocol: mpirun -n 3 = single process"
[ "$(grep -c '"chosen_grid":[0-9]' gmpi.jsonl)" -eq 4 ] && ok "4 test units with a chosen grid point" ||
    fail "test units with a chosen grid point: $(grep -c '"chosen_grid":[0-9]' gmpi.jsonl)"

# --- a worker rank killed mid-run, then a rerun ------------------------------------------
K="--quick --methods lb,iw,tail --epochs 400 --splits 6"
"$BIN" bench $K --data-dir "$UCI" --out kplain.jsonl -q > /dev/null 2>&1 || fail "kill case, plain"
$MPIRUN -n 3 "$MPIBIN" bench $K --data-dir "$UCI" --out k.jsonl -q > /dev/null 2>k.err &
mpid=$!
i=0
while [ "$i" -lt 400 ]; do
    [ -f k.jsonl ] && [ "$(wc -l < k.jsonl)" -ge 2 ] && break
    sleep 0.05
    i=$((i + 1))
done
# The process of rank 1 (Open MPI puts the rank in its environment).
victim=
for p in $(pgrep -f "$MPIBIN bench"); do
    if tr '\0' '\n' < /proc/"$p"/environ 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1'; then
        victim=$p
    fi
done
if [ -n "$victim" ]; then
    kill -9 "$victim"
    wait $mpid
    rc=$?
    n1=$(grep -c '}$' k.jsonl)
    [ "$rc" -ne 0 ] && ok "mpirun reports the lost rank (exit $rc)" || fail "mpirun exit 0 after a rank died"
    [ "$n1" -ge 2 ] && [ "$n1" -lt 18 ] && ok "$n1 of 18 units recorded before the kill" ||
        fail "the kill came at an unhelpful time ($n1 of 18 units)"
    head -c "$(wc -c < k.jsonl)" k.jsonl > k.before
    $MPIRUN -n 3 "$MPIBIN" bench $K --data-dir "$UCI" --out k.jsonl > /dev/null 2>k2.err ||
        { fail "rerun after the kill"; tail -n 5 k2.err; }
    grep -q "already in k.jsonl" k2.err && ok "the rerun resumes" || fail "no resume message"
    [ "$(keys k.jsonl | sort | uniq -d | wc -l)" -eq 0 ] && ok "no unit twice" || fail "a unit was run twice"
    grep '}$' k.before > kb.whole   # a torn last line is cut by the rerun
    head -c "$(wc -c < kb.whole)" k.jsonl | cmp -s - kb.whole &&
        ok "the lines written before the kill are unchanged" || fail "the rerun changed old lines"
    same kplain.jsonl k.jsonl "killed and resumed under MPI = one uninterrupted single-process run"
else
    kill -9 $mpid 2>/dev/null
    wait $mpid 2>/dev/null
    fail "no rank-1 process found to kill"
fi

# --- refusals ------------------------------------------------------------------------------
# Two ranks with different tags plan different benchmarks (the tag is part of the plan).
$MPIRUN -n 1 -x SN_COMMIT=aaa "$MPIBIN" bench --quick --data-dir "$UCI" --out x.jsonl -q : \
    -n 1 -x SN_COMMIT=bbb "$MPIBIN" bench --quick --data-dir "$UCI" --out x.jsonl -q \
    > /dev/null 2>x.err
rc=$?
[ "$rc" -ne 0 ] && grep -q "planned another benchmark" x.err && ok "different plans refused (exit $rc)" ||
    { fail "different plans: exit $rc"; tail -n 5 x.err; }
[ ! -s x.jsonl ] && ok "nothing written for a refused run" || fail "a refused run wrote results"
$MPIRUN -n 2 "$MPIBIN" bench --quick --data-dir "$UCI" --out j.jsonl --jobs 2 > /dev/null 2>j.err
rc=$?
[ "$rc" -eq 2 ] && grep -q "start more ranks" j.err && ok "--jobs refused under MPI" ||
    { fail "--jobs under MPI: exit $rc"; tail -n 3 j.err; }
$MPIRUN -n 2 "$MPIBIN" demo > /dev/null 2>d.err
rc=$?
[ "$rc" -eq 2 ] && grep -q "only bench runs across MPI ranks" d.err && ok "demo refused under MPI" ||
    { fail "demo under MPI: exit $rc"; tail -n 3 d.err; }

echo "$pass passed, $fails failed"
[ "$fails" -eq 0 ]
