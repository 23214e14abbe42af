"""`buffer-size`: the smallest buffers that meet a throughput, and the buffer/throughput Pareto front (method.md section 7).

    snn-opt net.snnir --partition --sdfg --buffer-size='throughput=1/32 report=buffers.json plot=buffers.png'

The exploration is Stuijk, Geilen and Basten's (DAC 2006; `snnir.algorithms.buffers`): from the
per-channel lower bounds upwards, enlarging only channels whose space lies on a critical cycle.
On an unbound graph every channel that is not a self-loop gets a buffer (`capacity`); on a bound
graph (after `--bind`, and `--schedule` if given) the buffers are the input buffers of the
destination tiles, explored on the bound model with its communication actors and static orders,
and output buffers are left unbounded. The chosen capacities are written on the channels and
the graph gets `buffer_size` (their sum); the whole front goes to the report and the plot.

On a bound graph the choice must also fit the target: the capacities x token sizes of the
channels crossing into a tile may not exceed its `input_buffer` (spikes). The front is that of the
total; its points are marked `fits_tiles` in the report and the choice is the best point that fits
(a warning says when a larger point would reach more). The front minimises the total, not the
largest tile, so a distribution off the front could fit where no front point does: the error then
says what the smallest runnable buffers need on which tile.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from snnir.algorithms import buffers, mapping
from snnir.algorithms.sdf import SDFError, SDFGraph
from snnir.attributes import IntegerAttr
from snnir.dialects import sdf
from snnir.ir import Operation
from snnir.pass_manager import Pass, PassContext, PassFailure, option
from snnir.passes import hardware
from snnir.passes.analyze_throughput import sdf_graph_of


@dataclass(frozen=True)
class _TileBuffers:
    """What a distribution of a bound graph may use: each tile's input buffer (spikes)."""

    tile: np.ndarray  # int64 [C]: the destination tile of each original channel crossing tiles, -1 otherwise
    token_size: np.ndarray  # int64 [C]: spikes per token of each original channel
    limit: int | None  # the target's input buffer per tile (None: no limit)

    def usage(self, caps: np.ndarray, tiles: int) -> np.ndarray:
        """Spikes of input buffer each tile needs for capacities `caps` [C] (-1: unbuffered)."""
        sel = (self.tile >= 0) & (caps >= 0)
        return np.bincount(self.tile[sel], weights=(caps[sel] * self.token_size[sel]).astype(np.float64),
                           minlength=tiles).astype(np.int64)


def _bound_model(graph: sdf.GraphOp, g: SDFGraph) -> tuple[SDFGraph, np.ndarray, np.ndarray, _TileBuffers]:
    """The bound model without buffers, which of its channels get one, their original channels,
    and the tiles' input-buffer limits the chosen distribution must respect."""
    platform = mapping.Platform.from_target(hardware.graph_target(graph))
    m = hardware.graph_mapping(graph, platform.tiles)
    bare = mapping.Mapping(tile=m.tile, token_size=m.token_size, orders=m.orders)
    model, mm = mapping.resource_graph(g, platform, bare)
    kind = mm.channel_kind
    buffered = ((kind == mapping.DATA) & (model.src != model.dst)) | (kind == mapping.DELIVER)
    cross = m.tile[g.src] != m.tile[g.dst]
    size = m.token_size if m.token_size is not None else np.ones(g.channels, np.int64)
    limits = _TileBuffers(np.where(cross, m.tile[g.dst], -1).astype(np.int64), np.asarray(size, np.int64),
                          platform.input_buffer)
    return model, buffered, mm.channel_origin, limits


