"""Passes that ship with snnir, one module each (installed as `snnir.passes`).

A module here is found by the pass registry without being listed anywhere: every
`Pass` subclass with a `name` defined in `snnir.passes.*` is registered on import.
"""
