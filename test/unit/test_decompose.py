"""Fan-in decomposition: the algorithm (snnir.algorithms.decompose), relays in the simulator, and the
`decompose-fan-in` pass.

Both shapes, tree (the default) and chain (the paper's). Worked examples by hand; property tests on
random synapse lists (every synapse kept exactly once along exactly one path, every unit within the
limit, relay -> relay edges forward, the relay count formulas, inputs in ascending order) and on
random networks (the decomposed network verifies, fits the rows and simulates to the same spike
counts). Random weights are multiples of 1/4, so every partial sum is exact in floating
point and the spike counts must be equal, not just close.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from snnir.algorithms import partition as P
from snnir.algorithms.decompose import (
    DecompositionError,
    decompose_fan_in,
    relay_count,
    relay_spike_counts,
    tree_layout,
)
from snnir.algorithms.simulate import (
    Population,
    Projection,
    SimNetwork,
    SimulationError,
    dense_matrix,
    simulate,
    sparse_matrix,
)
from snnir.context import Context
from snnir.dialects.snn import IFAttr, LIFAttr
from snnir.dialects.snn_builder import NetworkBuilder
from snnir.parser import parse_source
from snnir.pass_manager import PassFailure
from snnir.passes.decompose_fan_in import decompose_network
from snnir.passes.partition import connectivity_of
from snnir.passes.simulate import Simulate, network_from_ir, networks, populations

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# ------------------------------------------------------------------------------ the chain by hand


def test_five_inputs_two_rows():
    # units = ceil((5 - 2) / 1) + 1 = 4: relays 0, 1, 2 and the neuron; inputs given in any order
    d = decompose_fan_in([0] * 5, [40, 30, 20, 10, 0], 2, shape="chain")
    assert d.shape == "chain" and d.level.tolist() == [0, 1, 2] and d.depth == 3
    assert d.n_relays == 3 and d.relays.tolist() == [3]
    assert d.unit.tolist() == [-1, 2, 1, 0, 0]               # 0, 10 -> relay 0; 20 -> 1; 30 -> 2; 40 stays
    assert d.chain_pre.tolist() == [0, 1] and d.chain_post.tolist() == [1, 2]
    assert d.out_unit.tolist() == [2] and d.out_post.tolist() == [0]
    assert d.fan_in.tolist() == [5] and d.neurons.tolist() == [0]


def test_three_rows_and_untouched_neurons():
    # neuron 0: 5 inputs, units = ceil(2 / 2) + 1 = 2 -> one relay with inputs 0, 1, 2; neuron 1 has
    # exactly 3 inputs (fits); neuron 2: 8 inputs, units = ceil(5 / 2) + 1 = 4 -> relays 1, 2, 3
    post = [0] * 5 + [1] * 3 + [2] * 8
    pre = list(range(5)) + [0, 1, 2] + list(range(8))
    d = decompose_fan_in(post, pre, 3, shape="chain")
    assert d.relays.tolist() == [1, 3] and d.n_relays == 4
    assert d.unit[:5].tolist() == [0, 0, 0, -1, -1]
    assert d.unit[5:8].tolist() == [-1, -1, -1]
    assert d.unit[8:].tolist() == [1, 1, 1, 2, 2, 3, 3, -1]   # 3 + 2 + 2 moved, 1 + the relay left
    assert d.chain_pre.tolist() == [1, 2] and d.chain_post.tolist() == [2, 3]
    assert d.out_unit.tolist() == [0, 3] and d.out_post.tolist() == [0, 2]
    assert d.chain_of.tolist() == [0, 1, 1, 1]


def test_one_input_through_two_projections_moves_whole():
    # pre 1 reaches neuron 0 twice (two projections, e.g. two delays): one input, one relay for both
    for shape in ("chain", "tree"):
        d = decompose_fan_in([0, 0, 0, 0], [2, 1, 0, 1], 2, shape=shape)
        assert d.fan_in.tolist() == [3] and d.relays.tolist() == [1]
        assert d.unit.tolist() == [-1, 0, 0, 0]


def test_limit_below_two():
    with pytest.raises(DecompositionError, match="neuron 3 has fan-in 2 but a chain of relays needs a limit of "
                                                 "at least 2 inputs per unit, got 1") as e:
        decompose_fan_in([1, 3, 3], [0, 0, 1], 1, shape="chain")
    assert (e.value.neuron, e.value.fan_in, e.value.limit) == (3, 2, 1)
    with pytest.raises(DecompositionError, match="neuron 3 has fan-in 2 but a tree of relays needs a limit"):
        decompose_fan_in([1, 3, 3], [0, 0, 1], 1)
    with pytest.raises(ValueError, match="shape must be one of tree, chain, got 'ring'"):
        decompose_fan_in([0], [0], 2, shape="ring")
    assert decompose_fan_in([0, 1], [5, 5], 1).n_relays == 0   # nothing over the limit: fine
    assert decompose_fan_in([], [], 0).n_relays == 0


def test_relay_count_formula():
    n = np.arange(0, 300)
    for F in (2, 3, 7, 128):
        got = relay_count(n, F)
        want = [int(np.ceil((k - F) / (F - 1))) if k > F else 0 for k in n]
        assert got.tolist() == want


def test_relay_spike_counts_by_hand():
    # relays of test_five_inputs_two_rows; spikes of pre ids 0, 10, 20, 30: 1, 2, 3, 4
    pre = [40, 30, 20, 10, 0]
    d = decompose_fan_in([0] * 5, pre, 2, shape="chain")
    spikes = np.zeros(41, np.int64)
    spikes[[0, 10, 20, 30, 40]] = [1, 2, 3, 4, 5]
    assert relay_spike_counts(d, pre, spikes).tolist() == [3, 6, 10]
    assert relay_spike_counts(d, pre, spikes, cap=7).tolist() == [3, 6, 7]
    # the same input arriving with two delays counts twice, with one delay once
    for shape in ("chain", "tree"):
        d = decompose_fan_in([0, 0, 0, 0], [0, 0, 1, 2], 2, shape=shape)
        assert relay_spike_counts(d, [0, 0, 1, 2], [5, 1, 1], arrival=[0, 1, 0, 0]).tolist() == [11]
        assert relay_spike_counts(d, [0, 0, 1, 2], [5, 1, 1], arrival=[1, 1, 0, 0]).tolist() == [6]


# ------------------------------------------------------------------------------ the tree by hand


def test_tree_five_inputs_two_rows_two_levels():
    # c = ceil(5 / 2) = 3 chunks > F = 2: level 1 takes the full chunks (0, 10) -> relay 0, (20, 30) -> relay 1;
    # 40 is carried up: 3 items, c = 2, last chunk 1, (2 - 1) + 1 <= 2: relay 2 takes relays 0, 1 and the
    # neuron keeps relay 2 and 40. 3 relays, as the chain; inputs given in any order
    d = decompose_fan_in([0] * 5, [40, 30, 20, 10, 0], 2)
    assert d.shape == "tree" and d.n_relays == 3 and d.relays.tolist() == [3]
    assert d.unit.tolist() == [-1, 1, 1, 0, 0]
    assert d.chain_pre.tolist() == [0, 1] and d.chain_post.tolist() == [2, 2]
    assert d.out_unit.tolist() == [2] and d.out_post.tolist() == [0]
    assert d.level.tolist() == [0, 0, 1] and d.depth == 2
    # spike counts: relay 0 = 1 + 2, relay 1 = 3 + 4, relay 2 = 3 + 7 (capped at 8 with cap=8)
    spikes = np.zeros(41, np.int64)
    spikes[[0, 10, 20, 30, 40]] = [1, 2, 3, 4, 5]
    assert relay_spike_counts(d, [40, 30, 20, 10, 0], spikes).tolist() == [3, 7, 10]
    assert relay_spike_counts(d, [40, 30, 20, 10, 0], spikes, cap=8).tolist() == [3, 7, 8]


def test_tree_one_level_by_hand():
    # F = 3. neuron 0: 5 inputs, c = 2, last chunk 2, 1 + 2 <= 3: relay 0 = inputs 0-2, 3 and 4 stay.
    # neuron 1: 3 inputs (fits). neuron 2: 8 inputs, c = 3, last chunk 2, 2 + 2 > 3: three relays (1, 2, 3)
    # take 0-2, 3-5, 6-7 and the neuron takes just them. neuron 3: 7 inputs, c = 3, last chunk 1, 2 + 1 <= 3:
    # relays 4, 5 take 0-2, 3-5 and 6 stays. No relay -> relay edge.
    post = [0] * 5 + [1] * 3 + [2] * 8 + [3] * 7
    pre = list(range(5)) + [0, 1, 2] + list(range(8)) + list(range(7))
    d = decompose_fan_in(post, pre, 3)
    assert d.relays.tolist() == [1, 3, 2] and d.neurons.tolist() == [0, 2, 3]
    assert d.unit[:5].tolist() == [0, 0, 0, -1, -1]
    assert d.unit[5:8].tolist() == [-1, -1, -1]
    assert d.unit[8:16].tolist() == [1, 1, 1, 2, 2, 2, 3, 3]
    assert d.unit[16:].tolist() == [4, 4, 4, 5, 5, 5, -1]
    assert d.chain_pre.size == 0 and d.chain_post.size == 0 and d.depth == 1
    assert d.out_unit.tolist() == [0, 1, 2, 3, 4, 5] and d.out_post.tolist() == [0, 2, 2, 2, 3, 3]
    assert d.chain_of.tolist() == [0, 1, 1, 1, 2, 2] and d.chain_start.tolist() == [0, 1, 4]


def test_tree_three_levels():
    # F = 2, n = 9: level 1 relays 0-3 take (0, 1) .. (6, 7), 8 carried; level 2: relays 4 = (0, 1), 5 = (2, 3),
    # 8 carried again; level 3: relay 6 = (4, 5); the neuron keeps relay 6 and input 8. 7 = ceil(7 / 1) relays
    unit, e_pre, e_post, top, level = tree_layout(9, 2)
    assert unit.tolist() == [0, 0, 1, 1, 2, 2, 3, 3, -1]
    assert list(zip(e_pre.tolist(), e_post.tolist())) == [(0, 4), (1, 4), (2, 5), (3, 5), (4, 6), (5, 6)]
    assert top.tolist() == [6] and level.tolist() == [0, 0, 0, 0, 1, 1, 2]
    # F = 2, n = 7: the carried input 6 goes to a level-2 relay with relay 2
    unit, e_pre, e_post, top, level = tree_layout(7, 2)
    assert unit.tolist() == [0, 0, 1, 1, 2, 2, 4]
    assert list(zip(e_pre.tolist(), e_post.tolist())) == [(0, 3), (1, 3), (2, 4)]
    assert top.tolist() == [3, 4] and level.tolist() == [0, 0, 0, 1, 1]
    # at 128 rows: LeNet-5's fc1 (400 inputs): 3 relays of 128, 16 direct, neuron fan-in 19; the MLP (784):
    # 6 relays of 128, 16 direct; 128^2 + 1 inputs need a second level
    for n, relays, direct in ((400, 3, 16), (784, 6, 16), (150, 1, 22), (256, 2, 0), (16384, 128, 0)):
        unit, e_pre, e_post, top, level = tree_layout(n, 128)
        assert level.size == relays and e_pre.size == 0 and int((unit < 0).sum()) == direct
        assert np.bincount(unit[unit >= 0]).tolist() == [128] * relays
        assert top.size + direct <= 128
    unit, e_pre, e_post, top, level = tree_layout(128 ** 2 + 1, 128)
    assert level.max() == 1 and top.size + int((unit < 0).sum()) <= 128
    assert level.size == relay_count(128 ** 2 + 1, 128) == 129     # 128 full relays, then one over 128 of them


def _one_level_relays(n: int, F: int) -> int:
    """The tree's first level by its definition: c = ceil(n / F) chunks, the last of l = n - (c - 1) F inputs;
    c - 1 relays when the leftover chunk fits beside them at the neuron ((c - 1) + l <= F), else c."""
    c = -(-n // F)
    return c - 1 if (c - 1) + (n - (c - 1) * F) <= F else c


def test_tree_relay_count_formulas():
    # one level (F < n <= F^2): ceil(n / F) or one fewer, = ceil((n - F) / (F - 1)) = relay_count, the chain's
    # count, and the fewest relays: k relays and the neuron are k + 1 units of <= F inputs for n + k edges
    for F in (2, 3, 4, 7, 16, 128):
        for n in range(F + 1, min(F * F, 3000) + 1):
            unit, e_pre, _, top, level = tree_layout(n, F)
            k = _one_level_relays(n, F)
            assert level.size == k == int(relay_count(n, F)) == -(-(n - F) // (F - 1)), (n, F)
            assert e_pre.size == 0 and top.tolist() == list(range(k))
            assert n + k <= F * (k + 1) and not n + (k - 1) <= F * k     # k is the fewest possible
            # chunks of F in ascending order, the leftover (if any) at the neuron
            expect = np.arange(n) // F
            expect[expect >= k] = -1
            assert unit.tolist() == expect.tolist()


def test_tree_layouts_beyond_one_level():
    # every n up to a few levels: relay count = relay_count (the fewest), every unit <= F inputs, every relay
    # exactly one way out, edges forward and from an earlier round
    for F in (2, 3, 4, 5):
        for n in range(F + 1, 700):
            unit, e_pre, e_post, top, level = tree_layout(n, F)
            k = level.size
            assert k == int(relay_count(n, F))
            assert np.all(e_pre < e_post) and np.all(level[e_pre] < level[e_post])
            fan = np.bincount(unit[unit >= 0], minlength=k) + np.bincount(e_post, minlength=k)
            assert fan.max() <= F and fan.min() >= 1
            assert int((unit < 0).sum()) + top.size <= F
            assert np.bincount(np.concatenate([e_pre, top]), minlength=k).tolist() == [1] * k


# ------------------------------------------------------------------------------ the algorithm, properties


@st.composite
def synapse_lists(draw):
    n_post = draw(st.integers(1, 8))
    n_pre = draw(st.integers(1, 30))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    S = draw(st.integers(0, 120))
    post = rng.integers(0, n_post, S)
    pre = rng.integers(0, n_pre, S)
    weight = rng.integers(-4, 5, S) * 0.25
    return post, pre, weight, draw(st.integers(2, 6))


@given(synapse_lists(), st.sampled_from(["tree", "chain"]))
def test_decomposition_properties(case, shape):
    post, pre, weight, F = case
    d = decompose_fan_in(post, pre, F, shape=shape)
    S = post.size
    K = d.n_relays
    # fan-in of every neuron before
    pairs = {(int(q), int(p)) for q, p in zip(post, pre)}
    fan = {}
    for q, _ in pairs:
        fan[q] = fan.get(q, 0) + 1
    over = sorted(q for q, n in fan.items() if n > F)
    assert d.neurons.tolist() == over
    # the relay count formula per neuron (the same for both shapes)
    for q, r in zip(d.neurons.tolist(), d.relays.tolist()):
        assert r == -(-(fan[q] - F) // (F - 1))
    assert K == sum(d.relays.tolist())
    # each relay has exactly one way out: a later relay (the next of its chain, one of a higher tree level),
    # or its neuron; its units are consecutive from chain_start
    out_edges = {u: ("relay", v) for u, v in zip(d.chain_pre.tolist(), d.chain_post.tolist())}
    assert len(out_edges) == d.chain_pre.size
    for u, q in zip(d.out_unit.tolist(), d.out_post.tolist()):
        assert u not in out_edges
        out_edges[u] = ("neuron", q)
    assert sorted(out_edges) == list(range(K))
    assert all(v > u for u, (kind, v) in out_edges.items() if kind == "relay")
    assert all(d.level[u] < d.level[v] for u, (kind, v) in out_edges.items() if kind == "relay")
    assert d.chain_of.tolist() == [i for i, r in enumerate(d.relays.tolist()) for _ in range(r)]

    def end_of(u: int) -> int:
        kind, v = out_edges[u]
        while kind == "relay":
            kind, v = out_edges[v]
        return v

    # every synapse arrives exactly once at its own neuron, with its weight (relay edge weights are 1.0)
    before = sp.coo_matrix((weight, (post, pre)), shape=(8, 30)).toarray()
    after = np.zeros((8, 30))
    for s in range(S):
        u = int(d.unit[s])
        after[int(post[s]) if u < 0 else end_of(u), int(pre[s])] += weight[s]
        if u >= 0:
            assert end_of(u) == post[s]
            assert d.chain_of[u] == over.index(int(post[s]))
    assert np.array_equal(before, after)
    # every unit within the limit: a relay's distinct inputs + its relay inputs, a neuron's kept inputs +
    # the relays that feed it
    relay_in = np.bincount(d.chain_post, minlength=K)
    for u in range(K):
        assert len({int(p) for p in pre[d.unit == u]}) + int(relay_in[u]) <= F
    for q in fan:
        kept = {int(p) for p in pre[(post == q) & (d.unit < 0)]}
        assert len(kept) + int(np.sum(d.out_post == q)) <= F
        if q not in over:
            continue
        units = sorted({int(u) for u in d.unit[(post == q) & (d.unit >= 0)]})
        groups = [sorted({int(p) for p in pre[(post == q) & (d.unit == u)]}) for u in units]
        if shape == "chain":
            # ascending order: each unit's inputs come before the next unit's, the kept ones last
            groups.append(sorted(kept))
            assert all(a[-1] < b[0] for a, b in zip(groups, groups[1:]) if a and b)
            assert len(groups[0]) == F and all(len(g) == F - 1 for g in groups[1:-1])
        else:
            # first level: consecutive chunks of F inputs in ascending order; every input not in one sits at
            # a higher level or at the neuron and comes after them all
            ins = sorted({p for qq, p in pairs if qq == q})
            first = [u for u in units if d.level[u] == 0]
            chunks = [ins[i * F:(i + 1) * F] for i in range(len(first))]
            assert [sorted({int(p) for p in pre[(post == q) & (d.unit == u)]}) for u in first] == chunks
            rest = ins[len(first) * F:]
            assert len(rest) < F or fan[q] <= F * F
            if fan[q] <= F * F:  # one level: ceil(n / F) relays, or one fewer with the leftover at the neuron
                c = -(-fan[q] // F)
                assert len(first) == d.relays[over.index(q)] in (c - 1, c)
                assert sorted(kept) == rest and not relay_in[first].any()


# ------------------------------------------------------------------------------ relays in the simulator


def test_relay_outputs_its_input_current_in_the_same_step():
    net = SimNetwork(dt=1e-3)
    x = net.add(Population("x", 3, "input"))
    r = net.add(Population("r", 2, "relay"))
    net.connect(Projection(x, r, dense_matrix([[1.0, 2.0, 0.0], [0.0, 0.0, -1.0]]), bias=[0.0, 1.0]))
    train = np.array([[1, 0, 0], [1, 1, 1], [0, 0, 0], [0, 0, 1]])
    res = simulate(net, 4, {"x": train}, record_spikes=True, record_voltages=True)
    # out[0] = x0 + 2 x1, out[1] = 1 - x2: steps with a non-zero output are the messages
    assert res.counts["r"].tolist() == [2, 2]
    assert res.spikes["r"].tolist() == [[1, 1], [1, 0], [0, 1], [0, 0]]
    assert "r" not in res.voltages


def test_relay_chain_equals_direct_synapses_and_delays():
    # in -> neuron directly, or through the chain of relays 0 -> 1 -> 2 (declared last to first: they are
    # evaluated in dependency order all the same), with a delayed input on the middle relay
    w = np.array([0.5, 0.25, 0.75, -0.5, 1.0])
    train = (np.random.default_rng(0).random((50, 5)) < 0.4).astype(float)

    def run(decomposed: bool):
        net = SimNetwork(dt=1e-3)
        x = net.add(Population("in", 5, "input"))
        if not decomposed:
            o = net.add(Population("o", 1, "if", {"r": 1000.0, "v_th": 1.0}))
            net.connect(Projection(x, o, sparse_matrix([0, 0, 0, 0], [0, 1, 3, 4], w[[0, 1, 3, 4]], (1, 5))))
            net.connect(Projection(x, o, sparse_matrix([0], [2], w[[2]], (1, 5)), delay=3))
            return simulate(net, 50, {"in": train})
        o = net.add(Population("o", 1, "if", {"r": 1000.0, "v_th": 1.0}))
        r = net.add(Population("r", 3, "relay"))
        net.connect(Projection(x, r, sparse_matrix([0, 0, 2], [0, 1, 3], w[[0, 1, 3]], (3, 5))))
        net.connect(Projection(x, r, sparse_matrix([1], [2], w[[2]], (3, 5)), delay=3))
        net.connect(Projection(r, r, sparse_matrix([2], [1], [1.0], (3, 3))))
        net.connect(Projection(r, r, sparse_matrix([1], [0], [1.0], (3, 3))))
        net.connect(Projection(r, o, sparse_matrix([0], [2], [1.0], (1, 3))))
        net.connect(Projection(x, o, sparse_matrix([0], [4], w[[4]], (1, 5))))
        return simulate(net, 50, {"in": train})

    a, b = run(False), run(True)
    assert a.counts["o"].tolist() == b.counts["o"].tolist() and a.counts["o"][0] > 0


def test_multi_level_trees_simulate_in_dependency_order():
    # 9 inputs on 2 rows: three relay levels per neuron (tree_layout(9, 2)); the relay -> relay projection has
    # no delay and only goes to later units, so the simulator accepts it and evaluates it level by level
    from snnir.algorithms.simulate import _chain_levels

    rng = np.random.default_rng(3)
    b = NetworkBuilder("deep", dt=1e-3)
    x = b.input("x", 9, rate=300.0)
    o = b.neurons("o", 3, IFAttr(r=1000.0, v_th=1.0))
    b.dense(x, o, rng.integers(1, 5, (3, 9)) * 0.25 * rng.choice([-1, 1], (3, 9)))   # no zero: fan-in 9
    b.dense(x, o, np.eye(3, 9) * 0.5, delay=2)            # a second, delayed input on the same pairs
    module = b.module()
    network = networks(module)[0]
    net, _ = network_from_ir(network)
    before = simulate(net, 200, seed=2).counts
    (done,) = decompose_network(network, 2)
    assert done.relays == 21                             # 7 per neuron = ceil((9 - 2) / 1)
    module.verify()
    net2, _ = network_from_ir(network)
    (chain,) = [p for p in net2.projections if p.src == p.dst]
    m = sp.coo_matrix(chain.matrix)
    assert chain.delay == 0 and np.all(m.row > m.col) and np.all(m.data == 1.0)
    assert len(_chain_levels(chain.matrix)) == 2         # levels 2 and 3 above the first
    after = simulate(net2, 200, seed=2).counts
    np.testing.assert_array_equal(after["o"], before["o"])
    assert before["o"].sum() > 0


def test_relay_feeding_itself_without_delay_must_go_forward():
    net = SimNetwork()
    r = net.add(Population("r", 3, "relay"))
    with pytest.raises(SimulationError, match="relay 'r' feeds itself without delay from unit 2 to unit 1"):
        net.connect(Projection(r, r, sparse_matrix([1], [2], [1.0], (3, 3))))
    net.connect(Projection(r, r, sparse_matrix([1], [2], [1.0], (3, 3)), delay=1))   # with a delay: fine
    n = net.add(Population("n", 2, "if"))
    net.connect(Projection(n, n, dense_matrix([[0.0, 0.0], [1.0, 0.0]])))           # only relays may
    with pytest.raises(SimulationError, match="loop through 'n'"):
        simulate(net, 1)


# ------------------------------------------------------------------------------ the pass on networks


def _counts(module) -> dict[str, np.ndarray]:
    network = networks(module)[0]
    net, _ = network_from_ir(network)
    return simulate(net, 100, seed=0).counts


@pytest.mark.parametrize("shape", ["tree", "chain"])
@pytest.mark.parametrize("name, relays", [("lenet5", {"conv2": 1600, "fc1": 360}), ("mlp_mnist", {"hidden": 600}),
                                          ("heartbeat", {"hidden": 160}), ("recurrent", {"hidden": 100}),
                                          ("edge_detection", {}), ("image_smoothing", {}), ("vogels_abbott", {})])
def test_examples_decompose_at_128_rows_and_simulate_the_same(name, relays, shape):
    module = parse_source((EXAMPLES / f"{name}.snnir").read_text(), name, Context())
    before = _counts(module)
    network = networks(module)[0]
    done = decompose_network(network, 128, shape)
    assert {r.population: r.relays for r in done} == relays
    module.verify()
    conn, _ = connectivity_of(network, default_spikes=1)
    P.check_fan_in(conn, 128)                            # every neuron fits a 128-row crossbar now
    after = _counts(module)
    for pop, counts in before.items():
        np.testing.assert_array_equal(after[pop], counts, err_msg=f"{name}: @{pop}")
    assert set(after) - set(before) == {f"{p}_relay" for p in relays}
    assert not decompose_network(network, 128, shape)     # nothing left to do


def test_mlp_tree_relays_share_their_rows():
    # the MLP's dense layer (784 inputs, 128 rows): relay j of every hidden neuron takes inputs 128j..128j+127,
    # so the 100 relays of one chunk have the same 128 rows and fill one crossbar: 6 crossbars for the 600
    # relays; a hidden neuron has 6 relays + 16 direct inputs, 18 of them fit 128 rows (6 x 18 + 16): 6 more
    # crossbars, and one for the digits. With the chain, relays after the first share a crossbar with none.
    for shape in ("tree", "chain"):
        module = parse_source((EXAMPLES / "mlp_mnist.snnir").read_text(), "mlp_mnist", Context())
        network = networks(module)[0]
        decompose_network(network, 128, shape)
        conn, pops = connectivity_of(network, default_spikes=1)
        cl = P.greedy(conn, 128, 128)
        assert not P.check_clustering(conn, cl, 128, 128)
        relay = np.flatnonzero(conn.layer == [p.sym_name for p in pops].index("hidden_relay"))
        if shape == "tree":
            assert np.unique(cl.column_of[relay]).size == 6 and cl.n_clusters == 13
        else:
            assert cl.n_clusters >= 500


@pytest.mark.parametrize("shape", ["tree", "chain"])
def test_relay_spike_counts_bound_the_simulated_messages(shape):
    module = parse_source((EXAMPLES / "lenet5.snnir").read_text(), "lenet5", Context())
    from snnir.pass_manager import PassContext
    from snnir.diagnostics import DiagnosticEngine

    Simulate().apply(module, PassContext(Context(), DiagnosticEngine()))
    network = networks(module)[0]
    decompose_network(network, 128, shape)
    estimated = {op.sym_name: np.asarray(op.spike_counts.data) for op in populations(network)
                 if op.sym_name.endswith("_relay")}
    simulated = _counts(module)
    for name, est in estimated.items():
        assert np.all(simulated[name] <= est) and np.all(est <= 100)   # at most one message per step


def test_rows_below_two_and_relay_populations_are_errors():
    b = NetworkBuilder("n")
    x = b.input("x", 5)
    o = b.neurons("o", 1, IFAttr())
    b.dense(x, o, [[1.0, 1.0, 1.0, 1.0, 1.0]])
    module = b.module()
    network = networks(module)[0]
    with pytest.raises(PassFailure, match="neuron 0 of @o has fan-in 5 but the crossbar has 1 row; a tree"):
        decompose_network(network, 1)
    with pytest.raises(PassFailure, match="neuron 0 of @o has fan-in 5 but the crossbar has 1 row; a chain"):
        decompose_network(network, 1, "chain")
    with pytest.raises(PassFailure, match="shape must be one of tree, chain, got 'ring'"):
        decompose_network(network, 3, "ring")
    assert [r.relays for r in decompose_network(network, 3)] == [1]   # the relay takes 3 inputs
    # the relay population comes before @o in network order, so it is the one reported
    with pytest.raises(PassFailure, match="relay population @o_relay has units with fan-in up to 3 > 2 rows"):
        decompose_network(network, 2)


@st.composite
def random_networks(draw):
    """Random networks of spiking populations [c, 3, 3] with dense, sparse, conv and scale projections."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_in = draw(st.integers(1, 2))
    n_pop = draw(st.integers(1, 3))
    b = NetworkBuilder("rand", dt=1e-3)
    pops, flat = [], []
    for i in range(n_in):
        c = int(rng.integers(1, 3))
        pops.append(b.input(f"in{i}", (c, 3, 3), rate=float(rng.choice([100.0, 300.0]))))
    for i in range(n_pop):
        c = int(rng.integers(1, 3))
        th = float(rng.choice([0.5, 1.0, 1.5]))
        model = IFAttr(r=1000.0, v_th=th) if rng.random() < 0.5 else LIFAttr(tau=2e-2, r=20.0, v_th=th)
        pops.append(b.neurons(f"p{i}", (c, 3, 3), model))
    for p in pops:
        flat.append(b.reshape(p, p.type.size))

    def w(*shape):
        return rng.integers(-4, 5, shape) * 0.25

    for _ in range(draw(st.integers(1, 6))):
        s = int(rng.integers(len(pops)))
        d = int(rng.integers(n_in, len(pops)))
        delay = int(rng.integers(0, 3)) if s < d else int(rng.integers(1, 3))   # no delay-0 loop
        bias = None if rng.random() < 0.5 else w(pops[d].type.size)
        kind = rng.choice(["dense", "sparse", "conv", "scale"])
        if kind == "scale" and pops[s].type.size != pops[d].type.size:
            kind = "dense"
        if kind == "dense":
            m = w(pops[d].type.size, pops[s].type.size) * (rng.random((pops[d].type.size, pops[s].type.size)) < 0.7)
            b.dense(flat[s], flat[d], m, bias=bias, delay=delay, name=f"w{_}")
        elif kind == "sparse":
            nnz = int(rng.integers(1, 40))
            b.sparse(pops[s], pops[d], rng.integers(0, pops[d].type.size, nnz), rng.integers(0, pops[s].type.size, nnz),
                     w(nnz), bias=bias, delay=delay, name=f"w{_}")
        elif kind == "conv":
            cb = w(pops[d].type.dims[0]) if bias is not None else None
            b.conv(pops[s], pops[d], w(pops[d].type.dims[0], pops[s].type.dims[0], 3, 3), padding=[1, 1], bias=cb,
                   delay=delay, name=f"w{_}")
        else:
            b.scale(pops[s], pops[d], w(pops[s].type.size), delay=delay, name=f"w{_}")
    return b.module(), draw(st.integers(2, 6)), draw(st.sampled_from(["tree", "chain"]))


@given(random_networks())
def test_decomposed_random_networks_verify_fit_and_simulate_the_same(case):
    module, rows, shape = case
    network = networks(module)[0]
    net, _ = network_from_ir(network)
    before = simulate(net, 40, seed=1).counts
    conn_before, _ = connectivity_of(network, default_spikes=1)
    done = decompose_network(network, rows, shape)
    module.verify()
    conn, pops = connectivity_of(network, default_spikes=1)
    P.check_fan_in(conn, rows)
    # the relay count formula, per population
    sizes = [op.res.type.size for op in pops]
    assert len(pops) == len(before) + len(done)
    fan = conn_before.fan_in()
    assert sum(r.relays for r in done) == int(relay_count(fan, rows).sum())
    # the same synapse weights reach every original neuron (through the relays' weight-1 chains)
    assert conn.synapses == conn_before.synapses + sum(r.relays for r in done)
    net2, _ = network_from_ir(network)
    after = simulate(net2, 40, seed=1).counts
    for name, counts in before.items():
        np.testing.assert_array_equal(after[name], counts, err_msg=name)
    assert sum(sizes) == conn.n
