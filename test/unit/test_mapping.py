"""Resource-aware dataflow models, binding, scheduling and admission (snnir.algorithms.mapping).

The resource model's structure is checked channel by channel on small graphs worked out by hand;
periods of hand-made two-tile examples are derived in the comments. The main property test maps
random strongly connected (multirate) graphs on random platforms (latency, bandwidth, TDMA,
token sizes, buffer capacities, static orders) and checks the model's period, by both analysis
engines, against `simulate_bound`, an event simulation that does not use the model; deadlocks
must agree too.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from snnir.algorithms import mapping as M
from snnir.algorithms import sdf
from snnir.algorithms.mapping import (
    Mapping,
    Platform,
    actor_criticality,
    admit,
    bind,
    binding_from_mapping,
    bound_throughput,
    hsdf_expansion,
    list_schedule,
    record_order,
    resource_graph,
    simulate_bound,
)
from snnir.algorithms.sdf import Deadlock, SDFGraph, UnboundedActors

INF = math.inf
EXAMPLES = settings().max_examples  # the profile's (conftest.py): 60 by default, 1000 when thorough


def graph(names, exec_time, channels) -> SDFGraph:
    """An SDFGraph from actor names and (src name, dst name, p, c, t) tuples."""
    ix = {n: i for i, n in enumerate(names)}
    cols = list(zip(*channels))
    return SDFGraph(tuple(names), np.asarray(exec_time), np.array([ix[s] for s in cols[0]]),
                    np.array([ix[d] for d in cols[1]]), *(np.array(x, dtype=np.int64) for x in cols[2:]))


def model_channels(model: SDFGraph, mm: M.ModelMap) -> list[tuple]:
    """The model's channels as sorted (src name, dst name, p, c, t, kind) tuples."""
    return sorted((model.names[s], model.names[d], int(p), int(c), int(t), M.CHANNEL_KINDS[k])
                  for s, d, p, c, t, k in zip(model.src, model.dst, model.production, model.consumption,
                                              model.tokens, mm.channel_kind))


# ------------------------------------------------------------------------------ LeNet-MNIST (method.md section 9)

LENET_ACTORS = ("a0", "a1", "a2", "a3", "a4", "a5", "a7")
LENET_CHANNELS = [("a0", "a1", 2), ("a0", "a2", 2), ("a1", "a0", 2), ("a1", "a5", 2), ("a2", "a1", 3),
                  ("a2", "a5", 3), ("a3", "a1", 1), ("a3", "a5", 1), ("a4", "a0", 2), ("a4", "a1", 2),
                  ("a5", "a3", 3), ("a5", "a1", 3), ("a7", "a0", 1)]


def lenet() -> SDFGraph:
    chans = [(s, d, k, k, k) for s, d, k in LENET_CHANNELS] + [(a, a, 1, 1, 1) for a in LENET_ACTORS]
    return graph(LENET_ACTORS, np.full(7, 16), chans)


def tutorial() -> Platform:
    """The SDF3 tutorial platform: 2x2 mesh, TDMA wheel 8 with 4 reserved, bandwidth 96, hop latency 3."""
    return Platform.mesh(2, 2, hop_latency=3, bandwidth=96, tdma_wheel=8, tdma_slice=4)


def test_lenet_on_one_tile_is_sequential():
    g = lenet()
    one = Platform.bus(1, hop_latency=0, bandwidth=INF)
    tile = np.zeros(7, dtype=np.int64)
    orders = list_schedule(g, one, tile)
    assert sorted(orders[0].tolist()) == list(range(7))
    m = Mapping(tile, orders=orders)
    r = bound_throughput(g, one, m)
    assert r.period == Fraction(112) == 7 * 16  # every firing in turn on one crossbar
    assert simulate_bound(g, one, m) == 112
    assert sorted(r.critical_actors) == list(range(7))  # the tile's order is the critical cycle
    assert all("order" in c for c in r.critical_channels)
    # the same on the tutorial platform: TDMA only delays communication, and there is none
    assert bound_throughput(g, tutorial(), Mapping(tile, orders=list_schedule(g, tutorial(), tile))).period == 112


def test_lenet_one_actor_per_tile_with_free_communication_is_the_unbound_period():
    g = lenet()
    bus = Platform.bus(7, hop_latency=0, bandwidth=INF)
    tile = np.arange(7)
    m = Mapping(tile, orders=list_schedule(g, bus, tile))
    r = bound_throughput(g, bus, m)
    assert r.period == sdf.throughput(g).period == 16
    assert bound_throughput(g, bus, m, engine="sdf").period == 16
    assert simulate_bound(g, bus, m) == 16
    assert r.model.actors == 7 + 13  # one comm actor per channel between actors (all cross tiles)


def test_lenet_two_tiles_on_the_tutorial_platform():
    # a0-a3 on one tile and a4, a5, a7 on another (SDF3 reports 1/200 with its processor TDMA and
    # buffer sizes; this model times the processors at full speed): bounded by tile 0's 4 x 16.
    g = lenet()
    tile = np.array([0, 0, 0, 0, 1, 1, 1])
    cap = g.tokens * 2  # bounded buffers: a4 and a7 must not run ahead, or no state recurs
    base = Mapping(tile, capacity=cap, src_capacity=cap)
    orders = list_schedule(g, tutorial(), base)
    m = Mapping(tile, capacity=cap, src_capacity=cap, orders=orders)
    r = bound_throughput(g, tutorial(), m)
    assert r.period == 64
    assert simulate_bound(g, tutorial(), m) == 64


# ------------------------------------------------------------------------------ model structure


def two_tile_graph() -> SDFGraph:
    # A -(2:2, 2 tokens)-> B, B -(1:1, 1)-> A, one-token self-loops; exec 2 and 3
    return graph(("A", "B"), [2, 3], [("A", "B", 2, 2, 2), ("A", "A", 1, 1, 1), ("B", "B", 1, 1, 1),
                                      ("B", "A", 1, 1, 1)])


