"""Builtin attributes and types: equality, hashing, checks, float and string text, numpy backing."""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from irgen import attributes as any_attribute
from irgen import types as any_type
from snnir.attributes import (
    ArrayAttr,
    BoolAttr,
    DenseArrayAttr,
    DenseElementsAttr,
    DenseResourceAttr,
    DictionaryAttr,
    FloatAttr,
    FloatType,
    FunctionType,
    IndexType,
    IntegerAttr,
    IntegerType,
    NoneType,
    OpaqueAttr,
    OpaqueType,
    ResourceHandle,
    ShapeAttr,
    StringAttr,
    SymbolRefAttr,
    TensorType,
    TypeAttr,
    UnitAttr,
    VerifyException,
    builtin_type_from_keyword,
    element_type_of_dtype,
    f16,
    f32,
    f64,
    format_float,
    i1,
    i8,
    i32,
    i64,
    index,
    quote_string,
    unquote_string,
)
from snnir.context import Context
from snnir.dialects.test import NeuronAttr, PopType
from snnir.parser import parse_source

# ------------------------------------------------------------------------ equality and hashing

# pairs of constructors: a() == a() always, and a() != b() for every other entry
EQUAL_KINDS = [
    lambda: IntegerType(32),
    lambda: IntegerType(32, "signed"),
    lambda: IntegerType(32, "unsigned"),
    lambda: IntegerType(8),
    lambda: FloatType("f32"),
    lambda: FloatType("bf16"),
    lambda: IndexType(),
    lambda: NoneType(),
    lambda: TensorType([2, -1], f32),
    lambda: TensorType(None, f32),
    lambda: TensorType([2, 3], f32),
    lambda: FunctionType([i32], [f32]),
    lambda: FunctionType([], [i32, f32]),
    lambda: IntegerAttr(5, i32),
    lambda: IntegerAttr(5),
    lambda: IntegerAttr(5, index),
    lambda: FloatAttr(0.5, f32),
    lambda: FloatAttr(0.5),
    lambda: FloatAttr(math.nan),
    lambda: BoolAttr(True),
    lambda: BoolAttr(False),
    lambda: StringAttr("a"),
    lambda: StringAttr("b"),
    lambda: UnitAttr(),
    lambda: ArrayAttr([IntegerAttr(1), StringAttr("x")]),
    lambda: ArrayAttr([]),
    lambda: DictionaryAttr({"a": IntegerAttr(1)}),
    lambda: DictionaryAttr({}),
    lambda: SymbolRefAttr("a"),
    lambda: SymbolRefAttr("a", ["b"]),
    lambda: TypeAttr(i32),
    lambda: ShapeAttr([4, 4]),
    lambda: DenseArrayAttr(i32, [1, 2]),
    lambda: DenseArrayAttr(i64, [1, 2]),
    lambda: DenseElementsAttr(TensorType([2], f32), [1.0, 2.0]),
    lambda: DenseElementsAttr(TensorType([2], f32), [1.0, 3.0]),
    lambda: OpaqueAttr("foo.a", None),
    lambda: OpaqueType("foo.a", None),
    lambda: OpaqueAttr("foo.a", ((None, IntegerAttr(1)),)),
    lambda: NeuronAttr(tau=0.5),
    lambda: NeuronAttr(tau=0.25),
    lambda: PopType([4]),
    lambda: PopType([4, 4]),
]


@pytest.mark.parametrize("i", range(len(EQUAL_KINDS)))
def test_equal_values_are_equal_with_equal_hashes(i):
    a, b = EQUAL_KINDS[i](), EQUAL_KINDS[i]()
    assert a == b and hash(a) == hash(b) and not (a != b)
    assert len({a, b}) == 1


def test_distinct_values_are_different():
    values = [k() for k in EQUAL_KINDS]
    for i, a in enumerate(values):
        for j, b in enumerate(values):
            if i != j:
                assert a != b, (a, b)


