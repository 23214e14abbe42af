"""Buffer sizing (snnir.algorithms.buffers).

The LeNet-MNIST front of method.md section 9 (SDF3's figures) is reproduced exactly; two-actor
pipelines are worked out by hand in the comments. Property tests on small random consistent
graphs compare the front with a brute force over every distribution up to a small total size,
re-analyse every point (max-plus and the independent event simulator) and check that
`smallest_buffers` lands on the front.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from snnir.algorithms.buffers import (
    ExplorationLimit,
    ParetoPoint,
    Unreachable,
    explore,
    lower_bounds,
    pareto_front,
    smallest_buffers,
    steps,
    with_capacities,
)
from snnir.algorithms.sdf import (
    Deadlock,
    InconsistentGraph,
    SDFError,
    SDFGraph,
    UnboundedActors,
    self_timed_period,
    throughput,
)


def graph(names, exec_time, channels) -> SDFGraph:
    """An SDFGraph from actor names and (src name, dst name, p, c, t) tuples."""
    ix = {n: i for i, n in enumerate(names)}
    src, dst, p, c, t = zip(*channels)
    def arr(xs) -> np.ndarray:
        return np.array(xs, dtype=np.int64)

    return SDFGraph(tuple(names), np.asarray(exec_time), arr([ix[s] for s in src]), arr([ix[d] for d in dst]),
                    arr(p), arr(c), arr(t))


def rate(g: SDFGraph, cap: np.ndarray) -> Fraction | float:
    """Throughput of g with the buffers cap; 0 when it deadlocks."""
    try:
        return throughput(with_capacities(g, cap)).throughput
    except Deadlock:
        return 0


def check_front(g: SDFGraph, front: list[ParetoPoint], buffered: np.ndarray | None = None) -> None:
    """Sizes and throughputs strictly increase; every point's capacities give its size and throughput."""
    b = g.src != g.dst if buffered is None else buffered
    lb = lower_bounds(g, b)
    st_ = steps(g)
    for prev, p in itertools.pairwise(front):
        assert p.size > prev.size and p.throughput > prev.throughput
    for p in front:
        assert p.throughput > 0
        assert p.capacities.dtype == np.int64 and p.capacities.shape == (g.channels,)
        assert (p.capacities[~b] == -1).all()
        assert (p.capacities[b] >= lb[b]).all() and ((p.capacities[b] - lb[b]) % st_[b] == 0).all()
        assert int(p.capacities[b].sum()) == p.size
        assert rate(g, p.capacities) == p.throughput


# ------------------------------------------------------------------------------ LeNet-MNIST (method.md section 9)

LENET_ACTORS = ("a0", "a1", "a2", "a3", "a4", "a5", "a7")
LENET_CHANNELS = [("a0", "a1", 2), ("a0", "a2", 2), ("a1", "a0", 2), ("a1", "a5", 2), ("a2", "a1", 3),
                  ("a2", "a5", 3), ("a3", "a1", 1), ("a3", "a5", 1), ("a4", "a0", 2), ("a4", "a1", 2),
                  ("a5", "a3", 3), ("a5", "a1", 3), ("a7", "a0", 1)]
LENET_FRONT = [(32, Fraction(1, 96)), (33, Fraction(1, 80)), (34, Fraction(1, 64)), (35, Fraction(1, 48)),
               (40, Fraction(1, 32)), (54, Fraction(1, 16))]


def lenet(self_loops: bool = True) -> SDFGraph:
    chans = [(s, d, k, k, k) for s, d, k in LENET_CHANNELS]
    if self_loops:
        chans += [(a, a, 1, 1, 1) for a in LENET_ACTORS]
    return graph(LENET_ACTORS, np.full(7, 16), chans)


@pytest.fixture(scope="module")
def lenet_exploration():
    return explore(lenet())


@pytest.fixture(scope="module")
def lenet_front(lenet_exploration) -> list[ParetoPoint]:
    return lenet_exploration.front


def test_lenet_lower_bounds():
    # every channel is (k, k, k): p + c - gcd + t mod gcd = k; self-loops get no buffer
    g = lenet()
    lb = lower_bounds(g)
    assert lb.tolist() == [k for *_, k in LENET_CHANNELS] + [-1] * 7
    assert int(lb[lb >= 0].sum()) == 27


