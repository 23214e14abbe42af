"""The `sdf` dialect: synchronous dataflow graphs of clustered SNNs (method.md sections 4 and 6).

    sdf.graph @lenet_sdf attributes {clusters = @lenet_clusters, tokens = "spikes"} {
      sdf.actor @c0 {cluster = @c0, exec_time = 16}
      sdf.actor @c1 {cluster = @c1, exec_time = 16}
      sdf.channel @c0 -> @c1 {consumption = 42, production = 42, tokens = 42}
      sdf.channel @c0 -> @c0 {consumption = 1, production = 1, tokens = 1}
    }

An actor fires by consuming `consumption` tokens from each input channel and, `exec_time`
later, producing `production` tokens on each output channel. `tokens` are the channel's
initial tokens, `token_size` how many spikes one token carries (1 unless packets), `capacity`
an optional buffer bound. `cluster` names the crossbar of the graph's `clusters` graph that
the actor stands for. After binding, each actor has a `tile`, the graph names its `target`
(an `hw.target`), channels crossing tiles may bound the source tile's output buffer with
`src_capacity`, and each tile runs the firings of its `sdf.schedule` in that order, cyclically:

      sdf.schedule tile 0 [@c0, @c2]

Analysis results are attributes of the graph: `repetition` (firings per
iteration, in actor order), `period` (time per iteration), `throughput` (iterations per time
unit), `latency`, and `critical_cycle` (the actors that bound the throughput).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from snnir.attributes import ArrayAttr, FloatAttr, IntegerAttr, StringAttr, SymbolRefAttr, VerifyException, i64
from snnir.irdl import (
    AnyOf,
    Dialect,
    IRDLOperation,
    Predicate,
    SymbolName,
    opt_prop_def,
    prop_def,
    region_def,
)
from snnir.traits import (
    GraphRegions,
    HasParent,
    IsolatedFromAbove,
    NoTerminator,
    SingleBlock,
    Symbol,
    SymbolTable,
    lookup_symbol,
    resolve_symbol,
)


def _is_count(attr: Any, low: int) -> bool:
    return attr.type == i64 and attr.value >= low


PositiveCount = Predicate(IntegerAttr, lambda a: _is_count(a, 1), "positive integer")
Count = Predicate(IntegerAttr, lambda a: _is_count(a, 0), "non-negative integer")
Duration = AnyOf(Predicate(IntegerAttr, lambda a: _is_count(a, 0), "non-negative integer"),
                 Predicate(FloatAttr, lambda a: np.isfinite(a.value) and a.value >= 0, "non-negative float"))
TokenConvention = Predicate(StringAttr, lambda a: a.data in ("spikes", "packets"), '"spikes" or "packets"')


class GraphOp(IRDLOperation):
    """A synchronous dataflow graph: actors and the channels between them."""

    name = "sdf.graph"
    sym_name = prop_def(SymbolName())
    clusters = opt_prop_def(SymbolRefAttr)
    tokens = opt_prop_def(TokenConvention)
    target = opt_prop_def(SymbolRefAttr)
    body = region_def(single_block=True)
    traits = (Symbol(), SymbolTable(), IsolatedFromAbove(), GraphRegions(), NoTerminator(), SingleBlock())
    assembly_format = "$sym_name attr-dict-with-keyword $body"

    @property
    def actors(self) -> list["ActorOp"]:
        return [op for op in self.regions[0].block.ops if isinstance(op, ActorOp)]

    @property
    def channels(self) -> list["ChannelOp"]:
        return [op for op in self.regions[0].block.ops if isinstance(op, ChannelOp)]

    @property
    def schedules(self) -> list["ScheduleOp"]:
        return [op for op in self.regions[0].block.ops if isinstance(op, ScheduleOp)]

    def verify_(self) -> None:
        if self.clusters is not None:
            target = resolve_symbol(self, self.clusters)
            if target is None or target.name != "cluster.graph":
                raise VerifyException(f"clusters {self.clusters} is not a cluster.graph of this module")
        if self.target is not None:
            target = resolve_symbol(self, self.target)
            if target is None or target.name != "hw.target":
                raise VerifyException(f"target {self.target} is not an hw.target of this module")

    def verify_regions_(self) -> None:
        """Bindings, schedules and crossbars against each other, once every op is valid on its own."""
        self._verify_bindings()
        if self.clusters is None:
            return
        clusters = resolve_symbol(self, self.clusters)
        for actor in self.actors:
            ref = actor.cluster
            if ref is None:
                continue
            target = lookup_symbol(clusters, ref.root) if not ref.nested else None
            if target is None or target.name != "cluster.crossbar":
                raise VerifyException(f"actor @{actor.sym_name} stands for {ref}, which is not a crossbar of "
                                      f"{self.clusters}")


    def _verify_bindings(self) -> None:
        """Tiles within the target; each tile's schedule lists exactly the actors bound there."""
        actors = self.actors
        bound = [a for a in actors if a.tile is not None]
        if bound and len(bound) != len(actors):
            loose = next(a for a in actors if a.tile is None)
            raise VerifyException(f"actor @{loose.sym_name} has no tile while others are bound")
        if bound and self.target is not None:
            target = resolve_symbol(self, self.target)
            tiles = target.properties.get("tiles") if target is not None else None
            if isinstance(tiles, IntegerAttr):
                for a in bound:
                    if a.tile.value >= tiles.value:
                        raise VerifyException(f"actor @{a.sym_name} is bound to tile {a.tile.value} but the target "
                                              f"has {tiles.value} tiles")
        schedules = self.schedules
        if not schedules:
            return
        if not bound:
            raise VerifyException("has schedules but its actors are not bound to tiles")
        tile_of = {a.sym_name: a.tile.value for a in actors}
        fired: dict[int, set[str]] = {}  # per tile, the actors its schedule fires (linear, not actors x entries)
        for sched in schedules:
            t = sched.tile.value
            if t in fired:
                raise VerifyException(f"tile {t} has two schedules")
            fired[t] = names = set()
            for ref in sched.order.data:
                root = ref.root
                if tile_of.get(root) != t:
                    raise VerifyException(f"the schedule of tile {t} lists @{root}, which is bound to tile "
                                          f"{tile_of.get(root)}")
                names.add(root)
        for a in actors:
            t = a.tile.value
            if t not in fired:
                raise VerifyException(f"tile {t} of actor @{a.sym_name} has no schedule")
            if a.sym_name not in fired[t]:
                raise VerifyException(f"the schedule of tile {t} never fires @{a.sym_name}")


