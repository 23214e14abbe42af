#!/usr/bin/env python3
"""Benchmarks of the buffer / throughput exploration (snnir.algorithms.buffers).

1. LeNet-MNIST (method.md section 9): the whole Pareto front, 27 -> 54 tokens (SDF3's figures:
   32 -> 1/96 ... 54 -> 1/16), median of --repeats runs.
2. SNN-like graphs: A actors of execution time 16 with one-token self-loops, a ring through all
   of them plus round(A x --chords) random chords; every channel has p = c = t = a random spike
   count 1..5 (seeded). The exploration of Stuijk et al. is exponential in the number of buffers
   on long critical cycles (a ring of A buffers at the lower bounds deadlocks, and the A
   distributions that give it one token all tie, and so on), so on these graphs it is bounded:
   at most --budget distributions (ExplorationLimit; the sizes below the one reached are fully
   explored, the points found so far are exact) and optionally --max-size tokens above the lower
   bounds.
   The table shows how far the budget gets and the cost per distribution (one max-plus
   throughput analysis of the graph with A + C + Cb channels).
3. Feed-forward SNN-like graphs (layers of 5 actors, every actor feeding 1-3 actors of the next
   layer, p = c = t = 1..5, self-loops), with the same bounds. At the lower bounds every channel
   and its reverse form a cycle with one token (period 32); the maximum 1/16 needs a token of
   space on every reverse channel, so the front jumps from 1/32 to 1/16 at twice the lower
   bounds and the search in between is the same kind of combinatorial search.

    python bench/bench_buffers.py
    python bench/bench_buffers.py --repeats 5 --actors 20,50,100 --budget 5000
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from fractions import Fraction

import numpy as np
from snnir.algorithms import buffers
from snnir.algorithms.sdf import SDFGraph, throughput

LENET_ACTORS = ("a0", "a1", "a2", "a3", "a4", "a5", "a7")
LENET_CHANNELS = [(0, 1, 2), (0, 2, 2), (1, 0, 2), (1, 5, 2), (2, 1, 3), (2, 5, 3), (3, 1, 1), (3, 5, 1), (4, 0, 2),
                  (4, 1, 2), (5, 3, 3), (5, 1, 3), (6, 0, 1)]


def machine() -> str:
    from machine import describe  # bench/machine.py, beside this script

    return describe()


def with_self_loops(names, src, dst, count) -> SDFGraph:
    """p = c = t = count on every channel, plus a one-token self-loop per actor; exec time 16."""
    a = len(names)
    loops = np.arange(a, dtype=np.int64)
    ones = np.ones(a, dtype=np.int64)
    k = np.concatenate([np.asarray(count, dtype=np.int64), ones])
    return SDFGraph(tuple(names), np.full(a, 16, dtype=np.int64), np.concatenate([src, loops]),
                    np.concatenate([dst, loops]), k, k, k)


def lenet() -> SDFGraph:
    src, dst, k = (np.array(x, dtype=np.int64) for x in zip(*LENET_CHANNELS))
    return with_self_loops(LENET_ACTORS, src, dst, k)


def ring_graph(actors: int, chords: int, seed: int = 0) -> SDFGraph:
    """A ring through every actor plus `chords` random chords (no self-loop), counts 1..5."""
    rng = np.random.default_rng(seed)
    src = np.concatenate([np.arange(actors), rng.integers(0, actors, chords)])
    dst = np.concatenate([(np.arange(actors) + 1) % actors, rng.integers(0, actors - 1, chords)])
    dst[actors:] += dst[actors:] >= src[actors:]
    return with_self_loops([f"a{i}" for i in range(actors)], src, dst, rng.integers(1, 6, actors + chords))


def layered_graph(actors: int, width: int = 5, seed: int = 0) -> SDFGraph:
    """Layers of `width` actors; each actor feeds 1..3 distinct actors of the next layer; counts 1..5."""
    rng = np.random.default_rng(seed)
    layers = [list(range(i, min(i + width, actors))) for i in range(0, actors, width)]
    src, dst = [], []
    for here, nxt in itertools.pairwise(layers):
        for a in here:
            for b in rng.choice(nxt, size=min(len(nxt), int(rng.integers(1, 4))), replace=False):
                src.append(a)
                dst.append(int(b))
        for b in nxt:  # every actor of the next layer has an input
            if b not in dst[-3 * len(here):]:
                src.append(int(rng.choice(here)))
                dst.append(b)
    return with_self_loops([f"a{i}" for i in range(actors)], np.array(src), np.array(dst),
                           rng.integers(1, 6, len(src)))


def run(g: SDFGraph, repeats: int, max_size: int | None, budget: int | None):
    """Median seconds and the last result: (front, distributions, complete, stopped at size or None)."""
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        try:
            ex = buffers.explore(g, max_size=max_size, max_distributions=budget or 1_000_000)
            out = (ex.front, ex.distributions, ex.complete, None)
        except buffers.ExplorationLimit as e:
            out = (e.front, e.distributions, False, e.size)
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def rate(x) -> str:
    if isinstance(x, Fraction):
        return f"1/{1 / x}" if x.numerator == 1 else str(x)
    return f"{x:.4g}"


def row(name: str, g: SDFGraph, repeats: int, max_size: int | None = None, budget: int | None = None) -> None:
    lb = buffers.lower_bounds(g)
    b = lb >= 0
    lb_sum = int(lb[b].sum())
    limit = None if max_size is None else lb_sum + max_size
    secs, (front, n, complete, stopped) = run(g, repeats, limit, budget)
    best = rate(front[-1].throughput) if front else "-"
    first = f"{front[0].size}" if front else "-"
    last = f"{front[-1].size}" if front else "-"
    if complete:
        reach = "complete"
    elif stopped is not None:
        reach = f"budget at size {stopped}"
    else:
        reach = f"max-size {limit}"
    print(f"| {name} | {g.actors} | {int(b.sum())} | {lb_sum} | {first} | {last} | {len(front)} | {best} | "
          f"{rate(throughput(g).throughput)} | {reach} | {n} | {secs:.3f} | {1e3 * secs / max(n, 1):.2f} |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--actors", default="20,50,100", help="sizes of the generated graphs")
    ap.add_argument("--chords", type=float, default=0.1, help="random chords per actor of the ring graphs")
    ap.add_argument("--budget", type=int, default=1000, help="distributions per generated graph (ExplorationLimit)")
    ap.add_argument("--max-size", type=int, default=None,
                    help="tokens above the lower bounds at which the ring graphs stop (default: none)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    sizes = [int(x) for x in args.actors.split(",") if x]

    print("# Buffer / throughput exploration (Stuijk, Geilen, Basten, DAC 2006)\n")
    print(f"Machine: {machine()}")
    print(f"Medians of {args.repeats} runs. Columns: buffered channels, sum of the lower bounds, size of the "
          "first and last Pareto point, points, best throughput found, throughput with unbounded buffers, "
          "where the search stopped, distributions analysed, seconds, ms per distribution.\n")
    head = ("| graph | actors | buffers | lower bounds | first | last | points | best | max | stopped | "
            "distributions | s | ms/dist |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(head)
    row("LeNet-MNIST", lenet(), args.repeats)
    for a in sizes:
        row(f"ring + {round(a * args.chords)} chords", ring_graph(a, round(a * args.chords), args.seed), args.repeats,
            args.max_size, args.budget)
    for a in sizes:
        row("layered, width 5", layered_graph(a, seed=args.seed), args.repeats, args.max_size, args.budget)
    front = buffers.pareto_front(lenet())
    print("\nLeNet-MNIST front: " + ", ".join(f"{p.size} -> {rate(p.throughput)}" for p in front))
    return 0


if __name__ == "__main__":
    sys.exit(main())
