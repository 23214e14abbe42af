"""The `cluster` dialect: a network packed into crossbar-sized clusters (method.md section 3).

    cluster.graph @mlp_clusters attributes {network = @mlp, rows = 128, cols = 128} {
      cluster.crossbar @c0 columns(dense_resource<c0_columns> : tensor<100xi32>)
                           rows(dense_resource<c0_rows> : tensor<120xi32>)
                           synapses(dense_resource<c0_synapses> : tensor<9000xi32>) {input_spikes = 3006}
      cluster.link @c0 -> @c1 spikes 42
    }

Neurons are named by global ids: the populations of the network (`snn.input` and
`snn.neurons`, in order) numbered consecutively, each flattened row-major. Synapses are
named by global ids too: the projections of the network in order, each in row-major
order of its [post, pre] matrix (only structurally present synapses). A crossbar's columns
are its post-synaptic neurons, its rows the distinct neurons that feed them, and its
synapses those whose post-synaptic neuron is one of its columns. A link carries the spikes
that the columns of one crossbar send to another per iteration: each neuron's spikes count
once per destination crossbar.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from snnir.attributes import (
    DenseElementsAttr,
    DenseResourceAttr,
    IntegerAttr,
    StringAttr,
    SymbolRefAttr,
    VerifyException,
)
from snnir.irdl import (
    BaseAttr,
    Dialect,
    IRDLOperation,
    Predicate,
    SymbolName,
    opt_prop_def,
    prop_def,
    region_def,
)
from snnir.traits import (
    GraphRegions,
    HasParent,
    IsolatedFromAbove,
    NoTerminator,
    SingleBlock,
    Symbol,
    SymbolTable,
    lookup_symbol,
)

Ids = BaseAttr(DenseElementsAttr, DenseResourceAttr)
PositiveInt = Predicate(IntegerAttr, lambda a: a.value > 0, "positive integer")
NonNegInt = Predicate(IntegerAttr, lambda a: a.value >= 0, "non-negative integer")


def ids_of(attr: Any) -> np.ndarray:
    """The integer ids held by a dense or resource attribute, as a flat int64 array."""
    arr = np.asarray(attr.data)
    if arr.dtype.kind not in "iu":
        raise VerifyException(f"expected integer ids, got elements of type {attr.type.element_type}")
    return arr.reshape(-1).astype(np.int64, copy=False)


class GraphOp(IRDLOperation):
    """The clusters of one `snn.network` for crossbars of `rows` x `cols`."""

    name = "cluster.graph"
    sym_name = prop_def(SymbolName())
    network = prop_def(SymbolRefAttr)
    rows = prop_def(PositiveInt)
    cols = prop_def(PositiveInt)
    algo = opt_prop_def(StringAttr)
    body = region_def(single_block=True)
    traits = (Symbol(), SymbolTable(), IsolatedFromAbove(), GraphRegions(), NoTerminator(), SingleBlock())
    assembly_format = "$sym_name attr-dict-with-keyword $body"

    @property
    def crossbars(self) -> list["CrossbarOp"]:
        return [op for op in self.regions[0].block.ops if isinstance(op, CrossbarOp)]

    @property
    def links(self) -> list["LinkOp"]:
        return [op for op in self.regions[0].block.ops if isinstance(op, LinkOp)]

    def verify_(self) -> None:
        from snnir.traits import resolve_symbol

        net = resolve_symbol(self, self.network)
        if net is None or net.name != "snn.network":
            raise VerifyException(f"network {self.network} is not an snn.network of this module")

    def verify_regions_(self) -> None:
        """The whole graph against its network, once every crossbar and link is valid on its own."""
        from snnir.traits import resolve_symbol

        from snnir.passes.partition import verify_graph

        verify_graph(self, resolve_symbol(self, self.network))  # verify_ made sure it is an snn.network


class CrossbarOp(IRDLOperation):
    """One crossbar: its columns (post-synaptic neurons), rows (distinct inputs) and synapses, by global id."""

    name = "cluster.crossbar"
    sym_name = prop_def(SymbolName())
    columns = prop_def(Ids)
    rows = prop_def(Ids)
    synapses = prop_def(Ids)
    input_spikes = opt_prop_def(NonNegInt)
    traits = (Symbol(), HasParent("cluster.graph"))
    assembly_format = "$sym_name `columns` `(` $columns `)` `rows` `(` $rows `)` `synapses` `(` $synapses `)` attr-dict"

    def verify_(self) -> None:
        graph = self.parent_op
        limits = (graph.properties.get("rows"), graph.properties.get("cols")) if graph is not None else (None, None)
        n_rows, n_cols = ids_of(self.rows).size, ids_of(self.columns).size
        if n_cols == 0:
            raise VerifyException(f"crossbar @{self.sym_name} has no columns")
        if isinstance(limits[1], IntegerAttr) and n_cols > limits[1].value:
            raise VerifyException(f"crossbar @{self.sym_name} uses {n_cols} columns but the crossbar has "
                                  f"{limits[1].value}")
        if isinstance(limits[0], IntegerAttr) and n_rows > limits[0].value:
            raise VerifyException(f"crossbar @{self.sym_name} uses {n_rows} rows but the crossbar has "
                                  f"{limits[0].value}")
        for what, arr in (("columns", ids_of(self.columns)), ("rows", ids_of(self.rows))):
            if arr.size > 1 and not np.all(arr[1:] > arr[:-1]):
                raise VerifyException(f"{what} of crossbar @{self.sym_name} must be sorted and distinct")


class LinkOp(IRDLOperation):
    """Spikes per iteration that the columns of `src` send to crossbar `dst`."""

    name = "cluster.link"
    src = prop_def(SymbolRefAttr)
    dst = prop_def(SymbolRefAttr)
    spikes = prop_def(PositiveInt)
    traits = (HasParent("cluster.graph"),)
    assembly_format = "$src `->` $dst `spikes` $spikes attr-dict"

    def verify_(self) -> None:
        graph = self.parent_op
        for end in (self.src, self.dst):
            target = lookup_symbol(graph, end.root) if graph is not None else None
            if not isinstance(target, CrossbarOp) or end.nested:
                raise VerifyException(f"link endpoint {end} is not a crossbar of this graph")
        if self.src == self.dst:
            raise VerifyException(f"a link must join two different crossbars, got {self.src} -> {self.dst}")


CLUSTER = Dialect("cluster", [GraphOp, CrossbarOp, LinkOp],
                  description="Networks packed into crossbar-sized clusters and the spikes between them.")
