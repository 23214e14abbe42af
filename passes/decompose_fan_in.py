"""`decompose-fan-in`: route the inputs of neurons with more inputs than a crossbar has rows through relays.

    snn-opt net.snnir --decompose-fan-in='rows=128'                # shape=tree, the default
    snn-opt net.snnir --decompose-fan-in='rows=128 shape=chain'    # the paper's chains

For every population of every `snn.network` with neurons of more than `rows` distinct inputs
(`snnir.algorithms.decompose` has the method and both shapes), the pass adds one relay population
`@<pop>_relay` (`#snn.relay`) and `snn.sparse` projections:

- from each source to the relays, the synapses the relays take (weights and delay kept);
- relay -> relay (weight 1.0, no delay; always to a later unit): a tree's levels above the first,
  a chain's links; absent from a one-level tree;
- relay -> the population (weight 1.0, no delay): a tree's top relays, a chain's last relay;

and the projections into the population keep only the synapses that stay: one that loses some
becomes an `snn.sparse` holding exactly the rest (bias included; a convolution's per-channel bias
becomes one value per neuron). With spike counts on every population that feeds the relays, the
relays get theirs: per unit the sum of the counts of its inputs (its relay inputs included),
at most `snn.simulated_steps` when the network has it. docs/partition.md states the details.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from snnir.algorithms.arrays import unique
from snnir.algorithms.decompose import (
    SHAPES,
    Decomposition,
    DecompositionError,
    decompose_fan_in,
    relay_spike_counts,
)
from snnir.attributes import (
    Attribute,
    DenseElementsAttr,
    DenseResourceAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    TensorType,
    element_type_of_dtype,
)
from snnir.dialects import snn
from snnir.ir import Operation
from snnir.pass_manager import Pass, PassContext, PassFailure, option
from snnir.passes.simulate import STEPS_ATTR, network_from_ir, networks, populations

INLINE_LIMIT = 16


@dataclass
class Decomposed:
    """What the decomposition did to one population."""

    population: str
    relay: str
    neurons: int  # neurons decomposed
    max_fan_in: int
    relays: int  # relay neurons added
    moved: int  # synapses moved to relays
    rows: int
    loc: Any

    @property
    def message(self) -> str:
        return (f"@{self.population}: {self.neurons} neuron{'s' if self.neurons != 1 else ''} with fan-in up to "
                f"{self.max_fan_in} > {self.rows} rows decomposed through {self.relays} relay "
                f"neuron{'s' if self.relays != 1 else ''} (@{self.relay})")


def _tensor(name: str, values: Any, dtype: Any) -> Attribute:
    """A tensor attribute: inline when small or constant (a splat), else a resource named `name`."""
    arr = np.ascontiguousarray(np.asarray(values, dtype=dtype))
    flat = arr.reshape(-1)
    if arr.size > INLINE_LIMIT and not bool(np.all(flat == flat[0])):
        return DenseResourceAttr.from_array(name, arr)
    return DenseElementsAttr(TensorType(arr.shape, element_type_of_dtype(arr.dtype)), arr)


def _weights_dtype(values: np.ndarray) -> Any:
    """f32 when every weight is exactly an f32 value (always, for weights read from f32 tensors), else f64."""
    return np.float32 if np.array_equal(values.astype(np.float32).astype(np.float64), values) else np.float64


def _sparse(name: str, src: Any, dst: Any, post: np.ndarray, pre: np.ndarray, values: np.ndarray, *,
            delay: int = 0, bias: Attribute | None = None, loc: Any = None,
            attributes: dict | None = None) -> snn.SparseOp:
    largest = max(src.type.size, dst.type.size)
    itype = np.int16 if largest <= np.iinfo(np.int16).max else np.int32 if largest <= np.iinfo(np.int32).max \
        else np.int64
    values = np.asarray(values, dtype=np.float64)
    op = snn.SparseOp.build(src=src, dst=dst,
                            indices=_tensor(f"{name}_indices", np.stack([post, pre]), itype),
                            values=_tensor(f"{name}_values", values, _weights_dtype(values)),
                            bias=bias, delay=IntegerAttr(int(delay)) if delay else None, loc=loc)
    op.attributes.update(attributes or {})
    return op


def _bias_per_neuron(op: Operation, name: str) -> Attribute | None:
    """The projection's bias as an `snn.sparse` into the same target takes it: a number stays a number, a
    convolution's per-channel tensor becomes one value per neuron (the same values, repeated)."""
    bias = getattr(op, "bias", None)
    if bias is None or not isinstance(op, snn.ConvOp) or isinstance(bias, (FloatAttr, IntegerAttr)):
        return bias
    data = np.asarray(bias.data).reshape(-1)
    size = op.dst.type.size
    per = np.repeat(data, size // op.dst.type.dims[0]) if data.size == op.dst.type.dims[0] else \
        np.broadcast_to(data, (size,))
    return _tensor(name, per, data.dtype)


def _unique_symbol(network: snn.NetworkOp, base: str) -> str:
    taken = {op.sym_name for op in network.regions[0].block.ops if op.sym_name}
    name, k = base, 1
    while name in taken:
        name = f"{base}_{k}"
        k += 1
    return name


def decompose_network(network: snn.NetworkOp, rows: int, shape: str = "tree") -> list[Decomposed]:
    """Decompose every population of `network` with neurons of more than `rows` distinct inputs, in place.

    `shape` is "tree" (the default) or "chain" (the paper's), see `snnir.algorithms.decompose`. Returns
    one record per decomposed population (network order). Raises PassFailure at the
    population when `rows` < 2 and a neuron needs decomposing, or when that population is itself a
    relay population. O(S log S) over the network's synapses.
    """
    if shape not in SHAPES:
        raise PassFailure(f"shape must be one of {', '.join(SHAPES)}, got '{shape}'", network.loc)
    net, _ = network_from_ir(network)  # its populations are `populations(network)`, its projections the
    pops = populations(network)        # snn projection ops, both in order
    block = network.regions[0].block
    proj_ops = [op for op in block.ops if isinstance(op, snn.Projection)]
    sizes = np.array([op.res.type.size for op in pops], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    counts = [op.properties.get("spike_counts") for op in pops]
    steps = network.attributes.get(STEPS_ATTR)
    cap = int(steps.value) if isinstance(steps, IntegerAttr) else None

    matrices = []
    for p in net.projections:
        m = p.matrix.tocsr()
        if not m.has_canonical_format:
            m = m.copy()
            m.sum_duplicates()
        matrices.append(m)
    into: dict[int, list[int]] = {}
    for k, p in enumerate(net.projections):
        into.setdefault(p.dst, []).append(k)

    done: list[Decomposed] = []
    for d in sorted(into):
        ks = into[d]
        pop = pops[d]
        post = np.concatenate([np.repeat(np.arange(matrices[k].shape[0], dtype=np.int64),
                                         np.diff(matrices[k].indptr)) for k in ks])
        pre = np.concatenate([matrices[k].indices.astype(np.int64) + offsets[net.projections[k].src] for k in ks])
        try:
            dec = decompose_fan_in(post, pre, rows, shape)
        except DecompositionError as e:
            raise PassFailure(f"neuron {e.neuron} of @{pop.sym_name} has fan-in {e.fan_in} but the crossbar has "
                              f"{rows} row{'s' if rows != 1 else ''}; a {shape} of relays needs at least 2 rows",
                              pop.loc) from None
        if dec.n_relays == 0:
            continue
        if isinstance(pop.model, snn.RelayAttr):
            raise PassFailure(f"relay population @{pop.sym_name} has units with fan-in up to "
                              f"{int(dec.fan_in.max())} > {rows} rows; decompose the network once, with the "
                              "smallest number of rows", pop.loc)
        done.append(_rewrite(network, pop, ks, proj_ops, matrices, net, dec, pre, counts, offsets, sizes, cap,
                             rows))
    return done


def _rewrite(network: snn.NetworkOp, pop: Any, ks: list[int], proj_ops: list[Any], matrices: list[Any], net: Any,
             dec: Decomposition, pre_global: np.ndarray, counts: list[Any], offsets: np.ndarray, sizes: np.ndarray,
             cap: int | None, rows: int) -> Decomposed:
    block = network.regions[0].block
    name = _unique_symbol(network, f"{pop.sym_name}_relay")
    relay_op = snn.NeuronsOp.build(sym_name=StringAttr(name), model=snn.RelayAttr(),
                                   result_types=[snn.PopType((dec.n_relays,))], loc=pop.loc)
    relay_op.results[0].name_hint = name
    block.insert_op(block.ops.index(pop), relay_op)
    relay = relay_op.results[0]

    start = 0
    last_new: Operation | None = None
    delays = np.zeros(pre_global.size, np.int64)
    for k in ks:
        m, op = matrices[k], proj_ops[k]
        n = m.nnz
        unit = dec.unit[start:start + n]
        delays[start:start + n] = op.delay_steps
        start += n
        moved = unit >= 0
        if not moved.any():
            continue
        src_name = snn._population_name(snn._root(op.src))
        post = np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr))
        pre, w = m.indices.astype(np.int64), m.data
        at = block.ops.index(op)
        u, p, v = unit[moved], pre[moved], w[moved]
        order = np.lexsort((p, u))
        new = []
        keep = ~moved
        bias = _bias_per_neuron(op, f"{pop.sym_name}_from_{src_name}_bias")
        if keep.any() or bias is not None:  # the synapses that stay (and the bias), in place of the projection
            new.append(_sparse(f"{pop.sym_name}_from_{src_name}", op.src, op.dst, post[keep], pre[keep], w[keep],
                               delay=op.delay_steps, bias=bias, loc=op.loc, attributes=dict(op.attributes)))
        new.append(_sparse(f"{name}_from_{src_name}", op.src, relay, u[order], p[order], v[order],
                           delay=op.delay_steps, loc=op.loc))
        op.erase()
        for i, x in enumerate(new):
            block.insert_op(at + i, x)
        last_new = new[-1]

    at = block.ops.index(last_new) + 1 if last_new is not None else len(block.ops)
    tail = []
    if dec.chain_pre.size:
        tail.append(_sparse(f"{name}_{dec.shape}", relay, relay, dec.chain_post, dec.chain_pre,
                            np.ones(dec.chain_pre.size), loc=pop.loc))
    tail.append(_sparse(f"{pop.sym_name}_from_{name}", relay, pop.res, dec.out_post, dec.out_unit,
                        np.ones(dec.out_unit.size), loc=pop.loc))
    for i, x in enumerate(tail):
        block.insert_op(at + i, x)

    # spike counts: only when every population feeding the relays has them
    moved = dec.unit >= 0
    layer = np.searchsorted(offsets, pre_global[moved], side="right") - 1
    feeding = unique(layer)
    if feeding.size and all(counts[int(i)] is not None for i in feeding):
        spikes = np.zeros(int(offsets[-1]), np.int64)
        for i in feeding.tolist():
            spikes[offsets[i]:offsets[i + 1]] = np.asarray(counts[i].data, dtype=np.int64).reshape(-1)
        relay_counts = relay_spike_counts(dec, pre_global, spikes, delays, cap)
        relay_op.properties["spike_counts"] = DenseResourceAttr.from_array(f"{name}_spike_counts", relay_counts)
    return Decomposed(pop.sym_name, name, int(dec.neurons.size), int(dec.fan_in.max()), dec.n_relays,
                      int(moved.sum()), rows, pop.loc)


