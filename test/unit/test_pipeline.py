"""The design card's invocation on every example, and the two token conventions agreeing on it.

`snn-opt --partition --sdfg in.snnir` must work on every example as it is (no spike counts:
partitioning assumes one spike per neuron and warns), and `--sdfg{tokens=spikes}` and
`--sdfg{tokens=packets}` must give the same throughput (method.md section 4).
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from snnir.context import Context
from snnir.dialects import sdf
from snnir.parser import parse_source
from snnir.pass_manager import PassContext, parse_pipeline
from snnir.diagnostics import DiagnosticEngine
from snnir.tools.snn_opt import main as snn_opt

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.snnir"))
SNN_EXAMPLES = [p for p in EXAMPLES if "snn.network" in p.read_text()[:4000]]


def _run(path: Path, pipeline: str) -> object:
    """The module after `pipeline`, verified after every pass."""
    ctx = Context()
    module = parse_source(path.read_text(), str(path), ctx)
    pctx = PassContext(ctx, DiagnosticEngine(stream=io.StringIO()))
    for p in parse_pipeline(pipeline):
        p.apply(module, pctx)
        module.verify()
    return module


@pytest.mark.parametrize("path", SNN_EXAMPLES, ids=lambda p: p.stem)
def test_design_card_invocation_works_on_every_example(path: Path, tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = snn_opt([str(path), "--partition", "--sdfg", "-o", str(tmp_path / "out.snnir")])
    assert status == 0, err.getvalue()
    assert "partitioning assumes one spike per neuron per iteration" in err.getvalue()
    assert "sdf.graph" in (tmp_path / "out.snnir").read_text()


# Every example but the 4,000-crossbar Vogels-Abbott network, whose two extra partitions would
# double this file's time; the algorithm-level property test covers random graphs of any shape.
@pytest.mark.parametrize("path", [p for p in SNN_EXAMPLES if p.stem != "vogels_abbott"], ids=lambda p: p.stem)
def test_spikes_and_packets_give_the_same_throughput(path: Path) -> None:
    periods = {}
    for tokens in ("spikes", "packets"):
        module = _run(path, f"simulate{{steps=20}},partition,sdfg{{tokens={tokens}}},analyze-throughput")
        graph = next(op for op in module.walk() if isinstance(op, sdf.GraphOp))
        periods[tokens] = (graph.attributes["period"].value, graph.attributes["latency"].value,
                           [ch.tokens.value for ch in graph.channels])
    assert periods["spikes"][:2] == periods["packets"][:2]
    assert periods["packets"][2] == [1] * len(periods["packets"][2])
