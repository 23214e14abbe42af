"""`bind`: put every actor (crossbar cluster) of every `sdf.graph` on a tile of a target (method.md section 8).

    snn-opt net.snnir --partition --sdfg --bind='tiles=4' --target=paper4
    snn-opt net.snnir --partition --sdfg --bind='binding=tiles.json' --target=my_chip.json

The target (a bundled profile or a JSON file, docs/targets.md) is recorded in the module as an
`hw.target`; the pass first checks that it can hold every cluster (rows, columns, synapse memory)
and, once bound, every neuron's fan-out, naming the cluster or neuron and the limit. Binding:
a user file `{"actor": tile, ...}`, all on tile 0 when `tiles=1`, else the design-time binding
(`snnir.algorithms.mapping.design_binding`): a start, then `refine` rounds of iterative
improvement driven by the throughput of the bound, list-scheduled graph (`refine=0` keeps the
start). Starts: `start=greedy` is SDF3's criticality-ordered least-cost heuristic
(`mapping.bind`), `start=order` splits a self-timed execution order into contiguous runs of equal
load (the binding run-time admission makes), `start=best` (default) evaluates both and refines the
better.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from snnir.algorithms.arrays import unique
from snnir.algorithms import mapping
from snnir.algorithms.sdf import SDFError
from snnir.algorithms.target import Target
from snnir.dialects import cluster, sdf
from snnir.ir import Operation
from snnir.location import FileLineColLoc
from snnir.pass_manager import Pass, PassContext, PassFailure, option
from snnir.passes import hardware
from snnir.passes.analyze_throughput import sdf_graph_of
from snnir.traits import resolve_symbol


def check_clusters_fit(graph: sdf.GraphOp, target: Target) -> None:
    """Every crossbar an actor stands for fits one tile of the target."""
    if graph.clusters is None:
        return
    clusters = resolve_symbol(graph, graph.clusters)
    capacity = target.synapse_capacity
    for xb in clusters.crossbars:
        used = {"rows": cluster.ids_of(xb.rows).size, "columns": cluster.ids_of(xb.columns).size,
                "synapses": cluster.ids_of(xb.synapses).size}
        limits = {"rows": target.rows, "columns": target.cols, "synapses": capacity}
        for what, n in used.items():
            if n > limits[what]:
                raise PassFailure(f"cluster @{xb.sym_name} uses {n} {what} but a tile of target @{target.name} has "
                                  f"{limits[what]}", xb.loc)


def check_fan_out(graph: sdf.GraphOp, target: Target, tile: np.ndarray) -> None:
    """No neuron sends to more tiles than the target's routing allows (its own tile not counted)."""
    if target.fan_out is None or graph.clusters is None:
        return
    from snnir.passes.partition import connectivity_of, neuron_name

    clusters = resolve_symbol(graph, graph.clusters)
    network = resolve_symbol(clusters, clusters.network)
    conn, pops = connectivity_of(network, default_spikes=1)
    xbars = clusters.crossbars
    index = {a.sym_name: k for k, a in enumerate(graph.actors)}
    tile_of_xbar = np.full(len(xbars), -1, np.int64)
    column_tile = np.full(conn.n, -1, np.int64)
    for k, xb in enumerate(xbars):
        actor = next((a for a in graph.actors if a.cluster is not None and a.cluster.root == xb.sym_name), None)
        if actor is not None:
            tile_of_xbar[k] = tile[index[actor.sym_name]]
            column_tile[cluster.ids_of(xb.columns)] = tile_of_xbar[k]
    dest = column_tile[conn.post]
    own = column_tile[conn.pre]
    keep = (dest >= 0) & (dest != own) & conn.postsynaptic[conn.pre]  # inputs arrive from off-chip
    pairs = unique(conn.pre[keep] * (target.tiles + 1) + dest[keep])
    counts = np.bincount(pairs // (target.tiles + 1), minlength=conn.n)
    over = np.flatnonzero(counts > target.fan_out)
    if over.size:
        offsets = np.concatenate([[0], np.cumsum([op.results[0].type.size for op in pops])])
        gid = int(over[0])
        k = int(np.searchsorted(offsets, gid, side="right") - 1)
        raise PassFailure(f"{neuron_name(pops, offsets, gid)} sends spikes to {int(counts[gid])} other tiles but "
                          f"target @{target.name} routes each neuron to at most {target.fan_out}", pops[k].loc)


def read_binding(path: str, names: list[str], tiles: int) -> np.ndarray:
    """A tile per actor from a JSON object {"actor": tile}; errors name the file and what is wrong."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        raise PassFailure(f"cannot read the binding file '{path}': {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise PassFailure(f"not valid JSON: {e.msg}", FileLineColLoc(path, e.lineno, e.colno)) from None
    if not isinstance(data, dict):
        raise PassFailure("a binding file is a JSON object mapping each actor name to a tile number",
                          FileLineColLoc(path, 1, 1))
    try:
        return mapping.binding_from_mapping(names, {k.lstrip("@"): v for k, v in data.items()}, tiles)
    except ValueError as e:
        raise PassFailure(f"{e}", FileLineColLoc(path, 1, 1)) from None


def design_binding(graph: sdf.GraphOp, actors: list, g, platform: mapping.Platform, tiles: int, size: np.ndarray,
                   rounds: int, start: str) -> np.ndarray:
    """`mapping.design_binding` on the first `tiles` tiles; an analysis error names the graph and
    points at the first actor concerned."""
    try:
        return mapping.design_binding(g, platform, tiles_available=range(tiles), token_size=size, rounds=rounds,
                                      start=start).tile  # type: ignore[arg-type]
    except SDFError as e:
        blamed = actors[e.actors[0]] if e.actors else graph
        raise PassFailure(f"@{graph.sym_name}: cannot bind: {e}", blamed.loc) from None


@dataclass(frozen=True)
class Bind(Pass):
    name = "bind"
    description = ("Bind every sdf.graph's actors to tiles of a target (added as hw.target), after checking that "
                   "the target can hold every cluster")
    statistics = {"tiles": "tiles used", "crossing-channels": "channels between actors on different tiles"}
    option_flags = {"target": "target"}

    target: str = option("paper4", "a bundled target (docs/targets.md) or a target JSON file")
    tiles: int = option(0, "use the first N tiles of the target (0: all)")
    binding: str = option("", "a JSON file {\"actor\": tile} giving the binding instead of the heuristic")
    refine: int = option(8, "rounds of design-time improvement of the heuristic binding by throughput analysis "
                            "(moves and swaps of critical actors, each list-scheduled and analysed; 0: the start only)")
    start: str = option("best", "the binding refinement starts from: greedy (SDF3's least-cost heuristic), order "
                                "(equal-load runs of a self-timed order) or best (the better of both)")

    def apply(self, module: Operation, ctx: PassContext) -> None:
        target = hardware.load(self.target, module.loc)
        tiles = self.tiles or target.tiles
        if not 0 < tiles <= target.tiles:
            raise PassFailure(f"tiles must be between 1 and the target's {target.tiles}, got {self.tiles}",
                              module.loc)
        if self.start not in ("best", "greedy", "order"):
            raise PassFailure(f"start must be best, greedy or order, got '{self.start}'", module.loc)
        if self.refine < 0:
            raise PassFailure(f"refine must be >= 0 (rounds of improvement), got {self.refine}", module.loc)
        graphs = [op for op in module.regions[0].block.ops if isinstance(op, sdf.GraphOp)]
        if not graphs:
            raise PassFailure("no sdf.graph to bind (run --sdfg first)", module.loc)
        for graph in graphs:
            check_clusters_fit(graph, target)
        op = hardware.target_op(module, target)
        platform = mapping.Platform.from_target(target)
        for graph in graphs:
            g, actors, channels = sdf_graph_of(graph)
            names = [a.sym_name for a in actors]
            if self.binding:
                tile = read_binding(self.binding, names, tiles)
            elif tiles == 1:
                tile = np.zeros(len(actors), np.int64)
            else:
                size = np.array([ch.token_size.value for ch in channels], dtype=np.int64)
                tile = design_binding(graph, actors, g, platform, tiles, size, self.refine, self.start)
            check_fan_out(graph, target, tile)
            hardware.set_binding(graph, op, tile)
            for s in graph.schedules:  # a schedule of another binding no longer holds
                s.erase()
            ctx.bump("tiles", int(unique(tile).size))
            ctx.bump("crossing-channels", int(np.count_nonzero(tile[g.src] != tile[g.dst])))
