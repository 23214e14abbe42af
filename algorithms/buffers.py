"""Buffer sizing of SDF graphs: the trade-off between total buffer space and throughput, with no IR.

    import numpy as np
    from snnir.algorithms.buffers import pareto_front, smallest_buffers, with_capacities

    front = pareto_front(g)            # [ParetoPoint(size, throughput, capacities), ...], size ascending
    p = smallest_buffers(g, Fraction(1, 32))   # the smallest total buffer reaching 1/32
    throughput(with_capacities(g, p.capacities))   # the graph with its buffers modelled

Method: Stuijk, Geilen and Basten, "Exploring trade-offs in buffer requirements and throughput
constraints for synchronous dataflow graphs", DAC 2006 (SDF3's buffer analysis), with the
throughput of every candidate computed by the max-plus analysis of `snnir.algorithms.sdf`.

Model of a buffer (method.md section 5). A buffered channel src -> dst with production p,
consumption c, t initial tokens and capacity B (in tokens) gets a reverse channel dst -> src with
production c, consumption p and B - t initial tokens: its tokens are the free places of the
buffer. The producer claims p places when a firing starts (it consumes from the reverse channel
with its other inputs) and the consumer frees c places when its firing ends (it produces on the
reverse channel with its other outputs), so a token occupies the buffer from the start of the
firing that produces it to the end of the firing that consumes it, and the initial tokens occupy
t places from the start. A self-loop models an actor that fires one firing at a time; it is never
a buffer. The size of a distribution (capacity per buffered channel) is the sum of its capacities.

Bounds and steps. Below p + c - gcd(p, c) + t mod gcd(p, c) places (or t if that is more) the
channel alone deadlocks its two actors (Murthy and Bhattacharyya; Stuijk et al.), so every
exploration starts from these lower bounds (`lower_bounds`). Token counts on a channel only change
by multiples of gcd(p, c), so capacities that differ by less than that step behave alike: a
channel grows by its step.

Exploration. The throughput with unbounded buffers (the graph itself) is the maximum. Distributions
are analysed in order of increasing size, starting with the lower bounds. Each analysis of a
distribution d yields its throughput and the buffers whose reverse channel (storage space) lies
on the critical cycle the analysis found (`Throughput.critical_channels`), or on the cycle of
actors waiting for each other when d deadlocks (`Deadlock.channels`); every such buffer, enlarged
by its step, gives a new distribution to analyse (a set of the distributions seen, as bytes,
avoids analysing one twice). The best throughput of a size is a Pareto point when it beats every
smaller size. The search stops once a size reaches the maximum throughput, or a size or
throughput bound, or after `max_distributions` analyses (`ExplorationLimit`).

Exactness. The pruning is that of Stuijk et al.: a distribution larger than d can only do better
than d if it enlarges a buffer on d's critical (or deadlock) cycle, since otherwise that cycle, with
the same tokens, still bounds its period. Throughput is monotone in the tokens, so for graphs
whose channels are all (k, k, m k) (homogeneous after normalisation: SNN graphs, whose critical
cycle is a simple cycle of the graph) every distribution of any size is matched or beaten by an
explored one no larger, and the front is exact. For multirate graphs the critical cycle is a
closed walk of firings whose dependencies can shift when other buffers grow, so the front is exact
only in the sense of Stuijk et al. (their paper and SDF3 make the same assumption). Only one
critical cycle is used per distribution, where SDF3 collects every cycle of its dependency graph;
ties between critical cycles are then resolved by the next sizes. Since any critical cycle will
do, a homogeneous graph whose critical cycle holds several buffers enlarges only one of them
when that buffer and its channel alone form a critical cycle too (a cheap check, which keeps
graphs whose period is set by such pairs from branching on every buffer of a longer cycle).

Costs. One distribution costs one `throughput` of the augmented graph (A actors, C + Cb channels
for Cb buffers; see `snnir.algorithms.sdf`: near-linear for homogeneous graphs) plus O(C) to
build it. The number of distributions analysed is at most the number of capacity vectors between
the lower bounds and the final distribution, binomial(k + Cb, Cb) for k steps beyond the lower
bounds, so exponential in the worst case; in practice it is the number of distributions that grow
buffers on critical cycles. Memory: O(C) bytes per distribution seen.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import numpy as np
from snnir.algorithms.sdf import Deadlock, SDFError, SDFGraph, Throughput, throughput

__all__ = [
    "Exploration",
    "ExplorationLimit",
    "ParetoPoint",
    "Unreachable",
    "explore",
    "lower_bounds",
    "pareto_front",
    "smallest_buffers",
    "steps",
    "with_capacities",
]

_I64 = np.int64
_REL_TOL = 1e-9  # relative tolerance of throughput comparisons when execution times are floats

Semantics = Literal["self-timed", "sdf3"]
Rate = Fraction | float


# ------------------------------------------------------------------------------ results and errors


@dataclass(frozen=True, eq=False)
class ParetoPoint:
    """One point of the buffer / throughput trade-off."""

    size: int  # total buffer: sum of the capacities of the buffered channels, in tokens
    throughput: Rate  # iterations per time unit (> 0: deadlocking sizes are not points)
    capacities: np.ndarray  # int64 [C]: capacity per channel, -1 for unbuffered channels

    def __repr__(self) -> str:
        return f"ParetoPoint(size={self.size}, throughput={self.throughput}, capacities={self.capacities.tolist()})"


@dataclass(frozen=True, eq=False)
class Exploration:
    """What `explore` found: the front and how much work it took."""

    front: list[ParetoPoint]  # sizes and throughputs strictly increasing
    maximum: Rate  # the throughput with unbounded buffers
    distributions: int  # distributions analysed (one `throughput` each)
    complete: bool  # True when the front reaches `maximum` (False: stopped at a size or throughput bound)


class Unreachable(SDFError):
    """A throughput that no buffer sizes reach: more than the graph's throughput with unbounded buffers."""

    def __init__(self, message: str, requested: Rate, maximum: Rate) -> None:
        super().__init__(message)
        self.requested = requested
        self.maximum = maximum


