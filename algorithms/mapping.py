"""Resource-aware dataflow: binding to tiles, static-order scheduling and run-time admission.

    from fractions import Fraction
    from snnir.algorithms.mapping import (Platform, Mapping, bind, refine_binding, list_schedule,
                                          bound_throughput, record_order, admit)

    platform = Platform.mesh(2, 2, hop_latency=3, bandwidth=96)
    tile = bind(g, platform)                              # SDF3-style binding heuristic
    tile = refine_binding(g, platform, tile)              # improved by throughput analysis
    orders = list_schedule(g, platform, tile)             # per-tile static orders
    r = bound_throughput(g, platform, Mapping(tile, orders=orders))
    r.period, r.critical_cycle                            # e.g. ('a0', 'a0->a1 comm', 'a1', ...)

    order = record_order(g)                               # design time: one self-timed iteration
    adm = admit(g, order, platform, free_tiles=[1, 3], required=Fraction(1, 200))   # run time

The dataflow model (method.md section 5, SDF3's standard models). `resource_graph` turns an SDF
graph (`snnir.algorithms.sdf`), a platform and a mapping into a larger SDF graph whose
throughput is that of the mapped application:

- A channel src -> dst whose endpoints are on different tiles becomes

      src --(p : g, 0)--> [wait] --> comm --(g : c, t)--> dst        comm --(1 : 1, 1)--> comm

  The comm actor stands for the connection: one transfer in flight at a time (its one-token
  self-loop), each taking hops x hop_latency + ceil(g x token_size / bandwidth). A transfer
  moves one *packet* of g = gcd(p, c, t) tokens (`comm_unit="packet"`, the default): in the
  paper's spikes convention (p = c = t = s, token size 1) one firing's s spikes travel as one
  packet, exactly as in the packet convention (1, 1, 1, token size s), so both conventions give
  the same model, the model stays homogeneous when the graph is, and its size does not grow with
  the spike counts. `comm_unit="token"` is SDF3's literal per-token model (g = 1): q[comm] =
  p q[src] firings per iteration, each paying the full latency.
- The t initial tokens stay at the destination (on comm -> dst): they are the data of earlier
  iterations sitting in the destination tile's input buffer, so dst can fire at once, as in the
  unbound graph.
- TDMA (platform with `tdma_wheel` and `tdma_slice`): a *wait* actor of execution time
  wheel - slice, with no self-loop, sits in front of the comm actor. A packet becomes ready when
  src ends; in the worst case the application's slice of the wheel has just passed, so it waits
  wheel - slice before the connection may send it. Packets wait independently (no self-loop),
  while they wait they still occupy the source tile's output buffer (the output-buffer back-edge
  below is released by the comm actor, behind the wait). Actors on tiles are not slowed down by
  the wheel. SDF3 also time-shares the processors; to model that, scale execution times to their
  worst-case response times e + ceil(e / slice) (wheel - slice) before mapping (LeNet-MNIST on
  one tile of the tutorial platform then gives SDF3's 224 = 7 x 32 instead of 7 x 16).
- Buffers (`Mapping.capacity`, `Mapping.src_capacity`): a capacity B is a back-edge with rates
  swapped and B - (tokens already there) initial tokens (the free space). Inside a tile, one
  buffer: dst -> src (c : p, B - t). Across tiles two: the destination's input buffer
  dst -> comm (c : g, B - t) and the source's output buffer comm -> src (g : p, B_src). The
  producer claims space when it starts, the consumer frees it when it ends. Free space is rounded
  down to a multiple of gcd of the back-edge's rates: the remainder can never be used (the space
  changes only by those rates), so this is exact and keeps spike-convention graphs homogeneous.
  Infinite capacities (-1 or None) add nothing.
- Static orders (`Mapping.orders`): a tile runs its actors in a cyclic order; between
  consecutive firings of the order a sequencing edge with 0 tokens, from the last back to the
  first one with 1 token. An actor a appears q[a] times per order; when some q[a] > 1 these edges
  join firings, not actors, so the model is first expanded into its homogeneous graph of firings
  (`hsdf_expansion`). Without orders, actors sharing a tile are modelled as if they could run at
  the same time (only their self-loops serialise them): an optimistic bound.

`ModelMap` says, for every actor and channel of the model, what it stands for, so the critical
cycle of the analysis is reported in original actors and resource names (`bound_throughput`).

Binding, scheduling, admission (method.md section 8): `bind` is SDF3's greedy binding
(criticality order, least-cost tile); `refine` / `refine_binding` improve a binding iteratively,
the design-time step after the greedy one (moves, swaps and merges of the actors behind the
critical cycle, each list-scheduled and analysed, the best strict improvement per round);
`list_schedule` takes each tile's static order from a list-scheduled self-timed execution of
the bound model; `record_order` records one iteration of
the unbound graph's self-timed execution at design time, and `admit` binds at run time by cutting
that order into contiguous chunks over the free tiles, keeps the recorded order on each tile and
analyses the result: O(A log T + C) plus one throughput analysis.

`simulate_bound` is an independent event simulation of the mapped application (tiles executing
their static orders, connections as delays, buffers as space counters) that does not use
`resource_graph`: the test oracle for the model.

Costs (A actors, C channels, T tiles, k channels crossing tiles). `resource_graph` is O(A + C)
vectorised numpy (plus O(sum q + C log C) for the firing expansion of a multirate graph with
orders); the model has A + k (+ k with TDMA) actors and C + 2k (+ k) channels plus buffers and
orders. `bound_throughput` adds one analysis of the model: for a homogeneous model (every channel
(k, k, multiple of k), so q is all 1: SNN graphs) under self-timed semantics a maximum cycle
ratio on the model graph by Howard's policy iteration (`_max_cycle_ratio`), O(model size) numpy
per iteration, tens of milliseconds for a thousand actors; otherwise `sdf.throughput`. `bind` is
O(A (T + degree)) plus `actor_criticality`; `refine` is 1 + at most rounds x candidates
evaluations (`list_schedule` + `bound_throughput` each); `list_schedule` and `record_order` are
O(firings x degree x log) in Python; `simulate_bound` is O(events x (A + C)), for small graphs.
"""

from __future__ import annotations

import functools
import heapq
import math
import time
from collections.abc import Mapping as TypingMapping
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph
from snnir.algorithms.arrays import unique
from snnir.algorithms import sdf
from snnir.algorithms.sdf import (
    Deadlock,
    SDFError,
    SDFGraph,
    Throughput,
    UnboundedActors,
)

__all__ = [
    "ACTOR_KINDS",
    "CHANNEL_KINDS",
    "HSDF",
    "Admission",
    "BoundThroughput",
    "DesignBinding",
    "Mapping",
    "ModelMap",
    "Platform",
    "Refinement",
    "actor_criticality",
    "admit",
    "bind",
    "binding_from_mapping",
    "bound_throughput",
    "design_binding",
    "hsdf_expansion",
    "list_schedule",
    "order_binding",
    "record_order",
    "refine",
    "refine_binding",
    "resource_graph",
    "simulate_bound",
]

_I64 = np.int64
_F64 = np.float64
_EXACT_LIMIT = 2**53
CommUnit = Literal["packet", "token"]

# Model actor kinds (ModelMap.actor_kind) and channel kinds (ModelMap.channel_kind).
ACTOR, COMM, WAIT = 0, 1, 2
ACTOR_KINDS = ("actor", "comm", "wait")
DATA, SEND, DELAY, DELIVER, SERIAL, OUT_BUFFER, IN_BUFFER, ORDER = range(8)
CHANNEL_KINDS = ("data", "send", "delay", "deliver", "serial", "out-buffer", "in-buffer", "order")


def _integral(g: SDFGraph) -> bool:
    """Whether every execution time is an integer (exact Fractions result)."""
    e = g.exec_time
    return e.dtype.kind == "i" or bool(np.all(np.floor(e) == e) and (e.size == 0 or e.max() < _EXACT_LIMIT))


def _adjacency_lists(g: SDFGraph) -> tuple[list[list[int]], list[list[int]]]:
    """(inputs, outputs): the channel indices into and out of every actor, as Python lists."""
    ins: list[list[int]] = [[] for _ in range(g.actors)]
    outs: list[list[int]] = [[] for _ in range(g.actors)]
    for ch, (s, d) in enumerate(zip(g.src.tolist(), g.dst.tolist())):
        outs[s].append(ch)
        ins[d].append(ch)
    return ins, outs


# ------------------------------------------------------------------------------ platform and mapping


def _read_only(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


def _int_vector(what: str, x, size: int) -> np.ndarray:
    """A read-only int64 copy of a one-dimensional integer array of `size` entries."""
    arr = np.asarray(x)
    if arr.ndim != 1 or arr.size != size:
        raise ValueError(f"{what} must have shape ({size},), got {arr.shape}")
    if arr.size and arr.dtype.kind not in "iu":
        raise ValueError(f"{what} must hold integers, got dtype {arr.dtype}")
    return _read_only(arr.astype(_I64))


def _number(what: str, x, *, positive: bool = False, allow_inf: bool = False) -> float:
    """A float that is >= 0 (> 0 if `positive`), finite unless `allow_inf`; ValueError otherwise."""
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating, Fraction)):
        raise ValueError(f"{what} must be a number, got {x!r}")
    v = float(x)
    if math.isnan(v) or (math.isinf(v) and not allow_inf) or v < 0 or (positive and v == 0):
        raise ValueError(f"{what} must be {'> 0' if positive else '>= 0'}"
                         f"{'' if allow_inf else ' and finite'}, got {x!r}")
    return v


@dataclass(frozen=True, eq=False)
class Platform:
    """What the dataflow model needs of a target.

    `hops[i, j]`: hops of the connection from tile i to tile j (0 on the diagonal);
    `hop_latency`: time per hop; `bandwidth`: spikes per time unit per connection (math.inf: no
    transfer time); `tdma_wheel` / `tdma_slice`: both or neither, 0 < slice <= wheel, the slice
    being reserved for the application per wheel turn; `input_buffer` / `output_buffer`: per-tile
    buffer sizes in spikes, used only to check the capacities of a mapping. Raises ValueError for
    anything else. O(T^2) (the hop matrix).
    """

    tiles: int
    hops: np.ndarray  # int64 [tiles, tiles], 0 on the diagonal
    hop_latency: float
    bandwidth: float  # spikes per time unit per connection
    tdma_wheel: float | None = None
    tdma_slice: float | None = None  # slice reserved for the application per wheel turn
    input_buffer: int | None = None  # per-tile limits (spikes), used only for checks
    output_buffer: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.tiles, bool) or not isinstance(self.tiles, (int, np.integer)) or self.tiles < 1:
            raise ValueError(f"tiles must be a positive integer, got {self.tiles!r}")
        t = int(self.tiles)
        hops = np.asarray(self.hops)
        if hops.shape != (t, t):
            raise ValueError(f"hops must have shape ({t}, {t}), got {hops.shape}")
        if hops.size and hops.dtype.kind not in "iu":
            raise ValueError(f"hops must hold integers, got dtype {hops.dtype}")
        hops = hops.astype(_I64)
        if (hops < 0).any():
            i, j = np.argwhere(hops < 0)[0]
            raise ValueError(f"hops[{i}, {j}] = {hops[i, j]} is negative")
        if np.diagonal(hops).any():
            i = int(np.flatnonzero(np.diagonal(hops))[0])
            raise ValueError(f"hops[{i}, {i}] must be 0 (a tile to itself), got {hops[i, i]}")
        object.__setattr__(self, "tiles", t)
        object.__setattr__(self, "hops", _read_only(hops))
        object.__setattr__(self, "hop_latency", _number("hop_latency", self.hop_latency))
        object.__setattr__(self, "bandwidth", _number("bandwidth", self.bandwidth, positive=True, allow_inf=True))
        if (self.tdma_wheel is None) != (self.tdma_slice is None):
            raise ValueError("give both tdma_wheel and tdma_slice, or neither")
        if self.tdma_wheel is not None:
            wheel = _number("tdma_wheel", self.tdma_wheel, positive=True)
            slc = _number("tdma_slice", self.tdma_slice, positive=True)
            if slc > wheel:
                raise ValueError(f"tdma_slice {self.tdma_slice!r} exceeds tdma_wheel {self.tdma_wheel!r}")
            object.__setattr__(self, "tdma_wheel", wheel)
            object.__setattr__(self, "tdma_slice", slc)
        for name in ("input_buffer", "output_buffer"):
            v = getattr(self, name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0):
                raise ValueError(f"{name} must be a non-negative integer (spikes) or None, got {v!r}")

    @property
    def tdma_wait(self) -> float | None:
        """wheel - slice, the worst-case wait for the application's slice; None without TDMA."""
        return None if self.tdma_wheel is None else self.tdma_wheel - self.tdma_slice

    @classmethod
    def mesh(cls, rows: int, cols: int, **kw) -> Platform:
        """rows x cols tiles numbered row-major, hops = Manhattan distance (XY routing)."""
        r, c = np.divmod(np.arange(rows * cols, dtype=_I64), cols)
        hops = np.abs(r[:, None] - r[None, :]) + np.abs(c[:, None] - c[None, :])
        return cls(rows * cols, hops, **kw)

    @classmethod
    def bus(cls, tiles: int, **kw) -> Platform:
        """`tiles` tiles on a shared bus: 1 hop between any two."""
        return cls(tiles, 1 - np.eye(tiles, dtype=_I64), **kw)

    @classmethod
    def from_target(cls, target) -> Platform:
        """From a `snnir.algorithms.target.Target` (or anything with the same attributes)."""
        return cls(target.tiles, target.hop_matrix(), target.hop_latency, target.bandwidth, target.tdma_wheel,
                   target.tdma_slice, target.input_buffer, target.output_buffer)


@dataclass(frozen=True, eq=False)
class Mapping:
    """A binding of actors to tiles, with the token sizes, buffer capacities and static orders.

    `tile[a]`: the tile of actor a. `token_size[ch]`: spikes per token (None: 1 each, the spikes
    convention). `capacity[ch]`: the destination's input buffer for the channel in tokens (-1 or
    None: unbounded); inside a tile, the channel's only buffer. `src_capacity[ch]`: the source
    tile's output buffer for a channel crossing tiles (ignored inside a tile). `orders[T]`: tile
    T's static order, a cyclic list of actor indices in which each actor a of the tile appears
    q[a] times (its k-th appearance is its k-th firing of the iteration); None: no static orders.
    Arrays become read-only int64 copies; everything else is checked against the graph when used.
    """

    tile: np.ndarray  # int64 [A]: tile of each actor
    token_size: np.ndarray | None = None  # int64 [C]: spikes per token (None: 1 each)
    capacity: np.ndarray | None = None  # int64 [C]: destination (input) buffer capacity in tokens, -1 unbounded
    src_capacity: np.ndarray | None = None  # int64 [C]: source output buffer (crossing channels), -1 unbounded
    orders: tuple[np.ndarray, ...] | None = None  # per tile: the static order (actor indices)

    def __post_init__(self) -> None:
        tile = np.asarray(self.tile)
        if tile.ndim != 1:
            raise ValueError(f"tile must be one-dimensional, got shape {tile.shape}")
        object.__setattr__(self, "tile", _int_vector("tile", tile, tile.size))
        for name in ("token_size", "capacity", "src_capacity"):
            v = getattr(self, name)
            if v is not None:
                arr = np.asarray(v)
                if arr.ndim != 1:
                    raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
                object.__setattr__(self, name, _int_vector(name, arr, arr.size))
        if self.orders is not None:
            orders = tuple(np.asarray(o) for o in self.orders)
            out = []
            for i, o in enumerate(orders):
                if o.ndim != 1 or (o.size and o.dtype.kind not in "iu"):
                    raise ValueError(f"orders[{i}] must be a one-dimensional array of actor indices")
                out.append(_read_only(o.astype(_I64)))
            object.__setattr__(self, "orders", tuple(out))


