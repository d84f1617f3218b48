#!/bin/sh
# Install what shrinknet needs from Debian's packages (only those missing), then build.
# Run as root on a fresh Debian machine, or as a user who already has the packages.
#   ./scripts/setup.sh         the library, the CLI and the tests
#   ./scripts/setup.sh --mpi   also Open MPI and the MPI build of the CLI (build-mpi/shrinknet)
set -eu
cd "$(dirname "$0")/.."
mpi=0
case "${1:-}" in
"") ;;
--mpi) mpi=1 ;;
*) echo "usage: $0 [--mpi]" >&2; exit 2 ;;
esac
PKGS="gcc make pkg-config libc6-dev libopenblas-dev libgsl-dev libjansson-dev check libcurl4-openssl-dev libplplot-dev plplot-driver-cairo python3 python3-numpy python3-pytest python3-sklearn python3-pip python3-setuptools python3-wheel groff-base clang libclang-rt-14-dev valgrind"
[ "$mpi" -eq 1 ] && PKGS="$PKGS openmpi-bin libopenmpi-dev"
missing=""
for p in $PKGS; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "setup: installing$missing" >&2
    if [ "$(id -u)" -ne 0 ]; then
        echo "setup: run as root (or install:$missing)" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
make -j"$(nproc 2>/dev/null || echo 2)" all tests >/dev/null
echo "setup: built build/shrinknet, build/libshrinknet.{a,so} and the tests" >&2
if [ "$mpi" -eq 1 ]; then
    make -j"$(nproc 2>/dev/null || echo 2)" mpi >/dev/null
    echo "setup: built build-mpi/shrinknet (mpirun -n P build-mpi/shrinknet bench ...)" >&2
fi
