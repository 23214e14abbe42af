"""Translations for `snn-translate`: other formats in (`import`) or out (`export`).

Defining a subclass registers it under its flag name. Translations that ship with snnir live
in `snnir.tools.translate_*` modules; plugins add theirs through the entry-point group
`snnir.translations`.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import ClassVar, Literal

from snnir.context import Context, discovered, load_object
from snnir.ir import Operation
from snnir.location import SourceFile

_TRANSLATIONS: dict[str, type["Translation"]] = {}


class Translation:
    """`--NAME` of snn-translate. Exports turn verified IR into text; imports turn a file into IR."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    direction: ClassVar[Literal["import", "export"]] = "export"

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("name"):
            _TRANSLATIONS[cls.name] = cls

    def export(self, module: Operation) -> str:
        """The translated text of a verified module (exports)."""
        raise NotImplementedError

    def import_(self, source: SourceFile, ctx: Context) -> Operation:
        """The module read from `source` (imports); raise DiagnosticError for bad input."""
        raise NotImplementedError


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
