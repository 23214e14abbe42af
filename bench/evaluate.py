#!/usr/bin/env python3
"""The evaluation of Song et al. (LCTES 2020) on snnir, as one reproducible command.

    python bench/evaluate.py OUTDIR                    # everything: every example, paper4 + loihi + dynapse, 3 repeats
    python bench/evaluate.py OUTDIR --quick            # under 2 minutes: the smallest examples, paper4, 1 repeat
    python bench/evaluate.py OUTDIR --examples lenet5,mlp_mnist --targets paper4,memristive --repeats 5
    python bench/evaluate.py OUTDIR --scaling 1e4,1e5,1e6 --no-memory

For every example network (examples/*.snnir with an `snn.network`, simulated once for spike
counts: 100 steps, seed 0, the inputs' own Poisson rates) and every target (bundled profile, its
crossbar rows x columns):

1. partitioning: crossbars, row and column utilisation, inter-cluster spikes and time of greedy,
   layer and refined (the default) after fan-in decomposition into trees (the default), and of the
   paper's technique, greedy after decomposition into chains;
2. dataflow: the SDF graph of the default partition (one actor per crossbar, the paper's spike
   tokens); its period and throughput on 1, 2, 4, 8 and 16 tiles (as many as the target has) by the
   design-time flow (bind + list schedule + max-plus analysis of the bound model); the buffer /
   throughput Pareto front of the unbound graph (Stuijk et al.), bounded in distributions;
3. scheduling: the design-time flow against run-time admission (record the self-timed order once,
   then admit on the free tiles): time, throughput, loss;
4. end-to-end compile: the passes in process (parse, simulate, partition, sdfg, bind, schedule,
   analyse, and emit when an `emit-hw` pass is registered), time and peak memory per stage;
5. scaling: random networks of examples/generate.py at 10^4 .. 10^7 synapses through the same
   compile, each stage's time and memory (stages predicted to exceed --stage-budget are skipped);
6. consistency checks of all the figures.

Writes OUTDIR/report.md, OUTDIR/results.json, a CSV file per table and PNG plots. Times are
medians of --repeats runs; a measurement whose first run takes longer than --max-repeat-seconds
runs once (the `runs` column says how often). Peak memory: tracemalloc's peak of traced
allocations (Python objects and numpy buffers) during the stage, in a separate untimed run.
Everything but times and memory is deterministic. docs/evaluation.md explains every column.
"""

from __future__ import annotations

import argparse
import csv
import gc
import importlib.util
import json
import math
import shlex
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/machine.py

STEPS = 100  # simulated steps for the spike counts
SEED = 0  # seed of the Poisson inputs
TILE_COUNTS = (1, 2, 4, 8, 16)
DEFAULT_TARGETS = ("paper4", "loihi", "dynapse")
QUICK_EXAMPLES = ("recurrent", "image_smoothing")
DEFAULT_SCALING = (10_000, 100_000, 1_000_000, 10_000_000)
QUICK_SCALING = (10_000, 100_000)
HUGE = 100_000_000  # sizes from here on need --allow-1e8
# (partitioner, fan-in decomposition): our default is refined + tree, the paper's technique greedy + chain
COMBOS = (("greedy", "tree"), ("layer", "tree"), ("refined", "tree"), ("greedy", "chain"))
DEFAULT = ("refined", "tree")
PAPER = ("greedy", "chain")
STAGES = ("parse", "simulate", "partition", "sdfg", "bind", "schedule", "analyse", "emit", "verify")
PASS_STAGE = {"simulate": "simulate", "partition": "partition", "sdfg": "sdfg", "bind": "bind",
              "schedule": "schedule", "analyze-throughput": "analyse", "emit-hw": "emit"}
MB = 2.0**20


# ------------------------------------------------------------------------------ small helpers


def machine() -> str:
    from machine import describe  # bench/machine.py, beside this script

    return describe()


def rate_text(x: Any) -> str:
    """An exact rate or period as text ("16", "1/16"), a float's repr otherwise."""
    return str(x) if isinstance(x, (Fraction, int)) else repr(float(x))


def timed(fn: Callable[[], Any], repeats: int, cap: float, setup: Callable[[], Any] | None = None):
    """(median seconds, runs, last result) of fn; `setup` (untimed) runs before each run and its
    result is passed to fn. After a first run longer than `cap` seconds there are no more runs.
    (machine.timed without the setup hook and the cap.)"""
    times, out = [], None
    for _ in range(max(1, repeats)):
        arg = setup() if setup is not None else None
        t0 = time.perf_counter()
        out = fn(arg) if setup is not None else fn()
        times.append(time.perf_counter() - t0)
        if times[0] > cap:
            break
    return statistics.median(times), len(times), out


def fmt_s(x: float | None) -> str:
    if x is None:
        return "-"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 1:
        return f"{x:.2f}"
    if x >= 0.01:
        return f"{x:.3f}"
    return f"{x:.1e}"


def fmt_mb(x: float | None) -> str:
    return "-" if x is None else (f"{x:.0f}" if x >= 100 else f"{x:.1f}")


def fmt_pct(x: float | None) -> str:
    return "-" if x is None else f"{x:+.1f}%"


def table(head: list[str], rows: list[list[Any]]) -> str:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


class Progress:
    """A one-line progress bar on stderr (a line per step when stderr is not a terminal)."""

    def __init__(self, total: int, stream=sys.stderr) -> None:
        self.total, self.done, self.stream = max(total, 1), 0, stream
        self.t0 = time.perf_counter()
        self.tty = stream.isatty()

    def step(self, label: str) -> None:
        """Start the next unit of work, named `label`."""
        self._draw(label)
        self.done += 1

    def _draw(self, label: str) -> None:
        el = time.perf_counter() - self.t0
        frac = min(1.0, self.done / self.total)
        bar = "#" * int(28 * frac)
        line = f"[{bar:<28}] {self.done:>3}/{self.total} {int(el) // 60:>3}:{int(el) % 60:02d} {label}"
        if self.tty:
            self.stream.write("\r" + line[:150] + "\x1b[K")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        self.done = self.total
        self._draw("done")
        if self.tty:
            self.stream.write("\n")
        self.stream.flush()


# ------------------------------------------------------------------------------ examples


class Example:
    """An example network, its text and the spike counts of its one simulation."""

    def __init__(self, path: Path) -> None:
        from snnir.algorithms.simulate import DEFAULT_RATE, simulate
        from snnir.passes.simulate import network_from_ir, networks, populations

        from snnir.parser import parse_source

        self.path = path
        self.name = path.stem
        self.text = path.read_text()
        module = parse_source(self.text, str(path))
        nws = networks(module)
        self.ok = bool(nws)
        if not self.ok:
            return
        nw = nws[0]
        self.network = nw.sym_name
        net, _ = network_from_ir(nw)
        # the inputs exactly as `--simulate` (mode poisson) gives them, so the compile runs agree
        inputs = {p.name: (p.rate if p.rate is not None else DEFAULT_RATE) for p in net.populations
                  if p.model == "input"}
        t0 = time.perf_counter()
        result = simulate(net, STEPS, inputs, SEED, default_rate=DEFAULT_RATE)
        self.simulate_seconds = time.perf_counter() - t0
        self.counts = result.counts
        pops = populations(nw)
        self.pop_names = [op.sym_name or f"pop{i}" for i, op in enumerate(pops)]
        self.populations = len(pops)
        is_input = [p.model == "input" for p in net.populations]
        sizes = [p.size for p in net.populations]
        self.inputs = int(sum(s for s, i in zip(sizes, is_input) if i))
        self.neurons = int(sum(s for s, i in zip(sizes, is_input) if not i))
        self.synapses = int(sum(p.matrix.nnz for p in net.projections))
        self.input_spikes = int(sum(int(result.counts[p.name].sum()) for p in net.populations if p.model == "input"))
        self.neuron_spikes = int(sum(int(result.counts[p.name].sum()) for p in net.populations
                                     if p.model != "input"))
        self._decomposed: dict[tuple[int, str], Any] = {}

    def annotated(self):
        """A fresh parse of the network with the spike counts of the one simulation (as --simulate leaves it)."""
        from snnir.passes.simulate import STEPS_ATTR, annotate, networks, populations

        from snnir.attributes import IntegerAttr
        from snnir.parser import parse_source

        module = parse_source(self.text, str(self.path))
        nw = networks(module)[0]
        for name, op in zip(self.pop_names, populations(nw)):
            annotate(op, self.counts[name])
        nw.attributes[STEPS_ATTR] = IntegerAttr(STEPS)
        return nw

    def decomposed(self, rows: int, shape: str, repeats: int, cap: float):
        """(Connectivity after fan-in decomposition at `rows` as `shape`, relays, median seconds, runs); cached."""
        key = (rows, shape)
        if key not in self._decomposed:
            from snnir.passes.decompose_fan_in import decompose_network
            from snnir.passes.partition import connectivity_of

            def run(nw):
                return nw, decompose_network(nw, rows, shape)

            secs, runs, (nw, recs) = timed(run, repeats, cap, setup=self.annotated)
            conn, _ = connectivity_of(nw)  # relays carry the spike counts derived from their inputs
            self._decomposed[key] = (conn, int(sum(r.relays for r in recs)), secs, runs)
        return self._decomposed[key]


