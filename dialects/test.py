"""The `test` dialect: used only by snnir's own tests, it exercises every feature of op declaration.

Nothing in the compiler depends on it; it is the executable specification of what a dialect
author can declare (operands of every arity, results, properties, attributes, regions, traits,
custom syntax, parametrized attributes and types, and a per-op verifier).
"""

from __future__ import annotations

from snnir.attributes import (
    ArrayAttr,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    ShapeAttr,
    StringAttr,
    SymbolRefAttr,
    TypeAttribute,
    UnitAttr,
    VerifyException,
)
from snnir.irdl import (
    Dialect,
    IRDLOperation,
    ParametrizedAttribute,
    ParametrizedType,
    Predicate,
    SymbolName,
    attr_def,
    operand_def,
    opt_attr_def,
    opt_operand_def,
    opt_prop_def,
    param_def,
    prop_def,
    region_def,
    result_def,
    var_operand_def,
    var_region_def,
    var_result_def,
)
from snnir.traits import GraphRegions, HasParent, IsolatedFromAbove, NoTerminator, Pure, SingleBlock, Symbol, SymbolTable


def _as_shape(value: object) -> ShapeAttr:
    if isinstance(value, ShapeAttr):
        return value
    if isinstance(value, IntegerAttr):
        return ShapeAttr([value.value])
    if isinstance(value, int):
        return ShapeAttr([value])
    if isinstance(value, (tuple, list)):
        return ShapeAttr(value)
    raise VerifyException(f"expected a shape like 10 or 4x4, got {value}")


class PopType(ParametrizedType):
    """`!test.pop<4x4>`: a population of neurons with a shape (positional parameter)."""

    name = "test.pop"
    positional = True
    shape = param_def(ShapeAttr, coerce=_as_shape)


class NeuronAttr(ParametrizedAttribute):
    """`#test.neuron<tau = 0.02, v_th = 1.0>`: keyword parameters with a default and a cross-check."""

    name = "test.neuron"
    tau = param_def(FloatAttr)
    v_th = param_def(FloatAttr, default=1.0)
    v_reset = param_def(FloatAttr, default=0.0)

    def verify_(self) -> None:
        if self.tau.value <= 0:
            raise VerifyException(f"#test.neuron: tau must be positive, got {self.tau.value}")
        if self.v_reset.value >= self.v_th.value:
            raise VerifyException("#test.neuron: v_reset must be below v_th")


PositiveInt = Predicate(IntegerAttr, lambda a: a.value > 0, "positive integer")


class ConstantOp(IRDLOperation):
    """A typed constant whose result type is inferred from its value: `%c = test.constant 5 : i32`."""

    name = "test.constant"
    value = prop_def(IntegerAttr)
    res = result_def(IntegerType)
    traits = (Pure(),)
    assembly_format = "$value attr-dict"

    @staticmethod
    def infer_result_types(operands: list, properties: dict, attributes: dict) -> list[TypeAttribute]:
        value = properties.get("value")
        if not isinstance(value, IntegerAttr):
            raise VerifyException("expected an integer value")
        return [value.type]

    def verify_(self) -> None:
        if self.value.type != self.res.type:
            raise VerifyException(f"value type {self.value.type} does not match result type {self.res.type}")


class ScaleOp(IRDLOperation):
    """An attribute followed by `:` in the format: `test.scale 2.5 : f32` (factor f64) or `2.5 : f32 : f32`."""

    name = "test.scale"
    factor = prop_def(FloatAttr)
    res = result_def()
    assembly_format = "$factor attr-dict `:` type($res)"


class AddOp(IRDLOperation):
    """Two operands of the same type, one result of that type."""

    name = "test.add"
    lhs = operand_def(IntegerType)
    rhs = operand_def(IntegerType)
    res = result_def(IntegerType)
    traits = (Pure(),)
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($res)"

    def verify_(self) -> None:
        if not (self.lhs.type == self.rhs.type == self.res.type):
            raise VerifyException("operands and result must have the same type")


