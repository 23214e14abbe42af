"""The hardware configuration as files: a directory with `manifest.json` and `.npz` arrays (no IR).

    from snnir.algorithms.hwfiles import Bundle, read_bundle, write_bundle

    write_bundle("out/", bundle, provenance={"input_sha256": ...})   # manifest.json, tile0.npz, ...
    bundle, manifest = read_bundle("out/")                           # checked against the schema

A `Bundle` is everything a chip needs to run a network: the `HwConfig` of
`snnir.algorithms.hwconfig` (crossbars, routing, neuron table), the `Target` it was built for, and
per used tile a `TileConfig` (the static order in which the tile evaluates its crossbars, and its
input and output spike buffers). docs/backend.md describes the format; `manifest.json` follows
the JSON Schema `snnir/schemas/hw-config.schema.json` (format "snnir-hw-config", version 1):

- `manifest.json`: format and version, the target, dt, weight_bits, state_bits and decay_bits
  (null: float), populations (name, model, first neuron, size, reset, refractory, input rate,
  recorded spikes, the exponents of its fixed-point parameters), crossbars (name, index, tile,
  file, rows, columns, crosspoints, weight type, bias exponent), tiles (index, static order of
  crossbar names, buffers, file), the routing and neuron-table files, and provenance. JSON with
  sorted keys.
- `tile<T>.npz`: the arrays of the crossbars on tile T, `<crossbar>/<field>` for the fields
  rows (int64 [R], the source neuron of each row, distinct), columns (int64 [C]), weights ([R, C]
  float32 or float64, or int32 levels when quantised), scale (float64 [C], quantised only), delays
  (int32 [R, C], steps, 0 where no synapse), present (bool [R, C]: crosspoints holding a synapse)
  and bias (float64 [C], or int32 mantissas when state_bits is set).
- `routing.npz`: indptr (int64 [N + 1]), crossbar and row (int64 [E]): CSR over global neurons of
  the (crossbar, row) pairs each neuron's output reaches.
- `neurons.npz`: one float64 [N] array per neuron parameter used by some population (NaN for
  neurons whose model lacks it), or int32 [N] mantissas (int64 only for 31- and 32-bit decays;
  0 where the model lacks it) for a parameter in fixed point, stored under its fixed name (`decay`
  for tau, ...: hwconfig's module docstring), and `spikes/<p>` (float64 [steps, size]) for each
  input population p with recorded spikes.

Output is byte-for-byte deterministic: the zip archives are written here with a fixed time stamp,
no compression and members in sorted order, arrays with `numpy.lib.format.write_array`.

Cost: O(size of the arrays) to write or read, plus O(crossbars + populations) Python objects.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import zipfile
from dataclasses import dataclass
from importlib import resources
from typing import Any, Mapping, Sequence

import numpy as np

from snnir.algorithms.arrays import unique
from snnir.algorithms.hwconfig import (
    DECAY_PARAMS,
    PARAMS,
    RESETS,
    STATE_PARAMS,
    ConfigError,
    CrossbarConfig,
    HwConfig,
    NeuronTable,
    Routing,
    from_fixed,
)
from snnir.algorithms.simulate import MODELS
from snnir.algorithms.target import Target, TargetError, target_from_dict

__all__ = [
    "FORMAT",
    "VERSION",
    "Bundle",
    "FormatError",
    "TileConfig",
    "assemble",
    "crossbar_delays",
    "default_tiles",
    "make_crossbar",
    "population_table",
    "read_bundle",
    "read_npz",
    "sha256_text",
    "tile_buffers",
    "validate_manifest",
    "write_bundle",
    "write_npz",
]

FORMAT = "snnir-hw-config"
VERSION = 1
MANIFEST = "manifest.json"
ROUTING_FILE = "routing.npz"
NEURONS_FILE = "neurons.npz"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold: no clock in the output
_I64 = np.int64
NAME_PATTERN = r"^[A-Za-z0-9_.$-]+$"
"""Crossbar names in files (they name npz members and may not hold '/')."""


class FormatError(ValueError):
    """A configuration directory (or bundle) that cannot be written or read.

    `file` is the file to blame (None: the directory), `field` the manifest field or array in it.
    """

    def __init__(self, message: str, file: str | None = None, field: str | None = None) -> None:
        self.message, self.file, self.field = message, file, field
        where = file or ""
        if field:
            where = f"{where}: {field}" if where else field
        super().__init__(f"{where}: {message}" if where else message)


# ------------------------------------------------------------------------------ data


@dataclass(frozen=True)
class TileConfig:
    """One used tile: the crossbars it evaluates, in its static order (indices into
    `HwConfig.crossbars`, a crossbar repeated when it fires several times per iteration), and its
    input and output spike buffers."""

    index: int
    order: tuple[int, ...]
    input_buffer: int
    output_buffer: int


@dataclass(frozen=True, eq=False)
class Bundle:
    """A configuration with what surrounds it: its name, target, tiles and crossbar names."""

    name: str
    config: HwConfig
    target: Target
    tiles: tuple[TileConfig, ...]
    crossbar_names: tuple[str, ...]
    pipeline: str = ""


# ------------------------------------------------------------------------------ crossbars


def crossbar_delays(xb: CrossbarConfig) -> np.ndarray:
    """int64 [R, C]: the delay (steps) of each crosspoint, 0 where there is no synapse (whatever the
    configuration holds there)."""
    return np.where(np.asarray(xb.present, dtype=bool), np.asarray(xb.delays, dtype=_I64), 0)


def make_crossbar(index: int, tile: int, rows: np.ndarray, columns: np.ndarray, weights: np.ndarray,
                  scale: np.ndarray | None, delays: np.ndarray, present: np.ndarray,
                  bias: np.ndarray, bias_exponent: int | None = None) -> CrossbarConfig:
    """A `CrossbarConfig` from arrays of any integer and float widths (converted to its own); with a
    `bias_exponent` the bias holds fixed-point mantissas (kept as the integers they are)."""
    present = np.asarray(present, dtype=bool)
    b = np.asarray(bias, dtype=np.float64) if bias_exponent is None else mantissas(bias)
    return CrossbarConfig(index=int(index), tile=int(tile), row_source=np.asarray(rows, dtype=_I64),
                          col_neuron=np.asarray(columns, dtype=_I64), weights=np.asarray(weights),
                          scale=None if scale is None else np.asarray(scale, dtype=np.float64),
                          present=present, delays=np.where(present, np.asarray(delays, dtype=_I64), 0).astype(np.int32),
                          bias=b, bias_exponent=None if bias_exponent is None else int(bias_exponent))


def mantissas(values: Any) -> np.ndarray:
    """Fixed-point mantissas as files and the IR hold them: int32 when every value fits, else int64
    (decay mantissas of 31 and 32 bits reach 2^31 and 2^32)."""
    a = np.asarray(values, dtype=_I64)
    if a.size == 0 or (a.min() >= -2**31 and a.max() < 2**31):
        return a.astype(np.int32)
    return a


# ------------------------------------------------------------------------------ neuron table


def population_table(dt: float, populations: Sequence[Mapping[str, Any]]) -> NeuronTable:
    """A `NeuronTable` from per-population records, in global-id order.

    Each record has `name`, `model`, `size`, `params` (name -> float64 [size], exactly the model's
    parameters), `reset` ("zero"/"subtract"), `refractory` (steps), `rate` (Hz or None) and
    `spikes` (an input's recorded train or None). An optional `fixed` maps stored names (`decay`
    for tau, ...; hwconfig.DECAY_PARAMS) to (mantissas [size], exponent): those parameters are
    taken from it (value = m * 2^e; tau = dt / (m * 2^e)), whatever `params` holds for them.
    """
    sizes = np.array([int(p["size"]) for p in populations], dtype=_I64)
    offsets = np.zeros(len(populations) + 1, dtype=_I64)
    np.cumsum(sizes, out=offsets[1:])
    n = int(offsets[-1])
    params = {name: np.full(n, np.nan) for name in PARAMS}
    reset = np.zeros(n, dtype=np.int8)
    refractory = np.zeros(n, dtype=_I64)
    rate = np.full(n, np.nan)
    mantissa: dict[str, np.ndarray] = {}
    exponent: dict[str, np.ndarray] = {}
    stored = {v: k for k, v in DECAY_PARAMS.items()}
    for i, p in enumerate(populations):
        lo, hi = int(offsets[i]), int(offsets[i + 1])
        for name, arr in p["params"].items():
            params[name][lo:hi] = np.asarray(arr, dtype=np.float64).reshape(-1)
        for key, (m, e) in (p.get("fixed") or {}).items():
            if key not in mantissa:
                mantissa[key] = np.zeros(n, dtype=_I64)
                exponent[key] = np.zeros(len(populations), dtype=_I64)
            mantissa[key][lo:hi] = np.asarray(m, dtype=_I64).reshape(-1)
            exponent[key][i] = int(e)
            with np.errstate(over="ignore", divide="ignore"):  # the verifier reports what does not fit
                value = from_fixed(mantissa[key][lo:hi], int(e))
                params[stored.get(key, key)][lo:hi] = dt / value if key in stored else value
        reset[lo:hi] = RESETS.index(p.get("reset") or "zero")
        refractory[lo:hi] = int(p.get("refractory") or 0)
        if p.get("rate") is not None:
            rate[lo:hi] = float(p["rate"])
    for arr in (*params.values(), *mantissa.values(), *exponent.values()):
        arr.flags.writeable = False
    return NeuronTable(
        mantissa=mantissa,
        exponent=exponent,
        dt=float(dt),
        names=tuple(str(p["name"]) for p in populations),
        models=tuple(str(p["model"]) for p in populations),
        offsets=offsets,
        population=np.repeat(np.arange(len(populations), dtype=_I64), sizes),
        params=params,
        reset=reset,
        refractory=refractory,
        rate=rate,
        spikes=tuple(None if p.get("spikes") is None else np.asarray(p["spikes"], dtype=np.float64)
                     for p in populations),
    )


def population_records(table: NeuronTable) -> list[dict[str, Any]]:
    """The populations of a neuron table as records (`population_table`'s input).

    Raises ConfigError when a population mixes resets, refractory periods or input rates: the
    configuration formats hold one of each per population, as the hardware simulator does.
    """
    out = []
    for i, name in enumerate(table.names):
        lo, hi = int(table.offsets[i]), int(table.offsets[i + 1])
        model = table.models[i]
        resets, refr, rate = (unique(a[lo:hi]) for a in (table.reset, table.refractory, table.rate))
        if resets.size > 1 or refr.size > 1:
            raise ConfigError(f"population '{name}' mixes resets or refractory periods")
        if rate.size > 1 and not np.all(np.isnan(rate)):
            raise ConfigError(f"input '{name}' has several rates; one Poisson rate per input")
        r = float(rate[0]) if rate.size else math.nan
        out.append({
            "name": name, "model": model, "first": lo, "size": hi - lo,
            "params": {k: table.params[k][lo:hi] for k in MODELS[model]},
            "fixed": table.fixed_params(i),
            "reset": RESETS[int(resets[0])] if resets.size else "zero",
            "refractory": int(refr[0]) if refr.size else 0,
            "rate": None if math.isnan(r) else r,
            "spikes": table.spikes[i],
        })
    return out


def assemble(crossbars: Sequence[CrossbarConfig], routing: Routing, neurons: NeuronTable, order: Sequence[int],
             weight_bits: int | None, rows_limit: int, cols_limit: int, *, state_bits: int | None = None,
             decay_bits: int | None = None) -> HwConfig:
    """An `HwConfig` from its parts; the per-neuron placement is derived from the crossbars' columns
    (columns naming no neuron are left out of it: the `hw.config` verifier reports them)."""
    n = neurons.n
    xb_of = np.full(n, -1, dtype=_I64)
    col_of = np.full(n, -1, dtype=_I64)
    tile_of = np.full(n, -1, dtype=_I64)
    for k, xb in enumerate(crossbars):
        ok = (xb.col_neuron >= 0) & (xb.col_neuron < n)
        cols = xb.col_neuron[ok]
        xb_of[cols] = k
        col_of[cols] = np.flatnonzero(ok)
        tile_of[cols] = xb.tile
    return HwConfig(crossbars=tuple(crossbars), routing=routing, neurons=neurons, tile_of_neuron=tile_of,
                    weight_bits=weight_bits, crossbar_of_neuron=xb_of, column_of_neuron=col_of,
                    order=tuple(int(i) for i in order), rows_limit=int(rows_limit), cols_limit=int(cols_limit),
                    state_bits=state_bits, decay_bits=decay_bits)


# ------------------------------------------------------------------------------ tiles


def default_tiles(config: HwConfig, target: Target) -> tuple[TileConfig, ...]:
    """Each used tile with `HwConfig.crossbars_on` as its order and the target's full buffers."""
    used = sorted({c.tile for c in config.crossbars})
    return tuple(TileConfig(t, tuple(config.crossbars_on(t)), target.input_buffer, target.output_buffer)
                 for t in used)


def tile_buffers(tile_of_actor: np.ndarray, src: np.ndarray, dst: np.ndarray, token_size: np.ndarray,
                 capacity: np.ndarray, src_capacity: np.ndarray, tiles: int, input_buffer: int,
                 output_buffer: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The input and output buffers (spikes) of every tile from the channels crossing tiles.

    A tile's input buffer holds what its channels from other tiles deliver: the sum over those
    channels of capacity x token_size. When one of them is unbounded (capacity -1), or the tile
    receives over no channel at all, the tile keeps the target's whole `input_buffer`. The output
    buffer is the same over the channels leaving the tile, with their `src_capacity` and the
    target's `output_buffer`. Channels inside a tile use the tile's local memory and do not count
    (as in `mapping`'s check of the buffers). Returns (input [T], output [T], input needed [T],
    output needed [T]): the last two are the bounded sums (0 where unbounded), for error messages.
    O(actors + channels).
    """
    ts, td = tile_of_actor[src], tile_of_actor[dst]
    cross = ts != td
    out = []
    for caps, end, full in ((capacity, td, input_buffer), (src_capacity, ts, output_buffer)):
        sel = cross
        n_ch = np.bincount(end[sel], minlength=tiles)
        unbounded = np.bincount(end[sel & (caps < 0)], minlength=tiles)
        need = np.bincount(end[sel & (caps >= 0)], weights=(np.maximum(caps, 0) * token_size)[sel & (caps >= 0)],
                           minlength=tiles).astype(_I64)
        bounded = (n_ch > 0) & (unbounded == 0)
        out.append((np.where(bounded, need, full).astype(_I64), np.where(bounded, need, 0).astype(_I64)))
    return out[0][0], out[1][0], out[0][1], out[1][1]


# ------------------------------------------------------------------------------ npz files


def write_npz(path: str, arrays: Mapping[str, np.ndarray]) -> None:
    """An .npz archive (what `numpy.savez` writes, readable by `numpy.load`), byte-for-byte
    deterministic: members in sorted order, no compression, a fixed time stamp and file mode."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for key in sorted(arrays):
            arr = np.asarray(arrays[key])
            if arr.dtype.byteorder == ">":
                arr = arr.astype(arr.dtype.newbyteorder("<"))
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arr), version=(1, 0), allow_pickle=False)
            info = zipfile.ZipInfo(key + ".npy", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue())


