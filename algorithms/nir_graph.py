"""NIR graphs to and from a plain network description: the graph logic of `--import-nir`/`--export-nir`.

    from snnir.algorithms.nir_graph import read_nir, nir_to_network, network_to_nir

    graph = read_nir("model.nir", warn=print)           # nir.NIRGraph; strict, then tolerant
    net = nir_to_network(graph, dt=1e-3, name="model", warn=print)
    net.populations, net.projections, net.outputs       # plain data: names, shapes, numpy arrays
    graph2 = network_to_nir(net, warn=print)            # and back

Nothing here knows the IR. A `Network` is what the `snn` dialect holds: populations (inputs
and neurons of one model, with continuous-time parameters), projections between two
populations (dense, scale, conv, pool; a delay in steps) and outputs. NIR's edges are
identities and its weight nodes (Affine, Linear, Scale, Conv1d/2d, SumPool2d/AvgPool2d) sit
on edges of their own, so a NIR path population -> Flatten/Delay/weight nodes -> population
becomes one projection: Flatten is free (populations are reshaped views), Delay adds
round(delay / dt) steps, and chains of Affine/Linear/Scale nodes compose exactly into one
dense (or scale) projection. A convolution or pooling alone on a path stays one; chained
with other weight nodes it is expanded into its exact dense matrix and composed (with a
warning), or raises `NIRError` naming the nodes when that matrix would exceed
`COMPOSE_LIMIT` entries. Nested NIRGraph nodes are flattened into `outer.inner` names.

Failures the input can cause raise `NIRError` with a message naming the node or edge;
anything the conversion had to guess is reported through `warn(message)`.
Complexity: O(V + E) for flattening, ordering and back-edge search; one projection per
population-to-population path (paths through fan-out/fan-in of weight nodes multiply).
"""

from __future__ import annotations

import difflib
import heapq
import math
import os
import warnings as _warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

Warn = Callable[[str], None]

DEFAULT_DT = 1e-3

# NIR neuron node -> (snn model, [(NIR field, snn parameter)])
NEURON_MODELS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "LIF": ("lif", (("tau", "tau"), ("r", "r"), ("v_leak", "v_leak"), ("v_threshold", "v_th"),
                    ("v_reset", "v_reset"))),
    "IF": ("if", (("r", "r"), ("v_threshold", "v_th"), ("v_reset", "v_reset"))),
    "LI": ("li", (("tau", "tau"), ("r", "r"), ("v_leak", "v_leak"))),
    "CubaLIF": ("cuba_lif", (("tau_syn", "tau_syn"), ("tau_mem", "tau_mem"), ("r", "r"), ("v_leak", "v_leak"),
                             ("v_threshold", "v_th"), ("v_reset", "v_reset"), ("w_in", "w_in"))),
    "CubaLI": ("cuba_li", (("tau_syn", "tau_syn"), ("tau_mem", "tau_mem"), ("r", "r"), ("v_leak", "v_leak"),
                           ("w_in", "w_in"))),
    "I": ("integrator", (("r", "r"),)),
    "Threshold": ("threshold", (("threshold", "v_th"),)),
}
MODEL_TO_NIR = {model: nir_type for nir_type, (model, _) in NEURON_MODELS.items()}
TIME_CONSTANTS = ("tau", "tau_syn", "tau_mem")
WEIGHT_TYPES = ("Affine", "Linear", "Scale", "Conv1d", "Conv2d", "SumPool2d", "AvgPool2d")
TRANSFER_TYPES = WEIGHT_TYPES + ("Flatten", "Delay")
SUPPORTED_TYPES = ("Input", "Output", "NIRGraph") + TRANSFER_TYPES + tuple(NEURON_MODELS)
COMPOSE_LIMIT = 1 << 26  # entries of the largest dense matrix a conv/pool is expanded into when composed


class NIRError(Exception):
    """A NIR file or graph that cannot be converted; the message names the node or edge."""


# ------------------------------------------------------------------------------ plain network


@dataclass
class Population:
    """`kind` is "input" or an snn model name (lif, if, li, cuba_lif, cuba_li, integrator, threshold).

    `params` maps snn parameter names to a float (the same for every neuron) or a float array of
    `shape`; "reset" ("zero"/"subtract") and "refractory" (steps) may also appear (export only).
    """

    name: str
    kind: str
    shape: tuple[int, ...]
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return math.prod(self.shape)


@dataclass
class Projection:
    """Synapses from population `src` to `dst` (names). `kind`: dense, scale, conv or pool.

    dense: `weight` [post, pre], optional `bias` [post]; scale: `factor` (float or [n]);
    conv: `weight` [C_out, C_in/groups, *k], `stride`/`padding`/`dilation` lists or None,
    `groups`, optional `bias`; pool: `mode` ("sum"/"avg"), `kernel`, `stride` (None: the kernel),
    `padding` (None: 0). `src_view`/`dst_view`: the shape the projection sees the population
    with, when it differs from the population's own (conv and pool need channels first).
    `name` names the weight node (and resources); None for unnamed ones.
    """

    src: str
    dst: str
    kind: str
    name: str | None = None
    weight: np.ndarray | None = None
    bias: np.ndarray | None = None
    factor: float | np.ndarray | None = None
    stride: list[int] | None = None
    padding: list[int] | None = None
    dilation: list[int] | None = None
    groups: int = 1
    mode: str = "sum"
    kernel: list[int] | None = None
    delay: int = 0
    src_view: tuple[int, ...] | None = None
    dst_view: tuple[int, ...] | None = None
    via: tuple[str, ...] = ()  # the NIR nodes the projection was made from (import only)


@dataclass
class Output:
    name: str
    src: str
    view: tuple[int, ...] | None = None


@dataclass
class Network:
    name: str
    dt: float
    populations: list[Population] = field(default_factory=list)
    projections: list[Projection] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)

    def population(self, name: str) -> Population:
        for p in self.populations:
            if p.name == name:
                return p
        raise KeyError(name)


# ------------------------------------------------------------------------------------ reading


