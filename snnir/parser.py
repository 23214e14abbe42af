"""The parser: Lark LALR over `grammar.lark`, building IR objects directly in its callbacks.

No parse tree is ever built: the transformer is handed to the `Lark` constructor, so every
reduction calls straight into `_Builder`. SSA names are resolved with a stack of scopes, one
per region; uses before definitions (graph regions) become forward references that are
patched when the definition arrives. The garbage collector is paused while parsing, since
the parser allocates millions of objects that are never garbage.
"""

from __future__ import annotations

import gc
import re
from typing import Any, Iterable, Sequence

import numpy as np
from lark import Lark, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from snnir.attributes import (
    ArrayAttr,
    Attribute,
    BoolAttr,
    DenseArrayAttr,
    DenseElementsAttr,
    DenseResourceAttr,
    DictionaryAttr,
    FloatAttr,
    FloatType,
    FunctionType,
    IntegerAttr,
    IntegerType,
    OpaqueAttr,
    OpaqueType,
    ResourceHandle,
    ShapeAttr,
    StringAttr,
    SymbolRefAttr,
    TensorType,
    TypeAttr,
    TypeAttribute,
    UnitAttr,
    VerifyException,
    builtin_type_from_keyword,
    unquote_string,
    DYNAMIC,
    i1,
)
from snnir.context import Context
from snnir.diagnostics import DiagnosticError, error
from snnir.ir import Block, BlockArgument, Operation, Region, Value, unregistered_op_class
from snnir.lexer import SIMPLE_ENTRY_RE, SnnirLexer, Tok
from snnir.location import FileLineColLoc, Location, NameLoc, SourceFile, SourcePos, UNKNOWN_LOC

# ------------------------------------------------------------------ custom-form piece kinds


class Punct(str):
    """A punctuation piece of a custom op: ( ) [ ] , : = -> * ? +"""

    __slots__ = ()


class Keyword(str):
    """A bare identifier piece of a custom op."""

    __slots__ = ()


class IntLit(int):
    """An integer literal piece; its type comes from what follows (`: i32`) or defaults to i64."""


class FloatLit(float):
    """A float literal piece."""


class HexLit(str):
    """A hexadecimal literal piece (a float bit pattern; needs `: type`)."""

    __slots__ = ()


class DenseLit:
    """`dense<...>` without its type, which follows as `: tensor<...>`."""

    __slots__ = ("payload", "pos")

    def __init__(self, payload: Any, pos: int = 0) -> None:
        self.payload = payload
        self.pos = pos


class ResourceLit:
    """`dense_resource<name>` without its type."""

    __slots__ = ("handle",)

    def __init__(self, handle: ResourceHandle) -> None:
        self.handle = handle


class AttrDictLit(dict):
    """`{k = v, ...}` as a piece (a region or an attribute dictionary is decided by the grammar)."""


