"""Builtin attributes and types.

Attributes are immutable values attached to operations; types are attributes too
(`TypeAttribute`), as in MLIR. Each class prints itself in MLIR syntax through
`print_to(printer)`; array-valued attributes keep their data in numpy arrays.
Dialect attributes and types derive from `ParametrizedAttribute` (see `irdl.py`).
"""

from __future__ import annotations

import math
import re
import struct
from typing import TYPE_CHECKING, Any, ClassVar, Iterable, Sequence

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from snnir.printer import Printer


class VerifyException(Exception):
    """An invariant of an attribute, type or operation does not hold."""


class Attribute:
    """Base class of every attribute. Subclasses are immutable and hashable."""

    __slots__ = ()
    name: ClassVar[str] = "builtin.attribute"

    def print_to(self, p: "Printer") -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def __str__(self) -> str:
        from snnir.printer import Printer

        return self.print_to(Printer())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self})"


class TypeAttribute(Attribute):
    """Marker base for attributes that are types."""

    __slots__ = ()


# ----------------------------------------------------------------------------- types


class IntegerType(TypeAttribute):
    __slots__ = ("width", "signedness")
    name = "builtin.integer_type"
    _prefix = {"signless": "i", "signed": "si", "unsigned": "ui"}

    def __init__(self, width: int, signedness: str = "signless") -> None:
        if width <= 0:
            raise VerifyException(f"integer width must be positive, got {width}")
        if signedness not in self._prefix:
            raise VerifyException(f"unknown signedness '{signedness}'")
        self.width = width
        self.signedness = signedness

    def print_to(self, p: "Printer") -> str:
        return f"{self._prefix[self.signedness]}{self.width}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IntegerType) and other.width == self.width and other.signedness == self.signedness

    def __hash__(self) -> int:
        return hash(("int", self.width, self.signedness))

    def value_range(self) -> tuple[int, int]:
        """The inclusive range of values this type holds (signless is taken as either sign)."""
        if self.width == 1:
            return (-1 if self.signedness == "signed" else 0, 1)
        if self.signedness == "unsigned":
            return 0, (1 << self.width) - 1
        if self.signedness == "signed":
            return -(1 << (self.width - 1)), (1 << (self.width - 1)) - 1
        return -(1 << (self.width - 1)), (1 << self.width) - 1

    def numpy_dtype(self) -> np.dtype:
        if self.width == 1:
            return np.dtype(np.bool_)
        if self.width not in (8, 16, 32, 64):
            raise VerifyException(f"no array storage for integer width {self.width}")
        kind = "u" if self.signedness == "unsigned" else "i"
        return np.dtype(f"<{kind}{self.width // 8}")


class FloatType(TypeAttribute):
    __slots__ = ("kind",)
    name = "builtin.float_type"
    _widths = {"f16": 16, "bf16": 16, "f32": 32, "f64": 64}

    def __init__(self, kind: str) -> None:
        if kind not in self._widths:
            raise VerifyException(f"unknown float type '{kind}'")
        self.kind = kind

    @property
    def width(self) -> int:
        return self._widths[self.kind]

    def print_to(self, p: "Printer") -> str:
        return self.kind

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FloatType) and other.kind == self.kind

    def __hash__(self) -> int:
        return hash(("float", self.kind))

    def numpy_dtype(self) -> np.dtype:
        if self.kind == "bf16":
            raise VerifyException("no numpy storage for bf16")
        return np.dtype({"f16": "<f2", "f32": "<f4", "f64": "<f8"}[self.kind])


class IndexType(TypeAttribute):
    __slots__ = ()
    name = "builtin.index"

    def print_to(self, p: "Printer") -> str:
        return "index"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IndexType)

    def __hash__(self) -> int:
        return hash("index")

    def numpy_dtype(self) -> np.dtype:
        return np.dtype("<i8")


class NoneType(TypeAttribute):
    __slots__ = ()
    name = "builtin.none"

    def print_to(self, p: "Printer") -> str:
        return "none"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NoneType)

    def __hash__(self) -> int:
        return hash("none")


DYNAMIC = -1


