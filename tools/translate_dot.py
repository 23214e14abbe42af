"""`--to-dot`: the SSA dataflow of a module as a Graphviz digraph (ops are nodes, uses are edges)."""

from __future__ import annotations

from snnir.ir import Operation
from snnir.translation import Translation


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ToDot(Translation):
    name = "to-dot"
    description = "Graphviz DOT of the op graph: one node per op, one edge per SSA use, nested regions as clusters"
    direction = "export"

    def export(self, module: Operation) -> str:
        ids: dict[int, str] = {}
        lines = ["digraph snnir {", "  node [shape=box, fontname=monospace];"]
        counter = 0

        def node_id(op: Operation) -> str:
            return ids[id(op)]

        def emit(op: Operation, indent: str) -> None:
            nonlocal counter
            for region in op.regions:
                for block in region.blocks:
                    for inner in block.ops:
                        ids[id(inner)] = f"op{counter}"
                        counter += 1
                        label = inner.name + (f" @{inner.sym_name}" if inner.sym_name else "")
                        if inner.regions and any(r.blocks for r in inner.regions):
                            lines.append(f"{indent}subgraph cluster_{ids[id(inner)]} {{")
                            lines.append(f"{indent}  label={_quote(label)};")
                            lines.append(f"{indent}  {ids[id(inner)]} [label={_quote(label)}];")
                            emit(inner, indent + "  ")
                            lines.append(f"{indent}}}")
                        else:
                            lines.append(f"{indent}{ids[id(inner)]} [label={_quote(label)}];")

        emit(module, "  ")
        for op in module.walk():
            if op is module:
                continue
            for i, v in enumerate(op._operands):
                owner = getattr(v, "op", None)
                if owner is not None and id(owner) in ids:
                    lines.append(f"  {node_id(owner)} -> {node_id(op)} [label=\"{i}\"];")
        lines.append("}")
        return "\n".join(lines) + "\n"


class ToMlir(Translation):
    name = "to-mlir"
    description = "The module in MLIR's generic form, readable by mlir-opt/xdsl-opt with unregistered dialects"
    direction = "export"

    def export(self, module: Operation) -> str:
        from snnir.printer import print_operation

        return print_operation(module, generic=True)


class GraphsToDot(Translation):
    name = "graphs-to-dot"
    description = ("Graphviz DOT of every cluster.graph and sdf.graph: crossbars or actors as nodes, links or "
                   "channels as edges; an analysed graph's critical cycle in red")
    direction = "export"

    def export(self, module: Operation) -> str:
        from snnir.dialects import cluster, sdf

        lines = ["digraph snnir {", "  node [shape=box, fontname=monospace];", "  edge [fontname=monospace];"]
        found = False
        for k, op in enumerate(module.regions[0].block.ops):
            if isinstance(op, cluster.GraphOp):
                lines += _cluster_lines(op, f"g{k}")
            elif isinstance(op, sdf.GraphOp):
                lines += _sdf_lines(op, f"g{k}")
            else:
                continue
            found = True
        if not found:
            from snnir.diagnostics import error

            raise error("--graphs-to-dot draws cluster.graph and sdf.graph ops, the input has none "
                        "(run --partition, --sdfg first)", module.loc)
        lines.append("}")
        return "\n".join(lines) + "\n"


def _cluster_lines(graph, prefix: str) -> list[str]:  # graph: cluster.GraphOp
    from snnir.dialects.cluster import ids_of

    rows, cols = graph.rows.value, graph.cols.value
    out = [f"  subgraph cluster_{prefix} {{",
           f"    label={_quote(f'cluster.graph @{graph.sym_name} ({rows}x{cols})')};"]
    for xb in graph.crossbars:
        label = f"@{xb.sym_name}\\n{ids_of(xb.columns).size} cols, {ids_of(xb.rows).size} rows"
        out.append(f"    {_quote(prefix + '/' + xb.sym_name)} [label=\"{label}\"];")
    for link in graph.links:
        out.append(f"    {_quote(prefix + '/' + link.src.root)} -> {_quote(prefix + '/' + link.dst.root)} "
                   f"[label=\"{link.spikes.value}\"];")
    out.append("  }")
    return out


def _sdf_lines(graph, prefix: str) -> list[str]:  # graph: sdf.GraphOp
    critical = graph.attributes.get("critical_cycle")
    cycle = [ref.root for ref in critical.data] if critical is not None else []
    hot = set(cycle)
    hot_edges = {(a, cycle[(i + 1) % len(cycle)]) for i, a in enumerate(cycle)}
    out = [f"  subgraph cluster_{prefix} {{", f"    label={_quote(f'sdf.graph @{graph.sym_name}')};"]
    for a in graph.actors:
        style = ", color=red" if a.sym_name in hot else ""
        out.append(f"    {_quote(prefix + '/' + a.sym_name)} [label=\"@{a.sym_name}\\nexec {a.exec_time.value}\""
                   f"{style}];")
    for ch in graph.channels:
        p, c, t = ch.production.value, ch.consumption.value, ch.tokens.value
        label = f"{p}:{c}" + (f" [{t}]" if t else "") + (f" x{ch.token_size.value}" if ch.token_size.value != 1 else "")
        style = ", color=red" if (ch.src.root, ch.dst.root) in hot_edges else ""
        out.append(f"    {_quote(prefix + '/' + ch.src.root)} -> {_quote(prefix + '/' + ch.dst.root)} "
                   f"[label={_quote(label)}{style}];")
    out.append("  }")
    return out
