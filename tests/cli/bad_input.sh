#!/bin/sh
# Bad options, data, model files and output locations: a clear message, the documented exit
# code, no output file, existing files untouched.
. tests/cli/_lib.sh
ROOT=${SN_ROOT:-$PWD}
cd "$T"

expect 2 "no command" -- "$BIN"
expect 2 "unknown command" -- "$BIN" frobnicate
expect 0 "--version" -- "$BIN" --version
outputs "shrinknet [0-9]" "--version prints the version"
for c in train predict eval demo; do
    expect 0 "$c --help" -- "$BIN" $c --help
    outputs "usage: shrinknet $c" "$c --help usage line"
done
expect 2 "unknown option" -- "$BIN" train --data "$YACHT" --frobnicate 3
says "unknown option '--frobnicate'" "unknown option named"
says "try 'shrinknet train --help'" "help hint"
expect 2 "non-number" -- "$BIN" train --data "$YACHT" --samples abc
says -- "--samples: expected an integer in \[1, 100000\], found \"abc\"" "non-number message"
expect 2 "out of range" -- "$BIN" train --data "$YACHT" --epochs 0
says -- "--epochs" "out of range names the option"
expect 2 "missing value" -- "$BIN" train --data "$YACHT" --lr
says -- "--lr: missing value" "missing value"
expect 2 "bad noise" -- "$BIN" train --data "$YACHT" --noise bernoulli:1.5
says -- "--noise" "bad noise names the option"
expect 2 "bad objective" -- "$BIN" train --data "$YACHT" --objective best
expect 2 "bad arch" -- "$BIN" train --data "$YACHT" --arch resnet:50
expect 2 "negative lr" -- "$BIN" train --data "$YACHT" --lr -1
expect 2 "missing --data" -- "$BIN" train
expect 2 "empty value" -- "$BIN" train --data "$YACHT" --hidden=
says -- "--hidden: expected an integer in \[1, 100000\], found \"\"" "empty value message"
expect 2 "gal-lengthscale and sigma0" -- "$BIN" train --data "$YACHT" --gal-lengthscale 0.01 \
    --sigma0 1
says -- "--gal-lengthscale and --sigma0 both set the L2 term; give one" "both L2 terms refused"

# A refused value of a training parameter: one line, the library's message (sn_train_params_set)
# after "--", then the help hint.
expect 2 "hidden beyond its limit" -- "$BIN" train --data "$YACHT" --hidden 100001
first=$(head -n 1 "$T/err")
[ "$first" = 'shrinknet train: --hidden: expected an integer in [1, 100000], found "100001"' ] ||
    fail "hidden beyond its limit: [$first]"
[ "$(sed -n 2p "$T/err")" = "try 'shrinknet train --help'" ] || fail "hidden limit: no help hint"
[ "$(wc -l < "$T/err")" -eq 2 ] || fail "hidden limit: more than two lines"
# The CLI's words are the library's, key for key, wherever Python can load the library (not in
# the sanitizer build, which has no shared library).
cases="hidden=100001 layers=0 samples=abc lr=-1 momentum=1 activation=sigmoid arch=resnet:0x2
arch=resnet:20x1001 noise=bernoulli:1.5 block-noise=x precision=0 seed=18446744073709551616
batch=1000000001 epochs=0 objective=best sigma0=0 gal-lengthscale=0 hyperprior=gamma:1
placement=x method=x prior=x estimator=x variant=x optimizer=x likelihood=x"
lib=$(dirname "$BIN")/libshrinknet.so
len=$(sed -n 's/^#define SN_ERROR_MSG_LEN \([0-9]*\).*/\1/p' "$ROOT/include/shrinknet.h")
if [ -f "$lib" ] && python3 - "$lib" "$len" $cases > lib_msgs 2>lib_err <<'PY'
import ctypes, sys
h = ctypes.CDLL(sys.argv[1])
class Error(ctypes.Structure):  # sn_error
    _fields_ = [("code", ctypes.c_int), ("msg", ctypes.c_char * int(sys.argv[2]))]
h.sn_train_params_new.restype = ctypes.c_void_p
h.sn_train_params_free.argtypes = [ctypes.c_void_p]
h.sn_train_params_set.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                                  ctypes.POINTER(Error)]
for case in sys.argv[3:]:
    key, value = case.split("=", 1)
    p, err = h.sn_train_params_new(), Error()
    if h.sn_train_params_set(p, key.encode(), value.encode(), ctypes.byref(err)) == 0:
        sys.exit("%s accepted %s" % (key, value))
    h.sn_train_params_free(p)
    print(err.msg.decode())