class TensorType(TypeAttribute):
    """`tensor<2x?x4xf32>`; `shape is None` means unranked (`tensor<*xf32>`)."""

    __slots__ = ("shape", "element_type")
    name = "builtin.tensor"

    def __init__(self, shape: Sequence[int] | None, element_type: TypeAttribute) -> None:
        if shape is not None:
            shape = tuple(int(d) for d in shape)
            for d in shape:
                if d < 0 and d != DYNAMIC:
                    raise VerifyException(f"tensor dimension must be non-negative, got {d}")
        self.shape = shape
        self.element_type = element_type

    @property
    def num_elements(self) -> int:
        if self.shape is None or DYNAMIC in self.shape:
            raise VerifyException(f"{self} has no static number of elements")
        return math.prod(self.shape)

    def print_to(self, p: "Printer") -> str:
        elt = self.element_type.print_to(p)
        if self.shape is None:
            return f"tensor<*x{elt}>"
        dims = "".join(("?" if d == DYNAMIC else str(d)) + "x" for d in self.shape)
        return f"tensor<{dims}{elt}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TensorType) and other.shape == self.shape and other.element_type == self.element_type

    def __hash__(self) -> int:
        return hash(("tensor", self.shape, self.element_type))


class FunctionType(TypeAttribute):
    __slots__ = ("inputs", "outputs")
    name = "builtin.function"

    def __init__(self, inputs: Iterable[TypeAttribute], outputs: Iterable[TypeAttribute]) -> None:
        self.inputs = tuple(inputs)
        self.outputs = tuple(outputs)

    def print_to(self, p: "Printer") -> str:
        ins = ", ".join(t.print_to(p) for t in self.inputs)
        outs = self.outputs
        if len(outs) == 1 and not isinstance(outs[0], FunctionType):
            return f"({ins}) -> {outs[0].print_to(p)}"
        return f"({ins}) -> ({', '.join(t.print_to(p) for t in outs)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FunctionType) and other.inputs == self.inputs and other.outputs == self.outputs

    def __hash__(self) -> int:
        return hash(("fn", self.inputs, self.outputs))


i1 = IntegerType(1)
i8 = IntegerType(8)
i16 = IntegerType(16)
i32 = IntegerType(32)
i64 = IntegerType(64)
f16 = FloatType("f16")
bf16 = FloatType("bf16")
f32 = FloatType("f32")
f64 = FloatType("f64")
index = IndexType()
none_type = NoneType()

_BUILTIN_TYPE_RE = re.compile(r"(?:(si|ui|i)([1-9][0-9]*)|(f16|bf16|f32|f64)|(index)|(none))\Z")
_builtin_type_cache: dict[str, TypeAttribute] = {}


def builtin_type_from_keyword(word: str) -> TypeAttribute | None:
    """`i32`, `si8`, `f32`, `index`, `none` -> the type, or None when `word` is no builtin type."""
    t = _builtin_type_cache.get(word)
    if t is not None:
        return t
    m = _BUILTIN_TYPE_RE.match(word)
    if m is None:
        return None
    if m.group(1):
        sign = {"i": "signless", "si": "signed", "ui": "unsigned"}[m.group(1)]
        t = IntegerType(int(m.group(2)), sign)
    elif m.group(3):
        t = FloatType(m.group(3))
    elif m.group(4):
        t = index
    else:
        t = none_type
    _builtin_type_cache[word] = t
    return t


# ------------------------------------------------------------------------ attributes


class IntegerAttr(Attribute):
    """An integer of a given type; `i64` is the default and is not printed."""

    __slots__ = ("value", "type")
    name = "builtin.integer"

    def __init__(self, value: int, type: TypeAttribute = i64) -> None:
        value = int(value)
        if isinstance(type, IntegerType):
            lo, hi = type.value_range()
            if not lo <= value <= hi:
                raise VerifyException(f"integer value {value} does not fit in {type.print_to(None)}")  # type: ignore[arg-type]
        elif not isinstance(type, IndexType):
            raise VerifyException("integer attribute needs an integer or index type")
        self.value = value
        self.type = type

    def print_to(self, p: "Printer") -> str:
        if self.type == i64:
            return str(self.value)
        if self.type == i1:  # as MLIR does; `1 : i1` would read back as `true` anyway
            return "true" if self.value else "false"
        return f"{self.value} : {self.type.print_to(p)}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IntegerAttr) and other.value == self.value and other.type == self.type

    def __hash__(self) -> int:
        return hash(("iattr", self.value, self.type))