def find_examples(names: list[str] | None) -> tuple[list[Path], list[str]]:
    paths = sorted((REPO_ROOT / "examples").glob("*.snnir"))
    if names == ["none"]:
        return [], []
    if names:
        known = {p.stem: p for p in paths}
        missing = [n for n in names if n not in known]
        if missing:
            raise SystemExit(f"evaluate.py: unknown example(s) {', '.join(missing)}; "
                             f"examples/ has {', '.join(sorted(known))}")
        return [known[n] for n in names], []
    return paths, []


# ------------------------------------------------------------------------------ partitioning


def partition_rows(ex: Example, target, args, cache: dict) -> tuple[list[dict], Any, Any]:
    """The partition figures of one example on one target's crossbars; (rows, conn, clustering) of the default."""
    from snnir.algorithms import partition as P

    algos = {"greedy": P.greedy, "layer": P.layer_slices, "refined": P.refined}
    R, C = int(target.rows), int(target.cols)
    out, default = [], None
    for algo, shape in COMBOS:
        key = (ex.name, R, C, algo, shape)
        if key not in cache:
            conn, relays, dsecs, druns = ex.decomposed(R, shape, args.repeats, args.max_repeat_seconds)

            def setup(conn=conn):
                conn._cache.clear()  # time the whole partitioning, pair keys included

            secs, runs, cl = timed(lambda _, conn=conn, algo=algo: algos[algo](conn, R, C), args.repeats,
                                   args.max_repeat_seconds, setup=setup)
            problems = P.check_clustering(conn, cl, R, C)
            s = P.summary(conn, cl, R, C)
            per_xbar = np.bincount(cl.synapse_cluster(conn), minlength=cl.n_clusters)
            columns = int(conn.postsynaptic.sum())
            row = {
                "example": ex.name, "rows": R, "cols": C, "algo": algo, "decompose": shape,
                "default": (algo, shape) == DEFAULT, "paper": (algo, shape) == PAPER,
                "neurons": ex.neurons, "relays": relays, "columns": columns,
                "crossbars": s["clusters"], "lower_bound": math.ceil(columns / C) if columns else 0,
                "row_util_min": s["row_utilisation"]["min"], "row_util_mean": s["row_utilisation"]["mean"],
                "row_util_max": s["row_utilisation"]["max"],
                "col_util_min": s["column_utilisation"]["min"], "col_util_mean": s["column_utilisation"]["mean"],
                "col_util_max": s["column_utilisation"]["max"],
                "synapses": s["synapses"], "links": s["links"], "inter_spikes": s["inter_spikes"],
                "intra_spikes": s["intra_spikes"], "input_spikes": s["input_spikes"],
                "max_synapses_per_crossbar": int(per_xbar.max()) if per_xbar.size else 0,
                "seconds": secs, "runs": runs, "decompose_seconds": dsecs, "decompose_runs": druns,
                "problems": problems[:5],
            }
            cache[key] = (row, conn, cl)
        row, conn, cl = cache[key]
        row = dict(row, target=target.name,
                   over_synapse_memory=int(np.sum(np.bincount(cl.synapse_cluster(conn), minlength=cl.n_clusters)
                                                  > target.synapse_capacity)))
        out.append(row)
        if (algo, shape) == DEFAULT:
            default = (conn, cl)
    return out, default[0], default[1]


# ------------------------------------------------------------------------------ dataflow and scheduling


def sdf_graph(conn, cl, exec_time: int):
    """The graph `--sdfg` builds: one actor per crossbar, p = c = t = spikes per link, one-token self-loops."""
    from snnir.algorithms import partition as P
    from snnir.algorithms.sdf import SDFGraph

    src, dst, spikes = P.link_spikes(conn, cl)
    k = cl.n_clusters
    loops = np.arange(k, dtype=np.int64)
    count = np.concatenate([spikes.astype(np.int64), np.ones(k, np.int64)])
    return SDFGraph(tuple(f"c{i}" for i in range(k)), np.full(k, exec_time, dtype=np.int64),
                    np.concatenate([src, loops]).astype(np.int64), np.concatenate([dst, loops]).astype(np.int64),
                    count, count, count)


def design_refinement():
    """(mapping.refine, rounds) as `--bind` runs it after its start binding; (None, 0) without refinement."""
    import dataclasses

    from snnir.algorithms import mapping
    from snnir.passes.bind import Bind

    rounds = next((f.default for f in dataclasses.fields(Bind) if f.name == "refine"), 0)
    refine = getattr(mapping, "refine", None)
    return (refine, int(rounds)) if refine is not None and rounds else (None, 0)


def tile_counts(target) -> list[int]:
    return [t for t in TILE_COUNTS if t <= target.tiles]


