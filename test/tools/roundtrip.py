"""Print a file with snn-opt, then check that printing is a fixed point of parsing.

    roundtrip.py FILE [snn-opt flags]

1. out     = snn-opt FLAGS FILE                       (written to stdout for FileCheck)
2. custom  = snn-opt FLAGS out                        out must equal custom (or generic, below,
   generic = snn-opt FLAGS --print-op-generic out     when FLAGS ask for the generic form)
3. custom  == snn-opt FLAGS generic                   generic form -> custom form
4. generic == snn-opt FLAGS --print-op-generic generic

Exits 1 with a unified diff when a step changes the text. Runs snn-opt in-process so a
round trip costs one interpreter start, not four.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import os
import sys
import tempfile

from snnir.tools.snn_opt import main as snn_opt


def run(args: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = snn_opt(args)
    if status != 0:
        sys.stderr.write(f"roundtrip: snn-opt {' '.join(args)} exited with status {status}\n")
        sys.exit(1)
    return out.getvalue()


def compare(expected: str, got: str, what: str) -> bool:
    if expected == got:
        return True
    sys.stderr.write(f"roundtrip: {what} is not a fixed point:\n")
    sys.stderr.writelines(difflib.unified_diff(expected.splitlines(True), got.splitlines(True), "expected", "got"))
    return False


def main() -> int:
    paths = [a for a in sys.argv[1:] if not a.startswith("-")]
    if len(paths) != 1:
        sys.exit("usage: roundtrip.py FILE [snn-opt flags]")
    path = paths[0]
    flags = [a for a in sys.argv[1:] if a is not path]
    generic_wanted = "--print-op-generic" in flags
    flags_custom = [f for f in flags if f != "--print-op-generic"]
    first = run([*flags, path])
    sys.stdout.write(first)
    sys.stdout.flush()
    with tempfile.TemporaryDirectory() as tmp:
        def reprint(text: str, generic: bool) -> str:
            p = os.path.join(tmp, "in.snnir")
            with open(p, "w", encoding="utf-8") as f:
                f.write(text)
            return run([*flags_custom, *(["--print-op-generic"] if generic else []), p])

        custom = reprint(first, False)
        generic = reprint(first, True)
        ok = compare(generic if generic_wanted else custom, first, "the output, printed again,")
        ok &= compare(custom, reprint(generic, False), "the generic form, printed in custom form,")
        ok &= compare(generic, reprint(generic, True), "the generic form, printed again,")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