def _float_literal(text: str) -> str:
    """Make a Python/numpy float text an MLIR float literal (a '.' before any exponent)."""
    if "e" in text:
        mant, exp = text.split("e")
        if "." not in mant:
            mant += ".0"
        elif mant.endswith("."):
            mant += "0"
        return f"{mant}e{exp}"
    return text if "." in text else text + ".0"


def format_float(value: float, kind: str = "f64") -> str:
    """Shortest text that reads back to the same value of the given float type."""
    if math.isinf(value) or math.isnan(value):
        if kind == "bf16":  # the upper half of the f32 bit pattern
            return "0x" + struct.pack(">f", value)[:2].hex().upper()
        fmt = {"f16": ">e", "f32": ">f"}.get(kind, ">d")
        return "0x" + struct.pack(fmt, value).hex().upper()
    if kind == "f32":
        return _float_literal(str(np.float32(value)))
    if kind == "f16":
        return _float_literal(str(np.float16(value)))
    return _float_literal(repr(float(value)))


class FloatAttr(Attribute):
    """A floating-point value of a given type; `f64` is the default and is not printed."""

    __slots__ = ("value", "type")
    name = "builtin.float"

    def __init__(self, value: float, type: TypeAttribute = f64) -> None:
        if not isinstance(type, FloatType):
            raise VerifyException("float attribute needs a float type")
        value = float(value)
        if type.kind == "f32":
            value = float(np.float32(value))
        elif type.kind == "f16":
            value = float(np.float16(value))
        self.value = value
        self.type = type

    def print_to(self, p: "Printer") -> str:
        text = format_float(self.value, self.type.kind)
        if self.type == f64 and not text.startswith("0x"):  # a hex bit pattern always needs its type
            return text
        return f"{text} : {self.type.print_to(p)}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FloatAttr) or other.type != self.type:
            return False
        return other.value == self.value or (math.isnan(other.value) and math.isnan(self.value))

    def __hash__(self) -> int:
        # every NaN is equal (see __eq__), but hash(nan) depends on the object: hash them alike
        return hash(("fattr", "nan" if math.isnan(self.value) else self.value, self.type))


class BoolAttr(IntegerAttr):
    """`true` / `false`: an integer attribute of type i1, as in MLIR (so `1 : i1` is the same value)."""

    __slots__ = ()
    name = "builtin.bool"

    def __init__(self, value: bool) -> None:
        self.value = bool(value)
        self.type = i1

    def print_to(self, p: "Printer") -> str:
        return "true" if self.value else "false"


_STRING_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t"}
# Besides quotes and backslashes, every byte that is not printable ASCII is escaped as \XX, as
# MLIR does; a string is UTF-8, and bytes that are not valid UTF-8 survive as lone surrogates.
_NEEDS_ESCAPE = re.compile('["\\\\\x00-\x1f\x7f-\U0010ffff]')


def quote_string(s: str) -> str:
    """MLIR string literal: `"`, `\\`, newline and tab escaped; other non-printable-ASCII bytes as \\XX."""
    if not _NEEDS_ESCAPE.search(s):
        return f'"{s}"'

    def esc(m: re.Match[str]) -> str:
        c = m.group()
        simple = _STRING_ESCAPES.get(c)
        if simple is not None:
            return simple
        return "".join("\\" + format(b, "02X") for b in c.encode("utf-8", "surrogateescape"))

    return '"' + _NEEDS_ESCAPE.sub(esc, s) + '"'


_UNESCAPE = re.compile(r"\\([0-9a-fA-F]{2}|.)", re.S)


def unquote_string(tok: str) -> str:
    """The value of an MLIR string literal token (with its quotes); `\\XX` escapes are bytes of UTF-8."""
    body = tok[1:-1]
    if "\\" not in body:
        return body
    out = bytearray()
    pos = 0
    for m in _UNESCAPE.finditer(body):
        out += body[pos:m.start()].encode("utf-8", "surrogateescape")
        c = m.group(1)
        if len(c) == 2:
            out.append(int(c, 16))
        else:
            out += {"n": "\n", "t": "\t"}.get(c, c).encode("utf-8", "surrogateescape")
        pos = m.end()
    out += body[pos:].encode("utf-8", "surrogateescape")
    return out.decode("utf-8", "surrogateescape")


