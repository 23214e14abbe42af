"""`snn-sim`: run a hardware configuration, spikes only through its routing and crossbars.

    snn-sim net.config/ --steps 100 --seed 0                 # a directory written by --to-config
    snn-sim net.hw.snnir --compare net.snnir                 # an hw.config in IR, checked against the network
    snn-sim net.config/ --weights quantised --weight-bits 4 --compare net.snnir -o spikes.npz

The configuration (checked by the IR verifier first) runs on `snnir.algorithms.hwsim`'s
`Machine`, which needs nothing but the configuration: each tile's crossbars compute their
columns' currents from the rows that routing filled, the neuron table updates the neurons.
It prints the spikes of every population and of every tile. With `--compare NET.snnir` it also
runs the reference simulator on the network and prints whether the spike trains are identical
(float weights and parameters; exit status 1 when they are not) or, with quantised weights or
fixed-point neuron parameters (`state_bits`, `decay_bits`: run dequantised), how far the spike
counts move: per population, the total |difference| of the per-neuron counts over the total
reference spikes. `--weights quantised` quantises a float configuration with `--weight-bits`
(default: the target's weight_bits) as `--emit-hw` would; `--weights float` insists on float
weights. `-o FILE.npz` writes the spike trains ([steps, size] uint8 per population).

Bad input (a missing or invalid configuration, a network that does not match) is a message and
exit status 1, never a traceback.
"""

from __future__ import annotations

import sys
from typing import Any


def build_arg_parser():  # -> argparse.ArgumentParser
    import argparse

    from snnir import __version__
    from snnir.algorithms.simulate import DEFAULT_RATE, DEFAULT_STEPS

    ap = argparse.ArgumentParser(
        prog="snn-sim",
        description="Run a hardware configuration (a directory written by snn-translate --to-config, or an .snnir "
                    "file holding an hw.config) with the hardware-level simulator, and optionally compare it with "
                    "the reference simulator on the network.")
    ap.add_argument("config", metavar="CONFIG_DIR_OR_SNNIR", help="configuration directory or .snnir file")
    ap.add_argument("--steps", type=int, default=DEFAULT_STEPS, metavar="N", help=f"time steps (default {DEFAULT_STEPS})")
    ap.add_argument("--seed", type=int, default=0, metavar="S", help="seed of the Poisson inputs (default 0)")
    ap.add_argument("--rate", type=float, default=DEFAULT_RATE, metavar="HZ",
                    help=f"Poisson rate of inputs that state none (default {DEFAULT_RATE})")
    ap.add_argument("--weights", choices=("float", "quantised"), default=None,
                    help="float: require float weights; quantised: quantise float weights (--weight-bits) or use "
                         "the configuration's levels (default: the weights the configuration holds)")
    ap.add_argument("--weight-bits", type=int, default=None, metavar="B",
                    help="bits for --weights quantised on a float configuration (default: the target's)")
    ap.add_argument("--config-name", default=None, metavar="NAME",
                    help="the hw.config to run when the .snnir file holds several")
    ap.add_argument("--compare", default=None, metavar="NET.snnir",
                    help="also run the reference simulator on this file's network and compare")
    ap.add_argument("-o", dest="output", default=None, metavar="SPIKES.npz", help="write the spike trains here")
    ap.add_argument("--version", action="version", version=f"snnir {__version__}")
    return ap


def main(argv: list[str] | None = None) -> int:
    from snnir.tools.driver import run_tool

    argv = list(sys.argv[1:] if argv is None else argv)
    return run_tool("snn-sim", lambda: _main(argv))


class _Failed(Exception):
    """Input that was reported already (a diagnostic was printed): exit status 1."""


def _report(diag: Any, path: str) -> None:
    from snnir.translation import render_for_file

    print(render_for_file(diag, path), file=sys.stderr)


def load_config(path: str, name: str | None) -> Any:
    """The verified `hw.config` op of a configuration directory or .snnir file."""
    import os

    from snnir.context import Context
    from snnir.diagnostics import DiagnosticError
    from snnir.dialects import hw
    from snnir.parser import parse_buffer
    from snnir.tools.driver import UsageError, read_input
    from snnir.tools.translate_config import module_from_directory

    if not os.path.exists(path):
        raise UsageError(f"cannot open '{path}': no such file or directory")
    try:
        if os.path.isdir(path):
            module = module_from_directory(path)
        else:
            module = parse_buffer(read_input(path), Context())
        module.verify()
    except DiagnosticError as e:
        _report(e.diagnostic, path)
        raise _Failed() from None
    configs = [op for op in module.regions[0].block.ops if isinstance(op, hw.ConfigOp)]
    if name is not None:
        configs = [c for c in configs if c.sym_name == name]
        if not configs:
            raise UsageError(f"'{path}' holds no hw.config @{name}")
    if len(configs) != 1:
        names = ", ".join(f"@{c.sym_name}" for c in configs)
        raise UsageError(f"'{path}' holds {len(configs)} hw.config ops"
                         + (f" ({names}): choose one with --config-name" if configs else
                            " (run snn-opt --emit-hw first)"))
    return configs[0]


