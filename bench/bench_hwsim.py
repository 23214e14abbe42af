#!/usr/bin/env python3
"""Benchmarks of the hardware configuration (snnir.algorithms.hwconfig) and the hardware-level simulator
(snnir.algorithms.hwsim) against the reference simulator.

Two networks: LeNet-5 (examples/lenet5.snnir, fan-in decomposed at 128 rows) and a generated random
feed-forward network of 10^6 synapses (`examples/generate.py random`). Each is partitioned with
`greedy` at 128 x 128 and its clusters bound round-robin to 4 tiles (the partition is timed once;
it is not part of the figures compared). Then, medians of --repeats runs:

- `build_config`: the configuration as arrays (rows, crosspoints, routing, neuron table);
- `run`: hwsim.run for 100 steps, which lays the configuration out (`Machine`, also shown alone)
  and steps it;
- `simulate`: the reference simulator for the same 100 steps and seed.

Every run is checked to reproduce the reference spike trains exactly (`exact` column).

    python bench/bench_hwsim.py
    python bench/bench_hwsim.py --repeats 3 --neurons 20000 --synapses 1000000
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent


def machine() -> str:
    from machine import describe  # bench/machine.py, beside this script

    return describe()


def load(path: Path, rows: int):
    """The SimNetwork of the first snn.network in `path`, fan-in decomposed at `rows` where needed."""
    from snnir.context import Context
    from snnir.parser import parse_source
    from snnir.passes.decompose_fan_in import decompose_network
    from snnir.passes.simulate import network_from_ir, networks

    module = parse_source(path.read_text(), str(path), Context())
    network = networks(module)[0]
    decompose_network(network, rows)
    net, _ = network_from_ir(network)
    return net


def median_time(fn, repeats: int):
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def bench(name: str, net, steps: int, repeats: int, rows: int, cols: int, tiles: int, bits: int | None) -> dict:
    from snnir.algorithms import partition as P
    from snnir.algorithms.hwconfig import build_config, columns_of
    from snnir.algorithms.hwsim import Machine, run
    from snnir.algorithms.simulate import simulate

    t_sim, ref = median_time(lambda: simulate(net, steps, seed=0, record_spikes=True), repeats)
    sizes = [p.size for p in net.populations]
    spikes = np.concatenate([ref.counts[p.name] for p in net.populations])
    conn = P.connectivity_from_matrices(sizes, [p.model == "input" for p in net.populations],
                                        [(p.src, p.dst, p.matrix) for p in net.projections], spikes)
    t0 = time.perf_counter()
    columns = columns_of(P.greedy(conn, rows, cols))
    t_part = time.perf_counter() - t0
    binding = np.arange(len(columns)) % tiles
    t_build, config = median_time(lambda: build_config(net, columns, binding, rows, cols, bits), repeats)
    t_layout, _ = median_time(lambda: Machine(config), repeats)
    t_run, hw = median_time(lambda: run(config, net, steps, seed=0, record_spikes=True), repeats)
    exact = all(np.array_equal(hw.spikes[k], ref.spikes[k]) for k in ref.spikes)
    return dict(name=name, synapses=net.synapses, neurons=sum(sizes), crossbars=len(config.crossbars),
                rows=sum(x.rows for x in config.crossbars), spikes=ref.total_spikes, partition=t_part,
                build=t_build, layout=t_layout, run=t_run, simulate=t_sim, exact=exact)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--neurons", type=int, default=20000, help="random network: neurons")
    ap.add_argument("--synapses", type=int, default=1_000_000, help="random network: synapses")
    ap.add_argument("--rows", type=int, default=128)
    ap.add_argument("--cols", type=int, default=128)
    ap.add_argument("--tiles", type=int, default=4)
    ap.add_argument("--weight-bits", type=int, default=None, help="quantise (then `exact` is not expected)")
    args = ap.parse_args()

    print(f"machine: {machine()}")
    print(f"partition: greedy {args.rows}x{args.cols}, clusters round-robin on {args.tiles} tiles; "
          f"{args.steps} steps, seed 0; medians of {args.repeats}")
    print()
    results = [bench("lenet5", load(REPO_ROOT / "examples" / "lenet5.snnir", args.rows), args.steps, args.repeats,
                     args.rows, args.cols, args.tiles, args.weight_bits)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "random.snnir"
        subprocess.run([sys.executable, str(REPO_ROOT / "examples" / "generate.py"), "random", "--neurons",
                        str(args.neurons), "--synapses", str(args.synapses), "-o", str(path)], check=True)
        results.append(bench(f"random {args.synapses:.0e}", load(path, args.rows), args.steps, args.repeats,
                             args.rows, args.cols, args.tiles, args.weight_bits))

    head = (f"{'network':<14}{'synapses':>10}{'crossbars':>10}{'rows':>9}{'partition':>11}{'build_config':>14}"
            f"{'run':>9}{'(layout)':>10}{'simulate':>10}{'run/sim':>9}{'exact':>7}")
    print(head)
    for r in results:
        print(f"{r['name']:<14}{r['synapses']:>10}{r['crossbars']:>10}{r['rows']:>9}{r['partition']:>10.3f}s"
              f"{r['build']:>13.3f}s{r['run']:>8.3f}s{r['layout']:>9.3f}s{r['simulate']:>9.3f}s"
              f"{r['run'] / r['simulate']:>9.1f}{'yes' if r['exact'] else 'NO':>7}")
    print()
    print("run = hwsim.run for all steps, including laying out the configuration (layout, shown alone);")
    print("rows = crossbar rows in use over all crossbars (distinct source neurons per crossbar: the clusters' rows).")
    return 0 if all(r["exact"] for r in results) or args.weight_bits is not None else 1


if __name__ == "__main__":
    sys.exit(main())
