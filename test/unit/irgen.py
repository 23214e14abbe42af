"""Hypothesis strategies that build random, well-formed snnir IR through the Python API.

The modules mix unregistered generic ops (any number of operands, results, properties,
attributes and regions with several blocks and block arguments) with ops of the `test`
dialect that have a custom assembly format. Attributes cover every builtin kind,
nested arrays and dictionaries, arbitrary strings, floats of every width, dense arrays,
dense elements and resources, and the test dialect's parametrized attribute and type.
"""

from __future__ import annotations

import itertools
import math
import re
import string

import numpy as np
from hypothesis import strategies as st

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
    IntegerAttr,
    IntegerType,
    OpaqueAttr,
    OpaqueType,
    StringAttr,
    SymbolRefAttr,
    TensorType,
    TypeAttr,
    UnitAttr,
    f16,
    f32,
    f64,
    i1,
    i8,
    i16,
    i32,
    i64,
    index,
    none_type,
)
from snnir.builtin import ModuleOp
from snnir.dialects import test as T
from snnir.ir import Block, Operation, Region, unregistered_op_class

# ---------------------------------------------------------------------------- names

_ID_START = string.ascii_letters + "_"
_ID_REST = string.ascii_letters + string.digits + "_$.-"

identifiers = st.builds(lambda a, b: a + b, st.sampled_from(_ID_START), st.text(_ID_REST, max_size=6))
# value name hints as a user or a frontend would write them (all digits or empty: printed as numbers)
name_hints = st.one_of(st.none(), st.sampled_from(["x", "a", "w", "in", "x_1", "v.2", "$t", "-y", "0", "7", "0_1", "", "a b", "é"]),
                       identifiers)
op_names = st.builds(lambda d, o: f"{d}.{o}", st.sampled_from(["foo", "bar", "my_dialect"]),
                     st.text(string.ascii_lowercase + "_.", min_size=1, max_size=6))
any_text = st.text(max_size=12)
# keys of `#dialect.name<key = value>` parameters: plain identifiers that are not keywords
param_keys = st.from_regex(r"[a-z_][a-z0-9_]{0,5}", fullmatch=True).filter(
    lambda k: k not in ("true", "false", "unit", "dense", "dense_resource", "array", "tensor", "loc", "none", "index")
    and re.match(r"(si|ui|i)[1-9]|f16|bf16|f32|f64", k) is None)
dict_keys = st.one_of(identifiers, any_text, st.sampled_from(["true", "i32", "dense", "loc", "sym_name", "a.b"]))

# ---------------------------------------------------------------------------- types

int_types = st.sampled_from([i1, i8, i16, i32, i64, IntegerType(7), IntegerType(8, "signed"), IntegerType(1, "signed"),
                             IntegerType(32, "unsigned"), IntegerType(128)])
storable_int_types = st.sampled_from([i1, i8, i16, i32, i64, IntegerType(8, "unsigned"), IntegerType(16, "signed")])
float_types = st.sampled_from([f16, f32, f64])
all_float_types = st.sampled_from([f16, f32, f64, FloatType("bf16")])
pop_types = st.builds(lambda dims: T.PopType(dims), st.lists(st.integers(0, 40), min_size=1, max_size=3))


def _tensor(elt):
    return st.builds(lambda shape, e: TensorType(shape, e),
                     st.one_of(st.none(), st.lists(st.sampled_from([0, 1, 3, 16, -1]), max_size=3)), elt)


scalar_types = st.one_of(int_types, float_types, st.sampled_from([index, none_type, FloatType("bf16"), i1]))
types = st.recursive(
    st.one_of(scalar_types, pop_types,
              st.builds(lambda n: OpaqueType(n, None), st.sampled_from(["foo.t", "bar.buf"]))),
    lambda inner: st.one_of(
        _tensor(st.one_of(scalar_types, pop_types)),
        st.builds(FunctionType, st.lists(inner, max_size=2), st.lists(inner, max_size=2)),
        st.builds(lambda n, p: OpaqueType(n, tuple((None, TypeAttr(x)) for x in p)), st.sampled_from(["foo.t2"]),
                  st.lists(inner, min_size=1, max_size=2)),
    ),
    max_leaves=4,
)

