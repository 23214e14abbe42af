"""NIR import and export (`snn-translate --import-nir/--export-nir`): the mapping of each node type,
the discretisation of delays, graph rewrites (subgraphs, chains of weight nodes, recurrent loops),
robust reading and the import -> export -> import round trip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

nir = pytest.importorskip("nir")

from snnir.context import Context  # noqa: E402
from snnir.diagnostics import DiagnosticError  # noqa: E402
from snnir.dialects import snn  # noqa: E402
from snnir.dialects.snn_builder import NetworkBuilder  # noqa: E402
from snnir.parser import parse_source  # noqa: E402
from snnir.printer import print_operation  # noqa: E402
from snnir.tools.translate_nir import ExportNIR, ImportNIR  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "nir_samples"
READABLE = ["two_lif_neurons", "lif_norse", "lif_rockpool", "braille_noDelay_bias_zero"]
BROKEN = ["braille_noDelay_bias_zero_subgraph", "braille_noDelay_noBias_subtract_subgraph"]


# ----------------------------------------------------------------------------------- helpers


def write(tmp_path: Path, graph, name: str = "model") -> Path:
    path = tmp_path / f"{name}.nir"
    nir.write(str(path), graph)
    return path


def import_file(path: Path, dt: float | None = 1e-3):
    t = ImportNIR(dt=dt)
    module = t.import_path(str(path), Context())
    module.verify()
    return module, [w.message for w in t.warnings]


def import_graph(tmp_path: Path, graph, dt: float | None = 1e-3, name: str = "model"):
    return import_file(write(tmp_path, graph, name), dt)


def import_error(tmp_path: Path, graph, dt: float = 1e-3) -> str:
    with pytest.raises(DiagnosticError) as info:
        import_graph(tmp_path, graph, dt)
    return info.value.diagnostic.message


def ops(module, cls):
    return [op for op in module.walk() if isinstance(op, cls)]


def one(module, cls):
    found = ops(module, cls)
    assert len(found) == 1, f"expected one {cls.__name__}, got {len(found)}"
    return found[0]


def pop(module, name: str):
    return next(op for op in module.walk() if isinstance(op, (snn.InputOp, snn.NeuronsOp)) and op.sym_name == name)


def export_bytes(module) -> bytes:
    return ExportNIR().export_bytes(module)


def roundtrip_text(module, tmp_path: Path, dt: float | None = None, name: str = "model") -> str:
    """Print, reparse, export to `<tmp>/<n>/<name>.nir`, import again; the printed result."""
    text = print_operation(module)
    reparsed = parse_source(text, "in.snnir", Context())
    reparsed.verify()
    folder = tmp_path / f"rt{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    path = folder / f"{name}.nir"
    path.write_bytes(export_bytes(reparsed))
    again, _ = import_file(path, dt)
    return print_operation(again)


def chain(*nodes, input_shape=(3,), names=None):
    """Input -> nodes... -> Output as a NIRGraph (names: given or n0, n1, ...)."""
    names = names or [f"n{i}" for i in range(len(nodes))]
    all_nodes = {"in": nir.Input(input_type={"input": np.array(input_shape)})}
    all_nodes.update(dict(zip(names, nodes)))
    last = nodes[-1]
    out_shape = getattr(last, "output_type", {}).get("output") if hasattr(last, "output_type") else None
    all_nodes["out"] = nir.Output(output_type={"output": np.array(out_shape if out_shape is not None else [1])})
    seq = ["in", *names, "out"]
    return nir.NIRGraph(nodes=all_nodes, edges=list(zip(seq, seq[1:])), type_check=False)


def lif(n, tau=2e-2, r=1.0, v_leak=0.0, v_th=1.0, v_reset=0.0):
    full = lambda v: np.full(n, v, dtype=np.float64) if np.ndim(v) == 0 else np.asarray(v, dtype=np.float64)  # noqa: E731
    return nir.LIF(tau=full(tau), r=full(r), v_leak=full(v_leak), v_threshold=full(v_th), v_reset=full(v_reset))


# ------------------------------------------------------------------------ node-type mapping


def test_input_linear_lif_output(tmp_path):
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    m, warnings = import_graph(tmp_path, chain(nir.Linear(weight=w), lif(2, tau=0.01, r=2.0, v_leak=0.5, v_th=0.8,
                                                                           v_reset=-0.1), names=["fc", "h"]))
    assert warnings == []
    net = one(m, snn.NetworkOp)
    assert net.sym_name == "model" and net.dt.value == 1e-3
    assert pop(m, "in").res.type.dims == (3,)
    h = pop(m, "h")
    assert isinstance(h.model, snn.LIFAttr) and h.res.type.dims == (2,)
    assert (h.model.tau.value, h.model.r.value, h.model.v_leak.value, h.model.v_th.value, h.model.v_reset.value) == \
        (0.01, 2.0, 0.5, 0.8, -0.1)
    d = one(m, snn.DenseOp)
    assert np.array_equal(d.weight.data, w) and d.bias is None and d.delay is None
    assert d.src is pop(m, "in").res and d.dst is h.res
    out = one(m, snn.OutputOp)
    assert out.sym_name == "out" and out.src is h.res


def test_affine_bias_and_zero_bias(tmp_path):
    w = np.ones((2, 3), dtype=np.float32)
    m, _ = import_graph(tmp_path, chain(nir.Affine(weight=w, bias=np.array([0.5, -1.0], dtype=np.float32)), lif(2)))
    assert np.array_equal(one(m, snn.DenseOp).bias.data, [0.5, -1.0])
    m, _ = import_graph(tmp_path, chain(nir.Affine(weight=w, bias=np.zeros(2, dtype=np.float32)), lif(2)))
    assert one(m, snn.DenseOp).bias is None  # a zero bias is no bias


@pytest.mark.parametrize("node, model, expected", [
    (lambda: nir.IF(r=np.full(3, 2.0), v_threshold=np.full(3, 0.5), v_reset=np.full(3, -0.2)),
     snn.IFAttr, {"r": 2.0, "v_th": 0.5, "v_reset": -0.2}),
    (lambda: nir.LI(tau=np.full(3, 0.01), r=np.full(3, 3.0), v_leak=np.full(3, 0.1)),
     snn.LIAttr, {"tau": 0.01, "r": 3.0, "v_leak": 0.1}),
    (lambda: nir.CubaLIF(tau_syn=np.full(3, 5e-3), tau_mem=np.full(3, 1e-2), r=np.full(3, 2.0), v_leak=np.zeros(3),
                         v_threshold=np.full(3, 0.7), v_reset=np.zeros(3), w_in=np.full(3, 0.5)),
     snn.CubaLIFAttr, {"tau_syn": 5e-3, "tau_mem": 1e-2, "r": 2.0, "v_th": 0.7, "w_in": 0.5}),
    (lambda: nir.CubaLI(tau_syn=np.full(3, 5e-3), tau_mem=np.full(3, 1e-2), r=np.ones(3), v_leak=np.full(3, 0.2),
                        w_in=np.full(3, 4.0)),
     snn.CubaLIAttr, {"tau_syn": 5e-3, "tau_mem": 1e-2, "v_leak": 0.2, "w_in": 4.0}),
    (lambda: nir.I(r=np.full(3, 1.5)), snn.IntegratorAttr, {"r": 1.5}),
    (lambda: nir.Threshold(threshold=np.full(3, 0.25)), snn.ThresholdAttr, {"v_th": 0.25}),
])
def test_neuron_models(tmp_path, node, model, expected):
    m, warnings = import_graph(tmp_path, chain(node(), names=["p"]))
    assert warnings == []
    p = pop(m, "p")
    assert isinstance(p.model, model) and p.res.type.dims == (3,)
    for k, v in expected.items():
        assert getattr(p.model, k).value == pytest.approx(v)
    sc = one(m, snn.ScaleOp)  # Input -> neurons directly: one-to-one with factor 1
    assert sc.factor.value == 1.0


def test_per_neuron_parameters_inline_and_resource(tmp_path):
    m, _ = import_graph(tmp_path, chain(lif(4, tau=[0.01, 0.02, 0.03, 0.04]), input_shape=(4,), names=["small"]))
    tau = pop(m, "small").model.tau
    assert isinstance(tau, snn.DenseElementsAttr) and np.allclose(tau.data, [0.01, 0.02, 0.03, 0.04])
    m, _ = import_graph(tmp_path, chain(lif(40, v_th=np.linspace(0.5, 1.0, 40)), input_shape=(40,), names=["big"]))
    v_th = pop(m, "big").model.v_th
    assert isinstance(v_th, snn.DenseResourceAttr) and v_th.handle.name == "big_v_th"
    assert "dense_resource<big_v_th> : tensor<40xf32>" in print_operation(m)


def test_scale(tmp_path):
    m, _ = import_graph(tmp_path, chain(nir.Scale(scale=np.array([1.0, 2.0, 3.0], dtype=np.float32)), lif(3)))
    assert np.array_equal(one(m, snn.ScaleOp).factor.data, [1.0, 2.0, 3.0])
    m, _ = import_graph(tmp_path, chain(nir.Scale(scale=np.full(3, 0.1, dtype=np.float32)), lif(3)))
    assert one(m, snn.ScaleOp).factor.value == 0.1  # all equal: a scalar, float32 kept as written


def test_conv2d_geometry_and_bias(tmp_path):
    w = np.random.default_rng(0).normal(size=(4, 1, 3, 3)).astype(np.float32)
    conv = nir.Conv2d(input_shape=(9, 9), weight=w, stride=2, padding=1, dilation=1, groups=1,
                      bias=np.array([1, 2, 3, 4], dtype=np.float32))
    m, _ = import_graph(tmp_path, chain(conv, lif((4, 5, 5), tau=np.full((4, 5, 5), 0.02)), input_shape=(1, 9, 9)))
    c = one(m, snn.ConvOp)
    assert [x.value for x in c.stride.data] == [2, 2] and [x.value for x in c.padding.data] == [1, 1]
    assert c.dilation is None and c.groups is None
    assert np.array_equal(c.weight.data, w) and np.array_equal(c.bias.data, [1, 2, 3, 4])
    assert c.src.type.dims == (1, 9, 9) and c.dst.type.dims == (4, 5, 5)


def test_conv1d_padding_same_valid_and_groups(tmp_path):
    w = np.ones((4, 1, 3), dtype=np.float32)
    for padding, expected, out_len in [("same", [1], 10), ("valid", None, 8), (2, [2], 12)]:
        conv = nir.Conv1d(input_shape=10, weight=w, stride=1, padding=padding, dilation=1, groups=2,
                          bias=np.zeros(4, dtype=np.float32))
        g = chain(conv, lif((4, out_len)), input_shape=(2, 10))
        m, _ = import_graph(tmp_path, g)  # NIR's own type check ignores groups: the file reads tolerantly
        c = one(m, snn.ConvOp)
        assert (None if c.padding is None else [x.value for x in c.padding.data]) == expected
        assert c.groups.value == 2 and c.bias is None and c.dst.type.dims == (4, out_len)


def test_conv_padding_same_needs_symmetric_padding(tmp_path):
    conv = nir.Conv1d(input_shape=10, weight=np.ones((1, 1, 2), dtype=np.float32), stride=1, padding="same",
                      dilation=1, groups=1, bias=np.zeros(1, dtype=np.float32))
    message = import_error(tmp_path, chain(conv, lif((1, 10)), input_shape=(1, 10), names=["c", "h"]))
    assert "node 'c' (Conv1d) has padding 'same'" in message and "asymmetric" in message


@pytest.mark.parametrize("cls, mode", [(nir.SumPool2d, "sum"), (nir.AvgPool2d, "avg")])
def test_pooling(tmp_path, cls, mode):
    pool = cls(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0]))
    m, _ = import_graph(tmp_path, chain(pool, lif((3, 2, 2)), input_shape=(3, 4, 4)))
    p = one(m, snn.PoolOp)
    assert p.mode.data == mode and [x.value for x in p.kernel.data] == [2, 2]
    assert p.stride is None and p.padding is None  # stride = kernel and no padding are the defaults
    pool = cls(kernel_size=np.array([3, 3]), stride=np.array([1, 1]), padding=np.array([1, 1]))
    m, _ = import_graph(tmp_path, chain(pool, lif((3, 4, 4)), input_shape=(3, 4, 4)))
    p = one(m, snn.PoolOp)
    assert [x.value for x in p.stride.data] == [1, 1] and [x.value for x in p.padding.data] == [1, 1]


def test_flatten_is_free_and_conv_into_flat_population_gets_a_view(tmp_path):
    # neurons [2, 3, 3] -> Flatten -> Linear: the dense projection reads the population as is
    g = nir.NIRGraph(nodes={
        "in": nir.Input(input_type={"input": np.array([2, 3, 3])}),
        "h": lif((2, 3, 3)),
        "flat": nir.Flatten(input_type={"input": np.array([2, 3, 3])}, start_dim=0, end_dim=-1),
        "fc": nir.Linear(weight=np.ones((4, 18), dtype=np.float32)),
        "o": lif(4),
        "out": nir.Output(output_type={"output": np.array([4])}),
    }, edges=[("in", "h"), ("h", "flat"), ("flat", "fc"), ("fc", "o"), ("o", "out")])
    m, warnings = import_graph(tmp_path, g)
    assert warnings == [] and ops(m, snn.ReshapeOp) == []
    assert one(m, snn.DenseOp).src is pop(m, "h").res
    # conv -> Flatten -> LIF with flat parameters: the conv writes into a [C, H, W] view of the LIF
    conv = nir.Conv2d(input_shape=(4, 4), weight=np.ones((2, 1, 3, 3), dtype=np.float32), stride=1, padding=0,
                      dilation=1, groups=1, bias=np.zeros(2, dtype=np.float32))
    flat = nir.Flatten(input_type={"input": np.array([2, 2, 2])}, start_dim=0, end_dim=-1)
    m, _ = import_graph(tmp_path, chain(conv, flat, lif(8, tau=np.linspace(0.01, 0.02, 8)), input_shape=(1, 4, 4),
                                        names=["conv", "flat", "h"]))
    view = one(m, snn.ReshapeOp)
    assert view.src is pop(m, "h").res and view.res.type.dims == (2, 2, 2)
    assert one(m, snn.ConvOp).dst is view.res


def test_input_shape_squeezed_for_convolutions(tmp_path):
    conv = nir.Conv2d(input_shape=(4, 4), weight=np.ones((1, 2, 3, 3), dtype=np.float32), stride=1, padding=0,
                      dilation=1, groups=1, bias=np.zeros(1, dtype=np.float32))
    m, _ = import_graph(tmp_path, chain(conv, lif((1, 2, 2)), input_shape=(1, 2, 4, 4)))
    assert pop(m, "in").res.type.dims == (2, 4, 4)  # a leading batch dimension of 1 is dropped
    m, _ = import_graph(tmp_path, chain(lif(1), input_shape=(1, 1, 1)))
    assert pop(m, "in").res.type.dims == (1,)


def test_delay_in_steps_and_rounding_warning(tmp_path):
    g = chain(nir.Delay(delay=np.full(3, 3e-3)), nir.Linear(weight=np.eye(3, dtype=np.float32)), lif(3))
    m, warnings = import_graph(tmp_path, g, dt=1e-3)
    assert one(m, snn.DenseOp).delay.value == 3 and warnings == []
    m, warnings = import_graph(tmp_path, g, dt=2e-3)
    assert one(m, snn.DenseOp).delay.value == 2  # 1.5 steps rounds to 2 (half to even)
    assert any("is 1.5 steps of dt = 0.002 s; rounded to 2" in w for w in warnings)
    message = import_error(tmp_path, chain(nir.Delay(delay=np.array([1e-3, 2e-3, 1e-3])), lif(3), names=["d", "h"]))
    assert "delay node 'd' has different delays per neuron" in message


def test_nested_graph_flattened_with_stable_names(tmp_path):
    inner = nir.NIRGraph(nodes={
        "input": nir.Input(input_type={"input": np.array([2])}),
        "lif": lif(2),
        "w_rec": nir.Linear(weight=np.array([[0.0, 1.0], [1.0, 0.0]], dtype=np.float32)),
        "output": nir.Output(output_type={"output": np.array([2])}),
    }, edges=[("input", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")], type_check=False)
    g = nir.NIRGraph(nodes={
        "input": nir.Input(input_type={"input": np.array([3])}),
        "fc": nir.Linear(weight=np.ones((2, 3), dtype=np.float32)),
        "rnn": inner,
        "readout": nir.LI(tau=np.full(2, 0.01), r=np.ones(2), v_leak=np.zeros(2)),
        "output": nir.Output(output_type={"output": np.array([2])}),
    }, edges=[("input", "fc"), ("fc", "rnn"), ("rnn", "readout"), ("readout", "output")], type_check=False)
    m, warnings = import_graph(tmp_path, g)
    names = [op.sym_name for op in m.walk() if isinstance(op, (snn.InputOp, snn.NeuronsOp, snn.OutputOp))]
    assert names == ["input", "rnn.lif", "readout", "output"]
    dense = ops(m, snn.DenseOp)
    rec = [d for d in dense if d.src is d.dst]
    assert len(rec) == 1 and rec[0].delay.value == 1
    assert rec[0].src is pop(m, "rnn.lif").res
    assert any("recurrent loop @rnn.lif -> @rnn.lif through 'rnn.w_rec' has no delay" in w for w in warnings)
    # a scale projection (identity edge) leads from the subgraph's neurons to the readout
    assert one(m, snn.ScaleOp).src is pop(m, "rnn.lif").res


def test_recurrent_loop_with_a_delay_node_needs_no_fix(tmp_path):
    g = nir.NIRGraph(nodes={
        "in": nir.Input(input_type={"input": np.array([2])}),
        "h": lif(2),
        "d": nir.Delay(delay=np.full(2, 2e-3)),
        "w": nir.Linear(weight=np.eye(2, dtype=np.float32)),
        "out": nir.Output(output_type={"output": np.array([2])}),
    }, edges=[("in", "h"), ("h", "d"), ("d", "w"), ("w", "h"), ("h", "out")], type_check=False)
    m, warnings = import_graph(tmp_path, g)
    assert one(m, snn.DenseOp).delay.value == 2 and not any("recurrent" in w for w in warnings)


# ---------------------------------------------------------------- chains of weight nodes


def test_affine_chain_composes_exactly(tmp_path):
    rng = np.random.default_rng(1)
    w1, b1 = rng.normal(size=(4, 3)).astype(np.float32), rng.normal(size=4).astype(np.float32)
    w2, b2 = rng.normal(size=(2, 4)).astype(np.float32), rng.normal(size=2).astype(np.float32)
    s = np.array([2.0, -1.0], dtype=np.float32)
    g = chain(nir.Affine(weight=w1, bias=b1), nir.Affine(weight=w2, bias=b2), nir.Scale(scale=s), lif(2),
              names=["a1", "a2", "sc", "h"])
    m, _ = import_graph(tmp_path, g)
    d = one(m, snn.DenseOp)
    w = w2.astype(np.float64) @ w1.astype(np.float64)
    np.testing.assert_allclose(d.weight.data, s[:, None] * w, rtol=1e-6)
    np.testing.assert_allclose(d.bias.data, s * (w2 @ b1 + b2), rtol=1e-5)


def test_scale_then_linear_composes(tmp_path):
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    m, _ = import_graph(tmp_path, chain(nir.Scale(scale=np.array([1, 2, 3], dtype=np.float32)),
                                        nir.Linear(weight=w), lif(2)))
    np.testing.assert_allclose(one(m, snn.DenseOp).weight.data, w * np.array([1, 2, 3]))
    m, _ = import_graph(tmp_path, chain(nir.Scale(scale=np.full(3, 2.0)), nir.Scale(scale=np.full(3, 3.0)), lif(3)))
    assert one(m, snn.ScaleOp).factor.value == 6.0


def test_conv_or_pool_chained_with_affine_composes_exactly(tmp_path, monkeypatch):
    from snnir.algorithms import nir_graph
    from snnir.algorithms.simulate import conv_matrix, pool_matrix

    rng = np.random.default_rng(2)
    wc = rng.normal(size=(2, 1, 3, 3)).astype(np.float32)
    conv = nir.Conv2d(input_shape=(4, 4), weight=wc, stride=1, padding=0, dilation=1, groups=1,
                      bias=np.array([0.5, -0.5], dtype=np.float32))
    flat = nir.Flatten(input_type={"input": np.array([2, 2, 2])}, start_dim=0, end_dim=-1)
    wf = rng.normal(size=(3, 8)).astype(np.float32)
    g = chain(conv, flat, nir.Linear(weight=wf), lif(3), input_shape=(1, 4, 4), names=["conv1", "flat", "fc", "h"])
    m, warnings = import_graph(tmp_path, g)
    d = one(m, snn.DenseOp)
    expected = wf.astype(np.float64) @ conv_matrix((1, 4, 4), wc).toarray()
    np.testing.assert_allclose(d.weight.data, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(d.bias.data, wf @ np.repeat([0.5, -0.5], 4), rtol=1e-5)
    assert warnings == ["weight nodes 'conv1' (Conv2d), 'fc' (Linear) follow each other with no neuron node between "
                        "them; they are composed into one dense projection (exact, but the convolution structure "
                        "is lost)"]
    # pooling then Affine, as in sinabs-style networks (neurons -> pool -> flatten -> linear -> neurons)
    pool = nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0]))
    g = chain(lif((2, 4, 4)), pool, nir.Flatten(input_type={"input": np.array([2, 2, 2])}, start_dim=0, end_dim=-1),
              nir.Linear(weight=wf), lif(3), input_shape=(2, 4, 4), names=["h0", "pool", "flat", "fc", "h"])
    m, _ = import_graph(tmp_path, g)
    d = next(op for op in ops(m, snn.DenseOp))
    np.testing.assert_allclose(d.weight.data, wf @ pool_matrix((2, 4, 4), [2, 2]).toarray(), rtol=1e-6)
    # too large to expand: an error naming the nodes
    monkeypatch.setattr(nir_graph, "COMPOSE_LIMIT", 10)
    message = import_error(tmp_path, g)
    assert message.startswith("weight node 'pool' (SumPool2d) is followed or preceded by 'fc' (Linear) with no "
                              "neuron node between them (path h0 -> pool -> flat -> fc -> h); composing them would "
                              "need a dense 8 x 32 matrix")


def test_fan_in_to_an_affine_counts_its_bias_once(tmp_path):
    g = nir.NIRGraph(nodes={
        "a": nir.Input(input_type={"input": np.array([2])}),
        "b": nir.Input(input_type={"input": np.array([2])}),
        "fc": nir.Affine(weight=np.eye(2, dtype=np.float32), bias=np.array([1.0, 1.0], dtype=np.float32)),
        "h": lif(2),
        "out": nir.Output(output_type={"output": np.array([2])}),
    }, edges=[("a", "fc"), ("b", "fc"), ("fc", "h"), ("h", "out")], type_check=False)
    m, _ = import_graph(tmp_path, g)
    dense = ops(m, snn.DenseOp)
    assert [d.src.op.sym_name for d in dense] == ["a", "b"]
    assert [d.bias is not None for d in dense] == [True, False]


def test_output_behind_a_weight_node_is_an_error(tmp_path):
    g = chain(lif(3), nir.Linear(weight=np.ones((2, 3), dtype=np.float32)), names=["h", "fc"])
    message = import_error(tmp_path, g)
    assert "output 'out' is fed through 'fc' (Linear) with no neuron node after it" in message


def test_size_mismatch_names_the_edge(tmp_path):
    g = chain(nir.Linear(weight=np.ones((2, 5), dtype=np.float32)), lif(2), names=["fc", "h"])
    message = import_error(tmp_path, g)
    assert message == "node 'fc' (Linear) takes 5 inputs but 'in' (edge 'in' -> 'fc') gives 3"


# -------------------------------------------------------------------- dt and names


def test_dt_not_smaller_than_tau_warns(tmp_path):
    _, warnings = import_graph(tmp_path, chain(lif(3, tau=1e-3), names=["h"]), dt=1e-3)
    assert warnings == ["dt = 0.001 s is not smaller than tau = 0.001 s of node 'h' (LIF): the forward-Euler "
                        "update does not decay (1 - dt/tau = 0); use a smaller --dt"]
    message = import_error(tmp_path, chain(lif(3, tau=0.0), names=["h"]))
    assert message == "node 'h' (LIF): time constant 'tau' must be positive, got 0.0"


def test_dt_recorded_by_export_is_the_default(tmp_path):
    m, _ = import_graph(tmp_path, chain(lif(3)), dt=2e-4)
    path = tmp_path / "b" / "model.nir"
    path.parent.mkdir()
    path.write_bytes(export_bytes(m))
    again, _ = import_file(path, dt=None)
    assert one(again, snn.NetworkOp).dt.value == 2e-4
    again, _ = import_file(path, dt=1e-3)  # --dt wins
    assert one(again, snn.NetworkOp).dt.value == 1e-3
    m, _ = import_graph(tmp_path, chain(lif(3)), dt=None)  # foreign files: 1 ms
    assert one(m, snn.NetworkOp).dt.value == 1e-3


def test_names_sanitised_and_unique(tmp_path):
    g = nir.NIRGraph(nodes={
        "0 input": nir.Input(input_type={"input": np.array([1])}),
        "1": lif(1),
        "n1": lif(1),
        "out:put": nir.Output(output_type={"output": np.array([1])}),
    }, edges=[("0 input", "1"), ("1", "n1"), ("n1", "out:put")], type_check=False)
    m, _ = import_graph(tmp_path, g, name="3-layer net")
    assert one(m, snn.NetworkOp).sym_name == "n3-layer_net"
    names = [op.sym_name for op in m.walk() if isinstance(op, (snn.InputOp, snn.NeuronsOp, snn.OutputOp))]
    assert names == ["n0_input", "n1", "n1_1", "out_put"]


# ------------------------------------------------------------------- robust reading


def test_errors_for_unreadable_files(tmp_path):
    t = ImportNIR(dt=1e-3)
    with pytest.raises(DiagnosticError, match="cannot open the file: no such file"):
        t.import_path(str(tmp_path / "missing.nir"), Context())
    text = tmp_path / "text.nir"
    text.write_text("not hdf5")
    with pytest.raises(DiagnosticError, match="not an HDF5 file"):
        t.import_path(str(text), Context())
    import h5py

    path = write(tmp_path, chain(lif(3)))
    with h5py.File(path, "a") as f:
        f["node/nodes"].create_group("odd").create_dataset("type", data="Spooky", dtype=h5py.string_dtype())
    with pytest.raises(DiagnosticError, match="node 'odd' has type 'Spooky', which snnir cannot import"):
        t.import_path(str(path), Context())


def test_broken_edge_names_node_and_edge(tmp_path):
    g = nir.NIRGraph(nodes={
        "in": nir.Input(input_type={"input": np.array([3])}),
        "lif1": lif(3),
        "out": nir.Output(output_type={"output": np.array([3])}),
    }, edges=[("in", "lif"), ("lif1", "out")], type_check=False)
    message = import_error(tmp_path, g)
    assert message == ("edge 'in' -> 'lif' names destination node 'lif', which does not exist (the nodes are in, "
                       "lif1, out); did you mean 'lif1'?")


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/nir_samples is not there")
@pytest.mark.parametrize("name", BROKEN)
def test_broken_samples(name):
    t = ImportNIR(dt=1e-3)
    with pytest.raises(DiagnosticError) as info:
        t.import_path(str(SAMPLES / f"{name}.nir"), Context())
    assert info.value.diagnostic.message == (
        "in subgraph 'lif1': edge 'input' -> 'lif' names destination node 'lif', which does not exist "
        "(the nodes are input, lif1, lin, output); did you mean 'lif1'?")
    assert any("read it node by node" in w.message for w in t.warnings)


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/nir_samples is not there")
def test_sloppy_sample_reads_tolerantly():
    m, warnings = import_file(SAMPLES / "lif_rockpool.nir")
    assert len(warnings) == 1 and "fails NIR's type check" in warnings[0]
    assert one(m, snn.OutputOp).src is pop(m, "n1_LIFNeuronTorch").res


# ------------------------------------------------------------------------- round trips


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/nir_samples is not there")
@pytest.mark.parametrize("name", READABLE)
def test_sample_roundtrip(tmp_path, name):
    first, _ = import_file(SAMPLES / f"{name}.nir", dt=1e-4)
    text = print_operation(first)
    assert roundtrip_text(first, tmp_path, name=name) == text
    # the exported file passes nir.read's strict check
    path = tmp_path / "strict.nir"
    path.write_bytes(export_bytes(first))
    nir.read(str(path))


def builder_network():
    rng = np.random.default_rng(0)
    net = NetworkBuilder("model", dt=5e-4)
    x = net.input("img", [2, 8, 8])
    c1 = net.neurons("c1", [4, 6, 6], snn.LIFAttr(tau=2e-2, v_th=np.linspace(0.5, 1.5, 144).reshape(4, 6, 6)))
    net.conv(x, c1, rng.normal(size=(4, 2, 3, 3)), bias=rng.normal(size=4))
    p1 = net.neurons("p1", [4, 3, 3], snn.IFAttr(r=2.0))
    net.pool(c1, p1, [2, 2], mode="avg")
    f = net.neurons("f", 36, snn.CubaLIFAttr(tau_syn=5e-3, tau_mem=1e-2))
    net.scale(net.reshape(p1, 36), f, rng.normal(size=36), delay=2)
    h = net.neurons("h", 10, snn.LIAttr(tau=1e-2))
    net.sparse(f, h, [0, 3, 9], [1, 5, 35], [0.5, -1.0, 2.0])
    t = net.neurons("t", 10, snn.ThresholdAttr(v_th=0.3))
    net.dense(h, t, rng.normal(size=(10, 10)), bias=0.1)
    net.dense(t, t, np.eye(10), delay=1)
    i = net.neurons("i", 10, snn.IntegratorAttr(r=3.0))
    net.scale(t, i, 2.0, delay=1)
    net.output("out", i)
    return net.module()


def test_builder_network_roundtrip(tmp_path):
    module = builder_network()
    first_text = roundtrip_text(module, tmp_path)
    first = parse_source(first_text, "first.snnir", Context())
    first.verify()
    assert roundtrip_text(first, tmp_path) == first_text
    # the network survived: same populations, the sparse projection is now dense
    assert [(op.sym_name, op.res.type.dims) for op in ops(first, snn.NeuronsOp)] == \
        [(op.sym_name, op.res.type.dims) for op in ops(module, snn.NeuronsOp)]
    kinds = sorted(type(op).__name__ for op in first.walk() if isinstance(op, snn.Projection))
    assert kinds == ["ConvOp", "DenseOp", "DenseOp", "DenseOp", "PoolOp", "ScaleOp", "ScaleOp"]
    sparse = one(module, snn.SparseOp)
    dense = next(op for op in ops(first, snn.DenseOp) if op.src.op.sym_name == "f")
    expected = np.zeros((10, 36), dtype=np.float32)
    expected[np.asarray(sparse.indices.data)[0], np.asarray(sparse.indices.data)[1]] = sparse.values.data
    assert np.array_equal(dense.weight.data, expected)
    for name in ("c1", "p1", "f", "h", "t", "i"):
        a, b = pop(first, name).model, pop(module, name).model
        assert type(a) is type(b)
        for x, y in zip(a.parameters, b.parameters):
            assert np.array_equal(np.asarray(getattr(x, "data", getattr(x, "value", None))),
                                  np.asarray(getattr(y, "data", getattr(y, "value", None))))
    delays = {(op.src.op.sym_name if not isinstance(op.src.op, snn.ReshapeOp) else "p1", op.dst.op.sym_name):
              op.delay_steps for op in first.walk() if isinstance(op, snn.Projection)}
    assert delays[("p1", "f")] == 2 and delays[("t", "t")] == 1 and delays[("t", "i")] == 1


def test_export_refuses_what_nir_cannot_hold():
    net = NetworkBuilder("m")
    x = net.input("x", 2)
    h = net.neurons("h", 2, snn.LIFAttr(tau=1e-2, reset="subtract"))
    net.scale(x, h, 1.0)
    with pytest.raises(DiagnosticError, match="population 'h' resets by subtraction"):
        export_bytes(net.module())
    net = NetworkBuilder("m")
    x = net.input("x", [1, 4])
    h = net.neurons("h", [1, 2], snn.IFAttr())
    net.pool(x, h, [2])
    with pytest.raises(DiagnosticError, match="pools in 1-D; NIR has only 2-D pooling"):
        export_bytes(net.module())


# --------------------------------------------------------------------------- the driver


def run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("SNNIR_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "snnir.tools.snn_translate", *args], capture_output=True,
                          text=True, env=env)


def test_cli_import_export(tmp_path):
    path = write(tmp_path, chain(nir.Linear(weight=np.ones((2, 3), dtype=np.float32)), lif(2)), "cli")
    r = run("--import-nir", str(path), "--dt", "1e-4", "-o", str(tmp_path / "cli.snnir"))
    assert r.returncode == 0 and r.stderr == ""
    assert "snn.network @cli attributes {dt = 0.0001}" in (tmp_path / "cli.snnir").read_text()
    r = run("--export-nir", str(tmp_path / "cli.snnir"))
    assert r.returncode == 1 and "writes a binary file: give it with -o FILE" in r.stderr
    r = run("--export-nir", str(tmp_path / "cli.snnir"), "-o", str(tmp_path / "again.nir"))
    assert r.returncode == 0 and sorted(nir.read(str(tmp_path / "again.nir")).nodes) == \
        ["in", "n1", "n1_from_in", "out"]  # a small inline weight has no name of its own
    r = run("--import-nir", str(tmp_path / "missing.nir"))
    assert r.returncode == 1 and "Traceback" not in r.stderr and "no such file" in r.stderr