def read_npz(path: str, label: str | None = None) -> dict[str, np.ndarray]:
    """Every array of an .npz archive; FormatError naming the file when it is missing or corrupt."""
    label = label or os.path.basename(path)
    if not os.path.isfile(path):
        raise FormatError("the file is missing" if not os.path.exists(path) else "not a file", label)
    try:
        with open(path, "rb") as fh:
            if fh.read(4) != b"PK\x03\x04":
                raise FormatError("not an .npz archive (a zip file of .npy arrays)", label)
        with np.load(path, allow_pickle=False) as f:
            return {k: np.asarray(f[k]) for k in f.files}
    except FormatError:
        raise
    except Exception as e:  # zipfile, numpy and the OS raise many kinds for damaged files
        raise FormatError(f"cannot read the archive: {e}", label) from None


# ------------------------------------------------------------------------------ manifest schema

_SCHEMA: dict[str, Any] | None = None


def schema() -> dict[str, Any]:
    """The JSON Schema of `manifest.json` (shipped as snnir/schemas/hw-config.schema.json)."""
    global _SCHEMA
    if _SCHEMA is None:
        text = resources.files("snnir").joinpath("schemas/hw-config.schema.json").read_text(encoding="utf-8")
        _SCHEMA = json.loads(text)
    return _SCHEMA


