"""`snn-compile`, end to end: every bundled example but Vogels-Abbott, from its `.snnir` file to a
configuration directory, run on the hardware-level simulator through snn-sim's Python API
(`load_config`, `load_network`, `hwsim.Machine`) and compared spike for spike with the reference
simulator on the compiled network (`--emit-ir`; fan-in decomposition may have added relays).

test_backend.py runs the same examples through the `snn-opt` + `snn-translate` chain (Vogels-Abbott
included); this file checks the one-command tool and what it prints: the summary's figures are those
of the configuration it wrote.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snnir.algorithms.hwsim import Machine
from snnir.algorithms.simulate import simulate
from snnir.context import Context
from snnir.dialects import sdf
from snnir.parser import parse_source
from snnir.tools.snn_compile import main as snn_compile
from snnir.tools.snn_sim import load_config, load_network

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# Vogels-Abbott (4000 neurons, ~4000 crossbars at 128 x 128) alone would take minutes.
COMPILED = sorted(p for p in EXAMPLES.glob("*.snnir")
                  if "snn.network" in p.read_text()[:4000] and p.stem != "vogels_abbott")
STEPS = 100


def call(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = snn_compile(args)
    return status, out.getvalue(), err.getvalue()


def summary_fields(text: str) -> dict[str, str]:
    """`key: value` lines of the summary (the per-tile table's rows are left out)."""
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in text.splitlines())
            if k and not k.startswith(" ")}


def test_the_examples_are_covered():
    assert {"mlp_mnist", "lenet5", "image_smoothing", "edge_detection", "heartbeat", "recurrent"} == \
        {p.stem for p in COMPILED}


@pytest.mark.parametrize("path", COMPILED, ids=lambda p: p.stem)
def test_compiled_examples_run_exactly_on_the_hardware_simulator(path: Path, tmp_path: Path) -> None:
    config_dir, ir = tmp_path / "config", tmp_path / "hw.snnir"
    status, out, err = call([str(path), "-o", str(config_dir), "--emit-ir", str(ir)])
    assert status == 0, err
    assert "Traceback" not in err and "error" not in err

    op = load_config(str(config_dir), None)
    bundle = op.to_bundle()
    config = bundle.config
    assert config.weight_bits is None and getattr(config, "state_bits", None) is None  # paper4: float
    net, _ = load_network(str(ir), op)
    hw = Machine(config).run(STEPS, 0, record_spikes=True)
    ref = simulate(net, STEPS, seed=0, record_spikes=True)
    assert sum(int(c.sum()) for c in ref.counts.values()) > 0
    for name, spikes in ref.spikes.items():
        np.testing.assert_array_equal(hw.spikes[name], spikes, err_msg=name)

    fields = summary_fields(out)
    manifest = json.loads((config_dir / "manifest.json").read_text())
    assert fields["crossbars"].startswith(f"{len(manifest['crossbars'])} of 128 x 128")
    assert fields["tiles"] == f"{len({x['tile'] for x in manifest['crossbars']})} of 4 on target @paper4"
    assert fields["pipeline"] == manifest["provenance"]["pipeline"] == \
        "simulate,partition,sdfg,bind,schedule,analyze-throughput,emit-hw"
    assert manifest["provenance"]["tool"] == "snn-compile"
    # the exact period printed is the one --analyze-throughput stored (as a float) on the graph
    exact = Fraction(fields["throughput"].split("(period ")[1].rstrip(")"))
    graph = next(o for o in parse_source(ir.read_text(), str(ir), Context()).walk() if isinstance(o, sdf.GraphOp))
    assert float(exact) == graph.attributes["period"].value > 0
    assert Fraction(fields["throughput"].split(" ")[0]) == 1 / exact


# ------------------------------------------------------------------------------ no tracebacks

TINY = (Path(__file__).resolve().parents[1] / "Tools" / "snn-sim" / "Inputs" / "tiny.snnir").read_text()
_NUMBERS = list(__import__("re").finditer(r"(?<![\w.])\d+(\.\d+)?(e-?\d+)?(?![\w.])", TINY.split("\n", 2)[2]))
_OFFSET = len("\n".join(TINY.split("\n", 2)[:2])) + 1
TARGETS = [str(Path(__file__).resolve().parents[1] / "Tools" / "snn-sim" / "Inputs" / "tiny2.json"),
           str(Path(__file__).resolve().parents[1] / "Tools" / "snn-compile" / "Inputs" / "small-memory.json"),
           "paper4", "dynapse"]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(_NUMBERS) - 1),
                          st.sampled_from(["0.0", "-1.0", "2.0", "0.5", "300.0", "1.0e9", "0", "2"])), max_size=3),
       st.sampled_from(TARGETS), st.integers(0, 2), st.sampled_from([None, None, "0", "3", "-1"]),
       st.sampled_from([None, None, None, "0", "2", "40"]), st.booleans())
def test_odd_networks_and_options_are_compiled_or_refused_never_a_traceback(changes, target, tiles, steps, bits,
                                                                          buffers):
    text = TINY
    for i, value in sorted(dict(changes).items(), reverse=True):
        m = _NUMBERS[i]
        text = text[:_OFFSET + m.start()] + value + text[_OFFSET + m.end():]
    with tempfile.TemporaryDirectory() as name:
        _compile_or_refuse(Path(name), text, target, tiles, steps, bits, buffers)


def _compile_or_refuse(tmp: Path, text: str, target: str, tiles: int, steps: str | None, bits: str | None,
                       buffers: bool) -> None:
    (tmp / "net.snnir").write_text(text)
    args = [str(tmp / "net.snnir"), "-o", str(tmp / "config"), "--target", target, "--tiles", str(tiles)]
    args += ["--steps", steps] if steps is not None else []
    args += ["--weight-bits", bits] if bits is not None else []
    args += ["--buffer-size"] if buffers else []
    status, out, err = call(args)
    assert status in (0, 1), err
    assert "internal error" not in err and "Traceback" not in err, err
    if status == 0:
        assert (tmp / "config" / "manifest.json").is_file() and out.startswith("input:")
    else:
        assert "error: " in err and not out
