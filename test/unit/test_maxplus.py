"""Maximum cycle mean and max-plus matrices (snnir.algorithms.maxplus).

Expected values of the small graphs are worked out by hand in the comments. Property tests
check Howard's policy iteration against three independent oracles: Karp's algorithm, brute force
over the simple cycles (networkx, exact Fractions) and, for irreducible matrices, the growth rate
of max-plus power iteration.
"""

from __future__ import annotations

import math
from fractions import Fraction

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snnir.algorithms import maxplus
from snnir.algorithms.maxplus import (
    ConvergenceError,
    CycleMean,
    MaxPlusMatrix,
    max_cycle_mean,
    max_cycle_mean_karp,
    power_iteration_rate,
)

NEG = -math.inf
SMALL_INTS = st.integers(-20, 20)

# ------------------------------------------------------------------------------ helpers


def solve(n: int, edges: list[tuple[int, int, float]]) -> tuple[CycleMean, np.ndarray, np.ndarray, np.ndarray]:
    """max_cycle_mean of an edge list, returned with the arrays it was given."""
    src = np.array([e[0] for e in edges], dtype=np.int64)
    dst = np.array([e[1] for e in edges], dtype=np.int64)
    w = np.array([e[2] for e in edges], dtype=np.float64)
    return max_cycle_mean(n, src, dst, w), src, dst, w


def assert_cycle(cm: CycleMean, src, dst, w) -> None:
    """The returned cycle is a real cycle of the input whose mean is the value."""
    assert cm.nodes.dtype == np.int64 and cm.edges.dtype == np.int64
    L = cm.nodes.size
    assert cm.edges.size == L
    if L == 0:
        assert cm.value == NEG and cm.exact is None
        return
    assert len(set(cm.nodes.tolist())) == L  # a simple cycle
    assert np.array_equal(src[cm.edges], cm.nodes)
    assert np.array_equal(dst[cm.edges], np.roll(cm.nodes, -1))
    if cm.exact is not None:
        assert cm.exact == Fraction(sum(int(x) for x in w[cm.edges]), L)
        assert cm.value == float(cm.exact)
    else:
        assert cm.value == pytest.approx(float(np.mean(w[cm.edges])), rel=1e-12, abs=1e-12)


def brute_force(n: int, src, dst, w) -> Fraction | None:
    """The exact maximum cycle mean over all simple cycles (integer weights), None if acyclic."""
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    for u, v, x in zip(src.tolist(), dst.tolist(), w.tolist()):
        if x > NEG and (not g.has_edge(u, v) or g[u][v]["w"] < x):
            g.add_edge(u, v, w=x)
    best = None
    for cyc in nx.simple_cycles(g):
        total = sum(int(g[u][v]["w"]) for u, v in zip(cyc, cyc[1:] + cyc[:1]))
        mean = Fraction(total, len(cyc))
        best = mean if best is None or mean > best else best
    return best


def random_strong(n: int, m: int, seed: int, low: int = 1, high: int = 1000):
    """A strongly connected random digraph: a Hamiltonian cycle plus m - n random edges."""
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    src = np.concatenate([perm, rng.integers(0, n, m - n)])
    dst = np.concatenate([np.roll(perm, -1), rng.integers(0, n, m - n)])
    return src, dst, rng.integers(low, high + 1, m).astype(np.float64)


# ------------------------------------------------------------------------------ by hand


def test_textbook_two_by_two():
    # M = [[3, 7], [2, 4]]: precedence graph 0->0 (3), 1->1 (4), 1->0 (7), 0->1 (2);
    # cycle means 3, 4 and (7 + 2) / 2 = 4.5, so lambda = 4.5 on the 2-cycle.
    # Power iteration from (0, 0): (7, 4), (11, 9), (16, 13), (20, 18): x(3) = x(1) + 9 = x(1) + 2 * 4.5.
    m = MaxPlusMatrix.from_dense(np.array([[3.0, 7.0], [2.0, 4.0]]))
    cm = m.eigenvalue()
    assert cm.value == 4.5 and cm.exact == Fraction(9, 2)
    assert sorted(cm.nodes.tolist()) == [0, 1]
    # edges index the COO entries (row-major: (0,0), (0,1), (1,0), (1,1)); entry k is col -> row
    assert np.array_equal(m.col[cm.edges], cm.nodes)
    assert np.array_equal(m.row[cm.edges], np.roll(cm.nodes, -1))
    assert sorted(cm.edges.tolist()) == [1, 2]
    assert power_iteration_rate(m) == 4.5
    x = np.zeros(2)
    for _ in range(3):
        x = m.matvec(x)
    assert x.tolist() == [16.0, 13.0]