def plot_front(front: list[dict[str, Any]], path: str, title: str) -> None:
    """The Pareto front as a step plot (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    sizes = [p["size"] for p in front]
    thr = [p["throughput"] for p in front]
    ax.step(sizes, thr, where="post", marker="o")
    ax.set_xlabel("total buffer (tokens)")
    ax.set_ylabel("throughput (iterations per time unit)")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


def write_outputs(report_path: str, plot_path: str, reports: list[dict[str, Any]], loc: Any,
                  plot: Any = None) -> None:
    """The JSON report and the plot, with a clear error when a file cannot be written."""
    for path, write in ((report_path, lambda f: (json.dump({"graphs": reports}, f, indent=2, sort_keys=True),
                                                  f.write("\n"))),):
        if path:
            try:
                with open(path, "w", encoding="utf-8") as f:
                    write(f)
            except OSError as e:
                raise PassFailure(f"cannot write the report '{path}': {e.strerror}", loc) from None
    if plot_path and plot is not None:
        try:
            plot()
        except OSError as e:
            raise PassFailure(f"cannot write the plot '{plot_path}': {e.strerror}", loc) from None


@dataclass(frozen=True)
class BufferSize(Pass):
    name = "buffer-size"
    description = ("Give each sdf.graph the smallest buffers (channel capacities) that meet a throughput, "
                   "and report the buffer/throughput Pareto front")
    statistics = {"distributions": "buffer distributions analysed", "buffer": "total buffer chosen (tokens)"}
    option_flags = {"plot": "plot"}

    throughput: str = option("", "required throughput, e.g. 1/32 or 0.03125 (default: the most the graph reaches)")
    max_size: int = option(0, "stop the exploration at this total buffer (0: no bound)")
    report: str = option("", "write the Pareto front and the choice as JSON to this file")
    plot: str = option("", "draw the Pareto front as a PNG to this file")

    def apply(self, module: Operation, ctx: PassContext) -> None:
        required = hardware.parse_rate(self.throughput, "throughput", module.loc)
        if self.max_size < 0:
            raise PassFailure(f"max-size must be >= 0, got {self.max_size}", module.loc)
        graphs = [op for op in module.regions[0].block.ops if isinstance(op, sdf.GraphOp)]
        if not graphs:
            raise PassFailure("no sdf.graph to size (run --sdfg first)", module.loc)
        reports = [self._size(graph, required, ctx) for graph in graphs]
        plot = None
        if self.plot:
            def plot() -> None:
                plot_front(reports[0]["front"], self.plot, f"buffer / throughput trade-off of @{graphs[0].sym_name}")
        write_outputs(self.report, self.plot, reports, module.loc, plot)

    @staticmethod
    def _tile_usage(p: buffers.ParetoPoint, origin: np.ndarray, limits: _TileBuffers, n: int) -> np.ndarray:
        """Input-buffer spikes per tile of Pareto point `p`, mapped back to the original channels."""
        caps = np.full(n, -1, np.int64)
        picked = np.flatnonzero(p.capacities >= 0)
        caps[origin[picked]] = p.capacities[picked]  # as written on the channels below
        return limits.usage(caps, int(limits.tile.max(initial=-1)) + 1)

    def _fits(self, graph: sdf.GraphOp, p: buffers.ParetoPoint, origin: np.ndarray, limits: _TileBuffers,
              n: int) -> bool:
        return bool((self._tile_usage(p, origin, limits, n) <= limits.limit).all())

    def _size(self, graph: sdf.GraphOp, required: Fraction | None, ctx: PassContext) -> dict[str, Any]:
        g, actors, channels = sdf_graph_of(graph)
        bound = hardware.is_bound(graph)
        limits = None
        if bound:
            model, buffered, origin, limits = _bound_model(graph, g)
        else:
            model, buffered, origin = g, g.src != g.dst, np.arange(g.channels)
        try:
            found = buffers.explore(model, buffered, max_size=self.max_size or None, min_throughput=None)
        except (SDFError, ValueError, buffers.ExplorationLimit) as e:
            raise PassFailure(f"@{graph.sym_name}: {e}", graph.loc) from None
        front = found.front
        if not front:
            raise PassFailure(f"@{graph.sym_name}: no buffer distribution up to total {self.max_size} lets the graph "
                              "run without deadlock", graph.loc)
        if required is not None and required > found.maximum:
            raise PassFailure(f"@{graph.sym_name}: throughput {required} is unreachable: with unbounded buffers the "
                              f"graph reaches at most {hardware.rate_text(found.maximum)}", graph.loc)
        fits = [True] * len(front)
        if limits is not None and limits.limit is not None:
            fits = [self._fits(graph, p, origin, limits, g.channels) for p in front]
            if not any(fits):
                need = self._tile_usage(p := front[0], origin, limits, g.channels)
                t = int(np.argmax(need))
                raise PassFailure(f"@{graph.sym_name}: even the smallest buffers that let the graph run "
                                  f"({int(p.size)} tokens) need {int(need[t])} spikes of input buffer on tile {t}, but "
                                  f"a tile of target @{hardware.graph_target(graph).name} holds {limits.limit}: use fewer spikes per "
                                  "token, more tiles or a target with larger buffers", graph.loc)
        feasible = [p for p, ok in zip(front, fits) if ok]
        chosen = (feasible[-1] if required is None
                  else next((p for p in feasible if p.throughput >= required), None))
        if chosen is None and feasible and required is not None and any(p.throughput >= required for p in front):
            best = feasible[-1]
            raise PassFailure(f"@{graph.sym_name}: throughput {required} needs buffers larger than the tiles' input "
                              f"buffers ({limits.limit} spikes each); the best that fits is "  # type: ignore[union-attr]
                              f"{hardware.rate_text(best.throughput)} with {int(best.size)} tokens", graph.loc)
        if required is None and feasible and feasible[-1] is not front[-1]:
            ctx.warning(f"@{graph.sym_name}: the largest buffers that fit the tiles' input buffers "
                        f"({limits.limit} spikes each) reach {hardware.rate_text(feasible[-1].throughput)}; "  # type: ignore[union-attr]
                        f"{hardware.rate_text(front[-1].throughput)} needs more", graph.loc)
        if chosen is None:
            raise PassFailure(f"@{graph.sym_name}: throughput {required} needs more than max-size {self.max_size} "
                              f"tokens of buffer (the best up to it is {hardware.rate_text(front[-1].throughput)})",
                              graph.loc)
        if required is None and not found.complete:
            ctx.warning(f"@{graph.sym_name}: the exploration stopped at max-size {self.max_size}; the graph "
                        f"reaches {hardware.rate_text(found.maximum)} with larger buffers", graph.loc)
        caps = np.full(len(channels), -1, np.int64)
        picked = np.flatnonzero(chosen.capacities >= 0)
        caps[origin[picked]] = chosen.capacities[picked]
        for ch, cap in zip(channels, caps.tolist()):
            if cap >= 0:
                ch.properties["capacity"] = IntegerAttr(cap)
            elif "capacity" in ch.properties:
                del ch.properties["capacity"]
        graph.attributes["buffer_size"] = IntegerAttr(int(chosen.size))
        ctx.bump("distributions", int(found.distributions))
        ctx.bump("buffer", int(chosen.size))
        return {
            "graph": graph.sym_name,
            "bound": bound,
            "tile_input_buffer": None if limits is None else limits.limit,
            "required": hardware.rate_text(required) if required is not None else None,
            "chosen": {"size": int(chosen.size), "throughput": float(chosen.throughput),
                       "throughput_exact": hardware.rate_text(chosen.throughput)},
            "maximum_throughput": hardware.rate_text(found.maximum),
            "complete": bool(found.complete),
            "distributions": int(found.distributions),
            "front": [{"size": int(p.size), "throughput": float(p.throughput),
                       **({"fits_tiles": ok} if limits is not None else {}),
                       "throughput_exact": hardware.rate_text(p.throughput),
                       "period_exact": hardware.rate_text(1 / Fraction(p.throughput)) if isinstance(
                           p.throughput, (Fraction, int)) else repr(1 / float(p.throughput))}
                      for p, ok in zip(front, fits)],
        }