# ---------------------------------------------------------------------------- attributes


@st.composite
def integer_attrs(draw):
    t = draw(st.one_of(int_types, st.just(index)))
    if t == index:
        return IntegerAttr(draw(st.integers(-(2**63), 2**63 - 1)), t)
    lo, hi = t.value_range()
    return IntegerAttr(draw(st.one_of(st.integers(lo, hi), st.sampled_from([lo, hi, 0]))), t)


finite_floats = st.floats(allow_nan=False, allow_infinity=False)
float_values = st.one_of(finite_floats, st.sampled_from([math.inf, -math.inf, math.nan, 0.0, -0.0, 1e-3, 5e-324]))
float_attrs = st.builds(FloatAttr, float_values, all_float_types)


@st.composite
def dense_arrays(draw, allow_nonfinite: bool = True):
    t = draw(st.one_of(storable_int_types, float_types))
    n = draw(st.integers(0, 6))
    if isinstance(t, FloatType):
        vals = draw(st.lists(float_values if allow_nonfinite else finite_floats, min_size=n, max_size=n))
    elif t == i1:
        vals = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    else:
        info = np.iinfo(t.numpy_dtype())
        vals = draw(st.lists(st.integers(int(info.min), int(info.max)), min_size=n, max_size=n))
    return DenseArrayAttr(t, vals)


@st.composite
def dense_elements(draw, allow_nonfinite: bool = True):
    t = draw(st.one_of(storable_int_types, float_types))
    shape = draw(st.lists(st.integers(1, 5), max_size=3))
    n = math.prod(shape)
    if draw(st.booleans()):
        n_vals = 1  # splat
    else:
        n_vals = n
    if isinstance(t, FloatType):
        vals = draw(st.lists(float_values if allow_nonfinite else finite_floats, min_size=n_vals, max_size=n_vals))
    elif t == i1:
        vals = draw(st.lists(st.booleans(), min_size=n_vals, max_size=n_vals))
    else:
        info = np.iinfo(t.numpy_dtype())
        vals = draw(st.lists(st.integers(int(info.min), int(info.max)), min_size=n_vals, max_size=n_vals))
    if n_vals == 1:
        vals = vals[0]
    return DenseElementsAttr(TensorType(shape, t), vals)


_resource_ids = itertools.count()


@st.composite
def resources(draw):
    t = draw(st.sampled_from([np.float32, np.int8, np.int64, np.uint16, np.float64, np.bool_]))
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=2)))
    raw = draw(st.binary(min_size=int(np.prod(shape)) * np.dtype(t).itemsize,
                         max_size=int(np.prod(shape)) * np.dtype(t).itemsize))
    arr = np.frombuffer(raw, dtype=np.uint8).view(t).reshape(shape) if t is not np.bool_ else (
        np.frombuffer(raw, dtype=np.uint8).reshape(shape) % 2).astype(np.bool_)
    name = draw(st.sampled_from(["w", "weights", "blob", "x.y", "true", "3d", ""]))
    # distinct blobs get distinct names: which of two same-named blobs gets the `_1` key depends on print
    # order, which differs between the custom and the generic form (see test_roundtrip)
    return DenseResourceAttr.from_array(f"{name}{next(_resource_ids)}", arr)


symbol_refs = st.builds(lambda r, n: SymbolRefAttr(r, n), st.one_of(identifiers, any_text),
                        st.lists(st.one_of(identifiers, any_text), max_size=2))
neuron_attrs = st.builds(lambda tau, vth: T.NeuronAttr(tau=tau, v_th=vth, v_reset=vth - 1.0),
                         st.floats(1e-6, 10.0), st.sampled_from([1.0, 0.5, 2.0]))

