"""The verifier: declared invariants, traits, per-op hooks and SSA dominance, over a whole op tree."""

from __future__ import annotations

from snnir.attributes import VerifyException
from snnir.diagnostics import error
from snnir.ir import Operation, OpResult
from snnir.traits import GraphRegions


def verify_operation(root: Operation) -> None:
    """Verify `root` and every op nested in it; raises `DiagnosticError` at the first failing op.

    Each op is checked before the ops inside it; an op's `verify_regions_` hook (checks that
    rely on its nested ops being valid, MLIR's region verifier) runs after all of them.
    """
    after: list[Operation] = []
    for op in root.walk():
        try:
            _verify_one(op)
        except VerifyException as e:
            raise error(f"'{op.name}' op {e}", op.loc) from None
        if getattr(op, "verify_regions_", None) is not None:
            after.append(op)
    for op in reversed(after):  # innermost first
        try:
            op.verify_regions_()  # type: ignore[attr-defined]
        except VerifyException as e:
            raise error(f"'{op.name}' op {e}", op.loc) from None


def _verify_one(op: Operation) -> None:
    definition = op.definition
    if definition is not None:
        definition.verify(op)
    for trait in op.traits:
        trait.verify(op)
    hook = getattr(op, "verify_", None)
    if hook is not None:
        hook()
    if op.regions and op.registered and not op.has_trait(GraphRegions):
        _verify_dominance(op)


def _verify_dominance(op: Operation) -> None:
    """In SSA (non-graph) regions a value must be defined before its uses in the same block."""
    for region in op.regions:
        for block in region.blocks:
            position = {id(o): i for i, o in enumerate(block.ops)}
            for i, user in enumerate(block.ops):
                for v in user._operands:
                    if isinstance(v, OpResult) and v.op.parent is block and position[id(v.op)] >= i:
                        raise error(f"'{user.name}' op uses a value before it is defined "
                                    f"(regions of '{op.name}' are not graph regions)", user.loc)