def test_resource_graph_crossing_channels():
    g = two_tile_graph()
    plat = Platform.mesh(1, 2, hop_latency=3, bandwidth=2)
    model, mm = resource_graph(g, plat, Mapping(np.array([0, 1]), token_size=np.array([3, 1, 1, 1])))
    assert model.names == ("A", "B", "A->B comm", "B->A comm")
    # comm: 1 hop x 3 + ceil(packet of 2 tokens x 3 spikes / 2) = 6; the other 3 + ceil(1/2) = 4
    assert model.exec_time.tolist() == [2, 3, 6, 4]
    assert model.exec_time.dtype == np.int64
    assert mm.actor_kind.tolist() == [M.ACTOR, M.ACTOR, M.COMM, M.COMM]
    assert mm.actor_origin.tolist() == [0, 1, 0, 3]
    assert model_channels(model, mm) == sorted([
        ("A", "A", 1, 1, 1, "data"), ("B", "B", 1, 1, 1, "data"),
        ("A", "A->B comm", 2, 2, 0, "send"), ("A->B comm", "B", 2, 2, 2, "deliver"),
        ("A->B comm", "A->B comm", 1, 1, 1, "serial"),
        ("B", "B->A comm", 1, 1, 0, "send"), ("B->A comm", "A", 1, 1, 1, "deliver"),
        ("B->A comm", "B->A comm", 1, 1, 1, "serial")])
    names = {mm.channel_name(i) for i in range(model.channels)}
    assert {"A->B send", "A->B deliver", "A->B serial", "A->A", "B->A deliver"} <= names


def test_resource_graph_buffers_tdma_and_orders():
    g = two_tile_graph()
    plat = Platform.mesh(1, 2, hop_latency=3, bandwidth=2, tdma_wheel=8, tdma_slice=3)
    m = Mapping(np.array([0, 1]), token_size=np.array([3, 1, 1, 1]), capacity=np.array([5, -1, 4, 3]),
                src_capacity=np.array([4, -1, -1, -1]), orders=(np.array([0]), np.array([1])))
    model, mm = resource_graph(g, plat, m)
    assert model.names == ("A", "B", "A->B comm", "B->A comm", "A->B wait", "B->A wait")
    assert model.exec_time.tolist() == [2, 3, 6, 4, 5, 5]  # wait = wheel - slice
    assert model_channels(model, mm) == sorted([
        ("A", "A", 1, 1, 1, "data"), ("B", "B", 1, 1, 1, "data"),
        ("A", "A->B wait", 2, 2, 0, "send"), ("A->B wait", "A->B comm", 2, 2, 0, "delay"),
        ("A->B comm", "B", 2, 2, 2, "deliver"), ("A->B comm", "A->B comm", 1, 1, 1, "serial"),
        ("B", "B->A wait", 1, 1, 0, "send"), ("B->A wait", "B->A comm", 1, 1, 0, "delay"),
        ("B->A comm", "A", 1, 1, 1, "deliver"), ("B->A comm", "B->A comm", 1, 1, 1, "serial"),
        # input buffers: capacity - tokens, rounded down to whole packets (5 - 2 = 3 -> 2)
        ("B", "A->B comm", 2, 2, 2, "in-buffer"), ("A", "B->A comm", 1, 1, 2, "in-buffer"),
        ("B", "B", 1, 1, 3, "in-buffer"),  # the self-loop's own buffer: 4 - 1
        ("A->B comm", "A", 2, 2, 4, "out-buffer"),  # source output buffer: src_capacity
        ("A", "A", 1, 1, 1, "order"), ("B", "B", 1, 1, 1, "order")])  # one actor per tile


def test_resource_graph_local_buffer_and_order_chain():
    g = graph(("A", "B", "C"), [1, 1, 1], [("A", "B", 2, 3, 0), ("B", "C", 1, 1, 0), ("C", "A", 3, 2, 6)])
    # q = (3, 2, 2): static orders join firings, so the model is the graph of firings
    m = Mapping(np.zeros(3, dtype=np.int64), capacity=np.array([7, -1, -1]),
                orders=(np.array([0, 0, 1, 2, 0, 1, 2]),))
    model, mm = resource_graph(g, Platform.bus(1, hop_latency=1, bandwidth=1), m)
    assert model.names == ("A#0", "A#1", "A#2", "B#0", "B#1", "C#0", "C#1")
    assert mm.actor_origin.tolist() == [0, 0, 0, 1, 1, 2, 2]
    assert mm.actor_firing.tolist() == [0, 1, 2, 0, 1, 0, 1]
    order = [(s, d, t) for s, d, t, k in zip(model.src, model.dst, model.tokens, mm.channel_kind) if k == M.ORDER]
    names = [(model.names[s], model.names[d], int(t)) for s, d, t in order]
    assert names == [("A#0", "A#1", 0), ("A#1", "B#0", 0), ("B#0", "C#0", 0), ("C#0", "A#2", 0),
                     ("A#2", "B#1", 0), ("B#1", "C#1", 0), ("C#1", "A#0", 1)]
    buf = [(model.names[s], model.names[d], int(t)) for s, d, t, k in
           zip(model.src, model.dst, model.tokens, mm.channel_kind) if k == M.IN_BUFFER]
    # the back-edge B -(3:2, 7 - 0 = 7 tokens of free space)-> A, expanded into edges between firings
    assert buf and all(s.startswith("B#") and d.startswith("A#") for s, d, _ in buf)
    r = bound_throughput(g, Platform.bus(1, hop_latency=1, bandwidth=1), m)
    assert r.period == 7  # seven unit firings in turn
    assert simulate_bound(g, Platform.bus(1, hop_latency=1, bandwidth=1), m) == 7


def test_hsdf_expansion_by_hand():
    # A -(2:3)-> B -(3:2, 4 tokens)-> A, q = (3, 2). B#0 takes tokens 0-2 (A#0, A#0, A#1), B#1 tokens 3-5
    # (A#1, A#2, A#2). A#0 takes tokens 0, 1 of B->A: the 4 initial tokens are the last 4 of two
    # iterations back... F = floor((n - 4) / 3): n = 0 -> -2 = B#0 one iteration back, n = 1 -> B#1 back 1;
    # A#1: n = 2, 3 -> B#1 back 1; A#2: n = 4, 5 -> B#0 of this iteration.
    g = graph(("A", "B"), [1, 2], [("A", "B", 2, 3, 0), ("B", "A", 3, 2, 4)])
    h = hsdf_expansion(g)
    assert h.graph.names == ("A#0", "A#1", "A#2", "B#0", "B#1")
    edges = sorted((h.graph.names[s], h.graph.names[d], int(t)) for s, d, t in
                   zip(h.graph.src, h.graph.dst, h.graph.tokens))
    assert edges == sorted([("A#0", "B#0", 0), ("A#1", "B#0", 0), ("A#1", "B#1", 0), ("A#2", "B#1", 0),
                            ("B#0", "A#0", 1), ("B#1", "A#0", 1), ("B#1", "A#1", 1), ("B#0", "A#2", 0)])
    from_a = [h.graph.names[s].startswith("A") for s in h.graph.src]
    assert h.channel.tolist() == [0 if x else 1 for x in from_a]  # A's firings feed only channel 0
    assert h.actor.tolist() == [0, 0, 0, 1, 1] and h.firing.tolist() == [0, 1, 2, 0, 1]
    assert sdf.throughput(h.graph).period == sdf.throughput(g).period


