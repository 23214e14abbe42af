#!/usr/bin/env python3
"""Parser and printer benchmarks for snnir, with xDSL as a reference point.

Measures, on generated generic-form MLIR:

1. parse / print throughput of snnir at several sizes, the same text parsed
   by xDSL in-process and by ``xdsl-opt``, and peak memory growth of an
   snnir parse (measured in a child process);
2. parse / print time of a module carrying a large ``dense_resource`` blob;
3. start-up time of ``snn-opt --version``.

It ends with a PASS/FAIL summary against the project targets. Missed targets
are reported, not fatal; the exit status is non-zero only when snnir fails to
parse, fails to import, or its printed output does not reparse to itself.

Example::

    python bench/bench_parser.py --sizes 10000,100000 --repeats 3
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

REPO_ROOT = Path(__file__).resolve().parent.parent
# Fall back to the source tree when snnir is not installed (an installed or
# editable copy, earlier on sys.path, takes precedence).
if str(REPO_ROOT) not in sys.path:
    sys.path.append(str(REPO_ROOT))

# Targets checked in the summary.
TARGET_TOKENS_PER_S = 400_000
TARGET_SPEEDUP = 2.0
TARGET_BLOB_S = 1.0
TARGET_STARTUP_S = 0.3
TARGET_MEM_RATIO = 1.5


# --------------------------------------------------------------------------
# Input generation
# --------------------------------------------------------------------------

VALUE_TYPES = ("i32", "i64", "f32", "f64", "i8", "i1", "f16", "i16")
WORDS = ("conv", "relu", "pool", "fc", "spike", "leak", "soma", "axon",
         "dendrite", "synapse", "layer.0", "layer_1/w", "thr v2", "a\\\"b")
OP_KINDS = ("source", "constant", "binary", "unary", "call", "sink", "store")
OP_WEIGHTS = (12, 10, 26, 20, 10, 10, 12)
RECENT = 32  # operands are drawn from the last RECENT defined values


class ModuleGenerator:
    """Deterministic generator of a generic-form module of N op lines."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.values: list[tuple[str, str]] = []  # (name, type)
        self.next_id = 0

    # -- attribute snippets ------------------------------------------------
    def int_attr(self) -> str:
        """A typed integer attribute such as ``-7 : i32``."""
        return f"{self.rng.randint(-1000, 100000)} : {self.rng.choice(('i64', 'i32'))}"

    def float_attr(self) -> str:
        """An f64 float attribute, always spelled with a '.'."""
        value = self.rng.uniform(-100.0, 100.0)
        if self.rng.random() < 0.25:
            return f"{value:.6e} : f64"
        return f"{value:.3f} : f64"

    def string_attr(self) -> str:
        """A string attribute, sometimes with spaces or an escaped quote."""
        return f'"{self.rng.choice(WORDS)}"'

    def bool_attr(self) -> str:
        """``true`` or ``false``."""
        return self.rng.choice(("true", "false"))

    def array_attr(self) -> str:
        """An array of untyped ints, of strings, of arrays, or empty."""
        pick = self.rng.random()
        if pick < 0.55:
            return "[" + ", ".join(str(self.rng.randint(0, 512))
                                   for _ in range(self.rng.randint(1, 4))) + "]"
        if pick < 0.85:
            return "[" + ", ".join(self.string_attr()
                                   for _ in range(self.rng.randint(1, 3))) + "]"
        if pick < 0.95:
            return "[[1, 2], [" + str(self.rng.randint(0, 9)) + "]]"
        return "[]"

    def fn_type(self) -> str:
        """A function type usable as an attribute value."""
        ins = ", ".join(self.rng.choice(VALUE_TYPES) for _ in range(self.rng.randint(0, 3)))
        return f"({ins}) -> {self.rng.choice(VALUE_TYPES)}"

    # -- values ------------------------------------------------------------
    def new_value(self, type_: str) -> str:
        """Define a fresh SSA value of the given type and return its name."""
        name = f"%{self.next_id}"
        self.next_id += 1
        self.values.append((name, type_))
        return name

    def operand(self, type_: str | None = None) -> tuple[str, str]:
        """Pick a recently defined value, preferring the requested type."""
        recent = self.values[-RECENT:]
        if type_ is not None:
            same = [v for v in recent if v[1] == type_]
            if same:
                return self.rng.choice(same)
        return self.rng.choice(recent)

    # -- ops ---------------------------------------------------------------
    def op_line(self) -> str:
        """One op, without indentation or newline."""
        kind = "source" if not self.values else self.rng.choices(OP_KINDS, OP_WEIGHTS)[0]
        return getattr(self, f"op_{kind}")()

    def op_source(self) -> str:
        """A zero-operand op with an attribute dictionary."""
        type_ = self.rng.choice(VALUE_TYPES)
        res = self.new_value(type_)
        return (f'{res} = "bench.source"() {{value = {self.int_attr()}, '
                f'name = {self.string_attr()}}} : () -> {type_}')

    def op_constant(self) -> str:
        """A zero-operand op with a float property."""
        type_ = self.rng.choice(("f32", "f64", "f16"))
        res = self.new_value(type_)
        return f'{res} = "bench.constant"() <{{value = {self.float_attr()}}}> : () -> {type_}'

    def op_binary(self) -> str:
        """A two-operand op with a bool property."""
        lhs, type_ = self.operand()
        rhs, _ = self.operand(type_)
        name = self.rng.choice(("bench.add", "bench.mul", "bench.sub", "bench.max"))
        res = self.new_value(type_)
        return (f'{res} = "{name}"({lhs}, {rhs}) <{{flag = {self.bool_attr()}}}> '
                f': ({type_}, {type_}) -> {type_}')

    def op_unary(self) -> str:
        """A one-operand op with float and array attributes."""
        arg, type_ = self.operand()
        out = self.rng.choice(VALUE_TYPES)
        res = self.new_value(out)
        return (f'{res} = "bench.scale"({arg}) {{factor = {self.float_attr()}, '
                f'dims = {self.array_attr()}}} : ({type_}) -> {out}')

    def op_call(self) -> str:
        """A variadic op with string, function-type, array and int attributes."""
        args = [self.operand() for _ in range(self.rng.randint(1, 4))]
        out = self.rng.choice(VALUE_TYPES)
        res = self.new_value(out)
        names = ", ".join(a[0] for a in args)
        types = ", ".join(a[1] for a in args)
        return (f'{res} = "bench.call"({names}) {{callee = "fn_{self.rng.randint(0, 999)}", '
                f'sig = {self.fn_type()}, tags = {self.array_attr()}, '
                f'count = {self.int_attr()}}} : ({types}) -> {out}')

    def op_sink(self) -> str:
        """A one-operand op with no results."""
        arg, type_ = self.operand()
        return f'"bench.sink"({arg}) : ({type_}) -> ()'

    def op_store(self) -> str:
        """A zero-result op with both properties and attributes."""
        val, vt = self.operand()
        ptr, pt = self.operand()
        return (f'"bench.store"({val}, {ptr}) <{{offset = {self.int_attr()}, '
                f'volatile = {self.bool_attr()}}}> {{note = {self.string_attr()}, '
                f'ok = {self.bool_attr()}}} : ({vt}, {pt}) -> ()')

    def module(self, n_lines: int) -> str:
        """A ``builtin.module`` in generic form holding ``n_lines`` ops."""
        lines = ['"builtin.module"() ({']
        lines.extend("  " + self.op_line() for _ in range(n_lines))
        lines.append("}) : () -> ()")
        return "\n".join(lines) + "\n"


