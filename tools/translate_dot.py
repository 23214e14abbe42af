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