class StringAttr(Attribute):
    __slots__ = ("data",)
    name = "builtin.string"

    def __init__(self, data: str) -> None:
        self.data = data

    def print_to(self, p: "Printer") -> str:
        return quote_string(self.data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StringAttr) and other.data == self.data

    def __hash__(self) -> int:
        return hash(("str", self.data))


class UnitAttr(Attribute):
    __slots__ = ()
    name = "builtin.unit"

    def print_to(self, p: "Printer") -> str:
        return "unit"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UnitAttr)

    def __hash__(self) -> int:
        return hash("unit")


class ArrayAttr(Attribute):
    __slots__ = ("data",)
    name = "builtin.array"

    def __init__(self, data: Iterable[Attribute]) -> None:
        self.data = tuple(data)

    def print_to(self, p: "Printer") -> str:
        return "[" + ", ".join(a.print_to(p) for a in self.data) + "]"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ArrayAttr) and other.data == self.data

    def __hash__(self) -> int:
        return hash(("array", self.data))

    def __len__(self) -> int:
        return len(self.data)

    def __iter__(self):
        return iter(self.data)


_BARE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*\Z")


_key_text: dict[str, str] = {}


def print_attr_key(key: str) -> str:
    """Dictionary keys print bare when they are plain identifiers that are not keywords."""
    text = _key_text.get(key)
    if text is None:
        from snnir.lexer import is_reserved_word

        text = key if _BARE_KEY.match(key) and not is_reserved_word(key) else quote_string(key)
        if len(_key_text) < 4096:  # keys repeat across ops; bound the memo for adversarial inputs
            _key_text[key] = text
    return text


def print_attr_entries(entries: Iterable[tuple[str, Attribute]], p: "Printer") -> str:
    parts = []
    for k, v in entries:
        key = print_attr_key(k)
        parts.append(key if isinstance(v, UnitAttr) else f"{key} = {v.print_to(p)}")
    return "{" + ", ".join(parts) + "}"


class DictionaryAttr(Attribute):
    __slots__ = ("data",)
    name = "builtin.dictionary"

    def __init__(self, data: dict[str, Attribute] | Iterable[tuple[str, Attribute]]) -> None:
        self.data = dict(data)

    def print_to(self, p: "Printer") -> str:
        return print_attr_entries(self.data.items(), p)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DictionaryAttr) and other.data == self.data

    def __hash__(self) -> int:
        return hash(("dict", tuple(self.data.items())))


_BARE_SYMBOL = re.compile(r"[A-Za-z_$.\-][\w$.\-]*\Z")


def print_symbol_name(name: str) -> str:
    return "@" + (name if _BARE_SYMBOL.match(name) else quote_string(name))


class SymbolRefAttr(Attribute):
    """`@root` or `@root::@nested::@leaf`."""

    __slots__ = ("root", "nested")
    name = "builtin.symbol_ref"

    def __init__(self, root: str, nested: Iterable[str] = ()) -> None:
        self.root = root
        self.nested = tuple(nested)

    @property
    def leaf(self) -> str:
        return self.nested[-1] if self.nested else self.root

    def print_to(self, p: "Printer") -> str:
        return "::".join(print_symbol_name(n) for n in (self.root, *self.nested))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SymbolRefAttr) and other.root == self.root and other.nested == self.nested

    def __hash__(self) -> int:
        return hash(("sym", self.root, self.nested))


class TypeAttr(Attribute):
    """A type used as an attribute value (`{type = i32}`)."""

    __slots__ = ("value",)
    name = "builtin.type"

    def __init__(self, value: TypeAttribute) -> None:
        self.value = value

    def print_to(self, p: "Printer") -> str:
        return self.value.print_to(p)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TypeAttr) and other.value == self.value

    def __hash__(self) -> int:
        return hash(("type", self.value))


class ShapeAttr(Attribute):
    """A static shape `10x10`, usable as a dialect attribute or type parameter."""

    __slots__ = ("dims",)
    name = "builtin.shape"

    def __init__(self, dims: Iterable[int]) -> None:
        self.dims = tuple(int(d) for d in dims)
        if not self.dims or any(d < 0 for d in self.dims):
            raise VerifyException(f"a shape needs one or more non-negative dimensions, got {self.dims}")

    @property
    def num_elements(self) -> int:
        return math.prod(self.dims)

    def print_to(self, p: "Printer") -> str:
        return "x".join(str(d) for d in self.dims)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ShapeAttr) and other.dims == self.dims

    def __hash__(self) -> int:
        return hash(("shape", self.dims))


