"""The builtin dialect: `builtin.module`, the top-level container every parsed file becomes."""

from __future__ import annotations

from snnir.attributes import StringAttr
from snnir.irdl import Dialect, IRDLOperation, SymbolName, opt_prop_def, region_def
from snnir.traits import GraphRegions, IsolatedFromAbove, NoTerminator, SingleBlock, SymbolTable


class ModuleOp(IRDLOperation):
    """A named or anonymous container of top-level ops (a symbol table, isolated from above)."""

    name = "builtin.module"
    sym_name = opt_prop_def(SymbolName())
    body = region_def(single_block=True)
    traits = (IsolatedFromAbove(), SymbolTable(), NoTerminator(), SingleBlock(), GraphRegions())
    assembly_format = "($sym_name^)? attr-dict-with-keyword $body"

    @property
    def ops(self) -> list:
        return self.regions[0].block.ops


BUILTIN = Dialect("builtin", [ModuleOp], description="The container ops every file uses.")

__all__ = ["ModuleOp", "BUILTIN", "StringAttr"]
