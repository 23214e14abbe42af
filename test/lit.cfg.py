# lit configuration of snnir's FileCheck regression tests.
#
#   lit -v test/            (from the repository root)
#
# RUN lines may use: snn-opt, snn-translate, snn-sim, snn-compile, filecheck (alias FileCheck), not (lit's builtin),
# %python, and %roundtrip (print, reparse and print again in the custom and the generic form,
# failing unless both are fixed points; the first print goes to stdout for FileCheck).

import os
import sys

import lit.formats

config.name = "snnir"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".snnir", ".mlir"]
config.test_source_root = os.path.dirname(os.path.abspath(__file__))
config.test_exec_root = config.test_source_root  # Output/ folders are git-ignored

# Unit tests are pytest's; Inputs/ folders hold files that tests read, not tests.
config.excludes = ["unit", "Inputs", "tools", "lit.cfg.py"]

python = '"' + sys.executable + '"'
tools_dir = os.path.join(config.test_source_root, "tools")


def tool(name):
    # A tool name only when it stands alone, not inside a path or a longer word.
    return r"(?<![\w/.%-])" + name + r"(?![\w.-])"


# Run the tools with the interpreter that runs lit (no PATH lookup, no wrapper scripts).
config.substitutions.append(("%roundtrip", f'{python} "{os.path.join(tools_dir, "roundtrip.py")}"'))
config.substitutions.append(("%python", python))
config.substitutions.append((tool("snn-opt"), f"{python} -m snnir.tools.snn_opt"))
config.substitutions.append((tool("snn-translate"), f"{python} -m snnir.tools.snn_translate"))
config.substitutions.append((tool("snn-sim"), f"{python} -m snnir.tools.snn_sim"))
config.substitutions.append((tool("snn-compile"), f"{python} -m snnir.tools.snn_compile"))
config.substitutions.append((tool("FileCheck"), f"{python} -m filecheck"))
config.substitutions.append((tool("filecheck"), f"{python} -m filecheck"))

# Diagnostics and help texts must not depend on the terminal.
config.environment["COLUMNS"] = "100"
config.environment.pop("SNNIR_DEBUG", None)
for var in ("HOME", "TMPDIR", "TEMP", "TMP"):
    if var in os.environ:
        config.environment[var] = os.environ[var]
