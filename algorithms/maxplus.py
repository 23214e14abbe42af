"""Maximum cycle mean and max-plus spectral theory (cycle time of a timed event graph), with no IR.

    import numpy as np
    from snnir.algorithms.maxplus import MaxPlusMatrix, max_cycle_mean

    cm = max_cycle_mean(3, src, dst, weight)     # edges src[k] -> dst[k] with weight[k]
    cm.value, cm.exact                           # 4.5, Fraction(9, 2)
    cm.nodes, cm.edges                           # one critical cycle, as node ids and edge indices
    MaxPlusMatrix.from_dense(np.array([[3.0, 7.0], [2.0, 4.0]])).eigenvalue().value   # 4.5

Model. A weighted digraph on nodes 0..n-1 is given by parallel arrays (src, dst, weight); parallel
edges and self-loops are allowed, weights may be negative, and an edge of weight -inf (the max-plus
epsilon) is no edge. The mean of a cycle is its total weight over its number of edges; the maximum
cycle mean is -inf when there is no cycle. A square max-plus matrix M has the precedence graph with
an edge j -> i of weight M[i, j]; its eigenvalue (the cycle time of the event graph x(k+1) = M x(k))
is the maximum cycle mean of that graph.

Algorithm. `max_cycle_mean` is Howard's policy iteration (Cochet-Terrasson, Cohen, Gaubert,
McGettrick and Quadrat 1998; Dasdan 2004), vectorised. Only nodes on a cycle matter: those with an
edge inside their strongly connected component (scipy), keeping only such edges, so every node
keeps an out-edge and all strongly connected components are solved at once. A policy picks one
out-edge per node; its graph is functional. Value determination finds the policy's cycles and
their roots (lowest node id) by pointer doubling, then each node's path weight and length to its
root, which give the cycle mean eta and the bias x of every node. The improvement step moves each
node to an out-edge with a larger eta if there is one anywhere; otherwise, among edges keeping eta,
to one with a larger w - eta + x[dst] than x[node]; segment maxima over edges sorted by source.
Policies improve lexicographically, so this terminates; the final policy's best cycle is critical.

Exactness. With integer weights small enough (4 (n+1)^2 (max|w| + 1) < 2^62) the result is exact.
Cycle means eta = p/q are compared as correctly rounded floats, which never reverses an order; once
no float comparison finds a move, every component must hold one reduced fraction P/Q (else exact
cross products find the move the floats missed), and bias gains are compared as the integers
Q (w - eta + x[dst] - x[node]). The `exact` Fraction is recomputed from the critical cycle's
weights and `value` = float(exact). Other weights use float64 with a tolerance of
~8 (log2 n) n eps max|w| on bias gains, so `value` is within about that of the optimum.

Costs (n nodes, m edges, I Howard iterations, typically tens): O(m log m) to sort and split the
graph once, then O(m + n log n) numpy work per iteration. `max_cycle_mean_karp` is Karp's
O(n m) algorithm, an independent check for tests and small graphs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

__all__ = [
    "ConvergenceError",
    "CycleMean",
    "MaxPlusMatrix",
    "max_cycle_mean",
    "max_cycle_mean_karp",
    "power_iteration_rate",
]

_I64 = np.int64
_EPS = float(np.finfo(np.float64).eps)
_INT_LIMIT = 2**62  # bound on every int64 intermediate of the exact mode


class ConvergenceError(RuntimeError):
    """Howard's iteration hit its cap: a bug or a numerical breakdown, never a property of the input."""


# ------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class CycleMean:
    """The maximum cycle mean of a weighted digraph and one cycle that attains it."""

    value: float  # max over cycles of (sum of edge weights / number of edges); -inf if there is no cycle
    exact: Fraction | None  # the same as a Fraction when every weight is an integer, else None (None if acyclic)
    nodes: np.ndarray  # int64, the nodes of one critical cycle in order along its edges (empty if acyclic)
    edges: np.ndarray  # int64, indices into the input edge arrays: edges[i] goes nodes[i] -> nodes[(i+1) % len]


def _no_cycle() -> CycleMean:
    return CycleMean(-math.inf, None, np.zeros(0, _I64), np.zeros(0, _I64))


# ------------------------------------------------------------------------------ input checks