class _EmptyBrace:
    """`{}`: an empty region or an empty attribute dictionary, decided by the op's format."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "{}"


EMPTY_BRACE = _EmptyBrace()
PUNCT = {p: Punct(p) for p in ("(", ")", "[", "]", ",", ":", "=", "->", "*", "?", "+")}


class ForwardRef(Value):
    """A use of an SSA name whose definition has not been seen yet."""

    __slots__ = ("ref_name", "pos")

    def __init__(self, ref_name: str, pos: int) -> None:
        super().__init__(None, ref_name)  # type: ignore[arg-type]
        self.ref_name = ref_name
        self.pos = pos


class _Scope:
    __slots__ = ("defs", "pending")

    def __init__(self) -> None:
        self.defs: dict[str, Value] = {}
        self.pending: dict[str, list[ForwardRef]] = {}


_VALUE_NAMES = re.compile(r"%([\w$.\-]+(?:#[0-9]+)?)")


def _type_list_pieces(types: Sequence[TypeAttribute], parens: bool) -> list[Any]:
    out: list[Any] = [PUNCT["("]] if parens else []
    for j, t in enumerate(types):
        if j:
            out.append(PUNCT[","])
        out.append(t)
    if parens:
        out.append(PUNCT[")"])
    return out


_RESULT_ITEM = re.compile(r"%([\w$.\-]+)(?::([0-9]+))?")


def resolve_float_hex(text: str, t: TypeAttribute) -> float:
    """The float whose bit pattern is the hex literal `text`, read at the width of `t`."""
    import struct

    if not isinstance(t, FloatType):
        raise VerifyException("hexadecimal literal needs a float type")
    raw = int(text, 16)
    if t.kind == "bf16":  # the upper half of an f32
        if raw >= 1 << 16:
            raise VerifyException("hexadecimal literal does not fit in bf16")
        return struct.unpack(">f", (raw << 16).to_bytes(4, "big"))[0]
    fmt, width = {"f16": (">e", 2), "f32": (">f", 4), "f64": (">d", 8)}[t.kind]
    if raw >= 1 << (8 * width):
        raise VerifyException(f"hexadecimal literal does not fit in {t.kind}")
    return struct.unpack(fmt, raw.to_bytes(width, "big"))[0]


def dense_from_payload(payload: Any, t: TypeAttribute) -> DenseElementsAttr:
    """Build `dense<payload> : t`; the payload is a nested list, a scalar or a hex string."""
    if not isinstance(t, TensorType):
        raise VerifyException("dense literal needs a tensor type")
    if isinstance(payload, str) and not isinstance(payload, HexLit):  # a "0x..." string: the raw buffer
        if not payload.startswith("0x"):
            raise VerifyException("dense string payload must be a hexadecimal string starting with 0x")
        from snnir.attributes import _element_dtype

        raw = bytes.fromhex(payload[2:])
        arr = np.frombuffer(raw, dtype=_element_dtype(t.element_type))
        return DenseElementsAttr(t, arr)
    if payload is None:
        payload = []
    return DenseElementsAttr(t, resolve_hex_elements(payload, t.element_type))


def resolve_hex_elements(values: Any, t: TypeAttribute) -> Any:
    """Replace hex literals (bit patterns of inf/nan) in a nested list by their values."""
    if isinstance(values, list):
        return [resolve_hex_elements(v, t) for v in values]
    if isinstance(values, HexLit):
        return int(values, 16) if isinstance(t, IntegerType) else resolve_float_hex(values, t)
    return values


class _Builder(Transformer):
    """Lark callbacks. One instance per cached parser; `begin` resets its per-buffer state."""

    def __init__(self) -> None:
        super().__init__(visit_tokens=False)
        self.ctx = Context()
        self.source: SourceFile = SourceFile("<input>", "")
        self.scopes: list[_Scope] = [_Scope()]
        self.blobs: dict[str, ResourceHandle] = {}
        self.resource_uses: dict[str, int] = {}

    def begin(self, source: SourceFile, ctx: Context) -> None:
        self.ctx = ctx
        self.source = source
        self.scopes = [_Scope()]
        self.blobs = {}
        self.resource_uses = {}
        self._simple_dicts: dict[str, AttrDictLit] = {}

    # ---------------------------------------------------------------- helpers
    def pos(self, offset: int) -> SourcePos:
        return SourcePos(self.source, offset)

    def fail(self, message: str, offset: int) -> DiagnosticError:
        return error(message, self.pos(offset))

    def define(self, name: str, value: Value, offset: int) -> None:
        for scope in self.scopes:
            if name in scope.defs:
                raise self.fail(f"redefinition of SSA value '%{name}'", offset)
        scope = self.scopes[-1]
        scope.defs[name] = value
        waiting = scope.pending.pop(name, None)
        if waiting:
            for ref in waiting:
                if ref.type is not None and ref.type != value.type:
                    raise self.fail(
                        f"use of value '%{name}' expects type {ref.type} but it is defined with type {value.type}",
                        ref.pos)
                ref.replace_all_uses_with(value)

    def lookup(self, name: str, offset: int) -> Value:
        for scope in reversed(self.scopes):
            v = scope.defs.get(name)
            if v is not None:
                return v
        pending = self.scopes[-1].pending.get(name)
        if pending:
            return pending[0]
        ref = ForwardRef(name, offset)
        self.scopes[-1].pending.setdefault(name, []).append(ref)
        return ref

    def check_operand_types(self, operands: Sequence[Value], types: Sequence[TypeAttribute], offset: int) -> None:
        for v, t in zip(operands, types):
            if v.type is None:
                v.type = t
            elif v.type != t:
                name = v.name_hint if v.name_hint is not None else "?"
                raise self.fail(f"use of value '%{name}' expects type {t} but it has type {v.type}", offset)

    def bind_results(self, results_tok: Tok | None, op: Operation, offset: int) -> None:
        if results_tok is None:
            return
        items = _RESULT_ITEM.findall(results_tok.value)
        wanted = sum(int(n) if n else 1 for _, n in items)
        if wanted != len(op.results):
            raise self.fail(f"operation defines {len(op.results)} results but was provided {wanted} to bind", offset)
        i = 0
        for name, count in items:
            hint = None if name.isdigit() else name
            if count:
                n = int(count)
                group = op.results[i : i + n]
                for j, r in enumerate(group):
                    r.name_hint = f"{hint}_{j}" if hint else None
                    self.define(f"{name}#{j}", r, offset)
                if n:
                    self.define(name, group[0], offset)
                i += n
            else:
                op.results[i].name_hint = hint
                self.define(name, op.results[i], offset)
                i += 1

    def op_class(self, name: str, offset: int, custom: bool) -> type[Operation]:
        try:
            cls = self.ctx.get_op(name)
        except DiagnosticError:
            raise
        except Exception as e:  # a dialect that fails to import is a user-facing problem
            raise self.fail(f"cannot load the dialect of '{name}': {e}", offset) from None
        if cls is not None:
            return cls
        if custom:
            raise self.fail(f"custom op '{name}' is unknown", offset)
        if self.ctx.allow_unregistered:
            return unregistered_op_class(name)
        dialect = name.split(".", 1)[0]
        if self.ctx.is_known_dialect(name):
            raise self.fail(f"'{name}' is not an op of dialect '{dialect}'", offset)
        raise self.fail(f"'{name}' op of unregistered dialect '{dialect}' "
                        "(use --allow-unregistered-dialect to accept it)", offset)

    # ---------------------------------------------------------------- top level
    def start(self, items: list[Any]) -> list[Any]:
        return items

    # ---------------------------------------------------------------- operations

    def expand_pieces(self, pieces: list[Any]) -> list[Any]:
        """Resolve SSA uses among a custom op's pieces and unpack the lexer's compound tokens."""
        out: list[Any] = []
        for x in pieces:
            if isinstance(x, Tok):
                kind = x.type
                if kind == "VALUE_ID":
                    out.append(self.lookup(x.value[1:], x.start_pos))
                elif kind == "OPERANDS":
                    out.append(PUNCT["("])
                    for j, name in enumerate(_VALUE_NAMES.findall(x.value)):
                        if j:
                            out.append(PUNCT[","])
                        out.append(self.lookup(name, x.start_pos))
                    out.append(PUNCT[")"])
                elif kind == "EMPTY_PARENS":
                    out.append(PUNCT["("])
                    out.append(PUNCT[")"])
                else:  # FN_SIG
                    fn = x.value
                    out.append(PUNCT[":"])
                    out.extend(_type_list_pieces(fn.inputs, True))
                    out.append(PUNCT["->"])
                    out.extend(_type_list_pieces(fn.outputs, len(fn.outputs) != 1))
            else:
                out.append(x)
        return out

    def generic_op(self, c: list[Any]) -> Operation:
        results_tok, name_tok, operands_tok, props, regions, attrs, fn, loc = c
        offset = (results_tok or name_tok).start_pos
        name = unquote_string(name_tok.value)
        cls = self.op_class(name, name_tok.start_pos, custom=False)
        if isinstance(fn, Tok):
            fn = fn.value
        if isinstance(operands_tok, list):  # operand_list: the slow path of OPERANDS
            operands = [self.lookup(t.value[1:], t.start_pos) for t in operands_tok if t is not None]
        elif operands_tok.type == "OPERANDS":
            lookup, pos = self.lookup, operands_tok.start_pos
            operands = [lookup(n, pos) for n in _VALUE_NAMES.findall(operands_tok.value)]
        else:
            operands = []
        if len(fn.inputs) != len(operands):
            raise self.fail(f"'{name}' has {len(operands)} operands but its type lists {len(fn.inputs)}",
                            name_tok.start_pos)
        self.check_operand_types(operands, fn.inputs, name_tok.start_pos)
        if isinstance(attrs, _EmptyBrace):
            attrs = None
        if isinstance(props, _EmptyBrace):
            props = None
        elif isinstance(props, Tok):  # PROPS_DICT
            props = self.simple_dict(props)
        op = cls(operands, fn.outputs, props, attrs, regions or (), loc or SourcePos(self.source, offset))
        self.bind_results(results_tok, op, offset)
        return op

    def custom_op(self, c: list[Any]) -> Operation:
        results_tok, name_tok = c[0], c[1]
        loc = c[-1]
        pieces = self.expand_pieces(c[2:-1])
        offset = (results_tok or name_tok).start_pos
        name = name_tok.value
        cls = self.op_class(name, name_tok.start_pos, custom=True)
        fmt = getattr(cls, "custom_format", None)
        if fmt is None:
            raise self.fail(f"'{name}' has no custom assembly format; write it in the generic form "
                            f"(\"{name}\"(...) : ...)", name_tok.start_pos)
        try:
            operands, result_types, props, attrs, regions, operand_types = fmt.parse(pieces)
        except VerifyException as e:
            raise self.fail(f"custom op '{name}': {e}", name_tok.start_pos) from None
        if operand_types is not None:
            self.check_operand_types(operands, operand_types, name_tok.start_pos)
        op = cls(operands, result_types, props, attrs, regions, loc or SourcePos(self.source, offset))
        self.bind_results(results_tok, op, offset)
        return op

    def operand_list(self, c: list[Any]) -> list[Any]:
        return c

    def generic_regions(self, c: list[Any]) -> list[Region]:
        return [Region() if isinstance(r, _EmptyBrace) else r for r in c]

    def region_start(self, c: list[Any]) -> None:
        self.scopes.append(_Scope())
        return None

    def region(self, c: list[Any]) -> Region:
        scope = self.scopes.pop()
        if scope.pending:
            parent = self.scopes[-1]
            for name, refs in scope.pending.items():
                v = parent.defs.get(name)
                if v is not None:
                    for ref in refs:
                        ref.replace_all_uses_with(v)
                else:
                    parent.pending.setdefault(name, []).extend(refs)
        region = Region()
        entry: Block | None = None
        for item in c[1:]:
            if isinstance(item, Block):
                region.add_block(item)
                entry = None
            else:
                if entry is None:
                    entry = Block()
                    region.add_block(entry)
                item.parent = entry
                entry.ops.append(item)
        return region

    def block(self, c: list[Any]) -> Block:
        blk: Block = c[0]
        ops = blk.ops
        for op in c[1:]:
            op.parent = blk
            ops.append(op)
        return blk

    def block_label(self, c: list[Any]) -> Block:
        tok = c[0]
        blk = Block()
        blk.label = tok.value[1:]
        for item in c[1:]:
            if item is None or isinstance(item, Tok):  # no arguments, or `()`
                continue
            vtok, t, loc = item
            if isinstance(t, Tok):  # an FN_SIG token: the argument is of function type
                t = t.value
            arg = BlockArgument(t, blk, len(blk.args), None if vtok.value[1:].isdigit() else vtok.value[1:],
                                loc or SourcePos(self.source, vtok.start_pos))
            blk.args.append(arg)
            self.define(vtok.value[1:], arg, vtok.start_pos)
        return blk

    def block_arg(self, c: list[Any]) -> tuple[Tok, TypeAttribute, Location | None]:
        return c[0], c[1], c[2]

    # ---------------------------------------------------------------- pieces
    def keyword_piece(self, c: list[Tok]) -> Keyword:
        return Keyword(c[0].value)

    def int_piece(self, c: list[Tok]) -> IntLit:
        return IntLit(c[0].value)

    def float_piece(self, c: list[Tok]) -> FloatLit:
        return FloatLit(c[0].value)

    def hex_piece(self, c: list[Tok]) -> HexLit:
        return HexLit(c[0].value)

    def lpar_piece(self, c: list[Any]) -> Punct:
        return PUNCT["("]

    def rpar_piece(self, c: list[Any]) -> Punct:
        return PUNCT[")"]

    def lsqb_piece(self, c: list[Any]) -> Punct:
        return PUNCT["["]

    def rsqb_piece(self, c: list[Any]) -> Punct:
        return PUNCT["]"]

    def comma_piece(self, c: list[Any]) -> Punct:
        return PUNCT[","]

    def colon_piece(self, c: list[Any]) -> Punct:
        return PUNCT[":"]

    def equal_piece(self, c: list[Any]) -> Punct:
        return PUNCT["="]

    def arrow_piece(self, c: list[Any]) -> Punct:
        return PUNCT["->"]

    def star_piece(self, c: list[Any]) -> Punct:
        return PUNCT["*"]

    def qmark_piece(self, c: list[Any]) -> Punct:
        return PUNCT["?"]

    def plus_piece(self, c: list[Any]) -> Punct:
        return PUNCT["+"]

    # ---------------------------------------------------------------- attributes
    def attr_dict(self, c: list[Any]) -> AttrDictLit:
        if len(c) == 1 and isinstance(c[0], Tok):
            return self.simple_dict(c[0])
        d = AttrDictLit()
        for k, v in c:
            if k in d:
                raise self.fail(f"duplicate key '{k}' in dictionary attribute", self._last_key_pos)
            d[k] = v
        return d

    _last_key_pos = 0

    def simple_dict(self, tok: Tok) -> AttrDictLit:
        """A SIMPLE_DICT/PROPS_DICT token as a dictionary (converted once per distinct text)."""
        text = tok.value
        cached = self._simple_dicts.get(text)
        if cached is None:
            body = text[text.index("{"):text.rindex("}") + 1]
            cached = AttrDictLit()
            for m in SIMPLE_ENTRY_RE.finditer(body):
                key_text, value_text = m.group(1), m.group(2)
                key = unquote_string(key_text) if key_text.startswith('"') else key_text
                if key in cached:
                    raise self.fail(f"duplicate key '{key}' in dictionary attribute", tok.start_pos + m.start())
                cached[key] = self._simple_value(value_text, tok.start_pos + m.start(2)) if value_text else UnitAttr()
            self._simple_dicts[text] = cached
        return AttrDictLit(cached)

    def _simple_value(self, text: str, offset: int) -> Attribute:
        if text.startswith('"'):
            return StringAttr(unquote_string(text))
        if text == "true" or text == "false":
            return BoolAttr(text == "true")
        if text == "unit":
            return UnitAttr()
        if text.startswith("["):
            inner = text[1:-1].strip()
            return ArrayAttr([IntegerAttr(int(x)) for x in inner.split(",")] if inner else [])
        number, _, type_text = text.partition(":")
        number = number.strip()
        t = builtin_type_from_keyword(type_text.strip()) if type_text else None
        tok = Tok("INT", number, offset)
        if "." in number:
            return self.float_attr([tok, t])
        return self.int_attr([tok, t])

    def attr_entry(self, c: list[Any]) -> tuple[str, Attribute]:
        tok, value = c
        self._last_key_pos = tok.start_pos
        key = unquote_string(tok.value) if tok.type == "STRING" else tok.value
        return key, (value if value is not None else UnitAttr())

    def empty_brace(self, c: list[Any]) -> _EmptyBrace:
        return EMPTY_BRACE

    def _typed(self, make: Any, tok: Tok) -> Attribute:
        try:
            return make()
        except VerifyException as e:
            raise self.fail(str(e), tok.start_pos) from None
        except (ValueError, OverflowError) as e:
            raise self.fail(f"invalid literal: {e}", tok.start_pos) from None

    def int_attr(self, c: list[Any]) -> Attribute:
        tok, t = c
        if t is None:
            return self._typed(lambda: IntegerAttr(int(tok.value)), tok)
        if isinstance(t, FloatType):
            return self._typed(lambda: FloatAttr(float(tok.value), t), tok)
        if t == i1 and tok.value in ("0", "1"):  # signless only: `1 : si1` keeps its type
            return BoolAttr(tok.value == "1")
        return self._typed(lambda: IntegerAttr(int(tok.value), t), tok)

    def float_attr(self, c: list[Any]) -> Attribute:
        tok, t = c
        return self._typed(lambda: FloatAttr(float(tok.value), t if t is not None else FloatType("f64")), tok)

    def hex_attr(self, c: list[Any]) -> Attribute:
        tok, t = c
        if isinstance(t, IntegerType):
            return self._typed(lambda: IntegerAttr(int(tok.value, 16), t), tok)
        return self._typed(lambda: FloatAttr(resolve_float_hex(tok.value, t), t), tok)

    def string_attr(self, c: list[Tok]) -> StringAttr:
        return StringAttr(unquote_string(c[0].value))

    def symbol_ref(self, c: list[Tok]) -> SymbolRefAttr:
        parts = [unquote_string(p[1:]) if p.startswith('@"') else p[1:] for p in _split_symbol(c[0].value)]
        return SymbolRefAttr(parts[0], parts[1:])

    def true_attr(self, c: list[Any]) -> BoolAttr:
        return BoolAttr(True)

    def false_attr(self, c: list[Any]) -> BoolAttr:
        return BoolAttr(False)

    def unit_attr(self, c: list[Any]) -> UnitAttr:
        return UnitAttr()

    def array_attr(self, c: list[Any]) -> ArrayAttr:
        return ArrayAttr([] if c == [None] else c)

    def dict_attr(self, c: list[Any]) -> DictionaryAttr:
        return DictionaryAttr(c[0])

    def empty_dict_attr(self, c: list[Any]) -> DictionaryAttr:
        return DictionaryAttr({})

    def type_attr(self, c: list[Any]) -> TypeAttr:
        return TypeAttr(c[0])

    def dialect_attr(self, c: list[Any]) -> Attribute:
        tok, params = c
        return self._dialect_entity(tok, params, is_type=False)

    def dialect_type(self, c: list[Any]) -> TypeAttribute:
        tok, params = c
        return self._dialect_entity(tok, params, is_type=True)  # type: ignore[return-value]

    def _dialect_entity(self, tok: Tok, params: Any, is_type: bool) -> Attribute:
        if isinstance(params, Tok):  # `<{...}>` lexed as one PROPS_DICT token: a single dictionary parameter
            params = [(None, DictionaryAttr(self.simple_dict(params)))]
        name = tok.value[1:]
        kind = "type" if is_type else "attribute"
        if "." not in name:
            raise self.fail(f"{kind} '{tok.value}' needs a dialect prefix (aliases are not supported)", tok.start_pos)
        try:
            cls = self.ctx.get_attribute(name)
        except Exception as e:
            raise self.fail(f"cannot load the dialect of '{name}': {e}", tok.start_pos) from None
        if cls is None:
            if self.ctx.allow_unregistered or not self.ctx.is_known_dialect(name):
                if not self.ctx.allow_unregistered:
                    raise self.fail(f"{kind} '{tok.value}' of unregistered dialect "
                                    f"'{name.split('.', 1)[0]}' (use --allow-unregistered-dialect)", tok.start_pos)
                return (OpaqueType if is_type else OpaqueAttr)(name, tuple(params) if params is not None else None)
            raise self.fail(f"unknown {kind} '{tok.value}'", tok.start_pos)
        if cls.sigil != tok.value[0]:
            raise self.fail(f"'{name}' is {'a type' if cls.sigil == '!' else 'an attribute'}; write "
                            f"'{cls.sigil}{name}'", tok.start_pos)
        try:
            return cls.from_parsed(params)
        except VerifyException as e:
            raise self.fail(str(e), tok.start_pos) from None

    def params(self, c: list[Any]) -> list[Any]:
        return c

    def param(self, c: list[Any]) -> tuple[str | None, Attribute]:
        if len(c) == 2:
            return c[0].value, c[1]
        return None, c[0]

    def hex_shape_attr(self, c: list[Tok]) -> ShapeAttr:
        """A two-dimensional shape with a leading 0 (`0x4`) lexes as a hex literal."""
        tok = c[0]
        if not re.fullmatch(r"0x[0-9]+", tok.value):
            raise self.fail(f"hexadecimal literal '{tok.value}' needs ': type' after it", tok.start_pos)
        return self.shape_attr(c)

    def shape_attr(self, c: list[Tok]) -> ShapeAttr:
        return ShapeAttr(int(x) for x in c[0].value.split("x"))

    def dense_lit(self, c: list[Any]) -> DenseLit:
        kw, payload = c
        if isinstance(payload, Tok):
            payload = unquote_string(payload.value)
        return DenseLit(payload, kw.start_pos)

    def dense_int(self, c: list[Tok]) -> int:
        return int(c[0].value)

    def dense_float(self, c: list[Tok]) -> float:
        return float(c[0].value)

    def dense_true(self, c: list[Any]) -> bool:
        return True

    def dense_false(self, c: list[Any]) -> bool:
        return False

    def dense_list(self, c: list[Any]) -> list[Any]:
        return [] if c == [None] else c

    def dense_attr(self, c: list[Any]) -> Attribute:
        lit, t = c
        try:
            return dense_from_payload(lit.payload, t)
        except (VerifyException, ValueError, OverflowError) as e:
            raise self.fail(f"invalid dense literal: {e}", lit.pos) from None

    def resource_lit(self, c: list[Tok]) -> ResourceLit:
        tok = c[1]
        handle = self.blobs.get(tok.value)
        if handle is None:
            handle = self.blobs[tok.value] = ResourceHandle(tok.value, None)
            self.resource_uses[tok.value] = tok.start_pos
        return ResourceLit(handle)

    def resource_attr(self, c: list[Any]) -> Attribute:
        lit, t = c
        if not isinstance(t, TensorType):
            raise self.fail("dense_resource needs a tensor type", self.resource_uses.get(lit.handle.name, 0))
        return DenseResourceAttr(lit.handle, t)

    def dense_array(self, c: list[Any]) -> DenseArrayAttr:
        kw, t = c[0], c[1]
        values = [] if c[2:] == [None] else c[2:]
        try:
            return DenseArrayAttr(t, resolve_hex_elements(values, t))
        except (VerifyException, ValueError, OverflowError) as e:
            raise self.fail(f"invalid dense array: {e}", kw.start_pos) from None

    # ---------------------------------------------------------------- types
    def builtin_type(self, c: list[Tok]) -> TypeAttribute:
        tok = c[0]
        t = builtin_type_from_keyword(tok.value)
        if t is None:  # pragma: no cover - the lexer only classifies valid names
            raise self.fail(f"unknown type '{tok.value}'", tok.start_pos)
        return t

    def tensor_type(self, c: list[Any]) -> TensorType:
        dims_tok, elt = c
        if dims_tok is None:
            return TensorType((), elt)
        if dims_tok.type == "UNRANKED":
            return TensorType(None, elt)
        dims = [DYNAMIC if d == "?" else int(d) for d in dims_tok.value.split("x")[:-1]]
        return TensorType(dims, elt)

    def function_type(self, c: list[Any]) -> FunctionType:
        *inputs, outputs = c
        if len(inputs) == 1 and isinstance(inputs[0], Tok):  # EMPTY_PARENS
            inputs = []
        return FunctionType(inputs, outputs)

    def fn_results(self, c: list[Any]) -> list[TypeAttribute]:
        return [] if len(c) == 1 and isinstance(c[0], Tok) else c

    # ---------------------------------------------------------------- locations
    def location(self, c: list[Location]) -> Location:
        return c[0]

    def file_loc(self, c: list[Tok]) -> Location:
        return FileLineColLoc(unquote_string(c[0].value), int(c[1].value), int(c[2].value))

    def name_loc(self, c: list[Tok]) -> Location:
        return NameLoc(unquote_string(c[0].value))

    def name_loc_child(self, c: list[Any]) -> Location:
        return NameLoc(unquote_string(c[0].value), c[1])

    def unknown_loc(self, c: list[Tok]) -> Location:
        if c[0].value != "unknown":
            raise self.fail(f"expected a location ('unknown', \"name\" or \"file\":line:col), got '{c[0].value}'",
                            c[0].start_pos)
        return UNKNOWN_LOC

    # ---------------------------------------------------------------- resources
    def resources(self, c: list[Any]) -> None:
        return None

    def resource_section(self, c: list[Any]) -> None:
        kind = c[0].value
        if kind != "dialect_resources":
            raise self.fail(f"unknown resource section '{kind}' (expected 'dialect_resources')", c[0].start_pos)
        return None

    def resource_group(self, c: list[Any]) -> None:
        return None

    def resource_entry(self, c: list[Tok]) -> None:
        key_tok, blob_tok = c
        text = blob_tok.value
        if not text.startswith('"0x') or len(text) < 11:
            raise self.fail("resource blob must be a hexadecimal string \"0x...\" that starts with "
                            "the 4-byte alignment", blob_tok.start_pos)
        try:
            raw = bytes.fromhex(text[3:-1])
        except ValueError:
            raise self.fail("resource blob is not valid hexadecimal", blob_tok.start_pos) from None
        alignment = int.from_bytes(raw[:4], "little")
        data = np.frombuffer(raw, dtype=np.uint8, offset=4)
        handle = self.blobs.get(key_tok.value)
        if handle is None:
            handle = self.blobs[key_tok.value] = ResourceHandle(key_tok.value, None)
        elif handle.blob is not None:
            raise self.fail(f"resource '{key_tok.value}' is defined twice", key_tok.start_pos)
        handle.blob = data
        handle.alignment = alignment or 1
        return None


def _split_symbol(text: str) -> list[str]:
    parts, i = [], 0
    while i < len(text):
        if text.startswith('@"', i):
            j = i + 2
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            parts.append(text[i : j + 1])
            i = j + 1
        else:
            j = text.find("::@", i)
            j = len(text) if j < 0 else j
            parts.append(text[i:j])
            i = j
        if text.startswith("::", i):
            i += 2
    return parts


# ------------------------------------------------------------------------- entry points

_parser: Lark | None = None
_builder: _Builder | None = None


def _get_parser() -> tuple[Lark, _Builder]:
    global _parser, _builder
    if _parser is None:
        from importlib.resources import files

        grammar = files("snnir").joinpath("grammar.lark").read_text()
        _builder = _Builder()
        _parser = Lark(grammar, parser="lalr", lexer=SnnirLexer, transformer=_builder,
                       maybe_placeholders=True, cache=True)
        _rekey_callbacks(_parser)
    assert _builder is not None
    return _parser, _builder


def _rekey_callbacks(lark: Lark) -> None:
    """Key the reduction callbacks by the very Rule objects of the parse table.

    A cached grammar is deserialized into new Rule objects, so every reduction's callback
    lookup would fall back to Rule.__eq__ (a Python-level comparison). With identical keys
    the dict lookup succeeds on identity. Behaviour is unchanged; only lookups get cheaper.
    """
    inner = getattr(getattr(getattr(lark, "parser", None), "parser", None), "parser", None)
    table = getattr(inner, "parse_table", None)
    callbacks = getattr(inner, "callbacks", None)
    if table is None or not isinstance(callbacks, dict):
        return
    rekeyed = {k: v for k, v in callbacks.items() if isinstance(k, str)}  # terminal callbacks
    for actions in table.states.values():
        for _action, arg in actions.values():
            if not isinstance(arg, int) and arg in callbacks and arg not in rekeyed:
                rekeyed[arg] = callbacks[arg]  # a fresh dict keeps the table's own Rule as key
    inner.callbacks = rekeyed


_EXPECTED_NAMES = {
    "RESULTS": "result names '%x ='", "VALUE_ID": "SSA value", "CARET_ID": "block label", "AT_ID": "symbol",
    "HASH_ID": "attribute", "BANG_ID": "type", "GENERIC_NAME": "op name", "STRING": "string", "HEX": "hex literal",
    "DIMS": "dimensions", "SHAPE": "shape", "FLOAT": "float", "INT": "integer", "BUILTIN_TYPE": "type",
    "OP_NAME": "op name", "BARE_ID": "identifier", "_RES_BEGIN": "'{-#'", "_RES_END": "'#-}'", "_ARROW": "'->'",
    "_LPAR": "'('", "_RPAR": "')'", "_LSQB": "'['", "_RSQB": "']'", "_LBRACE": "'{'", "_RBRACE": "'}'",
    "_LESS": "'<'", "_MORE": "'>'", "_COMMA": "','", "_COLON": "':'", "_EQUAL": "'='", "_STAR": "'*'",
    "_QMARK": "'?'", "_PLUS": "'+'", "$END": "end of input",
    # the lexer's compound tokens, named by how they start
    "EMPTY_PARENS": "'()'", "OPERANDS": "operand list", "FN_SIG": "':'", "PROPS_DICT": "'<'",
    "SIMPLE_DICT": "'{'", "UNRANKED": "'*x'",
}


def _describe_expected(expected: Iterable[str]) -> str:
    names = sorted({_EXPECTED_NAMES.get(e) or ("'" + e.lstrip("_")[3:].lower() + "'" if e.lstrip("_").startswith("KW_")
                                               else e.lower()) for e in expected})
    if len(names) > 6:
        names = names[:6] + ["..."]
    return ", ".join(names)


def parse_source(text: str, filename: str = "<input>", ctx: Context | None = None,
                 line_offset: int = 0) -> Operation:
    """Parse a buffer into its top-level `builtin.module` (made implicitly when the text has none).

    Raises `DiagnosticError` with a source location for any syntax or semantic error.
    """
    return parse_buffer(SourceFile(filename, text, line_offset), ctx)


def parse_buffer(source: SourceFile, ctx: Context | None = None) -> Operation:
    ctx = ctx if ctx is not None else Context()
    lark, builder = _get_parser()
    builder.begin(source, ctx)
    SnnirLexer.source = source
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        items = lark.parse(source.text)
    except DiagnosticError:
        raise
    except UnexpectedToken as e:
        from snnir.lexer import LexState

        tok = e.token
        offset = LexState.last_start if not isinstance(tok, Tok) or not tok.value else tok.start_pos
        what = "end of input" if tok.type == "$END" else (
            f"'{tok.value}'" if isinstance(tok, Tok) and isinstance(tok.value, str) and tok.value
            else f"'{source.text[offset:offset + 2].strip() or tok.type}'")
        raise error(f"unexpected {what}; expected {_describe_expected(e.expected)}",
                    SourcePos(source, offset)) from None
    except (UnexpectedCharacters, UnexpectedEOF, UnexpectedInput) as e:
        raise error(f"syntax error: {e}", SourcePos(source, getattr(e, "pos_in_stream", 0) or 0)) from None
    except VerifyException as e:
        raise error(str(e), SourcePos(source, 0)) from None
    finally:
        SnnirLexer.source = None
        if gc_was_enabled:
            gc.enable()
    return _finish(items, builder, source, ctx)


def _finish(items: list[Any], builder: _Builder, source: SourceFile, ctx: Context) -> Operation:
    root = builder.scopes[0]
    for name, refs in root.pending.items():
        raise error(f"use of undeclared SSA value '%{name}'", SourcePos(source, refs[0].pos))
    for name, handle in builder.blobs.items():
        if handle.blob is None:
            raise error(f"dense_resource '{name}' has no blob in the dialect_resources section",
                        SourcePos(source, builder.resource_uses.get(name, 0)))
    ops = [i for i in items if isinstance(i, Operation)]
    from snnir.builtin import ModuleOp

    if len(ops) == 1 and isinstance(ops[0], ModuleOp):
        return ops[0]
    module = ModuleOp.build(body=Region([Block()]), loc=ops[0].loc if ops else SourcePos(source, 0))
    body = module.regions[0].blocks[0]
    for op in ops:
        op.parent = body
        body.ops.append(op)
    return module
