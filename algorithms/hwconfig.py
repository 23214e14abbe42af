"""The hardware configuration of a partitioned spiking network, as arrays (no IR).

    from snnir.algorithms.hwconfig import build_config
    from snnir.algorithms.hwsim import run

    ptr, ids = clustering.columns()                          # a partition (snnir.algorithms.partition)
    columns = [ids[ptr[k]:ptr[k + 1]] for k in range(clustering.n_clusters)]
    config = build_config(net, columns, np.arange(len(columns)) % 4, rows_limit=128, cols_limit=128)
    result = run(config, net, steps=100, seed=0)             # == simulate(net, 100, seed=0)

Hardware model. A tile has one crossbar: rows are inputs, columns are post-synaptic neurons, and a
crosspoint holds one synaptic weight. A partition gives clusters (sets of columns); a binding puts
each cluster on a tile, and a tile may hold several clusters: it then time-multiplexes its crossbar,
loading and evaluating one cluster's configuration after another in a static order. So the unit of
configuration is the cluster's *crossbar configuration* (`CrossbarConfig`, one per cluster, numbered
like the clusters), and its `tile` says where it runs; `HwConfig.crossbars_on(tile)` lists a tile's
crossbar configurations in the order the tile evaluates them.

- Rows of a crossbar: the distinct pre-synaptic neurons of the synapses into its columns, sorted:
  exactly the rows the partitioners count (snnir.algorithms.partition, `Clustering.rows`), so a
  partition that fits `rows_limit` always gives a configuration that does.
- Crosspoint (row, column): the sum of the weights of the synapses from that source into that
  column (two projections may give the same pair), `present` where at least one synapse exists
  (a synapse may weigh 0), and the synapse's delay in steps (`delays`), as on chips with a
  programmable delay per synapse (Loihi): a row carries its source's outputs and each crosspoint
  reads the one sent `delay` steps ago. One crosspoint has one delay, so a (source, target) pair
  with synapses of two different delays cannot be configured (ConfigError). Weights are float32
  when every crosspoint weight is exactly a float32 (always, for weights read from f32 IR
  tensors), else float64: the configuration never rounds unless asked to quantise.
- Bias: projection biases are a constant current per column (`bias`), summed over the projections
  into the column's population in projection order, as the reference simulator does.
- Routing: for every neuron, the (crossbar, row) pairs its output reaches (CSR over global neuron
  ids): the interconnect's multicast table. A neuron's spike is sent once per target row.
- Neuron table: per global neuron its population, model, parameters, reset and refractory period;
  inputs keep their own source (Poisson rate or recorded spikes).

Quantisation (`weight_bits = b`): symmetric and per column. For b >= 2, scale = max |w| / (2^(b-1) - 1)
over the column's crosspoints and level = round(w / scale) (half to even), an int32 in
[-(2^(b-1) - 1), 2^(b-1) - 1], so |w - level * scale| <= scale / 2. For b = 1 (binary weights),
level = sign(w) (0 only for a weight that is exactly 0) and scale = mean |w| over the column's
non-zero crosspoints, the least-squares scale of a sign pattern. A column whose weights are all 0
has scale 0. `weights` then holds the levels and `scale` the per-column scales; biases stay exact
unless the neuron parameters are fixed point too (below).

Fixed-point neuron parameters (`state_bits = b`, `decay_bits = d`; each independently optional,
float64 when absent). A population keeps, per parameter, one int32 mantissa per neuron and one
integer exponent for the whole population: value = m * 2^e.

- Voltage-domain parameters (`STATE_PARAMS`: r, v_leak, v_th, v_reset, w_in) and the per-column
  biases are signed b-bit words (`to_fixed`): |m| <= 2^(b-1) - 1, e is the smallest integer for
  which the largest |value| of the population fits, and m = round(value / 2^e), half to even, so
  |value - m * 2^e| <= 2^(e-1). A parameter that is 0 for every neuron has m = 0 and e = 0.
  Biases take one exponent per crossbar (`CrossbarConfig.bias_exponent`; `bias` then holds the
  int32 mantissas).
- Decays: the time constants tau, tau_syn and tau_mem enter the update only as the coefficient
  k = dt / tau, which is stored instead, as an unsigned d-bit fraction (`to_decay`): m = round(k *
  2^d), half to even, exponent -d, 1 <= m <= 2^d. The stored parameters are named `decay`,
  `decay_syn` and `decay_mem` (`DECAY_PARAMS`): the coefficient, not the time constant. A
  coefficient that rounds to 0 (tau >= 2^(d+1) dt: too slow a decay for d bits) or above 2^d (tau
  shorter than dt) is a ConfigError naming the population, the parameter and the limit. m = 2^d
  (k = 1) needs d + 1 bits: a decay mantissa is an int32 except for d >= 31, where 2^31 and 2^32
  need int64 (files and IR hold mantissas as int32 whenever they fit, else int64).

`NeuronTable.params` always holds the float64 values the hardware applies: the dequantised ones
(m * 2^e; tau = dt / k) when fixed, and `NeuronTable.mantissa` / `.exponent` hold the fixed form
(`fix_parameters` builds it; `build_config(..., state_bits=, decay_bits=)` calls it).

Global ids are those of snnir.algorithms.partition: neurons are the populations in order, each
flattened; synapses are the structurally present entries of the projection matrices (after merging
repeated entries of one matrix), explicit zeros included.

Cost: O(S log S) for S synapses (one sort of the synapse keys, one of the crosspoints), O(N) for the
neuron table, and one small Python object per crossbar (never per neuron or synapse); memory is
the dense crossbars (weights, presence and delays over the rows x columns used) plus O(S + N).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from snnir.algorithms.arrays import unique
from snnir.algorithms.simulate import MODELS, SimNetwork
from snnir.algorithms.target import DECAY_BITS_RANGE, STATE_BITS_RANGE

__all__ = [
    "DECAY_PARAMS",
    "FIXED_NAMES",
    "STATE_PARAMS",
    "ConfigError",
    "CrossbarConfig",
    "HwConfig",
    "NeuronTable",
    "Routing",
    "build_config",
    "check_network",
    "columns_of",
    "fix_parameters",
    "fixed_limit",
    "from_decay",
    "from_fixed",
    "quantise",
    "to_decay",
    "to_fixed",
]

_I64 = np.int64
PARAMS: tuple[str, ...] = tuple(dict.fromkeys(name for spec in MODELS.values() for name in spec))
"""Every neuron parameter of any model, in a fixed order (the columns of `NeuronTable.params`)."""
RESETS = ("zero", "subtract")
STATE_PARAMS: tuple[str, ...] = ("r", "v_leak", "v_th", "v_reset", "w_in")
"""Voltage-domain parameters: signed `state_bits` words in fixed form."""
DECAY_PARAMS: dict[str, str] = {"tau": "decay", "tau_syn": "decay_syn", "tau_mem": "decay_mem"}
"""Time constant -> the name of its decay coefficient dt/tau, an unsigned `decay_bits` fraction in fixed form."""
FIXED_NAMES: tuple[str, ...] = tuple(DECAY_PARAMS.get(p, p) for p in PARAMS)
"""The names of every parameter in fixed form, in `PARAMS` order."""
STATE_BITS = STATE_BITS_RANGE
DECAY_BITS = DECAY_BITS_RANGE
EXPONENT_LIMIT = 1200
"""|exponent| of a fixed-point parameter: float64 values need at most about 1105 (2^-1074 at 32 bits)."""
_MAX_DELAY = int(np.iinfo(np.int32).max)


class ConfigError(ValueError):
    """A configuration that cannot be built (or run): the message names the crossbar or neuron to blame."""


# ------------------------------------------------------------------------------ data


@dataclass(frozen=True, eq=False)
class CrossbarConfig:
    """The configuration of one cluster's crossbar (numbered like the clusters), run on tile `tile`.

    Arrays are indexed by the rows and columns *used*; the physical crossbar may be larger.
    """

    index: int
    tile: int
    row_source: np.ndarray  # int64 [R]: global id of the neuron feeding each row (distinct, ascending)
    col_neuron: np.ndarray  # int64 [C]: global id of the neuron of each column
    weights: np.ndarray  # [R, C]: float32 (float64 if needed) weights, 0 where no synapse; int32 levels when quantised
    scale: np.ndarray | None  # float64 [C]: weight = level * scale per column when quantised, None when not
    present: np.ndarray  # bool [R, C]: crosspoints holding a synapse (its weight may be 0)
    delays: np.ndarray  # int32 [R, C]: delay in steps of each crosspoint's synapse, 0 where none
    bias: np.ndarray  # float64 [C]: constant current added to each column every step; int32 mantissas when fixed
    bias_exponent: int | None = None  # bias = mantissa * 2^bias_exponent when fixed point (state_bits), None: float

    @property
    def rows(self) -> int:
        return int(self.row_source.size)

    @property
    def cols(self) -> int:
        return int(self.col_neuron.size)

    @property
    def synapses(self) -> int:
        """Crosspoints in use (synapses after merging those with the same source and target)."""
        return int(np.count_nonzero(self.present))

    def effective_weights(self) -> np.ndarray:
        """float64 [R, C]: the weights the crossbar applies (level * scale when quantised)."""
        w = self.weights.astype(np.float64)
        return w if self.scale is None else w * self.scale

    def effective_bias(self) -> np.ndarray:
        """float64 [C]: the bias the columns receive (mantissa * 2^exponent when fixed point)."""
        b = np.asarray(self.bias, dtype=np.float64)
        return b if self.bias_exponent is None else from_fixed(self.bias, self.bias_exponent)


@dataclass(frozen=True, eq=False)
class Routing:
    """For each global neuron, the (crossbar, row) pairs its output reaches: CSR over neurons.

    The targets of neuron n are `crossbar[indptr[n]:indptr[n+1]]` and `row[...]` (row indices into
    that crossbar's `row_source`), sorted by crossbar then row. Every crossbar row appears exactly
    once: it has exactly one source.
    """

    indptr: np.ndarray  # int64 [N + 1]
    crossbar: np.ndarray  # int64 [E]
    row: np.ndarray  # int64 [E]

    def targets(self, neuron: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = int(self.indptr[neuron]), int(self.indptr[neuron + 1])
        return self.crossbar[lo:hi], self.row[lo:hi]

    @property
    def fan_out(self) -> np.ndarray:
        """int64 [N]: crossbar rows each neuron feeds."""
        return np.diff(self.indptr)


@dataclass(frozen=True, eq=False)
class NeuronTable:
    """Per global neuron: population, model, parameters (float64 arrays, one value per neuron), reset,
    refractory; inputs' sources.

    `params[name]` is float64 [N] for every name in `PARAMS`, NaN for neurons whose model lacks that
    parameter. Populations are described by `names`, `models`, `offsets` (neurons of population p are
    offsets[p]:offsets[p+1]); `rate` and `spikes` are the inputs' own sources (a Poisson rate in Hz,
    NaN when none; a recorded spike train per input population, None when none).
    """

    dt: float
    names: tuple[str, ...]
    models: tuple[str, ...]
    offsets: np.ndarray  # int64 [P + 1]
    population: np.ndarray  # int64 [N]
    params: Mapping[str, np.ndarray]  # name -> float64 [N]
    reset: np.ndarray  # int8 [N]: 0 = zero, 1 = subtract
    refractory: np.ndarray  # int64 [N]: steps
    rate: np.ndarray  # float64 [N]: Poisson rate of input neurons (NaN: none given, or not an input)
    spikes: tuple[np.ndarray | None, ...]  # per population: an input's recorded spike train
    # fixed form (module docstring), keyed by `FIXED_NAMES` entries; empty when every parameter is float
    mantissa: Mapping[str, np.ndarray] = field(default_factory=dict)  # int64 [N], 0 where the model lacks it
    exponent: Mapping[str, np.ndarray] = field(default_factory=dict)  # int64 [P], 0 where the model lacks it

    @property
    def n(self) -> int:
        return int(self.population.size)

    def fixed_params(self, p: int) -> dict[str, tuple[np.ndarray, int]]:
        """Population p's parameters in fixed form: stored name (`decay` for tau, ...) -> (mantissas
        [size], exponent), in its model's parameter order; empty when they are all float."""
        lo, hi = int(self.offsets[p]), int(self.offsets[p + 1])
        out = {}
        for name in MODELS[self.models[p]]:
            key = DECAY_PARAMS.get(name, name)
            if key in self.mantissa:
                out[key] = (self.mantissa[key][lo:hi], int(self.exponent[key][p]))
        return out

    def coefficients(self, p: int) -> dict[str, np.ndarray]:
        """Population p's parameters as the update uses them: tau -> dt / tau (the stored coefficient
        m * 2^-d when the decays are fixed point, so no rounding comes back in), others as they are."""
        lo, hi = int(self.offsets[p]), int(self.offsets[p + 1])
        out = {}
        for name in MODELS[self.models[p]]:
            key = DECAY_PARAMS.get(name)
            if key is None:
                out[name] = self.params[name][lo:hi]
            elif key in self.mantissa:
                out[name] = from_fixed(self.mantissa[key][lo:hi], int(self.exponent[key][p]))
            else:
                out[name] = self.dt / self.params[name][lo:hi]
        return out

    def size(self, p: int) -> int:
        return int(self.offsets[p + 1] - self.offsets[p])

    def model_params(self, p: int) -> dict[str, np.ndarray]:
        """The parameters of population p's model, float64 [size] each (views into `params`)."""
        lo, hi = int(self.offsets[p]), int(self.offsets[p + 1])
        return {name: self.params[name][lo:hi] for name in MODELS[self.models[p]]}


