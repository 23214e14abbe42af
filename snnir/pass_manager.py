"""Passes, their registry, textual pipelines, and the pass manager.

A pass is a frozen dataclass whose fields are its options:

    @dataclass(frozen=True)
    class StripDebugInfo(Pass):
        name = "strip-debuginfo"
        description = "Replace every location with loc(unknown)"
        statistics = {"stripped": "locations replaced"}
        def apply(self, module, ctx): ...

Defining the class registers it. Passes that ship with snnir live one module per pass in
`snnir.passes`; other packages add theirs through the entry-point group `snnir.passes`.
The pass manager verifies the IR after every pass.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import pkgutil
import time
import typing
from dataclasses import dataclass, field
from typing import Any, ClassVar, TextIO

from snnir.context import Context, discovered, load_object
from snnir.diagnostics import DiagnosticEngine, DiagnosticError, error
from snnir.ir import Operation
from snnir.location import Location, UNKNOWN_LOC

_REGISTRY: dict[str, type["Pass"]] = {}


class PassFailure(Exception):
    """Raised by a pass that cannot do its job; carries the location to blame."""

    def __init__(self, message: str, loc: Location = UNKNOWN_LOC) -> None:
        super().__init__(message)
        self.loc = loc


@dataclass
class PassContext:
    """What a running pass may use: the context, a diagnostics sink and its statistics."""

    context: Context
    diagnostics: DiagnosticEngine
    stats: dict[str, int] = field(default_factory=dict)
    pipeline: str = ""  # the passes run so far, this one included, in `-p` syntax (for provenance records)

    def bump(self, stat: str, n: int = 1) -> None:
        self.stats[stat] = self.stats.get(stat, 0) + n

    def warning(self, message: str, loc: Location = UNKNOWN_LOC) -> None:
        self.diagnostics.warning(message, loc)

    def remark(self, message: str, loc: Location = UNKNOWN_LOC) -> None:
        self.diagnostics.remark(message, loc)


@dataclass(frozen=True)
class Pass:
    """Base class of passes. Subclass as a frozen dataclass; fields are options."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    statistics: ClassVar[dict[str, str]] = {}
    # Driver flags that set an option of this pass wherever it is in the pipeline, e.g.
    # {"partition-report": "report"} makes `--partition-report=FILE` set `report`.
    option_flags: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name")
        if name:
            existing = _REGISTRY.get(name)
            if existing is not None and existing.__qualname__ != cls.__qualname__:
                raise TypeError(f"pass name '{name}' is taken by {existing.__module__}.{existing.__qualname__}")
            _REGISTRY[name] = cls

    def apply(self, module: Operation, ctx: PassContext) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def options(cls) -> list["OptionInfo"]:
        """The declared options: name, type, default and help text (from field metadata)."""
        if not dataclasses.is_dataclass(cls):
            return []
        hints = typing.get_type_hints(cls)
        out = []
        for f in dataclasses.fields(cls):
            default = f.default if f.default is not dataclasses.MISSING else (
                f.default_factory() if f.default_factory is not dataclasses.MISSING else None)  # type: ignore[misc]
            out.append(OptionInfo(option_name(f.name), f.name, hints[f.name], default, f.metadata.get("help", "")))
        return out

    def pipeline_text(self) -> str:
        """This pass with its non-default options, in `-p` syntax."""
        parts = []
        for o in self.options():
            value = getattr(self, o.field)
            if value != o.default:
                parts.append(f"{o.name}={format_option_value(value)}")
        return self.name + ("{" + " ".join(parts) + "}" if parts else "")


def option(default: Any, help: str = "") -> Any:
    """A pass option with a help text: `rows: int = option(128, "crossbar rows")`."""
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata={"help": help})
    return field(default=default, metadata={"help": help})


def option_name(field_name: str) -> str:
    return field_name.replace("_", "-")


@dataclass
class OptionInfo:
    name: str
    field: str
    type: Any
    default: Any
    help: str

    def type_name(self) -> str:
        return _type_name(self.type)


def _type_name(t: Any) -> str:
    origin = typing.get_origin(t)
    if origin is list:
        return f"list of {_type_name(typing.get_args(t)[0])}"
    if origin is typing.Union or origin is getattr(__import__("types"), "UnionType", None):
        args = [a for a in typing.get_args(t) if a is not type(None)]
        return _type_name(args[0]) if len(args) == 1 else " or ".join(_type_name(a) for a in args)
    if origin is typing.Literal:
        return "one of " + ", ".join(str(a) for a in typing.get_args(t))
    return {int: "integer", float: "number", str: "string", bool: "boolean"}.get(t, getattr(t, "__name__", str(t)))


def format_option_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(format_option_value(v) for v in value)
    text = str(value)
    return f"'{text}'" if (" " in text or "," in text or "}" in text) else text