@given(any_attribute)
def test_every_generated_attribute_equals_itself_and_its_reparse(attr):
    assert attr == attr and hash(attr) == hash(attr)
    if _contains_resource(attr):
        return  # resources compare by handle identity and print without their blob (see test_roundtrip)
    m = parse_source(f'"x.y"() {{a = {attr}}} : () -> ()', ctx=Context(allow_unregistered=True))
    back = m.regions[0].blocks[0].ops[0].attributes["a"]
    assert str(back) == str(attr)
    if not _contains_i1_integer(attr):
        assert back == attr and hash(back) == hash(attr)


def _contains_i1_integer(a) -> bool:
    """IntegerAttr(1, i1) prints as `true`, which reads back as the (unequal) BoolAttr(True)."""
    return "true" in str(a) or "false" in str(a)


def _contains_resource(a) -> bool:
    if isinstance(a, DenseResourceAttr):
        return True
    if isinstance(a, ArrayAttr):
        return any(_contains_resource(x) for x in a.data)
    if isinstance(a, DictionaryAttr):
        return any(_contains_resource(x) for x in a.data.values())
    if isinstance(a, OpaqueAttr) and a.params:
        return any(_contains_resource(v) for _, v in a.params)
    return False


@given(any_type)
def test_types_print_and_parse_back(t):
    m = parse_source(f'"x.y"() : () -> {t}' if not isinstance(t, FunctionType) else
                     f'"x.y"() : () -> ({t})', ctx=Context(allow_unregistered=True))
    assert m.regions[0].blocks[0].ops[0].results[0].type == t


def test_builtin_type_keywords():
    assert builtin_type_from_keyword("i32") is builtin_type_from_keyword("i32") == i32
    assert builtin_type_from_keyword("si8") == IntegerType(8, "signed")
    assert builtin_type_from_keyword("ui64") == IntegerType(64, "unsigned")
    assert builtin_type_from_keyword("index") == index and builtin_type_from_keyword("bf16") == FloatType("bf16")
    for word in ("i0", "i", "f8", "x32", "tensor", "i32x"):
        assert builtin_type_from_keyword(word) is None
    with pytest.raises(VerifyException):
        IntegerType(0)
    with pytest.raises(VerifyException):
        IntegerType(8, "maybe")
    with pytest.raises(VerifyException):
        FloatType("f8")
    with pytest.raises(VerifyException):
        TensorType([-2], f32)
    with pytest.raises(VerifyException, match="no static number"):
        TensorType([-1], f32).num_elements


# ------------------------------------------------------------------------ integers


@pytest.mark.parametrize("t, lo, hi", [
    (IntegerType(8, "signed"), -128, 127),
    (IntegerType(8, "unsigned"), 0, 255),
    (IntegerType(8), -128, 255),  # signless: either sign
    (i1, 0, 1),
    (i64, -(2**63), 2**64 - 1),
])
def test_integer_attr_range_checks(t, lo, hi):
    assert IntegerAttr(lo, t).value == lo and IntegerAttr(hi, t).value == hi
    for bad in (lo - 1, hi + 1):
        with pytest.raises(VerifyException, match=f"does not fit in {t}"):
            IntegerAttr(bad, t)


def test_integer_attr_needs_an_integer_type():
    assert IntegerAttr(-5, index).value == -5
    with pytest.raises(VerifyException, match="integer or index type"):
        IntegerAttr(1, f32)
    assert str(IntegerAttr(3)) == "3" and str(IntegerAttr(3, i8)) == "3 : i8"
    assert str(IntegerAttr(1, i1)) == "true" and str(IntegerAttr(0, i1)) == "false"


# ------------------------------------------------------------------------ floats


def test_float_attr_rounds_to_its_type():
    assert FloatAttr(0.1, f32).value == float(np.float32(0.1)) != 0.1
    assert FloatAttr(0.1, f16).value == float(np.float16(0.1))
    assert FloatAttr(0.1).value == 0.1
    assert FloatAttr(1e6, f16).value == math.inf  # beyond f16 range
    with pytest.raises(VerifyException, match="float type"):
        FloatAttr(1.0, i32)