def dataflow(ex: Example, target, conn, cl, args, progress: Progress) -> tuple[dict, list[dict], dict]:
    """(graph figures, one row per tile count with both flows, buffer exploration) of the default partition."""
    from snnir.algorithms import buffers, mapping, sdf
    from snnir.passes.admit import free_tiles

    cap, reps = args.max_repeat_seconds, args.repeats
    e = int(target.exec_time) if float(target.exec_time).is_integer() else float(target.exec_time)
    g = sdf_graph(conn, cl, e)
    plat = mapping.Platform.from_target(target)
    t_unb, r_unb, unbound = timed(lambda: sdf.throughput(g), reps, cap)
    q = np.asarray(unbound.repetition, dtype=np.int64)
    work = g.exec_time.astype(object) * q.astype(object)
    total_work = int(sum(work)) if all(isinstance(w, int) for w in work.tolist()) else float(sum(work))
    graph = {"example": ex.name, "target": target.name, "actors": g.actors, "channels": g.channels - g.actors,
             "self_loops": g.actors, "spikes": int(g.tokens[: g.channels - g.actors].sum()),
             "exec_time": e, "total_work": total_work,
             "unbound_period": rate_text(unbound.period), "unbound_throughput": rate_text(unbound.throughput),
             "unbound_seconds": t_unb, "unbound_runs": r_unb}
    t_rec, r_rec, order = timed(lambda: mapping.record_order(g), reps, cap)
    graph.update(record_order_seconds=t_rec, record_order_runs=r_rec)
    load_of = g.exec_time.astype(np.float64) * q

    def tile_load(tile) -> float:
        return float(np.bincount(tile, weights=load_of, minlength=plat.tiles).max())

    refine, rounds = design_refinement()
    rows = []
    for n in tile_counts(target):
        progress.step(f"{ex.name} @ {target.name}: {n} tile{'s' if n > 1 else ''}")
        free = free_tiles(target, n)
        ref = design = None
        t_r, r_r = 0.0, 0
        if n == 1:  # as --bind{tiles=1}: everything on tile 0
            t_b, r_b, tile = timed(lambda: np.zeros(g.actors, np.int64), reps, cap)
        else:  # as --bind: the better start (greedy / split of the order), refined by throughput analysis
            t_d, r_b, design = timed(lambda free=free: mapping.design_binding(
                g, plat, tiles_available=free, rounds=rounds, order=order), reps, cap)
            ref, tile = design.refinement, design.tile
            # the design binding's own split of its time: starts (bind) and refinement
            t_r, r_r = t_d * ref.seconds / design.seconds, r_b
            t_b = t_d - t_r
        t_s, r_s, orders = timed(lambda tile=tile: mapping.list_schedule(g, plat, tile), reps, cap)
        t_a, r_a, des = timed(lambda tile=tile, orders=orders: mapping.bound_throughput(
            g, plat, mapping.Mapping(tile, orders=orders)), reps, cap)
        greedy_period = design.greedy_period if design is not None else des.period
        t_adm, r_adm, adm = timed(lambda free=free: mapping.admit(g, order, plat, free), reps, cap)
        again = mapping.bound_throughput(g, plat, mapping.Mapping(adm.tile, orders=adm.orders))
        t_design = t_b + t_r + t_s + t_a
        loss = 100.0 * (1.0 - float(adm.throughput) / float(des.throughput)) if des.throughput else None
        rows.append({
            "example": ex.name, "target": target.name, "tiles": n, "actors": g.actors,
            "design_period": rate_text(des.period), "design_throughput": rate_text(des.throughput),
            "design_period_float": float(des.period), "design_throughput_float": float(des.throughput),
            "design_tiles_used": int(np.unique(tile).size),
            "design_crossing_channels": int(np.count_nonzero(tile[g.src] != tile[g.dst])),
            "design_max_tile_load": tile_load(tile),
            "greedy_period": rate_text(greedy_period),
            "order_period": rate_text(design.order_period) if design is not None else None,
            "design_start": design.start if design is not None else None,
            "refine_rounds": rounds if n > 1 else 0,
            "refine_analyses": ref.analyses if ref is not None else 0,
            "refine_stopped": ref.stopped if ref is not None else None,
            "bind_seconds": t_b, "bind_runs": r_b, "refine_seconds": t_r, "refine_runs": r_r, "schedule_seconds": t_s, "schedule_runs": r_s,
            "analyse_seconds": t_a, "analyse_runs": r_a, "design_seconds": t_design,
            "admission_period": rate_text(adm.period), "admission_throughput": rate_text(adm.throughput),
            "admission_period_float": float(adm.period), "admission_throughput_float": float(adm.throughput),
            "admission_tiles_used": int(np.unique(adm.tile).size),
            "admission_crossing_channels": int(np.count_nonzero(adm.tile[g.src] != adm.tile[g.dst])),
            "admission_max_tile_load": tile_load(adm.tile),
            "admission_reanalysed_throughput": rate_text(again.throughput),
            "admission_seconds": t_adm, "admission_runs": r_adm,
            "admission_binding_seconds": adm.binding_seconds,
            "speedup": t_design / t_adm if t_adm > 0 else None,
            "loss_percent": loss,
        })
    progress.step(f"{ex.name} @ {target.name}: buffer front")
    # each distribution costs one analysis of a graph with about twice the channels: bound the
    # distributions by a count and by a work budget in channels (deterministic, unlike a time limit)
    budget = int(min(args.buffer_budget, max(10, args.buffer_work // max(g.channels, 1))))
    lb = buffers.lower_bounds(g)
    buffered = int((lb >= 0).sum())
    t0 = time.perf_counter()
    try:
        found = buffers.explore(g, max_distributions=budget)
        front, n_dist, complete, stopped = found.front, found.distributions, found.complete, None
        status = "complete" if complete else "incomplete"
    except buffers.ExplorationLimit as exc:
        front, n_dist, complete, stopped = exc.front, exc.distributions, False, exc.size
        status = "capped"
    t_buf = time.perf_counter() - t0
    buf = {"example": ex.name, "target": target.name, "buffered_channels": buffered,
           "lower_bound_sum": int(lb[lb >= 0].sum()), "budget": budget, "distributions": n_dist,
           "status": status, "stopped_at_size": stopped, "complete": complete, "seconds": t_buf,
           "maximum_throughput": rate_text(unbound.throughput),
           "front": [{"size": int(p.size), "throughput": rate_text(p.throughput),
                      "throughput_float": float(p.throughput)} for p in front]}
    return graph, rows, buf


# ------------------------------------------------------------------------------ end-to-end compile


def emit_pass_class():
    """The backend pass (`emit-hw`), when one is registered; None otherwise."""
    from snnir.pass_manager import get_pass

    try:
        return get_pass("emit-hw")
    except Exception:  # noqa: BLE001 - an unfinished backend must not break the evaluation
        return None


def compile_pipeline(rows: int, cols: int, target: str, tiles: int, algo: str = "refined",
                     emit: bool = False) -> str:
    algo_opt = "" if algo == "refined" else f"algo={algo} "
    text = (f"simulate{{steps={STEPS} seed={SEED}}},partition{{{algo_opt}rows={rows} cols={cols}}},sdfg,"
            f"bind{{target={target} tiles={tiles}}},schedule,analyze-throughput")
    return text + (",emit-hw" if emit else "")


def snn_opt_command(path: str, pipeline: str) -> str:
    """The snn-opt command line that runs the same passes."""
    from snnir.pass_manager import parse_pipeline

    flags = []
    for p in parse_pipeline(pipeline):
        t = p.pipeline_text()
        if "{" in t:
            name, opts = t[:-1].split("{", 1)
            flags.append(f"--{name}='{opts}'")
        else:
            flags.append(f"--{t}")
    return f"snn-opt {path} " + " ".join(flags)


def compile_once(text: str, filename: str, pipeline: str, stop_before: str | None, verify_limit: float,
                 memory: bool) -> dict:
    """One compile in process: each stage's seconds (and traced memory), what it produced, the first error."""
    from snnir.dialects import cluster, sdf

    from snnir.context import Context
    from snnir.diagnostics import DiagnosticEngine, DiagnosticError
    from snnir.parser import parse_source
    from snnir.pass_manager import PassContext, PassFailure, parse_pipeline

    stages: dict[str, dict] = {}
    info: dict[str, Any] = {"error": None, "verify": None}
    passes = parse_pipeline(pipeline)
    gc.collect()
    if memory:
        tracemalloc.start()

    def stage(name: str, fn: Callable[[], Any]) -> Any:
        if memory:
            tracemalloc.reset_peak()
            start = tracemalloc.get_traced_memory()[0]
        t0 = time.perf_counter()
        out = fn()
        rec = {"seconds": time.perf_counter() - t0}
        if memory:
            cur, peak = tracemalloc.get_traced_memory()
            rec.update(peak_mb=peak / MB, start_mb=start / MB, end_mb=cur / MB)
        stages[name] = rec
        return out

    try:
        module = stage("parse", lambda: parse_source(text, filename))
        for p in passes:
            name = PASS_STAGE.get(p.name, p.name)
            if name == stop_before:
                break
            ctx = PassContext(Context(), DiagnosticEngine(collect=True), {})
            try:
                stage(name, lambda p=p, ctx=ctx: p.apply(module, ctx))
            except (PassFailure, DiagnosticError, ValueError) as e:
                info["error"] = f"{name}: {e}"
                break
            except Exception as e:  # noqa: BLE001 - e.g. an unfinished emit pass: say so, keep the rest
                info["error"] = f"{name}: {type(e).__name__}: {e}"
                break
        ops = module.regions[0].block.ops
        cg = [op for op in ops if isinstance(op, cluster.GraphOp)]
        sg = [op for op in ops if isinstance(op, sdf.GraphOp)]
        if cg:
            info["crossbars"] = len(cg[0].crossbars)
            info["links"] = len(cg[0].links)
        if sg:
            info["actors"] = len(sg[0].actors)
            info["channels"] = len(sg[0].channels) - len(sg[0].actors)
            period = sg[0].attributes.get("period")
            info["period"] = None if period is None else float(period.value)
            tiles = {a.tile.value for a in sg[0].actors if a.tile is not None}
            info["tiles_used"] = len(tiles) if tiles else None
        size = sum(info.get(k, 0) for k in ("crossbars", "links", "actors", "channels"))
        if info["error"] is None and size <= verify_limit:
            try:
                stage("verify", module.verify)
                info["verify"] = "ok"
            except DiagnosticError as e:
                info["verify"] = f"failed: {e}"
        elif info["error"] is None:
            info["verify"] = f"skipped: crossbars + links + actors + channels = {size:.3g} > --verify-limit {verify_limit:.3g}"
    finally:
        if memory:
            tracemalloc.stop()
    info["stages"] = stages
    return info


def compile_measure(text: str, filename: str, pipeline: str, args, stop_before: str | None = None) -> dict:
    """Median stage times over the runs, the traced peaks of one more run, what the compile produced."""
    runs = []
    for _ in range(max(1, args.repeats)):
        runs.append(compile_once(text, filename, pipeline, stop_before, args.verify_limit, memory=False))
        if sum(s["seconds"] for s in runs[0]["stages"].values()) > args.max_repeat_seconds:
            break
    mem = compile_once(text, filename, pipeline, stop_before, args.verify_limit, memory=True) if args.memory else None
    info = {k: v for k, v in runs[0].items() if k != "stages"}
    stages = {}
    for name in runs[0]["stages"]:
        times = [r["stages"][name]["seconds"] for r in runs if name in r["stages"]]
        rec = {"seconds": statistics.median(times), "runs": len(times)}
        if mem is not None and name in mem["stages"]:
            rec.update({k: mem["stages"][name][k] for k in ("peak_mb", "start_mb", "end_mb")})
        stages[name] = rec
    info["stages"] = stages
    info["total_seconds"] = sum(s["seconds"] for s in stages.values())
    info["peak_mb"] = max((s.get("peak_mb", 0.0) for s in stages.values()), default=None) if args.memory else None
    return info


# ------------------------------------------------------------------------------ scaling series


def load_generator():
    spec = importlib.util.spec_from_file_location("snnir_examples_generate", REPO_ROOT / "examples" / "generate.py")
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod


def predict(history: list[tuple[int, float]], size: int) -> float | None:
    """Seconds a stage will take at `size`, extrapolated from the last two sizes (power law, exponent 1..3)."""
    pts = [(s, t) for s, t in history if t > 0]
    if not pts:
        return None
    s1, t1 = pts[-1]
    k = 1.0
    if len(pts) >= 2:
        s0, t0 = pts[-2]
        if s1 > s0 and t0 > 0:
            k = min(3.0, max(1.0, math.log(t1 / t0) / math.log(s1 / s0)))
    return t1 * (size / s1) ** k


def mem_available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def scaling(args, target, progress: Progress, emit: bool) -> list[dict]:
    from snnir.dialects import snn

    gen = load_generator()
    R, C = int(target.rows), int(target.cols)
    tiles = max(tile_counts(target))
    history: dict[str, list[tuple[int, float]]] = {}
    out = []
    bytes_per_synapse = None
    order = ["generate", "parse", "simulate", "partition", "sdfg", "bind", "schedule", "analyse"]
    if emit:
        order.append("emit")
    for size in args.scaling:
        neurons = max(10, round(size / args.scaling_ratio))
        row: dict[str, Any] = {"synapses_requested": size, "neurons": neurons, "target": target.name,
                               "tiles": tiles, "command": f"python examples/generate.py random --neurons {neurons} "
                                                          f"--synapses {size} --seed 0", "skipped": {}}
        progress.step(f"scaling {size:.0e} synapses: generate")
        if size >= HUGE:
            need = (bytes_per_synapse or 400.0) * size * 1.5
            avail = mem_available()
            if not args.allow_1e8:
                row["skipped"]["all"] = "sizes of 10^8 synapses and more need --allow-1e8"
            elif avail is not None and need > avail:
                row["skipped"]["all"] = (f"needs about {need / 2**30:.0f} GiB (estimated from the smaller sizes), "
                                         f"{avail / 2**30:.0f} GiB available")
        guess = predict(history.get("generate", []), size)
        if "all" not in row["skipped"] and guess is not None and guess > args.stage_budget:
            row["skipped"]["all"] = (f"generating the network is predicted to take {guess:.0f} s > "
                                     f"--stage-budget {args.stage_budget:.0f} s")
        if "all" in row["skipped"]:
            progress.step(f"scaling {size:.0e} synapses: skipped")
            out.append(row)
            continue
        t0 = time.perf_counter()
        builder = gen.random_network(neurons, size, seed=0)
        text = gen.render(builder, f"random network: {neurons} neurons, ~{size} synapses, seed 0")
        row["generate_seconds"] = time.perf_counter() - t0
        history.setdefault("generate", []).append((size, row["generate_seconds"]))
        row["synapses"] = int(sum(snn.array_of(op.values).size for op in builder.network.regions[0].block.ops
                                  if isinstance(op, snn.SparseOp)))
        del builder
        row["text_mb"] = len(text) / MB
        progress.step(f"scaling {size:.0e} synapses: compile")
        # which stages to run: the first one predicted over budget stops the chain; partition falls back
        # to greedy (the paper's partitioner) when refined is predicted over budget
        algo, stop = "refined", None
        for name in order[1:]:
            guess = predict(history.get(name, []), size)
            over = guess is not None and guess > args.stage_budget
            if name == "partition" and (size > args.refined_limit or over):
                row["skipped"]["partition (refined)"] = (
                    f"above --refined-limit {args.refined_limit:.0e} synapses" if size > args.refined_limit else
                    f"predicted {guess:.0f} s > --stage-budget {args.stage_budget:.0f} s") + \
                    "; greedy (the paper's partitioner) used instead"
                algo = "greedy"
                guess = predict(history.get("partition:greedy", []), size)
            if guess is not None and guess > args.stage_budget:
                stop = name
                row["skipped"][name] = f"predicted {guess:.0f} s > --stage-budget {args.stage_budget:.0f} s"
                break
        for name in order[order.index(stop) + 1:] if stop else []:
            row["skipped"][name] = f"follows the skipped {stop} stage"
        pipeline = compile_pipeline(R, C, target.name, tiles, algo, emit)
        row["pipeline"] = pipeline
        row["partition_algo"] = algo
        info = compile_measure(text, f"random_{size}.snnir", pipeline, args, stop_before=stop)
        del text
        row.update(info)
        for name, rec in info["stages"].items():
            key = "partition:greedy" if name == "partition" and algo == "greedy" else name
            history.setdefault(key, []).append((size, rec["seconds"]))
        if info.get("peak_mb"):
            bytes_per_synapse = max(bytes_per_synapse or 0.0, info["peak_mb"] * MB / size)
        out.append(row)
    return out


# ------------------------------------------------------------------------------ checks


def checks(results: dict) -> list[dict]:
    """Consistency of the figures. `invariant` checks must always hold; the others are observations."""
    out = []

    def add(name: str, invariant: bool, description: str, cases: int, violations: list[str]) -> None:
        out.append({"check": name, "invariant": invariant, "description": description, "cases": cases,
                    "holds": not violations, "violations": violations[:20], "violation_count": len(violations)})

    part = results["partition"]
    add("crossbars_lower_bound", True, "crossbars >= ceil(columns / cols) >= ceil(neurons / cols) (columns: "
        "neurons and relays)", len(part),
        [f"{r['example']} @ {r['target']} {r['algo']}+{r['decompose']}: {r['crossbars']} < {r['lower_bound']}"
         for r in part if r["crossbars"] < r["lower_bound"] or r["crossbars"] < math.ceil(r["neurons"] / r["cols"])])
    add("valid_clusterings", True, "every clustering places every synapse once within rows x cols "
        "(partition.check_clustering)", len(part),
        [f"{r['example']} @ {r['target']} {r['algo']}+{r['decompose']}: {r['problems'][0]}" for r in part
         if r["problems"]])
    df = results["dataflow"]
    graphs = {(g["example"], g["target"]): g for g in results["graphs"]}
    one = [r for r in df if r["tiles"] == 1]
    add("one_tile_period", True, "on 1 tile the period equals the sum of execution times x repetitions, "
        "for both flows", len(one),
        [f"{r['example']} @ {r['target']}: design {r['design_period']}, admission {r['admission_period']}, "
         f"sum {graphs[(r['example'], r['target'])]['total_work']}" for r in one
         if not (Fraction(r["design_period"]) == Fraction(graphs[(r["example"], r["target"])]["total_work"])
                 == Fraction(r["admission_period"]))])
    add("period_at_least_unbound", True, "the period on any number of tiles is at least that of the unbound "
        "graph (resources only add constraints)", 2 * len(df),
        [f"{r['example']} @ {r['target']} {r['tiles']} tiles {flow}: {r[flow + '_period']} < "
         f"{graphs[(r['example'], r['target'])]['unbound_period']}" for r in df for flow in ("design", "admission")
         if Fraction(r[flow + "_period"]) < Fraction(graphs[(r["example"], r["target"])]["unbound_period"])])
    add("period_at_least_tile_load", True, "the period is at least the busiest tile's work (its static order "
        "runs every firing in turn)", 2 * len(df),
        [f"{r['example']} @ {r['target']} {r['tiles']} tiles {flow}: {r[flow + '_period']} < "
         f"{r[flow + '_max_tile_load']}" for r in df for flow in ("design", "admission")
         if r[flow + "_period_float"] < r[flow + "_max_tile_load"] * (1 - 1e-12)])
    add("admission_reanalysis", True, "admission's throughput equals a fresh analysis of its own binding and "
        "static orders", len(df),
        [f"{r['example']} @ {r['target']} {r['tiles']} tiles: {r['admission_throughput']} vs "
         f"{r['admission_reanalysed_throughput']}" for r in df
         if r["admission_throughput"] != r["admission_reanalysed_throughput"]])
    for flow, invariant in (("design", False), ("admission", False)):
        viol = []
        pairs = 0
        for (exn, tn) in graphs:
            rs = sorted((r for r in df if r["example"] == exn and r["target"] == tn), key=lambda r: r["tiles"])
            for i, big in enumerate(rs):
                for small in rs[:i]:
                    pairs += 1
                    if Fraction(small[flow + "_throughput"]) > Fraction(big[flow + "_throughput"]):
                        viol.append(f"{exn} @ {tn}: {small['tiles']} tiles {small[flow + '_throughput']} > "
                                    f"{big['tiles']} tiles {big[flow + '_throughput']}")
        label = "design-time flow (bind + refine + list schedule)" if flow == "design" else "run-time admission"
        add(f"{flow}_monotone_in_tiles", invariant, f"{label}: removing tiles never raises the throughput "
            "(every pair of tile counts)", pairs, viol)
    comp = results["compile"]
    viol = []
    n = 0
    for c in comp:
        if c.get("error") or c.get("period") is None:
            continue
        n += 1
        p = next((r for r in part if r["example"] == c["example"] and r["target"] == c["target"] and r["default"]),
                 None)
        d = next((r for r in df if r["example"] == c["example"] and r["target"] == c["target"]
                  and r["tiles"] == c["tiles"]), None)
        if p is not None and p["crossbars"] != c.get("crossbars"):
            viol.append(f"{c['example']} @ {c['target']}: passes {c.get('crossbars')} crossbars, algorithms "
                        f"{p['crossbars']}")
        if d is not None and not math.isclose(d["design_period_float"], c["period"], rel_tol=1e-12):
            viol.append(f"{c['example']} @ {c['target']}: passes period {c['period']}, algorithms "
                        f"{d['design_period']}")
    add("passes_match_algorithms", True, "the compile through the passes gives the crossbars and the period the "
        "algorithms give on the same tiles", n, viol)
    viol = []
    for r in part:
        if r["default"]:
            p = next(x for x in part if x["example"] == r["example"] and x["target"] == r["target"] and x["paper"])
            if r["crossbars"] > p["crossbars"]:
                viol.append(f"{r['example']} @ {r['target']}: {r['crossbars']} > {p['crossbars']}")
    add("default_crossbars_at_most_paper", False, "refined + tree never uses more crossbars than greedy + chain",
        sum(1 for r in part if r["default"]), viol)
    return out


# ------------------------------------------------------------------------------ outputs


def write_csv(path: Path, rows: list[dict], columns: list[str]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if r.get(c) is None else (f"{r[c]:.6g}" if isinstance(r.get(c), float) else r.get(c))
                        for c in columns])


def plots(outdir: Path, results: dict) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    df = results["dataflow"]
    targets = results["meta"]["targets"]
    colours = {t: f"C{i}" for i, t in enumerate(targets)}
    for ex in results["meta"]["examples"]:
        rows = [r for r in df if r["example"] == ex]
        if not rows:
            continue
        fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=100)
        for t in targets:
            rs = sorted((r for r in rows if r["target"] == t), key=lambda r: r["tiles"])
            if not rs:
                continue
            x = [r["tiles"] for r in rs]
            ax.plot(x, [r["design_throughput_float"] for r in rs], marker="o", color=colours[t],
                    label=f"{t}: design time")
            ax.plot(x, [r["admission_throughput_float"] for r in rs], marker="s", ls="--", color=colours[t],
                    label=f"{t}: admission")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(list(TILE_COUNTS))
        ax.set_xticklabels([str(t) for t in TILE_COUNTS])
        ax.set_xlabel("tiles")
        ax.set_ylabel("throughput (inferences per time unit)")
        ax.set_title(f"{ex}: throughput against tiles")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        name = f"throughput_{ex}.png"
        fig.savefig(outdir / name, metadata={"Software": None})
        plt.close(fig)
        files.append(name)
        bufs = [b for b in results["buffers"] if b["example"] == ex]
        fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=100)
        notes = []
        for b in bufs:
            if b["front"]:
                ax.step([p["size"] for p in b["front"]], [p["throughput_float"] for p in b["front"]], where="post",
                        marker="o", color=colours.get(b["target"]),
                        label=f"{b['target']} ({b['status']})")
            else:
                notes.append(f"{b['target']}: no point ({b['status']} after {b['distributions']})")
        ax.set_xlabel("total buffer (tokens = spikes)")
        ax.set_ylabel("throughput (inferences per time unit)")
        ax.set_title(f"{ex}: buffer / throughput Pareto front" + ("\n" + "; ".join(notes) if notes else ""),
                     fontsize=9)
        ax.grid(True, alpha=0.3)
        if any(b["front"] for b in bufs):
            ax.legend(fontsize=7)
        fig.tight_layout()
        name = f"buffers_{ex}.png"
        fig.savefig(outdir / name, metadata={"Software": None})
        plt.close(fig)
        files.append(name)
    sc = [r for r in results["scaling"] if r.get("stages")]
    if sc:
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.2), dpi=100)
        for i, st in enumerate(("generate",) + STAGES):
            pts = [(r["synapses_requested"], r["generate_seconds"] if st == "generate" else r["stages"][st]["seconds"],
                    None if st == "generate" else r["stages"][st].get("peak_mb")) for r in sc
                   if st == "generate" or st in r["stages"]]
            if not pts:
                continue
            style = {"marker": "o", "color": f"C{i}", "ls": ":" if st == "generate" else "-"}
            a1.plot([p[0] for p in pts], [max(p[1], 1e-5) for p in pts], label=st, **style)
            mem = [p for p in pts if p[2] is not None]
            if mem:
                a2.plot([p[0] for p in mem], [p[2] for p in mem], label=st, **style)
        for ax, lab in ((a1, "seconds (median)"), (a2, "peak traced memory (MB)")):
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("synapses")
            ax.set_ylabel(lab)
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=7)
        a1.set_title("compile time per stage (random networks)")
        a2.set_title("peak memory per stage")
        fig.tight_layout()
        fig.savefig(outdir / "scaling.png", metadata={"Software": None})
        plt.close(fig)
        files.append("scaling.png")
    return files


