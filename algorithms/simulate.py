"""A vectorised discrete-time simulator of spiking neural networks (the `snn` level's reference).

    import numpy as np
    from snnir.algorithms.simulate import Population, Projection, SimNetwork, dense_matrix, simulate

    net = SimNetwork(dt=1e-3)
    x = net.add(Population("in", 784, "input", rate=20.0))
    h = net.add(Population("h", 100, "lif", params={"tau": 2e-2, "v_th": 1.0}))
    net.connect(Projection(x, h, dense_matrix(w)))          # w: [100, 784] = [post, pre]
    result = simulate(net, steps=100, seed=0)
    result.counts["h"]                                      # int64 [100], spikes per neuron

Nothing here knows the IR: a network is populations (model name + per-neuron parameter
arrays) and projections (scipy.sparse matrices [post, pre], a delay in steps, an optional
bias). Dense, sparse, one-to-one, convolution and pooling projections are all sparse
matrices, built once and vectorised (`dense_matrix`, `sparse_matrix`, `scale_matrix`,
`conv_matrix`, `pool_matrix`), so every projection is a sparse product per step.

Semantics (also in docs/simulation.md). Time is discrete with step `dt` (seconds). In each
step t, in topological order of the delay-0 projections (which must be acyclic):
inputs emit their spikes s[t]; every other population sums its input current
I[t] = sum_p W_p . out_src[t - d_p] + biases, then updates its state. The output of a
spiking population is its spikes (0/1); of a non-spiking one (li, cuba_li, integrator) its
voltage. Models (forward Euler, as snnTorch and Norse export to NIR):

    lif        v += dt/tau * (v_leak - v + r I)
    if         v += dt * r I
    cuba_lif   i += dt/tau_syn * (w_in I - i);  v += dt/tau_mem * (v_leak - v + r i)
    li, cuba_li, integrator: as lif, cuba_lif, if without threshold (emit no spikes)
    threshold  s = I >= v_th (no state)
    relay      out = I (no state, no spikes; counts the steps with out != 0)

A relay (fan-in decomposition) may feed itself without delay when every such synapse goes
to a later unit (post > pre); its units are then evaluated in dependency order within the
step, so a chain relay -> relay -> neuron delivers the partial sums in the same step.

A spiking neuron fires when v >= v_th, then reset="zero" sets v = v_reset and
reset="subtract" does v -= v_th (v_reset unused). With refractory = n, a neuron that fired
keeps its voltage and ignores input for the next n steps, and cannot fire in them (the
synaptic current of cuba_lif keeps evolving). State starts at rest: v = v_leak for leaky
models, 0 for if and integrator, i = 0.

Cost: O(n) per population and O(active synapses) per projection and step, where an active
synapse is one whose pre-synaptic neuron spiked (dense outputs use one sparse product, also
O(synapses)). A relay population's chains add one sparse product per chain level and step
(the longest chain: a few levels for the usual crossbar sizes). Memory: the matrices, O(neurons)
of state, and a ring buffer of (max delay + 1) x size outputs for each population with a
delayed outgoing projection.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from snnir.algorithms.geometry import conv_output_shape

__all__ = [
    "DEFAULT_RATE",
    "DEFAULT_STEPS",
    "MODELS",
    "Population",
    "Projection",
    "SimNetwork",
    "SimResult",
    "SimulationError",
    "conv_matrix",
    "conv_output_shape",
    "dense_matrix",
    "pool_matrix",
    "poisson_spikes",
    "scale_matrix",
    "simulate",
    "sparse_matrix",
]

DEFAULT_RATE = 20.0
"""Poisson rate (Hz) of an input that states none."""

DEFAULT_STEPS = 100
"""Steps simulated when none are asked for."""

# model -> (parameters with their defaults; None means required)
MODELS: dict[str, dict[str, float | None]] = {
    "input": {},
    "lif": {"tau": None, "r": 1.0, "v_leak": 0.0, "v_th": 1.0, "v_reset": 0.0},
    "if": {"r": 1.0, "v_th": 1.0, "v_reset": 0.0},
    "li": {"tau": None, "r": 1.0, "v_leak": 0.0},
    "cuba_lif": {"tau_syn": None, "tau_mem": None, "r": 1.0, "v_leak": 0.0, "v_th": 1.0, "v_reset": 0.0,
                 "w_in": 1.0},
    "cuba_li": {"tau_syn": None, "tau_mem": None, "r": 1.0, "v_leak": 0.0, "w_in": 1.0},
    "integrator": {"r": 1.0},
    "threshold": {"v_th": 1.0},
    "relay": {},
}
SPIKING = frozenset({"input", "lif", "if", "cuba_lif", "threshold"})
_EVENTS = SPIKING | {"relay"}  # outputs that are mostly zero: delivered column by column
_RESETTABLE = frozenset({"lif", "if", "cuba_lif"})


class SimulationError(ValueError):
    """A network or an input the simulator cannot run; the message names the population."""


# ------------------------------------------------------------------------------ networks


@dataclass
class Population:
    """A population of `size` neurons of one model; parameters are scalars or one value per neuron.

    Inputs (`model="input"`) have no parameters; `rate` (Hz) and `spikes` ([steps, size] or
    [steps, *shape]) are their own sources, used when `simulate` is given nothing for them.
    """

    name: str
    size: int
    model: str
    params: Mapping[str, Any] = field(default_factory=dict)
    reset: str = "zero"
    refractory: int = 0
    rate: float | None = None
    spikes: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise SimulationError(f"population '{self.name}': unknown model '{self.model}' "
                                  f"(known: {', '.join(MODELS)})")
        if self.size <= 0:
            raise SimulationError(f"population '{self.name}' must have at least one neuron")
        if self.reset not in ("zero", "subtract"):
            raise SimulationError(f"population '{self.name}': reset must be 'zero' or 'subtract'")
        if self.refractory < 0:
            raise SimulationError(f"population '{self.name}': refractory must be >= 0 steps")
        spec = MODELS[self.model]
        unknown = set(self.params) - set(spec)
        if unknown:
            raise SimulationError(f"population '{self.name}' ({self.model}) has no parameter "
                                  f"{', '.join(sorted(unknown))}")
        arrays: dict[str, np.ndarray] = {}
        for name, default in spec.items():
            value = self.params.get(name, default)
            if value is None:
                raise SimulationError(f"population '{self.name}' ({self.model}) needs parameter '{name}'")
            arr = np.asarray(value, dtype=np.float64).reshape(-1)
            if arr.size == 1:
                arr = np.full(self.size, arr[0])
            elif arr.size != self.size:
                raise SimulationError(f"parameter '{name}' of population '{self.name}' has {arr.size} values "
                                      f"but the population has {self.size} neurons")
            if name.startswith("tau") and not np.all(arr > 0):
                raise SimulationError(f"time constant '{name}' of population '{self.name}' must be positive")
            arrays[name] = arr
        self.params = arrays

    @property
    def spiking(self) -> bool:
        """Whether the population emits spikes (else its output is its voltage)."""
        return self.model in SPIKING


@dataclass
class Projection:
    """Synapses from population `src` to `dst` (indices into `SimNetwork.populations`).

    `matrix` is [dst.size, src.size] (post x pre), any scipy.sparse format; `bias` (scalar or
    [dst.size]) is added to the target's current every step; `delay` is in steps.
    """

    src: int
    dst: int
    matrix: Any
    delay: int = 0
    bias: Any = None


@dataclass
class SimNetwork:
    """Populations and projections, with the time step `dt` in seconds."""

    dt: float = 1e-3
    populations: list[Population] = field(default_factory=list)
    projections: list[Projection] = field(default_factory=list)

    def add(self, population: Population) -> int:
        """Append a population; returns its index."""
        if any(p.name == population.name for p in self.populations):
            raise SimulationError(f"the network already has a population named '{population.name}'")
        self.populations.append(population)
        return len(self.populations) - 1

    def connect(self, projection: Projection) -> Projection:
        """Append a projection after checking its matrix shape and delay."""
        n = len(self.populations)
        if not (0 <= projection.src < n and 0 <= projection.dst < n):
            raise SimulationError(f"projection {projection.src} -> {projection.dst} names no population")
        src, dst = self.populations[projection.src], self.populations[projection.dst]
        if dst.model == "input":
            raise SimulationError(f"input '{dst.name}' cannot receive a projection")
        if tuple(projection.matrix.shape) != (dst.size, src.size):
            raise SimulationError(f"projection {src.name} -> {dst.name}: matrix is "
                                  f"{projection.matrix.shape[0]}x{projection.matrix.shape[1]}, expected "
                                  f"{dst.size}x{src.size} (post x pre)")
        if projection.delay < 0:
            raise SimulationError(f"projection {src.name} -> {dst.name}: delay must be >= 0")
        if projection.src == projection.dst and projection.delay == 0 and dst.model == "relay":
            m = sp.coo_matrix(projection.matrix)
            bad = (m.row <= m.col) & (m.data != 0)
            if bad.any():
                k = int(np.flatnonzero(bad)[0])
                raise SimulationError(f"relay '{dst.name}' feeds itself without delay from unit {int(m.col[k])} to "
                                      f"unit {int(m.row[k])}; without delay a relay may only feed a later unit")
        self.projections.append(projection)
        return projection

    @property
    def synapses(self) -> int:
        """Stored synapses (nonzero weights) over all projections."""
        return int(sum(p.matrix.nnz for p in self.projections))

    def order(self) -> list[int]:
        """Populations in an order where every delay-0 projection goes forward (Kahn's algorithm).

        A relay's delay-0 projection onto itself (units feeding later units, checked by `connect`) is
        evaluated inside the relay's step and does not count. Raises SimulationError naming a
        population on a delay-0 loop.
        """
        n = len(self.populations)
        succ: list[list[int]] = [[] for _ in range(n)]
        indeg = [0] * n
        for p in self.projections:
            if p.delay == 0 and not _relay_chain(self, p):
                succ[p.src].append(p.dst)
                indeg[p.dst] += 1
        ready = [i for i in range(n) if indeg[i] == 0]
        ready.reverse()
        out: list[int] = []
        while ready:
            i = ready.pop()
            out.append(i)
            for j in succ[i]:
                indeg[j] -= 1
                if indeg[j] == 0:
                    ready.append(j)
        if len(out) != n:
            stuck = next(i for i in range(n) if indeg[i] > 0)
            raise SimulationError(f"projections without delay form a loop through '{self.populations[stuck].name}'; "
                                  "give one of them a delay of at least 1 step")
        return out


def _relay_chain(net: SimNetwork, p: Projection) -> bool:
    """A relay's delay-0 projection onto itself: the chains of fan-in decomposition."""
    return p.delay == 0 and p.src == p.dst and net.populations[p.src].model == "relay"


@dataclass
class SimResult:
    """What `simulate` returns: spike counts per population (int64 [size]; zeros for non-spiking
    populations; for a relay, the steps in which its output was non-zero: the messages it sent), and
    when asked, spike trains (uint8 [steps, size]; for a relay, 1 where it sent a message) and voltages
    (float64 [steps, size], after reset; inputs, threshold and relay populations have none)."""

    steps: int
    counts: dict[str, np.ndarray]
    spikes: dict[str, np.ndarray] = field(default_factory=dict)
    voltages: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def total_spikes(self) -> int:
        return int(sum(int(c.sum()) for c in self.counts.values()))


# ------------------------------------------------------------------------------ matrices


def _csr(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    keep = vals != 0
    if not keep.all():
        rows, cols, vals = rows[keep], cols[keep], vals[keep]
    m = sp.coo_matrix((vals.astype(np.float64, copy=False), (rows, cols)), shape=shape).tocsr()
    m.sum_duplicates()
    m.eliminate_zeros()  # repeated pairs whose weights cancel: no synapse either
    return m


def dense_matrix(weight: Any) -> sp.csr_matrix:
    """All-to-all synapses from a dense [post, pre] weight array (zeros are not stored). O(post * pre)."""
    w = np.asarray(weight, dtype=np.float64)
    if w.ndim != 2:
        raise SimulationError(f"a dense weight must be 2-D [post, pre], got shape {w.shape}")
    return sp.csr_matrix(w)


def sparse_matrix(post: Any, pre: Any, values: Any, shape: tuple[int, int]) -> sp.csr_matrix:
    """Synapses from coordinate triples; repeated (post, pre) pairs add up. O(nnz log nnz)."""
    post = np.asarray(post, dtype=np.int64).reshape(-1)
    pre = np.asarray(pre, dtype=np.int64).reshape(-1)
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    if not (post.size == pre.size == values.size):
        raise SimulationError("sparse synapses need as many post indices, pre indices and values")
    if post.size and (post.min() < 0 or post.max() >= shape[0] or pre.min() < 0 or pre.max() >= shape[1]):
        raise SimulationError(f"a sparse synapse index is outside the {shape[0]}x{shape[1]} matrix")
    return _csr(post, pre, values, shape)


def scale_matrix(size: int, factor: Any) -> sp.csr_matrix:
    """One-to-one synapses: a diagonal matrix of `factor` (scalar or [size])."""
    f = np.asarray(factor, dtype=np.float64).reshape(-1)
    if f.size == 1:
        f = np.full(size, f[0])
    if f.size != size:
        raise SimulationError(f"a one-to-one factor needs 1 or {size} values, got {f.size}")
    idx = np.arange(size)
    return _csr(idx, idx, f, (size, size))


def _window_taps(in_sp: Sequence[int], kernel: Sequence[int], stride: Sequence[int], padding: Sequence[int],
                 dilation: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, ...]]:
    """Every (kernel offset, output position) pair whose input lies inside the input (not padding).

    Returns (tap k index, output position index, flat input position index, output shape), all over the
    spatial dimensions only.
    """
    nd = len(in_sp)
    out_sp = conv_output_shape(in_sp, kernel, stride, padding, dilation)
    if any(o <= 0 for o in out_sp):
        raise SimulationError(f"a window of {list(kernel)} does not fit an input of {list(in_sp)}")
    n_out, n_k = math.prod(out_sp), math.prod(kernel)
    out_pos = np.indices(out_sp).reshape(nd, n_out)
    k_pos = np.indices(tuple(kernel)).reshape(nd, n_k)
    s = np.asarray(stride).reshape(nd, 1, 1)
    p = np.asarray(padding).reshape(nd, 1, 1)
    d = np.asarray(dilation).reshape(nd, 1, 1)
    pos = out_pos[:, None, :] * s - p + k_pos[:, :, None] * d            # [nd, K, O]
    lim = np.asarray(in_sp).reshape(nd, 1, 1)
    valid = np.all((pos >= 0) & (pos < lim), axis=0)                     # [K, O]
    kk, oo = np.nonzero(valid)
    strides = np.cumprod((1, *in_sp[::-1]))[:-1][::-1]                   # row-major strides of the input
    flat = np.tensordot(strides, pos[:, kk, oo], axes=1) if kk.size else np.zeros(0, dtype=np.int64)
    return kk, oo, flat.astype(np.int64), out_sp


def conv_matrix(in_shape: Sequence[int], weight: Any, stride: Sequence[int] | None = None,
                padding: Sequence[int] | None = None, dilation: Sequence[int] | None = None,
                groups: int = 1) -> sp.csr_matrix:
    """A convolution (PyTorch's cross-correlation) as a sparse [C_out*prod(out), C_in*prod(in)] matrix.

    `in_shape` is [C_in, *spatial] (channels first, row-major flattening), `weight` is
    [C_out, C_in/groups, *kernel]; stride, padding (zeros) and dilation per spatial dimension.
    Vectorised: O(C_out * C_in/groups * prod(kernel) * prod(out)) time and memory, no Python loop.
    """
    w = np.asarray(weight, dtype=np.float64)
    c_in, *in_sp = (int(x) for x in in_shape)
    nd = len(in_sp)
    if w.ndim != nd + 2:
        raise SimulationError(f"a {nd}-D convolution needs a weight of {nd + 2} dimensions, got {w.shape}")
    c_out, cg, *kernel = w.shape
    stride = list(stride or [1] * nd)
    padding = list(padding or [0] * nd)
    dilation = list(dilation or [1] * nd)
    if c_in % groups or c_out % groups or cg * groups != c_in:
        raise SimulationError(f"weight {w.shape} with groups={groups} does not fit {c_in} input channels")
    kk, oo, flat, out_sp = _window_taps(in_sp, kernel, stride, padding, dilation)
    n_out, n_in, n_k = math.prod(out_sp), math.prod(in_sp), math.prod(kernel)
    co = np.arange(c_out).reshape(c_out, 1, 1)
    cl = np.arange(cg).reshape(1, cg, 1)
    ci = (co // (c_out // groups)) * cg + cl                             # input channel [C_out, Cg, 1]
    rows = np.broadcast_to(co * n_out + oo, (c_out, cg, kk.size))
    cols = ci * n_in + flat                                              # [C_out, Cg, V]
    vals = w.reshape(c_out, cg, n_k)[:, :, kk]                           # [C_out, Cg, V]
    return _csr(rows.reshape(-1), cols.reshape(-1), vals.reshape(-1), (c_out * n_out, c_in * n_in))


def pool_matrix(in_shape: Sequence[int], kernel: Sequence[int], stride: Sequence[int] | None = None,
                padding: Sequence[int] | None = None, mode: str = "sum") -> sp.csr_matrix:
    """Sum or average pooling per channel as a sparse [C*prod(out), C*prod(in)] matrix.

    `stride` defaults to `kernel`. "avg" divides by prod(kernel), padding included (PyTorch's
    count_include_pad=True, NIR's AvgPool2d). O(C * prod(kernel) * prod(out)).
    """
    c, *in_sp = (int(x) for x in in_shape)
    nd = len(in_sp)
    kernel = [int(k) for k in kernel]
    if len(kernel) != nd:
        raise SimulationError(f"a {len(kernel)}-D pooling window over an input of shape {list(in_shape)}")
    stride = list(stride or kernel)
    padding = list(padding or [0] * nd)
    if mode not in ("sum", "avg"):
        raise SimulationError(f"pooling mode must be 'sum' or 'avg', got '{mode}'")
    kk, oo, flat, out_sp = _window_taps(in_sp, kernel, stride, padding, [1] * nd)
    n_out, n_in = math.prod(out_sp), math.prod(in_sp)
    ch = np.arange(c).reshape(c, 1)
    rows = ch * n_out + oo
    cols = ch * n_in + flat
    value = 1.0 if mode == "sum" else 1.0 / math.prod(kernel)
    vals = np.full(rows.shape, value)
    return _csr(rows.reshape(-1), cols.reshape(-1), vals.reshape(-1), (c * n_out, c * n_in))


# ------------------------------------------------------------------------------ inputs


def poisson_spikes(rng: np.random.Generator, size: int, rate: float, dt: float) -> np.ndarray:
    """One step of Poisson spikes: each neuron fires with probability min(rate * dt, 1)."""
    p = min(max(rate * dt, 0.0), 1.0)
    if p == 0.0:
        return np.zeros(size)
    return (rng.random(size) < p).astype(np.float64)


def _input_source(pop: Population, given: Any, steps: int, dt: float, default_rate: float) -> tuple[str, Any]:
    """("poisson", rate) or ("train", [steps', size] float64)."""
    if given is None:
        given = pop.spikes if pop.spikes is not None else (pop.rate if pop.rate is not None else default_rate)
    if isinstance(given, (int, float, np.integer, np.floating)):
        rate = float(given)
        if not rate >= 0 or math.isinf(rate):
            raise SimulationError(f"input '{pop.name}': rate must be a non-negative number of Hz, got {rate}")
        return "poisson", rate
    train = np.asarray(given)
    if train.ndim < 1 or (train.ndim == 1 and pop.size != 1):
        raise SimulationError(f"spikes for input '{pop.name}' must be [steps, {pop.size}], got shape {train.shape}")
    train = train.reshape(train.shape[0], -1) if train.ndim > 1 else train.reshape(-1, 1)
    if train.shape[1] != pop.size:
        raise SimulationError(f"spikes for input '{pop.name}' must be [steps, {pop.size}], got "
                              f"{train.shape[0]}x{train.shape[1]}")
    train = train.astype(np.float64)
    if not np.all(np.isfinite(train)) or np.any(train < 0):
        raise SimulationError(f"spikes for input '{pop.name}' must be non-negative counts")
    return "train", train


# ------------------------------------------------------------------------------ the simulator


class _Delivery:
    """One projection, ready to deliver: CSC matrix for event-driven accumulation."""

    __slots__ = ("src", "delay", "csc", "indptr", "indices", "data", "n_post", "nnz")

    def __init__(self, proj: Projection, n_post: int) -> None:
        m = sp.csc_matrix(proj.matrix, dtype=np.float64)
        m.sum_duplicates()
        self.src, self.delay, self.csc = proj.src, proj.delay, m
        self.indptr, self.indices, self.data = m.indptr, m.indices, m.data
        self.n_post, self.nnz = n_post, m.nnz

    def add_to(self, current: np.ndarray, signal: np.ndarray, spiking: bool) -> None:
        """current += W @ signal, touching only the columns of active (nonzero) pre-neurons."""
        if self.nnz == 0:
            return
        if not spiking:
            current += self.csc @ signal
            return
        active = np.flatnonzero(signal)
        if active.size == 0:
            return
        if active.size * 4 >= signal.size:          # dense activity: one sparse product
            current += self.csc @ signal
            return
        starts = self.indptr[active]
        lens = self.indptr[active + 1] - starts
        total = int(lens.sum())
        if total == 0:
            return
        offsets = np.cumsum(lens) - lens
        idx = np.arange(total) + np.repeat(starts - offsets, lens)
        weights = self.data[idx]
        amp = signal[active]
        if not np.all(amp == 1.0):
            weights = weights * np.repeat(amp, lens)
        current += np.bincount(self.indices[idx], weights=weights, minlength=self.n_post)


def simulate(net: SimNetwork, steps: int = DEFAULT_STEPS, inputs: Mapping[str, Any] | None = None,
             seed: int = 0, *, default_rate: float = DEFAULT_RATE, record_spikes: bool = False,
             record_voltages: bool = False) -> SimResult:
    """Run `net` for `steps` steps and count the spikes of every neuron.

    `inputs` maps input population names to a Poisson rate in Hz (a number) or a spike train
    [steps', size] (or [steps', *shape]; steps past its end are silent). An input not in `inputs`
    uses its own `spikes`, else its own `rate`, else `default_rate`. Poisson spikes come from
    numpy's PCG64 generator seeded with `seed`, drawn step by step for the inputs in network
    order, so a seed fixes the result.

    Time: O(steps * (neurons + active synapses)) plus a one-off O(synapses) conversion; memory:
    O(synapses + neurons), plus O(steps * size) per recorded population.

    Raises SimulationError for a delay-0 loop, an unknown input name or a malformed input.
    """
    if steps < 0:
        raise SimulationError(f"steps must be >= 0, got {steps}")
    if not net.dt > 0:
        raise SimulationError(f"the time step must be positive, got {net.dt}")
    pops = net.populations
    by_name = {p.name: i for i, p in enumerate(pops)}
    inputs = dict(inputs or {})
    for name in inputs:
        if name not in by_name or pops[by_name[name]].model != "input":
            raise SimulationError(f"'{name}' is not an input population of the network")
    order = net.order()
    dt = float(net.dt)
    rng = np.random.Generator(np.random.PCG64(seed))

    n = len(pops)
    incoming: list[list[_Delivery]] = [[] for _ in range(n)]
    chain: list[Any] = [None] * n  # relays: the sum of their delay-0 projections onto themselves
    bias = [np.zeros(p.size) for p in pops]
    max_delay = [0] * n
    for proj in net.projections:
        if _relay_chain(net, proj):
            chain[proj.dst] = proj.matrix if chain[proj.dst] is None else chain[proj.dst] + proj.matrix
        else:
            incoming[proj.dst].append(_Delivery(proj, pops[proj.dst].size))
        max_delay[proj.src] = max(max_delay[proj.src], proj.delay)
        if proj.bias is not None:
            b = np.asarray(proj.bias, dtype=np.float64).reshape(-1)
            if b.size not in (1, pops[proj.dst].size):
                raise SimulationError(f"bias of a projection into '{pops[proj.dst].name}' needs 1 or "
                                      f"{pops[proj.dst].size} values, got {b.size}")
            bias[proj.dst] += b
    has_bias = [bool(np.any(b)) for b in bias]
    levels = [_chain_levels(m) if m is not None else None for m in chain]
    ring = [np.zeros((d + 1, pops[i].size)) if d > 0 else None for i, d in enumerate(max_delay)]

    sources: dict[int, tuple[str, Any]] = {}
    for i in order:
        if pops[i].model == "input":
            sources[i] = _input_source(pops[i], inputs.get(pops[i].name), steps, dt, default_rate)

    # state
    v = [np.zeros(p.size) for p in pops]
    syn = [np.zeros(p.size) if p.model in ("cuba_lif", "cuba_li") else None for p in pops]
    refr = [np.zeros(p.size, dtype=np.int64) if p.refractory > 0 else None for p in pops]
    for i, p in enumerate(pops):
        if "v_leak" in p.params:
            v[i] = p.params["v_leak"].copy()
    counts = [np.zeros(p.size) for p in pops]
    out = [np.zeros(p.size) for p in pops]
    rec_s = {i: np.zeros((steps, p.size), dtype=np.uint8) for i, p in enumerate(pops) if record_spikes}
    rec_v = {i: np.zeros((steps, p.size)) for i, p in enumerate(pops)
             if record_voltages and p.model not in ("input", "threshold", "relay")}
    spiking = [p.spiking for p in pops]
    events = [p.model in _EVENTS for p in pops]
    relay = [p.model == "relay" for p in pops]
    # per-population constants
    coef = [{k: (dt / a if k.startswith("tau") else a) for k, a in p.params.items()} for p in pops]

    for t in range(steps):
        for i in order:
            p = pops[i]
            if p.model == "input":
                kind, src = sources[i]
                if kind == "poisson":
                    s = poisson_spikes(rng, p.size, src, dt)
                else:
                    s = src[t] if t < src.shape[0] else np.zeros(p.size)
                out[i] = s
                counts[i] += s
            else:
                current = bias[i].copy() if has_bias[i] else np.zeros(p.size)
                for d in incoming[i]:
                    sig = out[d.src] if d.delay == 0 else ring[d.src][(t - d.delay) % ring[d.src].shape[0]]
                    d.add_to(current, sig, events[d.src])
                if relay[i]:  # output = input current of this step, chains evaluated level by level
                    for rows, sub in levels[i] or ():
                        current[rows] += sub @ current
                    out[i] = current
                    counts[i] += current != 0
                else:
                    out[i] = _step(p, coef[i], v[i], syn[i], refr[i], current, dt)
                    if spiking[i]:
                        counts[i] += out[i]
            if ring[i] is not None:
                ring[i][t % ring[i].shape[0]] = out[i]
            if i in rec_s and (spiking[i] or relay[i]):
                rec_s[i][t] = out[i] != 0 if relay[i] else out[i]
            if i in rec_v:
                rec_v[i][t] = v[i]

    return SimResult(
        steps=steps,
        counts={p.name: np.rint(counts[i]).astype(np.int64) for i, p in enumerate(pops)},
        spikes={pops[i].name: a for i, a in rec_s.items()},
        voltages={pops[i].name: a for i, a in rec_v.items()},
    )


def _chain_levels(matrix: Any) -> list[tuple[np.ndarray, sp.csr_matrix]]:
    """The evaluation schedule of a relay population that feeds itself without delay.

    `matrix` [size, size] connects units to later units only (post > pre), so the units form no loop;
    a unit's level is 0 without such inputs, else one more than the highest level among them. Returns,
    for levels 1, 2, ... in order, (the units of that level, their rows of the matrix): evaluating the
    levels in order gives every unit its input from units that are already final. O(depth * nnz) once.
    """
    m = sp.csr_matrix(matrix, dtype=np.float64)
    m.sum_duplicates()
    m.eliminate_zeros()
    rows = np.flatnonzero(np.diff(m.indptr))
    if rows.size == 0:
        return []
    level = np.zeros(m.shape[0], dtype=np.int64)
    starts = m.indptr[rows]
    for _ in range(m.shape[0] + 1):  # depth + 1 rounds: levels only grow along edges that go forward
        new = level.copy()
        new[rows] = np.maximum.reduceat(level[m.indices], starts) + 1
        if np.array_equal(new, level):
            break
        level = new
    else:
        raise SimulationError("a relay population feeds itself without delay in a loop")
    out = []
    for lv in range(1, int(level.max()) + 1):
        ids = np.flatnonzero(level == lv)
        out.append((ids, m[ids]))
    return out


def _step(p: Population, c: dict[str, np.ndarray], v: np.ndarray, syn: np.ndarray | None,
          refr: np.ndarray | None, current: np.ndarray, dt: float) -> np.ndarray:
    """Advance one population by one step in place; returns its output (spikes or voltage)."""
    m = p.model
    if m == "threshold":
        return (current >= c["v_th"]).astype(np.float64)
    if m in ("cuba_lif", "cuba_li"):
        syn += c["tau_syn"] * (c["w_in"] * current - syn)
        drive = syn
    else:
        drive = current
    if m in ("lif", "li"):
        dv = c["tau"] * (c["v_leak"] - v + c["r"] * drive)
    elif m in ("cuba_lif", "cuba_li"):
        dv = c["tau_mem"] * (c["v_leak"] - v + c["r"] * drive)
    else:  # if, integrator
        dv = dt * c["r"] * drive
    if m not in _RESETTABLE:
        v += dv
        return v.copy()
    if refr is None:
        v += dv
        fired = v >= c["v_th"]
    else:
        free = refr == 0
        v += np.where(free, dv, 0.0)
        fired = free & (v >= c["v_th"])
        np.subtract(refr, 1, out=refr, where=~free)
        refr[fired] = p.refractory
    if fired.any():
        if p.reset == "zero":
            v[fired] = c["v_reset"][fired]
        else:
            v[fired] -= c["v_th"][fired]
    return fired.astype(np.float64)