def validate_manifest(manifest: Any, file: str = MANIFEST) -> None:
    """Check a manifest against the schema; FormatError naming the field (as a JSON path) and the rule."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    errors = list(validator.iter_errors(manifest))
    if errors:  # the first in document order: a field's place in the path, array entries by index
        e = min(errors, key=lambda e: ([(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in e.absolute_path],
                                       e.message))
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path).lstrip(".")
        raise FormatError(f"does not match the {FORMAT} schema: {e.message}", file, path or None)


# ------------------------------------------------------------------------------ writing


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _tile_file(t: int) -> str:
    return f"tile{t}.npz"


def _json_number(x: float | None) -> float | int | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return x


def manifest_of(bundle: Bundle, provenance: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest of a bundle (names the files `write_bundle` writes)."""
    config, target = bundle.config, bundle.target
    names = bundle.crossbar_names
    table = config.neurons
    records = population_records(table)
    used_params = sorted({k for p in records for k in stored_params(p)})
    pops = []
    for i, p in enumerate(records):
        pops.append({"name": p["name"], "model": p["model"], "first": p["first"], "size": p["size"],
                     "reset": p["reset"], "refractory": p["refractory"], "rate": _json_number(p["rate"]),
                     "spikes": f"spikes/{i}" if p["spikes"] is not None else None,
                     "exponents": {k: int(e) for k, (_, e) in p["fixed"].items()}})
    crossbars = []
    for k, xb in enumerate(config.crossbars):
        crossbars.append({"name": names[k], "index": k, "tile": int(xb.tile), "file": _tile_file(xb.tile),
                          "rows": xb.rows, "columns": xb.cols, "crosspoints": xb.synapses,
                          "weights": str(np.dtype(xb.weights.dtype)),
                          "bias_exponent": None if xb.bias_exponent is None else int(xb.bias_exponent)})
    tiles = [{"index": t.index, "order": [names[k] for k in t.order], "input_buffer": int(t.input_buffer),
              "output_buffer": int(t.output_buffer), "file": _tile_file(t.index)} for t in bundle.tiles]
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": bundle.name,
        "target": target.to_dict(),
        "dt": float(table.dt),
        "weight_bits": config.weight_bits,
        "state_bits": config.state_bits,
        "decay_bits": config.decay_bits,
        "neurons": table.n,
        "order": [table.names[i] for i in config.order],
        "populations": pops,
        "crossbars": crossbars,
        "tiles": tiles,
        "routing": {"file": ROUTING_FILE, "entries": int(config.routing.crossbar.size)},
        "neuron_table": {"file": NEURONS_FILE, "params": used_params},
        "provenance": dict(provenance),
    }