def test_hsdf_expansion_keeps_the_fewest_tokens_per_pair():
    # q = (1, 1). The self-loop with 3 tokens: F = floor((0 - 3) / 1) = -3, three iterations back.
    # A -> B twice, with 0 and 2 tokens: only the 0-token edge is kept.
    g = graph(("A", "B"), [1, 1], [("A", "A", 1, 1, 3), ("A", "B", 1, 1, 0), ("B", "A", 1, 1, 1),
                                   ("A", "B", 1, 1, 2)])
    h = hsdf_expansion(g)
    edges = sorted((int(s), int(d), int(t)) for s, d, t in zip(h.graph.src, h.graph.dst, h.graph.tokens))
    assert edges == [(0, 0, 3), (0, 1, 0), (1, 0, 1)]  # the 2-token A -> B edge is implied by the 0-token one


# ------------------------------------------------------------------------------ two tiles by hand


def ring3() -> SDFGraph:
    # A (2) -> B (3) -> C (1) -> A, one token on C -> A; A and C on tile 0, B on tile 1
    return graph(("A", "B", "C"), [2, 3, 1], [("A", "B", 1, 1, 0), ("B", "C", 1, 1, 0), ("C", "A", 1, 1, 1)])


def test_two_tiles_by_hand():
    # comm = 1 hop x 1 + ceil(1 / 1) = 2 on A->B and B->C. Critical cycle A, comm, B, comm, C back to
    # A over the one token: 2 + 2 + 3 + 2 + 1 = 10 per iteration.
    g = ring3()
    plat = Platform.bus(2, hop_latency=1, bandwidth=1)
    m = Mapping(np.array([0, 1, 0]), orders=(np.array([0, 2]), np.array([1])))
    r = bound_throughput(g, plat, m)
    assert r.period == 10
    assert r.critical_actors == (0, 1, 2)
    assert set(r.critical_cycle) == {"A", "A->B comm", "B", "B->C comm", "C"}
    assert simulate_bound(g, plat, m) == 10
    # TDMA wheel 4 with 1 reserved: each of the two transfers first waits 3: 16
    tdma = Platform.bus(2, hop_latency=1, bandwidth=1, tdma_wheel=4, tdma_slice=1)
    assert bound_throughput(g, tdma, m).period == 16 == simulate_bound(g, tdma, m)
    assert "A->B wait" in bound_throughput(g, tdma, m).critical_cycle
    # list scheduling finds the order A, C
    assert [o.tolist() for o in list_schedule(g, plat, m.tile)] == [[0, 2], [1]]


def test_two_tiles_pipelined_but_ordered():
    # With two tokens on C -> A the data allow two iterations in flight (10 / 2 = 5), but tile 0 runs
    # A then C: A(k+1) waits for C(k), which waits for the whole chain of iteration k: still 10.
    g = graph(("A", "B", "C"), [2, 3, 1], [("A", "B", 1, 1, 0), ("B", "C", 1, 1, 0), ("C", "A", 1, 1, 2)])
    plat = Platform.bus(2, hop_latency=1, bandwidth=1)
    m = Mapping(np.array([0, 1, 0]), orders=(np.array([0, 2]), np.array([1])))
    assert bound_throughput(g, plat, m).period == 10 == simulate_bound(g, plat, m)
    # on three tiles the pipelining shows, with a third comm on C -> A: (2+2+3+2+1+2) / 2 = 6
    three = Platform.bus(3, hop_latency=1, bandwidth=1)
    m3 = Mapping(np.array([0, 1, 2]), orders=(np.array([0]), np.array([1]), np.array([2])))
    assert bound_throughput(g, three, m3).period == 6 == simulate_bound(g, three, m3)


def test_order_against_the_data_deadlocks():
    g = ring3()
    plat = Platform.bus(2, hop_latency=1, bandwidth=1)
    m = Mapping(np.array([0, 1, 0]), orders=(np.array([2, 0]), np.array([1])))  # C before A
    with pytest.raises(Deadlock) as err:
        bound_throughput(g, plat, m)
    assert "order" in str(err.value)
    assert set(err.value.actors) <= {0, 1, 2}
    with pytest.raises(Deadlock):
        simulate_bound(g, plat, m)


def test_buffers_too_small_deadlock_and_bounded_buffers_slow_down():
    g = graph(("A", "B"), [1, 4], [("A", "B", 2, 2, 0), ("B", "A", 1, 1, 3), ("A", "A", 1, 1, 1),
                                   ("B", "B", 1, 1, 1)])
    plat = Platform.bus(2, hop_latency=0, bandwidth=INF)
    orders = (np.array([0]), np.array([1]))
    small = Mapping(np.array([0, 1]), capacity=np.array([1, -1, -1, -1]), orders=orders)
    with pytest.raises(Deadlock):
        bound_throughput(g, plat, small)
    with pytest.raises(Deadlock):
        simulate_bound(g, plat, small)
    free = bound_throughput(g, plat, Mapping(np.array([0, 1]), orders=orders)).period
    assert free == 4
    # an output buffer of one packet: A must wait for the transfer before its next firing
    tight = Mapping(np.array([0, 1]), src_capacity=np.array([2, -1, -1, -1]), capacity=np.array([2, -1, -1, -1]),
                    orders=orders)
    p = bound_throughput(g, plat, tight).period
    assert p == simulate_bound(g, plat, tight) and p >= free


# ------------------------------------------------------------------------------ the property: analysis = simulation


@st.composite
def live_graphs(draw, max_actors: int = 4, multirate: bool = True):
    """Strongly connected consistent graphs that cannot deadlock unbound (as in test_sdf)."""
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
        t = draw(st.integers(need, need + 2 * c)) if u >= v else draw(st.integers(0, need))
        chans.append((f"v{u}", f"v{v}", p, c, t))
    exec_time = [draw(st.integers(0, 4)) for _ in range(n)]
    exec_time[0] = max(exec_time[0], 1)
    return graph([f"v{i}" for i in range(n)], exec_time, chans)