def generate_module(n_lines: int, seed: int) -> str:
    """Generate the benchmark module for one size."""
    return ModuleGenerator(seed + n_lines).module(n_lines)


def blob_module(mb: float, seed: int) -> tuple[str, str, int]:
    """A module with one ``dense_resource`` float32 attribute of ``mb`` MiB.

    Returns the text, the hex payload (alignment prefix plus data) and the
    element count.
    """
    import numpy as np

    count = int(mb * 2**20) // 4
    data = np.random.default_rng(seed).standard_normal(count, dtype=np.float32)
    payload = "0x04000000" + data.tobytes().hex().upper()
    text = (
        '"builtin.module"() ({\n'
        f'  "bench.weights"() {{w = dense_resource<blob0> : tensor<{count}xf32>}} : () -> ()\n'
        "}) : () -> ()\n"
        "\n{-#\n  dialect_resources: {\n    builtin: {\n"
        f'      blob0: "{payload}"\n'
        "    }\n  }\n#-}\n"
    )
    return text, payload, count


# --------------------------------------------------------------------------
# Independent token count
# --------------------------------------------------------------------------

_TOKEN = (r'"(?:[^"\\\n]|\\.)*"'            # string literal
          r"|[%^#!@][A-Za-z0-9_$.\-]+"      # %ssa, ^block, #attr, !type, @sym
          r"|0x[0-9A-Fa-f]+"                # hex literal
          r"|[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?"  # number
          r"|[A-Za-z_][A-Za-z0-9_$.]*"      # bare identifier / keyword / type
          r"|->|\{-#|#-\}"                  # multi-char punctuation
          r"|[(){}<>\[\],:=?*+\-]")         # single-char punctuation
