"""Op traits: reusable invariants and structural facts that the verifier and parser consult.

A trait is an instance listed in an op class's `traits`; its `verify(op)` raises
`VerifyException` when the invariant does not hold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from snnir.attributes import StringAttr, VerifyException

if TYPE_CHECKING:  # pragma: no cover
    from snnir.ir import Block, Operation


class OpTrait:
    """Base of traits. Stateless ones can be shared between op classes."""

    def verify(self, op: "Operation") -> None:
        return None

    def __repr__(self) -> str:
        return type(self).__name__


class IsolatedFromAbove(OpTrait):
    """Regions may not use values defined outside the op (they start a new naming scope)."""

    def verify(self, op: "Operation") -> None:
        for region in op.regions:
            for inner in region.walk():
                for v in inner._operands:
                    owner_op = _defining_region_owner(v)
                    if owner_op is not None and not _is_ancestor(op, owner_op):
                        raise VerifyException(
                            f"'{inner.name}' uses a value defined outside the isolated region of '{op.name}'")


def _defining_region_owner(value: object) -> "Operation | None":
    """The op whose region contains the definition of `value` (None at top level)."""
    from snnir.ir import BlockArgument, OpResult

    if isinstance(value, OpResult):
        block = value.op.parent
    elif isinstance(value, BlockArgument):
        block = value.block
    else:
        return None
    if block is None or block.parent is None:
        return None
    return block.parent.parent


def _is_ancestor(ancestor: "Operation", op: "Operation | None") -> bool:
    while op is not None:
        if op is ancestor:
            return True
        op = op.parent_op
    return False


class NoTerminator(OpTrait):
    """The op's single-block regions need no terminator op."""


class GraphRegions(OpTrait):
    """The op's regions are graph regions: values may be used before they are defined."""


class SingleBlock(OpTrait):
    """Every region of the op has at most one block."""

    def verify(self, op: "Operation") -> None:
        for i, region in enumerate(op.regions):
            if len(region.blocks) > 1:
                raise VerifyException(f"region #{i} must have at most one block, has {len(region.blocks)}")


class Symbol(OpTrait):
    """The op defines a symbol: a `sym_name` string property."""

    def verify(self, op: "Operation") -> None:
        name = op.properties.get("sym_name") or op.attributes.get("sym_name")
        if not isinstance(name, StringAttr):
            raise VerifyException("requires a 'sym_name' string naming the symbol")
        if not name.data:
            raise VerifyException("symbol name must not be empty")


class SymbolTable(OpTrait):
    """The op's region holds symbols with unique names."""

    def verify(self, op: "Operation") -> None:
        seen: dict[str, "Operation"] = {}
        for region in op.regions:
            for block in region.blocks:
                for inner in block.ops:
                    if not inner.has_trait(Symbol):
                        continue
                    name = inner.sym_name
                    if name is None:
                        continue
                    if name in seen:
                        raise VerifyException(f"redefinition of symbol '@{name}'")
                    seen[name] = inner


class HasParent(OpTrait):
    """The op may only sit directly inside one of the named ops."""

    def __init__(self, *parents: str) -> None:
        self.parents = parents

    def verify(self, op: "Operation") -> None:
        parent = op.parent_op
        if parent is None or parent.name not in self.parents:
            names = ", ".join(f"'{p}'" for p in self.parents)
            raise VerifyException(f"expects parent op {'to be one of ' if len(self.parents) > 1 else ''}{names}")

    def __repr__(self) -> str:
        return f"HasParent{self.parents}"


class Pure(OpTrait):
    """No side effects: the op may be removed when its results are unused."""


def lookup_symbol(scope: "Operation", name: str) -> "Operation | None":
    """The op named `name` directly inside the symbol table `scope`, or None.

    O(1) per lookup after one O(ops) pass per block: a graph of 10^5 channels names its actors
    10^5 times while verifying. Each block caches name -> op; a hit is used only while that op
    is still in the block under that name, and anything else rebuilds the cache, so edits to the
    IR never make a lookup stale.
    """
    for region in scope.regions:
        for block in region.blocks:
            cache = block.symbol_cache
            op = cache.get(name) if cache is not None else None
            if op is None or op.parent is not block or op.sym_name != name:
                cache = _symbols_of(block)
                op = cache.get(name)
            if op is not None:
                return op
    return None


def _symbols_of(block: "Block") -> "dict[str, Operation]":
    """The block's symbols by name (the first op of each name, as a linear search finds it)."""
    cache: dict[str, Operation] = {}
    for op in block.ops:
        name = op.sym_name
        if name is not None and name not in cache and op.has_trait(Symbol):
            cache[name] = op
    block.symbol_cache = cache
    return cache


def nearest_symbol_table(op: "Operation") -> "Operation | None":
    """The closest enclosing op (including `op`) that has the SymbolTable trait."""
    cur: "Operation | None" = op
    while cur is not None:
        if cur.has_trait(SymbolTable):
            return cur
        cur = cur.parent_op
    return None


def resolve_symbol(from_op: "Operation", ref: object) -> "Operation | None":
    """The op a symbol reference (`@a` or `@a::@b`) names, seen from `from_op`.

    As MLIR's lookupNearestSymbolFrom: the root name is looked up in the nearest enclosing
    symbol table, then in the tables around it; nested names descend into the found op.
    """
    from snnir.attributes import SymbolRefAttr

    if not isinstance(ref, SymbolRefAttr):
        raise TypeError(f"expected a SymbolRefAttr, got {ref!r}")
    table = nearest_symbol_table(from_op.parent_op) if from_op.parent_op is not None else None
    if table is None and from_op.has_trait(SymbolTable):
        table = from_op
    found = None
    while table is not None and found is None:
        found = lookup_symbol(table, ref.root)
        parent = table.parent_op
        table = nearest_symbol_table(parent) if parent is not None else None
    for name in ref.nested:
        if found is None or not found.has_trait(SymbolTable):
            return None
        found = lookup_symbol(found, name)
    return found
