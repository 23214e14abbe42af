"""`record-order`: record one self-timed execution order of every `sdf.graph` (design time, method.md section 8).

    snn-opt net.snnir --partition --sdfg --record-order -o app.snnir       # at design time
    snn-opt app.snnir --admit='tiles=3 throughput=1/64'                   # at run time

The order (one iteration of the periodic phase of the unbound graph's self-timed execution,
`snnir.algorithms.mapping.record_order`) is kept as the graph's `self_timed_order` attribute, so
run-time admission only binds, projects the order onto the tiles, and analyses.
"""

from __future__ import annotations

from dataclasses import dataclass

from snnir.algorithms import mapping
from snnir.algorithms.sdf import SDFError
from snnir.attributes import ArrayAttr, SymbolRefAttr
from snnir.dialects import sdf
from snnir.ir import Operation
from snnir.pass_manager import Pass, PassContext, PassFailure
from snnir.passes.analyze_throughput import sdf_graph_of


def recorded_order(graph: sdf.GraphOp) -> list[int] | None:
    """The actor indices of the graph's `self_timed_order`, or None when it has none."""
    attr = graph.attributes.get("self_timed_order")
    if attr is None:
        return None
    index = {a.sym_name: k for k, a in enumerate(graph.actors)}
    out = []
    for ref in attr.data:
        if not isinstance(ref, SymbolRefAttr) or ref.root not in index:
            raise PassFailure(f"self_timed_order of @{graph.sym_name} names {ref}, which is not an actor", graph.loc)
        out.append(index[ref.root])
    return out


def record(graph: sdf.GraphOp) -> list[int]:
    """Record the order of one graph in the IR and return it."""
    g, actors, _ = sdf_graph_of(graph)
    try:
        order = mapping.record_order(g)
    except SDFError as e:
        blamed = actors[e.actors[0]] if e.actors else graph
        raise PassFailure(f"@{graph.sym_name}: {e}", blamed.loc) from None
    graph.attributes["self_timed_order"] = ArrayAttr([SymbolRefAttr(actors[k].sym_name) for k in order.tolist()])
    return order.tolist()


@dataclass(frozen=True)
class RecordOrder(Pass):
    name = "record-order"
    description = "Record one iteration of each sdf.graph's self-timed execution order (self_timed_order), for --admit"
    statistics = {"firings": "firings recorded"}

    def apply(self, module: Operation, ctx: PassContext) -> None:
        graphs = [op for op in module.regions[0].block.ops if isinstance(op, sdf.GraphOp)]
        if not graphs:
            raise PassFailure("no sdf.graph to record (run --sdfg first)", module.loc)
        for graph in graphs:
            ctx.bump("firings", len(record(graph)))
