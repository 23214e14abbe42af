"""The standard pipeline of `snn-compile` as pass-pipeline text, and running it.

The text is what `snn-opt -p` takes, so the passes, their verification after each one and the
provenance the configuration records are exactly those of the equivalent `snn-opt` run:

    simulate -> partition -> sdfg -> bind -> schedule [-> buffer-size] -> analyze-throughput -> emit-hw

Options follow the target: crossbars of its rows x columns, actors that take its execution
time, binding to its tiles, weights of its precision. Only options that differ from a pass's
defaults are written, so the defaults give `simulate,partition,sdfg,bind,schedule,
analyze-throughput,emit-hw`.
"""

from __future__ import annotations

from dataclasses import dataclass

from snnir.algorithms.target import Target
from snnir.context import Context
from snnir.diagnostics import DiagnosticEngine
from snnir.ir import Operation
from snnir.pass_manager import Pass, PassManager, make_pass, parse_pipeline


@dataclass(frozen=True)
class PipelineOptions:
    """What the command line chooses; None: the pass's default."""

    target: str  # as given: a bundled name or a file (recorded in the pipeline as given)
    resolved: Target
    tiles: int = 0  # 0: all of the target's
    simulate: bool = True
    steps: int | None = None
    seed: int | None = None
    partitioner: str | None = None
    weight_bits: int | None = None  # None: the target's (emit-hw's -1)
    buffer_size: bool = False


def _stage(name: str, **options: object) -> str:
    """`name{k=v ...}` with the options that differ from the pass's defaults (canonical form)."""
    given = " ".join(f"{k}={_quoted(v)}" for k, v in options.items() if v is not None)
    return make_pass(name, given).pipeline_text()


def _quoted(value: object) -> str:
    text = str(value)
    return f"'{text}'" if any(c in text for c in " ,{}'") else text


def pipeline_text(opts: PipelineOptions) -> str:
    """The pipeline for `opts`, in `snn-opt -p` syntax."""
    target = opts.resolved
    exec_time = int(target.exec_time) if float(target.exec_time).is_integer() else None
    stages = []
    if opts.simulate:
        stages.append(_stage("simulate", steps=opts.steps, seed=opts.seed))
    stages.append(_stage("partition", algo=opts.partitioner, rows=target.rows, cols=target.cols))
    stages.append(_stage("sdfg", **{"exec-time": exec_time}))
    stages.append(_stage("bind", target=opts.target, tiles=opts.tiles or None))
    stages.append("schedule")
    if opts.buffer_size:
        stages.append("buffer-size")
    stages.append("analyze-throughput")
    stages.append(_stage("emit-hw", **{"weight-bits": opts.weight_bits}))
    return ",".join(stages)


@dataclass
class PipelineRun:
    """The passes that ran, with the pass manager's wall times and statistics."""

    passes: list[Pass]
    manager: PassManager

    def statistic(self, pass_name: str, name: str) -> int | None:
        for p, stats in self.manager.statistics:
            if p.name == pass_name:
                return stats.get(name)
        return None

    def stage_times(self) -> list[tuple[str, float, float]]:
        """(pass, seconds, seconds verifying the IR after it), in order."""
        rows: list[tuple[str, float, float]] = []
        for name, seconds in self.manager.timings:
            if name == "(verifier)" and rows:
                rows[-1] = (rows[-1][0], rows[-1][1], rows[-1][2] + seconds)
            else:
                rows.append((name, seconds, 0.0))
        return rows


def run(module: Operation, text: str, ctx: Context, engine: DiagnosticEngine) -> PipelineRun:
    """Run the pipeline on the module, verifying after every pass as `snn-opt` does.

    Raises DiagnosticError (with the pass and the location to blame) when a pass fails.
    """
    passes = parse_pipeline(text)
    manager = PassManager(passes, ctx, engine, verify_each=True)
    result = PipelineRun(passes, manager)
    manager.run(module)
    return result