class ActorOp(IRDLOperation):
    """An actor: one firing takes `exec_time`; `cluster` is the crossbar it evaluates, `tile` where it runs."""

    name = "sdf.actor"
    sym_name = prop_def(SymbolName())
    exec_time = prop_def(Duration)
    cluster = opt_prop_def(SymbolRefAttr)
    tile = opt_prop_def(Count)
    traits = (Symbol(), HasParent("sdf.graph"))
    assembly_format = "$sym_name attr-dict"


class ChannelOp(IRDLOperation):
    """A FIFO channel from `src` to `dst` with its rates, initial tokens and token size."""

    name = "sdf.channel"
    src = prop_def(SymbolRefAttr)
    dst = prop_def(SymbolRefAttr)
    production = prop_def(PositiveCount)
    consumption = prop_def(PositiveCount)
    tokens = prop_def(Count, default=IntegerAttr(0))
    token_size = prop_def(PositiveCount, default=IntegerAttr(1))
    capacity = opt_prop_def(PositiveCount)
    src_capacity = opt_prop_def(PositiveCount)
    label = opt_prop_def(StringAttr)
    traits = (HasParent("sdf.graph"),)
    assembly_format = "$src `->` $dst attr-dict"

    def verify_(self) -> None:
        graph = self.parent_op
        for end in (self.src, self.dst):
            target = lookup_symbol(graph, end.root) if graph is not None and not end.nested else None
            if not isinstance(target, ActorOp):
                raise VerifyException(f"channel endpoint {end} is not an actor of this graph")
        capacity = self.capacity
        if capacity is not None and capacity.value < self.tokens.value:
            raise VerifyException(f"capacity {capacity.value} is below the {self.tokens.value} initial tokens")

    def describe(self) -> str:
        """`@c0 -> @c1` (with the label, if any): how diagnostics and reports name a channel."""
        text = f"{self.src} -> {self.dst}"
        return f"{self.label.data} ({text})" if self.label is not None else text


class ScheduleOp(IRDLOperation):
    """The static order of one tile: the firings it runs, cyclically, one iteration per turn."""

    name = "sdf.schedule"
    tile = prop_def(Count)
    order = prop_def(ArrayAttr)
    traits = (HasParent("sdf.graph"),)
    assembly_format = "`tile` $tile $order attr-dict"

    def verify_(self) -> None:
        if not self.order.data:
            raise VerifyException(f"the schedule of tile {self.tile.value} is empty")
        graph = self.parent_op
        for ref in self.order.data:
            target = lookup_symbol(graph, ref.root) if isinstance(ref, SymbolRefAttr) and not ref.nested else None
            if not isinstance(target, ActorOp):
                raise VerifyException(f"schedule entry {ref} is not an actor of this graph")


SDF = Dialect("sdf", [GraphOp, ActorOp, ChannelOp, ScheduleOp],
              description="Synchronous dataflow graphs: actors, channels, rates, tokens and analysis results.")
