"""What `snn-compile` reads: an `.snnir` file or a NIR file, as one verified `snn.network`.

The pipeline starts from a network, so the input must hold exactly one `snn.network` and no
later level (`cluster.graph`, `sdf.graph`, `hw.config`): compiling those again would add a second
partition of the same network. NIR files are recognised by their HDF5 signature (or a `.nir`,
`.h5`, `.hdf5` name) and imported exactly as `snn-translate --import-nir` does, `--dt` included.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Callable

from snnir.context import Context
from snnir.diagnostics import Diagnostic, error
from snnir.ir import Operation
from snnir.tools.driver import UsageError

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
NIR_SUFFIXES = (".nir", ".h5", ".hdf5")


@dataclass
class CompileInput:
    """The module, where it came from, and a digest of it for the configuration's provenance."""

    path: str
    module: Operation
    kind: str  # "snnir" or "nir"
    sha256: str  # of the input text (snnir, as --to-config records it) or of the file's bytes (NIR)
    dt: float | None = None  # the time step a NIR import used


def is_nir(path: str) -> bool:
    """An HDF5 file, or a file named like one (the importer then says what is wrong with it)."""
    try:
        with open(path, "rb") as f:
            if f.read(len(HDF5_SIGNATURE)) == HDF5_SIGNATURE:
                return True
    except OSError:
        pass
    return path.lower().endswith(NIR_SUFFIXES)


def check_readable(path: str) -> None:
    if not os.path.exists(path):
        raise UsageError(f"cannot open input file '{path}': no such file")
    if os.path.isdir(path):
        raise UsageError(f"cannot open input file '{path}': it is a directory")


def read(path: str, dt: float | None, ctx: Context, warn: Callable[[Diagnostic], None]) -> CompileInput:
    """The input, parsed (or imported) but not yet verified; DiagnosticError or UsageError otherwise.

    A NIR import's warnings go to `warn`, also when the import then fails.
    """
    check_readable(path)
    if is_nir(path):
        return _read_nir(path, dt, ctx, warn)
    if dt is not None:
        raise UsageError("--dt applies to NIR input; an .snnir network states its own dt")
    from snnir.algorithms.hwfiles import sha256_text
    from snnir.parser import parse_buffer
    from snnir.tools.driver import read_input

    source = read_input(path)
    module = parse_buffer(source, ctx)
    return CompileInput(path, module, "snnir", sha256_text(source.text))


def _read_nir(path: str, dt: float | None, ctx: Context, warn: Callable[[Diagnostic], None]) -> CompileInput:
    from snnir.tools.translate_nir import ImportNIR

    translation = ImportNIR(dt=dt)
    try:
        module = translation.import_path(path, ctx)
    finally:
        for w in translation.warnings:
            warn(w)
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    dt = next((float(op.dt.value) for op in module.regions[0].block.ops if op.name == "snn.network"), None)
    return CompileInput(path, module, "nir", digest, dt)


def single_network(module: Operation) -> Operation:
    """The module's one `snn.network`; an error when it has none, several, or is compiled already."""
    from snnir.dialects import cluster, hw, sdf, snn

    ops = module.regions[0].block.ops
    networks = [op for op in ops if isinstance(op, snn.NetworkOp)]
    later = [op for op in ops if isinstance(op, (cluster.GraphOp, sdf.GraphOp, hw.ConfigOp))]
    if later:
        raise error(f"the input holds '{later[0].name}' @{later[0].sym_name}: snn-compile starts from an "
                    "snn.network that is not partitioned yet (give the network's own file)", later[0].loc)
    if len(networks) != 1:
        names = ", ".join(f"@{n.sym_name}" for n in networks)
        raise error(f"snn-compile compiles one snn.network, the input holds {len(networks)}"
                    + (f" ({names})" if names else ""), module.loc)
    return networks[0]


def has_spike_counts(network: Operation) -> bool:
    """Every population carries `spike_counts` (from --simulate or --annotate-spikes)."""
    from snnir.passes.simulate import populations

    pops = populations(network)  # type: ignore[arg-type]
    return bool(pops) and all(op.properties.get("spike_counts") is not None for op in pops)
