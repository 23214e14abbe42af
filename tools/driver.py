"""What `snn-opt` and `snn-translate` share: reading input, `// -----` chunks, diagnostics, output.

Every failure the user can cause ends as a diagnostic and exit status 1, never a traceback.
Set SNNIR_DEBUG=1 to see the traceback of an internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from typing import Callable, TextIO

from snnir import __version__
from snnir.context import Context
from snnir.diagnostics import DiagnosticEngine, DiagnosticError
from snnir.ir import Operation
from snnir.location import SourceFile
from snnir.parser import parse_buffer
from snnir.printer import print_operation

SPLIT_MARKER = "// -----"


class UsageError(Exception):
    """A bad command line: printed as `tool: error: ...`, exit status 1."""


def add_common_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("input", nargs="?", default="-", help="input file ('-' or nothing: standard input)")
    ap.add_argument("-o", dest="output", default="-", metavar="FILE", help="output file (default: standard output)")
    ap.add_argument("--split-input-file", action="store_true",
                    help=f"process each chunk between '{SPLIT_MARKER}' lines on its own")
    ap.add_argument("--verify-diagnostics", action="store_true",
                    help="check diagnostics against // expected-error {{...}} comments instead of printing them")
    ap.add_argument("--allow-unregistered-dialect", action="store_true",
                    help="accept ops, attributes and types of dialects snnir does not know (generic form only)")
    ap.add_argument("--print-op-generic", action="store_true", help="print every op in MLIR's generic form")
    ap.add_argument("--mlir-print-debuginfo", action="store_true", help="print each op's location as loc(...)")
    ap.add_argument("--timing", action="store_true", help="print a wall-time report of each stage to stderr")
    ap.add_argument("--version", action="version", version=f"snnir {__version__}")


def read_input(path: str) -> SourceFile:
    if path == "-":
        return SourceFile("<stdin>", sys.stdin.read())
    try:
        with open(path, encoding="utf-8") as f:
            return SourceFile(path, f.read())
    except FileNotFoundError:
        raise UsageError(f"cannot open input file '{path}': no such file") from None
    except IsADirectoryError:
        raise UsageError(f"cannot open input file '{path}': it is a directory") from None
    except UnicodeDecodeError as e:
        raise UsageError(f"input file '{path}' is not UTF-8 text (byte {e.start})") from None
    except OSError as e:
        raise UsageError(f"cannot open input file '{path}': {e.strerror}") from None


def split_chunks(source: SourceFile, split: bool) -> list[SourceFile]:
    """The buffer, or its `// -----` chunks; each chunk keeps its line numbers in the whole file."""
    if not split:
        return [source]
    chunks: list[SourceFile] = []
    lines = source.text.split("\n")
    start = 0
    for i, line in enumerate(lines):
        if line.strip() == SPLIT_MARKER:
            chunks.append(SourceFile(source.name, "\n".join(lines[start:i]), start))
            start = i + 1
    chunks.append(SourceFile(source.name, "\n".join(lines[start:]), start))
    return chunks


def write_output(path: str, text: str) -> None:
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        raise UsageError(f"cannot write output file '{path}': {e.strerror}") from None


class Timer:
    def __init__(self) -> None:
        self.entries: list[tuple[str, float]] = []

    def measure(self, name: str, fn: Callable[[], object]) -> object:
        t0 = time.perf_counter()
        try:
            return fn()
        finally:
            self.entries.append((name, time.perf_counter() - t0))


def process_chunks(args: argparse.Namespace, source: SourceFile,
                   transform: Callable[[Operation, Context, DiagnosticEngine, Timer], str],
                   timer: Timer, read: Callable[[SourceFile, Context], Operation] = parse_buffer) -> bool:
    """Read (parse, or import), verify and transform each chunk; print or verify diagnostics; write the output.

    Returns True when every chunk succeeded (or, with --verify-diagnostics, matched its expectations).
    """
    from snnir.verify_diagnostics import verify

    outputs: list[str] = []
    all_ok = True
    for chunk in split_chunks(source, args.split_input_file):
        engine = DiagnosticEngine(collect=args.verify_diagnostics)
        ctx = Context(allow_unregistered=args.allow_unregistered_dialect)
        text: str | None = None
        try:
            module = timer.measure("Parser", lambda: read(chunk, ctx))
            timer.measure("Verifier", module.verify)  # type: ignore[attr-defined]
            text = transform(module, ctx, engine, timer)  # type: ignore[arg-type]
        except DiagnosticError as e:
            engine.emit(e.diagnostic)
        except RecursionError:  # printing or verifying attributes nested hundreds of levels deep
            from snnir.diagnostics import error
            from snnir.location import SourcePos

            engine.emit(error("the IR is nested too deeply to process", SourcePos(chunk, 0)).diagnostic)
        if args.verify_diagnostics:
            problems = verify(engine.collected, chunk)
            for p in problems:
                print(p, file=sys.stderr)
            if problems:
                all_ok = False
        elif engine.error_count:
            all_ok = False
        if text is not None:
            outputs.append(text)
    joiner = SPLIT_MARKER + "\n"
    write_output(args.output, joiner.join(outputs))
    return all_ok


def print_module(module: Operation, args: argparse.Namespace, timer: Timer) -> str:
    return timer.measure("Output", lambda: print_operation(
        module, generic=args.print_op_generic, debuginfo=args.mlir_print_debuginfo))  # type: ignore[return-value]


def run_tool(tool: str, body: Callable[[], int]) -> int:
    """Run a tool's main body: usage errors and internal errors become messages and exit codes."""
    try:
        return body()
    except UsageError as e:
        print(f"{tool}: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        try:
            sys.stdout.close()
        except Exception:
            pass
        return 1
    except Exception as e:  # a bug in snnir, not in the input
        if os.environ.get("SNNIR_DEBUG"):
            traceback.print_exc()
        print(f"{tool}: internal error: {type(e).__name__}: {e} (this is a bug in snnir; "
              "rerun with SNNIR_DEBUG=1 for the traceback and report it)", file=sys.stderr)
        return 2


def print_timings(entries: list[tuple[str, float]], stream: TextIO) -> None:
    from snnir.pass_manager import format_timings

    print(format_timings(entries), file=stream)