def quantised(config: Any, bits: int) -> Any:
    """`config` with its float weights quantised to `bits` bits per column (hwconfig.quantise)."""
    import dataclasses

    import numpy as np

    from snnir.algorithms.hwconfig import quantise

    xbs = []
    for xb in config.crossbars:
        cols, rows = np.nonzero(np.asarray(xb.present).T)  # grouped by column, as quantise needs
        levels, scale = quantise(np.asarray(xb.weights, np.float64)[rows, cols], cols, xb.cols, bits)
        w = np.zeros(xb.weights.shape, dtype=np.int32)
        w[rows, cols] = levels
        xbs.append(dataclasses.replace(xb, weights=w, scale=scale))
    return dataclasses.replace(config, crossbars=tuple(xbs), weight_bits=bits)


def load_network(path: str, op: Any) -> tuple[Any, str]:
    """The SimNetwork of the file's network (the one the configuration names, else the only one)."""
    from snnir.context import Context
    from snnir.diagnostics import DiagnosticError, error
    from snnir.parser import parse_buffer
    from snnir.pass_manager import PassFailure
    from snnir.passes.simulate import network_from_ir, networks
    from snnir.tools.driver import UsageError, read_input

    try:
        module = parse_buffer(read_input(path), Context())
        module.verify()
        nets = networks(module)
        if op.network is not None and any(n.sym_name == op.network.root for n in nets):
            nets = [n for n in nets if n.sym_name == op.network.root]
        if len(nets) != 1:
            raise UsageError(f"'{path}' holds {len(nets)} snn.network ops; --compare needs the one the configuration "
                             "was built from")
        try:
            net, _ = network_from_ir(nets[0])
        except PassFailure as e:
            raise error(str(e), e.loc) from None
    except DiagnosticError as e:
        _report(e.diagnostic, path)
        raise _Failed() from None
    return net, nets[0].sym_name


def exact(config: Any) -> bool:
    """Whether the configuration holds the network's own float values (weights and neuron parameters),
    so the hardware must reproduce the reference spike for spike."""
    return config.weight_bits is None and config.state_bits is None and config.decay_bits is None


def precision_text(config: Any) -> str:
    """`float weights`, `8-bit weights, 24-bit state, 12-bit decays`, ...: what the configuration rounds."""
    parts = ["float weights" if config.weight_bits is None else f"{config.weight_bits}-bit weights"]
    if config.state_bits is not None:
        parts.append(f"{config.state_bits}-bit state")
    if config.decay_bits is not None:
        parts.append(f"{config.decay_bits}-bit decays")
    return ", ".join(parts)