def _check_graph(n: int, src, dst, weight) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """Validated (n, src int64, dst int64, weight float64); ValueError names what is wrong."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    arrays = []
    for name, a in (("src", src), ("dst", dst)):
        a = np.asarray(a)
        if a.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional, got shape {a.shape}")
        if a.size and a.dtype.kind not in "iu":
            raise ValueError(f"{name} must hold integer node ids, got dtype {a.dtype}")
        arrays.append(a.astype(_I64))
    s, d = arrays
    w = np.asarray(weight, dtype=np.float64)
    if w.ndim != 1:
        raise ValueError(f"weight must be one-dimensional, got shape {w.shape}")
    if not (s.size == d.size == w.size):
        raise ValueError(f"src, dst and weight must have the same length, got {s.size}, {d.size}, {w.size}")
    for name, a in (("src", s), ("dst", d)):
        if a.size and (a.min() < 0 or a.max() >= n):
            bad = int(a[(a < 0) | (a >= n)][0])
            raise ValueError(f"{name} holds node id {bad}, outside 0..{n - 1}")
    if np.isnan(w).any() or np.isposinf(w).any():
        raise ValueError("weights must not be NaN or +inf (-inf means no edge)")
    return int(n), s, d, w


# ------------------------------------------------------------------------------ graph restriction


@dataclass
class _Cyclic:
    """The graph restricted to nodes on a cycle and edges inside strongly connected components.

    Nodes are renumbered 0..N-1 in increasing original id; edges are sorted by source, then input
    index, so node v's out-edges are start[v]:start[v+1], and every node has at least one.
    """

    node: np.ndarray  # int64 [N] original id of each node
    comp: np.ndarray  # int64 [N] strongly connected component of each node
    src: np.ndarray  # int64 [E] renumbered source, non-decreasing
    dst: np.ndarray  # int64 [E] renumbered destination
    weight: np.ndarray  # float64 [E]
    edge: np.ndarray  # int64 [E] index into the input arrays
    start: np.ndarray  # int64 [N + 1]

    @property
    def n(self) -> int:
        return int(self.node.size)


def _by_source(src: np.ndarray, n: int) -> np.ndarray:
    """The edge order by (source, index): one unstable sort of a combined key (3x a stable sort's speed)."""
    if n * src.size < 2**62:
        key = src * src.size
        key += np.arange(src.size, dtype=_I64)
        return np.argsort(key)
    return np.argsort(src, kind="stable")


def _cyclic_part(n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray) -> _Cyclic:
    """Drop epsilon edges, nodes on no cycle and edges between components: Howard needs out-edges."""
    empty = np.zeros(0, _I64)
    if src.size == 0:
        return _Cyclic(empty, empty, empty, empty, np.zeros(0), empty, np.zeros(1, _I64))
    edge = np.flatnonzero(weight > -math.inf)
    if edge.size < src.size:
        src, dst, weight = src[edge], dst[edge], weight[edge]
    order = _by_source(src, n)
    edge, src, dst, weight = edge[order], src[order], dst[order], weight[order]
    start = np.zeros(n + 1, dtype=_I64)
    np.cumsum(np.bincount(src, minlength=n), out=start[1:])
    graph = sp.csr_matrix((np.ones(src.size, np.int8), dst, start), shape=(n, n))
    _, label = connected_components(graph, directed=True, connection="strong")
    keep = label[src] == label[dst]
    edge, src, dst, weight = edge[keep], src[keep], dst[keep], weight[keep]
    on_cycle = np.zeros(n, dtype=bool)
    on_cycle[src] = True
    node = np.flatnonzero(on_cycle).astype(_I64)
    renumber = np.cumsum(on_cycle, dtype=_I64) - 1
    src, dst = renumber[src], renumber[dst]
    start = np.zeros(node.size + 1, dtype=_I64)
    np.cumsum(np.bincount(src, minlength=node.size), out=start[1:])
    return _Cyclic(node, label[node].astype(_I64), src, dst, weight, edge, start)


# ------------------------------------------------------------------------------ Howard


@dataclass
class _Values:
    """Value determination of a policy: per node, its cycle's root, weight p and length q, and the
    weight S and length D of its path to that root (the root's own path is empty)."""

    on_cycle: np.ndarray  # bool [N]
    root: np.ndarray  # int64 [N]
    p: np.ndarray  # [N] total weight of the node's cycle (int64 in exact mode, else float64)
    q: np.ndarray  # int64 [N] length of the node's cycle
    S: np.ndarray  # [N] path weight to the root
    D: np.ndarray  # int64 [N] path length to the root

    def eta(self) -> np.ndarray:
        return self.p / self.q


def _cycle_roots(succ: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(on_cycle, is_root) of a functional graph; a cycle's root is its lowest node.

    After K doublings with 2^K >= N, jump[v] = succ^(2^K)(v) lies on a cycle and every cycle node is
    such an image; low[v] is the minimum of 2^K consecutive nodes from v, the whole cycle if v is on one.
    """
    N = succ.size
    ids = np.arange(N, dtype=_I64)
    jump, low = succ, np.minimum(ids, succ)
    for _ in range(max(1, (N - 1).bit_length())):
        low = np.minimum(low, low[jump])
        jump = jump[jump]
    on_cycle = np.zeros(N, dtype=bool)
    on_cycle[jump] = True
    return on_cycle, on_cycle & (low == ids)


def _evaluate(succ: np.ndarray, w: np.ndarray) -> _Values:
    """Cycles, roots and paths to roots of the policy graph v -> succ[v] with weights w, by doubling."""
    N = succ.size
    on_cycle, is_root = _cycle_roots(succ)
    ids = np.arange(N, dtype=_I64)
    P = np.where(is_root, ids, succ)
    S = np.where(is_root, 0, w).astype(w.dtype)
    D = (~is_root).astype(_I64)
    while not is_root[P].all():  # whole-array rounds: cheaper than tracking the unfinished nodes
        S += S[P]
        D += D[P]
        P = P[P]
    roots = np.flatnonzero(is_root)
    after = succ[roots]
    p = np.empty(N, dtype=w.dtype)
    q = np.empty(N, dtype=_I64)
    p[roots] = w[roots] + S[after]
    q[roots] = 1 + D[after]
    return _Values(on_cycle, P, p[P], q[P], S, D)


def _segment_max(g: _Cyclic, key: np.ndarray) -> np.ndarray:
    """max of key over each node's out-edges (every node has one)."""
    return np.maximum.reduceat(key, g.start[:-1])


def _argmax_edges(g: _Cyclic, nodes: np.ndarray, key: np.ndarray, best: np.ndarray) -> np.ndarray:
    """For each of `nodes`, its first out-edge whose key equals best[node]; work ~ their out-degrees."""
    lo = g.start[nodes]
    count = g.start[nodes + 1] - lo
    offset = np.cumsum(count) - count
    group = np.repeat(np.arange(nodes.size, dtype=_I64), count)
    idx = np.arange(int(count.sum()), dtype=_I64) + np.repeat(lo - offset, count)
    hit = np.flatnonzero(key[idx] == best[nodes][group])
    first = np.empty(hit.size, dtype=bool)
    first[:1] = True
    np.not_equal(group[hit[1:]], group[hit[:-1]], out=first[1:])
    return idx[hit[first]]


def _best_per_source(idx: np.ndarray, key: np.ndarray, src: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For edges idx (sorted) with values key: their sources and each one's first edge of maximal key."""
    s = src[idx]
    head = np.empty(s.size, dtype=bool)
    head[:1] = True
    np.not_equal(s[1:], s[:-1], out=head[1:])
    starts = np.flatnonzero(head)
    best = np.maximum.reduceat(key, starts)
    group = np.cumsum(head) - 1
    hit = np.flatnonzero(key == best[group])
    first = np.empty(hit.size, dtype=bool)
    first[:1] = True
    np.not_equal(group[hit[1:]], group[hit[:-1]], out=first[1:])
    return s[starts], idx[hit[first]]


def _eta_moves(g: _Cyclic, v: _Values) -> tuple[np.ndarray, np.ndarray]:
    """Type-1 improvement: nodes with an out-edge to a larger cycle mean, and the edge to the largest.

    Float comparison: a move found is a real improvement; moves hidden by two means within one ulp
    are found in exact mode by `_exact_eta_moves` (see `_common_eta`)."""
    eta = v.eta()
    key = eta[g.dst]
    best = _segment_max(g, key)
    nodes = np.flatnonzero(best > eta)
    return nodes, _argmax_edges(g, nodes, key, best)


def _common_eta(g: _Cyclic, v: _Values) -> tuple[np.ndarray, np.ndarray] | None:
    """eta as reduced fractions (P, Q) per node, or None if they differ inside a component.

    Without type-1 moves eta cannot rise along an edge, so it is constant on each strongly
    connected component, and all its nodes share one reduced fraction (barring float ties)."""
    div = np.gcd(v.p, v.q)
    P, Q = v.p // div, v.q // div
    first = np.zeros(int(g.comp.max()) + 1, dtype=_I64)
    first[g.comp] = np.arange(g.n, dtype=_I64)  # some node of each component (whichever write wins)
    ref = first[g.comp]
    if np.array_equal(P, P[ref]) and np.array_equal(Q, Q[ref]):
        return P, Q
    return None


def _exact_eta_moves(g: _Cyclic, v: _Values) -> tuple[np.ndarray, np.ndarray]:
    """Type-1 improvement with exact cross products, on every edge (only when floats tie)."""
    s, d = g.src, g.dst
    idx = np.flatnonzero(v.p[d] * v.q[s] > v.p[s] * v.q[d])
    return _best_per_source(idx, v.eta()[d[idx]], s)


def _bias_moves_exact(g: _Cyclic, w: np.ndarray, v: _Values, P: np.ndarray, Q: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Type-2 improvement in integers: with eta = P/Q and Q x = X = Q S - P D, an edge v -> u gains
    Q (w - eta + x[u] - x[v]) = (Q w + X[u]) - P - X[v]; move where the best gain is > 0."""
    X = Q * v.S - P * v.D
    key = Q[g.src] * w + X[g.dst]
    best = _segment_max(g, key)
    nodes = np.flatnonzero(best - P - X > 0)
    return nodes, _argmax_edges(g, nodes, key, best)


def _bias_moves_float(g: _Cyclic, v: _Values, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Type-2 improvement in floats: x = S - D eta; move where max (w + x[u]) - eta - x[v] > tol."""
    eta = v.eta()
    x = v.S - v.D * eta
    key = g.weight + x[g.dst]
    best = _segment_max(g, key)
    nodes = np.flatnonzero(best - eta - x > tol)
    return nodes, _argmax_edges(g, nodes, key, best)


def _improve(g: _Cyclic, w: np.ndarray, v: _Values, exact: bool, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """The nodes whose policy edge changes and their new edges; empty when the policy is optimal."""
    nodes, edges = _eta_moves(g, v)
    if nodes.size:
        return nodes, edges
    if not exact:
        return _bias_moves_float(g, v, tol)
    common = _common_eta(g, v)
    if common is None:
        return _exact_eta_moves(g, v)
    return _bias_moves_exact(g, w, v, *common)


def _iteration_cap(nodes: int) -> int:
    """Howard needs few iterations in practice (tens); this only stops a runaway loop."""
    return 100 + 10 * nodes


def _exact_mode(w: np.ndarray, nodes: int) -> bool:
    """Whether all comparisons can be done in int64: integral weights, small enough."""
    if not np.array_equal(w, np.round(w)):
        return False
    big = int(np.abs(w).max(initial=0.0))
    return 4 * (nodes + 1) ** 2 * (big + 1) < _INT_LIMIT


def _howard(g: _Cyclic) -> tuple[np.ndarray, _Values, int]:
    """The optimal policy (one edge per node), its values and the number of iterations."""
    exact = _exact_mode(g.weight, g.n)
    w = g.weight.astype(_I64) if exact else g.weight
    scale = float(np.abs(g.weight).max(initial=0.0)) or 1.0
    tol = 8.0 * (math.log2(g.n + 1) + 2.0) * _EPS * g.n * scale
    all_nodes = np.arange(g.n, dtype=_I64)
    policy = _argmax_edges(g, all_nodes, g.weight, _segment_max(g, g.weight))
    for it in range(1, _iteration_cap(g.n) + 1):
        values = _evaluate(g.dst[policy], w[policy])
        nodes, edges = _improve(g, w, values, exact, tol)
        if nodes.size == 0:
            return policy, values, it
        policy[nodes] = edges
    raise ConvergenceError(f"Howard's policy iteration did not converge in {_iteration_cap(g.n)} iterations "
                           f"on {g.n} nodes and {g.src.size} edges")


def _critical_root(values: _Values) -> int:
    """The root of a policy cycle of largest mean (compared exactly among near-equal floats)."""
    roots = np.flatnonzero(values.on_cycle & (values.root == np.arange(values.root.size)))
    eta = values.eta()[roots]
    top = roots[eta == eta.max()]
    if top.size == 1 or values.p.dtype.kind == "f":
        return int(top[0])
    return int(max(top.tolist(), key=lambda r: Fraction(int(values.p[r]), int(values.q[r]))))


def _solve(n: int, src, dst, weight) -> tuple[CycleMean, int]:
    """max_cycle_mean plus Howard's iteration count (for benchmarks)."""
    n, src, dst, weight = _check_graph(n, src, dst, weight)
    g = _cyclic_part(n, src, dst, weight)
    if g.n == 0:
        return _no_cycle(), 0
    policy, values, iterations = _howard(g)
    r = _critical_root(values)
    members = np.flatnonzero(values.on_cycle & (values.root == r))
    members = members[np.argsort(-values.D[members], kind="stable")]  # root (D = 0) first, then along
    members = np.concatenate([members[-1:], members[:-1]])
    edges = g.edge[policy[members]]
    return _cycle_result(g.node[members], edges, weight), iterations


def _cycle_result(nodes: np.ndarray, edges: np.ndarray, weight: np.ndarray) -> CycleMean:
    """The CycleMean of a cycle, its mean recomputed exactly when every weight is an integer."""
    w = weight[edges]
    finite = weight[weight > -math.inf]
    if np.array_equal(finite, np.round(finite)):
        exact = Fraction(sum(int(x) for x in w.tolist()), int(w.size))
        return CycleMean(float(exact), exact, nodes, edges)
    return CycleMean(math.fsum(w.tolist()) / w.size, None, nodes, edges)


def max_cycle_mean(n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray) -> CycleMean:
    """Howard's policy iteration, vectorised; works per strongly connected component or on the whole
    graph; parallel edges and self-loops allowed; weights float64 (may be negative, -inf = no edge);
    nodes with no out-edge or not on any cycle are fine.

    Raises ValueError for inconsistent inputs, ConvergenceError if the iteration cap is hit.
    """
    return _solve(n, src, dst, weight)[0]


# ------------------------------------------------------------------------------ Karp


def _karp_component(nodes: np.ndarray, src: np.ndarray, dst: np.ndarray, w: np.ndarray) -> float:
    """Karp's formula on one strongly connected component (edges inside it), in O(k) memory.

    D_j(v) is the largest weight of a j-edge walk from nodes[0] to v; the answer is
    max_v min_j (D_k(v) - D_j(v)) / (k - j). The first pass computes D_k, the second the minimum.
    """
    k = nodes.size
    local = np.searchsorted(nodes, dst)
    order = np.argsort(local, kind="stable")
    s_loc = np.searchsorted(nodes, src)[order]
    w = w[order]
    starts = np.searchsorted(local[order], np.arange(k))  # every node has an in-edge in its component

    def step(d: np.ndarray) -> np.ndarray:
        return np.maximum.reduceat(d[s_loc] + w, starts)

    d0 = np.full(k, -math.inf)
    d0[0] = 0.0
    dk = d0
    for _ in range(k):
        dk = step(dk)
    worst = np.full(k, math.inf)
    dj = d0
    with np.errstate(invalid="ignore"):
        for j in range(k):
            np.minimum(worst, (dk - dj) / (k - j), out=worst, where=dj > -math.inf)
            dj = step(dj)
    reach = dk > -math.inf
    return float(worst[reach].max())


def max_cycle_mean_karp(n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray) -> float:
    """Karp's O(n*m) algorithm per strongly connected component: the independent check for tests;
    -inf if acyclic. Memory O(n + m); time is quadratic-ish, so for small graphs only."""
    n, src, dst, weight = _check_graph(n, src, dst, weight)
    g = _cyclic_part(n, src, dst, weight)
    if g.n == 0:
        return -math.inf
    graph = sp.csr_matrix((np.ones(g.src.size, np.int8), g.dst, g.start), shape=(g.n, g.n))
    count, label = connected_components(graph, directed=True, connection="strong")
    order = np.argsort(label[g.src], kind="stable")
    edge_label = label[g.src][order]
    bounds = np.searchsorted(edge_label, np.arange(count + 1))
    best = -math.inf
    for c in range(count):
        e = order[bounds[c]:bounds[c + 1]]
        nodes = np.flatnonzero(label == c)
        best = max(best, _karp_component(nodes, g.src[e], g.dst[e], g.weight[e]))
    return best


# ------------------------------------------------------------------------------ max-plus matrices


@dataclass(frozen=True)
class MaxPlusMatrix:
    """A sparse max-plus matrix in COO form: entry (row[k], col[k]) = val[k]; absent entries are
    epsilon = -inf. Duplicate (row, col) pairs mean the max of their values."""

    shape: tuple[int, int]
    row: np.ndarray  # int64
    col: np.ndarray  # int64
    val: np.ndarray  # float64

    def __post_init__(self) -> None:
        shape = tuple(int(x) for x in self.shape)
        if len(shape) != 2 or min(shape) < 0:
            raise ValueError(f"shape must be two non-negative sizes, got {self.shape!r}")
        row = np.asarray(self.row).reshape(-1).astype(_I64)
        col = np.asarray(self.col).reshape(-1).astype(_I64)
        val = np.asarray(self.val, dtype=np.float64).reshape(-1)
        if not (row.size == col.size == val.size):
            raise ValueError(f"row, col and val must have the same length, got {row.size}, {col.size}, {val.size}")
        for name, a, size in (("row", row, shape[0]), ("col", col, shape[1])):
            if a.size and (a.min() < 0 or a.max() >= size):
                raise ValueError(f"{name} index out of range 0..{size - 1}")
        if np.isnan(val).any() or np.isposinf(val).any():
            raise ValueError("entries must not be NaN or +inf (-inf is epsilon)")
        for name, value in (("shape", shape), ("row", row), ("col", col), ("val", val)):
            object.__setattr__(self, name, value)

    def matvec(self, x: np.ndarray) -> np.ndarray:
        """(M (x) x)[i] = max_j (M[i, j] + x[j]); -inf where a row is empty."""
        x = np.asarray(x, dtype=np.float64)
        if x.shape != (self.shape[1],):
            raise ValueError(f"vector of shape {x.shape} for a {self.shape[0]}x{self.shape[1]} matrix")
        if np.isnan(x).any() or np.isposinf(x).any():
            raise ValueError("vector entries must not be NaN or +inf")
        out = np.full(self.shape[0], -math.inf)
        np.maximum.at(out, self.row, self.val + x[self.col])
        return out

    def to_dense(self) -> np.ndarray:
        """The dense matrix with -inf for epsilon (tests and small matrices)."""
        out = np.full(self.shape, -math.inf)
        np.maximum.at(out, (self.row, self.col), self.val)
        return out

    @staticmethod
    def from_dense(a: np.ndarray) -> MaxPlusMatrix:
        """The entries > -inf of a dense matrix, in row-major order."""
        a = np.asarray(a, dtype=np.float64)
        if a.ndim != 2:
            raise ValueError(f"a max-plus matrix must be two-dimensional, got shape {a.shape}")
        if np.isnan(a).any():
            raise ValueError("entries must not be NaN")
        row, col = np.nonzero(a > -math.inf)
        return MaxPlusMatrix(a.shape, row, col, a[row, col])

    def eigenvalue(self) -> CycleMean:
        """The max-plus eigenvalue of a square matrix = the maximum cycle mean of its precedence graph,
        whose edge j -> i (column to row) has weight M[i, j]. The returned nodes/edges refer to that
        precedence graph (edges index the COO entries)."""
        if self.shape[0] != self.shape[1]:
            raise ValueError(f"the eigenvalue needs a square matrix, got {self.shape[0]}x{self.shape[1]}")
        return max_cycle_mean(self.shape[0], self.col, self.row, self.val)


def power_iteration_rate(m: MaxPlusMatrix, x0: np.ndarray | None = None, max_steps: int = 10_000) -> float:
    """The growth rate of x(k+1) = M (x) x(k), found when x(k) repeats up to a constant shift.

    An independent oracle for the eigenvalue: for an irreducible matrix x(k) becomes periodic,
    x(k+c) = x(k) + c lambda, after a transient. Detection compares x(k) - max x(k) exactly, so it
    is meant for integer entries and x0. Raises RuntimeError if no repetition within max_steps and
    ValueError if an entry of x(k) becomes -inf (the matrix has an empty row or is reducible).
    """
    if m.shape[0] != m.shape[1] or m.shape[0] == 0:
        raise ValueError(f"power iteration needs a non-empty square matrix, got {m.shape[0]}x{m.shape[1]}")
    x = np.zeros(m.shape[1]) if x0 is None else np.asarray(x0, dtype=np.float64)
    seen: dict[bytes, int] = {}
    tops: list[float] = []
    for k in range(max_steps + 1):
        if not np.isfinite(x).all():
            raise ValueError(f"x({k}) has an epsilon entry: the matrix is not irreducible")
        top = float(x.max())
        key = (x - top).tobytes()
        if key in seen:
            j = seen[key]
            return (top - tops[j]) / (k - j)
        seen[key] = k
        tops.append(top)
        x = m.matvec(x)
    raise RuntimeError(f"power iteration found no period within {max_steps} steps")