def test_single_self_loop():
    cm, src, dst, w = solve(1, [(0, 0, -3.0)])
    assert cm.value == -3.0 and cm.exact == Fraction(-3)
    assert cm.nodes.tolist() == [0] and cm.edges.tolist() == [0]
    assert max_cycle_mean_karp(1, src, dst, w) == -3.0


def test_two_disjoint_cycles_the_larger_mean_wins():
    # 0 <-> 1: (1 + 2) / 2 = 1.5; 2 -> 3 -> 4 -> 2: (2 + 2 + 3) / 3 = 7/3
    edges = [(0, 1, 1), (1, 0, 2), (2, 3, 2), (3, 4, 2), (4, 2, 3)]
    cm, src, dst, w = solve(5, edges)
    assert cm.exact == Fraction(7, 3) and cm.value == 7 / 3
    assert cm.nodes.tolist() == [2, 3, 4]  # the root (lowest id) first
    assert cm.edges.tolist() == [2, 3, 4]
    assert_cycle(cm, src, dst, w)
    assert max_cycle_mean_karp(5, src, dst, w) == 7 / 3


@pytest.mark.parametrize("n, edges", [
    (0, []),
    (5, []),
    (4, [(0, 1, 1), (1, 2, 1), (0, 2, 5), (2, 3, 1)]),  # a DAG
    (3, [(0, 1, NEG), (1, 0, NEG), (1, 2, 4)]),  # the only cycle uses epsilon edges
])
def test_no_cycle(n, edges):
    cm, src, dst, w = solve(n, edges)
    assert cm.value == NEG and cm.exact is None
    assert cm.nodes.size == 0 and cm.edges.size == 0
    assert cm.nodes.dtype == np.int64 and cm.edges.dtype == np.int64
    assert max_cycle_mean_karp(n, src, dst, w) == NEG


def test_negative_weights():
    # 0 <-> 1: (-1 - 3) / 2 = -2 beats the self-loop at 2 (-2.5) and 2 -> 0 is a tail
    cm, src, dst, w = solve(3, [(0, 1, -1), (1, 0, -3), (2, 2, -2.5), (2, 0, 10)])
    assert cm.value == -2.0 and cm.exact is None  # -2.5 is not an integer
    assert sorted(cm.nodes.tolist()) == [0, 1]
    assert_cycle(cm, src, dst, w)


def test_parallel_edges_take_the_heavier():
    # 0 -> 1 twice (1 and 5), 1 -> 0 (0): (5 + 0) / 2 = 2.5 through edge 1
    cm, src, dst, w = solve(2, [(0, 1, 1), (0, 1, 5), (1, 0, 0)])
    assert cm.exact == Fraction(5, 2)
    assert sorted(cm.edges.tolist()) == [1, 2]
    assert_cycle(cm, src, dst, w)


def test_dag_tail_feeding_a_cycle():
    # heavy tail 0 -> 1 -> 2 (100 each) into the cycle 2 -> 3 -> 4 -> 2 (1, 2, 3): mean 2;
    # the tail is on no cycle and must not count; 5 hangs off the cycle with no out-edge
    edges = [(0, 1, 100), (1, 2, 100), (2, 3, 1), (3, 4, 2), (4, 2, 3), (4, 5, 50)]
    cm, src, dst, w = solve(6, edges)
    assert cm.exact == 2 and cm.nodes.tolist() == [2, 3, 4]
    assert_cycle(cm, src, dst, w)