def _table(header: list[str], rows: list[list[Any]]) -> str:
    """Text columns left-aligned, numbers right-aligned."""
    cells = [header] + [[str(x) for x in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    left = [all(not isinstance(r[i], (int, float)) for r in rows) or i == 0 for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) if left[i] else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
                     for r in cells)


def _main(argv: list[str]) -> int:
    import numpy as np

    from snnir.algorithms.hwconfig import ConfigError, check_network
    from snnir.algorithms.hwsim import Machine
    from snnir.algorithms.simulate import SimulationError, simulate
    from snnir.tools.driver import UsageError

    ap = build_arg_parser()
    args = ap.parse_args(argv)
    if args.steps < 0:
        raise UsageError(f"--steps must be >= 0, got {args.steps}")
    if not args.rate >= 0:
        raise UsageError(f"--rate must be >= 0 Hz, got {args.rate}")
    if args.weight_bits is not None and not 1 <= args.weight_bits <= 32:
        raise UsageError(f"--weight-bits must be between 1 and 32, got {args.weight_bits}")
    if args.weight_bits is not None and args.weights != "quantised":
        raise UsageError("--weight-bits applies to --weights quantised")
    try:
        op = load_config(args.config, args.config_name)
        bundle = op.to_bundle()
        config = bundle.config
        if args.weights == "float" and config.weight_bits is not None:
            raise UsageError(f"the configuration holds {config.weight_bits}-bit weight levels, not float weights "
                             "(emit it with --emit-hw='weight-bits=0')")
        if args.weights == "quantised" and config.weight_bits is None:
            bits = args.weight_bits or bundle.target.weight_bits
            if bits is None:
                raise UsageError(f"the configuration holds float weights and target @{bundle.target.name} has no "
                                 "weight_bits: give --weight-bits B")
            if bits > 32:
                raise UsageError(f"target @{bundle.target.name} has {bits}-bit weights; give --weight-bits B with "
                                 "B <= 32")
            config = quantised(config, bits)
        elif args.weights == "quantised" and args.weight_bits not in (None, config.weight_bits):
            raise UsageError(f"the configuration is quantised to {config.weight_bits} bits already")
        net = net_name = None
        if args.compare is not None:
            net, net_name = load_network(args.compare, op)
            try:
                check_network(config, net)
            except ConfigError as e:
                hint = ""
                if any(m == "relay" for m in config.neurons.models):
                    hint = (" (the configuration's network has fan-in relays: compare with the file --emit-hw wrote, "
                            "which holds that network)")
                raise UsageError(f"'{args.compare}' (@{net_name}) is not the network of the configuration: {e}{hint}") \
                    from None
        try:
            hw = Machine(config).run(args.steps, args.seed, default_rate=args.rate, record_spikes=True)
            ref = simulate(net, args.steps, seed=args.seed, default_rate=args.rate, record_spikes=True) \
                if net is not None else None
        except (ConfigError, SimulationError) as e:
            raise UsageError(f"cannot run the configuration: {e}") from None
    except _Failed:
        return 1

    t = config.neurons
    kind = precision_text(config)
    tiles = sorted({c.tile for c in config.crossbars})
    print(f"hw.config @{bundle.name} on target @{bundle.target.name}: {len(config.crossbars)} crossbars on "
          f"{len(tiles)} tiles, {t.n} neurons, {kind}; {args.steps} steps, seed {args.seed}")
    header = ["population", "model", "neurons", "spikes"]
    rows: list[list[Any]] = []
    identical = True
    first_diff = None
    for i, name in enumerate(t.names):
        count = int(hw.counts[name].sum())
        row: list[Any] = [name, t.models[i], t.size(i), count]
        if ref is not None:
            rc = ref.counts[name]
            diff = int(np.abs(hw.counts[name] - rc).sum())
            total = int(rc.sum())
            row += [total, diff, f"{diff / total:.4f}" if total else "-"]
            a, b = hw.spikes[name], ref.spikes[name]
            if not np.array_equal(a, b):
                identical = False
                if first_diff is None:
                    s, n = (int(x) for x in np.argwhere(a != b)[0])
                    first_diff = f"step {s}, neuron {n} of '{name}'"
        rows.append(row)
    if ref is not None:
        header += ["reference", "|diff|", "moved"]
    rows.append(["total", "", t.n, sum(r[3] for r in rows)] +
                ([sum(r[4] for r in rows), sum(r[5] for r in rows), ""] if ref is not None else []))
    print(_table(header, rows))
    tile_rows = []
    spikes_of = np.concatenate([hw.counts[name].astype(np.int64) for name in t.names]) if t.names else np.zeros(0)
    for tile in tiles:
        on_tile = config.tile_of_neuron == tile
        tile_rows.append([f"tile {tile}", sum(c.tile == tile for c in config.crossbars),
                          int(np.count_nonzero(on_tile)), int(spikes_of[on_tile].sum())])
    if tile_rows:
        print(_table(["tile", "crossbars", "neurons", "spikes"], tile_rows))
    status = 0
    if ref is not None:
        if exact(config):
            if identical:
                print(f"spike trains: identical to the reference simulator on @{net_name}")
            else:
                print(f"spike trains: DIFFERENT from the reference simulator on @{net_name} (first at {first_diff})")
                status = 1
        else:
            total = sum(r[4] for r in rows[:-1])
            moved = sum(r[5] for r in rows[:-1])
            print(f"spike counts with {kind}: {moved} of {total} reference spikes moved ({moved / total:.4f})"
                  if total else f"spike counts with {kind}: {moved} spikes, the reference has none")
    if args.output:
        from snnir.algorithms.hwfiles import write_npz

        try:
            write_npz(args.output, {name: hw.spikes[name] for name in t.names})
        except OSError as e:
            raise UsageError(f"cannot write '{args.output}': {e.strerror}") from None
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
