"""Diagnostics: `file:line:col: error: message`, the source line and a caret.

Every user-facing failure is a `Diagnostic`; tools print them and exit with status 1.
A `DiagnosticEngine` either prints diagnostics or, under `--verify-diagnostics`,
collects them so they can be matched against `expected-*` comments.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Callable, TextIO

from snnir.location import Location, SourcePos, UNKNOWN_LOC


@dataclass
class Diagnostic:
    severity: str  # "error" | "warning" | "note" | "remark"
    message: str
    loc: Location = UNKNOWN_LOC
    notes: list["Diagnostic"] = field(default_factory=list)

    def attach_note(self, message: str, loc: Location | None = None) -> "Diagnostic":
        self.notes.append(Diagnostic("note", message, loc if loc is not None else self.loc))
        return self

    def render(self) -> str:
        """The MLIR-style text: header line, then the source line and a caret when known."""
        parts = [_render_one(self)]
        parts.extend(_render_one(n) for n in self.notes)
        return "\n".join(parts)


def _render_one(diag: Diagnostic) -> str:
    flc = diag.loc.file_line_col()
    if flc is None:
        from snnir.printer import location_text  # loc("name") as the printer writes it

        where = "<unknown>" if diag.loc == UNKNOWN_LOC else location_text(diag.loc)
        return f"{where}: {diag.severity}: {diag.message}"
    header = f"{flc.filename}:{flc.line}:{flc.col}: {diag.severity}: {diag.message}"
    loc = diag.loc
    source = loc.source if isinstance(loc, SourcePos) else None
    if source is None:
        return header
    line = source.line_text(flc.line)
    caret = " " * (flc.col - 1) + "^"
    return f"{header}\n{line}\n{caret}"


class DiagnosticError(Exception):
    """Raised to abort the current unit of work with one diagnostic (already formed)."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def error(message: str, loc: Location = UNKNOWN_LOC) -> DiagnosticError:
    """Build (not raise) an error; `raise error(...)` reads naturally at call sites."""
    return DiagnosticError(Diagnostic("error", message, loc))


class DiagnosticEngine:
    """Where diagnostics go: printed to a stream, or collected for verification."""

    def __init__(self, stream: TextIO | None = None, collect: bool = False) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.collect = collect
        self.collected: list[Diagnostic] = []
        self.error_count = 0
        self.handlers: list[Callable[[Diagnostic], None]] = []

    def emit(self, diag: Diagnostic) -> None:
        if diag.severity == "error":
            self.error_count += 1
        if self.collect:
            self.collected.append(diag)
            self.collected.extend(diag.notes)
        else:
            print(diag.render(), file=self.stream)

    def warning(self, message: str, loc: Location = UNKNOWN_LOC) -> None:
        self.emit(Diagnostic("warning", message, loc))

    def remark(self, message: str, loc: Location = UNKNOWN_LOC) -> None:
        self.emit(Diagnostic("remark", message, loc))
