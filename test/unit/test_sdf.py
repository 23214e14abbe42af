"""Synchronous dataflow analysis (snnir.algorithms.sdf).

Small graphs are worked out by hand in the comments (repetition vectors, self-timed schedules,
periods). Property tests build random strongly connected consistent graphs that cannot deadlock
and check the max-plus period (Howard) against Karp on the same matrix and against the
independent event simulator `self_timed_period`; homogeneous graphs also against a brute force
over the simple cycles; and that scaling a channel's (p, c, t) changes nothing.
"""

from __future__ import annotations

import math
from fractions import Fraction

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snnir.algorithms import sdf
from snnir.algorithms.maxplus import max_cycle_mean_karp
from snnir.algorithms.sdf import (
    Deadlock,
    InconsistentGraph,
    SDFError,
    SDFGraph,
    UnboundedActors,
    check_deadlock,
    homogeneous_channels,
    instantaneous_actors,
    iteration_matrix,
    normalised,
    repetition_vector,
    self_timed_period,
    throughput,
    unbounded_actors,
)


def graph(names, exec_time, channels, channel_names=None) -> SDFGraph:
    """An SDFGraph from actor names and (src name, dst name, p, c, t) tuples."""
    ix = {n: i for i, n in enumerate(names)}
    cols = list(zip(*channels)) if channels else [[]] * 5
    src = np.array([ix[s] for s in cols[0]], dtype=np.int64)
    dst = np.array([ix[d] for d in cols[1]], dtype=np.int64)
    p, c, t = (np.array(x, dtype=np.int64) for x in cols[2:])
    return SDFGraph(tuple(names), np.asarray(exec_time), src, dst, p, c, t, channel_names)


def check_cycle(g: SDFGraph, actors, chans) -> None:
    """chans[k] goes actors[k] -> actors[k+1], cyclically."""
    assert len(actors) == len(chans) > 0
    for k, ch in enumerate(chans):
        assert g.src[ch] == actors[k]
        assert g.dst[ch] == actors[(k + 1) % len(actors)]


# ------------------------------------------------------------------------------ the paper's LeNet-MNIST graph

LENET_ACTORS = ("a0", "a1", "a2", "a3", "a4", "a5", "a7")
LENET_CHANNELS = [("a0", "a1", 2), ("a0", "a2", 2), ("a1", "a0", 2), ("a1", "a5", 2), ("a2", "a1", 3),
                  ("a2", "a5", 3), ("a3", "a1", 1), ("a3", "a5", 1), ("a4", "a0", 2), ("a4", "a1", 2),
                  ("a5", "a3", 3), ("a5", "a1", 3), ("a7", "a0", 1)]


def lenet(self_loops: bool, spikes: int = 1) -> SDFGraph:
    """Rate = initial tokens on every channel (times `spikes`); exec time 16 everywhere."""
    chans = [(s, d, k * spikes, k * spikes, k * spikes) for s, d, k in LENET_CHANNELS]
    if self_loops:
        chans += [(a, a, 1, 1, 1) for a in LENET_ACTORS]
    return graph(LENET_ACTORS, np.full(7, 16), chans)


def test_lenet_with_self_loops():
    g = lenet(self_loops=True)
    q = repetition_vector(g)
    assert q.tolist() == [1] * 7
    t = throughput(g)
    assert t.period == Fraction(16) and isinstance(t.period, Fraction)
    assert t.throughput == Fraction(1, 16)
    assert t.repetition.tolist() == [1] * 7
    assert t.tokens == 20  # 20 channels, each (k, k, k) -> (1, 1, 1)
    assert t.latency == 16  # every channel holds tokens: all actors fire at 0
    check_cycle(g, t.critical_actors, t.critical_channels)
    h = normalised(g)
    work = sum(int(g.exec_time[a]) for a in t.critical_actors)
    assert Fraction(work, int(h.tokens[list(t.critical_channels)].sum())) == 16
    assert homogeneous_channels(g).all()


