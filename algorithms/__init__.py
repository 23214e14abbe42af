"""Algorithms of snnir, installed as `snnir.algorithms`: plain functions over numpy arrays,
scipy sparse matrices and networkx graphs, usable and testable without the IR.

- `simulate`: the discrete-time reference simulator of the `snn` level.
- `nir_graph`: NIR graphs to and from a plain network description (`--import-nir`, `--export-nir`).
- `hwconfig`: the hardware configuration of a partitioned network as arrays (crossbars, routing,
  neuron table), optionally with quantised weights.
- `hwsim`: a hardware-level simulator that runs a configuration alone and reproduces `simulate`.
"""
