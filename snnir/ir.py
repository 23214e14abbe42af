"""The data model: values with use lists, operations, blocks and regions.

Kept deliberately small and slotted: a parsed file of a million operations is a
million `Operation` objects, so every byte and every attribute lookup counts.
Declared operations (see `irdl.py`) subclass `Operation` and add typed accessors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Iterable, Iterator, Sequence

from snnir.attributes import Attribute, TypeAttribute
from snnir.location import UNKNOWN_LOC, Location

if TYPE_CHECKING:  # pragma: no cover
    from snnir.irdl import OpDef


class Value:
    """An SSA value: an operation result or a block argument. `uses` lists (operation, operand index)."""

    __slots__ = ("type", "uses", "name_hint")

    def __init__(self, type: TypeAttribute, name_hint: str | None = None) -> None:
        self.type = type
        self.uses: list[tuple[Operation, int]] = []
        self.name_hint = name_hint

    @property
    def owner(self) -> "Operation | Block":  # pragma: no cover - abstract
        raise NotImplementedError

    def replace_all_uses_with(self, new: "Value") -> None:
        """Point every user of this value at `new` instead."""
        if new is self:
            return
        for op, i in self.uses:
            op._operands[i] = new
            new.uses.append((op, i))
        self.uses = []

    def has_uses(self) -> bool:
        return bool(self.uses)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} %{self.name_hint or '?'} : {self.type}>"


class OpResult(Value):
    __slots__ = ("op", "index")

    def __init__(self, type: TypeAttribute, op: "Operation", index: int, name_hint: str | None = None) -> None:
        self.type = type
        self.uses = []
        self.name_hint = name_hint
        self.op = op
        self.index = index

    @property
    def owner(self) -> "Operation":
        return self.op


class BlockArgument(Value):
    __slots__ = ("block", "index", "loc")

    def __init__(self, type: TypeAttribute, block: "Block", index: int, name_hint: str | None = None,
                 loc: Location = UNKNOWN_LOC) -> None:
        self.type = type
        self.uses = []
        self.name_hint = name_hint
        self.block = block
        self.index = index
        self.loc = loc

    @property
    def owner(self) -> "Block":
        return self.block


class Operation:
    """A generic operation. Declared ops subclass it; unknown ops get a per-name subclass."""

    __slots__ = ("_operands", "results", "properties", "attributes", "regions", "loc", "parent")

    name: ClassVar[str] = "builtin.unregistered"
    definition: ClassVar["OpDef | None"] = None
    traits: ClassVar[tuple[Any, ...]] = ()
    registered: ClassVar[bool] = False

    def __init__(
        self,
        operands: Sequence[Value] = (),
        result_types: Sequence[TypeAttribute] = (),
        properties: dict[str, Attribute] | None = None,
        attributes: dict[str, Attribute] | None = None,
        regions: Sequence["Region"] = (),
        loc: Location = UNKNOWN_LOC,
        result_names: Sequence[str | None] | None = None,
    ) -> None:
        self._operands: list[Value] = list(operands)
        for i, v in enumerate(self._operands):
            v.uses.append((self, i))
        if result_names is None:
            self.results = [OpResult(t, self, i) for i, t in enumerate(result_types)]
        else:
            self.results = [OpResult(t, self, i, n) for i, (t, n) in enumerate(zip(result_types, result_names))]
        self.properties: dict[str, Attribute] = dict(properties) if properties else {}
        self.attributes: dict[str, Attribute] = dict(attributes) if attributes else {}
        self.regions: list[Region] = []
        for r in regions:
            self.add_region(r)
        self.loc = loc
        self.parent: Block | None = None

    # ---- operands and results
    @property
    def operands(self) -> tuple[Value, ...]:
        return tuple(self._operands)

    @operands.setter
    def operands(self, new: Sequence[Value]) -> None:
        self.drop_operand_uses()
        self._operands = list(new)
        for i, v in enumerate(self._operands):
            v.uses.append((self, i))

    def set_operand(self, index: int, value: Value) -> None:
        old = self._operands[index]
        old.uses.remove((self, index))
        self._operands[index] = value
        value.uses.append((self, index))

    def drop_operand_uses(self) -> None:
        for i, v in enumerate(self._operands):
            try:
                v.uses.remove((self, i))
            except ValueError:
                pass

    @property
    def result(self) -> OpResult:
        """The single result; raises when the op has zero or several."""
        if len(self.results) != 1:
            raise ValueError(f"'{self.name}' has {len(self.results)} results, not one")
        return self.results[0]

    @property
    def result_types(self) -> tuple[TypeAttribute, ...]:
        return tuple(r.type for r in self.results)

    # ---- regions and nesting
    def add_region(self, region: "Region") -> "Region":
        if region.parent is not None:
            raise ValueError("region already belongs to an operation")
        region.parent = self
        self.regions.append(region)
        return region

    @property
    def parent_op(self) -> "Operation | None":
        block = self.parent
        if block is None or block.parent is None:
            return None
        return block.parent.parent

    def walk(self, *, reverse: bool = False) -> Iterator["Operation"]:
        """This op and every op nested in it, pre-order."""
        if reverse:
            for region in reversed(self.regions):
                for block in reversed(region.blocks):
                    for op in reversed(block.ops):
                        yield from op.walk(reverse=True)
            yield self
            return
        stack = [self]
        pop, extend = stack.pop, stack.extend
        while stack:
            op = pop()
            yield op
            regions = op.regions
            if regions:
                for region in reversed(regions):
                    for block in reversed(region.blocks):
                        extend(reversed(block.ops))

    def erase(self) -> None:
        """Detach this op from its block and drop its operand uses; its results must be unused."""
        for r in self.results:
            if r.uses:
                raise ValueError(f"cannot erase '{self.name}': result #{r.index} still has uses")
        for op in self.walk():
            op.drop_operand_uses()
        if self.parent is not None:
            self.parent.ops.remove(self)
            self.parent = None

    # ---- traits
    @classmethod
    def has_trait(cls, trait: type) -> bool:
        return any(isinstance(t, trait) for t in cls.traits)

    @classmethod
    def get_trait(cls, trait: type) -> Any:
        for t in cls.traits:
            if isinstance(t, trait):
                return t
        return None

    # ---- symbols
    @property
    def sym_name(self) -> str | None:
        """The symbol name (`sym_name` property or attribute), if this op defines a symbol."""
        attr = self.properties.get("sym_name") or self.attributes.get("sym_name")
        return getattr(attr, "data", None)

    def verify(self) -> None:
        """Check this op and everything nested in it; raises `DiagnosticError` on the first failure."""
        from snnir.verifier import verify_operation

        verify_operation(self)

    def __repr__(self) -> str:
        return f"<{self.name} at {self.loc}>"

    def __str__(self) -> str:
        from snnir.printer import print_operation

        return print_operation(self)


class Block:
    """A list of operations with arguments, inside a region. `label` keeps the parsed `^name`."""

    __slots__ = ("args", "ops", "parent", "label", "symbol_cache")

    def __init__(self, arg_types: Iterable[TypeAttribute] = (), ops: Iterable[Operation] = ()) -> None:
        self.args: list[BlockArgument] = [BlockArgument(t, self, i) for i, t in enumerate(arg_types)]
        self.ops: list[Operation] = []
        self.parent: Region | None = None
        self.label: str | None = None
        # name -> symbol op, built on demand by traits.lookup_symbol and checked on every hit
        self.symbol_cache: dict[str, Operation] | None = None
        for op in ops:
            self.add_op(op)

    def add_op(self, op: Operation) -> Operation:
        if op.parent is not None:
            raise ValueError(f"'{op.name}' already belongs to a block")
        op.parent = self
        self.ops.append(op)
        return op

    def insert_op(self, index: int, op: Operation) -> Operation:
        if op.parent is not None:
            raise ValueError(f"'{op.name}' already belongs to a block")
        op.parent = self
        self.ops.insert(index, op)
        return op

    def add_arg(self, type: TypeAttribute, name_hint: str | None = None) -> BlockArgument:
        arg = BlockArgument(type, self, len(self.args), name_hint)
        self.args.append(arg)
        return arg

    @property
    def parent_op(self) -> Operation | None:
        return self.parent.parent if self.parent is not None else None

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.ops)

    def __len__(self) -> int:
        return len(self.ops)


class Region:
    """A list of blocks owned by an operation."""

    __slots__ = ("blocks", "parent")

    def __init__(self, blocks: Iterable[Block] = ()) -> None:
        self.blocks: list[Block] = []
        self.parent: Operation | None = None
        for b in blocks:
            self.add_block(b)

    def add_block(self, block: Block) -> Block:
        if block.parent is not None:
            raise ValueError("block already belongs to a region")
        block.parent = self
        self.blocks.append(block)
        return block

    @property
    def block(self) -> Block:
        """The only block (creating it for an empty region)."""
        if not self.blocks:
            self.add_block(Block())
        if len(self.blocks) != 1:
            raise ValueError(f"region has {len(self.blocks)} blocks, not one")
        return self.blocks[0]

    @property
    def ops(self) -> Iterator[Operation]:
        for b in self.blocks:
            yield from b.ops

    def walk(self) -> Iterator[Operation]:
        for b in self.blocks:
            for op in b.ops:
                yield from op.walk()


_unregistered_classes: dict[str, type[Operation]] = {}


class UnregisteredOp(Operation):
    """An operation of a dialect that is not loaded (only with `--allow-unregistered-dialect`)."""

    __slots__ = ()


def unregistered_op_class(name: str) -> type[Operation]:
    """The (cached) class that stands for an unknown op name."""
    cls = _unregistered_classes.get(name)
    if cls is None:
        cls = type(f"Unregistered[{name}]", (UnregisteredOp,), {"__slots__": (), "name": name})
        _unregistered_classes[name] = cls
    return cls
