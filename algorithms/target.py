"""Target descriptions: the tile-based platform a network is compiled for, with no IR.

    from snnir.algorithms.target import load_target

    t = load_target("tutorial2x2")      # a bundled profile by name (see `bundled_targets()`)
    t = load_target("my_chip.json")     # or a JSON file of your own (docs/targets.md)
    t.rows, t.cols                      # crossbar size: the partitioner's limits
    t.hops(0, 3), t.comm_time(0, 3, token_size=42)

A `Target` is what the compiler must respect (tiles, crossbar rows x columns, synapse memory,
weight precision, fan-out) and what the dataflow model of method.md section 5 needs (spike
buffers, hop latency, bandwidth, crossbar evaluation time, TDMA wheel). Times are in the
target's time unit (the paper's: one crossbar evaluation takes 16), buffers and token sizes in
spikes, bandwidth in spikes per time unit.

Bundled profiles are JSON files in `snnir/algorithms/targets/` (`algorithms/targets/` in the
source tree), shipped as package data. A target file is one JSON object whose keys are the
fields of `Target`; `mesh`, `synapses`, `weight_bits`, `state_bits`, `decay_bits`, `fan_out`,
`tdma_wheel`, `tdma_slice`, `description` and `source` may be left out (null).

Errors. Every problem with a target file or dict is a `TargetError` (a `ValueError`) with
`path`, `line` and `col` (1-based; None when not applicable) and a message naming the key, the
value and the limit: `my.json:4:3: 'rows' must be a positive integer, got -3`. JSON syntax
errors take their position from `json.JSONDecodeError`. For errors in a value, the position is
that of its key: once the text is known to be valid JSON, `_key_positions` scans it once,
skipping over strings (so a key name quoted inside a description does not count) and tracking
the nesting depth, and records where each key of the top-level object starts. Missing keys are
reported at the object's opening brace.
"""

from __future__ import annotations

import difflib
import json
import math
import os
from dataclasses import dataclass, field, fields
from importlib import resources
from typing import Any, Callable

import numpy as np

__all__ = [
    "Target",
    "TargetError",
    "load_target",
    "bundled_targets",
    "target_from_dict",
    "check_fields",
    "FIELDS",
    "REQUIRED",
]