class ExplorationLimit(RuntimeError):
    """The exploration analysed `max_distributions` distributions before it could stop.

    `front` holds the Pareto points found so far (exact up to `size`: every smaller size was
    fully explored) and `distributions` the number analysed.
    """

    def __init__(self, message: str, front: list[ParetoPoint], distributions: int, size: int) -> None:
        super().__init__(message)
        self.front = front
        self.distributions = distributions
        self.size = size


# ------------------------------------------------------------------------------ bounds and the model


def _buffered(g: SDFGraph, buffered: np.ndarray | None) -> np.ndarray:
    """bool [C]: the buffered channels (default: every channel that is no self-loop); validated."""
    if buffered is None:
        return g.src != g.dst
    b = np.asarray(buffered)
    if b.shape != (g.channels,) or b.dtype != np.bool_:
        raise ValueError(f"buffered must be a bool array of shape ({g.channels},) (one per channel), "
                         f"got {b.dtype} {b.shape}")
    loops = np.flatnonzero(b & (g.src == g.dst))
    if loops.size:
        raise ValueError(f"channel {g.channel_label(int(loops[0]))} is a self-loop: it models one firing at a "
                         "time and cannot be a buffer")
    return b.copy()


def steps(g: SDFGraph) -> np.ndarray:
    """int64 [C]: gcd(p, c) of every channel, the step by which its capacity grows."""
    return np.gcd(g.production, g.consumption)


def lower_bounds(g: SDFGraph, buffered: np.ndarray | None = None) -> np.ndarray:
    """int64 [C]: the smallest capacity of each buffered channel that can avoid deadlock, -1 elsewhere.

    p + c - gcd(p, c) + t mod gcd(p, c) when t <= p + c - gcd(p, c), else t (Stuijk et al., after
    Murthy and Bhattacharyya): with fewer places the channel and its reverse channel alone
    deadlock. `buffered` defaults to every channel that is no self-loop. Vectorised, O(C).
    """
    b = _buffered(g, buffered)
    p, c, t = g.production, g.consumption, g.tokens
    step = steps(g)
    base = p + c - step
    lb = np.where(t <= base, base + t % step, t)
    return np.where(b, lb, -1).astype(_I64)