PART_COLS = ["example", "target", "rows", "cols", "algo", "decompose", "default", "paper", "neurons", "relays",
             "columns", "crossbars", "lower_bound", "row_util_min", "row_util_mean", "row_util_max", "col_util_min",
             "col_util_mean", "col_util_max", "synapses", "links", "inter_spikes", "intra_spikes", "input_spikes",
             "max_synapses_per_crossbar", "over_synapse_memory", "seconds", "runs", "decompose_seconds",
             "decompose_runs"]
DF_COLS = ["example", "target", "tiles", "actors", "design_period", "design_throughput", "design_tiles_used",
           "design_crossing_channels", "design_max_tile_load", "greedy_period", "order_period", "design_start",
           "refine_rounds", "refine_analyses",
           "refine_stopped", "bind_seconds", "refine_seconds", "schedule_seconds", "analyse_seconds",
           "design_seconds", "bind_runs", "refine_runs", "schedule_runs", "analyse_runs", "admission_period", "admission_throughput",
           "admission_tiles_used", "admission_crossing_channels", "admission_max_tile_load",
           "admission_reanalysed_throughput", "admission_seconds", "admission_binding_seconds", "admission_runs",
           "speedup", "loss_percent"]
GRAPH_COLS = ["example", "target", "actors", "channels", "self_loops", "spikes", "exec_time", "total_work",
              "unbound_period", "unbound_throughput", "unbound_seconds", "unbound_runs", "record_order_seconds",
              "record_order_runs"]
