"""Symbol tables: lookup from inside nested tables, nested references, misses."""

from __future__ import annotations

from snnir.attributes import SymbolRefAttr
from snnir.context import Context
from snnir.parser import parse_source
from snnir.traits import resolve_symbol

TEXT = """
test.graph @outer {
  %a = test.node @a : i32
  %b = test.node @b(%a) : i32
}
test.graph @other {
  %a = test.node @a : i32
}
test.func @f {
}
"""


def _module():
    m = parse_source(TEXT, "sym.snnir", Context())
    m.verify()
    return m


def test_resolve_from_inside_a_table_and_through_parents() -> None:
    m = _module()
    outer, other, func = m.regions[0].block.ops
    node_b = outer.regions[0].block.ops[1]
    assert resolve_symbol(node_b, SymbolRefAttr("a")) is outer.regions[0].block.ops[0]
    # not in @outer: found in the module around it
    assert resolve_symbol(node_b, SymbolRefAttr("f")) is func
    assert resolve_symbol(func, SymbolRefAttr("other", ["a"])) is other.regions[0].block.ops[0]


def test_misses_are_none() -> None:
    m = _module()
    outer, _, func = m.regions[0].block.ops
    assert resolve_symbol(func, SymbolRefAttr("nope")) is None
    assert resolve_symbol(func, SymbolRefAttr("outer", ["nope"])) is None
    assert resolve_symbol(func, SymbolRefAttr("f", ["x"])) is None  # @f is no symbol table
