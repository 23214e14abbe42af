"""Partitioning into crossbar-sized clusters (snnir.algorithms.partition).

Expected clusters of `greedy` and `layer_slices` on small nets are worked out by hand in the
comments; property tests check every partitioner on random networks against the definitions
(every synapse placed once, limits, traffic recomputed by plain Python loops).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from snnir.algorithms.partition import (
    Clustering,
    Connectivity,
    FanInError,
    check_clustering,
    check_fan_in,
    connectivity_from_matrices,
    greedy,
    input_spikes,
    intra_cluster_spikes,
    layer_slices,
    link_spikes,
    refined,
    summary,
)

ALGOS = {"greedy": greedy, "layer": layer_slices, "refined": refined}


def net_from_lists(sizes, is_input, inputs: dict[int, list[int]], spikes=None) -> Connectivity:
    """A Connectivity from {post global id: [pre global ids]} (one projection per population pair)."""
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    layer_of = lambda g: int(np.searchsorted(offsets, g, side="right") - 1)  # noqa: E731
    mats: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for post, pres in inputs.items():
        for pre in pres:
            mats.setdefault((layer_of(pre), layer_of(post)), []).append((post - offsets[layer_of(post)],
                                                                          pre - offsets[layer_of(pre)]))
    projections = []
    for (s, d), pairs in sorted(mats.items()):
        r, c = zip(*pairs)
        projections.append((s, d, sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(sizes[d], sizes[s]))))
    n = int(offsets[-1])
    spikes = np.ones(n, np.int64) if spikes is None else np.asarray(spikes, np.int64)
    return connectivity_from_matrices(sizes, is_input, projections, spikes)


# ------------------------------------------------------------------------------ construction


def test_connectivity_order_and_duplicates():
    # populations: in (2, input), a (2), b (1); a <- in, b <- a, and b <- a again from a second projection
    w_in_a = sp.csr_matrix(np.array([[1.0, 0.0], [2.0, 3.0]]))      # a0 <- in0; a1 <- in0, in1
    w_a_b = sp.csr_matrix(np.array([[0.0, 5.0]]))                   # b0 <- a1
    conn = connectivity_from_matrices([2, 2, 1], [True, False, False],
                                      [(0, 1, w_in_a), (1, 2, w_a_b), (1, 2, w_a_b)], np.arange(5))
    assert conn.n == 5
    # CSR order per projection: (post 2, pre 0), (post 3, pre 0), (post 3, pre 1); then b twice
    assert conn.pre.tolist() == [0, 0, 1, 3, 3]
    assert conn.post.tolist() == [2, 3, 3, 4, 4]
    assert conn.layer.tolist() == [0, 0, 1, 1, 2]
    assert conn.postsynaptic.tolist() == [False, False, True, True, True]
    assert conn.fan_in().tolist() == [0, 0, 1, 2, 1]               # the duplicate pair is one row


def test_connectivity_rejects_bad_shapes():
    with pytest.raises(ValueError, match="expected 2x3"):
        connectivity_from_matrices([3, 2], [True, False], [(0, 1, sp.csr_matrix((3, 2)))], np.zeros(5))
    with pytest.raises(ValueError, match="spike counts"):
        connectivity_from_matrices([3, 2], [True, False], [], np.zeros(4))


# ------------------------------------------------------------------------------ greedy, by hand


def test_greedy_small_by_hand():
    # inputs 0..3; neurons 4..7: 4 <- {0,1}, 5 <- {2,3}, 6 <- {0,1}, 7 <- {1,2}; R = 2, C = 2.
    # 4: no cluster -> c0 rows {0,1}.  5: c0 would need rows {0,1,2,3} = 4 > 2 -> c1 rows {2,3}.
    # 6: c0 and c1 both have 1 column, tie -> c0 first; no new rows -> c0 (now 2 columns, full).
    # 7: c0 full; c1 needs new row 1 -> 3 > 2 -> c2 rows {1,2}.
    conn = net_from_lists([4, 4], [True, False], {4: [0, 1], 5: [2, 3], 6: [0, 1], 7: [1, 2]})
    cl = greedy(conn, 2, 2)
    assert cl.n_clusters == 3
    assert cl.column_of.tolist() == [-1, -1, -1, -1, 0, 1, 0, 2]
    row_ptr, row_ids = cl.rows(conn)
    assert row_ptr.tolist() == [0, 2, 4, 6]
    assert row_ids.tolist() == [0, 1, 2, 3, 1, 2]
    col_ptr, col_ids = cl.columns()
    assert col_ptr.tolist() == [0, 2, 3, 4] and col_ids.tolist() == [4, 6, 5, 7]
    assert cl.synapse_cluster(conn).tolist() == [0, 0, 1, 1, 0, 0, 2, 2]
    assert check_clustering(conn, cl, 2, 2) == []


def test_greedy_tries_fullest_cluster_first():
    # inputs 0..5; neurons 6..11; R = 3, C = 3.
    # 6 <- {0,1,2}: c0 rows {0,1,2}.   7 <- {3,4,5}: c0 would have 6 rows -> c1 rows {3,4,5}.
    # 8 <- {3}: c0 (1 col) and c1 (1 col) tie -> c0 first: new row 3 -> 4 > 3; c1: no new row -> c1.
    # 9 <- {} (no inputs): c1 has 2 columns, c0 1 -> the fullest, c1, takes it (c1 now full).
    # 10 <- {4}: c0: new row 4 -> 4 > 3; c1 full -> c2 rows {4}.
    # 11 <- {1}: c0 and c2 have 1 column each, tie -> c0: no new row -> c0.
    conn = net_from_lists([6, 6], [True, False], {6: [0, 1, 2], 7: [3, 4, 5], 8: [3], 10: [4], 11: [1]})
    cl = greedy(conn, 3, 3)
    assert cl.column_of.tolist()[6:] == [0, 1, 1, 1, 2, 0]
    assert cl.n_clusters == 3


def test_layer_slices_small_by_hand():
    # Same net as test_greedy_small_by_hand, R = 2, C = 2: the population 4..7 in slices from its start.
    # [4,5] has inputs {0,1,2,3} = 4 > 2 -> [4]; [5,6]: {0,1,2,3} -> [5]; [6,7]: {0,1,2} -> [6]; [7].
    conn = net_from_lists([4, 4], [True, False], {4: [0, 1], 5: [2, 3], 6: [0, 1], 7: [1, 2]})
    cl = layer_slices(conn, 2, 2)
    assert cl.column_of.tolist() == [-1, -1, -1, -1, 0, 1, 2, 3]


def test_layer_slices_per_population():
    # inputs 0,1; a = 2,3,4 each <- {0}; b = 5 <- {2,3,4}; R = 3, C = 2.
    # a: [2,3] (1 row, 2 columns: full), [4]; b: [5] with 3 rows. Greedy gives the same here:
    # 2, 3 -> c0 (full); 4 -> c1; 5 needs 3 new rows, c1 has 1 -> 4 > 3 -> c2.
    conn = net_from_lists([2, 3, 1], [True, False, False], {2: [0], 3: [0], 4: [0], 5: [2, 3, 4]})
    assert layer_slices(conn, 3, 2).column_of.tolist() == [-1, -1, 0, 0, 1, 2]
    assert greedy(conn, 3, 2).column_of.tolist() == [-1, -1, 0, 0, 1, 2]
    # wide columns: one slice per population even when greedy would mix them
    assert layer_slices(conn, 4, 8).column_of.tolist() == [-1, -1, 0, 0, 0, 1]
    assert greedy(conn, 4, 8).column_of.tolist() == [-1, -1, 0, 0, 0, 0]


def test_fan_in_error():
    # neurons 3 and 4 both have 3 inputs; the error names the lower id
    conn = net_from_lists([3, 2], [True, False], {3: [0, 1, 2], 4: [0, 1, 2]})
    with pytest.raises(FanInError) as e:
        check_fan_in(conn, 2)
    assert (e.value.neuron, e.value.fan_in, e.value.limit) == (3, 3, 2)
    assert "neuron 3 has fan-in 3 but the crossbar has 2 rows" in str(e.value)
    for fn in ALGOS.values():
        with pytest.raises(FanInError):
            fn(conn, 2, 4)
    check_fan_in(conn, 3)


def test_traffic_by_hand():
    # in 0 -> a (1, 2) -> b (3); a1 -> a2 (recurrent). Spikes: in 5, a1 7, a2 11, b 13.
    conn = net_from_lists([1, 2, 1], [True, False, False], {1: [0], 2: [0, 1], 3: [1, 2]},
                          spikes=[5, 7, 11, 13])
    cl = Clustering(2, np.array([-1, 0, 1, 1]))
    # a1 (c0) feeds a2 and b (both c1): 7 once to c1. a2 (c1) feeds b (c1): intra 11.
    src, dst, spikes = link_spikes(conn, cl)
    assert (src.tolist(), dst.tolist(), spikes.tolist()) == ([0], [1], [7])
    assert intra_cluster_spikes(conn, cl) == 11
    assert input_spikes(conn, cl).tolist() == [5, 5]
    s = summary(conn, cl, 2, 2)
    assert s["inter_spikes"] == 7 and s["intra_spikes"] == 11 and s["input_spikes"] == 10
    assert s["clusters"] == 2 and s["synapses"] == 5
    assert s["column_utilisation"] == {"min": 0.5, "mean": 0.75, "max": 1.0}


def test_check_clustering_reports_problems():
    conn = net_from_lists([2, 3], [True, False], {2: [0, 1], 3: [0], 4: [1]})
    bad = Clustering(3, np.array([0, -1, 0, 0, -1]))
    msgs = check_clustering(conn, bad, 1, 1)
    text = "\n".join(msgs)
    assert "post-synaptic neuron 4 is in no cluster" in text
    assert "neuron 0 is not post-synaptic" in text
    assert "cluster 1 is empty" in text and "cluster 2 is empty" in text
    assert "cluster 0 has 2 rows but the crossbar has 1" in text
    assert "cluster 0 has 3 columns but the crossbar has 1" in text   # the stray input counts too
    assert "outside 0..0" in "\n".join(check_clustering(conn, Clustering(1, np.array([-1, -1, 0, 1, 0])), 4, 4))


# ------------------------------------------------------------------------------ properties


@st.composite
def networks(draw):
    n_pops = draw(st.integers(2, 4))
    sizes = [draw(st.integers(1, 12)) for _ in range(n_pops)]
    is_input = [i == 0 or draw(st.booleans()) and i < n_pops - 1 for i in range(n_pops)]
    is_input[-1] = False
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    projections = []
    for _ in range(draw(st.integers(1, 6))):
        s = int(rng.integers(n_pops))
        d = int(rng.choice([i for i in range(n_pops) if not is_input[i]]))
        density = float(rng.random())
        m = sp.random(sizes[d], sizes[s], density=density, random_state=rng, format="csr")
        projections.append((s, d, m))
    spikes = rng.integers(0, 20, size=sum(sizes)) * (rng.random(sum(sizes)) < 0.8)
    conn = connectivity_from_matrices(sizes, is_input, projections, spikes)
    max_fan = int(conn.fan_in().max(initial=0))
    rows = max(1, max_fan + draw(st.integers(0, 6)))
    cols = draw(st.integers(1, 6))
    return conn, rows, cols


def naive_traffic(conn: Connectivity, col: np.ndarray):
    """link spikes, input spikes and intra spikes by plain loops over synapses."""
    succ_clusters: dict[int, set[int]] = {}
    for p, q in zip(conn.pre.tolist(), conn.post.tolist()):
        succ_clusters.setdefault(p, set()).add(int(col[q]))
    links: dict[tuple[int, int], int] = {}
    K = int(col.max(initial=-1)) + 1
    inputs = [0] * K
    intra = 0
    for p, ds in succ_clusters.items():
        for d in ds:
            if col[p] < 0:
                inputs[d] += int(conn.spikes[p])
            elif d != col[p]:
                links[(int(col[p]), d)] = links.get((int(col[p]), d), 0) + int(conn.spikes[p])
            else:
                intra += int(conn.spikes[p])
    return {k: v for k, v in links.items() if v > 0}, inputs, intra


@given(networks(), st.sampled_from(sorted(ALGOS)))
def test_partition_properties(net, algo):
    conn, rows, cols = net
    cl = ALGOS[algo](conn, rows, cols)
    assert check_clustering(conn, cl, rows, cols) == []
    col = cl.column_of
    # every post-synaptic neuron in exactly one cluster, nothing else in any
    assert np.all((col >= 0) == conn.postsynaptic)
    col_ptr, col_ids = cl.columns()
    assert sorted(col_ids.tolist()) == np.flatnonzero(conn.postsynaptic).tolist()
    assert np.all(np.diff(col_ptr) <= cols) and np.all(np.diff(col_ptr) >= 1)
    # every synapse in the cluster of its post neuron, its pre among that cluster's rows
    syn = cl.synapse_cluster(conn)
    assert np.array_equal(syn, col[conn.post])
    row_ptr, row_ids = cl.rows(conn)
    assert np.all(np.diff(row_ptr) <= rows)
    for s in range(conn.pre.size):
        k = int(syn[s])
        assert conn.pre[s] in row_ids[row_ptr[k]:row_ptr[k + 1]]
    # rows are exactly the distinct pres of each cluster's columns
    for k in range(cl.n_clusters):
        pres = sorted({int(p) for p, q in zip(conn.pre, conn.post) if col[q] == k})
        assert row_ids[row_ptr[k]:row_ptr[k + 1]].tolist() == pres
    # traffic against plain loops
    links, inputs, intra = naive_traffic(conn, col)
    src, dst, spikes = link_spikes(conn, cl)
    assert {(int(a), int(b)): int(c) for a, b, c in zip(src, dst, spikes)} == links
    assert list(zip(src.tolist(), dst.tolist())) == sorted(links)
    assert input_spikes(conn, cl).tolist() == inputs
    assert intra_cluster_spikes(conn, cl) == intra


@given(networks())
def test_refined_never_worse_than_greedy_and_deterministic(net):
    conn, rows, cols = net
    g = greedy(conn, rows, cols)
    r = refined(conn, rows, cols, seed=3)
    assert r.n_clusters <= g.n_clusters
    assert summary(conn, r, rows, cols)["inter_spikes"] <= summary(conn, g, rows, cols)["inter_spikes"]
    again = refined(conn, rows, cols, seed=3)
    assert again.n_clusters == r.n_clusters and np.array_equal(again.column_of, r.column_of)
    assert np.array_equal(greedy(conn, rows, cols).column_of, g.column_of)


def test_refined_cuts_traffic_on_a_pooling_pyramid():
    # 64 inputs -> 64 "conv" neurons (fan-in 3, local) -> 16 "pool" neurons (4 conv each).
    # Greedy in id order puts all conv neurons first, so every conv spike crosses clusters;
    # refined puts each group of 4 conv neurons with its pool neuron.
    conv = {64 + i: [max(i - 1, 0), i, min(i + 1, 63)] for i in range(64)}
    pool = {128 + j: [64 + 4 * j + t for t in range(4)] for j in range(16)}
    spikes = np.full(64 + 64 + 16, 5)
    conn = net_from_lists([64, 64, 16], [True, False, False], {**conv, **pool}, spikes)
    g, r = greedy(conn, 16, 16), refined(conn, 16, 16)
    assert r.n_clusters <= g.n_clusters
    gi, ri = summary(conn, g, 16, 16)["inter_spikes"], summary(conn, r, 16, 16)["inter_spikes"]
    assert ri < 0.5 * gi
    assert check_clustering(conn, r, 16, 16) == []


def test_empty_and_inputless():
    conn = connectivity_from_matrices([3], [True], [], np.zeros(3))
    for fn in ALGOS.values():
        cl = fn(conn, 4, 4)
        assert cl.n_clusters == 0 and check_clustering(conn, cl, 4, 4) == []
        assert link_spikes(conn, cl)[0].size == 0
    conn = connectivity_from_matrices([2], [False], [], np.zeros(2))   # neurons without synapses
    for fn in ALGOS.values():
        cl = fn(conn, 1, 1)
        assert cl.n_clusters == 2 and check_clustering(conn, cl, 1, 1) == []
