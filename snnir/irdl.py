"""Declaring dialects, operations, attributes and types.

An op is a class: its operands, results, properties, attributes and regions are
fields declared with `operand_def`, `result_def`, `prop_def`, ... The class
statement turns them into an `OpDef`, typed accessors and a generated verifier;
`assembly_format` (see `assembly_format.py`) declares its custom syntax.

    class AddOp(IRDLOperation):
        name = "test.add"
        lhs = operand_def(IntegerType)
        rhs = operand_def(IntegerType)
        res = result_def(IntegerType)
        assembly_format = "$lhs `,` $rhs attr-dict `:` type($res)"
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Iterable, Sequence

import numpy as np

from snnir.attributes import (
    ArrayAttr,
    Attribute,
    BoolAttr,
    DenseArrayAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    TypeAttribute,
    VerifyException,
    i32,
    print_params,
)
from snnir.ir import Operation, Region, Value
from snnir.location import UNKNOWN_LOC, Location

# --------------------------------------------------------------------------- constraints


class Constraint:
    """A predicate over attributes (and types), with a readable description for messages."""

    def verify(self, attr: Attribute) -> None:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


class AnyAttr(Constraint):
    def verify(self, attr: Attribute) -> None:
        return None

    def describe(self) -> str:
        return "any attribute"


class BaseAttr(Constraint):
    """An instance of one of the given attribute or type classes."""

    def __init__(self, *classes: type) -> None:
        self.classes = classes

    def verify(self, attr: Attribute) -> None:
        if not isinstance(attr, self.classes):
            raise VerifyException(f"expected {self.describe()}, got {_describe_attr(attr)}")

    def describe(self) -> str:
        return " or ".join(_class_description(c) for c in self.classes)


class EqAttr(Constraint):
    def __init__(self, value: Attribute) -> None:
        self.value = value

    def verify(self, attr: Attribute) -> None:
        if attr != self.value:
            raise VerifyException(f"expected {self.value}, got {attr}")

    def describe(self) -> str:
        return str(self.value)


class AnyOf(Constraint):
    def __init__(self, *options: Any) -> None:
        self.options = tuple(to_constraint(o) for o in options)

    def verify(self, attr: Attribute) -> None:
        for o in self.options:
            try:
                o.verify(attr)
                return
            except VerifyException:
                pass
        raise VerifyException(f"expected {self.describe()}, got {_describe_attr(attr)}")

    def describe(self) -> str:
        return " or ".join(o.describe() for o in self.options)


class SymbolName(BaseAttr):
    """A string naming a symbol; the custom syntax prints it as `@name`."""

    def __init__(self) -> None:
        super().__init__(StringAttr)

    def describe(self) -> str:
        return "symbol name"


class Predicate(Constraint):
    """An attribute of a class that also satisfies a check, e.g. a positive integer."""

    def __init__(self, base: Any, check: Callable[[Any], bool], description: str) -> None:
        self.base = to_constraint(base)
        self.check = check
        self.description = description

    def verify(self, attr: Attribute) -> None:
        self.base.verify(attr)
        if not self.check(attr):
            raise VerifyException(f"expected {self.description}, got {attr}")

    def describe(self) -> str:
        return self.description


def to_constraint(c: Any) -> Constraint:
    if isinstance(c, Constraint):
        return c
    if isinstance(c, type):
        return BaseAttr(c)
    if isinstance(c, Attribute):
        return EqAttr(c)
    if isinstance(c, tuple):
        return AnyOf(*c)
    raise TypeError(f"not a constraint: {c!r}")


def _class_description(cls: type) -> str:
    if issubclass(cls, ParametrizedAttribute) and hasattr(cls, "name"):
        return f"{cls.sigil}{cls.name}"
    return {
        "IntegerAttr": "integer attribute",
        "FloatAttr": "float attribute",
        "StringAttr": "string attribute",
        "BoolAttr": "bool attribute",
        "ArrayAttr": "array attribute",
        "DictionaryAttr": "dictionary attribute",
        "SymbolRefAttr": "symbol reference",
        "TypeAttr": "type attribute",
        "UnitAttr": "unit attribute",
        "DenseArrayAttr": "dense array",
        "DenseElementsAttr": "dense elements",
        "DenseResourceAttr": "dense resource",
        "IntegerType": "integer type",
        "FloatType": "float type",
        "TensorType": "tensor type",
        "TypeAttribute": "type",
        "Attribute": "attribute",
    }.get(cls.__name__, cls.__name__)


def _describe_attr(attr: Attribute) -> str:
    return f"{attr}"


# ------------------------------------------------------------------------- field defs

SINGLE, OPTIONAL, VARIADIC = "single", "optional", "variadic"


@dataclass
class OperandDef:
    constraint: Constraint
    kind: str = SINGLE
    name: str = ""


@dataclass
class ResultDef:
    constraint: Constraint
    kind: str = SINGLE
    name: str = ""


@dataclass
class AttrDef:
    constraint: Constraint
    optional: bool = False
    default: Attribute | None = None
    is_property: bool = True
    name: str = ""


@dataclass
class RegionDef:
    kind: str = SINGLE
    single_block: bool = False
    name: str = ""


def operand_def(constraint: Any = TypeAttribute) -> OperandDef:
    return OperandDef(to_constraint(constraint))


def opt_operand_def(constraint: Any = TypeAttribute) -> OperandDef:
    return OperandDef(to_constraint(constraint), OPTIONAL)


def var_operand_def(constraint: Any = TypeAttribute) -> OperandDef:
    return OperandDef(to_constraint(constraint), VARIADIC)


def result_def(constraint: Any = TypeAttribute) -> ResultDef:
    return ResultDef(to_constraint(constraint))


def opt_result_def(constraint: Any = TypeAttribute) -> ResultDef:
    return ResultDef(to_constraint(constraint), OPTIONAL)


def var_result_def(constraint: Any = TypeAttribute) -> ResultDef:
    return ResultDef(to_constraint(constraint), VARIADIC)


def prop_def(constraint: Any = Attribute, *, default: Attribute | None = None) -> AttrDef:
    """A property: inherent to the op, printed in `<{...}>` in the generic form."""
    return AttrDef(to_constraint(constraint), default is not None, default, True)


def opt_prop_def(constraint: Any = Attribute) -> AttrDef:
    return AttrDef(to_constraint(constraint), True, None, True)


def attr_def(constraint: Any = Attribute, *, default: Attribute | None = None) -> AttrDef:
    """A declared entry of the op's (discardable) attribute dictionary."""
    return AttrDef(to_constraint(constraint), default is not None, default, False)


