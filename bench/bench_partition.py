#!/usr/bin/env python3
"""Benchmarks of the partitioners (snnir.algorithms.partition): speed, memory and quality.

1. Scaling: generated layered networks with local receptive fields (an input population of n/10
   neurons, then three populations of 0.3 n neurons; each neuron draws ~S/(0.9 n) inputs from a
   window of 1.5x that width around its position in the previous population), spike counts
   Poisson(5). Times (median of --repeats) of building the Connectivity and of each partitioner at
   --sizes synapses (default 10^5, 10^6, 10^7, with 10^5 neurons at 10^7), with ns per synapse
   (flat = linear) and the peak of traced allocations during partitioning as a multiple of the
   synapse arrays (pre + post, int64).
2. Examples: every examples/*.snnir network at rows = cols = 128, its neurons of more than 128
   inputs first decomposed through relay neurons, once as chains (the paper's decomposition) and
   once as trees (ours, the default of `--partition`), each then simulated 100 steps (seed 0) for
   spike counts (a relay's count: the steps in which it sends a message) and partitioned: greedy +
   chain (the paper's technique, partitioning and decomposition), greedy + tree, layer + tree and
   refined + tree (our default); crossbars, utilisation, inter-cluster spikes, time. Then the
   summary: the default against the paper's technique and refined against greedy, both on trees,
   with the quality target: at most the crossbars on every example and at least 20% fewer
   inter-cluster spikes on average over the examples with traffic.

    python bench/bench_partition.py
    python bench/bench_partition.py --sizes 100000,1000000 --repeats 3 --rows 256 --cols 256
"""

from __future__ import annotations

import argparse
import glob
import statistics
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import scipy.sparse as sp

REPO_ROOT = Path(__file__).resolve().parent.parent

from snnir.algorithms import partition as P  # noqa: E402

ALGOS = {"greedy": P.greedy, "layer": P.layer_slices, "refined": P.refined}


def machine() -> str:
    from machine import describe  # bench/machine.py, beside this script

    return describe()