def test_initial_policy_is_not_optimal():
    # the heaviest out-edge of 0 (6) leads into the cycle 0 -> 1 -> 2 -> 0 of mean 2;
    # the self-loop at 0 (5) is better: needs a bias (type-2) improvement
    cm = solve(3, [(0, 0, 5), (0, 1, 6), (1, 2, 0), (2, 0, 0)])[0]
    assert cm.exact == 5 and cm.nodes.tolist() == [0] and cm.edges.tolist() == [0]


def test_eta_improvement_between_components():
    # component {0, 1} (mean 1) reaches component {2} (self-loop 10): per component, the max wins
    cm = solve(3, [(0, 1, 1), (1, 0, 1), (1, 2, 0), (2, 2, 10)])[0]
    assert cm.exact == 10 and cm.nodes.tolist() == [2]


def test_equal_means_with_different_lengths():
    # cycles 0 <-> 1 (1 + 0: 1/2) and 2 -> 3 -> 4 -> 5 -> 2 (2/4), joined both ways by weight-0
    # edges that form cycles of smaller mean; 6 -> 6 is 49999/100000 < 1/2
    edges = [(0, 1, 1), (1, 0, 0), (2, 3, 1), (3, 4, 0), (4, 5, 1), (5, 2, 0), (1, 2, 0), (3, 0, -1),
             (6, 6, 0.49999)]
    cm, src, dst, w = solve(7, edges)
    assert cm.value == 0.5
    assert_cycle(cm, src, dst, w)
    cm, src, dst, w = solve(6, edges[:-1])
    assert cm.exact == Fraction(1, 2)
    assert_cycle(cm, src, dst, w)


def test_close_means_of_long_cycles_are_told_apart():
    # two cycles through node 0: 0 -> 1 -> ... -> 999 -> 0 (1000 edges) and
    # 0 -> 1000 -> ... -> 1997 -> 0 (999 edges), each with 500 edges of weight 1 and the rest 0:
    # means 500/1000 < 500/999, apart by only 1/1998000; Karp agrees exactly
    path = np.r_[0, np.arange(1000, 1998), 0]
    src = np.r_[np.arange(1000), path[:-1]]
    dst = np.r_[(np.arange(1000) + 1) % 1000, path[1:]]
    w = np.zeros(src.size)
    w[:500] = 1
    w[1000:1500] = 1
    cm = max_cycle_mean(1998, src, dst, w)
    assert cm.exact == Fraction(500, 999)
    assert cm.nodes.size == 999
    assert_cycle(cm, src, dst, w)
    assert max_cycle_mean_karp(1998, src, dst, w) == 500 / 999


def test_epsilon_edges_are_no_edges():
    cm, src, dst, w = solve(2, [(0, 1, NEG), (1, 0, 3), (0, 1, 1), (1, 1, 1)])
    assert cm.exact == 2 and sorted(cm.edges.tolist()) == [1, 2]
    assert_cycle(cm, src, dst, w)


def test_huge_and_fractional_weights_take_the_float_path():
    # weights beyond the int64 bound of the exact mode, and non-integral ones: scaling by a power
    # of two is exact and scales the cycle mean
    src, dst, w = random_strong(60, 300, seed=3, low=-20, high=20)
    base = max_cycle_mean(60, src, dst, w)
    assert base.value == max_cycle_mean_karp(60, src, dst, w)
    big = max_cycle_mean(60, src, dst, w * 2.0**55)
    assert big.exact == base.exact * 2**55
    small = max_cycle_mean(60, src, dst, w / 1024)
    assert small.exact is None and small.value == base.value / 1024
    assert_cycle(small, src, dst, w / 1024)


def test_iteration_cap_raises(monkeypatch):
    monkeypatch.setattr(maxplus, "_iteration_cap", lambda nodes: 1)
    with pytest.raises(ConvergenceError, match="did not converge in 1 iterations"):
        solve(3, [(0, 0, 5), (0, 1, 6), (1, 2, 0), (2, 0, 0)])