@st.composite
def mapped(draw, multirate: bool = True):
    g = draw(live_graphs(multirate=multirate))
    q = sdf.repetition_vector(g)
    tiles = draw(st.integers(1, 3))
    latency = draw(st.sampled_from([0, 1, 2, 3, Fraction(1, 2)]))
    bandwidth = draw(st.sampled_from([1, 2, 2.5, INF]))
    kw = {"hop_latency": latency, "bandwidth": bandwidth}
    if draw(st.booleans()):
        wheel = draw(st.integers(1, 4))
        kw.update(tdma_wheel=wheel, tdma_slice=draw(st.integers(1, wheel)))
    plat = Platform.mesh(1, tiles, **kw) if draw(st.booleans()) else Platform.bus(tiles, **kw)
    tile = np.array([draw(st.integers(0, tiles - 1)) for _ in range(g.actors)], dtype=np.int64)
    size = np.array([draw(st.integers(1, 3)) for _ in range(g.channels)], dtype=np.int64)
    cap = scap = None
    if draw(st.booleans()):
        cap = np.array([-1 if draw(st.booleans()) else int(t) + draw(st.integers(0, 2 * int(c)))
                        for t, c in zip(g.tokens, g.consumption)], dtype=np.int64)
        scap = np.array([-1 if draw(st.booleans()) else draw(st.integers(0, 2 * int(p)))
                         for p in g.production], dtype=np.int64)
    unit = draw(st.sampled_from(["packet", "token"]))
    base = Mapping(tile, size, cap, scap)
    try:
        orders = list_schedule(g, plat, base, comm_unit=unit) if draw(st.booleans()) else None
    except Deadlock:
        orders = None
    if orders is None:  # a random static order per tile: may well deadlock
        orders = []
        for t in range(tiles):
            firings = [a for a in range(g.actors) if tile[a] == t for _ in range(int(q[a]))]
            orders.append(np.array(draw(st.permutations(firings)), dtype=np.int64))
        orders = tuple(orders)
    return g, plat, Mapping(tile, size, cap, scap, orders), unit


def outcome(fn):
    try:
        return fn()
    except Deadlock:
        return "deadlock"


