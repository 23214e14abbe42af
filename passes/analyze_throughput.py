"""`analyze-throughput`: the period of every `sdf.graph` by max-plus algebra (method.md section 6).

    snn-opt net.snnir --partition --sdfg --analyze-throughput --analysis-report=throughput.json

The pass translates each graph to `snnir.algorithms.sdf.SDFGraph`, runs `throughput`, and
annotates the graph with `repetition`, `period`, `throughput`, `latency` and `critical_cycle`.
A graph without a finite period (inconsistent rates, a deadlock, actors that can fire without
bound) is an error that names the actors concerned.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import numpy as np

from snnir.algorithms import mapping
from snnir.algorithms import sdf as algo
from snnir.attributes import ArrayAttr, DenseArrayAttr, FloatAttr, SymbolRefAttr, i64
from snnir.dialects import sdf
from snnir.ir import Operation
from snnir.pass_manager import Pass, PassContext, PassFailure, option
from snnir.passes import hardware


def sdf_graph_of(graph: sdf.GraphOp) -> tuple[algo.SDFGraph, list[sdf.ActorOp], list[sdf.ChannelOp]]:
    """The arrays of a verified sdf.graph, with its actor and channel ops in array order."""
    actors, channels = graph.actors, graph.channels
    index = {a.sym_name: k for k, a in enumerate(actors)}
    times = [a.exec_time.value for a in actors]
    exec_time = np.array(times, dtype=np.int64 if all(isinstance(t, int) for t in times) else np.float64)

    def column(values: list[int]) -> np.ndarray:
        return np.array(values, dtype=np.int64)

    g = algo.SDFGraph(
        names=tuple(f"@{a.sym_name}" for a in actors),
        exec_time=exec_time,
        src=column([index[ch.src.root] for ch in channels]),
        dst=column([index[ch.dst.root] for ch in channels]),
        production=column([ch.production.value for ch in channels]),
        consumption=column([ch.consumption.value for ch in channels]),
        tokens=column([ch.tokens.value for ch in channels]),
        channel_names=tuple(ch.label.data if ch.label is not None else "" for ch in channels),
    )
    return g, actors, channels


def exact_text(x: Fraction | float) -> str:
    """An exact value as JSON-friendly text: "16", "80/3", or the float's repr."""
    return str(x) if isinstance(x, Fraction) else repr(float(x))


def analyse(graph: sdf.GraphOp, semantics: str = "self-timed",
            arrays: tuple[algo.SDFGraph, list[sdf.ActorOp], list[sdf.ChannelOp]] | None = None
            ) -> tuple[Any, list[str], int]:
    """The analysis of a verified graph as bound (resource models, schedules) or as it stands.

    Returns the result (exact `period` and `throughput` when the execution times are integers),
    the critical channels by name and the initial tokens of the iteration matrix. Public so
    that tools can report the exact figures the pass stores as floats. Raises `algo.SDFError`,
    and ValueError for a mapping the target cannot hold. `arrays`: `sdf_graph_of(graph)`, when
    the caller has it already.
    """
    g, _, channels = arrays if arrays is not None else sdf_graph_of(graph)
    if hardware.is_bound(graph):
        platform = mapping.Platform.from_target(hardware.graph_target(graph))
        bound = mapping.bound_throughput(g, platform, hardware.graph_mapping(graph, platform.tiles), semantics)
        return bound, list(bound.critical_channels), int(bound.analysis.tokens)
    caps = [ch.capacity.value if ch.capacity is not None else -1 for ch in channels]
    if any(c >= 0 for c in caps):  # buffers bound the channels: back-edges (method.md section 5)
        from snnir.algorithms.buffers import with_capacities

        model = with_capacities(g, np.array(caps, dtype=np.int64))
        result = algo.throughput(model, semantics=semantics)
        names = [channels[k].describe() if k < len(channels) else model.channel_names[k]
                 for k in result.critical_channels]
        return result, names, int(result.tokens)
    result = algo.throughput(g, semantics=semantics)
    return result, [channels[k].describe() for k in result.critical_channels], int(result.tokens)