@dataclass(frozen=True, eq=False)
class HwConfig:
    """Everything the hardware needs: crossbar configurations, routing, neuron table and placement."""

    crossbars: tuple[CrossbarConfig, ...]
    routing: Routing
    neurons: NeuronTable
    tile_of_neuron: np.ndarray  # int64 [N]: tile of each non-input neuron, -1 for inputs (external sources)
    weight_bits: int | None
    crossbar_of_neuron: np.ndarray  # int64 [N]: crossbar (cluster) holding each neuron's column, -1 for inputs
    column_of_neuron: np.ndarray  # int64 [N]: that column's index in the crossbar, -1 for inputs
    order: tuple[int, ...]  # populations in evaluation order within a step (SimNetwork.order())
    rows_limit: int
    cols_limit: int
    state_bits: int | None = None  # voltage-domain parameters and biases in fixed point (None: float64)
    decay_bits: int | None = None  # decay coefficients dt/tau as unsigned fractions (None: float64)

    @property
    def n_tiles(self) -> int:
        return int(max((c.tile for c in self.crossbars), default=-1)) + 1

    @property
    def synapses(self) -> int:
        return int(sum(c.synapses for c in self.crossbars))

    def crossbars_on(self, tile: int) -> list[int]:
        """The crossbar configurations bound to `tile`, in its static evaluation order.

        A step is evaluated population by population (`order`); a tile evaluates its crossbars in the
        order of the first population they hold columns of, ties by crossbar index.
        """
        rank = {p: r for r, p in enumerate(self.order)}
        pop = self.neurons.population
        mine = [c for c in self.crossbars if c.tile == tile]
        key = {c.index: (min((rank[int(p)] for p in unique(pop[c.col_neuron])), default=len(rank)), c.index)
               for c in mine}
        return sorted(key, key=key.__getitem__)


