"""Synchronous dataflow (SDF) analysis: consistency, deadlock and throughput, with no IR.

    import numpy as np
    from snnir.algorithms.sdf import SDFGraph, throughput

    g = SDFGraph(names=("a", "b"), exec_time=np.array([16, 16]),
                 src=np.array([0, 1, 0, 1]), dst=np.array([1, 0, 0, 1]),       # a -> b, b -> a, self-loops
                 production=np.array([40, 40, 1, 1]), consumption=np.array([40, 40, 1, 1]),
                 tokens=np.array([40, 40, 1, 1]))
    t = throughput(g)            # t.period == Fraction(16); t.critical_actors, t.critical_channels
    throughput(g, "sdf3")        # SDF3's `throughput` conventions (per strongly connected component)

Model. Actors a with execution times e(a) >= 0; channels src -> dst with production rate p,
consumption rate c (both > 0) and t >= 0 initial tokens. A firing takes c tokens from every input
channel when it starts and puts p tokens on every output channel when it ends, e(a) later. Tokens
are FIFO per channel. Self-timed execution: every actor fires as soon as its inputs hold enough
tokens; an actor may overlap with itself (unlimited auto-concurrency) unless a self-loop channel
with one token serialises it.

Consistency and iterations. The balance equations p * q[src] = c * q[dst] have a positive integer
solution iff the rates agree around every cycle of the undirected graph; `repetition_vector` gives
the smallest one per weakly connected component. One iteration fires every actor q[a] times and
returns every channel to its initial token count; `check_deadlock` runs one iteration untimed.

Throughput by max-plus algebra. The production times x(k) of the D initial tokens of iteration k
satisfy x(k + 1) = M (x) x(k), M a D x D max-plus matrix built by a symbolic execution of one
iteration (`iteration_matrix`). The period (time per iteration) is the largest cycle mean of M,
its max-plus eigenvalue, computed by Howard's policy iteration (`snnir.algorithms.maxplus`). The
critical cycle of M (over tokens) maps back to a cycle of channels and actors of the graph.

Spikes and packets. A channel whose p, c and t share a divisor g behaves exactly like (p/g, c/g,
t/g): see `normalised`. In an SNN graph every channel has p = c = t = s (its spike count), i.e.
one token after normalisation, so D and the analysis time do not depend on the spike counts
(`homogeneous_channels` says which channels are of this kind).

Costs (A actors, C channels, D tokens after normalisation). Validation, `normalised`,
`homogeneous_channels` and `unbounded_actors` are O(A + C) vectorised numpy (scipy.sparse.csgraph).
`repetition_vector` is O(A + C log C): O(C) when every channel has p = c, otherwise one exact
Fraction product per actor (plus one Python pass over the channels to blame one if inconsistent). The homogeneous case (all channels (1, 1, k) after normalisation, q all
1: SNN graphs) is vectorised level by level over the zero-token subgraph, O(N log N) for the
N = sum over actors of in-degree x out-degree non-zeros of M; multirate graphs take one Python
firing per entry of q with sparse token vectors. The eigenvalue costs whatever Howard's iteration
costs on M (near-linear in its non-zeros in practice).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Callable, Literal, Sequence

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from snnir.algorithms.maxplus import CycleMean, MaxPlusMatrix

__all__ = [
    "Deadlock",
    "InconsistentGraph",
    "SDFError",
    "SDFGraph",
    "Throughput",
    "TokenMap",
    "UnboundedActors",
    "check_deadlock",
    "homogeneous_channels",
    "iteration_matrix",
    "normalised",
    "repetition_vector",
    "self_timed_period",
    "throughput",
    "unbounded_actors",
]

_I64 = np.int64
_F64 = np.float64
_EXACT_LIMIT = 2**53  # integers up to here are exact in float64
_NAMES_SHOWN = 10  # actors or channels named in one message before "and N more"

Semantics = Literal["self-timed", "sdf3"]


# ------------------------------------------------------------------------------ data


@dataclass(frozen=True, eq=False)
class SDFGraph:
    """Actors and channels as arrays (one row per actor / channel).

    `exec_time` keeps an integer dtype (int64) or becomes float64; every index and rate array
    becomes a read-only int64 copy. Raises ValueError, naming the first offending actor or
    channel, for wrong shapes, non-integer indices or rates, indices out of range, rates <= 0,
    tokens < 0, negative or non-finite execution times, or no actors. O(A + C).
    """

    names: tuple[str, ...]  # actor names
    exec_time: np.ndarray  # int64 or float64 [A], >= 0
    src: np.ndarray  # int64 [C]
    dst: np.ndarray  # int64 [C]
    production: np.ndarray  # int64 [C], > 0
    consumption: np.ndarray  # int64 [C], > 0
    tokens: np.ndarray  # int64 [C], >= 0
    channel_names: tuple[str, ...] | None = None  # optional, for messages

    def __post_init__(self) -> None:
        names = tuple(str(n) for n in self.names)
        if not names:
            raise ValueError("an SDF graph needs at least one actor")
        a = len(names)
        src = _int_array("src", self.src)
        c = src.size
        arrays = {"src": src}
        for field in ("dst", "production", "consumption", "tokens"):
            arrays[field] = _int_array(field, getattr(self, field), c)
        for field in ("src", "dst"):
            _check_range(field, arrays[field], a)
        _check_min("production", arrays["production"], 1)
        _check_min("consumption", arrays["consumption"], 1)
        _check_min("tokens", arrays["tokens"], 0)
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "exec_time", _exec_array(self.exec_time, a))
        for field, arr in arrays.items():
            object.__setattr__(self, field, arr)
        if self.channel_names is not None:
            cn = tuple(str(n) for n in self.channel_names)
            if len(cn) != c:
                raise ValueError(f"{len(cn)} channel names for {c} channels")
            object.__setattr__(self, "channel_names", cn)

    @classmethod
    def trusted(cls, names: tuple[str, ...], exec_time: np.ndarray, src: np.ndarray, dst: np.ndarray,
                production: np.ndarray, consumption: np.ndarray, tokens: np.ndarray,
                channel_names: tuple[str, ...] | None = None) -> "SDFGraph":
        """A graph from arrays already valid (int64 indices and rates in range, a tuple of str
        names), without the O(A + C) checks: for graphs derived inside the library from a graph
        that passed them (resource models, normalisation), where the checks cost as much as the
        analysis of a small model."""
        g = object.__new__(cls)
        for name, value in (("names", names), ("exec_time", exec_time), ("src", src), ("dst", dst),
                            ("production", production), ("consumption", consumption), ("tokens", tokens),
                            ("channel_names", channel_names)):
            object.__setattr__(g, name, value)
        return g

    @property
    def actors(self) -> int:
        """Number of actors A."""
        return len(self.names)

    @property
    def channels(self) -> int:
        """Number of channels C."""
        return int(self.src.size)

    def channel_label(self, ch: int) -> str:
        """`'name' (a -> b)`, or `#ch (a -> b)` when unnamed: how messages name a channel."""
        name = self.channel_names[ch] if self.channel_names is not None else ""
        tag = repr(name) if name else f"#{ch}"
        return f"{tag} ({self.names[self.src[ch]]} -> {self.names[self.dst[ch]]})"


def _int_array(what: str, x, size: int | None = None) -> np.ndarray:
    """A read-only int64 copy of a one-dimensional integer array (of `size` entries if given)."""
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise ValueError(f"{what} must be one-dimensional, got shape {arr.shape}")
    if size is not None and arr.size != size:
        raise ValueError(f"{what} has {arr.size} entries but there are {size} channels")
    if arr.size and arr.dtype.kind not in "iu":
        raise ValueError(f"{what} must hold integers, got dtype {arr.dtype}")
    if arr.dtype.kind == "u" and arr.size and int(arr.max()) > np.iinfo(_I64).max:
        raise ValueError(f"{what} holds values beyond int64")
    out = arr.astype(_I64)  # a copy: the graph owns its arrays
    out.flags.writeable = False
    return out


def _check_range(what: str, arr: np.ndarray, a: int) -> None:
    """ValueError for the first channel whose actor index is outside 0..a-1."""
    bad = np.flatnonzero((arr < 0) | (arr >= a))
    if bad.size:
        ch = int(bad[0])
        raise ValueError(f"channel {ch}: {what} {int(arr[ch])} is not an actor index (0..{a - 1})")


def _check_min(what: str, arr: np.ndarray, low: int) -> None:
    """ValueError for the first channel whose value is below `low`."""
    bad = np.flatnonzero(arr < low)
    if bad.size:
        ch = int(bad[0])
        op = "> 0" if low == 1 else ">= 0"
        raise ValueError(f"channel {ch}: {what} must be {op}, got {int(arr[ch])}")


def _exec_array(x, a: int) -> np.ndarray:
    """A read-only int64 or float64 copy of the execution times; ValueError if any is < 0 or not finite."""
    arr = np.asarray(x)
    if arr.shape != (a,):
        raise ValueError(f"exec_time has shape {arr.shape}, expected ({a},) (one per actor)")
    if arr.dtype.kind in "iu":
        out = arr.astype(_I64)
    elif arr.dtype.kind == "f":
        out = arr.astype(_F64)
        bad = np.flatnonzero(~np.isfinite(out))
        if bad.size:
            raise ValueError(f"actor {int(bad[0])}: exec_time must be finite, got {out[bad[0]]}")
    else:
        raise ValueError(f"exec_time must hold numbers, got dtype {arr.dtype}")
    bad = np.flatnonzero(out < 0)
    if bad.size:
        raise ValueError(f"actor {int(bad[0])}: exec_time must be >= 0, got {out[bad[0]]}")
    out.flags.writeable = False
    return out


# ------------------------------------------------------------------------------ errors


class SDFError(ValueError):
    """An SDF graph cannot be analysed; `actors` and `channels` are the indices concerned."""

    def __init__(self, message: str, actors: Sequence[int] = (), channels: Sequence[int] = ()) -> None:
        super().__init__(message)
        self.actors = tuple(int(a) for a in actors)
        self.channels = tuple(int(c) for c in channels)


class InconsistentGraph(SDFError):
    """No repetition vector: `channels` = (the conflicting channel,), `actors` = (its src, its dst).

    The channel blamed is the first, in index order, whose rates contradict the channels before it.
    """


class Deadlock(SDFError):
    """One iteration cannot complete.

    `actors` and `channels` form a cycle (channels[k] goes actors[k] -> actors[k+1], cyclically)
    in which every actor waits for tokens on its channel from the previous one; `blocked` holds
    every actor that cannot complete its firings (the cycle and what waits on it).
    """

    def __init__(self, message: str, actors: Sequence[int] = (), channels: Sequence[int] = (),
                 blocked: Sequence[int] = ()) -> None:
        super().__init__(message, actors, channels)
        self.blocked = tuple(int(a) for a in blocked)


class UnboundedActors(SDFError):
    """Actors downstream of no cycle fire arbitrarily often, so no finite period exists."""


def _actor_list(g: SDFGraph, actors: Sequence[int]) -> str:
    """Actor names for a message, the first few then "and N more"."""
    shown = ", ".join(g.names[a] for a in list(actors)[:_NAMES_SHOWN])
    more = len(actors) - _NAMES_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def _cycle_text(g: SDFGraph, actors: Sequence[int]) -> str:
    """`a -> b -> a` for the cycle through `actors`."""
    return " -> ".join(g.names[a] for a in list(actors) + [actors[0]])


# ------------------------------------------------------------------------------ helpers


def _ragged(start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """The concatenated ranges start[i] .. start[i] + length[i] - 1, vectorised. O(total)."""
    total = int(length.sum()) if length.size else 0
    if total == 0:
        return np.zeros(0, dtype=_I64)
    ends = np.cumsum(length)
    return np.repeat(start - (ends - length), length) + np.arange(total, dtype=_I64)


def _csr(keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(ptr [n+1], order): items grouped by key (stable), as a CSR over 0..n-1. O(m log m)."""
    order = np.argsort(keys, kind="stable").astype(_I64)
    ptr = np.zeros(n + 1, dtype=_I64)
    np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    return ptr, order