BUF_COLS = ["example", "target", "buffered_channels", "lower_bound_sum", "budget", "distributions", "status",
            "stopped_at_size", "points", "first_size", "first_throughput", "last_size", "last_throughput",
            "maximum_throughput", "seconds"]
EX_COLS = ["example", "network", "populations", "inputs", "neurons", "synapses", "input_spikes", "neuron_spikes",
           "simulate_seconds"]


def flat_compile(rows: list[dict], key: list[str]) -> list[dict]:
    out = []
    for r in rows:
        for st in STAGES:
            if st in r.get("stages", {}):
                s = r["stages"][st]
                out.append({**{k: r.get(k) for k in key}, "stage": st, "seconds": s["seconds"], "runs": s["runs"],
                            "peak_mb": s.get("peak_mb"), "start_mb": s.get("start_mb"), "end_mb": s.get("end_mb")})
        for st, why in r.get("skipped", {}).items():
            out.append({**{k: r.get(k) for k in key}, "stage": st, "skipped": why})
    return out


def write_files(outdir: Path, results: dict) -> list[str]:
    files = ["report.md", "results.json"]
    write_csv(outdir / "examples.csv", results["examples"], EX_COLS)
    write_csv(outdir / "partition.csv", results["partition"], PART_COLS)
    write_csv(outdir / "dataflow.csv", results["dataflow"], DF_COLS)
    write_csv(outdir / "graphs.csv", results["graphs"], GRAPH_COLS)
    bufrows = []
    for b in results["buffers"]:
        f = b["front"]
        bufrows.append({**b, "points": len(f), "first_size": f[0]["size"] if f else None,
                        "first_throughput": f[0]["throughput"] if f else None,
                        "last_size": f[-1]["size"] if f else None, "last_throughput": f[-1]["throughput"] if f else None})
    write_csv(outdir / "buffers.csv", bufrows, BUF_COLS)
    write_csv(outdir / "buffer_fronts.csv",
              [{"example": b["example"], "target": b["target"], **p} for b in results["buffers"] for p in b["front"]],
              ["example", "target", "size", "throughput", "throughput_float"])
    write_csv(outdir / "compile.csv", flat_compile(results["compile"], ["example", "target", "tiles"]),
              ["example", "target", "tiles", "stage", "seconds", "runs", "peak_mb", "start_mb", "end_mb", "skipped"])
    write_csv(outdir / "compile_summary.csv", results["compile"],
              ["example", "target", "tiles", "crossbars", "links", "actors", "channels", "period", "total_seconds",
               "peak_mb", "verify", "error"])
    write_csv(outdir / "scaling.csv", flat_compile(results["scaling"], ["synapses_requested", "neurons",
                                                                          "partition_algo"]),
              ["synapses_requested", "neurons", "partition_algo", "stage", "seconds", "runs", "peak_mb", "start_mb",
               "end_mb", "skipped"])
    write_csv(outdir / "scaling_summary.csv", results["scaling"],
              ["synapses_requested", "neurons", "synapses", "generate_seconds", "text_mb", "partition_algo",
               "crossbars", "links", "actors", "channels", "period", "total_seconds", "peak_mb", "verify", "error"])
    write_csv(outdir / "checks.csv", [{**c, "violations": "; ".join(c["violations"])} for c in results["checks"]],
              ["check", "invariant", "holds", "cases", "violation_count", "description", "violations"])
    files += ["examples.csv", "partition.csv", "dataflow.csv", "graphs.csv", "buffers.csv", "buffer_fronts.csv",
              "compile.csv", "compile_summary.csv", "scaling.csv", "scaling_summary.csv", "checks.csv"]
    return files