def stored_params(record: Mapping[str, Any]) -> list[str]:
    """The names a population record's parameters are stored under: the fixed names (`decay` for tau,
    ...) of those in fixed form, the parameter names of the others; in the model's order."""
    fixed = record.get("fixed") or {}
    return [DECAY_PARAMS[k] if DECAY_PARAMS.get(k) in fixed else k for k in record["params"]]


def _check_writable(bundle: Bundle) -> None:
    names = bundle.crossbar_names
    if len(names) != len(bundle.config.crossbars):
        raise FormatError(f"{len(names)} crossbar names for {len(bundle.config.crossbars)} crossbars")
    for name in names:
        if not re.match(NAME_PATTERN, name):
            raise FormatError(f"crossbar name '{name}' cannot name arrays in a file (use letters, digits, "
                              "'_', '.', '$' and '-')")
    if len(set(names)) != len(names):
        raise FormatError("two crossbars have the same name")


def write_bundle(directory: str, bundle: Bundle, provenance: Mapping[str, Any]) -> list[str]:
    """Write the configuration into `directory` (created if needed); returns the files written.

    Files of an earlier configuration in the directory (those its manifest names) are removed
    first, so the directory holds exactly one configuration. The manifest is validated against
    the schema before anything is written. Raises FormatError (and OSError for the file system).
    """
    _check_writable(bundle)
    manifest = manifest_of(bundle, provenance)
    validate_manifest(manifest)
    config = bundle.config
    files: dict[str, dict[str, np.ndarray]] = {}
    for k, xb in enumerate(config.crossbars):
        arrays = files.setdefault(_tile_file(xb.tile), {})
        prefix = bundle.crossbar_names[k] + "/"
        arrays[prefix + "rows"] = np.asarray(xb.row_source, dtype=_I64)
        arrays[prefix + "columns"] = np.asarray(xb.col_neuron, dtype=_I64)
        arrays[prefix + "weights"] = np.asarray(xb.weights)
        arrays[prefix + "delays"] = crossbar_delays(xb).astype(np.int32)
        arrays[prefix + "present"] = np.asarray(xb.present, dtype=bool)
        arrays[prefix + "bias"] = np.asarray(xb.bias, dtype=np.float64) if xb.bias_exponent is None \
            else mantissas(xb.bias)
        if xb.scale is not None:
            arrays[prefix + "scale"] = np.asarray(xb.scale, dtype=np.float64)
    rt = config.routing
    files[ROUTING_FILE] = {"indptr": np.asarray(rt.indptr, dtype=_I64), "crossbar": np.asarray(rt.crossbar, dtype=_I64),
                           "row": np.asarray(rt.row, dtype=_I64)}
    table = config.neurons
    neurons = {name: mantissas(table.mantissa[name]) if name in table.mantissa else
               np.asarray(table.params[name], dtype=np.float64) for name in manifest["neuron_table"]["params"]}
    for i, s in enumerate(table.spikes):
        if s is not None:
            neurons[f"spikes/{i}"] = np.asarray(s, dtype=np.float64).reshape(np.shape(s)[0], -1)
    files[NEURONS_FILE] = neurons

    if os.path.exists(directory) and not os.path.isdir(directory):
        raise FormatError(f"cannot write the configuration into '{directory}': it is a file, not a directory")
    os.makedirs(directory, exist_ok=True)
    _remove_previous(directory)
    written = []
    for name in sorted(files):
        write_npz(os.path.join(directory, name), files[name])
        written.append(name)
    with open(os.path.join(directory, MANIFEST), "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(manifest, sort_keys=True, indent=2, allow_nan=False) + "\n")
    written.append(MANIFEST)
    return written


def _remove_previous(directory: str) -> None:
    path = os.path.join(directory, MANIFEST)
    try:
        with open(path, encoding="utf-8") as f:
            old = json.load(f)
    except (OSError, ValueError):
        return
    if not isinstance(old, dict) or old.get("format") != FORMAT:
        return
    names = {ROUTING_FILE, NEURONS_FILE}
    for group in ("crossbars", "tiles"):
        for entry in old.get(group) or ():
            if isinstance(entry, dict) and isinstance(entry.get("file"), str):
                names.add(entry["file"])
    for name in names:
        if os.path.basename(name) == name and name.endswith(".npz"):
            try:
                os.remove(os.path.join(directory, name))
            except OSError:
                pass


# ------------------------------------------------------------------------------ reading


def read_manifest(directory: str) -> dict[str, Any]:
    """The manifest of a configuration directory, validated against the schema."""
    if not os.path.isdir(directory):
        raise FormatError(f"'{directory}' is not a directory" if os.path.exists(directory) else
                          f"no directory '{directory}'")
    path = os.path.join(directory, MANIFEST)
    if not os.path.isfile(path):
        raise FormatError(f"'{directory}' has no manifest.json (not a configuration written by --to-config)")
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except UnicodeDecodeError:
        raise FormatError("not UTF-8 text", MANIFEST) from None
    except json.JSONDecodeError as e:
        raise FormatError(f"not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}", MANIFEST) from None
    except OSError as e:
        raise FormatError(f"cannot read: {e.strerror}", MANIFEST) from None
    if isinstance(manifest, dict) and manifest.get("format") == FORMAT and isinstance(manifest.get("version"), int) \
            and manifest["version"] > VERSION:
        raise FormatError(f"version {manifest['version']} is newer than this snnir reads ({VERSION})", MANIFEST,
                          "version")
    validate_manifest(manifest)
    return manifest


def _array(arrays: Mapping[str, np.ndarray], key: str, file: str, kinds: str, shape: tuple[int, ...],
           what: str) -> np.ndarray:
    """arrays[key], checked: present, of a dtype kind in `kinds`, of `shape` (-1: any extent)."""
    if key not in arrays:
        raise FormatError(f"is missing ({what})", file, key)
    a = arrays[key]
    if a.dtype.kind not in kinds:
        want = {"i": "integer", "b": "boolean", "f": "float"}
        raise FormatError(f"has elements of type {a.dtype}, expected {' or '.join(want[k] for k in kinds if k in want)}"
                          f" ({what})", file, key)
    if a.ndim != len(shape) or any(s >= 0 and s != d for s, d in zip(shape, a.shape)):
        got = "x".join(map(str, a.shape)) or "a scalar"
        want_s = "x".join("?" if s < 0 else str(s) for s in shape)
        raise FormatError(f"has shape {got}, expected {want_s} ({what})", file, key)
    return a


def read_bundle(directory: str) -> tuple[Bundle, dict[str, Any]]:
    """The configuration in `directory` and its manifest.

    Checks the manifest against the schema, then every file and array it names: missing or
    corrupt archives, missing arrays and arrays of the wrong type or shape are FormatErrors
    naming the file and the array (or manifest field). The consistency of the arrays with each
    other (routing targets, one column per neuron, limits of the target) is the IR verifier's job
    (`hw.config`), which `snn-translate --from-config` and `snn-sim` run.
    """
    m = read_manifest(directory)
    try:
        target = target_from_dict(m["target"], f"{MANIFEST}: target")
    except TargetError as e:
        raise FormatError(e.message, MANIFEST, "target") from None
    n = int(m["neurons"])
    pops = m["populations"]
    names = [p["name"] for p in pops]
    if len(set(names)) != len(names):
        raise FormatError("two populations have the same name", MANIFEST, "populations")
    first = 0
    for i, p in enumerate(pops):
        if p["first"] != first:
            raise FormatError(f"population '{p['name']}' starts at neuron {p['first']} but the populations before it "
                              f"end at {first}", MANIFEST, f"populations[{i}].first")
        first += p["size"]
    if first != n:
        raise FormatError(f"the populations hold {first} neurons but 'neurons' is {n}", MANIFEST, "neurons")
    index = {name: i for i, name in enumerate(names)}
    order = []
    for name in m["order"]:
        if name not in index:
            raise FormatError(f"'{name}' is not a population", MANIFEST, "order")
        order.append(index[name])
    if sorted(order) != list(range(len(pops))):
        raise FormatError("must list every population exactly once", MANIFEST, "order")

    neuron_file = m["neuron_table"]["file"]
    narrays = read_npz(os.path.join(directory, neuron_file), neuron_file)
    state_bits, decay_bits = (None if m.get(k) is None else int(m[k]) for k in ("state_bits", "decay_bits"))
    fixed_names = {key for key in STATE_PARAMS if state_bits is not None} | \
        {key for key in DECAY_PARAMS.values() if decay_bits is not None}
    params = {}
    for name in m["neuron_table"]["params"]:
        if name in fixed_names:
            params[name] = _array(narrays, name, neuron_file, "iu", (n,), "fixed-point mantissas, one per neuron")
        else:
            params[name] = _array(narrays, name, neuron_file, "f", (n,), "a neuron parameter, one value per neuron")
    records = []
    for i, p in enumerate(pops):
        lo, hi = p["first"], p["first"] + p["size"]
        rec_params, fixed = {}, {}
        exponents = p.get("exponents") or {}
        for name in MODELS[p["model"]]:
            key = DECAY_PARAMS[name] if name in DECAY_PARAMS and decay_bits is not None else name
            if key not in params:
                raise FormatError(f"population '{p['name']}' ({p['model']}) needs parameter '{key}', which is not in "
                                  f"{neuron_file}", MANIFEST, "neuron_table.params")
            values = params[key][lo:hi]
            if key in fixed_names:
                if key not in exponents:
                    raise FormatError(f"population '{p['name']}' ({p['model']}) has no exponent for its fixed-point "
                                      f"parameter '{key}'", MANIFEST, f"populations[{i}].exponents")
                fixed[key] = (values, exponents[key])
                values = np.zeros(hi - lo)  # population_table derives them from the fixed form
            elif not np.all(np.isfinite(values)):
                raise FormatError(f"parameter of population '{p['name']}' is not a finite number for every neuron",
                                  neuron_file, key)
            rec_params[name] = values
        extra = sorted(set(exponents) - set(fixed))
        if extra:
            raise FormatError(f"population '{p['name']}' ({p['model']}) has an exponent for '{extra[0]}', which is not "
                              "one of its parameters in fixed point", MANIFEST, f"populations[{i}].exponents")
        spikes = None
        if p.get("spikes") is not None:
            if p["model"] != "input":
                raise FormatError("only inputs have recorded spikes", MANIFEST, f"populations[{i}].spikes")
            spikes = _array(narrays, p["spikes"], neuron_file, "fiub", (-1, p["size"]), f"the recorded spikes of "
                            f"input '{p['name']}', [steps, {p['size']}]")
        if p.get("rate") is not None and p["model"] != "input":
            raise FormatError("only inputs have a rate", MANIFEST, f"populations[{i}].rate")
        records.append({"name": p["name"], "model": p["model"], "size": p["size"], "params": rec_params,
                        "fixed": fixed, "reset": p["reset"], "refractory": p["refractory"], "rate": p.get("rate"), "spikes": spikes})
    table = population_table(m["dt"], records)

    bits = m["weight_bits"]
    xb_entries = m["crossbars"]
    xb_names = [x["name"] for x in xb_entries]
    if len(set(xb_names)) != len(xb_names):
        raise FormatError("two crossbars have the same name", MANIFEST, "crossbars")
    tile_files: dict[str, dict[str, np.ndarray]] = {}
    crossbars = []
    for k, x in enumerate(xb_entries):
        where = f"crossbars[{k}]"
        if x["index"] != k:
            raise FormatError(f"crossbar '{x['name']}' has index {x['index']} but is entry {k}", MANIFEST,
                              f"{where}.index")
        if x["file"] != _tile_file(x["tile"]):
            raise FormatError(f"crossbar '{x['name']}' is on tile {x['tile']}, whose file is {_tile_file(x['tile'])}",
                              MANIFEST, f"{where}.file")
        f = x["file"]
        if f not in tile_files:
            tile_files[f] = read_npz(os.path.join(directory, f), f)
        arrays = tile_files[f]
        r, c = x["rows"], x["columns"]
        pre = x["name"] + "/"
        rows = _array(arrays, pre + "rows", f, "iu", (r,), "the source neuron of each row")
        cols = _array(arrays, pre + "columns", f, "iu", (c,), "the neuron of each column")
        weights = _array(arrays, pre + "weights", f, "iu" if bits is not None else "f", (r, c),
                         "integer weight levels, rows x columns" if bits is not None else "weights, rows x columns")
        if str(weights.dtype) != x["weights"]:
            raise FormatError(f"has elements of type {weights.dtype} but the manifest says {x['weights']}", f,
                              pre + "weights")
        delays = _array(arrays, pre + "delays", f, "iu", (r, c), "delays in steps, rows x columns")
        present = _array(arrays, pre + "present", f, "b", (r, c), "crosspoints holding a synapse, rows x columns")
        bias_exponent = x.get("bias_exponent")
        if state_bits is not None:
            bias = _array(arrays, pre + "bias", f, "iu", (c,), "the fixed-point mantissas of the column biases")
            if bias_exponent is None:
                raise FormatError(f"crossbar '{x['name']}' has no bias exponent, but the configuration's biases are "
                                  f"fixed point (state_bits {state_bits})", MANIFEST, f"{where}.bias_exponent")
        else:
            bias = _array(arrays, pre + "bias", f, "f", (c,), "a constant current per column")
            if bias_exponent is not None:
                raise FormatError(f"crossbar '{x['name']}' has a bias exponent, but the configuration's biases are "
                                  "float (state_bits is null)", MANIFEST, f"{where}.bias_exponent")
        scale = None
        if bits is not None:
            scale = _array(arrays, pre + "scale", f, "f", (c,), "the scale of each column's weight levels")
        elif pre + "scale" in arrays:
            raise FormatError("a scale, but the configuration is not quantised (weight_bits is null)", f, pre + "scale")
        if int(np.count_nonzero(present)) != x["crosspoints"]:
            raise FormatError(f"the crossbar holds {int(np.count_nonzero(present))} crosspoints but the manifest says "
                              f"{x['crosspoints']}", MANIFEST, f"{where}.crosspoints")
        crossbars.append((x, rows, cols, weights, scale, delays, present, bias, bias_exponent))

    rfile = m["routing"]["file"]
    rarr = read_npz(os.path.join(directory, rfile), rfile)
    e = int(m["routing"]["entries"])
    indptr = _array(rarr, "indptr", rfile, "iu", (n + 1,), "CSR offsets over the neurons, [neurons + 1]")
    rxb = _array(rarr, "crossbar", rfile, "iu", (e,), "the crossbar of each routing entry")
    rrow = _array(rarr, "row", rfile, "iu", (e,), "the row of each routing entry")
    routing = Routing(indptr=indptr.astype(_I64), crossbar=rxb.astype(_I64), row=rrow.astype(_I64))

    tiles = []
    index_of = {name: k for k, name in enumerate(xb_names)}
    for i, t in enumerate(m["tiles"]):
        order_idx = []
        for name in t["order"]:
            if name not in index_of:
                raise FormatError(f"'{name}' is not a crossbar", MANIFEST, f"tiles[{i}].order")
            order_idx.append(index_of[name])
        tiles.append(TileConfig(int(t["index"]), tuple(order_idx), int(t["input_buffer"]), int(t["output_buffer"])))

    xbs = [make_crossbar(k, x["tile"], rows, cols, weights, scale, delays, present, bias, bias_e)
           for k, (x, rows, cols, weights, scale, delays, present, bias, bias_e) in enumerate(crossbars)]
    config = assemble(xbs, routing, table, order, bits, target.rows, target.cols, state_bits=state_bits,
                      decay_bits=decay_bits)
    pipeline = m["provenance"].get("pipeline") or ""
    bundle = Bundle(name=m["name"], config=config, target=target, tiles=tuple(tiles), crossbar_names=tuple(xb_names),
                    pipeline=pipeline)
    return bundle, m