def read_nir(path: str, warn: Warn) -> Any:
    """The NIRGraph in `path`: `nir.read` strict, then `type_check=False`, then node by node.

    Each fallback emits a warning saying what the stricter reader objected to. Raises NIRError
    for a missing or non-HDF5 file, a file without a NIR graph, an unknown node type (named
    with its type) or a node whose fields cannot be read.
    """
    import h5py
    import nir

    if not os.path.exists(path):
        raise NIRError("cannot open the file: no such file")
    if os.path.isdir(path):
        raise NIRError("cannot open the file: it is a directory")
    try:
        is_hdf5 = h5py.is_hdf5(path)
    except OSError as e:
        raise NIRError(f"cannot open the file: {e}") from None
    if not is_hdf5:
        raise NIRError("not an HDF5 file; NIR files are HDF5 (as written by nir.write)")

    def attempt(**kwargs: Any) -> tuple[Any, str | None]:
        with _warnings.catch_warnings(record=True) as caught:
            _warnings.simplefilter("always")
            try:
                graph = nir.read(path, **kwargs)
            except Exception as e:  # nir raises ValueError, AssertionError, KeyError, ...
                return None, _exception_text(e)
        for w in caught:
            warn(f"nir.read: {w.message}")
        return graph, None

    graph, strict_problem = attempt()
    if graph is not None:
        return graph
    graph, tolerant_problem = attempt(type_check=False)
    if graph is not None:
        warn(f"the file fails NIR's type check ({strict_problem}); read it without the check")
        return graph
    graph = _read_node_by_node(path)
    warn(f"nir.read cannot read the file ({tolerant_problem}); read it node by node instead")
    return graph


def _exception_text(e: BaseException) -> str:
    text = str(e).strip()
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def _read_node_by_node(path: str) -> Any:
    import h5py
    from nir.serialization import hdf2dict

    try:
        with h5py.File(path, "r") as f:
            if "node" not in f:
                raise NIRError("the file holds no NIR graph (no 'node' group)")
            data = hdf2dict(f["node"])
    except OSError as e:
        raise NIRError(f"cannot read the file: {e}") from None
    return _build_node(data, "")


def _build_node(data: dict[str, Any], where: str) -> Any:
    import dataclasses

    import nir
    from nir.ir.utils import ensure_str

    label = f"node '{where}'" if where else "the top-level node"
    kind = data.get("type")
    if isinstance(kind, bytes):
        kind = kind.decode("utf8", "replace")
    if kind is None:
        raise NIRError(f"{label} has no type")
    kind = str(kind)
    if kind not in SUPPORTED_TYPES:
        raise NIRError(f"{label} has type '{kind}', which snnir cannot import (supported: "
                       f"{', '.join(sorted(SUPPORTED_TYPES))})")
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    if kind == "NIRGraph":
        raw_nodes = data.get("nodes", {})
        if not isinstance(raw_nodes, dict):
            raise NIRError(f"{label} (NIRGraph) has no 'nodes' group")
        nodes = {str(k): _build_node(v, f"{where}.{k}" if where else str(k)) for k, v in raw_nodes.items()}
        raw_edges = np.asarray(data.get("edges", np.zeros((0, 2), dtype=object)), dtype=object)
        if raw_edges.size == 0:
            raw_edges = raw_edges.reshape(0, 2)
        if raw_edges.ndim != 2 or raw_edges.shape[1] != 2:
            raise NIRError(f"{label} (NIRGraph) has edges of shape {raw_edges.shape}, not [n, 2]")
        edges = [(ensure_str(a), ensure_str(b)) for a, b in raw_edges]
        return nir.NIRGraph(nodes=nodes, edges=edges, metadata=metadata, type_check=False)
    cls = getattr(nir, kind)
    names = {f.name for f in dataclasses.fields(cls)} | {"type"}
    if kind in ("Input", "Output"):
        names.add("shape")
    kwargs = {k: v for k, v in data.items() if k in names and k != "metadata"}
    try:
        return cls.from_dict(kwargs)
    except Exception as e:
        raise NIRError(f"{label} ({kind}) cannot be read: {_exception_text(e)}") from None


def graph_metadata(graph: Any) -> dict[str, Any]:
    meta = getattr(graph, "metadata", None)
    return meta if isinstance(meta, dict) else {}


# -------------------------------------------------------------------------------- flattening