# ------------------------------------------------------------------------------ the report


def headline(results: dict) -> dict:
    """The figures the report and docs start with."""
    part, df = results["partition"], results["dataflow"]
    out: dict[str, Any] = {"targets": {}}
    for t in results["meta"]["targets"]:
        d = {r["example"]: r for r in part if r["target"] == t and r["default"]}
        if not d:
            continue
        p = {r["example"]: r for r in part if r["target"] == t and r["paper"]}
        g = {r["example"]: r for r in part if r["target"] == t and r["algo"] == "greedy" and r["decompose"] == "tree"}
        changes = [(d[e]["inter_spikes"] - p[e]["inter_spikes"]) / p[e]["inter_spikes"] for e in d
                   if p[e]["inter_spikes"]]
        vs_greedy = [(d[e]["inter_spikes"] - g[e]["inter_spikes"]) / g[e]["inter_spikes"] for e in d
                     if g[e]["inter_spikes"]]
        rows = [r for r in df if r["target"] == t and r["tiles"] > 1]
        out["targets"][t] = {
            "crossbars_default": sum(r["crossbars"] for r in d.values()),
            "crossbars_paper": sum(r["crossbars"] for r in p.values()),
            "inter_spikes_change_vs_paper_mean_percent": 100 * statistics.mean(changes) if changes else None,
            "inter_spikes_change_vs_greedy_tree_mean_percent": 100 * statistics.mean(vs_greedy) if vs_greedy else None,
            "examples_with_traffic": len(changes),
            "admission_speedup_median": statistics.median(r["speedup"] for r in rows) if rows else None,
            "admission_loss_median_percent": statistics.median(r["loss_percent"] for r in rows) if rows else None,
            "admission_loss_max_percent": max(r["loss_percent"] for r in rows) if rows else None,
            "admission_loss_min_percent": min(r["loss_percent"] for r in rows) if rows else None,
        }
    return out