# ------------------------------------------------------------------------------ building


def columns_of(clustering: Any) -> list[np.ndarray]:
    """The clusters of a `snnir.algorithms.partition.Clustering` as `build_config` takes them: per
    cluster, the global ids of its columns (ascending)."""
    ptr, ids = clustering.columns()
    return [ids[ptr[k]:ptr[k + 1]] for k in range(clustering.n_clusters)]


def _neuron_name(table_names: Sequence[str], offsets: np.ndarray, gid: int) -> str:
    p = int(np.searchsorted(offsets, gid, side="right") - 1)
    return f"neuron {gid - int(offsets[p])} of '{table_names[p]}' (global id {gid})"


def _synapses(net: SimNetwork, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(pre, post, delay, weight) of every synapse, projections in order, each in CSR order."""
    pres, posts, delays, ws = [], [], [], []
    for proj in net.projections:
        m = proj.matrix if sp.issparse(proj.matrix) else sp.csr_matrix(np.asarray(proj.matrix))
        m = sp.csr_matrix(m, dtype=np.float64)
        if not m.has_canonical_format:
            m = m.copy()
            m.sum_duplicates()
        counts = np.diff(m.indptr)
        posts.append(np.repeat(np.arange(m.shape[0], dtype=_I64), counts) + offsets[proj.dst])
        pres.append(m.indices.astype(_I64) + offsets[proj.src])
        delays.append(np.full(m.nnz, int(proj.delay), dtype=_I64))
        ws.append(m.data.astype(np.float64, copy=False))
    if not pres:
        z = np.zeros(0, _I64)
        return z, z, z, np.zeros(0)
    return np.concatenate(pres), np.concatenate(posts), np.concatenate(delays), np.concatenate(ws)


def _biases(net: SimNetwork, n: int, offsets: np.ndarray) -> np.ndarray:
    """float64 [N]: the constant current of every neuron, summed as simulate() sums it."""
    pops = net.populations
    bias = [np.zeros(p.size) for p in pops]
    for proj in net.projections:
        if proj.bias is None:
            continue
        b = np.asarray(proj.bias, dtype=np.float64).reshape(-1)
        if b.size not in (1, pops[proj.dst].size):
            raise ConfigError(f"bias of a projection into '{pops[proj.dst].name}' needs 1 or "
                              f"{pops[proj.dst].size} values, got {b.size}")
        bias[proj.dst] += b
    return np.concatenate(bias) if bias else np.zeros(n)


def _neuron_table(net: SimNetwork, offsets: np.ndarray) -> NeuronTable:
    pops = net.populations
    n = int(offsets[-1])
    params = {name: np.full(n, np.nan) for name in PARAMS}
    reset = np.zeros(n, dtype=np.int8)
    refractory = np.zeros(n, dtype=_I64)
    rate = np.full(n, np.nan)
    for i, p in enumerate(pops):
        lo, hi = int(offsets[i]), int(offsets[i + 1])
        for name, arr in p.params.items():
            params[name][lo:hi] = arr
        reset[lo:hi] = RESETS.index(p.reset)
        refractory[lo:hi] = p.refractory
        if p.model == "input" and p.rate is not None:
            rate[lo:hi] = p.rate
    for arr in params.values():
        arr.flags.writeable = False
    return NeuronTable(
        dt=float(net.dt),
        names=tuple(p.name for p in pops),
        models=tuple(p.model for p in pops),
        offsets=offsets,
        population=np.repeat(np.arange(len(pops), dtype=_I64), np.diff(offsets)),
        params=params,
        reset=reset,
        refractory=refractory,
        rate=rate,
        spikes=tuple(p.spikes if p.model == "input" else None for p in pops),
    )


def _segment_max(values: np.ndarray, seg: np.ndarray, k: int) -> np.ndarray:
    """Max of `values` per segment id (0 where a segment is empty); `seg` sorted ascending."""
    out = np.zeros(k)
    if values.size:
        starts = np.flatnonzero(np.r_[True, seg[1:] != seg[:-1]])
        out[seg[starts]] = np.maximum.reduceat(values, starts)
    return out


def _combined(*keys: np.ndarray) -> np.ndarray | None:
    """One int64 key ordering like the non-negative int64 `keys` (the first most significant), or None
    when it would overflow."""
    if keys[0].size == 0:
        return keys[0].astype(_I64)
    span = 1
    for k in keys:
        span *= int(k.max()) + 1
    if span >= 2**62:
        return None
    combined = keys[0].astype(_I64, copy=True)
    for k in keys[1:]:
        combined *= int(k.max()) + 1
        combined += k
    return combined


def _sort_keys(*keys: np.ndarray, stable: bool = True) -> np.ndarray:
    """An argsort by several non-negative int64 keys (the first is the most significant).

    Quicksort of one combined key; when `stable`, the runs of equal keys are then put back in their
    original order (a stable sort of random int64 keys is several times slower than a quicksort, and
    equal keys are rare where stability matters here).
    """
    combined = _combined(*keys)
    if combined is None:
        return np.lexsort(keys[::-1])
    o = np.argsort(combined)
    if not stable:
        return o
    ks = combined[o]
    same = np.zeros(o.size, dtype=bool)
    if o.size > 1:
        eq = ks[1:] == ks[:-1]
        same[1:] |= eq
        same[:-1] |= eq
    if same.any():
        at = np.flatnonzero(same)
        sub = o[at]
        o[at] = sub[np.lexsort((sub, ks[at]))]
    return o


def quantise(w: np.ndarray, column: np.ndarray, n_columns: int, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric per-column quantisation of crosspoint weights `w` [X] in columns `column` [X] (sorted).

    Returns (levels int32 [X], scale float64 [n_columns]); see the module docstring for the rule.
    """
    if bits < 1:
        raise ConfigError(f"weight_bits must be at least 1, got {bits}")
    a = np.abs(w)
    if bits == 1:
        nz = w != 0
        s = np.bincount(column[nz], weights=a[nz], minlength=n_columns)
        c = np.bincount(column[nz], minlength=n_columns)
        scale = np.divide(s, c, out=np.zeros(n_columns), where=c > 0)
        return np.sign(w).astype(np.int32), scale
    q = float(2 ** (bits - 1) - 1)
    scale = _segment_max(a, column, n_columns) / q
    sc = scale[column]
    level = np.divide(w, sc, out=np.zeros_like(w), where=sc > 0)
    level = np.clip(np.rint(level), -q, q)
    return level.astype(np.int32), scale


# ------------------------------------------------------------------------------ fixed point


def fixed_limit(bits: int) -> int:
    """The largest |mantissa| of a signed `bits`-bit word: 2^(bits-1) - 1 (symmetric, like weight levels)."""
    return (1 << (int(bits) - 1)) - 1


def _fits(top: float, e: int, q: int) -> bool:
    """Whether round(top / 2^e) <= q (ldexp is exact, so this is the rounding the mantissas get)."""
    return float(np.rint(math.ldexp(top, -e))) <= q


def to_fixed(values: Any, bits: int, what: str = "a value") -> tuple[np.ndarray, int]:
    """Signed fixed point with one shared exponent: (mantissa int32, exponent) with values ~ m * 2^e.

    |m| <= 2^(bits-1) - 1; e is the smallest integer at which the largest |value| still rounds into
    that range, so the error |value - m * 2^e| <= 2^(e-1) is as small as the word allows; m rounds
    half to even. All zeros (or no values) give m = 0, e = 0. Raises ConfigError for bits outside
    2..32 or a value that is not finite (`what` names it).
    """
    bits = int(bits)
    if not STATE_BITS[0] <= bits <= STATE_BITS[1]:
        raise ConfigError(f"a signed fixed-point word needs {STATE_BITS[0]} to {STATE_BITS[1]} bits, got {bits}")
    v = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(v)):
        raise ConfigError(f"{what} is not finite and has no fixed-point form")
    top = float(np.max(np.abs(v), initial=0.0))
    if top == 0.0:
        return np.zeros(v.shape, dtype=np.int32), 0
    q = fixed_limit(bits)
    e = math.frexp(top)[1] - (bits - 1)  # top / 2^e in [2^(b-2), 2^(b-1)): fits unless it rounds up to 2^(b-1)
    while not _fits(top, e, q):
        e += 1
    while _fits(top, e - 1, q):
        e -= 1
    m = np.rint(np.ldexp(v, -e))
    return m.astype(np.int32), e


