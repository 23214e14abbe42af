#!/usr/bin/env python3
"""Benchmarks of the SDF throughput analysis (snnir.algorithms.sdf) on SNN-like dataflow graphs.

Graphs: A actors with execution time 16, each serialised by a one-token self-loop, and C channels
(a ring through all actors, so the graph is strongly connected, plus random pairs); every channel
has production = consumption = initial tokens = its spike count, random (1 + a share of a
lognormal draw) with the counts summing to S. After normalisation every channel is (1, 1, 1), so
the iteration matrix has C + A tokens whatever S is.

1. Main: A = 10^4, C = 10^5, S = 10^9: the full `throughput(g)` (median of --repeats; target
   under 5 s) and one run of each stage (repetition vector, deadlock check, unbounded actors,
   iteration matrix, eigenvalue), with the matrix size.
2. Growth with actors (10^3, 10^4, 10^5 at 10 channels per actor), with channels (at 10^4
   actors) and with total spikes (10^5 .. 10^9 at the main size: must be flat). The matrix has
   sum over actors of in-degree x out-degree non-zeros, so more channels per actor grow it
   quadratically; the ns per non-zero column shows the cost per matrix entry.

    python bench/bench_sdf.py
    python bench/bench_sdf.py --repeats 5 --actors 1000,10000 --skip-spikes
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from snnir.algorithms import sdf


def machine() -> str:
    from machine import describe  # bench/machine.py, beside this script

    return describe()


def snn_graph(actors: int, channels: int, spikes: int, seed: int = 0) -> sdf.SDFGraph:
    """A ring plus random channels, p = c = t = spike count (sum `spikes`), self-loops, exec 16."""
    if spikes < channels:
        raise ValueError(f"{spikes} spikes cannot give each of {channels} channels at least one")
    rng = np.random.default_rng(seed)
    n_rand = channels - actors
    src = np.concatenate([np.arange(actors), rng.integers(0, actors, n_rand)])
    dst = np.concatenate([(np.arange(actors) + 1) % actors, rng.integers(0, actors - 1, n_rand)])
    dst[actors:] += dst[actors:] >= src[actors:]  # no random self-loops: those are added below
    share = rng.lognormal(0.0, 1.0, channels)
    count = 1 + np.floor(share / share.sum() * (spikes - channels)).astype(np.int64)
    count[0] += spikes - int(count.sum())
    loops = np.arange(actors)
    ones = np.ones(actors, dtype=np.int64)
    return sdf.SDFGraph(tuple(f"a{i}" for i in range(actors)), np.full(actors, 16, dtype=np.int64),
                        np.concatenate([src, loops]), np.concatenate([dst, loops]),
                        np.concatenate([count, ones]), np.concatenate([count, ones]),
                        np.concatenate([count, ones]))


def timed(fn, repeats: int):
    """(median time, last result) of `repeats` calls: bench/machine.py's `timed`."""
    from machine import timed as median_timed  # bench/machine.py, beside this script

    return median_timed(fn, repeats)