def test_lenet_without_self_loops_has_no_finite_period():
    g = lenet(self_loops=False)
    with pytest.raises(UnboundedActors) as e:
        throughput(g)
    assert e.value.actors == (4, 6)
    assert "a4, a7" in str(e.value)
    assert isinstance(e.value, SDFError) and isinstance(e.value, ValueError)
    assert unbounded_actors(g).tolist() == [4, 6]


def test_lenet_sdf3_semantics_without_self_loops():
    # SDF3: the strongly connected components are {a0, a1, a2, a3, a5} and the single actors a4,
    # a7 (no channel inside: they do not limit). In the big component every channel is (k, k, k),
    # one token after normalisation, and q is all ones, so a cycle of n actors has n tokens and
    # n x 16 of work: every cycle has mean 16 -> period 16, throughput 1/16. The 10 channels
    # inside the component make the 10 matrix tokens.
    for spikes in (1, 1000):
        t = throughput(lenet(self_loops=False, spikes=spikes), "sdf3")
        assert t.period == 16 and t.throughput == Fraction(1, 16)
        assert t.tokens == 10
        g = lenet(self_loops=False)
        check_cycle(g, t.critical_actors, t.critical_channels)
        assert not {4, 6} & set(t.critical_actors)
        assert t.latency == 16


def test_lenet_spike_counts_do_not_change_the_analysis():
    base = throughput(lenet(True))
    for spikes in (10, 10_000, 1_000_003):
        t = throughput(lenet(True, spikes))
        assert (t.period, t.tokens, t.latency) == (base.period, base.tokens, base.latency)


# ------------------------------------------------------------------------------ repetition vectors


def test_repetition_vector_textbook():
    # A -(2,3)-> B: 2 q_A = 3 q_B -> (3, 2)
    assert repetition_vector(graph("AB", [1, 1], [("A", "B", 2, 3, 0)])).tolist() == [3, 2]
    # A -(1,2)-> B -(3,1)-> C: q_A = 2 q_B, 3 q_B = q_C -> (2, 1, 3)
    g = graph("ABC", [1, 1, 1], [("A", "B", 1, 2, 0), ("B", "C", 3, 1, 0)])
    assert repetition_vector(g).tolist() == [2, 1, 3]
    # each weakly connected component scaled on its own; a lone actor fires once
    g = graph("ABCDE", [1] * 5, [("A", "B", 2, 3, 0), ("D", "C", 6, 4, 0)])
    assert repetition_vector(g).tolist() == [3, 2, 3, 2, 1]
    # consistent cycle with a parallel channel and a self-loop: A -(3,2)-> B -(2,3)-> A
    g = graph("AB", [1, 1], [("B", "A", 2, 3, 6), ("A", "B", 3, 2, 0), ("A", "B", 6, 4, 0), ("B", "B", 5, 5, 5)])
    assert repetition_vector(g).tolist() == [2, 3]


def test_repetition_vector_big_rates_are_exact():
    # a chain with prime rates: q grows as products beyond float precision but stays exact
    primes = [1009, 1013, 1019, 1021, 1031]
    chans = [(f"x{i}", f"x{i + 1}", primes[i], primes[i + 1], 0) for i in range(4)]
    g = graph([f"x{i}" for i in range(5)], [1] * 5, chans)
    q = repetition_vector(g)
    assert all(int(g.production[k]) * int(q[g.src[k]]) == int(g.consumption[k]) * int(q[g.dst[k]]) for k in range(4))
    assert math.gcd(*q.tolist()) == 1