@pytest.mark.parametrize("value, kind, text", [
    (0.1, "f32", "0.1"), (0.1, "f64", "0.1"), (0.1, "f16", "0.1"), (1.0, "f64", "1.0"), (-0.0, "f64", "-0.0"),
    (1e-3, "f64", "0.001"), (2e-2, "f32", "0.02"), (1e20, "f64", "1.0e+20"), (1.5e-7, "f32", "1.5e-07"),
    (65504.0, "f16", "6.55e+04"), (5e-324, "f64", "5.0e-324"),
    (math.inf, "f64", "0x7FF0000000000000"), (-math.inf, "f32", "0xFF800000"), (math.inf, "f16", "0x7C00"),
    (math.nan, "f32", "0x7FC00000"), (math.inf, "bf16", "0x7F80"),
])
def test_format_float(value, kind, text):
    assert format_float(value, kind) == text


@given(st.floats(allow_nan=False), st.sampled_from(["f16", "f32", "f64"]))
def test_float_text_is_shortest_round_trip(x, kind):
    dtype = {"f16": np.float16, "f32": np.float32, "f64": np.float64}[kind]
    v = float(dtype(x)) if math.isfinite(float(dtype(x))) else float(dtype(x))
    text = format_float(v, kind)
    if text.startswith("0x"):
        assert math.isinf(v)
        return
    assert "." in text.split("e")[0]  # an MLIR float literal
    assert float(dtype(float(text))) == v
    assert math.copysign(1, float(text)) == math.copysign(1, v)
    # shortest: dropping the last significant digit changes the value (when there is one to drop)
    mant = text.split("e")[0].rstrip("0").rstrip(".")
    if len(mant.replace("-", "").replace(".", "").lstrip("0")) > 1 and "e" not in text:
        assert float(dtype(float(mant[:-1] or "0"))) != v or float(mant[:-1]) == v


@given(st.floats(), st.sampled_from([f16, f32, f64, FloatType("bf16")]))
def test_float_attr_round_trips_through_text(x, t):
    a = FloatAttr(x, t)
    m = parse_source(f'"x.y"() {{a = {a}}} : () -> ()', ctx=Context(allow_unregistered=True))
    back = m.regions[0].blocks[0].ops[0].attributes["a"]
    assert back == a
    if not math.isnan(x):
        assert math.copysign(1, back.value) == math.copysign(1, a.value)


def test_float_attr_printing():
    assert str(FloatAttr(2.5)) == "2.5"
    assert str(FloatAttr(2.5, f32)) == "2.5 : f32"
    assert str(FloatAttr(math.inf)) == "0x7FF0000000000000 : f64"  # a hex pattern always names its type
    assert FloatAttr(math.nan) == FloatAttr(math.nan)


# ------------------------------------------------------------------------ strings


@pytest.mark.parametrize("s, text", [
    ("abc", '"abc"'), ('say "hi"', r'"say \"hi\""'), ("a\\b", r'"a\\b"'), ("l1\nl2", r'"l1\nl2"'),
    ("\t", r'"\t"'), ("\x00\x1f\x7f", r'"\00\1F\7F"'), ("é", r'"\C3\A9"'), ("", '""'),
])
def test_quote_string(s, text):
    assert quote_string(s) == text
    assert unquote_string(text) == s


@given(st.text())
def test_string_quoting_round_trips(s):
    q = quote_string(s)
    assert q.startswith('"') and q.endswith('"') and "\n" not in q
    assert unquote_string(q) == s
    # the string as both key and value: `"a" = "a"` is one entry, never a duplicate
    m = parse_source(f'"x.y"() {{{q} = {q}}} : () -> ()', ctx=Context(allow_unregistered=True))
    attrs = m.regions[0].blocks[0].ops[0].attributes
    assert dict(attrs) == {s: StringAttr(s)}


def test_unquote_hex_escapes_both_cases():
    assert unquote_string(r'"\41\6a\0A"') == "Aj\n"


# ------------------------------------------------------------------------ arrays and numpy