def from_fixed(mantissa: Any, exponent: int) -> np.ndarray:
    """float64 m * 2^exponent (exact unless it under- or overflows float64)."""
    return np.ldexp(np.asarray(mantissa, dtype=np.float64), int(exponent))


def to_decay(tau: Any, dt: float, bits: int, what: str = "tau") -> np.ndarray:
    """The decay coefficients dt / tau as unsigned `bits`-bit fractions: m = round(dt / tau * 2^bits)
    (half to even, int64: 2^32 needs 33 bits), coefficient m * 2^-bits.

    Raises ConfigError naming `what` (e.g. "parameter 'tau' of population 'h'"), the neuron and the
    limit when a coefficient rounds to 0 (tau >= 2^(bits+1) dt) or above 2^bits (tau shorter than dt).
    """
    bits = int(bits)
    if not DECAY_BITS[0] <= bits <= DECAY_BITS[1]:
        raise ConfigError(f"a decay fraction needs {DECAY_BITS[0]} to {DECAY_BITS[1]} bits, got {bits}")
    t = np.asarray(tau, dtype=np.float64)
    k = float(dt) / t
    m = np.rint(np.ldexp(k, bits))
    zero = np.flatnonzero(~(m >= 1))
    if zero.size:
        i = int(zero[0])
        raise ConfigError(f"{what} is {float(t.flat[i])!r} s at neuron {i}: its decay coefficient dt/tau = "
                          f"{float(k.flat[i]):.6g} rounds to 0 with {bits}-bit decays (tau must be below "
                          f"2^{bits + 1} dt = {math.ldexp(float(dt), bits + 1):g} s)")
    big = np.flatnonzero(m > 2.0**bits)
    if big.size:
        i = int(big[0])
        raise ConfigError(f"{what} is {float(t.flat[i])!r} s at neuron {i}, shorter than the time step "
                          f"{float(dt)!r} s: its decay coefficient dt/tau = {float(k.flat[i]):.6g} exceeds 1, the "
                          f"largest a {bits}-bit decay holds")
    return m.astype(_I64)


