"""`--verify-diagnostics`: match emitted diagnostics against `// expected-*` comments, as MLIR does.

    op ...  // expected-error {{message substring}}
    // expected-warning@+1 {{...}}     the next line     (@-2: two lines up)
    // expected-note@above {{...}}     the nearest line above without an expectation
    // expected-remark@below {{...}}   the nearest line below without an expectation

Every diagnostic must be expected (same file, line and severity; the text inside {{ }} is a
substring of the message) and every expectation must be met.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from snnir.diagnostics import Diagnostic
from snnir.location import SourceFile

_EXPECT = re.compile(r"expected-(error|warning|note|remark)(@(?:[+-][0-9]+|above|below))?\s*\{\{(.*?)\}\}")
_ANY_EXPECT = re.compile(r"expected-(error|warning|note|remark)")


@dataclass
class Expectation:
    severity: str
    message: str
    line: int  # the line the diagnostic must be reported on
    comment_line: int  # where the comment is, for reporting unmet expectations
    col: int
    matched: bool = False


def collect_expectations(source: SourceFile) -> tuple[list[Expectation], list[str]]:
    """Expectations in the buffer, and problems with malformed ones (as rendered errors)."""
    lines = source.text.split("\n")
    base = source.line_offset
    designated = [bool(_ANY_EXPECT.search(l)) for l in lines]
    out: list[Expectation] = []
    problems: list[str] = []
    for idx, text in enumerate(lines):
        if not designated[idx]:
            continue
        found = False
        for m in _EXPECT.finditer(text):
            found = True
            sev, where, msg = m.group(1), m.group(2), m.group(3)
            target = idx
            if where in (None, ""):
                target = idx
            elif where == "@above":
                target = idx - 1
                while target >= 0 and designated[target]:
                    target -= 1
            elif where == "@below":
                target = idx + 1
                while target < len(lines) and designated[target]:
                    target += 1
            else:
                target = idx + int(where[1:])
            if target < 0 or target >= len(lines):
                problems.append(f"{source.name}:{idx + 1 + base}:{m.start() + 1}: error: expected-{sev} "
                                f"points at a line outside the buffer")
                continue
            out.append(Expectation(sev, msg.strip(), target + 1 + base, idx + 1 + base, m.start() + 1))
        if not found:
            col = _ANY_EXPECT.search(text).start() + 1  # type: ignore[union-attr]
            problems.append(f"{source.name}:{idx + 1 + base}:{col}: error: malformed expected-* comment; "
                            "write `expected-error {{message}}` (optionally @+N, @-N, @above or @below)")
    return out, problems


def verify(diagnostics: list[Diagnostic], source: SourceFile) -> list[str]:
    """Rendered errors for every unexpected diagnostic and unmet expectation (empty when all match)."""
    expectations, problems = collect_expectations(source)
    errors = list(problems)
    for d in diagnostics:
        flc = d.loc.file_line_col()
        match = None
        if flc is not None and flc.filename == source.name:
            for e in expectations:
                if not e.matched and e.severity == d.severity and e.line == flc.line and e.message in d.message:
                    match = e
                    break
        if match is not None:
            match.matched = True
            continue
        where = f"{flc.filename}:{flc.line}:{flc.col}" if flc is not None else source.name
        errors.append(f"{where}: error: unexpected {d.severity}: {d.message}")
    for e in expectations:
        if not e.matched:
            errors.append(f"{source.name}:{e.comment_line}:{e.col}: error: expected {e.severity} "
                          f"\"{e.message}\" was not produced")
    return errors
