#!/usr/bin/env python3
"""Benchmarks of the reference simulator (snnir.algorithms.simulate) and the `simulate` pass.

Networks are generated deterministically: inputs `in` (n, Poisson 20 Hz), a hidden LIF
population `h` (n) and an output LIF population `o` (n/10); in -> h with fan-in 140, a
recurrent h -> h with fan-in 40 and delay 1, h -> o with fan-in 200: 200 n synapses.
Weights scale with 1/fan-in so activity stays sparse and about the same at every size.

1. In-process: `simulate(net, 100)` on 10^6 synapses, median of --repeats runs, with the
   activity (spikes per neuron per step) and time per synapse-step.
2. Fresh process: import + build the network + 100 steps (the target: under 5 s).
3. `snn-opt file.snnir --simulate -o /dev/null` on the same network written as .snnir with
   resources (start-up, parse, verify, extract, simulate, print).
4. Scaling: time over synapses x steps on a grid; a constant ns per synapse-step means
   linear cost.

    python bench/bench_simulate.py
    python bench/bench_simulate.py --repeats 3 --scaling-synapses 100000,1000000
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 5.0

BUILD = r'''
import numpy as np
import scipy.sparse as sp
from snnir.algorithms.simulate import Population, Projection, SimNetwork


def random_fanin(rng, n_post, n_pre, k, scale):
    """A CSR matrix [n_post, n_pre] with k random inputs per row, weights ~ U(0, 2 scale)."""
    indices = rng.integers(0, n_pre, size=n_post * k, dtype=np.int64)
    data = rng.random(n_post * k) * 2 * scale
    indptr = np.arange(0, n_post * k + 1, k, dtype=np.int64)
    return sp.csr_matrix((data, indices, indptr), shape=(n_post, n_pre))


def make_net(synapses, seed=0):
    """in (n) -> h (n) -> o (n/10), recurrent h -> h delay 1: 200 n synapses."""
    rng = np.random.default_rng(seed)
    n = max(10, synapses // 200)
    net = SimNetwork(dt=1e-3)
    x = net.add(Population("in", n, "input", rate=20.0))
    h = net.add(Population("h", n, "lif", {"tau": 2e-2, "v_th": 1.0}))
    o = net.add(Population("o", n // 10, "lif", {"tau": 2e-2, "v_th": 1.0}))
    net.connect(Projection(x, h, random_fanin(rng, n, n, 140, 80.0 / 140)))
    net.connect(Projection(h, h, random_fanin(rng, n, n, 40, -2.0 / 40), delay=1))
    net.connect(Projection(h, o, random_fanin(rng, n // 10, n, 200, 24.0 / 200)))
    return net
'''

namespace: dict = {}
exec(BUILD, namespace)
make_net = namespace["make_net"]


def machine() -> str:
    from machine import describe  # bench/machine.py, beside this script

    return describe()


def time_simulation(synapses: int, steps: int, repeats: int, input_rate: float = 20.0) -> tuple[float, int, float]:
    """(median seconds, stored synapses, spikes per neuron per step of the non-input populations)."""
    from snnir.algorithms.simulate import simulate

    net = make_net(synapses)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = simulate(net, steps, {"in": input_rate}, seed=0)
        times.append(time.perf_counter() - t0)
    neurons = sum(p.size for p in net.populations if p.model != "input")
    spikes = sum(int(result.counts[p.name].sum()) for p in net.populations if p.model != "input")
    return statistics.median(times), net.synapses, spikes / max(1, neurons * steps)


def fresh_process(synapses: int, steps: int, runs: int) -> float:
    """Median wall time of a new interpreter that imports, builds and simulates."""
    code = BUILD + f"\nfrom snnir.algorithms.simulate import simulate\nsimulate(make_net({synapses}), {steps}, seed=0)\n"
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def write_snnir(synapses: int, path: Path) -> None:
    """The benchmark network as an .snnir file (sparse projections in resources)."""
    from snnir.dialects.snn import LIFAttr
    from snnir.dialects.snn_builder import NetworkBuilder
    from snnir.printer import print_operation

    net = make_net(synapses)
    b = NetworkBuilder("bench", dt=net.dt)
    values = {}
    for p in net.populations:
        if p.model == "input":
            values[p.name] = b.input(p.name, p.size, rate=p.rate)
        else:
            values[p.name] = b.neurons(p.name, p.size, LIFAttr(tau=2e-2, v_th=1.0))
    for proj in net.projections:
        coo = proj.matrix.tocoo()
        b.sparse(values[net.populations[proj.src].name], values[net.populations[proj.dst].name],
                 coo.row, coo.col, coo.data, delay=proj.delay)
    path.write_text(print_operation(b.module()))


def snn_opt(path: Path, steps: int, runs: int) -> float:
    cmd = [sys.executable, "-m", "snnir.tools.snn_opt", str(path), f"--simulate=steps={steps}", "-o", os.devnull]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--synapses", type=int, default=1_000_000)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--scaling-synapses", default="100000,300000,1000000,3000000")
    ap.add_argument("--scaling-steps", default="50,100,200")
    ap.add_argument("--skip-snn-opt", action="store_true")
    args = ap.parse_args()

    print(f"machine: {machine()}")
    print()
    print(f"== in-process: simulate({args.synapses:.0e} synapses, {args.steps} steps), median of {args.repeats}")
    t, syn, rate = time_simulation(args.synapses, args.steps, args.repeats)
    print(f"  {t:.3f} s   {syn} stored synapses   {1e9 * t / (syn * args.steps):.2f} ns per synapse-step   "
          f"activity {rate:.4f} spikes per neuron per step")
    t, syn, rate = time_simulation(args.synapses, args.steps, args.repeats, input_rate=1000.0)
    print(f"  {t:.3f} s   the same with every input firing every step (dense activity): "
          f"{1e9 * t / (syn * args.steps):.2f} ns per synapse-step, activity {rate:.4f}")

    print()
    print("== fresh process: import + build + simulate (target < 5 s), median of 3")
    t_fresh = fresh_process(args.synapses, args.steps, 3)
    floor = fresh_process(10, 1, 3)
    print(f"  {t_fresh:.3f} s   (import + a 10-synapse network, the floor: {floor:.3f} s)   "
          f"{'PASS' if t_fresh < TARGET_S else 'FAIL'}")

    if not args.skip_snn_opt:
        print()
        print("== snn-opt FILE --simulate -o /dev/null (start-up, parse, verify, simulate, print), median of 3")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.snnir"
            write_snnir(args.synapses, path)
            size_mb = path.stat().st_size / 2**20
            print(f"  {snn_opt(path, args.steps, 3):.3f} s   ({size_mb:.1f} MB file)")

    print()
    print("== scaling: median seconds (ns per synapse-step); constant ns per synapse-step = linear")
    syn_grid = [int(s) for s in args.scaling_synapses.split(",") if s]
    step_grid = [int(s) for s in args.scaling_steps.split(",") if s]
    header = f"  {'synapses':>10} " + "".join(f"{f'{s} steps':>22}" for s in step_grid)
    print(header)
    for s in syn_grid:
        cells = []
        for steps in step_grid:
            t, syn, _ = time_simulation(s, steps, max(1, args.repeats // 2))
            cells.append(f"{t:8.3f} s ({1e9 * t / (syn * steps):5.2f} ns)")
        print(f"  {s:>10} " + "".join(f"{c:>22}" for c in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
