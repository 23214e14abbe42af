"""snnir: an MLIR-style compiler for spiking neural networks on crossbar hardware.

The core package knows no dialect: it holds the data model, attributes and types,
op declaration, parser, printer, verifier, diagnostics and pass manager.
"""

__version__ = "0.1.0"