def test_inconsistent_triangle():
    # A -> B and B -> C (1, 1) fix q_A = q_B = q_C; then C -(2,1)-> A needs 2 q_C = q_A: channel 2,
    # the first in index order to contradict the channels before it, is blamed
    g = graph("ABC", [1, 1, 1], [("A", "B", 1, 1, 1), ("B", "C", 1, 1, 1), ("C", "A", 2, 1, 1)])
    with pytest.raises(InconsistentGraph) as e:
        repetition_vector(g)
    assert e.value.channels == (2,) and e.value.actors == (2, 0)
    msg = str(e.value)
    assert "channel #2 (C -> A) (production 2, consumption 1) conflicts" in msg
    assert "cycle C - B - A - C" in msg and "#1 (B -> C)" in msg and "#0 (A -> B)" in msg
    assert "C : A = 1 : 1, which needs production : consumption = 1 : 1" in msg
    with pytest.raises(InconsistentGraph):
        throughput(g)
    # a multirate conflict: A -(2,3)-> B fixes A : B = 3 : 2; the parallel B -(1,1)-> A cannot hold
    g = graph("AB", [1, 1], [("A", "B", 2, 3, 0), ("B", "A", 1, 1, 1)], channel_names=("ab", ""))
    with pytest.raises(InconsistentGraph, match=r"#1 \(B -> A\) .* B : A = 2 : 3, which needs production : "
                                                r"consumption = 3 : 2"):
        repetition_vector(g)


def test_inconsistent_self_loop():
    g = graph("AB", [1, 1], [("A", "B", 2, 3, 0), ("B", "B", 2, 1, 1)], channel_names=("ab", "bb"))
    with pytest.raises(InconsistentGraph, match="self-loop 'bb'") as e:
        repetition_vector(g)
    assert e.value.channels == (1,) and e.value.actors == (1, 1)


# ------------------------------------------------------------------------------ normalisation


def test_normalised_divides_by_gcd():
    g = graph("AB", [1, 1], [("A", "B", 4, 6, 10), ("B", "A", 6, 4, 0), ("A", "A", 3, 3, 5), ("B", "B", 7, 7, 7)])
    h = normalised(g)
    assert h.production.tolist() == [2, 3, 3, 1]
    assert h.consumption.tolist() == [3, 2, 3, 1]
    assert h.tokens.tolist() == [5, 0, 5, 1]
    assert homogeneous_channels(g).tolist() == [False, False, False, True]
    assert normalised(h) is h
    m, tm = iteration_matrix(g)
    assert tm.packet.tolist() == [2, 2, 1, 7]
    assert m.shape == (11, 11) and tm.channel.tolist() == [0] * 5 + [2] * 5 + [3]


# ------------------------------------------------------------------------------ deadlock


def test_deadlock_homogeneous_cycle():
    # A <-> B without tokens; C waits on B; D is free (a token on D's input)
    g = graph("ABCD", [1] * 4, [("A", "B", 5, 5, 0), ("B", "A", 5, 5, 0), ("B", "C", 1, 1, 0),
                                ("C", "D", 1, 1, 1), ("D", "D", 1, 1, 1)])
    with pytest.raises(Deadlock) as e:
        check_deadlock(g)
    assert e.value.actors == (0, 1) and e.value.channels == (0, 1)  # the cycle starts at its lowest actor
    assert set(e.value.blocked) == {0, 1, 2}
    assert "A -> B -> A" in str(e.value)
    assert "holds 0 token(s), its consumer needs 5" in str(e.value)
    with pytest.raises(Deadlock):
        throughput(g)
    with pytest.raises(Deadlock):
        iteration_matrix(g)


def test_deadlock_multirate():
    # A -(2,3)-> B, B -(3,2)-> A with t tokens on B -> A; q = (3, 2).
    # t = 3: A fires once (1 left, A -> B has 2), B needs 3: stuck.
    # t = 4: A, A (A -> B 4); B (A -> B 1, B -> A 3); A (B -> A 1, A -> B 3); B: done.
    def g(t):
        return graph("AB", [1, 1], [("A", "B", 2, 3, 0), ("B", "A", 3, 2, t)])

    with pytest.raises(Deadlock) as e:
        check_deadlock(g(3))
    assert set(e.value.actors) == {0, 1} and set(e.value.blocked) == {0, 1}
    check_cycle(g(3), e.value.actors, e.value.channels)
    check_deadlock(g(4))
    with pytest.raises(Deadlock):
        iteration_matrix(g(3))
    assert throughput(g(4)).repetition.tolist() == [3, 2]


def test_deadlock_zero_token_self_loop():
    g = graph("AB", [1, 1], [("A", "B", 1, 1, 1), ("B", "A", 1, 1, 1), ("B", "B", 1, 1, 0)])
    with pytest.raises(Deadlock) as e:
        check_deadlock(g)
    assert e.value.actors == (1,) and e.value.channels == (2,)