def test_lenet_front_matches_sdf3(lenet_front):
    # SDF3's figures: sizes 27 .. 31 deadlock (the reverse channels of a0 -> a1 and a1 -> a0 alone
    # form a cycle without tokens at the lower bounds), then 32 -> 1/96 ... 54 -> 1/16 = the
    # throughput with unbounded buffers
    assert [(p.size, p.throughput) for p in lenet_front] == LENET_FRONT
    assert all(isinstance(p.throughput, Fraction) for p in lenet_front)
    g = lenet()
    check_front(g, lenet_front)
    for p in lenet_front:  # the independent event simulator agrees (the buffered graph is strongly connected)
        assert self_timed_period(with_capacities(g, p.capacities)) == 1 / p.throughput


def test_lenet_front_statistics_and_sdf3_semantics(lenet_exploration):
    g = lenet()
    ex = lenet_exploration
    assert ex.complete and ex.maximum == Fraction(1, 16)
    assert 1 < ex.distributions < 5000
    # every actor has a self-loop: SDF3's semantics gives the same front
    assert [(p.size, p.throughput) for p in pareto_front(g, semantics="sdf3")] == LENET_FRONT


def test_lenet_smallest_buffers(lenet_front):
    g = lenet()
    for p in lenet_front:
        q = smallest_buffers(g, p.throughput)
        assert (q.size, q.throughput) == (p.size, p.throughput)
        assert q.capacities.tolist() == p.capacities.tolist()
    # between two points: the next point
    q = smallest_buffers(g, Fraction(1, 50))
    assert (q.size, q.throughput) == (35, Fraction(1, 48))
    q = smallest_buffers(g, 1e-9)  # a float bound works too
    assert q.size == 32


def test_lenet_unreachable_throughput():
    with pytest.raises(Unreachable, match=r"throughput 1/15 is unreachable: .* at most 1/16 \(period 16\)") as e:
        smallest_buffers(lenet(), Fraction(1, 15))
    assert isinstance(e.value, SDFError) and isinstance(e.value, ValueError)
    assert e.value.maximum == Fraction(1, 16) and e.value.requested == Fraction(1, 15)
    with pytest.raises(ValueError, match="must be positive"):
        smallest_buffers(lenet(), 0)


def test_lenet_bounds_stop_the_search():
    g = lenet()
    front = pareto_front(g, max_size=34)
    assert [(p.size, p.throughput) for p in front] == LENET_FRONT[:3]
    assert not explore(g, max_size=34).complete
    assert pareto_front(g, max_size=31) == []  # every size up to 31 deadlocks
    assert pareto_front(g, max_size=10) == []  # below the lower bounds
    with pytest.raises(ExplorationLimit, match="after 20 distributions") as e:
        pareto_front(g, max_distributions=20)
    assert e.value.distributions == 20
    assert [(p.size, p.throughput) for p in e.value.front] == LENET_FRONT[: len(e.value.front)]


def test_lenet_without_self_loops():
    # self-timed: the sources a4, a7 have no finite rate even with unbounded buffers (what the
    # graph itself raises); under SDF3's semantics the graph reaches 1/16 and the buffers bound
    # a4 and a7 (they may overlap with themselves, so they need no more space than with loops)
    g = lenet(self_loops=False)
    with pytest.raises(UnboundedActors):
        pareto_front(g)
    front = pareto_front(g, semantics="sdf3")
    assert front[-1].throughput == Fraction(1, 16)
    assert [p.throughput for p in front] == sorted({p.throughput for p in front})
    assert front[0].size == 32


def test_lenet_subset_of_buffers():
    # only a0 -> a1 and a1 -> a0 buffered: the lower bounds 2 + 2 deadlock (no space tokens in
    # their reverse channels, which form a cycle a0 -> a1 -> a0); 2 + 4 gives the cycle
    # a0 -> a1 -> a0 of reverse channels one token (2 places / 2 per firing) and 32 of work
    g = lenet()
    b = np.zeros(g.channels, dtype=bool)
    b[[0, 2]] = True
    front = pareto_front(g, b)
    check_front(g, front, b)
    assert [(p.size, p.throughput) for p in front] == [(6, Fraction(1, 32)), (8, Fraction(1, 16))]
    assert front[0].capacities[[0, 2]].tolist() in ([2, 4], [4, 2])
    assert smallest_buffers(g, Fraction(1, 20), b).size == 8


