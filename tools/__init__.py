"""Command-line drivers: `snn-opt` and `snn-translate` (installed as `snnir.tools`)."""