leaf_attrs = st.one_of(
    integer_attrs(),
    float_attrs,
    st.builds(BoolAttr, st.booleans()),
    st.builds(StringAttr, any_text),
    st.just(UnitAttr()),
    symbol_refs,
    st.builds(TypeAttr, types),
    dense_arrays(),
    dense_elements(),
    resources(),
    neuron_attrs,
    st.builds(lambda n: OpaqueAttr(n, None), st.sampled_from(["foo.a", "bar.attr"])),
)

attributes = st.recursive(
    leaf_attrs,
    lambda inner: st.one_of(
        st.builds(ArrayAttr, st.lists(inner, max_size=3)),
        st.builds(DictionaryAttr, st.dictionaries(dict_keys, inner, max_size=3)),
        st.builds(lambda n, p: OpaqueAttr(n, tuple(p)), st.sampled_from(["foo.p"]),
                  st.lists(st.tuples(st.one_of(st.none(), param_keys), inner), min_size=1, max_size=2)),
    ),
    max_leaves=6,
)
attr_dicts = st.dictionaries(dict_keys, attributes, max_size=3)

# ---------------------------------------------------------------------------- operations


class _Gen:
    """Builds ops into blocks; `visible` is the stack of values usable at the current point."""

    def __init__(self, draw, max_depth: int) -> None:
        self.draw = draw
        self.max_depth = max_depth

    def values(self, visible, n):
        if not visible:
            return []
        return [self.draw(st.sampled_from(visible)) for _ in range(n)]

    def region(self, visible, depth, max_blocks=3):
        draw = self.draw
        region = Region()
        n_blocks = draw(st.integers(0, max_blocks))
        # block arguments of every block are visible in the whole region (one naming scope)
        blocks = []
        for _ in range(n_blocks):
            b = Block()
            for _ in range(draw(st.integers(0, 2))):
                b.add_arg(draw(types), draw(name_hints))
            if draw(st.booleans()):
                b.label = draw(st.sampled_from(["bb0", "bb1", "entry", "loop", "x.y", "bb1"]))
            blocks.append(b)
            region.add_block(b)
        inner = list(visible) + [a for b in blocks for a in b.args]
        for b in blocks:
            self.fill(b, inner, depth + 1)
        return region

    def fill(self, block, visible, depth):
        n = self.draw(st.integers(0, 4 if depth < 2 else 2))
        for _ in range(n):
            op = self.op(visible, depth)
            block.add_op(op)
            visible.extend(op.results)

    def op(self, visible, depth):
        draw = self.draw
        kind = draw(st.sampled_from(["generic", "generic", "test", "test"]))
        if kind == "generic":
            cls = unregistered_op_class(draw(op_names))
            operands = self.values(visible, draw(st.integers(0, 3)))
            result_types = draw(st.lists(types, max_size=3))
            regions = []
            if depth < self.max_depth:
                regions = [self.region(visible, depth) for _ in range(draw(st.integers(0, 2)))]
            names = [draw(name_hints) for _ in result_types]
            return cls(operands, result_types, draw(attr_dicts), draw(attr_dicts), regions, result_names=names)
        return self.test_op(visible, depth)

    def int_value(self, visible):
        ints = [v for v in visible if isinstance(v.type, IntegerType)]
        return self.draw(st.sampled_from(ints)) if ints else None

    def test_op(self, visible, depth):
        draw = self.draw
        choice = draw(st.sampled_from(["constant", "scale", "add", "population", "connect", "call", "select",
                                       "flag", "func", "graph", "multi", "weights", "list"]))
        hint = draw(name_hints)
        if choice == "constant":
            a = draw(integer_attrs())
            # not i1: `true`/`false` read back as BoolAttr, which test.constant does not accept
            if not isinstance(a.type, IntegerType) or a.type == i1:
                a = IntegerAttr(a.value % 100, i32)
            op = T.ConstantOp.build(value=a, result_types=[a.type])
        elif choice == "scale":
            op = T.ScaleOp.build(factor=draw(float_attrs), result_types=[draw(types)])
        elif choice == "add":
            v = self.int_value(visible)
            if v is None:
                return T.FlagOp.build()
            op = T.AddOp.build(lhs=v, rhs=v, result_types=[v.type])
        elif choice == "population":
            op = T.PopulationOp.build(neuron=draw(neuron_attrs), result_types=[draw(pop_types)])
        elif choice == "connect":
            pops = [v for v in visible if isinstance(v.type, T.PopType)]
            if not pops:
                return T.PopulationOp.build(neuron=draw(neuron_attrs), result_types=[draw(pop_types)])
            op = T.ConnectOp.build(src=draw(st.sampled_from(pops)), dst=draw(st.sampled_from(pops)),
                                   weight=draw(st.one_of(st.none(), float_attrs)),
                                   delay=draw(st.one_of(st.none(), st.integers(1, 9))),
                                   kernel=draw(st.one_of(st.none(), symbol_refs)),
                                   attributes=draw(attr_dicts))
        elif choice == "call":
            op = T.CallOp.build(callee=draw(symbol_refs), args=self.values(visible, draw(st.integers(0, 3))),
                                result_types=[draw(st.lists(types, max_size=3))])
        elif choice == "select":
            cond = self.int_value(visible) if draw(st.booleans()) else None
            op = T.SelectOp.build(cond=cond, trues=self.values(visible, draw(st.integers(0, 2))),
                                  falses=self.values(visible, draw(st.integers(0, 2))),
                                  result_types=[draw(types)])
        elif choice == "flag":
            op = T.FlagOp.build(fast=UnitAttr() if draw(st.booleans()) else None, attributes=draw(attr_dicts))
        elif choice in ("func", "graph"):
            body = Region([Block()])
            blk = body.blocks[0]
            if choice == "func":
                for _ in range(draw(st.integers(0, 2))):
                    blk.add_arg(draw(types), draw(name_hints))
            if depth < self.max_depth:
                inner = list(blk.args)  # isolated from above
                if choice == "graph":
                    n = draw(st.integers(0, 3))
                    nodes = [T.NodeOp.build(sym_name=f"n{i}", result_types=[draw(types)]) for i in range(n)]
                    for nd in nodes:
                        blk.add_op(nd)
                    for nd in nodes:  # uses before definitions: a cyclic graph
                        nd.operands = self.values([x.res for x in nodes], draw(st.integers(0, 2)))
                else:
                    self.fill(blk, inner, depth + 1)
            cls = T.FuncOp if choice == "func" else T.GraphOp
            op = cls.build(sym_name=draw(st.one_of(identifiers, any_text)), body=body,
                           attributes=draw(attr_dicts))
        elif choice == "multi":
            regions = [self.region(visible, depth) for _ in range(draw(st.integers(0, 2)))] \
                if depth < self.max_depth else []
            op = T.MultiRegionOp.build(regions_=regions, tag=draw(st.one_of(st.none(), any_text)))
        elif choice == "weights":
            op = T.WeightsOp.build(sym_name=draw(identifiers), value=draw(attributes))
        else:
            op = T.ListOp.build(items=ArrayAttr(draw(st.lists(attributes, max_size=3))),
                                note=draw(st.one_of(st.none(), any_text)))
        for r in op.results:
            r.name_hint = hint
        return op


@st.composite
def modules(draw, max_depth: int = 2) -> Operation:
    """A random `builtin.module` of generic and custom-form ops."""
    gen = _Gen(draw, max_depth)
    body = Region([Block()])
    gen.fill(body.blocks[0], [], 0)
    return ModuleOp.build(body=body)


@st.composite
def generic_ops_text(draw) -> str:
    """One module of unregistered generic ops, printed (the input of lexer fast-path tests)."""
    from snnir.printer import print_operation

    return print_operation(draw(modules(max_depth=1)), generic=True)
