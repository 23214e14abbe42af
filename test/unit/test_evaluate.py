"""bench/evaluate.py --quick on the smallest example: the outputs' structure and the consistency of the figures.

One run of `python bench/evaluate.py OUT --quick --examples recurrent --no-scaling` (a few seconds)
feeds every test. Throughput is not asserted to be monotone in the number of tiles: the design-time
flow is a heuristic and transfers between tiles cost time, so more tiles can be slower (the
evaluation reports where that happens); the tests assert what always holds instead, and re-derive
some figures through the passes, independently of the script.
"""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "bench" / "evaluate.py"
EXAMPLE = "recurrent"


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory):
    out = tmp_path_factory.mktemp("evaluation")
    proc = subprocess.run([sys.executable, str(SCRIPT), str(out), "--quick", "--examples", EXAMPLE, "--no-scaling"],
                          capture_output=True, text=True, timeout=300, cwd=REPO, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((out / "results.json").read_text())
    return out, results, (out / "report.md").read_text(), proc.stderr


def _passes(pipeline: str):
    """The sdf.graph after running `pipeline` on the example in process."""
    from snnir.dialects import sdf

    from snnir.context import Context
    from snnir.diagnostics import DiagnosticEngine
    from snnir.parser import parse_source
    from snnir.pass_manager import PassManager, parse_pipeline

    path = REPO / "examples" / f"{EXAMPLE}.snnir"
    module = parse_source(path.read_text(), str(path))
    PassManager(parse_pipeline(pipeline), Context(), DiagnosticEngine(collect=True)).run(module)
    return next(op for op in module.regions[0].block.ops if isinstance(op, sdf.GraphOp))


def test_files(evaluation):
    out, results, _, stderr = evaluation
    for name in ("report.md", "results.json", "examples.csv", "partition.csv", "dataflow.csv", "graphs.csv",
                 "buffers.csv", "buffer_fronts.csv", "compile.csv", "compile_summary.csv", "scaling.csv",
                 "checks.csv", f"throughput_{EXAMPLE}.png", f"buffers_{EXAMPLE}.png"):
        assert (out / name).is_file(), name
    for name in (f"throughput_{EXAMPLE}.png", f"buffers_{EXAMPLE}.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert set(results["meta"]["files"]) == {p.name for p in out.iterdir()}
    assert f"{EXAMPLE} @ paper4: partition" in stderr and "done" in stderr  # the progress line


def test_json_structure(evaluation):
    _, results, _, _ = evaluation
    assert {"meta", "examples", "partition", "graphs", "dataflow", "buffers", "compile", "scaling", "checks",
            "headline"} <= set(results)
    meta = results["meta"]
    assert meta["examples"] == [EXAMPLE] and meta["targets"] == ["paper4"] and meta["repeats"] == 1
    assert meta["command"].startswith("python bench/evaluate.py ") and "--quick" in meta["command"]
    assert meta["steps"] == 100 and meta["seed"] == 0 and "machine" in meta
    assert results["scaling"] == []
    combos = {(r["algo"], r["decompose"]) for r in results["partition"]}
    assert combos == {("greedy", "tree"), ("layer", "tree"), ("refined", "tree"), ("greedy", "chain")}
    assert [r["tiles"] for r in results["dataflow"]] == [1, 2, 4]  # paper4 has 4 tiles
    for r in results["dataflow"]:
        for key in ("design_period", "design_throughput", "admission_period", "admission_throughput",
                    "bind_seconds", "schedule_seconds", "analyse_seconds", "admission_seconds", "loss_percent"):
            assert key in r, key
    (c,) = results["compile"]
    assert {"parse", "simulate", "partition", "sdfg", "bind", "schedule", "analyse"} <= set(c["stages"])
    for stage in c["stages"].values():
        assert stage["seconds"] >= 0 and stage["peak_mb"] > 0
    assert c["error"] is None
    if meta["emit"]:
        assert "emit" in c["stages"]


def test_report_tables(evaluation):
    _, results, report, _ = evaluation
    assert results["meta"]["command"] in report and "Machine: " in report
    for heading in ("## Headline figures", "## 1. Examples", "## 2. Partitioning", "### paper4 (128 x 128)",
                    "### The paper's technique against the default", "## 3. Dataflow",
                    "### Buffer / throughput Pareto front", "## 4. Scheduling", "## 5. End-to-end compile",
                    "## 6. Scaling", "## 7. Consistency checks"):
        assert heading in report, heading
    for header in ("| network | partitioner | relays | K | LB |", "| network | target | actors | channels | unbound |",
                   "| network | target | buffers | lower bounds |", "| network | target | tiles | bind s |",
                   "| network | target | tiles | parse | simulate | partition |", "| check | kind | holds |"):
        assert header in report, header
    assert f"| {EXAMPLE} | refined+tree (default) |" in report
    assert f"| {EXAMPLE} | greedy+chain (paper) |" in report


def test_csv_matches_json(evaluation):
    out, results, _, _ = evaluation
    with open(out / "partition.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["algo"], r["decompose"], int(r["crossbars"]), int(r["inter_spikes"])) for r in rows] == [
        (r["algo"], r["decompose"], r["crossbars"], r["inter_spikes"]) for r in results["partition"]]
    with open(out / "dataflow.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(int(r["tiles"]), r["design_period"], r["admission_period"]) for r in rows] == [
        (r["tiles"], r["design_period"], r["admission_period"]) for r in results["dataflow"]]


def test_crossbars_at_least_columns_over_cols(evaluation):
    _, results, _, _ = evaluation
    (ex,) = results["examples"]
    for r in results["partition"]:
        assert r["columns"] == ex["neurons"] + r["relays"]
        assert r["crossbars"] >= math.ceil(r["columns"] / r["cols"]) >= math.ceil(ex["neurons"] / r["cols"])
        assert r["problems"] == []
        assert 0 < r["col_util_max"] <= 1 and 0 < r["row_util_max"] <= 1


def test_periods(evaluation):
    """1 tile: the sum of execution times x repetitions (every actor fires once: 16 x actors); on any
    number of tiles at least the unbound period and the busiest tile's work, for both flows."""
    _, results, _, _ = evaluation
    (graph,) = results["graphs"]
    assert graph["total_work"] == 16 * graph["actors"]
    assert Fraction(graph["unbound_period"]) == 16  # p = c = t on every channel: every cycle has mean 16
    for r in results["dataflow"]:
        for flow in ("design", "admission"):
            period = Fraction(r[f"{flow}_period"])
            assert Fraction(r[f"{flow}_throughput"]) == 1 / period
            assert period >= Fraction(graph["unbound_period"])
            assert period >= r[f"{flow}_max_tile_load"]
            if r["tiles"] == 1:
                assert period == graph["total_work"]
        assert Fraction(r["greedy_period"]) >= Fraction(r["design_period"])  # refinement never makes it worse
        if r["tiles"] > 1:  # the design flow refines the better of its two starts
            assert r["design_start"] in ("greedy", "order")
            assert Fraction(r["order_period"]) >= Fraction(r["design_period"])
            better = min(Fraction(r["greedy_period"]), Fraction(r["order_period"]))
            assert Fraction(r[f"{r['design_start'] if r['design_start'] == 'order' else 'greedy'}_period"]) == better
        loss = 100 * (1 - Fraction(r["admission_throughput"]) / Fraction(r["design_throughput"]))
        assert r["loss_percent"] == pytest.approx(float(loss))


def test_monotonicity_is_reported_as_measured(evaluation):
    """Whether removing tiles ever raises the throughput is an observation, and the report says it right."""
    _, results, _, _ = evaluation
    rows = sorted(results["dataflow"], key=lambda r: r["tiles"])
    for flow in ("design", "admission"):
        rises = [(a["tiles"], b["tiles"]) for i, b in enumerate(rows) for a in rows[:i]
                 if Fraction(a[f"{flow}_throughput"]) > Fraction(b[f"{flow}_throughput"])]
        check = next(c for c in results["checks"] if c["check"] == f"{flow}_monotone_in_tiles")
        assert not check["invariant"]
        assert check["holds"] == (not rises) and check["violation_count"] == len(rises)


def test_invariant_checks_hold(evaluation):
    _, results, _, _ = evaluation
    names = {c["check"] for c in results["checks"] if c["invariant"]}
    assert {"crossbars_lower_bound", "valid_clusterings", "one_tile_period", "period_at_least_unbound",
            "period_at_least_tile_load", "admission_reanalysis", "passes_match_algorithms"} <= names
    assert all(c["holds"] for c in results["checks"] if c["invariant"]), [
        c for c in results["checks"] if c["invariant"] and not c["holds"]]


def test_admission_equals_reanalysis_through_the_passes(evaluation):
    """--admit binds and orders the graph; --analyze-throughput re-analyses that mapping: both give
    the admission throughput of the evaluation."""
    _, results, _, _ = evaluation
    for r in results["dataflow"]:
        graph = _passes(f"simulate{{steps=100 seed=0}},partition,sdfg,admit{{tiles={r['tiles']} target=paper4}},"
                        "analyze-throughput")
        admitted = graph.attributes["guaranteed_throughput"].value
        reanalysed = graph.attributes["throughput"].value
        assert admitted == pytest.approx(float(Fraction(r["admission_throughput"])), rel=1e-12)
        assert reanalysed == pytest.approx(admitted, rel=1e-12)
        assert r["admission_reanalysed_throughput"] == r["admission_throughput"]


def test_design_flow_through_the_passes(evaluation):
    _, results, _, _ = evaluation
    for r in results["dataflow"]:
        graph = _passes(f"simulate{{steps=100 seed=0}},partition,sdfg,bind{{tiles={r['tiles']} target=paper4}},"
                        "schedule,analyze-throughput")
        assert graph.attributes["period"].value == pytest.approx(float(Fraction(r["design_period"])), rel=1e-12)


def _without_measurements(x):
    """`x` without what is measured (times, run counts, memory, speed-ups) and without the run's meta."""
    if isinstance(x, dict):
        return {k: _without_measurements(v) for k, v in x.items()
                if k != "meta" and not any(m in k for m in ("seconds", "runs", "_mb", "speedup"))}
    if isinstance(x, list):
        return [_without_measurements(v) for v in x]
    return x


def test_a_second_run_gives_the_same_figures(evaluation, tmp_path):
    # docs/evaluation.md: everything but times and memory is deterministic
    _, results, _, _ = evaluation
    proc = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path), "--quick", "--examples", EXAMPLE, "--no-scaling"],
                          capture_output=True, text=True, timeout=300, cwd=REPO, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    again = json.loads((tmp_path / "results.json").read_text())
    assert _without_measurements(again) == _without_measurements(results)
    assert again["dataflow"] and _without_measurements(again["dataflow"][0])["design_period"]