def test_dense_array_is_numpy_backed_and_read_only():
    a = DenseArrayAttr(i32, [1, 2, 3])
    assert a.data.dtype == np.dtype("<i4") and a.data.tolist() == [1, 2, 3] and len(a) == 3
    with pytest.raises(ValueError):
        a.data[0] = 5
    assert str(a) == "array<i32: 1, 2, 3>" and str(DenseArrayAttr(f32, [])) == "array<f32>"
    assert str(DenseArrayAttr(i1, [True, False])) == "array<i1: true, false>"
    assert DenseArrayAttr(f32, [0.1]).data.dtype == np.float32
    assert DenseArrayAttr(i32, np.array([[1, 2], [3, 4]])).data.shape == (4,)  # flattened
    with pytest.raises(VerifyException, match="cannot be stored"):
        DenseArrayAttr(PopType([3]), [1])


def test_dense_elements():
    t = TensorType([2, 2], f32)
    d = DenseElementsAttr(t, [[1, 2], [3, 4]])
    assert d.data.shape == (2, 2) and d.data.dtype == np.float32 and not d.data.flags.writeable
    assert str(d) == "dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>"
    splat = DenseElementsAttr(t, 7.0)
    assert splat.data.tolist() == [[7.0, 7.0], [7.0, 7.0]] and str(splat) == "dense<7.0> : tensor<2x2xf32>"
    big = DenseElementsAttr(TensorType([20], i8), np.arange(20))
    assert str(big).startswith('dense<"0x000102') and str(big).endswith('"> : tensor<20xi8>')
    with pytest.raises(VerifyException, match="has 3 elements but tensor<2x2xf32> needs 4"):
        DenseElementsAttr(t, [1, 2, 3])
    with pytest.raises(VerifyException, match="statically shaped"):
        DenseElementsAttr(TensorType([-1], f32), [1.0])
    nan = DenseElementsAttr(TensorType([2], f32), [math.nan, 1.0])
    assert DenseElementsAttr(TensorType([2], f32), [math.nan, 1.0]) != DenseElementsAttr(TensorType([2], f32), [1.0, 1.0])
    assert "0x7FC00000" in str(nan)


def test_element_type_of_dtype():
    assert element_type_of_dtype(np.float32) == f32 and element_type_of_dtype(np.float16) == f16
    assert element_type_of_dtype(np.int8) == i8 and element_type_of_dtype(np.bool_) == i1
    assert element_type_of_dtype(np.uint16) == IntegerType(16, "unsigned")
    assert element_type_of_dtype(np.float64) == f64
    with pytest.raises(VerifyException, match="no element type"):
        element_type_of_dtype(np.complex64)


def test_dense_resource_from_array_is_zero_copy():
    arr = np.arange(12, dtype=np.float32).reshape(3, 4)
    r = DenseResourceAttr.from_array("w", arr)
    assert r.type == TensorType([3, 4], f32) and r.handle.alignment == 4 and r.handle.name == "w"
    assert np.shares_memory(r.handle.blob, arr)
    view = r.data
    assert view.shape == (3, 4) and view.dtype == np.float32 and np.array_equal(view, arr)
    assert np.shares_memory(view, arr)
    arr[0, 0] = 42.0  # the attribute sees the same bytes
    assert r.data[0, 0] == 42.0
    # an explicit element type converts once
    r8 = DenseResourceAttr.from_array("b", np.array([1, 2, 3], dtype=np.int64), i8)
    assert r8.data.dtype == np.int8 and r8.data.tolist() == [1, 2, 3]
    # equality is by handle identity
    assert r == DenseResourceAttr(r.handle, r.type) and r != DenseResourceAttr.from_array("w", arr)


def test_dense_resource_errors():
    h = ResourceHandle("x", None)
    r = DenseResourceAttr(h, TensorType([2], f32))
    with pytest.raises(VerifyException, match="has no data"):
        r.data
    h.blob = np.zeros(4, np.uint8)
    with pytest.raises(VerifyException, match="holds 1 elements of f32 but tensor<2xf32> needs 2"):
        r.data
    with pytest.raises(VerifyException, match="tensor type"):
        DenseResourceAttr(h, f32)


