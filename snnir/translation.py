"""Translations for `snn-translate`: other formats in (`import`) or out (`export`).

Defining a subclass registers it under its flag name. Translations that ship with snnir live
in `snnir.tools.translate_*` modules; plugins add theirs through the entry-point group
`snnir.translations`.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Literal

from snnir.context import Context, discovered, load_object
from snnir.diagnostics import Diagnostic
from snnir.ir import Operation
from snnir.location import UNKNOWN_LOC, Location, SourceFile

_TRANSLATIONS: dict[str, type["Translation"]] = {}


@dataclass(frozen=True)
class TranslationOption:
    """A command-line option of one translation, e.g. `--dt 1e-3` of `--import-nir`.

    The value reaches the translation as the attribute `dest` (the flag without dashes,
    `-` as `_`); `default` when the option is not given.
    """

    flag: str
    type: Callable[[str], Any]
    default: Any
    help: str
    metavar: str | None = None

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")


class Translation:
    """`--NAME` of snn-translate. Exports turn verified IR into text; imports turn a file into IR.

    Binary formats: an import with `binary_input = True` implements `import_path` (it gets the
    input file's path, not its text; with `directory_input = True` the path may be a directory);
    an export with `binary_output = True` implements `export_bytes` and is written to the `-o`
    file only. An export with `directory_output = True` writes several files: it implements
    `export_directory`, which gets the `-o` directory and the input text. `options` declares extra
    flags. Warnings go through `warn` and are printed by the driver.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    direction: ClassVar[Literal["import", "export"]] = "export"
    binary_input: ClassVar[bool] = False
    binary_output: ClassVar[bool] = False
    directory_input: ClassVar[bool] = False
    directory_output: ClassVar[bool] = False
    options: ClassVar[tuple[TranslationOption, ...]] = ()

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("name"):
            _TRANSLATIONS[cls.name] = cls

    def __init__(self, **options: Any) -> None:
        for opt in self.options:
            setattr(self, opt.dest, options.pop(opt.dest, opt.default))
        if options:
            raise TypeError(f"--{self.name} has no option {', '.join(sorted(options))}")
        self.warnings: list[Diagnostic] = []

    def warn(self, message: str, loc: Location = UNKNOWN_LOC) -> None:
        """Report a warning (printed by the driver, after the translation ran)."""
        self.warnings.append(Diagnostic("warning", message, loc))

    def export(self, module: Operation) -> str:
        """The translated text of a verified module (exports)."""
        raise NotImplementedError

    def export_bytes(self, module: Operation) -> bytes:
        """The translated bytes of a verified module (exports with `binary_output`)."""
        raise NotImplementedError

    def export_directory(self, module: Operation, directory: str, source: SourceFile) -> None:
        """Write the files of a verified module into `directory` (exports with `directory_output`);
        `source` is the input the module was parsed from (for provenance records)."""
        raise NotImplementedError

    def import_(self, source: SourceFile, ctx: Context) -> Operation:
        """The module read from `source` (imports); raise DiagnosticError for bad input."""
        raise NotImplementedError

    def import_path(self, path: str, ctx: Context) -> Operation:
        """The module read from the file at `path` (imports with `binary_input`)."""
        raise NotImplementedError


def render_for_file(diag: Diagnostic, path: str) -> str:
    """A diagnostic about a whole (binary) file: `path: error: message` when it has no location."""
    if diag.loc == UNKNOWN_LOC:
        lines = [f"{path}: {diag.severity}: {diag.message}"]
        lines += [render_for_file(n, path) for n in diag.notes]
        return "\n".join(lines)
    return diag.render()


_loaded = False


def all_translations() -> dict[str, type[Translation]]:
    global _loaded
    if not _loaded:
        import snnir.tools as pkg

        for info in pkgutil.iter_modules(pkg.__path__):
            if info.name.startswith("translate_"):
                importlib.import_module(f"snnir.tools.{info.name}")
        for name, target in discovered("snnir.translations").items():
            obj = load_object(target)
            if isinstance(obj, type) and issubclass(obj, Translation):
                _TRANSLATIONS.setdefault(name, obj)
        _loaded = True
    return dict(sorted(_TRANSLATIONS.items()))
