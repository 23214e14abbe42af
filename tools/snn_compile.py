"""`snn-compile`: a spiking network to a hardware configuration directory in one command.

    snn-compile examples/lenet5.snnir -o lenet5.config
    snn-compile model.nir --dt 1e-4 --target loihi -o model.config --emit-ir model.hw.snnir

Reads an `.snnir` network or a NIR file, runs the standard pipeline through the pass manager
(`tools/compile_pipeline.py`: simulate, partition, sdfg, bind, schedule, analyze-throughput,
emit-hw, with the IR verified after every pass as `snn-opt` does), writes the configuration
directory with the code of `snn-translate --to-config`, and prints a summary
(`tools/compile_summary.py`). docs/compile.md describes every option and field.

Every failure the user can cause is a diagnostic (`file:line:col: error: ...`, or
`snn-compile: error: ...` without a location) and exit status 1, never a traceback.
"""

from __future__ import annotations

import sys
from typing import Any

DESCRIPTION = """\
Compile a spiking neural network (.snnir or NIR) to a hardware configuration directory in one
command: simulate it for spike counts, partition it into crossbars, build the dataflow graph,
bind it to the target's tiles, schedule each tile, analyse the throughput, emit the configuration
and write it as files (manifest.json + .npz arrays, as snn-translate --to-config does). The IR is
verified after every pass. Prints a summary; warnings and errors go to stderr."""

EXAMPLES = """\
examples:
  snn-compile examples/lenet5.snnir -o lenet5.config
      the whole pipeline for the default target (paper4, all of its 4 tiles)
  snn-compile examples/mlp_mnist.snnir -o mlp.config --target loihi --tiles 8 --steps 200 --seed 1
  snn-compile model.nir --dt 1e-4 -o model.config --emit-ir model.hw.snnir
      a NIR file (snnTorch, Norse, ...); keep the final IR to check the configuration:
  snn-sim model.config --compare model.hw.snnir
      spike trains identical to the reference simulator (float weights)

The pipeline it runs is printed in the summary; `snn-opt -p '<pipeline>'` runs the same passes.
docs/compile.md explains every option and every line of the summary."""


def build_arg_parser():  # -> argparse.ArgumentParser
    import argparse

    from snnir import __version__
    from snnir.algorithms.simulate import DEFAULT_STEPS

    class Parser(argparse.ArgumentParser):
        def error(self, message: str) -> Any:  # a usage error is exit status 1, like the tools' other errors
            from snnir.tools.driver import UsageError

            raise UsageError(f"{message} (see snn-compile --help)")

    ap = Parser(
        prog="snn-compile",
        description=DESCRIPTION,
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", metavar="INPUT", help="an .snnir file holding one snn.network, or a NIR file "
                                                   "(.nir/.h5, imported as snn-translate --import-nir does)")
    ap.add_argument("-o", dest="output", metavar="DIR", default=None,
                    help="configuration directory to write (created if needed; default: INPUT's stem + .config "
                         "in the current directory)")
    ap.add_argument("--target", default="paper4", metavar="NAME|FILE",
                    help="a bundled target (paper4, loihi, dynapse, ...; docs/targets.md) or a target JSON file "
                         "(default: paper4)")
    ap.add_argument("--tiles", type=int, default=0, metavar="N", help="bind to the target's first N tiles "
                                                                      "(default: all of them)")
    ap.add_argument("--dt", type=float, default=None, metavar="SECONDS",
                    help="NIR input only: the time step (default: the dt --export-nir recorded in the file, else "
                         "1e-3)")
    ap.add_argument("--steps", type=int, default=None, metavar="N",
                    help=f"time steps simulated for the spike counts (default: {DEFAULT_STEPS}; an input whose "
                         "populations all carry spike_counts is not simulated unless --steps or --seed is given)")
    ap.add_argument("--seed", type=int, default=None, metavar="S", help="seed of the Poisson inputs (default: 0)")
    ap.add_argument("--partitioner", choices=("refined", "greedy", "layer"), default=None,
                    help="crossbar partitioner (default: refined; greedy is faster on very large networks)")
    ap.add_argument("--weight-bits", type=int, default=None, metavar="B",
                    help="weight precision: 0 float weights, B = 1..32 integer levels with a scale per column "
                         "(default: the target's weight_bits, float when it states none)")
    ap.add_argument("--buffer-size", action="store_true",
                    help="also run buffer-size before the analysis: the smallest input buffers reaching the most "
                         "throughput that fits the target's tiles (fails when even the smallest runnable buffers "
                         "overflow them)")
    ap.add_argument("--emit-ir", metavar="FILE", default=None,
                    help="also write the final IR (network, clusters, dataflow graph, hw.config) here, for "
                         "snn-sim DIR --compare FILE")
    ap.add_argument("--timing", action="store_true",
                    help="add each stage's wall time to the summary (the only part that varies between runs)")
    ap.add_argument("--quiet", action="store_true", help="print no summary (diagnostics still go to stderr)")
    ap.add_argument("--version", action="version", version=f"snnir {__version__}")
    return ap


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--version" in argv:
        from snnir import __version__

        print(f"snnir {__version__}")
        return 0
    from snnir.tools.driver import run_tool

    return run_tool("snn-compile", lambda: _main(argv))