@dataclass(frozen=True, eq=False)
class _Checked:
    """A mapping validated against a graph and platform (all arrays filled in)."""

    tile: np.ndarray
    size: np.ndarray
    capacity: np.ndarray
    src_capacity: np.ndarray
    orders: tuple[np.ndarray, ...] | None
    q: np.ndarray


def _checked_token_size(g: SDFGraph, size: np.ndarray) -> np.ndarray:
    """`size` (int64 [C]) when every token holds at least one spike; else ValueError naming the channel."""
    bad = np.flatnonzero(size < 1)
    if bad.size:
        ch = int(bad[0])
        raise ValueError(f"channel {g.channel_label(ch)}: token_size must be >= 1, got {int(size[ch])}")
    return size


def _check_mapping(g: SDFGraph, platform: Platform, m: Mapping, q: np.ndarray | None = None) -> _Checked:
    """Validate `m` for `g` on `platform`; ValueError naming the first offending actor, channel or tile.

    Checks shapes, tiles in range, token sizes >= 1, capacities >= initial tokens (or -1),
    source capacities >= 0 (or -1), the per-tile buffer sums against the platform's buffers (in
    spikes, bounded capacities of channels crossing tiles only), and that every order holds
    exactly the actors of its tile, each q[a] times. O(A + C + sum q).
    """
    a_n, c_n = g.actors, g.channels
    if m.tile.size != a_n:
        raise ValueError(f"mapping.tile has {m.tile.size} entries for {a_n} actors")
    bad = np.flatnonzero((m.tile < 0) | (m.tile >= platform.tiles))
    if bad.size:
        a = int(bad[0])
        raise ValueError(f"actor {g.names[a]!r} is bound to tile {int(m.tile[a])}, but the platform has tiles "
                         f"0..{platform.tiles - 1}")

    def per_channel(name: str, default: int) -> np.ndarray:
        v = getattr(m, name)
        if v is None:
            return np.full(c_n, default, dtype=_I64)
        if v.size != c_n:
            raise ValueError(f"mapping.{name} has {v.size} entries for {c_n} channels")
        return v

    size = _checked_token_size(g, per_channel("token_size", 1))
    cap = per_channel("capacity", -1)
    scap = per_channel("src_capacity", -1)
    bad = np.flatnonzero((cap != -1) & (cap < g.tokens))
    if bad.size:
        ch = int(bad[0])
        raise ValueError(f"channel {g.channel_label(ch)}: capacity {int(cap[ch])} is below its {int(g.tokens[ch])} "
                         "initial tokens (use -1 for unbounded)")
    bad = np.flatnonzero(scap < -1)
    if bad.size:
        ch = int(bad[0])
        raise ValueError(f"channel {g.channel_label(ch)}: src_capacity must be >= 0 or -1 (unbounded), "
                         f"got {int(scap[ch])}")
    cross = m.tile[g.src] != m.tile[g.dst]
    for buf, caps, end, what in ((platform.input_buffer, cap, g.dst, "input"),
                                 (platform.output_buffer, scap, g.src, "output")):
        if buf is None:
            continue
        sel = cross & (caps >= 0)
        used = np.bincount(m.tile[end[sel]], weights=(caps[sel] * size[sel]).astype(_F64),
                           minlength=platform.tiles)
        over = np.flatnonzero(used > buf)
        if over.size:
            t = int(over[0])
            raise ValueError(f"tile {t}: the {what} buffers of its channels crossing tiles need {int(used[t])} "
                             f"spikes, but the platform's {what} buffer holds {buf}")
    q = sdf.repetition_vector(g) if q is None else q
    orders = None
    if m.orders is not None:
        orders = m.orders
        if len(orders) != platform.tiles:
            raise ValueError(f"mapping.orders has {len(orders)} orders for {platform.tiles} tiles")
        lengths = np.array([o.size for o in orders], dtype=_I64)
        flat = np.concatenate(orders) if orders else np.zeros(0, dtype=_I64)
        where = np.repeat(np.arange(platform.tiles, dtype=_I64), lengths)
        bad = np.flatnonzero((flat < 0) | (flat >= a_n))
        if bad.size:
            raise ValueError(f"orders[{int(where[bad[0]])}] holds {int(flat[bad[0]])}, which is not an actor index "
                             f"(0..{a_n - 1})")
        bad = np.flatnonzero(m.tile[flat] != where)
        if bad.size:
            a, t = int(flat[bad[0]]), int(where[bad[0]])
            raise ValueError(f"orders[{t}] lists actor {g.names[a]!r}, which is bound to tile {int(m.tile[a])}")
        count = np.bincount(flat, minlength=a_n)
        bad = np.flatnonzero(count != q)
        if bad.size:
            a = int(bad[0])
            raise ValueError(f"actor {g.names[a]!r} appears {int(count[a])} time(s) in the order of tile "
                             f"{int(m.tile[a])}, but fires {int(q[a])} time(s) per iteration")
    return _Checked(m.tile, size, cap, scap, orders, q)


def binding_from_mapping(names: Sequence[str], binding: TypingMapping[str, int], tiles: int) -> np.ndarray:
    """A user binding {actor name: tile} as the tile array (int64 [A], in the order of `names`).

    Raises ValueError naming the unknown actors, the actors bound to tiles outside 0..tiles-1 (or
    to non-integers) and the actors left unbound, all at once. O(A + len(binding)).
    """
    index = {str(n): i for i, n in enumerate(names)}
    problems = []
    unknown = sorted(str(k) for k in binding if str(k) not in index)
    if unknown:
        problems.append(f"unknown actor(s) {', '.join(map(repr, unknown))}")
    bad = [(k, v) for k, v in binding.items() if str(k) in index and (
        isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 0 <= v < tiles)]
    if bad:
        problems.append("tile out of range 0.." + str(tiles - 1) + " for " +
                        ", ".join(f"{str(k)!r} -> {v!r}" for k, v in bad))
    given = {str(k) for k in binding}
    unbound = [str(n) for n in names if str(n) not in given]
    if unbound:
        problems.append(f"unbound actor(s) {', '.join(map(repr, unbound))}")
    if problems:
        raise ValueError("invalid binding: " + "; ".join(problems))
    out = np.empty(len(index), dtype=_I64)
    for k, v in binding.items():
        out[index[str(k)]] = int(v)
    return out


# ------------------------------------------------------------------------------ HSDF expansion


@dataclass(frozen=True, eq=False)
class HSDF:
    """The homogeneous graph of firings of an SDF graph (`hsdf_expansion`).

    Node n is firing `firing[n]` (0-based within an iteration) of actor `actor[n]`; edge e comes
    from channel `channel[e]` of the original graph and holds `graph.tokens[e]` initial tokens
    (how many iterations back its producing firing lies).
    """

    graph: SDFGraph
    actor: np.ndarray  # int64 [N]
    firing: np.ndarray  # int64 [N]
    channel: np.ndarray  # int64 [E]
    base: np.ndarray  # int64 [A]: node of firing 0 of each actor (firing k is base + k)