def opt_attr_def(constraint: Any = Attribute) -> AttrDef:
    return AttrDef(to_constraint(constraint), True, None, False)


def region_def(*, single_block: bool = False) -> RegionDef:
    return RegionDef(SINGLE, single_block)


def var_region_def(*, single_block: bool = False) -> RegionDef:
    return RegionDef(VARIADIC, single_block)


OPERAND_SEGMENTS = "operandSegmentSizes"
RESULT_SEGMENTS = "resultSegmentSizes"


@dataclass
class OpDef:
    """Everything declared about an op class; drives verification, accessors and syntax."""

    name: str
    operands: list[OperandDef] = field(default_factory=list)
    results: list[ResultDef] = field(default_factory=list)
    properties: dict[str, AttrDef] = field(default_factory=dict)
    attributes: dict[str, AttrDef] = field(default_factory=dict)
    regions: list[RegionDef] = field(default_factory=list)
    summary: str = ""

    def operands_by_name(self) -> dict[str, OperandDef]:
        return {d.name: d for d in self.operands}

    def _segments(self, defs: Sequence[OperandDef | ResultDef], count: int, op: Operation,
                  seg_name: str, what: str) -> list[tuple[int, int]]:
        """(start, length) of each declared operand/result group in the flat list."""
        n_var = sum(d.kind != SINGLE for d in defs)
        if n_var == 0:
            if count != len(defs):
                raise VerifyException(f"expected {len(defs)} {what}{'s' if len(defs) != 1 else ''}, got {count}")
            return [(i, 1) for i in range(len(defs))]
        if n_var == 1:
            fixed = len(defs) - 1
            if count < fixed:
                raise VerifyException(f"expected at least {fixed} {what}s, got {count}")
            var_len = count - fixed
            out, pos = [], 0
            for d in defs:
                ln = var_len if d.kind != SINGLE else 1
                if d.kind == OPTIONAL and ln > 1:
                    raise VerifyException(f"optional {what} '{d.name}' has {ln} values")
                out.append((pos, ln))
                pos += ln
            return out
        seg = op.properties.get(seg_name)
        if not isinstance(seg, DenseArrayAttr) or len(seg.data) != len(defs):
            raise VerifyException(f"expected a '{seg_name}' property of {len(defs)} sizes")
        sizes = [int(x) for x in seg.data]
        if sum(sizes) != count:
            raise VerifyException(f"'{seg_name}' adds up to {sum(sizes)} but the op has {count} {what}s")
        out, pos = [], 0
        for d, ln in zip(defs, sizes):
            if d.kind == SINGLE and ln != 1 or d.kind == OPTIONAL and ln > 1 or ln < 0:
                raise VerifyException(f"{what} group '{d.name}' cannot have {ln} values")
            out.append((pos, ln))
            pos += ln
        return out

    def operand_segments(self, op: Operation) -> list[tuple[int, int]]:
        return self._segments(self.operands, len(op._operands), op, OPERAND_SEGMENTS, "operand")

    def result_segments(self, op: Operation) -> list[tuple[int, int]]:
        return self._segments(self.results, len(op.results), op, RESULT_SEGMENTS, "result")

    def verify(self, op: Operation) -> None:
        for defs, segs, values, what in (
            (self.operands, self.operand_segments(op), op._operands, "operand"),
            (self.results, self.result_segments(op), op.results, "result"),
        ):
            for d, (start, ln) in zip(defs, segs):
                for i in range(start, start + ln):
                    try:
                        d.constraint.verify(values[i].type)
                    except VerifyException as e:
                        raise VerifyException(f"{what} #{i} ('{d.name}'): {e}") from None
        segment_props = {OPERAND_SEGMENTS, RESULT_SEGMENTS}
        for dicts, defs, what in ((op.properties, self.properties, "property"),
                                  (op.attributes, self.attributes, "attribute")):
            for name, d in defs.items():
                value = dicts.get(name)
                if value is None:
                    if not d.optional:
                        raise VerifyException(f"requires {what} '{name}'")
                    continue
                try:
                    d.constraint.verify(value)
                except VerifyException as e:
                    raise VerifyException(f"{what} '{name}': {e}") from None
        for name in op.properties:
            if name not in self.properties and name not in segment_props:
                raise VerifyException(f"unknown property '{name}'")
        n_var = sum(r.kind != SINGLE for r in self.regions)
        fixed = len(self.regions) - n_var
        if (n_var == 0 and len(op.regions) != fixed) or len(op.regions) < fixed:
            raise VerifyException(f"expected {fixed}{' or more' if n_var else ''} region"
                                  f"{'s' if fixed != 1 else ''}, got {len(op.regions)}")
        for i, (region, d) in enumerate(zip(op.regions, self._region_defs_for(len(op.regions)))):
            if d.single_block and len(region.blocks) > 1:
                raise VerifyException(f"region #{i} ('{d.name}') must have at most one block")

    def _region_defs_for(self, count: int) -> list[RegionDef]:
        out: list[RegionDef] = []
        extra = count - (len(self.regions) - sum(r.kind != SINGLE for r in self.regions))
        for d in self.regions:
            out.extend([d] * (extra if d.kind != SINGLE else 1))
        return out


