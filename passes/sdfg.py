"""`sdfg`: lower each `cluster.graph` to an `sdf.graph` (method.md section 4).

    snn-opt net.snnir --partition --sdfg='tokens=packets exec-time=16'

One actor per crossbar, firing once per iteration (one inference) in `exec-time` time units; one
channel per link; a self-loop with one token per actor, since a crossbar evaluates one firing at
a time. `tokens=spikes` is the paper's convention: production = consumption = initial tokens =
the spikes on the link, one spike per token. `tokens=packets` sends one token per link and
iteration that carries the spikes as its size, so the graph no longer grows with spike counts;
both give the same throughput (a channel whose rates and tokens share a factor g behaves as
that channel divided by g).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from snnir.attributes import IntegerAttr, StringAttr, SymbolRefAttr
from snnir.dialects import cluster, sdf
from snnir.ir import Block, Operation, Region
from snnir.pass_manager import Pass, PassContext, PassFailure, option


def sdf_graph_name(clusters: cluster.GraphOp) -> str:
    """`mlp_sdf` for the cluster graph `mlp_clusters` (the name --partition gives it)."""
    base = clusters.sym_name
    return (base[: -len("_clusters")] if base.endswith("_clusters") else base) + "_sdf"


def lower_clusters(clusters: cluster.GraphOp, convention: str, exec_time: int) -> sdf.GraphOp:
    """The dataflow graph of one cluster graph under a token convention."""
    block = Block()
    loc = clusters.loc
    for xbar in clusters.crossbars:
        block.add_op(sdf.ActorOp.build(sym_name=StringAttr(xbar.sym_name), exec_time=IntegerAttr(exec_time),
                                       cluster=SymbolRefAttr(xbar.sym_name), loc=xbar.loc))
    for link in clusters.links:
        spikes = link.spikes.value
        per_token = 1 if convention == "spikes" else spikes
        count = IntegerAttr(spikes // per_token)
        props = dict(src=link.src, dst=link.dst, production=count, consumption=count, tokens=count)
        if per_token != 1:
            props["token_size"] = IntegerAttr(per_token)
        block.add_op(sdf.ChannelOp.build(**props, loc=link.loc))
    one = IntegerAttr(1)
    for xbar in clusters.crossbars:
        ref = SymbolRefAttr(xbar.sym_name)
        block.add_op(sdf.ChannelOp.build(src=ref, dst=ref, production=one, consumption=one, tokens=one,
                                         loc=xbar.loc))
    return sdf.GraphOp.build(sym_name=StringAttr(sdf_graph_name(clusters)),
                             clusters=SymbolRefAttr(clusters.sym_name), tokens=StringAttr(convention),
                             body=Region([block]), loc=loc)


@dataclass(frozen=True)
class Sdfg(Pass):
    name = "sdfg"
    description = ("Lower each cluster.graph to an sdf.graph: one actor per crossbar with a one-token self-loop, "
                   "one channel per link")
    statistics = {"actors": "actors created", "channels": "channels created (self-loops included)",
                  "tokens": "initial tokens on all channels"}

    tokens: Literal["spikes", "packets"] = option("spikes", "spikes: one token per spike (the paper's "
                                                  "convention); packets: one token per link carrying its spikes")
    exec_time: int = option(16, "time units one crossbar evaluation (an actor firing) takes")

    def apply(self, module: Operation, ctx: PassContext) -> None:
        if self.exec_time <= 0:
            raise PassFailure(f"exec-time must be positive, got {self.exec_time}", module.loc)
        block = module.regions[0].block
        graphs = [op for op in block.ops if isinstance(op, cluster.GraphOp)]
        if not graphs:
            raise PassFailure("no cluster.graph to lower (run --partition first)", module.loc)
        taken = {op.sym_name for op in block.ops if op.sym_name}
        for clusters in graphs:
            graph = lower_clusters(clusters, self.tokens, self.exec_time)
            if graph.sym_name in taken:
                raise PassFailure(f"cannot name the dataflow graph of @{clusters.sym_name}: @{graph.sym_name} "
                                  "exists already", clusters.loc)
            block.insert_op(block.ops.index(clusters) + 1, graph)
            ctx.bump("actors", len(graph.actors))
            ctx.bump("channels", len(graph.channels))
            ctx.bump("tokens", sum(ch.tokens.value for ch in graph.channels))
