"""`simulate`: run every `snn.network` in discrete time and annotate per-neuron spike counts.

    snn-opt net.snnir --simulate                          # 100 steps, Poisson inputs, seed 0
    snn-opt net.snnir --simulate='steps=500 input=recorded'
    snn-opt net.snnir -p 'simulate{steps=200 input=spikes.npz seed=3}'

A thin adapter: `network_from_ir` turns an `snn.network` into a `SimNetwork`
(`snnir.algorithms.simulate`), `simulate` runs it, and the counts go back on every `snn.input`
and `snn.neurons` op as `spike_counts = dense_resource<SYMBOL_spike_counts> : tensor<Nxi64>`;
the network gets `snn.simulated_steps`. docs/simulation.md states the semantics.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from snnir.algorithms.simulate import (
    DEFAULT_RATE,
    DEFAULT_STEPS,
    Population,
    Projection,
    SimNetwork,
    SimulationError,
    conv_matrix,
    dense_matrix,
    pool_matrix,
    scale_matrix,
    simulate,
    sparse_matrix,
)
from snnir.attributes import Attribute, DenseResourceAttr, IntegerAttr, VerifyException
from snnir.dialects import snn
from snnir.ir import Operation
from snnir.pass_manager import Pass, PassContext, PassFailure, option

STEPS_ATTR = "snn.simulated_steps"
"""The network attribute that records how many steps produced its spike counts."""

_MODEL_NAMES = {
    snn.LIFAttr: "lif",
    snn.IFAttr: "if",
    snn.LIAttr: "li",
    snn.CubaLIFAttr: "cuba_lif",
    snn.CubaLIAttr: "cuba_li",
    snn.IntegratorAttr: "integrator",
    snn.ThresholdAttr: "threshold",
    snn.RelayAttr: "relay",
}


def networks(module: Operation) -> list[snn.NetworkOp]:
    """Every `snn.network` in the module, in order."""
    return [op for op in module.walk() if isinstance(op, snn.NetworkOp)]


def populations(network: snn.NetworkOp) -> list[snn.InputOp | snn.NeuronsOp]:
    """The `snn.input` and `snn.neurons` ops of a network, in order."""
    return [op for op in network.regions[0].block.ops if isinstance(op, (snn.InputOp, snn.NeuronsOp))]


def _array(attr: Attribute, op: Operation, what: str) -> np.ndarray:
    try:
        return snn.array_of(attr)
    except VerifyException as e:
        raise PassFailure(f"cannot read {what}: {e}", op.loc) from None


def network_from_ir(network: snn.NetworkOp) -> tuple[SimNetwork, dict[str, Operation]]:
    """The `SimNetwork` of an `snn.network` and its population ops by symbol name.

    Reshapes are looked through: a projection from or to a reshaped view uses the view's shape
    for its geometry and the underlying population's neurons. Raises PassFailure at the op that
    cannot be converted. O(synapses) time and memory.
    """
    net = SimNetwork(dt=float(network.dt.value))
    index: dict[Any, int] = {}
    ops: dict[str, Operation] = {}
    for op in populations(network):
        name = op.sym_name or f"pop{len(ops)}"
        size = op.res.type.size
        try:
            if isinstance(op, snn.InputOp):
                spikes = None
                if op.spikes is not None:
                    spikes = _array(op.spikes, op, "the recorded spikes")
                pop = Population(name, size, "input", rate=op.rate.value if op.rate is not None else None,
                                 spikes=spikes)
            else:
                model = op.model
                kind = _MODEL_NAMES[type(model)]
                params = {d.name: _array(value, op, f"parameter '{d.name}'")
                          for d, value in zip(model.param_defs, model.parameters)
                          if d.name not in ("reset", "refractory")}
                reset = getattr(model, "reset", None)
                refractory = getattr(model, "refractory", None)
                pop = Population(name, size, kind, params,
                                 reset=reset.data if reset is not None else "zero",
                                 refractory=int(refractory.value) if refractory is not None else 0)
            index[op.res] = net.add(pop)
        except SimulationError as e:
            raise PassFailure(str(e), op.loc) from None
        ops[name] = op

    for op in network.regions[0].block.ops:
        if not isinstance(op, snn.Projection):
            continue
        src_v, dst_v = snn._root(op.src), snn._root(op.dst)
        if src_v not in index or dst_v not in index:
            raise PassFailure("projection between values that are not populations of this network", op.loc)
        src_dims, dst_dims = op.src.type.dims, op.dst.type.dims
        pre, post = math.prod(src_dims), math.prod(dst_dims)
        bias: Any = None
        try:
            if isinstance(op, snn.DenseOp):
                matrix = dense_matrix(_array(op.weight, op, "the weight").reshape(post, pre))
            elif isinstance(op, snn.SparseOp):
                idx = _array(op.indices, op, "the indices").astype(np.int64)
                matrix = sparse_matrix(idx[0], idx[1], _array(op.values, op, "the values"), (post, pre))
            elif isinstance(op, snn.ScaleOp):
                matrix = scale_matrix(pre, _array(op.factor, op, "the factor"))
            elif isinstance(op, snn.ConvOp):
                stride, padding, dilation, groups = op.geometry()
                matrix = conv_matrix(src_dims, _array(op.weight, op, "the weight"), stride, padding, dilation,
                                     groups)
                if op.bias is not None:  # one value per output channel, or one for all
                    b = _array(op.bias, op, "the bias").reshape(-1)
                    bias = np.repeat(b, post // dst_dims[0]) if b.size == dst_dims[0] else b
            elif isinstance(op, snn.PoolOp):
                kernel, stride, padding = op.geometry()
                matrix = pool_matrix(src_dims, kernel, stride, padding, op.mode.data)
            else:  # pragma: no cover - a projection kind this adapter does not know
                raise PassFailure(f"'{op.name}' cannot be simulated", op.loc)
            if bias is None and getattr(op, "bias", None) is not None:
                bias = _array(op.bias, op, "the bias")
            net.connect(Projection(index[src_v], index[dst_v], matrix, op.delay_steps, bias))
        except (SimulationError, ValueError) as e:
            raise PassFailure(str(e), op.loc) from None
    return net, ops


def annotate(op: Operation, counts: np.ndarray) -> None:
    """Set `spike_counts` of a population op to an int64 resource named `<symbol>_spike_counts`."""
    name = f"{op.sym_name or 'pop'}_spike_counts"
    op.properties["spike_counts"] = DenseResourceAttr.from_array(
        name, np.ascontiguousarray(counts, dtype=np.int64).reshape(-1))


def load_input_file(path: str, loc: Any) -> dict[str, np.ndarray]:
    """Spike trains from an .npz file, keyed by input symbol name."""
    try:
        with open(path, "rb") as fh:
            if fh.read(4) != b"PK\x03\x04":
                raise ValueError("not an .npz archive (numpy.savez)")
        with np.load(path, allow_pickle=False) as f:
            return {k: np.asarray(f[k]) for k in f.files}
    except FileNotFoundError:
        raise PassFailure(f"cannot read input spikes: no file '{path}'", loc) from None
    except Exception as e:  # numpy raises many kinds for malformed files
        raise PassFailure(f"cannot read input spikes from '{path}': {e}", loc) from None


@dataclass(frozen=True)
class Simulate(Pass):
    name = "simulate"
    description = ("Simulate every snn.network in discrete time (dt from the network) and annotate each "
                   "snn.input and snn.neurons op with its per-neuron spike counts")
    statistics = {"steps": "time steps simulated per network", "spikes": "spikes counted",
                  "populations": "populations annotated"}

    steps: int = option(DEFAULT_STEPS, "number of time steps")
    input: str = option("poisson", "'poisson' (each input's rate, else `rate`), 'recorded' (each input's "
                        "spikes) or an .npz file of spike trains [steps, *shape] keyed by input name")
    seed: int = option(0, "seed of the Poisson inputs (numpy PCG64)")
    rate: float = option(DEFAULT_RATE, "Poisson rate (Hz) of inputs without a `rate`")

    def apply(self, module: Operation, ctx: PassContext) -> None:
        if self.steps < 0:
            raise PassFailure(f"steps must be >= 0, got {self.steps}", module.loc)
        if self.rate < 0:
            raise PassFailure(f"rate must be >= 0 Hz, got {self.rate}", module.loc)
        mode = self.input
        file_inputs = None
        if mode not in ("poisson", "recorded"):
            if not os.path.splitext(mode)[1]:
                raise PassFailure(f"input must be 'poisson', 'recorded' or an .npz file, got '{mode}'", module.loc)
            file_inputs = load_input_file(mode, module.loc)
        for network in networks(module):
            net, ops = network_from_ir(network)
            inputs: dict[str, Any] = {}
            for pop in net.populations:
                if pop.model != "input":
                    continue
                op = ops[pop.name]
                if mode == "poisson":
                    inputs[pop.name] = pop.rate if pop.rate is not None else self.rate
                    continue
                if file_inputs is not None:
                    if pop.name not in file_inputs:
                        known = ", ".join(sorted(file_inputs)) or "none"
                        raise PassFailure(f"'{mode}' has no spikes for input @{pop.name} (arrays: {known})", op.loc)
                    train = file_inputs[pop.name]
                    source = f"'{mode}'"
                else:
                    if pop.spikes is None:
                        raise PassFailure(f"input @{pop.name} has no recorded spikes (input=recorded)", op.loc)
                    train = pop.spikes
                    source = "the recorded spikes"
                train = np.asarray(train)
                if train.ndim < 2 or math.prod(train.shape[1:]) != pop.size:
                    raise PassFailure(f"spikes for @{pop.name} from {source} must be [steps, {pop.size}], got "
                                      f"{'x'.join(map(str, train.shape)) or 'a scalar'}", op.loc)
                if train.shape[0] < self.steps:
                    ctx.warning(f"spikes for @{pop.name} cover {train.shape[0]} of {self.steps} steps; "
                                "the input is silent after that", op.loc)
                inputs[pop.name] = train
            try:
                result = simulate(net, self.steps, inputs, self.seed, default_rate=self.rate)
            except SimulationError as e:
                raise PassFailure(str(e), network.loc) from None
            for name, op in ops.items():
                annotate(op, result.counts[name])
                ctx.bump("populations")
            network.attributes[STEPS_ATTR] = IntegerAttr(self.steps)
            ctx.bump("steps", self.steps)
            ctx.bump("spikes", result.total_spikes)