# ------------------------------------------------------------------------- accessors


class _OperandAccessor:
    __slots__ = ("index", "kind", "fixed")

    def __init__(self, index: int, kind: str, fixed: bool) -> None:
        self.index, self.kind, self.fixed = index, kind, fixed

    def __get__(self, op: Any, owner: Any = None) -> Any:
        if op is None:
            return self
        if self.fixed:
            return op._operands[self.index]
        start, ln = op.definition.operand_segments(op)[self.index]
        vals = op._operands[start : start + ln]
        if self.kind == SINGLE:
            return vals[0]
        if self.kind == OPTIONAL:
            return vals[0] if vals else None
        return tuple(vals)


class _ResultAccessor(_OperandAccessor):
    __slots__ = ()

    def __get__(self, op: Any, owner: Any = None) -> Any:
        if op is None:
            return self
        if self.fixed:
            return op.results[self.index]
        start, ln = op.definition.result_segments(op)[self.index]
        vals = op.results[start : start + ln]
        if self.kind == SINGLE:
            return vals[0]
        if self.kind == OPTIONAL:
            return vals[0] if vals else None
        return tuple(vals)


class _AttrAccessor:
    __slots__ = ("name", "is_property", "default")

    def __init__(self, name: str, is_property: bool, default: Attribute | None) -> None:
        self.name, self.is_property, self.default = name, is_property, default

    def __get__(self, op: Any, owner: Any = None) -> Any:
        if op is None:
            return self
        d = op.properties if self.is_property else op.attributes
        return d.get(self.name, self.default)

    def __set__(self, op: Any, value: Attribute | None) -> None:
        d = op.properties if self.is_property else op.attributes
        if value is None:
            d.pop(self.name, None)
        else:
            d[self.name] = value


