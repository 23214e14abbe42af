"""Fan-in decomposition (method.md section 3; Song et al., LCTES 2020, section 3), with no IR.

A crossbar of F rows takes at most F distinct pre-synaptic inputs per neuron. A neuron with n > F
inputs is split into a chain of relay units (`#snn.relay`: output = input current of the same step):

    units = ceil((n - F) / (F - 1)) + 1          (the original neuron is the last unit)

The first relay takes the first F inputs, every further relay the previous relay plus the next F - 1
inputs, and the original neuron keeps the last relay plus the remaining 1..F-1 inputs, so every unit
has at most F distinct inputs and units - 1 relays are added per decomposed neuron. A neuron's
inputs are taken in ascending order of their global pre-synaptic id, so neighbouring inputs share a
relay. Every synapse goes somewhere: those of a pre-synaptic neuron that a relay takes move to that
relay with their weight (a neuron feeding another through two projections, e.g. with two delays, is
one input and moves as a whole), the others stay. Chain edges have weight 1.0, so the neuron
receives the same total current (up to the order of the floating-point additions).

    import numpy as np
    from snnir.algorithms.decompose import decompose_fan_in

    d = decompose_fan_in(post, pre, limit=128)     # synapses into one population: [S] each
    d.unit[s]              # relay unit of synapse s (-1: it stays at its neuron)
    d.chain_pre, d.chain_post                      # relay -> relay edges (pre < post)
    d.out_unit, d.out_post                         # last relay -> its neuron

Everything is vectorised numpy over the synapse arrays, O(S log S) time (one sort of the (post,
pre) keys) and O(S) memory (a peak of about 4x the two input arrays; 10^7 synapses take about a
second); nothing is one Python object per synapse or per neuron.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Decomposition", "DecompositionError", "decompose_fan_in", "relay_count", "relay_spike_counts"]

_I64 = np.int64


class DecompositionError(ValueError):
    """A neuron exceeds the limit but the limit is below 2 (a chain needs room for the previous unit
    and at least one new input)."""

    def __init__(self, neuron: int, fan_in: int, limit: int) -> None:
        super().__init__(f"neuron {neuron} has fan-in {fan_in} but a chain of relays needs a limit of at least "
                         f"2 inputs per unit, got {limit}")
        self.neuron = int(neuron)
        self.fan_in = int(fan_in)
        self.limit = int(limit)


@dataclass
class Decomposition:
    """Where the synapses into one population go, and the relay units that carry them.

    Relay units are numbered 0..n_relays-1: decomposed neurons in ascending order, each one's units
    consecutive in chain order (so every chain edge goes from a unit to the next: pre < post).
    """

    limit: int
    unit: np.ndarray  # int64 [S]: relay unit that takes synapse s, -1 when it stays at its neuron
    chain_pre: np.ndarray  # int64 [E]: relay -> relay edges (weight 1.0), pre < post
    chain_post: np.ndarray
    out_unit: np.ndarray  # int64 [D]: the last relay of each decomposed neuron ...
    out_post: np.ndarray  # ... and that neuron (ascending)
    fan_in: np.ndarray  # int64 [D]: distinct inputs of each decomposed neuron before decomposition
    relays: np.ndarray  # int64 [D]: relays added for each (units - 1)
    chain_start: np.ndarray  # int64 [D]: first relay unit of each neuron's chain

    @property
    def n_relays(self) -> int:
        return int(self.relays.sum())

    @property
    def neurons(self) -> np.ndarray:
        """The decomposed neurons (post indices), ascending."""
        return self.out_post

    @property
    def moved(self) -> np.ndarray:
        """bool [S]: the synapses that move to a relay."""
        return self.unit >= 0

    @property
    def chain_of(self) -> np.ndarray:
        """int64 [n_relays]: index (into `neurons`) of the decomposed neuron each relay works for."""
        return np.repeat(np.arange(self.relays.size, dtype=_I64), self.relays)


def relay_count(fan_in: Any, limit: int) -> np.ndarray:
    """Relays needed per neuron: ceil((n - F) / (F - 1)) for n > F, else 0 (vectorised; F >= 2)."""
    n = np.asarray(fan_in, dtype=_I64)
    F = int(limit)
    over = np.maximum(n - F, 0)
    return np.where(n > F, -(-over // max(F - 1, 1)), 0).astype(_I64)


def decompose_fan_in(post: Any, pre: Any, limit: int) -> Decomposition:
    """Chain the inputs of every neuron with more than `limit` distinct inputs through relay units.

    `post` and `pre` are the synapses into one population, [S] each: the post-synaptic neuron's
    index in the population and the pre-synaptic neuron's global id (any non-negative integers; two
    synapses with the same pair are one input). Weights, delays and projections do not change where
    a synapse goes, so they are not needed here: index them with `unit`. Raises DecompositionError
    for the lowest neuron over the limit when `limit` < 2. O(S log S).
    """
    post = np.asarray(post, dtype=_I64).reshape(-1)
    pre = np.asarray(pre, dtype=_I64).reshape(-1)
    if post.size != pre.size:
        raise ValueError(f"{post.size} post-synaptic but {pre.size} pre-synaptic indices")
    if post.size and (post.min() < 0 or pre.min() < 0):
        raise ValueError("neuron indices must be non-negative")
    F = int(limit)
    empty = np.zeros(0, _I64)
    none = Decomposition(F, np.full(post.size, -1, _I64), empty, empty, empty, empty, empty, empty, empty)
    if post.size == 0:
        return none
    # distinct (post, pre) inputs, sorted by post then pre; inv: the input of each synapse
    width = int(pre.max()) + 1
    pairs, inv = np.unique(post * width + pre, return_inverse=True)
    inv = inv.reshape(-1)
    pairs //= width  # now the post of each input (sorted)
    start = np.ones(pairs.size, dtype=bool)
    start[1:] = pairs[1:] != pairs[:-1]
    first = np.flatnonzero(start)  # first input of each neuron with inputs
    del start
    fan = np.diff(np.append(first, pairs.size))
    heads = pairs[first]
    over = fan > F
    if not over.any():
        return none
    if F < 2:
        k = int(np.flatnonzero(over)[0])
        raise DecompositionError(int(heads[k]), int(fan[k]), F)
    relays = relay_count(fan, F)  # 0 for the neurons within the limit
    chain_start = np.zeros(relays.size, _I64)
    np.cumsum(relays[:-1], out=chain_start[1:])
    # per input: its rank r among its neuron's inputs (ascending pre); the first relay takes ranks
    # 0..F-1, relay j >= 1 takes ranks F + (j-1)(F-1) .. F + j(F-1) - 1, and ranks from
    # F + (m-1)(F-1) on (m relays) stay at the neuron, as do all inputs of neurons within the limit
    owner = np.repeat(np.arange(first.size, dtype=_I64), fan)  # neuron (index into heads) of each input
    rank = np.arange(pairs.size, dtype=_I64)
    rank -= first[owner]
    j = rank - F
    j //= F - 1
    j += 1
    j[rank < F] = 0
    del rank
    pair_unit = np.where(j < relays[owner], chain_start[owner] + j, -1)
    del j, owner
    heads, fan, relays, chain_start = heads[over], fan[over], relays[over], chain_start[over]
    # chains: unit -> next unit of the same neuron, and the last unit -> the neuron
    units = np.arange(int(relays.sum()), dtype=_I64)
    last = chain_start + relays - 1
    is_last = np.zeros(units.size, dtype=bool)
    is_last[last] = True
    chain_pre = units[~is_last]
    return Decomposition(F, pair_unit[inv], chain_pre, chain_pre + 1, last, heads.astype(_I64), fan.astype(_I64),
                         relays, chain_start)


def relay_spike_counts(d: Decomposition, pre: Any, spikes: Any, arrival: Any = None,
                       cap: int | None = None) -> np.ndarray:
    """Messages each relay unit forwards per iteration: the sum of the spike counts of its inputs.

    `pre` [S] are the synapses' pre-synaptic ids as given to `decompose_fan_in`, `spikes` the spike
    count of every pre-synaptic id; `arrival` [S] (optional) tells apart the synapses of one input
    that arrive separately (e.g. their delay): an input counts once per distinct arrival. A relay's
    chain input counts with the relay before it. A relay sends at most one message per step, so with
    `cap` (the simulated steps) every count is at most `cap`. int64 [n_relays]. O(S log S).
    """
    pre = np.asarray(pre, dtype=_I64).reshape(-1)
    spikes = np.asarray(spikes, dtype=_I64).reshape(-1)
    arrival = np.zeros(pre.size, _I64) if arrival is None else np.asarray(arrival, dtype=_I64).reshape(-1)
    n = d.n_relays
    if n == 0:
        return np.zeros(0, _I64)
    s = np.flatnonzero(d.unit >= 0)
    u, p, a = d.unit[s], pre[s], arrival[s]
    if a.size > 1:  # one count per distinct (unit, input, arrival)
        o = np.lexsort((a, p, u))
        u, p, a = u[o], p[o], a[o]
        keep = np.ones(u.size, dtype=bool)
        keep[1:] = (u[1:] != u[:-1]) | (p[1:] != p[:-1]) | (a[1:] != a[:-1])
        u, p = u[keep], p[keep]
    own = np.bincount(u, weights=spikes[p], minlength=n).astype(_I64)
    # along each chain the counts accumulate: c_j = c_(j-1) + own_j, i.e. a cumulative sum restarted
    # at every chain start; capped, min(cap, c_(j-1) + own_j) = min(cap, cumsum) as counts are >= 0
    total = np.cumsum(own)
    before = np.repeat(total[d.chain_start] - own[d.chain_start], d.relays)
    counts = total - before
    if cap is not None:
        np.minimum(counts, int(cap), out=counts)
    return counts


def _ragged_arange(lens: np.ndarray) -> np.ndarray:
    """concatenate([arange(l) for l in lens]) without a Python loop."""
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, dtype=_I64)
    starts = np.cumsum(lens) - lens
    return np.arange(total, dtype=_I64) - np.repeat(starts, lens)
