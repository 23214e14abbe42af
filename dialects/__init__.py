"""Dialects that ship with snnir, one module each (installed as `snnir.dialects`)."""
