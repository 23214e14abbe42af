"""`annotate-spikes`: take per-neuron spike counts recorded elsewhere instead of simulating.

    snn-opt net.snnir --annotate-spikes='file=counts.npz'
    snn-opt net.snnir --annotate-spikes='file=activity.h5'      # NIR activity data (nir.write_data)

Accepted files (docs/simulation.md has the details):
- `.npz`: one array per population, keyed by its symbol name. An array with as many values as
  the population has neurons holds the counts; an array [..., *shape] whose trailing
  dimensions hold one value per neuron is spike trains (e.g. [steps, n] or [samples, steps, n])
  and is summed over its leading axes.
- `.h5` / `.hdf5`: NIR graph data as written by `nir.write_data`: node `name`, observable
  `spikes` (or the node's only spike observable), TimeGriddedData [samples, steps, n] summed,
  or EventData counted per neuron. Nodes of nested graphs are named `outer.inner`; a node
  also matches the symbol the NIR importer gives it (see `symbol_spellings`).

Every spiking population (inputs included) needs an entry unless `allow-missing` is set;
non-spiking populations (li, cuba_li, integrator) are annotated only when the file has them.
Counts must be non-negative whole numbers. The network's `snn.simulated_steps` is removed,
since the counts no longer come from a simulation here.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from snnir.dialects import snn
from snnir.ir import Operation
from snnir.pass_manager import Pass, PassContext, PassFailure, option
from snnir.passes.simulate import STEPS_ATTR, annotate, networks, populations

_HDF5_SUFFIXES = (".h5", ".hdf5", ".hdf")


def symbol_spellings(name: str) -> list[str]:
    """Symbols a NIR node name may have become: the spelling of the NIR importer (characters
    other than ASCII letters, digits and `_ $ . -` become `_`, and an `n` goes in front of a
    name that does not start with a letter or `_`), and the stricter one with only letters,
    digits and `_`."""
    loose = re.sub(r"[^A-Za-z0-9_$.\-]", "_", name) or "n"
    if not (loose[0].isalpha() or loose[0] == "_"):
        loose = "n" + loose
    return [loose, re.sub(r"[^A-Za-z0-9_]", "_", name)]


def read_counts_file(path: str, loc: Any) -> dict[str, np.ndarray]:
    """Arrays by name from an .npz or a NIR activity-data HDF5 file; PassFailure if unreadable."""
    if not os.path.isfile(path):
        raise PassFailure(f"cannot read spike counts: no file '{path}'", loc)
    if path.lower().endswith(_HDF5_SUFFIXES):
        return _read_nir_data(path, loc)
    try:
        with open(path, "rb") as fh:
            if fh.read(4) != b"PK\x03\x04":
                raise ValueError("not an .npz archive (numpy.savez), nor NIR activity data (.h5)")
        with np.load(path, allow_pickle=False) as f:
            if not hasattr(f, "files"):
                raise ValueError("not an .npz archive (a single array has no population names)")
            return {k: np.asarray(f[k]) for k in f.files}
    except Exception as e:  # numpy raises many kinds for malformed files
        raise PassFailure(f"cannot read spike counts from '{path}': {e}", loc) from None


def _read_nir_data(path: str, loc: Any) -> dict[str, np.ndarray]:
    try:
        import h5py
    except ImportError:
        raise PassFailure(f"reading NIR activity data ('{path}') needs h5py: pip install h5py", loc) from None
    out: dict[str, np.ndarray] = {}

    def attr(obj: Any, key: str) -> str:
        value = obj.attrs.get(key)
        return value.decode() if isinstance(value, bytes) else str(value)

    def node_counts(group: Any) -> np.ndarray | None:
        obs = group.get("observables")
        if obs is None:
            return None
        candidates = [obs["spikes"]] if "spikes" in obs else [
            g for g in obs.values()
            if attr(g, "__type__") in ("EventData",)
            or (attr(g, "__type__") == "TimeGriddedData" and g["data"].dtype == np.bool_)]
        if len(candidates) != 1:
            return None
        g = candidates[0]
        if attr(g, "__type__") == "TimeGriddedData":
            data = np.asarray(g["data"][()])
            return data.reshape(-1, data.shape[-1]).sum(axis=0, dtype=np.int64) if data.ndim >= 2 else data
        idx = np.asarray(g["idx"][()]).reshape(-1)
        n = int(g.attrs["n_neurons"])
        idx = idx[idx >= 0]
        if idx.size and idx.max() >= n:
            raise ValueError(f"an event index is >= n_neurons = {n}")
        return np.bincount(idx.astype(np.int64), minlength=n)

    def walk(group: Any, prefix: str) -> None:
        for name, g in group["nodes"].items():
            full = prefix + name
            if attr(g, "__type__") == "NIRGraphData":
                walk(g, full + ".")
            else:
                counts = node_counts(g)
                if counts is not None:
                    out[full] = counts

    try:
        with h5py.File(path, "r") as f:
            if attr(f, "__type__") != "NIRGraphData" or "nodes" not in f:
                raise ValueError("the root is not NIR graph data (nir.write_data)")
            walk(f, "")
    except Exception as e:  # h5py and malformed content raise many kinds
        raise PassFailure(f"cannot read NIR activity data from '{path}': {e}", loc) from None
    for name in list(out):
        for spelling in symbol_spellings(name):
            out.setdefault(spelling, out[name])
    return out


def counts_for(op: Operation, array: np.ndarray, path: str) -> np.ndarray:
    """Per-neuron counts from a counts array or spike trains; PassFailure at `op` if they do not fit."""
    size = op.res.type.size
    name = op.sym_name
    arr = np.asarray(array)
    if arr.dtype.kind not in "biuf":
        raise PassFailure(f"'{path}' holds {arr.dtype} data for @{name}, expected numbers", op.loc)
    if arr.size != size:
        k = next((k for k in range(1, arr.ndim) if math.prod(arr.shape[k:]) == size), None)
        if k is None:
            raise PassFailure(f"'{path}' has {arr.size} values for @{name} (shape "
                              f"{'x'.join(map(str, arr.shape)) or 'scalar'}) but it has {size} neurons", op.loc)
        arr = arr.reshape(-1, size).sum(axis=0, dtype=np.float64 if arr.dtype.kind == "f" else np.int64)
    arr = arr.reshape(-1)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.rint(arr)):
            bad = int(np.flatnonzero(~np.isfinite(arr) | (arr != np.rint(arr)))[0])
            raise PassFailure(f"spike count of neuron {bad} of @{name} is {arr[bad]}, not a whole number", op.loc)
    if np.any(arr < 0):
        bad = int(np.flatnonzero(arr < 0)[0])
        raise PassFailure(f"spike count of neuron {bad} of @{name} is negative ({arr[bad]})", op.loc)
    return arr.astype(np.int64)


@dataclass(frozen=True)
class AnnotateSpikes(Pass):
    name = "annotate-spikes"
    description = ("Annotate each snn.input and snn.neurons op with per-neuron spike counts read from a file "
                   "(.npz of counts or spike trains keyed by symbol, or NIR activity data .h5)")
    statistics = {"populations": "populations annotated", "spikes": "spikes counted"}

    file: str = option("", "the .npz or NIR activity-data (.h5) file")
    allow_missing: bool = option(False, "leave populations without an entry unannotated instead of failing")

    def apply(self, module: Operation, ctx: PassContext) -> None:
        if not self.file:
            raise PassFailure("annotate-spikes needs a file: --annotate-spikes='file=counts.npz'", module.loc)
        data = read_counts_file(self.file, module.loc)
        for network in networks(module):
            for op in populations(network):
                name = op.sym_name
                array = data.get(name)
                if array is None:
                    spiking = isinstance(op, snn.InputOp) or op.model.spiking
                    if spiking and not self.allow_missing:
                        known = ", ".join(sorted(data)) or "none"
                        raise PassFailure(f"'{self.file}' has no spike counts for @{name} (arrays: {known})",
                                          op.loc)
                    continue
                counts = counts_for(op, array, self.file)
                annotate(op, counts)
                ctx.bump("populations")
                ctx.bump("spikes", int(counts.sum()))
            network.attributes.pop(STEPS_ATTR, None)
