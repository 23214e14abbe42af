#!/usr/bin/env python3
"""Benchmark of the maximum cycle mean (snnir.algorithms.maxplus): Howard's policy iteration vs Karp.

Graphs: n nodes and m = --edge-factor x n edges (default 10): a Hamiltonian cycle over a random
permutation (so the graph is strongly connected) plus m - n uniformly random edges (self-loops
and parallel edges allowed), integer weights uniform in 1..1000, seeded. For each --sizes n the
table gives Howard's median time over --repeats runs, its iterations, edges per second, and for
n <= --karp-max Karp's O(n m) time (median of the same repeats) and the ratio Karp / Howard; both
must agree exactly (integer weights). Then the target: 10^5 nodes and 10^6 edges in under 2 s.

    python bench/bench_maxplus.py
    python bench/bench_maxplus.py --sizes 1000,10000,100000,1000000 --repeats 5 --karp-max 1000
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from snnir.algorithms import maxplus as MP

TARGET_NODES, TARGET_EDGES, TARGET_SECONDS = 100_000, 1_000_000, 2.0


def machine() -> str:
    from machine import describe  # bench/machine.py, beside this script

    return describe()


def generate(n: int, m: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A strongly connected random digraph: (src, dst, weight) with integer weights 1..1000."""
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    src = np.concatenate([perm, rng.integers(0, n, m - n)])
    dst = np.concatenate([np.roll(perm, -1), rng.integers(0, n, m - n)])
    weight = rng.integers(1, 1001, m).astype(np.float64)
    return src, dst, weight


def timed(fn, repeats: int):
    """(median time, last result) of `repeats` calls: bench/machine.py's `timed`."""
    from machine import timed as median_timed  # bench/machine.py, beside this script

    return median_timed(fn, repeats)


def run(args) -> dict[int, float]:
    print(f"\n## Random strongly connected graphs (edges = {args.edge_factor} x nodes, weights 1..1000; "
          f"median of {args.repeats})\n")
    print(f"{'nodes':>9} {'edges':>10} {'howard s':>9} {'iters':>6} {'edges/s':>9} {'karp s':>9} "
          f"{'karp/howard':>11} {'value':>22}")
    times = {}
    for n in args.sizes:
        m = args.edge_factor * n
        src, dst, w = generate(n, m, args.seed)
        t, (cm, iters) = timed(lambda g=(n, src, dst, w): MP._solve(*g), args.repeats)
        times[n] = t
        karp = ratio = "-"
        if n <= args.karp_max:
            tk, value = timed(lambda g=(n, src, dst, w): MP.max_cycle_mean_karp(*g), args.repeats)
            if value != cm.value:
                print(f"MISMATCH at n={n}: Howard {cm.value!r} ({cm.exact}) vs Karp {value!r}")
                sys.exit(1)
            karp, ratio = f"{tk:.3f}", f"{tk / t:.0f}x"
        print(f"{n:>9} {m:>10} {t:>9.3f} {iters:>6} {m / t:>9.2e} {karp:>9} {ratio:>11} "
              f"{cm.exact!s:>22}", flush=True)
    return times


def target(args) -> int:
    src, dst, w = generate(TARGET_NODES, TARGET_EDGES, args.seed)
    t, _ = timed(lambda: MP.max_cycle_mean(TARGET_NODES, src, dst, w), args.repeats)
    ok = t < TARGET_SECONDS
    print(f"\ntarget: {TARGET_NODES} nodes, {TARGET_EDGES} edges in {t:.3f} s (median of {args.repeats}) "
          f"-> {'PASS' if ok else 'FAIL'} (< {TARGET_SECONDS:g} s)")
    return 0 if ok else 1


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000,100000", help="node counts")
    ap.add_argument("--edge-factor", type=int, default=10, help="edges per node")
    ap.add_argument("--repeats", type=int, default=3, help="runs per timing (median)")
    ap.add_argument("--karp-max", type=int, default=10_000, help="largest node count Karp is timed on")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    args.sizes = [int(x) for x in args.sizes.split(",") if x]
    print(f"# bench_maxplus\n\nmachine: {machine()}")
    run(args)
    return target(args)


if __name__ == "__main__":
    sys.exit(main())
