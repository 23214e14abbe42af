"""`snn-translate`: convert between snnir and other formats, like `mlir-translate`.

Exactly one translation flag is given; `--list-translations` shows them all.
"""

from __future__ import annotations

import sys


def build_arg_parser(table=None):  # -> argparse.ArgumentParser
    """The common flags, plus the options that the translations in `table` declare."""
    import argparse

    from snnir.tools.driver import add_common_arguments

    ap = argparse.ArgumentParser(
        prog="snn-translate",
        description="Convert between snnir and other formats. Give exactly one translation flag "
                    "(--list-translations lists them).")
    add_common_arguments(ap)
    ap.add_argument("--list-translations", action="store_true", help="list every translation and exit")
    if table:
        group = ap.add_argument_group("translation options")
        seen: set[str] = set()
        for name, cls in table.items():
            for opt in getattr(cls, "options", ()):
                if opt.flag in seen:
                    continue
                seen.add(opt.flag)
                group.add_argument(opt.flag, dest=opt.dest, type=opt.type, default=argparse.SUPPRESS,
                                   metavar=opt.metavar, help=f"(--{name}) {opt.help}")
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
    from snnir.tools.driver import Timer, UsageError, print_module, print_timings, process_chunks, read_input
    from snnir.translation import all_translations

    table = all_translations()
    ap = build_arg_parser(table)
    args, unknown = ap.parse_known_args(argv)
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
    cls = chosen[0]
    own = {opt.dest for opt in getattr(cls, "options", ())}
    given = {}
    for other in table.values():
        for opt in getattr(other, "options", ()):
            if hasattr(args, opt.dest):
                if opt.dest not in own:
                    raise UsageError(f"option '{opt.flag}' does not apply to --{cls.name}")
                given[opt.dest] = getattr(args, opt.dest)
    translation = cls(**given) if given else cls()
    timer = Timer()
    if getattr(cls, "binary_input", False) and cls.direction == "import":
        return _import_binary(translation, args)
    if getattr(cls, "binary_output", False) and cls.direction == "export":
        return _export_binary(translation, args)
    if getattr(cls, "directory_output", False) and cls.direction == "export":
        return _export_directory(translation, args)
    source = read_input(args.input)
    if translation.direction == "import":
        def imported(module, ctx, engine, timer):  # type: ignore[no-untyped-def]
            for w in translation.warnings:  # through the engine, so --verify-diagnostics sees them
                engine.emit(w)
            translation.warnings.clear()
            return print_module(module, args, timer)

        ok = process_chunks(args, source, imported, timer,
                            read=lambda chunk, ctx: timer.measure("Translation", lambda: translation.import_(chunk, ctx)))
        _print_warnings(translation, source.name)
        return 0 if ok else 1

    def transform(module, ctx, engine, timer):  # type: ignore[no-untyped-def]
        return timer.measure("Translation", lambda: translation.export(module))

    ok = process_chunks(args, source, transform, timer)
    _print_warnings(translation, source.name)
    if args.timing:
        print_timings(timer.entries, sys.stderr)
    return 0 if ok else 1


def _print_warnings(translation, path: str) -> None:
    from snnir.translation import render_for_file

    for w in getattr(translation, "warnings", ()):
        print(render_for_file(w, path), file=sys.stderr)


def _import_binary(translation, args) -> int:
    """An import from a binary file: the translation gets the path; diagnostics name the file."""
    import os

    from snnir.context import Context
    from snnir.diagnostics import DiagnosticError
    from snnir.printer import print_operation
    from snnir.tools.driver import UsageError, write_output
    from snnir.translation import render_for_file

    path = args.input
    if path == "-":
        raise UsageError(f"--{translation.name} reads a binary file: give its path (standard input is not "
                         "supported)")
    if not os.path.exists(path):
        raise UsageError(f"cannot open input file '{path}': no such file")
    if os.path.isdir(path) and not getattr(translation, "directory_input", False):
        raise UsageError(f"cannot open input file '{path}': it is a directory")
    try:
        module = translation.import_path(path, Context(allow_unregistered=args.allow_unregistered_dialect))
        module.verify()
    except DiagnosticError as e:
        _print_warnings(translation, path)
        print(render_for_file(e.diagnostic, path), file=sys.stderr)
        return 1
    _print_warnings(translation, path)
    write_output(args.output, print_operation(module, generic=args.print_op_generic,
                                              debuginfo=args.mlir_print_debuginfo))
    return 0


def _export_binary(translation, args) -> int:
    """An export to a binary file: never to standard output."""
    from snnir.tools.driver import UsageError

    def write(module, source) -> None:  # type: ignore[no-untyped-def]
        data = translation.export_bytes(module)
        try:
            with open(args.output, "wb") as f:
                f.write(data)
        except OSError as e:
            raise UsageError(f"cannot write output file '{args.output}': {e.strerror}") from None

    return _export_to_files(translation, args, "a binary file: give it with -o FILE (binary data is not written "
                                               "to standard output)", "one file", write)


def _export_directory(translation, args) -> int:
    """An export to a directory of files (created if needed): never to standard output."""
    return _export_to_files(translation, args, "a directory: give it with -o DIR", "one directory",
                            lambda module, source: translation.export_directory(module, args.output, source))


def _export_to_files(translation, args, what: str, one: str, write) -> int:  # type: ignore[no-untyped-def]
    """Parse and verify the input, then `write(module, source)`; diagnostics name the input file."""
    from snnir.context import Context
    from snnir.diagnostics import DiagnosticError
    from snnir.parser import parse_buffer
    from snnir.tools.driver import UsageError, read_input
    from snnir.translation import render_for_file

    if args.output == "-":
        raise UsageError(f"--{translation.name} writes {what}")
    if args.split_input_file:
        raise UsageError(f"--{translation.name} writes {one} and does not take --split-input-file")
    source = read_input(args.input)
    try:
        module = parse_buffer(source, Context(allow_unregistered=args.allow_unregistered_dialect))
        module.verify()
        write(module, source)
    except DiagnosticError as e:
        _print_warnings(translation, source.name)
        print(render_for_file(e.diagnostic, source.name), file=sys.stderr)
        return 1
    except UsageError:
        _print_warnings(translation, source.name)
        raise
    _print_warnings(translation, source.name)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
