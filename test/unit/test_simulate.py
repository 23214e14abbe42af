"""The reference simulator (snnir.algorithms.simulate) and the `simulate` / `annotate-spikes` passes.

Traces are computed by hand in the comments, with dt/tau chosen so every value is exact in
binary floating point; the simulator must reproduce them exactly. Convolution and pooling
matrices are checked against a direct loop over output positions on random inputs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from snnir.algorithms.simulate import (
    Population,
    Projection,
    SimNetwork,
    SimulationError,
    _Delivery,
    conv_matrix,
    conv_output_shape,
    dense_matrix,
    pool_matrix,
    scale_matrix,
    simulate,
    sparse_matrix,
)

# ------------------------------------------------------------------------------ helpers


def drive(model: str, current: list[float] | np.ndarray, dt: float = 1.0, **kw) -> tuple[np.ndarray, np.ndarray]:
    """One neuron of `model` driven by current[t] in step t; returns (spikes, voltages) over time."""
    current = np.asarray(current, dtype=np.float64)
    net = SimNetwork(dt=dt)
    x = net.add(Population("x", 1, "input"))
    reset = kw.pop("reset", "zero")
    refractory = kw.pop("refractory", 0)
    n = net.add(Population("n", 1, model, kw, reset=reset, refractory=refractory))
    # the input fires every step with amplitude current[t]: a spike of value I through weight 1
    net.connect(Projection(x, n, scale_matrix(1, 1.0)))
    r = simulate(net, len(current), {"x": current.reshape(-1, 1)}, record_spikes=True, record_voltages=True)
    volts = r.voltages["n"][:, 0] if "n" in r.voltages else np.zeros(len(current))
    return r.spikes["n"][:, 0], volts


def conv_loop(x: np.ndarray, w: np.ndarray, stride, padding, dilation, groups) -> np.ndarray:
    """Direct convolution (cross-correlation, zero padding) by loops over output positions."""
    c_in, *sp_in = x.shape
    c_out, cg, *k = w.shape
    out_sp = conv_output_shape(sp_in, k, stride, padding, dilation)
    xp = np.pad(x, [(0, 0)] + [(p, p) for p in padding])
    out = np.zeros((c_out, *out_sp))
    per_group = c_out // groups
    for co in range(c_out):
        g = co // per_group
        for pos in np.ndindex(*out_sp):
            window = tuple(slice(pos[d] * stride[d], pos[d] * stride[d] + dilation[d] * (k[d] - 1) + 1,
                                 dilation[d]) for d in range(len(k)))
            out[(co, *pos)] = np.sum(xp[(slice(g * cg, (g + 1) * cg), *window)] * w[co])
    return out


def pool_loop(x: np.ndarray, kernel, stride, padding, mode) -> np.ndarray:
    c, *sp_in = x.shape
    out_sp = conv_output_shape(sp_in, kernel, stride, padding, [1] * len(kernel))
    xp = np.pad(x, [(0, 0)] + [(p, p) for p in padding])
    out = np.zeros((c, *out_sp))
    for ch in range(c):
        for pos in np.ndindex(*out_sp):
            window = tuple(slice(pos[d] * stride[d], pos[d] * stride[d] + kernel[d]) for d in range(len(kernel)))
            s = xp[(ch, *window)].sum()
            out[(ch, *pos)] = s / math.prod(kernel) if mode == "avg" else s
    return out


# ------------------------------------------------------------------------------ neuron models


def test_lif_zero_reset_trace():
    # dt/tau = 0.5, I = 1.5: v = 0.75, 1.125 -> spike, reset to 0, and again.
    s, v = drive("lif", [1.5] * 6, tau=2.0)
    assert s.tolist() == [0, 1, 0, 1, 0, 1]
    assert v.tolist() == [0.75, 0.0, 0.75, 0.0, 0.75, 0.0]


def test_lif_zero_reset_to_v_reset():
    s, v = drive("lif", [1.5] * 3, tau=2.0, v_reset=0.25)
    # t1: 1.125 -> 0.25; t2: 0.25 + 0.5 * (1.5 - 0.25) = 0.875
    assert s.tolist() == [0, 1, 0]
    assert v.tolist() == [0.75, 0.25, 0.875]


def test_lif_subtract_reset_trace():
    s, v = drive("lif", [1.5] * 6, tau=2.0, reset="subtract")
    # 0.75; 1.125 -> 0.125; 0.8125; 1.15625 -> 0.15625; 0.828125; 1.1640625 -> 0.1640625
    assert s.tolist() == [0, 1, 0, 1, 0, 1]
    assert v.tolist() == [0.75, 0.125, 0.8125, 0.15625, 0.828125, 0.1640625]


def test_lif_subtract_ignores_v_reset():
    _, v1 = drive("lif", [1.5] * 4, tau=2.0, reset="subtract")
    _, v2 = drive("lif", [1.5] * 4, tau=2.0, reset="subtract", v_reset=-3.0)
    assert v1.tolist() == v2.tolist()


def test_lif_leak_and_resistance():
    # v_leak = 0.5 is the rest (start) value; r = 2 doubles the drive: 0.5 + 0.5 * (0.5 - 0.5 + 2 * 0.25) = 0.75
    s, v = drive("lif", [0.25, 0.0, 0.0], tau=2.0, v_leak=0.5, r=2.0)
    assert s.tolist() == [0, 0, 0]
    assert v.tolist() == [0.75, 0.625, 0.5625]


def test_lif_refractory_trace():
    # spikes at t = 1, then held at the reset value (ignoring input) for 2 steps, then as before.
    s, v = drive("lif", [1.5] * 10, tau=2.0, refractory=2)
    assert s.tolist() == [0, 1, 0, 0, 0, 1, 0, 0, 0, 1]
    assert v.tolist() == [0.75, 0.0, 0.0, 0.0, 0.75, 0.0, 0.0, 0.0, 0.75, 0.0]


def test_refractory_neuron_cannot_fire_even_above_threshold():
    # a huge input would fire every step; refractory = 1 lets it fire every other step
    s, _ = drive("lif", [100.0] * 6, tau=2.0, refractory=1)
    assert s.tolist() == [1, 0, 1, 0, 1, 0]


def test_if_trace():
    # dv = dt * r * I = 0.5 * 1 * 1: 0.5, 1.0 (>= v_th fires), reset to 0
    s, v = drive("if", [1.0] * 4, dt=0.5)
    assert s.tolist() == [0, 1, 0, 1]
    assert v.tolist() == [0.5, 0.0, 0.5, 0.0]


def test_if_subtract_trace():
    # + 0.375 per step: 0.375, 0.75, 1.125 -> 0.125, 0.5, 0.875, 1.25 -> 0.25
    s, v = drive("if", [0.75] * 6, dt=0.5, reset="subtract")
    assert s.tolist() == [0, 0, 1, 0, 0, 1]
    assert v.tolist() == [0.375, 0.75, 0.125, 0.5, 0.875, 0.25]


def test_cuba_lif_trace_without_spikes():
    # i += 0.5 * (w_in I - i); v += 0.5 * (v_leak - v + r i), with I = 2 at t0 only
    s, v = drive("cuba_lif", [2.0, 0.0, 0.0, 0.0], tau_syn=2.0, tau_mem=2.0, v_th=10.0)
    # i: 1, 0.5, 0.25, 0.125; v: 0.5, 0.5, 0.375, 0.25
    assert s.tolist() == [0, 0, 0, 0]
    assert v.tolist() == [0.5, 0.5, 0.375, 0.25]


def test_cuba_lif_trace_with_spikes_and_w_in():
    # w_in = 2, I = 2: i = 2, 3, 3.5, 3.75; v: 1 (< 1.6), 1 + 0.5 * (3 - 1) = 2 fires -> 0, 1.75 fires, 1.875 fires
    s, v = drive("cuba_lif", [2.0] * 4, tau_syn=2.0, tau_mem=2.0, w_in=2.0, v_th=1.6)
    assert s.tolist() == [0, 1, 1, 1]
    assert v.tolist() == [1.0, 0.0, 0.0, 0.0]


def test_threshold():
    s, _ = drive("threshold", [0.5, 1.0, 1.5, 0.999], v_th=1.0)
    assert s.tolist() == [0, 1, 1, 0]


def test_non_spiking_models_output_their_voltage():
    # LI, tau = 2, I = 2: v = 1, 1.5, 1.75 feeds a threshold at 1.5 (delay 0): spikes at t1, t2
    net = SimNetwork(dt=1.0)
    x = net.add(Population("x", 1, "input"))
    li = net.add(Population("li", 1, "li", {"tau": 2.0}))
    th = net.add(Population("th", 1, "threshold", {"v_th": 1.5}))
    net.connect(Projection(x, li, scale_matrix(1, 2.0)))
    net.connect(Projection(li, th, dense_matrix([[1.0]])))
    r = simulate(net, 3, {"x": np.ones((3, 1))}, record_spikes=True, record_voltages=True)
    assert r.voltages["li"][:, 0].tolist() == [1.0, 1.5, 1.75]
    assert r.spikes["th"][:, 0].tolist() == [0, 1, 1]
    assert r.counts["li"].tolist() == [0]


def test_integrator_and_cuba_li():
    _, v = drive("integrator", [1.0, 2.0, 0.0], dt=0.5, r=2.0)
    assert v.tolist() == [1.0, 3.0, 3.0]
    _, v = drive("cuba_li", [2.0, 0.0], tau_syn=2.0, tau_mem=2.0)
    assert v.tolist() == [0.5, 0.5]


def test_per_neuron_parameters_broadcast():
    net = SimNetwork(dt=1.0)
    x = net.add(Population("x", 3, "input"))
    n = net.add(Population("n", 3, "lif", {"tau": 2.0, "v_th": [0.5, 1.0, 2.0]}))
    net.connect(Projection(x, n, scale_matrix(3, 1.5)))
    r = simulate(net, 4, {"x": np.ones((4, 3))}, record_spikes=True)
    # v_th 0.5: fires every step (0.75); 1.0: every other; 2.0: 0.75, 1.125, 1.3125, 1.40625 never
    assert r.spikes["n"].T.tolist() == [[1, 1, 1, 1], [0, 1, 0, 1], [0, 0, 0, 0]]
    assert r.counts["n"].tolist() == [4, 2, 0]


def test_bias_adds_every_step():
    net = SimNetwork(dt=1.0)
    x = net.add(Population("x", 2, "input"))
    n = net.add(Population("n", 2, "if", {"r": 1.0}))
    net.connect(Projection(x, n, dense_matrix(np.zeros((2, 2))), bias=[0.25, 0.5]))
    r = simulate(net, 4, {"x": np.zeros((4, 2))}, record_spikes=True)
    assert r.spikes["n"].T.tolist() == [[0, 0, 0, 1], [0, 1, 0, 1]]


def test_parameter_errors():
    with pytest.raises(SimulationError, match="needs parameter 'tau'"):
        Population("p", 2, "lif")
    with pytest.raises(SimulationError, match="has 3 values but the population has 2"):
        Population("p", 2, "lif", {"tau": [1.0, 2.0, 3.0]})
    with pytest.raises(SimulationError, match="unknown model"):
        Population("p", 2, "hh")
    with pytest.raises(SimulationError, match="must be positive"):
        Population("p", 2, "lif", {"tau": 0.0})


# ------------------------------------------------------------------------------ delays, recurrence, order


@given(st.integers(0, 9))
def test_spike_arrives_exactly_delay_steps_later(delay):
    net = SimNetwork(dt=1.0)
    x = net.add(Population("x", 1, "input"))
    th = net.add(Population("th", 1, "threshold", {"v_th": 0.5}))
    net.connect(Projection(x, th, scale_matrix(1, 1.0), delay=delay))
    steps = 12
    train = np.zeros((steps, 1))
    train[0] = 1
    r = simulate(net, steps, {"x": train}, record_spikes=True)
    expected = [1 if t == delay else 0 for t in range(steps)]
    assert r.spikes["th"][:, 0].tolist() == expected


def test_several_delays_share_one_ring_buffer():
    net = SimNetwork(dt=1.0)
    x = net.add(Population("x", 1, "input"))
    a = net.add(Population("a", 1, "threshold", {"v_th": 0.5}))
    b = net.add(Population("b", 1, "threshold", {"v_th": 0.5}))
    net.connect(Projection(x, a, scale_matrix(1, 1.0), delay=2))
    net.connect(Projection(x, b, scale_matrix(1, 1.0), delay=5))
    train = np.zeros((8, 1))
    train[[0, 1]] = 1
    r = simulate(net, 8, {"x": train}, record_spikes=True)
    assert r.spikes["a"][:, 0].tolist() == [0, 0, 1, 1, 0, 0, 0, 0]
    assert r.spikes["b"][:, 0].tolist() == [0, 0, 0, 0, 0, 1, 1, 0]


def test_recurrent_ring_with_delay_one():
    # x -> a at t0; a -> b and b -> a with delay 1: a fires at even steps, b at odd ones
    net = SimNetwork(dt=1.0)
    x = net.add(Population("x", 1, "input"))
    a = net.add(Population("a", 1, "threshold", {"v_th": 0.5}))
    b = net.add(Population("b", 1, "threshold", {"v_th": 0.5}))
    net.connect(Projection(x, a, scale_matrix(1, 1.0)))
    net.connect(Projection(a, b, scale_matrix(1, 1.0), delay=1))
    net.connect(Projection(b, a, scale_matrix(1, 1.0), delay=1))
    train = np.zeros((6, 1))
    train[0] = 1
    r = simulate(net, 6, {"x": train}, record_spikes=True)
    assert r.spikes["a"][:, 0].tolist() == [1, 0, 1, 0, 1, 0]
    assert r.spikes["b"][:, 0].tolist() == [0, 1, 0, 1, 0, 1]


def test_self_connection_with_delay_one_integrates_own_spikes():
    # IF (dt 1, r 1) with a self-loop of weight -0.5: input 0.75 per step
    # t0 0.75; t1 1.5 fires -> 0; t2 0 + 0.75 - 0.5 = 0.25; t3 1.0 fires -> 0; t4 0.25
    net = SimNetwork(dt=1.0)
    x = net.add(Population("x", 1, "input"))
    n = net.add(Population("n", 1, "if"))
    net.connect(Projection(x, n, scale_matrix(1, 0.75)))
    net.connect(Projection(n, n, scale_matrix(1, -0.5), delay=1))
    r = simulate(net, 5, {"x": np.ones((5, 1))}, record_spikes=True, record_voltages=True)
    assert r.spikes["n"][:, 0].tolist() == [0, 1, 0, 1, 0]
    assert r.voltages["n"][:, 0].tolist() == [0.75, 0.0, 0.25, 0.0, 0.25]


def test_delay0_chain_is_processed_in_topological_order():
    # populations added in reverse order of the chain; the spike still crosses all of it in step 0
    net = SimNetwork(dt=1.0)
    c = net.add(Population("c", 1, "threshold", {"v_th": 0.5}))
    b = net.add(Population("b", 1, "threshold", {"v_th": 0.5}))
    x = net.add(Population("x", 1, "input"))
    net.connect(Projection(b, c, scale_matrix(1, 1.0)))
    net.connect(Projection(x, b, scale_matrix(1, 1.0)))
    r = simulate(net, 2, {"x": np.array([[1], [0]])}, record_spikes=True)
    assert r.spikes["c"][:, 0].tolist() == [1, 0]


def test_delay0_loop_is_an_error():
    net = SimNetwork(dt=1.0)
    a = net.add(Population("a", 1, "threshold"))
    b = net.add(Population("b", 1, "threshold"))
    net.connect(Projection(a, b, scale_matrix(1, 1.0)))
    net.connect(Projection(b, a, scale_matrix(1, 1.0)))
    with pytest.raises(SimulationError, match="form a loop"):
        simulate(net, 3)


def test_connect_checks_shapes():
    net = SimNetwork(dt=1.0)
    a = net.add(Population("a", 2, "input"))
    b = net.add(Population("b", 3, "threshold"))
    with pytest.raises(SimulationError, match="expected 3x2"):
        net.connect(Projection(a, b, dense_matrix(np.ones((2, 3)))))
    with pytest.raises(SimulationError, match="cannot receive"):
        net.connect(Projection(b, a, dense_matrix(np.ones((2, 3)))))


# ------------------------------------------------------------------------------ projections as matrices


@st.composite
def conv_cases(draw):
    nd = draw(st.integers(1, 2))
    groups = draw(st.integers(1, 3))
    cg = draw(st.integers(1, 2))
    c_out = groups * draw(st.integers(1, 2))
    k = [draw(st.integers(1, 3)) for _ in range(nd)]
    stride = [draw(st.integers(1, 3)) for _ in range(nd)]
    dilation = [draw(st.integers(1, 2)) for _ in range(nd)]
    padding = [draw(st.integers(0, 2)) for _ in range(nd)]
    sp_in = [draw(st.integers(max(1, d * (kk - 1) + 1 - 2 * p), 7)) for kk, d, p in zip(k, dilation, padding)]
    seed = draw(st.integers(0, 2**32 - 1))
    return nd, groups, cg, c_out, k, stride, dilation, padding, sp_in, seed


@given(conv_cases())
def test_conv_matrix_matches_loop_convolution(case):
    nd, groups, cg, c_out, k, stride, dilation, padding, sp_in, seed = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((groups * cg, *sp_in))
    w = rng.standard_normal((c_out, cg, *k))
    m = conv_matrix(x.shape, w, stride, padding, dilation, groups)
    expected = conv_loop(x, w, stride, padding, dilation, groups)
    assert m.shape == (expected.size, x.size)
    np.testing.assert_allclose(m @ x.reshape(-1), expected.reshape(-1), rtol=1e-12, atol=1e-12)


def test_conv_matrix_small_by_hand():
    # 1 channel 3x3 input, 2x2 kernel of ones: each output sums a 2x2 window
    x = np.arange(9.0).reshape(1, 3, 3)
    m = conv_matrix(x.shape, np.ones((1, 1, 2, 2)))
    assert (m @ x.reshape(-1)).tolist() == [8.0, 12.0, 20.0, 24.0]
    assert m.nnz == 16


@given(st.integers(1, 3), st.lists(st.integers(1, 3), min_size=1, max_size=2), st.sampled_from(["sum", "avg"]),
       st.integers(0, 2**32 - 1), st.booleans())
def test_pool_matrix_matches_loop_pooling(channels, kernel, mode, seed, use_stride):
    rng = np.random.default_rng(seed)
    nd = len(kernel)
    stride = [int(rng.integers(1, 3)) for _ in range(nd)] if use_stride else list(kernel)
    padding = [int(rng.integers(0, k // 2 + 1)) for k in kernel]
    sp_in = [int(rng.integers(k, k + 5)) for k in kernel]
    x = rng.standard_normal((channels, *sp_in))
    m = pool_matrix(x.shape, kernel, stride, padding, mode)
    expected = pool_loop(x, kernel, stride, padding, mode)
    np.testing.assert_allclose(m @ x.reshape(-1), expected.reshape(-1), rtol=1e-12, atol=1e-12)


def test_sparse_and_scale_matrices():
    m = sparse_matrix([0, 1, 1], [2, 0, 0], [1.0, 2.0, 3.0], (2, 3))
    assert m.toarray().tolist() == [[0, 0, 1], [5, 0, 0]]
    assert scale_matrix(3, [1.0, 0.0, 2.0]).toarray().tolist() == [[1, 0, 0], [0, 0, 0], [0, 0, 2]]
    with pytest.raises(SimulationError, match="outside"):
        sparse_matrix([2], [0], [1.0], (2, 3))


@given(st.integers(1, 40), st.integers(1, 40), st.floats(0.0, 1.0), st.integers(0, 2**32 - 1))
def test_event_driven_delivery_equals_matrix_product(n_post, n_pre, activity, seed):
    rng = np.random.default_rng(seed)
    w = sp.random(n_post, n_pre, density=0.3, random_state=rng, format="csr")
    s = (rng.random(n_pre) < activity).astype(np.float64)
    d = _Delivery(Projection(0, 1, w), n_post)
    current = np.zeros(n_post)
    d.add_to(current, s, spiking=True)
    np.testing.assert_allclose(current, w @ s, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------------------ inputs, determinism


def _random_net(seed: int = 1) -> SimNetwork:
    rng = np.random.default_rng(seed)
    net = SimNetwork(dt=1e-3)
    x = net.add(Population("x", 50, "input", rate=200.0))
    h = net.add(Population("h", 30, "lif", {"tau": 1e-2, "v_th": 0.5}))
    o = net.add(Population("o", 10, "cuba_lif", {"tau_syn": 5e-3, "tau_mem": 1e-2, "v_th": 0.3}, refractory=2))
    net.connect(Projection(x, h, dense_matrix(rng.random((30, 50)) * 2)))
    net.connect(Projection(h, o, dense_matrix(rng.random((10, 30)) * 3)))
    net.connect(Projection(o, h, dense_matrix(-rng.random((30, 10))), delay=2))
    return net


def test_same_seed_same_result_other_seed_differs():
    a = simulate(_random_net(), 200, seed=7, record_spikes=True)
    b = simulate(_random_net(), 200, seed=7, record_spikes=True)
    c = simulate(_random_net(), 200, seed=8, record_spikes=True)
    for name in a.counts:
        assert np.array_equal(a.counts[name], b.counts[name])
        assert np.array_equal(a.spikes[name], b.spikes[name])
    assert not np.array_equal(a.spikes["x"], c.spikes["x"])
    assert a.counts["h"].sum() > 0 and a.counts["o"].sum() > 0


def test_counts_equal_summed_spike_trains():
    r = simulate(_random_net(), 100, seed=3, record_spikes=True)
    for name, train in r.spikes.items():
        assert np.array_equal(train.sum(axis=0), r.counts[name])


def test_poisson_rate_statistics():
    net = SimNetwork(dt=1e-3)
    net.add(Population("x", 1000, "input", rate=50.0))
    r = simulate(net, 1000, seed=0)
    # each of 10^6 Bernoulli(0.05) draws: mean count 50 per neuron, std of the total ~ 218
    total = r.counts["x"].sum()
    assert abs(total - 50_000) < 5 * math.sqrt(1e6 * 0.05 * 0.95)
    assert abs(r.counts["x"].mean() - 50.0) < 1.0
    # per-neuron counts are binomial(1000, 0.05): variance ~ 47.5
    assert 40 < r.counts["x"].var() < 56


def test_input_sources_rate_default_and_override():
    net = SimNetwork(dt=1e-3)
    net.add(Population("own", 2000, "input", rate=100.0))
    net.add(Population("dflt", 2000, "input"))
    r = simulate(net, 500, seed=1, default_rate=20.0)
    assert abs(r.counts["own"].mean() - 50.0) < 1.5
    assert abs(r.counts["dflt"].mean() - 10.0) < 0.7
    r = simulate(net, 500, {"own": 0.0, "dflt": 2000.0}, seed=1)     # p = 2 clipped to 1
    assert r.counts["own"].sum() == 0 and r.counts["dflt"].tolist() == [500] * 2000


def test_recorded_input_shorter_than_steps_is_silent_after():
    net = SimNetwork(dt=1.0)
    net.add(Population("x", 2, "input", spikes=np.array([[1, 0], [1, 1]])))
    r = simulate(net, 5, record_spikes=True)
    assert r.spikes["x"].tolist() == [[1, 0], [1, 1], [0, 0], [0, 0], [0, 0]]


def test_bad_inputs():
    net = SimNetwork(dt=1.0)
    net.add(Population("x", 2, "input"))
    with pytest.raises(SimulationError, match="not an input"):
        simulate(net, 2, {"y": 1.0})
    with pytest.raises(SimulationError, match=r"must be \[steps, 2\]"):
        simulate(net, 2, {"x": np.ones((2, 3))})
    with pytest.raises(SimulationError, match="non-negative"):
        simulate(net, 2, {"x": -np.ones((2, 2))})


# ------------------------------------------------------------------------------ the passes


def _module():
    from snnir.dialects.snn import CubaLIFAttr, LIFAttr, ThresholdAttr
    from snnir.dialects.snn_builder import NetworkBuilder

    rng = np.random.default_rng(0)
    b = NetworkBuilder("net", dt=1e-3)
    x = b.input("in", (1, 8, 8), rate=300.0)
    c = b.neurons("c", (2, 6, 6), LIFAttr(tau=1e-2, v_th=0.5, reset="subtract"))
    b.conv(x, c, rng.random((2, 1, 3, 3)), bias=[0.01, 0.02])
    p = b.neurons("p", (2, 3, 3), ThresholdAttr(v_th=0.5))
    b.pool(c, p, [2, 2])
    flat = b.reshape(p, 18)
    h = b.neurons("h", 5, CubaLIFAttr(tau_syn=5e-3, tau_mem=1e-2, v_th=0.2, refractory=1))
    b.dense(flat, h, rng.random((5, 18)))
    b.sparse(h, h, [0, 1, 2], [1, 2, 0], [-0.5, 0.5, 0.25], delay=1)
    b.output("out", h)
    return b.module()


def _run(module, pipeline):
    from snnir.context import Context
    from snnir.diagnostics import DiagnosticEngine
    from snnir.pass_manager import PassManager, parse_pipeline

    pm = PassManager(parse_pipeline(pipeline), Context(), DiagnosticEngine())
    pm.run(module)
    return pm.statistics


def test_simulate_pass_matches_the_algorithm():
    from snnir.passes.simulate import network_from_ir, networks

    module = _module()
    net, ops = network_from_ir(networks(module)[0])
    assert [p.name for p in net.populations] == ["in", "c", "p", "h"]
    expected = simulate(net, 50, {"in": 300.0}, seed=4)
    stats = _run(module, "simulate{steps=50 seed=4}")
    for name, op in ops.items():
        counts = op.spike_counts
        assert counts.handle.name == f"{name}_spike_counts"
        assert counts.data.dtype == np.int64
        assert np.array_equal(counts.data, expected.counts[name])
    assert networks(module)[0].attributes["snn.simulated_steps"].value == 50
    assert stats[0][1]["spikes"] == expected.total_spikes
    assert expected.counts["c"].sum() > 0


def test_simulate_pass_recorded_and_file_inputs(tmp_path):
    from snnir.dialects.snn import LIFAttr
    from snnir.dialects.snn_builder import NetworkBuilder
    from snnir.passes.simulate import networks

    b = NetworkBuilder("n", dt=1.0)
    x = b.input("x", 2, spikes=np.array([[1, 1], [1, 1], [0, 1]]))
    h = b.neurons("h", 1, LIFAttr(tau=2.0))
    b.dense(x, h, [[1.5, 0.0]])
    module = b.module()
    _run(module, "simulate{steps=3 input=recorded}")
    ops = {op.sym_name: op for op in networks(module)[0].regions[0].block.ops if op.sym_name}
    assert ops["x"].spike_counts.data.tolist() == [2, 3]
    assert ops["h"].spike_counts.data.tolist() == [1]
    path = tmp_path / "in.npz"
    np.savez(path, x=np.ones((4, 2), dtype=bool))
    _run(module, f"simulate{{steps=4 input={path}}}")
    assert ops["x"].spike_counts.data.tolist() == [4, 4]
    assert ops["h"].spike_counts.data.tolist() == [2]


def test_simulate_pass_failures(tmp_path):
    from snnir.diagnostics import DiagnosticError

    module = _module()
    with pytest.raises(DiagnosticError, match="has no recorded spikes"):
        _run(module, "simulate{input=recorded}")
    path = tmp_path / "in.npz"
    np.savez(path, other=np.ones((4, 2)))
    with pytest.raises(DiagnosticError, match="has no spikes for input @in"):
        _run(module, f"simulate{{input={path}}}")
    np.savez(path, **{"in": np.ones((4, 3))})
    with pytest.raises(DiagnosticError, match=r"must be \[steps, 64\]"):
        _run(module, f"simulate{{input={path}}}")


def test_annotate_spikes_npz_counts_and_trains(tmp_path):
    from snnir.passes.simulate import networks

    module = _module()
    path = tmp_path / "counts.npz"
    trains = np.zeros((10, 2, 3, 3), dtype=bool)
    trains[:, 0, 0, 0] = True
    np.savez(path, **{"in": np.arange(64), "c": np.ones((2, 6, 6), dtype=np.int32), "p": trains,
                      "h": np.array([0.0, 1.0, 2.0, 3.0, 4.0])})
    _run(module, f"annotate-spikes{{file={path}}}")
    ops = {op.sym_name: op for op in networks(module)[0].regions[0].block.ops if op.sym_name}
    assert ops["in"].spike_counts.data.tolist() == list(range(64))
    assert ops["c"].spike_counts.data.tolist() == [1] * 72
    assert ops["p"].spike_counts.data.tolist() == [10] + [0] * 17
    assert ops["h"].spike_counts.data.tolist() == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("arrays, message", [
    ({"in": np.arange(64), "c": np.ones(72), "p": np.ones(18)}, "no spike counts for @h"),
    ({"in": np.arange(64), "c": np.ones(72), "p": np.ones(18), "h": np.ones(6)}, "has 6 values for @h"),
    ({"in": np.arange(64), "c": np.ones(72), "p": np.ones(18), "h": -np.ones(5)}, "neuron 0 of @h is negative"),
    ({"in": np.arange(64), "c": np.ones(72), "p": np.ones(18), "h": np.full(5, 0.5)}, "not a whole number"),
])
def test_annotate_spikes_failures(tmp_path, arrays, message):
    from snnir.diagnostics import DiagnosticError

    path = tmp_path / "counts.npz"
    np.savez(path, **arrays)
    with pytest.raises(DiagnosticError, match=message):
        _run(_module(), f"annotate-spikes{{file={path}}}")


def test_annotate_spikes_unreadable_file(tmp_path):
    from snnir.diagnostics import DiagnosticError

    bad = tmp_path / "bad.npz"
    bad.write_text("not numpy")
    with pytest.raises(DiagnosticError, match="not an .npz archive"):
        _run(_module(), f"annotate-spikes{{file={bad}}}")
    with pytest.raises(DiagnosticError, match="no file"):
        _run(_module(), f"annotate-spikes{{file={tmp_path / 'missing.npz'}}}")


def test_annotate_spikes_nir_activity_data(tmp_path):
    nir = pytest.importorskip("nir")
    pytest.importorskip("h5py")
    from snnir.passes.simulate import networks

    data = nir.NIRGraphData(nodes={
        "in": nir.NIRNodeData({"spikes": nir.TimeGriddedData(np.ones((2, 5, 64), dtype=bool), 1e-3)}),
        "c": nir.NIRNodeData({"spikes": nir.TimeGriddedData(np.zeros((1, 5, 72), dtype=bool), 1e-3)}),
        "p": nir.NIRNodeData({"spikes": nir.TimeGriddedData(np.ones((1, 3, 18), dtype=bool), 1e-3)}),
        "h": nir.NIRNodeData({
            "spikes": nir.EventData(np.array([[0, 4, 4, -1]]), np.array([[0.0, 1e-3, 2e-3, np.inf]]), 5, 5e-3),
            "v": nir.TimeGriddedData(np.zeros((1, 5, 5)), 1e-3)}),
    })
    path = tmp_path / "activity.h5"
    nir.write_data(str(path), data)
    module = _module()
    _run(module, f"annotate-spikes{{file={path}}}")
    ops = {op.sym_name: op for op in networks(module)[0].regions[0].block.ops if op.sym_name}
    assert ops["in"].spike_counts.data.tolist() == [10] * 64
    assert ops["p"].spike_counts.data.tolist() == [3] * 18
    assert ops["h"].spike_counts.data.tolist() == [1, 0, 0, 0, 2]


def test_annotate_spikes_nir_nested_and_importer_names(tmp_path):
    nir = pytest.importorskip("nir")
    h5py = pytest.importorskip("h5py")
    from snnir.dialects.snn import LIFAttr
    from snnir.dialects.snn_builder import NetworkBuilder
    from snnir.passes.simulate import networks

    b = NetworkBuilder("n", dt=1e-3)
    x = b.input("n0", 2)                                   # NIR node "0", as the importer names it
    h = b.neurons("sub.lif-1", 2, LIFAttr(tau=1e-2))       # node "lif-1" of the nested graph "sub"
    b.dense(x, h, np.ones((2, 2)))
    module = b.module()
    # nir.write_data (1.0.8) recurses forever on nested graph data, so write NIR's layout directly
    path = tmp_path / "nested.h5"
    with h5py.File(path, "w") as f:
        f.attrs["__type__"] = "NIRGraphData"
        nodes = f.create_group("nodes")
        sub = nodes.create_group("sub")
        sub.attrs["__type__"] = "NIRGraphData"
        for parent, name in ((nodes, "0"), (sub.create_group("nodes"), "lif-1")):
            node = parent.create_group(name)
            node.attrs["__type__"] = "NIRNodeData"
            g = node.create_group("observables").create_group("spikes")
            g.attrs["__type__"] = "TimeGriddedData"
            g.attrs["dt"] = 1e-3
            g.create_dataset("data", data=np.array([[[True, False], [True, True]]]))
    assert nir.read_data(str(path)).nodes["sub"].nodes["lif-1"].observables["spikes"].data.shape == (1, 2, 2)
    _run(module, f"annotate-spikes{{file={path}}}")
    ops = [op for op in networks(module)[0].regions[0].block.ops if op.sym_name]
    assert [op.spike_counts.data.tolist() for op in ops] == [[2, 1], [2, 1]]
