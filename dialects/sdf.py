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
the actor stands for. Analysis results are attributes of the graph: `repetition` (firings per
iteration, in actor order), `period` (time per iteration), `throughput` (iterations per time
unit), `latency`, and `critical_cycle` (the actors that bound the throughput).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from snnir.attributes import FloatAttr, IntegerAttr, StringAttr, SymbolRefAttr, VerifyException, i64
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
    body = region_def(single_block=True)
    traits = (Symbol(), SymbolTable(), IsolatedFromAbove(), GraphRegions(), NoTerminator(), SingleBlock())
    assembly_format = "$sym_name attr-dict-with-keyword $body"

    @property
    def actors(self) -> list["ActorOp"]:
        return [op for op in self.regions[0].block.ops if isinstance(op, ActorOp)]

    @property
    def channels(self) -> list["ChannelOp"]:
        return [op for op in self.regions[0].block.ops if isinstance(op, ChannelOp)]

    def verify_(self) -> None:
        if self.clusters is not None:
            target = resolve_symbol(self, self.clusters)
            if target is None or target.name != "cluster.graph":
                raise VerifyException(f"clusters {self.clusters} is not a cluster.graph of this module")

    def verify_regions_(self) -> None:
        """Actors name crossbars of the cluster graph, once every actor and channel is valid on its own."""
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


class ActorOp(IRDLOperation):
    """An actor: one firing takes `exec_time`; `cluster` is the crossbar it evaluates."""

    name = "sdf.actor"
    sym_name = prop_def(SymbolName())
    exec_time = prop_def(Duration)
    cluster = opt_prop_def(SymbolRefAttr)
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


SDF = Dialect("sdf", [GraphOp, ActorOp, ChannelOp],
              description="Synchronous dataflow graphs: actors, channels, rates, tokens and analysis results.")