# ------------------------------------------------------------------------------ small graphs by hand


def test_homogeneous_pipeline_by_hand():
    # A (2) -> B (3), one-token self-loops, channel (1, 1, 0). Lower bound 1. Capacity 1: the
    # cycle A -> B -> A (channel, reverse channel) holds 1 token and 5 of work: period 5.
    # Capacity 2: 2 tokens, 5 / 2 < 3, B's self-loop limits: period 3, the maximum.
    g = graph("AB", [2, 3], [("A", "B", 1, 1, 0), ("A", "A", 1, 1, 1), ("B", "B", 1, 1, 1)])
    front = pareto_front(g)
    assert [(p.size, p.throughput) for p in front] == [(1, Fraction(1, 5)), (2, Fraction(1, 3))]
    assert [p.capacities.tolist() for p in front] == [[1, -1, -1], [2, -1, -1]]
    check_front(g, front)
    assert smallest_buffers(g, Fraction(1, 4)).size == 2


def test_multirate_pipeline_by_hand():
    # A -(2, 3)-> B, no initial tokens, execution time 1 each, one-token self-loops; q = (3, 2).
    # Lower bound 2 + 3 - 1 = 4, step 1. The producer claims 2 places when it starts, the
    # consumer frees 3 when it ends. Capacity 4: A 0-1, 1-2 (4 tokens, space 0); B 2-3 frees 3;
    # A 3-4; B 4-5 frees 3: at 5 the initial state recurs (empty, space 4): period 5.
    # Capacity 5: from t = 3 (1 token, 2 places, A running) the state recurs at t = 7 after three
    # firings of A: period 4. Capacity 6: A fires back to back (period 3, its self-loop: the
    # maximum).
    g = graph("AB", [1, 1], [("A", "B", 2, 3, 0), ("A", "A", 1, 1, 1), ("B", "B", 1, 1, 1)])
    assert lower_bounds(g).tolist() == [4, -1, -1]
    front = pareto_front(g)
    assert [(p.size, p.throughput) for p in front] == [(4, Fraction(1, 5)), (5, Fraction(1, 4)),
                                                        (6, Fraction(1, 3))]
    check_front(g, front)
    for p in front:
        assert self_timed_period(with_capacities(g, p.capacities)) == 1 / p.throughput


def test_initial_tokens_occupy_the_buffer():
    # A <-> B with 2 tokens on B -> A: lower bound of B -> A is max(1 + 1 - 1 + 0, 2) = 2; its
    # reverse channel then holds none. Cycle A -> B -> A: 2 tokens, 2 of work: period 1 when
    # nothing else limits; the reverse channels (A -> B: cap 1 - 0; B -> A: cap - 2) form the
    # cycle B -> A -> B with (cap_AB - 0) + (cap_BA - 2) tokens.
    g = graph("AB", [1, 1], [("A", "B", 1, 1, 0), ("B", "A", 1, 1, 2)])
    assert lower_bounds(g).tolist() == [1, 2]
    front = pareto_front(g)
    check_front(g, front)
    # sizes 3 (cycle of reverse channels: 1 token, 2 of work -> period 2) and 4 (period 1)
    assert [(p.size, p.throughput) for p in front] == [(3, Fraction(1, 2)), (4, Fraction(1))]


def test_feed_forward_diamond_grows_one_buffer_at_a_time():
    # A -> B -> D and A -> C -> D, (1, 1, 1) each, execution time 16, self-loops. At the lower
    # bounds (1 each, 4 in all) every channel and its reverse form a cycle with one token and 32 of
    # work, and so does A -> B -> D -> C -> A (two tokens, 64): period 32. 1/16 needs a token of
    # space on every reverse channel: size 8. Every critical cycle found holds a channel whose
    # pair is critical too, so each distribution grows one buffer: 4, 5, 6, 7, 8.
    g = graph("ABCD", [16] * 4, [("A", "B", 1, 1, 1), ("A", "C", 1, 1, 1), ("B", "D", 1, 1, 1), ("C", "D", 1, 1, 1)]
              + [(a, a, 1, 1, 1) for a in "ABCD"])
    ex = explore(g)
    assert [(p.size, p.throughput) for p in ex.front] == [(4, Fraction(1, 32)), (8, Fraction(1, 16))]
    assert ex.distributions == 5
    check_front(g, ex.front)


