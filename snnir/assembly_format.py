"""Declarative custom assembly formats, as in MLIR's ODS and xDSL's `assembly_format`.

A format string is compiled once per op class into directives that both print the op
and parse it back from the pieces the grammar collected for it:

    `literal`                 a keyword or punctuation: `->`, `(`, `,`, `dense`, ...
    $name                     an operand group, attribute/property, or region (by field name)
    type($x) / type(operands) / type(results)
    functional-type(operands, results)
    attr-dict                 every attribute and property not printed elsewhere
    attr-dict-with-keyword    the same, after the keyword `attributes`
    ( ... )?                  an optional group, printed when its anchor (`^`, else its first
                              variable) is present; a unit-attribute anchor prints nothing itself
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

from snnir.attributes import (
    ArrayAttr,
    Attribute,
    BoolAttr,
    DenseResourceAttr,
    DenseArrayAttr,
    DictionaryAttr,
    FloatAttr,
    FunctionType,
    IntegerAttr,
    IntegerType,
    FloatType,
    StringAttr,
    SymbolRefAttr,
    TypeAttr,
    TypeAttribute,
    UnitAttr,
    VerifyException,
    i32,
    f64,
    print_attr_entries,
)
from snnir.ir import Operation, Region, Value

if TYPE_CHECKING:  # pragma: no cover
    from snnir.irdl import IRDLOperation, OpDef
    from snnir.printer import Printer


class FormatError(TypeError):
    """The assembly format string of an op class is malformed or incomplete."""


# ---------------------------------------------------------------------- piece cursor


class Cursor:
    """Reads the pieces of one custom op from left to right."""

    def __init__(self, pieces: Sequence[Any]) -> None:
        self.pieces = pieces
        self.i = 0

    def peek(self, k: int = 0) -> Any:
        j = self.i + k
        return self.pieces[j] if j < len(self.pieces) else None

    def next(self) -> Any:
        x = self.peek()
        if x is None:
            raise VerifyException("unexpected end of op")
        self.i += 1
        return x

    def at(self, text: str) -> bool:
        from snnir.parser import Keyword, Punct

        x = self.peek()
        return isinstance(x, (Punct, Keyword)) and str(x) == text

    def expect(self, text: str) -> None:
        if not self.at(text):
            raise VerifyException(f"expected '{text}', got {describe_piece(self.peek())}")
        self.i += 1

    def done(self) -> bool:
        return self.i >= len(self.pieces)

    def at_type(self) -> bool:
        x = self.peek()
        return isinstance(x, TypeAttribute) or self.at("(")

    def parse_type(self) -> TypeAttribute:
        x = self.peek()
        if isinstance(x, TypeAttribute):
            self.i += 1
            return x
        if self.at("("):
            return self.parse_function_type()
        raise VerifyException(f"expected a type, got {describe_piece(x)}")

    def parse_type_list(self) -> list[TypeAttribute]:
        types: list[TypeAttribute] = []
        if not self.at_type():
            return types
        types.append(self.parse_type())
        while self.at(",") and self._type_after_comma():
            self.i += 1
            types.append(self.parse_type())
        return types

    def _type_after_comma(self) -> bool:
        nxt = self.peek(1)
        from snnir.parser import Punct

        return isinstance(nxt, TypeAttribute) or (isinstance(nxt, Punct) and nxt == "(")

    def parse_function_type(self) -> FunctionType:
        self.expect("(")
        inputs = [] if self.at(")") else self._comma_types()
        self.expect(")")
        self.expect("->")
        if self.at("("):
            save = self.i
            self.i += 1
            outs = [] if self.at(")") else self._comma_types()
            self.expect(")")
            if self.at("->"):  # it was a function type as the single result
                self.i = save
                outs = [self.parse_function_type()]
            return FunctionType(inputs, outs)
        return FunctionType(inputs, [self.parse_type()])

    def _comma_types(self) -> list[TypeAttribute]:
        out = [self.parse_type()]
        while self.at(","):
            self.i += 1
            out.append(self.parse_type())
        return out

    def _type_suffix(self, before_colon: bool = False) -> TypeAttribute | None:
        """`: type` after a literal. When the format itself continues with `:`, the suffix is
        taken only if another `:` follows it (`5 : i8 : i32`), so `5 : i32` leaves `: i32` to the format."""
        if self.at(":"):
            nxt = self.peek(1)
            from snnir.parser import Punct

            if isinstance(nxt, TypeAttribute) or (isinstance(nxt, Punct) and nxt == "("):
                save = self.i
                self.i += 1
                t = self.parse_type()
                if before_colon and not self._colon_ahead():
                    self.i = save
                    return None
                return t
        return None

    def _colon_ahead(self) -> bool:
        """Is the next piece `:`, possibly after an attribute dictionary?"""
        from snnir.parser import EMPTY_BRACE, AttrDictLit

        if self.at(":"):
            return True
        x = self.peek(0)
        if isinstance(x, AttrDictLit) or x is EMPTY_BRACE:
            nxt = self.peek(1)
            return isinstance(nxt, str) and nxt == ":" and type(nxt).__name__ == "Punct"
        return False

    def parse_attribute(self, before_colon: bool = False) -> Attribute:
        from snnir.parser import (EMPTY_BRACE, AttrDictLit, DenseLit, FloatLit, HexLit, IntLit, Punct,
                                  ResourceLit, dense_from_payload, resolve_float_hex)

        x = self.peek()
        if isinstance(x, IntLit):
            self.i += 1
            t = self._type_suffix(before_colon)
            if t is None:
                return IntegerAttr(int(x))
            if isinstance(t, FloatType):
                return FloatAttr(float(x), t)
            if t == IntegerType(1) and int(x) in (0, 1):  # signless only: `1 : si1` keeps its type
                return BoolAttr(bool(int(x)))
            return IntegerAttr(int(x), t)
        if isinstance(x, FloatLit):
            self.i += 1
            t = self._type_suffix(before_colon)
            return FloatAttr(float(x), t if t is not None else f64)
        if isinstance(x, (HexLit, DenseLit, ResourceLit)):
            self.i += 1
            t = self._type_suffix()
            if t is None:
                raise VerifyException(f"{describe_piece(x)} needs ': type' after it")
            if isinstance(x, HexLit):
                if isinstance(t, IntegerType):
                    return IntegerAttr(int(x, 16), t)
                return FloatAttr(resolve_float_hex(x, t), t)
            if isinstance(x, DenseLit):
                return dense_from_payload(x.payload, t)
            return DenseResourceAttr(x.handle, t)  # type: ignore[arg-type]
        if isinstance(x, Punct) and x == "[":
            self.i += 1
            items: list[Attribute] = []
            if not self.at("]"):
                items.append(self.parse_attribute())
                while self.at(","):
                    self.i += 1
                    items.append(self.parse_attribute())
            self.expect("]")
            return ArrayAttr(items)
        if isinstance(x, Punct) and x == "(":
            return TypeAttr(self.parse_function_type())
        if isinstance(x, AttrDictLit):
            self.i += 1
            return DictionaryAttr(x)
        if x is EMPTY_BRACE:
            self.i += 1
            return DictionaryAttr({})
        if isinstance(x, TypeAttribute):
            self.i += 1
            return TypeAttr(x)
        if isinstance(x, Attribute):
            self.i += 1
            return x
        raise VerifyException(f"expected an attribute, got {describe_piece(x)}")


def describe_piece(x: Any) -> str:
    from snnir.parser import EMPTY_BRACE, AttrDictLit, Keyword, Punct

    if x is None:
        return "end of op"
    if isinstance(x, (Punct, Keyword)):
        return f"'{x}'"
    if isinstance(x, Value):
        return f"value '%{x.name_hint or '?'}'"
    if isinstance(x, Region):
        return "a region"
    if isinstance(x, AttrDictLit) or x is EMPTY_BRACE:
        return "an attribute dictionary"
    if isinstance(x, (int, float)):
        return f"'{x}'"
    return f"'{x}'"


# ------------------------------------------------------------------------ directives


@dataclass
class ParseState:
    operands: dict[str, list[Value]] = field(default_factory=dict)
    operand_types: dict[str, list[TypeAttribute]] = field(default_factory=dict)
    result_types: dict[str, list[TypeAttribute]] = field(default_factory=dict)
    properties: dict[str, Attribute] = field(default_factory=dict)
    attributes: dict[str, Attribute] = field(default_factory=dict)
    regions: dict[str, list[Region]] = field(default_factory=dict)


class Directive:
    def print(self, op: Operation, p: "Printer", out: list[str], fmt: "CompiledFormat") -> None:
        raise NotImplementedError

    def parse(self, cur: Cursor, st: ParseState, fmt: "CompiledFormat") -> None:
        raise NotImplementedError

    def present(self, op: Operation, fmt: "CompiledFormat") -> bool:
        """For optional-group anchors: is there anything to print?"""
        return True

    def can_start(self, cur: Cursor) -> bool:
        """For optional-group anchors when parsing: does the next piece begin this directive?"""
        return True


_PUNCT_LITERALS = {"(", ")", "[", "]", ",", ":", "=", "->", "*", "?", "+"}
_KEYWORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*\Z")


@dataclass
class Literal(Directive):
    text: str

    def print(self, op: Operation, p: "Printer", out: list[str], fmt: "CompiledFormat") -> None:
        out.append(_Lit(self.text))

    def parse(self, cur: Cursor, st: ParseState, fmt: "CompiledFormat") -> None:
        cur.expect(self.text)

    def can_start(self, cur: Cursor) -> bool:
        return cur.at(self.text)


@dataclass
class OperandVar(Directive):
    name: str
    kind: str

    def values(self, op: Operation, fmt: "CompiledFormat") -> list[Value]:
        idx = fmt.operand_index[self.name]
        start, ln = fmt.opdef.operand_segments(op)[idx]
        return op._operands[start : start + ln]

    def print(self, op: Operation, p: "Printer", out: list[str], fmt: "CompiledFormat") -> None:
        vals = self.values(op, fmt)
        for j, v in enumerate(vals):
            if j:
                out.append(",")
            out.append(p.value_name(v))

    def parse(self, cur: Cursor, st: ParseState, fmt: "CompiledFormat") -> None:
        vals: list[Value] = []
        if self.kind == "single":
            x = cur.next()
            if not isinstance(x, Value):
                raise VerifyException(f"expected an SSA value for operand '{self.name}', got {describe_piece(x)}")
            vals.append(x)
        elif isinstance(cur.peek(), Value):
            vals.append(cur.next())
            while self.kind == "variadic" and cur.at(",") and isinstance(cur.peek(1), Value):
                cur.i += 1
                vals.append(cur.next())
        st.operands[self.name] = vals

    def present(self, op: Operation, fmt: "CompiledFormat") -> bool:
        return bool(self.values(op, fmt))

    def can_start(self, cur: Cursor) -> bool:
        return isinstance(cur.peek(), Value)


@dataclass
class AttrVar(Directive):
    name: str
    is_property: bool
    symbol: bool  # print a string as @name
    unit: bool  # a unit attribute: its presence is the group's presence
    followed_by_colon: bool = False

    def get(self, op: Operation) -> Attribute | None:
        return (op.properties if self.is_property else op.attributes).get(self.name)

    def print(self, op: Operation, p: "Printer", out: list[str], fmt: "CompiledFormat") -> None:
        attr = self.get(op)
        if attr is None or self.unit:
            return
        if self.symbol and isinstance(attr, StringAttr):
            out.append(SymbolRefAttr(attr.data).print_to(p))
            return
        out.append(attr.print_to(p))

    def parse(self, cur: Cursor, st: ParseState, fmt: "CompiledFormat") -> None:
        target = st.properties if self.is_property else st.attributes
        if self.unit:
            target[self.name] = UnitAttr()
            return
        if self.symbol:
            x = cur.next()
            if not isinstance(x, SymbolRefAttr) or x.nested:
                raise VerifyException(f"expected a symbol name '@name' for '{self.name}', got {describe_piece(x)}")
            target[self.name] = StringAttr(x.root)
            return
        target[self.name] = cur.parse_attribute(self.followed_by_colon)

    def present(self, op: Operation, fmt: "CompiledFormat") -> bool:
        return self.get(op) is not None

    def can_start(self, cur: Cursor) -> bool:
        from snnir.parser import Keyword, Punct

        x = cur.peek()
        if self.symbol:
            return isinstance(x, SymbolRefAttr)
        if x is None or isinstance(x, (Value, Region, Keyword)):
            return False
        if isinstance(x, Punct):
            return x in ("[", "(")
        return True


@dataclass
class RegionVar(Directive):
    name: str
    kind: str

    def print(self, op: Operation, p: "Printer", out: list[str], fmt: "CompiledFormat") -> None:
        for r in self.regions(op, fmt):
            out.append(p.region_text(r))

    def regions(self, op: Operation, fmt: "CompiledFormat") -> list[Region]:
        idx = fmt.region_index[self.name]
        if self.kind == "variadic":
            return op.regions[idx:]
        return op.regions[idx : idx + 1]

    def parse(self, cur: Cursor, st: ParseState, fmt: "CompiledFormat") -> None:
        from snnir.parser import EMPTY_BRACE

        found: list[Region] = []
        while True:
            x = cur.peek()
            if isinstance(x, Region):
                found.append(x)
            elif x is EMPTY_BRACE:
                found.append(Region())
            else:
                break
            cur.i += 1
            if self.kind != "variadic":
                break
        if self.kind != "variadic" and not found:
            raise VerifyException(f"expected region '{self.name}', got {describe_piece(cur.peek())}")
        st.regions[self.name] = found

    def present(self, op: Operation, fmt: "CompiledFormat") -> bool:
        return any(r.blocks for r in self.regions(op, fmt))

    def can_start(self, cur: Cursor) -> bool:
        from snnir.parser import EMPTY_BRACE

        return isinstance(cur.peek(), Region) or cur.peek() is EMPTY_BRACE


@dataclass
class TypeOf(Directive):
    """type($x), type(operands) or type(results): a comma-separated list of types."""

    target: str  # "$name", "operands" or "results"

    def print(self, op: Operation, p: "Printer", out: list[str], fmt: "CompiledFormat") -> None:
        for j, t in enumerate(fmt.types_of(op, self.target)):
            if j:
                out.append(",")
            out.append(t.print_to(p))

    def parse(self, cur: Cursor, st: ParseState, fmt: "CompiledFormat") -> None:
        fmt.store_types(st, self.target, cur.parse_type_list())

    def present(self, op: Operation, fmt: "CompiledFormat") -> bool:
        return bool(fmt.types_of(op, self.target))

    def can_start(self, cur: Cursor) -> bool:
        return cur.at_type()


@dataclass
class FunctionalType(Directive):
    inputs: str
    outputs: str

    def print(self, op: Operation, p: "Printer", out: list[str], fmt: "CompiledFormat") -> None:
        out.append(FunctionType(fmt.types_of(op, self.inputs), fmt.types_of(op, self.outputs)).print_to(p))

    def parse(self, cur: Cursor, st: ParseState, fmt: "CompiledFormat") -> None:
        fn = cur.parse_function_type()
        fmt.store_types(st, self.inputs, list(fn.inputs))
        fmt.store_types(st, self.outputs, list(fn.outputs))

    def can_start(self, cur: Cursor) -> bool:
        return cur.at("(")


@dataclass
class AttrDict(Directive):
    with_keyword: bool

    def print(self, op: Operation, p: "Printer", out: list[str], fmt: "CompiledFormat") -> None:
        entries = fmt.leftover_attributes(op)
        if not entries:
            return
        if self.with_keyword:
            out.append("attributes")
        out.append(print_attr_entries(entries, p))

    def parse(self, cur: Cursor, st: ParseState, fmt: "CompiledFormat") -> None:
        from snnir.parser import EMPTY_BRACE, AttrDictLit

        if self.with_keyword:
            if not cur.at("attributes"):
                return
            cur.i += 1
        x = cur.peek()
        if x is EMPTY_BRACE:
            cur.i += 1
            return
        if not isinstance(x, AttrDictLit):
            if self.with_keyword:
                raise VerifyException(f"expected an attribute dictionary after 'attributes', got {describe_piece(x)}")
            return
        cur.i += 1
        for k, v in x.items():
            # a property the format prints elsewhere is not looked for here: same name, discardable attribute
            if (k in fmt.opdef.properties and k not in fmt.printed_props) or k in fmt.segment_names:
                st.properties[k] = v
            else:
                st.attributes[k] = v

    def present(self, op: Operation, fmt: "CompiledFormat") -> bool:
        return bool(fmt.leftover_attributes(op))

    def can_start(self, cur: Cursor) -> bool:
        from snnir.parser import AttrDictLit

        return cur.at("attributes") if self.with_keyword else isinstance(cur.peek(), AttrDictLit)


@dataclass
class OptionalGroup(Directive):
    elements: list[Directive]
    anchor: Directive

    def print(self, op: Operation, p: "Printer", out: list[str], fmt: "CompiledFormat") -> None:
        if self.anchor.present(op, fmt):
            for d in self.elements:
                d.print(op, p, out, fmt)

    def parse(self, cur: Cursor, st: ParseState, fmt: "CompiledFormat") -> None:
        if self.elements[0].can_start(cur):
            for d in self.elements:
                d.parse(cur, st, fmt)

    def can_start(self, cur: Cursor) -> bool:
        return self.elements[0].can_start(cur)

    def present(self, op: Operation, fmt: "CompiledFormat") -> bool:
        return self.anchor.present(op, fmt)


# --------------------------------------------------------------------------- compiled


class CompiledFormat:
    """The directives of one op class, with the lookups they share."""

    def __init__(self, op_cls: type["IRDLOperation"], directives: list[Directive]) -> None:
        from snnir.irdl import OPERAND_SEGMENTS, RESULT_SEGMENTS

        self.op_cls = op_cls
        self.opdef: "OpDef" = op_cls.definition  # type: ignore[assignment]
        self.directives = directives
        self.operand_index = {d.name: i for i, d in enumerate(self.opdef.operands)}
        self.result_index = {d.name: i for i, d in enumerate(self.opdef.results)}
        self.region_index = {d.name: i for i, d in enumerate(self.opdef.regions)}
        self.segment_names = {OPERAND_SEGMENTS, RESULT_SEGMENTS}
        # Names the format prints itself, kept apart for properties and attributes: a discardable
        # attribute may share its name with a property and must then still go to attr-dict.
        self.printed_props: set[str] = set()
        self.printed_attrs: set[str] = set()
        for d in _walk(directives):
            if isinstance(d, AttrVar):
                (self.printed_props if d.is_property else self.printed_attrs).add(d.name)

    # ---- types of operands/results by target
    def types_of(self, op: Operation, target: str) -> list[TypeAttribute]:
        if target == "operands":
            return [v.type for v in op._operands]
        if target == "results":
            return [r.type for r in op.results]
        name = target[1:]
        if name in self.operand_index:
            start, ln = self.opdef.operand_segments(op)[self.operand_index[name]]
            return [v.type for v in op._operands[start : start + ln]]
        start, ln = self.opdef.result_segments(op)[self.result_index[name]]
        return [r.type for r in op.results[start : start + ln]]

    def store_types(self, st: ParseState, target: str, types: list[TypeAttribute]) -> None:
        if target == "operands":
            st.operand_types["*"] = types
        elif target == "results":
            st.result_types["*"] = types
        elif target[1:] in self.operand_index:
            st.operand_types[target[1:]] = types
        else:
            st.result_types[target[1:]] = types

    def leftover_attributes(self, op: Operation) -> list[tuple[str, Attribute]]:
        """What attr-dict prints: what no other directive printed, less properties at their default."""
        props = self.opdef.properties
        out = [(k, v) for k, v in op.properties.items()
               if k not in self.printed_props and k not in self.segment_names
               and not (k in props and props[k].default is not None and v == props[k].default)]
        out.extend((k, v) for k, v in op.attributes.items() if k not in self.printed_attrs)
        return out

    # ---- printing and parsing
    def print(self, op: Operation, p: "Printer") -> str:
        out: list[str] = []
        for d in self.directives:
            d.print(op, p, out, self)
        return join_pieces(out)

    def parse(self, pieces: Sequence[Any]) -> tuple[list[Value], list[TypeAttribute], dict[str, Attribute],
                                                      dict[str, Attribute], list[Region], list[TypeAttribute] | None]:
        from snnir.irdl import OPERAND_SEGMENTS, RESULT_SEGMENTS, SINGLE

        cur = Cursor(pieces)
        st = ParseState()
        for d in self.directives:
            d.parse(cur, st, self)
        if not cur.done():
            raise VerifyException(f"unexpected {describe_piece(cur.peek())}")
        opdef = self.opdef
        operands: list[Value] = []
        sizes: list[int] = []
        for od in opdef.operands:
            vals = st.operands.get(od.name, [])
            if od.kind == SINGLE and len(vals) != 1:
                raise VerifyException(f"expected operand '{od.name}'")
            operands.extend(vals)
            sizes.append(len(vals))
        operand_types: list[TypeAttribute] | None = None
        if "*" in st.operand_types:
            operand_types = st.operand_types["*"]
        elif st.operand_types:
            operand_types = []
            for od in opdef.operands:
                n = len(st.operands.get(od.name, []))
                ts = st.operand_types.get(od.name)
                if ts is None:  # some operand groups have no printed types: check none
                    operand_types = None
                    break
                if len(ts) != n:
                    raise VerifyException(f"operand '{od.name}' has {n} values but {len(ts)} types")
                operand_types.extend(ts)
        if operand_types is not None and len(operand_types) != len(operands):
            raise VerifyException(f"{len(operands)} operands but {len(operand_types)} operand types")
        result_types: list[TypeAttribute] = []
        res_sizes: list[int] = []
        if "*" in st.result_types:
            result_types = st.result_types["*"]
            if sum(r.kind != SINGLE for r in opdef.results) == 0 and len(result_types) != len(opdef.results):
                raise VerifyException(f"expected {len(opdef.results)} result types, got {len(result_types)}")
        elif opdef.results:
            infer = getattr(self.op_cls, "infer_result_types", None)
            if infer is not None and not st.result_types:
                result_types = list(infer(operands, st.properties, st.attributes))
            else:
                for rd in opdef.results:
                    ts = st.result_types.get(rd.name, [])
                    if rd.kind == SINGLE and len(ts) != 1:
                        raise VerifyException(f"expected one type for result '{rd.name}', got {len(ts)}")
                    result_types.extend(ts)
                    res_sizes.append(len(ts))
        props = dict(st.properties)
        if sum(od.kind != SINGLE for od in opdef.operands) > 1:
            props[OPERAND_SEGMENTS] = DenseArrayAttr(i32, sizes)
        if sum(rd.kind != SINGLE for rd in opdef.results) > 1 and res_sizes:
            props[RESULT_SEGMENTS] = DenseArrayAttr(i32, res_sizes)
        regions: list[Region] = []
        for rd in opdef.regions:
            regions.extend(st.regions.get(rd.name, []))
        return operands, result_types, props, st.attributes, regions, operand_types


def _walk(directives: list[Directive]):
    for d in directives:
        yield d
        if isinstance(d, OptionalGroup):
            yield from _walk(d.elements)


class _Lit(str):
    """A literal of the format, as printed (spacing around `(` depends on it)."""

    __slots__ = ()


_NO_SPACE_BEFORE = {",", ")", "]"}
_NO_SPACE_AFTER = {"(", "["}


def join_pieces(pieces: list[str]) -> str:
    """Join printed pieces with single spaces, MLIR-style: `@f(%a, %b)`, `[%x]`, `weight(...)`, `-> (`."""
    if not pieces:
        return ""
    out = [pieces[0]]
    prev = pieces[0]
    for tok in pieces[1:]:
        glued = tok == "(" and isinstance(tok, _Lit) and not (isinstance(prev, _Lit) and prev in _PUNCT_LITERALS)
        if tok not in _NO_SPACE_BEFORE and prev not in _NO_SPACE_AFTER and not glued:
            out.append(" ")
        out.append(tok)
        prev = tok
    return "".join(out)


# ------------------------------------------------------------------------- compiling

_FORMAT_TOKEN = re.compile(r"\s*(?:(`[^`]*`)|(\$[A-Za-z_][A-Za-z0-9_]*)|(functional-type|type|attr-dict-with-keyword|"
                           r"attr-dict|operands|results)|(\()|(\)\?)|(\))|(\^)|(,))")


def compile_format(op_cls: type["IRDLOperation"], text: str) -> CompiledFormat:
    """Compile `text` for `op_cls`; raises `FormatError` naming the op and the problem."""
    from snnir.lexer import is_reserved_word

    opdef = op_cls.definition
    assert opdef is not None
    where = f"assembly format of '{op_cls.name}'"
    toks: list[str] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _FORMAT_TOKEN.match(text, pos)
        if m is None:
            raise FormatError(f"{where}: cannot read '{text[pos:].strip()[:20]}'")
        toks.append(m.group(m.lastindex))  # type: ignore[arg-type]
        pos = m.end()
    i = 0

    def var(name: str, in_type: bool = False) -> Directive:
        if name in opdef.operands_by_name():
            return OperandVar(name, opdef.operands_by_name()[name].kind)
        if in_type and name in {r.name for r in opdef.results}:
            return OperandVar(name, "result")  # only checked for existence
        from snnir.irdl import SymbolName, BaseAttr

        for table, is_prop in ((opdef.properties, True), (opdef.attributes, False)):
            if name in table:
                c = table[name].constraint
                unit = isinstance(c, BaseAttr) and c.classes == (UnitAttr,)
                return AttrVar(name, is_prop, isinstance(c, SymbolName), unit)
        for r in opdef.regions:
            if r.name == name:
                return RegionVar(name, r.kind)
        if any(r.name == name for r in opdef.results):
            raise FormatError(f"{where}: result '${name}' can only appear inside type(...)")
        raise FormatError(f"{where}: '${name}' is not an operand, attribute, property or region")

    def type_target(tok: str) -> str:
        if tok in ("operands", "results"):
            return tok
        if tok.startswith("$"):
            var(tok[1:], in_type=True)
            return tok
        raise FormatError(f"{where}: type(...) takes $name, operands or results, not '{tok}'")

    def parse_elements(until_group_end: bool) -> tuple[list[Directive], Directive | None]:
        nonlocal i
        out: list[Directive] = []
        anchor: Directive | None = None
        while i < len(toks):
            tok = toks[i]
            if tok == ")?":
                if not until_group_end:
                    raise FormatError(f"{where}: ')?' without an opening '('")
                i += 1
                return out, anchor
            i += 1
            if tok.startswith("`"):
                lit = tok[1:-1]
                if lit not in _PUNCT_LITERALS and not (_KEYWORD_RE.match(lit) and not is_reserved_word(lit)):
                    raise FormatError(f"{where}: literal `{lit}` is neither punctuation ({' '.join(sorted(_PUNCT_LITERALS))})"
                                      " nor a plain keyword")
                out.append(Literal(lit))
            elif tok.startswith("$"):
                out.append(var(tok[1:]))
            elif tok in ("attr-dict", "attr-dict-with-keyword"):
                out.append(AttrDict(tok == "attr-dict-with-keyword"))
            elif tok in ("type", "functional-type"):
                if i >= len(toks) or toks[i] != "(":
                    raise FormatError(f"{where}: {tok} needs '('")
                i += 1
                args = []
                while i < len(toks) and toks[i] not in (")", ")?"):
                    if toks[i] != ",":
                        args.append(toks[i])
                    i += 1
                if i >= len(toks) or toks[i] != ")":
                    raise FormatError(f"{where}: {tok}(...) is not closed")
                i += 1
                if tok == "type":
                    if len(args) != 1:
                        raise FormatError(f"{where}: type(...) takes one argument")
                    out.append(TypeOf(type_target(args[0])))
                else:
                    if len(args) != 2:
                        raise FormatError(f"{where}: functional-type(...) takes two arguments")
                    out.append(FunctionalType(type_target(args[0]), type_target(args[1])))
            elif tok == "(":
                elements, inner_anchor = parse_elements(True)
                if not elements:
                    raise FormatError(f"{where}: empty optional group")
                if inner_anchor is None:
                    inner_anchor = next((d for d in elements if not isinstance(d, Literal)), None)
                if inner_anchor is None:
                    raise FormatError(f"{where}: optional group has no variable to anchor it")
                if isinstance(elements[0], AttrVar) and elements[0].unit:
                    raise FormatError(f"{where}: an optional group cannot start with a unit attribute")
                out.append(OptionalGroup(elements, inner_anchor))
            elif tok == "^":
                if not out or not until_group_end:
                    raise FormatError(f"{where}: '^' must follow a variable inside an optional group")
                anchor = out[-1]
            elif tok in ("operands", "results"):
                raise FormatError(f"{where}: '{tok}' is only valid inside type(...) or functional-type(...)")
            else:
                raise FormatError(f"{where}: unexpected '{tok}'")
        if until_group_end:
            raise FormatError(f"{where}: optional group is not closed with ')?'")
        return out, anchor

    directives, _ = parse_elements(False)
    flat = list(_walk(directives))
    for j, d in enumerate(flat[:-1]):
        rest = [x for x in flat[j + 1 :] if not isinstance(x, AttrDict)]
        if isinstance(d, AttrVar) and rest and isinstance(rest[0], Literal) and rest[0].text == ":":
            d.followed_by_colon = True
    _check_complete(op_cls, directives, where)
    return CompiledFormat(op_cls, directives)


def _check_complete(op_cls: type["IRDLOperation"], directives: list[Directive], where: str) -> None:
    """Every operand, region and result type must have a place in the format: nothing is lost."""
    opdef = op_cls.definition
    assert opdef is not None
    flat = list(_walk(directives))
    if not any(isinstance(d, AttrDict) for d in flat):
        raise FormatError(f"{where}: needs attr-dict (or attr-dict-with-keyword) so no attribute is lost")
    seen_operands = {d.name for d in flat if isinstance(d, OperandVar)}
    for od in opdef.operands:
        if od.name not in seen_operands:
            raise FormatError(f"{where}: operand '${od.name}' does not appear")
    seen_regions = {d.name for d in flat if isinstance(d, RegionVar)}
    for rd in opdef.regions:
        if rd.name not in seen_regions:
            raise FormatError(f"{where}: region '${rd.name}' does not appear")
    typed: set[str] = set()
    for d in flat:
        targets = [d.target] if isinstance(d, TypeOf) else [d.inputs, d.outputs] if isinstance(d, FunctionalType) else []
        for t in targets:
            typed.add(t)
    if opdef.results and "results" not in typed and not hasattr(op_cls, "infer_result_types"):
        for rd in opdef.results:
            if f"${rd.name}" not in typed:
                raise FormatError(f"{where}: the type of result '${rd.name}' does not appear "
                                  "(add type($name) or define infer_result_types)")