def from_decay(mantissa: Any, bits: int) -> np.ndarray:
    """float64 decay coefficients m * 2^-bits (exact)."""
    return from_fixed(mantissa, -int(bits))


def fix_parameters(config: HwConfig, state_bits: int | None, decay_bits: int | None) -> HwConfig:
    """`config` with its neuron parameters and biases in fixed point (module docstring).

    `state_bits` fixes the voltage-domain parameters and the crossbars' biases, `decay_bits` the
    decay coefficients; None leaves that part float. The float parameters (`NeuronTable.params`,
    the values the hardware applies) become the dequantised ones. Works from a float configuration's
    values; O(N + crossbar columns) plus one small dict per population. Raises ConfigError naming the
    population and the parameter (a decay that rounds to 0, a non-finite value).
    """
    for key, bits, (low, high) in (("state_bits", state_bits, STATE_BITS), ("decay_bits", decay_bits, DECAY_BITS)):
        if bits is not None and not low <= int(bits) <= high:
            raise ConfigError(f"{key} must be between {low} and {high}, got {bits}")
    t = config.neurons
    n, n_pops = t.n, len(t.names)
    params = {k: np.array(v, dtype=np.float64) for k, v in t.params.items()}
    mantissa = {k: np.array(v, dtype=_I64) for k, v in t.mantissa.items()}
    exponent = {k: np.array(v, dtype=_I64) for k, v in t.exponent.items()}
    wanted = [(name, key) for name, key in DECAY_PARAMS.items() if decay_bits is not None] + \
             [(name, name) for name in STATE_PARAMS if state_bits is not None]
    for name, key in wanted:
        mantissa[key] = np.zeros(n, dtype=_I64)
        exponent[key] = np.zeros(n_pops, dtype=_I64)
        for p in range(n_pops):
            if name not in MODELS[t.models[p]]:
                continue
            lo, hi = int(t.offsets[p]), int(t.offsets[p + 1])
            what = f"parameter '{name}' of population '{t.names[p]}'"
            if key != name:
                m = to_decay(t.params[name][lo:hi], t.dt, int(decay_bits), what)  # type: ignore[arg-type]
                e = -int(decay_bits)  # type: ignore[arg-type]
                params[name][lo:hi] = t.dt / from_fixed(m, e)
            else:
                m, e = to_fixed(t.params[name][lo:hi], int(state_bits), what)  # type: ignore[arg-type]
                params[name][lo:hi] = from_fixed(m, e)
            mantissa[key][lo:hi] = m
            exponent[key][p] = e
    for arr in (*params.values(), *mantissa.values(), *exponent.values()):
        arr.flags.writeable = False
    table = dataclasses.replace(t, params=params, mantissa=mantissa, exponent=exponent)
    crossbars = config.crossbars
    if state_bits is not None:
        fixed = []
        for xb in crossbars:
            m, e = to_fixed(xb.effective_bias(), int(state_bits), f"the bias of crossbar {xb.index}")
            fixed.append(dataclasses.replace(xb, bias=m, bias_exponent=e))
        crossbars = tuple(fixed)
    return dataclasses.replace(
        config, neurons=table, crossbars=crossbars,
        state_bits=config.state_bits if state_bits is None else int(state_bits),
        decay_bits=config.decay_bits if decay_bits is None else int(decay_bits))