@pytest.mark.parametrize("seed", range(5))
def test_exact_check_catches_what_floats_miss(monkeypatch, seed):
    # two cycle means within one ulp compare equal as floats; the exact mode then finds the
    # better one by cross products. Simulate float blindness: no float type-1 moves at all.
    monkeypatch.setattr(maxplus, "_eta_moves", lambda g, v: (np.zeros(0, np.int64),) * 2)
    rng = np.random.default_rng(seed)
    n, m = 300, 600
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    w = rng.integers(-50, 50, m).astype(np.float64)
    cm = max_cycle_mean(n, src, dst, w)
    assert cm.value == max_cycle_mean_karp(n, src, dst, w)
    assert_cycle(cm, src, dst, w)


def test_inputs_are_validated():
    one = np.array([0])
    with pytest.raises(ValueError, match="same length"):
        max_cycle_mean(2, one, np.array([0, 1]), np.array([1.0]))
    with pytest.raises(ValueError, match="node id 2, outside 0..1"):
        max_cycle_mean(2, one, np.array([2]), np.array([1.0]))
    with pytest.raises(ValueError, match="node id -1"):
        max_cycle_mean_karp(2, np.array([-1]), one, np.array([1.0]))
    with pytest.raises(ValueError, match="non-negative integer"):
        max_cycle_mean(-1, [], [], [])
    with pytest.raises(ValueError, match="integer node ids"):
        max_cycle_mean(2, np.array([0.0]), one, np.array([1.0]))
    with pytest.raises(ValueError, match="NaN"):
        max_cycle_mean(1, one, one, np.array([np.nan]))
    with pytest.raises(ValueError, match="one-dimensional"):
        max_cycle_mean(1, one.reshape(1, 1), one, np.array([1.0]))


def test_inputs_are_not_modified():
    src, dst, w = random_strong(50, 200, seed=1)
    copies = src.copy(), dst.copy(), w.copy()
    max_cycle_mean(50, src, dst, w)
    assert all(np.array_equal(a, b) for a, b in zip((src, dst, w), copies))


def test_medium_random_graph_against_karp():
    src, dst, w = random_strong(2000, 20000, seed=7)
    cm = max_cycle_mean(2000, src, dst, w)
    assert cm.value == max_cycle_mean_karp(2000, src, dst, w)
    assert_cycle(cm, src, dst, w)


def test_many_components_against_karp():
    # sparse random graph: many components, trivial ones, self-loops and long tails
    rng = np.random.default_rng(11)
    n, m = 400, 520
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    w = rng.integers(-100, 100, m).astype(np.float64)
    cm = max_cycle_mean(n, src, dst, w)
    assert cm.value == max_cycle_mean_karp(n, src, dst, w)
    assert cm.exact == brute_force(n, src, dst, w)
    assert_cycle(cm, src, dst, w)


# ------------------------------------------------------------------------------ matrices


def test_matrix_dense_round_trip_and_duplicates():
    m = MaxPlusMatrix((2, 3), np.array([0, 1, 0, 1]), np.array([2, 0, 2, 1]), np.array([1.0, -4.0, 3.0, NEG]))
    assert m.to_dense().tolist() == [[NEG, NEG, 3.0], [-4.0, NEG, NEG]]  # the max of duplicates
    d = MaxPlusMatrix.from_dense(m.to_dense())
    assert d.shape == (2, 3) and d.row.tolist() == [0, 1] and d.col.tolist() == [2, 0]
    assert d.row.dtype == np.int64 and d.val.dtype == np.float64


def test_matvec_by_hand():
    # [[1, eps], [2, 0], [eps, eps]] (x) (5, -1) = (6, max(7, -1), eps)
    m = MaxPlusMatrix.from_dense(np.array([[1.0, NEG], [2.0, 0.0], [NEG, NEG]]))
    assert m.matvec(np.array([5.0, -1.0])).tolist() == [6.0, 7.0, NEG]
    assert m.matvec(np.array([NEG, 0.0])).tolist() == [NEG, 0.0, NEG]


