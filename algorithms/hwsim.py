"""A hardware-level simulator: runs an `HwConfig` (crossbars, routing, neuron table), never the projections.

    from snnir.algorithms.hwconfig import build_config
    from snnir.algorithms.hwsim import run

    config = build_config(net, columns, tile_of_cluster, rows_limit=128, cols_limit=128)
    hw = run(config, net, 100, seed=0, record_spikes=True)
    ref = simulate(net, 100, seed=0, record_spikes=True)        # the same spike trains

What it models. A crossbar row carries the outputs of its source neuron and keeps a history of
them over the last (max delay + 1) steps; every crosspoint has its own synaptic delay (as on chips
with programmable synaptic delays, e.g. Loihi). When a neuron emits a non-zero output (a spike, a
relay's partial sum, a non-spiking neuron's voltage), the routing table sends it to every
(crossbar, row) it reaches, where it enters that row's history. Column c's current at step t is

    I_c[t] = sum over rows r of weight[r, c] * out_src(r)[t - delays[r, c]]   (x scale[c] when quantised)

plus the column's bias; the neuron of the column then updates its state. Vectorised, a crossbar is
split by delay value into masked weight matrices W_d (the crosspoints of delay d), laid out once
when the `Machine` is built, and the currents are sum_d W_d^T @ history[t - d]. Synaptic input
comes only through routing and crossbars: the network's projections are never read. `net`
supplies nothing but a consistency check (the configuration must have been built from a network
with the same populations); inputs come from the neuron table's sources, drawn exactly as
`simulate` draws them (its own `_input_source` and `poisson_spikes`, in the same order, from the
same PCG64 stream), so a seed gives the same input spikes.

Schedule within a step: populations in the configuration's `order` (the network's
SimNetwork.order(), so every row a delay-0 crosspoint reads holds the step's output before it is
read); in each population's phase every crossbar computes the currents of its columns of that
population, and those neurons update (with simulate's own per-population update, `_step`, so the
arithmetic is identical) and send their outputs. A relay population that feeds later units of
itself without delay is evaluated in dependency levels (derived from the configuration's delay-0
crosspoints), each level's outputs routed before the next level reads them.

Fixed-point configurations (`state_bits`, `decay_bits`; snnir.algorithms.hwconfig) run dequantised:
every parameter and bias is m * 2^e in float64 (exact), and a decay uses its stored coefficient
m * 2^-d directly as dt/tau, so the only differences from the float network are the roundings of
the fixed form; weight levels are scaled per column as usual.

Exactness. Column sums are float64, accumulated per column by delay (ascending), within a delay in
ascending row (source) order starting from 0, the delays' partial sums added in that order, then
added to the bias. A column whose synapses share one delay gets exactly 0 from every other delay's
matrix (and x + 0 = x), so for a population fed by one projection this is the reference's own
order of additions (the bias plus the sum over ascending pre-synaptic ids), whatever the weights.
In general any order gives the same number whenever the sums are exact in float64, as sums of
float32 weights times spikes (or spike counts) are unless their magnitudes span more than about
2^29. So unquantised runs reproduce `simulate`'s spike trains exactly on such networks (every
bundled example); with arbitrary float64 weights, or voltages passed through several projections
into one population, they agree up to the rounding of the summation order.

Cost: O(crossbar rows + crosspoints) once to lay the crossbars out as block-diagonal sparse
matrices (one per phase and delay value); per step O(neurons) for the updates plus O(active rows +
their crosspoints): only the rows whose history holds a non-zero value at a delay some matrix
reads are visited (dense activity uses one sparse product per matrix instead). Memory: the
crosspoints, O(neurons) of state and (max delay + 1) values per crossbar row.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import scipy.sparse as sp

from snnir.algorithms.arrays import unique
from snnir.algorithms.hwconfig import RESETS, ConfigError, HwConfig, check_network
from snnir.algorithms.simulate import (
    DEFAULT_RATE,
    DEFAULT_STEPS,
    SPIKING,
    Population,
    SimNetwork,
    SimResult,
    SimulationError,
    _chain_levels,
    _input_source,
    _step,
    poisson_spikes,
)

__all__ = ["Machine", "run"]

_I64 = np.int64


def _ragged(starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """concatenate([arange(s, s + l) for s, l in zip(starts, lens)]) without a Python loop."""
    total = int(lens.sum())
    offsets = np.cumsum(lens) - lens
    return np.arange(total, dtype=_I64) + np.repeat(starts - offsets, lens)


class _Block:
    """The crosspoints of one delay value `delay` among a phase's columns: `csc` [units, hi - lo] over
    the global rows lo..hi-1 (the block-diagonal union of the crossbars holding those columns),
    column-compressed by row."""

    __slots__ = ("delay", "lo", "hi", "csc")

    def __init__(self, delay: int, lo: int, hi: int, csc: sp.csc_matrix) -> None:
        self.delay, self.lo, self.hi, self.csc = delay, lo, hi, csc

    def sums(self, x: np.ndarray, active: np.ndarray) -> np.ndarray | None:
        """Column sums sum_rows w x[row] over the `active` rows (sorted: the rows holding a value in
        `x`), in ascending row order per column; None when no crosspoint is reached."""
        a0, a1 = np.searchsorted(active, (self.lo, self.hi))
        if a1 == a0:
            return None
        g = active[a0:a1] - self.lo
        ip = self.csc.indptr
        starts = ip[g]
        lens = ip[g + 1] - starts
        total = int(lens.sum())
        if total == 0:
            return None
        xs = x[self.lo:self.hi]
        if total * 8 >= self.csc.nnz:  # dense activity: one sparse product (the same order of additions)
            return self.csc @ xs
        idx = _ragged(starts, lens)
        w = self.csc.data[idx]
        vals = xs[g]
        if not np.all(vals == 1.0):
            w = w * np.repeat(vals, lens)
        return np.bincount(self.csc.indices[idx], weights=w, minlength=self.csc.shape[0])


class _Phase:
    """The columns of one population (or one dependency level of a relay population) evaluated together,
    with their crosspoints split by delay (`blocks`, ascending delay)."""

    __slots__ = ("pop", "units", "blocks", "bias", "has_bias", "scale")

    def __init__(self, pop: int, units: np.ndarray) -> None:
        self.pop, self.units = pop, units
        self.blocks: list[_Block] = []
        self.bias = np.zeros(units.size)
        self.has_bias = False
        self.scale: np.ndarray | None = None

    def sums(self, history: Any, step: int) -> np.ndarray:
        """The columns' synaptic currents at `step`: sum over delays d (ascending) of W_d^T @ the rows'
        values of step - d; `history(s)` gives (values, sorted rows holding one) of step s."""
        total = None
        for b in self.blocks:
            if b.delay > step:  # before the first step: nothing was sent
                continue
            part = b.sums(*history(step - b.delay))
            if part is not None:
                if total is None:
                    total = part
                else:
                    total += part
        return np.zeros(self.units.size) if total is None else total


class Machine:
    """An `HwConfig` laid out for simulation: global rows, per-phase crossbar matrices split by delay,
    routing.

    Build once, `run` many times. Raises ConfigError for a configuration whose delay-0 crosspoints
    would read a row before it is written in the population order, or with a negative delay.
    """

    def __init__(self, config: HwConfig) -> None:
        self.config = config
        t = config.neurons
        n = t.n
        pop_of = t.population
        xbs = config.crossbars
        P = len(t.names)
        rank = np.full(P, -1, dtype=_I64)
        rank[list(config.order)] = np.arange(len(config.order))

        # global rows: the crossbars' rows concatenated
        n_rows = np.array([c.rows for c in xbs], dtype=_I64)
        n_cols = np.array([c.cols for c in xbs], dtype=_I64)
        row_off = np.zeros(len(xbs) + 1, dtype=_I64)
        np.cumsum(n_rows, out=row_off[1:])
        col_off = np.zeros(len(xbs) + 1, dtype=_I64)
        np.cumsum(n_cols, out=col_off[1:])
        self.n_rows = int(row_off[-1])
        cat = (lambda arrs, dt: np.concatenate(arrs) if arrs else np.zeros(0, dt))
        g_src = cat([c.row_source for c in xbs], _I64).astype(_I64)
        col_neuron = cat([c.col_neuron for c in xbs], _I64).astype(_I64)

        # crosspoints, vectorised over all crossbars
        cells = n_rows * n_cols
        base = np.zeros(len(xbs) + 1, dtype=_I64)
        np.cumsum(cells, out=base[1:])
        present = cat([c.present.ravel() for c in xbs], bool)
        flat = np.flatnonzero(present)
        k = np.repeat(np.arange(len(xbs), dtype=_I64), cells)[flat]
        local = flat - base[k]
        r, c = np.divmod(local, np.maximum(n_cols[k], 1))
        g = row_off[k] + r
        gc = col_off[k] + c
        w = cat([x.weights.ravel() for x in xbs], np.float64)[flat].astype(np.float64)
        dly = cat([x.delays.ravel() for x in xbs], _I64)[flat].astype(_I64)
        if dly.size and dly.min() < 0:
            raise ConfigError(f"crossbar {int(k[np.argmin(dly)])} has a crosspoint with a negative delay")
        self.depth = int(dly.max()) + 1 if dly.size else 1  # steps of history each row keeps
        neuron = col_neuron[gc]
        bias_n = np.zeros(n)
        bias_n[col_neuron] = cat([x.effective_bias() for x in xbs], np.float64)
        quantised = config.weight_bits is not None
        scale_n = None
        if quantised:
            scale_n = np.zeros(n)
            scale_n[col_neuron] = cat([x.scale for x in xbs], np.float64)

        # rows read by delay-0 crosspoints must be written before they are read
        src_pop, dst_pop = pop_of[g_src[g]], pop_of[neuron]
        zero = dly == 0
        relay = np.array([m == "relay" for m in t.models], dtype=bool)
        same = zero & (src_pop == dst_pop)
        bad = (zero & ~same & (rank[src_pop] >= rank[dst_pop])) | (same & ~relay[dst_pop])
        if bad.any():
            j = int(np.flatnonzero(bad)[0])
            raise ConfigError(f"crossbar {int(k[j])}: a delay-0 synapse from '{t.names[int(src_pop[j])]}' feeds "
                              f"'{t.names[int(dst_pop[j])]}', which the population order does not evaluate "
                              "after it")

        # phases: populations in order; relays feeding themselves without delay, level by level
        self.phases: list[Any] = []
        phase_of = np.full(n, -1, dtype=_I64)
        for i in config.order:
            lo, size = int(t.offsets[i]), t.size(i)
            if t.models[i] == "input":
                self.phases.append(i)
                continue
            groups = [np.arange(size, dtype=_I64)]
            if t.models[i] == "relay":
                m = same & (dst_pop == i)
                if m.any():
                    chain = sp.csr_matrix((np.ones(int(m.sum())), (neuron[m] - lo, g_src[g[m]] - lo)),
                                          shape=(size, size))
                    levels = [ids for ids, _ in _chain_levels(chain)]
                    later = np.zeros(size, dtype=bool)
                    for ids in levels:
                        later[ids] = True
                    groups = [np.flatnonzero(~later)] + levels
            for units in groups:
                ph = _Phase(i, units.astype(_I64))
                phase_of[lo + ph.units] = len(self.phases)
                ph.bias = bias_n[lo + ph.units]
                ph.has_bias = bool(np.any(ph.bias))
                if quantised:
                    ph.scale = scale_n[lo + ph.units]
                self.phases.append(ph)
        # each phase's crosspoints, one CSC matrix per delay value over the global rows it reads
        ph_of = phase_of[neuron]
        small = np.int16 if len(self.phases) < 2**15 else _I64  # a radix sort for the phase numbers
        o = np.argsort(ph_of.astype(small), kind="stable")
        bounds = np.zeros(len(self.phases) + 1, dtype=_I64)
        np.cumsum(np.bincount(ph_of, minlength=len(self.phases)), out=bounds[1:])
        for j, ph in enumerate(self.phases):
            if not isinstance(ph, _Phase):
                continue
            sel = o[bounds[j]:bounds[j + 1]]
            if sel.size == 0:
                continue
            d_sel = dly[sel]
            values = unique(d_sel)
            for dv in values.tolist():
                part = sel if values.size == 1 else sel[d_sel == dv]
                gg = g[part]
                lo, hi = int(gg.min()), int(gg.max()) + 1
                pos = np.searchsorted(ph.units, neuron[part] - t.offsets[ph.pop])
                csc = sp.csc_matrix((w[part], (pos, gg - lo)), shape=(ph.units.size, hi - lo))
                csc.sum_duplicates()
                ph.blocks.append(_Block(int(dv), lo, hi, csc))

        # routing: per population, (indptr over its neurons, the global rows they reach)
        rt = config.routing
        tgt = row_off[rt.crossbar] + rt.row  # global row of every routing entry
        self.routes: list[tuple[np.ndarray, np.ndarray]] = []
        for i in range(P):
            lo, hi = int(t.offsets[i]), int(t.offsets[i + 1])
            e0 = int(rt.indptr[lo])
            self.routes.append((rt.indptr[lo:hi + 1] - e0, tgt[e0:int(rt.indptr[hi])]))

        # populations rebuilt from the neuron table (validated as simulate's are)
        self.pops: list[Population] = []
        for i in range(P):
            lo, hi = int(t.offsets[i]), int(t.offsets[i + 1])
            resets, refr = unique(t.reset[lo:hi]), unique(t.refractory[lo:hi])
            if resets.size > 1 or refr.size > 1:
                raise ConfigError(f"population '{t.names[i]}' mixes resets or refractory periods")
            if t.models[i] == "input":
                rate = unique(t.rate[lo:hi])
                if rate.size > 1:
                    raise ConfigError(f"input '{t.names[i]}' has several rates; one Poisson rate per input")
                self.pops.append(Population(t.names[i], hi - lo, "input",
                                            rate=None if np.isnan(rate[0]) else float(rate[0]), spikes=t.spikes[i]))
            else:
                self.pops.append(Population(t.names[i], hi - lo, t.models[i],
                                            {k2: v.copy() for k2, v in t.model_params(i).items()},
                                            reset=RESETS[int(resets[0])], refractory=int(refr[0])))

    def run(self, steps: int = DEFAULT_STEPS, seed: int = 0, inputs: Mapping[str, Any] | None = None, *,
            default_rate: float = DEFAULT_RATE, record_spikes: bool = False,
            record_voltages: bool = False) -> SimResult:
        """Run the configuration for `steps` steps; arguments and result as `simulate`'s."""
        if steps < 0:
            raise SimulationError(f"steps must be >= 0, got {steps}")
        t = self.config.neurons
        dt = t.dt
        if not dt > 0:
            raise SimulationError(f"the time step must be positive, got {dt}")
        pops = self.pops
        by_name = {p.name: i for i, p in enumerate(pops)}
        inputs = dict(inputs or {})
        for name in inputs:
            if name not in by_name or pops[by_name[name]].model != "input":
                raise SimulationError(f"'{name}' is not an input population of the network")
        rng = np.random.Generator(np.random.PCG64(seed))
        order = self.config.order
        sources = {i: _input_source(pops[i], inputs.get(pops[i].name), steps, dt, default_rate)
                   for i in order if pops[i].model == "input"}

        v = [np.zeros(p.size) for p in pops]
        syn = [np.zeros(p.size) if p.model in ("cuba_lif", "cuba_li") else None for p in pops]
        refr = [np.zeros(p.size, dtype=_I64) if p.refractory > 0 else None for p in pops]
        for i, p in enumerate(pops):
            if "v_leak" in p.params:
                v[i] = p.params["v_leak"].copy()
        counts = [np.zeros(p.size) for p in pops]
        out = [np.zeros(p.size) for p in pops]
        rec_s = {i: np.zeros((steps, p.size), dtype=np.uint8) for i, p in enumerate(pops) if record_spikes}
        rec_v = {i: np.zeros((steps, p.size)) for i, p in enumerate(pops)
                 if record_voltages and p.model not in ("input", "threshold", "relay")}
        coef = [t.coefficients(i) for i in range(len(pops))]  # fixed-point decays: the stored coefficients
        spiking = [p.model in SPIKING for p in pops]

        D = self.depth
        hist = np.zeros((D, self.n_rows))  # row histories: hist[s % D, row] = the row's source's output at step s
        pending: list[list[np.ndarray]] = [[] for _ in range(D)]  # rows written per slot, not yet merged
        active = [np.zeros(0, dtype=_I64) for _ in range(D)]  # rows written per slot, sorted
        routes = self.routes

        def send(i: int, step: int, ids: np.ndarray, vals: np.ndarray) -> None:
            """Route the non-zero outputs `vals` of neurons `ids` (local to population i) to their rows."""
            ip, rows = routes[i]
            if ids.size == 0 or rows.size == 0:
                return
            starts = ip[ids]
            lens = ip[ids + 1] - starts
            if not lens.any():
                return
            g = rows[_ragged(starts, lens)]
            s = step % D
            hist[s, g] = np.repeat(vals, lens)
            pending[s].append(g)

        def rows_with_values(slot: int) -> np.ndarray:
            if pending[slot]:
                new = np.concatenate(pending[slot])
                new.sort()
                pending[slot] = []
                # two sorted runs: the stable sort merges them in linear time
                active[slot] = np.sort(np.concatenate([active[slot], new]), kind="stable") if active[slot].size \
                    else new
            return active[slot]

        def history(s: int) -> tuple[np.ndarray, np.ndarray]:
            """(the rows' values at step s, the rows holding a non-zero one), s in step - D + 1 .. step."""
            slot = s % D
            return hist[slot], rows_with_values(slot)

        for step in range(steps):
            slot = step % D  # the oldest history (step - D) is no longer read: this step's outputs go there
            hist[slot, rows_with_values(slot)] = 0.0
            active[slot] = np.zeros(0, dtype=_I64)
            for ph in self.phases:
                if not isinstance(ph, _Phase):  # an input population
                    i = ph
                    p = pops[i]
                    kind, src = sources[i]
                    if kind == "poisson":
                        s = poisson_spikes(rng, p.size, src, dt)
                    else:
                        s = src[step] if step < src.shape[0] else np.zeros(p.size)
                    out[i] = s
                    counts[i] += s
                    if i in rec_s:
                        rec_s[i][step] = s
                    nz = np.flatnonzero(s)
                    send(i, step, nz, s[nz])
                    continue
                i = ph.pop
                p = pops[i]
                total = ph.sums(history, step)
                if ph.scale is not None:
                    total = total * ph.scale
                current = ph.bias + total if ph.has_bias else total
                if p.model == "relay":
                    o = out[i]
                    o[ph.units] = current
                    counts[i][ph.units] += current != 0
                    if i in rec_s:
                        rec_s[i][step, ph.units] = current != 0
                    nz = np.flatnonzero(current)
                    send(i, step, ph.units[nz], current[nz])
                    continue
                o = _step(p, coef[i], v[i], syn[i], refr[i], current, dt)
                out[i] = o
                if spiking[i]:
                    counts[i] += o
                    if i in rec_s:
                        rec_s[i][step] = o
                if i in rec_v:
                    rec_v[i][step] = v[i]
                nz = np.flatnonzero(o)
                send(i, step, nz, o[nz])
        return SimResult(
            steps=steps,
            counts={p.name: np.rint(counts[i]).astype(np.int64) for i, p in enumerate(pops)},
            spikes={pops[i].name: a for i, a in rec_s.items()},
            voltages={pops[i].name: a for i, a in rec_v.items()},
        )


def run(config: HwConfig, net: SimNetwork, steps: int = DEFAULT_STEPS, seed: int = 0,
        inputs: Mapping[str, Any] | None = None, *, default_rate: float = DEFAULT_RATE,
        record_spikes: bool = False, record_voltages: bool = False) -> SimResult:
    """Run `config` for `steps` steps: the same arguments and result as `simulate(net, ...)`.

    `net` must be the network the configuration was built from (its populations are checked; its
    projections are not used). Raises ConfigError for a mismatch, SimulationError for bad inputs.
    Time: O(crosspoints) set-up plus O(steps * (neurons + active rows and their crosspoints)).
    """
    check_network(config, net)
    return Machine(config).run(steps, seed, inputs, default_rate=default_rate, record_spikes=record_spikes,
                               record_voltages=record_voltages)
