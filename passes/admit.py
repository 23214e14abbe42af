"""`admit`: run-time admission of an application onto the free tiles (the paper's third contribution, method.md section 8).

    snn-opt app.snnir --admit='tiles=3 throughput=1/64 report=admission.json' --target=paper4

From the order recorded at design time (`--record-order`; recorded here when missing), bind the
clusters to the free tiles with a fast heuristic, give each tile the recorded order restricted to
its actors, analyse the bound graph, and admit the application if its guaranteed throughput
meets `throughput` (else the pass fails, saying by how much). With `compare=true` the report
also times the full design-time flow (bind, refine the binding by throughput analysis,
list-schedule, analyse: `design_flow`) on the same tiles and gives the speed-up and the
throughput admission gives up.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import numpy as np

from snnir.algorithms import mapping
from snnir.algorithms.sdf import SDFError
from snnir.algorithms.target import Target
from snnir.attributes import BoolAttr, FloatAttr
from snnir.dialects import sdf
from snnir.ir import Operation
from snnir.pass_manager import Pass, PassContext, PassFailure, option
from snnir.passes import hardware
from snnir.passes.analyze_throughput import sdf_graph_of
from snnir.passes.buffer_size import write_outputs
from snnir.passes.record_order import record, recorded_order


def free_tiles(target: Target, n: int) -> list[int]:
    """The first n tiles along a snake through the mesh (row by row, alternating direction), so
    consecutive tiles are neighbours; tile order on a bus."""
    if target.mesh is None:
        return list(range(n))
    rows, cols = target.mesh
    snake = [r * cols + (c if r % 2 == 0 else cols - 1 - c) for r in range(rows) for c in range(cols)]
    return snake[:n]


def design_flow(g: Any, platform: mapping.Platform, tiles: list[int], size: np.ndarray, *,
                refine: int = 8) -> tuple[Any, float]:
    """The design-time flow on the given tiles, with its wall time: what `--bind --schedule
    --analyze-throughput` run (`mapping.design_binding`: the better of SDF3's greedy binding and
    the split of a self-timed order, then `refine` rounds of improvement by throughput analysis),
    a list schedule of the result and the analysis of the bound, scheduled graph."""
    t0 = time.perf_counter()
    tile = mapping.design_binding(g, platform, tiles_available=tiles, token_size=size, rounds=refine).tile
    orders = mapping.list_schedule(g, platform, mapping.Mapping(tile=tile, token_size=size))
    result = mapping.bound_throughput(g, platform, mapping.Mapping(tile=tile, token_size=size, orders=orders))
    return result, time.perf_counter() - t0


@dataclass(frozen=True)
class Admit(Pass):
    name = "admit"
    description = ("Admit each sdf.graph onto the first N free tiles at run time: bind fast, keep the recorded "
                   "self-timed order per tile, analyse, and fail if the guaranteed throughput is too low")
    statistics = {"admitted": "graphs admitted"}
    option_flags = {"target": "target"}

    tiles: int = option(0, "number of free tiles (the first N along the target's mesh; 0: all)")
    throughput: str = option("", "throughput to guarantee, e.g. 1/64 (default: admit whatever is reached)")
    target: str = option("paper4", "a bundled target (docs/targets.md) or a target JSON file")
    strategy: Literal["chunks", "least-loaded"] = option("chunks", "binding heuristic: contiguous chunks of the "
                                                         "recorded order, or each actor on the least-loaded tile")
    compare: bool = option(False, "also run the design-time flow on the same tiles and report both")
    report: str = option("", "write the admission (and comparison) as JSON to this file")

    def apply(self, module: Operation, ctx: PassContext) -> None:
        target = hardware.load(self.target, module.loc)
        n = self.tiles or target.tiles
        if not 0 < n <= target.tiles:
            raise PassFailure(f"tiles must be between 1 and the target's {target.tiles}, got {self.tiles}",
                              module.loc)
        required = hardware.parse_rate(self.throughput, "throughput", module.loc)
        graphs = [op for op in module.regions[0].block.ops if isinstance(op, sdf.GraphOp)]
        if not graphs:
            raise PassFailure("no sdf.graph to admit (run --sdfg first)", module.loc)
        op = hardware.target_op(module, target)
        platform = mapping.Platform.from_target(target)
        reports = []
        for graph in graphs:
            order = recorded_order(graph)
            if order is None:
                ctx.warning(f"@{graph.sym_name} has no recorded self_timed_order (run --record-order at design "
                            "time); recording it now", graph.loc)
                order = record(graph)
            reports.append(self._admit(graph, op, target, platform, n, order, required, ctx))
        write_outputs(self.report, "", reports, module.loc)

    def _admit(self, graph: sdf.GraphOp, op: Any, target: Target, platform: mapping.Platform, n: int,
               order: list[int], required: Fraction | None, ctx: PassContext) -> dict[str, Any]:
        g, actors, channels = sdf_graph_of(graph)
        size = np.array([ch.token_size.value for ch in channels], dtype=np.int64)
        tiles = free_tiles(target, n)
        try:
            adm = mapping.admit(g, np.array(order, dtype=np.int64), platform, tiles, required, token_size=size,
                                strategy=self.strategy)
        except SDFError as e:
            blamed = actors[e.actors[0]] if e.actors else graph
            raise PassFailure(f"@{graph.sym_name}: {e}", blamed.loc) from None
        report: dict[str, Any] = {
            "graph": graph.sym_name, "tiles": tiles, "strategy": self.strategy,
            "required": hardware.rate_text(required) if required is not None else None,
            "admitted": bool(adm.admitted), "throughput": float(adm.throughput),
            "throughput_exact": hardware.rate_text(adm.throughput), "period_exact": hardware.rate_text(adm.period),
            "seconds": round(adm.seconds, 6),
        }
        if self.compare:
            full, seconds = design_flow(g, platform, tiles, size)
            report["design_flow"] = {"throughput": float(full.throughput),
                                     "throughput_exact": hardware.rate_text(full.throughput),
                                     "seconds": round(seconds, 6)}
            report["speedup"] = round(seconds / adm.seconds, 1) if adm.seconds > 0 else None
            report["throughput_loss_percent"] = round(100 * (1 - float(adm.throughput) / float(full.throughput)), 2)
        if not adm.admitted:
            raise PassFailure(f"@{graph.sym_name} is rejected: on {n} free tiles it guarantees throughput "
                              f"{hardware.rate_text(adm.throughput)} (period {hardware.rate_text(adm.period)}), below "
                              f"the required {hardware.rate_text(required)}", graph.loc)
        hardware.set_binding(graph, op, adm.tile)
        hardware.set_schedules(graph, adm.orders)
        graph.attributes["admitted"] = BoolAttr(True)
        graph.attributes["guaranteed_throughput"] = FloatAttr(float(adm.throughput))
        ctx.bump("admitted")
        return report