def build_config(net: SimNetwork, columns: Sequence[np.ndarray], tile_of_cluster: Any, rows_limit: int,
                 cols_limit: int, weight_bits: int | None = None, *, state_bits: int | None = None,
                 decay_bits: int | None = None) -> HwConfig:
    """The hardware configuration of `net` partitioned into clusters `columns` bound to tiles.

    `columns[k]` holds the global ids of cluster k's neurons (its crossbar's columns, in that order);
    every non-input neuron must be in exactly one cluster and no input in any. `tile_of_cluster[k]` is
    the tile cluster k runs on (several clusters may share a tile). Raises ConfigError naming the
    crossbar when it needs more rows than `rows_limit` (its distinct pre-synaptic neurons: never for
    a clustering that fits, see `Clustering.rows`) or has more columns than `cols_limit`, naming the
    crossbar and both neurons when a source reaches one target with two delays, and naming the
    neuron for a malformed clustering; SimulationError when the network's delay-0 projections form
    a loop. O(S log S). `weight_bits` quantises the weights, `state_bits` and `decay_bits` put the neuron
    parameters and biases in fixed point (`fix_parameters`; ConfigError naming the population for a
    decay coefficient that does not fit).
    """
    rows_limit, cols_limit = int(rows_limit), int(cols_limit)
    if rows_limit <= 0 or cols_limit <= 0:
        raise ConfigError(f"rows_limit and cols_limit must be positive, got {rows_limit} and {cols_limit}")
    if weight_bits is not None and not 1 <= int(weight_bits) <= 32:
        raise ConfigError(f"weight_bits must be between 1 and 32, got {weight_bits}")
    for key, bits, (low, high) in (("state_bits", state_bits, STATE_BITS), ("decay_bits", decay_bits, DECAY_BITS)):
        if bits is not None and not low <= int(bits) <= high:
            raise ConfigError(f"{key} must be between {low} and {high}, got {bits}")
    pops = net.populations
    offsets = np.zeros(len(pops) + 1, dtype=_I64)
    np.cumsum([p.size for p in pops], out=offsets[1:])
    n = int(offsets[-1])
    names = [p.name for p in pops]
    is_input = np.repeat(np.array([p.model == "input" for p in pops], dtype=bool), np.diff(offsets))
    order = tuple(net.order())

    # ---- clusters: which crossbar and column every neuron takes
    k_count = len(columns)
    tiles = np.asarray(tile_of_cluster, dtype=_I64).reshape(-1)
    if tiles.size != k_count:
        raise ConfigError(f"{k_count} clusters but {tiles.size} tile bindings")
    if tiles.size and tiles.min() < 0:
        k = int(np.flatnonzero(tiles < 0)[0])
        raise ConfigError(f"crossbar {k} is bound to tile {int(tiles[k])}; tiles are numbered from 0")
    cols = [np.asarray(c, dtype=_I64).reshape(-1) for c in columns]
    n_cols = np.array([c.size for c in cols], dtype=_I64)
    big = np.flatnonzero(n_cols > cols_limit)
    if big.size:
        k = int(big[0])
        raise ConfigError(f"crossbar {k} has {int(n_cols[k])} columns but the crossbar has {cols_limit}")
    col_ptr = np.zeros(k_count + 1, dtype=_I64)
    np.cumsum(n_cols, out=col_ptr[1:])
    all_cols = np.concatenate(cols) if cols else np.zeros(0, _I64)
    if all_cols.size and (all_cols.min() < 0 or all_cols.max() >= n):
        bad = int(all_cols[(all_cols < 0) | (all_cols >= n)][0])
        raise ConfigError(f"a cluster names neuron {bad}, outside 0..{n - 1}")
    seen = np.bincount(all_cols, minlength=n)
    if np.any(seen > 1):
        raise ConfigError(f"{_neuron_name(names, offsets, int(np.flatnonzero(seen > 1)[0]))} is a column of "
                          "two crossbars")
    if np.any(seen[is_input] > 0):
        raise ConfigError(f"{_neuron_name(names, offsets, int(np.flatnonzero(is_input & (seen > 0))[0]))} is an "
                          "input (an external source), not a crossbar column")
    if np.any((seen == 0) & ~is_input):
        raise ConfigError(f"{_neuron_name(names, offsets, int(np.flatnonzero((seen == 0) & ~is_input)[0]))} is in "
                          "no cluster")
    xb_of = np.full(n, -1, dtype=_I64)
    xb_of[all_cols] = np.repeat(np.arange(k_count, dtype=_I64), n_cols)
    col_of = np.full(n, -1, dtype=_I64)
    col_of[all_cols] = np.arange(all_cols.size, dtype=_I64) - np.repeat(col_ptr[:-1], n_cols)

    # ---- rows: distinct (crossbar, source), sorted
    pre, post, delay, w = _synapses(net, offsets)
    if delay.size and delay.max() > _MAX_DELAY:
        raise ConfigError(f"a delay of {int(delay.max())} steps does not fit a crosspoint (at most {_MAX_DELAY})")
    k_syn = xb_of[post]
    o = _sort_keys(k_syn, pre, stable=False)  # only the groups matter
    ks, ps = k_syn[o], pre[o]
    new = np.ones(o.size, dtype=bool)
    new[1:] = (ks[1:] != ks[:-1]) | (ps[1:] != ps[:-1])
    row_k, row_src = ks[new], ps[new]  # global rows, grouped by crossbar
    g_sorted = np.cumsum(new) - 1
    g_of = np.empty(o.size, dtype=_I64)
    g_of[o] = g_sorted  # global row of every synapse
    n_rows = np.bincount(row_k, minlength=k_count).astype(_I64)
    over = np.flatnonzero(n_rows > rows_limit)
    if over.size:
        k = int(over[0])
        raise ConfigError(f"crossbar {k} needs {int(n_rows[k])} rows but the crossbar has {rows_limit}")
    row_ptr = np.zeros(k_count + 1, dtype=_I64)
    np.cumsum(n_rows, out=row_ptr[1:])
    row_local = np.arange(row_k.size, dtype=_I64) - row_ptr[row_k]

    # ---- crosspoints: merge synapses with the same (row, column), in projection order; one delay each
    gcol = col_ptr[k_syn] + col_of[post]  # global column position
    total_cols = int(col_ptr[-1])
    o = _sort_keys(g_of, gcol)  # stable: duplicates keep projection order
    xg, xc, xw, xd = g_of[o], gcol[o], w[o], delay[o]
    first = np.ones(o.size, dtype=bool)
    first[1:] = (xg[1:] != xg[:-1]) | (xc[1:] != xc[:-1])
    starts = np.flatnonzero(first)
    if xd.size:
        clash = np.flatnonzero(np.minimum.reduceat(xd, starts) != np.maximum.reduceat(xd, starts))
        if clash.size:
            j = int(clash[0])
            s0, s1 = int(starts[j]), int(starts[j + 1]) if j + 1 < starts.size else xd.size
            ds = [str(d) for d in unique(xd[s0:s1]).tolist()]
            k = int(row_k[xg[s0]])
            raise ConfigError(f"crossbar {k}: {_neuron_name(names, offsets, int(row_src[xg[s0]]))} reaches "
                              f"{_neuron_name(names, offsets, int(all_cols[xc[s0]]))} with delays "
                              f"{', '.join(ds[:-1])} and {ds[-1]}, but a crosspoint holds one synapse delay")
    xg, xc, xd = xg[starts], xc[starts], xd[starts]
    xw = np.add.reduceat(xw, starts) if xw.size else xw
    xk = row_k[xg]
    r_loc = row_local[xg]
    c_loc = xc - col_ptr[xk]

    scale_all = None
    if weight_bits is not None:
        oc = np.argsort(xc)  # grouped by column (the order within a column does not matter)
        lv, scale_all = quantise(xw[oc], xc[oc], total_cols, int(weight_bits))
        values = np.empty(xw.size, dtype=np.int32)
        values[oc] = lv
    else:
        f32 = xw.astype(np.float32)
        values = f32 if np.array_equal(f32.astype(np.float64), xw) else xw

    # ---- dense crossbars: views into one buffer
    cells = n_rows * n_cols
    base = np.zeros(k_count + 1, dtype=_I64)
    np.cumsum(cells, out=base[1:])
    flat_w = np.zeros(int(base[-1]), dtype=values.dtype)
    flat_p = np.zeros(int(base[-1]), dtype=bool)
    flat_d = np.zeros(int(base[-1]), dtype=np.int32)
    at = base[xk] + r_loc * n_cols[xk] + c_loc
    flat_w[at] = values
    flat_p[at] = True
    flat_d[at] = xd
    bias_all = _biases(net, n, offsets)

    crossbars = []
    for k in range(k_count):
        r0, r1, c0, c1, b0, b1 = (int(row_ptr[k]), int(row_ptr[k + 1]), int(col_ptr[k]), int(col_ptr[k + 1]),
                                  int(base[k]), int(base[k + 1]))
        shape = (r1 - r0, c1 - c0)
        crossbars.append(CrossbarConfig(
            index=k,
            tile=int(tiles[k]),
            row_source=row_src[r0:r1],
            col_neuron=all_cols[c0:c1],
            weights=flat_w[b0:b1].reshape(shape),
            scale=None if scale_all is None else scale_all[c0:c1],
            present=flat_p[b0:b1].reshape(shape),
            delays=flat_d[b0:b1].reshape(shape),
            bias=bias_all[all_cols[c0:c1]],
        ))

    # ---- routing: every global row under its source
    ro = _sort_keys(row_src, np.arange(row_src.size, dtype=_I64), stable=False)  # (source, crossbar, row)
    indptr = np.zeros(n + 1, dtype=_I64)
    np.cumsum(np.bincount(row_src, minlength=n), out=indptr[1:])
    routing = Routing(indptr=indptr, crossbar=row_k[ro], row=row_local[ro])

    tile_of_neuron = np.full(n, -1, dtype=_I64)
    placed = xb_of >= 0
    tile_of_neuron[placed] = tiles[xb_of[placed]]
    config = HwConfig(
        crossbars=tuple(crossbars),
        routing=routing,
        neurons=_neuron_table(net, offsets),
        tile_of_neuron=tile_of_neuron,
        weight_bits=None if weight_bits is None else int(weight_bits),
        crossbar_of_neuron=xb_of,
        column_of_neuron=col_of,
        order=order,
        rows_limit=rows_limit,
        cols_limit=cols_limit,
    )
    if state_bits is None and decay_bits is None:
        return config
    return fix_parameters(config, state_bits, decay_bits)


def check_network(config: HwConfig, net: SimNetwork) -> None:
    """Raise ConfigError unless `net` has the populations (names, sizes, models) and dt of `config`."""
    t = config.neurons
    pops = net.populations
    if len(pops) != len(t.names):
        raise ConfigError(f"the configuration has {len(t.names)} populations but the network {len(pops)}")
    for i, p in enumerate(pops):
        if (p.name, p.size, p.model) != (t.names[i], t.size(i), t.models[i]):
            raise ConfigError(f"population {i} is '{p.name}' ({p.model}, {p.size}) in the network but "
                              f"'{t.names[i]}' ({t.models[i]}, {t.size(i)}) in the configuration")
    if float(net.dt) != t.dt:
        raise ConfigError(f"the configuration has dt = {t.dt} but the network {net.dt}")