TOKEN_RE = re.compile(_TOKEN)
TOKEN_OR_SPACE_RE = re.compile(_TOKEN + r"|\s+")
TOKEN_CHUNK_LINES = 20_000


def count_tokens(text: str) -> int:
    """Count MLIR tokens; raise ValueError on characters no rule covers."""
    lines = text.split("\n")
    total = 0
    for start in range(0, len(lines), TOKEN_CHUNK_LINES):
        chunk = "\n".join(lines[start:start + TOKEN_CHUNK_LINES])
        total += len(TOKEN_RE.findall(chunk))
        leftover = TOKEN_OR_SPACE_RE.sub("", chunk)
        if leftover:
            raise ValueError(f"untokenizable input near {leftover[:40]!r}")
    return total


# --------------------------------------------------------------------------
# Timing helpers
# --------------------------------------------------------------------------

def median(values: list[float]) -> float:
    """Median of a non-empty list."""
    return statistics.median(values)


def time_repeated(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median wall time of ``fn()`` over ``repeats`` runs, and its last result."""
    times: list[float] = []
    result: Any = None
    for _ in range(repeats):
        result = None
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return median(times), result


def time_command(cmd: list[str], repeats: int) -> float:
    """Median wall time of a subprocess; raise if it exits non-zero."""
    times: list[float] = []
    for _ in range(repeats):
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True, check=False)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: "
                               f"{proc.stderr.strip()[-500:]}")
    return median(times)


# --------------------------------------------------------------------------
# snnir and xDSL adapters
# --------------------------------------------------------------------------

class Snnir:
    """Thin wrapper around the snnir parser and printer."""

    def __init__(self) -> None:
        from snnir.context import Context
        from snnir.parser import parse_source
        from snnir.printer import print_operation

        self._context = Context
        self._parse = parse_source
        self._print = print_operation

    def parse(self, text: str) -> Any:
        """Parse ``text`` into a module with unregistered ops allowed."""
        return self._parse(text, "<bench>", self._context(allow_unregistered=True))

    def print(self, module: Any) -> str:
        """Print ``module`` in generic form."""
        return self._print(module, generic=True)


def load_snnir() -> tuple[Snnir | None, str]:
    """Import snnir, returning (adapter, "") or (None, reason)."""
    try:
        return Snnir(), ""
    except Exception as exc:  # any import-time failure is reported, not raised
        return None, f"{type(exc).__name__}: {exc}"


def xdsl_parse(text: str) -> Any:
    """Parse ``text`` with xDSL (builtin dialect loaded, others unregistered)."""
    from xdsl.context import Context as XContext
    from xdsl.dialects.builtin import Builtin
    from xdsl.parser import Parser

    ctx = XContext(allow_unregistered=True)
    ctx.load_dialect(Builtin)
    return Parser(ctx, text, "<bench>").parse_module()


def xdsl_generic(text: str) -> str:
    """xDSL's generic printing of ``text`` (a normal form for comparisons)."""
    import io

    from xdsl.printer import Printer

    out = io.StringIO()
    Printer(stream=out, print_generic_format=True).print_op(xdsl_parse(text))
    return out.getvalue()


def cross_check(snnir: Snnir, text: str) -> str | None:
    """Check that snnir's printed text means the same to xDSL as the input."""
    try:
        expected = xdsl_generic(text)
        actual = xdsl_generic(snnir.print(snnir.parse(text)))
    except Exception as exc:
        return f"xDSL cross-check failed to run: {type(exc).__name__}: {exc}"
    if expected != actual:
        return ("xDSL reads snnir's output differently from the input at "
                + first_difference(expected, actual))
    return None


def xdsl_opt_cmd(path: Path) -> list[str] | None:
    """Command line running ``xdsl-opt`` on ``path``, or None if not installed."""
    exe = shutil.which("xdsl-opt")
    if exe is None:
        return None
    return [exe, "--allow-unregistered-dialect", str(path), "-o", os.devnull]


# --------------------------------------------------------------------------
# Memory (child process)
# --------------------------------------------------------------------------

MEM_CHILD = r"""
import gc, json, resource, sys
sys.path.append(sys.argv[1])
mode, path = sys.argv[2], sys.argv[3]
if mode == "snnir":
    from snnir.context import Context
    from snnir.parser import parse_source
    parse = lambda t: parse_source(t, "<bench>", Context(allow_unregistered=True))
else:
    from xdsl.context import Context
    from xdsl.dialects.builtin import Builtin
    from xdsl.parser import Parser
    def parse(t):
        ctx = Context(allow_unregistered=True)
        ctx.load_dialect(Builtin)
        return Parser(ctx, t, "<bench>").parse_module()

def status_kb(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return None

with open(path, encoding="utf-8") as f:
    text = f.read()
# Warm up on the first ops so lazy imports and caches are not counted.
head = text.split("\n", 201)
if len(head) > 201:
    parse("\n".join(head[:201]) + "\n}) : () -> ()\n")
del head
gc.collect()
try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the peak-RSS watermark to the current RSS
    method = "VmHWM"
except OSError:
    method = "ru_maxrss"
before = status_kb("VmRSS")
if before is None:
    method = "ru_maxrss"
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
module = parse(text)
peak = status_kb("VmHWM") if method == "VmHWM" else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"before_kb": before, "peak_kb": peak, "method": method}))
"""


def peak_parse_mb(mode: str, path: Path) -> float:
    """Peak RSS growth (MB) of one parse of ``path`` in a fresh child process."""
    # Run from the input's directory so the child's working directory cannot
    # shadow the snnir the parent imported.
    proc = subprocess.run([sys.executable, "-c", MEM_CHILD, str(REPO_ROOT), mode, str(path)],
                          capture_output=True, text=True, check=False, cwd=path.parent)
    if proc.returncode != 0:
        raise RuntimeError(f"memory child ({mode}) failed: {proc.stderr.strip()[-500:]}")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    return max(0, report["peak_kb"] - report["before_kb"]) / 1024.0


# --------------------------------------------------------------------------
# Benchmarks
# --------------------------------------------------------------------------

@dataclass
class SizeResult:
    """Figures for one generated module size."""

    size: int
    lines: int = 0
    tokens: int = 0
    parse_s: float | None = None
    print_s: float | None = None
    xdsl_s: float | None = None
    xdsl_opt_s: float | None = None
    peak_mb: float | None = None
    xdsl_peak_mb: float | None = None
    notes: list[str] = field(default_factory=list)
    failed: bool = False

    @property
    def tokens_per_s(self) -> float | None:
        """Independent tokens per snnir parse second."""
        return self.tokens / self.parse_s if self.parse_s else None

    @property
    def print_ratio(self) -> float | None:
        """snnir print time over parse time."""
        return self.print_s / self.parse_s if self.parse_s and self.print_s else None

    @property
    def speedup(self) -> float | None:
        """xDSL parse time over snnir parse time."""
        return self.xdsl_s / self.parse_s if self.parse_s and self.xdsl_s else None

    @property
    def mb_per_1e5(self) -> float | None:
        """Peak parse memory scaled to 10^5 lines."""
        return self.peak_mb * 1e5 / self.size if self.peak_mb is not None else None


def first_difference(a: str, b: str) -> str:
    """Describe the first differing line of two texts."""
    la, lb = a.splitlines(), b.splitlines()
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return f"line {i + 1}:\n      {x[:200]}\n   vs {y[:200]}"
    return f"line counts differ: {len(la)} vs {len(lb)}"


def check_fixed_point(snnir: Snnir, printed: str) -> str | None:
    """Reparse printed text; return a description if it does not print back the same."""
    try:
        again = snnir.print(snnir.parse(printed))
    except Exception as exc:
        return f"reparse of printed text failed: {type(exc).__name__}: {exc}"
    if again != printed:
        return "print(parse(printed)) != printed at " + first_difference(printed, again)
    return None


def bench_snnir_size(snnir: Snnir, text: str, res: SizeResult, repeats: int) -> None:
    """snnir parse/print timing and the reparse fixed-point check."""
    try:
        res.parse_s, module = time_repeated(lambda: snnir.parse(text), repeats)
    except Exception as exc:
        res.failed = True
        res.notes.append(f"snnir parse failed: {type(exc).__name__}: {exc}")
        return
    res.print_s, printed = time_repeated(lambda: snnir.print(module), repeats)
    del module
    problem = check_fixed_point(snnir, printed)
    if problem:
        res.failed = True
        res.notes.append(problem)
    if printed != text:
        res.notes.append("info: printed text differs from the input at "
                         + first_difference(text, printed))


def bench_xdsl_size(path: Path, text: str, res: SizeResult, repeats: int) -> None:
    """xDSL in-process parse, xdsl-opt wall time and xDSL parse memory."""
    try:
        res.xdsl_s, _ = time_repeated(lambda: xdsl_parse(text), repeats)
        res.xdsl_peak_mb = peak_parse_mb("xdsl", path)
    except Exception as exc:
        res.notes.append(f"xDSL parse failed: {type(exc).__name__}: {exc}")
    cmd = xdsl_opt_cmd(path)
    if cmd is None:
        res.notes.append("xdsl-opt not found on PATH")
        return
    try:
        res.xdsl_opt_s = time_command(cmd, repeats)
    except RuntimeError as exc:
        res.notes.append(str(exc))


def warm_up(snnir: Snnir | None, with_xdsl: bool) -> None:
    """Parse and print a small module once so lazy imports are not timed."""
    text = generate_module(200, 0)
    if snnir is not None:
        try:
            snnir.print(snnir.parse(text))
        except Exception:
            pass  # reported by the timed runs
    if with_xdsl:
        try:
            xdsl_parse(text)
        except Exception:
            pass


def bench_size(size: int, args: argparse.Namespace, workdir: Path,
               snnir: Snnir | None) -> SizeResult:
    """All figures for one module size."""
    res = SizeResult(size)
    log(f"[{size}] generating")
    text = generate_module(size, args.seed)
    path = workdir / f"ops_{size}.mlir"
    path.write_text(text, encoding="utf-8")
    res.lines = text.count("\n")
    res.tokens = count_tokens(text)
    if snnir is not None:
        log(f"[{size}] snnir parse/print")
        bench_snnir_size(snnir, text, res, args.repeats)
        if not res.failed:
            log(f"[{size}] snnir memory")
            try:
                res.peak_mb = peak_parse_mb("snnir", path)
            except RuntimeError as exc:
                res.notes.append(str(exc))
    if not args.skip_xdsl and size <= args.xdsl_max:
        log(f"[{size}] xDSL")
        bench_xdsl_size(path, text, res, args.xdsl_repeats)
        if snnir is not None and not res.failed and size == min(args.sizes):
            log(f"[{size}] xDSL cross-check")
            problem = cross_check(snnir, text)
            res.notes.append(problem or "xDSL cross-check: snnir's printed text reads "
                             "the same as the input")
    return res


@dataclass
class BlobResult:
    """Figures for the dense_resource blob module."""

    mb: float
    chars: int = 0
    parse_s: float | None = None
    print_s: float | None = None
    notes: list[str] = field(default_factory=list)
    failed: bool = False


def bench_blob(snnir: Snnir, mb: float, repeats: int, seed: int) -> BlobResult:
    """Parse/print timing of a module with one large resource blob."""
    res = BlobResult(mb)
    text, payload, _ = blob_module(mb, seed)
    res.chars = len(text)
    try:
        res.parse_s, module = time_repeated(lambda: snnir.parse(text), repeats)
        res.print_s, printed = time_repeated(lambda: snnir.print(module), repeats)
    except Exception as exc:
        res.failed = True
        res.notes.append(f"blob parse/print failed: {type(exc).__name__}: {exc}")
        return res
    del module
    if payload not in printed and payload.lower() not in printed:
        res.failed = True
        res.notes.append("printed text does not contain the blob payload")
    problem = check_fixed_point(snnir, printed)
    if problem:
        res.failed = True
        res.notes.append(problem[:400])
    return res


def bench_startup(runs: int) -> tuple[float | None, float, str]:
    """Median wall time of ``snn-opt --version`` and of ``python -c pass``."""
    baseline = time_command([sys.executable, "-c", "pass"], runs)
    exe = shutil.which("snn-opt")
    if exe is None:
        return None, baseline, "snn-opt not found on PATH"
    try:
        return time_command([exe, "--version"], runs), baseline, ""
    except RuntimeError as exc:
        return None, baseline, str(exc)


# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------

def log(msg: str) -> None:
    """Progress message on stderr."""
    print(msg, file=sys.stderr, flush=True)


def source_revision() -> str:
    """Git commit of the source tree, marked when it has local changes."""
    def git(*cmd: str) -> str:
        return subprocess.run(["git", "-C", str(REPO_ROOT), *cmd], capture_output=True,
                              text=True, check=False).stdout.strip()
    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "unknown revision"
    dirty = git("status", "--porcelain", "--", "snnir")
    return commit + (" + uncommitted changes in snnir/" if dirty else "")


def machine_info() -> dict[str, str]:
    """CPU model, core count, memory and interpreter versions."""
    from machine import cpu_model, memory  # bench/machine.py, beside this script

    cpu, mem = cpu_model(), memory()
    try:
        from importlib.metadata import version
        xdsl_version = version("xdsl")
    except Exception:
        xdsl_version = "not installed"
    return {
        "snnir": source_revision(),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": mem,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "xdsl": xdsl_version,
    }


def fmt(value: float | int | None, spec: str, missing: str = "-") -> str:
    """Format a number, or ``missing`` when it is None."""
    return missing if value is None else format(value, spec)


COLUMNS = ("size", "lines", "tokens", "parse s", "tok/s", "print s", "print/parse",
           "xDSL s", "speedup", "xdsl-opt s", "peak MB", "MB/1e5 ln", "xDSL MB")


def size_row(r: SizeResult, xdsl_ran: bool) -> list[str]:
    """Table cells for one size."""
    x = "skipped" if not xdsl_ran else "-"
    parse_missing = "error" if r.failed and r.parse_s is None else "-"
    return [str(r.size), str(r.lines), str(r.tokens),
            fmt(r.parse_s, ".3f", parse_missing), fmt(r.tokens_per_s, ",.0f"),
            fmt(r.print_s, ".3f"), fmt(r.print_ratio, ".2f"),
            fmt(r.xdsl_s, ".3f", x), fmt(r.speedup, ".2f", x),
            fmt(r.xdsl_opt_s, ".3f", x),
            fmt(r.peak_mb, ".1f"), fmt(r.mb_per_1e5, ".1f"), fmt(r.xdsl_peak_mb, ".1f", x)]


def print_table(rows: list[list[str]], header: tuple[str, ...]) -> None:
    """Print right-aligned columns."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths)))


def verdict(ok: bool | None) -> str:
    """PASS / FAIL / n/a."""
    return "n/a " if ok is None else ("PASS" if ok else "FAIL")


def summary(results: list[SizeResult], blob: BlobResult | None,
            startup: float | None) -> list[tuple[str, bool | None, str]]:
    """Evaluate the targets; each entry is (name, passed-or-None, detail)."""
    checks: list[tuple[str, bool | None, str]] = []
    for r in results:
        tps = r.tokens_per_s
        checks.append((f"tokens/s >= {TARGET_TOKENS_PER_S:,} @ {r.size}",
                       None if tps is None else tps >= TARGET_TOKENS_PER_S,
                       fmt(tps, ",.0f")))
    for r in results:
        checks.append((f"speedup vs xDSL >= {TARGET_SPEEDUP:g}x @ {r.size}",
                       None if r.speedup is None else r.speedup >= TARGET_SPEEDUP,
                       fmt(r.speedup, ".2f")))
    for r in results:
        ratio = r.print_ratio
        checks.append((f"print <= parse @ {r.size}",
                       None if ratio is None else ratio <= 1.0, fmt(ratio, ".2f")))
    if blob is not None:
        for name, value in (("parse", blob.parse_s), ("print", blob.print_s)):
            checks.append((f"blob {blob.mb:g} MB {name} < {TARGET_BLOB_S:g} s",
                           None if value is None else value < TARGET_BLOB_S,
                           fmt(value, ".3f")))
    checks.append((f"snn-opt --version < {TARGET_STARTUP_S:g} s",
                   None if startup is None else startup < TARGET_STARTUP_S,
                   fmt(startup, ".3f")))
    mem = [r for r in results if r.mb_per_1e5]
    if len(mem) >= 2:
        lo, hi = min(mem, key=lambda r: r.size), max(mem, key=lambda r: r.size)
        ratio = hi.mb_per_1e5 / lo.mb_per_1e5
        checks.append((f"memory per line within {TARGET_MEM_RATIO:g}x ({lo.size} vs {hi.size})",
                       max(ratio, 1 / ratio) <= TARGET_MEM_RATIO, f"{ratio:.2f}"))
    else:
        checks.append(("memory per line roughly constant", None, "needs two sizes"))
    return checks


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(
        description="Benchmark the snnir parser and printer (with xDSL as reference).")
    p.add_argument("--sizes", default="10000,100000,1000000",
                   help="comma-separated op-line counts (default: %(default)s)")
    p.add_argument("--repeats", type=int, default=3,
                   help="timed runs per figure; medians are reported (default: %(default)s)")
    p.add_argument("--skip-xdsl", action="store_true", help="do not run xDSL at all")
    p.add_argument("--xdsl-max", type=int, default=None,
                   help="run xDSL only on sizes <= N (default: all sizes)")
    p.add_argument("--xdsl-repeats", type=int, default=None,
                   help="timed xDSL runs per figure (default: --repeats)")
    p.add_argument("--blob-mb", type=float, default=100,
                   help="size of the dense_resource blob in MiB, 0 to skip (default: %(default)s)")
    p.add_argument("--startup-runs", type=int, default=10,
                   help="runs of `snn-opt --version` (default: %(default)s)")
    p.add_argument("--seed", type=int, default=1234, help="generator seed (default: %(default)s)")
    p.add_argument("--keep", metavar="DIR", default=None,
                   help="write the generated .mlir files to DIR and keep them")
    args = p.parse_args(argv)
    try:
        args.sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        p.error("--sizes must be a comma-separated list of integers")
    if not args.sizes or min(args.sizes) <= 0 or args.repeats < 1:
        p.error("sizes and --repeats must be positive")
    if args.xdsl_max is None:
        args.xdsl_max = max(args.sizes)
    if args.xdsl_repeats is None:
        args.xdsl_repeats = args.repeats
    if args.xdsl_repeats < 1:
        p.error("--xdsl-repeats must be positive")
    return args


def run_sizes(args: argparse.Namespace, snnir: Snnir | None) -> list[SizeResult]:
    """Benchmark every size, in a kept or temporary directory."""
    if args.keep:
        workdir = Path(args.keep)
        workdir.mkdir(parents=True, exist_ok=True)
        return [bench_size(n, args, workdir, snnir) for n in args.sizes]
    with tempfile.TemporaryDirectory(prefix="snnir-bench-") as tmp:
        return [bench_size(n, args, Path(tmp), snnir) for n in args.sizes]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print the report; return the exit status."""
    args = parse_args(argv)
    snnir, import_error = load_snnir()

    print("== setup")
    for key, value in machine_info().items():
        print(f"  {key:9s} {value}")
    print(f"  command   {' '.join([Path(sys.argv[0]).name] + sys.argv[1:])}")
    print(f"  repeats   {args.repeats} snnir, {args.xdsl_repeats} xDSL (medians reported)")
    if snnir is None:
        print(f"\n!! snnir is not importable ({import_error}); "
              "snnir figures are skipped and the run will exit 1.")

    warm_up(snnir, not args.skip_xdsl)
    results = run_sizes(args, snnir)
    print("\n== generic-form modules")
    print_table([size_row(r, not args.skip_xdsl and r.size <= args.xdsl_max)
                 for r in results], COLUMNS)
    print("  xdsl-opt s: whole `xdsl-opt --allow-unregistered-dialect` run "
          "(start-up, parse, verify, print to /dev/null)")
    for r in results:
        for note in r.notes:
            print(f"  [{r.size}] {note}")

    blob = None
    if snnir is not None and args.blob_mb > 0:
        log("blob")
        blob = bench_blob(snnir, args.blob_mb, args.repeats, args.seed)
        print(f"\n== dense_resource blob ({blob.mb:g} MiB float32, {blob.chars:,} chars)")
        print(f"  parse s  {fmt(blob.parse_s, '.3f', 'error')}")
        print(f"  print s  {fmt(blob.print_s, '.3f', 'error')}")
        for note in blob.notes:
            print(f"  {note}")

    log("start-up")
    startup, baseline, startup_note = bench_startup(args.startup_runs)
    print(f"\n== start-up (median of {args.startup_runs})")
    print(f"  snn-opt --version s  {fmt(startup, '.3f', 'n/a')}  {startup_note}")
    print(f"  python -c pass s     {baseline:.3f}  (interpreter floor)")

    print("\n== targets")
    for name, ok, detail in summary(results, blob, startup):
        print(f"  {verdict(ok)}  {name:48s} {detail}")

    check_failed = any(r.failed for r in results) or (blob is not None and blob.failed)
    if check_failed:
        print("\n!! snnir parse or reparse check failed (see notes above)")
    if snnir is None:
        print(f"\n!! snnir not importable: {import_error}")
    return 1 if check_failed or snnir is None else 0


if __name__ == "__main__":
    sys.exit(main())
