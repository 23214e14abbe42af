"""The summary `snn-compile` prints: what was compiled, onto what, and how well it fits.

Every figure comes from the compiled module, the pass statistics or the configuration itself,
never from a clock, so the text is the same on every run (wall times are a separate, optional
section). The exact throughput and period are those `--analyze-throughput` computes (its report's
`throughput_exact` and `period_exact`); the IR stores them as floats, so the bound graph is
analysed once more here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from snnir.ir import Operation


@dataclass(frozen=True)
class NetworkFacts:
    """The network as the input gave it (before fan-in decomposition)."""

    name: str
    populations: int
    neurons: int
    synapses: int


def network_facts(network: Operation) -> NetworkFacts:
    """Populations, neurons and stored synapses (nonzero weights) of an `snn.network`. O(synapses)."""
    from snnir.passes.simulate import network_from_ir

    net, _ = network_from_ir(network)  # type: ignore[arg-type]
    return NetworkFacts(network.sym_name or "network", len(net.populations),
                        int(sum(p.size for p in net.populations)), int(net.synapses))


@dataclass(frozen=True)
class Summary:
    """Everything the summary prints; `lines()` renders it."""

    input: str
    input_kind: str
    network: NetworkFacts
    relay_populations: int
    relay_neurons: int
    spikes: str
    crossbars: int
    rows: int
    cols: int
    row_utilisation: float
    column_utilisation: float
    crosspoints: int
    inter_spikes: int | None
    target: str
    target_tiles: int
    tiles_used: int
    throughput: str
    period: str
    weights: str
    tiles: list[tuple[int, int, int, int, int]]  # tile, crossbars, neurons, input buffer, output buffer
    pipeline: str
    directory: str
    files: list[str]
    bytes: int
    ir_file: str | None = None

    def lines(self) -> list[str]:
        n = self.network
        out = [f"input:          {self.input} ({self.input_kind})",
               (f"network:        @{n.name}: {_count(n.populations, 'population')}, {_count(n.neurons, 'neuron')}, "
                f"{_count(n.synapses, 'synapse')}")]
        if self.relay_populations:
            out.append(f"fan-in:         {_count(self.relay_neurons, 'relay neuron')} in "
                       f"{_count(self.relay_populations, 'population')} "
                       f"added (neurons with more than {self.rows} inputs)")
        out.append(f"spike counts:   {self.spikes}")
        out.append(f"crossbars:      {self.crossbars} of {self.rows} x {self.cols}, "
                   f"{_count(self.crosspoints, 'crosspoint')}; mean utilisation {self.row_utilisation:.2f} of rows, "
                   f"{self.column_utilisation:.2f} of columns")
        if self.inter_spikes is not None:
            out.append(f"traffic:        {_count(self.inter_spikes, 'spike')} between crossbars per iteration "
                       "(inter-cluster)")
        out.append(f"tiles:          {self.tiles_used} of {self.target_tiles} on target @{self.target}")
        out.append(f"throughput:     {self.throughput} iterations per time unit (period {self.period})")
        out.append(f"weights:        {self.weights}")
        out.append("per tile:       " + _table(["tile", "crossbars", "neurons", "input buffer", "output buffer"],
                                                [list(t) for t in self.tiles], indent=16))
        out.append(f"pipeline:       {self.pipeline}")
        if self.ir_file is not None:
            out.append(f"ir:             {self.ir_file}")
        npz = [f for f in self.files if f != "manifest.json"]
        out.append(f"configuration:  {os.path.join(self.directory, 'manifest.json')} + {len(npz)} .npz files "
                   f"({self.bytes} bytes)")
        return out


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _table(header: list[str], rows: list[list[Any]], indent: int) -> str:
    """Columns right-aligned under their headers, every line after the first indented."""
    cells = [header] + [[str(x) for x in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in cells]
    return ("\n" + " " * indent).join(lines)


def build(module: Operation, bundle: Any, files: list[str], directory: str, inp: Any, facts: NetworkFacts,
          run: Any, simulated: bool, ir_file: str | None) -> Summary:
    """The summary of a finished compile: `bundle` is the hw.config's, `run` the `PipelineRun`,
    `inp` the `CompileInput`, `files` what the configuration directory received."""
    from snnir.dialects import snn
    from snnir.tools.compile_output import total_bytes

    config, target = bundle.config, bundle.target
    network = next(op for op in module.regions[0].block.ops if isinstance(op, snn.NetworkOp))
    relay_pops, relay_neurons = relays(config)
    rows_used, cols_used = utilisation(config, target.rows, target.cols)
    throughput, period = exact_throughput(module)
    seed = next((p.seed for p in run.passes if p.name == "simulate"), 0)  # type: ignore[attr-defined]
    kind = "snnir" if inp.kind == "snnir" else f"NIR, dt = {inp.dt:g} s"
    return Summary(
        input=inp.path, input_kind=kind, network=facts, relay_populations=relay_pops, relay_neurons=relay_neurons,
        spikes=spikes_text(simulated, run.statistic("simulate", "steps"), seed, run.statistic("simulate", "spikes"),
                           network),
        crossbars=len(config.crossbars), rows=target.rows, cols=target.cols, row_utilisation=rows_used,
        column_utilisation=cols_used, crosspoints=int(config.synapses),
        inter_spikes=run.statistic("partition", "inter-spikes"), target=target.name, target_tiles=target.tiles,
        tiles_used=len({c.tile for c in config.crossbars}), throughput=throughput, period=period,
        weights=weights_text(config, target), tiles=tile_rows(bundle),
        pipeline=",".join(p.pipeline_text() for p in run.passes),
        directory=directory, files=files, bytes=total_bytes(directory, files), ir_file=ir_file)


def weights_text(config: Any, target: Any) -> str:
    """The precision the configuration holds, and where it comes from."""
    bits, own = config.weight_bits, target.weight_bits
    theirs = f"target @{target.name} " + ("states no weight precision" if own is None else f"has {own}-bit weights")
    if bits is None:
        text = "float" + (f" ({theirs})" if own is None else f" (--weight-bits 0; {theirs})")
    else:
        text = f"{bits}-bit levels, a scale per column" + (" (the target's)" if bits == own else
                                                           f" (--weight-bits {bits}; {theirs})")
    extra = [f"{b}-bit {what}" for b, what in ((getattr(config, "state_bits", None), "neuron state"),
                                               (getattr(config, "decay_bits", None), "decays")) if b is not None]
    return text + ("; " + ", ".join(extra) if extra else "")


def exact_throughput(module: Operation) -> tuple[str, str]:
    """(throughput, period) of the module's one bound sdf.graph as `--analyze-throughput` reports them."""
    from snnir.dialects import sdf
    from snnir.passes.analyze_throughput import analyse, exact_text

    graph = next(op for op in module.regions[0].block.ops if isinstance(op, sdf.GraphOp))
    result = analyse(graph)[0]
    if not result.period > 0:
        return "unbounded", "0"
    return exact_text(result.throughput), exact_text(result.period)


