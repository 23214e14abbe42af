"""`schedule`: a static order per tile for every bound `sdf.graph` (method.md sections 5 and 8).

    snn-opt net.snnir --partition --sdfg --bind --schedule --analyze-throughput

Each tile evaluates one crossbar firing at a time; the order comes from a self-timed list
execution of the bound graph (`snnir.algorithms.mapping.list_schedule`: when a tile is free it
starts the enabled actor that has waited longest). The orders become `sdf.schedule` ops, and
`--analyze-throughput` folds them into the analysis as sequencing edges.
"""

from __future__ import annotations

from dataclasses import dataclass

from snnir.algorithms import mapping
from snnir.algorithms.sdf import SDFError
from snnir.dialects import sdf
from snnir.ir import Operation
from snnir.pass_manager import Pass, PassContext, PassFailure
from snnir.passes import hardware
from snnir.passes.analyze_throughput import sdf_graph_of


@dataclass(frozen=True)
class Schedule(Pass):
    name = "schedule"
    description = "Give every tile of each bound sdf.graph a static order (sdf.schedule) from a list-scheduled run"
    statistics = {"schedules": "tiles given a static order", "firings": "firings per iteration in all orders"}

    def apply(self, module: Operation, ctx: PassContext) -> None:
        graphs = [op for op in module.regions[0].block.ops if isinstance(op, sdf.GraphOp)]
        if not graphs:
            raise PassFailure("no sdf.graph to schedule (run --sdfg and --bind first)", module.loc)
        for graph in graphs:
            if not hardware.is_bound(graph):
                raise PassFailure(f"@{graph.sym_name} is not bound to tiles (run --bind first)", graph.loc)
            platform = mapping.Platform.from_target(hardware.graph_target(graph))
            g, actors, _ = sdf_graph_of(graph)
            try:
                orders = mapping.list_schedule(g, platform, hardware.graph_mapping(graph, platform.tiles, with_orders=False))
            except SDFError as e:
                blamed = actors[e.actors[0]] if e.actors else graph
                raise PassFailure(f"@{graph.sym_name}: {e}", blamed.loc) from None
            hardware.set_schedules(graph, orders)
            ctx.bump("schedules", sum(1 for o in orders if len(o)))
            ctx.bump("firings", sum(len(o) for o in orders))
