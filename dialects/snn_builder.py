"""Build `snn` networks from Python in a few lines.

    from snnir.dialects.snn_builder import NetworkBuilder
    from snnir.dialects.snn import LIFAttr

    net = NetworkBuilder("mlp", dt=1e-3)
    x = net.input("in", 784, rate=20.0)
    h = net.neurons("hidden", 100, LIFAttr(tau=2e-2))
    net.dense(x, h, w1)                 # numpy array [100, 784]
    net.output("out", h)
    module = net.module()               # a verified builtin.module holding the network

Arrays with more than `INLINE_LIMIT` values become resources named after the op and field
(`hidden_weight`, ...), so big weights never turn into text one number at a time; a constant
array stays inline as a splat (`dense<0.5> : tensor<204599xf32>`).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from snnir.attributes import (
    ArrayAttr,
    Attribute,
    DenseElementsAttr,
    DenseResourceAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    TensorType,
    element_type_of_dtype,
)
from snnir.builtin import ModuleOp
from snnir.dialects.snn import (
    ConvOp,
    DenseOp,
    InputOp,
    NetworkOp,
    NeuronModel,
    NeuronsOp,
    OutputOp,
    PoolOp,
    PopType,
    ReshapeOp,
    ScaleOp,
    SparseOp,
)
from snnir.ir import Block, OpResult, Operation, Region

INLINE_LIMIT = 16


class NetworkBuilder:
    """Appends populations and projections to one `snn.network`; names must be unique symbols."""

    def __init__(self, name: str, dt: float = 1e-3) -> None:
        self.block = Block()
        self.network = NetworkOp.build(sym_name=StringAttr(name), dt=FloatAttr(float(dt)),
                                       body=Region([self.block]))
        self._names: set[str] = set()

    # ---------------------------------------------------------------- arrays
    def array(self, name: str, values: Any, dtype: Any = np.float32) -> Attribute:
        """A tensor attribute: inline when small, a resource named `name` when large."""
        arr = np.ascontiguousarray(np.asarray(values, dtype=dtype))
        flat = arr.reshape(-1)
        if arr.size > INLINE_LIMIT and not bool(np.all(flat == flat[0])):  # a constant prints as a splat
            return DenseResourceAttr.from_array(name, arr)
        return DenseElementsAttr(TensorType(arr.shape, element_type_of_dtype(arr.dtype)), arr)

    def _param(self, name: str, value: Any) -> Attribute:
        if isinstance(value, Attribute):
            return value
        arr = np.asarray(value, dtype=np.float32)
        return FloatAttr(float(arr)) if arr.ndim == 0 else self.array(name, arr)

    def _add(self, op: Operation) -> Operation:
        self.block.add_op(op)
        return op

    def _symbol(self, name: str) -> StringAttr:
        if name in self._names:
            raise ValueError(f"the network already has a symbol named '{name}'")
        self._names.add(name)
        return StringAttr(name)

    # ---------------------------------------------------------------- populations
    def input(self, name: str, shape: int | Sequence[int], *, rate: float | None = None,
              spikes: np.ndarray | None = None) -> OpResult:
        """An input population; `rate` (Hz) for Poisson input or recorded `spikes` [steps, *shape]."""
        op = InputOp.build(sym_name=self._symbol(name), result_types=[PopType(_shape(shape))],
                           rate=FloatAttr(float(rate)) if rate is not None else None,
                           spikes=self.array(f"{name}_spikes", spikes, np.int8) if spikes is not None else None)
        op.results[0].name_hint = _hint(name)
        return self._add(op).results[0]

    def neurons(self, name: str, shape: int | Sequence[int], model: NeuronModel) -> OpResult:
        op = NeuronsOp.build(sym_name=self._symbol(name), model=model, result_types=[PopType(_shape(shape))])
        op.results[0].name_hint = _hint(name)
        return self._add(op).results[0]

    def output(self, name: str, population: OpResult) -> Operation:
        return self._add(OutputOp.build(sym_name=self._symbol(name), src=population))

    def reshape(self, population: OpResult, shape: int | Sequence[int]) -> OpResult:
        return self._add(ReshapeOp.build(src=population, result_types=[PopType(_shape(shape))])).results[0]

    # ---------------------------------------------------------------- projections
    def _common(self, name: str, bias: Any, delay: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if bias is not None:
            out["bias"] = self._param(f"{name}_bias", bias)
        if delay:
            out["delay"] = IntegerAttr(int(delay))
        return out

    def dense(self, src: OpResult, dst: OpResult, weight: Any, *, bias: Any = None, delay: int = 0,
              name: str | None = None) -> Operation:
        """All-to-all synapses; `weight` is [post, pre]."""
        name = name or f"{_sym(dst)}_from_{_sym(src)}"
        return self._add(DenseOp.build(src=src, dst=dst, weight=self.array(f"{name}_weight", weight),
                                       **self._common(name, bias, delay)))

    def sparse(self, src: OpResult, dst: OpResult, post: Any, pre: Any, values: Any, *, bias: Any = None,
               delay: int = 0, name: str | None = None) -> Operation:
        """Synapses given as (post index, pre index, weight) triples."""
        name = name or f"{_sym(dst)}_from_{_sym(src)}"
        # the narrowest integer type that holds every index keeps big sparse networks small on disk
        largest = max(src.type.size, dst.type.size)  # type: ignore[attr-defined]
        itype = np.int16 if largest <= np.iinfo(np.int16).max else np.int32 if largest <= np.iinfo(np.int32).max \
            else np.int64
        indices = np.stack([np.asarray(post, dtype=itype), np.asarray(pre, dtype=itype)])
        return self._add(SparseOp.build(src=src, dst=dst, indices=self.array(f"{name}_indices", indices, itype),
                                        values=self.array(f"{name}_values", values),
                                        **self._common(name, bias, delay)))

    def conv(self, src: OpResult, dst: OpResult, weight: Any, *, stride: Sequence[int] | None = None,
             padding: Sequence[int] | None = None, dilation: Sequence[int] | None = None, groups: int = 1,
             bias: Any = None, delay: int = 0, name: str | None = None) -> Operation:
        """Convolution with weight [C_out, C_in/groups, *kernel] (PyTorch's layout)."""
        name = name or f"{_sym(dst)}_from_{_sym(src)}"
        return self._add(ConvOp.build(src=src, dst=dst, weight=self.array(f"{name}_weight", weight),
                                      stride=_int_list(stride), padding=_int_list(padding),
                                      dilation=_int_list(dilation),
                                      groups=IntegerAttr(groups) if groups != 1 else None,
                                      **self._common(name, bias, delay)))

    def pool(self, src: OpResult, dst: OpResult, kernel: Sequence[int], *, mode: str = "sum",
             stride: Sequence[int] | None = None, padding: Sequence[int] | None = None,
             delay: int = 0) -> Operation:
        return self._add(PoolOp.build(mode=StringAttr(mode), src=src, dst=dst, kernel=_int_list(kernel),
                                      stride=_int_list(stride), padding=_int_list(padding),
                                      delay=IntegerAttr(delay) if delay else None))

    def scale(self, src: OpResult, dst: OpResult, factor: Any, *, delay: int = 0,
              name: str | None = None) -> Operation:
        """One-to-one synapses with a scalar or per-neuron factor."""
        name = name or f"{_sym(dst)}_from_{_sym(src)}"
        return self._add(ScaleOp.build(src=src, dst=dst, factor=self._param(f"{name}_factor", factor),
                                       delay=IntegerAttr(delay) if delay else None))

    # ---------------------------------------------------------------- result
    def module(self, verify: bool = True) -> ModuleOp:
        """A builtin.module holding the network (verified unless `verify=False`)."""
        module = ModuleOp.build(body=Region([Block(ops=[self.network])]))
        if verify:
            module.verify()
        return module  # type: ignore[return-value]


def _shape(shape: int | Sequence[int]) -> tuple[int, ...]:
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(d) for d in shape)


def _int_list(values: Sequence[int] | None) -> ArrayAttr | None:
    return None if values is None else ArrayAttr(IntegerAttr(int(v)) for v in values)


def _sym(value: OpResult) -> str:
    op = value.op
    while isinstance(op, ReshapeOp):
        op = op.src.op  # type: ignore[union-attr]
    return op.sym_name or "pop"


def _hint(name: str) -> str:
    return "".join(c if c.isalnum() or c == "_" else "_" for c in name)
