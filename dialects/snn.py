"""The `snn` dialect: a spiking neural network as populations and projections.

    snn.network @mlp attributes {dt = 1.0e-3} {
      %in = snn.input @in : !snn.pop<784>
      %h = snn.neurons @h #snn.lif<tau = 2.0e-2, v_th = 1.0> : !snn.pop<100>
      snn.dense %in -> %h weight(dense_resource<w1> : tensor<100x784xf32>)
      snn.output @out %h
    }

A population is an SSA value of type `!snn.pop<shape>` made by `snn.input` or
`snn.neurons` (or viewed with another shape by `snn.reshape`); projections are ops that
connect two populations and hold their weights, which live in resources when large. The
network's region is a graph region, so recurrent networks are written directly.

Conventions (shared with the simulator and the NIR translation):
- weights are [post, pre] (NIR's `weight[out, in]`); conv kernels are [C_out, C_in/groups, *k];
- a neuron parameter is a scalar or one value per neuron (a dense or resource tensor);
- `delay` is in time steps; a delay-0 projection acts within the step, so delay-0
  projections must not form a cycle (recurrent loops need a delay of at least 1), except the
  chains of a `#snn.relay` population: an `snn.sparse` onto itself from units to later units.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from snnir.algorithms.geometry import conv_output_shape
from snnir.attributes import (
    ArrayAttr,
    Attribute,
    DenseElementsAttr,
    DenseResourceAttr,
    FloatAttr,
    IntegerAttr,
    ShapeAttr,
    StringAttr,
    VerifyException,
)
from snnir.irdl import (
    AnyOf,
    BaseAttr,
    Dialect,
    IRDLOperation,
    ParametrizedAttribute,
    ParametrizedType,
    Predicate,
    SymbolName,
    operand_def,
    opt_prop_def,
    param_def,
    prop_def,
    region_def,
    result_def,
)
from snnir.traits import GraphRegions, HasParent, IsolatedFromAbove, NoTerminator, SingleBlock, Symbol, SymbolTable

# --------------------------------------------------------------------------------- helpers


def array_of(attr: Attribute) -> np.ndarray:
    """The values of a scalar, dense or resource attribute as a float64 numpy array (scalars 0-d)."""
    if isinstance(attr, (FloatAttr, IntegerAttr)):
        return np.asarray(float(attr.value))
    if isinstance(attr, (DenseElementsAttr, DenseResourceAttr)):
        return np.asarray(attr.data, dtype=np.float64)
    raise VerifyException(f"expected a number or a tensor, got {attr}")


def tensor_shape(attr: Attribute) -> tuple[int, ...] | None:
    """The static shape of a tensor-valued attribute, None for scalars."""
    if isinstance(attr, (DenseElementsAttr, DenseResourceAttr)):
        return tuple(attr.type.shape) if attr.type.shape is not None else None
    return None


def _as_shape(value: Any) -> ShapeAttr:
    if isinstance(value, ShapeAttr):
        return value
    if isinstance(value, IntegerAttr):
        return ShapeAttr([value.value])
    if isinstance(value, (int, np.integer)):
        return ShapeAttr([int(value)])
    if isinstance(value, (tuple, list)):
        return ShapeAttr(value)
    raise VerifyException(f"expected a shape like 100 or 1x28x28, got {value}")


def _as_param(value: Any) -> Attribute:
    """Neuron parameters: a number, or an array of one value per neuron."""
    if isinstance(value, Attribute):
        if isinstance(value, IntegerAttr):
            return FloatAttr(float(value.value))
        return value
    if isinstance(value, (int, float, np.integer, np.floating)):
        return FloatAttr(float(value))
    arr = np.asarray(value, dtype=np.float32)
    if arr.ndim == 0:
        return FloatAttr(float(arr))
    from snnir.attributes import TensorType, f32

    return DenseElementsAttr(TensorType(arr.shape, f32), arr)


def _as_int(value: Any) -> Attribute:
    if isinstance(value, Attribute):
        return value
    return IntegerAttr(int(value))


Number = BaseAttr(FloatAttr)
Tensor = BaseAttr(DenseElementsAttr, DenseResourceAttr)
Param = AnyOf(FloatAttr, DenseElementsAttr, DenseResourceAttr)
NonNegInt = Predicate(IntegerAttr, lambda a: a.value >= 0, "non-negative integer")
PositiveInt = Predicate(IntegerAttr, lambda a: a.value > 0, "positive integer")
PositiveFloat = Predicate(FloatAttr, lambda a: a.value > 0, "positive number")
ResetMode = Predicate(StringAttr, lambda a: a.data in ("zero", "subtract"), '"zero" or "subtract"')
PoolMode = Predicate(StringAttr, lambda a: a.data in ("sum", "avg"), '"sum" or "avg"')
IntList = Predicate(ArrayAttr, lambda a: all(isinstance(x, IntegerAttr) for x in a.data), "list of integers")


# ----------------------------------------------------------------------------------- types


class PopType(ParametrizedType):
    """`!snn.pop<100>` or `!snn.pop<1x28x28>`: a population of neurons (or inputs) with a shape."""

    name = "snn.pop"
    positional = True
    shape = param_def(ShapeAttr, coerce=_as_shape)

    @property
    def dims(self) -> tuple[int, ...]:
        return self.shape.dims

    @property
    def size(self) -> int:
        return math.prod(self.shape.dims)

    def verify_(self) -> None:
        if any(d <= 0 for d in self.shape.dims):
            raise VerifyException(f"!snn.pop needs positive dimensions, got {self.shape}")


# -------------------------------------------------------------------------- neuron models


class NeuronModel(ParametrizedAttribute):
    """Base of neuron-model attributes: parameters are scalars or per-neuron tensors."""

    spiking: bool = True
    time_constants: tuple[str, ...] = ()

    def verify_(self) -> None:
        for name in self.time_constants:
            values = array_of(getattr(self, name))
            if values.size and not np.all(values > 0):
                raise VerifyException(f"{self.sigil}{self.name}: time constant '{name}' must be positive")

    def check_size(self, size: int) -> None:
        """Every per-neuron parameter must have exactly `size` values."""
        for d, value in zip(self.param_defs, self.parameters):
            shape = tensor_shape(value)
            if shape is not None and math.prod(shape) != size:
                raise VerifyException(f"parameter '{d.name}' of {self.sigil}{self.name} has {math.prod(shape)} values "
                                      f"but the population has {size} neurons")


class LIFAttr(NeuronModel):
    """Leaky integrate-and-fire: tau dv/dt = (v_leak - v) + r I; spike when v >= v_th."""

    name = "snn.lif"
    time_constants = ("tau",)
    tau = param_def(Param, coerce=_as_param)
    r = param_def(Param, default=1.0, coerce=_as_param)
    v_leak = param_def(Param, default=0.0, coerce=_as_param)
    v_th = param_def(Param, default=1.0, coerce=_as_param)
    v_reset = param_def(Param, default=0.0, coerce=_as_param)
    reset = param_def(ResetMode, default="zero")
    refractory = param_def(NonNegInt, default=0, coerce=_as_int)


class IFAttr(NeuronModel):
    """Integrate-and-fire: dv/dt = r I; spike when v >= v_th."""

    name = "snn.if"
    r = param_def(Param, default=1.0, coerce=_as_param)
    v_th = param_def(Param, default=1.0, coerce=_as_param)
    v_reset = param_def(Param, default=0.0, coerce=_as_param)
    reset = param_def(ResetMode, default="zero")
    refractory = param_def(NonNegInt, default=0, coerce=_as_int)


class LIAttr(NeuronModel):
    """Leaky integrator (a non-spiking readout): tau dv/dt = (v_leak - v) + r I."""

    name = "snn.li"
    spiking = False
    time_constants = ("tau",)
    tau = param_def(Param, coerce=_as_param)
    r = param_def(Param, default=1.0, coerce=_as_param)
    v_leak = param_def(Param, default=0.0, coerce=_as_param)


class CubaLIFAttr(NeuronModel):
    """Current-based LIF: tau_syn di/dt = -i + w_in I; tau_mem dv/dt = (v_leak - v) + r i."""

    name = "snn.cuba_lif"
    time_constants = ("tau_syn", "tau_mem")
    tau_syn = param_def(Param, coerce=_as_param)
    tau_mem = param_def(Param, coerce=_as_param)
    r = param_def(Param, default=1.0, coerce=_as_param)
    v_leak = param_def(Param, default=0.0, coerce=_as_param)
    v_th = param_def(Param, default=1.0, coerce=_as_param)
    v_reset = param_def(Param, default=0.0, coerce=_as_param)
    w_in = param_def(Param, default=1.0, coerce=_as_param)
    reset = param_def(ResetMode, default="zero")
    refractory = param_def(NonNegInt, default=0, coerce=_as_int)


class CubaLIAttr(NeuronModel):
    """Current-based leaky integrator (non-spiking): the CubaLIF dynamics without threshold."""

    name = "snn.cuba_li"
    spiking = False
    time_constants = ("tau_syn", "tau_mem")
    tau_syn = param_def(Param, coerce=_as_param)
    tau_mem = param_def(Param, coerce=_as_param)
    r = param_def(Param, default=1.0, coerce=_as_param)
    v_leak = param_def(Param, default=0.0, coerce=_as_param)
    w_in = param_def(Param, default=1.0, coerce=_as_param)


class IntegratorAttr(NeuronModel):
    """A pure integrator (NIR's I): dv/dt = r I, non-spiking."""

    name = "snn.integrator"
    spiking = False
    r = param_def(Param, default=1.0, coerce=_as_param)


class ThresholdAttr(NeuronModel):
    """A memoryless threshold (NIR's Threshold): spike in a step when the input is >= v_th."""

    name = "snn.threshold"
    v_th = param_def(Param, default=1.0, coerce=_as_param)


class RelayAttr(NeuronModel):
    """A relay (fan-in decomposition): no state, no spikes; its output in a step is its input current of
    that same step, a partial sum forwarded along a chain of relays to the neuron it stands in for."""

    name = "snn.relay"
    spiking = False


NEURON_MODELS = (LIFAttr, IFAttr, LIAttr, CubaLIFAttr, CubaLIAttr, IntegratorAttr, ThresholdAttr, RelayAttr)

# -------------------------------------------------------------------------------------- ops

_IN_NETWORK = HasParent("snn.network")


def _pop(value: Any) -> PopType:
    if not isinstance(value.type, PopType):
        raise VerifyException(f"expected a population (!snn.pop), got {value.type}")
    return value.type


class NetworkOp(IRDLOperation):
    """A spiking neural network: populations and projections in a graph region, time step `dt` (s)."""

    name = "snn.network"
    sym_name = prop_def(SymbolName())
    dt = prop_def(PositiveFloat)
    body = region_def(single_block=True)
    traits = (Symbol(), SymbolTable(), IsolatedFromAbove(), GraphRegions(), NoTerminator(), SingleBlock())
    assembly_format = "$sym_name attr-dict-with-keyword $body"

    def verify_(self) -> None:
        _check_delay0_acyclic(self)


class InputOp(IRDLOperation):
    """External spike sources: an optional Poisson `rate` (Hz) or recorded `spikes` [steps, *shape]."""

    name = "snn.input"
    sym_name = prop_def(SymbolName())
    rate = opt_prop_def(Predicate(FloatAttr, lambda a: a.value >= 0, "non-negative rate"))
    spikes = opt_prop_def(Tensor)
    spike_counts = opt_prop_def(Tensor)
    res = result_def(PopType)
    traits = (Symbol(), _IN_NETWORK)
    assembly_format = "$sym_name attr-dict `:` type($res)"

    def verify_(self) -> None:
        size = self.res.type.size
        if self.spikes is not None:
            shape = tensor_shape(self.spikes)
            if shape is None or len(shape) < 2 or math.prod(shape[1:]) != size:
                raise VerifyException(f"recorded spikes must be [steps, {size}], got {self.spikes.type}")
        _check_counts(self.spike_counts, size)


class NeuronsOp(IRDLOperation):
    """A population of neurons of one model."""

    name = "snn.neurons"
    sym_name = prop_def(SymbolName())
    model = prop_def(BaseAttr(*NEURON_MODELS))
    spike_counts = opt_prop_def(Tensor)
    res = result_def(PopType)
    traits = (Symbol(), _IN_NETWORK)
    assembly_format = "$sym_name $model attr-dict `:` type($res)"

    def verify_(self) -> None:
        self.model.check_size(self.res.type.size)
        _check_counts(self.spike_counts, self.res.type.size)


def _check_counts(counts: Attribute | None, size: int) -> None:
    if counts is not None:
        shape = tensor_shape(counts)
        if shape is None or math.prod(shape) != size:
            raise VerifyException(f"spike_counts must hold {size} values, got {counts.type}")  # type: ignore[attr-defined]


class OutputOp(IRDLOperation):
    """Marks a population as an output of the network."""

    name = "snn.output"
    sym_name = prop_def(SymbolName())
    src = operand_def(PopType)
    traits = (Symbol(), _IN_NETWORK)
    assembly_format = "$sym_name $src attr-dict"


class ReshapeOp(IRDLOperation):
    """The same neurons seen with another shape (NIR's Flatten): no synapses, no state."""

    name = "snn.reshape"
    src = operand_def(PopType)
    res = result_def(PopType)
    traits = (_IN_NETWORK,)
    assembly_format = "$src attr-dict `:` type($src) `->` type($res)"

    def verify_(self) -> None:
        if _pop(self.src).size != self.res.type.size:
            raise VerifyException(f"cannot reshape {self.src.type} ({_pop(self.src).size} neurons) "
                                  f"to {self.res.type} ({self.res.type.size} neurons)")


class Projection(IRDLOperation):
    """Shared parts of projections: source and target populations, a delay in steps."""

    src = operand_def(PopType)
    dst = operand_def(PopType)
    delay = opt_prop_def(NonNegInt)
    traits = (_IN_NETWORK,)

    @property
    def delay_steps(self) -> int:
        d = self.properties.get("delay")
        return int(d.value) if isinstance(d, IntegerAttr) else 0


class DenseOp(Projection):
    """All-to-all synapses: weight [post, pre], optional bias [post] added every step."""

    name = "snn.dense"
    weight = prop_def(Tensor)
    bias = opt_prop_def(Param)
    assembly_format = ("$src `->` $dst `weight` `(` $weight `)` (`bias` `(` $bias^ `)`)? (`delay` $delay^)? "
                       "attr-dict")

    def verify_(self) -> None:
        pre, post = _pop(self.src).size, _pop(self.dst).size
        shape = tensor_shape(self.weight)
        if shape != (post, pre):
            raise VerifyException(f"weight must be {post}x{pre} (post x pre), got "
                                  f"{'x'.join(map(str, shape or ()))}")
        _check_bias(self.bias, post)


def _check_bias(bias: Attribute | None, post: int) -> None:
    if bias is not None:
        shape = tensor_shape(bias)
        if shape is not None and math.prod(shape) != post:
            raise VerifyException(f"bias must hold {post} values, got {math.prod(shape)}")


class SparseOp(Projection):
    """Synapses in coordinate form: `indices` [2, nnz] of (post, pre) pairs and `values` [nnz]."""

    name = "snn.sparse"
    indices = prop_def(Tensor)
    values = prop_def(Tensor)
    bias = opt_prop_def(Param)
    assembly_format = ("$src `->` $dst `indices` `(` $indices `)` `values` `(` $values `)` "
                       "(`bias` `(` $bias^ `)`)? (`delay` $delay^)? attr-dict")

    def verify_(self) -> None:
        pre, post = _pop(self.src).size, _pop(self.dst).size
        ishape, vshape = tensor_shape(self.indices), tensor_shape(self.values)
        if ishape is None or len(ishape) != 2 or ishape[0] != 2:
            raise VerifyException(f"indices must be 2 x nnz, got {self.indices.type}")
        if vshape is None or len(vshape) != 1 or vshape[0] != ishape[1]:
            raise VerifyException(f"values must hold nnz = {ishape[1]} weights, got {self.values.type}")
        idx = np.asarray(self.indices.data)
        if idx.size:
            if idx[0].min() < 0 or idx[0].max() >= post:
                raise VerifyException(f"a post-synaptic index is outside 0..{post - 1}")
            if idx[1].min() < 0 or idx[1].max() >= pre:
                raise VerifyException(f"a pre-synaptic index is outside 0..{pre - 1}")
        _check_bias(self.bias, post)


def _ints(attr: Attribute | None, n: int, default: int, what: str) -> list[int]:
    if attr is None:
        return [default] * n
    values = [x.value for x in attr.data]  # type: ignore[attr-defined]
    if len(values) != n:
        raise VerifyException(f"{what} needs {n} values, got {len(values)}")
    return values


class ConvOp(Projection):
    """Convolution: weight [C_out, C_in/groups, *kernel] over populations [C, L] or [C, H, W]."""

    name = "snn.conv"
    weight = prop_def(Tensor)
    stride = opt_prop_def(IntList)
    padding = opt_prop_def(IntList)
    dilation = opt_prop_def(IntList)
    groups = opt_prop_def(PositiveInt)
    bias = opt_prop_def(Param)
    assembly_format = ("$src `->` $dst `weight` `(` $weight `)` (`stride` $stride^)? (`padding` $padding^)? "
                       "(`dilation` $dilation^)? (`groups` $groups^)? (`bias` `(` $bias^ `)`)? (`delay` $delay^)? "
                       "attr-dict")

    def geometry(self) -> tuple[list[int], list[int], list[int], int]:
        k = tensor_shape(self.weight) or ()
        nd = len(k) - 2
        return (_ints(self.stride, nd, 1, "stride"), _ints(self.padding, nd, 0, "padding"),
                _ints(self.dilation, nd, 1, "dilation"), self.groups.value if self.groups else 1)

    def verify_(self) -> None:
        k = tensor_shape(self.weight)
        if k is None or len(k) not in (3, 4):
            raise VerifyException("weight must be C_out x C_in/groups x kernel (1-D) or x kh x kw (2-D)")
        nd = len(k) - 2
        src, dst = _pop(self.src).dims, _pop(self.dst).dims
        if len(src) != nd + 1 or len(dst) != nd + 1:
            raise VerifyException(f"a {nd}-D convolution connects populations of {nd + 1} dimensions "
                                  f"(channels first), got {self.src.type} -> {self.dst.type}")
        stride, padding, dilation, groups = self.geometry()
        if src[0] % groups or k[0] % groups:
            raise VerifyException(f"channels ({src[0]} in, {k[0]} out) must be divisible by groups = {groups}")
        if k[1] * groups != src[0]:
            raise VerifyException(f"weight expects {k[1] * groups} input channels, the source has {src[0]}")
        expected = (k[0], *conv_output_shape(src[1:], k[2:], stride, padding, dilation))
        if tuple(dst) != expected:
            raise VerifyException(f"convolution output is {'x'.join(map(str, expected))} but the target is "
                                  f"{'x'.join(map(str, dst))}")
        _check_bias(self.bias, k[0])


class PoolOp(Projection):
    """Sum or average pooling per channel over populations [C, H, W] (or [C, L])."""

    name = "snn.pool"
    mode = prop_def(PoolMode)
    kernel = prop_def(IntList)
    stride = opt_prop_def(IntList)
    padding = opt_prop_def(IntList)
    assembly_format = ("$mode $src `->` $dst `kernel` $kernel (`stride` $stride^)? (`padding` $padding^)? "
                       "(`delay` $delay^)? attr-dict")

    def geometry(self) -> tuple[list[int], list[int], list[int]]:
        kernel = [x.value for x in self.kernel.data]
        nd = len(kernel)
        stride = _ints(self.stride, nd, 1, "stride") if self.stride is not None else list(kernel)
        return kernel, stride, _ints(self.padding, nd, 0, "padding")

    def verify_(self) -> None:
        kernel, stride, padding = self.geometry()
        src, dst = _pop(self.src).dims, _pop(self.dst).dims
        if len(src) != len(kernel) + 1:
            raise VerifyException(f"a {len(kernel)}-D pooling needs a source of {len(kernel) + 1} dimensions, "
                                  f"got {self.src.type}")
        expected = (src[0], *conv_output_shape(src[1:], kernel, stride, padding, [1] * len(kernel)))
        if tuple(dst) != expected:
            raise VerifyException(f"pooling output is {'x'.join(map(str, expected))} but the target is "
                                  f"{'x'.join(map(str, dst))}")


class ScaleOp(Projection):
    """One-to-one synapses: neuron i of the source drives neuron i of the target with `factor` (scalar or per neuron)."""

    name = "snn.scale"
    factor = prop_def(Param)
    assembly_format = "$src `->` $dst `factor` `(` $factor `)` (`delay` $delay^)? attr-dict"

    def verify_(self) -> None:
        n, m = _pop(self.src).size, _pop(self.dst).size
        if n != m:
            raise VerifyException(f"one-to-one needs populations of equal size, got {n} and {m}")
        shape = tensor_shape(self.factor)
        if shape is not None and math.prod(shape) != n:
            raise VerifyException(f"factor must hold 1 or {n} values, got {math.prod(shape)}")


PROJECTIONS = (DenseOp, SparseOp, ConvOp, PoolOp, ScaleOp)


def _check_delay0_acyclic(network: NetworkOp) -> None:
    """Delay-0 projections act within a step, so they must not close a loop."""
    import networkx as nx

    g = nx.DiGraph()
    for op in network.regions[0].block.ops:
        if isinstance(op, Projection) and op.delay_steps == 0:
            src, dst = _root(op.src), _root(op.dst)
            if src is dst and is_relay(src):
                _check_relay_chain(op)
                continue
            g.add_edge(src, dst, op=op)
    try:
        cycle = nx.find_cycle(g)
    except nx.NetworkXNoCycle:
        return
    names = " -> ".join(f"@{_population_name(u)}" for u, _ in cycle) + f" -> @{_population_name(cycle[0][0])}"
    raise VerifyException(f"projections without delay form a loop ({names}); give one of them a delay of at "
                          "least 1 step")


def is_relay(value: Any) -> bool:
    """Whether a population value (reshapes looked through) is an `snn.neurons` of `#snn.relay`."""
    op = getattr(_root(value), "op", None)
    return isinstance(op, NeuronsOp) and isinstance(op.properties.get("model"), RelayAttr)


def _check_relay_chain(op: Projection) -> None:
    """A relay population may feed itself without delay (the chains of fan-in decomposition) when the
    projection is an `snn.sparse` whose every synapse goes from a unit to a later one (post > pre): the
    units then form no loop and are evaluated in index order within the step."""
    if not isinstance(op, SparseOp):
        raise VerifyException(f"a relay population (@{_population_name(_root(op.src))}) feeds itself without "
                              f"delay through '{op.name}'; only an snn.sparse from each unit to later units "
                              "(post > pre) may do that")
    idx = np.asarray(op.indices.data)
    if idx.ndim == 2 and idx.shape[0] == 2 and idx.shape[1] and np.any(idx[0] <= idx[1]):
        k = int(np.flatnonzero(idx[0] <= idx[1])[0])
        raise VerifyException(f"relay population @{_population_name(_root(op.src))} feeds itself without delay "
                              f"from unit {int(idx[1, k])} to unit {int(idx[0, k])}; without delay a relay may only "
                              "feed a later unit (post > pre)")


def _root(value: Any) -> Any:
    """A population value with reshapes looked through."""
    while isinstance(getattr(value, "op", None), ReshapeOp):
        value = value.op.src
    return value


def _population_name(value: Any) -> str:
    op = getattr(value, "op", None)
    return (op.sym_name if op is not None and op.sym_name else "?")


SNN = Dialect(
    "snn",
    [NetworkOp, InputOp, NeuronsOp, OutputOp, ReshapeOp, DenseOp, SparseOp, ConvOp, PoolOp, ScaleOp],
    [PopType, *NEURON_MODELS],
    description="Spiking neural networks: populations, neuron models and projections.",
)