def test_parsed_resource_is_read_from_the_blob():
    text = ('"x.y"() {w = dense_resource<blob> : tensor<2xf32>} : () -> ()\n'
            '{-#\n  dialect_resources: {\n    builtin: {\n      blob: "0x04000000' +
            struct.pack("<2f", 1.0, 2.0).hex() + '"\n    }\n  }\n#-}\n')
    m = parse_source(text, ctx=Context(allow_unregistered=True))
    w = m.regions[0].blocks[0].ops[0].attributes["w"]
    assert w.data.tolist() == [1.0, 2.0] and w.handle.alignment == 4


# ------------------------------------------------------------------------ parametrized attributes


def test_parametrized_attribute_construction_and_defaults():
    n = NeuronAttr(tau=0.02)
    assert n.tau == FloatAttr(0.02) and n.v_th == FloatAttr(1.0) and n.v_reset == FloatAttr(0.0)
    assert str(n) == "#test.neuron<tau = 0.02>"  # defaults are not printed
    assert str(NeuronAttr(0.5, 2.0)) == "#test.neuron<tau = 0.5, v_th = 2.0>"
    assert NeuronAttr(0.5, 2.0) == NeuronAttr(tau=0.5, v_th=FloatAttr(2.0))


def test_parametrized_attribute_errors():
    with pytest.raises(VerifyException, match="needs parameter 'tau'"):
        NeuronAttr()
    with pytest.raises(VerifyException, match="no parameter 'beta'"):
        NeuronAttr(tau=1.0, beta=2.0)
    with pytest.raises(VerifyException, match="given twice"):
        NeuronAttr(1.0, tau=1.0)
    with pytest.raises(VerifyException, match="takes 3 parameters, got 4"):
        NeuronAttr(1.0, 1.0, 0.0, 5.0)
    with pytest.raises(VerifyException, match="parameter 'tau': expected float attribute"):
        NeuronAttr(tau="fast")
    with pytest.raises(VerifyException, match="tau must be positive"):
        NeuronAttr(tau=-1.0)
    with pytest.raises(VerifyException, match="v_reset must be below v_th"):
        NeuronAttr(tau=1.0, v_reset=2.0)


def test_positional_parametrized_type_with_coercion():
    assert PopType(4) == PopType([4]) == PopType(ShapeAttr([4])) == PopType(IntegerAttr(4))
    assert str(PopType((4, 4))) == "!test.pop<4x4>"
    assert PopType([4, 4]).shape == ShapeAttr([4, 4]) and PopType([4, 4]).shape.num_elements == 16
    with pytest.raises(VerifyException, match="expected a shape"):
        PopType("big")
    with pytest.raises(VerifyException):
        PopType([-1])


def test_parametrized_attributes_parse_back():
    ctx = Context()
    for text in ("#test.neuron<tau = 0.02>", "#test.neuron<tau = 0.5, v_th = 2.0, v_reset = 1.0>",
                 "!test.pop<4x4>", "!test.pop<7>", "!test.pop<0x3>"):
        m = parse_source(f'"test.flag"() {{a = {text}}} : () -> ()', ctx=ctx)
        attr = m.regions[0].blocks[0].ops[0].attributes["a"]
        a2 = attr.value if isinstance(attr, TypeAttr) else attr
        assert str(a2) == text


def test_nan_attributes_equal_themselves_with_equal_hashes():
    a, b = FloatAttr(float("nan"), f16), FloatAttr(float("nan"), f16)  # two distinct nan objects
    assert a == b and hash(a) == hash(b)
    for make in (lambda: DenseArrayAttr(f32, [math.nan, 1.0]),
                 lambda: DenseElementsAttr(TensorType([2], f32), [math.nan, 1.0])):
        x, y = make(), make()
        assert x == x and x == y and hash(x) == hash(y)
    assert DenseArrayAttr(f32, [0.0]) != DenseArrayAttr(f32, [-0.0])  # they print differently