def _element_dtype(t: TypeAttribute) -> np.dtype:
    if isinstance(t, (IntegerType, FloatType, IndexType)):
        return t.numpy_dtype()
    raise VerifyException(f"elements of type {t} cannot be stored in an array")


def _format_element(x: Any, t: TypeAttribute) -> str:
    if isinstance(t, FloatType):
        return format_float(float(x), t.kind)
    if isinstance(t, IntegerType) and t.width == 1:
        return "true" if x else "false"
    return str(int(x))


class DenseArrayAttr(Attribute):
    """`array<i64: 1, 2, 3>`: a 1-D array of integers or floats, kept as a numpy array."""

    __slots__ = ("element_type", "data")
    name = "builtin.dense_array"

    def __init__(self, element_type: TypeAttribute, data: Any) -> None:
        self.element_type = element_type
        arr = np.asarray(data, dtype=_element_dtype(element_type))
        if arr.ndim != 1:
            arr = arr.reshape(-1)
        arr.setflags(write=False)
        self.data = arr

    def print_to(self, p: "Printer") -> str:
        t = self.element_type
        if not len(self.data):
            return f"array<{t.print_to(p)}>"
        return f"array<{t.print_to(p)}: " + ", ".join(_format_element(x, t) for x in self.data.tolist()) + ">"

    def __eq__(self, other: object) -> bool:
        # the same bytes (as the hash): NaN elements compare equal, so an attribute equals itself
        return (isinstance(other, DenseArrayAttr) and other.element_type == self.element_type
                and other.data.tobytes() == self.data.tobytes())

    def __hash__(self) -> int:
        return hash(("darray", self.element_type, self.data.tobytes()))

    def __len__(self) -> int:
        return len(self.data)


def _is_splat(flat: np.ndarray) -> bool:
    """All elements bit-identical: compared as bytes, so 0.0 and -0.0 (or two NaNs) are told apart."""
    rows = np.ascontiguousarray(flat).view(np.uint8).reshape(flat.size, -1)
    return bool(np.all(rows == rows[0]))


class DenseElementsAttr(Attribute):
    """`dense<...> : tensor<...>`: small constant tensors written inline; big ones belong in resources."""

    __slots__ = ("type", "data")
    name = "builtin.dense"
    INLINE_LIMIT: ClassVar[int] = 16  # more elements than this print as a hex string

    def __init__(self, type: TensorType, data: Any) -> None:
        if not isinstance(type, TensorType) or type.shape is None or DYNAMIC in type.shape:
            raise VerifyException("dense elements need a statically shaped tensor type")
        arr = np.asarray(data, dtype=_element_dtype(type.element_type))
        n = type.num_elements
        if arr.size == 1 and n != 1:
            arr = np.full(type.shape, arr.reshape(()), dtype=arr.dtype)
        if arr.size != n:
            raise VerifyException(f"dense literal has {arr.size} elements but {type.print_to(None)} needs {n}")  # type: ignore[arg-type]
        arr = arr.reshape(type.shape)
        arr.setflags(write=False)
        self.type = type
        self.data = arr

    def print_to(self, p: "Printer") -> str:
        arr = self.data
        t = self.type.element_type
        flat = arr.reshape(-1)
        if flat.size > 1 and _is_splat(flat):
            body = _format_element(flat[0].item(), t)
        elif flat.size > self.INLINE_LIMIT:
            body = '"0x' + np.ascontiguousarray(arr).tobytes().hex().upper() + '"'
        else:
            body = _nested_list(arr.tolist(), t) if arr.ndim else _format_element(arr.item(), t)
        return f"dense<{body}> : {self.type.print_to(p)}"

    def __eq__(self, other: object) -> bool:
        # the same bytes (as the hash): NaN elements compare equal, so an attribute equals itself
        return (isinstance(other, DenseElementsAttr) and other.type == self.type
                and other.data.tobytes() == self.data.tobytes())

    def __hash__(self) -> int:
        return hash(("dense", self.type, self.data.tobytes()))


def _nested_list(x: Any, t: TypeAttribute) -> str:
    if isinstance(x, list):
        return "[" + ", ".join(_nested_list(e, t) for e in x) + "]"
    return _format_element(x, t)


