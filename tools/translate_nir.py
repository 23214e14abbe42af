"""`--import-nir` and `--export-nir`: NIR graphs (HDF5 files of PyPI `nir`) to and from `snn` networks.

    snn-translate --import-nir model.nir --dt 1e-3 -o model.snnir
    snn-translate --export-nir model.snnir -o model.nir

The graph logic (reading sloppy files, flattening subgraphs, composing weight nodes, delays,
recurrent loops) is `snnir.algorithms.nir_graph`; this module only converts its plain
`Network` to and from IR. docs/nir.md states the mapping and the discretisation.
"""

from __future__ import annotations

import io
import os
from typing import Any

import numpy as np

from snnir.attributes import (
    Attribute,
    DenseResourceAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    VerifyException,
)
from snnir.context import Context
from snnir.diagnostics import error
from snnir.ir import Operation
from snnir.translation import Translation, TranslationOption


def _nir_graph():  # imported lazily: snn-translate starts fast without h5py
    from snnir.algorithms import nir_graph

    return nir_graph


# ------------------------------------------------------------------------------------ import


def network_to_module(net: Any) -> Operation:
    """A verified builtin.module holding one snn.network built from a `nir_graph.Network`."""
    from snnir.dialects import snn
    from snnir.dialects.snn_builder import NetworkBuilder

    ng = _nir_graph()
    models = {cls.name.split(".", 1)[1]: cls for cls in snn.NEURON_MODELS}
    b = NetworkBuilder(net.name, dt=net.dt)
    value: dict[str, Any] = {}
    shapes: dict[str, tuple[int, ...]] = {}
    for p in net.populations:
        shapes[p.name] = tuple(p.shape)
        if p.kind == "input":
            value[p.name] = b.input(p.name, p.shape)
            continue
        params: dict[str, Attribute] = {}
        for k, v in p.params.items():
            if isinstance(v, np.ndarray):
                params[k] = b.array(f"{ng.resource_key(p.name)}_{k}", v)
            else:
                params[k] = FloatAttr(float(v))
        try:
            model = models[p.kind](**params)
        except VerifyException as e:
            raise error(f"population '{p.name}': {e}") from None
        value[p.name] = b.neurons(p.name, p.shape, model)

    views: dict[tuple[str, tuple[int, ...]], Any] = {}

    def view(name: str, shape: tuple[int, ...] | None) -> Any:
        if shape is None or tuple(shape) == shapes[name]:
            return value[name]
        key = (name, tuple(shape))
        if key not in views:
            views[key] = b.reshape(value[name], shape)
        return views[key]

    for pr in net.projections:
        src, dst = view(pr.src, pr.src_view), view(pr.dst, pr.dst_view)
        if pr.kind == "dense":
            b.dense(src, dst, pr.weight, bias=pr.bias, delay=pr.delay, name=pr.name)
        elif pr.kind == "scale":
            factor = pr.factor if isinstance(pr.factor, np.ndarray) else FloatAttr(float(pr.factor))
            b.scale(src, dst, factor, delay=pr.delay, name=pr.name)
        elif pr.kind == "conv":
            b.conv(src, dst, pr.weight, stride=pr.stride, padding=pr.padding, dilation=pr.dilation,
                   groups=pr.groups, bias=pr.bias, delay=pr.delay, name=pr.name)
        elif pr.kind == "pool":
            b.pool(src, dst, pr.kernel, mode=pr.mode, stride=pr.stride, padding=pr.padding, delay=pr.delay)
    for o in net.outputs:
        b.output(o.name, view(o.src, o.view))
    return b.module()


class ImportNIR(Translation):
    name = "import-nir"
    description = "NIR graph (HDF5 file of PyPI nir) -> snn network, discretised with --dt (docs/nir.md)"
    direction = "import"
    binary_input = True
    options = (TranslationOption("--dt", float, None, "time step in seconds (default: the dt that --export-nir "
                                 "recorded in the file, else 1e-3)", "SECONDS"),)

    def import_path(self, path: str, ctx: Context) -> Operation:
        ng = _nir_graph()
        try:
            graph = ng.read_nir(path, self.warn)
            dt = self.dt
            if dt is None:
                recorded = ng.graph_metadata(graph).get("snnir_dt")
                try:
                    dt = float(np.asarray(recorded).reshape(-1)[0]) if recorded is not None else ng.DEFAULT_DT
                except (TypeError, ValueError, IndexError):
                    dt = ng.DEFAULT_DT
            stem = os.path.splitext(os.path.basename(path))[0]
            net = ng.nir_to_network(graph, dt, stem, self.warn)
        except ng.NIRError as e:
            raise error(str(e)) from None
        return network_to_module(net)


# ------------------------------------------------------------------------------------ export


def _number_or_array(attr: Attribute | None) -> Any:
    if attr is None:
        return None
    if isinstance(attr, (FloatAttr, IntegerAttr)):
        return float(attr.value)
    return np.asarray(attr.data, dtype=np.float32)


def _int_list(attr: Attribute | None) -> list[int] | None:
    return None if attr is None else [int(x.value) for x in attr.data]  # type: ignore[attr-defined]