class PopulationOp(IRDLOperation):
    """A population with a dialect attribute and a dialect type: `%p = test.population #test.neuron<...> : !test.pop<4>`."""

    name = "test.population"
    neuron = prop_def(NeuronAttr)
    res = result_def(PopType)
    assembly_format = "$neuron attr-dict `:` type($res)"


class ConnectOp(IRDLOperation):
    """Operands without printed types, a keyword, an optional property group and a symbol reference."""

    name = "test.connect"
    src = operand_def(PopType)
    dst = operand_def(PopType)
    weight = opt_prop_def(FloatAttr)
    delay = opt_prop_def(PositiveInt)
    kernel = opt_prop_def(SymbolRefAttr)
    assembly_format = ("$src `->` $dst (`weight` $weight^)? (`delay` $delay^)? (`using` $kernel^)? attr-dict")


class CallOp(IRDLOperation):
    """Variadic operands and results with functional-type."""

    name = "test.call"
    callee = prop_def(SymbolRefAttr)
    args = var_operand_def()
    outs = var_result_def()
    assembly_format = "$callee `(` $args `)` attr-dict `:` functional-type($args, $outs)"


class SelectOp(IRDLOperation):
    """Two variadic operand groups (segment sizes) and an optional operand."""

    name = "test.select"
    cond = opt_operand_def(IntegerType)
    trues = var_operand_def()
    falses = var_operand_def()
    res = result_def()
    assembly_format = "(`if` $cond^ `:` type($cond))? `[` $trues `]` `,` `[` $falses `]` attr-dict `->` type($res)"


class FlagOp(IRDLOperation):
    """A unit-attribute anchor: `test.flag` or `test.flag fast`."""

    name = "test.flag"
    fast = opt_prop_def(UnitAttr)
    assembly_format = "(`fast` $fast^)? attr-dict"


class FuncOp(IRDLOperation):
    """A symbol with an isolated single-block region whose block has arguments."""

    name = "test.func"
    sym_name = prop_def(SymbolName())
    body = region_def(single_block=True)
    traits = (Symbol(), IsolatedFromAbove(), NoTerminator(), SingleBlock())
    assembly_format = "$sym_name attr-dict-with-keyword $body"


class GraphOp(IRDLOperation):
    """A graph region (uses before definitions, cycles) that is also a symbol table."""

    name = "test.graph"
    sym_name = prop_def(SymbolName())
    body = region_def(single_block=True)
    traits = (Symbol(), SymbolTable(), GraphRegions(), NoTerminator(), SingleBlock(), IsolatedFromAbove())
    assembly_format = "$sym_name attr-dict-with-keyword $body"


class NodeOp(IRDLOperation):
    """A node of a `test.graph`, with any number of inputs (cycles allowed)."""

    name = "test.node"
    sym_name = prop_def(SymbolName())
    inputs = var_operand_def()
    res = result_def()
    traits = (Symbol(), HasParent("test.graph"))
    assembly_format = "$sym_name (`(` $inputs^ `)`)? attr-dict `:` type($res)"


class MultiRegionOp(IRDLOperation):
    """Any number of regions, no custom syntax (always printed in the generic form)."""

    name = "test.multi_region"
    regions_ = var_region_def()
    tag = opt_attr_def(StringAttr)


class WeightsOp(IRDLOperation):
    """An attribute holding a big array (inline dense elements or a resource)."""

    name = "test.weights"
    sym_name = prop_def(SymbolName())
    value = prop_def()
    assembly_format = "$sym_name `=` $value attr-dict"


class ListOp(IRDLOperation):
    """Array and shape attributes in custom syntax, and a declared (discardable) attribute."""

    name = "test.list"
    items = prop_def(ArrayAttr)
    note = attr_def(StringAttr, default=StringAttr(""))
    assembly_format = "$items attr-dict"


TEST = Dialect(
    "test",
    [ConstantOp, ScaleOp, AddOp, PopulationOp, ConnectOp, CallOp, SelectOp, FlagOp, FuncOp, GraphOp, NodeOp,
     MultiRegionOp, WeightsOp, ListOp],
    [PopType, NeuronAttr],
    description="Test-only dialect exercising every declaration feature.",
)

__all__ = ["TEST", "TypeAttribute"]