def with_capacities(g: SDFGraph, capacities: np.ndarray) -> SDFGraph:
    """The graph with the buffers `capacities` modelled: a reverse channel per capacity >= 0.

    capacities: int [C], -1 for no buffer. Channel k >= 0 with capacity B gets a reverse channel
    dst -> src with production c, consumption p and B - t initial tokens, appended after the C
    channels of g in channel order and named "space of <channel>". Raises ValueError for a wrong
    shape, a capacity below -1, or a capacity below the channel's initial tokens. O(C).
    """
    cap = np.asarray(capacities)
    if cap.shape != (g.channels,) or (cap.size and cap.dtype.kind not in "iu"):
        raise ValueError(f"capacities must be {g.channels} integers (one per channel, -1: no buffer), "
                         f"got {cap.dtype} {cap.shape}")
    cap = cap.astype(_I64)
    bad = np.flatnonzero(cap < -1)
    if bad.size:
        k = int(bad[0])
        raise ValueError(f"channel {g.channel_label(k)}: capacity {int(cap[k])} is negative (-1 means no buffer)")
    idx = np.flatnonzero(cap >= 0)
    bad = idx[cap[idx] < g.tokens[idx]]
    if bad.size:
        k = int(bad[0])
        raise ValueError(f"channel {g.channel_label(k)}: capacity {int(cap[k])} is below its "
                         f"{int(g.tokens[k])} initial tokens")
    return _augment(g, idx, cap[idx])


def _augment(g: SDFGraph, idx: np.ndarray, cap: np.ndarray) -> SDFGraph:
    """g plus the reverse channels of the channels idx with capacities cap (no checks)."""
    names = g.channel_names or ("",) * g.channels
    space = tuple(f"space of {g.channel_label(k)}" for k in idx.tolist())
    return SDFGraph(g.names, g.exec_time,
                    np.concatenate([g.src, g.dst[idx]]), np.concatenate([g.dst, g.src[idx]]),
                    np.concatenate([g.production, g.consumption[idx]]),
                    np.concatenate([g.consumption, g.production[idx]]),
                    np.concatenate([g.tokens, cap - g.tokens[idx]]),
                    names + space)


# ------------------------------------------------------------------------------ exploration


def _exact(g: SDFGraph) -> bool:
    return g.exec_time.dtype.kind == "i" or bool(np.all(np.floor(g.exec_time) == g.exec_time))


def _greater(a: Rate, b: Rate, exact: bool) -> bool:
    """a > b, with a relative tolerance for float throughputs."""
    if exact or math.isinf(a) or b <= 0:
        return a > b
    return a > b * (1 + _REL_TOL)


def _reaches(a: Rate, b: Rate, exact: bool) -> bool:
    """a >= b, with a relative tolerance for float throughputs."""
    if exact or math.isinf(b):
        return a >= b
    return a >= b * (1 - _REL_TOL)