def check_critical_cycle(r: M.BoundThroughput) -> None:
    """The critical cycle is a cycle of the model; in a homogeneous model it attains the period."""
    model, acts, chans = r.model, r.analysis.critical_actors, r.analysis.critical_channels
    assert len(acts) == len(chans) > 0
    for k, ch in enumerate(chans):
        assert model.src[ch] == acts[k] and model.dst[ch] == acts[(k + 1) % len(acts)]
    if np.all(sdf.homogeneous_channels(model)):
        work = sum(model.exec_time[list(acts)].tolist())
        tokens = int((model.tokens // model.production)[list(chans)].sum())
        assert math.isclose(work / tokens, float(r.period), rel_tol=1e-9)
    assert set(r.critical_actors) <= set(r.model_map.actor_origin[list(acts)].tolist())


@given(mapped())
@settings(max_examples=EXAMPLES * 4 // 3)
def test_bound_period_matches_simulation(case):
    g, plat, m, unit = case
    res = outcome(lambda: bound_throughput(g, plat, m, comm_unit=unit))
    if not isinstance(res, str) and res.period > 0:
        check_critical_cycle(res)
    fast = outcome(lambda: bound_throughput(g, plat, m, comm_unit=unit).period)
    ref = outcome(lambda: bound_throughput(g, plat, m, comm_unit=unit, engine="sdf").period)
    sim = outcome(lambda: simulate_bound(g, plat, m, comm_unit=unit))
    if isinstance(sim, str) or isinstance(fast, Fraction):
        assert fast == ref == sim
    else:  # a non-integer latency: float analysis
        assert math.isclose(fast, float(sim), rel_tol=1e-9) and math.isclose(ref, float(sim), rel_tol=1e-9)


@given(live_graphs())
def test_hsdf_expansion_keeps_the_period(g):
    h = hsdf_expansion(g)
    assert h.graph.actors == int(sdf.repetition_vector(g).sum())
    assert np.all(h.graph.production == 1) and np.all(h.graph.consumption == 1)
    assert sdf.throughput(h.graph).period == sdf.throughput(g).period


@st.composite
def looped_graphs(draw):
    """Live graphs where every actor has a one-token self-loop (a crossbar fires once at a time)."""
    g = draw(live_graphs(max_actors=5))
    a = np.arange(g.actors)
    ones = np.ones(g.actors, dtype=np.int64)
    return SDFGraph(g.names, g.exec_time, np.concatenate([g.src, a]), np.concatenate([g.dst, a]),
                    np.concatenate([g.production, ones]), np.concatenate([g.consumption, ones]),
                    np.concatenate([g.tokens, ones]))


@given(looped_graphs())
@settings(max_examples=EXAMPLES * 2 // 3)
def test_one_actor_per_tile_and_all_on_one_tile(g):
    q = sdf.repetition_vector(g)
    # one actor per tile, free communication: a tile serialises its actor as the self-loop does
    n = g.actors
    free = Platform.bus(n, hop_latency=0, bandwidth=INF)
    m = Mapping(np.arange(n), orders=list_schedule(g, free, np.arange(n)))
    assert bound_throughput(g, free, m).period == sdf.throughput(g).period == simulate_bound(g, free, m)
    # all on one tile: every firing in turn, so at least the total work; analysis = simulation
    one = Platform.bus(1, hop_latency=5, bandwidth=1)
    m1 = Mapping(np.zeros(n, dtype=np.int64), orders=list_schedule(g, one, np.zeros(n, dtype=np.int64)))
    p = bound_throughput(g, one, m1).period
    assert p >= int((g.exec_time * q).sum())
    assert p == simulate_bound(g, one, m1)


@given(live_graphs(), st.integers(1, 3), st.data())
@settings(max_examples=EXAMPLES * 2 // 3)
def test_list_schedule_orders_are_complete_and_deadlock_free(g, tiles, data):
    q = sdf.repetition_vector(g)
    plat = Platform.bus(tiles, hop_latency=data.draw(st.integers(0, 3)), bandwidth=1)
    tile = np.array([data.draw(st.integers(0, tiles - 1)) for _ in range(g.actors)])
    orders = list_schedule(g, plat, tile)
    flat = np.concatenate(orders)
    assert np.array_equal(np.bincount(flat, minlength=g.actors), q)
    for t, o in enumerate(orders):
        assert np.all(tile[o] == t)
    bound_throughput(g, plat, Mapping(tile, orders=orders))  # no Deadlock


# ------------------------------------------------------------------------------ binding


def test_criticality():
    # A <-> B (exec 1 + 2, one token) and B <-> C (2 + 5, one token): B and C on the cycle of mean 7, A on 3
    g = graph(("A", "B", "C", "D"), [1, 2, 5, 4], [("A", "B", 1, 1, 0), ("B", "A", 1, 1, 1), ("B", "C", 1, 1, 0),
                                                   ("C", "B", 1, 1, 1), ("C", "D", 1, 1, 0),
                                                   ("D", "D", 1, 1, 2)])
    # D: alone with a two-token self-loop: 4 / 2
    assert actor_criticality(g).tolist() == [3.0, 7.0, 7.0, 2.0]
    assert actor_criticality(lenet()).tolist() == [16.0] * 7


def test_bind_is_deterministic_and_respects_available_tiles():
    g = lenet()
    plat = tutorial()
    tile = bind(g, plat)
    assert np.array_equal(tile, bind(g, plat))
    assert tile.min() >= 0 and tile.max() < 4
    assert np.bincount(tile, minlength=4).max() <= 2  # 7 actors of equal load on 4 tiles
    only = bind(g, plat, tiles_available=[1, 3])
    assert set(only.tolist()) <= {1, 3}
    assert np.all(bind(g, Platform.bus(1, hop_latency=0, bandwidth=1)) == 0)
    with pytest.raises(ValueError, match="tiles_available"):
        bind(g, plat, tiles_available=[4])
    # neighbours share a tile when load allows: two actors and two tiles, but one tile is cheaper
    pair = graph(("x", "y"), [1, 1], [("x", "y", 5, 5, 0), ("y", "x", 5, 5, 5)])
    assert bind(pair, Platform.bus(2, hop_latency=1, bandwidth=1)).tolist() == [0, 0]


def test_design_time_flow_on_lenet():
    g = lenet()
    plat = tutorial()
    tile = bind(g, plat)
    orders = list_schedule(g, plat, tile)
    r = bound_throughput(g, plat, Mapping(tile, orders=orders))
    assert r.period < 64  # better than two tiles
    assert r.period >= 32  # 7 actors of 16 on 4 tiles: some tile runs two


def test_binding_from_mapping():
    names = ("a", "b", "c")
    assert binding_from_mapping(names, {"a": 0, "b": 1, "c": 1}, 2).tolist() == [0, 1, 1]
    with pytest.raises(ValueError) as err:
        binding_from_mapping(names, {"a": 0, "b": 2, "zz": 0}, 2)
    text = str(err.value)
    assert "'zz'" in text and "'b' -> 2" in text and "unbound actor(s) 'c'" in text


# ------------------------------------------------------------------------------ validation


def test_platform_validation():
    assert Platform.mesh(2, 2, hop_latency=1, bandwidth=1).hops.tolist() == [[0, 1, 1, 2], [1, 0, 2, 1],
                                                                             [1, 2, 0, 1], [2, 1, 1, 0]]
    with pytest.raises(ValueError, match="diagonal|must be 0"):
        Platform(2, np.ones((2, 2), dtype=int), 1, 1)
    with pytest.raises(ValueError, match="both"):
        Platform.bus(2, hop_latency=1, bandwidth=1, tdma_wheel=4)
    with pytest.raises(ValueError, match="exceeds"):
        Platform.bus(2, hop_latency=1, bandwidth=1, tdma_wheel=4, tdma_slice=5)
    with pytest.raises(ValueError, match="bandwidth"):
        Platform.bus(2, hop_latency=1, bandwidth=0)


def test_mapping_validation():
    g = ring3()
    plat = Platform.bus(2, hop_latency=1, bandwidth=1, input_buffer=3)
    with pytest.raises(ValueError, match="'B' is bound to tile 5"):
        bound_throughput(g, plat, Mapping(np.array([0, 5, 0])))
    with pytest.raises(ValueError, match="capacity 0 is below its 1 initial tokens"):
        bound_throughput(g, plat, Mapping(np.array([0, 1, 0]), capacity=np.array([-1, -1, 0])))
    with pytest.raises(ValueError, match="tile 1: the input buffers"):
        bound_throughput(g, plat, Mapping(np.array([0, 1, 0]), capacity=np.array([4, -1, -1])))
    with pytest.raises(ValueError, match="'C' appears 2 time"):
        bound_throughput(g, plat, Mapping(np.array([0, 1, 0]), orders=(np.array([0, 2, 2]), np.array([1]))))
    with pytest.raises(ValueError, match="lists actor 'B', which is bound to tile 1"):
        bound_throughput(g, plat, Mapping(np.array([0, 1, 0]), orders=(np.array([0, 2, 1]), np.array([1]))))
    with pytest.raises(ValueError, match="needs static orders"):
        simulate_bound(g, plat, Mapping(np.array([0, 1, 0])))


# ------------------------------------------------------------------------------ run-time admission


def test_record_order():
    # every LeNet actor is enabled at time 0 of every iteration: ties by actor index
    assert record_order(lenet()).tolist() == list(range(7))
    # a chain fires in data order: C -> B -> A with the token on A -> C
    g = graph(("A", "B", "C"), [1, 1, 1], [("C", "B", 1, 1, 0), ("B", "A", 1, 1, 0), ("A", "C", 1, 1, 1)])
    assert record_order(g).tolist() == [2, 1, 0]
    m = graph(("A", "B"), [1, 2], [("A", "B", 2, 3, 0), ("B", "A", 3, 2, 4), ("A", "A", 1, 1, 1),
                                   ("B", "B", 1, 1, 1)])
    order = record_order(m)
    assert np.bincount(order).tolist() == [3, 2]
    with pytest.raises(sdf.UnboundedActors):
        record_order(graph(("s", "t"), [1, 1], [("s", "t", 1, 1, 0), ("t", "t", 1, 1, 1)]))


def test_admission_is_its_own_bound_throughput_and_degrades_with_fewer_tiles():
    g = lenet()
    plat = tutorial()
    order = record_order(g)
    periods = []
    for free in ([0, 1, 3, 2], [0, 1, 3], [0, 1], [0]):
        adm = admit(g, order, plat, free, required=Fraction(1, 100))
        assert adm.result.period == bound_throughput(g, plat, Mapping(adm.tile, orders=adm.orders)).period
        assert set(adm.tile.tolist()) <= set(free)
        for t, o in enumerate(adm.orders):  # the recorded order restricted to each tile
            assert o.tolist() == [a for a in order.tolist() if adm.tile[a] == t]
        assert adm.admitted == (adm.throughput >= Fraction(1, 100))
        assert adm.seconds > 0
        periods.append(adm.period)
    assert periods == sorted(periods)  # on this graph, fewer tiles never help
    assert periods[-1] == 112 and periods[0] < 64
    assert not admit(g, order, plat, [0], required=Fraction(1, 100)).admitted


def test_admission_strategies_and_errors():
    g = lenet()
    plat = tutorial()
    order = record_order(g)
    ll = admit(g, order, plat, [0, 1, 2, 3], strategy="least-loaded")
    assert np.bincount(ll.tile, minlength=4).tolist() == [2, 2, 2, 1]
    assert ll.admitted  # nothing required
    with pytest.raises(ValueError, match="free_tiles"):
        admit(g, order, plat, [0, 0])
    with pytest.raises(ValueError, match="at least one"):
        admit(g, order, plat, [])
    with pytest.raises(ValueError, match="permutation"):
        admit(g, np.array([0, 0, 1, 2, 3, 4, 5]), plat, [0])
    with pytest.raises(ValueError, match=rf"token_size must have shape \({g.channels},\)"):
        admit(g, order, plat, [0, 1], token_size=np.ones(3, dtype=np.int64))
    with pytest.raises(ValueError, match="token_size must be >= 1, got 0"):
        admit(g, order, plat, [0, 1], token_size=np.zeros(g.channels, dtype=np.int64))


@given(looped_graphs(), st.data())
@settings(max_examples=EXAMPLES // 2)
def test_admission_on_random_graphs(g, data):
    wheel = data.draw(st.sampled_from([None, 4]))  # admission builds its model unchecked: TDMA and token sizes too
    plat = Platform.mesh(1, 3, hop_latency=data.draw(st.integers(0, 3)), bandwidth=2, tdma_wheel=wheel,
                         tdma_slice=None if wheel is None else 1)
    size = np.array(data.draw(st.lists(st.integers(1, 3), min_size=g.channels, max_size=g.channels)), dtype=np.int64)
    order = record_order(g)
    free = data.draw(st.lists(st.integers(0, 2), min_size=1, max_size=3, unique=True))
    adm = admit(g, order, plat, free, token_size=size)  # deadlock-free by construction
    m = Mapping(adm.tile, size, orders=adm.orders)
    assert adm.period == bound_throughput(g, plat, m, engine="sdf").period
    assert adm.period == simulate_bound(g, plat, m)


def test_zero_time_cycles_are_refused_by_name_unless_something_timed_feeds_them():
    # a <-> b take no time: a self-timed run would fire them forever at time 0 (it used to)
    loose = graph(("a", "b", "c"), [0, 0, 3], [("a", "b", 1, 1, 0), ("b", "a", 1, 1, 1), ("a", "a", 1, 1, 1),
                                               ("c", "c", 1, 1, 1)])
    with pytest.raises(UnboundedActors, match="a, b take no time") as err:
        record_order(loose)
    assert list(err.value.actors) == [0, 1]
    plat = Platform.bus(2, hop_latency=0, bandwidth=INF)
    with pytest.raises(UnboundedActors, match="a, b, a->b comm, b->a comm take no time") as err:
        list_schedule(loose, plat, np.array([0, 1, 1]))
    assert list(err.value.actors) == [0, 1]  # the comm actors are not actors of the graph
    # c feeds a: every firing of a needs one of c's, so the cycle fires once per 3 time units
    fed = graph(("a", "b", "c"), [0, 0, 3], [("c", "a", 1, 1, 0), ("a", "b", 1, 1, 0), ("b", "a", 1, 1, 1),
                                             ("a", "a", 1, 1, 1), ("c", "c", 1, 1, 1)])
    assert record_order(fed).tolist() == [2, 0, 1]
    m = Mapping(np.array([0, 1, 1]), orders=list_schedule(fed, plat, np.array([0, 1, 1])))
    assert bound_throughput(fed, plat, m).period == 3 == simulate_bound(fed, plat, m)


def test_admission_with_more_tiles_can_be_slower():
    # Not monotone in general: x <-> y with one token is a tight cycle (1 + 0 per iteration on one
    # tile); split over two tiles each direction pays a transfer of ceil(1 / 1) = 1: period 3.
    g = graph(("x", "y"), [1, 0], [("x", "y", 1, 1, 0), ("y", "x", 1, 1, 1), ("x", "x", 1, 1, 1),
                                   ("y", "y", 1, 1, 1)])
    plat = Platform.bus(2, hop_latency=0, bandwidth=1)
    order = record_order(g)
    assert admit(g, order, plat, [0]).period == 1
    assert admit(g, order, plat, [0, 1]).period == 3


# ------------------------------------------------------------------------------ design-time refinement of a binding


def scheduled_period(g, plat, tile, size=None):
    """The period of a binding under its list-scheduled static orders (what refinement optimises)."""
    orders = list_schedule(g, plat, Mapping(tile, size))
    return bound_throughput(g, plat, Mapping(tile, size, orders=orders)).period


def test_refine_lenet_on_the_tutorial_platform():
    # method.md section 9's graph on the SDF3 tutorial platform, the free tiles along the snake
    # 0, 1, 3, 2 as `--admit` takes them. Periods (greedy -> refined, admission):
    #   1 tile: 112 -> 112, 112;  2 tiles: 64 -> 64, 64;  3 tiles: 64 -> 48, 51;  4 tiles: 107/3 -> 32, 32.
    # The refined periods are optimal: seven actors of load 16 on n tiles put ceil(7 / n) on some tile.
    g, plat = lenet(), tutorial()
    order = record_order(g)
    snake = [0, 1, 3, 2]
    expect = {1: (112, 112, 112), 2: (64, 64, 64), 3: (64, 48, 51), 4: (Fraction(107, 3), 32, 32)}
    for n, (greedy, refined, admitted) in expect.items():
        free = snake[:n]
        tile = bind(g, plat, tiles_available=free)
        assert scheduled_period(g, plat, tile) == greedy
        r = M.refine(g, plat, tile, tiles_available=free)
        assert r.initial_period == greedy and r.period == refined
        assert r.period == scheduled_period(g, plat, r.tile) == r.result.period
        assert set(r.tile.tolist()) <= set(free)
        assert np.array_equal(r.tile, M.refine_binding(g, plat, tile, tiles_available=free))
        adm = admit(g, order, plat, free)
        assert adm.period == admitted
        assert r.period <= adm.period  # design time is no worse than admission
        assert r.period == 16 * -(-7 // n)  # and optimal
    # on 4 tiles one move fixes the greedy binding: a3 joins a5, two actors on each of three tiles
    r = M.refine(g, plat, bind(g, plat))
    assert r.moves == (("move", 3, 3),)
    assert r.analyses == 2 and r.stopped == "lower bound"  # 2 x 16: no binding of 7 actors on 4 tiles beats it
    assert r.result.critical_actors and r.result.period == 32


def test_refine_merges_tiles_when_communication_dominates():
    # ring3 with one token: no pipelining, so every transfer adds to the period; with a hop
    # latency of 10 the best binding keeps everything on one tile (2 + 3 + 1 = 6)
    g = graph(("A", "B", "C"), [2, 3, 1], [("A", "B", 1, 1, 0), ("B", "C", 1, 1, 0), ("C", "A", 1, 1, 1),
                                           ("A", "A", 1, 1, 1), ("B", "B", 1, 1, 1), ("C", "C", 1, 1, 1)])
    plat = Platform.bus(3, hop_latency=10, bandwidth=1)
    spread = np.array([0, 1, 2])
    assert scheduled_period(g, plat, spread) == 6 + 3 * 11
    r = M.refine(g, plat, spread)
    assert r.period == 6 and np.unique(r.tile).size == 1
    assert r.stopped == "lower bound"  # the unbound period: no binding does better


def test_refine_options_and_errors():
    g, plat = lenet(), tutorial()
    tile = bind(g, plat)
    same = M.refine(g, plat, tile, rounds=0)
    assert np.array_equal(same.tile, tile) and same.stopped == "rounds" and same.analyses == 1
    cut = M.refine(g, plat, tile, time_limit=0)
    assert np.array_equal(cut.tile, tile) and cut.stopped == "time limit"
    one = M.refine(g, plat, np.zeros(7, dtype=np.int64), tiles_available=[0])
    assert one.stopped == "single tile" and one.period == 112
    greedy_only = M.refine(g, plat, tile, swaps=False, candidates=1)
    assert greedy_only.period <= same.period
    with pytest.raises(ValueError, match="rounds"):
        M.refine(g, plat, tile, rounds=-1)
    with pytest.raises(ValueError, match="candidates"):
        M.refine(g, plat, tile, candidates=0)
    with pytest.raises(ValueError, match="tiles_available"):
        M.refine(g, plat, tile, tiles_available=[7])
    with pytest.raises(ValueError, match="not available"):
        M.refine(g, plat, tile, tiles_available=[0, 1])
    with pytest.raises(ValueError, match="tile must have shape"):
        M.refine(g, plat, tile[:3])


@given(live_graphs(), st.integers(1, 3), st.data())
@settings(max_examples=EXAMPLES // 2, deadline=None)
def test_refine_never_worsens_and_is_deterministic(g, tiles, data):
    plat = Platform.mesh(1, tiles, hop_latency=data.draw(st.integers(0, 4)),
                         bandwidth=data.draw(st.sampled_from([1, 2, INF])),
                         **data.draw(st.sampled_from([{}, {"tdma_wheel": 4, "tdma_slice": 1}])))
    tile = np.array([data.draw(st.integers(0, tiles - 1)) for _ in range(g.actors)], dtype=np.int64)
    size = np.array([data.draw(st.integers(1, 3)) for _ in range(g.channels)], dtype=np.int64)
    seed = data.draw(st.integers(0, 3))
    r = M.refine(g, plat, tile, token_size=size, seed=seed, rounds=4)
    before = scheduled_period(g, plat, tile, size)
    assert r.initial_period == before
    assert r.period <= before
    assert r.period == scheduled_period(g, plat, r.tile, size)
    assert len(r.moves) <= 4 and r.analyses >= 1 + len(r.moves)
    again = M.refine(g, plat, tile, token_size=size, seed=seed, rounds=4)
    assert np.array_equal(again.tile, r.tile) and again.moves == r.moves


def small_cases(count: int, seed: int = 2024):
    """Deterministic small looped graphs (4-5 actors, a ring with pipelining tokens plus chords, token
    = spike-count rates) on 2-3 tiles of a 1 x n mesh, with and without TDMA."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        n = int(rng.integers(4, 6))
        chans = [(i, (i + 1) % n, int(rng.integers(1, n + 1)) if i == n - 1 else int(rng.integers(0, 2)))
                 for i in range(n)]
        for _ in range(int(rng.integers(0, n + 1))):
            u, v = (int(x) for x in rng.integers(0, n, 2))
            if u != v:
                chans.append((u, v, int(rng.integers(1, 3)) if u >= v else int(rng.integers(0, 2))))
        rows = []
        for u, v, t in chans:
            k = int(rng.integers(1, 4))
            rows.append((f"v{u}", f"v{v}", k, k, t * k))
        rows += [(f"v{i}", f"v{i}", 1, 1, 1) for i in range(n)]
        g = graph([f"v{i}" for i in range(n)], rng.integers(1, 20, n), rows)
        tiles = int(rng.integers(2, 4))
        kw = {"tdma_wheel": 8, "tdma_slice": 4} if rng.random() < 0.5 else {}
        plat = Platform.mesh(1, tiles, hop_latency=int(rng.integers(0, 8)), bandwidth=float(rng.choice([1, 2, 96])),
                             **kw)
        yield g, plat


def test_refine_against_exhaustive_search():
    # Every binding of the small cases is list-scheduled and analysed. What always holds:
    # optimum <= refined <= greedy. How often refinement reaches the optimum is printed (-s): on
    # these 24 cases, all 24 (the greedy binding alone: 6). It is a local search, so misses do
    # occur: with generator seeds 1 and 7 (100 cases each) it reaches 197 of 200 (greedy: 82), the
    # worst miss 1.33 x the optimum.
    import itertools

    hits = greedy_hits = 0
    worst = Fraction(1)
    cases = list(small_cases(24))
    for g, plat in cases:
        best = min(scheduled_period(g, plat, np.array(b))
                   for b in itertools.product(range(plat.tiles), repeat=g.actors))
        tile = bind(g, plat)
        greedy = scheduled_period(g, plat, tile)
        r = M.refine(g, plat, tile)
        assert best <= r.period <= greedy
        hits += r.period == best
        greedy_hits += greedy == best
        worst = max(worst, Fraction(r.period) / Fraction(best))
    print(f"\nrefinement reaches the exhaustive optimum on {hits} of {len(cases)} small cases (greedy alone: "
          f"{greedy_hits}); worst refined / optimum = {float(worst):.3f}")


# ------------------------------------------------------------------------------ the certified period


@st.composite
def paper_convention_cases(draw):
    """An application as `--sdfg` builds it (p = c = t on every channel, a one-token self-loop per
    actor), a random binding onto a few tiles and static orders (list-scheduled or the projection
    of a recorded order): the bound models whose period the certificate usually proves."""
    n = draw(st.integers(1, 7))
    pairs = [(i, (i + 1) % n) for i in range(n)]  # strongly connected: the simulation's state recurs soon
    pairs += draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=2 * n))
    chans = [(f"v{u}", f"v{v}", k, k, k) for (u, v), k in zip(pairs, draw(
        st.lists(st.integers(1, 5), min_size=len(pairs), max_size=len(pairs)))) if u != v]
    chans += [(f"v{a}", f"v{a}", 1, 1, 1) for a in range(n)]
    g = graph([f"v{i}" for i in range(n)], [draw(st.integers(1, 20)) for _ in range(n)], chans)
    tiles = draw(st.integers(1, 4))
    wheel, reserved = draw(st.sampled_from([(None, None), (8, 4), (5, 1)]))  # TDMA adds wait actors
    plat = Platform.mesh(1, tiles, hop_latency=draw(st.integers(0, 4)), bandwidth=draw(st.sampled_from([1, 3, INF])),
                         tdma_wheel=wheel, tdma_slice=reserved)
    tile = np.array([draw(st.integers(0, tiles - 1)) for _ in range(n)], dtype=np.int64)
    if draw(st.booleans()):
        orders = list_schedule(g, plat, tile)
    else:
        adm = admit(g, record_order(g), plat, list(range(tiles)))
        tile, orders = adm.tile, adm.orders
    return g, plat, Mapping(tile, orders=orders)


@given(paper_convention_cases())
@settings(max_examples=EXAMPLES * 2)
def test_certified_period_equals_the_cycle_ratio_and_the_iteration_matrix(case):
    g, plat, m = case
    model, mm = M.resource_graph(g, plat, m)
    h = sdf.normalised(model)
    cert = M._certified_throughput(h, *M._order_cycles(mm))
    full = M._fast_throughput(model)  # the general analysis: policy iteration on the model
    assert full is not None
    if cert is not None:
        assert cert.period == full.period and cert.latency == full.latency and cert.tokens == full.tokens
        acts, chans = cert.critical_actors, cert.critical_channels
        for k, ch in enumerate(chans):  # a cycle of the model attaining the period
            assert model.src[ch] == acts[k] and model.dst[ch] == acts[(k + 1) % len(acts)]
        assert Fraction(int(h.exec_time[list(acts)].sum()), int(h.tokens[list(chans)].sum())) == cert.period
    assert bound_throughput(g, plat, m).period == full.period == bound_throughput(g, plat, m, engine="sdf").period


def test_admission_with_tdma_is_proved_by_the_certificate(monkeypatch):
    # the wait actors have no self-loop but are fed by actors that have one, so nothing is
    # unbounded and the certificate applies: the general cycle-ratio search must not run
    g = lenet()
    plat = Platform.mesh(2, 2, hop_latency=1, bandwidth=4, tdma_wheel=8, tdma_slice=4)
    order = record_order(g)
    expected = [bound_throughput(g, plat, Mapping(a.tile, orders=a.orders), engine="sdf").period
                for a in (admit(g, order, plat, free) for free in ([0, 1, 3, 2], [0, 1]))]

    def general(*args, **kwargs):
        raise AssertionError("the general analysis ran")

    monkeypatch.setattr(M, "_max_cycle_ratio", general)
    monkeypatch.setattr(sdf, "unbounded_actors", general)
    adm = [admit(g, order, plat, free) for free in ([0, 1, 3, 2], [0, 1])]
    assert [a.period for a in adm] == expected
    assert any("wait" in name for name in adm[1].result.model.names)


def test_certificate_proves_the_tile_load_and_declines_otherwise():
    # two actors on one tile, a slow transfer back: 1 + 1 per iteration on the tile, but the cycle
    # through the other tile and the comm actor takes longer, so the tile load is no proof
    g = graph(("x", "y", "z"), [1, 1, 1], [("x", "z", 1, 1, 1), ("z", "x", 1, 1, 1), ("x", "x", 1, 1, 1),
                                           ("y", "y", 1, 1, 1), ("z", "z", 1, 1, 1)])
    fast = Platform.bus(2, hop_latency=0, bandwidth=INF)
    slow = Platform.bus(2, hop_latency=5, bandwidth=INF)
    tile = np.array([0, 0, 1])
    for plat, expected, proved in ((fast, 2, True), (slow, Fraction(12, 2), False)):
        m = Mapping(tile, orders=list_schedule(g, plat, tile))
        model, mm = M.resource_graph(g, plat, m)
        cert = M._certified_throughput(sdf.normalised(model), *M._order_cycles(mm))
        assert (cert is not None) == proved
        assert bound_throughput(g, plat, m).period == expected == simulate_bound(g, plat, m)


def test_design_binding_takes_the_better_start():
    # method.md's LeNet-MNIST graph on the tutorial platform's 4 tiles: the greedy binding gives
    # 107/3, the split of the recorded order 32 (two actors on each of three tiles)
    from snnir.algorithms.target import load_target

    g = lenet()
    plat = Platform.from_target(load_target("tutorial2x2"))
    d = M.design_binding(g, plat, rounds=0)
    assert d.start == "order" and d.greedy_period == Fraction(107, 3) and d.order_period == 32
    assert d.refinement.period == 32 and np.array_equal(d.tile, M.order_binding(g, record_order(g), range(4)))
    greedy = M.design_binding(g, plat, rounds=0, start="greedy")
    assert greedy.start == "greedy" and greedy.order_period is None and greedy.refinement.period == Fraction(107, 3)
    assert M.design_binding(g, plat, rounds=8, start="greedy").refinement.period == 32  # refinement repairs it
    with pytest.raises(ValueError, match="unknown start"):
        M.design_binding(g, plat, start="random")
    with pytest.raises(ValueError, match="at least one tile"):
        M.order_binding(g, record_order(g), [])
    with pytest.raises(ValueError, match="lists 2 of the 7 actors"):
        M.order_binding(g, np.array([0, 1]), [0])
