#!/usr/bin/python3
"""Join the RESULT lines of build/bench/perf with the PEER lines of bench/peers/torch_peer.py into
the table of docs/performance.md (bench/perf.sh runs all three).

usage: perf_table.py OURS.txt PEER.txt
"""
import math
import sys

# Table 2 workload: training-set sizes of the 7 UCI data sets, 20 splits x 3 objectives x 4500
# epochs, batch 32.
UCI_N = {"boston": 455, "concrete": 927, "energy": 691, "kin8nm": 7373, "power": 8611,
         "wine": 1439, "yacht": 277}
RUNS_PER_SET = 20 * 3 * 4500


def fields(line):
    out = {}
    for tok in line.split()[1:]:
        if "=" in tok:
            k, v = tok.split("=", 1)
            try:
                out[k] = float(v)
            except ValueError:
                out[k] = v
    return out


def main():
    ours, peer, workload = {}, {}, {}
    peak = linear = two = blas = total = None
    for line in open(sys.argv[1]):
        if not line.startswith("RESULT "):
            continue
        f = fields(line)
        kind = line.split()[1]
        if kind == "peak":
            peak = f
        elif kind.startswith("config="):
            ours[f["config"]] = f
        elif kind == "two_at_once":
            two = f
        elif kind == "blas_threads":
            blas = f
        elif kind.startswith("set="):
            workload[f["set"]] = f
        elif kind == "workload_total":
            total = f
    for line in open(sys.argv[2]):
        if line.startswith("PEER "):
            f = fields(line)
            peer[(f["config"], f["mode"])] = f

    print("\n== shrinknet vs PyTorch (medians; seconds per epoch of one split) ==")
    if peak:
        print(f"practical peak (OpenBLAS sgemm 2048^3): {peak['sgemm1']:.1f} GFLOP/s on 1 core, "
              f"{peak['sgemm2']:.1f} on 2")
    hdr = (f"{'':2} {'s/epoch':>10} {'us/step':>8} {'GFLOP/s':>8} {'%pk1':>6} {'%pk2':>6} | "
           f"{'torch split':>11} {'x':>6} | {'torch stacked':>13} {'x':>6}")
    print(hdr)
    print("-" * len(hdr))
    for c in "ABCD":
        o = ours.get(c)
        ps, pk = peer.get((c, "split")), peer.get((c, "stacked"))
        if not o or o.get("status") != "ok":
            print(f"{c:2} pending")
            continue
        t = o["s_per_epoch"]

        def ratio(p):
            return (f"{p['s_per_epoch']:>11.4g} {p['s_per_epoch'] / t:>6.1f}"
                    if p and "s_per_epoch" in p else f"{'-':>11} {'-':>6}")
        print(f"{c:2} {t:>10.4g} {o['us_per_step']:>8.2f} {o['gflops']:>8.2f} "
              f"{100 * o['share1']:>5.1f}% {100 * o['share2']:>5.1f}% | {ratio(ps)} |   "
              f"{ratio(pk)}")
    if two:
        print(f"\n2 runs at once (2 processes, config B): throughput x{two['factor']:.2f} "
              "of one run")
    if blas:
        print(f"OpenBLAS 2 threads vs 1, one run of config B: x{blas['speedup']:.2f}")
    if total:
        print(f"\nTable 2 workload, shrinknet: {total['core_seconds'] / 60:.1f} core-minutes, "
              f"{total['wall_minutes']:.1f} minutes on 2 cores (2 runs at once)")
    # The peer's time per step hardly depends on the data (framework overhead): its workload is
    # steps x its median time per step on B (one split at a time, 2 threads).
    steps = sum(math.ceil(n / 32) for n in UCI_N.values()) * RUNS_PER_SET
    for mode in ("split", "stacked"):
        p = peer.get(("B", mode))
        if p and "us_per_step" in p:
            hours = steps * p["us_per_step"] * 1e-6 / 3600
            print(f"Table 2 workload, PyTorch {mode}: {hours:.1f} hours "
                  f"({p['us_per_step']:.0f} us per step of config B, 2 threads)")


if __name__ == "__main__":
    main()