# ------------------------------------------------------------------------------ periods by hand


def two_actor_multirate(self_loop: bool) -> SDFGraph:
    """A (exec 1) -(2,3)-> B (exec 2), B -(3,2, 6 tokens)-> A; q = (3, 2)."""
    chans = [("A", "B", 2, 3, 0), ("B", "A", 3, 2, 6)] + ([("A", "A", 1, 1, 1)] if self_loop else [])
    return graph("AB", [1, 2], chans)


def test_multirate_period_by_hand():
    # Without self-loop: A fires 3 times at 0 (auto-concurrency), all done at 1; B twice at 1, done
    # at 3, giving 6 tokens back: period 3, latency 3.
    t = throughput(two_actor_multirate(False))
    assert (t.period, t.latency, t.tokens) == (3, 3, 6)
    # With A serialised: A 0-1, 1-2, 2-3; B needs 3 tokens: 2-4 and 3-5 (6 tokens at 3); tokens
    # back at 4 (3) and 5 (6). Iteration 2: A 4-5, 5-6, 6-7; B 6-8, 7-9. Iteration 3: A 8-9,
    # 9-10, 10-11; B 10-12, 11-13. Period 4; the first iteration ends at 5.
    g = two_actor_multirate(True)
    t = throughput(g)
    assert (t.period, t.throughput, t.latency, t.tokens) == (4, Fraction(1, 4), 5, 7)
    check_cycle(g, t.critical_actors, t.critical_channels)
    assert self_timed_period(g) == 4
    assert self_timed_period(two_actor_multirate(False)) == 3


def test_iteration_matrix_by_hand():
    # A (2) -> B (3) with 1 token, B -> A none, B -> B with 2 tokens. Tokens: 0 = A->B, 1, 2 = B->B.
    # B consumes token 0 and B->B's head 1: start = max(x0, x1); A waits for B: A finishes at
    # max(x0, x1) + 5 -> new token 0. B->B: token 2 moves to position 0, B's output appended.
    g = graph("AB", [2, 3], [("A", "B", 1, 1, 1), ("B", "A", 1, 1, 0), ("B", "B", 1, 1, 2)])
    m, tm = iteration_matrix(g)
    ninf = -math.inf
    assert m.to_dense().tolist() == [[5, 5, ninf], [ninf, ninf, 0], [3, 3, ninf]]
    assert tm.channel.tolist() == [0, 2, 2] and tm.position.tolist() == [0, 0, 1]
    assert tm.offset.tolist() == [0, 1, 1, 3]
    t = throughput(g)
    # cycles: A -> B -> A: 5 / 1; B self-loop: 3 / 2
    assert t.period == 5 and set(t.critical_actors) == {0, 1}
    assert t.latency == 5


def test_sdf3_scales_components_by_repetition_vector():
    # A -(1,2)-> B, both serialised by self-loops; q = (2, 1). SDF3: components {A} (period 3 per
    # own iteration, 2 of them per graph iteration: 6) and {B} (5): period max(6, 5) = 6.
    g = graph("AB", [3, 5], [("A", "B", 1, 2, 0), ("A", "A", 1, 1, 1), ("B", "B", 1, 1, 1)])
    for semantics in ("self-timed", "sdf3"):
        t = throughput(g, semantics)
        assert t.period == 6 and t.critical_actors == (0,) and t.critical_channels == (1,)
        assert t.repetition.tolist() == [2, 1]
    assert throughput(g).latency == 11  # A 0-3, 3-6; B 6-11


def test_sdf3_without_limiting_component_is_infinite():
    g = graph("ABC", [1, 2, 3], [("A", "B", 1, 1, 0), ("B", "C", 2, 1, 0)])
    t = throughput(g, "sdf3")
    assert t.period == 0 and t.throughput == math.inf and t.critical_actors == () and t.tokens == 0
    assert t.latency == 6  # A 0-1, B 1-3, C twice at once 3-6
    # the same through the homogeneous path: a source feeding a chain without tokens
    g = graph("ABC", [2, 3, 4], [("A", "B", 7, 7, 0), ("B", "C", 1, 1, 0)])
    assert throughput(g, "sdf3").latency == 9
    with pytest.raises(UnboundedActors) as e:
        throughput(g)
    assert e.value.actors == (0, 1, 2)