def _integral(g: SDFGraph) -> bool:
    """Whether every execution time is an integer (exact Fractions are then returned)."""
    e = g.exec_time
    if e.dtype.kind == "i":
        return True
    return bool(np.all(np.floor(e) == e) and (e.size == 0 or e.max() < _EXACT_LIMIT))


def _as_time(x: float, exact: bool) -> Fraction | float:
    """A time as returned to the caller: a Fraction when execution times are integers."""
    return Fraction(int(round(x))) if exact else float(x)


def _check_q(g: SDFGraph, q: np.ndarray | None) -> np.ndarray:
    """`q` as int64 [A] (the repetition vector if None); ValueError unless A positive integers."""
    if q is None:
        return repetition_vector(g)
    q = np.asarray(q)
    if q.shape != (g.actors,) or (q.size and (q.dtype.kind not in "iu" or q.min() < 1)):
        raise ValueError(f"q must be {g.actors} positive integers (a repetition vector), got {q!r}")
    return q.astype(_I64)


def _strong_components(g: SDFGraph) -> tuple[int, np.ndarray]:
    """(count, label int64 [A]) of the strongly connected components, by scipy. O(A + C)."""
    adj = sp.csr_matrix((np.ones(g.channels), (g.src, g.dst)), shape=(g.actors, g.actors))
    n, labels = csgraph.connected_components(adj, directed=True, connection="strong")
    return int(n), labels.astype(_I64)


# ------------------------------------------------------------------------------ consistency


def repetition_vector(g: SDFGraph) -> np.ndarray:
    """The smallest positive integer q with p * q[src] == c * q[dst] on every channel, int64 [A].

    Each weakly connected component is scaled to its own smallest integers. When every channel
    has p == c the answer is all ones (O(C)); otherwise the ratios are propagated exactly (Python
    Fractions) along a breadth-first spanning forest and every channel is checked afterwards.
    O(A + C log C). Raises InconsistentGraph naming the first channel, in index order, whose
    rates contradict the channels before it, with the cycle it closes (or a self-loop with
    p != c), and OverflowError if an entry exceeds int64.
    """
    a = g.actors
    if np.array_equal(g.production, g.consumption):
        return np.ones(a, dtype=_I64)
    pred, tree_ch, order, comp = _spanning_forest(g)
    ratio_num, ratio_den = _tree_ratios(g, pred, tree_ch)
    q = _propagate(order, pred, ratio_num, ratio_den, comp, a)
    _check_balance(g, q)
    if max(q) > np.iinfo(_I64).max:
        raise OverflowError("a repetition vector entry exceeds int64")
    return np.array(q, dtype=_I64)