class _RegionAccessor:
    __slots__ = ("index", "kind")

    def __init__(self, index: int, kind: str) -> None:
        self.index, self.kind = index, kind

    def __get__(self, op: Any, owner: Any = None) -> Any:
        if op is None:
            return self
        if self.kind == VARIADIC:
            return tuple(op.regions[self.index :])
        return op.regions[self.index]


# ------------------------------------------------------------------- declared operations


class IRDLOperation(Operation):
    """Base class of declared ops: fields become an `OpDef`, accessors and a verifier."""

    __slots__ = ()
    assembly_format: ClassVar[str | None] = None
    custom_format: ClassVar[Any] = None  # the compiled assembly format, or None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            # An abstract base: the fields and methods it declares are shared by the ops deriving from it.
            return
        opdef = OpDef(cls.name, summary=(cls.__doc__ or "").strip().split("\n")[0])
        # Fields of abstract bases (op classes without a name) come first, then the class's own;
        # a declared op is never a base of another, so every field has one owner.
        owners = [b for b in reversed(cls.__mro__[1:])
                  if issubclass(b, IRDLOperation) and b is not IRDLOperation and "name" not in b.__dict__]
        fields: dict[str, Any] = {}
        for owner in [*owners, cls]:
            for attr_name, value in owner.__dict__.items():
                if isinstance(value, (OperandDef, ResultDef, AttrDef, RegionDef)):
                    fields.pop(attr_name, None)  # a redeclared field takes the subclass's place
                    fields[attr_name] = value
        for attr_name, value in fields.items():
            value.name = attr_name
            if isinstance(value, OperandDef):
                opdef.operands.append(value)
            elif isinstance(value, ResultDef):
                opdef.results.append(value)
            elif isinstance(value, AttrDef):
                (opdef.properties if value.is_property else opdef.attributes)[attr_name] = value
            else:
                opdef.regions.append(value)
        for group, what in ((opdef.operands, "operand"), (opdef.results, "result"), (opdef.regions, "region")):
            if what == "region" and sum(d.kind == VARIADIC for d in group) > 1:
                raise TypeError(f"{cls.name}: at most one variadic region group")
            if what == "region" and any(d.kind == VARIADIC for d in group[:-1]):
                raise TypeError(f"{cls.name}: the variadic region group must come last")
        n_var_ops = sum(d.kind != SINGLE for d in opdef.operands)
        n_var_res = sum(d.kind != SINGLE for d in opdef.results)
        for i, d in enumerate(opdef.operands):
            setattr(cls, d.name, _OperandAccessor(i, d.kind, n_var_ops == 0))
        for i, d in enumerate(opdef.results):
            setattr(cls, d.name, _ResultAccessor(i, d.kind, n_var_res == 0))
        for name, d in {**opdef.properties, **opdef.attributes}.items():
            if name == "sym_name":  # keep Operation.sym_name: the plain string symbol tables and passes compare
                delattr(cls, name)
                continue
            setattr(cls, name, _AttrAccessor(name, d.is_property, d.default))
        for i, d in enumerate(opdef.regions):
            setattr(cls, d.name, _RegionAccessor(i, d.kind))
        cls.definition = opdef
        cls.registered = True
        if cls.__dict__.get("assembly_format"):
            from snnir.assembly_format import compile_format

            cls.custom_format = compile_format(cls, cls.assembly_format)  # type: ignore[arg-type]

    @classmethod
    def build(
        cls,
        *,
        result_types: Sequence[Any] = (),
        loc: Location = UNKNOWN_LOC,
        attributes: dict[str, Attribute] | None = None,
        **fields: Any,
    ) -> "IRDLOperation":
        """Create the op from its declared field names: operands, properties, attributes, regions.

        Operand groups take a Value (or a sequence for variadic ones, None for an absent
        optional one); attribute fields take an Attribute or a plain Python value
        (int, float, str, bool); regions take a Region. `result_types` lists the result
        types in declaration order (a sequence per variadic group).
        """
        opdef = cls.definition
        assert opdef is not None
        operands: list[Value] = []
        op_sizes: list[int] = []
        for d in opdef.operands:
            v = fields.pop(d.name, None)
            vals = [] if v is None else list(v) if d.kind == VARIADIC else [v]
            if d.kind == SINGLE and not vals:
                raise TypeError(f"{cls.name}.build: operand '{d.name}' is required")
            operands.extend(vals)
            op_sizes.append(len(vals))
        types: list[TypeAttribute] = []
        res_sizes: list[int] = []
        if len(result_types) != len(opdef.results):
            raise TypeError(f"{cls.name}.build: expected {len(opdef.results)} result type groups")
        for d, t in zip(opdef.results, result_types):
            group = [] if t is None else list(t) if d.kind == VARIADIC else [t]
            types.extend(group)
            res_sizes.append(len(group))
        props: dict[str, Attribute] = {}
        attrs: dict[str, Attribute] = dict(attributes or {})
        for name, d in {**opdef.properties, **opdef.attributes}.items():
            if name in fields:
                v = fields.pop(name)
                if v is None:
                    continue
                (props if d.is_property else attrs)[name] = to_attr(v)
        if sum(d.kind != SINGLE for d in opdef.operands) > 1:
            props[OPERAND_SEGMENTS] = DenseArrayAttr(i32, op_sizes)
        if sum(d.kind != SINGLE for d in opdef.results) > 1:
            props[RESULT_SEGMENTS] = DenseArrayAttr(i32, res_sizes)
        regions: list[Region] = []
        for d in opdef.regions:
            r = fields.pop(d.name, None)
            if d.kind == VARIADIC:
                regions.extend(r or ())
            else:
                regions.append(r if r is not None else Region())
        if fields:
            raise TypeError(f"{cls.name}.build: unknown fields {sorted(fields)}")
        return cls(operands, types, props, attrs, regions, loc)

    def verify_(self) -> None:
        """Op-specific invariants beyond the declaration; override and raise VerifyException."""
        return None