def _name_of(attr: Attribute | None, suffix: str) -> str | None:
    """The weight node's name: the resource name without `suffix` (as the importer names them)."""
    if isinstance(attr, DenseResourceAttr) and attr.handle.name.endswith(suffix):
        return attr.handle.name[: -len(suffix)] or None
    return None


def module_to_network(network: Operation) -> Any:
    """The `nir_graph.Network` of one snn.network op (sparse projections become dense weights)."""
    from snnir.dialects import snn

    ng = _nir_graph()
    net = ng.Network(network.sym_name or "network", float(network.dt.value))  # type: ignore[attr-defined]
    roots: dict[Any, tuple[str, tuple[int, ...] | None]] = {}

    def where(v: Any) -> tuple[str, tuple[int, ...] | None]:
        if v in roots:
            return roots[v]
        op = v.op
        if isinstance(op, snn.ReshapeOp):
            name, _ = where(op.src)
            roots[v] = (name, tuple(v.type.dims))
        else:
            roots[v] = (op.sym_name, None)
        return roots[v]

    for op in network.regions[0].block.ops:
        if isinstance(op, snn.InputOp):
            net.populations.append(ng.Population(op.sym_name, "input", tuple(op.res.type.dims)))
        elif isinstance(op, snn.NeuronsOp):
            if isinstance(op.model, snn.RelayAttr):
                raise error(f"@{op.sym_name} is a #snn.relay population (made by fan-in decomposition) and NIR has "
                            "no relay node; export the network before decomposing it", op.loc)
            params: dict[str, Any] = {}
            for d, v in zip(op.model.param_defs, op.model.parameters):
                if isinstance(v, StringAttr):
                    params[d.name] = v.data
                elif isinstance(v, IntegerAttr):
                    params[d.name] = int(v.value)
                else:
                    params[d.name] = _number_or_array(v)
            kind = op.model.name.split(".", 1)[1]
            net.populations.append(ng.Population(op.sym_name, kind, tuple(op.res.type.dims), params))
        elif isinstance(op, snn.OutputOp):
            name, view = where(op.src)
            net.outputs.append(ng.Output(op.sym_name, name, view))
        elif isinstance(op, snn.Projection):
            (src, sview), (dst, dview) = where(op.src), where(op.dst)
            common = dict(src=src, dst=dst, delay=op.delay_steps, src_view=sview, dst_view=dview)
            if isinstance(op, snn.DenseOp):
                pr = ng.Projection(kind="dense", name=_name_of(op.weight, "_weight"),
                                   weight=np.asarray(op.weight.data, dtype=np.float32),
                                   bias=_number_or_array(op.bias), **common)
            elif isinstance(op, snn.SparseOp):
                post, pre = op.dst.type.size, op.src.type.size
                w = np.zeros((post, pre), dtype=np.float64)
                idx = np.asarray(op.indices.data, dtype=np.int64)
                np.add.at(w, (idx[0], idx[1]), np.asarray(op.values.data, dtype=np.float64))
                pr = ng.Projection(kind="dense", name=_name_of(op.values, "_values"), weight=w.astype(np.float32),
                                   bias=_number_or_array(op.bias), **common)
            elif isinstance(op, snn.ScaleOp):
                pr = ng.Projection(kind="scale", name=_name_of(op.factor, "_factor"),
                                   factor=_number_or_array(op.factor), **common)
            elif isinstance(op, snn.ConvOp):
                pr = ng.Projection(kind="conv", name=_name_of(op.weight, "_weight"),
                                   weight=np.asarray(op.weight.data, dtype=np.float32), bias=_number_or_array(op.bias),
                                   stride=_int_list(op.stride), padding=_int_list(op.padding),
                                   dilation=_int_list(op.dilation), groups=op.groups.value if op.groups else 1,
                                   **common)
            elif isinstance(op, snn.PoolOp):
                pr = ng.Projection(kind="pool", mode=op.mode.data, kernel=_int_list(op.kernel),
                                   stride=_int_list(op.stride), padding=_int_list(op.padding), **common)
            else:
                raise error(f"'{op.name}' has no NIR equivalent", op.loc)
            net.projections.append(pr)
    return net


class ExportNIR(Translation):
    name = "export-nir"
    description = "snn network -> NIR graph (HDF5, written with -o FILE); sparse synapses become dense weights"
    direction = "export"
    binary_output = True

    def export_bytes(self, module: Operation) -> bytes:
        import nir

        from snnir.dialects import snn

        networks = [op for op in module.walk() if isinstance(op, snn.NetworkOp)]
        if len(networks) != 1:
            names = ", ".join(f"@{n.sym_name}" for n in networks)
            raise error(f"--export-nir writes one network, the input holds {len(networks)}"
                        + (f" ({names})" if names else ""), module.loc)
        ng = _nir_graph()
        network = networks[0]
        try:
            graph = ng.network_to_nir(module_to_network(network), lambda m: self.warn(m, network.loc))
        except ng.NIRError as e:
            raise error(str(e), network.loc) from None
        buf = io.BytesIO()
        nir.write(buf, graph)
        return buf.getvalue()


__all__ = ["ImportNIR", "ExportNIR", "network_to_module", "module_to_network"]