@dataclass(frozen=True)
class DecomposeFanIn(Pass):
    name = "decompose-fan-in"
    description = ("Route the inputs of neurons with more distinct inputs than a crossbar has rows through "
                   "#snn.relay neurons (units of at most `rows` inputs), in trees or chains, keeping what the "
                   "network computes")
    statistics = {"neurons": "neurons decomposed", "relays": "relay neurons added",
                  "moved": "synapses moved to relays"}

    rows: int = option(128, "crossbar rows: the most distinct inputs a neuron may keep")
    shape: Literal["tree", "chain"] = option("tree", "tree: chunks of `rows` inputs through relays, level by level "
                                             "(the default); chain: the paper's chain of relays")

    def apply(self, module: Operation, ctx: PassContext) -> None:
        if self.rows <= 0:
            raise PassFailure(f"rows must be positive, got rows={self.rows}", module.loc)
        for network in networks(module):
            for rec in decompose_network(network, self.rows, self.shape):
                ctx.remark(rec.message, rec.loc)
                bump(ctx, rec)


def bump(ctx: PassContext, rec: Decomposed) -> None:
    """Add one population's figures to the pass statistics."""
    ctx.bump("neurons", rec.neurons)
    ctx.bump("relays", rec.relays)
    ctx.bump("moved", rec.moved)