def _spanning_forest(g: SDFGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Breadth-first spanning forest of the undirected graph: (pred, tree channel, order, component).

    A virtual root (index A) is joined to the first actor of every weakly connected component so
    one csgraph search covers the forest; pred = -1 and tree channel = -1 at component roots.
    """
    a = g.actors
    adj = sp.csr_matrix((np.ones(g.channels), (g.src, g.dst)), shape=(a, a))
    _, comp = csgraph.connected_components(adj, directed=False)
    _, roots = np.unique(comp, return_index=True)
    rows = np.concatenate([g.src, g.dst, np.full(roots.size, a)])
    cols = np.concatenate([g.dst, g.src, roots])
    big = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(a + 1, a + 1))
    order, pred = csgraph.breadth_first_order(big, a, directed=True, return_predecessors=True)
    order = order[1:].astype(_I64)
    pred = pred[:a].astype(_I64)
    pred[pred == a] = -1
    tree_ch = _find_channels(g, pred)
    return pred, tree_ch, order, comp.astype(_I64)


def _find_channels(g: SDFGraph, pred: np.ndarray) -> np.ndarray:
    """For every v with pred[v] >= 0, one channel joining pred[v] and v (either direction), else -1."""
    a = g.actors
    key = g.src * a + g.dst
    order = np.argsort(key, kind="stable")
    skey = key[order]
    v = np.flatnonzero(pred >= 0)
    out = np.full(a, -1, dtype=_I64)
    if not skey.size:
        return out
    for want in (pred[v] * a + v, v * a + pred[v]):
        pos = np.minimum(np.searchsorted(skey, want), skey.size - 1)
        hit = (skey[pos] == want) & (out[v] < 0)
        out[v[hit]] = order[pos[hit]]
    return out


def _tree_ratios(g: SDFGraph, pred: np.ndarray, tree_ch: np.ndarray) -> tuple[list[int], list[int]]:
    """q[v] / q[pred[v]] as (numerator, denominator) lists, from the tree channel's rates."""
    a = g.actors
    num = np.ones(a, dtype=_I64)
    den = np.ones(a, dtype=_I64)
    v = np.flatnonzero(tree_ch >= 0)
    ch = tree_ch[v]
    forward = g.src[ch] == pred[v]  # pred -> v: p q[pred] = c q[v]  =>  q[v] = q[pred] p / c
    num[v] = np.where(forward, g.production[ch], g.consumption[ch])
    den[v] = np.where(forward, g.consumption[ch], g.production[ch])
    return num.tolist(), den.tolist()


def _propagate(order: np.ndarray, pred: np.ndarray, num: list[int], den: list[int], comp: np.ndarray,
               a: int) -> list[int]:
    """Exact ratios down the forest, then each component scaled to its smallest integers."""
    q: list[Fraction] = [Fraction(1)] * a
    pr = pred.tolist()
    for v in order.tolist():
        u = pr[v]
        if u >= 0:
            q[v] = q[u] * num[v] / den[v]
    cm = comp.tolist()
    n_comp = max(cm) + 1
    lcm = [1] * n_comp
    for v in range(a):
        lcm[cm[v]] = math.lcm(lcm[cm[v]], q[v].denominator)
    ints = [int(q[v] * lcm[cm[v]]) for v in range(a)]
    div = [0] * n_comp
    for v in range(a):
        div[cm[v]] = math.gcd(div[cm[v]], ints[v])
    return [ints[v] // div[cm[v]] for v in range(a)]


def _check_balance(g: SDFGraph, q: list[int]) -> None:
    """InconsistentGraph if some channel has p q[src] != c q[dst] (int64, or Python ints if large)."""
    if max(q) * max(int(g.production.max()), int(g.consumption.max())) < 2**62:
        qa = np.array(q, dtype=_I64)
        ok = bool(np.all(g.production * qa[g.src] == g.consumption * qa[g.dst]))
    else:
        p, c, s, d = (x.tolist() for x in (g.production, g.consumption, g.src, g.dst))
        ok = all(p[i] * q[s[i]] == c[i] * q[d[i]] for i in range(len(p)))
    if not ok:
        raise _inconsistent(g)


def _first_conflict(g: SDFGraph) -> tuple[int, Fraction]:
    """The first channel, in index order, whose rates contradict the channels before it.

    Union-find with exact ratios (ratio[v] = q[v] / q[parent[v]]), one Python step per channel:
    only run once an inconsistency is known. Returns (channel, q[src] / q[dst] as fixed by the
    earlier channels).
    """
    parent = list(range(g.actors))
    ratio = [Fraction(1)] * g.actors

    def find(v: int) -> tuple[int, Fraction]:
        path = []
        while parent[v] != v:
            path.append(v)
            v = parent[v]
        acc = Fraction(1)
        for u in reversed(path):  # compress: every node on the path now points at the root
            acc *= ratio[u]
            ratio[u], parent[u] = acc, v
        return v, (ratio[path[0]] if path else Fraction(1))

    p, c = g.production.tolist(), g.consumption.tolist()
    for ch, (s, d) in enumerate(zip(g.src.tolist(), g.dst.tolist())):
        (rs_root, rs), (rd_root, rd) = find(s), find(d)
        if rs_root == rd_root:
            if p[ch] * rs != c[ch] * rd:
                return ch, rs / rd
        else:  # p q[s] = c q[d]  =>  q[rd_root] = q[rs_root] rs p / (c rd)
            parent[rd_root] = rs_root
            ratio[rd_root] = rs * p[ch] / (c[ch] * rd)
    raise AssertionError("no conflicting channel in an inconsistent graph")


def _inconsistent(g: SDFGraph) -> InconsistentGraph:
    """The error naming the first channel (index order) that conflicts, and the cycle it closes."""
    ch, fixed = _first_conflict(g)
    s, d = int(g.src[ch]), int(g.dst[ch])
    p, c = int(g.production[ch]), int(g.consumption[ch])
    label = g.channel_label(ch)
    if s == d:
        return InconsistentGraph(f"inconsistent rates: self-loop {label} produces {p} but consumes {c} "
                                 "tokens per firing, so its token count cannot return", (s, d), (ch,))
    before = SDFGraph(g.names, g.exec_time, g.src[:ch], g.dst[:ch], g.production[:ch], g.consumption[:ch],
                      g.tokens[:ch], None if g.channel_names is None else g.channel_names[:ch])
    pred, tree_ch, _, _ = _spanning_forest(before)
    path = _tree_path(pred, s, d)
    via = [before.channel_label(int(tree_ch[v])) for v in _tree_path_children(pred, path)]
    return InconsistentGraph(
        f"inconsistent rates: channel {label} (production {p}, consumption {c}) conflicts with the "
        f"channels before it on the cycle {' - '.join(g.names[v] for v in path)} - {g.names[s]} "
        f"(through {', '.join(via)}): they fix firings {g.names[s]} : {g.names[d]} = {fixed.numerator} : "
        f"{fixed.denominator}, which needs production : consumption = {fixed.denominator} : {fixed.numerator}",
        (s, d), (ch,))


def _tree_path(pred: np.ndarray, s: int, d: int) -> list[int]:
    """Actors on the spanning-tree path from s to d (same component)."""
    up_s = [s]
    while pred[up_s[-1]] >= 0:
        up_s.append(int(pred[up_s[-1]]))
    on_s = {v: i for i, v in enumerate(up_s)}
    up_d = [d]
    while up_d[-1] not in on_s:
        up_d.append(int(pred[up_d[-1]]))
    return up_s[: on_s[up_d[-1]] + 1] + up_d[-2::-1]


def _tree_path_children(pred: np.ndarray, path: list[int]) -> list[int]:
    """For each tree edge of `path`, its child end (whose tree channel is that edge)."""
    return [v if pred[v] == u else u for u, v in zip(path, path[1:])]


# ------------------------------------------------------------------------------ normalisation


def _packet(g: SDFGraph) -> np.ndarray:
    """int64 [C]: gcd(p, c, t) of every channel, the tokens one normalised token stands for."""
    return np.gcd(np.gcd(g.production, g.consumption), g.tokens)


def normalised(g: SDFGraph) -> SDFGraph:
    """Every channel (p, c, t) divided by gcd(p, c, t); the same graph object if all gcds are 1.

    Exact: the token count of a channel starts at t and changes by +p and -c only, so it is
    always a multiple of g = gcd(p, c, t), and "n >= c tokens" iff "n/g >= c/g". Every firing
    therefore happens at the same time in both graphs; and the g tokens of each packet are
    produced by one firing (or are initial) and consumed by one firing, so tracking a packet as
    one token loses nothing: the max-plus matrices of the two graphs have the same cycle means.
    The repetition vector is unchanged (p/c is). Vectorised, O(C).
    """
    d = _packet(g)
    if np.all(d == 1):
        return g
    return SDFGraph.trusted(g.names, g.exec_time, g.src, g.dst, g.production // d, g.consumption // d, g.tokens // d,
                            g.channel_names)


def homogeneous_channels(g: SDFGraph) -> np.ndarray:
    """bool [C]: channels that are (1, 1, k) after normalisation, i.e. p == c and p divides t.

    An SNN channel with p = c = t = spike count is one; its analysis cost does not depend on the
    spike count. Vectorised, O(C).
    """
    return (g.production == g.consumption) & (g.tokens % g.production == 0)


def _unit_iteration(h: SDFGraph, q: np.ndarray) -> bool:
    """Whether the (normalised) graph takes the homogeneous fast paths: all rates 1, q all 1."""
    return bool(np.all(h.production == 1) and np.all(h.consumption == 1) and np.all(q == 1))


# ------------------------------------------------------------------------------ deadlock


def check_deadlock(g: SDFGraph, q: np.ndarray | None = None) -> None:
    """Raise Deadlock if one iteration (q[a] firings of every actor a) cannot complete untimed.

    `q` defaults to `repetition_vector(g)`. Fast path (all channels (1, 1, k) after
    normalisation, q all 1): deadlock iff the channels without tokens contain a cycle, found by
    vectorised Kahn levels in O(A + C log C). Otherwise a worklist fires each enabled actor as
    often as its tokens allow (Python ints), O(sum(q) x degree) at worst. The error names a cycle
    of actors each waiting for tokens on its channel from the previous one, and every blocked
    actor (`Deadlock.blocked`).
    """
    q = _check_q(g, q)
    h = normalised(g)
    if _unit_iteration(h, q):
        zero = h.tokens == 0
        _, rest = _levels(h.actors, h.src[zero], h.dst[zero])
        if rest.size:
            blocked = np.zeros(h.actors, dtype=bool)
            blocked[rest] = True
            raise _deadlock(g, blocked, zero, [0] * h.channels)
        return
    remaining, held = _untimed_iteration(h, q)
    if any(remaining):
        starving = np.array([n < c for n, c in zip(held, h.consumption.tolist())], dtype=bool)
        packet = _packet(g).tolist()
        raise _deadlock(g, np.array(remaining) > 0, starving, [n * k for n, k in zip(held, packet)])


def _levels(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Topological levels of the graph (src -> dst) over 0..n-1, by Kahn's algorithm per level.

    Level 0 holds the nodes without in-edges, level k those whose in-edges all come from levels
    < k. Returns (levels, rest): `rest` are the nodes on or downstream of a cycle. Vectorised per
    level, O(n + m log m) in all.
    """
    ptr, order = _csr(src, n)
    tgt = dst[order]
    indeg = np.bincount(dst, minlength=n).astype(_I64)
    frontier = np.flatnonzero(indeg == 0)
    levels: list[np.ndarray] = []
    placed = np.zeros(n, dtype=bool)
    while frontier.size:
        levels.append(frontier)
        placed[frontier] = True
        out = tgt[_ragged(ptr[frontier], ptr[frontier + 1] - ptr[frontier])]
        if not out.size:
            break
        u, cnt = np.unique(out, return_counts=True)
        indeg[u] -= cnt
        frontier = u[indeg[u] == 0]
    return levels, np.flatnonzero(~placed)


def _adjacency_lists(g: SDFGraph) -> tuple[list[list[int]], list[list[int]]]:
    """(inputs, outputs): the channel indices into and out of every actor, as Python lists."""
    ins: list[list[int]] = [[] for _ in range(g.actors)]
    outs: list[list[int]] = [[] for _ in range(g.actors)]
    for ch, (s, d) in enumerate(zip(g.src.tolist(), g.dst.tolist())):
        outs[s].append(ch)
        ins[d].append(ch)
    return ins, outs


def _untimed_iteration(h: SDFGraph, q: np.ndarray) -> tuple[list[int], list[int]]:
    """Fire every actor up to q[a] times, as far as tokens allow: (firings left, tokens held)."""
    ins, outs = _adjacency_lists(h)
    p, c, dst = h.production.tolist(), h.consumption.tolist(), h.dst.tolist()
    held = h.tokens.tolist()
    remaining = [int(x) for x in q]
    queued = [True] * h.actors
    work = deque(range(h.actors))
    while work:
        a = work.popleft()
        queued[a] = False
        k = remaining[a]
        for ch in ins[a]:
            k = min(k, held[ch] // c[ch])
        if k == 0:
            continue
        remaining[a] -= k
        for ch in ins[a]:
            held[ch] -= k * c[ch]
        for ch in outs[a]:
            held[ch] += k * p[ch]
            b = dst[ch]
            if remaining[b] and not queued[b]:
                queued[b] = True
                work.append(b)
    return remaining, held


def _deadlock(g: SDFGraph, blocked: np.ndarray, starving: np.ndarray, held: Sequence[int]) -> Deadlock:
    """A Deadlock naming a wait-for cycle among the blocked actors.

    Every blocked actor waits on some input channel without enough tokens whose source is blocked
    too (had the source completed its q firings, the channel would hold enough for all of the
    consumer's), so following one such channel per actor backwards must close a cycle.
    """
    wait = np.flatnonzero(starving & blocked[g.src] & blocked[g.dst])
    consumers, first = np.unique(g.dst[wait], return_index=True)
    via = np.full(g.actors, -1, dtype=_I64)
    via[consumers] = wait[first]
    stuck = np.flatnonzero(blocked)
    a = int(stuck[0])
    seen: dict[int, int] = {}
    path: list[int] = []
    while a not in seen and via[a] >= 0:
        seen[a] = len(path)
        path.append(a)
        a = int(g.src[via[a]])
    if a not in seen:  # not reached for consistent graphs; report the blocked actors only
        return Deadlock(f"deadlock: actors {_actor_list(g, stuck.tolist())} cannot complete one iteration",
                        (), (), stuck.tolist())
    actors = path[seen[a]:][::-1]
    low = actors.index(min(actors))  # deterministic: start at the lowest actor index
    actors = actors[low:] + actors[:low]
    chans = [int(via[actors[(k + 1) % len(actors)]]) for k in range(len(actors))]
    lacking = "; ".join(f"{g.channel_label(ch)} holds {held[ch]} token(s), its consumer needs "
                        f"{int(g.consumption[ch])}" for ch in chans[:_NAMES_SHOWN])
    return Deadlock(f"deadlock: {stuck.size} actor(s) ({_actor_list(g, stuck.tolist())}) cannot complete one "
                    f"iteration: on the cycle {_cycle_text(g, actors)} every actor waits for the previous one "
                    f"({lacking})", actors, chans, stuck.tolist())


# ------------------------------------------------------------------------------ unbounded actors


def _unreached(g: SDFGraph, seeds: np.ndarray) -> np.ndarray:
    """int64 [k]: the actors no path from `seeds` reaches (the seeds themselves are reached),
    ascending: one breadth-first search from a virtual root joined to every seed. O(A + C)."""
    a = g.actors
    if not seeds.size:
        return np.arange(a, dtype=_I64)
    rows = np.concatenate([g.src, np.full(seeds.size, a)])
    cols = np.concatenate([g.dst, seeds])
    adj = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(a + 1, a + 1))
    reached = csgraph.breadth_first_order(adj, a, directed=True, return_predecessors=False)
    free = np.ones(a + 1, dtype=bool)
    free[reached] = False
    return np.flatnonzero(free[:a]).astype(_I64)


def unbounded_actors(g: SDFGraph) -> np.ndarray:
    """int64 [k]: the actors downstream of no cycle (a self-loop counts as a cycle), ascending.

    Nothing limits how often such an actor fires under self-timed execution, so no finite period
    exists. Strongly connected components and one breadth-first search from a virtual root
    joined to every actor on a cycle, with scipy.sparse.csgraph: O(A + C).
    """
    n_comp, lab = _strong_components(g)
    cyclic = np.bincount(lab, minlength=n_comp) > 1
    cyclic[lab[g.src[g.src == g.dst]]] = True
    return _unreached(g, np.flatnonzero(cyclic[lab]))


def instantaneous_actors(g: SDFGraph) -> np.ndarray:
    """int64 [k]: the actors that may fire without bound at one instant, ascending.

    An actor that takes time fires at most (its tokens / consumption) times at an instant, and so
    does every actor downstream of it (each firing consumes at least one token per input). What
    remains are actors of zero execution time with no path from an actor that takes time: in a
    graph without deadlock they fire a whole iteration at time 0, and again, forever. A
    self-timed run (e.g. recording an order) never leaves that instant. One breadth-first search
    from a virtual root joined to every actor that takes time: O(A + C).
    """
    zero = g.exec_time == 0
    if not zero.any():
        return np.zeros(0, dtype=_I64)
    return _unreached(g, np.flatnonzero(~zero))


# ------------------------------------------------------------------------------ symbolic execution


@dataclass(frozen=True, eq=False)
class TokenMap:
    """Where the D tokens of an iteration matrix lie: token j is on channel `channel[j]`.

    Tokens are those of the normalised graph: one matrix token stands for `packet[ch]` tokens of
    channel ch (gcd of its p, c, t). `position` 0 is the next token the consumer takes (FIFO).
    """

    channel: np.ndarray  # int64 [D]
    position: np.ndarray  # int64 [D]
    packet: np.ndarray  # int64 [C]

    @property
    def offset(self) -> np.ndarray:
        """int64 [C+1]: the tokens of channel ch are offset[ch] .. offset[ch+1] - 1."""
        out = np.zeros(self.packet.size + 1, dtype=_I64)
        np.cumsum(np.bincount(self.channel, minlength=self.packet.size), out=out[1:])
        return out


@dataclass(frozen=True, eq=False)
class _Execution:
    """One symbolic iteration: the matrix plus what maps its critical cycle back to the graph."""

    matrix: MaxPlusMatrix
    tokens: TokenMap
    latency: float  # max finish time of the iteration's firings, every initial token there at time 0
    producer: np.ndarray  # int64 [D]: firing that produced each token of x(k+1); -1: an initial token moved up
    actor_of: np.ndarray  # int64 [F]: actor of each firing
    exec_of: np.ndarray  # float64 [F]: execution time of each firing
    consumer: np.ndarray  # int64 [D]: firing that consumes each initial token
    witness: Callable[[int, int], tuple[int, int]]  # (firing, token) -> (input channel, firing or -1)


def iteration_matrix(g: SDFGraph, q: np.ndarray | None = None) -> tuple[MaxPlusMatrix, TokenMap]:
    """The max-plus matrix M with x(k+1) = M (x) x(k) over the tokens of the normalised graph.

    x(k)[j] is the time token j of iteration k is produced; M[i, j] is the longest chain of
    execution times from the consumption of token j to the production of token i within one
    iteration (absent: no dependency). `q` defaults to `repetition_vector(g)`. All-unit graphs
    (homogeneous case) are executed level by level over the zero-token subgraph, vectorised,
    O(N log N) with N the non-zeros (about sum of in-degree x out-degree); multirate graphs by
    one Python step per firing with FIFO queues of sparse token vectors. Raises Deadlock when the
    iteration cannot complete, ValueError when q is not a repetition vector of g.
    """
    ex = _execute(g, _check_q(g, q))
    return ex.matrix, ex.tokens


def _execute(g: SDFGraph, q: np.ndarray) -> _Execution:
    """The symbolic iteration of normalised(g): the vectorised path when all-unit, else per firing."""
    h = normalised(g)
    if _unit_iteration(h, q):
        return _homogeneous_execution(g, h)
    return _general_execution(g, h, q)


def _token_layout(h: SDFGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(offset [C+1], channel [D], position [D]) of the initial tokens of h."""
    offset = np.zeros(h.channels + 1, dtype=_I64)
    np.cumsum(h.tokens, out=offset[1:])
    channel = np.repeat(np.arange(h.channels, dtype=_I64), h.tokens)
    position = np.arange(channel.size, dtype=_I64) - offset[channel]
    return offset, channel, position


class _Buffer:
    """Growable (col, val) arrays holding the sparse finish vectors of the firings."""

    def __init__(self, capacity: int) -> None:
        self.cols = np.empty(max(capacity, 16), dtype=_I64)
        self.vals = np.empty(max(capacity, 16), dtype=_F64)
        self.used = 0

    def append(self, cols: np.ndarray, vals: np.ndarray) -> int:
        """Store the entries (doubling the capacity when needed); returns where they start."""
        start, end = self.used, self.used + cols.size
        if end > self.cols.size:
            size = max(end, 2 * self.cols.size)
            self.cols = np.resize(self.cols, size)
            self.vals = np.resize(self.vals, size)
        self.cols[start:end] = cols
        self.vals[start:end] = vals
        self.used = end
        return start


def _homogeneous_execution(g: SDFGraph, h: SDFGraph) -> _Execution:
    """Symbolic iteration of an all-unit graph: one firing per actor, firing id = actor index.

    An actor's start vector is the max-plus union of its inputs: the head token (unit vector) of
    a channel with tokens, or the finish vector of the source of a zero-token channel (an earlier
    level); finish = start + exec time. A channel with k tokens shifts them by one and appends the
    finish vector of its source.
    """
    a, n_ch = h.actors, h.channels
    offset, tok_channel, tok_position = _token_layout(h)
    d = int(offset[-1])
    zero = h.tokens == 0
    levels, rest = _levels(a, h.src[zero], h.dst[zero])
    if rest.size:
        check_deadlock(g, np.ones(a, dtype=_I64))
    in_ptr, in_ch = _csr(h.dst, a)
    exec_f = h.exec_time.astype(_F64)
    buf = _Buffer(2 * n_ch)
    seg_start = np.zeros(a, dtype=_I64)
    seg_len = np.zeros(a, dtype=_I64)
    finish0 = np.zeros(a, dtype=_F64)  # finish times with every initial token at time 0
    for level in levels:
        cols, vals, owner = _level_inputs(h, level, in_ptr, in_ch, zero, offset, buf, seg_start, seg_len)
        cols, vals, owner = _max_by_key(owner, cols, vals, max(d, 1))
        vals += exec_f[level[owner]]
        start = buf.append(cols, vals)
        counts = np.bincount(owner, minlength=level.size)
        seg_start[level] = start + np.cumsum(counts) - counts
        seg_len[level] = counts
        finish0[level] = _level_start0(h, level, in_ptr, in_ch, zero, finish0) + exec_f[level]
    matrix, producer = _homogeneous_rows(h, offset, tok_position, buf, seg_start, seg_len, d)

    def witness(f: int, j: int) -> tuple[int, int]:
        best, pick = -math.inf, (-1, -1)
        for ch in in_ch[in_ptr[f]:in_ptr[f + 1]].tolist():
            if not zero[ch]:
                if offset[ch] == j and 0.0 > best:
                    best, pick = 0.0, (ch, -1)
                continue
            s = int(h.src[ch])
            lo, hi = int(seg_start[s]), int(seg_start[s] + seg_len[s])
            k = lo + int(np.searchsorted(buf.cols[lo:hi], j))
            if k < hi and buf.cols[k] == j and buf.vals[k] > best:
                best, pick = float(buf.vals[k]), (ch, s)
        return pick

    tokens = TokenMap(tok_channel, tok_position, _packet(g))
    consumer = np.where(tok_position == 0, h.dst[tok_channel], -1)
    return _Execution(matrix, tokens, float(finish0.max()), producer, np.arange(a, dtype=_I64), exec_f, consumer,
                      witness)


def _level_inputs(h: SDFGraph, level: np.ndarray, in_ptr: np.ndarray, in_ch: np.ndarray, zero: np.ndarray,
                  offset: np.ndarray, buf: _Buffer, seg_start: np.ndarray,
                  seg_len: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The entries (col, val, owner = index within `level`) of the start vectors of a level."""
    lengths = in_ptr[level + 1] - in_ptr[level]
    chs = in_ch[_ragged(in_ptr[level], lengths)]
    owner = np.repeat(np.arange(level.size, dtype=_I64), lengths)
    tok = ~zero[chs]
    heads = offset[chs[tok]]
    srcs = h.src[chs[~tok]]
    idx = _ragged(seg_start[srcs], seg_len[srcs])
    cols = np.concatenate([heads, buf.cols[idx]])
    vals = np.concatenate([np.zeros(heads.size, dtype=_F64), buf.vals[idx]])
    owner = np.concatenate([owner[tok], np.repeat(owner[~tok], seg_len[srcs])])
    return cols, vals, owner


def _level_start0(h: SDFGraph, level: np.ndarray, in_ptr: np.ndarray, in_ch: np.ndarray, zero: np.ndarray,
                  finish0: np.ndarray) -> np.ndarray:
    """Start times of a level's firings when every initial token is there at time 0.

    Kept apart from the vectors: a firing fed only by source actors has an empty vector (no
    initial token constrains it) but still starts when those sources finish.
    """
    lengths = in_ptr[level + 1] - in_ptr[level]
    chs = in_ch[_ragged(in_ptr[level], lengths)]
    owner = np.repeat(np.arange(level.size, dtype=_I64), lengths)
    start0 = np.zeros(level.size, dtype=_F64)
    z = zero[chs]
    np.maximum.at(start0, owner[z], finish0[h.src[chs[z]]])
    return start0


def _max_by_key(owner: np.ndarray, cols: np.ndarray, vals: np.ndarray,
                width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entries merged per (owner, col) by max, sorted by owner then col. O(m log m)."""
    if not cols.size:
        return cols, vals, owner
    key = owner * width + cols
    order = np.argsort(key, kind="stable")
    key = key[order]
    first = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
    vals = np.maximum.reduceat(vals[order], first)
    key = key[first]
    return key % width, vals, key // width


def _homogeneous_rows(h: SDFGraph, offset: np.ndarray, position: np.ndarray, buf: _Buffer,
                      seg_start: np.ndarray, seg_len: np.ndarray, d: int) -> tuple[MaxPlusMatrix, np.ndarray]:
    """The COO matrix (shift rows, then the appended tokens) and the producer of every token."""
    shift = np.flatnonzero(position < np.repeat(h.tokens, h.tokens) - 1)
    has = np.flatnonzero(h.tokens > 0)
    last = offset[has] + h.tokens[has] - 1
    s = h.src[has]
    idx = _ragged(seg_start[s], seg_len[s])
    k = shift.size
    row = np.empty(k + idx.size, dtype=_I64)
    col = np.empty(k + idx.size, dtype=_I64)
    val = np.zeros(k + idx.size, dtype=_F64)
    row[:k] = shift
    col[:k] = shift + 1
    row[k:] = np.repeat(last, seg_len[s])
    np.take(buf.cols, idx, out=col[k:])
    np.take(buf.vals, idx, out=val[k:])
    producer = np.full(d, -1, dtype=_I64)
    producer[last] = s
    return MaxPlusMatrix(shape=(d, d), row=row, col=col, val=val), producer


def _general_execution(g: SDFGraph, h: SDFGraph, q: np.ndarray) -> _Execution:
    """Symbolic iteration of a multirate graph, one firing at a time.

    Every channel is a FIFO of runs [vector, count, origin, t0]: `count` equal tokens with the
    sparse max-plus vector `vector` (dict token -> value), produced by firing `origin` (>= 0) or
    the initial token -1 - origin, at time t0 when every initial token is there at time 0. SDF
    determinacy makes the result independent of the firing order.
    """
    offset, tok_channel, tok_position = _token_layout(h)
    d = int(offset[-1])
    ins, outs = _adjacency_lists(h)
    p, c, dst = h.production.tolist(), h.consumption.tolist(), h.dst.tolist()
    exec_f = h.exec_time.astype(_F64).tolist()
    queues: list[deque] = [deque() for _ in range(h.channels)]
    for j, ch in enumerate(tok_channel.tolist()):
        queues[ch].append([{j: 0.0}, 1, -1 - j, 0.0])
    held = h.tokens.tolist()
    remaining = [int(x) for x in q]
    actor_of: list[int] = []
    consumed: list[list[tuple[int, dict, int, float]]] = []
    latency = 0.0
    work = deque(range(h.actors))
    queued = [True] * h.actors
    while work:
        a = work.popleft()
        queued[a] = False
        while remaining[a] and all(held[ch] >= c[ch] for ch in ins[a]):
            f = len(actor_of)
            taken = [(ch, *run) for ch in ins[a] for run in _pop(queues[ch], c[ch])]
            for ch in ins[a]:
                held[ch] -= c[ch]
            start: dict[int, float] = {}
            for _, vec, _, _ in taken:
                for k, v in vec.items():
                    if v > start.get(k, -math.inf):
                        start[k] = v
            fin = {k: v + exec_f[a] for k, v in start.items()}
            fin0 = max((t0 for *_, t0 in taken), default=0.0) + exec_f[a]
            latency = max(latency, fin0)
            actor_of.append(a)
            consumed.append(taken)
            remaining[a] -= 1
            for ch in outs[a]:
                queues[ch].append([fin, p[ch], f, fin0])
                held[ch] += p[ch]
                b = dst[ch]
                if remaining[b] and not queued[b] and b != a:
                    queued[b] = True
                    work.append(b)
    if any(remaining):
        check_deadlock(g, q)
    if held != h.tokens.tolist():
        raise ValueError(f"q = {list(q)} is not a repetition vector of the graph: one iteration does not "
                         "return every channel to its initial tokens")
    matrix, producer = _general_rows(queues, d)

    def witness(f: int, j: int) -> tuple[int, int]:
        best, pick = -math.inf, (-1, -1)
        for ch, vec, origin, _ in consumed[f]:
            v = vec.get(j, -math.inf)
            if v > best:
                best, pick = v, (ch, max(origin, -1))
        return pick

    tokens = TokenMap(tok_channel, tok_position, _packet(g))
    consumer = np.full(d, -1, dtype=_I64)
    for f, taken in enumerate(consumed):
        for _, _, origin, _ in taken:
            if origin < 0:
                consumer[-1 - origin] = f
    actor_arr = np.array(actor_of, dtype=_I64)
    return _Execution(matrix, tokens, latency, producer, actor_arr, h.exec_time.astype(_F64)[actor_arr], consumer,
                      witness)


def _pop(queue: deque, n: int) -> list[tuple[dict, int, float]]:
    """Take n tokens off a FIFO of runs: the (vector, origin, time from zero) of every run touched."""
    out = []
    while n:
        run = queue[0]
        take = min(n, run[1])
        out.append((run[0], run[2], run[3]))
        run[1] -= take
        n -= take
        if run[1] == 0:
            queue.popleft()
    return out


def _general_rows(queues: list[deque], d: int) -> tuple[MaxPlusMatrix, np.ndarray]:
    """The COO matrix from the queues after one iteration (token i = i-th token in channel order)."""
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    producer = np.full(d, -1, dtype=_I64)
    i = 0
    for queue in queues:
        for vec, count, origin, _ in queue:
            for _ in range(count):
                rows.extend([i] * len(vec))
                cols.extend(vec.keys())
                vals.extend(vec.values())
                producer[i] = max(origin, -1)
                i += 1
    matrix = MaxPlusMatrix(shape=(d, d), row=np.array(rows, dtype=_I64), col=np.array(cols, dtype=_I64),
                           val=np.array(vals, dtype=_F64))
    return matrix, producer


# ------------------------------------------------------------------------------ throughput


@dataclass(frozen=True, eq=False)
class Throughput:
    """The result of `throughput`.

    A zero period (every critical cycle has execution time 0, or under "sdf3" no component limits
    the graph) is returned as period 0 and throughput math.inf, with empty critical tuples when
    no component limits.
    """

    period: Fraction | float  # time per iteration; a Fraction when execution times are integers
    throughput: Fraction | float  # iterations per time unit = 1/period (math.inf when period == 0)
    repetition: np.ndarray  # q
    critical_actors: tuple[int, ...]  # actors on a critical cycle, in firing order
    critical_channels: tuple[int, ...]  # channels[k] goes critical_actors[k] -> critical_actors[k+1], cyclically
    latency: Fraction | float  # completion time of the first iteration, all initial tokens at time 0
    tokens: int  # D, the size of the iteration matrix analysed (after normalisation)


def throughput(g: SDFGraph, semantics: Semantics = "self-timed") -> Throughput:
    """Period and throughput of self-timed execution, from the max-plus eigenvalue.

    "self-timed" (default): repetition vector, deadlock check, unbounded-actor check, iteration
    matrix, eigenvalue (Howard), critical cycle mapped back to actors and channels. In the
    homogeneous case the critical cycle is a simple cycle of the graph with
    sum(exec times) / sum(normalised tokens) == period; for multirate graphs it is the closed walk
    of firings behind the critical token cycle (an actor may recur), folded when it repeats one
    shorter walk.

    "sdf3": SDF3's `throughput` conventions. The graph is split into strongly connected
    components; each with at least one channel gets its own throughput (smallest repetition vector
    of the component), scaled by the repetition vectors to iterations of the whole graph, and the
    minimum counts; a single actor without self-loop limits nothing and there is no unbounded-actor
    error. If no component limits, period 0 and throughput inf are returned. Here the components
    are analysed together in one matrix with their execution times multiplied by
    q[a] / q_component[a] (an integer), which yields the same minimum. Where SDF3 reports 0 for a
    deadlocked graph, this raises Deadlock. `latency` is that of the whole graph in both modes.

    Raises InconsistentGraph, Deadlock, UnboundedActors ("self-timed" only), ValueError for an
    unknown semantics. Cost: see the module docstring; the homogeneous case is independent of the
    spike counts.
    """
    if semantics not in ("self-timed", "sdf3"):
        raise ValueError(f"unknown semantics {semantics!r}: expected 'self-timed' or 'sdf3'")
    q = repetition_vector(g)
    check_deadlock(g, q)
    exact = _integral(g)
    if semantics == "self-timed":
        free = unbounded_actors(g)
        if free.size:
            raise UnboundedActors(
                f"no finite period: actor(s) {_actor_list(g, free.tolist())} are downstream of no cycle, so "
                "nothing bounds how often they fire (give each a self-loop with one token, or analyse with "
                "semantics='sdf3')", free.tolist(), ())
        ex = _execute(g, q)
        return _result(g, q, ex, ex, np.arange(g.actors, dtype=_I64), np.arange(g.channels, dtype=_I64), exact, q)
    whole = _execute(g, q)
    sub = _limiting_components(g, q)
    if sub is None:
        return Throughput(_as_time(0, exact), math.inf, q, (), (), _as_time(whole.latency, exact), 0)
    sg, q_sub, amap, cmap = sub
    return _result(sg, q_sub, _execute(sg, q_sub), whole, amap, cmap, exact, q)


def _limiting_components(g: SDFGraph,
                         q: np.ndarray) -> tuple[SDFGraph, np.ndarray, np.ndarray, np.ndarray] | None:
    """The strongly connected components with a channel, as one graph with scaled execution times.

    Returns (graph, its repetition vector, actor map, channel map) (maps: new index -> index in
    g), or None if there is none.
    The component repetition vector divides q restricted to the component, so the scale factor
    q[a] / q_component[a] is an integer; the period per iteration of g is scaled by it.
    """
    n_comp, lab = _strong_components(g)
    internal = lab[g.src] == lab[g.dst]
    has_channel = np.bincount(lab[g.src[internal]], minlength=n_comp) > 0
    amap = np.flatnonzero(has_channel[lab]).astype(_I64)
    if not amap.size:
        return None
    cmap = np.flatnonzero(internal & has_channel[lab[g.src]]).astype(_I64)
    new = np.full(g.actors, -1, dtype=_I64)
    new[amap] = np.arange(amap.size, dtype=_I64)
    names = tuple(g.names[i] for i in amap.tolist())
    cnames = None if g.channel_names is None else tuple(g.channel_names[i] for i in cmap.tolist())
    sg = SDFGraph(names, g.exec_time[amap], new[g.src[cmap]], new[g.dst[cmap]], g.production[cmap],
                  g.consumption[cmap], g.tokens[cmap], cnames)
    q_sub = repetition_vector(sg)
    return replace(sg, exec_time=sg.exec_time * (q[amap] // q_sub)), q_sub, amap, cmap


def _result(g: SDFGraph, q: np.ndarray, ex: _Execution, whole: _Execution, amap: np.ndarray, cmap: np.ndarray,
            exact: bool, q_out: np.ndarray) -> Throughput:
    """Throughput from the eigenvalue of ex.matrix (execution of g with repetition vector q).

    Indices of g are mapped to the caller's graph by amap and cmap; `whole` gives the latency.
    """
    cm = ex.matrix.eigenvalue()
    latency = _as_time(whole.latency, exact)
    if not np.isfinite(cm.value) or cm.edges.size == 0:  # no cycle: nothing limits the rate
        return Throughput(_as_time(0, exact), math.inf, q_out, (), (), latency, int(ex.tokens.channel.size))
    period = _period(ex.matrix, cm, exact)
    actors, chans = _critical_walk(ex, cm)
    h = normalised(g)
    if _unit_iteration(h, q):
        actors, chans = _best_simple_cycle(h, actors, chans, exact)
    else:
        actors, chans = _fold_repeats(actors, chans)
    rate = math.inf if period == 0 else (1 / period if exact else 1.0 / period)
    return Throughput(period, rate, q_out, tuple(amap[actors].tolist()), tuple(cmap[chans].tolist()), latency,
                      int(ex.tokens.channel.size))


def _period(m: MaxPlusMatrix, cm: CycleMean, exact: bool) -> Fraction | float:
    """The cycle mean of the critical cycle: an exact Fraction of integer weights, else cm.value."""
    if not exact:
        return float(cm.value)
    total = sum(int(round(v)) for v in m.val[cm.edges].tolist())
    return Fraction(total, int(cm.edges.size))


def _critical_walk(ex: _Execution, cm: CycleMean) -> tuple[list[int], list[int]]:
    """The closed walk of actors and channels behind a critical cycle over tokens.

    Edge e of the cycle goes from token j = col[e] to token i = row[e]: if i was produced by a
    firing, the path of firings from the consumer of j to that firing is followed back through
    the inputs that gave the maximum (the witnesses); a token that only moved up its queue adds
    nothing. Channel k of the result goes from actor k to actor k+1. Edges where the producing
    firing itself consumed j (weight = its execution time) are recognised vectorised; only the
    others are followed in Python.
    """
    e = cm.edges
    j, i = ex.matrix.col[e], ex.matrix.row[e]
    f = ex.producer[i]
    fired = f >= 0
    j, i, f, val = j[fired], i[fired], f[fired], ex.matrix.val[e][fired]
    direct = (ex.consumer[j] == f) & (val == ex.exec_of[f])
    out_ch = ex.tokens.channel[i].tolist()
    actors: list[int] = []
    chans: list[int] = []
    for k, (jk, fk, dk) in enumerate(zip(j.tolist(), f.tolist(), direct.tolist())):
        if dk:
            actors.append(int(ex.actor_of[fk]))
            chans.append(out_ch[k])
            continue
        path_a, path_c = _firing_path(ex, fk, jk)
        actors += path_a
        chans += path_c + [out_ch[k]]
    return actors, chans


def _firing_path(ex: _Execution, f: int, j: int) -> tuple[list[int], list[int]]:
    """Actors from the consumer of token j up to firing f, and the channels between them."""
    actors: list[int] = []
    chans: list[int] = []
    while True:
        actors.append(int(ex.actor_of[f]))
        ch, pred = ex.witness(f, j)
        if pred < 0:
            break
        chans.append(ch)
        f = pred
    return actors[::-1], chans[::-1]


def _best_simple_cycle(h: SDFGraph, actors: list[int], chans: list[int],
                       exact: bool) -> tuple[list[int], list[int]]:
    """The simple cycle of a closed walk with the largest sum(exec) / sum(tokens).

    Every simple cycle of a critical walk is critical itself (the walk's mean is their weighted
    average), so this only makes the answer a simple cycle (the shortest among equals).
    """
    best, best_key = (actors, chans), None
    for cyc_a, cyc_c in _split_walk(actors, chans):
        tok = int(h.tokens[cyc_c].sum())
        work = sum(h.exec_time[cyc_a].tolist())
        key = (Fraction(int(round(work)), tok) if exact else work / tok, -len(cyc_a))
        if best_key is None or key > best_key:
            best, best_key = (cyc_a, cyc_c), key
    return best


def _fold_repeats(actors: list[int], chans: list[int]) -> tuple[list[int], list[int]]:
    """The shortest prefix whose repetition is the closed walk (several firings of one cycle)."""
    n = len(actors)
    pairs = list(zip(actors, chans))
    for k in range(1, n):
        if n % k == 0 and pairs == pairs[:k] * (n // k):
            return actors[:k], chans[:k]
    return actors, chans


def _split_walk(actors: list[int], chans: list[int]) -> list[tuple[list[int], list[int]]]:
    """A closed walk (chans[k]: actors[k] -> actors[k+1]) cut into simple cycles."""
    out = []
    stack_a: list[int] = []
    stack_c: list[int] = []
    where: dict[int, int] = {}
    for a, ch in zip(actors, chans):
        if a in where:
            p = where[a]
            out.append((stack_a[p:], stack_c[p:]))
            for x in stack_a[p:]:
                del where[x]
            del stack_a[p:], stack_c[p:]
        where[a] = len(stack_a)
        stack_a.append(a)
        stack_c.append(ch)
    out.append((stack_a, stack_c))
    return out


# ------------------------------------------------------------------------------ reference simulator


def self_timed_period(g: SDFGraph, max_events: int = 1_000_000) -> Fraction:
    """Time per iteration of the periodic phase of self-timed execution, by event simulation.

    An independent reference for `throughput` (no max-plus code): integer execution times,
    token counts of the graph as given (not normalised), every actor firing as often as its tokens
    allow at each instant (unlimited auto-concurrency unless a self-loop serialises it; an actor
    with execution time 0 completes instantly). After each instant the state (token counts and
    the remaining times of the firings in progress) is recorded; when a state recurs the period
    is (time between the two) x q[0] / (firings of actor 0 started between them).

    Only for strongly connected consistent graphs with at least one channel (tokens stay
    bounded). Raises ValueError for other graphs or non-integer execution times, Deadlock when
    nothing can fire, RuntimeError after `max_events` firings without a recurrence. Cost:
    O(firings until recurrence x (A + C)).
    """
    if not _integral(g):
        raise ValueError("self_timed_period needs integer execution times")
    n_comp, _ = _strong_components(g)
    if n_comp != 1 or g.channels == 0:
        raise ValueError("self_timed_period needs a strongly connected graph with at least one channel "
                         f"(this one has {n_comp} strongly connected components and {g.channels} channels)")
    q0 = int(repetition_vector(g)[0])
    sim = _Simulator(g)
    seen: dict[tuple, tuple[int, int]] = {}
    while True:
        sim.complete()
        sim.start_enabled(max_events)
        if not sim.busy:
            raise Deadlock(f"self-timed execution deadlocks at time {sim.now}: no actor can fire",
                           range(g.actors), (), range(g.actors))
        state = sim.state()
        if state in seen:
            t0, n0 = seen[state]
            return Fraction((sim.now - t0) * q0, sim.started0 - n0)
        seen[state] = (sim.now, sim.started0)
        sim.now = min(end for _, end in sim.busy)


class _Simulator:
    """State of the event simulation: token counts, firings in progress {(actor, end): count}."""

    def __init__(self, g: SDFGraph) -> None:
        self.ins, self.outs = _adjacency_lists(g)
        self.p, self.c = g.production.tolist(), g.consumption.tolist()
        self.exec = [int(x) for x in g.exec_time.tolist()]
        self.held = g.tokens.tolist()
        self.busy: dict[tuple[int, int], int] = {}
        self.now = 0
        self.started0 = 0
        self.events = 0

    def complete(self) -> None:
        """End every firing due now: produce its tokens."""
        for key in [k for k in self.busy if k[1] == self.now]:
            self.produce(key[0], self.busy.pop(key))

    def produce(self, a: int, n: int) -> None:
        """End n firings of actor a: p tokens per firing on each output."""
        for ch in self.outs[a]:
            self.held[ch] += n * self.p[ch]

    def start_enabled(self, max_events: int) -> None:
        """Start every firing enabled now, repeating while zero-time firings produce tokens."""
        progress = True
        while progress:
            progress = False
            for a, ins in enumerate(self.ins):
                n = min((self.held[ch] // self.c[ch] for ch in ins), default=0)
                if n == 0:
                    continue
                self.events += n
                if self.events > max_events:
                    raise RuntimeError(f"self_timed_period: no recurrent state within {max_events} firings")
                for ch in ins:
                    self.held[ch] -= n * self.c[ch]
                if a == 0:
                    self.started0 += n
                if self.exec[a] == 0:
                    self.produce(a, n)
                    progress = True
                else:
                    key = (a, self.now + self.exec[a])
                    self.busy[key] = self.busy.get(key, 0) + n

    def state(self) -> tuple:
        """Token counts and remaining times, relative to now (hashable)."""
        running = tuple(sorted((a, end - self.now, n) for (a, end), n in self.busy.items()))
        return tuple(self.held), running