def _ragged(start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """The concatenated ranges start[i] .. start[i] + length[i] - 1, vectorised. O(total)."""
    total = int(length.sum()) if length.size else 0
    if total == 0:
        return np.zeros(0, dtype=_I64)
    ends = np.cumsum(length)
    return np.repeat(start - (ends - length), length) + np.arange(total, dtype=_I64)


def hsdf_expansion(g: SDFGraph, q: np.ndarray | None = None) -> HSDF:
    """The homogeneous (single-rate) graph of the firings of one iteration, with delays.

    Standard construction: on channel (p, c, t), firing j of the consumer takes the tokens
    n = j c .. j c + c - 1 of the iteration; counted across iterations, token n is produced by the
    producer's firing F = floor((n - t) / p), i.e. firing F mod q[src] of the iteration
    floor(F / q[src]) (negative: earlier). Each distinct F gives an edge producer firing ->
    consumer firing with -floor(F / q[src]) initial tokens (iterations back). Of several edges
    between the same pair of firings only the one with fewest tokens is kept: it implies the
    others, because firing times grow with the iteration. Every edge has rates 1. Each channel is
    first divided by gcd(p, c, t) (`sdf.normalised`), so spike counts do not enlarge the result.
    Node names are `name#k` for actors with q > 1. `q` defaults to the repetition vector.
    Vectorised, O(sum q + E log E) with E <= sum over channels of (q[src] + q[dst]).
    Raises InconsistentGraph, or ValueError for a q that is not a repetition vector.
    """
    if q is None:
        q = sdf.repetition_vector(g)
    q = np.asarray(q, dtype=_I64)
    if q.shape != (g.actors,) or (q.size and q.min() < 1) or not np.array_equal(
            g.production * q[g.src], g.consumption * q[g.dst]):
        raise ValueError(f"q = {q.tolist()} is not a repetition vector of the graph")
    h = sdf.normalised(g)
    a_n = g.actors
    base = np.zeros(a_n, dtype=_I64)
    np.cumsum(q[:-1], out=base[1:])
    n_nodes = int(q.sum())
    actor = np.repeat(np.arange(a_n, dtype=_I64), q)
    firing = np.arange(n_nodes, dtype=_I64) - base[actor]
    src, dst, p, c, t = h.src, h.dst, h.production, h.consumption, h.tokens
    qd = q[dst]
    ch = np.repeat(np.arange(h.channels, dtype=_I64), qd)
    j = _ragged(np.zeros(h.channels, dtype=_I64), qd)
    cc, pp, tt = c[ch], p[ch], t[ch]
    f_lo = (j * cc - tt) // pp
    f_hi = (j * cc + cc - 1 - tt) // pp
    cnt = f_hi - f_lo + 1
    e_ch = np.repeat(ch, cnt)
    f = _ragged(f_lo, cnt)
    jj = np.repeat(j, cnt)
    qs = q[src[e_ch]]
    u = base[src[e_ch]] + np.mod(f, qs)
    v = base[dst[e_ch]] + jj
    delay = -np.floor_divide(f, qs)
    order = np.lexsort((delay, v, u))
    u, v, delay, e_ch = u[order], v[order], delay[order], e_ch[order]
    keep = np.ones(u.size, dtype=bool)
    keep[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    u, v, delay, e_ch = u[keep], v[keep], delay[keep], e_ch[keep]
    names = tuple(g.names[a] if q[a] == 1 else f"{g.names[a]}#{k}"
                  for a, k in zip(actor.tolist(), firing.tolist()))
    ones = np.ones(u.size, dtype=_I64)
    graph = SDFGraph(names, g.exec_time[actor], u, v, ones, ones, delay)
    return HSDF(graph, _read_only(actor), _read_only(firing), _read_only(e_ch), _read_only(base))


# ------------------------------------------------------------------------------ the resource-aware model


@dataclass(frozen=True, eq=False)
class ModelMap:
    """What each actor and channel of a resource model stands for.

    Actors: kind 0 "actor" (origin = original actor), 1 "comm" and 2 "wait" (origin = the
    original channel crossing tiles); `actor_firing` is the firing index in an expanded (HSDF)
    model, -1 otherwise; `tile` is the tile of an original actor, -1 for comm and wait actors.
    Channels: kinds in `CHANNEL_KINDS` ("data" an original channel inside a tile, "send" src ->
    wait or comm, "delay" wait -> comm, "deliver" comm -> dst, "serial" comm's self-loop,
    "out-buffer" comm -> src, "in-buffer" dst -> comm or dst -> src, "order" a static-order
    sequencing edge); origin = the original channel, or the tile for "order" edges.
    """

    original: SDFGraph  # the graph that was mapped
    names: tuple[str, ...]  # the model's actor names
    channel_src: np.ndarray  # int64 [C']: model source actor of each channel
    channel_dst: np.ndarray  # int64 [C']
    actor_kind: np.ndarray  # int8 [A']
    actor_origin: np.ndarray  # int64 [A']
    actor_firing: np.ndarray  # int64 [A']
    tile: np.ndarray  # int64 [A']
    channel_kind: np.ndarray  # int8 [C']
    channel_origin: np.ndarray  # int64 [C']

    def actor_name(self, i: int) -> str:
        """The model actor's name: the original actor (`a#k` for its k-th firing), `src->dst comm`, `src->dst wait`."""
        return self.names[i]

    def channel_name(self, i: int) -> str:
        """A readable name: `a0->a1` (data, `a0#1->a1` between firings), `a0->a1 send`, `a0->a1 deliver`,
        `a0->a1 serial`, `a0->a1 in-buffer`, `a0->a1 out-buffer`, `tile 2 order a3->a5`; an
        original channel's name, if it has one, is added as `(name)`."""
        kind = int(self.channel_kind[i])
        origin = int(self.channel_origin[i])
        if kind == ORDER:
            return f"tile {origin} order {self.names[self.channel_src[i]]}->{self.names[self.channel_dst[i]]}"
        g = self.original
        if kind == DATA:
            text = f"{self.names[self.channel_src[i]]}->{self.names[self.channel_dst[i]]}"
        else:
            text = f"{g.names[g.src[origin]]}->{g.names[g.dst[origin]]} {CHANNEL_KINDS[kind]}"
        label = g.channel_names[origin] if g.channel_names is not None else ""
        return f"{text} ({label})" if label else text


def _packet_sizes(g: SDFGraph, comm_unit: CommUnit) -> np.ndarray:
    """Tokens moved per transfer: gcd(p, c, t) ("packet") or 1 ("token")."""
    if comm_unit == "packet":
        return np.gcd(np.gcd(g.production, g.consumption), g.tokens)
    if comm_unit == "token":
        return np.ones(g.channels, dtype=_I64)
    raise ValueError(f"unknown comm_unit {comm_unit!r}: expected 'packet' or 'token'")


def _ceil_div_bandwidth(spikes: np.ndarray, bandwidth: float) -> np.ndarray:
    """ceil(spikes / bandwidth) exactly (float64 [n]); 0 for an infinite bandwidth."""
    if math.isinf(bandwidth):
        return np.zeros(spikes.size, dtype=_F64)
    if float(bandwidth).is_integer():
        b = int(bandwidth)
        return (-(-spikes // b)).astype(_F64)
    bw = Fraction(bandwidth)
    uniq, inv = np.unique(spikes, return_inverse=True)
    vals = np.array([math.ceil(Fraction(int(s)) / bw) for s in uniq.tolist()], dtype=_F64)
    return vals[inv]


def _as_exec(times: np.ndarray, integral_hint: bool) -> np.ndarray:
    """int64 if every time is an integer (and the original times were), else float64."""
    if integral_hint and times.size and np.all(np.floor(times) == times) and times.max() < _EXACT_LIMIT:
        return times.astype(_I64)
    if integral_hint and not times.size:
        return times.astype(_I64)
    return times.astype(_F64)


def _floor_to(x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """The largest multiple of m that is <= x (x >= 0, m >= 1)."""
    return x - x % m


def resource_graph(g: SDFGraph, platform: Platform, mapping: Mapping, *,
                   comm_unit: CommUnit = "packet") -> tuple[SDFGraph, ModelMap]:
    """The SDF model of `g` bound and scheduled on `platform` (module docstring), and its ModelMap.

    Model actors: the original actors (same indices), then comm actors A .. A+k-1 (one per
    channel crossing tiles, in channel order), then with TDMA wait actors A+k .. A+2k-1.
    Channels, in this order: the original channels inside tiles ("data"), per crossing channel
    its "send", ("delay"), "deliver" and "serial" channels, the buffer back-edges ("in-buffer",
    "out-buffer") and the sequencing edges of the static orders ("order"); `ModelMap` gives the
    kind and origin of each. When orders are given and some q[a] > 1, the model is first
    expanded into its graph of firings (`hsdf_expansion`, actors `name#k`) and the orders join
    firings.

    Raises ValueError for an invalid mapping (see `Mapping`) or `comm_unit`, InconsistentGraph if
    g has no repetition vector. Vectorised, O(A + C) (+ O(sum q + E log E) for the expansion).
    """
    return _resource_model(g, platform, _check_mapping(g, platform, mapping), comm_unit)


def _resource_model(g: SDFGraph, platform: Platform, m: _Checked, comm_unit: CommUnit) -> tuple[SDFGraph, ModelMap]:
    """`resource_graph` of a mapping already checked (or valid by construction, as admission's)."""
    model, mm, q_model = _build(g, platform, m, comm_unit)
    if m.orders is None:
        return model, mm
    if np.all(m.q == 1):
        return _add_orders(model, mm, m.orders, np.arange(g.actors, dtype=_I64), expanded=False)
    hs = hsdf_expansion(model, q_model)
    mm = ModelMap(g, hs.graph.names, hs.graph.src, hs.graph.dst, mm.actor_kind[hs.actor], mm.actor_origin[hs.actor],
                  hs.firing, mm.tile[hs.actor], mm.channel_kind[hs.channel], mm.channel_origin[hs.channel])
    return _add_orders(hs.graph, mm, m.orders, hs.base[:g.actors], expanded=True)


def _build(g: SDFGraph, platform: Platform, m: _Checked,
           comm_unit: CommUnit) -> tuple[SDFGraph, ModelMap, np.ndarray]:
    """The model without static orders, its map and repetition vector (vectorised)."""
    a_n = g.actors
    src, dst, p, c, t = g.src, g.dst, g.production, g.consumption, g.tokens
    pk = _packet_sizes(g, comm_unit)
    ts, td = m.tile[src], m.tile[dst]
    cross = ts != td
    x = np.flatnonzero(cross).astype(_I64)
    local = np.flatnonzero(~cross).astype(_I64)
    k = x.size
    tdma = platform.tdma_wait is not None
    comm = a_n + np.arange(k, dtype=_I64)
    wait = a_n + k + np.arange(k, dtype=_I64) if tdma else comm
    px = pk[x]
    zeros_k = np.zeros(k, dtype=_I64)
    ones_k = np.ones(k, dtype=_I64)
    # (src, dst, production, consumption, tokens, kind, origin) per group of channels
    parts = [(src[local], dst[local], p[local], c[local], t[local], DATA, local),
             (src[x], wait, p[x], px, zeros_k, SEND, x)]
    if tdma:
        parts.append((wait, comm, px, px, zeros_k, DELAY, x))
    parts += [(comm, dst[x], px, c[x], t[x], DELIVER, x),
              (comm, comm, ones_k, ones_k, ones_k, SERIAL, x)]
    lb = local[m.capacity[local] >= 0]
    if lb.size:
        space = _floor_to(m.capacity[lb] - t[lb], np.gcd(p[lb], c[lb]))
        parts.append((dst[lb], src[lb], c[lb], p[lb], space, IN_BUFFER, lb))
    sel = np.flatnonzero(m.capacity[x] >= 0)
    if sel.size:
        xb = x[sel]
        parts.append((dst[xb], comm[sel], c[xb], px[sel], _floor_to(m.capacity[xb] - t[xb], px[sel]), IN_BUFFER, xb))
    sel = np.flatnonzero(m.src_capacity[x] >= 0)
    if sel.size:
        xb = x[sel]
        parts.append((comm[sel], src[xb], px[sel], p[xb], _floor_to(m.src_capacity[xb], px[sel]), OUT_BUFFER, xb))
    cols = [np.concatenate([np.asarray(part[i], dtype=_I64) for part in parts]) for i in (0, 1, 2, 3, 4, 6)]
    kinds = np.concatenate([np.full(len(part[0]), part[5], dtype=np.int8) for part in parts])
    comm_time = platform.hops[ts[x], td[x]] * platform.hop_latency + _ceil_div_bandwidth(px * m.size[x],
                                                                                         platform.bandwidth)
    exec_parts = [g.exec_time.astype(_F64), comm_time]
    if tdma:
        exec_parts.append(np.full(k, platform.tdma_wait, dtype=_F64))
    exec_time = _as_exec(np.concatenate(exec_parts), g.exec_time.dtype.kind == "i" or _integral(g))
    names = _ModelNames(g, x, tdma)
    model = SDFGraph.trusted(names, exec_time, cols[0], cols[1], cols[2], cols[3], cols[4])  # valid by construction
    n_res = 2 * k if tdma else k
    kind = np.concatenate([np.zeros(a_n, np.int8), np.full(k, COMM, np.int8)] +
                          ([np.full(k, WAIT, np.int8)] if tdma else []))
    origin = np.concatenate([np.arange(a_n, dtype=_I64), x] + ([x] if tdma else []))
    tile = np.concatenate([m.tile, np.full(n_res, -1, dtype=_I64)])
    q_extra = m.q[src[x]] * p[x] // px
    q_model = np.concatenate([m.q, q_extra] + ([q_extra] if tdma else []))
    mm = ModelMap(g, names, model.src, model.dst, kind, origin, np.full(model.actors, -1, dtype=_I64), tile, kinds,
                  cols[5])
    return model, mm, q_model


class _ModelNames(Sequence[str]):
    """The model's actor names (the originals, then `a->b comm`, then `a->b wait`), written only
    when first read: admission analyses a model of thousands of comm actors and, when it admits,
    never names one, and writing the names took a third of its time."""

    __slots__ = ("_g", "_x", "_tdma", "_names")

    def __init__(self, g: SDFGraph, x: np.ndarray, tdma: bool) -> None:
        self._g, self._x, self._tdma, self._names = g, x, tdma, None

    def _all(self) -> tuple[str, ...]:
        if self._names is None:
            g, x = self._g, self._x
            self._names = g.names + _resource_names(g, x, "comm") + (
                _resource_names(g, x, "wait") if self._tdma else ())
        return self._names

    def __len__(self) -> int:
        return self._g.actors + self._x.size * (2 if self._tdma else 1)

    def __getitem__(self, i):  # type: ignore[override]
        if self._names is not None or not isinstance(i, (int, np.integer)):
            return self._all()[i]
        g, x = self._g, self._x
        n = len(self)
        if not -n <= i < n:
            raise IndexError("actor index out of range")
        i = int(i) % n
        if i < g.actors:
            return g.names[i]
        k = (i - g.actors) % x.size  # one name, as _resource_names writes it
        key = g.src[x] * g.actors + g.dst[x]
        ch = int(x[k])
        s, d = int(g.src[ch]), int(g.dst[ch])
        dup = int(np.count_nonzero(key == key[k])) > 1
        what = "comm" if i < g.actors + x.size else "wait"
        return f"{g.names[s]}->{g.names[d]} {what}" + (f" #{ch}" if dup else "")

    def __iter__(self):
        return iter(self._all())

    def __add__(self, other):
        return self._all() + tuple(other)

    def __radd__(self, other):
        return tuple(other) + self._all()

    def __eq__(self, other: object) -> bool:
        return tuple(self._all()) == (tuple(other) if isinstance(other, Sequence) else other)

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return repr(self._all())


def _resource_names(g: SDFGraph, x: np.ndarray, what: str) -> tuple[str, ...]:
    """`src->dst comm` per crossing channel; `#ch` appended when several join the same pair."""
    key = g.src[x] * g.actors + g.dst[x]
    _, inv, counts = np.unique(key, return_inverse=True, return_counts=True)
    dup = (counts[inv] > 1).tolist()
    n = g.names
    return tuple(f"{n[s]}->{n[d]} {what}" + (f" #{ch}" if dd else "")
                 for s, d, ch, dd in zip(g.src[x].tolist(), g.dst[x].tolist(), x.tolist(), dup))


def _add_orders(model: SDFGraph, mm: ModelMap, orders: tuple[np.ndarray, ...], base: np.ndarray,
                expanded: bool) -> tuple[SDFGraph, ModelMap]:
    """Sequencing edges for the static orders: consecutive firings 0 tokens, last -> first 1 token.

    The k-th appearance of actor a in its tile's order is the model node base[a] + k in an
    expanded model, base[a] otherwise (q all 1). Vectorised, O(sum q log).
    """
    lengths = np.array([o.size for o in orders], dtype=_I64)
    flat = np.concatenate(orders) if len(orders) else np.zeros(0, dtype=_I64)
    if flat.size == 0:
        return model, mm
    if expanded:  # rank of each appearance among the appearances of the same actor
        pos = np.argsort(flat, kind="stable")
        sorted_a = flat[pos]
        first = np.searchsorted(sorted_a, sorted_a, side="left")
        rank = np.empty(flat.size, dtype=_I64)
        rank[pos] = np.arange(flat.size, dtype=_I64) - first
        node = base[flat] + rank
    else:
        node = base[flat]
    starts = np.cumsum(lengths) - lengths
    nonempty = lengths > 0
    nxt = np.arange(1, flat.size + 1, dtype=_I64)
    last = (starts + lengths - 1)[nonempty]
    nxt[last] = starts[nonempty]
    tokens = np.zeros(flat.size, dtype=_I64)
    tokens[last] = 1
    tile_of = np.repeat(np.arange(len(orders), dtype=_I64), lengths)
    s, d = node, node[nxt]
    ones = np.ones(flat.size, dtype=_I64)
    new = SDFGraph.trusted(model.names, model.exec_time, np.concatenate([model.src, s]),
                           np.concatenate([model.dst, d]), np.concatenate([model.production, ones]),
                           np.concatenate([model.consumption, ones]), np.concatenate([model.tokens, tokens]))
    mm = ModelMap(mm.original, mm.names, new.src, new.dst, mm.actor_kind, mm.actor_origin, mm.actor_firing, mm.tile,
                  np.concatenate([mm.channel_kind, np.full(flat.size, ORDER, np.int8)]),
                  np.concatenate([mm.channel_origin, tile_of]))
    return new, mm


# ------------------------------------------------------------------------------ maximum cycle ratio


@dataclass(frozen=True)
class _Ratio:
    """The maximum cycle ratio sum(weight) / sum(transit) and one cycle attaining it."""

    value: Fraction | float  # -inf (float) when there is no cycle
    nodes: np.ndarray  # int64: the cycle's nodes in order
    edges: np.ndarray  # int64: edges[k] goes nodes[k] -> nodes[k+1], cyclically
    iterations: int


def _policy_values(succ: np.ndarray, w: np.ndarray, tau: np.ndarray):
    """Cycles of the functional graph v -> succ[v] and per node the sums of w, tau and edges to its
    cycle's root (lowest node), plus the cycle's totals. Pointer doubling, O(N log N)."""
    n = succ.size
    ids = np.arange(n, dtype=_I64)
    jump, low = succ, np.minimum(ids, succ)
    for _ in range(max(1, (n - 1).bit_length())):
        low = np.minimum(low, low[jump])
        jump = jump[jump]
    on_cycle = np.zeros(n, dtype=bool)
    on_cycle[jump] = True
    is_root = on_cycle & (low == ids)
    ptr = np.where(is_root, ids, succ)
    sw = np.where(is_root, 0, w).astype(w.dtype)
    st = np.where(is_root, 0, tau).astype(tau.dtype)
    sd = (~is_root).astype(_I64)
    while not is_root[ptr].all():
        sw += sw[ptr]
        st += st[ptr]
        sd += sd[ptr]
        ptr = ptr[ptr]
    roots = np.flatnonzero(is_root)
    after = succ[roots]
    cw = np.empty(n, dtype=w.dtype)
    ct = np.empty(n, dtype=tau.dtype)
    cw[roots] = w[roots] + sw[after]
    ct[roots] = tau[roots] + st[after]
    return on_cycle, ptr, cw[ptr], ct[ptr], sw, st, sd


def _segment_first_max(start: np.ndarray, key: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """For each of `nodes`, its first out-edge (edges start[v]:start[v+1]) of maximal key."""
    best = np.maximum.reduceat(key, start[:-1])
    lo = start[nodes]
    count = start[nodes + 1] - lo
    group = np.repeat(np.arange(nodes.size, dtype=_I64), count)
    idx = _ragged(lo, count)
    hit = np.flatnonzero(key[idx] == best[nodes][group])
    first = np.ones(hit.size, dtype=bool)
    first[1:] = group[hit[1:]] != group[hit[:-1]]
    return idx[hit[first]]


def _max_cycle_ratio(n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray,
                     transit: np.ndarray) -> _Ratio:
    """max over cycles of sum(weight) / sum(transit), by Howard's policy iteration for cycle ratios.

    Every cycle must have a positive transit (no token-free cycle: a deadlock). Only strongly
    connected components with an edge matter. A policy picks one out-edge per node; value
    determination by pointer doubling gives each node its cycle's ratio eta = P/Q and bias
    X = Q x = Q S_w - P S_t (S: sums along the path to the cycle's root); improvement moves a
    node to an out-edge towards a larger eta, else (eta being then constant on each component)
    to one with a positive gain Q w - P t + X[dst] - X[node]. Integer weights are compared
    exactly in int64 (bounded below), others in float64 with a tolerance. Why here and not the
    iteration matrix: static orders chain many actors with token-free edges, and eliminating
    those chains (what the matrix does) fills the matrix quadratically in the chain length; the
    ratio form works on the graph as it is. Costs O(E log E) once, then O(E + N log N) numpy
    per iteration (typically tens). Raises RuntimeError if the iteration cap is hit.
    """
    src, dst = np.asarray(src, dtype=_I64), np.asarray(dst, dtype=_I64)
    adj = sp.csr_matrix((np.ones(src.size, np.int8), (src, dst)), shape=(n, n))
    lab = csgraph.connected_components(adj, directed=True, connection="strong")[1]
    keep = np.flatnonzero(lab[src] == lab[dst])
    empty = np.zeros(0, dtype=_I64)
    if keep.size == 0:
        return _Ratio(-math.inf, empty, empty, 0)
    order = keep[np.lexsort((keep, src[keep]))]
    s0, d0 = src[order], dst[order]
    on = np.zeros(n, dtype=bool)
    on[s0] = True
    node = np.flatnonzero(on)
    renum = np.cumsum(on) - 1
    s, d = renum[s0], renum[d0]
    m = node.size
    start = np.zeros(m + 1, dtype=_I64)
    np.cumsum(np.bincount(s, minlength=m), out=start[1:])
    wf = np.asarray(weight, dtype=_F64)[order]
    tau = np.asarray(transit, dtype=_I64)[order]
    big = float(np.abs(wf).max(initial=0.0)) + 1.0
    exact = bool(np.all(np.floor(wf) == wf)) and 4.0 * big * (m + 1) * (float(tau.sum()) + 1) ** 2 < 2.0**62
    w = wf.astype(_I64) if exact else wf
    tol = 0.0 if exact else 8.0 * (math.log2(m + 1) + 2.0) * float(np.finfo(_F64).eps) * m * big
    policy = _segment_first_max(start, wf, np.arange(m, dtype=_I64))
    cap = 100 + 10 * m
    for it in range(1, cap + 1):
        succ = d[policy]
        on_cycle, root, cw, ct, sw, st, sd = _policy_values(succ, w[policy], tau[policy])
        # type 1: towards a larger cycle ratio
        if exact:
            better = cw[d] * ct[s] > cw[s] * ct[d]
        else:
            better = cw[d] / ct[d] > cw[s] / ct[s] + tol
        if better.any():
            eta = cw / ct
            key = np.where(better, eta[d], -np.inf)
            nodes = unique(s[better])
            policy[nodes] = _segment_first_max(start, key, nodes)
            continue
        # type 2: larger bias at the same ratio (eta is constant on each component now)
        if exact:
            x = ct * sw - cw * st
            gain = ct[s] * w - cw[s] * tau + x[d]
            key = gain
            best = np.maximum.reduceat(key, start[:-1])
            nodes = np.flatnonzero(best > x)
        else:
            eta = cw / ct
            x = sw - eta * st
            key = w - eta[s] * tau + x[d]
            best = np.maximum.reduceat(key, start[:-1])
            nodes = np.flatnonzero(best > x + tol)
        if nodes.size == 0:
            break
        policy[nodes] = _segment_first_max(start, key, nodes)
    else:
        raise RuntimeError(f"cycle-ratio policy iteration did not converge in {cap} iterations")
    roots = np.flatnonzero(on_cycle & (root == np.arange(m)))
    if exact:
        r = max(roots.tolist(), key=lambda v: Fraction(int(cw[v]), int(ct[v])))
        value: Fraction | float = Fraction(int(cw[r]), int(ct[r]))
    else:
        r = int(roots[np.argmax(cw[roots] / ct[roots])])
        value = float(cw[r] / ct[r])
    members = np.flatnonzero(on_cycle & (root == r))
    members = members[np.argsort(-sd[members], kind="stable")]
    members = np.concatenate([members[-1:], members[:-1]])
    return _Ratio(value, node[members], order[policy[members]], it)


def _zero_token_finish(g: SDFGraph) -> tuple[np.ndarray, bool]:
    """Finish times of one iteration of a homogeneous graph with every initial token there at 0,
    and whether the token-free channels are acyclic (every actor was reached by Kahn's levels).

    Longest paths over the token-free channels (a DAG when the graph does not deadlock), by
    Kahn levels, vectorised per level. For a normalised homogeneous graph with q all 1 the
    second value is exactly `sdf.check_deadlock`'s fast-path test (deadlock iff the token-free
    channels hold a cycle), so a caller that gets True need not run that check again.
    """
    zero = np.flatnonzero(g.tokens == 0)
    zs, zd = g.src[zero], g.dst[zero]
    a_n = g.actors
    e = g.exec_time.astype(_F64)
    finish = e.copy()
    order = np.argsort(zs, kind="stable")
    zs, zd = zs[order], zd[order]
    ptr = np.zeros(a_n + 1, dtype=_I64)
    np.cumsum(np.bincount(zs, minlength=a_n), out=ptr[1:])
    indeg = np.bincount(zd, minlength=a_n)
    frontier = np.flatnonzero(indeg == 0)
    start = np.zeros(a_n, dtype=_F64)
    reached = 0
    while frontier.size:
        reached += frontier.size
        finish[frontier] = start[frontier] + e[frontier]
        idx = _ragged(ptr[frontier], ptr[frontier + 1] - ptr[frontier])
        if not idx.size:
            break
        tgt = zd[idx]
        np.maximum.at(start, tgt, finish[zs[idx]])
        u, cnt = np.unique(tgt, return_counts=True)
        indeg[u] -= cnt
        frontier = u[indeg[u] == 0]
    return finish, reached == a_n


def _ancestor_sums(parent: np.ndarray, step: np.ndarray) -> tuple[np.ndarray, int] | None:
    """(sum of `step` over each node and its ancestors, pointer-doubling rounds it took) in the
    forest `parent` (roots: parent[r] == r, step[r] == 0); None when some node never reaches a
    root (its parent pointers hold a cycle). The rounds are those until every node's jump reaches
    its root, so `rounds + 1` doublings carry any per-node value down to the deepest node."""
    total, jump = step, parent
    for k in range(max(1, int(parent.size).bit_length()) + 1):
        nxt = jump[jump]
        if np.array_equal(nxt, jump):
            return total, k
        total = total + total[jump]  # roots hold 0 and point to themselves
        jump = nxt
    return None


def _certified_throughput(h: SDFGraph, cycle_channels: np.ndarray, cycle_ptr: np.ndarray,
                          repairs: int = 8) -> Throughput | None:
    """The throughput of the normalised homogeneous model `h` when the largest ratio among its
    self-loops and the given cycles (`cycle_channels[cycle_ptr[k]:cycle_ptr[k+1]]`, each a cycle
    in order: the tiles' static orders) provably is its maximum cycle ratio; else None.

    Proof by potentials: if pi[v] - pi[u] >= e[u] - lam * t for every channel u -> v (t its
    tokens), summing around any cycle gives lam >= its ratio, and the candidate cycle attains lam.
    The potentials start as the longest zero-token paths, which satisfy every zero-token channel
    with equality when those channels form a forest (each actor with at most one zero-token input:
    static-order chains with their send channels, the resource model of an application whose data
    channels all carry initial tokens); channels with tokens that are violated raise their head,
    and the raise is carried down its forest, at most `repairs` times. None (the caller runs the
    general analysis) for non-integer execution times, zero-token inputs that do not form a
    forest, a zero-token cycle (a deadlock, reported by the general path), or when the repairs do
    not settle (lam below the maximum, or slow convergence). Cost: O((N + C) x (repairs + log N))
    vectorised, against tens of policy iterations for the general analysis; exact integer
    arithmetic throughout. The latency is the longest zero-token path's finish, as in
    `_zero_token_finish`.
    """
    n = h.actors
    e = h.exec_time
    if e.dtype.kind != "i" or n == 0:
        return None
    src, dst, tau = h.src, h.dst, h.tokens
    loops = np.flatnonzero(src == dst)
    num = np.concatenate([e[src[loops]], np.add.reduceat(e[src[cycle_channels]], cycle_ptr[:-1])
                          if cycle_channels.size else np.zeros(0, _I64)])
    den = np.concatenate([tau[loops], np.add.reduceat(tau[cycle_channels], cycle_ptr[:-1])
                          if cycle_channels.size else np.zeros(0, _I64)])
    if num.size == 0 or (den <= 0).any():
        return None
    best = int(np.argmax(num / den))
    lam = Fraction(int(num[best]), int(den[best]))
    p, q = lam.numerator, lam.denominator
    if float(e.sum()) * q + float(p) * float(tau.max(initial=0)) * 4 >= 2.0**62:
        return None
    w = e * q
    zero = np.flatnonzero(tau == 0)
    zd = dst[zero]
    if zd.size and np.bincount(zd, minlength=n).max() > 1:
        return None
    parent = np.arange(n, dtype=_I64)
    parent[zd] = src[zero]
    root = parent == np.arange(n, dtype=_I64)
    # longest zero-token path into each node: the sum of its ancestors' times
    summed = _ancestor_sums(parent, np.where(root, 0, w[parent]))
    if summed is None:
        return None
    start, rounds = summed
    pos = np.flatnonzero(tau > 0)
    ps, pd, pw, pt = src[pos], dst[pos], w[src[pos]], tau[pos] * p
    raise_ = np.zeros(n, dtype=_I64)
    for attempt in range(repairs + 1):
        pi = start + raise_
        need = pi[ps] + pw - pt
        bad = need > pi[pd]
        if not bad.any():
            break
        if attempt == repairs:
            return None
        direct = raise_.copy()
        np.maximum.at(direct, pd[bad], need[bad] - start[pd[bad]])
        acc, jump = direct, parent
        # carry each raise down the forest: the largest over the node and its ancestors, depth + 1
        # values, one more doubling than the depth's edges take
        for _ in range(rounds + 1):
            acc = np.maximum(acc, acc[jump])
            jump = jump[jump]
        raise_ = acc
    latency = Fraction(int((start + w).max()), q)
    if best < loops.size:
        ch = loops[best:best + 1]
    else:
        k = best - loops.size
        ch = cycle_channels[cycle_ptr[k]:cycle_ptr[k + 1]]
    rate = math.inf if lam == 0 else 1 / lam
    return Throughput(lam, rate, np.ones(n, dtype=_I64), tuple(src[ch].tolist()), tuple(ch.tolist()), latency,
                      int(tau.sum()))


def _fast_throughput(model: SDFGraph, cycles: tuple[np.ndarray, np.ndarray] | None = None) -> Throughput | None:
    """`sdf.throughput(model)` for a homogeneous model (every channel (k, k, multiple of k), so q
    is all 1), by the cycle ratio on the graph; None when the model is not homogeneous.

    Same checks and errors as sdf.throughput (deadlock, unbounded actors), same period, a
    critical cycle that attains it (a simple cycle of the model, possibly a different one of
    equal ratio) and the same latency. `tokens` is the number of normalised initial tokens.
    """
    if not bool(np.all(sdf.homogeneous_channels(model))):
        return None
    h = sdf.normalised(model)
    q = np.ones(model.actors, dtype=_I64)
    # Unbounded actors are those downstream of no cycle. When every actor has a self-loop or an
    # input from an actor with one (the usual case: original actors with their one-token
    # self-loops, the comm actors' serial self-loops, TDMA wait actors fed by their source actor)
    # there are none, the certificate's answer is the period, and the strongly-connected-component
    # search below is skipped.
    has_loop = np.zeros(model.actors, dtype=bool)
    has_loop[model.src[model.src == model.dst]] = True
    bounded = has_loop.copy()
    bounded[model.dst[has_loop[model.src]]] = True
    if cycles is not None and model.actors and bounded.all():
        res = _certified_throughput(h, *cycles)
        if res is not None:
            return res
    # Deadlock: the Kahn levels of the latency computation below already decide it (same test as
    # check_deadlock's homogeneous fast path); check_deadlock runs only to raise its named error.
    finish, acyclic = _zero_token_finish(h) if model.actors else (np.zeros(0), True)
    if not acyclic:
        sdf.check_deadlock(model, q)
    free = np.zeros(0, dtype=_I64) if bounded.all() else sdf.unbounded_actors(model)
    if free.size:
        names = ", ".join(model.names[a] for a in free[:10].tolist())
        raise UnboundedActors(f"no finite period: actor(s) {names} are downstream of no cycle, so nothing bounds "
                              "how often they fire (give each a self-loop with one token, or analyse with "
                              "semantics='sdf3')", free.tolist(), ())
    exact = _integral(model)
    latency = float(finish.max()) if model.actors else 0.0
    latency = Fraction(round(latency)) if exact else latency
    res = _max_cycle_ratio(model.actors, h.src, h.dst, h.exec_time[h.src].astype(_F64), h.tokens)
    d = int(h.tokens.sum())
    if not res.nodes.size:
        return Throughput(Fraction(0) if exact else 0.0, math.inf, q, (), (), latency, d)
    period = res.value if exact else float(res.value)
    rate = math.inf if period == 0 else (1 / period if exact else 1.0 / period)
    return Throughput(period, rate, q, tuple(res.nodes.tolist()), tuple(res.edges.tolist()), latency, d)


# ------------------------------------------------------------------------------ bound throughput


@dataclass(frozen=True, eq=False)
class BoundThroughput:
    """The throughput of a mapped application (`bound_throughput`).

    `critical_actors`: the original actors on the critical cycle, in order (an actor fired
    several times in a row on it appears once); `critical_cycle`: every model actor on it by name
    (original actors, `a->b comm`, `a->b wait`, `a#k` for firing k in an expanded model);
    `critical_channels`: the model channels of the cycle by name (`ModelMap.channel_name`).
    `analysis` is the `sdf.Throughput` of the model, whose indices refer to `model`.
    """

    period: Fraction | float
    throughput: Fraction | float
    repetition: np.ndarray  # q of the original graph
    critical_actors: tuple[int, ...]
    latency: Fraction | float
    model: SDFGraph
    model_map: ModelMap
    analysis: Throughput

    @functools.cached_property
    def critical_cycle(self) -> tuple[str, ...]:
        """Names of the model actors on the critical cycle (written when read: admission never reads them)."""
        return tuple(self.model.names[a] for a in self.analysis.critical_actors)

    @functools.cached_property
    def critical_channels(self) -> tuple[str, ...]:
        """Names of the model channels on the critical cycle (`ModelMap.channel_name`)."""
        return tuple(self.model_map.channel_name(c) for c in self.analysis.critical_channels)


def _map_error(err: SDFError, mm: ModelMap) -> SDFError:
    """The same error with actors/channels mapped to the original graph (resources dropped)."""
    actors = [int(mm.actor_origin[a]) for a in err.actors if mm.actor_kind[a] == ACTOR]
    chans = [int(mm.channel_origin[c]) for c in err.channels if mm.channel_kind[c] != ORDER]
    actors = list(dict.fromkeys(actors))
    chans = list(dict.fromkeys(chans))
    msg = f"the mapped application: {err}"
    if isinstance(err, Deadlock):
        blocked = list(dict.fromkeys(int(mm.actor_origin[a]) for a in err.blocked if mm.actor_kind[a] == ACTOR))
        return Deadlock(msg, actors, chans, blocked)
    return type(err)(msg, actors, chans)


def _named_error(model: SDFGraph, mm: ModelMap, semantics: sdf.Semantics, err: SDFError) -> SDFError:
    """The error again, from the model with readable channel names (built only when something fails)."""
    named = SDFGraph(model.names, model.exec_time, model.src, model.dst, model.production, model.consumption,
                     model.tokens, tuple(mm.channel_name(i) for i in range(model.channels)))
    try:
        sdf.throughput(named, semantics)
    except SDFError as again:
        return _map_error(again, mm)
    return _map_error(err, mm)


def _order_cycles(mm: ModelMap) -> tuple[np.ndarray, np.ndarray]:
    """The static-order cycle of every tile as (channels, offsets): `_add_orders` appends each
    tile's sequencing edges in turn, in order, the last one closing the cycle."""
    ch = np.flatnonzero(mm.channel_kind == ORDER)
    tiles = mm.channel_origin[ch]
    bounds = np.flatnonzero(np.diff(tiles)) + 1
    ptr = np.concatenate([[0], bounds, [ch.size]]).astype(_I64) if ch.size else np.zeros(1, _I64)
    return ch, ptr


def bound_throughput(g: SDFGraph, platform: Platform, mapping: Mapping, semantics: sdf.Semantics = "self-timed",
                     *, comm_unit: CommUnit = "packet",
                     engine: Literal["auto", "sdf"] = "auto") -> BoundThroughput:
    """Throughput of `g` mapped on `platform`: the throughput of `resource_graph`, mapped back.

    Semantics as in `sdf.throughput`. The period is per iteration of `g`. engine="sdf" always
    uses `sdf.throughput` (the max-plus iteration matrix); "auto" (default) solves a homogeneous
    model under "self-timed" semantics as a maximum cycle ratio on the model graph itself (same
    checks, same period, same latency; see `_max_cycle_ratio` for why) and uses `sdf.throughput`
    otherwise. Raises ValueError for
    an invalid mapping; Deadlock (e.g. a static order against the data dependencies, or buffers
    too small), UnboundedActors, InconsistentGraph as `sdf.throughput` does, with the message of
    the model (its actors named as above) and `actors` / `channels` mapped to `g`'s indices.
    Cost: `resource_graph` plus the analysis of the model.
    """
    if engine not in ("auto", "sdf"):
        raise ValueError(f"unknown engine {engine!r}: expected 'auto' or 'sdf'")
    return _bound_throughput(g, platform, _check_mapping(g, platform, mapping), semantics, comm_unit, engine)


def _bound_throughput(g: SDFGraph, platform: Platform, m: _Checked, semantics: sdf.Semantics,
                      comm_unit: CommUnit, engine: Literal["auto", "sdf"]) -> BoundThroughput:
    """`bound_throughput` of a mapping already checked (or valid by construction, as admission's)."""
    model, mm = _resource_model(g, platform, m, comm_unit)
    try:
        res = None
        if engine == "auto" and semantics == "self-timed":
            res = _fast_throughput(model, _order_cycles(mm))
        if res is None:
            res = sdf.throughput(model, semantics)
    except SDFError as err:
        raise _named_error(model, mm, semantics, err) from err
    crit = np.asarray(res.critical_actors, dtype=_I64)
    originals = mm.actor_origin[crit[mm.actor_kind[crit] == ACTOR]]
    keep = np.ones(originals.size, dtype=bool)
    keep[1:] = originals[1:] != originals[:-1]  # an actor fired several times in a row appears once
    folded = originals[keep]
    if folded.size > 1 and folded[0] == folded[-1]:
        folded = folded[:-1]
    return BoundThroughput(res.period, res.throughput, m.q, tuple(folded.tolist()), res.latency, model, mm, res)


# ------------------------------------------------------------------------------ criticality and binding


def _components(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    adj = sp.csr_matrix((np.ones(src.size), (src, dst)), shape=(n, n))
    return csgraph.connected_components(adj, directed=True, connection="strong")[1].astype(_I64)


def _self_loop_ratio(g: SDFGraph, q: np.ndarray, chans: np.ndarray) -> np.ndarray:
    """float64 [A]: per actor, the period its tightest self-loop among `chans` imposes,
    q e / floor(t / c) (at most that many firings overlap; inf if t < c); 0 without one."""
    out = np.zeros(g.actors, dtype=_F64)
    lp = chans[g.src[chans] == g.dst[chans]]
    if lp.size:
        conc = np.full(g.actors, np.inf)
        np.minimum.at(conc, g.src[lp], (g.tokens[lp] // g.consumption[lp]).astype(_F64))
        has = np.isfinite(conc)
        work = q[has] * g.exec_time[has].astype(_F64)
        with np.errstate(divide="ignore"):
            out[has] = np.where(conc[has] > 0, work / np.maximum(conc[has], 1), np.inf)
    return out


def actor_criticality(g: SDFGraph, q: np.ndarray | None = None, *, refine: int = 32) -> np.ndarray:
    """float64 [A]: an estimate of the largest period (cycle mean) of the cycles through each actor.

    Why: SDF3's binding places the actors of the most critical cycles first. Exact values need one
    parametric cycle problem per actor; this estimate costs a few throughput analyses:

    1. Strongly connected components. An actor on no cycle gets 0. An actor alone in its
       component gets the period of its tightest self-loop, q e / floor(t / c) (exact).
    2. Every other component gets its period per iteration of g (`sdf.throughput` of the
       component, scaled by q / q_component), an upper bound for all its actors. It is exact for
       the actors on its critical cycle and for those whose self-loop alone reaches it: these
       are fixed.
    3. Refinement: the critical cycle's channels are removed, the component is split again, and
       step 2 repeats on each part that still holds an unfixed actor (at most `refine` analyses
       beyond one per component). An actor fixed there gets the mean of the most critical cycle
       through it that avoids the removed channels: a lower bound, exact unless a better cycle
       through it used a removed channel. An actor whose part has no cycle left, or that is not
       reached within the budget, keeps the last upper bound.

    Example: in A <-> B <-> C with the cycle B, C critical, B and C get its mean and A then gets
    that of A, B (the component's value would overrate A). Cost: O(A + C) vectorised plus one
    `sdf.throughput` per analysed part. Raises what `sdf.throughput` raises for a deadlocked
    component.
    """
    q = sdf.repetition_vector(g) if q is None else np.asarray(q, dtype=_I64)
    a_n = g.actors
    crit = np.zeros(a_n, dtype=_F64)
    fixed = np.zeros(a_n, dtype=bool)
    all_ch = np.arange(g.channels, dtype=_I64)
    lab = _components(a_n, g.src, g.dst)
    size = np.bincount(lab, minlength=int(lab.max()) + 1 if a_n else 0)
    single = size[lab] == 1
    loops = _self_loop_ratio(g, q, all_ch)
    crit[single] = loops[single]
    fixed[single] = True
    active = np.ones(g.channels, dtype=bool)
    work = [np.flatnonzero(lab == comp) for comp in np.flatnonzero(size > 1).tolist()]
    budget = len(work) + max(0, refine)
    while work and budget > 0:
        actors = work.pop()
        budget -= 1
        inside = np.zeros(a_n, dtype=bool)
        inside[actors] = True
        chans = np.flatnonzero(active & inside[g.src] & inside[g.dst])
        new = np.full(a_n, -1, dtype=_I64)
        new[actors] = np.arange(actors.size, dtype=_I64)
        sub = SDFGraph(tuple(g.names[i] for i in actors.tolist()), g.exec_time[actors], new[g.src[chans]],
                       new[g.dst[chans]], g.production[chans], g.consumption[chans], g.tokens[chans])
        res = sdf.throughput(sub)
        period = float(res.period) * float(q[actors[0]] // res.repetition[0])
        open_ = actors[~fixed[actors]]
        crit[open_] = period
        on = actors[np.array(res.critical_actors, dtype=_I64)] if res.critical_actors else actors[:0]
        loop_hit = actors[_self_loop_ratio(g, q, chans)[actors] >= period * (1 - 1e-12)]
        fixed[on] = True
        fixed[loop_hit] = True
        removed = chans[np.array(res.critical_channels, dtype=_I64)] if res.critical_channels else chans[:0]
        active[removed] = False
        rest = np.setdiff1d(chans, removed)
        lab2 = np.full(a_n, -1, dtype=_I64)
        lab2[actors] = _components(actors.size, new[g.src[rest]], new[g.dst[rest]])
        internal = rest[lab2[g.src[rest]] == lab2[g.dst[rest]]]
        has_cycle = np.zeros(actors.size, dtype=bool)
        has_cycle[lab2[g.src[internal]]] = True
        for comp in unique(lab2[actors]).tolist():
            members = actors[lab2[actors] == comp]
            if not has_cycle[comp] or fixed[members].all():
                continue
            if members.size == 1:
                r = _self_loop_ratio(g, q, internal)[members[0]]
                crit[members] = r
                fixed[members] = True
            else:
                work.append(members)
    return crit


def _channel_traffic(g: SDFGraph, size: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Spikes per iteration on every channel: token_size x p x q[src]."""
    return (size * g.production * q[g.src]).astype(_F64)


def bind(g: SDFGraph, platform: Platform, *, load_weight: float = 1.0, comm_weight: float = 1.0,
         connection_weight: float = 0.25, tiles_available: Sequence[int] | None = None,
         token_size: np.ndarray | None = None, refine: int = 32) -> np.ndarray:
    """A tile per actor (int64 [A]) by SDF3's greedy heuristic (method.md section 8).

    Actors are visited by decreasing criticality (`actor_criticality`), then decreasing
    processing load w = e q, then index. Each goes to the available tile T of least cost

        load_weight  x max(0, load[T] + w - max(M, L)) / w
      + comm_weight  x sum over placed neighbours n of traffic(a, n) hops[T, tile[n]] / (traffic(a) x max hops)
      + connection_weight x (placed neighbours on other tiles) / degree(a)

    where load[T] is the sum of e q over the actors already on T, M the largest load[T] so far,
    L = total load / available tiles (the balanced share), and traffic is in spikes per iteration
    (token size x rate x q, both directions). Why: under a static order a tile executes all its
    firings one after the other, so the largest tile load bounds the period from below; filling a
    tile up to max(M, L) does not raise that bound and costs nothing, while going beyond it
    raises the bound by up to w (the load term counts that rise in units of w). Communication is
    weighted by distance because a comm actor's latency grows with the hops; connection counts
    stand for the network interface and the comm actor each new connection adds. Each term is
    about in [0, 1]. Ties go to the lowest tile index. Memory is not modelled (see
    `Mapping.capacity`).

    `tiles_available`: the tiles that may be used (default all). Raises ValueError for an empty
    or out-of-range `tiles_available` or a bad `token_size`. O(A (T + degree)) numpy work in a
    Python loop over the actors, plus `actor_criticality`.
    """
    q = sdf.repetition_vector(g)
    a_n = g.actors
    avail = np.arange(platform.tiles, dtype=_I64) if tiles_available is None else unique(
        np.asarray(tiles_available, dtype=_I64))
    if avail.size == 0 or avail.min() < 0 or avail.max() >= platform.tiles:
        raise ValueError(f"tiles_available must name some of the tiles 0..{platform.tiles - 1}, got "
                         f"{list(tiles_available) if tiles_available is not None else None}")
    size = np.ones(g.channels, dtype=_I64) if token_size is None else _int_vector("token_size", token_size,
                                                                                   g.channels)
    crit = actor_criticality(g, q, refine=refine)
    load_of = g.exec_time.astype(_F64) * q
    visit = np.lexsort((np.arange(a_n), -load_of, -crit))
    # undirected neighbour lists with traffic (self-loops excluded), as CSR
    nl = g.src != g.dst
    traffic = _channel_traffic(g, size, q)[nl]
    u = np.concatenate([g.src[nl], g.dst[nl]])
    v = np.concatenate([g.dst[nl], g.src[nl]])
    w = np.concatenate([traffic, traffic])
    order = np.argsort(u, kind="stable")
    u, v, w = u[order], v[order], w[order]
    ptr = np.zeros(a_n + 1, dtype=_I64)
    np.cumsum(np.bincount(u, minlength=a_n), out=ptr[1:])
    hops = platform.hops[avail].astype(_F64)  # [n_avail, T]
    max_hops = float(hops.max()) or 1.0
    share = float(load_of.sum()) / avail.size
    load = np.zeros(avail.size, dtype=_F64)
    top = 0.0
    placed = np.full(a_n, -1, dtype=_I64)
    for a in visit.tolist():
        wa = float(load_of[a])
        cost = load_weight * np.maximum(0.0, load + wa - max(top, share)) / (wa or 1.0)
        lo, hi = ptr[a], ptr[a + 1]
        nb = v[lo:hi]
        where = placed[nb]
        ok = where >= 0
        if ok.any():
            tr = w[lo:hi]
            pt = where[ok]
            cost += comm_weight * (hops[:, pt] @ tr[ok]) / ((float(tr.sum()) or 1.0) * max_hops)
            cost += connection_weight * (avail[:, None] != pt[None, :]).sum(axis=1) / nb.size
        best = int(np.argmin(cost))
        placed[a] = avail[best]
        load[best] += wa
        top = max(top, float(load[best]))
    return placed


# ------------------------------------------------------------------------------ timed execution (list scheduling)


def _times(x: np.ndarray) -> list:
    """Execution times as exact Python numbers: ints, or Fractions of the floats."""
    if x.dtype.kind == "i" or np.all(np.floor(x) == x):
        return [int(v) for v in x.tolist()]
    return [Fraction(v) for v in x.tolist()]


def _check_instantaneous(g: SDFGraph, originals: int, what: str, *, deadlock_first: bool = False) -> None:
    """UnboundedActors naming the actors that would fire without bound at one instant
    (`sdf.instantaneous_actors`): a self-timed run of `g` would never leave time 0. Indices
    from `originals` on (comm actors of a bound model) are not reported as actors.
    `deadlock_first`: when there are such actors, report a deadlock of `g` instead if it has one
    (a zero-time cycle without tokens is the deadlock it is)."""
    free = sdf.instantaneous_actors(g)
    if free.size:
        if deadlock_first:
            sdf.check_deadlock(g)
        names = ", ".join(g.names[a] for a in free[:10].tolist())
        raise UnboundedActors(f"{what} {names} take no time and no actor that takes time feeds them, so a "
                              "self-timed execution fires them without bound at one instant (give one of them a "
                              "positive execution time)", [a for a in free.tolist() if a < originals], ())


class _TimedRun:
    """Self-timed execution of an SDF graph, optionally with actors sharing tiles.

    Actors with resource -1 fire as often as their tokens allow (auto-concurrency); actors on a
    resource (tile) fire one at a time per tile: a free tile starts, among its enabled actors, the
    one enabled longest, ties by actor index. Enabledness is monotone until the actor fires (each
    channel has one consumer), so a ready heap per tile suffices. Simultaneous starts happen in
    actor index order, except that a firing enabled by a zero-time firing comes after it. Every
    start is logged as (time, sequence number) per actor.
    """

    def __init__(self, g: SDFGraph, resource: np.ndarray | None = None) -> None:
        self.g = g
        self.ins, self.outs = _adjacency_lists(g)
        self.p, self.c, self.dst = g.production.tolist(), g.consumption.tolist(), g.dst.tolist()
        self.exec = _times(g.exec_time)
        self.held = g.tokens.tolist()
        self.res = [-1] * g.actors if resource is None else [int(r) for r in resource.tolist()]
        n_res = max(self.res, default=-1) + 1
        self.tile_busy = [False] * n_res
        self.ready: list[list[tuple]] = [[] for _ in range(n_res)]
        self.in_ready = [False] * g.actors
        self.now = 0
        self.seq = 0
        self.events: list[tuple] = []  # (end, seq, actor, count)
        self.work: list[int] = list(range(g.actors))
        heapq.heapify(self.work)
        self.queued = [True] * g.actors
        self.started = [0] * g.actors
        self.log: list[list[tuple]] = [[] for _ in range(g.actors)]
        self.running: dict[tuple[int, object], int] = {}
        self.target = [0] * g.actors  # starts wanted per actor (set by the caller)
        self.unmet = 0  # actors with fewer starts than their target

    def want(self, target: Sequence[int]) -> None:
        """Track how many actors still have fewer than target[a] starts (`unmet`)."""
        self.target = list(target) + [0] * (self.g.actors - len(target))
        self.unmet = sum(1 for n, m in zip(self.started, self.target) if n < m)

    def enabled(self, a: int) -> int:
        ins = self.ins[a]
        if not ins:
            return 1 << 30
        return min(self.held[ch] // self.c[ch] for ch in ins)

    def push(self, a: int) -> None:
        if not self.queued[a]:
            self.queued[a] = True
            heapq.heappush(self.work, a)

    def fire(self, a: int, n: int) -> None:
        for ch in self.ins[a]:
            self.held[ch] -= n * self.c[ch]
        for _ in range(n):
            self.log[a].append((self.now, self.seq))
            self.seq += 1
        before = self.started[a]
        self.started[a] += n
        if before < self.target[a] <= before + n:
            self.unmet -= 1
        if self.exec[a] == 0:
            self.produce(a, n)
            if self.res[a] >= 0:
                self.push(a)
        else:
            end = self.now + self.exec[a]
            heapq.heappush(self.events, (end, self.seq, a, n))
            key = (a, end)
            self.running[key] = self.running.get(key, 0) + n
            if self.res[a] >= 0:
                self.tile_busy[self.res[a]] = True

    def produce(self, a: int, n: int) -> None:
        for ch in self.outs[a]:
            self.held[ch] += n * self.p[ch]
            self.push(self.dst[ch])

    def settle(self, max_events: int) -> None:
        """Start everything that can start now (repeating through zero-time firings)."""
        while True:
            while self.work:
                a = heapq.heappop(self.work)
                self.queued[a] = False
                n = self.enabled(a)
                if n <= 0:
                    continue
                r = self.res[a]
                if r < 0:
                    if n >= 1 << 30:
                        raise UnboundedActors(f"actor {self.g.names[a]} has no inputs and no tile: it would fire "
                                              "without bound", [a], [])
                    self.fire(a, n)
                elif not self.in_ready[a]:
                    self.in_ready[a] = True
                    heapq.heappush(self.ready[r], (self.now, a))
                if self.seq > max_events:
                    raise RuntimeError(f"no result within {max_events} firings")
            progress = False
            for r, heap in enumerate(self.ready):
                if not self.tile_busy[r] and heap:
                    _, a = heapq.heappop(heap)
                    self.in_ready[a] = False
                    self.fire(a, 1)
                    self.push(a)  # may be enabled again
                    progress = True
            if self.seq > max_events:
                raise RuntimeError(f"no result within {max_events} firings")
            if not progress and not self.work:
                return

    def advance(self) -> bool:
        """Move to the next completion time and complete every firing due; False if none is pending."""
        if not self.events:
            return False
        self.now = self.events[0][0]
        while self.events and self.events[0][0] == self.now:
            _, _, a, n = heapq.heappop(self.events)
            key = (a, self.now)
            self.running[key] -= n
            if not self.running[key]:
                del self.running[key]
            if self.res[a] >= 0:
                self.tile_busy[self.res[a]] = False
            self.produce(a, n)
            self.push(a)
        return True

    def state(self) -> tuple:
        running = tuple(sorted((a, end - self.now, n) for (a, end), n in self.running.items()))
        return tuple(self.held), running


def _window_order(run: _TimedRun, actors: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    """The firings k q[a] .. (k+1) q[a] - 1 of `actors`, ordered by (start time, sequence)."""
    items = []
    for a in actors.tolist():
        qa = int(q[a])
        for t, s in run.log[a][k * qa:(k + 1) * qa]:
            items.append((t, s, a))
    items.sort()
    return np.array([a for _, _, a in items], dtype=_I64)


def _deadlock_in_run(run: _TimedRun, what: str) -> Deadlock:
    starving = [a for a in range(run.g.actors) if run.enabled(a) == 0]
    return Deadlock(f"{what} deadlocks at time {run.now}: actor(s) "
                    f"{', '.join(run.g.names[a] for a in starving[:10])} wait for tokens", (), (), starving)


def list_schedule(g: SDFGraph, platform: Platform, tile: np.ndarray | Mapping, *, warmup: int = 1,
                  comm_unit: CommUnit = "packet", max_events: int = 10_000_000) -> tuple[np.ndarray, ...]:
    """Per-tile static orders (one array of actor indices per tile) from a list-scheduled execution.

    The bound model without orders (`resource_graph`: comm, wait, buffer actors and edges) is
    executed self-timed, except that each tile runs one firing at a time: when a tile is free it
    starts, among its enabled actors, the one that has waited longest, ties by lowest actor index
    (list scheduling). The run lasts `warmup` + 1 iterations; each tile's order is the firings of
    iteration `warmup` (firings warmup q[a] .. (warmup+1) q[a] - 1 of each actor) ordered by start
    time, ties by start sequence (actor index, after any zero-time firing that enabled it). The
    first iteration starts from the initial tokens, where in an SNN graph every actor is enabled
    at time 0, so its order shows only the tie-break; from the second on, starts follow the data
    and the communication delays. Deadlock-free by construction: in any iteration of the run,
    every firing starts after the firings it depends on in that iteration have ended, and
    dependencies between iterations keep their direction when the order repeats.

    `tile` is the tile array or a Mapping (its token sizes and capacities are used, its orders
    ignored). Raises ValueError for an invalid mapping, Deadlock if the bound model deadlocks,
    UnboundedActors if some of its actors take no time and nothing that takes time feeds them
    (`sdf.instantaneous_actors`), RuntimeError after `max_events` firings. Cost: O(firings x degree x log) in Python for
    (warmup + 1) iterations of the model.
    """
    m = tile if isinstance(tile, Mapping) else Mapping(np.asarray(tile))
    m = Mapping(m.tile, m.token_size, m.capacity, m.src_capacity, None)
    checked = _check_mapping(g, platform, m)
    model, mm, _ = _build(g, platform, checked, comm_unit)
    _check_instantaneous(model, g.actors, "actor(s) of the bound graph", deadlock_first=True)
    run = _TimedRun(model, mm.tile)
    q = checked.q
    run.want([(warmup + 1) * int(x) for x in q.tolist()])
    while True:
        run.settle(max_events)
        if run.unmet == 0:
            break
        if not run.advance():
            raise _deadlock_in_run(run, "the list schedule of the bound graph")
    actors = np.arange(g.actors, dtype=_I64)
    order = _window_order(run, actors, q, warmup)
    where = checked.tile[order]
    return tuple(order[where == t] for t in range(platform.tiles))


def record_order(g: SDFGraph, *, max_iterations: int = 64, max_events: int = 10_000_000) -> np.ndarray:
    """The firing order (actor indices) of one iteration of `g`'s self-timed execution, periodic phase.

    Design-time half of run-time admission (method.md section 8). The unbound graph runs
    self-timed (auto-concurrency unless self-loops forbid it) until its state (tokens, firings in
    progress with their remaining times) recurs; from then on the execution is periodic. The
    result is iteration k, the first whose firings (k q[a] .. (k+1) q[a] - 1 of each actor) all
    start after the first occurrence of the recurring state, ordered by start time, ties by actor
    index (after any zero-time firing that enabled it). Any such iteration is a valid untimed
    execution order, so restricting it to the actors of a tile gives deadlock-free static orders
    (without bounded buffers). If no state recurs before every actor has started
    `max_iterations` iterations (tokens pile up between parts that run at different rates, or a
    long transient), the last complete iteration is used instead.

    Raises UnboundedActors (as `sdf.throughput`, and for actors that would fire without bound at
    one instant: `sdf.instantaneous_actors`), Deadlock, InconsistentGraph, RuntimeError after
    `max_events` firings. Cost: O(firings x degree x log) in Python until recurrence, plus
    O(C) per event time for the state.
    """
    q = sdf.repetition_vector(g)
    free = sdf.unbounded_actors(g)
    if free.size:
        raise UnboundedActors(f"no periodic phase: actor(s) {', '.join(g.names[a] for a in free[:10].tolist())} are "
                              "downstream of no cycle, so nothing bounds how often they fire", free.tolist(), ())
    sdf.check_deadlock(g, q)
    _check_instantaneous(g, g.actors, "actor(s)")
    run = _TimedRun(g)
    seen: dict[tuple, list[int]] = {}
    qs = q.tolist()
    k = None
    while True:
        run.settle(max_events)
        state = run.state()
        if state in seen:
            counts = seen[state]
            k = max(-(-n // qa) for n, qa in zip(counts, qs))
            break
        seen[state] = list(run.started)
        if min(n // qa for n, qa in zip(run.started, qs)) >= max_iterations:
            k = min(n // qa for n, qa in zip(run.started, qs)) - 1
            break
        if not run.advance():
            raise _deadlock_in_run(run, "self-timed execution")
    run.want([(k + 1) * qa for qa in qs])
    while run.unmet:
        if not run.advance():
            raise _deadlock_in_run(run, "self-timed execution")
        run.settle(max_events)
    return _window_order(run, np.arange(g.actors, dtype=_I64), q, k)


# ------------------------------------------------------------------------------ design-time refinement of a binding


@dataclass(frozen=True, eq=False)
class Refinement:
    """The outcome of `refine`: the binding, its analysis and what the search cost.

    `period` is the analysed period of `tile` under its list-scheduled static orders (`orders`,
    `result`); `initial_period` that of the input binding. `analyses` counts list_schedule +
    bound_throughput evaluations, the input's included; `pruned` the candidates skipped because
    the tile-load bound showed they could not improve (or the per-round cap left them out);
    `moves` the changes applied, one per improving round: `("move", actor, tile)`,
    `("swap", actor, actor)`, `("group", from tile, to tile)` (its critical actors) or
    `("merge", from tile, to tile)` (all its actors). `stopped` says why the search ended:
    "local optimum" (no candidate improves), "lower bound" (the period equals a bound no binding
    beats), "rounds", "time limit", or "single tile" (nothing to move).
    """

    tile: np.ndarray
    orders: tuple[np.ndarray, ...]
    period: Fraction | float
    initial_period: Fraction | float
    result: BoundThroughput
    moves: tuple[tuple[str, int, int], ...]  # the changes applied, in turn
    analyses: int
    pruned: int
    stopped: str
    seconds: float


def _evaluate(g: SDFGraph, platform: Platform, tile: np.ndarray, size: np.ndarray | None,
              comm_unit: CommUnit) -> tuple[tuple[np.ndarray, ...], BoundThroughput]:
    """List-schedule `tile` and analyse the bound, scheduled graph: one evaluation of the search."""
    orders = list_schedule(g, platform, Mapping(tile, size), comm_unit=comm_unit)
    return orders, bound_throughput(g, platform, Mapping(tile, size, orders=orders), comm_unit=comm_unit)


def _critical_set(res: BoundThroughput, tile: np.ndarray) -> np.ndarray:
    """The original actors behind the critical cycle's resources (sorted, unique).

    An actor on the cycle stands for itself; a comm or wait actor for the crossing channel it
    models, i.e. its two endpoints; a static-order edge for its tile being overloaded, i.e. every
    actor of that tile.
    """
    mm = res.model_map
    g = mm.original
    acts = np.asarray(res.analysis.critical_actors, dtype=_I64)
    chans = np.asarray(res.analysis.critical_channels, dtype=_I64)
    parts = [np.asarray(res.critical_actors, dtype=_I64)]
    if acts.size:
        kind = mm.actor_kind[acts]
        ch = mm.actor_origin[acts[kind != ACTOR]]
        parts += [g.src[ch], g.dst[ch]]
    if chans.size:
        tiles = mm.channel_origin[chans[mm.channel_kind[chans] == ORDER]]
        if tiles.size:
            parts.append(np.flatnonzero(np.isin(tile, tiles)))
    return unique(np.concatenate(parts)).astype(_I64)


MOVE, SWAP, GROUP, MERGE = range(4)
_MOVE_KINDS = ("move", "swap", "group", "merge")


class _Neighbourhood:
    """Candidate changes of a binding for `refine`, scored without analysis (vectorised numpy).

    Kinds (`_MOVE_KINDS`), with their (a, b): "move" actor a to tile b; "swap" actors a and b;
    "group" the critical actors on tile a to tile b; "merge" every actor of tile a to tile b.
    Per candidate two scores: a lower bound on the period of the binding it leads to, the
    largest tile load sum(e q) (under a static order a tile runs all its firings in turn, so the
    period is at least its load), and a communication-cost change: per channel between two
    tiles, ceil(packet x token size / bandwidth) + TDMA wait + hop_latency x hops, a proxy for
    the comm actors' delays (exact for groups and merges, and for moves; for a swap the channel
    between the two actors is taken as unchanged).
    """

    def __init__(self, g: SDFGraph, platform: Platform, size: np.ndarray, comm_unit: CommUnit,
                 avail: np.ndarray) -> None:
        q = sdf.repetition_vector(g)
        self.load_of = g.exec_time.astype(_F64) * q
        self.avail = avail
        self.t_n = platform.tiles
        a_n = g.actors
        nl = g.src != g.dst
        self.src, self.dst = g.src[nl], g.dst[nl]
        pk = _packet_sizes(g, comm_unit)[nl]
        self.fixed = _ceil_div_bandwidth(pk * size[nl], platform.bandwidth) + (platform.tdma_wait or 0.0)
        u = np.concatenate([self.src, self.dst])
        v = np.concatenate([self.dst, self.src])
        self.w_fixed = sp.csr_matrix((np.concatenate([self.fixed, self.fixed]), (u, v)), shape=(a_n, a_n))
        self.w_count = sp.csr_matrix((np.ones(u.size), (u, v)), shape=(a_n, a_n))
        h = platform.hops.astype(_F64)
        self.hops = (h + h.T) / 2 * platform.hop_latency  # latency between tiles, symmetrised

    def comm_cost(self, tile: np.ndarray) -> np.ndarray:
        """float64 [A, T]: the communication cost of each actor's channels if it sat on each tile."""
        a_n = tile.size
        onehot = sp.csr_matrix((np.ones(a_n), (np.arange(a_n), tile)), shape=(a_n, self.t_n))
        f = np.asarray((self.w_fixed @ onehot).todense())
        n = np.asarray((self.w_count @ onehot).todense())
        return f.sum(axis=1, keepdims=True) - f + n @ self.hops

    def total_comm(self, tiles: np.ndarray) -> np.ndarray:
        """float64 [k]: the communication cost of each binding (rows of `tiles`)."""
        ts, td = tiles[:, self.src], tiles[:, self.dst]
        return ((ts != td) * self.fixed).sum(axis=1) + self.hops[ts, td].sum(axis=1)

    def trial(self, tile: np.ndarray, crit_mask: np.ndarray, kind: int, a: int, b: int) -> np.ndarray:
        """The binding a candidate leads to."""
        out = tile.copy()
        if kind == MOVE:
            out[a] = b
        elif kind == SWAP:
            out[a], out[b] = tile[b], tile[a]
        elif kind == GROUP:
            out[(tile == a) & crit_mask] = b
        else:
            out[tile == a] = b
        return out

    def candidates(self, tile: np.ndarray, crit: np.ndarray, bound: float, swaps: bool):
        """(kind, a, b, load bound, comm change) arrays of the candidates whose load bound is below
        `bound` (the others cannot improve), and how many were dropped."""
        load = np.bincount(tile, weights=self.load_of, minlength=self.t_n)
        top = np.argsort(-load, kind="stable")[:3]
        top_val = load[top]

        def excl_max(x: np.ndarray, y: np.ndarray) -> np.ndarray:  # largest load of a tile other than x, y
            out = np.zeros(x.size)
            done = np.zeros(x.size, dtype=bool)
            for t, val in zip(top.tolist(), top_val.tolist()):
                pick = ~done & (x != t) & (y != t)
                out[pick] = val
                done |= pick
            return out

        w = self.load_of
        crit_mask = np.zeros(tile.size, dtype=bool)
        crit_mask[crit] = True
        parts = []  # (kind, a, b, x, y, load of x after, load of y after)
        # moves: every critical actor to every other available tile
        a = np.repeat(crit, self.avail.size)
        t = np.tile(self.avail, crit.size)
        keep = t != tile[a]
        a, t = a[keep], t[keep]
        parts.append((MOVE, a, t, tile[a], t, load[tile[a]] - w[a], load[t] + w[a]))
        if swaps:  # every critical actor with every actor on another tile (each pair once)
            a = np.repeat(crit, tile.size)
            b = np.tile(np.arange(tile.size, dtype=_I64), crit.size)
            keep = (tile[a] != tile[b]) & (~crit_mask[b] | (a < b))
            a, b = a[keep], b[keep]
            ta, tb = tile[a], tile[b]
            parts.append((SWAP, a, b, ta, tb, load[ta] - w[a] + w[b], load[tb] - w[b] + w[a]))
        # groups and merges: from each tile holding critical actors to every other available tile
        used = np.bincount(tile, minlength=self.t_n)
        crit_load = np.bincount(tile[crit], weights=w[crit], minlength=self.t_n)
        crit_count = np.bincount(tile[crit], minlength=self.t_n)
        x = np.repeat(unique(tile[crit]), self.avail.size)
        y = np.tile(self.avail, x.size // max(self.avail.size, 1))
        keep = x != y
        x, y = x[keep], y[keep]
        group = (crit_count[x] >= 2) & (crit_count[x] < used[x])
        parts.append((GROUP, x[group], y[group], x[group], y[group], load[x[group]] - crit_load[x[group]],
                      load[y[group]] + crit_load[x[group]]))
        merge = used[x] >= 2
        parts.append((MERGE, x[merge], y[merge], x[merge], y[merge], np.zeros(int(merge.sum())),
                      load[y[merge]] + load[x[merge]]))
        kinds, aa, bb, lbs = [], [], [], []
        dropped = 0
        for kind, a, b, tx, ty, lx, ly in parts:
            lb = np.maximum(excl_max(tx, ty), np.maximum(lx, ly))
            ok = lb < bound
            dropped += int(ok.size - ok.sum())
            kinds.append(np.full(int(ok.sum()), kind, dtype=_I64))
            aa.append(a[ok])
            bb.append(b[ok])
            lbs.append(lb[ok])
        kind, a, b, lb = (np.concatenate(v) for v in (kinds, aa, bb, lbs))
        dc = np.zeros(kind.size)
        if kind.size:  # communication change, for the survivors only
            cost = self.comm_cost(tile)
            mv = np.flatnonzero(kind == MOVE)
            dc[mv] = cost[a[mv], b[mv]] - cost[a[mv], tile[a[mv]]]
            sw = np.flatnonzero(kind == SWAP)
            if sw.size:
                u, v = a[sw], b[sw]
                tu, tv = tile[u], tile[v]
                mutual = (np.asarray(self.w_fixed[u, v]).ravel() +
                          np.asarray(self.w_count[u, v]).ravel() * self.hops[tu, tv])
                dc[sw] = cost[u, tv] - cost[u, tu] + cost[v, tu] - cost[v, tv] + 2 * mutual
            gm = np.flatnonzero(kind >= GROUP)
            if gm.size:
                trials = np.repeat(tile[None, :], gm.size, axis=0)
                for row, i in enumerate(gm.tolist()):
                    sel = tile == a[i]
                    if kind[i] == GROUP:
                        sel &= crit_mask
                    trials[row, sel] = b[i]
                dc[gm] = self.total_comm(trials) - self.total_comm(tile[None, :])[0]
        return kind, a, b, lb, dc, dropped


def _interleave(first: np.ndarray, second: np.ndarray, k: int) -> np.ndarray:
    """Alternate the two rankings (of the same indices), without repeats, up to k entries."""
    out: list[int] = []
    seen: set[int] = set()
    for x, y in zip(first.tolist(), second.tolist()):
        for z in (x, y):
            if z not in seen:
                seen.add(z)
                out.append(z)
        if len(out) >= k:
            break
    return np.array(out[:k], dtype=_I64)


def _lower_bound(g: SDFGraph, tiles: int) -> Fraction | float:
    """A period no binding on `tiles` tiles beats: the largest of the unbound graph's period
    (binding only adds delays and serialises) and the tile-load bound (under static orders a tile
    runs its firings in turn): total load sum(e q) / tiles and the largest actor load, or, when
    all actors have the same load w, ceil(A / tiles) w (some tile holds that many)."""
    q = sdf.repetition_vector(g)
    load = g.exec_time * q
    exact = _integral(g)
    total = load.sum()
    share: Fraction | float = Fraction(int(total), tiles) if exact else float(total) / tiles
    if load.size:
        top = int(load.max()) if exact else float(load.max())
        share = max(share, top)
        if np.all(load == load[0]):
            share = max(share, -(-load.size // tiles) * top)
    try:
        res = _fast_throughput(g)
        return max(share, (res if res is not None else sdf.throughput(g)).period)
    except SDFError:
        return share


def refine(g: SDFGraph, platform: Platform, tile: np.ndarray, *, token_size: np.ndarray | None = None,
           rounds: int = 8, candidates: int = 48, swaps: bool = True, time_limit: float | None = None,
           seed: int = 0, tiles_available: Sequence[int] | None = None,
           comm_unit: CommUnit = "packet",
           evaluated: tuple[tuple[np.ndarray, ...], BoundThroughput] | None = None) -> Refinement:
    """Iterative improvement of a binding driven by the analysis of the bound, list-scheduled graph.

    The design-time step SDF3 performs after its greedy binding (method.md section 8). Each
    round:

    1. The current binding is list-scheduled (`list_schedule`) and analysed
       (`bound_throughput`); its critical cycle names the critical resources: the actors on it,
       the crossing channels of its comm and wait actors (both endpoints) and the tiles whose
       static-order edges it uses (all their actors).
    2. Neighbourhood (`_Neighbourhood`): every critical actor moved to every other available
       tile; (`swaps`) every critical actor swapped with every actor on another tile; for every
       tile holding critical actors and every other available tile, its critical actors moved
       there together ("group") and all its actors moved there ("merge": fewer tiles can be
       better when transfers dominate). A candidate whose largest tile load sum(e q) is not
       below the period to beat is dropped without analysis (under a static order a tile runs
       all its firings in turn, so that load bounds the period from below): it cannot strictly
       improve.
    3. Up to `candidates` survivors are evaluated (list_schedule + bound_throughput), taking in
       turn the next by (load bound, communication change) and the next by (communication
       change, load bound), ties in a random order drawn from `seed`; a survivor whose load
       bound is not below the best period found so far in the round, or whose binding was
       evaluated before, is skipped. **Best improvement**: the evaluated candidate of smallest
       period is applied if it is strictly below the current period (ties: the one evaluated
       first).

    The search stops when a round finds no strictly improving candidate (a local optimum of
    this neighbourhood), when the period reaches a bound no binding beats (`_lower_bound`: the
    unbound graph's period, or a tile-load bound on the available tiles), after `rounds` improving rounds, or
    when `time_limit` seconds have passed (checked before each evaluation; the best binding so
    far is returned). Only strictly improving moves are applied and the input binding's own
    list-scheduled period is the starting point, so the result is never worse than the input by
    that measure. Deterministic for a given `seed` unless `time_limit` cuts the search.

    `evaluated`: the input's list schedule and analysis when the caller has them already
    (`_evaluate` of the same binding, sizes and comm unit), so they are not computed twice.
    `tiles_available`: the tiles actors may use (default all); the input must use only those.
    `token_size` as in `Mapping`. Buffers are not modelled (unbounded), as in `list_schedule`.

    Cost: 1 + at most rounds x candidates evaluations (`Refinement.analyses`), each one
    `list_schedule` plus one `bound_throughput` (O(firings x degree x log) + one cycle-ratio
    analysis); scoring a round's neighbourhood is O(|crit| A + C T + A T^2 + T^2 C) vectorised
    numpy, |crit| the critical actors. When the period is the largest tile load (bindings of
    many actors on few tiles) every candidate that does not lower that load is pruned, and a
    round costs few or no evaluations. Raises ValueError for a bad tile array, `tiles_available`, `rounds` or
    `candidates`, and what `list_schedule` / `bound_throughput` raise for the input binding
    (a candidate whose evaluation fails is skipped).
    """
    t0 = time.perf_counter()
    if isinstance(rounds, bool) or not isinstance(rounds, (int, np.integer)) or rounds < 0:
        raise ValueError(f"rounds must be a non-negative integer, got {rounds!r}")
    if isinstance(candidates, bool) or not isinstance(candidates, (int, np.integer)) or candidates < 1:
        raise ValueError(f"candidates must be a positive integer, got {candidates!r}")
    tile = _int_vector("tile", tile, g.actors).copy()
    avail = np.arange(platform.tiles, dtype=_I64) if tiles_available is None else unique(
        np.asarray(list(tiles_available), dtype=_I64))
    if avail.size == 0 or avail.min() < 0 or avail.max() >= platform.tiles:
        raise ValueError(f"tiles_available must name some of the tiles 0..{platform.tiles - 1}, got "
                         f"{list(tiles_available) if tiles_available is not None else None}")
    outside = np.flatnonzero(~np.isin(tile, avail))
    if outside.size:
        a = int(outside[0])
        raise ValueError(f"actor {g.names[a]!r} is bound to tile {int(tile[a])}, which is not available")
    size = None if token_size is None else _int_vector("token_size", token_size, g.channels)
    orders, res = _evaluate(g, platform, tile, size, comm_unit) if evaluated is None else evaluated
    start = res.period
    analyses, pruned = 1, 0
    moves: list[tuple[str, int, int]] = []
    if avail.size < 2 or g.actors == 0:
        return Refinement(tile, orders, start, start, res, (), 1, 0, "single tile", time.perf_counter() - t0)
    floor = _lower_bound(g, int(avail.size))
    hood = _Neighbourhood(g, platform, np.ones(g.channels, _I64) if size is None else size, comm_unit, avail)
    rng = np.random.default_rng(seed)
    seen = {tile.tobytes()}  # bindings evaluated so far
    stopped = "rounds"
    while True:
        if res.period <= floor:
            stopped = "lower bound"
            break
        if len(moves) >= rounds:
            stopped = "rounds"
            break
        crit = _critical_set(res, tile)
        crit_mask = np.zeros(g.actors, dtype=bool)
        crit_mask[crit] = True
        kind, a, b, lb, dc, n_pruned = hood.candidates(tile, crit, float(res.period), swaps)
        pruned += n_pruned
        noise = rng.random(kind.size)
        pick = _interleave(np.lexsort((noise, dc, lb)), np.lexsort((noise, lb, dc)), candidates)
        pruned += kind.size - pick.size
        best = None
        timeout = False
        for i in pick.tolist():
            bound = res.period if best is None else best[0]
            if lb[i] >= bound:
                pruned += 1
                continue
            trial = hood.trial(tile, crit_mask, int(kind[i]), int(a[i]), int(b[i]))
            key = trial.tobytes()
            if key in seen:  # evaluated before (its period did not beat the bound then either)
                continue
            if time_limit is not None and time.perf_counter() - t0 > time_limit:
                timeout = True
                break
            seen.add(key)
            analyses += 1
            try:
                t_orders, t_res = _evaluate(g, platform, trial, size, comm_unit)
            except (SDFError, RuntimeError):
                continue
            if t_res.period < bound:
                best = (t_res.period, trial, t_orders, t_res, int(kind[i]), int(a[i]), int(b[i]))
        if best is not None:
            _, tile, orders, res, k, x, y = best
            moves.append((_MOVE_KINDS[k], x, y))
        if timeout:
            stopped = "time limit"
            break
        if best is None:
            stopped = "local optimum"
            break
    return Refinement(tile, orders, res.period, start, res, tuple(moves), analyses, pruned, stopped,
                      time.perf_counter() - t0)


def refine_binding(g: SDFGraph, platform: Platform, tile: np.ndarray, *, token_size: np.ndarray | None = None,
                   rounds: int = 8, time_limit: float | None = None, seed: int = 0,
                   tiles_available: Sequence[int] | None = None, candidates: int = 48, swaps: bool = True,
                   comm_unit: CommUnit = "packet") -> np.ndarray:
    """The improved binding (int64 [A]) of `refine`: never worse than `tile` by the analysed
    period with list schedules. See `refine` for the search, its options and its cost."""
    return refine(g, platform, tile, token_size=token_size, rounds=rounds, candidates=candidates, swaps=swaps,
                  time_limit=time_limit, seed=seed, tiles_available=tiles_available, comm_unit=comm_unit).tile


# ------------------------------------------------------------------------------ run-time admission


@dataclass(frozen=True, eq=False)
class Admission:
    """The outcome of `admit`: the binding, static orders, analysis and verdict."""

    tile: np.ndarray  # int64 [A]
    orders: tuple[np.ndarray, ...]  # per platform tile (empty for tiles not used)
    period: Fraction | float
    throughput: Fraction | float
    admitted: bool  # throughput >= required (True when nothing is required)
    seconds: float  # wall time of binding + orders + analysis
    result: BoundThroughput
    binding_seconds: float = 0.0  # the part of `seconds` spent on binding and static orders


def _chunks(seq: np.ndarray, load: np.ndarray, n: int) -> np.ndarray:
    """Slot 0..n-1 per position of `seq`: contiguous runs of about equal load.

    An actor goes to the slot in which its load starts: slot floor(n x load before it / total).
    Each slot's load is then below total / n plus one actor's load. O(A).
    """
    w = load[seq]
    total = float(w.sum())
    if total <= 0:
        return (np.arange(seq.size, dtype=_I64) * n) // max(seq.size, 1)
    before = np.cumsum(w) - w
    return np.minimum((before * n / total).astype(_I64), n - 1)


def _least_loaded(seq: np.ndarray, load: np.ndarray, n: int) -> np.ndarray:
    """Slot per position of `seq`: the least-loaded slot so far (ties: lowest), by a heap. O(A log n)."""
    heap = [(0.0, i) for i in range(n)]
    out = np.empty(seq.size, dtype=_I64)
    lw = load[seq].tolist()
    for i, w in enumerate(lw):
        l0, s = heapq.heappop(heap)
        out[i] = s
        heapq.heappush(heap, (l0 + w, s))
    return out


def _split_order(g: SDFGraph, seq: np.ndarray, q: np.ndarray, free: np.ndarray,
                 strategy: Literal["chunks", "least-loaded"]) -> np.ndarray:
    """The tile of every actor when the actors, in the order `seq`, are split over the tiles `free`."""
    load = g.exec_time.astype(_F64) * q
    if strategy == "chunks":
        slot = _chunks(seq, load, free.size)
    elif strategy == "least-loaded":
        slot = _least_loaded(seq, load, free.size)
    else:
        raise ValueError(f"unknown strategy {strategy!r}: expected 'chunks' or 'least-loaded'")
    tile = np.empty(g.actors, dtype=_I64)
    tile[seq] = free[slot]
    return tile


def order_binding(g: SDFGraph, order: np.ndarray, tiles: Sequence[int]) -> np.ndarray:
    """The binding `admit` makes (strategy "chunks"): the actors, in the order of their first
    appearance in `order` (from `record_order`), cut into len(tiles) contiguous runs of about
    equal load e q, run i on tiles[i]. int64 [A]. O(A + len(order))."""
    free = np.asarray(list(tiles), dtype=_I64).reshape(-1)
    if free.size == 0:
        raise ValueError("a binding needs at least one tile")
    _, first = np.unique(np.asarray(order, dtype=_I64), return_index=True)
    seq = np.asarray(order, dtype=_I64)[np.sort(first)]
    if seq.size != g.actors:
        raise ValueError(f"order lists {seq.size} of the {g.actors} actors")
    return _split_order(g, seq, sdf.repetition_vector(g), free, "chunks")


@dataclass(frozen=True, eq=False)
class DesignBinding:
    """The outcome of `design_binding`: the refinement of the better start, and both starts' periods."""

    refinement: Refinement
    start: str  # "greedy" or "order": the start the refinement began from
    greedy_period: Fraction | float  # list-scheduled period of SDF3's greedy binding
    order_period: Fraction | float | None  # that of the split of the self-timed order (None: not tried)
    seconds: float

    @property
    def tile(self) -> np.ndarray:
        return self.refinement.tile


def design_binding(g: SDFGraph, platform: Platform, *, tiles_available: Sequence[int] | None = None,
                   token_size: np.ndarray | None = None, rounds: int = 8,
                   start: Literal["best", "greedy", "order"] = "best", order: np.ndarray | None = None,
                   comm_unit: CommUnit = "packet", **refine_options: Any) -> DesignBinding:
    """The design-time binding: a start, then `refine` rounds of improvement by throughput analysis.

    Starts: "greedy" is SDF3's criticality-ordered least-cost binding (`bind`); "order" is the split
    of a self-timed execution order into contiguous runs of equal load (`order_binding`, the
    binding run-time admission makes; `order` defaults to `record_order(g)`); "best" (default)
    evaluates both (list schedule + analysis) and refines the one of smaller period (ties:
    greedy). Why both: the greedy heuristic weighs communication against load and may pile most
    actors onto few tiles, which single-actor moves repair only slowly (LeNet-5 on 2 tiles: 2960
    against 1808), while the split balances the load but ignores the interconnect; neither is
    better on every graph, and one more evaluation is cheap at design time. So the design-time
    flow is never worse than admission with the same order on the same tiles, before refinement
    even starts. Raises what `bind`, `record_order` and `refine` raise.
    """
    t0 = time.perf_counter()
    if start not in ("best", "greedy", "order"):
        raise ValueError(f"unknown start {start!r}: expected 'best', 'greedy' or 'order'")
    avail = list(range(platform.tiles)) if tiles_available is None else list(tiles_available)
    size = None if token_size is None else _int_vector("token_size", token_size, g.channels)
    starts: dict[str, np.ndarray] = {}
    if start in ("best", "greedy"):
        starts["greedy"] = bind(g, platform, tiles_available=avail, token_size=size)
    if start in ("best", "order"):
        starts["order"] = order_binding(g, record_order(g) if order is None else order, avail)
    evaluations = {name: _evaluate(g, platform, tile, size, comm_unit) for name, tile in starts.items()}
    periods = {name: res.period for name, (_, res) in evaluations.items()}
    chosen = min(periods, key=lambda name: (periods[name], name != "greedy"))
    ref = refine(g, platform, starts[chosen], token_size=size, rounds=rounds, tiles_available=avail,
                 comm_unit=comm_unit, evaluated=evaluations[chosen], **refine_options)
    return DesignBinding(ref, chosen, periods.get("greedy", math.nan), periods.get("order"),
                         time.perf_counter() - t0)


def admit(g: SDFGraph, order: np.ndarray, platform: Platform, free_tiles: Sequence[int],
          required: Fraction | float | None = None, *, token_size: np.ndarray | None = None,
          strategy: Literal["chunks", "least-loaded"] = "chunks",
          comm_unit: CommUnit = "packet") -> Admission:
    """Run-time admission (method.md section 8): bind to the free tiles, keep the recorded order, analyse.

    Binding: the actors in the order of their first appearance in `order` (from `record_order`)
    are cut into len(free_tiles) contiguous chunks of about equal processing load e q (an actor
    goes to the chunk in which its load starts), chunk i going to free_tiles[i].
    Why contiguous chunks: the recorded order follows the data (an actor fires after what it
    consumes), so neighbours in the order are mostly neighbours in the graph and land on one
    tile, which saves the comm actors of their channels; the load of every tile is within one
    actor's load of the balanced share, and the period is at least the largest tile load. List
    `free_tiles` in an order that keeps consecutive tiles close (e.g. a snake through the mesh).
    `strategy="least-loaded"` instead walks the order and puts each actor on the free tile with
    the least load so far (balances best, but spreads neighbours over tiles). Each tile's static
    order is `order` restricted to its actors, deadlock-free as `record_order` explains.

    Returns an Admission; admitted = throughput >= required (always True when required is None).
    Raises ValueError for an empty or invalid `free_tiles` or an `order` that does not list every
    actor q[a] times, and what `bound_throughput` raises. Cost: O(A log T + C) for binding and
    orders (a stable radix sort by tile), plus the throughput analysis of the bound model.
    """
    t0 = time.perf_counter()
    free = np.asarray(free_tiles, dtype=_I64).reshape(-1)
    if free.size == 0:
        raise ValueError("admission needs at least one free tile")
    if free.min() < 0 or free.max() >= platform.tiles or unique(free).size != free.size:
        raise ValueError(f"free_tiles must be distinct tiles of 0..{platform.tiles - 1}, got {free.tolist()}")
    order = np.asarray(order)
    if order.ndim != 1 or (order.size and order.dtype.kind not in "iu"):
        raise ValueError("order must be a one-dimensional array of actor indices")
    order = order.astype(_I64)
    if order.size and (order.min() < 0 or order.max() >= g.actors):
        raise ValueError(f"order holds indices outside 0..{g.actors - 1}")
    size = (np.ones(g.channels, dtype=_I64) if token_size is None
            else _checked_token_size(g, _int_vector("token_size", token_size, g.channels)))
    q = sdf.repetition_vector(g)
    if order.size == g.actors and np.all(q == 1):
        seq = order
        if np.bincount(order, minlength=g.actors).max() != 1:
            raise ValueError("order must list every actor q[a] times (it is not a permutation)")
    else:
        count = np.bincount(order, minlength=g.actors)
        bad = np.flatnonzero(count != q)
        if bad.size:
            a = int(bad[0])
            raise ValueError(f"order lists actor {g.names[a]!r} {int(count[a])} time(s), but it fires {int(q[a])} "
                             "time(s) per iteration")
        _, first = np.unique(order, return_index=True)
        seq = order[np.sort(first)]
    tile = _split_order(g, seq, q, free, strategy)
    where = tile[order]
    key = where.astype(np.int16 if platform.tiles < 2**15 else _I64)
    perm = np.argsort(key, kind="stable")
    counts = np.bincount(where, minlength=platform.tiles)
    orders = tuple(np.split(order[perm], np.cumsum(counts)[:-1]))
    # valid by construction: tiles from free_tiles, each tile's order its actors q[a] times, buffers unbounded
    unbounded = np.full(g.channels, -1, dtype=_I64)
    checked = _Checked(tile, size, unbounded, unbounded, orders, q)
    t1 = time.perf_counter()
    res = _bound_throughput(g, platform, checked, "self-timed", comm_unit, "auto")
    admitted = True if required is None else bool(res.throughput >= required)
    return Admission(tile, orders, res.period, res.throughput, admitted, time.perf_counter() - t0, res, t1 - t0)


# ------------------------------------------------------------------------------ independent simulation


def simulate_bound(g: SDFGraph, platform: Platform, mapping: Mapping, *, comm_unit: CommUnit = "packet",
                   max_events: int = 1_000_000) -> Fraction:
    """Period of the mapped, scheduled application by event simulation (no `resource_graph`).

    The test oracle for `bound_throughput`. State: per channel inside a tile its tokens and free
    space; per channel crossing tiles the tokens ready to send in the source's output buffer,
    packets still waiting for the TDMA slice, the free output-buffer space, the tokens and free
    space of the destination's input buffer, and whether its connection is busy. A tile starts
    the next firing of its static order (cyclically) when it is free, the firing's inputs hold c
    tokens each and its outputs have p free places each (claimed at the start); it ends e later,
    producing p tokens per output (to the output buffer, after wheel - slice with TDMA) and
    freeing c places per input. A connection moves one packet (gcd(p, c, t) tokens, or 1 with
    `comm_unit="token"`) at a time when g tokens are ready and the input buffer has g free
    places (claimed at the start); it takes hops x hop_latency + ceil(g x token_size /
    bandwidth) and then frees the g places of the output buffer. Times are exact Fractions.

    The simulation runs until a state recurs (everything relative to the current time); the
    period is (time between the two) x max over actors of q[a] / (firings of a between them).
    Tokens must stay bounded for a state to recur: true when every channel lies on a cycle of
    the bound application (a strongly connected graph, actors sharing a tile, bounded buffers),
    and whenever the parts joined by a channel happen to run at the same rate; a source actor on
    a tile of its own that outruns its consumers makes tokens pile up, and no state recurs.
    Raises ValueError if the mapping has no orders (or is invalid), Deadlock when nothing can
    proceed or an actor stops firing, RuntimeError after `max_events` events. Cost:
    O(events x (A + C)).
    """
    if mapping.orders is None:
        raise ValueError("simulate_bound needs static orders (mapping.orders)")
    chk = _check_mapping(g, platform, mapping)
    a_n, c_n = g.actors, g.channels
    src, dst = g.src.tolist(), g.dst.tolist()
    p, c, t = g.production.tolist(), g.consumption.tolist(), g.tokens.tolist()
    tile = chk.tile.tolist()
    q = chk.q.tolist()
    cap, scap, size = chk.capacity.tolist(), chk.src_capacity.tolist(), chk.size.tolist()
    orders = [o.tolist() for o in chk.orders]
    exec_t = [Fraction(x) for x in g.exec_time.tolist()]
    cross = [tile[src[ch]] != tile[dst[ch]] for ch in range(c_n)]
    if comm_unit == "packet":
        pkt = [math.gcd(p[ch], c[ch], t[ch]) for ch in range(c_n)]
    elif comm_unit == "token":
        pkt = [1] * c_n
    else:
        raise ValueError(f"unknown comm_unit {comm_unit!r}")
    bw = platform.bandwidth
    lat = Fraction(platform.hop_latency)
    hops = platform.hops
    transfer = [Fraction(0)] * c_n
    for ch in range(c_n):
        if cross[ch]:
            spikes = pkt[ch] * size[ch]
            move = 0 if math.isinf(bw) else math.ceil(Fraction(spikes) / Fraction(bw))
            transfer[ch] = int(hops[tile[src[ch]], tile[dst[ch]]]) * lat + move
    tdma = platform.tdma_wheel is not None
    wait = Fraction(platform.tdma_wheel) - Fraction(platform.tdma_slice) if tdma else Fraction(0)
    ins = [[] for _ in range(a_n)]
    outs = [[] for _ in range(a_n)]
    for ch in range(c_n):
        outs[src[ch]].append(ch)
        ins[dst[ch]].append(ch)
    # channel state
    inbuf = list(t)  # tokens the consumer can use (local: the channel's tokens)
    in_space = [cap[ch] - t[ch] if cap[ch] >= 0 else None for ch in range(c_n)]
    ready = [0] * c_n  # crossing: tokens ready to send
    out_space = [scap[ch] if (cross[ch] and scap[ch] >= 0) else None for ch in range(c_n)]
    waiting: list[list[Fraction]] = [[] for _ in range(c_n)]  # crossing with TDMA: ready times of packets
    link_end: list[Fraction | None] = [None] * c_n
    # tile state
    n_t = platform.tiles
    pos = [0] * n_t
    tile_end: list[Fraction | None] = [None] * n_t
    tile_actor = [-1] * n_t
    started = [0] * a_n
    now = Fraction(0)
    events = 0
    seen: dict[tuple, tuple[Fraction, tuple]] = {}

    def can_fire(a: int) -> bool:
        for ch in ins[a]:
            if inbuf[ch] < c[ch]:
                return False
        for ch in outs[a]:
            space = out_space[ch] if cross[ch] else in_space[ch]
            if space is not None and space < p[ch]:
                return False
        return True

    while True:
        changed = True
        while changed:
            changed = False
            for T in range(n_t):  # tile firings ending now
                if tile_end[T] is not None and tile_end[T] == now:
                    a = tile_actor[T]
                    tile_end[T], tile_actor[T] = None, -1
                    for ch in outs[a]:
                        if not cross[ch]:
                            inbuf[ch] += p[ch]
                        elif tdma:
                            waiting[ch].extend([now + wait] * (p[ch] // pkt[ch]))
                        else:
                            ready[ch] += p[ch]
                    for ch in ins[a]:
                        if in_space[ch] is not None:
                            in_space[ch] += c[ch]
                    changed = True
            for ch in range(c_n):
                if not cross[ch]:
                    continue
                if link_end[ch] is not None and link_end[ch] == now:  # transfer ends
                    link_end[ch] = None
                    inbuf[ch] += pkt[ch]
                    if out_space[ch] is not None:
                        out_space[ch] += pkt[ch]
                    changed = True
                if waiting[ch] and min(waiting[ch]) <= now:
                    due = [x for x in waiting[ch] if x <= now]
                    waiting[ch] = [x for x in waiting[ch] if x > now]
                    ready[ch] += len(due) * pkt[ch]
                    changed = True
                if link_end[ch] is None and ready[ch] >= pkt[ch] and (in_space[ch] is None or
                                                                        in_space[ch] >= pkt[ch]):
                    ready[ch] -= pkt[ch]
                    if in_space[ch] is not None:
                        in_space[ch] -= pkt[ch]
                    link_end[ch] = now + transfer[ch]
                    events += 1
                    changed = True
            for T in range(n_t):
                if tile_end[T] is None and orders[T]:
                    a = orders[T][pos[T]]
                    if can_fire(a):
                        for ch in ins[a]:
                            inbuf[ch] -= c[ch]
                        for ch in outs[a]:
                            if cross[ch]:
                                if out_space[ch] is not None:
                                    out_space[ch] -= p[ch]
                            elif in_space[ch] is not None:
                                in_space[ch] -= p[ch]
                        pos[T] = (pos[T] + 1) % len(orders[T])
                        tile_end[T], tile_actor[T] = now + exec_t[a], a
                        started[a] += 1
                        events += 1
                        changed = True
            if events > max_events:
                raise RuntimeError(f"simulate_bound: no recurrent state within {max_events} events (tokens pile up "
                                   "without bound when a part of the graph outruns what it feeds: bound the buffers "
                                   "or make every channel lie on a cycle)")
        state = (tuple(inbuf), tuple(in_space), tuple(ready), tuple(out_space),
                 tuple(tuple(sorted(x - now for x in w)) for w in waiting),
                 tuple(-1 if x is None else x - now for x in link_end), tuple(pos),
                 tuple(-1 if x is None else x - now for x in tile_end), tuple(tile_actor))
        if state in seen:
            t0, counts0 = seen[state]
            fired = [n - n0 for n, n0 in zip(started, counts0)]
            if min(fired) == 0:
                idle = [g.names[a] for a in range(a_n) if fired[a] == 0]
                raise Deadlock(f"the mapped application stops firing actor(s) {', '.join(idle[:10])}", (), (),
                               [a for a in range(a_n) if fired[a] == 0])
            return (now - t0) * max(Fraction(qa, n) for qa, n in zip(q, fired))
        seen[state] = (now, tuple(started))
        pending = [x for x in tile_end + link_end if x is not None] + [x for w in waiting for x in w]
        if not pending:
            blocked = [orders[T][pos[T]] for T in range(n_t) if orders[T]]
            raise Deadlock(f"the mapped application deadlocks at time {now}: next in order "
                           f"{', '.join(g.names[a] for a in blocked[:10])} cannot start", (), (), blocked)
        now = min(pending)
