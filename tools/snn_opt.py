"""`snn-opt`: parse, verify, transform and print snnir, like `mlir-opt`.

    snn-opt in.snnir --pass-a --pass-b='opt=1'      passes as flags, run in order
    snn-opt in.snnir -p 'pass-a{opt=1 list=1,2},pass-b'
"""

from __future__ import annotations

import sys


def _fast_version(argv: list[str]) -> bool:
    """`--version` answers before anything heavy (numpy, lark) is imported."""
    if "--version" in argv:
        from snnir import __version__

        print(f"snnir {__version__}")
        return True
    return False


def build_arg_parser():  # -> argparse.ArgumentParser
    import argparse

    from snnir.tools.driver import add_common_arguments

    ap = argparse.ArgumentParser(
        prog="snn-opt",
        description="Parse, verify, transform and print snnir. Passes run in the order given, either as "
                    "flags (--NAME or --NAME='opt=1 other=2') or as one pipeline (-p 'a{opt=1},b'). "
                    "The IR is verified after every pass.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Run `snn-opt --list-passes` for every pass and its options.",
    )
    add_common_arguments(ap)
    ap.add_argument("-p", "--pass-pipeline", metavar="PIPELINE",
                    help="passes to run, e.g. 'simulate{steps=200 seed=1},strip-debuginfo'")
    ap.add_argument("--list-passes", action="store_true", help="list every pass with its options and exit")
    ap.add_argument("--print-ir-after-all", action="store_true", help="print the IR to stderr after every pass")
    ap.add_argument("--pass-statistics", action="store_true", help="print each pass's statistics to stderr")
    ap.add_argument("--no-verify-each", dest="verify_each", action="store_false",
                    help="do not verify the IR after every pass (the input is still verified)")
    return ap


def list_passes_text() -> str:
    from snnir.pass_manager import load_all_passes

    lines = ["Available passes:"]
    for name, cls in load_all_passes().items():
        lines.append(f"  --{name}")
        lines.append(f"      {cls.description}")
        for o in cls.options():
            default = "" if o.default in (None, [], "") else f" (default: {o.default})"
            lines.append(f"      {o.name}=<{o.type_name()}>  {o.help}{default}")
        for flag, field in cls.option_flags.items():
            lines.append(f"      --{flag}=<...>  sets {field.replace('_', '-')} wherever the pass runs")
        for stat, desc in cls.statistics.items():
            lines.append(f"      statistic {stat}: {desc}")
    return "\n".join(lines) + "\n"


def split_pass_flags(unknown: list[str]) -> list[tuple[str, str]]:
    """`--name` / `--name=opts` -> (name, opts); anything else is a usage error."""
    from snnir.tools.driver import UsageError

    out = []
    for arg in unknown:
        if not arg.startswith("--") or len(arg) <= 2:
            raise UsageError(f"unexpected argument '{arg}' (one input file; passes are --NAME flags)")
        name, _, opts = arg[2:].partition("=")
        out.append((name, opts))
    return out


def apply_option_flags(passes: list, settings: list[tuple[str, str]]) -> list:
    """Passes with `--partition-report=FILE`-style flags applied to every pass that declares them."""
    import dataclasses

    from snnir.pass_manager import convert_option, load_all_passes
    from snnir.tools.driver import UsageError

    for flag, value in settings:
        if not value:
            raise UsageError(f"--{flag} needs a value: --{flag}=VALUE")
        hits = [i for i, p in enumerate(passes) if flag in p.option_flags]
        if not hits:
            owners = sorted(c.name for c in load_all_passes().values() if flag in c.option_flags)
            raise UsageError(f"--{flag} applies to the {', '.join(owners)} pass, which the pipeline does not run")
        kinds = sorted({passes[i].name for i in hits})
        if len(kinds) > 1:
            raise UsageError(f"--{flag} would apply to several passes of the pipeline ({', '.join(kinds)}); "
                             "give the option to each pass instead")
        for i in hits:
            field = passes[i].option_flags[flag]
            info = next(o for o in passes[i].options() if o.field == field)
            passes[i] = dataclasses.replace(passes[i], **{field: convert_option(value, info.type, f"--{flag}")})
    return passes


def argparse_copy(args, **changes):  # -> argparse.Namespace
    """A copy of parsed arguments with some values changed."""
    import argparse

    return argparse.Namespace(**{**vars(args), **changes})


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if _fast_version(argv):
        return 0
    from snnir.tools.driver import run_tool

    return run_tool("snn-opt", lambda: _main(argv))


def _main(argv: list[str]) -> int:
    from snnir.pass_manager import (PassManager, PipelineError, format_statistics, get_pass, instantiate,
                                    load_all_passes, parse_pipeline, split_options, suggest_pass)
    from snnir.tools.driver import Timer, UsageError, print_module, print_timings, process_chunks, read_input

    ap = build_arg_parser()
    if "-h" in argv or "--help" in argv:  # the help lists every pass, as --list-passes does
        ap.epilog = list_passes_text()
    args, unknown = ap.parse_known_args(argv)
    if args.list_passes:
        sys.stdout.write(list_passes_text())
        return 0
    flags = split_pass_flags(unknown)
    try:
        passes = parse_pipeline(args.pass_pipeline) if args.pass_pipeline else []
        settings = []
        for name, opts in flags:
            cls = get_pass(name)
            if cls is not None:
                if args.pass_pipeline:
                    raise UsageError("give passes either as flags or with -p, not both")
                passes.append(instantiate(cls, split_options(opts, name)))
            elif any(name in c.option_flags for c in load_all_passes().values()):
                settings.append((name, opts))
            else:
                raise UsageError(f"unknown option or pass '--{name}'{suggest_pass(name)}")
        passes = apply_option_flags(passes, settings)
    except PipelineError as e:
        raise UsageError(str(e)) from None

    timer = Timer()
    statistics = []

    def transform(module, ctx, engine, timer):  # type: ignore[no-untyped-def]
        pm = PassManager(passes, ctx, engine, verify_each=args.verify_each,
                         print_after_all=sys.stderr if args.print_ir_after_all else None,
                         print_generic=args.print_op_generic)
        try:
            pm.run(module)
        finally:
            timer.entries.extend(pm.timings)
            statistics.extend(pm.statistics)
        if not args.verify_each and passes and not args.print_op_generic:
            # As mlir-opt: IR that does not verify is printed in the generic form, which can always be
            # read back, rather than through custom formats that may not hold for it.
            from snnir.diagnostics import DiagnosticError

            try:
                module.verify()
            except DiagnosticError as e:
                engine.warning(f"the IR does not verify after the passes ({e.diagnostic.message}); "
                               "printing it in the generic form", e.diagnostic.loc)
                args_generic = argparse_copy(args, print_op_generic=True)
                return print_module(module, args_generic, timer)
        return print_module(module, args, timer)

    source = timer.measure("Input", lambda: read_input(args.input))
    ok = process_chunks(args, source, transform, timer)  # type: ignore[arg-type]
    if args.pass_statistics:
        print(format_statistics(statistics), file=sys.stderr)
    if args.timing:
        print_timings(timer.entries, sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
