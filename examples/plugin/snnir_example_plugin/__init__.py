"""A third-party dialect (`toy`) and pass (`toy-count`) registered through entry points."""

from __future__ import annotations

from dataclasses import dataclass

from snnir.attributes import IntegerAttr, IntegerType, VerifyException
from snnir.irdl import Dialect, IRDLOperation, operand_def, prop_def, result_def
from snnir.ir import Operation
from snnir.pass_manager import Pass, PassContext, option


class SpikeOp(IRDLOperation):
    """`%s = toy.spike 3 : i32` — a constant spike count of a given integer type."""

    name = "toy.spike"
    count = prop_def(IntegerAttr)
    res = result_def(IntegerType)
    assembly_format = "$count attr-dict `:` type($res)"

    def verify_(self) -> None:
        if self.count.value < 0:
            raise VerifyException(f"spike count must be non-negative, got {self.count.value}")


class MergeOp(IRDLOperation):
    """`%m = toy.merge %a, %b : i32` — the sum of two spike counts."""

    name = "toy.merge"
    lhs = operand_def(IntegerType)
    rhs = operand_def(IntegerType)
    res = result_def(IntegerType)
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($res)"


TOY = Dialect("toy", [SpikeOp, MergeOp], description="Example plugin dialect")


@dataclass(frozen=True)
class CountToyOps(Pass):
    name = "toy-count"
    description = "Count toy ops and tag the module with the total (example plugin pass)"
    statistics = {"toy-ops": "toy ops seen"}

    attr: str = option("toy.count", "name of the module attribute that receives the count")

    def apply(self, module: Operation, ctx: PassContext) -> None:
        n = sum(1 for op in module.walk() if op.name.startswith("toy."))
        ctx.bump("toy-ops", n)
        module.attributes[self.attr] = IntegerAttr(n)