class _Explorer:
    """One exploration: the graph, its buffered channels and the analyses made.

    Distributions are int64 vectors over the buffered channels only (Cb entries, in channel
    order); reverse channel C + k of the augmented graph belongs to buffered channel idx[k].
    """

    def __init__(self, g: SDFGraph, buffered: np.ndarray | None, semantics: Semantics) -> None:
        self.g = g
        self.semantics = semantics
        b = _buffered(g, buffered)
        self.idx = np.flatnonzero(b).astype(_I64)
        self.step = steps(g)[self.idx]
        self.lb = lower_bounds(g, b)[self.idx]
        self.exact = _exact(g)
        self.analysed = 0
        self._base = _augment(g, self.idx, self.lb)  # every array but the tokens is fixed
        self._tokens = g.tokens[self.idx]
        # homogeneous graphs (every channel (k, k, m k), so every reverse channel too, q all ones):
        # work (e(src) + e(dst)) x p of the cycle "channel, reverse channel" per capacity
        self.homogeneous = bool(np.all(g.production == g.consumption) and np.all(g.tokens % g.production == 0))
        e = g.exec_time[g.src[self.idx]] + g.exec_time[g.dst[self.idx]]
        self._pair_work = (e * g.production[self.idx]).tolist()

    def maximum(self) -> Rate:
        """Throughput with unbounded buffers (the graph itself); Deadlock etc. propagate."""
        return throughput(self.g, self.semantics).throughput

    def capacities(self, dist: np.ndarray) -> np.ndarray:
        """int64 [C]: a distribution as capacities of every channel, -1 where unbuffered."""
        cap = np.full(self.g.channels, -1, dtype=_I64)
        cap[self.idx] = dist
        return cap

    def analyse(self, dist: np.ndarray) -> tuple[Rate, list[int]]:
        """(throughput, positions in dist to enlarge) of one distribution; throughput 0 on deadlock.

        The positions are those of the buffers whose reverse channel lies on the critical cycle (a
        closed walk for multirate graphs) or, on a deadlock, on the cycle of actors waiting for each
        other. When the graph is homogeneous and one of those buffers forms a critical cycle with
        its own channel, that buffer alone (any critical cycle will do, and this one branches
        least). A critical cycle without buffers is a cycle of the graph itself, so the throughput
        is already the maximum. A wait-for cycle always holds one: were all its channels channels of
        the graph, none of its actors could fire before the others in the graph itself either,
        which completes its iterations (from any state, by the confluence of untimed SDF execution).
        """
        self.analysed += 1
        base = self._base
        h = SDFGraph(base.names, base.exec_time, base.src, base.dst, base.production, base.consumption,
                     np.concatenate([self.g.tokens, dist - self._tokens]), base.channel_names)
        try:
            t: Throughput = throughput(h, self.semantics)
        except Deadlock as e:
            return 0, self._on_walk(e.channels)
        grow = self._on_walk(t.critical_channels)
        if self.homogeneous and len(grow) > 1:
            for k in grow:  # a critical cycle through one buffer: channel k and its reverse channel
                if self._pair_critical(k, int(dist[k]), t.period):
                    return t.throughput, [k]
        return t.throughput, grow

    def _pair_critical(self, k: int, capacity: int, period: Rate) -> bool:
        """Whether buffer k and its reverse channel form a critical cycle (homogeneous graphs).

        That cycle holds capacity / p normalised tokens and e(src) + e(dst) of work.
        """
        if self.exact:
            return Fraction(round(self._pair_work[k]), capacity) == period
        return math.isclose(self._pair_work[k] / capacity, float(period), rel_tol=_REL_TOL)

    def _on_walk(self, channels) -> list[int]:
        """Positions of the buffers whose reverse channel is among `channels`, ascending, once each."""
        n = self.g.channels
        return sorted({ch - n for ch in channels if ch >= n})


def explore(g: SDFGraph, buffered: np.ndarray | None = None, *, max_size: int | None = None,
            min_throughput: Rate | None = None, max_distributions: int = 1_000_000,
            semantics: Semantics = "self-timed") -> Exploration:
    """The Pareto front of (total buffer size, throughput), with the statistics of the search.

    Sizes are explored upwards from the sum of the lower bounds; the search stops after the first
    size that reaches the maximum throughput (the graph's own, unbounded buffers) or
    `min_throughput`, or when the next size would exceed `max_size`. `semantics` is that of
    `snnir.algorithms.sdf.throughput`. Raises what `throughput(g, semantics)` raises for the graph
    itself (InconsistentGraph, Deadlock, UnboundedActors: nothing buffers can fix), ValueError for
    bad arguments or when nothing bounds the search (the maximum is infinite and neither
    `max_size` nor `min_throughput` is given), and ExplorationLimit after `max_distributions`
    analyses. See the module docstring for the method, its exactness and its cost.
    """
    ex = _Explorer(g, buffered, semantics)
    return _explore(ex, ex.maximum(), max_size, min_throughput, max_distributions)


