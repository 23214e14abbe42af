"""Passes that exist to test the pass manager and the driver (named `test-*`, as in MLIR)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from snnir.attributes import StringAttr
from snnir.ir import Operation
from snnir.pass_manager import Pass, PassContext, PassFailure, option


@dataclass(frozen=True)
class TestOptions(Pass):
    name = "test-options"
    description = "Emit a remark on the module listing the options it was given (tests option parsing)"
    statistics = {"ops": "operations in the module"}

    count: int = option(1, "an integer")
    scale: float = option(0.5, "a number")
    label: str = option("x", "a string")
    flag: bool = option(False, "a boolean")
    sizes: list[int] = option([], "a list of integers")
    mode: Literal["fast", "exact"] = option("fast", "one of a fixed set of words")

    def apply(self, module: Operation, ctx: PassContext) -> None:
        ctx.bump("ops", sum(1 for _ in module.walk()))
        ctx.remark(f"count={self.count} scale={self.scale} label={self.label} flag={self.flag} "
                   f"sizes={self.sizes} mode={self.mode}", module.loc)


@dataclass(frozen=True)
class TestFail(Pass):
    name = "test-fail"
    description = "Fail on the first op named by `op` (tests pass failure diagnostics)"

    op: str = option("test.flag", "name of the op to fail on")

    def apply(self, module: Operation, ctx: PassContext) -> None:
        for o in module.walk():
            if o.name == self.op:
                raise PassFailure(f"found '{self.op}'", o.loc)


@dataclass(frozen=True)
class TestBreakIR(Pass):
    name = "test-break-ir"
    description = "Give every 'test.func' an integer sym_name, leaving invalid IR (tests verify-after-pass)"

    def apply(self, module: Operation, ctx: PassContext) -> None:
        from snnir.attributes import IntegerAttr

        for o in module.walk():
            if o.name == "test.func":
                o.properties["sym_name"] = IntegerAttr(7)


@dataclass(frozen=True)
class TestRename(Pass):
    name = "test-rename"
    description = "Append a suffix to every symbol name (a small transformation to test pipelines)"
    statistics = {"renamed": "symbols renamed"}

    suffix: str = option("_1", "text appended to every sym_name")

    def apply(self, module: Operation, ctx: PassContext) -> None:
        for o in module.walk():
            name = o.properties.get("sym_name")
            if isinstance(name, StringAttr):
                o.properties["sym_name"] = StringAttr(name.data + self.suffix)
                ctx.bump("renamed")
