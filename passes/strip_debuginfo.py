"""`strip-debuginfo`: forget source locations, e.g. before comparing two files' IR."""

from __future__ import annotations

from dataclasses import dataclass

from snnir.ir import Operation
from snnir.location import UNKNOWN_LOC
from snnir.pass_manager import Pass, PassContext


@dataclass(frozen=True)
class StripDebugInfo(Pass):
    name = "strip-debuginfo"
    description = "Replace the location of every operation and block argument with loc(unknown)"
    statistics = {"stripped": "locations replaced"}

    def apply(self, module: Operation, ctx: PassContext) -> None:
        for op in module.walk():
            if op.loc != UNKNOWN_LOC:
                op.loc = UNKNOWN_LOC
                ctx.bump("stripped")
            for region in op.regions:
                for block in region.blocks:
                    for arg in block.args:
                        arg.loc = UNKNOWN_LOC