# ------------------------------------------------------------------------------ registry


def _import_builtin_pass_modules() -> None:
    import snnir.passes as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"snnir.passes.{info.name}")


_all_loaded = False


def load_all_passes() -> dict[str, type[Pass]]:
    """Every pass: the ones in `snnir.passes` and those of installed plugins."""
    global _all_loaded
    if not _all_loaded:
        _import_builtin_pass_modules()
        for name, target in discovered("snnir.passes").items():
            obj = load_object(target)
            if isinstance(obj, type) and issubclass(obj, Pass) and name not in _REGISTRY:
                _REGISTRY[name] = obj
        _all_loaded = True
    return dict(sorted(_REGISTRY.items()))


def get_pass(name: str) -> type[Pass] | None:
    """The pass class named `name`; imports only what is needed to find it."""
    cls = _REGISTRY.get(name)
    if cls is not None:
        return cls
    target = discovered("snnir.passes").get(name)
    if target is not None:
        obj = load_object(target)
        if isinstance(obj, type) and issubclass(obj, Pass):
            _REGISTRY.setdefault(name, obj)
            return obj
    module = name.replace("-", "_")
    try:
        importlib.import_module(f"snnir.passes.{module}")
    except ModuleNotFoundError as e:
        if e.name != f"snnir.passes.{module}":
            raise
    cls = _REGISTRY.get(name)
    if cls is None:
        cls = load_all_passes().get(name)
    return cls


