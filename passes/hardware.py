"""What the hardware-aware passes share: targets in the IR, and bound sdf graphs as arrays.

Not a pass: `bind`, `schedule`, `buffer-size`, `admit`, `tile-sweep` and `analyze-throughput`
use these to translate between the IR (`hw.target`, `sdf.actor {tile}`, `sdf.schedule`,
channel capacities) and `snnir.algorithms.mapping`'s `Platform` and `Mapping`.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from snnir.algorithms import mapping
from snnir.algorithms.target import Target, TargetError, load_target
from snnir.attributes import IntegerAttr, SymbolRefAttr
from snnir.dialects import hw, sdf
from snnir.ir import Operation
from snnir.location import FileLineColLoc, Location
from snnir.pass_manager import PassFailure
from snnir.traits import resolve_symbol


def load(target: str, loc: Location) -> Target:
    """A bundled profile or a JSON file; its errors point into the file when they can."""
    try:
        return load_target(target)
    except TargetError as e:
        if e.path is not None and e.line is not None:
            raise PassFailure(e.message, FileLineColLoc(e.path, e.line, e.col or 1)) from None
        raise PassFailure(str(e), loc) from None


def target_op(module: Operation, target: Target) -> hw.TargetOp:
    """The module's `hw.target` for `target`, added at the top of the module when missing."""
    block = module.regions[0].block
    for op in block.ops:
        if isinstance(op, hw.TargetOp) and op.sym_name == target.name:
            if op.to_target() != target:
                raise PassFailure(f"the module already describes a different target @{target.name}", op.loc)
            return op
    op = hw.TargetOp.from_target(target, module.loc)
    block.insert_op(0, op)
    return op


def graph_target(graph: sdf.GraphOp) -> Target:
    """The target a bound graph names."""
    if graph.target is None:
        raise PassFailure(f"@{graph.sym_name} is not bound to a target (run --bind first)", graph.loc)
    return resolve_symbol(graph, graph.target).to_target()  # the verifier made sure it is an hw.target


def is_bound(graph: sdf.GraphOp) -> bool:
    actors = graph.actors
    return bool(actors) and all(a.tile is not None for a in actors)


def graph_mapping(graph: sdf.GraphOp, tiles: int, with_orders: bool = True) -> mapping.Mapping:
    """The binding, token sizes, capacities and (optionally) schedules of a graph on `tiles` tiles."""
    actors, channels = graph.actors, graph.channels
    index = {a.sym_name: k for k, a in enumerate(actors)}
    tile = np.array([a.tile.value if a.tile is not None else 0 for a in actors], dtype=np.int64)
    size = np.array([ch.token_size.value for ch in channels], dtype=np.int64)

    def optional(name: str) -> np.ndarray | None:
        values = [getattr(ch, name) for ch in channels]
        if all(v is None for v in values):
            return None
        return np.array([v.value if v is not None else -1 for v in values], dtype=np.int64)

    orders = None
    if with_orders and graph.schedules:
        lists: list[list[int]] = [[] for _ in range(tiles)]
        for s in graph.schedules:
            lists[s.tile.value] = [index[ref.root] for ref in s.order.data]
        orders = tuple(np.array(o, dtype=np.int64) for o in lists)
    return mapping.Mapping(tile=tile, token_size=size, capacity=optional("capacity"),
                           src_capacity=optional("src_capacity"), orders=orders)


def set_binding(graph: sdf.GraphOp, target: hw.TargetOp, tile: np.ndarray) -> None:
    """Record a binding in the IR: each actor's `tile` and the graph's `target`."""
    for actor, t in zip(graph.actors, tile.tolist()):
        actor.properties["tile"] = IntegerAttr(int(t))
    graph.properties["target"] = SymbolRefAttr(target.sym_name)


def set_schedules(graph: sdf.GraphOp, orders: tuple[np.ndarray, ...]) -> None:
    """Replace the graph's `sdf.schedule` ops by one per tile with a non-empty order."""
    from snnir.attributes import ArrayAttr

    block = graph.regions[0].block
    for op in graph.schedules:
        op.erase()
    names = [a.sym_name for a in graph.actors]
    for t, order in enumerate(orders):
        if len(order):
            block.add_op(sdf.ScheduleOp.build(tile=IntegerAttr(t),
                                              order=ArrayAttr([SymbolRefAttr(names[k]) for k in order.tolist()]),
                                              loc=graph.loc))


def parse_rate(text: str, what: str, loc: Location) -> Fraction | None:
    """A throughput given as `1/16`, `0.0625` or `` (none)."""
    if not text:
        return None
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise PassFailure(f"{what} must be a number or a fraction such as 1/16, got '{text}'", loc) from None
    if value <= 0:
        raise PassFailure(f"{what} must be positive, got '{text}'", loc)
    return value


def rate_text(x: Any) -> str:
    """An exact rate or period as text: "16", "1/16", or a float's repr."""
    return str(x) if isinstance(x, (Fraction, int)) else repr(float(x))
