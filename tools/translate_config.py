"""Hardware configuration files out and in (`--to-config`, `--from-config`; docs/backend.md).

    snn-translate --to-config net.hw.snnir -o net.config/     # manifest.json + .npz arrays
    snn-translate --from-config net.config/                    # back to hw.target + hw.config

The directory format is `snnir.algorithms.hwfiles`' (format "snnir-hw-config", version 1), its
manifest checked against `snnir/schemas/hw-config.schema.json` when written and when read. The
export writes the module's one `hw.config` and records where it came from: the SHA-256 of the
input text, the snnir version and the pipeline that emitted the configuration. The import
gives a module with the `hw.target` and the `hw.config` (without the network, cluster and sdf
graph references, which the files do not hold); the driver then runs the IR verifier, so a
configuration whose arrays disagree (routing to a missing row, a neuron in two columns, a
crossbar larger than the target) is reported like any invalid IR.
"""

from __future__ import annotations

import os
from typing import Any

from snnir import __version__
from snnir.builtin import ModuleOp
from snnir.context import Context
from snnir.diagnostics import error
from snnir.ir import Block, Operation, Region
from snnir.location import SourceFile
from snnir.translation import Translation


def config_of(module: Operation, flag: str) -> Operation:
    """The module's one `hw.config` (DiagnosticError otherwise)."""
    from snnir.dialects import hw

    configs = [op for op in module.regions[0].block.ops if isinstance(op, hw.ConfigOp)]
    if len(configs) != 1:
        names = ", ".join(f"@{c.sym_name}" for c in configs)
        raise error(f"{flag} writes one hw.config, the input holds {len(configs)}"
                    + (f" ({names})" if names else " (run --emit-hw first)"), module.loc)
    return configs[0]


def write_config(op: Operation, directory: str, input_sha256: str, tool: str, bundle: Any = None) -> list[str]:
    """Write one `hw.config` as a configuration directory; returns the files written.

    What `--to-config` and `snn-compile` share, so both write the same bytes: the provenance
    records the tool, the SHA-256 of its input and the pipeline that emitted the configuration.
    `bundle`: `op.to_bundle()`, when the caller has it already. Failures are DiagnosticErrors at
    the op.
    """
    from snnir.algorithms import hwfiles
    from snnir.algorithms.hwconfig import ConfigError

    provenance = {"snnir_version": __version__, "input_sha256": input_sha256, "tool": tool}
    if op.pipeline is not None:  # type: ignore[attr-defined]
        provenance["pipeline"] = op.pipeline.data  # type: ignore[attr-defined]
    try:
        return hwfiles.write_bundle(directory, bundle if bundle is not None else op.to_bundle(),  # type: ignore[attr-defined]
                                    provenance)
    except (hwfiles.FormatError, ConfigError) as e:
        raise error(str(e), op.loc) from None
    except OSError as e:
        where = e.filename or directory
        raise error(f"cannot write '{where}': {e.strerror}", op.loc) from None


def module_from_directory(path: str) -> Operation:
    """The module (hw.target + hw.config) of a configuration directory, not yet verified.

    Raises DiagnosticError naming the file and field for an unreadable configuration.
    """
    from snnir.algorithms import hwfiles
    from snnir.algorithms.hwconfig import ConfigError
    from snnir.dialects import hw

    try:
        bundle, _ = hwfiles.read_bundle(path)
        config = hw.ConfigOp.from_bundle(bundle)
    except (hwfiles.FormatError, ConfigError) as e:
        raise error(str(e)) from None
    target = hw.TargetOp.from_target(bundle.target)
    return ModuleOp.build(body=Region([Block(ops=[target, config])]))


class ExportConfig(Translation):
    name = "to-config"
    description = ("hw.config -> a configuration directory (manifest.json + .npz arrays, written with -o DIR; "
                   "docs/backend.md)")
    direction = "export"
    directory_output = True

    def export_directory(self, module: Operation, directory: str, source: SourceFile) -> None:
        from snnir.algorithms import hwfiles

        write_config(config_of(module, "--to-config"), directory, hwfiles.sha256_text(source.text),
                     "snn-translate --to-config")


class ImportConfig(Translation):
    name = "from-config"
    description = "a configuration directory written by --to-config -> hw.target + hw.config"
    direction = "import"
    binary_input = True
    directory_input = True

    def import_path(self, path: str, ctx: Context) -> Operation:
        if os.path.isfile(path) and os.path.basename(path) == "manifest.json":
            path = os.path.dirname(path) or "."
        return module_from_directory(path)


__all__ = ["ExportConfig", "ImportConfig", "config_of", "module_from_directory", "write_config"]