def spikes_text(simulated: bool, steps: int | None, seed: int, spikes: int | None, network: Operation) -> str:
    """Where the spike counts that weight the partition and the dataflow come from."""
    if simulated:
        return f"{spikes} spikes in {steps} simulated steps (seed {seed})"
    from snnir.attributes import IntegerAttr
    from snnir.passes.simulate import STEPS_ATTR

    recorded = network.attributes.get(STEPS_ATTR)
    over = f" of {recorded.value} steps" if isinstance(recorded, IntegerAttr) else ""
    return f"from the input's spike_counts{over} (not simulated again)"


def tile_rows(bundle: Any) -> list[tuple[int, int, int, int, int]]:
    """Per tile of the configuration: crossbars, neurons (columns) and its input and output buffers."""
    config = bundle.config
    size = max([t.index + 1 for t in bundle.tiles] + [0])
    tile_of = np.asarray(config.tile_of_neuron)
    neurons = np.bincount(tile_of[tile_of >= 0], minlength=size)
    crossbars = np.bincount(np.array([c.tile for c in config.crossbars], dtype=np.int64), minlength=size)
    return [(t.index, int(crossbars[t.index]), int(neurons[t.index]), t.input_buffer, t.output_buffer)
            for t in bundle.tiles]


def relays(config: Any) -> tuple[int, int]:
    """(populations, neurons) that fan-in decomposition added."""
    table = config.neurons
    sizes = [table.size(i) for i, m in enumerate(table.models) if m == "relay"]
    return len(sizes), int(sum(sizes))


def utilisation(config: Any, rows: int, cols: int) -> tuple[float, float]:
    """Mean fraction of each crossbar's rows and columns in use (as --partition's report)."""
    xbs = config.crossbars
    if not xbs:
        return 0.0, 0.0
    return (float(np.mean([x.rows for x in xbs])) / rows, float(np.mean([x.cols for x in xbs])) / cols)


def timing_text(entries: list[tuple[str, float, float]]) -> str:
    """Wall time per stage: (stage, seconds, seconds verifying the IR after it) -> a small table.

    The one part of the output that changes between runs, hence only with --timing.
    """
    width = max([len(name) for name, _, _ in entries] + [5])
    lines = ["timing:         wall-clock seconds per stage (+ verifying the IR after it)"]
    for name, seconds, verify in entries:
        lines.append(f"  {name:<{width}}  {seconds:9.3f}" + (f" + {verify:.3f}" if verify else ""))
    total = sum(s + v for _, s, v in entries)
    lines.append(f"  {'total':<{width}}  {total:9.3f}")
    return "\n".join(lines)