PY
then
    i=0
    for c in $cases; do
        i=$((i + 1))
        key=${c%%=*}
        value=${c#*=}
        expect 2 "--$key $value" -- "$BIN" train --data "$YACHT" "--$key" "$value"
        want="shrinknet train: --$(sed -n "${i}p" lib_msgs)"
        [ "$(head -n 1 "$T/err")" = "$want" ] ||
            fail "--$key $value: the CLI says [$(head -n 1 "$T/err")], the library [$want]"
    done
else
    echo "SKIP: the library's messages could not be read from Python ($(tail -n 1 lib_err))"
fi

# Bad data: file:line:column, exit 1, no model written.
printf 'a,b,y\n1,2,3\n4,5\n' > ragged.csv
expect 1 "ragged CSV" -- "$BIN" train --data ragged.csv -o r.snm
says "ragged.csv:3" "ragged CSV names file and line"
[ -e r.snm ] && fail "ragged CSV wrote a model"
printf 'a,b,y\n1,2,3\n4,NA,6\n' > na.csv
expect 1 "non-numeric" -- "$BIN" train --data na.csv -o r.snm
says "na.csv:3:[0-9]+" "non-numeric names file:line:col"
says "NA" "non-numeric quotes the field"
printf 'a,b,y\n1,2,3\n4,nan,6\n' > nan.csv
expect 1 "NaN" -- "$BIN" train --data nan.csv -o r.snm
says "nan.csv:3" "NaN names the line"
: > empty.csv
expect 1 "empty file" -- "$BIN" train --data empty.csv -o r.snm
says "empty.csv" "empty file named"
printf 'a,b,y\n1,2,3\n4,5,6\n' > small.csv
expect 1 "fewer rows than a minibatch" -- "$BIN" train --data small.csv -o r.snm
says "minibatch" "fewer rows than a minibatch"
expect 3 "missing data file" -- "$BIN" train --data no-such.csv -o r.snm
expect 2 "bad split" -- "$BIN" train --data "$YACHT" --split 20 -o r.snm

# Model files: good one, then corrupted copies.
expect 0 "train" -- "$BIN" train --data "$YACHT" --epochs 3 -o good.snm -q
cp good.snm keep.snm
head -c 2000 good.snm > trunc.snm
expect 1 "truncated model" -- "$BIN" eval -m trunc.snm --data "$YACHT"
says "trunc.snm" "truncated model named"
# Change the last digit of one weight (line 60 is inside the theta array).
awk 'NR == 60 { c = substr($0, length($0)); $0 = substr($0, 1, length($0) - 1) (c == "1" ? "2" : "1") }
     { print }' good.snm > flip.snm
cmp -s flip.snm good.snm && fail "the corruption changed nothing"
expect 1 "corrupted model" -- "$BIN" eval -m flip.snm --data "$YACHT"
says "flip.snm" "corrupted model named"
cp "$YACHT/data.txt" foreign.snm
expect 1 "foreign model" -- "$BIN" eval -m foreign.snm --data "$YACHT"
says "foreign.snm" "foreign model named"
expect 3 "missing model" -- "$BIN" eval -m nothere.snm --data "$YACHT"

# Output locations: a missing folder fails before training; a failed run leaves the old file.
expect 3 "unwritable output" -- "$BIN" train --data "$YACHT" --epochs 3 -o no/such/dir/m.snm
says "no/such/dir/m.snm" "unwritable output named"
expect 1 "bad data keeps the old model" -- "$BIN" train --data ragged.csv -o good.snm
cmp -s good.snm keep.snm || fail "a failed training run changed an existing model file"
expect 4 "divergence keeps the old model" -- "$BIN" train --data "$YACHT" --optimizer sgd \
    --lr 1e6 --epochs 50 -o good.snm
says "diverged in epoch" "divergence names the epoch"
cmp -s good.snm keep.snm || fail "a diverged run changed an existing model file"
awk 'NR <= 3 { print $1 "," $2 "," $3 }' "$YACHT/data.txt" > three.csv
expect 1 "predict with wrong width" -- "$BIN" predict -m good.snm --input three.csv -o p.csv
says "3 columns" "wrong width named"
[ -e p.csv ] && fail "failed predict wrote output"
# A FIFO (like /dev/null, not a regular file) is written in place, never replaced by a file.
mkfifo pipe
timeout 60 cat pipe > from_pipe & reader=$!
expect 0 "model to a FIFO" -- timeout 60 "$BIN" train --data "$YACHT" --epochs 2 -o pipe -q
wait $reader
[ -p pipe ] || fail "writing a model to a FIFO replaced it with a regular file"
head -n 1 from_pipe | grep -q '^shrinknet-model' || fail "the FIFO did not receive the model"
awk 'NR <= 3 { print $1 "," $2 "," $3 "," $4 "," $5 "," $6 }' "$YACHT/data.txt" > six.csv
timeout 60 cat pipe > from_pipe & reader=$!
expect 0 "predict to a FIFO" -- timeout 60 "$BIN" predict -m keep.snm --input six.csv -o pipe
wait $reader
[ -p pipe ] || fail "writing predictions to a FIFO replaced it with a regular file"
expect 3 "model to a folder" -- "$BIN" train --data "$YACHT" --epochs 2 -o . -q
ls ./*.tmp* >/dev/null 2>&1 && fail "temporary files left behind"
finish
