"""`partition`: lower an `snn.network` with spike counts to a `cluster.graph` of crossbar-sized clusters.

    snn-opt net.snnir --simulate --partition='algo=greedy rows=128 cols=128 report=part.json'

The pass only translates: IR -> `Connectivity` (global neuron and synapse ids, see
dialects/cluster.py) -> a partitioner of `snnir.algorithms.partition` -> cluster ops. With
`decompose=tree` (the default) or `decompose=chain` it first runs the fan-in decomposition of
`decompose-fan-in` with its own rows and that shape, so neurons with more inputs than a crossbar
has rows go through relays; with `decompose=none` such neurons are an error.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from snnir.algorithms import partition as algo
from snnir.attributes import (
    DenseElementsAttr,
    DenseResourceAttr,
    IntegerAttr,
    StringAttr,
    SymbolRefAttr,
    TensorType,
    VerifyException,
    element_type_of_dtype,
)
from snnir.dialects import cluster, snn
from snnir.ir import Block, Operation, Region
from snnir.pass_manager import Pass, PassContext, PassFailure, option
from snnir.passes.decompose_fan_in import decompose_network
from snnir.passes.simulate import network_from_ir, populations

ALGORITHMS = {"greedy": algo.greedy, "layer": algo.layer_slices, "refined": algo.refined}


def connectivity_of(network: snn.NetworkOp, default_spikes: int | None = None) -> tuple[algo.Connectivity, list[Any]]:
    """The synapses and spike counts of a network over global ids, and its population ops in id order.

    Populations without `spike_counts` get `default_spikes` per neuron, or raise VerifyException
    naming the first such population when `default_spikes` is None.
    """
    net, _ = network_from_ir(network)  # its populations are those of `populations(network)`, in order
    pops = populations(network)
    sizes = [op.results[0].type.size for op in pops]
    is_input = [isinstance(op, snn.InputOp) for op in pops]
    spikes = []
    for op in pops:
        counts = op.properties.get("spike_counts")
        if counts is None:
            if default_spikes is None:
                raise VerifyException(f"population @{op.sym_name} has no spike_counts")
            spikes.append(np.full(op.results[0].type.size, default_spikes, np.int64))
        else:
            spikes.append(np.asarray(counts.data, dtype=np.int64).reshape(-1))
    projections = [(p.src, p.dst, p.matrix) for p in net.projections]
    conn = algo.connectivity_from_matrices(sizes, is_input, projections, np.concatenate(spikes) if spikes else
                                           np.zeros(0, np.int64))
    return conn, pops


def neuron_name(pops: list[Any], offsets: np.ndarray, gid: int) -> str:
    """`neuron 17 of @layer2` for a global neuron id."""
    k = int(np.searchsorted(offsets, gid, side="right") - 1)
    return f"neuron {gid - int(offsets[k])} of @{pops[k].sym_name}"


def _ids_attr(name: str, ids: np.ndarray) -> Any:
    """Index arrays as int32 tensors: inline when small, a resource when large."""
    arr = np.ascontiguousarray(ids, dtype=np.int32)
    if arr.size > 16:
        return DenseResourceAttr.from_array(name, arr)
    return DenseElementsAttr(TensorType(arr.shape, element_type_of_dtype(arr.dtype)), arr)


def build_graph(network: snn.NetworkOp, conn: algo.Connectivity, clustering: algo.Clustering, rows: int,
                cols: int, algo_name: str) -> cluster.GraphOp:
    prefix = network.sym_name
    col_ptr, col_ids = clustering.columns()
    row_ptr, row_ids = clustering.rows(conn)
    syn_cluster = clustering.synapse_cluster(conn)
    syn_order = np.argsort(syn_cluster, kind="stable")
    syn_ptr = np.searchsorted(syn_cluster[syn_order], np.arange(clustering.n_clusters + 1))
    inputs = algo.input_spikes(conn, clustering)
    block = Block()
    for k in range(clustering.n_clusters):
        name = f"c{k}"
        props = dict(
            sym_name=StringAttr(name),
            columns=_ids_attr(f"{prefix}_{name}_columns", col_ids[col_ptr[k]:col_ptr[k + 1]]),
            rows=_ids_attr(f"{prefix}_{name}_rows", row_ids[row_ptr[k]:row_ptr[k + 1]]),
            synapses=_ids_attr(f"{prefix}_{name}_synapses", syn_order[syn_ptr[k]:syn_ptr[k + 1]]),
        )
        if inputs[k]:
            props["input_spikes"] = IntegerAttr(int(inputs[k]))
        block.add_op(cluster.CrossbarOp.build(**props, loc=network.loc))
    src, dst, spikes = algo.link_spikes(conn, clustering)
    for s, d, n in zip(src.tolist(), dst.tolist(), spikes.tolist()):
        block.add_op(cluster.LinkOp.build(src=SymbolRefAttr(f"c{s}"), dst=SymbolRefAttr(f"c{d}"),
                                          spikes=IntegerAttr(n), loc=network.loc))
    return cluster.GraphOp.build(sym_name=StringAttr(f"{prefix}_clusters"), network=SymbolRefAttr(prefix),
                                 rows=IntegerAttr(rows), cols=IntegerAttr(cols), algo=StringAttr(algo_name),
                                 body=Region([block]), loc=network.loc)


def _check_synapse_places(xbars: list, syns: list[np.ndarray], rows: list[np.ndarray], conn: algo.Connectivity,
                          column_of: np.ndarray) -> None:
    """Each crossbar's synapses end in its own columns and start in its rows (raises VerifyException).

    All crossbars at once (one sort of the (crossbar, row) keys), since the IR is verified after
    every pass and thousands of crossbars made a per-crossbar `isin` the verifier's main cost. The
    crossbar named is the first in order that breaks a rule, as a loop over them would find it.
    """
    k_syn = np.repeat(np.arange(len(xbars), dtype=np.int64), [s.size for s in syns])
    syn = np.concatenate(syns) if syns else np.zeros(0, np.int64)
    n = max(conn.n, 1)
    bad_post = np.flatnonzero(column_of[conn.post[syn]] != k_syn)
    row_keys = np.sort(np.concatenate([k * n + r for k, r in enumerate(rows)]) if rows else np.zeros(0, np.int64))
    syn_keys = k_syn * n + conn.pre[syn]
    at = np.minimum(np.searchsorted(row_keys, syn_keys), max(row_keys.size - 1, 0))
    bad_pre = np.flatnonzero(row_keys[at] != syn_keys) if row_keys.size else np.arange(syn_keys.size)
    first_post = int(k_syn[bad_post[0]]) if bad_post.size else len(xbars)
    first_pre = int(k_syn[bad_pre[0]]) if bad_pre.size else len(xbars)
    if first_post < len(xbars) and first_post <= first_pre:
        raise VerifyException(f"crossbar @{xbars[first_post].sym_name} holds a synapse whose post-synaptic neuron is "
                              "elsewhere")
    if first_pre < len(xbars):
        raise VerifyException(f"crossbar @{xbars[first_pre].sym_name} holds a synapse whose pre-synaptic neuron is "
                              "not a row")


def verify_graph(graph: cluster.GraphOp, network: Any) -> None:
    """The invariants of a cluster graph against its network (raises VerifyException).

    Every post-synaptic neuron in exactly one crossbar, every synapse of the network in exactly
    one crossbar (the one holding its post-synaptic neuron, with its pre-synaptic neuron among
    the rows), rows and columns within limits, and link spikes equal to those recomputed from the
    annotated spike counts.
    """
    conn, pops = connectivity_of(network, default_spikes=1)
    xbars = graph.crossbars
    if not xbars:
        raise VerifyException("has no crossbars")
    column_of = np.full(conn.n, -1, np.int64)
    seen_syn = np.zeros(conn.pre.size, np.int64)
    syns, rows = [], []
    for k, xb in enumerate(xbars):
        cols_ids = cluster.ids_of(xb.columns)
        if cols_ids.size and (cols_ids.min() < 0 or cols_ids.max() >= conn.n):
            raise VerifyException(f"crossbar @{xb.sym_name} names a neuron outside 0..{conn.n - 1}")
        if np.any(column_of[cols_ids] >= 0):
            gid = int(cols_ids[column_of[cols_ids] >= 0][0])
            raise VerifyException(f"neuron {gid} is a column of two crossbars")
        column_of[cols_ids] = k
        syn = cluster.ids_of(xb.synapses)
        if syn.size and (syn.min() < 0 or syn.max() >= conn.pre.size):
            raise VerifyException(f"crossbar @{xb.sym_name} names a synapse outside 0..{conn.pre.size - 1}")
        np.add.at(seen_syn, syn, 1)
        syns.append(syn)
        rows.append(cluster.ids_of(xb.rows))
    offsets = np.concatenate([[0], np.cumsum([op.results[0].type.size for op in pops])])
    missing = np.flatnonzero(conn.postsynaptic & (column_of < 0))
    if missing.size:
        raise VerifyException(f"{neuron_name(pops, offsets, int(missing[0]))} is in no crossbar")
    stray = np.flatnonzero(~conn.postsynaptic & (column_of >= 0))
    if stray.size:
        raise VerifyException(f"{neuron_name(pops, offsets, int(stray[0]))} is an input, not a crossbar column")
    if np.any(seen_syn != 1):
        s = int(np.flatnonzero(seen_syn != 1)[0])
        raise VerifyException(f"synapse {s} is placed {int(seen_syn[s])} times, not once")
    clustering = algo.Clustering(len(xbars), column_of)
    _check_synapse_places(xbars, syns, rows, conn, column_of)
    src, dst, spikes = algo.link_spikes(conn, clustering)
    expected = {(int(s), int(d)): int(n) for s, d, n in zip(src, dst, spikes)}
    index = {xb.sym_name: k for k, xb in enumerate(xbars)}
    found: dict[tuple[int, int], int] = {}
    for link in graph.links:
        if link.src.root not in index or link.dst.root not in index:
            continue  # the link's own verifier names the bad endpoint
        key = (index[link.src.root], index[link.dst.root])
        if key in found:
            raise VerifyException(f"two links {link.src} -> {link.dst}")
        found[key] = link.spikes.value
    if found != expected:
        diff = sorted(set(found.items()) ^ set(expected.items()))[0]
        s, d = diff[0]
        raise VerifyException(f"link @{xbars[s].sym_name} -> @{xbars[d].sym_name} carries {found.get((s, d), 0)} "
                              f"spikes but the annotated counts give {expected.get((s, d), 0)}")


@dataclass(frozen=True)
class Partition(Pass):
    name = "partition"
    description = ("Pack each snn.network into crossbar-sized clusters (rows = distinct inputs, cols = neurons) "
                   "and add a cluster.graph with the spikes between them")
    statistics = {"crossbars": "crossbars used", "synapses": "synapses placed",
                  "inter-spikes": "spikes between crossbars per iteration",
                  "intra-spikes": "spikes that stay inside a crossbar"}
    option_flags = {"partition-report": "report"}

    algo: Literal["refined", "greedy", "layer"] = option("refined", "partitioner: refined (ours), greedy (the "
                                                         "paper's), layer (one population slice per crossbar)")
    rows: int = option(128, "crossbar rows: distinct pre-synaptic inputs")
    cols: int = option(128, "crossbar columns: post-synaptic neurons")
    report: str = option("", "write a JSON report to this file")
    decompose: Literal["tree", "chain", "none"] = option(
        "tree", "first route the inputs of neurons with more than `rows` inputs through relay neurons, as "
        "--decompose-fan-in does with this shape: tree (the default) or chain (the paper's); none: such neurons "
        "are an error")

    def apply(self, module: Operation, ctx: PassContext) -> None:
        if self.rows <= 0 or self.cols <= 0:
            raise PassFailure(f"rows and cols must be positive, got rows={self.rows} cols={self.cols}", module.loc)
        reports = []
        block = module.regions[0].block
        for network in [op for op in block.ops if isinstance(op, snn.NetworkOp)]:
            if self.decompose != "none":
                for rec in decompose_network(network, self.rows, self.decompose):
                    ctx.warning(f"fan-in decomposition before partitioning (decompose={self.decompose}): "
                                f"{rec.message}", rec.loc)
            unannotated = [op.sym_name for op in populations(network) if op.properties.get("spike_counts") is None]
            if unannotated:
                ctx.warning(f"no spike counts on {', '.join('@' + n for n in unannotated[:3])}"
                            f"{' and others' if len(unannotated) > 3 else ''}: partitioning assumes one spike "
                            "per neuron per iteration (run --simulate or --annotate-spikes first for real counts)",
                            network.loc)
            conn, pops = connectivity_of(network, default_spikes=1)
            offsets = np.concatenate([[0], np.cumsum([op.results[0].type.size for op in pops])])
            t0 = time.perf_counter()
            try:
                algo.check_fan_in(conn, self.rows)
                clustering = ALGORITHMS[self.algo](conn, self.rows, self.cols)
            except algo.FanInError as e:
                k = int(np.searchsorted(offsets, e.neuron, side="right") - 1)
                raise PassFailure(f"{neuron_name(pops, offsets, e.neuron)} has fan-in {e.fan_in} but the crossbar "
                                  f"has {e.limit} rows", pops[k].loc) from None
            elapsed = time.perf_counter() - t0
            graph = build_graph(network, conn, clustering, self.rows, self.cols, self.algo)
            block.insert_op(block.ops.index(network) + 1, graph)
            summary = algo.summary(conn, clustering, self.rows, self.cols)
            ctx.bump("crossbars", clustering.n_clusters)
            ctx.bump("synapses", int(conn.pre.size))
            ctx.bump("inter-spikes", int(summary["inter_spikes"]))
            ctx.bump("intra-spikes", int(summary["intra_spikes"]))
            reports.append({"network": network.sym_name, "algo": self.algo, "rows": self.rows, "cols": self.cols,
                            "seconds": round(elapsed, 6), **summary})
        if self.report:
            try:
                with open(self.report, "w", encoding="utf-8") as f:
                    json.dump({"networks": reports}, f, indent=2, sort_keys=True)
                    f.write("\n")
            except OSError as e:
                raise PassFailure(f"cannot write the partition report '{self.report}': {e.strerror}",
                                  module.loc) from None
