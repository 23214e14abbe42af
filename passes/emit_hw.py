"""`emit-hw`: the hardware configuration of a bound network, as an `hw.config` (docs/backend.md).

    snn-opt net.snnir --simulate --partition --sdfg --bind --schedule --emit-hw
    snn-opt net.snnir ... --emit-hw='weight-bits=0'       # float weights, whatever the target says
    snn-opt net.snnir ... --emit-hw='weight-bits=8 state-bits=24 decay-bits=12'   # Loihi's precisions

A thin adapter. From the module's `snn.network`, its `cluster.graph`, the `sdf.graph` bound to
an `hw.target` (`--bind`; `--schedule` gives the tiles' static orders) it builds the arrays with
`snnir.algorithms.hwconfig.build_config` (one crossbar configuration per cluster, on its actor's
tile; routing; neuron table), adds each used tile's static order and buffers, and writes the
result as an `hw.config` right after the sdf graph.

- Weights: quantised to the target's `weight_bits` by default; `weight-bits=0` keeps float
  weights, `weight-bits=B` forces B bits (1 to 32).
- Neuron parameters: `state-bits` (voltage-domain parameters and biases, signed, 2 to 32 bits)
  and `decay-bits` (decay coefficients dt/tau, unsigned fractions, 1 to 32 bits) likewise: -1
  (the default) takes the target's `state_bits` / `decay_bits` (float when it has none), 0 keeps
  float, B forces B bits (the fixed-point form: snnir.algorithms.hwconfig).
- Static orders: each tile's `sdf.schedule`, actors replaced by their clusters; without
  schedules, the order in which a time step needs the crossbars (`HwConfig.crossbars_on`).
- Buffers (`snnir.algorithms.hwfiles.tile_buffers`): a tile's input buffer is the sum, over the
  channels reaching it from other tiles, of capacity x token_size spikes; with an unbounded
  channel among them (or none at all) it is the target's `input_buffer`. Output buffers likewise
  from the channels leaving the tile and their `src_capacity`.

Errors name the cluster or neuron and the limit, at the cluster's or the population's location.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from snnir.algorithms import hwfiles
from snnir.algorithms.hwconfig import ConfigError, build_config
from snnir.algorithms.simulate import SimulationError
from snnir.algorithms.target import DECAY_BITS_RANGE, STATE_BITS_RANGE
from snnir.dialects import cluster, hw, sdf
from snnir.ir import Operation
from snnir.location import Location
from snnir.pass_manager import Pass, PassContext, PassFailure, option
from snnir.passes import hardware
from snnir.passes.simulate import network_from_ir, populations
from snnir.traits import lookup_symbol, resolve_symbol


def _failure(message: str, xbars: list[cluster.CrossbarOp], network: Any) -> PassFailure:
    """A ConfigError as a pass failure: `crossbar K` becomes `cluster @cK` at the cluster; a message
    about a neuron of a population is located at that population."""
    m = re.search(r"\bcrossbar (\d+)\b", message)
    if m and int(m.group(1)) < len(xbars):
        xb = xbars[int(m.group(1))]
        return PassFailure(message[:m.start()] + f"cluster @{xb.sym_name}" + message[m.end():], xb.loc)
    loc: Location = network.loc
    m = re.search(r"\bof '([^']*)'", message) or re.search(r"\bpopulation '([^']*)'", message)
    if m:
        for op in populations(network):
            if op.sym_name == m.group(1):
                loc = op.loc
                break
    return PassFailure(message, loc)


def _config_name(module: Operation, graph: sdf.GraphOp, base: str) -> str:
    """`<network>_hw`; an earlier configuration of the same graph is replaced, other names are avoided."""
    name, k = base, 1
    while True:
        op = lookup_symbol(module, name)
        if op is None:
            return name
        if isinstance(op, hw.ConfigOp) and op.graph is not None and op.graph.root == graph.sym_name:
            op.erase()
            return name
        name, k = f"{base}_{k}", k + 1


@dataclass(frozen=True)
class EmitHw(Pass):
    name = "emit-hw"
    description = ("Build the hardware configuration (crossbars, routing, neuron table, tiles' static orders and "
                   "buffers) of every bound sdf.graph and add it as an hw.config")
    statistics = {"crossbars": "crossbar configurations", "tiles": "tiles used",
                  "crosspoints": "crosspoints in use (synapses after merging)"}

    weight_bits: int = option(-1, "weight precision: -1 the target's weight_bits, 0 float weights, B integer "
                                  "levels of B bits (1 to 32) with a scale per column")
    state_bits: int = option(-1, "neuron parameter precision (v_th, v_reset, v_leak, r, w_in, biases): -1 the "
                                 "target's state_bits, 0 float, B signed B-bit mantissas (2 to 32) with one exponent "
                                 "per population")
    decay_bits: int = option(-1, "decay precision: -1 the target's decay_bits, 0 float time constants, D the decay "
                                 "coefficients dt/tau as unsigned D-bit fractions (1 to 32)")

    def apply(self, module: Operation, ctx: PassContext) -> None:
        if not -1 <= self.weight_bits <= 32:
            raise PassFailure(f"weight-bits must be -1 (the target's), 0 (float weights) or 1 to 32, got "
                              f"{self.weight_bits}", module.loc)
        if self.state_bits not in (-1, 0) and not STATE_BITS_RANGE[0] <= self.state_bits <= STATE_BITS_RANGE[1]:
            raise PassFailure(f"state-bits must be -1 (the target's), 0 (float parameters) or "
                              f"{STATE_BITS_RANGE[0]} to {STATE_BITS_RANGE[1]}, got {self.state_bits}", module.loc)
        if not -1 <= self.decay_bits <= DECAY_BITS_RANGE[1]:
            raise PassFailure(f"decay-bits must be -1 (the target's), 0 (float time constants) or "
                              f"{DECAY_BITS_RANGE[0]} to {DECAY_BITS_RANGE[1]}, got {self.decay_bits}", module.loc)
        block = module.regions[0].block
        graphs = [op for op in block.ops if isinstance(op, sdf.GraphOp)]
        if not graphs:
            raise PassFailure("no sdf.graph to configure (run --partition, --sdfg and --bind first)", module.loc)
        for graph in graphs:
            op = self._emit(module, graph, ctx)
            block.insert_op(block.ops.index(graph) + 1, op)

    def _emit(self, module: Operation, graph: sdf.GraphOp, ctx: PassContext) -> hw.ConfigOp:
        if graph.clusters is None:
            raise PassFailure(f"@{graph.sym_name} does not stand for a cluster.graph (build it with --sdfg)",
                              graph.loc)
        if not hardware.is_bound(graph):
            raise PassFailure(f"the actors of @{graph.sym_name} are not bound to tiles (run --bind first)", graph.loc)
        target = hardware.graph_target(graph)
        target_op = resolve_symbol(graph, graph.target)
        clusters = resolve_symbol(graph, graph.clusters)
        network = resolve_symbol(clusters, clusters.network)
        net, _ = network_from_ir(network)
        xbars = clusters.crossbars
        actors = graph.actors
        actor_of = {a.cluster.root: a for a in actors if a.cluster is not None}
        columns, tiles = [], []
        for xb in xbars:
            a = actor_of.get(xb.sym_name)
            if a is None:
                raise PassFailure(f"cluster @{xb.sym_name} has no actor in @{graph.sym_name} (rebuild it with --sdfg)",
                                  xb.loc)
            columns.append(cluster.ids_of(xb.columns))
            tiles.append(a.tile.value)

        bits = target.weight_bits if self.weight_bits == -1 else (self.weight_bits or None)
        if bits is not None and bits > 32:
            raise PassFailure(f"target @{target.name} has {bits}-bit weights but a configuration holds at most 32 "
                              "(give --emit-hw='weight-bits=B' with B <= 32, or 0 for float weights)", graph.loc)
        state_bits = target.state_bits if self.state_bits == -1 else (self.state_bits or None)
        decay_bits = target.decay_bits if self.decay_bits == -1 else (self.decay_bits or None)
        try:
            config = build_config(net, columns, np.array(tiles, dtype=np.int64), target.rows, target.cols, bits,
                                  state_bits=state_bits, decay_bits=decay_bits)
        except ConfigError as e:
            raise _failure(str(e), xbars, network) from None
        except SimulationError as e:
            raise PassFailure(str(e), network.loc) from None
        capacity = target.synapse_capacity
        for k, c in enumerate(config.crossbars):
            if c.synapses > capacity:
                raise PassFailure(f"cluster @{xbars[k].sym_name} uses {c.synapses} crosspoints but a tile of target "
                                  f"@{target.name} holds {capacity} synapses", xbars[k].loc)

        tile_configs = self._tiles(graph, target, config, {xb.sym_name: k for k, xb in enumerate(xbars)})
        name = _config_name(module, graph, f"{network.sym_name}_hw")
        bundle = hwfiles.Bundle(name=name, config=config, target=target, tiles=tile_configs,
                                crossbar_names=tuple(xb.sym_name for xb in xbars), pipeline=ctx.pipeline)
        try:
            op = hw.ConfigOp.from_bundle(bundle, target=target_op.sym_name, network=network.sym_name,
                                         clusters=clusters.sym_name, graph=graph.sym_name, loc=graph.loc)
        except ConfigError as e:
            raise _failure(str(e), xbars, network) from None
        ctx.bump("crossbars", len(config.crossbars))
        ctx.bump("tiles", len(tile_configs))
        ctx.bump("crosspoints", config.synapses)
        return op

    @staticmethod
    def _tiles(graph: sdf.GraphOp, target: Any, config: Any, xb_index: dict[str, int]) -> tuple[hwfiles.TileConfig, ...]:
        """Each used tile's static order (from its sdf.schedule, else the population order) and buffers."""
        actors, channels = graph.actors, graph.channels
        a_index = {a.sym_name: k for k, a in enumerate(actors)}
        tile_of_actor = np.array([a.tile.value for a in actors], dtype=np.int64)

        def ints(values: list[Any]) -> np.ndarray:
            return np.array([v.value if v is not None else -1 for v in values], dtype=np.int64)

        src = np.array([a_index[ch.src.root] for ch in channels], dtype=np.int64)
        dst = np.array([a_index[ch.dst.root] for ch in channels], dtype=np.int64)
        inputs, outputs, need_in, need_out = hwfiles.tile_buffers(
            tile_of_actor, src, dst, ints([ch.token_size for ch in channels]), ints([ch.capacity for ch in channels]),
            ints([ch.src_capacity for ch in channels]), target.tiles, target.input_buffer, target.output_buffer)
        cluster_of = {a.sym_name: a.cluster.root for a in actors if a.cluster is not None}
        scheduled = {s.tile.value: [xb_index[cluster_of[ref.root]] for ref in s.order.data if ref.root in cluster_of]
                     for s in graph.schedules}
        out = []
        for t in sorted({c.tile for c in config.crossbars}):
            for what, size, limit in (("input", int(need_in[t]), target.input_buffer),
                                      ("output", int(need_out[t]), target.output_buffer)):
                if size > limit:
                    raise PassFailure(f"tile {t}: the {what} buffers of its channels crossing tiles need {size} "
                                      f"spikes but target @{target.name} holds {limit}", graph.loc)
            order = scheduled.get(t) or config.crossbars_on(t)
            out.append(hwfiles.TileConfig(t, tuple(order), int(inputs[t]), int(outputs[t])))
        return tuple(out)