def test_no_buffers_is_the_graph_itself():
    g = lenet()
    b = np.zeros(g.channels, dtype=bool)
    front = pareto_front(g, b)
    assert len(front) == 1 and front[0].size == 0 and front[0].throughput == Fraction(1, 16)
    assert (front[0].capacities == -1).all()


def test_float_execution_times():
    g = graph("AB", [2.5, 1.5], [("A", "B", 1, 1, 0), ("A", "A", 1, 1, 1), ("B", "B", 1, 1, 1)])
    front = pareto_front(g)
    assert [p.size for p in front] == [1, 2]
    assert [p.throughput for p in front] == pytest.approx([1 / 4.0, 1 / 2.5])
    assert isinstance(front[0].throughput, float)
    with pytest.raises(Unreachable):
        smallest_buffers(g, 0.5)


def test_infinite_maximum_needs_a_bound():
    # sdf3 semantics, no self-loops: nothing limits A -> B (no cycle), but buffers close one
    g = graph("AB", [1, 1], [("A", "B", 1, 1, 0)])
    with pytest.raises(ValueError, match="infinite"):
        pareto_front(g, semantics="sdf3")
    front = pareto_front(g, semantics="sdf3", max_size=3)
    # A and B overlap with themselves: capacity k -> k tokens on the cycle of 2 work: period 2 / k
    assert [(p.size, p.throughput) for p in front] == [(1, Fraction(1, 2)), (2, Fraction(1)), (3, Fraction(3, 2))]
    assert smallest_buffers(g, 2, semantics="sdf3").size == 4


# ------------------------------------------------------------------------------ errors and the model


def test_lower_bound_formula():
    g = graph("AB", [1, 1], [("A", "B", 2, 3, 0), ("A", "B", 4, 6, 1), ("A", "B", 4, 6, 20), ("B", "A", 6, 4, 9),
                             ("A", "A", 1, 1, 1)])
    # 2 + 3 - 1 + 0; 4 + 6 - 2 + 1 % 2; t = 20 > 8; 6 + 4 - 2 + 9 % 2 = 9 (t = 9 <= 8? no: t)
    assert lower_bounds(g).tolist() == [4, 9, 20, 9, -1]
    assert steps(g).tolist() == [1, 2, 2, 2, 1]
    b = np.array([True, False, False, True, False])
    assert lower_bounds(g, b).tolist() == [4, -1, -1, 9, -1]
    with pytest.raises(ValueError, match="self-loop"):
        lower_bounds(g, np.array([False] * 4 + [True]))
    with pytest.raises(ValueError, match="bool array of shape"):
        lower_bounds(g, np.array([1, 0, 0, 1, 0]))


@given(st.integers(1, 6), st.integers(1, 6), st.integers(0, 12))
def test_lower_bound_is_tight_for_one_channel(p, c, t):
    # the channel and its reverse channel alone: live at the lower bound, deadlocked one below
    g = graph("AB", [1, 1], [("A", "B", p, c, t), ("A", "A", 1, 1, 1), ("B", "B", 1, 1, 1)])
    lb = int(lower_bounds(g)[0])
    throughput(with_capacities(g, np.array([lb, -1, -1])))
    if lb - 1 >= t:
        with pytest.raises(Deadlock):
            throughput(with_capacities(g, np.array([lb - 1, -1, -1])))


def test_with_capacities_builds_reverse_channels():
    g = graph("AB", [1, 2], [("A", "B", 2, 3, 1), ("B", "A", 3, 2, 4), ("A", "A", 1, 1, 1)])
    h = with_capacities(g, np.array([7, -1, -1]))
    assert h.channels == 4
    assert (int(h.src[3]), int(h.dst[3])) == (1, 0)
    assert (int(h.production[3]), int(h.consumption[3]), int(h.tokens[3])) == (3, 2, 6)
    assert h.channel_names[3] == "space of #0 (A -> B)"
    assert h.channel_label(3) == "'space of #0 (A -> B)' (B -> A)"
    assert with_capacities(g, np.array([-1, -1, -1])).channels == 3
    with pytest.raises(ValueError, match=r"#1 \(B -> A\): capacity 3 is below its 4 initial tokens"):
        with_capacities(g, np.array([-1, 3, -1]))
    with pytest.raises(ValueError, match="negative"):
        with_capacities(g, np.array([-2, -1, -1]))
    with pytest.raises(ValueError, match="3 integers"):
        with_capacities(g, np.array([1, 2]))