@dataclass(frozen=True)
class AnalyzeThroughput(Pass):
    name = "analyze-throughput"
    description = ("Compute the period and throughput of every sdf.graph by max-plus algebra and annotate it "
                   "(repetition, period, throughput, latency, critical_cycle)")
    statistics = {"graphs": "graphs analysed", "matrix-tokens": "initial tokens in the iteration matrices "
                  "(after merging channels whose rates and tokens share a factor)"}
    option_flags = {"analysis-report": "report"}

    semantics: Literal["self-timed", "sdf3"] = option(
        "self-timed", "self-timed: the whole graph's self-timed execution, actors without a self-loop may overlap "
        "with themselves and an actor that can fire without bound is an error; sdf3: as SDF3's throughput "
        "analysis, the minimum over strongly connected components")
    report: str = option("", "write a JSON report to this file")

    def apply(self, module: Operation, ctx: PassContext) -> None:
        graphs = [op for op in module.regions[0].block.ops if isinstance(op, sdf.GraphOp)]
        if not graphs:
            raise PassFailure("no sdf.graph to analyse (run --sdfg first)", module.loc)
        reports = [self._analyse(graph, ctx) for graph in graphs]
        if self.report:
            try:
                with open(self.report, "w", encoding="utf-8") as f:
                    json.dump({"graphs": reports}, f, indent=2, sort_keys=True)
                    f.write("\n")
            except OSError as e:
                raise PassFailure(f"cannot write the analysis report '{self.report}': {e.strerror}",
                                  module.loc) from None

    def _run(self, graph: sdf.GraphOp, arrays: tuple[algo.SDFGraph, list[sdf.ActorOp], list[sdf.ChannelOp]],
             ctx: PassContext) -> tuple[Any, list[str], int]:
        """`analyse`, warning first when a bound graph's shared tiles have no static orders."""
        if hardware.is_bound(graph):
            tiles = [a.tile.value for a in graph.actors]
            if not graph.schedules and len(set(tiles)) < len(tiles):
                ctx.warning(f"@{graph.sym_name} is bound but not scheduled: actors sharing a tile are analysed "
                                  "as if they ran in parallel (run --schedule first)", graph.loc)
        return analyse(graph, self.semantics, arrays)

    def _analyse(self, graph: sdf.GraphOp, ctx: PassContext) -> dict[str, Any]:
        if not graph.actors:
            raise PassFailure(f"@{graph.sym_name} has no actors", graph.loc)
        arrays = sdf_graph_of(graph)
        _, actors, channels = arrays
        t0 = time.perf_counter()
        try:
            result, critical_channels, model_tokens = self._run(graph, arrays, ctx)
        except algo.SDFError as e:
            # rates conflict on a channel; other failures are about actors
            if e.channels and (isinstance(e, algo.InconsistentGraph) or not e.actors):
                blamed = channels[e.channels[0]]
            else:
                blamed = actors[e.actors[0]] if e.actors else graph
            raise PassFailure(f"@{graph.sym_name}: {e}", blamed.loc) from None
        except ValueError as e:  # a mapping the target cannot hold (e.g. capacities over a tile's buffers)
            raise PassFailure(f"@{graph.sym_name}: {e}", graph.loc) from None
        elapsed = time.perf_counter() - t0
        cycle = [actors[k] for k in result.critical_actors]
        bounded = result.period > 0
        if not bounded:
            ctx.warning(f"nothing bounds the throughput of @{graph.sym_name}: its period is 0 (no cycle with a "
                        "positive execution time limits it)", graph.loc)
        graph.attributes["repetition"] = DenseArrayAttr(i64, np.asarray(result.repetition, dtype=np.int64))
        graph.attributes["period"] = FloatAttr(float(result.period))
        if bounded:
            graph.attributes["throughput"] = FloatAttr(float(result.throughput))
        graph.attributes["latency"] = FloatAttr(float(result.latency))
        graph.attributes["critical_cycle"] = ArrayAttr([SymbolRefAttr(a.sym_name) for a in cycle])
        ctx.bump("graphs")
        ctx.bump("matrix-tokens", model_tokens)
        return {
            "graph": graph.sym_name,
            "semantics": self.semantics,
            "period": float(result.period),
            "period_exact": exact_text(result.period),
            "throughput": float(result.throughput) if bounded else None,
            "throughput_exact": exact_text(result.throughput) if bounded else None,
            "latency": float(result.latency),
            "repetition": {a.sym_name: int(q) for a, q in zip(actors, result.repetition)},
            "critical_cycle": {
                "actors": [a.sym_name for a in cycle],
                "clusters": [a.cluster.leaf if a.cluster is not None else None for a in cycle],
                "channels": critical_channels,
            },
            "bound": hardware.is_bound(graph),
            "actors": len(actors),
            "channels": len(channels),
            "matrix_tokens": model_tokens,
            "seconds": round(elapsed, 6),
        }