def main_case(args) -> bool:
    a, c, s = args.main_actors, args.main_channels, args.main_spikes
    t_build, g = timed(lambda: snn_graph(a, c, s), 1)
    print(f"\n## Main: {a} actors, {c} channels + {a} self-loops, {s:.0e} spikes (built in {t_build:.2f} s)\n")
    t_all, res = timed(lambda: sdf.throughput(g), args.repeats)
    q = sdf.repetition_vector(g)
    stages = [
        ("repetition vector", lambda: sdf.repetition_vector(g)),
        ("deadlock check", lambda: sdf.check_deadlock(g, q)),
        ("unbounded actors", lambda: sdf.unbounded_actors(g)),
        ("iteration matrix", lambda: sdf.iteration_matrix(g, q)),
    ]
    print(f"{'stage':>18} {'time s':>8}")
    for name, fn in stages:
        t, out = timed(fn, 1)
        print(f"{name:>18} {t:>8.3f}")
    m, _ = out
    t_eig, _ = timed(m.eigenvalue, 1)
    print(f"{'eigenvalue':>18} {t_eig:>8.3f}   (Howard's policy iteration)")
    print(f"{'throughput(g)':>18} {t_all:>8.3f}   (median of {args.repeats})")
    print(f"\nmatrix: {m.shape[0]} tokens, {m.val.size} non-zeros; period {res.period}, throughput "
          f"{res.throughput}, latency {res.latency}; critical cycle of {len(res.critical_actors)} actor(s); "
          f"homogeneous channels: {int(sdf.homogeneous_channels(g).sum())} of {g.channels}")
    ok = t_all < 5.0
    print(f"full analysis under 5 s: {'PASS' if ok else 'FAIL'} ({t_all:.2f} s)")
    return ok


def nonzeros(g: sdf.SDFGraph) -> int:
    """Non-zeros of the iteration matrix when every channel holds one token after normalisation:
    each channel's new token depends on every input token of its source, sum of in x out degree."""
    indeg = np.bincount(g.dst, minlength=g.actors)
    outdeg = np.bincount(g.src, minlength=g.actors)
    return int(indeg @ outdeg)


def row(label: str, a: int, c: int, s: int, repeats: int) -> None:
    g = snn_graph(a, c, s)
    t, res = timed(lambda: sdf.throughput(g), repeats)
    nnz = nonzeros(g)
    print(f"{label:>8} {a:>8} {g.channels:>9} {s:>12.0e} {res.tokens:>9} {nnz:>10} {t:>8.3f} "
          f"{1e9 * t / nnz:>7.0f} {str(res.period):>7}", flush=True)


def header(title: str) -> None:
    print(f"\n## {title}\n")
    print(f"{'vary':>8} {'actors':>8} {'channels':>9} {'spikes':>12} {'tokens D':>9} {'non-zeros':>10} "
          f"{'time s':>8} {'ns/nz':>7} {'period':>7}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3, help="runs per timing (median)")
    ap.add_argument("--main-actors", type=int, default=10_000)
    ap.add_argument("--main-channels", type=int, default=100_000)
    ap.add_argument("--main-spikes", type=int, default=10**9)
    ap.add_argument("--actors", default="1000,10000,100000", help="actor counts at 10 channels per actor")
    ap.add_argument("--channels", default="20000,50000,100000,200000", help="channel counts at the main actors")
    ap.add_argument("--spikes", default="100000,1000000,10000000,100000000,1000000000",
                    help="total spike counts at the main size")
    ap.add_argument("--skip-actors", action="store_true")
    ap.add_argument("--skip-channels", action="store_true")
    ap.add_argument("--skip-spikes", action="store_true")
    args = ap.parse_args(argv)
    print(f"# bench_sdf\n\nmachine: {machine()}")
    ok = main_case(args)
    print("\nchannels below include the self-loops; non-zeros of the iteration matrix = sum over actors of "
          "in-degree x out-degree; ns/nz = time / non-zeros (flat = linear in the matrix size)")
    if not args.skip_actors:
        header("Growth with actors (10 channels per actor)")
        for a in [int(x) for x in args.actors.split(",") if x]:
            row("actors", a, 10 * a, args.main_spikes, args.repeats if a < 100_000 else 1)
    if not args.skip_channels:
        header(f"Growth with channels ({args.main_actors} actors)")
        for c in [int(x) for x in args.channels.split(",") if x]:
            row("channels", args.main_actors, c, args.main_spikes, args.repeats)
    if not args.skip_spikes:
        header(f"Growth with total spikes ({args.main_actors} actors, {args.main_channels} channels): flat")
        for s in [int(x) for x in args.spikes.split(",") if x]:
            row("spikes", args.main_actors, args.main_channels, s, args.repeats)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
