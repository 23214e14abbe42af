"""`snn-translate`: convert between snnir and other formats, like `mlir-translate`.

Exactly one translation flag is given; `--list-translations` shows them all.
"""

from __future__ import annotations

import sys


def build_arg_parser():  # -> argparse.ArgumentParser
    import argparse

    from snnir.tools.driver import add_common_arguments

    ap = argparse.ArgumentParser(
        prog="snn-translate",
        description="Convert between snnir and other formats. Give exactly one translation flag "
                    "(--list-translations lists them).")
    add_common_arguments(ap)
    ap.add_argument("--list-translations", action="store_true", help="list every translation and exit")
    return ap


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--version" in argv:
        from snnir import __version__

        print(f"snnir {__version__}")
        return 0
    from snnir.tools.driver import run_tool

    return run_tool("snn-translate", lambda: _main(argv))


def _main(argv: list[str]) -> int:
    from snnir.tools.driver import Timer, UsageError, print_timings, process_chunks, read_input
    from snnir.translation import all_translations

    ap = build_arg_parser()
    args, unknown = ap.parse_known_args(argv)
    table = all_translations()
    if args.list_translations:
        for name, cls in table.items():
            print(f"  --{name:<20} ({cls.direction}) {cls.description}")
        return 0
    chosen = []
    for arg in unknown:
        name = arg[2:] if arg.startswith("--") else None
        if name not in table:
            import difflib

            close = difflib.get_close_matches(name or arg, list(table), n=1)
            hint = f"; did you mean '--{close[0]}'?" if close else ""
            raise UsageError(f"unknown option or translation '{arg}'{hint}")
        chosen.append(table[name])  # type: ignore[index]
    if len(chosen) != 1:
        raise UsageError(f"give exactly one translation flag (got {len(chosen)}); see --list-translations")
    translation = chosen[0]()
    timer = Timer()
    source = read_input(args.input)
    if translation.direction == "import":
        from snnir.diagnostics import DiagnosticError
        from snnir.printer import print_operation
        from snnir.tools.driver import write_output
        from snnir.context import Context

        try:
            module = translation.import_(source, Context(allow_unregistered=args.allow_unregistered_dialect))
            module.verify()
        except DiagnosticError as e:
            print(e.diagnostic.render(), file=sys.stderr)
            return 1
        write_output(args.output, print_operation(module, generic=args.print_op_generic,
                                                  debuginfo=args.mlir_print_debuginfo))
        return 0

    def transform(module, ctx, engine, timer):  # type: ignore[no-untyped-def]
        return timer.measure("Translation", lambda: translation.export(module))

    ok = process_chunks(args, source, transform, timer)
    if args.timing:
        print_timings(timer.entries, sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
