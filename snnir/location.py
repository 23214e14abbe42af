"""Source locations, attached to every operation for diagnostics and `loc(...)` printing."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass


class SourceFile:
    """The text of one input buffer, with a lazily built line index for offset -> line:col."""

    __slots__ = ("name", "text", "_line_starts", "line_offset")

    def __init__(self, name: str, text: str, line_offset: int = 0) -> None:
        self.name = name
        self.text = text
        self._line_starts: list[int] | None = None
        # Chunks of a split input file report lines of the whole file.
        self.line_offset = line_offset

    def _starts(self) -> list[int]:
        if self._line_starts is None:
            text = self.text
            starts = [0]
            find = text.find
            i = find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = find("\n", i + 1)
            self._line_starts = starts
        return self._line_starts

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset, in whole-file lines."""
        starts = self._starts()
        idx = bisect_right(starts, offset) - 1
        return idx + 1 + self.line_offset, offset - starts[idx] + 1

    def offset(self, line: int, col: int) -> int:
        """The character offset of a 1-based line (of this buffer) and 0-based column."""
        starts = self._starts()
        return starts[max(0, min(line, len(starts)) - 1)] + col

    def line_text(self, line: int) -> str:
        """The text of a whole-file line number (without its newline)."""
        starts = self._starts()
        idx = line - 1 - self.line_offset
        if idx < 0 or idx >= len(starts):
            return ""
        end = self.text.find("\n", starts[idx])
        return self.text[starts[idx] : end if end >= 0 else len(self.text)]


class Location:
    """Base of all locations."""

    __slots__ = ()

    def file_line_col(self) -> "FileLineColLoc | None":
        return None


@dataclass(frozen=True, slots=True)
class UnknownLoc(Location):
    def __str__(self) -> str:
        return "unknown"


@dataclass(frozen=True, slots=True)
class FileLineColLoc(Location):
    filename: str
    line: int
    col: int

    def file_line_col(self) -> "FileLineColLoc":
        return self

    def __str__(self) -> str:
        return f"{self.filename}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class NameLoc(Location):
    name: str
    child: Location | None = None

    def file_line_col(self) -> "FileLineColLoc | None":
        return self.child.file_line_col() if self.child is not None else None

    def __str__(self) -> str:
        return self.name


class SourcePos(Location):
    """A position in a parsed buffer, resolved to line:col only when someone asks."""

    __slots__ = ("source", "offset")

    def __init__(self, source: SourceFile, offset: int) -> None:
        self.source = source
        self.offset = offset

    def file_line_col(self) -> FileLineColLoc:
        line, col = self.source.line_col(self.offset)
        return FileLineColLoc(self.source.name, line, col)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SourcePos) and other.source is self.source and other.offset == self.offset

    def __hash__(self) -> int:
        return hash((id(self.source), self.offset))

    def __str__(self) -> str:
        return str(self.file_line_col())


UNKNOWN_LOC = UnknownLoc()