def test_zero_period_is_infinite_throughput():
    g = graph("AB", [0, 0], [("A", "B", 1, 1, 1), ("B", "A", 1, 1, 0)])
    t = throughput(g)
    assert t.period == 0 and t.throughput == math.inf


def test_float_exec_times():
    g = graph("AB", [0.5, 1.25], [("A", "B", 1, 1, 1), ("B", "A", 1, 1, 1), ("A", "A", 1, 1, 1)])
    t = throughput(g)
    assert isinstance(t.period, float) and t.period == pytest.approx(0.875)
    assert t.throughput == pytest.approx(1 / 0.875)


def test_unbounded_actors_downstream_of_cycles_are_bounded():
    # S (source) -> X; X has a self-loop; X -> Y: only S is unbounded
    g = graph("SXY", [1, 1, 1], [("S", "X", 1, 1, 0), ("X", "X", 1, 1, 1), ("X", "Y", 1, 1, 0)])
    assert unbounded_actors(g).tolist() == [0]


@given(st.integers(1, 8).flatmap(lambda n: st.tuples(
    st.lists(st.sampled_from([0, 0, 2]), min_size=n, max_size=n),
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=2 * n))))
def test_instantaneous_actors_are_the_zero_time_ones_nothing_timed_reaches(case):
    times, pairs = case
    names = [f"v{i}" for i in range(len(times))]
    g = graph(names, times, [(names[u], names[v], 1, 1, 1) for u, v in pairs])
    dg = nx.DiGraph()
    dg.add_nodes_from(range(len(times)))
    dg.add_edges_from(pairs)
    timed = {a for a, e in enumerate(times) if e}
    reached = timed.union(*(nx.descendants(dg, a) for a in timed))
    assert instantaneous_actors(g).tolist() == sorted(set(range(len(times))) - reached)


def test_unknown_semantics():
    with pytest.raises(ValueError, match="unknown semantics"):
        throughput(lenet(True), "sdf4")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ the simulator


def test_self_timed_period_rejects_what_it_cannot_simulate():
    with pytest.raises(ValueError, match="strongly connected"):
        self_timed_period(graph("AB", [1, 1], [("A", "B", 1, 1, 0)]))
    with pytest.raises(ValueError, match="integer"):
        self_timed_period(graph("A", [0.5], [("A", "A", 1, 1, 1)]))
    with pytest.raises(RuntimeError, match="within 1000"):
        self_timed_period(graph("AB", [0, 0], [("A", "B", 1, 1, 1), ("B", "A", 1, 1, 0)]), max_events=1000)
    with pytest.raises(Deadlock):
        self_timed_period(graph("AB", [1, 1], [("A", "B", 1, 1, 0), ("B", "A", 1, 1, 0)]))


# ------------------------------------------------------------------------------ validation


@pytest.mark.parametrize("change, message", [
    (dict(tokens=np.array([-1, 0])), "channel 0: tokens must be >= 0, got -1"),
    (dict(production=np.array([1, 0])), "channel 1: production must be > 0, got 0"),
    (dict(consumption=np.array([-2, 1])), "channel 0: consumption must be > 0"),
    (dict(src=np.array([0, 2])), "channel 1: src 2 is not an actor index"),
    (dict(dst=np.array([-1, 0])), "channel 0: dst -1 is not an actor index"),
    (dict(src=np.array([0.0, 1.0])), "src must hold integers"),
    (dict(tokens=np.array([1, 1, 1])), "tokens has 3 entries but there are 2 channels"),
    (dict(exec_time=np.array([1, -1])), "actor 1: exec_time must be >= 0"),
    (dict(exec_time=np.array([1.0, np.nan])), "actor 1: exec_time must be finite"),
    (dict(exec_time=np.array([1])), "exec_time has shape"),
    (dict(names=()), "at least one actor"),
    (dict(channel_names=("x",)), "1 channel names for 2 channels"),
])
def test_invalid_graphs(change, message):
    args = dict(names=("A", "B"), exec_time=np.array([1, 1]), src=np.array([0, 1]), dst=np.array([1, 0]),
                production=np.array([1, 1]), consumption=np.array([1, 1]), tokens=np.array([1, 0]))
    args.update(change)
    with pytest.raises(ValueError, match=message):
        SDFGraph(**args)