def test_graph_errors_propagate():
    dead = graph("AB", [1, 1], [("A", "B", 1, 1, 0), ("B", "A", 1, 1, 0)])
    with pytest.raises(Deadlock):
        pareto_front(dead)
    bad = graph("AB", [1, 1], [("A", "B", 1, 1, 0), ("B", "A", 2, 1, 1)])
    with pytest.raises(InconsistentGraph):
        pareto_front(bad)
    with pytest.raises(ValueError, match="max_distributions"):
        pareto_front(lenet(), max_distributions=0)
    with pytest.raises(ValueError, match="min_throughput"):
        explore(lenet(), min_throughput=-1)


# ------------------------------------------------------------------------------ properties


@st.composite
def small_graphs(draw):
    """Small strongly connected consistent live graphs, multirate or homogeneous, <= 4 buffers.

    A random q and a ring through 2 or 3 actors plus up to two chords, with p = m q[dst] / g and
    c = m q[src] / g so the balance equations hold; channels going back (src >= dst) hold a
    whole iteration's consumption, so the graph itself cannot deadlock. Some self-loops.
    """
    n = draw(st.integers(2, 3))
    multirate = draw(st.booleans())
    q = [draw(st.integers(1, 3)) if multirate else 1 for _ in range(n)]
    pairs = [(i, (i + 1) % n) for i in range(n)]
    chords = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(1, n - 1)), max_size=4 - n))
    pairs += [(u, (u + d) % n) for u, d in chords]  # no self-loop: those come below
    chans = []
    for u, v in pairs:
        k = math.gcd(q[u], q[v])
        m = draw(st.integers(1, 2))
        p, c = q[v] // k * m, q[u] // k * m
        need = c * q[v]
        t = draw(st.integers(need, need + 2 * c)) if u >= v else draw(st.integers(0, need))
        chans.append((f"v{u}", f"v{v}", p, c, t))
    for a in range(n):
        if draw(st.booleans()):
            chans.append((f"v{a}", f"v{a}", 1, 1, 1))
    exec_time = [draw(st.integers(1, 4)) for _ in range(n)]
    return graph([f"v{i}" for i in range(n)], exec_time, chans)


EXTRA = 4  # brute force: every distribution up to the lower bounds + EXTRA tokens


@given(small_graphs())
def test_front_is_not_dominated_by_brute_force(g):
    lb = lower_bounds(g)
    idx = np.flatnonzero(lb >= 0)
    limit = int(lb[idx].sum()) + EXTRA
    ex = explore(g, max_size=limit)
    front = ex.front
    check_front(g, front)
    if ex.complete:
        assert front[-1].throughput == throughput(g).throughput
    # every distribution (any integer capacities >= the lower bounds: below them a channel
    # deadlocks on its own) up to the limit: none beats the front at its size
    best = {}
    for inc in itertools.product(range(EXTRA + 1), repeat=idx.size):
        if sum(inc) > EXTRA:
            continue
        cap = lb.copy()
        cap[idx] += inc
        size = int(cap[idx].sum())
        best[size] = max(best.get(size, 0), rate(g, cap))
    running = 0
    for size in sorted(best):
        running = max(running, best[size])
        on_front = max((p.throughput for p in front if p.size <= size), default=0)
        assert on_front == running, (size, running, front)
    # the smallest buffers of the last point's throughput are that point
    if front:
        assert smallest_buffers(g, front[-1].throughput).size == front[-1].size


@given(small_graphs())
@settings(max_examples=20)
def test_front_matches_the_event_simulator(g):
    front = pareto_front(g)
    assert front and front[-1].throughput == throughput(g).throughput
    for p in front:  # every buffered graph is strongly connected (the ring and its reverse)
        assert self_timed_period(with_capacities(g, p.capacities)) == 1 / p.throughput