class ResourceHandle:
    """A named blob of bytes, shared by every `dense_resource<name>` that refers to it."""

    __slots__ = ("name", "blob", "alignment")

    def __init__(self, name: str, blob: np.ndarray | None = None, alignment: int = 8) -> None:
        self.name = name
        self.blob = blob  # uint8 array, or None until the resource section is read
        self.alignment = alignment

    def __repr__(self) -> str:
        size = "unresolved" if self.blob is None else f"{self.blob.nbytes} bytes"
        return f"ResourceHandle({self.name!r}, {size})"


class DenseResourceAttr(Attribute):
    """`dense_resource<name> : tensor<...>`: a tensor whose bytes live in the resource section."""

    __slots__ = ("handle", "type")
    name = "builtin.dense_resource"

    def __init__(self, handle: ResourceHandle, type: TensorType) -> None:
        if not isinstance(type, TensorType):
            raise VerifyException("dense_resource needs a tensor type")
        self.handle = handle
        self.type = type

    @classmethod
    def from_array(cls, name: str, array: np.ndarray, element_type: TypeAttribute | None = None) -> "DenseResourceAttr":
        """Wrap a numpy array (no copy when it is already contiguous little-endian)."""
        arr = np.ascontiguousarray(array)
        if element_type is None:
            element_type = element_type_of_dtype(arr.dtype)
        arr = arr.astype(_element_dtype(element_type), copy=False)
        blob = arr.reshape(-1).view(np.uint8)
        return cls(ResourceHandle(name, blob, max(arr.dtype.itemsize, 1)), TensorType(arr.shape, element_type))

    @property
    def data(self) -> np.ndarray:
        """The tensor as a read-only numpy array (a view of the blob, no copy)."""
        blob = self.handle.blob
        if blob is None:
            raise VerifyException(f"resource '{self.handle.name}' has no data")
        dtype = _element_dtype(self.type.element_type)
        shape = self.type.shape
        arr = np.frombuffer(blob, dtype=dtype)
        if shape is not None and DYNAMIC not in shape:
            if arr.size != math.prod(shape):
                raise VerifyException(
                    f"resource '{self.handle.name}' holds {arr.size} elements of {self.type.element_type} "
                    f"but {self.type} needs {math.prod(shape)}")
            arr = arr.reshape(shape)
        return arr

    def print_to(self, p: "Printer") -> str:
        name = p.register_resource(self.handle) if p is not None else self.handle.name
        return f"dense_resource<{name}> : {self.type.print_to(p)}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DenseResourceAttr) and other.handle is self.handle and other.type == self.type

    def __hash__(self) -> int:
        return hash(("resource", id(self.handle), self.type))


def element_type_of_dtype(dtype: np.dtype) -> TypeAttribute:
    """The builtin element type that stores a numpy dtype."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return i1
    if dtype.kind == "f":
        return FloatType({2: "f16", 4: "f32", 8: "f64"}[dtype.itemsize])
    if dtype.kind in "iu":
        return IntegerType(dtype.itemsize * 8, "unsigned" if dtype.kind == "u" else "signless")
    raise VerifyException(f"numpy dtype {dtype} has no element type")


# ------------------------------------------------------- unregistered dialect attributes


class OpaqueAttr(Attribute):
    """`#dialect.name<params>` of a dialect that is not loaded; kept as parsed so it prints back."""

    __slots__ = ("attr_name", "params")
    name = "builtin.opaque"
    sigil: ClassVar[str] = "#"

    def __init__(self, attr_name: str, params: tuple[tuple[str | None, Attribute], ...] | None) -> None:
        self.attr_name = attr_name
        self.params = params

    def print_to(self, p: "Printer") -> str:
        return self.sigil + self.attr_name + print_params(self.params, p)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.attr_name == self.attr_name and other.params == self.params  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.sigil, self.attr_name, self.params))


class OpaqueType(OpaqueAttr, TypeAttribute):
    """`!dialect.name<params>` of a dialect that is not loaded."""

    __slots__ = ()
    sigil = "!"


def print_params(params: tuple[tuple[str | None, Attribute], ...] | None, p: "Printer") -> str:
    if params is None:
        return ""
    parts = [(f"{k} = " if k is not None else "") + v.print_to(p) for k, v in params]
    return "<" + ", ".join(parts) + ">"