def test_graph_arrays_are_owned_and_read_only():
    src = np.array([0, 1])
    g = SDFGraph(("A", "B"), np.array([1, 2]), src, np.array([1, 0]), np.array([1, 1]), np.array([1, 1]),
                 np.array([1, 0]))
    src[0] = 1
    assert g.src.tolist() == [0, 1]
    with pytest.raises(ValueError):
        g.tokens[0] = 5
    assert g.src.dtype == np.int64 and g.exec_time.dtype == np.int64


# ------------------------------------------------------------------------------ properties


@st.composite
def live_graphs(draw, max_actors: int = 5, multirate: bool = True, live: bool = True):
    """Strongly connected consistent graphs that cannot deadlock (any tokens if not `live`).

    A random q and a ring 0 -> 1 -> ... -> 0 plus random extra channels (self-loops included) with
    rates p = m q[dst] / g, c = m q[src] / g, so the balance equations hold. Channels going back
    (src >= dst) hold at least a whole iteration's consumption c q[dst]: firing the actors in index
    order then completes an iteration, because forward inputs come from finished actors.
    """
    n = draw(st.integers(1, max_actors))
    q = [draw(st.integers(1, 3)) if multirate else 1 for _ in range(n)]
    pairs = [(i, (i + 1) % n) for i in range(n)]
    pairs += draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=2 * n))
    chans = []
    for u, v in pairs:
        k = math.gcd(q[u], q[v])
        m = draw(st.integers(1, 2)) if multirate else 1
        p, c = q[v] // k * m, q[u] // k * m
        need = c * q[v]
        t = draw(st.integers(need, need + 2 * c)) if u >= v and live else draw(st.integers(0, need))
        chans.append((f"v{u}", f"v{v}", p, c, t))
    exec_time = [draw(st.integers(0, 4)) for _ in range(n)]
    exec_time[0] = max(exec_time[0], 1)  # the ring passes every actor: no zero-time cycle through all
    return graph([f"v{i}" for i in range(n)], exec_time, chans), q


