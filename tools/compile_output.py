"""Where `snn-compile` writes: checked before the compile starts, written after it.

The configuration directory and the `--emit-ir` file are checked first, so that a typo in a path
costs nothing rather than a whole compile; writing can still fail (a full disk) and then ends as
a diagnostic too. The directory is written by `translate_config.write_config`, the code of
`snn-translate --to-config`, so the files are the same bytes.
"""

from __future__ import annotations

import os

from snnir.ir import Operation
from snnir.tools.driver import UsageError

TOOL = "snn-compile"


def default_directory(input_path: str) -> str:
    """`model.nir` -> `model.config`, in the current directory."""
    stem = os.path.splitext(os.path.basename(input_path.rstrip("/")))[0] or "network"
    return f"{stem}.config"


def _nearest_existing(path: str) -> str:
    path = os.path.abspath(path)
    while not os.path.exists(path):
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return path


def check_directory(path: str) -> None:
    """The configuration directory exists and is writable, or can be created."""
    what = f"cannot write the configuration into '{path}'"
    if os.path.exists(path):
        if not os.path.isdir(path):
            raise UsageError(f"{what}: it is a file, not a directory")
        if not os.access(path, os.W_OK | os.X_OK):
            raise UsageError(f"{what}: permission denied")
        return
    parent = _nearest_existing(path)
    if not os.path.isdir(parent):
        raise UsageError(f"{what}: '{parent}' is a file, not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{what}: cannot create it in '{parent}' (permission denied)")


def check_file(path: str) -> None:
    """A file that can be written (its directory exists; it is not a directory)."""
    what = f"cannot write --emit-ir file '{path}'"
    if os.path.isdir(path):
        raise UsageError(f"{what}: it is a directory")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise UsageError(f"{what}: no directory '{os.path.dirname(path) or '.'}'")
    if not os.access(parent, os.W_OK | os.X_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise UsageError(f"{what}: permission denied")


def config_op(module: Operation) -> Operation:
    """The one `hw.config` emit-hw added (the input held one network, so one graph)."""
    from snnir.tools.translate_config import config_of

    return config_of(module, TOOL)


def write_configuration(op: Operation, directory: str, input_sha256: str, bundle: object) -> list[str]:
    """The configuration directory of `op` (an `hw.config`), as `--to-config` writes it."""
    from snnir.tools.translate_config import write_config

    try:  # the directory itself: a failure is about the -o path, not about the input
        os.makedirs(directory, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot write the configuration into '{directory}': {e.strerror}") from None
    return write_config(op, directory, input_sha256, TOOL, bundle)


def write_ir(module: Operation, path: str) -> None:
    """The final module as text (custom form), for `snn-sim DIR --compare FILE`."""
    from snnir.printer import print_operation
    from snnir.tools.driver import write_output

    write_output(path, print_operation(module))


def total_bytes(directory: str, files: list[str]) -> int:
    return sum(os.path.getsize(os.path.join(directory, f)) for f in files)