class TargetError(ValueError):
    """A bad target description: `path:line:col: message` (parts that are unknown are left out).

    `message` is the bare message; `path` names the file (or what the dict came from); `line`
    and `col` are 1-based, None when the error has no position (a dict not read from text, an
    unknown profile name).
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None,
                 col: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.col = col
        where = [str(x) for x in (path, line, col) if x is not None]
        super().__init__(f"{':'.join(where)}: {message}" if where else message)


@dataclass(frozen=True)
class Target:
    """A tile-based neuromorphic platform: what the compiler must respect and what the dataflow model needs."""

    name: str
    tiles: int                     # number of tiles (cores), each with one crossbar
    mesh: tuple[int, int] | None   # tiles as a rows x cols mesh (XY routing: hops = Manhattan distance); None: shared bus, 1 hop
    rows: int                      # crossbar rows: distinct pre-synaptic inputs per tile
    cols: int                      # crossbar columns: neurons per tile
    synapses: int | None           # synapse memory per tile in synapses (None: rows * cols, one per crosspoint)
    weight_bits: int | None        # weight precision (None: full precision / float)
    # fixed-point neuron parameters (None: float); keyword-only so older callers need not give them
    state_bits: int | None = field(default=None, kw_only=True)  # signed word of voltage-domain parameters
    decay_bits: int | None = field(default=None, kw_only=True)  # unsigned fraction of each decay dt/tau
    input_buffer: int              # input spike buffer per tile (tokens = spikes)
    output_buffer: int             # output spike buffer per tile
    hop_latency: float             # time units per hop of the interconnect
    bandwidth: float               # spikes per time unit per connection
    exec_time: float               # time units of one crossbar evaluation (the paper uses 16)
    fan_out: int | None            # max destination tiles per neuron (None: unlimited)
    tdma_wheel: float | None       # TDMA wheel length (None: no TDMA)
    tdma_slice: float | None       # slice of the wheel reserved for this application
    description: str = ""
    source: str = ""               # where the figures come from (paper / datasheet)

    def __post_init__(self) -> None:
        """Check the fields as `target_from_dict` does, so every Target is a valid one; normalise
        numbers (ints stay ints, times become floats, `mesh` a tuple). Raises `TargetError`."""
        checked = check_fields({f.name: getattr(self, f.name) for f in fields(self)}, None, None)
        for key, value in checked.items():
            object.__setattr__(self, key, value)

    # ------------------------------------------------------------------ derived figures

    @property
    def synapse_capacity(self) -> int:
        """Synapses one tile can hold: `synapses`, or rows * cols when every crosspoint holds one."""
        return self.synapses if self.synapses is not None else self.rows * self.cols

    @property
    def tdma_wait(self) -> float:
        """Worst-case wait for the reserved TDMA slice: wheel - slice (method.md section 5); 0 without TDMA."""
        if self.tdma_wheel is None or self.tdma_slice is None:
            return 0.0
        return float(self.tdma_wheel - self.tdma_slice)

    def position(self, tile: int) -> tuple[int, int]:
        """(row, column) of a tile on the mesh, tiles numbered row-major; (0, tile) on a bus."""
        self._check_tile(tile)
        if self.mesh is None:
            return 0, tile
        return divmod(tile, self.mesh[1])

    def hops(self, a: int, b: int) -> int:
        """Hops from tile `a` to tile `b`: the Manhattan distance on a mesh (XY routing), 1 on a bus, 0 for a == b."""
        self._check_tile(a)
        self._check_tile(b)
        if a == b:
            return 0
        if self.mesh is None:
            return 1
        (ra, ca), (rb, cb) = divmod(a, self.mesh[1]), divmod(b, self.mesh[1])
        return abs(ra - rb) + abs(ca - cb)

    def hop_matrix(self) -> np.ndarray:
        """[tiles, tiles] int64 matrix of `hops(a, b)`, built with numpy broadcasting.

        O(tiles^2) time and memory (8 bytes per entry: 128 MiB for TrueNorth's 4096 cores).
        """
        t = np.arange(self.tiles, dtype=np.int64)
        if self.mesh is None:
            return (t[:, None] != t[None, :]).astype(np.int64)
        r, c = np.divmod(t, self.mesh[1])
        return np.abs(r[:, None] - r[None, :]) + np.abs(c[:, None] - c[None, :])

    def comm_time(self, a: int, b: int, token_size: int) -> float:
        """Time to send one token of `token_size` spikes from tile `a` to tile `b` (method.md section 5).

        hops * hop_latency + ceil(token_size / bandwidth); 0 within a tile. TDMA waits are not
        included (see `tdma_wait`). Raises ValueError for a tile out of range or a negative size.
        """
        if isinstance(token_size, bool) or not isinstance(token_size, (int, np.integer)) or token_size < 0:
            raise ValueError(f"token_size must be a non-negative integer, got {token_size!r}")
        h = self.hops(a, b)
        if h == 0:
            return 0.0
        return h * self.hop_latency + math.ceil(int(token_size) / self.bandwidth)

    def _check_tile(self, tile: int) -> None:
        if isinstance(tile, bool) or not isinstance(tile, (int, np.integer)) or not 0 <= tile < self.tiles:
            raise ValueError(f"tile {tile!r} is not one of the {self.tiles} tiles of target '{self.name}' "
                             f"(0 to {self.tiles - 1})")

    # ----------------------------------------------------------------------- conversion

    def to_dict(self) -> dict[str, Any]:
        """Every field as plain JSON values (mesh as a list); the input `target_from_dict` expects."""
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        if d["mesh"] is not None:
            d["mesh"] = list(d["mesh"])
        return d

    def to_json(self) -> str:
        """The target as a JSON object with sorted keys: the same target always gives the same text."""
        return json.dumps(self.to_dict(), sort_keys=True, indent=2, allow_nan=False)


# --------------------------------------------------------------------------- validation

FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Target))
OPTIONAL_DEFAULTS: dict[str, Any] = {
    "mesh": None, "synapses": None, "weight_bits": None, "state_bits": None, "decay_bits": None, "fan_out": None,
    "tdma_wheel": None, "tdma_slice": None, "description": "", "source": "",
}
REQUIRED: tuple[str, ...] = tuple(k for k in FIELDS if k not in OPTIONAL_DEFAULTS)
MAX_WEIGHT_BITS = 64
STATE_BITS_RANGE = (2, 32)
"""`state_bits`: a signed word needs a sign bit and one magnitude bit; 32 keeps mantissas int32."""
DECAY_BITS_RANGE = (1, 32)
"""`decay_bits`: the unsigned fraction of a decay coefficient dt/tau."""
INT64_MAX = 2**63 - 1

Locate = Callable[[str | None], tuple[int | None, int | None]]


def _no_position(key: str | None) -> tuple[int | None, int | None]:
    return None, None


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _is_number(v: Any) -> bool:
    return (_is_int(v) or isinstance(v, (float, np.floating))) and not isinstance(v, (bool, np.bool_))


def _show(v: Any) -> str:
    """A value as it would appear in the JSON file (null, true, "text", [1, 2])."""
    if isinstance(v, tuple):
        v = list(v)
    try:
        return json.dumps(v)
    except (TypeError, ValueError):
        return repr(v)


def check_fields(d: dict[str, Any], where: str | None = None, locate: Locate | None = None) -> dict[str, Any]:
    """Check every field of a dict that has all of `FIELDS`; return it with numbers normalised
    (ints, floats, `mesh` a tuple). The one place the value and cross-field rules live: `Target`,
    `target_from_dict` and the `hw.target` verifier all call it. `locate(key)` gives the (line,
    col) of a key for the error. Raises `TargetError`."""
    locate = locate or _no_position

    def fail(key: str, message: str) -> TargetError:
        line, col = locate(key)
        return TargetError(message, where, line, col)

    out: dict[str, Any] = {}
    name = d["name"]
    if not isinstance(name, str) or not name:
        raise fail("name", f"'name' must be a non-empty string, got {_show(name)}")
    out["name"] = name
    for key in ("tiles", "rows", "cols", "input_buffer", "output_buffer", "synapses", "fan_out"):
        v = d[key]
        if _is_int(v) and v > INT64_MAX:  # the IR holds them as i64
            raise fail(key, f"'{key}' must be at most {INT64_MAX} (a 64-bit integer), got {v}")
    for key in ("tiles", "rows", "cols", "input_buffer", "output_buffer"):
        v = d[key]
        if not _is_int(v) or v < 1:
            raise fail(key, f"'{key}' must be a positive integer, got {_show(v)}")
        out[key] = int(v)
    for key in ("synapses", "fan_out"):
        v = d[key]
        if v is not None and (not _is_int(v) or v < 1):
            raise fail(key, f"'{key}' must be a positive integer or null, got {_show(v)}")
        out[key] = None if v is None else int(v)
    bits = d["weight_bits"]
    if bits is not None and (not _is_int(bits) or not 1 <= bits <= MAX_WEIGHT_BITS):
        raise fail("weight_bits", f"'weight_bits' must be an integer from 1 to {MAX_WEIGHT_BITS} or null, "
                                  f"got {_show(bits)}")
    out["weight_bits"] = None if bits is None else int(bits)
    for key, (low, high) in (("state_bits", STATE_BITS_RANGE), ("decay_bits", DECAY_BITS_RANGE)):
        v = d[key]
        if v is not None and (not _is_int(v) or not low <= v <= high):
            raise fail(key, f"'{key}' must be an integer from {low} to {high} or null, got {_show(v)}")
        out[key] = None if v is None else int(v)
    mesh = d["mesh"]
    if mesh is not None:
        if (not isinstance(mesh, (list, tuple)) or len(mesh) != 2
                or not all(_is_int(x) and x >= 1 for x in mesh)):
            raise fail("mesh", f"'mesh' must be null or [rows, cols] of two positive integers, got {_show(mesh)}")
        mesh = (int(mesh[0]), int(mesh[1]))
        if mesh[0] * mesh[1] != out["tiles"]:
            raise fail("mesh", f"'mesh' {_show(mesh)} has {mesh[0] * mesh[1]} positions but 'tiles' is "
                               f"{out['tiles']}")
    out["mesh"] = mesh
    for key, positive in (("hop_latency", False), ("bandwidth", True), ("exec_time", True)):
        v = d[key]
        if not _is_number(v) or not math.isfinite(v) or v < 0 or (positive and v == 0):
            what = "a positive" if positive else "a non-negative"
            raise fail(key, f"'{key}' must be {what} finite number, got {_show(v)}")
        out[key] = float(v)
    wheel, slice_ = d["tdma_wheel"], d["tdma_slice"]
    for key, v in (("tdma_wheel", wheel), ("tdma_slice", slice_)):
        if v is not None and (not _is_number(v) or not math.isfinite(v) or v <= 0):
            raise fail(key, f"'{key}' must be a positive finite number or null, got {_show(v)}")
    if (wheel is None) != (slice_ is None):
        given, missing = ("tdma_wheel", "tdma_slice") if slice_ is None else ("tdma_slice", "tdma_wheel")
        raise fail(given, f"'{given}' is given without '{missing}': give both for TDMA, or neither")
    if wheel is not None and slice_ > wheel:
        raise fail("tdma_slice", f"'tdma_slice' {_show(slice_)} exceeds 'tdma_wheel' {_show(wheel)}")
    out["tdma_wheel"] = None if wheel is None else float(wheel)
    out["tdma_slice"] = None if slice_ is None else float(slice_)
    for key in ("description", "source"):
        v = d[key]
        if not isinstance(v, str):
            raise fail(key, f"'{key}' must be a string, got {_show(v)}")
        out[key] = v
    return out


def _target_from_dict(d: Any, where: str | None, locate: Locate) -> Target:
    if not isinstance(d, dict):
        line, col = locate(None)
        kind = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
            type(d), "a number" if _is_number(d) else type(d).__name__)
        raise TargetError(f"a target must be a JSON object of its fields, got {kind}", where, line, col)
    for key in d:
        if key not in FIELDS:
            close = difflib.get_close_matches(str(key), FIELDS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f"; the keys are: {', '.join(FIELDS)}"
            line, col = locate(key)
            raise TargetError(f"unknown key '{key}'{hint}", where, line, col)
    missing = [k for k in REQUIRED if k not in d]
    if missing:
        line, col = locate(None)
        keys = ", ".join(f"'{k}'" for k in missing)
        raise TargetError(f"missing required key{'s' if len(missing) > 1 else ''} {keys}", where, line, col)
    # Checked here to give an error its file position; Target.__post_init__ checks again (cheaply).
    return Target(**check_fields({**OPTIONAL_DEFAULTS, **d}, where, locate))


def target_from_dict(d: dict, where: str = "<target>") -> Target:
    """A `Target` from a dict of its fields (JSON values), checked key by key.

    `where` names the origin in messages (a file path, "hw.target @x"). Required keys: those of
    `REQUIRED`; the others default to null ("" for `description` and `source`). Integers must
    be integers (`4.0` is not a tile count); times and bandwidth may be integers or floats.
    Raises `TargetError` (no line or column: the dict has no text) naming the key, the value
    and the limit, e.g. "'rows' must be a positive integer, got -3"; unknown keys are errors
    with a did-you-mean. O(number of keys).
    """
    return _target_from_dict(d, where, _no_position)


# ------------------------------------------------------------------------ reading files


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _key_positions(text: str) -> tuple[int, dict[str, list[int]]]:
    """Offset of the top-level value, and the offsets of every key of the top-level object.

    `text` must be valid JSON. One pass: strings are skipped as a whole (honouring backslash
    escapes), so only a string at nesting depth 1 followed by ':' counts as a key.
    """
    n = len(text)
    i = 0
    while i < n and text[i] in " \t\r\n\ufeff":
        i += 1
    start = i
    keys: dict[str, list[int]] = {}
    depth = 0
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            k = j + 1
            while k < n and text[k] in " \t\r\n":
                k += 1
            if depth == 1 and k < n and text[k] == ":" and text[start] == "{":
                keys.setdefault(json.loads(text[i : j + 1]), []).append(i)
            i = j + 1
            continue
        if ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
        i += 1
    return start, keys


def _parse_text(text: str, path: str) -> Target:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise TargetError(f"invalid JSON: {e.msg}", path, e.lineno, e.colno) from None
    start, positions = _key_positions(text)

    def locate(key: str | None, nth: int = 0) -> tuple[int | None, int | None]:
        offsets = positions.get(key, []) if key is not None else []
        offset = offsets[min(nth, len(offsets) - 1)] if offsets else start
        return _line_col(text, offset)

    if isinstance(data, dict):
        for key, offsets in positions.items():
            if len(offsets) > 1:
                line, col = locate(key, 1)
                raise TargetError(f"duplicate key '{key}'", path, line, col)
    return _target_from_dict(data, path, locate)


def _bundled_dir() -> Any:
    return resources.files("snnir.algorithms").joinpath("targets")


def bundled_targets() -> dict[str, str]:
    """name -> one-line description of every bundled profile, sorted by name."""
    out: dict[str, str] = {}
    for entry in sorted(_bundled_dir().iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".json"):
            name = entry.name[: -len(".json")]
            try:
                desc = json.loads(entry.read_text(encoding="utf-8")).get("description", "")
            except (ValueError, AttributeError):
                desc = ""
            out[name] = desc.split(". ")[0].rstrip(".") if desc else ""
    return out


def load_target(name_or_path: str | os.PathLike[str]) -> Target:
    """A bundled profile by name (`"paper4"`, `"loihi"`, ...), or a target JSON file by path.

    A name without a path separator or a `.json` suffix is looked up among the bundled
    profiles first, then as a file. Raises `TargetError`: for an unknown name (listing the
    bundled names, with a did-you-mean), an unreadable file, invalid JSON or an invalid
    target, with the file's line and column.
    """
    text_name = os.fspath(name_or_path)
    looks_like_path = os.sep in text_name or "/" in text_name or text_name.endswith(".json")
    if not looks_like_path:
        entry = _bundled_dir().joinpath(f"{text_name}.json")
        if entry.is_file():
            return _parse_text(entry.read_text(encoding="utf-8"), f"<bundled target {text_name}>")
        if not os.path.isfile(text_name):
            names = sorted(bundled_targets())
            close = difflib.get_close_matches(text_name, names, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise TargetError(f"unknown target '{text_name}'{hint}; bundled targets: {', '.join(names)}; "
                              "or give the path of a JSON file")
    try:
        with open(text_name, encoding="utf-8-sig") as f:  # a byte-order mark is no error
            text = f.read()
    except OSError as e:
        raise TargetError(f"cannot read target file: {e.strerror or e}", text_name) from None
    except UnicodeDecodeError as e:
        raise TargetError(f"target file is not UTF-8 text: {e.reason}", text_name) from None
    return _parse_text(text, text_name)