def report(results: dict, files: list[str]) -> str:
    meta = results["meta"]
    L: list[str] = []
    add = L.append
    add("# snnir: the evaluation of Song et al. (LCTES 2020)\n")
    add(f"Command: `{meta['command']}`\n")
    add(f"Machine: {meta['machine']}\n")
    add(f"Total wall time: {meta['wall_seconds']:.0f} s. Examples: {', '.join(meta['examples'])}. "
        f"Targets: {', '.join(meta['targets_described'])}.\n")
    add(f"Method: each example simulated once ({STEPS} steps, seed {SEED}, the inputs' Poisson rates) for spike "
        "counts; fan-in decomposition and partitioning at each target's crossbar rows x columns (relays get the "
        "spike counts of their inputs, capped at the steps, as `--partition` gives them); the dataflow graph of the "
        "default partition with the paper's spike tokens (production = consumption = initial tokens = spikes, a "
        "one-token self-loop per actor, execution time 16). "
        f"Times: median of {meta['repeats']} run(s); a measurement whose first run takes more than "
        f"{meta['max_repeat_seconds']:.0f} s is run once (the `runs` columns of the CSV files). "
        f"Memory: {meta['memory_method']}. {meta['emit_note']}\n")
    add("Everything but times and memory is deterministic: the same command gives the same figures.\n")

    h = results["headline"]
    add("## Headline figures\n")
    for t, v in h["targets"].items():
        bits = [(f"**{t}**: the default (refined + tree) uses {v['crossbars_default']} crossbars over the "
                 f"examples against {v['crossbars_paper']} for the paper's greedy + chain")]
        if v["inter_spikes_change_vs_paper_mean_percent"] is not None:
            bits.append(f"inter-cluster spikes {fmt_pct(v['inter_spikes_change_vs_paper_mean_percent'])} on average "
                        f"over the {v['examples_with_traffic']} examples with traffic "
                        f"({fmt_pct(v['inter_spikes_change_vs_greedy_tree_mean_percent'])} against greedy + tree)")
        if v["admission_speedup_median"] is not None:
            bits.append(f"run-time admission is {v['admission_speedup_median']:.0f}x faster than the design-time flow "
                        f"(median over examples and tile counts > 1) for a throughput loss of "
                        f"{v['admission_loss_median_percent']:.1f}% median, {v['admission_loss_min_percent']:.1f}% to "
                        f"{v['admission_loss_max_percent']:.1f}%")
        add("- " + "; ".join(bits) + ".")
    comp = [c for c in results["compile"] if c["target"] == meta["targets"][0]]
    if comp:
        add("- end-to-end compile on " + meta["targets"][0] + ": " + ", ".join(
            f"{c['example']} {c['total_seconds']:.2f} s" for c in comp) + ".")
    sc = [r for r in results["scaling"] if r.get("stages")]
    if sc:
        big = sc[-1]
        add(f"- scaling: at {big['synapses_requested']:.0e} synapses the compile takes {big['total_seconds']:.0f} s "
            f"(partition: {big['partition_algo']}), peak traced memory "
            f"{fmt_mb(big.get('peak_mb'))} MB" + (f"; skipped: {', '.join(big['skipped'])}" if big["skipped"] else "")
            + ".")
    bad = [c for c in results["checks"] if c["invariant"] and not c["holds"]]
    add(f"- consistency checks: {sum(1 for c in results['checks'] if c['invariant'] and c['holds'])} of "
        f"{sum(1 for c in results['checks'] if c['invariant'])} invariants hold"
        + (f" (failing: {', '.join(c['check'] for c in bad)})" if bad else "") + "; observations: " + ", ".join(
            f"{c['check']} " + ("holds" if c["holds"] else f"does not hold ({c['violation_count']} of {c['cases']})")
            for c in results["checks"] if not c["invariant"]) + ".\n")

    add("## 1. Examples\n")
    add(table(["network", "populations", "inputs", "neurons", "synapses", "input spikes", "neuron spikes",
               "simulate s"],
              [[e["example"], e["populations"], e["inputs"], e["neurons"], e["synapses"], e["input_spikes"],
                e["neuron_spikes"], fmt_s(e["simulate_seconds"])] for e in results["examples"]]))
    if meta["skipped_examples"]:
        add(f"\nNot networks (no `snn.network`), skipped: {', '.join(meta['skipped_examples'])}.")
    add("")

    add("## 2. Partitioning\n")
    add("Per target, every partitioner after decomposition into trees, and the paper's technique (greedy after "
        "decomposition into chains). K = crossbars, LB = ceil(columns / cols), rows and cols = utilisation "
        "min/mean/max in % of the crossbar, inter / intra / input = spikes per inference (100 steps) between "
        "crossbars, inside one, from input neurons; mem = crossbars over the target's synapse memory; s = "
        "partitioning time (median).\n")
    for t in meta["targets"]:
        rs = [r for r in results["partition"] if r["target"] == t]
        if not rs:
            continue
        add(f"### {t} ({rs[0]['rows']} x {rs[0]['cols']})\n")
        add(table(["network", "partitioner", "relays", "K", "LB", "rows %", "cols %", "inter", "intra", "input",
                   "mem", "s"],
                  [[r["example"], f"{r['algo']}+{r['decompose']}" + (" (default)" if r["default"] else "")
                    + (" (paper)" if r["paper"] else ""), r["relays"], r["crossbars"], r["lower_bound"],
                    f"{100 * r['row_util_min']:.0f}/{100 * r['row_util_mean']:.0f}/{100 * r['row_util_max']:.0f}",
                    f"{100 * r['col_util_min']:.0f}/{100 * r['col_util_mean']:.0f}/{100 * r['col_util_max']:.0f}",
                    r["inter_spikes"], r["intra_spikes"], r["input_spikes"], r["over_synapse_memory"],
                    fmt_s(r["seconds"])] for r in rs]))
        add("")
    add("### The paper's technique against the default\n")
    rows = []
    for t in meta["targets"]:
        for r in results["partition"]:
            if r["target"] == t and r["default"]:
                p = next(x for x in results["partition"] if x["target"] == t and x["example"] == r["example"]
                         and x["paper"])
                ch = (100 * (r["inter_spikes"] - p["inter_spikes"]) / p["inter_spikes"]) if p["inter_spikes"] else None
                rows.append([r["example"], t, p["crossbars"], r["crossbars"], p["inter_spikes"], r["inter_spikes"],
                             fmt_pct(ch), fmt_s(p["seconds"]), fmt_s(r["seconds"])])
    add(table(["network", "target", "paper K", "default K", "paper inter", "default inter", "inter change",
               "paper s", "default s"], rows))
    add("")

    add("## 3. Dataflow\n")
    add("The SDF graph of the default partition. Period in time units per inference (throughput = 1 / period) of "
        "the design-time flow (start binding + refinement + list schedule + max-plus analysis of the bound model, "
        "as `--bind --schedule --analyze-throughput`) on the first N tiles "
        "of the target; unbound = no resource limits (one tile per actor, free communication).\n")
    cols = [str(t) for t in TILE_COUNTS]
    rows = []
    for g in results["graphs"]:
        cells = {str(r["tiles"]): r["design_period"] for r in results["dataflow"]
                 if r["example"] == g["example"] and r["target"] == g["target"]}
        rows.append([g["example"], g["target"], g["actors"], g["channels"], g["unbound_period"]]
                    + [cells.get(c, "-") for c in cols] + [fmt_s(g["unbound_seconds"])])
    add(table(["network", "target", "actors", "channels", "unbound"] + [f"{c} tile{'s' if c != '1' else ''}"
                                                                         for c in cols] + ["unbound s"], rows))
    add("\n### Buffer / throughput Pareto front (unbound graph)\n")
    add("Stuijk et al.'s exploration of channel capacities (tokens = spikes), from the per-channel lower bounds; "
        "each distribution costs one throughput analysis, so it is bounded: at most `budget` distributions "
        f"(--buffer-budget {meta['buffer_budget']}, and at most --buffer-work {meta['buffer_work']} / channels, at "
        "least 10: one analysis takes at least linear time in the channels, often much more). `capped`: the budget ran out first; every "
        "size below `stopped at` was fully explored, so the points listed are exact Pareto points.\n")
    rows = []
    for b in results["buffers"]:
        f = b["front"]
        pts = ", ".join(f"{p['size']} -> {p['throughput']}" for p in f[:6]) + (" ..." if len(f) > 6 else "")
        rows.append([b["example"], b["target"], b["buffered_channels"], b["lower_bound_sum"], pts or "none",
                     b["maximum_throughput"], b["status"] + (f" at {b['stopped_at_size']}" if b["stopped_at_size"]
                                                             else ""),
                     f"{b['distributions']}/{b['budget']}", fmt_s(b["seconds"])])
    add(table(["network", "target", "buffers", "lower bounds", "front (size -> throughput)", "max", "status",
               "distributions", "s"], rows))
    add("")

    add("## 4. Scheduling: design time against run-time admission\n")
    add("Design = the design-time flow of `--bind --schedule --analyze-throughput`: the start binding (bind: SDF3's "
        "greedy binding and the equal-load split of the recorded order, each list-scheduled and analysed, the better "
        f"kept; `start` says which), {meta['refine_rounds']} rounds of its improvement by throughput analysis (refine; "
        "each evaluation list-schedules and analyses a candidate binding), list schedule, analysis (seconds, medians); "
        "greedy / split period = the period of each start before refinement. Admission = bind the recorded self-timed order "
        "in contiguous chunks over the free tiles, keep it per tile, analyse. The order is recorded once at design "
        "time (`record` s, not part of admission). Loss = 1 - admission / design throughput (negative: admission "
        "does better).\n")
    rows = []
    for r in results["dataflow"]:
        if r["tiles"] == 1:
            continue
        g = next(x for x in results["graphs"] if x["example"] == r["example"] and x["target"] == r["target"])
        rows.append([r["example"], r["target"], r["tiles"], fmt_s(r["bind_seconds"]), fmt_s(r["refine_seconds"]),
                     fmt_s(r["schedule_seconds"]), fmt_s(r["analyse_seconds"]), fmt_s(r["design_seconds"]),
                     fmt_s(r["admission_seconds"]), f"{r['speedup']:.0f}x" if r["speedup"] else "-",
                     fmt_s(g["record_order_seconds"]), r["greedy_period"], r["order_period"], r["design_start"],
                     r["design_period"], r["admission_period"], fmt_pct(r["loss_percent"])])
    add(table(["network", "target", "tiles", "bind s", "refine s", "schedule s", "analyse s", "design s",
               "admission s", "speed-up", "record s", "greedy period", "split period", "start", "design period",
               "admission period", "loss"],
              rows))
    add("")

    add("## 5. End-to-end compile\n")
    add("The passes in process, as `snn-opt` runs them (without its verification after every pass): seconds per "
        f"stage (median), then the peak traced memory per stage in MB ({meta['memory_method']}). `verify` = one "
        "verification of the final module, where affordable. The same pipeline from the command line:\n")
    if results["compile"]:
        c0 = results["compile"][0]
        add(f"    {c0['command']}\n")
    stage_cols = [s for s in STAGES if any(s in c.get("stages", {}) for c in results["compile"])]
    add(table(["network", "target", "tiles"] + stage_cols + ["total s"],
              [[c["example"], c["target"], c["tiles"]] + [fmt_s(c["stages"][s]["seconds"]) if s in c["stages"]
                                                          else "-" for s in stage_cols]
               + [fmt_s(c["total_seconds"])] for c in results["compile"]]))
    if meta["memory"]:
        add("\nPeak traced memory per stage (MB):\n")
        add(table(["network", "target"] + stage_cols,
                  [[c["example"], c["target"]] + [fmt_mb(c["stages"][s].get("peak_mb")) if s in c["stages"] else "-"
                                                  for s in stage_cols] for c in results["compile"]]))
    notes = [f"{c['example']} @ {c['target']}: {c['error']}" for c in results["compile"] if c.get("error")]
    notes += [f"{c['example']} @ {c['target']}: verify {c['verify']}" for c in results["compile"]
              if c.get("verify") and c["verify"] != "ok"]
    if notes:
        add("\n" + "\n".join(f"- {n}" for n in notes))
    add("")

    add("## 6. Scaling\n")
    if not results["scaling"]:
        add("Not run (--no-scaling).\n")
    else:
        add(f"Random feed-forward networks of `examples/generate.py random` (4 layers after the input, seed 0, "
            f"neurons = synapses / {meta['scaling_ratio']:g}, so about {1.25 * meta['scaling_ratio']:g} inputs per "
            f"neuron) compiled for {meta['scaling_target']} on {meta['scaling_tiles']} tiles by the same passes. "
            f"A stage predicted (power law through the two previous sizes) to take more than --stage-budget "
            f"{meta['stage_budget']:.0f} s is skipped with the stages after it; the partitioner falls back to "
            f"greedy when refined alone is over budget or the size exceeds --refined-limit "
            f"{meta['refined_limit']:.0e}. `generate` is not part of the compile.\n")
        sc = results["scaling"]
        cols = [s for s in STAGES if any(s in r.get("stages", {}) for r in sc)]
        add(table(["synapses", "neurons", "crossbars", "channels", "partitioner", "generate s"] + cols + ["total s"],
                  [[f"{r['synapses_requested']:.0e}", r["neurons"], r.get("crossbars", "-"), r.get("channels", "-"),
                    r.get("partition_algo", "-"), fmt_s(r.get("generate_seconds"))]
                   + [fmt_s(r["stages"][s]["seconds"]) if s in r.get("stages", {}) else "skipped" for s in cols]
                   + [fmt_s(r.get("total_seconds"))] for r in sc]))
        if meta["memory"]:
            add("\nPeak traced memory per stage (MB):\n")
            add(table(["synapses"] + cols,
                      [[f"{r['synapses_requested']:.0e}"] + [fmt_mb(r["stages"][s].get("peak_mb"))
                                                             if s in r.get("stages", {}) else "skipped" for s in cols]
                       for r in sc]))
        notes = [f"{r['synapses_requested']:.0e}: {k}: {v}" for r in sc for k, v in r["skipped"].items()]
        notes += [f"{r['synapses_requested']:.0e}: verify {r['verify']}" for r in sc
                  if r.get("verify") and r["verify"] != "ok"]
        notes += [f"{r['synapses_requested']:.0e}: {r['error']}" for r in sc if r.get("error")]
        if notes:
            add("\n" + "\n".join(f"- {n}" for n in notes))
        add("")

    add("## 7. Consistency checks\n")
    add("Invariants must hold on every run; observations are what this run shows.\n")
    add(table(["check", "kind", "holds", "cases", "what", "violations (first)"],
              [[c["check"], "invariant" if c["invariant"] else "observation", "yes" if c["holds"] else "no",
                c["cases"], c["description"], "; ".join(c["violations"][:3]) + (
                    f" (+{c['violation_count'] - 3} more)" if c["violation_count"] > 3 else "")]
               for c in results["checks"]]))
    mono = next(c for c in results["checks"] if c["check"] == "design_monotone_in_tiles")
    add("")
    if mono["holds"]:
        add("On this run the design-time flow's throughput never rises when tiles are removed; nothing in the "
            "flow guarantees it (binding and list scheduling are heuristics, and communication between tiles costs "
            "time), so the tests assert the invariants above instead.\n")
    else:
        add("The design-time flow's throughput does rise when tiles are removed in the cases listed: binding and "
            "list scheduling are heuristics and communication between tiles costs time, so more tiles can be "
            "slower. The tests therefore assert the invariants above (1-tile period = sum of execution times x "
            "repetitions, periods bounded by the unbound graph and the busiest tile, admission = re-analysis of its "
            "own mapping), not monotonicity.\n")
    add("## Files\n")
    add(", ".join(f"`{f}`" for f in files) + ". docs/evaluation.md explains every column.\n")
    return "\n".join(L)