def to_attr(value: Any) -> Attribute:
    """Plain Python values as builtin attributes (bool, int, float, str, lists of those)."""
    if isinstance(value, Attribute):
        return value
    if isinstance(value, (bool, np.bool_)):
        return BoolAttr(bool(value))
    if isinstance(value, (int, np.integer)):
        return IntegerAttr(int(value))
    if isinstance(value, (float, np.floating)):
        return FloatAttr(float(value))
    if isinstance(value, str):
        return StringAttr(value)
    if isinstance(value, (list, tuple)):
        return ArrayAttr(to_attr(v) for v in value)
    raise TypeError(f"cannot make an attribute of {value!r}")


# ---------------------------------------------------------- declared attributes and types


@dataclass
class ParamDef:
    constraint: Constraint
    default: Attribute | None = None
    coerce: Callable[[Any], Attribute] | None = None
    name: str = ""


def param_def(constraint: Any = Attribute, *, default: Any = None,
              coerce: Callable[[Any], Attribute] | None = None) -> ParamDef:
    """A parameter of a dialect attribute or type; `coerce` turns parsed or Python values into it."""
    return ParamDef(to_constraint(constraint), to_attr(default) if default is not None else None, coerce)


class ParametrizedAttribute(Attribute):
    """A dialect attribute `#dialect.name<k = v, ...>` (or `<v, ...>` when `positional`)."""

    __slots__ = ("parameters",)
    sigil: ClassVar[str] = "#"
    positional: ClassVar[bool] = False
    param_defs: ClassVar[tuple[ParamDef, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        defs = []
        for attr_name, value in list(cls.__dict__.items()):
            if isinstance(value, ParamDef):
                value.name = attr_name
                defs.append(value)
                delattr(cls, attr_name)
        if defs:
            cls.param_defs = tuple(defs)
            for i, d in enumerate(defs):
                setattr(cls, d.name, property(lambda self, i=i: self.parameters[i]))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        defs = self.param_defs
        if len(args) > len(defs):
            raise VerifyException(f"{self.sigil}{self.name} takes {len(defs)} parameters, got {len(args)}")
        values: list[Attribute | None] = list(args) + [None] * (len(defs) - len(args))
        for k, v in kwargs.items():
            idx = next((i for i, d in enumerate(defs) if d.name == k), None)
            if idx is None:
                raise VerifyException(f"{self.sigil}{self.name} has no parameter '{k}'")
            if values[idx] is not None:
                raise VerifyException(f"{self.sigil}{self.name}: parameter '{k}' given twice")
            values[idx] = v
        params: list[Attribute] = []
        for d, v in zip(defs, values):
            if v is None:
                if d.default is None:
                    raise VerifyException(f"{self.sigil}{self.name} needs parameter '{d.name}'")
                v = d.default
            try:
                v = d.coerce(v) if d.coerce is not None else to_attr(v)
                d.constraint.verify(v)
            except VerifyException as e:
                raise VerifyException(f"{self.sigil}{self.name} parameter '{d.name}': {e}") from None
            params.append(v)
        self.parameters = tuple(params)
        self.verify_()

    def verify_(self) -> None:
        """Invariants across parameters; override and raise VerifyException."""
        return None

    @classmethod
    def from_parsed(cls, params: Sequence[tuple[str | None, Attribute]] | None) -> "ParametrizedAttribute":
        params = params or ()
        positional = [v for k, v in params if k is None]
        keyword: dict[str, Attribute] = {}
        for k, v in params:
            if k is not None:
                if k in keyword:
                    raise VerifyException(f"{cls.sigil}{cls.name}: parameter '{k}' given twice")
                keyword[k] = v
        if positional and keyword:
            raise VerifyException(f"{cls.sigil}{cls.name}: mix of positional and keyword parameters")
        return cls(*positional, **keyword)

    def print_to(self, p: Any) -> str:
        if not self.param_defs:
            return self.sigil + self.name
        if self.positional:
            items: tuple[tuple[str | None, Attribute], ...] = tuple((None, v) for v in self.parameters)
        else:
            items = tuple((d.name, v) for d, v in zip(self.param_defs, self.parameters)
                          if d.default is None or v != d.default)
        return self.sigil + self.name + (print_params(items, p) if items else "")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.parameters == self.parameters  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self.parameters))


class ParametrizedType(ParametrizedAttribute, TypeAttribute):
    """A dialect type `!dialect.name<...>`."""

    __slots__ = ()
    sigil = "!"


# ------------------------------------------------------------------------------ dialects


class Dialect:
    """A named set of ops, attributes and types; `name` is the prefix of everything in it."""

    def __init__(self, name: str, ops: Iterable[type[IRDLOperation]] = (),
                 attributes: Iterable[type[ParametrizedAttribute]] = (), description: str = "") -> None:
        self.name = name
        self.description = description
        self.ops: dict[str, type[Operation]] = {}
        self.attributes: dict[str, type[ParametrizedAttribute]] = {}
        for op in ops:
            self._check_prefix(op.name)
            self.ops[op.name] = op
        for a in attributes:
            self._check_prefix(a.name)
            self.attributes[a.name] = a

    def _check_prefix(self, full: str) -> None:
        if not full.startswith(self.name + "."):
            raise TypeError(f"'{full}' does not belong to dialect '{self.name}'")

    def __repr__(self) -> str:
        return f"Dialect({self.name!r}, {len(self.ops)} ops, {len(self.attributes)} attributes)"