def suggest_pass(name: str) -> str:
    close = difflib.get_close_matches(name, list(load_all_passes()), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


# ------------------------------------------------------------------------------ pipelines


class PipelineError(Exception):
    """A pipeline string or a pass option is malformed; the message says what and where."""


def parse_pipeline(text: str) -> list[Pass]:
    """`a{x=1 l=1,2},b` -> pass instances. `builtin.module(...)` around it is accepted."""
    text = text.strip()
    if text.startswith("builtin.module(") and text.endswith(")"):
        text = text[len("builtin.module("):-1]
    passes: list[Pass] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " ,\t\n":
            i += 1
        if i >= n:
            break
        j = i
        while j < n and (text[j].isalnum() or text[j] in "-_."):
            j += 1
        name = text[i:j]
        if not name:
            raise PipelineError(f"expected a pass name at column {i + 1} of the pipeline, got '{text[i]}'")
        opts = ""
        i = j
        while i < n and text[i] == " ":
            i += 1
        if i < n and text[i] == "{":
            depth, k, quote = 1, i + 1, ""
            while k < n and depth:
                ch = text[k]
                if quote:
                    quote = "" if ch == quote else quote
                elif ch in "'\"":
                    quote = ch
                elif ch == "{":
                    depth += 1
                elif ch == "}":
                    depth -= 1
                k += 1
            if depth:
                raise PipelineError(f"unclosed '{{' in the options of pass '{name}'")
            opts = text[i + 1 : k - 1]
            i = k
        while i < n and text[i] == " ":
            i += 1
        if i < n and text[i] != ",":
            raise PipelineError(f"expected ',' after pass '{name}' at column {i + 1} of the pipeline, got '{text[i]}'")
        passes.append(make_pass(name, opts))
    return passes


def make_pass(name: str, options_text: str = "") -> Pass:
    cls = get_pass(name)
    if cls is None:
        raise PipelineError(f"unknown pass '{name}'{suggest_pass(name)}")
    return instantiate(cls, split_options(options_text, name))


def split_options(text: str, pass_name: str) -> dict[str, str]:
    """`a=1 b='x y' c=1,2` -> {"a": "1", "b": "x y", "c": "1,2"}."""
    out: dict[str, str] = {}
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        j = i
        while j < n and not text[j].isspace() and text[j] != "=":
            j += 1
        key = text[i:j]
        if j >= n or text[j] != "=":
            out[key] = "true"  # a bare flag option means true
            i = j
            continue
        j += 1
        if j < n and text[j] in "'\"":
            quote = text[j]
            k = text.find(quote, j + 1)
            if k < 0:
                raise PipelineError(f"unclosed quote in option '{key}' of pass '{pass_name}'")
            value = text[j + 1 : k]
            i = k + 1
        else:
            k = j
            depth = 0
            while k < n and (depth or not text[k].isspace()):
                depth += text[k] == "{"
                depth -= text[k] == "}"
                k += 1
            value = text[j:k]
            i = k
        if key in out:
            raise PipelineError(f"option '{key}' of pass '{pass_name}' is given twice")
        out[key] = value
    return out


def instantiate(cls: type[Pass], raw: dict[str, str]) -> Pass:
    infos = {o.name: o for o in cls.options()}
    kwargs: dict[str, Any] = {}
    for key, text in raw.items():
        info = infos.get(key) or infos.get(option_name(key))
        if info is None:
            known = ", ".join(infos) or "none"
            raise PipelineError(f"pass '{cls.name}' has no option '{key}' (options: {known})")
        kwargs[info.field] = convert_option(text, info.type, f"option '{key}' of pass '{cls.name}'")
    try:
        return cls(**kwargs)
    except (ValueError, TypeError) as e:
        raise PipelineError(f"pass '{cls.name}': {e}") from None


def convert_option(text: str, t: Any, what: str) -> Any:
    origin = typing.get_origin(t)
    if origin is list:
        (elt,) = typing.get_args(t)
        items = [x for x in text.split(",")] if text else []
        return [convert_option(x.strip(), elt, what) for x in items]
    if origin is typing.Literal:
        choices = typing.get_args(t)
        if text not in choices:
            raise PipelineError(f"{what} must be one of {', '.join(map(str, choices))}, got '{text}'")
        return text
    if origin is typing.Union or origin is getattr(__import__("types"), "UnionType", None):
        args = [a for a in typing.get_args(t) if a is not type(None)]
        if text in ("", "none"):
            return None
        return convert_option(text, args[0], what)
    try:
        if t is bool:
            if text.lower() in ("true", "1", "yes", "on"):
                return True
            if text.lower() in ("false", "0", "no", "off"):
                return False
            raise ValueError
        if t is int:
            return int(text, 0)
        if t is float:
            return float(text)
        if t is str:
            return text
    except ValueError:
        raise PipelineError(f"{what} expects {_type_name(t)}, got '{text}'") from None
    raise PipelineError(f"{what} has an unsupported type {t}")


# --------------------------------------------------------------------------- the manager


@dataclass
class PassManager:
    """Runs passes in order on a module and verifies it after each; records times and statistics."""

    passes: list[Pass]
    context: Context
    diagnostics: DiagnosticEngine
    verify_each: bool = True
    print_after_all: TextIO | None = None
    print_generic: bool = False
    timings: list[tuple[str, float]] = field(default_factory=list)
    statistics: list[tuple[Pass, dict[str, int]]] = field(default_factory=list)

    def run(self, module: Operation) -> None:
        """Apply every pass; raises `DiagnosticError` when a pass fails or leaves invalid IR."""
        for i, p in enumerate(self.passes):
            pctx = PassContext(self.context, self.diagnostics, {k: 0 for k in p.statistics},
                               ",".join(q.pipeline_text() for q in self.passes[:i + 1]))
            t0 = time.perf_counter()
            try:
                p.apply(module, pctx)
            except PassFailure as e:
                raise error(f"pass '{p.name}' failed: {e}", e.loc) from None
            except DiagnosticError:
                raise
            except RecursionError:
                raise error(f"pass '{p.name}' failed: the IR is nested too deeply", module.loc) from None
            self.timings.append((p.name, time.perf_counter() - t0))
            self.statistics.append((p, pctx.stats))
            if self.verify_each:
                t0 = time.perf_counter()
                try:
                    module.verify()
                except DiagnosticError as e:
                    d = e.diagnostic
                    d.attach_note(f"the IR is invalid after pass '{p.name}'", d.loc)
                    raise
                self.timings.append(("(verifier)", time.perf_counter() - t0))
            if self.print_after_all is not None:
                from snnir.printer import print_operation

                print(f"// -----// IR Dump After {p.name} //----- //", file=self.print_after_all)
                self.print_after_all.write(print_operation(module, generic=self.print_generic))


def format_statistics(stats: list[tuple[Pass, dict[str, int]]]) -> str:
    lines = [_BANNER, "                         ... Pass statistics report ...", _BANNER]
    for p, counters in stats:
        lines.append(p.pipeline_text())
        for name, value in counters.items():
            desc = type(p).statistics.get(name, "")
            lines.append(f"  (S) {value:>6} {name}{' - ' + desc if desc else ''}")
    return "\n".join(lines)


def format_timings(timings: list[tuple[str, float]]) -> str:
    merged: dict[str, float] = {}
    for name, t in timings:
        merged[name] = merged.get(name, 0.0) + t
    total = sum(merged.values()) or 1e-12
    lines = [_BANNER, "                      ... Execution time report ...", _BANNER,
             f"  Total Execution Time: {total:.4f} seconds", "", "  ----Wall Time----  ----Name----"]
    for name, t in merged.items():
        lines.append(f"  {t:8.4f} ({100 * t / total:5.1f}%)  {name}")
    lines.append(f"  {total:8.4f} (100.0%)  Total")
    return "\n".join(lines)


_BANNER = "===" + "-" * 73 + "==="