# ------------------------------------------------------------------------------ main


def parse_sizes(text: str) -> list[int]:
    try:
        return [int(float(x)) for x in text.split(",") if x.strip()]
    except ValueError:
        raise SystemExit(f"evaluate.py: --scaling wants sizes such as 1e4,1e5, got '{text}'") from None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="docs/evaluation.md explains the output")
    ap.add_argument("outdir", help="directory for report.md, results.json, the CSV files and the plots")
    ap.add_argument("--quick", action="store_true",
                    help=f"the smallest examples ({', '.join(QUICK_EXAMPLES)}), paper4, 1 repeat, scaling at "
                         "1e4,1e5, small buffer budget: under 2 minutes")
    ap.add_argument("--repeats", type=int, help="runs per timing, median (default 3; 1 with --quick)")
    ap.add_argument("--examples", help="comma-separated example names (default: every examples/*.snnir network; "
                                       "'none': the scaling series only)")
    ap.add_argument("--targets", help=f"comma-separated targets (default: {','.join(DEFAULT_TARGETS)}; "
                                      "paper4 with --quick)")
    ap.add_argument("--scaling", help="comma-separated synapse counts of the scaling series (default 1e4,1e5,1e6,1e7)")
    ap.add_argument("--no-scaling", action="store_true", help="skip the scaling series")
    ap.add_argument("--allow-1e8", action="store_true", help="allow scaling sizes of 10^8 synapses and more "
                                                              "(when the memory allows)")
    ap.add_argument("--scaling-ratio", type=float, default=40.0,
                    help="synapses per neuron of the scaling networks (default 40: about 50 inputs per neuron)")
    ap.add_argument("--refined-limit", type=float, default=2e6,
                    help="largest scaling size partitioned with refined; greedy above (default 2e6: at 1e7 "
                         "synapses refined needed more than 23 GB on the reference machine)")
    ap.add_argument("--stage-budget", type=float, default=300.0,
                    help="skip a scaling stage predicted to take longer, in seconds (default 300)")
    ap.add_argument("--max-repeat-seconds", type=float, default=10.0,
                    help="run a measurement once when its first run takes longer (default 10 s)")
    ap.add_argument("--buffer-budget", type=int, help="most buffer distributions per front (default 500; 200 "
                                                      "with --quick)")
    ap.add_argument("--buffer-work", type=int, help="the budget shrinks to this / the graph's channels "
                                                     "(default 500000; 100000 with --quick)")
    ap.add_argument("--verify-limit", type=float, default=1e7,
                    help="verify the compiled module only when crossbars + links + actors + channels is at most "
                         "this (default 1e7; verification is linear in the module's size)")
    ap.add_argument("--no-memory", dest="memory", action="store_false",
                    help="skip the tracemalloc run of each compile")
    args = ap.parse_args(argv)
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")
    args.examples = [x for x in args.examples.split(",") if x] if args.examples else (
        list(QUICK_EXAMPLES) if args.quick else None)
    args.targets = [x for x in args.targets.split(",") if x] if args.targets else (
        ["paper4"] if args.quick else list(DEFAULT_TARGETS))
    if args.no_scaling:
        args.scaling = []
    else:
        args.scaling = parse_sizes(args.scaling) if args.scaling else list(QUICK_SCALING if args.quick
                                                                            else DEFAULT_SCALING)
    if args.buffer_budget is None:
        args.buffer_budget = 200 if args.quick else 500
    if args.buffer_work is None:
        args.buffer_work = 100_000 if args.quick else 500_000
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = "python bench/evaluate.py " + " ".join(shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    t_start = time.perf_counter()
    from snnir.algorithms.target import TargetError, load_target

    try:
        targets = [load_target(t) for t in args.targets]
    except TargetError as e:
        print(f"evaluate.py: {e}", file=sys.stderr)
        return 2
    outdir = Path(args.outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paths, _ = find_examples(args.examples)
    emit_cls = emit_pass_class()
    emit = emit_cls is not None
    scaling_target = targets[0]

    n_units = len(paths) + sum(len(paths) * (1 + len(tile_counts(t)) + 1 + 1) for t in targets) \
        + 2 * len(args.scaling)
    progress = Progress(n_units)
    results: dict[str, Any] = {"examples": [], "partition": [], "graphs": [], "dataflow": [], "buffers": [],
                               "compile": [], "scaling": []}
    skipped_examples = []
    part_cache: dict = {}
    names = []
    for path in paths:
        progress.step(f"{path.stem}: simulate")
        ex = Example(path)
        if not ex.ok:
            skipped_examples.append(path.stem)
            progress.done += sum(1 + len(tile_counts(t)) + 1 + 1 for t in targets)
            continue
        names.append(ex.name)
        results["examples"].append({"example": ex.name, "network": ex.network, "populations": ex.populations,
                                    "inputs": ex.inputs, "neurons": ex.neurons, "synapses": ex.synapses,
                                    "input_spikes": ex.input_spikes, "neuron_spikes": ex.neuron_spikes,
                                    "simulate_seconds": ex.simulate_seconds, "path": f"examples/{path.name}"})
        for target in targets:
            progress.step(f"{ex.name} @ {target.name}: partition")
            rows, conn, cl = partition_rows(ex, target, args, part_cache)
            results["partition"].extend(rows)
            graph, drows, buf = dataflow(ex, target, conn, cl, args, progress)
            results["graphs"].append(graph)
            results["dataflow"].extend(drows)
            results["buffers"].append(buf)
            progress.step(f"{ex.name} @ {target.name}: compile")
            tiles = max(tile_counts(target))
            pipeline = compile_pipeline(int(target.rows), int(target.cols), target.name, tiles, emit=emit)
            info = compile_measure(ex.text, str(path), pipeline, args)
            info.update(example=ex.name, target=target.name, tiles=tiles, pipeline=pipeline,
                        command=snn_opt_command(f"examples/{path.name}", pipeline))
            results["compile"].append(info)
        del ex
        gc.collect()
    if args.scaling:
        results["scaling"] = scaling(args, scaling_target, progress, emit)
    progress.close()

    results["meta"] = {
        "command": command, "machine": machine(), "examples": names, "skipped_examples": skipped_examples,
        "targets": [t.name for t in targets],
        "targets_described": [f"{t.name} ({t.tiles} tiles, {t.rows} x {t.cols}"
                              + (f", {t.synapse_capacity} synapses" if t.synapses else "") + ")" for t in targets],
        "repeats": args.repeats, "max_repeat_seconds": args.max_repeat_seconds, "steps": STEPS, "seed": SEED,
        "tile_counts": list(TILE_COUNTS), "buffer_budget": args.buffer_budget, "buffer_work": args.buffer_work,
        "memory": args.memory,
        "memory_method": ("tracemalloc: peak of traced allocations (Python objects and numpy buffers, everything "
                          "live, not only the stage's own) during each stage, in one extra untimed run"
                          if args.memory else "not measured (--no-memory)"),
        "emit": emit,
        "emit_note": ("The emit stage runs the registered `emit-hw` pass." if emit else
                      "No `emit-hw` pass is registered, so there is no emit stage."),
        "scaling_target": scaling_target.name, "scaling_tiles": max(tile_counts(scaling_target)),
        "scaling_ratio": args.scaling_ratio, "stage_budget": args.stage_budget, "verify_limit": args.verify_limit,
        "refined_limit": args.refined_limit,
        "quick": args.quick, "refine_rounds": design_refinement()[1],
    }
    results["checks"] = checks(results)
    results["headline"] = headline(results)
    results["meta"]["wall_seconds"] = time.perf_counter() - t_start
    files = write_files(outdir, results)
    files += plots(outdir, results)
    results["meta"]["files"] = files
    results["meta"]["wall_seconds"] = time.perf_counter() - t_start
    (outdir / "report.md").write_text(report(results, files))
    with open(outdir / "results.json", "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1, sort_keys=True, default=lambda x: x.item() if hasattr(x, "item") else str(x))
        f.write("\n")
    print(f"wrote {outdir / 'report.md'} and {len(files) - 1} other files in {results['meta']['wall_seconds']:.0f} s",
          file=sys.stderr)
    bad = [c["check"] for c in results["checks"] if c["invariant"] and not c["holds"]]
    if bad:
        print(f"evaluate.py: invariant(s) violated: {', '.join(bad)} (see report.md section 7)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