def flatten_graph(graph: Any) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The nodes and edges of `graph` with nested NIRGraphs inlined as `outer.inner`.

    An edge into (out of) a subgraph node goes to its Input (from its Output) node, which must
    then be unique; `outer.inner` names a node inside. The Input and Output nodes of subgraphs
    are identities and are removed, their edges joined. Raises NIRError naming the graph, the
    edge and the node when an edge names a node that does not exist.
    """
    nodes: dict[str, Any] = {}
    edges: list[tuple[str, str]] = []
    passthrough: set[str] = set()

    def visit(g: Any, prefix: str) -> None:
        import nir

        where = f"in subgraph '{prefix[:-1]}': " if prefix else ""
        if not isinstance(getattr(g, "nodes", None), dict):
            raise NIRError(f"{where}the graph has no nodes")
        for name, node in g.nodes.items():
            flat = prefix + str(name)
            if isinstance(node, nir.NIRGraph):
                visit(node, flat + ".")
                nodes[flat] = node
            else:
                nodes[flat] = node
                if prefix and type(node).__name__ in ("Input", "Output"):
                    passthrough.add(flat)

        def resolve(endpoint: str, edge: tuple[str, str], role: str) -> str:
            g_nodes = g.nodes
            if endpoint in g_nodes:
                node = g_nodes[endpoint]
                if isinstance(node, nir.NIRGraph):
                    port_type = "Input" if role == "destination" else "Output"
                    ports = [k for k, n in node.nodes.items() if type(n).__name__ == port_type]
                    if len(ports) != 1:
                        raise NIRError(f"{where}edge '{edge[0]}' -> '{edge[1]}' {'enters' if port_type == 'Input' else 'leaves'} "
                                       f"subgraph '{endpoint}', which has {len(ports)} {port_type} nodes "
                                       f"({', '.join(ports) or 'none'}); name one as '{endpoint}.<node>'")
                    return f"{prefix}{endpoint}.{ports[0]}"
                return prefix + endpoint
            head, _, rest = endpoint.partition(".")
            if rest and isinstance(g_nodes.get(head), nir.NIRGraph) and rest in g_nodes[head].nodes:
                return prefix + endpoint
            close = difflib.get_close_matches(endpoint, [str(k) for k in g_nodes], n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise NIRError(f"{where}edge '{edge[0]}' -> '{edge[1]}' names {role} node '{endpoint}', which does not "
                           f"exist (the nodes are {', '.join(sorted(map(str, g_nodes)))}){hint}")

        for edge in g.edges:
            if len(edge) != 2:
                raise NIRError(f"{where}edge {tuple(edge)!r} does not have two ends")
            a, b = str(edge[0]), str(edge[1])
            edges.append((resolve(a, (a, b), "source"), resolve(b, (a, b), "destination")))

    visit(graph, "")
    import nir

    for name in [n for n, node in nodes.items() if isinstance(node, nir.NIRGraph)]:
        del nodes[name]
    for p in sorted(passthrough):
        preds = [a for a, b in edges if b == p]
        succs = [b for a, b in edges if a == p]
        rest = [(a, b) for a, b in edges if a != p and b != p]
        edges = rest + [(a, b) for a in preds for b in succs]
        del nodes[p]
    seen: set[tuple[str, str]] = set()
    unique = []
    for e in edges:
        if e not in seen:
            seen.add(e)
            unique.append(e)
    return nodes, unique


# ---------------------------------------------------------------------------------- importing


def sanitize(name: str) -> str:
    """A bare MLIR symbol name: characters other than letters, digits, `_ $ . -` become `_`;
    a name that does not start with a letter or `_` gets an `n` in front."""
    cleaned = "".join(c if (c.isascii() and (c.isalnum() or c in "_$.-")) else "_" for c in name) or "n"
    if not (cleaned[0].isalpha() or cleaned[0] == "_"):
        cleaned = "n" + cleaned
    return cleaned


def resource_key(name: str) -> str:
    """The resource-name spelling of `name` (letters, digits and `_`, as the printer writes them)."""
    cleaned = "".join(c if (c.isascii() and (c.isalnum() or c == "_")) else "_" for c in name) or "r"
    return "r_" + cleaned if cleaned[0].isdigit() else cleaned


def _type(node: Any) -> str:
    return type(node).__name__


def _arr(value: Any) -> np.ndarray:
    return np.asarray(value)


def _float_value(arr: np.ndarray) -> float:
    """A parameter value as a Python float; float32 values keep their shortest decimal form."""
    v = arr.reshape(-1)[0]
    if arr.dtype == np.float32:
        return float(str(np.float32(v)))
    return float(v)


def _reduce_param(arr: np.ndarray, shape: tuple[int, ...], what: str) -> float | np.ndarray:
    arr = np.asarray(arr, dtype=np.float64 if arr.dtype != np.float32 else np.float32)
    if arr.size == 0:
        raise NIRError(f"{what} is empty")
    if arr.size == 1 or np.all(arr == arr.reshape(-1)[0]):
        return _float_value(arr)
    if arr.size != math.prod(shape):
        raise NIRError(f"{what} has {arr.size} values but the population has {math.prod(shape)} neurons")
    return arr.reshape(shape)


def _shape_of(value: Any) -> tuple[int, ...] | None:
    if value is None:
        return None
    arr = np.asarray(value).reshape(-1)
    try:
        return tuple(int(d) for d in arr)
    except (TypeError, ValueError):
        return None


def _ints(value: Any, n: int, what: str) -> list[int]:
    arr = np.asarray(value).reshape(-1)
    if arr.size == 1:
        return [int(arr[0])] * n
    if arr.size != n:
        raise NIRError(f"{what} needs 1 or {n} values, got {arr.size}")
    return [int(x) for x in arr]


def _flatten_shape(shape: tuple[int, ...], start: int, end: int) -> tuple[int, ...]:
    nd = len(shape)
    s = start + nd if start < 0 else start
    e = end + nd if end < 0 else end
    if not (0 <= s <= e < nd):
        return (math.prod(shape),)
    return (*shape[:s], math.prod(shape[s:e + 1]), *shape[e + 1:])


def _conv_out(spatial: tuple[int, ...], kernel: list[int], stride: list[int], padding: list[int],
              dilation: list[int]) -> tuple[int, ...]:
    return tuple((i + 2 * p - d * (k - 1) - 1) // s + 1
                 for i, k, s, p, d in zip(spatial, kernel, stride, padding, dilation))


@dataclass
class _Stage:
    kind: str  # dense, scale, conv, pool
    node: str
    data: dict[str, Any]


def nir_to_network(graph: Any, dt: float, name: str, warn: Warn) -> Network:
    """The network of a NIR graph, discretised with step `dt` (seconds); see the module docstring."""
    if not (dt > 0 and math.isfinite(dt)):
        raise NIRError(f"the time step must be a positive number of seconds, got {dt}")
    nodes, edges = flatten_graph(graph)
    for n, node in nodes.items():
        if _type(node) not in SUPPORTED_TYPES:
            raise NIRError(f"node '{n}' has type '{_type(node)}', which snnir cannot import")
    return _Importer(nodes, edges, dt, name, warn).run()


class _Importer:
    def __init__(self, nodes: dict[str, Any], edges: list[tuple[str, str]], dt: float, name: str,
                 warn: Warn) -> None:
        self.nodes, self.edges, self.dt, self.warn = nodes, edges, dt, warn
        self.net = Network(sanitize(name), dt)
        self.succ: dict[str, list[str]] = {n: [] for n in nodes}
        self.pred: dict[str, list[str]] = {n: [] for n in nodes}
        for a, b in edges:
            self.succ[a].append(b)
            self.pred[b].append(a)
        for n in nodes:
            self.succ[n].sort()
            self.pred[n].sort()
        self.kind = {n: self._classify(n) for n in nodes}

    def _classify(self, n: str) -> str:
        t = _type(self.nodes[n])
        if t in NEURON_MODELS or t == "Input":
            return "population"
        if t == "Output":
            return "output"
        return "transfer"

    # ------------------------------------------------------------------ order and shapes
    def _back_edges(self) -> set[tuple[str, str]]:
        """Edges closing a cycle in a DFS from the inputs (then every other node), names in order."""
        starts = sorted(self.nodes, key=lambda n: (_type(self.nodes[n]) != "Input", n))
        state: dict[str, int] = {}
        back: set[tuple[str, str]] = set()
        for s in starts:
            if s in state:
                continue
            state[s] = 1
            stack = [(s, iter(self.succ[s]))]
            while stack:
                node, it = stack[-1]
                nxt = next(it, None)
                if nxt is None:
                    state[node] = 2
                    stack.pop()
                elif nxt not in state:
                    state[nxt] = 1
                    stack.append((nxt, iter(self.succ[nxt])))
                elif state[nxt] == 1:
                    back.add((node, nxt))
        return back

    def _order(self, back: set[tuple[str, str]]) -> list[str]:
        indeg = {n: 0 for n in self.nodes}
        for a, b in self.edges:
            if (a, b) not in back:
                indeg[b] += 1
        key = lambda n: (_type(self.nodes[n]) != "Input", n)  # noqa: E731
        heap = [key(n) for n in self.nodes if indeg[n] == 0]
        heapq.heapify(heap)
        order = []
        while heap:
            _, n = heapq.heappop(heap)
            order.append(n)
            for b in self.succ[n]:
                if (n, b) in back:
                    continue
                indeg[b] -= 1
                if indeg[b] == 0:
                    heapq.heappush(heap, key(b))
        return order

    def _rank_needed(self, n: str) -> int:
        need = 1
        for s in self.succ[n]:
            t = _type(self.nodes[s])
            if t == "Conv1d":
                need = max(need, 2)
            elif t in ("Conv2d", "SumPool2d", "AvgPool2d"):
                need = max(need, 3)
        return need

    def _infer_shapes(self, order: list[str], back: set[tuple[str, str]]) -> dict[str, tuple[int, ...] | None]:
        shapes: dict[str, tuple[int, ...] | None] = {}
        for n in order:
            node, t = self.nodes[n], _type(self.nodes[n])
            incoming = [shapes.get(p) for p in self.pred[n] if (p, n) not in back and shapes.get(p) is not None]
            s_in = incoming[0] if incoming else None
            out: tuple[int, ...] | None
            if t == "Input":
                out = _shape_of(node.input_type.get("input")) if isinstance(node.input_type, dict) else None
                if out is None:
                    raise NIRError(f"input '{n}' has no shape")
                out = out or (1,)
                need = self._rank_needed(n)
                while len(out) > need and out[0] == 1:
                    out = out[1:]
            elif t in NEURON_MODELS:
                first = NEURON_MODELS[t][1][0][0]
                p = _arr(getattr(node, first))
                pshape = tuple(p.shape) or (1,)
                if s_in is not None and p.size == 1 and math.prod(s_in) != 1:
                    out = s_in  # scalar parameters broadcast to the incoming shape
                elif s_in is not None and math.prod(s_in) == p.size and len(s_in) > len(pshape):
                    out = s_in
                else:
                    out = pshape
            elif t in ("Affine", "Linear"):
                w = self._weight(n)
                out = (w.shape[0],)
            elif t == "Scale":
                sc = _arr(node.scale)
                out = s_in if (s_in is not None and sc.size in (1, math.prod(s_in))) else (tuple(sc.shape) or (1,))
            elif t in ("Conv1d", "Conv2d"):
                out = self._conv(n, s_in, None)["out"] if s_in is not None or node.input_shape is not None else None
            elif t in ("SumPool2d", "AvgPool2d"):
                out = self._pool(n, s_in, None)["out"] if s_in is not None else None
            elif t == "Flatten":
                base = s_in if s_in is not None else _shape_of(node.input_type.get("input"))
                out = _flatten_shape(base, int(node.start_dim), int(node.end_dim)) if base is not None else None
            elif t == "Delay":
                out = s_in if s_in is not None else (tuple(_arr(node.delay).shape) or (1,))
            else:  # Output
                out = s_in
            shapes[n] = out
        return shapes

    # ------------------------------------------------------------------ node data
    def _weight(self, n: str) -> np.ndarray:
        w = _arr(self.nodes[n].weight)
        while w.ndim > 2 and w.shape[0] == 1:
            w = w[0]
        if w.ndim == 1:
            w = w.reshape(1, -1)
        if w.ndim != 2:
            raise NIRError(f"node '{n}' ({_type(self.nodes[n])}) has a weight of shape {list(w.shape)}; "
                           "snn needs [out, in]")
        return w

    def _conv(self, n: str, s_in: tuple[int, ...] | None, src_label: str | None) -> dict[str, Any]:
        node, t = self.nodes[n], _type(self.nodes[n])
        nd = 1 if t == "Conv1d" else 2
        w = _arr(node.weight)
        if w.ndim != nd + 2:
            raise NIRError(f"node '{n}' ({t}) has a weight of shape {list(w.shape)}; expected "
                           f"C_out x C_in/groups x {'k' if nd == 1 else 'kh x kw'}")
        groups = int(np.asarray(node.groups).reshape(-1)[0]) if node.groups is not None else 1
        c_in = w.shape[1] * groups
        declared = _shape_of(node.input_shape)
        view = None
        if s_in is not None and len(s_in) == nd + 1 and s_in[0] == c_in:
            view = s_in
        elif declared is not None and len(declared) == nd:
            view = (c_in, *declared)
            if s_in is not None and math.prod(s_in) != math.prod(view):
                raise NIRError(f"node '{n}' ({t}) expects input {list(view)} but {src_label or 'its input'} "
                               f"gives {list(s_in)}")
        if view is None:
            raise NIRError(f"node '{n}' ({t}) cannot tell the shape of its input (got "
                           f"{list(s_in) if s_in else 'none'}, needs {c_in} channels first)")
        kernel = list(w.shape[2:])
        stride = _ints(node.stride, nd, f"stride of '{n}'")
        dilation = _ints(node.dilation, nd, f"dilation of '{n}'")
        pad = node.padding
        if isinstance(pad, bytes):
            pad = pad.decode()
        if isinstance(pad, np.ndarray) and pad.dtype.kind in "SUO" and pad.size == 1:
            pad = str(pad.reshape(-1)[0].decode() if isinstance(pad.reshape(-1)[0], bytes) else pad.reshape(-1)[0])
        if isinstance(pad, str):
            if pad == "valid":
                padding = [0] * nd
            elif pad == "same":
                total = [d * (k - 1) for d, k in zip(dilation, kernel)]
                if any(x % 2 for x in total) or any(s != 1 for s in stride):
                    raise NIRError(f"node '{n}' ({t}) has padding 'same' with kernel {kernel}, stride {stride}: "
                                   "that needs asymmetric padding, which snn.conv does not have")
                padding = [x // 2 for x in total]
            else:
                raise NIRError(f"node '{n}' ({t}) has padding '{pad}'; expected 'same', 'valid' or integers")
        else:
            padding = _ints(pad, nd, f"padding of '{n}'")
        spatial = _conv_out(view[1:], kernel, stride, padding, dilation)
        if any(x <= 0 for x in spatial):
            raise NIRError(f"node '{n}' ({t}) gives an empty output for input {list(view)}")
        bias = _arr(node.bias) if getattr(node, "bias", None) is not None else None
        return {"weight": w, "stride": stride, "padding": padding, "dilation": dilation, "groups": groups,
                "bias": bias, "view": view, "out": (w.shape[0], *spatial)}

    def _pool(self, n: str, s_in: tuple[int, ...] | None, src_label: str | None) -> dict[str, Any]:
        node, t = self.nodes[n], _type(self.nodes[n])
        if s_in is None or len(s_in) != 3:
            raise NIRError(f"node '{n}' ({t}) needs a channels x height x width input, but "
                           f"{src_label or 'its input'} gives {list(s_in) if s_in else 'no shape'}")
        kernel = _ints(node.kernel_size, 2, f"kernel_size of '{n}'")
        stride = _ints(node.stride, 2, f"stride of '{n}'") if node.stride is not None else list(kernel)
        padding = _ints(node.padding, 2, f"padding of '{n}'") if node.padding is not None else [0, 0]
        spatial = _conv_out(s_in[1:], kernel, stride, padding, [1, 1])
        if any(x <= 0 for x in spatial):
            raise NIRError(f"node '{n}' ({t}) gives an empty output for input {list(s_in)}")
        return {"mode": "sum" if t == "SumPool2d" else "avg", "kernel": kernel, "stride": stride,
                "padding": padding, "view": s_in, "out": (s_in[0], *spatial)}

    # ------------------------------------------------------------------ populations
    def _population(self, n: str, shape: tuple[int, ...]) -> Population:
        node, t = self.nodes[n], _type(self.nodes[n])
        if t == "Input":
            return Population(n, "input", shape)
        model, fields = NEURON_MODELS[t]
        params: dict[str, Any] = {}
        for nir_name, snn_name in fields:
            value = getattr(node, nir_name, None)
            if value is None:
                if nir_name == "v_reset":
                    value = np.zeros(1)
                else:
                    raise NIRError(f"node '{n}' ({t}) has no '{nir_name}'")
            value = _arr(value)
            if value.dtype.kind not in "fiub":
                raise NIRError(f"node '{n}' ({t}): '{nir_name}' is not numeric")
            params[snn_name] = _reduce_param(value, shape, f"'{nir_name}' of node '{n}' ({t})")
            if snn_name in TIME_CONSTANTS:
                values = np.asarray(params[snn_name], dtype=np.float64)
                if not np.all(values > 0):
                    raise NIRError(f"node '{n}' ({t}): time constant '{nir_name}' must be positive, "
                                   f"got {float(values.min())}")
                if self.dt >= values.min():
                    warn_text = (f"dt = {self.dt:g} s is not smaller than {nir_name} = {float(values.min()):g} s "
                                 f"of node '{n}' ({t}): the forward-Euler update does not decay "
                                 f"(1 - dt/{nir_name} = {1 - self.dt / float(values.min()):g}); use a smaller --dt")
                    self.warn(warn_text)
        return Population(n, model, shape, params)

    # ------------------------------------------------------------------ paths
    def _paths(self, src: str) -> list[list[str]]:
        """Every path from population `src` through transfer nodes to a population or output."""
        out: list[list[str]] = []

        def walk(path: list[str]) -> None:
            for s in self.succ[path[-1]]:
                if self.kind[s] == "transfer":
                    if s in path:
                        loop = " -> ".join(f"'{x}'" for x in path[path.index(s):] + [s])
                        raise NIRError(f"weight nodes form a loop without a neuron node: {loop}")
                    walk(path + [s])
                else:
                    out.append(path + [s])

        walk([src])
        return out

    def run(self) -> Network:
        for n in self.nodes:
            if self.kind[n] == "transfer" and not self.pred[n]:
                raise NIRError(f"node '{n}' ({_type(self.nodes[n])}) has no incoming edge")
            if self.kind[n] == "transfer" and not self.succ[n]:
                self.warn(f"node '{n}' ({_type(self.nodes[n])}) has no outgoing edge; it is left out")
            if self.kind[n] == "output" and self.succ[n]:
                raise NIRError(f"output '{n}' has outgoing edges ('{n}' -> '{self.succ[n][0]}')")
            if _type(self.nodes[n]) == "Input" and self.pred[n]:
                raise NIRError(f"input '{n}' has incoming edges ('{self.pred[n][0]}' -> '{n}')")
        back = self._back_edges()
        order = self._order(back)
        shapes = self._infer_shapes(order, back)
        pops = [n for n in order if self.kind[n] == "population"]
        used: set[str] = set()
        self.symbol: dict[str, str] = {}
        for n in pops + sorted(n for n in self.nodes if self.kind[n] == "output"):
            sym = base = sanitize(n)
            k = 1
            while sym in used:
                sym = f"{base}_{k}"
                k += 1
            used.add(sym)
            self.symbol[n] = sym
        pop_shape = {}
        for n in pops:
            shape = shapes[n]
            assert shape is not None
            pop = self._population(n, shape)
            pop.name = self.symbol[n]
            pop_shape[n] = shape
            self.net.populations.append(pop)
        bias_owner: dict[str, tuple[str, ...]] = {}
        into_output: dict[str, list[list[str]]] = {}
        resource_names = {resource_key(s) for s in self.symbol.values()}
        for p in pops:
            for path in self._paths(p):
                end = path[-1]
                if self.kind[end] == "output":
                    into_output.setdefault(end, []).append(path)
                    continue
                proj = self._project(path, pop_shape, bias_owner)
                if proj.name is not None:
                    key = base = resource_key(proj.name)
                    k = 1
                    while key in resource_names:
                        key = f"{base}_{k}"
                        k += 1
                    resource_names.add(key)
                    proj.name = key
                self.net.projections.append(proj)
        for o in sorted(n for n in self.nodes if self.kind[n] == "output"):
            paths = into_output.get(o, [])
            if not paths:
                self.warn(f"output '{o}' has no incoming edge; it is left out")
                continue
            if len(paths) > 1:
                srcs = ", ".join(f"'{p[-2]}' -> '{o}'" for p in paths)
                raise NIRError(f"output '{o}' has {len(paths)} incoming paths ({srcs}); an snn output names "
                               "exactly one population")
            path = paths[0]
            for t in path[1:-1]:
                tt = _type(self.nodes[t])
                if tt == "Delay":
                    self.warn(f"delay node '{t}' before output '{o}' is ignored (outputs read populations)")
                elif tt != "Flatten":
                    raise NIRError(f"output '{o}' is fed through '{t}' ({tt}) with no neuron node after it "
                                   f"(edge '{path[-2]}' -> '{o}'); snn outputs must be populations")
            declared = self.nodes[o].output_type.get("output") if isinstance(self.nodes[o].output_type, dict) else None
            dshape = _shape_of(declared)
            src_size = math.prod(pop_shape[path[0]])
            if dshape is not None and dshape and math.prod(dshape) != src_size:
                self.warn(f"output '{o}' declares shape {list(dshape)} but '{path[0]}' has {src_size} neurons; "
                          "using the population")
            self.net.outputs.append(Output(self.symbol[o], self.symbol[path[0]]))
        self._order_projections({n: i for i, n in enumerate(pops)})
        self._break_delay0_loops()
        return self.net

    def _project(self, path: list[str], pop_shape: dict[str, tuple[int, ...]],
                 bias_owner: dict[str, tuple[str, ...]]) -> Projection:
        src, dst = path[0], path[-1]
        shape = pop_shape[src]
        delay_s = 0.0
        stages: list[_Stage] = []
        prev = src
        for i, t in enumerate(path[1:-1], start=1):
            node, tt = self.nodes[t], _type(self.nodes[t])
            label = f"'{prev}' (edge '{prev}' -> '{t}')"
            owns_bias = bias_owner.setdefault(t, tuple(path[:i + 1])) == tuple(path[:i + 1])
            if tt == "Flatten":
                shape = _flatten_shape(shape, int(node.start_dim), int(node.end_dim))
            elif tt == "Delay":
                d = _arr(node.delay).astype(np.float64).reshape(-1)
                if d.size == 0 or not np.all(d == d[0]):
                    raise NIRError(f"delay node '{t}' has different delays per neuron; snn has one delay per "
                                   "projection")
                if d[0] < 0:
                    raise NIRError(f"delay node '{t}' has a negative delay ({d[0]:g} s)")
                delay_s += float(d[0])
            elif tt in ("Affine", "Linear"):
                w = self._weight(t)
                if w.shape[1] != math.prod(shape):
                    raise NIRError(f"node '{t}' ({tt}) takes {w.shape[1]} inputs but {label} gives "
                                   f"{math.prod(shape)}")
                b = _arr(node.bias).astype(np.float64) if tt == "Affine" and owns_bias else None
                if b is not None:
                    if b.size not in (1, w.shape[0]):
                        raise NIRError(f"node '{t}' (Affine) has {b.size} biases for {w.shape[0]} outputs")
                    b = np.broadcast_to(b.reshape(-1), (w.shape[0],)).astype(np.float64)
                stages.append(_Stage("dense", t, {"weight": w.astype(np.float64), "bias": b}))
                shape = (w.shape[0],)
            elif tt == "Scale":
                s = _arr(node.scale).astype(np.float64).reshape(-1)
                if s.size not in (1, math.prod(shape)):
                    raise NIRError(f"node '{t}' (Scale) has {s.size} factors but {label} gives {math.prod(shape)} "
                                   "values")
                stages.append(_Stage("scale", t, {"factor": s}))
            elif tt in ("Conv1d", "Conv2d"):
                c = self._conv(t, shape, label)
                if not owns_bias:
                    c["bias"] = None
                stages.append(_Stage("conv", t, c))
                shape = c["out"]
            elif tt in ("SumPool2d", "AvgPool2d"):
                pl = self._pool(t, shape, label)
                stages.append(_Stage("pool", t, pl))
                shape = pl["out"]
            prev = t
        dst_size = math.prod(pop_shape[dst])
        if math.prod(shape) != dst_size:
            raise NIRError(f"edge '{path[-2]}' -> '{dst}' delivers {math.prod(shape)} values but '{dst}' has "
                           f"{dst_size} neurons")
        delay = 0
        if delay_s:
            steps = delay_s / self.dt
            delay = int(round(steps))
            if abs(steps - delay) > 1e-6 * max(1.0, abs(steps)):
                names = ", ".join(f"'{t}'" for t in path[1:-1] if _type(self.nodes[t]) == "Delay")
                self.warn(f"delay {delay_s:g} s of {names} is {steps:g} steps of dt = {self.dt:g} s; "
                          f"rounded to {delay}")
        proj = self._compose(stages, shape, pop_shape[src], pop_shape[dst], path)
        proj.src, proj.dst = self.symbol[src], self.symbol[dst]
        proj.delay = delay
        proj.via = tuple(path[1:-1])
        return proj

    def _compose(self, stages: list[_Stage], shape: tuple[int, ...], src_shape: tuple[int, ...],
                 dst_shape: tuple[int, ...], path: list[str]) -> Projection:
        name = "_".join(s.node for s in stages) if stages else None
        structured = [s for s in stages if s.kind in ("conv", "pool")]
        if structured and len(stages) > 1:
            stages = [self._as_dense(s, stages, path) for s in stages]
            listed = ", ".join(f"'{s.node}' ({_type(self.nodes[s.node])})" for s in stages)
            self.warn(f"weight nodes {listed} follow each other with no neuron node between them; they are "
                      "composed into one dense projection (exact, but the convolution structure is lost)")
            structured = []
        if structured:
            s = stages[0]
            d = s.data
            view = d["view"] if tuple(d["view"]) != tuple(src_shape) else None
            out = d["out"] if tuple(d["out"]) != tuple(dst_shape) else None
            if s.kind == "conv":
                bias = d["bias"]
                if bias is not None:
                    bias = np.broadcast_to(bias.astype(np.float64).reshape(-1), (d["weight"].shape[0],))
                    if not np.any(bias):
                        bias = None
                nd = len(d["stride"])
                return Projection("", "", "conv", name, weight=d["weight"], bias=bias,
                                  stride=None if d["stride"] == [1] * nd else d["stride"],
                                  padding=None if d["padding"] == [0] * nd else d["padding"],
                                  dilation=None if d["dilation"] == [1] * nd else d["dilation"],
                                  groups=d["groups"], src_view=view, dst_view=out)
            return Projection("", "", "pool", name, mode=d["mode"], kernel=d["kernel"],
                              stride=None if d["stride"] == d["kernel"] else d["stride"],
                              padding=None if d["padding"] == [0, 0] else d["padding"],
                              src_view=view, dst_view=out)
        # dense / scale chains compose exactly: y = M x + b
        matrix: np.ndarray | None = None  # None: diagonal `diag`
        diag: np.ndarray = np.ones(1)
        bias: np.ndarray | None = None
        for s in stages:
            if s.kind == "scale":
                f = s.data["factor"]
                if matrix is None:
                    diag = diag * f
                else:
                    matrix = (f[:, None] if f.size > 1 else f) * matrix
                if bias is not None:
                    bias = bias * f
            else:
                w = s.data["weight"]
                if matrix is None:
                    matrix = w * diag[None, :] if diag.size > 1 else w * diag[0]
                else:
                    matrix = w @ matrix
                if bias is not None:
                    bias = w @ bias
                if s.data["bias"] is not None:
                    bias = s.data["bias"] if bias is None else bias + s.data["bias"]
        if bias is not None and not np.any(bias):
            bias = None
        if matrix is None:
            factor: float | np.ndarray
            if diag.size == 1 or np.all(diag == diag[0]):
                factor = float(diag[0])
                if len(stages) == 1 and _arr(self.nodes[stages[0].node].scale).dtype == np.float32:
                    factor = float(str(np.float32(factor)))  # the float32 value's shortest decimal form
            else:
                factor = diag
            return Projection("", "", "scale", name, factor=factor)
        return Projection("", "", "dense", name, weight=matrix, bias=bias)

    def _as_dense(self, s: _Stage, stages: list[_Stage], path: list[str]) -> _Stage:
        """A convolution or pooling stage as its exact dense matrix (the bias repeated per position)."""
        if s.kind not in ("conv", "pool"):
            return s
        d = s.data
        rows, cols = math.prod(d["out"]), math.prod(d["view"])
        if rows * cols > COMPOSE_LIMIT:
            others = ", ".join(f"'{o.node}' ({_type(self.nodes[o.node])})" for o in stages if o is not s)
            raise NIRError(f"weight node '{s.node}' ({_type(self.nodes[s.node])}) is followed or preceded by "
                           f"{others} with no neuron node between them (path {' -> '.join(path)}); composing them "
                           f"would need a dense {rows} x {cols} matrix")
        from snnir.algorithms.simulate import conv_matrix, pool_matrix

        bias = None
        if s.kind == "conv":
            m = conv_matrix(d["view"], d["weight"], d["stride"], d["padding"], d["dilation"], d["groups"])
            if d["bias"] is not None:
                per_channel = np.broadcast_to(np.asarray(d["bias"], dtype=np.float64).reshape(-1), (d["out"][0],))
                bias = np.repeat(per_channel, math.prod(d["out"][1:]))
        else:
            m = pool_matrix(d["view"], d["kernel"], d["stride"], d["padding"], d["mode"])
        return _Stage("dense", s.node, {"weight": np.asarray(m.toarray(), dtype=np.float64), "bias": bias})

    def _order_projections(self, rank: dict[str, int]) -> None:
        sym_rank = {self.symbol[n]: i for n, i in rank.items()}
        self.net.projections.sort(key=lambda p: (sym_rank[p.dst], sym_rank[p.src]))

    def _break_delay0_loops(self) -> None:
        """Give delay 1 to the delay-0 projections that close a loop (DFS back edges), with a warning."""
        order = [p.name for p in self.net.populations]
        out: dict[str, list[Projection]] = {n: [] for n in order}
        for p in self.net.projections:
            if p.delay == 0:
                out[p.src].append(p)
        state: dict[str, int] = {}
        for s in order:
            if s in state:
                continue
            state[s] = 1
            stack = [(s, iter(out[s]))]
            while stack:
                node, it = stack[-1]
                proj = next(it, None)
                if proj is None:
                    state[node] = 2
                    stack.pop()
                elif proj.dst not in state:
                    state[proj.dst] = 1
                    stack.append((proj.dst, iter(out[proj.dst])))
                elif state[proj.dst] == 1:
                    proj.delay = 1
                    through = f" through {', '.join(repr(v) for v in proj.via)}" if proj.via else ""
                    self.warn(f"the recurrent loop @{proj.src} -> @{proj.dst}{through} has no delay; snn needs at "
                              f"least one step in a loop, so this projection gets delay 1 (dt = {self.dt:g} s)")


# ---------------------------------------------------------------------------------- exporting


def network_to_nir(net: Network, warn: Warn) -> Any:
    """A NIRGraph for `net` (the inverse of `nir_to_network`; dense weights for every dense projection).

    Node names: populations and outputs keep theirs; a projection's weight node is named after
    `Projection.name` (or `<dst>_from_<src>`), with `_delay` and `_flatten` nodes around it as
    needed. Metadata records `dt`. Raises NIRError for what NIR cannot express (subtractive
    reset, refractory periods, 1-D pooling).
    """
    import nir

    nodes: dict[str, Any] = {}
    edges: list[tuple[str, str]] = []
    shapes = {p.name: tuple(p.shape) for p in net.populations}
    used: set[str] = {p.name for p in net.populations} | {o.name for o in net.outputs}

    def fresh(base: str) -> str:
        name, k = base, 1
        while name in used:
            name = f"{base}_{k}"
            k += 1
        used.add(name)
        return name

    for p in net.populations:
        shape = tuple(p.shape)
        if p.kind == "input":
            nodes[p.name] = nir.Input(input_type={"input": np.array(shape)})
            continue
        if p.kind not in MODEL_TO_NIR:
            raise NIRError(f"population '{p.name}' has model '{p.kind}', which NIR does not have")
        if p.params.get("reset", "zero") != "zero":
            raise NIRError(f"population '{p.name}' resets by subtraction; NIR neurons reset to v_reset")
        if p.params.get("refractory", 0):
            raise NIRError(f"population '{p.name}' has a refractory period; NIR neurons have none")
        nir_type = MODEL_TO_NIR[p.kind]
        kwargs = {}
        for nir_name, snn_name in NEURON_MODELS[nir_type][1]:
            value = p.params[snn_name]
            if isinstance(value, np.ndarray) and value.ndim:
                kwargs[nir_name] = np.asarray(value, dtype=np.float32).reshape(shape)
            else:
                kwargs[nir_name] = np.full(shape, float(value), dtype=np.float64)
        nodes[p.name] = getattr(nir, nir_type)(**kwargs)

    def flatten(into: str, from_shape: tuple[int, ...], base: str) -> str:
        name = fresh(f"{base}_flatten")
        nodes[name] = nir.Flatten(input_type={"input": np.array(from_shape)}, start_dim=0, end_dim=-1)
        edges.append((name, into))
        return name

    for pr in net.projections:
        src_shape, dst_shape = shapes[pr.src], shapes[pr.dst]
        base = pr.name or f"{pr.dst}_from_{pr.src}"
        head = pr.src  # the node the chain hangs from
        chain: list[tuple[str, Any]] = []
        if pr.delay:
            chain.append((fresh(f"{base}_delay"), nir.Delay(delay=np.full(src_shape, pr.delay * net.dt))))
        tail_flatten: tuple[int, ...] | None = None
        if pr.kind == "dense":
            if len(src_shape) > 1:
                chain.append((fresh(f"{base}_flatten"),
                              nir.Flatten(input_type={"input": np.array(src_shape)}, start_dim=0, end_dim=-1)))
            w = np.asarray(pr.weight, dtype=np.float32)
            if pr.bias is not None:
                b = np.broadcast_to(np.asarray(pr.bias, dtype=np.float32).reshape(-1), (w.shape[0],)).copy()
                chain.append((fresh(base), nir.Affine(weight=w, bias=b)))
            else:
                chain.append((fresh(base), nir.Linear(weight=w)))
            if len(dst_shape) > 1:
                warn(f"projection '{base}' into '{pr.dst}' (shape {list(dst_shape)}) is exported as a flat "
                     "weight; NIR cannot unflatten, so the file will not pass NIR's type check")
        elif pr.kind == "scale":
            if len(src_shape) > 1 and len(dst_shape) == 1:
                chain.append((fresh(f"{base}_flatten"),
                              nir.Flatten(input_type={"input": np.array(src_shape)}, start_dim=0, end_dim=-1)))
                sig = dst_shape
            else:
                sig = src_shape
            f = pr.factor
            if isinstance(f, np.ndarray) and f.ndim:
                chain.append((fresh(base), nir.Scale(scale=np.asarray(f, dtype=np.float32).reshape(sig))))
            elif float(f) != 1.0:
                chain.append((fresh(base), nir.Scale(scale=np.full(sig, float(f), dtype=np.float64))))
        elif pr.kind == "conv":
            w = np.asarray(pr.weight, dtype=np.float32)
            nd = w.ndim - 2
            view = tuple(pr.src_view or src_shape)
            bias = (np.zeros(w.shape[0], dtype=np.float32) if pr.bias is None else
                    np.broadcast_to(np.asarray(pr.bias, dtype=np.float32).reshape(-1), (w.shape[0],)).copy())
            stride = pr.stride or [1] * nd
            padding = pr.padding or [0] * nd
            dilation = pr.dilation or [1] * nd
            if nd == 1:
                node = nir.Conv1d(input_shape=int(view[1]), weight=w, stride=int(stride[0]), padding=int(padding[0]),
                                  dilation=int(dilation[0]), groups=int(pr.groups), bias=bias)
            else:
                node = nir.Conv2d(input_shape=tuple(int(x) for x in view[1:]), weight=w, stride=tuple(stride),
                                  padding=tuple(padding), dilation=tuple(dilation), groups=int(pr.groups), bias=bias)
            chain.append((fresh(base), node))
            out = (w.shape[0], *_conv_out(view[1:], list(w.shape[2:]), list(stride), list(padding), list(dilation)))
            if out != tuple(dst_shape) and len(dst_shape) == 1:
                tail_flatten = out
        elif pr.kind == "pool":
            kernel = list(pr.kernel or [])
            if len(kernel) != 2:
                raise NIRError(f"projection '{base}' pools in {len(kernel)}-D; NIR has only 2-D pooling")
            view = tuple(pr.src_view or src_shape)
            stride = list(pr.stride or kernel)
            padding = list(pr.padding or [0, 0])
            cls = nir.SumPool2d if pr.mode == "sum" else nir.AvgPool2d
            chain.append((fresh(base), cls(kernel_size=np.array(kernel), stride=np.array(stride),
                                           padding=np.array(padding))))
            out = (view[0], *_conv_out(view[1:], kernel, stride, padding, [1, 1]))
            if out != tuple(dst_shape) and len(dst_shape) == 1:
                tail_flatten = out
        else:
            raise NIRError(f"projection '{base}' of kind '{pr.kind}' has no NIR equivalent")
        if tail_flatten is not None:
            chain.append((fresh(f"{base}_flatten"),
                          nir.Flatten(input_type={"input": np.array(tail_flatten)}, start_dim=0, end_dim=-1)))
        prev = head
        for name, node in chain:
            nodes[name] = node
            edges.append((prev, name))
            prev = name
        edges.append((prev, pr.dst))

    for o in net.outputs:
        shape = tuple(o.view or shapes[o.src])
        src = o.src
        if len(shape) == 1 and len(shapes[o.src]) > 1:
            name = fresh(f"{o.name}_flatten")
            nodes[name] = nir.Flatten(input_type={"input": np.array(shapes[o.src])}, start_dim=0, end_dim=-1)
            edges.append((src, name))
            src = name
        nodes[o.name] = nir.Output(output_type={"output": np.array(shape)})
        edges.append((src, o.name))
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata={"snnir_dt": float(net.dt)}, type_check=False)
