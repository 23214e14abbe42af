"""`symbol-dce`: delete private symbols that nothing refers to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from snnir.attributes import ArrayAttr, Attribute, DictionaryAttr, StringAttr, SymbolRefAttr
from snnir.ir import Operation
from snnir.pass_manager import Pass, PassContext
from snnir.traits import Symbol, SymbolTable


def symbol_refs(attr: Attribute) -> Iterator[SymbolRefAttr]:
    """Every symbol reference inside an attribute, through arrays and dictionaries."""
    if isinstance(attr, SymbolRefAttr):
        yield attr
    elif isinstance(attr, ArrayAttr):
        for a in attr.data:
            yield from symbol_refs(a)
    elif isinstance(attr, DictionaryAttr):
        for a in attr.data.values():
            yield from symbol_refs(a)


def is_private(op: Operation) -> bool:
    vis = op.properties.get("sym_visibility") or op.attributes.get("sym_visibility")
    return isinstance(vis, StringAttr) and vis.data == "private"


@dataclass(frozen=True)
class SymbolDCE(Pass):
    name = "symbol-dce"
    description = ("Erase ops that define a private symbol (sym_visibility = \"private\") when no symbol "
                   "reference names them; repeats until nothing more can go")
    statistics = {"erased": "private symbols erased"}

    def apply(self, module: Operation, ctx: PassContext) -> None:
        while True:
            referenced: set[str] = set()
            for op in module.walk():
                for attrs in (op.properties, op.attributes):
                    for a in attrs.values():
                        for ref in symbol_refs(a):
                            referenced.add(ref.root)
                            referenced.update(ref.nested)
            dead = [op for op in module.walk()
                    if op is not module and op.has_trait(Symbol) and is_private(op)
                    and op.sym_name not in referenced and _in_symbol_table(op)
                    and not any(r.uses for r in op.results)]
            if not dead:
                return
            for op in dead:
                op.erase()
                ctx.bump("erased")


def _in_symbol_table(op: Operation) -> bool:
    parent = op.parent_op
    return parent is not None and parent.has_trait(SymbolTable)
