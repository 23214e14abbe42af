"""The bundled examples verify, simulate deterministically, and every spiking layer fires."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from snnir.algorithms.simulate import simulate
from snnir.context import Context
from snnir.dialects import snn
from snnir.parser import parse_source
from snnir.passes.simulate import network_from_ir

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.snnir"))
SNN_EXAMPLES = [p for p in EXAMPLES if "snn.network" in p.read_text()[:4000]]


@pytest.mark.parametrize("path", SNN_EXAMPLES, ids=lambda p: p.stem)
def test_example_simulates_with_activity_in_every_spiking_layer(path: Path) -> None:
    module = parse_source(path.read_text(), str(path), Context())
    module.verify()
    network = next(op for op in module.walk() if isinstance(op, snn.NetworkOp))
    net, ops = network_from_ir(network)
    first = simulate(net, 100, seed=0)
    again = simulate(net, 100, seed=0)
    for name, counts in first.counts.items():
        np.testing.assert_array_equal(counts, again.counts[name])  # deterministic for a seed
        op = ops[name]
        if isinstance(op, snn.NeuronsOp) and not op.model.spiking:
            continue
        assert counts.mean() > 0.5, f"{path.stem}: population @{name} is silent"


def test_all_families_of_the_evaluation_are_bundled() -> None:
    names = {p.stem for p in SNN_EXAMPLES}
    assert {"mlp_mnist", "lenet5", "image_smoothing", "edge_detection", "heartbeat", "recurrent",
            "vogels_abbott"} <= names
