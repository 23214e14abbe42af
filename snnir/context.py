"""The context: which dialects exist, loaded lazily by name, and whether unknown ones are allowed.

Dialects and passes are found without a central list: built-in ones by module name,
third-party ones through the Python entry-point groups `snnir.dialects` and `snnir.passes`.
Nothing is imported until a name is used, so `snn-opt --version` stays fast.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from snnir.ir import Operation
    from snnir.irdl import Dialect, ParametrizedAttribute

# Dialects that ship with snnir: name -> "module:attribute".
BUILTIN_DIALECTS: dict[str, str] = {
    "builtin": "snnir.builtin:BUILTIN",
    "test": "snnir.dialects.test:TEST",
    "snn": "snnir.dialects.snn:SNN",
    "cluster": "snnir.dialects.cluster:CLUSTER",
    "sdf": "snnir.dialects.sdf:SDF",
    "hw": "snnir.dialects.hw:HW",
}

_entry_point_cache: dict[str, dict[str, str]] = {}


def discovered(group: str) -> dict[str, str]:
    """name -> "module:attr" of the entry points in `group` (read once per process)."""
    found = _entry_point_cache.get(group)
    if found is None:
        found = {ep.name: ep.value for ep in entry_points(group=group)}
        _entry_point_cache[group] = found
    return found


def load_object(target: str) -> object:
    module_name, _, attr = target.partition(":")
    obj: object = importlib.import_module(module_name)
    for part in filter(None, attr.split(".")):
        obj = getattr(obj, part)
    return obj


class Context:
    """Registered dialects (loaded on first use) and parsing policy."""

    def __init__(self, allow_unregistered: bool = False) -> None:
        self.allow_unregistered = allow_unregistered
        self._sources: dict[str, str] = dict(BUILTIN_DIALECTS)
        self._sources.update(discovered("snnir.dialects"))
        self._loaded: dict[str, "Dialect"] = {}
        self._op_cache: dict[str, type["Operation"] | None] = {}

    def register_dialect(self, dialect: "Dialect") -> None:
        """Make a dialect object known directly (tests, notebooks)."""
        self._loaded[dialect.name] = dialect
        self._op_cache.clear()

    def available_dialects(self) -> list[str]:
        return sorted(set(self._sources) | set(self._loaded))

    def get_dialect(self, name: str) -> "Dialect | None":
        d = self._loaded.get(name)
        if d is None and name in self._sources:
            d = load_object(self._sources[name])  # type: ignore[assignment]
            self._loaded[name] = d  # type: ignore[assignment]
        return d

    def _dialect_of(self, full_name: str) -> "Dialect | None":
        prefix = full_name.split(".", 1)[0]
        return self.get_dialect(prefix)

    def get_op(self, name: str) -> type["Operation"] | None:
        """The class of a registered op, or None when its dialect does not declare it."""
        try:
            return self._op_cache[name]
        except KeyError:
            pass
        d = self._dialect_of(name)
        cls = d.ops.get(name) if d is not None else None
        self._op_cache[name] = cls
        return cls

    def get_attribute(self, name: str) -> type["ParametrizedAttribute"] | None:
        d = self._dialect_of(name)
        return d.attributes.get(name) if d is not None else None

    def is_known_dialect(self, full_name: str) -> bool:
        return self._dialect_of(full_name) is not None