def generate(synapses: int, neurons: int | None = None, seed: int = 0) -> P.Connectivity:
    rng = np.random.default_rng(seed)
    n = neurons or max(1000, synapses // 100)
    n_in = n // 10
    n_layer = (n - n_in) // 3
    sizes = [n_in, n_layer, n_layer, n - n_in - 2 * n_layer]
    fan = max(1, round(synapses / (n - n_in)))
    width = max(fan + 1, int(1.5 * fan))
    projections = []
    for L in range(1, 4):
        n_pre, n_post = sizes[L - 1], sizes[L]
        centre = (np.arange(n_post) * (n_pre / n_post)).astype(np.int64)
        off = np.argsort(rng.random((n_post, width), dtype=np.float32), axis=1)[:, :fan] - width // 2  # distinct
        pre = ((centre[:, None] + off) % n_pre).reshape(-1)  # wrap at the edges: no merged duplicates
        post = np.repeat(np.arange(n_post), fan)
        m = sp.csr_matrix((np.ones(pre.size, np.float32), (post, pre)), shape=(n_post, n_pre))
        projections.append((L - 1, L, m))
    spikes = rng.poisson(5.0, size=n)
    return P.connectivity_from_matrices(sizes, [True, False, False, False], projections, spikes)


def timed(fn, repeats: int):
    """(median time, last result) of `repeats` calls: bench/machine.py's `timed`."""
    from machine import timed as median_timed  # bench/machine.py, beside this script

    return median_timed(fn, repeats)


def peak_multiple(fn, conn: P.Connectivity) -> float:
    conn._cache.clear()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / (conn.pre.nbytes + conn.post.nbytes)


def scaling(args) -> None:
    print(f"\n## Scaling (rows={args.rows}, cols={args.cols}; median of {args.repeats}; "
          "peak = traced allocations while partitioning / synapse arrays)\n")
    print(f"{'synapses':>10} {'neurons':>8} {'build s':>8} {'algo':>8} {'clusters':>8} {'time s':>8} "
          f"{'ns/syn':>7} {'peak x':>6} {'inter spikes':>13}")
    for s in args.sizes:
        neurons = 100_000 if s >= 10_000_000 else None
        t_build, conn = timed(lambda: generate(s, neurons), 1)
        for name in args.algos:
            fn = ALGOS[name]

            def run():
                conn._cache.clear()
                return fn(conn, args.rows, args.cols)

            reps = args.repeats if s < 10_000_000 else 1
            t, cl = timed(run, reps)
            peak = peak_multiple(run, conn) if args.memory else float("nan")
            inter = P.inter_cluster_spikes(conn, cl)
            print(f"{conn.synapses:>10} {conn.n:>8} {t_build:>8.2f} {name:>8} {cl.n_clusters:>8} {t:>8.2f} "
                  f"{1e9 * t / conn.synapses:>7.0f} {peak:>6.2f} {inter:>13}", flush=True)


# (partitioner, decomposition) pairs of the example table; the first is the paper's technique, the last our
# default (`--partition`: algo=refined decompose=tree)
COMBOS = [("greedy", "chain"), ("greedy", "tree"), ("layer", "tree"), ("refined", "tree")]


def examples(args) -> int:
    from snnir.algorithms.simulate import simulate
    from snnir.parser import parse_source
    from snnir.passes.decompose_fan_in import decompose_network
    from snnir.passes.simulate import network_from_ir, networks

    R = C = args.cols
    print(f"\n## Examples (rows = cols = {C}, fan-in decomposition at {R} rows as chains or trees; simulate 100 "
          "steps after it, seed 0)\n")
    print(f"{'network':>16} {'relays':>6} {'algo+decomp':>14} {'clusters':>8} {'row util':>14} {'col util':>14} "
          f"{'inter':>9} {'intra':>7} {'input':>7} {'time s':>7}")
    results: dict[str, dict[tuple[str, str], dict]] = {}
    for path in sorted(glob.glob(str(REPO_ROOT / "examples" / "*.snnir"))):
        text = open(path).read()
        for shape in ("chain", "tree"):
            module = parse_source(text, path)
            for nw in networks(module):
                relays = sum(r.relays for r in decompose_network(nw, R, shape))
                module.verify()
                net, _ = network_from_ir(nw)
                counts = simulate(net, 100, seed=0).counts
                conn = P.connectivity_from_matrices(
                    [p.size for p in net.populations], [p.model == "input" for p in net.populations],
                    [(p.src, p.dst, p.matrix) for p in net.projections],
                    np.concatenate([counts[p.name] for p in net.populations]))
                res = results.setdefault(nw.sym_name, {})
                for name, decomp in COMBOS:
                    if decomp != shape:
                        continue
                    t, cl = timed(lambda: ALGOS[name](conn, R, C), 1)
                    problems = P.check_clustering(conn, cl, R, C)
                    if problems:
                        print(f"INVALID {nw.sym_name} {name}+{decomp}: {problems[:3]}")
                        return 1
                    s = P.summary(conn, cl, R, C)
                    ru, cu = s["row_utilisation"], s["column_utilisation"]
                    print(f"{nw.sym_name:>16} {relays:>6} {name + '+' + decomp:>14} {s['clusters']:>8} "
                          f"{ru['min']:.2f}/{ru['mean']:.2f}/{ru['max']:.2f} {cu['min']:.2f}/{cu['mean']:.2f}/"
                          f"{cu['max']:.2f} {s['inter_spikes']:>9} {s['intra_spikes']:>7} {s['input_spikes']:>7} "
                          f"{t:>7.2f}", flush=True)
                    res[(name, decomp)] = s
    return summarise(results)


def _change(new: dict, old: dict) -> float | None:
    """Relative change of the inter-cluster spikes (None without traffic in `old`)."""
    return (new["inter_spikes"] - old["inter_spikes"]) / old["inter_spikes"] if old["inter_spikes"] else None


def _pct(ch: float | None) -> str:
    return "n/a (0)" if ch is None else f"{100 * ch:+.1f}%"


def summarise(results: dict[str, dict[tuple[str, str], dict]]) -> int:
    """The table of crossbars (K) and inter-cluster spikes per example and combination, and the targets."""
    heads = [f"{a}+{d}" for a, d in COMBOS]
    print("\nK = crossbars, inter = inter-cluster spikes per 100 steps; default = refined+tree, paper = "
          "greedy+chain\n")
    print(f"{'network':>16} " + " ".join(f"{h + ' K':>16}" for h in heads) + " " +
          " ".join(f"{h + ' inter':>20}" for h in heads) + f" {'default vs paper':>16} {'refined vs greedy':>17}")
    vs_paper, vs_greedy = [], []
    worse_paper, worse_greedy = [], []
    for name, res in results.items():
        paper, gtree, ours = res[("greedy", "chain")], res[("greedy", "tree")], res[("refined", "tree")]
        if ours["clusters"] > paper["clusters"]:
            worse_paper.append(name)
        if ours["clusters"] > gtree["clusters"]:
            worse_greedy.append(name)
        a, b = _change(ours, paper), _change(ours, gtree)
        if a is not None:
            vs_paper.append(a)
        if b is not None:
            vs_greedy.append(b)
        print(f"{name:>16} " + " ".join(f"{res[c]['clusters']:>16}" for c in COMBOS) + " " +
              " ".join(f"{res[c]['inter_spikes']:>20}" for c in COMBOS) + f" {_pct(a):>16} {_pct(b):>17}")
    ok = True
    for label, changes, worse in (("default (refined+tree) vs paper (greedy+chain)", vs_paper, worse_paper),
                                  ("refined+tree vs greedy+tree", vs_greedy, worse_greedy)):
        mean = statistics.mean(changes) if changes else 0.0
        passed = mean <= -0.20 and not worse
        ok &= passed
        print(f"\n{label}: mean change of inter-cluster spikes over the {len(changes)} examples with traffic: "
              f"{100 * mean:+.1f}%; crossbars <= on every example: "
              f"{'yes' if not worse else 'no (more on ' + ', '.join(worse) + ')'} -> "
              f"{'PASS' if passed else 'FAIL'} (target: <= -20% and never more crossbars)")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100000,1000000,10000000", help="synapse counts of the scaling table")
    ap.add_argument("--repeats", type=int, default=3, help="runs per timing (1 at 10^7 synapses)")
    ap.add_argument("--rows", type=int, default=256, help="crossbar rows for the generated networks")
    ap.add_argument("--cols", type=int, default=128, help="crossbar columns (and rows of the examples)")
    ap.add_argument("--algos", default="greedy,layer,refined")
    ap.add_argument("--no-memory", dest="memory", action="store_false", help="skip the traced peak (slow)")
    ap.add_argument("--skip-examples", action="store_true")
    ap.add_argument("--skip-scaling", action="store_true")
    args = ap.parse_args(argv)
    args.sizes = [int(x) for x in args.sizes.split(",") if x]
    args.algos = [a for a in args.algos.split(",") if a]
    print(f"# bench_partition\n\nmachine: {machine()}")
    rc = 0
    if not args.skip_examples:
        rc = examples(args)
    if not args.skip_scaling:
        scaling(args)
        print("\n10^8 synapses: the pair key sort and arrays scale linearly (x10 the 10^7 row for the "
              "vectorised parts); memory ~ 10x, i.e. 1.6 GB of synapse arrays plus the peak multiple above.")
    return rc


if __name__ == "__main__":
    sys.exit(main())