@given(live_graphs())
def test_period_matches_karp_and_simulation(case):
    g, q = case
    assert repetition_vector(g).tolist() == (np.array(q) // math.gcd(*q)).tolist()
    t = throughput(g)
    m, tm = iteration_matrix(g)
    assert t.tokens == m.shape[0] == tm.channel.size
    assert float(t.period) == pytest.approx(max_cycle_mean_karp(m.shape[0], m.col, m.row, m.val))
    assert t.period == self_timed_period(g)
    check_cycle(g, t.critical_actors, t.critical_channels)
    assert throughput(g, "sdf3").period == t.period  # strongly connected: one component


def completes_iteration(g: SDFGraph, q: np.ndarray) -> bool:
    """One firing at a time, any enabled actor, until every actor fired q times or none can."""
    held, left = g.tokens.tolist(), q.tolist()
    progress = True
    while progress:
        progress = False
        for a in range(g.actors):
            ins = np.flatnonzero(g.dst == a)
            if left[a] and all(held[ch] >= g.consumption[ch] for ch in ins):
                for ch in ins:
                    held[ch] -= int(g.consumption[ch])
                for ch in np.flatnonzero(g.src == a):
                    held[ch] += int(g.production[ch])
                left[a] -= 1
                progress = True
    return not any(left)


@given(live_graphs(multirate=True, live=False), st.integers(1, 3))
def test_deadlock_matches_naive_execution(case, spikes):
    g, _ = case
    g = SDFGraph(g.names, g.exec_time, g.src, g.dst, g.production * spikes, g.consumption * spikes,
                 g.tokens * spikes)
    q = repetition_vector(g)
    if completes_iteration(g, q):
        check_deadlock(g, q)
        return
    with pytest.raises(Deadlock) as e:
        check_deadlock(g, q)
    check_cycle(g, e.value.actors, e.value.channels)
    assert set(e.value.actors) <= set(e.value.blocked)
    with pytest.raises(Deadlock):
        throughput(g)


def prefix(g: SDFGraph, k: int) -> SDFGraph:
    """The graph with only its first k channels."""
    return SDFGraph(g.names, g.exec_time, g.src[:k], g.dst[:k], g.production[:k], g.consumption[:k], g.tokens[:k])


@given(live_graphs(), st.data())
def test_inconsistency_blames_the_first_conflicting_channel(case, data):
    # every channel of these graphs lies on a cycle (the ring), so raising one production rate makes
    # the graph inconsistent; the channel blamed is consistent with the channels before it, and
    # adding it is not
    g, _ = case
    ch = data.draw(st.integers(0, g.channels - 1))
    prod = g.production.copy()
    prod[ch] += data.draw(st.integers(1, 3))
    bad = SDFGraph(g.names, g.exec_time, g.src, g.dst, prod, g.consumption, g.tokens)
    with pytest.raises(InconsistentGraph) as e:
        repetition_vector(bad)
    (k,) = e.value.channels
    assert k >= ch and e.value.actors == (int(bad.src[k]), int(bad.dst[k]))
    repetition_vector(prefix(bad, k))
    with pytest.raises(InconsistentGraph):
        repetition_vector(prefix(bad, k + 1))


@given(live_graphs(), st.data())
def test_scaling_a_channel_changes_nothing(case, data):
    # spikes vs packets: (p, c, t) and (s p, s c, s t) give the same period and matrix size
    g, _ = case
    ch = data.draw(st.integers(0, g.channels - 1))
    s = data.draw(st.integers(2, 50))
    mult = np.ones(g.channels, dtype=np.int64)
    mult[ch] = s
    big = SDFGraph(g.names, g.exec_time, g.src, g.dst, g.production * mult, g.consumption * mult, g.tokens * mult)
    a, b = throughput(g), throughput(big)
    assert (a.period, a.tokens, a.latency) == (b.period, b.tokens, b.latency)
    assert self_timed_period(big) == a.period


@given(live_graphs(max_actors=6, multirate=False), st.integers(1, 1000))
def test_homogeneous_period_is_the_worst_cycle_ratio(case, spikes):
    # HSDF: period = max over simple cycles of sum(exec) / sum(tokens), here by brute force;
    # every channel scaled to (s, s, s t) first (normalisation must undo it)
    g, _ = case
    g = SDFGraph(g.names, g.exec_time, g.src, g.dst, g.production * spikes, g.consumption * spikes,
                 g.tokens * spikes)
    fewest: dict[tuple[int, int], int] = {}
    for s, d, t in zip(g.src.tolist(), g.dst.tolist(), (g.tokens // spikes).tolist()):
        fewest[(s, d)] = min(t, fewest.get((s, d), t))
    dg = nx.DiGraph(list(fewest))
    best = max(Fraction(sum(int(g.exec_time[v]) for v in cyc),
                        sum(fewest[(cyc[i], cyc[(i + 1) % len(cyc)])] for i in range(len(cyc))))
               for cyc in nx.simple_cycles(dg))
    t = throughput(g)
    assert t.period == best
    assert len(set(t.critical_actors)) == len(t.critical_actors)  # a simple cycle
    h = normalised(g)
    work = sum(int(g.exec_time[a]) for a in t.critical_actors)
    assert Fraction(work, int(h.tokens[list(t.critical_channels)].sum())) == best
    # the general (per-firing) path builds the same matrix and latency as the vectorised one
    fast = sdf._homogeneous_execution(g, h)
    slow = sdf._general_execution(g, h, np.ones(g.actors, dtype=np.int64))
    assert np.array_equal(fast.matrix.to_dense(), slow.matrix.to_dense())
    assert fast.latency == slow.latency
