"""Algorithms of snnir, installed as `snnir.algorithms`: plain functions over numpy arrays,
scipy sparse matrices and networkx graphs, usable and testable without the IR.

- `simulate`: the discrete-time reference simulator of the `snn` level.
- `nir_graph`: NIR graphs to and from a plain network description (`--import-nir`, `--export-nir`).
"""