def test_matrix_validation():
    with pytest.raises(ValueError, match="same length"):
        MaxPlusMatrix((2, 2), np.array([0]), np.array([0, 1]), np.array([1.0]))
    with pytest.raises(ValueError, match="col index out of range"):
        MaxPlusMatrix((2, 2), np.array([0]), np.array([2]), np.array([1.0]))
    with pytest.raises(ValueError, match="NaN"):
        MaxPlusMatrix.from_dense(np.array([[np.nan]]))
    m = MaxPlusMatrix.from_dense(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="square"):
        m.eigenvalue()
    with pytest.raises(ValueError, match="shape"):
        m.matvec(np.zeros(2))


def test_empty_and_reducible_matrices():
    assert MaxPlusMatrix.from_dense(np.zeros((0, 0))).eigenvalue().value == NEG
    m = MaxPlusMatrix.from_dense(np.array([[1.0, NEG], [NEG, NEG]]))
    assert m.eigenvalue().exact == 1
    with pytest.raises(ValueError, match="not irreducible"):
        power_iteration_rate(m)


# ------------------------------------------------------------------------------ properties


@st.composite
def graphs(draw, max_nodes: int, max_edges: int, weights=SMALL_INTS):
    n = draw(st.integers(1, max_nodes))
    m = draw(st.integers(0, max_edges))
    ids = st.lists(st.integers(0, n - 1), min_size=m, max_size=m)
    src, dst = np.array(draw(ids), dtype=np.int64), np.array(draw(ids), dtype=np.int64)
    w = np.array(draw(st.lists(weights, min_size=m, max_size=m)), dtype=np.float64)
    return n, src, dst, w


@given(graphs(max_nodes=7, max_edges=16))
def test_small_graphs_match_brute_force_and_karp(g):
    n, src, dst, w = g
    cm = max_cycle_mean(n, src, dst, w)
    assert cm.exact == brute_force(n, src, dst, w)
    assert cm.value == max_cycle_mean_karp(n, src, dst, w)
    assert_cycle(cm, src, dst, w)


@given(graphs(max_nodes=60, max_edges=240, weights=st.integers(-1000, 1000)))
def test_random_graphs_match_karp_exactly(g):
    n, src, dst, w = g
    cm = max_cycle_mean(n, src, dst, w)
    assert cm.value == max_cycle_mean_karp(n, src, dst, w)
    assert_cycle(cm, src, dst, w)


@given(graphs(max_nodes=30, max_edges=120,
              weights=st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)))
def test_float_weights_match_karp(g):
    n, src, dst, w = g
    cm = max_cycle_mean(n, src, dst, w)
    karp = max_cycle_mean_karp(n, src, dst, w)
    assert cm.value == pytest.approx(karp, rel=1e-9, abs=1e-9) or cm.value == karp == NEG
    assert_cycle(cm, src, dst, w)


@st.composite
def irreducible(draw, max_n: int = 5):
    """A matrix with integer entries 0..9, epsilon elsewhere, containing a Hamiltonian cycle."""
    n = draw(st.integers(1, max_n))
    entries = st.one_of(st.just(NEG), st.integers(0, 9).map(float))
    a = np.array(draw(st.lists(entries, min_size=n * n, max_size=n * n))).reshape(n, n)
    perm = draw(st.permutations(range(n)))
    for i in range(n):
        if a[perm[(i + 1) % n], perm[i]] == NEG:
            a[perm[(i + 1) % n], perm[i]] = draw(st.integers(0, 9))
    x0 = np.array(draw(st.lists(st.integers(-20, 20), min_size=n, max_size=n)), dtype=np.float64)
    return a, x0


@given(irreducible())
def test_eigenvalue_is_the_growth_rate_of_power_iteration(case):
    a, x0 = case
    m = MaxPlusMatrix.from_dense(a)
    cm = m.eigenvalue()
    assert cm.value == power_iteration_rate(m, x0)
    assert np.array_equal(m.col[cm.edges], cm.nodes)
    assert np.array_equal(m.row[cm.edges], np.roll(cm.nodes, -1))
    assert np.array_equal(m.to_dense(), a)
