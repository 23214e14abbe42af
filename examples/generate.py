"""Write the example networks of snnir's evaluation as `.snnir` files (seeded, reproducible).

    python examples/generate.py                 # rewrite every bundled example in examples/
    python examples/generate.py --check         # fail if a bundled file differs from what this writes
    python examples/generate.py random --neurons 20000 --synapses 1000000 -o big.snnir

The families follow the paper's evaluation (LCTES 2020, Table 2): fully connected, convolutional,
image filters, 1-D convolution on heartbeat signals, recurrent, and a large sparse random recurrent
network. Weights are random (seeded); each layer's weights are then scaled, with the reference
simulator, until its neurons fire 2 to 8 times in 100 steps of Poisson input, so that every layer
carries spikes. They are workloads for the compiler, not trained classifiers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

import numpy as np

from snnir.dialects.snn import IFAttr, LIAttr, LIFAttr
from snnir.dialects.snn_builder import NetworkBuilder
from snnir.printer import print_operation

HERE = Path(__file__).resolve().parent
LIF = LIFAttr(tau=2e-2, v_th=1.0)
POOL_IF = IFAttr(r=1000.0, v_th=1.0)  # with dt = 1 ms: one input spike reaches threshold


def _w(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int, gain: float = 3.0) -> np.ndarray:
    return (rng.standard_normal(shape) * gain / np.sqrt(fan_in)).astype(np.float32)


Gains = dict[str, float]


def mlp_mnist(g: Gains | None = None, seed: int = 1) -> NetworkBuilder:
    """MLP-MNIST 784-100-10."""
    g = g or {}
    rng = np.random.default_rng(seed)
    net = NetworkBuilder("mlp_mnist", dt=1e-3)
    x = net.input("pixels", 784, rate=40.0)
    h = net.neurons("hidden", 100, LIF)
    o = net.neurons("digits", 10, LIF)
    net.dense(x, h, np.abs(_w(rng, (100, 784), 784)) * g.get("hidden", 1.0))
    net.dense(h, o, np.abs(_w(rng, (10, 100), 100)) * g.get("digits", 1.0))
    net.output("out", o)
    return net


def lenet5(g: Gains | None = None, seed: int = 2) -> NetworkBuilder:
    """LeNet-5 on 28x28: conv5x5(6, pad 2) - pool2 - conv5x5(16) - pool2 - 120 - 84 - 10."""
    g = g or {}
    rng = np.random.default_rng(seed)
    net = NetworkBuilder("lenet5", dt=1e-3)
    x = net.input("image", (1, 28, 28), rate=40.0)
    c1 = net.neurons("conv1", (6, 28, 28), LIF)
    p1 = net.neurons("pool1", (6, 14, 14), POOL_IF)
    c2 = net.neurons("conv2", (16, 10, 10), LIF)
    p2 = net.neurons("pool2", (16, 5, 5), POOL_IF)
    f1 = net.neurons("fc1", 120, LIF)
    f2 = net.neurons("fc2", 84, LIF)
    o = net.neurons("digits", 10, LIF)
    net.conv(x, c1, np.abs(_w(rng, (6, 1, 5, 5), 25)) * g.get("conv1", 1.0), padding=[2, 2])
    net.pool(c1, p1, [2, 2])
    net.conv(p1, c2, np.abs(_w(rng, (16, 6, 5, 5), 150)) * g.get("conv2", 1.0))
    net.pool(c2, p2, [2, 2])
    flat = net.reshape(p2, 400)
    net.dense(flat, f1, np.abs(_w(rng, (120, 400), 400)) * g.get("fc1", 1.0))
    net.dense(f1, f2, np.abs(_w(rng, (84, 120), 120)) * g.get("fc2", 1.0))
    net.dense(f2, o, np.abs(_w(rng, (10, 84), 84)) * g.get("digits", 1.0))
    net.output("out", o)
    return net


def image_smoothing(g: Gains | None = None, seed: int = 3) -> NetworkBuilder:
    """A 3x3 Gaussian blur of a 64x64 image as one convolutional layer of LIF neurons."""
    g = g or {}
    net = NetworkBuilder("image_smoothing", dt=1e-3)
    x = net.input("image", (1, 64, 64), rate=50.0)
    y = net.neurons("smoothed", (1, 64, 64), LIF)
    blur = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=np.float32) / 16.0
    net.conv(x, y, blur.reshape(1, 1, 3, 3) * g.get("smoothed", 1.0), padding=[1, 1])
    net.output("out", y)
    return net


def edge_detection(g: Gains | None = None, seed: int = 4) -> NetworkBuilder:
    """Horizontal and vertical Sobel filters on a 64x64 image: two feature maps of LIF neurons."""
    g = g or {}
    net = NetworkBuilder("edge_detection", dt=1e-3)
    x = net.input("image", (1, 64, 64), rate=50.0)
    y = net.neurons("edges", (2, 64, 64), LIF)
    sx = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float32)
    k = np.stack([sx, sx.T]).reshape(2, 1, 3, 3) * g.get("edges", 1.0)
    net.conv(x, y, k, padding=[1, 1])
    net.output("out", y)
    return net


def heartbeat(g: Gains | None = None, seed: int = 5) -> NetworkBuilder:
    """A 1-D convolutional heartbeat classifier: 180 samples, 2 conv/pool stages, 32 hidden, 4 classes."""
    g = g or {}
    rng = np.random.default_rng(seed)
    net = NetworkBuilder("heartbeat", dt=1e-3)
    x = net.input("ecg", (1, 180), rate=60.0)
    c1 = net.neurons("conv1", (8, 176), LIF)
    p1 = net.neurons("pool1", (8, 88), POOL_IF)
    c2 = net.neurons("conv2", (16, 84), LIF)
    p2 = net.neurons("pool2", (16, 42), POOL_IF)
    h = net.neurons("hidden", 32, LIF)
    o = net.neurons("classes", 4, LIF)
    net.conv(x, c1, np.abs(_w(rng, (8, 1, 5), 5)) * g.get("conv1", 1.0))
    net.pool(c1, p1, [2])
    net.conv(p1, c2, np.abs(_w(rng, (16, 8, 5), 40)) * g.get("conv2", 1.0))
    net.pool(c2, p2, [2])
    net.dense(net.reshape(p2, 672), h, np.abs(_w(rng, (32, 672), 672)) * g.get("hidden", 1.0))
    net.dense(h, o, np.abs(_w(rng, (4, 32), 32)) * g.get("classes", 1.0))
    net.output("out", o)
    return net


def recurrent(g: Gains | None = None, seed: int = 6) -> NetworkBuilder:
    """A recurrent layer (delay-1 feedback) between 40 inputs and 10 leaky-integrator readouts."""
    g = g or {}
    rng = np.random.default_rng(seed)
    net = NetworkBuilder("recurrent", dt=1e-3)
    x = net.input("in", 40, rate=30.0)
    h = net.neurons("hidden", 100, LIFAttr(tau=2e-2, v_th=1.0, reset="subtract", refractory=2))
    o = net.neurons("readout", 10, LIAttr(tau=5e-2))
    net.dense(x, h, np.abs(_w(rng, (100, 40), 40)) * g.get("hidden", 1.0))
    net.dense(h, h, _w(rng, (100, 100), 100, 0.5), delay=1, name="hidden_recurrent")
    net.dense(h, o, _w(rng, (10, 100), 100))
    net.output("out", o)
    return net


def _random_sparse(rng: np.random.Generator, n_post: int, n_pre: int, p: float,
                   exclude_self: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Each (post, pre) pair independently with probability p (vectorised, row by row in blocks)."""
    posts, pres = [], []
    block = max(1, 2_000_000 // max(n_pre, 1))
    for start in range(0, n_post, block):
        stop = min(n_post, start + block)
        mask = rng.random((stop - start, n_pre)) < p
        if exclude_self:
            idx = np.arange(start, stop)
            mask[idx - start, idx[idx < n_pre]] = False if n_pre >= stop else mask[idx - start, idx[idx < n_pre]]
        r, c = np.nonzero(mask)
        posts.append(r + start)
        pres.append(c)
    return np.concatenate(posts), np.concatenate(pres)


def vogels_abbott(g: Gains | None = None, seed: int = 7, n: int = 4000, p: float = 0.02) -> NetworkBuilder:
    """Vogels-Abbott style sparse random recurrent network: 80% excitatory, 20% inhibitory, 2% connectivity."""
    rng = np.random.default_rng(seed)
    n_exc = n * 4 // 5
    n_inh = n - n_exc
    net = NetworkBuilder("vogels_abbott", dt=1e-3)
    drive = net.input("drive", 200, rate=20.0)
    cell = dict(tau=2e-2, v_leak=-60.0, v_th=-50.0, v_reset=-60.0, r=1.0, refractory=5)
    exc = net.neurons("exc", n_exc, LIFAttr(**cell))
    inh = net.neurons("inh", n_inh, LIFAttr(**cell))
    w = {"exc": 16.0, "inh": -60.0, "drive": 40.0}
    for src, src_n, kind in ((exc, n_exc, "exc"), (inh, n_inh, "inh")):
        for dst, dst_n, dname in ((exc, n_exc, "exc"), (inh, n_inh, "inh")):
            post, pre = _random_sparse(rng, dst_n, src_n, p)
            net.sparse(src, dst, post, pre, np.full(post.size, w[kind], np.float32), delay=1,
                       name=f"{dname}_from_{kind}")
    for dst, dst_n, dname in ((exc, n_exc, "exc"), (inh, n_inh, "inh")):
        post, pre = _random_sparse(rng, dst_n, 200, 0.05)
        net.sparse(drive, dst, post, pre, np.full(post.size, w["drive"], np.float32), name=f"{dname}_from_drive")
    net.output("out", exc)
    return net


def random_network(neurons: int, synapses: int, layers: int = 4, seed: int = 0) -> NetworkBuilder:
    """A feed-forward chain of `layers` LIF populations with about `synapses` random sparse synapses in all."""
    rng = np.random.default_rng(seed)
    net = NetworkBuilder("random", dt=1e-3)
    sizes = [max(1, neurons // (layers + 1))] * (layers + 1)
    prev = net.input("in", sizes[0], rate=20.0)
    per_layer = max(1, synapses // layers)
    for i in range(1, layers + 1):
        pop = net.neurons(f"layer{i}", sizes[i], LIF)
        p = min(1.0, per_layer / (sizes[i] * sizes[i - 1]))
        post, pre = _random_sparse(rng, sizes[i], sizes[i - 1], p)
        gain = 3.0 / np.sqrt(max(1.0, p * sizes[i - 1]))
        net.sparse(prev, pop, post, pre, (np.abs(rng.standard_normal(post.size)) * gain).astype(np.float32),
                   name=f"layer{i}_from_prev")
        prev = pop
    net.output("out", prev)
    return net


# Each example and the populations whose incoming weights are calibrated, in network order.
EXAMPLES: dict[str, tuple[Callable[[Gains | None], NetworkBuilder], tuple[str, ...]]] = {
    "mlp_mnist": (mlp_mnist, ("hidden", "digits")),
    "lenet5": (lenet5, ("conv1", "conv2", "fc1", "fc2", "digits")),
    "image_smoothing": (image_smoothing, ("smoothed",)),
    "edge_detection": (edge_detection, ("edges",)),
    "heartbeat": (heartbeat, ("conv1", "conv2", "hidden", "classes")),
    "recurrent": (recurrent, ("hidden",)),
    "vogels_abbott": (vogels_abbott, ()),
}

# Calibration target: mean spikes per neuron in 100 steps of 1 ms under the inputs' Poisson rates.
TARGET_SPIKES = (2.0, 8.0)
CALIBRATION_STEPS = 100


def _mean_counts(builder: NetworkBuilder) -> dict[str, float]:
    from snnir.algorithms.simulate import simulate
    from snnir.passes.simulate import network_from_ir

    net, _ = network_from_ir(builder.network)  # type: ignore[arg-type]
    result = simulate(net, CALIBRATION_STEPS, seed=0)
    return {name: float(c.mean()) for name, c in result.counts.items()}


def calibrate(make: Callable[[Gains | None], NetworkBuilder], layers: tuple[str, ...]) -> Gains:
    """Per layer, in order, the weight gain that puts its mean spike count in TARGET_SPIKES.

    A doubling search then bisection on the seeded simulator (deterministic); gains are rounded
    to three significant digits so the written files do not hinge on the last bit of a float.
    """
    gains: Gains = {}
    lo_t, hi_t = TARGET_SPIKES
    for layer in layers:
        lo, hi, gain = 0.0, None, 1.0
        for _ in range(40):
            gains[layer] = float(f"{gain:.3g}")
            mean = _mean_counts(make(gains))[layer]
            if mean < lo_t:
                lo = gain
                gain = gain * 2 if hi is None else (gain + hi) / 2
            elif mean > hi_t:
                hi = gain
                gain = (lo + gain) / 2
            else:
                break
        else:
            raise RuntimeError(f"could not calibrate layer '{layer}' to {TARGET_SPIKES} spikes per neuron")
    return gains


def render(builder: NetworkBuilder, title: str) -> str:
    header = f"// {title}\n// Generated by examples/generate.py (seeded); regenerate with `python examples/generate.py`.\n"
    return header + print_operation(builder.module())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", nargs="?", default="bundled", choices=["bundled", "random"],
                    help="the bundled examples, or one random network")
    ap.add_argument("--check", action="store_true", help="compare with the bundled files instead of writing")
    ap.add_argument("--neurons", type=int, default=10000, help="random: number of neurons")
    ap.add_argument("--synapses", type=int, default=1_000_000, help="random: number of synapses")
    ap.add_argument("--layers", type=int, default=4, help="random: number of neuron layers")
    ap.add_argument("--seed", type=int, default=0, help="random: seed")
    ap.add_argument("-o", dest="output", help="random: output file (default: standard output)")
    args = ap.parse_args(argv)
    if args.what == "random":
        text = render(random_network(args.neurons, args.synapses, args.layers, args.seed),
                      f"random network: {args.neurons} neurons, ~{args.synapses} synapses, seed {args.seed}")
        if args.output:
            Path(args.output).write_text(text)
        else:
            sys.stdout.write(text)
        return 0
    stale = []
    for name, (make, layers) in EXAMPLES.items():
        text = render(make(calibrate(make, layers)), (make.__doc__ or name).strip().split("\n")[0])
        path = HERE / f"{name}.snnir"
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(path.name)
        else:
            path.write_text(text)
    if stale:
        print(f"examples differ from examples/generate.py: {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
