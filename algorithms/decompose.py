"""Fan-in decomposition (method.md section 3; Song et al., LCTES 2020, section 3), with no IR.

A crossbar of F rows takes at most F distinct pre-synaptic inputs per neuron. A neuron with n > F
inputs gets relay units (`#snn.relay`: output = input current of the same step) that each take at
most F of its inputs (or of other relays' outputs) and forward their partial sum, so that every
unit, the neuron included, has at most F distinct inputs. Two shapes:

- `tree` (the default): the inputs, in ascending order, are cut into chunks of F; each chunk feeds
  one relay of a first level, and the neuron takes the relays plus the leftover chunk directly
  when it fits. With c = ceil(n / F) chunks and a last chunk of l = n - (c - 1) F inputs:

      relays = c - 1   when (c - 1) + l <= F   (the leftover chunk stays at the neuron)
               c       otherwise               (every chunk through a relay; the neuron takes c)

  (for n <= F^2; e.g. n = 400, F = 128: 3 relays of 128 inputs, 16 direct, neuron fan-in 19).
  Above F^2 the c > F relays are too many for the neuron: the full chunks become relays, the
  leftover (< F) is carried up, and the same is done again on relays + leftover, level by level,
  until at most F items remain (about log_F n levels). No relay feeds a relay of its own level.
- `chain` (the paper's): the first relay takes the first F inputs, every further relay the
  previous relay plus the next F - 1 inputs, and the neuron keeps the last relay plus the
  remaining 1..F-1 inputs:

      units = ceil((n - F) / (F - 1)) + 1          (the original neuron is the last unit)

Both use the same number of relays, ceil((n - F) / (F - 1)) (the tree's per-level formula above
is the same number), which is the fewest possible: a decomposition with k relays has n + k edges
into k + 1 units of at most F inputs each, so n + k <= F (k + 1). The tree suits crossbars: the
first-level relays of the same chunk of neurons with the same inputs (a dense layer; nearly so
in a convolution) have the same rows and share a crossbar, up to C of them, while a chain relay
after the first has its own predecessor as a row and shares a crossbar with no other.

A neuron's inputs are taken in ascending order of their global pre-synaptic id, so neighbouring
inputs share a relay. Every synapse goes somewhere: those of a pre-synaptic neuron that a relay
takes move to that relay with their weight (a neuron feeding another through two projections,
e.g. with two delays, is one input and moves as a whole), the others stay. Relay -> relay and
relay -> neuron edges have weight 1.0, so the neuron receives the same total current (up to the
order of the floating-point additions).

    import numpy as np
    from snnir.algorithms.decompose import decompose_fan_in

    d = decompose_fan_in(post, pre, limit=128)     # synapses into one population: [S] each
    d.unit[s]              # relay unit of synapse s (-1: it stays at its neuron)
    d.chain_pre, d.chain_post                      # relay -> relay edges (pre < post)
    d.out_unit, d.out_post                         # relay -> its neuron
    decompose_fan_in(post, pre, 128, shape="chain")

Everything is vectorised numpy over the synapse arrays, O(S log S) time (one sort of the (post,
pre) keys) and O(S) memory (a peak of about 4x the two input arrays; 10^7 synapses take about a
second); nothing is one Python object per synapse or per neuron (the tree's layout is computed
once per distinct fan-in, in O(n) numpy, and broadcast to the neurons that have it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["SHAPES", "Decomposition", "DecompositionError", "decompose_fan_in", "relay_count", "relay_spike_counts",
           "tree_layout"]

_I64 = np.int64

SHAPES = ("tree", "chain")


class DecompositionError(ValueError):
    """A neuron exceeds the limit but the limit is below 2 (a unit needs room for one relay and at
    least one more input, or a relay would only forward a single input)."""

    def __init__(self, neuron: int, fan_in: int, limit: int, shape: str = "tree") -> None:
        super().__init__(f"neuron {neuron} has fan-in {fan_in} but a {shape} of relays needs a limit of at least "
                         f"2 inputs per unit, got {limit}")
        self.neuron = int(neuron)
        self.fan_in = int(fan_in)
        self.limit = int(limit)
        self.shape = shape


@dataclass
class Decomposition:
    """Where the synapses into one population go, and the relay units that carry them.

    Relay units are numbered 0..n_relays-1: decomposed neurons in ascending order, each one's units
    consecutive (a chain in chain order; a tree level by level, each level in ascending order of the
    inputs it covers), so every relay -> relay edge goes to a later unit (pre < post), as the
    simulator requires of a relay population feeding itself without delay.
    """

    limit: int
    unit: np.ndarray  # int64 [S]: relay unit that takes synapse s, -1 when it stays at its neuron
    chain_pre: np.ndarray  # int64 [E]: relay -> relay edges (weight 1.0), pre < post, sorted by (post, pre)
    chain_post: np.ndarray
    out_unit: np.ndarray  # int64 [O]: the relays that feed a decomposed neuron (the last of a chain; the top
    out_post: np.ndarray  # level of a tree) and that neuron; sorted by (neuron, relay)
    fan_in: np.ndarray  # int64 [D]: distinct inputs of each decomposed neuron before decomposition
    relays: np.ndarray  # int64 [D]: relays added for each (units - 1)
    chain_start: np.ndarray  # int64 [D]: first relay unit of each decomposed neuron
    heads: np.ndarray  # int64 [D]: the decomposed neurons (post indices), ascending
    level: np.ndarray  # int64 [n_relays]: round in which each relay is built (0: fed by inputs only); a
    #                    relay's relay inputs all come from earlier rounds
    shape: str = "tree"

    @property
    def n_relays(self) -> int:
        return int(self.relays.sum())

    @property
    def neurons(self) -> np.ndarray:
        """The decomposed neurons (post indices), ascending."""
        return self.heads

    @property
    def edge_pre(self) -> np.ndarray:
        """Relay -> relay edges (= chain_pre, whatever the shape)."""
        return self.chain_pre

    @property
    def edge_post(self) -> np.ndarray:
        return self.chain_post

    @property
    def moved(self) -> np.ndarray:
        """bool [S]: the synapses that move to a relay."""
        return self.unit >= 0

    @property
    def chain_of(self) -> np.ndarray:
        """int64 [n_relays]: index (into `neurons`) of the decomposed neuron each relay works for."""
        return np.repeat(np.arange(self.relays.size, dtype=_I64), self.relays)

    @property
    def depth(self) -> int:
        """Relay levels on the longest path from an input to a neuron (0 without relays)."""
        return int(self.level.max()) + 1 if self.level.size else 0


def relay_count(fan_in: Any, limit: int) -> np.ndarray:
    """Relays needed per neuron, for either shape: ceil((n - F) / (F - 1)) for n > F, else 0 (vectorised;
    F >= 2). The fewest any decomposition into units of at most F inputs can have."""
    n = np.asarray(fan_in, dtype=_I64)
    F = int(limit)
    over = np.maximum(n - F, 0)
    return np.where(n > F, -(-over // max(F - 1, 1)), 0).astype(_I64)


def tree_layout(n: int, limit: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The tree of one neuron with n distinct inputs (ranks 0..n-1 in ascending order) and F = limit >= 2.

    Returns (input_unit [n]: the relay taking each input, -1 for the neuron; edge_pre, edge_post: relay ->
    relay edges; top [T]: the relays that feed the neuron; level [k]: the round that built each relay).
    Relays are numbered round by round, each round in order of the items it takes, so edges go forward.

    Each round cuts the current items (inputs and relays not yet taken, in order) into chunks of F.
    With c chunks and a last chunk of l items: when c <= F (one more round suffices) it makes c - 1
    relays and leaves the last chunk at the neuron if (c - 1) + l <= F, else c relays; when c > F it
    makes a relay of every full chunk and carries the < F leftover items, after the new relays, to the
    next round. O(n) numpy per round, about log_F n rounds.
    """
    F = int(limit)
    input_unit = np.full(n, -1, dtype=_I64)
    if n <= F:
        z = np.zeros(0, _I64)
        return input_unit, z, z, z, z
    if F < 2:
        raise ValueError(f"a tree of relays needs a limit of at least 2, got {F}")
    items = np.arange(n, dtype=_I64)  # codes: < n an input rank, >= n the relay code - n
    epre, epost, levels = [], [], []
    made = 0
    rnd = 0
    while items.size > F:
        L = int(items.size)
        c = -(-L // F)
        if c <= F:
            last = L - (c - 1) * F
            m = c - 1 if (c - 1) + last <= F else c
        else:
            m = L // F
        take = min(m * F, L)
        new = made + np.arange(take, dtype=_I64) // F
        taken = items[:take]
        is_input = taken < n
        input_unit[taken[is_input]] = new[is_input]
        epre.append(taken[~is_input] - n)
        epost.append(new[~is_input])
        levels.append(np.full(m, rnd, _I64))
        items = np.concatenate([n + made + np.arange(m, dtype=_I64), items[take:]])
        made += m
        rnd += 1
    top = items[items >= n] - n
    return (input_unit, np.concatenate(epre), np.concatenate(epost), top, np.concatenate(levels))


def decompose_fan_in(post: Any, pre: Any, limit: int, shape: str = "tree") -> Decomposition:
    """Decompose every neuron with more than `limit` distinct inputs through relay units.

    `post` and `pre` are the synapses into one population, [S] each: the post-synaptic neuron's
    index in the population and the pre-synaptic neuron's global id (any non-negative integers; two
    synapses with the same pair are one input). `shape` is "tree" (the default) or "chain" (the
    paper's; module docstring). Weights, delays and projections do not change where a synapse goes,
    so they are not needed here: index them with `unit`. Raises DecompositionError for the lowest
    neuron over the limit when `limit` < 2. O(S log S).
    """
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {', '.join(SHAPES)}, got '{shape}'")
    post = np.asarray(post, dtype=_I64).reshape(-1)
    pre = np.asarray(pre, dtype=_I64).reshape(-1)
    if post.size != pre.size:
        raise ValueError(f"{post.size} post-synaptic but {pre.size} pre-synaptic indices")
    if post.size and (post.min() < 0 or pre.min() < 0):
        raise ValueError("neuron indices must be non-negative")
    F = int(limit)
    empty = np.zeros(0, _I64)
    none = Decomposition(F, np.full(post.size, -1, _I64), empty, empty, empty, empty, empty, empty, empty, empty,
                         empty, shape)
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
        raise DecompositionError(int(heads[k]), int(fan[k]), F, shape)
    relays = relay_count(fan, F)  # 0 for the neurons within the limit
    chain_start = np.zeros(relays.size, _I64)
    np.cumsum(relays[:-1], out=chain_start[1:])
    # per input: its rank r among its neuron's inputs (ascending pre)
    owner = np.repeat(np.arange(first.size, dtype=_I64), fan)  # neuron (index into heads) of each input
    rank = np.arange(pairs.size, dtype=_I64)
    rank -= first[owner]
    if shape == "chain":
        pair_unit, (e_pre, e_post), (out_unit, who), level = _chain(rank, owner, relays, chain_start, over, F)
    else:
        pair_unit, (e_pre, e_post), (out_unit, who), level = _tree(rank, owner, fan, relays, chain_start, over, F)
    del rank, owner
    heads = heads[over].astype(_I64)
    out_post = heads[who]
    o = np.lexsort((out_unit, out_post))
    return Decomposition(F, pair_unit[inv], e_pre, e_post, out_unit[o], out_post[o], fan[over].astype(_I64),
                         relays[over], chain_start[over], heads, level, shape)


def _chain(rank, owner, relays, chain_start, over, F):
    """The paper's chains. The first relay takes ranks 0..F-1, relay j >= 1 ranks F + (j-1)(F-1) ..
    F + j(F-1) - 1, and ranks from F + (m-1)(F-1) on (m relays) stay at the neuron, as do all inputs of
    neurons within the limit."""
    j = rank - F
    j //= F - 1
    j += 1
    j[rank < F] = 0
    pair_unit = np.where(j < relays[owner], chain_start[owner] + j, -1)
    del j
    relays, chain_start = relays[over], chain_start[over]
    # chains: unit -> next unit of the same neuron, and the last unit -> the neuron
    units = np.arange(int(relays.sum()), dtype=_I64)
    last = chain_start + relays - 1
    is_last = np.zeros(units.size, dtype=bool)
    is_last[last] = True
    chain_pre = units[~is_last]
    level = units - np.repeat(chain_start, relays)
    return pair_unit, (chain_pre, chain_pre + 1), (last, np.arange(last.size, dtype=_I64)), level


def _tree(rank, owner, fan, relays, chain_start, over, F):
    """Trees (tree_layout), computed once per distinct fan-in and broadcast to the neurons that have it."""
    idx = np.flatnonzero(over)
    fans, g = np.unique(fan[idx], return_inverse=True)  # g: the layout of each decomposed neuron
    g = g.reshape(-1)
    layouts = [tree_layout(int(n), F) for n in fans.tolist()]

    def table(part: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        arrs = [lay[part] for lay in layouts]
        lens = np.array([a.size for a in arrs], dtype=_I64)
        offs = np.zeros(lens.size, _I64)
        np.cumsum(lens[:-1], out=offs[1:])
        return (np.concatenate(arrs) if arrs else np.zeros(0, _I64)), offs, lens

    # inputs: the relay of each input of a decomposed neuron
    which = np.full(fan.size, -1, _I64)
    which[idx] = g
    t_in, o_in, _ = table(0)
    w = which[owner]
    dec = w >= 0
    local = np.full(rank.size, -1, _I64)
    local[dec] = t_in[o_in[w[dec]] + rank[dec]]
    del w
    pair_unit = np.where(local >= 0, chain_start[owner] + local, -1)
    del local, dec
    starts = chain_start[idx]

    def spread(part: int, units: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(the decomposed neuron of every entry of a layout part, the entry: a relay numbered locally
        becomes a unit by adding that neuron's first unit)."""
        t, o, n = table(part)
        lens = n[g]
        who = np.repeat(np.arange(idx.size, dtype=_I64), lens)
        pos = np.repeat(o[g], lens) + _ragged_arange(lens)
        return who, (t[pos] + starts[who] if units else t[pos])

    _, e_pre = spread(1)
    _, e_post = spread(2)
    who, top = spread(3)
    _, level = spread(4, units=False)
    o = np.lexsort((e_pre, e_post))
    return pair_unit, (e_pre[o], e_post[o]), (top, who), level


def relay_spike_counts(d: Decomposition, pre: Any, spikes: Any, arrival: Any = None,
                       cap: int | None = None) -> np.ndarray:
    """Messages each relay unit forwards per iteration: the sum of the spike counts of its inputs.

    `pre` [S] are the synapses' pre-synaptic ids as given to `decompose_fan_in`, `spikes` the spike
    count of every pre-synaptic id; `arrival` [S] (optional) tells apart the synapses of one input
    that arrive separately (e.g. their delay): an input counts once per distinct arrival. A relay's
    relay inputs count with their own counts (the relay before it in a chain, the relays below it in
    a tree). A relay sends at most one message per step, so with `cap` (the simulated steps) every
    count is at most `cap`. int64 [n_relays]. O(S log S) (plus O(E) per tree level).
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
    # capped, min(cap, own + sum of capped relay inputs) = min(cap, uncapped total) as counts are >= 0, so
    # the totals are accumulated uncapped and capped at the end
    if d.shape == "chain":
        # along each chain c_j = c_(j-1) + own_j: a cumulative sum restarted at every chain start
        total = np.cumsum(own)
        before = np.repeat(total[d.chain_start] - own[d.chain_start], d.relays)
        counts = total - before
    else:
        # round by round: a relay's relay inputs were all built in earlier rounds
        counts = own
        src_level = d.level[d.chain_pre]
        for lv in range(d.depth):
            e = src_level == lv
            if e.any():
                counts += np.bincount(d.chain_post[e], weights=counts[d.chain_pre[e]], minlength=n).astype(_I64)
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