def _check_options(args: Any) -> None:
    """The options that need nothing loaded; `--tiles` waits for the target."""
    from snnir.tools.driver import UsageError

    if args.steps is not None and args.steps < 0:
        raise UsageError(f"--steps must be >= 0, got {args.steps}")
    if args.dt is not None and not args.dt > 0:
        raise UsageError(f"--dt must be a positive number of seconds, got {args.dt}")
    if args.weight_bits is not None and not 0 <= args.weight_bits <= 32:
        raise UsageError(f"--weight-bits must be 0 (float weights) or between 1 and 32, got {args.weight_bits}")
    if args.tiles < 0:
        raise UsageError(f"--tiles must be >= 1 (0: all of the target's), got {args.tiles}")


def _load_target(name: str, tiles: int) -> Any:
    """The target (and `--tiles` within it); its error is a diagnostic at the line of a target
    file when there is one, `snn-compile: error: --target: ...` otherwise."""
    from snnir.diagnostics import error
    from snnir.location import UNKNOWN_LOC
    from snnir.pass_manager import PassFailure
    from snnir.passes import hardware
    from snnir.tools.driver import UsageError

    try:
        target = hardware.load(name, UNKNOWN_LOC)
    except PassFailure as e:
        if e.loc == UNKNOWN_LOC:  # an unknown name, an unreadable file: about the option, not the input
            raise UsageError(f"--target: {e}") from None
        raise error(str(e), e.loc) from None
    if tiles > target.tiles:
        raise UsageError(f"--tiles must be between 1 and the target's {target.tiles}, got {tiles}")
    return target


def _diagnostics(path: str) -> Any:
    """Diagnostics to stderr as snn-opt prints them; without a location (a NIR file's nodes), `path: ...`."""
    from snnir.diagnostics import DiagnosticEngine
    from snnir.translation import render_for_file

    class FileDiagnostics(DiagnosticEngine):
        def emit(self, diag: Any) -> None:
            if diag.severity == "error":
                self.error_count += 1
            print(render_for_file(diag, path), file=self.stream)

    return FileDiagnostics()


def _main(argv: list[str]) -> int:
    from snnir.diagnostics import DiagnosticError
    from snnir.tools import compile_input, compile_output

    args = build_arg_parser().parse_args(argv)
    _check_options(args)  # everything the command line alone can get wrong, before any work
    compile_input.check_readable(args.input)
    output = args.output or compile_output.default_directory(args.input)
    compile_output.check_directory(output)
    if args.emit_ir is not None:
        compile_output.check_file(args.emit_ir)
    engine = _diagnostics(args.input)
    try:
        target = _load_target(args.target, args.tiles)
        _compile(args, target, output, engine)
    except DiagnosticError as e:
        engine.emit(e.diagnostic)
        return 1
    return 0


def _compile(args: Any, target: Any, output: str, engine: Any) -> None:
    """Read, run the pipeline, write the files, print the summary (and the timing)."""
    from snnir.context import Context
    from snnir.tools import compile_input, compile_output, compile_pipeline, compile_summary
    from snnir.tools.driver import Timer

    timer = Timer()
    ctx = Context()
    stage = "import-nir" if compile_input.is_nir(args.input) else "parse"
    inp = timer.measure(stage, lambda: compile_input.read(args.input, args.dt, ctx, engine.emit))
    module = inp.module  # type: ignore[attr-defined]
    timer.measure("verify", module.verify)
    network = compile_input.single_network(module)
    facts = None if args.quiet else compile_summary.network_facts(network)  # before decomposition changes it
    simulated = args.steps is not None or args.seed is not None or not compile_input.has_spike_counts(network)
    opts = compile_pipeline.PipelineOptions(
        target=args.target, resolved=target, tiles=args.tiles, simulate=simulated, steps=args.steps,
        seed=args.seed, partitioner=args.partitioner, weight_bits=args.weight_bits, buffer_size=args.buffer_size)
    run = compile_pipeline.run(module, compile_pipeline.pipeline_text(opts), ctx, engine)
    verify_after = {}
    for name, seconds, verify in run.stage_times():
        timer.entries.append((name, seconds))
        verify_after[name] = verify
    op = compile_output.config_op(module)
    bundle = timer.measure("write", op.to_bundle)  # type: ignore[attr-defined]
    files = timer.measure("write", lambda: compile_output.write_configuration(op, output, inp.sha256, bundle))
    if args.emit_ir is not None:
        timer.measure("emit-ir", lambda: compile_output.write_ir(module, args.emit_ir))
    if not args.quiet:
        summary = timer.measure("summary", lambda: compile_summary.build(
            module, bundle, files, output, inp, facts, run, simulated, args.emit_ir))  # type: ignore[arg-type]
        print("\n".join(summary.lines()))  # type: ignore[attr-defined]
    if args.timing:
        merged: dict[str, float] = {}
        for name, seconds in timer.entries:  # "write" is measured in two parts
            merged[name] = merged.get(name, 0.0) + seconds
        print(compile_summary.timing_text([(n, s, verify_after.get(n, 0.0)) for n, s in merged.items()]))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