def _explore(ex: _Explorer, maximum: Rate, max_size: int | None, min_throughput: Rate | None,
             max_distributions: int) -> Exploration:
    """The search of `explore`, the maximum throughput given."""
    semantics = ex.semantics
    if max_distributions < 1:
        raise ValueError(f"max_distributions must be positive, got {max_distributions}")
    if min_throughput is not None and not min_throughput > 0:
        raise ValueError(f"min_throughput must be positive, got {min_throughput}")
    if math.isinf(maximum) and max_size is None and min_throughput is None:
        raise ValueError("the throughput with unbounded buffers is infinite (nothing limits the graph under "
                         f"semantics={semantics!r}), so the front never ends: give max_size or min_throughput")
    goal = maximum if min_throughput is None or _greater(min_throughput, maximum, ex.exact) else min_throughput
    g = ex.g
    if not ex.idx.size:  # nothing to size: the graph itself
        cap = np.full(g.channels, -1, dtype=_I64)
        return Exploration([ParetoPoint(0, maximum, cap)], maximum, 0, True)
    size0 = int(ex.lb.sum())
    key0 = ex.lb.tobytes()
    pending: dict[int, list[bytes]] = {size0: [key0]}  # distributions to analyse, by size
    sizes = [size0]  # heap of the keys of `pending`
    seen = {key0}
    front: list[ParetoPoint] = []
    best: Rate = 0
    while sizes:
        size = heapq.heappop(sizes)
        if max_size is not None and size > max_size:
            break
        level_best: Rate = 0
        level_dist = None
        for key in pending.pop(size):
            if ex.analysed >= max_distributions:
                raise ExplorationLimit(
                    f"buffer exploration stopped after {ex.analysed} distributions, at total size {size} "
                    f"(best throughput so far {best}, maximum {maximum}): raise max_distributions or give "
                    "max_size / a lower throughput", front, ex.analysed, size)
            dist = np.frombuffer(key, dtype=_I64)
            thr, grow = ex.analyse(dist)
            if _greater(thr, level_best, ex.exact):
                level_best, level_dist = thr, dist
            if _reaches(thr, maximum, ex.exact):
                break  # nothing of this size does better, and no larger size is needed
            for k in grow:
                new = dist.copy()
                new[k] += ex.step[k]
                nkey = new.tobytes()
                if nkey in seen:
                    continue
                seen.add(nkey)
                nsize = size + int(ex.step[k])
                if nsize not in pending:
                    pending[nsize] = []
                    heapq.heappush(sizes, nsize)
                pending[nsize].append(nkey)
        if level_dist is not None and _greater(level_best, best, ex.exact):
            best = level_best
            front.append(ParetoPoint(size, level_best, ex.capacities(level_dist)))
        if best > 0 and _reaches(best, goal, ex.exact):
            return Exploration(front, maximum, ex.analysed, _reaches(best, maximum, ex.exact))
    return Exploration(front, maximum, ex.analysed, False)


def pareto_front(g: SDFGraph, buffered: np.ndarray | None = None, *, max_size: int | None = None,
                 max_distributions: int = 1_000_000, semantics: Semantics = "self-timed") -> list[ParetoPoint]:
    """The Pareto points (total buffer size, throughput), sizes and throughputs strictly increasing.

    Each point carries the capacities of one distribution of that size with that throughput. The
    last point reaches the throughput with unbounded buffers unless `max_size` stopped the search
    first (then it is the best up to `max_size`). `buffered`: bool [C], the channels that get a
    buffer (default: every channel that is no self-loop). Errors and cost: see `explore`.
    """
    return explore(g, buffered, max_size=max_size, max_distributions=max_distributions, semantics=semantics).front


def smallest_buffers(g: SDFGraph, throughput: Rate, buffered: np.ndarray | None = None, *,
                     max_distributions: int = 1_000_000, semantics: Semantics = "self-timed") -> ParetoPoint:
    """The Pareto point of the smallest total buffer size whose throughput is at least `throughput`.

    Raises Unreachable (an SDFError) when even unbounded buffers stay below `throughput`, naming
    the maximum; ValueError for a throughput <= 0; the errors of `explore` otherwise.
    """
    target = throughput
    if not target > 0:
        raise ValueError(f"the required throughput must be positive, got {target}")
    ex = _Explorer(g, buffered, semantics)
    maximum = ex.maximum()
    if _greater(target, maximum, ex.exact):
        raise Unreachable(f"throughput {target} is unreachable: with unbounded buffers the graph reaches at most "
                          f"{maximum} (period {_period_text(maximum)})", target, maximum)
    return _explore(ex, maximum, None, target, max_distributions).front[-1]


def _period_text(rate: Rate) -> str:
    if rate == 0:
        return "infinite"
    if math.isinf(rate):
        return "0"
    return str(1 / rate)
